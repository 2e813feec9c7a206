"""Structure functions of functrans.numpy against NumPy: shape manipulation, index
tricks, creation, windows, functional helpers and dtype queries, on hypothesis-drawn
shapes (0-d, empty, non-contiguous), eagerly and through the jaxpr; derivatives by
check_grads; vmap against a loop; a jitted program against eager; JAX's error types."""
from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import ConcretizationError
from functrans.test_util import check_grads
from functrans.tree_util import tree_leaves

from numpy_checks import arrays, assert_same, check, shapes, traced

SETTINGS = settings(max_examples=20, deadline=None)
# NumPy's r_["r", ...] makes a (pending-deprecated) matrix; the values are compared.
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"), pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

# --------------------------------------------------------------------------- shape


@SETTINGS
@given(data=st.data())
def test_joining_functions_match_numpy(data):
    x = data.draw(arrays(np.float64, shape=shapes))
    y = data.draw(arrays(np.int32, shape=st.just(x.shape)))
    check(lambda a, b: fnp.append(a, b), np.append, x, y)
    check(lambda a: fnp.atleast_3d(a), np.atleast_3d, x)
    check(lambda a, b: fnp.dstack([a, b]), lambda a, b: np.dstack([a, b]), x, y)
    if x.ndim >= 1:
        check(lambda a, b: fnp.concat([a, b], axis=-1), lambda a, b: np.concatenate([a, b], axis=-1), x, y)
        check(lambda a, b: fnp.append(a, b, axis=0), lambda a, b: np.append(a, b, axis=0), x, y)
        check(lambda a, b: fnp.column_stack([a, b]), lambda a, b: np.column_stack([a, b]), x, y)
        check(lambda a: fnp.unstack(a, axis=-1), lambda a: tuple(np.moveaxis(a, -1, 0)), x)


@SETTINGS
@given(data=st.data())
def test_rearranging_functions_match_numpy(data):
    x = data.draw(arrays(np.float32, shape=shapes))
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    check(lambda a: fnp.permute_dims(a, perm), lambda a: np.permute_dims(a, perm), x)
    if x.ndim:
        axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
        start = data.draw(st.integers(-x.ndim, x.ndim))
        check(lambda a: fnp.rollaxis(a, axis, start), lambda a: np.rollaxis(a, axis, start), x)
    if x.ndim >= 2:
        k = data.draw(st.integers(-5, 5))
        axes = tuple(data.draw(st.permutations(range(x.ndim)))[:2])
        check(lambda a: fnp.rot90(a, k, axes), lambda a: np.rot90(a, k, axes), x)
        check(fnp.matrix_transpose, np.matrix_transpose, x)
    new_shape = data.draw(st.lists(st.integers(0, 4), max_size=3))
    check(lambda a: fnp.resize(a, new_shape), lambda a: np.resize(a, new_shape), x)


@SETTINGS
@given(data=st.data())
def test_splitting_functions_match_numpy(data):
    x = data.draw(arrays(np.int64, shape=st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    sections = data.draw(st.integers(1, 7) | st.lists(st.integers(-7, 8), max_size=3))
    check(lambda a: fnp.array_split(a, sections, axis), lambda a: np.array_split(a, sections, axis), x)
    n = x.shape[axis]
    if isinstance(sections, list) or n % sections == 0:
        check(lambda a: fnp.split(a, sections, axis), lambda a: np.split(a, sections, axis), x)
        for name, ndim in (("hsplit", 1), ("vsplit", 2), ("dsplit", 3)):
            along = {"hsplit": 1 if x.ndim > 1 else 0, "vsplit": 0, "dsplit": 2}[name]
            if x.ndim >= ndim and (isinstance(sections, list) or x.shape[along] % sections == 0):
                check(lambda a: getattr(fnp, name)(a, sections), lambda a: getattr(np, name)(a, sections), x)


@SETTINGS
@given(data=st.data())
def test_insert_and_delete_match_numpy(data):
    x = data.draw(arrays(np.float64, shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    n = x.size if axis is None else x.shape[axis]
    obj = data.draw(st.integers(-n, n - 1) | st.lists(st.integers(-n, n - 1), max_size=4) | st.just(slice(0, None, 2)))
    check(lambda a: fnp.delete(a, obj, axis), lambda a: np.delete(a, obj, axis), x)
    where = data.draw(st.integers(-n, n) | st.lists(st.integers(-n, n), min_size=1, max_size=3) | st.just(slice(1, None)))
    values = data.draw(st.sampled_from([7.5, [1.0, 2.0]])) if not isinstance(where, list) else 7.5
    try:
        want = np.insert(x, where, values, axis)
    except ValueError:
        return
    assert_same(fnp.insert(x, where, values, axis), want)


def test_block_matches_numpy():
    a, b, c = np.eye(2), np.arange(2.0).reshape(2, 1), np.ones((1, 3), np.float32)
    for blocks in ([[a, b], [c]], [a, a], [[1, 2], [3, 4]], [[[a]]], 5.0, [np.ones(2), 3]):
        assert_same(fnp.block(blocks), np.block(blocks))
    with pytest.raises(ValueError, match="depths"):
        fnp.block([[a], a])
    with pytest.raises(TypeError, match="tuples"):
        fnp.block((a, a))


def test_shape_errors_are_valueerrors_naming_the_function():
    with pytest.raises(ValueError, match="matrix_transpose"):
        fnp.matrix_transpose(np.ones(3))
    with pytest.raises(ValueError, match="rot90"):
        fnp.rot90(np.ones((2, 2)), axes=(0, 0))
    with pytest.raises(ValueError, match="vsplit"):
        fnp.vsplit(np.ones(4), 2)
    with pytest.raises(ValueError, match="equal division"):
        fnp.split(np.ones(5), 2)
    with pytest.raises(ValueError, match="unstack"):
        fnp.unstack(np.float64(1.0))
    with pytest.raises(IndexError, match="delete"):
        fnp.delete(np.ones(3), 5)


# --------------------------------------------------------------------------- index tricks


@SETTINGS
@given(data=st.data())
def test_grids_match_numpy(data):
    sizes = data.draw(st.lists(st.integers(0, 4), max_size=3))
    xs = [np.arange(n, dtype=np.float32) * 1.5 for n in sizes]
    indexing = data.draw(st.sampled_from(["xy", "ij"]))
    sparse = data.draw(st.booleans())
    check(lambda *v: fnp.meshgrid(*v, indexing=indexing, sparse=sparse), lambda *v: tuple(np.meshgrid(*v, indexing=indexing, sparse=sparse)), *xs)
    check(lambda: fnp.indices(sizes, sparse=sparse), lambda: np.indices(sizes, sparse=sparse))
    if sizes:
        check(lambda *v: fnp.ix_(*v), lambda *v: np.ix_(*v), *[np.arange(n) for n in sizes])


def test_mgrid_ogrid_r_c_s_match_numpy():
    assert_same(fnp.mgrid[0:3, 1:5:2], np.mgrid[0:3, 1:5:2])
    assert_same(fnp.mgrid[0:1:5j, -1:1:3j], np.mgrid[0:1:5j, -1:1:3j])
    assert_same(fnp.mgrid[2:7:2], np.mgrid[2:7:2])
    for g, w in zip(fnp.ogrid[0:3, 0:4], np.ogrid[0:3, 0:4], strict=True):
        assert_same(g, w)
    keys = [(1, 2, np.array([3, 4])), ("0,2", [1, 2], [3, 4]), ("0,2,0", [1, 2], [3, 4]), ("1,2,0", [1, 2], [3, 4]),
            ("-1,3,1", np.ones(2), np.zeros(2)), (slice(0, 5, 2), 7), ("r", 1, 2), ("c", 1, 2, 3), ("0,2", slice(0, 3)),
            ("0,2,0", slice(0, 3)), (np.ones((2, 2)), np.zeros((1, 2))), (slice(0, 1, 4j), 2.0)]
    for key in keys:
        assert_same(fnp.r_[key], np.asarray(np.r_[key]))
    for key in [(np.array([1, 2]), np.array([3, 4])), (np.ones((2, 2)), [[5], [6]]), (np.array([[1, 2]]), [[5]], 7)]:
        assert_same(fnp.c_[key], np.c_[key])
    assert fnp.s_[1:3, ::2] == np.s_[1:3, ::2] and fnp.index_exp[2] == np.index_exp[2] == (2,)
    with pytest.raises(ValueError, match="r_"):
        fnp.r_[1, "0,2"]


@SETTINGS
@given(data=st.data())
def test_ravel_and_unravel_index_match_numpy(data):
    dims = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    size = int(np.prod(dims))
    flat = data.draw(arrays(np.int64, shape=st.lists(st.integers(0, 4), max_size=2).map(tuple), lo=0, hi=size - 1))
    check(lambda f: fnp.unravel_index(f, dims), lambda f: np.unravel_index(f, dims), flat)
    multi = np.unravel_index(flat, dims)
    assert_same(fnp.ravel_multi_index(multi, dims), np.ravel_multi_index(multi, dims))  # mode='raise' needs concrete indices
    for order in ("C", "F"):
        check(lambda *m: fnp.ravel_multi_index(m, dims, mode="clip", order=order), lambda *m: np.ravel_multi_index(m, dims, order=order), *multi)
    wild = tuple(m * 3 - 2 for m in multi)
    for mode in ("wrap", "clip"):
        check(lambda *m: fnp.ravel_multi_index(m, dims, mode=mode), lambda *m: np.ravel_multi_index(m, dims, mode=mode), *wild)


def test_index_conversion_errors_and_clamping():
    with pytest.raises(ValueError, match="invalid entry"):
        fnp.ravel_multi_index((np.array([3]),), (3,))
    with pytest.raises(TypeError, match="ravel_multi_index"):
        fnp.ravel_multi_index((np.array([1.0]),), (3,))
    # Out-of-range flat indices are clamped (JAX); negative ones count from the end.
    assert_same(fnp.unravel_index(np.array([-1, 99]), (2, 3))[1], np.array([2, 2]))


def test_triangle_and_diagonal_indices_match_numpy():
    for n, k, m in [(3, 0, None), (4, 1, 2), (3, -1, 5), (0, 0, None), (2, 5, None)]:
        for a, b in zip(fnp.tril_indices(n, k, m), np.tril_indices(n, k, m)):
            assert_same(a, b)
        for a, b in zip(fnp.triu_indices(n, k, m), np.triu_indices(n, k, m)):
            assert_same(a, b)
    x = np.ones((3, 5))
    for got, want in [(fnp.tril_indices_from(x, 1), np.tril_indices_from(x, 1)), (fnp.triu_indices_from(x, -1), np.triu_indices_from(x, -1)),
                      (fnp.diag_indices(4, 3), np.diag_indices(4, 3)), (fnp.diag_indices_from(np.ones((2, 2, 2))), np.diag_indices_from(np.ones((2, 2, 2)))),
                      (fnp.mask_indices(4, fnp.triu, 1), np.mask_indices(4, np.triu, 1))]:
        for a, b in zip(got, want, strict=True):
            assert_same(a, b)
    with pytest.raises(ValueError, match="diag_indices_from"):
        fnp.diag_indices_from(np.ones((2, 3)))


def test_functional_writes_match_numpys_in_place_ones():
    def numpy_inplace(fn, a, *args, **kwargs):
        a = a.copy()
        fn(a, *args, **kwargs)
        return a

    for shape, wrap in [((3, 3), False), ((5, 2), True), ((5, 2), False), ((2, 4), False), ((3, 3, 3), False)]:
        a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
        for val in (-1.0, np.array([7.0, 8.0])):
            assert_same(fnp.fill_diagonal(a, val, wrap, inplace=False), numpy_inplace(np.fill_diagonal, a, val, wrap))
    a = np.arange(6).reshape(2, 3)
    for ind, v, mode in [([0, 5], [10, 20], None), ([1, 2, 3], [9], None), ([-1, 7], [4, 5], "clip"), ([-1, 7], [4, 5], "wrap")]:
        assert_same(fnp.put(a, np.array(ind), v, mode=mode, inplace=False), numpy_inplace(np.put, a, ind, v, mode=mode or "raise"))
    idx = np.array([[2], [0]])
    assert_same(fnp.put_along_axis(a, idx, 99, axis=1, inplace=False), numpy_inplace(np.put_along_axis, a, idx, 99, axis=1))
    assert_same(fnp.put_along_axis(a, np.array([4, 0]), -5, axis=None, inplace=False), numpy_inplace(np.put_along_axis, a, np.array([4, 0]), -5, axis=None))
    mask = a % 2 == 0
    assert_same(fnp.place(a, mask, [100, 200], inplace=False), numpy_inplace(np.place, a, mask, [100, 200]))
    for fn, args in [(fnp.fill_diagonal, (a, 1)), (fnp.put, (a, [0], [1])), (fnp.place, (a, mask, [1])),
                     (fnp.put_along_axis, (a, idx, 1, 1))]:
        with pytest.raises(ValueError, match="inplace=False"):
            fn(*args)


def test_choose_matches_numpy():
    choices = [np.arange(4), np.arange(4) * 10, np.full(4, -1)]
    a = np.array([0, 2, 1, 0])
    assert_same(fnp.choose(a, choices), np.choose(a, choices))
    wild = np.array([-1, 3, 5, 1])
    for mode in ("wrap", "clip"):
        assert_same(fnp.choose(wild, choices, mode=mode), np.choose(wild, choices, mode=mode))
    with pytest.raises(ValueError, match="choose"):
        fnp.choose(wild, choices)
    assert_same(fnp.choose(np.array([[0], [1]]), [np.zeros(3), np.ones((2, 3))]), np.choose(np.array([[0], [1]]), [np.zeros(3), np.ones((2, 3))]))


# --------------------------------------------------------------------------- creation and windows


def test_eye_takes_a_traced_diagonal_offset():
    for k in (-1, 0, 2):
        assert_same(ft.vmap(lambda k: fnp.eye(3, 4, k=k))(np.array([k]))[0], np.eye(3, 4, k=k))
    assert_same(fnp.identity(2, np.int32), np.identity(2, np.int32))


def test_creation_functions_match_numpy():
    for args in [(3,), (2, 4, 1), (4, 2, -1), (0,)]:
        assert_same(fnp.tri(*args), np.tri(*args))
    assert_same(fnp.tri(3, dtype=np.int32), np.tri(3, dtype=np.int32))
    for v, k in [(np.array([[1, 2], [3, 4]]), 0), (np.arange(3.0), 1), (np.array(5.0), -2)]:
        assert_same(fnp.diagflat(v, k), np.diagflat(v, k))
    assert_same(fnp.empty((2, 3), np.int32), np.zeros((2, 3), np.int32))
    assert_same(fnp.empty_like(np.ones(2, np.float32)), np.zeros(2, np.float32))
    x = np.arange(3)
    y = fnp.copy(x)
    assert_same(y, x) and not np.shares_memory(x, y)
    for args, kwargs in [((0, 2, 5), {}), ((0, 2, 4), {"endpoint": False}), ((1, 3, 3), {"base": 2.0}),
                         ((np.array([0.0, 1.0]), 2, 3), {"axis": 1}), ((0, 1, 3), {"dtype": np.float32}),
                         ((np.float32(0), 1, 3), {}), ((0, 2, 3), {"base": np.array([2.0, 10.0]), "axis": -1}),
                         ((np.array([[0.0], [1.0]]), np.arange(3.0), 4), {"base": np.array([2.0, 3.0, 4.0]), "axis": 2})]:
        assert_same(fnp.logspace(*args, **kwargs), np.logspace(*args, **kwargs))
    for args, kwargs in [((1, 1000, 4), {}), ((-1, -1000, 4), {}), ((2.0, 3.0, 5), {"endpoint": False}),
                         ((np.array([1.0, 10.0]), 100.0, 3), {"axis": -1}), ((1, 256, 9), {"dtype": np.float32}), ((1, 5, 1), {}),
                         ((np.float32(1), np.float32(8), 4), {})]:
        assert_same(fnp.geomspace(*args, **kwargs), np.geomspace(*args, **kwargs))
    with pytest.raises(ValueError, match="zero"):
        fnp.geomspace(0, 10)
    assert_same(fnp.fromfunction(lambda i, j: i * 10 + j, (2, 3)), np.fromfunction(lambda i, j: i * 10 + j, (2, 3)))
    assert_same(fnp.fromstring("1, 2, 3", dtype=np.int32, sep=","), np.fromstring("1, 2, 3", dtype=np.int32, sep=","))
    with pytest.raises(NotImplementedError, match="fromiter"):
        fnp.fromiter(iter([1]), int)


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows_match_numpy(name):
    for M in (-1, 0, 1, 2, 5, 16, 51):
        assert_same(getattr(fnp, name)(M), getattr(np, name)(M))


def test_kaiser_matches_numpy_and_differentiates_in_beta():
    for M, beta in [(0, 1.0), (1, 3.0), (6, 0.0), (9, 8.6), (32, 14.0), (5, 40.0)]:
        assert_same(fnp.kaiser(M, beta), np.kaiser(M, beta), rtol=1e-12)
    check_grads(lambda b: fnp.kaiser(7, b), (np.array(4.0),), order=2)


# --------------------------------------------------------------------------- functional


def test_vectorize_matches_numpy_with_and_without_signature():
    x, y = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 2.0])
    f = lambda a, b: a * b + 1
    assert_same(fnp.vectorize(f)(x, y), np.vectorize(f)(x, y))
    dot = fnp.vectorize(lambda a, b: fnp.sum(a * b), signature="(n),(n)->()")
    assert_same(dot(x, y), np.vectorize(lambda a, b: np.sum(a * b), signature="(n),(n)->()")(x, y))
    outer = fnp.vectorize(lambda a: (fnp.outer(a, a), fnp.sum(a)), signature="(n)->(n,n),()")
    got, want = outer(x), np.vectorize(lambda a: (np.outer(a, a), np.sum(a)), signature="(n)->(n,n),()")(x)
    for g, w in zip(got, want, strict=True):
        assert_same(g, w)
    assert_same(fnp.vectorize(lambda a: a + 1)(3.0), np.vectorize(lambda a: a + 1)(3.0))
    assert_same(fnp.vectorize(f)(np.ones((0, 3)), y), np.vectorize(f, otypes=[float])(np.ones((0, 3)), y))
    scaled = fnp.vectorize(lambda a, k, power=1: a ** power * k, excluded={1, "power"})
    assert_same(scaled(x, 2.0, power=2), x ** 2 * 2.0)
    with pytest.raises(ValueError, match="core dimension"):
        dot(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="signature"):
        fnp.vectorize(f, signature="(n)->(")


def test_frompyfunc_apply_along_axis_apply_over_axes():
    add = fnp.frompyfunc(lambda a, b: a + b * 2, 2, 1, identity=0)
    a, b = np.arange(3.0), np.arange(4.0)
    assert_same(add(a, 1.0), a + 2.0)
    assert_same(add.outer(a, b), a[:, None] + 2 * b[None, :])
    rows = np.arange(12.0).reshape(3, 4)
    assert_same(add.reduce(rows, axis=1), np.array([functools.reduce(lambda p, q: p + 2 * q, r) for r in rows]))
    assert_same(add.reduce(np.zeros((0, 2))), np.zeros(2))
    running = [functools.reduce(lambda p, q: p + 2 * q, r[: i + 1]) for r in rows for i in range(4)]
    assert_same(add.accumulate(rows, axis=1), np.array(running).reshape(3, 4))
    assert_same(add.accumulate(rows.T, axis=0), np.array(running).reshape(3, 4).T)
    x = np.arange(24.0).reshape(2, 3, 4)
    for axis in (0, 1, -1):
        for fn, ref in [(lambda v: v * 2, lambda v: v * 2), (lambda v: fnp.sum(v), np.sum), (lambda v: fnp.outer(v, v), lambda v: np.outer(v, v))]:
            assert_same(fnp.apply_along_axis(fn, axis, x), np.apply_along_axis(ref, axis, x))
    assert_same(fnp.apply_over_axes(fnp.sum, x, [0, 2]), np.apply_over_axes(np.sum, x, [0, 2]))


def test_piecewise_and_select_match_numpy():
    x = np.linspace(-3, 3, 13)
    conds = [x < -1, x > 1]
    funcs = [lambda v: -v, 10.0, lambda v: v ** 2]
    assert_same(fnp.piecewise(x, conds, funcs), np.piecewise(x, conds, funcs))
    assert_same(fnp.piecewise(x, conds, funcs[:2]), np.piecewise(x, conds, funcs[:2]))
    assert_same(fnp.piecewise(np.arange(4), [np.arange(4) > 1], [7]), np.piecewise(np.arange(4), [np.arange(4) > 1], [7]))
    choices = [x, x * 10, np.full_like(x, 5)]
    sel = [x < 0, x > 2, x > 1]
    assert_same(fnp.select(sel, choices, default=-1), np.select(sel, choices, default=-1))
    assert_same(fnp.select([np.array([True, False])], [np.array([1, 2], np.int32)], 0.5), np.select([np.array([True, False])], [np.array([1, 2], np.int32)], 0.5))
    with pytest.raises(TypeError, match="boolean"):
        fnp.select([np.array([1, 0])], [np.ones(2)])
    with pytest.raises(ValueError, match="piecewise"):
        fnp.piecewise(x, conds, funcs * 2)


# --------------------------------------------------------------------------- dtypes


def test_dtype_queries_match_numpy():
    assert fnp.finfo(np.float32).eps == np.finfo(np.float32).eps and fnp.finfo(np.ones(2)).bits == 64
    assert fnp.iinfo(np.int16).max == 32767 and fnp.iinfo(np.arange(2, dtype=np.uint8)).max == 255
    for a, b in [(np.int8, np.uint8), (np.float32, np.int64), (np.int64, np.uint64), (np.bool_, np.int8)]:
        assert fnp.promote_types(a, b) == np.promote_types(a, b)
    assert fnp.issubdtype(np.float32, fnp.floating) and fnp.issubdtype(fnp.int_, fnp.signedinteger)
    assert not fnp.issubdtype(fnp.uint16, fnp.signedinteger) and fnp.issubdtype(fnp.bool, fnp.generic)
    assert fnp.can_cast(np.int32, np.float64) and not fnp.can_cast(np.float64, np.int32)
    assert fnp.can_cast(np.ones(2, np.float32), np.float64) and fnp.can_cast(np.float64, np.float32, "same_kind")
    assert fnp.isdtype(np.float32, "real floating") and fnp.isdtype(np.int8, ("integral", "bool"))
    assert not fnp.isdtype(np.float64, "integral")
    assert fnp.isscalar(1.0) and fnp.isscalar(np.float32(1)) and fnp.isscalar(np.array(2)) and not fnp.isscalar([1])
    assert fnp.iterable([1]) and not fnp.iterable(1.0)
    assert fnp.float_ is fnp.double is np.float64 and fnp.single is np.float32 and fnp.uint is np.uint64
    assert fnp.euler_gamma == np.euler_gamma and fnp.csingle is np.complex64
    traced = ft.make_jaxpr(lambda v: np.asarray(fnp.isscalar(v) and fnp.finfo(v).bits == 32))(np.float32(1.0))
    assert traced is not None


# --------------------------------------------------------------------------- transformations


def test_derivatives_through_structure_functions():
    x = np.arange(1.0, 7.0).reshape(2, 3) / 3 + 0.05  # off the piecewise and select boundaries

    def f(a):
        pieces = fnp.array_split(fnp.rot90(a), 2)
        grid = fnp.meshgrid(a[0], a[1], indexing="ij")[0]
        stacked = fnp.block([[pieces[0], pieces[0]], [pieces[1], pieces[1]]])
        out = fnp.insert(fnp.delete(fnp.ravel(stacked), [0, 3]), 2, a[0, 0])
        out = fnp.fill_diagonal(grid, a[1, 2] ** 2, inplace=False).sum() + (out ** 2).sum()
        out = out + fnp.put(a, np.array([1, 4]), a[0, :2] ** 3, inplace=False).sum()
        out = out + fnp.piecewise(a, [a < 1], [lambda v: v ** 3, lambda v: fnp.sin(v)]).sum()
        out = out + fnp.select([a > 1.5], [a ** 2], fnp.cos(a)).sum()
        out = out + fnp.vectorize(lambda r: fnp.sum(r * r) ** 1.5, signature="(n)->()")(a).sum()
        out = out + fnp.apply_along_axis(lambda v: fnp.prod(v), 1, a).sum()
        return out + fnp.resize(a, (4, 4)).sum() + fnp.choose(np.array([[0, 1, 0], [1, 1, 0]]), [a, a ** 2]).sum()

    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_vmap_matches_a_loop():
    x = np.arange(30.0).reshape(5, 6) / 7

    def f(v):
        return (fnp.r_[v[:2], 1.0, v[3:]], fnp.rot90(fnp.reshape(v, (2, 3)), 1), fnp.insert(v, [1, 4], -1.0),
                fnp.delete(v, slice(0, 3)), fnp.append(v, v[:2]), fnp.put(v, np.array([0, 2]), v[4:], inplace=False),
                fnp.unravel_index(fnp.argmax(v), (2, 3)), fnp.select([v > 2], [v], 0.0), fnp.kaiser(4, v[0] + 1))

    batched = tree_leaves(ft.vmap(f)(x))
    looped = [tree_leaves(f(row)) for row in x]
    for i, got in enumerate(batched):
        assert_same(got, np.stack([np.asarray(out[i]) for out in looped]))


@pytest.mark.slow
def test_jit_matches_eager():
    def program(a, idx):
        return (fnp.rot90(a, 3), fnp.insert(a, 1, 5.0, axis=1), fnp.delete(a, [0], axis=1),
                fnp.unravel_index(idx, (2, 3))[1], fnp.fill_diagonal(a, -1.0, inplace=False),
                fnp.choose(idx, [idx, idx * 10], mode="wrap"), fnp.kaiser(5, a[0, 1]),
                fnp.vectorize(lambda r: fnp.max(r), signature="(n)->()")(a))

    a = np.arange(6.0).reshape(2, 3) / 2
    idx = np.array([0, 5, -1])
    eager, compiled = program(a, idx), ft.jit(program)(a, idx)
    for c, e in zip(compiled, eager, strict=True):
        assert_same(c, e)


def test_traced_values_have_the_new_operators_and_methods():
    def f(x, n):
        q, r = divmod(n, 3)
        return (x.conj() + x.real + x.imag, n << 2, n >> 1, 9 >> (n % 3 + 1), q, r, divmod(7, n + 10)[1], x.copy(), x.sort(),
                np.asarray(x.nbytes + x.itemsize))

    x, n = np.array([3.0, 1.0, 2.0]), np.array([1, 2, -9])
    want = (x * 2, n << 2, n >> 1, 9 >> (n % 3 + 1), n // 3, n % 3, 7 % (n + 10), x, np.sort(x), np.asarray(32))
    for got, w in zip(traced(f, x, n), want, strict=True):  # staged: the methods run on tracers
        assert_same(got, w)


def test_array_repr_and_str_match_numpy_and_refuse_traced_values():
    x = np.array([[0.25, 1e-9], [3.0, 4.0]])
    assert fnp.array_repr(x, precision=2) == np.array_repr(x, precision=2)
    assert fnp.array_str(x, suppress_small=True) == np.array_str(x, suppress_small=True)
    with pytest.raises(ConcretizationError):
        ft.jit(lambda v: np.asarray(len(fnp.array_str(v))))(x)
