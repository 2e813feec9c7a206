"""pure_callback: the Python function's values eagerly, traced and from compiled code (at run
time, once per call), over pytrees and keyword arguments; vmap by each vmap_method
(against a Python loop and the method's documented call shapes); jvp and transpose raise
JAX's errors; wrong results raise; custom_jvp makes it differentiable; against JAX."""
import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads
from tests.test_reliability_support import run_python

pytestmark = pytest.mark.filterwarnings("ignore:.*Code running in object mode")

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


def like(x):
    return ft.ShapeDtypeStruct(np.shape(x), np.result_type(x))


def scipy_erfcx(x):
    return ft.pure_callback(scipy.special.erfcx, like(x), x, vmap_method="expand_dims")


@pytest.mark.slow
def test_eager_traced_and_compiled_results_are_the_callbacks():
    x = np.linspace(-1.0, 2.0, 5)
    want = scipy.special.erfcx(x)
    np.testing.assert_array_equal(scipy_erfcx(x), want)
    np.testing.assert_array_equal(ft.jit(scipy_erfcx)(x), want)
    f = ft.jit(lambda x: fnp.sin(scipy_erfcx(x * 2.0)) + 1.0)
    np.testing.assert_allclose(f(x), np.sin(scipy.special.erfcx(x * 2.0)) + 1.0, rtol=1e-14)
    assert "pure_callback" in str(ft.make_jaxpr(scipy_erfcx)(x))


@settings(max_examples=15, deadline=None)
@given(hnp.arrays(np.float64, SHAPES, elements={"min_value": -5, "max_value": 5}))
def test_shapes_including_empty_and_non_contiguous(x):
    np.testing.assert_array_equal(scipy_erfcx(x), scipy.special.erfcx(x))
    if x.ndim == 2:
        np.testing.assert_array_equal(scipy_erfcx(x.T), scipy.special.erfcx(x.T))


def test_compiled_code_calls_back_at_run_time_once_per_call():
    calls = []

    def record(x):
        calls.append(np.array(x))
        return x * 10

    f = ft.jit(lambda x: ft.pure_callback(record, like(x), x + 1.0) - 1.0)
    f(np.ones(2))
    f(np.ones(2) * 2)
    np.testing.assert_array_equal(f(np.ones(2) * 3), [39.0, 39.0])
    assert [c.tolist() for c in calls] == [[2.0, 2.0], [3.0, 3.0], [4.0, 4.0]]
    assert f.trace_count == 1


def test_pytrees_keyword_arguments_several_results_and_literals():
    def cb(a, b, *, scale):
        return {"sum": (a + b["y"]) * scale, "n": np.int32(a.size)}

    def f(a, b):
        shapes = {"sum": ft.ShapeDtypeStruct(a.shape, a.dtype), "n": ft.ShapeDtypeStruct((), np.int32)}
        out = ft.pure_callback(cb, shapes, a, {"y": b}, scale=2.0)
        return out["sum"] * 1.0, out["n"]

    a, b = np.arange(3.0), np.ones(3)
    for g in (f, ft.jit(f)):
        s, n = g(a, b)
        np.testing.assert_array_equal(s, (a + b) * 2.0)
        assert n == 3 and n.dtype == np.int32
    constant = ft.jit(lambda: ft.pure_callback(lambda v: v + 1.0, ft.ShapeDtypeStruct((), np.float64), 2.0))
    assert constant() == 3.0


@pytest.mark.slow
def test_a_program_loaded_from_the_disk_cache_calls_back_with_literal_arguments(tmp_path):
    # Object mode in a program loaded from disk sees none of the generated module's names.
    code = """
        import json
        import numpy as np
        import functrans as ft
        f = ft.jit(lambda a: ft.pure_callback(lambda a, s: a * s, ft.ShapeDtypeStruct((3,), np.float64), a, 2.0))
        out = f(np.arange(3.0))
        print(json.dumps({"out": out.tolist(), "hits": f.lower(np.arange(3.0)).compiled.cache_stats()["hits"]}))
    """
    first, _, _ = run_python(code, FUNCTRANS_CACHE_DIR=str(tmp_path))
    second, _, _ = run_python(code, FUNCTRANS_CACHE_DIR=str(tmp_path))
    assert first == {"out": [0.0, 2.0, 4.0], "hits": 0}
    assert second == {"out": [0.0, 2.0, 4.0], "hits": 1}


def test_wrong_results_raise_like_jax():
    f = lambda x: ft.pure_callback(lambda v: v[:1], like(x), x)
    with pytest.raises(RuntimeError, match="Incorrect output shape for return value #0"):
        f(np.ones(2))
    g = lambda x: ft.pure_callback(lambda v: v.astype(np.float32), like(x), x)
    with pytest.raises(RuntimeError, match="Incorrect output dtype"):
        ft.jit(g)(np.ones(2))
    h = lambda x: ft.pure_callback(lambda v: (v, v), like(x), x)
    with pytest.raises(RuntimeError, match="structure"):
        h(np.ones(2))
    with pytest.raises(ValueError, match="vmap_method"):
        ft.pure_callback(np.sin, like(1.0), 1.0, vmap_method="parallel")


def test_exceptions_in_the_callback_reach_the_caller_from_compiled_code():
    def boom(x):
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        ft.jit(lambda x: ft.pure_callback(boom, like(x), x))(np.ones(2))


def test_no_derivatives_but_custom_jvp_works():
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        ft.grad(lambda x: scipy_erfcx(x))(0.5)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        ft.jvp(scipy_erfcx, (0.5,), (1.0,))

    @ft.custom_jvp
    def erfcx(x):
        return scipy_erfcx(x)

    @erfcx.defjvp
    def erfcx_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        y = erfcx(x)
        return y, (2.0 * x * y - 2.0 / np.sqrt(np.pi)) * t

    check_grads(erfcx, (np.array([0.3, 1.2]),), order=1, modes=("fwd", "rev"))
    np.testing.assert_allclose(ft.jit(ft.grad(lambda x: erfcx(x).sum()))(np.array([0.5])),
                               [2 * 0.5 * scipy.special.erfcx(0.5) - 2 / np.sqrt(np.pi)], rtol=1e-12)


def test_transpose_raises():
    with pytest.raises(ValueError, match="do not support transpose"):
        ft.linear_transpose(lambda x: ft.pure_callback(lambda v: v, like(x), x), np.ones(2))(np.ones(2))


@pytest.mark.slow
@pytest.mark.parametrize("method", ["sequential", "expand_dims", "broadcast_all"])
def test_vmap_methods_against_a_python_loop(method):
    shapes_seen = []

    def cb(x, w):
        shapes_seen.append((x.shape, w.shape))
        return x * w

    f = lambda x, w: ft.pure_callback(cb, like(x), x, w, vmap_method=method)
    xs, w = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0])
    want = np.stack([f(x, w) for x in xs])
    shapes_seen.clear()
    np.testing.assert_array_equal(ft.vmap(f, in_axes=(0, None))(xs, w), want)
    np.testing.assert_array_equal(ft.vmap(f, in_axes=(1, None), out_axes=1)(xs.T, w), want.T)
    expected = {"sequential": ((2,), (2,)), "expand_dims": ((3, 2), (1, 2)), "broadcast_all": ((3, 2), (3, 2))}[method]
    assert shapes_seen[0] == expected
    np.testing.assert_array_equal(ft.jit(ft.vmap(f, in_axes=(0, None)))(xs, w), want)


def test_vmap_without_a_method_raises_and_nested_vmap_works():
    f = lambda x: ft.pure_callback(np.cos, like(x), x)
    with pytest.raises(NotImplementedError, match="vmap_method"):
        ft.vmap(f)(np.ones(2))
    g = lambda x: ft.pure_callback(np.cos, like(x), x, vmap_method="sequential")
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ft.vmap(ft.vmap(g))(x), np.cos(x))


@pytest.mark.slow
def test_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    xs = np.linspace(0.1, 1.0, 6).reshape(3, 2)
    for method in ("sequential", "expand_dims", "broadcast_all"):
        theirs = jax.jit(jax.vmap(lambda x: jax.pure_callback(scipy.special.erfcx, jax.ShapeDtypeStruct(x.shape, x.dtype), x,
                                                              vmap_method=method)))(xs)
        ours = ft.jit(ft.vmap(lambda x: ft.pure_callback(scipy.special.erfcx, like(x), x, vmap_method=method)))(xs)
        np.testing.assert_array_equal(ours, np.asarray(theirs))


@pytest.mark.slow
def test_compiled_callbacks_inside_scan_and_cond():
    from functrans import lax

    def body(c, x):
        y = ft.pure_callback(np.cos, like(c), c)
        return y + x, y

    def f(c, xs, p):
        c = lax.cond(p, lambda v: ft.pure_callback(np.exp, like(v), v), lambda v: v * 2.0, c)
        return lax.scan(body, c, xs)

    c0, xs = np.ones(2), np.arange(6.0).reshape(3, 2)
    for p in (True, False):
        c, want_ys = (np.exp(c0) if p else c0 * 2.0), []
        for x in xs:
            want_ys.append(np.cos(c))
            c = want_ys[-1] + x
        got, ys = ft.jit(f)(c0, xs, p)
        np.testing.assert_allclose(got, c, rtol=1e-14)
        np.testing.assert_allclose(ys, want_ys, rtol=1e-14)
