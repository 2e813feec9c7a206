"""Compiling generated source with Numba, cached in memory and on disk.

Each program's source is compiled from memory as module ``ft_<sha256>`` (in ``sys.modules``
while a ``Compiled`` uses it, for Numba's pickling); its machine code is kept in
``config.cache_dir`` by ``cache.ProgramCache`` (trusted directories only, every file sealed
with its digest), so a new process loads it (``native``: without Numba's compiler, about
10 ms) instead of compiling.

Threads: a program is generated and loaded once however many threads ask (a lock per
program, so others are not blocked). fork: the child gets Numba idle and fresh locks and
queues; it compiles what it calls.

With ``config.background_compile``, a program's first calls run eagerly (each primitive's
NumPy implementation) while one background thread compiles it; later calls use the machine
code once it exists. A program whose background compile fails keeps running eagerly, with
one ``CompilationWarning``: every call gives the same answer.
"""
from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import gc
import hashlib
import importlib.metadata
import linecache
import logging
import os
import re
import sys
import threading
import types
import warnings
import weakref
from pathlib import Path
from typing import Any, Iterator, Sequence

import numba
import numpy as np
from llvmlite.binding import ffi as llvm_ffi
from numba.core import compiler_lock

from ..config import config
from ..errors import CompilationError, CompilationWarning, NaNError
from ..ir import ClosedJaxpr, Jaxpr, eval_jaxpr
from ..version import __version__
from . import blas, native
from .cache import ProgramCache, usable_dir
from .codegen import generate
from .passes import optimize

log = logging.getLogger("functrans.jit")

_HEADER = "import math\nimport numpy as np\nimport numba\nfrom functrans.backend import fastmath as fm, kernels, kernels_linalg\nfrom functrans.lax import _special_kernels as kernels_special\n\n"


class Compiled:
    """A compiled program: its machine code (see Program), its constants and its source."""

    def __init__(self, closed: ClosedJaxpr, program: "Program", source: str, hoisted: list, arena_size: int):
        self.closed = closed
        self.program = program
        self.source = source
        self.text = program.text  # as compiled, decorator included
        self.path = program.cache.cache_path if program.cache is not None else None
        self.workspace = Workspace(arena_size) if arena_size else None
        # np.ascontiguousarray would turn a 0-d constant into a 1-d array.
        self.consts = list(hoisted) + [np.asarray(c, order="C") for c in closed.consts]
        self.out_avals = closed.out_avals
        self._entry: Any = None  # the machine code, once a first call ran it
        self.failed = False
        self.epoch = config._codegen_epoch
        weakref.finalize(self, _release, program.name, id(program))

    @property
    def fn(self) -> Any:
        """The program's Numba dispatcher (made on first use)."""
        return self.program.dispatcher

    def cache_stats(self) -> dict[str, int]:
        """How this program's machine code was got: loaded from disk (hits) or compiled (misses)."""
        return self.program.stats()

    def __call__(self, args: Sequence[np.ndarray]) -> list:
        outs = self.new_outputs()
        if self._entry is None:
            self._first_call(args, outs)
        else:
            call(self._entry, self.workspace, self.consts, args, outs)
        return outs

    def new_outputs(self) -> list[np.ndarray]:
        return [np.empty(a.shape, a.dtype) for a in self.out_avals]

    def signature(self, args: Sequence[np.ndarray]) -> tuple:
        """The Numba argument types of a call with these arguments (after the constants)."""
        types = tuple(numba.typeof(a) for a in [*self.consts, *args, *self.new_outputs()])
        return types if self.workspace is None else (_WORKSPACE_TYPE, *types)

    def entry_point(self, args: Sequence[np.ndarray]) -> Any:
        """The machine code for exactly these argument types (after the constants), callable without Numba's
        type dispatch (the caller guarantees the types), or None if neither compiled nor on disk."""
        return self.program.entry(self.signature(args))

    def ready(self, args: Sequence[np.ndarray]) -> bool:
        """Whether to call now: True once there is machine code (compiled, or loaded from disk) for
        these argument types; otherwise the compile is queued and this returns False (as it does,
        after one warning, when that compile failed: the program then always runs eagerly)."""
        if self._entry is not None:
            return True
        signature = self.signature(args)
        if self.program.entry(signature) is not None:
            return True
        error = _compile_in_background(self.fn, signature)
        if error is not None and not self.failed:
            self.failed = True
            warnings.warn(f"{_explain(error, self.source)}\nThis program runs eagerly (NumPy, op by op) instead.",
                          CompilationWarning, stacklevel=4)
        return False

    def _first_call(self, args: Sequence[np.ndarray], outs: list[np.ndarray]) -> None:
        entry = self.entry_point(args)
        try:
            call(entry or self.fn, self.workspace, self.consts, args, outs)  # the dispatcher compiles
        except numba.core.errors.NumbaError as e:
            raise CompilationError(_explain(e, self.source)) from None
        # Later calls skip Numba's type dispatch: prepare_args gives every call these types.
        self._entry = entry or self.entry_point(args)


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


# Source files whose code compiled programs contain: the backend's, and the kernels the header
# imports from elsewhere (the special functions' kernels live with their primitives in lax, as
# does the Threefry cipher that the eager path shares with backend.kernels).
_COMPILED_SOURCES = (*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parents[1] / "lax" / "_special_kernels.py",
                     Path(__file__).parents[1] / "lax" / "_threefry.py", Path(__file__).parents[1] / "_kernel.py")


@functools.cache
def _version_tag() -> str:
    # Numba's cache of a generated program holds the machine code of the kernels it calls, but
    # is keyed on the program's own file: an edited kernel must change the key (numba keeps it stale).
    sources = b"".join(path.read_bytes() for path in _COMPILED_SOURCES)
    backend = hashlib.sha256(sources).hexdigest()[:16]
    # Likewise a Numba extension whose code programs contain (rocket-fft's numpy.fft): its version.
    try:
        rocket_fft = importlib.metadata.version("rocket-fft")
    except importlib.metadata.PackageNotFoundError:  # then programs cannot call an FFT either
        rocket_fft = "absent"
    return (f"functrans {__version__} backend {backend} numba {numba.__version__} numpy {np.__version__} "
            f"rocket-fft {rocket_fft} py {sys.version_info[:2]}")


class _KeyedLocks:
    """One lock per key, existing while a thread holds or waits for it: work on one key
    happens once, and work on other keys is not blocked meanwhile."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Any, list] = {}

    @contextlib.contextmanager
    def hold(self, key: Any) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._locks[key]


class Program:
    """One generated program: its module text and digest, its machine code on disk (one image
    per argument signature, see cache.ProgramCache and native), and the Numba dispatcher that
    compiles it. The dispatcher is made only for a signature that is neither loaded nor on
    disk, so a process that finds its programs on disk never builds Numba's compiler state."""

    def __init__(self, name: str, text: str, digest: str, cache: ProgramCache | None):  # noqa: D107
        self.name, self.text, self.digest, self.cache = name, text, digest, cache
        self._dispatcher: Any = None
        self._loaded: dict[tuple, Any] = {}  # signature -> entry point loaded from disk
        self._not_on_disk: set[tuple] = set()
        self._lock = threading.Lock()

    @property
    def dispatcher(self) -> Any:
        if self._dispatcher is None:
            with self._lock:
                if self._dispatcher is None:
                    self._dispatcher = _new_dispatcher(self.name, self.text, self.cache)
        return self._dispatcher

    def entry(self, signature: tuple) -> Any:
        """The machine code for ``signature``: compiled or loaded before, or loaded now from
        disk; None if there is none yet."""
        entry = self._loaded.get(signature)
        if entry is not None:
            return entry
        if self._dispatcher is not None:
            overload = self._dispatcher.overloads.get(signature)
            if overload is not None:
                return overload.entry_point
        if self.cache is None or signature in self._not_on_disk:
            return None
        with self._lock:
            entry = self._loaded.get(signature) or self._load(signature)
        return entry

    def _load(self, signature: tuple) -> Any:
        payload = self.cache.load(signature)
        entry = None
        if payload is not None:
            try:
                entry = native.load(payload, self.name)
            except Exception as e:  # noqa: BLE001 -- a sealed image that does not load: discard it and compile
                self.cache.discard(signature, e)
        if entry is None:
            self._not_on_disk.add(signature)
        else:
            self._loaded[signature] = entry
        return entry

    def stats(self) -> dict[str, int]:
        compiles = sum(self._dispatcher.stats.cache_misses.values()) if self._dispatcher is not None else 0
        return {"hits": len(self._loaded), "misses": compiles}


# Programs by module name, with how many Compiled objects use each: the last one to go removes
# it (and its module, if it was made) so clear_cache() and garbage collection release them.
_programs: dict[str, list] = {}  # name -> [Program, users]
_registry_lock = threading.RLock()  # re-entered when a finalizer runs while this thread holds it
_load_locks = _KeyedLocks()
_compile_locks = _KeyedLocks()


def program_text(source: str, parallel: bool) -> str:
    """The module Numba compiles: imports, the decorator with its options, the generated function."""
    options = f"error_model='numpy', boundscheck={bool(config.boundscheck)}, nogil=True, parallel={parallel}"
    return _HEADER + f"@numba.njit({options})\n" + source


def _load(source: str, parallel: bool) -> Program:
    """The program of this generated source (one per text in the process). The caller owns one
    use of it (see _release)."""
    text = program_text(source, parallel)
    digest = hashlib.sha256((_version_tag() + "\n" + text).encode()).hexdigest()[:32]
    name = f"ft_{digest}"
    with _load_locks.hold(name):
        with _registry_lock:
            entry = _programs.get(name)
            if entry is not None:
                entry[1] += 1
        if entry is None:
            cache_dir = config.cache_dir
            cache = ProgramCache(cache_dir, digest) if cache_dir and usable_dir(cache_dir) else None
            entry = [Program(name, text, digest, cache), 1]
            with _registry_lock:
                _programs[name] = entry
    return entry[0]


def _new_dispatcher(name: str, text: str, cache: ProgramCache | None) -> Any:
    # The source is compiled from memory, never read back from disk; Numba finds functions it
    # pickles by module name, so the module is in sys.modules while the program is used.
    filename = f"<functrans {name}>"
    module = types.ModuleType(name)
    module.__file__ = filename
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)  # for tracebacks
    sys.modules[name] = module
    try:
        exec(compile(text, filename, "exec"), module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    fn = module.program
    if cache is not None:
        fn._cache = cache  # saves each compiled signature's image
    return fn


def _forget_program(name: str) -> None:
    _programs.pop(name, None)
    sys.modules.pop(name, None)
    linecache.cache.pop(f"<functrans {name}>", None)


def _release(name: str, program_id: int) -> None:
    """One user of program ``name`` (``program_id``) is gone; with the last, it is dropped."""
    with _registry_lock:
        entry = _programs.get(name)
        if entry is None or id(entry[0]) != program_id:
            return  # already replaced (see _after_fork_in_child)
        entry[1] -= 1
        if entry[1] > 0:
            return
        _forget_program(name)
    with _queue_lock:
        for key in [k for k in _jobs if k[0] == name]:
            job = _jobs.pop(key)
            with contextlib.suppress(ValueError):
                _pending.remove(job)


_compiled: "weakref.WeakKeyDictionary[ClosedJaxpr, Compiled]" = weakref.WeakKeyDictionary()


def compile_jaxpr(closed: ClosedJaxpr, arg_names: Sequence[str] | None = None) -> Compiled:
    """The compiled form of ``closed``, made once per jaxpr object and setting of the options
    that change generated code (such as ``config.precise_math``), whichever threads ask at once.
    ``arg_names`` (where each argument came from) name the arguments in the generated source."""
    compiled = _compiled.get(closed)
    if compiled is not None and compiled.epoch == config._codegen_epoch:
        return compiled
    blas.limit_threads()
    with _compile_locks.hold(id(closed)):
        compiled = _compiled.get(closed)
        if compiled is None or compiled.epoch != config._codegen_epoch:
            check_compilable(closed)
            optimized = optimize(closed)
            generated = generate(optimized.jaxpr, arg_names=arg_names)
            program = _load(generated.source, generated.parallel)
            compiled = _compiled[closed] = Compiled(optimized, program, generated.source, generated.hoisted,
                                                    generated.arena_size)
    return compiled


def compilable(dtype: np.dtype) -> bool:
    """Whether compiled programs handle arrays of ``dtype`` (float16, strings, objects: no)."""
    return dtype.kind in "biuc" or dtype in _FLOATS


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def check_compilable(closed: ClosedJaxpr) -> None:
    """Raise TypeError, before any code is generated, for a value of a dtype the compiler cannot handle."""
    for what, aval in _avals(closed.jaxpr):
        dtype = np.dtype(aval.dtype)
        if not compilable(dtype):
            raise TypeError(f"jit: {what} is {aval.str_short()} of dtype {dtype.name}, which the compiler does not "
                            "support (it takes bool, integer, float32, float64, complex64 and complex128 arrays)")


def _avals(jaxpr: Jaxpr) -> Iterator[tuple[str, Any]]:
    """Every value of a jaxpr and the jaxprs in its equations' parameters, with a description."""
    for i, var in enumerate(jaxpr.invars):
        yield f"input {i} of the program", var.aval
    for eqn in jaxpr.eqns:
        for var in eqn.out_binders:
            yield f"the result of primitive {eqn.primitive.name}", var.aval
        for param in eqn.params.values():
            for sub in param if isinstance(param, (tuple, list)) else (param,):
                sub = sub.jaxpr if isinstance(sub, ClosedJaxpr) else sub
                if isinstance(sub, Jaxpr):
                    yield from _avals(sub)


def prepare_args(args: Sequence[Any], avals: Sequence[Any]) -> list:
    """Arguments as aligned C-contiguous arrays of the traced dtypes (one Numba signature per type)."""
    out = []
    for x, aval in zip(args, avals):
        if type(x) is not np.ndarray or x.dtype != aval.dtype or not (x.flags.c_contiguous and x.flags.aligned):
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
    """One queued compile of a Numba dispatcher for one argument signature. It holds the program
    weakly, so a program released meanwhile is not compiled."""

    __slots__ = ("key", "fn", "signature", "epoch", "error")

    def __init__(self, fn: Any, signature: tuple):
        self.key = (fn.py_func.__module__, signature)
        self.fn, self.signature, self.epoch, self.error = weakref.ref(fn), signature, config._codegen_epoch, None

    def run(self) -> None:
        fn = self.fn()
        if fn is None or self.epoch != config._codegen_epoch:  # released, or superseded by an option change
            with _queue_lock:
                _jobs.pop(self.key, None)
            return
        try:
            fn.compile(self.signature)
        except Exception as e:  # noqa: BLE001 -- kept: the program's calls then stay eager, with a warning
            self.error = e
            return
        with _queue_lock:
            _jobs.pop(self.key, None)


# Compiles queued, running or failed, by (program name, signature): a program queued once however
# many calls wait for it. At most MAX_PENDING wait; queuing another drops the oldest waiting one
# (its next call queues it again), so a flood of one-off programs cannot build a backlog.
MAX_PENDING = 8
_jobs: dict[tuple, _Compile] = {}
_pending: "collections.deque[_Compile]" = collections.deque()
_running: list[_Compile] = []
_queue_lock = threading.Lock()
_queue_changed = threading.Condition(_queue_lock)
_worker: threading.Thread | None = None


def _compile_in_background(fn: Any, signature: tuple) -> Exception | None:
    """Queue the compile of ``fn`` for ``signature`` (once); the error if it failed."""
    key = (fn.py_func.__module__, signature)
    with _queue_lock:
        job = _jobs.get(key)
        if job is None:
            job = _jobs[key] = _Compile(fn, signature)
            _pending.append(job)
            while len(_pending) > MAX_PENDING:
                del _jobs[_pending.popleft().key]
            _start_worker()
            _queue_changed.notify_all()
    return job.error


def _start_worker() -> None:
    global _worker
    if _worker is None:
        # Numba imports its registries (and extensions' modules) when its contexts first
        # refresh. Here, not in the worker: a process forked while the worker was importing
        # would give its child a module lock that no thread of the child ever releases.
        numba.core.registry.cpu_target.typing_context.refresh()
        numba.core.registry.cpu_target.target_context.refresh()
        _worker = threading.Thread(target=_work, name="functrans-compile", daemon=True)
        _worker.start()
        atexit.register(_finish_at_exit)


def _work() -> None:
    # One thread, so compiles run one at a time (Numba's compiler lock serialises them anyway).
    while True:
        with _queue_lock:
            while not _pending:
                _queue_changed.wait()
            job = _pending.popleft()
            _running.append(job)
        try:
            job.run()
        finally:
            with _queue_lock:
                _running.remove(job)
                _queue_changed.notify_all()


def wait_for_compiles(timeout: float | None = None) -> bool:
    """Block until every queued background compile has finished (or failed), or ``timeout``
    seconds have passed; True if none is left."""
    with _queue_lock:
        return _queue_changed.wait_for(lambda: not _pending and not _running, timeout)


def _finish_at_exit() -> None:
    # Finishing the compiles writes Numba's disk cache, so the next process starts warm; but exit
    # waits at most config.compile_wait_at_exit seconds, then drops what is left.
    try:
        wait_for_compiles(config.compile_wait_at_exit)
    except KeyboardInterrupt:
        pass  # the user wants out now: the daemon thread dies with the interpreter
    with _queue_lock:
        _pending.clear()


# --------------------------------------------------------------------------- fork

# How long fork waits for a background compile in flight to finish (then the child gets Numba idle).
FORK_WAIT = 2.0
_llvm_lock = llvm_ffi.lib._lock._lock  # the RLock inside llvmlite's lock around every LLVM call
_forked_mid_compile = False


def _before_fork() -> None:
    # A child gets copies of locks held by other threads, which nothing would ever release. Best:
    # fork once Numba's compiler is idle. A compile can take far longer than fork may wait, so
    # after FORK_WAIT seconds fork goes ahead, holding only LLVM's lock (one library call long),
    # so LLVM's own state is consistent; the child then replaces Numba's lock (_after_fork_in_child).
    global _forked_mid_compile
    _forked_mid_compile = not compiler_lock.global_compiler_lock._lock.acquire(timeout=FORK_WAIT)
    _llvm_lock.acquire()


def _after_fork_in_parent() -> None:
    _llvm_lock.release()
    if not _forked_mid_compile:
        compiler_lock.global_compiler_lock._lock.release()


def _after_fork_in_child() -> None:
    # The child has only the forking thread: no compile worker, and our locks may have been held
    # by threads that do not exist here. Fresh ones; its programs compile again when called.
    global _worker, _queue_lock, _queue_changed, _registry_lock, _load_locks, _compile_locks
    _after_fork_in_parent()
    if _forked_mid_compile:
        # The compile thread's half-done work is abandoned: a new compiler lock, a typing call stack
        # without its frames, and new dispatchers for the programs it was compiling.
        compiler_lock.global_compiler_lock._lock = threading.RLock()
        callstack = numba.core.registry.cpu_target.typing_context.callstack
        callstack._stack.clear()
        callstack._lock = threading.RLock()
        _release_numba_state_of_the_compile_thread()
        abandoned = {id(fn) for fn in (job.fn() for job in _running) if fn is not None}
        for closed, compiled in list(_compiled.items()):
            if id(compiled.program._dispatcher) in abandoned:
                del _compiled[closed]
        for name, entry in list(_programs.items()):
            if id(entry[0]._dispatcher) in abandoned:
                _forget_program(name)
    _worker = None
    _queue_lock = threading.Lock()
    _queue_changed = threading.Condition(_queue_lock)
    _registry_lock = threading.RLock()
    _load_locks, _compile_locks = _KeyedLocks(), _KeyedLocks()
    _jobs.clear()
    _pending.clear()
    _running.clear()


def _release_numba_state_of_the_compile_thread() -> None:
    for obj in gc.get_objects():
        kind = type(obj)  # not isinstance, which dereferences a weak proxy (and raises if it is dead)
        # Numba counts each function's compiles in flight (its test for a recursive call): one the
        # compile thread was inside (loading fastmath's tanh_f64 from its cache, say) would read as
        # recursive forever, failing every later compile that calls it.
        if issubclass(kind, numba.core.dispatcher.Dispatcher) and obj._compiling_counter:
            obj._compiling_counter = numba.core.dispatcher.CompilingCounter()
        # Python 3.11's functools.cached_property computes a value under one RLock per property
        # (Numba's control-flow graphs use them): one the compile thread held would hang every
        # later compile here (numba.core.utils.threadsafe_cached_property keeps its own, _lock).
        elif issubclass(kind, functools.cached_property):
            for name in ("lock", "_lock"):
                if hasattr(obj, name):
                    setattr(obj, name, threading.RLock())


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)
