"""The left-skewed (minimum) Gumbel distribution (``scipy.stats.gumbel_l``).

>>> import numpy as np
>>> float(np.round(cdf(0.0), 12))    # 1 - exp(-1)
0.632120558829
"""
from __future__ import annotations

from ... import numpy as fnp
from . import _gumbel
from ._common import ArrayLike, returning_arrays

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_SIDE = 1.0


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x``."""
    return _gumbel.log_density(x, loc, scale, _SIDE)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x) = -exp(z)``."""
    return _gumbel.log_upper(x, loc, scale, _SIDE)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x) = exp(-exp(z))``."""
    return fnp.exp(logsf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x) = 1 - exp(-exp(z))`` (by ``expm1``)."""
    return -fnp.expm1(logsf(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    return fnp.log(cdf(x, loc, scale))


def ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function ``loc + scale log(-log(1 - p))``."""
    return _gumbel.quantile(1.0 - fnp.asarray(p), loc, scale, _SIDE)


returning_arrays(globals(), __all__)
