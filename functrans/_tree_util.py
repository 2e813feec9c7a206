"""The implementation of ``functrans.tree_util``, which re-exports the names in ``__all__``."""
from __future__ import annotations

import collections
import dataclasses
import functools
from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

__all__ = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "Partial", "PyTreeDef", "SequenceKey",
    "all_leaves", "default_registry", "flatten_one_level", "flatten_one_level_with_keys", "is_tree_node", "keystr",
    "register_dataclass", "register_pytree_node", "register_pytree_node_class", "register_pytree_with_keys",
    "register_pytree_with_keys_class", "register_static", "tree_all", "tree_broadcast", "tree_flatten",
    "tree_flatten_with_path", "tree_leaves", "tree_leaves_with_path", "tree_map", "tree_map_with_path",
    "tree_reduce", "tree_reduce_associative", "tree_structure", "tree_transpose", "tree_unflatten",
    "treedef_children", "treedef_is_leaf", "treedef_tuple",
]


class _Key:
    """A key-path entry: immutable, hashable, equal to entries of its type with the same value."""
    __slots__ = ()

    def _value(self):
        return getattr(self, self.__match_args__[0])

    def __init__(self, value):
        object.__setattr__(self, self.__match_args__[0], value)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        return type(other) is type(self) and other._value() == self._value()

    def __hash__(self):
        return hash((type(self).__name__, self._value()))

    def __repr__(self):
        return f"{type(self).__name__}({self.__match_args__[0]}={self._value()!r})"

    def __reduce__(self):
        return type(self), (self._value(),)


class SequenceKey(_Key):
    """The position ``idx`` in a tuple or list: ``str`` is ``[idx]``."""
    __slots__ = ("idx",)
    __match_args__ = ("idx",)

    def __str__(self):
        return f"[{self.idx!r}]"


class DictKey(_Key):
    """The ``key`` of a dict entry: ``str`` is ``[key!r]``."""
    __slots__ = ("key",)
    __match_args__ = ("key",)

    def __str__(self):
        return f"[{self.key!r}]"


class GetAttrKey(_Key):
    """The attribute ``name`` (namedtuple or dataclass field): ``str`` is ``.name``."""
    __slots__ = ("name",)
    __match_args__ = ("name",)

    def __str__(self):
        return f".{self.name}"


class FlattenedIndexKey(_Key):
    """The position ``key`` among the children of a node registered without keys."""
    __slots__ = ("key",)
    __match_args__ = ("key",)

    def __str__(self):
        return f"[<flat index {self.key}>]"


KeyEntry = TypeVar("KeyEntry", bound=Hashable)
KeyPath = tuple[KeyEntry, ...]


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
    """A key path as a string: each key's ``str`` (``['a'][0].x``), or with ``simple=True``
    just the keys' values, joined by ``separator``.

    >>> keystr((DictKey("a"), SequenceKey(0), GetAttrKey("x")))
    "['a'][0].x"
    >>> keystr((DictKey("a"), SequenceKey(0), GetAttrKey("x")), simple=True, separator="/")
    'a/0/x'
    """
    if simple:
        return separator.join(str(k._value()) if isinstance(k, _Key) else str(k) for k in keys)
    return separator.join(map(str, keys))

# A structure "spec" is a leaf marker or a tuple (node_type, aux_data, child_specs).
# Specs are plain hashable tuples, so equal structures intern to one PyTreeDef.
_LEAF = None


class _Node:
    """How to take apart, rebuild and print one node type."""
    __slots__ = ("flatten", "unflatten", "show", "flatten_with_keys")

    def __init__(self, flatten, unflatten, show, flatten_with_keys=None):
        self.flatten = flatten  # tree -> (children, aux_data)
        self.unflatten = unflatten  # (aux_data, children) -> tree
        self.show = show  # (node_type, aux_data, child_reprs) -> str
        # tree -> ([(key, child), ...], aux_data); without one, children get FlattenedIndexKeys
        self.flatten_with_keys = flatten_with_keys or functools.partial(_index_keyed, flatten)


def _index_keyed(flatten, tree):
    children, aux = flatten(tree)
    return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux


def _sequence_keyed(t):
    return [(SequenceKey(i), c) for i, c in enumerate(t)], None


def _dict_keyed(d):
    keys = _sorted_keys(d)
    return [(DictKey(k), d[k]) for k in keys], keys


def _defaultdict_keyed(d):
    keys = _sorted_keys(d)
    return [(DictKey(k), d[k]) for k in keys], (d.default_factory, keys)


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
    tuple: _Node(lambda t: (t, None), lambda aux, ch: tuple(ch), _show_tuple, _sequence_keyed),
    list: _Node(lambda t: (t, None), lambda aux, ch: list(ch),
                lambda t, aux, parts: "[" + ", ".join(parts) + "]", _sequence_keyed),
    dict: _Node(_flatten_dict, lambda keys, ch: dict(zip(keys, ch)),
                lambda t, keys, parts: _show_items(keys, parts), _dict_keyed),
    type(None): _Node(lambda t: ((), None), lambda aux, ch: None, lambda t, aux, parts: "None",
                      lambda t: ([], None)),
    collections.OrderedDict: _Node(
        lambda d: (list(d.values()), tuple(d)),
        lambda keys, ch: collections.OrderedDict(zip(keys, ch)),
        lambda t, keys, parts: f"OrderedDict({_show_items(keys, parts)})",
        lambda d: ([(DictKey(k), v) for k, v in d.items()], tuple(d))),
    collections.defaultdict: _Node(
        _flatten_defaultdict,
        lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch)),
        lambda t, aux, parts: f"defaultdict({aux[0]!r}, {_show_items(aux[1], parts)})",
        _defaultdict_keyed),
}
_explicit = set(_BUILTIN_NODES)  # types whose registration may not be replaced


def _namedtuple_node(cls) -> _Node:
    return _Node(lambda t: (t, None), lambda aux, ch: cls(*ch),
                 lambda t, aux, parts: f"{t.__name__}("
                 + ", ".join(f"{f}={p}" for f, p in zip(t._fields, parts)) + ")",
                 lambda t: ([(GetAttrKey(f), c) for f, c in zip(t._fields, t)], None))


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


def _register(nodetype: type, flatten: Callable, unflatten: Callable, flatten_with_keys: Callable | None) -> None:
    if nodetype in _explicit:
        raise ValueError(f"Duplicate pytree node registration for {nodetype!r}.")
    _explicit.add(nodetype)
    _leaf_types.discard(nodetype)
    _kinds[nodetype] = _Node(
        flatten, lambda aux, ch: unflatten(aux, tuple(ch)),
        lambda t, aux, parts: f"CustomNode({t.__name__}[{aux!r}], [{', '.join(parts)}])",
        flatten_with_keys and (lambda x: _listed_pairs(flatten_with_keys(x))))


def _listed_pairs(flat: tuple[Iterable, Any]) -> tuple[list, Any]:
    pairs, aux = flat
    return list(pairs), aux


def _drop_keys(flatten_with_keys: Callable) -> Callable:
    def flatten(x):
        pairs, aux = flatten_with_keys(x)
        return [c for _, c in pairs], aux
    return flatten


def register_pytree_node(nodetype: type, flatten_func: Callable[[Any], tuple[Iterable, Any]],
                         unflatten_func: Callable[[Any, Iterable], Any],
                         flatten_with_keys_func: Callable[[Any], tuple[Iterable, Any]] | None = None) -> None:
    """Make instances of ``nodetype`` (exactly that type) pytree nodes.

    ``flatten_func(x)`` returns ``(children, aux_data)``; ``aux_data`` must be hashable
    (it is part of the structure, and structures are cache keys).
    ``unflatten_func(aux_data, children)`` rebuilds the node. ``flatten_with_keys_func(x)``,
    if given, returns ``((key, child), ...), aux_data`` for key paths; otherwise children
    are keyed ``FlattenedIndexKey(i)``.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, ch: Pair(*ch))
    >>> tree_leaves(Pair(1, (2, 3)))
    [1, 2, 3]
    """
    _register(nodetype, flatten_func, unflatten_func, flatten_with_keys_func)


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable[[Any], tuple[Iterable, Any]],
                              unflatten_func: Callable[[Any, Iterable], Any],
                              flatten_func: Callable[[Any], tuple[Iterable, Any]] | None = None) -> None:
    """Like ``register_pytree_node``, but ``flatten_with_keys(x)`` returns
    ``((key, child), ...), aux_data``, so leaves get those keys in their paths;
    ``flatten_func`` (optional) is a faster flatten without keys.

    >>> class Point:
    ...     def __init__(self, x, y): self.x, self.y = x, y
    >>> register_pytree_with_keys(Point, lambda p: (((GetAttrKey("x"), p.x), (GetAttrKey("y"), p.y)), None),
    ...                           lambda _, ch: Point(*ch))
    >>> [keystr(path) for path, _ in tree_leaves_with_path([Point(1, 2)])]
    ['[0].x', '[0].y']
    """
    _register(nodetype, flatten_func or _drop_keys(flatten_with_keys), unflatten_func, flatten_with_keys)


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


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: register ``cls`` through its ``tree_flatten_with_keys`` method
    (and ``tree_flatten``, if it has one) and ``tree_unflatten`` classmethod; returns ``cls``.

    >>> @register_pytree_with_keys_class
    ... class Box:
    ...     def __init__(self, v): self.v = v
    ...     def tree_flatten_with_keys(self): return ((GetAttrKey("v"), self.v),), None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> tree_leaves_with_path(Box(3))
    [((GetAttrKey(name='v'),), 3)]
    """
    flatten = (lambda x: x.tree_flatten()) if hasattr(cls, "tree_flatten") else None
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten, flatten)
    return cls


def register_dataclass(nodetype: type, data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None, drop_fields: Sequence[str] = ()) -> type:
    """Make a dataclass a pytree node: ``data_fields`` are children (keyed ``GetAttrKey``),
    ``meta_fields`` are static (part of the structure, so hashable). For a dataclass both
    may be left out: fields declared with ``tree.static()`` (metadata ``static=True``) are
    meta, the others data. Every ``init`` field must be one or the other, or in ``drop_fields``.
    Returns ``nodetype``, so it works as a decorator.

    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Layer:
    ...     w: Any
    ...     act: str = dataclasses.field(default="relu", metadata={"static": True})
    >>> tree_flatten(Layer(1.0))
    ([1.0], PyTreeDef(CustomNode(Layer[('relu',)], [*])))
    """
    if data_fields is None or meta_fields is None:
        if (data_fields is None) != (meta_fields is None):
            raise TypeError(f"register_dataclass: data_fields and meta_fields must both be given when either is; "
                            f"got data_fields={data_fields!r} meta_fields={meta_fields!r}")
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(f"register_dataclass: data_fields and meta_fields are required when nodetype is not a "
                            f"dataclass; got nodetype={nodetype!r}")
        fields = dataclasses.fields(nodetype)
        data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
    if dataclasses.is_dataclass(nodetype):
        init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init} - set(drop_fields)
        given = {*data_fields, *meta_fields}
        if given != init_fields:
            raise ValueError(f"register_dataclass: data_fields and meta_fields must include all dataclass fields "
                             f"with init=True and only them; missing {sorted(init_fields - given)} (add them to "
                             f"drop_fields to leave them out), unexpected {sorted(given - init_fields)}")
    if overlap := set(data_fields) & set(meta_fields):
        raise ValueError(f"register_dataclass: data_fields and meta_fields must not overlap; both have {sorted(overlap)}")
    keys = tuple(GetAttrKey(name) for name in data_fields)

    def flatten(x):
        return [getattr(x, name) for name in data_fields], tuple(getattr(x, name) for name in meta_fields)

    def flatten_with_keys(x):
        return [(k, getattr(x, k.name)) for k in keys], tuple(getattr(x, name) for name in meta_fields)

    def unflatten(meta, data):
        return nodetype(**dict(zip(meta_fields, meta)), **dict(zip(data_fields, data)))

    _register(nodetype, flatten, unflatten, flatten_with_keys)
    return nodetype


def register_static(cls: type) -> type:
    """Make instances of ``cls`` nodes without children, kept whole in the structure (so
    they must be hashable); returns ``cls``.

    >>> @register_static
    ... class Tag:
    ...     def __hash__(self): return 0
    ...     def __eq__(self, other): return type(other) is Tag
    >>> tree_leaves([Tag(), 1])
    [1]
    """
    register_pytree_with_keys(cls, lambda x: ((), x), lambda x, _: x)
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

    def node_data(self) -> tuple[type, Any] | None:
        """The root node's ``(type, aux_data)``, or None for a leaf.

        >>> tree_structure({"a": 1}).node_data()
        (<class 'dict'>, ('a',))
        """
        return None if self._spec is _LEAF else self._spec[:2]

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """The structure of this one with every leaf replaced by a tree of structure ``inner``.

        >>> tree_structure([0, 0]).compose(tree_structure((0, 0)))
        PyTreeDef([(*, *), (*, *)])
        """
        return _treedef(_substitute_leaves(self._spec, inner._spec))

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


def _substitute_leaves(spec, inner):
    if spec is _LEAF:
        return inner
    t, aux, children = spec
    return t, aux, tuple(_substitute_leaves(c, inner) for c in children)


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
            e.path.append(str(_kinds[t].flatten_with_keys(tree)[0][i][0]))
            raise


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
    return treedef.unflatten([f(*xs) for xs in zip(leaves, *_rest_columns(treedef, rest, "tree_map"))])


def _rest_columns(treedef: PyTreeDef, rest: tuple, where: str) -> list[list]:
    """Each of ``rest`` flattened up to ``treedef``, or the ValueError naming the first mismatch."""
    columns = []
    for i, other in enumerate(rest, 1):
        out: list = []
        try:
            _flatten_up_to(treedef._spec, other, out)
        except _PrefixError as e:
            raise ValueError(f"{where}: tree {i} has structure {tree_structure(other)!r}, "
                             f"which does not have tree 0's structure {treedef!r} as a "
                             f"prefix: {e.where()}, {e}") from None
        columns.append(out)
    return columns


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


def tree_reduce_associative(operation: Callable[[Any, Any], Any], tree: Any, *, identity: Any = _NO_INITIALIZER,
                            is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Combine the leaves with an associative ``operation`` as a balanced tree of calls
    (halves first); ``identity`` is the result for a tree without leaves.

    >>> tree_reduce_associative(lambda a, b: f"({a}+{b})", [1, 2, (3, 4)])
    '((1+2)+(3+4))'
    """
    def reduce(leaves: list) -> Any:
        if len(leaves) == 1:
            return leaves[0]
        half = len(leaves) // 2
        return operation(reduce(leaves[:half]), reduce(leaves[half:]))

    leaves = tree_leaves(tree, is_leaf)
    if leaves:
        return reduce(leaves)
    if identity is _NO_INITIALIZER:
        raise TypeError("tree_reduce_associative: the tree has no leaves; give an identity to reduce it")
    return identity


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every element of ``iterable`` is a leaf (None is not: it is an empty node).

    >>> all_leaves([1, "a"]), all_leaves([1, [2]]), all_leaves([None])
    (True, False, False)
    """
    items = list(iterable)
    leaves = tree_leaves(items, is_leaf)
    return len(leaves) == len(items) and all(item is leaf for item, leaf in zip(items, leaves))


def is_tree_node(typ: type) -> bool:
    """Whether instances of ``typ`` are pytree nodes (rather than leaves).

    >>> is_tree_node(list), is_tree_node(type(None)), is_tree_node(int)
    (True, True, False)
    """
    return _kinds[typ] is not None


def _node_of(tree: Any) -> _Node:
    node = _kinds[type(tree)]
    if node is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    return node


def flatten_one_level(tree: Any) -> tuple[list[Any], Hashable]:
    """The children and aux data of the root node of ``tree``; a ValueError for a leaf.

    >>> flatten_one_level({"b": [1], "a": 2})
    ([2, [1]], ('a', 'b'))
    """
    children, aux = _node_of(tree).flatten(tree)
    return list(children), aux


def flatten_one_level_with_keys(tree: Any) -> tuple[list[tuple[Any, Any]], Hashable]:
    """Like ``flatten_one_level``, with each child paired with its key.

    >>> flatten_one_level_with_keys([7])
    ([(SequenceKey(idx=0), 7)], None)
    """
    return _node_of(tree).flatten_with_keys(tree)


def _flatten_with_path(tree, path: tuple, out: list, is_leaf):
    """Append ``(path, leaf)`` pairs of ``tree`` to ``out`` and return its spec (as _flatten)."""
    node = _kinds[type(tree)]
    if node is None or (is_leaf is not None and is_leaf(path, tree)):
        out.append((path, tree))
        return _LEAF
    pairs, aux = node.flatten_with_keys(tree)
    return type(tree), aux, tuple(_flatten_with_path(c, path + (k,), out, is_leaf) for k, c in pairs)


def tree_flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None, is_leaf_takes_path: bool = False
                           ) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """``tree_flatten`` with each leaf paired with its key path; ``is_leaf`` is called as
    ``is_leaf(path, x)`` if ``is_leaf_takes_path``, else ``is_leaf(x)``.

    >>> tree_flatten_with_path({"a": (1,)})
    ([((DictKey(key='a'), SequenceKey(idx=0)), 1)], PyTreeDef({'a': (*,)}))
    """
    if is_leaf is not None and not is_leaf_takes_path:
        is_leaf = functools.partial(_ignore_path, is_leaf)
    out: list = []
    spec = _flatten_with_path(tree, (), out, is_leaf)
    return out, _treedef(spec)


def _ignore_path(is_leaf, path, x):
    return is_leaf(x)


def tree_leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                          is_leaf_takes_path: bool = False) -> list[tuple[KeyPath, Any]]:
    """The ``(key path, leaf)`` pairs of ``tree``.

    >>> tree_leaves_with_path([1, {"x": 2}])
    [((SequenceKey(idx=0),), 1), ((SequenceKey(idx=1), DictKey(key='x')), 2)]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """Like ``tree_map``, with ``f(path, leaf, *rest_leaves)`` also given each leaf's key path.

    >>> tree_map_with_path(lambda p, x: f"{keystr(p)}={x}", {"a": [1, 2]})
    {'a': ["['a'][0]=1", "['a'][1]=2"]}
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    columns = _rest_columns(treedef, rest, "tree_map_with_path")
    return treedef.unflatten([f(path, x, *xs) for (path, x), *xs in zip(pairs, *columns)])


def tree_broadcast(prefix_tree: Any, full_tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """``prefix_tree`` with each leaf repeated over the matching subtree of ``full_tree``
    (whose structure the result has).

    >>> tree_broadcast([1, {"a": 2}], [[3, 4], {"a": (5, 6)}])
    [[1, 1], {'a': (2, 2)}]
    """
    leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = _rest_columns(prefix_def, (full_tree,), "tree_broadcast")[0]
    return tree_structure(full_tree, is_leaf).unflatten(
        [x for x, sub in zip(leaves, subtrees) for _ in range(tree_structure(sub, is_leaf).num_leaves)])


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: Any) -> Any:
    """Turn a tree of structure ``outer`` of trees of structure ``inner`` into a tree of
    structure ``inner`` of trees of structure ``outer`` (``inner`` None: that of the first subtree).

    >>> tree_transpose(tree_structure([0, 0]), tree_structure((0, 0)), [(1, 2), (3, 4)])
    ([1, 3], [2, 4])
    """
    leaves, treedef = tree_flatten(pytree_to_transpose)
    if inner_treedef is None:
        inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
    expected = outer_treedef.compose(inner_treedef)
    if treedef != expected:
        raise TypeError(f"tree_transpose: the tree has structure {treedef!r}, expected {expected!r} "
                        f"(outer {outer_treedef!r} of inner {inner_treedef!r})")
    inner_size = inner_treedef.num_leaves
    rows = [leaves[i * inner_size:(i + 1) * inner_size] for i in range(outer_treedef.num_leaves)]
    return inner_treedef.unflatten([outer_treedef.unflatten([row[j] for row in rows]) for j in range(inner_size)])


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root node's children: ``treedef.children()``."""
    return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether ``treedef`` is a single node without children (a leaf, or an empty node like None).

    >>> treedef_is_leaf(tree_structure(1)), treedef_is_leaf(tree_structure([1]))
    (True, False)
    """
    return treedef.num_nodes == 1


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose children have the structures ``treedefs``.

    >>> treedef_tuple([tree_structure(1), tree_structure([1, 2])])
    PyTreeDef((*, [*, *]))
    """
    return _treedef((tuple, None, tuple(td._spec for td in treedefs)))


class Partial(functools.partial):
    """``functools.partial`` as a pytree: the bound arguments are children, the function is
    structure, so a Partial can be passed through ``jit``, ``vmap`` or ``grad``.

    >>> add_one = Partial(lambda a, b: a + b, 1)
    >>> add_one(2), tree_leaves(add_one)
    (3, [1])
    """


register_pytree_node(Partial, lambda p: ((p.args, p.keywords), p.func),
                     lambda func, children: Partial(func, *children[0], **children[1]))


class _Registry:
    """The registry every tree function uses (``default_registry``), as an object."""

    def flatten(self, tree: Any, leaf_predicate: Callable[[Any], bool] | None = None) -> tuple[list, PyTreeDef]:
        return tree_flatten(tree, leaf_predicate)

    def flatten_with_path(self, tree: Any, leaf_predicate: Callable[[Any, Any], bool] | None = None):
        return tree_flatten_with_path(tree, leaf_predicate, is_leaf_takes_path=True)

    flatten_one_level = staticmethod(flatten_one_level)
    flatten_one_level_with_keys = staticmethod(flatten_one_level_with_keys)
    is_node = staticmethod(is_tree_node)
    register_node = staticmethod(register_pytree_node)

    def register_dataclass_node(self, nodetype: type, data_fields: Sequence[str], meta_fields: Sequence[str]) -> None:
        register_dataclass(nodetype, data_fields, meta_fields)

    def __repr__(self):
        return "default_registry"


default_registry = _Registry()
