"""The Bernoulli distribution (``scipy.stats.bernoulli``).

>>> pmf(np.array([0.0, 1.0, 2.0]), 0.25)
array([0.75, 0.25, 0.  ])
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, promote, returning_arrays, where
from ._discrete import masked_log, shifted

__all__ = ["cdf", "logpmf", "pmf", "ppf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``log p`` at 1, ``log(1 - p)`` at 0, ``-inf`` elsewhere."""
    k, p = shifted(k, loc, p)
    return masked_log(k, lambda k: special.xlogy(k, p) + special.xlog1py(1.0 - k, -p), upper=1.0)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, p, loc))


def cdf(k: ArrayLike, p: ArrayLike):
    """``P(X <= k)``: 0 below 0, ``1 - p`` on ``[0, 1)``, 1 from 1 on."""
    k, p = promote(k, p)
    return fnp.where(k < 0.0, fnp.zeros_like(p), fnp.where(k < 1.0, 1.0 - p, fnp.ones_like(p)))


def ppf(q: ArrayLike, p: ArrayLike):
    """The smallest ``k`` with ``cdf(k) >= q``: 0 for ``q <= 1 - p``, else 1 (nan off ``[0, 1]``)."""
    q, p = promote(q, p)
    valid = (q >= 0.0) & (q <= 1.0) & (p >= 0.0) & (p <= 1.0)
    return where(valid, fnp.where(q <= 1.0 - p, fnp.zeros_like(q), fnp.ones_like(q)), np.nan)


returning_arrays(globals(), __all__)
