"""The logistic distribution (``scipy.stats.logistic``).

>>> import numpy as np
>>> float(np.round(cdf(0.0), 12)), float(np.round(ppf(0.5), 12))
(0.5, 0.0)
"""
from __future__ import annotations

from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, promote, returning_arrays, standardize

__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density ``-|z| - 2 log(1 + exp(-|z|)) - log(scale)`` (no overflow)."""
    z, scale = standardize(x, loc, scale)
    a = fnp.abs(z)
    return -a - 2.0 * fnp.log1p(fnp.exp(-a)) - fnp.log(scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x) = expit(z)``."""
    return special.expit(standardize(x, loc, scale)[0])


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x) = expit(-z)``."""
    return special.expit(-standardize(x, loc, scale)[0])


def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function ``loc + scale logit(q)``."""
    x, loc, scale = promote(x, loc, scale)
    return loc + scale * special.logit(x)


def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The inverse of ``sf``."""
    x, loc, scale = promote(x, loc, scale)
    return loc - scale * special.logit(x)


returning_arrays(globals(), __all__)
