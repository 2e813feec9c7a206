"""Elementwise activation functions of ``jax.nn``.

Each works eagerly and traced, in the input's float dtype (integers become float64).
Piecewise functions are written as nested ``where`` so that the derivative at a
breakpoint is the one JAX defines (``relu'(0) = 0``, ``relu6'(6) = 0``,
``hard_tanh'(1) = 1``); branches that would overflow or divide by zero where they are
not selected get a safe input instead, so no ``nan`` leaks into gradients.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np  # noqa: F401  (the doctests use it)

from .. import lax
from .. import numpy as fnp
from ..numpy._base import ArrayLike, promote_to_inexact

__all__ = [
    "celu", "elu", "gelu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "identity", "leaky_relu",
    "log1mexp", "log_sigmoid", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "soft_sign", "softplus",
    "sparse_plus", "sparse_sigmoid", "squareplus", "swish", "tanh",
]

tanh = fnp.tanh

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _inexact(x: ArrayLike) -> Any:
    return promote_to_inexact(fnp.asarray(x))[0]


def identity(x: ArrayLike) -> Any:
    """Return ``x`` unchanged (as an array).

    >>> identity([1.0, -2.0])
    array([ 1., -2.])
    """
    return fnp.asarray(x)


def relu(x: ArrayLike) -> Any:
    """``max(x, 0)``, with derivative 0 at 0 (as JAX).

    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    x = fnp.asarray(x)
    return fnp.where(x > 0, x, fnp.zeros_like(x))


def relu6(x: ArrayLike) -> Any:
    """``min(max(x, 0), 6)``, with derivative 0 at both 0 and 6 (as JAX).

    >>> relu6(np.array([-1.0, 3.0, 7.0]))
    array([0., 3., 6.])
    """
    x = fnp.asarray(x)
    return fnp.where(x >= 6, fnp.full_like(x, 6), relu(x))


def hard_tanh(x: ArrayLike) -> Any:
    """``x`` clipped to ``[-1, 1]``, with derivative 1 at -1 and 1 (as JAX).

    >>> hard_tanh(np.array([-2.0, 0.5, 2.0]))
    array([-1. ,  0.5,  1. ])
    """
    x = fnp.asarray(x)
    return fnp.where(x > 1, fnp.ones_like(x), fnp.where(x < -1, fnp.full_like(x, -1), x))


def hard_sigmoid(x: ArrayLike) -> Any:
    """``relu6(x + 3) / 6``, a piecewise-linear sigmoid.

    >>> hard_sigmoid(np.array([-4.0, 0.0, 4.0]))
    array([0. , 0.5, 1. ])
    """
    return relu6(_inexact(x) + 3.0) / 6.0


def hard_silu(x: ArrayLike) -> Any:
    """``x * hard_sigmoid(x)`` (also called hard_swish).

    >>> hard_silu(np.array([-4.0, 0.0, 4.0]))
    array([-0.,  0.,  4.])
    """
    x = _inexact(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


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


def log_sigmoid(x: ArrayLike) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``, accurate for logits of any size.

    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    return -softplus(-_inexact(x))


def silu(x: ArrayLike) -> Any:
    """``x * sigmoid(x)`` (also called swish).

    >>> float(silu(0.0))
    0.0
    """
    x = _inexact(x)
    return x * lax.logistic(x)


swish = silu


def mish(x: ArrayLike) -> Any:
    """``x * tanh(softplus(x))``.

    >>> np.round(mish(np.array([-1.0, 0.0, 1.0])), 4)
    array([-0.3034,  0.    ,  0.8651])
    """
    x = _inexact(x)
    return x * fnp.tanh(softplus(x))


def soft_sign(x: ArrayLike) -> Any:
    """``x / (|x| + 1)``.

    >>> soft_sign(np.array([-3.0, 0.0, 1.0]))
    array([-0.75,  0.  ,  0.5 ])
    """
    x = _inexact(x)
    return x / (fnp.abs(x) + 1.0)


def squareplus(x: ArrayLike, b: ArrayLike = 4) -> Any:
    """``(x + sqrt(x**2 + b)) / 2``, a smooth relu (``b`` sets how smooth).

    For negative ``x`` it is computed as ``b / (2 (sqrt(x**2 + b) - x))``, the same value
    without the cancellation of ``x + sqrt(x**2 + b)``.

    >>> squareplus(np.array([0.0, 1.5]))
    array([1., 2.])
    """
    x, b = promote_to_inexact(fnp.asarray(x), b)
    root = fnp.sqrt(x * x + b)
    return fnp.where(x >= 0, (x + root) / 2, b / (2 * (root - x)))


def sparse_plus(x: ArrayLike) -> Any:
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` between -1 and 1, ``x`` for ``x >= 1``.

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    x = _inexact(x)
    return fnp.where(x <= -1.0, fnp.zeros_like(x), fnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def sparse_sigmoid(x: ArrayLike) -> Any:
    """``clip((x + 1) / 2, 0, 1)``, the derivative of ``sparse_plus``.

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([0. , 0.5, 1. ])
    """
    return 0.5 * fnp.clip(_inexact(x) + 1.0, 0.0, 2.0)


def leaky_relu(x: ArrayLike, negative_slope: ArrayLike = 1e-2) -> Any:
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (derivative 1 at 0, as JAX).

    >>> leaky_relu(np.array([-2.0, 3.0]), 0.5)
    array([-1.,  3.])
    """
    x = _inexact(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def _expm1_of_negative_part(x: Any) -> Any:
    """``expm1(min(x, 0))`` evaluated only where ``x <= 0`` (0 elsewhere), so a large positive
    ``x`` neither overflows nor sends ``inf * 0`` into the gradient."""
    return fnp.expm1(fnp.where(x > 0, fnp.zeros_like(x), x))


def elu(x: ArrayLike, alpha: ArrayLike = 1.0) -> Any:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` for ``x <= 0``.

    >>> np.round(elu(np.array([-1.0, 2.0])), 4)
    array([-0.6321,  2.    ])
    """
    x = _inexact(x)
    return fnp.where(x > 0, x, alpha * _expm1_of_negative_part(x))


def celu(x: ArrayLike, alpha: ArrayLike = 1.0) -> Any:
    """``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)``: an elu continuously
    differentiable for any ``alpha``.

    >>> np.round(celu(np.array([-1.0, 2.0]), alpha=2.0), 4)
    array([-0.7869,  2.    ])
    """
    x = _inexact(x)
    return fnp.maximum(x, 0.0) + alpha * fnp.expm1(fnp.minimum(x, 0.0) / alpha)


def selu(x: ArrayLike) -> Any:
    """``scale * elu(x, alpha)`` with the self-normalizing constants
    ``alpha = 1.6732632...`` and ``scale = 1.0507009...``.

    >>> np.round(selu(np.array([-1.0, 1.0])), 4)
    array([-1.1113,  1.0507])
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x: ArrayLike, approximate: bool = True) -> Any:
    """The Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` (JAX's default) uses
    the tanh approximation ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.

    The exact form is computed as ``0.5 x erfc(-x / sqrt(2))``, and the approximate one through
    the logistic function, so both keep their relative precision for very negative ``x``.

    >>> round(float(gelu(1.0, approximate=False)), 6)
    0.841345
    """
    x = _inexact(x)
    if approximate:
        # 0.5 (1 + tanh(z)) = logistic(2 z), which keeps its relative precision for very negative x.
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return x * lax.logistic(2.0 * inner)
    return 0.5 * x * lax.erfc(x * (-1.0 / math.sqrt(2.0)))


_LOG2 = math.log(2.0)


def log1mexp(x: ArrayLike) -> Any:
    """``log(1 - exp(-x))`` for ``x >= 0``, accurate at both ends: ``log(-expm1(-x))`` below
    ``log 2`` and ``log1p(-exp(-x))`` above (nan for ``x < 0``, -inf at 0).

    >>> np.round(log1mexp(np.array([1e-10, np.log(2.0), 50.0])), 4)
    array([-23.0259,  -0.6931,  -0.    ])
    """
    x = _inexact(x)
    small = x < _LOG2
    # Each branch sees only inputs on its own side, so the one not taken stays finite.
    x_small = fnp.where(small, x, fnp.full_like(x, _LOG2))
    x_large = fnp.where(small, fnp.full_like(x, _LOG2), x)
    return fnp.where(small, fnp.log(-fnp.expm1(-x_small)), fnp.log1p(-fnp.exp(-x_large)))

