"""functrans.lax.linalg.schur (the schur primitive: SciPy's schur eagerly, LAPACK's ?gees in
compiled code): values against SciPy and JAX, the decomposition's properties, stacks, jit
against eager, vmap against a loop, empty matrices, and what it refuses."""
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings

import functrans as ft
from functrans.errors import DTypeError, ShapeError
from functrans.lax import linalg as L

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def is_complex(dtype):
    return np.issubdtype(dtype, np.complexfloating)


def random_matrix(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if is_complex(dtype):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-5) if np.dtype(dtype) in (np.float32, np.complex64) else dict(rtol=1e-11, atol=1e-12)


def mH(x):
    return np.conj(np.swapaxes(x, -1, -2))


def assert_quasi_upper_triangular(u):
    """Real Schur form: zeros below the subdiagonal; a nonzero subdiagonal entry starts a 2x2 block
    (no two in a row) in LAPACK's standard form, equal diagonal entries and off-diagonal entries of
    opposite signs (a pair of complex conjugate eigenvalues)."""
    np.testing.assert_array_equal(np.tril(u, -2), 0)
    sub = np.diagonal(u, offset=-1) != 0
    assert not np.any(sub[1:] & sub[:-1])
    for i in np.flatnonzero(sub):
        block = u[i : i + 2, i : i + 2]
        assert block[0, 0] == block[1, 1] and block[0, 1] * block[1, 0] < 0


def assert_schur_decomposition(u, q, x):
    """``x = q u q^H`` with ``q`` unitary and ``u`` (quasi) upper triangular, matrix by matrix."""
    tol = tolerance(x.dtype)
    n = x.shape[-1]
    np.testing.assert_allclose(q @ u @ mH(q), x, **tol)
    np.testing.assert_allclose(mH(q) @ q, np.broadcast_to(np.eye(n), x.shape), **tol)
    for index in np.ndindex(*x.shape[:-2]):
        if is_complex(x.dtype):
            np.testing.assert_array_equal(np.tril(u[index], -1), 0)
        else:
            assert_quasi_upper_triangular(u[index])


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [5, 2, 1])
def test_schur_is_scipys_schur(dtype, n):
    x = random_matrix(np.random.default_rng(0), (n, n), dtype)
    u, q = L.schur(x)
    expected_u, expected_q = scipy.linalg.schur(x)
    assert u.dtype == q.dtype == np.dtype(dtype)
    np.testing.assert_allclose(u, expected_u, **tolerance(dtype))
    np.testing.assert_allclose(q, expected_q, **tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_schur_returns_u_then_q_as_jax(dtype):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = random_matrix(np.random.default_rng(1), (2, 4, 4), dtype)
    expected_u, expected_q = jax.lax.linalg.schur(x)
    u, q = L.schur(x)
    np.testing.assert_allclose(u, np.asarray(expected_u), **tolerance(dtype))
    np.testing.assert_allclose(q, np.asarray(expected_q), **tolerance(dtype))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.sampled_from([(), (3,), (2, 2)]), st.sampled_from(DTYPES), st.integers(0, 2**31))
def test_schur_is_a_schur_decomposition(n, batch, dtype, seed):
    x = random_matrix(np.random.default_rng(seed), batch + (n, n), dtype)
    assert_schur_decomposition(*L.schur(x), x)


def test_schur_of_a_matrix_with_complex_eigenvalues_has_a_2x2_block():
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    u, q = L.schur(rotation)
    assert np.count_nonzero(np.diagonal(u, offset=-1)) == 1
    assert_schur_decomposition(u, q, rotation)


def test_schur_without_vectors_returns_u_alone():
    x = random_matrix(np.random.default_rng(2), (3, 4, 4), np.float64)
    u = L.schur(x, compute_schur_vectors=False)
    assert isinstance(u, np.ndarray)
    np.testing.assert_array_equal(u, L.schur(x)[0])


def test_schur_of_a_stack_is_schur_of_each_matrix():
    x = random_matrix(np.random.default_rng(3), (2, 3, 4, 4), np.complex128)
    u, q = L.schur(x)
    for index in np.ndindex(2, 3):
        expected_u, expected_q = scipy.linalg.schur(x[index])
        np.testing.assert_allclose(u[index], expected_u, **tolerance(np.complex128))
        np.testing.assert_allclose(q[index], expected_q, **tolerance(np.complex128))


@pytest.mark.parametrize("transform", [lambda f: f, ft.jit], ids=["eager", "jit"])
def test_schur_of_nans_is_nans(transform):
    u, q = transform(L.schur)(np.full((3, 3), np.nan))
    assert np.isnan(u).all() and np.isnan(q).all()


# --------------------------------------------------------------------------- transformations


@pytest.mark.parametrize("dtype", DTYPES)
def test_schur_jit_matches_eager(dtype):
    x = random_matrix(np.random.default_rng(4), (2, 4, 4), dtype)
    for out, expected in zip(ft.jit(L.schur)(x), L.schur(x)):
        assert out.dtype == expected.dtype
        np.testing.assert_allclose(out, expected, **tolerance(dtype))


def test_schur_jit_without_vectors_matches_eager():
    x = random_matrix(np.random.default_rng(5), (4, 4), np.float64)
    f = lambda x: L.schur(x, compute_schur_vectors=False)
    np.testing.assert_allclose(ft.jit(f)(x), f(x), **tolerance(np.float64))


def test_schur_vmap_matches_a_loop():
    x = random_matrix(np.random.default_rng(6), (3, 2, 4, 4), np.float64)
    u, q = ft.vmap(L.schur, in_axes=1)(x)
    for i in range(2):
        expected_u, expected_q = L.schur(x[:, i])
        np.testing.assert_array_equal(u[i], expected_u)
        np.testing.assert_array_equal(q[i], expected_q)


@pytest.mark.parametrize("transform", [lambda f: f, ft.jit], ids=["eager", "jit"])
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
def test_schur_of_empty_arrays_keeps_their_shapes(transform, shape):
    u, q = transform(L.schur)(np.zeros(shape))
    assert u.shape == q.shape == shape


# --------------------------------------------------------------------------- what it refuses


@pytest.mark.parametrize("transform", [lambda f: f, ft.jit], ids=["eager", "jit"])
def test_schur_sorting_is_not_implemented(transform):
    with pytest.raises(NotImplementedError, match="sort_eig_vals=True"):
        transform(lambda x: L.schur(x, sort_eig_vals=True))(np.eye(2))


@pytest.mark.parametrize("derivative", [
    lambda x: ft.grad(lambda x: L.schur(x)[0].sum())(x),
    lambda x: ft.jvp(L.schur, (x,), (np.ones_like(x),)),
], ids=["grad", "jvp"])
def test_schur_is_not_differentiable(derivative):
    with pytest.raises(NotImplementedError, match="schur: the Schur decomposition is not differentiable"):
        derivative(np.array([[1.0, 2.0], [0.0, 3.0]]))


@pytest.mark.parametrize("x, error, message", [
    (np.ones((2, 3)), ShapeError, "schur takes square matrices"),
    (np.ones(3), ShapeError, "schur takes a matrix or a stack"),
    (np.eye(3, dtype=np.int64), DTypeError, "schur takes float32 or float64"),
])
def test_schur_errors(x, error, message):
    with pytest.raises(error, match=message):
        L.schur(x)
    with pytest.raises(error, match=message):
        ft.jit(L.schur)(x)
