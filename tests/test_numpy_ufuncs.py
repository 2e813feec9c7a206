"""Elementwise math and bit-level functions of functrans.numpy against NumPy/SciPy:
values, dtypes and shapes on hypothesis-drawn arrays (0-d, empty, non-contiguous, with
NaN/inf/-0.0), eagerly and through the jaxpr; derivatives by check_grads; vmap against
a loop; one jitted program against eager; errors of JAX's types."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads

from numpy_checks import arrays, assert_same, check

# Few examples per case: the grid of functions and dtypes is large.
SETTINGS = settings(max_examples=10, deadline=None)
FLOATS = [np.float32, np.float64]
INTS = [np.int32, np.int64, np.uint8, np.int8]
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FLOAT_UNARY = {
    "fabs": np.fabs, "rint": np.rint, "trunc": np.trunc, "fix": np.fix, "signbit": np.signbit, "deg2rad": np.deg2rad,
    "rad2deg": np.rad2deg, "radians": np.radians, "degrees": np.degrees, "isposinf": np.isposinf,
    "isneginf": np.isneginf, "sinc": np.sinc, "modf": np.modf, "frexp": np.frexp, "spacing": np.spacing,
    "nan_to_num": np.nan_to_num, "isreal": np.isreal, "iscomplex": np.iscomplex, "real": np.real, "imag": np.imag,
    "conj": np.conj, "conjugate": np.conjugate, "angle": np.angle, "acos": np.arccos, "asinh": np.arcsinh,
    "atan": np.arctan, "i0": np.i0,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
@SETTINGS
@given(data=st.data())
def test_unary_matches_numpy(name, dtype, data):
    x = data.draw(arrays(dtype, special=name not in ("i0",)) if np.dtype(dtype).kind == "f" else arrays(dtype))
    ref = FLOAT_UNARY[name]
    if name == "i0":
        # NumPy's i0 gives float64 for float32 input; the function is SciPy's, in x's float dtype.
        ref = lambda v: scipy.special.i0(v).astype(np.result_type(v.dtype, np.float32) if v.dtype.kind == "f" else np.float64)
    check(getattr(fnp, name), ref, x, rtol=1e-5 if dtype == np.float32 else 1e-13)


def test_i0_matches_scipy_over_its_range_and_beyond_scipys_overflow():
    x = np.concatenate([np.linspace(-40, 40, 4001), np.linspace(19, 21, 201), [300.0, 700.0, 709.0]])
    assert_same(fnp.i0(x), scipy.special.i0(x), rtol=1e-13)
    # I0(713) = e**713 / sqrt(2 pi 713) is finite; SciPy overflows on e**713 alone.
    assert np.isclose(fnp.i0(713.0), np.exp(713.0 - 0.5 * np.log(2 * np.pi * 713.0)) * (1 + 1 / (8 * 713.0)), rtol=1e-6)


BINARY = {
    "copysign": np.copysign, "fmax": np.fmax, "fmin": np.fmin, "fmod": np.fmod, "heaviside": np.heaviside,
    "float_power": np.float_power, "logaddexp2": np.logaddexp2, "nextafter": np.nextafter, "divmod": np.divmod,
    "pow": np.power, "atan2": np.arctan2,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32), (np.float32, np.int32), (np.int64, np.int64)])
@SETTINGS
@given(data=st.data())
def test_binary_matches_numpy_with_broadcasting(name, dtypes, data):
    x = data.draw(arrays(dtypes[0], special=True) if np.dtype(dtypes[0]).kind == "f" else arrays(dtypes[0], lo=-20, hi=20))
    trailing = x.shape[data.draw(st.integers(0, x.ndim)):]
    y = data.draw(arrays(dtypes[1], shape=st.just(trailing), special=True, lo=-5, hi=5) if np.dtype(dtypes[1]).kind == "f"
                  else arrays(dtypes[1], shape=st.just(trailing), lo=1 if name in ("fmod", "divmod", "pow") else -5, hi=5))
    if name == "pow" and np.dtype(dtypes[0]).kind == "i":
        y = np.abs(y)
    check(getattr(fnp, name), BINARY[name], x, y, rtol=1e-5 if np.float32 in dtypes else 1e-13)


def test_binary_functions_take_weak_python_scalars():
    x = np.array([1.5, -2.5], np.float32)
    for name in ("copysign", "fmax", "fmin", "fmod", "heaviside", "nextafter", "logaddexp2"):
        assert_same(getattr(fnp, name)(x, 2.0), BINARY[name](x, 2.0), rtol=1e-6)


@pytest.mark.parametrize("dtype", INTS + [np.uint64])
@SETTINGS
@given(data=st.data())
def test_integer_functions_match_numpy(dtype, data):
    info = np.iinfo(dtype)
    x = data.draw(arrays(dtype, lo=info.min, hi=info.max))
    y = data.draw(arrays(dtype, shape=st.just(x.shape), lo=max(info.min, -1000), hi=min(info.max, 1000)))
    k = data.draw(arrays(dtype, shape=st.just(x.shape), lo=0, hi=min(info.max, 8 * np.dtype(dtype).itemsize + 3)))
    check(fnp.bitwise_count, np.bitwise_count, x)
    check(fnp.left_shift, np.left_shift, x, k)
    check(fnp.right_shift, np.right_shift, x, k)
    check(fnp.bitwise_right_shift, np.bitwise_right_shift, x, k)
    check(fnp.gcd, np.gcd, x, y)
    # Small operands, so that the lcm fits the dtype (overflow wraps differently).
    a, b = (np.asarray(v).astype(np.int64) % 12 - (6 if info.min < 0 else 0) for v in (x, y))
    check(fnp.lcm, np.lcm, a.astype(dtype), b.astype(dtype))


def test_bitwise_aliases_and_errors():
    x = np.array([0, 5, -3], np.int16)
    for name in ("bitwise_invert", "bitwise_not"):
        assert_same(getattr(fnp, name)(x), np.invert(x))
    assert_same(fnp.bitwise_left_shift(x, 2), np.left_shift(x, 2))
    with pytest.raises(TypeError, match="left_shift"):
        fnp.left_shift(np.ones(2), 1)
    with pytest.raises(TypeError, match="gcd"):
        fnp.gcd(np.ones(2), 2)
    with pytest.raises(TypeError, match="bitwise_count"):
        fnp.bitwise_count(np.ones(2))
    with pytest.raises(TypeError, match="ldexp"):
        fnp.ldexp(np.ones(2), np.ones(2))


@pytest.mark.parametrize("dtype", FLOATS)
def test_ldexp_and_frexp_are_exact_inverses_including_subnormals(dtype):
    info = np.finfo(dtype)
    x = np.array([1.0, -3.5, info.tiny, info.tiny / 8, info.max, 0.0, -0.0, np.inf, np.nan], dtype)
    m, e = fnp.frexp(x)
    want_m, want_e = np.frexp(x)
    assert_same(m, want_m, exact=True)
    assert_same(e, want_e)
    assert_same(fnp.ldexp(m, e), x, exact=True)
    n = np.array([0, 3, -2000, 2000, 1, 5000, -5000, 2, 0], np.int64)
    assert_same(fnp.ldexp(x, n), np.ldexp(x, n), exact=True)
    assert_same(fnp.ldexp(np.array([1, 2]), 3), np.ldexp(np.array([1, 2]), 3))


@pytest.mark.parametrize("bitorder", ["big", "little"])
@SETTINGS
@given(data=st.data())
def test_packbits_and_unpackbits_match_numpy(bitorder, data):
    x = data.draw(arrays(np.bool_))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    check(lambda v: fnp.packbits(v, axis, bitorder), lambda v: np.packbits(v, axis, bitorder=bitorder), x)
    packed = np.packbits(x, axis, bitorder=bitorder)
    n = 8 * (packed.size if axis is None else packed.shape[axis])
    # Beyond -n NumPy raises; beyond n on an empty input it pads with uninitialised bytes.
    count = data.draw(st.none() | st.integers(-n, n))
    check(lambda v: fnp.unpackbits(v, axis, count, bitorder), lambda v: np.unpackbits(v, axis, count, bitorder), packed)


def test_unpackbits_count_beyond_the_bits_pads_with_zeros():
    packed = np.array([[5, 255]], np.uint8)
    assert_same(fnp.unpackbits(packed, axis=1, count=20), np.unpackbits(packed, axis=1, count=20))
    assert_same(fnp.unpackbits(packed, axis=0, count=-3, bitorder="little"), np.unpackbits(packed, axis=0, count=-3, bitorder="little"))


def test_packbits_errors():
    with pytest.raises(TypeError, match="unpackbits"):
        fnp.unpackbits(np.ones(2, np.int32))
    with pytest.raises(ValueError, match="bitorder"):
        fnp.packbits(np.ones(2, bool), bitorder="middle")
    with pytest.raises(TypeError, match="packbits"):
        fnp.packbits(np.ones(2))


def test_complex_helpers_on_real_arrays_and_object_tests():
    x = np.array([-2.0, -0.0, 0.0, 3.0])
    assert_same(fnp.angle(x, deg=True), np.angle(x, deg=True))
    assert fnp.isrealobj(x) and not fnp.iscomplexobj(x) and fnp.iscomplexobj(np.ones(2, complex))
    assert fnp.iscomplexobj(1j) and fnp.isrealobj(1.0)


def test_nan_to_num_with_custom_replacements():
    x = np.array([np.nan, np.inf, -np.inf, 2.0], np.float32)
    assert_same(fnp.nan_to_num(x, nan=-1.0, posinf=5.0, neginf=-5.0), np.nan_to_num(x, nan=-1.0, posinf=5.0, neginf=-5.0))
    assert_same(fnp.nan_to_num(np.array([3, 4])), np.array([3, 4]))


# --------------------------------------------------------------------------- derivatives


GRADS = [
    ("copysign", lambda x: fnp.copysign(x ** 2 + 1, x - 0.3), [0.7, -1.3, 2.0]),
    ("fmod", lambda x: fnp.fmod(x ** 3, 1.7 + 0.1 * x), [-2.1, 0.9, 3.3]),
    ("modf", lambda x: fnp.modf(3 * x)[0] + fnp.modf(x)[1], [-1.15, 0.35, 2.45]),
    ("sinc", fnp.sinc, [0.0, 1e-3, 0.25, -1.5, 3.2]),
    ("i0", fnp.i0, [0.0, 0.5, -3.0, 19.9, 20.1, 35.0]),
    ("logaddexp2", lambda x: fnp.logaddexp2(x, 1 - x), [-1.0, 0.5, 0.5001, 3.0]),
    ("float_power", lambda x: fnp.float_power(x, 2.5 - x), [0.5, 1.5, 2.0]),
    ("ldexp", lambda x: fnp.ldexp(x * x, np.array([3, -1, 0])), [0.3, -1.2, 2.0]),
    ("frexp", lambda x: fnp.frexp(x ** 2)[0], [0.3, -1.2, 2.1]),
    ("deg2rad", lambda x: fnp.sin(fnp.deg2rad(x * 100)), [0.3, -1.2, 2.0]),
    ("fmax", lambda x: fnp.fmax(x, np.array([np.nan, 0.0, 5.0])) ** 2, [0.3, -1.2, 2.0]),
    ("heaviside", lambda x: fnp.heaviside(x, 0.5) * x ** 2, [-0.3, 1.2]),
    ("nan_to_num", lambda x: fnp.nan_to_num(x ** 2), [0.3, -1.2]),
    ("real", lambda x: fnp.real(x) * fnp.conj(x) + fnp.imag(x), [0.3, -1.2]),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,fn,points", GRADS, ids=[g[0] for g in GRADS])
def test_second_order_derivatives(name, fn, points):
    check_grads(fn, (np.array(points),), order=2, modes=("fwd", "rev"))


def test_sinc_and_i0_derivatives_at_zero_are_exact():
    # sinc''(0) = -pi**2 / 3; i0''(0) = 1/2.
    d2 = lambda f: ft.grad(ft.grad(f))(0.0)
    assert np.isclose(d2(fnp.sinc), -np.pi ** 2 / 3, rtol=1e-12)
    assert np.isclose(d2(fnp.i0), 0.5, rtol=1e-12)
    assert ft.grad(fnp.i0)(0.0) == 0.0


# --------------------------------------------------------------------------- vmap and jit


def test_vmap_matches_a_loop():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3)) * 4
    n = rng.integers(-4, 5, size=(5, 3))
    cases = [
        (lambda a, b: fnp.fmod(a, 1.5) + fnp.ldexp(a, b), (x, n)),
        (lambda a, b: fnp.gcd(b, 6) + fnp.right_shift(b, 1) + fnp.bitwise_count(b), (x, n)),
        (lambda a, b: fnp.sinc(a) * fnp.i0(a) + fnp.copysign(1.0, a) + fnp.frexp(a)[0], (x, n)),
    ]
    for fn, args in cases:
        want = np.stack([fn(*[a[i] for a in args]) for i in range(5)])
        assert_same(ft.vmap(fn)(*args), want)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", FLOATS)
def test_jit_matches_eager(dtype):
    # The new primitives (sign bit, exponent, ldexp, nextafter, arithmetic shift) and the
    # loop of gcd; the rest are compositions of primitives the backend tests cover.
    def program(x, n):
        m, e = fnp.frexp(x)
        return (fnp.signbit(x), m, e, fnp.ldexp(x, n), fnp.spacing(x), fnp.right_shift(n, 2), fnp.gcd(n, 12),
                fnp.bitwise_count(n), fnp.i0(x))

    x = np.array([-3.7, -0.0, 0.0, 1e-3, 2.5, 25.0, np.inf, np.nan], dtype)
    n = np.array([-9, -1, 0, 1, 7, 64, 1000, -1000], np.int64)
    eager, compiled = program(x, n), ft.jit(program)(x, n)
    for c, e in zip(compiled, eager, strict=True):
        assert_same(c, e, rtol=1e-6 if dtype == np.float32 else 1e-14)
