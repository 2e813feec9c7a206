"""Elementwise special-function primitives: error-function inverses and scalings,
incomplete gamma and beta functions, scaled Bessel functions, Hurwitz zeta,
exponential integrals, the dilogarithm and Dawson's integral.

Each is evaluated eagerly by SciPy and, inside ``jit``, by a float64 scalar kernel of
``functrans.lax._special_kernels`` (float32 operands are widened for the call and
the result rounded). Derivatives are JAX's: where JAX defines none (``betainc`` with
respect to ``a`` and ``b``), differentiating raises ``ValueError``.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import scipy.special

from .. import core
from ..autodiff import defjvp
from . import _special_kernels
from .elementwise import (
    abs, add, bitwise_and, cos, digamma, div, eq, erf, exp, floor, ge, lgamma, log, log1p, lt, mul, naryop, neg, pow, rem, select_n, sign,
    sin, stop_gradient, sub, trigamma_p, _operands,
)
from . import shape as _shape

__all__ = [
    "bessel_i0e", "bessel_i1e", "betainc", "dawsn", "erf_inv", "erfc", "erfcx", "exp1", "expi", "expn", "igamma",
    "fresnel_c", "fresnel_s", "ci", "si", "hyp1f1", "igamma_grad_a", "igammac", "ndtri", "owens_t", "polygamma", "spence", "zeta",
]


def _scipy(fn: Callable) -> Callable:
    """SciPy's ufunc computed in float64 (some of its float32 loops compute in float32) and
    rounded to the operands' dtype, as the kernels do; quiet on nan."""

    def impl(*args):
        with np.errstate(all="ignore"):
            return np.asarray(fn(*[np.asarray(a, np.float64) for a in args])).astype(np.asarray(args[0]).dtype)

    return impl


def _kernel_template(name: str, nargs: int) -> str:
    return f"kernels_special.{name}({', '.join(f'np.float64({{{i}}})' for i in range(nargs))})"


def _special(name: str, impl: Callable, kernel: str, nargs: int = 1, doc: str = ""):
    """One elementwise float primitive of ``nargs`` equal-shaped operands, its SciPy impl,
    its Numba lowering through ``kernels_special.<kernel>``, and the function binding it,
    documented by ``doc``."""
    prim = naryop(name, impl, "f", _kernel_template(kernel, nargs))

    def bind(*args):
        if nargs == 2:
            args = _operands(*args)
        return core.bind1(prim, *args)

    bind.__name__ = bind.__qualname__ = name
    bind.__doc__ = doc
    return prim, bind


def _vectorized(kernel_name: str) -> Callable:
    """A kernel as a NumPy function, for the functions SciPy lacks."""

    def impl(*args):
        return np.vectorize(getattr(_special_kernels, kernel_name), otypes=[np.float64])(*args).astype(args[0].dtype)

    return impl


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# --------------------------------------------------------------------------- error function family

erfc_p, erfc = _special("erfc", _scipy(scipy.special.erfc), "erfc", doc="""Elementwise ``1 - erf(x)``.

The complementary error function of a real floating-point operand, accurate where it is
small (large ``x``).

>>> np.round(erfc(np.array([0.0, 1.0, 10.0])), 4)
array([1.    , 0.1573, 0.    ])
""")
erf_inv_p, erf_inv = _special("erf_inv", _scipy(scipy.special.erfinv), "erfinv", doc="""Elementwise inverse of ``erf``.

For a real floating-point operand in ``[-1, 1]`` (+-inf at +-1, NaN outside).

>>> np.round(erf_inv(np.array([0.0, 0.5, 1.0])), 4)
array([0.    , 0.4769,    inf])
""")
erfcx_p, erfcx = _special("erfcx", _scipy(scipy.special.erfcx), "erfcx", doc="""Elementwise scaled complementary error function ``exp(x**2) * erfc(x)``.

For a real floating-point operand; finite where ``erfc`` underflows.

>>> np.round(erfcx(np.array([0.0, 10.0])), 4)
array([1.    , 0.0561])
""")
ndtri_p, ndtri = _special("ndtri", _scipy(scipy.special.ndtri), "ndtri", doc="""Elementwise inverse of the standard normal distribution function.

For a real floating-point operand in ``[0, 1]`` (-inf and inf at the ends).

>>> np.round(ndtri(np.array([0.5, 0.975])), 4)
array([0.  , 1.96])
""")
dawsn_p, dawsn = _special("dawsn", _scipy(scipy.special.dawsn), "dawsn", doc="""Elementwise Dawson integral ``exp(-x**2)`` times the integral of ``exp(t**2)`` from 0 to ``x``.

For a real floating-point operand.

>>> np.round(dawsn(np.array([0.0, 1.0])), 4)
array([0.    , 0.5381])
""")

defjvp(erfc_p, lambda g, ans, x: mul(g, mul(exp(neg(mul(x, x))), -_TWO_OVER_SQRT_PI)))
defjvp(erf_inv_p, lambda g, ans, x: mul(g, mul(exp(mul(ans, ans)), math.sqrt(math.pi) / 2.0)))
defjvp(erfcx_p, lambda g, ans, x: mul(g, sub(mul(mul(x, ans), 2.0), _TWO_OVER_SQRT_PI)))
defjvp(ndtri_p, lambda g, ans, x: mul(g, mul(exp(mul(mul(ans, ans), 0.5)), math.sqrt(2.0 * math.pi))))
defjvp(dawsn_p, lambda g, ans, x: mul(g, sub(1.0, mul(mul(x, ans), 2.0))))

# --------------------------------------------------------------------------- incomplete gamma

igamma_p, igamma = _special(
    "igamma", _scipy(scipy.special.gammainc), "gammainc", 2, doc="""Elementwise regularized lower incomplete gamma function ``P(a, x)``.

The integral of ``t**(a-1) exp(-t) / gamma(a)`` from 0 to ``x``.

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's.
Differentiable in both ``a`` (through ``igamma_grad_a``) and ``x``.

>>> np.round(igamma(np.array([1.0, 2.0]), np.array([1.0, 1.0])), 4)
array([0.6321, 0.2642])
""")
igammac_p, igammac = _special(
    "igammac", _scipy(scipy.special.gammaincc), "gammaincc", 2, doc="""Elementwise regularized upper incomplete gamma function ``Q(a, x)``.

``1 - igamma(a, x)``, accurate where it is small.

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's.

>>> np.round(igammac(np.array([1.0, 2.0]), np.array([1.0, 1.0])), 4)
array([0.3679, 0.7358])
""")
igamma_grad_a_p, igamma_grad_a = _special(
    "igamma_grad_a", _vectorized("igamma_grad_a"), "igamma_grad_a", 2, doc="""Elementwise derivative of ``igamma(a, x)`` in ``a``.

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's.
Differentiable in ``x`` (JAX is in neither operand); a derivative in ``a`` raises
``NotImplementedError``.

>>> np.round(igamma_grad_a(np.array([1.0, 2.0]), np.array([1.0, 1.0])), 4)
array([-0.4317, -0.2762])
""")


def _igamma_density(a, x):
    """d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)."""
    return exp(sub(mul(sub(a, 1.0), log(x)), add(x, lgamma(a))))


def _igamma_grad_a_jvp_a(g, ans, a, x):
    raise NotImplementedError("igamma_grad_a: derivatives with respect to a are not implemented (as in JAX)")


# d/dx dP/da = d/da of the density x^(a-1) e^-x / Gamma(a)
defjvp(
    igamma_grad_a_p,
    _igamma_grad_a_jvp_a,
    lambda g, ans, a, x: mul(g, mul(_igamma_density(a, x), sub(log(x), digamma(a)))),
)
defjvp(igamma_p, lambda g, ans, a, x: mul(g, igamma_grad_a(a, x)), lambda g, ans, a, x: mul(g, _igamma_density(a, x)))
defjvp(
    igammac_p,
    lambda g, ans, a, x: neg(mul(g, igamma_grad_a(a, x))),
    lambda g, ans, a, x: neg(mul(g, _igamma_density(a, x))),
)

# --------------------------------------------------------------------------- incomplete beta

betainc_p, _betainc = _special("regularized_incomplete_beta", _scipy(scipy.special.betainc), "betainc", 3)


def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function ``I_x(a, b)`` of equal-shaped operands.

    Differentiable in ``x`` only; a derivative in ``a`` or ``b`` raises ``ValueError``, as in JAX.

    >>> np.round(betainc(np.array([1.0, 2.0]), np.array([1.0, 3.0]), np.array([0.5, 0.5])), 4)
    array([0.5   , 0.6875])
    """
    return _betainc(a, b, x)


def _betainc_not_differentiable(g, ans, a, b, x):
    raise ValueError("betainc gradient with respect to a and b is not supported (as in JAX)")


def _betainc_jvp_x(g, ans, a, b, x):
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return mul(g, exp(sub(add(mul(sub(b, 1.0), log1p(neg(x))), mul(sub(a, 1.0), log(x))), log_beta)))


defjvp(betainc_p, _betainc_not_differentiable, _betainc_not_differentiable, _betainc_jvp_x)

# --------------------------------------------------------------------------- Bessel

bessel_i0e_p, bessel_i0e = _special("bessel_i0e", _scipy(scipy.special.i0e), "i0e", doc="""Elementwise ``exp(-|x|) * I0(x)``.

The exponentially scaled modified Bessel function of order 0 of a real floating-point
operand (finite where ``I0`` overflows).

>>> np.round(bessel_i0e(np.array([0.0, 1.0, 1000.0])), 4)
array([1.    , 0.4658, 0.0126])
""")
bessel_i1e_p, bessel_i1e = _special("bessel_i1e", _scipy(scipy.special.i1e), "i1e", doc="""Elementwise ``exp(-|x|) * I1(x)``.

The exponentially scaled modified Bessel function of order 1 of a real floating-point
operand (odd in ``x``).

>>> np.round(bessel_i1e(np.array([-1.0, 0.0, 1.0])), 4)
array([-0.2079,  0.    ,  0.2079])
""")


def _i1e_jvp(g, ans, x):
    # i1e'(x) = i0e(x) - i1e(x) (sign(x) + 1/x), whose limit at 0 is 1/2.
    eps = float(np.finfo(core.get_aval(x).dtype).eps)
    tiny = lt(abs(x), eps)
    safe = select_n(tiny, x, _shape.full_like(x, eps))
    slope = sub(bessel_i0e(safe), mul(ans, add(sign(safe), div(1.0, safe))))
    return mul(g, select_n(tiny, slope, _shape.full_like(x, 0.5)))


defjvp(bessel_i0e_p, lambda g, ans, x: mul(g, sub(bessel_i1e(x), mul(sign(x), ans))))
defjvp(bessel_i1e_p, _i1e_jvp)

# --------------------------------------------------------------------------- zeta and polygamma

zeta_p, zeta = _special("zeta", _scipy(scipy.special.zeta), "zeta", 2, doc="""Elementwise Hurwitz zeta function ``zeta(x, q)``.

The sum of ``(q + k) ** -x`` over ``k >= 0`` (Riemann's zeta at ``q = 1``).

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's.
NaN for ``x < 1``, as SciPy and JAX; differentiable in both operands.

>>> np.round(zeta(np.array([2.0, 2.0]), np.array([1.0, 2.0])), 4)
array([1.6449, 0.6449])
""")


def _zeta_jvp_s(g, ans, s, q):
    return mul(g, _zeta_ds(s, q))


defjvp(zeta_p, _zeta_jvp_s, lambda g, ans, s, q: mul(g, neg(mul(s, zeta(add(s, 1.0), q)))))

# B_2j / (2j)! for j = 1..8: the Euler-Maclaurin tail beyond q + 16 is then below 1e-20.
_BERNOULLI_OVER_FACTORIAL = (
    1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160, -691.0 / 1307674368000,
    1.0 / 74724249600, -3617.0 / 10670622842880000,
)


def _zeta_ds(s, q):
    """d/ds zeta(s, q), written with primitives (so it is differentiable again): the
    Euler-Maclaurin formula with 16 direct terms, differentiated term by term."""
    n_direct = 16
    total = _shape.zeros_like(s)
    for k in range(n_direct):
        w = add(q, float(k))
        total = sub(total, mul(log(w), pow(w, neg(s))))
    w = add(q, float(n_direct))
    log_w = log(w)
    power = pow(w, neg(s))  # w^-s
    head = div(mul(w, power), sub(s, 1.0))  # w^(1-s) / (s - 1)
    total = sub(total, add(mul(head, log_w), div(head, sub(s, 1.0))))
    total = sub(total, mul(mul(power, log_w), 0.5))
    # c_j(s) w^(-s-2j+1), c_j = B_2j/(2j)! s (s+1) ... (s+2j-2); its s-derivative is the term times
    # (sum_i 1/(s+i) - log w).
    rising = s
    log_slope = div(1.0, s)
    w_power = div(power, w)
    for j, coef in enumerate(_BERNOULLI_OVER_FACTORIAL):
        term = mul(mul(rising, w_power), coef)
        total = add(total, mul(term, sub(log_slope, log_w)))
        for i in (2 * j + 1, 2 * j + 2):
            rising = mul(rising, add(s, float(i)))
            log_slope = add(log_slope, div(1.0, add(s, float(i))))
        w_power = div(w_power, mul(w, w))
    return total


def polygamma(m: Any, x: Any) -> Any:
    """The ``m``-th derivative of digamma: ``(-1)^(m+1) m! zeta(m + 1, x)`` for ``m >= 1``.

    ``m`` holds whole numbers (any float dtype, equal shape to ``x``); derivatives with respect
    to ``x`` are ``polygamma(m + 1, x)``, as in JAX.

    >>> np.round(polygamma(np.array([0.0, 1.0]), np.array([1.0, 1.0])), 4)
    array([-0.5772,  1.6449])
    """
    m, x = _operands(m, x)
    m = stop_gradient(m)
    order = add(m, 1.0)
    # (-1)^(m+1) m! = -(-1)^m Gamma(m + 1); (-1)^m from the parity of m.
    parity_sign = sub(1.0, mul(rem(m, _shape.full_like(m, 2.0)), 2.0))
    scale = neg(mul(parity_sign, exp(lgamma(order))))
    value = select_n(eq(m, 0.0), mul(scale, zeta(order, x)), digamma(x))
    whole = bitwise_and(eq(m, floor(m)), ge(m, _shape.full_like(m, 0.0)))
    return select_n(whole, _shape.full_like(x, np.nan), value)  # nan for an order that is not whole, as SciPy


# digamma's derivative exists (trigamma); trigamma's is polygamma(2, x) = -2 zeta(3, x).
defjvp(trigamma_p, lambda g, ans, x: mul(g, mul(zeta(_shape.full_like(x, 3.0), x), -2.0)))

# --------------------------------------------------------------------------- exponential integrals, dilogarithm

exp1_p, exp1 = _special("exp1", _scipy(scipy.special.exp1), "exp1", doc="""Elementwise exponential integral ``E1(x)``, the integral of ``exp(-t) / t`` from ``x`` to infinity.

For a real floating-point operand (NaN below 0, as SciPy's for real input).

>>> np.round(exp1(np.array([1.0, 2.0])), 4)
array([0.2194, 0.0489])
""")
expi_p, expi = _special("expi", _scipy(scipy.special.expi), "expi", doc="""Elementwise exponential integral ``Ei(x)``, the principal value of the integral of ``exp(t) / t`` up to ``x``.

For a real floating-point operand; ``Ei(-x) == -E1(x)``.

>>> np.round(expi(np.array([1.0, -1.0])), 4)
array([ 1.8951, -0.2194])
""")
expn_p, expn = _special("expn", _scipy(scipy.special.expn), "expn", 2, doc="""Elementwise generalized exponential integral ``E_n(x)``, the integral of ``exp(-x t) / t**n`` from 1 to infinity.

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's.
``n`` holds whole numbers in a float dtype.

>>> np.round(expn(np.array([2.0, 2.0]), np.array([1.0, 0.0])), 4)
array([0.1485, 1.    ])
""")
spence_p, spence = _special("spence", _scipy(scipy.special.spence), "spence", doc="""Elementwise dilogarithm as SciPy defines it: the integral of ``log(t) / (1 - t)`` from 1 to ``x``.

For a real floating-point operand (NaN below 0).

>>> np.round(spence(np.array([1.0, 2.0])), 4)
array([ 0.    , -0.8225])
""")


def _expn_jvp_n(g, ans, n, x):
    raise ValueError("expn is not differentiable with respect to its integer order n")


defjvp(exp1_p, lambda g, ans, x: mul(g, neg(div(exp(neg(x)), x))))
defjvp(expi_p, lambda g, ans, x: mul(g, div(exp(x), x)))
def _expn_jvp_x(g, ans, n, x):
    # E_n' = -E_{n-1}, with E_{-1}(x) = e^-x (1/x + 1/x^2) for n = 0 (expn's domain stops at 0).
    order_zero = eq(n, 0.0)
    lower = expn(select_n(order_zero, sub(n, 1.0), _shape.zeros_like(n)), x)
    inverse = div(1.0, x)
    at_zero = mul(exp(neg(x)), add(inverse, mul(inverse, inverse)))
    return mul(g, neg(select_n(order_zero, lower, at_zero)))


defjvp(expn_p, _expn_jvp_n, _expn_jvp_x)


def _spence_jvp(g, ans, x):
    # d/dx Li2(1 - x) = log(x) / (1 - x), whose limit at x = 1 is -1.
    at_one = eq(x, 1.0)
    safe = select_n(at_one, x, _shape.full_like(x, 2.0))
    slope = div(log(safe), sub(1.0, safe))
    return mul(g, select_n(at_one, slope, _shape.full_like(x, -1.0)))


defjvp(spence_p, _spence_jvp)

# --------------------------------------------------------------------------- Owen's T

owens_t_p, owens_t = _special("owens_t", _scipy(scipy.special.owens_t), "owens_t", 2, doc="""Elementwise Owen's T function ``T(h, a)``.

For ``h, a >= 0``, the probability that independent standard normals ``X`` and ``Y``
have ``X > h`` and ``0 < Y < a X``.

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's.

>>> np.round(owens_t(np.array([0.0, 1.0]), np.array([1.0, 0.5])), 4)
array([0.125 , 0.0431])
""")

# dT/dh = -exp(-h^2/2) erf(a h / sqrt 2) / (2 sqrt(2 pi)); dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2))
defjvp(
    owens_t_p,
    lambda g, ans, h, a: mul(g, mul(mul(exp(mul(mul(h, h), -0.5)), erf(mul(mul(a, h), 1.0 / math.sqrt(2.0)))),
                                    -1.0 / (2.0 * math.sqrt(2.0 * math.pi)))),
    lambda g, ans, h, a: mul(g, div(exp(mul(mul(mul(h, h), add(mul(a, a), 1.0)), -0.5)), mul(add(mul(a, a), 1.0), 2.0 * math.pi))),
)

# --------------------------------------------------------------------------- sine/cosine and Fresnel integrals

si_p, si = _special("si", _scipy(lambda v: scipy.special.sici(v)[0]), "si", doc="""Elementwise sine integral, the integral of ``sin(t) / t`` from 0 to ``x``.

For a real floating-point operand; SciPy's ``sici(x)[0]``.

>>> np.round(si(np.array([0.0, 1.0])), 4)
array([0.    , 0.9461])
""")
ci_p, ci = _special("ci", _scipy(lambda v: scipy.special.sici(v)[1]), "ci", doc="""Elementwise cosine integral, Euler's constant plus ``log(x)`` plus the integral of ``(cos(t) - 1) / t`` from 0 to ``x``.

For a real floating-point operand; SciPy's ``sici(x)[1]``.

>>> np.round(ci(np.array([1.0])), 4)
array([0.3374])
""")
fresnel_s_p, fresnel_s = _special("fresnel_s", _scipy(lambda v: scipy.special.fresnel(v)[0]), "fresnel_s", doc="""Elementwise Fresnel integral ``S(x)``, the integral of ``sin(pi t**2 / 2)`` from 0 to ``x``.

For a real floating-point operand; SciPy's ``fresnel(x)[0]``.

>>> np.round(fresnel_s(np.array([0.0, 1.0])), 4)
array([0.    , 0.4383])
""")
fresnel_c_p, fresnel_c = _special("fresnel_c", _scipy(lambda v: scipy.special.fresnel(v)[1]), "fresnel_c", doc="""Elementwise Fresnel integral ``C(x)``, the integral of ``cos(pi t**2 / 2)`` from 0 to ``x``.

For a real floating-point operand; SciPy's ``fresnel(x)[1]``.

>>> np.round(fresnel_c(np.array([0.0, 1.0])), 4)
array([0.    , 0.7799])
""")


def _si_jvp(g, ans, x):
    # Si'(x) = sin(x) / x, 1 at 0
    zero = eq(x, 0.0)
    safe = select_n(zero, x, _shape.full_like(x, 1.0))
    return mul(g, select_n(zero, div(sin(safe), safe), _shape.full_like(x, 1.0)))


defjvp(si_p, _si_jvp)
defjvp(ci_p, lambda g, ans, x: mul(g, div(cos(x), x)))
defjvp(fresnel_s_p, lambda g, ans, x: mul(g, sin(mul(mul(x, x), math.pi / 2.0))))
defjvp(fresnel_c_p, lambda g, ans, x: mul(g, cos(mul(mul(x, x), math.pi / 2.0))))

# --------------------------------------------------------------------------- confluent hypergeometric

# SciPy's hyp1f1 gives nan for some negative x where the series (after Kummer's transformation)
# converges well: the kernels serve eagerly too.
hyp1f1_p, hyp1f1 = _special("hyp1f1", _vectorized("hyp1f1"), "hyp1f1", 3, doc="""Elementwise confluent hypergeometric function ``1F1(a; b; x)`` (Kummer's ``M``).

Real floating-point operands of one shape and dtype (no Python scalars).

>>> np.round(hyp1f1(np.array([1.0, 1.0]), np.array([1.0, 2.0]), np.array([1.0, 1.0])), 4)
array([2.7183, 1.7183])
""")
hyp1f1_da_p, _hyp1f1_da = _special("hyp1f1_da", _vectorized("hyp1f1_da"), "hyp1f1_da", 3)
hyp1f1_db_p, _hyp1f1_db = _special("hyp1f1_db", _vectorized("hyp1f1_db"), "hyp1f1_db", 3)


def _hyp1f1_shifted(a, b, x):
    """M(a + 1, b + 1, x) and its parameter derivatives there."""
    a1, b1 = add(a, 1.0), add(b, 1.0)
    return a1, b1, hyp1f1(a1, b1, x)


def _hyp1f1_jvp_x(g, ans, a, b, x):
    # dM/dx = (a / b) M(a + 1, b + 1, x)
    return mul(g, mul(div(a, b), _hyp1f1_shifted(a, b, x)[2]))


def _hyp1f1_second_in_parameters(g, ans, a, b, x):
    raise NotImplementedError("hyp1f1: second derivatives in a and b are not implemented")


def _hyp1f1_da_jvp_x(g, ans, a, b, x):
    a1, b1, shifted = _hyp1f1_shifted(a, b, x)
    return mul(g, add(div(shifted, b), mul(div(a, b), _hyp1f1_da(a1, b1, x))))


def _hyp1f1_db_jvp_x(g, ans, a, b, x):
    a1, b1, shifted = _hyp1f1_shifted(a, b, x)
    return mul(g, sub(mul(div(a, b), _hyp1f1_db(a1, b1, x)), div(mul(a, shifted), mul(b, b))))


defjvp(hyp1f1_p, lambda g, ans, a, b, x: mul(g, _hyp1f1_da(a, b, x)), lambda g, ans, a, b, x: mul(g, _hyp1f1_db(a, b, x)),
       _hyp1f1_jvp_x)
defjvp(hyp1f1_da_p, _hyp1f1_second_in_parameters, _hyp1f1_second_in_parameters, _hyp1f1_da_jvp_x)
defjvp(hyp1f1_db_p, _hyp1f1_second_in_parameters, _hyp1f1_second_in_parameters, _hyp1f1_db_jvp_x)
