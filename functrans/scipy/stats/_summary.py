"""Summary statistics of ``jax.scipy.stats``: ``mode``, ``rankdata``, ``sem``.

Ties are found by comparing every pair of elements along the axis (an ``n x n`` table), which
needs no sort and differentiates (``sem``) or vectorizes (all) like any other composition.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ... import numpy as fnp
from ...numpy._base import canonical_axis, promote_to_inexact
from ._common import ArrayLike

__all__ = ["ModeResult", "mode", "rankdata", "sem"]


class ModeResult(NamedTuple):
    mode: Any
    count: Any


def _check_nan_policy(name: str, nan_policy: str) -> None:
    if nan_policy != "propagate":
        raise NotImplementedError(f"{name}: only nan_policy='propagate' is supported (as in JAX), got {nan_policy!r}")


def _pairs(a: Any, axis: int) -> tuple[Any, Any]:
    """``a`` with ``axis`` moved last, and the table ``(..., i, j)`` broadcast for comparing
    element ``i`` with element ``j``."""
    a = fnp.moveaxis(a, axis, -1)
    return a, (a[..., :, None], a[..., None, :])


def mode(a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False) -> ModeResult:
    """The most frequent value along ``axis`` (the smallest among equally frequent ones) and its count.

    >>> mode(np.array([3, 1, 3, 2, 1]))
    ModeResult(mode=array(1), count=array(2))
    """
    _check_nan_policy("mode", nan_policy)
    a = fnp.asarray(a)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    axis = canonical_axis(axis, a.ndim) if a.ndim else 0
    if a.ndim == 0:
        a = fnp.reshape(a, (1,))
    a, (left, right) = _pairs(a, axis)
    counts = fnp.sum(left == right, axis=-1)
    best = fnp.max(counts, axis=-1, keepdims=True)
    if np.dtype(a.dtype).kind == "f":
        fill = np.inf
    else:
        fill = np.iinfo(a.dtype).max if np.dtype(a.dtype).kind in "iu" else True
    value = fnp.min(fnp.where(counts == best, a, fnp.full_like(a, fill)), axis=-1, keepdims=keepdims)
    count = best if keepdims else best[..., 0]
    if keepdims:
        value, count = fnp.moveaxis(value, -1, axis), fnp.moveaxis(count, -1, axis)
    return ModeResult(value, count)


def rankdata(a: ArrayLike, method: str = "average", *, axis: int | None = None, nan_policy: str = "propagate") -> Any:
    """The ranks of ``a`` (from 1) along ``axis`` (all of it flattened when None); ties get the
    ``method``'s rank: ``average``, ``min``, ``max``, ``dense`` or ``ordinal``.

    >>> rankdata(np.array([10, 30, 20, 20]))
    array([1. , 4. , 2.5, 2.5])
    """
    _check_nan_policy("rankdata", nan_policy)
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise ValueError(f"rankdata: unknown method {method!r}")
    a = fnp.asarray(a)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    axis = canonical_axis(axis, a.ndim)
    moved, (left, right) = _pairs(a, axis)
    below = fnp.sum(right < left, axis=-1)
    equal_table = right == left
    ties = fnp.sum(equal_table, axis=-1)
    if method == "average":
        ranks = below + (ties + 1) * 0.5
    elif method == "min":
        ranks = below + 1
    elif method == "max":
        ranks = below + ties
    elif method == "ordinal":
        n = moved.shape[-1]
        earlier = np.arange(n)[None, :] < np.arange(n)[:, None]  # j < i
        ranks = below + fnp.sum(equal_table & earlier, axis=-1) + 1
    else:  # dense: distinct values below, each counted once (1 / its multiplicity)
        ranks = fnp.sum(fnp.where(right < left, 1.0 / ties[..., None, :], 0.0), axis=-1)
        ranks = fnp.astype(fnp.round(ranks), np.int64) + 1
    return fnp.moveaxis(ranks, -1, axis)


def sem(a: ArrayLike, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *, keepdims: bool = False) -> Any:
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)`` along ``axis``.

    >>> float(np.round(sem(np.array([1.0, 2.0, 3.0, 4.0])), 12))
    0.645497224368
    """
    _check_nan_policy("sem", nan_policy)
    a = promote_to_inexact(fnp.asarray(a))[0]
    if axis is None:
        a, axis = fnp.ravel(a), 0
    n = a.shape[canonical_axis(axis, a.ndim)]
    return fnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / np.sqrt(n)
