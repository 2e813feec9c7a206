"""The geometric distribution: the number of trials up to the first success (``scipy.stats.geom``).

>>> import numpy as np
>>> float(np.round(pmf(3.0, 0.5), 12))
0.125
"""
from __future__ import annotations

from ... import numpy as fnp
from .. import special
from ._common import ArrayLike, returning_arrays
from ._discrete import masked_log, shifted

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``(k - 1) log(1 - p) + log(p)`` for whole ``k >= 1``, ``-inf`` elsewhere."""
    k, p = shifted(k, loc, p)
    return masked_log(k, lambda k: special.xlog1py(k - 1.0, -p) + fnp.log(p), lower=1.0)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0):
    """``P(X = k)``."""
    return fnp.exp(logpmf(k, p, loc))


returning_arrays(globals(), __all__)
