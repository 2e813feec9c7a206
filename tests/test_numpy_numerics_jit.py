"""One compiled program exercising many of the numerics functions at once: jit equals eager."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp


@pytest.mark.slow  # one Numba compile of a large program
def test_jit_of_statistics_calculus_histograms_and_polynomials_equals_eager():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 8))
    x[1, 4] = np.nan
    xp = np.linspace(-2.0, 2.0, 6)

    def f(x):
        clean = fnp.where(fnp.isnan(x), 0.0, x)
        return (
            fnp.quantile(clean, np.array([0.1, 0.5]), axis=1), fnp.nanmedian(x, axis=0), fnp.nanvar(x, 1), fnp.cov(clean),
            fnp.average(clean, 1, np.arange(1.0, 9.0)), fnp.diff(clean, 2), fnp.gradient(clean[0], 0.5),
            fnp.trapezoid(clean, xp[:1] + np.arange(8.0)), fnp.interp(clean[0], xp, np.cos(xp)),
            fnp.convolve(clean[0], clean[1, :3], "same"), fnp.unwrap(clean * 3), fnp.cumulative_sum(clean, axis=1),
            fnp.histogram(clean[2], 4, range=(-2.0, 2.0))[0], fnp.bincount(fnp.digitize(clean[0], xp), length=8),
            fnp.polyval(clean[0, :4], clean[1]), fnp.isclose(clean, clean + 1e-9), fnp.kron(clean[:2, :2], clean[2:, :2]),
            fnp.cross(clean[:, :3], clean[:, 3:6]),
        )

    for jitted, eager in zip(ft.jit(f)(x), f(x)):
        np.testing.assert_allclose(jitted, eager, rtol=1e-9, atol=1e-12, equal_nan=True)
