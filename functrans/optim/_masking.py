"""Applying a transformation to part of a tree (as ``optax.transforms._masking``)."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Union

from ..tree_util import tree_leaves, tree_map, tree_structure
from ._base import GradientTransformation, GradientTransformationExtraArgs, PyTree, with_extra_args_support
from .tree_utils import _ParamsPlaceholder


class MaskedState(NamedTuple):
    """State of ``masked``: the inner transformation's state over the selected leaves."""

    inner_state: Any


class MaskedNode(NamedTuple):
    """What stands in for a leaf that a mask leaves out: a node with no leaves, so the inner transformation never sees it."""


def _mask_callable(mask: Any) -> bool:
    callable_leaves = tree_leaves(tree_map(callable, mask))
    return len(callable_leaves) > 0 and all(callable_leaves)


def masked(
    inner: GradientTransformation,
    mask: Union[PyTree, Callable[[Any], PyTree]],
    *,
    mask_compatible_extra_args: bool = False,
) -> GradientTransformationExtraArgs:
    """``inner`` applied to the leaves where ``mask`` (a tree of bools, a prefix of the params'
    structure, or a function of the params giving one) is True; the other updates pass unchanged.

    >>> import numpy as np
    >>> from functrans.optim import scale
    >>> tx = masked(scale(10.0), {"w": True, "b": False})
    >>> grads = {"w": np.array([1.0]), "b": np.array([1.0])}
    >>> tx.update(grads, tx.init(grads))[0]
    {'b': array([1.]), 'w': array([10.])}
    """
    inner = with_extra_args_support(inner)

    def mask_pytree(pytree, mask_tree):
        return tree_map(lambda m, p: p if m else MaskedNode(), mask_tree, pytree)

    def mask_tree_for(tree):
        return mask(tree) if _mask_callable(mask) else mask

    def init_fn(params):
        if isinstance(params, _ParamsPlaceholder):
            return MaskedState(inner.init(params))
        return MaskedState(inner.init(mask_pytree(params, mask_tree_for(params))))

    def update_fn(updates, state, params=None, **extra_args):
        mask_tree = mask_tree_for(updates)
        if mask_compatible_extra_args:
            structure = tree_structure(updates)
            extra_args = {
                k: mask_pytree(v, mask_tree) if tree_structure(v) == structure else v for k, v in extra_args.items()
            }
        masked_params = None if params is None else mask_pytree(params, mask_tree)
        new_masked, inner_state = inner.update(mask_pytree(updates, mask_tree), state.inner_state, masked_params, **extra_args)
        new_updates = tree_map(lambda m, new, old: new if m else old, mask_tree, new_masked, updates)
        return new_updates, MaskedState(inner_state)

    return GradientTransformationExtraArgs(init_fn, update_fn)
