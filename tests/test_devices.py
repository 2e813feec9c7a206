"""Arrays and devices: ``Array`` covers results and tracers, one CPU device, ``device_put``
copies (so later writes to the source cannot reach the placed value), ``device_get`` and
``block_until_ready`` over pytrees, ``typeof``, ``typing``, ``jacobian``, ``linear_transpose``
(against the transposed matrix and vjp) and ``clear_caches``."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.typing import ArrayLike, DTypeLike

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


def test_results_and_tracers_are_arrays():
    seen = []

    def f(x):
        seen.append(isinstance(x, ft.Array))
        return x * 2.0

    assert isinstance(ft.jit(f)(np.ones(3)), ft.Array)
    ft.grad(lambda x: f(x).sum())(np.ones(3))
    ft.vmap(f)(np.ones((2, 3)))
    assert seen == [True, True, True]
    assert isinstance(fnp.ones(2), ft.Array)
    assert not isinstance(1.0, ft.Array) and not isinstance([1.0], ft.Array)


def test_typing_array_like_accepts_what_converts_to_an_array():
    for x in (np.ones(2), np.float32(1), 1, 2.5, True, 1j, fnp.zeros(3)):
        assert isinstance(x, ArrayLike)
    for x in ("1", [1.0], None):
        assert not isinstance(x, ArrayLike)
    assert ft.typing.Array is ft.Array
    assert DTypeLike is not None


def test_one_cpu_device():
    (device,) = ft.devices()
    assert ft.local_devices() == [device] and ft.devices("cpu") == [device]
    assert device.platform == "cpu" and device.id == 0 and device.process_index == 0
    assert repr(device) == "CpuDevice(id=0)"
    assert ft.device_count() == ft.local_device_count() == 1
    assert ft.default_backend() == "cpu"
    assert (ft.process_index(), ft.process_count(), ft.process_indices()) == (0, 1, [0])
    x = np.ones(2)
    assert ft.copy_to_host_async(x) is x and ft.effects_barrier() is None
    with ft.default_device(device):
        np.testing.assert_array_equal(ft.jit(lambda a: a + 1)(x), [2.0, 2.0])
    assert isinstance(device, ft.Device)


def test_unknown_backends_and_processes_raise():
    with pytest.raises(RuntimeError, match="gpu"):
        ft.devices("gpu")
    with pytest.raises(RuntimeError, match="tpu"):
        ft.device_count("tpu")
    with pytest.raises(ValueError, match="process_index 1"):
        ft.local_devices(process_index=1)
    with pytest.raises(TypeError, match="device_put: device"):
        ft.device_put(np.ones(2), "gpu:0")


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, SHAPES))
def test_device_put_copies_and_keeps_values(x):
    placed = ft.device_put(x, ft.devices()[0])
    assert type(placed) is np.ndarray and placed.dtype == x.dtype
    np.testing.assert_array_equal(placed, x)
    if x.size:
        assert not np.shares_memory(placed, x)


def test_device_put_pytrees_scalars_and_non_contiguous_inputs():
    x = np.arange(12.0).reshape(3, 4)[:, ::2]
    tree = {"a": x, "b": [1, 2.5], "c": None, "d": np.float32(3)}
    out = ft.device_put(tree)
    assert out["c"] is None
    np.testing.assert_array_equal(out["a"], x)
    assert out["b"][0].dtype == np.int64 and out["b"][1].dtype == np.float64
    assert out["d"].dtype == np.float32 and out["d"].shape == ()
    x[0, 0] = 100.0
    assert out["a"][0, 0] == 0.0
    aliased = np.ones(2)
    assert ft.device_put(aliased, may_alias=True) is aliased
    with pytest.raises(TypeError, match="not a valid"):
        ft.device_put("text")


def test_device_put_inside_transformations_is_the_identity():
    f = lambda x: ft.device_put(x) * 3.0
    np.testing.assert_array_equal(ft.jit(f)(np.ones(2)), [3.0, 3.0])
    np.testing.assert_array_equal(ft.grad(lambda x: f(x).sum())(np.ones(2)), [3.0, 3.0])
    np.testing.assert_array_equal(ft.vmap(f)(np.ones((2, 1))), [[3.0], [3.0]])


def test_device_get_and_block_until_ready_over_pytrees():
    x = np.ones(3)
    tree = {"x": x, "n": 3, "s": np.float32(2)}
    got = ft.device_get(tree)
    assert got["x"] is x and got["n"] == 3
    assert type(got["s"]) is np.ndarray and got["s"].dtype == np.float32
    assert ft.block_until_ready(tree) is tree
    out = ft.jit(lambda a: (a, a + 1))(x)
    assert ft.block_until_ready(out) is out


def test_typeof_is_the_abstract_value():
    assert ft.typeof(np.ones((2, 3), np.float32)) == ft.ShapedArray((2, 3), np.float32)
    assert ft.typeof(1.0) == ft.ShapedArray((), np.float64, weak_type=True)
    assert ft.typeof(np.int32(1)) == ft.ShapedArray((), np.int32)
    seen = []
    ft.jit(lambda x: seen.append(ft.typeof(x)) or x)(np.ones(4))
    assert seen == [ft.ShapedArray((4,), np.float64)]
    with pytest.raises(TypeError):
        ft.typeof("a")


def test_typeof_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)  # the conftest fixture restores it
    for x in (np.ones((2, 3), np.float32), np.int32(1), np.zeros(0)):
        theirs = jax.typeof(x)
        ours = ft.typeof(x)
        assert (ours.shape, ours.dtype, ours.weak_type) == (theirs.shape, theirs.dtype, theirs.weak_type)


def test_jacobian_is_jacrev():
    f = lambda x: fnp.sin(x) * x[::-1]
    x = np.linspace(0.1, 1.0, 4)
    expected = np.diag(np.cos(x) * x[::-1]) + np.sin(x)[:, None] * np.eye(4)[::-1]
    np.testing.assert_allclose(ft.jacobian(f)(x), expected, rtol=1e-12)
    assert ft.jacobian is ft.jacrev


@settings(max_examples=15, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=4),
                  elements={"min_value": -3, "max_value": 3}))
def test_linear_transpose_of_a_matrix_product_is_the_transposed_matrix(a):
    f_t = ft.linear_transpose(lambda x: a @ x, ft.ShapeDtypeStruct((a.shape[1],), np.float64))
    ct = np.arange(a.shape[0], dtype=np.float64)
    (got,) = f_t(ct)
    np.testing.assert_allclose(got, a.T @ ct, rtol=1e-12, atol=1e-12)


def test_linear_transpose_pytrees_jax_and_errors():
    f = lambda x, y: {"s": x[::2] * 3.0 + y, "t": x.sum()}
    primals = (np.zeros(4), np.zeros(2))
    f_t = ft.linear_transpose(f, *primals)
    ct = {"s": np.array([1.0, 2.0]), "t": np.array(0.5)}
    gx, gy = f_t(ct)
    _, f_vjp = ft.vjp(f, *primals)
    for got, want in zip((gx, gy), f_vjp(ct)):
        np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(gx, [3.5, 0.5, 6.5, 0.5])
    with pytest.raises(TypeError, match="cotangent tree"):
        f_t([1.0])
    with pytest.raises(TypeError, match="cotangent type"):
        f_t({"s": np.ones(3), "t": np.array(0.5)})
    with pytest.raises(TypeError, match="linear_transpose only supports"):
        ft.linear_transpose(lambda x: x.astype(np.int32), np.zeros(2))
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    theirs = jax.linear_transpose(lambda x, y: {"s": x[::2] * 3.0 + y, "t": x.sum()}, *primals)(ct)
    for got, want in zip((gx, gy), theirs):
        np.testing.assert_allclose(got, np.asarray(want))


def test_clear_caches_makes_jit_trace_again():
    f = ft.jit(lambda x: x * 2.0)
    f(np.ones(2))
    f(np.ones(2))
    assert f.trace_count == 1
    ft.clear_caches()
    np.testing.assert_array_equal(f(np.ones(2)), [2.0, 2.0])
    assert f.trace_count == 2


def test_print_environment_info(capsys):
    info = ft.print_environment_info(return_string=True)
    assert "functrans:" in info and "numba:" in info and "cpu-1" in info
    assert ft.print_environment_info() is None
    assert capsys.readouterr().out.strip() == info


def test_eval_shape_abstracts_keyword_arguments_and_shape_dtype_struct_takes_jax_keywords():
    s = ft.ShapeDtypeStruct((2, 3), np.float32, sharding=None)
    out = ft.eval_shape(lambda x, *, y: {"sum": x + y, "n": x.shape[0]}, s, y=s)
    assert out["sum"] == ft.ShapeDtypeStruct((2, 3), np.float32)
    assert out["n"] == ft.ShapeDtypeStruct((), np.int64, weak_type=True)  # a Python int output, as JAX
    weak = ft.ShapeDtypeStruct((), np.float64, weak_type=True)
    assert weak != ft.ShapeDtypeStruct((), np.float64) and "weak_type=True" in repr(weak)
    assert hash(s) == hash(ft.ShapeDtypeStruct((2, 3), np.float32))
    jax = pytest.importorskip("jax")
    theirs = jax.eval_shape(lambda x, *, y: x + y, jax.ShapeDtypeStruct((2, 3), np.float32), y=jax.ShapeDtypeStruct((2, 3), np.float32))
    assert (theirs.shape, theirs.dtype) == (out["sum"].shape, out["sum"].dtype)
