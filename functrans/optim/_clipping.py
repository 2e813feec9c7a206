"""Clipping the updates (as ``optax.transforms._clipping``): elementwise, by each leaf's RMS,
by the norm of the whole tree, per example, and adaptively relative to the parameters."""
from __future__ import annotations

from typing import Any, Optional, Union

from ..api import vmap
from .. import numpy as fnp
from ..tree_util import tree_leaves, tree_map
from . import tree_utils as otu
from ._base import NO_PARAMS_MSG, EmptyState, GradientTransformation, init_empty_state
from ._numerics import abs_sq

ClipState = EmptyState
ClipByGlobalNormState = EmptyState
AdaptiveGradClipState = EmptyState


def clip(max_delta: Any) -> GradientTransformation:
    """Clips every update element to ``[-max_delta, max_delta]``.

    >>> import numpy as np
    >>> clip(1.0).update(np.array([-3.0, 0.5, 2.0]), None)[0]
    array([-1. ,  0.5,  1. ])
    """

    def update_fn(updates, state, params=None):
        return otu.tree_clip(updates, -max_delta, max_delta), state

    return GradientTransformation(init_empty_state, update_fn)


def clip_by_block_rms(threshold: Any) -> GradientTransformation:
    """Rescales each leaf so that its root mean square is at most ``threshold``.

    >>> import numpy as np
    >>> clip_by_block_rms(1.0).update(np.array([3.0, -3.0]), None)[0]
    array([ 1., -1.])
    """

    def clipped(u):
        return u / fnp.maximum(1.0, fnp.sqrt(fnp.mean(abs_sq(u))) / threshold)

    def update_fn(updates, state, params=None):
        return tree_map(clipped, updates), state

    return GradientTransformation(init_empty_state, update_fn)


def clip_by_global_norm(max_norm: Any) -> GradientTransformation:
    """Rescales the updates so that the norm of all of them together is at most ``max_norm`` (unchanged below it).

    >>> import numpy as np
    >>> clip_by_global_norm(1.0).update([np.array([3.0]), np.array([4.0])], None)[0]
    [array([0.6]), array([0.8])]
    """

    def update_fn(updates, state, params=None):
        g_norm = otu.tree_norm(updates)
        trigger = g_norm < max_norm
        if fnp.ndim(trigger) != 0:
            raise ValueError(f"clip_by_global_norm: max_norm must be a scalar, got shape {fnp.shape(max_norm)}")

        def clip_leaf(t):
            t = fnp.asarray(t)
            # The unselected branch divides by 1 instead of a norm that may be 0: no nan, in values or gradients.
            safe_norm = fnp.astype(fnp.where(trigger, 1.0, g_norm), t.dtype)
            return fnp.where(trigger, t, t / safe_norm * max_norm)

        return tree_map(clip_leaf, updates), state

    return GradientTransformation(init_empty_state, update_fn)


def per_example_global_norm_clip(grads: list, l2_norm_clip: Any) -> tuple[list, Any]:
    """Clips each example's gradient (axis 0 of every leaf) to global norm ``l2_norm_clip`` and sums
    over the examples; also gives the number of examples clipped (DP-SGD).

    >>> import numpy as np
    >>> summed, n = per_example_global_norm_clip([np.array([[3.0, 4.0], [0.3, 0.4]])], 1.0)
    >>> summed, int(n)
    ([array([0.9, 1.2])], 1)
    """
    leaves = tree_leaves(grads)
    if not leaves or any(fnp.ndim(g) < 1 or fnp.shape(g)[0] != fnp.shape(leaves[0])[0] for g in leaves):
        raise ValueError(
            "per_example_global_norm_clip: every leaf of grads needs the same batch size on axis 0, "
            f"got shapes {[fnp.shape(g) for g in leaves]}"
        )
    norms = vmap(otu.tree_norm)(grads)
    # An example with a zero gradient has an infinite ratio: it is not clipped.
    multipliers = fnp.where(norms > 0, fnp.minimum(l2_norm_clip / fnp.where(norms > 0, norms, 1.0), 1.0), 1.0)
    num_clipped = fnp.sum(multipliers < 1.0)
    return tree_map(lambda g: fnp.tensordot(multipliers, g, axes=1), grads), num_clipped


def unitwise_norm(x: Any, axis: Optional[Union[int, tuple[int, ...]]] = None) -> Any:
    """The norm of each output unit of a parameter, broadcast to its shape: over all of a vector,
    over axis 0 of a matrix (or 3-d array), over all but the last axis of a 4-d or 5-d array.

    >>> import numpy as np
    >>> unitwise_norm(np.array([[3.0, 0.0], [4.0, 1.0]]))
    array([[5., 1.],
           [5., 1.]])
    """
    x = fnp.asarray(x)
    if axis is None:
        if fnp.ndim(fnp.squeeze(x)) <= 1:
            axis = None
        elif x.ndim in (2, 3):
            axis = 0
        elif x.ndim in (4, 5):
            axis = tuple(range(x.ndim - 1))
        else:
            raise ValueError(f"unitwise_norm: expected a parameter of rank 1 to 5, got shape {x.shape}; pass axis")
    squared_norm = fnp.sum(abs_sq(x), axis=axis, keepdims=True)
    return fnp.broadcast_to(fnp.sqrt(squared_norm), x.shape)


def unitwise_clip(g_norm: Any, max_norm: Any, grad: Any, div_eps: Any = 1e-6) -> Any:
    """``grad`` rescaled to norm ``max_norm`` where its unit norm ``g_norm`` is larger (shapes must agree).

    >>> import numpy as np
    >>> unitwise_clip(np.array([5.0]), np.array([1.0]), np.array([5.0]))
    array([1.])
    """
    if fnp.shape(g_norm) != fnp.shape(max_norm) or fnp.shape(g_norm) != fnp.shape(grad):
        raise ValueError(
            f"unitwise_clip: g_norm, max_norm and grad must have one shape, got {fnp.shape(g_norm)}, "
            f"{fnp.shape(max_norm)} and {fnp.shape(grad)}"
        )
    clipped = grad * (max_norm / fnp.maximum(g_norm, div_eps))
    return fnp.where(g_norm < max_norm, grad, clipped)


def adaptive_grad_clip(clipping: Any, eps: Any = 1e-3, axis: Optional[Union[int, tuple[int, ...]]] = None) -> GradientTransformation:
    """Adaptive gradient clipping (Brock et al., 2021): each unit's gradient is clipped to
    ``clipping`` times the norm of its parameter (at least ``eps``).

    >>> import numpy as np
    >>> tx = adaptive_grad_clip(0.1)
    >>> tx.update(np.array([3.0, 4.0]), None, np.array([6.0, 8.0]))[0]
    array([0.6, 0.8])
    """

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError(NO_PARAMS_MSG)
        g_norm = tree_map(lambda x: unitwise_norm(x, axis), updates)
        max_norm = tree_map(lambda p: clipping * fnp.maximum(unitwise_norm(p, axis), eps), params)
        return tree_map(unitwise_clip, g_norm, max_norm, updates), state

    return GradientTransformation(init_empty_state, update_fn)
