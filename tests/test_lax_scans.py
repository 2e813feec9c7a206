"""lax.associative_scan, cumlogsumexp and the cumulative reductions, lax.reduce with user
computations and reduce_and/or/xor: against NumPy loops and closed forms, derivatives by
check_grads, vmap against a Python loop, jit against eager, and jax.lax where installed."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
from functrans import lax
from functrans.test_util import check_grads

rng = np.random.default_rng(4)


def prefix_loop(fn, xs, reverse=False):
    """The definition: fold ``fn`` over the prefixes (or, reversed, the suffixes taken from
    the end, as JAX: ``[..., fn(fn(z, y), x), fn(z, y), z]``) of the leading axis."""
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    out, acc = [None] * len(xs), None
    for i in order:
        acc = xs[i] if acc is None else fn(acc, xs[i])
        out[i] = acc
    return np.stack(out) if len(xs) else xs


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 17), tail=st.lists(st.integers(0, 3), max_size=2), reverse=st.booleans())
def test_associative_scan_of_a_sum_is_cumsum(n, tail, reverse):
    x = rng.normal(size=(n, *tail))
    out = lax.associative_scan(lax.add, x, reverse=reverse)
    expected = np.flip(np.cumsum(np.flip(x, 0), 0), 0) if reverse else np.cumsum(x, 0)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert isinstance(out, np.ndarray) and out.dtype == x.dtype


@pytest.mark.parametrize("n", [1, 2, 5, 8, 11])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_of_matrix_products_keeps_the_order(n, reverse):
    # Matrix products are associative, not commutative: the order of the operands matters.
    mats = rng.normal(size=(n, 2, 2))
    out = lax.associative_scan(lambda a, b: a @ b, mats, reverse=reverse)
    np.testing.assert_allclose(out, prefix_loop(np.matmul, mats, reverse), rtol=1e-10, atol=1e-12)


def test_associative_scan_over_a_pytree_along_another_axis():
    # (a, b) pairs of an affine recurrence x -> a x + b: a non-commutative pytree operation.
    a, b = rng.uniform(0.5, 1.0, size=(3, 7)), rng.normal(size=(3, 7))

    def compose(first, second):
        return {"a": second["a"] * first["a"], "b": second["a"] * first["b"] + second["b"]}

    out = lax.associative_scan(compose, {"a": a, "b": b}, axis=1)
    state = np.zeros(3)
    for i in range(7):
        state = a[:, i] * state + b[:, i]
        np.testing.assert_allclose(out["b"][:, i], state, rtol=1e-12)
    np.testing.assert_allclose(out["a"], np.cumprod(a, 1), rtol=1e-12)
    negative = lax.associative_scan(compose, {"a": a, "b": b}, axis=-1)
    np.testing.assert_allclose(negative["b"], out["b"])


def test_associative_scan_of_booleans_and_integers():
    x = np.array([False, False, True, False, True])
    np.testing.assert_array_equal(lax.associative_scan(lax.bitwise_or, x), np.logical_or.accumulate(x))
    ints = np.array([3, 1, 4, 1, 5, 9, 2, 6], np.int32)
    out = lax.associative_scan(lax.max, ints, reverse=True)
    np.testing.assert_array_equal(out, np.flip(np.maximum.accumulate(np.flip(ints))))
    assert out.dtype == np.int32


def test_associative_scan_rejects_bad_input():
    with pytest.raises(TypeError, match="callable"):
        lax.associative_scan(3, np.ones(3))
    with pytest.raises(ValueError, match="same size"):
        lax.associative_scan(lambda a, b: (a[0] + b[0], a[1] + b[1]), (np.ones(3), np.ones(4)))
    with pytest.raises(ValueError, match="out of bounds"):
        lax.associative_scan(lax.add, np.ones(3), axis=1)
    with pytest.raises(TypeError, match="structure"):
        lax.associative_scan(lambda a, b: (a, b), np.ones(3))


def test_associative_scan_derivatives():
    x = rng.normal(size=(6, 2))
    check_grads(lambda x: lax.associative_scan(lax.mul, x), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: lax.associative_scan(lambda a, b: a @ b, x.reshape(3, 2, 2), reverse=True), (x,), order=2,
                modes=("fwd", "rev"))


def test_associative_scan_vmap_matches_a_loop():
    x = rng.normal(size=(4, 9))
    f = lambda row: lax.associative_scan(lax.add, row, reverse=True)
    np.testing.assert_allclose(ft.vmap(f)(x), np.stack([f(r) for r in x]))
    np.testing.assert_allclose(ft.vmap(f, in_axes=1, out_axes=1)(x.T), np.stack([f(r) for r in x]).T)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(0, 12), reverse=st.booleans(), scale=st.sampled_from([1.0, 300.0]))
def test_cumlogsumexp_matches_numpy(n, reverse, scale):
    x = rng.normal(size=(n, 3)) * scale
    out = lax.cumlogsumexp(x, axis=0, reverse=reverse)
    flipped = np.flip(x, 0) if reverse else x
    expected = np.logaddexp.accumulate(flipped, axis=0)
    np.testing.assert_allclose(out, np.flip(expected, 0) if reverse else expected, rtol=1e-12)


def test_cumlogsumexp_edges_and_errors():
    x = np.array([-np.inf, -np.inf, 0.0, np.inf], np.float32)
    with np.errstate(divide="ignore"):  # log(0) for the leading -inf entries
        out = lax.cumlogsumexp(x)
    np.testing.assert_array_equal(out, np.array([-np.inf, -np.inf, 0.0, np.inf], np.float32))
    assert out.dtype == np.float32
    with pytest.raises(TypeError, match="cumlogsumexp"):
        lax.cumlogsumexp(np.arange(3))
    with pytest.raises(ValueError, match="out of bounds"):
        lax.cumlogsumexp(np.ones(3), axis=1)


def test_cumlogsumexp_derivative_is_a_softmax_of_the_prefix():
    x = rng.normal(size=5)
    check_grads(lambda x: lax.cumlogsumexp(x, reverse=True), (x,), order=2, modes=("fwd", "rev"))
    g = ft.grad(lambda x: lax.cumlogsumexp(x)[3])(x)
    expected = np.exp(x[:4] - np.logaddexp.reduce(x[:4]))
    np.testing.assert_allclose(g, np.r_[expected, 0.0], rtol=1e-12)
    ties = np.zeros(4)  # equal operands: each gets an equal share
    np.testing.assert_allclose(ft.grad(lambda x: lax.cumlogsumexp(x)[-1])(ties), np.full(4, 0.25))


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin"])
def test_cumulative_reductions_default_to_axis_0(name):
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(getattr(lax, name)(x), getattr(lax, name)(x, 0))


def test_cumulative_reductions_reverse_and_derivatives():
    x = rng.normal(size=(5, 3))
    for name, ref in [("cumsum", np.cumsum), ("cumprod", np.cumprod), ("cummax", np.maximum.accumulate),
                      ("cummin", np.minimum.accumulate)]:
        fn = getattr(lax, name)
        np.testing.assert_allclose(fn(x, 1, reverse=True), np.flip(ref(np.flip(x, 1), axis=1), 1))
        check_grads(lambda x: fn(x, 0, reverse=True), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.slow
def test_scans_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = rng.normal(size=(7, 3))
    for reverse in (False, True):
        for axis in (0, 1):
            np.testing.assert_allclose(lax.associative_scan(lax.mul, x, reverse, axis),
                                       jax.lax.associative_scan(jax.lax.mul, x, reverse, axis), rtol=1e-12)
            np.testing.assert_allclose(lax.cumlogsumexp(x, axis, reverse), jax.lax.cumlogsumexp(x, axis, reverse),
                                       rtol=1e-12)
    f = lambda x: lax.cumlogsumexp(x, 0, True).sum() + lax.associative_scan(lax.mul, x, axis=1)[:, -1].sum()
    g = lambda x: (jax.lax.cumlogsumexp(x, 0, True).sum()
                   + jax.lax.associative_scan(jax.lax.mul, x, axis=1)[:, -1].sum())
    np.testing.assert_allclose(ft.grad(f)(x), jax.grad(g)(x), rtol=1e-10)
    ties = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0])
    for name in ("cummax", "cummin", "cumprod", "cumsum"):
        for reverse in (False, True):
            ours = ft.jacfwd(lambda v: getattr(lax, name)(v, 0, reverse))(ties)
            theirs = jax.jacfwd(lambda v: getattr(jax.lax, name)(v, 0, reverse))(ties)
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# --------------------------------------------------------------------------- reduce


@pytest.mark.parametrize("op, init, reference", [
    (lax.add, 0.0, np.sum), (lax.mul, 1.0, np.prod), (lax.max, -np.inf, np.max), (lax.min, np.inf, np.min),
])
def test_reduce_maps_monoids_to_the_built_in_reductions(op, init, reference):
    x = rng.normal(size=(3, 4, 2))
    out = lax.reduce(x, init, op, (0, 2))
    np.testing.assert_allclose(out, reference(x, axis=(0, 2)))
    jaxpr = ft.make_jaxpr(lambda x: lax.reduce(x, init, op, (0, 2)))(x)
    assert len(jaxpr.jaxpr.eqns) == 1  # one reduce_* equation, no tree of adds
    # A tuple of one operand gives the bare array, as JAX's monoid path.
    assert isinstance(lax.reduce((x,), (init,), op, (1,)), np.ndarray)


def test_reduce_of_bits_maps_to_reduce_and_or_xor():
    x = rng.integers(0, 64, size=(5, 3)).astype(np.int16)
    np.testing.assert_array_equal(lax.reduce(x, np.int16(-1), lax.bitwise_and, (0,)), np.bitwise_and.reduce(x, 0))
    np.testing.assert_array_equal(lax.reduce(x, np.int16(0), lax.bitwise_or, (0,)), np.bitwise_or.reduce(x, 0))
    np.testing.assert_array_equal(lax.reduce(x, np.int16(0), lax.bitwise_xor, (0,)), np.bitwise_xor.reduce(x, 0))


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=3), data=st.data())
def test_reduce_with_a_user_computation_matches_a_loop(shape, data):
    dims = data.draw(st.sets(st.integers(0, len(shape) - 1), max_size=len(shape)) if shape else st.just(set()))
    x = rng.normal(size=shape)
    # Not lax.add itself, and 0.5 is not its identity: the general path, which adds the
    # initial value once.
    out = lax.reduce(x, 0.5, lambda a, b: a + b, tuple(dims))
    expected = 0.5 + np.sum(x, axis=tuple(dims)) if dims else x  # no dimensions: the operand, as XLA
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert out.shape == tuple(d for i, d in enumerate(shape) if i not in dims)


def _argmax_computation(a, b):
    keep = (a[0] > b[0]) | ((a[0] == b[0]) & (a[1] < b[1]))
    return tuple(lax.select(keep, x, y) for x, y in zip(a, b))


def test_reduce_over_a_pytree_is_a_variadic_argmax():
    x = rng.normal(size=(4, 7))
    values, where = lax.reduce((x, np.broadcast_to(np.arange(7), (4, 7))), (-np.inf, 0), _argmax_computation, (1,))
    np.testing.assert_array_equal(where, np.argmax(x, 1))
    np.testing.assert_array_equal(values, np.max(x, 1))
    # The gradient reaches the maximum of each row only.
    g = ft.grad(lambda x: lax.reduce((x, np.broadcast_to(np.arange(7), (4, 7))), (-np.inf, 0),
                                     _argmax_computation, (1,))[0].sum())(x)
    np.testing.assert_array_equal(g, np.eye(7)[np.argmax(x, 1)])


def test_reduce_with_a_user_computation_derivatives_and_vmap():
    x = rng.normal(size=(3, 5))
    f = lambda x: lax.reduce(x, 1.0, lambda a, b: a * b + 0.0 * a, (1,))
    np.testing.assert_allclose(f(x), np.prod(x, 1), rtol=1e-12)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    batched = ft.vmap(lambda row: lax.reduce(row, 0.0, lambda a, b: lax.max(a, b) + 0.0, (0,)))(x)
    np.testing.assert_allclose(batched, np.maximum(np.max(x, 1), 0.0))


def test_reduce_rejects_bad_input():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="tree structure"):
        lax.reduce((x, x), 0.0, lax.add, (0,))
    with pytest.raises(TypeError, match="dtypes"):
        lax.reduce(x, np.int32(0), lambda a, b: a + b, (0,))
    with pytest.raises(TypeError, match="axes"):
        lax.reduce(x, 0.0, lambda a, b: a + b, (2,))
    with pytest.raises(TypeError, match="scalars"):
        lax.reduce(x, np.zeros(3), lambda a, b: a + b, (0,))


def test_bitwise_reductions():
    x = rng.integers(-100, 100, size=(4, 3, 2)).astype(np.int32)
    u = x.astype(np.uint8)
    b = x > 0
    for fn, ufunc in [(lax.reduce_and, np.bitwise_and), (lax.reduce_or, np.bitwise_or), (lax.reduce_xor, np.bitwise_xor)]:
        for value in (x, u, b):
            for axes in [(0,), (0, 2), (), (0, 1, 2)]:
                out = fn(value, axes)
                np.testing.assert_array_equal(out, ufunc.reduce(value, axis=axes) if axes else value)
                assert out.dtype == value.dtype
        np.testing.assert_array_equal(fn(np.zeros((0, 2), np.uint16), (0,)), ufunc.reduce(np.zeros((0, 2), np.uint16), 0))
        np.testing.assert_array_equal(ft.vmap(lambda v: fn(v, (1,)), in_axes=2)(x), ufunc.reduce(x, 1).T)
    with pytest.raises(TypeError, match="reduce_and"):
        lax.reduce_and(np.ones(3), (0,))
    with pytest.raises(TypeError, match="axes"):
        lax.reduce_or(x, (3,))
    assert ft.grad(lambda v: lax.reduce_or(v > 0, (0,)).astype(float).sum() + v.sum())(np.ones(2)).tolist() == [1, 1]


@pytest.mark.slow
def test_reduce_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = rng.normal(size=(3, 6))
    idx = np.broadcast_to(np.arange(6), (3, 6))

    def jax_argmax(a, b):
        keep = (a[0] > b[0]) | ((a[0] == b[0]) & (a[1] < b[1]))
        return tuple(jax.lax.select(keep, u, v) for u, v in zip(a, b))

    for dims in [(0,), (), (0, 1)]:
        np.testing.assert_allclose(lax.reduce(x, 0.5, lambda a, b: a + b, dims),
                                   jax.lax.reduce(x, 0.5, lambda a, b: a + b, dims), rtol=1e-12)
    ours = lax.reduce((x, idx), (-np.inf, 0), _argmax_computation, (1,))
    theirs = jax.lax.reduce((x, idx), (-np.inf, 0), jax_argmax, (1,))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    bits = rng.integers(0, 1000, size=(4, 5))
    for name in ("reduce_and", "reduce_or", "reduce_xor"):
        np.testing.assert_array_equal(getattr(lax, name)(bits, (1,)), getattr(jax.lax, name)(bits, (1,)))


@pytest.mark.slow
def test_scans_and_reductions_under_jit_match_eager():
    x = rng.normal(size=(6, 5))
    bits = rng.integers(0, 1 << 20, size=(6, 5))

    def f(x, bits):
        return (lax.associative_scan(lax.mul, x, reverse=True), lax.cumlogsumexp(x, 1),
                lax.reduce(x, 1.0, lambda a, b: a * b + 0.0 * a, (0,)),
                lax.reduce_and(bits, (0,)), lax.reduce_or(bits, (1,)), lax.reduce_xor(bits, (0, 1)))

    for a, b in zip(ft.jit(f)(x, bits), f(x, bits)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(lambda x: f(x, bits)[1].sum()))(x), ft.grad(lambda x: f(x, bits)[1].sum())(x),
                               rtol=1e-12)


def test_cummax_and_cummin_derivatives_split_ties_as_jax():
    # Without ties the tangent is the running extremum's own; with ties it is the derivative
    # of the parallel scan of max (min), as JAX defines it.
    x = rng.permutation(8).astype(float)
    for fn, ref in [(lax.cummax, np.maximum.accumulate), (lax.cummin, np.minimum.accumulate)]:
        where = [int(np.flatnonzero(x == v)[0]) for v in ref(x)]
        np.testing.assert_array_equal(ft.jacfwd(lambda v: fn(v, 0))(x), np.eye(8)[where])
    ties = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0])
    for fn, op in [(lax.cummax, lax.max), (lax.cummin, lax.min)]:
        for reverse in (False, True):
            scan = lambda v: lax.associative_scan(op, v, reverse=reverse)
            np.testing.assert_array_equal(ft.jacfwd(lambda v: fn(v, 0, reverse))(ties), ft.jacfwd(scan)(ties))
            np.testing.assert_array_equal(ft.jacrev(lambda v: fn(v, 0, reverse))(ties), ft.jacfwd(scan)(ties))
    assert ft.jacfwd(lambda v: lax.cummax(v, 0))(ties)[2].tolist() == [0, 0.5, 0.5, 0, 0, 0]


def test_scans_and_reductions_of_noncontiguous_inputs():
    x = rng.normal(size=(6, 8))[::2, ::-3]  # strided and reversed
    np.testing.assert_allclose(lax.associative_scan(lax.add, x, axis=1), np.cumsum(x, 1), atol=1e-12)
    np.testing.assert_allclose(lax.cumlogsumexp(x, 1), np.logaddexp.accumulate(x, 1), rtol=1e-12)
    np.testing.assert_allclose(lax.reduce(x, 0.0, lambda a, b: a + b, (0,)), x.sum(0), atol=1e-12)
    bits = rng.integers(0, 255, size=(5, 6)).astype(np.uint8).T[::2]
    np.testing.assert_array_equal(lax.reduce_xor(bits, (1,)), np.bitwise_xor.reduce(bits, 1))
