"""Pseudo-random numbers from explicit keys: a counter-based, splittable generator with
``jax.random``'s functions.

A key is a ``uint32`` array of shape ``(2,)``. Every draw is a pure function of its key
(Threefry-2x32 with 20 rounds, the generator JAX uses, hashing a counter per output
word), so the same key gives the same numbers eagerly, under ``jit`` and under ``vmap``;
``split`` and ``fold_in`` derive new keys for independent streams. Never reuse a key for
two draws that should be independent: split it.

>>> key = PRNGKey(0)
>>> key, subkey = split(key)
>>> normal(subkey, (3,)).shape
(3,)

Keys are not typed: ``key(seed)`` makes the same uint32 data as ``PRNGKey(seed)``, and
``key_data``/``wrap_key_data`` check and return it. Values need not match JAX's bit for
bit (the float conversions and several samplers differ); the default float dtype is
float64 and the default integer dtype int64, as NumPy's.
"""
from ._prng import (
    PRNGKey, bits, clone, fold_in, key, key_data, key_dtype, key_impl, split, threefry_2x32, wrap_key_data,
)
from ._basic import bernoulli, choice, normal, permutation, randint, uniform
from ._continuous import (
    cauchy, double_sided_maxwell, exponential, geometric, gumbel, laplace, logistic, lognormal, maxwell, pareto,
    rademacher, rayleigh, triangular, truncated_normal, wald, weibull_min,
)
from ._gamma import ball, beta, chisquare, dirichlet, f, gamma, generalized_normal, loggamma, t
from ._discrete import binomial, categorical, multinomial, poisson
from ._multivariate import multivariate_normal, orthogonal

__all__ = [
    "PRNGKey", "key", "key_data", "key_dtype", "key_impl", "wrap_key_data", "clone", "split", "fold_in", "bits", "threefry_2x32",
    "uniform", "normal", "bernoulli", "randint", "permutation", "choice",
    "cauchy", "double_sided_maxwell", "exponential", "geometric", "gumbel", "laplace", "logistic", "lognormal",
    "maxwell", "pareto", "rademacher", "rayleigh", "triangular", "truncated_normal", "wald", "weibull_min",
    "ball", "beta", "chisquare", "dirichlet", "f", "gamma", "generalized_normal", "loggamma", "t",
    "binomial", "categorical", "multinomial", "poisson",
    "multivariate_normal", "orthogonal",
]
