"""diff, ediff1d, gradient, trapezoid, interp, convolve, correlate, unwrap, cumulative_sum and
cumulative_prod: NumPy's values (hypothesis over shapes), derivatives, vmap."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads

finite = st.floats(-10, 10, allow_nan=False, width=64)


def _close(actual, expected, **kw):
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (actual.shape, actual.dtype, expected.shape, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10, **kw)


@st.composite
def array_and_axis(draw, min_side=0, dtype=np.float64):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=5))
    x = draw(hnp.arrays(dtype, shape, elements=finite if dtype == np.float64 else st.integers(-5, 5)))
    if draw(st.booleans()) and x.ndim > 1:
        x = x.T  # not C-contiguous
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@settings(max_examples=40, deadline=None)
@given(array_and_axis(), st.integers(0, 3))
def test_diff_equals_numpy(case, n):
    x, axis = case
    _close(fnp.diff(x, n, axis), np.diff(x, n, axis))
    block = np.full(tuple(2 if d == axis % x.ndim else s for d, s in enumerate(x.shape)), 2.0)
    _close(fnp.diff(x, n, axis, prepend=1.5, append=block), np.diff(x, n, axis, prepend=1.5, append=block))


def test_diff_of_integers_and_booleans_and_its_errors():
    _close(fnp.diff(np.array([1, 4, 9, 16]), 2), np.diff(np.array([1, 4, 9, 16]), 2))
    b = np.array([True, True, False, True])
    _close(fnp.diff(b), np.diff(b))
    with pytest.raises(ValueError, match="non-negative"):
        fnp.diff(np.ones(3), -1)
    with pytest.raises(ValueError, match="one dimensional"):
        fnp.diff(np.array(1.0))


def test_ediff1d_equals_numpy():
    x = np.array([[1, 2], [4, 7]])
    _close(fnp.ediff1d(x), np.ediff1d(x))
    _close(fnp.ediff1d(x, to_end=[9, 8], to_begin=-1), np.ediff1d(x, to_end=[9, 8], to_begin=-1))


@settings(max_examples=30, deadline=None)
@given(array_and_axis(min_side=3), st.sampled_from([1, 2]), st.booleans())
def test_gradient_equals_numpy_with_uniform_and_coordinate_spacing(case, edge_order, coordinates):
    f, axis = case
    if coordinates:
        h = np.cumsum(np.linspace(0.5, 1.5, f.shape[axis]))
    else:
        h = 0.7
    _close(fnp.gradient(f, h, axis=axis, edge_order=edge_order), np.gradient(f, h, axis=axis, edge_order=edge_order))
    got, expected = fnp.gradient(f, edge_order=edge_order), np.gradient(f, edge_order=edge_order)
    for a, b in zip(got if isinstance(got, list) else [got], expected if isinstance(expected, tuple) else [expected]):
        _close(a, b)


def test_gradient_errors_name_the_problem():
    with pytest.raises(ValueError, match="edge_order"):
        fnp.gradient(np.ones(4), edge_order=3)
    with pytest.raises(ValueError, match="points"):
        fnp.gradient(np.ones(2), edge_order=2)
    with pytest.raises(TypeError, match="spacings"):
        fnp.gradient(np.ones((3, 3)), 1.0, 2.0, 3.0)


@settings(max_examples=30, deadline=None)
@given(array_and_axis(min_side=0))
def test_trapezoid_equals_numpy(case):
    y, axis = case
    _close(fnp.trapezoid(y, axis=axis), np.trapezoid(y, axis=axis))
    _close(fnp.trapezoid(y, dx=0.25, axis=axis), np.trapezoid(y, dx=0.25, axis=axis))
    x = np.cumsum(np.arange(1.0, y.shape[axis] + 1))
    _close(fnp.trapezoid(y, x, axis=axis), np.trapezoid(y, x, axis=axis))


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=finite, unique=True),
       hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=5), elements=st.floats(-15, 15, width=64)))
def test_interp_equals_numpy(xp, x):
    xp = np.sort(xp)
    fp = np.sin(xp) * 3
    _close(fnp.interp(x, xp, fp), np.interp(x, xp, fp))
    _close(fnp.interp(x, xp, fp, left=-1.0, right=7.0), np.interp(x, xp, fp, left=-1.0, right=7.0))
    _close(fnp.interp(x, xp, fp, period=4.0), np.interp(x, xp, fp, period=4.0))


def test_interp_extrapolates_like_jax():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    _close(fnp.interp(np.array([-1.0, 5.0]), xp, fp, left="extrapolate", right="extrapolate"), [-2.0, 4.0])
    with pytest.raises(ValueError, match="same length"):
        fnp.interp(1.0, xp, fp[:2])


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 7), elements=finite), hnp.arrays(np.float64, st.integers(1, 7), elements=finite),
       st.sampled_from(["full", "same", "valid"]))
def test_convolve_and_correlate_equal_numpy_for_every_length_order(a, v, mode):
    _close(fnp.convolve(a, v, mode), np.convolve(a, v, mode))
    _close(fnp.correlate(a, v, mode), np.correlate(a, v, mode))


def test_convolve_of_integers_and_its_errors():
    a, v = np.array([1, 2, 3]), np.array([0, 1])
    _close(fnp.convolve(a, v), np.convolve(a, v))
    _close(fnp.correlate(a, v, "full", preferred_element_type=np.float32), np.correlate(a, v, "full").astype(np.float32))
    with pytest.raises(ValueError, match="mode"):
        fnp.convolve(a, v, "circular")
    with pytest.raises(ValueError, match="empty"):
        fnp.convolve(a, np.array([], np.int64))
    with pytest.raises(ValueError, match="1-d"):
        fnp.correlate(np.ones((2, 2)), v)


@settings(max_examples=30, deadline=None)
@given(array_and_axis(min_side=0), st.sampled_from([None, 1.0, 4.0]), st.sampled_from([2 * np.pi, 5.0]))
def test_unwrap_equals_numpy(case, discont, period):
    p, axis = case
    p = p * 2
    _close(fnp.unwrap(p, discont, axis, period=period), np.unwrap(p, discont, axis, period=period))


@settings(max_examples=30, deadline=None)
@given(array_and_axis(min_side=0, dtype=np.int64), st.booleans())
def test_cumulative_sum_and_prod_equal_numpy(case, include_initial):
    x, axis = case
    _close(fnp.cumulative_sum(x, axis=axis, include_initial=include_initial),
           np.cumulative_sum(x, axis=axis, include_initial=include_initial))
    _close(fnp.cumulative_prod(x, axis=axis, dtype=np.float64, include_initial=include_initial),
           np.cumulative_prod(x, axis=axis, dtype=np.float64, include_initial=include_initial))
    if x.ndim > 1:
        with pytest.raises(ValueError, match="axis"):
            fnp.cumulative_sum(x)


def test_calculus_gradients_by_finite_differences():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(3, 6))
    xp = np.array([0.0, 0.5, 1.5, 2.0, 3.5])
    fp = rng.normal(size=5)
    x = np.array([-0.3, 0.2, 0.9, 1.7, 3.0, 4.2])
    check_grads(lambda y: fnp.diff(y, 2, axis=1), (y,), order=2, modes=("fwd", "rev"))
    check_grads(lambda y: fnp.gradient(y, np.cumsum(np.arange(1.0, 7.0)), axis=1, edge_order=2), (y,), order=2, modes=("fwd", "rev"))
    check_grads(lambda y: fnp.trapezoid(y, dx=0.3), (y,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, fp: fnp.interp(x, xp, fp), (x, fp), order=2, modes=("fwd", "rev"))
    check_grads(lambda a, v: fnp.convolve(a, v, "same"), (y[0], y[1, :3]), order=2, modes=("fwd", "rev"))
    check_grads(lambda a, v: fnp.correlate(a, v, "full"), (y[0, :2], y[1]), order=2, modes=("fwd", "rev"))
    check_grads(lambda p: fnp.unwrap(p * 3), (y,), order=2, modes=("fwd", "rev"))
    check_grads(lambda y: fnp.cumulative_prod(y, axis=1, include_initial=True), (y,), order=2, modes=("fwd", "rev"))


def test_vmap_of_calculus_equals_a_loop():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(4, 7))
    xp = np.linspace(0.0, 1.0, 7)

    def f(row):
        return (fnp.diff(row, prepend=0.0), fnp.gradient(row, 0.5), fnp.trapezoid(row, xp), fnp.interp(row, xp, row ** 2),
                fnp.convolve(row, np.array([1.0, -1.0, 0.5]), "same"), fnp.correlate(row, row[:3]), fnp.unwrap(row * 4),
                fnp.cumulative_sum(row, include_initial=True))

    batched = ft.vmap(f)(y)
    loop = [np.stack(col) for col in zip(*[f(r) for r in y])]
    for b, l in zip(batched, loop):
        np.testing.assert_allclose(b, l, rtol=1e-12, atol=1e-12)


def test_float32_inputs_stay_float32_with_python_scalar_spacings():
    x = np.linspace(0.0, 1.0, 7, dtype=np.float32)
    for got, expected in [(fnp.gradient(x), np.gradient(x)), (fnp.gradient(x, 0.5, edge_order=2), np.gradient(x, 0.5, edge_order=2)),
                          (fnp.gradient(x, np.arange(7.0)), np.gradient(x, np.arange(7.0))), (fnp.trapezoid(x, dx=0.1), np.trapezoid(x, dx=0.1)),
                          (fnp.unwrap(x * 9), np.unwrap(x * 9))]:
        assert got.dtype == expected.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # NumPy's interp always computes in float64; JAX's (and functrans's) keeps float32.
    assert fnp.interp(x, x, x).dtype == np.float32
