"""The Poisson distribution of mean ``mu`` (``scipy.stats.poisson``).

>>> import numpy as np
>>> float(np.round(pmf(2.0, 3.0), 12))    # 9 exp(-3) / 2
0.224041807655
"""
from __future__ import annotations

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays, where
from ._discrete import masked_log, shifted

__all__ = ["cdf", "logpmf", "pmf"]


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0):
    """``k log(mu) - mu - log(k!)`` for whole ``k >= 0``, ``-inf`` elsewhere."""
    k, mu = shifted(k, loc, mu)
    return masked_log(k, lambda k: special.xlogy(k, mu) - mu - lax.lgamma(k + 1.0))


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0):
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0):
    """``P(X <= k) = Q(floor(k) + 1, mu)``."""
    k, mu = shifted(k, loc, mu)
    inside = k >= 0.0
    return where(inside, special.gammaincc(fnp.floor(fnp.maximum(k, 0.0)) + 1.0, mu), 0.0)


returning_arrays(globals(), __all__)
