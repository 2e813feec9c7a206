"""The decorator of the Numba kernels that generated programs call (``backend.kernels``,
``backend.kernels_linalg``, ``lax._special_kernels``): one compile per argument type."""
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
