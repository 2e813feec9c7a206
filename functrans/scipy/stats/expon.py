"""The exponential distribution (``scipy.stats.expon``).

>>> float(np.round(ppf(0.5), 12))    # the median, log 2
0.69314718056
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from ._common import ArrayLike, promote, returning_arrays, safe, standardize, where

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x`` (``-inf`` below ``loc``)."""
    y, scale = standardize(x, loc, scale)
    return where(y >= 0.0, -y - fnp.log(scale), -np.inf)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x) = 1 - exp(-y)``."""
    y, _ = standardize(x, loc, scale)
    return -fnp.expm1(-fnp.maximum(y, 0.0))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    y, _ = standardize(x, loc, scale)
    inside = y > 0.0
    return where(inside, fnp.log(-fnp.expm1(-safe(inside, y, 1.0))), -np.inf)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x) = exp(-y)``."""
    return fnp.exp(logsf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x) = -y``."""
    y, _ = standardize(x, loc, scale)
    return -fnp.maximum(y, 0.0)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function ``loc - scale log(1 - q)``."""
    q, loc, scale = promote(q, loc, scale)
    return loc - scale * fnp.log1p(-q)


returning_arrays(globals(), __all__)
