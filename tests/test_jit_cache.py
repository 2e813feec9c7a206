"""jit's on-disk cache: a new Python process running the same jitted function loads the
compiled machine code written by an earlier one instead of compiling it again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp

# Prints how the program's machine code was got: compiled by Numba (a miss) or loaded from disk (a hit).
PROGRAM = textwrap.dedent(
    """
    import json
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp

    step = ft.jit(lambda w, x: fnp.tanh(x @ w) * 3.0 + fnp.sum(w))
    w, x = np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(0, 1, 8).reshape(2, 4)
    out = step(w, x)
    stats = step.lower(w, x).compiled.cache_stats()
    print(json.dumps({"hits": stats["hits"], "misses": stats["misses"], "out": out.tolist()}))
    """
)


def run_in_new_process(cache_dir: Path) -> dict:
    env = dict(os.environ, FUNCTRANS_CACHE_DIR=str(cache_dir))
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_second_process_loads_the_compiled_program_from_disk_instead_of_compiling(tmp_path):
    first = run_in_new_process(tmp_path)
    second = run_in_new_process(tmp_path)
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (second["hits"], second["misses"]) == (1, 0)
    assert second["out"] == first["out"]
    # Only the machine code is kept (one sealed image); the source is compiled from memory.
    assert [path.suffix for path in tmp_path.iterdir()] == [".ftx"]


@pytest.mark.slow
def test_without_a_cache_directory_programs_compile_in_memory_and_write_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with ft.config.option(cache_dir=None):
        f = ft.jit(lambda x: fnp.cos(x) * 5.0 - 1.0)
        x = np.linspace(0, 1, 9)
        np.testing.assert_allclose(f(x), np.cos(x) * 5.0 - 1.0, rtol=1e-14)
        assert f.lower(x).compiled.path is None
    assert list(tmp_path.iterdir()) == []


def test_the_cache_key_covers_every_kernel_module_compiled_programs_import():
    # Numba keys a cached program on its own source: a kernel edited elsewhere would load stale.
    import importlib
    import re

    from functrans.backend import compiler

    hashed = {p.resolve() for p in compiler._COMPILED_SOURCES}
    for package, names in re.findall(r"from (functrans[\w.]*) import ([^\n]+)", compiler._HEADER):
        for name in names.split(","):
            module = importlib.import_module(f"{package}.{name.split(' as ')[0].strip()}")
            assert Path(module.__file__).resolve() in hashed, module.__name__


# Logs every function Numba compiles (a cache load is not a compile), then trains one step of
# an MLP, of a wider one, on a larger batch, and of a deeper one, each a new program.
VARIANTS = textwrap.dedent(
    """
    import json
    import numpy as np
    from numba.core import event
    import functrans as ft
    import functrans.numpy as fnp

    compiled = []

    class CompileLog(event.Listener):
        def on_start(self, ev):
            pass

        def on_end(self, ev):
            fn = ev.data["dispatcher"].py_func
            compiled.append(fn.__module__)

    event.register("numba:compile", CompileLog())

    def loss(params, x, y):
        for w, b in params[:-1]:
            x = fnp.tanh(x @ w + b)
        w, b = params[-1]
        return -fnp.mean(fnp.sum(ft.nn.log_softmax(x @ w + b) * y, axis=-1))

    def compiles_of_a_training_step(widths, batch):
        rng = np.random.default_rng(0)
        params = [(rng.standard_normal((m, n)) / np.sqrt(m), np.zeros(n)) for m, n in zip(widths[:-1], widths[1:])]
        x = rng.standard_normal((batch, widths[0]))
        y = np.eye(widths[-1])[rng.integers(0, widths[-1], batch)]
        compiled.clear()
        value, grads = ft.jit(ft.value_and_grad(loss))(params, x, y)
        want = ft.value_and_grad(loss)(params, x, y)  # eager: NumPy, op by op
        np.testing.assert_allclose(value, want[0], rtol=1e-12)
        return sorted(set(compiled))

    print(json.dumps({name: compiles_of_a_training_step(widths, batch) for name, widths, batch in [
        ("first", (12, 8, 8, 3), 4), ("wider", (12, 10, 8, 3), 4), ("larger batch", (12, 8, 8, 3), 6),
        ("deeper", (12, 8, 8, 8, 3), 4)]}))
    """
)


@pytest.mark.slow
def test_a_changed_width_batch_or_depth_compiles_only_its_own_program(tmp_path):
    """Kernels and fast-math functions do not depend on shapes (they are compiled once per
    argument type and kept in Numba's cache), so a variant of a program compiles its own
    generated function and nothing else, even in a process whose caches started empty."""
    env = dict(os.environ, FUNCTRANS_CACHE_DIR=str(tmp_path / "functrans"), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    done = subprocess.run([sys.executable, "-c", VARIANTS], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    compiled = json.loads(done.stdout.strip().splitlines()[-1])
    programs = lambda modules: [m for m in modules if m.startswith("ft_")]
    assert len(programs(compiled["first"])) == 1 and "functrans.backend.kernels_linalg" in compiled["first"]
    for variant in ("wider", "larger batch", "deeper"):
        assert len(compiled[variant]) == 1 and programs(compiled[variant]) == compiled[variant], (variant, compiled[variant])
