"""The implementation of ``functrans.lax.linalg``, which re-exports the names in ``__all__``."""
from __future__ import annotations

__all__ = [
    "EigImplementation",
    "EighImplementation",
    "SvdAlgorithm",
    "cholesky",
    "cholesky_p",
    "eig",
    "eig_p",
    "eigh",
    "eigh_p",
    "lu",
    "lu_p",
    "lu_pivots_to_permutation",
    "lu_pivots_to_permutation_p",
    "qr",
    "qr_p",
    "schur",
    "schur_p",
    "svd",
    "svd_p",
    "triangular_solve",
    "triangular_solve_p",
    "tridiagonal_solve",
]

import enum
import math
from typing import Any

import numpy as np

from .. import core, dtypes
from ..autodiff import Zero, defjvp, defzero, is_undefined, jvp_rules, tangent_aval, transpose_rules
from ..batching import batching_rules, bdim_at_front, moveaxis
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..lowering import def_statement
from . import elementwise as _ew
from . import indexing as _indexing
from . import reduction as _reduction
from . import shape as _shape
from .control_flow import scan
from .dot import dot_general

_LAPACK_DTYPES = (dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128)


class EigImplementation(enum.Enum):
    """Which library ``eig`` calls, as JAX's enum; on a CPU only ``LAPACK`` (or ``None``)."""

    CUSOLVER = "cusolver"
    MAGMA = "magma"
    LAPACK = "lapack"


class EighImplementation(enum.Enum):
    """The algorithm of ``eigh``, as JAX's enum; on a CPU only ``QR`` (LAPACK's syevd) or ``None``."""

    QR = "qr"
    JACOBI = "jacobi"
    QDWH = "qdwh"


class SvdAlgorithm(enum.Enum):
    """The algorithm of ``svd``, as JAX's enum; on a CPU ``DEFAULT``, ``QR`` and ``DIVIDE_AND_CONQUER``
    (all LAPACK's gesdd here; JAX's ``QR`` is gesvd, equal to rounding) or ``None``."""

    DEFAULT = "default"
    QR = "QR"
    JACOBI = "Jacobi"
    POLAR = "polar"
    DIVIDE_AND_CONQUER = "divide_and_conquer"


# --------------------------------------------------------------------------- checks shared by the primitives


def _check_algorithm(name: str, argument: str, value: Any, kind: type, available: tuple) -> None:
    """JAX's rule for the algorithm enums on a CPU: ``None`` or one LAPACK implements."""
    if value is not None and value not in available:
        offered = ", ".join(f"{kind.__name__}.{v.name}" for v in available)
        raise NotImplementedError(f"{name}: {argument}={value!r} is not available on a CPU; use None or {offered}")


def _check_dtype(name: str, *avals: ShapedArray) -> None:
    for aval in avals:
        if aval.dtype not in _LAPACK_DTYPES:
            raise DTypeError(f"{name} takes float32 or float64 matrices (or complex64 or complex128 ones), got {aval.str_short()}")
    if len({a.dtype for a in avals}) > 1:
        raise DTypeError(f"{name} requires operands of equal dtypes, got {', '.join(a.str_short() for a in avals)}")


def _check_square(name: str, a: ShapedArray) -> int:
    """The size ``n`` of a stack of square matrices ``(..., n, n)``."""
    if a.ndim < 2:
        raise ShapeError(f"{name} takes a matrix or a stack of matrices (..., n, n), got {a.str_short()}")
    if a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{name} takes square matrices (..., n, n), got {a.str_short()}")
    _check_dtype(name, a)
    return a.shape[-1]


def _raise_singular(name: str, index: tuple, what: str) -> None:
    where = f" (matrix {index} of the stack)" if index else ""
    raise np.linalg.LinAlgError(f"{name}: {what}{where}")


# --------------------------------------------------------------------------- matrix helpers (traceable)


def _mT(x: Any) -> Any:
    """Swap the last two axes."""
    nd = core.get_aval(x).ndim
    return _shape.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _is_complex(x: Any) -> bool:
    return dtypes.is_complex(core.get_aval(x).dtype)


def _conj(x: Any) -> Any:
    """``conj(x)`` for complex ``x``; a real ``x`` unchanged (``conj`` would make it complex)."""
    return _ew.conj(x) if _is_complex(x) else x


def _H(x: Any) -> Any:
    """The conjugate transpose over the last two axes (the transpose of real matrices)."""
    return _conj(_mT(x))


def _real_part(x: Any) -> Any:
    """The real part of complex ``x``, kept complex (``x`` itself if real)."""
    return _ew.convert_element_type(_ew.real(x), core.get_aval(x).dtype) if _is_complex(x) else x


def symmetrize(x: Any) -> Any:
    """``(x + x^H) / 2`` over the last two axes (Hermitian part; symmetric for real ``x``).

    >>> symmetrize(np.array([[1.0, 2.0], [0.0, 1.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    return _ew.mul(_ew.add(x, _H(x)), 0.5)


def _matmul(a: Any, b: Any) -> Any:
    """``a @ b`` for stacks with equal leading (batch) shapes."""
    nd = core.get_aval(a).ndim
    batch = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _matrix_iotas(shape: tuple) -> tuple[Any, Any]:
    """Row and column indices of every entry of a stack of matrices of ``shape``."""
    nd = len(shape)
    rows = _shape.broadcasted_iota(dtypes.int32, shape, nd - 2)
    cols = _shape.broadcasted_iota(dtypes.int32, shape, nd - 1)
    return rows, cols


def _triangle(x: Any, lower: bool, k: int = 0) -> Any:
    """``tril(x, k)`` if ``lower`` else ``triu(x, k)``, on the last two axes."""
    rows, cols = _matrix_iotas(core.get_aval(x).shape)
    diagonal_offset = _ew.sub(cols, rows)
    keep = _ew.le(diagonal_offset, k) if lower else _ew.ge(diagonal_offset, k)
    return _ew.select_n(keep, _shape.zeros_like(x), x)


def _eye_like(x: Any) -> Any:
    """Identity matrices with the shape and dtype of the stack ``x``."""
    aval = core.get_aval(x)
    rows, cols = _matrix_iotas(aval.shape)
    return _ew.convert_element_type(_ew.eq(rows, cols), aval.dtype)


def _diagonal(x: Any) -> Any:
    """The diagonals ``(..., n)`` of a stack of square matrices ``(..., n, n)``."""
    aval = core.get_aval(x)
    *batch, n, _ = aval.shape
    batch = tuple(batch)
    flat = _shape.reshape(x, batch + (n * n,))
    nb = len(batch)
    return _shape.slice(flat, (0,) * (nb + 1), batch + (n * n,), (1,) * nb + (n + 1,))


def _diagonal_matrix(v: Any) -> Any:
    """Square matrices ``(..., n, n)`` with ``v`` ``(..., n)`` on their diagonals."""
    aval = core.get_aval(v)
    shape = aval.shape + aval.shape[-1:]
    nd = len(shape)
    rows_of_v = _shape.broadcast_in_dim(v, shape, tuple(range(nd - 2)) + (nd - 1,))
    return _ew.mul(rows_of_v, _eye_like(rows_of_v))


def _permute_rows(x: Any, permutation: Any) -> Any:
    """``x[..., permutation, :]``: row ``i`` of the result is row ``permutation[i]`` of ``x``."""
    nb = core.get_aval(permutation).ndim - 1
    return _indexing.gather(x, _shape.expand_dims(permutation, [nb + 1]), num_batch_dims=nb)


def _last_two_axes(x: Any) -> tuple[int, int]:
    nd = core.get_aval(x).ndim
    return nd - 2, nd - 1


def _matrix_batcher(prim: Primitive) -> None:
    """Batching for one-operand primitives on stacks: the vmapped axis is one more
    leading axis (moved to the front only if it sat among the matrix axes)."""

    def rule(size, vals, dims, **params):
        (x,), (d,) = vals, dims
        if d >= core.get_aval(x).ndim - 2:
            x, d = moveaxis(x, d, 0), 0
        outs = core.bind(prim, [x], params)
        return outs, [d] * len(outs)

    batching_rules[prim] = rule


def _stack_view(aval: ShapedArray) -> tuple:
    """The ``(batch, m, n)`` view of a stack of matrices that the kernels take."""
    return (math.prod(aval.shape[:-2]), *aval.shape[-2:])


# --------------------------------------------------------------------------- cholesky

cholesky_p = Primitive("cholesky")


@cholesky_p.def_impl
def _cholesky_impl(a):
    try:
        return [np.linalg.cholesky(a)]
    except np.linalg.LinAlgError:
        _raise_singular("cholesky", (), f"a matrix of the {core.get_aval(a).str_short()} operand is not positive definite")


@cholesky_p.def_abstract_eval
def _cholesky_abstract_eval(a):
    _check_square("cholesky", a)
    return [ShapedArray(a.shape, a.dtype)]


def cholesky(a: Any, *, symmetrize_input: bool = True) -> Any:
    """The lower Cholesky factor ``L`` of symmetric (complex: Hermitian) positive-definite
    matrices: ``a = L @ L^H``.

    As JAX, ``a`` is first symmetrized (``(a + a^H) / 2``); with ``symmetrize_input=False``
    only its lower triangle is read (as ``numpy.linalg.cholesky``), and the derivative is
    that of this function: the upper triangle has none.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    if not symmetrize_input:
        return cholesky_p.bind(a)
    _check_square("cholesky", core.get_aval(a))  # before symmetrize, whose error would not name cholesky
    return cholesky_p.bind(symmetrize(a))


def _reflect_lower(x: Any) -> Any:
    """The Hermitian (real: symmetric) matrix whose lower triangle is ``x``'s, what ``cholesky``
    and ``eigh`` factor: LAPACK reads only the real part of a complex diagonal."""
    lower = _triangle(x, lower=True)
    if _is_complex(x):
        lower = _ew.sub(lower, _diagonal_matrix(_ew.sub(_diagonal(x), _real_part(_diagonal(x)))))
    return _ew.add(lower, _H(_triangle(x, lower=True, k=-1)))


def _cholesky_jvp(g, ans, a):
    # With A = L L^H: L^-1 dA L^-H = Phi + Phi^H for Phi = L^-1 dL, lower triangular,
    # so Phi is the lower triangle of L^-1 dA L^-H with its diagonal halved.
    left = triangular_solve(ans, _reflect_lower(g), left_side=True, lower=True)
    both = triangular_solve(ans, left, left_side=False, lower=True, transpose_a=True, conjugate_a=True)
    phi = _ew.add(_triangle(both, lower=True, k=-1), _ew.mul(_diagonal_matrix(_diagonal(both)), 0.5))
    return _matmul(ans, phi)


defjvp(cholesky_p, _cholesky_jvp)
_matrix_batcher(cholesky_p)


@def_statement(cholesky_p, fresh=True)
def _cholesky(em, eqn, args, outs):
    a = eqn.inputs[0].aval
    em.allocate(eqn.out_binders[0])
    em.emit(f"kernels_linalg.cholesky({args[0]}.reshape({_stack_view(a)!r}), {outs[0]}.reshape({_stack_view(a)!r}))")

# --------------------------------------------------------------------------- triangular_solve

triangular_solve_p = Primitive("triangular_solve")


def _substitute(a: np.ndarray, b: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """Solve ``a x = b`` by forward (``lower``) or back substitution, over stacks.

    Written with NumPy rather than SciPy's ``solve_triangular``: SciPy's BLAS has its own
    thread pool, which fights NumPy's over the cores (10 ms for a 3x3 solve after a matmul).
    """
    n = a.shape[-1]
    x = np.empty(b.shape, np.result_type(a, b))
    for i in range(n) if lower else reversed(range(n)):
        solved = slice(0, i) if lower else slice(i + 1, n)
        residual = b[..., i, :] - (a[..., i : i + 1, solved] @ x[..., solved, :])[..., 0, :]
        x[..., i, :] = residual if unit_diagonal else residual / a[..., i, i, None]
    return x


@triangular_solve_p.def_impl
def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    if conjugate_a:
        a = np.conj(a)
    if not unit_diagonal:
        singular = np.argwhere(np.any(np.diagonal(a, axis1=-2, axis2=-1) == 0, axis=-1))
        if len(singular):
            _raise_singular("triangular_solve", tuple(int(i) for i in singular[0]), "singular matrix (a zero on its diagonal)")
    op_a, op_lower = (np.swapaxes(a, -1, -2), not lower) if transpose_a else (a, lower)
    if left_side:
        return [_substitute(op_a, b, op_lower, unit_diagonal)]
    # x op(a) = b  <=>  op(a)^T x^T = b^T
    x_t = _substitute(np.swapaxes(op_a, -1, -2), np.swapaxes(b, -1, -2), not op_lower, unit_diagonal)
    return [np.ascontiguousarray(np.swapaxes(x_t, -1, -2))]


@triangular_solve_p.def_abstract_eval
def _triangular_solve_abstract_eval(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    where = f"triangular_solve of a={a.str_short()} and b={b.str_short()} (left_side={left_side})"
    n = _check_square("triangular_solve", a)
    _check_dtype("triangular_solve", a, b)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2]:
        raise ShapeError(f"{where}: b must be a stack of matrices with a's batch shape {a.shape[:-2]}")
    solved_axis = -2 if left_side else -1
    if b.shape[solved_axis] != n:
        side = "rows" if left_side else "columns"
        raise ShapeError(f"{where}: b must have {n} {side}, got {b.shape[solved_axis]}")
    return [ShapedArray(b.shape, b.dtype)]


def triangular_solve(a: Any, b: Any, left_side: bool = False, lower: bool = False, transpose_a: bool = False,
                     unit_diagonal: bool = False, *, conjugate_a: bool = False) -> Any:
    """Solve ``op(a) @ x = b`` (``left_side``) or ``x @ op(a) = b`` for triangular ``a``.

    ``op(a)`` is ``a.T`` if ``transpose_a`` else ``a``, conjugated if ``conjugate_a`` (which
    changes nothing for real matrices). Only the ``lower`` (or upper)
    triangle of ``a`` is read, and not its diagonal if ``unit_diagonal`` (taken as ones).
    ``a`` is ``(..., n, n)``; ``b`` is ``(..., n, k)`` or, on the right, ``(..., k, n)``.

    >>> triangular_solve(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([[2.0], [3.0]]), left_side=True, lower=True)
    array([[1.],
           [2.]])
    """
    # Real programs keep conjugate_a=False, so they compile (and cache) as before.
    conjugate_a = bool(conjugate_a) and _is_complex(a)
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower), transpose_a=bool(transpose_a),
                                   conjugate_a=conjugate_a, unit_diagonal=bool(unit_diagonal))


def _triangular_solve_jvp_a(g, ans, a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    # op(a) x = b  =>  op(da) x + op(a) dx = 0, with da restricted to the entries the solve reads.
    g = _triangle(g, lower, k=(-1 if lower else 1) if unit_diagonal else 0)
    op_g = _mT(g) if transpose_a else g
    op_g = _ew.conj(op_g) if conjugate_a else op_g
    rhs = _matmul(op_g, ans) if left_side else _matmul(ans, op_g)
    dx = triangular_solve(a, rhs, left_side, lower, transpose_a, unit_diagonal, conjugate_a=conjugate_a)
    return _ew.neg(dx)


def _triangular_solve_jvp_b(g, ans, a, b, **params):
    return triangular_solve_p.bind(a, g, **params)


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    # x = op(a)^-1 b is linear in b; its (plain, unconjugated) transpose applies op(a)^-T.
    if is_undefined(a):
        raise NotImplementedError("triangular_solve is linear only in b; it cannot be transposed with respect to a")
    return [None, triangular_solve(a, ct, left_side, lower, not transpose_a, unit_diagonal, conjugate_a=conjugate_a)]


def _triangular_solve_batch(size, vals, dims, **params):
    a, b = (bdim_at_front(v, d, size) for v, d in zip(vals, dims))
    return [triangular_solve_p.bind(a, b, **params)], [0]


defjvp(triangular_solve_p, _triangular_solve_jvp_a, _triangular_solve_jvp_b)
transpose_rules[triangular_solve_p] = _triangular_solve_transpose
batching_rules[triangular_solve_p] = _triangular_solve_batch


@def_statement(triangular_solve_p, fresh=True)
def _triangular_solve(em, eqn, args, outs):
    a, b = (x.aval for x in eqn.inputs)
    p = eqn.params
    em.allocate(eqn.out_binders[0])
    em.emit(
        f"kernels_linalg.triangular_solve({args[0]}.reshape({_stack_view(a)!r}), {args[1]}.reshape({_stack_view(b)!r}), "
        f"{p['left_side']}, {p['lower']}, {p['transpose_a']}, {p['conjugate_a']}, {p['unit_diagonal']}, {outs[0]}.reshape({_stack_view(b)!r}))"
    )

# --------------------------------------------------------------------------- lu

lu_p = Primitive("lu", multiple_results=True)


def _pivots_to_permutation(pivots: np.ndarray, size: int | None = None) -> np.ndarray:
    """LAPACK's sequence of row swaps (row ``i`` swapped with row ``pivots[i]``) as a permutation
    of ``size`` (default ``pivots.shape[-1]``)."""
    shape = pivots.shape[:-1] + (pivots.shape[-1] if size is None else size,)
    permutation = np.broadcast_to(np.arange(shape[-1], dtype=np.int32), shape).copy()
    for index in np.ndindex(*pivots.shape[:-1]):
        perm = permutation[index]
        for i, j in enumerate(pivots[index]):
            perm[i], perm[j] = perm[j], perm[i]
    return permutation


_LU_BLOCK = 32


def _pivot_magnitude(x: np.ndarray) -> np.ndarray:
    """The size LAPACK's getrf picks pivots by (i?amax): ``|re| + |im|`` for complex values."""
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def _lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LU with partial pivoting of a stack of matrices, as LAPACK's getrf (same pivots):
    each block of columns is factored swap by swap, then the rest of the matrix is updated
    with one triangular solve and one matmul. NumPy, not SciPy, for the reason in ``_substitute``.
    """
    n = a.shape[-1]
    lu = np.array(a.reshape((int(np.prod(a.shape[:-2])), n, n)))
    pivots = np.empty(lu.shape[:-1], np.int32)
    stack = np.arange(lu.shape[0])
    for start in range(0, n, _LU_BLOCK):
        end = min(start + _LU_BLOCK, n)
        for k in range(start, end):
            pivot_row = k + np.argmax(_pivot_magnitude(lu[:, k:, k]), axis=-1)
            pivots[:, k] = pivot_row
            row_k = lu[:, k, :].copy()
            lu[:, k, :] = lu[stack, pivot_row, :]
            lu[stack, pivot_row, :] = row_k
            pivot = lu[:, k, k]
            # A zero pivot means the column below is zero too: LAPACK leaves it unscaled.
            lu[:, k + 1 :, k] /= np.where(pivot == 0, 1, pivot)[:, None]
            lu[:, k + 1 :, k + 1 : end] -= lu[:, k + 1 :, k, None] * lu[:, k, None, k + 1 : end]
        if end < n:
            lu[:, start:end, end:] = _substitute(lu[:, start:end, start:end], lu[:, start:end, end:], lower=True, unit_diagonal=True)
            lu[:, end:, end:] -= lu[:, end:, start:end] @ lu[:, start:end, end:]
    return lu.reshape(a.shape), pivots.reshape(a.shape[:-1])


@lu_p.def_impl
def _lu_impl(a):
    lu, pivots = _lu_factor(a)
    return [lu, pivots, _pivots_to_permutation(pivots)]


@lu_p.def_abstract_eval
def _lu_abstract_eval(a):
    _check_square("lu", a)
    indices = ShapedArray(a.shape[:-1], dtypes.int32)
    return [ShapedArray(a.shape, a.dtype), indices, indices]


def lu(a: Any) -> tuple[Any, Any, Any]:
    """LU decomposition with partial pivoting: ``(lu, pivots, permutation)`` with
    ``a[..., permutation, :] = L @ U``, ``L`` unit lower triangular (below ``lu``'s
    diagonal) and ``U`` upper triangular (the rest of ``lu``). ``pivots`` are LAPACK's
    (row ``i`` was swapped with row ``pivots[i]``), 0-based, int32 like ``permutation``.
    Singular matrices are factored too (``U`` then has zeros on its diagonal).

    >>> lu(np.array([[1.0, 2.0], [3.0, 4.0]]))[2]
    array([1, 0], dtype=int32)
    """
    return tuple(lu_p.bind(a))


def _unit_lower(lu: Any) -> Any:
    return _ew.add(_triangle(lu, lower=True, k=-1), _eye_like(lu))


def _lu_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    lu, pivots, permutation = outs = lu_p.bind(a)
    index_tangents = [Zero(tangent_aval(core.get_aval(x))) for x in (pivots, permutation)]
    if type(da) is Zero:
        return outs, [Zero(tangent_aval(core.get_aval(lu)))] + index_tangents
    # P A = L U  =>  L^-1 P dA U^-1 = L^-1 dL + dU U^-1, strictly lower plus upper.
    l, u = _unit_lower(lu), _triangle(lu, lower=False)
    x = triangular_solve(l, _permute_rows(da, permutation), left_side=True, lower=True, unit_diagonal=True)
    x = triangular_solve(u, x, left_side=False, lower=False)
    dl = _matmul(l, _triangle(x, lower=True, k=-1))
    du = _matmul(_triangle(x, lower=False), u)
    return outs, [_ew.add(dl, du)] + index_tangents


jvp_rules[lu_p] = _lu_jvp
_matrix_batcher(lu_p)


@def_statement(lu_p, fresh=True)
def _lu(em, eqn, args, outs):
    a = eqn.inputs[0].aval
    view = _stack_view(a)
    for out in eqn.out_binders:
        em.allocate(out)
    em.emit(f"kernels_linalg.lu({args[0]}.reshape({view!r}), {outs[0]}.reshape({view!r}), {outs[1]}.reshape({view[:2]!r}), {outs[2]}.reshape({view[:2]!r}))")


def lu_solve(lu: Any, permutation: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` from ``a``'s LU factors (as returned by ``lu``); ``b`` is ``(..., n, k)``
    with the factors' batch shape. A functrans extension (JAX has it in ``jax.scipy.linalg``).

    >>> factors, _, perm = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> np.round(lu_solve(factors, perm, np.array([[5.0], [11.0]])), 6)
    array([[1.],
           [2.]])
    """
    y = triangular_solve(lu, _permute_rows(b, permutation), left_side=True, lower=True, unit_diagonal=True)
    return triangular_solve(lu, y, left_side=True, lower=False)


def permutation_sign(pivots: Any, dtype: Any) -> Any:
    """The determinant (+1 or -1, of ``dtype``) of the row permutation that ``lu``'s ``pivots`` describe.

    >>> permutation_sign(lu(np.array([[1.0, 2.0], [3.0, 4.0]]))[1], np.float64)
    array(-1.)
    """
    aval = core.get_aval(pivots)
    unmoved = _shape.broadcasted_iota(aval.dtype, aval.shape, aval.ndim - 1)
    swaps = _reduction.reduce_sum(_ew.convert_element_type(_ew.ne(pivots, unmoved), dtypes.int32), (aval.ndim - 1,))
    odd = _ew.convert_element_type(_ew.rem(swaps, 2), dtype)
    return _ew.sub(1.0, _ew.mul(odd, 2.0))


# --------------------------------------------------------------------------- lu_pivots_to_permutation

lu_pivots_to_permutation_p = Primitive("lu_pivots_to_permutation")


@lu_pivots_to_permutation_p.def_impl
def _lu_pivots_to_permutation_impl(pivots, *, permutation_size):
    if pivots.size and (pivots.min() < 0 or pivots.max() >= permutation_size):
        raise ValueError(f"lu_pivots_to_permutation: pivots must lie in [0, {permutation_size}), got {pivots.min()} to {pivots.max()}")
    return [_pivots_to_permutation(pivots, permutation_size)]


@lu_pivots_to_permutation_p.def_abstract_eval
def _lu_pivots_to_permutation_abstract_eval(pivots, *, permutation_size):
    if pivots.ndim < 1 or pivots.dtype.kind not in "iu":
        raise DTypeError(f"lu_pivots_to_permutation takes integer pivots (..., k), got {pivots.str_short()}")
    if permutation_size < pivots.shape[-1]:
        raise ShapeError(f"lu_pivots_to_permutation: permutation_size={permutation_size} is less than the {pivots.shape[-1]} pivots of {pivots.str_short()}")
    return [ShapedArray(pivots.shape[:-1] + (permutation_size,), dtypes.int32)]


def lu_pivots_to_permutation(pivots: Any, permutation_size: int) -> Any:
    """The permutation (int32, over ``permutation_size >= pivots.shape[-1]`` rows) that LAPACK's
    row swaps ``pivots`` apply (row ``i`` swapped with row ``pivots[i]``), over leading axes.

    >>> lu_pivots_to_permutation(np.array([2, 2, 2], np.int32), 4)
    array([2, 0, 1, 3], dtype=int32)
    """
    return lu_pivots_to_permutation_p.bind(pivots, permutation_size=int(permutation_size))


def _lu_pivots_to_permutation_batch(size, vals, dims, **params):
    (pivots,), (d,) = vals, dims
    if d == core.get_aval(pivots).ndim - 1:
        pivots, d = moveaxis(pivots, d, 0), 0
    return [lu_pivots_to_permutation_p.bind(pivots, **params)], [d]


batching_rules[lu_pivots_to_permutation_p] = _lu_pivots_to_permutation_batch
defzero(lu_pivots_to_permutation_p)  # integer indices: no derivative


@def_statement(lu_pivots_to_permutation_p, fresh=True)
def _lu_pivots_to_permutation(em, eqn, args, outs):
    pivots, out = eqn.inputs[0].aval, eqn.out_binders[0].aval
    em.allocate(eqn.out_binders[0])
    batch = math.prod(pivots.shape[:-1])
    em.emit(f"kernels_linalg.pivots_to_permutation({args[0]}.reshape({(batch, pivots.shape[-1])!r}), {outs[0]}.reshape({(batch, out.shape[-1])!r}))")


# --------------------------------------------------------------------------- det

det_p = Primitive("det")
det_p.def_impl(lambda a: [np.asarray(np.linalg.det(a))])


@det_p.def_abstract_eval
def _det_abstract_eval(a):
    _check_square("det", a)
    return [ShapedArray(a.shape[:-2], a.dtype)]


def det(a: Any) -> Any:
    """Determinants of a stack of square matrices (through LU with partial pivoting, as NumPy).

    Exactly singular matrices give 0, and the derivative is the cofactor matrix
    everywhere, singular matrices included. A functrans extension (JAX has no
    ``lax.linalg.det``); ``functrans.numpy.linalg.det`` is the public entry.

    >>> np.round(det(np.array([[1.0, 2.0], [3.0, 4.0]])), 6)
    np.float64(-2.0)
    """
    return det_p.bind(a)


def _broadcast_leading(x: Any, shape: tuple) -> Any:
    """``x`` of shape ``shape[:x.ndim]`` broadcast along the trailing axes of ``shape``."""
    return _shape.broadcast_in_dim(x, shape, tuple(range(core.get_aval(x).ndim)))


def _pick(x: Any, index: Any, axis: int) -> Any:
    """Column (``axis=-1``) or row (``axis=-2``) ``index[...]`` of each matrix of ``x``, keeping the axis."""
    aval = core.get_aval(x)
    shape = aval.shape[:-2] + ((1, aval.shape[-1]) if axis == -2 else (aval.shape[-2], 1))
    return _indexing.take_along_axis(x, _broadcast_leading(index, shape), aval.ndim + axis)


def _zero_pivot_chain(m: Any, is_zero: Any) -> Any:
    """``M[k1,k2] M[k2,k3] ... M[k(z-1),kz]`` over the zero pivots ``k1 < ... < kz`` (1 if z < 2)."""
    shape = core.get_aval(is_zero).shape
    axis, n = len(shape) - 1, shape[-1]
    position = _shape.broadcasted_iota(dtypes.int32, shape, axis)
    zero_positions = _ew.select_n(is_zero, _shape.full_like(position, n), position)
    # successor[k]: the first zero pivot after k (n if none).
    following = _reduction.cummin(zero_positions, axis, reverse=True)
    successor = _shape.concatenate([_shape.slice(following, (0,) * axis + (1,), shape), _shape.full(shape[:-1] + (1,), n, dtypes.int32)], axis)
    link = _indexing.take_along_axis(m, _shape.expand_dims(_ew.min(successor, n - 1), [axis + 1]), axis + 1)
    link = _shape.squeeze(link, [axis + 1])
    has_successor = _ew.bitwise_and(is_zero, _ew.lt(successor, n))
    return _reduction.reduce_prod(_ew.select_n(has_successor, _shape.full_like(link, 1.0), link), (axis,))


def _adjugate_upper(u: Any) -> Any:
    """``adj(U)`` of upper-triangular matrices, exact also when their diagonals have zeros.

    With ``Ut`` = U with each zero pivot replaced by 1, ``M = Ut^-1``, ``p`` the product of
    the nonzero pivots and ``k1 < ... < kz`` the zero pivots: ``adj(U) = p M`` if there is
    none, else ``p * M[k1,k2] ... M[k(z-1),kz] * M[:, k1] M[kz, :]`` (the limit of
    ``det(U) U^-1`` as the zero pivots go to 0, expanding ``U^-1`` over paths).
    """
    aval = core.get_aval(u)
    axis = aval.ndim - 2  # the pivots' axis
    pivots = _diagonal(u)
    is_zero = _ew.eq(pivots, 0.0)
    zero = _ew.convert_element_type(is_zero, aval.dtype)
    m = triangular_solve(_ew.add(u, _diagonal_matrix(zero)), _eye_like(u), left_side=True, lower=False)
    nonzero_product = _reduction.reduce_prod(_ew.select_n(is_zero, pivots, _shape.full_like(pivots, 1.0)), (axis,))
    first = _reduction.argmax(zero, axis, dtypes.int32)
    last = _ew.sub(aval.shape[-1] - 1, _reduction.argmax(_shape.rev(zero, (axis,)), axis, dtypes.int32))
    rank_one = _matmul(_pick(m, first, -1), _pick(m, last, -2))
    rank_one = _ew.mul(rank_one, _broadcast_leading(_zero_pivot_chain(m, is_zero), aval.shape))
    invertible = _broadcast_leading(_ew.eq(_reduction.reduce_sum(zero, (axis,)), 0.0), aval.shape)
    return _ew.mul(_ew.select_n(invertible, rank_one, m), _broadcast_leading(nonzero_product, aval.shape))


def _det_jvp(g, ans, a):
    # d det(A) = tr(adj(A) dA), and with P A = L U: adj(A) = sign(P) adj(U) L^-1 P.
    aval = core.get_aval(a)
    if aval.shape[-1] == 0:
        return _shape.full(aval.shape[:-2], 0, aval.dtype)
    lu, pivots, permutation = lu_p.bind(a)
    adj_u = _ew.mul(_adjugate_upper(_triangle(lu, lower=False)), _broadcast_leading(permutation_sign(pivots, aval.dtype), aval.shape))
    weights = triangular_solve(_unit_lower(lu), adj_u, left_side=False, lower=True, unit_diagonal=True)
    return _reduction.reduce_sum(_ew.mul(_mT(weights), _permute_rows(g, permutation)), _last_two_axes(g))


defjvp(det_p, _det_jvp)
_matrix_batcher(det_p)


@def_statement(det_p, fresh=True)
def _det(em, eqn, args, outs):
    a = eqn.inputs[0].aval
    em.allocate(eqn.out_binders[0])
    em.emit(f"kernels_linalg.det({args[0]}.reshape({_stack_view(a)!r}), {outs[0]}.reshape({(math.prod(a.shape[:-2]),)!r}))")


# --------------------------------------------------------------------------- shared by eigh, svd and qr


def _check_matrices(name: str, a: ShapedArray) -> tuple[int, int]:
    """The ``(m, n)`` of a stack of matrices ``(..., m, n)``."""
    if a.ndim < 2:
        raise ShapeError(f"{name} takes a matrix or a stack of matrices (..., m, n), got {a.str_short()}")
    _check_dtype(name, a)
    return a.shape[-2], a.shape[-1]


def _along_columns(v: Any, shape: tuple) -> Any:
    """``x[..., i, j] = v[..., j]``: vectors ``(..., k)`` broadcast down the rows of ``shape``."""
    nd = len(shape)
    return _shape.broadcast_in_dim(v, shape, tuple(range(nd - 2)) + (nd - 1,))


def _along_rows(v: Any, shape: tuple) -> Any:
    """``x[..., i, j] = v[..., i]``."""
    nd = len(shape)
    return _shape.broadcast_in_dim(v, shape, tuple(range(nd - 2)) + (nd - 2,))


def _inverse_differences(w: Any, shape: tuple, combine: Any, dtype: Any) -> Any:
    """``1 / combine(w[j], w[i])`` off the diagonal and 0 on it (where the difference is 0),
    of real ``w``, in ``dtype`` (the complex one of the matrices it scales)."""
    eye = _shape.broadcast_in_dim(_eye_like(_shape.full(shape[-2:], 0, core.get_aval(w).dtype)), shape, (len(shape) - 2, len(shape) - 1))
    f = _ew.sub(_ew.div(1.0, _ew.add(eye, combine(_along_columns(w, shape), _along_rows(w, shape)))), eye)
    return f if core.get_aval(f).dtype == dtype else _ew.convert_element_type(f, dtype)


def _as_dtype_of(x: Any, like: Any) -> Any:
    """Real ``x`` (eigenvalues, singular values) in ``like``'s dtype, complex or real."""
    dtype = core.get_aval(like).dtype
    return _ew.convert_element_type(x, dtype) if dtypes.is_complex(dtype) else x


def _columns(x: Any, start: int, stop: int) -> Any:
    """``x[..., start:stop]``: columns of matrices, or entries of vectors."""
    shape = core.get_aval(x).shape
    return _shape.slice(x, (0,) * len(shape[:-1]) + (start,), shape[:-1] + (stop,))


def _zero_tangents(outs: list) -> list:
    return [Zero(tangent_aval(core.get_aval(x))) for x in outs]


# --------------------------------------------------------------------------- eigh

eigh_p = Primitive("eigh", multiple_results=True)


@eigh_p.def_impl
def _eigh_impl(a):
    w, v = np.linalg.eigh(a, UPLO="L")
    return [v, w]


@eigh_p.def_abstract_eval
def _eigh_abstract_eval(a):
    _check_square("eigh", a)
    return [ShapedArray(a.shape, a.dtype), ShapedArray(a.shape[:-1], dtypes.real_dtype(a.dtype))]


def eigh(x: Any, *, lower: bool = True, symmetrize_input: bool = True, sort_eigenvalues: bool = True,
         subset_by_index: tuple[int, int] | None = None, implementation: Any = None) -> tuple[Any, Any]:
    """Eigenvectors ``v`` (columns) and ascending eigenvalues ``w`` (real) of symmetric (complex:
    Hermitian) matrices: ``x = v @ diag(w) @ v^H``. With ``symmetrize_input`` the decomposition
    is of ``(x + x^H) / 2``, else of the Hermitian matrix whose ``lower`` (or upper) triangle is
    ``x``'s. Eigenvalues are always sorted (LAPACK's order); ``subset_by_index=(lo, hi)``
    keeps eigenpairs ``lo`` to ``hi - 1``. Derivatives assume distinct eigenvalues.
    ``implementation`` is ``None`` or ``EighImplementation.QR`` (LAPACK's syevd); JAX's Jacobi and
    QDWH ones, which it has on GPUs and TPUs only, raise ``NotImplementedError``.

    >>> v, w = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    _check_square("eigh", core.get_aval(x))  # before symmetrize, whose error would not name eigh
    _check_algorithm("eigh", "implementation", implementation, EighImplementation, (EighImplementation.QR,))
    if symmetrize_input:
        x = symmetrize(x)
    elif not lower:
        x = _H(x)
    v, w = eigh_p.bind(x)
    if subset_by_index is not None:
        lo, hi = subset_by_index
        v, w = _columns(v, lo, hi), _columns(w, lo, hi)
    return v, w


def _eigh_jvp(primals, tangents):
    # Nondegenerate perturbation theory: with A = V W V^H and dA Hermitian,
    # dW = diag(V^H dA V) and dV = V (F * (V^H dA V)), F[i, j] = 1 / (w[j] - w[i]) off the
    # diagonal; F's zero diagonal is JAX's gauge: V^H dV has a zero diagonal.
    (a,), (da,) = primals, tangents
    v, w = outs = eigh_p.bind(a)
    if type(da) is Zero:
        return outs, _zero_tangents(outs)
    projected = _matmul(_matmul(_H(v), _reflect_lower(da)), v)
    f = _inverse_differences(w, core.get_aval(v).shape, _ew.sub, core.get_aval(v).dtype)
    dw = _diagonal(projected)
    return outs, [_matmul(v, _ew.mul(f, projected)), _ew.real(dw) if _is_complex(dw) else dw]


jvp_rules[eigh_p] = _eigh_jvp
_matrix_batcher(eigh_p)


@def_statement(eigh_p, fresh=True)
def _eigh(em, eqn, args, outs):
    view = _stack_view(eqn.inputs[0].aval)
    for out in eqn.out_binders:
        em.allocate(out)
    em.emit(f"kernels_linalg.eigh({args[0]}.reshape({view!r}), {outs[0]}.reshape({view!r}), {outs[1]}.reshape({view[:2]!r}))")


# --------------------------------------------------------------------------- svd

svd_p = Primitive("svd", multiple_results=True)


@svd_p.def_impl
def _svd_impl(a, *, full_matrices, compute_uv):
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    return [s, u, vt]


@svd_p.def_abstract_eval
def _svd_abstract_eval(a, *, full_matrices, compute_uv):
    m, n = _check_matrices("svd", a)
    k = min(m, n)
    batch = a.shape[:-2]
    s = ShapedArray(batch + (k,), dtypes.real_dtype(a.dtype))
    if not compute_uv:
        return [s]
    u_cols, vt_rows = (m, n) if full_matrices else (k, k)
    return [s, ShapedArray(batch + (m, u_cols), a.dtype), ShapedArray(batch + (vt_rows, n), a.dtype)]


def svd(x: Any, *, full_matrices: bool = True, compute_uv: bool = True,
        subset_by_index: tuple[int, int] | None = None, algorithm: Any = None) -> Any:
    """Singular value decomposition ``x = u @ diag(s) @ vh``, ``s`` descending (real, also for
    complex ``x``): ``(u, s, vh)`` as JAX's, or ``s`` alone if not ``compute_uv``. ``u`` is
    ``(..., m, m)`` and ``vh`` ``(..., n, n)`` if ``full_matrices``, else ``(..., m, k)`` and
    ``(..., k, n)``, ``k = min(m, n)``. Derivatives assume distinct nonzero singular values (and
    ``full_matrices=False`` for non-square ``x``, as JAX). ``algorithm`` is ``None`` or an
    ``SvdAlgorithm`` of LAPACK's (gesdd is used); Jacobi and polar raise ``NotImplementedError``,
    as JAX's on a CPU. ``subset_by_index`` may only name all the values, ``(0, k)``, as there.

    >>> np.round(svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False), 6)
    array([4., 3.])
    """
    _check_algorithm("svd", "algorithm", algorithm, SvdAlgorithm,
                     (SvdAlgorithm.DEFAULT, SvdAlgorithm.QR, SvdAlgorithm.DIVIDE_AND_CONQUER))
    shape = core.get_aval(x).shape
    if subset_by_index is not None and tuple(subset_by_index) != (0, min(shape[-2:], default=0)):
        raise NotImplementedError(f"svd: subset_by_index={subset_by_index} is not supported (nor on JAX's CPU); "
                                  "slice the full result")
    outs = svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    if not compute_uv:
        return outs[0]
    s, u, vh = outs
    return u, s, vh


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (a,), (da,) = primals, tangents
    outs = svd_p.bind(a, full_matrices=full_matrices, compute_uv=compute_uv)
    if type(da) is Zero:
        return outs, _zero_tangents(outs)
    m, n = core.get_aval(a).shape[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            f"svd: the derivative of full_matrices=True factors of a non-square {core.get_aval(a).str_short()} "
            "matrix is not implemented (nor in JAX); use full_matrices=False")
    s, u, vt = outs if compute_uv else svd_p.bind(a, full_matrices=False, compute_uv=True)
    v = _H(vt)
    ds_full = _matmul(_matmul(_H(u), da), v)
    ds = _ew.real(_diagonal(ds_full)) if _is_complex(ds_full) else _diagonal(ds_full)
    if not compute_uv:
        return outs, [ds]
    square = core.get_aval(ds_full).shape
    f = _inverse_differences(s, square, lambda sj, si: _ew.mul(_ew.add(sj, si), _ew.sub(sj, si)), core.get_aval(a).dtype)
    s_like = _as_dtype_of(s, a)
    ds_s = _ew.mul(_along_columns(s_like, square), ds_full)
    s_ds = _ew.mul(_along_rows(s_like, square), ds_full)
    du_inner = _ew.mul(f, _ew.add(ds_s, _H(ds_s)))
    if _is_complex(a):
        # JAX's phase gauge: (dS - dS^H) / 2 diag(1/s) (zero for real matrices), 1/0 taken as 0.
        zero = _ew.eq(s, 0.0)
        s_inv = _ew.select_n(zero, _ew.div(1.0, _ew.select_n(zero, s, _shape.full_like(s, 1.0))), _shape.zeros_like(s))
        phase = _ew.mul(_ew.sub(_diagonal(ds_full), _real_part(_diagonal(ds_full))), _as_dtype_of(s_inv, a))
        du_inner = _ew.add(du_inner, _diagonal_matrix(phase))
    du = _matmul(u, du_inner)
    dv = _matmul(v, _ew.mul(f, _ew.add(s_ds, _H(s_ds))))
    if m > n:
        da_v = _matmul(da, v)
        residual = _ew.sub(da_v, _matmul(u, _matmul(_H(u), da_v)))
        du = _ew.add(du, _ew.div(residual, _along_columns(s_like, core.get_aval(residual).shape)))
    if n > m:
        da_u = _matmul(_H(da), u)
        residual = _ew.sub(da_u, _matmul(v, _matmul(vt, da_u)))
        dv = _ew.add(dv, _ew.div(residual, _along_columns(s_like, core.get_aval(residual).shape)))
    return outs, [ds, du, _H(dv)]


jvp_rules[svd_p] = _svd_jvp
_matrix_batcher(svd_p)


@def_statement(svd_p, fresh=True)
def _svd(em, eqn, args, outs):
    a = eqn.inputs[0].aval
    view = _stack_view(a)
    for out in eqn.out_binders:
        em.allocate(out)
    s = f"{outs[0]}.reshape({(view[0], min(view[1:]))!r})"
    if not eqn.params["compute_uv"]:
        em.emit(f"kernels_linalg.svdvals({args[0]}.reshape({view!r}), {s})")
        return
    u, vt = (_stack_view(x.aval) for x in eqn.out_binders[1:])
    em.emit(f"kernels_linalg.svd({args[0]}.reshape({view!r}), {eqn.params['full_matrices']}, {s}, "
            f"{outs[1]}.reshape({u!r}), {outs[2]}.reshape({vt!r}))")


# --------------------------------------------------------------------------- qr

qr_p = Primitive("qr", multiple_results=True)


@qr_p.def_impl
def _qr_impl(a, *, full_matrices):
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q, r]


@qr_p.def_abstract_eval
def _qr_abstract_eval(a, *, full_matrices):
    m, n = _check_matrices("qr", a)
    k = m if full_matrices else min(m, n)
    return [ShapedArray(a.shape[:-2] + (m, k), a.dtype), ShapedArray(a.shape[:-2] + (k, n), a.dtype)]


def qr(x: Any, *, pivoting: bool = False, full_matrices: bool = True, use_magma: bool | None = None) -> tuple[Any, Any]:
    """QR decomposition ``x = q @ r`` (Householder, as LAPACK: ``r``'s diagonal may be negative):
    ``q`` ``(..., m, m)`` and ``r`` ``(..., m, n)`` if ``full_matrices``, else ``(..., m, k)`` and
    ``(..., k, n)``, ``k = min(m, n)``.

    >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(r, 6)
    array([[-5. , -2.2],
           [ 0. ,  0.4]])
    """
    if pivoting:
        raise NotImplementedError("qr: pivoting=True (LAPACK's geqp3) is not supported")
    return tuple(qr_p.bind(x, full_matrices=bool(full_matrices)))


def _thin_qr_jvp(q: Any, r: Any, dx: Any) -> tuple[Any, Any]:
    # Q^H dX R^-1 = Q^H dQ + dR R^-1: a skew-Hermitian part (from Q^H dQ, below the diagonal)
    # plus an upper-triangular part (from dR R^-1). For complex matrices the skew part also
    # takes the imaginary diagonal (LAPACK's R has a real diagonal), as JAX.
    dx_rinv = triangular_solve(r, dx, left_side=False, lower=False)
    projected = _matmul(_H(q), dx_rinv)
    below = _triangle(projected, lower=True, k=-1)
    skew = _ew.sub(below, _H(below))
    if _is_complex(projected):
        skew = _ew.add(skew, _diagonal_matrix(_ew.sub(_diagonal(projected), _real_part(_diagonal(projected)))))
    dq = _ew.add(_matmul(q, _ew.sub(skew, projected)), dx_rinv)
    dr = _matmul(_ew.sub(projected, skew), r)
    return dq, dr


def _qr_jvp(primals, tangents, *, full_matrices):
    (x,), (dx,) = primals, tangents
    q, r = outs = qr_p.bind(x, full_matrices=full_matrices)
    if type(dx) is Zero:
        return outs, _zero_tangents(outs)
    m, n = core.get_aval(x).shape[-2:]
    if m < n:
        # X = [X1 X2] = Q [R1 R2]: X1 = Q R1 is a square QR and R2 = Q^T X2.
        dq, dr1 = _thin_qr_jvp(q, _columns(r, 0, m), _columns(dx, 0, m))
        dr2 = _ew.add(_matmul(_H(dq), _columns(x, m, n)), _matmul(_H(q), _columns(dx, m, n)))
        return outs, [dq, _shape.concatenate([dr1, dr2], core.get_aval(x).ndim - 1)]
    if not full_matrices or m == n:
        return outs, list(_thin_qr_jvp(q, r, dx))
    if _is_complex(x):
        raise NotImplementedError(f"qr: the derivative of the complete factors of a tall complex {core.get_aval(x).str_short()} "
                                  "matrix is not implemented (nor in JAX); use full_matrices=False")
    # Complete factors of a tall matrix (Roberts and Roberts, arXiv:2409.13374, eqs. 32-33):
    # the last m - n columns of Q follow from the first n through Z = Q_pn (Q_nn - I)^-1.
    q_mn, q_mp = _columns(q, 0, n), _columns(q, n, m)
    dq_mn, dr_nn = _thin_qr_jvp(q_mn, _mT(_columns(_mT(r), 0, n)), dx)
    q_nn, q_pn = _mT(_columns(_mT(q_mn), 0, n)), _mT(_columns(_mT(q_mn), n, m))
    dq_nn, dq_pn = _mT(_columns(_mT(dq_mn), 0, n)), _mT(_columns(_mT(dq_mn), n, m))
    factors, _, permutation = lu_p.bind(_mT(_ew.sub(q_nn, _eye_like(q_nn))))
    z_t = lu_solve(factors, permutation, _mT(q_pn))
    z = _mT(z_t)
    dq_mp = _ew.sub(_matmul(dq_mn, z_t), _matmul(_ew.add(q_mn, _matmul(q_mp, z)), _mT(_ew.sub(dq_pn, _matmul(z, dq_nn)))))
    axis = core.get_aval(x).ndim - 1
    dr = _shape.concatenate([dr_nn, _shape.full(core.get_aval(dr_nn).shape[:-2] + (m - n, n), 0, core.get_aval(x).dtype)], axis - 1)
    return outs, [_shape.concatenate([dq_mn, dq_mp], axis), dr]


jvp_rules[qr_p] = _qr_jvp
_matrix_batcher(qr_p)


@def_statement(qr_p, fresh=True)
def _qr(em, eqn, args, outs):
    q, r = (_stack_view(x.aval) for x in eqn.out_binders)
    for out in eqn.out_binders:
        em.allocate(out)
    em.emit(f"kernels_linalg.qr({args[0]}.reshape({_stack_view(eqn.inputs[0].aval)!r}), {outs[0]}.reshape({q!r}), {outs[1]}.reshape({r!r}))")


# --------------------------------------------------------------------------- eig

eig_p = Primitive("eig", multiple_results=True)


def _scipy_eig(a: np.ndarray, left: bool, right: bool) -> tuple:
    import scipy.linalg  # only for left eigenvectors, which NumPy does not compute

    return scipy.linalg.eig(a, left=left, right=right, check_finite=False)


@eig_p.def_impl
def _eig_impl(a, *, compute_left_eigenvectors, compute_right_eigenvectors, enable_eigvec_derivs):
    dtype = dtypes.complex_dtype(a.dtype)
    if not compute_left_eigenvectors:
        w, vr = np.linalg.eig(a)
        return [w.astype(dtype)] + ([vr.astype(dtype)] if compute_right_eigenvectors else [])
    w, vl, vr = (np.empty(a.shape[:-1], dtype), np.empty(a.shape, dtype), np.empty(a.shape, dtype))
    for index in np.ndindex(*a.shape[:-2]):
        w[index], vl[index], vr[index] = _scipy_eig(a[index], True, True)
    return [w, vl] + ([vr] if compute_right_eigenvectors else [])


@eig_p.def_abstract_eval
def _eig_abstract_eval(a, *, compute_left_eigenvectors, compute_right_eigenvectors, enable_eigvec_derivs):
    _check_square("eig", a)
    dtype = dtypes.complex_dtype(a.dtype)
    vectors = [ShapedArray(a.shape, dtype)] * (compute_left_eigenvectors + compute_right_eigenvectors)
    return [ShapedArray(a.shape[:-1], dtype)] + vectors


def eig(x: Any, *, compute_left_eigenvectors: bool = True, compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False, implementation: Any = None, use_magma: bool | None = None) -> list:
    """Eigenvalues ``w`` of general square matrices and, if asked, their left and right
    eigenvectors (columns of unit norm whose largest component is real, as LAPACK's geev):
    ``[w, vl, vr]``, all complex (also for real ``x``). ``vl[:, j]^H x = w[j] vl[:, j]^H`` and
    ``x vr[:, j] = w[j] vr[:, j]``. Eigenvalues are differentiable; eigenvectors only with
    ``enable_eigvec_derivs`` (distinct eigenvalues assumed), as JAX. ``implementation`` is ``None``
    or ``EigImplementation.LAPACK`` (others raise ``ValueError``, as JAX's on a CPU); ``use_magma``,
    a GPU choice, is ignored.

    >>> eig(np.array([[0.0, 1.0], [-1.0, 0.0]]), compute_left_eigenvectors=False)[0]
    array([0.+1.j, 0.-1.j])
    """
    if implementation is not None and implementation != EigImplementation.LAPACK:
        raise ValueError(f"eig: implementation={implementation!r}; only EigImplementation.LAPACK is available on a CPU")
    return eig_p.bind(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                      compute_right_eigenvectors=bool(compute_right_eigenvectors),
                      enable_eigvec_derivs=bool(enable_eigvec_derivs))


def _eigenvector_jvp(w: Any, v: Any, da: Any) -> Any:
    # Nondegenerate perturbation theory: dv_j = u_j + c_j v_j, U = V (F * V^-1 dA V), with the
    # free c_j fixed by geev's normalisation (unit norm, largest component real), as JAX:
    # c_j = -Re(v_j^H u_j) - i Im(u_kj) / v_kj, k = argmax_i |v_ij|.
    factors, _, permutation = lu_p.bind(v)
    projected = lu_solve(factors, permutation, _matmul(da, v))
    shape = core.get_aval(v).shape
    u = _matmul(v, _ew.mul(_inverse_differences(w, shape, _ew.sub, core.get_aval(v).dtype), projected))
    rows = _along_rows(_shape.broadcasted_iota(dtypes.int32, shape[:-1], len(shape) - 2), shape)
    largest = _reduction.argmax(_ew.abs(v), len(shape) - 2, dtypes.int32)
    mask = _ew.convert_element_type(_ew.eq(rows, _along_columns(largest, shape)), core.get_aval(v).dtype)
    column_sum = lambda x: _reduction.reduce_sum(x, (len(shape) - 2,))
    c = _ew.complex(_ew.neg(_ew.real(column_sum(_ew.mul(_ew.conj(v), u)))),
                    _ew.neg(_ew.div(_ew.imag(column_sum(_ew.mul(mask, u))), _ew.real(column_sum(_ew.mul(mask, v))))))
    return _ew.add(u, _ew.mul(v, _along_columns(c, shape)))


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors, enable_eigvec_derivs):
    (a,), (da,) = primals, tangents
    vectors = compute_left_eigenvectors or compute_right_eigenvectors
    if vectors and not enable_eigvec_derivs:
        raise NotImplementedError("eig: derivatives of eigenvectors are only valid for distinct eigenvalues and "
                                  "eigenvectors without ties for their largest component, which cannot be checked: "
                                  "pass enable_eigvec_derivs=True to opt in (as in JAX)")
    outs = eig_p.bind(a, compute_left_eigenvectors=compute_left_eigenvectors, compute_right_eigenvectors=True,
                      enable_eigvec_derivs=enable_eigvec_derivs)
    w, vr = outs[0], outs[-1]
    results = outs if compute_right_eigenvectors else outs[:-1]
    if type(da) is Zero:
        return results, _zero_tangents(results)
    da = _as_dtype_of(da, vr)
    # dw = diag(V^-1 dA V).
    factors, _, permutation = lu_p.bind(vr)
    tangents_out = [_diagonal(lu_solve(factors, permutation, _matmul(da, vr)))]
    if compute_left_eigenvectors:
        tangents_out.append(_eigenvector_jvp(_ew.conj(w), outs[1], _H(da)))
    if compute_right_eigenvectors:
        tangents_out.append(_eigenvector_jvp(w, vr, da))
    return results, tangents_out


jvp_rules[eig_p] = _eig_jvp
_matrix_batcher(eig_p)


@def_statement(eig_p, fresh=True)
def _eig(em, eqn, args, outs):
    view = _stack_view(eqn.inputs[0].aval)
    for out in eqn.out_binders:
        em.allocate(out)
    dtype = f"np.{eqn.out_binders[0].aval.dtype.name}"
    vectors = iter(f"{out}.reshape({view!r})" for out in outs[1:])
    # An eigenvector output not asked for is an empty array (the kernel computes and drops it).
    vl = next(vectors) if eqn.params["compute_left_eigenvectors"] else f"np.empty((0, 0, 0), {dtype})"
    vr = next(vectors) if eqn.params["compute_right_eigenvectors"] else f"np.empty((0, 0, 0), {dtype})"
    em.emit(f"kernels_linalg.eig({args[0]}.reshape({view!r}), {outs[0]}.reshape({view[:2]!r}), {vl}, {vr})")


# --------------------------------------------------------------------------- schur

schur_p = Primitive("schur", multiple_results=True)


@schur_p.def_impl
def _schur_impl(a, *, compute_schur_vectors, sort_eig_vals, select_callable):
    # SciPy's schur: the same ?gees, without sorting, that compiled code calls (same results
    # to rounding; bit for bit where both libraries are the same build).
    import scipy.linalg

    t, z = np.empty_like(a), np.empty_like(a)
    for index in np.ndindex(*a.shape[:-2]):
        try:
            t[index], z[index] = scipy.linalg.schur(a[index], check_finite=False) if a.shape[-1] else (a[index], a[index])
        except np.linalg.LinAlgError:  # gees did not converge (info > 0): NaNs, as JAX
            t[index] = z[index] = np.nan
    return [t, z] if compute_schur_vectors else [t]


@schur_p.def_abstract_eval
def _schur_abstract_eval(a, *, compute_schur_vectors, sort_eig_vals, select_callable):
    _check_square("schur", a)
    if sort_eig_vals:
        raise NotImplementedError("schur: sort_eig_vals=True (the sort feature of LAPACK's gees) is not implemented, as in JAX")
    return [ShapedArray(a.shape, a.dtype)] * (2 if compute_schur_vectors else 1)


def schur(x: Any, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable: Any = None) -> Any:
    """The Schur decomposition ``x = q @ u @ q^H`` of square matrices ``(..., n, n)``, by
    LAPACK's gees: ``u`` upper triangular for complex ``x``, quasi upper triangular (2x2
    blocks for pairs of complex eigenvalues) for real ``x``, and ``q`` unitary. Returns
    ``(u, q)``, or ``u`` alone without ``compute_schur_vectors``. A matrix gees does not
    converge on gives NaNs. Not differentiable (nor in JAX). ``sort_eig_vals=True`` raises
    NotImplementedError as JAX's CPU lowering; ``select_callable`` is unused, as in JAX.

    >>> u, q = schur(np.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> u
    array([[1., 2.],
           [0., 3.]])
    """
    outs = schur_p.bind(x, compute_schur_vectors=bool(compute_schur_vectors), sort_eig_vals=bool(sort_eig_vals),
                        select_callable=select_callable)
    return tuple(outs) if compute_schur_vectors else outs[0]


def _schur_jvp(primals, tangents, **params):
    raise NotImplementedError("schur: the Schur decomposition is not differentiable (JAX has no rule either): "
                              "its factors are not unique and do not vary smoothly with the matrix")


jvp_rules[schur_p] = _schur_jvp
_matrix_batcher(schur_p)


@def_statement(schur_p, fresh=True)
def _schur(em, eqn, args, outs):
    view = _stack_view(eqn.inputs[0].aval)
    for out in eqn.out_binders:
        em.allocate(out)
    # Without vectors the kernel gets an empty z (gees's jobvs 'N').
    z = f"{outs[1]}.reshape({view!r})" if eqn.params["compute_schur_vectors"] else f"np.empty((0, 0, 0), np.{eqn.inputs[0].aval.dtype.name})"
    em.emit(f"kernels_linalg.schur({args[0]}.reshape({view!r}), {outs[0]}.reshape({view!r}), {z})")


# --------------------------------------------------------------------------- tridiagonal_solve


def tridiagonal_solve(dl: Any, d: Any, du: Any, b: Any, *, perturb_singular: bool = False) -> Any:
    """Solve tridiagonal systems ``A x = b`` by the Thomas algorithm (no pivoting): ``d`` is
    ``A``'s diagonal, ``dl`` its subdiagonal (``dl[..., 0]`` unused) and ``du`` its
    superdiagonal (``du[..., -1]`` unused), all ``(..., m)``; ``b`` is ``(..., m, n)``.
    Written as two scans, so it is differentiable and batchable like any functrans program.

    >>> tridiagonal_solve(np.array([0.0, 1.0]), np.array([2.0, 2.0]), np.array([1.0, 0.0]), np.array([[3.0], [3.0]]))
    array([[1.],
           [1.]])
    """
    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve: perturb_singular=True is not supported")
    avals = [core.get_aval(x) for x in (dl, d, du, b)]
    _check_dtype("tridiagonal_solve", *avals)
    if len({a.shape for a in avals[:3]}) > 1 or avals[3].ndim != avals[1].ndim + 1 or avals[3].shape[:-1] != avals[1].shape:
        raise ShapeError(f"tridiagonal_solve: dl, d and du must be (..., m) and b (..., m, n), got {', '.join(a.str_short() for a in avals)}")
    m = avals[1].shape[-1]
    if m == 0:
        return b
    # Scan over the rows: move the row axis of every operand to the front.
    rows_first = lambda x, axis: moveaxis(x, axis, 0)
    dl, d, du = (rows_first(x, avals[1].ndim - 1) for x in (dl, d, du))
    b = rows_first(b, avals[3].ndim - 2)
    column = lambda v: _shape.broadcast_in_dim(v, core.get_aval(v).shape + avals[3].shape[-1:], tuple(range(core.get_aval(v).ndim)))

    def eliminate(carry, row):
        c_prev, b_prev = carry
        lower, diag, upper, rhs = row
        pivot = _ew.sub(diag, _ew.mul(lower, c_prev))
        c = _ew.div(upper, pivot)
        b_new = _ew.div(_ew.sub(rhs, _ew.mul(column(lower), b_prev)), column(pivot))
        return (c, b_new), (c, b_new)

    def substitute(x_next, row):
        c, b_new = row
        x = _ew.sub(b_new, _ew.mul(column(c), x_next))
        return x, x

    zero_b = _shape.zeros_like(b[0])
    _, (c, b_new) = scan(eliminate, (_shape.zeros_like(d[0]), zero_b), (dl, d, du, b))
    _, x = scan(substitute, zero_b, (c, b_new), reverse=True)
    return moveaxis(x, 0, avals[3].ndim - 2)
