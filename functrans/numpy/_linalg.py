"""The implementation of ``functrans.numpy.linalg``, which re-exports the names in ``__all__``."""
from __future__ import annotations

__all__ = [
    "EigResult",
    "EighResult",
    "LstsqResult",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "tensorinv",
    "tensorsolve",
    "trace",
    "vecdot",
    "vector_norm",
]

import math
import operator
from typing import Any, NamedTuple, Sequence

import numpy as np

from .. import dtypes, lax
from ..custom_derivatives import custom_jvp
from ._base import (
    ArrayLike, asarray, broadcast_shapes, broadcast_to, canonical_axes, canonical_axis, promote, promote_to_inexact,
)
from ._indexing import take_along_axis
from ._products import matmul as _matmul, outer as _outer, tensordot as _tensordot
from ._reductions import any as _any, max as _max, min as _min, sum as _sum
from ._shape import diagonal as _diagonal, expand_dims, eye, moveaxis, reshape, stack, swapaxes
from ._sorting import argsort
from ._ufuncs import divide, greater, greater_equal, isnan, logical_and, logical_not, multiply, where


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class EigResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


# --------------------------------------------------------------------------- argument checks


def _matrices(a: ArrayLike, name: str) -> Any:
    """``a`` as a float stack of matrices ``(..., m, n)``, or NumPy's LinAlgError naming ``name``."""
    (a,) = promote_to_inexact(asarray(a))
    if a.ndim < 2:
        raise np.linalg.LinAlgError(f"{name}: {a.ndim}-dimensional array given; it must be a matrix or a stack (..., m, n)")
    return a


def _square_stack(a: ArrayLike, name: str) -> Any:
    """``a`` as a float stack of square matrices, or NumPy's LinAlgError naming ``name``."""
    a = _matrices(a, name)
    if a.shape[-1] != a.shape[-2]:
        raise np.linalg.LinAlgError(f"{name}: the last 2 dimensions of the array must be square, got shape {a.shape}")
    return a


def _conjugate_transpose(x: Any) -> Any:
    """``x^H`` over the last two axes (``x^T`` for real ``x``)."""
    return lax._linalg._H(x)


def _eps(dtype: np.dtype) -> float:
    return float(np.finfo(dtype).eps)


def matrix_transpose(x: ArrayLike, /) -> Any:
    """Swap the last two axes of a stack of matrices.

    >>> matrix_transpose(np.arange(6).reshape(2, 3)).shape
    (3, 2)
    """
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: x must be at least 2-dimensional, got shape {x.shape}")
    return swapaxes(x, -1, -2)


# --------------------------------------------------------------------------- solvers and determinants (LU)


def solve(a: ArrayLike, b: ArrayLike) -> Any:
    """The solution ``x`` of ``a @ x = b``: ``b`` is a vector ``(n,)`` or a stack of matrices
    ``(..., n, k)``, batch axes broadcasting against ``a``'s (NumPy 2's rule).

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
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
    x = lax._linalg.lu_solve(
        broadcast_to(factors, batch + (n, n)), broadcast_to(permutation, batch + (n,)), broadcast_to(columns, batch + columns.shape[-2:])
    )
    return lax.squeeze(x, [x.ndim - 1]) if is_vector else x


def inv(a: ArrayLike) -> Any:
    """The inverses of a stack of square matrices.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = _square_stack(a, "inv")
    factors, _, permutation = lax.linalg.lu(a)
    return lax._linalg.lu_solve(factors, permutation, broadcast_to(eye(a.shape[-1], dtype=a.dtype), a.shape))


def det(a: ArrayLike) -> Any:
    """Determinants of a stack of square matrices. Singular matrices give 0, and the
    gradient is the cofactor matrix everywhere (singular matrices included).

    >>> np.round(det(np.array([[1.0, 2.0], [3.0, 4.0]])), 6)
    np.float64(-2.0)
    """
    return lax._linalg.det(_square_stack(a, "det"))


def slogdet(a: ArrayLike, *, method: str | None = None) -> SlogdetResult:
    """``(sign, logabsdet)`` with ``det(a) = sign * exp(logabsdet)``, without overflow;
    ``(0, -inf)`` for singular matrices. For complex ``a`` the sign is complex (of modulus 1). ``method`` is ``"lu"`` (``None``) or ``"qr"``.

    >>> slogdet(np.array([[1.0, 2.0], [3.0, 4.0]]))
    SlogdetResult(sign=array(-1.), logabsdet=array(0.69314718))
    """
    a = _square_stack(a, "slogdet")
    if method not in (None, "lu", "qr"):
        raise ValueError(f"slogdet: unknown method {method!r}; use 'lu' (None) or 'qr'")
    last = (a.ndim - 2,)
    factors, pivots, _ = lax.linalg.lu(a)
    sign = lax._linalg.permutation_sign(pivots, a.dtype)
    if method == "qr":
        # det(A) = det(Q) det(R); det(Q) is +-1, its sign from Q's own LU.
        q, factors = lax.linalg.qr(a, full_matrices=False)
        sign = slogdet(q).sign
    pivot_values = _diagonal(factors, axis1=-2, axis2=-1)
    magnitudes = lax.abs(pivot_values)
    if dtypes.is_complex(a.dtype):
        # The phases z / |z| (0 for z = 0), written out: lax.sign has no derivative, as JAX's.
        units = lax.div(pivot_values, lax.convert_element_type(where(lax.eq(magnitudes, 0.0), 1.0, magnitudes), a.dtype))
    else:
        units = lax.sign(pivot_values)
    sign = lax.mul(sign, lax.reduce_prod(units, last))
    return SlogdetResult(sign, lax.reduce_sum(lax.log(magnitudes), last))


def tensorsolve(a: ArrayLike, b: ArrayLike, axes: tuple[int, ...] | None = None) -> Any:
    """The ``x`` with ``tensordot(a, x, x.ndim) = b`` (``axes`` of ``a`` are moved to the end first).

    >>> tensorsolve(np.eye(4).reshape(2, 2, 2, 2) * 2, np.ones((2, 2)))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    a, b = promote_to_inexact(asarray(a), asarray(b))
    if axes is not None:
        a = moveaxis(a, axes, (a.ndim - 1,) * len(axes))
    out_shape = a.shape[b.ndim :]
    if a.shape[: b.ndim] != b.shape or b.size != math.prod(out_shape):
        raise ValueError(f"tensorsolve: a of shape {a.shape} does not fit b of shape {b.shape}: "
                         "a's leading axes must be b's shape and hold as many entries as its trailing axes")
    return reshape(solve(reshape(a, (b.size, math.prod(out_shape))), reshape(b, (b.size,))), out_shape)


def tensorinv(a: ArrayLike, ind: int = 2) -> Any:
    """The inverse of ``a`` seen as a linear map from its first ``ind`` axes to the others.

    >>> tensorinv(np.eye(4).reshape(4, 2, 2) * 2, ind=1).shape
    (2, 2, 4)
    """
    a = asarray(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got {ind}")
    leading, trailing = a.shape[:ind], a.shape[ind:]
    if math.prod(leading) != math.prod(trailing):
        raise ValueError(f"tensorinv: the first {ind} axes of a {a.shape} array hold as many entries as the rest only if it is square")
    return reshape(inv(reshape(a, (math.prod(leading), math.prod(trailing)))), trailing + leading)


def matrix_power(a: ArrayLike, n: int) -> Any:
    """``a`` multiplied by itself ``n`` times (by repeated squaring); ``n < 0`` inverts first.

    >>> matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    a = asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise TypeError(f"matrix_power: a must be a stack of square matrices (..., n, n), got shape {a.shape}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}") from None
    if n == 0:
        return broadcast_to(eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while True:
        n, bit = divmod(n, 2)
        if bit:
            result = square if result is None else _matmul(result, square)
        if not n:
            return result
        square = _matmul(square, square)


# --------------------------------------------------------------------------- Cholesky, symmetric eigenproblems


def cholesky(a: ArrayLike, *, upper: bool = False, symmetrize_input: bool = True) -> Any:
    """The Cholesky factor of symmetric (complex: Hermitian) positive-definite matrices: lower
    ``L`` with ``a = L @ L^H`` (or, if ``upper``, ``U = L^H``). As JAX, ``a`` is first
    symmetrized (``(a + a^H) / 2``) unless ``symmetrize_input=False``, which reads ``a``'s lower triangle
    as NumPy does.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    a = _square_stack(a, "cholesky")
    factor = lax.linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return _conjugate_transpose(factor) if upper else factor


def _lower_flag(UPLO: str | None, name: str) -> bool:
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"{name}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO != "U"


def eigh(a: ArrayLike, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices. As JAX,
    ``a`` is symmetrized first unless ``symmetrize_input=False``, which reads its ``UPLO``
    triangle ('L' by default). Gradients assume distinct eigenvalues.

    >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    lower = _lower_flag(UPLO, "eigh")
    v, w = lax.linalg.eigh(_square_stack(a, "eigh"), lower=lower, symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a: ArrayLike, UPLO: str | None = "L", *, symmetrize_input: bool = True) -> Any:
    """The eigenvalues (ascending) of symmetric matrices, as ``eigh``.

    >>> eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def eig(a: ArrayLike) -> EigResult:
    """Eigenvalues and right eigenvectors (columns of unit norm, largest component real) of
    general square matrices, complex also for real ``a``, as JAX. Eigenvalues are
    differentiable; eigenvectors are not (``lax.linalg.eig`` with ``enable_eigvec_derivs`` opts in).

    >>> eig(np.array([[0.0, 1.0], [-1.0, 0.0]])).eigenvalues
    array([0.+1.j, 0.-1.j])
    """
    w, v = lax.linalg.eig(_square_stack(a, "eig"), compute_left_eigenvectors=False)
    return EigResult(w, v)


def eigvals(a: ArrayLike) -> Any:
    """The eigenvalues of general square matrices, complex (see ``eig``); differentiable.

    >>> eigvals(np.array([[2.0, 0.0], [0.0, 3.0]]))
    array([2.+0.j, 3.+0.j])
    """
    return lax.linalg.eig(_square_stack(a, "eigvals"), compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]


# --------------------------------------------------------------------------- QR and SVD


def qr(a: ArrayLike, mode: str = "reduced") -> Any:
    """QR decomposition ``a = Q @ R``: ``mode`` "reduced" (``Q`` ``(..., m, k)``, ``k = min(m, n)``),
    "complete" (``Q`` square), "r" (``R`` alone) or "raw": LAPACK's Householder form ``(h, tau)``
    as NumPy returns it, ``h`` ``(..., n, m)`` the transpose of ?geqrf's matrix (``R`` in its
    lower triangle, the reflectors' vectors above) and ``tau`` ``(..., k)``; traceable, as JAX's
    (``lax.linalg.ormqr(h.mT, tau, c)`` applies ``Q``).

    >>> np.round(qr(np.array([[3.0, 1.0], [4.0, 2.0]]), mode="r"), 6)
    array([[-5. , -2.2],
           [ 0. ,  0.4]])
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: unsupported mode {mode!r}; use 'reduced', 'complete', 'r' or 'raw'")
    a = _matrices(a, "qr")
    if mode == "raw":
        h, tau = lax._householder.geqrf(a)
        return QRResult(swapaxes(h, -1, -2), tau)
    q, r = lax.linalg.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def _hermitian_svd(a: Any, compute_uv: bool) -> Any:
    """SVD of symmetric matrices from their eigendecomposition: ``s = |w|`` descending, and the
    eigenvectors carry the signs of the eigenvalues into ``Vh``."""
    v, w = lax.linalg.eigh(a)
    order = argsort(lax.abs(w), axis=-1, descending=True)
    w = take_along_axis(w, order, axis=-1)
    s = lax.abs(w)
    if not compute_uv:
        return s
    u = take_along_axis(v, expand_dims(order, -2), axis=-1)
    vh = _conjugate_transpose(multiply(u, expand_dims(lax.sign(w), -2)))
    return SVDResult(u, s, vh)


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index: tuple[int, int] | None = None) -> Any:
    """Singular value decomposition ``a = U @ diag(S) @ Vh``, ``S`` descending; ``S`` alone if
    not ``compute_uv``. ``hermitian`` (symmetric ``a``) goes through ``eigh``. Gradients assume
    distinct nonzero singular values, and ``full_matrices=False`` for non-square ``a`` (as JAX).

    >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
    array([4., 3.])
    """
    a = _matrices(a, "svd")
    if subset_by_index is not None:
        raise NotImplementedError("svd: subset_by_index is not supported; slice the full result")
    if hermitian:
        if a.shape[-1] != a.shape[-2]:
            raise np.linalg.LinAlgError(f"svd: hermitian=True needs square matrices, got shape {a.shape}")
        return _hermitian_svd(a, compute_uv)
    if not compute_uv:
        return lax.linalg.svd(a, compute_uv=False)
    u, s, vh = lax.linalg.svd(a, full_matrices=full_matrices)
    return SVDResult(u, s, vh)


def svdvals(x: ArrayLike, /) -> Any:
    """The singular values of a stack of matrices, descending.

    >>> svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


def matrix_rank(M: ArrayLike, rtol: ArrayLike | None = None, *, hermitian: bool = False, tol: ArrayLike | None = None) -> Any:
    """The number of singular values above ``rtol`` times the largest (default
    ``max(m, n) * eps``), per matrix; ``tol`` is JAX's older name for ``rtol``.

    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    if tol is not None:
        if rtol is not None:
            raise ValueError("matrix_rank: only one of tol and rtol may be given")
        rtol = tol
    (M,) = promote_to_inexact(asarray(M))
    if M.ndim < 2:
        return lax.convert_element_type(_any(lax.ne(M, 0.0)), np.int32)
    s = svd(M, compute_uv=False, hermitian=hermitian)
    largest = s[..., :1]  # descending
    rtol = max(M.shape[-2:]) * _eps(M.dtype) if rtol is None else expand_dims(asarray(rtol), -1)
    return _sum(greater(s, multiply(largest, rtol)), axis=-1)


@custom_jvp
def _pinv(a: Any, rtol: Any) -> Any:
    u, s, vh = svd(a, full_matrices=False)
    cutoff = multiply(rtol, s[..., :1])
    s_inv = where(greater(s, cutoff), divide(1.0, where(greater(s, cutoff), s, 1.0)), 0.0)
    return _matmul(_conjugate_transpose(vh), multiply(expand_dims(s_inv, -1), _conjugate_transpose(u)))


@_pinv.defjvp
def _pinv_jvp(primals, tangents):
    # Golub and Pereyra (1973): dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P.
    (a, rtol), (da, _) = primals, tangents
    p = _pinv(a, rtol)
    pt, dat = _conjugate_transpose(p), _conjugate_transpose(da)
    left = _matmul(_matmul(p, pt), dat)
    right = _matmul(_matmul(dat, pt), p)
    dp = -_matmul(_matmul(p, da), p) + left - _matmul(_matmul(left, a), p) + right - _matmul(_matmul(p, a), right)
    return p, dp


def pinv(a: ArrayLike, rtol: ArrayLike | None = None, hermitian: bool = False, *, rcond: ArrayLike | None = None) -> Any:
    """The Moore-Penrose pseudo-inverse, zeroing singular values at most ``rtol`` times the
    largest (default ``10 * max(m, n) * eps``); ``rcond`` is NumPy's name for ``rtol``. Its
    gradient is the closed form of Golub and Pereyra, defined also where singular values repeat.

    >>> pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    if rcond is not None:
        if rtol is not None:
            raise ValueError("pinv: only one of rtol and rcond may be given")
        rtol = rcond
    a = _matrices(a, "pinv")
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        return lax.full(a.shape[:-2] + (n, m), 0.0, a.dtype)
    if hermitian:
        a = lax._linalg.symmetrize(a)
    rtol = 10.0 * max(m, n) * _eps(a.dtype) if rtol is None else rtol
    rtol = expand_dims(broadcast_to(asarray(rtol, dtypes.real_dtype(a.dtype)), a.shape[:-2]), -1)
    return _pinv(a, rtol)


class LstsqResult(NamedTuple):
    x: Any
    residuals: Any
    rank: Any
    s: Any


def lstsq(a: ArrayLike, b: ArrayLike, rcond: float | None = None, *, numpy_resid: bool = False) -> tuple:
    """Least-squares solution of ``a @ x = b`` through the SVD: ``(x, residuals, rank, s)``.
    Singular values below ``rcond`` times the largest (default ``max(m, n) * eps``) are dropped.
    ``residuals`` are the squared column norms of ``b - a @ x``; with ``numpy_resid`` they are
    empty, as NumPy's, when ``rank < n`` or ``m <= n``.

    >>> x, res, rank, s = lstsq(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 1.0, 2.0]))
    >>> np.round(x, 6), int(rank)
    (array([1., 1.]), 2)
    """
    a, b = promote_to_inexact(asarray(a), asarray(b))
    if a.ndim != 2:
        raise TypeError(f"lstsq: a must be 2-dimensional, got shape {a.shape}")
    if b.ndim not in (1, 2):
        raise TypeError(f"lstsq: b must be 1- or 2-dimensional, got shape {b.shape}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"lstsq: the leading dimensions of a {a.shape} and b {b.shape} must match")
    columns = b if b.ndim == 2 else expand_dims(b, -1)
    m, n = a.shape
    if a.size == 0:
        s = lax.full((0,), 0.0, dtypes.real_dtype(a.dtype))
        rank = asarray(0)
        x = lax.full((n, columns.shape[1]), 0.0, a.dtype)
    else:
        rcond = _eps(a.dtype) * max(m, n) if rcond is None else (_eps(a.dtype) if rcond < 0 else rcond)
        u, s, vh = svd(a, full_matrices=False)
        keep = logical_and(greater(s, 0.0), greater_equal(s, multiply(s[:1], rcond)))
        rank = _sum(keep)
        s_inv = where(keep, divide(1.0, where(keep, s, 1.0)), 0.0)
        x = _matmul(_conjugate_transpose(vh), multiply(expand_dims(s_inv, -1), _matmul(_conjugate_transpose(u), columns)))
    if numpy_resid and (int(rank) < n or m <= n):
        residuals = lax.full((0,), 0.0, dtypes.real_dtype(a.dtype))
    else:
        residual = lax.sub(columns, _matmul(a, x))
        residuals = _sum(_squared_magnitude(residual), axis=0)
    return LstsqResult(x if b.ndim == 2 else reshape(x, (n,)), residuals, rank, s)


def cond(x: ArrayLike, p: Any = None) -> Any:
    """The condition number of matrices in the norm ``p`` (None or 2: largest over smallest
    singular value; -2 its inverse; others ``norm(x, p) * norm(inv(x), p)``, square matrices).
    Singular matrices give inf.

    >>> cond(np.array([[2.0, 0.0], [0.0, 0.5]]))
    array(4.)
    """
    x = _matrices(x, "cond")
    if 0 in x.shape[-2:]:
        raise ValueError(f"cond: the matrices must not be empty, got shape {x.shape}")
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        largest, smallest = s[..., 0], s[..., -1]
        r = lax.div(smallest, largest) if p == -2 else lax.div(largest, smallest)
    else:
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(f"cond: p={p!r} needs square matrices, got shape {x.shape}")
        r = lax.mul(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))
    # 0/0 from a singular matrix is an infinite condition number (NaN inputs stay NaN).
    return where(logical_and(isnan(r), logical_not(_any(isnan(x), axis=(-2, -1)))), np.inf, r)


# --------------------------------------------------------------------------- norms


def _squared_magnitude(x: Any) -> Any:
    """``|x|**2`` in the real dtype: ``x * x`` would keep a complex ``x``'s phase."""
    if x.dtype.kind != "c":
        return lax.mul(x, x)
    return lax.add(lax.square(lax.real(x)), lax.square(lax.imag(x)))


def _vector_norm(x: Any, ord: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    if ord is None or ord == 2:
        return lax.sqrt(_sum(_squared_magnitude(x), axes, keepdims=keepdims))
    if ord == np.inf:
        return _max(lax.abs(x), axes, keepdims=keepdims)
    if ord == -np.inf:
        return _min(lax.abs(x), axes, keepdims=keepdims)
    if ord == 0:
        return _sum(lax.convert_element_type(lax.ne(x, 0.0), dtypes.real_dtype(x.dtype)), axes, keepdims=keepdims)
    if ord == 1:
        return _sum(lax.abs(x), axes, keepdims=keepdims)
    p = float(ord)
    return lax.pow(_sum(lax.pow(lax.abs(x), p), axes, keepdims=keepdims), 1.0 / p)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    rows, cols = axes
    if ord in (None, "fro"):
        return lax.sqrt(_sum(_squared_magnitude(x), axes, keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        inner, outer = (cols, rows) if ord in (np.inf, -np.inf) else (rows, cols)
        sums = _sum(lax.abs(x), inner, keepdims=True)
        out = (_max if ord in (1, np.inf) else _min)(sums, outer, keepdims=True)
        return out if keepdims else lax.squeeze(out, tuple(sorted(axes)))
    if ord in (2, -2, "nuc"):
        s = svdvals(moveaxis(x, (rows, cols), (-2, -1)))
        out = _sum(s, -1) if ord == "nuc" else (s[..., 0] if ord == 2 else s[..., -1])
        return expand_dims(out, tuple(sorted(axes))) if keepdims else out
    raise ValueError(f"norm: invalid norm order {ord!r} for matrices")


def norm(x: ArrayLike, ord: Any = None, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Any:
    """Vector norms (``ord`` None/2, 1, inf, -inf, 0 or any p) over one axis, and matrix norms
    (None/'fro', 'nuc', 2, -2, 1, -1, inf, -inf) over two; with ``axis=None``, the 2-norm of
    the flattened array if ``ord`` is None, else the norm of a 1-D or 2-D ``x``.

    >>> norm(np.array([3.0, 4.0]))
    array(5.)
    >>> norm(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)
    array(6.)
    """
    (x,) = promote_to_inexact(asarray(x))
    if axis is None:
        if ord is None:
            return _vector_norm(x, None, tuple(range(x.ndim)), keepdims)
        if x.ndim not in (1, 2):
            raise ValueError(f"norm: with ord={ord!r} and axis=None, x must be 1-D or 2-D, got shape {x.shape}")
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    # A matrix norm's axes are (rows, columns) in the order given.
    axes = tuple(canonical_axis(a, x.ndim) for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2 and axes[0] != axes[1]:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: improper number of axes {axis!r} for an array of shape {x.shape}")


def vector_norm(x: ArrayLike, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """The vector ``ord``-norm over ``axis`` (all axes, of the flattened array, if None).

    >>> vector_norm(np.ones((2, 2)), ord=1)
    array(4.)
    """
    (x,) = promote_to_inexact(asarray(x))
    return _vector_norm(x, ord, canonical_axes(axis, x.ndim), keepdims)


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """The matrix ``ord``-norm of each matrix of a stack (over the last two axes).

    >>> matrix_norm(np.array([[3.0, 0.0], [0.0, 4.0]]), ord=2)
    array(4.)
    """
    (x,) = promote_to_inexact(asarray(x))
    if x.ndim < 2:
        raise ValueError(f"matrix_norm: x must be at least 2-dimensional, got shape {x.shape}")
    return _matrix_norm(x, ord, (x.ndim - 2, x.ndim - 1), keepdims)


# --------------------------------------------------------------------------- products


def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """``x1 @ x2``, batch axes broadcasting.

    >>> matmul(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return _matmul(x1, x2)


def tensordot(x1: ArrayLike, x2: ArrayLike, /, *, axes: Any = 2) -> Any:
    """The sum over the last ``axes`` axes of ``x1`` and the first of ``x2`` (or over axis lists).

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    return _tensordot(x1, x2, axes)


def outer(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """The outer product of two vectors.

    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([[ 1., 10.],
           [ 2., 20.]])
    """
    x1, x2 = asarray(x1), asarray(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"outer: x1 and x2 must be 1-dimensional, got shapes {x1.shape} and {x2.shape}")
    return _outer(x1, x2)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Any:
    """Dot products of vectors along ``axis``, the other axes broadcasting.

    >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    x1, x2 = promote(asarray(x1), asarray(x2))
    shape = broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = broadcast_to(x1, shape), broadcast_to(x2, shape)
    if x1.ndim == 0:
        raise ValueError("vecdot: x1 and x2 must have at least one dimension")
    return _sum(lax.mul(x1, x2), canonical_axis(axis, len(shape)))


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Any:
    """Cross products of 3-vectors along ``axis``, the other axes broadcasting.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    x1, x2 = promote(asarray(x1), asarray(x2))
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError(f"cross: x1 {x1.shape} and x2 {x2.shape} must hold 3-vectors along axis {axis}")
    a, b = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    shape = broadcast_shapes(a.shape, b.shape)
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    components = [lax.sub(lax.mul(a[..., (i + 1) % 3], b[..., (i + 2) % 3]), lax.mul(a[..., (i + 2) % 3], b[..., (i + 1) % 3]))
                  for i in range(3)]
    return moveaxis(stack(components, axis=-1), -1, axis)


def _chain_order(shapes: list[tuple[int, int]]) -> list[list[Any]]:
    """The cheapest parenthesisation of a matrix chain (the classic dynamic programme):
    ``split[i][j]`` is where the product of matrices ``i..j`` splits."""
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    n = len(shapes)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min((cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k) for k in range(i, j))
    return split


def multi_dot(arrays: Sequence[ArrayLike]) -> Any:
    """The product of a chain of matrices (the first may be a vector, and the last), in the
    order of multiplications that costs least.

    >>> multi_dot([np.ones((2, 3)), np.ones((3, 4)), np.ones(4)])
    array([12., 12.])
    """
    arrays = [asarray(a) for a in arrays]
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: at least two arrays are needed, got {len(arrays)}")
    first_vector, last_vector = arrays[0].ndim == 1, arrays[-1].ndim == 1
    if first_vector:
        arrays[0] = expand_dims(arrays[0], 0)
    if last_vector:
        arrays[-1] = expand_dims(arrays[-1], -1)
    if any(a.ndim != 2 for a in arrays):
        raise ValueError(f"multi_dot: the arrays must be 2-D (the first and last may be 1-D), got shapes {[a.shape for a in arrays]}")
    split = _chain_order([a.shape for a in arrays])

    def product(i: int, j: int) -> Any:
        if i == j:
            return arrays[i]
        k = split[i][j]
        return _matmul(product(i, k), product(k + 1, j))

    out = product(0, len(arrays) - 1)
    if first_vector:
        out = lax.squeeze(out, [0])
    if last_vector:
        out = lax.squeeze(out, [out.ndim - 1])
    return out


def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Any:
    """The ``offset`` diagonals of a stack of matrices.

    >>> diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    return _diagonal(x, offset, axis1=-2, axis2=-1)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """The sums of the ``offset`` diagonals of a stack of matrices.

    >>> trace(np.arange(4.0).reshape(2, 2))
    array(3.)
    """
    d = diagonal(x, offset=offset)
    return _sum(d if dtype is None else lax.convert_element_type(d, np.dtype(dtype)), axis=-1)
