"""Time to compiled code: a workload's step built and called once in a fresh Python process
(``sys.executable``) with an empty cache directory (cold), then in fresh processes reusing
that directory (warm).  W5, W7 and W8 report their first calls through it; on its own it
measures every workload below side by side:

    python benchmarks/first_call.py [--runs N] [--workloads W1,W9a] [--only functrans,jax]

Measured inside the child: the wall time from building the step to its first result, i.e.
tracing + compiling (or loading from the disk cache) + one run.  The library's import time
and the child's whole wall time as the parent saw it are in the note.  Every child checks its
result (against the workload's NumPy step; the random workload by its samples' moments)
before reporting.  functrans runs with its defaults: it compiles on the first call.

Cache directories: ``NUMBA_CACHE_DIR`` and ``FUNCTRANS_CACHE_DIR`` point into a fresh
``tempfile.mkdtemp()`` directory per cold run (removed at the end).  JAX has no persistent
compilation cache by default (``JAX_COMPILATION_CACHE_DIR`` is removed from the child's
environment), so its warm row is another cold compile: what a JAX user gets on restart.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable

import numpy as np

import _harness as H

RANDOM_SHAPE = (512, 512)


def _against(reference: Callable, dtype: str, view: Callable | None = None) -> Callable:
    """A check of a step's output against ``reference(*data)`` (NumPy), compared through ``view``."""
    view = view or (lambda out: out)

    def check(out, data) -> None:
        H.check_close(view(H.to_numpy_tree(out)), view(H.to_numpy_tree(reference(*data))), *H.TOL[dtype])
    return check


def _module_workload(module: str, dtype: str = "float32"):
    """A workload whose module has ``make_data``, ``BUILDERS`` and ``numpy_step`` (and maybe ``check_view``)."""
    def load():
        mod = importlib.import_module(module)
        return mod.make_data(), mod.BUILDERS, _against(mod.numpy_step, dtype, getattr(mod, "check_view", None))
    return load


def _w3():
    import w3_hessian as m
    return (m.make_data(),), {"functrans": m.build_functrans, "jax": m.build_jax}, _against(m.numpy_hessian, "float64")


def _w6():
    import w6_per_example as m
    return m.make_data(), {"functrans": m.build_functrans, "jax": m.build_jax}, _against(m.numpy_per_example_grads, "float32")


def _w9a():
    import w9_scan_rnn as m
    builders = {"functrans": lambda *data: m.build_functrans("rnn", data), "jax": lambda *data: m.build_jax("rnn", data)}
    return m.make_rnn_data(), builders, _against(m.numpy_rnn, "float32")


def _random_program(random, float32):
    def sample(key):
        normal_key, uniform_key = random.split(key)
        return random.normal(normal_key, RANDOM_SHAPE, float32), random.uniform(uniform_key, RANDOM_SHAPE, float32)
    return sample


def _build_random_functrans(seed):
    ft = H.import_functrans()
    sample = ft.jit(_random_program(ft.random, np.float32))
    key = ft.random.PRNGKey(seed)
    return lambda: sample(key)


def _build_random_jax(seed):
    jax = H.import_jax(x64=False)
    sample = jax.jit(_random_program(jax.random, np.float32))
    key = jax.random.PRNGKey(seed)
    return lambda: jax.block_until_ready(sample(key))


def _check_random(out, _data) -> None:
    """Streams differ between the libraries, so the samples are checked by their moments
    (the standard errors are about 0.002 here)."""
    normal, uniform = (np.asarray(x, np.float64) for x in out)
    assert normal.shape == uniform.shape == RANDOM_SHAPE
    assert abs(normal.mean()) < 0.01 and abs(normal.std() - 1) < 0.01, (normal.mean(), normal.std())
    assert uniform.min() >= 0 and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.01, uniform.mean()


def _random():
    return (0,), {"functrans": _build_random_functrans, "jax": _build_random_jax}, _check_random


# key -> (title, loader); a loader runs in the child and returns
# (data, {impl: builder(*data) -> step}, check(step's output, data) raising if it is wrong).
WORKLOADS: dict[str, tuple[str, Callable]] = {
    "W1": ("W1's step (MLP 784-512-512-10, value_and_grad + SGD, batch 128)", _module_workload("w1_mlp")),
    "W3": ("W3, jit(hessian(rosenbrock)), 200 dims", _w3),
    "W6": ("W6, jit(vmap(grad(logistic_loss))), 128x100", _w6),
    "W7": ("W7's CNN step (LeNet-style, value_and_grad + SGD, batch 128)", _module_workload("w7_cnn")),
    "W8": ("W8 grad (value_and_grad of dot_product_attention)", _module_workload("w8_attention")),
    "W9a": ("W9a, value_and_grad of a tanh RNN through lax.scan, 100 steps", _w9a),
    "random": (f"jit(random.split + random.normal + random.uniform), {RANDOM_SHAPE[0]}x{RANDOM_SHAPE[1]}", _random),
}


# ---------------------------------------------------------------------------
# child: one fresh process, one implementation of one workload
# ---------------------------------------------------------------------------

def child_main(key: str, impl: str) -> None:
    """Import the library, build and call ``impl``'s step once, check it; print the timings as one JSON line."""
    H.BACKGROUND_COMPILE = True  # keep functrans's defaults, as users get them
    load = WORKLOADS[key][1]
    try:
        t0 = time.perf_counter()
        {"numba": H.numba_and_njit, "functrans": H.import_functrans, "jax": lambda: H.import_jax(x64=False),
         "torch": H.import_torch}.get(impl, lambda: None)()
        t1 = time.perf_counter()
        data, builders, check = load()
        t2 = time.perf_counter()
        out = builders[impl](*data)()
        res = {"import_s": t1 - t0, "first_s": time.perf_counter() - t2}
        check(out, data)
    except Exception as e:  # noqa: BLE001 -- reported to the parent
        res = {"error": H._one_line(e)}
    print("FIRST-CALL " + json.dumps(res), flush=True)


# ---------------------------------------------------------------------------
# parent: spawn the children
# ---------------------------------------------------------------------------

def _spawn(key: str, impl: str, cache_dir: str) -> dict:
    env = H.env_for_threads(dict(os.environ))
    env["NUMBA_CACHE_DIR"] = os.path.join(cache_dir, "numba")
    env["FUNCTRANS_CACHE_DIR"] = os.path.join(cache_dir, "functrans")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", impl, "--workloads", key, "--threads", str(H.THREADS)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    for line in p.stdout.splitlines():
        if line.startswith("FIRST-CALL "):
            return dict(json.loads(line[len("FIRST-CALL "):]), process_s=wall)
    return {"error": f"child exited {p.returncode}: {(p.stderr.strip().splitlines() or ['(no output)'])[-1]}"}


def first_call_cases(key: str, impls=("functrans", "jax"), runs: int = 1) -> list[H.Case]:
    """``key cold`` and ``key warm`` cases: each implementation's first call in ``runs`` fresh
    processes with an empty cache directory each, then in as many reusing the last one's."""
    runs = H.ARGS.runs or runs
    title = WORKLOADS[key][0]
    cold = H.Case(f"{key} cold", f"first call of {title}, fresh process, empty cache dir", dtype="float32")
    warm = H.Case(f"{key} warm", f"first call of {title}, fresh process, cache dir of a cold run", dtype="float32")
    tmp_root = tempfile.mkdtemp(prefix=f"functrans-{key.lower()}-")
    try:
        for impl in impls:
            if not H.wants(impl):
                continue
            dirs = [tempfile.mkdtemp(prefix=f"{impl}-", dir=tmp_root) for _ in range(runs)]
            measured = {"cold": [_spawn(key, impl, d) for d in dirs],
                        "warm": [_spawn(key, impl, dirs[-1]) for _ in range(runs)]}
            for kind, case in (("cold", cold), ("warm", warm)):
                rs = measured[kind]
                errors = [r["error"] for r in rs if "error" in r]
                if errors:
                    failed = impl != "functrans" and "ImportError" not in errors[0]
                    case.add_measured(impl, [], note=errors[0], status="FAILED" if failed else "n/a")
                    continue
                note = (f"import {statistics.median(r['import_s'] for r in rs):.2f} s, "
                        f"process {statistics.median(r['process_s'] for r in rs):.2f} s")
                if impl == "jax" and kind == "warm":
                    note += "; no persistent cache by default: compiles again"
                case.add_measured(impl, [r["first_s"] * 1e9 for r in rs], note=note)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    return [cold, warm]


def parse(description: str, *, step_times: bool = False, standalone: bool = False):
    """The harness's flags plus ``--runs`` (fresh processes per first-call row); ``--no-first-call``
    for the scripts that also time steps; ``--workloads`` and the child's ``--child`` for this one."""
    parser = H.make_parser(description)
    parser.add_argument("--runs", type=int, default=0, help="fresh processes per first-call row and cold/warm")
    if step_times:
        parser.add_argument("--no-first-call", action="store_true", help="step times only")
    if standalone:
        parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset: " + ",".join(WORKLOADS))
        parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    return H.setup(description, parser=parser)


if __name__ == "__main__":
    args = parse(__doc__.splitlines()[0], standalone=True)
    chosen = [k.strip() for k in args.workloads.split(",") if k.strip()]
    unknown = sorted(set(chosen) - set(WORKLOADS))
    if unknown:
        sys.exit(f"unknown workloads {unknown}; choose from {list(WORKLOADS)}")
    if args.child:
        child_main(chosen[0], args.child)
        sys.exit(0)
    sys.exit(H.finish([case for key in chosen for case in first_call_cases(key)]))
