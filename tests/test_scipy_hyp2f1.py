"""functrans.scipy.special.hyp2f1 for real arguments, x <= 1: against SciPy (Taylor, terminating and
transformed series, the special points) inside JAX's domain and beyond it (x < -0.5 and x > 0.75,
where JAX's 250 Taylor terms do not converge), against mpmath near x = 1 with integer c - a - b
(where SciPy itself is off), derivatives against finite differences, vmap against a loop, jit
against eager, and 0-d, size-0 and float32 operands."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, settings

import functrans as ft
from functrans.scipy import special as fs
from functrans.test_util import check_grads

# Hundredths: integers (terminating series, integer c - a - b) come up often, and no subnormal
# parameters (whose rounding makes every method's case analysis degenerate).
parameters = st.integers(-500, 500).map(lambda k: k / 100)
not_a_pole = parameters.filter(lambda c: not (c <= 0 and c == round(c)))


def close_to(got, expected, rtol):
    """Relative to the value, or absolute below 1 (values that cancel to near 0)."""
    np.testing.assert_array_less(np.abs(got - expected), rtol * np.maximum(np.abs(expected), 1.0))


@pytest.mark.slow  # 40 examples of every branch's loops, eagerly
@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, 20, elements=parameters), hnp.arrays(np.float64, 20, elements=parameters),
       hnp.arrays(np.float64, 20, elements=not_a_pole), hnp.arrays(np.float64, 20, elements=st.floats(-0.9, 0.9)))
def test_hyp2f1_matches_scipy_inside_the_unit_interval(a, b, c, x):
    check_against_scipy(a, b, c, x)


@pytest.mark.slow  # 30 examples of every branch's loops, eagerly
@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, 20, elements=parameters), hnp.arrays(np.float64, 20, elements=parameters),
       hnp.arrays(np.float64, 20, elements=not_a_pole),
       hnp.arrays(np.float64, 20, elements=st.one_of(st.floats(-30, -0.5), st.floats(0.75, 0.999))))
def test_hyp2f1_matches_scipy_where_the_taylor_series_is_slow(a, b, c, x):
    check_against_scipy(a, b, c, x)


def check_against_scipy(a, b, c, x):
    expected = sp.hyp2f1(a, b, c, x)
    keep = np.isfinite(expected) & (np.abs(expected) < 1e8)
    close_to(fs.hyp2f1(a, b, c, x)[keep], expected[keep], 1e-9)


@settings(max_examples=15, deadline=None)
@given(st.integers(-300, 300).map(lambda k: k / 100), st.integers(-300, 300).map(lambda k: k / 100), st.integers(-3, 3),
       st.floats(0.75, 0.999))
def test_hyp2f1_near_one_with_integer_c_minus_a_minus_b_matches_mpmath(a, b, m, x):
    mpmath = pytest.importorskip("mpmath")
    c = a + b + m
    if c <= 0 and c == round(c):
        return
    expected = float(mpmath.hyp2f1(a, b, c, x))
    close_to(fs.hyp2f1(a, b, c, x), expected, 1e-8)


def test_hyp2f1_special_points_and_terminating_series():
    a, b, c = np.array([0.5, 1.5, -2.0]), np.array([1.2, 0.3, 0.7]), np.array([3.5, 2.5, 1.5])
    np.testing.assert_array_equal(fs.hyp2f1(a, b, c, 0.0), [1.0, 1.0, 1.0])
    close_to(fs.hyp2f1(a, b, c, 1.0), sp.hyp2f1(a, b, c, 1.0), 1e-12)  # Gauss's sum, c - a - b > 0
    assert np.isinf(fs.hyp2f1(1.0, 1.0, -2.0, 0.5)) and np.isinf(fs.hyp2f1(1.0, 1.0, 0.0, 0.5))  # poles of c, as JAX
    assert np.isinf(fs.hyp2f1(1.0, 1.0, 2.5, 1.5)) and np.isinf(fs.hyp2f1(1.0, 1.5, 2.0, 1.0))  # x > 1; c - a - b <= 0 at 1
    x = np.linspace(-0.9, 0.9, 7)
    close_to(fs.hyp2f1(1.3, 2.0, 2.0, x), (1 - x) ** -1.3, 1e-14)  # b == c
    close_to(fs.hyp2f1(-20.0, 2.5, 3.5, x), sp.hyp2f1(-20.0, 2.5, 3.5, x), 1e-10)  # a polynomial of degree 20
    close_to(fs.hyp2f1(1.0, 1.0, 2.0, x[x != 0]), -np.log1p(-x[x != 0]) / x[x != 0], 1e-13)


def test_hyp2f1_shapes_dtypes_and_errors():
    assert fs.hyp2f1(1.0, 1.0, 2.0, 0.5).shape == ()
    assert fs.hyp2f1(np.ones(0), 1.0, 2.0, np.ones(0)).shape == (0,)
    out = fs.hyp2f1(np.float32(1.0), np.float32(1.0), np.float32(2.0), np.array([0.5, -0.5], np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [np.log(2.0) * 2, np.log(1.5) * 2], rtol=1e-6)
    x = np.linspace(-0.5, 0.5, 6)[::2]  # a strided view
    close_to(fs.hyp2f1(0.5, 1.5, 2.5, x), sp.hyp2f1(0.5, 1.5, 2.5, x), 1e-12)
    with pytest.raises(ValueError, match="broadcast"):
        fs.hyp2f1(np.ones(2), 1.0, 2.0, np.ones(3))


def test_hyp2f1_vmap_matches_a_loop():
    a, b = np.array([0.5, 1.5, -3.0]), np.array([1.2, -0.7, 2.0])
    x = np.array([[0.3, -0.4], [0.95, 0.1], [0.5, -0.8]])
    looped = np.stack([fs.hyp2f1(ai, bi, 2.0 + ai + bi, xi) for ai, bi, xi in zip(a, b, x)])
    np.testing.assert_allclose(ft.vmap(lambda a, b, x: fs.hyp2f1(a, b, 2.0 + a + b, x))(a, b, x), looped, rtol=1e-13)


@pytest.mark.slow  # second derivatives through the parameter series' loops
def test_hyp2f1_derivatives_match_finite_differences():
    a, b, c, x = np.array([0.5, 1.5]), np.array([1.2, -0.7]), np.array([2.5, 3.1]), np.array([0.3, -0.4])
    check_grads(lambda x: fs.hyp2f1(a, b, c, x), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda a, b, c: fs.hyp2f1(a, b, c, x), (a, b, c), order=1, modes=("fwd", "rev"))


@pytest.mark.slow  # compiles every branch's loops (minutes on a loaded machine)
def test_hyp2f1_jit_matches_eager():
    a, b, c = np.array([0.5, 1.5, -2.0, 1.0]), np.array([1.2, -0.7, 0.5, 1.0]), np.array([2.5, 0.8, 3.0, 2.0])
    x = np.array([0.3, 0.97, -0.6, 1.0])
    np.testing.assert_allclose(ft.jit(fs.hyp2f1)(a, b, c, x), fs.hyp2f1(a, b, c, x), rtol=1e-13)


@pytest.mark.slow  # imports and runs JAX
def test_hyp2f1_matches_jax_where_its_series_converge():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(4)
    grid = lambda: rng.integers(-300, 301, 200) / 100
    a, b, c, x = grid(), grid(), grid(), rng.uniform(-0.5, 0.75, 200)
    c = np.where((c <= 0) & (c == np.round(c)), 0.5, c)
    theirs = np.asarray(jax.scipy.special.hyp2f1(a, b, c, x))
    keep = np.isfinite(theirs) & (np.abs(theirs) < 1e8)
    close_to(fs.hyp2f1(a, b, c, x)[keep], theirs[keep], 1e-9)
    np.testing.assert_array_equal(np.isinf(fs.hyp2f1(1.0, 1.0, -2.0, 0.5)), np.isinf(jax.scipy.special.hyp2f1(1.0, 1.0, -2.0, 0.5)))
    grad_x = ft.grad(lambda x: fs.hyp2f1(0.5, 1.5, 2.5, x))(0.3)
    np.testing.assert_allclose(grad_x, jax.grad(lambda x: jax.scipy.special.hyp2f1(0.5, 1.5, 2.5, x))(0.3), rtol=1e-12)
    grad_a = ft.grad(lambda a: fs.hyp2f1(a, 1.5, 2.5, 0.3))(0.5)
    np.testing.assert_allclose(grad_a, jax.grad(lambda a: jax.scipy.special.hyp2f1(a, 1.5, 2.5, 0.3))(0.5), rtol=1e-10)
