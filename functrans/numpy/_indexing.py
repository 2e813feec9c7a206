"""NumPy indexing on read (``x[idx]``), indexed updates (``x.at[idx].set(v)``),
``take`` and ``take_along_axis``.

Reads clamp out-of-range traced indices into range and writes drop them, as in JAX
(a static Python int out of range raises IndexError, as in NumPy).
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import core, dtypes, lax
from ..core import Tracer
from ._base import ArrayLike, asarray, broadcast_arrays, broadcast_to, canonical_axis, convert, promote
from ..lax.indexing import take_along_axis as lax_take_along_axis

_PY_INTS = (int, np.integer)


def _is_bool_array(x: Any) -> bool:
    if isinstance(x, Tracer):
        return x.dtype == np.bool_
    return isinstance(x, (np.ndarray, list, tuple)) and np.asarray(x).dtype == np.bool_ and np.ndim(x) > 0


_EMPTY_ELLIPSIS = object()


def _normalize(x_shape: tuple[int, ...], idx: Any) -> tuple[list, int | None]:
    """The index as one entry per axis of the (expanded) operand: slices, ints, index
    arrays, and None for new axes; boolean masks become integer arrays.

    Also returns where an Ellipsis that stands for no axes was (or None): NumPy still
    counts it as separating the index arrays on its two sides."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    entries: list = []
    for item in idx:
        if _is_bool_scalar(item):
            raise IndexError("a boolean scalar index is not supported; use None to add an axis")
        if _is_bool_array(item):
            mask = core.concrete_or_error(item, "a boolean mask index (its result's shape depends on its values)")
            entries.append(np.asarray(mask))
        elif isinstance(item, list):
            entries.append(np.asarray(item))
        else:
            entries.append(item)
    ellipses = [i for i, e in enumerate(entries) if e is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    # A mask indexes as many axes as it has.
    width = lambda e: e.ndim if _is_mask(e) else int(e is not None and e is not Ellipsis)
    used = builtins.sum(width(e) for e in entries)
    if used > len(x_shape):
        raise IndexError(f"too many indices for array: array is {len(x_shape)}-dimensional, but {used} were indexed")
    fill = [builtins.slice(None)] * (len(x_shape) - used)
    if ellipses:
        entries[ellipses[0] : ellipses[0] + 1] = fill or [_EMPTY_ELLIPSIS]
    else:
        entries += fill
    entries = _masks_to_indices(entries, x_shape)
    split = next((i for i, e in enumerate(entries) if e is _EMPTY_ELLIPSIS), None)
    if split is not None:
        del entries[split]
    for e in entries:
        if not (e is None or isinstance(e, (builtins.slice, _PY_INTS, Tracer, np.ndarray))):
            raise IndexError(f"only integers, slices, ellipsis, None and integer or boolean arrays are valid indices, got {e!r}")
        if isinstance(e, (np.ndarray, Tracer)) and e.dtype.kind not in "iub":
            raise IndexError(f"arrays used as indices must be of integer (or boolean) type, got {e.dtype}")
    return entries, split


def _is_bool_scalar(x: Any) -> bool:
    if isinstance(x, (np.ndarray, Tracer)):
        return x.ndim == 0 and x.dtype == np.bool_
    return type(x) in (bool, np.bool_)


def _is_mask(e: Any) -> bool:
    return isinstance(e, np.ndarray) and e.dtype == np.bool_ and e.ndim > 0


def _masks_to_indices(entries: list, x_shape: tuple[int, ...]) -> list:
    """Each boolean mask replaced by the integer arrays of its true positions, after
    checking its shape against the axes it covers."""
    out, axis = [], 0
    for e in entries:
        if _is_mask(e):
            covered = x_shape[axis : axis + e.ndim]
            if e.shape != covered:
                raise IndexError(f"boolean index of shape {e.shape} does not match the shape {covered} of the axes it indexes (from axis {axis})")
            out.extend(np.nonzero(e))
        else:
            out.append(e)
        axis += e.ndim if _is_mask(e) else int(e is not None and e is not _EMPTY_ELLIPSIS)
    return out


def _wrap_negative(i: Any, n: int) -> Any:
    i = asarray(i)
    if i.dtype.kind == "u":
        return convert(i, dtypes.int64)
    i = convert(i, dtypes.int64)
    return lax.select_n(lax.lt(i, lax.full_like(i, 0)), i, lax.add(i, n))


def _static_slice(x: Any, axis: int, s: builtins.slice) -> Any:
    n = x.shape[axis]
    r = range(*s.indices(n))
    start, limit, strides = [0] * x.ndim, list(x.shape), [1] * x.ndim
    if len(r) == 0:
        limit[axis] = 0
        return lax.slice(x, start, limit)
    if r.step < 0:
        x = lax.rev(x, [axis])
        first, last, step = n - 1 - r[0], n - 1 - r[-1], -r.step
    else:
        first, last, step = r[0], r[-1], r.step
    start[axis], limit[axis], strides[axis] = first, last + 1, step
    return lax.slice(x, start, limit, strides)


def _concrete_slice(s: builtins.slice) -> builtins.slice:
    parts = [None if v is None else int(core.concrete_or_error(v, "a slice bound (use lax.dynamic_slice for traced starts)")) for v in (s.start, s.stop, s.step)]
    return builtins.slice(*parts)


def _index_plan(x: Any, idx: Any, mode: str) -> tuple[Any, list, list, bool]:
    """Apply the basic part of an index; return the array and the advanced part.

    Returns ``(y, positions, arrays, adjacent)``: ``y`` is ``x`` after new axes, slices and
    (when there are no index arrays) integer indices; ``arrays`` index the axes
    ``positions`` of ``y`` and are still to be gathered; ``adjacent`` says whether NumPy
    counts those axes as next to each other.
    """
    entries, split = _normalize(x.shape, idx)
    # New axes first, as size-1 axes indexed by a full slice.
    new_axes = [i for i, e in enumerate(entries) if e is None]
    if new_axes:
        x = lax.expand_dims(x, new_axes)
        entries = [builtins.slice(None) if e is None else e for e in entries]
    has_arrays = builtins.any(isinstance(e, (np.ndarray, Tracer)) and e.ndim > 0 for e in entries)
    # With index arrays present, NumPy treats integers as 0-d index arrays too; for
    # writes every integer is one, so that out-of-range ones can be dropped.
    scalar_as_array = has_arrays or mode == "drop"
    squeeze_axes, positions, arrays = [], [], []
    for axis, e in enumerate(entries):
        n = x.shape[axis]
        if isinstance(e, builtins.slice):
            x = _static_slice(x, axis, _concrete_slice(e))
        elif isinstance(e, _PY_INTS) or (isinstance(e, np.ndarray) and e.ndim == 0):
            i = int(e)
            if mode == "drop":
                positions.append(axis)
                arrays.append(_wrap_negative(np.asarray(i, dtypes.int64), n))
                continue
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
            i %= n
            if scalar_as_array:
                positions.append(axis)
                arrays.append(np.asarray(i, dtypes.int64))
            else:
                start, limit = [0] * x.ndim, list(x.shape)
                start[axis], limit[axis] = i, i + 1
                x = lax.slice(x, start, limit)
                squeeze_axes.append(axis)
        elif isinstance(e, Tracer) and e.ndim == 0 and not scalar_as_array:
            starts = [np.asarray(0, dtypes.int64)] * x.ndim
            starts[axis] = _wrap_negative(e, n)
            sizes = list(x.shape)
            sizes[axis] = 1
            x = lax.dynamic_slice(x, starts, sizes, allow_negative_indices=False)  # already wrapped
            squeeze_axes.append(axis)
        else:
            positions.append(axis)
            arrays.append(_wrap_negative(e, n))
    if squeeze_axes:
        x = lax.squeeze(x, squeeze_axes)
    adjacent = positions == list(range(positions[0], positions[0] + len(positions))) if positions else True
    if split is not None and positions and positions[0] < split <= positions[-1]:
        adjacent = False
    return x, positions, arrays, adjacent


def _gather_points(x: Any, positions: list, arrays: list, mode: str, adjacent: bool = True) -> Any:
    """``x`` indexed on axes ``positions`` by (broadcast) integer ``arrays``, NumPy's placement
    (``adjacent``: the axes count as next to each other, so the result goes where they were)."""
    arrays = broadcast_arrays(*arrays)
    point_shape = arrays[0].shape
    rest = [a for a in range(x.ndim) if a not in positions]
    moved = lax.transpose(x, positions + rest)
    indices = lax.concatenate([lax.expand_dims(a, [len(point_shape)]) for a in arrays], len(point_shape))
    out = lax.indexing.gather(moved, indices, 0, mode)
    if adjacent and positions[0] > 0:
        # NumPy puts the indexed result where the indexed axes were when they are adjacent.
        npoint, first = len(point_shape), positions[0]
        perm = list(range(npoint, npoint + first)) + list(range(npoint)) + list(range(npoint + first, out.ndim))
        out = lax.transpose(out, perm)
    return out


def getitem(x: ArrayLike, idx: Any) -> Any:
    """``x[idx]`` with NumPy's semantics: integers, slices, ``None``, ``...``, integer and
    boolean arrays.

    Concrete out-of-range integers raise ``IndexError``, as in NumPy; traced ones are
    clamped into range, as in JAX. Traced values use it for ``x[idx]``.

    >>> getitem(np.arange(10) * 10, np.array([1, -1]))
    array([10, 90])
    >>> getitem(np.arange(6).reshape(2, 3), (slice(None), 1))
    array([1, 4])
    """
    x = asarray(x)
    y, positions, arrays, adjacent = _index_plan(x, idx, "clip")
    return _gather_points(y, positions, arrays, "clip", adjacent) if arrays else y


def _update(x: ArrayLike, idx: Any, values: ArrayLike, kind: str) -> Any:
    x = asarray(x)
    # Index the positions of x (as flat offsets) exactly as a read would, then scatter
    # into those offsets; offsets read from out of range come back as -1 and are dropped.
    offsets = lax.add(lax.reshape(lax.iota(dtypes.int64, x.size), x.shape), 1)
    y, positions, arrays, adjacent = _index_plan(offsets, idx, "drop")
    picked = _gather_points(y, positions, arrays, "drop", adjacent) if arrays else y
    picked = lax.sub(picked, 1)
    (values,) = promote(asarray(values))
    values = broadcast_to(convert(values, x.dtype), picked.shape)
    flat = lax.reshape(x, (x.size,))
    out = lax.indexing.scatter(flat, lax.reshape(picked, (picked.size, 1)), lax.reshape(values, (picked.size,)), kind, 0, "drop")
    return lax.reshape(out, x.shape)


class _IndexUpdateRef:
    def __init__(self, array: Any, index: Any):
        self.array, self.index = array, index

    def get(self) -> Any:
        """``x[idx]``."""
        return getitem(self.array, self.index)

    def set(self, values: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx] = values`` (out-of-range indices dropped)."""
        return _update(self.array, self.index, values, "set")

    def add(self, values: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx] += values`` (repeated indices accumulate)."""
        return _update(self.array, self.index, values, "add")

    def multiply(self, values: ArrayLike) -> Any:
        return _update(self.array, self.index, values, "mul")

    mul = multiply

    def min(self, values: ArrayLike) -> Any:
        return _update(self.array, self.index, values, "min")

    def max(self, values: ArrayLike) -> Any:
        return _update(self.array, self.index, values, "max")


class IndexUpdateHelper:
    """``x.at[idx]``: functional indexed updates, as in JAX.

    >>> x = np.zeros(3)
    >>> at(x)[1].add(5.0)
    array([0., 5., 0.])
    """

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, index: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)


def at(x: ArrayLike) -> IndexUpdateHelper:
    """``x.at`` for any array: functional indexed updates, ``at(x)[idx].set(v)``.

    ``.set``, ``.add``, ``.multiply``, ``.min`` and ``.max`` return an updated copy, leaving
    ``x`` as it was (``.get`` reads). NumPy arrays lack the ``.at`` property JAX's arrays
    have; traced values have both.

    >>> x = np.arange(4.0)
    >>> at(x)[1].set(9.0), x
    (array([0., 9., 2., 3.]), array([0., 1., 2., 3.]))
    >>> at(x)[np.array([0, 0])].add(1.0)
    array([2., 1., 2., 3.])
    """
    return IndexUpdateHelper(x)


def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None, mode: str | None = None) -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (the flattened array if None).

    Negative indices count from the end and out-of-range ones are clamped (``mode`` may
    only be None or ``"clip"``; JAX's default fills them with NaN, NumPy's raises).

    >>> take(np.arange(10) * 10, np.array([0, 2, 20]))
    array([ 0, 20, 90])
    >>> take(np.arange(6).reshape(2, 3), np.array([0, 2]), axis=1)
    array([[0, 2],
           [3, 5]])
    """
    a = asarray(a)
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    axis = canonical_axis(axis, a.ndim)
    if mode not in (None, "clip"):
        raise NotImplementedError(f"take: mode {mode!r} is not supported; out-of-range indices are clamped")
    indices = asarray(indices)
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take: indices must be integers, got {indices.dtype}")
    return _gather_points(a, [axis], [_wrap_negative(indices, a.shape[axis])], "clip")


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int | None) -> Any:
    """``arr`` indexed along ``axis`` by ``indices`` of the same rank, as ``numpy.take_along_axis``.

    Their shapes broadcast off ``axis``; ``axis=None`` indexes the flattened array.

    >>> a = np.array([[10, 30, 20], [60, 40, 50]])
    >>> take_along_axis(a, np.argsort(a, axis=1), axis=1)
    array([[10, 20, 30],
           [40, 50, 60]])
    """
    arr = asarray(arr)
    indices = asarray(indices)
    if axis is None:
        arr, axis = lax.reshape(arr, (arr.size,)), 0
    if indices.ndim != arr.ndim:
        raise ValueError(f"take_along_axis: indices (rank {indices.ndim}) and arr (rank {arr.ndim}) must have the same rank")
    axis = canonical_axis(axis, arr.ndim)
    shape = [builtins.max(a, i) if k != axis else None for k, (a, i) in enumerate(zip(arr.shape, indices.shape))]
    arr = broadcast_to(arr, [arr.shape[axis] if d is None else d for d in shape])
    indices = broadcast_to(indices, [indices.shape[axis] if d is None else d for d in shape])
    return lax_take_along_axis(arr, _wrap_negative(indices, arr.shape[axis]), axis)
