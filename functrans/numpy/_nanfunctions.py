"""Reductions that leave NaNs out: ``nansum``, ``nanmean``, ``nanmax``, ``nanquantile``...

Each replaces NaNs (and elements outside ``where``) by the reduction's identity, then
reduces; a slice with nothing left gives NaN (or -1 for ``nanargmax``/``nanargmin``,
as JAX: NumPy raises, which a traced program cannot).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, lax
from ._base import ArrayLike, asarray, promote_to_inexact
from ._reductions import all, argmax, argmin, cumprod, cumsum, max, min, prod, sum
from ._statistics import _check_out, _percent, quantile_along
from ._ufuncs import add, divide, multiply, isnan, logical_and, logical_not, maximum, minimum, sqrt
from ._ufuncs import where as choose

Axis = int | Sequence[int] | None


def _nan_mask(a: Any) -> Any:
    return isnan(a) if a.dtype.kind in "fc" else lax.full(a.shape, False, dtypes.bool_)


def _keep_mask(a: Any, where_: ArrayLike | None) -> Any:
    """True at the elements a NaN-reduction uses."""
    keep = logical_not(_nan_mask(a))
    return keep if where_ is None else logical_and(keep, where_)


def _filled(a: ArrayLike, where_: ArrayLike | None, identity: Any) -> tuple[Any, Any]:
    a = asarray(a)
    keep = _keep_mask(a, where_)
    return choose(keep, a, lax.full((), identity, a.dtype)), keep


def nansum(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Any:
    """Sum over ``axis`` counting NaNs as zero.

    >>> nansum(np.array([1.0, np.nan, 2.0]))
    array(3.)
    """
    _check_out("nansum", out)
    filled, _ = _filled(a, where, 0)
    total = sum(filled, axis, dtype, keepdims)
    return total if initial is None else add(total, asarray(initial, total.dtype))


def nanprod(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, keepdims: bool = False,
            initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Any:
    """Product over ``axis`` counting NaNs as one.

    >>> nanprod(np.array([2.0, np.nan, 3.0]))
    array(6.)
    """
    _check_out("nanprod", out)
    filled, _ = _filled(a, where, 1)
    total = prod(filled, axis, dtype, keepdims)
    return total if initial is None else multiply(total, asarray(initial, total.dtype))


def _nan_extremum(name: str, a: ArrayLike, axis: Axis, keepdims: bool, initial: ArrayLike | None,
                  where_: ArrayLike | None, reduce: Any, combine: Any, identity: float) -> Any:
    a = asarray(a)
    if a.dtype.kind not in "fc":
        if where_ is not None and initial is None:
            raise ValueError(f"{name}: reduction with where needs an initial value for integer input")
        filled = a if where_ is None else choose(where_, a, asarray(initial, a.dtype))
        out = reduce(filled, axis, keepdims=keepdims)
        return out if initial is None else combine(out, asarray(initial, out.dtype))
    filled, keep = _filled(a, where_, identity)
    out = reduce(filled, axis, keepdims=keepdims)
    if initial is not None:
        return combine(out, asarray(initial, out.dtype))
    return choose(all(logical_not(keep), axis, keepdims), np.nan, out)


def nanmax(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
           where: ArrayLike | None = None) -> Any:
    """Maximum over ``axis`` ignoring NaNs (NaN where a slice is all NaN).

    >>> nanmax(np.array([[1.0, np.nan], [np.nan, np.nan]]), axis=1)
    array([ 1., nan])
    """
    _check_out("nanmax", out)
    return _nan_extremum("nanmax", a, axis, keepdims, initial, where, max, maximum, -np.inf)


def nanmin(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: ArrayLike | None = None,
           where: ArrayLike | None = None) -> Any:
    """Minimum over ``axis`` ignoring NaNs (NaN where a slice is all NaN).

    >>> nanmin(np.array([3.0, np.nan, 2.0]))
    array(2.)
    """
    _check_out("nanmin", out)
    return _nan_extremum("nanmin", a, axis, keepdims, initial, where, min, minimum, np.inf)


def _nan_arg(a: ArrayLike, axis: int | None, keepdims: bool | None, reduce: Any, identity: float) -> Any:
    a = asarray(a)
    if a.dtype.kind not in "fc":
        return reduce(a, axis, bool(keepdims))
    mask = isnan(a)
    found = reduce(choose(mask, identity, a), axis, bool(keepdims))
    return choose(all(mask, axis, bool(keepdims)), -1, found)


def nanargmax(a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None) -> Any:
    """Index of the maximum along ``axis`` ignoring NaNs; -1 for an all-NaN slice (JAX's choice).

    >>> nanargmax(np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]]), axis=1)
    array([ 2, -1])
    """
    _check_out("nanargmax", out)
    return _nan_arg(a, axis, keepdims, argmax, -np.inf)


def nanargmin(a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None) -> Any:
    """Index of the minimum along ``axis`` ignoring NaNs; -1 for an all-NaN slice.

    >>> nanargmin(np.array([np.nan, 2.0, 1.0]))
    array(2)
    """
    _check_out("nanargmin", out)
    return _nan_arg(a, axis, keepdims, argmin, np.inf)


def nancumsum(a: ArrayLike, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """Cumulative sum along ``axis`` counting NaNs as zero.

    >>> nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    _check_out("nancumsum", out)
    return cumsum(_filled(a, None, 0)[0], axis, dtype)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """Cumulative product along ``axis`` counting NaNs as one.

    >>> nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    _check_out("nancumprod", out)
    return cumprod(_filled(a, None, 1)[0], axis, dtype)


def _float_input(a: ArrayLike, dtype: Any) -> Any:
    a = asarray(a)
    if dtype is not None:
        return asarray(a, dtype)
    return promote_to_inexact(a)[0]


def nanmean(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, keepdims: bool = False,
            where: ArrayLike | None = None) -> Any:
    """Mean over ``axis`` of the elements that are not NaN (NaN for an all-NaN slice).

    >>> nanmean(np.array([1.0, np.nan, 3.0]))
    array(2.)
    """
    _check_out("nanmean", out)
    a = _float_input(a, dtype)
    filled, keep = _filled(a, where, 0)
    return divide(sum(filled, axis, keepdims=keepdims), sum(keep, axis, a.dtype, keepdims))


def nanvar(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, ddof: int = 0, keepdims: bool = False,
           where: ArrayLike | None = None, mean: ArrayLike | None = None) -> Any:
    """Variance over ``axis`` of the elements that are not NaN, with ``ddof`` delta degrees
    of freedom; ``mean`` (with ``keepdims=True``'s shape) saves computing the mean.

    >>> nanvar(np.array([1.0, np.nan, 3.0]))
    array(1.)
    """
    _check_out("nanvar", out)
    a = _float_input(a, dtype)
    filled, keep = _filled(a, where, 0)
    count = sum(keep, axis, a.dtype, keepdims=True)
    centre = divide(sum(filled, axis, keepdims=True), count) if mean is None else asarray(mean, a.dtype)
    deviation = choose(keep, a - centre, lax.full((), 0, a.dtype))
    squares = sum(deviation * deviation, axis, keepdims=keepdims)
    count = sum(keep, axis, a.dtype, keepdims)
    return divide(squares, maximum(count - ddof, 0))


def nanstd(a: ArrayLike, axis: Axis = None, dtype: Any = None, out: None = None, ddof: int = 0, keepdims: bool = False,
           where: ArrayLike | None = None, mean: ArrayLike | None = None) -> Any:
    """Standard deviation over ``axis`` of the elements that are not NaN.

    >>> nanstd(np.array([1.0, np.nan, 3.0]))
    array(1.)
    """
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where, mean))


def nanquantile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
                overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
                weights: ArrayLike | None = None) -> Any:
    """``quantile`` of the elements that are not NaN.

    >>> nanquantile(np.array([1.0, np.nan, 2.0, 3.0]), 0.5)
    array(2.)
    """
    _check_out("nanquantile", out)
    return quantile_along("nanquantile", a, q, axis, method, keepdims, True, weights)


def nanpercentile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
                  overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
                  weights: ArrayLike | None = None) -> Any:
    """``percentile`` of the elements that are not NaN.

    >>> nanpercentile(np.array([1.0, np.nan, 2.0, 3.0]), 100)
    array(3.)
    """
    _check_out("nanpercentile", out)
    return quantile_along("nanpercentile", a, _percent(a, q), axis, method, keepdims, True, weights)


def nanmedian(a: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:
    """``median`` of the elements that are not NaN.

    >>> nanmedian(np.array([[1.0, np.nan, 4.0], [2.0, 3.0, np.nan]]), axis=1)
    array([2.5, 2.5])
    """
    _check_out("nanmedian", out)
    return quantile_along("nanmedian", a, 0.5, axis, "linear", keepdims, True)
