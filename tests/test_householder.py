"""functrans.lax.linalg's Householder family (the internal geqrf, householder_product, ormqr,
hessenberg, tridiagonal) and cholesky_update, symmetric_product and qdwh: values against LAPACK
through SciPy (the same layouts and signs), against JAX where it imports; batches against loops,
jit against eager, vmap against loops, derivatives against finite differences; error types and
messages."""
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.linalg
import scipy.linalg.lapack as lapack
from hypothesis import given, settings

import functrans as ft
from functrans.errors import DTypeError, ShapeError
from functrans.lax import linalg as L
from functrans.lax._householder import geqrf
from functrans.test_util import check_grads

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
REAL_DTYPES = [np.float32, np.float64]
PREFIX = {np.float32: "s", np.float64: "d", np.complex64: "c", np.complex128: "z"}
# Square, tall, wide and 1x1 matrices.
SHAPES = [(4, 4), (5, 3), (3, 5), (1, 1)]
TALL_SHAPES = [(4, 4), (5, 3), (1, 1)]


def is_complex(dtype):
    return np.issubdtype(dtype, np.complexfloating)


def lapack_routine(real_name, complex_name, dtype):
    """SciPy's wrapper of LAPACK's routine for ``dtype`` (``dorgqr``, ``zungqr`` ...)."""
    return getattr(lapack, PREFIX[dtype] + (complex_name if is_complex(dtype) else real_name))


def random_matrix(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if is_complex(dtype):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def hermitian(rng, shape, dtype):
    a = random_matrix(rng, shape, dtype)
    return a + np.conj(np.swapaxes(a, -1, -2))


def well_conditioned(rng, shape):
    """A float64 matrix whose columns (rows, if wide) are far from dependent: no reflector degenerates."""
    return rng.standard_normal(shape) + 3 * np.eye(*shape[-2:])


def assert_close(actual, expected, dtype):
    """Agreement to rounding in ``dtype``, and the dtype itself."""
    single = np.dtype(dtype) in (np.float32, np.complex64)
    tol = dict(rtol=1e-4, atol=1e-5) if single else dict(rtol=1e-11, atol=1e-12)
    assert np.asarray(actual).dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(actual, expected, **tol)


def mH(x):
    return np.conj(np.swapaxes(x, -1, -2))


def jax_linalg():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax.lax.linalg


def jax_geqrf():
    jax_linalg()
    from jax._src.lax.linalg import geqrf as jax_geqrf

    return jax_geqrf


def assert_all_close(actual, expected, dtype):
    """Pairs of outputs (tuples) agree, as ``assert_close``."""
    assert len(actual) == len(expected)
    for x, y in zip(actual, expected):
        assert_close(x, np.asarray(y), dtype)


def loop_over_batch(f, *stacks):
    """``f`` of each matrix of the stacks (sharing their leading axis), restacked."""
    outs = [f(*xs) for xs in zip(*stacks)]
    if isinstance(outs[0], tuple):
        return tuple(np.stack(parts) for parts in zip(*outs))
    return np.stack(outs)


# --------------------------------------------------------------------------- geqrf


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_geqrf_is_lapack_geqrf(dtype, shape):
    a = random_matrix(np.random.default_rng(0), shape, dtype)
    expected_a, expected_taus, _, info = lapack_routine("geqrf", "geqrf", dtype)(a)
    assert info == 0
    assert_all_close(geqrf(a), (expected_a, expected_taus), dtype)


def test_geqrf_of_a_stack_is_geqrf_of_each_matrix():
    a = random_matrix(np.random.default_rng(1), (2, 3, 4, 3), np.complex128)
    r, taus = geqrf(a)
    for index in np.ndindex(2, 3):
        expected_a, expected_taus, _, _ = lapack.zgeqrf(a[index])
        assert_all_close((r[index], taus[index]), (expected_a, expected_taus), np.complex128)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (0, 2, 2)])
def test_geqrf_of_empty_arrays_keeps_their_shapes(shape):
    r, taus = geqrf(np.zeros(shape))
    assert r.shape == shape and taus.shape == shape[:-2] + (min(shape[-2:]),)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.sampled_from([(), (2,)]), st.sampled_from(DTYPES), st.integers(0, 2**31))
def test_geqrf_then_householder_product_is_a_qr_decomposition(m, n, batch, dtype, seed):
    a = random_matrix(np.random.default_rng(seed), batch + (m, n), dtype)
    r, taus = geqrf(a)
    k = min(m, n)
    q = L.householder_product(r[..., :k], taus)
    assert_close(q @ np.triu(r[..., :k, :]), a, dtype)
    assert_close(mH(q) @ q, np.broadcast_to(np.eye(k, dtype=dtype), batch + (k, k)), dtype)


def test_geqrf_matches_jax():
    a = random_matrix(np.random.default_rng(2), (2, 5, 3), np.complex128)
    assert_all_close(geqrf(a), jax_geqrf()(a), np.complex128)


def test_geqrf_jit_matches_eager():
    a = random_matrix(np.random.default_rng(3), (2, 5, 3), np.float64)
    assert_all_close(ft.jit(geqrf)(a), geqrf(a), np.float64)


def test_geqrf_vmap_matches_a_loop():
    a = random_matrix(np.random.default_rng(4), (3, 3, 4), np.float64)
    assert_all_close(ft.vmap(geqrf)(a), loop_over_batch(geqrf, a), np.float64)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_geqrf_derivatives_match_finite_differences(shape):
    check_grads(geqrf, (well_conditioned(np.random.default_rng(5), shape),), order=2, modes=("fwd", "rev"))


def test_geqrf_rejects_integers_and_vectors():
    with pytest.raises(DTypeError, match="geqrf takes float32 or float64"):
        geqrf(np.eye(3, dtype=np.int64))
    with pytest.raises(ShapeError, match="geqrf takes a matrix or a stack of matrices"):
        geqrf(np.ones(3))


# --------------------------------------------------------------------------- householder_product


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", TALL_SHAPES)
def test_householder_product_is_lapack_orgqr(dtype, shape):
    a, taus, _, _ = lapack_routine("geqrf", "geqrf", dtype)(random_matrix(np.random.default_rng(6), shape, dtype))
    expected, _, info = lapack_routine("orgqr", "ungqr", dtype)(a, taus)
    assert info == 0
    assert_close(L.householder_product(a, taus), expected, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_householder_product_with_fewer_reflectors_than_columns_is_orgqr(dtype):
    a, taus, _, _ = lapack_routine("geqrf", "geqrf", dtype)(random_matrix(np.random.default_rng(7), (5, 3), dtype))
    expected, _, _ = lapack_routine("orgqr", "ungqr", dtype)(a, taus[:1])
    assert_close(L.householder_product(a, taus[:1]), expected, dtype)


@pytest.mark.parametrize("shape", [(3, 0), (0, 0), (0, 3, 2)])
def test_householder_product_of_empty_matrices(shape):
    q = L.householder_product(np.zeros(shape), np.zeros(shape[:-2] + (0,)))
    assert q.shape == shape
    np.testing.assert_array_equal(q, np.broadcast_to(np.eye(*shape[-2:]), shape))


def test_householder_product_matches_jax():
    a, taus = geqrf(random_matrix(np.random.default_rng(8), (2, 5, 3), np.complex64))
    assert_close(L.householder_product(a, taus), np.asarray(jax_linalg().householder_product(a, taus)), np.complex64)


def test_householder_product_jit_matches_eager():
    a, taus = geqrf(random_matrix(np.random.default_rng(9), (2, 4, 3), np.complex128))
    assert_close(ft.jit(L.householder_product)(a, taus), L.householder_product(a, taus), np.complex128)


def test_householder_product_vmap_matches_a_loop():
    rng = np.random.default_rng(10)
    a, taus = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 2))
    assert_close(ft.vmap(L.householder_product)(a, taus), loop_over_batch(L.householder_product, a, taus), np.float64)


def test_householder_product_derivatives_match_finite_differences():
    # The product is a polynomial in the vectors and taus: differentiable everywhere.
    rng = np.random.default_rng(11)
    check_grads(L.householder_product, (rng.standard_normal((4, 3)), rng.standard_normal(3)), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("a_shape, taus_shape, dtypes, error, message", [
    ((2, 3), (2,), (np.float64, np.float64), ShapeError, "at least as many rows as columns"),
    ((3, 2), (3,), (np.float64, np.float64), ShapeError, "more reflectors than min"),
    ((2, 3, 2), (3, 2), (np.float64, np.float64), ShapeError, "share their leading"),
    ((3, 2), (), (np.float64, np.float64), ShapeError, "rank at least 1"),
    ((3,), (1,), (np.float64, np.float64), ShapeError, "a matrix or a stack"),
    ((3, 2), (2,), (np.float64, np.float32), DTypeError, "equal dtypes"),
    ((3, 2), (2,), (np.int64, np.int64), DTypeError, "takes float32 or float64"),
])
def test_householder_product_errors(a_shape, taus_shape, dtypes, error, message):
    with pytest.raises(error, match=message):
        L.householder_product(np.ones(a_shape, dtypes[0]), np.ones(taus_shape, dtypes[1]))


# --------------------------------------------------------------------------- ormqr

ORMQR_SIDES = [(True, False), (True, True), (False, False), (False, True)]


def lapack_ormqr(a, taus, c, left, transpose):
    dtype = a.dtype.type
    trans = ("C" if is_complex(dtype) else "T") if transpose else "N"
    routine = lapack_routine("ormqr", "unmqr", dtype)
    out, _, info = routine("L" if left else "R", trans, a, taus, c, lwork=max(1, 64 * max(c.shape)))
    assert info == 0
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("left, transpose", ORMQR_SIDES)
def test_ormqr_is_lapack_ormqr(dtype, left, transpose):
    rng = np.random.default_rng(12)
    a, taus, _, _ = lapack_routine("geqrf", "geqrf", dtype)(random_matrix(rng, (5, 3), dtype))
    c = random_matrix(rng, (5, 2) if left else (2, 5), dtype)
    assert_close(L.ormqr(a, taus, c, left=left, transpose=transpose), lapack_ormqr(a, taus, c, left, transpose), dtype)


@pytest.mark.parametrize("left, transpose", ORMQR_SIDES)
def test_ormqr_is_a_product_with_the_full_q(left, transpose):
    rng = np.random.default_rng(13)
    a, taus = geqrf(random_matrix(rng, (2, 4, 2), np.complex128))
    q = L.householder_product(np.concatenate([a, np.zeros((2, 4, 2))], axis=-1), taus)  # all of Q, 4 by 4
    q = mH(q) if transpose else q
    c = random_matrix(rng, (2, 4, 3) if left else (2, 3, 4), np.complex128)
    assert_close(L.ormqr(a, taus, c, left=left, transpose=transpose), q @ c if left else c @ q, np.complex128)


@pytest.mark.parametrize("left, transpose", ORMQR_SIDES)
def test_ormqr_matches_jax(left, transpose):
    rng = np.random.default_rng(14)
    a, taus = geqrf(random_matrix(rng, (3, 3), np.float32))
    c = random_matrix(rng, (3, 4) if left else (4, 3), np.float32)
    expected = jax_linalg().ormqr(a, taus, c, left=left, transpose=transpose)
    assert_close(L.ormqr(a, taus, c, left=left, transpose=transpose), np.asarray(expected), np.float32)


def test_ormqr_with_no_reflectors_returns_c():
    c = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(L.ormqr(np.zeros((3, 0)), np.zeros(0), c), c)


def test_ormqr_jit_matches_eager():
    rng = np.random.default_rng(15)
    a, taus = geqrf(rng.standard_normal((2, 5, 3)))
    c = rng.standard_normal((2, 4, 5))
    f = lambda a, taus, c: L.ormqr(a, taus, c, left=False, transpose=True)
    assert_close(ft.jit(f)(a, taus, c), f(a, taus, c), np.float64)


def test_ormqr_vmap_matches_a_loop():
    rng = np.random.default_rng(16)
    a, taus, c = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 2)), rng.standard_normal((3, 4, 2))
    assert_close(ft.vmap(L.ormqr)(a, taus, c), loop_over_batch(L.ormqr, a, taus, c), np.float64)


@pytest.mark.parametrize("left, transpose", [(True, False), (False, True)])
def test_ormqr_derivatives_match_finite_differences(left, transpose):
    rng = np.random.default_rng(17)
    c = rng.standard_normal((4, 2) if left else (2, 4))
    f = lambda a, taus, c: L.ormqr(a, taus, c, left=left, transpose=transpose)
    check_grads(f, (rng.standard_normal((4, 3)), rng.standard_normal(3), c), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("c_shape, c_dtype, left, error, message", [
    ((2, 2), np.float64, True, ShapeError, "left=True: c must have as many rows as a has rows"),
    ((2, 2), np.float64, False, ShapeError, "left=False: c must have as many columns as a has rows"),
    ((2, 3, 2), np.float64, True, ShapeError, "share their leading"),
    ((3, 2), np.int64, True, DTypeError, "takes float32 or float64"),
    ((3, 2), np.float32, True, DTypeError, "equal dtypes"),
])
def test_ormqr_errors(c_shape, c_dtype, left, error, message):
    with pytest.raises(error, match=message):
        L.ormqr(np.ones((3, 2)), np.ones(2), np.ones(c_shape, c_dtype), left=left)


# --------------------------------------------------------------------------- hessenberg


def hessenberg_q(h, taus):
    """``Q = H_0 ... H_{n-2}`` of ``hessenberg``'s reflectors: a leading 1 bordering the product
    of the reflectors stored below the subdiagonal."""
    q = np.zeros(h.shape, h.dtype)
    q[..., 0, 0] = 1
    q[..., 1:, 1:] = L.householder_product(h[..., 1:, :-1], taus)
    return q


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [4, 2, 1])
def test_hessenberg_is_lapack_gehrd(dtype, n):
    a = random_matrix(np.random.default_rng(18), (n, n), dtype)
    expected_h, expected_taus, info = lapack_routine("gehrd", "gehrd", dtype)(a)
    assert info == 0
    assert_all_close(L.hessenberg(a), (expected_h, expected_taus), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_hessenberg_reflectors_reduce_a_to_its_upper_hessenberg_part(dtype):
    a = random_matrix(np.random.default_rng(19), (2, 5, 5), dtype)
    h, taus = L.hessenberg(a)
    q = hessenberg_q(h, taus)
    assert_close(mH(q) @ a @ q, np.triu(h, -1), dtype)


def test_hessenberg_of_empty_matrices():
    for shape in [(0, 0), (3, 0, 0)]:
        h, taus = L.hessenberg(np.zeros(shape))
        assert h.shape == shape and taus.shape == shape[:-2] + (0,)


def test_hessenberg_matches_jax():
    a = random_matrix(np.random.default_rng(20), (2, 4, 4), np.complex128)
    assert_all_close(L.hessenberg(a), jax_linalg().hessenberg(a), np.complex128)


def test_hessenberg_jit_matches_eager():
    a = random_matrix(np.random.default_rng(21), (2, 4, 4), np.float64)
    assert_all_close(ft.jit(L.hessenberg)(a), L.hessenberg(a), np.float64)


def test_hessenberg_vmap_matches_a_loop():
    a = random_matrix(np.random.default_rng(22), (3, 4, 4), np.float64)
    assert_all_close(ft.vmap(L.hessenberg)(a), loop_over_batch(L.hessenberg, a), np.float64)


def test_hessenberg_derivatives_match_finite_differences():
    check_grads(L.hessenberg, (well_conditioned(np.random.default_rng(23), (4, 4)),), order=2, modes=("fwd", "rev"))


def test_hessenberg_errors():
    with pytest.raises(ShapeError, match="hessenberg takes square matrices"):
        L.hessenberg(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="hessenberg takes a matrix or a stack"):
        L.hessenberg(np.ones(3))
    with pytest.raises(DTypeError, match="hessenberg takes float32 or float64"):
        L.hessenberg(np.eye(3, dtype=np.int32))


# --------------------------------------------------------------------------- tridiagonal


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("n", [4, 1])
def test_tridiagonal_is_lapack_sytrd(dtype, lower, n):
    a = hermitian(np.random.default_rng(24), (n, n), dtype)
    *expected, info = lapack_routine("sytrd", "hetrd", dtype)(a, lower=int(lower))
    assert info == 0
    arr, d, e, taus = L.tridiagonal(a, lower=lower)
    real = np.finfo(dtype).dtype
    assert d.dtype == real and e.dtype == real
    assert_close(arr, expected[0], dtype)
    assert_close(taus, expected[3], dtype)
    assert_close(d, expected[1], real)
    assert_close(e, expected[2], real)


@pytest.mark.parametrize("lower", [True, False])
def test_tridiagonal_reads_one_triangle_and_returns_the_other_as_it_came(lower):
    rng = np.random.default_rng(25)
    a = hermitian(rng, (4, 4), np.complex128)
    unread = np.triu if lower else np.tril
    garbage = a + unread(random_matrix(rng, (4, 4), np.complex128), 1 if lower else -1)
    arr, *rest = L.tridiagonal(garbage, lower=lower)
    expected_arr, *expected_rest = L.tridiagonal(a, lower=lower)
    for x, y in zip(rest, expected_rest):
        np.testing.assert_array_equal(x, y)
    k = 1 if lower else -1
    np.testing.assert_array_equal(unread(arr, k), unread(garbage, k))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("lower", [True, False])
def test_tridiagonal_reflectors_reduce_a_to_d_and_e(dtype, lower):
    a = hermitian(np.random.default_rng(26), (2, 5, 5), dtype)
    arr, d, e, taus = L.tridiagonal(a, lower=lower)
    # The lower form's vectors are stored as hessenberg's; the upper one is its mirror image.
    flip = (lambda x: x) if lower else (lambda x: x[..., ::-1, ::-1])
    q = flip(hessenberg_q(flip(arr), taus if lower else taus[..., ::-1]))
    t = np.zeros(a.shape, dtype)
    idx = np.arange(5)
    t[..., idx, idx] = d
    t[..., idx[1:], idx[:-1]] = e
    t[..., idx[:-1], idx[1:]] = e
    assert_close(mH(q) @ a @ q, t, dtype)


def test_tridiagonal_matches_jax():
    a = hermitian(np.random.default_rng(27), (2, 4, 4), np.complex64)
    for lower in (True, False):
        expected = jax_linalg().tridiagonal(a, lower=lower)
        arr, d, e, taus = L.tridiagonal(a, lower=lower)
        assert_close(arr, np.asarray(expected[0]), np.complex64)
        assert_close(taus, np.asarray(expected[3]), np.complex64)
        assert_all_close((d, e), expected[1:3], np.float32)


def test_tridiagonal_jit_matches_eager():
    a = hermitian(np.random.default_rng(28), (2, 4, 4), np.float64)
    f = lambda a: L.tridiagonal(a, lower=False)
    assert_all_close(ft.jit(f)(a), f(a), np.float64)


def test_tridiagonal_vmap_matches_a_loop():
    a = hermitian(np.random.default_rng(29), (3, 4, 4), np.float64)
    assert_all_close(ft.vmap(L.tridiagonal)(a), loop_over_batch(L.tridiagonal, a), np.float64)


@pytest.mark.parametrize("lower", [True, False])
def test_tridiagonal_derivatives_match_finite_differences(lower):
    a = hermitian(np.random.default_rng(30), (3, 3), np.float64)
    check_grads(lambda a: L.tridiagonal(a, lower=lower), (a,), order=2, modes=("fwd", "rev"))


def test_tridiagonal_errors():
    # JAX raises ValueError for a 0x0 matrix too; ShapeError is a ValueError.
    with pytest.raises(ShapeError, match="tridiagonal takes non-empty square matrices"):
        L.tridiagonal(np.zeros((0, 0)))
    with pytest.raises(ShapeError, match="tridiagonal takes square matrices"):
        L.tridiagonal(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="tridiagonal takes a matrix or a stack"):
        L.tridiagonal(np.ones(3))
    with pytest.raises(DTypeError, match="tridiagonal takes float32 or float64"):
        L.tridiagonal(np.eye(3, dtype=np.int64))


# --------------------------------------------------------------------------- cholesky_update


def upper_cholesky_factor(rng, n, dtype):
    a = rng.standard_normal((n, n))
    return scipy.linalg.cholesky(a @ a.T + n * np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", REAL_DTYPES)
@pytest.mark.parametrize("n", [4, 1])
def test_cholesky_update_is_the_cholesky_factor_of_the_updated_matrix(dtype, n):
    rng = np.random.default_rng(31)
    r, w = upper_cholesky_factor(rng, n, dtype), rng.standard_normal(n).astype(dtype)
    expected = scipy.linalg.cholesky(r.T @ r + np.outer(w, w))
    assert_close(L.cholesky_update(r, w), expected.astype(dtype), dtype)


def test_cholesky_update_matches_jax():
    rng = np.random.default_rng(32)
    r, w = upper_cholesky_factor(rng, 5, np.float64), rng.standard_normal(5)
    assert_close(L.cholesky_update(r, w), np.asarray(jax_linalg().cholesky_update(r, w)), np.float64)


def test_cholesky_update_of_an_empty_matrix():
    assert L.cholesky_update(np.zeros((0, 0)), np.zeros(0)).shape == (0, 0)


@pytest.mark.slow  # its first compile takes some 30 s (cached on disk after)
def test_cholesky_update_jit_matches_eager():
    rng = np.random.default_rng(33)
    r, w = upper_cholesky_factor(rng, 4, np.float32), rng.standard_normal(4).astype(np.float32)
    assert_close(ft.jit(L.cholesky_update)(r, w), L.cholesky_update(r, w), np.float32)


def test_cholesky_update_vmap_matches_a_loop():
    rng = np.random.default_rng(34)
    r = np.stack([upper_cholesky_factor(rng, 3, np.float64) for _ in range(4)])
    w = rng.standard_normal((4, 3))
    assert_close(ft.vmap(L.cholesky_update)(r, w), loop_over_batch(L.cholesky_update, r, w), np.float64)


def test_cholesky_update_derivatives_match_finite_differences():
    rng = np.random.default_rng(35)
    check_grads(L.cholesky_update, (upper_cholesky_factor(rng, 3, np.float64), rng.standard_normal(3)), order=2,
                modes=("fwd", "rev"))


@pytest.mark.parametrize("r, w, error, message", [
    (np.eye(2, dtype=complex), np.ones(2, complex), DTypeError, "not complex ones"),
    (np.eye(2, dtype=np.int64), np.ones(2, np.int64), DTypeError, "takes float32 or float64"),
    (np.eye(2), np.ones(2, np.float32), DTypeError, "equal dtypes"),
    (np.ones((2, 2, 2)), np.ones((2, 2)), ShapeError, "no batch axes"),
    (np.eye(2), np.ones(3), ShapeError, "a vector \\(n,\\) of its size"),
    (np.ones((2, 3)), np.ones(2), ShapeError, "a square matrix"),
])
def test_cholesky_update_errors(r, w, error, message):
    with pytest.raises(error, match=message):
        L.cholesky_update(r, w)


# --------------------------------------------------------------------------- symmetric_product


def lower_triangle(x):
    return np.tril(x)


@pytest.mark.parametrize("dtype", REAL_DTYPES)
@pytest.mark.parametrize("a_shape", [(3, 5), (4, 2), (1, 1), (3, 0), (0, 2), (2, 3, 4)])
def test_symmetric_product_lower_triangle_is_alpha_a_at_plus_beta_c(dtype, a_shape):
    rng = np.random.default_rng(36)
    a = random_matrix(rng, a_shape, dtype)
    c = hermitian(rng, a_shape[:-1] + a_shape[-2:-1], dtype)
    out = L.symmetric_product(a, c, alpha=0.5, beta=-2.0)
    assert out.shape == c.shape
    assert_close(lower_triangle(out), lower_triangle(0.5 * a @ np.swapaxes(a, -1, -2) - 2.0 * c), dtype)


def test_symmetric_product_defaults_are_alpha_one_and_beta_zero():
    a = np.arange(6.0).reshape(2, 3)
    assert_close(lower_triangle(L.symmetric_product(a, np.ones((2, 2)))), lower_triangle(a @ a.T), np.float64)


def test_symmetric_product_symmetrize_output_mirrors_the_lower_triangle():
    rng = np.random.default_rng(37)
    a, c = rng.standard_normal((3, 2)), rng.standard_normal((3, 3))  # c not symmetric: the triangles differ
    out = L.symmetric_product(a, c, alpha=1.0, beta=1.0, symmetrize_output=True)
    expected = lower_triangle(a @ a.T + c)
    assert_close(out, expected + np.tril(expected, -1).T, np.float64)


@pytest.mark.parametrize("symmetrize_output", [False, True])
def test_symmetric_product_matches_jax(symmetrize_output):
    rng = np.random.default_rng(38)
    a, c = random_matrix(rng, (2, 3, 4), np.float32), hermitian(rng, (2, 3, 3), np.float32)
    kwargs = dict(alpha=2.0, beta=0.5, symmetrize_output=symmetrize_output)
    expected = np.asarray(jax_linalg().symmetric_product(a, c, **kwargs))
    out = L.symmetric_product(a, c, **kwargs)
    # JAX promises the lower triangle only, the whole matrix with symmetrize_output.
    promised = (lambda x: x) if symmetrize_output else lower_triangle
    assert_close(promised(out), promised(expected), np.float32)


def test_symmetric_product_jit_matches_eager():
    rng = np.random.default_rng(39)
    a, c = rng.standard_normal((2, 3, 4)), hermitian(rng, (2, 3, 3), np.float64)
    f = lambda a, c: L.symmetric_product(a, c, alpha=3.0, beta=0.5, symmetrize_output=True)
    assert_close(ft.jit(f)(a, c), f(a, c), np.float64)


def test_symmetric_product_vmap_matches_a_loop():
    rng = np.random.default_rng(40)
    a, c = rng.standard_normal((4, 3, 2)), hermitian(rng, (4, 3, 3), np.float64)
    f = lambda a, c: L.symmetric_product(a, c, beta=1.0)
    assert_close(ft.vmap(f)(a, c), loop_over_batch(f, a, c), np.float64)


def test_symmetric_product_derivatives_match_finite_differences():
    rng = np.random.default_rng(41)
    f = lambda a, c: L.symmetric_product(a, c, alpha=0.5, beta=2.0, symmetrize_output=True)
    check_grads(f, (rng.standard_normal((3, 2)), hermitian(rng, (3, 3), np.float64)), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("a, c, error, message", [
    (np.ones((2, 3), complex), np.eye(2, dtype=complex), DTypeError, "not complex ones"),
    (np.ones((2, 3), np.int64), np.eye(2, dtype=np.int64), DTypeError, "takes float32 or float64"),
    (np.ones((2, 3)), np.eye(2, dtype=np.float32), DTypeError, "equal dtypes"),
    (np.ones((2, 3)), np.eye(3), ShapeError, "takes a \\(..., m, k\\) and c \\(..., m, m\\)"),
    (np.ones((2, 2, 3)), np.eye(2), ShapeError, "share their leading"),
    (np.ones(3), np.eye(3), ShapeError, "rank at least 2"),
])
def test_symmetric_product_errors(a, c, error, message):
    with pytest.raises(error, match=message):
        L.symmetric_product(a, c)


# --------------------------------------------------------------------------- qdwh


def assert_polar(u, h, x, dtype):
    """``u h`` is SciPy's polar decomposition of ``x`` (``u`` orthonormal columns, ``h`` Hermitian
    positive semi-definite)."""
    expected_u, expected_h = scipy.linalg.polar(x)
    assert_close(u, expected_u.astype(dtype), dtype)
    assert_close(h, expected_h.astype(dtype), dtype)
    np.testing.assert_array_equal(h, mH(h))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (1, 1)])
def test_qdwh_is_scipys_polar_decomposition(dtype, shape):
    x = random_matrix(np.random.default_rng(42), shape, dtype)
    u, h, num_iters, is_converged = L.qdwh(x)
    assert_polar(u, h, x, dtype)
    assert bool(is_converged) and 0 < int(num_iters) <= 10


@pytest.mark.parametrize("dtype", DTYPES)
def test_qdwh_matches_jax_with_its_iteration_count(dtype):
    x = random_matrix(np.random.default_rng(43), (5, 3), dtype)
    u, h, num_iters, is_converged = L.qdwh(x)
    expected = jax_linalg().qdwh(x)
    assert_all_close((u, h), expected[:2], dtype)
    assert int(num_iters) == int(expected[2]) and bool(is_converged) == bool(expected[3])


def test_qdwh_stopped_by_max_iterations_reports_it_has_not_converged():
    x = np.diag([1.0, 1e-9])  # condition 1e9: the iteration needs more than two steps
    _, _, num_iters, is_converged = L.qdwh(x, max_iterations=2)
    assert int(num_iters) == 2 and not bool(is_converged)
    expected = jax_linalg().qdwh(x, max_iterations=2)
    assert int(expected[2]) == 2 and not bool(expected[3])


def test_qdwh_with_a_looser_eps_takes_fewer_steps():
    x = random_matrix(np.random.default_rng(44), (4, 4), np.float64)
    loose, tight = L.qdwh(x, eps=1e-6)[2], L.qdwh(x)[2]
    assert int(loose) < int(tight)
    assert int(loose) == int(jax_linalg().qdwh(x, eps=1e-6)[2])


def test_qdwh_with_a_dynamic_shape_decomposes_the_leading_block():
    rng = np.random.default_rng(45)
    padded = rng.standard_normal((6, 4))
    u, h, _, is_converged = L.qdwh(padded, dynamic_shape=(5, 3))
    assert bool(is_converged)
    assert_polar(u[:5, :3], h[:3, :3], padded[:5, :3], np.float64)
    np.testing.assert_array_equal(u[5:], 0)
    np.testing.assert_array_equal(u[:, 3:], 0)


@pytest.mark.parametrize("shape", [(3, 0), (0, 0)])
def test_qdwh_of_an_empty_matrix_matches_jax(shape):
    u, h, num_iters, is_converged = L.qdwh(np.zeros(shape))
    expected = jax_linalg().qdwh(np.zeros(shape))
    assert u.shape == shape and h.shape == (0, 0)
    assert int(num_iters) == int(expected[2]) and bool(is_converged) == bool(expected[3])


@pytest.mark.slow  # its first compile takes some 30 s (cached on disk after)
def test_qdwh_jit_matches_eager():
    x = random_matrix(np.random.default_rng(46), (5, 3), np.float64)
    out, expected = ft.jit(L.qdwh)(x), L.qdwh(x)
    assert_all_close(out[:2], expected[:2], np.float64)
    assert int(out[2]) == int(expected[2]) and bool(out[3]) == bool(expected[3])


def test_qdwh_vmap_matches_a_loop():
    x = random_matrix(np.random.default_rng(47), (3, 4, 3), np.float64)
    out, expected = ft.vmap(L.qdwh)(x), loop_over_batch(L.qdwh, x)
    assert_all_close(out[:2], expected[:2], np.float64)
    np.testing.assert_array_equal(out[2], expected[2])
    np.testing.assert_array_equal(out[3], expected[3])


def test_qdwh_derivatives_match_finite_differences():
    x = well_conditioned(np.random.default_rng(48), (4, 3))
    check_grads(lambda x: L.qdwh(x)[:2], (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("x, error, message", [
    (np.ones((2, 3)), ShapeError, "must have M >= N"),  # a ValueError, as JAX's
    (np.ones((2, 3, 3)), ShapeError, "qdwh takes a matrix \\(M, N\\)"),
    (np.eye(3, dtype=np.int64), DTypeError, "qdwh takes float32 or float64"),
])
def test_qdwh_errors(x, error, message):
    with pytest.raises(error, match=message):
        L.qdwh(x)
