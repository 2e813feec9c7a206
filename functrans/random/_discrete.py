"""Counts: exact Poisson and binomial samplers (rejection and inversion loops over whole
arrays, ``lax.while_loop``, so they batch under ``vmap`` and compile under ``jit``),
multinomial counts built from binomials, and categorical draws by the Gumbel-max trick.

Poisson: Knuth's multiplication method below rate 10, Hörmann's transformed rejection with
squeeze (PTRS, "The transformed rejection method for generating Poisson random variables",
1993) above. Binomial: the geometric waiting-time inversion while ``n * min(p, 1-p) <= 10``,
Hörmann's BTRS ("The generation of binomial random variates", 1993) above. These are the
samplers NumPy and JAX use; the streams differ.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes, lax
from .. import numpy as fnp
from ._continuous import gumbel
from ._prng import (  # noqa: F401  (key: the doctests use it)
    Array, Shape, check_key, float_dtype, int_dtype, key, param, round_uniforms, sample_shape, shape_tuple, split,
)


def _float_param_dtype(*params: Any) -> np.dtype:
    """The float dtype the samplers compute in: the parameters' (float32 only if all are), else float64."""
    kinds = [fnp.asarray(p).dtype for p in params]
    return np.dtype(np.float32) if all(k == np.float32 for k in kinds) else np.dtype(np.float64)


def _rejection_loop(key: Array, shape: tuple, dtype: np.dtype, propose, start: Array) -> Array:
    """Draw ``(u, v)`` pairs (u uniform on (-1/2, 1/2), v on (0, 1]) for every element until each
    has one that ``propose(u, v) -> (candidate, accepted)`` accepts; elements already marked
    accepted in ``start`` keep their value."""

    def not_all_accepted(state):
        return ~fnp.all(state[2])

    def redraw_the_rejected(state):
        i, value, done = state
        uv = round_uniforms(key, i, shape, dtype, 2)
        candidate, accept = propose(uv[0] - 0.5, 1.0 - uv[1])
        return i + 1, fnp.where(accept & ~done, candidate, value), done | accept

    return lax.while_loop(not_all_accepted, redraw_the_rejected, (0, fnp.full(shape, -1.0, dtype), start))[1]


def _poisson_knuth(key: Array, lam: Array) -> Array:
    """Count uniforms until their product falls to ``exp(-lam)`` (expected ``lam + 1`` rounds)."""
    shape, dtype = lam.shape, lam.dtype

    def any_running(state):
        return fnp.any(state[2] > -lam)

    def multiply_in(state):
        i, count, log_product = state
        count = fnp.where(log_product > -lam, count + 1.0, count)
        return i + 1, count, log_product + fnp.log1p(-round_uniforms(key, i, shape, dtype, 1)[0])

    zeros = fnp.zeros(shape, dtype)
    return lax.while_loop(any_running, multiply_in, (0, zeros, zeros))[1] - 1.0


def _poisson_ptrs(key: Array, lam: Array) -> Array:
    log_lam = fnp.log(lam)
    b = 0.931 + 2.53 * fnp.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)

    def propose(u, v):
        us = 0.5 - fnp.abs(u)
        k = fnp.floor((2.0 * a / us + b) * u + lam + 0.43)
        squeeze = (us >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((us < 0.013) & (v > us))
        log_ratio = fnp.log(v * inv_alpha / (a / (us * us) + b))
        log_pmf = -lam + k * log_lam - lax.lgamma(fnp.maximum(k, 0.0) + 1.0)
        return k, squeeze | (~reject & (log_ratio <= log_pmf))

    return _rejection_loop(key, lam.shape, lam.dtype, propose, fnp.zeros(lam.shape, np.bool_))


def poisson(key: Array, lam: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Poisson(``lam``) counts (integers, default int64); -1 where ``lam`` is negative, nan or infinite.

    >>> x = poisson(key(0), np.array([3.0, 30.0]), (2000, 2))
    >>> np.round(x.mean(0), 0)
    array([ 3., 30.])
    """
    key, dtype = check_key(key, "poisson"), int_dtype(dtype, "poisson")
    shape = sample_shape("poisson", shape, lam)
    lam = param(lam, shape, _float_param_dtype(lam))
    valid = (lam >= 0) & fnp.isfinite(lam)
    small = lam < 10.0
    key_small, key_large = split(key)
    # Each sampler sees harmless rates where the other one's result is used.
    knuth = _poisson_knuth(key_small, fnp.where(valid & small, lam, 0.0))
    ptrs = _poisson_ptrs(key_large, fnp.where(valid & ~small, lam, 1e5))
    counts = fnp.where(small, knuth, ptrs)
    return fnp.astype(fnp.where(valid, fnp.where(lam == 0, 0.0, counts), -1.0), dtype)


# Stirling-series remainders log(k!) - (log sqrt(2 pi) + (k + 1/2) log(k + 1) - (k + 1)) for k = 0..9.
_STIRLING_TAIL = np.array([
    0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
    0.0138761288230707, 0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287,
])


def _stirling_tail(k: Array) -> Array:
    """The remainder of Stirling's series for ``log(k!)``: a table below 10, three terms above."""
    table = fnp.take(fnp.astype(_STIRLING_TAIL, k.dtype), fnp.astype(fnp.clip(k, 0, 9), np.int32))
    k1_squared = (k + 1.0) * (k + 1.0)
    series = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / k1_squared) / k1_squared) / (k + 1.0)
    return fnp.where(k <= 9, table, series)


def _binomial_inversion(key: Array, n: Array, q: Array) -> Array:
    """Sum geometric waiting times until they pass ``n`` (expected ``n q + 1`` rounds)."""
    shape, dtype = q.shape, q.dtype
    log_1mq = fnp.log1p(-q)

    def any_running(state):
        return fnp.any(state[2] <= n)

    def add_a_wait(state):
        i, count, waited = state
        count = fnp.where(waited <= n, count + 1.0, count)
        wait = fnp.ceil(fnp.log1p(-round_uniforms(key, i, shape, dtype, 1)[0]) / log_1mq)
        return i + 1, count, waited + wait

    zeros = fnp.zeros(shape, dtype)
    return lax.while_loop(any_running, add_a_wait, (0, zeros, zeros))[1] - 1.0


def _binomial_btrs(key: Array, n: Array, q: Array) -> Array:
    spread = fnp.sqrt(n * q * (1.0 - q))
    b = 1.15 + 2.53 * spread
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    v_r = 0.92 - 4.2 / b
    odds = q / (1.0 - q)
    alpha = (2.83 + 5.1 / b) * spread
    mode = fnp.floor((n + 1.0) * q)

    def propose(u, v):
        us = 0.5 - fnp.abs(u)
        k = fnp.floor((2.0 * a / us + b) * u + c)
        squeeze = (us >= 0.07) & (v <= v_r)
        inside = (k >= 0) & (k <= n)
        ks = fnp.clip(k, 0.0, n)  # keeps the logarithms finite where k is rejected anyway
        log_ratio = fnp.log(v * alpha / (a / (us * us) + b))
        bound = ((mode + 0.5) * fnp.log((mode + 1.0) / (odds * (n - mode + 1.0)))
                 + (n + 1.0) * fnp.log((n - mode + 1.0) / (n - ks + 1.0))
                 + (ks + 0.5) * fnp.log(odds * (n - ks + 1.0) / (ks + 1.0))
                 + _stirling_tail(mode) + _stirling_tail(n - mode) - _stirling_tail(ks) - _stirling_tail(n - ks))
        return k, squeeze | (inside & (log_ratio <= bound))

    return _rejection_loop(key, q.shape, q.dtype, propose, fnp.zeros(q.shape, np.bool_))


def _binomial(key: Array, n: Array, p: Array) -> Array:
    """Binomial counts (as floats) for ``n``, ``p`` of one shape and float dtype."""
    n = fnp.floor(n)  # a fractional count is rounded down, as NumPy does
    invalid = fnp.isnan(n) | (n < 0) | fnp.isnan(p) | (p < 0) | (p > 1)
    flip = p > 0.5
    q = fnp.where(flip, 1.0 - p, p)
    degenerate = invalid | (q == 0) | fnp.isinf(n)
    use_inversion = n * q <= 10.0
    key_inv, key_btrs = split(key)
    # Each sampler sees harmless parameters where the other one's result (or none) is used.
    inversion = _binomial_inversion(key_inv, fnp.where(use_inversion & ~degenerate, n, 0.0),
                                    fnp.where(degenerate, 0.5, q))
    btrs = _binomial_btrs(key_btrs, fnp.where(use_inversion | degenerate, 1e4, n),
                          fnp.where(use_inversion | degenerate, 0.5, q))
    k = fnp.where(use_inversion, inversion, btrs)
    k = fnp.where(q == 0, 0.0, k)
    k = fnp.where(flip, n - k, k)
    k = fnp.where(fnp.isinf(n) & (q > 0), np.inf, k)
    return fnp.where(invalid, np.nan, k)


def binomial(key: Array, n: Any, p: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Binomial(``n``, ``p``) counts as floats (default float64, as JAX); nan for invalid
    parameters (negative or nan ``n``, ``p`` outside [0, 1]), inf for infinite ``n``.

    >>> x = binomial(key(0), 40, np.array([0.1, 0.5]), (2000, 2))
    >>> np.round(x.mean(0), 0)
    array([ 4., 20.])
    """
    key, dtype = check_key(key, "binomial"), float_dtype(dtype, "binomial")
    shape = sample_shape("binomial", shape, n, p)
    work = _float_param_dtype(p)
    return fnp.astype(_binomial(key, param(n, shape, work), param(p, shape, work)), dtype)


def multinomial(key: Array, n: Any, p: Any, *, shape: Shape | None = None, dtype: Any = None,
                unroll: int | bool = 1) -> Array:
    """Counts of ``n`` draws over the categories of the last axis of ``p`` (one binomial per
    category on what the earlier ones left). ``shape`` (default ``p.shape``) ends with the number
    of categories; ``n`` broadcasts to ``shape[:-1]``. ``unroll`` is accepted for JAX's signature.

    >>> counts = multinomial(key(0), 10, np.array([0.2, 0.3, 0.5]), shape=(4, 3))
    >>> counts.sum(-1).tolist()
    [10.0, 10.0, 10.0, 10.0]
    """
    key, dtype = check_key(key, "multinomial"), float_dtype(dtype, "multinomial")
    p = fnp.asarray(p)
    if p.ndim < 1:
        raise ValueError(f"multinomial: p must have at least one axis (the categories), got shape {p.shape}")
    work = _float_param_dtype(p)
    shape = p.shape if shape is None else shape_tuple(shape)
    sample_shape("multinomial", shape, p)
    batch = shape[:-1]
    n = param(n, batch, work)
    p = fnp.moveaxis(param(p, shape, work), -1, 0)
    # The chance of category i among those not drawn yet: p_i / (p_i + ... + p_last).
    remaining = fnp.flip(fnp.cumsum(fnp.flip(p, 0), axis=0), 0)
    ratios = fnp.clip(p / fnp.where(remaining == 0, 1.0, remaining), 0.0, 1.0)

    def draw_category(left, ratio_key):
        ratio, k = ratio_key
        count = _binomial(k, left, ratio)
        return left - count, count

    _, counts = lax.scan(draw_category, n, (ratios, split(key, shape[-1])))
    return fnp.astype(fnp.moveaxis(counts, 0, -1), dtype)


def categorical(key: Array, logits: Any, axis: int = -1, shape: Shape | None = None, replace: bool = True,
                mode: str | None = None) -> Array:
    """Category indices drawn with probabilities ``softmax(logits, axis)`` (the Gumbel-max trick).
    ``shape`` (default: ``logits``' shape without ``axis``) is sample dimensions followed by that
    batch shape; ``replace=False`` draws distinct categories (Gumbel top-k).

    >>> categorical(key(0), np.log(np.array([0.0, 1.0, 0.0]) + 1e-30), shape=(3,)).tolist()
    [1, 1, 1]
    """
    key = check_key(key, "categorical")
    logits = fnp.asarray(logits)
    if not dtypes.is_float(logits.dtype):
        logits = fnp.astype(logits, np.float64)
    if logits.ndim == 0:
        raise ValueError("categorical: logits must have at least one axis (the categories), got a scalar")
    axis = axis % logits.ndim
    batch = logits.shape[:axis] + logits.shape[axis + 1:]
    shape = batch if shape is None else shape_tuple(shape)
    sample_shape("categorical", shape, fnp.zeros(batch))
    prefix = shape[:len(shape) - len(batch)]
    if replace:
        tail = shape[len(prefix):]
        noise_shape = (*prefix, *tail[:axis], logits.shape[axis], *tail[axis:])
        noisy = gumbel(key, noise_shape, logits.dtype, mode) + fnp.reshape(logits, (1,) * len(prefix) + logits.shape)
        return fnp.argmax(noisy, axis=len(prefix) + axis)
    count = math.prod(prefix)
    if count > logits.shape[axis]:
        raise ValueError(f"categorical: the number of samples without replacement ({count}) cannot exceed "
                         f"the number of categories ({logits.shape[axis]})")
    if shape != (*prefix, *batch):
        raise ValueError(f"categorical: without replacement, shape must be sample dimensions followed by the "
                         f"batch shape {batch}, got {shape}")
    noisy = fnp.moveaxis(logits + gumbel(key, logits.shape, logits.dtype, mode), axis, -1)
    top = fnp.argsort(-noisy, axis=-1)[..., :count]
    return fnp.reshape(fnp.moveaxis(top, -1, 0), shape)
