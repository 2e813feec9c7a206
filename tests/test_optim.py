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


@pytest.mark.slow
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


# --------------------------------------------------------------------------- more update rules, in NumPy


def test_adagrad_divides_by_the_root_of_the_summed_squares():
    def rule(p, g, s, t):
        acc = s.get("acc", 0.1) + g**2
        return p - 0.1 * g / np.sqrt(acc + 1e-7), {"acc": acc}

    _assert_close(_run(optim.adagrad(0.1)), _by_hand(rule))


def test_adamax_divides_by_a_decaying_maximum():
    def rule(p, g, s, t):
        m = 0.9 * s.get("m", 0.0) + 0.1 * g
        u = np.maximum(np.abs(g) + 1e-8, 0.999 * s.get("u", 0.0))
        return p - 0.01 * m / (1 - 0.9**t) / u, {"m": m, "u": u}

    _assert_close(_run(optim.adamax(0.01)), _by_hand(rule))


def test_lion_steps_by_the_sign_of_interpolated_momentum():
    def rule(p, g, s, t):
        m = s.get("m", 0.0)
        step = np.sign(0.1 * g + 0.9 * m) + 0.01 * p
        return p - 0.001 * step, {"m": 0.99 * m + 0.01 * g}

    _assert_close(_run(optim.lion(0.001, weight_decay=0.01)), _by_hand(rule))


def test_amsgrad_divides_by_the_largest_second_moment():
    def rule(p, g, s, t):
        m = 0.9 * s.get("m", 0.0) + 0.1 * g
        v = 0.999 * s.get("v", 0.0) + 0.001 * g**2
        v_max = np.maximum(s.get("v_max", 0.0), v / (1 - 0.999**t))
        return p - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v_max) + 1e-8), {"m": m, "v": v, "v_max": v_max}

    _assert_close(_run(optim.amsgrad(0.01)), _by_hand(rule))


def test_nadam_uses_the_nesterov_look_ahead():
    def rule(p, g, s, t):
        m = 0.9 * s.get("m", 0.0) + 0.1 * g
        v = 0.999 * s.get("v", 0.0) + 0.001 * g**2
        m_hat = 0.9 * m / (1 - 0.9 ** (t + 1)) + 0.1 * g / (1 - 0.9**t)
        return p - 0.01 * m_hat / (np.sqrt(v / (1 - 0.999**t)) + 1e-8), {"m": m, "v": v}

    _assert_close(_run(optim.nadam(0.01)), _by_hand(rule))


def test_lamb_scales_each_layer_by_its_trust_ratio():
    def rule(p, g, s, t):
        m = 0.9 * s.get("m", 0.0) + 0.1 * g
        v = 0.999 * s.get("v", 0.0) + 0.001 * g**2
        direction = (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-6) + 0.01 * p
        ratio = np.linalg.norm(p) / np.linalg.norm(direction)
        return p - 0.01 * ratio * direction, {"m": m, "v": v}

    _assert_close(_run(optim.lamb(0.01, weight_decay=0.01)), _by_hand(rule))


# --------------------------------------------------------------------------- combinators, on a dict of params


def test_multi_steps_applies_the_mean_of_k_gradients_every_k_steps():
    opt = optim.MultiSteps(optim.sgd(1.0), every_k_schedule=2)
    params, state = PARAMS, opt.init(PARAMS)
    for i, grads in enumerate(GRADS):
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        if i % 2 == 0:
            assert all(np.all(u == 0) for u in tree_leaves(updates))
            assert not bool(opt.has_updated(state))
        else:
            expected = tree_map(lambda a, b: -(a + b) / 2, GRADS[i - 1], grads)
            for name in PARAMS:
                np.testing.assert_allclose(updates[name], expected[name], rtol=1e-6)  # float32 accumulators
            assert bool(opt.has_updated(state))
    assert int(state.gradient_step) == len(GRADS) // 2


def test_masked_and_multi_transform_touch_only_their_leaves():
    grads = GRADS[0]
    tx = optim.masked(optim.scale(10.0), {"w": True, "b": False})
    updates, _ = tx.update(grads, tx.init(PARAMS), PARAMS)
    np.testing.assert_array_equal(updates["w"], 10.0 * grads["w"])
    np.testing.assert_array_equal(updates["b"], grads["b"])
    tx = optim.multi_transform({"fast": optim.sgd(1.0), "frozen": optim.set_to_zero()}, lambda p: {"w": "fast", "b": "frozen"})
    updates, state = tx.update(grads, tx.init(PARAMS), PARAMS)
    np.testing.assert_array_equal(updates["w"], -grads["w"])
    np.testing.assert_array_equal(updates["b"], np.zeros(2))
    assert sorted(state.inner_states) == ["fast", "frozen"]
    with pytest.raises(ValueError, match="no transformation"):
        optim.multi_transform({"fast": optim.sgd(1.0)}, {"w": "fast", "b": "slow"}).init(PARAMS)


def test_inject_hyperparams_reads_a_changed_learning_rate():
    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1, momentum=0.5)
    state = opt.init(PARAMS)
    assert state.hyperparams["learning_rate"].dtype == np.float64
    _, state = opt.update(GRADS[0], state, PARAMS)
    state.hyperparams["learning_rate"] = np.array(1.0)
    updates, state = opt.update(GRADS[1], state, PARAMS)
    # The momentum trace after two steps is g1 + 0.5 g0; the step is -1.0 times it.
    np.testing.assert_allclose(updates["w"], -(GRADS[1]["w"] + 0.5 * GRADS[0]["w"]), rtol=1e-14)
    schedule_opt = optim.inject_hyperparams(optim.adam)(learning_rate=optim.linear_schedule(1.0, 0.0, 4))
    state = schedule_opt.init(PARAMS)
    rates = []
    for grads in GRADS:
        _, state = schedule_opt.update(grads, state, PARAMS)
        rates.append(float(state.hyperparams["learning_rate"]))
    assert rates == [1.0, 0.75, 0.5, 0.25]


def test_apply_if_finite_skips_nan_steps_until_too_many_come_in_a_row():
    tx = optim.apply_if_finite(optim.sgd(1.0), max_consecutive_errors=1)
    state = tx.init(PARAMS)
    bad = tree_map(lambda g: g * np.nan, GRADS[0])
    updates, state = tx.update(bad, state)
    assert all(np.all(u == 0) for u in tree_leaves(updates)) and int(state.notfinite_count) == 1
    updates, state = tx.update(bad, state)  # the second in a row goes through
    assert all(np.all(np.isnan(u)) for u in tree_leaves(updates)) and int(state.total_notfinite) == 2
    updates, state = tx.update(GRADS[1], state)
    np.testing.assert_array_equal(updates["w"], -GRADS[1]["w"])
    assert int(state.notfinite_count) == 0 and bool(state.last_finite)


def test_tree_map_params_maps_only_the_params_shaped_parts():
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.masked(optim.adam(0.1), {"w": True, "b": False}))
    state = opt.init(PARAMS)
    mapped = optim.tree_map_params(opt, lambda p: p + 1.0, state)
    adam_state = mapped[1].inner_state[0]
    np.testing.assert_array_equal(adam_state.mu["w"], np.ones((3, 2)))
    assert int(adam_state.count) == 0 and adam_state.count.dtype == np.int32


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.scale_by_trust_ratio(), lambda: optim.add_decayed_weights(0.1), lambda: optim.keep_params_nonnegative(),
        lambda: optim.scale_by_param_block_rms(), lambda: optim.scale_by_factored_rms(), lambda: optim.adaptive_grad_clip(0.1),
    ],
)
def test_transformations_that_need_params_say_so(make):
    tx = make()
    with pytest.raises(ValueError, match="requires the current value of parameters"):
        tx.update(GRADS[0], tx.init(PARAMS))


def test_bad_arguments_raise_value_errors_naming_the_function():
    with pytest.raises(ValueError, match="scale_by_lion"):
        optim.scale_by_lion(mode="soft")
    with pytest.raises(ValueError, match="cosine_decay_schedule"):
        optim.cosine_decay_schedule(1.0, 0)
    with pytest.raises(ValueError, match="named_chain"):
        optim.named_chain(("a", optim.identity()), ("a", optim.identity()))
    with pytest.raises(ValueError, match="inject_hyperparams"):
        optim.inject_hyperparams(optim.sgd, static_args="nesterovv")
    with pytest.raises(ValueError, match="chain"):
        optim.chain(optim.sgd(0.1)).update(GRADS[0], ())
    with pytest.raises(ValueError, match="tree_norm"):
        optim.tree_utils.tree_norm(GRADS[0], ord=3)
    with pytest.raises(TypeError, match="softmax_cross_entropy_with_integer_labels: labels"):
        optim.softmax_cross_entropy_with_integer_labels(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(TypeError, match="sigmoid_binary_cross_entropy: logits"):
        optim.sigmoid_binary_cross_entropy(np.zeros(2, np.int32), np.zeros(2))
    with pytest.raises(ValueError, match="squared_error"):
        optim.squared_error(np.zeros(2), np.zeros(3))
    with pytest.warns(DeprecationWarning, match="tree_norm"):
        assert float(optim.tree_utils.tree_l2_norm([np.array([3.0, 4.0])])) == 5.0


# --------------------------------------------------------------------------- schedules and losses, closed forms


def test_schedules_follow_their_closed_forms():
    t = np.arange(60)
    cases = {
        optim.linear_schedule(1.0, 0.1, 20, 5): 1.0 + (0.1 - 1.0) * np.clip(t - 5, 0, 20) / 20,
        optim.polynomial_schedule(2.0, 0.0, 3, 30): 2.0 * (1 - np.minimum(t, 30) / 30) ** 3,
        optim.exponential_decay(1.0, 10, 0.5, staircase=True): 0.5 ** np.floor(t / 10),
        optim.cosine_decay_schedule(1.0, 40, alpha=0.2): 0.2 + 0.8 * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 40) / 40)),
        optim.piecewise_constant_schedule(1.0, {10: 0.5, 30: 0.1}): np.where(t < 10, 1.0, np.where(t < 30, 0.5, 0.05)),
        optim.warmup_cosine_decay_schedule(0.0, 1.0, 10, 50): np.where(
            t < 10, t / 10, 0.5 * (1 + np.cos(np.pi * np.minimum(t - 10, 40) / 40))
        ),
    }
    for schedule, expected in cases.items():
        np.testing.assert_allclose([float(schedule(np.int32(s))) for s in t], expected, rtol=1e-12, atol=1e-15)


def test_losses_follow_their_closed_forms():
    rng = np.random.default_rng(5)
    logits, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    probs = np.exp(log_p)
    np.testing.assert_allclose(optim.softmax_cross_entropy_with_integer_labels(logits, labels), -log_p[np.arange(6), labels], rtol=1e-13)
    np.testing.assert_allclose(optim.softmax_cross_entropy(logits, probs), -(probs * log_p).sum(-1), rtol=1e-13)
    sig = 1 / (1 + np.exp(-logits))
    targets = (y > 0).astype(float)
    bce = -(targets * np.log(sig) + (1 - targets) * np.log(1 - sig))
    np.testing.assert_allclose(optim.sigmoid_binary_cross_entropy(logits, targets), bce, rtol=1e-12)
    p_t = targets * sig + (1 - targets) * (1 - sig)
    np.testing.assert_allclose(optim.sigmoid_focal_loss(logits, targets, gamma=2.0), bce * (1 - p_t) ** 2, rtol=1e-10)
    e = logits - y
    np.testing.assert_allclose(optim.huber_loss(logits, y, delta=0.5), np.where(np.abs(e) <= 0.5, 0.5 * e**2, 0.5 * (np.abs(e) - 0.25)), rtol=1e-13)
    np.testing.assert_allclose(optim.log_cosh(logits, y), np.log(np.cosh(e)), rtol=1e-12)
    cos = (logits * y).sum(-1) / np.linalg.norm(logits, axis=-1) / np.linalg.norm(y, axis=-1)
    np.testing.assert_allclose(optim.cosine_similarity(logits, y), cos, rtol=1e-12)
    q = np.exp(y) / np.exp(y).sum(-1, keepdims=True)
    np.testing.assert_allclose(optim.kl_divergence(log_p, q), (q * (np.log(q) - log_p)).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(optim.smooth_labels(probs, 0.2), 0.8 * probs + 0.05, rtol=1e-14)


def test_loss_gradients_match_finite_differences_and_vmap_matches_a_loop():
    from functrans.test_util import check_grads

    rng = np.random.default_rng(6)
    logits, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    labels = rng.integers(0, 4, size=3)
    probs = np.exp(y) / np.exp(y).sum(-1, keepdims=True)
    check_grads(lambda x: optim.softmax_cross_entropy_with_integer_labels(x, labels).sum(), (logits,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: optim.softmax_cross_entropy(x, probs).sum(), (logits,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: optim.sigmoid_focal_loss(x, (y > 0) * 1.0).sum(), (logits,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: optim.huber_loss(x, y).sum() + optim.log_cosh(x, y).sum(), (logits,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: optim.cosine_distance(x, y).sum(), (logits,), order=2, modes=("fwd", "rev"))
    batched = ft.vmap(optim.softmax_cross_entropy_with_integer_labels)(logits, labels)
    np.testing.assert_allclose(batched, [optim.softmax_cross_entropy_with_integer_labels(l, c) for l, c in zip(logits, labels)], rtol=1e-14)


# --------------------------------------------------------------------------- one jitted training loop


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lamb_schedule", "multi_steps_inject", "apply_if_finite_adafactor"])
def test_jitted_training_loops_equal_eager_ones(name):
    opt = {
        "lamb_schedule": lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.lamb(optim.warmup_cosine_decay_schedule(0.0, 0.1, 2, 6))),
        "multi_steps_inject": lambda: optim.MultiSteps(optim.inject_hyperparams(optim.adamw)(learning_rate=0.05, weight_decay=0.1), 2),
        "apply_if_finite_adafactor": lambda: optim.apply_if_finite(
            optim.masked(optim.adafactor(0.05, min_dim_size_to_factor=2), {"w": True, "b": False}), 2
        ),
    }[name]()
    x = RNG.normal(size=(5, 3))

    def step(params, state):
        grads = ft.grad(_loss)(params, x)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state

    jitted = ft.jit(step)
    eager, compiled = (PARAMS, opt.init(PARAMS)), (PARAMS, opt.init(PARAMS))
    for _ in range(4):
        eager, compiled = step(*eager), jitted(*compiled)
    # Adafactor's decay rate is computed in float32 (as optax), where compiled and NumPy powers may differ by an ulp.
    rtol = 1e-6 if "adafactor" in name else 1e-11
    for a, e in zip(tree_leaves(compiled), tree_leaves(eager)):
        assert a.dtype == e.dtype
        np.testing.assert_allclose(a, e, rtol=rtol, atol=1e-14)
    assert jitted.trace_count == 1



@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (4, 5)])
def test_tree_arithmetic_and_elementwise_losses_on_any_shape(shape):
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    floats = hnp.arrays(np.float64, shape, elements=st.floats(-10, 10))

    @settings(max_examples=15, deadline=None)
    @given(floats, floats, st.booleans())
    def check(a, b, transpose):
        if transpose and a.ndim >= 1:
            a, b = a[::-1], np.ascontiguousarray(b.T).T  # non-contiguous layouts: reversed, and Fortran order
        tree_a, tree_b = {"x": a, "y": [b]}, {"x": b, "y": [a]}
        np.testing.assert_allclose(float(optim.tree_utils.tree_vdot(tree_a, tree_b)), 2 * np.sum(a * b), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(float(optim.global_norm(tree_a)), np.sqrt(np.sum(a**2) + np.sum(b**2)), rtol=1e-12)
        np.testing.assert_allclose(optim.l2_loss(a, b), 0.5 * (a - b) ** 2, rtol=1e-14)
        e = np.abs(a - b)
        np.testing.assert_allclose(optim.huber_loss(a, b), np.where(e <= 1, 0.5 * e**2, e - 0.5), rtol=1e-14)
        assert optim.tree_utils.tree_size(tree_a) == 2 * a.size

    check()
