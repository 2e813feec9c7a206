"""Array creation and shape manipulation."""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import core, dtypes, lax
from . import _reductions
from ._indexing import take
from ._base import (
    ArrayLike, asarray, broadcast_to, canonical_axes, canonical_axis, convert, promote, shape_of, static_int, strong,
)

# --------------------------------------------------------------------------- creation


def _shape_tuple(shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, core.Tracer) and not shape.shape):
        return (static_int(shape, "an array shape"),)
    return tuple(static_int(d, "an array shape") for d in shape)


def full(shape: int | Sequence[int], fill_value: ArrayLike, dtype: Any = None) -> Any:
    """An array of ``shape`` filled with ``fill_value``, as ``numpy.full``.

    An array ``fill_value`` is broadcast; the dtype is ``fill_value``'s unless given.

    >>> full((2, 2), 7)
    array([[7, 7],
           [7, 7]])
    >>> full(3, np.array([1, 2, 3]))
    array([1, 2, 3])
    """
    shape = _shape_tuple(shape)
    value = asarray(fill_value) if dtype is None else convert(asarray(fill_value), np.dtype(dtype))
    return broadcast_to(value, shape)


def zeros(shape: int | Sequence[int], dtype: Any = None) -> Any:
    """An array of zeros of ``shape``, float64 unless ``dtype`` is given, as ``numpy.zeros``.

    >>> zeros(2), zeros((2,), np.int8)
    (array([0., 0.]), array([0, 0], dtype=int8))
    """
    return lax.full(_shape_tuple(shape), 0, np.dtype(dtype or dtypes.float64))


def ones(shape: int | Sequence[int], dtype: Any = None) -> Any:
    """An array of ones of ``shape``, float64 unless ``dtype`` is given, as ``numpy.ones``.

    >>> ones(2), ones((1, 2), int)
    (array([1., 1.]), array([[1, 1]]))
    """
    return lax.full(_shape_tuple(shape), 1, np.dtype(dtype or dtypes.float64))


def _like(a: ArrayLike, dtype: Any, shape: Any) -> tuple[np.dtype, tuple[int, ...]]:
    a_shape = shape_of(a)
    a_dtype = a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype
    return np.dtype(dtype or a_dtype), a_shape if shape is None else _shape_tuple(shape)


def zeros_like(a: ArrayLike, dtype: Any = None, shape: Any = None) -> Any:
    """An array of zeros like ``a``, as ``numpy.zeros_like``.

    ``a``'s shape and dtype unless ``shape`` or ``dtype`` are given.

    >>> zeros_like(np.array([[1, 2]]))
    array([[0, 0]])
    >>> zeros_like(np.arange(3), dtype=float, shape=(2,))
    array([0., 0.])
    """
    dtype, shape = _like(a, dtype, shape)
    return lax.full(shape, 0, dtype)


def ones_like(a: ArrayLike, dtype: Any = None, shape: Any = None) -> Any:
    """An array of ones like ``a``, as ``numpy.ones_like``.

    ``a``'s shape and dtype unless ``shape`` or ``dtype`` are given.

    >>> ones_like(np.array([1.5, 2.0]))
    array([1., 1.])
    """
    dtype, shape = _like(a, dtype, shape)
    return lax.full(shape, 1, dtype)


def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: Any = None, shape: Any = None) -> Any:
    """An array like ``a`` filled with ``fill_value``, as ``numpy.full_like``.

    ``a``'s shape and dtype unless ``shape`` or ``dtype`` are given; ``fill_value`` is cast
    to the dtype and broadcast to the shape.

    >>> full_like(np.arange(3), 0.5)
    array([0, 0, 0])
    >>> full_like(np.zeros(2), 7, shape=(1, 2))
    array([[7., 7.]])
    """
    dtype, shape = _like(a, dtype, shape)
    return full(shape, fill_value, dtype)


def arange(start: ArrayLike, stop: ArrayLike = None, step: ArrayLike = None, dtype: Any = None) -> Any:
    """Evenly spaced values in ``[start, stop)`` by ``step``, as ``numpy.arange``.

    The bounds must be concrete (not traced): the length of the result depends on them.

    >>> arange(5), arange(1.0, 2.0, 0.25)
    (array([0, 1, 2, 3, 4]), array([1.  , 1.25, 1.5 , 1.75]))
    """
    values = [core.concrete_or_error(v, "the bounds of arange").item() for v in (start, stop, step) if v is not None]
    result = np.arange(*values, dtype=dtype)
    if len(values) == 1 and result.dtype.kind in "iu":
        return lax.iota(result.dtype, result.size)  # staged, not a baked-in constant
    return result


def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (traced endpoints allowed);
    with ``retstep``, also the spacing.

    >>> linspace(0.0, 1.0, 5, retstep=True)
    (array([0.  , 0.25, 0.5 , 0.75, 1.  ]), array(0.25))
    """
    num = static_int(num, "linspace's num")
    start, stop = promote(start, stop)  # Python scalar ends are weak: float32 and 1 give float32
    out_dtype = np.dtype(dtype) if dtype is not None else dtypes.default_float(start.dtype)
    start, stop = convert(start, dtypes.default_float(start.dtype)), convert(stop, dtypes.default_float(stop.dtype))
    div = (num - 1) if endpoint else num
    steps = lax.convert_element_type(lax.iota(dtypes.int64, num), start.dtype)
    shape = np.broadcast_shapes(shape_of(start), shape_of(stop))
    start, stop = broadcast_to(start, shape), broadcast_to(stop, shape)
    out_shape = (num,) + shape
    ramp = lax.broadcast_in_dim(steps, out_shape, (0,))
    s = lax.broadcast_in_dim(start, out_shape, tuple(range(1, len(out_shape))))
    e = lax.broadcast_in_dim(stop, out_shape, tuple(range(1, len(out_shape))))
    fraction = lax.div(ramp, float(div)) if div > 0 else lax.mul(ramp, 0.0)
    out = lax.add(s, lax.mul(lax.sub(e, s), fraction))
    if endpoint and num > 1:
        # The last value is exactly ``stop``, as NumPy guarantees.
        last = lax.broadcast_in_dim(lax.eq(lax.broadcasted_iota(dtypes.int64, (num,), 0), num - 1), out_shape, (0,))
        out = lax.select_n(last, out, e)
    out = moveaxis(convert(out, out_dtype), 0, axis)
    if not retstep:
        return out
    step = lax.div(lax.sub(stop, start), float(div)) if div > 0 else lax.full((), np.nan, dtypes.float64)  # NumPy's NaN
    return out, step


def eye(N: int, M: int | None = None, k: int | ArrayLike = 0, dtype: Any = None, *, device: Any = None) -> Any:
    """A 2-D array with ones on the ``k``-th diagonal (``k`` may be traced, as in JAX).

    >>> eye(2, 3, k=1, dtype=int)
    array([[0, 1, 0],
           [0, 0, 1]])
    """
    N = static_int(N, "eye's N")
    M = N if M is None else static_int(M, "eye's M")
    rows = lax.broadcasted_iota(dtypes.int64, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int64, (N, M), 1)
    offset = k if isinstance(k, (int, np.integer)) else broadcast_to(convert(asarray(k), dtypes.int64), (N, M))
    return lax.convert_element_type(lax.eq(lax.add(rows, offset), cols), np.dtype(dtype or dtypes.float64))


def identity(n: int, dtype: Any = None, *, device: Any = None) -> Any:
    """The ``n`` by ``n`` identity matrix.

    >>> identity(2, int)
    array([[1, 0],
           [0, 1]])
    """
    return eye(n, dtype=dtype)


# --------------------------------------------------------------------------- shape


def reshape(a: ArrayLike, shape: int | Sequence[int] | None = None, order: str = "C", *,
            newshape: int | Sequence[int] | None = None) -> Any:
    """``a`` with a new shape (one entry may be -1); ``newshape`` is NumPy's older spelling.

    >>> reshape(np.arange(6), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        raise NotImplementedError("only order='C' reshapes are supported")
    if (shape is None) == (newshape is None):
        raise TypeError("reshape needs exactly one of shape and newshape")
    a = asarray(a)
    requested = _shape_tuple(shape if newshape is None else newshape)
    sizes = list(requested)
    if sizes.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in sizes:
        known = int(np.prod([d for d in sizes if d != -1], dtype=np.int64))
        if known == 0 or a.size % known:
            raise ValueError(f"cannot reshape array of size {a.size} into shape {requested}")
        sizes[sizes.index(-1)] = a.size // known
    if int(np.prod(sizes, dtype=np.int64)) != a.size:
        raise ValueError(f"cannot reshape array of size {a.size} into shape {requested}")
    return lax.reshape(a, sizes)


def ravel(a: ArrayLike) -> Any:
    """The elements of ``a`` in a 1-D array, in row-major order.

    Unlike NumPy's, it takes no ``order``, and the result is a new array, never a view.

    >>> ravel(np.arange(6).reshape(2, 3).T)
    array([0, 3, 1, 4, 2, 5])
    """
    a = asarray(a)
    return lax.reshape(a, (a.size,))


def transpose(a: ArrayLike, axes: Sequence[int] | None = None) -> Any:
    """``a`` with its axes permuted by ``axes`` (reversed by default), as ``numpy.transpose``.

    >>> transpose(np.zeros((2, 3, 4))).shape, transpose(np.zeros((2, 3, 4)), (1, 0, 2)).shape
    ((4, 3, 2), (3, 2, 4))
    """
    a = asarray(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    axes = tuple(canonical_axis(ax, a.ndim) for ax in axes)
    if sorted(axes) != list(range(a.ndim)):
        raise ValueError(f"axes {axes} don't match array of dimension {a.ndim}")
    return lax.transpose(a, axes)


def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Any:
    """``a`` with the axes ``axis1`` and ``axis2`` interchanged, as ``numpy.swapaxes``.

    A new array, not a view.

    >>> swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    a = asarray(a)
    perm = list(range(a.ndim))
    i, j = canonical_axis(axis1, a.ndim), canonical_axis(axis2, a.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, perm)


def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """``a`` with the axes ``source`` moved to the positions ``destination``.

    The other axes keep their order, as in ``numpy.moveaxis``.

    >>> moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = asarray(a)
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of elements")
    src = [canonical_axis(s, a.ndim) for s in src]
    dst = [canonical_axis(d, a.ndim) for d in dst]
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return lax.transpose(a, order)


def expand_dims(a: ArrayLike, axis: int | Sequence[int]) -> Any:
    """``a`` with axes of size 1 inserted at the positions ``axis`` of the result.

    As ``numpy.expand_dims``; negative positions count from the result's end.

    >>> expand_dims(np.arange(3), (0, 2)).shape
    (1, 3, 1)
    """
    a = asarray(a)
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return lax.expand_dims(a, canonical_axes(axes, a.ndim + len(axes)))


def squeeze(a: ArrayLike, axis: int | Sequence[int] | None = None) -> Any:
    """``a`` without its axes of size 1, as ``numpy.squeeze``.

    Only the axes in ``axis`` if it is given; each must have size 1 (``ValueError``).

    >>> squeeze(np.zeros((1, 3, 1))).shape
    (3,)
    >>> squeeze(np.zeros((1, 3, 1)), axis=-1).shape
    (1, 3)
    """
    a = asarray(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(a.shape) if d == 1)
    else:
        axes = canonical_axes(axis, a.ndim)
        for ax in axes:
            if a.shape[ax] != 1:
                raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one (axis {ax} of shape {a.shape})")
    return lax.squeeze(a, axes)


def _at_least(arys: tuple, ndim: int) -> Any:
    """Each input with leading size-1 axes up to rank ``ndim``: one array for one input, else a list."""
    outs = []
    for a in arys:
        a = asarray(a)
        outs.append(lax.reshape(a, (1,) * (ndim - a.ndim) + a.shape) if a.ndim < ndim else a)
    return outs[0] if len(outs) == 1 else outs


def atleast_1d(*arys: ArrayLike) -> Any:
    """Each input with at least one axis.

    >>> atleast_1d(1.0), atleast_1d(np.ones(2), 3)
    (array([1.]), [array([1., 1.]), array([3])])
    """
    return _at_least(arys, 1)


def atleast_2d(*arys: ArrayLike) -> Any:
    """Each input with at least two axes (``(n,)`` becomes ``(1, n)``).

    >>> atleast_2d(np.ones(2)).shape
    (1, 2)
    """
    return _at_least(arys, 2)


def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0, *, dtype: Any = None) -> Any:
    """Join arrays along an existing axis (flattened first if ``axis`` is None), as
    ``numpy.concatenate``.

    In the arrays' promoted dtype, or ``dtype``.

    >>> concatenate([np.array([1, 2]), np.array([3.5])])
    array([1. , 2. , 3.5])
    >>> concatenate([np.zeros((2, 1)), np.ones((2, 1))], axis=None)
    array([0., 0., 1., 1.])
    """
    if not len(arrays):
        raise ValueError("need at least one array to concatenate")
    # The inputs are arrays: a (traced) Python scalar among them counts as float64/int64,
    # not weakly, as NumPy's conversion of each input to an array makes it.
    arrays = promote(*[strong(asarray(a)) for a in arrays])
    if dtype is not None:
        arrays = [convert(a, np.dtype(dtype)) for a in arrays]
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if builtins.any(a.ndim == 0 for a in arrays):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    return lax.concatenate(arrays, canonical_axis(axis, arrays[0].ndim))


def stack(arrays: Sequence[ArrayLike], axis: int = 0, *, dtype: Any = None) -> Any:
    """Join arrays of equal shapes along a new axis ``axis``, as ``numpy.stack``.

    In the arrays' promoted dtype, or ``dtype``.

    >>> stack([np.array([1, 2]), np.array([3, 4])], axis=1)
    array([[1, 3],
           [2, 4]])
    """
    if not len(arrays):
        raise ValueError("need at least one array to stack")
    arrays = [asarray(a) for a in arrays]
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    ndim = arrays[0].ndim + 1
    axis = canonical_axis(axis, ndim)
    return concatenate([lax.expand_dims(a, [axis]) for a in arrays], axis, dtype=dtype)


def hstack(arrays: Sequence[ArrayLike]) -> Any:
    """The arrays joined along their second axis (the first for 1-D ones), as ``numpy.hstack``.

    They are promoted to one dtype; unlike NumPy's and JAX's, it takes no ``dtype``.

    >>> hstack([np.array([1, 2]), np.array([3.5])])
    array([1. , 2. , 3.5])
    """
    arrays = [atleast_1d(a) for a in arrays]
    return concatenate(arrays, 0 if arrays[0].ndim == 1 else 1)


def vstack(arrays: Sequence[ArrayLike]) -> Any:
    """The arrays, made at least 2-D, joined along their first axis, as ``numpy.vstack``.

    They are promoted to one dtype; unlike NumPy's and JAX's, it takes no ``dtype``.

    >>> vstack([np.array([1, 2]), np.array([3, 4])])
    array([[1, 2],
           [3, 4]])
    """
    return concatenate([atleast_2d(a) for a in arrays], 0)


def split(a: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """Split into equal sections, or at the given indices, along ``axis``.

    >>> [p.tolist() for p in split(np.arange(4), [1])]
    [[0], [1, 2, 3]]
    """
    a = asarray(a)
    axis = canonical_axis(axis, a.ndim)
    return _split_at(a, _split_bounds(a.shape[axis], indices_or_sections, equal=True), axis)


def tile(a: ArrayLike, reps: int | Sequence[int]) -> Any:
    """The whole array repeated ``reps`` times along each axis, as ``numpy.tile``.

    >>> tile(np.array([1, 2]), 2)
    array([1, 2, 1, 2])
    >>> tile(np.array([1, 2]), (2, 1))
    array([[1, 2],
           [1, 2]])
    """
    a = asarray(a)
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    ndim = builtins.max(a.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + reps
    a = lax.reshape(a, (1,) * (ndim - a.ndim) + a.shape)
    # Interleave a new axis of size rep before each axis, broadcast, and merge the pairs.
    inter_shape = [d for pair in zip(reps, a.shape) for d in pair]
    out = lax.broadcast_in_dim(a, inter_shape, tuple(range(1, 2 * ndim, 2)))
    return lax.reshape(out, [r * d for r, d in zip(reps, a.shape)])


def repeat(a: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> Any:
    """Each element repeated ``repeats`` times along ``axis`` (the flattened array if None).

    As ``numpy.repeat``: ``repeats`` is one count or one per element along ``axis``, and
    must be concrete (JAX's ``total_repeat_length`` is not taken).

    >>> repeat(np.array([1, 2]), 2)
    array([1, 1, 2, 2])
    >>> repeat(np.array([[1, 2], [3, 4]]), [1, 2], axis=0)
    array([[1, 2],
           [3, 4],
           [3, 4]])
    """
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis(axis, a.ndim)
    counts = np.asarray(core.concrete_or_error(repeats, "the repeats of repeat"))
    if counts.ndim == 0:
        r = int(counts)
        shape = a.shape[: axis + 1] + (r,) + a.shape[axis + 1 :]
        dims = tuple(i for i in range(a.ndim + 1) if i != axis + 1)
        out = lax.broadcast_in_dim(a, shape, dims)
        return lax.reshape(out, a.shape[:axis] + (a.shape[axis] * r,) + a.shape[axis + 1 :])
    return take(a, np.repeat(np.arange(a.shape[axis]), counts), axis=axis)


def flip(m: ArrayLike, axis: int | Sequence[int] | None = None) -> Any:
    """``m`` with its elements in reverse order along ``axis`` (every axis if None).

    As ``numpy.flip``, but a new array, not a view.

    >>> flip(np.arange(6).reshape(2, 3), 1)
    array([[2, 1, 0],
           [5, 4, 3]])
    """
    m = asarray(m)
    return lax.rev(m, canonical_axes(axis, m.ndim))


def fliplr(m: ArrayLike) -> Any:
    """``m`` (at least 2-D) with its columns in reverse order, ``flip(m, 1)``, as ``numpy.fliplr``.

    >>> fliplr(np.arange(4).reshape(2, 2))
    array([[1, 0],
           [3, 2]])
    """
    return flip(m, 1)


def flipud(m: ArrayLike) -> Any:
    """``m`` with its rows (first axis) in reverse order, ``flip(m, 0)``, as ``numpy.flipud``.

    >>> flipud(np.arange(4).reshape(2, 2))
    array([[2, 3],
           [0, 1]])
    """
    return flip(m, 0)


def roll(a: ArrayLike, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Any:
    """Elements shifted cyclically by ``shift`` along ``axis`` (the flattened array if None).

    As ``numpy.roll``; ``shift`` and ``axis`` may be sequences of equal length.

    >>> roll(np.arange(5), 2)
    array([3, 4, 0, 1, 2])
    >>> roll(np.arange(6).reshape(2, 3), -1, axis=1)
    array([[1, 2, 0],
           [4, 5, 3]])
    """
    a = asarray(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    shifts = [shift] if not isinstance(shift, (tuple, list)) else list(shift)
    axes = [axis] if not isinstance(axis, (tuple, list)) else list(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = canonical_axis(ax, a.ndim)
        n = a.shape[ax]
        if n == 0:
            continue
        if core.is_concrete(s):
            k = int(core.concrete_or_error(s)) % n
            if k:
                left = split(a, [n - k], ax)
                a = lax.concatenate([left[1], left[0]], ax)
        else:
            shift = lax.broadcast_in_dim(lax.convert_element_type(s, dtypes.int64), (n,), ())  # lax.sub needs equal shapes
            source = lax.rem(lax.sub(lax.iota(dtypes.int64, n), shift), n)
            a = take(a, source, axis=ax)
    return a


def pad(array: ArrayLike, pad_width: Any, mode: str = "constant", constant_values: ArrayLike = 0) -> Any:
    """``array`` padded with ``constant_values``, as ``numpy.pad`` in its default mode.

    ``pad_width`` is NumPy's: an int, a ``(before, after)`` pair, or one pair per axis.
    Unlike NumPy's and JAX's, ``mode`` can only be ``'constant'`` (``NotImplementedError``).

    >>> pad(np.array([1, 2]), 1)
    array([0, 1, 2, 0])
    >>> pad(np.array([[1]]), ((0, 1), (2, 0)), constant_values=9)
    array([[9, 9, 1],
           [9, 9, 9]])
    """
    if mode != "constant":
        raise NotImplementedError(f"pad mode {mode!r} is not supported; only 'constant'")
    array = asarray(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (array.ndim, 2)) if array.ndim else np.zeros((0, 2), np.int64)
    if (widths < 0).any():
        raise ValueError("pad widths must be non-negative")
    value = convert(asarray(constant_values), array.dtype)
    if shape_of(value) != ():
        raise NotImplementedError("pad: only a scalar constant_values is supported")
    return lax.pad(array, value, [(int(lo), int(hi), 0) for lo, hi in widths])


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset`` diagonal of the 2-D slices over ``axis1``/``axis2``, as ``numpy.diagonal``.

    The diagonal is the result's last axis; a new array, not a read-only view.

    >>> diagonal(np.arange(8).reshape(2, 2, 2), axis1=1, axis2=2)
    array([[0, 3],
           [4, 7]])
    """
    a = asarray(a)
    i, j = canonical_axis(axis1, a.ndim), canonical_axis(axis2, a.ndim)
    rest = [k for k in range(a.ndim) if k not in (i, j)]
    a = lax.transpose(a, rest + [i, j])
    lead = a.shape[:-2]
    rows, cols = a.shape[-2:]
    if offset >= 0:
        n, start = builtins.max(builtins.min(rows, cols - offset), 0), offset
    else:
        n, start = builtins.max(builtins.min(rows + offset, cols), 0), -offset * cols
    flat = lax.reshape(a, lead + (rows * cols,))
    if n == 0:
        return lax.full(lead + (0,), 0, a.dtype)
    limit = start + (n - 1) * (cols + 1) + 1
    return lax.slice(flat, (0,) * len(lead) + (start,), lead + (limit,), (1,) * len(lead) + (cols + 1,))


def diag(v: ArrayLike, k: int = 0) -> Any:
    """The ``k``-th diagonal of a 2-D array, or a 2-D array with the 1-D ``v`` on it.

    >>> diag(np.array([1, 2]))
    array([[1, 0],
           [0, 2]])
    >>> diag(np.arange(9).reshape(3, 3), 1)
    array([1, 5])
    """
    v = asarray(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("diag: input must be 1-D or 2-D")
    m = v.shape[0]
    n = m + builtins.abs(k)
    start = k if k >= 0 else -k * n
    # Spread v with n zeros between elements; it then lies on the diagonal of an (n, n) reshape.
    used = start + (m - 1) * (n + 1) + 1 if m else start
    flat = lax.pad(v, np.zeros((), v.dtype), [(start, n * n - used, n)])
    return lax.reshape(flat, (n, n))


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along the diagonal ``offset`` of ``a`` in the axes ``axis1`` and ``axis2``.

    As ``numpy.trace``, in the dtype ``sum`` gives (small integers widen); unlike NumPy's,
    it takes no ``dtype`` or ``out``.

    >>> trace(np.arange(9).reshape(3, 3))
    array(12)
    >>> trace(np.arange(9).reshape(3, 3), offset=1)
    array(6)
    """
    return _reductions.sum(diagonal(a, offset, axis1, axis2), axis=-1)


def _triangle_mask_operand(m: ArrayLike, name: str) -> Any:
    m = asarray(m)
    if m.ndim < 2:
        raise ValueError(f"{name}: the argument must be at least 2-D, got shape {m.shape}")
    return m


def tril(m: ArrayLike, k: int = 0) -> Any:
    """``m`` with the elements above diagonal ``k`` of its last two axes set to zero.

    >>> tril(np.ones((2, 3), int), 1)
    array([[1, 1, 0],
           [1, 1, 1]])
    """
    m = _triangle_mask_operand(m, "tril")
    rows = lax.broadcasted_iota(dtypes.int64, m.shape[-2:], 0)
    cols = lax.broadcasted_iota(dtypes.int64, m.shape[-2:], 1)
    keep = lax.broadcast_in_dim(lax.le(cols, lax.add(rows, k)), m.shape, (m.ndim - 2, m.ndim - 1))
    return lax.select_n(keep, lax.full_like(m, 0), m)


def triu(m: ArrayLike, k: int = 0) -> Any:
    """``m`` with the elements below diagonal ``k`` of its last two axes set to zero.

    >>> triu(np.ones((3, 2), int), -1)
    array([[1, 1],
           [1, 1],
           [0, 1]])
    """
    m = _triangle_mask_operand(m, "triu")
    rows = lax.broadcasted_iota(dtypes.int64, m.shape[-2:], 0)
    cols = lax.broadcasted_iota(dtypes.int64, m.shape[-2:], 1)
    keep = lax.broadcast_in_dim(lax.ge(cols, lax.add(rows, k)), m.shape, (m.ndim - 2, m.ndim - 1))
    return lax.select_n(keep, lax.full_like(m, 0), m)


# --------------------------------------------------------------------------- more joining, splitting, rearranging


def atleast_3d(*arys: ArrayLike) -> Any:
    """Each input with at least three axes: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes
    ``(m, n, 1)``; one array for one input, else a list.

    >>> atleast_3d(np.ones(2)).shape, [a.shape for a in atleast_3d(1.0, np.ones((2, 3)))]
    ((1, 2, 1), [(1, 1, 1), (2, 3, 1)])
    """
    def one(a: ArrayLike) -> Any:
        a = asarray(a)
        shapes = {0: (1, 1, 1), 1: (1,) + a.shape + (1,), 2: a.shape + (1,)}
        return lax.reshape(a, shapes[a.ndim]) if a.ndim < 3 else a

    outs = [one(a) for a in arys]
    return outs[0] if len(outs) == 1 else outs


def concat(arrays: Sequence[ArrayLike], /, *, axis: int | None = 0) -> Any:
    """The array API's ``concatenate``.

    >>> concat([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    return concatenate(arrays, axis)


def permute_dims(a: ArrayLike, /, axes: tuple[int, ...]) -> Any:
    """The array API's ``transpose`` (``axes`` required).

    >>> permute_dims(np.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return transpose(a, axes)


def matrix_transpose(x: ArrayLike, /) -> Any:
    """Swap the last two axes of an array of rank 2 or more.

    >>> matrix_transpose(np.ones((5, 2, 3))).shape
    (5, 3, 2)
    """
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose requires an array of rank 2 or more, got shape {x.shape}")
    return swapaxes(x, -1, -2)


def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Any:
    """Move ``axis`` to sit before position ``start`` (NumPy's older ``moveaxis``).

    >>> rollaxis(np.ones((2, 3, 4)), 2).shape, rollaxis(np.ones((2, 3, 4)), 0, 3).shape
    ((4, 2, 3), (3, 4, 2))
    """
    a = asarray(a)
    axis = canonical_axis(axis, a.ndim)
    start = int(start)
    if not -a.ndim <= start <= a.ndim:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an array of dimension {a.ndim}")
    if start < 0:
        start += a.ndim
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start) if a.ndim else a


def column_stack(tup: Sequence[ArrayLike]) -> Any:
    """Stack 1-D arrays as columns of a 2-D array (2-D arrays are joined as they are).

    >>> column_stack([np.array([1, 2]), np.array([3, 4])])
    array([[1, 3],
           [2, 4]])
    """
    arrays = [asarray(a) for a in tup]
    arrays = [lax.reshape(a, (a.size, 1)) if a.ndim < 2 else a for a in arrays]
    return concatenate(arrays, 1)


def dstack(tup: Sequence[ArrayLike], dtype: Any = None) -> Any:
    """Join along the third axis, after making every input at least 3-D.

    >>> dstack([np.ones((2, 3)), np.zeros((2, 3))]).shape
    (2, 3, 2)
    """
    arrays = [atleast_3d(a) for a in tup]
    return concatenate(arrays, 2, dtype=dtype)


def block(arrays: Any) -> Any:
    """An array assembled from nested lists of blocks: the innermost lists are joined along
    the last axis, the next ones out along the one before, and so on.

    >>> block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 2)), np.full((1, 1), 5.0)]])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 5.]])
    """
    def depth(x: Any) -> int:
        if isinstance(x, tuple):
            raise TypeError("block: arrays must be nested lists, not tuples")
        if not isinstance(x, list):
            return 0
        if not x:
            raise ValueError("block: lists cannot be empty")
        depths = {depth(e) for e in x}
        if len(depths) != 1:
            raise ValueError("block: list depths are mismatched")
        return depths.pop() + 1

    list_depth = depth(arrays)
    leaves: list = []

    def collect(x: Any) -> None:
        if isinstance(x, list):
            for e in x:
                collect(e)
        else:
            leaves.append(asarray(x))

    collect(arrays)
    ndim = builtins.max([list_depth] + [a.ndim for a in leaves])
    # Promote all blocks together, as NumPy does before joining.
    promoted = iter(promote(*[strong(a) for a in leaves]))

    def assemble(x: Any, level: int) -> Any:
        if not isinstance(x, list):
            a = next(promoted)
            return lax.reshape(a, (1,) * (ndim - a.ndim) + a.shape)
        parts = [assemble(e, level + 1) for e in x]
        return lax.concatenate(parts, ndim - list_depth + level) if len(parts) > 1 else parts[0]

    return assemble(arrays, 0)


def _split_bounds(n: int, indices_or_sections: Any, equal: bool) -> list[int]:
    """Cut points along an axis of size ``n``: ``sections`` pieces (equal ones only if
    ``equal``; otherwise the first ``n % sections`` are one longer), or the given indices."""
    if isinstance(indices_or_sections, (int, np.integer)) or (np.ndim(indices_or_sections) == 0 and not isinstance(indices_or_sections, (list, tuple))):
        sections = static_int(indices_or_sections, "the number of sections of a split")
        if sections <= 0:
            raise ValueError(f"number of sections must be larger than 0, got {sections}")
        if equal and n % sections:
            raise ValueError(f"array split does not result in an equal division: {n} into {sections}")
        size, extra = divmod(n, sections)
        sizes = [size + 1] * extra + [size] * (sections - extra)
        return [0] + list(np.cumsum(sizes))
    cuts = np.asarray(core.concrete_or_error(indices_or_sections, "the indices of a split"))
    return [0] + [int(i) for i in cuts.ravel()] + [n]


def _split_at(a: Any, bounds: list[int], axis: int) -> list:
    n = a.shape[axis]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        # Each piece is ``a[lo:hi]`` along ``axis``, with Python's slicing of negative and large bounds.
        lo, hi, _ = builtins.slice(int(lo), int(hi)).indices(n)
        start, limit = [0] * a.ndim, list(a.shape)
        start[axis], limit[axis] = lo, builtins.max(lo, hi)
        pieces.append(lax.slice(a, start, limit))
    return pieces


def array_split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """Split into ``sections`` nearly equal pieces (the first ones one longer), or at indices.

    >>> [p.tolist() for p in array_split(np.arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    """
    ary = asarray(ary)
    axis = canonical_axis(axis, ary.ndim)
    return _split_at(ary, _split_bounds(ary.shape[axis], indices_or_sections, equal=False), axis)


def _split_along(name: str, axis_of: Any, min_ndim: int):
    def fn(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
        ary = asarray(ary)
        if ary.ndim < min_ndim:
            raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions, got shape {ary.shape}")
        return split(ary, indices_or_sections, axis_of(ary))

    fn.__name__ = fn.__qualname__ = name
    return fn


hsplit = _split_along("hsplit", lambda a: 0 if a.ndim == 1 else 1, 1)
hsplit.__doc__ = """Split along the second axis (the first for 1-D arrays).

    >>> [p.shape for p in hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
vsplit = _split_along("vsplit", lambda a: 0, 2)
vsplit.__doc__ = """Split along the first axis of an array of rank 2 or more.

    >>> [p.shape for p in vsplit(np.ones((4, 2)), [1])]
    [(1, 2), (3, 2)]
    """
dsplit = _split_along("dsplit", lambda a: 2, 3)
dsplit.__doc__ = """Split along the third axis of an array of rank 3 or more.

    >>> [p.shape for p in dsplit(np.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """


def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple.

    >>> [u.tolist() for u in unstack(np.arange(4).reshape(2, 2))]
    [[0, 1], [2, 3]]
    """
    x = asarray(x)
    if x.ndim == 0:
        raise ValueError("unstack requires an array of rank 1 or more, got a 0-d array")
    axis = canonical_axis(axis, x.ndim)
    return tuple(lax.squeeze(p, [axis]) for p in _split_at(x, list(range(x.shape[axis] + 1)), axis))


def rot90(m: ArrayLike, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Any:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first toward the second).

    >>> rot90(np.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    m = asarray(m)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must be two axes, got {axes}")
    if m.ndim < 2:
        raise ValueError(f"rot90: the array must have rank 2 or more, got shape {m.shape}")
    a0, a1 = canonical_axis(axes[0], m.ndim), canonical_axis(axes[1], m.ndim)
    if a0 == a1:
        raise ValueError(f"rot90: axes must be different, got {axes}")
    k = static_int(k, "rot90's k") % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    if k == 1:
        return swapaxes(flip(m, a1), a0, a1)
    return flip(swapaxes(m, a0, a1), a1)


def resize(a: ArrayLike, new_shape: int | Sequence[int]) -> Any:
    """An array of ``new_shape`` filled by repeating ``a``'s elements in order (NumPy's
    function, not the method: no zero padding).

    >>> resize(np.array([1, 2, 3]), (2, 4))
    array([[1, 2, 3, 1],
           [2, 3, 1, 2]])
    """
    a = asarray(a)
    shape = _shape_tuple(new_shape)
    if builtins.any(d < 0 for d in shape):
        raise ValueError(f"resize: all elements of new_shape must be non-negative, got {shape}")
    total = int(np.prod(shape, dtype=np.int64))
    flat = ravel(a)
    if total == 0 or a.size == 0:
        return lax.full(shape, 0, a.dtype)
    copies = -(-total // a.size)
    return lax.reshape(lax.slice(tile(flat, copies), (0,), (total,)), shape)


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Any:
    """``values`` joined to the end of ``arr`` along ``axis`` (both flattened if None).

    >>> append(np.array([1, 2]), [[3], [4]])
    array([1, 2, 3, 4])
    """
    if axis is None:
        return concatenate([ravel(asarray(arr)), ravel(asarray(values))], 0)
    return concatenate([arr, values], axis)


def _positions(obj: Any, n: int, name: str) -> np.ndarray:
    """Static indices along an axis of size ``n`` from an int, a slice or an index array."""
    if isinstance(obj, builtins.slice):
        return np.arange(n)[obj]
    idx = np.asarray(core.concrete_or_error(obj, f"the indices of {name} (the result's shape depends on them)"))
    if idx.dtype == np.bool_:
        if idx.shape != (n,):
            raise ValueError(f"{name}: a boolean mask must have shape ({n},), got {idx.shape}")
        return np.nonzero(idx)[0]
    if idx.dtype.kind not in "iu" and idx.size:
        raise IndexError(f"{name}: indices must be integers, got {idx.dtype}")
    return idx.astype(np.int64)


def delete(arr: ArrayLike, obj: Any, axis: int | None = None, *, assume_unique_indices: bool = False) -> Any:
    """``arr`` without the entries ``obj`` (an int, slice or index array) along ``axis``
    (of the flattened array if None).

    >>> delete(np.arange(6), [0, 2, -1])
    array([1, 3, 4])
    """
    arr = asarray(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = canonical_axis(axis, arr.ndim)
    n = arr.shape[axis]
    idx = _positions(obj, n, "delete")
    if ((idx < -n) | (idx >= n)).any():
        raise IndexError(f"delete: index out of bounds for axis {axis} with size {n}")
    keep = np.ones(n, bool)
    keep[idx % n if n else idx] = False
    return take(arr, np.nonzero(keep)[0], axis=axis)


def insert(arr: ArrayLike, obj: Any, values: ArrayLike, axis: int | None = None) -> Any:
    """``values`` inserted before the entries ``obj`` along ``axis`` (of the flattened array
    if None), as ``numpy.insert``.

    >>> insert(np.array([1, 2, 3]), 1, [8, 9])
    array([1, 8, 9, 2, 3])
    """
    arr = asarray(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = canonical_axis(axis, arr.ndim)
    n = arr.shape[axis]
    scalar = not isinstance(obj, builtins.slice) and np.ndim(core.concrete_or_error(obj, "the indices of insert")) == 0
    idx = np.arange(n)[obj] if isinstance(obj, builtins.slice) else _positions(obj, n + 1, "insert")
    if ((idx < -n) | (idx > n)).any():
        raise IndexError(f"insert: index out of bounds for axis {axis} with size {n}")
    idx = np.where(idx < 0, idx + n, idx).ravel()
    values = convert(asarray(values), arr.dtype)
    vshape = list(arr.shape)
    if len(idx) == 1:
        # One position: values (raised to arr's rank; for an int position, their first axis
        # moved to ``axis``) are a block of their own length along the axis, as NumPy.
        values = lax.reshape(values, (1,) * (arr.ndim - values.ndim) + shape_of(values))
        values = moveaxis(values, 0, axis) if scalar else values
        vshape[axis] = shape_of(values)[axis]
        idx = np.repeat(idx, vshape[axis])
    else:
        vshape[axis] = len(idx)
    values = broadcast_to(values, vshape)
    # Old entries keep their order; entry i moves up by the insertions before it, and each
    # new one goes where its position says (stably among equal positions, as NumPy).
    order = np.argsort(idx, kind="stable")
    new_pos = idx[order] + np.arange(len(idx))
    old_pos = np.arange(n) + np.searchsorted(idx[order], np.arange(n), side="right")
    source = np.empty(n + len(idx), np.int64)
    source[old_pos] = np.arange(n)
    source[new_pos] = n + order
    return take(concatenate([arr, values], axis), source, axis=axis)
