"""W10: W1's step (MLP 784-512-512-10, tanh, softmax cross-entropy, f32, batch 128 per
process) data-parallel over MPI processes: ``pmap`` of ``value_and_grad``, ``lax.pmean`` of
the gradients (an MPI allreduce of ~0.67 M floats), SGD.

Measured: the median wall time of one step on 1 and on 2 processes (``mpiexec -n N``, one
thread each, same per-process batch, so 2 processes do twice the work per step), and the
scaling efficiency ``time(1) / time(2)`` (1.0: twice the throughput on two processes).
Checked: every process ends with the same parameters, and on 1 process the step equals W1's
NumPy row. The reference: the same step in JAX with mpi4jax (``mpi4jax.allreduce`` of the
gradients inside ``jax.jit``), when mpi4jax is installed (it builds from source against the
MPI in use: ``pip install mpi4jax``); otherwise the single-process step alone.

    python benchmarks/w10_data_parallel.py          # launches both runs with mpiexec
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

STEPS, WARMUP = 30, 3


def worker() -> None:
    """One process of the job: time the data-parallel step, print JSON from process 0."""
    import functrans as ft
    from functrans import distributed, lax
    from functrans.tree_util import tree_leaves, tree_map
    import w1_mlp

    distributed.initialize()
    rank, count = distributed.process_index(), distributed.process_count()
    params, x, y = w1_mlp.make_data(seed=0)
    _, x, y = w1_mlp.make_data(seed=1 + rank)  # each process its own batch of 128

    def local_step(params, x, y):
        value, grads = ft.value_and_grad(w1_mlp.functrans_loss)(params, x, y)
        grads = lax.pmean(grads, "batch")
        return lax.pmean(value, "batch"), tree_map(lambda p, g: p - w1_mlp.LR * g, params, grads)

    step = ft.pmap(local_step, axis_name="batch", in_axes=(None, 0, 0))
    times = []
    for i in range(WARMUP + STEPS):
        start = time.perf_counter()
        value, new = step(params, x[None], y[None])
        if i >= WARMUP:
            times.append(time.perf_counter() - start)
    new = tree_map(lambda p: p[0], new)
    if count == 1:  # the same step as W1's NumPy row
        ref_loss, ref_new = w1_mlp.numpy_step(params, x, y)
        np.testing.assert_allclose(value[0], ref_loss, rtol=1e-4)
        for a, b in zip(tree_leaves(new), tree_leaves(ref_new)):
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    # Every process must hold the same parameters after the step.
    flat = np.concatenate([np.ravel(p) for p in tree_leaves(new)])
    spread = ft.pmap(lambda v: lax.pmax(v, "batch") - lax.pmin(v, "batch"), axis_name="batch")(flat[None])
    assert float(np.max(spread)) == 0.0, "processes disagree on the parameters"
    if rank == 0:
        print(json.dumps({"processes": count, "median_s": statistics.median(times), "min_s": min(times)}))


def jax_worker() -> None:
    """The same job in JAX: each process jits its step, gradients averaged by mpi4jax."""
    import _harness as H
    import w1_mlp

    H.THREADS = 1
    jax = H.import_jax(x64=False)
    import jax.numpy as jnp
    import mpi4jax
    from mpi4py import MPI

    rank, count = MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size()
    params, x, y = w1_mlp.make_data(seed=0)
    _, x, y = w1_mlp.make_data(seed=1 + rank)
    loss = w1_mlp.make_loss(jnp)
    mean = lambda v: mpi4jax.allreduce(v, op=MPI.SUM) / count

    @jax.jit
    def step(params, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        return mean(value), jax.tree_util.tree_map(lambda p, g: p - w1_mlp.LR * mean(g), params, grads)

    args = jax.device_put((params, x, y))
    times = []
    for i in range(WARMUP + STEPS):
        start = time.perf_counter()
        jax.block_until_ready(step(*args))
        if i >= WARMUP:
            times.append(time.perf_counter() - start)
    if rank == 0:
        print(json.dumps({"processes": count, "median_s": statistics.median(times), "min_s": min(times)}))


def launch(n: int, which: str = "functrans") -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    run = subprocess.run(["mpiexec", "-n", str(n), sys.executable, __file__, "--worker", which], env=env,
                         capture_output=True, text=True, timeout=900)
    if run.returncode:
        raise SystemExit(f"mpiexec -n {n} failed:\n{run.stderr[-3000:]}")
    return json.loads([line for line in run.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    if shutil.which("mpiexec") is None:
        raise SystemExit("W10 needs MPI: pip install 'functrans[distributed]'")
    try:
        import mpi4jax  # noqa: F401
        implementations = ["functrans", "jax"]
    except ImportError:
        implementations = ["functrans"]
        print("# mpi4jax is not installed: no JAX reference rows")
    rows = {which: [launch(1, which), launch(2, which)] for which in implementations}
    print("W10: W1's step data-parallel (batch 128 per process, f32, one thread per process)")
    print(f"{'':>20} {'processes':>9}  {'median step':>12}  {'min step':>9}  {'samples/s':>10}  {'scaling eff.':>12}  {'x JAX':>6}")
    for which, runs in rows.items():
        base = runs[0]["median_s"]
        for row in runs:
            n, t = row["processes"], row["median_s"]
            ratio = t / rows["jax"][n - 1]["median_s"] if "jax" in rows else float("nan")
            label = which if which == "functrans" else "jax + mpi4jax"
            print(f"{label:>20} {n:9d}  {t * 1e3:9.2f} ms  {row['min_s'] * 1e3:6.2f} ms  {128 * n / t:10.0f}  "
                  f"{base / t:12.2f}  {ratio:6.2f}")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        jax_worker() if sys.argv[-1] == "jax" else worker()
    else:
        main()
