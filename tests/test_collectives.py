"""Collectives under vmap(axis_name=...): against NumPy over the batch (hypothesis over shapes
and axis sizes), nested named axes, gradients against finite differences (check_grads) and
JAX's conventions, jit against eager, and JAX's errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

@st.composite
def stacks(draw, min_dims=0):
    """An axis size n (1 to 4) and n members' operands stacked on axis 0, sometimes a strided view."""
    n = draw(st.integers(1, 4))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=0, max_side=3))
    x = draw(hnp.arrays(np.float64, (n,) + shape, elements=st.floats(-10, 10)))
    if draw(st.booleans()):
        x = np.repeat(x, 2, axis=-1)[..., ::2] if x.ndim > 1 else x
    return n, x


def named(f, **kw):
    return ft.vmap(f, axis_name="i", **kw)


@settings(max_examples=25, deadline=None)
@given(stacks())
def test_reductions_match_numpy(case):
    n, x = case
    for fn, ref in [(lax.psum, np.sum), (lax.pmax, np.max), (lax.pmin, np.min), (lax.pmean, np.mean)]:
        out = named(lambda v: fn(v, "i"))(x)
        np.testing.assert_allclose(out, np.broadcast_to(ref(x, axis=0), x.shape), rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(stacks(min_dims=1), st.booleans(), st.data())
def test_all_gather_matches_numpy(case, tiled, data):
    n, x = case
    axis = data.draw(st.integers(0, x.ndim - 1 - tiled))
    out = named(lambda v: lax.all_gather(v, "i", axis=axis, tiled=tiled))(x)
    expected = np.moveaxis(x, 0, axis)
    if tiled:
        expected = expected.reshape(expected.shape[:axis] + (n * expected.shape[axis + 1],) + expected.shape[axis + 2:])
    np.testing.assert_array_equal(out, np.broadcast_to(expected, (n,) + expected.shape))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.booleans())
def test_psum_scatter_matches_numpy(n, block, tiled):
    x = np.random.default_rng(n).normal(size=(n, n * block if tiled else n, 2))
    out = named(lambda v: lax.psum_scatter(v, "i", tiled=tiled))(x)
    total = x.sum(0)
    expected = total.reshape(n, block, 2) if tiled else total
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.data())
def test_ppermute_matches_numpy(n, data):
    dsts = data.draw(st.permutations(range(n)))
    keep = data.draw(st.integers(0, n))
    perm = [(s, d) for s, d in zip(range(n), dsts)][:keep]
    x = np.arange(n * 2.0).reshape(n, 2) + 1
    expected = np.zeros_like(x)
    for s, d in perm:
        expected[d] = x[s]
    np.testing.assert_array_equal(named(lambda v: lax.ppermute(v, "i", perm))(x), expected)


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("split_axis, concat_axis", [(0, 0), (0, 1), (1, 0)])
def test_all_to_all_matches_loop(tiled, split_axis, concat_axis):
    n = 3
    shape = [2, 2]
    shape[split_axis] = n * 2 if tiled else n
    x = np.random.default_rng(0).normal(size=(n, *shape))
    out = named(lambda v: lax.all_to_all(v, "i", split_axis, concat_axis, tiled=tiled))(x)
    for m in range(n):
        pieces = [np.split(x[k], n, axis=split_axis)[m] for k in range(n)]
        expected = np.concatenate(pieces, concat_axis) if tiled else np.stack([np.squeeze(p, split_axis) for p in pieces], concat_axis)
        np.testing.assert_allclose(out[m], expected)


def test_axis_index_and_size():
    out = named(lambda v: lax.axis_index("i") * lax.axis_size("i"))(np.zeros(4))
    np.testing.assert_array_equal(out, np.arange(4) * 4)
    assert out.dtype == np.int32
    # psum of an operand the axis does not map: axis_size copies, as JAX's psum(1, name).
    np.testing.assert_array_equal(named(lambda v: lax.psum(1, "i"))(np.zeros(3)), [3, 3, 3])


def test_nested_named_axes():
    x = np.arange(12.0).reshape(3, 4)
    inner = lambda f: ft.vmap(ft.vmap(f, axis_name="j"), axis_name="i")
    np.testing.assert_allclose(inner(lambda v: lax.psum(v, "i"))(x), np.broadcast_to(x.sum(0), x.shape))
    np.testing.assert_allclose(inner(lambda v: lax.psum(v, "j"))(x), np.broadcast_to(x.sum(1, keepdims=True), x.shape))
    np.testing.assert_allclose(inner(lambda v: lax.psum(v, ("i", "j")))(x), np.full(x.shape, x.sum()))
    index = inner(lambda v: lax.axis_index(("i", "j")))(x)
    np.testing.assert_array_equal(index, np.arange(12).reshape(3, 4))
    np.testing.assert_allclose(inner(lambda v: lax.pmean(v, "j") - lax.pmean(v, ("i", "j")))(x),
                               np.broadcast_to(x.mean(1, keepdims=True) - x.mean(), x.shape))


def test_collectives_inside_scan_and_cond_under_vmap():
    x = np.arange(6.0).reshape(3, 2)

    def f(v):
        carry, _ = lax.scan(lambda c, _: (c + lax.psum(v, "i"), None), fnp.zeros_like(v), None, length=2)
        return lax.cond(True, lambda c: lax.pmax(c, "i"), lambda c: c, carry)

    np.testing.assert_allclose(named(f)(x), np.broadcast_to(2 * x.sum(0), x.shape))


def test_grads_against_finite_differences():
    x = np.random.default_rng(1).normal(size=(3, 2))

    def loss(x):
        def member(v):
            mean = lax.pmean(v, "i")
            gathered = lax.all_gather(fnp.sin(v), "i")
            return fnp.sum((v - mean) ** 2) + fnp.sum(gathered * lax.psum(v, "i")) + fnp.sum(lax.ppermute(v, "i", [(0, 1), (1, 2)]) ** 3)
        return fnp.sum(named(member)(x))

    check_grads(loss, (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fnp.sum(named(lambda v: lax.psum_scatter(v, "i") ** 2)(x)), (np.ones((3, 3)) + x[:, :1],), order=2)
    check_grads(lambda x: fnp.sum(named(lambda v: lax.all_to_all(v, "i", 0, 0) * v)(x)), (np.ones((3, 3)) * x[:, :1],), order=2)
    check_grads(lambda x: fnp.sum(named(lambda v: lax.pmax(v, "i") * v)(x)), (x,), order=1)


def test_grad_inside_vmap_follows_jax_convention():
    # psum's transpose is psum: the gradient of each member's copy of the sum is summed.
    x = np.arange(6.0).reshape(2, 3)
    out = named(ft.grad(lambda v: fnp.sum(lax.psum(v, "i") ** 2)))(x)
    np.testing.assert_allclose(out, np.broadcast_to(2 * 2 * x.sum(0), x.shape))
    out = named(ft.grad(lambda v: fnp.sum(lax.pmean(v, "i") * v)))(x)
    np.testing.assert_allclose(out, np.broadcast_to(x.mean(0), x.shape) + np.broadcast_to(x.sum(0) / 2, x.shape))


@pytest.mark.slow
def test_against_jax():
    jax = pytest.importorskip("jax")
    x = np.arange(6.0).reshape(2, 3)
    for f in [lambda v, L: L.psum(v ** 2, "i") * v, lambda v, L: L.all_gather(v, "i", axis=1) + 1]:
        ours = ft.vmap(ft.grad(lambda v: fnp.sum(f(v, lax))), axis_name="i")(x)
        theirs = jax.vmap(jax.grad(lambda v: jax.numpy.sum(f(v, jax.lax))), axis_name="i")(x)
        np.testing.assert_allclose(ours, theirs)


@pytest.mark.slow
def test_jit_against_eager():
    x = np.random.default_rng(2).normal(size=(3, 3))

    def member(v):
        return (lax.psum(v, "i") + lax.pmax(v, "i") + lax.all_gather(v, "i")[0] + lax.psum_scatter(v, "i")
                + lax.ppermute(v, "i", [(0, 2), (2, 0)]) + lax.axis_index("i"))

    np.testing.assert_allclose(ft.jit(named(member))(x), named(member)(x))
    np.testing.assert_allclose(named(ft.jit(member))(x), named(member)(x))


def test_errors():
    x = np.ones((2, 3))
    with pytest.raises(NameError, match="unbound axis name: i"):
        lax.psum(x, "i")
    with pytest.raises(NameError, match="unbound axis name: j"):
        named(lambda v: lax.psum(v, "j"))(x)
    with pytest.raises(NameError, match="unbound axis name: i"):
        ft.jit(lambda v: lax.axis_index("i"))(x)
    with pytest.raises(ValueError, match="all_to_all requires"):
        named(lambda v: lax.all_to_all(v, "i", 0, 0))(x)
    with pytest.raises(ValueError, match="psum_scatter"):
        named(lambda v: lax.psum_scatter(v, "i"))(x)
    with pytest.raises(ValueError, match="unique"):
        named(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 1)]))(x)
    with pytest.raises(ValueError, match="all_gather: axis=3"):
        named(lambda v: lax.all_gather(v, "i", axis=3))(x)
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        named(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1]]))(x)


def test_batched_program_does_not_grow_with_the_axis_size():
    def member(v):
        return lax.ppermute(v, "i", [(0, 1), (1, 0)]) + lax.psum(v, "i") + lax.all_gather(v, "i", tiled=True)[:2]

    sizes = {len(ft.make_jaxpr(named(member))(np.ones((n, 2))).jaxpr.eqns) for n in (2, 3, 7)}
    assert len(sizes) == 1
