"""The decorator of the Numba kernels that generated programs call (``backend.kernels``,
``backend.kernels_linalg``, ``lax._special_kernels``): one compile per argument type, kept
in Numba's disk cache. Also here: ``inlined_by_llvm``, which marks a compiled function for
LLVM to inline at its call sites (Numba types it once instead of at every call), and
plain error messages for Numba (its default scheme costs compile time, see below)."""
from __future__ import annotations

from typing import Any, Callable

import numba
from numba.core import config as numba_config
from numba.core import errors as numba_errors
from numba.core import types

OPTIONS = dict(cache=True, error_model="numpy", nogil=True)


class _PlainMessages(numba_errors._DummyColorScheme):
    """Numba's messages as they are. With colorama installed, Numba's default scheme
    ("no_color") still wraps every message it formats in colorama's init/deinit, which
    rewraps sys.stdout and sys.stderr each time; overload resolution formats thousands of
    messages it then discards (4259 in a small MLP's compile), and that cost 0.2-0.5 s.
    """

    def code(self, msg: str) -> str:
        return msg

    errmsg = filename = indicate = highlight = reset = code


if numba_config.COLOR_SCHEME == "no_color":  # a scheme the user chose is left alone
    numba_errors._termcolor_inst = _PlainMessages()


def kernel(py_func: Callable) -> Any:
    """``py_func`` compiled with ``OPTIONS``, once per argument *type*, kept in Numba's disk cache.

    Called from compiled code, a Numba function is specialised on the values of its integer
    literal arguments (``Literal[int](128)``), and generated programs pass shapes and strides
    as literals: every new shape compiled the kernel again (W1's step: eight compiles of its
    matmul kernel, 3.9 s, and more for each new layer width). Here the call site's literals
    are typed as their plain types.
    """
    dispatcher = numba.njit(**OPTIONS)(py_func)
    call_template = dispatcher.get_call_template

    def unliteral_call_template(args: tuple, kws: dict) -> Any:
        return call_template(tuple(types.unliteral(a) for a in args), {k: types.unliteral(v) for k, v in kws.items()})

    dispatcher.get_call_template = unliteral_call_template
    return dispatcher


def inlined_by_llvm(dispatcher: Any, keep_out: str | None = None) -> Any:
    """``dispatcher`` with the functions each of its overloads brings into its callers marked
    ``alwaysinline`` (all but those whose symbol contains ``keep_out``).

    For functions called inside loops (fast-math) or whose arguments are constants at the call
    site (arena views): every call site must be inlined, or the loop around it does not
    vectorise and the constants do not propagate; left to LLVM's heuristics, a function called
    from two loops of one program was not inlined (an MLP step with two tanh layers took 2.1 ms
    instead of 1.6). Numba's own ``inline="always"`` copies the body's Numba IR into each caller
    and types it again there, which was 40% of a program's compile time; LLVM's inliner copies
    the typed, optimised body instead. The mark is set on the module Numba links into callers,
    before Numba saves it to the disk cache, so loaded overloads carry it too.
    """
    add_overload = dispatcher.add_overload

    def add_marked_overload(cres: Any) -> None:
        for fn in cres.library._get_module_for_linking().functions:
            # Not the Python-object wrappers.
            if not (fn.is_declaration or fn.name.startswith(("cpython.", "cfunc.")) or (keep_out and keep_out in fn.name)):
                fn.add_function_attribute("alwaysinline")
        add_overload(cres)

    dispatcher.add_overload = add_marked_overload
    return dispatcher
