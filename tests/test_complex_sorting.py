"""Complex input to the sorting, searching and set functions: sort/argsort (lax and numpy),
lexsort, partition/argpartition, searchsorted, unique and its variants, the set operations,
isin, nonzero and friends, and interp with complex ``fp``; quantiles of complex input raise
as in JAX.

The order is NumPy's: by real part, then imaginary part, and after all ordinary values
``R + nanj``, then ``nan + Rj``, then ``nan + nanj``. Inputs draw their parts from a small
pool, so real parts tie and NaN sits in either part. References: NumPy, JAX where installed
(on NaN-free inputs: JAX orders ``1 + nanj`` before ``2 + 0j``), jit against eager, vmap
against a loop, and check_grads."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans.test_util import check_grads

SETTINGS = settings(max_examples=25, deadline=None)
COMPLEX = [np.complex64, np.complex128]
NAN = np.nan
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def values(nan: bool = True) -> st.SearchStrategy:
    """Complex values whose parts come from a small pool: ties in either part, NaN in either."""
    pool = [-1.0, 0.0, 1.0, 2.5] + ([NAN] if nan else [])
    return st.builds(complex, st.sampled_from(pool), st.sampled_from(pool))


def vectors(dtype, size=st.integers(0, 9), nan: bool = True) -> st.SearchStrategy:
    """1-d complex arrays; ``size`` an int gives one shape, so jit compiles once per dtype."""
    return hnp.arrays(np.dtype(dtype), size, elements=values(nan))


def assert_bits(got, want) -> None:
    """Same shape, dtype and values, the real and imaginary parts compared apart (NaNs equal)."""
    got, want = np.asarray(got), np.asarray(want)
    assert (got.shape, got.dtype) == (want.shape, want.dtype), (got, want)
    if got.dtype.kind == "c":
        np.testing.assert_array_equal(got.real, want.real)
        np.testing.assert_array_equal(got.imag, want.imag)
    else:
        np.testing.assert_array_equal(got, want)


def assert_values(got, want) -> None:
    """``assert_bits``, except that any complex NaN matches any other. NumPy's unique without
    indices (a hash table) keeps the first NaN in input order, with indices the first in
    sorted order; functrans always keeps the first in sorted order."""
    got, want = np.asarray(got), np.asarray(want)
    if got.dtype.kind == "c" and got.shape == want.shape:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        got, want = np.where(np.isnan(got), NAN, got), np.where(np.isnan(want), NAN, want)
    assert_bits(got, want)


def unique_ref(x, equal_nan: bool = True, **kw):
    """NumPy's unique by its sorting path (asking for the indices picks it)."""
    out = np.unique(x, return_index=True, equal_nan=equal_nan, **kw)
    return out[0] if not kw else (out[0], *out[2:])


def jit_matches_eager(f, *args) -> None:
    """jit gives eager's result, bit for bit, on each of two calls."""
    want = f(*args)
    compiled = ft.jit(f)
    for _ in range(2):
        ft.tree_util.tree_map(assert_bits, compiled(*args), want)


@pytest.fixture
def jnp():
    jax = pytest.importorskip("jax")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax.numpy
    jax.config.update("jax_enable_x64", previous)


# --------------------------------------------------------------------------- sort, argsort, lexsort

SORTS = {
    "lax.sort": (lambda z: lax.sort(z), np.sort),
    "lax.argsort": (lambda z: lax.argsort(z), lambda z: np.argsort(z, kind="stable")),
    "sort": (fnp.sort, np.sort),
    "argsort": (fnp.argsort, lambda z: np.argsort(z, kind="stable")),
    "sort descending": (lambda z: fnp.sort(z, descending=True), lambda z: np.sort(z)[::-1]),
    # Equal values keep their original order when descending too.
    "argsort descending": (lambda z: fnp.argsort(z, descending=True),
                           lambda z: z.size - 1 - np.argsort(z[::-1], kind="stable")[::-1]),
    "lexsort by complex then real": (lambda z: fnp.lexsort([z, z.real]), lambda z: np.lexsort([z, z.real])),
    "lexsort by imag then complex": (lambda z: fnp.lexsort([z.imag, z]), lambda z: np.lexsort([z.imag, z])),
}


@pytest.mark.parametrize("name", SORTS)
@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_sorts_of_complex_values_follow_numpys_order(name, dtype, data):
    f, ref = SORTS[name]
    z = data.draw(vectors(dtype))
    assert_bits(f(z), ref(z))


@SETTINGS
@given(z=vectors(np.complex128))
def test_sort_complex_matches_numpy_nan_parts_included(z):
    assert_bits(fnp.sort_complex(z), np.sort_complex(z))
    assert_bits(ft.jit(fnp.sort_complex)(z), np.sort_complex(z))


def test_lax_sort_of_complex_moves_the_other_operands_and_sorts_along_any_axis():
    z = np.array([[2 + 1j, complex(NAN, 0), 1 + 3j, 1 - 1j, complex(1, NAN), 1 - 1j, -0.5j]] * 2).T
    tags = np.arange(z.size).reshape(z.shape)
    keys, moved = lax.sort((z, tags), 0, num_keys=1)
    order = np.argsort(z, axis=0, kind="stable")
    assert_bits(keys, np.sort(z, axis=0))
    assert_bits(moved, np.take_along_axis(tags, order, 0))
    assert_bits(lax.argsort(z, 0), order)
    jit_matches_eager(lambda v: lax.sort((v, tags), 0, num_keys=1), z)
    jit_matches_eager(lambda v: lax.argsort(v, 0), z)


@pytest.mark.parametrize("name", ["sort", "argsort", "sort descending", "argsort descending",
                                  "lexsort by complex then real"])
@pytest.mark.parametrize("dtype", COMPLEX)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_sorts_of_complex_values_under_jit_match_eager(name, dtype, data):
    f, ref = SORTS[name]
    z = data.draw(vectors(dtype, 8))
    jit_matches_eager(f, z)
    assert_bits(ft.jit(f)(z), ref(z))


def test_sorts_of_0d_and_empty_complex_arrays():
    empty = np.zeros((0,), np.complex64)
    assert_bits(fnp.sort(empty), empty)
    assert_bits(fnp.argsort(empty), np.zeros((0,), np.int64))
    assert_bits(fnp.sort(np.complex128(1 + 2j), axis=None), np.array([1 + 2j]))
    assert_bits(fnp.lexsort([empty]), np.zeros((0,), np.int64))
    with pytest.raises(ValueError, match="0-d"):
        fnp.sort(np.complex128(1j))


@pytest.mark.parametrize("name", ["sort", "argsort", "sort descending"])
def test_sorts_of_nan_free_complex_values_agree_with_jax(name, jnp):
    z = np.array([2 + 1j, 1 + 3j, 1 - 1j, 1 - 1j, -0.5j, 2 - 1j, 0j])
    f = SORTS[name][0]
    jax_f = {"sort": jnp.sort, "argsort": jnp.argsort,
             "sort descending": lambda v: jnp.sort(v, descending=True)}[name]
    np.testing.assert_array_equal(f(z), np.asarray(jax_f(z)))


def test_sort_of_complex_batches_as_a_loop():
    z = np.array([[2 + 1j, complex(NAN, 0), 1 + 3j, 1 - 1j], [complex(1, NAN), 1 - 1j, -0.5j, 1 + 0j]])
    for f in (fnp.sort, fnp.argsort, lambda v: fnp.sort(v, descending=True)):
        want = np.stack([f(row) for row in z])
        assert_bits(ft.vmap(f)(z), want)
        assert_bits(ft.vmap(f, in_axes=1, out_axes=1)(z.T.copy()), want.T)


def test_sort_of_complex_values_differentiates_by_moving_tangents():
    z = np.array([2 + 1j, 1 + 3j, -1 - 1j, -0.5j, 3 - 1j])  # real parts apart: small steps keep the order
    check_grads(fnp.sort, (z,), order=2, modes=("fwd", "rev"))
    check_grads(lambda v: fnp.sort(v, descending=True)[:3] * v[1], (z,), order=2, modes=("fwd", "rev"))
    jax = pytest.importorskip("jax")
    cotangent = np.arange(5) + 1j
    want = jax.vjp(jax.numpy.sort, z)[1](cotangent)[0]
    np.testing.assert_allclose(ft.vjp(fnp.sort, z)[1](cotangent)[0], np.asarray(want))


# --------------------------------------------------------------------------- partition


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_partition_and_argpartition_of_complex_values_lay_out_numpys_order(dtype, data):
    # JAX's layout (JAX itself rejects complex input): the kth + 1 smallest in sorted order,
    # then the larger values in descending order / their indices in increasing order.
    z = data.draw(vectors(dtype, st.integers(1, 9)))
    kth = data.draw(st.integers(-z.size, z.size - 1)) % z.size
    order = np.argsort(z, kind="stable")
    assert_bits(fnp.partition(z, kth), np.concatenate([z[order[:kth + 1]], np.sort(z)[kth + 1:][::-1]]))
    assert_bits(fnp.argpartition(z, kth), np.concatenate([order[:kth + 1], np.sort(order[kth + 1:])]))


# --------------------------------------------------------------------------- searchsorted


SEARCH_METHODS = ["scan", "scan_unrolled", "sort", "compare_all"]


@pytest.mark.parametrize("method", SEARCH_METHODS)
@pytest.mark.parametrize("side", ["left", "right"])
@SETTINGS
@given(a=vectors(np.complex128), v=hnp.arrays(np.complex128, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                                               max_side=3), elements=values()))
def test_searchsorted_of_complex_values_follows_numpys_order(method, side, a, v):
    a = np.sort(a)
    assert_bits(fnp.searchsorted(a, v, side=side, method=method), np.searchsorted(a, v, side=side))


def test_searchsorted_of_complex_values_with_a_sorter_and_under_jit():
    a = np.array([complex(NAN, 1), 1 + 1j, complex(1, NAN), 1 - 1j, -2 + 5j, complex(NAN, NAN), 1 + 1j])
    v = np.array([[1 + 1j, complex(1, NAN)], [complex(NAN, 0), 3 + 0j]])
    sorter = np.argsort(a, kind="stable")
    for side in ("left", "right"):
        want = np.searchsorted(a, v, side=side, sorter=sorter)
        assert_bits(fnp.searchsorted(a, v, side=side, sorter=sorter), want)
        for method in SEARCH_METHODS:
            jit_matches_eager(lambda s, w: fnp.searchsorted(s, w, side=side, method=method), np.sort(a), v)
    loop = np.stack([np.searchsorted(np.sort(a), row) for row in v])
    assert_bits(ft.vmap(lambda w: fnp.searchsorted(np.sort(a), w))(v), loop)


def test_searchsorted_of_nan_free_complex_values_agrees_with_jax(jnp):
    a = np.sort(np.array([1 + 1j, 1 - 1j, -2 + 5j, 1 + 1j, 3 + 0j]))
    v = np.array([1 + 1j, 1 + 0j, -3 + 0j, 4 + 0j, 1 - 1j])
    for side in ("left", "right"):
        np.testing.assert_array_equal(fnp.searchsorted(a, v, side=side), np.asarray(jnp.searchsorted(a, v, side=side)))


# --------------------------------------------------------------------------- unique


UNIQUES = {
    "unique": (fnp.unique, unique_ref),
    "unique with every result": (lambda z: fnp.unique(z, return_index=True, return_inverse=True, return_counts=True),
                                 lambda z: np.unique(z, return_index=True, return_inverse=True, return_counts=True)),
    "unique, NaNs distinct": (lambda z: fnp.unique(z, return_counts=True, equal_nan=False),
                              lambda z: unique_ref(z, False, return_counts=True)),
    "unique_values": (fnp.unique_values, lambda z: unique_ref(z, False)),
    "unique_counts": (fnp.unique_counts, lambda z: unique_ref(z, False, return_counts=True)),
    "unique_inverse": (fnp.unique_inverse, lambda z: unique_ref(z, False, return_inverse=True)),
    "unique_all": (fnp.unique_all, lambda z: np.unique(z, True, True, True, equal_nan=False)),
}


@pytest.mark.parametrize("name", UNIQUES)
@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_unique_of_complex_values_matches_numpy(name, dtype, data):
    f, ref = UNIQUES[name]
    z = data.draw(vectors(dtype))
    got, want = f(z), ref(z)
    for g, w in zip(*(v if isinstance(v, tuple) else (v,) for v in (got, want)), strict=True):
        assert_bits(g, w)


@pytest.mark.parametrize("dtype", COMPLEX)
@SETTINGS
@given(data=st.data())
def test_unique_of_complex_rows_along_an_axis_matches_numpy(dtype, data):
    z = data.draw(hnp.arrays(np.dtype(dtype), st.tuples(st.integers(0, 5), st.integers(1, 3)), elements=values()))
    for axis in (0, 1):
        got = fnp.unique(z, axis=axis, return_inverse=True, return_counts=True, equal_nan=False)
        want = np.unique(z, axis=axis, return_inverse=True, return_counts=True, equal_nan=False)
        for g, w in zip(got, want):
            assert_bits(g, np.reshape(w, np.shape(g)))


def test_unique_of_complex_values_with_size_under_jit_and_vmap():
    z = np.array([complex(NAN, 1), 1 + 1j, complex(1, NAN), 1 - 1j, 1 + 1j, complex(NAN, NAN), -2 + 0j, 1 - 1j])
    values_, counts = fnp.unique(z, return_counts=True)
    assert values_.size == 4  # -2, 1 - 1j, 1 + 1j and one NaN
    cases = [
        (lambda v: fnp.unique(v, size=6), np.concatenate([values_, values_[:1].repeat(2)])),
        (lambda v: fnp.unique(v, size=3, fill_value=9j), values_[:3]),
        (lambda v: fnp.unique(v, return_counts=True, size=6, fill_value=9j),
         (np.concatenate([values_, [9j, 9j]]), np.concatenate([counts, [0, 0]]))),
        (lambda v: fnp.unique_all(v, size=8, fill_value=0j), None),
        (lambda v: fnp.unique_values(v, size=8, fill_value=0j), None),
    ]
    for f, want in cases:
        if want is not None:
            ft.tree_util.tree_map(assert_bits, f(z), want)
        jit_matches_eager(f, z)
    rows = np.stack([z, z[::-1], np.zeros_like(z)])
    f = lambda v: fnp.unique(v, return_inverse=True, size=8, fill_value=0j)
    batched = ft.vmap(f)(rows)
    for i, row in enumerate(rows):
        ft.tree_util.tree_map(assert_bits, tuple(b[i] for b in batched), f(row))
    with pytest.raises(ft.errors.ConcretizationError, match="size="):
        ft.jit(fnp.unique)(z)


def test_unique_of_nan_free_complex_values_agrees_with_jax(jnp):
    z = np.array([1 + 1j, 1 - 1j, -2 + 5j, 1 + 1j, 3 + 0j, 1 - 1j, 0j])
    for got, want in zip(fnp.unique(z, True, True, True), jnp.unique(z, True, True, True)):
        np.testing.assert_array_equal(got, np.asarray(want))
    np.testing.assert_array_equal(fnp.unique(z, size=7, fill_value=5j), np.asarray(jnp.unique(z, size=7, fill_value=5j)))


# --------------------------------------------------------------------------- set operations


SETS = {
    "union1d": (fnp.union1d, np.union1d),
    "intersect1d": (fnp.intersect1d, np.intersect1d),
    "intersect1d with indices": (lambda a, b: fnp.intersect1d(a, b, return_indices=True),
                                 lambda a, b: np.intersect1d(a, b, return_indices=True)),
    "setdiff1d": (fnp.setdiff1d, np.setdiff1d),
    "setxor1d": (fnp.setxor1d, np.setxor1d),
    **{f"isin ({m})": (lambda a, b, m=m: fnp.isin(a, b, method=m), np.isin)
       for m in ("compare_all", "binary_search", "sort")},
    "isin inverted": (lambda a, b: fnp.isin(a, b, invert=True), lambda a, b: np.isin(a, b, invert=True)),
}


@pytest.mark.parametrize("name", SETS)
@SETTINGS
@given(a=vectors(np.complex128), b=vectors(np.complex128))
def test_set_operations_of_complex_values_match_numpy(name, a, b):
    f, ref = SETS[name]
    got, want = f(a, b), ref(a, b)
    for g, w in zip(*(v if isinstance(v, tuple) else (v,) for v in (got, want)), strict=True):
        assert_values(g, w)


def test_setxor1d_keeps_one_nan_of_each_array_as_numpy():
    for a, b in [([NAN, 1.0], [NAN, 2.0]), ([NAN, NAN, 1.0], [2.0]), ([NAN], [NAN, NAN]), ([], [NAN])]:
        a, b = np.array(a), np.array(b)
        assert_bits(fnp.setxor1d(a, b), np.setxor1d(a, b))
        assert_bits(fnp.setxor1d(a + 0j, b), np.setxor1d(a + 0j, b))


def test_set_operations_of_complex_values_with_size_under_jit():
    a = np.array([complex(NAN, 1), 1 + 1j, complex(1, NAN), 1 - 1j, 1 + 1j, -2 + 0j])
    b = np.array([1 - 1j, 3 + 0j, complex(NAN, 1), 3 + 0j])
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d"):
        f = getattr(fnp, name)
        full = f(a, b)
        sized = lambda x, y: f(x, y, size=full.size + 2, fill_value=7j)
        assert_bits(sized(a, b), np.concatenate([full, [7j, 7j]]))
        jit_matches_eager(sized, a, b)
    jit_matches_eager(lambda x, y: fnp.intersect1d(x, y, return_indices=True, size=3), a, b)
    for method in ("compare_all", "binary_search"):
        jit_matches_eager(lambda x, y: fnp.isin(x, y, method=method), a, b)


def test_set_operations_of_nan_free_complex_values_agree_with_jax(jnp):
    a = np.array([1 + 1j, 1 - 1j, -2 + 5j, 1 + 1j, 3 + 0j])
    b = np.array([3 + 0j, 1 + 2j, 1 - 1j])
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d", "isin"):
        np.testing.assert_array_equal(getattr(fnp, name)(a, b), np.asarray(getattr(jnp, name)(a, b)))


# --------------------------------------------------------------------------- nonzero and friends


@SETTINGS
@given(z=hnp.arrays(np.complex64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3),
                    elements=st.builds(complex, st.sampled_from([0.0, -0.0, 1.0, NAN]),
                                       st.sampled_from([0.0, -0.0, 2.0, NAN]))))
def test_nonzero_and_count_nonzero_of_complex_values_match_numpy(z):
    for got, want in zip(fnp.nonzero(z), np.nonzero(z)):
        assert_bits(got, want.astype(np.int64))
    assert_bits(fnp.flatnonzero(z), np.flatnonzero(z).astype(np.int64))
    assert_bits(fnp.argwhere(z), np.argwhere(z).astype(np.int64))
    assert_bits(fnp.count_nonzero(z), np.asarray(np.count_nonzero(z), np.int64))
    assert_bits(fnp.count_nonzero(z, axis=0), np.count_nonzero(z, axis=0).astype(np.int64))


def test_nonzero_of_complex_values_with_size_under_jit():
    z = np.array([[0j, 1j], [complex(NAN, 0), -0.0 + 0j], [2 + 0j, 0j]])
    cases = [lambda v: fnp.nonzero(v, size=4, fill_value=-1), lambda v: fnp.argwhere(v, size=2),
             lambda v: fnp.flatnonzero(v, size=5), lambda v: fnp.count_nonzero(v, axis=1)]
    for f in cases:
        jit_matches_eager(f, z)
    assert_bits(fnp.nonzero(z, size=4, fill_value=-1)[1], np.array([1, 0, 0, -1]))


# --------------------------------------------------------------------------- interp


INTERP_CASES = [{}, dict(left=5j, right=-3.0), dict(period=2.5), dict(left="extrapolate", right="extrapolate")]


@pytest.mark.parametrize("kw", INTERP_CASES, ids=str)
def test_interp_of_complex_fp_matches_numpy_and_jax(kw):
    # Each part interpolates apart, as NumPy's: the NaN imaginary part of fp[2] stays there
    # (JAX's complex products spread it to the real part). At a NaN x, NumPy gives nan + 0j.
    x = np.array([-1.0, 0.0, 0.5, 1.0, 1.7, 2.0, 3.5, NAN])
    xp, fp = np.array([0.0, 1.0, 2.0]), np.array([1 + 1j, 2 - 1j, complex(3, NAN)])
    got = fnp.interp(x, xp, fp, **kw)
    if "extrapolate" not in kw.values():
        assert_bits(got[:-1], np.interp(x, xp, fp, **kw)[:-1])
    assert np.isnan(got[-1].real) and np.isnan(got[-1].imag)
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        finite = np.array([1 + 1j, 2 - 1j, 3 + 0.5j])
        want = jax.numpy.interp(x, xp, finite, **kw)
    np.testing.assert_allclose(fnp.interp(x, xp, finite, **kw), np.asarray(want), rtol=1e-15)
    jit_matches_eager(lambda a, b: fnp.interp(a, xp, b, **kw), x, fp)


def test_interp_keeps_fps_dtype_apart_from_xs():
    x32, xp32 = np.array([0.5, 2.0], np.float32), np.array([0.0, 1.0], np.float32)
    assert fnp.interp(x32, xp32, np.array([1j, 2.0], np.complex64)).dtype == np.complex64
    assert fnp.interp(x32, xp32, np.array([1j, 2.0])).dtype == np.complex128
    assert fnp.interp(np.arange(2), np.arange(2), np.array([1j, 2.0], np.complex64)).dtype == np.complex128


def test_interp_rejects_complex_x_and_xp_as_jax():
    xp, fp = np.array([0.0, 1.0]), np.array([1j, 2.0])
    for args in [(np.array([0.5j]), xp, fp), (np.array([0.5]), xp + 0j, fp)]:
        with pytest.raises(ValueError, match="complex x"):
            fnp.interp(*args)
        with pytest.raises(ValueError, match="complex x"):
            ft.jit(fnp.interp)(*args)


def test_interp_differentiates_in_complex_fp_and_batches_as_a_loop():
    x, xp = np.array([-0.5, 0.25, 1.5, 2.75]), np.array([0.0, 1.0, 2.0, 3.0])
    fp = np.array([1 + 1j, 2 - 1j, -0.5 + 3j, 0.25j])
    check_grads(lambda f: fnp.interp(x, xp, f), (fp,), order=2, modes=("fwd", "rev"))
    check_grads(lambda f, t: fnp.interp(t, xp, f, left="extrapolate") * f[0], (fp, x), order=2, modes=("fwd", "rev"))
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        cotangent = np.arange(4) - 1j
        want = jax.vjp(lambda f: jax.numpy.interp(x, xp, f), fp)[1](cotangent)[0]
    np.testing.assert_allclose(ft.vjp(lambda f: fnp.interp(x, xp, f), fp)[1](cotangent)[0], np.asarray(want))
    fps = np.stack([fp, fp * 1j, fp.conj()])
    loop = np.stack([fnp.interp(x, xp, row) for row in fps])
    assert_bits(ft.vmap(lambda f: fnp.interp(x, xp, f))(fps), loop)


# --------------------------------------------------------------------------- quantiles


QUANTILES = {
    "median": lambda a: fnp.median(a), "quantile": lambda a: fnp.quantile(a, 0.5),
    "percentile": lambda a: fnp.percentile(a, [10, 90]), "nanmedian": lambda a: fnp.nanmedian(a),
    "nanquantile": lambda a: fnp.nanquantile(a, 0.5, method="lower"),
    "nanpercentile": lambda a: fnp.nanpercentile(a, 50, axis=0),
}


@pytest.mark.parametrize("name", QUANTILES)
def test_quantiles_of_complex_input_raise_as_jax(name):
    z = np.array([1 + 1j, 2 - 1j, 0.5j])
    with pytest.raises(ValueError, match=f"{name}: complex input is not supported"):
        QUANTILES[name](z)
    with pytest.raises(ValueError, match="complex input"):
        ft.jit(QUANTILES[name])(z)
    jax = pytest.importorskip("jax")
    with pytest.raises(ValueError, match="complex"):
        getattr(jax.numpy, name)(z, *([] if "median" in name else [0.5]))


@pytest.mark.parametrize("name", QUANTILES)
def test_quantiles_of_real_input_still_match_numpy_and_differentiate(name):
    a = np.array([[3.0, 1.0, 2.5], [0.5, 4.0, 2.0], [1.5, -1.0, 0.25], [2.0, 2.2, 3.0]])
    refs = {"median": np.median, "quantile": lambda v: np.quantile(v, 0.5),
            "percentile": lambda v: np.percentile(v, [10, 90]), "nanmedian": np.nanmedian,
            "nanquantile": lambda v: np.nanquantile(v, 0.5, method="lower"),
            "nanpercentile": lambda v: np.nanpercentile(v, 50, axis=0)}
    np.testing.assert_allclose(QUANTILES[name](a), refs[name](a), rtol=1e-14)
    if name in ("median", "quantile", "nanmedian", "nanpercentile"):
        check_grads(QUANTILES[name], (a,), order=2, modes=("fwd", "rev"))
