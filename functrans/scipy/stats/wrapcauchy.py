"""The wrapped Cauchy distribution on ``[0, 2 pi]`` (``scipy.stats.wrapcauchy``), shape ``0 < c < 1``.

>>> float(np.round(pdf(np.pi, 0.5), 12))    # (1 - c**2) / (2 pi (1 + c)**2)
0.053051647697
"""
from __future__ import annotations

import math

import numpy as np

from ... import numpy as fnp
from ._common import ArrayLike, promote, returning_arrays, where

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, c: ArrayLike):
    """The log density ``log((1 - c**2) / (2 pi (1 + c**2 - 2 c cos(x))))`` (``-inf`` off the support)."""
    x, c = promote(x, c)
    value = fnp.log1p(-c * c) - math.log(2.0 * math.pi) - fnp.log1p(c * c - 2.0 * c * fnp.cos(x))
    inside = (x >= 0.0) & (x <= 2.0 * math.pi) & (c > 0.0) & (c < 1.0)
    return where(inside, value, -np.inf)


def pdf(x: ArrayLike, c: ArrayLike):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, c))


returning_arrays(globals(), __all__)
