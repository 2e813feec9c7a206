"""Transformations are per thread: threads tracing, differentiating, batching and computing
eagerly at the same time never see each other's work."""
from __future__ import annotations

import threading

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def f(x):
    return fnp.sum(fnp.sin(x) * x + fnp.ones(3))


def test_threads_tracing_differentiating_and_computing_eagerly_at_once_agree_with_one_thread():
    x = np.linspace(0.0, 1.0, 3)
    expected = {
        "jaxpr": str(ft.make_jaxpr(f)(x)),
        "grad": ft.grad(f)(x),
        "vmap": ft.vmap(ft.grad(f))(np.stack([x, 2 * x])),
        "eager": f(x),
    }
    jobs = {
        "jaxpr": lambda: str(ft.make_jaxpr(f)(x)),
        "grad": lambda: ft.grad(f)(x),
        "vmap": lambda: ft.vmap(ft.grad(f))(np.stack([x, 2 * x])),
        "eager": lambda: f(x),
    }
    failures: list[str] = []
    start = threading.Barrier(len(jobs) * 2)

    def worker(name):
        start.wait()
        for _ in range(200):
            got = jobs[name]()
            same = got == expected[name] if name == "jaxpr" else np.array_equal(got, expected[name])
            if not same:
                failures.append(f"{name}: {got!r}")
                return

    threads = [threading.Thread(target=worker, args=(name,)) for name in jobs for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
