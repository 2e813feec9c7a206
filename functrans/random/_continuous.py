"""Samplers that transform uniform or normal draws in closed form (inverse CDFs and friends)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as fnp
from ._basic import bernoulli, normal, uniform
from ._prng import (  # noqa: F401  (key: the doctests use it)
    Array, Shape, check_key, float_dtype, int_dtype, key, open_unit_floats, param, sample_shape, shape_tuple, split,
    unit_floats,
)


def _plain(key: Array, shape: Shape, dtype: Any, where: str) -> tuple[Array, tuple[int, ...], np.dtype]:
    """The checked key, shape and float dtype of a sampler without parameters."""
    return check_key(key, where), shape_tuple(shape), float_dtype(dtype, where)


def _with_params(key: Array, shape: Shape | None, dtype: Any, where: str, *params: Any) -> tuple:
    """The checked key, the output shape, the float dtype, and the parameters broadcast to that shape."""
    key, dtype = check_key(key, where), float_dtype(dtype, where)
    shape = sample_shape(where, shape, *params)
    return (key, shape, dtype, *(param(p, shape, dtype) for p in params))


def exponential(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Exponential floats with rate 1 (``-log(1 - u)``).

    >>> bool((exponential(key(0), (100,)) >= 0).all())
    True
    """
    key, shape, dtype = _plain(key, shape, dtype, "exponential")
    return -fnp.log1p(-unit_floats(key, shape, dtype))


def cauchy(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Standard Cauchy floats (``tan(pi * (u - 1/2))``).

    >>> cauchy(key(0), (2, 3)).shape
    (2, 3)
    """
    key, shape, dtype = _plain(key, shape, dtype, "cauchy")
    u = uniform(key, shape, dtype, minval=float(np.finfo(dtype).eps), maxval=1.0)
    return fnp.tan(math.pi * (u - 0.5))


def laplace(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Standard Laplace floats (density ``exp(-|x|) / 2``).

    >>> laplace(key(0), (3,), np.float32).dtype
    dtype('float32')
    """
    key, shape, dtype = _plain(key, shape, dtype, "laplace")
    u = uniform(key, shape, dtype, minval=-1.0 + float(np.finfo(dtype).epsneg), maxval=1.0)
    return fnp.sign(u) * fnp.log1p(-fnp.abs(u))


def logistic(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Standard logistic floats (``log(u / (1 - u))``).

    >>> logistic(key(0), (4,)).shape
    (4,)
    """
    key, shape, dtype = _plain(key, shape, dtype, "logistic")
    u = uniform(key, shape, dtype, minval=float(np.finfo(dtype).tiny), maxval=1.0)
    return fnp.log(u) - fnp.log1p(-u)


def gumbel(key: Array, shape: Shape = (), dtype: Any = None, mode: str | None = None) -> Array:
    """Standard Gumbel floats (``-log(-log(u))``). ``mode='high'`` (or ``'highest'``) spends a
    second draw to resolve the far right tail, where ``u`` is close to 1.

    >>> gumbel(key(0), (2,)).shape
    (2,)
    """
    key, shape, dtype = _plain(key, shape, dtype, "gumbel")
    mode = "low" if mode is None else mode
    if mode not in ("low", "high", "highest"):
        raise ValueError(f"gumbel: mode must be 'low', 'high' or 'highest', got {mode!r}")
    info = np.finfo(dtype)
    if mode == "low":
        u = uniform(key, shape, dtype, minval=float(info.tiny), maxval=1.0)
        return -fnp.log(-fnp.log(u))
    u = uniform(key, (2, *shape), dtype)
    # Below 1/2 the second draw fills in the bits below the first's resolution.
    x = fnp.where(u[0] >= 0.5, u[0], u[0] + 2.0 ** -info.nmant * u[1] + float(info.tiny))
    return -fnp.log(-fnp.log1p(-x))


def lognormal(key: Array, sigma: Any = 1.0, shape: Shape | None = None, dtype: Any = None) -> Array:
    """``exp(sigma * z)`` for standard normal ``z``.

    >>> bool((lognormal(key(0), 0.5, (10,)) > 0).all())
    True
    """
    key, shape, dtype, sigma = _with_params(key, shape, dtype, "lognormal", sigma)
    return fnp.exp(normal(key, shape, dtype) * sigma)


def maxwell(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Maxwell floats: the length of a standard normal 3-vector.

    >>> maxwell(key(0), (5,)).shape
    (5,)
    """
    key, shape, dtype = _plain(key, shape, dtype, "maxwell")
    return fnp.sqrt(fnp.sum(fnp.square(normal(key, (*shape, 3), dtype)), axis=-1))


def double_sided_maxwell(key: Array, loc: Any, scale: Any, shape: Shape = (), dtype: Any = None) -> Array:
    """A Maxwell float with a random sign, scaled and shifted: ``loc + scale * s * m``.
    As in JAX, the output shape is ``shape + broadcast(loc, scale).shape`` (``shape`` alone
    when it is given and the parameters are scalars).

    >>> double_sided_maxwell(key(0), 0.0, np.ones(3), (2,)).shape
    (2, 3)
    """
    key, shape, dtype = _plain(key, shape, dtype, "double_sided_maxwell")
    shape = shape + sample_shape("double_sided_maxwell", None, loc, scale)
    k_magnitude, k_sign = split(key)
    signs = fnp.astype(rademacher(k_sign, shape, np.int8), dtype)
    return signs * maxwell(k_magnitude, shape, dtype) * param(scale, shape, dtype) + param(loc, shape, dtype)


def pareto(key: Array, b: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Pareto floats with shape ``b`` and scale 1 (``exp(e / b)`` for exponential ``e``).

    >>> bool((pareto(key(0), 3.0, (10,)) >= 1).all())
    True
    """
    key, shape, dtype, b = _with_params(key, shape, dtype, "pareto", b)
    return fnp.exp(exponential(key, shape, dtype) / b)


def rayleigh(key: Array, scale: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Rayleigh floats (``scale * sqrt(-2 log u)``).

    >>> rayleigh(key(0), np.ones(3)).shape
    (3,)
    """
    key, shape, dtype, scale = _with_params(key, shape, dtype, "rayleigh", scale)
    return scale * fnp.sqrt(-2.0 * fnp.log(open_unit_floats(key, shape, dtype)))


def weibull_min(key: Array, scale: Any, concentration: Any, shape: Shape = (), dtype: Any = None) -> Array:
    """Weibull floats (``scale * (-log(1 - u)) ** (1 / concentration)``).

    >>> weibull_min(key(0), 1.0, 2.0, (3,)).shape
    (3,)
    """
    key, shape, dtype, scale, concentration = _with_params(key, shape, dtype, "weibull_min", scale, concentration)
    return fnp.power(-fnp.log1p(-unit_floats(key, shape, dtype)), 1.0 / concentration) * scale


def wald(key: Array, mean: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Wald (inverse Gaussian) floats with the given mean and shape 1 (Michael, Schucany and
    Haas's transformation with one normal and one uniform draw).

    >>> bool((wald(key(0), 2.0, (10,)) > 0).all())
    True
    """
    key, shape, dtype, mean = _with_params(key, shape, dtype, "wald", mean)
    k_normal, k_uniform = split(key)
    y = fnp.square(normal(k_normal, shape, dtype))
    x = mean + mean * mean * y / 2 - mean / 2 * fnp.sqrt(4 * mean * y + fnp.square(mean * y))
    return fnp.where(uniform(k_uniform, shape, dtype) <= mean / (mean + x), x, mean * mean / x)


def triangular(key: Array, left: Any, mode: Any, right: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Triangular floats on ``[left, right]`` with the density's peak at ``mode`` (inverse CDF).

    >>> t = triangular(key(0), 0.0, 1.0, 3.0, (100,))
    >>> bool((t >= 0).all() and (t <= 3).all())
    True
    """
    key, shape, dtype, left, mode, right = _with_params(key, shape, dtype, "triangular", left, mode, right)
    u = uniform(key, shape, dtype)
    width = right - left
    rising = left + fnp.sqrt(u * width * (mode - left))
    falling = right - fnp.sqrt((1 - u) * width * (right - mode))
    return fnp.where(u < (mode - left) / width, rising, falling)


def _erfinv(y: Array) -> Array:
    """The inverse error function on ``[-1, 1]`` (private until a primitive exists): Giles's
    single-precision polynomials ("Approximating the erfinv function", 2010), then three Newton
    steps on ``erf(x) = y``: float64 to a few ulp for |y| <= 0.99; nearer 1, where the inverse is
    ill-conditioned, erf of the result is within 5e-15 of y."""
    dtype = np.dtype(y.dtype)
    info = np.finfo(dtype)
    # (1 - y)(1 + y) is exact near |y| = 1, where 1 - y*y loses digits. The floor, below its value
    # at the float nearest 1, keeps w where the polynomial holds (|y| = 1 is answered separately).
    w = -fnp.log(fnp.maximum((1.0 - y) * (1.0 + y), float(info.epsneg) / 4))
    central, tail = w - 2.5, fnp.sqrt(w) - 3.0
    p_central = _horner(central, (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 2.1858087e-04,
                                  -1.25372503e-03, -4.17768164e-03, 2.46640727e-01, 1.50140941))
    p_tail = _horner(tail, (-2.00214257e-04, 1.00950558e-04, 1.34934322e-03, -3.67342844e-03, 5.73950773e-03,
                            -7.6224613e-03, 9.43887047e-03, 1.00167406, 2.83297682))
    x = fnp.where(w < 5.0, p_central, p_tail) * y
    # exp(x**2) is capped so a step at the clamped ends stays finite (erf(x) - y is 0 there).
    cap = float(np.log(info.max)) - 1.0
    for _ in range(3):
        x = x - (lax.erf(x) - y) * (math.sqrt(math.pi) / 2) * fnp.exp(fnp.minimum(x * x, cap))
    return fnp.where(fnp.abs(y) < 1.0, x, fnp.astype(fnp.where(y < 0, -np.inf, np.inf), dtype))


def _horner(x: Array, coefficients: tuple[float, ...]) -> Array:
    acc = fnp.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        acc = acc * x + c
    return acc


def _step_inward(x: Array, direction: float) -> Array:
    """A float a step of one or two ulp from ``x`` towards ``direction`` (+1 or -1); an infinite
    ``x`` becomes the largest finite float of its sign (as ``nextafter`` from an infinity)."""
    info = np.finfo(np.dtype(x.dtype))
    finite = fnp.isfinite(x)
    safe = fnp.where(finite, x, 0.0)
    # |x| * eps is between one and two ulp of x, never less: the sum moves off x.
    stepped = safe + direction * fnp.maximum(fnp.abs(safe) * float(info.eps), float(info.tiny))
    return fnp.where(finite, stepped, fnp.sign(x) * float(info.max))


def truncated_normal(key: Array, lower: Any, upper: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """Standard normal floats conditioned on ``lower < x < upper`` (inverse CDF through ``erf``).

    >>> x = truncated_normal(key(0), -1.0, 2.0, (1000,))
    >>> bool((x > -1).all() and (x < 2).all())
    True
    """
    key, shape, dtype, lower, upper = _with_params(key, shape, dtype, "truncated_normal", lower, upper)
    root2 = math.sqrt(2.0)
    u = uniform(key, shape, dtype, minval=lax.erf(lower / root2), maxval=lax.erf(upper / root2))
    x = root2 * _erfinv(u)
    # Rounding (or u landing on erf(lower) itself) may reach a bound; keep to the open interval.
    return fnp.clip(x, _step_inward(lax.stop_gradient(lower), 1.0), _step_inward(lax.stop_gradient(upper), -1.0))


def rademacher(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """-1 or +1 with equal probability (integers, default int64).

    >>> sorted(set(rademacher(key(0), (100,)).tolist()))
    [-1, 1]
    """
    key = check_key(key, "rademacher")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    return fnp.astype(2 * fnp.astype(bernoulli(key, 0.5, shape_tuple(shape)), np.int8) - 1, dtype)


def geometric(key: Array, p: Any, shape: Shape | None = None, dtype: Any = None) -> Array:
    """The number of Bernoulli(``p``) trials up to and including the first success (>= 1; inverse CDF).

    >>> bool((geometric(key(0), 0.5, (20,)) >= 1).all())
    True
    """
    key, dtype = check_key(key, "geometric"), int_dtype(dtype, "geometric")
    p = fnp.asarray(p)
    float_type = p.dtype if p.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    shape = sample_shape("geometric", shape, p)
    p = param(p, shape, float_type)
    # p = 1 always succeeds at once and p <= 0 never does; the logarithms are kept finite there.
    inside = (p > 0) & (p < 1)
    log_q = fnp.log1p(-fnp.where(inside, p, 0.5))
    trials = fnp.astype(fnp.floor(fnp.log(open_unit_floats(key, shape, float_type)) / log_q) + 1, np.float64)
    # The largest float64 below the dtype's maximum: the conversion cannot overflow.
    never = float(np.nextafter(np.float64(np.iinfo(dtype).max), 0.0))
    trials = fnp.where(inside, fnp.minimum(trials, never), fnp.where(p >= 1, 1.0, never))
    return fnp.astype(trials, dtype)
