"""The eigh, svd and qr primitives and the functrans.numpy.linalg functions built on them
(norms, pinv, lstsq, matrix_rank, cond, matrix_power, tensor solves, products), checked
against NumPy, reconstruction identities, finite differences, Python loops and jit."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import DTypeError, ShapeError
from functrans.test_util import check_grads

L = fnp.linalg
BATCH_SHAPES = st.sampled_from([(), (2,), (2, 3), (0,)])


@st.composite
def matrices(draw, batch_shapes=BATCH_SHAPES, max_m=4, max_n=4, square=False):
    """Random matrices whose singular values are well separated: Q1 diag(s) Q2 with s spaced by >= 0.5."""
    m = draw(st.integers(1, max_m))
    n = m if square else draw(st.integers(1, max_n))
    batch = draw(batch_shapes)
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    k = min(m, n)
    q1 = np.linalg.qr(rng.standard_normal(batch + (m, m)))[0]
    q2 = np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]
    s = 1.0 + 0.5 * np.arange(k)[::-1] + rng.uniform(0, 0.2, batch + (k,))
    middle = np.zeros(batch + (m, n))
    middle[..., np.arange(k), np.arange(k)] = s
    return q1 @ middle @ q2


@st.composite
def symmetric(draw, batch_shapes=BATCH_SHAPES, max_n=4):
    """Symmetric matrices with eigenvalues spaced by >= 0.5 (of both signs)."""
    n = draw(st.integers(1, max_n))
    batch = draw(batch_shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    q = np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]
    w = 0.7 * np.arange(n) - n / 3 + rng.uniform(0, 0.2, batch + (n,))
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def mT(x):
    return np.swapaxes(x, -1, -2)


def assert_orthonormal_columns(q):
    k = q.shape[-1]
    np.testing.assert_allclose(mT(q) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)), atol=1e-12)


# --------------------------------------------------------------------------- the primitives against NumPy


@settings(max_examples=30, deadline=None)
@given(symmetric())
def test_eigh_matches_numpy_and_reconstructs(a):
    w, v = L.eigh(a)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), rtol=1e-10, atol=1e-12)
    assert_orthonormal_columns(v)
    np.testing.assert_allclose((v * w[..., None, :]) @ mT(v), a, atol=1e-12)
    np.testing.assert_allclose(L.eigvalsh(a), w)


def test_eigh_symmetrizes_or_reads_the_requested_triangle():
    a = np.array([[2.0, 3.0], [1.0, 2.0]])
    np.testing.assert_allclose(L.eigvalsh(a), np.linalg.eigvalsh((a + a.T) / 2))
    np.testing.assert_allclose(L.eigvalsh(a, symmetrize_input=False), np.linalg.eigvalsh(a, UPLO="L"))
    np.testing.assert_allclose(L.eigvalsh(a, "U", symmetrize_input=False), np.linalg.eigvalsh(a, UPLO="U"))


@settings(max_examples=30, deadline=None)
@given(matrices(), st.booleans())
def test_svd_matches_numpy_and_reconstructs(a, full_matrices):
    u, s, vh = L.svd(a, full_matrices=full_matrices)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose(L.svdvals(a), s, rtol=1e-12)
    m, n = a.shape[-2:]
    k = min(m, n)
    assert u.shape == a.shape[:-2] + ((m, m) if full_matrices else (m, k))
    assert vh.shape == a.shape[:-2] + ((n, n) if full_matrices else (k, n))
    assert_orthonormal_columns(u)
    assert_orthonormal_columns(mT(vh))
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(matrices(), st.sampled_from(["reduced", "complete"]))
def test_qr_matches_numpy_and_reconstructs(a, mode):
    q, r = L.qr(a, mode=mode)
    expected_q, expected_r = np.linalg.qr(a, mode=mode)
    np.testing.assert_allclose(q, expected_q, atol=1e-12)
    np.testing.assert_allclose(r, expected_r, atol=1e-12)
    assert_orthonormal_columns(q)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    np.testing.assert_array_equal(np.tril(r, -1), 0)
    np.testing.assert_allclose(L.qr(a, mode="r"), np.linalg.qr(a, mode="r"), atol=1e-12)


def test_qr_raw_mode_is_numpys_eagerly_and_compiled():
    a = np.arange(6.0).reshape(3, 2) + np.eye(3, 2)
    expected = np.linalg.qr(a, mode="raw")
    for got in (L.qr(a, mode="raw"), ft.jit(lambda x: L.qr(x, mode="raw"))(a)):
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, atol=1e-12)


def test_lax_svd_returns_u_s_vh_as_jax_and_its_algorithm_choices_are_jaxs_on_a_cpu():
    a = np.random.default_rng(3).standard_normal((2, 4, 3))
    reduced = lambda x: lax.linalg.svd(x, full_matrices=False)
    for svd in (reduced, ft.jit(reduced)):
        u, s, vh = svd(a)
        assert (u.shape, s.shape, vh.shape) == ((2, 4, 3), (2, 3), (2, 3, 3))
        np.testing.assert_allclose((u * s[..., None, :]) @ vh, a, atol=1e-12)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    linalg = lax.linalg
    for choice in (None, linalg.SvdAlgorithm.DEFAULT, linalg.SvdAlgorithm.QR, linalg.SvdAlgorithm.DIVIDE_AND_CONQUER):
        np.testing.assert_allclose(linalg.svd(a, algorithm=choice, compute_uv=False), s, rtol=1e-12)
    np.testing.assert_allclose(linalg.svd(a, compute_uv=False, subset_by_index=(0, 3)), s, rtol=1e-12)
    for choice in (linalg.SvdAlgorithm.JACOBI, linalg.SvdAlgorithm.POLAR, "gesvd"):
        with pytest.raises(NotImplementedError, match="svd: algorithm"):
            linalg.svd(a, algorithm=choice)
    with pytest.raises(NotImplementedError, match="subset_by_index"):
        linalg.svd(a, subset_by_index=(0, 2))
    square = a[0, :3] + a[0, :3].T
    assert linalg.eigh(square, implementation=linalg.EighImplementation.QR)[1].shape == (3,)
    for choice in (linalg.EighImplementation.JACOBI, linalg.EighImplementation.QDWH):
        with pytest.raises(NotImplementedError, match="eigh: implementation"):
            linalg.eigh(square, implementation=choice)
    assert linalg.eig(square, implementation=linalg.EigImplementation.LAPACK)[0].shape == (3,)
    with pytest.raises(ValueError, match="LAPACK"):
        linalg.eig(square, implementation=linalg.EigImplementation.MAGMA)


def test_svd_of_symmetric_matrices_through_eigh():
    a = np.array([[2.0, 1.0, 0.0], [1.0, -3.0, 0.5], [0.0, 0.5, 1.0]])
    u, s, vh = L.svd(a, hermitian=True)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose((u * s) @ vh, a, atol=1e-12)
    np.testing.assert_allclose(L.svd(a, hermitian=True, compute_uv=False), s)


def test_float32_stays_float32_and_integers_become_float64():
    a32 = np.array([[2.0, 1.0], [1.0, 3.0]], np.float32)
    for fn in [lambda x: L.eigh(x)[0], L.svdvals, lambda x: L.qr(x)[1], L.pinv, lambda x: L.norm(x, 2), L.cond]:
        assert fn(a32).dtype == np.float32
        assert fn(a32.astype(np.int32)).dtype == np.float64


def test_empty_matrices_and_empty_stacks():
    assert L.svdvals(np.zeros((0, 3))).shape == (0,)
    u, s, vh = L.svd(np.zeros((0, 3)))
    assert u.shape == (0, 0) and vh.shape == (3, 3)
    q, r = L.qr(np.zeros((3, 0)), mode="complete")
    np.testing.assert_allclose(q, np.eye(3))
    assert r.shape == (3, 0)
    w, v = L.eigh(np.zeros((2, 0, 0)))
    assert w.shape == (2, 0) and v.shape == (2, 0, 0)
    assert L.pinv(np.zeros((2, 3, 0))).shape == (2, 0, 3)
    assert L.eigh(np.zeros((0, 3, 3)))[1].shape == (0, 3, 3)


def test_non_contiguous_inputs():
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4) ** 1.5)[:, ::2]
    np.testing.assert_allclose(L.svdvals(a), np.linalg.svd(a, compute_uv=False))
    np.testing.assert_allclose(L.pinv(a), np.linalg.pinv(a), atol=1e-12)
    np.testing.assert_allclose(L.qr(a)[1], np.linalg.qr(a)[1], atol=1e-12)
    w = L.eigh(a @ a.T)[0]
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a @ a.T), atol=1e-10)


# --------------------------------------------------------------------------- functions built on them


MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]
VECTOR_ORDS = [None, 2, 1, 0, np.inf, -np.inf, 3, 0.5, -1]


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), elements=st.floats(-5, 5)),
       st.sampled_from(MATRIX_ORDS), st.booleans(), st.sampled_from([(-2, -1), (-1, -2), (0, 1)]))
def test_matrix_norms_match_numpy(x, ord, keepdims, axis):
    expected = np.linalg.norm(x, ord, axis, keepdims)
    np.testing.assert_allclose(L.norm(x, ord, axis, keepdims), expected, rtol=1e-10, atol=1e-12)
    if axis == (-2, -1):
        np.testing.assert_allclose(L.matrix_norm(x, ord=ord if ord is not None else "fro", keepdims=keepdims), expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), elements=st.floats(-5, 5)),
       st.sampled_from(VECTOR_ORDS), st.booleans())
def test_vector_norms_match_numpy(x, ord, keepdims):
    for axis in [-1, 0]:
        np.testing.assert_allclose(L.norm(x, ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims), rtol=1e-10)
    vector_ord = 2 if ord is None else ord
    for axis in [None, -1] + ([(0, -1)] if x.ndim > 1 else []):
        np.testing.assert_allclose(L.vector_norm(x, axis=axis, keepdims=keepdims, ord=vector_ord),
                                   np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=vector_ord), rtol=1e-10)


def test_norm_of_the_flattened_array_and_bad_orders():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(L.norm(x), np.linalg.norm(x))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        L.norm(x, 2)
    with pytest.raises(ValueError, match="for vectors"):
        L.norm(x[0, 0], "fro")
    with pytest.raises(ValueError, match="for matrices"):
        L.norm(x[0], 3)
    with pytest.raises(ValueError, match="axes"):
        L.norm(x, axis=(0, 1, 2))


@settings(max_examples=25, deadline=None)
@given(matrices())
def test_pinv_lstsq_matrix_rank_cond_match_numpy(a):
    np.testing.assert_allclose(L.pinv(a), np.linalg.pinv(a), atol=1e-10)
    np.testing.assert_array_equal(L.matrix_rank(a), np.linalg.matrix_rank(a))
    for p in [None, 2, -2]:
        np.testing.assert_allclose(L.cond(a, p), np.linalg.cond(a, p), rtol=1e-10)
    if a.ndim == 2:
        b = np.arange(a.shape[0], dtype=float)
        for got, expected in zip(L.lstsq(a, b, numpy_resid=True), np.linalg.lstsq(a, b)):
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10)


def test_rank_deficient_matrices():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    assert int(L.matrix_rank(a)) == 1
    np.testing.assert_allclose(L.pinv(a), np.linalg.pinv(a), atol=1e-12)
    x, residuals, rank, s = L.lstsq(a, np.array([1.0, 2.0, 4.0]))
    expected = np.linalg.lstsq(a, np.array([1.0, 2.0, 4.0]))
    np.testing.assert_allclose(x, expected[0], atol=1e-12)
    assert int(rank) == 1 and residuals.shape == (1,)
    assert L.cond(np.zeros((2, 2))) == np.inf
    assert L.matrix_rank(np.array([0.0, 1.0])) == 1


@pytest.mark.parametrize("p", [1, -1, np.inf, -np.inf, "fro", "nuc"])
def test_cond_in_other_norms_matches_numpy(p):
    a = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])
    np.testing.assert_allclose(L.cond(a, p), np.linalg.cond(a, p), rtol=1e-10)


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 6, 13])
def test_matrix_power_matches_numpy(n):
    a = np.array([[[1.0, 0.5], [0.25, 1.5]], [[0.0, 1.0], [-1.0, 0.5]]])
    np.testing.assert_allclose(L.matrix_power(a, n), np.linalg.matrix_power(a, n), rtol=1e-10)


def test_tensor_solves_and_products_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 2, 3)) + np.eye(6).reshape(6, 2, 3) * 3
    np.testing.assert_allclose(L.tensorinv(a, 1), np.linalg.tensorinv(a, 1), rtol=1e-10)
    b = rng.standard_normal((2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 3
    y = rng.standard_normal((2, 3))
    np.testing.assert_allclose(L.tensorsolve(b, y), np.linalg.tensorsolve(b, y), rtol=1e-10)
    c = np.moveaxis(b, 2, 0)
    np.testing.assert_allclose(L.tensorsolve(c, y, axes=(0,)), np.linalg.tensorsolve(c, y, axes=(0,)), rtol=1e-10)
    chain = [rng.standard_normal(4), rng.standard_normal((4, 6)), rng.standard_normal((6, 2)), rng.standard_normal((2, 5))]
    np.testing.assert_allclose(L.multi_dot(chain), np.linalg.multi_dot(chain), rtol=1e-10)
    x1, x2 = rng.standard_normal((4, 3)), rng.standard_normal(3)
    np.testing.assert_allclose(L.cross(x1, x2), np.linalg.cross(x1, x2), rtol=1e-12)
    np.testing.assert_allclose(L.cross(x1.T, x2[:, None], axis=0), np.cross(x1.T, x2[:, None], axis=0), rtol=1e-12)
    np.testing.assert_allclose(L.vecdot(x1, x2), np.linalg.vecdot(x1, x2), rtol=1e-12)
    np.testing.assert_allclose(L.outer(x2, x1[0]), np.linalg.outer(x2, x1[0]))
    s = rng.standard_normal((2, 3, 3))
    np.testing.assert_allclose(L.matmul(s, x2), np.linalg.matmul(s, x2))
    np.testing.assert_allclose(L.tensordot(s, s[0], axes=2), np.linalg.tensordot(s, s[0], axes=2))
    np.testing.assert_allclose(L.trace(s, offset=1), np.linalg.trace(s, offset=1))
    np.testing.assert_allclose(L.diagonal(s, offset=-1), np.linalg.diagonal(s, offset=-1))
    np.testing.assert_allclose(L.matrix_transpose(s), np.linalg.matrix_transpose(s))
    for method in [None, "lu", "qr"]:
        sign, logabsdet = L.slogdet(s, method=method)
        np.testing.assert_allclose(sign, np.linalg.slogdet(s).sign)
        np.testing.assert_allclose(logabsdet, np.linalg.slogdet(s).logabsdet, rtol=1e-10)


def test_eig_and_eigvals_are_numpys_and_only_eigenvalues_have_derivatives_by_default():
    a = np.array([[0.0, 1.0], [-2.0, -3.0]])
    w, v = L.eig(a)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-12)
    np.testing.assert_allclose(np.sort_complex(L.eigvals(a)), np.sort_complex(np.linalg.eigvals(a)))
    assert L.eigvals(a.astype(np.float32)).dtype == np.complex64
    # The eigenvalues sum to the trace, whose gradient is the identity.
    np.testing.assert_allclose(ft.grad(lambda x: L.eigvals(x).real.sum())(a), np.eye(2), atol=1e-12)
    with pytest.raises(NotImplementedError, match="eig"):  # eigenvectors' derivatives are opt-in, as JAX's
        ft.grad(lambda x: fnp.abs(L.eig(x)[1]).sum())(a)


# --------------------------------------------------------------------------- derivatives


@settings(max_examples=8, deadline=None)
@given(symmetric(batch_shapes=st.sampled_from([(), (2,)]), max_n=3))
def test_eigh_derivatives_order_2(a):
    # Eigenvector signs are a gauge: v v^T (and w) are invariant, so compare those.
    def fn(x):
        w, v = L.eigh(x)
        return w, v[..., :, :1] * v[..., 0:1, :1]

    check_grads(fn, (a,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: lax.linalg.eigh(x, symmetrize_input=False), (a,), order=1, modes=("fwd", "rev"))


def _gauge_invariant_svd(x):
    u, s, vh = L.svd(x, full_matrices=False)
    # u diag(s) vh and the projector u u^T do not depend on the sign of each singular pair.
    return s, (u * s[..., None, :]) @ vh, u @ fnp.swapaxes(u, -1, -2), fnp.swapaxes(vh, -1, -2) @ vh


@settings(max_examples=8, deadline=None)
@given(matrices(batch_shapes=st.sampled_from([(), (2,)]), max_m=3, max_n=3))
def test_svd_derivatives_order_2(a):
    check_grads(_gauge_invariant_svd, (a,), order=2, modes=("fwd", "rev"))
    check_grads(L.svdvals, (a,), order=2, modes=("fwd", "rev"))


def test_svd_derivative_of_full_non_square_factors_is_not_implemented_like_jax():
    with pytest.raises(NotImplementedError, match="full_matrices"):
        ft.jacfwd(lambda x: L.svd(x)[0])(np.ones((3, 2)) + np.eye(3, 2))
    check_grads(lambda x: L.svd(x)[0] @ L.svd(x)[2], (np.array([[2.0, 1.0], [0.0, 1.0]]),), order=1)


@settings(max_examples=8, deadline=None)
@given(matrices(batch_shapes=st.sampled_from([(), (2,)]), max_m=4, max_n=4))
def test_qr_derivatives_order_2(a):
    check_grads(lambda x: tuple(L.qr(x)), (a,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: tuple(L.qr(x, mode="complete")), (a,), order=1, modes=("fwd", "rev"))


def test_complete_qr_derivatives_of_tall_matrices_order_2():
    a = np.array([[2.0, 0.5], [0.3, 1.0], [1.0, -1.0], [0.2, 0.7]])
    check_grads(lambda x: tuple(L.qr(x, mode="complete")), (a,), order=2, modes=("fwd", "rev"))


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(matrices(batch_shapes=st.sampled_from([(), (2,)]), max_m=3, max_n=3))
def test_pinv_lstsq_norm_derivatives_order_2_on_random_matrices(a):
    test_pinv_lstsq_norm_derivatives_order_2(a)


@pytest.mark.parametrize("a", [np.array([[2.0, 1.0], [0.5, 3.0], [1.0, 0.0]]), np.array([[2.0, 1.0, 0.3], [0.5, 3.0, 1.0]])],
                         ids=["tall", "wide"])
def test_pinv_lstsq_norm_derivatives_order_2(a):
    check_grads(L.pinv, (a,), order=2, modes=("fwd", "rev"))
    for ord in ["nuc", 2, -2]:
        check_grads(lambda x: L.norm(x, ord, axis=(-2, -1)), (a,), order=2, modes=("fwd", "rev"))
    if a.ndim == 2:
        b = np.linspace(-1, 1, a.shape[0])
        check_grads(lambda x, y: L.lstsq(x, y)[0], (a, b), order=2, modes=("fwd", "rev"))


def test_pinv_gradient_exists_where_singular_values_repeat():
    # The SVD's derivative is undefined at the identity; the pseudo-inverse's is -dA.
    a = np.eye(3)
    tangent = np.arange(9.0).reshape(3, 3)
    _, out = ft.jvp(L.pinv, (a,), (tangent,))
    np.testing.assert_allclose(out, -tangent, atol=1e-12)


def test_matrix_power_derivatives_order_2():
    a = np.array([[1.0, 0.5], [0.25, 1.5]])
    for n in [-2, 3]:
        check_grads(lambda x: L.matrix_power(x, n), (a,), order=2, modes=("fwd", "rev"))


# --------------------------------------------------------------------------- vmap and jit


def _loop(fn, stack):
    outs = [fn(x) for x in stack]
    return ft.tree_util.tree_map(lambda *xs: np.stack(xs), *outs)


@pytest.mark.parametrize("fn", [
    lambda x: L.eigh(x + fnp.swapaxes(x, -1, -2)), lambda x: tuple(L.svd(x, full_matrices=False)), lambda x: tuple(L.qr(x)),
    L.pinv, lambda x: L.norm(x, "nuc"), L.cond, lambda x: L.matrix_power(x, 3),
], ids=["eigh", "svd", "qr", "pinv", "nuc", "cond", "matrix_power"])
@pytest.mark.parametrize("axis", [0, 2])
def test_vmap_matches_a_python_loop(fn, axis):
    stack = np.random.default_rng(1).standard_normal((3, 3, 3)) + 2 * np.eye(3)
    expected = _loop(fn, stack)
    got = ft.vmap(fn, in_axes=axis)(np.moveaxis(stack, 0, axis))
    for g, e in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def _many(a, s):
    u, sv, vh = L.svd(a, full_matrices=False)
    w, v = L.eigh(s)
    q, r = L.qr(a, mode="complete")
    return (sv, (u * sv[..., None, :]) @ vh, L.svdvals(a), w, v[..., 0] * v[..., :1, 0], q @ r, L.pinv(a),
            L.norm(a, 2, axis=(-2, -1)), L.norm(s, "nuc"), L.cond(s), L.matrix_rank(a), L.matrix_power(s, 5), L.cross(a[..., :3], s[0]))


@pytest.mark.parametrize("dtype", [np.float64, pytest.param(np.float32, marks=pytest.mark.slow)])
def test_jit_matches_eager(dtype):
    rng = np.random.default_rng(2)
    a = np.swapaxes(rng.standard_normal((2, 3, 4)), -1, -2).astype(dtype)  # not C-contiguous
    s = rng.standard_normal((3, 3)).astype(dtype)
    s = s + s.T
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for got, expected in zip(ft.jit(_many)(a, s), _many(a, s)):
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.slow
def test_jit_of_gradients_matches_eager():
    a = np.random.default_rng(3).standard_normal((3, 3)) + 2 * np.eye(3)
    loss = lambda x: fnp.sum(_gauge_invariant_svd(x)[1] ** 2) + L.norm(x, "nuc") + fnp.sum(L.qr(x)[1]) + fnp.sum(L.eigh(x)[0] ** 3)
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(a), ft.grad(loss)(a), rtol=1e-10)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn,arg,error,match", [
    (lambda x: lax.linalg.eigh(x), np.ones((2, 3)), ShapeError, "eigh.*square"),
    (lambda x: lax.linalg.svd(x), np.ones(3), ShapeError, "svd.*stack of matrices"),
    (lambda x: lax.linalg.qr(x), np.ones((2, 2), np.int32), DTypeError, "qr.*float32 or float64"),
    (L.eigh, np.ones((2, 3)), np.linalg.LinAlgError, "eigh.*square"),
    (L.svd, np.ones(3), np.linalg.LinAlgError, "svd.*1-dimensional"),
    (lambda x: L.qr(x, mode="economic"), np.ones((2, 2)), ValueError, "mode"),
    (lambda x: L.matrix_power(x, 2), np.ones((2, 3)), TypeError, "square"),
    (lambda x: L.matrix_power(x, 1.5), np.ones((2, 2)), TypeError, "integer"),
    (lambda x: L.cross(x, x), np.ones(2), ValueError, "3-vectors"),
    (lambda x: L.lstsq(x, np.ones(3)), np.ones((2, 2)), ValueError, "leading dimensions"),
    (lambda x: L.tensorinv(x, 1), np.ones((2, 3)), ValueError, "tensorinv"),
    (lambda x: L.multi_dot([x]), np.ones((2, 2)), ValueError, "two arrays"),
    (lambda x: L.cond(x, 1), np.ones((2, 3)), ValueError, "square"),
    (lambda x: L.eigh(x, UPLO="X"), np.eye(2), ValueError, "UPLO"),
])
def test_errors_name_the_function_and_shapes(fn, arg, error, match):
    with pytest.raises(error, match=match):
        fn(arg)


# --------------------------------------------------------------------------- against JAX


@pytest.mark.slow  # JAX compiles each function: tens of seconds
def test_values_and_gradients_match_jax():
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):  # only here: other files compare with JAX in its default precision
        jnp = jax.numpy
        a = np.array([[2.0, 1.0, 0.5], [0.3, 3.0, 1.0], [0.1, 0.4, 4.0], [1.0, 0.0, 1.0]])
        s = a[:3] + a[:3].T
        cases = [
            (lambda L, x: L.norm(x, "nuc"), a), (lambda L, x: L.norm(x, -2), a), (lambda L, x: L.pinv(x).sum(), a),
            (lambda L, x: L.eigh(x)[0].sum() + (L.eigh(x)[1][:, 0] ** 2).sum(), s), (lambda L, x: L.cond(x), a),
            (lambda L, x: L.svd(x, compute_uv=False)[0], a), (lambda L, x: (L.qr(x)[1] ** 2).sum() + L.qr(x)[0].sum() ** 2, a),
            (lambda L, x: L.lstsq(x, np.arange(4.0))[0].sum(), a), (lambda L, x: L.matrix_power(x, -2).sum(), s),
            (lambda L, x: L.slogdet(x, method="qr")[1], s), (lambda L, x: L.cholesky(x + 9 * np.eye(3)).sum(), s + 0.1 * a[:3]),
        ]
        for fn, x in cases:
            np.testing.assert_allclose(fn(L, x), fn(jnp.linalg, x), rtol=1e-9)
            np.testing.assert_allclose(ft.grad(lambda y: fn(L, y))(x), jax.grad(lambda y: fn(jnp.linalg, y))(x), rtol=1e-7, atol=1e-10)
