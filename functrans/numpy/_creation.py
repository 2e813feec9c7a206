"""More array creation: triangles of ones, diagonals from flattened input, uninitialised
(here: zero) arrays, copies, logarithmic and geometric ranges, arrays from functions
and strings."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import core, dtypes, lax
from ._base import ArrayLike, asarray, broadcast_arrays, broadcast_shapes, convert, promote, promote_to_inexact, shape_of
from ._index_tricks import indices
from ._shape import _shape_tuple, diag, expand_dims, linspace, moveaxis, ravel, reshape, zeros, zeros_like
from ._ufuncs import log10, power


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    """An ``(N, M)`` array with ones on and below diagonal ``k`` and zeros above (float64 by default).

    >>> tri(3, 4, 1, dtype=int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 0],
           [1, 1, 1, 1]])
    """
    N = int(core.concrete_or_error(N, "tri's N"))
    M = N if M is None else int(core.concrete_or_error(M, "tri's M"))
    rows = lax.broadcasted_iota(dtypes.int64, (N, M), 0)
    cols = lax.broadcasted_iota(dtypes.int64, (N, M), 1)
    return lax.convert_element_type(lax.le(cols, lax.add(rows, int(k))), np.dtype(dtype or dtypes.float64))


def diagflat(v: ArrayLike, k: int = 0) -> Any:
    """A 2-D array with the flattened input on diagonal ``k``.

    >>> diagflat(np.array([[1, 2], [3, 4]]))
    array([[1, 0, 0, 0],
           [0, 2, 0, 0],
           [0, 0, 3, 0],
           [0, 0, 0, 4]])
    """
    return diag(ravel(asarray(v)), k)


def empty(shape: Any, dtype: Any = None, *, device: Any = None) -> Any:
    """An array of ``shape``: as in JAX, its contents are zeros (arrays are never uninitialised).

    >>> empty((2,), int)
    array([0, 0])
    """
    return zeros(shape, dtype)


def empty_like(prototype: ArrayLike, dtype: Any = None, shape: Any = None, *, device: Any = None) -> Any:
    """An array like ``prototype`` (its shape and dtype unless given): zeros, as in JAX.

    >>> empty_like(np.ones((1, 2), np.float32))
    array([[0., 0.]], dtype=float32)
    """
    return zeros_like(prototype, dtype, shape)


def copy(a: ArrayLike, order: str | None = None) -> Any:
    """A copy of ``a`` (that shares no memory with it).

    >>> x = np.arange(3); y = copy(x); y is x, y.tolist()
    (False, [0, 1, 2])
    """
    if order not in (None, "K", "C", "A"):
        raise NotImplementedError(f"copy: order {order!r} is not supported; copies are C-contiguous")
    if isinstance(a, core.Tracer):
        return a
    return np.array(asarray(a), copy=True)


def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, base: ArrayLike = 10.0,
             dtype: Any = None, axis: int = 0) -> Any:
    """``base ** linspace(start, stop, num)``: ``num`` values evenly spaced on a log scale.

    >>> logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    # As NumPy: all three are raised to their broadcast rank, and base gets the new axis
    # (a Python scalar base stays weakly typed: float32 ends give float32 values).
    weak_base = type(base) in (int, float)
    ends = promote(start, stop) + ([] if weak_base else [asarray(base)])
    rank = len(broadcast_shapes(*[shape_of(a) for a in ends]))
    ends = [reshape(a, (1,) * (rank - len(shape_of(a))) + shape_of(a)) for a in ends]
    exponents = linspace(ends[0], ends[1], num, endpoint, axis=axis)
    if not weak_base:
        base = expand_dims(ends[2], axis) if rank else ends[2]
    out = power(base, exponents)
    return convert(out, np.dtype(dtype)) if dtype is not None else out


def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:
    """``num`` values in geometric progression from ``start`` to ``stop`` (both ends exact;
    both must be nonzero and of the same sign).

    >>> geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    start, stop = broadcast_arrays(*promote_to_inexact(asarray(start), asarray(stop)))
    # NumPy computes geomspace in at least float64 (and returns that unless told otherwise).
    wide = np.promote_types(start.dtype, dtypes.float64)
    start, stop = convert(start, wide), convert(stop, wide)
    for name, v in (("start", start), ("stop", stop)):
        if core.is_concrete(v) and (np.asarray(core.concrete_or_error(v)) == 0).any():
            raise ValueError(f"geomspace: a geometric sequence cannot include zero ({name} is 0)")
    if core.is_concrete(start) and core.is_concrete(stop):
        if (np.sign(core.concrete_or_error(start)) != np.sign(core.concrete_or_error(stop))).any():
            raise ValueError("geomspace: start and stop must have the same sign (complex results are not supported)")
    # Work with magnitudes on a log10 scale, then put the sign back.
    sign = lax.sign(start)
    logs = linspace(log10(lax.abs(start)), log10(lax.abs(stop)), num, endpoint, axis=0)
    out = lax.pow(lax.full_like(logs, 10.0), logs)
    ndim = len(shape_of(out))
    lead = tuple(range(1, ndim))
    out = lax.mul(out, lax.broadcast_in_dim(sign, shape_of(out), lead))
    num = int(num)
    if num > 0:
        # The ends exactly as given, not as powers of ten.
        first = lax.broadcast_in_dim(lax.eq(lax.broadcasted_iota(dtypes.int64, (num,), 0), 0), shape_of(out), (0,))
        out = lax.select_n(first, out, lax.broadcast_in_dim(start, shape_of(out), lead))
        if endpoint and num > 1:
            last = lax.broadcast_in_dim(lax.eq(lax.broadcasted_iota(dtypes.int64, (num,), 0), num - 1), shape_of(out), (0,))
            out = lax.select_n(last, out, lax.broadcast_in_dim(stop, shape_of(out), lead))
    out = moveaxis(out, 0, axis)
    return convert(out, np.dtype(dtype)) if dtype is not None else out


def fromfunction(function: Callable[..., Any], shape: Any, *, dtype: Any = float, **kwargs: Any) -> Any:
    """``function(*coordinates, **kwargs)`` where ``coordinates`` are the index arrays of a
    grid of ``shape`` (in ``dtype``).

    >>> fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int)
    array([[ 0, 10, 20],
           [ 1, 11, 21]])
    """
    return function(*indices(_shape_tuple(shape), dtype=dtype), **kwargs)


def fromiter(*args: Any, **kwargs: Any) -> Any:
    """Not implemented, as in JAX: consuming an iterator is a side effect. Use
    ``asarray(numpy.fromiter(...))`` outside transformations.

    >>> try:
    ...     fromiter(iter([1, 2]), int)
    ... except NotImplementedError:
    ...     print("use numpy.fromiter")
    use numpy.fromiter
    """
    raise NotImplementedError("fromiter is not implemented because consuming an iterable is a side effect that "
                              "transformations would repeat or skip; use functrans.numpy.asarray(numpy.fromiter(...))")


def fromstring(string: str, dtype: Any = float, count: int = -1, *, sep: str) -> Any:
    """A 1-D array parsed from text of numbers separated by ``sep``.

    >>> fromstring("1 2 3", dtype=int, sep=" ")
    array([1, 2, 3])
    """
    return np.fromstring(string, dtype=dtype, count=count, sep=sep)
