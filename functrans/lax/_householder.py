"""Householder forms and the rest of ``jax.lax.linalg``, written with lax operations.

``geqrf``, ``householder_product``, ``ormqr``, ``hessenberg`` and ``tridiagonal`` keep
orthogonal (unitary) factors as LAPACK does: a sequence of reflectors
``H = I - tau v v^H`` (``v[p] = 1`` at its pivot row ``p``, zeros above), the vectors below the
pivots of a matrix and the ``tau`` in a vector. Each reflector is built as LAPACK's ?larfg builds
it (``beta = -sign(Re alpha) |[alpha; x]|``, ``tau = (beta - alpha) / beta``, no reflection if
``x`` is zero and ``alpha`` real), so the results are LAPACK's ?geqrf, ?orgqr/?ungqr,
?ormqr/?unmqr, ?gehrd and ?sytrd/?hetrd to rounding (LAPACK's blocked variants sum in other
orders).

Each is one ``fori_loop`` over the reflectors, whose body works on whole masked matrices (the
column of step ``j`` is a dynamic slice): a program holds one loop body whatever the size, and
the cost is LAPACK's unblocked one, ``O(m n)`` per reflector. Being lax code they batch over
leading axes, vmap, jit and differentiate. JAX defines no derivatives for these functions (nor for
``cholesky_update`` and ``symmetric_product``); ours are those of the computation, correct where
the result is differentiable: not where a reflector degenerates (a column already zero below its
pivot), at which the factors jump.

``qdwh`` (QR-based dynamically weighted Halley iteration for the polar decomposition) is JAX's
algorithm, ``cholesky_update`` a sweep of Givens rotations, ``symmetric_product``
``alpha a a^T + beta c``.
"""
from __future__ import annotations

__all__ = [
    "cholesky_update",
    "hessenberg",
    "householder_product",
    "ormqr",
    "qdwh",
    "symmetric_product",
    "tridiagonal",
]

import operator
from typing import Any

import numpy as np

from .. import core, dtypes
from ..errors import DTypeError, ShapeError
from . import elementwise as _ew
from . import indexing as _indexing
from . import reduction as _reduction
from . import shape as _shape
from ._linalg import (
    _H, _check_dtype, _check_matrices, _check_square, _conj, _diagonal, _diagonal_matrix, _eye_like, _is_complex, _matmul, _mT,
    _reflect_lower, _triangle, cholesky, qr, symmetrize, triangular_solve,
)
from .control_flow import fori_loop, scan, while_loop
from .dot import dot_general
from .floating import signbit


# --------------------------------------------------------------------------- helpers on stacks of vectors and matrices


def _aval(x: Any) -> core.ShapedArray:
    return core.get_aval(x)


def _broadcast(x: Any, shape: tuple, dims: tuple) -> Any:
    return _shape.broadcast_in_dim(x, shape, dims)


def _leading(x: Any, shape: tuple) -> Any:
    """``x`` ``(...,)`` (one value per matrix of a stack) broadcast over the trailing axes of ``shape``."""
    return _broadcast(x, shape, tuple(range(_aval(x).ndim)))


def _take(x: Any, i: Any, axis: int = -1) -> Any:
    """``x[..., i]`` along ``axis`` (the last by default) for a traced ``i``: that axis removed."""
    shape = _aval(x).shape
    axis %= len(shape)
    starts = [0] * len(shape)
    starts[axis] = i
    sizes = shape[:axis] + (1,) + shape[axis + 1 :]
    return _shape.reshape(_indexing.dynamic_slice(x, starts, sizes), shape[:axis] + shape[axis + 1 :])


def _put(x: Any, i: Any, value: Any, axis: int = -1) -> Any:
    """``x`` with ``x[..., i]`` along ``axis`` replaced by ``value`` (``x``'s shape without that axis)."""
    shape = _aval(x).shape
    axis %= len(shape)
    starts = [0] * len(shape)
    starts[axis] = i
    return _indexing.dynamic_update_slice(x, _shape.reshape(value, shape[:axis] + (1,) + shape[axis + 1 :]), starts)


def _positions(shape: tuple, i: Any, compare: Any) -> Any:
    """``compare(index, i)`` for the index along the last axis of every entry of an array of ``shape``."""
    return compare(_shape.broadcasted_iota(np.int64, shape, len(shape) - 1), _broadcast(i, shape, ()))


def _where(pred: Any, on_true: Any, on_false: Any) -> Any:
    return _ew.select_n(pred, on_false, on_true)


def _scale(s: Any, v: Any) -> Any:
    """``s[..., None] * v``: each vector (or matrix) of a stack times its own scalar."""
    return _ew.mul(_leading(s, _aval(v).shape), v)


def _outer(u: Any, w: Any) -> Any:
    """``u[..., :, None] * w[..., None, :]``."""
    nb = _aval(u).ndim - 1
    shape = _aval(u).shape + _aval(w).shape[-1:]
    batch = tuple(range(nb))
    return _ew.mul(_broadcast(u, shape, batch + (nb,)), _broadcast(w, shape, batch + (nb + 1,)))


def _vector_matrix(v: Any, a: Any) -> Any:
    """``v @ a`` for stacks: ``(..., m)`` by ``(..., m, n)`` -> ``(..., n)``."""
    nb = _aval(v).ndim - 1
    batch = tuple(range(nb))
    return dot_general(v, a, (((nb,), (nb,)), (batch, batch)))


def _matrix_vector(a: Any, v: Any) -> Any:
    """``a @ v`` for stacks: ``(..., m, n)`` by ``(..., n)`` -> ``(..., m)``."""
    nb = _aval(v).ndim - 1
    batch = tuple(range(nb))
    return dot_general(a, v, (((nb + 1,), (nb,)), (batch, batch)))


def _dot(u: Any, v: Any) -> Any:
    """``sum(u * v)`` over the last axis, for stacks of vectors."""
    return _reduction.reduce_sum(_ew.mul(u, v), (_aval(u).ndim - 1,))


def _real_parts(x: Any) -> list:
    """The real and imaginary parts of complex ``x``; ``[x]`` for real ``x``."""
    return [_ew.real(x), _ew.imag(x)] if _is_complex(x) else [x]


def _max_abs(parts: list) -> Any:
    """The elementwise largest of the absolute values of ``parts``."""
    out = _ew.abs(parts[0])
    for p in parts[1:]:
        out = _ew.max(out, _ew.abs(p))
    return out


def _as_complex(x: Any, like: Any) -> Any:
    """Real ``x`` in ``like``'s dtype (complex or real)."""
    dtype = _aval(like).dtype
    return _ew.convert_element_type(x, dtype) if _aval(x).dtype != dtype else x


def _check_batch(name: str, *avals: core.ShapedArray, ranks: tuple) -> tuple:
    """The common batch shape of operands of the given core ranks (matrices 2, vectors 1)."""
    batches = [a.shape[: a.ndim - r] for a, r in zip(avals, ranks)]
    for a, r in zip(avals, ranks):
        if a.ndim < r:
            raise ShapeError(f"{name}: an operand of rank at least {r} was expected, got {a.str_short()}")
    if len(set(batches)) > 1:
        raise ShapeError(f"{name}: the operands must share their leading (batch) shape, got "
                         f"{', '.join(a.str_short() for a in avals)}")
    return batches[0]


# --------------------------------------------------------------------------- Householder reflectors (LAPACK's ?larfg)


def _larfg(alpha: Any, tail: Any) -> tuple[Any, Any, Any]:
    """The reflector taking ``[alpha; tail]`` to ``[beta; 0]`` (``H^H [alpha; tail] = [beta; 0]``):
    ``(beta, tau, factor)``, ``v = [1; tail * factor]``. Stacks: ``alpha`` ``(...,)``, ``tail``
    ``(..., m)`` (zeros where it is not part of the vector)."""
    last = (_aval(tail).ndim - 1,)
    # The norm is scaled by the largest part (as ?nrm2 scales) so that it neither overflows nor
    # underflows; the largest of |re| and |im| serves (no complex abs: no sqrt per entry).
    tail_parts, alpha_parts = _real_parts(tail), _real_parts(alpha)
    tail_max = _reduction.reduce_max(_max_abs(tail_parts), last)
    scale = _ew.max(tail_max, _max_abs(alpha_parts))
    zero = _ew.eq(scale, 0.0)
    safe_scale = _where(zero, _shape.full_like(scale, 1.0), scale)
    squares = [_reduction.reduce_sum(_ew.square(_ew.div(p, _leading(safe_scale, _aval(p).shape))), last) for p in tail_parts]
    squares += [_ew.square(_ew.div(p, safe_scale)) for p in alpha_parts]
    total = squares[0]
    for s in squares[1:]:
        total = _ew.add(total, s)
    # sqrt's derivative at 0 is infinite: a zero vector (degenerate, unused) takes sqrt(1).
    norm = _ew.mul(safe_scale, _ew.sqrt(_where(zero, _shape.full_like(total, 1.0), total)))
    degenerate = _ew.eq(tail_max, 0.0)
    if _is_complex(alpha):
        degenerate = _ew.bitwise_and(degenerate, _ew.eq(_ew.imag(alpha), 0.0))
    # Fortran's SIGN(norm, Re alpha): -norm unless the sign bit of Re alpha is set.
    beta = _as_complex(_where(signbit(alpha_parts[0]), norm, _ew.neg(norm)), alpha)
    one = _shape.full_like(alpha, 1.0)
    tau = _ew.div(_ew.sub(beta, alpha), _where(degenerate, one, beta))
    factor = _ew.div(one, _where(degenerate, one, _ew.sub(alpha, beta)))
    zeros = _shape.zeros_like(alpha)
    return _where(degenerate, alpha, beta), _where(degenerate, zeros, tau), _where(degenerate, one, factor)


def _householder_column(column: Any, p: Any) -> tuple[Any, Any, Any]:
    """The reflector annihilating ``column`` (a stack ``(..., m)``) below its pivot row ``p``:
    ``(v, stored, tau)``: ``v`` is 1 at ``p`` and 0 above; ``stored`` is the column as LAPACK leaves
    it (its entries above ``p``, ``beta`` at ``p``, ``v`` below)."""
    below = _positions(_aval(column).shape, p, _ew.gt)
    at = _positions(_aval(column).shape, p, _ew.eq)
    tail = _where(below, column, _shape.zeros_like(column))
    beta, tau, factor = _larfg(_take(column, p), tail)
    v_tail = _scale(factor, tail)
    v = _where(at, _shape.full_like(column, 1.0), v_tail)
    stored = _where(at, _leading(beta, _aval(column).shape), _where(below, v_tail, column))
    return v, stored, tau


def _reflect_left(c: Any, v: Any, tau: Any, columns: Any = None) -> Any:
    """``H c = c - tau v (v^H c)`` for stacks, changing only the ``columns`` (a mask) if given."""
    w = _scale(tau, _vector_matrix(_conj(v), c))
    if columns is not None:
        w = _where(columns, w, _shape.zeros_like(w))
    return _ew.sub(c, _outer(v, w))


def _reflect_right(c: Any, v: Any, tau: Any) -> Any:
    """``c H = c - (c v) tau v^H`` for stacks."""
    return _ew.sub(c, _outer(_matrix_vector(c, v), _scale(tau, _conj(v))))


def _reflectors(a: Any, k: int) -> Any:
    """The first ``k`` Householder vectors of ``a`` as columns ``(..., m, k)``: ``a``'s entries below the
    diagonal, a unit diagonal, zeros above."""
    vectors = _triangle(_shape.slice(a, (0,) * _aval(a).ndim, _aval(a).shape[:-1] + (k,)), lower=True, k=-1)
    return _ew.add(vectors, _eye_like(vectors))


def _loop(count: int, step: Any, init: Any) -> Any:
    """``fori_loop(0, count, step, init)``; no loop at all for none (its body, traced anyway,
    could not index the empty arrays it would get)."""
    return fori_loop(0, count, step, init) if count else init


def _index_from_end(k: int, t: Any) -> Any:
    """``k - 1 - t``: the reflectors applied last to first."""
    return _ew.sub(k - 1, t)


# --------------------------------------------------------------------------- geqrf, householder_product, ormqr


def geqrf(a: Any) -> tuple[Any, Any]:
    """The QR decomposition of a stack ``(..., m, n)`` in LAPACK's ?geqrf form: ``(a, taus)``, ``r``
    in the upper triangle of ``a``, the Householder vectors of ``q = H_0 ... H_{k-1}`` below its
    diagonal and their ``taus`` ``(..., k)``, ``k = min(m, n)``. (As JAX's, not a public name of
    ``lax.linalg``; ``numpy.linalg.qr(a, mode="raw")`` returns it transposed.)

    >>> r, taus = geqrf(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(r, 6)
    array([[-5. , -2.2],
           [ 0.5,  0.4]])
    >>> np.round(taus, 6)
    array([1.6, 0. ])
    """
    aval = _aval(a)
    m, n = _check_matrices("geqrf", aval)
    k = min(m, n)
    taus = _shape.full(aval.shape[:-2] + (k,), 0, aval.dtype)
    row_shape = aval.shape[:-2] + (n,)

    def step(j, carry):
        a, taus = carry
        v, stored, tau = _householder_column(_take(a, j), j)
        a = _reflect_left(a, v, _conj(tau), _positions(row_shape, j, _ew.gt))
        return _put(a, j, stored), _put(taus, j, tau)

    return _loop(k, step, (a, taus))


def _check_householder(name: str, a: core.ShapedArray, taus: core.ShapedArray) -> tuple[int, int, int]:
    m, n = _check_matrices(name, a)
    _check_dtype(name, a, taus)
    _check_batch(name, a, taus, ranks=(2, 1))
    k = taus.shape[-1]
    if k > min(m, n):
        raise ShapeError(f"{name}: taus {taus.str_short()} has more reflectors than min(m, n) = {min(m, n)} of a "
                         f"{a.str_short()}")
    return m, n, k


def householder_product(a: Any, taus: Any) -> Any:
    """The first ``n`` columns of ``Q = H_0 H_1 ... H_{k-1}``, the product of the Householder
    reflectors ``H_i = I - taus[i] v_i v_i^H`` whose vectors ``v_i`` are below the diagonal of
    column ``i`` of ``a`` (``(..., m, n)``, ``m >= n``; unit diagonal): LAPACK's ?orgqr/?ungqr.
    ``taus`` is ``(..., k)``, ``k <= n``; the columns past ``k`` of ``a`` are not read.

    >>> r, taus = geqrf(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.round(householder_product(r, taus), 6)
    array([[-0.6, -0.8],
           [-0.8,  0.6]])
    """
    a_aval, taus_aval = _aval(a), _aval(taus)
    m, n, k = _check_householder("householder_product", a_aval, taus_aval)
    if m < n:
        raise ShapeError(f"householder_product: a must have at least as many rows as columns, got {a_aval.str_short()}")
    vectors = _reflectors(a, k)
    q = _eye_like(_shape.full(a_aval.shape, 0, a_aval.dtype))

    def step(t, q):
        i = _index_from_end(k, t)
        return _reflect_left(q, _take(vectors, i), _take(taus, i))

    return _loop(k, step, q)


def ormqr(a: Any, taus: Any, c: Any, *, left: bool = True, transpose: bool = False) -> Any:
    """``Q @ c`` (``left``) or ``c @ Q`` without forming ``Q = H_0 ... H_{k-1}`` (the reflectors of
    ``a`` and ``taus`` as in ``householder_product``; ``Q`` is ``m`` by ``m``): LAPACK's
    ?ormqr/?unmqr. ``transpose`` uses ``Q^T`` (``Q^H`` for complex matrices). ``c`` is
    ``(..., m, p)`` if ``left``, else ``(..., p, m)``.

    >>> a = np.array([[3.0, 1.0], [4.0, 2.0]])
    >>> r, taus = geqrf(a)
    >>> np.round(ormqr(r, taus, np.triu(r), left=True), 6)  # Q @ R = a
    array([[3., 1.],
           [4., 2.]])
    """
    a_aval, taus_aval, c_aval = _aval(a), _aval(taus), _aval(c)
    m, _, k = _check_householder("ormqr", a_aval, taus_aval)
    _check_dtype("ormqr", a_aval, c_aval)
    _check_batch("ormqr", a_aval, c_aval, ranks=(2, 2))
    axis = -2 if left else -1
    if c_aval.shape[axis] != m:
        side = "rows" if left else "columns"
        raise ShapeError(f"ormqr with left={left}: c must have as many {side} as a has rows ({m}), got "
                         f"a {a_aval.str_short()} and c {c_aval.str_short()}")
    vectors = _reflectors(a, k)
    if transpose:
        taus = _conj(taus)
    # Q c and c Q^H apply H_{k-1} first; Q^H c and c Q apply H_0 first.
    last_first = left != transpose

    def step(t, c):
        i = _index_from_end(k, t) if last_first else t
        v, tau = _take(vectors, i), _take(taus, i)
        return _reflect_left(c, v, tau) if left else _reflect_right(c, v, tau)

    return _loop(k, step, c)


# --------------------------------------------------------------------------- hessenberg, tridiagonal


def hessenberg(a: Any) -> tuple[Any, Any]:
    """Reduce square matrices ``(..., n, n)`` to upper Hessenberg form ``Q^H a Q`` in LAPACK's ?gehrd
    form: ``(a, taus)``, the Hessenberg matrix in the upper triangle and first subdiagonal of ``a``,
    the Householder vectors of ``Q = H_0 ... H_{n-2}`` below (``v_i`` in column ``i`` from row
    ``i + 2``, its unit at row ``i + 1``) and their ``taus`` ``(..., n - 1)``. ``Q`` is
    ``householder_product(a[..., 1:, :-1], taus)`` bordered by a leading 1.

    >>> h, taus = hessenberg(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]))
    >>> np.round(h, 4)
    array([[ 1.    , -3.597 , -0.2481],
           [-8.0623, 14.8   ,  2.4   ],
           [ 0.5803,  0.4   ,  0.2   ]])
    >>> np.round(taus, 4)
    array([1.4961, 0.    ])
    """
    aval = _aval(a)
    n = _check_square("hessenberg", aval)
    taus = _shape.full(aval.shape[:-2] + (max(n - 1, 0),), 0, aval.dtype)
    row_shape = aval.shape[:-1]

    def step(i, carry):
        a, taus = carry
        # Column i is left alone by both products: v is zero in rows (columns) 0..i.
        v, stored, tau = _householder_column(_take(a, i), _ew.add(i, 1))
        a = _reflect_right(a, v, tau)
        a = _reflect_left(a, v, _conj(tau), _positions(row_shape, i, _ew.gt))
        return _put(a, i, stored), _put(taus, i, tau)

    return _loop(max(n - 1, 0), step, (a, taus))


def _tridiagonal_lower(a: Any) -> tuple[Any, Any, Any, Any]:
    """``tridiagonal(a, lower=True)``: LAPACK's ?sytd2/?hetd2 on the Hermitian matrix that ``a``'s
    lower triangle gives, kept whole (both triangles) while it is reduced."""
    aval = _aval(a)
    n = aval.shape[-1]
    real_dtype = dtypes.real_dtype(aval.dtype)
    taus = _shape.full(aval.shape[:-2] + (n - 1,), 0, aval.dtype)
    row_shape = aval.shape[:-1]

    def step(i, carry):
        h, taus = carry
        v, stored, tau = _householder_column(_take(h, i), _ew.add(i, 1))
        # The two-sided update H^H h H of the trailing block, as a rank-2 update:
        # x = tau h v, w = x - tau (x^H v) v / 2, h - v w^H - w v^H.
        x = _scale(tau, _matrix_vector(h, v))
        x = _where(_positions(row_shape, i, _ew.gt), x, _shape.zeros_like(x))
        w = _ew.add(x, _scale(_ew.mul(_ew.mul(tau, -0.5), _dot(_conj(x), v)), v))
        h = _ew.sub(_ew.sub(h, _outer(v, _conj(w))), _outer(w, _conj(v)))
        return _put(h, i, stored), _put(taus, i, tau)

    h, taus = _loop(n - 1, step, (_reflect_lower(a), taus))
    d = _diagonal(h)
    nd = aval.ndim
    sub = _shape.slice(h, (0,) * (nd - 2) + (1, 0), aval.shape[:-2] + (n, n - 1))
    e = _diagonal(sub)
    if _is_complex(a):
        # LAPACK keeps a Hermitian matrix's diagonal real; rounding may leave a trace of imaginary part.
        d, e = _ew.real(d), _ew.real(e)
        h = _ew.add(_triangle(h, lower=True, k=-1), _diagonal_matrix(_as_complex(d, h)))
    else:
        h = _triangle(h, lower=True)
    # The strict upper triangle is not read, and is returned as it came.
    arr = _ew.add(h, _triangle(a, lower=False, k=1))
    return arr, _ew.convert_element_type(d, real_dtype), _ew.convert_element_type(e, real_dtype), taus


def tridiagonal(a: Any, *, lower: bool = True) -> tuple[Any, Any, Any, Any]:
    """Reduce symmetric (complex: Hermitian) matrices ``(..., n, n)`` to tridiagonal form
    ``T = Q^H a Q`` in LAPACK's ?sytrd/?hetrd form, reading only the ``lower`` (or upper) triangle
    of ``a``: ``(arr, d, e, taus)``, ``d`` ``(..., n)`` and ``e`` ``(..., n - 1)`` the (real) diagonal
    and off-diagonal of ``T``. With ``lower``, ``arr`` has them on its diagonal and subdiagonal and
    the Householder vectors of ``Q = H_0 ... H_{n-2}`` below (as ``hessenberg``); otherwise on its
    diagonal and superdiagonal, the vectors above and ``Q = H_{n-2} ... H_0``, ``v_i`` in column
    ``i + 1`` with its unit at row ``i``. The other triangle of ``arr`` is ``a``'s.

    >>> arr, d, e, taus = tridiagonal(np.array([[2.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 1.0, 2.0]]))
    >>> np.round(d, 6), np.round(e, 6) + 0.0
    (array([2., 3., 1.]), array([-1.414214,  0.      ]))
    """
    aval = _aval(a)
    n = _check_square("tridiagonal", aval)
    if n == 0:
        raise ShapeError(f"tridiagonal takes non-empty square matrices (..., n, n), got {aval.str_short()}")
    if lower:
        return _tridiagonal_lower(a)
    # The upper form is the lower one of the matrix with its rows and columns reversed.
    flip = lambda x, k: _shape.rev(x, tuple(range(_aval(x).ndim - k, _aval(x).ndim)))
    arr, d, e, taus = _tridiagonal_lower(flip(a, 2))
    return flip(arr, 2), flip(d, 1), flip(e, 1), flip(taus, 1)


# --------------------------------------------------------------------------- cholesky_update, symmetric_product


def _check_real(name: str, *avals: core.ShapedArray) -> None:
    for aval in avals:
        if aval.dtype not in (dtypes.float32, dtypes.float64):
            raise DTypeError(f"{name} takes float32 or float64 operands (as JAX: not complex ones), got {aval.str_short()}")
    _check_dtype(name, *avals)


def _givens(x: Any, y: Any) -> tuple[Any, Any]:
    """``(c, s)`` with ``c x - s y = hypot(x, y)`` and ``s x + c y = 0``, as JAX's rotation for
    ``cholesky_update``: no rotation (1, 0) when ``y`` is 0 and ``x`` is not positive (for positive
    ``x`` the formula gives the same rotation, and its derivative in ``y``)."""
    identity = _ew.bitwise_and(_ew.eq(y, 0.0), _ew.le(x, 0.0))
    largest = _ew.max(_ew.abs(x), _ew.abs(y))
    largest = _where(identity, _shape.full_like(largest, 1.0), largest)
    x, y = _ew.div(x, largest), _ew.div(y, largest)
    r_inverse = _ew.rsqrt(_where(identity, _shape.full_like(x, 1.0), _ew.add(_ew.square(x), _ew.square(y))))
    c = _where(identity, _shape.full_like(x, 1.0), _ew.mul(x, r_inverse))
    s = _where(identity, _shape.zeros_like(y), _ew.neg(_ew.mul(y, r_inverse)))
    return c, s


def cholesky_update(r_matrix: Any, w_vector: Any) -> Any:
    """The upper Cholesky factor of ``r^T r + w w^T`` from the upper factor ``r`` ``(n, n)`` of
    ``r^T r`` and the vector ``w`` ``(n,)``, in ``O(n^2)`` by ``n`` Givens rotations (as JAX; real
    matrices, unbatched: ``vmap`` batches).

    >>> cholesky_update(np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0.0, 1.0]))
    array([[2.        , 1.        ],
           [0.        , 1.41421356]])
    """
    r_aval, w_aval = _aval(r_matrix), _aval(w_vector)
    if r_aval.ndim != 2 or w_aval.ndim != 1:
        raise ShapeError(f"cholesky_update takes a matrix (n, n) and a vector (n,) (as JAX: no batch axes; vmap "
                         f"batches), got {r_aval.str_short()} and {w_aval.str_short()}")
    n = r_aval.shape[0]
    if r_aval.shape != (n, n) or w_aval.shape != (n,):
        raise ShapeError(f"cholesky_update takes a square matrix (n, n) and a vector (n,) of its size, got "
                         f"{r_aval.str_short()} and {w_aval.str_short()}")
    _check_real("cholesky_update", r_aval, w_aval)

    def step(k, carry):
        r, z = carry
        row = _take(r, k, axis=0)
        c, s = _givens(_take(row, k), _take(z, k))
        rotated = _ew.sub(_scale(c, row), _scale(s, z))
        z = _ew.add(_scale(c, z), _scale(s, row))
        return _put(r, k, rotated, axis=0), z

    return _loop(n, step, (r_matrix, w_vector))[0]


def symmetric_product(a_matrix: Any, c_matrix: Any, *, alpha: float = 1.0, beta: float = 0.0,
                      symmetrize_output: bool = False) -> Any:
    """``alpha a a^T + beta c`` for real ``a`` ``(..., m, k)`` and symmetric ``c`` ``(..., m, m)``
    (``alpha`` and ``beta`` Python numbers, as JAX's static parameters). JAX guarantees only the
    lower triangle (a GPU routine fills no other); here the whole product is computed, and
    ``symmetrize_output`` makes the upper triangle the transpose of the lower one.

    >>> symmetric_product(np.array([[1.0, 2.0], [3.0, 4.0]]), np.eye(2), alpha=1.0, beta=2.0)
    array([[ 7., 11.],
           [11., 27.]])
    """
    a_aval, c_aval = _aval(a_matrix), _aval(c_matrix)
    _check_batch("symmetric_product", a_aval, c_aval, ranks=(2, 2))
    _check_real("symmetric_product", a_aval, c_aval)
    m = a_aval.shape[-2]
    if c_aval.shape[-2:] != (m, m):
        raise ShapeError(f"symmetric_product takes a (..., m, k) and c (..., m, m), got a {a_aval.str_short()} and "
                         f"c {c_aval.str_short()}")
    alpha, beta = float(alpha), float(beta)
    out = _ew.add(_ew.mul(_matmul(a_matrix, _mT(a_matrix)), alpha), _ew.mul(c_matrix, beta))
    if symmetrize_output:
        out = _ew.add(_triangle(out, lower=True), _mT(_triangle(out, lower=True, k=-1)))
    return out


# --------------------------------------------------------------------------- qdwh


def _masked(x: Any, m: Any, n: Any, fill: Any = None) -> Any:
    """``x`` (a matrix) with its entries outside the leading ``m`` rows and ``n`` columns (static or
    traced sizes) replaced by those of ``fill`` (zeros by default)."""
    shape = _aval(x).shape
    inside = _ew.bitwise_and(
        _ew.lt(_shape.broadcasted_iota(np.int64, shape, 0), _broadcast(_ew.convert_element_type(m, np.int64), shape, ())),
        _ew.lt(_shape.broadcasted_iota(np.int64, shape, 1), _broadcast(_ew.convert_element_type(n, np.int64), shape, ())))
    return _where(inside, x, _shape.zeros_like(x) if fill is None else fill)


def _frobenius_squared(x: Any) -> Any:
    total = None
    for part in _real_parts(x):
        s = _reduction.reduce_sum(_ew.square(part), tuple(range(_aval(part).ndim)))
        total = s if total is None else _ew.add(total, s)
    return total


def _qdwh_qr_step(u: Any, m: Any, n: Any, params: tuple) -> Any:
    """One QDWH step by a QR decomposition of ``[sqrt(c) u; I]`` (``u`` padded from ``m`` by ``n``)."""
    scaled_difference, sqrt_c, e = params
    rows, cols = _aval(u).shape
    identity = _eye_like(_shape.full((cols, cols), 0, _aval(u).dtype))
    stacked = _shape.pad(_scale(sqrt_c, u), _ew.convert_element_type(0, _aval(u).dtype), [(0, cols, 0), (0, 0, 0)])
    stacked = _indexing.dynamic_update_slice(stacked, identity, [m, 0])
    q, _ = qr(stacked, full_matrices=False)
    q1 = _masked(_shape.slice(q, (0, 0), (rows, cols)), m, n)
    q2 = _masked(_indexing.dynamic_slice(q, [m, 0], [cols, cols]), n, n)
    return _ew.add(_scale(e, u), _scale(scaled_difference, _matmul(q1, _H(q2))))


def _qdwh_cholesky_step(u: Any, m: Any, n: Any, params: tuple) -> Any:
    """One QDWH step ``e u + (a - e) u (c u^H u + I)^-1`` by a Cholesky factorization (the padding
    outside ``n`` by ``n`` is the identity, so that the matrix stays positive definite)."""
    difference, c, e = params
    cols = _aval(u).shape[1]
    identity = _eye_like(_shape.full((cols, cols), 0, _aval(u).dtype))
    gram = _masked(_ew.add(_scale(c, _matmul(_H(u), u)), identity), n, n, identity)
    factor = cholesky(gram, symmetrize_input=False)
    half = triangular_solve(factor, _H(u), left_side=True, lower=True)
    solved = triangular_solve(factor, half, left_side=True, lower=True, transpose_a=True, conjugate_a=True)
    return _ew.add(_scale(e, u), _scale(difference, _H(solved)))


def _qdwh_schedule(eps: float, max_iterations: int) -> tuple[list, list]:
    """The dynamically weighted Halley coefficients ``(a, b, c)`` of the steps that a lower bound
    ``l`` (from ``eps``) on the smallest singular value needs to reach 1, as parameters of the QR
    steps (while ``c > 100``) and of the Cholesky steps after them."""
    qr_steps, cholesky_steps = [], []
    low, tol_low = eps, 5.0 * eps
    while low + tol_low < 1 and len(qr_steps) + len(cholesky_steps) < max_iterations:
        low2 = low * low
        dd = (4.0 * (1.0 / low2 - 1.0) / low2) ** (1 / 3)
        sqd = (1.0 + dd) ** 0.5
        a = sqd + (2.0 - dd + 2.0 * (2.0 - low2) / (low2 * sqd)) ** 0.5
        b = (a - 1.0) ** 2 / 4.0
        c = a + b - 1.0
        low = low * (a + b * low2) / (1.0 + c * low2)
        e = b / c
        if c > 100:
            qr_steps.append(((a - e) / c ** 0.5, c ** 0.5, e))
        else:
            cholesky_steps.append((a - e, c, e))
    return qr_steps, cholesky_steps


def qdwh(x: Any, *, is_hermitian: bool = False, max_iterations: int | None = None, eps: float | None = None,
         dynamic_shape: tuple[int, int] | None = None) -> tuple[Any, Any, Any, Any]:
    # Long: the argument checks, the two Halley phases (QR-based, then Cholesky-based) and the
    # final polish are one algorithm over shared state; split, each piece would take eight arguments.
    """The polar decomposition ``x = u h`` of a full-rank matrix ``(M, N)``, ``M >= N``, by the
    QR-based dynamically weighted Halley iteration (Nakatsukasa, Bai and Gygi 2010), as JAX's:
    ``(u, h, num_iters, is_converged)``, ``u`` with orthonormal columns, ``h`` Hermitian positive
    semi-definite. It stops once successive iterates differ by less than ``(5 eps)^(1/3)``
    (``eps`` defaults to the dtype's) or after ``max_iterations`` (10) steps. ``dynamic_shape``
    ``(m, n)``: ``x`` is an ``m`` by ``n`` matrix padded to its shape. ``is_hermitian`` is unused
    (as in JAX). Differentiable: the iteration count's loop is bounded.

    >>> u, h, num_iters, is_converged = qdwh(np.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> np.round(u, 6) + 0.0, np.round(h, 6) + 0.0, bool(is_converged)
    (array([[0., 1.],
           [1., 0.]]), array([[3., 0.],
           [0., 2.]]), True)
    """
    aval = _aval(x)
    if aval.ndim != 2:
        raise ShapeError(f"qdwh takes a matrix (M, N) (vmap batches), got {aval.str_short()}")
    _check_dtype("qdwh", aval)
    rows, cols = aval.shape
    if rows < cols:
        raise ShapeError(f"qdwh: the input matrix of shape M x N must have M >= N, got {aval.str_short()}")
    bool(is_hermitian)  # static, as in JAX: a traced value raises here
    max_iterations = 10 if max_iterations is None else operator.index(max_iterations)
    eps = float(np.finfo(aval.dtype).eps) if eps is None else float(eps)
    if dynamic_shape is None:
        m, n = rows, cols
    else:
        m, n = dynamic_shape
        x = _masked(x, m, n)

    # alpha = 1 / sqrt(|x|_1 |x|_inf) bounds the largest singular value: u starts with norm <= 1.
    # A zero row and column change no sum and give the maxima a value for an empty x (as JAX's norms).
    magnitudes = _ew.abs(_shape.pad(x, _ew.convert_element_type(0, aval.dtype), [(0, 1, 0), (0, 1, 0)]))
    one_norm = _reduction.reduce_max(_reduction.reduce_sum(magnitudes, (0,)), (0,))
    inf_norm = _reduction.reduce_max(_reduction.reduce_sum(magnitudes, (1,)), (0,))
    zero = _ew.eq(one_norm, 0.0)
    ones = _shape.full_like(one_norm, 1.0)
    alpha_inverse = _ew.mul(_ew.rsqrt(_where(zero, ones, one_norm)), _ew.rsqrt(_where(zero, ones, inf_norm)))
    u = _scale(_as_complex(alpha_inverse, x), x)

    qr_steps, cholesky_steps = _qdwh_schedule(eps, max_iterations)
    # Each phase scans over its table of coefficients (one row per step).
    table = lambda steps: tuple(np.asarray(column, aval.dtype) for column in zip(*steps))
    if qr_steps:
        u = scan(lambda u, params: (_qdwh_qr_step(u, m, n, params), None), u, table(qr_steps))[0]
    tol_squared = (5.0 * eps) ** (2 / 3)

    def converging_step(u, params):
        new = _qdwh_cholesky_step(u, m, n, params)
        return new, _ew.gt(_frobenius_squared(_ew.sub(new, u)), tol_squared)

    not_converged = np.asarray(True)
    if cholesky_steps:
        u, not_converged = scan(lambda s, params: (converging_step(s[0], params), None), (u, not_converged),
                                table(cholesky_steps))[0]
    # The bound has converged (a, b, c -> 3, 1, 3: Halley's iteration); iterate until u has too.
    done = len(qr_steps) + len(cholesky_steps)
    halley = [np.asarray(p, aval.dtype) for p in (3.0 - 1.0 / 3.0, 3.0, 1.0 / 3.0)]

    def halley_step(state):
        k, u, _ = state
        u, not_converged = converging_step(u, halley)
        return _ew.add(k, np.int64(1)), u, not_converged

    num_iters = np.asarray(done, np.int64)
    if max_iterations > done:
        num_iters, u, not_converged = while_loop(
            lambda s: _ew.bitwise_and(s[2], _ew.lt(s[0], np.int64(max_iterations))), halley_step,
            (num_iters, u, not_converged), max_iterations=max_iterations - done)
    # A Newton-Schulz step refines u; h = u^H x, made exactly Hermitian.
    u = _ew.sub(_ew.mul(u, 1.5), _ew.mul(_matmul(u, _matmul(_H(u), u)), 0.5))
    h = symmetrize(_matmul(_H(u), x))
    return u, h, num_iters, _ew.bitwise_not(not_converged)
