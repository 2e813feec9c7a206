"""Tracing controls: ``disable_jit`` runs jitted functions as Python (also after their fast
path exists, and per thread), ``ensure_compile_time_eval`` evaluates concrete values inside a
trace, ``named_scope``/``named_call`` only annotate."""
import threading

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp


def counting_jit():
    calls = []

    @ft.jit
    def f(x):
        calls.append(type(x))
        return fnp.sin(x) * 2.0

    return f, calls


@pytest.mark.slow
def test_disable_jit_runs_the_python_function_every_call():
    f, calls = counting_jit()
    x = np.linspace(0.0, 1.0, 3)
    compiled = f(x)
    f(x)  # the fast path is installed now
    assert len(calls) == 1
    with ft.disable_jit():
        eager = f(x)
        f(x)
    assert calls[1:] == [np.ndarray, np.ndarray]  # concrete values, not tracers
    np.testing.assert_allclose(eager, compiled, rtol=1e-14)
    np.testing.assert_allclose(eager, np.sin(x) * 2.0, rtol=1e-14)
    f(x)
    assert len(calls) == 3  # compiled again after the block: no new trace


@pytest.mark.slow
def test_disable_jit_false_turns_jit_back_on_and_nests():
    f, calls = counting_jit()
    with ft.disable_jit():
        with ft.disable_jit(False):
            f(np.ones(2))
            assert calls[-1] is not np.ndarray  # traced
        f(np.ones(2))
        assert calls[-1] is np.ndarray
    assert not ft.controls.jit_disabled()


def test_disable_jit_inside_transformations_and_with_static_arguments():
    g = ft.jit(lambda x, n: x ** n, static_argnums=1)
    with ft.disable_jit():
        np.testing.assert_allclose(ft.grad(lambda x: g(x, 3))(2.0), 12.0)
        np.testing.assert_allclose(ft.vmap(lambda x: g(x, 2))(np.arange(3.0)), [0.0, 1.0, 4.0])
        assert g(np.array(2.0), 2) == 4.0


def test_disable_jit_is_per_thread():
    f, calls = counting_jit()
    x = np.ones(2)
    f(x)
    inside, release = threading.Event(), threading.Event()

    def other():
        with ft.disable_jit():
            inside.set()
            release.wait(10)
            f(x)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(10)
    f(x)
    f(x)  # this thread still runs the compiled program, which traces nothing
    assert calls[1:] == []
    release.set()
    t.join(10)
    assert calls[1:] == [np.ndarray]


def test_disable_jit_matches_jax_printing(capsys):
    jax = pytest.importorskip("jax")

    def f(x):
        print("x =", np.asarray(x))
        return x + 1

    with ft.disable_jit():
        ft.jit(f)(np.array([1.0, 2.0]))
    ours = capsys.readouterr().out
    with jax.disable_jit():
        jax.jit(f)(np.array([1.0, 2.0]))
    assert ours == capsys.readouterr().out == "x = [1. 2.]\n"


@pytest.mark.slow
def test_ensure_compile_time_eval_gives_concrete_values_inside_jit():
    seen = []

    @ft.jit
    def f(x):
        with ft.ensure_compile_time_eval():
            y = fnp.arange(5.0) ** 2
            seen.append(type(y))
            n = int(y.sum())  # Python control flow on it works
            z = fnp.sin(x)  # traced values stay traced
            seen.append(isinstance(z, ft.core.Tracer))
        return z * n + y

    x = np.linspace(0.0, 1.0, 5)
    np.testing.assert_allclose(f(x), np.sin(x) * 30 + np.arange(5.0) ** 2, rtol=1e-14)
    assert seen == [np.ndarray, True]
    jaxpr = ft.make_jaxpr(f.fun)(x)
    assert "iota" not in str(jaxpr) and "integer_pow" not in str(jaxpr)


def test_without_ensure_compile_time_eval_the_value_is_traced():
    @ft.jit
    def f(x):
        return x * int(fnp.arange(3).sum())

    with pytest.raises(ft.ConcretizationError):
        f(np.ones(2))


def test_ensure_compile_time_eval_matches_jax():
    jax = pytest.importorskip("jax")

    def f(lib, jit, ctx):
        @jit
        def g(x):
            with ctx():
                n = int(lib.arange(4).sum())
            return x * n
        return np.asarray(g(np.array(2.0)))

    assert f(fnp, ft.jit, ft.ensure_compile_time_eval) == f(jax.numpy, jax.jit, jax.ensure_compile_time_eval) == 12.0


@pytest.mark.slow
def test_named_scope_and_named_call_only_annotate():
    def f(x):
        with ft.named_scope("block"):
            return fnp.tanh(x) * 2.0

    named = ft.named_call(f, name="my_block")
    assert named.__name__ == "my_block"
    assert ft.named_call(f).__name__ == "f"
    x = np.linspace(-1.0, 1.0, 4)
    np.testing.assert_allclose(ft.jit(named)(x), np.tanh(x) * 2.0, rtol=1e-14)
    np.testing.assert_allclose(ft.grad(lambda x: named(x).sum())(x), 2.0 / np.cosh(x) ** 2, rtol=1e-12)
    assert str(ft.make_jaxpr(named)(x)) == str(ft.make_jaxpr(f)(x))
    with pytest.raises(TypeError, match="must be a string"):
        with ft.named_scope(3):
            pass
