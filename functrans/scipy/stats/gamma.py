"""The gamma distribution of shape ``a`` (``scipy.stats.gamma``).

>>> float(np.round(cdf(2.0, 1.0), 12))    # exponential: 1 - exp(-2)
0.864664716763
"""
from __future__ import annotations

import numpy as np

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays, safe, standardize, where

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x`` (``-inf`` below ``loc``)."""
    y, scale, a = standardize(x, loc, scale, a)
    inside = y >= 0.0
    y = safe(inside, y, 1.0)
    return where(inside, special.xlogy(a - 1.0, y) - y - lax.lgamma(a) - fnp.log(scale), -np.inf)


def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x)``, the regularized lower incomplete gamma function."""
    y, scale, a = standardize(x, loc, scale, a)
    return special.gammainc(a, fnp.maximum(y, 0.0))


def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, a, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x)``, the regularized upper incomplete gamma function (accurate where small)."""
    y, scale, a = standardize(x, loc, scale, a)
    return special.gammaincc(a, fnp.maximum(y, 0.0))


def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x)``."""
    return fnp.log(sf(x, a, loc, scale))


returning_arrays(globals(), __all__)
