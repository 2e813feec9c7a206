"""Tracing controls, as JAX's: ``disable_jit`` (jitted functions run as plain Python),
``ensure_compile_time_eval`` (computations on concrete values inside a trace run now),
``named_scope`` and ``named_call`` (names for parts of a program).

``jit`` (``functrans.dispatch``) reads ``jit_disabled()`` on its slow path only: entering
``disable_jit`` empties jit's fast paths (the ``on_disable_jit`` listeners), and while any
thread is inside one no fast path is installed, so a call never skips the check.
"""
from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable, Iterator, TypeVar

from . import core

F = TypeVar("F", bound=Callable)


class _Local(threading.local):
    jit_disabled = False


_local = _Local()
_disabling = 0  # contexts (in any thread) that disable jit now
_count_lock = threading.Lock()
on_disable_jit: list[Callable[[], None]] = []


def jit_disabled() -> bool:
    """Whether this thread is inside ``disable_jit()``."""
    return _local.jit_disabled


def jit_disabled_anywhere() -> bool:
    """Whether some thread is inside ``disable_jit()`` now (so no fast path may be installed)."""
    return _disabling > 0


@contextlib.contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Within this block, jitted functions run as plain Python, op by op (Python ``print``
    shows values, a debugger can step in); ``disable_jit(False)`` turns jit back on inside.

    >>> import numpy as np, functrans as ft
    >>> @ft.jit
    ... def f(x):
    ...     print("running with", x)
    ...     return x + 1
    >>> with disable_jit():
    ...     f(np.arange(2.0))
    running with [0. 1.]
    array([1., 2.])
    """
    global _disabling
    previous, _local.jit_disabled = _local.jit_disabled, bool(disable)
    with _count_lock:
        _disabling += bool(disable)
    if disable:
        for forget in on_disable_jit:
            forget()
    try:
        yield
    finally:
        _local.jit_disabled = previous
        with _count_lock:
            _disabling -= bool(disable)


@contextlib.contextmanager
def ensure_compile_time_eval() -> Iterator[None]:
    """Within this block, operations whose operands are all concrete run now, even inside
    ``jit`` (where they would be staged into the program): their results are NumPy arrays,
    usable in Python control flow. Operations on traced values are still traced.

    >>> import numpy as np, functrans as ft, functrans.numpy as fnp
    >>> @ft.jit
    ... def f(x):
    ...     with ensure_compile_time_eval():
    ...         n = fnp.arange(4).sum()  # concrete: a NumPy value
    ...     return x * int(n)
    >>> f(np.array(2.0))
    array(12.)
    """
    with core.new_dynamic(core._state.stack[0]):  # the eval trace at the bottom of this thread's stack
        yield


@contextlib.contextmanager
def named_scope(name: str) -> Iterator[None]:
    """Name the operations traced within this block (an annotation only: functrans keeps no
    name stack, so programs are unchanged).

    >>> with named_scope("layer1"):
    ...     pass
    """
    if not isinstance(name, str):
        raise TypeError("named_scope name argument must be a string.")
    yield


def named_call(fun: F, *, name: str | None = None) -> F:
    """``fun`` under the name ``name`` (``fun.__name__`` by default): the name it has in traces
    and error messages.

    >>> named_call(lambda x: x + 1, name="increment").__name__
    'increment'
    """
    name = fun.__name__ if name is None else name

    @functools.wraps(fun)
    def named(*args: Any, **kwargs: Any) -> Any:
        return fun(*args, **kwargs)

    named.__name__ = named.__qualname__ = name
    return named  # type: ignore[return-value]


__all__ = ["disable_jit", "ensure_compile_time_eval", "named_call", "named_scope"]
