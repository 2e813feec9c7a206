"""The multivariate normal distribution over the last axis of ``x`` (``scipy.stats.multivariate_normal``).

``cov`` is a ``(d, d)`` covariance matrix (factored by Cholesky), or, as a scalar or a vector,
its diagonal.

>>> float(np.round(logpdf(np.zeros(2), np.zeros(2), np.eye(2)), 12))    # -log(2 pi)
-1.837877066409
"""
from __future__ import annotations

import math

import numpy as np

from ... import lax
from ... import numpy as fnp
from ...numpy._base import promote_to_inexact
from ._common import ArrayLike, returning_arrays

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None):
    """``-(d log(2 pi) + log det(cov) + (x - mean)^T cov^-1 (x - mean)) / 2``."""
    if allow_singular is not None:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular is not supported (as in JAX)")
    x, mean, cov = promote_to_inexact(fnp.asarray(x), fnp.asarray(mean), fnp.asarray(cov))
    if cov.ndim < 2:
        # a diagonal covariance: independent normal coordinates
        diff = x - mean
        d = diff.shape[-1] if diff.ndim else 1
        variance = fnp.broadcast_to(cov, diff.shape[-1:] if diff.ndim else ())
        terms = diff * diff / variance + fnp.log(variance)
        total = fnp.sum(terms, axis=-1) if diff.ndim and mean.ndim else terms
        return -0.5 * (total + (d if mean.ndim else 1) * math.log(2.0 * math.pi))
    d = cov.shape[-1]
    if cov.shape != (d, d):
        raise ValueError(f"multivariate_normal.logpdf: cov must be a square matrix, got shape {cov.shape}")
    diff = fnp.broadcast_to(x - mean, np.broadcast_shapes(fnp.shape(x), fnp.shape(mean), (d,)))
    batch = diff.shape[:-1]
    factor = lax.linalg.cholesky(cov)
    # rows y with y L^T = diff, so that |y|^2 = diff^T cov^-1 diff
    rows = lax.linalg.triangular_solve(factor, fnp.reshape(diff, (-1, d)), left_side=False, lower=True, transpose_a=True)
    mahalanobis = fnp.reshape(fnp.sum(rows * rows, axis=-1), batch)
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(factor)))
    return -0.5 * (mahalanobis + log_det + d * math.log(2.0 * math.pi))


def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike):
    """The density at ``x``."""
    return fnp.exp(logpdf(x, mean, cov))


returning_arrays(globals(), __all__)
