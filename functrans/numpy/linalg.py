"""``functrans.numpy.linalg``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import lax
from ._base import ArrayLike, asarray, canonical_axes, promote_to_inexact
from ._reductions import max as _max, min as _min, sum as _sum


def norm(x: ArrayLike, ord: Any = None, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """Vector norms (``ord`` None/2, 1, inf, -inf, 0 or any p) and the Frobenius matrix norm.

    >>> norm(np.array([3.0, 4.0]))  # doctest: +SKIP
    array(5.)
    """
    (x,) = promote_to_inexact(asarray(x))
    axes = canonical_axes(axis, x.ndim)
    if len(axes) == 2 or (axis is None and x.ndim == 2 and ord is not None):
        if ord in (None, "fro"):
            return lax.sqrt(_sum(lax.mul(x, x), axes, keepdims=keepdims))
        if ord in (1, -1, np.inf, -np.inf):
            reduce_rows = ord in (np.inf, -np.inf)
            inner_axis, outer_axis = (axes[1], axes[0]) if reduce_rows else (axes[0], axes[1])
            sums = _sum(lax.abs(x), inner_axis, keepdims=True)
            pick = _max if ord in (1, np.inf) else _min
            out = pick(sums, outer_axis, keepdims=True)
            return out if keepdims else lax.squeeze(out, axes)
        raise NotImplementedError(f"matrix norm ord={ord!r} is not supported (use None/'fro', 1, -1, inf, -inf)")
    if len(axes) != 1 and axis is not None:
        raise ValueError(f"norm: improper number of axes {axis}")
    if ord is None or ord == 2:
        return lax.sqrt(_sum(lax.mul(x, x), axis, keepdims=keepdims))
    if ord == np.inf:
        return _max(lax.abs(x), axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(lax.abs(x), axis, keepdims=keepdims)
    if ord == 0:
        return _sum(lax.convert_element_type(lax.ne(x, 0.0), x.dtype), axis, keepdims=keepdims)
    if ord == 1:
        return _sum(lax.abs(x), axis, keepdims=keepdims)
    p = float(ord)
    return lax.pow(_sum(lax.pow(lax.abs(x), p), axis, keepdims=keepdims), 1.0 / p)
