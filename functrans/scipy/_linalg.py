"""The implementation of ``functrans.scipy.linalg``, which re-exports the names in ``__all__``."""
from __future__ import annotations

__all__ = [
    "block_diag",
    "cho_factor",
    "cho_solve",
    "cholesky",
    "circulant",
    "companion",
    "convolution_matrix",
    "det",
    "dft",
    "eigh",
    "eigh_tridiagonal",
    "expm",
    "expm_frechet",
    "fiedler",
    "fiedler_companion",
    "funm",
    "hadamard",
    "hankel",
    "helmert",
    "hessenberg",
    "hilbert",
    "inv",
    "invhilbert",
    "invpascal",
    "leslie",
    "lu",
    "lu_factor",
    "lu_solve",
    "pascal",
    "polar",
    "qr",
    "qr_multiply",
    "rsf2csf",
    "schur",
    "solve",
    "solve_sylvester",
    "solve_triangular",
    "sqrtm",
    "svd",
    "toeplitz",
]

import math
import operator
from typing import Any

import numpy as np

from .. import lax
from ..api import jvp
from ..numpy import _linalg as _np_linalg
from ..numpy._base import ArrayLike, asarray, broadcast_shapes, broadcast_to, promote, promote_to_inexact
from ..numpy._indexing import take
from ..numpy._products import matmul
from ..numpy._shape import concatenate, expand_dims, eye, flip, stack, swapaxes, tril, triu, zeros
from ..numpy._sorting import argsort
from ..numpy._ufuncs import (
    abs as _abs, ceil, clip, conj, divide, equal, exp2, greater, greater_equal, imag, isfinite, less, less_equal, log2,
    logical_and, maximum, minimum, multiply, not_equal, real, sqrt, where,
)
from ..numpy._reductions import all as _all, any as _any, max as _max, min as _min, sum as _sum

det = _np_linalg.det
inv = _np_linalg.inv


def _square(a: ArrayLike, name: str) -> Any:
    return _np_linalg._square_stack(a, name)


def _mT(x: Any) -> Any:
    return swapaxes(x, -1, -2)


def _as_columns(a: Any, b: ArrayLike, name: str) -> tuple[Any, Any, bool]:
    """``b`` as a stack of right-hand sides ``(..., n, k)`` with ``a``'s batch shape (broadcast),
    and whether it was a vector (``b.ndim == a.ndim - 1``)."""
    a, b = promote_to_inexact(a, asarray(b))
    is_vector = b.ndim == a.ndim - 1
    columns = expand_dims(b, -1) if is_vector else b
    n = a.shape[-1]
    if columns.ndim < 2 or columns.shape[-2] != n:
        raise ValueError(f"{name}: b of shape {b.shape} does not fit a of shape {a.shape}")
    batch = broadcast_shapes(a.shape[:-2], columns.shape[:-2])
    return broadcast_to(a, batch + a.shape[-2:]), broadcast_to(columns, batch + columns.shape[-2:]), is_vector


def _unless_vector(x: Any, is_vector: bool) -> Any:
    return lax.squeeze(x, [x.ndim - 1]) if is_vector else x


# --------------------------------------------------------------------------- triangular and Cholesky solves


_TRANS = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}
_CONJUGATE = {2, "C"}  # the conjugate transpose (the transpose of real matrices)


def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug: Any = None, check_finite: bool = True) -> Any:
    """Solve ``op(a) @ x = b`` for triangular ``a`` (only its ``lower`` or upper triangle is
    read; ``op`` is the transpose for ``trans`` 1/'T', the conjugate transpose for 2/'C').
    ``b`` is ``(..., n)`` or ``(..., n, k)``.

    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    a, columns, is_vector = _as_columns(_square(a, "solve_triangular"), b, "solve_triangular")
    x = lax.linalg.triangular_solve(a, columns, left_side=True, lower=lower, transpose_a=_TRANS[trans],
                                    conjugate_a=trans in _CONJUGATE, unit_diagonal=unit_diagonal)
    return _unless_vector(x, is_vector)


def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The Cholesky factor of symmetric (complex: Hermitian) positive-definite matrices: upper
    ``U`` with ``a = U^H @ U`` (SciPy's default), or lower ``L`` with ``a = L @ L^H``. Only that
    triangle is read.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 1.],
           [0., 2.]])
    """
    a = _square(a, "cholesky")
    factor = lax.linalg.cholesky(a if lower else lax._linalg._H(a), symmetrize_input=False)
    return factor if lower else lax._linalg._H(factor)


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> tuple[Any, bool]:
    """``(c, lower)`` for ``cho_solve``: ``c`` is the Cholesky factor (zeros in its other triangle).

    >>> c, low = cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)
    >>> c
    array([[2., 0.],
           [1., 2.]])
    """
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower: tuple[ArrayLike, bool], b: ArrayLike, overwrite_b: bool = False, check_finite: bool = True) -> Any:
    """Solve ``a @ x = b`` from ``cho_factor(a)``.

    >>> cho_solve(cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]])), np.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    c, columns, is_vector = _as_columns(_square(c, "cho_solve"), b, "cho_solve")
    # a = L L^H: solve L y = b, then L^H x = y (with L = c, or c^H when c is upper).
    y = lax.linalg.triangular_solve(c, columns, left_side=True, lower=lower, transpose_a=not lower, conjugate_a=not lower)
    x = lax.linalg.triangular_solve(c, y, left_side=True, lower=lower, transpose_a=lower, conjugate_a=lower)
    return _unless_vector(x, is_vector)


# --------------------------------------------------------------------------- LU


def _permutation_matrix(permutation: Any, dtype: Any) -> Any:
    """``p`` with ``p[permutation[i], i] = 1``, so that ``a = p @ l @ u`` when ``a[permutation] = l @ u``."""
    n = permutation.shape[-1]
    shape = permutation.shape + (n,)
    rows = lax.broadcasted_iota(permutation.dtype, shape, len(shape) - 2)
    columns = lax.broadcast_in_dim(permutation, shape, tuple(range(len(shape) - 2)) + (len(shape) - 1,))
    return lax.convert_element_type(lax.eq(rows, columns), dtype)


def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """LU decomposition with partial pivoting: ``(p, l, u)`` with ``a = p @ l @ u``, ``p`` a
    permutation matrix, ``l`` unit lower and ``u`` upper triangular; ``(p @ l, u)`` if ``permute_l``.

    >>> p, l, u = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p
    array([[0., 1.],
           [1., 0.]])
    """
    a = _square(a, "lu")
    factors, _, permutation = lax.linalg.lu(a)
    l = tril(factors, -1) + eye(a.shape[-1], dtype=a.dtype)
    u = triu(factors)
    p = _permutation_matrix(permutation, a.dtype)
    return (matmul(p, l), u) if permute_l else (p, l, u)


def lu_factor(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> tuple[Any, Any]:
    """``(lu, piv)``: ``L`` (unit diagonal not stored) and ``U`` in one matrix, and LAPACK's
    0-based pivots (row ``i`` was swapped with row ``piv[i]``), for ``lu_solve``.

    >>> lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([1, 1], dtype=int32)
    """
    factors, pivots, _ = lax.linalg.lu(_square(a, "lu_factor"))
    return factors, pivots


def lu_solve(lu_and_piv: tuple[ArrayLike, ArrayLike], b: ArrayLike, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:
    """Solve ``a @ x = b`` (``trans`` 0), ``a.T @ x = b`` (1) or ``a^H @ x = b`` (2) from ``lu_factor(a)``.

    >>> lu_solve(lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]])), np.array([5.0, 11.0]))
    array([1., 2.])
    """
    factors, pivots = lu_and_piv
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    factors, columns, is_vector = _as_columns(_square(factors, "lu_solve"), b, "lu_solve")
    pivots = asarray(pivots)
    permutation = broadcast_to(lax.linalg.lu_pivots_to_permutation(pivots, pivots.shape[-1]), factors.shape[:-1])
    if trans == 0:
        x = lax._linalg.lu_solve(factors, permutation, columns)
    else:
        # a^T = U^T L^T P: solve U^T z = b, then L^T y = z, and x = P^T y (conjugated for trans 2).
        z = lax.linalg.triangular_solve(factors, columns, left_side=True, lower=False, transpose_a=True, conjugate_a=trans == 2)
        y = lax.linalg.triangular_solve(factors, z, left_side=True, lower=True, transpose_a=True, unit_diagonal=True,
                                        conjugate_a=trans == 2)
        x = lax._linalg._permute_rows(y, argsort(permutation, axis=-1).astype(np.int32))
    return _unless_vector(x, is_vector)


def solve(a: ArrayLike, b: ArrayLike, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen") -> Any:
    """Solve ``a @ x = b``: by LU for ``assume_a`` 'gen', 'sym' or 'her', by Cholesky (reading
    the ``lower`` or upper triangle) for 'pos'.

    >>> solve(np.array([[4.0, 2.0], [2.0, 5.0]]), np.array([6.0, 7.0]), assume_a="pos")
    array([1., 1.])
    """
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"solve: assume_a must be 'gen', 'sym', 'her' or 'pos', got {assume_a!r}")
    if assume_a != "pos":
        return _np_linalg.solve(a, b)
    return cho_solve(cho_factor(a, lower=lower), b)


# --------------------------------------------------------------------------- eigh, qr, svd, polar


def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, turbo: bool = True, eigvals: None = None, type: int = 1,
         check_finite: bool = True) -> Any:
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading the ``lower``
    (or upper) triangle: ``(w, v)``, or ``w`` if ``eigvals_only``.

    >>> eigh(np.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    array([1., 3.])
    """
    if b is not None or eigvals is not None:
        raise NotImplementedError("eigh: only the standard eigenproblem (b=None, eigvals=None) is supported")
    v, w = lax.linalg.eigh(_square(a, "eigh"), lower=lower, symmetrize_input=False)
    return w if eigvals_only else (w, v)


def qr(a: ArrayLike, overwrite_a: bool = False, lwork: Any = None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True) -> tuple:
    """QR decomposition: ``(q, r)`` for ``mode`` 'full' (square ``q``) or 'economic', ``(r,)`` for 'r'.

    >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(q @ r, 6)
    array([[3., 1.],
           [4., 2.]])
    """
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not supported")
    if mode not in ("full", "r", "economic"):
        raise ValueError(f"qr: mode must be 'full', 'r' or 'economic' ('raw' is not supported), got {mode!r}")
    q, r = lax.linalg.qr(_np_linalg._matrices(a, "qr"), full_matrices=mode != "economic")
    return (r,) if mode == "r" else (q, r)


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd") -> Any:
    """Singular value decomposition ``a = u @ diag(s) @ vh``: ``(u, s, vh)``, or ``s``.

    >>> svd(np.array([[0.0, 2.0], [1.0, 0.0]]), compute_uv=False)
    array([2., 1.])
    """
    result = _np_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(result) if compute_uv else result


def polar(a: ArrayLike, side: str = "right", *, method: str = "qdwh", eps: float | None = None,
          max_iterations: int | None = None) -> tuple[Any, Any]:
    """Polar decomposition ``a = u @ p`` (``side`` 'right') or ``a = p @ u`` ('left'), ``u``
    with orthonormal columns and ``p`` symmetric positive semi-definite, from the SVD.

    >>> u, p = polar(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> u
    array([[0., 1.],
           [1., 0.]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    if method not in ("qdwh", "svd"):
        raise ValueError(f"polar: method must be 'qdwh' or 'svd', got {method!r}")
    a = _np_linalg._matrices(a, "polar")
    u_svd, s, vh = _np_linalg.svd(a, full_matrices=False)
    unitary = matmul(u_svd, vh)
    if side == "right":
        return unitary, matmul(_mT(vh), multiply(expand_dims(s, -1), vh))
    return unitary, matmul(multiply(u_svd, expand_dims(s, -2)), _mT(u_svd))


# --------------------------------------------------------------------------- Schur form and the matrix functions built on it


def _to_complex(x: Any) -> Any:
    """``x`` in the complex type of its precision (complex64 for float32, as JAX)."""
    return lax.convert_element_type(x, np.result_type(x.dtype, np.complex64))


def schur(a: ArrayLike, output: str = "real") -> tuple[Any, Any]:
    """The Schur decomposition ``a = z @ t @ z^H`` of square matrices ``(..., n, n)``: ``t`` quasi
    upper triangular (2 by 2 blocks for pairs of complex eigenvalues) if ``output`` is 'real' and
    ``a`` real, upper triangular and complex if 'complex' (``a`` is made complex first). Not
    differentiable (nor in JAX).

    >>> t, z = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> np.round(t, 6)
    array([[1., 2.],
           [0., 3.]])
    """
    if output not in ("real", "complex"):
        raise ValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
    a = _square(a, "schur")
    return lax.linalg.schur(_to_complex(a) if output == "complex" else a)


def _loop_from_one(n: int, step: Any, init: Any) -> Any:
    """``fori_loop(1, n, step, init)``; no loop at all for ``n < 2`` (its body, traced anyway,
    could not slice the 2 by 2 blocks or superdiagonals it works on)."""
    return lax.fori_loop(1, n, step, init) if n > 1 else init


def _square_input(a: ArrayLike, argument: str) -> Any:
    """``a`` as an inexact stack of square matrices; JAX's ValueError naming ``argument`` otherwise."""
    (a,) = promote_to_inexact(asarray(a))
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Input '{argument}' must be square.")
    return a


def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True) -> tuple[Any, Any]:
    """The complex Schur form ``(T, Z)`` (``T`` upper triangular, both complex) from a real one of
    ``schur``: each 2 by 2 block is made triangular by a Givens rotation, from the last to the first
    (SciPy's algorithm). Leading axes are batch axes, broadcast. Differentiable through its
    operations (as JAX's), but the ``schur`` that gives its input is not.

    >>> t, z = rsf2csf(np.array([[0.0, -1.0], [1.0, 0.0]]), np.eye(2))
    >>> np.round(np.diag(t), 6)
    array([0.+1.j, 0.-1.j])
    """
    t, z = _square_input(T, "T"), _square_input(Z, "Z")
    if t.shape[-1] != z.shape[-1]:
        raise ValueError(f"Input array shapes must match: Z: {z.shape} vs. T: {t.shape}")
    t, z = (_to_complex(x) for x in promote(t, z))
    batch = broadcast_shapes(t.shape[:-2], z.shape[:-2])
    t, z = broadcast_to(t, batch + t.shape[-2:]), broadcast_to(z, batch + z.shape[-2:])
    n = t.shape[-1]
    i, j = _square_grid(n)

    def triangularize_block(k, tz):
        t, z = tz
        m = n - k  # the blocks from the last to the first: the rotations leave those below alone
        g = _givens_of_block(t, m)
        g_h = lax._linalg._H(g)
        # Rows m-1, m from column m-1 on, then columns m-1, m down to row m (the rest are zeros).
        rows = lax.dynamic_slice_in_dim(t, m - 1, 2, axis=-2)
        t = lax.dynamic_update_slice_in_dim(t, where(greater_equal(j, m - 1), matmul(g, rows), rows), m - 1, axis=-2)
        columns = lax.dynamic_slice_in_dim(t, m - 1, 2, axis=-1)
        t = lax.dynamic_update_slice_in_dim(t, where(less_equal(i, m), matmul(columns, g_h), columns), m - 1, axis=-1)
        z_columns = lax.dynamic_slice_in_dim(z, m - 1, 2, axis=-1)
        z = lax.dynamic_update_slice_in_dim(z, matmul(z_columns, g_h), m - 1, axis=-1)
        return where(logical_and(equal(i, m), equal(j, m - 1)), 0.0, t), z

    return _loop_from_one(n, triangularize_block, (t, z))


def _givens_of_block(t: Any, m: Any) -> Any:
    """The 2 by 2 unitary ``g`` (one per matrix of the stack) that makes ``g @ block @ g^H`` upper
    triangular, ``block = t[m-1:m+1, m-1:m+1]``; the identity where the block's subdiagonal entry is
    negligible (``eps (|t[m-1, m-1]| + |t[m, m]|)`` or less, as SciPy)."""
    block = lax.dynamic_slice_in_dim(lax.dynamic_slice_in_dim(t, m - 1, 2, axis=-2), m - 1, 2, axis=-1)
    a, b, c, d = block[..., 0, 0], block[..., 0, 1], block[..., 1, 0], block[..., 1, 1]
    rotate = greater(_abs(c), np.finfo(t.dtype).eps * (_abs(a) + _abs(d)))
    # mu is an eigenvalue of the block less d: of a complex pair the one with positive imaginary part
    # (LAPACK's order, which SciPy's eigvals gives), which lands first on the diagonal.
    # Where there is no rotation the square roots take 1: their derivatives at 0 would be infinite.
    half = (a - d) / 2
    root = sqrt(where(rotate, half * half + b * c, 1.0))
    mu = half + where(less(imag(root), 0), -root, root)
    r = sqrt(where(rotate, real(mu * conj(mu)) + real(c * conj(c)), 1.0))
    cosine, sine = where(rotate, mu / r, 1.0), where(rotate, c / r, 0.0)
    return stack([stack([conj(cosine), sine], axis=-1), stack([-sine, cosine], axis=-1)], axis=-2)


# The recurrences of sqrtm and funm fill an upper triangular matrix one superdiagonal at a time:
# entry (i, i + p) needs only entries nearer the diagonal, so a superdiagonal is one vector step.


def _shift_left(x: Any, p: Any) -> Any:
    """``x[..., k + p]`` at ``k`` along the last axis (zeros past the end), for a traced ``p >= 0``."""
    n = x.shape[-1]
    padded = lax.pad(x, np.zeros((), x.dtype), [(0, 0, 0)] * (x.ndim - 1) + [(0, n, 0)])
    return lax.dynamic_slice_in_dim(padded, p, n, axis=-1)


def _superdiagonal(x: Any, p: Any) -> Any:
    """Superdiagonal ``p`` of a stack of matrices, ``x[..., i, i + p]`` at ``i`` (zeros past the end)."""
    return _np_linalg.diagonal(_shift_left(x, p))


def _product_superdiagonal(x: Any, y: Any, p: Any) -> Any:
    """Superdiagonal ``p`` of ``x @ y``, ``sum_k x[i, k] y[k, i + p]`` at ``i``, in ``O(n^2)``."""
    return _sum(multiply(x, _mT(_shift_left(y, p))), axis=-1)


def _with_superdiagonal(x: Any, p: Any, values: Any) -> Any:
    """``x`` with superdiagonal ``p`` replaced by ``values`` (``values[..., i]`` at ``(i, i + p)``)."""
    i, j = _square_grid(x.shape[-1])
    return where(equal(j - i, p), expand_dims(values, -1), x)


def _diagonal_matrix(d: Any) -> Any:
    return multiply(expand_dims(d, -1), eye(d.shape[-1], dtype=d.dtype))


def _triangular_sqrt(t: Any) -> Any:
    """The upper triangular ``u`` with ``u @ u = t`` (upper triangular, read only there) and the
    principal roots on its diagonal, by Björck and Hammarling's recurrence."""
    t = triu(t)
    diagonal_roots = sqrt(_np_linalg.diagonal(t))

    def fill(p, u):
        # With superdiagonals 0..p-1 of u known, (u @ u)[i, i + p] sums exactly over i < k < i + p.
        target, known = _superdiagonal(t, p), _product_superdiagonal(u, u, p)
        denominator = diagonal_roots + _shift_left(diagonal_roots, p)
        # Zero where nothing is left to divide (JAX's rule: 0 / 0 for the zero matrix's root).
        solved = equal(target, known)
        values = where(solved, 0.0, divide(target - known, where(solved, 1.0, denominator)))
        return _with_superdiagonal(u, p, values)

    return _loop_from_one(t.shape[-1], fill, _diagonal_matrix(diagonal_roots))


def sqrtm(A: ArrayLike, blocksize: int = 1) -> Any:
    """The principal square root of square matrices ``(..., n, n)``, always complex (complex64
    for float32, as JAX): ``z @ u @ z^H`` from the complex Schur form ``z @ t @ z^H`` and the
    triangular root ``u`` of ``t`` (Björck and Hammarling's method). Not differentiable, as ``schur``.

    >>> np.round(sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]])).real, 6)
    array([[2., 0.],
           [0., 3.]])
    """
    if blocksize > 1:
        raise NotImplementedError("Blocked version is not implemented yet.")
    t, z = schur(_square(A, "sqrtm"), output="complex")
    return matmul(matmul(z, _triangular_sqrt(t)), lax._linalg._H(z))


def _parlett(f: Any, t: Any) -> tuple[Any, Any]:
    """``f`` (diagonal: a function of ``t``'s diagonal) completed to the function of upper triangular
    ``t`` by Parlett's recurrence (Golub and Van Loan's Algorithm 11.1.1), and the smallest
    ``|t[j, j] - t[i, i]|`` it divided by (starting from ``|t[0, 0]|``, as SciPy)."""
    t = triu(t)
    eigenvalues = _np_linalg.diagonal(t)
    n = t.shape[-1]

    def fill(p, carry):
        f, smallest = carry
        # With superdiagonals 0..p-1 of f known, (t @ f - f @ t)[i, i + p] is exactly the recurrence's
        # t[i, j] (f[j, j] - f[i, i]) + sum over i < k < j of t[i, k] f[k, j] - f[i, k] t[k, j].
        numerator = _product_superdiagonal(t, f, p) - _product_superdiagonal(f, t, p)
        denominator = _shift_left(eigenvalues, p) - eigenvalues
        distinct = not_equal(denominator, 0)
        values = where(distinct, divide(numerator, where(distinct, denominator, 1.0)), numerator)
        in_matrix = less(np.arange(n), n - p)
        smallest = minimum(smallest, _min(where(in_matrix, _abs(denominator), np.inf), axis=-1))
        return _with_superdiagonal(f, p, values), smallest

    return _loop_from_one(n, fill, (f, _abs(t[..., 0, 0])))


def funm(A: ArrayLike, func: Any, disp: bool = True) -> Any:
    """The matrix function ``func(A)`` of one square matrix (``func`` maps an array of complex
    eigenvalues elementwise), by the Schur-Parlett method (SciPy's): always complex, as JAX.
    ``(F, err)`` unless ``disp``, ``err`` SciPy's estimate of the relative error (``inf`` where
    ``F`` is not finite). Not differentiable, as ``schur``.

    >>> np.round(funm(np.array([[1.0, 2.0], [0.0, 3.0]]), np.exp).real, 4)
    array([[ 2.7183, 17.3673],
           [ 0.    , 20.0855]])
    """
    (a,) = promote_to_inexact(asarray(A))
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError("expected square array_like input")
    t, z = rsf2csf(*schur(a))
    f, smallest = _parlett(_diagonal_matrix(lax.convert_element_type(asarray(func(_np_linalg.diagonal(t))), t.dtype)), t)
    f = matmul(matmul(z, f), lax._linalg._H(z))
    if disp:
        return f
    tol = np.finfo(t.dtype).eps
    smallest = where(equal(smallest, 0), tol, smallest)
    upper_norm = _max(_sum(_abs(triu(t, 1)), axis=-2), axis=-1)  # the 1-norm of t's strict upper triangle
    estimate = minimum(1.0, maximum(tol, tol / smallest * upper_norm))
    return f, where(_all(isfinite(f)), estimate, np.inf)


# --------------------------------------------------------------------------- expm

# Padé approximant of degree 13 (Higham, "The scaling and squaring method for the matrix
# exponential revisited", 2005): numerator coefficients, and the largest 1-norm at which it
# is accurate to double precision without scaling.
_PADE_13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
            10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA_13 = 5.371920351148152


def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16) -> Any:
    """The matrix exponential, by a degree-13 Padé approximant with scaling and squaring
    (at most ``max_squarings``). Differentiable (through the approximant's operations).

    >>> np.round(expm(np.array([[0.0, 1.0], [0.0, 0.0]])), 6)
    array([[1., 1.],
           [0., 1.]])
    """
    a = _square(A, "expm")
    n = a.shape[-1]
    column_sums = _sum(_abs(a), axis=-2)
    norm = lax.stop_gradient(_max(column_sums, axis=-1) if n else zeros(a.shape[:-2], a.dtype))
    # The fewest squarings s for which 2^-s a has a 1-norm below theta.
    squarings = clip(ceil(log2(maximum(divide(norm, _THETA_13), 1.0))), 0, max_squarings)
    scaled = divide(a, expand_dims(exp2(squarings), (-2, -1)))
    identity = broadcast_to(eye(n, dtype=a.dtype), a.shape)
    a2 = matmul(scaled, scaled)
    a4 = matmul(a2, a2)
    a6 = matmul(a4, a2)
    b = _PADE_13
    even_high = lax.add(lax.add(lax.mul(a6, b[12]), lax.mul(a4, b[10])), lax.mul(a2, b[8]))
    odd_high = lax.add(lax.add(lax.mul(a6, b[13]), lax.mul(a4, b[11])), lax.mul(a2, b[9]))
    u = matmul(scaled, lax.add(matmul(a6, odd_high), _low_terms(b[1:8:2], a2, a4, a6, identity)))
    v = lax.add(matmul(a6, even_high), _low_terms(b[0:8:2], a2, a4, a6, identity))
    r = _np_linalg.solve(lax.sub(v, u), lax.add(v, u))

    # Square each matrix its own number of times; the loop skips the steps no matrix needs.
    most = _max(squarings) if squarings.ndim else squarings

    def square(i, r):
        needed = lambda r: where(expand_dims(i < squarings, (-2, -1)), matmul(r, r), r)
        return lax.cond(i < most, needed, lambda r: r, r)

    return lax.fori_loop(0, max_squarings, square, r)


def _low_terms(coefficients: tuple, a2: Any, a4: Any, a6: Any, identity: Any) -> Any:
    """``c0 I + c1 a2 + c2 a4 + c3 a6``: the low-degree terms of one parity of the approximant."""
    c0, c1, c2, c3 = coefficients
    return lax.add(lax.add(lax.mul(identity, c0), lax.mul(a2, c1)), lax.add(lax.mul(a4, c2), lax.mul(a6, c3)))


# --------------------------------------------------------------------------- structured matrices


def block_diag(*arrs: ArrayLike) -> Any:
    """The block-diagonal matrix with the given arrays (scalars, vectors as rows, or matrices) on its diagonal.

    >>> block_diag(np.ones((1, 2)), 2.0)
    array([[1., 1., 0.],
           [0., 0., 2.]])
    """
    if not arrs:
        return zeros((1, 0))
    blocks = [asarray(a) for a in arrs]
    blocks = promote(*blocks)
    blocks = [lax.reshape(b, (1,) * (2 - b.ndim) + b.shape) if b.ndim < 2 else b for b in blocks]
    if any(b.ndim != 2 for b in blocks):
        raise ValueError(f"block_diag: arguments must have at most 2 dimensions, got shapes {[b.shape for b in blocks]}")
    width = sum(b.shape[1] for b in blocks)
    rows, start = [], 0
    for b in blocks:
        rows.append(lax.pad(b, np.zeros((), b.dtype), [(0, 0, 0), (start, width - start - b.shape[1], 0)]))
        start += b.shape[1]
    return concatenate(rows, axis=0)


def _batched_vectors(name: str, *vectors: Any) -> list:
    """``vectors`` (at least 1-D) promoted to one dtype and broadcast over their leading (batch) axes."""
    vectors = promote(*[asarray(v) for v in vectors])
    if any(v.ndim == 0 for v in vectors):
        raise ValueError(f"{name}: the arguments must be at least 1-dimensional, got shapes {[v.shape for v in vectors]}")
    batch = broadcast_shapes(*[v.shape[:-1] for v in vectors])
    return [broadcast_to(v, batch + v.shape[-1:]) for v in vectors]


def toeplitz(c: ArrayLike, r: ArrayLike | None = None) -> Any:
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``c`` if None; ``r[0]``
    is ignored). Leading axes of ``c`` and ``r`` are batch axes.

    >>> toeplitz(np.array([1, 2, 3]), np.array([1, 4, 5]))
    array([[1, 4, 5],
           [2, 1, 4],
           [3, 2, 1]])
    """
    c, r = _batched_vectors("toeplitz", c, c if r is None else r)
    n, m = c.shape[-1], r.shape[-1]
    # T[i, j] = values[i - j + m - 1], values = (r[m-1], ..., r[1], c[0], ..., c[n-1]).
    values = concatenate([flip(r[..., 1:], axis=-1), c], axis=-1)
    return take(values, np.arange(n)[:, None] - np.arange(m)[None, :] + m - 1, axis=-1)


def hankel(c: ArrayLike, r: ArrayLike | None = None) -> Any:
    """The Hankel matrix with first column ``c`` and last row ``r`` (zeros if None; ``r[0]`` is
    ignored): ``H[i, j] = c[i + j]`` while ``i + j < len(c)``. Leading axes are batch axes.

    >>> hankel(np.array([1, 2, 3]), np.array([9, 4, 5]))
    array([[1, 2, 3],
           [2, 3, 4],
           [3, 4, 5]])
    """
    c, r = _batched_vectors("hankel", c, lax.full_like(asarray(c), 0) if r is None else r)
    n, m = c.shape[-1], r.shape[-1]
    values = concatenate([c, r[..., 1:]], axis=-1)
    return take(values, np.arange(n)[:, None] + np.arange(m)[None, :], axis=-1)


def circulant(c: ArrayLike) -> Any:
    """The circulant matrix with first column ``c``: ``C[i, j] = c[(i - j) % n]``. Leading axes are batch axes.

    >>> circulant(np.array([1, 2, 3]))
    array([[1, 3, 2],
           [2, 1, 3],
           [3, 2, 1]])
    """
    (c,) = _batched_vectors("circulant", c)
    n = c.shape[-1]
    return take(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % max(n, 1), axis=-1)


def hilbert(n: int) -> Any:
    """The ``n`` by ``n`` Hilbert matrix, ``1 / (i + j + 1)``.

    >>> hilbert(2)
    array([[1.        , 0.5       ],
           [0.5       , 0.33333333]])
    """
    return 1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1.0)


def expm_frechet(A: ArrayLike, E: ArrayLike, *, method: str | None = None, compute_expm: bool = True) -> Any:
    """The Frechet derivative of ``expm`` at ``A`` in the direction ``E``: ``(expm(A), L)``, or
    ``L`` alone if not ``compute_expm`` (the directional derivative of ``expm``'s Padé approximant).

    >>> np.round(expm_frechet(np.zeros((2, 2)), np.eye(2), compute_expm=False), 6)
    array([[1., 0.],
           [0., 1.]])
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"expm_frechet: unknown method {method!r}")
    a = _square(A, "expm_frechet")
    (e,) = promote_to_inexact(asarray(E))
    if e.shape != a.shape:
        raise ValueError(f"expm_frechet: A {a.shape} and E {e.shape} must have the same shape")
    value, derivative = jvp(expm, (a,), (lax.convert_element_type(e, a.dtype),))
    return (value, derivative) if compute_expm else derivative


def hessenberg(a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The upper Hessenberg form ``h = q^H @ a @ q`` (zeros below the first subdiagonal) of square
    matrices ``(..., n, n)``, by LAPACK's gehrd reflectors (``lax.linalg.hessenberg``: SciPy's
    signs; SciPy leaves a complex 2 by 2 matrix as it is, where this, as JAX, makes its
    subdiagonal real); ``(h, q)`` if ``calc_q``. Differentiable through the reflections.

    >>> h = hessenberg(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]))
    >>> np.round(h, 4)
    array([[ 1.    , -3.597 , -0.2481],
           [-8.0623, 14.8   ,  2.4   ],
           [ 0.    ,  0.4   ,  0.2   ]])
    """
    a = _square(a, "hessenberg")
    n = a.shape[-1]
    if n == 0:
        return (a, a) if calc_q else a
    packed, taus = lax.linalg.hessenberg(a)
    h = triu(packed, -1)
    if not calc_q:
        return h
    # The reflectors leave row and column 0 alone: q is 1 there, then their product.
    product = lax.linalg.householder_product(packed[..., 1:, :-1], taus)
    bordered = lax.pad(product, np.zeros((), a.dtype), [(0, 0, 0)] * (a.ndim - 2) + [(1, 0, 0), (1, 0, 0)])
    corner = np.zeros((n, n), a.dtype)
    corner[0, 0] = 1
    return h, lax.add(bordered, broadcast_to(corner, a.shape))


def _last_axis_vector(name: str, a: ArrayLike, inexact: bool) -> Any:
    """``a`` as an array of at least one dimension (promoted to inexact if asked); its last axis is the vector."""
    (a,) = promote_to_inexact(asarray(a)) if inexact else (asarray(a),)
    return lax.reshape(a, (1,)) if a.ndim == 0 else a


def _square_grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of an ``n`` by ``n`` matrix (static: the masks below are constants)."""
    return np.arange(n)[:, None], np.arange(n)[None, :]


def companion(a: ArrayLike) -> Any:
    """The companion matrix of the polynomial with coefficients ``a`` (highest degree first):
    first row ``-a[1:] / a[0]``, ones on the first subdiagonal. Leading axes are batch axes.
    As in JAX, a zero ``a[0]`` gives inf/nan rather than an error.

    >>> companion(np.array([1.0, -10.0, 31.0, -30.0]))
    array([[ 10., -31.,  30.],
           [  1.,   0.,   0.],
           [  0.,   1.,   0.]])
    """
    a = _last_axis_vector("companion", a, inexact=True)
    if a.shape[-1] < 2:
        raise ValueError(f"The length of `a` along the last axis must be at least 2; got shape {a.shape}.")
    first_row = -divide(a[..., 1:], a[..., :1])
    i, j = _square_grid(a.shape[-1] - 1)
    return where(i == 0, expand_dims(first_row, -2), (i == j + 1).astype(a.dtype))


def leslie(f: ArrayLike, s: ArrayLike) -> Any:
    """The Leslie matrix: fecundities ``f`` (length ``N >= 2``) as its first row, survival rates
    ``s`` (length ``N - 1``) on its first subdiagonal. Leading axes are batch axes.

    >>> leslie(np.array([0.1, 2.0, 1.0]), np.array([0.2, 0.8]))
    array([[0.1, 2. , 1. ],
           [0.2, 0. , 0. ],
           [0. , 0.8, 0. ]])
    """
    f, s = _last_axis_vector("leslie", f, False), _last_axis_vector("leslie", s, False)
    if f.shape[-1] < 2:
        raise ValueError(f"The length of f along the last axis must be at least 2; got shape {f.shape}.")
    if s.shape[-1] != f.shape[-1] - 1:
        raise ValueError("Incorrect lengths for f and s. The length of s along the last axis must be one less than "
                         f"the length of f; got f shape {f.shape} and s shape {s.shape}.")
    f, s = _batched_vectors("leslie", f, s)
    s = concatenate([s, zeros(s.shape[:-1] + (1,), s.dtype)], axis=-1)  # column j holds s[j] at row j + 1
    i, j = _square_grid(f.shape[-1])
    return where(i == 0, expand_dims(f, -2), where(i == j + 1, expand_dims(s, -2), zeros((), f.dtype)))


def fiedler(a: ArrayLike) -> Any:
    """The symmetric Fiedler matrix ``|a[i] - a[j]|``. Leading axes are batch axes.

    >>> fiedler(np.array([1, 4, 12]))
    array([[ 0,  3, 11],
           [ 3,  0,  8],
           [11,  8,  0]])
    """
    a = _last_axis_vector("fiedler", a, inexact=False)
    return _abs(expand_dims(a, -1) - expand_dims(a, -2))


def fiedler_companion(a: ArrayLike) -> Any:
    """The Fiedler companion matrix of the polynomial ``a`` (highest degree first): pentadiagonal,
    with the polynomial's roots as eigenvalues. Leading axes are batch axes; length 1 gives ``(0, 0)``.

    >>> fiedler_companion(np.array([1.0, -16.0, 86.0, -176.0, 105.0]))
    array([[  16.,  -86.,    1.,    0.],
           [   1.,    0.,    0.,    0.],
           [   0.,  176.,    0., -105.],
           [   0.,    1.,    0.,    0.]])
    """
    a = _last_axis_vector("fiedler_companion", a, inexact=True)
    if a.shape[-1] == 0:
        raise ValueError("fiedler_companion requires the last axis of 'a' to have nonzero length, but got an array "
                         f"of shape {a.shape}.")
    n = a.shape[-1] - 1
    if n == 0:
        return zeros(a.shape[:-1] + (0, 0), a.dtype)
    minus = -divide(a, a[..., :1])
    if n == 1:
        return expand_dims(minus[..., 1:], -1)
    i, j = _square_grid(n)
    even, odd = i % 2 == 0, i % 2 == 1
    # Every non-zero cell: (where, the coefficient index it holds, or None for a 1).
    cells = [((i == 0) & (j == 0), 1), ((i == 1) & (j == 0), None), ((j == i + 1) & even, i + 2),
             ((j == i + 2) & even, None), ((j == i - 1) & even & (i >= 2), i + 1), ((j == i - 2) & odd & (i >= 3), None)]
    out = zeros(a.shape[:-1] + (n, n), a.dtype)
    for mask, index in cells:
        value = 1.0 if index is None else take(minus, np.broadcast_to(np.minimum(index, n), (n, n)), axis=-1)
        out = where(mask, value, out)
    return out


def convolution_matrix(a: ArrayLike, n: int, mode: str = "full") -> Any:
    """The Toeplitz matrix ``A`` (``n`` columns) with ``A @ v == numpy.convolve(a, v, mode)``
    for ``mode`` 'full', 'same' or 'valid'. Leading axes of ``a`` are batch axes.

    >>> convolution_matrix(np.array([1, 2]), 3)
    array([[1, 0, 0],
           [2, 1, 0],
           [0, 2, 1],
           [0, 0, 2]])
    """
    n = operator.index(n)
    if n <= 0:
        raise ValueError(f"n must be a positive integer; got {n}.")
    a = asarray(a)
    if a.ndim == 0:
        raise ValueError("convolution_matrix: a must be at least 1-dimensional, got a scalar.")
    m = a.shape[-1]
    if m < 1:
        raise ValueError(f"len(a) must be at least 1; got shape {a.shape}.")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"mode must be one of 'full', 'valid', 'same'; got {mode!r}.")
    # The full matrix's first column is a then zeros, its first row a[0] then zeros; the
    # other modes keep the rows from ``start`` to ``length - end``.
    length = m + n - 1
    start, end = {"full": (0, 0), "valid": (min(n, m) - 1, min(n, m) - 1),
                  "same": ((min(n, m) - 1) // 2, (min(n, m) - 1) - (min(n, m) - 1) // 2)}[mode]
    padding = [(0, 0, 0)] * (a.ndim - 1) + [(0, n - 1, 0)]
    column = lax.pad(a, np.zeros((), a.dtype), padding)
    row = lax.pad(flip(a, axis=-1), np.zeros((), a.dtype), padding)
    return toeplitz(column[..., start : length - end], row[..., length - n - start : length - start])


def _binomials(n: int, k: np.ndarray) -> np.ndarray:
    """``comb(n, k)`` elementwise for integer arrays, exactly (Python integers) then as float64."""
    return np.vectorize(lambda n, k: float(math.comb(int(n), int(k))) if 0 <= k <= n else 0.0, otypes=[np.float64])(n, k)


def invhilbert(n: int) -> Any:
    """The inverse of the ``n`` by ``n`` Hilbert matrix, in float64 from exact binomial
    coefficients (``exact=True`` is not offered, as in JAX).

    >>> invhilbert(2)
    array([[ 4., -6.],
           [-6., 12.]])
    """
    i, j = _square_grid(operator.index(n))
    s = i + j
    return (-1.0) ** s * (s + 1.0) * _binomials(n + i, n - j - 1) * _binomials(n + j, n - i - 1) * _binomials(s, i) ** 2


def _pascal_kind(kind: str | None) -> str:
    kind = "symmetric" if kind is None else kind
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"Expected kind to be one of: ['symmetric', 'lower', 'upper']; got {kind}")
    return kind


def _lower_pascal(n: int, sign: bool) -> np.ndarray:
    i, j = _square_grid(operator.index(n))
    return (-1.0) ** (i - j) * _binomials(i, j) + 0.0 if sign else _binomials(i, j)  # + 0.0: no -0.0


def pascal(n: int, kind: str | None = None) -> Any:
    """The ``n`` by ``n`` Pascal matrix of binomial coefficients: ``kind`` 'lower', 'upper' or
    'symmetric' (the default, ``lower @ upper``), in float64.

    >>> pascal(3)
    array([[1., 1., 1.],
           [1., 2., 3.],
           [1., 3., 6.]])
    """
    kind, lower = _pascal_kind(kind), _lower_pascal(n, sign=False)
    return {"lower": lower, "upper": lower.T, "symmetric": lower @ lower.T}[kind]


def invpascal(n: int, kind: str | None = None) -> Any:
    """The inverse of ``pascal(n, kind)``: ``(-1)^(i-j) comb(i, j)`` for 'lower', its transpose
    for 'upper', ``upper^-1 @ lower^-1`` for 'symmetric', in float64.

    >>> invpascal(3, kind="lower")
    array([[ 1.,  0.,  0.],
           [-1.,  1.,  0.],
           [ 1., -2.,  1.]])
    """
    kind, lower = _pascal_kind(kind), _lower_pascal(n, sign=True)
    return {"lower": lower, "upper": lower.T, "symmetric": lower.T @ lower}[kind]


def helmert(n: int, full: bool = False) -> Any:
    """The Helmert matrix: row ``k - 1`` is ``(1, ..., 1, -k, 0, ...) / sqrt(k (k + 1))`` (``k``
    ones); ``full`` prepends the row ``1 / sqrt(n)``. Shape ``(n - 1, n)``, or ``(n, n)``.

    >>> np.round(helmert(3), 4)
    array([[ 0.7071, -0.7071,  0.    ],
           [ 0.4082,  0.4082, -0.8165]])
    """
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"n must be a positive integer; got {n}.")
    i, j = np.arange(n - 1)[:, None], np.arange(n)[None, :]
    k = i + 1.0
    contrasts = np.where(j <= i, 1.0, np.where(j == i + 1, -k, 0.0)) / np.sqrt(k * (k + 1.0))
    return np.concatenate([np.full((1, n), 1.0 / np.sqrt(n)), contrasts]) if full else contrasts


def hadamard(n: int, dtype: Any = int) -> Any:
    """The ``n`` by ``n`` Hadamard matrix (``n`` a power of 2) by Sylvester's construction,
    ``H_2m = [[H_m, H_m], [H_m, -H_m]]``.

    >>> hadamard(2)
    array([[ 1,  1],
           [ 1, -1]])
    """
    n = operator.index(n)
    if n < 1 or n & (n - 1):
        raise ValueError(f"n must be a positive power of 2; got {n}.")
    h = np.ones((1, 1), dtype=dtype)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


def dft(n: int, scale: str | None = None, *, dtype: Any = None) -> Any:
    """The ``n`` by ``n`` discrete Fourier transform matrix ``exp(-2 pi i j k / n)``, unscaled,
    or divided by ``sqrt(n)`` (``scale`` 'sqrtn', unitary) or ``n`` ('n'); complex128 by default.

    >>> np.round(dft(2), 6)
    array([[ 1.+0.j,  1.+0.j],
           [ 1.+0.j, -1.-0.j]])
    """
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"scale must be None, 'sqrtn', or 'n'; got {scale!r}.")
    dtype = np.dtype(np.complex128 if dtype is None else dtype)
    if dtype.kind != "c":
        raise ValueError(f"dtype must be a complex floating-point type; got {dtype}.")
    n = operator.index(n)
    i, j = _square_grid(n)
    # The exponent reduced modulo n first: exact phases for large n.
    omegas = np.exp(-2j * np.pi * ((i * j) % max(n, 1)) / max(n, 1))
    divisor = {None: 1.0, "sqrtn": np.sqrt(n), "n": float(n)}[scale]
    return (omegas / divisor).astype(dtype)


# --------------------------------------------------------------------------- Sylvester, QR products, tridiagonal eigenproblems


def solve_sylvester(A: ArrayLike, B: ArrayLike, C: ArrayLike, *, method: str = "schur", tol: float = 1e-8) -> Any:
    """The ``X`` with ``A @ X + X @ B = C``, for ``A`` ``(..., m, m)``, ``B`` ``(..., n, n)`` and
    ``C`` ``(..., m, n)`` (batch axes broadcast). All nan, as JAX, where some eigenvalues of ``A``
    and ``B`` sum to less than ``tol`` in magnitude (no unique solution). Differentiable.

    >>> solve_sylvester(np.array([[2.0, 0.0], [0.0, 3.0]]), np.array([[1.0]]), np.array([[3.0], [8.0]]))
    array([[1.],
           [2.]])
    """
    if method not in ("schur", "eigen"):
        raise ValueError(f'Unrecognized method {method}. The two valid methods are either "schur" or "eigen".')
    a, b, c = promote_to_inexact(asarray(A), asarray(B), asarray(C))
    if c.ndim < 2 or a.shape[-2:] != (c.shape[-2],) * 2 or b.shape[-2:] != (c.shape[-1],) * 2:
        raise ValueError(f"Incompatible shapes for Sylvester equation:\nA: {a.shape}\nB: {b.shape}\nC: {c.shape}")
    m, n = c.shape[-2:]
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], c.shape[:-2])
    a, b, c = (broadcast_to(x, batch + x.shape[-2:]) for x in (a, b, c))
    # Row-major vec(X): (A kron I_n + I_m kron B^T) vec(X) = vec(C), one linear solve of size m n
    # (JAX's Bartels-Stewart on Schur forms is O(m^3 + n^3); this is O((m n)^3) but differentiates as
    # solve does, where the Schur factors have no derivative).
    eye_m, eye_n = np.eye(m, dtype=c.dtype), np.eye(n, dtype=c.dtype)
    system = (a[..., :, None, :, None] * eye_n[:, None, :] + eye_m[:, None, :, None] * _mT(b)[..., None, :, None, :])
    singular = expand_dims(_near_singular_sylvester(lax.stop_gradient(a), lax.stop_gradient(b), tol), (-2, -1))
    system = where(singular, np.eye(m * n, dtype=c.dtype), lax.reshape(system, batch + (m * n, m * n)))  # solvable
    x = lax.reshape(_np_linalg.solve(system, lax.reshape(c, batch + (m * n, 1))), batch + (m, n))
    return where(singular, np.nan, x)


def _near_singular_sylvester(a: Any, b: Any, tol: float) -> Any:
    """Whether some eigenvalues of ``a`` and ``b`` sum to less than ``tol`` in magnitude, per matrix."""
    sums = _np_linalg.eigvals(a)[..., :, None] + _np_linalg.eigvals(b)[..., None, :]
    return _any(less(_abs(sums), tol), axis=(-2, -1))


def qr_multiply(a: ArrayLike, c: ArrayLike, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False) -> tuple[Any, Any]:
    """The QR decomposition of ``a`` (``(..., M, N)``, ``K = min(M, N)``) multiplied into ``c``:
    ``(Q @ c, R)`` for ``mode`` 'left' (``c`` ``(..., K, P)``), ``(c @ Q, R)`` for 'right' (``c``
    ``(..., P, M)``, result ``(..., P, K)``); a 1-D ``c`` is a column (left) or row (right) and the
    result is 1-D. ``conjugate`` uses ``conj(Q)``. Differentiable as ``qr``.

    >>> cq, r = qr_multiply(np.array([[3.0, 0.0], [4.0, 5.0]]), np.array([3.0, 4.0]))
    >>> np.round(cq, 6) + 0.0, np.round(r, 6)
    (array([-5.,  0.]), array([[-5., -4.],
           [ 0.,  3.]]))
    """
    if mode not in ("right", "left"):
        raise ValueError(f"mode must be 'right' or 'left', got {mode!r}")
    if pivoting:
        raise NotImplementedError("qr_multiply: pivoting=True is not supported (qr has no pivoting)")
    a, c = promote_to_inexact(_np_linalg._matrices(a, "qr_multiply"), asarray(c))
    one_dimensional = c.ndim == 1
    if one_dimensional:
        c = expand_dims(c, -1 if mode == "left" else 0)
    m, n = a.shape[-2:]
    k = min(m, n)
    if mode == "left" and c.shape[-2] != k:
        raise ValueError(f"Array shapes are not compatible for Q @ c operation: a has shape {a.shape} so Q has {k} "
                         f"columns, but c has {c.shape[-2]} rows (expected {k}).")
    if mode == "right" and c.shape[-1] != m:
        raise ValueError(f"Array shapes are not compatible for c @ Q operation: a has shape {a.shape} so Q has {m} "
                         f"rows, but c has {c.shape[-1]} columns (expected {m}).")
    # Q's columns past K meet only zero rows of c (left) or are cut off (right): the economic Q serves.
    q, r = lax.linalg.qr(a, full_matrices=False)
    if conjugate and q.dtype.kind == "c":
        q = q.conj()
    product = matmul(q, c) if mode == "left" else matmul(c, q)
    return (lax.reshape(product, (product.size,)) if one_dimensional else product), triu(r)


def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False, select: str = "a",
                     select_range: tuple[float, float] | None = None, tol: float | None = None,
                     key: Any = None) -> Any:
    """Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal ``d`` (``(N,)``)
    and off-diagonal ``e`` (``(N - 1,)``), and its eigenvectors as columns unless ``eigvals_only``;
    ``select`` 'i' keeps the eigenvalues of indices ``select_range[0]`` to ``select_range[1]``.
    Computed by ``eigh`` of the matrix (exact to rounding, so ``tol`` and ``key`` are unused), which
    also gives derivatives. Complex ``e`` (Hermitian) for eigenvalues only.

    >>> np.round(eigh_tridiagonal(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0]), eigvals_only=True), 6)
    array([0.254719, 1.822717, 3.177283, 4.745281])
    """
    alpha, beta = asarray(d), asarray(e)
    if alpha.dtype != beta.dtype:
        raise TypeError(f"diagonal and off-diagonal values must have same dtype, got {alpha.dtype} and {beta.dtype}")
    if alpha.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError("Only float32 and float64 inputs are supported as inputs to "
                        f"functrans.scipy.linalg.eigh_tridiagonal, got {alpha.dtype} and {beta.dtype}")
    if alpha.ndim != 1 or beta.shape != (max(alpha.shape[0] - 1, 0),):
        raise ValueError(f"eigh_tridiagonal: d must be (N,) and e (N - 1,), got shapes {alpha.shape} and {beta.shape}")
    if select not in ("a", "i", "v"):
        raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
    if select == "v":
        raise NotImplementedError("eigh_tridiagonal(..., select='v') is not implemented")
    if select == "i":
        if select_range is None:
            raise ValueError("for select='i', select_range must be specified.")
        if select_range[0] > select_range[1]:
            raise ValueError("Got empty index range in select_range.")
    n = alpha.shape[0]
    if alpha.dtype.kind == "c":
        if not eigvals_only:
            raise NotImplementedError("eigh_tridiagonal: eigenvectors of complex (Hermitian) matrices are not supported")
        # A diagonal unitary similarity turns the off-diagonal into its moduli: same eigenvalues.
        alpha, beta = alpha.real, _abs(beta)
    if n <= 1:
        return alpha if eigvals_only else (alpha, eye(n, dtype=alpha.dtype))
    i, j = _square_grid(n)
    padded = concatenate([beta, zeros((1,), beta.dtype)])  # row/column k of the bands holds e[k]
    t = where(i == j, alpha, where(i == j + 1, padded[j], where(j == i + 1, padded[i], zeros((), alpha.dtype))))
    v, w = lax.linalg.eigh(t, lower=True, symmetrize_input=False)
    if select == "i":
        keep = slice(int(select_range[0]), int(select_range[1]) + 1)
        v, w = v[:, keep], w[keep]
    return w if eigvals_only else (w, v)
