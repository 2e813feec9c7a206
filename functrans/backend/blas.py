"""How many threads the BLAS of compiled code runs on.

Compiled programs do their matrix products in SciPy's BLAS (Numba calls it through
``scipy.linalg.cython_blas``); NumPy loads a second copy of its own. An OpenBLAS pool
busy-waits between calls, so when every core is taken (the other pool's threads, another
process) a small product waits for its spinning helpers: W1's training step took 61-113 ms
with another process keeping one of two cores busy, against 3.7 ms with one BLAS thread.
``config.blas_threads`` sets the pool compiled code uses (default 1: see the README's
measurements); NumPy's own pool is left as the user has it.
"""
from __future__ import annotations

import os
import threading

import scipy
import scipy.linalg.cython_blas  # noqa: F401  (loads SciPy's BLAS, so threadpoolctl can see it)
from threadpoolctl import ThreadpoolController

from ..config import config

_lock = threading.Lock()
_applied: list = [None]  # the setting last applied, and the pools' own thread counts before that
_defaults: dict[str, int] = {}


def _compiled_code_pools(controller: ThreadpoolController) -> ThreadpoolController:
    """The BLAS pools SciPy links: its bundled library if it has one, else every BLAS
    (a system BLAS that NumPy and SciPy share)."""
    blas = controller.select(user_api="blas")
    bundled = os.path.dirname(os.path.abspath(scipy.__file__)) + ".libs"
    ours = [lib for lib in blas.lib_controllers if os.path.abspath(lib.filepath).startswith(bundled)]
    if ours:
        blas.lib_controllers = ours
    return blas


def limit_threads() -> None:
    """Apply ``config.blas_threads`` to compiled code's BLAS if it changed since last time
    (a comparison on every compile; threadpoolctl runs only on a change)."""
    wanted = config.blas_threads
    if wanted == _applied[0]:
        return
    with _lock:
        if wanted == _applied[0]:
            return
        pools = _compiled_code_pools(ThreadpoolController())
        for lib in pools.lib_controllers:
            _defaults.setdefault(lib.filepath, lib.num_threads)
            lib.set_num_threads(_defaults[lib.filepath] if wanted is None else wanted)
        _applied[0] = wanted


config.on_change("blas_threads", limit_threads)


def current_threads() -> dict[str, int]:
    """Each of compiled code's BLAS libraries, by file, and its thread count now."""
    return {lib.filepath: lib.num_threads for lib in _compiled_code_pools(ThreadpoolController()).lib_controllers}
