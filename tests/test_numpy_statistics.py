"""quantile/percentile/median (every method), the nan-reductions, average, ptp, cov,
corrcoef, count_nonzero: NumPy's values, derivatives by finite differences, vmap."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads

METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf"]


@st.composite
def array_and_axes(draw, nans=True, min_side=1):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=min_side, max_side=4))
    elements = st.sampled_from([-2.0, -0.5, 0.0, 1.0, 3.0] + ([np.nan] if nans else []))
    x = draw(hnp.arrays(np.float64, shape, elements=elements))
    if not shape:
        return x, None
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                | st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True).map(tuple))
    return x, axis


def _close(actual, expected, **kw):
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (actual, expected)
    np.testing.assert_allclose(actual, expected, equal_nan=True, **kw)


def _numpy(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(f(*args, **kwargs))


@settings(max_examples=60, deadline=None)
@given(array_and_axes(), st.sampled_from(METHODS), st.booleans(),
       st.sampled_from([0.5, 0.0, 1.0, np.array([0.1, 0.5, 0.875]), np.array([], np.float64)]))
def test_quantile_and_nanquantile_equal_numpy(case, method, keepdims, q):
    x, axis = case
    _close(fnp.quantile(x, q, axis, method=method, keepdims=keepdims),
           _numpy(np.quantile, x, q, axis, method=method, keepdims=keepdims))
    _close(fnp.nanquantile(x, q, axis, method=method, keepdims=keepdims),
           _numpy(np.nanquantile, x, q, axis, method=method, keepdims=keepdims))


@settings(max_examples=30, deadline=None)
@given(array_and_axes(), st.booleans())
def test_median_percentile_and_their_nan_forms_equal_numpy(case, keepdims):
    x, axis = case
    _close(fnp.median(x, axis, keepdims=keepdims), _numpy(np.median, x, axis, keepdims=keepdims))
    _close(fnp.nanmedian(x, axis, keepdims=keepdims), _numpy(np.nanmedian, x, axis, keepdims=keepdims))
    q = np.array([0.0, 37.5, 100.0])
    _close(fnp.percentile(x, q, axis, keepdims=keepdims), _numpy(np.percentile, x, q, axis, keepdims=keepdims))
    _close(fnp.nanpercentile(x, q, axis, keepdims=keepdims), _numpy(np.nanpercentile, x, q, axis, keepdims=keepdims))


def test_weighted_inverted_cdf_quantile_equals_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7))
    w = rng.uniform(0.1, 2.0, size=(3, 7))
    q = np.array([0.1, 0.5, 0.9])
    _close(fnp.quantile(x, q, axis=1, method="inverted_cdf", weights=w),
           np.quantile(x, q, axis=1, method="inverted_cdf", weights=w))
    _close(fnp.quantile(x, 0.3, axis=1, method="inverted_cdf", weights=w[0]),
           np.quantile(x, 0.3, axis=1, method="inverted_cdf", weights=np.broadcast_to(w[0], x.shape)))


def test_integer_and_float32_quantiles_keep_numpys_dtypes():
    _close(fnp.median(np.array([1, 2, 3, 4])), np.median(np.array([1, 2, 3, 4])))
    x32 = np.array([1.0, 2.0, 4.0], np.float32)
    _close(fnp.quantile(x32, 0.25), np.quantile(x32, 0.25))


def test_quantile_errors_name_the_problem():
    with pytest.raises(ValueError, match="method"):
        fnp.quantile(np.ones(3), 0.5, method="hazen_but_wrong")
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        fnp.quantile(np.ones(3), 1.5)
    with pytest.raises(NotImplementedError, match="weights"):
        fnp.quantile(np.ones(3), 0.5, weights=np.ones(3))
    with pytest.raises(ValueError, match="rank"):
        fnp.quantile(np.ones(3), np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="empty"):
        fnp.median(np.ones((0, 3)), axis=0)


def test_quantile_and_median_gradients_by_finite_differences():
    x = np.array([[0.3, -1.2, 2.5, 0.7], [1.9, 0.1, -0.4, 3.3]])
    check_grads(lambda x: fnp.quantile(x, np.array([0.2, 0.7]), axis=1), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fnp.median(x, axis=0), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fnp.nanpercentile(x, 40.0), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda q: fnp.quantile(x, q), (np.array([0.3, 0.6]),), order=1, modes=("fwd", "rev"))


# --------------------------------------------------------------------------- nan-reductions


@settings(max_examples=40, deadline=None)
@given(array_and_axes(min_side=0), st.booleans())
def test_nan_reductions_equal_numpy(case, keepdims):
    x, axis = case
    for name in ["nansum", "nanprod", "nanmean", "nanvar", "nanstd"]:
        _close(getattr(fnp, name)(x, axis, keepdims=keepdims), _numpy(getattr(np, name), x, axis, keepdims=keepdims))
    if x.size and all(x.shape[a] for a in ((axis,) if isinstance(axis, int) else axis or ())):
        for name in ["nanmax", "nanmin"]:
            _close(getattr(fnp, name)(x, axis, keepdims=keepdims), _numpy(getattr(np, name), x, axis, keepdims=keepdims))
    _close(fnp.nanvar(x, axis, ddof=1), _numpy(np.nanvar, x, axis, ddof=1))


def test_nan_reductions_with_where_initial_dtype_and_mean():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, np.nan]])
    where = np.array([[True, True, False], [True, True, True]])
    for name in ["nansum", "nanprod", "nanmean", "nanvar"]:
        _close(getattr(fnp, name)(x, 1, where=where), _numpy(getattr(np, name), x, 1, where=where))
    _close(fnp.nanmax(x, 1, initial=4.5), np.nanmax(x, 1, initial=4.5))
    _close(fnp.nanmin(x, 1, initial=0.0, where=where), np.nanmin(x, 1, initial=0.0, where=where))
    _close(fnp.nansum(x, 0, initial=10.0), np.nansum(x, 0, initial=10.0))
    _close(fnp.nansum(x, dtype=np.float32), np.nansum(x, dtype=np.float32))
    mean = np.nanmean(x, 1, keepdims=True)
    _close(fnp.nanstd(x, 1, mean=mean), np.nanstd(x, 1, mean=mean))
    ints = np.array([[3, 1], [2, 7]])
    _close(fnp.nanmax(ints, 0), np.nanmax(ints, 0))
    _close(fnp.nanmean(ints), np.nanmean(ints))


def test_nanargmax_and_nanargmin_equal_numpy_and_give_minus_one_for_all_nan():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, -2.0, -2.0]])
    for name in ["nanargmax", "nanargmin"]:
        for axis in [None, 0, 1]:
            _close(getattr(fnp, name)(x, axis), getattr(np, name)(x, axis))
        _close(getattr(fnp, name)(x, 1, keepdims=True), getattr(np, name)(x, 1, keepdims=True))
    all_nan = np.array([[np.nan, 1.0], [np.nan, np.nan]])
    np.testing.assert_array_equal(fnp.nanargmax(all_nan, axis=1), [1, -1])
    np.testing.assert_array_equal(fnp.nanargmin(all_nan, axis=0), [-1, 0])


def test_nancumsum_and_nancumprod_equal_numpy():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 0.5]])
    for axis in [None, 0, 1]:
        _close(fnp.nancumsum(x, axis), np.nancumsum(x, axis))
        _close(fnp.nancumprod(x, axis), np.nancumprod(x, axis))


def test_nan_reduction_gradients_skip_nans():
    x = np.array([[0.3, np.nan, 2.5], [1.9, 0.1, -0.4]])
    grad = ft.grad(lambda x: fnp.nansum(3.0 * x) + fnp.nanmean(x))(x)
    np.testing.assert_allclose(grad, np.where(np.isnan(x), 0.0, 3.2))
    clean = np.array([[0.3, -1.2, 2.5], [1.9, 0.1, -0.4]])
    for f in [lambda x: fnp.nanmean(x, 1), lambda x: fnp.nanstd(x, 0), lambda x: fnp.nanmax(x, 1),
              lambda x: fnp.nanprod(x, 0), lambda x: fnp.nancumsum(x, 1)]:
        check_grads(f, (clean,), order=2, modes=("fwd", "rev"))


# --------------------------------------------------------------------------- moments


def test_average_equals_numpy_with_weights_returned_and_keepdims():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    w = rng.uniform(0.5, 2.0, size=(3, 4))
    for axis in [None, 0, 1, (0, 1)]:
        _close(fnp.average(x, axis), np.average(x, axis))
        for a, b in zip(fnp.average(x, axis, w, returned=True), np.average(x, axis, w, returned=True)):
            _close(a, b)
    _close(fnp.average(x, 1, w[0], keepdims=True), np.average(x, 1, w[0], keepdims=True))
    _close(fnp.average(np.array([1, 2, 4])), np.average(np.array([1, 2, 4])))
    with pytest.raises(TypeError, match="axis"):
        fnp.average(x, None, w[0])
    with pytest.raises(ValueError, match="length"):
        fnp.average(x, 1, np.ones(3))


@settings(max_examples=30, deadline=None)
@given(array_and_axes(nans=False, min_side=1), st.booleans())
def test_ptp_and_count_nonzero_equal_numpy(case, keepdims):
    x, axis = case
    _close(fnp.ptp(x, axis, keepdims=keepdims), np.ptp(x, axis, keepdims=keepdims))
    _close(fnp.count_nonzero(x, axis, keepdims=keepdims), np.asarray(np.count_nonzero(x, axis, keepdims=keepdims)).astype(np.int64))


@pytest.mark.parametrize("rowvar", [True, False])
@pytest.mark.parametrize("kwargs", [{}, {"bias": True}, {"ddof": 0}, {"ddof": 2}, {"fweights": np.array([1, 2, 1, 3, 1])},
                                    {"aweights": np.array([0.5, 1.0, 2.0, 1.5, 0.3])},
                                    {"fweights": np.array([1, 2, 1, 3, 1]), "aweights": np.array([0.5, 1.0, 2.0, 1.5, 0.3]), "ddof": 1}])
def test_cov_and_corrcoef_equal_numpy(rowvar, kwargs):
    rng = np.random.default_rng(0)
    m = rng.normal(size=(3, 5)) if rowvar else rng.normal(size=(5, 3))
    y = rng.normal(size=(2, 5)) if rowvar else rng.normal(size=(5, 2))
    _close(fnp.cov(m, rowvar=rowvar, **kwargs), np.cov(m, rowvar=rowvar, **kwargs))
    _close(fnp.cov(m, y, rowvar=rowvar, **kwargs), np.cov(m, y, rowvar=rowvar, **kwargs))
    _close(fnp.corrcoef(m, y, rowvar=rowvar), np.corrcoef(m, y, rowvar=rowvar))


def test_cov_of_one_variable_is_a_scalar_and_weights_are_checked():
    x = np.array([1.0, 2.0, 4.0])
    _close(fnp.cov(x), np.cov(x))
    _close(fnp.corrcoef(x), np.corrcoef(x))
    _close(fnp.cov(x, dtype=np.float32), np.cov(x, dtype=np.float32))
    with pytest.raises(ValueError, match="negative"):
        fnp.cov(x, fweights=np.array([1, -1, 1]))
    with pytest.raises(TypeError, match="integers"):
        fnp.cov(x, fweights=np.array([1.5, 1, 1]))
    with pytest.raises(RuntimeError, match="length"):
        fnp.cov(x, aweights=np.ones(2))


def test_cov_corrcoef_and_average_gradients_by_finite_differences():
    rng = np.random.default_rng(2)
    m = rng.normal(size=(2, 5))
    w = rng.uniform(0.5, 2.0, size=5)
    check_grads(lambda m: fnp.cov(m, aweights=w), (m,), order=2, modes=("fwd", "rev"))
    check_grads(lambda m: fnp.corrcoef(m), (m,), order=2, modes=("fwd", "rev"))
    check_grads(lambda w: fnp.average(m, 1, w), (w,), order=2, modes=("fwd", "rev"))


def test_vmap_of_statistics_equals_a_loop():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 5))
    x[1, 0, 2] = np.nan

    def f(a):
        return (fnp.quantile(a, np.array([0.25, 0.5]), axis=1), fnp.nanmedian(a), fnp.nanvar(a, 0), fnp.cov(a),
                fnp.average(a, 1, np.arange(1.0, 6.0)), fnp.nanargmax(a, 1), fnp.ptp(a, 0))

    batched = ft.vmap(f)(x)
    loop = [np.stack(col) for col in zip(*[f(a) for a in x])]
    for b, l in zip(batched, loop):
        np.testing.assert_allclose(b, l, equal_nan=True)


@pytest.mark.slow  # imports jax
def test_quantile_matches_jax_except_nearest_on_ties():
    jnp = pytest.importorskip("jax.numpy")
    x = np.array([[3.0, 1.0, 2.0, 5.0], [0.5, 4.0, np.nan, 1.0]])
    for method in ["linear", "lower", "higher", "midpoint", "inverted_cdf"]:
        np.testing.assert_allclose(fnp.nanquantile(x, 0.3, axis=1, method=method),
                                   np.asarray(jnp.nanquantile(x, 0.3, axis=1, method=method)))
