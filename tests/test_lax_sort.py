"""Multi-operand sort (num_keys), sort_key_val, top_k and approx_max_k / approx_min_k:
NumPy's lexsort / argsort results, JAX's tie and NaN conventions, derivatives, vmap, jit."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
from functrans import lax
from functrans.test_util import check_grads

_small = st.integers(-2, 2)


@st.composite
def keyed_operands(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    keys = [draw(hnp.arrays(np.int32, shape, elements=_small)) for _ in range(draw(st.integers(1, 3)))]
    values = draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return keys, values, axis


@settings(max_examples=40, deadline=None)
@given(keyed_operands(), st.data())
def test_sort_by_num_keys_equals_numpy_lexsort(case, data):
    keys, values, axis = case
    num_keys = data.draw(st.integers(1, len(keys)))
    out = lax.sort(tuple(keys) + (values,), dimension=axis, num_keys=num_keys)
    # np.lexsort sorts by its last key first, stably.
    moved = [np.moveaxis(k, axis, -1) for k in keys[:num_keys]]
    order = np.lexsort(moved[::-1], axis=-1) if moved[0].size else np.zeros(moved[0].shape, np.int64)
    for got, x in zip(out, list(keys) + [values]):
        expected = np.moveaxis(np.take_along_axis(np.moveaxis(x, axis, -1), order, -1), -1, axis)
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == x.dtype


def test_sort_key_val_and_its_derivative_move_values_with_keys():
    keys, values = np.array([3.0, 1.0, 2.0, 1.0]), np.array([30.0, 10.0, 20.0, 11.0])
    k, v = lax.sort_key_val(keys, values)
    np.testing.assert_array_equal(k, [1.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v, [10.0, 11.0, 20.0, 30.0])
    check_grads(lambda k, v: lax.sort_key_val(k, v), (keys + np.array([0, 0.1, 0, 0]), values), order=2)
    _, tangents = ft.jvp(lambda k, v: lax.sort_key_val(k, v), (keys, values), (np.arange(4.0), 10 * np.arange(4.0)))
    np.testing.assert_array_equal(tangents[0], [1.0, 3.0, 2.0, 0.0])
    np.testing.assert_array_equal(tangents[1], [10.0, 30.0, 20.0, 0.0])


def test_sort_keys_with_nans_go_last():
    keys = np.array([np.nan, 1.0, -np.inf, 1.0])
    k, v = lax.sort((keys, np.arange(4)), num_keys=1)
    np.testing.assert_array_equal(k, [-np.inf, 1.0, 1.0, np.nan])
    np.testing.assert_array_equal(v, [2, 1, 3, 0])


def test_sort_errors_as_jax():
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort((np.ones(3), np.ones(3)), num_keys=3)
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort(np.ones(3), num_keys=2)
    with pytest.raises(TypeError, match="equal shapes"):
        lax.sort((np.ones(3), np.ones(4)))
    assert isinstance(lax.sort([np.array([2, 1])]), tuple)


def _reference_top_k(x, k):
    """Descending with NaN largest, 0.0 above -0.0, ties by lower index: a stable sort by rank."""
    def rank(v):
        if x.dtype.kind != "f":
            return (1, -int(v), False)
        return (0, 0.0, False) if np.isnan(v) else (1, -float(v), bool(np.signbit(v)))
    idx = np.zeros(x.shape[:-1] + (k,), np.int32)
    for row in np.ndindex(*x.shape[:-1]):
        idx[row] = sorted(range(x.shape[-1]), key=lambda i: rank(x[row][i]))[:k]
    return np.take_along_axis(x, idx, -1), idx


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(st.sampled_from([np.float64, np.float32, np.int32, np.uint8, np.int64]),
                  hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6),
                  elements=st.integers(0, 3)), st.data())
def test_top_k_equals_a_stable_descending_sort(x, data):
    if x.dtype.kind == "f" and x.size:
        flat = x.reshape(-1)
        flat[data.draw(st.integers(0, x.size - 1))] = data.draw(st.sampled_from([np.nan, -0.0, np.inf, -np.inf]))
    k = data.draw(st.integers(0, x.shape[-1]))
    values, indices = lax.top_k(x, k)
    want_values, want_indices = _reference_top_k(x, k)
    assert indices.dtype == np.int32 and values.dtype == x.dtype
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_array_equal(values, want_values)
    low_values, low_indices = lax.approx_min_k(x, k) if x.dtype.kind != "u" else (None, None)
    if low_values is not None and x.dtype.kind != "f":
        order = np.argsort(x, -1, kind="stable")[..., :k]
        np.testing.assert_array_equal(low_indices, order)
    big_values, big_indices = lax.approx_max_k(x, k)
    np.testing.assert_array_equal(big_indices, want_indices)


def test_top_k_along_another_axis_and_errors():
    x = np.array([[1, 5], [5, 2], [0, 9]])
    values, indices = lax.top_k(x, 2, axis=0)
    np.testing.assert_array_equal(values, [[5, 9], [1, 5]])
    np.testing.assert_array_equal(indices, [[1, 2], [0, 0]])
    with pytest.raises(ValueError, match="no larger than"):
        lax.top_k(np.ones(3), 4)
    with pytest.raises(ValueError, match="nonnegative"):
        lax.top_k(np.ones(3), -1)
    with pytest.raises(ValueError, match="out of bounds for array of dimension 0"):
        lax.top_k(np.float64(1.0), 1)
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        lax.top_k(np.ones((2, 3)), 1, axis=2)
    for bad in (2, -3):
        with pytest.raises(ValueError, match=f"axis {bad} is out of bounds"):
            lax.sort(np.ones((2, 3)), dimension=bad)
        with pytest.raises(ValueError, match=f"axis {bad} is out of bounds"):
            lax.sort((np.ones((2, 3)), np.ones((2, 3))), dimension=bad)


@pytest.mark.slow  # JAX compiles each call
def test_top_k_equals_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array([[1.0, np.nan, 3.0, -0.0, 0.0, 3.0], [2.0, 2.0, -np.inf, np.inf, 1.0, -np.nan]])  # -nan: the smallest
    for k in (0, 3, 6):
        for got, want in zip(lax.top_k(x, k), jax.lax.top_k(x, k)):
            np.testing.assert_array_equal(got, want)
    # JAX's approximate versions may miss entries (recall < 1); on distinct values they find them all.
    distinct = np.array([[1.0, -3.0, 3.0, 0.5, 0.0, 2.0], [2.5, 2.0, -np.inf, np.inf, 1.0, 0.0]])
    for ours, theirs in ((lax.approx_max_k, jax.lax.approx_max_k), (lax.approx_min_k, jax.lax.approx_min_k)):
        for got, want in zip(ours(distinct, 2), theirs(distinct, 2)):
            np.testing.assert_array_equal(got, want)
    keys = np.array([[1, 0, 1, 0]])
    for got, want in zip(lax.sort((keys, 2 * keys + 1, -keys), num_keys=2), jax.lax.sort((keys, 2 * keys + 1, -keys), num_keys=2)):
        np.testing.assert_array_equal(got, want)


def test_top_k_derivative_is_the_tangent_at_the_chosen_indices():
    x = np.array([[1.0, 3.0, 2.5, 2.0], [0.5, -1.0, 4.0, 0.0]])
    check_grads(lambda x: lax.top_k(x, 2)[0], (x,), order=2)
    grad = ft.grad(lambda x: lax.top_k(x, 2)[0].sum())(np.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_array_equal(grad, [0.0, 1.0, 1.0, 0.0])


@pytest.mark.slow
def test_vmap_and_jit_of_sorting_functions_equal_eager():
    rng = np.random.default_rng(0)
    x, keys = rng.normal(size=(4, 6)), rng.integers(0, 3, (4, 6))

    def program(x, keys):
        values, indices = lax.top_k(x, 3)
        return values, indices, lax.sort((keys, x), num_keys=1), lax.sort_key_val(keys, x), lax.approx_min_k(x, 2)

    eager = program(x, keys)
    leaves = ft.tree_util.tree_leaves
    for got, want in zip(leaves(ft.jit(program)(x, keys)), leaves(eager)):
        np.testing.assert_array_equal(got, want)
    looped = [program(a, b) for a, b in zip(x, keys)]
    batched = ft.vmap(program)(x, keys)
    for i, got in enumerate(leaves(batched)):
        np.testing.assert_array_equal(got, np.stack([leaves(r)[i] for r in looped]))
