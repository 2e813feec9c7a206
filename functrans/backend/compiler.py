"""Compiling generated source with Numba, cached in memory and on disk.

The source of each program is written to ``<cache_dir>/ft_<sha256>.py`` (atomically,
never rewritten) and imported as a module registered in ``sys.modules`` before it
runs, so Numba's ``cache=True`` can store the machine code beside it and a new
process loads it instead of compiling.

With ``config.background_compile``, a program's first calls run eagerly (each
primitive's NumPy implementation) while one background thread compiles it; later
calls use the machine code once it exists.
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.util
import logging
import os
import queue
import re
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any, Sequence

import numba
import numpy as np

from ..config import config
from ..errors import CompilationError, NaNError
from ..ir import ClosedJaxpr, eval_jaxpr
from .codegen import generate
from .passes import optimize

log = logging.getLogger("functrans.jit")

_HEADER = "import math\nimport numpy as np\nimport numba\nfrom functrans.backend import fastmath as fm, kernels, kernels_linalg, kernels_special\n\n"


class Compiled:
    """A compiled program: the Numba function, its constants and its source."""

    def __init__(self, closed: ClosedJaxpr, fn: Any, source: str, path: str | None, hoisted: list, arena_size: int):
        self.closed = closed
        self.fn = fn
        self.source = source
        self.path = path
        self.workspace = Workspace(arena_size) if arena_size else None
        # np.ascontiguousarray would turn a 0-d constant into a 1-d array.
        self.consts = list(hoisted) + [np.asarray(c, order="C") for c in closed.consts]
        self.out_avals = closed.out_avals
        self.checked = False
        self.epoch = config._codegen_epoch

    def __call__(self, args: Sequence[np.ndarray]) -> list:
        outs = self.new_outputs()
        if not self.checked:
            self._first_call(args, outs)
        else:
            call(self.fn, self.workspace, self.consts, args, outs)
        return outs

    def new_outputs(self) -> list[np.ndarray]:
        return [np.empty(a.shape, a.dtype) for a in self.out_avals]

    def signature(self, args: Sequence[np.ndarray]) -> tuple:
        """The Numba argument types of a call with these arguments (after the constants)."""
        types = tuple(numba.typeof(a) for a in [*self.consts, *args, *self.new_outputs()])
        return types if self.workspace is None else (_WORKSPACE_TYPE, *types)

    def entry_point(self, args: Sequence[np.ndarray]) -> Any:
        """The compiled code for exactly these argument types (after the constants), callable without Numba's
        type dispatch (the caller guarantees the types), or None if not compiled."""
        overload = self.fn.overloads.get(self.signature(args))
        return overload.entry_point if overload is not None else None

    def ready(self, args: Sequence[np.ndarray]) -> bool:
        """Whether to call now: True once Numba has machine code (compiled or loaded from disk) for
        these argument types, or when their background compile failed (the call then raises as
        synchronous compilation does); otherwise the compile is queued and this returns False."""
        if self.checked:
            return True
        signature = self.signature(args)
        return signature in self.fn.overloads or _compile_in_background(self.fn, signature)

    def _first_call(self, args: Sequence[np.ndarray], outs: list[np.ndarray]) -> None:
        try:
            call(self.fn, self.workspace, self.consts, args, outs)
        except numba.core.errors.NumbaError as e:
            raise CompilationError(_explain(e, self.source)) from None
        self.checked = True


_WORKSPACE_TYPE = numba.typeof(np.empty(0, np.uint8))


class Workspace:
    """The scratch arenas of one program (see codegen.Arena), kept across calls: one per call
    running at the same time, so threads calling one program never share one."""

    __slots__ = ("nbytes", "free")

    def __init__(self, nbytes: int):
        self.nbytes = nbytes
        self.free = [self._new()]

    def _new(self) -> np.ndarray:
        buffer = np.empty(self.nbytes + 64, np.uint8)
        start = -buffer.ctypes.data % 64  # cache-line aligned, as the arena's offsets are
        return buffer[start:start + self.nbytes]

    def take(self) -> np.ndarray:
        try:
            return self.free.pop()  # atomic under the GIL
        except IndexError:
            return self._new()

    def give(self, buffer: np.ndarray) -> None:
        self.free.append(buffer)  # a call that raised loses its buffer, which costs only a new one


def call(fn: Any, workspace: Workspace | None, consts: Sequence, args: Sequence, outs: Sequence) -> None:
    """Run a compiled program (or its entry point) with a scratch arena of its own."""
    if workspace is None:
        fn(*consts, *args, *outs)
        return
    buffer = workspace.take()
    fn(buffer, *consts, *args, *outs)
    workspace.give(buffer)


def _explain(error: Exception, source: str) -> str:
    """Name the jaxpr equation behind the generated line Numba failed on."""
    lines = source.splitlines()
    message = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines()  # without Numba's terminal colours
    # Numba's first lines only name the failing pipeline stage; the cause follows.
    first = next((m.strip() for m in message if m.strip() and not m.strip().startswith(("Failed in", "During:"))), "")
    for m in re.finditer(r"line (\d+)", str(error)):
        n = int(m.group(1)) - 1 - _HEADER.count("\n") - 1
        if 0 <= n < len(lines):
            eqn = next((lines[j].strip()[2:] for j in range(n, -1, -1) if lines[j].strip().startswith("# ")), "?")
            return f"jit: Numba could not compile equation `{eqn}` (generated line `{lines[n].strip()}`): {first}"
    return f"jit: Numba could not compile the generated program: {first}\n--- generated source ---\n{source}"


@functools.cache
def _version_tag() -> str:
    from .. import __version__

    # Numba's cache of a generated program holds the machine code of the kernels it calls, but
    # is keyed on the program's own file: an edited kernel must change the key (numba keeps it stale).
    sources = b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))
    backend = hashlib.sha256(sources).hexdigest()[:16]
    return f"functrans {__version__} backend {backend} numba {numba.__version__} numpy {np.__version__} py {sys.version_info[:2]}"


def _load(source: str, parallel: bool) -> tuple[Any, str | None]:
    cache_dir = config.cache_dir
    options = f"cache={bool(cache_dir)}, error_model='numpy', boundscheck={bool(config.boundscheck)}, nogil=True, parallel={parallel}"
    text = _HEADER + f"@numba.njit({options})\n" + source
    digest = hashlib.sha256((_version_tag() + "\n" + text).encode()).hexdigest()[:32]
    module_name = f"ft_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name].program, sys.modules[module_name].__file__
    if not cache_dir:
        namespace: dict[str, Any] = {}
        exec(compile(text, f"<functrans {module_name}>", "exec"), namespace)
        return namespace["program"], None
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, module_name + ".py")
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # before exec: Numba's cache locates functions through it
    spec.loader.exec_module(module)
    return module.program, path


_compiled: "weakref.WeakKeyDictionary[ClosedJaxpr, Compiled]" = weakref.WeakKeyDictionary()


def compile_jaxpr(closed: ClosedJaxpr) -> Compiled:
    """The compiled form of ``closed`` (made once per jaxpr object and setting of the options
    that change generated code, such as ``config.precise_math``)."""
    compiled = _compiled.get(closed)
    if compiled is None or compiled.epoch != config._codegen_epoch:
        optimized = optimize(closed)
        generated = generate(optimized.jaxpr)
        fn, path = _load(generated.source, generated.parallel)
        compiled = _compiled[closed] = Compiled(optimized, fn, generated.source, path, generated.hoisted, generated.arena_size)
    return compiled


def prepare_args(args: Sequence[Any], avals: Sequence[Any]) -> list:
    """Arguments as C-contiguous arrays of the traced dtypes (one Numba signature per type)."""
    out = []
    for x, aval in zip(args, avals):
        if type(x) is not np.ndarray or x.dtype != aval.dtype or not x.flags.c_contiguous:
            x = np.asarray(x, dtype=aval.dtype, order="C")  # ascontiguousarray would make a 0-d argument 1-d
        out.append(x)
    return out


def execute(closed: ClosedJaxpr, args: Sequence[Any]) -> list:
    """Run ``closed`` compiled on concrete arguments (eagerly while its compile is in flight)."""
    inputs = prepare_args(args, closed.in_avals)
    if _eager.running:  # a nested call of an eager run: compiling it would be wasted, the outer program inlines it
        return run_eager(closed, inputs)
    compiled = compile_jaxpr(closed)
    if config.background_compile and not config.debug_nans and not compiled.ready(inputs):
        return run_eager(closed, inputs)
    outs = compiled(inputs)
    if config.debug_nans and any(o.dtype.kind in "fc" and np.isnan(o).any() for o in outs):
        _find_nan(closed, args)
    return outs


def _find_nan(closed: ClosedJaxpr, args: Sequence[Any]) -> None:
    """Re-run op by op, as JAX does, so the first primitive producing a NaN is named."""
    eval_jaxpr(closed.jaxpr, closed.consts, args)
    raise NaNError("a jit-compiled program produced a NaN, but no single primitive did when re-run op by op")


# --------------------------------------------------------------------------- tiered execution


class _EagerState(threading.local):
    running = False


_eager = _EagerState()


def run_eager(closed: ClosedJaxpr, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Run ``closed`` with each primitive's NumPy implementation, returning what the compiled
    program would: new C-contiguous arrays of the output dtypes (0-d for scalars)."""
    outer, _eager.running = _eager.running, True
    try:
        values = eval_jaxpr(closed.jaxpr, closed.consts, inputs)
    finally:
        _eager.running = outer
    # Always copied: an impl may return an input, a constant, a literal or a view, none of which the caller may own.
    return [np.array(v, dtype=aval.dtype, order="C") for v, aval in zip(values, closed.out_avals)]


class _Compile:
    """One queued compile of a Numba dispatcher for one argument signature."""

    __slots__ = ("fn", "signature", "failed")

    def __init__(self, fn: Any, signature: tuple):
        self.fn, self.signature, self.failed = fn, signature, False

    def run(self) -> None:
        try:
            self.fn.compile(self.signature)
        except Exception:  # noqa: BLE001 -- the next call compiles in the foreground and raises it there
            self.failed = True
            return
        _jobs.pop((self.fn, self.signature), None)


# Compiles queued or failed, by (dispatcher, signature): a program queued once, however many calls wait for it.
_jobs: dict[tuple, _Compile] = {}
_queue: "queue.Queue[_Compile]" = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def _compile_in_background(fn: Any, signature: tuple) -> bool:
    """Queue the compile of ``fn`` for ``signature`` (once). True if it failed: the caller then compiles
    in the foreground, which raises the error exactly as synchronous compilation does."""
    job = _jobs.get((fn, signature))
    if job is None:
        job = _jobs[(fn, signature)] = _Compile(fn, signature)
        _start_worker()
        _queue.put(job)
    return job.failed


def _start_worker() -> None:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = threading.Thread(target=_work, name="functrans-compile", daemon=True)
            _worker.start()
            atexit.register(_finish_at_exit)


def _work() -> None:
    # One thread, so compiles run one at a time (Numba's compiler lock serialises them anyway).
    while True:
        job = _queue.get()
        try:
            job.run()
        finally:
            _queue.task_done()


def wait_for_compiles() -> None:
    """Block until every queued background compile has finished (or failed)."""
    _queue.join()


def _finish_at_exit() -> None:
    # Finishing the compiles writes Numba's disk cache, so the next process starts warm.
    try:
        wait_for_compiles()
    except KeyboardInterrupt:
        pass  # the user wants out now: the daemon thread dies with the interpreter


def _forget_worker() -> None:
    # A forked child has no worker thread: it starts its own and queues its compiles again.
    global _worker, _queue, _worker_lock
    _worker, _queue, _worker_lock = None, queue.Queue(), threading.Lock()
    _jobs.clear()


os.register_at_fork(after_in_child=_forget_worker)
