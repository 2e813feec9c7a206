"""The von Mises distribution on the circle (``scipy.stats.vonmises``), concentration ``kappa``.

>>> float(np.round(pdf(0.0, 0.0) * 2 * np.pi, 12))    # uniform at kappa = 0
1.0
"""
from __future__ import annotations

import math

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, promote, returning_arrays, where

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, kappa: ArrayLike):
    """The log density ``kappa (cos(x) - 1) - log(2 pi i0e(kappa))`` (nan for ``kappa < 0``)."""
    x, kappa = promote(x, kappa)
    value = kappa * (fnp.cos(x) - 1.0) - fnp.log(special.i0e(kappa)) - math.log(2.0 * math.pi)
    return where(kappa >= 0.0, value, np.nan)


def pdf(x: ArrayLike, kappa: ArrayLike):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, kappa))


returning_arrays(globals(), __all__)
