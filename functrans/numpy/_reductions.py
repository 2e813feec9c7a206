"""Reductions with NumPy's ``axis``/``keepdims``/``dtype`` conventions."""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import dtypes, lax
from ._base import ArrayLike, asarray, canonical_axes, canonical_axis, convert
from ._ufuncs import astype_bool

Axis = int | Sequence[int] | None


def _accumulator_dtype(dtype: np.dtype) -> np.dtype:
    """NumPy sums and multiplies small integers and bools in the platform integer."""
    if dtype.kind == "b" or (dtype.kind == "i" and dtype.itemsize < 8):
        return dtypes.int64
    if dtype.kind == "u" and dtype.itemsize < 8:
        return np.dtype(np.uint64)
    return dtype


def _keep(out: Any, shape: Sequence[int], axes: Sequence[int], keepdims: bool) -> Any:
    if not keepdims:
        return out
    return lax.reshape(out, [1 if i in axes else d for i, d in enumerate(shape)])


def _reduce(x: Any, axis: Axis, keepdims: bool, reducer, dtype: Any = None) -> Any:
    x = asarray(x)
    axes = canonical_axes(axis, x.ndim)
    if dtype is not None:
        x = convert(x, np.dtype(dtype))
    return _keep(reducer(x, axes), x.shape, axes, keepdims)


def _logical_reduce(a: ArrayLike, axis: Axis, keepdims: bool, reducer, empty: bool) -> Any:
    """``all``/``any`` as a min/max over booleans; over an empty axis they are ``empty``
    (max and min have no identity, so that case is not a reduction)."""
    a = astype_bool(a)
    axes = canonical_axes(axis, a.ndim)
    if builtins.any(a.shape[i] == 0 for i in axes):
        out = lax.full([d for i, d in enumerate(a.shape) if i not in axes], empty, dtypes.bool_)
    else:
        out = reducer(a, axes)
    return _keep(out, a.shape, axes, keepdims)


def sum(a: ArrayLike, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Sum over ``axis`` (all axes by default).

    >>> sum(np.ones((2, 3)), axis=0)
    array([2., 2., 2.])
    """
    a = asarray(a)
    return _reduce(a, axis, keepdims, lax.reduce_sum, dtype or _accumulator_dtype(a.dtype))


def prod(a: ArrayLike, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Product over ``axis`` (all axes by default), as ``numpy.prod``.

    Small integers and booleans multiply in int64, as in NumPy; an empty axis gives 1.

    >>> prod(np.array([[1, 2, 3], [4, 5, 6]]), axis=1)
    array([  6, 120])
    """
    a = asarray(a)
    return _reduce(a, axis, keepdims, lax.reduce_prod, dtype or _accumulator_dtype(a.dtype))


def max(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Any:
    """Maximum over ``axis`` (all axes by default), NaN if any element is NaN; also ``amax``.

    Unlike NumPy's and JAX's, it takes no ``initial`` or ``where``, so an empty axis raises
    ``ShapeError``.

    >>> max(np.array([[0, 1, 2], [3, 4, 5]]), axis=1, keepdims=True)
    array([[2],
           [5]])
    """
    return _reduce(a, axis, keepdims, lax.reduce_max)


def min(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Any:
    """Minimum over ``axis`` (all axes by default), NaN if any element is NaN; also ``amin``.

    Unlike NumPy's and JAX's, it takes no ``initial`` or ``where``, so an empty axis raises
    ``ShapeError``.

    >>> min(np.array([[0, 1, 2], [3, 4, 5]]), axis=0), min(np.array([1.0, np.nan]))
    (array([0, 1, 2]), array(nan))
    """
    return _reduce(a, axis, keepdims, lax.reduce_min)


amax, amin = max, min


def all(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Any:
    """Whether every element along ``axis`` is true (nonzero), as ``numpy.all``.

    True over an empty axis.

    >>> all(np.array([[1, 0], [1, 1]]), axis=1)
    array([False,  True])
    """
    return _logical_reduce(a, axis, keepdims, lax.reduce_min, True)


def any(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Any:
    """Whether some element along ``axis`` is true (nonzero), as ``numpy.any``.

    False over an empty axis.

    >>> any(np.array([[0, 0], [0, 3]]), axis=1), any(np.zeros(0))
    (array([False,  True]), array(False))
    """
    return _logical_reduce(a, axis, keepdims, lax.reduce_max, False)


def _count(shape: Sequence[int], axes: Sequence[int]) -> int:
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def mean(a: ArrayLike, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over ``axis`` (all axes by default), as ``numpy.mean``.

    Integers and booleans give float64, floats keep their dtype.

    >>> mean(np.array([[0, 1, 2], [3, 4, 5]]), axis=0)
    array([1.5, 2.5, 3.5])
    """
    a = asarray(a)
    out_dtype = np.dtype(dtype) if dtype is not None else dtypes.default_float(a.dtype)
    axes = canonical_axes(axis, a.ndim)
    total = lax.reduce_sum(convert(a, out_dtype), axes)
    # An integer dtype sums in that dtype, then divides as float and truncates, as NumPy does.
    quotient = lax.div(convert(total, dtypes.default_float(out_dtype)), float(_count(a.shape, axes)))
    return _keep(convert(quotient, out_dtype), a.shape, axes, keepdims)


def var(a: ArrayLike, axis: Axis = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False, *,
        correction: int | None = None) -> Any:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom (``correction`` is NumPy 2's
    name for it).

    >>> var(np.array([1.0, 2.0, 3.0]), correction=1)
    array(1.)
    """
    if correction is not None:
        if ddof:
            raise TypeError("var: give ddof or correction, not both")
        ddof = correction
    a = asarray(a)
    a = convert(a, np.dtype(dtype) if dtype is not None else dtypes.default_float(a.dtype))
    axes = canonical_axes(axis, a.ndim)
    n = _count(a.shape, axes)
    kept = tuple(i for i in range(a.ndim) if i not in axes)
    centre = lax.broadcast_in_dim(lax.div(lax.reduce_sum(a, axes), float(n)), a.shape, kept)
    centered = lax.sub(a, centre)
    # |x - mean|**2: a complex deviation times itself would keep its phase (the variance is real).
    if a.dtype.kind == "c":
        squared = lax.add(lax.square(lax.real(centered)), lax.square(lax.imag(centered)))
    else:
        squared = lax.mul(centered, centered)
    squares = lax.reduce_sum(squared, axes)
    return _keep(lax.div(squares, float(builtins.max(n - ddof, 0))), a.shape, axes, keepdims)


def std(a: ArrayLike, axis: Axis = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False, *,
        correction: int | None = None) -> Any:
    """Standard deviation over ``axis``, ``sqrt(var(...))``, as ``numpy.std``.

    ``ddof`` (or NumPy 2's ``correction``) as for ``var``.

    >>> std(np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])), std(np.array([1.0, 3.0]), ddof=1)
    (array(2.), array(1.41421356))
    """
    return lax.sqrt(var(a, axis, dtype, ddof, keepdims, correction=correction))


def _arg_reduce(a: ArrayLike, axis: int | None, keepdims: bool, reducer) -> Any:
    a = asarray(a)
    if axis is None:
        out = reducer(lax.reshape(a, (a.size,)), 0)
        return lax.reshape(out, (1,) * a.ndim) if keepdims else out
    ax = canonical_axis(axis, a.ndim)
    return _keep(reducer(a, ax), a.shape, (ax,), keepdims)


def argmax(a: ArrayLike, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the first maximum along ``axis`` (of the flattened array if None).

    As ``numpy.argmax``: a NaN counts as the maximum.

    >>> argmax(np.array([[1, 5, 5], [7, 0, 2]])), argmax(np.array([[1, 5, 5], [7, 0, 2]]), axis=1)
    (array(3), array([1, 0]))
    """
    return _arg_reduce(a, axis, keepdims, lax.argmax)


def argmin(a: ArrayLike, axis: int | None = None, keepdims: bool = False) -> Any:
    """Index of the first minimum along ``axis`` (of the flattened array if None).

    As ``numpy.argmin``: a NaN counts as the minimum.

    >>> argmin(np.array([3.0, np.nan, 1.0])), argmin(np.array([[4, 2], [1, 3]]), axis=0)
    (array(1), array([1, 0]))
    """
    return _arg_reduce(a, axis, keepdims, lax.argmin)


def _cumulative(a: ArrayLike, axis: int | None, dtype: Any, op) -> Any:
    a = asarray(a)
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    a = convert(a, np.dtype(dtype) if dtype is not None else _accumulator_dtype(a.dtype))
    return op(a, canonical_axis(axis, a.ndim))


def cumsum(a: ArrayLike, axis: int | None = None, dtype: Any = None) -> Any:
    """Cumulative sum along ``axis`` (of the flattened array if None), as ``numpy.cumsum``.

    Small integers and booleans add in int64, as in NumPy.

    >>> cumsum(np.array([[0, 1, 2], [3, 4, 5]])), cumsum(np.array([[0, 1, 2], [3, 4, 5]]), axis=1)
    (array([ 0,  1,  3,  6, 10, 15]), array([[ 0,  1,  3],
           [ 3,  7, 12]]))
    """
    return _cumulative(a, axis, dtype, lax.cumsum)


def cumprod(a: ArrayLike, axis: int | None = None, dtype: Any = None) -> Any:
    """Cumulative product along ``axis`` (of the flattened array if None), as ``numpy.cumprod``.

    Its derivative is exact where elements are zero.

    >>> cumprod(np.array([1, 2, 3, 4]))
    array([ 1,  2,  6, 24])
    """
    return _cumulative(a, axis, dtype, lax.cumprod)
