"""cond / switch / while_loop / fori_loop / scan / map: against Python control flow,
under jit against eager, gradients against finite differences, vmap against loops."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads


def piecewise(x):
    return lax.cond(x > 0, lambda y: fnp.sin(y) * y, lambda y: y ** 3, x)


def piecewise_reference(x):
    return np.sin(x) * x if x > 0 else x ** 3


def rnn_final_state(params, xs):
    w, u = params

    def step(h, x):
        h = fnp.tanh(w @ h + u * x)
        return h, fnp.sum(h)

    h, outs = lax.scan(step, fnp.zeros(w.shape[0]), xs)
    return fnp.sum(h ** 2) + fnp.sum(outs)


def rnn_unrolled(params, xs):
    w, u = params
    h = np.zeros(w.shape[0])
    total = 0.0
    for x in xs:
        h = np.tanh(w @ h + u * x)
        total += h.sum()
    return (h ** 2).sum() + total


@pytest.fixture
def rnn_params():
    rng = np.random.RandomState(0)
    return (rng.standard_normal((3, 3)) * 0.5, rng.standard_normal(3)), rng.standard_normal(5)


# --------------------------------------------------------------------------- cond / switch


@settings(max_examples=25, deadline=None)
@given(st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3))
def test_cond_matches_python_branch(x):
    assert np.allclose(piecewise(x), piecewise_reference(x))


def test_cond_under_jit_matches_eager_and_is_a_real_branch():
    jitted = ft.jit(piecewise)
    for x in (-1.5, 0.7):
        assert np.allclose(jitted(x), piecewise_reference(x))
    assert "if " in jitted.lower(0.7).as_text()


def test_cond_gradients_match_finite_differences():
    for x in (-0.8, 0.6):
        check_grads(piecewise, (x,), order=2)


def test_switch_clamps_the_index():
    branches = [lambda v: v + 1.0, lambda v: v * 2.0, lambda v: v - 3.0]
    assert np.allclose(lax.switch(-5, branches, 2.0), 3.0)
    assert np.allclose(lax.switch(1, branches, 2.0), 4.0)
    assert np.allclose(lax.switch(99, branches, 2.0), -1.0)
    assert np.allclose(ft.jit(lambda i, x: lax.switch(i, branches, x))(np.int32(7), 2.0), -1.0)


def test_vmap_of_cond_with_batched_predicate_selects_per_lane():
    xs = np.array([-2.0, -0.5, 0.5, 2.0])
    expected = np.array([piecewise_reference(x) for x in xs])
    assert np.allclose(ft.vmap(piecewise)(xs), expected)
    assert np.allclose(ft.jit(ft.vmap(piecewise))(xs), expected)
    grads = ft.vmap(ft.grad(piecewise))(xs)
    assert np.allclose(grads, [3 * x ** 2 if x <= 0 else np.cos(x) * x + np.sin(x) for x in xs])


def test_cond_closes_over_outer_tracers():
    f = lambda a, x: lax.cond(x > 0, lambda y: a * y, lambda y: y, x)
    assert np.allclose(ft.grad(f)(3.0, 2.0), 2.0)
    assert np.allclose(ft.grad(f, 1)(3.0, 2.0), 3.0)


def test_cond_branch_mismatch_errors_show_both_types():
    with pytest.raises(TypeError, match=r"f64\[2\].*f64\[3\]"):
        lax.cond(True, lambda x: x[:2], lambda x: x, np.ones(3))
    with pytest.raises(TypeError, match="structure"):
        lax.cond(True, lambda x: (x, x), lambda x: x, np.ones(3))
    with pytest.raises(TypeError, match="f32"):
        lax.cond(True, lambda x: x.astype(np.float32), lambda x: x, np.ones(3))


def test_make_jaxpr_of_cond_is_one_equation_with_branches():
    text = str(ft.make_jaxpr(piecewise)(1.0))
    assert text.count("cond[") == 1 and "branches=" in text


# --------------------------------------------------------------------------- while_loop


def newton_sqrt(a):
    return lax.while_loop(lambda x: fnp.abs(x * x - a) > 1e-12 * a, lambda x: 0.5 * (x + a / x), a)


def test_while_loop_newton_iteration_converges():
    for a in (2.0, 10.0, 0.3):
        assert np.allclose(newton_sqrt(a), np.sqrt(a))
        assert np.allclose(ft.jit(newton_sqrt)(a), np.sqrt(a))


def test_while_loop_jvp_matches_closed_form():
    # x doubles until >= 10; the second carry multiplies by x each step: 8 x^4 for x = 1.5.
    f = lambda x: lax.while_loop(lambda v: v[0] < 10, lambda v: (v[0] * 2, v[1] * v[0]), (x, x))[1]
    value, tangent = ft.jvp(f, (1.5,), (1.0,))
    assert np.allclose(value, 8 * 1.5 ** 4) and np.allclose(tangent, 32 * 1.5 ** 3)


def test_while_loop_reverse_mode_raises_clear_error():
    with pytest.raises(TypeError, match="Reverse-mode differentiation does not work for lax.while_loop"):
        ft.grad(lambda x: lax.while_loop(lambda v: v < 10, lambda v: v * x, 1.0))(3.0)


def test_bounded_while_loop_is_reverse_differentiable():
    f = lambda x: lax.while_loop(lambda v: v < 10, lambda v: v * x, 1.0, max_iterations=20)
    assert np.allclose(f(3.0), 27.0)
    assert np.allclose(ft.grad(f)(3.0), 27.0)  # d(x^3)/dx at 3


def test_vmap_of_while_loop_runs_until_every_lane_is_done():
    xs = np.array([1.0, 3.0, 20.0])
    expected = [16.0, 12.0, 20.0]
    body = lambda x: lax.while_loop(lambda v: v < 10, lambda v: v * 2, x)
    assert np.allclose(ft.vmap(body)(xs), expected)
    assert np.allclose(ft.jit(ft.vmap(body))(xs), expected)


def test_while_loop_body_changing_the_carry_type_errors():
    with pytest.raises(TypeError, match="carry"):
        lax.while_loop(lambda x: x[0] < 3, lambda x: x[:1] + 1, np.zeros(2))
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda x: x, lambda x: x, np.zeros(2))


# --------------------------------------------------------------------------- fori_loop


def euler(y0, k, steps=50, dt=0.01):
    return lax.fori_loop(0, steps, lambda i, y: y - dt * k * y, y0)


def test_fori_loop_static_and_traced_bounds_agree_with_python():
    assert int(lax.fori_loop(0, 10, lambda i, x: x + i, 0)) == 45
    traced = ft.jit(lambda n: lax.fori_loop(0, n, lambda i, x: x + i, 0))
    assert int(traced(np.int64(10))) == 45
    assert "while True" in traced.lower(np.int64(10)).as_text()


def test_euler_ode_derivatives_match_closed_form():
    y0, k, n, dt = 2.0, 1.5, 50, 0.01
    factor = 1 - dt * k
    assert np.allclose(euler(y0, k), y0 * factor ** n)
    assert np.allclose(ft.grad(euler, 0)(y0, k), factor ** n)
    assert np.allclose(ft.grad(euler, 1)(y0, k), -y0 * n * dt * factor ** (n - 1))
    check_grads(euler, (y0, k), order=2)
    assert np.allclose(ft.jit(ft.grad(euler, 1))(y0, k), -y0 * n * dt * factor ** (n - 1))


# --------------------------------------------------------------------------- scan


def test_scan_matches_python_loop_including_reverse():
    xs = np.arange(1.0, 6.0)
    carry, ys = lax.scan(lambda c, x: (c + x, c * x), 0.0, xs)
    c, expected = 0.0, []
    for x in xs:
        expected.append(c * x)
        c += x
    assert np.allclose(carry, c) and np.allclose(ys, expected)
    _, ys_rev = lax.scan(lambda c, x: (c + x, c), 0.0, xs, reverse=True)
    assert np.allclose(ys_rev, [14.0, 12.0, 9.0, 5.0, 0.0])


def test_scan_pytree_carry_and_no_xs():
    (a, b), ys = lax.scan(lambda c, _: ((c[0] + 1, c[1] * 2), c[0]), (0, 1.0), None, length=4)
    assert int(a) == 4 and np.allclose(b, 16.0) and list(ys) == [0, 1, 2, 3]


def test_rnn_gradient_matches_finite_differences_and_unrolled(rnn_params):
    params, xs = rnn_params
    assert np.allclose(rnn_final_state(params, xs), rnn_unrolled(params, xs))
    check_grads(rnn_final_state, (params, xs), order=2, modes=("rev",))
    eps = 1e-6
    w, u = params
    grad_w = ft.grad(rnn_final_state)(params, xs)[0]
    numeric = np.zeros_like(w)
    for idx in np.ndindex(*w.shape):
        dw = np.zeros_like(w)
        dw[idx] = eps
        numeric[idx] = (rnn_unrolled((w + dw, u), xs) - rnn_unrolled((w - dw, u), xs)) / (2 * eps)
    assert np.allclose(grad_w, numeric, atol=1e-6)
    jitted = ft.jit(ft.grad(rnn_final_state))(params, xs)
    assert np.allclose(jitted[0], grad_w)


def test_hessian_through_scan_and_cond():
    def f(x):
        carry, _ = lax.scan(lambda c, xi: (lax.cond(xi > 0, lambda v: v * xi, lambda v: v + xi, c), None), 1.0, x)
        return carry * fnp.sum(x)

    x = np.array([0.5, -1.2, 2.0])
    h = ft.hessian(f)(x)
    check_grads(f, (x,), order=2)
    assert np.allclose(h, h.T)
    assert np.allclose(ft.jit(ft.hessian(f))(x), h)


def test_vmap_of_scan_with_batched_xs_and_carry():
    xs = np.arange(6.0).reshape(2, 3)
    f = lambda c0, x: lax.scan(lambda c, xi: (c * xi + 1.0, c), c0, x)
    carry, ys = ft.vmap(f)(np.array([1.0, 2.0]), xs)
    for lane in range(2):
        c_ref, ys_ref = f(np.array([1.0, 2.0])[lane], xs[lane])
        assert np.allclose(carry[lane], c_ref) and np.allclose(ys[lane], ys_ref)
    assert np.allclose(ft.jit(ft.vmap(f))(np.array([1.0, 2.0]), xs)[1], ys)


def test_scan_errors_name_both_types():
    with pytest.raises(ValueError, match="disagree"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))
    with pytest.raises(TypeError, match="carry"):
        lax.scan(lambda c, x: (c.astype(np.float32), x), np.zeros(2), np.ones(3))


def test_map_is_a_sequential_vmap():
    xs = np.arange(12.0).reshape(4, 3)
    assert np.allclose(lax.map(lambda x: fnp.sum(x ** 2), xs), (xs ** 2).sum(1))


def test_jitted_scan_is_one_compiled_loop():
    text = ft.jit(lambda xs: lax.scan(lambda c, x: (c + x, c), 0.0, xs)).lower(np.ones(4)).as_text()
    assert "for " in text and "def program" in text
