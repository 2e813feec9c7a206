"""lax.rng_bit_generator (Philox-4x32-10 against the Random123 known-answer vectors,
determinism, distribution), rng_uniform, random_gamma_grad against finite differences of
SciPy's inverse, tokens, and the convolution helpers conv_transpose_shape_tuple and
conv_general_dilated_local; vmap, jit and jax.lax where installed."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats

import functrans as ft
from functrans import lax
from functrans.lax import rng as lax_rng
from functrans.test_util import check_grads

KEY = np.array([1, 2, 3, 4], np.uint32)


@pytest.mark.parametrize("counter, key, expected", [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
])
def test_philox_matches_the_random123_known_answers(counter, key, expected):
    words = lax_rng._philox(tuple(np.array([k], np.uint32) for k in key), [np.array([c], np.uint32) for c in counter])
    assert [int(w[0]) for w in words] == expected


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
@pytest.mark.parametrize("shape", [(), (5,), (2, 0), (3, 7)])
def test_rng_bit_generator_shapes_dtypes_and_determinism(dtype, shape):
    new_key, bits = lax.rng_bit_generator(KEY, shape, dtype)
    assert bits.shape == shape and bits.dtype == dtype
    assert new_key.shape == (4,) and new_key.dtype == np.uint32
    again = lax.rng_bit_generator(KEY, shape, dtype)
    np.testing.assert_array_equal(again[1], bits)
    np.testing.assert_array_equal(again[0], new_key)
    assert not np.array_equal(new_key, KEY)


def test_rng_bit_generator_keys_and_algorithms_give_different_streams():
    _, a = lax.rng_bit_generator(KEY, (64,))
    new_key, _ = lax.rng_bit_generator(KEY, (64,))
    _, b = lax.rng_bit_generator(new_key, (64,))
    _, c = lax.rng_bit_generator(KEY, (64,), algorithm=lax.RandomAlgorithm.RNG_PHILOX)
    _, d = lax.rng_bit_generator(KEY + np.uint32(1), (64,))
    for other in (b, c, d):
        assert np.mean(a == other) < 0.05
    # A longer request starts with the shorter one's bits (counter based), and a uint64
    # key is the same key as its uint32 words.
    _, longer = lax.rng_bit_generator(KEY, (100,))
    np.testing.assert_array_equal(longer[:64], a)
    wide_key, wide = lax.rng_bit_generator(KEY.view(np.uint64), (64,))
    np.testing.assert_array_equal(wide, a)
    assert wide_key.dtype == np.uint64 and wide_key.shape == (2,)
    assert str(lax.RandomAlgorithm.RNG_THREE_FRY) == "RNG_THREE_FRY"


def test_rng_bit_generator_is_well_distributed():
    _, bits = lax.rng_bit_generator(KEY, (200_000,), np.uint32)
    u = bits / 2.0 ** 32
    assert scipy.stats.kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    ones = np.unpackbits(bits.view(np.uint8)).reshape(-1, 32).mean(0)  # every bit position is fair
    assert np.all(np.abs(ones - 0.5) < 0.01)
    _, small = lax.rng_bit_generator(KEY, (256 * 400,), np.uint8)
    counts = np.bincount(small, minlength=256)
    assert scipy.stats.chisquare(counts).pvalue > 1e-3


def test_rng_bit_generator_errors():
    with pytest.raises(TypeError, match="unsupported dtype"):
        lax.rng_bit_generator(KEY, (3,), np.int32)
    with pytest.raises(TypeError, match="uint32\\[4\\] or uint64\\[2\\]"):
        lax.rng_bit_generator(np.zeros(3, np.uint32), (3,))
    with pytest.raises(ValueError):
        lax.rng_bit_generator(KEY, (3,), algorithm=7)


def test_rng_bit_generator_vmap_over_keys_matches_a_loop():
    keys = np.stack([KEY + np.uint32(i) for i in range(3)])
    new_keys, bits = ft.vmap(lambda k: lax.rng_bit_generator(k, (2, 5), np.uint64))(keys)
    for k, nk, b in zip(keys, new_keys, bits):
        expected_key, expected = lax.rng_bit_generator(k, (2, 5), np.uint64)
        np.testing.assert_array_equal(b, expected)
        np.testing.assert_array_equal(nk, expected_key)


def test_rng_uniform():
    u = lax.rng_uniform(np.float32(-1.0), np.float32(2.0), (4000,))
    assert u.dtype == np.float32 and u.shape == (4000,)
    assert u.min() >= -1.0 and u.max() < 2.0
    assert scipy.stats.kstest((u + 1.0) / 3.0, "uniform").pvalue > 1e-3
    assert not np.array_equal(u, lax.rng_uniform(np.float32(-1.0), np.float32(2.0), (4000,)))  # stateful
    scalar = lax.rng_uniform(0.0, 1.0, ())
    assert scalar.shape == () and 0.0 <= scalar < 1.0
    ints = lax.rng_uniform(np.int32(3), np.int32(7), (1000,))
    assert ints.dtype == np.int32 and set(ints.tolist()) == {3, 4, 5, 6}
    with pytest.raises(TypeError, match="identical dtypes"):
        lax.rng_uniform(np.float32(0), np.float64(1), (2,))
    with pytest.raises(TypeError, match="scalars"):
        lax.rng_uniform(np.zeros(2), np.ones(2), (2,))
    lows = np.array([0.0, 10.0, -5.0])
    batched = ft.vmap(lambda a: lax.rng_uniform(a, a + 1.0, (200,)))(lows)
    assert batched.shape == (3, 200)
    assert np.all((batched >= lows[:, None]) & (batched < lows[:, None] + 1.0))
    batched_ints = ft.vmap(lambda a: lax.rng_uniform(a, a + 2, (100,)))(np.array([0, 5], np.int64))
    assert set(batched_ints[0].tolist()) == {0, 1} and set(batched_ints[1].tolist()) == {5, 6}


def test_random_gamma_grad_matches_finite_differences_of_the_inverse_cdf():
    a = np.array([0.3, 0.8, 1.0, 2.5, 7.0, 30.0])
    q = np.array([0.05, 0.3, 0.5, 0.7, 0.9, 0.99])
    x = scipy.special.gammaincinv(a, q)
    h = 1e-6 * a
    numeric = (scipy.special.gammaincinv(a + h, q) - scipy.special.gammaincinv(a - h, q)) / (2 * h)
    np.testing.assert_allclose(lax.random_gamma_grad(a, x), numeric, rtol=1e-6)
    out = lax.random_gamma_grad(np.array([1.0, -1.0, 2.0, 1.0]), np.array([0.0, 1.0, -1.0, np.nan]))
    assert out[0] == 0.0 and np.all(np.isnan(out[1:]))
    f32 = lax.random_gamma_grad(a.astype(np.float32), x.astype(np.float32))
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, numeric, rtol=1e-3)
    np.testing.assert_allclose(ft.vmap(lax.random_gamma_grad)(a, x), lax.random_gamma_grad(a, x))
    with pytest.raises(TypeError, match="random_gamma_grad"):
        lax.random_gamma_grad(np.array([1]), np.array([1]))


def test_tokens_are_opaque_and_pass_through_transformations():
    token = lax.create_token()
    assert lax.after_all(token, lax.create_token(3)) == token
    assert lax.after_all() == token
    with pytest.raises(TypeError, match="must be tokens"):
        lax.after_all(token, np.ones(2))
    assert ft.grad(lambda x, t: (x * x).sum())(np.ones(2), token).tolist() == [2.0, 2.0]
    assert ft.vmap(lambda x, t: x + 1, in_axes=(0, None))(np.ones(3), token).tolist() == [2.0] * 3


@pytest.mark.slow
def test_rng_under_jit_matches_eager():
    f = ft.jit(lambda k, a, x: (*lax.rng_bit_generator(k, (3, 5), np.uint64), lax.rng_bit_generator(k, (7,), np.uint8)[1],
                                lax.random_gamma_grad(a, x)))
    a, x = np.array([0.5, 2.0]), np.array([0.3, 1.5])
    for got, want in zip(f(KEY, a, x), (*lax.rng_bit_generator(KEY, (3, 5), np.uint64),
                                        lax.rng_bit_generator(KEY, (7,), np.uint8)[1], lax.random_gamma_grad(a, x))):
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert got.dtype == want.dtype
    u = ft.jit(lambda a, b: lax.rng_uniform(a, b, (500,)))(np.float64(1.0), np.float64(2.0))
    assert u.shape == (500,) and u.min() >= 1.0 and u.max() < 2.0 and len(np.unique(u)) == 500
    # Two draws in one program differ (not merged), scalar draws too (not folded), and so do
    # two runs of the program.
    draws = ft.jit(lambda: (lax.rng_uniform(0.0, 1.0, (4,)), lax.rng_uniform(0.0, 1.0, (4,)),
                            lax.rng_uniform(0.0, 1.0, ()), lax.rng_uniform(0.0, 1.0, ())))
    first, second = draws(), draws()
    assert not np.array_equal(first[0], first[1]) and first[2] != first[3]
    assert not np.array_equal(first[0], second[0]) and first[2] != second[2]
    token, y = ft.jit(lambda t, x: (lax.after_all(t), x * 2))(lax.create_token(), np.ones(2))
    assert token == lax.create_token() and y.tolist() == [2.0, 2.0]


@pytest.mark.slow
def test_rng_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    a = np.array([0.3, 0.8, 2.5, 7.0, 30.0])
    x = scipy.special.gammaincinv(a, np.array([0.1, 0.4, 0.5, 0.8, 0.95]))
    np.testing.assert_allclose(lax.random_gamma_grad(a, x), jax.lax.random_gamma_grad(a, x), rtol=1e-8)
    key, bits = jax.lax.rng_bit_generator(KEY, (4, 3), np.uint16)
    ours_key, ours = lax.rng_bit_generator(KEY, (4, 3), np.uint16)
    assert (ours.shape, ours.dtype, ours_key.shape, ours_key.dtype) == (bits.shape, bits.dtype, key.shape, key.dtype)
    assert [int(v) for v in lax.RandomAlgorithm] == [int(v) for v in jax.lax.RandomAlgorithm]


# --------------------------------------------------------------------------- convolution helpers

CONV_CASES = [
    ((2, 5, 6, 3), (3, 2, 3, 4), (2, 1), "SAME", ("NHWC", "HWIO", "NHWC")),
    ((1, 3, 7, 4), (4, 3, 3, 2), (1, 2), "VALID", ("NCHW", "OIHW", "NCHW")),
    ((1, 4, 4, 3), (3, 3, 3, 8), (3, 3), ((1, 2), (0, 1)), ("NHWC", "HWIO", "NHWC")),
    ((2, 5, 3), (2, 3, 4), (2,), "SAME", ("NWC", "WIO", "NWC")),
]


@pytest.mark.parametrize("lhs_shape, rhs_shape, strides, padding, dimension_numbers", CONV_CASES)
def test_conv_transpose_shape_tuple_is_the_shape_conv_transpose_gives(lhs_shape, rhs_shape, strides, padding,
                                                                      dimension_numbers):
    out = lax.conv_transpose(np.ones(lhs_shape), np.ones(rhs_shape), strides, padding,
                             dimension_numbers=dimension_numbers)
    assert lax.conv_transpose_shape_tuple(lhs_shape, rhs_shape, strides, padding, dimension_numbers) == out.shape


def shared_kernel_as_local(w, out_spatial, layout):
    """A kernel repeated at every output position, in the unshared layout."""
    if layout == "OIHW":
        flat = w.reshape(w.shape[0], -1)
        return np.broadcast_to(flat[:, :, None, None], flat.shape + out_spatial)
    flat = np.moveaxis(w, -2, 0).reshape(-1, w.shape[-1])  # HWIO -> (I H W, O)
    return np.broadcast_to(flat, out_spatial + flat.shape)


@pytest.mark.parametrize("dimension_numbers, lhs_shape, w_shape", [
    (("NCHW", "OIHW", "NCHW"), (2, 3, 6, 5), (4, 3, 3, 2)),
    (("NHWC", "HWIO", "NHWC"), (2, 6, 5, 3), (3, 2, 3, 4)),
])
def test_conv_general_dilated_local_with_a_shared_kernel_is_the_convolution(dimension_numbers, lhs_shape, w_shape):
    rng = np.random.default_rng(2)
    lhs, w = rng.normal(size=lhs_shape), rng.normal(size=w_shape)
    kwargs = dict(window_strides=(2, 1), padding=((1, 1), (0, 2)), lhs_dilation=(1, 2), rhs_dilation=(2, 1),
                  dimension_numbers=dimension_numbers)
    expected = lax.conv_general_dilated(lhs, w, **kwargs)
    rhs_layout = dimension_numbers[1]
    spatial_axes = [i for i, c in enumerate(dimension_numbers[2]) if c not in "NC"]
    out_spatial = tuple(expected.shape[i] for i in spatial_axes)
    filter_shape = tuple(w.shape[i] for i, c in enumerate(rhs_layout) if c not in "OI")
    local = shared_kernel_as_local(w, out_spatial, rhs_layout[:2] + "HW" if rhs_layout == "OIHW" else "HWIO")
    out = lax.conv_general_dilated_local(lhs, local, filter_shape=filter_shape, **kwargs)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_conv_general_dilated_local_uses_each_positions_kernel():
    rng = np.random.default_rng(5)
    lhs, rhs = rng.normal(size=(2, 3, 6)), rng.normal(size=(4, 3 * 2, 5))  # NCW, OIW: 5 positions of 2 taps
    out = lax.conv_general_dilated_local(lhs, rhs, (1,), "VALID", (2,))
    expected = np.einsum("ncpk,ockp->nop", np.stack([lhs[:, :, p:p + 2] for p in range(5)], 2),
                         rhs.reshape(4, 3, 2, 5))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    check_grads(lambda l, r: lax.conv_general_dilated_local(l, r, (1,), "VALID", (2,)), (lhs, rhs), order=2,
                modes=("fwd", "rev"))
    batched = ft.vmap(lambda r: lax.conv_general_dilated_local(lhs, r, (1,), "VALID", (2,)))(np.stack([rhs, 2 * rhs]))
    np.testing.assert_allclose(batched, np.stack([out, 2 * out]), rtol=1e-12)


@pytest.mark.slow
def test_conv_helpers_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for case in CONV_CASES:
        assert lax.conv_transpose_shape_tuple(*case) == tuple(int(d) for d in jax.lax.conv_transpose_shape_tuple(*case))
    rng = np.random.default_rng(6)
    lhs, rhs = rng.normal(size=(2, 5, 6, 3)), rng.normal(size=(5, 6, 3 * 2 * 2, 4))
    args = ((1, 1), "SAME", (2, 2))
    kw = dict(dimension_numbers=("NHWC", "HWIO", "NHWC"), rhs_dilation=(1, 2))
    np.testing.assert_allclose(lax.conv_general_dilated_local(lhs, rhs, *args, **kw),
                               jax.lax.conv_general_dilated_local(lhs, rhs, *args, **kw), rtol=1e-10)
