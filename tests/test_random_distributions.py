"""functrans.random's samplers beyond uniform/normal: each distribution against SciPy (KS tests
of continuous ones, chi-square tests of discrete ones, moments with tolerances from the sample
size; fixed keys, so every run is the same), shapes and dtypes as JAX, and errors."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

from functrans import random

KEY = random.PRNGKey(11)
N = 20_000
P_MIN = 1e-3  # with fixed keys a test either always passes or always fails; this rejects real misfits


def _key(name: str):
    """A key of its own per test case, so no two cases reuse one stream."""
    return random.fold_in(KEY, sum(ord(c) * 31**i for i, c in enumerate(name)) % 2**31)


# --------------------------------------------------------------------------- continuous: KS tests

CONTINUOUS = {
    "exponential": (lambda k, s, d: random.exponential(k, s, d), st.expon()),
    "cauchy": (lambda k, s, d: random.cauchy(k, s, d), st.cauchy()),
    "laplace": (lambda k, s, d: random.laplace(k, s, d), st.laplace()),
    "logistic": (lambda k, s, d: random.logistic(k, s, d), st.logistic()),
    "gumbel": (lambda k, s, d: random.gumbel(k, s, d), st.gumbel_r()),
    "gumbel_high": (lambda k, s, d: random.gumbel(k, s, d, mode="high"), st.gumbel_r()),
    "lognormal": (lambda k, s, d: random.lognormal(k, 0.5, s, d), st.lognorm(0.5)),
    "maxwell": (lambda k, s, d: random.maxwell(k, s, d), st.maxwell()),
    "pareto": (lambda k, s, d: random.pareto(k, 3.0, s, d), st.pareto(3.0)),
    "rayleigh": (lambda k, s, d: random.rayleigh(k, 2.0, s, d), st.rayleigh(scale=2.0)),
    "weibull_min": (lambda k, s, d: random.weibull_min(k, 2.0, 1.5, s, d), st.weibull_min(1.5, scale=2.0)),
    "wald": (lambda k, s, d: random.wald(k, 2.0, s, d), st.invgauss(2.0)),
    "triangular": (lambda k, s, d: random.triangular(k, 0.0, 1.0, 3.0, s, d), st.triang(1 / 3, loc=0.0, scale=3.0)),
    "truncated_normal": (lambda k, s, d: random.truncated_normal(k, -1.0, 2.0, s, d), st.truncnorm(-1.0, 2.0)),
    "truncated_normal_tail": (lambda k, s, d: random.truncated_normal(k, 2.5, 4.0, s, d), st.truncnorm(2.5, 4.0)),
    "truncated_normal_half": (lambda k, s, d: random.truncated_normal(k, 0.0, np.inf, s, d), st.halfnorm()),
    "gamma_0.1": (lambda k, s, d: random.gamma(k, 0.1, s, d), st.gamma(0.1)),
    "gamma_0.7": (lambda k, s, d: random.gamma(k, 0.7, s, d), st.gamma(0.7)),
    "gamma_1": (lambda k, s, d: random.gamma(k, 1.0, s, d), st.gamma(1.0)),
    "gamma_3": (lambda k, s, d: random.gamma(k, 3.0, s, d), st.gamma(3.0)),
    "gamma_200": (lambda k, s, d: random.gamma(k, 200.0, s, d), st.gamma(200.0)),
    "loggamma_0.01": (lambda k, s, d: random.loggamma(k, 0.01, s, d), st.loggamma(0.01)),
    "loggamma_5": (lambda k, s, d: random.loggamma(k, 5.0, s, d), st.loggamma(5.0)),
    "beta": (lambda k, s, d: random.beta(k, 2.0, 5.0, s, d), st.beta(2.0, 5.0)),
    "beta_small": (lambda k, s, d: random.beta(k, 0.2, 0.3, s, d), st.beta(0.2, 0.3)),
    "chisquare": (lambda k, s, d: random.chisquare(k, 3.0, s, d), st.chi2(3.0)),
    "f": (lambda k, s, d: random.f(k, 3.0, 7.0, s, d), st.f(3.0, 7.0)),
    "t": (lambda k, s, d: random.t(k, 5.0, s, d), st.t(5.0)),
    "generalized_normal_1": (lambda k, s, d: random.generalized_normal(k, 1.0, s, d), st.gennorm(1.0)),
    "generalized_normal_3": (lambda k, s, d: random.generalized_normal(k, 3.0, s, d), st.gennorm(3.0)),
    # |x - loc| / scale is Maxwell-distributed; the sign is tested below.
    "double_sided_maxwell": (lambda k, s, d: abs(random.double_sided_maxwell(k, 1.0, 2.0, s, d) - 1.0) / 2.0,
                             st.maxwell()),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_sampler_passes_a_ks_test_against_scipy(name):
    sampler, reference = CONTINUOUS[name]
    x = sampler(_key(name), (N,), np.float64)
    assert x.shape == (N,) and x.dtype == np.float64 and np.isfinite(x).all()
    assert st.kstest(x, reference.cdf).pvalue > P_MIN


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_sampler_in_float32_keeps_the_dtype_and_the_distribution(name):
    sampler, reference = CONTINUOUS[name]
    x = sampler(_key(name + "32"), (4000,), np.float32)
    assert x.dtype == np.float32 and np.isfinite(x).all()
    assert st.kstest(x.astype(np.float64), reference.cdf).pvalue > P_MIN


def test_double_sided_maxwell_is_symmetric_about_loc():
    x = random.double_sided_maxwell(_key("dsm-sign"), 3.0, 1.0, (N,))
    assert abs(np.mean(x > 3.0) - 0.5) < 4 * np.sqrt(0.25 / N)


def test_truncated_normal_stays_strictly_inside_its_bounds():
    lower, upper = np.array([-2.0, 0.0, 5.0]), np.array([-1.9, 1e-8, 5.5])
    x = random.truncated_normal(_key("tn-bounds"), lower, upper, (5000, 3))
    assert ((x > lower) & (x < upper)).all()
    # Infinite bounds give finite samples.
    assert np.isfinite(random.truncated_normal(_key("tn-inf"), -np.inf, np.inf, (5000,))).all()


def test_private_erfinv_matches_scipy():
    from functrans.random._continuous import _erfinv

    y = np.concatenate([np.linspace(-0.99, 0.99, 20001), [0.0, 1e-300, -1e-10]])
    np.testing.assert_allclose(_erfinv(y), scipy.special.erfinv(y), rtol=1e-13, atol=1e-300)
    # Near |y| = 1 the inverse is ill-conditioned: what can be asked is that erf gives y back.
    tail = 1 - np.geomspace(1e-2, 1e-15, 200)
    np.testing.assert_allclose(scipy.special.erf(_erfinv(tail)), tail, rtol=0, atol=5e-15)
    y32 = np.linspace(-0.999, 0.999, 2001, dtype=np.float32)
    np.testing.assert_allclose(_erfinv(y32), scipy.special.erfinv(y32.astype(np.float64)), rtol=1e-5)
    assert _erfinv(np.array([-1.0, 1.0])).tolist() == [-np.inf, np.inf]


# --------------------------------------------------------------------------- discrete: chi-square tests


def _chi_square_pvalue(samples, pmf, support):
    """Pearson's test over ``support`` plus one bin for everything else, bins below 5 expected pooled."""
    samples = np.asarray(samples).ravel()
    observed = np.array([np.sum(samples == k) for k in support], float)
    expected = pmf(np.asarray(support)) * samples.size
    observed = np.append(observed, samples.size - observed.sum())
    expected = np.append(expected, samples.size - expected.sum())
    keep = expected >= 5
    observed = np.append(observed[keep], observed[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    if expected[-1] < 5:
        observed, expected = observed[:-2].tolist() + [observed[-2:].sum()], expected[:-2].tolist() + [expected[-2:].sum()]
    return st.chisquare(observed, expected).pvalue


@pytest.mark.slow
@pytest.mark.parametrize("lam", [0.05, 0.5, 4.0, 9.9, 10.0, 30.0, 1000.0])
def test_poisson_matches_scipy_by_a_chi_square_test(lam):
    x = random.poisson(_key(f"poisson{lam}"), lam, (N,))
    assert x.dtype == np.int64 and x.min() >= 0
    support = np.arange(max(0, int(lam - 6 * np.sqrt(lam))), int(lam + 6 * np.sqrt(lam)) + 3)
    assert _chi_square_pvalue(x, st.poisson(lam).pmf, support) > P_MIN


def test_poisson_edge_rates_and_dtype():
    x = random.poisson(_key("poisson-edge"), np.array([0.0, -1.0, np.nan, np.inf]), (3, 4), np.int32)
    assert x.dtype == np.int32
    assert (x[:, 0] == 0).all() and (x[:, 1:] == -1).all()


@pytest.mark.slow
@pytest.mark.parametrize("n, p", [(10, 0.3), (30, 0.2), (100, 0.5), (1000, 0.9), (5, 0.99), (200, 0.03), (7, 1.0), (7, 0.0)])
def test_binomial_matches_scipy_by_a_chi_square_test(n, p):
    x = random.binomial(_key(f"binomial{n},{p}"), n, p, (N,))
    assert x.dtype == np.float64 and x.min() >= 0 and x.max() <= n
    assert (x == np.round(x)).all()
    if p in (0.0, 1.0):
        assert (x == n * p).all()
        return
    assert _chi_square_pvalue(x, st.binom(n, p).pmf, np.arange(n + 1)) > P_MIN


def test_binomial_invalid_parameters_give_nan_and_infinite_counts_inf():
    x = random.binomial(_key("binomial-edge"), np.array([-1.0, 5.0, 5.0, np.inf, 4.7]), np.array([0.5, 1.5, np.nan, 0.5, 0.5]),
                        dtype=np.float32)
    assert x.dtype == np.float32
    assert np.isnan(x[:3]).all() and x[3] == np.inf and 0 <= x[4] <= 4


def test_geometric_matches_scipy_and_handles_p_of_one():
    x = random.geometric(_key("geometric"), 0.3, (N,))
    assert x.dtype == np.int64 and x.min() >= 1
    assert _chi_square_pvalue(x, st.geom(0.3).pmf, np.arange(1, 30)) > P_MIN
    assert (random.geometric(_key("geometric1"), 1.0, (10,), np.int32) == 1).all()


def test_rademacher_is_plus_or_minus_one_with_equal_odds():
    x = random.rademacher(_key("rademacher"), (N,))
    assert x.dtype == np.int64 and set(np.unique(x).tolist()) == {-1, 1}
    assert abs(x.mean()) < 4 / np.sqrt(N)
    assert random.rademacher(KEY, (3,), np.float32).dtype == np.float32


def test_multinomial_counts_sum_to_n_and_have_the_multinomial_moments():
    p = np.array([0.1, 0.0, 0.3, 0.6])
    counts = random.multinomial(_key("multinomial"), 50.0, p, shape=(N, 4))
    assert counts.shape == (N, 4) and counts.dtype == np.float64
    assert (counts.sum(1) == 50).all() and (counts[:, 1] == 0).all()
    np.testing.assert_allclose(counts.mean(0), 50 * p, atol=4 * np.sqrt(50 * 0.25 / N))
    expected_cov = 50 * (np.diag(p) - np.outer(p, p))
    np.testing.assert_allclose(np.cov(counts.T), expected_cov, atol=0.5)


def test_multinomial_broadcasts_n_over_the_batch():
    counts = random.multinomial(_key("multinomial-batch"), np.array([3.0, 10.0]), np.array([[0.5, 0.5], [0.2, 0.8]]))
    assert counts.shape == (2, 2) and counts.sum(1).tolist() == [3.0, 10.0]


def test_categorical_matches_softmax_probabilities():
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    x = random.categorical(_key("categorical"), logits, shape=(N,))
    assert x.dtype == np.int64
    assert st.chisquare(np.bincount(x, minlength=4), N * np.exp(logits)).pvalue > P_MIN


def test_categorical_along_an_axis_with_sample_dimensions():
    logits = np.log(np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]]))  # categories along axis 1
    x = random.categorical(_key("categorical-axis"), logits.T, axis=0, shape=(N, 3))
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.mean(0), [0.1, 0.9, 0.5], atol=4 * np.sqrt(0.25 / N))


def test_categorical_without_replacement_draws_distinct_categories_in_gumbel_top_k_order():
    logits = np.zeros((2, 5))
    draws = random.categorical(_key("categorical-norep"), logits, shape=(5, 2), replace=False)
    assert draws.shape == (5, 2)
    assert all(sorted(draws[:, j].tolist()) == [0, 1, 2, 3, 4] for j in range(2))
    with pytest.raises(ValueError, match="cannot exceed"):
        random.categorical(KEY, logits, shape=(6, 2), replace=False)


def test_bits_of_every_width_are_uniform_bit_by_bit():
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        b = random.bits(_key(f"bits{dtype.__name__}"), (4000,), dtype)
        assert b.dtype == dtype and b.shape == (4000,)
        width = 8 * np.dtype(dtype).itemsize
        ones = np.array([((b >> np.array(i, dtype)) & np.array(1, dtype)).mean() for i in range(width)])
        assert np.abs(ones - 0.5).max() < 5 * np.sqrt(0.25 / 4000)
    assert random.bits(KEY).dtype == np.uint64
    with pytest.raises(ValueError, match="unsigned"):
        random.bits(KEY, (2,), np.int32)


# --------------------------------------------------------------------------- vectors and matrices


def test_multivariate_normal_has_the_requested_mean_and_covariance():
    mean, cov = np.array([1.0, -2.0, 0.5]), np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    for method in ("cholesky", "eigh", "svd"):
        x = random.multivariate_normal(_key("mvn" + method), mean, cov, (N,), method=method)
        assert x.shape == (N, 3) and x.dtype == np.float64
        np.testing.assert_allclose(x.mean(0), mean, atol=4 * np.sqrt(2.0 / N))
        np.testing.assert_allclose(np.cov(x.T), cov, atol=0.06)


def test_multivariate_normal_batches_means_and_covariances():
    mean = np.zeros((4, 2))
    cov = np.broadcast_to(np.eye(2), (3, 1, 2, 2))
    assert random.multivariate_normal(KEY, mean, cov).shape == (3, 4, 2)
    assert random.multivariate_normal(KEY, mean, np.eye(2), (5, 4), np.float32).dtype == np.float32
    with pytest.raises(ValueError, match=r"cov.shape == \(..., n, n\)"):
        random.multivariate_normal(KEY, np.zeros(2), np.eye(3))
    with pytest.raises(ValueError, match="method"):
        random.multivariate_normal(KEY, np.zeros(2), np.eye(2), method="qr")


def test_orthogonal_matrices_are_orthonormal_and_haar_distributed():
    q = random.orthogonal(_key("orthogonal"), 3, (N // 4,))
    assert q.shape == (N // 4, 3, 3)
    np.testing.assert_allclose(q @ q.transpose(0, 2, 1), np.broadcast_to(np.eye(3), q.shape), atol=1e-12)
    # Under the Haar measure an entry u of a 3x3 orthogonal matrix has (u + 1) / 2 ~ Beta(1, 1).
    assert st.kstest((q[:, 1, 2] + 1) / 2, st.beta(1.0, 1.0).cdf).pvalue > P_MIN
    # Determinants +1 and -1 are equally likely (O(n), not SO(n)).
    assert abs(np.mean(np.linalg.det(q) > 0) - 0.5) < 4 * np.sqrt(0.25 / q.shape[0])


def test_orthogonal_rectangular_shapes():
    tall, wide = random.orthogonal(KEY, 5, m=2), random.orthogonal(KEY, 2, m=5)
    assert tall.shape == (5, 2) and wide.shape == (2, 5)
    np.testing.assert_allclose(tall.T @ tall, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(wide @ wide.T, np.eye(2), atol=1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_ball_is_uniform_in_the_p_norm_ball(p):
    d = 3
    x = random.ball(_key(f"ball{p}"), d, p, (N,))
    radius = np.sum(np.abs(x) ** p, axis=-1) ** (1 / p)
    assert x.shape == (N, d) and (radius <= 1).all()
    # Uniform in the ball: radius**d is uniform on [0, 1], whatever the norm.
    assert st.kstest(radius**d, "uniform").pvalue > P_MIN


def test_dirichlet_rows_sum_to_one_and_have_beta_marginals():
    alpha = np.array([0.3, 2.0, 5.0])
    x = random.dirichlet(_key("dirichlet"), alpha, (N,))
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    for i in range(3):
        assert st.kstest(x[:, i], st.beta(alpha[i], alpha.sum() - alpha[i]).cdf).pvalue > P_MIN


def test_dirichlet_with_tiny_alphas_stays_finite():
    x = random.dirichlet(_key("dirichlet-tiny"), np.full(4, 1e-3), (100,))
    assert np.isfinite(x).all()
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)


# --------------------------------------------------------------------------- shapes, dtypes, errors


PARAMETRISED = {  # name: (call with shape s, parameters a of shape (3,) and b of shape (2, 1); default shape)
    "gamma": (lambda m, k, a, b, s: m.gamma(k, a, s), (3,)),
    "loggamma": (lambda m, k, a, b, s: m.loggamma(k, a, s), (3,)),
    "beta": (lambda m, k, a, b, s: m.beta(k, a, b, s), (2, 3)),
    "chisquare": (lambda m, k, a, b, s: m.chisquare(k, a, s), (3,)),
    "f": (lambda m, k, a, b, s: m.f(k, a, b, s), (2, 3)),
    "t": (lambda m, k, a, b, s: m.t(k, b, s), (2, 1)),
    "pareto": (lambda m, k, a, b, s: m.pareto(k, a, s), (3,)),
    "rayleigh": (lambda m, k, a, b, s: m.rayleigh(k, a, s), (3,)),
    "wald": (lambda m, k, a, b, s: m.wald(k, a, s), (3,)),
    "lognormal": (lambda m, k, a, b, s: m.lognormal(k, a, s), (3,)),
    "poisson": (lambda m, k, a, b, s: m.poisson(k, a, s), (3,)),
    "binomial": (lambda m, k, a, b, s: m.binomial(k, a, b / 4, s), (2, 3)),
    "geometric": (lambda m, k, a, b, s: m.geometric(k, b / 4, s), (2, 1)),
    "truncated_normal": (lambda m, k, a, b, s: m.truncated_normal(k, -a, b, s), (2, 3)),
    "triangular": (lambda m, k, a, b, s: m.triangular(k, -a, 0 * b, a + 1, s), (2, 3)),
    "bernoulli": (lambda m, k, a, b, s: m.bernoulli(k, b / 4, s), (2, 1)),
}


@pytest.mark.parametrize("name", sorted(PARAMETRISED))
def test_parameters_broadcast_to_the_shape_as_in_jax(name):
    call, default_shape = PARAMETRISED[name]
    a, b = np.array([1.0, 2.0, 3.0]), np.array([[1.0], [2.0]])
    assert call(random, KEY, a, b, None).shape == default_shape
    assert call(random, KEY, a, b, (4, 2, 3)).shape == (4, 2, 3)
    with pytest.raises(ValueError, match=f"{name}: parameter shapes"):
        call(random, KEY, a, b, (3, 4))
    if name != "f":  # jax.random.f itself fails on parameters of different ranks
        jax = pytest.importorskip("jax")
        # eval_shape traces without compiling: JAX's shape rules at no XLA cost.
        assert jax.eval_shape(lambda: call(jax.random, jax.random.PRNGKey(0), a, b, None)).shape == default_shape


@pytest.mark.parametrize("sampler", [
    lambda d: random.exponential(KEY, (2,), d), lambda d: random.gamma(KEY, 1.0, (2,), d),
    lambda d: random.truncated_normal(KEY, 0.0, 1.0, (2,), d), lambda d: random.binomial(KEY, 3, 0.5, (2,), d),
    lambda d: random.cauchy(KEY, (2,), d), lambda d: random.dirichlet(KEY, np.ones(2), (2,), d),
])
def test_an_integer_dtype_for_a_float_sampler_raises_jax_s_value_error(sampler):
    with pytest.raises(ValueError, match="must be a float dtype"):
        sampler(np.int32)


def test_a_float_dtype_for_an_integer_sampler_raises_value_error():
    with pytest.raises(ValueError, match="int dtype"):
        random.poisson(KEY, 3.0, (2,), np.float32)
    with pytest.raises(ValueError, match="int dtype"):
        random.geometric(KEY, 0.5, (2,), np.float64)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="alpha.ndim >= 1"):
        random.dirichlet(KEY, 1.0)
    with pytest.raises(TypeError, match="bernoulli.*floating"):
        random.bernoulli(KEY, np.array([1, 0]))
    with pytest.raises(ValueError, match="mode"):
        random.gumbel(KEY, (2,), mode="medium")
    with pytest.raises(TypeError, match="orthogonal: n"):
        random.orthogonal(KEY, 2.5)
    with pytest.raises(ValueError, match="single key"):
        random.gamma(random.split(KEY, 2), 1.0)


def test_degenerate_gamma_shapes():
    x = random.gamma(KEY, np.array([0.0, -1.0, np.nan, np.inf, 1e-30]))
    assert x[0] == 0 and np.isnan(x[1]) and np.isnan(x[2]) and x[3] == np.inf and x[4] >= 0
    assert random.gamma(KEY, np.ones((0, 3))).shape == (0, 3)


# --------------------------------------------------------------------------- property tests over parameter shapes
ARRAY_SAMPLERS = {  # parameters drawn in (0.1, 20); each result checked for its support
    "gamma": (lambda k, x: random.gamma(k, x), lambda s, x: (s >= 0).all()),
    "beta": (lambda k, x: random.beta(k, x, 2.0), lambda s, x: ((s >= 0) & (s <= 1)).all()),
    "poisson": (lambda k, x: random.poisson(k, x), lambda s, x: (s >= 0).all()),
    "binomial": (lambda k, x: random.binomial(k, x, 0.4), lambda s, x: ((s >= 0) & (s <= np.floor(x))).all()),
    "truncated_normal": (lambda k, x: random.truncated_normal(k, -x, x), lambda s, x: ((s > -x) & (s < x)).all()),
    "pareto": (lambda k, x: random.pareto(k, x), lambda s, x: (s >= 1).all()),
}


@settings(max_examples=10, deadline=None)
@given(name=hs.sampled_from(sorted(ARRAY_SAMPLERS)),
       x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
                    elements=hs.floats(0.1, 20.0)),
       strided=hs.booleans())
def test_samplers_take_parameter_arrays_of_any_shape_and_layout(name, x, strided):
    sampler, in_support = ARRAY_SAMPLERS[name]
    if strided and x.ndim:
        x = np.repeat(x, 2, axis=-1)[..., ::2]  # a non-contiguous view with the same values
    s = sampler(KEY, x)
    assert s.shape == x.shape and in_support(s, x)
