"""``functrans.nn``: activation functions and friends, as ``jax.nn``.

Each is numerically stable (no overflow at logits of +-1000) and differentiable to
any order; at a kink the derivative follows JAX (``relu'(0) = 0``).

>>> import functrans.nn as nn
>>> nn.softmax(np.array([1000.0, 1000.0]))
array([0.5, 0.5])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import dtypes, lax
from .. import numpy as fnp
from ..numpy._base import ArrayLike, canonical_axis, promote_to_inexact
from ..scipy.special import logsumexp
from . import initializers

__all__ = [
    "gelu", "initializers", "log_softmax", "logsumexp", "one_hot", "relu", "sigmoid", "silu", "softmax", "softplus",
    "swish", "tanh",
]

tanh = fnp.tanh


def _inexact(x: ArrayLike) -> Any:
    return promote_to_inexact(fnp.asarray(x))[0]


def relu(x: ArrayLike) -> Any:
    """``max(x, 0)``, with derivative 0 at 0 (as JAX).

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    x = fnp.asarray(x)
    return fnp.where(x > 0, x, fnp.zeros_like(x))


def sigmoid(x: ArrayLike) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``.

    >>> float(sigmoid(0.0))
    0.5
    """
    return lax.logistic(_inexact(x))


def softplus(x: ArrayLike) -> Any:
    """``log(1 + exp(x))``, computed as ``logaddexp(x, 0)`` (no overflow for large ``x``).

    >>> float(softplus(1000.0))
    1000.0
    """
    return fnp.logaddexp(_inexact(x), 0.0)


def silu(x: ArrayLike) -> Any:
    """``x * sigmoid(x)`` (also called swish).

    >>> float(silu(0.0))
    0.0
    """
    x = _inexact(x)
    return x * lax.logistic(x)


swish = silu


def gelu(x: ArrayLike, approximate: bool = True) -> Any:
    """The Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` (JAX's default) uses
    the tanh approximation ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.

    For very negative ``x`` the exact form is accurate in absolute terms only (it computes
    ``1 + erf``, which loses the relative precision of a value near 0).

    >>> float(gelu(1.0, approximate=False))    # doctest: +ELLIPSIS
    0.841344746...
    """
    x = _inexact(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    return 0.5 * x * (1.0 + lax.erf(x * (1.0 / math.sqrt(2.0))))


def _shifted(x: ArrayLike, axis: int | Sequence[int]) -> Any:
    """``x`` minus its maximum along ``axis``: softmax is invariant to the shift, so it carries
    no derivative (stop_gradient), and the largest exponent is 0 (no overflow)."""
    x = _inexact(x)
    return x - lax.stop_gradient(fnp.max(x, axis=axis, keepdims=True))


def softmax(x: ArrayLike, axis: int | Sequence[int] = -1) -> Any:
    """``exp(x) / sum(exp(x), axis)``, stable for any finite logits.

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    unnormalized = fnp.exp(_shifted(x, axis))
    return unnormalized / fnp.sum(unnormalized, axis=axis, keepdims=True)


def log_softmax(x: ArrayLike, axis: int | Sequence[int] = -1) -> Any:
    """``x - logsumexp(x, axis)``, stable for any finite logits.

    >>> log_softmax(np.array([1000.0, 1000.0]))
    array([-0.69314718, -0.69314718])
    """
    shifted = _shifted(x, axis)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def one_hot(x: ArrayLike, num_classes: int, dtype: Any = dtypes.float64, axis: int = -1) -> Any:
    """Indicator vectors of the integers ``x`` along a new axis of length ``num_classes``;
    out-of-range values give all zeros (as JAX).

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    x = fnp.asarray(x)
    axis = canonical_axis(axis, x.ndim + 1)
    classes_shape = [1] * (x.ndim + 1)
    classes_shape[axis] = int(num_classes)
    classes = fnp.reshape(fnp.arange(int(num_classes), dtype=x.dtype), classes_shape)
    return fnp.astype(fnp.expand_dims(x, axis) == classes, np.dtype(dtype))
