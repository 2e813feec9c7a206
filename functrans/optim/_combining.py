"""Putting transformations together (as ``optax.transforms._combining``): one after the
other (``chain``, ``named_chain``) or side by side on labelled parts of the params
(``partition``, also called ``multi_transform``)."""
from __future__ import annotations

import collections
from typing import Callable, Hashable, Mapping, NamedTuple, Union

from ..tree_util import tree_leaves, tree_map
from ._base import GradientTransformation, GradientTransformationExtraArgs, OptState, PyTree, with_extra_args_support
from ._masking import masked


def chain(*args: GradientTransformation) -> GradientTransformationExtraArgs:
    """The transformations applied one after the other; the state is the tuple of their states.

    >>> import numpy as np
    >>> from functrans.optim import clip, scale
    >>> tx = chain(clip(1.0), scale(-0.5))
    >>> tx.update(np.array([3.0, -0.5]), tx.init(np.zeros(2)))[0]
    array([-0.5 ,  0.25])
    """
    transforms = [with_extra_args_support(t) for t in args]

    def init_fn(params):
        return tuple(t.init(params) for t in transforms)

    def update_fn(updates, state, params=None, **extra_args):
        if len(transforms) != len(state):
            raise ValueError(
                f"chain: {len(transforms)} transformations but a state of {len(state)} parts; "
                "make the state with this chain's init"
            )
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params, **extra_args)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformationExtraArgs(init_fn, update_fn)


def named_chain(*args: tuple[str, GradientTransformation]) -> GradientTransformationExtraArgs:
    """``chain`` of ``(name, transformation)`` pairs whose state is a dict from the names to their states.

    >>> import numpy as np
    >>> from functrans.optim import scale, trace
    >>> tx = named_chain(("momentum", trace(0.9)), ("lr", scale(-0.1)))
    >>> list(tx.init(np.zeros(1)))
    ['momentum', 'lr']
    """
    names = [name for name, _ in args]
    if len(names) != len(set(names)):
        raise ValueError(f"named_chain: the names must be unique, got {names}")
    transforms = [(name, with_extra_args_support(t)) for name, t in args]

    def init_fn(params):
        return collections.OrderedDict((name, t.init(params)) for name, t in transforms)

    def update_fn(updates, state, params=None, **extra_args):
        new_state = collections.OrderedDict()
        for name, t in transforms:
            updates, new_state[name] = t.update(updates, state[name], params, **extra_args)
        return updates, new_state

    return GradientTransformationExtraArgs(init_fn, update_fn)


class PartitionState(NamedTuple):
    """State of ``partition``: each label's transformation's state."""

    inner_states: Mapping[Hashable, OptState]


MultiTransformState = PartitionState


def partition(
    transforms: Mapping[Hashable, GradientTransformation],
    param_labels: Union[PyTree, Callable[[PyTree], PyTree]],
    *,
    mask_compatible_extra_args: bool = False,
) -> GradientTransformationExtraArgs:
    """A different transformation for each part of the params: ``param_labels`` (a tree of labels,
    or a function of the params giving one) names, for each leaf, the entry of ``transforms`` to use.

    >>> import numpy as np
    >>> from functrans.optim import sgd, set_to_zero
    >>> tx = partition({"train": sgd(0.1), "freeze": set_to_zero()}, {"w": "train", "b": "freeze"})
    >>> params = {"w": np.array([1.0]), "b": np.array([1.0])}
    >>> tx.update(params, tx.init(params))[0]
    {'b': array([0.]), 'w': array([-0.1])}
    """
    transforms = {k: with_extra_args_support(v) for k, v in transforms.items()}

    def labels_for(tree):
        return param_labels(tree) if callable(param_labels) else param_labels

    def masked_for(labels, group):
        mask = tree_map(lambda label: label == group, labels)
        return masked(transforms[group], mask, mask_compatible_extra_args=mask_compatible_extra_args)

    def init_fn(params):
        labels = labels_for(params)
        label_set = set(tree_leaves(labels))
        if not label_set.issubset(transforms.keys()):
            raise ValueError(
                f"partition: some parameters have no transformation: labels {sorted(map(str, label_set))}, "
                f"transforms {sorted(map(str, transforms))}"
            )
        return PartitionState({group: masked_for(labels, group).init(params) for group in transforms})

    def update_fn(updates, state, params=None, **extra_args):
        labels = labels_for(updates)
        new_inner = {}
        for group in transforms:
            updates, new_inner[group] = masked_for(labels, group).update(updates, state.inner_states[group], params, **extra_args)
        return updates, PartitionState(new_inner)

    return GradientTransformationExtraArgs(init_fn, update_fn)


multi_transform = partition
