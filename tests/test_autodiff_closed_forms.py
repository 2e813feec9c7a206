"""Derivatives against closed forms, and the transformations against each other:
Hessians of quadratic forms and of Rosenbrock's function, third derivatives of
polynomials, the softmax cross-entropy gradient, jacfwd = jacrev, the adjoint
identity between vjp and jvp, linearize = jvp, forward-over-reverse, and nested
differentiation without perturbation confusion."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans.tree_util import tree_flatten, tree_map

SEEDS = st.integers(0, 2**32 - 1)
SIZES = st.integers(1, 5)
TIGHT = dict(rtol=1e-10, atol=1e-10)


def assert_trees_close(actual, expected, **tol):
    actual_leaves, actual_tree = tree_flatten(actual)
    expected_leaves, expected_tree = tree_flatten(expected)
    assert actual_tree == expected_tree
    for a, e in zip(actual_leaves, expected_leaves):
        assert np.shape(a) == np.shape(e)
        np.testing.assert_allclose(a, e, **(tol or TIGHT))


def tree_vdot(a, b):
    return sum(float(np.vdot(x, y)) for x, y in zip(tree_flatten(a)[0], tree_flatten(b)[0]))


# --------------------------------------------------------------------------- closed-form Hessians


@settings(max_examples=25, deadline=None)
@given(n=SIZES, seed=SEEDS)
def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose(n, seed):
    rng = np.random.default_rng(seed)
    a, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    quadratic = lambda v: v @ a @ v
    expected = a + a.T
    for hess in (ft.hessian, lambda f: ft.jacfwd(ft.jacfwd(f)), lambda f: ft.jacrev(ft.jacrev(f)), lambda f: ft.jacrev(ft.jacfwd(f))):
        np.testing.assert_allclose(hess(quadratic)(x), expected, **TIGHT)
    np.testing.assert_allclose(ft.grad(quadratic)(x), expected @ x, **TIGHT)


def rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    """The analytic Hessian: tridiagonal."""
    n = x.size
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i + 1, i + 1] += 200.0
        h[i, i + 1] = h[i + 1, i] = -400.0 * x[i]
    return h


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 6), seed=SEEDS)
def test_rosenbrock_hessian_matches_its_tridiagonal_closed_form(n, seed):
    x = np.random.default_rng(seed).uniform(-2, 2, n)
    expected = rosenbrock_hessian(x)
    np.testing.assert_allclose(ft.hessian(rosenbrock)(x), expected, rtol=1e-12, atol=1e-9)
    v = np.random.default_rng(seed + 1).standard_normal(n)
    g, hv = ft.hvp(rosenbrock, (x,), (v,))
    np.testing.assert_allclose(hv, expected @ v, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(g, ft.grad(rosenbrock)(x), **TIGHT)
    assert ft.grad(rosenbrock)(np.ones(n)).tolist() == [0.0] * n  # the minimum


@settings(max_examples=25, deadline=None)
@given(coefficients=st.lists(st.floats(-3, 3), min_size=1, max_size=7), x=st.floats(-2, 2))
def test_third_derivative_of_a_polynomial(coefficients, x):
    c = np.array(coefficients)

    def poly(t):  # Horner's rule in functrans
        out = 0.0 * t
        for ck in c[::-1]:
            out = out * t + ck
        return out

    third = np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(c, 3))
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(poly)))(x), third, rtol=1e-10, atol=1e-9)
    second = np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(c, 2))
    np.testing.assert_allclose(ft.jvp(ft.grad(poly), (x,), (1.0,))[1], second, rtol=1e-10, atol=1e-9)
    # Powers instead of Horner: integer_pow's rule at every order.
    power_sum = lambda t: sum(ck * t**k for k, ck in enumerate(c))
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(power_sum)))(x), third, rtol=1e-10, atol=1e-9)


def test_third_derivatives_of_elementary_functions():
    x = 0.7
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(fnp.sin)))(x), -np.cos(x), **TIGHT)
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(fnp.exp)))(x), np.exp(x), **TIGHT)
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(fnp.log)))(x), 2 / x**3, **TIGHT)
    t = np.tanh(x)  # tanh''' = -2 (1 - t^2)(1 - 3 t^2)
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(fnp.tanh)))(x), -2 * (1 - t**2) * (1 - 3 * t**2), **TIGHT)


def softmax(logits):
    shifted = logits - fnp.max(logits, axis=-1, keepdims=True)
    e = fnp.exp(shifted)
    return e / fnp.sum(e, axis=-1, keepdims=True)


def cross_entropy(logits, onehot):
    shifted = logits - fnp.max(logits, axis=-1, keepdims=True)
    log_softmax = shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=-1, keepdims=True))
    return -fnp.sum(onehot * log_softmax)


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 4), classes=st.integers(2, 6), seed=SEEDS)
def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot(batch, classes, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, (batch, classes))
    onehot = np.eye(classes)[rng.integers(0, classes, batch)]
    exp = np.exp(logits - logits.max(-1, keepdims=True))
    reference_softmax = exp / exp.sum(-1, keepdims=True)
    np.testing.assert_allclose(softmax(logits), reference_softmax, **TIGHT)
    np.testing.assert_allclose(ft.grad(cross_entropy)(logits, onehot), reference_softmax - onehot, **TIGHT)
    # The Hessian for one example is diag(p) - p p^T.
    p = reference_softmax[0]
    np.testing.assert_allclose(ft.hessian(lambda z: cross_entropy(z, onehot[0]))(logits[0]), np.diag(p) - np.outer(p, p), **TIGHT)


# --------------------------------------------------------------------------- the transformations against each other


def random_function(seed, n, m):
    """A random smooth map R^n -> R^m, with its matrices fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    a, b, c = rng.standard_normal((m, n)), rng.standard_normal((m, n)), rng.standard_normal(m)

    def f(x):
        return fnp.tanh(a @ x) * fnp.sin(b @ x + c) + fnp.sum(x**2) * c

    return f


def numeric_jacobian(f, x, eps=1e-6):
    columns = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]
    return np.stack(columns, axis=-1)


@settings(max_examples=25, deadline=None)
@given(n=SIZES, m=SIZES, seed=SEEDS)
def test_jacfwd_equals_jacrev_and_finite_differences(n, m, seed):
    f = random_function(seed, n, m)
    x = np.random.default_rng(seed + 1).standard_normal(n)
    forward, reverse = ft.jacfwd(f)(x), ft.jacrev(f)(x)
    assert forward.shape == reverse.shape == (m, n)
    np.testing.assert_allclose(forward, reverse, **TIGHT)
    np.testing.assert_allclose(forward, numeric_jacobian(f, x), rtol=1e-6, atol=1e-6)


def pytree_function(params, scale):
    """A function from a pytree and a scalar to a pytree (dict of tuple and array)."""
    w, b = params["w"], params["b"]
    h = fnp.tanh(w @ b) * scale
    return {"pair": (fnp.sum(h**2), h[:1] * b[0]), "vector": fnp.exp(b) * scale**2}


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), m=st.integers(1, 3), seed=SEEDS)
def test_jacfwd_equals_jacrev_on_pytrees_with_argnums_tuples_and_aux(n, m, seed):
    rng = np.random.default_rng(seed)
    params = {"w": rng.standard_normal((m, n)), "b": rng.standard_normal(n)}
    scale = rng.uniform(0.5, 2.0)
    for argnums in (0, 1, (0, 1), (1, 0)):
        forward = ft.jacfwd(pytree_function, argnums)(params, scale)
        reverse = ft.jacrev(pytree_function, argnums)(params, scale)
        assert_trees_close(forward, reverse)
    # Leaf shapes are output shape + input shape: d vector / d w is (n, m, n).
    jac = ft.jacrev(pytree_function)(params, scale)
    assert jac["vector"]["w"].shape == (n, m, n) and jac["pair"][0]["b"].shape == (n,)
    # A block against finite differences: d vector / d b = diag(exp(b)) scale^2.
    np.testing.assert_allclose(jac["vector"]["b"], np.diag(np.exp(params["b"])) * scale**2, **TIGHT)
    with_aux = lambda p, s: (pytree_function(p, s), {"mean_b": fnp.mean(p["b"])})
    (fwd, aux_f), (rev, aux_r) = ft.jacfwd(with_aux, has_aux=True)(params, scale), ft.jacrev(with_aux, has_aux=True)(params, scale)
    assert_trees_close(fwd, rev)
    assert_trees_close(fwd, jac)
    np.testing.assert_allclose(aux_f["mean_b"], params["b"].mean())
    np.testing.assert_allclose(aux_r["mean_b"], params["b"].mean())


@settings(max_examples=25, deadline=None)
@given(n=SIZES, m=SIZES, seed=SEEDS)
def test_vjp_is_the_adjoint_of_jvp(n, m, seed):
    # <v, J u> = <J^T v, u> for random u, v.
    f = random_function(seed, n, m)
    rng = np.random.default_rng(seed + 1)
    x, u, v = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)
    out, ju = ft.jvp(f, (x,), (u,))
    out_r, pullback = ft.vjp(f, x)
    (jtv,) = pullback(v)
    np.testing.assert_allclose(out, out_r, **TIGHT)
    np.testing.assert_allclose(np.dot(v, ju), np.dot(jtv, u), rtol=1e-10, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), m=st.integers(1, 3), seed=SEEDS)
def test_vjp_is_the_adjoint_of_jvp_on_pytrees(n, m, seed):
    rng = np.random.default_rng(seed)
    params = {"w": rng.standard_normal((m, n)), "b": rng.standard_normal(n)}
    scale = rng.uniform(0.5, 2.0)
    tangents = tree_map(lambda x: rng.standard_normal(np.shape(x)), (params, scale))
    out, jvp_out = ft.jvp(pytree_function, (params, scale), tangents)
    cotangent = tree_map(lambda x: rng.standard_normal(np.shape(x)), out)
    _, pullback = ft.vjp(pytree_function, params, scale)
    np.testing.assert_allclose(tree_vdot(cotangent, jvp_out), tree_vdot(pullback(cotangent), tangents), rtol=1e-10, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(n=SIZES, m=SIZES, seed=SEEDS)
def test_linearize_equals_jvp_and_is_linear(n, m, seed):
    f = random_function(seed, n, m)
    rng = np.random.default_rng(seed + 1)
    x, u, w = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    out, f_jvp = ft.linearize(f, x)
    out_j, ju = ft.jvp(f, (x,), (u,))
    np.testing.assert_allclose(out, out_j, **TIGHT)
    np.testing.assert_allclose(f_jvp(u), ju, **TIGHT)
    np.testing.assert_allclose(f_jvp(2.0 * u - 3.0 * w), 2.0 * f_jvp(u) - 3.0 * f_jvp(w), **TIGHT)


@settings(max_examples=25, deadline=None)
@given(n=SIZES, seed=SEEDS)
def test_jvp_of_vjp_is_a_second_derivative(n, seed):
    # f(x) = sin(x) * x elementwise: the vjp with cotangent v is v (x cos x + sin x), and
    # its derivative along u is v u (2 cos x - x sin x).
    rng = np.random.default_rng(seed)
    x, u, v = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    pull = lambda y: ft.vjp(lambda z: fnp.sin(z) * z, y)[1](v)[0]
    value, derivative = ft.jvp(pull, (x,), (u,))
    np.testing.assert_allclose(value, v * (x * np.cos(x) + np.sin(x)), **TIGHT)
    np.testing.assert_allclose(derivative, v * u * (2 * np.cos(x) - x * np.sin(x)), **TIGHT)
    # vjp of jvp: the same second derivative, transposed (it is symmetric here).
    push = lambda y: ft.jvp(lambda z: fnp.sin(z) * z, (y,), (u,))[1]
    np.testing.assert_allclose(ft.vjp(push, x)[1](v)[0], v * u * (2 * np.cos(x) - x * np.sin(x)), **TIGHT)


@settings(max_examples=25, deadline=None)
@given(n=SIZES, m=SIZES, seed=SEEDS)
def test_jacfwd_of_jacrev_of_a_map_is_its_second_derivative_tensor(n, m, seed):
    # f(x) = A x^2 has d2 f_i / dx_j dx_k = 2 A_ij [j == k].
    rng = np.random.default_rng(seed)
    a, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    expected = 2 * a[:, :, None] * np.eye(n)[None]
    f = lambda z: a @ z**2
    for second in (ft.jacfwd(ft.jacrev(f)), ft.jacrev(ft.jacfwd(f)), ft.jacfwd(ft.jacfwd(f)), ft.jacrev(ft.jacrev(f))):
        np.testing.assert_allclose(second(x), expected, **TIGHT)


@settings(max_examples=25, deadline=None)
@given(n=SIZES, seed=SEEDS)
def test_hvp_equals_hessian_times_vector(n, seed):
    rng = np.random.default_rng(seed)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    f = lambda z: fnp.sum(fnp.sin(z) * fnp.roll(z, 1)) + fnp.prod(fnp.cos(z))
    g, hv = ft.hvp(f, (x,), (v,))
    np.testing.assert_allclose(hv, ft.hessian(f)(x) @ v, **TIGHT)
    np.testing.assert_allclose(g, ft.grad(f)(x), **TIGHT)
    # Reverse-over-forward and reverse-over-reverse give the same product.
    np.testing.assert_allclose(ft.grad(lambda z: ft.jvp(f, (z,), (v,))[1])(x), hv, **TIGHT)
    np.testing.assert_allclose(ft.grad(lambda z: fnp.vdot(ft.grad(f)(z), v))(x), hv, **TIGHT)


def test_hvp_with_several_arguments():
    f = lambda x, y: fnp.sum(x**2 * y) + fnp.sum(y**3)
    x, y, u, w = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([1.0, 0.5]), np.array([-2.0, 1.0])
    (gx, gy), (hx, hy) = ft.hvp(f, (x, y), (u, w))
    np.testing.assert_allclose(gx, 2 * x * y)
    np.testing.assert_allclose(gy, x**2 + 3 * y**2)
    np.testing.assert_allclose(hx, 2 * y * u + 2 * x * w)  # d/dx(2xy) u + d/dy(2xy) w
    np.testing.assert_allclose(hy, 2 * x * u + 6 * y * w)


# --------------------------------------------------------------------------- nested differentiation


@pytest.mark.parametrize(
    "fn, x, expected",
    [
        # d/dx [x * d/dy (x y)] = d/dx x^2 = 2x
        (lambda x: ft.grad(lambda y: x * y)(2.0) * x, 3.0, 6.0),
        # d/dx [x * d/dy (x + y)] = d/dx x = 1 (confusing the perturbations gives 2)
        (lambda x: x * ft.grad(lambda y: x + y)(1.0), 1.0, 1.0),
        # d/dx [d/dy (x y^2) at y = x] = d/dx 2x^2 = 4x
        (lambda x: ft.grad(lambda y: x * y**2)(x), 1.5, 6.0),
        # d/dx d/dy (x y)(y) = d/dx x = 1, whatever the point
        (lambda x: ft.grad(lambda y: x * y)(x * 5.0), 2.0, 1.0),
        # three levels: d/dx [x * d/dy [y * d/dz (x y z)]] = d/dx [x * 2xy... at y=1] = d/dx 2 x^2 = 4x
        (lambda x: x * ft.grad(lambda y: y * ft.grad(lambda z: x * y * z)(1.0))(1.0), 2.0, 8.0),
    ],
    ids=["x_times_grad_xy", "siskind_pearlmutter", "grad_at_x", "grad_at_scaled_x", "three_levels"],
)
def test_nested_grads_do_not_confuse_perturbations(fn, x, expected):
    np.testing.assert_allclose(ft.grad(fn)(x), expected, **TIGHT)
    np.testing.assert_allclose(ft.jvp(fn, (x,), (1.0,))[1], expected, **TIGHT)


def test_nested_jvps_do_not_confuse_perturbations():
    inner = lambda x: ft.jvp(lambda y: x * y, (2.0,), (1.0,))[1]  # = x
    assert ft.jvp(lambda x: inner(x) * x, (3.0,), (1.0,))[1] == 6.0
    # D(x -> x * D(y -> x + y)(1))(1) = 1
    assert ft.jvp(lambda x: x * ft.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (1.0,), (1.0,))[1] == 1.0


def test_grad_of_grad_of_grad():
    f = lambda x: x**4 + fnp.sin(x)
    x = 0.3
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(f)))(x), 24 * x - np.cos(x), **TIGHT)
    np.testing.assert_allclose(ft.grad(ft.grad(ft.grad(ft.grad(f))))(x), 24 + np.sin(x), **TIGHT)
