"""Data-dependent sizes: nonzero, argwhere, flatnonzero, extract, compress, unique (and the
array-API variants), intersect1d, union1d, setdiff1d, setxor1d, isin. NumPy's results
eagerly; with size= the same results cut or padded (JAX's fill values), also under vmap;
without size= inside a transformation, a ConcretizationError saying to pass size=."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import ConcretizationError

small_ints = hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5), elements=st.integers(-2, 3))
floats_with_nan = hnp.arrays(np.float64, st.integers(0, 8), elements=st.sampled_from([-1.0, 0.0, 2.0, np.nan]))


def _same(actual, expected):
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual, expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_array_equal(actual, expected)


def _pad(values, size, fill):
    out = np.full((size,) + values.shape[1:], fill, values.dtype)
    out[: min(size, len(values))] = values[:size]
    return out


@settings(max_examples=40, deadline=None)
@given(small_ints)
def test_nonzero_family_equals_numpy(x):
    for a, b in zip(fnp.nonzero(x), np.nonzero(x)):
        _same(a, b)
    _same(fnp.argwhere(x), np.argwhere(x))
    _same(fnp.flatnonzero(x), np.flatnonzero(x))
    _same(fnp.extract(x > 0, x), np.extract(x > 0, x))


@settings(max_examples=30, deadline=None)
@given(small_ints, st.integers(0, 7), st.integers(-5, 5))
def test_nonzero_with_size_pads_or_cuts_numpys_result(x, size, fill):
    for a, b in zip(fnp.nonzero(x, size=size, fill_value=fill), np.nonzero(x)):
        _same(a, _pad(b, size, fill))
    _same(fnp.flatnonzero(x, size=size), _pad(np.flatnonzero(x), size, 0))
    _same(fnp.extract(x != 1, x, size=size, fill_value=fill), _pad(np.extract(x != 1, x), size, fill))


def test_argwhere_of_0d_and_compress_along_axes():
    _same(fnp.argwhere(np.array(3)), np.argwhere(np.array(3)))
    _same(fnp.argwhere(np.array(0)), np.argwhere(np.array(0)))
    x = np.arange(12).reshape(3, 4)
    for axis in [None, 0, 1, -1]:
        cond = np.array([True, False, True])
        _same(fnp.compress(cond, x, axis), np.compress(cond, x, axis))
    _same(fnp.compress([False, True], x, axis=1, size=3, fill_value=-1),
          np.array([[1, -1, -1], [5, -1, -1], [9, -1, -1]]))
    with pytest.raises(ValueError, match="longer"):
        fnp.compress(np.ones(5, bool), x, axis=0)
    with pytest.raises(ValueError, match="0-d"):
        fnp.nonzero(np.array(1))


@settings(max_examples=40, deadline=None)
@given(small_ints)
def test_unique_and_its_extra_results_equal_numpy(x):
    expected = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for a, b in zip(fnp.unique(x, return_index=True, return_inverse=True, return_counts=True), expected):
        _same(a, b)
    if x.ndim >= 1 and x.size:
        axis = x.ndim - 1
        expected = np.unique(x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
        for a, b in zip(fnp.unique(x, True, True, True, axis=axis), expected):
            _same(a, b)


@settings(max_examples=30, deadline=None)
@given(floats_with_nan, st.booleans())
def test_unique_collapses_nans_unless_equal_nan_is_false(x, equal_nan):
    _same(fnp.unique(x, equal_nan=equal_nan), np.unique(x, equal_nan=equal_nan))
    for a, b in zip(fnp.unique_all(x), np.unique_all(x)):
        _same(a, b)
    for a, b in zip(fnp.unique_counts(x), np.unique_counts(x)):
        _same(a, b)
    for a, b in zip(fnp.unique_inverse(x), np.unique_inverse(x)):
        _same(a, b)
    _same(fnp.unique_values(x), np.unique_values(x))


def test_unique_with_size_pads_like_jax():
    x = np.array([3, 1, 3, 2, 1])
    values, index, inverse, counts = fnp.unique(x, True, True, True, size=5)
    _same(values, [1, 2, 3, 1, 1])  # padded with the smallest value
    _same(index, [1, 3, 0, 1, 1])
    _same(inverse, [2, 0, 2, 1, 0])
    _same(counts, [2, 1, 2, 0, 0])
    _same(fnp.unique(x, size=2), [1, 2])
    _same(fnp.unique(x, size=4, fill_value=-7), [1, 2, 3, -7])


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 7), elements=st.integers(-2, 4)),
       hnp.arrays(np.int64, st.integers(0, 7), elements=st.integers(-2, 4)))
def test_set_operations_equal_numpy(a, b):
    _same(fnp.union1d(a, b), np.union1d(a, b))
    _same(fnp.setdiff1d(a, b), np.setdiff1d(a, b))
    _same(fnp.setxor1d(a, b), np.setxor1d(a, b))
    _same(fnp.intersect1d(a, b), np.intersect1d(a, b))
    for got, expected in zip(fnp.intersect1d(a, b, return_indices=True), np.intersect1d(a, b, return_indices=True)):
        _same(got, expected)
    for method in ["compare_all", "binary_search", "sort", "auto"]:
        _same(fnp.isin(a, b, method=method), np.isin(a, b))
        _same(fnp.isin(a, b, invert=True, method=method), np.isin(a, b, invert=True))


def test_isin_keeps_the_element_shape_and_nan_is_in_nothing():
    x = np.array([[1.0, np.nan], [3.0, 0.0]])
    _same(fnp.isin(x, [0.0, np.nan, 3.0]), np.isin(x, [0.0, np.nan, 3.0]))
    with pytest.raises(ValueError, match="method"):
        fnp.isin(x, x, method="magic")


def test_set_operations_with_size_pad_like_jax():
    x = np.array([3, 1, 3, 2, 1])
    _same(fnp.setdiff1d(x, np.array([1]), size=4), [2, 3, 0, 0])
    _same(fnp.setxor1d(x, np.array([1, 7]), size=5), [2, 3, 7, 2, 2])
    _same(fnp.union1d(x, np.array([9]), size=7), [1, 2, 3, 9, 1, 1, 1])
    values, i1, i2 = fnp.intersect1d(x, np.array([1, 3, 9]), size=4, return_indices=True)
    _same(values, [1, 3, 1, 1])
    _same(i1, [1, 0, 5, 5])
    _same(i2, [0, 1, 3, 3])


def test_without_size_inside_jit_or_vmap_the_error_says_to_pass_size():
    x = np.array([0, 2, 0, 3])
    for f in [fnp.nonzero, fnp.unique, fnp.argwhere, fnp.flatnonzero, lambda x: fnp.setdiff1d(x, x[:1]),
              lambda x: fnp.extract(x > 0, x)]:
        with pytest.raises(ConcretizationError, match="size="):
            ft.vmap(f)(np.stack([x, x]))
        with pytest.raises(ConcretizationError, match="size="):
            ft.make_jaxpr(f)(x)


def test_vmap_with_size_equals_a_loop():
    x = np.array([[0, 2, 0, 3, 2], [1, 1, 0, 0, 5], [4, 4, 4, 4, 4]])

    def f(row):
        return (fnp.nonzero(row, size=3, fill_value=-1)[0], fnp.unique(row, return_counts=True, size=3),
                fnp.setdiff1d(row, np.array([0, 4]), size=3), fnp.intersect1d(row, np.array([2, 4, 5]), size=2),
                fnp.isin(row, np.array([2, 5])), fnp.extract(row > 1, row, size=4))

    def flat(out):
        return [leaf for item in out for leaf in (item if isinstance(item, tuple) else (item,))]

    batched = flat(ft.vmap(f)(x))
    loop = [np.stack(col) for col in zip(*[flat(f(r)) for r in x])]
    for b, l in zip(batched, loop):
        _same(b, l)


def test_values_picked_by_a_mask_carry_gradients():
    x = np.array([1.0, -2.0, 3.0, 0.5])
    grad = ft.grad(lambda x: fnp.sum(fnp.extract(x > 0.7, x) ** 2))(x)
    np.testing.assert_allclose(grad, [2.0, 0.0, 6.0, 0.0])
    grad = ft.grad(lambda x: fnp.sum(fnp.unique(x, size=3, fill_value=0.0) * np.array([1.0, 2.0, 3.0])))(x)
    np.testing.assert_allclose(grad, [3.0, 1.0, 0.0, 2.0])  # sorted: x[1], x[3], x[0]


@pytest.mark.slow  # one Numba compile
def test_jit_set_operations_with_size_equal_eager():
    x = np.array([3.0, 1.0, 3.0, np.nan, 2.0, 1.0])
    y = np.array([1.0, 7.0, 2.0])

    def f(x, y):
        return (fnp.unique(x, return_inverse=True, size=5), fnp.nonzero(x > 1.5, size=4), fnp.union1d(x, y, size=6),
                fnp.isin(x, y), fnp.setxor1d(x, y, size=4))

    def flat(out):
        return [leaf for item in out for leaf in (item if isinstance(item, tuple) else (item,))]

    for jitted, eager in zip(flat(ft.jit(f)(x, y)), flat(f(x, y))):
        _same(jitted, eager)
