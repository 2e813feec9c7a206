"""Applying updates to parameters (as ``optax._src.update``)."""
from __future__ import annotations

from typing import Any

from .. import numpy as fnp
from ..tree_util import tree_map
from ._base import Params, Updates
from ._conditionality import select_tree


def _is_none(x: Any) -> bool:
    return x is None


def apply_updates(params: Params, updates: Updates) -> Params:
    """``params + updates`` leaf by leaf, each result in its parameter's dtype.

    >>> import numpy as np
    >>> apply_updates({"w": np.ones(2, np.float32)}, {"w": np.array([0.5, -0.5])})
    {'w': array([1.5, 0.5], dtype=float32)}
    """
    add = lambda p, u: None if p is None else fnp.astype(fnp.asarray(p + u), fnp.asarray(p).dtype)  # noqa: E731
    return tree_map(add, params, updates, is_leaf=_is_none)


def incremental_update(new_tensors: Params, old_tensors: Params, step_size: Any) -> Params:
    """The moving average ``step_size * new + (1 - step_size) * old`` (Polyak averaging of target networks).

    >>> import numpy as np
    >>> incremental_update([np.array([1.0])], [np.array([0.0])], 0.25)
    [array([0.25])]
    """
    mix = lambda new, old: None if new is None else step_size * new + (1.0 - step_size) * old  # noqa: E731
    return tree_map(mix, new_tensors, old_tensors, is_leaf=_is_none)


def periodic_update(new_tensors: Params, old_tensors: Params, steps: Any, update_period: Any) -> Params:
    """``new_tensors`` on the steps that are multiples of ``update_period``, else ``old_tensors``.

    >>> import numpy as np
    >>> periodic_update([np.array(1.0)], [np.array(0.0)], np.array(4), 2), periodic_update([np.array(1.0)], [np.array(0.0)], np.array(3), 2)
    ([array(1.)], [array(0.)])
    """
    return select_tree(fnp.mod(steps, update_period) == 0, new_tensors, old_tensors)
