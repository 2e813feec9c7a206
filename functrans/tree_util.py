"""Pytrees: nested containers of arrays, flattened to a list of leaves and a structure.

Names and semantics follow ``jax.tree_util``. Built-in nodes are tuple, list, dict
(children in sorted key order), None (a node with no children), namedtuples,
OrderedDict and defaultdict; anything else is a leaf unless registered with
``register_pytree_node``. Node types are matched exactly: a dict subclass is a leaf.

>>> leaves, treedef = tree_flatten((1, {"b": [2, 3], "a": None}))
>>> leaves, treedef
([1, 2, 3], PyTreeDef((*, {'a': None, 'b': [*, *]})))
>>> tree_unflatten(treedef, [10, 20, 30])
(10, {'a': None, 'b': [20, 30]})

``jit`` flattens its arguments on every call, so flattening is tuned for that: node
types are found by exact-type dict lookups, and PyTreeDefs are interned, so equal
structures are the same object and hashing or comparing them is nearly free.
"""
from __future__ import annotations

import collections
import functools
from typing import Any, Callable, Iterable

__all__ = [
    "PyTreeDef", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure",
    "tree_map", "tree_all", "tree_reduce", "register_pytree_node",
    "register_pytree_node_class",
]

# A structure "spec" is a leaf marker or a tuple (node_type, aux_data, child_specs).
# Specs are plain hashable tuples, so equal structures intern to one PyTreeDef.
_LEAF = None


class _Node:
    """How to take apart, rebuild and print one node type."""
    __slots__ = ("flatten", "unflatten", "show")

    def __init__(self, flatten, unflatten, show):
        self.flatten = flatten  # tree -> (children, aux_data)
        self.unflatten = unflatten  # (aux_data, children) -> tree
        self.show = show  # (node_type, aux_data, child_reprs) -> str


def _sorted_keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:
        # Mixed key types (1 and "a") do not compare; any order fixed by the key set will do.
        return tuple(sorted(d, key=lambda k: (type(k).__qualname__, repr(k))))


def _show_items(keys, parts):
    return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(keys, parts)) + "}"


def _show_tuple(t, aux, parts):
    return f"({parts[0]},)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _flatten_dict(d):
    keys = _sorted_keys(d)
    return [d[k] for k in keys], keys


def _flatten_defaultdict(d):
    keys = _sorted_keys(d)
    return [d[k] for k in keys], (d.default_factory, keys)


_BUILTIN_NODES = {
    tuple: _Node(lambda t: (t, None), lambda aux, ch: tuple(ch), _show_tuple),
    list: _Node(lambda t: (t, None), lambda aux, ch: list(ch),
                lambda t, aux, parts: "[" + ", ".join(parts) + "]"),
    dict: _Node(_flatten_dict, lambda keys, ch: dict(zip(keys, ch)),
                lambda t, keys, parts: _show_items(keys, parts)),
    type(None): _Node(lambda t: ((), None), lambda aux, ch: None, lambda t, aux, parts: "None"),
    collections.OrderedDict: _Node(
        lambda d: (list(d.values()), tuple(d)),
        lambda keys, ch: collections.OrderedDict(zip(keys, ch)),
        lambda t, keys, parts: f"OrderedDict({_show_items(keys, parts)})"),
    collections.defaultdict: _Node(
        _flatten_defaultdict,
        lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch)),
        lambda t, aux, parts: f"defaultdict({aux[0]!r}, {_show_items(aux[1], parts)})"),
}
_explicit = set(_BUILTIN_NODES)  # types whose registration may not be replaced


def _namedtuple_node(cls) -> _Node:
    return _Node(lambda t: (t, None), lambda aux, ch: cls(*ch),
                 lambda t, aux, parts: f"{t.__name__}("
                 + ", ".join(f"{f}={p}" for f, p in zip(t._fields, parts)) + ")")


class _KindTable(dict):
    """type -> _Node, or None for a leaf type; unseen types are classified on first use."""

    def __missing__(self, t):
        # Namedtuples have no common base class but tuple, so they are found by shape.
        node = _namedtuple_node(t) if issubclass(t, tuple) and hasattr(t, "_fields") else None
        self[t] = node
        if node is None:
            _leaf_types.add(t)
        return node


_kinds = _KindTable(_BUILTIN_NODES)
# The types _kinds maps to None, as a set so that the fast paths of tree_flatten can
# test all children of a container at C speed with issuperset.
_leaf_types: set = set()


def register_pytree_node(nodetype: type, flatten_func: Callable[[Any], tuple[Iterable, Any]],
                         unflatten_func: Callable[[Any, Iterable], Any]) -> None:
    """Make instances of ``nodetype`` (exactly that type) pytree nodes.

    ``flatten_func(x)`` returns ``(children, aux_data)``; ``aux_data`` must be hashable
    (it is part of the structure, and structures are cache keys).
    ``unflatten_func(aux_data, children)`` rebuilds the node.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, ch: Pair(*ch))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    if nodetype in _explicit:
        raise ValueError(f"Duplicate pytree node registration for {nodetype!r}.")
    _explicit.add(nodetype)
    _leaf_types.discard(nodetype)
    _kinds[nodetype] = _Node(
        flatten_func, lambda aux, ch: unflatten_func(aux, tuple(ch)),
        lambda t, aux, parts: f"CustomNode({t.__name__}[{aux!r}], [{', '.join(parts)}])")


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: register ``cls`` through its ``tree_flatten`` method and
    ``tree_unflatten`` classmethod; returns ``cls``.

    >>> @register_pytree_node_class
    ... class Scaled:
    ...     def __init__(self, x, scale): self.x, self.scale = x, scale
    ...     def tree_flatten(self): return (self.x,), self.scale
    ...     @classmethod
    ...     def tree_unflatten(cls, scale, children): return cls(*children, scale)
    >>> tree_structure(Scaled(1.0, 2))
    PyTreeDef(CustomNode(Scaled[2], [*]))
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


class PyTreeDef:
    """The structure of a pytree: immutable, hashable, and interned, so equal
    structures obtained by flattening are usually the same object."""
    __slots__ = ("_spec", "_hash", "_build", "num_leaves", "num_nodes")

    def __init__(self, spec):
        try:
            h = hash(spec)
        except TypeError:
            h = None  # a custom node's aux_data is unhashable: usable, but not as a key
        leaves, nodes = _count(spec)
        for name, value in (("_spec", spec), ("_hash", h), ("_build", _builder(spec)),
                            ("num_leaves", leaves), ("num_nodes", nodes)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError("PyTreeDef is immutable")

    __delattr__ = __setattr__

    def __eq__(self, other):
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return self is other or self._spec == other._spec

    def __hash__(self):
        if self._hash is None:
            raise TypeError(f"unhashable PyTreeDef (a node's aux_data is unhashable): {self!r}")
        return self._hash

    def __repr__(self):
        return f"PyTreeDef({_show(self._spec)})"

    def __reduce__(self):
        return _treedef, (self._spec,)

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        """Build a tree of this structure from ``leaves`` (in flattening order)."""
        if type(leaves) is not list:
            leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"{self!r} expects {self.num_leaves} leaves, got {len(leaves)}.")
        return self._build(leaves)

    def children(self) -> list[PyTreeDef]:
        """The structures of the root node's children (empty for a leaf)."""
        return [] if self._spec is _LEAF else [_treedef(s) for s in self._spec[2]]

    def flatten_up_to(self, tree: Any) -> list[Any]:
        """Flatten ``tree``, which must have this structure as a prefix, keeping the
        subtrees at this structure's leaf positions whole.

        >>> tree_structure((0, None)).flatten_up_to(([1, 2], None))
        [[1, 2]]
        """
        out: list = []
        try:
            _flatten_up_to(self._spec, tree, out)
        except _PrefixError as e:
            raise ValueError(f"Tree does not have the structure {self!r} (or have it as a "
                             f"prefix): {e.where()}, {e}") from None
        return out


def _treedef(spec) -> PyTreeDef:
    try:
        return _interned[spec]
    except KeyError:
        td = _interned[spec] = PyTreeDef(spec)
        return td
    except TypeError:  # unhashable aux_data: cannot intern
        return PyTreeDef(spec)


_interned: dict = {}


def _count(spec) -> tuple[int, int]:
    if spec is _LEAF:
        return 1, 1
    leaves, nodes = 0, 1
    for child in spec[2]:
        child_leaves, child_nodes = _count(child)
        leaves += child_leaves
        nodes += child_nodes
    return leaves, nodes


def _show(spec) -> str:
    if spec is _LEAF:
        return "*"
    t, aux, children = spec
    return _kinds[t].show(t, aux, [_show(c) for c in children])


def _builder(spec) -> Callable[[list], Any]:
    if spec is _LEAF:
        return lambda leaves: leaves[0]
    t, aux, children = spec
    if t is tuple and all(c is _LEAF for c in children):
        return tuple  # the jit-arguments case: skip the node table altogether
    if all(c is _LEAF for c in children):
        return functools.partial(_kinds[t].unflatten, aux)
    return lambda leaves: _unflatten(spec, iter(leaves))


def _unflatten(spec, leaves: Iterable):
    t, aux, children = spec
    return _kinds[t].unflatten(
        aux, [next(leaves) if c is _LEAF else _unflatten(c, leaves) for c in children])


def _flatten(tree, leaves: list, is_leaf):
    """Append the leaves of ``tree`` to ``leaves`` and return its spec."""
    if is_leaf is not None and is_leaf(tree):
        leaves.append(tree)
        return _LEAF
    node = _kinds[type(tree)]
    if node is None:
        leaves.append(tree)
        return _LEAF
    children, aux = node.flatten(tree)
    specs = []
    for child in children:
        # Leaves are most of a tree; handling them here saves a call for each. (is_leaf
        # need not be asked: its answer cannot change how a leaf is flattened.)
        if type(child) in _leaf_types:
            leaves.append(child)
            specs.append(_LEAF)
        else:
            specs.append(_flatten(child, leaves, is_leaf))
    return type(tree), aux, tuple(specs)


class _FlatTupleDefs(dict):
    """len -> PyTreeDef of a tuple of that many leaves."""

    def __missing__(self, n):
        td = self[n] = _treedef((tuple, None, (_LEAF,) * n))
        return td


class _FlatDictDefs(dict):
    """keys in insertion order -> (sorted keys, or None if that is the insertion order;
    PyTreeDef of a dict of leaves)."""

    def __missing__(self, keys):
        ordered = _sorted_keys(dict.fromkeys(keys))
        treedef = _treedef((dict, ordered, (_LEAF,) * len(keys)))
        entry = self[keys] = (None if ordered == keys else ordered), treedef
        return entry


_flat_tuple_defs = _FlatTupleDefs()
_flat_dict_defs = _FlatDictDefs()


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list[Any], PyTreeDef]:
    """Return the leaves of ``tree`` (depth first, dict keys sorted) and its structure.
    ``is_leaf(x)`` returning True makes ``x`` a leaf even if it is a node.

    >>> tree_flatten({"b": 2, "a": [1, None]})
    ([1, 2], PyTreeDef({'a': [*, None], 'b': *}))
    >>> tree_flatten((None, 1), is_leaf=lambda x: x is None)[0]
    [None, 1]
    """
    if is_leaf is None:
        # Fast paths for jit's usual arguments: a tuple or a dict of arrays.
        # Types not yet seen fail the issuperset test and are classified on the slow path.
        t = type(tree)
        if t is tuple:
            for child in tree:  # a loop beats issuperset for the usual one to three args
                if type(child) not in _leaf_types:
                    break
            else:
                return list(tree), _flat_tuple_defs[len(tree)]
        elif t is dict:
            if _leaf_types.issuperset(map(type, tree.values())):
                keys, treedef = _flat_dict_defs[tuple(tree)]
                if keys is None:  # inserted in sorted order already
                    return list(tree.values()), treedef
                return [tree[k] for k in keys], treedef
    leaves: list = []
    spec = _flatten(tree, leaves, is_leaf)
    return leaves, _treedef(spec)


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Inverse of ``tree_flatten``.

    >>> tree_unflatten(tree_structure([0, (0, 0)]), [1, 2, 3])
    [1, (2, 3)]
    """
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    """The leaves of ``tree``: ``tree_leaves([1, {"a": 2}, None]) == [1, 2]``."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The structure of ``tree``: ``tree_structure((1, [2])) -> PyTreeDef((*, [*]))``."""
    return tree_flatten(tree, is_leaf)[1]


class _PrefixError(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.path: list[str] = []  # innermost key first; reversed when reported

    def where(self) -> str:
        return "at tree" + "".join(reversed(self.path)) if self.path else "at the root"


def _flatten_up_to(spec, tree, out: list) -> None:
    if spec is _LEAF:
        out.append(tree)
        return
    t, aux, child_specs = spec
    if type(tree) is not t:
        raise _PrefixError(f"expected {_show(spec)}, got {type(tree).__name__}: {_short(tree)}")
    children, tree_aux = _kinds[t].flatten(tree)
    children = list(children)
    if tree_aux != aux:
        if t is dict or t is collections.OrderedDict:
            raise _PrefixError(f"dict keys {list(tree_aux)} do not match {list(aux)}")
        raise _PrefixError(f"{t.__name__} aux_data {tree_aux!r} does not match {aux!r}")
    if len(children) != len(child_specs):
        raise _PrefixError(f"expected {t.__name__} of {len(child_specs)} children, "
                           f"got {len(children)}: {_short(tree)}")
    for i, (s, child) in enumerate(zip(child_specs, children)):
        try:
            _flatten_up_to(s, child, out)
        except _PrefixError as e:
            e.path.append(_child_key(t, aux, i))
            raise


def _child_key(t, aux, i) -> str:
    if t is dict or t is collections.OrderedDict:
        return f"[{aux[i]!r}]"
    if t is collections.defaultdict:
        return f"[{aux[1][i]!r}]"
    if issubclass(t, tuple) and hasattr(t, "_fields"):
        return f".{t._fields[i]}"
    return f"[{i}]"


def _short(x, limit=80) -> str:
    r = repr(x)
    return r if len(r) <= limit else r[:limit - 3] + "..."


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Apply ``f`` to the leaves of ``tree`` (and the matching subtrees of ``rest``,
    which must have ``tree``'s structure as a prefix); keep the structure.

    >>> tree_map(lambda x, y: x + y, {"a": 1, "b": (2, None)}, {"a": 10, "b": (20, None)})
    {'a': 11, 'b': (22, None)}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return treedef.unflatten([f(x) for x in leaves])
    columns = [leaves]
    for i, other in enumerate(rest, 1):
        out: list = []
        try:
            _flatten_up_to(treedef._spec, other, out)
        except _PrefixError as e:
            raise ValueError(f"tree_map: tree {i} has structure {tree_structure(other)!r}, "
                             f"which does not have tree 0's structure {treedef!r} as a "
                             f"prefix: {e.where()}, {e}") from None
        columns.append(out)
    return treedef.unflatten([f(*xs) for xs in zip(*columns)])


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every leaf is truthy: ``tree_all([True, (1, None)]) is True``."""
    return all(tree_leaves(tree, is_leaf))


_NO_INITIALIZER = object()


def tree_reduce(function: Callable[[Any, Any], Any], tree: Any, initializer: Any = _NO_INITIALIZER,
                is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Fold ``function`` over the leaves: ``tree_reduce(operator.add, [1, (2, 3)]) == 6``."""
    if initializer is _NO_INITIALIZER:
        return functools.reduce(function, tree_leaves(tree, is_leaf))
    return functools.reduce(function, tree_leaves(tree, is_leaf), initializer)
