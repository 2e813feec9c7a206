"""Integer division, remainder and power, and pow's derivatives at their edges: the eager
and compiled paths agree with NumPy's results (or errors) and JAX's derivative rules."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import ShapeError

INT_EDGES = np.array([np.iinfo(np.int64).min, -7, -1, 0, 1, 7, np.iinfo(np.int64).max], np.int64)


@pytest.mark.parametrize("op", ["div", "rem"])
def test_integer_division_edges_match_numpy_eagerly_and_compiled(op):
    x, y = np.meshgrid(INT_EDGES, INT_EDGES)
    x, y = x.ravel(), y.ravel()
    fn = {"div": lax.div, "rem": lax.rem}[op]
    with np.errstate(all="ignore"):
        expected = np.floor_divide(x, y) if op == "div" else np.mod(x, y)
    np.testing.assert_array_equal(fn(x, y), expected)
    np.testing.assert_array_equal(ft.jit(fn)(x, y), expected)


@pytest.mark.parametrize("dtype", [np.int32, np.uint8])
def test_narrow_integer_division_by_zero_and_minus_one_match_numpy(dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, info.max, 5, 0], dtype)
    y = np.array([-1 if info.min < 0 else 1, 0, 0, 0], dtype)
    with np.errstate(all="ignore"):
        expected = np.floor_divide(x, y), np.mod(x, y)
    for got in (lax.div(x, y), ft.jit(lax.div)(x, y)):
        np.testing.assert_array_equal(got, expected[0])
    for got in (lax.rem(x, y), ft.jit(lax.rem)(x, y)):
        np.testing.assert_array_equal(got, expected[1])


def test_integers_to_negative_integer_powers_raise_eagerly_traced_and_compiled():
    for call in (lambda: lax.integer_pow(np.int64(2), -1), lambda: ft.jit(lambda x: lax.integer_pow(x, -1))(np.int64(2)),
                 lambda: ft.make_jaxpr(lambda x: lax.integer_pow(x, -2))(np.arange(3))):
        with pytest.raises(TypeError, match="negative powers"):
            call()
    np.testing.assert_allclose(lax.integer_pow(np.float64(2.0), -1), 0.5)


def test_pow_derivatives_at_zero_follow_jax():
    # JAX: d/dx x**0 (an integer exponent) is 0; x**0.0 (a float exponent) is y * x**(y-1) = nan at 0;
    # d/dy 0**y takes log(0) as 0.
    assert ft.grad(lambda x: x**0)(0.0) == 0.0
    assert np.isnan(ft.grad(lambda x: x**0.0)(0.0))
    assert ft.grad(lambda x: x**2.0)(0.0) == 0.0
    assert ft.grad(lambda y: fnp.power(0.0, y))(2.0) == 0.0
    jax = pytest.importorskip("jax")
    for f, x in [(lambda x: x**0, 0.0), (lambda x: x**0.0, 0.0), (lambda x: x**2.0, 0.0), (lambda x: x**0.5, 0.0), (lambda x: x**1.5, 0.0)]:
        np.testing.assert_array_equal(ft.grad(f)(x), np.asarray(jax.grad(f)(x), np.float64))


def test_non_numeric_inputs_raise_type_error():
    for bad in (None, "abc", object()):
        with pytest.raises(TypeError, match="not a valid array value"):
            fnp.tanh(bad)


def test_shape_mismatch_is_a_type_error_as_in_jax():
    with pytest.raises(TypeError):
        fnp.dot(np.ones((2, 3)), np.ones((2, 3)))
    assert issubclass(ShapeError, TypeError) and issubclass(ShapeError, ValueError)
