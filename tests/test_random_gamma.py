"""Derivatives of gamma-family samples with respect to their shape parameters: the implicit
(reparameterisation) gradient ``dx/da = -(dF/da) / (dF/dx)``, the derivative of the quantile
``F^-1(u; a)`` at fixed ``u``, against SciPy's incomplete gamma function differenced in ``a``;
the distributions built on gamma draws through the chain rule; JAX's ``random_gamma_grad``;
reverse mode against forward mode; vmap against a loop. (Finite differences of the sampler
itself are no reference: Marsaglia-Tsang's map from its normal draw to the sample is not the
quantile function, and the derivative JAX defines is the quantile's.)"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats as st

import functrans as ft
import functrans.numpy as fnp
from functrans import random

KEY = random.PRNGKey(5)
SHAPES = np.array([0.05, 0.3, 1.0, 2.5, 10.0, 100.0, 3000.0])


def _implicit_derivative(a, x):
    """-(dP/da) / (dP/dx) for the regularised incomplete gamma P, dP/da by central differences."""
    h = 1e-6 * a
    dp_da = (scipy.special.gammainc(a + h, x) - scipy.special.gammainc(a - h, x)) / (2 * h)
    return -dp_da / st.gamma.pdf(x, a)


def test_gamma_sample_derivative_is_the_implicit_one():
    x = random.gamma(KEY, SHAPES)
    _, dx = ft.jvp(lambda a: random.gamma(KEY, a), (SHAPES,), (np.ones_like(SHAPES),))
    np.testing.assert_allclose(dx, _implicit_derivative(SHAPES, x), rtol=1e-7)


def test_gamma_gradient_in_reverse_mode_equals_forward_mode():
    forward = ft.jvp(lambda a: random.gamma(KEY, a), (SHAPES,), (np.ones_like(SHAPES),))[1]
    np.testing.assert_allclose(ft.grad(lambda a: fnp.sum(random.gamma(KEY, a)))(SHAPES), forward, rtol=1e-14)


@pytest.mark.slow  # XLA compiles JAX's gamma gradient: seconds
def test_gamma_sample_derivative_matches_jax_random_gamma_grad():
    jax = pytest.importorskip("jax")
    from jax._src.lax.special import random_gamma_grad

    a = SHAPES[:-1].astype(np.float32)  # float32: JAX without x64
    x = random.gamma(KEY, a)
    ours = ft.jvp(lambda a: random.gamma(KEY, a), (a,), (np.ones_like(a),))[1]
    with jax.enable_x64(False):  # whatever another test left set
        expected = np.asarray(random_gamma_grad(a, x))
    np.testing.assert_allclose(ours, expected, rtol=2e-4)


def _jvp_each(f, args):
    """The derivative of ``f`` with respect to each argument, elementwise (forward mode)."""
    out = []
    for i in range(len(args)):
        tangents = tuple(np.ones_like(a) if j == i else np.zeros_like(a) for j, a in enumerate(args))
        out.append(ft.jvp(f, args, tangents)[1])
    return out


def test_beta_derivatives_follow_from_the_two_gamma_draws():
    # beta = Ga / (Ga + Gb) with each gamma draw moving along its own quantile.
    a, b = np.array([0.5, 2.0, 7.0]), np.array([3.0, 0.7, 7.0])
    key_a, key_b = random.split(KEY)
    ga, gb = np.exp(random.loggamma(key_a, a)), np.exp(random.loggamma(key_b, b))
    total = ga + gb
    da, db = _jvp_each(lambda a, b: random.beta(KEY, a, b), (a, b))
    np.testing.assert_allclose(da, gb / total**2 * _implicit_derivative(a, ga), rtol=1e-6)
    np.testing.assert_allclose(db, -ga / total**2 * _implicit_derivative(b, gb), rtol=1e-6)


def test_dirichlet_derivatives_follow_from_the_gamma_draws():
    alpha = np.array([0.5, 2.0, 4.0])
    g = np.exp(random.loggamma(KEY, alpha))
    x = g / g.sum()
    jacobian = ft.jacfwd(lambda alpha: random.dirichlet(KEY, alpha))(alpha)
    dg = _implicit_derivative(alpha, g)
    expected = (np.eye(3) - x[:, None]) * dg[None, :] / g.sum()
    np.testing.assert_allclose(jacobian, expected, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ft.jacrev(lambda alpha: random.dirichlet(KEY, alpha))(alpha), jacobian, rtol=1e-12)


def test_chisquare_derivative_is_the_gamma_one_at_half_the_degrees_of_freedom():
    df = np.array([1.0, 7.0, 40.0])
    x = random.chisquare(KEY, df)
    (d_df,) = _jvp_each(lambda df: random.chisquare(KEY, df), (df,))
    np.testing.assert_allclose(d_df, _implicit_derivative(df / 2, x / 2), rtol=1e-6)


def test_loggamma_derivative_stays_finite_where_the_sample_underflows():
    a = np.array([1e-3, 1e-2])
    log_x = random.loggamma(KEY, a, (2000, 2))
    d_log_x = ft.jvp(lambda a: random.loggamma(KEY, a, (2000, 2)), (a,), (np.ones_like(a),))[1]
    assert np.isfinite(d_log_x).all()
    # Where x = exp(log_x) is representable, d log x / da = (dx/da) / x.
    x = np.exp(log_x)
    usable = (x > 1e-250) & (x < 1e250)
    expected = _implicit_derivative(np.broadcast_to(a, x.shape)[usable], x[usable]) / x[usable]
    np.testing.assert_allclose(d_log_x[usable], expected, rtol=1e-5)


@pytest.mark.slow
def test_gamma_derivative_under_vmap_over_keys_equals_a_loop():
    keys = random.split(KEY, 4)
    a = np.array([0.5, 3.0])
    per_key = ft.vmap(ft.grad(lambda k, a: fnp.sum(random.gamma(k, a)), argnums=1), in_axes=(0, None))(keys, a)
    looped = np.stack([ft.grad(lambda a: fnp.sum(random.gamma(k, a)))(a) for k in keys])
    np.testing.assert_allclose(per_key, looped, rtol=1e-14)


def test_a_pathwise_gradient_estimate_of_the_mean_is_one():
    # E[x] = a for Gamma(a, 1): the average of dx/da over many draws estimates d(E x)/da = 1.
    grads = ft.grad(lambda a: fnp.mean(random.gamma(KEY, a, (20_000,))))(2.5)
    assert abs(grads - 1.0) < 0.02
