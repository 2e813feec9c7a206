"""The Numba backend: a closed jaxpr becomes one generated, cached Numba function.

It is the impl of the ``jit`` primitive: evaluating a staged ``jit`` call (outside any
transformation, or under ``grad(jit(f))``) compiles and runs its jaxpr.
"""
from ..lax.call import jit_p
from .compiler import Compiled, compile_jaxpr, execute, prepare_args

jit_p.def_impl(lambda *args, jaxpr, name: execute(jaxpr, args))
