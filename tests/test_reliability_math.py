"""Compiled sin/cos against NumPy over the whole domain (huge, tiny, subnormal, inf, nan, -0.0),
in float64 and float32: with ``config.precise_math`` within 1 ulp everywhere; with fast math
within 1 ulp for |x| < 2**20 and as documented in fastmath.py beyond (absolute error about
|x|*2**-53 up to 2**50, NaN from there); special values exactly. fastmath.sin_full/cos_full
within 1 ulp everywhere."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import fastmath as fm


def domain(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    rng = np.random.default_rng(18)
    with np.errstate(over="ignore"):  # float32: the largest float64 magnitudes become inf, which is tested too
        magnitudes = np.concatenate([
            np.geomspace(float(info.smallest_subnormal), float(info.max) * 0.999, 40000),
            rng.uniform(-1e5, 1e5, 20000), rng.uniform(-1e15, 1e15, 5000),
            [1e6, 1e10, 1e14, 1e15, 1e16, 1e22, 1e100, 1e300, 2.0**20, 2.0**50, 2.0**52, 2.0**53, float(info.max)],
            [np.pi / 2 * k for k in (1, 2, 3, 1e6, 1e12)],
        ]).astype(dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, float(info.smallest_subnormal), float(info.tiny)], dtype)
    return np.concatenate([magnitudes, -magnitudes, special])


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place, on the sign-magnitude integer views of the bits."""
    signed = np.int64 if a.dtype == np.float64 else np.int32
    def ordered(v):
        i = v.view(signed).astype(np.int64)
        return np.where(i < 0, np.iinfo(signed).min - i, i)
    return np.abs(ordered(a) - ordered(b))


@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sin_and_cos_match_numpy_over_the_whole_domain(dtype, precise):
    x = domain(dtype)
    with ft.config.option(precise_math=precise):
        sin, cos = ft.jit(lambda v: (fnp.sin(v), fnp.cos(v)))(x)
    with np.errstate(invalid="ignore"):
        want_sin = np.sin(x.astype(np.float64)).astype(dtype)
        want_cos = np.cos(x.astype(np.float64)).astype(dtype)
    beyond = np.abs(x) >= (np.inf if precise else fm.SINCOS_MAX_ARG)
    accurate = np.abs(x) < (np.inf if precise else fm.SINCOS_ACCURATE_MAX)
    for got, want in ((sin, want_sin), (cos, want_cos)):
        assert got.dtype == dtype
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want) | beyond)  # NaN for +-inf, NaN (and fast math's huge |x|)
        close = accurate & ~np.isnan(want)
        worst = ulps(got[close], want[close]).max()
        assert worst <= 1, f"{worst} ulps at x = {x[close][ulps(got[close], want[close]).argmax()]!r}"
        middle = ~accurate & ~beyond & ~np.isnan(want)
        error = np.abs(got[middle].astype(np.float64) - want[middle])
        assert np.all(error <= np.abs(x[middle].astype(np.float64)) * 2.0**-50 + 2 * np.finfo(dtype).eps)
    zero = np.array([0.0, -0.0], dtype)
    with ft.config.option(precise_math=precise):
        np.testing.assert_array_equal(np.signbit(ft.jit(fnp.sin)(zero)), [False, True])  # sin(-0) = -0


def test_precise_math_is_exact_at_the_huge_arguments_of_the_issue():
    x = np.array([1e10, 1e14, 1e15, 1e16, 1e300])
    with ft.config.option(precise_math=True):
        got = ft.jit(fnp.sin)(x)
    np.testing.assert_allclose(got, np.sin(x), rtol=0, atol=2e-16)


@pytest.mark.slow  # compiles a loop of both functions in both dtypes (~10 s on a loaded machine)
def test_full_range_fast_math_sin_and_cos_match_numpy_everywhere():
    """fastmath.sin_full/cos_full (the fast path below 2**20, an exact reduction above) are
    within 1 ulp of NumPy on the whole domain, in both dtypes, the issue's 1e10..1e300 included."""
    from numba import njit

    @njit(error_model="numpy")
    def both(x, s, c):
        for i in range(x.size):
            s[i] = fm.sin_full(x[i])
            c[i] = fm.cos_full(x[i])

    for dtype in (np.float64, np.float32):
        with np.errstate(over="ignore"):  # float32: 1e300 is inf, tested too
            x = np.concatenate([domain(dtype), np.array([1e10, 1e14, 1e15, 1e16, 1e300]).astype(dtype)])
        s, c = np.empty_like(x), np.empty_like(x)
        both(x, s, c)
        with np.errstate(invalid="ignore"):
            want = [np.sin(x.astype(np.float64)).astype(dtype), np.cos(x.astype(np.float64)).astype(dtype)]
        for got, ref in zip((s, c), want):
            np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
            ok = ~np.isnan(ref)
            assert ulps(got[ok], ref[ok]).max() <= 1
        assert np.signbit(s[(x == 0) & np.signbit(x)]).all()
