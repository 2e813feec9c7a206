"""Vectorisable scalar math for generated Numba loops.

Why this module exists
----------------------
Inside ``@numba.njit`` code, ``np.exp``/``np.log``/``np.tanh``/``np.sin``/...
on a scalar become calls to the C math library.  pip's llvmlite ships no SVML,
so LLVM has no vector version of those calls, and a loop that contains one is
not vectorised: ``tanh`` costs ~20 ns/element where NumPy's SIMD ufunc takes
~0.4 ns.  The functions here are written as plain float arithmetic plus integer
operations on the float bits (through tiny ``@intrinsic`` bitcasts), with every
special case expressed as a ``cond ? a : b`` select rather than a branch to a
call, so that once LLVM has inlined them into a loop the loop vectorises
*without* ``fastmath``: ``<8 x double>``/``<16 x float>`` with AVX-512,
``<4 x double>``/``<8 x float>`` with AVX2, ``<2 x double>``/``<4 x float>``
with SSE2 only (checked via NUMBA_CPU_NAME/NUMBA_CPU_FEATURES), with bitwise
identical results on all of them (no fused multiply-adds are formed).  ``fastmath`` must stay off: it lets LLVM assume no
NaN/inf and reassociate, which breaks both the special values and the careful
operation order below.  Loops must be compiled with ``error_model="numpy"``
(the default "python" model puts a zero-division branch on every ``/``).

Public interface
----------------
``exp, expm1, log, log1p, tanh, logistic, sin, cos, sin_full, cos_full``: each
takes one float32 or float64 scalar and returns a scalar of the same dtype.  Inside ``njit`` code they
are resolved by ``numba.extending.overload`` on the argument type (float32 ->
the ``*_f32`` implementation, float64 -> ``*_f64``); called from plain Python
they dispatch the same way on ``np.float32`` vs anything else.  The
dtype-specific ``exp_f64``, ``exp_f32``, ... are ordinary ``njit`` functions
and may be called directly.  All implementations are compiled with
``cache=True, error_model="numpy"``; callers compiled with ``cache=True`` load
from Numba's disk cache in a new process.  Two caveats of Numba's cache:
a caller's cache entry is keyed on the caller's file only, so if this module
changes, callers' caches must be invalidated by other means (e.g. the
functrans version in the cache key); and cache entries record the module's
name, so import this file only as ``functrans.backend.fastmath`` (loading it
by path under another name, with the same cache directory, makes later loads
fail with ModuleNotFoundError).

Call the functions unconditionally and select afterwards
(``y = fm.exp(x); r = y if c else z``): a call under a branch is not
if-converted by LLVM, and the loop then does not vectorise.

Approach (all approximations were derived for this module)
-----------------------------------------------------------
* Rounding to an integer without ``int()``/``round()``: ``t = v + 1.5*2**52``
  rounds ``v`` to the nearest integer (ties to even) for ``|v| < 2**51``;
  ``t - 1.5*2**52`` is that integer as a float and ``bits(t) - bits(1.5*2**52)``
  is it as an int (float32: ``1.5*2**23``).  Integer -> float by the reverse.
  This vectorises on every x86-64 (packed int64 <-> double conversions need
  AVX-512DQ).
* ``2**k`` is built directly in the exponent field: ``bits((k + bias) << m)``.
  To reach subnormal results and overflow without special-casing, ``2**k`` is
  applied as two factors ``2**(k>>1) * 2**(k - (k>>1))``: the first product is
  exact and the second rounds once, correctly, into the subnormal range or inf.
* exp/expm1: ``x = k*ln2 + r``, ``|r| <= ln2/2``, with ln2 split Cody-Waite
  style into a 42-bit (float32: 16-bit) head, so ``k*LN2_HI`` is exact for all
  reachable ``k``, and a tail.  ``e**r = 1 + r + r**2/2 + r**3*Q(r)``, summed
  as ``(c + r_hi) + (err + r_lo + r**2*(1/2 + r*Q))`` where ``c`` is 1 for exp
  and ``1 - 2**-k`` for expm1 (``expm1(x) = 2**k * (c + expm1(r))``) and
  ``err`` is the exactly recovered rounding error of ``c + r_hi`` (Fast2Sum), so
  neither the reduced argument's rounding nor that sum costs accuracy.
* log/log1p: ``x = 2**e * m`` with ``m`` in ``[sqrt(1/2), sqrt(2))`` (by integer
  arithmetic on the bits), ``f = m - 1`` (exact), ``s = f/(2+f)`` and
  ``log(1+f) = 2*atanh(s) = f - s*(f - s**2*T(s**2))`` (uses ``2s = f - s*f``;
  the exact ``f`` carries the leading term so the rounding error of ``s`` only
  enters the correction ``s*(f - ...)``, about ``f**2/2``).  log1p forms ``u = 1 + x`` and adds the
  exactly computed rounding error ``c = x - (u - 1)`` back as ``c/u``.
* tanh(|x|) = em/(em + 2) with ``em = expm1(2|x|)`` (clamped so em stays
  finite), sign restored with copysign: the relative error of em enters damped
  by ``2/(em + 2) <= 1``.  logistic(x) = e/(1+e) (x < 0) or 1/(1+e) (x >= 0)
  with ``e = exp(-|x|)``: no overflow and accurate tails on both sides.  In
  both, the rounding error ``dl`` of the denominator ``d`` is recovered exactly
  (Fast2Sum) and removed to first order, ``q - q*dl/d``, where ``1/d`` is
  rewritten in terms of ``q`` so that no second division is needed.
* sin/cos: ``k = round(x*2/pi)``, ``r = x - k*pi/2`` with pi/2 split into four
  parts (33, 33, 33, 53 significant bits).  For ``|k| < 2**20`` every product
  ``k*P_i`` is exact; the subtractions use TwoSum, and under cancellation they
  are exact anyway (Sterbenz), so ``r = r_hi + r_lo`` is good to ~2**-100
  relative even for the doubles closest to a multiple of pi/2.  Then
  ``sin(r) = r + r**3*S(r**2)`` and ``cos(r) = 1 - r**2/2 + r**4*C(r**2)``
  (``1 - r**2/2`` with its rounding error compensated, ``r_lo`` added as
  ``r_lo*cos(r)`` and ``-r_lo*sin(r)``), picked and signed by ``k & 3``.
  A branch to libm for large ``|x|`` is NOT used: measured, it makes LLVM call
  libm ``sin`` for every element (10.7 ns/element instead of 0.8).  So:
  ``|x| < 2**20`` (SINCOS_ACCURATE_MAX): full accuracy;
  ``2**20 <= |x| < 2**50``: ``k*P1`` is no longer exact and the absolute error
  is at most about ``|x| * 2**-53`` (measured), the size of the change a
  one-ulp change of ``x`` makes (3.7e-9 at |x| = 6.7e7, 0.06 at 1e15);
  ``|x| >= 2**50`` (SINCOS_MAX_ARG, about 1.1e15), inf and NaN: NaN, where
  NumPy returns a finite value for finite ``x``.  float32 sin/cos compute in
  float64 internally (three-part Cody-Waite, degree-3 polynomials) and follow
  the same limits.
* sin_full/cos_full: the same below 2**20; from there (and at +-inf) a call, out of
  line, to an exact reduction: ``x = m*2**e``, ``x*2/pi mod 4 = m*W mod 2**192``
  (``*2**-190``) where ``W`` holds the 192 bits of 2/pi that matter for that ``e``
  (a 1004-row table, computed at import from a Machin-formula 2/pi; only the
  out-of-line function holds it), multiplied in 24-bit integer limbs and summed into
  a double-double with TwoSum: within 1 ulp of NumPy for every finite float64 and
  float32 (measured on 10**6 points: random bit patterns, log-spaced to the largest
  double, and multiples of pi/2 near 2**20..2**35).  The call is under ``if |x| >=
  2**20`` and declared free of side effects with a vector variant, so LLVM still
  vectorises the loop and runs the call per lane, only where the condition holds.
  It is not free: a call in a vectorised loop makes LLVM keep its vector constants
  on the stack (every vector register is caller-saved), which measured 20-30% slower
  on a large fused loop of sin, cos, exp and tanh (benchmarks/w2). So compiled loops run
  ``sin``/``cos`` and check ``|x| >= 2**20`` as they go (one compare per element); a
  loop that met such an argument runs again with ``sin_full``/``cos_full``
  (``functrans.lowering.exact_rules``, ``backend.loops``): exact everywhere, and as
  fast as before where every argument is below 2**20.
* float32 exp/expm1/log/log1p/tanh/logistic compute natively in float32 (16
  lanes per AVX-512 vector) with their own coefficients.

Polynomial coefficients: near-minimax fits of the *relative* error of the
correction functions Q, T, S, C below, computed with mpmath at 50 digits by
Lawson's iteratively reweighted least squares on 160 Chebyshev nodes (which
converges to the minimax solution), then rounded to the target precision and
re-checked on 3000 points.  The reported relative error of each correction
function is damped in the final result by the small factor multiplying it
(e.g. ``r**3`` in exp), so each contributes well under 0.1 ulp.

Accuracy, measured (tests/test_fastmath.py re-checks the first two columns
on ~10**6 points per function and dtype).  "vs NumPy": max distance in ulps,
counted on the integer views of the bits, from NumPy's float64 ufunc
(float32: from the float64 result rounded to float32; logistic: from
1/(1+e**-x) in long double).  "vs exact": max error in fractional ulps
against a long double (float64) or unrounded float64 (float32) reference.
float64 on ~7*10**6 points per function (uniform, log-spaced from the
smallest subnormal, random bit patterns, threshold windows) plus 4-6*10**7
random points against glibc; float32 exhaustively, every finite input::

                 float64              float32 (exhaustive)
    function     vs NumPy  vs exact   vs rounded f64  vs exact
    exp          1         0.76       1               0.76
    expm1        1         1.13       1               1.06
    log          1         0.91       1               0.95
    log1p        1         0.90       1               0.97
    tanh         2         1.70       2               1.95
    logistic     2         1.83       2               1.97
    sin          1         0.78       1               0.50   (|x| < 2**20)
    cos          1         0.79       1               0.50   (|x| < 2**20)

(NumPy's own float64 results are within 0.52-0.72 ulp of exact on the same
points; SciPy's expit is up to 2 ulp off and flushes to 0 below -709.78.)

Special values follow NumPy: exp(-inf)=0, exp(inf)=inf, overflow -> inf,
underflow -> 0 through correctly rounded subnormals; log(0)=-inf, log(<0)=nan,
log(inf)=inf; log1p(-1)=-inf, log1p(<-1)=nan; tanh(+-inf)=+-1;
logistic(-inf)=0, logistic(inf)=1; sin/cos(+-inf)=nan; NaN in -> NaN out; the
sign of zero is kept by expm1, log1p, tanh, sin (f(-0) = -0).  The
floating-point exception flags NumPy would raise as warnings are not raised.
"""
import math
import warnings

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.errors import NumbaIRAssumptionWarning, TypingError
from numba.extending import intrinsic, overload

from .._kernel import inlined_by_llvm
from . import native

__all__ = [
    "exp", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos",
    "exp_f64", "expm1_f64", "log_f64", "log1p_f64", "tanh_f64",
    "logistic_f64", "sin_f64", "cos_f64",
    "exp_f32", "expm1_f32", "log_f32", "log1p_f32", "tanh_f32",
    "logistic_f32", "sin_f32", "cos_f32",
    "sin_full", "cos_full", "sin_full_f64", "cos_full_f64", "sin_full_f32", "cos_full_f32",
    "SINCOS_ACCURATE_MAX", "SINCOS_MAX_ARG",
]

_HUGE_SYMBOL = "functrans_fastmath_sincos_huge"  # the out-of-line huge-argument path of sin/cos (below)


def _jit(py_func):
    # Not the rare huge-argument path of sin/cos, kept out of loops.
    return inlined_by_llvm(njit(cache=True, error_model="numpy")(py_func), keep_out=_HUGE_SYMBOL)


# Numba's SSA checker flags the phi nodes of these inlined bodies with a pedantic
# warning (its own wording); results are checked by the accuracy tests.
warnings.filterwarnings("ignore", message=r"(\x1b\[1m)?variable '_make_public__locals___ol", category=NumbaIRAssumptionWarning)


# ---------------------------------------------------------------------------
# Bit reinterpretation.  Numba has no scalar bitcast; an LLVM ``bitcast`` is
# free and vectorises to nothing at all (the same register is reused).
# ---------------------------------------------------------------------------

@intrinsic
def _bits(typingctx, x):
    """float64 -> int64 / float32 -> int32 with the same bits."""
    if not isinstance(x, types.Float):
        return None
    ity = types.int64 if x.bitwidth == 64 else types.int32

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(x.bitwidth))
    return ity(x), codegen


def _make_from_bits(width):
    fty = types.float64 if width == 64 else types.float32
    llfty = ir.DoubleType() if width == 64 else ir.FloatType()

    @intrinsic
    def from_bits(typingctx, i):
        if not isinstance(i, types.Integer):
            return None

        def codegen(context, builder, sig, args):
            v = args[0]
            if i.bitwidth > width:
                v = builder.trunc(v, ir.IntType(width))
            elif i.bitwidth < width:
                v = builder.sext(v, ir.IntType(width))
            return builder.bitcast(v, llfty)
        return fty(i), codegen
    return from_bits


_f64_from_bits = _make_from_bits(64)   # low 64 bits of an integer -> float64
_f32_from_bits = _make_from_bits(32)   # low 32 bits of an integer -> float32


# ---------------------------------------------------------------------------
# Constants.  Numba freezes module-level globals as compile-time constants;
# float32 constants must be np.float32 so float32 arithmetic stays float32.
# ---------------------------------------------------------------------------

_INF = math.inf
_NAN = math.nan

# float64
_RND = 6755399441055744.0            # 1.5 * 2**52: x + _RND rounds x to an integer
_RND_BITS = 0x4338000000000000       # bits of _RND
_INV_LN2 = 1.4426950408889634        # 1/ln2 rounded
# ln2 = _LN2_HI + _LN2_LO: head rounded to 42 significant bits, so k*_LN2_HI is
# exact for |k| < 2**11 (exp: |k| <= 1077; log: |e| <= 1129); tail to double.
_LN2_HI = 0.6931471805598903
_LN2_LO = 5.497923018708371e-14
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # bits of sqrt(1/2) rounded
_MIN_NORMAL = 2.2250738585072014e-308
_TWO54 = 18014398509481984.0         # 2**54: scales subnormals to normal

# float32
_RND32 = np.float32(12582912.0)      # 1.5 * 2**23
_RND32_BITS = 0x4B400000
_INV_LN2_32 = np.float32(1.442695)
# ln2 head with 16 significant bits: k*_LN2_HI32 exact for |k| < 2**8.
_LN2_HI32 = np.float32(0.69314575)
_LN2_LO32 = np.float32(1.4286068e-06)
_SQRT_HALF32_BITS = 0x3F3504F3
_MIN_NORMAL32 = np.float32(1.1754944e-38)
_TWO24_32 = np.float32(16777216.0)   # 2**24
_ZERO32 = np.float32(0.0)
_HALF32 = np.float32(0.5)
_ONE32 = np.float32(1.0)
_TWO32 = np.float32(2.0)
_NAN32 = np.float32(np.nan)
_INF32 = np.float32(np.inf)

# ---------------------------------------------------------------------------
# Polynomial coefficients (see module docstring for how they were fitted).
# ---------------------------------------------------------------------------

# Q(r) ~ (e**r - 1 - r - r**2/2) / r**3 on |r| <= ln2/2, degree 9.
# Relative error of Q 1.1e-16 (2**-53, the rounding of the coefficients); it
# enters e**r multiplied by r**3*Q/e**r < 0.011 and expm1(r) by
# r**3*Q/expm1(r) < 0.025.
_EQ0 = 0.16666666666666669
_EQ1 = 0.04166666666666666
_EQ2 = 0.008333333333330072
_EQ3 = 0.0013888888888900551
_EQ4 = 0.00019841269863008263
_EQ5 = 2.48015872751662e-05
_EQ6 = 2.755726852332912e-06
_EQ7 = 2.755732958937569e-07
_EQ8 = 2.5100357919804507e-08
_EQ9 = 2.089398002626599e-09

# float32 Q, degree 4, coefficients rounded to float32: relative error of Q
# 7.9e-8 (2**-23.6), i.e. < 2**-29 in the result.
_EQ0_32 = np.float32(0.16666667)
_EQ1_32 = np.float32(0.041666556)
_EQ2_32 = np.float32(0.008333346)
_EQ3_32 = np.float32(0.0013926155)
_EQ4_32 = np.float32(0.00019861945)

# T(z) ~ (2*atanh(s)/s - 2) / z, z = s**2 in [0, 0.02944] (|s| <= 3 - 2*sqrt(2)),
# degree 6: relative error 4.7e-16 (2**-50.9), entering log with a factor
# <= z*T/2 < 0.01, so < 2**-57.
_LT0 = 0.666666666666667
_LT1 = 0.3999999999989918
_LT2 = 0.2857142862610605
_LT3 = 0.22222211115844526
_LT4 = 0.18182890368150714
_LT5 = 0.15331684037543586
_LT6 = 0.14616875333655743

# float32 T, degree 2: relative error 3.0e-7 (2**-21.7), < 2**-28 in log.
_LT0_32 = np.float32(0.66666687)
_LT1_32 = np.float32(0.39988765)
_LT2_32 = np.float32(0.2958051)

# S(w) ~ (sin(r) - r) / r**3, w = r**2 in [0, (pi/4)**2], degree 6:
# relative error 5.7e-17 (2**-54, coefficient rounding); factor in sin < 0.11.
_SS0 = -0.16666666666666666
_SS1 = 0.008333333333333331
_SS2 = -0.00019841269841265027
_SS3 = 2.7557319219313417e-06
_SS4 = -2.505210622440438e-08
_SS5 = 1.6058530460838507e-10
_SS6 = -7.586634572945397e-13

# C(w) ~ (cos(r) - 1 + w/2) / w**2, degree 5: relative error 5.6e-17 (2**-54);
# factor in cos < 0.03.
_CC0 = 0.041666666666666664
_CC1 = -0.0013888888888887387
_CC2 = 2.4801587298753228e-05
_CC3 = -2.7557317266078924e-07
_CC4 = 2.087614522216619e-09
_CC5 = -1.1382564617826788e-11

# For float32 sin/cos, evaluated in float64 then rounded: degree 3 each,
# relative errors 1.7e-10 (S) and 5.7e-11 (C), i.e. < 2**-35 in the result,
# so the float32 result is the correctly rounded one except in rare near-ties.
_SS0_32 = -0.1666666666381726
_SS1_32 = 0.00833333186365836
_SS2_32 = -0.0001984008196753488
_SS3_32 = 2.7249411154418184e-06
_CC0_32 = 0.041666666664301015
_CC1_32 = -0.0013888887666142153
_CC2_32 = 2.480059784127727e-05
_CC3_32 = -2.730068537907688e-07

# pi/2 = _P1 + _P2 + _P3 + _P4 (+ 7e-49): _P1.._P3 have 33 significant bits, so
# k*_Pi is exact for |k| < 2**20; _P4 is the rest rounded to double.
_TWO_OVER_PI = 0.6366197723675814
_P1 = 1.5707963267341256
_P2 = 6.077100506303966e-11
_P3 = 2.0222662487111665e-21
_P4 = 8.4784276603689e-32

SINCOS_ACCURATE_MAX = 1048576.0       # 2**20: |k| = |round(x*2/pi)| < 2**20
SINCOS_MAX_ARG = 1125899906842624.0   # 2**50: at and beyond, sin/cos give NaN (sin_full/cos_full do not)


# ---------------------------------------------------------------------------
# float64
# ---------------------------------------------------------------------------

@_jit
def _exp_core_f64(rh, rl, c):
    """c + e**r - 1 for r = rh + rl, |r| <= ln2/2, and c = 0 or |c| >= 1/2.

    c + rh is formed with its rounding error recovered (Fast2Sum: exact
    because |c| >= |rh| or c == 0), and that error, the tail rl of the
    reduced argument and the polynomial part are added to it last, so the
    only large rounding is the final one (the result is within ~0.6 ulp).
    """
    r = rh + rl
    q = _EQ0 + r * (_EQ1 + r * (_EQ2 + r * (_EQ3 + r * (_EQ4 + r * (
        _EQ5 + r * (_EQ6 + r * (_EQ7 + r * (_EQ8 + r * _EQ9))))))))
    s = c + rh
    err = (c - s) + rh
    return s + ((err + rl) + r * r * (0.5 + r * q))


@_jit
def exp_f64(x):
    """e**x for float64."""
    # Clamp (NaN passes through both selects).  exp(710) overflows and
    # exp(-746) rounds to 0, so the clamped results are still right, and
    # |x*_INV_LN2| stays far below the 2**51 the rounding trick needs.
    x = 710.0 if x > 710.0 else x
    x = -746.0 if x < -746.0 else x
    t = x * _INV_LN2 + _RND
    kf = t - _RND                                # round(x/ln2) as a float
    rh = x - kf * _LN2_HI                        # exact (Sterbenz; k*_LN2_HI exact)
    p = _exp_core_f64(rh, -(kf * _LN2_LO), 1.0)  # e**r, r = x - k*ln2
    k = _bits(t) - _RND_BITS                     # the same integer, as int64
    k1 = k >> 1
    k2 = k - k1                                  # both in [-539, 513]: normal powers
    return (p * _f64_from_bits((k1 + 1023) << 52)) * _f64_from_bits((k2 + 1023) << 52)


@_jit
def expm1_f64(x):
    """e**x - 1 for float64."""
    xc = 710.0 if x > 710.0 else x
    xc = -40.0 if xc < -40.0 else xc             # expm1(x) rounds to -1 below -38
    t = xc * _INV_LN2 + _RND
    kf = t - _RND
    rh = xc - kf * _LN2_HI
    k = _bits(t) - _RND_BITS
    # e**x - 1 = 2**k * (em + (1 - 2**-k)).  1 - 2**-k is exact for |k| <= 53
    # and rounds to 1 for larger k, so clamping k at 64 there changes nothing.
    kc = 64 if k > 64 else k
    c = 1.0 - _f64_from_bits((1023 - kc) << 52)
    k1 = k >> 1
    k2 = k - k1
    y = _exp_core_f64(rh, -(kf * _LN2_LO), c)   # c + e**r - 1
    y = (y * _f64_from_bits((k1 + 1023) << 52)) * _f64_from_bits((k2 + 1023) << 52)
    return x if x == 0.0 else y                  # keep the sign of zero


@_jit
def _log_core_f64(x, corr, eadj):
    """log(2**eadj * x) + corr for normal, finite x > 0 and |corr| <~ ulp(1).

    (For log corr is 0.0, and ``a - 0.0`` folds away, unlike a division.)"""
    ix = _bits(x)
    e = (ix - _SQRT_HALF_BITS) >> 52             # x = 2**e * m, m in [sqrt(1/2), sqrt(2))
    m = _f64_from_bits(ix - (e << 52))
    f = m - 1.0                                  # exact (Sterbenz)
    s = f / (2.0 + f)
    z = s * s
    R = z * (_LT0 + z * (_LT1 + z * (_LT2 + z * (_LT3 + z * (_LT4 + z * (
        _LT5 + z * _LT6))))))
    ef = _f64_from_bits(_RND_BITS + e + eadj) - _RND    # float(e + eadj), exact
    return ef * _LN2_HI + (f - ((s * (f - R) - ef * _LN2_LO) - corr))


@_jit
def log_f64(x):
    """Natural logarithm for float64."""
    tiny = x < _MIN_NORMAL                       # subnormal (or zero/negative)
    xs = x * _TWO54 if tiny else x
    y = _log_core_f64(xs, 0.0, -54 if tiny else 0)
    y = x if not (x < _INF) else y               # +inf -> inf, NaN -> NaN
    y = -_INF if x == 0.0 else y
    return _NAN if x < 0.0 else y


@_jit
def log1p_f64(x):
    """log(1 + x) for float64."""
    u = 1.0 + x
    c = x - (u - 1.0)                            # exact rounding error of u (u < 2**53)
    y = _log_core_f64(u, c / u, 0)               # log(u) + c/u = log(1 + x)
    y = x if not (x < _INF) else y
    y = -_INF if x == -1.0 else y
    y = _NAN if x < -1.0 else y
    return x if x == 0.0 else y                  # keep the sign of zero


@_jit
def tanh_f64(x):
    """Hyperbolic tangent for float64."""
    # tanh(a) = em / (em + 2) with em = expm1(2a) >= 0: the relative error of
    # em enters damped by 2/(em + 2) <= 1.  tanh(20) rounds to 1; clamping
    # keeps em finite (inf/inf would be NaN); NaN passes the select.
    a = abs(x)
    a = 20.0 if a > 20.0 else a
    em = expm1_f64(2.0 * a)
    # d + dl = em + 2 exactly (Fast2Sum with the larger operand first), and
    # em/(d + dl) = q - q*dl/d to first order, with 1/d = (1 - q)/2: this
    # removes the rounding of em + 2 without a second division.
    d = em + 2.0
    dl = ((2.0 - d) + em) if em <= 2.0 else ((em - d) + 2.0)
    q = em / d
    y = q - (q * (1.0 - q)) * (0.5 * dl)
    return math.copysign(y, x)


@_jit
def logistic_f64(x):
    """Logistic sigmoid 1 / (1 + e**-x) for float64."""
    e = exp_f64(-abs(x))
    num = e if x < 0.0 else 1.0
    # As in tanh: d + dl = 1 + e exactly (e <= 1), q = num/d, and the
    # first-order correction -q*dl/d uses 1/d = q (x >= 0) or 1 - q (x < 0).
    d = 1.0 + e
    dl = (1.0 - d) + e
    q = num / d
    inv_d = (1.0 - q) if x < 0.0 else q
    return q - q * inv_d * dl


@_jit
def _two_sum(a, b):
    """s + e == a + b exactly, s = fl(a + b) (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@_jit
def _reduce_pio2(x):
    """k = round(x*2/pi) (as int64) and x - k*pi/2 as rh + rl (|rl| <= ulp(rh)/2).

    Each k*_Pi is exact for |k| < 2**20 and x - k*_P1 is exact (Sterbenz);
    the next two subtractions are done with TwoSum, so up to the last step
    x - k*(_P1 + _P2 + _P3) = s3 + e2 + e3 exactly.  When the result suffers
    cancellation e2 = e3 = 0, and the only roundings left are in the tiny
    k*_P4 and the final normalisation, so rh + rl is good to ~2**-100 relative
    even for the doubles closest to a multiple of pi/2.
    """
    t = x * _TWO_OVER_PI + _RND
    kf = t - _RND
    r1 = x - kf * _P1
    s2, e2 = _two_sum(r1, -(kf * _P2))
    s3, e3 = _two_sum(s2, -(kf * _P3))
    tail = (e2 + e3) - kf * _P4
    rh = s3 + tail
    rl = (s3 - rh) + tail                        # Fast2Sum: |s3| >= |tail|
    return _bits(t) - _RND_BITS, rh, rl


@_jit
def _sincos_reduced_f64(k, r, rl, quadrant):
    """sin (quadrant 0) or cos (quadrant 1) of x = k*pi/2 + r + rl, |r + rl| <= ~pi/4."""
    w = r * r
    hw = 0.5 * w
    v = 1.0 - hw
    lo = (1.0 - v) - hw                          # rounding error of v, exact
    # sin(r + rl) = sin(r) + rl*cos(r), cos(r + rl) = cos(r) - rl*sin(r), with
    # cos(r) ~ v and sin(r) ~ r: enough for a term of at most half an ulp.
    sn = r + (rl * v + (r * w) * (_SS0 + w * (_SS1 + w * (_SS2 + w * (
        _SS3 + w * (_SS4 + w * (_SS5 + w * _SS6)))))))
    cs = v + ((lo - rl * r) + (w * w) * (_CC0 + w * (_CC1 + w * (_CC2 + w * (
        _CC3 + w * (_CC4 + w * _CC5))))))
    q = k + quadrant
    y = cs if (q & 1) != 0 else sn
    return -y if (q & 2) != 0 else y


# ---------------------------------------------------------------------------
# sin/cos for |x| >= 2**20: an exact reduction, out of line.  One plain
# function (compiled once, its object code kept beside this module's Numba
# cache: ``native.provide``) is registered as a C symbol; the loops call it
# through ``_huge``, declared free of side effects and with a vector variant,
# so that LLVM still vectorises a loop that calls it under
# ``if abs(x) >= 2**20``: it runs the call for the lanes that need it only.
# ---------------------------------------------------------------------------

def _two_over_pi_rows():
    """Row e + 32 (x = m * 2**e, m a 53-bit integer, e = -32..971): the 192 bits of
    2/pi of weights 2**-(e-1) .. 2**-(e+190) as eight 24-bit limbs, least significant first.
    Bits of larger weight add multiples of 4 to m*2**e*2/pi, which no quadrant sees."""
    bits = 1300
    one = 1 << (bits + 40)

    def arctan_inv(n):  # arctan(1/n) * 2**(bits+40), by its series
        total, term, k, n2 = 0, one // n, 1, n * n
        while term:
            total += term // k if k % 4 == 1 else -(term // k)
            term //= n2
            k += 2
        return total

    pi = 4 * (4 * arctan_inv(5) - arctan_inv(239))        # Machin: pi * 2**(bits+40)
    two_over_pi = (2 * one * one // pi) >> 40               # floor(2/pi * 2**bits)
    rows = []
    for e in range(-32, 972):
        window = (two_over_pi >> (bits - e - 190)) & ((1 << 192) - 1)
        rows.append([(window >> (24 * i)) & 0xFFFFFF for i in range(8)])
    return np.array(rows, dtype=np.int64)


_TWO_OVER_PI_ROWS = _two_over_pi_rows()
_PIO2_HI = 1.5707963267948966                # pi/2 = _PIO2_HI + _PIO2_LO (+ 4e-34)
_PIO2_LO = 6.123233995736766e-17
_SPLIT = 134217729.0                         # 2**27 + 1, Veltkamp's splitting constant
_L24 = 0xFFFFFF


@_jit
def _two_prod(a, b):
    """p + e == a*b exactly (Dekker; no fused multiply-add, so the same on every CPU)."""
    p = a * b
    ta = _SPLIT * a
    ah = ta - (ta - a)
    al = a - ah
    tb = _SPLIT * b
    bh = tb - (tb - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True, error_model="numpy")
def _sincos_huge_f64(x, quadrant):
    """sin (quadrant 0) or cos (1) for 2**20 <= |x| < inf (NaN for +-inf), reduced
    exactly: x*2/pi mod 4 = m * (row of 2/pi bits) mod 2**192, in integer limbs."""
    if not (abs(x) < _INF):
        return _NAN
    b = _bits(abs(x))
    e = (b >> 52) - 1075
    m = (b & 0xFFFFFFFFFFFFF) | (1 << 52)
    w = _TWO_OVER_PI_ROWS[e + 32]
    m0, m1, m2 = m & _L24, (m >> 24) & _L24, m >> 48
    # m * w mod 2**192 in 24-bit limbs p0..p7 (each column sum < 2**51: no overflow).
    t = m0 * w[0]
    p0 = t & _L24
    t = (t >> 24) + m0 * w[1] + m1 * w[0]
    p1 = t & _L24
    t = (t >> 24) + m0 * w[2] + m1 * w[1] + m2 * w[0]
    p2 = t & _L24
    t = (t >> 24) + m0 * w[3] + m1 * w[2] + m2 * w[1]
    p3 = t & _L24
    t = (t >> 24) + m0 * w[4] + m1 * w[3] + m2 * w[2]
    p4 = t & _L24
    t = (t >> 24) + m0 * w[5] + m1 * w[4] + m2 * w[3]
    p5 = t & _L24
    t = (t >> 24) + m0 * w[6] + m1 * w[5] + m2 * w[4]
    p6 = t & _L24
    t = (t >> 24) + m0 * w[7] + m1 * w[6] + m2 * w[5]
    k = (t >> 22) & 3                            # the quadrant: bits 190, 191
    p7 = t & 0x3FFFFF                            # f = p * 2**-190, in [0, 1)
    # f (or f - 1 from 1/2 on, with k + 1) as h + l: the limbs, largest first, with
    # each rounding error kept (TwoSum), so even under the cancellation of f - 1
    # near a multiple of pi/2 (|f - 1| > 2**-62 for doubles) h + l is good to 2**-100.
    up = p7 >= 0x200000
    k = k + 1 if up else k
    h = -1.0 if up else 0.0
    l = 0.0
    for limb, scale in ((p7, 2.0**-22), (p6, 2.0**-46), (p5, 2.0**-70), (p4, 2.0**-94),
                        (p3, 2.0**-118), (p2, 2.0**-142), (p1, 2.0**-166), (p0, 2.0**-190)):
        h, err = _two_sum(h, np.float64(limb) * scale)
        l += err
    fh = h + l
    fl = (h - fh) + l
    rh, err = _two_prod(fh, _PIO2_HI)            # r = f * pi/2, |r| <= pi/4
    err += fh * _PIO2_LO + fl * _PIO2_HI
    r = rh + err
    rl = (rh - r) + err
    if x < 0.0:                                  # sin, cos of -x: reduce |x|, flip r and k
        r, rl, k = -r, -rl, -k
    return _sincos_reduced_f64(k, r, rl, quadrant)


native.provide(_HUGE_SYMBOL, types.float64(types.float64, types.int64), lambda x, quadrant: _sincos_huge_f64(x, quadrant))
# LLVM vectorises a loop with a call only if the call has a vector variant. Given one
# at a width it never picks for a loop of doubles or floats (64 lanes), it keeps the
# scalar call and makes it per lane, under that lane's condition. Should it pick 64
# lanes, the variant is correct too: a loop over the lanes that need the call.
_VARIANT_LANES = 64


def _scalar_decl(module):
    dbl, i64 = ir.DoubleType(), ir.IntType(64)
    fn = cgutils.get_or_insert_function(module, ir.FunctionType(dbl, [dbl, i64]), _HUGE_SYMBOL)
    fn.attributes.add("nounwind")
    fn.attributes.add("readnone")
    return fn


def _define_variant(module, scalar, n):
    """The masked vector variant of ``scalar`` in ``module`` (weak_odr: one copy when linked)."""
    name = f"{_HUGE_SYMBOL}_m{n}"
    dbl, i64 = ir.DoubleType(), ir.IntType(64)
    fnty = ir.FunctionType(ir.VectorType(dbl, n), [ir.VectorType(dbl, n), ir.VectorType(i64, n),
                                                    ir.VectorType(ir.IntType(1), n)])
    fn = cgutils.get_or_insert_function(module, fnty, name)
    if fn.is_declaration:
        fn.linkage = "weak_odr"
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        x, q, mask = fn.args
        out = cgutils.alloca_once_value(b, x)
        anyset = b.icmp_unsigned("!=", b.bitcast(mask, ir.IntType(n)), ir.Constant(ir.IntType(n), 0))
        with b.if_then(anyset, likely=False):
            with cgutils.for_range(b, ir.Constant(i64, n)) as loop:
                with b.if_then(b.extract_element(mask, loop.index)):
                    y = b.call(scalar, [b.extract_element(x, loop.index), b.extract_element(q, loop.index)])
                    b.store(b.insert_element(b.load(out), y, loop.index), out)
        b.ret(b.load(out))
    return f"_ZGV_LLVM_M{n}vv_{_HUGE_SYMBOL}({name})"


@intrinsic
def _huge(typingctx, x, quadrant):
    """_sincos_huge_f64(x, quadrant) as a call LLVM may leave in a vectorised loop."""
    def codegen(context, builder, sig, args):
        fn = _scalar_decl(builder.module)
        names = _define_variant(builder.module, fn, _VARIANT_LANES)
        call = builder.call(fn, [args[0], context.cast(builder, args[1], sig.args[1], types.int64)])
        # A string attribute, which llvmlite's list of known names does not hold.
        set.add(call.attributes, f'"vector-function-abi-variant"="{names}"')
        return call
    return types.float64(types.float64, quadrant), codegen


@_jit
def _sincos_f64(x, quadrant):
    k, r, rl = _reduce_pio2(x)
    y = _sincos_reduced_f64(k, r, rl, quadrant)
    return y if abs(x) < SINCOS_MAX_ARG else _NAN


@_jit
def _sincos_full_f64(x, quadrant):
    y = _sincos_f64(x, quadrant)
    # A call under a branch (see _huge): the exact reduction runs only where |x| >= 2**20.
    if abs(x) >= SINCOS_ACCURATE_MAX:
        y = _huge(x, quadrant)
    return y


@_jit
def sin_f64(x):
    """Sine for float64 (see the module docstring for the argument range)."""
    # Computed unconditionally, then selected: a call under a branch is not
    # if-converted (the loop would not vectorise).
    y = _sincos_f64(x, 0)
    return x if x == 0.0 else y                      # sin(-0) = -0


@_jit
def cos_f64(x):
    """Cosine for float64 (see the module docstring for the argument range)."""
    return _sincos_f64(x, 1)


@_jit
def sin_full_f64(x):
    """Sine for float64, within 1 ulp for every finite x."""
    y = _sincos_full_f64(x, 0)
    return x if x == 0.0 else y


@_jit
def cos_full_f64(x):
    """Cosine for float64, within 1 ulp for every finite x."""
    return _sincos_full_f64(x, 1)


# ---------------------------------------------------------------------------
# float32
# ---------------------------------------------------------------------------

@_jit
def _exp_core_f32(rh, rl, c):
    """c + e**r - 1, float32 version of _exp_core_f64."""
    r = rh + rl
    q = _EQ0_32 + r * (_EQ1_32 + r * (_EQ2_32 + r * (_EQ3_32 + r * _EQ4_32)))
    s = c + rh
    err = (c - s) + rh
    return s + ((err + rl) + r * r * (_HALF32 + r * q))


@_jit
def exp_f32(x):
    """e**x for float32."""
    # exp(89) overflows float32, exp(-104) rounds to 0.
    x = np.float32(89.0) if x > np.float32(89.0) else x
    x = np.float32(-104.0) if x < np.float32(-104.0) else x
    t = x * _INV_LN2_32 + _RND32
    kf = t - _RND32
    p = _exp_core_f32(x - kf * _LN2_HI32, -(kf * _LN2_LO32), _ONE32)
    k = _bits(t) - _RND32_BITS
    k1 = k >> 1
    k2 = k - k1                                  # in [-75, 64]: normal powers
    return (p * _f32_from_bits((k1 + 127) << 23)) * _f32_from_bits((k2 + 127) << 23)


@_jit
def expm1_f32(x):
    """e**x - 1 for float32."""
    xc = np.float32(89.0) if x > np.float32(89.0) else x
    xc = np.float32(-20.0) if xc < np.float32(-20.0) else xc   # rounds to -1 below -17.4
    t = xc * _INV_LN2_32 + _RND32
    kf = t - _RND32
    rh = xc - kf * _LN2_HI32
    k = _bits(t) - _RND32_BITS
    kc = 30 if k > 30 else k                     # 1 - 2**-k == 1 in float32 beyond 24
    c = _ONE32 - _f32_from_bits((127 - kc) << 23)
    k1 = k >> 1
    k2 = k - k1
    y = _exp_core_f32(rh, -(kf * _LN2_LO32), c)
    y = (y * _f32_from_bits((k1 + 127) << 23)) * _f32_from_bits((k2 + 127) << 23)
    return x if x == _ZERO32 else y


@_jit
def _log_core_f32(x, corr, eadj):
    ix = _bits(x)
    e = (ix - _SQRT_HALF32_BITS) >> 23
    m = _f32_from_bits(ix - (e << 23))
    f = m - _ONE32
    s = f / (_TWO32 + f)
    z = s * s
    R = z * (_LT0_32 + z * (_LT1_32 + z * _LT2_32))
    ef = _f32_from_bits(_RND32_BITS + e + eadj) - _RND32
    return ef * _LN2_HI32 + (f - ((s * (f - R) - ef * _LN2_LO32) - corr))


@_jit
def log_f32(x):
    """Natural logarithm for float32."""
    tiny = x < _MIN_NORMAL32
    xs = x * _TWO24_32 if tiny else x
    y = _log_core_f32(xs, _ZERO32, -24 if tiny else 0)
    y = x if not (x < _INF32) else y
    y = -_INF32 if x == _ZERO32 else y
    return _NAN32 if x < _ZERO32 else y


@_jit
def log1p_f32(x):
    """log(1 + x) for float32."""
    u = _ONE32 + x
    c = x - (u - _ONE32)
    y = _log_core_f32(u, c / u, 0)
    y = x if not (x < _INF32) else y
    y = -_INF32 if x == -_ONE32 else y
    y = _NAN32 if x < -_ONE32 else y
    return x if x == _ZERO32 else y


@_jit
def tanh_f32(x):
    """Hyperbolic tangent for float32."""
    a = abs(x)
    a = np.float32(10.0) if a > np.float32(10.0) else a    # tanh(10) rounds to 1
    em = expm1_f32(_TWO32 * a)
    d = em + _TWO32                              # corrected as in tanh_f64
    dl = ((_TWO32 - d) + em) if em <= _TWO32 else ((em - d) + _TWO32)
    q = em / d
    y = q - (q * (_ONE32 - q)) * (_HALF32 * dl)
    return np.float32(math.copysign(y, x))


@_jit
def logistic_f32(x):
    """1 / (1 + e**-x) for float32."""
    e = exp_f32(-abs(x))
    num = e if x < _ZERO32 else _ONE32
    d = _ONE32 + e                               # corrected as in logistic_f64
    dl = (_ONE32 - d) + e
    q = num / d
    inv_d = (_ONE32 - q) if x < _ZERO32 else q
    return q - q * inv_d * dl


@_jit
def _sincos32(x, quadrant):
    # float64 internally, where plain Cody-Waite with three parts of pi/2 is
    # plenty for float32 inputs: the absolute error of r is below 2**-80 plus
    # a few ulps of r, while no float32 below 2**20 comes closer than 4.2e-9
    # (2**-27.8, at x = 252.89821) to a multiple of pi/2 (found by exhaustive
    # search).  Degree 3 polynomials.
    xd = np.float64(x)
    t = xd * _TWO_OVER_PI + _RND
    kf = t - _RND
    r = ((xd - kf * _P1) - kf * _P2) - kf * _P3
    k = _bits(t) - _RND_BITS
    w = r * r
    sn = r + (r * w) * (_SS0_32 + w * (_SS1_32 + w * (_SS2_32 + w * _SS3_32)))
    cs = (1.0 - 0.5 * w) + (w * w) * (_CC0_32 + w * (_CC1_32 + w * (_CC2_32 + w * _CC3_32)))
    q = k + quadrant
    y = cs if (q & 1) != 0 else sn
    y = -y if (q & 2) != 0 else y
    y = y if abs(xd) < SINCOS_MAX_ARG else _NAN
    return np.float32(y)


@_jit
def _sincos32_full(x, quadrant):
    y = _sincos32(x, quadrant)
    xd = np.float64(x)
    if abs(xd) >= SINCOS_ACCURATE_MAX:
        y = np.float32(_huge(xd, quadrant))      # the float64 result rounded: within 1 ulp
    return y


@_jit
def sin_f32(x):
    """Sine for float32 (see the module docstring for the argument range)."""
    y = _sincos32(x, 0)
    return x if x == _ZERO32 else y


@_jit
def cos_f32(x):
    """Cosine for float32 (see the module docstring for the argument range)."""
    return _sincos32(x, 1)


@_jit
def sin_full_f32(x):
    """Sine for float32, within 1 ulp for every finite x."""
    y = _sincos32_full(x, 0)
    return x if x == _ZERO32 else y


@_jit
def cos_full_f32(x):
    """Cosine for float32, within 1 ulp for every finite x."""
    return _sincos32_full(x, 1)


# ---------------------------------------------------------------------------
# Dtype-dispatching public names.
# ---------------------------------------------------------------------------

def _make_public(name, f64, f32, doc):
    def py_func(x):
        # Plain-Python call: float32 scalars get the float32 version.
        if isinstance(x, np.float32):
            return np.float32(f32(x))
        return f64(float(x))
    py_func.__name__ = py_func.__qualname__ = name
    py_func.__doc__ = doc + (
        "\n\nFloat32 or float64 scalar in, same dtype out; inside njit code "
        "resolved at compile time to ``%s_f32`` / ``%s_f64``." % (name, name))
    py_func.__module__ = __name__

    # inline="always" inlines this one-line wrapper into the caller's Numba IR,
    # so no wrapper is compiled; the disk-cached implementation is then
    # inlined by LLVM.
    @overload(py_func, inline="always")
    def _ol(x):
        if isinstance(x, types.Float) and x.bitwidth == 64:
            return lambda x: f64(x)
        if isinstance(x, types.Float) and x.bitwidth == 32:
            return lambda x: f32(x)
        raise TypingError("functrans.backend.fastmath.%s takes a float32 or "
                          "float64 scalar, got %s" % (name, x))
    return py_func


exp = _make_public("exp", exp_f64, exp_f32, "e**x.")
expm1 = _make_public("expm1", expm1_f64, expm1_f32, "e**x - 1.")
log = _make_public("log", log_f64, log_f32, "Natural logarithm.")
log1p = _make_public("log1p", log1p_f64, log1p_f32, "log(1 + x).")
tanh = _make_public("tanh", tanh_f64, tanh_f32, "Hyperbolic tangent.")
logistic = _make_public("logistic", logistic_f64, logistic_f32,
                        "Logistic sigmoid 1 / (1 + e**-x).")
sin = _make_public("sin", sin_f64, sin_f32, "Sine.")
cos = _make_public("cos", cos_f64, cos_f32, "Cosine.")
sin_full = _make_public("sin_full", sin_full_f64, sin_full_f32, "Sine over the whole float range.")
cos_full = _make_public("cos_full", cos_full_f64, cos_full_f32, "Cosine over the whole float range.")
