"""jit under threads, fork and floods of programs, in real processes: first calls racing from
many threads, a fork (os.fork and a fork-start multiprocessing pool) in the middle of a
background compile, 500 static-argument specialisations, and programs released by
``clear_cache()`` and garbage collection."""
from __future__ import annotations

import gc
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from test_reliability_support import run_python

THREADS = """
    import json, sys, threading
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp

    background = sys.argv[1] == "1" if len(sys.argv) > 1 else {background}
    ft.config.background_compile = background
    programs = [ft.jit(lambda x, k=k: fnp.sin(x) * (1.5 + k) + fnp.sum(x * x)) for k in range(3)]
    x = np.linspace(-2, 2, 9)
    wanted = [np.sin(x) * (1.5 + k) + np.sum(x * x) for k in range(3)]
    errors, barrier = [], threading.Barrier(8)

    def run(i):
        barrier.wait()  # every thread makes its first call at once
        for n in range(20):
            k = (i + n) % 3
            try:
                np.testing.assert_allclose(programs[k](x), wanted[k], rtol=1e-13)
            except Exception as e:
                errors.append(repr(e)[:300])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({{"errors": errors, "traces": [p.trace_count for p in programs]}}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("background", [False, True], ids=["compile-on-first-call", "background-compile"])
def test_eight_threads_racing_first_calls_of_three_programs(tmp_path, background):
    result, _, _ = run_python(THREADS.format(background=background), FUNCTRANS_CACHE_DIR=str(tmp_path))
    assert result["errors"] == []
    assert result["traces"] == [1, 1, 1]  # traced (and generated) once each


@pytest.mark.slow
def test_a_thread_tracing_does_not_capture_another_threads_calls():
    x = np.linspace(0, 1, 6)
    compiled = ft.jit(lambda v: fnp.cos(v) * 2.125)
    compiled(x)
    eager_only = ft.jit(lambda v: fnp.exp(v) - 0.875)
    inside, stop, results = threading.Event(), threading.Event(), []

    def slow(v):
        inside.set()
        time.sleep(0.3)  # while this traces, another thread calls jitted functions
        return v * 3.0

    def other():
        inside.wait()
        while not stop.is_set():
            results.append((compiled(x), eager_only(x)))

    thread = threading.Thread(target=other)
    thread.start()
    with ft.config.option(background_compile=True):
        traced = ft.make_jaxpr(ft.jit(slow))(x)
    stop.set()
    thread.join()
    assert results and all(type(a) is np.ndarray and type(b) is np.ndarray for a, b in results)
    np.testing.assert_allclose(results[-1][0], np.cos(x) * 2.125, rtol=1e-14)
    np.testing.assert_allclose(results[-1][1], np.exp(x) - 0.875, rtol=1e-14)
    assert "cos" not in str(traced) and "exp" not in str(traced)


# A parent whose background compile of a large program is in flight when it forks; the child
# calls the parent's program and new ones, compiles (in the background and on first call) and exits.
FORK = """
    import json, os, sys, time
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp
    from functrans.backend import compiler

    ft.config.background_compile = True
    compiler.FORK_WAIT = float(sys.argv[1]) if len(sys.argv) > 1 else FORK_WAIT
    def big(x):
        for k in range(3):
            x = fnp.tanh(x * 1.01 + k * 0.001) + fnp.sin(x)
        return x
    big_jit = ft.jit(big)
    x = np.linspace(-1, 1, 16)
    want = big(x)
    big_jit(x)
    while not compiler._running:  # the compile is in flight
        time.sleep(0.001)

    def child_work():
        ok = np.allclose(big_jit(x), want, rtol=1e-12)
        g = ft.jit(lambda v: fnp.cos(v) * 3.0 + 0.5)
        ok &= np.allclose(g(x), np.cos(x) * 3.0 + 0.5)  # eagerly, and queued
        ok &= compiler.wait_for_compiles(120)
        ok &= np.allclose(g(x), np.cos(x) * 3.0 + 0.5) and bool(g._fast)  # compiled in the child
        ft.config.background_compile = False
        h = ft.jit(lambda v: fnp.tanh(v) * 0.25)
        ok &= np.allclose(h(x), np.tanh(x) * 0.25) and bool(h._fast)  # compiled on the first call
        return bool(ok)
"""

OS_FORK = """
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        import faulthandler
        faulthandler.dump_traceback_later(170, exit=True)  # a hang shows where it waits
        ok = child_work()
        sys.stdout.flush()
        os._exit(0 if ok else 3)
    deadline = time.time() + 180
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        status = -1
    print(json.dumps({"status": status, "child": time.perf_counter() - start,
                      "parent_ok": bool(np.allclose(big_jit(x), want, rtol=1e-12))}))
"""

POOL = """
    import multiprocessing

    def task(i):
        import faulthandler
        faulthandler.dump_traceback_later(170, exit=True)  # a hang shows where it waits
        return child_work()

    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(task, range(2)).get(timeout=180)
    print(json.dumps({"results": results, "parent_ok": bool(np.allclose(big_jit(x), want, rtol=1e-12))}))
"""


def fork_program(wait: float, body: str) -> str:
    return f"FORK_WAIT = {wait}\n" + textwrap.dedent(FORK) + textwrap.dedent(body)


# fork waits up to FORK_WAIT s for the compile in flight: 0 forks in the middle of it (the child
# abandons it), 600 once it is done.
@pytest.mark.parametrize("wait", [0.0, pytest.param(600.0, marks=pytest.mark.slow)], ids=["mid-compile", "after-waiting"])
def test_os_fork_during_a_background_compile(tmp_path, wait):
    result, elapsed, stderr = run_python(fork_program(wait, OS_FORK), FUNCTRANS_CACHE_DIR=str(tmp_path))
    assert result["status"] == 0 and result["parent_ok"], stderr[-6000:]


@pytest.mark.slow
def test_os_fork_while_the_compile_thread_is_inside_a_numba_function(tmp_path):
    # With an empty Numba cache the compile thread compiles fastmath's tanh for seconds: fork then.
    program = fork_program(0.0, OS_FORK).replace(
        "while not compiler._running:",
        "from functrans.backend import fastmath\nwhile not fastmath.tanh_f64.is_compiling:")
    result, _, _ = run_python(program, FUNCTRANS_CACHE_DIR=str(tmp_path / "ft"), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    assert result["status"] == 0 and result["parent_ok"]


@pytest.mark.slow
def test_os_fork_while_the_compile_thread_holds_a_cached_property_lock(tmp_path):
    # Python 3.11's functools.cached_property computes under one lock per property: fork while the
    # compile thread holds that of Numba's control-flow graphs (the child hung in every compile).
    program = fork_program(0.0, OS_FORK).replace(
        "    time.sleep(0.001)\n",
        "    time.sleep(0.001)\nimport numba.core.controlflow\nlock = numba.core.controlflow.CFGraph._post_doms.lock\n"
        "while compiler._running and lock.acquire(blocking=False):\n    lock.release()\n", 1)
    result, _, stderr = run_python(program, FUNCTRANS_CACHE_DIR=str(tmp_path))
    assert result["status"] == 0 and result["parent_ok"], stderr[-6000:]


@pytest.mark.slow
def test_a_fork_start_pool_during_a_background_compile(tmp_path):
    result, elapsed, _ = run_python(fork_program(0.0, POOL), FUNCTRANS_CACHE_DIR=str(tmp_path))
    assert result["results"] == [True, True] and result["parent_ok"]


FLOOD = """
    import json, os, resource, sys, time
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp
    from functrans.backend import compiler

    ft.config.background_compile = True
    f = ft.jit(lambda x, n: fnp.sin(x) * n + n, static_argnums=1)
    x = np.linspace(0, 1, 8)
    start = time.perf_counter()
    for n in range({count}):
        assert np.allclose(f(x, float(n)), np.sin(x) * n + n)
        assert len(compiler._pending) <= compiler.MAX_PENDING
    calls = time.perf_counter() - start
    print(json.dumps({{"calls": calls, "traces": f.trace_count, "pending": len(compiler._pending),
                       "modules": sum(name.startswith("ft_") for name in sys.modules)}}))
    f.clear_cache()
    ft.config.compile_wait_at_exit = 2.0
"""


@pytest.mark.parametrize("count", [60, pytest.param(500, marks=pytest.mark.slow)])
def test_a_flood_of_static_argument_specialisations_neither_builds_a_backlog_nor_delays_exit(tmp_path, count):
    result, elapsed, _ = run_python(FLOOD.format(count=count), FUNCTRANS_CACHE_DIR=str(tmp_path))
    assert result["traces"] == count and result["pending"] <= 8
    assert elapsed - result["calls"] < 2.0 + 15.0  # exit: the capped wait for the compile in flight, plus start-up


def ft_modules() -> int:
    """Programs alive in this process (a module too, for those Numba compiled here)."""
    from functrans.backend import compiler

    assert all(name in compiler._programs for name in sys.modules if name.startswith("ft_"))
    return len(compiler._programs)


@pytest.mark.slow
def test_clear_cache_and_garbage_collection_release_compiled_programs():
    gc.collect()
    before = ft_modules()
    f = ft.jit(lambda x: fnp.tanh(x) * 0.8125)
    for n in (3, 4, 5):
        f(np.ones(n))
    assert ft_modules() == before + 3
    f.clear_cache()
    gc.collect()
    assert ft_modules() == before
    g = ft.jit(lambda x: fnp.tanh(x) * 0.6875)
    g(np.ones(3))
    assert ft_modules() == before + 1
    del g
    gc.collect()
    assert ft_modules() == before
