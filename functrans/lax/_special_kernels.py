"""Precompiled scalar kernels for special functions that generated loops call per element.

Each takes and returns float64 (float32 programs convert around the call, so float32
results are float64 results rounded once). They follow SciPy's values at the edges of
their domains (nan outside it, the limits at 0 and infinity) and are checked against
SciPy and mpmath in ``tests/test_scipy_special.py``. The methods are the classical ones
(power series, continued fractions by the modified Lentz method, asymptotic series,
Euler-Maclaurin summation, Newton steps on a forward function); where a method
loses accuracy in part of the domain (cancellation), the domain is split so that each
piece uses one that does not.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .._kernel import kernel


EULER = 0.57721566490153286061
SQRT_PI = 1.7724538509055160273
_TINY = 1e-300  # the modified Lentz method's stand-in for a zero denominator
_EPS = 2.220446049250313e-16
_SMALLEST_NORMAL = 2.2250738585072014e-308  # float64's; below it 1 / a overflows
_MAX_TERMS = 100000  # series and continued fractions stop here (|a| up to ~1e8 converges)


# --------------------------------------------------------------------------- error function family


@kernel
def _exp_square(x):
    """exp(x * x) with x * x split into two doubles, so the rounding of the square does not
    multiply into the result's relative error (which would be x**2 * eps)."""
    hi = x * x
    c = 134217729.0 * x  # Dekker's split: x = xh + xl with xh of 26 bits
    xh = c - (c - x)
    xl = x - xh
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    return math.exp(hi) * (1.0 + lo)


@kernel
def erfc(x):
    """libm's erfc (within an ulp to the underflow at x ~ 27, where SciPy's is 5e-14 off)."""
    return math.erfc(x)


@kernel
def erfcx(x):
    """exp(x**2) * erfc(x)."""
    if x != x:
        return x
    if x < 0.0:
        if x < -26.7:
            return np.inf
        # erfc(x) = 2 - erfc(-x); the second term is below the first's rounding past -26.
        return 2.0 * _exp_square(x) - (_erfcx_positive(-x) if x > -26.0 else 0.0)
    return _erfcx_positive(x)


@kernel
def _erfcx_positive(x):
    if x < 26.0:
        return _exp_square(x) * math.erfc(x)
    if x == np.inf:
        return 0.0
    # Asymptotic series 1/(x sqrt(pi)) * sum (-1)^k (2k-1)!! / (2x^2)^k: at x >= 26 its
    # terms fall below 1e-17 of the sum within 8 terms.
    inv = 0.5 / (x * x)
    term = 1.0
    total = 1.0
    for k in range(1, 12):
        term *= -(2 * k - 1) * inv
        total += term
    return total / (x * SQRT_PI)


@kernel
def erfinv(y):
    """The inverse of erf on [-1, 1]: Halley steps on erf (or Newton steps on log erfc near
    +-1, where erf(x) - y cancels) from a closed-form first guess."""
    if y != y or y < -1.0 or y > 1.0:
        return np.nan
    if y == 0.0:
        return y
    s = abs(y)
    if s == 1.0:
        return math.copysign(np.inf, y)
    if s > 0.5:
        return math.copysign(_erfcinv_small(1.0 - s), y)  # 1 - s is exact here
    if s < 1e-3:
        x = 0.5 * SQRT_PI * s * (1.0 + math.pi / 12.0 * s * s)
    else:
        # Winitzki's approximation (relative error ~2e-3).
        a = 0.147
        ln = math.log((1.0 - s) * (1.0 + s))
        t = 2.0 / (math.pi * a) + 0.5 * ln
        x = math.sqrt(math.sqrt(t * t - ln / a) - t)
    for _ in range(4):
        delta = (math.erf(x) - s) / (2.0 / SQRT_PI * math.exp(-x * x))
        x_new = x - delta / (1.0 + x * delta)
        if abs(x_new - x) <= 1e-17 * x:
            x = x_new
            break
        x = x_new
    return math.copysign(x, y)


@kernel
def _erfcinv_small(q):
    """The x > 0 with erfc(x) = q, for 0 < q <= 0.5: Newton steps on log erfc(x) = log q,
    written as log(erfcx(x)) - x**2 so that it stays accurate where erfc underflows."""
    if q == 0.0:
        return np.inf
    big = -math.log(q)
    x = math.sqrt(max(big - 0.5 * math.log(big * math.pi), 0.25))
    for _ in range(12):
        e = _erfcx_positive(x)
        g = math.log(e) - x * x + big
        step = 0.5 * SQRT_PI * e * g
        x += step
        if abs(step) <= 1e-16 * x:
            break
    return x


@kernel
def erfcinv(q):
    """The inverse of erfc on [0, 2]."""
    if q != q or q < 0.0 or q > 2.0:
        return np.nan
    if q < 0.5:
        return _erfcinv_small(q)
    if q > 1.5:
        return -_erfcinv_small(2.0 - q)  # exact: Sterbenz
    return erfinv(1.0 - q)


@kernel
def ndtri(p):
    """The standard normal quantile: -sqrt(2) erfcinv(2p) (2p is exact)."""
    if p == 0.0:
        return -np.inf
    if p == 1.0:
        return np.inf
    return -math.sqrt(2.0) * erfcinv(2.0 * p)


@kernel
def dawsn(x):
    """Dawson's integral exp(-x^2) int_0^x exp(t^2) dt: its Maclaurin series for |x| < 0.2,
    Rybicki's sampling-theorem sum for |x| < 12, the asymptotic series beyond."""
    if x != x:
        return x
    ax = abs(x)
    if ax < 0.2:
        x2 = x * x
        # D(x) = sum (-2)^k x^(2k+1) / (2k+1)!!
        term = x
        total = x
        for k in range(1, 20):
            term *= -2.0 * x2 / (2 * k + 1)
            total += term
        return total
    if ax > 12.0:
        if ax == np.inf:
            return math.copysign(0.0, x)
        inv = 1.0 / (2.0 * x * x)
        term = 1.0
        total = 1.0
        for k in range(1, 30):
            term *= (2 * k - 1) * inv
            total += term
            if term < 1e-17 * total:
                break
        return total / (2.0 * x)
    # Rybicki: D(x) ~ 1/sqrt(pi) sum_{n odd} exp(-(x0 - n h)^2)... with h = 0.2 this sum over
    # |n| < 60 is accurate to ~1e-16 (the neglected terms are exp(-(pi/h)^2) ~ 1e-107).
    h = 0.2
    n0 = 2 * int(round(0.5 * ax / h))
    xp = ax - n0 * h
    e1 = math.exp(2.0 * xp * h)
    e2 = e1 * e1
    d1 = n0 + 1.0
    d2 = d1 - 2.0
    total = 0.0
    base = math.exp(-xp * xp)
    for i in range(60):
        c = base * math.exp(-((2 * i + 1) * h) ** 2)
        total += c * (e1 / d1 + 1.0 / (d2 * e1))
        d1 += 2.0
        d2 -= 2.0
        e1 *= e2
    return math.copysign(total / SQRT_PI, x)


# --------------------------------------------------------------------------- gamma family


@kernel
def _log1pmx(t):
    """log(1 + t) - t without cancellation: with s = t / (2 + t), log(1 + t) = 2 atanh(s)
    and 2s - t = -t^2 / (2 + t), leaving an odd series in s that converges fast."""
    if abs(t) > 0.5:
        return math.log1p(t) - t
    s = t / (2.0 + t)
    s2 = s * s
    power = s * s2
    total = 0.0
    for k in range(1, 40):
        term = power / (2 * k + 1)
        total += term
        if abs(term) < 1e-18 * abs(total):
            break
        power *= s2
    return 2.0 * total - t * t / (2.0 + t)


@kernel
def _stirling_correction(a):
    """lgamma(a) - ((a - 1/2) log a - a + log(2 pi)/2) for a >= 10 (Stirling's series)."""
    inv = 1.0 / a
    inv2 = inv * inv
    return inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680 - inv2 * (
        1.0 / 1188 - inv2 * (691.0 / 360360 - inv2 / 156))))))


@kernel
def _igam_prefactor(a, x):
    """x^a e^-x / Gamma(a), computed from the relative distance of x to a when a is large
    (a log x - x - lgamma(a) would lose |a log a| * eps to cancellation)."""
    if a < 10.0:
        return math.exp(a * math.log(x) - x - math.lgamma(a))
    t = (x - a) / a
    # log(x / a) - t; from x / a itself when x is far from a (1 + t would lose x's digits)
    log_ratio_minus_t = _log1pmx(t) if abs(t) <= 0.5 else math.log(x / a) - t
    return math.exp(a * log_ratio_minus_t - _stirling_correction(a)) * math.sqrt(a / (2.0 * math.pi))


@kernel
def _igam_series(a, x):
    """P(a, x) by its power series (for x < a + 1)."""
    term = 1.0 / a
    total = term
    n = a
    for _ in range(_MAX_TERMS):
        n += 1.0
        term *= x / n
        total += term
        if term < total * 1e-17:
            break
    return total * _igam_prefactor(a, x)


@kernel
def _igamc_fraction(a, x):
    """Q(a, x) by its continued fraction (for x >= a + 1), modified Lentz."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h * _igam_prefactor(a, x)


@kernel
def _lgamma1p(a):
    """lgamma(1 + a) for |a| < 0.5 by its Taylor series -euler a + sum (-a)^k zeta(k) / k
    (math.lgamma(1 + a) loses the digits of a that 1 + a rounds away)."""
    total = -EULER * a
    power = -a
    for k in range(2, 80):
        power *= -a
        term = power * zeta(float(k), 1.0) / k
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
    return total


@kernel
def _igamc_small_a(a, x):
    """Q(a, x) for a < 1, x < a + 1: 1 - x^a / Gamma(a + 1) - x^a / Gamma(a) sum_{n>=1}
    (-x)^n / (n! (a + n)), where 1 - P would cancel for small a."""
    lead = -math.expm1(a * math.log(x) - (_lgamma1p(a) if a < 0.5 else math.lgamma(1.0 + a)))
    term = 1.0
    total = 0.0
    for n in range(1, 400):
        term *= -x / n
        piece = term / (a + n)
        total += piece
        if abs(piece) < 1e-17 * abs(total):
            break
    return lead - math.exp(a * math.log(x) - math.lgamma(a)) * total


@kernel
def _igam_edges(a, x):
    """P(a, x) at the edges of the domain (nan for none of them), as SciPy."""
    if a != a or x != x or a < 0.0 or x < 0.0:
        return np.nan
    if a == 0.0:
        return 1.0 if x > 0.0 else np.nan
    if x == 0.0:
        return 0.0
    if a == np.inf:
        return np.nan if x == np.inf else 0.0
    if x == np.inf:
        return 1.0
    return -1.0


@kernel
def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    edge = _igam_edges(a, x)
    if edge != -1.0:
        return edge
    if a < _SMALLEST_NORMAL:
        # 1 - Q with Q below a (|log x| + 1) < 1e-305: 1.0 exactly (the series' 1/a overflows;
        # SciPy flushes 1/Gamma(a) and returns 0 for x < a + 1, away from its own P(0, x) = 1)
        return 1.0
    if x < a + 1.0:
        return _igam_series(a, x)
    return 1.0 - _igamc_fraction(a, x)


@kernel
def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    edge = _igam_edges(a, x)
    if edge != -1.0:
        return edge if edge != edge else 1.0 - edge
    if x >= a + 1.0:
        return _igamc_fraction(a, x)
    if a < 1.0 and x < 1.5:
        return _igamc_small_a(a, x)
    return 1.0 - _igam_series(a, x)


@kernel
def igamma_grad_a(a, x):
    """d/da P(a, x): the series of P differentiated term by term, sum_n t_n (log x -
    digamma(a + n + 1)) with t_n = x^(a+n) e^-x / Gamma(a + n + 1); for x >= a + 1 the
    same for -Q from its representation through the series of P (Q = 1 - P)."""
    if a != a or x != x or a <= 0.0 or x < 0.0:
        return np.nan
    if x == 0.0 or x == np.inf:
        return 0.0
    log_x = math.log(x)
    # psi(a + n + 1) = psi(a + 1) + sum_{k=1}^{n} 1/(a + k)
    psi = digamma(a + 1.0)
    term = _igam_prefactor(a, x) / a
    total = term * (log_x - psi)
    n = a
    for _ in range(_MAX_TERMS):
        n += 1.0
        term *= x / n
        psi += 1.0 / n
        piece = term * (log_x - psi)
        total += piece
        if term < 1e-17 * abs(total) and n > x:
            break
    return total


@kernel
def digamma(x):
    """psi(x) by the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic
    series (to x**-14: its error there is below 1e-16)."""
    if x != x or x == -np.inf:
        return np.nan
    if x == 0.0:
        return -1.0 / x  # -inf at +0, +inf at -0, as SciPy
    # np.floor, not math.floor: the latter gives an int64, which overflows for large |x|.
    if x < 0.0 and np.floor(x) == x:
        return np.nan
    result = 0.0
    if x < 0.0:
        # Reflection: psi(1 - x) - psi(x) = pi cot(pi x), with the period taken out first (exactly:
        # x minus its nearest integer), or pi * x would lose cot's accuracy near the poles.
        result -= math.pi / math.tan(math.pi * (x - np.rint(x)))
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    inv = 1.0 / (x * x)
    series = inv * (1.0 / 12 - inv * (1.0 / 120 - inv * (1.0 / 252 - inv * (1.0 / 240 - inv * (1.0 / 132 - inv * (691.0 / 32760 - inv / 12))))))
    return result + math.log(x) - 0.5 / x - series


# --------------------------------------------------------------------------- incomplete beta


@kernel
def _betainc_fraction(a, b, x):
    """The continued fraction of I_x(a, b) (converges fast for x < (a + 1) / (a + b + 2))."""
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return _betainc_prefactor(a, b, x) * h / a


@kernel
def _betainc_prefactor(a, b, x):
    """x^a (1 - x)^b / B(a, b). For large a and b, from Stirling's series around the mode
    x0 = a / (a + b): a log(x / x0) + b log((1 - x) / (1 - x0)) is a sum of log1p(t) - t terms
    (the linear parts cancel), where three lgammas of size a log a would cancel to eps a log a."""
    if a < 10.0 or b < 10.0:
        return math.exp(a * math.log(x) + b * math.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
    total = a + b
    x0 = a / total
    t1 = (x - x0) / x0
    t2 = (x0 - x) / (1.0 - x0)
    # log1p(t) - t, from the ratio itself where 1 + t would lose its digits
    l1 = _log1pmx(t1) if abs(t1) <= 0.5 else math.log(x / x0) - t1
    l2 = _log1pmx(t2) if abs(t2) <= 0.5 else math.log1p(-x) - math.log1p(-x0) - t2
    correction = _stirling_correction(a) + _stirling_correction(b) - _stirling_correction(total)
    return math.exp(a * l1 + b * l2 - correction) * math.sqrt(a * b / (2.0 * math.pi * total))


@kernel
def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    if a != a or b != b or x != x or a < 0.0 or b < 0.0 or x < 0.0 or x > 1.0:
        return np.nan
    if (a == 0.0 and b == 0.0) or (a == np.inf and b == np.inf):
        return np.nan
    if a == 0.0 or b == 0.0:
        return 1.0 if a == 0.0 else 0.0
    if x == 0.0 or x == 1.0:
        return x
    if a == np.inf or b == np.inf:
        # the mass of Beta(a, b) runs to x = 0 (b infinite) or x = 1 (a infinite)
        return 1.0 if b == np.inf else 0.0
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - _betainc_fraction(b, a, 1.0 - x)
    return _betainc_fraction(a, b, x)


# --------------------------------------------------------------------------- Bessel


@kernel
def _bessel_ie(x, order):
    """exp(-|x|) I_order(|x|) for order 0 or 1 (the sign of I1 is applied by the caller): the
    power series (positive terms) for |x| <= 20, Hankel's asymptotic series beyond."""
    if x <= 20.0:
        q = 0.25 * x * x
        term = 1.0 if order == 0 else 0.5 * x
        total = term
        for k in range(1, 200):
            term *= q / (k * (k + order))
            total += term
            if term < 1e-17 * total:
                break
        return total * math.exp(-x)
    if x == np.inf:
        return 0.0
    mu = 4.0 * order * order
    term = 1.0
    total = 1.0
    inv = 1.0 / (8.0 * x)
    for k in range(1, 60):
        new = -term * (mu - (2 * k - 1) ** 2) * inv / k
        if abs(new) > abs(term):  # the series is asymptotic: stop at its smallest term
            break
        term = new
        total += term
        if abs(term) < 1e-17 * total:
            break
    return total / math.sqrt(2.0 * math.pi * x)


@kernel
def i0e(x):
    if x != x:
        return x
    return _bessel_ie(abs(x), 0)


@kernel
def i1e(x):
    if x != x:
        return x
    return math.copysign(_bessel_ie(abs(x), 1), x)


# --------------------------------------------------------------------------- zeta


_BERNOULLI_OVER_FACTORIAL = np.array([
    # B_2j / (2j)! for j = 1..12
    1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160, -691.0 / 1307674368000,
    1.0 / 74724249600, -3617.0 / 10670622842880000, 43867.0 / 5109094217170944000,
    -174611.0 / 802857662698291200000, 77683.0 / 14101100039391805440000,
    -236364091.0 / 1693824136731743669452800000,
])


@kernel
def zeta(s, q):
    """The Hurwitz zeta function sum_{k>=0} (k + q)^-s (SciPy's domain: s >= 1; q <= 0 only
    for integer s): direct terms until q + N >= 9, then the Euler-Maclaurin tail."""
    if s != s or q != q:
        return np.nan
    if s == 1.0:
        return np.inf
    if s < 1.0:
        return np.nan
    if q <= 0.0:
        if q == np.floor(q):
            return np.inf
        if s != np.floor(s):
            return np.nan
    if q == np.inf:
        return 0.0
    if s == np.inf:
        # SciPy's (and JAX's): nan for 1 < q <= 1e8, whose limit 0 its summation (0/0) misses
        return np.inf if q < 1.0 else (1.0 if q == 1.0 else (np.nan if q <= 1e8 else 0.0))
    total = 0.0
    w = q
    n = 0
    while n < 9 or w < 9.0:
        term = math.pow(w, -s)
        total += term
        w += 1.0
        n += 1
        if abs(term) < 1e-17 * abs(total) and w > 0.0:
            return total
    power = math.pow(w, -s)
    tail = w * power / (s - 1.0) + 0.5 * power
    factor = s * power / w  # s (s+1) ... (s+2j-2) w^(-s-2j+1), for j = 1
    for j in range(12):
        piece = _BERNOULLI_OVER_FACTORIAL[j] * factor
        tail += piece
        if abs(piece) < 1e-17 * abs(total + tail):
            break
        factor *= (s + 2 * j + 1) * (s + 2 * j + 2) / (w * w)
    return total + tail


# --------------------------------------------------------------------------- exponential integrals


@kernel
def expn(n, x):
    """E_n(x) = int_1^inf exp(-x t) / t^n dt for integer n >= 0: its series for x <= 2, its
    continued fraction (modified Lentz) beyond."""
    if n != n or x != x or n < 0.0 or x < 0.0 or n != np.floor(n) or n == np.inf:
        return np.nan  # SciPy's n is an integer: an infinite one is out of its domain
    if x == np.inf:
        return 0.0
    if x == 0.0:  # -0.0 included: SciPy's pole at x = 0 is +inf for n <= 1
        return np.inf if n <= 1.0 else 1.0 / (n - 1.0)
    if n == 0.0:
        return math.exp(-x) / x
    if x > 2.0:
        b = x + n
        c = 1.0 / _TINY
        d = 1.0 / b
        h = d
        for i in range(1, _MAX_TERMS):
            an = -i * (n - 1.0 + i)
            b += 2.0
            d = 1.0 / (an * d + b)
            c = b + an / c
            delta = c * d
            h *= delta
            if abs(delta - 1.0) < 1e-16:
                break
        return h * math.exp(-x)
    m = int(n) - 1
    total = 1.0 / m if m != 0 else -math.log(x) - EULER
    fact = 1.0
    for i in range(1, _MAX_TERMS):
        fact *= -x / i
        if i != m:
            piece = -fact / (i - m)
        else:
            psi = -EULER
            for k in range(1, m + 1):
                psi += 1.0 / k
            piece = fact * (-math.log(x) + psi)
        total += piece
        if abs(piece) < abs(total) * 1e-17:
            break
    return total


@kernel
def exp1(x):
    """E_1(x) for real x >= 0 (nan below, as SciPy's real exp1)."""
    if x < 0.0:
        return np.nan
    return expn(1.0, x)


@kernel
def expi(x):
    """The exponential integral Ei(x) = -E_1(-x) for x < 0; for x > 0 its series below 40 and
    its asymptotic series above."""
    if x != x:
        return x
    if x < 0.0:
        return -exp1(-x)
    if x == 0.0:
        return -np.inf
    if x == np.inf:
        return np.inf
    if x < 40.0:
        term = 1.0
        total = 0.0
        for k in range(1, 500):
            term *= x / k
            piece = term / k
            total += piece
            if piece < 1e-17 * total:
                break
        return EULER + math.log(x) + total
    term = 1.0
    total = 1.0
    for k in range(1, 60):
        new = term * k / x
        if new > term:
            break
        term = new
        total += term
        if term < 1e-17 * total:
            break
    return math.exp(x) / x * total


# --------------------------------------------------------------------------- dilogarithm


@kernel
def _dilog_series(z):
    """Li2(z) = sum z^k / k^2 for |z| <= 1/2."""
    term = z
    total = z
    power = z
    for k in range(2, 200):
        power *= z
        term = power / (k * k)
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
    return total


@kernel
def spence(x):
    """SciPy's spence: int_1^x log(t) / (1 - t) dt = Li2(1 - x), for x >= 0; the series of Li2
    after the reflection and inversion formulas bring its argument into [-1/2, 1/2]."""
    if x != x or x < 0.0:
        return np.nan
    if x == 1.0:
        return 0.0
    if x == 0.0:
        return math.pi * math.pi / 6.0
    if x == np.inf:
        return np.nan  # SciPy's (and JAX's), though Li2(1 - x) tends to -inf
    z = 1.0 - x  # Li2(z), z in (-inf, 1)
    if z >= -0.5 and z <= 0.5:
        return _dilog_series(z)
    if z > 0.5:
        # Li2(z) = pi^2/6 - log(z) log(1 - z) - Li2(1 - z), 1 - z = x
        return math.pi * math.pi / 6.0 - math.log(z) * math.log(x) - _dilog_series(x)
    if z >= -1.0:
        # Li2(z) = -Li2(z / (z - 1)) - log(1 - z)^2 / 2, z / (z - 1) in [1/3, 1/2]
        lg = math.log(x)
        return -_dilog_series(z / (z - 1.0)) - 0.5 * lg * lg
    # z < -1: Li2(z) = -pi^2/6 - log(-z)^2 / 2 - Li2(1/z), 1/z in (-1, 0)
    lz = math.log(-z)
    w = 1.0 / z
    if w >= -0.5:
        inner = _dilog_series(w)
    else:
        lw = math.log1p(-w)
        inner = -_dilog_series(w / (w - 1.0)) - 0.5 * lw * lw
    return -math.pi * math.pi / 6.0 - 0.5 * lz * lz - inner


# --------------------------------------------------------------------------- Owen's T


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)


@kernel
def _owens_t_integral(h, a):
    """(1/2pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx for h >= 0, 0 <= a <= 1, by Gauss-
    Legendre on 4 panels, the range cut where exp(-h^2 x^2 / 2) falls below 1e-17 of its start."""
    upper = a if h * a <= 9.0 else 9.0 / h
    half = 0.125 * upper  # 4 panels of width upper / 4
    total = 0.0
    for panel in range(4):
        centre = (2 * panel + 1) * half
        for i in range(_GL_NODES.shape[0]):
            x = centre + half * _GL_NODES[i]
            total += _GL_WEIGHTS[i] * math.exp(-0.5 * h * h * x * x) / (1.0 + x * x)
    return total * half * math.exp(-0.5 * h * h) / (2.0 * math.pi)


@kernel
def owens_t(h, a):
    """Owen's T function T(h, a), even in h and odd in a; for |a| > 1 from T(a h, 1/a) by
    T(h, a) = (q(h) + q(ah)) / 2 - q(h) q(ah) - T(ah, 1/a), q the standard normal upper tail."""
    if h != h or a != a:
        return np.nan
    h = abs(h)
    sign = 1.0 if a >= 0.0 else -1.0
    a = abs(a)
    if a == 0.0 or h == np.inf:
        return 0.0 * sign
    if a == np.inf:
        return sign * 0.25 * math.erfc(h / math.sqrt(2.0))
    if a <= 1.0:
        return sign * _owens_t_integral(h, a)
    ah = a * h
    q_h = 0.5 * math.erfc(h / math.sqrt(2.0))
    q_ah = 0.5 * math.erfc(ah / math.sqrt(2.0))
    return sign * (0.5 * (q_h + q_ah) - q_h * q_ah - _owens_t_integral(ah, 1.0 / a))


# --------------------------------------------------------------------------- sine/cosine and Fresnel integrals


@kernel
def _sici_positive(t):
    """(Si(t), Ci(t)) for t > 0: power series below 3, above it E1(i t) = -Ci(t) + i (Si(t) - pi/2)
    by its continued fraction (modified Lentz)."""
    if t < 3.0:
        t2 = t * t
        term = t
        si = t
        ci = 0.0
        for k in range(1, 60):
            term *= -t2 / ((2 * k) * (2 * k + 1))
            si += term / (2 * k + 1)
            if abs(term) < 1e-18 * abs(si):
                break
        term = 1.0
        for k in range(1, 60):
            term *= -t2 / ((2 * k - 1) * (2 * k))
            piece = term / (2 * k)
            ci += piece
            if abs(piece) < 1e-18:
                break
        return si, EULER + math.log(t) + ci
    if t == np.inf:
        return 0.5 * math.pi, 0.0
    b = complex(1.0, t)
    c = complex(1.0 / _TINY, 0.0)
    d = 1.0 / b
    h = d
    for i in range(2, _MAX_TERMS):
        a = -float((i - 1) * (i - 1))
        b += 2.0
        d = 1.0 / (a * d + b)
        c = b + a / c
        delta = c * d
        h *= delta
        if abs(delta.real - 1.0) + abs(delta.imag) < 1e-16:
            break
    h *= complex(math.cos(t), -math.sin(t))
    return 0.5 * math.pi + h.imag, -h.real


@kernel
def si(x):
    """The sine integral int_0^x sin(t) / t dt."""
    if x != x:
        return x
    if x == 0.0:
        return x
    return math.copysign(_sici_positive(abs(x))[0], x)


@kernel
def ci(x):
    """The cosine integral euler + log|x| + int_0^|x| (cos(t) - 1) / t dt (SciPy's real part for x < 0)."""
    if x != x or x == -np.inf:
        return np.nan
    if x == 0.0:
        return -np.inf
    return _sici_positive(abs(x))[1]


@kernel
def _fresnel_positive(x):
    """(S(x), C(x)) for x > 0: power series below 1.5, above it the continued fraction of
    erfc((1 - i) sqrt(pi) x / 2) (modified Lentz)."""
    if x < 1.5:
        # factor_n = (pi/2)^n x^(2n+1) / n!; even n give C's terms, odd n S's, signs by n mod 4
        half_pi = 0.5 * math.pi
        factor = x
        c_sum = x
        s_sum = 0.0
        for n in range(1, 80):
            factor *= half_pi * x * x / n
            piece = factor / (2 * n + 1) * (1.0 if n % 4 < 2 else -1.0)
            if n % 2 == 0:
                c_sum += piece
            else:
                s_sum += piece
            if factor < 1e-18 * (c_sum + s_sum):
                break
        return s_sum, c_sum
    if x == np.inf:
        return 0.5, 0.5
    pix2 = math.pi * x * x
    b = complex(1.0, -pix2)
    cc = complex(1.0 / _TINY, 0.0)
    d = 1.0 / b
    h = d
    n = -1
    for _ in range(2, _MAX_TERMS):
        n += 2
        a = -float(n * (n + 1))
        b += 4.0
        d = 1.0 / (a * d + b)
        cc = b + a / cc
        delta = cc * d
        h *= delta
        if abs(delta.real - 1.0) + abs(delta.imag) < 1e-16:
            break
    h *= complex(x, -x)
    # the phase pi x^2 / 2 reduced exactly: x^2 as hi + lo (Dekker), hi modulo 4 (exact: hi / 4 is)
    hi = x * x
    split = 134217729.0 * x
    xh = split - (split - x)
    xl = x - xh
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    phase = 0.5 * math.pi * ((hi - 4.0 * np.floor(0.25 * hi)) + lo)
    cs = complex(0.5, 0.5) * (1.0 - complex(math.cos(phase), math.sin(phase)) * h)
    return cs.imag, cs.real


@kernel
def fresnel_s(x):
    """The Fresnel integral S(x) = int_0^x sin(pi t^2 / 2) dt."""
    if x != x or x == 0.0:
        return x
    return math.copysign(_fresnel_positive(abs(x))[0], x)


@kernel
def fresnel_c(x):
    """The Fresnel integral C(x) = int_0^x cos(pi t^2 / 2) dt."""
    if x != x or x == 0.0:
        return x
    return math.copysign(_fresnel_positive(abs(x))[1], x)


# --------------------------------------------------------------------------- confluent hypergeometric


@kernel
def _hyp1f1_series(a, b, x):
    """(M(a, b, x), dM/da, dM/db) by Kummer's series sum t_k, t_k = (a)_k / (b)_k x^k / k!, whose
    parameter derivatives are t_k sum_{i<k} 1/(a+i) and -t_k sum_{i<k} 1/(b+i)."""
    term = 1.0
    total = 1.0
    da = 0.0
    db = 0.0
    harmonic_a = 0.0
    harmonic_b = 0.0
    for k in range(_MAX_TERMS):
        if a + k == 0.0:  # a a non-positive integer: a polynomial, but the derivative in a goes on
            rest = term * x / (b + k) / (k + 1)  # t_{k+1} / (a + k)
            da += _hyp1f1_terminated_da(a, b, x, k, rest)
            break
        harmonic_a += 1.0 / (a + k)
        harmonic_b += 1.0 / (b + k)
        term *= (a + k) / (b + k) * x / (k + 1)
        total += term
        da += term * harmonic_a
        db -= term * harmonic_b
        if abs(term) < 1e-17 * abs(total) and abs(term * harmonic_a) <= 1e-17 * abs(da) + 1e-300 and k > abs(x):
            break
    return total, da, db


@kernel
def _hyp1f1_terminated_da(a, b, x, k, rest):
    """The terms beyond a terminating series' end in dM/da: t_j / (a + k) stays finite as
    a + k -> 0, so d t_j / da there is the product of the other factors."""
    total = 0.0
    term = rest  # (a)_{k+1} / (a+k) ... / (b)_{k+1} x^{k+1} / (k+1)!
    for j in range(k + 1, _MAX_TERMS):
        total += term
        term *= (a + j) / (b + j) * x / (j + 1)
        if abs(term) < 1e-17 * abs(total) and j > abs(x):
            break
    return total


@kernel
def _hyp1f1_all(a, b, x):
    if a != a or b != b or x != x:
        return np.nan, np.nan, np.nan
    if b <= 0.0 and b == np.floor(b):
        return np.inf, np.nan, np.nan
    if x == 0.0:
        return 1.0, 0.0, 0.0
    if x < 0.0:
        # Kummer's transformation M(a, b, x) = e^x M(b - a, b, -x) keeps the series positive
        m, da, db = _hyp1f1_series(b - a, b, -x)
        scale = math.exp(x)
        return scale * m, -scale * da, scale * (da + db)
    return _hyp1f1_series(a, b, x)


@kernel
def hyp1f1(a, b, x):
    """Kummer's confluent hypergeometric function M(a, b, x)."""
    return _hyp1f1_all(a, b, x)[0]


@kernel
def hyp1f1_da(a, b, x):
    return _hyp1f1_all(a, b, x)[1]


@kernel
def hyp1f1_db(a, b, x):
    return _hyp1f1_all(a, b, x)[2]
