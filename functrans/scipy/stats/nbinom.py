"""The negative binomial distribution: failures before the ``n``-th success (``scipy.stats.nbinom``).

>>> import numpy as np
>>> float(np.round(pmf(0.0, 2.0, 0.5), 12))
0.25
"""
from __future__ import annotations

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays
from ._discrete import masked_log, shifted

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``log(Gamma(k + n) / (Gamma(n) k!) p**n (1 - p)**k)`` for whole ``k >= 0``."""
    k, n, p = shifted(k, loc, n, p)

    def value(k):
        return lax.lgamma(k + n) - lax.lgamma(n) - lax.lgamma(k + 1.0) + special.xlogy(n, p) + special.xlog1py(k, -p)

    return masked_log(k, value)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, n, p, loc))


returning_arrays(globals(), __all__)
