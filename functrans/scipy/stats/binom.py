"""The binomial distribution of ``n`` trials with success probability ``p`` (``scipy.stats.binom``).

>>> import numpy as np
>>> float(np.round(pmf(2.0, 4.0, 0.5), 12))    # 6 / 16
0.375
"""
from __future__ import annotations

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays
from ._discrete import masked_log, shifted

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``log(C(n, k) p**k (1 - p)**(n - k))`` for whole ``0 <= k <= n``, ``-inf`` elsewhere."""
    k, n, p = shifted(k, loc, n, p)

    def value(k):
        log_comb = lax.lgamma(n + 1.0) - lax.lgamma(k + 1.0) - lax.lgamma(n - k + 1.0)
        return log_comb + special.xlogy(k, p) + special.xlog1py(n - k, -p)

    return masked_log(k, value, upper=n)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, n, p, loc))


returning_arrays(globals(), __all__)
