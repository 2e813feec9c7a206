"""Gradient transformations, as optax: composable optimisers whose state is a pytree of arrays.

A ``GradientTransformation`` is a pair of pure functions: ``init(params) -> state`` and
``update(grads, state, params=None) -> (updates, state)``. ``apply_updates`` adds the
updates to the parameters. Because states are pytrees (NamedTuples of arrays), a whole
training step, optimiser included, runs inside ``jit``.

>>> import functrans as ft
>>> opt = adam(0.1)
>>> params = {"w": np.array([1.0, -2.0])}
>>> state = opt.init(params)
>>> grads = ft.grad(lambda p: (p["w"] ** 2).sum())(params)
>>> updates, state = opt.update(grads, state, params)
>>> apply_updates(params, updates)["w"]    # the first Adam step is -lr * sign(grad)
array([ 0.9, -1.9])

A learning rate may also be a schedule: a function of the step count (0, 1, ...) giving
the rate, written with ``functrans.numpy`` so that it works on a traced count.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from . import dtypes
from . import numpy as fnp
from .tree_util import tree_leaves, tree_map

Params = Any
Updates = Any
State = Any
Schedule = Callable[[Any], Any]
ScalarOrSchedule = float | Schedule

__all__ = [
    "GradientTransformation", "add_decayed_weights", "adam", "adamw", "apply_updates", "chain",
    "clip_by_global_norm", "global_norm", "identity", "rmsprop", "scale", "scale_by_adam",
    "scale_by_learning_rate", "scale_by_rms", "sgd", "trace",
]


class GradientTransformation(NamedTuple):
    """An optimiser (or a part of one): ``init(params) -> state``, ``update(grads, state, params=None) -> (updates, state)``."""

    init: Callable[[Params], State]
    update: Callable[..., tuple[Updates, State]]


class EmptyState(NamedTuple):
    """The state of a stateless transformation."""


class ScaleByScheduleState(NamedTuple):
    count: Any


class TraceState(NamedTuple):
    trace: Any


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByRmsState(NamedTuple):
    nu: Any


def _zeros_like(tree: Any) -> Any:
    return tree_map(fnp.zeros_like, tree)


def _zero_count() -> Any:
    return np.zeros((), dtypes.int32)


def _as(value: Any, like: Any) -> Any:
    """``value`` (a scalar factor, maybe float64 or traced) in the dtype of leaf ``like``,
    so that float32 parameters get float32 updates."""
    return fnp.astype(value, fnp.asarray(like).dtype)


# --------------------------------------------------------------------------- building blocks


def identity() -> GradientTransformation:
    """Leaves the updates unchanged."""
    return GradientTransformation(lambda params: EmptyState(), lambda updates, state, params=None: (updates, state))


def scale(step_size: float) -> GradientTransformation:
    """Multiplies the updates by a constant."""

    def update(updates, state, params=None):
        return tree_map(lambda u: u * step_size, updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def scale_by_learning_rate(learning_rate: ScalarOrSchedule) -> GradientTransformation:
    """Multiplies the updates by ``-learning_rate`` (descent), a constant or a schedule of the step count."""
    if not callable(learning_rate):
        return scale(-learning_rate)

    def update(updates, state, params=None):
        rate = learning_rate(state.count)
        return tree_map(lambda u: u * _as(-rate, u), updates), ScaleByScheduleState(state.count + 1)

    return GradientTransformation(lambda params: ScaleByScheduleState(_zero_count()), update)


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``; the update is ``t`` (or ``g + decay * t`` with Nesterov)."""

    def update(updates, state, params=None):
        accumulate = lambda g, t: g + decay * t  # noqa: E731
        new_trace = tree_map(accumulate, updates, state.trace)
        updates = tree_map(accumulate, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(new_trace)

    return GradientTransformation(lambda params: TraceState(_zeros_like(params)), update)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, eps_root: float = 0.0) -> GradientTransformation:
    """Adam's rescaling: bias-corrected first moment over the root of the bias-corrected second,
    ``m_hat / (sqrt(v_hat + eps_root) + eps)`` (Kingma & Ba, 2015)."""

    def init(params):
        return ScaleByAdamState(_zero_count(), _zeros_like(params), _zeros_like(params))

    def update(updates, state, params=None):
        mu = tree_map(lambda g, m: b1 * m + (1.0 - b1) * g, updates, state.mu)
        nu = tree_map(lambda g, v: b2 * v + (1.0 - b2) * (g * g), updates, state.nu)
        count = state.count + 1
        step = fnp.astype(count, dtypes.float64)
        correction1, correction2 = 1.0 - b1**step, 1.0 - b2**step

        def rescale(m, v):
            m_hat, v_hat = m / _as(correction1, m), v / _as(correction2, v)
            return m_hat / (fnp.sqrt(v_hat + eps_root) + eps)

        return tree_map(rescale, mu, nu), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> GradientTransformation:
    """RMSProp's rescaling, as optax: ``v = decay * v + (1 - decay) * g**2``, update ``g / sqrt(v + eps)``."""

    def update(updates, state, params=None):
        nu = tree_map(lambda g, v: decay * v + (1.0 - decay) * (g * g), updates, state.nu)
        return tree_map(lambda g, v: g / fnp.sqrt(v + eps), updates, nu), ScaleByRmsState(nu)

    return GradientTransformation(lambda params: ScaleByRmsState(_zeros_like(params)), update)


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """Adds ``weight_decay * params`` to the updates (decoupled weight decay, as in AdamW)."""

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("add_decayed_weights: update(grads, state, params) needs the params (got params=None)")
        return tree_map(lambda u, p: u + weight_decay * p, updates, params), state

    return GradientTransformation(lambda params: EmptyState(), update)


def global_norm(tree: Any) -> Any:
    """The Euclidean norm of all the leaves together.

    >>> float(global_norm([np.array([3.0]), np.array([4.0])]))
    5.0
    """
    return fnp.sqrt(sum(fnp.sum(fnp.square(leaf)) for leaf in tree_leaves(tree)))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Rescales the updates so that their global norm is at most ``max_norm`` (unchanged when it is)."""

    def update(updates, state, params=None):
        # max_norm / max(norm, max_norm) is exactly 1 below the threshold and never divides by 0.
        factor = max_norm / fnp.maximum(global_norm(updates), max_norm)
        return tree_map(lambda u: u * _as(factor, u), updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """The transformations applied one after the other; the state is the tuple of their states.

    >>> opt = chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(1e-3))
    """

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        new_states = []
        for transform, inner in zip(transforms, state):
            updates, inner = transform.update(updates, inner, params)
            new_states.append(inner)
        return updates, tuple(new_states)

    return GradientTransformation(init, update)


# --------------------------------------------------------------------------- optimisers


def sgd(learning_rate: ScalarOrSchedule, momentum: float | None = None, nesterov: bool = False) -> GradientTransformation:
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    >>> updates, _ = sgd(0.1).update({"w": np.array([2.0])}, sgd(0.1).init(None))
    >>> updates["w"]
    array([-0.2])
    """
    momentum_part = trace(momentum, nesterov) if momentum is not None else identity()
    return chain(momentum_part, scale_by_learning_rate(learning_rate))


def adam(learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> GradientTransformation:
    """Adam (Kingma & Ba, 2015)."""
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamw(
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, weight_decay: float = 1e-4
) -> GradientTransformation:
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): the step is
    ``-lr * (adam_direction + weight_decay * params)``."""
    return chain(scale_by_adam(b1, b2, eps), add_decayed_weights(weight_decay), scale_by_learning_rate(learning_rate))


def rmsprop(
    learning_rate: ScalarOrSchedule, decay: float = 0.9, eps: float = 1e-8, momentum: float | None = None, nesterov: bool = False
) -> GradientTransformation:
    """RMSProp (Tieleman & Hinton, 2012), with optional momentum, as optax."""
    momentum_part = trace(momentum, nesterov) if momentum is not None else identity()
    return chain(scale_by_rms(decay, eps), momentum_part, scale_by_learning_rate(learning_rate))


def apply_updates(params: Params, updates: Updates) -> Params:
    """``params + updates`` leaf by leaf, keeping each parameter's dtype."""
    return tree_map(lambda p, u: fnp.astype(fnp.asarray(p) + u, fnp.asarray(p).dtype), params, updates)
