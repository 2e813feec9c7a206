import collections
import copy
import operator
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

from functrans import tree_util as tu

Point = collections.namedtuple("Point", ["x", "y"])

leaves_st = st.integers(-5, 5)
trees_st = st.recursive(
    leaves_st | st.none(),
    lambda children: (st.lists(children, max_size=3)
                      | st.lists(children, max_size=3).map(tuple)
                      | st.dictionaries(st.text("abc", max_size=2), children, max_size=3)),
    max_leaves=12)


def expected_leaves(tree):
    """Leaves by the definition, written independently of the module."""
    if tree is None:
        return []
    if isinstance(tree, (list, tuple)):
        return [leaf for child in tree for leaf in expected_leaves(child)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in expected_leaves(tree[k])]
    return [tree]


@given(trees_st)
def test_flatten_unflatten_round_trips_nested_containers(tree):
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == expected_leaves(tree)
    assert treedef.num_leaves == len(leaves)
    assert tu.tree_unflatten(treedef, leaves) == tree
    # Equal structures intern to one object, so jit's cache lookups compare by identity.
    assert tu.tree_structure(copy.deepcopy(tree)) is treedef


@given(trees_st)
def test_tree_map_applies_to_every_leaf_and_keeps_structure(tree):
    doubled = tu.tree_map(lambda x: 2 * x, tree)
    assert tu.tree_structure(doubled) == tu.tree_structure(tree)
    assert tu.tree_leaves(doubled) == [2 * x for x in expected_leaves(tree)]


def test_dict_children_are_sorted_and_rebuilt_in_sorted_order():
    leaves, treedef = tu.tree_flatten({"b": 1, "c": 2, "a": 3})
    assert leaves == [3, 1, 2]
    rebuilt = tu.tree_unflatten(treedef, [10, 20, 30])
    assert list(rebuilt.items()) == [("a", 10), ("b", 20), ("c", 30)]
    assert tu.tree_structure({"a": 0, "b": 0, "c": 0}) is treedef


def test_ordered_dict_keeps_insertion_order_and_type():
    tree = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [1, 2]
    rebuilt = tu.tree_unflatten(treedef, [5, 6])
    assert type(rebuilt) is collections.OrderedDict and list(rebuilt.items()) == [("b", 5), ("a", 6)]
    assert treedef != tu.tree_structure({"b": 1, "a": 2})


def test_defaultdict_round_trips_with_its_factory():
    tree = collections.defaultdict(list, {"y": 1, "x": 2})
    leaves, treedef = tu.tree_flatten(tree)
    rebuilt = tu.tree_unflatten(treedef, leaves)
    assert leaves == [2, 1] and rebuilt == tree and rebuilt.default_factory is list


def test_dict_with_unorderable_keys_still_flattens_deterministically():
    leaves, treedef = tu.tree_flatten({1: "one", "a": "A"})
    assert sorted(leaves) == ["A", "one"]
    assert tu.tree_leaves({"a": "A", 1: "one"}) == leaves
    assert tu.tree_unflatten(treedef, leaves) == {1: "one", "a": "A"}


def test_none_is_a_node_without_children():
    leaves, treedef = tu.tree_flatten(None)
    assert leaves == [] and treedef.num_leaves == 0 and treedef.num_nodes == 1
    assert tu.tree_map(lambda x: x + 1, (1, None, [None, 2])) == (2, None, [None, 3])
    assert tu.tree_leaves(None, is_leaf=lambda x: x is None) == [None]


def test_namedtuple_is_rebuilt_as_the_same_class():
    tree = (Point(1, [2, 3]), 4)
    leaves, treedef = tu.tree_flatten(tree)
    rebuilt = tu.tree_unflatten(treedef, [10, 20, 30, 40])
    assert leaves == [1, 2, 3, 4]
    assert type(rebuilt[0]) is Point and rebuilt == (Point(10, [20, 30]), 40)
    assert repr(treedef) == "PyTreeDef((Point(x=*, y=[*, *]), *))"


def test_namedtuple_first_seen_inside_a_fast_path_tuple_is_a_node():
    Fresh = collections.namedtuple("Fresh", "a b")
    leaves, treedef = tu.tree_flatten((Fresh(np.zeros(1), 2),))
    assert len(leaves) == 2 and treedef.num_leaves == 2
    assert tu.tree_flatten({"k": Fresh(1, 2)})[0] == [1, 2]


def test_register_pytree_node_round_trips_and_maps():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    tu.register_pytree_node(Pair, lambda p: ((p.a, p.b), "tag"), lambda aux, ch: Pair(*ch))
    leaves, treedef = tu.tree_flatten([Pair(1, (2, 3))])
    assert leaves == [1, 2, 3]
    assert repr(treedef) == "PyTreeDef([CustomNode(Pair['tag'], [*, (*, *)])])"
    mapped = tu.tree_map(lambda x: x * 10, Pair(1, 2))
    assert type(mapped) is Pair and (mapped.a, mapped.b) == (10, 20)
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Pair, lambda p: ((), None), lambda aux, ch: Pair(0, 0))


def test_register_pytree_node_class_decorator_uses_its_methods():
    @tu.register_pytree_node_class
    class Scaled:
        def __init__(self, x, scale):
            self.x, self.scale = x, scale

        def tree_flatten(self):
            return (self.x,), self.scale

        @classmethod
        def tree_unflatten(cls, scale, children):
            return cls(*children, scale)

    assert isinstance(Scaled, type)  # the decorator returns the class itself
    leaves, treedef = tu.tree_flatten(Scaled(np.ones(2), 3))
    rebuilt = tu.tree_unflatten(treedef, [np.zeros(2)])
    assert type(rebuilt) is Scaled and rebuilt.scale == 3 and rebuilt.x.tolist() == [0, 0]
    assert treedef != tu.tree_structure(Scaled(np.ones(2), 4))  # aux data is structure


def test_registering_a_type_already_seen_as_a_leaf_makes_it_a_node():
    class Box:
        def __init__(self, v):
            self.v = v

    assert tu.tree_leaves((Box(1),))[0].v == 1  # a leaf for now
    tu.register_pytree_node(Box, lambda b: ((b.v,), None), lambda aux, ch: Box(*ch))
    assert tu.tree_leaves((Box(1),)) == [1]
    assert tu.tree_leaves({"a": Box(2)}) == [2]


def test_unhashable_aux_data_flattens_but_treedef_is_unhashable():
    class Tagged:
        def __init__(self, v, tags):
            self.v, self.tags = v, tags

    tu.register_pytree_node(Tagged, lambda t: ((t.v,), t.tags), lambda tags, ch: Tagged(ch[0], tags))
    leaves, treedef = tu.tree_flatten(Tagged(1, ["x"]))
    assert leaves == [1] and tu.tree_unflatten(treedef, [2]).tags == ["x"]
    assert treedef == tu.tree_structure(Tagged(5, ["x"]))
    with pytest.raises(TypeError, match="unhashable"):
        hash(treedef)


def test_tree_map_over_several_trees():
    a = {"w": [1, 2], "b": 3}
    b = {"w": [10, 20], "b": 30}
    assert tu.tree_map(lambda x, y, z: x + y + z, a, b, a) == {"w": [12, 24], "b": 36}


def test_tree_map_accepts_rest_trees_that_have_the_first_as_prefix():
    out = tu.tree_map(lambda axis, sub: (axis, sub), (0, None), ([1, 2], None))
    assert out == ((0, [1, 2]), None)


def test_tree_map_structure_mismatch_names_both_structures():
    with pytest.raises(ValueError) as info:
        tu.tree_map(operator.add, {"a": 1, "b": 2}, {"a": 1, "c": 2})
    msg = str(info.value)
    assert "PyTreeDef({'a': *, 'b': *})" in msg and "PyTreeDef({'a': *, 'c': *})" in msg
    with pytest.raises(ValueError, match=r"PyTreeDef\(\(\*, \*\)\).*PyTreeDef\(\[\*, \*\]\)"):
        tu.tree_map(operator.add, [1, 2], (1, 2))


def test_treedef_equality_and_hash():
    t1 = tu.tree_structure((np.ones(2), {"a": 1, "b": [2, 3]}))
    t2 = tu.tree_structure((0, {"b": [0, 0], "a": 0}))
    assert t1 == t2 and hash(t1) == hash(t2) and {t1: "hit"}[t2] == "hit"
    assert t1 != tu.tree_structure((0, {"a": 0, "b": (0, 0)}))
    assert t1 != tu.tree_structure((0, {"a": 0, "c": [0, 0]}))
    assert tu.tree_structure([0]) != tu.tree_structure((0,))
    assert tu.tree_structure(0) != tu.tree_structure(None)
    assert t1 != "not a treedef"


def test_treedef_repr_shows_the_structure():
    assert repr(tu.tree_structure((1, {"a": 2, "b": [3, 4]}))) == "PyTreeDef((*, {'a': *, 'b': [*, *]}))"
    assert repr(tu.tree_structure((1,))) == "PyTreeDef((*,))"
    assert repr(tu.tree_structure(None)) == "PyTreeDef(None)"
    assert repr(tu.tree_structure(5)) == "PyTreeDef(*)"


def test_treedef_is_immutable_and_survives_pickle():
    treedef = tu.tree_structure({"a": (1, None), "p": Point(1, 2)})
    with pytest.raises(AttributeError):
        treedef.num_leaves = 7
    assert pickle.loads(pickle.dumps(treedef)) is treedef
    assert copy.deepcopy(treedef) is treedef


def test_treedef_counts_children_and_unflatten_method():
    treedef = tu.tree_structure((1, [2, 3], None))
    assert treedef.num_leaves == 3
    assert treedef.num_nodes == 6  # tuple, leaf, list, leaf, leaf, None
    assert treedef.children() == [tu.tree_structure(0), tu.tree_structure([0, 0]),
                                  tu.tree_structure(None)]
    assert tu.tree_structure(0).children() == []
    assert treedef.unflatten(iter("abc")) == ("a", ["b", "c"], None)


def test_unflatten_with_wrong_leaf_count_says_expected_and_got():
    treedef = tu.tree_structure({"a": 1, "b": (2, 3)})
    with pytest.raises(ValueError, match="expects 3 leaves, got 2"):
        tu.tree_unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="expects 1 leaves, got 2"):
        tu.tree_unflatten(tu.tree_structure((1,)), [1, 2])


def test_flatten_up_to_keeps_subtrees_at_prefix_leaves_whole():
    prefix = tu.tree_structure((0, {"a": 0, "b": 0}))
    tree = ([1, 2], {"a": (3, 4), "b": {"c": 5}})
    assert prefix.flatten_up_to(tree) == [[1, 2], (3, 4), {"c": 5}]
    assert tu.tree_structure(0).flatten_up_to(tree) == [tree]
    assert tu.tree_structure(tree).flatten_up_to(tree) == tu.tree_leaves(tree)


def test_flatten_up_to_with_none_leaves_like_vmap_in_axes():
    in_axes = (0, None, {"w": 1})
    leaves, treedef = tu.tree_flatten(in_axes, is_leaf=lambda x: x is None)
    args = ("x", ("y1", "y2"), {"w": "W"})
    assert list(zip(leaves, treedef.flatten_up_to(args))) == [(0, "x"), (None, ("y1", "y2")), (1, "W")]
    # Without is_leaf a None in the prefix is a node and matches only None.
    with pytest.raises(ValueError, match=r"at tree\[1\], expected None, got tuple"):
        tu.tree_structure(in_axes).flatten_up_to(args)


def test_flatten_up_to_errors_name_the_path_and_the_mismatch():
    prefix = tu.tree_structure({"a": (0, 0), "p": Point(0, [0])})
    with pytest.raises(ValueError, match=r"at tree\['a'\], expected tuple of 2 children, got 3"):
        prefix.flatten_up_to({"a": (1, 2, 3), "p": Point(0, [0])})
    with pytest.raises(ValueError, match=r"at tree\['p'\]\.y, expected \[\*\], got int"):
        prefix.flatten_up_to({"a": (1, 2), "p": Point(0, 5)})
    with pytest.raises(ValueError, match=r"at the root, dict keys \['a', 'q'\] do not match"):
        prefix.flatten_up_to({"a": (1, 2), "q": 0})
    with pytest.raises(ValueError, match="expected .*, got list"):
        tu.tree_structure((0, 0)).flatten_up_to([1, 2])


def test_is_leaf_stops_flattening_at_the_chosen_nodes():
    tree = [(1, 2), {"a": (3,)}, None]
    leaves, treedef = tu.tree_flatten(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [(1, 2), (3,)]
    assert tu.tree_unflatten(treedef, ["p", "q"]) == ["p", {"a": "q"}, None]
    assert tu.tree_map(len, tree, is_leaf=lambda x: isinstance(x, tuple)) == [2, {"a": 1}, None]
    assert tu.tree_leaves(tree, is_leaf=lambda x: x is tree) == [tree]


def test_tree_all_and_tree_reduce():
    assert tu.tree_all([True, (1, None), {"a": np.True_}])
    assert not tu.tree_all([True, (0,)])
    assert tu.tree_all(None)  # no leaves
    assert tu.tree_reduce(operator.add, [1, (2, 3), {"a": 4}]) == 10
    assert tu.tree_reduce(operator.add, [], initializer=7) == 7
    assert tu.tree_reduce(lambda acc, x: acc + [x], (1, [2]), initializer=[]) == [1, 2]
    with pytest.raises(TypeError):
        tu.tree_reduce(operator.add, None)  # nothing to reduce and no initializer


def test_fast_paths_agree_with_general_path():
    x, y = np.ones(2), np.zeros(3)
    leaves, treedef = tu.tree_flatten((x, y))
    assert leaves[0] is x and leaves[1] is y
    assert treedef is tu.tree_structure([(x, y)]).children()[0]
    rebuilt = tu.tree_unflatten(treedef, leaves)
    assert type(rebuilt) is tuple and rebuilt[0] is x and rebuilt[1] is y
    d = {f"k{i}": np.full(1, i) for i in reversed(range(10))}
    leaves, treedef = tu.tree_flatten(d)
    assert [int(v[0]) for v in leaves] == list(range(10))
    assert treedef is tu.tree_structure([d]).children()[0]
    rebuilt = tu.tree_unflatten(treedef, leaves)
    assert list(rebuilt) == sorted(d) and all(rebuilt[k] is d[k] for k in d)
