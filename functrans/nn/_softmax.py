"""Softmax and log-sum-exp reductions of ``jax.nn``, each with JAX's ``where`` mask.

A masked-out element takes no part in the reduction: it is replaced by ``-inf`` before
exponentiating, which adds an exact 0 to every sum (and gives it a zero gradient).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import lax
from .. import numpy as fnp
from ..numpy._base import ArrayLike, canonical_axes
from ..scipy import special
from ._activations import _inexact

__all__ = ["log_softmax", "logmeanexp", "logsumexp", "masked_mean", "softmax"]

Axis = int | Sequence[int] | None


def _mask(x: Any, where: ArrayLike | None, fill: float) -> Any:
    return x if where is None else fnp.where(where, x, fnp.full_like(x, fill))


def _count(x: Any, axis: Axis, where: ArrayLike | None, keepdims: bool) -> Any:
    """How many elements of ``x`` a reduction over ``axis`` with mask ``where`` takes, in ``x``'s dtype."""
    ones = fnp.ones_like(x) if where is None else fnp.astype(fnp.broadcast_to(fnp.asarray(where), x.shape), x.dtype)
    return fnp.sum(ones, axis=axis, keepdims=keepdims)


def masked_mean(x: Any, axis: Axis, where: ArrayLike | None, keepdims: bool = True) -> Any:
    """``mean(x, axis)`` over the elements where ``where`` is true (all of them if None)."""
    if where is None:
        return fnp.mean(x, axis=axis, keepdims=keepdims)
    return fnp.sum(_mask(x, where, 0.0), axis=axis, keepdims=keepdims) / _count(x, axis, where, keepdims)


def _shifted(x: Any, axes: tuple[int, ...]) -> Any:
    """``x`` minus its maximum along ``axes``: the (log-)softmax is invariant to the shift,
    so it carries no derivative (stop_gradient), and the largest exponent is 0 (no overflow).
    A maximum that is not finite (an all-masked row) shifts by 0, so no ``inf - inf`` appears."""
    top = fnp.max(x, axis=axes, keepdims=True)
    return x - lax.stop_gradient(fnp.where(fnp.isfinite(top), top, fnp.zeros_like(top)))


def softmax(x: ArrayLike, axis: Axis = -1, where: ArrayLike | None = None) -> Any:
    """``exp(x) / sum(exp(x), axis)``, stable for any finite logits; masked-out elements
    (``where`` false) are 0 and take no share.

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    >>> softmax(np.array([1.0, 5.0, 1.0]), where=np.array([True, False, True]))
    array([0.5, 0. , 0.5])
    """
    x = _inexact(x)
    axes = canonical_axes(axis, x.ndim)
    unnormalized = fnp.exp(_shifted(_mask(x, where, -np.inf), axes))
    result = unnormalized / fnp.sum(unnormalized, axis=axes, keepdims=True)
    return _mask(result, where, 0.0)


def log_softmax(x: ArrayLike, axis: Axis = -1, where: ArrayLike | None = None) -> Any:
    """``x - logsumexp(x, axis)``, stable for any finite logits; masked-out elements are -inf.

    >>> log_softmax(np.array([1000.0, 1000.0]))
    array([-0.69314718, -0.69314718])
    """
    x = _inexact(x)
    axes = canonical_axes(axis, x.ndim)
    shifted = _shifted(_mask(x, where, -np.inf), axes)
    result = shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axes, keepdims=True))
    return _mask(result, where, -np.inf)


def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None, keepdims: bool = False,
              return_sign: bool = False, where: ArrayLike | None = None) -> Any:
    """``log(sum(b * exp(a), axis))`` without overflow, over the elements where ``where`` is
    true; ``return_sign=True`` returns ``(log|s|, sign(s))`` for weights of either sign.

    >>> round(float(logsumexp(np.array([-1000.0, -1000.0]))), 4)
    -999.3069
    >>> [float(v) for v in logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -2.0]), return_sign=True)]
    [0.0, -1.0]
    """
    if where is not None:
        a = _mask(_inexact(a), where, -np.inf)
        if b is not None:
            b = _mask(_inexact(b), where, 0.0)
    return special.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)


def logmeanexp(x: ArrayLike, axis: Axis = None, where: ArrayLike | None = None, keepdims: bool = False) -> Any:
    """``log(mean(exp(x), axis))``: ``logsumexp`` minus the log of the number of elements
    reduced (those where ``where`` is true).

    >>> float(logmeanexp(np.array([0.0, 0.0, 0.0])))
    0.0
    """
    x = _inexact(x)
    lse = logsumexp(x, axis=axis, keepdims=keepdims, where=where)
    return lse - fnp.log(_count(x, axis, where, keepdims))
