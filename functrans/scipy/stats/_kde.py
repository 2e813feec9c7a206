"""Gaussian kernel density estimation (``scipy.stats.gaussian_kde``), differentiable in the data,
the weights and the evaluation points."""
from __future__ import annotations

import math
from typing import Any, Callable

from ... import lax
from ... import numpy as fnp
from ... import random
from ...numpy._base import promote_to_inexact
from ...tree_util import register_pytree_node_class
from .. import special
from ._common import ArrayLike

__all__ = ["gaussian_kde"]


def _log_gaussian(diff: Any, cov: Any) -> Any:
    """``log N(diff; 0, cov)`` for ``diff`` of shape ``(d, ...)``, by Cholesky."""
    d = cov.shape[0]
    factor = lax.linalg.cholesky(cov)
    flat = fnp.reshape(diff, (d, -1))
    white = lax.linalg.triangular_solve(factor, flat, left_side=True, lower=True)
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(factor)))
    values = -0.5 * (fnp.sum(white * white, axis=0) + log_det + d * math.log(2.0 * math.pi))
    return fnp.reshape(values, diff.shape[1:])


@register_pytree_node_class
class gaussian_kde:
    """A weighted mixture of Gaussians centred on the points of ``dataset`` (shape ``(d, n)``, or
    ``(n,)`` for one dimension), their covariance the data's scaled by ``factor**2``: Scott's
    ``neff**(-1/(d+4))`` by default, Silverman's, a number, or a function of the estimator.

    >>> import numpy as np
    >>> kde = gaussian_kde(np.array([0.0, 1.0, 2.0]), bw_method=0.5)
    >>> float(np.round(kde.integrate_box_1d(-np.inf, np.inf), 12)), kde(np.array([1.0])).shape
    (1.0, (1,))
    """

    def __init__(self, dataset: ArrayLike, bw_method: str | float | Callable | None = None, weights: ArrayLike | None = None):
        dataset = fnp.atleast_2d(promote_to_inexact(fnp.asarray(dataset))[0])
        d, n = dataset.shape
        if n < 2:
            raise ValueError(f"gaussian_kde: the dataset needs more than one point, got shape {dataset.shape}")
        if weights is None:
            weights = fnp.full((n,), 1.0 / n, dataset.dtype)
        else:
            weights = fnp.asarray(weights, dataset.dtype)
            if weights.shape != (n,):
                raise ValueError(f"gaussian_kde: weights must have shape ({n},), got {weights.shape}")
            weights = weights / fnp.sum(weights)
        self.dataset, self.weights = dataset, weights
        self.d, self.n = d, n
        self.neff = 1.0 / fnp.sum(weights * weights)
        self.covariance_factor = self._factor_rule(bw_method)
        factor = self.covariance_factor()
        mean = fnp.sum(dataset * weights, axis=1, keepdims=True)
        centred = dataset - mean
        # the weighted covariance with the unbiased (reliability-weights) correction, as SciPy
        data_cov = (centred * weights) @ centred.T / (1.0 - fnp.sum(weights * weights))
        self.covariance = data_cov * factor**2
        self.inv_cov = fnp.linalg.inv(self.covariance)
        self.factor = factor

    def _factor_rule(self, bw_method: Any) -> Callable[[], Any]:
        if bw_method is None or bw_method == "scott":
            return lambda: self.neff ** (-1.0 / (self.d + 4))
        if bw_method == "silverman":
            return lambda: (self.neff * (self.d + 2) / 4.0) ** (-1.0 / (self.d + 4))
        if callable(bw_method):
            return lambda: bw_method(self)
        if isinstance(bw_method, str):
            raise ValueError(f"gaussian_kde: bw_method must be 'scott', 'silverman', a number or a callable, got {bw_method!r}")
        return lambda: bw_method

    # a pytree: the arrays are leaves (so it passes through jit and vmap), the sizes static
    def tree_flatten(self):
        return (self.dataset, self.weights, self.covariance, self.inv_cov, self.neff, self.factor), (self.d, self.n)

    @classmethod
    def tree_unflatten(cls, aux, children):
        kde = object.__new__(cls)
        kde.dataset, kde.weights, kde.covariance, kde.inv_cov, kde.neff, kde.factor = children
        kde.d, kde.n = aux
        kde.covariance_factor = lambda: kde.factor
        return kde

    def _points(self, points: ArrayLike) -> Any:
        points = fnp.atleast_2d(fnp.asarray(points, self.dataset.dtype))
        if points.shape[0] != self.d:
            if points.shape == (1, self.d):
                points = points.T
            else:
                raise ValueError(f"gaussian_kde: points have dimension {points.shape[0]}, the dataset {self.d}")
        return points

    def _log_terms(self, points: Any, cov: Any) -> Any:
        """``log w_i + log N(points_j; dataset_i, cov)`` as an ``(n, m)`` table."""
        diff = points[:, None, :] - self.dataset[:, :, None]
        return fnp.log(self.weights)[:, None] + _log_gaussian(diff, cov)

    def logpdf(self, x: ArrayLike) -> Any:
        """The log density at the columns of ``x`` (a log-sum-exp, finite far from the data)."""
        return special.logsumexp(self._log_terms(self._points(x), self.covariance), axis=0)

    def evaluate(self, points: ArrayLike) -> Any:
        """The density at the columns of ``points``."""
        return fnp.exp(self.logpdf(points))

    __call__ = evaluate
    pdf = evaluate

    def integrate_gaussian(self, mean: ArrayLike, cov: ArrayLike) -> Any:
        """The integral of the density times the Gaussian ``N(mean, cov)``."""
        mean = fnp.reshape(fnp.asarray(mean, self.dataset.dtype), (self.d, 1))
        cov = fnp.reshape(fnp.asarray(cov, self.dataset.dtype), (self.d, self.d))
        return fnp.exp(special.logsumexp(self._log_terms(mean, self.covariance + cov)))

    def integrate_box_1d(self, low: ArrayLike, high: ArrayLike) -> Any:
        """The probability of ``[low, high]`` (one-dimensional data only)."""
        if self.d != 1:
            raise ValueError("gaussian_kde.integrate_box_1d: the data must be one-dimensional")
        sigma = fnp.sqrt(self.covariance[0, 0])
        upper = special.ndtr((high - self.dataset[0]) / sigma)
        lower = special.ndtr((low - self.dataset[0]) / sigma)
        return fnp.sum(self.weights * (upper - lower))

    def integrate_kde(self, other: "gaussian_kde") -> Any:
        """The integral of the product of two density estimates."""
        if other.d != self.d:
            raise ValueError(f"gaussian_kde.integrate_kde: dimensions differ ({self.d} and {other.d})")
        terms = self._log_terms(other.dataset, self.covariance + other.covariance) + fnp.log(other.weights)[None, :]
        return fnp.exp(special.logsumexp(terms))

    def resample(self, key: Any, shape: tuple[int, ...] = ()) -> Any:
        """Draws from the estimate, of shape ``(d, *shape)``: a data point chosen by weight plus
        Gaussian noise of the kernel's covariance."""
        choice_key, noise_key = random.split(key)
        shape = tuple(shape)
        index = random.choice(choice_key, self.n, shape=shape, p=self.weights)
        noise = random.multivariate_normal(noise_key, fnp.zeros(self.d, self.dataset.dtype), self.covariance, shape=shape)
        return fnp.take(self.dataset, index, axis=1) + fnp.moveaxis(noise, -1, 0)

    def set_bandwidth(self, bw_method: Any = None) -> None:
        raise NotImplementedError("gaussian_kde.set_bandwidth: the estimator is immutable (as in JAX); build a new one")
