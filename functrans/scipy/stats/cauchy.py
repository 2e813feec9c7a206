"""The Cauchy distribution (``scipy.stats.cauchy``).

>>> import numpy as np
>>> float(np.round(ppf(0.75), 12))
1.0
"""
from __future__ import annotations

import math

from ... import numpy as fnp
from ._common import ArrayLike, promote, returning_arrays, standardize

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density ``-log(pi scale (1 + z**2))``."""
    z, scale = standardize(x, loc, scale)
    return -fnp.log1p(z * z) - fnp.log(scale) - math.log(math.pi)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x) = 1/2 + atan(z) / pi``; in the left tail ``atan2(1, -z) / pi`` (no cancellation)."""
    z, _ = standardize(x, loc, scale)
    return fnp.arctan2(fnp.ones_like(z), -z) / math.pi


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x)``, by symmetry."""
    z, _ = standardize(x, loc, scale)
    return fnp.arctan2(fnp.ones_like(z), z) / math.pi


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x)``."""
    return fnp.log(sf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function ``loc + scale tan(pi (q - 1/2))``."""
    q, loc, scale = promote(q, loc, scale)
    return loc + scale * fnp.tan(math.pi * (q - 0.5))


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The inverse of ``sf``."""
    q, loc, scale = promote(q, loc, scale)
    return loc - scale * fnp.tan(math.pi * (q - 0.5))


returning_arrays(globals(), __all__)
