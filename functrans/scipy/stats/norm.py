"""The normal distribution (``scipy.stats.norm``), accurate in both tails.

>>> import numpy as np
>>> float(np.round(cdf(1.959963984540054), 6)), float(np.round(logsf(40.0), 3))
(0.975, -804.608)
"""
from __future__ import annotations

import math

from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, promote, returning_arrays, standardize

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x``."""
    z, scale = standardize(x, loc, scale)
    return -0.5 * z * z - fnp.log(scale) - _LOG_SQRT_2PI


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x)``."""
    return special.ndtr(standardize(x, loc, scale)[0])


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``, finite far into the left tail."""
    return special.log_ndtr(standardize(x, loc, scale)[0])


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x)``."""
    return special.ndtr(-standardize(x, loc, scale)[0])


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x)``, finite far into the right tail."""
    return special.log_ndtr(-standardize(x, loc, scale)[0])


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function, the inverse of ``cdf``."""
    q, loc, scale = promote(q, loc, scale)
    return loc + scale * special.ndtri(q)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The inverse of ``sf`` (by symmetry, exact for small ``q``)."""
    q, loc, scale = promote(q, loc, scale)
    return loc - scale * special.ndtri(q)


returning_arrays(globals(), __all__)
