"""functrans.tree: jax.tree's names, each the tree_util function it stands for, checked on
nested trees (hypothesis) against definitions written here and against jax.tree."""
import dataclasses
import operator

import pytest
from hypothesis import given, settings, strategies as st

from functrans import tree
from functrans import tree_util as tu

trees_st = st.recursive(
    st.integers(-5, 5) | st.none(),
    lambda children: (st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
                      | st.dictionaries(st.text("ab", max_size=2), children, max_size=3)),
    max_leaves=10)

ALIASES = {
    "all": "tree_all", "broadcast": "tree_broadcast", "flatten": "tree_flatten",
    "flatten_with_path": "tree_flatten_with_path", "leaves": "tree_leaves", "leaves_with_path": "tree_leaves_with_path",
    "map": "tree_map", "map_with_path": "tree_map_with_path", "reduce": "tree_reduce",
    "reduce_associative": "tree_reduce_associative", "structure": "tree_structure", "transpose": "tree_transpose",
    "unflatten": "tree_unflatten",
}


def test_every_name_is_its_tree_util_function():
    for short, long in ALIASES.items():
        assert getattr(tree, short) is getattr(tu, long)
    assert sorted(tree.__all__) == sorted([*ALIASES, "static"])


def test_the_names_are_those_of_jax_tree():
    jax_tree = pytest.importorskip("jax.tree")
    assert sorted(n for n in dir(jax_tree) if not n.startswith("_")) == sorted(tree.__all__)


@given(trees_st)
def test_flatten_unflatten_map_and_reduce_round_trip(t):
    leaves, treedef = tree.flatten(t)
    assert tree.unflatten(treedef, leaves) == t
    assert tree.structure(tree.map(lambda x: -x, t)) is treedef
    assert tree.reduce(operator.add, t, 0) == sum(leaves)
    assert tree.reduce_associative(operator.add, t, identity=0) == sum(leaves)
    assert tree.all(tree.map(lambda x: x == x, t))
    assert [x for _, x in tree.leaves_with_path(t)] == tree.leaves(t)
    assert tree.map_with_path(lambda p, x: x, t) == t
    assert tree.broadcast(0, t) == tree.map(lambda _: 0, t)
    assert tree.transpose(treedef, tree.structure((0, 0)), tree.map(lambda x: (x, -x), t)) == (t, tree.map(lambda x: -x, t))


@settings(deadline=None)  # the first example imports jax
@given(trees_st)
def test_results_equal_jax_tree(t):
    jax_tree = pytest.importorskip("jax.tree")
    assert tree.leaves(t) == jax_tree.leaves(t)
    assert tree.map(lambda x: 2 * x, t) == jax_tree.map(lambda x: 2 * x, t)
    assert tree.structure(t).num_leaves == jax_tree.structure(t).num_leaves
    assert tree.structure(t).num_nodes == jax_tree.structure(t).num_nodes
    assert tree.reduce_associative(lambda a, b: f"({a}{b})", t, identity="") == jax_tree.reduce_associative(
        lambda a, b: f"({a}{b})", t, identity="")
    assert tree.broadcast(1, t) == jax_tree.broadcast(1, t)


def test_static_marks_a_dataclass_field_as_structure():
    @tu.register_dataclass
    @dataclasses.dataclass
    class Op:
        x: float
        name: str = tree.static(default="add", metadata={"doc": "kept"})

    assert dataclasses.fields(Op)[1].metadata == {"doc": "kept", "static": True}
    leaves, treedef = tree.flatten(Op(1.0))
    assert leaves == [1.0] and tree.unflatten(treedef, [2.0]) == Op(2.0)
    assert tree.structure(Op(1.0, "mul")) != treedef
