"""The generalized normal distribution of shape ``beta`` (``scipy.stats.gennorm``): density
proportional to ``exp(-|x|**beta)``.

>>> import numpy as np
>>> float(np.round(cdf(0.0, 1.5), 12))
0.5
"""
from __future__ import annotations

import math

from ... import lax
from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, promote, returning_arrays

__all__ = ["cdf", "logpdf", "pdf"]


def logpdf(x: ArrayLike, beta: ArrayLike):
    """The log density ``log(beta / (2 Gamma(1/beta))) - |x|**beta``."""
    x, beta = promote(x, beta)
    return fnp.log(beta) - math.log(2.0) - lax.lgamma(1.0 / beta) - fnp.abs(x) ** beta


def pdf(x: ArrayLike, beta: ArrayLike):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, beta))


def cdf(x: ArrayLike, beta: ArrayLike):
    """``P(X <= x) = 1/2 + sign(x) P(1/beta, |x|**beta) / 2``."""
    x, beta = promote(x, beta)
    return 0.5 + fnp.sign(x) * 0.5 * special.gammainc(1.0 / beta, fnp.abs(x) ** beta)


returning_arrays(globals(), __all__)
