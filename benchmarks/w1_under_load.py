"""W1 under load: W1's training step (see w1_mlp.py) on an idle machine and while one
other process keeps a core busy, for functrans with each BLAS thread count
(``config.blas_threads``) and for JAX.

Measured: the median wall time of the step, each configuration in turn, idle and then
with a spinning process started beside it. The busy process is plain Python in a loop,
like any other job sharing the machine. Run: ``python benchmarks/w1_under_load.py``.
"""
from __future__ import annotations

import argparse
import multiprocessing
import time

import numpy as np

import _harness as H
import w1_mlp


def spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def median_ms(step, seconds: float) -> float:
    step()
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 20:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per configuration and load (default 3)")
    args = parser.parse_args()
    ft = H.import_functrans()
    params, x, y = w1_mlp.make_data()
    configs = [(f"functrans, blas_threads={n}", n, w1_mlp.build_functrans(params, x, y)) for n in (1, 2)]
    try:
        configs.append(("jax", None, w1_mlp.build_jax(params, x, y)))
    except ImportError:
        print("jax is not installed: its row is left out")
    results = {}
    for load in ("idle", "one core busy"):
        stop = multiprocessing.Event()
        busy = multiprocessing.Process(target=spin, args=(stop,)) if load != "idle" else None
        if busy:
            busy.start()
            time.sleep(0.5)
        try:
            for name, threads, step in configs:
                if threads is not None:
                    ft.config.blas_threads = threads
                results[name, load] = median_ms(step, args.seconds)
        finally:
            if busy:
                stop.set()
                busy.join()
    print(f"{'':28s} {'idle':>10s} {'one core busy':>14s} {'slowdown':>9s}")
    for name, _, _ in configs:
        idle, loaded = results[name, "idle"], results[name, "one core busy"]
        print(f"{name:28s} {idle:8.2f} ms {loaded:11.2f} ms {loaded / idle:8.2f}x")


if __name__ == "__main__":
    main()
