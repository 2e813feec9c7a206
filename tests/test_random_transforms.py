"""Every functrans.random sampler under vmap (over keys and over parameters) equals a Python
loop bitwise, and under jit equals eager. Each Threefry evaluation costs Numba compile time
(tens of seconds for a rejection sampler on a busy machine), so the jit tests are few and slow."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
from functrans import random

KEY = random.PRNGKey(21)

SAMPLERS = {
    "bits": lambda k: random.bits(k, (3,), np.uint32),
    "exponential": lambda k: random.exponential(k, (3,)),
    "cauchy": lambda k: random.cauchy(k, (3,)),
    "laplace": lambda k: random.laplace(k, (3,)),
    "logistic": lambda k: random.logistic(k, (3,)),
    "gumbel": lambda k: random.gumbel(k, (3,), mode="high"),
    "lognormal": lambda k: random.lognormal(k, 0.5, (3,)),
    "maxwell": lambda k: random.maxwell(k, (3,)),
    "double_sided_maxwell": lambda k: random.double_sided_maxwell(k, 1.0, 2.0, (3,)),
    "pareto": lambda k: random.pareto(k, 2.0, (3,)),
    "rayleigh": lambda k: random.rayleigh(k, 2.0, (3,)),
    "weibull_min": lambda k: random.weibull_min(k, 2.0, 1.5, (3,)),
    "wald": lambda k: random.wald(k, 2.0, (3,)),
    "triangular": lambda k: random.triangular(k, 0.0, 1.0, 3.0, (3,)),
    "truncated_normal": lambda k: random.truncated_normal(k, -1.0, 2.0, (3,)),
    "rademacher": lambda k: random.rademacher(k, (3,)),
    "geometric": lambda k: random.geometric(k, 0.3, (3,)),
    "gamma": lambda k: random.gamma(k, np.array([0.3, 2.0, 50.0])),
    "loggamma": lambda k: random.loggamma(k, np.array([0.01, 2.0, 50.0])),
    "beta": lambda k: random.beta(k, 2.0, np.array([0.5, 3.0, 9.0])),
    "dirichlet": lambda k: random.dirichlet(k, np.array([0.5, 1.0, 4.0])),
    "chisquare": lambda k: random.chisquare(k, 3.0, (3,)),
    "f": lambda k: random.f(k, 3.0, 5.0, (3,)),
    "t": lambda k: random.t(k, 4.0, (3,)),
    "generalized_normal": lambda k: random.generalized_normal(k, 3.0, (3,)),
    "ball": lambda k: random.ball(k, 3, 2.0, (2,)),
    "poisson": lambda k: random.poisson(k, np.array([0.5, 7.0, 40.0])),
    "binomial": lambda k: random.binomial(k, np.array([5.0, 40.0, 300.0]), 0.3),
    "multinomial": lambda k: random.multinomial(k, 20.0, np.array([0.2, 0.3, 0.5])),
    "categorical": lambda k: random.categorical(k, np.log(np.array([0.2, 0.3, 0.5])), shape=(4,)),
    "categorical_without_replacement": lambda k: random.categorical(k, np.zeros(5), shape=(3,), replace=False),
    "multivariate_normal": lambda k: random.multivariate_normal(k, np.zeros(2), np.array([[2.0, 0.5], [0.5, 1.0]])),
    "orthogonal": lambda k: random.orthogonal(k, 3),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_vmap_over_keys_equals_a_loop_bitwise(name):
    sampler = SAMPLERS[name]
    keys = random.split(KEY, 5)
    batched = ft.vmap(sampler)(keys)
    looped = np.stack([sampler(k) for k in keys])
    assert batched.dtype == looped.dtype
    np.testing.assert_array_equal(batched, looped)


@pytest.mark.parametrize("name, sampler, params", [
    ("gamma", lambda a: random.gamma(KEY, a, (4,)), np.array([0.2, 1.0, 30.0])),
    ("poisson", lambda lam: random.poisson(KEY, lam, (4,)), np.array([0.0, 3.0, 25.0])),
    ("binomial", lambda p: random.binomial(KEY, 30.0, p, (4,)), np.array([0.05, 0.5, 0.97])),
    ("truncated_normal", lambda lo: random.truncated_normal(KEY, lo, lo + 1.0, (4,)), np.array([-3.0, 0.0, 2.0])),
])
def test_vmap_over_parameters_equals_a_loop_bitwise(name, sampler, params):
    np.testing.assert_array_equal(ft.vmap(sampler)(params), np.stack([sampler(p) for p in params]))


def _closed_forms(k):
    """Samplers without loops, one Threefry per draw: one program, one compile."""
    k = random.split(k, 4)
    return (random.bits(k[0], (4,), np.uint64), random.truncated_normal(k[1], -1.0, 2.0, (5,)),
            random.categorical(k[2], np.log(np.array([0.2, 0.3, 0.5])), shape=(6,)), random.orthogonal(k[3], 3))


def _gamma(k, a):
    return random.gamma(k, a)


def _poisson(k, lam):
    return random.poisson(k, lam)


def _binomial(k, n):
    return random.binomial(k, n, 0.3)


@pytest.mark.slow
@pytest.mark.parametrize("program, args", [
    (_closed_forms, ()),
    # One rejection sampler per program: Numba's compile time grows faster than the program
    # (each alone compiles in about 90 s on a busy 2-core machine; the three together did not
    # finish in 20 minutes).
    (_gamma, (np.array([0.3, 2.0, 50.0]),)),
    (_poisson, (np.array([0.5, 7.0, 40.0]),)),
    (_binomial, (np.array([5.0, 40.0, 300.0]),)),
])
def test_jit_gives_the_same_numbers_as_eager(program, args):
    eager, jitted = program(KEY, *args), ft.jit(program)(KEY, *args)
    if not isinstance(eager, tuple):
        eager, jitted = (eager,), (jitted,)
    for e, j in zip(eager, jitted):
        assert e.dtype == j.dtype and e.shape == j.shape
        if e.dtype.kind == "f":
            # exp/log/cos compiled may differ from NumPy's in the last bits.
            np.testing.assert_allclose(j, e, rtol=1e-13, atol=1e-15)
        else:
            np.testing.assert_array_equal(j, e)


@pytest.mark.slow
def test_jit_of_the_gamma_gradient_equals_eager():
    grad = ft.grad(lambda a: random.gamma(KEY, a, (3,)).sum())
    a = np.float64(1.7)
    np.testing.assert_allclose(ft.jit(grad)(a), grad(a), rtol=1e-12)
