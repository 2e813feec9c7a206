"""The beta distribution on ``[loc, loc + scale]`` (``scipy.stats.beta``).

>>> float(np.round(cdf(0.5, 2.0, 3.0), 12))
0.6875
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays, safe, standardize, where

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x`` (``-inf`` outside the support)."""
    y, scale, a, b = standardize(x, loc, scale, a, b)
    inside = (y >= 0.0) & (y <= 1.0)
    y = safe(inside, y, 0.5)
    value = special.xlogy(a - 1.0, y) + special.xlog1py(b - 1.0, -y) - special.betaln(a, b) - fnp.log(scale)
    return where(inside, value, -np.inf)


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x)``, the regularized incomplete beta function."""
    y, scale, a, b = standardize(x, loc, scale, a, b)
    return special.betainc(a, b, fnp.clip(y, 0.0, 1.0))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, a, b, loc, scale))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x)``: ``log1p(-I_y(a, b))`` below ``y = 1/2`` (where ``1 - y`` would round),
    ``log(I_{1-y}(b, a))`` above (accurate where small)."""
    y, scale, a, b = standardize(x, loc, scale, a, b)
    y = fnp.clip(y, 0.0, 1.0)
    low = y <= 0.5
    lower = fnp.log1p(-special.betainc(a, b, fnp.where(low, y, 0.5)))
    upper = fnp.log(special.betainc(b, a, 1.0 - fnp.where(low, 0.5, y)))
    return fnp.where(low, lower, upper)


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x)``."""
    return fnp.exp(logsf(x, a, b, loc, scale))


returning_arrays(globals(), __all__)
