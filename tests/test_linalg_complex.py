"""Complex matrices in the linear-algebra primitives and in functrans.numpy.linalg /
functrans.scipy.linalg: values against NumPy/SciPy (and JAX), derivatives with JAX's
conventions (check_grads in complex128), vmap against a loop and jit against eager."""
import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import DTypeError
from functrans.test_util import check_grads

L = fnp.linalg
COMPLEX = [np.complex64, np.complex128]
SETTINGS = settings(max_examples=6, deadline=None)


def tol(dtype) -> float:
    return 2e-4 if np.dtype(dtype) == np.complex64 else 1e-10


def random_complex(shape, seed=0, dtype=np.complex128):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def hermitian_positive_definite(n, seed=0, dtype=np.complex128, batch=()):
    a = random_complex(batch + (n, n), seed)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def assert_jit_matches_eager_and_repeats(f, *args, rtol=1e-10):
    eager = f(*args)
    compiled = ft.jit(f)
    first, second = compiled(*args), compiled(*args)
    for e, c1, c2 in zip(*(x if isinstance(x, tuple) else (x,) for x in (eager, first, second))):
        assert np.asarray(c1).dtype == np.asarray(e).dtype
        np.testing.assert_allclose(c1, e, rtol=rtol, atol=rtol)
        assert np.array_equal(np.asarray(c1), np.asarray(c2), equal_nan=True)  # bitwise across calls


def assert_vmap_matches_loop(f, x, rtol=1e-12):
    got = ft.vmap(f)(x)
    want = [f(v) for v in x]
    got, want = (got, want) if isinstance(got, tuple) else ((got,), [(w,) for w in want])
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, np.stack([w[i] for w in want]), rtol=rtol, atol=rtol)


# --------------------------------------------------------------------------- solvers, determinants, Cholesky


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(n=st.integers(0, 5), seed=st.integers(0, 100))
def test_lu_solve_inv_det_slogdet_match_numpy_and_scipy(dtype, n, seed):
    a = random_complex((n, n), seed, dtype) + 2 * np.eye(n, dtype=dtype)
    b = random_complex((n, 2), seed + 1, dtype)
    factors, pivots, permutation = lax.linalg.lu(a)
    assert factors.dtype == dtype and pivots.dtype == np.int32
    if n:
        want_lu, want_pivots = sl.lu_factor(a)
        np.testing.assert_array_equal(pivots, want_pivots)  # LAPACK's pivots (|re| + |im|)
        np.testing.assert_allclose(factors, want_lu, rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(L.solve(a, b), np.linalg.solve(a, b), rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(L.inv(a), np.linalg.inv(a), rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(L.det(a), np.linalg.det(a), rtol=tol(dtype), atol=tol(dtype))
    sign, logabsdet = L.slogdet(a)
    want_sign, want_log = np.linalg.slogdet(a)
    assert sign.dtype == dtype and logabsdet.dtype == np.finfo(dtype).dtype
    np.testing.assert_allclose(sign, want_sign, rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(logabsdet, want_log, rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(L.slogdet(a, method="qr").sign, want_sign, rtol=tol(dtype), atol=tol(dtype))


def test_slogdet_of_a_singular_complex_matrix_is_zero_and_minus_infinity():
    sign, logabsdet = L.slogdet(np.array([[1 + 1j, 2 + 2j], [1 + 1j, 2 + 2j]]))
    assert sign == 0 and logabsdet == -np.inf


@pytest.mark.parametrize("dtype", COMPLEX)
def test_cholesky_of_hermitian_matrices_reads_the_lower_triangle_or_symmetrizes(dtype):
    a = hermitian_positive_definite(4, 1, dtype)
    np.testing.assert_allclose(L.cholesky(a), np.linalg.cholesky(a), rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(L.cholesky(a, upper=True), np.linalg.cholesky(a, upper=True), rtol=tol(dtype), atol=tol(dtype))
    # Only the lower triangle (and the real part of the diagonal) are read without symmetrizing.
    noisy = np.tril(a) + np.triu(random_complex((4, 4), 2, dtype), 1) + 0.5j * np.eye(4, dtype=dtype)
    want = np.linalg.cholesky(a)
    np.testing.assert_allclose(lax.linalg.cholesky(noisy, symmetrize_input=False), want, rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose(ft.jit(lambda x: lax.linalg.cholesky(x, symmetrize_input=False))(noisy), want,
                               rtol=tol(dtype), atol=tol(dtype))
    skew = random_complex((4, 4), 3, dtype)
    skew = skew - np.conj(skew.T)
    np.testing.assert_allclose(L.cholesky(a + skew), want, rtol=tol(dtype), atol=tol(dtype))  # (x + x^H) / 2


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("transpose_a, conjugate_a", [(False, False), (True, False), (False, True), (True, True)])
def test_triangular_solve_with_conjugate_a_matches_numpy(left_side, lower, transpose_a, conjugate_a):
    a = random_complex((2, 4, 4), 4) + 3 * np.eye(4)
    b = random_complex((2, 4, 3) if left_side else (2, 3, 4), 5)
    t = np.tril(a) if lower else np.triu(a)
    op = np.swapaxes(t, -1, -2) if transpose_a else t
    op = np.conj(op) if conjugate_a else op
    want = np.linalg.solve(op, b) if left_side else np.swapaxes(np.linalg.solve(np.swapaxes(op, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    f = lambda a, b: lax.linalg.triangular_solve(a, b, left_side=left_side, lower=lower, transpose_a=transpose_a,
                                                 conjugate_a=conjugate_a)
    np.testing.assert_allclose(f(a, b), want, rtol=1e-12, atol=1e-12)
    assert_jit_matches_eager_and_repeats(f, a, b)
    check_grads(f, (a, b), order=1, modes=("fwd", "rev"))


def test_conjugate_a_of_real_matrices_changes_nothing():
    a, b = np.array([[2.0, 0.0], [1.0, 1.0]]), np.ones((2, 1))
    jaxpr = ft.make_jaxpr(lambda a, b: lax.linalg.triangular_solve(a, b, left_side=True, lower=True, conjugate_a=True))(a, b)
    assert "conjugate_a=False" in str(jaxpr)


SOLVER_LOSSES = {
    "solve": lambda a: L.solve(a, a[..., :, :1] + 1.0),
    "inv": L.inv,
    "det": L.det,
    "slogdet": lambda a: tuple(L.slogdet(a)),
    "lu": lambda a: lax.linalg.lu(a)[0],
    "cholesky": lambda a: L.cholesky(a @ fnp.conj(fnp.swapaxes(a, -1, -2)) + 4 * fnp.eye(3)),
    "cholesky_lower": lambda a: lax.linalg.cholesky(a @ fnp.conj(fnp.swapaxes(a, -1, -2)) + 4 * fnp.eye(3), symmetrize_input=False),
    "matrix_power": lambda a: L.matrix_power(a, -2),
}


@pytest.mark.parametrize("name", sorted(SOLVER_LOSSES))
def test_solver_derivatives_of_complex_matrices(name):
    a = random_complex((3, 3), 6) + 2 * np.eye(3)
    check_grads(SOLVER_LOSSES[name], (a,), order=1, modes=("fwd", "rev"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SOLVER_LOSSES))
def test_solver_derivatives_of_complex_matrices_order_2(name):
    a = random_complex((3, 3), 7) + 2 * np.eye(3)
    check_grads(SOLVER_LOSSES[name], (a,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(SOLVER_LOSSES))
def test_solver_vmap_matches_a_loop(name):
    a = random_complex((3, 3, 3), 8) + 2 * np.eye(3)
    assert_vmap_matches_loop(SOLVER_LOSSES[name], a)


@pytest.mark.slow  # one compile each
@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(SOLVER_LOSSES))
def test_solver_jit_matches_eager(name, dtype):
    a = (random_complex((2, 3, 3), 9) + 2 * np.eye(3)).astype(dtype)
    assert_jit_matches_eager_and_repeats(SOLVER_LOSSES[name], a, rtol=tol(dtype))


def test_complex_solver_gradients_agree_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    a = random_complex((3, 3), 10) + 2 * np.eye(3)
    for ours, theirs in [
        (lambda x: fnp.sum(fnp.abs(L.inv(x)) ** 2), lambda x: jnp.sum(jnp.abs(jnp.linalg.inv(x)) ** 2)),
        (lambda x: fnp.real(L.det(x)) + fnp.imag(L.slogdet(x)[0]), lambda x: jnp.real(jnp.linalg.det(x)) + jnp.imag(jnp.linalg.slogdet(x)[0])),
        (lambda x: fnp.sum(fnp.abs(L.cholesky(x @ fnp.conj(x.T))) ** 2), lambda x: jnp.sum(jnp.abs(jnp.linalg.cholesky(x @ jnp.conj(x.T))) ** 2)),
    ]:
        np.testing.assert_allclose(ft.grad(ours)(a), np.asarray(jax.grad(theirs)(a)), rtol=1e-9, atol=1e-12)


def test_dtype_errors_name_the_complex_types():
    with pytest.raises(DTypeError, match="complex64 or complex128.*i64"):
        lax.linalg.cholesky(np.ones((2, 2), np.int64))
    with pytest.raises(DTypeError, match="equal dtypes"):
        lax.linalg.triangular_solve(np.eye(2, dtype=np.complex64), np.ones((2, 2), np.complex128), left_side=True)


# --------------------------------------------------------------------------- eigh, svd, qr and what is built on them


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(n=st.integers(0, 5), seed=st.integers(0, 100))
def test_eigh_of_hermitian_matrices_matches_numpy(dtype, n, seed):
    a = hermitian_positive_definite(n, seed, dtype) - n * np.eye(n, dtype=dtype)
    w, v = L.eigh(a)
    assert w.dtype == np.finfo(dtype).dtype and v.dtype == dtype
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=tol(dtype), atol=tol(dtype) * 10)
    np.testing.assert_allclose(a @ v, v * w.astype(dtype), rtol=tol(dtype), atol=tol(dtype) * 10)
    np.testing.assert_allclose(L.eigvalsh(a, "U", symmetrize_input=False), np.linalg.eigvalsh(a, "U"), atol=tol(dtype) * 10)


@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 0, 3)])
def test_svd_and_qr_of_complex_matrices_match_numpy(dtype, shape):
    a = random_complex(shape, 11, dtype)
    u, s, vh = L.svd(a, full_matrices=False)
    assert s.dtype == np.finfo(dtype).dtype and u.dtype == dtype
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=tol(dtype), atol=tol(dtype))
    np.testing.assert_allclose((u * s.astype(dtype)[..., None, :]) @ vh, a, rtol=tol(dtype), atol=tol(dtype) * 10)
    for mode in ("reduced", "complete"):
        q, r = L.qr(a, mode)
        want_q, want_r = np.linalg.qr(a, mode)
        np.testing.assert_allclose(q, want_q, rtol=tol(dtype), atol=tol(dtype) * 10)
        np.testing.assert_allclose(r, want_r, rtol=tol(dtype), atol=tol(dtype) * 10)


def test_norms_rank_cond_pinv_lstsq_of_complex_matrices_match_numpy():
    a = random_complex((4, 3), 12)
    for ord in (2, -2, "nuc", "fro", 1, np.inf):
        np.testing.assert_allclose(L.norm(a, ord), np.linalg.norm(a, ord), rtol=1e-12)
    assert L.norm(a, 2).dtype == np.float64
    np.testing.assert_allclose(L.cond(a), np.linalg.cond(a), rtol=1e-10)
    assert int(L.matrix_rank(a @ a.conj().T)) == 3
    np.testing.assert_allclose(L.pinv(a), np.linalg.pinv(a), rtol=1e-10, atol=1e-12)
    h = a @ a.conj().T
    np.testing.assert_allclose(L.pinv(h, hermitian=True), np.linalg.pinv(h, hermitian=True), rtol=1e-8, atol=1e-10)
    b = random_complex((4, 2), 13)
    x, residuals, rank, s = L.lstsq(a, b)
    want = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x, want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(residuals, want[1], rtol=1e-10)
    assert residuals.dtype == s.dtype == np.float64 and int(rank) == want[2]
    u, s, vh = L.svd(h, hermitian=True)
    np.testing.assert_allclose((u * s) @ vh, h, atol=1e-12)


def _hermitian(x):
    return x + fnp.conj(fnp.swapaxes(x, -1, -2))


DECOMPOSITION_LOSSES = {  # real-valued and invariant under the eigen/singular vectors' phases
    "eigh": lambda x: fnp.sum(L.eigh(_hermitian(x))[0] ** 3) + fnp.sum(fnp.abs(L.eigh(_hermitian(x))[1]) ** 4),
    "eigh_lower": lambda x: fnp.sum(fnp.abs(lax.linalg.eigh(x, symmetrize_input=False)[0][1:]) * fnp.abs(
        lax.linalg.eigh(x, symmetrize_input=False)[0][0] ** 2)),
    "svd": lambda x: fnp.sum(fnp.abs(L.svd(x, full_matrices=False)[0]) ** 4) + fnp.sum(L.svdvals(x) ** 3),
    "svd_vh": lambda x: fnp.sum(fnp.abs(L.svd(x, full_matrices=False)[2]) ** 4),
    "svd_projector": lambda x: fnp.real(fnp.sum(_projector(L.svd(x, full_matrices=False)[0]) * fnp.arange(16.0).reshape(4, 4))),
    "qr": lambda x: tuple(L.qr(x)),
    "qr_wide": lambda x: tuple(L.qr(x.T)),
    "pinv": L.pinv,
    "norms": lambda x: L.norm(x, 2) + L.norm(x, "nuc") + L.cond(x),
    "lstsq": lambda x: L.lstsq(x, x[:, :1] * 2.0 + 1.0)[0],
}


def _projector(u):
    return u[:, :1] @ fnp.conj(u[:, :1].T)


def _decomposition_input(name, seed):
    a = random_complex((4, 3), seed)
    if name.startswith("eigh"):
        return a[:3] + np.diag([0.0, 3.0, 6.0]) if name == "eigh_lower" else a[:3]
    return np.pad(a, ((0, 0), (0, 1))) + np.eye(4) if name == "svd_projector" else a


@pytest.mark.parametrize("name", sorted(DECOMPOSITION_LOSSES))
def test_decomposition_derivatives_of_complex_matrices(name):
    check_grads(DECOMPOSITION_LOSSES[name], (_decomposition_input(name, 14),), order=1, modes=("fwd", "rev"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DECOMPOSITION_LOSSES))
def test_decomposition_derivatives_of_complex_matrices_order_2(name):
    check_grads(DECOMPOSITION_LOSSES[name], (_decomposition_input(name, 15),), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(DECOMPOSITION_LOSSES))
def test_decomposition_vmap_matches_a_loop(name):
    x = np.stack([_decomposition_input(name, seed) for seed in (16, 17)])
    assert_vmap_matches_loop(DECOMPOSITION_LOSSES[name], x, rtol=1e-10)


@pytest.mark.slow  # one compile each
@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("name", sorted(DECOMPOSITION_LOSSES))
def test_decomposition_jit_matches_eager(name, dtype):
    assert_jit_matches_eager_and_repeats(DECOMPOSITION_LOSSES[name], _decomposition_input(name, 18).astype(dtype),
                                         rtol=tol(dtype) * 10)


def test_complex_decomposition_gradients_agree_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    a = random_complex((4, 3), 19)
    h = lambda m, x: x + m.conj(m.swapaxes(x, -1, -2))
    for ours, theirs in [
        (lambda x: fnp.sum(fnp.abs(L.svd(x, full_matrices=False)[0]) ** 4),
         lambda x: jnp.sum(jnp.abs(jnp.linalg.svd(x, full_matrices=False)[0]) ** 4)),
        (lambda x: fnp.sum(fnp.abs(L.eigh(h(fnp, x[:3]))[1]) ** 4) + fnp.sum(L.eigvalsh(h(fnp, x[:3])) ** 3),
         lambda x: jnp.sum(jnp.abs(jnp.linalg.eigh(h(jnp, x[:3]))[1]) ** 4) + jnp.sum(jnp.linalg.eigvalsh(h(jnp, x[:3])) ** 3)),
        (lambda x: fnp.sum(fnp.abs(L.qr(x)[0]) ** 3) + fnp.real(fnp.sum(L.qr(x)[1])),
         lambda x: jnp.sum(jnp.abs(jnp.linalg.qr(x)[0]) ** 3) + jnp.real(jnp.sum(jnp.linalg.qr(x)[1]))),
        (lambda x: fnp.sum(fnp.abs(L.pinv(x)) ** 2), lambda x: jnp.sum(jnp.abs(jnp.linalg.pinv(x)) ** 2)),
    ]:
        np.testing.assert_allclose(ft.grad(ours)(a), np.asarray(jax.grad(theirs)(a)), rtol=1e-8, atol=1e-10)


def test_complete_qr_of_a_tall_complex_matrix_has_no_derivative_as_in_jax():
    with pytest.raises(NotImplementedError, match="tall complex"):
        ft.jvp(lambda x: L.qr(x, "complete"), (random_complex((3, 2)),), (random_complex((3, 2)),))


# --------------------------------------------------------------------------- eig


def _general(dtype, shape=(3, 3), seed=20):
    a = random_complex(shape, seed)
    return (a if np.issubdtype(dtype, np.complexfloating) else a.real).astype(dtype)


ALL = [np.float32, np.float64, np.complex64, np.complex128]


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (0, 2, 2), (1, 0, 0)])
def test_eig_matches_numpy_and_scipy_eagerly_and_under_jit(dtype, shape):
    a = _general(dtype, shape)
    w, v = L.eig(a)
    complex_dtype = np.result_type(dtype, np.complex64)
    assert w.dtype == v.dtype == complex_dtype and L.eigvals(a).dtype == complex_dtype
    rtol = tol(complex_dtype) * 10
    np.testing.assert_allclose(a @ v, v * w[..., None, :], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, rtol=rtol)
    for index in np.ndindex(*shape[:-2]):
        want_w, want_vl, want_vr = sl.eig(a[index], left=True)
        got_w, got_vl, got_vr = lax.linalg.eig(a[index])
        np.testing.assert_allclose(got_w, want_w, rtol=rtol, atol=rtol)  # geev's order
        np.testing.assert_allclose(got_vl, want_vl, rtol=rtol, atol=rtol)
        np.testing.assert_allclose(got_vr, want_vr, rtol=rtol, atol=rtol)
    assert_jit_matches_eager_and_repeats(lambda x: tuple(lax.linalg.eig(x)), a, rtol=rtol)
    assert_jit_matches_eager_and_repeats(L.eigvals, a, rtol=rtol)


def test_eig_of_a_real_matrix_with_complex_eigenvalues_under_jit():
    a = np.array([[0.0, 1.0], [-2.0, -3.0 + 3.0]])
    w, v = ft.jit(L.eig)(a)
    np.testing.assert_allclose(w, np.linalg.eigvals(a), rtol=1e-12)
    np.testing.assert_allclose(v, np.linalg.eig(a)[1], rtol=1e-12)
    assert np.iscomplexobj(w) and abs(w.imag).max() > 1


EIG_LOSSES = {
    "eigvals": L.eigvals,
    "right": lambda x: tuple(lax.linalg.eig(x, compute_left_eigenvectors=False, enable_eigvec_derivs=True)),
    "left": lambda x: tuple(lax.linalg.eig(x, compute_right_eigenvectors=False, enable_eigvec_derivs=True)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("name", sorted(EIG_LOSSES))
def test_eig_derivatives(name, dtype):
    check_grads(EIG_LOSSES[name], (_general(dtype, seed=21),), order=1, modes=("fwd", "rev"))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("name", ["left", "right"])  # eigvals' jvp computes vectors without the opt-in, as JAX's
def test_eig_derivatives_order_2(name, dtype):
    check_grads(EIG_LOSSES[name], (_general(dtype, seed=22),), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(EIG_LOSSES))
def test_eig_vmap_matches_a_loop(name):
    assert_vmap_matches_loop(EIG_LOSSES[name], _general(np.complex128, (3, 3, 3), seed=23))


def test_eigenvector_derivatives_need_jaxs_opt_in():
    with pytest.raises(NotImplementedError, match="enable_eigvec_derivs"):
        ft.grad(lambda x: fnp.sum(fnp.abs(L.eig(x)[1]) ** 2))(_general(np.float64))
    with pytest.raises(ValueError, match="eig.*square"):
        L.eig(np.ones((2, 3)))
    with pytest.raises(TypeError):
        lax.linalg.eig(np.ones((2, 2), np.int32))


def test_eig_gradients_agree_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    for a in (_general(np.float64, seed=24), _general(np.complex128, seed=24)):
        ours = ft.grad(lambda x: fnp.sum(fnp.abs(L.eigvals(x)) ** 3))(a)
        theirs = jax.grad(lambda x: jnp.sum(jnp.abs(jnp.linalg.eigvals(x)) ** 3))(a)
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-9, atol=1e-12)
        loss = lambda lib, x: lib.sum(lib.abs(x[1]) ** 3) + lib.sum(lib.real(x[2]))
        ours = ft.grad(lambda x: loss(fnp, lax.linalg.eig(x, enable_eigvec_derivs=True)))(a)
        theirs = jax.grad(lambda x: loss(jnp, jax.lax.linalg.eig(x, enable_eigvec_derivs=True)))(a)
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------- functrans.scipy.linalg


def test_scipy_linalg_wrappers_take_complex_matrices_as_scipy():
    import functrans.scipy.linalg as fsl

    a, b = random_complex((4, 4), 25) + 2 * np.eye(4), random_complex((4, 2), 26)
    h = hermitian_positive_definite(4, 27)
    close = lambda got, want: np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    for trans in (0, 1, 2, "C"):
        close(fsl.solve_triangular(np.triu(a), b, trans=trans), sl.solve_triangular(np.triu(a), b, trans=trans))
    for trans in (0, 1, 2):
        close(fsl.lu_solve(fsl.lu_factor(a), b, trans=trans), sl.lu_solve(sl.lu_factor(a), b, trans=trans))
    for lower in (False, True):
        close(fsl.cholesky(h, lower=lower), sl.cholesky(h, lower=lower))
        close(fsl.cho_solve(fsl.cho_factor(h, lower=lower), b), sl.cho_solve(sl.cho_factor(h, lower=lower), b))
    close(ft.jit(lambda c, b: fsl.cho_solve((c, False), b))(fsl.cholesky(h), b), sl.cho_solve(sl.cho_factor(h), b))
    close(fsl.solve(h, b, assume_a="pos"), sl.solve(h, b, assume_a="pos"))
    close(fsl.expm(a), sl.expm(a))
    close(fsl.eigh(h, eigvals_only=True), sl.eigh(h, eigvals_only=True))
    close(fsl.polar(a)[0], sl.polar(a)[0])
    check_grads(lambda c: fsl.cho_solve((fsl.cholesky(c @ fnp.conj(c.T) + 4 * fnp.eye(4)), False), b), (a,),
                order=1, modes=("fwd", "rev"))
