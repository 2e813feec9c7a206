"""The types every transformation shares (as ``optax._src.base``): a gradient
transformation is a pair of pure functions ``init(params) -> state`` and
``update(updates, state, params=None) -> (updates, state)``, and its state is a
pytree of arrays, so a whole training step runs inside ``jit``."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional, Protocol, runtime_checkable

from .. import numpy as fnp
from ..tree_util import tree_map

PyTree = Any
Params = Any
Updates = Any
OptState = Any
ArrayTree = Any
Shape = tuple
PRNGKey = Any
Schedule = Callable[[Any], Any]
ScheduleState = Any
ScalarOrSchedule = Any  # a float, an array, or a Schedule

NO_PARAMS_MSG = (
    "You are using a transformation that requires the current value of parameters, "
    "but you are not passing `params` when calling `update`."
)


@runtime_checkable
class StatefulSchedule(Protocol):
    """A schedule that keeps its own state: ``init() -> state``, ``update(state) -> state``, ``__call__(state) -> value``."""

    def init(self) -> ScheduleState: ...

    def update(self, state: ScheduleState, **extra_args: Any) -> ScheduleState: ...

    def __call__(self, state: ScheduleState, **extra_args: Any) -> Any: ...


class TransformInitFn(Protocol):
    def __call__(self, params: Params) -> OptState: ...


class TransformUpdateFn(Protocol):
    def __call__(self, updates: Updates, state: OptState, params: Optional[Params] = None) -> tuple[Updates, OptState]: ...


class TransformUpdateExtraArgsFn(Protocol):
    def __call__(
        self, updates: Updates, state: OptState, params: Optional[Params] = None, **extra_args: Any
    ) -> tuple[Updates, OptState]: ...


class GradientTransformation(NamedTuple):
    """An optimiser, or a part of one: ``init(params) -> state`` and ``update(updates, state, params=None) -> (updates, state)``.

    >>> import numpy as np
    >>> tx = scale(2.0)
    >>> tx.update(np.array([1.0, -1.0]), tx.init(None))[0]
    array([ 2., -2.])
    """

    init: TransformInitFn
    update: TransformUpdateFn


class GradientTransformationExtraArgs(GradientTransformation):
    """A transformation whose ``update`` also takes keyword arguments (``value=``, ...) and passes them on."""

    update: TransformUpdateExtraArgsFn


class EmptyState(NamedTuple):
    """The state of a stateless transformation."""


def init_empty_state(params: Params) -> EmptyState:
    """The ``init`` of a stateless transformation.

    >>> import numpy as np
    >>> init_empty_state({"w": np.zeros(2)})
    EmptyState()
    """
    del params
    return EmptyState()


def identity() -> GradientTransformation:
    """Leaves the updates as they are.

    >>> import numpy as np
    >>> identity().update(np.array([1.5]), EmptyState())[0]
    array([1.5])
    """

    def update_fn(updates, state, params=None):
        return updates, state

    return GradientTransformation(init_empty_state, update_fn)


def set_to_zero() -> GradientTransformation:
    """Replaces every update by zeros (freezes the parameters it is applied to).

    >>> import numpy as np
    >>> set_to_zero().update(np.array([1.5, 2.0]), EmptyState())[0]
    array([0., 0.])
    """

    def update_fn(updates, state, params=None):
        return tree_map(fnp.zeros_like, updates), state

    return GradientTransformation(init_empty_state, update_fn)


def stateless(f: Callable[[Updates, Optional[Params]], Updates]) -> GradientTransformation:
    """A stateless transformation from ``f(updates, params) -> updates`` on whole trees.

    >>> import numpy as np
    >>> tx = stateless(lambda u, p: tree_map(lambda x: -x, u))
    >>> tx.update({"a": np.array([1.0])}, tx.init(None))[0]
    {'a': array([-1.])}
    """

    def update_fn(updates, state, params=None):
        return f(updates, params), EmptyState()

    return GradientTransformation(init_empty_state, update_fn)


def stateless_with_tree_map(f: Callable[[Any, Optional[Any]], Any]) -> GradientTransformation:
    """A stateless transformation from ``f(update_leaf, param_leaf) -> update_leaf`` (``param_leaf`` is None without params).

    >>> import numpy as np
    >>> tx = stateless_with_tree_map(lambda u, p: 2 * u)
    >>> tx.update([np.array([1.0])], tx.init(None))[0]
    [array([2.])]
    """

    def update_fn(updates, state, params=None):
        if params is not None:
            return tree_map(f, updates, params), EmptyState()
        return tree_map(lambda u: f(u, None), updates), EmptyState()

    return GradientTransformation(init_empty_state, update_fn)


def with_extra_args_support(tx: GradientTransformation) -> GradientTransformationExtraArgs:
    """``tx`` with an ``update`` that accepts (and ignores) keyword arguments it does not know.

    >>> import numpy as np
    >>> tx = with_extra_args_support(identity())
    >>> tx.update(np.array([1.0]), EmptyState(), None, value=3.0)[0]
    array([1.])
    """
    if isinstance(tx, GradientTransformationExtraArgs):
        return tx

    def update(updates, state, params=None, **extra_args):
        return tx.update(updates, state, params)

    return GradientTransformationExtraArgs(tx.init, update)


def scale(step_size: Any) -> GradientTransformation:
    """Multiplies every update by ``step_size``.

    >>> import numpy as np
    >>> scale(-0.5).update(np.array([2.0]), EmptyState())[0]
    array([-1.])
    """

    def update_fn(updates, state, params=None):
        return tree_map(lambda g: step_size * g, updates), state

    return GradientTransformation(init_empty_state, update_fn)
