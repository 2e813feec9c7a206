"""Index tricks: coordinate grids (meshgrid, mgrid, ogrid, indices, ix_), index builders
(r_, c_, s_, index_exp), flat and multi-dimensional index conversion, the index arrays of
diagonals and triangles, and functional writes by index (fill_diagonal, put,
put_along_axis, place, choose)."""
from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

import numpy as np

from .. import core, dtypes, lax
from ._base import (
    ArrayLike, asarray, broadcast_arrays, broadcast_to, canonical_axis, convert, promote, shape_of, static_int,
)
from ._indexing import _update, take_along_axis
from ._shape import arange, concatenate, linspace, ravel, reshape, stack, swapaxes


def _inplace_error(name: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"{name}: arrays are immutable, so the update cannot be in place; pass inplace=False "
                         "and use the returned array")


# --------------------------------------------------------------------------- grids


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
    """Coordinate arrays from 1-D coordinate vectors: ``indexing='xy'`` (Cartesian, the first
    two axes swapped) or ``'ij'`` (matrix); ``sparse`` keeps size-1 axes instead of broadcasting.

    >>> [g.tolist() for g in meshgrid(np.array([1, 2]), np.array([5, 6, 7]))]
    [[[1, 2], [1, 2], [1, 2]], [[5, 5], [6, 6], [7, 7]]]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    arrays = [asarray(x) for x in xi]
    for i, a in enumerate(arrays):
        if a.ndim != 1:
            raise ValueError(f"meshgrid: the coordinate arrays must be 1-D, argument {i} has shape {a.shape}")
    shape = [a.shape[0] for a in arrays]
    if indexing == "xy" and len(arrays) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    outs = []
    for i, a in enumerate(arrays):
        axis = (1 - i if i < 2 else i) if indexing == "xy" and len(arrays) > 1 else i
        if sparse:
            out_shape = [1] * len(arrays)
            out_shape[axis] = a.shape[0]
            outs.append(lax.reshape(a, out_shape))
        else:
            outs.append(lax.broadcast_in_dim(a, shape, (axis,)))
    return outs


def indices(dimensions: Sequence[int], dtype: Any = None, sparse: bool = False) -> Any:
    """The index of every position of a grid of shape ``dimensions``: one array of shape
    ``(len(dimensions), *dimensions)``, or with ``sparse`` a tuple of broadcastable ones.

    >>> indices((2, 3))[1]
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    dims = tuple(static_int(d, "indices' dimensions") for d in dimensions)
    dtype = np.dtype(dtype or dtypes.int64)
    grids = []
    for i, n in enumerate(dims):
        if sparse:
            shape = [1] * len(dims)
            shape[i] = n
            grids.append(lax.broadcasted_iota(dtype, shape, i))
        else:
            grids.append(lax.broadcasted_iota(dtype, dims, i))
    if sparse:
        return tuple(grids)
    return stack(grids) if grids else lax.full((0,), 0, dtype)


def ix_(*args: ArrayLike) -> tuple:
    """Open-mesh index arrays: argument ``i`` reshaped to lie along axis ``i`` of ``len(args)``
    (boolean masks become the positions of their true entries).

    >>> [a.shape for a in ix_(np.array([0, 1]), np.array([2, 3, 4]))]
    [(2, 1), (1, 3)]
    """
    out = []
    for i, a in enumerate(args):
        if isinstance(a, core.Tracer) and a.dtype == np.bool_:
            a = core.concrete_or_error(a, "a boolean argument of ix_ (the result's shape depends on its values)")
        a = asarray(a)
        if a.ndim != 1:
            raise ValueError(f"ix_: arguments must be 1-D, argument {i} has shape {a.shape}")
        if a.dtype == np.bool_:
            a = np.nonzero(a)[0]
        shape = [1] * len(args)
        shape[i] = shape_of(a)[0]
        out.append(lax.reshape(a, shape))
    return tuple(out)


def _slice_values(s: builtins.slice) -> Any:
    """The values a grid slice stands for: ``start:stop:step``, or ``start:stop:nj`` for
    ``n`` points including both ends."""
    start = 0 if s.start is None else s.start
    step = 1 if s.step is None else s.step
    if isinstance(step, complex):
        return linspace(start, s.stop, int(abs(step)))
    return arange(start, s.stop, step)


class _Grid:
    """``mgrid[...]`` and ``ogrid[...]``: dense or open grids from slices (a complex step
    ``nj`` asks for ``n`` points, both ends included)."""

    def __init__(self, sparse: bool, name: str):
        self.sparse, self.name = sparse, name

    def __getitem__(self, key: Any) -> Any:
        single = isinstance(key, builtins.slice)
        keys = (key,) if single else tuple(key)
        for k in keys:
            if not isinstance(k, builtins.slice):
                raise TypeError(f"{self.name}: every index must be a slice, got {k!r}")
        axes = [_slice_values(k) for k in keys]
        if single:
            return axes[0]
        dtype = np.result_type(*[a.dtype for a in axes])
        axes = [convert(a, dtype) for a in axes]
        grids = meshgrid(*axes, indexing="ij", sparse=self.sparse)
        return tuple(grids) if self.sparse else stack(grids)


mgrid = _Grid(sparse=False, name="mgrid")
mgrid.__doc__ = """A dense grid: ``mgrid[0:2, 0:3]`` has shape ``(2, 2, 3)``.

    >>> mgrid[0:2, 0:3].shape, mgrid[0:1:3j].tolist()
    ((2, 2, 3), [0.0, 0.5, 1.0])
    """
ogrid = _Grid(sparse=True, name="ogrid")


class _Concatenator:
    """``r_[...]`` and ``c_[...]``: arrays, scalars and slices (as ranges) joined along an
    axis. A leading string ``'axis[,ndmin[,trans1d]]'`` sets the axis, the rank every piece
    is raised to, and where a raised piece's own axes go; ``'r'``/``'c'`` make a 1-D
    result a row or a column."""

    def __init__(self, axis: int, ndmin: int, trans1d: int, name: str):
        self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

    def __getitem__(self, key: Any) -> Any:
        items = list(key) if isinstance(key, tuple) else [key]
        axis, ndmin, trans1d, matrix = self.axis, self.ndmin, self.trans1d, None
        if items and isinstance(items[0], str):
            directive = items.pop(0)
            if directive in ("r", "c"):
                matrix = directive
            else:
                try:
                    parts = [int(p) for p in directive.split(",")[:3]]
                except ValueError:
                    raise ValueError(f"{self.name}: could not understand the directive {directive!r}") from None
                axis, ndmin, trans1d = parts + [ndmin, trans1d][len(parts) - 1:]
        pieces = []
        for item in items:
            if isinstance(item, str):
                raise ValueError(f"{self.name}: a directive string must come first, got {item!r}")
            pieces.append(self._raised(item, ndmin, trans1d))
        out = concatenate(pieces, axis) if pieces else np.zeros(0)
        if matrix is not None and out.ndim == 1:
            out = lax.reshape(out, (1, out.shape[0]) if matrix == "r" else (out.shape[0], 1))
        return out

    @staticmethod
    def _raised(item: Any, ndmin: int, trans1d: int) -> Any:
        """A piece with leading size-1 axes up to rank ``ndmin``, its own axes then moved
        as NumPy's ``trans1d`` says (a range's one axis goes to position ``trans1d``)."""
        a = _slice_values(item) if isinstance(item, builtins.slice) else asarray(item)
        own = a.ndim
        if own >= builtins.max(ndmin, 1):
            return a
        rank = builtins.max(ndmin, 1)
        a = lax.reshape(a, (1,) * (rank - own) + a.shape)
        if trans1d == -1 or rank == 1:
            return a
        if isinstance(item, builtins.slice):
            return swapaxes(a, -1, trans1d)
        added = rank - own
        first = trans1d + added + 1 if trans1d < 0 else trans1d
        order = list(range(first)) + list(range(added, rank)) + list(range(first, added))
        return lax.transpose(a, order)


r_ = _Concatenator(axis=0, ndmin=1, trans1d=-1, name="r_")
c_ = _Concatenator(axis=-1, ndmin=2, trans1d=0, name="c_")


class _IndexExpression:
    """``s_[...]`` (the index itself) and ``index_exp[...]`` (always a tuple)."""

    def __init__(self, maketuple: bool):
        self.maketuple = maketuple

    def __getitem__(self, item: Any) -> Any:
        return (item,) if self.maketuple and not isinstance(item, tuple) else item


s_ = _IndexExpression(maketuple=False)
index_exp = _IndexExpression(maketuple=True)


# --------------------------------------------------------------------------- flat and multi-dimensional indices


def ravel_multi_index(multi_index: Sequence[ArrayLike], dims: Sequence[int], mode: str = "raise", order: str = "C", *,
                      dtype: Any = None) -> Any:
    """Flat indices into an array of shape ``dims`` from one index array per axis;
    ``mode`` is ``'raise'`` (concrete indices only), ``'wrap'`` or ``'clip'``.

    >>> ravel_multi_index((np.array([0, 1, 2]), np.array([1, 0, 3])), (3, 4))
    array([ 1,  4, 11])
    """
    dims = tuple(static_int(d, "ravel_multi_index's dims") for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"ravel_multi_index: {len(multi_index)} index arrays for {len(dims)} dimensions")
    if order not in ("C", "F"):
        raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    arrays = [asarray(i) for i in multi_index]
    for a in arrays:
        if a.dtype.kind not in "iu":
            raise TypeError(f"ravel_multi_index: only integer indices are allowed, got {a.dtype}")
    dtype = np.dtype(dtype or dtypes.int64)
    arrays = broadcast_arrays(*[convert(a, dtypes.int64) for a in arrays])
    out = None
    strides = np.cumprod((1,) + dims[::-1][:-1])[::-1] if order == "C" else np.cumprod((1,) + dims[:-1])
    for a, n, stride in zip(arrays, dims, strides):
        if mode == "raise":
            values = np.asarray(core.concrete_or_error(a, "ravel_multi_index's indices with mode='raise' (use 'wrap' or 'clip' under a transformation)"))
            if ((values < 0) | (values >= n)).any():
                raise ValueError(f"ravel_multi_index: invalid entry in coordinates array (an index is outside 0..{n - 1})")
        elif mode == "wrap":
            a = lax.rem(a, lax.full_like(a, n))
        else:
            a = lax.max(lax.min(a, lax.full_like(a, n - 1)), lax.full_like(a, 0))
        term = lax.mul(a, lax.full_like(a, int(stride)))
        out = term if out is None else lax.add(out, term)
    return convert(out, dtype)


def unravel_index(indices: ArrayLike, shape: Sequence[int]) -> tuple:
    """One index array per axis of ``shape`` from flat indices (out-of-range ones are
    clamped, as JAX; negative ones count from the end).

    >>> unravel_index(np.array([1, 7, 11]), (3, 4))
    (array([0, 1, 2]), array([1, 3, 3]))
    """
    indices = asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: only integer indices are allowed, got {indices.dtype}")
    dims = tuple(static_int(d, "unravel_index's shape") for d in shape)
    size = int(np.prod(dims, dtype=np.int64))
    flat = convert(indices, dtypes.int64)
    flat = lax.select_n(lax.lt(flat, lax.full_like(flat, 0)), flat, lax.add(flat, lax.full_like(flat, size)))
    flat = lax.max(lax.min(flat, lax.full_like(flat, builtins.max(size - 1, 0))), lax.full_like(flat, 0))
    out = []
    for n in reversed(dims):
        out.append(lax.rem(flat, lax.full_like(flat, builtins.max(n, 1))))
        flat = lax.div(flat, lax.full_like(flat, builtins.max(n, 1)))
    return tuple(convert(o, indices.dtype) for o in reversed(out))


# --------------------------------------------------------------------------- diagonals and triangles


def diag_indices(n: int, ndim: int = 2) -> tuple:
    """Indices of the main diagonal of an ``(n,) * ndim`` array.

    >>> diag_indices(3)
    (array([0, 1, 2]), array([0, 1, 2]))
    """
    n, ndim = static_int(n, "diag_indices' n"), static_int(ndim, "diag_indices' ndim")
    if n < 0 or ndim < 0:
        raise ValueError(f"diag_indices: n and ndim must be non-negative, got n={n}, ndim={ndim}")
    return (lax.iota(dtypes.int64, n),) * ndim


def diag_indices_from(arr: ArrayLike) -> tuple:
    """Indices of the main diagonal of a square array of any rank (at least 2).

    >>> diag_indices_from(np.ones((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    shape = shape_of(arr)
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"diag_indices_from: the array must be at least 2-D with equal sides, got shape {shape}")
    return diag_indices(shape[0], len(shape))


def _triangle(name: str, n: int, k: int, m: int | None, lower: bool) -> tuple:
    n = static_int(n, f"{name}'s n")
    m = n if m is None else static_int(m, f"{name}'s m")
    k = static_int(k, f"{name}'s k")
    rows, cols = np.indices((n, m))
    mask = cols <= rows + k if lower else cols >= rows + k
    return tuple(np.asarray(i, dtypes.int64) for i in np.nonzero(mask))


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """Row and column indices of the lower triangle (on and below diagonal ``k``) of an ``(n, m)`` array.

    >>> tril_indices(3)
    (array([0, 1, 1, 2, 2, 2]), array([0, 0, 1, 0, 1, 2]))
    """
    return _triangle("tril_indices", n, k, m, lower=True)


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple:
    """Row and column indices of the upper triangle (on and above diagonal ``k``) of an ``(n, m)`` array.

    >>> triu_indices(3, 1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    return _triangle("triu_indices", n, k, m, lower=False)


def _from_shape(name: str, arr: Any) -> tuple[int, int]:
    shape = arr.shape if hasattr(arr, "shape") else np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"{name}: the input must be 2-D, got shape {tuple(shape)}")
    return shape


def tril_indices_from(arr: ArrayLike, k: int = 0) -> tuple:
    """``tril_indices`` for the shape of a 2-D array.

    >>> tril_indices_from(np.ones((2, 3)), 1)
    (array([0, 0, 1, 1, 1]), array([0, 1, 0, 1, 2]))
    """
    n, m = _from_shape("tril_indices_from", arr)
    return tril_indices(n, k, m)


def triu_indices_from(arr: ArrayLike, k: int = 0) -> tuple:
    """``triu_indices`` for the shape of a 2-D array.

    >>> triu_indices_from(np.ones((2, 3)))
    (array([0, 0, 0, 1, 1]), array([0, 1, 2, 1, 2]))
    """
    n, m = _from_shape("triu_indices_from", arr)
    return triu_indices(n, k, m)


def mask_indices(n: int, mask_func: Callable[[ArrayLike, int], Any], k: int = 0, *, size: int | None = None) -> tuple:
    """Indices where ``mask_func(ones((n, n)), k)`` is nonzero (``tril``/``triu`` give the
    triangles); ``size`` pads or truncates to that many (with zeros), as JAX.

    >>> from functrans.numpy import triu
    >>> mask_indices(3, triu, 1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    n = static_int(n, "mask_indices' n")
    mask = np.asarray(core.concrete_or_error(mask_func(np.ones((n, n), np.int64), k), "mask_indices' mask"))
    rows, cols = np.nonzero(mask)
    if size is not None:
        size = int(size)
        rows, cols = (np.pad(a[:size], (0, builtins.max(size - len(a), 0))) for a in (rows, cols))
    return rows.astype(np.int64), cols.astype(np.int64)


# --------------------------------------------------------------------------- functional writes


def fill_diagonal(a: ArrayLike, val: ArrayLike, wrap: bool = False, *, inplace: bool = True) -> Any:
    """A copy of ``a`` with its main diagonal set to ``val`` (repeated as needed); tall 2-D
    arrays restart the diagonal every ``ncols + 1`` rows with ``wrap``. Needs
    ``inplace=False``, as JAX.

    >>> fill_diagonal(np.zeros((2, 3)), 7.0, inplace=False)
    array([[7., 0., 0.],
           [0., 7., 0.]])
    """
    _inplace_error("fill_diagonal", inplace)
    a = asarray(a)
    if a.ndim < 2:
        raise ValueError(f"fill_diagonal: the array must be at least 2-D, got shape {a.shape}")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise ValueError(f"fill_diagonal: all dimensions of a {a.ndim}-D input must be equal, got shape {a.shape}")
    if a.ndim == 2:
        rows, cols = a.shape
        step = cols + 1
        end = a.size if wrap else builtins.min(rows, cols) * cols
    else:
        step = 1 + int(np.cumprod(a.shape[:-1]).sum())
        end = a.size
    positions = np.arange(0, end, step, dtype=np.int64)
    values = ravel(convert(asarray(val), a.dtype))
    if shape_of(values)[0] == 0:
        return a
    values = lax.concatenate([values] * (-(-len(positions) // builtins.max(shape_of(values)[0], 1))), 0) if len(positions) else values
    values = lax.slice(values, (0,), (len(positions),))
    return reshape(_update(ravel(a), positions, values, "set"), a.shape)


def put(a: ArrayLike, ind: ArrayLike, v: ArrayLike, mode: str | None = None, *, inplace: bool = True) -> Any:
    """A copy of ``a`` with the flat positions ``ind`` set to ``v`` (repeated as needed);
    ``mode`` is ``'clip'`` or ``'wrap'`` (None: out-of-range indices are dropped, as JAX).
    Needs ``inplace=False``, as JAX.

    >>> put(np.zeros(4), np.array([0, 2]), np.array([5.0, 6.0]), inplace=False)
    array([5., 0., 6., 0.])
    """
    _inplace_error("put", inplace)
    a = asarray(a)
    ind = ravel(asarray(ind))
    if ind.dtype.kind not in "iu":
        raise TypeError(f"put: indices must be integers, got {ind.dtype}")
    if mode not in (None, "clip", "wrap", "raise", "fill"):
        raise ValueError(f"put: mode must be None, 'clip', 'wrap' or 'fill', got {mode!r}")
    if mode == "raise":
        raise NotImplementedError("put: mode='raise' is not supported (indices may be traced); use 'clip', 'wrap' or None")
    count = shape_of(ind)[0]
    values = ravel(convert(asarray(v), a.dtype))
    nv = shape_of(values)[0]
    if count == 0 or a.size == 0:
        return a
    if nv == 0:
        raise ValueError("put: cannot place an empty set of values")
    values = lax.slice(lax.concatenate([values] * -(-count // nv), 0), (0,), (count,)) if nv != count else values
    ind = convert(ind, dtypes.int64)
    if mode == "clip":
        ind = lax.max(lax.min(ind, lax.full_like(ind, a.size - 1)), lax.full_like(ind, 0))
    elif mode == "wrap":
        ind = lax.rem(ind, lax.full_like(ind, a.size))
    return reshape(_update(ravel(a), ind, values, "set"), a.shape)


def put_along_axis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: int | None, inplace: bool = True, *,
                   mode: str | None = None) -> Any:
    """A copy of ``arr`` with ``values`` written at ``indices`` along ``axis`` (the inverse of
    ``take_along_axis``). Needs ``inplace=False``, as JAX.

    >>> put_along_axis(np.zeros((2, 2)), np.array([[1], [0]]), 9.0, axis=1, inplace=False)
    array([[0., 9.],
           [9., 0.]])
    """
    _inplace_error("put_along_axis", inplace)
    arr = asarray(arr)
    indices = asarray(indices)
    original_shape = arr.shape
    if axis is None:
        arr, axis = ravel(arr), 0
        indices = ravel(indices)
    if indices.ndim != arr.ndim:
        raise ValueError(f"put_along_axis: indices (rank {indices.ndim}) and arr (rank {arr.ndim}) must have the same rank")
    axis = canonical_axis(axis, arr.ndim)
    n = arr.shape[axis]
    # Broadcast indices against arr off the axis, as take_along_axis does.
    target = [arr.shape[d] if d != axis else indices.shape[axis] for d in range(arr.ndim)]
    indices = broadcast_to(indices, target)
    if mode == "clip":
        indices = lax.max(lax.min(indices, lax.full_like(indices, n - 1)), lax.full_like(indices, 0))
    grids = [lax.broadcasted_iota(dtypes.int64, indices.shape, d) for d in range(arr.ndim)]
    grids[axis] = indices
    values = broadcast_to(convert(asarray(values), arr.dtype), indices.shape)
    return reshape(_update(arr, tuple(grids), values, "set"), original_shape)


def place(arr: ArrayLike, mask: ArrayLike, vals: ArrayLike, *, inplace: bool = True) -> Any:
    """A copy of ``arr`` with the positions where ``mask`` is true set to ``vals`` in order
    (repeated as needed). ``mask`` must be concrete; needs ``inplace=False``, as JAX.

    >>> place(np.arange(5), np.arange(5) % 2 == 1, [9], inplace=False)
    array([0, 9, 2, 9, 4])
    """
    _inplace_error("place", inplace)
    arr = asarray(arr)
    mask = np.asarray(core.concrete_or_error(mask, "place's mask (the number of positions depends on it)"), bool)
    if mask.shape != arr.shape:
        raise ValueError(f"place: mask of shape {mask.shape} does not match the array's shape {arr.shape}")
    positions = np.flatnonzero(mask)
    return put(arr, positions, vals, inplace=False) if len(positions) else arr


def choose(a: ArrayLike, choices: Sequence[ArrayLike], out: None = None, mode: str = "raise") -> Any:
    """Element ``i`` of ``choices[a[i]]``, all broadcast together; ``mode`` is ``'raise'``
    (concrete indices only), ``'wrap'`` or ``'clip'``.

    >>> choose(np.array([0, 1, 0]), [np.array([1, 2, 3]), np.array([7, 8, 9])])
    array([1, 8, 3])
    """
    if out is not None:
        raise NotImplementedError("choose: the out argument is not supported (arrays are immutable)")
    a = asarray(a)
    if a.dtype.kind not in "iu":
        raise TypeError(f"choose: the index array must be integers, got {a.dtype}")
    choices = promote(*[asarray(c) for c in choices])
    n = len(choices)
    if mode == "raise":
        values = np.asarray(core.concrete_or_error(a, "choose's indices with mode='raise' (use 'wrap' or 'clip' under a transformation)"))
        if ((values < 0) | (values >= n)).any():
            raise ValueError(f"choose: invalid entry in choice array (indices must lie in 0..{n - 1})")
    elif mode == "wrap":
        a = lax.rem(a, lax.full_like(a, n))
    elif mode == "clip":
        a = lax.max(lax.min(a, lax.full_like(a, n - 1)), lax.full_like(a, 0))
    else:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    a, *choices = broadcast_arrays(a, *choices)
    stacked = stack(choices, axis=0)
    return lax.squeeze(take_along_axis(stacked, lax.expand_dims(a, [0]), axis=0), [0])
