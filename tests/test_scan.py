"""lax.scan under every transformation, its residuals and its compiled loop.

Reverse mode saves what the backward loop reads and nothing more: values that do not
change over the loop once (before it), the others stacked once per iteration. Checked
by peak memory in a subprocess, and by the jaxprs and generated code. Values against
Python loops, closed forms and finite differences (``check_grads``); JAX where installed.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

REPO = str(__import__("pathlib").Path(__file__).resolve().parents[1])


def python_scan(f, init, xs, length=None, reverse=False):
    """``lax.scan``'s meaning, as a Python loop over NumPy values (one pytree level of xs)."""
    n = length if xs is None else len(xs)
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, [None] * n
    for i in order:
        carry, ys[i] = f(carry, None if xs is None else xs[i])
    return carry, ys


def rnn_loss(params, xs, unroll=1):
    Wx, Wh, b = params

    def step(h, x):
        h = fnp.tanh(x @ Wx + h @ Wh + b)
        return h, fnp.sum(h)

    h, sums = lax.scan(step, fnp.zeros((xs.shape[1], Wh.shape[0])), xs, unroll=unroll)
    return fnp.mean(h * h) + 0.1 * fnp.mean(sums)


def rnn_data(steps=5, batch=3, inputs=2, hidden=4, seed=0):
    rng = np.random.default_rng(seed)
    params = (rng.standard_normal((inputs, hidden)) * 0.5, rng.standard_normal((hidden, hidden)) * 0.5,
              rng.standard_normal(hidden) * 0.1)
    return params, rng.standard_normal((steps, batch, inputs))


def numpy_rnn_loss(params, xs):
    Wx, Wh, b = params
    h, sums = np.zeros((xs.shape[1], Wh.shape[0])), []
    for x in xs:
        h = np.tanh(x @ Wx + h @ Wh + b)
        sums.append(h.sum())
    return np.mean(h * h) + 0.1 * np.mean(sums)


def scans_in(jaxpr):
    return [e for e in jaxpr.eqns if e.primitive.name == "scan"]


# --------------------------------------------------------------------------- values and derivatives


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("unroll", [1, 2, 3, True])
def test_scan_matches_python_loop_for_any_unroll_and_direction(reverse, unroll):
    xs = np.arange(1.0, 8.0)
    f = lambda c, x: (c * 0.5 + x, c * x)
    carry, ys = lax.scan(f, 1.0, xs, reverse=reverse, unroll=unroll)
    want_c, want_ys = python_scan(f, 1.0, xs, reverse=reverse)
    np.testing.assert_allclose(carry, want_c)
    np.testing.assert_allclose(ys, want_ys)
    jit_c, jit_ys = ft.jit(lambda xs: lax.scan(f, 1.0, xs, reverse=reverse, unroll=unroll))(xs)
    np.testing.assert_allclose(jit_c, want_c)
    np.testing.assert_allclose(jit_ys, want_ys)


def test_rnn_loss_and_gradients_match_numpy_and_finite_differences():
    params, xs = rnn_data()
    np.testing.assert_allclose(rnn_loss(params, xs), numpy_rnn_loss(params, xs), rtol=1e-12)
    check_grads(lambda p: rnn_loss(p, xs), (params,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("unroll", [1, 2])
def test_jitted_rnn_value_and_grad_matches_eager(unroll):
    params, xs = rnn_data(steps=7)
    step = lambda p, xs: ft.value_and_grad(rnn_loss)(p, xs, unroll)
    (value, grads), (jit_value, jit_grads) = step(params, xs), ft.jit(step)(params, xs)
    np.testing.assert_allclose(jit_value, value, rtol=1e-12)
    for g, jg in zip(grads, jit_grads):
        np.testing.assert_allclose(jg, g, rtol=1e-10, atol=1e-13)


def test_grad_of_grad_through_scan_matches_closed_form():
    # c -> c * x_t over the xs: f = c0**2 * prod(xs)**2, d2f/dc0**2 = 2 prod(xs)**2.
    xs = np.array([0.5, 1.5, -2.0, 1.1])
    f = lambda c0: lax.scan(lambda c, x: (c * x, None), c0, xs)[0] ** 2
    np.testing.assert_allclose(ft.grad(ft.grad(f))(0.7), 2 * np.prod(xs) ** 2, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(ft.grad(f)))(0.7), 2 * np.prod(xs) ** 2, rtol=1e-12)
    check_grads(f, (0.7,), order=2, modes=("fwd", "rev"))


def test_pytree_carry_and_xs_none_with_length():
    def step(c, _):
        a, (b, k) = c["a"], c["bk"]
        return {"a": a + fnp.sum(b) * k, "bk": (b * 0.9, k + 1.0)}, a

    init = {"a": 0.5, "bk": (np.array([1.0, 2.0]), 1.0)}
    carry, ys = lax.scan(step, init, None, length=5)
    want_c, want_ys = python_scan(lambda c, x: step(c, x), init, None, length=5)
    np.testing.assert_allclose(carry["a"], want_c["a"])
    np.testing.assert_allclose(carry["bk"][0], want_c["bk"][0])
    np.testing.assert_allclose(ys, np.stack(want_ys))
    loss = lambda b: fnp.sum(lax.scan(step, {"a": 0.5, "bk": (b, 1.0)}, None, length=5)[0]["a"])
    check_grads(loss, (np.array([1.0, 2.0]),), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(np.array([1.0, 2.0])), ft.grad(loss)(np.array([1.0, 2.0])), rtol=1e-12)


def test_reverse_scan_gradients():
    xs = np.array([0.3, -0.8, 1.2, 0.5])
    f = lambda w: fnp.sum(lax.scan(lambda c, x: (fnp.sin(c * w + x), c * x), 0.2, xs, reverse=True)[1])
    check_grads(f, (0.9,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(ft.jit(ft.grad(f))(0.9), ft.grad(f)(0.9), rtol=1e-12)


def test_vmap_of_scan_and_scan_of_vmap_match_loops():
    params, xs = rnn_data(steps=4, batch=3)
    per_example = ft.vmap(lambda x: rnn_loss(params, x[:, None, :]), in_axes=1)(xs)
    want = [numpy_rnn_loss(params, xs[:, k : k + 1, :]) for k in range(xs.shape[1])]
    np.testing.assert_allclose(per_example, want, rtol=1e-12)
    # The body maps a per-row step over the batch.
    row_step = lambda h, x: fnp.tanh(x @ params[0] + h @ params[1] + params[2])
    body = lambda h, x: (ft.vmap(row_step)(h, x), None)
    h, _ = lax.scan(body, np.zeros((3, 4)), xs)
    want_h, _ = python_scan(lambda h, x: (np.tanh(x @ params[0] + h @ params[1] + params[2]), None), np.zeros((3, 4)), xs)
    np.testing.assert_allclose(h, want_h, rtol=1e-12)
    grads = ft.vmap(ft.grad(lambda p, x: rnn_loss(p, x[:, None, :])), in_axes=(None, 1))(params, xs)
    for k in range(xs.shape[1]):
        one = ft.grad(lambda p: rnn_loss(p, xs[:, k : k + 1, :]))(params)
        for g, o in zip(grads, one):
            np.testing.assert_allclose(g[k], o, rtol=1e-10, atol=1e-14)


def test_checkpointed_body_gives_the_same_gradients():
    params, xs = rnn_data()
    Wx, Wh, b = params

    def loss(Wh, remat):
        step = lambda h, x: (fnp.tanh(x @ Wx + h @ Wh + b), None)
        h, _ = lax.scan(ft.checkpoint(step) if remat else step, np.zeros((3, 4)), xs)
        return fnp.sum(h * h)

    np.testing.assert_allclose(ft.grad(loss)(Wh, True), ft.grad(loss)(Wh, False), rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(loss), static_argnums=1)(Wh, True), ft.grad(loss)(Wh, False), rtol=1e-12)
    check_grads(lambda W: loss(W, True), (Wh,), order=2, modes=("fwd", "rev"))
    # Memory for recompute: with the body checkpointed only the hidden state is stacked.
    stacked = lambda remat: [v.aval.shape for v in scans_in(ft.make_jaxpr(ft.grad(loss), static_argnums=1)(Wh, remat).jaxpr)[0].out_binders[1:]]
    assert stacked(False) == [(5, 3, 4)] * 2 and stacked(True) == [(5, 3, 4)]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 6), st.sampled_from([(), (0,), (3,), (2, 2)]), st.integers(1, 4), st.booleans())
def test_cumulative_sum_scan_matches_numpy_over_shapes(length, shape, unroll, reverse):
    xs = np.arange(length * int(np.prod(shape)), dtype=np.float64).reshape((length,) + shape)[..., ::1]
    xs = np.asfortranarray(xs) if xs.ndim > 2 else xs
    carry, ys = lax.scan(lambda c, x: (c + x, c), np.zeros(shape), xs, reverse=reverse, unroll=unroll)
    order = xs[::-1] if reverse else xs
    want = np.cumsum(order, axis=0) - order
    np.testing.assert_allclose(ys, want[::-1] if reverse else want)
    np.testing.assert_allclose(carry, order.sum(0))


def test_jitted_loops_match_eager_including_swaps_and_passthrough():
    def f(xs, w):
        # a swap of two carries, a carry passed through, a scalar literal y, a cond in the body
        def step(c, x):
            a, b, k = c
            new = lax.cond(x > 0, lambda v: v * 2.0, lambda v: v, a)
            return (b, new + x, k), (1.0, k * x)
        carry, ys = lax.scan(step, (w, -w, 3.0), xs, unroll=2)
        bounded = lax.while_loop(lambda s: s[0] < 5.0, lambda s: (s[0] + 1.0, s[2], s[1]), (0.0, w, w * 3))
        return carry, ys, bounded

    xs, w = np.array([0.5, -1.0, 2.0, 0.25, -0.5]), np.array([1.0, 2.0])
    for got, want in zip(ft.tree_util.tree_leaves(ft.jit(f)(xs, w)), ft.tree_util.tree_leaves(f(xs, w))):
        np.testing.assert_allclose(got, want)


def test_nested_scans_of_odd_lengths_under_jit_and_grad():
    # The inner loop runs again in every outer iteration: its swapped buffers start afresh.
    def f(w, xs):
        def outer(c, x):
            inner = lambda d, y: (fnp.sin(d * w + y) + c, d * y)
            d, ys = lax.scan(inner, x, xs[:3], unroll=2)
            return c * 0.5 + d, fnp.sum(ys)
        c, ys = lax.scan(outer, np.ones(2), xs, reverse=True)
        return fnp.sum(c) + fnp.sum(ys)

    w, xs = np.array([0.3, -0.7]), np.random.default_rng(1).standard_normal((5, 2))
    np.testing.assert_allclose(ft.jit(f)(w, xs), f(w, xs), rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(f))(w, xs), ft.grad(f)(w, xs), rtol=1e-10)
    check_grads(lambda w: f(w, xs), (w,), order=2, modes=("fwd", "rev"))


def test_unroll_is_a_scan_param_every_transformation_keeps():
    xs = np.arange(1.0, 6.0)
    f = lambda w, xs: fnp.sum(lax.scan(lambda c, x: (fnp.sin(c * w) + x, c), 0.5, xs, unroll=3)[1])
    jaxprs = [ft.make_jaxpr(ft.grad(f))(0.3, xs), ft.make_jaxpr(ft.vmap(ft.grad(f), in_axes=(0, None)))(np.ones(2), xs),
              ft.make_jaxpr(lambda w: ft.jvp(lambda w: f(w, xs), (w,), (1.0,)))(0.3)]
    for jaxpr in jaxprs:
        found = scans_in(jaxpr.jaxpr)
        assert found and all(e.params["unroll"] == 3 for e in found), jaxpr
    assert scans_in(ft.make_jaxpr(lambda xs: lax.scan(lambda c, x: (c, x), 0.0, xs, unroll=True))(xs).jaxpr)[0].params["unroll"] == 5


def test_unroll_errors_are_jax_types():
    with pytest.raises(ValueError, match="unroll"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), unroll=-1)
    with pytest.raises(TypeError, match="unroll"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(3), unroll=1.5)


@pytest.mark.slow
def test_matches_jax():
    jax = pytest.importorskip("jax")
    params, xs = rnn_data()
    jax.config.update("jax_enable_x64", True)  # conftest restores it after the test
    want = jax.value_and_grad(lambda p: rnn_loss_jax(jax, p, xs))(params)
    got = ft.value_and_grad(rnn_loss)(params, xs)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    for g, w in zip(got[1], want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-14)


def rnn_loss_jax(jax, params, xs):
    jnp = jax.numpy
    Wx, Wh, b = params

    def step(h, x):
        h = jnp.tanh(x @ Wx + h @ Wh + b)
        return h, jnp.sum(h)

    h, sums = jax.lax.scan(step, jnp.zeros((xs.shape[1], Wh.shape[0])), xs, unroll=2)
    return jnp.mean(h * h) + 0.1 * jnp.mean(sums)


# --------------------------------------------------------------------------- residuals


def test_loop_invariant_residuals_are_computed_once_before_the_loop():
    w = np.linspace(0.1, 1.0, 10)
    f = lambda c0, w: lax.scan(lambda c, _: (fnp.cos(c * fnp.sum(fnp.sin(w) * c)), None), c0, None, length=6)[0]
    jaxpr = ft.make_jaxpr(ft.grad(f))(0.5, w)
    forward, backward = scans_in(jaxpr.jaxpr)
    # sin(w) is computed outside both loops and read by both as a constant...
    assert any(e.primitive.name == "sin" and e.inputs[0] is jaxpr.jaxpr.invars[1] for e in jaxpr.jaxpr.eqns)
    n_consts = backward.params["num_consts"]
    assert [a.aval.shape for a in backward.inputs[:n_consts]] == [(10,)]
    # ...and only scalars are stacked, one per iteration each.
    stacked = forward.out_binders[forward.params["num_carry"] :]
    assert stacked and all(v.aval.shape == (6,) for v in stacked)


def test_stacked_residuals_are_exactly_what_the_backward_loop_reads():
    params, xs = rnn_data(steps=5)
    jaxpr = ft.make_jaxpr(ft.grad(rnn_loss))(params, xs).jaxpr
    forward, backward = scans_in(jaxpr)
    nc, ncarry = backward.params["num_consts"], backward.params["num_carry"]
    body = backward.params["jaxpr"].jaxpr
    read = {x for e in body.eqns for x in e.inputs} | set(body.outvars)
    assert all(v in read for v in body.invars[:nc] + body.invars[nc + ncarry :]), "a residual the backward loop never reads"
    stacked = forward.out_binders[forward.params["num_carry"] :]
    # The per-step sums are a y; the residuals: one hidden state and one 1 - h**2 per step.
    # Wh is a constant of the backward loop and xs are forwarded, not restacked.
    assert sorted(v.aval.shape for v in stacked) == [(5,), (5, 3, 4), (5, 3, 4)]
    assert xs.shape in [a.aval.shape for a in backward.inputs]


def test_generated_code_computes_invariant_residuals_outside_the_loop_and_allocates_nothing_inside():
    w = np.linspace(0.1, 1.0, 10)
    f = lambda c0, w: lax.scan(lambda c, _: (fnp.cos(c * fnp.sum(fnp.sin(w) * c)), None), c0, None, length=6)[0]
    text = ft.jit(ft.grad(f)).lower(0.5, w).as_text()
    lines = text.splitlines()
    loops = [k for k, line in enumerate(lines) if re.match(r"\s*for step\d+ in range", line)]
    assert len(loops) == 2
    sin_lines = [k for k, line in enumerate(lines) if "fm.sin(" in line and "[10" in lines[k - 2]]
    indent = lambda line: len(line) - len(line.lstrip())
    inside = lambda k, start: k > start and all(indent(l) > indent(lines[start]) for l in lines[start + 1 : k + 1] if l.strip())
    assert sin_lines and not any(inside(k, loops[0]) for k in sin_lines), "sin(w) is computed in the loop"
    body_lines = [l for start in loops for k, l in enumerate(lines) if inside(k, start)]
    assert not [l for l in body_lines if re.search(r"np\.(empty|full|zeros)|\.copy\(\)|ws\[", l)], "allocation in a loop body"


def test_rnn_loop_bodies_allocate_nothing_and_fuse_the_epilogue():
    params, xs = rnn_data(steps=5)
    text = ft.jit(ft.value_and_grad(rnn_loss)).lower(params, xs).as_text()
    lines = text.splitlines()
    for start in [k for k, line in enumerate(lines) if re.match(r"\s*for step\d+ in range", line)]:
        depth = len(lines[start]) - len(lines[start].lstrip())
        body = []
        for line in lines[start + 1 :]:
            if line.strip() and len(line) - len(line.lstrip()) <= depth:
                break
            body.append(line)
        assert not [l for l in body if re.search(r"np\.(empty|full|zeros)\(|\.copy\(\)|ws\[", l)]
    # tanh, its derivative and the bias add are one loop after the two products of the step.
    assert re.search(r"strided_matmul\(.*\n.*\n.*strided_matmul\(.*\n(.*\n){0,3}\s*for i\d+ in range\(3\):\n\s*for i\d+ in range\(4\):", text)


MEMORY_PROBE = """
import gc, json, sys, tracemalloc
import numpy as np
sys.path.insert(0, {repo!r})
import functrans as ft, functrans.numpy as fnp
from functrans import lax
w = np.linspace(0.1, 1.0, 10_000)

def f(c0, w, steps):
    step = lambda c, _: (fnp.cos(c * fnp.sum(fnp.sin(w) * c) * 1e-4), None)
    return lax.scan(step, c0, None, length=steps)[0]

def peak(g, *args):
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    g(*args)
    top = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return top

out = {{}}
for steps in (2, 2000):
    g = ft.grad(lambda c0, w: f(c0, w, steps))
    out[f"eager{{steps}}"] = peak(g, 0.5, w)
    jitted = ft.jit(g)
    jitted(0.5, w)  # compiles; the program keeps its arena between calls
    compiled = jitted.lower(0.5, w).compiled
    out[f"jit{{steps}}"] = peak(jitted, 0.5, w) + (compiled.workspace.nbytes if compiled.workspace else 0)
    out[f"jit{{steps}}_allocates"] = "np.empty" in compiled.text
print(json.dumps(out))
"""


@pytest.mark.slow
def test_peak_memory_of_grad_through_a_long_scan_is_what_its_residuals_need():
    run = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(repo=REPO)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    steps, per_step = 2000, 3 * 8  # c, the sum, and sin of cos's argument: f64 scalars
    must_keep = 10_000 * 8 + steps * per_step  # sin(w) once, and the scalars of every step
    # Eager: the growth from 2 to 2000 steps is the stacked scalars (tracing's own objects
    # do not grow with the length); before, 917 MiB of per-step copies of sin(w) and c * w.
    assert out["eager2000"] - out["eager2"] <= 1.5 * (steps - 2) * per_step, out
    assert out["eager2000"] <= 1.5 * must_keep + out["eager2"], out
    # Compiled: the arena it keeps plus what a call allocates (nothing in compiled code).
    assert not out["jit2000_allocates"]
    assert out["jit2000"] <= 1.5 * must_keep, out
