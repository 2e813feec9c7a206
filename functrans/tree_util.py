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

Every leaf has a key path, the tuple of keys leading to it from the root:
``SequenceKey`` (tuples, lists), ``DictKey`` (dicts), ``GetAttrKey`` (namedtuples,
dataclasses) and ``FlattenedIndexKey`` (nodes registered without keys).

>>> [(keystr(path), leaf) for path, leaf in tree_leaves_with_path({"w": [5, 6]})]
[("['w'][0]", 5), ("['w'][1]", 6)]

``jit`` flattens its arguments on every call, so flattening is tuned for that: node
types are found by exact-type dict lookups, and PyTreeDefs are interned, so equal
structures are the same object and hashing or comparing them is nearly free. Paths
are built only by the ``*_with_path`` functions, on a separate walk.
"""
from ._tree_util import *  # noqa: F403
from ._tree_util import __all__
