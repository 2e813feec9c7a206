"""The implementation of ``functrans.optim.schedules``, which re-exports the names in ``__all__``."""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Iterable, NamedTuple, Optional, Sequence, Union

import numpy as np

from .. import numpy as fnp
from ._base import GradientTransformation, GradientTransformationExtraArgs, Schedule, StatefulSchedule, with_extra_args_support
from ._numerics import safe_increment
from .tree_utils import tree_dtype

__all__ = [
    "InjectHyperparamsState", "InjectStatefulHyperparamsState", "Schedule", "StatefulSchedule", "WrappedSchedule",
    "constant_schedule", "cosine_decay_schedule", "cosine_onecycle_schedule", "exponential_decay",
    "inject_hyperparams", "inject_stateful_hyperparams", "join_schedules", "linear_onecycle_schedule",
    "linear_schedule", "piecewise_constant_schedule", "piecewise_interpolate_schedule", "polynomial_schedule",
    "sgdr_schedule", "warmup_constant_schedule", "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule",
]


def constant_schedule(value: Any) -> Schedule:
    """The same value at every step.

    >>> constant_schedule(0.1)(1000)
    0.1
    """
    return lambda count: value


def polynomial_schedule(init_value: Any, end_value: Any, power: Any, transition_steps: int, transition_begin: int = 0) -> Schedule:
    """From ``init_value`` to ``end_value`` along ``(1 - t / transition_steps)**power``, over the
    ``transition_steps`` steps after ``transition_begin``; constant before and after.

    >>> [float(polynomial_schedule(1.0, 0.0, 2, 4)(step)) for step in (0, 2, 4, 9)]
    [1.0, 0.25, 0.0, 0.0]
    """
    if transition_steps <= 0:
        return lambda count: init_value
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        count = fnp.clip(count - transition_begin, 0, transition_steps)
        frac = 1 - count / transition_steps
        return (init_value - end_value) * frac**power + end_value

    return schedule


def linear_schedule(init_value: Any, end_value: Any, transition_steps: int, transition_begin: int = 0) -> Schedule:
    """From ``init_value`` to ``end_value`` linearly over ``transition_steps`` steps after ``transition_begin``.

    >>> [float(linear_schedule(1.0, 0.5, 10)(step)) for step in (0, 5, 20)]
    [1.0, 0.75, 0.5]
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def piecewise_constant_schedule(init_value: Any, boundaries_and_scales: Optional[dict[int, float]] = None) -> Schedule:
    """``init_value``, multiplied by ``scale`` from each step ``boundary`` of ``boundaries_and_scales`` on.

    >>> schedule = piecewise_constant_schedule(1.0, {2: 0.5, 4: 0.1})
    >>> [round(float(schedule(step)), 6) for step in (0, 2, 3, 4, 5)]
    [1.0, 0.5, 0.5, 0.05, 0.05]
    """
    if boundaries_and_scales is not None and not all(s >= 0.0 for s in boundaries_and_scales.values()):
        raise ValueError("piecewise_constant_schedule: the scale factors must be non-negative")

    def schedule(count):
        v = init_value
        for threshold, scale in sorted((boundaries_and_scales or {}).items()):
            # 1 strictly before the boundary, 0 from the boundary on.
            before = fnp.maximum(0.0, fnp.sign(threshold - count))
            v = v * before + (1 - before) * scale * v
        return v

    return schedule


def exponential_decay(
    init_value: Any,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: Optional[Any] = None,
) -> Schedule:
    """``init_value * decay_rate**((count - transition_begin) / transition_steps)`` (the exponent floored
    with ``staircase``), constant before ``transition_begin``, bounded by ``end_value`` if given.

    >>> [round(float(exponential_decay(1.0, 10, 0.5)(step)), 4) for step in (0, 10, 25)]
    [1.0, 0.5, 0.1768]
    """
    if transition_steps <= 0 or decay_rate == 0:
        return lambda count: init_value
    transition_begin = max(transition_begin, 0)
    bound = fnp.maximum if decay_rate < 1.0 else fnp.minimum

    def schedule(count):
        decreased = count - transition_begin
        p = decreased / transition_steps
        if staircase:
            p = fnp.floor(p)
        decayed = fnp.where(decreased <= 0, init_value, init_value * fnp.power(decay_rate, p))
        return decayed if end_value is None else bound(decayed, end_value)

    return schedule


def cosine_decay_schedule(init_value: Any, decay_steps: int, alpha: Any = 0.0, exponent: Any = 1.0) -> Schedule:
    """Half a cosine from ``init_value`` down to ``alpha * init_value`` over ``decay_steps`` (Loshchilov & Hutter, 2017).

    >>> [round(float(cosine_decay_schedule(1.0, 10)(step)), 4) for step in (0, 5, 10, 20)]
    [1.0, 0.5, 0.0, 0.0]
    """
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay_schedule: decay_steps must be positive, got {decay_steps!r}")

    def schedule(count):
        count = fnp.minimum(count, decay_steps)
        cosine_decay = 0.5 * (1 + fnp.cos(np.pi * count / decay_steps))
        return init_value * ((1 - alpha) * cosine_decay**exponent + alpha)

    return schedule


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """``schedules[i]`` from ``boundaries[i - 1]`` on, each called with the steps since its boundary.

    >>> schedule = join_schedules([constant_schedule(1.0), linear_schedule(2.0, 0.0, 4)], [3])
    >>> [float(schedule(step)) for step in (0, 2, 3, 5)]
    [1.0, 1.0, 2.0, 1.0]
    """

    def schedule(step):
        output = schedules[0](step)
        for boundary, later in zip(boundaries, schedules[1:]):
            output = fnp.where(step < boundary, output, later(step - boundary))
        return output

    return schedule


def _linear_interpolate(start: Any, end: Any, pct: Any) -> Any:
    return (end - start) * pct + start


def _cosine_interpolate(start: Any, end: Any, pct: Any) -> Any:
    return end + (start - end) / 2.0 * (fnp.cos(np.pi * pct) + 1)


def piecewise_interpolate_schedule(interpolate_type: str, init_value: Any, boundaries_and_scales: Optional[dict[int, float]] = None) -> Schedule:
    """Interpolates (``"linear"`` or ``"cosine"``) between values that reach ``init_value`` times the
    product of the scales up to each boundary.

    >>> schedule = piecewise_interpolate_schedule("linear", 1.0, {4: 2.0, 8: 0.5})
    >>> [float(schedule(step)) for step in (0, 2, 4, 6, 8, 9)]
    [1.0, 1.5, 2.0, 1.5, 1.0, 1.0]
    """
    interpolations = {"linear": _linear_interpolate, "cosine": _cosine_interpolate}
    if interpolate_type not in interpolations:
        raise ValueError(f"piecewise_interpolate_schedule: interpolate_type must be 'cosine' or 'linear', got {interpolate_type!r}")
    interpolate = interpolations[interpolate_type]
    if boundaries_and_scales:
        boundaries, scales = zip(*sorted(boundaries_and_scales.items()))
        if not all(s >= 0.0 for s in scales):
            raise ValueError("piecewise_interpolate_schedule: the scale factors must be non-negative")
    else:
        boundaries, scales = (), ()

    def schedule(count):
        bounds = fnp.stack((0,) + boundaries)
        values = fnp.cumprod(fnp.stack((init_value,) + scales))
        interval_sizes = fnp.maximum(bounds[1:] - bounds[:-1], 1)
        inside = (bounds[:-1] <= count) & (count < bounds[1:])
        pct = (count - bounds[:-1]) / interval_sizes
        interpolated = interpolate(values[:-1], values[1:], pct)
        return fnp.dot(fnp.astype(inside, interpolated.dtype), interpolated) + (bounds[-1] <= count) * values[-1]

    return schedule


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: Any,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """The one-cycle policy (Smith & Topin, 2017) with linear pieces: up from ``peak_value / div_factor``
    to ``peak_value``, back down, then on to ``peak_value / div_factor / final_div_factor``.

    >>> schedule = linear_onecycle_schedule(100, 1.0)
    >>> [round(float(schedule(step)), 4) for step in (0, 30, 85, 100)]
    [0.04, 1.0, 0.04, 0.0]
    """
    if transition_steps <= 0:
        raise ValueError("linear_onecycle_schedule: transition_steps must be positive")
    return piecewise_interpolate_schedule(
        "linear",
        peak_value / div_factor,
        {
            int(pct_start * transition_steps): div_factor,
            int(pct_final * transition_steps): 1.0 / div_factor,
            transition_steps: 1.0 / final_div_factor,
        },
    )


def cosine_onecycle_schedule(
    transition_steps: int, peak_value: Any, pct_start: float = 0.3, div_factor: float = 25.0, final_div_factor: float = 1e4
) -> Schedule:
    """The one-cycle policy (Smith & Topin, 2017) with cosine pieces: up from ``peak_value / div_factor``
    to ``peak_value``, then down to ``peak_value / (div_factor * final_div_factor)``.

    >>> schedule = cosine_onecycle_schedule(100, 1.0)
    >>> [round(float(schedule(step)), 4) for step in (0, 30, 100)]
    [0.04, 1.0, 0.0]
    """
    if transition_steps <= 0:
        raise ValueError("cosine_onecycle_schedule: transition_steps must be positive")
    return piecewise_interpolate_schedule(
        "cosine",
        peak_value / div_factor,
        {int(pct_start * transition_steps): div_factor, int(transition_steps): 1.0 / (div_factor * final_div_factor)},
    )


def warmup_constant_schedule(init_value: Any, peak_value: Any, warmup_steps: int) -> Schedule:
    """Linear warm-up from ``init_value`` to ``peak_value`` over ``warmup_steps``, then constant.

    >>> [float(warmup_constant_schedule(0.0, 1.0, 4)(step)) for step in (0, 2, 10)]
    [0.0, 0.5, 1.0]
    """
    return linear_schedule(init_value, peak_value, warmup_steps)


def warmup_cosine_decay_schedule(
    init_value: Any, peak_value: Any, warmup_steps: int, decay_steps: int, end_value: Any = 0.0, exponent: Any = 1.0
) -> Schedule:
    """Linear warm-up to ``peak_value`` over ``warmup_steps``, then cosine decay to ``end_value`` at step ``decay_steps``.

    >>> [round(float(warmup_cosine_decay_schedule(0.0, 1.0, 2, 12, end_value=0.1)(step)), 4) for step in (1, 2, 7, 12)]
    [0.5, 1.0, 0.55, 0.1]
    """
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha=alpha, exponent=exponent),
        ],
        [warmup_steps],
    )


def warmup_exponential_decay_schedule(
    init_value: Any,
    peak_value: Any,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: Any,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: Optional[Any] = None,
) -> Schedule:
    """Linear warm-up to ``peak_value`` over ``warmup_steps``, then ``exponential_decay`` from it.

    >>> [round(float(warmup_exponential_decay_schedule(0.0, 1.0, 2, 10, 0.5)(step)), 4) for step in (1, 2, 12)]
    [0.5, 1.0, 0.5]
    """
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value),
        ],
        [warmup_steps],
    )


def sgdr_schedule(cosine_kwargs: Iterable[dict[str, Any]]) -> Schedule:
    """Warm restarts (Loshchilov & Hutter, 2017): ``warmup_cosine_decay_schedule``s one after the other,
    each given by a dict of its arguments and lasting its ``decay_steps``.

    >>> cycle = dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10)
    >>> schedule = sgdr_schedule([cycle, cycle])
    >>> [round(float(schedule(step)), 4) for step in (2, 10, 12)]
    [1.0, 0.0, 1.0]
    """
    boundaries, schedules, step = [], [], 0
    for kwargs in cosine_kwargs:
        schedules.append(warmup_cosine_decay_schedule(**kwargs))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    return join_schedules(schedules, boundaries[:-1])


# --------------------------------------------------------------------------- inject_hyperparams


class WrappedScheduleState(NamedTuple):
    """State of a ``WrappedSchedule``: the step count."""

    count: Any


class WrappedSchedule:
    """A schedule of the step count as a ``StatefulSchedule`` that counts its own steps."""

    def __init__(self, schedule_fn: Schedule):
        self.schedule_fn = schedule_fn

    def init(self) -> WrappedScheduleState:
        """Step 0."""
        return WrappedScheduleState(np.zeros((), np.int32))

    def update(self, state: WrappedScheduleState, **extra_args: Any) -> WrappedScheduleState:
        """One step later."""
        return WrappedScheduleState(safe_increment(state.count))

    def __call__(self, state: WrappedScheduleState, **extra_args: Any) -> Any:
        return self.schedule_fn(state.count)


class InjectHyperparamsState(NamedTuple):
    """A state holding hyperparameters (optax's older layout, kept for its name)."""

    count: Any
    hyperparams: dict
    inner_state: Any


class InjectStatefulHyperparamsState(NamedTuple):
    """State of an optimiser made by ``inject_hyperparams``: the step count, the hyperparameters'
    current values (change ``hyperparams[name]`` to change one), the schedules' states, and the inner state."""

    count: Any
    hyperparams: dict
    hyperparams_states: dict
    inner_state: Any


def _convert_floats(x: Any, dtype: Any) -> Any:
    """A float hyperparameter as an array of ``dtype``; anything else as it is."""
    current = x.dtype if hasattr(x, "dtype") else type(x)
    if np.issubdtype(current, np.floating):
        return fnp.asarray(x, dtype=dtype)
    return x


def _sorted_hyperparams(arguments: dict[str, Any], static_args: set[str]) -> tuple[dict, dict, dict]:
    """An optimiser factory's arguments sorted into schedules (stateful ones, and plain callables
    wrapped as such), numeric values that go into the state, and the rest, which stay fixed."""
    sched_hps, numeric_hps, other_hps = {}, {}, {}
    for name, value in arguments.items():
        if name in static_args or isinstance(value, bool):
            other_hps[name] = value
        elif isinstance(value, StatefulSchedule):
            sched_hps[name] = value
        elif callable(value):
            sched_hps[name] = WrappedSchedule(value)
        elif isinstance(value, (int, float, np.ndarray, np.generic)) or hasattr(value, "aval"):
            numeric_hps[name] = value
        else:
            other_hps[name] = value
    return sched_hps, numeric_hps, other_hps


def inject_hyperparams(
    inner_factory: Callable[..., GradientTransformation],
    static_args: Union[str, Iterable[str]] = (),
    hyperparam_dtype: Any = None,
) -> Callable[..., GradientTransformationExtraArgs]:
    """Wraps an optimiser factory so that its numeric hyperparameters (and schedules, evaluated at
    each step) live in the state's ``hyperparams`` dict, where they can be read or changed between
    steps, also inside ``jit``. Arguments named in ``static_args``, bools and other values stay fixed.

    >>> import numpy as np
    >>> from functrans.optim import sgd
    >>> opt = inject_hyperparams(sgd)(learning_rate=0.1)
    >>> state = opt.init(np.zeros(1))
    >>> state.hyperparams["learning_rate"] = np.array(0.5)
    >>> opt.update(np.array([1.0]), state)[0]
    array([-0.5])
    """
    static_args = {static_args} if isinstance(static_args, str) else set(static_args)
    signature = inspect.signature(inner_factory)
    if not static_args.issubset(signature.parameters):
        raise ValueError(
            f"inject_hyperparams: static_args {sorted(static_args)} must be parameters of inner_factory, "
            f"which has {sorted(signature.parameters)}"
        )

    @functools.wraps(inner_factory)
    def wrapped_transform(*args, **kwargs) -> GradientTransformationExtraArgs:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        sched_hps, numeric_hps, other_hps = _sorted_hyperparams(bound.arguments, static_args)

        def dtype_for(params):
            return hyperparam_dtype if hyperparam_dtype is not None else tree_dtype(params, "highest")

        def init_fn(params):
            dtype = dtype_for(params)
            hparams = {k: fnp.asarray(_convert_floats(v, dtype)) for k, v in numeric_hps.items()}
            hparams_states = {k: f.init() for k, f in sched_hps.items()}
            hparams.update({k: _convert_floats(f(hparams_states[k]), dtype) for k, f in sched_hps.items()})
            inner_state = inner_factory(**other_hps, **hparams).init(params)
            return InjectStatefulHyperparamsState(np.zeros((), np.int32), hparams, hparams_states, inner_state)

        def update_fn(updates, state, params=None, **extra_args):
            dtype = dtype_for(params)
            hparams = {k: _convert_floats(v, dtype) for k, v in state.hyperparams.items()}
            hparams.update({k: _convert_floats(f(state.hyperparams_states[k], **extra_args), dtype) for k, f in sched_hps.items()})
            hparams_states = {k: f.update(state.hyperparams_states[k], **extra_args) for k, f in sched_hps.items()}
            inner = with_extra_args_support(inner_factory(**other_hps, **hparams))
            updates, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
            new_state = InjectStatefulHyperparamsState(safe_increment(state.count), hparams, hparams_states, inner_state)
            return updates, new_state

        return GradientTransformationExtraArgs(init_fn, update_fn)

    return wrapped_transform


def inject_stateful_hyperparams(
    inner_factory: Callable[..., GradientTransformation],
    static_args: Union[str, Iterable[str]] = (),
    hyperparam_dtype: Any = None,
) -> Callable[..., GradientTransformationExtraArgs]:
    """The same as ``inject_hyperparams`` (optax's older name for it).

    >>> from functrans.optim import sgd
    >>> inject_stateful_hyperparams(sgd)(0.1).init(None).hyperparams
    {'learning_rate': array(0.1)}
    """
    return inject_hyperparams(inner_factory, static_args, hyperparam_dtype)
