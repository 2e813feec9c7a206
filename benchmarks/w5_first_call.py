"""W5: first-call latency of W1's training step (MLP 784-512-512-10, f32, batch 128),
each time in a fresh Python process (``sys.executable``).

    W5 cold: a new process with a new, empty cache directory
    W5 warm: a new process reusing the cache directory a cold run just filled

Measured (inside the child): the wall time from building the step to its first result,
i.e. tracing + compiling (or loading from the disk cache) + one run.  The import time
of the library (``import numba`` / ``jax`` / ``torch`` / ``functrans``) is reported
separately in the note, with the child process's total wall time as the parent saw it
(interpreter start, imports, data, first call).  Every child checks its result against
W1's NumPy step before reporting.  functrans runs with its defaults: it compiles on the
first call, so its first result is the compiled code's (``config.background_compile``,
opt-in, would return an eager result first while a thread compiles).

Cache directories: ``NUMBA_CACHE_DIR`` and ``FUNCTRANS_CACHE_DIR`` point into a
``tempfile.mkdtemp()`` directory per cold run (removed at the end).  JAX has no
persistent compilation cache by default (``JAX_COMPILATION_CACHE_DIR`` is removed
from the child's environment), so its "warm" row is another cold compile: that is
what a JAX user gets on restart.  NumPy and eager torch compile nothing; their rows
show first-call costs (BLAS thread start-up, torch's lazy initialisation).

Rows use W1's builders: numba is the hand-written kernel (rational tanh) with
``cache=True``.  ``--runs N`` fresh processes per row (default 3, 1 with --quick);
the median is over those processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import shutil
import subprocess
import sys
import tempfile
import time

import _harness as H

REFERENCE_COLD = "JAX 0.37 s; hand-written Numba 2.1 s"
REFERENCE_WARM = "hand-written Numba 0.30 s from its disk cache"
ROWS = ("numpy", "numba", "functrans", "jax", "torch")


# ---------------------------------------------------------------------------
# child: one fresh process, one implementation
# ---------------------------------------------------------------------------

def child(impl: str) -> dict:
    H.BACKGROUND_COMPILE = True  # the first call as users get it: functrans's defaults
    t0 = time.perf_counter()
    if impl == "numba":
        import numba  # noqa: F401
    elif impl == "functrans":
        H.import_functrans()
    elif impl == "jax":
        H.import_jax(x64=False)
    elif impl == "torch":
        H.import_torch()
    t1 = time.perf_counter()
    import w1_mlp
    params, x, y = w1_mlp.make_data()
    t2 = time.perf_counter()
    out = w1_mlp.BUILDERS[impl](params, x, y)()
    t3 = time.perf_counter()
    res = {"import_s": t1 - t0, "first_s": t3 - t2}
    if impl == "functrans":
        from functrans.backend.compiler import wait_for_compiles
        wait_for_compiles()
        res["compiled_s"] = time.perf_counter() - t2
    H.check_close(w1_mlp.check_view(H.to_numpy_tree(out)),
                  w1_mlp.check_view(w1_mlp.numpy_step(params, x, y)), *H.TOL["float32"])
    return res


def child_main(impl: str) -> None:
    try:
        res = child(impl)
    except Exception as e:  # noqa: BLE001 -- reported to the parent
        res = {"error": H._one_line(e)}
    print("W5-RESULT " + json.dumps(res), flush=True)


# ---------------------------------------------------------------------------
# parent: spawn the children
# ---------------------------------------------------------------------------

def spawn(impl: str, cache_dir: str) -> dict:
    env = H.env_for_threads(dict(os.environ))
    env["NUMBA_CACHE_DIR"] = os.path.join(cache_dir, "numba")
    env["FUNCTRANS_CACHE_DIR"] = os.path.join(cache_dir, "functrans")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", impl, "--threads", str(H.THREADS)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    for line in p.stdout.splitlines():
        if line.startswith("W5-RESULT "):
            res = json.loads(line[len("W5-RESULT "):])
            res["process_s"] = wall
            return res
    tail = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"error": f"child exited {p.returncode}: {tail}"}


def measure(impl: str, runs: int, cold: H.Case, warm: H.Case, tmp_root: str) -> None:
    results = {"cold": [], "warm": []}
    cache_dir = None
    for _ in range(runs):
        cache_dir = tempfile.mkdtemp(prefix=f"{impl}-", dir=tmp_root)
        results["cold"].append(spawn(impl, cache_dir))
    for _ in range(runs):
        results["warm"].append(spawn(impl, cache_dir))
    for kind, case in (("cold", cold), ("warm", warm)):
        rs = results[kind]
        errors = [r["error"] for r in rs if "error" in r]
        if errors:
            status = "n/a" if impl == "functrans" or "ImportError" in errors[0] else "FAILED"
            case.add_measured(impl, [], note=errors[0], status=status)
            continue
        med = statistics.median
        note = (f"import {med([r['import_s'] for r in rs]):.2f} s, "
                f"process {med([r['process_s'] for r in rs]):.2f} s")
        if impl == "functrans":
            note += f", compiled after {med([r['compiled_s'] for r in rs]):.2f} s"
        if impl == "jax" and kind == "warm":
            note += "; no persistent cache by default: compiles again"
        case.add_measured(impl, [r["first_s"] * 1e9 for r in rs], note=note)


def run() -> list[H.Case]:
    runs = H.ARGS.runs or (1 if H.QUICK else 3)
    cold = H.Case("W5 cold", "first call of W1's step, fresh process, empty cache dir",
                  REFERENCE_COLD, dtype="float32")
    warm = H.Case("W5 warm", "first call of W1's step, fresh process, cache dir of a cold run",
                  REFERENCE_WARM, dtype="float32")
    tmp_root = tempfile.mkdtemp(prefix="functrans-w5-")
    try:
        for impl in ROWS:
            if H.wants(impl):
                measure(impl, runs, cold, warm, tmp_root)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    return [cold, warm]


if __name__ == "__main__":
    parser = H.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=0,
                        help="fresh processes per row and per cold/warm (default 3, quick 1)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = H.setup(__doc__.splitlines()[0], parser=parser)
    if args.child:
        child_main(args.child)
        sys.exit(0)
    sys.exit(H.finish(run()))
