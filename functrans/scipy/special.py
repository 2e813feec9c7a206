"""``functrans.scipy.special``: special functions with SciPy's names, stable and differentiable
(to any order) everywhere they are finite.

>>> import functrans.scipy.special as fsp
>>> float(fsp.logsumexp([1000.0, 1000.0]))    # no overflow
1000.6931471805599
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import lax
from .. import numpy as fnp
from ..numpy._base import ArrayLike, canonical_axes, promote_to_inexact

__all__ = ["erf", "expit", "gammaln", "logit", "logsumexp"]


def _inexact(x: ArrayLike) -> Any:
    """``x`` as an array of a float dtype (integers and bools become float64, as SciPy's ufuncs do)."""
    return promote_to_inexact(fnp.asarray(x))[0]


def erf(x: ArrayLike) -> Any:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``.

    >>> float(erf(0.5))    # doctest: +ELLIPSIS
    0.5204998778...
    """
    return lax.erf(_inexact(x))


def expit(x: ArrayLike) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, exact 0 and 1 in the far tails (no overflow).

    >>> float(expit(0.0))
    0.5
    """
    return lax.logistic(_inexact(x))


def logit(p: ArrayLike) -> Any:
    """The inverse of ``expit``: ``log(p / (1 - p))`` (``log1p`` keeps it accurate near 0 and 1).

    >>> float(logit(0.5))
    0.0
    """
    p = _inexact(p)
    return fnp.log(p) - fnp.log1p(-p)


def gammaln(x: ArrayLike) -> Any:
    """``log(|Gamma(x)|)``.

    >>> float(gammaln(5.0))    # log(4!)    # doctest: +ELLIPSIS
    3.17805383...
    """
    return lax.lgamma(_inexact(x))


def logsumexp(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """``log(sum(b * exp(a), axis))`` without overflow or underflow, as ``scipy.special.logsumexp``.

    With ``return_sign=True`` (for weights ``b`` that may be negative) returns
    ``(log|s|, sign(s))``. The gradient with respect to ``a`` is the softmax.

    >>> float(logsumexp([-1000.0, -1000.0]))    # doctest: +ELLIPSIS
    -999.306852...
    """
    a = _inexact(a)
    if b is not None:
        a, b = fnp.broadcast_arrays(*promote_to_inexact(a, fnp.asarray(b)))
    axes = canonical_axes(axis, a.ndim)
    # Shifting by the maximum is exact for any constant, so it carries no derivative (stop_gradient);
    # an infinite maximum (all -inf, or a +inf) is replaced by 0 so the shift makes no nan.
    top = fnp.max(a, axis=axes, keepdims=True)
    top = lax.stop_gradient(fnp.where(fnp.isfinite(top), top, 0.0))
    terms = fnp.exp(a - top)
    if b is not None:
        terms = b * terms
    total = fnp.sum(terms, axis=axes, keepdims=keepdims)
    if not keepdims:
        top = fnp.squeeze(top, axis=axes)
    if return_sign:
        return fnp.log(fnp.abs(total)) + top, fnp.sign(total)
    return fnp.log(total) + top
