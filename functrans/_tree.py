"""The implementation of ``functrans.tree``, which re-exports the names in ``__all__``."""
from __future__ import annotations

import dataclasses
from typing import Any

from .tree_util import (
    tree_all as all, tree_broadcast as broadcast, tree_flatten as flatten,
    tree_flatten_with_path as flatten_with_path, tree_leaves as leaves, tree_leaves_with_path as leaves_with_path,
    tree_map as map, tree_map_with_path as map_with_path, tree_reduce as reduce,
    tree_reduce_associative as reduce_associative, tree_structure as structure, tree_transpose as transpose,
    tree_unflatten as unflatten,
)

__all__ = [
    "all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path", "map", "map_with_path",
    "reduce", "reduce_associative", "static", "structure", "transpose", "unflatten",
]


def static(**kwargs: Any) -> Any:
    """A ``dataclasses.field(**kwargs)`` marked static: ``register_dataclass`` makes it part of
    the structure instead of a child.

    >>> from functrans.tree_util import register_dataclass
    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Op:
    ...     x: float
    ...     name: str = static(default="add")
    >>> flatten(Op(1.0))
    ([1.0], PyTreeDef(CustomNode(Op[('add',)], [*])))
    """
    metadata = dict(kwargs.pop("metadata", None) or {}, static=True)
    return dataclasses.field(metadata=metadata, **kwargs)
