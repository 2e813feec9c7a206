"""kron and cross against NumPy over shapes; their derivatives and vmap."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), elements=st.integers(-3, 3)),
       hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), elements=st.integers(-3, 3)))
def test_kron_equals_numpy(a, b):
    out = fnp.kron(a, b)
    expected = np.kron(a, b)
    assert isinstance(out, np.ndarray) and out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("shape_a, shape_b, kwargs", [
    ((3,), (3,), {}), ((4, 3), (3,), {}), ((2, 1, 3), (5, 3), {}), ((3, 4), (3, 4), {"axis": 0}),
    ((3, 5), (5, 3), {"axisa": 0}), ((3, 5), (5, 3), {"axisa": 0, "axisc": 0}), ((2, 4), (3, 4), {"axisa": 0, "axisb": 0}),
    ((4, 2), (4, 2), {}), ((4, 2), (4, 3), {}), ((2,), (3,), {}),
])
def test_cross_equals_numpy(shape_a, shape_b, kwargs):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy 2 deprecates 2-vectors
        expected = np.cross(a, b, **kwargs)
    out = fnp.cross(a, b, **kwargs)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_cross_rejects_other_vector_lengths():
    with pytest.raises(ValueError, match="2 or 3"):
        fnp.cross(np.ones(4), np.ones(3))


def test_kron_and_cross_gradients_and_vmap():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    check_grads(fnp.kron, (a, b), order=2, modes=("fwd", "rev"))
    check_grads(fnp.cross, (a, rng.normal(size=(2, 3))), order=2, modes=("fwd", "rev"))
    batched = ft.vmap(fnp.cross)(a, b.T)
    np.testing.assert_allclose(batched, np.cross(a, b.T))
    batched = ft.vmap(fnp.kron, in_axes=(0, None))(a, b)
    np.testing.assert_allclose(batched, np.stack([np.kron(r, b) for r in a]))
