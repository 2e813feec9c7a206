"""The Numba backend: a closed jaxpr becomes one generated, cached Numba function."""
from .compiler import Compiled, compile_jaxpr, execute, prepare_args
