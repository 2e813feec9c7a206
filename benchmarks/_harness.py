"""Shared timing harness for the hand-run benchmark scripts in this directory.

What it gives a workload script:

* ``setup(description)`` parses the common flags (``--quick``, ``--threads N``,
  ``--only impl,impl``, ``--json FILE``), puts the repository root first on
  ``sys.path`` (so the working tree's ``functrans`` is the one measured), and
  limits every BLAS/OpenMP thread pool to the same thread count (see "Thread
  pools" below).
* ``Case``: one measured workload.  ``case.add(impl, build)`` builds an
  implementation (``build()`` returns a zero-argument callable whose result is
  ready, e.g. already ``block_until_ready``-ed), makes the first call (timed
  separately: it includes compilation), checks its result against the NumPy
  row with ``allclose``, and only then times it.
* ``time_callable``: warm-up, calibration, ``repeat`` samples of ``number``
  calls each via ``time.perf_counter_ns``; reports the median and the
  inter-quartile range (IQR) of the per-call time.
* ``print_table``: each implementation's median, IQR, first-call time, and its
  ratio to JAX and to NumPy (``x JAX`` = median / JAX median; below 1 is faster).

Thread pools.  This machine has two cores and, in one process, up to four pools:
NumPy's OpenBLAS (``libscipy_openblas64_``), SciPy's OpenBLAS
(``libscipy_openblas``, which Numba's ``np.dot`` calls), torch's OpenMP pool,
and XLA's pool.  OpenBLAS threads spin for a while after a call, so one
library's idle-but-spinning threads steal the cores from the next library's
work.  The harness therefore (1) sets every pool threadpoolctl can see, and
torch's, to the same ``--threads`` count, (2) runs implementations one after
another (never interleaved), and (3) sleeps briefly before timing each one so
the previous pool goes idle.  XLA ignores ``intra_op_parallelism_threads`` here
(JAX 0.10 still used ~1.55 of 2 cores), so ``--threads N`` below the core count
also pins the process to N cores with ``os.sched_setaffinity``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
for _p in (REPO_ROOT, BENCH_DIR):
    if _p not in sys.path:
        sys.path.insert(0, _p)

IMPLS = ("numpy", "numba", "functrans", "jax", "torch")

# Filled in by setup().
ARGS: argparse.Namespace | None = None
THREADS: int = os.cpu_count() or 1
QUICK: bool = False
_LIMITER = None  # keeps the threadpoolctl limiter alive


# ---------------------------------------------------------------------------
# set-up: flags, threads
# ---------------------------------------------------------------------------

def make_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="fewer, shorter samples (a smoke run; numbers are noisier)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="thread count for every BLAS/OpenMP pool, torch and (if 1) XLA "
                        "(default: all cores, %(default)s)")
    p.add_argument("--only", default="",
                   help="comma-separated subset of implementations: " + ",".join(IMPLS))
    p.add_argument("--json", default="", help="also write the results to this JSON file")
    p.add_argument("--no-table", action="store_true",
                   help="print progress lines only (run_all.py prints the combined table)")
    return p


def setup(description: str, argv=None, parser: argparse.ArgumentParser | None = None):
    """Parse flags, warn about OpenBLAS overrides, and limit thread pools."""
    global ARGS, THREADS, QUICK
    parser = parser or make_parser(description)
    ARGS = parser.parse_args(argv)
    THREADS = max(1, ARGS.threads)
    QUICK = ARGS.quick
    env_for_threads(os.environ)
    pin_cpus()
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            print(f"# warning: {var}={os.environ[var]} is set; it changes OpenBLAS's kernels/blocking "
                  f"(see benchmarks/README.md to unset it for a benchmarking run)", file=sys.stderr)
    import numpy  # noqa: F401  (load NumPy's OpenBLAS now, so it is limited below)
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (the BLAS Numba's np.dot calls)
    except ImportError:
        pass
    limit_threads()
    return ARGS


def env_for_threads(env: dict) -> dict:
    """Thread-count environment variables (for this process's late-loaded libraries and
    for child processes).  XLA only honours its flags before JAX initialises."""
    n = str(THREADS)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = n
    if THREADS == 1 and "xla_cpu_multi_thread_eigen" not in env.get("XLA_FLAGS", ""):
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                            " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    return env


def pin_cpus() -> None:
    """With --threads N below the core count, pin the process (and its children) to N
    cores: the only way found to hold XLA's CPU runtime to N cores, whatever XLA_FLAGS
    say (measured: JAX used ~1.55 cores with intra_op_parallelism_threads=1)."""
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if THREADS < len(cpus):
            os.sched_setaffinity(0, cpus[:THREADS])


def limit_threads() -> None:
    """Set every thread pool loaded so far to THREADS.  Call again after loading a library
    that brings its own pool (the workload helpers below do)."""
    global _LIMITER
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    _LIMITER = threadpool_limits(limits=THREADS)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(THREADS)


def thread_report() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = []
    for d in threadpool_info():
        lib = os.path.basename(d.get("filepath", "?")).split(".so")[0]
        parts.append(f"{lib}={d.get('num_threads')}")
    return ", ".join(parts)


def wants(impl: str) -> bool:
    only = (ARGS.only if ARGS else "") or ""
    return not only or impl in {s.strip() for s in only.split(",")}


def numba_and_njit():
    """Numba and the ``njit`` the hand-written kernels use (the identity when Numba is missing)."""
    try:
        import numba
    except ImportError:
        return None, lambda f: f
    return numba, numba.njit(cache=True, error_model="numpy")


def import_jax(x64: bool):
    """Import JAX on CPU (x64 for float64 workloads) after the thread settings."""
    env_for_threads(os.environ)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_enable_x64", bool(x64))
    limit_threads()
    return jax


def import_torch():
    import torch
    torch.set_num_threads(THREADS)
    limit_threads()
    return torch


# Steady-state workloads time compiled code, so functrans compiles on the first call there;
# W5 (first-call latency) sets this to keep the default, a background compile.
BACKGROUND_COMPILE = False


def import_functrans():
    """functrans from the working tree (REPO_ROOT is first on sys.path)."""
    import functrans
    import functrans.numpy  # noqa: F401
    limit_threads()
    # functrans's compiled code calls NumPy's bundled OpenBLAS, whose threads it sets at its first compile.
    functrans.config.blas_threads = THREADS
    if not BACKGROUND_COMPILE:
        functrans.config.background_compile = False
    return functrans


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------

def _stats(per_call_ns: list[float]) -> tuple[float, float]:
    med = statistics.median(per_call_ns)
    if len(per_call_ns) >= 2:
        q1, _, q3 = statistics.quantiles(per_call_ns, n=4, method="inclusive")
        return med, q3 - q1
    return med, 0.0


def time_callable(fn, quick: bool | None = None, max_total_s: float = 15.0):
    """Median and IQR (ns per call) of ``fn()``.

    Warm-up for at least 3 calls and ``warm`` seconds, calibrate ``number`` so that one
    sample lasts ``target`` seconds, then take ``repeat`` samples with the garbage
    collector off.  Returns (median_ns, iqr_ns, samples, number).
    """
    quick = QUICK if quick is None else quick
    warm, target, repeat = (0.05, 0.002, 7) if quick else (0.3, 0.02, 31)
    calls, t_start = 0, time.perf_counter_ns()
    while calls < 3 or time.perf_counter_ns() - t_start < warm * 1e9:
        fn()
        calls += 1
    est = (time.perf_counter_ns() - t_start) / calls
    number = max(1, int(target * 1e9 // max(est, 1.0)))
    repeat = max(3, min(repeat, int(max_total_s * 1e9 // max(est * number, 1.0))))
    per_call = []
    gc_on = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter_ns()
            for _ in range(number):
                fn()
            per_call.append((time.perf_counter_ns() - t0) / number)
    finally:
        if gc_on:
            gc.enable()
    med, iqr = _stats(per_call)
    return med, iqr, repeat, number


# ---------------------------------------------------------------------------
# result checking
# ---------------------------------------------------------------------------

def to_numpy_tree(x):
    """Convert nested dict/list/tuple of NumPy / JAX / torch values to NumPy leaves."""
    import numpy as np
    if isinstance(x, dict):
        return {k: to_numpy_tree(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):  # namedtuples become plain tuples
        return tuple(to_numpy_tree(v) for v in x) if isinstance(x, tuple) else \
            [to_numpy_tree(v) for v in x]
    if hasattr(x, "detach"):  # torch
        return x.detach().cpu().numpy()
    return np.asarray(x)


def flatten(tree, path="") -> list[tuple[str, object]]:
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out += flatten(tree[k], f"{path}[{k!r}]")
        return out
    if isinstance(tree, (list, tuple)):
        out = []
        for i, v in enumerate(tree):
            out += flatten(v, f"{path}[{i}]")
        return out
    return [(path or "<root>", tree)]


def check_close(got, want, rtol: float, atol: float) -> None:
    """Raise AssertionError unless ``got`` matches ``want`` leaf by leaf.

    ``atol`` is relative to the largest magnitude in the leaf (a gradient whose entries
    are all ~1e-6 is still compared meaningfully)."""
    import numpy as np
    g, w = flatten(to_numpy_tree(got)), flatten(to_numpy_tree(want))
    if [p for p, _ in g] != [p for p, _ in w]:
        raise AssertionError(f"structure differs: {[p for p, _ in g]} vs {[p for p, _ in w]}")
    for (path, a), (_, b) in zip(g, w):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            raise AssertionError(f"{path}: shape {a.shape} != {b.shape}")
        if a.dtype != b.dtype:
            raise AssertionError(f"{path}: dtype {a.dtype} != {b.dtype}")
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * max(scale, 1e-30),
                                   err_msg=f"leaf {path}")


TOL = {"float32": (2e-3, 2e-4), "float64": (1e-9, 1e-11)}  # (rtol, atol relative to max|want|)


# ---------------------------------------------------------------------------
# cases and results
# ---------------------------------------------------------------------------

@dataclass
class Result:
    impl: str
    status: str = "ok"          # ok | n/a | FAILED
    median_ns: float = 0.0
    iqr_ns: float = 0.0
    first_ns: float = 0.0       # first call (compile + run); 0 if not applicable
    note: str = ""


@dataclass
class Case:
    """One measured workload (one block of the table)."""
    key: str
    title: str
    reference: str = ""         # reference figures measured elsewhere
    dtype: str = "float64"
    results: list[Result] = field(default_factory=list)
    expected: object = None
    view: object = None         # optional f(output) -> what is compared (e.g. implied gradients)

    def add(self, impl: str, build, *, broad: bool | None = None, reference: bool = False,
            note: str = "") -> Result | None:
        """Build, first-call, check and time one implementation.

        ``impl`` may carry a variant ("numba (libm tanh)"); its first word selects it
        for ``--only``.  ``broad``: any exception means "n/a" (default for functrans,
        which is incomplete); otherwise only ImportError does, and other exceptions
        are reported as FAILED.
        """
        base = impl.split()[0]
        if not wants(base):
            if reference:  # still compute the expected result for the other rows' checks
                try:
                    self.expected = build()()
                except Exception:  # noqa: BLE001 -- the other rows are then "unchecked"
                    pass
            return None
        broad = (base == "functrans") if broad is None else broad
        res = Result(impl, note=note)
        self.results.append(res)
        try:
            call = build()
            t0 = time.perf_counter_ns()
            out = call()
            res.first_ns = time.perf_counter_ns() - t0
        except Exception as e:  # noqa: BLE001 -- reported, never hidden
            if broad or isinstance(e, ImportError):
                res.status, res.note = "n/a", _one_line(e)
            else:
                res.status, res.note = "FAILED", _one_line(e)
                traceback.print_exc()
            _progress(self, res)
            return res
        if reference:
            self.expected = out
        elif self.expected is not None:
            rtol, atol = TOL[self.dtype]
            try:
                if self.view is not None:
                    check_close(self.view(to_numpy_tree(out)), self.view(to_numpy_tree(self.expected)),
                                rtol, atol)
                else:
                    check_close(out, self.expected, rtol, atol)
            except AssertionError as e:
                res.status = "n/a" if broad else "FAILED"
                res.note = "WRONG RESULT: " + " ".join(str(e).split())[:300]
                _progress(self, res)
                return res
        else:
            res.note = (res.note + "; " if res.note else "") + "unchecked (no NumPy result)"
        time.sleep(0.3)  # let the previous library's pool threads go idle
        try:
            res.median_ns, res.iqr_ns, _, _ = time_callable(call)
        except Exception as e:  # noqa: BLE001
            res.status = "n/a" if broad else "FAILED"
            res.note = _one_line(e)
        _progress(self, res)
        return res

    def add_measured(self, impl: str, samples_ns: list[float], note: str = "", status="ok"):
        """Record externally measured samples (W5's subprocess timings)."""
        res = Result(impl, status=status, note=note)
        if samples_ns:
            res.median_ns, res.iqr_ns = _stats(samples_ns)
        self.results.append(res)
        _progress(self, res)
        return res


def _one_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}"[:200]


def _progress(case: Case, res: Result) -> None:
    if res.status == "ok":
        first = f", first call {fmt_time(res.first_ns)}" if res.first_ns else ""
        print(f"  [{case.key}] {res.impl:<22} {fmt_time(res.median_ns)}"
              f"  (IQR {fmt_time(res.iqr_ns)}{first})"
              + (f"  {res.note}" if res.note else ""), flush=True)
    else:
        print(f"  [{case.key}] {res.impl:<22} {res.status} ({res.note})", flush=True)


# ---------------------------------------------------------------------------
# printing
# ---------------------------------------------------------------------------

def fmt_time(ns: float) -> str:
    if not ns:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            v = ns / scale
            break
    else:
        unit, v = "ns", ns
    return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"


def _ratio(res: Result, ref: Result | None) -> str:
    if res.status != "ok" or ref is None or ref.status != "ok" or not ref.median_ns:
        return "-"
    return f"{res.median_ns / ref.median_ns:.2f}"


def print_table(cases: list[Case], file=None) -> None:
    file = file or sys.stdout
    w = (24, 10, 10, 10, 7, 8)
    head = (f"{'implementation':<{w[0]}}{'median':>{w[1]}}{'IQR':>{w[2]}}{'1st call':>{w[3]}}"
            f"{'x JAX':>{w[4]}}{'x NumPy':>{w[5]}}  note")
    print("", file=file)
    print(head, file=file)
    print("-" * (len(head) + 20), file=file)
    for case in cases:
        ref = f"   [reference elsewhere: {case.reference}]" if case.reference else ""
        print(f"{case.key}: {case.title}{ref}", file=file)
        jax_r = next((r for r in case.results if r.impl == "jax"), None)
        np_r = next((r for r in case.results if r.impl == "numpy"), None)
        for r in case.results:
            if r.status != "ok":
                print(f"  {r.impl:<{w[0] - 2}}{r.status} ({r.note})", file=file)
                continue
            print(f"  {r.impl:<{w[0] - 2}}{fmt_time(r.median_ns):>{w[1]}}{fmt_time(r.iqr_ns):>{w[2]}}"
                  f"{fmt_time(r.first_ns):>{w[3]}}{_ratio(r, jax_r):>{w[4]}}{_ratio(r, np_r):>{w[5]}}"
                  + (f"  {r.note}" if r.note else ""), file=file)
    print("", file=file)


def header() -> str:
    import platform
    from importlib import metadata
    parts = [f"python {platform.python_version()}"]
    for dist in ("numpy", "scipy", "numba", "jax", "jaxlib", "torch"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist} -")
    blas_env = [f"{v}={os.environ[v]}" for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                if os.environ.get(v)]
    return (f"# {', '.join(parts)}; {os.cpu_count()} cores; threads={THREADS}; "
            f"{'quick' if QUICK else 'full'} run; "
            f"{' '.join(blas_env) if blas_env else 'OPENBLAS_CORETYPE/L2_SIZE unset'}"
            f"\n# pools: {thread_report()}")


def finish(cases: list[Case]) -> int:
    """Print the table, write JSON if asked; exit status 1 if a non-functrans row FAILED."""
    if not (ARGS is not None and ARGS.no_table):
        print(header())
        print_table(cases)
    if ARGS is not None and ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump({"header": header(), "cases": [
                {k: v for k, v in asdict(c).items() if k not in ("expected", "view")}
                for c in cases]}, f, indent=1)
    return 1 if any(r.status == "FAILED" for c in cases for r in c.results) else 0


def cases_from_json(path: str) -> tuple[str, list[Case]]:
    with open(path) as f:
        data = json.load(f)
    cases = []
    for c in data["cases"]:
        results = [Result(**r) for r in c.pop("results")]
        cases.append(Case(**c, results=results))
    return data.get("header", ""), cases
