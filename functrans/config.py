"""Global options: ``functrans.config.debug_nans = True`` or, for a block,
``with functrans.config.option(debug_nans=True): ...``.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Iterator


def _default_cache_dir() -> str:
    env = os.environ.get("FUNCTRANS_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "functrans")


def _threads_from_env(variable: str, default: int) -> int | None:
    value = os.environ.get(variable)
    return default if value is None else None if value.lower() == "none" else int(value)


def _check_threads(name: str, value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ValueError(f"functrans.config.{name} must be a positive int or None, got {value!r}")


def _set_numba_threads(value: int | None) -> None:
    """Numba's thread count for compiled loops run from this thread (Numba keeps one per thread)."""
    _check_threads("num_threads", value)
    import numba  # here: importing functrans.config must not import Numba

    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS if value is None else min(value, numba.config.NUMBA_NUM_THREADS))


# Options that change the code jit generates.
_CODEGEN_OPTIONS = ("boundscheck", "precise_math", "num_threads")


class Config:
    """The options, as attributes. Unknown names raise, so typos do not pass silently."""

    _defaults: dict[str, Any] = {
        # Raise at the first primitive that produces a NaN, naming it.
        "debug_nans": False,
        # Where jit keeps Numba's compiled code (default $XDG_CACHE_HOME/functrans or ~/.cache/functrans, or
        # $FUNCTRANS_CACHE_DIR); None disables the disk cache. Used only if owned by the user and not writable by
        # group or others: its files are executed when loaded (see functrans.backend.cache).
        "cache_dir": _default_cache_dir(),
        # The disk cache's size limit in bytes; beyond it the least recently used programs are deleted.
        "cache_max_bytes": int(os.environ.get("FUNCTRANS_CACHE_MAX_BYTES", str(1 << 30))),
        # Log (at WARNING level, logger "functrans.jit") why jit traced or compiled again.
        "explain_cache_misses": False,
        # Compile with Numba's bounds checks (slow; for debugging the backend).
        "boundscheck": bool(int(os.environ.get("FUNCTRANS_BOUNDSCHECK", "0"))),
        # Use libm calls instead of the vectorisable approximations in compiled loops.
        "precise_math": False,
        # Threads for large compiled loops: 1 runs every loop on the calling thread; k > 1 (or None, Numba's
        # default count) runs loops of at least backend.loops.PARALLEL_MIN_SIZE elements on threads. The default is 1:
        # on the 2-vCPU machines measured, threads made a BLAS-heavy training step slower (the two thread pools
        # spin against each other) and transcendental-heavy loops slower; memory-bound loops ran 1.7x faster.
        "num_threads": 1,
        # Threads of the BLAS that compiled code runs on (NumPy's bundled one, which NumPy code shares, and
        # SciPy's under LAPACK), or None for the libraries' defaults; or $FUNCTRANS_BLAS_THREADS. The default is 1: with every core busy, a pool's
        # spinning threads slowed a small training step 15-30x (see functrans.backend.blas and the README).
        "blas_threads": _threads_from_env("FUNCTRANS_BLAS_THREADS", 1),
        # Opt-in (True, or FUNCTRANS_BACKGROUND_COMPILE=1): run a program's first calls eagerly (NumPy, op by op)
        # while one background thread compiles it, then its compiled code. A fast first result, but not bitwise
        # reproducible: eager and compiled results differ in the last bits (libm against the vectorised math,
        # pairwise against sequential sums). Off by default, so every call gives the compiled code's answer.
        "background_compile": bool(int(os.environ.get("FUNCTRANS_BACKGROUND_COMPILE", "0"))),
        # Longest wait, in seconds, at interpreter exit for queued background compiles (the rest are dropped, so
        # their programs compile again in the next process); or $FUNCTRANS_COMPILE_WAIT_AT_EXIT.
        "compile_wait_at_exit": float(os.environ.get("FUNCTRANS_COMPILE_WAIT_AT_EXIT", "10")),
    }

    def __init__(self) -> None:
        # Options live in the instance dict, so reading one is a plain attribute lookup
        # (jit's dispatch reads them on every call).
        self.__dict__.update(self._defaults)
        self.__dict__["_codegen_epoch"] = 0
        self.__dict__["_codegen_listeners"] = []  # called when generated code changes (jit drops its fast paths)
        self.__dict__["_listeners"] = {}  # option name -> called after it is set (see on_change)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"functrans.config has no option {name!r}; options: {sorted(self._defaults)}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._defaults:
            raise AttributeError(f"functrans.config has no option {name!r}; options: {sorted(self._defaults)}")
        if name == "num_threads":
            _set_numba_threads(value)
        if name == "blas_threads":
            _check_threads(name, value)
        changed = name in _CODEGEN_OPTIONS and value != self.__dict__[name]
        self.__dict__[name] = value
        if changed:
            # Compiled programs built under the old value are stale: jit recompiles on the next call.
            self.__dict__["_codegen_epoch"] += 1
            for listener in self._codegen_listeners:
                listener()
        for listener in self._listeners.get(name, ()):
            listener()

    def on_change(self, name: str, listener: Any) -> None:
        """Call ``listener()`` each time option ``name`` is set (for modules below config that
        apply an option, such as the BLAS thread count).

        >>> config.on_change("debug_nans", lambda: None)
        """
        self._listeners.setdefault(name, []).append(listener)

    def update(self, name: str, value: Any) -> None:
        """JAX-style spelling: ``config.update("debug_nans", True)``."""
        setattr(self, name, value)

    @contextlib.contextmanager
    def option(self, **values: Any) -> Iterator[None]:
        """Set options for the duration of a ``with`` block.

        >>> with config.option(debug_nans=True):
        ...     pass
        """
        saved = {name: getattr(self, name) for name in values}
        try:
            for name, value in values.items():
                setattr(self, name, value)
            yield
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

    def __repr__(self) -> str:
        return f"functrans.config({', '.join(f'{k}={getattr(self, k)!r}' for k in self._defaults)})"


config = Config()
