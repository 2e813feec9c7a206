"""The implementation of ``functrans.scipy.special``, which re-exports the names in ``__all__``."""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .. import core, lax
from ..custom_derivatives import custom_jvp
from .. import numpy as fnp
from ..lax import special as _lsp
from ..numpy._base import ArrayLike, canonical_axes, promote_and_broadcast, promote_to_inexact, static_int

__all__ = [
    "bernoulli", "bessel_jn", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "dawsn", "digamma", "entr",
    "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit", "expn", "factorial", "fresnel", "gamma", "gammainc", "gammaincc",
    "gammaln", "gammasgn", "hyp1f1", "hyp2f1", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax", "loggamma", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "owens_t", "poch", "polygamma", "rel_entr", "sici", "softmax", "spence", "sph_harm_y",
    "wofz", "xlog1py", "xlogy", "zeta",
]


def _inexact(x: ArrayLike) -> Any:
    """``x`` as an array of a float dtype (integers and bools become float64, as SciPy's ufuncs do)."""
    return promote_to_inexact(fnp.asarray(x))[0]


def erf(x: ArrayLike) -> Any:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.

    >>> float(erf(0.5))    # doctest: +ELLIPSIS
    0.5204998778...
    """
    return lax.erf(_inexact(x))


def expit(x: ArrayLike) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, exact 0 and 1 in the far tails (no overflow).

    >>> float(expit(0.0))
    0.5
    """
    return lax.logistic(_inexact(x))


def logit(p: ArrayLike) -> Any:
    """The inverse of ``expit``: ``log(p / (1 - p))`` (``log1p`` keeps it accurate near 0 and 1).

    >>> float(logit(0.5))
    0.0
    """
    p = _inexact(p)
    return fnp.log(p) - fnp.log1p(-p)


def gammaln(x: ArrayLike) -> Any:
    """``log(|Gamma(x)|)``.

    >>> float(gammaln(5.0))    # log(4!)    # doctest: +ELLIPSIS
    3.17805383...
    """
    return lax.lgamma(_inexact(x))


def logsumexp(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: ArrayLike | None = None,
) -> Any:
    """``log(sum(b * exp(a), axis))`` without overflow or underflow, as ``scipy.special.logsumexp``.

    With ``return_sign=True`` (for weights ``b`` that may be negative) returns
    ``(log|s|, sign(s))``; terms where ``where`` is false are left out. The gradient with
    respect to ``a`` is the softmax.

    >>> float(logsumexp([-1000.0, -1000.0]))    # doctest: +ELLIPSIS
    -999.306852...
    """
    a = _inexact(a)
    if b is not None:
        a, b = fnp.broadcast_arrays(*promote_to_inexact(a, fnp.asarray(b)))
    if where is not None:  # masked-out terms become exp(-inf) = 0
        a = fnp.where(where, a, fnp.full_like(a, -np.inf))
    axes = canonical_axes(axis, a.ndim)
    # Shifting by the maximum is exact for any constant, so it carries no derivative (stop_gradient);
    # an infinite maximum (all -inf, or a +inf) is replaced by 0 so the shift makes no nan.
    top = fnp.max(a, axis=axes, keepdims=True)
    top = lax.stop_gradient(fnp.where(fnp.isfinite(top), top, 0.0))
    terms = fnp.exp(a - top)
    if b is not None:
        terms = b * terms
    total = fnp.sum(terms, axis=axes, keepdims=keepdims)
    if not keepdims:
        top = fnp.squeeze(top, axis=axes)
    if return_sign:
        return fnp.log(fnp.abs(total)) + top, fnp.sign(total)
    return fnp.log(total) + top


def _args(*xs: ArrayLike) -> list:
    """The operands promoted together to a float dtype (Python scalars weakly, as NumPy 2) and
    broadcast to one shape."""
    return promote_and_broadcast(*xs, inexact=True)


def _safe(keep: Any, x: Any, fill: float) -> Any:
    """``x`` where ``keep``, else ``fill``: the operand of a branch ``where`` discards, kept
    inside its domain so that the discarded branch adds no nan to a derivative."""
    return fnp.where(keep, x, fnp.full_like(x, fill))


# --------------------------------------------------------------------------- error functions


def erfc(x: ArrayLike) -> Any:
    """The complementary error function ``1 - erf(x)``, accurate in the far right tail.

    >>> float(erfc(10.0))
    2.0884875837625446e-45
    """
    return _lsp.erfc(_inexact(x))


def erfinv(x: ArrayLike) -> Any:
    """The inverse of ``erf`` on ``[-1, 1]`` (``+-inf`` at ``+-1``, nan outside).

    >>> float(np.round(erfinv(0.5), 12))
    0.476936276204
    """
    return _lsp.erf_inv(_inexact(x))


def erfcx(x: ArrayLike) -> Any:
    """The scaled complementary error function ``exp(x**2) * erfc(x)``.

    >>> float(np.round(erfcx(100.0) * 100.0 * np.sqrt(np.pi), 6))
    0.99995
    """
    return _lsp.erfcx(_inexact(x))


def dawsn(x: ArrayLike) -> Any:
    """Dawson's integral ``exp(-x**2) * integral_0^x exp(t**2) dt``.

    >>> float(np.round(dawsn(1.0), 12))
    0.538079506913
    """
    return _lsp.dawsn(_inexact(x))


def ndtr(x: ArrayLike) -> Any:
    """The standard normal CDF, ``erfc(-x / sqrt(2)) / 2`` (relatively accurate in both tails).

    >>> float(ndtr(0.0))
    0.5
    """
    x = _inexact(x)
    return _lsp.erfc(x * -(1.0 / math.sqrt(2.0))) * 0.5


def ndtri(p: ArrayLike) -> Any:
    """The standard normal quantile, the inverse of ``ndtr`` (accurate down to ``p = 5e-324``).

    >>> float(np.round(ndtri(0.975), 12))
    1.95996398454
    """
    return _lsp.ndtri(_inexact(p))


def log_ndtr(x: ArrayLike, series_order: int = 3) -> Any:
    """``log(ndtr(x))``, accurate in both tails: ``log1p(-ndtr(-x))`` above -1, and below it
    ``log(erfcx(-x / sqrt(2)) / 2) - x**2 / 2`` (no underflow of the CDF).

    ``series_order`` is accepted for JAX compatibility; the result does not depend on it (JAX
    uses an asymptotic series of that order in the left tail; ``erfcx`` makes it unnecessary).

    >>> float(np.round(log_ndtr(-40.0), 6))
    -804.608442
    """
    static_int(series_order, "series_order of log_ndtr")
    x = _inexact(x)
    lower = x < -1.0
    x_low = _safe(lower, x, -1.0)
    x_high = _safe(~lower, x, 0.0)
    low = fnp.log(_lsp.erfcx(x_low * -(1.0 / math.sqrt(2.0))) * 0.5) - x_low * x_low * 0.5
    high = fnp.log1p(-ndtr(-x_high))
    return fnp.where(lower, low, high)


# --------------------------------------------------------------------------- gamma family


def digamma(x: ArrayLike) -> Any:
    """The logarithmic derivative of the gamma function, ``psi(x) = Gamma'(x) / Gamma(x)``.

    >>> float(np.round(digamma(1.0), 12))    # -euler_gamma
    -0.577215664902
    """
    return lax.digamma(_inexact(x))


def gammasgn(x: ArrayLike) -> Any:
    """The sign of the gamma function: 1 for ``x > 0``, ``(-1)**floor(x)`` between the poles
    below 0, nan at the poles (``-0.0`` gives -1, as SciPy).

    >>> gammasgn(np.array([2.0, -0.5, -1.5]))
    array([ 1., -1.,  1.])
    """
    x = _inexact(x)
    floor = fnp.floor(x)
    negative_sign = 1.0 - 2.0 * fnp.remainder(floor, 2.0)
    pole = (floor == x) & (x < 0.0)
    sign = fnp.where(x > 0.0, fnp.ones_like(x), fnp.where(x == 0.0, fnp.copysign(fnp.ones_like(x), x), negative_sign))
    return fnp.where(pole | fnp.isnan(x), fnp.full_like(x, np.nan), sign)


def gamma(x: ArrayLike) -> Any:
    """The gamma function, ``gammasgn(x) * exp(gammaln(x))`` (nan at the poles below 0).

    >>> float(np.round(gamma(5.0), 9))
    24.0
    """
    x = _inexact(x)
    return gammasgn(x) * fnp.exp(lax.lgamma(x))


def loggamma(x: ArrayLike) -> Any:
    """The principal branch of ``log(Gamma(x))`` for real ``x``: ``gammaln`` for ``x >= 0``,
    nan below (where the real logarithm of a negative gamma is not defined), as SciPy.

    >>> float(np.round(loggamma(10.0), 9))
    12.80182748
    """
    x = _inexact(x)
    return fnp.where(x < 0.0, fnp.full_like(x, np.nan), lax.lgamma(x))


def betaln(a: ArrayLike, b: ArrayLike) -> Any:
    """``log(|B(a, b)|)`` = ``gammaln(a) + gammaln(b) - gammaln(a + b)``.

    >>> float(np.round(betaln(2.0, 3.0), 12))    # log(1/12)
    -2.484906649788
    """
    a, b = _args(a, b)
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def beta(a: ArrayLike, b: ArrayLike) -> Any:
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``.

    >>> float(np.round(beta(2.0, 3.0), 12))
    0.083333333333
    """
    a, b = _args(a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * fnp.exp(betaln(a, b))


def gammainc(a: ArrayLike, x: ArrayLike) -> Any:
    """The regularized lower incomplete gamma function ``P(a, x)``, differentiable in both.

    >>> float(np.round(gammainc(1.0, 2.0), 12))    # 1 - exp(-2)
    0.864664716763
    """
    a, x = _args(a, x)
    return lax.igamma(a, x)


def gammaincc(a: ArrayLike, x: ArrayLike) -> Any:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, accurate
    where it is small.

    >>> float(gammaincc(1.0, 40.0))    # exp(-40)
    4.248354255291595e-18
    """
    a, x = _args(a, x)
    return lax.igammac(a, x)


def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Any:
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x`` only
    (JAX's derivative with respect to ``a`` and ``b`` raises ``ValueError``).

    >>> float(np.round(betainc(2.0, 3.0, 0.5), 12))
    0.6875
    """
    a, b, x = _args(a, b, x)
    return lax.betainc(a, b, x)


def factorial(n: ArrayLike, exact: bool = False) -> Any:
    """``n!`` as ``Gamma(n + 1)`` in floating point (0 for ``n < 0``, as SciPy).

    >>> factorial(np.array([0.0, 4.0, -1.0]))
    array([ 1., 24.,  0.])
    """
    if exact:
        raise NotImplementedError("factorial with exact=True")
    n = _inexact(n)
    return fnp.where(n < 0.0, fnp.zeros_like(n), fnp.exp(lax.lgamma(_safe(n >= 0.0, n, 0.0) + 1.0)))


def comb(N: ArrayLike, k: ArrayLike, *, repetition: bool = False) -> Any:
    """The binomial coefficient ``N choose k`` in floating point (0 where ``k < 0``, ``N < 0`` or
    ``k > N``); with ``repetition``, the number of multisets ``comb(N + k - 1, k)``.

    >>> float(np.round(comb(5.0, 2.0), 9)), float(np.round(comb(5.0, 2.0, repetition=True), 9))
    (10.0, 15.0)
    """
    N, k = _args(N, k)
    if repetition:
        return fnp.where((k == 0.0) & (N >= 0.0), fnp.ones_like(N), comb(N + k - 1.0, k))
    valid = (k <= N) & (N >= 0.0) & (k >= 0.0)
    N, k = _safe(valid, N, 0.0), _safe(valid, k, 0.0)
    value = fnp.exp(lax.lgamma(N + 1.0) - lax.lgamma(k + 1.0) - lax.lgamma(N - k + 1.0))
    return fnp.where(valid, value, fnp.zeros_like(value))


def poch(z: ArrayLike, m: ArrayLike) -> Any:
    """The rising factorial ``Gamma(z + m) / Gamma(z)``.

    >>> float(np.round(poch(3.0, 2.0), 9))    # 3 * 4
    12.0
    """
    z, m = _args(z, m)
    sign = gammasgn(z + m) * gammasgn(z)
    return fnp.where(m == 0.0, fnp.ones_like(z), sign * fnp.exp(lax.lgamma(z + m) - lax.lgamma(z)))


def multigammaln(a: ArrayLike, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d``:
    ``d (d - 1) / 4 log(pi) + sum_{j < d} gammaln(a - j / 2)``.

    >>> float(np.round(multigammaln(3.0, 2), 9))    # log(sqrt(pi) Gamma(3) Gamma(2.5))
    1.550194994
    """
    d = static_int(d, "d argument of multigammaln")
    a = _inexact(a)
    total = fnp.full_like(a, d * (d - 1) / 4.0 * math.log(math.pi))
    for j in range(d):
        total = total + lax.lgamma(a - j / 2.0)
    return total


def polygamma(n: ArrayLike, x: ArrayLike) -> Any:
    """The ``n``-th derivative of ``digamma`` (``n`` whole); its derivative in ``x`` is
    ``polygamma(n + 1, x)``, and none is defined in ``n``.

    >>> float(np.round(polygamma(1, 1.0), 12))    # pi**2 / 6
    1.644934066848
    """
    n, x = _args(n, x)
    return lax.polygamma(n, x)


def zeta(x: ArrayLike, q: ArrayLike | None = None) -> Any:
    """The Hurwitz zeta function ``sum_{k >= 0} (k + q)**-x`` (``q`` is required, as in JAX).

    >>> float(np.round(zeta(2.0, 1.0), 12))
    1.644934066848
    """
    if q is None:
        raise NotImplementedError("zeta: the Riemann zeta function (q=None) is not implemented; pass q")
    x, q = _args(x, q)
    return lax.zeta(x, q)


# --------------------------------------------------------------------------- Bessel functions


def i0e(x: ArrayLike) -> Any:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I0(x)``.

    >>> float(np.round(i0e(0.0), 12))
    1.0
    """
    return lax.bessel_i0e(_inexact(x))


def i1e(x: ArrayLike) -> Any:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I1(x)``.

    >>> float(np.round(i1e(1.0), 12))
    0.20791041535
    """
    return lax.bessel_i1e(_inexact(x))


def i0(x: ArrayLike) -> Any:
    """The modified Bessel function of the first kind of order 0.

    >>> float(np.round(i0(1.0), 12))
    1.266065877752
    """
    x = _inexact(x)
    return fnp.exp(fnp.abs(x)) * lax.bessel_i0e(x)


def i1(x: ArrayLike) -> Any:
    """The modified Bessel function of the first kind of order 1.

    >>> float(np.round(i1(1.0), 12))
    0.565159103992
    """
    x = _inexact(x)
    return fnp.exp(fnp.abs(x)) * lax.bessel_i1e(x)



def bessel_jn(z: ArrayLike, *, v: int, n_iter: int = 50) -> Any:
    """The Bessel functions of the first kind ``J_0(z) ... J_v(z)``, stacked on a new first axis.

    Miller's backward recurrence ``J_{k-1} = (2k / z) J_k - J_{k+1}`` from order
    ``max(n_iter, v + 1)``, rescaled at each step (no overflow for small ``z``) and normalised by
    ``J_0 + 2 sum J_2k = 1``; accurate while ``|z|`` is well below ``n_iter``, as JAX's.

    >>> np.round(bessel_jn(np.array([1.0, 2.5]), v=1), 6)
    array([[ 0.765198, -0.048384],
           [ 0.440051,  0.497094]])
    """
    v, n_iter = static_int(v, "v argument of bessel_jn"), static_int(n_iter, "n_iter argument of bessel_jn")
    if v < 0:
        raise ValueError(f"bessel_jn: the order v must be non-negative, got {v}")
    z = _inexact(z)
    zero = z == 0.0
    z_safe = _safe(~zero, z, 1.0)
    above = fnp.zeros_like(z)  # J_{k+1}, unnormalised
    current = fnp.ones_like(z)  # J_k
    norm = fnp.zeros_like(z)  # J_0 + 2 sum_k J_2k, accumulated as k falls
    orders: dict[int, Any] = {}
    for k in range(max(n_iter, v + 1), 0, -1):
        if k % 2 == 0:
            norm = norm + 2.0 * current
        if k <= v:
            orders[k] = current
        current, above = (2.0 * k) / z_safe * current - above, current
        scale = fnp.abs(current) + fnp.abs(above)
        current, above, norm = current / scale, above / scale, norm / scale
        orders = {order: value / scale for order, value in orders.items()}
    orders[0] = current
    norm = norm + current
    rows = [fnp.where(zero, fnp.full_like(z, 1.0 if k == 0 else 0.0), orders[k] / norm) for k in range(v + 1)]
    return fnp.stack(rows)

# --------------------------------------------------------------------------- exponential integrals


def exp1(x: ArrayLike) -> Any:
    """The exponential integral ``E1(x) = integral_1^inf exp(-x t) / t dt`` for ``x >= 0``.

    >>> float(np.round(exp1(1.0), 12))
    0.219383934396
    """
    return _lsp.exp1(_inexact(x))


def expi(x: ArrayLike) -> Any:
    """The exponential integral ``Ei(x)`` (the principal value through 0).

    >>> float(np.round(expi(1.0), 12))
    1.895117816356
    """
    return _lsp.expi(_inexact(x))


def expn(n: ArrayLike, x: ArrayLike) -> Any:
    """The generalized exponential integral ``E_n(x)`` for whole ``n >= 0``; differentiable in
    ``x`` (``-E_{n-1}(x)``).

    >>> float(np.round(expn(2, 1.0), 12))
    0.148495506776
    """
    n, x = _args(n, x)
    return _lsp.expn(n, x)


def spence(x: ArrayLike) -> Any:
    """SciPy's dilogarithm ``integral_1^x log(t) / (1 - t) dt = Li2(1 - x)`` for ``x >= 0``.

    >>> float(np.round(spence(0.0), 12))    # pi**2 / 6
    1.644934066848
    """
    return _lsp.spence(_inexact(x))



def owens_t(h: ArrayLike, a: ArrayLike) -> Any:
    """Owen's T function ``(1/2pi) integral_0^a exp(-h**2 (1 + x**2) / 2) / (1 + x**2) dx``,
    differentiable in both arguments.

    >>> float(np.round(owens_t(0.0, 1.0), 12))    # atan(1) / (2 pi)
    0.125
    """
    h, a = _args(h, a)
    return _lsp.owens_t(h, a)


def sici(x: ArrayLike) -> tuple[Any, Any]:
    """The sine and cosine integrals ``(Si(x), Ci(x))``; for ``x < 0``, SciPy's real part of Ci.

    >>> [float(np.round(v, 12)) for v in sici(1.0)]
    [0.946083070367, 0.337403922901]
    """
    x = _inexact(x)
    return _lsp.si(x), _lsp.ci(x)


def fresnel(x: ArrayLike) -> tuple[Any, Any]:
    """The Fresnel integrals ``(S(x), C(x))`` of ``sin`` and ``cos`` of ``pi t**2 / 2``.

    >>> [float(np.round(v, 12)) for v in fresnel(1.0)]
    [0.43825914739, 0.779893400377]
    """
    x = _inexact(x)
    return _lsp.fresnel_s(x), _lsp.fresnel_c(x)


def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Any:
    """Kummer's confluent hypergeometric function ``M(a, b, x) = sum (a)_k / (b)_k x**k / k!``
    (by Kummer's transformation ``e**x M(b - a, b, -x)`` for ``x < 0``); differentiable once in
    ``a`` and ``b``, to any order in ``x``.

    >>> float(np.round(hyp1f1(1.0, 1.0, 2.0), 12))    # exp(2)
    7.389056098931
    """
    a, b, x = _args(a, b, x)
    return _lsp.hyp1f1(a, b, x)

# --------------------------------------------------------------------------- logs and entropies


def xlogy(x: ArrayLike, y: ArrayLike) -> Any:
    """``x * log(y)``, 0 where ``x == 0`` (whatever ``y``).

    >>> float(xlogy(0.0, 0.0))
    0.0
    """
    x, y = _args(x, y)
    zero = x == 0.0
    return fnp.where(zero, fnp.zeros_like(x), x * fnp.log(_safe(~zero, y, 1.0)))


def xlog1py(x: ArrayLike, y: ArrayLike) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0`` (whatever ``y``).

    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    x, y = _args(x, y)
    zero = x == 0.0
    return fnp.where(zero, fnp.zeros_like(x), x * fnp.log1p(_safe(~zero, y, 0.0)))


def entr(x: ArrayLike) -> Any:
    """The elementwise entropy ``-x log(x)``: 0 at 0, ``-inf`` for ``x < 0``.

    >>> float(np.round(entr(0.5), 12))
    0.34657359028
    """
    x = _inexact(x)
    positive = x > 0.0
    value = -x * fnp.log(_safe(positive, x, 1.0))
    return fnp.where(positive, value, fnp.where(x == 0.0, fnp.zeros_like(x), fnp.full_like(x, -np.inf)))


def rel_entr(p: ArrayLike, q: ArrayLike) -> Any:
    """The elementwise relative entropy ``p log(p / q)``: 0 where ``p == 0 <= q``, ``inf`` where
    either is negative or only ``q`` is 0.

    >>> float(np.round(rel_entr(0.5, 0.25), 12))
    0.34657359028
    """
    p, q = _args(p, q)
    both = (p > 0.0) & (q > 0.0)
    value = p * _log_ratio(_safe(both, p, 1.0), _safe(both, q, 1.0))
    edge = fnp.where((p == 0.0) & (q >= 0.0), fnp.zeros_like(p), fnp.full_like(p, np.inf))
    return fnp.where(both, value, edge)


def _log_ratio(p: Any, q: Any) -> Any:
    """``log(p / q)`` for positive operands: of the quotient (exact near 1) unless it overflows or
    underflows, then ``log(p) - log(q)``."""
    ratio = p / q
    representable = fnp.isfinite(ratio) & (ratio > 0.0)
    return fnp.where(representable, fnp.log(_safe(representable, ratio, 1.0)), fnp.log(p) - fnp.log(q))


def kl_div(p: ArrayLike, q: ArrayLike) -> Any:
    """The elementwise Kullback-Leibler term ``p log(p / q) - p + q``: ``q`` where ``p == 0 <= q``,
    ``inf`` where either is negative or only ``q`` is 0.

    >>> float(np.round(kl_div(0.5, 0.25), 12))
    0.09657359028
    """
    p, q = _args(p, q)
    both = (p > 0.0) & (q > 0.0)
    value = p * _log_ratio(_safe(both, p, 1.0), _safe(both, q, 1.0)) - p + q
    edge = fnp.where((p == 0.0) & (q >= 0.0), q, fnp.full_like(p, np.inf))
    return fnp.where(both, value, edge)


def boxcox(x: ArrayLike, lmbda: ArrayLike) -> Any:
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda``, ``log(x)`` at ``lmbda == 0``.

    >>> float(np.round(boxcox(np.e, 0.0), 12)), float(np.round(boxcox(4.0, 0.5), 12))
    (1.0, 2.0)
    """
    x, lmbda = _args(x, lmbda)
    return _boxcox(fnp.log(x), lmbda)


def boxcox1p(x: ArrayLike, lmbda: ArrayLike) -> Any:
    """The Box-Cox transform of ``1 + x``, accurate for small ``x``.

    >>> float(np.round(boxcox1p(3.0, 0.5), 12))
    2.0
    """
    x, lmbda = _args(x, lmbda)
    return _boxcox(fnp.log1p(x), lmbda)


def _boxcox(log_x: Any, lmbda: Any) -> Any:
    """``expm1(lmbda log_x) / lmbda``; ``log_x`` (its limit at 0) where ``|lmbda| < 1e-19``, below
    which the product can underflow (as SciPy)."""
    zero = fnp.abs(lmbda) < 1e-19
    safe = _safe(~zero, lmbda, 1.0)
    return fnp.where(zero, log_x, fnp.expm1(safe * log_x) / safe)


def softmax(x: ArrayLike, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """``exp(x) / sum(exp(x), axis)`` (over all axes by default, as SciPy).

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    x = _inexact(x)
    return fnp.exp(x - logsumexp(x, axis=axis, keepdims=True))


def log_softmax(x: ArrayLike, /, *, axis: int | tuple[int, ...] | None = None) -> Any:
    """``x - logsumexp(x, axis)`` (over all axes by default, as SciPy).

    >>> np.round(log_softmax(np.array([0.0, 0.0])), 6)
    array([-0.693147, -0.693147])
    """
    x = _inexact(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


# --------------------------------------------------------------------------- Gauss hypergeometric 2F1
# JAX's method (Pearson, Olver and Porter 2014, arXiv:1407.7786; AMS 55 15.3.10-12): the Taylor
# series for |x| < 1 (at most 250 terms), exactly the terms of a terminating series, Euler's
# transformation when c - a - b <= -1, a log series near x = 1 when c - a - b is an integer, and
# closed forms at the special points. Real arguments only; x > 1 gives inf, as JAX. Where JAX's
# Taylor series does not converge in 250 terms (x < -0.5, x > 0.75) two more transformations
# (Pfaff's, and the connection formula in 1 - x) give the value SciPy does instead.

_HYP2F1_TERMS = 250


def _near_integer(v: Any, eps: float) -> Any:
    return fnp.abs(v - fnp.round(v)) < eps


def _rgamma(v: Any) -> Any:
    """``1 / gamma(v)``, 0 at the poles."""
    pole = (v <= 0.0) & (fnp.floor(v) == v)
    return fnp.where(pole, fnp.zeros_like(v), 1.0 / gamma(_safe(~pole, v, 1.0)))


def _nonzero(v: Any) -> Any:
    """A denominator made 1 where it is 0: only for loop steps of elements already done."""
    return fnp.where(v == 0, fnp.ones_like(v), v)


def _masked_loop(active: Any, body: Any, state: tuple, limit: int | None = None) -> tuple:
    """Run ``state = body(state)`` elementwise while ``active(state)`` (a mask) holds anywhere; each
    element keeps its state once its mask is off. ``state[0]`` is the scalar step counter. With
    a ``limit`` on the steps the loop is reverse-differentiable (``while_loop``'s ``max_iterations``)."""

    def step(state):
        on = active(state)
        new = body(state)
        return (new[0],) + tuple(fnp.where(on, n, o) for n, o in zip(new[1:], state[1:]))

    return lax.while_loop(lambda state: fnp.any(active(state)), step, state, max_iterations=limit)


def _hyp2f1_taylor(a: Any, b: Any, c: Any, x: Any, count: Any) -> Any:
    """The Taylor series to convergence (at most 250 terms), or exactly ``count`` terms after the
    first where ``count >= 0`` (a terminating series)."""
    eps = np.finfo(x.dtype).eps

    def active(state):
        k, total, term = state
        converging = (count < 0) & (k < _HYP2F1_TERMS) & (fnp.abs(term) > eps * fnp.abs(total))
        return converging | ((count >= 0) & (k <= count))

    def body(state):
        k, total, term = state
        term = term * ((a + k - 1.0) * (b + k - 1.0) / (_nonzero(c + k - 1.0) * k) * x)
        return k + 1.0, total + term, term

    one = fnp.ones_like(x)
    return _masked_loop(active, body, (np.asarray(1.0, x.dtype), one, one))[1]


def _hyp2f1_near_one(a: Any, b: Any, c: Any, x: Any) -> Any:
    """2F1 for x near 1 when ``m = c - a - b`` is an integer, where the Taylor series converges
    slowly and the gamma-function connection formula is degenerate: AMS 55 15.3.10-12, a series in
    ``1 - x`` with digamma terms, plus ``|m|`` finite terms when ``m != 0``."""
    eps = np.finfo(x.dtype).eps
    d = c - a - b
    m = fnp.round(d)
    s, e = 1.0 - x, fnp.abs(d)
    log_s = fnp.log(s)
    up = fnp.where(m >= 0, d, fnp.zeros_like(d))  # the parameter shift of the log series
    down = d - up  # and of the finite sum
    y = (digamma(fnp.ones_like(x)) + digamma(1.0 + e) - digamma(a + up) - digamma(b + up) - log_s) * _rgamma(e + 1.0)
    p = (a + up) * (b + up) * s * _rgamma(e + 2.0)

    def log_term(state):
        t, y, p, q = state
        q = p * (digamma(1.0 + t) + digamma(1.0 + t + e) - digamma(a + t + up) - digamma(b + t + up) - log_s)
        p = p * s * (a + t + up) / (t + 1.0) * (b + t + up) / (t + 1.0 + e)
        return t + 1.0, y + q, p, q

    # Not only the last term: one can be small by chance where the digamma sum changes sign.
    log_active = lambda state: (state[0] < _HYP2F1_TERMS) & (fnp.maximum(fnp.abs(state[2]), fnp.abs(state[3])) >= eps * fnp.abs(state[1]))
    _, y, _, _ = _masked_loop(log_active, log_term, (np.asarray(1.0, x.dtype), y, p, y))

    def finite_term(state):
        t, total, p = state
        p = p * s * (a + t + down) * (b + t + down) / _nonzero(1.0 - e + t) / (t + 1.0)
        return t + 1.0, total + p, p

    one = fnp.ones_like(x)
    _, finite, _ = _masked_loop(lambda state: state[0] + 1.0 < fnp.abs(m), finite_term, (np.asarray(0.0, x.dtype), one, one))
    gc = gamma(c)
    finite = finite * gamma(_safe(m != 0, e, 1.0)) * gc * _rgamma(a + up) * _rgamma(b + up)
    y = y * gc * _rgamma(a + down) * _rgamma(b + down)
    y = fnp.where(fnp.remainder(fnp.abs(m), 2.0) == 1.0, -y, y)
    power = s ** m
    shifted = fnp.where(m > 0, y * power + finite, y + finite * power)
    return fnp.where(m == 0, y, shifted)  # m = 0: no finite sum, and y has its weight already


def _hyp2f1_terms(a: Any, b: Any, use: Any, eps: float) -> Any:
    """How many terms after the first a terminating series has (a or b a non-positive integer), else -1."""
    negative_a, negative_b = (a <= 0) & _near_integer(a, eps), (b <= 0) & _near_integer(b, eps)
    inf = fnp.full_like(a, np.inf)
    terms = fnp.minimum(fnp.where(negative_a, fnp.round(-a), inf), fnp.where(negative_b, fnp.round(-b), inf))
    return fnp.where(use & (negative_a | negative_b), terms, -fnp.ones_like(a))


def _hyp2f1_series(a: Any, b: Any, c: Any, x: Any, use: Any, transform: bool = True) -> Any:
    """2F1 where ``use`` by the series that fits (elsewhere its arguments are made trivial, so the
    loops do not run for them): terminating, Taylor, or, with ``transform``, near x = 1 the log
    series (integer ``c - a - b``) or, beyond JAX, the connection formula in ``1 - x``; below
    -0.5, beyond JAX too, first Pfaff's transformation (the Taylor series converges slowly or
    not at all there). Each element takes one path, so each series is one loop for all."""
    eps = 50 * np.finfo(x.dtype).eps
    a, b, c, x = (_safe(use, v, fill) for v, fill in ((a, 0.0), (b, 0.0), (c, 1.0), (x, 0.0)))
    weight = fnp.ones_like(x)
    if transform:
        # 2F1(a, b; c; x) = (1 - x)^-a 2F1(a, c - b; c; x / (x - 1)), the new argument in (1/3, 1).
        pfaffed = (_hyp2f1_terms(a, b, use, eps) < 0) & (x < -0.5)
        weight = fnp.where(pfaffed, (1.0 - x) ** -a, weight)
        b, x = fnp.where(pfaffed, c - b, b), fnp.where(pfaffed, x / (x - 1.0), x)
    count = _hyp2f1_terms(a, b, use, eps)
    series = use & ~((count < 0) & (x > 0.75)) if transform else use
    out = _hyp2f1_taylor(a, b, c, _safe(series, x, 0.0), count)
    if transform:
        # JAX takes the log series from x > 0.9; from 0.75 the Taylor series is short of converging.
        integer_d = _near_integer(c - a - b, eps)
        near_one, reflected = use & ~series & integer_d, use & ~series & ~integer_d
        trivial = lambda v, fill: _safe(near_one, v, fill)  # c - a - b = 0 and x = 0.95 elsewhere: quick loops
        near = _hyp2f1_near_one(trivial(a, 1.0), trivial(b, 1.0), trivial(c, 2.0), trivial(x, 0.95))
        out = fnp.where(near_one, near, fnp.where(reflected, _hyp2f1_reflected(a, b, c, x, reflected), out))
    return weight * out


def _hyp2f1_reflected(a: Any, b: Any, c: Any, x: Any, use: Any) -> Any:
    """2F1 for x near 1 by its two series in ``1 - x`` (AMS 55 15.3.6), for non-integer ``d = c - a - b``."""
    d, y = c - a - b, 1.0 - x
    d, y = _safe(use, d, 0.5), _safe(use, y, 0.0)
    first = gamma(c) * gamma(d) * _rgamma(c - a) * _rgamma(c - b)
    second = gamma(c) * gamma(-d) * _rgamma(a) * _rgamma(b) * y ** d
    inner = lambda p, q, r: _hyp2f1_series(p, q, r, y, use, transform=False)  # y < 0.25: Taylor
    return first * inner(a, b, 1.0 - d) + second * inner(c - a, c - b, 1.0 + d)


@custom_jvp
def _hyp2f1(a: Any, b: Any, c: Any, x: Any) -> Any:
    eps = 50 * np.finfo(x.dtype).eps
    d, s = c - a - b, 1.0 - x
    pole = (c == 0) | ((c < 0) & (fnp.floor(c) == c))
    one = (x == 0) | (((a == 0) | (b == 0)) & (c != 0))
    euler = (d <= -1) & ~(~_near_integer(d, eps) & (s < 0))
    # Each case where no earlier one applies, as JAX orders them.
    cases = [
        (one, fnp.ones_like(x)),
        (pole, fnp.full_like(x, np.inf)),
        (euler, None),
        ((d <= 0) & (x == 1), fnp.full_like(x, np.inf)),
        ((x < 1) & (b == c), _safe(x < 1, s, 1.0) ** -a),
        ((x < 1) & (a == c), _safe(x < 1, s, 1.0) ** -b),
        (x > 1, fnp.full_like(x, np.inf)),
        (x == 1, gamma(_safe((x == 1) & ~pole, c, 1.0)) * gamma(_safe(x == 1, d, 1.0)) * _rgamma(c - a) * _rgamma(c - b)),
    ]
    taken, chosen = fnp.zeros_like(x, dtype=bool), []
    for applies, _ in cases:
        chosen.append(applies & ~taken)
        taken = taken | applies
    # Euler's elements and the general ones are disjoint: one series call serves both (half the loops).
    euler_use = chosen[2]
    series = _hyp2f1_series(fnp.where(euler_use, c - a, a), fnp.where(euler_use, c - b, b), c, x, euler_use | ~taken)
    out = fnp.where(euler_use, _safe(euler_use, s, 1.0) ** d, fnp.ones_like(x)) * series
    for (applies, value), where_chosen in zip(reversed(cases), reversed(chosen)):
        if value is not None:
            out = fnp.where(where_chosen, value, out)
    return out


def _hyp2f1_parameter_derivatives(a: Any, b: Any, c: Any, x: Any) -> tuple:
    """The derivatives in a, b and c, from the Taylor series (|x| < 1): the k-th term times
    ``psi(a + k) - psi(a)``, ``psi(b + k) - psi(b)`` and ``psi(c) - psi(c + k)``."""
    eps = np.finfo(x.dtype).eps

    def body(state):
        k, da, db, dc, term = state
        da = da + term * (digamma(a + k) - digamma(a))
        db = db + term * (digamma(b + k) - digamma(b))
        dc = dc + term * (digamma(c) - digamma(c + k))
        return k + 1.0, da, db, dc, term * ((a + k) * (b + k) / ((c + k) * (k + 1.0)) * x)

    def active(state):
        k, da, db, dc, term = state
        largest = fnp.maximum(fnp.maximum(fnp.abs(da), fnp.abs(db)), fnp.abs(dc))
        return (k < _HYP2F1_TERMS) & (fnp.abs(term) > eps * largest)

    zero = fnp.zeros_like(x)
    # Bounded: the jvp rule evaluates this loop, and second derivatives in x differentiate it in reverse.
    state = (np.asarray(1.0, x.dtype), zero, zero, zero, a * b / c * x)
    _, da, db, dc, _ = _masked_loop(active, body, state, limit=_HYP2F1_TERMS)
    return da, db, dc


@_hyp2f1.defjvp
def _hyp2f1_jvp(primals, tangents):
    # Promoted again: a weak Python scalar argument reaches the rule as the float itself.
    a, b, c, x = _args(*primals)
    ta, tb, tc, tx = tangents
    da, db, dc = _hyp2f1_parameter_derivatives(a, b, c, x)
    dx = a * b / c * _hyp2f1(a + 1.0, b + 1.0, c + 1.0, x)
    return _hyp2f1(a, b, c, x), da * ta + db * tb + dc * tc + dx * tx


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike) -> Any:
    """The Gauss hypergeometric function ``2F1(a, b; c; x) = sum_k (a)_k (b)_k / (c)_k x^k / k!``
    for real arguments, by JAX's method and, where its series converge too slowly, two more
    transformations: accurate for every ``x <= 1`` (JAX's for ``-0.5 <= x <= 0.75``), ``inf`` for
    ``x > 1`` and at non-positive integer ``c``, as JAX. Differentiable in all four arguments (the
    parameter derivatives by their series, for ``|x| < 1``, as JAX).

    >>> float(np.round(hyp2f1(1.0, 1.0, 2.0, 0.5), 12))    # -log(1 - x) / x
    1.38629436112
    """
    a, b, c, x = _args(a, b, c, x)
    return _hyp2f1(a, b, c, x)


# --------------------------------------------------------------------------- numbers and series


def bernoulli(n: int) -> Any:
    """The Bernoulli numbers ``B_0 ... B_n`` (with ``B_1 = -1/2``, as SciPy), computed exactly in
    rationals by the recurrence ``sum_{k <= m} C(m + 1, k) B_k = 0``.

    >>> bernoulli(4)
    array([ 1.        , -0.5       ,  0.16666667,  0.        , -0.03333333])
    """
    n = static_int(n, "n argument of bernoulli")
    if n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n}")
    numbers = [Fraction(1)]
    for m in range(1, n + 1):
        numbers.append(-sum(math.comb(m + 1, k) * numbers[k] for k in range(m)) / (m + 1))
    return np.array([float(b) for b in numbers])


# --------------------------------------------------------------------------- complex-valued functions


def _weideman_coefficients(n: int) -> tuple[np.ndarray, float]:
    """Weideman's (1994) rational approximation of the Faddeeva function in the upper half
    plane: the polynomial coefficients in ``Z = (L + iz) / (L - iz)`` (highest power first)
    and ``L``, from a discrete Fourier transform of ``exp(-t**2) (L**2 + t**2)`` sampled at
    ``t = L tan(theta / 2)``. 40 terms: within 2e-14 of SciPy's wofz everywhere."""
    m = 2 * n
    scale = math.sqrt(n / math.sqrt(2.0))
    t = scale * np.tan(np.arange(-m + 1, m) * np.pi / m / 2)
    samples = np.concatenate([[0.0], np.exp(-t * t) * (scale * scale + t * t)])
    coefficients = np.real(np.fft.fft(np.fft.fftshift(samples))) / (2 * m)
    return coefficients[1 : n + 1][::-1].copy(), scale


_WOFZ_COEFFICIENTS, _WOFZ_L = _weideman_coefficients(40)


def _wofz_upper(z: Any) -> Any:
    """w(z) for ``Im z >= 0``."""
    iz = lax.complex(-fnp.imag(z), fnp.real(z))
    denominator = _WOFZ_L - iz
    ratio = (_WOFZ_L + iz) / denominator
    polynomial = fnp.zeros_like(z)
    for c in _WOFZ_COEFFICIENTS.tolist():  # Horner; Python floats keep complex64 in complex64
        polynomial = polynomial * ratio + c
    return 2.0 * polynomial / (denominator * denominator) + (1.0 / math.sqrt(math.pi)) / denominator


@custom_jvp
def _wofz(z: Any) -> Any:
    upper = fnp.imag(z) >= 0
    w = _wofz_upper(fnp.where(upper, z, -z))
    # The lower half plane by the reflection w(z) = 2 exp(-z**2) - w(-z).
    return fnp.where(upper, w, 2.0 * fnp.exp(-z * z) - w)


# w'(z) = 2i / sqrt(pi) - 2 z w(z): w is entire, so this one complex derivative is its jvp.
_wofz.defjvps(lambda t, w, z: t * (2j / math.sqrt(math.pi) - 2.0 * z * w))


def wofz(z: ArrayLike) -> Any:
    """The Faddeeva function ``w(z) = exp(-z**2) erfc(-iz)``, as ``scipy.special.wofz``: complex
    (complex64 for float32 or complex64 ``z``), holomorphic, differentiable.

    >>> np.round(wofz(np.array([0.0, 1.0 + 1.0j])), 6)
    array([1.      +0.j      , 0.304744+0.208219j])
    """
    z = fnp.asarray(z)
    z = lax.convert_element_type(z, np.complex64 if z.dtype in (np.float32, np.complex64) else np.complex128)
    return _wofz(z)


def _legendre_ratio(n: int, m: int) -> float:
    """``sqrt((4n**2 - 1) / (n**2 - m**2))``, the three-term recurrence's factor for the
    normalised associated Legendre functions."""
    return math.sqrt((4.0 * n * n - 1.0) / (n * n - m * m))


def sph_harm_y(n: ArrayLike, m: ArrayLike, theta: ArrayLike, phi: ArrayLike, diff_n: int | None = None,
               n_max: int | None = None) -> Any:
    """The spherical harmonic ``Y_n^m(theta, phi)`` of degree ``n`` and order ``m`` (``|m| <= n``),
    at colatitude ``theta`` and longitude ``phi``, as ``scipy.special.sph_harm_y`` (with the
    Condon-Shortley phase); the arguments broadcast. ``n_max`` (JAX's extra argument, static)
    bounds the degrees computed: ``max(n)`` by default, which needs concrete ``n``; larger ``n``
    are clipped to it, as JAX. ``diff_n`` is not supported, as JAX.

    >>> y = sph_harm_y(1, 1, np.pi / 2, np.pi / 2)  # -sqrt(3 / (8 pi)) i
    >>> y.dtype, float(np.round(y.imag, 6))
    (dtype('complex128'), -0.345494)
    """
    if diff_n is not None:
        raise NotImplementedError("sph_harm_y: the diff_n argument is not supported (nor is it by JAX)")
    if n_max is None:
        n_max = int(np.max(core.concrete_or_error(n, "n argument of sph_harm_y (or pass a static n_max)")))
    n_max = static_int(n_max, "n_max argument of sph_harm_y")
    n, m = fnp.asarray(n), fnp.asarray(m)
    theta, phi = promote_to_inexact(theta, phi)
    n, m, theta, phi = fnp.broadcast_arrays(fnp.minimum(n, n_max), m, theta, phi)
    x, s = fnp.cos(theta), fnp.sin(theta)
    order = fnp.abs(m)
    legendre = fnp.zeros_like(theta)
    diagonal = fnp.full_like(theta, 1.0 / math.sqrt(4.0 * math.pi))  # normalised P_k^k, k = 0, 1, ...
    # The normalised associated Legendre functions of each order k by their recurrence in the
    # degree, each kept where an element asks for it.
    for k in range(n_max + 1):
        if k:
            diagonal = -math.sqrt((2.0 * k + 1.0) / (2.0 * k)) * s * diagonal
        before, current = fnp.zeros_like(theta), diagonal
        for degree in range(k, n_max + 1):
            if degree > k:
                ratio = _legendre_ratio(degree, k)
                previous = 0.0 if degree == k + 1 else 1.0 / _legendre_ratio(degree - 1, k)
                before, current = current, ratio * (x * current - previous * before)
            legendre = fnp.where((order == k) & (n == degree), current, legendre)
    # Y_n^-m = (-1)^m conj(Y_n^m): the same magnitude times (-1)^m, with the phase exp(i m phi).
    sign = fnp.where((m < 0) & (order % 2 == 1), -1.0, 1.0)
    magnitude = sign * legendre
    angle = m * phi
    return lax.complex(magnitude * fnp.cos(angle), magnitude * fnp.sin(angle))


def _returning_arrays(fn):
    """``fn`` with NumPy scalars in its result made 0-d arrays: eager compositions end in NumPy
    operators, which return scalars for 0-d operands, and results must be ``ndarray``s."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            return tuple(np.asarray(o) if isinstance(o, np.generic) else o for o in out)
        return np.asarray(out) if isinstance(out, np.generic) else out

    return wrapped


for _name in __all__:
    globals()[_name] = _returning_arrays(globals()[_name])
