"""Linear algebra: lax.linalg primitives (cholesky, triangular_solve, lu, det) and
functrans.numpy.linalg (solve, inv, cholesky, det, slogdet), checked against NumPy,
finite differences, cofactor matrices computed from minors, and Python loops."""
import itertools

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import DTypeError, ShapeError
from functrans.test_util import check_grads

BATCH_SHAPES = st.sampled_from([(), (2,), (2, 3)])
TRIANGULAR_FLAGS = list(itertools.product([True, False], repeat=4))  # left_side, lower, transpose_a, unit_diagonal


@st.composite
def well_conditioned(draw, batch_shapes=BATCH_SHAPES, max_n=4, dtype=np.float64):
    """Strictly diagonally dominant matrices: random entries in [-1, 1] plus (n + 1) I."""
    n = draw(st.integers(1, max_n))
    batch = draw(batch_shapes)
    x = draw(hnp.arrays(np.float64, batch + (n, n), elements=st.floats(-1, 1)))
    return (x + (n + 1) * np.eye(n)).astype(dtype)


@st.composite
def spd(draw, batch_shapes=BATCH_SHAPES, max_n=4):
    """Symmetric positive definite: A A^T + n I."""
    a = draw(well_conditioned(batch_shapes, max_n))
    n = a.shape[-1]
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def rhs_for(a, k, seed=0):
    return np.random.default_rng(seed).standard_normal(a.shape[:-1] + (k,))


def cofactor_matrix(a):
    """d det(a) / da, entry by entry from minors."""
    n = a.shape[0]
    if n == 1:
        return np.ones((1, 1))
    minors = [[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)] for i in range(n)]
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return signs * np.array(minors)


def apply_op(a, lower, transpose_a, unit_diagonal):
    """op(a) as triangular_solve reads it: one triangle, ones on the diagonal if unit_diagonal."""
    tri = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        tri = tri - np.diag(np.diagonal(tri)) + np.eye(a.shape[-1])
    return tri.T if transpose_a else tri


def reference_triangular_solve(a, b, left_side, lower, transpose_a, unit_diagonal):
    op_a = apply_op(a, lower, transpose_a, unit_diagonal)
    return np.linalg.solve(op_a, b) if left_side else np.linalg.solve(op_a.T, b.T).T


def triangular_rhs(a, left_side, k=2):
    b = rhs_for(a, k)
    return b if left_side else np.swapaxes(b, -1, -2)


# --------------------------------------------------------------------------- values against NumPy


@settings(max_examples=25, deadline=None)
@given(well_conditioned(), st.sampled_from(["vector", "matrix"]))
def test_solve_matches_numpy(a, kind):
    # A vector b is shared by the whole stack; a matrix b has the stack's batch shape.
    b = rhs_for(a, 3) if kind == "matrix" else rhs_for(a[(0,) * (a.ndim - 2)], 1)[:, 0]
    np.testing.assert_allclose(fnp.linalg.solve(a, b), np.linalg.solve(a, b), rtol=1e-10, atol=1e-12)


def test_solve_broadcasts_batch_axes_like_numpy():
    a = np.eye(3) * 2 + np.arange(9.0).reshape(3, 3) / 10
    stack_a = np.stack([a, a.T, a + np.eye(3)])
    b_stack = rhs_for(np.zeros((4, 1, 3, 3)), 2)
    for args in [(a, b_stack), (stack_a, b_stack), (stack_a, rhs_for(a, 2)), (stack_a, np.ones(3))]:
        expected = np.linalg.solve(*args)
        got = fnp.linalg.solve(*args)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(well_conditioned())
def test_inv_det_slogdet_match_numpy(a):
    np.testing.assert_allclose(fnp.linalg.inv(a), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fnp.linalg.det(a), np.linalg.det(a), rtol=1e-10)
    sign, logabsdet = fnp.linalg.slogdet(a)
    expected = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign, expected.sign)
    np.testing.assert_allclose(logabsdet, expected.logabsdet, rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(spd())
def test_cholesky_matches_numpy_lower_and_upper(a):
    np.testing.assert_allclose(fnp.linalg.cholesky(a), np.linalg.cholesky(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fnp.linalg.cholesky(a, upper=True), np.linalg.cholesky(a, upper=True), rtol=1e-10, atol=1e-12)


def test_cholesky_symmetrizes_like_jax_or_reads_the_lower_triangle_like_numpy():
    a = np.array([[4.0, 4.0], [2.0, 5.0]])
    np.testing.assert_allclose(fnp.linalg.cholesky(a), np.linalg.cholesky((a + a.T) / 2))
    np.testing.assert_allclose(fnp.linalg.cholesky(a, symmetrize_input=False), np.linalg.cholesky(a))


@settings(max_examples=25, deadline=None)
@given(well_conditioned(), st.sampled_from(TRIANGULAR_FLAGS))
def test_triangular_solve_matches_dense_solve_of_the_triangle(a, flags):
    # a is dense: the triangle not read (and the diagonal, if unit) must not matter.
    b = triangular_rhs(a, flags[0])
    got = lax.linalg.triangular_solve(a, b, *flags)
    assert got.shape == b.shape
    for index in np.ndindex(*a.shape[:-2]):
        np.testing.assert_allclose(got[index], reference_triangular_solve(a[index], b[index], *flags), rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(well_conditioned(max_n=5))
def test_lu_factors_reconstruct_the_row_permuted_matrix(a):
    lu, pivots, permutation = lax.linalg.lu(a)
    assert pivots.dtype == np.int32 and permutation.dtype == np.int32
    n = a.shape[-1]
    lower = np.tril(lu, -1) + np.eye(n)
    upper = np.triu(lu)
    permuted = np.take_along_axis(a, permutation[..., None].astype(np.intp), axis=-2)
    np.testing.assert_allclose(lower @ upper, permuted, rtol=1e-12, atol=1e-12)
    # pivots are LAPACK's row swaps, which compose to the permutation.
    for index in np.ndindex(*a.shape[:-2]):
        perm = list(range(n))
        for i, p in enumerate(pivots[index]):
            perm[i], perm[p] = perm[p], perm[i]
        np.testing.assert_array_equal(perm, permutation[index])
        assert np.all(np.abs(lower[index]) <= 1.0)  # partial pivoting


@pytest.mark.parametrize("n", [1, 5, 33, 70])
def test_lu_matches_lapack_including_pivots(n):
    # Sizes past the 32-column block exercise the blocked update.
    a = np.random.default_rng(n).standard_normal((2, n, n))
    lu, pivots, _ = lax.linalg.lu(a)
    for index in range(2):
        expected_lu, expected_pivots = scipy.linalg.lu_factor(a[index])
        np.testing.assert_array_equal(pivots[index], expected_pivots)
        np.testing.assert_allclose(lu[index], expected_lu, rtol=1e-9, atol=1e-11)


def test_lu_of_singular_matrices_reconstructs_them():
    for a in SINGULAR:
        lu, _, permutation = lax.linalg.lu(a)
        n = a.shape[0]
        np.testing.assert_allclose((np.tril(lu, -1) + np.eye(n)) @ np.triu(lu), a[permutation], atol=1e-12)


@pytest.mark.parametrize("fn", [fnp.linalg.inv, fnp.linalg.det, fnp.linalg.cholesky, lambda a: fnp.linalg.slogdet(a)[1]])
def test_float32_stays_float32_and_integers_become_float64(fn):
    a = np.array([[4, 1], [1, 3]])
    assert fn(a).dtype == np.float64
    assert fn(a.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(fn(a.astype(np.float32)), fn(a), rtol=1e-6)


def test_solve_promotes_like_numpy():
    a, b = np.array([[2, 0], [0, 4]]), np.array([1, 1])
    assert fnp.linalg.solve(a, b).dtype == np.linalg.solve(a, b).dtype == np.float64
    assert fnp.linalg.solve(a.astype(np.float32), b.astype(np.float32)).dtype == np.float32


def test_empty_matrices_and_empty_stacks():
    assert fnp.linalg.det(np.zeros((0, 0))) == 1.0
    assert fnp.linalg.slogdet(np.zeros((0, 0))) == (1.0, 0.0)
    assert fnp.linalg.inv(np.zeros((2, 0, 0))).shape == (2, 0, 0)
    assert fnp.linalg.solve(np.zeros((0, 3, 3)), np.zeros((0, 3, 1))).shape == (0, 3, 1)
    assert fnp.linalg.det(np.zeros((0, 2, 2))).shape == (0,)


# --------------------------------------------------------------------------- singular matrices


SINGULAR = [
    np.array([[0.0, 1.0], [0.0, 0.0]]),  # nilpotent: two zero pivots, rank 1
    np.array([[0.0, 1.0], [0.0, 1.0]]),  # zero first column: the zero pivot comes first
    np.array([[1.0, 2.0], [2.0, 4.0]]),
    np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 6.0]]),
    np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),
    np.zeros((3, 3)),
    np.array([[0.0, 2.0, 1.0], [0.0, 1.0, 5.0], [0.0, 3.0, 7.0]]),
    np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0], [3.0, 1.0, 1.0]]),  # two zero pivots, rank 2
]


@pytest.mark.parametrize("a", SINGULAR, ids=range(len(SINGULAR)))
def test_det_of_singular_matrix_is_zero_with_the_cofactor_gradient(a):
    assert fnp.linalg.det(a) == 0.0
    np.testing.assert_allclose(ft.grad(fnp.linalg.det)(a), cofactor_matrix(a), atol=1e-12)
    tangent = np.random.default_rng(0).standard_normal(a.shape)
    _, forward = ft.jvp(fnp.linalg.det, (a,), (tangent,))
    np.testing.assert_allclose(forward, np.sum(cofactor_matrix(a) * tangent), atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 4).map(lambda n: (n, n)), elements=st.integers(-2, 2).map(float)),
    st.data(),
)
def test_det_gradient_is_the_cofactor_matrix_for_small_integer_matrices(a, data):
    # Small integer entries make many matrices exactly singular (zero pivots anywhere).
    n = a.shape[0]
    if data.draw(st.booleans()):
        a[data.draw(st.integers(0, n - 1))] = 0.0
    if data.draw(st.booleans()):
        a[:, data.draw(st.integers(0, n - 1))] = 0.0
    np.testing.assert_allclose(fnp.linalg.det(a), np.linalg.det(a), atol=1e-12)
    gradient = ft.grad(fnp.linalg.det)(a)
    assert np.all(np.isfinite(gradient))
    np.testing.assert_allclose(gradient, cofactor_matrix(a), atol=1e-10)


def test_vmap_of_det_gradient_over_singular_and_regular_matrices():
    stack = np.stack([SINGULAR[0], SINGULAR[1], np.array([[2.0, 1.0], [1.0, 3.0]])])
    got = ft.vmap(ft.grad(fnp.linalg.det))(stack)
    np.testing.assert_allclose(got, np.stack([cofactor_matrix(m) for m in stack]), atol=1e-12)


def test_slogdet_of_singular_matrix_is_zero_sign_and_minus_infinity():
    with np.errstate(divide="ignore"):
        sign, logabsdet = fnp.linalg.slogdet(SINGULAR[2])
    assert sign == 0.0 and logabsdet == -np.inf


@pytest.mark.parametrize("fn", [lambda a: fnp.linalg.solve(a, np.ones(2)), fnp.linalg.inv])
def test_solve_and_inv_of_singular_matrix_raise_linalg_error(fn):
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        fn(SINGULAR[2])
    with pytest.raises(np.linalg.LinAlgError, match=r"matrix \(1,\) of the stack"):
        fn(np.stack([np.eye(2), SINGULAR[0]]))


def test_derivatives_that_do_not_exist_at_singular_matrices_raise_linalg_error():
    with np.errstate(all="ignore"), pytest.raises(np.linalg.LinAlgError, match="singular"):
        ft.grad(lambda x: fnp.linalg.slogdet(x).logabsdet)(SINGULAR[2])
    with np.errstate(all="ignore"), pytest.raises(np.linalg.LinAlgError, match="singular"):
        ft.hessian(fnp.linalg.det)(SINGULAR[2])


def test_cholesky_of_indefinite_matrix_raises_linalg_error():
    with pytest.raises(np.linalg.LinAlgError, match="cholesky.*not positive definite"):
        fnp.linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))


# --------------------------------------------------------------------------- derivatives

GRAD_MATRICES = well_conditioned(batch_shapes=st.just(()), max_n=3)


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(GRAD_MATRICES)
def test_solve_derivatives_order_2(a):
    check_grads(fnp.linalg.solve, (a, rhs_for(a, 2)), order=2)
    check_grads(fnp.linalg.solve, (a, rhs_for(a, 1)[:, 0]), order=2)


@settings(max_examples=8, deadline=None)
@given(GRAD_MATRICES)
def test_inv_derivatives_order_2(a):
    check_grads(fnp.linalg.inv, (a,), order=2)


@settings(max_examples=8, deadline=None)
@given(GRAD_MATRICES)
def test_det_derivatives_order_2(a):
    check_grads(fnp.linalg.det, (a,), order=2)


@settings(max_examples=8, deadline=None)
@given(GRAD_MATRICES)
def test_slogdet_derivatives_order_2(a):
    check_grads(lambda x: fnp.linalg.slogdet(x).logabsdet, (a,), order=2)
    np.testing.assert_allclose(ft.grad(lambda x: fnp.linalg.slogdet(x).logabsdet)(a), np.linalg.inv(a).T, rtol=1e-9)


@settings(max_examples=8, deadline=None)
@given(spd(batch_shapes=st.just(()), max_n=3))
def test_cholesky_derivatives_order_2(a):
    check_grads(lambda x: fnp.linalg.cholesky((x + x.T) / 2), (a,), order=2)


def test_cholesky_derivative_is_that_of_the_lower_triangle_it_reads():
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    lower_only = lambda x: lax.linalg.cholesky(x, symmetrize_input=False)
    check_grads(lower_only, (a,), order=2)
    upper = np.triu(np.ones((3, 3)), 1).astype(bool)
    gradient = ft.grad(lambda x: fnp.sum(lower_only(x) ** 2))(a)
    assert np.all(gradient[upper] == 0.0)
    symmetric = ft.grad(lambda x: fnp.sum(fnp.linalg.cholesky(x) ** 2))(a)
    np.testing.assert_allclose(symmetric, symmetric.T)
    np.testing.assert_allclose(symmetric + symmetric.T, gradient + gradient.T)


@settings(max_examples=4, deadline=None)
@given(GRAD_MATRICES)
def test_triangular_solve_derivatives_order_2_for_every_flag_combination(a):
    for flags in TRIANGULAR_FLAGS:
        check_grads(lambda x, y: lax.linalg.triangular_solve(x, y, *flags), (a, triangular_rhs(a, flags[0])), order=2)


@settings(max_examples=8, deadline=None)
@given(GRAD_MATRICES)
def test_lu_derivatives_order_2(a):
    check_grads(lambda x: lax.linalg.lu(x)[0], (a,), order=2)


def test_det_hessian_matches_finite_differences_of_the_cofactor_matrix():
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.5, 0.0, 1.5]])
    hessian = ft.hessian(fnp.linalg.det)(a)
    eps = 1e-6
    for i, j in itertools.product(range(3), repeat=2):
        step = np.zeros((3, 3))
        step[i, j] = eps
        numeric = (cofactor_matrix(a + step) - cofactor_matrix(a - step)) / (2 * eps)
        np.testing.assert_allclose(hessian[:, :, i, j], numeric, atol=1e-7)


# --------------------------------------------------------------------------- vmap


def loop(fn, *stacks):
    """``fn`` applied matrix by matrix along axis 0, outputs stacked (a tuple output stacks per leaf)."""
    outs = [fn(*args) for args in zip(*stacks)]
    if isinstance(outs[0], tuple):
        return tuple(np.stack(leaf) for leaf in zip(*outs))
    return np.stack(outs)


def assert_trees_close(got, expected):
    for g, e in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


VMAP_CASES = {
    "solve": fnp.linalg.solve,
    "inv": fnp.linalg.inv,
    "det": fnp.linalg.det,
    "slogdet": lambda a: tuple(fnp.linalg.slogdet(a)),
    "cholesky": lambda a: fnp.linalg.cholesky(a @ fnp.swapaxes(a, -1, -2)),
    "lu": lax.linalg.lu,
    "lax_det": lax._linalg.det,
}


@settings(max_examples=10, deadline=None)
@given(well_conditioned(batch_shapes=st.sampled_from([(3,), (2, 3)])), st.sampled_from(sorted(VMAP_CASES)))
def test_vmap_matches_a_python_loop(stack, name):
    fn = VMAP_CASES[name]
    args = (stack, rhs_for(stack, 2)) if name == "solve" else (stack,)
    assert_trees_close(ft.vmap(fn)(*args), loop(fn, *args))


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_over_a_matrix_axis_matches_a_python_loop(name):
    # in_axes=2 maps over the columns axis: the batch axis must be moved out of the matrix axes.
    fn = VMAP_CASES[name]
    stack = np.random.default_rng(1).standard_normal((3, 3, 4)) + 3 * np.eye(3)[..., None]
    moved = np.moveaxis(stack, 2, 0)
    if name == "solve":
        b = rhs_for(moved, 2)
        got = ft.vmap(fn, in_axes=(2, 0))(stack, b)
        expected = loop(fn, moved, b)
    else:
        got, expected = ft.vmap(fn, in_axes=2)(stack), loop(fn, moved)
    assert_trees_close(got, expected)


@pytest.mark.parametrize("flags", TRIANGULAR_FLAGS)
def test_vmap_of_triangular_solve_matches_a_python_loop(flags):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((4, 3, 3)) + 3 * np.eye(3)
    b = triangular_rhs(a, flags[0])
    solve = lambda x, y: lax.linalg.triangular_solve(x, y, *flags)
    assert_trees_close(ft.vmap(solve)(a, b), loop(solve, a, b))
    assert_trees_close(ft.vmap(solve, in_axes=(None, 0))(a[0], b), loop(lambda y: solve(a[0], y), b))
    assert_trees_close(ft.vmap(solve, in_axes=(0, None))(a, b[0]), loop(lambda x: solve(x, b[0]), a))


def test_vmap_of_solve_with_shared_matrix_and_batched_vectors():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.random.default_rng(3).standard_normal((5, 2))
    np.testing.assert_allclose(ft.vmap(fnp.linalg.solve, in_axes=(None, 0))(a, b), np.linalg.solve(a, b.T).T, rtol=1e-12)


def test_gradients_of_vmapped_functions_match_per_matrix_gradients():
    stack = np.random.default_rng(4).standard_normal((3, 3, 3)) + 3 * np.eye(3)
    fn = lambda x: fnp.sum(fnp.linalg.inv(x)) + fnp.linalg.det(x) + fnp.linalg.slogdet(x)[1]
    batched = ft.grad(lambda s: fnp.sum(ft.vmap(fn)(s)))(stack)
    np.testing.assert_allclose(batched, loop(ft.grad(fn), stack), rtol=1e-10)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fn", [fnp.linalg.inv, fnp.linalg.det, fnp.linalg.slogdet, fnp.linalg.cholesky,
                                lambda a: fnp.linalg.solve(a, np.ones(a.shape[0]))])
def test_numpy_functions_reject_non_square_and_vectors_like_numpy(fn):
    with pytest.raises(np.linalg.LinAlgError, match=r"square.*\(2, 3\)"):
        fn(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="1-dimensional"):
        fn(np.ones(3))


def test_solve_rejects_mismatched_right_hand_side():
    with pytest.raises(ValueError, match=r"solve: b of shape \(4,\) does not fit a of shape \(3, 3\)"):
        fnp.linalg.solve(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        fnp.linalg.solve(np.eye(3), np.ones((2, 4)))
    with pytest.raises(ValueError, match="broadcast"):
        fnp.linalg.solve(np.ones((2, 3, 3)), np.ones((4, 3, 1)))


@pytest.mark.parametrize("name, fn", [("cholesky", lax.linalg.cholesky), ("lu", lax.linalg.lu), ("det", lax._linalg.det)])
def test_primitives_name_themselves_and_the_shapes_in_errors(name, fn):
    with pytest.raises(ShapeError, match=rf"{name} takes square matrices.*f64\[2,3\]"):
        fn(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=rf"{name} takes a matrix.*f64\[3\]"):
        fn(np.ones(3))
    with pytest.raises(DTypeError, match=rf"{name} takes float32 or float64.*i64\[2,2\]"):
        fn(np.ones((2, 2), np.int64))
    with pytest.raises(DTypeError, match=rf"{name} takes float32 or float64.*f16"):
        fn(np.ones((2, 2), np.float16))


def test_triangular_solve_errors_name_the_operands():
    a = np.eye(3)
    with pytest.raises(ShapeError, match=r"triangular_solve.*b=f64\[2,2\].*3 rows"):
        lax.linalg.triangular_solve(a, np.ones((2, 2)), left_side=True)
    with pytest.raises(ShapeError, match=r"triangular_solve.*3 columns"):
        lax.linalg.triangular_solve(a, np.ones((3, 2)), left_side=False)
    with pytest.raises(ShapeError, match=r"batch shape \(\)"):
        lax.linalg.triangular_solve(a, np.ones((2, 3, 3)), left_side=True)
    with pytest.raises(ShapeError, match=r"triangular_solve.*b=f64\[3\]"):
        lax.linalg.triangular_solve(a, np.ones(3), left_side=True)
    with pytest.raises(DTypeError, match="equal dtypes"):
        lax.linalg.triangular_solve(a, np.ones((3, 1), np.float32), left_side=True)


def test_errors_are_raised_while_tracing_too():
    with pytest.raises(ShapeError, match="cholesky takes square matrices"):
        ft.make_jaxpr(lax.linalg.cholesky)(np.ones((2, 3)))


def test_staged_primitives_have_hashable_params():
    jaxpr = ft.make_jaxpr(ft.value_and_grad(lambda a: fnp.linalg.det(a) + fnp.sum(fnp.linalg.solve(a, a[0]))))(np.eye(3) * 2)
    names = {eqn.primitive.name for eqn in jaxpr.jaxpr.eqns}
    assert {"det", "lu", "triangular_solve"} <= names
    for eqn in jaxpr.jaxpr.eqns:
        hash(tuple(sorted(eqn.params.items())))


def _tridiagonal_system(batch=(2,), m=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    dl, du = rng.standard_normal(batch + (m,)), rng.standard_normal(batch + (m,))
    d = rng.standard_normal(batch + (m,)) + 4
    dl[..., 0] = du[..., -1] = 0
    dense = np.zeros(batch + (m, m))
    for index in np.ndindex(*batch):
        dense[index] = np.diag(d[index]) + np.diag(dl[index][1:], -1) + np.diag(du[index][:-1], 1)
    return (dl, d, du, rng.standard_normal(batch + (m, k))), dense


@pytest.mark.parametrize("batch,m", [((), 1), ((2,), 5), ((2, 3), 4), ((0,), 3)])
def test_tridiagonal_solve_matches_a_dense_solve(batch, m):
    args, dense = _tridiagonal_system(batch, m)
    np.testing.assert_allclose(lax.linalg.tridiagonal_solve(*args), np.linalg.solve(dense, args[3]), rtol=1e-10, atol=1e-12)


@pytest.mark.slow  # compiles two scans
def test_tridiagonal_solve_derivatives_vmap_and_jit():
    args, _ = _tridiagonal_system()
    check_grads(lax.linalg.tridiagonal_solve, args, order=2, modes=("fwd", "rev"))
    expected = lax.linalg.tridiagonal_solve(*args)
    np.testing.assert_allclose(ft.vmap(lax.linalg.tridiagonal_solve, in_axes=(0, 0, 0, 2), out_axes=2)(*args[:3], np.moveaxis(args[3], 0, 2)),
                               np.moveaxis(expected, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(ft.jit(lax.linalg.tridiagonal_solve)(*args), expected, rtol=1e-12)
    with pytest.raises(ShapeError, match="tridiagonal_solve"):
        lax.linalg.tridiagonal_solve(args[0], args[1], args[2], args[3][..., 0])
