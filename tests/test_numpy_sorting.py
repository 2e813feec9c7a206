"""sort/argsort (descending, stable), lexsort, partition, argpartition, searchsorted: NumPy's
results (and JAX's layout where NumPy leaves it open), under vmap and grad."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads

_values = st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.5, np.nan, np.inf, -np.inf])


@st.composite
def array_and_axis(draw, min_side=0):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=5))
    x = draw(hnp.arrays(np.float64, shape, elements=_values))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return x, axis


def _same(actual, expected):
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, (actual, expected)
    np.testing.assert_array_equal(actual, expected)


@settings(max_examples=30, deadline=None)
@given(array_and_axis())
def test_descending_sort_and_argsort_reverse_numpys_order_keeping_ties_stable(case):
    x, axis = case
    _same(fnp.sort(x, axis, descending=True), np.flip(np.sort(x, axis), axis))
    order = fnp.argsort(x, axis, descending=True)
    # Values in descending order, and equal values (same rank) in increasing index order.
    _same(np.take_along_axis(x, order, axis), np.flip(np.sort(x, axis), axis))
    keys = np.take_along_axis(np.where(np.isnan(x), np.inf, x), order, axis)
    ties = np.diff(keys, axis=axis) == 0
    assert np.all(np.diff(order, axis=axis)[ties] > 0)


def test_argsort_dtype_and_flattened_axis():
    x = np.array([[3, 1], [2, 0]])
    _same(fnp.argsort(x, axis=None, dtype=np.int32), np.argsort(x, axis=None, kind="stable").astype(np.int32))
    _same(fnp.sort(x, axis=None), np.sort(x, axis=None))


def test_sort_rejects_structured_order_and_unknown_kind():
    with pytest.raises(TypeError, match="order"):
        fnp.sort(np.ones(3), order="x")
    with pytest.raises(ValueError, match="kind"):
        fnp.argsort(np.ones(3), kind="bogo")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=6), st.data())
def test_lexsort_equals_numpy(nkeys, shape, data):
    keys = [data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-2, 2))) for _ in range(nkeys)]
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    _same(fnp.lexsort(keys, axis=axis), np.lexsort(keys, axis=axis))
    _same(fnp.lexsort(np.stack(keys), axis=axis), np.lexsort(np.stack(keys), axis=axis))


def test_lexsort_of_one_key_is_its_stable_argsort_and_a_1d_array_of_keys_is_refused():
    x = np.array([3, 1, 2, 1])
    _same(fnp.lexsort([x]), np.argsort(x, kind="stable"))
    with pytest.raises(TypeError, match="pass \\[a\\]"):
        fnp.lexsort(x)  # NumPy reads it as four 0-d keys


def test_lexsort_rejects_keys_of_different_shapes():
    with pytest.raises(ValueError, match="same shape"):
        fnp.lexsort([np.ones(3), np.ones(4)])


@settings(max_examples=30, deadline=None)
@given(array_and_axis(min_side=1), st.data())
def test_partition_puts_the_kth_value_in_place_with_smaller_before_and_larger_after(case, data):
    x, axis = case
    n = x.shape[axis]
    kth = data.draw(st.integers(-n, n - 1))
    expected_kth = np.take(np.sort(x, axis), [kth], axis)
    for out in (fnp.partition(x, kth, axis), np.take_along_axis(x, fnp.argpartition(x, kth, axis), axis)):
        assert out.shape == x.shape
        pivot = np.take(out, [kth], axis)
        np.testing.assert_array_equal(pivot, expected_kth)
        k = kth % n
        before, after = np.take(out, np.arange(k), axis), np.take(out, np.arange(k + 1, n), axis)
        with np.errstate(invalid="ignore"):
            assert np.all((before <= pivot) | np.isnan(pivot))
            assert np.all((after >= pivot) | np.isnan(after))
        # Same multiset of values.
        np.testing.assert_array_equal(np.sort(out, axis), np.sort(x, axis))


@pytest.mark.slow  # imports jax
def test_argpartition_uses_jaxs_layout():
    x = np.array([5, 1, 4, 2, 3, 1])
    jnp = pytest.importorskip("jax.numpy")
    np.testing.assert_array_equal(fnp.argpartition(x, 2), np.asarray(jnp.argpartition(x, 2)))
    np.testing.assert_array_equal(fnp.partition(x, 2), np.asarray(jnp.partition(x, 2)))


def test_partition_rejects_kth_out_of_range():
    with pytest.raises(ValueError, match="kth"):
        fnp.partition(np.ones(3), 3)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 8), elements=_values), hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=_values),
       st.sampled_from(["left", "right"]), st.sampled_from(["scan", "scan_unrolled", "sort", "compare_all"]))
def test_searchsorted_equals_numpy_with_nans_and_infinities(a, v, side, method):
    a = np.sort(a)
    _same(fnp.searchsorted(a, v, side=side, method=method), np.searchsorted(a, v, side=side))


def test_searchsorted_with_sorter_and_integer_inputs():
    a = np.array([30, 10, 20, 10])
    sorter = np.argsort(a, kind="stable")
    v = np.array([[0, 10], [25, 40]])
    for side in ("left", "right"):
        _same(fnp.searchsorted(a, v, side, sorter), np.searchsorted(a, v, side, sorter))


def test_searchsorted_rejects_bad_arguments():
    with pytest.raises(ValueError, match="side"):
        fnp.searchsorted(np.ones(3), 1.0, side="middle")
    with pytest.raises(ValueError, match="method"):
        fnp.searchsorted(np.ones(3), 1.0, method="guess")
    with pytest.raises(ValueError, match="1-d"):
        fnp.searchsorted(np.ones((2, 2)), 1.0)


def test_vmap_of_sorting_functions_equals_a_loop():
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(4, 6)).astype(np.float64)
    grid = np.array([-1.0, 0.0, 2.0])

    def f(row):
        return (fnp.sort(row, descending=True), fnp.argsort(row, descending=True), fnp.partition(row, 2),
                fnp.argpartition(row, 2), fnp.lexsort([row, -row]), fnp.searchsorted(fnp.sort(row), grid))

    batched = ft.vmap(f)(x)
    loop = [np.stack(col) for col in zip(*[f(r) for r in x])]
    for b, l in zip(batched, loop):
        _same(b, l)


def test_descending_sort_and_partition_gradients_by_finite_differences():
    x = np.array([0.3, -1.2, 2.5, 0.7, 1.9])
    check_grads(lambda x: fnp.sort(x, descending=True) * np.arange(5.0), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fnp.partition(x, 1) ** 2, (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.slow  # one Numba compile
def test_jit_sorting_program_equals_eager():
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, size=(3, 7)).astype(np.float64)
    x[1, 2] = np.nan
    grid = np.array([-2.0, 0.0, 0.5, 9.0])

    def f(x):
        return (fnp.sort(x, 0, descending=True), fnp.argsort(x, 1, descending=True), fnp.lexsort([x[0], x[2]]),
                fnp.searchsorted(fnp.sort(x[0]), grid, side="right"), fnp.argpartition(x, 3, axis=1))

    for jitted, eager in zip(ft.jit(f)(x), f(x)):
        _same(jitted, eager)
