"""Adafactor's factored second moments (as ``optax._src.factorized``): a matrix's running mean
of squared gradients is kept as one row vector and one column vector, their outer product
(over the mean) standing in for the whole matrix."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_map
from ._base import NO_PARAMS_MSG, ArrayTree, GradientTransformation
from ._numerics import abs_sq, safe_increment


def _decay_rate_pow(i: Any, exponent: Any = 0.8) -> Any:
    """Adafactor's second-moment decay at step ``i``: ``1 - (i + 1)**-exponent``."""
    t = fnp.astype(i + 1, np.float32)
    return 1.0 - t ** (-exponent)


def _factored_dims(shape: tuple, factored: bool, min_dim_size_to_factor: int) -> Optional[tuple[int, int]]:
    """The two largest axes of ``shape`` (second largest first) if it is factored, else None."""
    if not factored or len(shape) < 2:
        return None
    sorted_dims = np.argsort(shape)
    if shape[sorted_dims[-2]] < min_dim_size_to_factor:
        return None
    return int(sorted_dims[-2]), int(sorted_dims[-1])


class FactoredState(NamedTuple):
    """State of ``scale_by_factored_rms``: per leaf, the row and column statistics of a factored leaf
    (``v`` a 1-element placeholder), or the full statistic ``v`` (the others placeholders)."""

    count: Any
    v_row: ArrayTree
    v_col: ArrayTree
    v: ArrayTree


class _Leaf(NamedTuple):
    update: Any
    v_row: Any
    v_col: Any
    v: Any


def _init_leaf(param: Any, dims: tuple[int, int] | None) -> _Leaf:
    """A leaf's zero statistics: row and column means if it is factored along ``dims``, else a
    full second moment (placeholders fill the unused fields)."""
    param = fnp.asarray(param)
    placeholder = fnp.zeros((1,), param.dtype)
    if dims is None:
        return _Leaf(placeholder, placeholder, placeholder, fnp.zeros_like(param))
    d1, d0 = dims
    row = fnp.zeros(tuple(n for i, n in enumerate(param.shape) if i != d0), param.dtype)
    col = fnp.zeros(tuple(n for i, n in enumerate(param.shape) if i != d1), param.dtype)
    return _Leaf(placeholder, row, col, placeholder)


def _update_leaf(grad: Any, v_row: Any, v_col: Any, v: Any, dtype: Any, dims: tuple[int, int] | None, decay: Any,
                 epsilon: Any) -> _Leaf:
    """One leaf's rescaled gradient and new statistics."""
    placeholder = fnp.zeros((1,), dtype)
    grad_sqr = abs_sq(grad) + epsilon
    if dims is None:
        new_v = fnp.astype(decay * v + (1.0 - decay) * grad_sqr, dtype)
        return _Leaf(grad * new_v ** (-0.5), placeholder, placeholder, new_v)
    d1, d0 = dims
    new_v_row = fnp.astype(decay * v_row + (1.0 - decay) * fnp.mean(grad_sqr, axis=d0), dtype)
    new_v_col = fnp.astype(decay * v_col + (1.0 - decay) * fnp.mean(grad_sqr, axis=d1), dtype)
    reduced_d1 = d1 - 1 if d1 > d0 else d1
    row_col_mean = fnp.mean(new_v_row, axis=reduced_d1, keepdims=True)
    row_factor = (new_v_row / row_col_mean) ** (-0.5)
    col_factor = new_v_col ** (-0.5)
    update = grad * fnp.expand_dims(row_factor, axis=d0) * fnp.expand_dims(col_factor, axis=d1)
    return _Leaf(update, new_v_row, new_v_col, placeholder)


def scale_by_factored_rms(
    factored: bool = True,
    decay_rate: Any = 0.8,
    step_offset: Any = 0,
    min_dim_size_to_factor: int = 128,
    epsilon: Any = 1e-30,
    decay_rate_fn: Callable[[Any, Any], Any] = _decay_rate_pow,
) -> GradientTransformation:
    """Adafactor's rescaling (Shazeer & Stern, 2018): ``g / sqrt(v)`` with ``v`` the running mean of
    ``g**2 + epsilon``, factored into row and column means for leaves whose two largest axes are
    at least ``min_dim_size_to_factor`` long.

    >>> import numpy as np
    >>> tx = scale_by_factored_rms()
    >>> np.round(tx.update(np.array([2.0, -0.5]), tx.init(np.zeros(2)), np.zeros(2))[0], 6)
    array([ 1., -1.])
    """

    def dims_of(shape):
        return _factored_dims(shape, factored, min_dim_size_to_factor)

    def to_state(count, leaves):
        pick = lambda name: tree_map(lambda o: getattr(o, name), leaves, is_leaf=lambda o: isinstance(o, _Leaf))  # noqa: E731
        return FactoredState(count, pick("v_row"), pick("v_col"), pick("v"))

    def init_fn(params):
        return to_state(np.zeros((), np.int32), tree_map(lambda p: _init_leaf(p, dims_of(fnp.shape(p))), params))

    def update_fn(grads, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)

        decay = decay_rate_fn(state.count - step_offset, decay_rate)

        def update(grad, v_row, v_col, v, param):
            return _update_leaf(grad, v_row, v_col, v, fnp.asarray(param).dtype, dims_of(fnp.shape(param)), decay, epsilon)

        leaves = tree_map(update, grads, state.v_row, state.v_col, state.v, params)
        updates = tree_map(lambda o: o.update, leaves, is_leaf=lambda o: isinstance(o, _Leaf))
        return updates, to_state(safe_increment(state.count), leaves)

    return GradientTransformation(init_fn, update_fn)
