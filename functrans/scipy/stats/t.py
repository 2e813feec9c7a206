"""Student's t distribution (``scipy.stats.t``).

>>> import numpy as np
>>> float(np.round(pdf(0.0, 1.0), 12))    # Cauchy at 0: 1 / pi
0.318309886184
"""
from __future__ import annotations

import math

from ... import lax
from ... import numpy as fnp
from ._common import ArrayLike, returning_arrays, standardize

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The log density at ``x`` with ``df`` degrees of freedom."""
    z, scale, df = standardize(x, loc, scale, df)
    half = (df + 1.0) * 0.5
    normalizer = lax.lgamma(half) - lax.lgamma(df * 0.5) - 0.5 * fnp.log(df * math.pi) - fnp.log(scale)
    return normalizer - half * fnp.log1p(z * z / df)


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, df, loc, scale))


returning_arrays(globals(), __all__)
