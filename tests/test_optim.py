"""functrans.optim: each optimiser's first steps against its update rule written out in NumPy,
composition, dtypes, pytree states that run inside jit, and Adam on the Rosenbrock function."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import optim
from functrans.tree_util import tree_leaves, tree_map

RNG = np.random.default_rng(0)
PARAMS = {"w": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
# A different gradient at each step, so that the state's role is visible.
GRADS = [{"w": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)} for _ in range(4)]


def _run(opt, steps=len(GRADS)):
    """Parameters after feeding ``GRADS`` to ``opt``, one per step."""
    params, state = PARAMS, opt.init(PARAMS)
    for grads in GRADS[:steps]:
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
    return params


def _by_hand(rule, steps=len(GRADS)):
    """Parameters after applying ``rule(p, g, state, t) -> (p, state)`` to each leaf in NumPy."""
    out = {}
    for name in PARAMS:
        p, state = PARAMS[name].copy(), {}
        for t, grads in enumerate(GRADS[:steps], start=1):
            p, state = rule(p, grads[name], state, t)
        out[name] = p
    return out


def _assert_close(actual, expected):
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], rtol=1e-13, atol=1e-15)


def test_sgd_steps_against_the_gradient():
    _assert_close(_run(optim.sgd(0.1)), _by_hand(lambda p, g, s, t: (p - 0.1 * g, s)))


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_with_momentum_follows_the_trace_rule(nesterov):
    def rule(p, g, s, t):
        trace = g + 0.9 * s.get("trace", 0.0)
        step = g + 0.9 * trace if nesterov else trace
        return p - 0.05 * step, {"trace": trace}

    _assert_close(_run(optim.sgd(0.05, momentum=0.9, nesterov=nesterov)), _by_hand(rule))


def _adam_rule(lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    def rule(p, g, s, t):
        m = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = b2 * s.get("v", 0.0) + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return p - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * p), {"m": m, "v": v}

    return rule


def test_adam_follows_kingma_and_ba():
    _assert_close(_run(optim.adam(0.01)), _by_hand(_adam_rule(0.01)))
    _assert_close(_run(optim.adam(0.3, b1=0.5, b2=0.8, eps=1e-3)), _by_hand(_adam_rule(0.3, 0.5, 0.8, 1e-3)))


def test_adam_first_step_is_minus_learning_rate_times_the_gradient_sign():
    params = _run(optim.adam(0.01), steps=1)
    for name in PARAMS:
        np.testing.assert_allclose(params[name] - PARAMS[name], -0.01 * np.sign(GRADS[0][name]), rtol=1e-6)


def test_adamw_adds_decoupled_weight_decay():
    _assert_close(_run(optim.adamw(0.01, weight_decay=0.1)), _by_hand(_adam_rule(0.01, weight_decay=0.1)))


@pytest.mark.parametrize("momentum", [None, 0.5])
def test_rmsprop_follows_the_optax_rule(momentum):
    def rule(p, g, s, t):
        nu = 0.9 * s.get("nu", 0.0) + 0.1 * g**2
        scaled = g / np.sqrt(nu + 1e-8)
        trace = scaled + (momentum or 0.0) * s.get("trace", 0.0)
        return p - 0.01 * (trace if momentum else scaled), {"nu": nu, "trace": trace}

    _assert_close(_run(optim.rmsprop(0.01, momentum=momentum)), _by_hand(rule))


def test_clip_by_global_norm_rescales_only_above_the_threshold():
    grads = GRADS[0]
    norm = np.sqrt(sum((g**2).sum() for g in grads.values()))
    clip = optim.clip_by_global_norm(norm / 2)
    clipped, _ = clip.update(grads, clip.init(PARAMS))
    for name in grads:
        np.testing.assert_allclose(clipped[name], grads[name] / 2, rtol=1e-14)
    np.testing.assert_allclose(float(optim.global_norm(clipped)), norm / 2, rtol=1e-14)
    unchanged, _ = optim.clip_by_global_norm(norm * 2).update(grads, ())
    for name in grads:
        np.testing.assert_array_equal(unchanged[name], grads[name])
    zeros = tree_map(np.zeros_like, grads)
    assert all(np.array_equal(z, 0 * z) for z in tree_leaves(optim.clip_by_global_norm(1.0).update(zeros, ())[0]))


def test_chain_applies_transforms_in_order():
    norm = np.sqrt(sum((g**2).sum() for g in GRADS[0].values()))
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(0.1))
    params = _run(opt, steps=1)
    for name in PARAMS:
        np.testing.assert_allclose(params[name], PARAMS[name] - 0.1 * GRADS[0][name] / norm, rtol=1e-13)


def test_learning_rate_schedule_is_called_with_the_step_count():
    schedule = lambda count: 0.1 / (1.0 + count)  # noqa: E731
    _assert_close(_run(optim.sgd(schedule)), _by_hand(lambda p, g, s, t: (p - 0.1 / t * g, s)))


def test_add_decayed_weights_needs_the_params():
    opt = optim.adamw(0.1)
    with pytest.raises(ValueError, match="requires the current value of parameters"):
        opt.update(GRADS[0], opt.init(PARAMS))


def test_float32_params_get_float32_updates_and_state():
    params = {"w": np.ones(3, np.float32)}
    for opt in (optim.adam(0.1), optim.rmsprop(0.1, momentum=0.9), optim.adamw(0.1), optim.sgd(lambda c: 0.1)):
        state = opt.init(params)
        updates, state = opt.update({"w": np.full(3, 0.5, np.float32)}, state, params)
        assert updates["w"].dtype == np.float32
        assert optim.apply_updates(params, updates)["w"].dtype == np.float32
        assert all(leaf.dtype in (np.float32, np.int32) for leaf in tree_leaves(state))


def _loss(params, x):
    return fnp.sum((x @ params["w"] + params["b"]) ** 2)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "chain"])
def test_a_jitted_training_step_equals_the_eager_one(name):
    opt = {
        "sgd": optim.sgd(0.01, momentum=0.9, nesterov=True), "adam": optim.adam(0.01), "adamw": optim.adamw(0.01),
        "rmsprop": optim.rmsprop(0.01, momentum=0.5), "chain": optim.chain(optim.clip_by_global_norm(0.5), optim.adam(0.01)),
    }[name]
    x = RNG.normal(size=(5, 3))

    def step(params, state):
        grads = ft.grad(_loss)(params, x)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state

    jitted = ft.jit(step)
    eager_params, eager_state = PARAMS, opt.init(PARAMS)
    jit_params, jit_state = PARAMS, opt.init(PARAMS)
    for _ in range(3):
        eager_params, eager_state = step(eager_params, eager_state)
        jit_params, jit_state = jitted(jit_params, jit_state)
    for a, e in zip(tree_leaves((jit_params, jit_state)), tree_leaves((eager_params, eager_state))):
        assert a.dtype == e.dtype
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-15)
    assert jitted.trace_count == 1  # the state keeps its structure and types from step to step


def test_adam_drives_the_rosenbrock_function_to_its_minimum():
    rosenbrock = lambda p: (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2  # noqa: E731
    opt = optim.adam(0.05)

    @ft.jit
    def step(p, state):
        value, grads = ft.value_and_grad(rosenbrock)(p)
        updates, state = opt.update(grads, state, p)
        return optim.apply_updates(p, updates), state, value

    p, state = np.array([-1.2, 1.0]), opt.init(np.zeros(2))
    for _ in range(3000):
        p, state, value = step(p, state)
    np.testing.assert_allclose(p, [1.0, 1.0], atol=1e-4)
    assert rosenbrock(p) < 1e-8
