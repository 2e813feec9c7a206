"""The chi-squared distribution with ``df`` degrees of freedom (``scipy.stats.chi2``): a gamma
distribution of shape ``df / 2`` and scale ``2 scale``.

>>> import numpy as np
>>> float(np.round(sf(3.841458820694124, 1.0), 9))
0.05
"""
from __future__ import annotations

from . import gamma
from ._common import ArrayLike, promote, returning_arrays

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _as_gamma(fn):
    def method(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1):
        x, df, loc, scale = promote(x, df, loc, scale)
        return fn(x, df * 0.5, loc, scale * 2.0)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


logpdf, pdf, cdf, logcdf, sf, logsf = map(_as_gamma, (gamma.logpdf, gamma.pdf, gamma.cdf, gamma.logcdf, gamma.sf, gamma.logsf))

returning_arrays(globals(), __all__)
