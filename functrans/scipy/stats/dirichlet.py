"""The Dirichlet distribution (``scipy.stats.dirichlet``): ``x`` holds points of the simplex along
its first axis, which has ``len(alpha)`` entries, or one fewer (the last is then ``1 - sum``).

>>> float(np.round(pdf(np.array([0.2, 0.8]), np.array([1.0, 1.0])), 12))    # uniform on the simplex
1.0
"""
from __future__ import annotations

import numpy as np

from ... import lax
from ... import numpy as fnp
from .. import special
from ...numpy._base import promote_to_inexact
from ._common import ArrayLike, returning_arrays, where

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, alpha: ArrayLike):
    """``sum((alpha_i - 1) log x_i) - log B(alpha)`` on the simplex, ``-inf`` off it."""
    x, alpha = promote_to_inexact(fnp.asarray(x), fnp.asarray(alpha))
    if alpha.ndim != 1:
        raise ValueError(f"dirichlet.logpdf: alpha must be one-dimensional, got shape {alpha.shape}")
    k = alpha.shape[0]
    if x.ndim == 0 or x.shape[0] not in (k, k - 1):
        raise ValueError(f"dirichlet.logpdf: x's first axis must have {k} or {k - 1} entries (alpha has {k}), got shape {x.shape}")
    if x.shape[0] == k - 1:
        x = fnp.concatenate([x, 1.0 - fnp.sum(x, axis=0, keepdims=True)], axis=0)
    alpha = fnp.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    log_beta = fnp.sum(lax.lgamma(alpha), axis=0) - lax.lgamma(fnp.sum(alpha, axis=0))
    value = fnp.sum(special.xlogy(alpha - 1.0, x), axis=0) - log_beta
    on_simplex = fnp.all(x >= 0.0, axis=0) & (fnp.abs(fnp.sum(x, axis=0) - 1.0) <= 1e-5)
    return where(on_simplex, value, -np.inf)


def pdf(x: ArrayLike, alpha: ArrayLike):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, alpha))


returning_arrays(globals(), __all__)
