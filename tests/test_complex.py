"""Complex numbers end to end: promotion and creation, the complex-part primitives
(real/imag/complex/conj), elementwise math on complex values against NumPy (0-d, empty,
non-contiguous, inf/nan parts), derivatives with JAX's conventions (checked against finite
differences in the real and imaginary directions, and against JAX where installed), vmap
against a loop, jit against eager, and errors of JAX's types."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
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
