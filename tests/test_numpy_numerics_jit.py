"""One compiled program exercising many of the numerics functions at once: jit equals eager."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp


@pytest.mark.slow  # one Numba compile of a large program
def test_jit_of_statistics_calculus_histograms_and_polynomials_equals_eager():
    # A representative few: each function is a composition of primitives compiled elsewhere too.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 8))
    x[1, 4] = np.nan
    xp = np.linspace(-2.0, 2.0, 6)

    def f(x):
        clean = fnp.where(fnp.isnan(x), 0.0, x)
        return (
            fnp.quantile(clean, np.array([0.1, 0.5]), axis=1), fnp.nanvar(x, 1), fnp.cov(clean),
            fnp.interp(clean[0], xp, np.cos(xp)), fnp.convolve(clean[0], clean[1, :3], "same"),
            fnp.histogram(clean[2], 4, range=(-2.0, 2.0))[0], fnp.diff(clean, 2), fnp.polyval(clean[0, :4], clean[1]),
        )

    for jitted, eager in zip(ft.jit(f)(x), f(x)):
        np.testing.assert_allclose(jitted, eager, rtol=1e-9, atol=1e-12, equal_nan=True)
