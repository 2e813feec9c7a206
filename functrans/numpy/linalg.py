"""``functrans.numpy.linalg``."""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from .. import lax
from ._base import ArrayLike, asarray, broadcast_shapes, broadcast_to, canonical_axes, canonical_axis, promote_to_inexact
from ._reductions import max as _max, min as _min, sum as _sum
from ._shape import diagonal, eye, swapaxes


def norm(x: ArrayLike, ord: Any = None, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """Vector norms (``ord`` None/2, 1, inf, -inf, 0 or any p) and the Frobenius matrix norm.

    >>> norm(np.array([3.0, 4.0]))  # doctest: +SKIP
    array(5.)
    """
    (x,) = promote_to_inexact(asarray(x))
    axes = canonical_axes(axis, x.ndim)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        # A matrix norm's axes are (rows, columns) in the order given, not sorted.
        axes = tuple(canonical_axis(a, x.ndim) for a in axis)
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


# --------------------------------------------------------------------------- solvers and determinants
# All through LU with partial pivoting (lax.linalg.lu), as NumPy's LAPACK routines, on
# stacks of matrices (..., n, n). Integer and bool inputs become float64; float32 stays.
# Singular matrices: solve and inv raise numpy.linalg.LinAlgError (a zero pivot in the
# triangular solve), as NumPy; det gives 0 with the cofactor matrix as its gradient
# (its second derivatives there go through the LU factors' derivative, which does not
# exist: they raise LinAlgError); slogdet gives (0, -inf), where logabsdet has no
# derivative (asking for one raises LinAlgError); cholesky of a matrix that is not
# positive definite raises LinAlgError. Under jit, the backend's lowering decides.


def _square_stack(a: ArrayLike, name: str) -> Any:
    """``a`` as a float stack of square matrices, or NumPy's LinAlgError naming ``name``."""
    (a,) = promote_to_inexact(asarray(a))
    if a.ndim < 2:
        raise np.linalg.LinAlgError(f"{name}: {a.ndim}-dimensional array given; it must be a matrix or a stack (..., n, n)")
    if a.shape[-1] != a.shape[-2]:
        raise np.linalg.LinAlgError(f"{name}: the last 2 dimensions of the array must be square, got shape {a.shape}")
    return a


def solve(a: ArrayLike, b: ArrayLike) -> Any:
    """The solution ``x`` of ``a @ x = b``: ``b`` is a vector ``(n,)`` or a stack of matrices
    ``(..., n, k)``, batch axes broadcasting against ``a``'s (NumPy 2's rule).

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))  # doctest: +SKIP
    array([1. , 0.5])
    """
    a = _square_stack(a, "solve")
    a, b = promote_to_inexact(a, asarray(b))
    n = a.shape[-1]
    is_vector = b.ndim == 1
    columns = lax.expand_dims(b, [1]) if is_vector else b
    if columns.ndim < 2 or columns.shape[-2] != n:
        raise ValueError(f"solve: b of shape {b.shape} does not fit a of shape {a.shape}: b must be ({n},) or (..., {n}, k)")
    batch = broadcast_shapes(a.shape[:-2], columns.shape[:-2])
    factors, _, permutation = lax.linalg.lu(a)
    x = lax.linalg.lu_solve(
        broadcast_to(factors, batch + (n, n)), broadcast_to(permutation, batch + (n,)), broadcast_to(columns, batch + columns.shape[-2:])
    )
    return lax.squeeze(x, [x.ndim - 1]) if is_vector else x


def inv(a: ArrayLike) -> Any:
    """The inverses of a stack of square matrices.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))  # doctest: +SKIP
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = _square_stack(a, "inv")
    factors, _, permutation = lax.linalg.lu(a)
    return lax.linalg.lu_solve(factors, permutation, broadcast_to(eye(a.shape[-1], dtype=a.dtype), a.shape))


def cholesky(a: ArrayLike, upper: bool = False) -> Any:
    """The Cholesky factor of symmetric positive-definite matrices: lower ``L`` with
    ``a = L @ L.T`` (or, if ``upper``, ``U = L.T``). Only ``a``'s lower triangle is read,
    as NumPy; symmetrize ``a`` first to differentiate with respect to both triangles.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))  # doctest: +SKIP
    array([[2., 0.],
           [1., 2.]])
    """
    factor = lax.linalg.cholesky(_square_stack(a, "cholesky"))
    return swapaxes(factor, -1, -2) if upper else factor


def det(a: ArrayLike) -> Any:
    """Determinants of a stack of square matrices. Singular matrices give 0, and the
    gradient is the cofactor matrix everywhere (singular matrices included).

    >>> det(np.array([[1.0, 2.0], [3.0, 4.0]]))  # doctest: +SKIP
    array(-2.)
    """
    return lax.linalg.det(_square_stack(a, "det"))


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


def slogdet(a: ArrayLike) -> SlogdetResult:
    """``(sign, logabsdet)`` with ``det(a) = sign * exp(logabsdet)``, without overflow;
    ``(0, -inf)`` for singular matrices.

    >>> slogdet(np.array([[1.0, 2.0], [3.0, 4.0]]))  # doctest: +SKIP
    SlogdetResult(sign=array(-1.), logabsdet=array(0.69314718))
    """
    a = _square_stack(a, "slogdet")
    factors, pivots, _ = lax.linalg.lu(a)
    pivot_values = diagonal(factors, axis1=-2, axis2=-1)
    last = (pivot_values.ndim - 1,)
    sign = lax.mul(lax.linalg.permutation_sign(pivots, a.dtype), lax.reduce_prod(lax.sign(pivot_values), last))
    return SlogdetResult(sign, lax.reduce_sum(lax.log(lax.abs(pivot_values)), last))
