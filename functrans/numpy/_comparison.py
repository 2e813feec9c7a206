"""Whole-array and tolerance comparisons: ``isclose``, ``allclose``, ``array_equal``, ``array_equiv``."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, lax
from ._base import ArrayLike, asarray, broadcast_shapes, broadcast_to, convert, promote_and_broadcast, shape_of
from ._ufuncs import add, isfinite, multiply


def _isnan(x: Any) -> Any:
    return lax.ne(x, x)


def isclose(a: ArrayLike, b: ArrayLike, rtol: ArrayLike = 1e-05, atol: ArrayLike = 1e-08, equal_nan: bool = False) -> Any:
    """Whether ``|a - b| <= atol + rtol * |b|`` elementwise; equal infinities are close,
    NaNs only with ``equal_nan``.

    >>> isclose(np.array([1.0, 1.1, np.inf, np.nan]), np.array([1.0 + 1e-9, 1.0, np.inf, np.nan]), equal_nan=True)
    array([ True, False,  True,  True])
    """
    a, b = promote_and_broadcast(a, b)
    if a.dtype.kind not in "fc":
        return lax.eq(a, b)
    rtol, atol = (convert(t, dtypes.real_dtype(a.dtype)) for t in (rtol, atol))
    tolerance = broadcast_to(add(atol, multiply(rtol, lax.abs(b))), a.shape)
    finite = lax.bitwise_and(isfinite(a), isfinite(b))
    # inf - inf is NaN, so infinities are compared for equality instead.
    zero = lax.full_like(a, 0)
    gap = lax.abs(lax.sub(lax.select_n(finite, zero, a), lax.select_n(finite, zero, b)))  # no inf - inf
    close = lax.select_n(finite, lax.eq(a, b), lax.le(gap, tolerance))
    if equal_nan:
        close = lax.bitwise_or(close, lax.bitwise_and(_isnan(a), _isnan(b)))
    return close


def allclose(a: ArrayLike, b: ArrayLike, rtol: ArrayLike = 1e-05, atol: ArrayLike = 1e-08, equal_nan: bool = False) -> Any:
    """Whether every element pair is ``isclose`` (a 0-d boolean array).

    >>> allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]))
    array(True)
    """
    close = isclose(a, b, rtol, atol, equal_nan)
    return _all(close)


def _all(x: Any) -> Any:
    if x.size == 0:
        return lax.full((), True, dtypes.bool_)
    return lax.reduce_min(x, tuple(range(x.ndim)))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> Any:
    """Whether both arrays have the same shape and elements (NaNs equal with ``equal_nan``).

    >>> array_equal(np.array([1, 2]), np.array([1.0, 2.0])), array_equal(np.ones(2), np.ones(3))
    (array(True), array(False))
    """
    a1, a2 = asarray(a1), asarray(a2)
    if shape_of(a1) != shape_of(a2):
        return np.asarray(False)
    a1, a2 = promote_and_broadcast(a1, a2)
    equal = lax.eq(a1, a2)
    if equal_nan and a1.dtype.kind in "fc":
        equal = lax.bitwise_or(equal, lax.bitwise_and(_isnan(a1), _isnan(a2)))
    return _all(equal)


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> Any:
    """Whether the arrays are equal after broadcasting them together (False if they cannot be).

    >>> array_equiv(np.array([1, 2]), np.array([[1, 2], [1, 2]]))
    array(True)
    """
    a1, a2 = asarray(a1), asarray(a2)
    try:
        broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return np.asarray(False)
    a1, a2 = promote_and_broadcast(a1, a2)
    return _all(lax.eq(a1, a2))
