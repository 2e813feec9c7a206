"""bincount, digitize, histogram, histogram_bin_edges, histogram2d, histogramdd against NumPy;
bincount's length= and histograms inside vmap; weights' gradients."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import ConcretizationError

samples = hnp.arrays(np.float64, st.integers(0, 20), elements=st.sampled_from([-2.0, -0.5, 0.0, 0.25, 1.0, 3.0]))


def _same(actual, expected):
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 12), elements=st.integers(0, 6)), st.integers(0, 9))
def test_bincount_equals_numpy(x, minlength):
    _same(fnp.bincount(x, minlength=minlength), np.bincount(x, minlength=minlength))
    w = np.linspace(0.5, 1.5, x.size)
    if x.size:  # NumPy gives int64 for empty weights
        _same(fnp.bincount(x, w), np.bincount(x, w))
    _same(fnp.bincount(x, length=4), np.bincount(x, minlength=4)[:4])


def test_bincount_errors_and_concretization():
    with pytest.raises(ValueError, match="non-negative"):
        fnp.bincount(np.array([1, -1]))
    with pytest.raises(TypeError, match="integer"):
        fnp.bincount(np.array([1.0]))
    with pytest.raises(ConcretizationError, match="length="):
        ft.vmap(fnp.bincount)(np.array([[1, 2], [0, 0]]))
    out = ft.vmap(lambda x: fnp.bincount(x, length=3))(np.array([[1, 2], [0, 0]]))
    _same(out, np.array([[0, 1, 1], [2, 0, 0]]))


@settings(max_examples=30, deadline=None)
@given(samples, st.booleans(), st.booleans())
def test_digitize_equals_numpy_for_increasing_and_decreasing_bins(x, right, decreasing):
    bins = np.array([-1.0, 0.0, 0.25, 2.0])
    bins = bins[::-1] if decreasing else bins
    _same(fnp.digitize(x, bins, right), np.digitize(x, bins, right))


@settings(max_examples=30, deadline=None)
@given(samples, st.sampled_from([1, 3, 7, np.array([-1.0, 0.0, 0.5, 3.0])]), st.sampled_from([None, (-1.0, 2.0)]),
       st.booleans(), st.booleans())
def test_histogram_equals_numpy(a, bins, range_, weighted, density):
    kwargs = {"bins": bins, "range": range_, "density": density}
    if weighted:
        kwargs["weights"] = np.linspace(0.1, 2.0, a.size)
    if density and a.size == 0:
        return  # NumPy divides 0 by 0 (NaN) with a warning
    for got, expected in zip(fnp.histogram(a, **kwargs), np.histogram(a, **kwargs)):
        _same(got, expected)
    _same(fnp.histogram_bin_edges(a, bins, range_), np.histogram_bin_edges(a, bins, range_))


def test_histogram_drops_values_outside_the_range_and_nans():
    a = np.array([-5.0, 0.0, 0.5, 1.0, np.nan, 9.0])
    for got, expected in zip(fnp.histogram(a, 2, range=(0.0, 1.0)), np.histogram(a, 2, range=(0.0, 1.0))):
        _same(got, expected)
    with pytest.raises(NotImplementedError, match="auto"):
        fnp.histogram(a, "auto")
    with pytest.raises(ValueError, match="range"):
        fnp.histogram(a, 2, range=(1.0, 0.0))


@pytest.mark.parametrize("kwargs", [{"bins": 3}, {"bins": [2, 3, 4]}, {"bins": 3, "density": True},
                                    {"bins": [np.array([-2.0, 0.0, 2.0]), 2, 3]},
                                    {"bins": 2, "range": [(-1.0, 1.0), None, (0.0, 1.0)]}])
def test_histogramdd_equals_numpy(kwargs):
    rng = np.random.default_rng(0)
    sample = rng.normal(size=(30, 3))
    got, expected = fnp.histogramdd(sample, **kwargs), np.histogramdd(sample, **kwargs)
    _same(got[0], expected[0])
    for a, b in zip(got[1], expected[1]):
        _same(a, b)
    w = rng.uniform(size=30)
    _same(fnp.histogramdd(sample, weights=w, **kwargs)[0], np.histogramdd(sample, weights=w, **kwargs)[0])


@pytest.mark.parametrize("bins", [4, [2, 5], np.array([-1.0, 0.0, 1.0]), [np.array([-1.0, 0.0, 1.0]), 3]])
def test_histogram2d_equals_numpy(bins):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 25))
    for got, expected in zip(fnp.histogram2d(x, y, bins), np.histogram2d(x, y, bins)):
        _same(got, expected)
    for got, expected in zip(fnp.histogram2d(x, y, bins, density=True), np.histogram2d(x, y, bins, density=True)):
        _same(got, expected)


def test_histogram_is_differentiable_in_its_weights_and_batches():
    a = np.array([0.1, 0.4, 0.45, 0.9])
    grad = ft.grad(lambda w: fnp.sum(fnp.histogram(a, 2, range=(0.0, 1.0), weights=w)[0] * np.array([1.0, 10.0])))(np.ones(4))
    _same(grad, np.array([1.0, 1.0, 1.0, 10.0]))
    rows = np.random.default_rng(2).normal(size=(3, 10))
    batched = ft.vmap(lambda r: fnp.histogram(r, 4, range=(-2.0, 2.0)))(rows)
    for got, col in zip(batched, zip(*[np.histogram(r, 4, range=(-2.0, 2.0)) for r in rows])):
        _same(got, np.stack(col))
