"""Transformations that add a term to the updates (as ``optax.transforms._adding``):
decoupled weight decay and annealed Gaussian noise."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional, Union

import numpy as np

from .. import numpy as fnp
from .. import random
from ..tree_util import tree_map
from . import tree_utils as otu
from ._base import NO_PARAMS_MSG, EmptyState, GradientTransformation, ScalarOrSchedule
from ._masking import masked
from ._numerics import safe_increment


class WeightDecaySchedule(NamedTuple):
    """State of ``add_decayed_weights`` with a scheduled decay: the step count."""

    count: Any


AddDecayedWeightsState = EmptyState


def add_decayed_weights(weight_decay: ScalarOrSchedule = 0.0, mask: Optional[Union[Any, Callable[[Any], Any]]] = None) -> GradientTransformation:
    """Adds ``weight_decay * params`` to the updates (decoupled weight decay, Loshchilov & Hutter 2019),
    where ``mask`` (a tree of bools or a function of the params giving one) allows, if given.

    >>> import numpy as np
    >>> tx = add_decayed_weights(0.1)
    >>> tx.update(np.array([1.0]), tx.init(None), np.array([2.0]))[0]
    array([1.2])
    """

    def init_fn(params):
        return WeightDecaySchedule(np.zeros((), np.int32)) if callable(weight_decay) else EmptyState()

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)
        new_state = WeightDecaySchedule(safe_increment(state.count)) if callable(weight_decay) else state
        if isinstance(weight_decay, (int, float)) and weight_decay == 0.0:
            return updates, new_state
        s = weight_decay(state.count) if callable(weight_decay) else weight_decay
        decay = lambda g, p: None if g is None else g + _like(s, g) * p  # noqa: E731
        return tree_map(decay, updates, params, is_leaf=lambda x: x is None), new_state

    if mask is not None:
        return masked(GradientTransformation(init_fn, update_fn), mask)
    return GradientTransformation(init_fn, update_fn)


def _like(value: Any, leaf: Any) -> Any:
    """A Python scalar as it is (weak); an array value (a schedule's output) in ``leaf``'s dtype."""
    if isinstance(value, (int, float)):
        return value
    return fnp.astype(value, fnp.asarray(leaf).dtype)


class AddNoiseState(NamedTuple):
    """State of ``add_noise``: the step count and the random key."""

    count: Any
    rng_key: Any


def add_noise(eta: Any, gamma: Any, key: Any = None, *, seed: Optional[int] = None) -> GradientTransformation:
    """Adds Gaussian noise of variance ``eta / t**gamma`` at step ``t`` (Neelakantan et al., 2015).
    ``key`` is a ``functrans.random`` key or an integer seed (0 if not given).

    >>> import numpy as np
    >>> tx = add_noise(eta=0.0, gamma=0.55, key=0)
    >>> tx.update(np.array([1.0, 2.0]), tx.init(np.zeros(2)))[0]
    array([1., 2.])
    """
    if seed is not None:
        key = seed
    if key is None:
        key = 0

    def init_fn(params):
        rng_key = random.key(key) if isinstance(key, (int, np.integer)) else fnp.asarray(key)
        return AddNoiseState(np.zeros((), np.int32), rng_key)

    def update_fn(updates, state, params=None):
        count = safe_increment(state.count)
        stddev = fnp.sqrt(eta / count**gamma)
        keys = random.split(state.rng_key)
        noise = otu.tree_random_like(keys[1], updates, random.normal)
        updates = tree_map(lambda u, n: u + fnp.astype(stddev, fnp.asarray(u).dtype) * n, updates, noise)
        return updates, AddNoiseState(count, keys[0])

    return GradientTransformation(init_fn, update_fn)
