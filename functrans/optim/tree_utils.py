"""Arithmetic on pytrees of arrays, as ``optax.tree_utils``: sums, scalings, norms and
inner products over all the leaves, the moment updates optimisers are built from, casts,
random trees, and lookups inside optimiser states.

>>> import numpy as np
>>> a, b = {"w": np.array([1.0, 2.0]), "b": np.array([3.0])}, {"w": np.array([1.0, 0.0]), "b": np.array([1.0])}
>>> tree_add(a, b)
{'b': array([4.]), 'w': array([2., 2.])}
>>> float(tree_vdot(a, b)), float(tree_norm(b))
(4.0, 1.4142135623730951)
"""
from __future__ import annotations

import functools
import operator
import warnings
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from .. import numpy as fnp
from .. import random
from ..tree_util import register_pytree_node, tree_leaves, tree_map, tree_reduce, tree_structure, tree_unflatten
from ._numerics import abs_sq

__all__ = [
    "NamedTupleKey", "tree_add", "tree_add_scale", "tree_allclose", "tree_batch_shape", "tree_bias_correction",
    "tree_cast", "tree_cast_like", "tree_clip", "tree_div", "tree_dtype", "tree_full_like", "tree_get",
    "tree_get_all_with_path", "tree_map_params", "tree_max", "tree_min", "tree_mul", "tree_norm", "tree_ones_like",
    "tree_random_like", "tree_scale", "tree_set", "tree_size", "tree_split_key_like", "tree_sub", "tree_sum",
    "tree_update_infinity_moment", "tree_update_moment", "tree_update_moment_per_elem_norm", "tree_vdot",
    "tree_where", "tree_zeros_like",
]


def _skip_none(f: Callable) -> Callable:
    """``f`` lifted to leaves that may be None (a missing update stays missing)."""
    return lambda x, *rest: None if x is None else f(x, *rest)


def _is_none(x: Any) -> bool:
    return x is None


# --------------------------------------------------------------------------- elementwise


def tree_add(tree_x: Any, tree_y: Any, *other_trees: Any) -> Any:
    """The leafwise sum of two or more trees.

    >>> tree_add([1.0, 2.0], [10.0, 20.0], [100.0, 200.0])
    [111.0, 222.0]
    """
    return tree_map(lambda *leaves: sum(leaves[1:], leaves[0]), tree_x, tree_y, *other_trees)


def tree_sub(tree_x: Any, tree_y: Any) -> Any:
    """The leafwise difference ``x - y``.

    >>> tree_sub({"a": 3.0}, {"a": 1.0})
    {'a': 2.0}
    """
    return tree_map(operator.sub, tree_x, tree_y)


def tree_mul(tree_x: Any, tree_y: Any) -> Any:
    """The leafwise product ``x * y``.

    >>> tree_mul([2.0], [3.0])
    [6.0]
    """
    return tree_map(operator.mul, tree_x, tree_y)


def tree_div(tree_x: Any, tree_y: Any) -> Any:
    """The leafwise quotient ``x / y``.

    >>> tree_div([3.0], [2.0])
    [1.5]
    """
    return tree_map(operator.truediv, tree_x, tree_y)


def tree_scale(scalar: Any, tree: Any) -> Any:
    """Every leaf multiplied by ``scalar``.

    >>> tree_scale(2.0, (1.0, 3.0))
    (2.0, 6.0)
    """
    return tree_map(lambda x: scalar * x, tree)


def tree_add_scale(tree_x: Any, scalar: Any, tree_y: Any) -> Any:
    """``x + scalar * y`` leaf by leaf.

    >>> tree_add_scale([1.0], 0.5, [4.0])
    [3.0]
    """
    return tree_map(_skip_none(lambda x, y: x + scalar * y), tree_x, tree_y, is_leaf=_is_none)


def tree_where(condition: Any, tree_x: Any, tree_y: Any) -> Any:
    """``where(condition, x, y)`` leaf by leaf, one condition for the whole tree.

    >>> tree_where(np.array(False), [np.array(1.0)], [np.array(2.0)])
    [array(2.)]
    """
    return tree_map(lambda x, y: fnp.where(condition, x, y), tree_x, tree_y)


def tree_clip(tree: Any, min_value: Any = None, max_value: Any = None) -> Any:
    """Every leaf clipped to ``[min_value, max_value]``.

    >>> tree_clip([np.array([-2.0, 0.5, 2.0])], -1.0, 1.0)
    [array([-1. ,  0.5,  1. ])]
    """
    return tree_map(lambda g: fnp.clip(g, min_value, max_value), tree)


def tree_zeros_like(tree: Any, dtype: Any = None) -> Any:
    """A tree of zeros shaped like ``tree`` (in ``dtype`` if given).

    >>> tree_zeros_like({"a": np.ones(2, np.float32)})
    {'a': array([0., 0.], dtype=float32)}
    """
    return tree_map(lambda x: fnp.zeros_like(x, dtype=dtype), tree)


def tree_ones_like(tree: Any, dtype: Any = None) -> Any:
    """A tree of ones shaped like ``tree`` (in ``dtype`` if given).

    >>> tree_ones_like([np.zeros(2)])
    [array([1., 1.])]
    """
    return tree_map(lambda x: fnp.ones_like(x, dtype=dtype), tree)


def tree_full_like(tree: Any, fill_value: Any, dtype: Any = None) -> Any:
    """A tree shaped like ``tree`` with every element ``fill_value``.

    >>> tree_full_like([np.zeros(2)], 0.5)
    [array([0.5, 0.5])]
    """
    return tree_map(lambda x: fnp.full_like(x, fill_value, dtype=dtype), tree)


def tree_batch_shape(tree: Any, shape: tuple[int, ...] = ()) -> Any:
    """Every leaf broadcast to ``shape + leaf.shape``.

    >>> tree_batch_shape([np.zeros(2)], (3,))[0].shape
    (3, 2)
    """
    return tree_map(lambda x: fnp.broadcast_to(x, (*shape, *fnp.shape(x))), tree)


# --------------------------------------------------------------------------- reductions


def tree_sum(tree: Any) -> Any:
    """The sum of all the elements of all the leaves.

    >>> float(tree_sum({"a": np.array([1.0, 2.0]), "b": np.array(3.0)}))
    6.0
    """
    return tree_reduce(operator.add, tree_map(fnp.sum, tree), initializer=0)


def tree_max(tree: Any) -> Any:
    """The largest element of all the leaves (``-inf`` for a tree without elements).

    >>> float(tree_max([np.array([1.0, 5.0]), np.zeros(0), np.array(2.0)]))
    5.0
    """
    maxes = tree_map(lambda x: None if fnp.size(x) == 0 else fnp.max(x), tree)
    return tree_reduce(fnp.maximum, maxes, initializer=-float("inf"))


def tree_min(tree: Any) -> Any:
    """The smallest element of all the leaves (``inf`` for a tree without elements).

    >>> float(tree_min([np.array([1.0, 5.0]), np.array(-2.0)]))
    -2.0
    """
    mins = tree_map(lambda x: None if fnp.size(x) == 0 else fnp.min(x), tree)
    return tree_reduce(fnp.minimum, mins, initializer=float("inf"))


def tree_size(tree: Any) -> int:
    """The number of elements in all the leaves.

    >>> tree_size({"a": np.zeros((2, 3)), "b": 1.0})
    7
    """
    return sum(int(fnp.size(leaf)) for leaf in tree_leaves(tree))


def tree_vdot(tree_x: Any, tree_y: Any) -> Any:
    """The inner product of two trees: the sum over leaves of ``vdot(x, y)``.

    >>> float(tree_vdot([np.array([1.0, 2.0])], [np.array([3.0, 4.0])]))
    11.0
    """
    vdots = tree_map(lambda x, y: fnp.vdot(fnp.asarray(x), fnp.asarray(y)), tree_x, tree_y)
    return tree_reduce(operator.add, vdots, initializer=0)


def tree_norm(tree: Any, ord: Any = None, squared: bool = False) -> Any:
    """The norm of all the leaves together: ``ord`` None or 2 (Euclidean), 1, or ``inf``.

    >>> tree = [np.array([3.0]), np.array([-4.0])]
    >>> float(tree_norm(tree)), float(tree_norm(tree, ord=1)), float(tree_norm(tree, ord="inf"))
    (5.0, 7.0, 4.0)
    """
    if ord is None or ord == 2:
        sqnorm = tree_sum(tree_map(abs_sq, tree))
        return fnp.asarray(sqnorm if squared else fnp.sqrt(sqnorm))
    if ord == 1:
        norm = tree_sum(tree_map(fnp.abs, tree))
    elif ord in (np.inf, "inf", "infinity"):
        norm = tree_max(tree_map(fnp.abs, tree))
    else:
        raise ValueError(f"tree_norm: unsupported ord={ord!r}; use None, 1, 2 or inf")
    return fnp.asarray(abs_sq(norm) if squared else norm)


def tree_allclose(a: Any, b: Any, rtol: Any = 1e-5, atol: Any = 1e-8, equal_nan: bool = False) -> Any:
    """Whether every leaf of ``a`` is close to the leaf of ``b`` (as ``numpy.allclose``).

    >>> bool(tree_allclose([np.array(1.0)], [np.array(1.0 + 1e-9)]))
    True
    """

    def close(x, y):
        x, y = fnp.asarray(x), fnp.asarray(y)
        near = fnp.abs(x - y) <= atol + rtol * fnp.abs(y)
        # Infinities of the same sign are close (their difference is nan).
        near = near | (x == y)
        if equal_nan:
            near = near | (fnp.isnan(x) & fnp.isnan(y))
        return fnp.all(near)

    return functools.reduce(operator.and_, tree_leaves(tree_map(close, a, b)), fnp.asarray(True))


# --------------------------------------------------------------------------- moments


def tree_update_moment(updates: Any, moments: Any, decay: Any, order: int) -> Any:
    """The exponential moving average of ``updates**order``: ``(1 - decay) * g**order + decay * m``.

    >>> tree_update_moment([np.array([2.0])], [np.array([1.0])], 0.5, 2)
    [array([2.5])]
    """
    return tree_map(_skip_none(lambda g, t: (1 - decay) * (g**order) + decay * t), updates, moments, is_leaf=_is_none)


def tree_update_infinity_moment(updates: Any, moments: Any, decay: Any, eps: Any) -> Any:
    """The decaying running maximum of ``|updates|``: ``max(|g| + eps, decay * m)`` (Adamax).

    >>> tree_update_infinity_moment([np.array(-2.0)], [np.array(3.0)], 0.5, 0.0)
    [array(2.)]
    """
    return tree_map(_skip_none(lambda g, t: fnp.maximum(fnp.abs(g) + eps, decay * t)), updates, moments, is_leaf=_is_none)


def tree_update_moment_per_elem_norm(updates: Any, moments: Any, decay: Any, order: int) -> Any:
    """``tree_update_moment`` of the elementwise magnitudes (the same thing for real arrays).

    >>> np.round(tree_update_moment_per_elem_norm([np.array([-2.0])], [np.array([0.0])], 0.9, 2), 6)
    array([[0.4]])
    """
    return tree_update_moment(updates, moments, decay, order)


def tree_bias_correction(moment: Any, decay: Any, count: Any) -> Any:
    """``moment / (1 - decay**count)``, Adam's correction of a zero-started average, in each leaf's dtype.

    >>> np.round(tree_bias_correction([np.array([0.1])], 0.9, np.array(1, np.int32)), 6)
    array([[1.]])
    """
    correction = 1 - decay**count
    return tree_map(lambda t: t / fnp.astype(correction, fnp.asarray(t).dtype), moment)


# --------------------------------------------------------------------------- dtypes


def tree_cast(tree: Any, dtype: Any) -> Any:
    """Every leaf converted to ``dtype`` (the tree unchanged when ``dtype`` is None).

    >>> tree_cast([np.array(1.5)], np.float32)
    [array(1.5, dtype=float32)]
    """
    if dtype is None:
        return tree
    return tree_map(lambda t: fnp.astype(t, dtype), tree)


def tree_cast_like(tree: Any, other_tree: Any) -> Any:
    """Every leaf of ``tree`` converted to the dtype of the matching leaf of ``other_tree``.

    >>> tree_cast_like([np.array(1.5)], [np.zeros((), np.float32)])
    [array(1.5, dtype=float32)]
    """
    return tree_map(lambda t, o: fnp.astype(t, o.dtype) if hasattr(o, "dtype") else t, tree, other_tree)


def _lower_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    promoted = np.promote_types(a, b)
    if promoted == a:
        return b
    if promoted == b:
        return a
    raise ValueError(f"tree_dtype: cannot order dtypes {a} and {b}: neither promotes to the other")


def _higher_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    return b if _lower_dtype(a, b) == a else a


def tree_dtype(tree: Any, mixed_dtype_handler: Optional[str] = None) -> Any:
    """The dtype of the leaves: all equal (the default), or their ``"promote"``d, ``"highest"`` or ``"lowest"`` dtype.

    >>> tree_dtype([np.zeros(1, np.float32), np.zeros(1)], "highest")
    dtype('float64')
    """
    leaf_dtypes = [fnp.asarray(x).dtype for x in tree_leaves(tree)]
    if not leaf_dtypes:
        return np.asarray([]).dtype
    if mixed_dtype_handler is None:
        if any(d != leaf_dtypes[0] for d in leaf_dtypes):
            raise ValueError(f"tree_dtype: the leaves have different dtypes {sorted(set(map(str, leaf_dtypes)))}; pass mixed_dtype_handler")
        return leaf_dtypes[0]
    handlers = {"promote": np.promote_types, "highest": _higher_dtype, "lowest": _lower_dtype}
    if mixed_dtype_handler not in handlers:
        raise ValueError(
            f"tree_dtype: invalid mixed_dtype_handler={mixed_dtype_handler!r}; use None, 'promote', 'highest' or 'lowest'"
        )
    return functools.reduce(handlers[mixed_dtype_handler], leaf_dtypes)


# --------------------------------------------------------------------------- random


def tree_split_key_like(rng_key: Any, target_tree: Any) -> Any:
    """One independent key per leaf of ``target_tree``, in a tree of the same structure.

    >>> keys = tree_split_key_like(random.key(0), {"a": 0.0, "b": 0.0})
    >>> keys["a"].shape
    (2,)
    """
    treedef = tree_structure(target_tree)
    n = len(tree_leaves(target_tree))
    keys = random.split(rng_key, n) if n else []
    return tree_unflatten(treedef, [keys[i] for i in range(n)])


def tree_random_like(rng_key: Any, target_tree: Any, sampler: Callable = random.normal, dtype: Any = None) -> Any:
    """A tree shaped like ``target_tree`` filled with draws of ``sampler(key, shape, dtype)``.

    >>> tree_random_like(random.key(0), [np.zeros((2, 3), np.float32)])[0].dtype
    dtype('float32')
    """
    keys = tree_split_key_like(rng_key, target_tree)
    return tree_map(lambda leaf, key: sampler(key, fnp.shape(leaf), dtype or fnp.asarray(leaf).dtype), target_tree, keys)


# --------------------------------------------------------------------------- optimiser states


class _ParamsPlaceholder:
    """What ``tree_map_params`` initialises a transformation with, to see where the params go in its state."""


# A node with no children: an optimiser state built from it carries it where a params-shaped tree would be.
register_pytree_node(_ParamsPlaceholder, lambda p: ((), None), lambda aux, children: _ParamsPlaceholder())


def tree_map_params(
    initable: Any,
    f: Callable[..., Any],
    state: Any,
    /,
    *rest: Any,
    transform_non_params: Optional[Callable[..., Any]] = None,
    is_leaf: Optional[Callable[[Any], bool]] = None,
) -> Any:
    """Applies ``f`` to the parts of an optimiser ``state`` shaped like the params (Adam's ``mu`` and ``nu``,
    ...), leaving counts and other entries alone (or mapping them by ``transform_non_params``).

    >>> from functrans import optim
    >>> opt = optim.adam(0.1)
    >>> state = opt.init({"w": np.zeros(2)})
    >>> doubled = tree_map_params(opt, lambda p: p + 1.0, state)
    >>> doubled[0].mu, doubled[0].count
    ({'w': array([1., 1.])}, array(0, dtype=int32))
    """
    init = initable.init if hasattr(initable, "init") else initable
    with_placeholders = init(_ParamsPlaceholder())

    def map_params(maybe_placeholder, value):
        if isinstance(maybe_placeholder, _ParamsPlaceholder):
            return tree_map(f, value, *rest, is_leaf=is_leaf)
        return value if transform_non_params is None else transform_non_params(value)

    is_placeholder = lambda v: isinstance(v, _ParamsPlaceholder)  # noqa: E731
    return tree_map(map_params, with_placeholders, state, is_leaf=is_placeholder)


class NamedTupleKey(NamedTuple):
    """A step of a path into an optimiser state: field ``name`` of a NamedTuple of type ``tuple_name``."""

    tuple_name: str
    name: str

    def __str__(self) -> str:
        return f"{self.tuple_name}.{self.name}"


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _children(node: Any) -> list[tuple[Any, Any]]:
    """``(path step, child)`` pairs of a container node; [] for a leaf."""
    if _is_namedtuple(node):
        return [(NamedTupleKey(type(node).__name__, f), getattr(node, f)) for f in node._fields]
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, (list, tuple)):
        return list(enumerate(node))
    return []


def _step_name(step: Any) -> Any:
    return step.name if isinstance(step, NamedTupleKey) else step


def tree_get_all_with_path(tree: Any, key: Any, filtering: Optional[Callable[[tuple, Any], bool]] = None) -> list[tuple[tuple, Any]]:
    """Every ``(path, value)`` in ``tree`` whose last step is named ``key`` (a NamedTuple field or dict key),
    or whose value is a NamedTuple of type name ``key``, kept when ``filtering(path, value)`` says so.

    >>> from functrans import optim
    >>> state = optim.adam(0.1).init(np.zeros(2))
    >>> [(tuple(map(str, path)), value) for path, value in tree_get_all_with_path(state, "count")]
    [(('0', 'ScaleByAdamState.count'), array(0, dtype=int32))]
    """
    found = []

    def walk(path, node):
        if _is_namedtuple(node) and type(node).__name__ == key:
            found.append((path, node))
        for step, child in _children(node):
            child_path = (*path, step)
            if _step_name(step) == key and (isinstance(step, NamedTupleKey) or isinstance(node, dict)):
                found.append((child_path, child))
            walk(child_path, child)

    walk((), tree)
    return [(p, v) for p, v in found if filtering is None or filtering(p, v)]


def tree_get(tree: Any, key: Any, default: Any = None, filtering: Optional[Callable[[tuple, Any], bool]] = None) -> Any:
    """The one value named ``key`` in ``tree`` (see ``tree_get_all_with_path``), or ``default``.

    >>> from functrans import optim
    >>> state = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1).init(np.zeros(2))
    >>> float(tree_get(state, "learning_rate"))
    0.1
    """
    found = tree_get_all_with_path(tree, key, filtering)
    if len(found) > 1:
        raise KeyError(f"tree_get: found {len(found)} values for {key!r} in the tree")
    return found[0][1] if found else default


def tree_set(tree: Any, filtering: Optional[Callable[[tuple, Any], bool]] = None, /, **kwargs: Any) -> Any:
    """``tree`` with the values named by the keywords (NamedTuple fields, dict keys, NamedTuple type names) replaced.

    >>> from functrans import optim
    >>> state = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1).init(np.zeros(2))
    >>> float(tree_get(tree_set(state, learning_rate=np.array(0.01)), "learning_rate"))
    0.01
    """
    for key in kwargs:
        if not tree_get_all_with_path(tree, key, filtering):
            raise KeyError(f"tree_set: found no values matching {key!r} in the tree")

    def rebuild(path, node):
        if _is_namedtuple(node) and type(node).__name__ in kwargs and (filtering is None or filtering(path, node)):
            return kwargs[type(node).__name__]
        if not _children(node):
            return node
        new = {}
        for step, child in _children(node):
            child_path = (*path, step)
            name = _step_name(step)
            named = isinstance(step, NamedTupleKey) or isinstance(node, dict)
            if named and name in kwargs and (filtering is None or filtering(child_path, child)):
                new[name] = kwargs[name]
            else:
                new[name] = rebuild(child_path, child)
        if _is_namedtuple(node):
            return node._replace(**new)
        if isinstance(node, dict):
            return type(node)(new) if type(node) is not dict else new
        return type(node)(new[i] for i in range(len(node)))

    return rebuild((), tree)


# --------------------------------------------------------------------------- optax's deprecated names

_DEPRECATED = {
    "tree_scalar_mul": ("tree_scale", tree_scale),
    "tree_add_scalar_mul": ("tree_add_scale", tree_add_scale),
    "tree_l1_norm": ("tree_norm(..., ord=1)", functools.partial(tree_norm, ord=1)),
    "tree_l2_norm": ("tree_norm", functools.partial(tree_norm, ord=2)),
    "tree_linf_norm": ("tree_norm(..., ord='inf')", functools.partial(tree_norm, ord="inf")),
}


def __getattr__(name: str) -> Any:
    # The names optax 0.2.8 still answers with a DeprecationWarning.
    if name in _DEPRECATED:
        replacement, fn = _DEPRECATED[name]
        warnings.warn(f"{__name__}.{name} is deprecated: use {replacement}", DeprecationWarning, stacklevel=2)
        return fn
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
