"""Stateless or count-only rescalings (as ``optax._src.transform``): by a learning rate or a
schedule, by the parameters' norm (trust ratios, LARS, LAMB, Adafactor), by sign, and
gradient centralisation."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_map
from ._base import NO_PARAMS_MSG, GradientTransformation, Schedule, ScalarOrSchedule, identity, init_empty_state, scale
from ._numerics import safe_increment, safe_norm, safe_root_mean_squares


class ScaleByScheduleState(NamedTuple):
    """State of ``scale_by_schedule``: the number of steps taken."""

    count: Any


def scale_by_schedule(step_size_fn: Schedule) -> GradientTransformation:
    """Multiplies the updates by ``step_size_fn(count)``, ``count`` the number of steps taken so far.

    >>> import numpy as np
    >>> tx = scale_by_schedule(lambda count: 1.0 / (1 + count))
    >>> u, state = tx.update(np.array([1.0]), tx.init(None))
    >>> tx.update(np.array([1.0]), state)[0]
    array([0.5])
    """

    def init_fn(params):
        return ScaleByScheduleState(np.zeros((), np.int32))

    def update_fn(updates, state, params=None):
        step_size = step_size_fn(state.count)
        updates = tree_map(lambda g: fnp.astype(step_size, fnp.asarray(g).dtype) * g, updates)
        return updates, ScaleByScheduleState(safe_increment(state.count))

    return GradientTransformation(init_fn, update_fn)


def scale_by_learning_rate(learning_rate: ScalarOrSchedule = None, *, flip_sign: bool = True) -> GradientTransformation:
    """Multiplies the updates by ``-learning_rate`` (descent; ``+`` with ``flip_sign=False``), a constant or a schedule.

    >>> import numpy as np
    >>> tx = scale_by_learning_rate(0.1)
    >>> tx.update(np.array([2.0]), tx.init(None))[0]
    array([-0.2])
    """
    if learning_rate is None:
        return identity()
    sign = -1 if flip_sign else 1
    if callable(learning_rate):
        return scale_by_schedule(lambda count: sign * learning_rate(count))
    return scale(sign * learning_rate)


def scale_by_trust_ratio(min_norm: Any = 0.0, trust_coefficient: Any = 1.0, eps: Any = 0.0) -> GradientTransformation:
    """Multiplies each leaf's update by ``trust_coefficient * |param| / (|update| + eps)`` (LARS, LAMB);
    by 1 where either norm is 0.

    >>> import numpy as np
    >>> tx = scale_by_trust_ratio()
    >>> tx.update(np.array([0.0, 2.0]), tx.init(None), np.array([3.0, 4.0]))[0]
    array([0., 5.])
    """

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)

        def scaled(update, param):
            param_norm = safe_norm(param, min_norm)
            update_norm = safe_norm(update, min_norm)
            trust_ratio = trust_coefficient * param_norm / (update_norm + eps)
            zero_norm = (param_norm == 0.0) | (update_norm == 0.0)
            return update * fnp.where(zero_norm, np.array(1.0, fnp.asarray(param).dtype), trust_ratio)

        return tree_map(scaled, updates, params), state

    return GradientTransformation(init_empty_state, update_fn)


def scale_by_param_block_norm(min_scale: Any = 1e-3) -> GradientTransformation:
    """Multiplies each leaf's update by the norm of its parameter (at least ``min_scale``).

    >>> import numpy as np
    >>> tx = scale_by_param_block_norm()
    >>> tx.update(np.array([1.0, 1.0]), tx.init(None), np.array([3.0, 4.0]))[0]
    array([5., 5.])
    """

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)
        return tree_map(lambda u, p: u * safe_norm(p, min_scale), updates, params), state

    return GradientTransformation(init_empty_state, update_fn)


def scale_by_param_block_rms(min_scale: Any = 1e-3) -> GradientTransformation:
    """Multiplies each leaf's update by the root mean square of its parameter (at least ``min_scale``; Adafactor).

    >>> import numpy as np
    >>> tx = scale_by_param_block_rms()
    >>> tx.update(np.array([1.0, 1.0]), tx.init(None), np.array([3.0, -3.0]))[0]
    array([3., 3.])
    """

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)
        return tree_map(lambda u, p: u * safe_root_mean_squares(p, min_scale), updates, params), state

    return GradientTransformation(init_empty_state, update_fn)


def scale_by_sign() -> GradientTransformation:
    """Replaces each update by its sign (signSGD).

    >>> import numpy as np
    >>> scale_by_sign().update(np.array([-0.3, 0.0, 2.0]), None)[0]
    array([-1.,  0.,  1.])
    """

    def update_fn(updates, state, params=None):
        return tree_map(fnp.sign, updates), state

    return GradientTransformation(init_empty_state, update_fn)


def _subtract_mean(g: Any) -> Any:
    g = fnp.asarray(g)
    if g.ndim > 1:
        return g - fnp.mean(g, axis=tuple(range(1, g.ndim)), keepdims=True)
    return g


def centralize() -> GradientTransformation:
    """Gradient centralisation (Yong et al., 2020): subtracts from each update of rank 2 or more its mean over all axes but the first.

    >>> import numpy as np
    >>> centralize().update(np.array([[1.0, 3.0], [0.0, 0.0]]), None)[0]
    array([[-1.,  1.],
           [ 0.,  0.]])
    """

    def update_fn(updates, state, params=None):
        return tree_map(_subtract_mean, updates), state

    return GradientTransformation(init_empty_state, update_fn)
