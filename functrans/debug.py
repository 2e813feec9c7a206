"""Debugging from inside transformed and compiled code, as ``jax.debug``: ``callback`` calls
a Python function with the runtime values, ``print`` formats and prints them,
``breakpoint`` stops in the debugger with them.

They run when the program runs (compiled code calls back into Python, see
``functrans.callbacks``), in program order; under ``vmap`` once per batch element (each
call sees that element's values), under ``grad``/``jvp`` once, with the primal values.
"""
from __future__ import annotations

import builtins
import string
import sys
from typing import Any, Callable

import numpy as np

from . import core
from .callbacks import debug_callback
from .tree_util import tree_flatten, tree_unflatten


def _split_static(args: tuple, kwargs: dict) -> tuple[list, Callable[[list], tuple]]:
    """The array leaves of ``(args, kwargs)``, and how to rebuild them from their values (the
    other leaves, strings or None say, are kept as they are)."""
    leaves, tree = tree_flatten((args, kwargs))
    dynamic = [core.is_valid_value(x) for x in leaves]

    def rebuild(values: list) -> tuple:
        it = iter(values)
        return tree_unflatten(tree, [next(it) if d else x for x, d in zip(leaves, dynamic)])

    return [x for x, d in zip(leaves, dynamic) if d], rebuild


def callback(callback: Callable[..., None], *args: Any, ordered: bool = False, partitioned: bool = False, **kwargs: Any) -> None:
    """Call ``callback(*args, **kwargs)`` for its side effect, with the values the program
    computes (NumPy arrays), also from ``jit``-compiled code at run time. Calls run in
    program order (``ordered`` is accepted for JAX's sake: they always are).

    >>> import numpy as np, functrans as ft
    >>> seen = []
    >>> def f(x):
    ...     callback(seen.append, x * 2)
    ...     return x
    >>> _ = ft.vmap(f)(np.arange(2.0))
    >>> seen
    [array(0.), array(2.)]
    """
    values, rebuild = _split_static(args, kwargs)

    def call(*flat: Any) -> None:
        call_args, call_kwargs = rebuild(list(flat))
        callback(*call_args, **call_kwargs)

    debug_callback(call, values, getattr(callback, "__name__", type(callback).__name__))


def _check_format(fmt: str, args: tuple, kwargs: dict) -> None:
    automatic = 0
    for _, field, _, _ in string.Formatter().parse(fmt):
        if field is None:
            continue
        key = field.split(".")[0].split("[")[0]
        if key == "":
            key, automatic = automatic, automatic + 1
        elif key.isdigit():
            key = int(key)
        if (isinstance(key, int) and key >= len(args)) or (isinstance(key, str) and key not in kwargs):
            raise ValueError(f"debug.print: the format string {fmt!r} refers to {field or '{}'!r}, "
                             f"but was given {len(args)} positional and {sorted(kwargs)} keyword arguments")


def print(fmt: str, *args: Any, ordered: bool = False, partitioned: bool = False, skip_format_check: bool = False,
          **kwargs: Any) -> None:
    """Print ``fmt.format(*args, **kwargs)`` with the values the program computes, also from
    ``jit``-compiled code at run time (where Python's ``print`` would show tracers).

    >>> import numpy as np, functrans as ft
    >>> def f(x):
    ...     print("x = {}, sum = {s}", x, s=x.sum())
    ...     return x + 1
    >>> _ = ft.grad(lambda x: f(x).sum())(np.array([1.0, 2.0]))
    x = [1. 2.], sum = 3.0
    """
    if not skip_format_check:
        _check_format(fmt, args, kwargs)

    def show(*call_args: Any, **call_kwargs: Any) -> None:
        builtins.print(fmt.format(*call_args, **call_kwargs))

    callback(show, *args, **kwargs)


def breakpoint(*, backend: str | None = None, filter_frames: bool = True, num_frames: int | None = None, ordered: bool = False,
               token: Any = None, **kwargs: Any) -> None:
    """Enter Python's debugger (``sys.breakpointhook``: pdb unless ``PYTHONBREAKPOINT`` says
    otherwise) when the program reaches this point, also from compiled code, with the calling
    function's array variables at their runtime values in the debugger's local ``values``
    (a dict by name). Under ``vmap``, once per batch element.

    >>> import sys, numpy as np, functrans as ft
    >>> def hook():
    ...     __import__("builtins").print(sys._getframe(1).f_locals["values"])
    >>> sys.breakpointhook, saved = hook, sys.breakpointhook
    >>> def f(x):
    ...     y = x * 2.0
    ...     breakpoint()
    ...     return y
    >>> _ = f(np.array(1.0))
    {'x': array(1.), 'y': array(2.)}
    >>> sys.breakpointhook = saved
    """
    caller = sys._getframe(1).f_locals
    names = [name for name, value in caller.items() if isinstance(value, (np.ndarray, np.generic, core.Tracer))]

    def stop(*arrays: Any) -> None:
        values = dict(zip(names, arrays))  # noqa: F841 -- what the debugger shows
        sys.breakpointhook()

    callback(stop, *[caller[name] for name in names])


__all__ = ["breakpoint", "callback", "print"]
