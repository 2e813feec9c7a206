"""The core: abstract values, primitives, and the stack of interpreters.

Every operation is ``primitive.bind(*args, **params)``. ``bind`` finds the
innermost active transformation among its arguments (each transformation is a
``Trace`` with a level on the stack), lifts the other arguments to it and lets it
interpret the primitive. The eval trace at level 0 runs each primitive's NumPy
impl; a staging trace records it into a jaxpr; the JVP and batching traces apply
the primitive's rules and bind again one level down.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import dtypes
from .config import config
from .errors import ConcretizationError, NaNError, TracerBoolConversionError, UnexpectedTracerError

# --------------------------------------------------------------------------- avals


class ShapedArray:
    """The abstract value of an array: what tracing knows about it.

    >>> ShapedArray((3,), np.float64).str_short()
    'f64[3]'
    """

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape: Sequence[int], dtype: Any, weak_type: bool = False):
        self.shape = tuple(shape)
        dtype = np.dtype(dtype)
        self.dtype = dtype if dtype.isnative else dtype.newbyteorder("=")
        self.weak_type = weak_type

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def update(self, shape=None, dtype=None, weak_type=None) -> "ShapedArray":
        return ShapedArray(
            self.shape if shape is None else shape,
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )

    def strip_weak_type(self) -> "ShapedArray":
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def str_short(self) -> str:
        return f"{dtypes.short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def __eq__(self, other) -> bool:
        return (
            type(other) is ShapedArray
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.shape}, {self.dtype}{weak})"


_PY_SCALARS = (bool, int, float, complex)


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer, an array, or a (weakly typed) Python scalar."""
    if isinstance(x, Tracer):
        return x.aval
    t = type(x)
    if t is np.ndarray or isinstance(x, (np.ndarray, np.generic)):
        return ShapedArray(x.shape, x.dtype)
    if t in _PY_SCALARS:
        return ShapedArray((), dtypes.python_scalar_dtype(x), weak_type=True)
    raise TypeError(f"value {x!r} of type {t.__name__} is not a valid functrans array type")


def is_valid_value(x: Any) -> bool:
    return isinstance(x, (Tracer, np.ndarray, np.generic) + _PY_SCALARS)


# --------------------------------------------------------------------------- primitives


class Primitive:
    """A named operation. Its rules live in per-interpreter tables keyed by it.

    ``impl`` and ``abstract_eval`` take and return lists, so primitives with several
    results are not special; ``bind`` unwraps a single result.
    """

    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.impl: Callable[..., list] | None = None
        self.abstract_eval: Callable[..., list] | None = None
        # How the backend lowers it: set with its lowering rule (functrans.lowering).
        self.kind = None
        self.cheap = self.splittable = self.looped = self.keeps_position = self.repeats = self.fresh_result = False
        # Run for a side effect (functrans.callbacks' debug callback): staged programs keep it unread.
        self.effectful = False

    def def_impl(self, fn: Callable[..., list]) -> Callable[..., list]:
        self.impl = fn
        return fn

    def def_abstract_eval(self, fn: Callable[..., list]) -> Callable[..., list]:
        self.abstract_eval = fn
        return fn

    def bind(self, *args: Any, **params: Any) -> Any:
        outs = bind(self, args, params)
        return outs if self.multiple_results else outs[0]

    def __repr__(self) -> str:
        return self.name


def bind(prim: Primitive, args: Sequence[Any], params: dict) -> list:
    """Interpret ``prim`` at the innermost trace its arguments (or a staging context) belong to."""
    trace = find_top_trace(args)
    tracers = [trace.full_raise(a) for a in args]
    outs = trace.process_primitive(prim, tracers, params)
    return [full_lower(o) for o in outs]


def bind1(prim: Primitive, *args: Any, **params: Any) -> Any:
    return bind(prim, args, params)[0]


# --------------------------------------------------------------------------- the interpreter stack


class MainTrace:
    """One active transformation: its level on the stack and the data its tracers share."""

    __slots__ = ("level", "trace_type", "global_data", "active")

    def __init__(self, level: int, trace_type: type, global_data: Any):
        self.level = level
        self.trace_type = trace_type
        self.global_data = global_data
        self.active = True

    def __repr__(self) -> str:
        return f"MainTrace({self.level}, {self.trace_type.__name__})"


class Trace:
    """An interpreter. Subclasses say how to box a lower-level value (``pure``/``lift``)
    and how to interpret a primitive on their tracers."""

    __slots__ = ("main",)

    def __init__(self, main: MainTrace):
        self.main = main

    def pure(self, val: Any) -> "Tracer":
        raise NotImplementedError

    def lift(self, val: "Tracer") -> "Tracer":
        raise NotImplementedError

    def process_primitive(self, prim: Primitive, tracers: list, params: dict) -> list:
        raise NotImplementedError

    def full_raise(self, val: Any) -> Any:
        if not isinstance(val, Tracer):
            return self.pure(val)
        main = val._trace.main
        if main is self.main:
            return val
        if main.level < self.main.level:
            return self.lift(val)
        raise UnexpectedTracerError(_escaped_message(val))


class EvalTrace(Trace):
    """Level 0: run the primitive's NumPy implementation.

    The abstract-eval rule runs first, so bad operands raise the same error eagerly
    as under tracing, and results get exactly the dtype tracing promised.
    """

    def pure(self, val):
        return val

    lift = pure

    def process_primitive(self, prim, values, params):
        avals = prim.abstract_eval(*[get_aval(v) for v in values], **params)
        # Impls take arrays: a Python scalar (from a rule or a literal) becomes one of its dtype.
        values = [np.asarray(v, dtypes.python_scalar_dtype(v)) if type(v) in _PY_SCALARS else v for v in values]
        outs = prim.impl(*values, **params)
        outs = [
            out if type(out) is np.ndarray and out.dtype == aval.dtype else np.asarray(out, aval.dtype)
            for out, aval in zip(outs, avals)
        ]
        if config.debug_nans:
            _check_nans(prim, outs)
        return outs


def _check_nans(prim: Primitive, outs: list) -> None:
    for out in outs:
        if isinstance(out, np.ndarray) and out.dtype.kind in "fc" and np.isnan(out).any():
            raise NaNError(f"invalid value (nan) encountered in primitive {prim.name!r} (config.debug_nans is on)")


class _TraceState(threading.local):
    """The stack of transformations, one per thread: two threads tracing (or one tracing while
    another computes eagerly) never see each other's transformations."""

    def __init__(self) -> None:
        self.stack: list[MainTrace] = [MainTrace(0, EvalTrace, None)]
        self.dynamic: MainTrace = self.stack[0]


_state = _TraceState()


@contextlib.contextmanager
def new_main(trace_type: type, global_data: Any = None) -> Iterator[MainTrace]:
    """Push a transformation on this thread's stack for the duration of a block."""
    stack = _state.stack
    main = MainTrace(len(stack), trace_type, global_data)
    stack.append(main)
    try:
        yield main
    finally:
        stack.pop()
        main.active = False


@contextlib.contextmanager
def new_dynamic(main: MainTrace) -> Iterator[None]:
    """Make ``main`` catch every bind, even those whose arguments are all constants
    (so that a staged program records ``zeros(3)`` instead of computing it)."""
    previous, _state.dynamic = _state.dynamic, main
    try:
        yield
    finally:
        _state.dynamic = previous


def staging() -> bool:
    """Whether this thread is staging a program (``jit``, ``make_jaxpr``): binds are recorded."""
    return _state.dynamic.level > 0


def transforming() -> bool:
    """Whether any transformation is active on this thread (grad, vmap, a staged program...):
    if not, every value is concrete."""
    return len(_state.stack) > 1


def find_top_trace(args: Sequence[Any]) -> Trace:
    top = _state.dynamic
    for arg in args:
        if isinstance(arg, Tracer):
            main = arg._trace.main
            if not main.active:
                raise UnexpectedTracerError(_escaped_message(arg))
            if main.level > top.level:
                top = main
    return top.trace_type(top)


def full_lower(val: Any) -> Any:
    return val.full_lower() if isinstance(val, Tracer) else val


def _escaped_message(tracer: "Tracer") -> str:
    return (
        f"Encountered an unexpected tracer {tracer!r}: a value traced by a transformation "
        f"({tracer._trace.main.trace_type.__name__}) was used after that transformation ended. "
        "This happens when a traced function stores a traced value outside itself (a global, "
        "an attribute, a list in a closure) and it is used later; return it as an output instead."
    )


# --------------------------------------------------------------------------- tracers


class Tracer:
    """A value being interpreted by a transformation. Behaves like an array: the
    operators and methods are installed by ``functrans.numpy``."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    def full_lower(self) -> Any:
        return self

    def to_concrete(self) -> np.ndarray:
        """The concrete value behind this tracer, when the transformation has one."""
        raise ConcretizationError(self._concretization_message("its concrete value"))

    def _concretization_message(self, what: str) -> str:
        return (
            f"Python needed {what} of a traced value ({self.aval.str_short()}), which is only "
            f"known when the transformed function runs, not while it is traced "
            f"({self._trace.main.trace_type.__name__}).{self._provenance()} Use `functrans.lax.cond`, "
            "`lax.switch`, `lax.while_loop` or `functrans.numpy.where` for control flow on traced values, "
            "or mark the argument static with `jit(..., static_argnums=...)` / `static_argnames`."
        )

    def _provenance(self) -> str:
        return ""

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    def __bool__(self) -> bool:
        try:
            value = self.to_concrete()
        except ConcretizationError:
            raise TracerBoolConversionError(self._concretization_message("the truth value")) from None
        return bool(value)

    def _concrete_scalar(self, convert: Callable, what: str) -> Any:
        try:
            value = self.to_concrete()
        except ConcretizationError:
            raise ConcretizationError(self._concretization_message(what)) from None
        return convert(value)

    def __int__(self) -> int:
        return self._concrete_scalar(int, "an int")

    def __float__(self) -> float:
        return self._concrete_scalar(float, "a float")

    def __complex__(self) -> complex:
        return self._concrete_scalar(complex, "a complex")

    def __index__(self) -> int:
        if not dtypes.is_integer(self.dtype) and self.dtype != dtypes.bool_:
            raise TypeError(f"only integer arrays can be used as an index, got {self.aval.str_short()}")
        return self._concrete_scalar(lambda v: int(np.asarray(v)), "an integer index")

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        value = np.asarray(self._concrete_scalar(np.asarray, "a NumPy array"))
        return value if dtype is None else value.astype(dtype)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __hash__(self):
        raise TypeError(f"unhashable type: traced array ({self.aval.str_short()}); use static_argnums for hashable inputs")

    def __repr__(self) -> str:
        return f"Traced<{self.aval.str_short()}>with<{type(self._trace).__name__}>"


def concrete_or_error(x: Any, what: str = "a concrete value") -> np.ndarray:
    """``x`` as a NumPy value, or a ConcretizationError naming ``what`` it was needed for."""
    if isinstance(x, Tracer):
        return np.asarray(x._concrete_scalar(np.asarray, what))
    return np.asarray(x)


def is_concrete(x: Any) -> bool:
    if not isinstance(x, Tracer):
        return True
    try:
        x.to_concrete()
        return True
    except ConcretizationError:
        return False
