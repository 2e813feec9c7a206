"""debug.callback and debug.print: runtime values, eagerly, under grad/jvp (once, primal
values), vmap (once per element, in order, as JAX), control flow and jit (at run time of
the compiled code, in program order); format errors; against JAX's printed output."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import debug, lax

pytestmark = [pytest.mark.filterwarnings("ignore:.*Code running in object mode")]


def recorder():
    seen = []
    return seen, lambda *a, **k: seen.append((tuple(np.asarray(x).tolist() for x in a), {n: np.asarray(v).tolist() for n, v in k.items()}))


def test_eager_callback_gets_values_and_pytrees():
    seen = []
    debug.callback(lambda tree, s: seen.append((tree, s)), {"a": np.arange(2.0), "b": 3}, s="label")
    (tree, s), = seen
    np.testing.assert_array_equal(tree["a"], [0.0, 1.0])
    assert s == "label" and int(tree["b"]) == 3


def test_print_eagerly_under_grad_and_jvp_shows_primal_values_once(capsys):
    def f(x):
        debug.print("x={x} y={}", fnp.sin(x), x=x)
        return fnp.sin(x).sum()

    x = np.array([0.0, 1.0])
    ft.grad(f)(x)
    ft.jvp(f, (x,), (np.ones(2),))
    line = f"x=[0. 1.] y={np.sin(x)}\n"
    assert capsys.readouterr().out == line * 2


def test_vmap_calls_once_per_element_in_order():
    seen, rec = recorder()

    def f(x, w):
        debug.callback(rec, x, w)
        debug.callback(rec, x * 2)
        return x * w

    ft.vmap(f, in_axes=(0, None))(np.arange(3.0), np.array(5.0))
    assert [s[0] for s in seen] == [(0.0, 5.0), (1.0, 5.0), (2.0, 5.0), (0.0,), (2.0,), (4.0,)]
    seen.clear()
    ft.vmap(ft.vmap(lambda x: debug.callback(rec, x) or x))(np.arange(4.0).reshape(2, 2))
    assert [s[0] for s in seen] == [(0.0,), (2.0,), (1.0,), (3.0,)]  # the inner axis outermost, as JAX


def test_matches_jax_printing_under_vmap_and_grad(capsys):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    def run(lib, dbg, vmap, grad):
        def f(x):
            dbg.print("v: {} {s}", x, s=x * 2)
            return lib.sum(x ** 2)
        vmap(f)(np.arange(4.0).reshape(2, 2))
        grad(f)(np.array([1.5, 2.5]))
        return capsys.readouterr().out

    assert run(fnp, debug, ft.vmap, ft.grad) == run(jax.numpy, jax.debug, jax.vmap, jax.grad)


def test_format_errors_are_found_when_called():
    with pytest.raises(ValueError, match="format string"):
        debug.print("{} {}", 1.0)
    with pytest.raises(ValueError, match="'missing'"):
        debug.print("{missing}", x=1.0)
    debug.print("{{literal}} {0:.2f}", 1.0, skip_format_check=True)


def test_inside_control_flow_eagerly(capsys):
    def body(i, c):
        debug.print("i={} c={}", i, c)
        return c + 1.0

    lax.fori_loop(0, 2, body, 0.0)
    out = capsys.readouterr().out
    if out:  # loops run their body once traced (recorded) unless effects are kept
        assert out == "i=0 c=0.0\ni=1 c=1.0\n"


@pytest.mark.slow
def test_jit_prints_at_run_time_in_program_order(capsys):
    @ft.jit
    def f(x):
        y = fnp.exp(x)
        debug.print("second {}", y)
        debug.print("first? no: {}", x)
        return y

    f(np.array([0.0]))
    f(np.array([1.0]))
    assert capsys.readouterr().out == "second [1.]\nfirst? no: [0.]\nsecond [2.71828183]\nfirst? no: [1.]\n"
    assert f.trace_count == 1


@pytest.mark.slow
def test_jit_of_vmap_and_grad_callbacks():
    seen, rec = recorder()

    def f(x):
        debug.callback(rec, x)
        return (x ** 2).sum()

    ft.jit(ft.vmap(f))(np.arange(4.0).reshape(2, 2))
    ft.jit(ft.grad(f))(np.array([3.0]))
    assert [s[0] for s in seen] == [([0.0, 1.0],), ([2.0, 3.0],), ([3.0],)]


def test_jit_callbacks_inside_loops_run_each_iteration():
    seen, rec = recorder()

    @ft.jit
    def f(x):
        def body(c, _):
            debug.callback(rec, c)
            return c * 2.0, None
        return lax.scan(body, x, None, length=3)[0]

    assert f(np.array(1.0)) == 8.0
    assert [s[0] for s in seen] == [(1.0,), (2.0,), (4.0,)]


def test_breakpoint_stops_with_the_callers_arrays(monkeypatch):
    import sys

    stops = []
    monkeypatch.setattr(sys, "breakpointhook", lambda: stops.append(sys._getframe(1).f_locals["values"]))

    def f(x, n):
        y = fnp.sin(x)
        debug.breakpoint()
        return y * n

    f(np.array([0.0, 1.0]), 3)
    ft.vmap(f, in_axes=(0, None))(np.array([0.0, 1.0]), 3)
    assert len(stops) == 3 and set(stops[0]) == {"x", "y"}
    np.testing.assert_array_equal(stops[0]["y"], np.sin([0.0, 1.0]))
    assert [float(s["x"]) for s in stops[1:]] == [0.0, 1.0]


def test_a_staged_program_keeps_a_callback_nothing_reads():
    assert "debug_callback" in str(ft.make_jaxpr(lambda x: debug.print("{}", x) or x)(1.0))
