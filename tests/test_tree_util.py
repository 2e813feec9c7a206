import collections
import copy
import operator
import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

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


# --------------------------------------------------------------------------- key paths


def expected_paths(tree, path=()):
    """(path, leaf) pairs by the definition, written independently of the module."""
    if tree is None:
        return []
    if isinstance(tree, (list, tuple)):
        return [p for i, child in enumerate(tree) for p in expected_paths(child, path + (tu.SequenceKey(i),))]
    if isinstance(tree, dict):
        return [p for k in sorted(tree) for p in expected_paths(tree[k], path + (tu.DictKey(k),))]
    return [(path, tree)]


def get_by_path(tree, path):
    for key in path:
        match key:
            case tu.SequenceKey(idx=i):
                tree = tree[i]
            case tu.DictKey(key=k):
                tree = tree[k]
            case tu.GetAttrKey(name=name):
                tree = getattr(tree, name)
    return tree


@given(trees_st)
def test_flatten_with_path_gives_each_leaf_the_keys_that_reach_it(tree):
    pairs, treedef = tu.tree_flatten_with_path(tree)
    assert pairs == expected_paths(tree)
    assert treedef is tu.tree_structure(tree)
    assert [leaf for _, leaf in pairs] == tu.tree_leaves(tree)
    assert all(get_by_path(tree, path) == leaf for path, leaf in pairs)
    assert tu.tree_leaves_with_path(tree) == pairs


@given(trees_st)
def test_map_with_path_passes_paths_and_keeps_structure(tree):
    out = tu.tree_map_with_path(lambda p, x: (tu.keystr(p), x), tree)
    assert tu.tree_leaves(out, is_leaf=lambda x: isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str)) == [
        (tu.keystr(p), x) for p, x in expected_paths(tree)]


def test_key_entries_compare_hash_print_and_pickle_as_jax():
    keys = [tu.SequenceKey(0), tu.DictKey("a"), tu.GetAttrKey("x"), tu.FlattenedIndexKey(3), tu.DictKey(1)]
    assert [repr(k) for k in keys] == ["SequenceKey(idx=0)", "DictKey(key='a')", "GetAttrKey(name='x')",
                                       "FlattenedIndexKey(key=3)", "DictKey(key=1)"]
    assert [str(k) for k in keys] == ["[0]", "['a']", ".x", "[<flat index 3>]", "[1]"]
    assert tu.keystr(tuple(keys)) == "[0]['a'].x[<flat index 3>][1]"
    assert tu.keystr(tuple(keys), simple=True, separator="/") == "0/a/x/3/1"
    assert tu.DictKey("a") == tu.DictKey("a") and hash(tu.DictKey("a")) == hash(tu.DictKey("a"))
    assert tu.DictKey(0) != tu.SequenceKey(0) and tu.FlattenedIndexKey(0) != tu.DictKey(0)
    assert pickle.loads(pickle.dumps(keys)) == keys
    with pytest.raises(AttributeError):
        keys[0].idx = 1


class Custom:
    def __init__(self, a, b):
        self.a, self.b = a, b


tu.register_pytree_node(Custom, lambda c: ((c.a, c.b), "aux"), lambda aux, ch: Custom(*ch))


def test_paths_of_namedtuples_ordered_dicts_and_unkeyed_custom_nodes():
    tree = {"p": Point(1, 2), "o": collections.OrderedDict(z=3, y=4), "c": Custom(5, 6),
            "d": collections.defaultdict(int, {"k": 7})}
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(tree)] == [
        "['c'][<flat index 0>]", "['c'][<flat index 1>]", "['d']['k']", "['o']['z']", "['o']['y']", "['p'].x", "['p'].y"]


def test_flatten_with_path_is_leaf_may_take_the_path():
    pairs, treedef = tu.tree_flatten_with_path([1, [2, 3]], is_leaf=lambda p, x: len(p) == 1, is_leaf_takes_path=True)
    assert pairs == [((tu.SequenceKey(0),), 1), ((tu.SequenceKey(1),), [2, 3])]
    assert treedef == tu.tree_structure([0, 0])
    pairs, _ = tu.tree_flatten_with_path([1, [2, 3]], is_leaf=lambda x: isinstance(x, list) and len(x) == 2 and x[0] == 2)
    assert pairs == [((tu.SequenceKey(0),), 1), ((tu.SequenceKey(1),), [2, 3])]


def test_map_with_path_over_several_trees_and_its_errors():
    out = tu.tree_map_with_path(lambda p, x, y: (tu.keystr(p), x + y), {"a": 1, "b": [2]}, {"a": 10, "b": [20]})
    assert out == {"a": ("['a']", 11), "b": [("['b'][0]", 22)]}
    with pytest.raises(ValueError, match="tree_map_with_path: tree 1 .*at tree\\['b'\\]"):
        tu.tree_map_with_path(lambda p, x, y: x, {"a": 1, "b": [2]}, {"a": 1, "b": (2,)})


def test_register_pytree_with_keys_and_its_class_decorator():
    class Point3:
        def __init__(self, x, y):
            self.x, self.y = x, y

    tu.register_pytree_with_keys(Point3, lambda p: (((tu.GetAttrKey("x"), p.x), (tu.GetAttrKey("y"), p.y)), None),
                                 lambda aux, ch: Point3(*ch))
    tree = [Point3(1, (2, 3))]
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(tree)] == ["[0].x", "[0].y[0]", "[0].y[1]"]
    rebuilt = tu.tree_map(lambda v: v * 10, tree)[0]
    assert (rebuilt.x, rebuilt.y) == (10, (20, 30))

    @tu.register_pytree_with_keys_class
    class Box:
        calls = []

        def __init__(self, v):
            self.v = v

        def tree_flatten_with_keys(self):
            return ((tu.GetAttrKey("v"), self.v),), None

        def tree_flatten(self):  # the faster flatten without keys, used by tree_flatten
            Box.calls.append("flat")
            return (self.v,), None

        @classmethod
        def tree_unflatten(cls, aux, children):
            return cls(*children)

    assert tu.tree_leaves(Box(4)) == [4] and Box.calls == ["flat"]
    assert tu.tree_leaves_with_path(Box(4)) == [((tu.GetAttrKey("v"),), 4)]
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_with_keys(Box, lambda b: ((), None), lambda a, c: None)


def test_register_dataclass_infers_static_fields_and_checks_them():
    import dataclasses

    from functrans import tree

    @tu.register_dataclass
    @dataclasses.dataclass
    class Layer:
        w: object
        b: object
        act: str = tree.static(default="relu")

    layer = Layer(1.0, [2.0])
    leaves, treedef = tu.tree_flatten(layer)
    assert leaves == [1.0, 2.0] and repr(treedef) == "PyTreeDef(CustomNode(Layer[('relu',)], [*, [*]]))"
    assert tu.tree_unflatten(treedef, [3.0, 4.0]) == Layer(3.0, [4.0])
    assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(layer)] == [".w", ".b[0]"]
    assert tu.tree_structure(Layer(1.0, [2.0], "tanh")) != treedef

    @dataclasses.dataclass
    class Explicit:
        x: object
        y: int
        cache: object = None

    tu.register_dataclass(Explicit, data_fields=["x"], meta_fields=["y"], drop_fields=["cache"])
    assert tu.tree_flatten(Explicit(1, 2))[0] == [1]
    with pytest.raises(TypeError, match="both"):
        tu.register_dataclass(Explicit, data_fields=["x"])
    with pytest.raises(TypeError, match="not a dataclass"):
        tu.register_dataclass(Custom)

    @dataclasses.dataclass
    class Missing:
        x: object
        y: object

    with pytest.raises(ValueError, match="missing \\['y'\\]"):
        tu.register_dataclass(Missing, data_fields=["x"], meta_fields=[])
    with pytest.raises(ValueError, match="overlap"):
        tu.register_dataclass(Missing, data_fields=["x", "y"], meta_fields=["y"], drop_fields=[])


def test_register_static_keeps_the_object_in_the_structure():
    @tu.register_static
    class Tag:
        def __init__(self, name):
            self.name = name

        def __eq__(self, other):
            return type(other) is Tag and other.name == self.name

        def __hash__(self):
            return hash(self.name)

    leaves, treedef = tu.tree_flatten([Tag("a"), 1])
    assert leaves == [1] and tu.tree_unflatten(treedef, [2])[0] == Tag("a")
    assert tu.tree_structure([Tag("b"), 1]) != treedef


def test_partial_is_a_pytree_whose_leaves_are_the_bound_arguments():
    def f(a, b, *, c):
        return a + b + c

    p = tu.Partial(f, 1, c=10)
    assert p(2) == 13 and isinstance(p, tu.Partial)
    leaves, treedef = tu.tree_flatten(p)
    assert leaves == [1, 10]
    q = tu.tree_unflatten(treedef, [100, 1000])
    assert q(2) == 1102 and type(q) is tu.Partial
    assert tu.tree_structure(tu.Partial(f, 5, c=6)) is treedef


def test_flatten_one_level_and_is_tree_node():
    assert tu.flatten_one_level({"b": [1], "a": 2}) == ([2, [1]], ("a", "b"))
    assert tu.flatten_one_level(None) == ([], None)
    assert tu.flatten_one_level_with_keys(Point(1, 2)) == ([(tu.GetAttrKey("x"), 1), (tu.GetAttrKey("y"), 2)], None)
    assert tu.flatten_one_level_with_keys(Custom(1, 2))[0] == [(tu.FlattenedIndexKey(0), 1), (tu.FlattenedIndexKey(1), 2)]
    with pytest.raises(ValueError, match="can't tree-flatten type: <class 'int'>"):
        tu.flatten_one_level(1)
    assert tu.is_tree_node(list) and tu.is_tree_node(Point) and tu.is_tree_node(type(None)) and tu.is_tree_node(Custom)
    assert not tu.is_tree_node(int) and not tu.is_tree_node(np.ndarray)
    assert tu.default_registry.is_node(dict) and tu.default_registry.flatten([1, 2])[0] == [1, 2]


def test_all_leaves_and_treedef_helpers():
    assert tu.all_leaves([1, "a", np.zeros(2)]) and not tu.all_leaves([1, [2]]) and not tu.all_leaves([None])
    assert tu.all_leaves([[1], 2], is_leaf=lambda x: x == [1])
    assert tu.treedef_is_leaf(tu.tree_structure(1)) and tu.treedef_is_leaf(tu.tree_structure(None))
    assert not tu.treedef_is_leaf(tu.tree_structure([1]))
    assert tu.treedef_children(tu.tree_structure((1, [2]))) == [tu.tree_structure(1), tu.tree_structure([2])]
    tuple_def = tu.treedef_tuple([tu.tree_structure(1), tu.tree_structure([1, 2])])
    assert tuple_def is tu.tree_structure((0, [0, 0]))
    assert tu.tree_structure({"a": 1}).node_data() == (dict, ("a",)) and tu.tree_structure(1).node_data() is None
    assert tu.tree_structure([0, 0]).compose(tu.tree_structure((0, None))) is tu.tree_structure([(0, None), (0, None)])


def test_tree_broadcast_repeats_prefix_leaves_over_subtrees():
    assert tu.tree_broadcast([1, {"a": 2}], [[3, 4], {"a": (5, 6)}]) == [[1, 1], {"a": (2, 2)}]
    assert tu.tree_broadcast(0, {"x": [1, None]}) == {"x": [0, None]}
    with pytest.raises(ValueError, match="tree_broadcast"):
        tu.tree_broadcast([1, 2], [1, 2, 3])


def test_tree_transpose_swaps_outer_and_inner_structures():
    outer, inner = tu.tree_structure([0, 0, 0]), tu.tree_structure({"a": 0, "b": 0})
    tree = [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]
    assert tu.tree_transpose(outer, inner, tree) == {"a": [1, 3, 5], "b": [2, 4, 6]}
    assert tu.tree_transpose(outer, None, tree) == {"a": [1, 3, 5], "b": [2, 4, 6]}
    assert tu.tree_transpose(inner, outer, {"a": [1, 3, 5], "b": [2, 4, 6]}) == tree
    with pytest.raises(TypeError, match="tree_transpose"):
        tu.tree_transpose(outer, inner, [{"a": 1, "b": 2}, {"a": 3}, {"a": 5, "b": 6}])


def test_tree_reduce_associative_halves_first_and_needs_an_identity_when_empty():
    assert tu.tree_reduce_associative(lambda a, b: f"({a}+{b})", [1, 2, 3, 4, 5]) == "((1+2)+(3+(4+5)))"
    assert tu.tree_reduce_associative(operator.add, {"a": 1}) == 1
    assert tu.tree_reduce_associative(operator.add, [], identity=0) == 0
    with pytest.raises(TypeError, match="identity"):
        tu.tree_reduce_associative(operator.add, [None])


# --------------------------------------------------------------------------- against jax.tree_util


def _jax_tree_util():
    pytest.importorskip("jax")
    import jax.tree_util as jtu
    return jtu


def _as_jax_key(key, jtu):
    return getattr(jtu, type(key).__name__)(key._value())


@settings(deadline=None)  # the first example imports jax
@given(trees_st)
def test_paths_and_keystr_equal_jax(tree):
    jtu = _jax_tree_util()
    ours = tu.tree_leaves_with_path(tree)
    theirs = jtu.tree_leaves_with_path(tree)
    assert [tuple(_as_jax_key(k, jtu) for k in p) for p, _ in ours] == [p for p, _ in theirs]
    assert [tu.keystr(p) for p, _ in ours] == [jtu.keystr(p) for p, _ in theirs]
    assert [tu.keystr(p, simple=True, separator="/") for p, _ in ours] == [
        jtu.keystr(p, simple=True, separator="/") for p, _ in theirs]
    assert [x for _, x in ours] == [x for _, x in theirs]


def test_named_functions_equal_jax():
    jtu = _jax_tree_util()
    cases = [
        (lambda m: m.tree_broadcast([1, {"a": 2, "b": 3}], [[3, 4], {"a": (5, 6), "b": None}])),
        (lambda m: m.tree_reduce_associative(lambda a, b: f"({a}+{b})", [1, [2, 3], {"x": 4, "y": (5, 6)}])),
        (lambda m: m.all_leaves([1, None])),
        (lambda m: m.all_leaves([1, 2.0])),
        (lambda m: list(m.flatten_one_level({"b": 1, "a": 2})[0])),
        (lambda m: m.tree_transpose(m.tree_structure([0, 0]), None, [(1, 2), (3, 4)])),
        (lambda m: [m.treedef_is_leaf(m.tree_structure(t)) for t in (1, None, [], [1], {})]),
        (lambda m: [m.is_tree_node(t) for t in (list, tuple, dict, type(None), int, Point, collections.OrderedDict)]),
        (lambda m: m.tree_map_with_path(lambda p, x: len(p) * x, {"a": [1, (2,)], "b": Point(3, 4)})),
    ]
    for case in cases:
        assert case(tu) == case(jtu)


def test_partial_passes_through_grad_and_vmap_as_a_pytree():
    import functrans as ft

    p = tu.Partial(lambda w, x: w * x, np.full(3, 2.0))
    x = np.arange(3.0)
    grads = ft.grad(lambda p: p(x).sum())(p)
    assert type(grads) is tu.Partial and np.array_equal(grads.args[0], x)
    np.testing.assert_array_equal(ft.vmap(lambda p, x: p(x), in_axes=(None, 0))(p, np.stack([x, -x])), [2 * x, -2 * x])
