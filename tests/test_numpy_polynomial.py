"""Polynomials: poly, polyadd, polysub, polymul, polydiv, polyder, polyint, polyval, polyfit,
roots, trim_zeros, vander against NumPy; derivatives of polyval and polyfit; vmap."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import ConcretizationError
from functrans.test_util import check_grads

coefficients = hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-3, 3, width=64))


def _close(actual, expected):
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(coefficients, coefficients)
def test_polynomial_arithmetic_equals_numpy(a, b):
    _close(fnp.polyadd(a, b), np.polyadd(a, b))
    _close(fnp.polysub(a, b), np.polysub(a, b))
    # NumPy's polymul drops leading zeros (a shape that depends on values); JAX's keeps them
    # unless asked, for concrete inputs.
    _close(fnp.polymul(a, b), np.convolve(a, b))
    _close(fnp.polymul(a, b, trim_leading_zeros=True), np.polymul(a, b))
    _close(fnp.polyder(a), np.polyder(a))
    _close(fnp.polyder(a, 2), np.polyder(a, 2))
    _close(fnp.polyint(a, 2, k=[1.0, -2.0]), np.polyint(a, 2, k=[1.0, -2.0]))
    _close(fnp.polyint(a), np.polyint(a))
    x = np.linspace(-2, 2, 5)
    _close(fnp.polyval(a, x), np.polyval(a, x))
    _close(fnp.poly(a), np.poly(a))


@settings(max_examples=20, deadline=None)
@given(coefficients, coefficients.filter(lambda v: abs(v[0]) > 0.1))
def test_polydiv_quotient_equals_numpy_and_remainder_rebuilds_u(u, v):
    q, r = fnp.polydiv(u, v)
    q_np, r_np = np.polydiv(u, v)
    _close(q, q_np)
    # JAX keeps the remainder at u's length; NumPy trims its leading zeros.
    points = np.linspace(-2.0, 2.0, 7)
    np.testing.assert_allclose(np.polyval(np.polyadd(np.polymul(q, v), r), points), np.polyval(u, points), atol=1e-8)
    assert r.shape == u.shape
    np.testing.assert_allclose(np.polysub(r, r_np), 0, atol=1e-8)


def test_integer_polynomials_keep_integer_dtypes():
    a, b = np.array([1, 2, 3]), np.array([4, 5])
    for name in ["polyadd", "polysub", "polymul"]:
        _close(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
    _close(fnp.polyder(a), np.polyder(a))
    _close(fnp.polyval(a, np.array([0, 1, 2])), np.polyval(a, np.array([0, 1, 2])))
    _close(fnp.polymul(np.array([0, 0, 1, 2]), b, trim_leading_zeros=True), np.polymul([1, 2], b))


@pytest.mark.parametrize("kwargs", [{}, {"w": np.linspace(0.5, 2.0, 10)}, {"cov": True}, {"cov": "unscaled"}, {"full": True},
                                    {"rcond": 1e-3}])
@pytest.mark.parametrize("columns", [1, 2])
def test_polyfit_equals_numpy(kwargs, columns):
    rng = np.random.default_rng(0)
    x = np.linspace(-1.0, 2.0, 10)
    y = np.stack([1 + 2 * x - x ** 2 + rng.normal(size=10) * 0.1 for _ in range(columns)], axis=1)
    y = y[:, 0] if columns == 1 else y
    got, expected = fnp.polyfit(x, y, 2, **kwargs), np.polyfit(x, y, 2, **kwargs)
    for a, b in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else (expected,)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


def test_polyfit_and_polyval_gradients_by_finite_differences():
    x = np.linspace(-1.0, 1.0, 6)
    y = np.array([0.5, -0.2, 0.1, 0.9, 1.3, 0.4])
    check_grads(lambda y: fnp.polyfit(x, y, 2), (y,), order=2, modes=("fwd", "rev"))
    p = np.array([0.5, -1.0, 2.0])
    check_grads(lambda p, x: fnp.polyval(p, x), (p, x), order=2, modes=("fwd", "rev"))
    check_grads(lambda z: fnp.poly(z), (np.array([0.3, -1.0, 2.0]),), order=2, modes=("fwd", "rev"))


def test_roots_equal_numpy_and_need_concrete_coefficients_to_strip_zeros():
    for p in [[1.0, -6.0, 11.0, -6.0], [0.0, 2.0, 0.0, 1.0, 0.0, 0.0], [3.0], [0.0, 0.0]]:
        np.testing.assert_allclose(np.sort_complex(fnp.roots(np.array(p))), np.sort_complex(np.roots(p)), atol=1e-10)
    with pytest.raises(ConcretizationError, match="strip_zeros=False"):
        ft.jit(fnp.roots)(np.array([1.0, -1.0]))


@pytest.mark.parametrize("p, leading", [([1.0, -6.0, 11.0, -6.0], 0), ([0.0, 0.0, 2.0, 0.0, 1.0], 2),
                                        ([0.0, 1.0, -2.0], 1), ([0.0, 0.0, 0.0], 3), ([2.0, 0.0, 0.0], 0),
                                        ([5.0], 0), ([1.0, 2.0, 3.0, 4.0, 5.0], 0)])
def test_roots_without_stripping_trace_and_give_a_nan_per_leading_zero(p, leading):
    p = np.array(p)
    unstripped = lambda q: fnp.roots(q, strip_zeros=False)  # noqa: E731
    got = unstripped(p)
    assert got.dtype == np.complex128 and got.shape == (max(len(p) - 1, 0),)
    np.testing.assert_array_equal(ft.jit(unstripped)(p), got)
    finite = got[: len(got) - min(leading, len(got))]
    assert np.isnan(got[len(finite):]).all() and not np.isnan(finite).any()
    if len(p) > leading:
        np.testing.assert_allclose(np.sort_complex(finite), np.sort_complex(np.roots(p)), atol=1e-10)
    np.testing.assert_allclose(ft.vmap(unstripped)(np.stack([p, 2 * p])), np.stack([got, got]), atol=1e-12)


def test_grad_of_distinct_real_roots_against_finite_differences():
    check_grads(lambda p: fnp.real(fnp.roots(p, strip_zeros=False)), (np.array([1.0, -6.0, 11.0, -6.0]),),
                order=1, modes=("fwd", "rev"))


def test_poly_of_a_square_matrix_is_its_characteristic_polynomial():
    m = np.array([[2.0, 1.0, 5.0], [3.0, 4.0, 7.0], [1.0, 3.0, 5.0]])
    got = fnp.poly(m)
    assert got.dtype == np.complex128  # from the eigenvalues, as JAX's
    np.testing.assert_allclose(got, np.poly(m), atol=1e-10)
    np.testing.assert_allclose(ft.jit(fnp.poly)(m), got, atol=1e-12)


def test_trim_zeros_equals_numpy():
    x = np.array([0, 0, 1, 2, 0, 3, 0])
    for trim in ["fb", "f", "b"]:
        _close(fnp.trim_zeros(x, trim), np.trim_zeros(x, trim))
    m = np.array([[0, 0, 0], [0, 1, 0], [0, 2, 0]])
    _close(fnp.trim_zeros(m), np.trim_zeros(m))
    _close(fnp.trim_zeros(m, axis=1), np.trim_zeros(m, axis=1))
    _close(fnp.trim_zeros(np.zeros(3)), np.trim_zeros(np.zeros(3)))
    with pytest.raises(ValueError, match="trim"):
        fnp.trim_zeros(x, "x")


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 5), elements=st.integers(-3, 3)), st.none() | st.integers(0, 5), st.booleans())
def test_vander_equals_numpy(x, n, increasing):
    _close(fnp.vander(x, n, increasing), np.vander(x, n, increasing))


def test_vmap_of_polynomials_equals_a_loop():
    p = np.random.default_rng(2).normal(size=(3, 4))
    x = np.linspace(-1.0, 1.0, 5)

    def f(p):
        return fnp.polyval(p, x), fnp.polyder(p), fnp.polyint(p), fnp.polymul(p, p), fnp.polydiv(p, p[:2])[0], fnp.poly(p)

    batched = ft.vmap(f)(p)
    loop = [np.stack(col) for col in zip(*[f(r) for r in p])]
    for b, l in zip(batched, loop):
        np.testing.assert_allclose(b, l, rtol=1e-12)
