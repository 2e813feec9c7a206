"""Compiled sin/cos against NumPy over the whole domain (huge, tiny, subnormal, inf, nan, -0.0),
in float64 and float32 and both math modes: within 1 ulp everywhere, special values exactly.
Fast math's vectorised loop is exact below 2**20; a loop that meets a larger argument runs
again with the exact reduction (functrans.lowering.exact_rules)."""
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


@pytest.mark.slow
@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sin_and_cos_match_numpy_over_the_whole_domain(dtype, precise):
    x = domain(dtype)
    with ft.config.option(precise_math=precise):
        sin, cos = ft.jit(lambda v: (fnp.sin(v), fnp.cos(v)))(x)
    with np.errstate(invalid="ignore"):
        want_sin = np.sin(x.astype(np.float64)).astype(dtype)
        want_cos = np.cos(x.astype(np.float64)).astype(dtype)
    for got, want in ((sin, want_sin), (cos, want_cos)):
        assert got.dtype == dtype
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))  # NaN for +-inf and NaN only
        ok = ~np.isnan(want)
        worst = ulps(got[ok], want[ok]).max()
        assert worst <= 1, f"{worst} ulps at x = {x[ok][ulps(got[ok], want[ok]).argmax()]!r}"
    zero = np.array([0.0, -0.0], dtype)
    with ft.config.option(precise_math=precise):
        np.testing.assert_array_equal(np.signbit(ft.jit(fnp.sin)(zero)), [False, True])  # sin(-0) = -0


@pytest.mark.slow
@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
def test_the_huge_arguments_of_the_issue_are_exact_in_every_loop_shape(precise):
    x = np.array([1e10, 1e14, 1e15, 1e16, 1e300, 0.5])
    grid = np.stack([x, x[::-1]])
    with ft.config.option(precise_math=precise):
        flat = ft.jit(fnp.sin)(x)
        scalars = [ft.jit(fnp.cos)(v) for v in x]  # no loop: the exact form at once
        rows = ft.jit(lambda g: fnp.sum(fnp.sin(g) * fnp.cos(g), axis=1))(grid)  # a nest with a reduction per row
    np.testing.assert_allclose(flat, np.sin(x), rtol=0, atol=2e-16)
    np.testing.assert_allclose(scalars, np.cos(x), rtol=0, atol=2e-16)
    np.testing.assert_allclose(rows, np.sum(np.sin(grid) * np.cos(grid), axis=1), rtol=1e-15, atol=1e-15)


def test_the_fast_loop_checks_its_arguments_and_reruns_exactly_only_if_it_must():
    f = ft.jit(lambda v: fnp.sum(fnp.sin(v) * fnp.cos(v)))
    text = f.lower(np.ones(8)).as_text()
    fast, _, rerun = text.partition("    if beyond")
    assert "fm.sin(" in fast and "fm.cos(" in fast and "SINCOS_ACCURATE_MAX" in fast and "_full" not in fast
    assert "fm.sin_full(" in rerun and "fm.cos_full(" in rerun
    with ft.config.option(precise_math=True):
        assert "beyond" not in f.lower(np.ones(8)).as_text()
