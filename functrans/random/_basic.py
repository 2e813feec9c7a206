"""Uniform and normal floats, Bernoulli booleans, uniform integers, permutations and choices."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes, lax
from .. import numpy as fnp
from ..core import Tracer
from ._prng import (  # noqa: F401  (key: the doctests use it)
    Array, Shape, check_key, float_dtype, int_dtype, key, param, sample_shape, shape_tuple, unit_floats,
)


def uniform(key: Array, shape: Shape = (), dtype: Any = None, minval: Any = 0.0, maxval: Any = 1.0) -> Array:
    """Floats uniform on ``[minval, maxval)`` (bounds broadcast to ``shape``).

    >>> u = uniform(key(0), (1000,))
    >>> bool((u >= 0).all() and (u < 1).all())
    True
    """
    key = check_key(key, "uniform")
    dtype = float_dtype(dtype, "uniform")
    shape = sample_shape("uniform", shape, minval, maxval)
    low, high = param(minval, shape, dtype), param(maxval, shape, dtype)
    floats = unit_floats(key, shape, dtype)
    # Rounding of the affine map could fall below ``minval``; clamp as JAX does.
    return fnp.maximum(low, floats * (high - low) + low)


def normal(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Standard normal floats (Box-Muller: both the cosine and the sine halves are used).

    >>> float(abs(normal(key(0), (10000,)).mean())) < 0.05
    True
    """
    key = check_key(key, "normal")
    shape, dtype = shape_tuple(shape), float_dtype(dtype, "normal")
    count = math.prod(shape)
    pairs = (count + 1) // 2
    u = unit_floats(key, (2, pairs), dtype)
    radius = fnp.sqrt(-2.0 * fnp.log1p(-u[0]))  # 1 - u is in (0, 1]: the log is finite
    angle = (2.0 * math.pi) * u[1]
    both = fnp.concatenate([radius * fnp.cos(angle), radius * fnp.sin(angle)])
    return fnp.reshape(both[:count], shape)


def bernoulli(key: Array, p: Any = 0.5, shape: Shape | None = None, mode: str = "low") -> Array:
    """Booleans, True with probability ``p`` (a float; ``shape`` defaults to ``p``'s shape).
    ``mode='high'`` resolves probabilities below the float's resolution with a second draw.

    >>> bernoulli(key(0), 0.3, (4,)).dtype
    dtype('bool')
    """
    key = check_key(key, "bernoulli")
    if mode not in ("low", "high"):
        raise ValueError(f"bernoulli: got mode={mode!r}, expected 'high' or 'low'")
    p = fnp.asarray(p)
    if not dtypes.is_float(p.dtype):
        raise TypeError(f"bernoulli: the probability `p` must have a floating dtype, got {p.dtype}")
    shape = sample_shape("bernoulli", shape, p)
    if mode == "low":
        return uniform(key, shape, p.dtype) < p
    u = uniform(key, (2, *shape), p.dtype)
    return u[1] * (2.0 ** -np.finfo(p.dtype).nmant) < p - u[0]


def randint(key: Array, shape: Shape, minval: Any, maxval: Any, dtype: Any = None) -> Array:
    """Integers uniform on ``[minval, maxval)`` (bounds broadcast to ``shape``; ``minval`` where
    ``maxval <= minval``).

    >>> r = randint(key(0), (1000,), 2, 5)
    >>> sorted(set(r.tolist()))
    [2, 3, 4]
    """
    key = check_key(key, "randint")
    dtype = int_dtype(dtype, "randint")
    shape = sample_shape("randint", shape, minval, maxval)
    low, high = param(minval, shape, dtype), param(maxval, shape, dtype)
    span = high - low
    # floor(u * span) for u with 53 random bits: the bias is below span / 2**53.
    offset = fnp.astype(fnp.floor(unit_floats(key, shape, dtypes.float64) * fnp.astype(span, dtypes.float64)), dtype)
    return fnp.where(span > 0, low + fnp.clip(offset, 0, span - 1), low)


def random_order(key: Array, shape: tuple[int, ...], axis: int) -> Array:
    """Indices that shuffle each 1-D slice along ``axis``: the order of uniform random sort keys
    (53-bit floats, so ties, which would favour the original order, are negligible)."""
    return fnp.argsort(unit_floats(key, shape, dtypes.float64), axis=axis)


def _population(x: Any, axis: int, where: str) -> tuple[Array, int, int]:
    """An array to draw from, its size along the drawing axis, and that axis (``x`` may be an int n: arange(n))."""
    if isinstance(x, (int, np.integer)) or (not isinstance(x, Tracer) and np.ndim(x) == 0):
        n = int(x)
        if n < 0:
            raise ValueError(f"{where}: the population size must be non-negative, got {n}")
        return fnp.arange(n), n, 0
    x = fnp.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"{where}: x must be an integer or an array with at least one axis, got a traced scalar")
    axis = axis % x.ndim
    return x, x.shape[axis], axis


def permutation(key: Array, x: int | Array, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of ``arange(x)`` (for an int ``x``) or of ``x`` along ``axis``;
    ``independent=True`` shuffles every 1-D slice along ``axis`` separately.

    >>> sorted(permutation(key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    key = check_key(key, "permutation")
    x, n, axis = _population(x, axis, "permutation")
    if independent:
        return fnp.take_along_axis(x, random_order(key, x.shape, axis), axis)
    return fnp.take(x, random_order(key, (n,), 0), axis=axis)


def gumbel_noise(key: Array, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    tiny = float(np.finfo(dtype).tiny)  # keeps both logarithms finite
    return -fnp.log(-fnp.log(uniform(key, shape, dtype, minval=tiny, maxval=1.0)))


def choice(key: Array, a: int | Array, shape: Shape = (), replace: bool = True, p: Any = None, axis: int = 0,
           mode: str | None = None) -> Array:
    """Random elements of ``a`` (or of ``arange(a)`` for an int) along ``axis``, with or without
    replacement, uniformly or with probabilities ``p`` (normalised here). ``mode`` is accepted
    for JAX's signature; every draw here resolves small probabilities alike.

    >>> choice(key(0), 10, (3,), replace=False).shape
    (3,)
    """
    key = check_key(key, "choice")
    a, n, axis = _population(a, axis, "choice")
    shape = shape_tuple(shape)
    count = math.prod(shape)
    if not replace and count > n:
        raise ValueError(f"choice: cannot take {count} samples without replacement from a population of {n}")
    if p is None:
        indices = randint(key, shape, 0, n) if replace else lax.slice(random_order(key, (n,), 0), (0,), (count,))
    else:
        p = fnp.asarray(p)
        if p.shape != (n,):
            raise ValueError(f"choice: p must have shape ({n},) (one probability per element), got {p.shape}")
        indices = _weighted_indices(key, p, count, replace)
    return fnp.take(a, fnp.reshape(indices, shape), axis=axis)


def _weighted_indices(key: Array, p: Array, count: int, replace: bool) -> Array:
    dtype = p.dtype if dtypes.is_float(p.dtype) else dtypes.float64
    p = fnp.astype(p, dtype)
    if replace:
        # Inverse CDF: the index of u * total is the number of cumulative sums at or below it.
        cdf = fnp.cumsum(p)
        u = uniform(key, (count, 1), dtype) * cdf[-1]
        return fnp.minimum(fnp.sum(cdf[None, :] <= u, axis=1), p.shape[0] - 1)
    # Gumbel-top-k: the k largest of log p + Gumbel noise are a weighted sample without replacement.
    # Zero weights get -inf: never drawn (and no log(0) warning).
    log_p = fnp.where(p > 0, fnp.log(fnp.where(p > 0, p, 1.0)), -np.inf)
    perturbed = log_p + gumbel_noise(key, p.shape, dtype)
    return lax.slice(fnp.argsort(-perturbed), (0,), (count,))
