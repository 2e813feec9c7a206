"""``functrans.scipy.stats``: ``jax.scipy.stats``'s distributions, one module each (``norm.logpdf``,
``gamma.cdf``, ...), written on functrans primitives, so they differentiate in their arguments and
parameters and work under ``vmap`` and ``jit``; and the summaries ``mode``, ``rankdata``, ``sem``.

>>> import numpy as np
>>> import functrans.scipy.stats as stats
>>> float(np.round(stats.norm.logpdf(0.0), 12))
-0.918938533205
"""
from . import (
    bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm, geom, gumbel_l, gumbel_r,
    laplace, logistic, multinomial, multivariate_normal, nbinom, norm, pareto, poisson, t, truncnorm, uniform,
    vonmises, wrapcauchy,
)
from ._kde import gaussian_kde
from ._summary import ModeResult, mode, rankdata, sem

__all__ = [
    "ModeResult", "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma",
    "gaussian_kde", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "mode", "multinomial",
    "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "rankdata", "sem", "t", "truncnorm", "uniform",
    "vonmises", "wrapcauchy",
]
