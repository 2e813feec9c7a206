"""``jit``: trace once per argument signature, compile with Numba, call cheaply.

A call flattens the arguments, looks up (tree structure, shapes, dtypes, weak
types, static arguments) in a dictionary, and calls the compiled function (run eagerly
until its background compile is done, with ``config.background_compile``). Inside
another transformation the traced jaxpr is bound as the ``jit`` primitive, so
``grad(jit(f))`` differentiates it and stays compiled, and an outer ``jit`` inlines it.
"""
from __future__ import annotations

import inspect
import logging
import os
import threading
import weakref
from itertools import starmap
from operator import attrgetter
from typing import Any, Callable, Sequence

import numpy as np

from . import controls, core
from .backend import compile_jaxpr, prepare_args
from .backend.compiler import call, compilable, execute, run_eager
from .config import config
from .core import Tracer
from .ir import ClosedJaxpr
from .lax.call import bind_jit
from .tracing import closure_convert, trace_to_jaxpr
from .tree_util import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

log = logging.getLogger("functrans.jit")

_PY_SCALARS = core._PY_SCALARS


def _signature(x: Any) -> Any:
    """What of an argument a compiled program depends on."""
    t = type(x)
    if t is np.ndarray:
        return (x.shape, x.dtype)
    if t in _PY_SCALARS:
        return t
    if isinstance(x, Tracer):
        aval = x.aval
        return (aval.shape, aval.dtype, aval.weak_type)
    x = np.asarray(x)
    return (x.shape, x.dtype)


# What the compiled entry point needs of a leaf, read at C speed: its exact type (no subclass, no NumPy
# scalar), shape, dtype, and strides (the strides of a C-contiguous array of that shape and dtype: equal
# strides mean C-contiguous too). A leaf that is not an array has no shape: AttributeError.
_leaf_key = attrgetter("__class__", "shape", "strides", "dtype")


def _fast_key(args: tuple) -> tuple[tuple, Sequence]:
    """The key of positional arguments in ``JitFunction._fast``, and their leaves."""
    if len(args) == 1:
        if type(args[0]) is np.ndarray:
            return _leaf_key(args[0]), args
        # The argument's structure, not its 1-tuple's (a dict of arrays then takes tree_flatten's fast path);
        # len(args) in the key tells f((a, b)) from f(a, b).
        leaves, treedef = tree_flatten(args[0])
    else:
        leaves, treedef = tree_flatten(args)
    return (treedef, len(args), *map(_leaf_key, leaves)), leaves


# Every jitted function, so that setting an option that changes generated code drops the
# fast paths to the old programs (the next call compiles again) without a check per call.
_jitted: "weakref.WeakSet[JitFunction]" = weakref.WeakSet()


def _forget_fast_paths() -> None:
    for jitted in list(_jitted):
        jitted._fast.clear()


config._codegen_listeners.append(_forget_fast_paths)
controls.on_disable_jit.append(_forget_fast_paths)


# Tracing a new specialisation happens once however many threads ask at once (the trace
# stack itself is per thread, see core._TraceState). Re-entrant: tracing calls jitted functions.
_trace_lock = threading.RLock()


def _new_trace_lock() -> None:
    global _trace_lock
    _trace_lock = threading.RLock()  # a forked child has only the forking thread, which holds no trace


os.register_at_fork(after_in_child=_new_trace_lock)


class _Entry:
    """One traced and (lazily) compiled specialisation of a jitted function."""

    __slots__ = ("closed", "consts", "out_tree", "in_avals", "arg_names")

    def __init__(self, closed: ClosedJaxpr, out_tree: Any, arg_names: list[str]):
        self.closed, self.consts = closure_convert(closed)
        self.out_tree = out_tree
        self.in_avals = self.closed.in_avals
        self.arg_names = ["a value the function closes over"] * len(self.consts) + arg_names

    def compiled(self) -> Any:
        return compile_jaxpr(self.closed, self.arg_names)


class Lowered:
    """What ``jit(f).lower(*args)`` gives: the jaxpr and the generated Numba source."""

    def __init__(self, entry: _Entry):
        self.jaxpr = entry.closed
        self.compiled = entry.compiled()

    def as_text(self) -> str:
        """The module Numba compiles: its imports, the decorator with its options, and the
        generated function (one line or loop per equation, each under a comment)."""
        return self.compiled.text


class JitFunction:
    """A function compiled on first call for each new argument signature."""

    def __init__(self, fun: Callable, static_argnums: Sequence[int], static_argnames: Sequence[str]):
        self.fun = fun
        self.__wrapped__ = fun
        self.__name__ = getattr(fun, "__name__", "fun")
        self.__doc__ = getattr(fun, "__doc__", None)
        try:
            self._params = list(inspect.signature(fun).parameters)
        except (TypeError, ValueError):
            self._params = []
        names = set(static_argnames)
        nums = {int(i) for i in static_argnums}
        for i in list(nums):
            if i < len(self._params):
                names.add(self._params[i])
        for name in list(names):
            if name in self._params:
                nums.add(self._params.index(name))
        self._static_nums = frozenset(nums)
        self._static_names = frozenset(names)
        self._cache: dict[Any, _Entry] = {}
        # Calls with only C-contiguous NumPy arrays, keyed by _fast_key, go straight to the
        # compiled entry point: no signature building, no Numba type dispatch.
        self._fast: dict[tuple, tuple] = {}
        self._fast_ok = not (self._static_nums or self._static_names)
        _jitted.add(self)
        self.trace_count = 0

    def _split(self, args: tuple, kwargs: dict) -> tuple[tuple, dict, tuple]:
        statics = []
        if self._static_nums:
            for i in sorted(self._static_nums):
                if i < len(args):
                    statics.append((i, args[i]))
            args = tuple(a for i, a in enumerate(args) if i not in self._static_nums)
        if kwargs and self._static_names:
            for k in sorted(kwargs):
                if k in self._static_names:
                    statics.append((k, kwargs[k]))
            kwargs = {k: v for k, v in kwargs.items() if k not in self._static_names}
        statics = tuple(statics)
        try:
            hash(statics)
        except TypeError:
            bad = next(k for k, v in statics if not _hashable(v))
            raise TypeError(
                f"jit: static argument {bad!r} of {self.__name__} has an unhashable value of type "
                f"{type(dict(statics)[bad]).__name__}; static arguments must be hashable (use a tuple instead of a list)"
            ) from None
        return args, kwargs, statics

    def _key(self, args: tuple, kwargs: dict) -> tuple[tuple, list, Any, bool, tuple]:
        """Flatten the dynamic arguments; the cache key says all the program depends on."""
        split = bool(self._static_nums or self._static_names or kwargs)
        if split:
            args, kwargs, statics = self._split(args, kwargs)
            leaves, treedef = tree_flatten((args, kwargs))
        else:
            statics = ()
            leaves, treedef = tree_flatten(args)
        return (treedef, statics, *[_signature(x) for x in leaves]), leaves, treedef, split, statics

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._fast and not kwargs:
            try:
                key, leaves = _fast_key(args)
                fast = self._fast.get(key)
            except AttributeError:  # a leaf that is not an array
                fast = None
            if fast is not None and not config.debug_nans and not core.staging():
                entry_point, workspace, consts, out_specs, unflatten = fast
                if unflatten is None and workspace is None:
                    out = np.empty(*out_specs)
                    entry_point(*consts, *leaves, out)
                    return out
                outs = list(starmap(np.empty, out_specs))
                if workspace is None:  # most small programs: no scratch, and one call less
                    entry_point(*consts, *leaves, *outs)
                else:
                    call(entry_point, workspace, consts, leaves, outs)
                return outs[0] if unflatten is None else unflatten(outs)
        return self._call(args, kwargs)

    def _call(self, args: tuple, kwargs: dict) -> Any:
        if controls.jit_disabled():
            return self.fun(*args, **kwargs)
        key, leaves, treedef, split, statics = self._key(args, kwargs)
        entry = self._entry(key, leaves, treedef, split, statics)
        # A closure over an outer transformation's tracer (a constant of the jaxpr) must be bound too.
        if core.staging() or any(isinstance(x, Tracer) for x in (*entry.consts, *leaves)):
            outs = bind_jit(entry.closed, [*entry.consts, *leaves], self.__name__)
            return tree_unflatten(entry.out_tree, outs)
        if config.debug_nans:
            return tree_unflatten(entry.out_tree, execute(entry.closed, [*entry.consts, *leaves]))
        compiled = entry.compiled()
        inputs = prepare_args([*entry.consts, *leaves], entry.in_avals)
        if config.background_compile and not compiled.ready(inputs):
            # Eagerly until the background compile is done; only a compiled call installs the fast path.
            return tree_unflatten(entry.out_tree, run_eager(entry.closed, inputs))
        outs = compiled(inputs)
        if (self._fast_ok and not kwargs and not controls.jit_disabled_anywhere()
                and all(type(a) is np.ndarray and a.flags.c_contiguous for a in leaves)):
            self._remember_fast(args, leaves, compiled, inputs, entry)
        return tree_unflatten(entry.out_tree, outs)

    def _remember_fast(self, args: tuple, leaves: list, compiled: Any, inputs: list, entry: _Entry) -> None:
        if not all(a.dtype.isbuiltin for a in leaves):
            return
        entry_point = compiled.entry_point(inputs)
        if entry_point is None:
            return
        consts = compiled.consts + inputs[: len(entry.consts)]
        avals = entry.closed.out_avals
        key = _fast_key(args)[0]
        specs = [(a.shape, a.dtype) for a in avals]
        if entry.out_tree.num_leaves == 1 and entry.out_tree.num_nodes == 1:
            self._fast[key] = (entry_point, compiled.workspace, consts, specs[0] if compiled.workspace is None else specs, None)
        else:
            self._fast[key] = (entry_point, compiled.workspace, consts, specs, entry.out_tree.unflatten)

    def _entry(self, key: tuple, leaves: list, treedef: Any, split: bool, statics: tuple) -> _Entry:
        """The traced program for this key: traced once, however many threads call at once."""
        entry = self._cache.get(key)
        if entry is None:
            with _trace_lock:
                entry = self._cache.get(key) or self._trace(key, leaves, treedef, split, statics)
        return entry

    def _trace(self, key: tuple, leaves: list, treedef: Any, split: bool, statics: tuple) -> _Entry:
        if config.explain_cache_misses:
            self._explain_miss(key)
        self.trace_count += 1
        static_values = dict(statics)
        store: dict = {}

        def flat_fun(*flat):
            structured = tree_unflatten(treedef, flat)
            args, kwargs = structured if split else (structured, {})
            full_args = list(args)
            for i in sorted(k for k in static_values if isinstance(k, int)):
                full_args.insert(i, static_values[i])
            kwargs = dict(kwargs, **{k: v for k, v in static_values.items() if isinstance(k, str)})
            out = self.fun(*full_args, **kwargs)
            out_leaves, store["out_tree"] = tree_flatten(out)
            for leaf in out_leaves:
                if not core.is_valid_value(leaf):
                    raise TypeError(f"jit: {self.__name__} returned {leaf!r} of type {type(leaf).__name__}, which is not an array")
            return out_leaves

        names = self._arg_names(treedef, split)
        avals = [self._aval(x, name) for x, name in zip(leaves, names)]
        closed = trace_to_jaxpr(flat_fun, avals, names)
        entry = _Entry(closed, store["out_tree"], names)
        if not any(isinstance(c, Tracer) for c in entry.consts):  # closures over outer tracers are per-trace
            self._cache[key] = entry
        return entry

    def _aval(self, x: Any, name: str) -> core.ShapedArray:
        """The abstract value of an argument, or a TypeError (on the first call) if jit cannot compile it."""
        if not (isinstance(x, Tracer) or type(x) in _PY_SCALARS):
            dtype = x.dtype if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x).dtype
            if dtype.kind in "OSUVMm":
                raise TypeError(f"jit({self.__name__}): argument {name} is a {type(x).__name__} of dtype {dtype} ({x!r:.60}); "
                                "jit takes arrays of numbers, Python scalars and pytrees of them")
            x = x if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x)
        aval = core.get_aval(x)
        if not compilable(aval.dtype):
            raise TypeError(f"jit({self.__name__}): argument {name} is {aval.str_short()} of dtype {aval.dtype.name}, "
                            "which jit cannot compile (it takes bool, integer, float32, float64, complex64 and complex128 arrays)")
        return aval

    def _arg_names(self, treedef: Any, split: bool) -> list[str]:
        """Each flat argument's pytree path from the parameter it was passed as (``params['W']``),
        for error messages and the generated source."""
        structured = tree_unflatten(treedef, list(range(treedef.num_leaves)))
        args, kwargs = structured if split else (structured, {})
        dyn_params = [p for i, p in enumerate(self._params) if i not in self._static_nums]
        labelled = [(dyn_params[i] if i < len(dyn_params) else f"args[{i}]", a) for i, a in enumerate(args)]
        labelled += sorted(kwargs.items())
        names = [""] * treedef.num_leaves
        for label, arg in labelled:
            for path, position in tree_flatten_with_path(arg)[0]:
                names[position] = label + keystr(path)
        return names

    def _explain_miss(self, key: tuple) -> None:
        if not self._cache:
            log.warning("jit(%s): tracing for the first time", self.__name__)
            return
        nearest = min(self._cache, key=lambda k: sum(a != b for a, b in zip(k, key)) + abs(len(k) - len(key)))
        reasons = []
        if nearest[0] != key[0]:
            reasons.append(f"argument structure changed from {nearest[0]} to {key[0]}")
        if nearest[1] != key[1]:
            reasons.append(f"static arguments changed from {nearest[1]} to {key[1]}")
        for i, (a, b) in enumerate(zip(nearest[2:], key[2:])):
            if a != b:
                reasons.append(f"leaf {i} changed from {_describe(a)} to {_describe(b)}")
        log.warning("jit(%s): tracing again because %s", self.__name__, "; ".join(reasons) or "the signature differs")

    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """Trace and compile for these arguments without running; ``.as_text()`` shows the source."""
        key, leaves, treedef, split, statics = self._key(args, kwargs)
        return Lowered(self._entry(key, leaves, treedef, split, statics))

    def clear_cache(self) -> None:
        self._cache.clear()
        self._fast.clear()

    def __repr__(self) -> str:
        return f"jit({self.__name__})"

    def __get__(self, obj, objtype=None):
        # As a method decorator, bind like a function.
        return self if obj is None else _BoundJit(self, obj)


class _BoundJit:
    def __init__(self, jitted: JitFunction, obj: Any):
        self._jitted, self._obj = jitted, obj

    def __call__(self, *args, **kwargs):
        return self._jitted(self._obj, *args, **kwargs)


def clear_caches() -> None:
    """Forget every jitted function's traced and compiled programs (in memory; the disk cache
    stays: ``clear_disk_cache``). The next call of each traces and compiles again (or loads
    the machine code from disk).

    >>> f = jit(lambda x: x + 1)
    >>> _ = f(1.0)
    >>> clear_caches()
    >>> f(1.0)
    array(2.)
    """
    for jitted in list(_jitted):
        jitted.clear_cache()


def _describe(sig: Any) -> str:
    if isinstance(sig, tuple) and len(sig) >= 2:
        return f"{np.dtype(sig[1]).name}{list(sig[0])}"
    return f"Python {sig.__name__}" if isinstance(sig, type) else repr(sig)


def _hashable(v: Any) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


def jit(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (), static_argnames: str | Sequence[str] = ()) -> Any:
    """Compile ``fun`` with Numba, once per argument signature.

    >>> f = jit(lambda x: x * 2.0 + 1.0)
    >>> f(np.arange(3.0))
    array([1., 3., 5.])
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    if fun is None:
        return lambda f: JitFunction(f, nums, names)
    return JitFunction(fun, nums, names)
