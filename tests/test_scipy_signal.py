"""functrans.scipy.signal against scipy.signal: convolutions and correlations of every mode on
hypothesis-drawn N-D shapes (including size-1 axes and non-contiguous inputs), integer inputs,
derivatives in both inputs, vmap against a loop, one jitted program, detrend, errors."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.scipy.signal as fsig
from functrans.test_util import check_grads

FUNCTIONS = [(fsig.convolve, ss.convolve), (fsig.correlate, ss.correlate)]


@pytest.mark.parametrize("f,reference", FUNCTIONS, ids=["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_nd_matches_scipy(f, reference, mode, data):
    ndim = data.draw(st.integers(1, 3))
    shape1 = data.draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=6))
    if mode == "valid":  # one input at least as large as the other in every axis
        shape2 = tuple(data.draw(st.integers(1, s)) for s in shape1)
        if data.draw(st.booleans()):
            shape1, shape2 = shape2, shape1
    else:
        shape2 = data.draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=5))
    elements = st.floats(-3, 3, allow_subnormal=False)
    a = data.draw(hnp.arrays(np.float64, shape1, elements=elements))
    b = data.draw(hnp.arrays(np.float64, shape2, elements=elements))
    got = f(a, b, mode=mode)
    expected = reference(a, b, mode=mode, method="direct")
    assert isinstance(got, np.ndarray) and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_2d_and_integer_and_non_contiguous_inputs(mode):
    rng = np.random.default_rng(0)
    image = rng.normal(size=(9, 12))[:, ::2]  # a strided view
    kernel = rng.normal(size=(3, 4)).T
    np.testing.assert_allclose(fsig.convolve2d(image, kernel, mode=mode), ss.convolve2d(image, kernel, mode=mode), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fsig.correlate2d(image, kernel, mode=mode), ss.correlate2d(image, kernel, mode=mode), rtol=1e-12, atol=1e-12)
    ints = np.arange(12).reshape(3, 4)
    got = fsig.convolve(ints, np.array([[1, -1]]), mode=mode)
    np.testing.assert_array_equal(got, ss.convolve(ints, np.array([[1, -1]]), mode=mode))
    assert got.dtype == np.int64
    np.testing.assert_allclose(fsig.convolve(image, kernel, mode=mode, method="fft"), ss.convolve(image, kernel, mode=mode), rtol=1e-10, atol=1e-10)


def test_derivatives_in_both_inputs():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(2, 3))
    for mode in ("full", "same", "valid"):
        check_grads(lambda a, b: fsig.convolve(a, b, mode=mode), (a, b), order=2, modes=("fwd", "rev"))
        check_grads(lambda a, b: fsig.correlate(a, b, mode=mode), (a, b), order=1, modes=("fwd", "rev"))


@pytest.mark.slow  # ~40 s to compile on a cold cache
def test_vmap_and_jit():
    rng = np.random.default_rng(2)
    signals, kernel = rng.normal(size=(4, 10)), rng.normal(size=3)
    batched = ft.vmap(lambda s: fsig.correlate(s, kernel, mode="same"))(signals)
    np.testing.assert_allclose(batched, np.stack([ss.correlate(s, kernel, mode="same") for s in signals]), rtol=1e-12)
    kernels = rng.normal(size=(4, 3))
    both = ft.vmap(fsig.convolve)(signals, kernels)
    np.testing.assert_allclose(both, np.stack([np.convolve(s, k) for s, k in zip(signals, kernels)]), rtol=1e-12)

    def program(image, k):
        smooth = fsig.convolve2d(image, k, mode="same")
        return fsig.correlate(smooth, k, mode="valid"), fsig.detrend(smooth, axis=0), ft.grad(lambda k: fsig.convolve(image, k).sum())(k)

    image, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    for compiled, eager in zip(ft.jit(program)(image, k), program(image, k)):
        np.testing.assert_allclose(compiled, eager, rtol=1e-12, atol=1e-12)


def test_detrend():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 20)) + np.arange(20.0)
    for kind in ("linear", "constant"):
        np.testing.assert_allclose(fsig.detrend(x, type=kind), ss.detrend(x, type=kind), atol=1e-12)
        np.testing.assert_allclose(fsig.detrend(x.T, axis=0, type=kind), ss.detrend(x.T, axis=0, type=kind), atol=1e-12)
    check_grads(lambda x: fsig.detrend(x), (x,), order=1)


def test_errors():
    with pytest.raises(ValueError, match="dimensionality"):
        fsig.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="valid"):
        fsig.convolve(np.ones((3, 2)), np.ones((2, 3)), mode="valid")
    with pytest.raises(ValueError, match="mode"):
        fsig.convolve(np.ones(3), np.ones(2), mode="bogus")
    with pytest.raises(ValueError, match="2-D"):
        fsig.convolve2d(np.ones(3), np.ones(2))
    with pytest.raises(NotImplementedError, match="boundary"):
        fsig.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")
    with pytest.raises(ValueError, match="detrend"):
        fsig.detrend(np.ones(4), type="quadratic")
