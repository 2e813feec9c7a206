"""Tiered jit (``config.background_compile``): until a program's compile on the background
thread is done, calls run it eagerly (each primitive's NumPy implementation), with the
results the compiled code would give; then calls run the compiled code.

Each test's programs use their own constants, so no other test has compiled them already.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import functrans as ft
import functrans.dispatch
import functrans.numpy as fnp
from functrans.backend import compiler
from functrans.errors import CompilationError
from functrans.tree_util import tree_flatten

X = np.array([0.25, -1.5, 2.0, 0.75, -0.5])


@pytest.fixture(autouse=True)
def background_compile(tmp_path):
    # An empty cache of its own: a program found on disk would run compiled from its first call.
    with ft.config.option(background_compile=True, cache_dir=str(tmp_path)):
        yield
        compiler.wait_for_compiles()  # no compile of this test outlives it


@pytest.fixture
def eager_runs(monkeypatch):
    """The programs of the jit calls that ran eagerly, one per call."""
    calls = []

    def counting(closed, inputs):
        calls.append(closed)
        return compiler.run_eager(closed, inputs)

    monkeypatch.setattr(functrans.dispatch, "run_eager", counting)
    return calls


def compiled_overloads(f, *args) -> int:
    """How many argument signatures ``f``'s program has machine code for (compiled or loaded)."""
    return sum(f.lower(*args).compiled.cache_stats().values())


def assert_like_compiled(eager, compiled, rtol=1e-13):
    """Same structure, types, dtypes and shapes; equal values (to rounding)."""
    eager_leaves, eager_tree = tree_flatten(eager)
    compiled_leaves, compiled_tree = tree_flatten(compiled)
    assert eager_tree == compiled_tree
    for e, c in zip(eager_leaves, compiled_leaves):
        assert type(e) is type(c) is np.ndarray and e.flags.c_contiguous
        assert (e.dtype, e.shape) == (c.dtype, c.shape)
        np.testing.assert_allclose(e, c, rtol=rtol)


@pytest.mark.slow
def test_the_first_call_runs_eagerly_and_later_calls_run_the_compiled_program(eager_runs):
    f = ft.jit(lambda x: fnp.sin(x) * 3.25 + fnp.sum(x))
    expected = np.sin(X) * 3.25 + X.sum()

    first = f(X)
    np.testing.assert_allclose(first, expected, rtol=1e-14)
    assert len(eager_runs) == 1 and not f._fast  # the fast path only ever calls compiled code

    compiler.wait_for_compiles()
    assert compiled_overloads(f, X) == 1
    later = f(X)
    assert len(eager_runs) == 1 and f._fast
    assert_like_compiled(first, later)
    np.testing.assert_allclose(f(X), expected, rtol=1e-14)  # through the fast path
    assert len(eager_runs) == 1


@pytest.mark.slow
def test_eager_results_have_the_structure_dtypes_and_shapes_of_the_compiled_ones(eager_runs):
    def f(x, n):
        return {"scaled": (x * 1.75, fnp.sum(x * x)), "count": (n * 2 + 3, fnp.sum(n)), "same": x, "flag": fnp.max(x) > 1.0}

    n = np.arange(4, dtype=np.int32)
    f_jit = ft.jit(f)
    eager = f_jit(X, n)
    compiler.wait_for_compiles()
    compiled = f_jit(X, n)
    assert len(eager_runs) == 1
    assert_like_compiled(eager, compiled)
    assert eager["scaled"][1].shape == () and eager["flag"].dtype == np.bool_
    assert eager["count"][0].dtype == np.int32 and eager["count"][1] == 6
    assert eager["same"] is not X  # a fresh array, as the compiled program returns


def test_a_python_scalar_argument_and_a_closed_over_constant(eager_runs):
    table = np.linspace(0.0, 1.0, 5)
    f = ft.jit(lambda x, s: x * s + table * 0.125)
    eager = f(X, 2.5)
    np.testing.assert_allclose(eager, X * 2.5 + table * 0.125, rtol=1e-14)
    compiler.wait_for_compiles()
    assert_like_compiled(eager, f(X, 2.5))
    assert len(eager_runs) == 1


def test_a_nested_jit_runs_eagerly_inside_the_eager_call_and_only_the_outer_program_compiles(monkeypatch, eager_runs):
    queued = []
    queue = compiler._compile_in_background

    def recording(fn, signature):
        queued.append(fn)
        return queue(fn, signature)

    monkeypatch.setattr(compiler, "_compile_in_background", recording)
    inner = ft.jit(lambda y: fnp.exp(y) + 1.375)
    outer = ft.jit(lambda y: inner(y) * 2.0)
    np.testing.assert_allclose(outer(X), (np.exp(X) + 1.375) * 2.0, rtol=1e-14)
    assert len(queued) == 1
    compiler.wait_for_compiles()
    np.testing.assert_allclose(outer(X), (np.exp(X) + 1.375) * 2.0, rtol=1e-14)
    assert len(eager_runs) == 1 and outer._fast


def test_grad_of_jit_and_vmap_of_jit_while_their_programs_compile_and_after():
    loss = ft.jit(lambda x: fnp.sum(fnp.sin(x) * x**2) * 0.625)
    closed_form = (np.cos(X) * X**2 + 2 * X * np.sin(X)) * 0.625
    per_row = ft.jit(lambda x: fnp.cos(x) * 1.125 + fnp.sum(x))
    xs = np.arange(15.0).reshape(3, 5) / 7
    loop = np.stack([np.cos(x) * 1.125 + x.sum() for x in xs])
    for _ in range(2):  # eagerly, then compiled
        np.testing.assert_allclose(ft.grad(loss)(X), closed_form, rtol=1e-13)
        np.testing.assert_allclose(ft.vmap(per_row)(xs), loop, rtol=1e-13)
        compiler.wait_for_compiles()


def test_a_failed_background_compile_warns_once_and_every_call_stays_eager(broken_primitive, eager_runs):
    f = ft.jit(lambda x: broken_primitive.bind(fnp.sin(x)) * 2.0)
    np.testing.assert_allclose(f(X), np.sin(X) * 2.0, rtol=1e-14)  # eagerly
    compiler.wait_for_compiles()
    with pytest.warns(compiler.CompilationWarning, match="broken_for_test") as record:
        np.testing.assert_allclose(f(X), np.sin(X) * 2.0, rtol=1e-14)
    assert "np.linalg.inv" in str(record[0].message)  # the generated line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        for _ in range(3):  # never some calls and then an error: the same answer every time
            np.testing.assert_allclose(f(X), np.sin(X) * 2.0, rtol=1e-14)
    assert len(eager_runs) == 5


@pytest.mark.slow
def test_with_the_option_off_a_program_that_fails_to_compile_fails_on_its_first_call(broken_primitive):
    f = ft.jit(lambda x: broken_primitive.bind(fnp.cos(x)) * 2.0)
    with ft.config.option(background_compile=False):
        for _ in range(2):
            with pytest.raises(CompilationError, match="broken_for_test"):
                f(X)


@pytest.mark.slow
def test_with_the_option_off_the_first_call_compiles(eager_runs):
    f = ft.jit(lambda x: fnp.cos(x) * 4.5)
    with ft.config.option(background_compile=False):
        np.testing.assert_allclose(f(X), np.cos(X) * 4.5, rtol=1e-14)
    assert not eager_runs and f._fast


# A small MLP training step in a new process: its first result comes from the eager run; the
# compile finishes at exit (the atexit line is printed after functrans's wait, registered later).
PROGRAM = textwrap.dedent(
    """
    import atexit, json, time
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp
    from functrans.tree_util import tree_map

    def loss(params, x, y):
        (w1, b1), (w2, b2) = params
        h = fnp.tanh(x @ w1 + b1)
        logits = h @ w2 + b2
        z = logits - fnp.max(logits, axis=1, keepdims=True)
        return -fnp.sum(y * (z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True)))) / x.shape[0]

    @ft.jit
    def step(params, x, y):
        value, grads = ft.value_and_grad(loss)(params, x, y)
        return value, tree_map(lambda p, g: p - 0.1 * g, params, grads)

    rng = np.random.default_rng(0)
    params = ((rng.standard_normal((6, 8)), np.zeros(8)), (rng.standard_normal((8, 3)), np.zeros(3)))
    x, y = rng.standard_normal((5, 6)), np.eye(3)[[0, 1, 2, 0, 1]]

    def report():
        stats = step.lower(params, x, y).compiled.cache_stats()
        print(json.dumps({"first": first, "compiled": time.perf_counter() - start, "value": float(value),
                          "hits": stats["hits"], "misses": stats["misses"]}))

    atexit.register(report)
    start = time.perf_counter()
    value, _ = step(params, x, y)
    first = time.perf_counter() - start
    """
)


def run_in_new_process(cache_dir) -> dict:
    env = dict(os.environ, FUNCTRANS_CACHE_DIR=str(cache_dir), FUNCTRANS_BACKGROUND_COMPILE="1",
               FUNCTRANS_COMPILE_WAIT_AT_EXIT="300")  # a loaded machine may take longer than the default 10 s
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_new_process_gets_its_first_result_before_the_compile_and_leaves_a_warm_cache_at_exit(tmp_path):
    cold = run_in_new_process(tmp_path)
    assert cold["first"] < 0.25 * cold["compiled"]
    assert (cold["hits"], cold["misses"]) == (0, 1)  # compiled in the background, written to disk at exit
    warm = run_in_new_process(tmp_path)
    assert (warm["hits"], warm["misses"]) == (1, 0)
    assert warm["value"] == cold["value"]
