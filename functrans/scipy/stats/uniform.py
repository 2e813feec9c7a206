"""The uniform distribution on ``[loc, loc + scale]`` (``scipy.stats.uniform``).

>>> pdf(np.array([-1.0, 0.5, 2.0]))
array([0., 1., 0.])
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from ._common import ArrayLike, promote, returning_arrays, standardize, where

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x``: ``-log(scale)`` inside the interval, ``-inf`` outside."""
    y, scale = standardize(x, loc, scale)
    return where((y >= 0.0) & (y <= 1.0), -fnp.log(scale), -np.inf)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x)``, clipped to ``[0, 1]``."""
    return fnp.clip(standardize(x, loc, scale)[0], 0.0, 1.0)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The quantile function ``loc + q scale`` (nan outside ``[0, 1]``)."""
    q, loc, scale = promote(q, loc, scale)
    return where((q >= 0.0) & (q <= 1.0), loc + q * scale, np.nan)


returning_arrays(globals(), __all__)
