"""The Pareto distribution of shape ``b`` (``scipy.stats.pareto``), supported on ``x >= loc + scale``.

>>> float(np.round(sf(2.0, 3.0), 12))    # 2**-3
0.125
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from ._common import ArrayLike, promote, returning_arrays, safe, standardize, where

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _log_y(x, b, loc, scale):
    y, scale, b = standardize(x, loc, scale, b)
    inside = y >= 1.0
    return inside, fnp.log(safe(inside, y, 1.0)), b, scale


def logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density ``log(b) - (b + 1) log(y) - log(scale)`` (``-inf`` below the support)."""
    inside, log_y, b, scale = _log_y(x, b, loc, scale)
    return where(inside, fnp.log(b) - (b + 1.0) * log_y - fnp.log(scale), -np.inf)


def pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, b, loc, scale))


def logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x) = -b log(y)``."""
    inside, log_y, b, _ = _log_y(x, b, loc, scale)
    return where(inside, -b * log_y, 0.0)


def sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x) = y**-b``."""
    return fnp.exp(logsf(x, b, loc, scale))


def cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x) = 1 - y**-b`` (by ``expm1``, accurate near the lower end)."""
    return -fnp.expm1(logsf(x, b, loc, scale))


def logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, b, loc, scale))


def ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function ``loc + scale (1 - q)**(-1/b)``."""
    q, b, loc, scale = promote(q, b, loc, scale)
    return loc + scale * fnp.exp(-fnp.log1p(-q) / b)


returning_arrays(globals(), __all__)
