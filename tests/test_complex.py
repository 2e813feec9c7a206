"""Complex numbers end to end: promotion and creation, the complex-part primitives
(real/imag/complex/conj), elementwise math on complex values against NumPy (0-d, empty,
non-contiguous, inf/nan parts), derivatives with JAX's conventions (checked against finite
differences in the real and imaginary directions, and against JAX where installed), vmap
against a loop, jit against eager, and errors of JAX's types."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from numba.core.errors import NumbaIRAssumptionWarning

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
import functrans.scipy.special as fsp
from functrans import dtypes
from functrans.errors import DTypeError

from numpy_checks import assert_same, check, shapes

SETTINGS = settings(max_examples=15, deadline=None)
COMPLEX = [np.complex64, np.complex128]
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def parts(dtype, special: bool = True, lo: float = -4, hi: float = 4) -> st.SearchStrategy:
    """Complex elements of ``dtype``, with infinite and NaN real or imaginary parts if ``special``."""
    width = np.dtype(dtype).itemsize * 4
    real = st.floats(lo, hi, width=width, allow_subnormal=False)
    if special:
        real = st.one_of(real, st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0]))
    return st.builds(complex, real, real)


@st.composite
def complex_arrays(draw, dtype, shape=shapes, special: bool = True, **bounds) -> np.ndarray:
    """A complex array (0-d and empty too), sometimes a non-contiguous view."""
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    x = draw(hnp.arrays(np.dtype(dtype), shape, elements=parts(dtype, special, **bounds)))
    if draw(st.booleans()) and x.ndim:
        x = np.flip(np.flip(x, 0).copy(), 0)  # the same values through negative strides
    return x


# --------------------------------------------------------------------------- dtypes and creation


@pytest.mark.parametrize("a, b, want", [
    (np.float32, np.complex64, np.complex64),
    (np.float64, np.complex64, np.complex128),
    (np.int32, np.complex64, np.complex128),  # NumPy 2 promotion (JAX: complex64), as for floats
    (np.complex64, np.complex128, np.complex128),
    (np.float32, complex, np.complex64),  # Python's complex type is weak, as in JAX
    (np.float64, 1j, np.complex128),
    (np.int64, 1j, np.complex128),
    ("float32", "complex64", np.complex64),
])
def test_result_type_promotes_complex_as_jax(a, b, want):
    assert dtypes.result_type(a, b) == np.dtype(want)
    assert fnp.result_type(a, b) == np.dtype(want)


def test_result_type_accepts_dtypes_names_values_and_reports_weak_types():
    assert dtypes.result_type(np.dtype("int8"), "uint8") == np.int16
    assert dtypes.result_type(1j, return_weak_type_flag=True) == (np.dtype(np.complex128), True)
    assert dtypes.result_type(np.float32, 1j, return_weak_type_flag=True) == (np.dtype(np.complex64), False)
    assert dtypes.result_type(np.ones(2, np.float32), 2.0) == np.float32
    with pytest.raises(ValueError, match="at least one"):
        dtypes.result_type()


def test_weak_complex_scalar_keeps_the_arrays_precision():
    x = np.ones(3, np.float32)
    assert fnp.multiply(x, 1j).dtype == np.complex64
    assert fnp.add(np.ones(3, np.complex64), 2.5).dtype == np.complex64
    assert fnp.add(np.ones(3, np.complex64), np.float64(2.5)).dtype == np.complex128
    assert ft.jit(lambda v: v * 1j)(x).dtype == np.complex64


def test_creation_of_complex_arrays():
    assert_same(fnp.array(1 + 2j), np.array(1 + 2j))
    assert_same(fnp.asarray([1, 2j]), np.array([1, 2j]))
    assert_same(fnp.zeros((2, 0), np.complex64), np.zeros((2, 0), np.complex64))
    assert_same(fnp.ones(2, fnp.complex128), np.ones(2, np.complex128))
    assert_same(fnp.full(2, 1 - 1j, np.complex64), np.full(2, 1 - 1j, np.complex64))
    assert_same(fnp.astype(np.arange(3), np.complex64), np.arange(3).astype(np.complex64))
    assert_same(ft.jit(lambda v: fnp.zeros_like(v) + 1j)(np.ones(2, np.complex64)), np.full(2, 1j, np.complex64))


def test_complex_to_real_conversion_keeps_the_real_part_eagerly_and_under_jit():
    z = np.array([1.5 - 2j, -3 + 0.5j], np.complex64)
    for fn in (lambda v: v.astype(np.float32), lambda v: v.astype(np.int32), lambda v: v.astype(bool)):
        want = fn(z.real) if fn(z.real).dtype != bool else z != 0
        assert_same(fn(ft.jit(lambda v: v)(z)) if False else ft.jit(fn)(z), want)
        assert_same(lax.convert_element_type(z, fn(z.real).dtype), want)


# --------------------------------------------------------------------------- real, imag, complex, conj


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_parts_match_numpy(dtype, data):
    z = data.draw(complex_arrays(dtype))
    for name in ("real", "imag", "conj", "conjugate", "angle", "iscomplex", "isreal"):
        check(getattr(fnp, name), getattr(np, name), z, rtol=1e-6 if dtype == np.complex64 else 1e-15)
    check(lambda v: lax.complex(fnp.real(v), fnp.imag(v)), lambda v: v, z)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
def test_parts_of_real_arrays_as_numpy(dtype):
    x = np.array([1, 0, 2], dtype)
    for name in ("real", "imag", "conj", "conjugate", "angle", "iscomplex", "isreal"):
        if dtype == np.bool_ and name.startswith("conj"):
            assert_same(getattr(fnp, name)(x), x)  # as JAX's; NumPy's has no bool loop and gives int8
            continue
        check(getattr(fnp, name), getattr(np, name), x)
    assert fnp.iscomplexobj(np.ones(2, np.complex64)) and not fnp.iscomplexobj(x)
    assert fnp.isrealobj(x) and not fnp.isrealobj(1j)


def test_lax_conj_of_a_real_operand_is_complex_as_jax():
    assert_same(lax.conj(np.array([2.0], np.float32)), np.array([2 + 0j], np.complex64))
    assert_same(lax.complex(np.float32(1), np.float32(np.inf)), np.complex64(complex(1, np.inf)))
    assert_same(lax.real(np.array([1 + 2j], np.complex64)), np.array([1.0], np.float32))


def test_parts_reject_wrong_dtypes_with_jax_types():
    with pytest.raises(TypeError, match="real"):
        lax.real(np.ones(2))
    with pytest.raises(TypeError, match="imag"):
        lax.imag(np.ones(2, np.int32))
    with pytest.raises(TypeError, match="complex"):
        lax.complex(np.ones(2, np.complex64), np.ones(2, np.complex64))
    with pytest.raises(TypeError, match="equal dtypes"):
        lax.complex(np.ones(2, np.float32), np.ones(2))
    assert issubclass(DTypeError, TypeError)


def test_vmap_of_parts_matches_a_loop():
    z = np.array([[1 + 2j, 3 - 4j], [0j, -1j]])
    f = lambda v: v * fnp.conj(v) + lax.complex(fnp.imag(v), fnp.real(v))
    assert_same(ft.vmap(f)(z), np.stack([f(row) for row in z]))
    assert_same(ft.vmap(f, in_axes=1)(z), np.stack([f(col) for col in z.T]))


@pytest.mark.parametrize("dtype", COMPLEX)
def test_jit_of_parts_matches_eager(dtype):
    z = np.array([1 + 2j, complex(np.inf, -1), complex(0, np.nan), -0.0 - 0j], dtype)
    f = lambda v: (fnp.real(v), fnp.imag(v), fnp.conj(v), lax.complex(fnp.imag(v), fnp.real(v)), fnp.angle(v))
    for got, want in zip(ft.jit(f)(z), f(z)):
        assert_same(got, want)
    assert_same(ft.jit(f)(z[0])[2], np.asarray(np.conj(z[0])))


# --------------------------------------------------------------------------- elementwise math


def assert_complex_close(got, want, rtol: float) -> None:
    """Same shape and dtype; real and imaginary parts each close (NaNs and infinities equal)."""
    got, want = np.asarray(got), np.asarray(want)
    assert (got.shape, got.dtype) == (want.shape, want.dtype), f"got {got.dtype}{got.shape}, want {want.dtype}{want.shape}"
    if got.dtype.kind != "c":
        return assert_same(got, want, rtol=rtol)
    assert_same(got.real, want.real, rtol=rtol)
    assert_same(got.imag, want.imag, rtol=rtol)


UNARY = ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos",
         "arctan", "arcsinh", "arccosh", "arctanh", "exp2", "log2", "log10", "abs", "sign", "square", "reciprocal",
         "negative", "positive", "isfinite", "isinf", "isnan"]
BINARY = ["add", "subtract", "multiply", "divide", "power", "equal", "not_equal", "less", "less_equal", "greater",
          "greater_equal", "maximum", "minimum"]


def tol(dtype) -> float:
    return 1e-5 if np.dtype(dtype) == np.complex64 else 1e-12


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_unary_math_matches_numpy_with_infinite_and_nan_parts(dtype, data):
    z = data.draw(complex_arrays(dtype))
    with np.errstate(all="ignore"):
        for name in UNARY:
            # reciprocal is 1 / z, as JAX's (NumPy's own form gives nan + nanj for 1 / 0).
            ref = (lambda v: np.divide(v.dtype.type(1), v)) if name == "reciprocal" else getattr(np, name)
            got, want = getattr(fnp, name)(z), ref(z)
            assert_complex_close(got, want, tol(dtype) if name in ("log2", "log10") else 0)


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_binary_math_matches_numpy(dtype, data):
    z = data.draw(complex_arrays(dtype, shape=st.sampled_from([(), (3,), (2, 0)])))
    w = data.draw(complex_arrays(dtype, shape=st.just(z.shape)))
    with np.errstate(all="ignore"):
        for name in BINARY:
            assert_complex_close(getattr(fnp, name)(z, w), getattr(np, name)(z, w), 0)
        # A weak Python scalar keeps the array's precision.
        assert_complex_close(fnp.multiply(z, 2 - 1j), np.multiply(z, np.asarray(2 - 1j, dtype)), 0)
        assert_complex_close(fnp.power(z, 3), np.power(z, 3), tol(dtype))
        finite = np.isfinite(z) & (z != 0)
        assert_complex_close(fnp.power(z[finite], -2), np.power(z[finite], -2), tol(dtype))


def test_abs_of_complex_is_real_and_jax_agrees():
    z = np.array([3 + 4j, -1j, 0j], np.complex64)
    assert_same(fnp.abs(z), np.array([5.0, 1.0, 0.0], np.float32))
    assert_same(lax.abs(z), np.array([5.0, 1.0, 0.0], np.float32))
    assert_same(ft.jit(fnp.abs)(z), np.array([5.0, 1.0, 0.0], np.float32))
    assert_same(fnp.angle(z.astype(np.complex128)), np.angle(z.astype(np.complex128)))


def test_sort_complex_and_vdot_as_numpy():
    z = np.array([1 + 2j, 1 - 1j, -3 + 0j, 1 - 1j, 0.5j])
    assert_same(fnp.sort_complex(z), np.sort_complex(z))
    assert_same(ft.jit(fnp.sort_complex)(z), np.sort_complex(z))
    for x in (np.array([3, 1, 2], np.int8), np.array([2.0, -1.0], np.float32), np.zeros(0)):
        assert_same(fnp.sort_complex(x), np.sort_complex(x))
    a, b = z[:3], z[2:] * 1j
    assert_same(fnp.vdot(a, b), np.vdot(a, b))
    assert_same(ft.jit(fnp.vdot)(a, b), np.vdot(a, b))
    assert_same(fnp.vecdot(a, b), np.vecdot(a, b))
    m = np.arange(6.0).reshape(3, 2) * (1 - 1j)
    assert_same(fnp.vecmat(a, m), np.vecmat(a, m))


def test_complex_rejects_what_jax_rejects():
    z = np.array([1 + 1j, 2 - 1j])
    for op in (lax.lt, lax.le, lax.gt, lax.ge, lax.max, lax.min):
        with pytest.raises(TypeError, match="complex"):
            op(z, z)
    with pytest.raises(TypeError, match="is_finite"):
        lax.is_finite(z)
    with pytest.raises(TypeError, match="floor_divide"):
        fnp.floor_divide(z, z)
    for fn in (fnp.fabs, lambda v: fnp.copysign(v, v)):
        with pytest.raises(TypeError):
            fn(z)
    with pytest.raises(ValueError, match="hypot"):
        fnp.hypot(z, z)
    with pytest.raises(ValueError, match="clip"):
        fnp.clip(z, 0, 1)


def test_lax_refuses_a_python_scalar_it_would_truncate():
    with pytest.raises(TypeError, match="Python float"):
        lax.add(np.arange(3), 1.5)
    with pytest.raises(TypeError, match="Python complex"):
        lax.mul(np.ones(3, np.float32), 1j)
    with pytest.raises(TypeError, match="Python float"):
        ft.jit(lambda v: lax.sub(v, 0.5))(np.arange(3))
    # What keeps its value is converted: an int with floats, a float with complex values.
    assert_same(lax.add(np.ones(2, np.float32), 2), np.full(2, 3.0, np.float32))
    assert_same(lax.add(np.ones(2, np.complex64), 1.5), np.full(2, 2.5, np.complex64))
    assert_same(fnp.add(np.arange(3), 1.5), np.arange(3) + 1.5)  # functrans.numpy promotes


@pytest.mark.slow  # importing JAX takes about 2 s
def test_jax_rejects_the_same_lax_operands():
    jax = pytest.importorskip("jax")
    with pytest.raises(TypeError):
        jax.lax.add(jax.numpy.arange(3), 1.5)
    with pytest.raises(TypeError):
        jax.lax.lt(jax.numpy.ones(2, "complex64"), jax.numpy.ones(2, "complex64"))


# --------------------------------------------------------------------------- derivatives

# Real-valued functions of complex arguments, each differentiable at the points drawn.
REAL_OF_COMPLEX = {
    "abs_squared": lambda z: fnp.abs(z) ** 2,
    "abs": lambda z: fnp.abs(z),
    "real_exp": lambda z: fnp.real(fnp.exp(z)),
    "imag_sin_conj": lambda z: fnp.imag(fnp.sin(z) * fnp.conj(z)),
    "angle": lambda z: fnp.angle(z),
    "abs_sqrt_log": lambda z: fnp.abs(fnp.sqrt(z)) + fnp.real(fnp.log(z)),
    "real_tanh_div": lambda z: fnp.real(fnp.tanh(z) / (z + 3.0)),
    "abs_expm1_log1p": lambda z: fnp.abs(fnp.expm1(z) * fnp.log1p(z)),
    "parts": lambda z: fnp.real(z) ** 3 - fnp.imag(z) * fnp.real(lax.complex(fnp.imag(z), fnp.real(z))),
}


def finite_difference_gradient(f, z: complex, h: float = 1e-6) -> complex:
    """JAX's gradient of a real ``f`` at ``z = x + iy``: ``df/dx - i df/dy``, by central differences."""
    df_dx = (f(z + h) - f(z - h)) / (2 * h)
    df_dy = (f(z + 1j * h) - f(z - 1j * h)) / (2 * h)
    return complex(df_dx) - 1j * complex(df_dy)


points = st.builds(complex, st.floats(0.2, 2.0), st.floats(-2.0, 2.0))


@pytest.mark.parametrize("name", sorted(REAL_OF_COMPLEX))
@settings(max_examples=5, deadline=None)
@given(z=points)
def test_grad_of_real_function_of_complex_is_df_dx_minus_i_df_dy(name, z):
    f = REAL_OF_COMPLEX[name]
    want = finite_difference_gradient(lambda v: float(f(np.complex128(v))), z)
    got = ft.grad(f)(np.complex128(z))
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    # Reverse mode agrees with forward mode (jvp along 1 and along i), and grad of a sum
    # over an array is the elementwise gradient.
    _, along_x = ft.jvp(f, (np.complex128(z),), (np.complex128(1),))
    _, along_y = ft.jvp(f, (np.complex128(z),), (np.complex128(1j),))
    np.testing.assert_allclose(complex(along_x) - 1j * complex(along_y), got, rtol=1e-12, atol=1e-12)
    zs = np.array([z, z * 0.5 + 0.3])
    np.testing.assert_allclose(ft.grad(lambda v: fnp.sum(f(v)))(zs), [ft.grad(f)(v) for v in zs], rtol=1e-12)


def test_check_grads_on_complex_functions_to_second_order():
    from functrans.test_util import check_grads

    z = np.array([0.7 + 0.3j, 1.2 - 0.8j, -0.4 + 1.1j])
    for f in (lambda v: v * fnp.conj(v), fnp.exp, lambda v: fnp.abs(v) ** 3, lambda v: fnp.sin(v) / (v + 2.0),
              lambda v: fnp.real(v) * fnp.imag(v), lambda v: lax.complex(fnp.abs(v), fnp.angle(v)),
              lambda v: fnp.sqrt(v) * fnp.log(v), lambda v: fnp.sum(v ** 2, keepdims=True), lambda v: fnp.cumsum(v)):
        check_grads(f, (z,), order=2, modes=("fwd", "rev"))


HOLOMORPHIC = {  # f and f'
    "exp": (fnp.exp, np.exp),
    "sin": (fnp.sin, np.cos),
    "cube": (lambda z: z ** 3, lambda z: 3 * z ** 2),
    "log": (fnp.log, lambda z: 1 / z),
    "sqrt": (fnp.sqrt, lambda z: 0.5 / np.sqrt(z)),
    "tanh": (fnp.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "reciprocal": (lambda z: 1.0 / z, lambda z: -1 / z ** 2),
    "arctan": (fnp.arctan, lambda z: 1 / (1 + z ** 2)),
    "power": (lambda z: fnp.power(z, 1.5 + 0.5j), lambda z: (1.5 + 0.5j) * z ** (0.5 + 0.5j)),
    "inverse_square": (lambda z: fnp.power(z, -2), lambda z: -2 * z ** -3.0),
    "logistic": (lax.logistic, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_derivatives_match_closed_forms(name):
    f, df = HOLOMORPHIC[name]
    z = np.array([0.7 + 0.3j, 1.2 - 0.8j, 0.4 + 1.1j])
    want = df(z)
    np.testing.assert_allclose([ft.grad(f, holomorphic=True)(v) for v in z], want, rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(f, holomorphic=True))(z), want, rtol=1e-12)
    for jac in (ft.jacfwd, ft.jacrev):
        np.testing.assert_allclose(jac(f, holomorphic=True)(z), np.diag(want), rtol=1e-12, atol=1e-15)
    value, g = ft.value_and_grad(f, holomorphic=True)(z[0])
    np.testing.assert_allclose((value, g), (f(z[0]), want[0]), rtol=1e-12)
    assert ft.hessian(lambda v: fnp.sum(f(v)), holomorphic=True)(z).dtype == np.complex128


def test_grad_dtype_errors_are_jaxs():
    with pytest.raises(TypeError, match="holomorphic=True"):
        ft.grad(lambda z: z * z)(1j)  # a complex output needs holomorphic=True
    with pytest.raises(TypeError, match="requires inputs with complex dtype"):
        ft.grad(lambda x: x * x, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="requires outputs with complex dtype"):
        ft.grad(lambda z: fnp.abs(z), holomorphic=True)(1j)
    with pytest.raises(TypeError, match="holomorphic"):
        ft.jacfwd(lambda z: z)(np.ones(2, np.complex64))  # forward mode: real inputs, or holomorphic
    with pytest.raises(TypeError, match="requires inputs with complex dtype"):
        ft.jacrev(lambda z: z, holomorphic=True)(np.ones(2))
    with pytest.raises(TypeError, match="real-valued outputs"):
        ft.jacrev(lambda z: z * 1j)(np.ones(2))
    with pytest.raises(TypeError, match="real- or complex-valued"):
        ft.grad(lambda n: n * 1.0)(3)
    # jacrev of a real function of complex inputs uses grad's convention.
    z = np.array([3 + 4j, 1 - 1j])
    np.testing.assert_allclose(ft.jacrev(lambda v: fnp.abs(v) ** 2)(z), np.diag(2 * np.conj(z)), rtol=1e-12)


def test_vjp_and_jvp_use_the_plain_transpose():
    z, w = np.array([1 + 2j, -0.5 + 1j]), np.array([0.3 - 1j, 2 + 0.5j])
    # A complex-linear map z -> w * z: its transpose multiplies by w, unconjugated.
    _, pullback = ft.vjp(lambda v: v * w, z)
    np.testing.assert_allclose(pullback(np.ones(2, complex))[0], w)
    _, pullback = ft.vjp(fnp.conj, z)
    np.testing.assert_allclose(pullback(w)[0], np.conj(w))
    _, pullback = ft.vjp(fnp.real, z)
    np.testing.assert_allclose(pullback(np.array([1.0, 2.0]))[0], [1, 2])
    _, pullback = ft.vjp(fnp.imag, z)
    np.testing.assert_allclose(pullback(np.array([1.0, 2.0]))[0], [-1j, -2j])
    _, pullback = ft.vjp(lambda x, y: lax.complex(x, y), z.real, z.imag)
    np.testing.assert_allclose(pullback(w), (w.real, -w.imag))
    _, tangent = ft.jvp(lambda v: fnp.abs(v), (z,), (w,))
    np.testing.assert_allclose(tangent, np.real(np.conj(z) * w) / np.abs(z))


@pytest.mark.slow  # importing JAX takes about 2 s
def test_derivatives_agree_with_jax():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    jax.config.update("jax_enable_x64", True)
    z, w = np.array([1 + 2j, -0.5 + 1j]), np.array([0.3 - 1j, 2 + 0.5j])
    pairs = [
        (lambda v: fnp.sum(fnp.abs(v) ** 2), lambda v: jnp.sum(jnp.abs(v) ** 2)),
        (lambda v: fnp.sum(fnp.real(fnp.sin(v) * fnp.conj(v))), lambda v: jnp.sum(jnp.real(jnp.sin(v) * jnp.conj(v)))),
        (lambda v: fnp.sum(fnp.angle(v * v)), lambda v: jnp.sum(jnp.angle(v * v))),
        (lambda v: fnp.sum(fnp.abs(fnp.exp(v) - v)), lambda v: jnp.sum(jnp.abs(jnp.exp(v) - v))),
    ]
    for f, g in pairs:
        np.testing.assert_allclose(ft.grad(f)(z), jax.grad(g)(z), rtol=1e-12)
    np.testing.assert_allclose(ft.grad(lambda v: fnp.abs(v) ** 2)(3 + 4j), jax.grad(lambda v: jnp.abs(v) ** 2)(3 + 4j), rtol=1e-15)
    for f, g in [(lambda v: v * fnp.conj(v) + fnp.exp(v), lambda v: v * jnp.conj(v) + jnp.exp(v)),
                 (lambda v: fnp.sqrt(v) * fnp.abs(v), lambda v: jnp.sqrt(v) * jnp.abs(v))]:
        np.testing.assert_allclose(ft.vjp(f, z)[1](w)[0], jax.vjp(g, z)[1](w)[0], rtol=1e-12)
        np.testing.assert_allclose(ft.jvp(f, (z,), (w,))[1], jax.jvp(g, (z,), (w,))[1], rtol=1e-12)
    np.testing.assert_allclose(ft.jacrev(fnp.sin, holomorphic=True)(z), jax.jacrev(jnp.sin, holomorphic=True)(z), rtol=1e-12)


# --------------------------------------------------------------------------- vmap and jit


def test_vmap_of_complex_functions_and_their_gradients_matches_a_loop():
    z = np.array([[1 + 2j, 3 - 4j, 0.5j], [-1 + 0j, 2 + 2j, 1 - 0.1j]])
    f = lambda v: fnp.sum(fnp.abs(fnp.exp(v) * fnp.conj(v)) ** 2)
    assert_same(ft.vmap(f)(z), np.stack([f(row) for row in z]))
    assert_same(ft.vmap(ft.grad(f))(z), np.stack([ft.grad(f)(row) for row in z]))
    g = lambda v, w: fnp.vdot(v, w) + fnp.sort_complex(v)[0]
    assert_same(ft.vmap(g, in_axes=(1, 1))(z, z * 1j), np.stack([g(a, b) for a, b in zip(z.T, (z * 1j).T)]))


JIT_CASES = {
    "elementwise": lambda z: (fnp.exp(z) * fnp.sin(z) + fnp.sqrt(z) / (z + 2.0) - fnp.log(z) ** 2, fnp.abs(z), fnp.sign(z),
                              fnp.tanh(z), fnp.expm1(z), fnp.log1p(z), fnp.cosh(z), fnp.arcsinh(z), z ** 3, z ** 0.5,
                              fnp.isfinite(z), fnp.less(z, 1 + 1j), fnp.maximum(z, 0.5j), fnp.angle(z), lax.logistic(z),
                              fnp.power(z, -2)),
    "reductions": lambda z: (fnp.sum(z), fnp.prod(z), fnp.sum(z, axis=0), fnp.prod(z, axis=1), fnp.mean(z), fnp.max(z),
                             fnp.min(z, axis=0), fnp.max(z, axis=1)),
    "products": lambda z: (z @ z.T, fnp.einsum("ij,kj->ik", z, fnp.conj(z)), fnp.dot(z[0], z[1]), fnp.vdot(z, z),
                           fnp.matmul(z, fnp.ones((3, 2), z.dtype)), fnp.tensordot(z, z, axes=([1], [1]))),
    "gradient": lambda z: ft.grad(lambda v: fnp.sum(fnp.abs(fnp.sin(v) * v) ** 2))(z),
}


@pytest.mark.parametrize("case", sorted(JIT_CASES))
@pytest.mark.parametrize("dtype", COMPLEX)
def test_jit_of_complex_programs_matches_eager_and_is_deterministic(case, dtype):
    z = np.array([[1 + 2j, -3 + 0.5j, 0.25 - 1j], [1e-9 + 1e-11j, 2 - 2j, -0.5 - 0.5j]], dtype)
    f = JIT_CASES[case]
    compiled = ft.jit(f)
    got, again = compiled(z), compiled(z)
    for g, a, w in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(again), ft.tree_util.tree_leaves(f(z))):
        assert_complex_close(g, w, 5e-5 if dtype == np.complex64 else 1e-12)
        assert np.asarray(g).tobytes() == np.asarray(a).tobytes()  # bitwise, call after call


def test_jit_keeps_infinite_and_nan_parts_of_the_simple_operations():
    z = np.array([complex(np.inf, 1), complex(1, -np.inf), complex(np.nan, 0), complex(-0.0, -0.0), 1 - 1j])
    f = lambda v: (v + 1j, v * 2.0, fnp.conj(v), fnp.real(v), fnp.imag(v), fnp.abs(v), fnp.isfinite(v), fnp.isinf(v),
                   fnp.isnan(v), lax.complex(fnp.imag(v), fnp.real(v)), v == v, fnp.sum(v[3:]))
    for got, want in zip(ft.jit(f)(z), f(z)):
        assert_same(got, want)


def test_generated_code_uses_no_fast_math_for_complex():
    z = np.ones(4, np.complex128)
    text = ft.jit(lambda v: fnp.exp(v) + fnp.log(v) + fnp.sin(v) + fnp.cos(v) + fnp.tanh(v) + fnp.expm1(v)).lower(z).as_text()
    assert "fm." not in text
    assert "fm." in ft.jit(lambda v: fnp.exp(v) + fnp.sin(v)).lower(np.ones(4)).as_text()


# --------------------------------------------------------------------------- linalg and special functions


def test_norm_of_complex_arrays_is_real_eagerly_and_under_jit():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    for args in [(), (None, 1), ("fro",), (1,), (np.inf,)]:
        want = np.linalg.norm(a, *args) if args[:1] != (None,) else np.linalg.norm(a, axis=args[1])
        f = (lambda v: fnp.linalg.norm(v, *args)) if args[:1] != (None,) else (lambda v: fnp.linalg.norm(v, axis=args[1]))
        assert_same(f(a), want, rtol=1e-12)
        assert_same(ft.jit(f)(a), want, rtol=1e-12)
    assert_same(fnp.linalg.norm(a[0], ord=0), np.linalg.norm(a[0], ord=0))
    np.testing.assert_allclose(ft.grad(fnp.linalg.norm)(a), np.conj(a) / np.linalg.norm(a), rtol=1e-12)  # grad's convention


@SETTINGS
@given(z=hnp.arrays(np.complex128, shapes, elements=parts(np.complex128, special=False, lo=-30, hi=30)))
def test_wofz_matches_scipy(z):
    want = scipy.special.wofz(z)
    got = fsp.wofz(z)
    assert got.dtype == np.complex128 and got.shape == z.shape
    # Below the real axis w is about 2 exp(-z**2), whose argument's rounding error grows with |z|**2.
    finite = np.isfinite(want)
    error = np.abs(got - want)[finite] / np.abs(want[finite])
    assert np.all(error <= 5e-14 * np.maximum(1.0, np.abs(z[finite]) ** 2 * (z[finite].imag < 0))), (z, got, want)


def test_wofz_dtypes_derivative_vmap_and_jit():
    z = np.array([0.0, 1 + 1j, -2.5 + 0.1j, 3 - 2j, 0.5 - 4j, 1e-9j, 40 + 1j])
    assert fsp.wofz(np.float32(1.0)).dtype == np.complex64 and fsp.wofz(z.astype(np.complex64)).dtype == np.complex64
    np.testing.assert_allclose(fsp.wofz(z.astype(np.complex64)), scipy.special.wofz(z), rtol=2e-5)
    np.testing.assert_allclose(fsp.wofz(np.arange(3.0)), scipy.special.wofz(np.arange(3.0)), rtol=5e-14)
    derivative = 2j / np.sqrt(np.pi) - 2 * z * scipy.special.wofz(z)  # w' = 2i/sqrt(pi) - 2zw
    np.testing.assert_allclose(ft.vmap(ft.grad(fsp.wofz, holomorphic=True))(z), derivative, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ft.jit(fsp.wofz)(z), fsp.wofz(z), rtol=1e-14)
    from functrans.test_util import check_grads

    check_grads(lambda v: fnp.abs(fsp.wofz(v)), (z[1:4],), order=2, modes=("fwd", "rev"))


def test_sph_harm_y_matches_scipy_and_transforms():
    rng = np.random.default_rng(1)
    n = np.array([0, 1, 1, 1, 2, 2, 3, 5, 4, 6, 6])
    m = np.array([0, -1, 0, 1, -2, 1, -3, 2, 4, -5, 6])
    theta, phi = rng.uniform(0, np.pi, n.size), rng.uniform(0, 2 * np.pi, n.size)
    want = scipy.special.sph_harm_y(n, m, theta, phi)
    assert_complex_close(fsp.sph_harm_y(n, m, theta, phi), want, 1e-12)
    assert_complex_close(ft.jit(lambda t, p: fsp.sph_harm_y(n, m, t, p, n_max=6))(theta, phi), want, 1e-12)
    assert_complex_close(fsp.sph_harm_y(2, 1, theta, phi), scipy.special.sph_harm_y(2, 1, theta, phi), 1e-12)
    assert_complex_close(ft.vmap(lambda t: fsp.sph_harm_y(n, m, t, phi, n_max=6))(np.stack([theta, theta[::-1]])),
                         np.stack([want, scipy.special.sph_harm_y(n, m, theta[::-1], phi)]), 1e-12)
    # The phase: d/dphi Y = i m Y.
    _, tangent = ft.jvp(lambda p: fsp.sph_harm_y(n, m, theta, p), (phi,), (np.ones_like(phi),))
    np.testing.assert_allclose(tangent, 1j * m * want, rtol=1e-10, atol=1e-12)
    with pytest.raises(NotImplementedError, match="diff_n"):
        fsp.sph_harm_y(n, m, theta, phi, diff_n=1)
    with pytest.raises(Exception, match="n_max"):
        ft.jit(lambda k: fsp.sph_harm_y(k, m, theta, phi))(n)


def test_numpy_functions_on_complex_values_as_numpy():
    z = np.array([1 + 2j, 3 - 1j, -0.5 + 0.25j, 2j, complex(np.inf, 1), complex(1, np.nan)])
    w = z + 1e-9
    assert_same(fnp.isclose(z, w), np.isclose(z, w))
    assert_same(fnp.isclose(z, w, equal_nan=True), np.isclose(z, w, equal_nan=True))
    assert_same(fnp.allclose(z[:4], z[:4] * 1.1), np.asarray(np.allclose(z[:4], z[:4] * 1.1)))
    finite = z[:4]
    for name in ("var", "std"):
        assert_same(getattr(fnp, name)(finite), getattr(np, name)(finite), rtol=1e-14)
        assert_same(ft.jit(getattr(fnp, name))(finite), getattr(np, name)(finite), rtol=1e-14)
    assert_same(fnp.round(finite * 1.37, 1), np.round(finite * 1.37, 1))
    assert_same(fnp.rint(finite * 1.37), np.rint(finite * 1.37))
    special = np.array([complex(np.nan, np.inf), complex(-np.inf, 2)])
    assert_same(fnp.nan_to_num(special), np.nan_to_num(special))
    with pytest.raises(ValueError, match="complex"):
        fnp.isposinf(z)


def test_max_and_min_of_complex_are_numpys_lexicographic_ones_under_jit():
    z = np.array([[1 + 2j, 3 - 1j, 3 + 0.5j], [complex(np.nan, 1), 2j, -1j], [complex(1, np.nan), 5 + 0j, complex(-np.inf, -np.inf)]])
    for f, ref in [(fnp.max, np.max), (fnp.min, np.min), (lambda v: fnp.max(v, axis=1), lambda v: np.max(v, axis=1)),
                   (lambda v: fnp.min(v, axis=0), lambda v: np.min(v, axis=0)), (lambda v: fnp.max(v[0]), lambda v: np.max(v[0]))]:
        assert_same(ft.jit(f)(z), ref(z))
        assert_same(f(z), ref(z))


def test_cumulative_and_arg_reductions_of_complex_as_numpy_under_jit():
    # Ties of real parts (the imaginary part decides), and NaN parts, which win.
    z = np.array([[1 + 2j, 3 - 1j, 3 + 0.5j, -1j], [complex(np.nan, 1), 2j, -1j, 2j], [1 - 1j, 1 + 1j, 1 + 0j, 5j]])
    cases = [(lambda v: fnp.cumsum(v, axis=1), lambda v: np.cumsum(v, axis=1)),
             (lambda v: fnp.cumprod(v, axis=0), lambda v: np.cumprod(v, axis=0)),
             (lambda v: lax.cummax(v, axis=1), lambda v: np.maximum.accumulate(v, axis=1)),
             (lambda v: lax.cummin(v, axis=1), lambda v: np.minimum.accumulate(v, axis=1)),
             (lambda v: fnp.argmax(v, axis=1), lambda v: np.argmax(v, axis=1)),
             (lambda v: fnp.argmin(v, axis=1), lambda v: np.argmin(v, axis=1)),
             (lambda v: fnp.maximum(v, v[::-1]), lambda v: np.maximum(v, v[::-1]))]
    for f, ref in cases:
        with warnings.catch_warnings():  # the complex orderings inline cleanly into Numba's IR
            warnings.simplefilter("error", NumbaIRAssumptionWarning)
            assert_same(ft.jit(f)(z), ref(z))
        assert_same(f(z), ref(z))


def test_sort_and_argsort_of_complex_values_as_numpy():
    z = np.array([[2 + 1j, complex(np.nan, 0), 1 + 3j, 1 - 1j, complex(1, np.nan), 1 - 1j, -0.5j]])
    for f, ref in [(fnp.sort, np.sort), (fnp.argsort, lambda v: np.argsort(v, kind="stable")),
                   (lambda v: fnp.sort(v, axis=None, descending=True), lambda v: np.sort(v, axis=None)[::-1]),
                   (lambda v: fnp.sort(v, axis=0), lambda v: np.sort(v, axis=0))]:
        assert_same(f(z), ref(z))
        assert_same(ft.jit(f)(z), ref(z))
    # Descending keeps equal values in their original order (the two 1 - 1j at 3 and 5).
    assert_same(fnp.argsort(z[0], descending=True), np.array([1, 4, 0, 2, 3, 5, 6]))
