"""The remaining jax.lax names: stack/unstack, broadcast_like, shape_as_value, stage,
with_sharding_constraint, Tolerance/AccuracyMode, platform_dependent, composite, dce_sink,
ragged_dot(_general), scaled_dot, and the collectives pbroadcast, pshuffle, pswapaxes,
ragged_all_to_all, pcast, psend/precv: against NumPy (values on generated inputs),
check_grads, vmap against loops, jit against eager, and JAX's errors; random.key_dtype and
nn.get_scaled_dot_general_config."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.nn as fnn
import functrans.random as frandom
from functrans import lax
from functrans.errors import UnexpectedTracerError
from functrans.test_util import check_grads


@st.composite
def arrays_maybe_strided(draw, min_dims=0):
    x = draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=0, max_side=3),
                        elements=st.floats(-10, 10)))
    if x.ndim and draw(st.booleans()):
        x = np.repeat(x, 2, axis=-1)[..., ::2]  # non-contiguous
    return x


# --------------------------------------------------------------------------- shapes


@settings(max_examples=30, deadline=None)
@given(arrays_maybe_strided(), st.integers(1, 3), st.data())
def test_stack_and_unstack_match_numpy(x, count, data):
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    operands = [x + i for i in range(count)]
    stacked = lax.stack(operands, axis)
    np.testing.assert_array_equal(stacked, np.stack(operands, axis))
    pieces = lax.unstack(stacked, axis)
    assert isinstance(pieces, tuple) and len(pieces) == count
    for got, expected in zip(pieces, operands):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.slow  # compiles (jit)
def test_stack_unstack_grads_vmap_and_errors():
    x = np.arange(6.0).reshape(2, 3)
    check_grads(lambda a, b: lax.stack([a, b * a], 1), (x, x + 1), order=2, modes=("fwd", "rev"))
    check_grads(lambda a: lax.unstack(a, 1)[2] * lax.unstack(a, 1)[0], (x,), order=2, modes=("fwd", "rev"))
    np.testing.assert_array_equal(ft.vmap(lambda a: lax.stack([a, -a]))(x), np.stack([np.stack([r, -r]) for r in x]))
    np.testing.assert_array_equal(ft.vmap(lambda a: lax.unstack(a)[1])(x), x[:, 1])
    np.testing.assert_array_equal(ft.jit(lambda a, b: lax.stack([a, b], -1))(x, x.T[::-1].T), np.stack([x, x[:, ::-1]], -1))
    np.testing.assert_array_equal(ft.jit(lambda a: lax.unstack(a, 1))(x)[2], x[:, 2])
    with pytest.raises(TypeError):
        lax.stack([np.ones(2), np.ones(3)])
    with pytest.raises(IndexError):
        lax.stack([])
    with pytest.raises(ValueError, match="out of bounds"):
        lax.unstack(x, 2)


@settings(max_examples=30, deadline=None)
@given(arrays_maybe_strided(), st.data())
def test_broadcast_like_matches_numpy(x, data):
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    grown = tuple(data.draw(st.sampled_from([1, 2])) if d == 1 else d for d in x.shape)
    like = np.zeros(tuple(lead) + grown)
    np.testing.assert_array_equal(lax.broadcast_like(x, like), np.broadcast_to(x, like.shape))


@pytest.mark.slow  # compiles (jit)
def test_broadcast_like_grads_jit_and_errors():
    like = np.zeros((2, 3, 4))
    np.testing.assert_array_equal(ft.jit(lax.broadcast_like)(np.arange(3.0)[:, None], like), np.broadcast_to(np.arange(3.0)[:, None], like.shape))
    check_grads(lambda x: lax.broadcast_like(x, np.zeros((2, 3, 4))), (np.arange(3.0)[:, None],), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="Incompatible"):
        lax.broadcast_like(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="Incompatible"):
        lax.broadcast_like(np.ones((2, 3)), np.ones(3))


@pytest.mark.slow  # compiles (jit)
def test_shape_as_value_stage_sharding_and_accuracy_types():
    np.testing.assert_array_equal(lax.shape_as_value((2, 3)), [2, 3])
    assert lax.shape_as_value(()).shape == (0,) and lax.shape_as_value(()).dtype == np.int32
    assert lax.shape_as_value((2**31, 1)).dtype == np.int64
    assert isinstance(lax.stage(1.5), np.ndarray)
    assert ft.grad(lambda x: lax.stage(x) * x)(3.0) == 6.0
    np.testing.assert_array_equal(ft.vmap(lax.stage)(np.arange(3.0)), np.arange(3.0))
    tree = {"a": np.ones(2), "b": (1.0,)}
    out = ft.jit(lambda t: lax.with_sharding_constraint(t, None))(tree)
    np.testing.assert_array_equal(out["a"], tree["a"])
    assert lax.Tolerance(rtol=1e-3, ulps=2).ulps == 2
    with pytest.raises(ValueError, match="non-negative"):
        lax.Tolerance(atol=-1.0)
    with pytest.raises(ValueError, match="At least one"):
        lax.Tolerance()
    assert lax.AccuracyMode.DEFAULT.value == 2 and len(lax.AccuracyMode) == 2


@pytest.mark.slow  # compiles (jit)
def test_platform_dependent_takes_the_cpu_branch_everywhere():
    branches = dict(cpu=lambda x: x * 2, tpu=lambda x: x * 3, default=lambda x: x * 4)
    assert lax.platform_dependent(1.5, **branches) == 3.0
    assert ft.jit(lambda x: lax.platform_dependent(x, **branches))(1.5) == 3.0
    assert ft.grad(lambda x: lax.platform_dependent(x, **branches))(1.5) == 2.0
    np.testing.assert_array_equal(ft.vmap(lambda x: lax.platform_dependent(x, cuda=np.sin, default=lambda x: -x))(np.ones(2)), -np.ones(2))
    with pytest.raises(NotImplementedError, match="cpu"):
        lax.platform_dependent(1.0, tpu=lambda x: x)
    with pytest.raises(TypeError, match="callable"):
        lax.platform_dependent(1.0, cpu=3)
    with pytest.raises(ValueError, match="cuda"):
        lax.platform_dependent(1.0, gpu=lambda x: x)


@pytest.mark.slow  # compiles (jit)
def test_composite_computes_its_decomposition_and_has_no_jvp():
    tangent = lax.composite(lambda x, *, scale: lax.div(lax.sin(x), lax.cos(x)) * scale, name="my.tangent")
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(tangent(x, scale=2.0), 2 * np.tan(x), rtol=1e-14)
    np.testing.assert_allclose(ft.jit(lambda x: tangent(x, scale=2.0))(x), 2 * np.tan(x), rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(lambda x: tangent(x, scale=1.0))(x.reshape(5, 1)), np.tan(x).reshape(5, 1), rtol=1e-14)
    assert "composite" in str(ft.make_jaxpr(lambda x: tangent(x, scale=1.0))(x))
    pair = lax.composite(lambda a, b: {"sum": a + b, "prod": a * b}, name="pair")(np.ones(2), (np.full(2, 3.0)))
    np.testing.assert_array_equal(pair["prod"], [3.0, 3.0])
    with pytest.raises(ValueError, match="JVP rule for composite"):
        ft.grad(lambda x: tangent(x, scale=1.0).sum())(x)
    with pytest.raises(UnexpectedTracerError, match="attribute"):
        ft.jit(lambda x, s: tangent(x, scale=s))(x, 2.0)


@pytest.mark.slow  # compiles (jit)
def test_dce_sink_keeps_the_computation_in_staged_programs():
    def f(x):
        lax.dce_sink(lax.exp(x))  # unused otherwise
        return x + 1.0

    assert lax.dce_sink({"a": np.ones(2)}) is None
    text = ft.jit(f).lower(np.ones(2)).as_text()
    assert "dce_sink" in text and "exp" in text
    np.testing.assert_array_equal(ft.jit(f)(np.ones(2)), [2.0, 2.0])
    np.testing.assert_array_equal(ft.grad(lambda x: f(x).sum())(np.ones(2)), [1.0, 1.0])
    np.testing.assert_array_equal(ft.vmap(f)(np.ones((3, 2))), np.full((3, 2), 2.0))


# --------------------------------------------------------------------------- ragged and scaled products


def ragged_dot_reference(lhs, rhs, group_sizes):
    out, start = np.zeros((lhs.shape[0], rhs.shape[2])), 0
    for g, size in enumerate(group_sizes):
        out[start : start + size] = lhs[start : start + size] @ rhs[g]
        start += size
    return out


@st.composite
def ragged_problems(draw):
    m, k, n, g = (draw(st.integers(0 if i == 0 else 1, 4)) for i in range(4))
    cuts = sorted(draw(st.lists(st.integers(0, m), min_size=g - 1, max_size=g - 1)))
    sizes = np.diff([0, *cuts, draw(st.integers(cuts[-1] if cuts else 0, m))]).astype(np.int32)  # may leave rows out
    lhs = draw(hnp.arrays(np.float64, (m, k), elements=st.floats(-3, 3)))
    rhs = draw(hnp.arrays(np.float64, (g, k, n), elements=st.floats(-3, 3)))
    return lhs, rhs, sizes


@settings(max_examples=30, deadline=None)
@given(ragged_problems())
def test_ragged_dot_matches_a_loop_over_groups(problem):
    lhs, rhs, sizes = problem
    np.testing.assert_allclose(lax.ragged_dot(lhs, rhs, sizes), ragged_dot_reference(lhs, rhs, sizes), rtol=1e-12, atol=1e-12)


@pytest.mark.slow  # compiles (jit) and differentiates to second order
def test_ragged_dot_grads_vmap_jit():
    rng = np.random.default_rng(0)
    lhs, rhs, sizes = rng.standard_normal((5, 3)), rng.standard_normal((3, 3, 2)), np.array([2, 0, 3], np.int32)
    check_grads(lambda a, b: lax.ragged_dot(a, b, sizes), (lhs, rhs), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(ft.jit(lax.ragged_dot)(lhs, rhs, sizes), ragged_dot_reference(lhs, rhs, sizes), rtol=1e-12)
    lhs_b, sizes_b = np.stack([lhs, 2 * lhs]), np.array([[2, 0, 3], [1, 1, 1]], np.int32)
    looped = np.stack([ragged_dot_reference(a, rhs, s) for a, s in zip(lhs_b, sizes_b)])
    np.testing.assert_allclose(ft.vmap(lambda a, s: lax.ragged_dot(a, rhs, s))(lhs_b, sizes_b), looped, rtol=1e-12)


def test_ragged_dot_general_contracting_batch_and_batched_group_sizes():
    rng = np.random.default_rng(1)
    # Ragged contracting dimension: one partial product per group of the k rows.
    lhs, rhs, sizes = rng.standard_normal((2, 5)), rng.standard_normal((5, 3)), np.array([1, 4], np.int32)
    numbers = lax.RaggedDotDimensionNumbers((([1], [0]), ([], [])), [1], [])
    expected = np.stack([lhs[:, :1] @ rhs[:1], lhs[:, 1:] @ rhs[1:]])
    np.testing.assert_allclose(lax.ragged_dot_general(lhs, rhs, sizes, numbers), expected, rtol=1e-12)
    # Ragged batch dimension: a plain dot_general.
    lhs3, rhs3 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    numbers = lax.RaggedDotDimensionNumbers((([2], [1]), ([0], [0])), [0], [])
    np.testing.assert_allclose(lax.ragged_dot_general(lhs3, rhs3, np.array([1, 1], np.int32), numbers), lhs3 @ rhs3, rtol=1e-12)
    # Ragged free dimension with a batch dimension and per-batch group sizes.
    lhs3, rhs4 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 2, 3, 5))  # rhs [g, b, k, n]
    sizes = np.array([[1, 3], [4, 0]], np.int32)
    numbers = lax.RaggedDotDimensionNumbers((([2], [2]), ([0], [1])), [1], [0])
    expected = np.stack([ragged_dot_reference(lhs3[b], rhs4[:, b], sizes[b]) for b in range(2)])
    np.testing.assert_allclose(lax.ragged_dot_general(lhs3, rhs4, sizes, numbers), expected, rtol=1e-12)


def test_ragged_dot_errors():
    lhs, rhs = np.ones((4, 3)), np.ones((2, 3, 5))
    with pytest.raises(TypeError, match="integer"):
        lax.ragged_dot(lhs, rhs, np.array([2.0, 2.0]))
    with pytest.raises(TypeError, match="group dimension size"):
        lax.ragged_dot(lhs, rhs, np.array([1, 1, 2]))
    with pytest.raises(TypeError, match="rank of group_sizes"):
        lax.ragged_dot(lhs, rhs, np.array(2))
    with pytest.raises(NotImplementedError, match="group_offset"):
        lax.ragged_dot(lhs, rhs, np.array([2, 2]), group_offset=np.array([0]))
    with pytest.raises(TypeError, match="exactly one rhs group"):
        lax.ragged_dot_general(lhs, rhs, np.array([2, 2]), lax.RaggedDotDimensionNumbers((([1], [1]), ([], [])), [0], []))
    with pytest.raises(TypeError, match="zero group dimensions"):
        lax.ragged_dot_general(lhs, np.ones((3, 5)), np.array([2, 1]), lax.RaggedDotDimensionNumbers((([1], [0]), ([], [])), [1], [0]))


@pytest.mark.slow  # compiles (jit)
def test_scaled_dot_matches_numpy_and_checks_scales():
    rng = np.random.default_rng(2)
    lhs, rhs = rng.standard_normal((3, 8)), rng.standard_normal((8, 2))
    ls, rs = rng.uniform(0.5, 2, (3, 2)), rng.uniform(0.5, 2, (2, 2))
    expected = (lhs * np.repeat(ls, 4, axis=1)) @ (rhs * np.repeat(rs, 4, axis=0))
    np.testing.assert_allclose(lax.scaled_dot(lhs, rhs, lhs_scale=ls, rhs_scale=rs), expected, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(lambda *a: lax.scaled_dot(a[0], a[1], lhs_scale=a[2], rhs_scale=a[3]))(lhs, rhs, ls, rs),
                               expected, rtol=1e-12)
    np.testing.assert_allclose(lax.scaled_dot(lhs, rhs), lhs @ rhs, rtol=1e-12)
    batched = lax.scaled_dot(np.stack([lhs, lhs]), np.stack([rhs, rhs]), preferred_element_type=np.float32)
    assert batched.dtype == np.float32 and batched.shape == (2, 3, 2)
    with pytest.raises(TypeError, match="0-rank and 1-rank"):
        lax.scaled_dot(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="divisible"):
        lax.scaled_dot(lhs, rhs, lhs_scale=np.ones((3, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        lax.scaled_dot(lhs, rhs, lhs_scale=np.ones((3, 8)))
    with pytest.raises(TypeError, match="does not match scale"):
        lax.scaled_dot(lhs, rhs, lhs_scale=np.ones((2, 2)))
    with pytest.raises(TypeError, match="same rank"):
        lax.scaled_dot(lhs, rhs, lhs_scale=np.ones(2))


# --------------------------------------------------------------------------- collectives


def named(f, **kw):
    return ft.vmap(f, axis_name="i", **kw)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1), st.permutations(range(n)))))
def test_pbroadcast_and_pshuffle_match_numpy(case):
    n, source, perm = case
    x = np.arange(n * 2.0).reshape(n, 2) ** 2
    np.testing.assert_array_equal(named(lambda v: lax.pbroadcast(v, "i", source))(x), np.broadcast_to(x[source], x.shape))
    np.testing.assert_array_equal(named(lambda v: lax.pshuffle(v, "i", perm))(x), x[list(perm)])


@pytest.mark.slow  # compiles (jit)
def test_pbroadcast_pshuffle_pswapaxes_grads_jit_and_errors():
    x = np.arange(6.0).reshape(3, 2) + 1
    f = lambda x: named(lambda v: lax.pbroadcast(v, "i", 2) * v)(x)
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))
    np.testing.assert_array_equal(ft.jit(f)(x), f(x))
    check_grads(lambda x: named(lambda v: lax.pshuffle(v, "i", [1, 2, 0]) ** 2)(x), (x,), order=2, modes=("fwd", "rev"))
    square = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(named(lambda v: lax.pswapaxes(v, "i", 0))(square), square.T)
    with pytest.raises(ValueError, match="permutation"):
        named(lambda v: lax.pshuffle(v, "i", [0, 0, 1]))(x)
    with pytest.raises(ValueError, match="source"):
        named(lambda v: lax.pbroadcast(v, "i", 3))(x)
    with pytest.raises(NameError):
        lax.pbroadcast(x, "j", 0)


def ragged_all_to_all_reference(operand, output, input_offsets, send_sizes, output_offsets):
    """JAX's docstring's pseudocode, over every member at once (axis 0)."""
    n, slots = input_offsets.shape
    per = slots // n
    result = output.copy()
    for sender in range(n):
        for i in range(slots):
            receiver = i // per
            size, start, at = send_sizes[sender, i], input_offsets[sender, i], output_offsets[sender, i]
            result[receiver, at : at + size] = operand[sender, start : start + size]
    return result


@st.composite
def ragged_exchanges(draw):
    n, per, rows, out_rows = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    slots = n * per
    sizes = draw(hnp.arrays(np.int32, (n, slots), elements=st.integers(0, min(rows, out_rows))))
    starts = np.array([[draw(st.integers(0, rows - s)) for s in row] for row in sizes], np.int32)
    targets = np.array([[draw(st.integers(0, out_rows - s)) for s in row] for row in sizes], np.int32)
    operand = draw(hnp.arrays(np.float64, (n, rows, 2), elements=st.floats(-5, 5)))
    return operand, np.full((n, out_rows, 2), -1.0), starts, sizes, targets


@settings(max_examples=20, deadline=None)
@given(ragged_exchanges())
def test_ragged_all_to_all_matches_the_pseudocode(case):
    operand, output, starts, sizes, targets = case
    got = named(lambda *a: lax.ragged_all_to_all(*a, axis_name="i"))(operand, output, starts, sizes, targets, sizes)
    np.testing.assert_array_equal(got, ragged_all_to_all_reference(operand, output, starts, sizes, targets))


@pytest.mark.slow  # compiles (jit) and differentiates to second order
def test_ragged_all_to_all_docstring_example_grads_jit_and_errors():
    operand, output = np.array([[1.0, 2, 2], [3, 4, 0]]), np.zeros((2, 4))
    starts, sends, targets, recvs = np.array([[0, 1], [0, 1]]), np.array([[1, 2], [1, 1]]), np.array([[0, 0], [1, 2]]), np.array([[1, 1], [2, 1]])
    f = lambda op, out: named(lambda *a: lax.ragged_all_to_all(*a, axis_name="i"))(op, out, starts, sends, targets, recvs)
    np.testing.assert_array_equal(f(operand, output), [[1, 3, 0, 0], [2, 2, 4, 0]])
    np.testing.assert_array_equal(ft.jit(f)(operand, output), f(operand, output))
    check_grads(f, (operand, output), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="integer type"):
        named(lambda *a: lax.ragged_all_to_all(*a, axis_name="i"))(operand, output, starts * 1.0, sends, targets, recvs)
    with pytest.raises(ValueError, match="rank 1"):
        lax.ragged_all_to_all(operand, output, starts, sends, targets, recvs, axis_name="i")


def test_pcast_is_the_identity_over_bound_axes_and_psend_precv_are_gpu_only():
    x = np.arange(3.0)
    for to in ("varying", "reduced", "unreduced"):
        np.testing.assert_array_equal(named(lambda v: lax.pcast(v, "i", to=to))(x), x)
    assert lax.pcast(x, (), to="varying") is x
    with pytest.raises(ValueError, match="`to`"):
        named(lambda v: lax.pcast(v, "i", to="sideways"))(x)
    with pytest.raises(TypeError, match="tuple or a str"):
        lax.pcast(x, {"i"}, to="varying")
    with pytest.raises(NameError):
        lax.pcast(x, "i", to="varying")
    with pytest.raises(NotImplementedError, match="GPU"):
        named(lambda v: lax.psend(v, "i", [(0, 1)]))(x)
    with pytest.raises(NotImplementedError, match="GPU"):
        named(lambda v: lax.precv(v, ft.ShapeDtypeStruct((), np.float64), "i", [(0, 1)]))(x)


# --------------------------------------------------------------------------- random and nn


def test_key_dtype_and_scaled_dot_general_config():
    assert frandom.key_dtype() == frandom.key(0).dtype == frandom.key_dtype("threefry2x32")
    np.testing.assert_array_equal(frandom.key(5, dtype=frandom.key_dtype()), frandom.key(5))
    with pytest.raises(ValueError, match="unrecognized PRNG"):
        frandom.key_dtype("rbg")
    with pytest.raises(TypeError, match="unrecognized type"):
        frandom.key_dtype(3)
    config = fnn.get_scaled_dot_general_config("nvfp4")
    assert (config.mode, config.block_size, config.infer_only) == ("nvfp4", 16, False)
    np.testing.assert_array_equal(config.global_scale, [1.0])
    assert fnn.get_scaled_dot_general_config("nvfp4", np.float32(2.0)).global_scale == 2.0
    mx = fnn.get_scaled_dot_general_config("mxfp8")
    assert (mx.block_size, mx.data_type, mx.scale_type, mx.global_scale) == (32, "float8_e4m3fn", "float8_e8m0fnu", None)
    with pytest.raises(ValueError, match="Unsupported mode"):
        fnn.get_scaled_dot_general_config("int8")


# --------------------------------------------------------------------------- against JAX


@pytest.fixture
def jax_x64():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@pytest.mark.slow  # imports and runs JAX
def test_ragged_dot_general_modes_match_jax(jax_x64):
    jlax = jax_x64.lax
    rng = np.random.default_rng(3)
    cases = [
        (rng.standard_normal((6, 3)), rng.standard_normal((3, 3, 2)), np.array([2, 0, 3], np.int32), ((([1], [1]), ([], [])), [0], [0])),
        (rng.standard_normal((2, 5)), rng.standard_normal((5, 3)), np.array([1, 4], np.int32), ((([1], [0]), ([], [])), [1], [])),
        (rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 2, 3, 5)), np.array([[1, 3], [4, 0]], np.int32),
         ((([2], [2]), ([0], [1])), [1], [0])),
        (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5)), np.array([1, 1], np.int32), ((([2], [1]), ([0], [0])), [0], [])),
    ]
    for lhs, rhs, sizes, (dims, ragged, group) in cases:
        ours = lax.ragged_dot_general(lhs, rhs, sizes, lax.RaggedDotDimensionNumbers(dims, ragged, group))
        theirs = jlax.ragged_dot_general(lhs, rhs, sizes, jlax.RaggedDotDimensionNumbers(dims, ragged, group))
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-12, atol=1e-12)


@pytest.mark.slow  # imports and runs JAX
def test_collectives_and_shapes_match_jax(jax_x64):
    jax, jlax = jax_x64, jax_x64.lax
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    for ours, theirs in [(lambda v: lax.pbroadcast(v, "i", 1), lambda v: jlax.pbroadcast(v, "i", 1)),
                         (lambda v: lax.pshuffle(v, "i", [2, 0, 1]), lambda v: jlax.pshuffle(v, "i", [2, 0, 1]))]:
        np.testing.assert_array_equal(named(ours)(x), np.asarray(jax.vmap(theirs, axis_name="i")(x)))
    square = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(named(lambda v: lax.pswapaxes(v, "i", 0))(square),
                                  np.asarray(jax.vmap(lambda v: jlax.pswapaxes(v, "i", 0), axis_name="i")(square)))
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(lax.stack([x, -x], axis), np.asarray(jlax.stack([x, -x], axis)))
        for a, b in zip(lax.unstack(x, axis), jlax.unstack(x, axis)):
            np.testing.assert_array_equal(a, np.asarray(b))
    np.testing.assert_array_equal(lax.broadcast_like(x[:1], np.zeros((2, 3, 4))), np.asarray(jlax.broadcast_like(x[:1], np.zeros((2, 3, 4)))))
    np.testing.assert_array_equal(lax.shape_as_value((2, 5)), np.asarray(jlax.shape_as_value((2, 5))))
    assert lax.shape_as_value((2, 5)).dtype == jlax.shape_as_value((2, 5)).dtype
    branches = dict(cpu=lambda v: v * 2, default=lambda v: v * 3)
    assert float(lax.platform_dependent(1.5, **branches)) == float(jlax.platform_dependent(1.5, **branches))
