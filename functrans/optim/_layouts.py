"""Running a transformation on all the leaves concatenated into one vector (as ``optax.transforms._layouts``)."""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_flatten, tree_unflatten
from ._base import GradientTransformation, GradientTransformationExtraArgs, with_extra_args_support


def flatten(inner: GradientTransformation) -> GradientTransformationExtraArgs:
    """``inner`` applied to one flat vector holding every leaf: its state is a few large arrays instead of many small ones.

    >>> import numpy as np
    >>> from functrans.optim import sgd
    >>> tx = flatten(sgd(0.5))
    >>> tx.update({"a": np.ones((2, 2)), "b": np.ones(1)}, tx.init({"a": np.ones((2, 2)), "b": np.ones(1)}))[0]["a"]
    array([[-0.5, -0.5],
           [-0.5, -0.5]])
    """
    inner = with_extra_args_support(inner)

    def to_vector(tree):
        leaves, _ = tree_flatten(tree)
        return fnp.concatenate([fnp.reshape(leaf, (-1,)) for leaf in leaves])

    def from_vector(like, flat):
        leaves, treedef = tree_flatten(like)
        offsets = np.cumsum([int(np.prod(fnp.shape(leaf))) for leaf in leaves])[:-1]
        pieces = fnp.split(flat, [int(o) for o in offsets])
        return tree_unflatten(treedef, [fnp.reshape(piece, fnp.shape(leaf)) for piece, leaf in zip(pieces, leaves)])

    def init_fn(params):
        return inner.init(to_vector(params))

    def update_fn(updates, state, params=None, **extra_args):
        flat_params = None if params is None else to_vector(params)
        flat_updates, state = inner.update(to_vector(updates), state, flat_params, **extra_args)
        return from_vector(updates, flat_updates), state

    return GradientTransformationExtraArgs(init_fn, update_fn)
