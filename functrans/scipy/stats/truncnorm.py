"""The normal distribution truncated to ``[a, b]`` in standard units (``scipy.stats.truncnorm``).

The normalising mass ``ndtr(b) - ndtr(a)`` is formed in log space from the tail nearer the
interval, so intervals far out in either tail keep full relative accuracy.

>>> float(np.round(cdf(0.0, -1.0, 1.0), 12))
0.5
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from .. import special
from . import norm
from ._common import ArrayLike, promote, returning_arrays, where

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _log_mass(lo, hi):
    """``log(ndtr(hi) - ndtr(lo))`` for ``lo <= hi``: by symmetry both ends are put in the left
    tail (where ``log_ndtr`` is accurate), and the difference taken as ``log1p(-exp(.))``."""
    flip = lo > 0.0
    upper = fnp.where(flip, -lo, hi)
    lower = fnp.where(flip, -hi, lo)
    log_upper = special.log_ndtr(upper)
    return log_upper + fnp.log1p(-fnp.exp(special.log_ndtr(lower) - log_upper))


def _standard(x, a, b, loc, scale):
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    return (x - loc) / scale, a, b, scale


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x`` (``-inf`` outside ``[loc + a scale, loc + b scale]``)."""
    z, a, b, scale = _standard(x, a, b, loc, scale)
    value = norm.logpdf(z) - fnp.log(scale) - _log_mass(a, b)
    return where((z >= a) & (z <= b), value, -np.inf)


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X <= x)``."""
    z, a, b, _ = _standard(x, a, b, loc, scale)
    inside = z > a
    value = _log_mass(a, fnp.clip(fnp.where(inside, z, b), a, b)) - _log_mass(a, b)
    return where(inside, fnp.minimum(value, 0.0), -np.inf)


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x)``."""
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``log P(X > x)``."""
    z, a, b, _ = _standard(x, a, b, loc, scale)
    inside = z < b
    value = _log_mass(fnp.clip(fnp.where(inside, z, a), a, b), b) - _log_mass(a, b)
    return where(inside, fnp.minimum(value, 0.0), -np.inf)


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X > x)``."""
    return fnp.exp(logsf(x, a, b, loc, scale))


returning_arrays(globals(), __all__)
