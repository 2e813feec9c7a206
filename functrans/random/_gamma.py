"""The gamma family: ``gamma`` and ``loggamma`` (differentiable in the shape ``a``), and the
distributions built on them (``beta``, ``dirichlet``, ``chisquare``, ``f``, ``t``,
``generalized_normal``, ``ball``).

Sampling is Marsaglia and Tsang's rejection method ("A simple method for generating gamma
variables", 2000), run on whole arrays: a ``while_loop`` redraws every element not yet
accepted, so it batches under ``vmap`` and compiles under ``jit``. Shapes below 1 are
boosted (``Gamma(a) = Gamma(a + 1) * U**(1/a)``), in log space so tiny samples keep their
logarithm. The derivative with respect to ``a`` is the implicit one, as in JAX:
``dx/da = -(dF/da) / (dF/dx)`` for the gamma CDF ``F(x; a)``.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as fnp
from ..custom_derivatives import custom_jvp
from ._basic import normal
from ._continuous import exponential, rademacher
from ._prng import (  # noqa: F401  (key: the doctests use it)
    Array, Shape, check_key, float_dtype, key, open_unit_floats, param, round_uniforms, sample_shape, shape_tuple,
    split,
)

# The series for the derivative stops here at the latest; it needs about x + 10 sqrt(x) terms.
_MAX_SERIES_TERMS = 100_000


def _log_gamma_draw(key: Array, a: Array) -> Array:
    """``log`` of one Gamma(``a``) sample per element of ``a`` (nan for a < 0 or nan, inf for inf)."""
    shape, dtype = a.shape, np.dtype(a.dtype)
    boosted = a < 1.0
    alpha = fnp.where(boosted, a + 1.0, a)
    valid = (alpha >= 1.0) & fnp.isfinite(alpha)
    d = fnp.where(valid, alpha, 1.0) - 1.0 / 3.0
    c = 1.0 / fnp.sqrt(9.0 * d)
    loop_key, boost_key = split(key)

    def not_all_accepted(state):
        return ~fnp.all(state[2])

    def redraw_the_rejected(state):
        i, log_v, done = state
        u = round_uniforms(loop_key, i, shape, dtype, 3)
        # One normal per element from the first two uniforms (Box-Muller's cosine half).
        z = fnp.sqrt(-2.0 * fnp.log1p(-u[0])) * fnp.cos((2.0 * math.pi) * u[1])
        log_u = fnp.log1p(-u[2])
        t = 1.0 + c * z
        positive = t > 0
        log_v_new = 3.0 * fnp.log(fnp.where(positive, t, 1.0))
        accept = positive & (log_u < 0.5 * z * z + d - d * t * t * t + d * log_v_new)
        return i + 1, fnp.where(accept & ~done, log_v_new, log_v), done | accept

    # Invalid shapes start accepted: they would never be.
    _, log_v, _ = lax.while_loop(not_all_accepted, redraw_the_rejected, (0, fnp.zeros(shape, dtype), ~valid))
    positive_a = a > 0
    log_boost = fnp.log(open_unit_floats(boost_key, shape, dtype)) / fnp.where(positive_a, a, 1.0)
    log_boost = fnp.where(boosted, fnp.where(positive_a, log_boost, -np.inf), 0.0)
    log_x = fnp.log(d) + log_v + log_boost
    return fnp.where(valid, log_x, fnp.where(a == np.inf, a, np.nan))


def _log_sample_derivative(a: Array, log_x: Array) -> Array:
    """``d log(x) / da`` of a Gamma(``a``) sample ``x`` held fixed in probability, i.e.
    ``-(dP/da) / (x dP/dx)`` for the regularised lower incomplete gamma function ``P(a, x)``.

    From ``P = sum_n x**(a+n) e**-x / Gamma(a+n+1)``: ``dP/da`` is the sum with each term times
    ``log x - digamma(a+n+1)``, and dividing by ``x dP/dx = x**a e**-x / Gamma(a)`` leaves
    ``q_n = x**n / (a (a+1) ... (a+n))``, built up by ratios, so no power overflows. Computed in
    float64: the terms change sign, and their sum cancels when ``x`` is far above ``a``."""
    dtype = np.dtype(a.dtype)
    a, log_x = fnp.astype(a, np.float64), fnp.astype(log_x, np.float64)
    usable = (a > 0) & fnp.isfinite(log_x) & fnp.isfinite(a)
    a = fnp.where(usable, a, 1.0)
    log_x = fnp.where(usable, log_x, 0.0)
    x = fnp.exp(log_x)
    q = 1.0 / a
    psi = lax.digamma(a + 1.0)
    total = q * (log_x - psi)

    def running(state):
        n, _, _, _, active = state
        return fnp.any(active) & (n < _MAX_SERIES_TERMS)

    def add_term(state):
        n, q, psi, total, _ = state
        step = a + (n + 1.0)
        q = q * x / step
        psi = psi + 1.0 / step
        term = q * (log_x - psi)
        total = total + term
        # Terms grow while a + n < x; after that they shrink geometrically.
        return n + 1, q, psi, total, (step < x) | (fnp.abs(term) > 1e-17 * fnp.abs(total))

    init = (0, q, psi, total, fnp.ones(a.shape, np.bool_))
    total = lax.while_loop(running, add_term, init)[3]
    return fnp.astype(fnp.where(usable, -total, 0.0), dtype)


@partial(custom_jvp, nondiff_argnums=(0,))
def _log_gamma(key: Array, a: Array) -> Array:
    return _log_gamma_draw(key, a)


@_log_gamma.defjvp
def _log_gamma_jvp(key, primals, tangents):
    (a,), (a_dot,) = primals, tangents
    log_x = _log_gamma(key, a)
    return log_x, _log_sample_derivative(lax.stop_gradient(a), lax.stop_gradient(log_x)) * a_dot


def _shaped_a(key: Array, a: Any, shape: Shape | None, dtype: Any, where: str) -> tuple[Array, Array]:
    key, dtype = check_key(key, where), float_dtype(dtype, where)
    shape = sample_shape(where, shape, a)
    return key, param(a, shape, dtype)


def loggamma(key: Array, a: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """The logarithm of Gamma(``a``, 1) samples, accurate where the samples themselves underflow
    (small ``a``). Differentiable with respect to ``a``.

    >>> bool(np.isfinite(loggamma(key(0), 1e-4, (5,))).all())
    True
    """
    key, a = _shaped_a(key, a, shape, dtype, "loggamma")
    return _log_gamma(key, a)


def gamma(key: Array, a: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Gamma(``a``, 1) floats (shape ``a``, unit scale; ``shape`` defaults to ``a``'s shape).
    Differentiable with respect to ``a`` (the implicit reparameterisation gradient).

    >>> g = gamma(key(0), np.array([1.0, 2.0, 20.0]), (1000, 3))
    >>> np.round(g.mean(0), 0)
    array([ 1.,  2., 20.])
    """
    key, a = _shaped_a(key, a, shape, dtype, "gamma")
    return fnp.exp(_log_gamma(key, a))


def beta(key: Array, a: Any, b: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Beta(``a``, ``b``) floats, as ``Ga / (Ga + Gb)`` of two gamma draws (in log space, so small
    shapes do not divide zero by zero). Differentiable with respect to ``a`` and ``b``.

    >>> x = beta(key(0), 2.0, 5.0, (1000,))
    >>> bool((x >= 0).all() and (x <= 1).all())
    True
    """
    key, dtype = check_key(key, "beta"), float_dtype(dtype, "beta")
    shape = sample_shape("beta", shape, a, b)
    key_a, key_b = split(key)
    log_a = _log_gamma(key_a, param(a, shape, dtype))
    log_b = _log_gamma(key_b, param(b, shape, dtype))
    top = fnp.maximum(log_a, log_b)
    scaled_a, scaled_b = fnp.exp(log_a - top), fnp.exp(log_b - top)
    return scaled_a / (scaled_a + scaled_b)


def dirichlet(key: Array, alpha: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Dirichlet(``alpha``) vectors along the last axis (normalised gamma draws, in log space).
    ``shape`` is the batch shape: the result has shape ``shape + alpha.shape[-1:]``.

    >>> x = dirichlet(key(0), np.ones(3), (4,))
    >>> x.shape, np.round(x.sum(-1), 6).tolist()
    ((4, 3), [1.0, 1.0, 1.0, 1.0])
    """
    key, dtype = check_key(key, "dirichlet"), float_dtype(dtype, "dirichlet")
    alpha = fnp.asarray(alpha)
    if alpha.ndim < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {alpha.ndim}")
    batch = sample_shape("dirichlet", shape, fnp.zeros(alpha.shape[:-1]))
    full = (*batch, alpha.shape[-1])
    log_g = _log_gamma(key, param(alpha, full, dtype))
    # Normalising in log space: the largest draw sets the scale, so none underflows alone.
    scaled = fnp.exp(log_g - lax.stop_gradient(fnp.max(log_g, axis=-1, keepdims=True)))
    return scaled / fnp.sum(scaled, axis=-1, keepdims=True)


def chisquare(key: Array, df: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Chi-square floats with ``df`` degrees of freedom (``2 * Gamma(df / 2)``).

    >>> chisquare(key(0), 3.0, (4,)).shape
    (4,)
    """
    key, df = _shaped_a(key, df, shape, dtype, "chisquare")
    return 2.0 * fnp.exp(_log_gamma(key, df / 2.0))


def f(key: Array, dfnum: Any, dfden: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """F-distributed floats: the ratio of two chi-squares, each divided by its degrees of freedom.

    >>> bool((f(key(0), 3.0, 7.0, (10,)) > 0).all())
    True
    """
    key, dtype = check_key(key, "f"), float_dtype(dtype, "f")
    shape = sample_shape("f", shape, dfnum, dfden)
    key_den, key_num = split(key)
    dfnum, dfden = param(dfnum, shape, dtype), param(dfden, shape, dtype)
    numerator = chisquare(key_num, dfnum, shape, dtype) / dfnum
    return numerator / (chisquare(key_den, dfden, shape, dtype) / dfden)


def t(key: Array, df: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Student's t floats with ``df`` degrees of freedom (``z * sqrt((df / 2) / Gamma(df / 2))``).

    >>> t(key(0), 5.0, (3,)).shape
    (3,)
    """
    key, df = _shaped_a(key, df, shape, dtype, "t")
    key_normal, key_gamma = split(key)
    half = df / 2.0
    return normal(key_normal, df.shape, df.dtype) * fnp.sqrt(half / fnp.exp(_log_gamma(key_gamma, half)))


def generalized_normal(key: Array, p: float, shape: Shape = (), dtype: Any = None) -> Array:
    """Generalized normal floats: density proportional to ``exp(-|x|**p)`` (p=2 is a normal
    with variance 1/2, p=1 a Laplace).

    >>> generalized_normal(key(0), 3.0, (4,)).shape
    (4,)
    """
    key, dtype = check_key(key, "generalized_normal"), float_dtype(dtype, "generalized_normal")
    shape = shape_tuple(shape)
    key_gamma, key_sign = split(key)
    magnitude = fnp.exp(_log_gamma(key_gamma, param(1.0 / fnp.asarray(p), shape, dtype)) / p)
    return fnp.astype(rademacher(key_sign, shape, np.int8), dtype) * magnitude


def ball(key: Array, d: int, p: float = 2, shape: Shape = (), dtype: Any = None) -> Array:
    """Points uniform in the unit ``p``-norm ball of dimension ``d`` (shape ``shape + (d,)``;
    Barthe, Guedon, Mendelson and Naor's generalized-normal construction).

    >>> bool((np.linalg.norm(ball(key(0), 3, shape=(100,)), axis=-1) <= 1).all())
    True
    """
    key, dtype = check_key(key, "ball"), float_dtype(dtype, "ball")
    if not isinstance(d, (int, np.integer)) or d < 0:
        raise TypeError(f"ball: the dimension d must be a non-negative Python int, got {d!r}")
    shape = shape_tuple(shape)
    key_g, key_e = split(key)
    g = generalized_normal(key_g, p, (*shape, int(d)), dtype)
    e = exponential(key_e, shape, dtype)
    return g / ((fnp.sum(fnp.abs(g) ** p, axis=-1) + e) ** (1.0 / p))[..., None]

