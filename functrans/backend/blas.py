"""Which BLAS compiled matrix products call, and how many threads it runs on.

**One library.** Compiled products call ``?gemm`` under names of ours,
``functrans_sgemm`` ... ``functrans_zgemm``, that this module binds (through llvmlite's
symbol table, so cached machine code stays valid in every process) to the BLAS NumPy
bundles, the one user code and eager functrans already run on. SciPy bundles a second
OpenBLAS (the one Numba calls by default); using NumPy's instead gives one thread pool
rather than two spinning against each other, and it was the faster build here (NumPy 2.4's
OpenBLAS 0.3.31 against SciPy 1.17's 0.3.30: a 64x128x128 float32 product in 25 us against
32 us, an RNN step's products 15-35% faster). Without NumPy's bundled library (a NumPy
linked to a system BLAS) the names bind to SciPy's ``cython_blas``. LAPACK routines that
Numba's ``np.linalg`` does not reach (``?gees`` ...) are bound the same way, by ``bind``.

The names take Fortran's interface, every argument by address, with 64-bit integers:
NumPy's library is ILP64; an LP64 one (SciPy's) reads the low half of each, which on a
little-endian machine is the same value.

**Threads.** An OpenBLAS pool busy-waits between calls, so when every core is taken
(another process, or another pool) a small product waits for its spinning helpers: W1's
training step took 61-113 ms with another process keeping one of two cores busy, against
3.7 ms with one BLAS thread. ``config.blas_threads`` (default 1) sets the pools compiled
code runs on at its first compile: the library above, which NumPy shares, and SciPy's,
under the LAPACK factorisations Numba calls; ``None`` gives them their defaults back.
"""
from __future__ import annotations

import ctypes
import os
import sys
import threading

import numpy as np
import scipy
import scipy.linalg.cython_blas  # (loads SciPy's BLAS, so threadpoolctl can see it)
import scipy.linalg.cython_lapack  # noqa: F401
from llvmlite import binding as llvm
from numba.extending import get_cython_function_address
from threadpoolctl import ThreadpoolController

from ..config import config

LETTERS = "sdcz"  # float32, float64, complex64, complex128

# NumPy's bundled OpenBLAS names its symbols ``scipy_sgemm_64_`` (scipy-openblas64 wheels);
# older wheels used ``sgemm_64_``; a plain build, ``sgemm_``.
_SYMBOL_FORMS = ("scipy_{}_64_", "{}_64_", "{}_")


def _bundled(package: object, filepath: str) -> bool:
    """Whether a library at ``filepath`` ships inside ``package``'s wheel (``numpy.libs``,
    ``numpy/.dylibs``, ...)."""
    root = os.path.dirname(os.path.abspath(package.__file__))
    return os.path.abspath(filepath).startswith((root + ".libs", root + os.sep))


def _numpy_library(controller: ThreadpoolController) -> tuple[str, ctypes.CDLL, str] | None:
    """The file of NumPy's bundled BLAS, a handle on it and the form of its symbols' names."""
    for lib in controller.select(user_api="blas").lib_controllers:
        if not _bundled(np, lib.filepath):
            continue
        handle = ctypes.CDLL(lib.filepath)
        for form in _SYMBOL_FORMS:
            if hasattr(handle, form.format("dgemm")):
                return lib.filepath, handle, form
    return None


_numpy_blas = _numpy_library(ThreadpoolController()) if sys.byteorder == "little" else None


def bind(routine: str, letters: str = LETTERS) -> None:
    """Bind ``functrans_<letter><routine>`` for each letter (``functrans_dgees`` ...) to that
    BLAS or LAPACK routine of NumPy's library, or of SciPy's ``cython_blas``/``cython_lapack``
    where NumPy bundles none (or lacks it). Idempotent; call it before a kernel that uses the
    names is compiled or loaded. Integer arguments are 64-bit (see above): an integer array
    argument (``ipiv``) must be read as LP64's 32-bit where the fallback library is bound."""
    for letter in letters:
        name = f"{letter}{routine}"
        address = None
        if _numpy_blas:
            address = ctypes.cast(getattr(_numpy_blas[1], _numpy_blas[2].format(name), None) or 0, ctypes.c_void_p).value
        if not address:
            module = "cython_blas" if hasattr(scipy.linalg.cython_blas, name) else "cython_lapack"
            address = get_cython_function_address(f"scipy.linalg.{module}", name)
        llvm.add_symbol(f"functrans_{name}", address)


def _has_all(routine: str) -> bool:
    return bool(_numpy_blas) and all(hasattr(_numpy_blas[1], _numpy_blas[2].format(f"{t}{routine}")) for t in LETTERS)


_gemm_library = _numpy_blas[0] if _has_all("gemm") else None
bind("gemm")
_lock = threading.Lock()
_applied: list = [None]  # the setting last applied
_defaults: dict[str, int] = {}  # each pool's own thread count, before the first setting


def _compiled_code_pools(controller: ThreadpoolController) -> ThreadpoolController:
    """The BLAS pools compiled code runs on: the products' library and SciPy's bundled one
    (where either is bundled; else every BLAS, a system library that all share)."""
    blas = controller.select(user_api="blas")
    ours = [lib for lib in blas.lib_controllers
            if lib.filepath == _gemm_library or _bundled(scipy, lib.filepath)]
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


def gemm_library() -> str:
    """The file of the BLAS compiled products call, or ``scipy.linalg.cython_blas`` where
    NumPy bundles none."""
    return _gemm_library or "scipy.linalg.cython_blas"
