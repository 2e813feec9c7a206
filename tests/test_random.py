"""functrans.random: the cipher against its published test vectors, determinism, independent
streams from split/fold_in, the distributions (moments, KS and chi-square tests at fixed
seeds), and the same numbers eagerly, under jit and under vmap."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import functrans as ft
from functrans import random

KEY = random.PRNGKey(0)
N = 20_000


def _u32(*words):
    return np.array(words, np.uint32)


# --------------------------------------------------------------------------- the cipher and keys


@pytest.mark.parametrize(
    "key, counter, expected",
    [  # Known-answer tests of Threefry-2x32-20 from the Random123 distribution (kat_vectors).
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ],
)
def test_threefry_matches_the_published_known_answers(key, counter, expected):
    words = random.threefry_2x32(_u32(*key), _u32(counter[0]), _u32(counter[1]))
    assert [int(w[0]) for w in words] == list(expected)


@pytest.mark.slow
def test_threefry_under_jit_wraps_uint32_arithmetic_like_numpy():
    key, x0, x1 = _u32(0x13198A2E, 0x03707344), _u32(0x243F6A88, 0), _u32(0x85A308D3, 0)
    eager = random.threefry_2x32(key, x0, x1)
    jitted = ft.jit(random.threefry_2x32)(key, x0, x1)
    for e, j in zip(eager, jitted):
        np.testing.assert_array_equal(j, e)
    assert int(jitted[0][0]) == 0xC4923A9C


def test_the_cipher_primitive_batches_keys_and_counters_each_way_like_a_loop():
    from functrans.lax.rng import threefry2x32

    rng = np.random.default_rng(0)
    k0, k1 = (rng.integers(0, 2**32, 3, dtype=np.uint32) for _ in range(2))
    x0, x1 = (rng.integers(0, 2**32, (3, 5), dtype=np.uint32) for _ in range(2))
    loop = [np.stack(w) for w in zip(*[threefry2x32(k0[b], k1[b], x0[b], x1[b]) for b in range(3)])]
    batched = ft.vmap(threefry2x32)(k0, k1, x0, x1)
    shared_counters = ft.vmap(threefry2x32, in_axes=(0, 0, None, None))(k0, k1, x0[0], x1[0])
    shared_key = ft.jit(ft.vmap(threefry2x32, in_axes=(None, None, 1, 1), out_axes=1))(k0[0], k1[0], x0, x1)
    per_pair_keys = ft.jit(threefry2x32)(np.broadcast_to(k0[:, None], (3, 5)), np.broadcast_to(k1[:, None], (3, 5)), x0, x1)
    for b in range(3):
        np.testing.assert_array_equal(shared_counters[0][b], threefry2x32(k0[b], k1[b], x0[0], x1[0])[0])
        np.testing.assert_array_equal(shared_key[1][:, b], threefry2x32(k0[0], k1[0], x0[:, b], x1[:, b])[1])
    for got in (batched, ft.jit(ft.vmap(threefry2x32))(k0, k1, x0, x1), per_pair_keys):
        np.testing.assert_array_equal(got[0], loop[0])
        np.testing.assert_array_equal(got[1], loop[1])


def test_compiled_random_numbers_call_one_cipher_kernel_and_bad_operands_raise():
    from functrans.lax.rng import threefry2x32

    sample = lambda key: random.normal(random.split(key)[1], (64,))
    assert [e.primitive.name for e in ft.make_jaxpr(sample)(KEY).eqns].count("threefry2x32") == 2
    source = ft.jit(sample).lower(KEY).as_text()
    assert source.count("kernels.threefry2x32(") == 2 and "<<" not in source
    # No derivative flows through the integers, but a function of the samples differentiates.
    assert ft.grad(lambda mu: (mu + random.normal(KEY, (3,))).sum())(1.0) == 3.0
    with pytest.raises(TypeError, match="uint32"):
        threefry2x32(np.uint32(0), np.uint32(0), np.zeros(2, np.int32), np.zeros(2, np.int32))
    with pytest.raises(TypeError, match="shape"):
        threefry2x32(np.zeros(3, np.uint32), np.zeros(3, np.uint32), np.zeros(2, np.uint32), np.zeros(2, np.uint32))
    with pytest.raises(TypeError, match="shape"):
        threefry2x32(np.uint32(0), np.uint32(0), np.zeros(2, np.uint32), np.zeros(3, np.uint32))


def test_key_holds_the_high_and_low_words_of_the_seed():
    np.testing.assert_array_equal(random.PRNGKey(42), _u32(0, 42))
    np.testing.assert_array_equal(random.PRNGKey(2**40 + 5), _u32(256, 5))
    np.testing.assert_array_equal(random.PRNGKey(-1), _u32(0xFFFFFFFF, 0xFFFFFFFF))  # modulo 2**64
    np.testing.assert_array_equal(random.key(42), random.PRNGKey(42))


def test_key_data_and_wrap_key_data_round_trip_and_check_their_input():
    keys = random.split(KEY, 3)
    np.testing.assert_array_equal(random.wrap_key_data(random.key_data(keys)), keys)
    assert random.key_impl(KEY) == "threefry2x32"
    np.testing.assert_array_equal(random.clone(KEY), KEY)
    with pytest.raises(TypeError, match="key_data"):
        random.key_data(np.zeros(2, np.int32))
    with pytest.raises(TypeError, match="wrap_key_data"):
        random.wrap_key_data(np.zeros(3, np.uint32))
    with pytest.raises(ValueError, match="threefry2x32"):
        random.key(0, impl="rbg")


def test_split_into_a_grid_of_keys():
    keys = random.split(KEY, (2, 3))
    assert keys.shape == (2, 3, 2)
    np.testing.assert_array_equal(keys.reshape(6, 2), random.split(KEY, 6))


def test_split_gives_distinct_keys_and_is_deterministic():
    keys = random.split(KEY, 5)
    assert keys.shape == (5, 2) and keys.dtype == np.uint32
    assert len({tuple(k) for k in keys.tolist()} | {tuple(KEY.tolist())}) == 6
    np.testing.assert_array_equal(random.split(KEY, 5), keys)


def test_fold_in_gives_a_distinct_key_per_datum():
    keys = [tuple(random.fold_in(KEY, i).tolist()) for i in range(50)]
    assert len(set(keys)) == 50
    assert tuple(random.fold_in(KEY, 7).tolist()) == keys[7]


def test_bad_keys_and_seeds_raise_clear_errors():
    with pytest.raises(TypeError, match="uint32 array of shape \\(2,\\)"):
        random.normal(np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="uniform accepts a single key.*vmap"):
        random.uniform(random.split(KEY, 3))
    with pytest.raises(TypeError, match="integer"):
        random.PRNGKey(1.5)
    with pytest.raises(ValueError, match="dtype argument to `normal` must be a float dtype"):
        random.normal(KEY, (2,), np.int32)


# --------------------------------------------------------------------------- determinism and independence


def test_same_key_gives_the_same_numbers_and_another_key_different_ones():
    np.testing.assert_array_equal(random.normal(KEY, (100,)), random.normal(KEY, (100,)))
    assert not np.array_equal(random.normal(KEY, (100,)), random.normal(random.PRNGKey(1), (100,)))


def _correlation(a, b):
    return np.corrcoef(a, b)[0, 1]


def test_split_keys_and_their_parent_give_uncorrelated_streams():
    k1, k2 = random.split(KEY)
    streams = [random.uniform(k, (N,)) for k in (KEY, k1, k2, random.fold_in(KEY, 1))]
    bound = 4 / np.sqrt(N)  # four standard errors of a sample correlation under independence
    for i in range(len(streams)):
        for j in range(i + 1, len(streams)):
            assert abs(_correlation(streams[i], streams[j])) < bound
    # Successive draws of one stream are uncorrelated too (lag-1 autocorrelation).
    assert abs(_correlation(streams[0][:-1], streams[0][1:])) < bound


# --------------------------------------------------------------------------- distributions


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_uniform_passes_a_ks_test_and_has_the_moments_of_u01(dtype):
    u = random.uniform(random.PRNGKey(3), (N,), dtype)
    assert u.dtype == dtype and u.min() >= 0 and u.max() < 1
    assert scipy.stats.kstest(u, "uniform").pvalue > 0.01
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / N)
    assert abs(u.var() - 1 / 12) < 0.005


def test_uniform_respects_broadcast_bounds():
    low, high = np.array([-5.0, 0.0, 10.0]), np.array([-4.0, 1e-3, 20.0])
    u = random.uniform(KEY, (1000, 3), minval=low, maxval=high)
    assert ((u >= low) & (u < high)).all()
    np.testing.assert_allclose(u.mean(0), (low + high) / 2, rtol=0.05)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normal_passes_a_ks_test_and_has_mean_0_variance_1(dtype):
    z = random.normal(random.PRNGKey(4), (N,), dtype)
    assert z.dtype == dtype and np.isfinite(z).all()
    assert scipy.stats.kstest(z, "norm").pvalue > 0.01
    assert abs(z.mean()) < 4 / np.sqrt(N)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / N)


def test_normal_of_an_odd_size_and_a_scalar_shape():
    assert random.normal(KEY, (3, 5)).shape == (3, 5)
    assert random.normal(KEY).shape == ()


def test_bernoulli_frequency_matches_p_elementwise():
    p = np.array([0.0, 0.1, 0.5, 0.9, 1.0])
    draws = random.bernoulli(KEY, p, (N, 5))
    assert draws.dtype == np.bool_
    np.testing.assert_allclose(draws.mean(0), p, atol=4 * np.sqrt(0.25 / N))
    assert random.bernoulli(KEY, p).shape == (5,)


def test_randint_is_uniform_on_its_range_by_a_chi_square_test():
    r = random.randint(random.PRNGKey(5), (N,), -3, 7)
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 6
    counts = np.bincount(r + 3, minlength=10)
    assert scipy.stats.chisquare(counts).pvalue > 0.01


def test_randint_with_array_bounds_an_int32_dtype_and_an_empty_range():
    r = random.randint(KEY, (2000, 3), np.array([0, 10, 5]), np.array([2, 13, 5]), np.int32)
    assert r.dtype == np.int32
    assert set(r[:, 0].tolist()) == {0, 1} and set(r[:, 1].tolist()) == {10, 11, 12}
    assert (r[:, 2] == 5).all()  # maxval <= minval gives minval


def test_permutation_of_an_int_is_a_permutation_with_uniform_positions():
    perms = ft.vmap(lambda k: random.permutation(k, 5))(random.split(KEY, 2000))
    np.testing.assert_array_equal(np.sort(perms, 1), np.tile(np.arange(5), (2000, 1)))
    where_zero_lands = np.argmax(perms == 0, axis=1)
    assert scipy.stats.chisquare(np.bincount(where_zero_lands, minlength=5)).pvalue > 0.01


def test_permutation_of_an_array_along_an_axis_moves_whole_slices():
    x = np.arange(12).reshape(3, 4)
    shuffled = random.permutation(KEY, x, axis=1)
    assert sorted(shuffled.T.tolist()) == sorted(x.T.tolist())
    rows = random.permutation(KEY, x, axis=1, independent=True)
    np.testing.assert_array_equal(np.sort(rows, 1), x)


def test_choice_without_replacement_draws_distinct_elements():
    draws = random.choice(KEY, np.arange(100.0) * 2, (10, 5), replace=False)
    assert draws.shape == (10, 5) and len(set(draws.ravel().tolist())) == 50
    assert set(draws.ravel().tolist()) <= set((np.arange(100.0) * 2).tolist())
    with pytest.raises(ValueError, match="without replacement"):
        random.choice(KEY, 3, (4,), replace=False)


def test_choice_with_probabilities_matches_them_by_a_chi_square_test():
    p = np.array([0.1, 0.0, 0.2, 0.3, 0.4])
    draws = random.choice(random.PRNGKey(6), 5, (N,), p=p)
    counts = np.bincount(draws, minlength=5)
    assert counts[1] == 0
    assert scipy.stats.chisquare(counts[p > 0], N * p[p > 0]).pvalue > 0.01


def test_choice_with_probabilities_without_replacement_skips_zero_weights():
    p = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    draws = ft.vmap(lambda k: random.choice(k, 6, (4,), replace=False, p=p))(random.split(KEY, 200))
    assert all(sorted(row) == [1, 2, 4, 5] for row in draws.tolist())
    # The first draw is uniform over the four equally weighted elements.
    assert scipy.stats.chisquare(np.bincount(draws[:, 0], minlength=6)[[1, 2, 4, 5]]).pvalue > 0.01


def test_choice_along_an_axis_of_an_array_picks_rows():
    x = np.arange(10).reshape(5, 2)
    rows = random.choice(KEY, x, (3,), replace=False)
    assert rows.shape == (3, 2) and all(r[1] == r[0] + 1 and r[0] % 2 == 0 for r in rows.tolist())


# --------------------------------------------------------------------------- jit and vmap


def _all_draws(key, seed):
    """One draw of each code path (key derivation; float64 and float32 conversions; the normal,
    integer, permutation and weighted samplers), in one program: each threefry costs compile time."""
    k = random.split(key, 6)
    return (
        random.PRNGKey(seed), random.fold_in(key, seed), k,
        random.uniform(k[0], (2, 3), np.float32, -1.0, 2.0), random.normal(k[1], (5,)),
        random.bernoulli(k[2], 0.3, (6,)), random.randint(k[3], (6,), -3, 10),
        random.permutation(k[4], 9), random.choice(k[5], 5, (4,), p=np.array([0.1, 0.2, 0.0, 0.3, 0.4])),
    )


def _assert_trees_equal(actual, expected, ulps=0):
    for a, e in zip(actual, expected):
        assert a.dtype == e.dtype and a.shape == e.shape
        if a.dtype.kind == "f" and ulps:
            np.testing.assert_array_max_ulp(a, e, maxulp=ulps)
        else:
            np.testing.assert_array_equal(a, e)


@pytest.mark.slow  # eight Threefry evaluations in one program: minutes of Numba compilation on a busy machine
def test_jit_gives_the_same_numbers_as_eager():
    seed = np.int64(12345)
    # Bits, integers and uniforms are exact; normals go through log/cos/sin, compiled
    # possibly differently from NumPy's, so they may differ in the last bits.
    _assert_trees_equal(ft.jit(_all_draws)(KEY, seed), _all_draws(KEY, seed), ulps=4)


def test_vmap_over_keys_equals_a_loop():
    keys = random.split(KEY, 8)
    seeds = np.arange(8)
    batched = ft.vmap(_all_draws)(keys, seeds)
    looped = [np.stack(col) for col in zip(*[_all_draws(k, s) for k, s in zip(keys, seeds)])]
    _assert_trees_equal(batched, looped)


def test_vmap_of_normal_over_split_keys_draws_one_number_per_key():
    keys = random.split(KEY, 8)
    np.testing.assert_array_equal(ft.vmap(random.normal)(keys), [random.normal(k) for k in keys])
