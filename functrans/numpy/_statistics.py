"""Order statistics and moments: ``quantile``, ``percentile``, ``median``, ``average``,
``ptp``, ``cov``, ``corrcoef``, ``count_nonzero``.

Quantiles sort along the reduced axes and read the sorted values at positions computed
from ``q``, so they are differentiable in ``a`` (and, for ``method="linear"``, in ``q``).
"""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import core, dtypes, lax
from ._base import ArrayLike, asarray, canonical_axes, canonical_axis, convert, promote_to_inexact
from ._products import dot
from ._reductions import any, max, min, sum
from ._shape import atleast_2d, concatenate, diagonal, squeeze, transpose
from ._ufuncs import ceil, divide, less, subtract, clip, floor, isnan, round, sqrt, where
from ..lax.sort import argsort as lax_argsort
from ..lax.indexing import take_along_axis as lax_take_along_axis

Axis = int | Sequence[int] | None

QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf")


def _rows(a: Any, axes: Sequence[int]) -> Any:
    """``a`` with the ``axes`` moved last and merged into one."""
    kept = [d for d in range(a.ndim) if d not in axes]
    moved = lax.transpose(a, tuple(kept) + tuple(axes))
    return lax.reshape(moved, tuple(a.shape[d] for d in kept) + (int(np.prod([a.shape[d] for d in axes], dtype=np.int64)),))


def _check_q(name: str, q: Any) -> None:
    if core.is_concrete(q):
        value = np.asarray(core.concrete_or_error(q))
        if value.size and not (np.all(value >= 0) and np.all(value <= 1)):
            raise ValueError(f"{name}: quantiles must be in the range [0, 1], got {value}")


def quantile_along(name: str, a: ArrayLike, q: ArrayLike, axis: Axis, method: str, keepdims: bool,
                   ignore_nan: bool, weights: ArrayLike | None = None) -> Any:
    """What ``quantile`` and ``nanquantile`` share; ``ignore_nan`` leaves NaNs out of each slice."""
    if method not in QUANTILE_METHODS:
        raise ValueError(f"{name}: method must be one of {QUANTILE_METHODS}, got {method!r}")
    if weights is not None and method != "inverted_cdf":
        raise NotImplementedError(f"{name}: method {method!r} does not support weights; only 'inverted_cdf' does")
    a, q = promote_to_inexact(asarray(a), q if type(q) in (int, float) else asarray(q))
    a, q = asarray(a), asarray(q)
    if a.dtype.kind == "c":
        # As JAX: complex values have no order that makes their quantiles meaningful.
        raise ValueError(f"{name}: complex input is not supported, as its quantiles are poorly defined")
    if q.ndim > 1:
        raise ValueError(f"{name}: q must have rank <= 1, got shape {q.shape}")
    _check_q(name, q)
    axes = canonical_axes(axis, a.ndim)
    if builtins.any(a.shape[d] == 0 for d in axes):
        raise ValueError(f"{name}: cannot take a quantile over an empty axis of an array of shape {a.shape}")
    rows = _rows(a, axes)
    nq = q.size
    flat_q = lax.reshape(q, (nq,))
    rows_nan = isnan(rows)
    if weights is not None:
        w = _weights_like(name, a, asarray(weights), axis, axes)
        w = _rows(convert(w, a.dtype), axes)
        order = lax_argsort(rows, rows.ndim - 1)
        sorted_rows = lax_take_along_axis(rows, order, rows.ndim - 1)
        w = lax_take_along_axis(w, order, rows.ndim - 1)
    else:
        sorted_rows = lax.sort(rows, rows.ndim - 1)
        w = None
    m = rows.shape[-1]
    if ignore_nan:
        count = sum(lax.bitwise_not(rows_nan), axis=-1, keepdims=True, dtype=a.dtype)
    else:
        count = lax.full(rows.shape[:-1] + (1,), float(m), a.dtype)
    grid = rows.shape[:-1] + (nq,)
    q_grid = lax.broadcast_in_dim(flat_q, grid, (len(grid) - 1,))
    last = lax.broadcast_in_dim(lax.reshape(count - 1, rows.shape[:-1]), grid, tuple(range(len(grid) - 1)))

    out = _quantiles_of_sorted(method, sorted_rows, w, q_grid, count, grid, last)
    if not ignore_nan:
        # A NaN anywhere in a slice makes its quantiles NaN, as in NumPy.
        out = where(any(rows_nan, axis=-1, keepdims=True), np.nan, out)
    out = lax.transpose(out, (out.ndim - 1,) + tuple(range(out.ndim - 1)))
    out = lax.reshape(out, q.shape + rows.shape[:-1])
    if keepdims:
        out = lax.reshape(out, q.shape + tuple(1 if d in axes else n for d, n in enumerate(a.shape)))
    return out


def _quantiles_of_sorted(method: str, sorted_rows: Any, w: Any, q_grid: Any, count: Any, grid: tuple, last: Any) -> Any:
    """The quantiles ``q_grid`` of each row of ``sorted_rows`` by ``method``, a row's valid
    entries (``count`` of them) ending at index ``last``."""

    def at(position: Any) -> Any:
        index = lax.convert_element_type(clip(position, 0, last), dtypes.int64)
        return lax_take_along_axis(sorted_rows, index, sorted_rows.ndim - 1)

    if method == "inverted_cdf":
        return at(_inverted_cdf_position(sorted_rows, w, q_grid, count, grid))
    position = q_grid * last
    low, high = floor(position), ceil(position)
    if method == "lower":
        return at(low)
    if method == "higher":
        return at(high)
    if method == "nearest":
        return at(round(position))  # half to even, as NumPy
    if method == "midpoint":
        return (at(low) + at(high)) * 0.5
    return _lerp(at(low), at(high), position - low)


def _lerp(a: Any, b: Any, t: Any) -> Any:
    # NumPy's form: exact at both ends, and monotone in t.
    diff = b - a
    return where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def _inverted_cdf_position(sorted_rows: Any, w: Any, q_grid: Any, count: Any, grid: tuple) -> Any:
    """The first sorted position whose cumulative weight reaches ``q`` of the total."""
    if w is None:
        # Unit weights: the cumulative weight at position i is i + 1.
        return ceil(q_grid * lax.broadcast_in_dim(lax.reshape(count, grid[:-1]), grid, tuple(range(len(grid) - 1)))) - 1
    w = where(isnan(sorted_rows), 0, w)
    cumulative = lax.cumsum(w, w.ndim - 1)
    total = lax.slice(cumulative, (0,) * (w.ndim - 1) + (w.shape[-1] - 1,), w.shape)
    target = q_grid * total
    below = less(lax.expand_dims(cumulative, (w.ndim - 1,)), lax.expand_dims(target, (w.ndim,)))
    return sum(below, axis=-1, dtype=sorted_rows.dtype)


def _weights_like(name: str, a: Any, w: Any, axis: Axis, axes: Sequence[int]) -> Any:
    """``w`` broadcast to ``a``: it is either ``a``'s shape or the shape of the reduced axes."""
    if w.shape == a.shape:
        return w
    if axis is None:
        raise ValueError(f"{name}: weights of shape {w.shape} must have a's shape {a.shape} when axis is None")
    reduced = tuple(a.shape[d] for d in axes)
    if w.shape != reduced:
        raise ValueError(f"{name}: weights of shape {w.shape} must have shape {a.shape} or {reduced}")
    return lax.broadcast_in_dim(w, a.shape, tuple(axes))


def quantile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
             overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
             weights: ArrayLike | None = None) -> Any:
    """The ``q``-th quantiles (``q`` in [0, 1], a scalar or 1-d) of ``a`` over ``axis``;
    the result's leading axes are ``q``'s.

    ``method`` is one of ``"linear"`` (default), ``"lower"``, ``"higher"``, ``"midpoint"``,
    ``"nearest"`` and ``"inverted_cdf"`` (the only one that takes ``weights``).

    >>> quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.25, 0.5]))
    array([1.75, 2.5 ])
    """
    _check_out("quantile", out)
    return quantile_along("quantile", a, q, axis, method, keepdims, False, weights)


def percentile(a: ArrayLike, q: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
               weights: ArrayLike | None = None) -> Any:
    """``quantile`` with ``q`` in percent (0 to 100).

    >>> percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50)
    array(2.5)
    """
    _check_out("percentile", out)
    return quantile_along("percentile", a, _percent(a, q), axis, method, keepdims, False, weights)


def _percent(a: ArrayLike, q: ArrayLike) -> Any:
    a, q = promote_to_inexact(asarray(a), q if type(q) in (int, float) else asarray(q))
    return divide(q, 100)


def median(a: ArrayLike, axis: int | tuple[int, ...] | None = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Any:
    """The median over ``axis`` (the mean of the two middle values for an even count).

    >>> median(np.array([[3.0, 1.0, 2.0], [4.0, 6.0, 5.0]]), axis=1)
    array([2., 5.])
    """
    _check_out("median", out)
    return quantile_along("median", a, 0.5, axis, "linear", keepdims, False)


def _check_out(name: str, out: None) -> None:
    if out is not None:
        raise NotImplementedError(f"{name}: the out argument is not supported (arrays are immutable)")


def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None, returned: bool = False,
            keepdims: bool = False) -> Any:
    """The weighted mean over ``axis``; with ``returned``, also the sum of the weights
    (broadcast to the result's shape).

    ``weights`` has ``a``'s shape, or is 1-d along a single ``axis``.

    >>> average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0]), returned=True)
    (array(2.75), array(4.))
    """
    a = asarray(a)
    if weights is None:
        a = promote_to_inexact(a)[0]
        axes = canonical_axes(axis, a.ndim)
        count = float(np.prod([a.shape[d] for d in axes], dtype=np.int64))
        avg = divide(sum(a, axis, keepdims=keepdims), count)
        total = lax.full(avg.shape, count, avg.dtype)
        return (avg, total) if returned else avg
    a, w = promote_to_inexact(a, asarray(weights))
    a, w = asarray(a), asarray(w)
    if w.shape != a.shape:
        if axis is None:
            raise TypeError(f"average: weights of shape {w.shape} differ from a's shape {a.shape}; give an axis")
        if w.ndim != 1 or isinstance(axis, (tuple, list)):
            raise TypeError(f"average: 1-d weights need a single axis, got weights of shape {w.shape}")
        ax = canonical_axis(axis, a.ndim)
        if w.shape[0] != a.shape[ax]:
            raise ValueError(f"average: weights of length {w.shape[0]} differ from a's axis {ax} of length {a.shape[ax]}")
        w = lax.broadcast_in_dim(w, a.shape, (ax,))
    total = sum(w, axis, keepdims=keepdims)
    avg = divide(sum(a * w, axis, keepdims=keepdims), total)
    return (avg, total) if returned else avg


def ptp(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False) -> Any:
    """The range (maximum minus minimum) over ``axis``.

    >>> ptp(np.array([[4, 9, 2], [1, 7, 3]]), axis=1)
    array([7, 6])
    """
    _check_out("ptp", out)
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def count_nonzero(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Any:
    """How many elements along ``axis`` are not zero (an int64 count).

    >>> count_nonzero(np.array([[0, 1, 7], [0, 0, 2]]), axis=1)
    array([2, 1])
    """
    a = asarray(a)
    nonzero = a if a.dtype == np.bool_ else lax.ne(a, lax.full_like(a, 0))
    return sum(nonzero, axis, dtype=dtypes.int64, keepdims=keepdims)


def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: ArrayLike | None = None, aweights: ArrayLike | None = None, dtype: Any = None) -> Any:
    """The covariance matrix of the variables in the rows of ``m`` (columns if not ``rowvar``)
    and of ``y``, with integer frequency weights ``fweights`` and observation weights
    ``aweights``; normalised by ``N - 1`` (``N`` with ``bias``, ``N - ddof`` with ``ddof``).

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    m = asarray(m)
    if m.ndim > 2:
        raise ValueError(f"cov: m has more than 2 dimensions (shape {m.shape})")
    x = _observations(m, rowvar, dtype)
    if y is not None:
        y = asarray(y)
        if y.ndim > 2:
            raise ValueError(f"cov: y has more than 2 dimensions (shape {y.shape})")
        x = concatenate([x, _observations(y, rowvar, dtype)], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _observation_weights("fweights", fweights, n, x.dtype, integral=True)
    if aweights is not None:
        aw = _observation_weights("aweights", aweights, n, x.dtype)
        w = aw if w is None else w * aw
    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    if w is None:
        fact = lax.full((), float(n - ddof), x.dtype)
    else:
        w_sum = w_sum[0]
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * sum(w * aw) / w_sum
    fact = lax.max(fact, lax.full_like(fact, 0))  # NumPy warns and divides by zero
    centered = x - lax.broadcast_in_dim(avg, x.shape, (0,))
    weighted = centered if w is None else centered * lax.broadcast_in_dim(w, x.shape, (1,))
    c = divide(dot(centered, transpose(weighted)), fact)
    return squeeze(c)


def _observations(m: Any, rowvar: bool, dtype: Any) -> Any:
    x = atleast_2d(m)
    x = convert(x, np.dtype(dtype)) if dtype is not None else promote_to_inexact(x)[0]
    if not rowvar and x.shape[0] != 1:
        x = transpose(x)
    return x


def _observation_weights(name: str, w: ArrayLike, n: int, dtype: np.dtype, integral: bool = False) -> Any:
    w = asarray(w)
    if w.ndim != 1:
        raise RuntimeError(f"cov: {name} must be 1-d, got shape {w.shape}")
    if w.shape[0] != n:
        raise RuntimeError(f"cov: {name} has length {w.shape[0]}, but there are {n} observations")
    if core.is_concrete(w):
        value = np.asarray(core.concrete_or_error(w))
        if integral and not np.all(value == np.around(value)):
            raise TypeError(f"cov: {name} must be integers")
        if np.any(value < 0):
            raise ValueError(f"cov: {name} cannot be negative")
    return convert(w, dtype)


def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, dtype: Any = None) -> Any:
    """Pearson correlation coefficients: ``cov`` normalised by the standard deviations,
    clipped to [-1, 1].

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [4.0, 2.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return divide(c, c)
    d = lax.broadcast_in_dim(sqrt(diagonal(c)), c.shape, (0,))
    return clip(c / d / transpose(d), -1, 1)
