"""Sorting, as ``numpy.sort`` and ``numpy.argsort`` (stable; NaNs last)."""
from __future__ import annotations

from typing import Any

from .. import lax
from ._base import ArrayLike, asarray, canonical_axis


def _along(a: ArrayLike, axis: int | None) -> tuple[Any, int]:
    """``a`` and the axis to sort it along (the flattened array when ``axis`` is None)."""
    a = asarray(a)
    if axis is None:
        return lax.reshape(a, (a.size,)), 0
    if a.ndim == 0:
        raise ValueError("sort: cannot sort a 0-d array along an axis; use axis=None")
    return a, canonical_axis(axis, a.ndim)


def sort(a: ArrayLike, axis: int | None = -1) -> Any:
    """``a`` sorted along ``axis``, ascending, NaNs last (differentiable: each tangent moves with its value).

    >>> sort(np.array([[3.0, 1.0], [0.0, 2.0]]), axis=0)    # doctest: +SKIP
    array([[0., 1.],
           [3., 2.]])
    """
    a, axis = _along(a, axis)
    return lax.sort(a, axis)


def argsort(a: ArrayLike, axis: int | None = -1) -> Any:
    """The indices that sort ``a`` along ``axis``; ties keep their order (NumPy's ``kind="stable"``).

    >>> argsort(np.array([2, 0, 2, 1]))    # doctest: +SKIP
    array([1, 3, 0, 2])
    """
    a, axis = _along(a, axis)
    return lax.argsort(a, axis)
