"""Transformations applied only when a condition holds (as ``optax.transforms._conditionality``):
on finite gradients, or on the steps a function of the step count picks. Both branches are
computed and the result selected, so the condition may be a traced value inside ``jit``."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_leaves, tree_map
from . import tree_utils as otu
from ._base import GradientTransformation, GradientTransformationExtraArgs, OptState, with_extra_args_support
from ._numerics import safe_increment

ConditionFn = Callable[..., Any]


def select_tree(pred: Any, on_true: Any, on_false: Any) -> Any:
    """``on_true`` where the scalar ``pred`` holds, else ``on_false``, leaf by leaf in ``on_false``'s dtypes."""
    return tree_map(lambda a, b: fnp.astype(fnp.where(pred, a, b), fnp.asarray(b).dtype), on_true, on_false)


def _gated(inner: GradientTransformation, updates: Any, inner_state: Any, params: Any, extra_args: dict, apply: Any, rejected: Any):
    """``inner``'s result where ``apply`` holds, else ``(rejected, inner_state)``."""
    new_updates, new_state = inner.update(updates, inner_state, params, **extra_args)
    return select_tree(apply, new_updates, rejected), select_tree(apply, new_state, inner_state)


class ConditionallyTransformState(NamedTuple):
    """State of ``conditionally_transform``."""

    inner_state: Any
    step: Any


def conditionally_transform(
    inner: GradientTransformation, should_transform_fn: ConditionFn, forward_extra_args: bool = False
) -> GradientTransformationExtraArgs:
    """``inner`` on the steps where ``should_transform_fn(step)`` holds; the updates pass unchanged on the others.

    >>> import numpy as np
    >>> from functrans.optim import scale
    >>> tx = conditionally_transform(scale(10.0), lambda step: step >= 1)
    >>> u0, state = tx.update(np.array([1.0]), tx.init(np.zeros(1)))
    >>> u1, state = tx.update(np.array([1.0]), state)
    >>> u0, u1
    (array([1.]), array([10.]))
    """
    inner = with_extra_args_support(inner)

    def init_fn(params):
        return ConditionallyTransformState(inner.init(params), np.zeros((), np.int32))

    def update_fn(updates, state, params=None, **extra_args):
        apply = should_transform_fn(state.step, **(extra_args if forward_extra_args else {}))
        updates, inner_state = _gated(inner, updates, state.inner_state, params, extra_args, apply, updates)
        return updates, ConditionallyTransformState(inner_state, safe_increment(state.step))

    return GradientTransformationExtraArgs(init_fn, update_fn)


class ConditionallyMaskState(NamedTuple):
    """State of ``conditionally_mask``."""

    step: Any
    inner_state: OptState


def conditionally_mask(
    inner: GradientTransformation, should_transform_fn: ConditionFn, forward_extra_args: bool = False
) -> GradientTransformationExtraArgs:
    """``inner`` on the steps where ``should_transform_fn(step)`` holds; zero updates on the others.

    >>> import numpy as np
    >>> from functrans.optim import scale
    >>> tx = conditionally_mask(scale(10.0), lambda step: step >= 1)
    >>> tx.update(np.array([1.0]), tx.init(np.zeros(1)))[0]
    array([0.])
    """
    inner = with_extra_args_support(inner)

    def init_fn(params):
        return ConditionallyMaskState(np.zeros((), np.int32), inner.init(params))

    def update_fn(updates, state, params=None, **extra_args):
        apply = should_transform_fn(state.step, **(extra_args if forward_extra_args else {}))
        zeros = otu.tree_zeros_like(updates)
        updates, inner_state = _gated(inner, updates, state.inner_state, params, extra_args, apply, zeros)
        return updates, ConditionallyMaskState(safe_increment(state.step), inner_state)

    return GradientTransformationExtraArgs(init_fn, update_fn)


class ApplyIfFiniteState(NamedTuple):
    """State of ``apply_if_finite``: the current and total numbers of non-finite steps, whether the last was finite."""

    notfinite_count: Any
    last_finite: Any
    total_notfinite: Any
    inner_state: Any


def apply_if_finite(inner: GradientTransformation, max_consecutive_errors: int) -> GradientTransformation:
    """``inner`` on finite updates only: a step with a nan or inf gives zero updates and keeps the
    inner state, unless more than ``max_consecutive_errors`` such steps came in a row.

    >>> import numpy as np
    >>> from functrans.optim import sgd
    >>> tx = apply_if_finite(sgd(0.1), max_consecutive_errors=2)
    >>> updates, state = tx.update(np.array([np.nan, 1.0]), tx.init(np.zeros(2)))
    >>> updates, int(state.notfinite_count), bool(state.last_finite)
    (array([0., 0.]), 1, False)
    """
    inner = with_extra_args_support(inner)

    def init_fn(params):
        zero = np.zeros((), np.int32)
        return ApplyIfFiniteState(zero, np.array(True), zero, inner.init(params))

    def update_fn(updates, state, params=None, **extra_args):
        finite = fnp.asarray(True)
        for leaf in tree_leaves(updates):
            finite = finite & fnp.all(fnp.isfinite(leaf))
        notfinite_count = fnp.where(finite, np.zeros((), np.int32), safe_increment(state.notfinite_count))
        apply = finite | (notfinite_count > max_consecutive_errors)
        zeros = otu.tree_zeros_like(updates)
        updates, inner_state = _gated(inner, updates, state.inner_state, params, extra_args, apply, zeros)
        total = fnp.where(finite, state.total_notfinite, safe_increment(state.total_notfinite))
        return updates, ApplyIfFiniteState(notfinite_count, finite, total, inner_state)

    return GradientTransformationExtraArgs(init_fn, update_fn)
