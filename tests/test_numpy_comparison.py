"""isclose, allclose, array_equal, array_equiv against NumPy, including infinities, NaNs,
broadcasting and mismatched shapes; they also work traced."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp

special = st.sampled_from([0.0, 1.0, 1.0 + 1e-6, 1.0 + 1e-4, -1.0, 1e-9, np.inf, -np.inf, np.nan])


def _same(actual, expected):
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (actual, expected)
    np.testing.assert_array_equal(actual, expected)


@settings(max_examples=50, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data(), st.booleans(),
       st.sampled_from([(1e-5, 1e-8), (0.0, 0.0), (1e-3, 0.0), (0.0, 1e-3)]))
def test_isclose_and_allclose_equal_numpy(shapes, data, equal_nan, tolerances):
    a = data.draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=special))
    b = data.draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=special))
    rtol, atol = tolerances
    _same(fnp.isclose(a, b, rtol, atol, equal_nan), np.isclose(a, b, rtol, atol, equal_nan))
    _same(fnp.allclose(a, b, rtol, atol, equal_nan), np.asarray(np.allclose(a, b, rtol, atol, equal_nan)))


def test_isclose_of_integers_and_mixed_dtypes():
    _same(fnp.isclose(np.array([1, 2]), np.array([1, 3])), np.isclose(np.array([1, 2]), np.array([1, 3])))
    _same(fnp.isclose(np.array([1, 2]), np.array([1.0, 2.0 + 1e-9])), np.isclose(np.array([1, 2]), np.array([1.0, 2.0 + 1e-9])))
    _same(fnp.isclose(np.float32(1.0), 1.0 + 1e-7), np.isclose(np.float32(1.0), 1.0 + 1e-7))


@pytest.mark.parametrize("a, b", [(np.array([1, 2]), np.array([1.0, 2.0])), (np.ones(2), np.ones(3)),
                                  (np.array([np.nan, 1.0]), np.array([np.nan, 1.0])), (np.ones((2, 1)), np.ones(2)),
                                  (np.array([[1, 2], [1, 2]]), np.array([1, 2])), (np.zeros(0), np.zeros(0)),
                                  (np.array(3), np.array([3, 3]))])
def test_array_equal_and_array_equiv_equal_numpy(a, b):
    for equal_nan in (False, True):
        _same(fnp.array_equal(a, b, equal_nan), np.asarray(np.array_equal(a, b, equal_nan)))
    _same(fnp.array_equiv(a, b), np.asarray(np.array_equiv(a, b)))


def test_comparisons_inside_vmap_equal_a_loop():
    a = np.array([[1.0, 2.0], [1.0, np.nan], [3.0, 4.0]])
    b = np.array([1.0, 2.0 + 1e-9])
    f = lambda r: (fnp.isclose(r, b), fnp.allclose(r, b), fnp.array_equal(r, b), fnp.array_equiv(r, b))  # noqa: E731
    batched = ft.vmap(f)(a)
    loop = [np.stack(col) for col in zip(*[f(r) for r in a])]
    for x, y in zip(batched, loop):
        _same(x, y)
