"""The multinomial distribution over the last axis (``scipy.stats.multinomial``).

>>> float(np.round(pmf(np.array([1.0, 1.0]), 2.0, np.array([0.5, 0.5])), 12))
0.5
"""
from __future__ import annotations

import numpy as np

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, promote, returning_arrays, where

__all__ = ["logpmf", "pmf"]


def logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike):
    """``log(n! / prod(x_i!) prod(p_i**x_i))`` where the counts ``x`` (last axis) sum to ``n``."""
    x, p = promote(x, p)
    n = fnp.asarray(n, x.dtype)
    value = lax.lgamma(n + 1.0) - fnp.sum(lax.lgamma(x + 1.0), axis=-1) + fnp.sum(special.xlogy(x, p), axis=-1)
    valid = (fnp.sum(x, axis=-1) == n) & fnp.all(x >= 0.0, axis=-1)
    return where(valid, value, -np.inf)


def pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike):
    """``P(X = x)``."""
    return fnp.exp(logpmf(x, n, p))


returning_arrays(globals(), __all__)
