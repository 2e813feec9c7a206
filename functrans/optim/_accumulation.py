"""Transformations that accumulate over steps (as ``optax.transforms._accumulation``):
momentum (``trace``), exponential moving averages, and gradient accumulation over
several mini-steps (``MultiSteps``, ``apply_every``)."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional, Protocol

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_leaves, tree_map
from . import tree_utils as otu
from ._base import GradientTransformation, Params, Updates, with_extra_args_support
from ._conditionality import select_tree
from ._numerics import safe_increment


def _canonical_dtype(dtype: Any) -> Optional[np.dtype]:
    return None if dtype is None else np.dtype(dtype)


class TraceState(NamedTuple):
    """State of ``trace``: the momentum."""

    trace: Params


def trace(decay: Any, nesterov: bool = False, accumulator_dtype: Any = None) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``; the update is ``t``, or ``g + decay * t`` with Nesterov's.

    >>> import numpy as np
    >>> tx = trace(0.5)
    >>> u, state = tx.update(np.array([1.0]), tx.init(np.zeros(1)))
    >>> tx.update(np.array([1.0]), state)[0]
    array([1.5])
    """
    accumulator_dtype = _canonical_dtype(accumulator_dtype)

    def init_fn(params):
        return TraceState(otu.tree_zeros_like(params, dtype=accumulator_dtype))

    def update_fn(updates, state, params=None):
        accumulate = lambda g, t: g + decay * t  # noqa: E731
        new_trace = tree_map(lambda g, t: None if g is None else accumulate(g, t), updates, state.trace, is_leaf=lambda g: g is None)
        updates = tree_map(accumulate, updates, new_trace) if nesterov else new_trace
        return updates, TraceState(otu.tree_cast(new_trace, accumulator_dtype))

    return GradientTransformation(init_fn, update_fn)


class EmaState(NamedTuple):
    """State of ``ema``: the step count and the average."""

    count: Any
    ema: Params


def ema(decay: Any, debias: bool = True, accumulator_dtype: Any = None) -> GradientTransformation:
    """The exponential moving average of the updates, ``e = (1 - decay) * g + decay * e``, bias-corrected by default.

    >>> import numpy as np
    >>> tx = ema(0.9)
    >>> tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0]
    array([2.])
    """
    accumulator_dtype = _canonical_dtype(accumulator_dtype)

    def init_fn(params):
        return EmaState(np.zeros((), np.int32), otu.tree_zeros_like(params, dtype=accumulator_dtype))

    def update_fn(updates, state, params=None):
        new_ema = otu.tree_update_moment(updates, state.ema, decay, order=1)
        count = safe_increment(state.count)
        updates = otu.tree_bias_correction(new_ema, decay, count) if debias else new_ema
        return updates, EmaState(count, otu.tree_cast(new_ema, accumulator_dtype))

    return GradientTransformation(init_fn, update_fn)


class ApplyEvery(NamedTuple):
    """State of ``apply_every``: the mini-step within the period and the accumulated gradient."""

    count: Any
    grad_acc: Updates


def apply_every(k: int = 1) -> GradientTransformation:
    """Sums the updates over ``k`` steps and emits the sum on every ``k``-th step (zeros on the others).

    >>> import numpy as np
    >>> tx = apply_every(2)
    >>> u0, state = tx.update(np.array([1.0]), tx.init(np.zeros(1)))
    >>> u1, state = tx.update(np.array([2.0]), state)
    >>> u0, u1
    (array([0.]), array([3.]))
    """

    def init_fn(params):
        return ApplyEvery(np.zeros((), np.int32), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        c = state.count % k
        keep = c != 0
        grad_acc = tree_map(lambda g, ga: keep * ga + g, updates, state.grad_acc)
        emit = c == k - 1
        updates = tree_map(lambda ga: emit * ga, grad_acc)
        return updates, ApplyEvery(safe_increment(state.count) % k, grad_acc)

    return GradientTransformation(init_fn, update_fn)


class ShouldSkipUpdateFunction(Protocol):
    """``(updates, gradient_step, params) -> (should_skip, info)``: whether ``MultiSteps`` ignores a mini-step."""

    def __call__(self, updates: Updates, gradient_step: Any, params: Optional[Params]) -> tuple[Any, Any]: ...


def skip_not_finite(updates: Updates, gradient_step: Any, params: Optional[Params]) -> tuple[Any, Any]:
    """Skips mini-steps whose updates hold a nan or an inf (for ``MultiSteps``).

    >>> import numpy as np
    >>> skip, info = skip_not_finite([np.array([1.0, np.inf])], 0, None)
    >>> bool(skip), int(info["num_not_finite"])
    (True, 1)
    """
    num_not_finite = fnp.asarray(0)
    for leaf in tree_leaves(updates):
        num_not_finite = num_not_finite + fnp.sum(~fnp.isfinite(leaf))
    should_skip = num_not_finite > 0
    return should_skip, {"should_skip": should_skip, "num_not_finite": num_not_finite}


def skip_large_updates(updates: Updates, gradient_step: Any, params: Optional[Params], max_squared_norm: Any) -> tuple[Any, Any]:
    """Skips mini-steps whose updates have a squared norm of at least ``max_squared_norm`` (or nan), for ``MultiSteps``.

    >>> import numpy as np
    >>> skip, info = skip_large_updates([np.array([3.0, 4.0])], 0, None, max_squared_norm=20.0)
    >>> bool(skip), float(info["norm_squared"])
    (True, 25.0)
    """
    norm_sq = otu.tree_norm(updates, squared=True)
    should_skip = ~(norm_sq < max_squared_norm)
    return should_skip, {"should_skip": should_skip, "norm_squared": norm_sq}


class MultiStepsState(NamedTuple):
    """State of ``MultiSteps``: the mini-step within the current step, the number of steps taken,
    the inner optimiser's state, the accumulated gradients, and what ``should_skip_update_fn`` reported."""

    mini_step: Any
    gradient_step: Any
    inner_opt_state: Any
    acc_grads: Any
    skip_state: Any = ()


class MultiSteps:
    """Gradient accumulation: the inner optimiser takes one step every ``every_k_schedule`` calls,
    on the mean (or sum) of the gradients seen since its last step; the calls in between give zero updates.

    >>> import numpy as np
    >>> from functrans.optim import sgd
    >>> opt = MultiSteps(sgd(1.0), every_k_schedule=2)
    >>> state = opt.init(np.zeros(1))
    >>> u0, state = opt.update(np.array([1.0]), state)
    >>> u1, state = opt.update(np.array([3.0]), state)
    >>> u0, u1, bool(opt.has_updated(state))
    (array([-0.]), array([-2.]), True)
    """

    def __init__(
        self,
        opt: GradientTransformation,
        every_k_schedule: int | Callable[[Any], Any],
        use_grad_mean: bool = True,
        should_skip_update_fn: Optional[ShouldSkipUpdateFunction] = None,
        accumulator_dtype: Any = np.float32,
    ):
        self._opt = with_extra_args_support(opt)
        self._every_k_schedule = (lambda step: every_k_schedule) if isinstance(every_k_schedule, int) else every_k_schedule
        self._use_grad_mean = use_grad_mean
        self._accumulator_dtype = _canonical_dtype(accumulator_dtype)
        self._should_skip_update_fn = should_skip_update_fn or (lambda *args, **kwargs: (np.array(False), ()))

    @property
    def inner_opt(self) -> GradientTransformation:
        """The optimiser that takes the accumulated steps."""
        return self._opt

    def _accumulate(self, grad: Any, acc: Any, n_acc: Any) -> Any:
        if self._use_grad_mean:
            return acc + (grad - acc) / (n_acc + 1)
        return grad + acc

    def init(self, params: Any) -> MultiStepsState:
        """The state before the first mini-step."""
        gradient_step = np.zeros((), np.int32)
        _, skip_state = self._should_skip_update_fn(otu.tree_zeros_like(params), gradient_step, params)
        acc_grads = otu.tree_zeros_like(params, dtype=self._accumulator_dtype)
        return MultiStepsState(np.zeros((), np.int32), gradient_step, self._opt.init(params), acc_grads, skip_state)

    def update(self, updates: Updates, state: MultiStepsState, params: Optional[Params] = None, **extra_args: Any):
        """One mini-step: accumulate ``updates``; on the last mini-step of a step, apply the inner optimiser."""
        k_steps = self._every_k_schedule(state.gradient_step)
        should_skip, skip_state = self._should_skip_update_fn(updates, state.gradient_step, params)
        should_skip = fnp.asarray(should_skip)
        if (should_skip.dtype, should_skip.shape) != (np.dtype(bool), ()):
            raise ValueError(
                "MultiSteps: should_skip_update_fn must return a boolean scalar, "
                f"got dtype {should_skip.dtype} and shape {should_skip.shape}"
            )
        acc_grads = tree_map(lambda g, acc: self._accumulate(g, acc, state.mini_step), updates, state.acc_grads)
        final_updates, new_inner = self._opt.update(otu.tree_cast_like(acc_grads, updates), state.inner_opt_state, params, **extra_args)
        emit = state.mini_step == k_steps - 1
        stepped = MultiStepsState(
            mini_step=safe_increment(state.mini_step) % k_steps,
            gradient_step=fnp.where(emit, safe_increment(state.gradient_step), state.gradient_step),
            inner_opt_state=select_tree(emit, new_inner, state.inner_opt_state),
            acc_grads=tree_map(lambda ga: fnp.astype((1 - emit) * ga, self._accumulator_dtype or fnp.asarray(ga).dtype), acc_grads),
            skip_state=skip_state,
        )
        final_updates = tree_map(lambda u: emit * u, final_updates)
        skipped = MultiStepsState(state.mini_step, state.gradient_step, state.inner_opt_state, state.acc_grads, skip_state)
        zeros = otu.tree_zeros_like(final_updates)
        return select_tree(should_skip, zeros, final_updates), select_tree(should_skip, skipped, stepped)

    def has_updated(self, state: Any) -> Any:
        """Whether the last call took an inner step."""
        return (state.mini_step == 0) & (state.gradient_step > 0)

    def gradient_transformation(self) -> GradientTransformation:
        """This accumulation as a ``GradientTransformation``."""
        return GradientTransformation(self.init, self.update)
