"""The Numba backend: lowers closed jaxprs to compiled functions."""
from ..ir import ClosedJaxpr, eval_jaxpr


def execute(closed: ClosedJaxpr, args):
    """Run a jit-compiled program on concrete arguments."""
    return eval_jaxpr(closed.jaxpr, closed.consts, args)
