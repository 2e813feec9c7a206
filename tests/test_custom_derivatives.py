"""custom_jvp, custom_vjp and checkpoint: the user's rules are the ones every
transformation uses (checked with rules that are deliberately not the true
derivative), they compose with jvp, grad, vmap and each other, they stage as one
equation, the errors name the function, and checkpoint recomputes its forward pass
in the backward pass. References: closed forms, NumPy, finite differences
(check_grads) and Python loops.
"""
from functools import partial

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

SHAPES = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)


def points(seed, shape, lo=-2.0, hi=2.0):
    return np.random.RandomState(seed).uniform(lo, hi, shape)


def primitive_names(jaxpr) -> list[str]:
    """The primitives of a jaxpr in order, those of nested jaxprs (params) included."""
    names = []
    for eqn in jaxpr.eqns:
        names.append(eqn.primitive.name)
        for value in eqn.params.values():
            if isinstance(value, ft.ir.ClosedJaxpr):
                names.extend(primitive_names(value.jaxpr))
    return names


# --------------------------------------------------------------------------- custom_jvp


@ft.custom_jvp
def log1pexp(x):
    return fnp.log1p(fnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), t * lax.logistic(x)


def plain_log1pexp(x):
    return fnp.log1p(fnp.exp(x))


@ft.custom_jvp
def sin_with_wrong_rule(x):
    return fnp.sin(x)


@sin_with_wrong_rule.defjvp
def _sin_wrong_jvp(primals, tangents):
    # Deliberately not the derivative of sin (which is cos): proves the rule is used.
    (x,), (t,) = primals, tangents
    return sin_with_wrong_rule(x), 3.0 * x * t


def test_custom_jvp_value_is_the_function_value():
    x = np.array([-1.0, 0.0, 2.5])
    np.testing.assert_allclose(log1pexp(x), np.log1p(np.exp(x)))
    np.testing.assert_allclose(sin_with_wrong_rule(x), np.sin(x))


def test_custom_jvp_rule_gives_a_stable_gradient_where_autodiff_gives_nan():
    x = np.array([-1000.0, -3.0, 0.0, 3.0, 1000.0])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(ft.grad(plain_log1pexp)(1000.0))
        g = ft.vmap(ft.grad(log1pexp))(x)
    np.testing.assert_allclose(g, scipy.special.expit(x))


def test_custom_jvp_rule_is_used_by_jvp_linearize_and_reverse_mode():
    x, t = np.array([0.5, -1.5, 2.0]), np.array([1.0, 2.0, -1.0])
    y, y_dot = ft.jvp(sin_with_wrong_rule, (x,), (t,))
    np.testing.assert_allclose(y, np.sin(x))
    np.testing.assert_allclose(y_dot, 3.0 * x * t)
    _, f_jvp = ft.linearize(sin_with_wrong_rule, x)
    np.testing.assert_allclose(f_jvp(t), 3.0 * x * t)
    np.testing.assert_allclose(ft.grad(lambda x: sin_with_wrong_rule(x).sum())(x), 3.0 * x)
    np.testing.assert_allclose(ft.jacrev(sin_with_wrong_rule)(x), np.diag(3.0 * x))
    np.testing.assert_allclose(ft.jacfwd(sin_with_wrong_rule)(x), np.diag(3.0 * x))


def test_custom_jvp_zero_tangents_reach_the_rule_as_zero_arrays():
    seen = []

    @ft.custom_jvp
    def f(x, y):
        return x * y

    @f.defjvp
    def f_jvp(primals, tangents):
        seen.append([type(t) for t in tangents])
        (x, y), (tx, ty) = primals, tangents
        return f(x, y), tx * y + x * ty

    assert ft.grad(f)(2.0, 5.0) == 5.0  # only x is differentiated: y's tangent is zero
    assert all(issubclass(cls, (np.ndarray, ft.core.Tracer)) for cls in seen[-1])


def test_defjvps_sums_one_term_per_argument():
    @ft.custom_jvp
    def f(x, y):
        return fnp.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: fnp.cos(x) * tx * y, lambda ty, ans, x, y: fnp.sin(x) * ty)
    x, y = 0.7, np.array([1.0, -2.0])
    gx, gy = ft.grad(lambda x, y: f(x, y).sum(), (0, 1))(x, y)
    np.testing.assert_allclose(gx, np.cos(x) * y.sum())
    np.testing.assert_allclose(gy, np.sin(x) * np.ones(2))
    _, t_out = ft.jvp(f, (x, y), (0.5, np.array([1.0, 1.0])))
    np.testing.assert_allclose(t_out, np.cos(x) * 0.5 * y + np.sin(x))


def test_defjvps_none_means_the_output_does_not_depend_on_that_argument():
    @ft.custom_jvp
    def f(x, y):
        return x * y

    f.defjvps(lambda tx, ans, x, y: tx * y, None)
    assert ft.grad(f, (0, 1))(2.0, 3.0) == (3.0, 0.0)
    f.defjvps(None, None)
    assert ft.grad(f, (0, 1))(2.0, 3.0) == (0.0, 0.0)


def test_nondiff_argnums_passes_a_function_argument_to_the_rule_first():
    @partial(ft.custom_jvp, nondiff_argnums=(0,))
    def apply(fn, x):
        return fn(x)

    @apply.defjvp
    def apply_jvp(fn, primals, tangents):
        (x,), (t,) = primals, tangents
        return apply(fn, x), fn(x) * t  # as if fn were its own derivative (true of exp only)

    np.testing.assert_allclose(apply(fnp.sin, 0.3), np.sin(0.3))
    np.testing.assert_allclose(ft.grad(lambda x: apply(fnp.exp, x))(0.3), np.exp(0.3))
    np.testing.assert_allclose(ft.grad(lambda x: apply(fnp.sin, x))(0.3), np.sin(0.3))


def test_nondiff_argnums_python_values_stay_static():
    @partial(ft.custom_jvp, nondiff_argnums=(1,))
    def reshape(x, shape):
        return fnp.reshape(x, shape)  # needs a concrete shape

    @reshape.defjvp
    def reshape_jvp(shape, primals, tangents):
        (x,), (t,) = primals, tangents
        return reshape(x, shape), 2.0 * fnp.reshape(t, shape)  # deliberately doubled

    x = np.arange(6.0)
    assert reshape(x, (2, 3)).shape == (2, 3)
    np.testing.assert_allclose(ft.grad(lambda x: reshape(x, (3, 2)).sum())(x), 2.0 * np.ones(6))
    np.testing.assert_allclose(ft.vmap(lambda x: reshape(x, (3, 2)))(np.ones((4, 6))), np.ones((4, 3, 2)))


@partial(ft.custom_jvp, nondiff_argnums=(1,))
def scaled_sin(x, scale):
    return fnp.sin(x) * scale


@scaled_sin.defjvp
def _scaled_sin_jvp(scale, primals, tangents):
    (x,), (t,) = primals, tangents
    return scaled_sin(x, scale), 2.0 * scale * t  # deliberately not cos(x) * scale


def test_nondiff_argnums_array_argument_gets_no_derivative_and_may_be_traced():
    scales = np.array([1.0, 2.0, 3.0])
    x = 0.4
    # grad with respect to the non-differentiable argument is zero (stop_gradient).
    assert ft.grad(lambda s: scaled_sin(x, s))(2.0) == 0.0
    # A traced non-differentiable argument (vmap outside, inside and around grad).
    np.testing.assert_allclose(ft.vmap(lambda s: ft.grad(scaled_sin)(x, s))(scales), 2.0 * scales)
    np.testing.assert_allclose(ft.vmap(ft.grad(scaled_sin), (None, 0))(x, scales), 2.0 * scales)
    np.testing.assert_allclose(ft.grad(lambda x: ft.vmap(lambda s: scaled_sin(x, s))(scales).sum())(x), 2.0 * scales.sum())
    np.testing.assert_allclose(ft.vmap(scaled_sin, (None, 0))(x, scales), np.sin(x) * scales)


def test_grad_of_grad_differentiates_the_rule():
    x = np.array([-2.0, 0.1, 1.5])
    second = ft.vmap(ft.grad(ft.grad(log1pexp)))(x)
    s = scipy.special.expit(x)
    np.testing.assert_allclose(second, s * (1 - s))
    # With the deliberately wrong rule (3 x t), the second derivative is 3.
    np.testing.assert_allclose(ft.grad(ft.grad(sin_with_wrong_rule))(0.7), 3.0)
    np.testing.assert_allclose(ft.hessian(lambda x: sin_with_wrong_rule(x).sum())(x), 3.0 * np.eye(3))


def test_jvp_of_jvp_differentiates_the_rule():
    first = lambda x: ft.jvp(log1pexp, (x,), (1.0,))[1]
    _, second = ft.jvp(first, (0.3,), (1.0,))
    s = scipy.special.expit(0.3)
    np.testing.assert_allclose(second, s * (1 - s))


def test_custom_jvp_check_grads_order_2():
    check_grads(log1pexp, (np.array([-1.0, 0.5, 2.0]),), order=2)


def test_vmap_of_custom_jvp_of_its_grad_and_grad_of_its_vmap():
    x = np.linspace(-3.0, 3.0, 5)
    np.testing.assert_allclose(ft.vmap(log1pexp)(x), np.log1p(np.exp(x)))
    np.testing.assert_allclose(ft.vmap(ft.grad(sin_with_wrong_rule))(x), 3.0 * x)
    np.testing.assert_allclose(ft.grad(lambda x: ft.vmap(sin_with_wrong_rule)(x).sum())(x), 3.0 * x)
    # vmap over a matrix, mapped along axis 1, and nested vmaps.
    m = np.arange(6.0).reshape(2, 3) / 3.0
    np.testing.assert_allclose(ft.vmap(ft.vmap(ft.grad(sin_with_wrong_rule)), in_axes=1, out_axes=1)(m), 3.0 * m)
    np.testing.assert_allclose(ft.grad(lambda m: ft.vmap(ft.vmap(sin_with_wrong_rule))(m).sum())(m), 3.0 * m)


def test_jvp_of_vmap_of_custom_jvp_uses_the_batched_rule():
    x, t = np.array([0.5, 1.0, 2.0]), np.array([1.0, -1.0, 0.5])
    y, y_dot = ft.jvp(ft.vmap(sin_with_wrong_rule), (x,), (t,))
    np.testing.assert_allclose(y, np.sin(x))
    np.testing.assert_allclose(y_dot, 3.0 * x * t)
    # An unmapped argument next to a mapped one.
    f = ft.vmap(lambda x, y: log1pexp(x) * log1pexp(y), in_axes=(0, None))
    _, y_dot = ft.jvp(f, (x, 0.2), (t, 1.0))
    s = scipy.special.expit
    expected = t * s(x) * np.log1p(np.exp(0.2)) + np.log1p(np.exp(x)) * s(0.2)
    np.testing.assert_allclose(y_dot, expected)


def test_custom_jvp_pytree_arguments_and_outputs():
    @ft.custom_jvp
    def f(params, x):
        return {"y": params["w"] * x, "z": (x, params["b"])}

    @f.defjvp
    def f_jvp(primals, tangents):
        (params, x), (dparams, dx) = primals, tangents
        # Deliberately doubles the true derivative of y.
        dy = 2.0 * (dparams["w"] * x + params["w"] * dx)
        return f(params, x), {"y": dy, "z": (dx, dparams["b"])}

    params, x = {"w": np.array([1.0, 2.0]), "b": np.array(3.0)}, np.array([4.0, 5.0])
    loss = lambda p, x: f(p, x)["y"].sum() + f(p, x)["z"][1]
    gp, gx = ft.grad(loss, (0, 1))(params, x)
    np.testing.assert_allclose(gp["w"], 2.0 * x)
    np.testing.assert_allclose(gp["b"], 1.0)
    np.testing.assert_allclose(gx, 2.0 * params["w"])


def test_custom_jvp_keyword_arguments_are_bound_to_positions():
    @ft.custom_jvp
    def f(x, y=2.0):
        return x * y

    f.defjvps(lambda tx, ans, x, y: 10.0 * tx, None)
    assert f(3.0, y=4.0) == 12.0
    assert ft.grad(lambda x: f(x, y=4.0))(3.0) == 10.0
    assert ft.grad(lambda x: f(x))(3.0) == 10.0


def test_custom_jvp_applied_to_tangents_inside_another_rule_is_transposed():
    @ft.custom_jvp
    def double(x):
        return 2.0 * x

    double.defjvps(lambda t, ans, x: double(t))

    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    f.defjvps(lambda t, ans, x: double(t) * fnp.cos(x))  # linear in t through a custom_jvp call
    np.testing.assert_allclose(ft.grad(f)(0.3), 2.0 * np.cos(0.3))
    np.testing.assert_allclose(ft.jacrev(lambda x: f(x))(np.array([0.3, 0.6])), np.diag(2.0 * np.cos([0.3, 0.6])))


def test_custom_jvp_without_a_rule_raises():
    f = ft.custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="No JVP defined"):
        f(1.0)


@pytest.mark.parametrize(
    "rule, error, message",
    [
        (lambda p, t: p[0], TypeError, "must return a pair"),
        # Under jvp the primal function is not traced (as in JAX): the tangents must match the rule's primals.
        (lambda p, t: ((p[0], p[0]), t[0]), TypeError, "tangent output has structure .* must have the structure PyTreeDef\\(\\(\\*, \\*\\)\\)"),
        (lambda p, t: (fnp.sin(p[0]), (t[0], t[0])), TypeError, "tangent output has structure"),
        (lambda p, t: (fnp.sin(p[0]), fnp.ones(4)), ValueError, "shape"),
        (lambda p, t: (fnp.sin(p[0]), t[0].astype(np.float32)), TypeError, "dtype float32"),
    ],
)
def test_custom_jvp_bad_rule_output_raises_naming_the_function(rule, error, message):
    @ft.custom_jvp
    def my_sin(x):
        return fnp.sin(x)

    my_sin.defjvp(rule)
    with pytest.raises(error, match=message) as info:
        ft.jvp(my_sin, (np.ones(3),), (np.ones(3),))
    assert "my_sin" in str(info.value)


def test_custom_jvp_under_jvp_and_grad_runs_only_the_rule_as_jax_does():
    calls = []

    @ft.custom_jvp
    def f(x):
        calls.append("primal")
        return np.sin(float(x))  # not traceable: only an undifferentiated call may run it

    @f.defjvp
    def f_jvp(primals, tangents):
        calls.append("rule")
        (x,), (t,) = primals, tangents
        return fnp.sin(x), fnp.cos(x) * t

    np.testing.assert_allclose(ft.grad(f)(0.3), np.cos(0.3))
    np.testing.assert_allclose(ft.jit(ft.grad(f))(0.3), np.cos(0.3))
    np.testing.assert_allclose(ft.hessian(f)(0.3), -np.sin(0.3))
    np.testing.assert_allclose(ft.vmap(ft.grad(f))(np.array([0.3, 0.6])), np.cos([0.3, 0.6]))
    assert calls and set(calls) == {"rule"}
    assert f(0.3) == np.sin(0.3) and calls[-1] == "primal"


def test_custom_jvp_differentiated_with_respect_to_other_arguments_only_runs_the_primal():
    calls = []

    @ft.custom_jvp
    def f(x):
        calls.append("primal")
        return fnp.sin(x)

    f.defjvps(lambda t, ans, x: (calls.append("rule"), fnp.cos(x) * t)[1])
    np.testing.assert_allclose(ft.grad(lambda w, x: w * f(x))(2.0, 0.3), np.sin(0.3))
    assert calls == ["primal"]


def test_custom_jvp_differentiating_a_closed_over_value_raises():
    def outer(w):
        @ft.custom_jvp
        def f(x):
            return x * w

        f.defjvps(lambda t, ans, x: t * w)
        return f(1.0)

    with pytest.raises(TypeError, match="closed-over value"):
        ft.grad(outer)(2.0)

    def grad_for(w):  # closes over w, a vmapped value, but only differentiates x: fine
        @ft.custom_jvp
        def f(x):
            return x * w

        f.defjvps(lambda t, ans, x: 5.0 * t * w)
        return ft.grad(f)(1.0)

    np.testing.assert_allclose(ft.vmap(grad_for)(np.array([1.0, 2.0])), [5.0, 10.0])


def test_make_jaxpr_of_custom_jvp_is_a_single_equation():
    jaxpr = ft.make_jaxpr(log1pexp)(np.ones(3))
    assert [e.primitive.name for e in jaxpr.eqns] == ["custom_jvp_call"]
    assert primitive_names(jaxpr) == ["custom_jvp_call", "exp", "log1p"]
    assert "jvp=log1pexp_jvp" in str(jaxpr)
    batched = ft.make_jaxpr(ft.vmap(log1pexp))(np.ones((2, 3)))
    assert [e.primitive.name for e in batched.eqns] == ["custom_jvp_call"]
    for transformed in (ft.vmap(ft.grad(log1pexp)), ft.grad(lambda x: ft.vmap(log1pexp)(x).sum())):
        ft.ir.typecheck_jaxpr(ft.make_jaxpr(transformed)(np.ones(3)).jaxpr)


@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**31 - 1))
def test_custom_jvp_grad_matches_the_rule_on_any_shape(shape, seed):
    x = points(seed, shape, -30.0, 30.0)
    g = ft.grad(lambda x: log1pexp(x).sum())(x)
    np.testing.assert_allclose(g, scipy.special.expit(x), rtol=1e-12)
    g_batched = ft.vmap(ft.grad(lambda x: log1pexp(x).sum()))(x[None])
    np.testing.assert_allclose(g_batched[0], scipy.special.expit(x), rtol=1e-12)


# --------------------------------------------------------------------------- custom_vjp


@ft.custom_vjp
def sin_mul(x, y):
    return fnp.sin(x) * y


def _sin_mul_fwd(x, y):
    return sin_mul(x, y), (fnp.cos(x), fnp.sin(x), y)


def _sin_mul_bwd(res, g):
    cos_x, sin_x, y = res
    # Deliberately three times the true cotangent of x (which is cos(x) * y * g).
    return 3.0 * cos_x * y * g, (sin_x * g).sum()


sin_mul.defvjp(_sin_mul_fwd, _sin_mul_bwd)


@ft.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))


def test_custom_vjp_value_is_the_function_value():
    x = np.array([0.1, 0.5])
    np.testing.assert_allclose(sin_mul(x, 2.0), 2.0 * np.sin(x))


def test_custom_vjp_grad_and_vjp_use_the_bwd_rule():
    x, y = np.array([0.1, 0.5, -1.0]), 2.0
    gx, gy = ft.grad(lambda x, y: sin_mul(x, y).sum(), (0, 1))(x, y)
    np.testing.assert_allclose(gx, 3.0 * np.cos(x) * y)
    np.testing.assert_allclose(gy, np.sin(x).sum())
    out, pullback = ft.vjp(sin_mul, x, y)
    ct = np.array([1.0, -2.0, 0.5])
    cx, cy = pullback(ct)
    np.testing.assert_allclose(out, np.sin(x) * y)
    np.testing.assert_allclose(cx, 3.0 * np.cos(x) * y * ct)
    np.testing.assert_allclose(cy, (np.sin(x) * ct).sum())
    np.testing.assert_allclose(ft.grad(lambda x: (5.0 * clip_gradient(x)).sum())(np.array([1.0, 2.0])), [1.0, 1.0])


def test_custom_vjp_residuals_from_fwd_reach_bwd():
    calls = []

    @ft.custom_vjp
    def exp(x):
        return fnp.exp(x)

    def exp_fwd(x):
        y = fnp.exp(x)
        return y, {"saved": y}

    def exp_bwd(res, g):
        calls.append(res)
        return (res["saved"] * g,)

    exp.defvjp(exp_fwd, exp_bwd)
    x = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(ft.grad(lambda x: exp(x).sum())(x), np.exp(x))
    assert set(calls[-1]) == {"saved"}


def test_custom_vjp_pytree_arguments_with_none_cotangents():
    @ft.custom_vjp
    def f(d, pair):
        return {"s": d["a"] * pair[0], "p": d["b"] + pair[1]}

    def f_fwd(d, pair):
        return f(d, pair), (d["a"], pair[0])

    def f_bwd(res, g):
        a, p0 = res
        return {"a": g["s"] * p0, "b": g["p"]}, (g["s"] * a, None)  # None: zero cotangent

    f.defvjp(f_fwd, f_bwd)
    d, pair = {"a": np.array([1.0, 2.0]), "b": np.array(3.0)}, (np.array([4.0, 5.0]), np.array(6.0))
    out, pullback = ft.vjp(f, d, pair)
    np.testing.assert_allclose(out["s"], [4.0, 10.0])
    ct_d, ct_pair = pullback({"s": np.array([1.0, 2.0]), "p": np.array(3.0)})
    np.testing.assert_allclose(ct_d["a"], [4.0, 10.0])
    np.testing.assert_allclose(ct_d["b"], 3.0)
    np.testing.assert_allclose(ct_pair[0], [1.0, 4.0])
    np.testing.assert_allclose(ct_pair[1], 0.0)


def test_custom_vjp_vmap_of_grad_and_grad_of_vmap_with_an_unmapped_argument():
    xs, y = np.linspace(-1.0, 1.0, 4), 1.5
    per_example = ft.vmap(ft.grad(sin_mul, (0, 1)), (0, None))(xs, y)
    np.testing.assert_allclose(per_example[0], 3.0 * np.cos(xs) * y)
    np.testing.assert_allclose(per_example[1], np.sin(xs))
    # y is used by every example of the vmap: its gradient is the sum over the batch.
    gx, gy = ft.grad(lambda xs, y: ft.vmap(sin_mul, (0, None))(xs, y).sum(), (0, 1))(xs, y)
    np.testing.assert_allclose(gx, 3.0 * np.cos(xs) * y)
    np.testing.assert_allclose(gy, np.sin(xs).sum())
    np.testing.assert_allclose(ft.vmap(sin_mul, (0, None))(xs, y), np.sin(xs) * y)


def test_custom_vjp_nested_vmap_and_jacrev_match_a_loop():
    m = np.arange(6.0).reshape(2, 3) / 4.0
    g = ft.grad(lambda m: ft.vmap(ft.vmap(lambda x: sin_mul(x, 2.0)))(m).sum())(m)
    np.testing.assert_allclose(g, 3.0 * np.cos(m) * 2.0)
    x = np.array([0.2, 0.4, 0.6])
    jac = ft.jacrev(lambda x: sin_mul(x, 2.0))(x)
    loop = np.stack([ft.grad(lambda x: sin_mul(x, 2.0)[i])(x) for i in range(3)])
    np.testing.assert_allclose(jac, loop)
    np.testing.assert_allclose(jac, np.diag(6.0 * np.cos(x)))


def test_custom_vjp_grad_of_grad_differentiates_bwd():
    @ft.custom_vjp
    def cube(x):
        return x**3

    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (3.0 * x**2 * g,))
    np.testing.assert_allclose(ft.grad(ft.grad(cube))(2.0), 12.0)
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(cube)))(np.array([1.0, -1.0])), [6.0, -6.0])


def test_custom_vjp_nondiff_argnums_are_passed_to_bwd_first():
    @partial(ft.custom_vjp, nondiff_argnums=(0,))
    def apply(fn, x):
        return fn(x)

    def apply_fwd(fn, x):
        return apply(fn, x), x

    def apply_bwd(fn, x, g):
        return (fn(g),)

    apply.defvjp(apply_fwd, apply_bwd)
    np.testing.assert_allclose(apply(fnp.sin, 0.5), np.sin(0.5))
    np.testing.assert_allclose(ft.grad(lambda x: apply(lambda v: 7.0 * v, x))(0.5), 7.0)


def test_custom_vjp_forward_mode_raises():
    message = "can't apply forward-mode autodiff \\(jvp\\) to a custom_vjp function \\(sin_mul\\)"
    with pytest.raises(TypeError, match=message):
        ft.jvp(sin_mul, (0.5, 2.0), (1.0, 0.0))
    with pytest.raises(TypeError, match=message):
        ft.jacfwd(lambda x: sin_mul(x, 2.0))(np.ones(2))
    with pytest.raises(TypeError, match=message):
        ft.vmap(lambda t: ft.jvp(lambda x: sin_mul(x, 2.0), (0.5,), (t,))[1])(np.ones(2))
    _, f_jvp = ft.linearize(lambda x: sin_mul(x, 2.0), 0.5)
    with pytest.raises(TypeError, match=message):
        f_jvp(1.0)


@pytest.mark.parametrize(
    "bwd, error, message",
    [
        (lambda res, g: g, TypeError, "must return a tuple with one cotangent per differentiable argument \\(2\\)"),
        (lambda res, g: (g,), TypeError, "must return a tuple with one cotangent per differentiable argument \\(2\\)"),
        (lambda res, g: (g, g, g), TypeError, "one cotangent per differentiable argument"),
        (lambda res, g: ((g, g), 0.0), TypeError, "cotangent leaf 0 is \\(array"),
        (lambda res, g: (g, fnp.ones(3)), ValueError, "cotangent leaf 1 has shape \\(3,\\)"),
        (lambda res, g: (g.astype(np.float32), 0.0), TypeError, "cotangent leaf 0 has dtype float32"),
        (lambda res, g: ("zero", 0.0), TypeError, "cotangent leaf 0 is 'zero'"),
    ],
)
def test_custom_vjp_bad_bwd_output_raises_naming_the_function(bwd, error, message):
    @ft.custom_vjp
    def my_mul(x, y):
        return x * y

    my_mul.defvjp(lambda x, y: (my_mul(x, y), None), bwd)
    with pytest.raises(error, match=message) as info:
        ft.grad(my_mul)(np.array(1.0), 2.0)
    assert "my_mul" in str(info.value)


@pytest.mark.parametrize(
    "fwd, message",
    [
        (lambda x: x, "must return a pair"),
        (lambda x: ((x, x), None), "primal output has structure"),
        (lambda x: (x, object()), "residual leaf 0 is"),
    ],
)
def test_custom_vjp_bad_fwd_output_raises_naming_the_function(fwd, message):
    @ft.custom_vjp
    def my_id(x):
        return x

    my_id.defvjp(fwd, lambda res, g: (g,))
    with pytest.raises(TypeError, match=message) as info:
        ft.grad(my_id)(1.0)
    assert "my_id" in str(info.value)


def test_custom_vjp_bwd_cotangent_of_another_container_type_raises():
    @ft.custom_vjp
    def total(d):
        return d["a"] + d["b"]

    total.defvjp(lambda d: (total(d), None), lambda _, g: ((g, g),))  # a tuple for a dict
    with pytest.raises(TypeError, match="total: the cotangent of argument 0 does not have the argument's structure"):
        ft.grad(total)({"a": 1.0, "b": 2.0})


def test_custom_vjp_without_rules_raises():
    with pytest.raises(AttributeError, match="No VJP defined"):
        ft.custom_vjp(lambda x: x)(1.0)


def test_custom_vjp_differentiating_a_closed_over_value_raises():
    def outer(w):
        @ft.custom_vjp
        def f(x):
            return x * w

        f.defvjp(lambda x: (f(x), None), lambda _, g: (g * w,))
        return f(1.0)

    with pytest.raises(TypeError, match="closed-over value"):
        ft.grad(outer)(2.0)


def test_make_jaxpr_of_custom_vjp_is_a_single_equation():
    jaxpr = ft.make_jaxpr(sin_mul)(np.ones(3), np.ones(3))
    assert [e.primitive.name for e in jaxpr.eqns] == ["custom_vjp_call"]
    assert primitive_names(jaxpr) == ["custom_vjp_call", "sin", "mul"]
    assert "fwd=_sin_mul_fwd" in str(jaxpr)
    grad_of_vmap = ft.grad(lambda x: ft.vmap(sin_mul, (0, None))(x, 2.0).sum())
    for transformed in (ft.vmap(ft.grad(lambda x: sin_mul(x, 2.0))), grad_of_vmap):
        ft.ir.typecheck_jaxpr(ft.make_jaxpr(transformed)(np.ones(3)).jaxpr)


# --------------------------------------------------------------------------- checkpoint


def mlp_layer(w, x):
    return fnp.tanh(fnp.sin(x @ w) * x.sum())


def test_checkpoint_value_and_gradient_equal_those_without_it():
    rng = np.random.RandomState(0)
    w, x = rng.standard_normal((3, 3)), rng.standard_normal(3)
    loss = lambda f: (lambda w, x: (f(w, x) ** 2).sum())
    np.testing.assert_allclose(ft.checkpoint(mlp_layer)(w, x), mlp_layer(w, x))
    expected = ft.grad(loss(mlp_layer), (0, 1))(w, x)
    for got, want in zip(ft.grad(loss(ft.checkpoint(mlp_layer)), (0, 1))(w, x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**31 - 1))
def test_checkpoint_derivatives_pass_check_grads_to_order_2(shape, seed):
    x = points(seed, shape)
    f = ft.checkpoint(lambda x: fnp.sin(fnp.sin(x)) * fnp.exp(x / 3.0))
    check_grads(f, (x,), order=2)
    check_grads(lambda x: ft.checkpoint(lambda y: (y * fnp.cos(y)).sum())(x * x), (x,), order=2)


def test_checkpoint_backward_pass_recomputes_the_forward_from_its_inputs():
    f = lambda x: fnp.sin(fnp.sin(x))
    jaxpr = ft.make_jaxpr(ft.value_and_grad(ft.checkpoint(f)))(0.4)
    forward, backward = jaxpr.eqns
    assert forward.primitive.name == backward.primitive.name == "checkpoint"
    # The backward equation saves nothing but the checkpoint's input (and takes the cotangent)...
    (x,) = jaxpr.jaxpr.invars
    assert backward.inputs[0] is x
    assert all(not isinstance(v, ft.ir.Var) for v in backward.inputs[1:])
    # ...and recomputes the inner sin before the cotangent is propagated.
    inner = primitive_names(backward.params["jaxpr"].jaxpr)
    assert inner.index("sin") < inner.index("mul")
    # Without checkpoint, the backward pass reads saved residuals: sin runs only forward.
    assert primitive_names(ft.make_jaxpr(ft.value_and_grad(f))(0.4).jaxpr).count("sin") == 2
    assert primitive_names(jaxpr.jaxpr).count("sin") == 3


def test_make_jaxpr_of_checkpoint_is_a_single_equation_and_remat_is_an_alias():
    assert ft.remat is ft.checkpoint
    jaxpr = ft.make_jaxpr(ft.remat(mlp_layer))(np.ones((2, 2)), np.ones(2))
    assert [e.primitive.name for e in jaxpr.eqns] == ["checkpoint"]


def test_checkpoint_composes_with_vmap_and_nested_grad():
    x = np.linspace(-1.0, 1.0, 4)
    c = ft.checkpoint(fnp.sin)
    np.testing.assert_allclose(ft.vmap(c)(x), np.sin(x))
    np.testing.assert_allclose(ft.vmap(ft.grad(c))(x), np.cos(x))
    np.testing.assert_allclose(ft.grad(lambda x: ft.vmap(c)(x).sum())(x), np.cos(x))
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(c)))(x), -np.sin(x))
    np.testing.assert_allclose(ft.hessian(lambda x: c(x).sum())(x), np.diag(-np.sin(x)))
    _, f_jvp = ft.linearize(c, 0.3)
    np.testing.assert_allclose(f_jvp(2.0), 2.0 * np.cos(0.3))


def test_checkpoint_of_a_closure_differentiates_the_closed_over_value():
    g = ft.grad(lambda w: ft.checkpoint(lambda x: fnp.sin(x * w))(1.5))(0.2)
    np.testing.assert_allclose(g, 1.5 * np.cos(0.3))


def test_checkpoint_pytrees_static_argnums_and_keyword_arguments():
    def f(params, n, scale=1.0):
        return {"out": fnp.sin(params["a"]) ** n * scale + params["b"]}

    c = ft.checkpoint(f, static_argnums=(1,))
    params = {"a": np.array([0.3, 0.6]), "b": np.array(1.0)}
    g = ft.grad(lambda p: c(p, 3, scale=2.0)["out"].sum())(params)
    np.testing.assert_allclose(g["a"], 2.0 * 3 * np.sin(params["a"]) ** 2 * np.cos(params["a"]))
    np.testing.assert_allclose(g["b"], 2.0)


def test_custom_rules_inside_checkpoint_are_still_used():
    c = ft.checkpoint(lambda x: sin_with_wrong_rule(x) + sin_mul(x, 2.0))
    np.testing.assert_allclose(ft.grad(c)(0.5), 3.0 * 0.5 + 3.0 * np.cos(0.5) * 2.0)


def test_called_outside_any_transformation_the_python_body_runs_on_concrete_values():
    # As in JAX: no transformation is active, so Python control flow on the arguments works
    # and neither rule runs.
    ran = []

    @ft.custom_jvp
    def f(x):
        ran.append(type(x))
        return x * 2.0 if x > 0 else -x

    f.defjvp(lambda primals, tangents: (f(primals[0]), 2.0 * tangents[0]))

    @ft.custom_vjp
    def g(x):
        return x * 2.0 if x > 0 else -x

    g.defvjp(lambda x: (g(x), None), lambda _, ct: (2.0 * ct,))
    assert f(3.0) == 6.0 and f(-1.0) == 1.0 and ran == [float, float]
    assert g(3.0) == 6.0 and g(-2.0) == 2.0
    with pytest.raises(AttributeError, match="No JVP defined"):
        ft.custom_jvp(lambda x: x)(1.0)
