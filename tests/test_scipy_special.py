"""functrans.scipy.special and the lax.special primitives against SciPy (and mpmath where SciPy
itself is inexact): the Numba kernels on dense sweeps including huge, tiny, inf and nan
arguments; the eager functions over hypothesis-drawn shapes; JAX's derivatives to second
order; vmap against a loop; one jitted program against eager evaluation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as ss
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.lax as lax
import functrans.scipy.special as fsp
from functrans.lax import _special_kernels as K
from functrans.test_util import check_grads


def _max_relative_error(got, ref, floor=1e-300, flushed=1e-290):
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    with np.errstate(all="ignore"):
        err = np.abs(got - ref) / np.maximum(np.abs(ref), floor)
    # SciPy flushes some results below ~1e-290 to 0 (or loses digits there) that the kernels resolve.
    err[same | ((np.abs(ref) < flushed) & (np.abs(got) < 1e20 * flushed))] = 0.0
    return float(np.max(err)) if err.size else 0.0


def _sweep():
    return np.concatenate([
        np.linspace(-30.0, 30.0, 6001), np.geomspace(1e-300, 1e300, 601), -np.geomspace(1e-300, 1e300, 601),
        [0.0, -0.0, np.inf, -np.inf, np.nan],
    ])


UNARY_KERNELS = [
    # kernel, SciPy reference, relative tolerance
    ("erfcx", ss.erfcx, 1e-13),  # SciPy is 6e-14 off at x = -24 (mpmath agrees with the kernel)
    ("i0e", ss.i0e, 1e-14),
    ("i1e", ss.i1e, 1e-14),
    ("dawsn", ss.dawsn, 2e-14),
    ("exp1", ss.exp1, 2e-14),
    ("spence", ss.spence, 1e-14),
]


@pytest.mark.parametrize("name,reference,rtol", UNARY_KERNELS, ids=[k[0] for k in UNARY_KERNELS])
def test_unary_kernels_match_scipy_on_dense_sweeps(name, reference, rtol):
    x = _sweep()
    got = np.vectorize(getattr(K, name), otypes=[float])(x)
    with np.errstate(all="ignore"):
        ref = reference(x)
    finite = np.isfinite(x)  # SciPy's spence(inf) is nan; the kernel gives the limit -inf
    assert _max_relative_error(got[finite], ref[finite]) < rtol
    assert np.array_equal(np.isnan(got[finite]), np.isnan(ref[finite]))


def test_expi_kernel_away_from_its_root():
    x = _sweep()
    x = x[np.abs(x - 0.3725) > 0.01]  # near the root Ei(0.3725) = 0 only absolute accuracy holds
    with np.errstate(all="ignore"):
        assert _max_relative_error(np.vectorize(K.expi)(x), ss.expi(x)) < 2e-14


def test_inverse_error_function_kernels():
    y = np.concatenate([np.linspace(-1, 1, 20001), 1 - np.geomspace(1e-16, 0.5, 500), np.geomspace(1e-300, 0.5, 500)])
    y = np.concatenate([y, -y, [2.0, -2.0, np.nan]])
    with np.errstate(all="ignore"):
        assert _max_relative_error(np.vectorize(K.erfinv)(y), ss.erfinv(y)) < 2e-15
    p = np.concatenate([np.linspace(0, 1, 20001), np.geomspace(5e-324, 0.5, 2000), 1 - np.geomspace(1e-16, 0.5, 500),
                        [2.0, -1.0, np.nan]])
    with np.errstate(all="ignore"):
        assert _max_relative_error(np.vectorize(K.ndtri)(p), ss.ndtri(p)) < 2e-15
    q = np.concatenate([np.geomspace(1e-300, 2.0, 2000), [0.0, 2.0]])
    assert _max_relative_error(np.vectorize(K.erfcinv)(q), ss.erfcinv(q)) < 2e-15


def test_erfc_kernel_is_exact_to_an_ulp_where_scipy_is_not():
    mpmath = pytest.importorskip("mpmath")
    x = np.linspace(-5.0, 26.5, 300)
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.erfc(mpmath.mpf(v))) for v in x])
        ref_x = np.array([float(mpmath.exp(mpmath.mpf(v) ** 2) * mpmath.erfc(mpmath.mpf(v))) for v in -x])
    assert _max_relative_error(np.vectorize(math.erfc)(x), ref) < 1e-15
    assert _max_relative_error(np.vectorize(K.erfcx)(-x), ref_x) < 1e-15


def _grid(*axes):
    return [g.ravel() for g in np.meshgrid(*axes, indexing="ij")]


def test_incomplete_gamma_kernels():
    a = np.concatenate([np.geomspace(1e-8, 1e5, 50), [0.5, 1.0, 2.0, 3.0, 10.0]])
    x = np.concatenate([np.geomspace(1e-10, 1e5, 150), [0.0, np.inf]])
    a, x = _grid(a, x)
    # Near a ~ x ~ 1e4 the prefactor's exponent reaches -500, whose rounding bounds the accuracy.
    assert _max_relative_error(np.vectorize(K.gammainc)(a, x), ss.gammainc(a, x)) < 5e-12
    assert _max_relative_error(np.vectorize(K.gammaincc)(a, x), ss.gammaincc(a, x)) < 5e-12
    moderate = (a <= 50) | (np.abs(x - a) < 0.3 * a)
    assert _max_relative_error(np.vectorize(K.gammainc)(a[moderate], x[moderate]), ss.gammainc(a[moderate], x[moderate])) < 5e-13
    edges_a = np.array([-1.0, 0.0, 0.0, 1.0, np.inf, np.inf, np.nan, 1.0])
    edges_x = np.array([1.0, 1.0, 0.0, -1.0, 1.0, np.inf, 1.0, np.nan])
    for f, ref in ((K.gammainc, ss.gammainc), (K.gammaincc, ss.gammaincc)):
        np.testing.assert_array_equal(np.vectorize(f)(edges_a, edges_x), ref(edges_a, edges_x))


def test_igamma_grad_a_kernel_matches_finite_differences():
    a, x = _grid(np.array([0.3, 1.0, 2.5, 8.0, 30.0]), np.array([0.1, 0.9, 2.0, 7.0, 25.0]))
    h = 1e-6 * a
    fd = (ss.gammainc(a + h, x) - ss.gammainc(a - h, x)) / (2 * h)
    got = np.vectorize(K.igamma_grad_a)(a, x)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def test_betainc_kernel():
    ab = np.geomspace(1e-3, 1e3, 21)
    a, b, x = _grid(ab, ab, np.concatenate([np.linspace(0, 1, 51), np.geomspace(1e-10, 1e-2, 5)]))
    # With b tiny against a, log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b) loses ~3e-15, which
    # 1 - I_{1-x}(b, a) (near 1) magnifies to ~2e-11.
    # Below 1e-250 SciPy loses digits (the kernel agrees with mpmath there: see below).
    assert _max_relative_error(np.vectorize(K.betainc)(a, b, x), ss.betainc(a, b, x), flushed=1e-250) < 5e-11
    small = (a < 50) & (b < 50) & (a > 0.1) & (b > 0.1)
    assert _max_relative_error(np.vectorize(K.betainc)(a[small], b[small], x[small]), ss.betainc(a[small], b[small], x[small])) < 5e-13
    mpmath = pytest.importorskip("mpmath")
    for args in [(1000.0, 31.622776601683793, 0.48), (501.18723362727246, 3.981071705534969, 0.24)]:
        with mpmath.workdps(40):
            ref = float(mpmath.betainc(*args[:2], 0, args[2], regularized=True))
        assert abs(K.betainc(*args) - ref) < 1e-11 * ref
    edges = [(0.0, 1.0, 0.5), (1.0, 0.0, 0.5), (0.0, 0.0, 0.5), (-1.0, 1.0, 0.5), (1.0, 1.0, 1.5), (2.0, 3.0, 0.0), (2.0, 3.0, 1.0)]
    for args in edges:
        np.testing.assert_array_equal(K.betainc(*args), ss.betainc(*args))


def test_zeta_and_expn_kernels():
    s, q = _grid(np.concatenate([np.linspace(1.01, 60, 150), [2.0, 3.0, 4.0]]), np.concatenate([np.geomspace(1e-5, 1e5, 60), [0.5, 1.0, 2.0]]))
    assert _max_relative_error(np.vectorize(K.zeta)(s, q), ss.zeta(s, q)) < 5e-15
    edges_s = np.array([1.0, 0.5, 2.0, 3.0, 2.5, np.nan])
    edges_q = np.array([1.0, 1.0, -2.0, -1.5, -1.5, 1.0])
    np.testing.assert_array_equal(np.vectorize(K.zeta)(edges_s, edges_q), ss.zeta(edges_s, edges_q))
    n, x = _grid(np.arange(0.0, 12.0), np.geomspace(1e-6, 500, 200))
    assert _max_relative_error(np.vectorize(K.expn)(n, x), ss.expn(n, x)) < 2e-14


def test_owens_t_kernel_against_scipy_and_mpmath():
    h, a = _grid(np.concatenate([np.linspace(-12, 12, 61), [0.0, 30.0]]), np.concatenate([np.linspace(-5, 5, 51), [1.0, 1e3, np.inf, -np.inf]]))
    got = np.vectorize(K.owens_t)(h, a)
    assert _max_relative_error(got, ss.owens_t(h, a)) < 3e-13  # SciPy's erfc tails are ~1e-13 off
    mpmath = pytest.importorskip("mpmath")
    # where SciPy itself is off (tiny a: 2.5e-9; a = 1: 4e-15)
    for hv, av in [(-5.0, 1e-8), (6.0, 1.0), (10.0, 0.05), (2.0, 3.0)]:
        with mpmath.workdps(30):
            hm, am = mpmath.mpf(hv), mpmath.mpf(av)
            ref = float(mpmath.quad(lambda x: mpmath.exp(-hm * hm * (1 + x * x) / 2) / (1 + x * x), [0, am]) / (2 * mpmath.pi))
        assert abs(K.owens_t(hv, av) - ref) < 1e-15 * ref


@pytest.mark.slow
def test_sine_cosine_and_fresnel_integral_kernels():
    x = _sweep()
    si, ci = ss.sici(x)
    assert _max_relative_error(np.vectorize(K.si)(x), si) < 2e-15
    away = np.abs(ci) > 0.05  # near Ci's zeros only absolute accuracy holds
    assert _max_relative_error(np.vectorize(K.ci)(x)[away], ci[away]) < 3e-14
    assert np.max(np.abs(np.vectorize(K.ci)(x) - ci)[np.isfinite(ci)]) < 1e-15
    small = np.abs(x) < 1e4  # beyond, SciPy's Fresnel integrals lose digits (the kernels' phase is reduced exactly)
    fs, fc = ss.fresnel(x)
    assert _max_relative_error(np.vectorize(K.fresnel_s)(x)[small], fs[small], flushed=1e-300) < 5e-15
    assert _max_relative_error(np.vectorize(K.fresnel_c)(x)[small], fc[small], flushed=1e-300) < 5e-15
    mpmath = pytest.importorskip("mpmath")
    for v in (1e4 + 0.3, 36000.7, 1e7 + 0.1):
        with mpmath.workdps(40):
            s_ref, c_ref = float(mpmath.fresnels(v)), float(mpmath.fresnelc(v))
        assert abs(K.fresnel_s(v) - s_ref) < 1e-15 and abs(K.fresnel_c(v) - c_ref) < 1e-15


def test_hyp1f1_kernel():
    a, b, x = _grid(np.concatenate([np.linspace(-5, 5, 21), [0.5, 1.5]]), np.linspace(0.25, 6, 12), np.linspace(-30, 30, 41))
    got = np.vectorize(K.hyp1f1)(a, b, x)
    ref = ss.hyp1f1(a, b, x)
    # SciPy gives nan at a few negative x (the kernel's values there agree with mpmath); with a < 0
    # the series alternates, and near its zeros only absolute accuracy holds.
    usable = np.isfinite(ref) & (np.abs(ref) > 1e-10)
    assert _max_relative_error(got[usable & (a > 0)], ref[usable & (a > 0)]) < 5e-13
    assert _max_relative_error(got[usable], ref[usable]) < 5e-12
    assert not np.any(np.isnan(got))
    np.testing.assert_array_equal(np.vectorize(K.hyp1f1)([1.0, 1.0, np.nan], [-2.0, 1.0, 1.0], [1.0, 0.0, 1.0]), [np.inf, 1.0, np.nan])


# --------------------------------------------------------------------------- eager functions


def _arrays(elements, min_dims=0):
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=0, max_side=4), elements=elements)


UNARY = [
    # functrans, SciPy, hypothesis elements
    (fsp.erfc, ss.erfc, st.floats(-30, 30)),
    (fsp.erfinv, ss.erfinv, st.floats(-1, 1)),
    (fsp.erfcx, ss.erfcx, st.floats(-20, 1e5)),
    (fsp.ndtr, ss.ndtr, st.floats(-40, 40)),
    (fsp.ndtri, ss.ndtri, st.floats(0, 1)),
    (fsp.log_ndtr, ss.log_ndtr, st.floats(-1e3, 40)),
    (fsp.dawsn, ss.dawsn, st.floats(-50, 50)),
    (fsp.digamma, ss.digamma, st.floats(-20, 100)),
    (fsp.gamma, ss.gamma, st.floats(-20, 100).filter(lambda v: v != math.floor(v) or v > 0)),
    (fsp.gammasgn, ss.gammasgn, st.floats(-20, 100)),
    (fsp.loggamma, lambda x: np.where(x < 0, np.nan, ss.gammaln(x)), st.floats(-20, 100)),
    (fsp.i0, ss.i0, st.floats(-50, 50)),
    (fsp.i0e, ss.i0e, st.floats(-1e3, 1e3)),
    (fsp.i1, ss.i1, st.floats(-50, 50)),
    (fsp.i1e, ss.i1e, st.floats(-1e3, 1e3)),
    (fsp.exp1, ss.exp1, st.floats(0, 100)),
    (fsp.expi, ss.expi, st.floats(-100, 100)),
    (fsp.spence, ss.spence, st.floats(0, 100)),
    (fsp.entr, ss.entr, st.floats(-2, 10)),
    (lambda x: fsp.sici(x)[0], lambda x: ss.sici(x)[0], st.floats(-100, 100)),
    (lambda x: fsp.fresnel(x)[1], lambda x: ss.fresnel(x)[1], st.floats(-100, 100)),
    (lambda x: fsp.factorial(x), ss.factorial, st.floats(-3, 30)),
]


@pytest.mark.parametrize("f,reference,elements", UNARY, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_unary_functions_match_scipy(f, reference, elements, data):
    x = data.draw(_arrays(elements))
    got = f(x)
    with np.errstate(all="ignore"):
        expected = reference(x)
    assert isinstance(got, np.ndarray) and got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


BINARY = [
    (fsp.gammainc, ss.gammainc, st.floats(1e-3, 100), st.floats(0, 200)),
    (fsp.gammaincc, ss.gammaincc, st.floats(1e-3, 100), st.floats(0, 200)),
    (fsp.beta, ss.beta, st.floats(0.1, 30), st.floats(0.1, 30)),
    (fsp.betaln, ss.betaln, st.floats(0.1, 100), st.floats(0.1, 100)),
    (fsp.comb, lambda n, k: ss.comb(n, k), st.integers(-2, 30).map(float), st.integers(-2, 30).map(float)),
    (fsp.poch, ss.poch, st.floats(0.1, 20), st.floats(-0.05, 10)),
    (fsp.zeta, ss.zeta, st.floats(1.5, 30), st.floats(0.1, 50)),
    (fsp.polygamma, ss.polygamma, st.integers(0, 5).map(float), st.floats(0.1, 50)),
    (fsp.expn, ss.expn, st.integers(0, 6).map(float), st.floats(0.01, 50)),
    (fsp.owens_t, ss.owens_t, st.floats(-10, 10), st.floats(-5, 5)),
    (fsp.xlogy, ss.xlogy, st.sampled_from([0.0, 0.5, 2.0]), st.floats(0, 10)),
    (fsp.xlog1py, ss.xlog1py, st.sampled_from([0.0, 0.5, 2.0]), st.floats(-1, 10)),
    # no subnormals: there SciPy's kl_div over- or underflows p / q (functrans keeps log(p / q) finite)
    (fsp.rel_entr, ss.rel_entr, st.floats(-1, 3, allow_subnormal=False), st.floats(-1, 3, allow_subnormal=False)),
    (fsp.kl_div, ss.kl_div, st.floats(-1, 3, allow_subnormal=False), st.floats(-1, 3, allow_subnormal=False)),
    (fsp.boxcox, ss.boxcox, st.floats(0.01, 10), st.floats(-2, 2) | st.just(0.0)),
    (fsp.boxcox1p, ss.boxcox1p, st.floats(-0.99, 10), st.floats(-2, 2) | st.just(0.0)),
]


@pytest.mark.parametrize("f,reference,first,second", BINARY, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_binary_functions_match_scipy_with_broadcasting(f, reference, first, second, data):
    x = data.draw(_arrays(first))
    # The second operand broadcasts against the first: a trailing slice of its shape.
    y = data.draw(hnp.arrays(np.float64, x.shape[data.draw(st.integers(0, x.ndim)):], elements=second))
    got = f(x, y)
    with np.errstate(all="ignore"):
        expected = reference(x, y)
    assert got.shape == np.broadcast_shapes(x.shape, y.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-300)


def test_betainc_and_multigammaln_and_bernoulli():
    a, b, x = np.array([0.5, 2.0, 10.0]), np.array([[1.5], [3.0]]), np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(fsp.betainc(a, b, x), ss.betainc(a, b, x), rtol=1e-13)
    for d in (1, 2, 4):
        np.testing.assert_allclose(fsp.multigammaln(np.array([3.0, 7.5]), d), ss.multigammaln(np.array([3.0, 7.5]), d), rtol=1e-13)
    np.testing.assert_allclose(fsp.bernoulli(20), ss.bernoulli(20), rtol=1e-11)  # SciPy's are ~1e-12 off
    np.testing.assert_array_equal(fsp.bernoulli(6), [1.0, -0.5, 1 / 6, 0.0, -1 / 30, 0.0, 1 / 42])
    np.testing.assert_allclose(fsp.softmax(np.array([[1.0, 2.0], [3.0, 0.0]])), ss.softmax(np.array([[1.0, 2.0], [3.0, 0.0]])))
    np.testing.assert_allclose(fsp.log_softmax(np.array([1.0, 2.0]), axis=0), ss.log_softmax(np.array([1.0, 2.0])))
    np.testing.assert_allclose(fsp.logsumexp(np.array([1.0, 5.0, 2.0]), where=np.array([True, False, True])), ss.logsumexp([1.0, 2.0]))


def test_relative_entropies_where_the_quotient_overflows():
    np.testing.assert_allclose(fsp.rel_entr(1.0, 5e-324), ss.rel_entr(1.0, 5e-324), rtol=1e-14)
    np.testing.assert_allclose(fsp.kl_div(1.0, 5e-324), ss.rel_entr(1.0, 5e-324) - 1.0, rtol=1e-14)
    np.testing.assert_allclose(fsp.kl_div(1e-300, 1e300), 1e300, rtol=1e-14)  # SciPy: -inf


def test_log_ndtr_is_accurate_in_both_tails():
    x = np.array([-1e4, -300.0, -40.0, -5.0, -1.0, -0.999, 0.0, 5.0, 9.0])
    np.testing.assert_allclose(fsp.log_ndtr(x), ss.log_ndtr(x), rtol=1e-14, atol=0)
    # -ndtr(-37) ~ -5.7e-300; eagerly SciPy's erfc, whose far tail is ~2e-13 off, gives it
    np.testing.assert_allclose(fsp.log_ndtr(37.0), ss.log_ndtr(37.0), rtol=1e-12)


def test_float32_inputs_stay_float32():
    x = np.array([0.1, 0.7], np.float32)
    for f in (fsp.erfc, fsp.erfinv, fsp.ndtri, fsp.log_ndtr, fsp.i0e, fsp.gamma, fsp.entr):
        out = f(x)
        assert out.dtype == np.float32, f
    assert fsp.gammainc(x, x).dtype == np.float32


def test_errors():
    with pytest.raises(NotImplementedError):
        fsp.zeta(2.0)
    with pytest.raises(NotImplementedError):
        fsp.factorial(3.0, exact=True)
    with pytest.raises(ValueError, match="bernoulli"):
        fsp.bernoulli(-1)
    with pytest.raises(ValueError, match="a and b"):
        ft.grad(lambda a: fsp.betainc(a, 2.0, 0.5))(1.0)
    with pytest.raises(TypeError, match="igamma"):
        lax.igamma(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="igamma"):
        lax.igamma(np.ones(2), np.ones(2, np.float32))
    with pytest.raises(TypeError, match="erfc"):
        lax.erfc(np.arange(3))


# --------------------------------------------------------------------------- derivatives


GRADS = [
    ("erfc", lambda x: fsp.erfc(x), np.array([-1.5, 0.2, 2.0])),
    ("erfinv", lambda x: fsp.erfinv(x), np.array([-0.9, 0.1, 0.6])),
    ("erfcx", lambda x: fsp.erfcx(x), np.array([-1.0, 0.5, 3.0])),
    ("ndtr", lambda x: fsp.ndtr(x), np.array([-2.0, 0.3, 1.5])),
    ("ndtri", lambda x: fsp.ndtri(x), np.array([0.05, 0.5, 0.8])),
    ("log_ndtr", lambda x: fsp.log_ndtr(x), np.array([-30.0, -3.0, -0.5, 2.0])),
    ("dawsn", lambda x: fsp.dawsn(x), np.array([-1.0, 0.3, 4.0])),
    ("gamma", lambda x: fsp.gamma(x), np.array([-1.5, 0.5, 3.2])),
    ("i0e", lambda x: fsp.i0e(x), np.array([-2.0, 0.4, 3.0])),
    ("i1e", lambda x: fsp.i1e(x), np.array([-2.0, 0.4, 3.0])),
    ("i0", lambda x: fsp.i0(x), np.array([-2.0, 0.4, 3.0])),
    ("exp1", lambda x: fsp.exp1(x), np.array([0.3, 1.0, 4.0])),
    ("expi", lambda x: fsp.expi(x), np.array([-2.0, 0.8, 4.0])),
    ("sici", lambda x: fsp.sici(x), np.array([-2.0, 0.7, 5.0])),
    ("fresnel", lambda x: fsp.fresnel(x), np.array([-2.0, 0.7, 5.0])),
    ("spence", lambda x: fsp.spence(x), np.array([0.2, 1.3, 3.0])),
    ("entr", lambda x: fsp.entr(x), np.array([0.2, 1.0, 3.0])),
    ("gammainc", lambda x: fsp.gammainc(np.array([0.7, 2.0, 5.0]), x), np.array([0.5, 2.5, 3.0])),
    ("gammaincc", lambda x: fsp.gammaincc(np.array([0.7, 2.0, 5.0]), x), np.array([0.5, 2.5, 8.0])),
    ("betainc_x", lambda x: fsp.betainc(2.0, 3.5, x), np.array([0.1, 0.4, 0.9])),
    ("zeta", lambda s, q: fsp.zeta(s, q), np.array([2.0, 3.5, 6.0]), np.array([0.5, 1.0, 4.0])),
    ("polygamma", lambda x: fsp.polygamma(np.array([0.0, 1.0, 3.0]), x), np.array([0.5, 2.0, 7.0])),
    ("expn", lambda x: fsp.expn(np.array([0.0, 1.0, 2.0, 3.0]), x), np.array([0.7, 0.5, 2.0, 4.0])),
    ("owens_t", lambda h, a: fsp.owens_t(h, a), np.array([-1.5, 0.3, 2.0]), np.array([0.4, -2.0, 0.9])),
    ("hyp1f1_x", lambda x: fsp.hyp1f1(np.array([0.7, -1.5, 2.0]), np.array([1.3, 2.5, 0.6]), x), np.array([2.0, -3.0, 0.5])),
    ("beta", lambda a, b: fsp.beta(a, b), np.array([0.5, 2.0]), np.array([1.5, 3.0])),
    ("comb", lambda n, k: fsp.comb(n, k), np.array([5.5, 9.0]), np.array([2.2, 3.0])),
    ("poch", lambda z, m: fsp.poch(z, m), np.array([1.5, 4.0]), np.array([2.0, 0.5])),
    ("multigammaln", lambda a: fsp.multigammaln(a, 3), np.array([2.5, 5.0])),
    ("xlogy", lambda x, y: fsp.xlogy(x, y), np.array([0.5, 2.0]), np.array([1.5, 3.0])),
    ("xlog1py", lambda x, y: fsp.xlog1py(x, y), np.array([0.5, 2.0]), np.array([-0.5, 3.0])),
    ("rel_entr", lambda p, q: fsp.rel_entr(p, q), np.array([0.5, 2.0]), np.array([1.5, 3.0])),
    ("kl_div", lambda p, q: fsp.kl_div(p, q), np.array([0.5, 2.0]), np.array([1.5, 3.0])),
    ("boxcox", lambda x, l: fsp.boxcox(x, l), np.array([0.5, 2.0]), np.array([0.3, -1.2])),
    ("boxcox1p", lambda x, l: fsp.boxcox1p(x, l), np.array([0.5, 2.0]), np.array([0.3, -1.2])),
]


@pytest.mark.parametrize("case", GRADS, ids=[c[0] for c in GRADS])
def test_derivatives_to_second_order(case):
    _, f, *args = case
    check_grads(f, args, order=2, modes=("fwd", "rev"), atol=1e-6, rtol=1e-6)


def test_incomplete_gamma_derivatives_in_both_arguments():
    # JAX differentiates dP/da once (igamma_grad_a has no derivative in a); so does functrans.
    a, x = np.array([0.7, 2.0, 5.0]), np.array([0.5, 2.5, 8.0])
    check_grads(fsp.gammainc, (a, x), order=1, atol=1e-6, rtol=1e-6)
    check_grads(fsp.gammaincc, (a, x), order=1, atol=1e-6, rtol=1e-6)
    check_grads(lambda x: ft.grad(lambda a: fsp.gammainc(a, x))(2.0), (np.array(1.5),), order=1, atol=1e-6, rtol=1e-6)
    with pytest.raises(NotImplementedError, match="igamma_grad_a"):
        ft.grad(ft.grad(lambda a: fsp.gammainc(a, 1.0)))(2.0)


def test_hyp1f1_parameter_derivatives():
    a, b, x = np.array([0.7, -1.5, 2.0]), np.array([1.3, 2.5, 0.6]), np.array([2.0, -3.0, 0.5])
    check_grads(fsp.hyp1f1, (a, b, x), order=1, atol=1e-6, rtol=1e-6)
    check_grads(lambda x: ft.grad(lambda a: fsp.hyp1f1(a, 1.3, x))(0.7), (np.array(0.4),), order=1, atol=1e-6, rtol=1e-6)
    with pytest.raises(NotImplementedError, match="hyp1f1"):
        ft.grad(ft.grad(lambda a: fsp.hyp1f1(a, 1.3, 0.4)))(0.7)


def test_derivative_closed_forms():
    x = np.array([0.3, 1.7])
    # d/dx P(a, x) is the gamma density; d/da against the kernel's series (checked by finite differences above).
    np.testing.assert_allclose(ft.vmap(ft.grad(lambda x: fsp.gammainc(2.5, x)))(x), x**1.5 * np.exp(-x) / ss.gamma(2.5), rtol=1e-13)
    np.testing.assert_allclose(ft.vmap(ft.grad(lambda x: fsp.polygamma(2.0, x)))(x), ss.polygamma(3, x), rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(lambda x: fsp.digamma(x)))(x), ss.polygamma(1, x), rtol=1e-13)
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(lambda x: fsp.digamma(x))))(x), ss.polygamma(2, x), rtol=1e-12)
    # d/ds zeta(s, q) = -sum log(k + q) (k + q)^-s, summed directly with a long tail
    k = np.arange(200000.0)
    s, q = 3.0, 0.7
    direct = -np.sum(np.log(k + q) * (k + q) ** -s)
    assert abs(ft.grad(lambda s: fsp.zeta(s, q))(s) - direct) < 1e-9
    np.testing.assert_allclose(ft.grad(lambda x: fsp.i1e(x))(0.0), 0.5)
    np.testing.assert_allclose(ft.grad(lambda x: fsp.spence(x))(1.0), -1.0)


def test_vmap_matches_a_loop():
    a = np.array([0.5, 1.5, 4.0])
    x = np.array([[0.2, 1.0, 3.0], [2.0, 0.1, 9.0]])

    def f(a, x):
        return fsp.gammainc(a, x) + fsp.erfinv(x / 10.0) * fsp.i1e(x) + fsp.zeta(a + 1.5, x)

    batched = ft.vmap(f, in_axes=(None, 0))(a, x)
    np.testing.assert_allclose(batched, np.stack([f(a, row) for row in x]), rtol=1e-14)
    grads = ft.vmap(ft.grad(lambda x: fsp.log_ndtr(x) + fsp.gammaincc(2.0, x)))(x[0])
    np.testing.assert_allclose(grads, [ft.grad(lambda x: fsp.log_ndtr(x) + fsp.gammaincc(2.0, x))(v) for v in x[0]], rtol=1e-14)


# --------------------------------------------------------------------------- jit


def _many(a, x, u):
    """Every primitive of lax.special (and the compositions over them) in one program."""
    return [
        fsp.erfc(x), fsp.erfinv(u * 2.0 - 1.0), fsp.erfcx(x), fsp.ndtri(u), fsp.dawsn(x), fsp.log_ndtr(x),
        fsp.gammainc(a, x * x), fsp.gammaincc(a, x * x), fsp.betainc(a, a + 1.0, u), fsp.i0e(x), fsp.i1e(x),
        fsp.zeta(a + 1.0, a), fsp.polygamma(fsp.expn(0.0 * a + 2.0, a) * 0.0 + 1.0, a), fsp.exp1(a), fsp.expi(x),
        fsp.expn(a * 0.0 + 3.0, a), fsp.spence(a), fsp.owens_t(x, a), *fsp.sici(x), *fsp.fresnel(x),
        fsp.hyp1f1(a, a + 0.5, x), ft.grad(lambda a: fsp.gammainc(a, 2.0))(a[0]),
    ]


@pytest.mark.slow  # ~10 s to compile each on a cold cache
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jit_matches_eager(dtype):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.1, 5.0, 64).astype(dtype)
    x = rng.uniform(-4.0, 4.0, 64).astype(dtype)
    u = rng.uniform(0.001, 0.999, 64).astype(dtype)
    compiled = ft.jit(_many)(a, x, u)
    eager = _many(a, x, u)
    rtol = 1e-13 if dtype == np.float64 else 2e-6
    for i, (c, e) in enumerate(zip(compiled, eager)):
        assert np.asarray(c).dtype == np.asarray(e).dtype == dtype, i
        # atol: Ci has zeros, where agreement is absolute (1 ulp of its neighbourhood)
        np.testing.assert_allclose(c, e, rtol=rtol, atol=1e-15, err_msg=f"output {i}")


def test_bessel_jn_against_scipy_and_its_derivative():
    z = np.array([0.0, 0.01, 1.0, -2.5, 10.0, 20.0])
    np.testing.assert_allclose(fsp.bessel_jn(z, v=5), np.stack([ss.jv(k, z) for k in range(6)]), atol=1e-15)
    # J_0' = -J_1
    np.testing.assert_allclose(ft.vmap(ft.grad(lambda z: fsp.bessel_jn(z, v=1)[0]))(z[1:]), -ss.jv(1, z[1:]), atol=1e-14)
    with pytest.raises(ValueError, match="bessel_jn"):
        fsp.bessel_jn(z, v=-1)
