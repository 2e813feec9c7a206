"""jax.lax's slicing, shape and small elementwise helpers (slice_in_dim ... optimization_barrier),
and the precision / rounding options: NumPy's results, JAX's errors, derivatives, vmap and jit."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

from numpy_checks import traced


@st.composite
def array_axis_bounds(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5)))
    if draw(st.booleans()) and x.ndim > 1:
        x = x.T  # not contiguous
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    bound = st.none() | st.integers(-n, n)
    return x, axis, draw(bound), draw(bound), draw(st.integers(1, 3))


def _along(x, axis, index):
    full = [slice(None)] * x.ndim
    full[axis] = index
    return x[tuple(full)]


@settings(max_examples=40, deadline=None)
@given(array_axis_bounds())
def test_slice_in_dim_equals_python_slicing(case):
    x, axis, start, limit, stride = case
    n = x.shape[axis]
    lo = 0 if start is None else start % n if start < 0 else start
    hi = n if limit is None else limit % n if limit < 0 else limit
    if lo > hi:
        with pytest.raises(TypeError):
            lax.slice_in_dim(x, start, limit, stride, axis)
        return
    np.testing.assert_array_equal(lax.slice_in_dim(x, start, limit, stride, axis), _along(x, axis, slice(lo, hi, stride)))


@settings(max_examples=30, deadline=None)
@given(array_axis_bounds(), st.integers(-7, 7))
def test_index_in_dim_and_its_dynamic_twin(case, index):
    x, axis = case[:2]
    n = x.shape[axis]
    if not -n <= index < n:
        with pytest.raises(IndexError, match="out of bounds"):
            lax.index_in_dim(x, index, axis)
    else:
        np.testing.assert_array_equal(lax.index_in_dim(x, index, axis, keepdims=False), _along(x, axis, index))
        np.testing.assert_array_equal(lax.index_in_dim(x, index, axis), _along(x, axis, slice(index % n, index % n + 1)))
    if n == 0:
        return
    # A traced index counts from the end when negative, then clamps into range.
    clamped = min(max(index + n if index < 0 else index, 0), n - 1)
    np.testing.assert_array_equal(lax.dynamic_index_in_dim(x, index, axis, False), _along(x, axis, clamped))
    np.testing.assert_array_equal(lax.dynamic_index_in_dim(x, np.int32(index), axis, False), _along(x, axis, clamped))


def test_dynamic_slice_in_dim_wraps_negative_starts_unless_told_not_to():
    x = np.arange(10.0)
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(x, -3, 2), [7.0, 8.0])
    with pytest.raises(ValueError, match="allow_negative_indices=False"):  # a concrete negative start, as JAX
        lax.dynamic_slice_in_dim(x, -3, 2, allow_negative_indices=False)
    (clamped,) = traced(lambda i: lax.dynamic_slice_in_dim(x, i, 2, allow_negative_indices=False), np.int64(-3))
    np.testing.assert_array_equal(clamped, [0.0, 1.0])  # a traced one is clamped
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(x, 9, 3), [7.0, 8.0, 9.0])  # moved back to fit
    m = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(m, 1, 2, axis=1), m[:, 1:3])


def test_dynamic_slice_allow_negative_indices_per_axis():
    x = np.arange(12.0).reshape(3, 4)
    starts = [np.int64(-1), np.int64(-2)]
    np.testing.assert_array_equal(lax.dynamic_slice(x, starts, (1, 2)), x[2:, 2:])  # JAX's default: from the end
    clamping = lambda allow: lambda *s: lax.dynamic_slice(x, s, (1, 2), allow_negative_indices=allow)
    np.testing.assert_array_equal(traced(clamping(False), *starts)[0], x[:1, :2])
    np.testing.assert_array_equal(traced(clamping((False, True)), *starts)[0], x[:1, 2:])
    with pytest.raises(ValueError, match="dynamic_slice: start index -1 of axis 0 is negative"):
        lax.dynamic_slice(x, starts, (1, 2), allow_negative_indices=(False, True))
    with pytest.raises(ValueError, match="dynamic_update_slice: start index -2 of axis 1 is negative"):
        lax.dynamic_update_slice(x, np.zeros((1, 2)), starts, allow_negative_indices=(True, False))
    updated = lax.dynamic_update_slice(x, np.zeros((1, 2)), starts, allow_negative_indices=True)
    expected = x.copy()
    expected[2, 2:] = 0
    np.testing.assert_array_equal(updated, expected)
    f = ft.vmap(lambda i: lax.dynamic_slice(x, [i, np.int64(0)], (1, 4), allow_negative_indices=True))
    np.testing.assert_array_equal(f(np.array([-1, 0, -3])), x[[2, 0, 0]][:, None])
    with pytest.raises(ValueError, match="one entry per start index"):
        lax.dynamic_slice(x, starts, (1, 2), allow_negative_indices=(True,))


@st.composite
def dynamic_windows(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5)))
    if draw(st.booleans()) and x.ndim > 1:
        x = x.T  # not contiguous
    sizes = [draw(st.integers(0, d)) for d in x.shape]
    # Starts below -size stay negative once wrapped, so they clamp to 0 (and must not wrap twice).
    starts = [draw(st.integers(-2 * d - 2, 2 * d + 2)) for d in x.shape]
    allow = draw(st.booleans() | st.lists(st.booleans(), min_size=x.ndim, max_size=x.ndim))
    dtype = draw(st.sampled_from([np.int64, np.int32]))
    return x, [dtype(s) for s in starts], sizes, allow


def _numpy_window(shape, starts, sizes, allow):
    """The slices XLA's dynamic_slice reads: negative starts (where allowed) from the end, then clamped."""
    flags = [allow] * len(shape) if isinstance(allow, bool) else allow
    begin = [min(max(int(s) + d if a and s < 0 else int(s), 0), d - n) for s, d, n, a in zip(starts, shape, sizes, flags)]
    return tuple(slice(b, b + n) for b, n in zip(begin, sizes))


@settings(max_examples=40, deadline=None)
@given(dynamic_windows())
def test_dynamic_slice_and_update_equal_numpy_slicing(case):
    x, starts, sizes, allow = case
    window = _numpy_window(x.shape, starts, sizes, allow)
    options = {} if allow is True else {"allow_negative_indices": allow}  # True is the default
    update = np.full(sizes, 7.0)
    expected = x.copy()
    expected[window] = update
    # Traced starts: negative ones not allowed are clamped to 0.
    np.testing.assert_array_equal(traced(lambda *s: lax.dynamic_slice(x, s, sizes, **options), *starts)[0], x[window])
    np.testing.assert_array_equal(traced(lambda *s: lax.dynamic_update_slice(x, update, s, **options), *starts)[0], expected)
    flags = [allow] * x.ndim if isinstance(allow, bool) else allow
    if any(s < 0 and not a for s, a in zip(starts, flags)):
        with pytest.raises(ValueError, match="allow_negative_indices=False"):  # concrete ones raise, as in JAX
            lax.dynamic_slice(x, starts, sizes, **options)
        return
    sliced = lambda v: lax.dynamic_slice(v, starts, sizes, **options)
    updated = lambda v, u: lax.dynamic_update_slice(v, u, starts, **options)
    np.testing.assert_array_equal(sliced(x), x[window])
    np.testing.assert_array_equal(updated(x, update), expected)
    # The batching and transpose rules see starts already wrapped: they must not wrap them again.
    stacked = np.stack([x, x + 1])
    np.testing.assert_array_equal(ft.vmap(sliced)(stacked), stacked[(slice(None),) + window])
    np.testing.assert_array_equal(ft.vmap(updated, (0, None))(stacked, update), np.stack([updated(v, update) for v in stacked]))
    inside = np.zeros_like(x)
    inside[window] = 1.0
    np.testing.assert_array_equal(ft.grad(lambda v: sliced(v).sum())(x), inside)
    d_operand, d_update = ft.grad(lambda v, u: updated(v, u).sum(), (0, 1))(x, update)
    np.testing.assert_array_equal(d_operand, 1.0 - inside)
    np.testing.assert_array_equal(d_update, np.ones(sizes))


def test_dynamic_slice_with_batched_negative_starts_equals_a_loop():
    x = np.arange(20.0).reshape(4, 5)
    starts = np.array([-9, -5, -4, -1, 0, 2, 7])
    for allow in (True, False):
        flags = (allow, True)
        f = lambda s: lax.dynamic_slice(x, [s, np.int64(-2)], (2, 2), allow_negative_indices=flags)
        g = lambda s: lax.dynamic_update_slice(x, np.zeros((2, 2)), [s, np.int64(-2)], allow_negative_indices=flags)
        windows = [_numpy_window(x.shape, [s, -2], (2, 2), flags) for s in starts]
        np.testing.assert_array_equal(ft.vmap(f)(starts), np.stack([x[w] for w in windows]))
        updated = np.stack([x] * len(starts))
        for u, w in zip(updated, windows):
            u[w] = 0.0
        np.testing.assert_array_equal(ft.vmap(g)(starts), updated)


@pytest.mark.slow  # JAX compiles every call (about 3 s)
def test_dynamic_slice_negative_starts_equal_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.arange(20.0).reshape(4, 5)
    for starts in ([-1, -2], [-5, 3], [-9, -11], [2, -1]):
        starts = [np.int64(s) for s in starts]
        for options in ({}, {"allow_negative_indices": False}, {"allow_negative_indices": (True, False)}):
            ours = [lambda: lax.dynamic_slice(x, starts, (2, 3), **options),
                    lambda: lax.dynamic_update_slice(x, -np.ones((2, 3)), starts, **options)]
            theirs = [lambda: jax.lax.dynamic_slice(x, starts, (2, 3), **options),
                      lambda: jax.lax.dynamic_update_slice(x, -np.ones((2, 3)), starts, **options)]
            for mine, jaxs in zip(ours, theirs):
                try:
                    want = jaxs()
                except ValueError:  # a concrete negative start that is not allowed
                    with pytest.raises(ValueError, match="allow_negative_indices=False"):
                        mine()
                else:
                    np.testing.assert_array_equal(mine(), want)
        # Traced starts (under jit in JAX) are clamped instead.
        clamp = lambda *s: jax.lax.dynamic_slice(x, s, (2, 3), allow_negative_indices=False)
        np.testing.assert_array_equal(traced(lambda *s: lax.dynamic_slice(x, s, (2, 3), allow_negative_indices=False), *starts)[0],
                                      jax.jit(clamp)(*starts))


def test_dynamic_updates_in_dim_equal_numpy_assignment():
    x = np.zeros((3, 4))
    expected = x.copy()
    expected[:, 2:4] = 1.0
    np.testing.assert_array_equal(lax.dynamic_update_slice_in_dim(x, np.ones((3, 2)), -2, 1), expected)
    expected = x.copy()
    expected[2] = [1, 2, 3, 4]
    np.testing.assert_array_equal(lax.dynamic_update_index_in_dim(x, np.array([1.0, 2, 3, 4]), -1, 0), expected)
    np.testing.assert_array_equal(lax.dynamic_update_index_in_dim(x, np.array([[1.0, 2, 3, 4]]), 2, 0), expected)


@pytest.mark.slow  # compiles a program of many functions (about 20 s without the compile cache)
def test_dynamic_in_dim_functions_differentiate_batch_and_compile():
    rng = np.random.default_rng(0)
    x, u = rng.normal(size=(5, 3)), rng.normal(size=(2, 3))
    f = lambda x, u, i: lax.dynamic_update_slice_in_dim(x, u * 2.0, i, 0) * lax.dynamic_index_in_dim(x, i, 0)
    check_grads(lambda x, u: f(x, u, -2), (x, u), order=2)
    starts = np.array([0, -1, 3, 7])
    batched = ft.vmap(f, (None, None, 0))(x, u, starts)
    np.testing.assert_allclose(batched, np.stack([f(x, u, i) for i in starts]))
    jitted = ft.jit(lambda x, u, i: (f(x, u, i), lax.dynamic_slice_in_dim(x, i, 2, 1), lax.split(x, (1, 4)),
                                     lax.tile(u, (2, 1)), lax.clamp(-0.5, x, 0.5), lax.round(x * 3, 0),
                                     lax.collapse(x, 0), lax.broadcast(u, (2,)), lax.reciprocal(x)))
    for got, want in zip(ft.tree_util.tree_leaves(jitted(x, u, np.int64(-2))),
                         ft.tree_util.tree_leaves((f(x, u, -2), lax.dynamic_slice_in_dim(x, -2, 2, 1), lax.split(x, (1, 4)),
                                                   lax.tile(u, (2, 1)), lax.clamp(-0.5, x, 0.5), lax.round(x * 3, 0),
                                                   lax.collapse(x, 0), lax.broadcast(u, (2,)), lax.reciprocal(x)))):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_vmap_of_the_shape_helpers_equals_a_loop():
    x = np.random.default_rng(1).normal(size=(3, 4, 2))

    def f(x):
        return (lax.tile(x, (2, 1)), lax.split(x, (1, 3))[1], lax.collapse(x, 0), lax.broadcast(x, (2,)),
                lax.slice_in_dim(x, -3, None, 2), lax.index_in_dim(x, -1, 1, False), lax.broadcast_to_rank(x[0], 2),
                lax.index_take(x, [np.array([3, -1])], (0,)), lax.clamp(-0.5, x, 0.5), lax.reciprocal(x))

    looped = [f(a) for a in x]
    for i, got in enumerate(ft.vmap(f)(x)):
        np.testing.assert_array_equal(got, np.stack([r[i] for r in looped]))
    check_grads(lambda x: f(x)[:8], (x[0],), order=1)


def test_clamp_takes_a_traced_python_scalar_bound():
    x = np.array([0.0, 2.0], np.float32)
    g = ft.grad(lambda hi: lax.clamp(0.0, x, hi).sum())(1.0)
    assert g == 1.0


def test_split_equals_numpy_and_rejects_bad_sizes():
    x = np.arange(12.0).reshape(3, 4)
    for got, want in zip(lax.split(x, (1, 0, 3), axis=1), np.split(x, [1, 1], axis=1)):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="must sum to"):
        lax.split(x, (1, 1), axis=0)
    with pytest.raises(ValueError, match="nonnegative"):
        lax.split(x, (4, -1), axis=0)
    check_grads(lambda x: lax.split(x, (2, 2), 1)[1] * lax.split(x, (1, 2), 0)[1].sum(), (x,), order=2)


def test_index_take_wraps_indices_like_jax():
    x = np.arange(24).reshape(2, 3, 4)
    idx = [np.array([0, -1, 5]), np.array([1, 3, -4])]
    np.testing.assert_array_equal(lax.index_take(x, idx, (1, 2)), np.moveaxis(x[:, idx[0] % 3, idx[1] % 4], 0, -1))
    jax = pytest.importorskip("jax")
    np.testing.assert_array_equal(lax.index_take(x, idx, (1, 2)), jax.lax.index_take(x, idx, (1, 2)))


@pytest.mark.parametrize("shape, reps", [((2, 3), (2, 1)), ((3,), (0,)), ((), ()), ((1, 2, 0), (2, 2, 2)), ((2, 1), (1, 3))])
def test_tile_equals_numpy(shape, reps):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(lax.tile(x, reps), np.tile(x, reps))
    if x.size and all(reps):
        check_grads(lambda x: lax.tile(x, reps), (x,), order=1)


def test_tile_rejects_reps_of_the_wrong_length():
    with pytest.raises(TypeError, match="reps length"):
        lax.tile(np.ones((2, 3)), (2,))


def test_broadcast_helpers_equal_numpy():
    x = np.arange(3.0)
    np.testing.assert_array_equal(lax.broadcast(x, (2, 1)), np.broadcast_to(x, (2, 1, 3)))
    assert lax.broadcast_shapes((2, 1), (3,), ()) == np.broadcast_shapes((2, 1), (3,), ()) == (2, 3)
    with pytest.raises(ValueError, match="Incompatible shapes"):
        lax.broadcast_shapes((2,), (3,))
    assert lax.broadcast_to_rank(x, 3).shape == (1, 1, 3)
    assert lax.broadcast_to_rank(np.ones((2, 3)), 1).shape == (2, 3)
    assert lax.collapse(np.ones((2, 3, 4)), 1).shape == (2, 12)
    assert lax.collapse(np.ones((2, 3, 4)), -2, None).shape == (2, 12)
    with pytest.raises(ValueError, match="Invalid dimension range"):
        lax.collapse(np.ones((2, 3)), 2, 1)
    empty = lax.empty((2, 0, 3), np.int32)
    assert empty.shape == (2, 0, 3) and empty.dtype == np.int32


def test_clamp_values_and_jax_derivative_convention():
    x = np.array([-2.0, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_array_equal(lax.clamp(0.0, x, 1.0), np.clip(x, 0.0, 1.0))
    np.testing.assert_array_equal(lax.clamp(np.float64(2.0), x, 1.0), np.full(5, 1.0))  # max wins when min > max
    grads = ft.grad(lambda lo, x, hi: lax.clamp(lo, x, hi).sum(), (0, 1, 2))(np.float64(0.0), x, np.float64(1.0))
    np.testing.assert_array_equal(grads[1], [0, 0, 1, 0, 0])  # zero where x ties a bound, as JAX
    assert grads[0] == 1.0 and grads[2] == 1.0
    rng = np.random.default_rng(0)
    lo, y, hi = rng.normal(size=4), rng.normal(size=4) * 3, rng.normal(size=4) + 2
    check_grads(lax.clamp, (lo, y, hi), order=2)
    np.testing.assert_array_equal(ft.vmap(lax.clamp, (0, 0, None))(lo, y, np.float64(1.0)),
                                  np.stack([lax.clamp(a, b, np.float64(1.0)) for a, b in zip(lo, y)]))


def test_clamp_errors_name_the_argument():
    with pytest.raises(TypeError, match="same dtypes"):
        lax.clamp(np.int32(0), np.ones(3), 1.0)
    with pytest.raises(TypeError, match=r"min.shape == \(\)"):
        lax.clamp(np.zeros(2), np.ones(3), 1.0)


def test_clamp_equals_jax_gradients():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array([-2.0, 0.0, 0.5, 1.0, 3.0])
    for lo, hi in ((0.0, 1.0), (1.0, 0.0), (0.5, 0.5)):
        lo, hi = np.full(5, lo), np.full(5, hi)  # JAX's clamp cannot differentiate scalar bounds
        ours = ft.grad(lambda *a: lax.clamp(*a).sum(), (0, 1, 2))(lo, x, hi)
        theirs = jax.grad(lambda *a: jax.lax.clamp(*a).sum(), (0, 1, 2))(lo, x, hi)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)


def test_reciprocal_dtype_and_optimization_barrier():
    np.testing.assert_array_equal(lax.reciprocal(np.array([2.0, -4.0], np.float32)), np.float32([0.5, -0.25]))
    check_grads(lax.reciprocal, (np.array([0.5, 2.0]),), order=2)
    assert lax.dtype(np.ones(2, np.float32)) == np.float32 and lax.dtype(3) == np.int64 and lax.dtype("bool") == np.bool_
    tree = {"a": np.arange(3.0), "b": 2.0}
    out = lax.optimization_barrier(tree)
    np.testing.assert_array_equal(out["a"], tree["a"])
    assert ft.grad(lambda x: lax.optimization_barrier((x, x * x))[1])(3.0) == 6.0
    np.testing.assert_array_equal(ft.vmap(lambda x: lax.optimization_barrier(x) * 2)(np.arange(3.0)), [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(ft.jit(lambda x: lax.optimization_barrier([x + 1])[0])(np.arange(3.0)), [1.0, 2.0, 3.0])


# --------------------------------------------------------------------------- precision and rounding


def test_precision_parses_strings_as_jax():
    P = lax.Precision
    assert [P(s) for s in ("highest", "float32", "high", "tensorfloat32", "bfloat16_3x", "default", "fastest", "bfloat16")] == \
        [P.HIGHEST, P.HIGHEST, P.HIGH, P.HIGH, P.HIGH, P.DEFAULT, P.DEFAULT, P.DEFAULT]
    assert str(P.HIGH) == "HIGH" and repr(P.HIGH) == "Precision.HIGH" and P(2) is P.HIGHEST
    with pytest.raises(ValueError):
        P("fast")
    assert lax.DotAlgorithmPreset["F64_F64_F64"].name == "F64_F64_F64"
    algorithm = lax.DotAlgorithm(np.float32, np.float32, np.float32)
    assert algorithm.lhs_component_count == 1 and not algorithm.allow_imprecise_accumulation


@pytest.mark.parametrize("precision", [None, "highest", lax.Precision.HIGH, ("high", "default"),
                                       (lax.Precision.DEFAULT, lax.Precision.HIGHEST), "F64_F64_F64",
                                       lax.DotAlgorithmPreset.DEFAULT])
def test_products_accept_every_precision(precision):
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(lax.dot(a, b, precision=precision), a @ b)
    np.testing.assert_array_equal(lax.dot_general(a, b, (((1,), (0,)), ((), ())), precision), a @ b)
    np.testing.assert_array_equal(lax.batch_matmul(a[None], b[None], precision), (a @ b)[None])


@pytest.mark.parametrize("bad", ["fast", ("high",), 3, ("high", "nope")])
def test_products_reject_unknown_precisions(bad):
    with pytest.raises(ValueError, match="Precision argument"):
        lax.dot(np.ones(2), np.ones(2), precision=bad)


def test_preferred_element_type_is_honoured():
    a8 = np.full((2, 100), 100, np.int8)
    out = lax.dot_general(a8, a8.T, (((1,), (0,)), ((), ())), preferred_element_type=np.int32)
    assert out.dtype == np.int32 and out[0, 0] == 1_000_000  # accumulated in int32, not wrapped in int8
    f32 = np.full((1, 3), 1 / 3, np.float32)
    wide = lax.dot(f32, f32.T, preferred_element_type=np.float64)
    assert wide.dtype == np.float64 and wide[0, 0] == np.float64(f32[0, 0]) ** 2 * 3
    narrow = lax.dot(np.ones((2, 2)), np.ones((2, 2)), preferred_element_type=np.float32)
    assert narrow.dtype == np.float32
    assert lax.dot(f32, f32.T, precision=lax.DotAlgorithm(np.float32, np.float32, np.float64)).dtype == np.float64
    mixed = lax.dot_general(np.ones(3, np.float32), np.ones(3), (((0,), (0,)), ((), ())))
    assert mixed.dtype == np.float64  # promoted, as JAX
    g = ft.grad(lambda x: lax.dot(x, x, preferred_element_type=np.float32))(np.arange(3.0))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * np.arange(3.0))


def test_dot_and_batch_matmul_errors_and_transformations():
    with pytest.raises(ValueError, match="dimension_numbers must be specified"):
        lax.dot(np.ones((2, 3, 4)), np.ones((4,)))
    with pytest.raises(ValueError, match="at least 2D"):
        lax.batch_matmul(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="same ndim"):
        lax.batch_matmul(np.ones((2, 3)), np.ones((1, 3, 2)))
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 2, 3)), rng.normal(size=(4, 3, 5))
    np.testing.assert_allclose(lax.batch_matmul(a, b), np.matmul(a, b))
    check_grads(lax.batch_matmul, (a, b), order=2)
    np.testing.assert_allclose(ft.vmap(lax.dot)(a, b), np.matmul(a, b))
    np.testing.assert_allclose(lax.dot(a[0], b[0], dimension_numbers=(((1,), (0,)), ((), ()))), a[0] @ b[0])


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6),
                  elements=st.sampled_from([0.5, -0.5, 1.5, -2.5, 2.4999999999999996, 0.49999999999999994, 1e300,
                                            -0.0, 3.0, np.inf, -np.inf, np.nan, 4503599627370497.0])))
def test_round_rounding_methods_equal_numpy(x):
    with np.errstate(invalid="ignore"):
        away = np.where(np.abs(x - np.trunc(x)) == 0.5, np.trunc(x) + np.sign(x), np.round(x))
    np.testing.assert_array_equal(lax.round(x), away)  # JAX's default
    np.testing.assert_array_equal(lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO), away)
    np.testing.assert_array_equal(lax.round(x, 0), away)
    np.testing.assert_array_equal(lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), np.round(x))
    np.testing.assert_array_equal(lax.round(x, 1), np.round(x))


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6),
                  elements=st.sampled_from([0.5, -0.5, 1.5, -2.5, 0.125, -0.375, 2.675, 25.0, -35.0, np.inf, np.nan])),
       st.integers(-1, 2))
def test_numpy_round_around_rint_keep_halves_to_even(x, decimals):
    # functrans.numpy's rounding is NumPy's whatever lax.round's default, eagerly and traced.
    np.testing.assert_array_equal(fnp.round(x, decimals), np.round(x, decimals))
    np.testing.assert_array_equal(fnp.around(x, decimals), np.around(x, decimals))
    np.testing.assert_array_equal(fnp.rint(x), np.rint(x))
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(fnp.floor_divide(x, 0.5), np.floor_divide(x, 0.5))
    if x.ndim:
        np.testing.assert_array_equal(ft.vmap(lambda v: fnp.round(v, decimals))(x), np.round(x, decimals))
        np.testing.assert_array_equal(ft.vmap(fnp.rint)(x), np.rint(x))


def test_round_equals_jax_and_has_a_zero_derivative():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994, 7.25])
    away = lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO)
    np.testing.assert_array_equal(ft.grad(lambda x: away(x).sum())(x), np.zeros(7))
    np.testing.assert_array_equal(ft.jit(away)(x), away(x))
    np.testing.assert_array_equal(ft.vmap(away)(x), away(x))
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    for method in (0, 1):
        np.testing.assert_array_equal(lax.round(x, method), jax.lax.round(x, method))
    np.testing.assert_array_equal(lax.round(x), jax.lax.round(x))
