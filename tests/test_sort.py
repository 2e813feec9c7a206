"""sort / argsort: NumPy's results (stable, NaNs last) eagerly, under jit and vmap, and
sort's derivative (each tangent moves with its value)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.lax.sort import argsort as lax_argsort
from functrans.test_util import check_grads

# Small integers make ties (stability) and repeated values common; NaNs test the order.
_values = st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.5, np.nan, np.inf, -np.inf])


@st.composite
def array_and_axis(draw, dtype=np.float64):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    elements = _values if dtype == np.float64 else st.integers(-3, 3)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    axis = draw(st.integers(-len(shape), len(shape) - 1) | st.none())
    return x, axis


def _assert_same(actual, expected):
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)


@settings(max_examples=25, deadline=None)
@given(array_and_axis())
def test_sort_and_argsort_equal_numpy_stable_with_nans_last(case):
    x, axis = case
    _assert_same(fnp.sort(x, axis), np.sort(x, axis))
    _assert_same(fnp.argsort(x, axis), np.argsort(x, axis, kind="stable"))


@settings(max_examples=15, deadline=None)
@given(array_and_axis(np.int32))
def test_integer_sort_and_argsort_equal_numpy(case):
    x, axis = case
    _assert_same(fnp.sort(x, axis), np.sort(x, axis))
    _assert_same(fnp.argsort(x, axis), np.argsort(x, axis, kind="stable"))


@pytest.mark.slow
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_jit_sort_equals_numpy_along_every_axis(axis):
    x = np.random.default_rng(0).integers(-3, 4, size=(3, 4, 5)).astype(np.float64)
    x[0, 1, 2] = np.nan
    sorted_x, order = ft.jit(lambda x: (fnp.sort(x, axis), fnp.argsort(x, axis)))(x)
    _assert_same(sorted_x, np.sort(x, axis))
    _assert_same(order, np.argsort(x, axis, kind="stable"))


@pytest.mark.slow
def test_jit_argsort_of_int32_with_int32_indices_equals_numpy():
    x = np.array([[3, 1, 3, 0], [2, 2, 1, 9]], np.int32)
    out = ft.jit(lambda x: lax_argsort(x, 1, np.int32))(x)
    _assert_same(out, np.argsort(x, 1, kind="stable").astype(np.int32))


@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_vmap_of_sort_equals_a_loop(in_axis):
    x = np.random.default_rng(1).normal(size=(3, 4, 5))
    f = lambda a: (fnp.sort(a, 0), fnp.argsort(a, -1))  # noqa: E731
    batched = ft.vmap(f, in_axes=in_axis)(x)
    loop = [np.stack(col) for col in zip(*[f(np.take(x, i, in_axis)) for i in range(x.shape[in_axis])])]
    for b, l in zip(batched, loop):
        _assert_same(b, l)


def test_sort_gradient_sends_each_cotangent_to_the_value_it_sorted():
    x = np.array([3.0, 1.0, 2.0])
    weights = np.array([10.0, 20.0, 30.0])
    grad = ft.grad(lambda x: fnp.sum(fnp.sort(x) * weights))(x)
    # sorted order is x[1], x[2], x[0]: x[1] gets weight 10, x[2] 20, x[0] 30.
    np.testing.assert_array_equal(grad, [30.0, 10.0, 20.0])


def test_sort_derivatives_match_finite_differences_to_second_order():
    x = np.random.default_rng(2).normal(size=(3, 4))  # distinct values: sort is smooth here
    check_grads(lambda x: fnp.sort(x, 0) ** 3, (x,), order=2)
    check_grads(lambda x: fnp.sort(x, -1) * fnp.arange(4.0), (x,), order=2)


def test_argsort_has_zero_derivative_and_integer_output():
    x = np.array([0.5, -1.0])
    assert ft.grad(lambda x: fnp.sum(fnp.argsort(x) * x))(x).tolist() == [1.0, 0.0]


def test_sort_of_a_0d_array_along_an_axis_is_an_error():
    with pytest.raises(ValueError, match="0-d"):
        fnp.sort(np.float64(1.0), axis=0)
    _assert_same(fnp.sort(np.array(1.0), axis=None), np.array([1.0]))
