"""The beta-binomial distribution (``scipy.stats.betabinom``).

>>> import numpy as np
>>> float(np.round(pmf(1.0, 2.0, 1.0, 1.0), 12))    # uniform on {0, 1, 2}
0.333333333333
"""
from __future__ import annotations

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays
from ._discrete import masked_log, shifted

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0):
    """``log(C(n, k) B(k + a, n - k + b) / B(a, b))`` for whole ``0 <= k <= n``."""
    k, n, a, b = shifted(k, loc, n, a, b)

    def value(k):
        log_comb = lax.lgamma(n + 1.0) - lax.lgamma(k + 1.0) - lax.lgamma(n - k + 1.0)
        return log_comb + special.betaln(k + a, n - k + b) - special.betaln(a, b)

    return masked_log(k, value, upper=n)


def pmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0):
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, n, a, b, loc))


returning_arrays(globals(), __all__)
