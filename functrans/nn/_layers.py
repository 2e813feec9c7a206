"""Array-level helpers of ``jax.nn`` that are not elementwise: ``glu``, ``standardize``, ``one_hot``."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, lax
from .. import numpy as fnp
from ..numpy._base import ArrayLike, canonical_axis
from ._activations import _inexact, sigmoid
from ._softmax import Axis, masked_mean

__all__ = ["glu", "one_hot", "standardize"]


def glu(x: ArrayLike, axis: int = -1) -> Any:
    """Gated linear unit: split ``x`` in two halves along ``axis`` and return
    ``first * sigmoid(second)``.

    >>> glu(np.array([2.0, 4.0, 0.0, 0.0]))
    array([1., 2.])
    """
    x = fnp.asarray(x)
    size = x.shape[canonical_axis(axis, x.ndim)]
    if size % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, got shape {x.shape}")
    first, second = fnp.split(x, 2, axis)
    return first * sigmoid(second)


def standardize(x: ArrayLike, axis: Axis = -1, mean: ArrayLike | None = None, variance: ArrayLike | None = None,
                epsilon: ArrayLike = 1e-5, where: ArrayLike | None = None, *, algorithm: str = "fast") -> Any:
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis``; the mean and variance are
    computed (over the elements where ``where`` is true) unless given. ``algorithm="fast"``
    computes the variance as ``mean(x**2) - mean(x)**2`` (clipped at 0, as JAX),
    ``"stable"`` as ``mean((x - mean)**2)``.

    >>> standardize(np.array([1.0, 3.0]), epsilon=0.0)
    array([-1.,  1.])
    """
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"standardize: unknown algorithm {algorithm!r}; expected 'fast' or 'stable'")
    x = _inexact(x)
    if mean is None:
        mean = masked_mean(x, axis, where)
    if variance is None:
        if algorithm == "stable":
            variance = masked_mean(fnp.square(x - mean), axis, where)
        else:
            variance = fnp.maximum(masked_mean(fnp.square(x), axis, where) - fnp.square(mean), 0.0)
    return (x - mean) * lax.rsqrt(variance + epsilon)


def one_hot(x: ArrayLike, num_classes: int, *, dtype: Any = None, axis: int = -1) -> Any:
    """Indicator vectors of the integers ``x`` along a new axis of length ``num_classes``
    (float64 unless ``dtype`` is given); out-of-range values give all zeros (as JAX).

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    x = fnp.asarray(x)
    axis = canonical_axis(axis, x.ndim + 1)
    classes_shape = [1] * (x.ndim + 1)
    classes_shape[axis] = int(num_classes)
    classes = fnp.reshape(fnp.arange(int(num_classes), dtype=x.dtype), classes_shape)
    return fnp.astype(fnp.expand_dims(x, axis) == classes, np.dtype(dtypes.float64 if dtype is None else dtype))
