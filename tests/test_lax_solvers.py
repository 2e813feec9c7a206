"""lax.custom_linear_solve and lax.custom_root: solutions and implicit derivatives against
closed forms (a linear system solved by conjugate gradients, square roots by Newton's
method), check_grads in both modes, vmap against a loop, jit against eager, jax.lax."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

rng = np.random.default_rng(7)


def conjugate_gradients(matvec, b, iterations=40):
    """Plain CG (no derivative of its own: while_loop has none in reverse mode)."""

    def step(state):
        i, x, r, p, rs = state
        ap = matvec(p)
        alpha = rs / fnp.vdot(p, ap)
        x, r = x + alpha * p, r - alpha * ap
        rs_new = fnp.vdot(r, r)
        return i + 1, x, r, r + (rs_new / rs) * p, rs_new

    state = (0, fnp.zeros_like(b), b, b, fnp.vdot(b, b))
    return lax.while_loop(lambda s: (s[0] < iterations) & (s[4] > 1e-30), step, state)[1]


def spd(n):
    m = rng.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def cg_solve(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b, conjugate_gradients, symmetric=True)


def test_linear_solve_by_cg_and_its_derivatives_match_closed_forms():
    a, b = spd(4), rng.normal(size=4)
    x = cg_solve(a, b)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-10)
    inv = np.linalg.inv(a)
    # d(sum x)/db = a^-T 1; d(sum x)/da = -(a^-T 1) x^T.
    w = inv.T @ np.ones(4)
    np.testing.assert_allclose(ft.grad(lambda b: cg_solve(a, b).sum())(b), w, rtol=1e-10)
    np.testing.assert_allclose(ft.grad(lambda a: cg_solve(a, b).sum())(a), -np.outer(w, x), rtol=1e-9)
    np.testing.assert_allclose(ft.jacfwd(lambda b: cg_solve(a, b))(b), inv, rtol=1e-9, atol=1e-12)
    _, tangent = ft.jvp(lambda a: cg_solve(a, b), (a,), (np.eye(4),))
    np.testing.assert_allclose(tangent, -inv @ x, rtol=1e-9)
    check_grads(lambda a, b: cg_solve(a, b), (a, b), order=2, modes=("fwd", "rev"))


def test_linear_solve_with_a_transpose_solve_for_a_nonsymmetric_operator():
    a, b = rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=3)

    def solve(a, b):
        return lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: fnp.linalg.solve(a, r),
                                       transpose_solve=lambda vm, r: fnp.linalg.solve(a.T, r))

    np.testing.assert_allclose(solve(a, b), np.linalg.solve(a, b), rtol=1e-12)
    np.testing.assert_allclose(ft.jacrev(lambda b: solve(a, b))(b), np.linalg.inv(a), rtol=1e-10)
    check_grads(solve, (a, b), order=2, modes=("fwd", "rev"))
    # vecmat is the linear transpose of matvec, derived automatically: a transpose_solve
    # that builds its matrix from vecmat gives the right gradient.
    by_vecmat = lambda vecmat, r: fnp.linalg.solve(ft.jacfwd(vecmat)(r), r)
    g = ft.grad(lambda b: lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: fnp.linalg.solve(a, r),
                                                  by_vecmat).sum())(b)
    np.testing.assert_allclose(g, np.linalg.solve(a.T, np.ones(3)), rtol=1e-12)


def test_linear_solve_over_a_pytree_with_aux():
    d1, d2 = np.array([2.0, 4.0]), np.array([5.0])
    b = {"u": np.array([1.0, 2.0]), "v": np.array([10.0])}
    matvec = lambda x: {"u": d1 * x["u"], "v": d2 * x["v"]}

    def solve(mv, r):
        return {"u": r["u"] / d1, "v": r["v"] / d2}, {"iterations": np.int32(1)}

    x, aux = lax.custom_linear_solve(matvec, b, solve, symmetric=True, has_aux=True)
    np.testing.assert_allclose(x["u"], [0.5, 0.5])
    np.testing.assert_allclose(x["v"], [2.0])
    assert int(aux["iterations"]) == 1
    g = ft.grad(lambda b: sum(v.sum() for v in lax.custom_linear_solve(matvec, b, solve, symmetric=True,
                                                                       has_aux=True)[0].values()))(b)
    np.testing.assert_allclose(g["u"], 1 / d1)
    np.testing.assert_allclose(g["v"], 1 / d2)


def test_linear_solve_errors():
    a, b = spd(2), np.ones(2)
    with pytest.raises(TypeError, match="transpose_solve required"):
        ft.grad(lambda b: lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: fnp.linalg.solve(a, r)).sum())(b)
    with pytest.raises(ValueError, match="matvec\\(\\) output shapes must match b"):
        lax.custom_linear_solve(lambda x: x[:1], b, lambda mv, r: r)
    with pytest.raises(TypeError, match="solve\\(\\) output pytree structure must match b"):
        lax.custom_linear_solve(lambda x: x, b, lambda mv, r: (r, r))
    with pytest.raises(ValueError, match="has_aux"):
        lax.custom_linear_solve(lambda x: x, b, lambda mv, r: r, has_aux=True)
    # Forward mode needs no transpose_solve.
    _, t = ft.jvp(lambda b: lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: fnp.linalg.solve(a, r)), (b,), (b,))
    np.testing.assert_allclose(t, np.linalg.solve(a, b))


def test_linear_solve_vmap_matches_a_loop():
    a = np.stack([spd(3) for _ in range(4)])
    b = rng.normal(size=(4, 3))
    expected = np.stack([np.linalg.solve(ai, bi) for ai, bi in zip(a, b)])
    np.testing.assert_allclose(ft.vmap(cg_solve)(a, b), expected, rtol=1e-9)
    np.testing.assert_allclose(ft.vmap(cg_solve, in_axes=(None, 0))(a[0], b),
                               np.linalg.solve(a[0], b.T).T, rtol=1e-9)
    np.testing.assert_allclose(ft.vmap(cg_solve, in_axes=(0, None))(a, b[0]),
                               np.stack([np.linalg.solve(ai, b[0]) for ai in a]), rtol=1e-9)
    grads = ft.vmap(ft.grad(lambda a, b: cg_solve(a, b).sum()))(a, b)
    for ai, bi, gi in zip(a, b, grads):
        w = np.linalg.solve(ai.T, np.ones(3))
        np.testing.assert_allclose(gi, -np.outer(w, np.linalg.solve(ai, bi)), rtol=1e-8)


# --------------------------------------------------------------------------- custom_root


def newton(f, x0):
    """Newton's method with the derivative by jvp (no derivative of its own: a while_loop)."""

    def step(state):
        i, x = state
        fx, dfx = ft.jvp(f, (x,), (fnp.ones_like(x),))
        return i + 1, x - fx / dfx

    return lax.while_loop(lambda s: s[0] < 50, step, (0, x0))[1]


def scalar_tangent_solve(g, y):
    return y / g(1.0)


def newton_root(a):
    return lax.custom_root(lambda x: x * x - a, 1.0, newton, scalar_tangent_solve)


def test_sqrt_by_newton_and_its_derivatives_match_closed_forms():
    for a in (2.0, 9.0, 0.25):
        assert np.isclose(newton_root(a), np.sqrt(a), rtol=1e-14)
        assert np.isclose(ft.grad(newton_root)(a), 0.5 / np.sqrt(a), rtol=1e-12)
        assert np.isclose(ft.grad(ft.grad(newton_root))(a), -0.25 * a ** -1.5, rtol=1e-10)
        _, t = ft.jvp(newton_root, (a,), (1.0,))
        assert np.isclose(t, 0.5 / np.sqrt(a), rtol=1e-12)
    check_grads(newton_root, (3.0,), order=2, modes=("fwd", "rev"))


def test_vector_root_with_a_linear_solve_as_tangent_solve():
    # x^3 + c x = p elementwise, with the Jacobian's solve itself a custom_linear_solve.
    c, p = np.array([1.0, 2.0, 0.5]), rng.normal(size=3)

    def root(c, p):
        f = lambda x: x ** 3 + c * x - p

        def tangent_solve(g, y):
            diag = ft.jvp(g, (fnp.ones(3),), (fnp.ones(3),))[1]  # g is linear and diagonal here
            return lax.custom_linear_solve(g, y, lambda mv, r: r / diag, symmetric=True)

        return lax.custom_root(f, np.zeros(3), newton, tangent_solve)

    x = root(c, p)
    np.testing.assert_allclose(x ** 3 + c * x, p, atol=1e-12)
    # dx/dp = 1 / (3 x^2 + c); dx/dc = -x / (3 x^2 + c).
    np.testing.assert_allclose(ft.jacrev(lambda p: root(c, p))(p), np.diag(1 / (3 * x ** 2 + c)), rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(ft.jacfwd(lambda c: root(c, p))(c), np.diag(-x / (3 * x ** 2 + c)), rtol=1e-10,
                               atol=1e-14)
    check_grads(root, (c, p), order=1, modes=("fwd", "rev"))
    batched = ft.vmap(root, in_axes=(None, 0))(c, np.stack([p, 2 * p]))
    np.testing.assert_allclose(batched, np.stack([root(c, p), root(c, 2 * p)]), rtol=1e-12)


def test_root_with_aux_and_errors():
    def solve(f, x):
        return newton(f, x), 50

    x, aux = lax.custom_root(lambda x: x * x - 4.0, 1.0, solve, scalar_tangent_solve, has_aux=True)
    assert np.isclose(x, 2.0) and int(aux) == 50
    with pytest.raises(TypeError, match="f\\(\\) output pytree structure must match initial_guess"):
        lax.custom_root(lambda x: (x, x), 1.0, newton, scalar_tangent_solve)
    with pytest.raises(ValueError, match="has_aux"):
        lax.custom_root(lambda x: x - 1.0, 1.0, lambda f, x: x, scalar_tangent_solve, has_aux=True)
    # The initial guess takes no part in the derivative.
    assert ft.grad(lambda g: lax.custom_root(lambda x: x - 3.0, g, newton, scalar_tangent_solve))(1.0) == 0.0


def test_root_vmap_matches_a_loop():
    a = np.array([1.0, 2.0, 5.0, 10.0])
    np.testing.assert_allclose(ft.vmap(newton_root)(a), np.sqrt(a), rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(ft.grad(newton_root))(a), 0.5 / np.sqrt(a), rtol=1e-12)


@pytest.mark.slow
def test_solvers_under_jit_match_eager():
    a, b = spd(3), rng.normal(size=3)

    def f(a, b, s):
        return cg_solve(a, b), ft.grad(lambda b: cg_solve(a, b).sum())(b), newton_root(s), ft.grad(newton_root)(s)

    for got, want in zip(ft.jit(f)(a, b, 2.0), f(a, b, 2.0)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.slow
def test_solvers_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    a, b = spd(3), rng.normal(size=3)
    jnp = jax.numpy

    def jax_solve(a, b):
        return jax.lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: jnp.linalg.solve(a, r), symmetric=True)

    def ours(a, b):
        return lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, r: fnp.linalg.solve(a, r), symmetric=True)

    np.testing.assert_allclose(ft.grad(lambda a: ours(a, b).sum())(a), jax.grad(lambda a: jax_solve(a, b).sum())(a),
                               rtol=1e-10)

    def jax_root(s):
        newton_j = lambda f, x: jax.lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2.0 * x), x)
        return jax.lax.custom_root(lambda x: x * x - s, 1.0, newton_j, scalar_tangent_solve)

    assert np.isclose(ft.grad(ft.grad(newton_root))(3.0), jax.grad(jax.grad(jax_root))(3.0), rtol=1e-10)
