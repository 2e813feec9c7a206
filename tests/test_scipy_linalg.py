"""functrans.scipy.linalg against SciPy (values), identities (reconstructions, exp(A) exp(-A) = I),
finite differences (check_grads order 2), Python loops (vmap), eager (jit) and JAX."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings

import functrans as ft
from functrans import lax
from functrans.errors import DTypeError, ShapeError
from functrans.scipy import linalg as fsl
from functrans.test_util import check_grads


@st.composite
def well_conditioned(draw, max_n=4, batch_shapes=st.just(())):
    """Strictly diagonally dominant matrices: entries in [-1, 1] plus (n + 1) I."""
    n = draw(st.integers(1, max_n))
    x = draw(hnp.arrays(np.float64, draw(batch_shapes) + (n, n), elements=st.floats(-1, 1)))
    return x + (n + 1) * np.eye(n)


def spd_of(a):
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


def rhs(n, k=None, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n) if k is None else rng.standard_normal((n, k))


# --------------------------------------------------------------------------- values against SciPy


@settings(max_examples=20, deadline=None)
@given(well_conditioned(), st.sampled_from([0, 1, 2, "N", "T"]), st.booleans(), st.booleans(), st.sampled_from([None, 3]))
def test_solve_triangular_matches_scipy(a, trans, lower, unit_diagonal, k):
    b = rhs(a.shape[0], k)
    expected = sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal)
    np.testing.assert_allclose(fsl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal), expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(well_conditioned(), st.booleans(), st.sampled_from([None, 2]))
def test_cholesky_and_cho_solve_match_scipy(a, lower, k):
    a = spd_of(a)
    np.testing.assert_allclose(fsl.cholesky(a, lower=lower), sl.cholesky(a, lower=lower), rtol=1e-10, atol=1e-12)
    c, low = fsl.cho_factor(a, lower=lower)
    assert low == lower
    b = rhs(a.shape[0], k)
    np.testing.assert_allclose(fsl.cho_solve((c, low), b), sl.cho_solve(sl.cho_factor(a, lower=lower), b), rtol=1e-10)
    np.testing.assert_allclose(fsl.solve(a, b, assume_a="pos", lower=lower), sl.solve(a, b, assume_a="pos"), rtol=1e-10)


@settings(max_examples=20, deadline=None)
@given(well_conditioned(max_n=5), st.sampled_from([0, 1, 2]), st.sampled_from([None, 2]))
def test_lu_lu_factor_lu_solve_match_scipy(a, trans, k):
    # Random signs make pivoting happen.
    a = a * np.random.default_rng(a.shape[0]).choice([-1.0, 1.0], a.shape)
    a = a[np.random.default_rng(1).permutation(a.shape[0])]
    for got, expected in zip(fsl.lu(a), sl.lu(a)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    for got, expected in zip(fsl.lu(a, permute_l=True), sl.lu(a, permute_l=True)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    factors, pivots = fsl.lu_factor(a)
    expected_factors, expected_pivots = sl.lu_factor(a)
    np.testing.assert_allclose(factors, expected_factors, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(pivots, expected_pivots)
    b = rhs(a.shape[0], k)
    np.testing.assert_allclose(fsl.lu_solve((factors, pivots), b, trans=trans), sl.lu_solve((expected_factors, expected_pivots), b, trans=trans), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, st.sampled_from([(1, 1), (2, 2), (3, 3), (4, 4), (2, 3, 3)]), elements=st.floats(-3, 3)),
       st.sampled_from([0.01, 1.0, 20.0]))
def test_expm_matches_scipy_and_inverts(a, scale):
    a = a * scale
    expected = sl.expm(a)
    np.testing.assert_allclose(fsl.expm(a), expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())
    if scale < 20:
        n = a.shape[-1]
        np.testing.assert_allclose(fsl.expm(a) @ fsl.expm(-a), np.broadcast_to(np.eye(n), a.shape), atol=1e-8)


def test_expm_of_special_matrices():
    np.testing.assert_array_equal(fsl.expm(np.zeros((3, 3))), np.eye(3))
    np.testing.assert_allclose(fsl.expm(np.diag([1.0, -2.0])), np.diag(np.exp([1.0, -2.0])), rtol=1e-14)
    theta = 0.7
    rotation = fsl.expm(np.array([[0.0, -theta], [theta, 0.0]]))
    np.testing.assert_allclose(rotation, [[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]], rtol=1e-14)
    assert fsl.expm(np.eye(2, dtype=np.float32)).dtype == np.float32
    assert fsl.expm(np.zeros((0, 0))).shape == (0, 0)


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, st.sampled_from([(3, 2), (2, 3), (3, 3)]), elements=st.floats(-2, 2)))
def test_qr_svd_polar_match_scipy(a):
    a = a + np.eye(*a.shape)  # keep singular values apart from zero
    for mode in ["full", "economic"]:
        q, r = fsl.qr(a, mode=mode)
        expected_q, expected_r = sl.qr(a, mode=mode)
        np.testing.assert_allclose(q, expected_q, atol=1e-12)
        np.testing.assert_allclose(r, expected_r, atol=1e-12)
    np.testing.assert_allclose(fsl.qr(a, mode="r")[0], sl.qr(a, mode="r")[0], atol=1e-12)
    np.testing.assert_allclose(fsl.svd(a, compute_uv=False), sl.svd(a, compute_uv=False), rtol=1e-10)
    u, s, vh = fsl.svd(a, full_matrices=False)
    np.testing.assert_allclose((u * s) @ vh, a, atol=1e-12)
    for side in ["right", "left"]:
        unitary, positive = fsl.polar(a, side)
        expected_unitary, expected_positive = sl.polar(a, side)
        np.testing.assert_allclose(unitary, expected_unitary, atol=1e-9)
        np.testing.assert_allclose(positive, expected_positive, atol=1e-9)


def test_eigh_reads_one_triangle_like_scipy():
    a = np.array([[2.0, 5.0, 0.0], [1.0, 3.0, 7.0], [0.5, 0.2, 1.0]])
    for lower in [True, False]:
        w, v = fsl.eigh(a, lower=lower)
        expected = sl.eigh(a, lower=lower, eigvals_only=True)
        np.testing.assert_allclose(w, expected, rtol=1e-12)
        np.testing.assert_allclose(fsl.eigh(a, lower=lower, eigvals_only=True), expected, rtol=1e-12)
        sym = np.tril(a) + np.tril(a, -1).T if lower else np.triu(a) + np.triu(a, 1).T
        np.testing.assert_allclose((v * w) @ v.T, sym, atol=1e-12)
    with pytest.raises(NotImplementedError, match="standard"):
        fsl.eigh(a, np.eye(3))


def test_structured_matrices_det_inv_solve_match_scipy():
    blocks = [np.ones((2, 2)), 3, np.array([1, 2]), np.zeros((0, 2)), np.arange(6.0).reshape(3, 2)]
    np.testing.assert_array_equal(fsl.block_diag(*blocks), sl.block_diag(*blocks))
    assert fsl.block_diag(np.ones((1, 1), np.int32), np.ones((1, 1), np.int32)).dtype == np.int32
    np.testing.assert_array_equal(fsl.toeplitz([1, 2, 3], [9, 4, 5, 6]), sl.toeplitz([1, 2, 3], [9, 4, 5, 6]))
    np.testing.assert_array_equal(fsl.toeplitz([1.0, 2.0, 3.0]), sl.toeplitz([1.0, 2.0, 3.0]))
    batched = fsl.toeplitz(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(batched[1], sl.toeplitz(np.arange(3.0, 6.0)))
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(fsl.det(a), sl.det(a))
    np.testing.assert_allclose(fsl.inv(a), sl.inv(a))
    for assume_a in ["gen", "sym", "her", "pos"]:
        np.testing.assert_allclose(fsl.solve(a, [1.0, 2.0], assume_a=assume_a), sl.solve(a, [1.0, 2.0], assume_a=assume_a))


def test_lu_pivots_to_permutation_composes_the_swaps():
    pivots = np.array([[2, 2, 3], [0, 1, 2]], np.int32)
    expected = []
    for row in pivots:
        perm = list(range(5))
        for i, j in enumerate(row):
            perm[i], perm[j] = perm[j], perm[i]
        expected.append(perm)
    for fn in [lax.linalg.lu_pivots_to_permutation, ft.jit(lax.linalg.lu_pivots_to_permutation, static_argnums=1)]:
        got = fn(pivots, 5)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(ft.vmap(lambda p: lax.linalg.lu_pivots_to_permutation(p, 5), in_axes=1, out_axes=1)(pivots.T), np.array(expected).T)
    np.testing.assert_array_equal(lax.linalg.lu_pivots_to_permutation(lax.linalg.lu(np.array([[1.0, 2.0], [3.0, 4.0]]))[1], 2), [1, 0])
    with pytest.raises(ShapeError, match="permutation_size"):
        lax.linalg.lu_pivots_to_permutation(pivots, 2)
    with pytest.raises(DTypeError, match="integer"):
        lax.linalg.lu_pivots_to_permutation(pivots.astype(float), 5)


def test_hankel_circulant_hilbert_match_scipy():
    np.testing.assert_array_equal(fsl.hankel([1, 2, 3], [9, 4, 5, 6]), sl.hankel([1, 2, 3], [9, 4, 5, 6]))
    np.testing.assert_array_equal(fsl.hankel([1.0, 2.0, 3.0]), sl.hankel([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(fsl.circulant([1, 2, 3, 4]), sl.circulant([1, 2, 3, 4]))
    np.testing.assert_array_equal(fsl.circulant(np.arange(6.0).reshape(2, 3))[1], sl.circulant([3.0, 4.0, 5.0]))
    np.testing.assert_allclose(fsl.hilbert(4), sl.hilbert(4))
    with pytest.raises(ValueError, match="hankel"):
        fsl.hankel(1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 3), (5, 5), (2, 4, 4)])
def test_hessenberg_matches_scipy(shape, dtype):
    rng = np.random.default_rng(8)
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if dtype == np.complex128 else 0)
    h, q = fsl.hessenberg(a, calc_q=True)
    assert h.dtype == q.dtype == dtype
    np.testing.assert_allclose(q @ h @ np.swapaxes(q, -1, -2).conj(), a, atol=1e-12)
    if shape == (2, 2) and dtype == np.complex128:
        # SciPy returns a 2 by 2 matrix as it is; LAPACK's gehrd (and JAX) still make the subdiagonal real.
        np.testing.assert_allclose(np.diag(q), [1.0, q[1, 1]], atol=1e-15)
        assert h[1, 0].imag == 0 and abs(h[1, 0].real) == pytest.approx(abs(a[1, 0]))
        return
    for index in np.ndindex(*shape[:-2]):
        expected_h, expected_q = sl.hessenberg(a[index], calc_q=True)
        np.testing.assert_allclose(h[index], expected_h, atol=1e-12)  # LAPACK's signs, too
        np.testing.assert_allclose(q[index], expected_q, atol=1e-12)
    np.testing.assert_array_equal(fsl.hessenberg(a), h)
    if dtype == np.float64:
        check_grads(fsl.hessenberg, (a,), order=1, modes=("fwd", "rev"))


def test_hessenberg_vmaps_as_a_loop_keeps_float32_and_takes_empty_matrices():
    stack = np.random.default_rng(17).standard_normal((3, 4, 4))
    h, q = ft.vmap(lambda x: fsl.hessenberg(x, calc_q=True), in_axes=1, out_axes=1)(np.swapaxes(stack, 0, 1))
    for i, x in enumerate(stack):
        expected_h, expected_q = sl.hessenberg(x, calc_q=True)
        np.testing.assert_allclose(h[:, i], expected_h, atol=1e-12)
        np.testing.assert_allclose(q[:, i], expected_q, atol=1e-12)
    h32, q32 = fsl.hessenberg(stack.astype(np.float32), calc_q=True)
    assert h32.dtype == q32.dtype == np.float32
    np.testing.assert_allclose(h32, fsl.hessenberg(stack), atol=1e-5)
    h0, q0 = fsl.hessenberg(np.zeros((2, 0, 0)), calc_q=True)
    assert h0.shape == q0.shape == (2, 0, 0)


def test_expm_frechet_matches_scipy():
    rng = np.random.default_rng(9)
    a, e = rng.standard_normal((2, 3, 3))
    value, derivative = fsl.expm_frechet(a, e)
    expected_value, expected_derivative = sl.expm_frechet(a, e)
    np.testing.assert_allclose(value, expected_value, rtol=1e-10)
    np.testing.assert_allclose(derivative, expected_derivative, rtol=1e-9)
    np.testing.assert_allclose(fsl.expm_frechet(a, e, compute_expm=False), expected_derivative, rtol=1e-9)


def test_batched_factorizations_and_solves():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 3, 3)) + 4 * np.eye(3)
    b = rng.standard_normal((2, 3, 2))
    factors, pivots = fsl.lu_factor(a)
    for i in range(2):
        np.testing.assert_allclose(fsl.lu_solve((factors, pivots), b, trans=1)[i], sl.lu_solve(sl.lu_factor(a[i]), b[i], trans=1), rtol=1e-10)
        np.testing.assert_allclose(fsl.solve_triangular(a, b, lower=True)[i], sl.solve_triangular(a[i], b[i], lower=True), rtol=1e-10)
        np.testing.assert_allclose(fsl.expm(a)[i], sl.expm(a[i]), rtol=1e-10)
    np.testing.assert_allclose(fsl.solve_triangular(a, b[:, :, 0], lower=True)[1], sl.solve_triangular(a[1], b[1, :, 0], lower=True))


# --------------------------------------------------------------------------- schur and sqrtm (traceable)


def _schur_cases():
    rng = np.random.default_rng(12)
    real = rng.standard_normal((2, 4, 4))
    return real, real + 1j * rng.standard_normal((2, 4, 4))


@pytest.mark.parametrize("output", ["real", "complex"])
def test_schur_matches_scipy_on_batches_and_reconstructs(output):
    for a in _schur_cases():
        t, z = fsl.schur(a, output)
        complex_out = output == "complex" or a.dtype.kind == "c"
        assert t.dtype == z.dtype == (np.complex128 if complex_out else np.float64)
        for index in np.ndindex(*a.shape[:-2]):
            expected_t, expected_z = sl.schur(a[index], output)
            np.testing.assert_allclose(t[index], expected_t, atol=1e-12)
            np.testing.assert_allclose(z[index], expected_z, atol=1e-12)
        np.testing.assert_allclose(z @ t @ np.swapaxes(z, -1, -2).conj(), a, atol=1e-12)
        if complex_out:
            np.testing.assert_array_equal(np.tril(t, -1), 0)


def test_schur_keeps_float32_and_complex64():
    a = np.random.default_rng(13).standard_normal((3, 3)).astype(np.float32)
    assert fsl.schur(a)[0].dtype == np.float32
    t, z = fsl.schur(a, output="complex")
    assert t.dtype == z.dtype == np.complex64
    np.testing.assert_allclose(z @ t @ z.conj().T, a, atol=1e-5)
    assert fsl.schur(np.array([[1, 2], [3, 4]]))[0].dtype == np.float64  # integers become float64


def _principal_root_cases():
    rng = np.random.default_rng(14)
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    return {
        "general": rng.standard_normal((4, 4)) + 3 * np.eye(4),
        "negative eigenvalues": q @ np.diag([-1.0, -4.0, 9.0]) @ q.T,  # complex root of a real matrix
        "complex pair": np.array([[1.0, -2.0, 0.5], [2.0, 1.0, 0.0], [0.3, 0.1, 2.0]]),
        "complex input": rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)),
    }


@pytest.mark.parametrize("case", list(_principal_root_cases()))
def test_sqrtm_squares_back_and_matches_scipy(case):
    a = _principal_root_cases()[case]
    root = fsl.sqrtm(a)
    assert root.dtype == np.complex128
    np.testing.assert_allclose(root @ root, a, atol=1e-10)
    if case == "negative eigenvalues":
        # No principal root: the sign of each imaginary root follows the rounding of the Schur form
        # (as JAX; SciPy may pick the other), but the eigenvalues of the root are i, 2i and 3.
        eigenvalues = np.linalg.eigvals(root)
        np.testing.assert_allclose(np.sort(np.abs(eigenvalues)), [1.0, 2.0, 3.0], atol=1e-10)
        np.testing.assert_allclose(np.sort(np.abs(eigenvalues.real)), [0.0, 0.0, 3.0], atol=1e-10)
    else:
        np.testing.assert_allclose(root, sl.sqrtm(a), atol=1e-10)


def test_sqrtm_of_negative_diagonal_is_imaginary_and_of_zero_is_zero():
    np.testing.assert_allclose(fsl.sqrtm(np.diag([-1.0, -4.0, 9.0])), np.diag([1j, 2j, 3.0]), atol=1e-15)
    np.testing.assert_array_equal(fsl.sqrtm(np.zeros((3, 3))), np.zeros((3, 3)))  # 0 / 0 is taken as 0, as JAX
    np.testing.assert_allclose(fsl.sqrtm(np.array([[4.0]])), [[2.0]])


def test_sqrtm_batches_and_vmaps_as_a_loop_and_keeps_complex64():
    stack = np.random.default_rng(15).standard_normal((3, 4, 4)) + 2 * np.eye(4)  # principal roots exist
    expected = np.stack([sl.sqrtm(x) for x in stack])
    np.testing.assert_allclose(fsl.sqrtm(stack), expected, atol=1e-10)
    np.testing.assert_allclose(ft.vmap(fsl.sqrtm)(stack), expected, atol=1e-10)
    np.testing.assert_allclose(ft.vmap(fsl.sqrtm, in_axes=2, out_axes=2)(np.moveaxis(stack, 0, 2)), np.moveaxis(expected, 0, 2), atol=1e-10)
    root = fsl.sqrtm(stack.astype(np.float32))
    assert root.dtype == np.complex64
    np.testing.assert_allclose(root @ root, stack, atol=1e-4)


def test_schur_and_sqrtm_are_not_differentiable():
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    for fn in [lambda x: fsl.schur(x)[0].sum(), lambda x: ft.numpy.real(fsl.sqrtm(x)).sum()]:
        for derivative in [ft.grad(fn), lambda x: ft.jvp(fn, (x,), (x,))]:
            with pytest.raises(NotImplementedError, match="schur: the Schur decomposition is not differentiable"):
                derivative(a)


def _schur_program(a):
    return fsl.schur(a), fsl.schur(a, "complex"), fsl.sqrtm(a), fsl.hessenberg(a, calc_q=True)


@pytest.mark.slow  # compiles a program (about ten seconds)
def test_schur_sqrtm_and_hessenberg_jit_match_eager():
    a = np.random.default_rng(16).standard_normal((2, 3, 3))
    got, expected = ft.jit(_schur_program)(a), _schur_program(a)
    for g, e in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(expected)):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, atol=1e-12)


# --------------------------------------------------------------------------- derivatives, vmap, jit


@pytest.mark.slow
@settings(max_examples=5, deadline=None)
@given(hnp.arrays(np.float64, st.sampled_from([(2, 2), (3, 3)]), elements=st.floats(-1, 1)))
def test_expm_derivatives_order_2_on_random_matrices(a):
    check_grads(fsl.expm, (a,), order=2, modes=("fwd", "rev"))


def test_expm_derivatives_order_2():
    check_grads(fsl.expm, (np.array([[0.5, -1.0], [2.0, 0.25]]) * 4,), order=2, modes=("fwd", "rev"))


def test_expm_derivative_matches_the_block_matrix_identity():
    # expm([[A, E], [0, A]]) holds the directional derivative of expm at A along E in its corner.
    rng = np.random.default_rng(5)
    a, e = rng.standard_normal((2, 3, 3)) * 2  # large enough to need squarings
    _, tangent = ft.jvp(fsl.expm, (a,), (e,))
    block = sl.expm(np.block([[a, e], [np.zeros((3, 3)), a]]))
    np.testing.assert_allclose(tangent, block[:3, 3:], rtol=1e-9)


def test_solver_derivatives_order_2():
    a = np.array([[3.0, 0.5, 0.2], [0.4, 2.0, 0.3], [0.1, 0.6, 4.0]])
    b = np.array([1.0, -1.0, 2.0])
    spd = a @ a.T
    check_grads(lambda x, y: fsl.solve_triangular(x, y, lower=True, trans=1), (a, b), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, y: fsl.cho_solve(fsl.cho_factor(x), y), (spd, b), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, y: fsl.lu_solve(fsl.lu_factor(x), y, trans=1), (a, b), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fsl.lu(x)[1:], (a,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fsl.polar(x)[1], (a,), order=2, modes=("fwd", "rev"))
    check_grads(lambda c, r: fsl.toeplitz(c, r) @ b, (b, b[::-1].copy()), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("fn", [fsl.expm, lambda x: fsl.lu(x)[1], lambda x: fsl.lu_solve(fsl.lu_factor(x), x[0], trans=1),
                                lambda x: fsl.cho_solve(fsl.cho_factor(x @ x.T), x[0]), lambda x: fsl.polar(x)[0]],
                         ids=["expm", "lu", "lu_solve", "cho_solve", "polar"])
def test_vmap_matches_a_python_loop(fn):
    stack = np.random.default_rng(6).standard_normal((4, 3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(ft.vmap(fn)(stack), np.stack([fn(x) for x in stack]), rtol=1e-10, atol=1e-12)


def _program(a, b):
    factors = fsl.lu_factor(a)
    return (fsl.expm(a / 4), fsl.lu_solve(factors, b), fsl.lu_solve(factors, b, trans=1), fsl.solve_triangular(a, b, lower=True),
            fsl.cho_solve(fsl.cho_factor(a @ a.T), b), fsl.lu(a)[0], fsl.toeplitz(b), fsl.block_diag(a, b[None]), fsl.polar(a)[1])


@pytest.mark.slow
def test_jit_matches_eager():
    a = np.random.default_rng(7).standard_normal((3, 3)) + 3 * np.eye(3)
    b = np.array([1.0, 2.0, -1.0])
    for got, expected in zip(ft.jit(_program)(a, b), _program(a, b)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- errors and JAX


@pytest.mark.parametrize("fn,error,match", [
    (lambda: fsl.solve_triangular(np.eye(2), np.ones(3)), ValueError, "solve_triangular: b of shape"),
    (lambda: fsl.solve_triangular(np.eye(2), np.ones(2), trans=3), ValueError, "trans"),
    (lambda: fsl.lu(np.ones((2, 3))), np.linalg.LinAlgError, "lu.*square"),
    (lambda: fsl.expm(np.ones(3)), np.linalg.LinAlgError, "expm"),
    (lambda: fsl.solve(np.eye(2), np.ones(2), assume_a="tri"), ValueError, "assume_a"),
    (lambda: fsl.qr(np.eye(2), mode="raw"), ValueError, "mode"),
    (lambda: fsl.qr(np.eye(2), pivoting=True), NotImplementedError, "pivoting"),
    (lambda: fsl.polar(np.eye(2), "up"), ValueError, "side"),
    (lambda: fsl.block_diag(np.ones((1, 1, 1))), ValueError, "at most 2"),
    (lambda: fsl.lu_solve(fsl.lu_factor(np.eye(2)), np.ones(2), trans=5), ValueError, "trans"),
    (lambda: fsl.schur(np.eye(2), "imaginary"), ValueError, "schur: output must be 'real' or 'complex', got 'imaginary'"),
    (lambda: fsl.schur(np.ones((2, 3))), np.linalg.LinAlgError, "schur: the last 2 dimensions of the array must be square"),
    (lambda: fsl.schur(np.ones(3)), np.linalg.LinAlgError, "schur: 1-dimensional"),
    (lambda: fsl.sqrtm(np.ones((3, 2))), np.linalg.LinAlgError, "sqrtm: the last 2 dimensions of the array must be square"),
    (lambda: fsl.sqrtm(np.eye(2), blocksize=2), NotImplementedError, "Blocked version is not implemented yet"),
    (lambda: fsl.hessenberg(np.ones((2, 3))), np.linalg.LinAlgError, "hessenberg: the last 2 dimensions"),
])
def test_errors_name_the_function(fn, error, match):
    with pytest.raises(error, match=match):
        fn()


@pytest.mark.slow  # JAX compiles each function: tens of seconds
def test_values_and_gradients_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jsl = jax.scipy.linalg
    a = np.array([[1.0, 0.5, 0.2], [0.4, -1.0, 0.3], [0.1, 0.6, 0.5]])
    b = np.array([1.0, -1.0, 2.0])
    cases = [
        lambda m, x: m.expm(x * 3).sum(), lambda m, x: m.lu_solve(m.lu_factor(x + 2 * np.eye(3)), b, trans=1).sum(),
        lambda m, x: m.solve_triangular(x + 2 * np.eye(3), b, lower=True).sum(), lambda m, x: (m.lu(x)[1] ** 2).sum(),
        lambda m, x: m.cho_solve(m.cho_factor(x @ x.T + np.eye(3)), b).sum(),
        lambda m, x: m.toeplitz(x[0], x[1]).sum() + m.block_diag(x, x[:1]).sum(), lambda m, x: (m.qr(x)[1] ** 2).sum(),
    ]
    for fn in cases:
        np.testing.assert_allclose(fn(fsl, a), fn(jsl, a), rtol=1e-9)
        np.testing.assert_allclose(ft.grad(lambda x: fn(fsl, x))(a), jax.grad(lambda x: fn(jsl, x))(a), rtol=1e-7, atol=1e-10)
    # JAX's polar iterates (QDWH) and has no reverse-mode derivative: compare values.
    for got, expected in zip(fsl.polar(a), jsl.polar(a)):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
