"""functrans.optim against optax 0.2.8, step for step: every optimiser and transformation runs
the same code (``o.adam(0.01)`` with ``o`` either module) on a small quadratic over a dict of
parameters, and the parameters and states must agree after each step, in float64 and float32.
The whole module is skipped when optax (or jax) is not installed; tests/test_optim.py checks
the update rules against NumPy transcriptions that are always available."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

from functrans import optim  # noqa: E402
from functrans.tree_util import tree_leaves, tree_map  # noqa: E402

RNG = np.random.default_rng(1)
INIT = {"w": RNG.normal(size=(4, 3)), "b": RNG.normal(size=3), "s": np.array(0.7)}
TARGET = tree_map(lambda p: RNG.normal(size=np.shape(p)), INIT)
CURVATURE = tree_map(lambda p: RNG.uniform(0.5, 3.0, size=np.shape(p)), INIT)
STEPS = 5


def _grads(params, step, nan_steps=()):
    """The gradient of sum(c * (p - t)**2) / 2 at ``params``, as NumPy arrays; nan at ``nan_steps``."""
    grads = {k: CURVATURE[k] * (np.asarray(params[k], np.float64) - TARGET[k]) for k in INIT}
    if step in nan_steps:
        grads["w"] = grads["w"].copy()
        grads["w"][0, 0] = np.nan
    return grads


def _run(module, make, dtype, steps=STEPS, nan_steps=(), edit_state=None):
    """Parameters and states after each step of ``make(module)`` from ``INIT`` (as NumPy arrays)."""
    to_array = (lambda x: jnp.asarray(x, dtype)) if module is optax else (lambda x: np.asarray(x, dtype))
    tx = make(module)
    params = tree_map(to_array, INIT)
    state = tx.init(params)
    history = []
    for step in range(steps):
        if edit_state is not None:
            state = edit_state(step, state)
        grads = tree_map(to_array, _grads(params, step, nan_steps))
        updates, state = tx.update(grads, state, params)
        params = module.apply_updates(params, updates)
        history.append((tree_map(np.asarray, params), state))
    return history


def _is_key(x):
    return jnp.issubdtype(getattr(x, "dtype", np.float64), jax.dtypes.prng_key)


def _compare(make, dtype, loose=False, **kwargs):
    """Steps of ``make(optim)`` against ``make(optax)``. optax runs with x64 on, where jax promotes
    as functrans does (NumPy's rules: a Python float with an int32 count is float64), also for float32
    parameters. ``loose`` tolerances are for schedules and Adafactor's decay, which jax computes in
    float32 from an int32 count even with x64, and functrans in float64."""
    if dtype == np.float32:
        tolerance = dict(rtol=1e-5, atol=1e-6) if not loose else dict(rtol=1e-4, atol=1e-5)
    else:
        tolerance = dict(rtol=1e-5, atol=1e-9) if loose else dict(rtol=1e-10, atol=1e-12)
    with jax.enable_x64(True):
        expected = _run(optax, make, dtype, **kwargs)
    actual = _run(optim, make, dtype, **kwargs)
    for step, ((p, s), (p_ref, s_ref)) in enumerate(zip(actual, expected)):
        for name in INIT:
            assert p[name].dtype == p_ref[name].dtype == dtype
            np.testing.assert_allclose(p[name], p_ref[name], **tolerance, err_msg=f"{name} after step {step}")
        leaves, ref_leaves = tree_leaves(s), jax.tree_util.tree_leaves(s_ref)
        assert len(leaves) == len(ref_leaves), f"state after step {step}: {len(leaves)} leaves, optax has {len(ref_leaves)}"
        for a, e in zip(leaves, ref_leaves):
            if _is_key(e):
                continue  # random streams need not match jax's
            a, e = np.asarray(a), np.asarray(e)
            assert a.shape == e.shape, (step, a.shape, e.shape)
            # A schedule's value (in inject_hyperparams' state) is float32 in jax, computed from an int32 count.
            assert a.dtype == e.dtype or (loose and a.dtype.kind == e.dtype.kind == "f"), (step, a.dtype, e.dtype)
            np.testing.assert_allclose(a, e, **tolerance, err_msg=f"state after step {step}")


def _schedule(o):
    return o.warmup_cosine_decay_schedule(0.0, 0.05, warmup_steps=3, decay_steps=10, end_value=0.001)


OPTIMISERS = {
    "sgd": lambda o: o.sgd(0.1),
    "sgd_momentum": lambda o: o.sgd(0.05, momentum=0.9),
    "sgd_nesterov": lambda o: o.sgd(0.05, momentum=0.9, nesterov=True),
    "sgd_schedule": lambda o: o.sgd(_schedule(o), momentum=0.5),
    "adam": lambda o: o.adam(0.05),
    "adam_eps_root": lambda o: o.adam(0.05, b1=0.5, b2=0.8, eps=1e-3, eps_root=1e-4),
    "adam_schedule": lambda o: o.adam(_schedule(o)),
    "nadam": lambda o: o.nadam(0.05),
    "adamw": lambda o: o.adamw(0.05, weight_decay=0.1),
    "adamw_mask": lambda o: o.adamw(0.05, weight_decay=0.1, mask={"w": True, "b": False, "s": True}),
    "adamw_mask_fn": lambda o: o.adamw(0.05, weight_decay=0.1, mask=lambda p: {k: k != "b" for k in p}),
    "nadamw": lambda o: o.nadamw(0.05, weight_decay=0.1),
    "adamax": lambda o: o.adamax(0.05),
    "adamaxw": lambda o: o.adamaxw(0.05, weight_decay=0.1),
    "radam": lambda o: o.radam(0.05),
    "radam_low_threshold": lambda o: o.radam(0.05, threshold=0.5, nesterov=True),
    "amsgrad": lambda o: o.amsgrad(0.05),
    "adagrad": lambda o: o.adagrad(0.1),
    "adadelta": lambda o: o.adadelta(1.0, weight_decay=0.01),
    "adafactor": lambda o: o.adafactor(0.05),
    "adafactor_factored": lambda o: o.adafactor(0.05, min_dim_size_to_factor=2, momentum=0.9, weight_decay_rate=0.01),
    "adabelief": lambda o: o.adabelief(0.05),
    "adabelief_nesterov": lambda o: o.adabelief(0.05, nesterov=True),
    "lamb": lambda o: o.lamb(0.05, weight_decay=0.01),
    "lars": lambda o: o.lars(0.5, weight_decay=0.01, trust_coefficient=0.01),
    "lion": lambda o: o.lion(0.01, weight_decay=0.01),
    "novograd": lambda o: o.novograd(0.05, weight_decay=0.01),
    "rmsprop": lambda o: o.rmsprop(0.01),
    "rmsprop_centered": lambda o: o.rmsprop(0.01, centered=True, momentum=0.5),
    "rmsprop_nesterov": lambda o: o.rmsprop(0.01, momentum=0.5, nesterov=True, initial_scale=0.1),
    "rmsprop_bias_corrected": lambda o: o.rmsprop(0.01, bias_correction=True, eps_in_sqrt=False),
    "rmsprop_centered_bias_corrected": lambda o: o.rmsprop(0.01, centered=True, bias_correction=True, initial_scale=1.0),
    "yogi": lambda o: o.yogi(0.05),
    # SM3 (in optax too) needs parameters of rank 1 or more.
    "sm3": lambda o: o.masked(o.sm3(0.1), {"w": True, "b": True, "s": False}),
    "fromage": lambda o: o.fromage(0.05),
    "fromage_schedule": lambda o: o.fromage(_schedule(o)),
    "optimistic_gradient_descent": lambda o: o.optimistic_gradient_descent(0.05, alpha=0.8, beta=0.5),
    "sign_sgd": lambda o: o.sign_sgd(0.01),
    "signum": lambda o: o.signum(0.01),
    "noisy_sgd_without_noise": lambda o: o.noisy_sgd(0.1, eta=0.0, key=0),
    "adan": lambda o: o.adan(0.05, weight_decay=0.01),
    "rprop": lambda o: o.rprop(0.05),
}


LOOSE = {
    "adafactor", "adafactor_factored", "adam_schedule", "fromage_schedule", "sgd_schedule", "scale_by_factored_rms",
    "add_decayed_weights_schedule_and_mask", "inject_hyperparams_schedule", "scale_by_learning_rate_schedule",
}


# optax compiles each lax.cond it meets outside jit: these cases take seconds.
SLOW = {
    "multi_steps", "multi_steps_sum", "multi_steps_skip_not_finite", "multi_steps_skip_large", "apply_if_finite",
    "conditionally_mask", "conditionally_transform", "noisy_sgd_without_noise", "add_noise_without_noise", "novograd",
    "cosine_onecycle", "linear_onecycle", "integer_labels_axis_tuple",
}


def _cases(names):
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(names)]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", _cases(OPTIMISERS))
def test_optimiser_takes_optax_steps(name, dtype):
    _compare(OPTIMISERS[name], dtype, loose=name in LOOSE)


TRANSFORMS = {
    "identity": lambda o: o.identity(),
    "set_to_zero": lambda o: o.chain(o.set_to_zero(), o.sgd(0.1)),
    "scale": lambda o: o.scale(-0.1),
    "scale_by_learning_rate": lambda o: o.scale_by_learning_rate(0.1),
    "scale_by_learning_rate_schedule": lambda o: o.scale_by_learning_rate(_schedule(o)),
    "scale_by_learning_rate_unflipped": lambda o: o.chain(o.scale_by_learning_rate(0.1, flip_sign=False), o.scale(-1.0)),
    "scale_by_schedule": lambda o: o.scale_by_schedule(lambda count: -0.1 / (1.0 + count)),
    "scale_by_adam_mu_dtype": lambda o: o.chain(o.scale_by_adam(mu_dtype=jnp.float32 if o is optax else np.float32), o.scale(-0.01)),
    "scale_by_rms": lambda o: o.chain(o.scale_by_rms(decay=0.5), o.scale(-0.01)),
    "scale_by_stddev": lambda o: o.chain(o.scale_by_stddev(decay=0.5, eps_in_sqrt=False), o.scale(-0.01)),
    "scale_by_belief": lambda o: o.chain(o.scale_by_belief(b1=0.5), o.scale(-0.01)),
    "scale_by_lion_smooth": lambda o: o.chain(o.scale_by_lion(mode="smooth", smooth_beta=2.0), o.scale(-0.01)),
    "scale_by_lion_refined": lambda o: o.chain(o.scale_by_lion(mode="refined"), o.scale(-0.01)),
    "scale_by_trust_ratio": lambda o: o.chain(o.scale_by_trust_ratio(min_norm=0.1, trust_coefficient=0.5, eps=1e-3), o.scale(-0.1)),
    "scale_by_factored_rms": lambda o: o.chain(o.scale_by_factored_rms(min_dim_size_to_factor=2, step_offset=-2), o.scale(-0.01)),
    "scale_by_param_block_norm": lambda o: o.chain(o.scale_by_param_block_norm(), o.scale(-0.01)),
    "scale_by_param_block_rms": lambda o: o.chain(o.scale_by_param_block_rms(), o.scale(-0.01)),
    "scale_by_sign": lambda o: o.chain(o.scale_by_sign(), o.scale(-0.01)),
    "scale_by_sm3": lambda o: o.masked(o.chain(o.scale_by_sm3(b1=0.5, b2=0.9), o.scale(-0.1)), {"w": True, "b": True, "s": False}),
    "scale_by_novograd_mu_dtype": lambda o: o.chain(o.scale_by_novograd(mu_dtype=jnp.float32 if o is optax else np.float32), o.scale(-0.01)),
    "add_decayed_weights": lambda o: o.chain(o.add_decayed_weights(0.1), o.sgd(0.1)),
    "add_decayed_weights_schedule_and_mask": lambda o: o.chain(
        o.add_decayed_weights(o.linear_schedule(0.5, 0.0, 5), mask={"w": True, "b": False, "s": False}), o.sgd(0.1)
    ),
    "add_noise_without_noise": lambda o: o.chain(o.add_noise(0.0, 0.55, 0), o.sgd(0.1)),
    "clip": lambda o: o.chain(o.clip(0.5), o.sgd(0.1)),
    "clip_by_block_rms": lambda o: o.chain(o.clip_by_block_rms(0.5), o.sgd(0.1)),
    "clip_by_global_norm": lambda o: o.chain(o.clip_by_global_norm(1.0), o.sgd(0.1)),
    "adaptive_grad_clip": lambda o: o.chain(o.adaptive_grad_clip(0.1), o.sgd(0.1)),
    "masked": lambda o: o.masked(o.adam(0.05), {"w": True, "b": False, "s": True}),
    "masked_fn": lambda o: o.masked(o.adam(0.05), lambda p: tree_map(lambda x: x.ndim > 0, p)),
    "multi_transform": lambda o: o.multi_transform(
        {"adam": o.adam(0.05), "sgd": o.sgd(0.1), "frozen": o.set_to_zero()}, {"w": "adam", "b": "sgd", "s": "frozen"}
    ),
    "partition_fn": lambda o: o.partition(
        {"adam": o.adam(0.05), "sgd": o.sgd(0.1)}, lambda p: {k: "adam" if k == "w" else "sgd" for k in p}
    ),
    "apply_if_finite": lambda o: o.apply_if_finite(o.adam(0.05), max_consecutive_errors=1),
    "multi_steps": lambda o: o.MultiSteps(o.adam(0.05), every_k_schedule=3),
    "multi_steps_sum": lambda o: o.MultiSteps(o.sgd(0.05), every_k_schedule=lambda step: 2, use_grad_mean=False).gradient_transformation(),
    "multi_steps_skip_not_finite": lambda o: o.MultiSteps(o.adam(0.05), 2, should_skip_update_fn=o.skip_not_finite),
    "multi_steps_skip_large": lambda o: o.MultiSteps(
        o.adam(0.05), 2, should_skip_update_fn=lambda u, s, p: o.skip_large_updates(u, s, p, max_squared_norm=40.0)
    ),
    "inject_hyperparams": lambda o: o.inject_hyperparams(o.adam)(learning_rate=0.05, b1=0.8),
    "inject_hyperparams_schedule": lambda o: o.inject_hyperparams(o.sgd, static_args="nesterov")(
        learning_rate=o.exponential_decay(0.1, 2, 0.5), momentum=0.9, nesterov=True
    ),
    "ema": lambda o: o.chain(o.ema(0.8), o.sgd(0.1)),
    "ema_without_debias": lambda o: o.chain(o.ema(0.8, debias=False), o.sgd(0.1)),
    "zero_nans": lambda o: o.chain(o.zero_nans(), o.adam(0.05)),
    "flatten": lambda o: o.flatten(o.adam(0.05)),
    "trace": lambda o: o.chain(o.trace(0.5, nesterov=True), o.scale(-0.05)),
    "stateless": lambda o: o.chain(o.stateless(lambda u, p: tree_map(lambda g, x: g + 0.1 * x, u, p)), o.sgd(0.1)),
    "stateless_with_tree_map": lambda o: o.chain(o.stateless_with_tree_map(lambda g, p: g * 0.5 + p * 0.1), o.sgd(0.1)),
    "named_chain": lambda o: o.named_chain(("clip", o.clip_by_global_norm(1.0)), ("adam", o.adam(0.05))),
    "keep_params_nonnegative": lambda o: o.chain(o.sgd(0.5), o.keep_params_nonnegative()),
    "centralize": lambda o: o.chain(o.centralize(), o.sgd(0.1)),
    "apply_every": lambda o: o.chain(o.apply_every(3), o.sgd(0.1)),
    "conditionally_mask": lambda o: o.conditionally_mask(o.adam(0.05), lambda step: step % 2 == 0),
    "conditionally_transform": lambda o: o.conditionally_transform(o.scale(0.1), lambda step: step >= 2),
    "scale_by_optimistic_gradient": lambda o: o.chain(o.scale_by_optimistic_gradient(), o.scale(-0.05)),
}

# Steps whose gradient holds a nan, for the transformations that must cope with them.
NAN_STEPS = {"apply_if_finite": (2, 3, 5), "zero_nans": (1, 4), "multi_steps_skip_not_finite": (1, 2)}


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", _cases(TRANSFORMS))
def test_transformation_takes_optax_steps(name, dtype):
    _compare(TRANSFORMS[name], dtype, loose=name in LOOSE, nan_steps=NAN_STEPS.get(name, ()))


def test_inject_hyperparams_learning_rate_changed_mid_run_as_optax():
    def edit(step, state):
        if step == 4:
            hyperparams = dict(state.hyperparams, learning_rate=state.hyperparams["learning_rate"] * 0 + 0.5)
            return state._replace(hyperparams=hyperparams)
        return state

    make = lambda o: o.inject_hyperparams(o.adam)(learning_rate=0.01)  # noqa: E731
    _compare(make, np.float64, edit_state=edit)
    history = _run(optim, make, np.float64, edit_state=edit)
    assert float(history[3][1].hyperparams["learning_rate"]) == 0.01
    assert float(history[4][1].hyperparams["learning_rate"]) == 0.5
    # After the change, Adam's steps are 50 times larger (its direction changes slowly).
    step_before = history[3][0]["w"] - history[2][0]["w"]
    step_after = history[4][0]["w"] - history[3][0]["w"]
    assert np.all(np.abs(step_after) > 20 * np.abs(step_before))


def test_inject_hyperparams_state_names_and_dtypes_are_optax_s():
    params32 = tree_map(lambda p: np.asarray(p, np.float32), INIT)
    state = optim.inject_hyperparams(optim.adamw)(learning_rate=optim.linear_schedule(0.1, 0.0, 10), weight_decay=0.1).init(params32)
    ref = optax.inject_hyperparams(optax.adamw)(learning_rate=optax.linear_schedule(0.1, 0.0, 10), weight_decay=0.1).init(
        tree_map(jnp.asarray, params32)
    )
    assert type(state).__name__ == type(ref).__name__ and state._fields == ref._fields
    assert sorted(state.hyperparams) == sorted(ref.hyperparams)
    for key in state.hyperparams:
        assert np.asarray(state.hyperparams[key]).dtype == np.asarray(ref.hyperparams[key]).dtype, key


@pytest.mark.parametrize("name", ["adam", "adafactor_factored", "novograd", "sm3", "lion", "radam"])
def test_state_types_and_fields_are_optax_s(name):
    make = OPTIMISERS[name]
    state = make(optim).init(INIT)
    with jax.enable_x64(True):
        ref = make(optax).init(tree_map(jnp.asarray, INIT))

    def shape(tree):
        if hasattr(tree, "_fields"):
            return (type(tree).__name__, tree._fields, tuple(shape(c) for c in tree))
        if isinstance(tree, (tuple, list)):
            return tuple(shape(c) for c in tree)
        if isinstance(tree, dict):
            return {k: shape(v) for k, v in tree.items()}
        return (np.shape(tree), str(np.asarray(tree).dtype))

    assert shape(state) == shape(ref)


SCHEDULES = {
    "constant": lambda o: o.constant_schedule(0.3),
    "linear": lambda o: o.linear_schedule(1.0, 0.1, 20, transition_begin=5),
    "polynomial": lambda o: o.polynomial_schedule(1.0, 0.1, 2.5, 30),
    "polynomial_no_steps": lambda o: o.polynomial_schedule(1.0, 0.1, 2.5, 0),
    "exponential": lambda o: o.exponential_decay(1.0, 7, 0.6, transition_begin=3),
    "exponential_staircase_end": lambda o: o.exponential_decay(1.0, 5, 0.5, staircase=True, end_value=0.1),
    "exponential_growth_end": lambda o: o.exponential_decay(0.1, 5, 1.5, end_value=1.0),
    "cosine": lambda o: o.cosine_decay_schedule(1.0, 40, alpha=0.1, exponent=2.0),
    "warmup_cosine": lambda o: o.warmup_cosine_decay_schedule(0.0, 1.0, 10, 50, end_value=0.05),
    "warmup_exponential": lambda o: o.warmup_exponential_decay_schedule(0.0, 1.0, 10, 5, 0.8, transition_begin=3, end_value=0.2),
    "warmup_constant": lambda o: o.schedules.warmup_constant_schedule(0.0, 1.0, 10),
    "piecewise_constant": lambda o: o.piecewise_constant_schedule(1.0, {10: 0.5, 20: 0.1, 35: 2.0}),
    "piecewise_linear": lambda o: o.piecewise_interpolate_schedule("linear", 1.0, {10: 0.5, 20: 0.1, 35: 2.0}),
    "piecewise_cosine": lambda o: o.piecewise_interpolate_schedule("cosine", 1.0, {10: 0.5, 20: 0.1}),
    "join": lambda o: o.join_schedules([o.constant_schedule(1.0), o.linear_schedule(0.5, 0.0, 10)], [15]),
    "linear_onecycle": lambda o: o.linear_onecycle_schedule(50, 1.0),
    "cosine_onecycle": lambda o: o.cosine_onecycle_schedule(50, 1.0, pct_start=0.2),
    "sgdr": lambda o: o.sgdr_schedule([dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=20)] * 3),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", _cases(SCHEDULES))
def test_schedule_values_are_optax_s(name):
    steps = list(range(70))
    actual = [float(SCHEDULES[name](optim)(np.asarray(s, np.int32))) for s in steps]
    with jax.enable_x64(True):
        ref = SCHEDULES[name](optax)
        expected = [float(ref(jnp.asarray(s, jnp.int64))) for s in steps]
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-14)
    # Python int counts give the same values as int32 array counts.
    np.testing.assert_allclose([float(SCHEDULES[name](optim)(s)) for s in steps], actual, rtol=1e-15)


LOSSES = {
    "l2_loss": lambda o, x, y, lab, lg: o.l2_loss(x, y),
    "l2_loss_no_targets": lambda o, x, y, lab, lg: o.l2_loss(x),
    "squared_error": lambda o, x, y, lab, lg: o.squared_error(x, y),
    "huber_loss": lambda o, x, y, lab, lg: o.huber_loss(x, y, delta=0.7),
    "log_cosh": lambda o, x, y, lab, lg: o.log_cosh(x, y),
    "cosine_similarity": lambda o, x, y, lab, lg: o.cosine_similarity(x, y, epsilon=1e-3),
    "cosine_distance_axis0": lambda o, x, y, lab, lg: o.cosine_distance(x, y, axis=0),
    "softmax_cross_entropy": lambda o, x, y, lab, lg: o.softmax_cross_entropy(x, lg),
    "softmax_cross_entropy_axis0": lambda o, x, y, lab, lg: o.softmax_cross_entropy(x, lg, axis=0),
    "softmax_cross_entropy_where": lambda o, x, y, lab, lg: o.softmax_cross_entropy(x, lg, where=x > -0.5),
    "softmax_cross_entropy_with_integer_labels": lambda o, x, y, lab, lg: o.softmax_cross_entropy_with_integer_labels(x, lab),
    "integer_labels_where": lambda o, x, y, lab, lg: o.softmax_cross_entropy_with_integer_labels(x, lab, where=x > -1.0),
    "integer_labels_axis_tuple": lambda o, x, y, lab, lg: o.softmax_cross_entropy_with_integer_labels(
        x.reshape(5, 2, 2), lab % 4, axis=(1, 2)
    ),
    "safe_softmax_cross_entropy": lambda o, x, y, lab, lg: o.safe_softmax_cross_entropy(x, lg),
    "sigmoid_binary_cross_entropy": lambda o, x, y, lab, lg: o.sigmoid_binary_cross_entropy(x, lg),
    "sigmoid_focal_loss": lambda o, x, y, lab, lg: o.sigmoid_focal_loss(x, lg, alpha=0.25, gamma=1.5),
    "hinge_loss": lambda o, x, y, lab, lg: o.hinge_loss(x, np.sign(y)),
    "perceptron_loss": lambda o, x, y, lab, lg: o.losses.perceptron_loss(x, np.sign(y)),
    "multiclass_hinge_loss": lambda o, x, y, lab, lg: o.losses.multiclass_hinge_loss(x, lab),
    "multiclass_perceptron_loss": lambda o, x, y, lab, lg: o.losses.multiclass_perceptron_loss(x, lab),
    "poly_loss_cross_entropy": lambda o, x, y, lab, lg: o.losses.poly_loss_cross_entropy(x, lg, epsilon=1.5),
    "kl_divergence": lambda o, x, y, lab, lg: o.kl_divergence(np.log(lg + 0.1), lg),
    "kl_divergence_with_log_targets": lambda o, x, y, lab, lg: o.losses.kl_divergence_with_log_targets(y, x),
    "generalized_kl_divergence": lambda o, x, y, lab, lg: o.losses.generalized_kl_divergence(x, lg),
    "smooth_labels": lambda o, x, y, lab, lg: o.smooth_labels(lg, 0.1),
    "smooth_labels_where": lambda o, x, y, lab, lg: o.smooth_labels(lg, 0.1, where=lg > 0.1),
}


def _loss_inputs(dtype):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 4)).astype(dtype), rng.normal(size=(5, 4)).astype(dtype)
    labels = rng.integers(0, 4, size=5)
    dist = rng.uniform(size=(5, 4)).astype(dtype)
    dist[0, 1] = 0.0
    return x, y, labels, (dist / dist.sum(-1, keepdims=True)).astype(dtype)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", _cases(LOSSES))
def test_loss_values_are_optax_s(name, dtype):
    inputs = _loss_inputs(dtype)
    actual = np.asarray(LOSSES[name](optim, *inputs))
    with jax.enable_x64(dtype == np.float64):
        expected = np.asarray(LOSSES[name](optax, *[jnp.asarray(a) for a in inputs]))
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    tolerance = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(actual, expected, **tolerance)


TREE_FUNCTIONS = {
    "tree_add": lambda t, a, b: t.tree_add(a, b, a),
    "tree_sub": lambda t, a, b: t.tree_sub(a, b),
    "tree_mul": lambda t, a, b: t.tree_mul(a, b),
    "tree_div": lambda t, a, b: t.tree_div(a, b),
    "tree_scale": lambda t, a, b: t.tree_scale(0.5, a),
    "tree_add_scale": lambda t, a, b: t.tree_add_scale(a, -2.0, b),
    "tree_vdot": lambda t, a, b: t.tree_vdot(a, b),
    "tree_sum": lambda t, a, b: t.tree_sum(a),
    "tree_max": lambda t, a, b: t.tree_max(a),
    "tree_min": lambda t, a, b: t.tree_min(b),
    "tree_norm": lambda t, a, b: t.tree_norm(a),
    "tree_norm_squared": lambda t, a, b: t.tree_norm(a, squared=True),
    "tree_norm_1": lambda t, a, b: t.tree_norm(a, ord=1),
    "tree_norm_inf": lambda t, a, b: t.tree_norm(b, ord="inf"),
    "tree_zeros_like": lambda t, a, b: t.tree_zeros_like(a, dtype=np.float32),
    "tree_ones_like": lambda t, a, b: t.tree_ones_like(a),
    "tree_full_like": lambda t, a, b: t.tree_full_like(a, 0.25),
    "tree_clip": lambda t, a, b: t.tree_clip(a, -0.5, 0.5),
    "tree_where": lambda t, a, b: t.tree_where(True, a, b),
    "tree_batch_shape": lambda t, a, b: t.tree_batch_shape(a, (2,)),
    "tree_update_moment": lambda t, a, b: t.tree_update_moment(a, b, 0.9, 2),
    "tree_update_infinity_moment": lambda t, a, b: t.tree_update_infinity_moment(a, b, 0.9, 1e-3),
    "tree_bias_correction": lambda t, a, b: t.tree_bias_correction(a, 0.9, 3),
    "tree_cast": lambda t, a, b: t.tree_cast(a, np.float32),
    "tree_cast_like": lambda t, a, b: t.tree_cast_like(a, t.tree_cast(b, np.float32)),
    "tree_size": lambda t, a, b: t.tree_size(a),
    "tree_allclose": lambda t, a, b: t.tree_allclose(a, t.tree_add_scale(a, 1e-9, b)),
    "tree_dtype": lambda t, a, b: np.zeros((), t.tree_dtype([np.zeros(1, np.float32), np.zeros(1)], "highest")),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TREE_FUNCTIONS))
def test_tree_utils_are_optax_s(name):
    a, b = INIT, TARGET
    actual = TREE_FUNCTIONS[name](optim.tree_utils, a, b)
    with jax.enable_x64(True):
        expected = TREE_FUNCTIONS[name](optax.tree_utils, tree_map(jnp.asarray, a), tree_map(jnp.asarray, b))
        expected_leaves = [np.asarray(x) for x in jax.tree_util.tree_leaves(expected)]
    actual_leaves = [np.asarray(x) for x in tree_leaves(actual)]
    assert len(actual_leaves) == len(expected_leaves)
    for x, e in zip(actual_leaves, expected_leaves):
        assert x.shape == e.shape
        np.testing.assert_allclose(x, e, rtol=1e-13)
