"""lax.bitcast_convert_type, population_count, clz, mulhi, reduce_precision: against NumPy
views, Python integers and float16/float32 casts, derivatives, vmap, jit, jax.lax."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
from functrans import lax

rng = np.random.default_rng(3)
INT_DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]


def random_ints(dtype, shape):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("old, new", [(np.float32, np.int32), (np.float64, np.uint64), (np.int64, np.float64),
                                      (np.float32, np.uint8), (np.int16, np.int8), (np.uint8, np.float32),
                                      (np.int8, np.int64), (np.float32, np.float32)])
@pytest.mark.parametrize("shape", [(), (3,), (2, 0), (2, 3)])
def test_bitcast_convert_type_is_numpy_view(old, new, shape):
    old, new = np.dtype(old), np.dtype(new)
    if old.itemsize < new.itemsize:
        shape = shape + (new.itemsize // old.itemsize,)
    x = (random_ints(old, shape) if old.kind in "iu" else rng.normal(size=shape)).astype(old)
    ratio = old.itemsize / new.itemsize
    expected_shape = shape[:-1] if ratio < 1 else shape + ((int(ratio),) if ratio > 1 else ())
    out = lax.bitcast_convert_type(x, new)
    assert out.dtype == new and out.shape == expected_shape
    assert out.tobytes() == np.ascontiguousarray(x).tobytes()


def test_bitcast_of_a_noncontiguous_array_and_errors():
    x = rng.normal(size=(4, 6)).astype(np.float32)[:, ::2]
    np.testing.assert_array_equal(lax.bitcast_convert_type(x, np.int32), np.ascontiguousarray(x).view(np.int32))
    with pytest.raises(TypeError, match="last axis of size 2"):
        lax.bitcast_convert_type(np.ones(3, np.float32), np.float64)
    with pytest.raises(TypeError, match="bool"):
        lax.bitcast_convert_type(np.ones(3, np.int8), np.bool_)
    # Not differentiable (JAX: zero derivative).
    assert ft.grad(lambda x: lax.bitcast_convert_type(x, np.float32).sum())(np.ones(2, np.float32)).tolist() == [0, 0]


def test_bitcast_vmap_over_any_axis_matches_a_loop():
    x = rng.normal(size=(3, 4))
    out = ft.vmap(lambda r: lax.bitcast_convert_type(r, np.uint32), in_axes=1)(x)
    np.testing.assert_array_equal(out, np.stack([np.ascontiguousarray(x[:, j]).view(np.uint32).reshape(3, 2) for j in range(4)]))
    pairs = x.view(np.uint32).reshape(3, 4, 2)
    back = ft.vmap(lambda p: lax.bitcast_convert_type(p, np.float64), in_axes=1)(pairs)
    np.testing.assert_array_equal(back, x.T)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_population_count_and_clz_match_python_integers(dtype):
    x = np.concatenate([random_ints(dtype, 200), np.array([0, 1, np.iinfo(dtype).max, np.iinfo(dtype).min], dtype)])
    bits = 8 * np.dtype(dtype).itemsize
    unsigned = [int(v) % (1 << bits) for v in x]
    pop, lead = lax.population_count(x), lax.clz(x)
    assert pop.dtype == dtype and lead.dtype == dtype
    assert pop.tolist() == [bin(u).count("1") for u in unsigned]
    assert lead.tolist() == [bits - u.bit_length() for u in unsigned]


def test_counting_bits_rejects_floats():
    with pytest.raises(TypeError, match="population_count"):
        lax.population_count(np.ones(2))
    with pytest.raises(TypeError, match="clz"):
        lax.clz(np.ones(2, np.float32))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_mulhi_is_the_high_half_of_the_exact_product(dtype):
    x, y = random_ints(dtype, 300), random_ints(dtype, 300)
    info, bits = np.iinfo(dtype), 8 * np.dtype(dtype).itemsize
    x[:4], y[:4] = [info.min, info.max, info.min, 0], [info.min, info.max, info.max, info.min]
    out = lax.mulhi(x, y)
    assert out.dtype == dtype
    expected = [(int(a) * int(b)) >> bits for a, b in zip(x, y)]  # Python's >> floors: the signed high half
    assert [int(v) for v in out] == expected


def test_mulhi_errors_and_vmap():
    with pytest.raises(TypeError, match="equal dtypes"):
        lax.mulhi(np.ones(2, np.int32), np.ones(2, np.int64))
    with pytest.raises(TypeError, match="mulhi"):
        lax.mulhi(np.ones(2), np.ones(2))
    x, y = random_ints(np.uint32, (3, 5)), random_ints(np.uint32, 5)
    np.testing.assert_array_equal(ft.vmap(lax.mulhi, in_axes=(0, None))(x, y), np.stack([lax.mulhi(r, y) for r in x]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(6.2e-5, 65000.0), min_size=1, max_size=20), st.booleans())
def test_reduce_precision_to_half_is_a_float16_cast_in_its_normal_range(values, negate):
    x = np.array(values) * (-1 if negate else 1)
    np.testing.assert_array_equal(lax.reduce_precision(x, 5, 10), x.astype(np.float16).astype(np.float64))
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(lax.reduce_precision(x32, exponent_bits=5, mantissa_bits=10),
                                  x32.astype(np.float16).astype(np.float32))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1.2e-38, 3.4e38), min_size=1, max_size=20))
def test_reduce_precision_to_single_is_a_float32_cast_in_its_normal_range(values):
    x = np.array(values)
    np.testing.assert_array_equal(lax.reduce_precision(x, 8, 23), x.astype(np.float32).astype(np.float64))


def test_reduce_precision_edges():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-6, -1e-6, 65520.0, 65519.0, 1e300, 1.0 + 2.0 ** -11,
                  1.0 + 3 * 2.0 ** -11])
    out = lax.reduce_precision(x, 5, 10)
    # Overflow rounds to infinity; below the smallest normal (2**-14) flushes to a signed zero;
    # ties go to even.
    expected = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.0, -0.0, np.inf, 65504.0, np.inf, 1.0, 1.0 + 2.0 ** -9]
    np.testing.assert_array_equal(out, expected)
    assert np.signbit(out[6]) and np.signbit(out[4])
    # No mantissa bits: NaN stays NaN, as JAX on CPU.
    np.testing.assert_array_equal(lax.reduce_precision(np.array([np.nan, -np.nan, np.inf, 1.5, 3.0]), 5, 0),
                                  [np.nan, np.nan, np.inf, 2.0, 2.0])
    assert lax.reduce_precision(2.5, 11, 52) == 2.5  # a Python scalar, at full precision
    with pytest.raises(TypeError, match="reduce_precision"):
        lax.reduce_precision(np.ones(2, np.int32), 5, 10)
    with pytest.raises(ValueError, match="exponent_bits"):
        lax.reduce_precision(np.ones(2), 0, 10)


def test_reduce_precision_derivative_rounds_the_tangent():
    f = lambda x: lax.reduce_precision(x, 5, 10)
    x = np.array([0.3, 1.7])
    _, t = ft.jvp(f, (x,), (np.full(2, 1.0 + 2.0 ** -12),))
    np.testing.assert_array_equal(t, [1.0, 1.0])
    np.testing.assert_array_equal(ft.grad(lambda x: (f(x) * 3.0).sum())(x), [3.0, 3.0])
    np.testing.assert_array_equal(ft.grad(lambda x: (f(x) * 1.0001).sum())(x), [1.0, 1.0])  # the cotangent, rounded
    xs = rng.normal(size=(4, 3)) * 100
    np.testing.assert_array_equal(ft.vmap(f, in_axes=1)(xs), np.stack([f(xs[:, j]) for j in range(3)]))


@pytest.mark.slow
def test_bits_under_jit_match_eager():
    x = np.array([1.5, -2.25, np.nan, 1e-40, 3e38], np.float32)
    i8, u64 = random_ints(np.int8, 7), random_ints(np.uint64, 7)
    i64 = random_ints(np.int64, 7)

    def f(x, i8, i64, u64):
        return (lax.bitcast_convert_type(x, np.int32), lax.bitcast_convert_type(x, np.uint8),
                lax.bitcast_convert_type(lax.bitcast_convert_type(x, np.uint16), np.float32),
                lax.population_count(i8), lax.clz(i8), lax.population_count(i64), lax.clz(u64),
                lax.mulhi(i64, i64), lax.mulhi(u64, u64), lax.mulhi(i8, i8),
                lax.reduce_precision(x, 5, 10), lax.reduce_precision(x.astype(np.float64), 8, 23))

    for got, want in zip(ft.jit(f)(x, i8, i64, u64), f(x, i8, i64, u64)):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype and got.shape == want.shape


@pytest.mark.slow
def test_bits_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for dtype in INT_DTYPES:
        x, y = random_ints(dtype, 50), random_ints(dtype, 50)
        np.testing.assert_array_equal(lax.population_count(x), jax.lax.population_count(x))
        np.testing.assert_array_equal(lax.clz(x), jax.lax.clz(x))
        np.testing.assert_array_equal(lax.mulhi(x, y), jax.lax.mulhi(x, y))
    v = np.concatenate([rng.normal(size=50) * 10.0 ** rng.integers(-8, 8, 50), [np.nan, np.inf, 65520.0, 1e-5]])
    for e, m in [(5, 10), (8, 7), (8, 23), (4, 3), (11, 20), (5, 0), (11, 0)]:
        np.testing.assert_array_equal(lax.reduce_precision(v, e, m), jax.lax.reduce_precision(v, e, m))
    # float32 with its subnormals: bfloat16's rounding keeps the source's exponent range.
    v32 = np.concatenate([v, rng.normal(size=20) * 1e-39, [3e-45, 1.1754942e-38]]).astype(np.float32)
    for e, m in [(8, 7), (8, 3), (5, 10), (8, 0), (6, 1)]:
        np.testing.assert_array_equal(lax.reduce_precision(v32, e, m), jax.lax.reduce_precision(v32, e, m))
    np.testing.assert_array_equal(lax.bitcast_convert_type(v, np.uint16), jax.lax.bitcast_convert_type(v, np.uint16))
