"""Transformations that constrain the updates (as ``optax.transforms._constraining``)."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_map
from ._base import NO_PARAMS_MSG, EmptyState, GradientTransformation

NonNegativeParamsState = EmptyState


def keep_params_nonnegative() -> GradientTransformation:
    """Shortens the updates that would take a parameter below zero so that it lands on zero.

    >>> import numpy as np
    >>> tx = keep_params_nonnegative()
    >>> tx.update(np.array([-3.0, -0.5]), tx.init(None), np.array([1.0, 1.0]))[0]
    array([-1. , -0.5])
    """

    def init_fn(params):
        return NonNegativeParamsState()

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)
        keep = lambda p, u: None if p is None else fnp.where(p + u < 0.0, -p, u)  # noqa: E731
        return tree_map(keep, params, updates, is_leaf=lambda x: x is None), state

    return GradientTransformation(init_fn, update_fn)


class ZeroNansState(NamedTuple):
    """State of ``zero_nans``: per leaf, whether the last updates held a nan."""

    found_nan: Any


def zero_nans() -> GradientTransformation:
    """Replaces nans in the updates by zeros, recording per leaf whether there were any.

    >>> import numpy as np
    >>> tx = zero_nans()
    >>> updates, state = tx.update([np.array([np.nan, 1.0])], tx.init([np.zeros(2)]))
    >>> updates, bool(state.found_nan[0])
    ([array([0., 1.])], True)
    """

    def init_fn(params):
        return ZeroNansState(tree_map(lambda p: np.array(False), params))

    def update_fn(updates, state, params=None):
        found_nan = tree_map(lambda u: fnp.any(fnp.isnan(u)), updates)
        return tree_map(lambda u: fnp.where(fnp.isnan(u), fnp.zeros_like(u), u), updates), ZeroNansState(found_nan)

    return GradientTransformation(init_fn, update_fn)
