"""custom_gradient and closure_convert: the user's gradient is the one reverse mode uses
(deliberately not the true derivative), it may use forward-pass values, composes with
jit, vmap and pytrees, and forward mode raises as for custom_vjp; closure_convert hoists
exactly the traced values, so custom_vjp rules can differentiate them. Against JAX."""
from functools import partial

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp


@ft.custom_gradient
def clipped_square(x):
    y = x ** 2
    return y, lambda g: (fnp.clip(g * 2.0 * x, -1.0, 1.0),)


@ft.custom_gradient
def log1pexp(x):
    e = fnp.exp(x)  # shared with the backward pass
    return fnp.log1p(e), lambda g: (g * e / (1.0 + e),)


def test_value_and_the_users_gradient():
    x = np.array([0.1, 3.0, -2.0])
    np.testing.assert_allclose(clipped_square(x), x ** 2)
    np.testing.assert_allclose(ft.grad(lambda x: clipped_square(x).sum())(x), np.clip(2 * x, -1, 1))
    np.testing.assert_allclose(ft.grad(log1pexp)(2.0), 1 / (1 + np.exp(-2.0)), rtol=1e-14)


def test_jit_vmap_and_second_use():
    x = np.linspace(-2.0, 2.0, 5)
    g = ft.grad(lambda x: clipped_square(x).sum())
    np.testing.assert_allclose(ft.jit(g)(x), np.clip(2 * x, -1, 1))
    np.testing.assert_allclose(ft.vmap(ft.grad(log1pexp))(x), 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(ft.jit(ft.vmap(ft.grad(log1pexp)))(x), 1 / (1 + np.exp(-x)), rtol=1e-14)


def test_several_arguments_pytrees_and_none():
    @ft.custom_gradient
    def f(p, s):
        out = {"y": p["a"] * s, "z": p["b"].sum()}
        return out, lambda ct: ({"a": ct["y"] * 100.0, "b": fnp.ones_like(p["b"]) * ct["z"]}, None)

    p = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}
    g = ft.grad(lambda p, s: f(p, s)["y"].sum() + f(p, s)["z"], (0, 1))(p, 5.0)
    np.testing.assert_allclose(g[0]["a"], [100.0, 100.0])
    np.testing.assert_allclose(g[0]["b"], [1.0, 1.0])
    assert g[1] == 0.0


def test_forward_mode_raises():
    with pytest.raises(TypeError, match="forward-mode"):
        ft.jvp(log1pexp, (1.0,), (1.0,))


def test_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    @jax.custom_gradient
    def theirs(x):
        return x ** 2, lambda g: (jax.numpy.clip(g * 2.0 * x, -1.0, 1.0),)

    x = np.array([0.1, 3.0, -2.0])
    np.testing.assert_allclose(ft.grad(lambda x: clipped_square(x).sum())(x),
                               np.asarray(jax.grad(lambda x: theirs(x).sum())(x)))


@partial(ft.custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x0, *consts):
    x = x0
    for _ in range(60):
        x = f(a, x, *consts)
    return x


def _fp_fwd(f, a, x0, *consts):
    x = fixed_point(f, a, x0, *consts)
    return x, (a, x, consts)


def _fp_bwd(f, res, g):
    a, x, consts = res
    # Implicit function theorem: x = f(a, x, c) => dx = (1 - df/dx)^-1 (df/da da + df/dc dc).
    _, vjp_x = ft.vjp(lambda x: f(a, x, *consts), x)
    (fx,) = vjp_x(1.0)
    w = g / (1.0 - fx)
    _, vjp_ac = ft.vjp(lambda a, *c: f(a, x, *c), a, *consts)
    ga, *gc = vjp_ac(w)
    return (ga, fnp.zeros_like(x), *gc)


fixed_point.defvjp(_fp_fwd, _fp_bwd)


def test_closure_convert_lets_custom_vjp_differentiate_closed_over_values():
    # x = 0.5 cos(x) * w + a: the closure over w is hoisted so the rule can differentiate it.
    def solve(a, w):
        f = lambda a, x: 0.5 * fnp.cos(x) * w + a
        converted, consts = ft.closure_convert(f, a, 0.0)
        return fixed_point(converted, a, 0.0, *consts)

    a, w = 0.3, 1.2
    x = solve(a, w)
    np.testing.assert_allclose(x, 0.5 * np.cos(x) * w + a, rtol=1e-12)
    eps = 1e-6
    fd_w = (solve(a, w + eps) - solve(a, w - eps)) / (2 * eps)
    fd_a = (solve(a + eps, w) - solve(a - eps, w)) / (2 * eps)
    ga, gw = ft.grad(solve, (0, 1))(a, w)
    np.testing.assert_allclose([ga, gw], [fd_a, fd_w], rtol=1e-6)


def test_closure_convert_hoists_only_traced_values_and_checks_structure():
    c = np.array(2.0)
    f, consts = ft.closure_convert(lambda x: x * c, 1.0)
    assert consts == [] and f(3.0) == 6.0
    seen = []

    def outer(w):
        g, hoisted = ft.closure_convert(lambda x: {"y": x * w}, np.ones(2))
        seen.append(len(hoisted))
        return g(np.ones(2), *hoisted)["y"].sum()

    np.testing.assert_allclose(ft.grad(outer)(2.0), 2.0)
    assert seen == [1]
    with pytest.raises(TypeError, match="same Pytree structure"):
        f((1.0, 2.0))
