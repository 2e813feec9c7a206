"""Products that build structured results: ``kron`` (Kronecker) and ``cross`` (3-vector and
2-vector cross products)."""
from __future__ import annotations

from typing import Any

from .. import lax
from ._base import ArrayLike, asarray, canonical_axis, promote
from ._shape import moveaxis, stack
from ._ufuncs import multiply, subtract


def kron(a: ArrayLike, b: ArrayLike) -> Any:
    """The Kronecker product: blocks ``a[i, j] * b`` laid out like ``a``.

    >>> import numpy as np
    >>> kron(np.array([[1, 2], [3, 4]]), np.array([1, 10]))
    array([[ 1, 10,  2, 20],
           [ 3, 30,  4, 40]])
    """
    a, b = promote(asarray(a), asarray(b))
    a, b = asarray(a), asarray(b)
    nd = max(a.ndim, b.ndim)
    a = lax.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = lax.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    # Interleave the axes: a's axis k pairs with b's axis k, a's varying slower.
    grid = tuple(d for pair in zip(a.shape, b.shape) for d in pair)
    a_wide = lax.broadcast_in_dim(a, grid, tuple(range(0, 2 * nd, 2)))
    b_wide = lax.broadcast_in_dim(b, grid, tuple(range(1, 2 * nd, 2)))
    return lax.reshape(multiply(a_wide, b_wide), tuple(x * y for x, y in zip(a.shape, b.shape)))


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """The cross product of vectors of length 3 (or 2, taken with a zero third component)
    along ``axisa`` of ``a`` and ``axisb`` of ``b``, the result's vectors along ``axisc``
    (``axis`` sets all three). Two 2-vectors give the scalar z component.

    >>> import numpy as np
    >>> cross(np.array([1, 0, 0]), np.array([0, 1, 0])), cross(np.array([1, 2]), np.array([3, 4]))
    (array([0, 0, 1]), array(-2))
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote(asarray(a), asarray(b))
    a, b = asarray(a), asarray(b)
    a = moveaxis(a, canonical_axis(axisa, a.ndim), -1)
    b = moveaxis(b, canonical_axis(axisb, b.ndim), -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: incompatible vector dimensions {a.shape[-1]} and {b.shape[-1]} (must be 2 or 3)")
    ax = [a[..., k] for k in range(a.shape[-1])]
    bx = [b[..., k] for k in range(b.shape[-1])]
    if len(ax) == 2 and len(bx) == 2:
        return subtract(multiply(ax[0], bx[1]), multiply(ax[1], bx[0]))
    zero_a = multiply(ax[0], 0)
    zero_b = multiply(bx[0], 0)
    a0, a1, a2 = ax if len(ax) == 3 else ax + [zero_a]
    b0, b1, b2 = bx if len(bx) == 3 else bx + [zero_b]
    c = stack([subtract(multiply(a1, b2), multiply(a2, b1)), subtract(multiply(a2, b0), multiply(a0, b2)),
               subtract(multiply(a0, b1), multiply(a1, b0))], axis=-1)
    return moveaxis(c, -1, canonical_axis(axisc, c.ndim))
