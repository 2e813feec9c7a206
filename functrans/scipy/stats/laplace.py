"""The Laplace (double exponential) distribution (``scipy.stats.laplace``).

>>> import numpy as np
>>> float(np.round(cdf(0.0), 12))
0.5
"""
from __future__ import annotations

import math

from ... import numpy as fnp
from ._common import ArrayLike, returning_arrays, standardize

__all__ = ["cdf", "logpdf", "pdf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density ``-|x - loc| / scale - log(2 scale)``."""
    z, scale = standardize(x, loc, scale)
    return -fnp.abs(z) - fnp.log(scale) - math.log(2.0)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """``P(X <= x)``: ``exp(z) / 2`` below ``loc``, ``1 - exp(-z) / 2`` above."""
    z, _ = standardize(x, loc, scale)
    half_tail = 0.5 * fnp.exp(-fnp.abs(z))
    return fnp.where(z < 0.0, half_tail, 1.0 - half_tail)


returning_arrays(globals(), __all__)
