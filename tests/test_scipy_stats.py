"""functrans.scipy.stats against scipy.stats: every function of every distribution on random
arguments and parameters (hypothesis, with broadcasting and 0-d/size-0 shapes), the tails,
derivatives in arguments and parameters to second order, vmap against a loop, and one
jitted program against eager evaluation."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
import functrans.scipy.stats as fst
from functrans.test_util import check_grads

# SciPy's own beta raises on subnormal arguments: none are drawn
REAL = st.floats(-8, 8, allow_subnormal=False)
POSITIVE = st.floats(0.2, 6, allow_subnormal=False)
UNIT = st.floats(0.02, 0.98, allow_subnormal=False)
COUNT = st.integers(-1, 12).map(float)

# name, functrans module, scipy distribution, argument strategy, parameter strategies, functions
CONTINUOUS = [
    ("norm", fst.norm, ss.norm, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("norm_q", fst.norm, ss.norm, UNIT, [REAL, POSITIVE], ["ppf", "isf"]),
    ("t", fst.t, ss.t, REAL, [POSITIVE, REAL, POSITIVE], ["logpdf", "pdf"]),
    ("gamma", fst.gamma, ss.gamma, REAL, [POSITIVE, REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("chi2", fst.chi2, ss.chi2, REAL, [POSITIVE, REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("beta", fst.beta, ss.beta, st.floats(-0.5, 1.5, allow_subnormal=False), [POSITIVE, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("expon", fst.expon, ss.expon, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("expon_q", fst.expon, ss.expon, UNIT, [REAL, POSITIVE], ["ppf"]),
    ("uniform", fst.uniform, ss.uniform, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf"]),
    ("uniform_q", fst.uniform, ss.uniform, UNIT, [REAL, POSITIVE], ["ppf"]),
    ("laplace", fst.laplace, ss.laplace, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf"]),
    ("cauchy", fst.cauchy, ss.cauchy, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("cauchy_q", fst.cauchy, ss.cauchy, UNIT, [REAL, POSITIVE], ["ppf", "isf"]),
    ("logistic", fst.logistic, ss.logistic, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf", "sf"]),
    ("logistic_q", fst.logistic, ss.logistic, UNIT, [REAL, POSITIVE], ["ppf", "isf"]),
    ("pareto", fst.pareto, ss.pareto, REAL, [POSITIVE, REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("pareto_q", fst.pareto, ss.pareto, UNIT, [POSITIVE, REAL, POSITIVE], ["ppf"]),
    ("gumbel_r", fst.gumbel_r, ss.gumbel_r, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("gumbel_r_q", fst.gumbel_r, ss.gumbel_r, UNIT, [REAL, POSITIVE], ["ppf"]),
    ("gumbel_l", fst.gumbel_l, ss.gumbel_l, REAL, [REAL, POSITIVE], ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("gumbel_l_q", fst.gumbel_l, ss.gumbel_l, UNIT, [REAL, POSITIVE], ["ppf"]),
    ("gennorm", fst.gennorm, ss.gennorm, REAL, [POSITIVE], ["logpdf", "pdf", "cdf"]),
    ("vonmises", fst.vonmises, ss.vonmises, st.floats(-3, 3, allow_subnormal=False), [POSITIVE], ["logpdf", "pdf"]),
    ("wrapcauchy", fst.wrapcauchy, ss.wrapcauchy, st.floats(0.01, 6.2, allow_subnormal=False), [UNIT], ["logpdf", "pdf"]),
    ("truncnorm", fst.truncnorm, ss.truncnorm, REAL, [st.floats(-3, -0.1, allow_subnormal=False), st.floats(0.1, 3, allow_subnormal=False), REAL, POSITIVE],
     ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]),
    ("poisson", fst.poisson, ss.poisson, COUNT, [POSITIVE, st.just(0.0) | st.just(1.0)], ["logpmf", "pmf", "cdf"]),
    ("bernoulli", fst.bernoulli, ss.bernoulli, COUNT, [UNIT], ["logpmf", "pmf", "cdf"]),
    ("bernoulli_q", fst.bernoulli, ss.bernoulli, UNIT, [UNIT], ["ppf"]),
    ("binom", fst.binom, ss.binom, COUNT, [st.integers(0, 10).map(float), UNIT], ["logpmf", "pmf"]),
    ("geom", fst.geom, ss.geom, COUNT, [UNIT], ["logpmf", "pmf"]),
    ("nbinom", fst.nbinom, ss.nbinom, COUNT, [POSITIVE, UNIT], ["logpmf", "pmf"]),
    ("betabinom", fst.betabinom, ss.betabinom, COUNT, [st.integers(0, 10).map(float), POSITIVE, POSITIVE], ["logpmf", "pmf"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_functions_match_scipy(case, data):
    _, module, reference, argument, parameters, names = case
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4))
    x = data.draw(hnp.arrays(np.float64, shape, elements=argument))
    # each parameter a scalar or an array broadcasting against x
    params = [data.draw(st.one_of(p, hnp.arrays(np.float64, shape[data.draw(st.integers(0, len(shape))):], elements=p))) for p in parameters]
    for name in names:
        got = getattr(module, name)(x, *params)
        with np.errstate(all="ignore"):
            expected = getattr(reference, name)(x, *params)
        assert isinstance(got, np.ndarray), name
        assert got.shape == np.shape(expected), name
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=name)


def test_tails():
    x = np.array([-40.0, -10.0, 0.0, 10.0, 40.0])
    np.testing.assert_allclose(fst.norm.logcdf(x), ss.norm.logcdf(x), rtol=1e-12)
    np.testing.assert_allclose(fst.norm.logsf(x), ss.norm.logsf(x), rtol=1e-12)
    np.testing.assert_allclose(fst.norm.ppf(np.array([1e-300, 1e-20, 0.5])), ss.norm.ppf([1e-300, 1e-20, 0.5]), rtol=1e-13)
    np.testing.assert_allclose(fst.norm.isf(np.array([1e-300, 1e-20])), ss.norm.isf([1e-300, 1e-20]), rtol=1e-13)
    np.testing.assert_allclose(fst.gamma.sf(200.0, 3.0), ss.gamma.sf(200.0, 3.0), rtol=1e-12)
    np.testing.assert_allclose(fst.cauchy.cdf(-1e10), ss.cauchy.cdf(-1e10), rtol=1e-12)
    # a truncation interval far in either tail
    for a, b in ((8.0, 9.0), (-9.0, -8.0), (30.0, 31.0)):
        z = np.array([a + 0.1, a + 0.5])
        np.testing.assert_allclose(fst.truncnorm.logpdf(z, a, b), ss.truncnorm.logpdf(z, a, b), rtol=1e-10)
        np.testing.assert_allclose(fst.truncnorm.cdf(z, a, b), ss.truncnorm.cdf(z, a, b), rtol=1e-9)


def test_multivariate_distributions():
    rng = np.random.default_rng(0)
    d = 3
    root = rng.normal(size=(d, d))
    cov = root @ root.T + d * np.eye(d)
    mean = rng.normal(size=d)
    x = rng.normal(size=(2, 4, d))
    np.testing.assert_allclose(fst.multivariate_normal.logpdf(x, mean, cov), ss.multivariate_normal.logpdf(x, mean, cov), rtol=1e-12)
    np.testing.assert_allclose(fst.multivariate_normal.pdf(x[0, 0], mean, cov), ss.multivariate_normal.pdf(x[0, 0], mean, cov), rtol=1e-12)
    np.testing.assert_allclose(fst.multivariate_normal.logpdf(x, mean, np.array([1.0, 2.0, 3.0])),
                               ss.multivariate_normal.logpdf(x, mean, np.diag([1.0, 2.0, 3.0])), rtol=1e-12)
    alpha = np.array([0.7, 2.0, 3.5])
    pts = rng.dirichlet(alpha, size=5).T  # (k, n)
    np.testing.assert_allclose(fst.dirichlet.logpdf(pts, alpha), ss.dirichlet.logpdf(pts, alpha), rtol=1e-12)
    np.testing.assert_allclose(fst.dirichlet.pdf(pts[:-1], alpha), ss.dirichlet.pdf(pts, alpha), rtol=1e-10)
    assert fst.dirichlet.logpdf(np.array([0.5, 0.6, -0.1]), alpha) == -np.inf
    counts = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0], [1.0, 1.0, 1.0]])
    p = np.array([0.2, 0.3, 0.5])
    expected = [ss.multinomial.logpmf(c, 6, p) for c in counts[:2]] + [-np.inf]
    np.testing.assert_allclose(fst.multinomial.logpmf(counts, 6.0, p), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="dirichlet"):
        fst.dirichlet.logpdf(np.ones((5,)) / 5, alpha)
    with pytest.raises(ValueError, match="square"):
        fst.multivariate_normal.logpdf(x, mean, np.ones((3, 2)))


def test_summaries():
    a = np.array([[3, 1, 3, 2], [1, 1, 2, 2], [5, 2, 3, 2]])
    for axis in (0, 1, None):
        got, ref = fst.mode(a, axis=axis), ss.mode(a, axis=axis)
        np.testing.assert_array_equal(got.mode, ref.mode)
        np.testing.assert_array_equal(got.count, ref.count)
    np.testing.assert_array_equal(fst.mode(a, axis=1, keepdims=True).mode, ss.mode(a, axis=1, keepdims=True).mode)
    values = np.array([[4.0, 2.0, 2.0, 7.0, 4.0, 4.0], [1.0, 0.0, 1.0, 0.0, 1.0, 9.0]])
    for method in ("average", "min", "max", "dense", "ordinal"):
        np.testing.assert_array_equal(fst.rankdata(values, method), ss.rankdata(values, method))
        np.testing.assert_array_equal(fst.rankdata(values, method, axis=1), ss.rankdata(values, method, axis=1))
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(fst.sem(x), ss.sem(x), rtol=1e-13)
    np.testing.assert_allclose(fst.sem(x, axis=None, ddof=0), ss.sem(x, axis=None, ddof=0), rtol=1e-13)
    with pytest.raises(ValueError, match="rankdata"):
        fst.rankdata(values, "bogus")
    with pytest.raises(NotImplementedError, match="nan_policy"):
        fst.sem(x, nan_policy="omit")


GRADS = [
    ("norm", lambda x, m, s: fst.norm.logpdf(x, m, s) + fst.norm.logcdf(x, m, s) + fst.norm.logsf(x, m, s), [0.3, -0.2, 1.5]),
    ("norm_ppf", lambda q, m, s: fst.norm.ppf(q, m, s), [0.3, -0.2, 1.5]),
    ("t", lambda x, df, m, s: fst.t.logpdf(x, df, m, s), [0.3, 3.0, -0.2, 1.5]),
    ("gamma", lambda x, a, s: fst.gamma.logpdf(x, a, 0.0, s), [1.3, 2.5, 0.7]),
    ("gamma_cdf", lambda x: fst.gamma.cdf(x, 2.5) + fst.gamma.logsf(x, 2.5), [1.3]),
    ("beta", lambda x, a, b: fst.beta.logpdf(x, a, b), [0.3, 2.5, 1.7]),
    ("beta_cdf", lambda x: fst.beta.cdf(x, 2.5, 1.7) + fst.beta.sf(x, 2.5, 1.7), [0.3]),
    ("chi2", lambda x, df: fst.chi2.logpdf(x, df), [1.3, 3.0]),
    ("expon", lambda x, s: fst.expon.logpdf(x, 0.0, s) + fst.expon.logcdf(x, 0.0, s), [1.3, 0.7]),
    ("laplace", lambda x, m, s: fst.laplace.logpdf(x, m, s) + fst.laplace.cdf(x, m, s), [0.3, -0.2, 1.5]),
    ("cauchy", lambda x, m, s: fst.cauchy.logpdf(x, m, s) + fst.cauchy.cdf(x, m, s), [0.3, -0.2, 1.5]),
    ("logistic", lambda x, m, s: fst.logistic.logpdf(x, m, s) + fst.logistic.cdf(x, m, s), [0.3, -0.2, 1.5]),
    ("pareto", lambda x, b: fst.pareto.logpdf(x, b) + fst.pareto.logcdf(x, b), [1.7, 2.5]),
    ("gumbel_r", lambda x, m, s: fst.gumbel_r.logpdf(x, m, s) + fst.gumbel_r.logsf(x, m, s), [0.3, -0.2, 1.5]),
    ("gumbel_l", lambda x, m, s: fst.gumbel_l.logpdf(x, m, s) + fst.gumbel_l.logcdf(x, m, s), [0.3, -0.2, 1.5]),
    ("gennorm", lambda x, b: fst.gennorm.logpdf(x, b), [0.8, 1.7]),
    ("gennorm_cdf", lambda x: fst.gennorm.cdf(x, 1.7), [0.8]),
    ("vonmises", lambda x, k: fst.vonmises.logpdf(x, k), [0.8, 1.7]),
    ("wrapcauchy", lambda x, c: fst.wrapcauchy.logpdf(x, c), [0.8, 0.4]),
    ("truncnorm", lambda x, a, b: fst.truncnorm.logpdf(x, a, b) + fst.truncnorm.logcdf(x, a, b), [0.3, -1.0, 2.0]),
    ("poisson", lambda mu: fst.poisson.logpmf(3.0, mu) + fst.poisson.cdf(3.0, mu), [2.5]),
    ("binom", lambda p: fst.binom.logpmf(3.0, 7.0, p), [0.4]),
    ("nbinom", lambda n, p: fst.nbinom.logpmf(3.0, n, p), [2.5, 0.4]),
    ("betabinom", lambda a, b: fst.betabinom.logpmf(3.0, 7.0, a, b), [2.5, 0.4]),
    ("mvn", lambda x, m: fst.multivariate_normal.logpdf(x, m, np.array([[2.0, 0.3], [0.3, 1.0]])), [np.array([0.3, -1.0]), np.array([0.1, 0.2])]),
    ("dirichlet", lambda a: fst.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), a), [np.array([0.7, 2.0, 3.5])]),
]


@pytest.mark.parametrize("case", GRADS, ids=[c[0] for c in GRADS])
def test_derivatives_to_second_order(case):
    _, f, args = case
    check_grads(f, [np.asarray(a, np.float64) for a in args], order=2, modes=("fwd", "rev"), atol=1e-6, rtol=1e-6)


def test_vmap_matches_a_loop():
    x = np.linspace(-2.0, 2.0, 5)
    scales = np.array([0.5, 1.0, 2.0])

    def f(s):
        return fst.norm.logpdf(x, 0.3, s) + fst.gamma.cdf(x, 2.0, -3.0, s) + fst.truncnorm.logsf(x, -2.5, 2.5, 0.0, s)

    np.testing.assert_allclose(ft.vmap(f)(scales), np.stack([f(s) for s in scales]), rtol=1e-14)
    grads = ft.vmap(ft.grad(lambda s: fst.t.logpdf(1.0, 4.0, 0.0, s)))(scales)
    np.testing.assert_allclose(grads, [ft.grad(lambda s: fst.t.logpdf(1.0, 4.0, 0.0, s))(s) for s in scales], rtol=1e-14)


def _program(x, p):
    return [
        fst.norm.logpdf(x, 0.5, p + 1.0), fst.norm.logcdf(x), fst.norm.ppf(p), fst.t.logpdf(x, p + 2.0),
        fst.gamma.logpdf(p * 5.0, p + 1.0), fst.gamma.sf(p * 5.0, 2.0), fst.beta.cdf(p, 2.0, 3.0),
        fst.cauchy.cdf(x), fst.logistic.logpdf(x), fst.poisson.logpmf(fnp.round(x * 3.0 + 6.0), p * 4.0),
        fst.truncnorm.logpdf(x * 0.5, -1.5, 1.5), fst.vonmises.logpdf(x, p * 3.0),
    ]


@pytest.mark.slow  # ~45 s to compile on a cold cache
@pytest.mark.parametrize("dtype", [np.float64])
def test_jit_matches_eager(dtype):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, 32).astype(dtype)
    p = rng.uniform(0.05, 0.95, 32).astype(dtype)
    rtol, atol = (1e-12, 1e-14) if dtype == np.float64 else (2e-5, 1e-6)
    for i, (c, e) in enumerate(zip(ft.jit(_program)(x, p), _program(x, p))):
        assert c.dtype == e.dtype == dtype, i
        np.testing.assert_allclose(c, e, rtol=rtol, atol=atol, err_msg=f"output {i}")


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("bw_method", [None, "silverman", 0.3, lambda kde: 0.5])
def test_gaussian_kde_matches_scipy(d, bw_method):
    rng = np.random.default_rng(4)
    data = rng.normal(size=(d, 30)) if d > 1 else rng.normal(size=30)
    weights = rng.uniform(0.5, 2.0, 30)
    ours, theirs = fst.gaussian_kde(data, bw_method, weights), ss.gaussian_kde(data, bw_method, weights)
    points = rng.normal(size=(d, 7))
    np.testing.assert_allclose(ours(points), theirs(points), rtol=1e-12)
    np.testing.assert_allclose(ours.logpdf(points), theirs.logpdf(points), rtol=1e-12)
    np.testing.assert_allclose(ours.covariance, theirs.covariance, rtol=1e-12)
    np.testing.assert_allclose(ours.integrate_gaussian(np.zeros(d), np.eye(d)), theirs.integrate_gaussian(np.zeros(d), np.eye(d)), rtol=1e-12)
    other = data[..., :10]
    np.testing.assert_allclose(ours.integrate_kde(fst.gaussian_kde(other)), theirs.integrate_kde(ss.gaussian_kde(other)), rtol=1e-12)
    if d == 1:
        np.testing.assert_allclose(ours.integrate_box_1d(-0.5, 1.0), theirs.integrate_box_1d(-0.5, 1.0), rtol=1e-12)


def test_gaussian_kde_transforms_and_sampling():
    from functrans import random

    rng = np.random.default_rng(5)
    data = rng.normal(size=(2, 20))
    kde = fst.gaussian_kde(data)
    x = rng.normal(size=(2, 3))
    # a pytree: through vmap over evaluation points, and differentiable in the data
    np.testing.assert_allclose(ft.vmap(lambda p: kde.logpdf(p[:, None])[0], in_axes=1)(x), kde.logpdf(x), rtol=1e-13)
    check_grads(lambda data: fst.gaussian_kde(data).logpdf(x), (data,), order=1, atol=1e-6, rtol=1e-6)
    draws = kde.resample(random.PRNGKey(0), (4000,))
    assert draws.shape == (2, 4000)
    np.testing.assert_allclose(np.cov(draws), kde.covariance + np.cov(data, bias=True), atol=0.15)
    with pytest.raises(ValueError, match="gaussian_kde"):
        fst.gaussian_kde(np.ones(1))
    with pytest.raises(ValueError, match="bw_method"):
        fst.gaussian_kde(data, "bogus")
