"""W4: per-call overhead of a compiled function on tiny inputs (the dispatch path).

    W4 array: jit(lambda x: x*2.0 + 1.0) on a 3-element float64 array
    W4 dict : jit(lambda d: {k: v*2.0 + 1.0 for k, v in d.items()}) on a dict of ten
              3-element float64 arrays

Measured: the median wall time of one call, in a tight loop (the loop's own cost,
a Python call of a ``functools.partial`` or lambda, ~30-60 ns, is included in
every row).

Rows:
  numpy               the lambda itself, uncompiled
  numba               @njit with an explicit loop; for the dict, a hand-written
                      wrapper passes a tuple of the values to one @njit call and
                      rebuilds the dict (the floor for functrans's flatten/unflatten)
  functrans           ft.jit of the lambda (NumPy arrays in and out)
  jax                 jax.jit on JAX arrays (device-resident inputs), block_until_ready
  jax (NumPy in/out)  jax.jit called with NumPy arrays, result turned into NumPy
                      (np.asarray): functrans's own contract, for comparison
  torch               the lambda, eager, on tensors
"""

from __future__ import annotations

import functools
import sys

import numpy as np

import _harness as H

KEYS = tuple(f"w{i}" for i in range(10))
REFERENCE_ARRAY = "JAX 4.8-5.1 us; raw Numba 0.61 us"
REFERENCE_DICT = "JAX 22 us"


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(3), {k: rng.standard_normal(3) for k in KEYS}


def f_array(x):
    return x * 2.0 + 1.0


def f_dict(d):
    return {k: v * 2.0 + 1.0 for k, v in d.items()}


numba, njit = H.numba_and_njit()


@njit
def numba_axpb(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = x[i] * 2.0 + 1.0
    return out


@njit
def numba_axpb10(t):
    return (numba_axpb(t[0]), numba_axpb(t[1]), numba_axpb(t[2]), numba_axpb(t[3]),
            numba_axpb(t[4]), numba_axpb(t[5]), numba_axpb(t[6]), numba_axpb(t[7]),
            numba_axpb(t[8]), numba_axpb(t[9]))


def numba_dict(d):
    return dict(zip(d.keys(), numba_axpb10(tuple(d.values()))))


def _need_numba():
    if numba is None:
        raise ImportError("No module named 'numba'")


def build_functrans(fun, arg):
    ft = H.import_functrans()
    return functools.partial(ft.jit(fun), arg)


def build_jax(fun, arg, numpy_io=False):
    jax = H.import_jax(x64=True)
    f = jax.jit(fun)
    if numpy_io:
        return lambda: jax.tree_util.tree_map(np.asarray, f(arg))
    a = jax.device_put(arg)
    return lambda: jax.block_until_ready(f(a))


def build_torch(fun, arg):
    torch = H.import_torch()
    if isinstance(arg, dict):
        targ = {k: torch.from_numpy(v) for k, v in arg.items()}
    else:
        targ = torch.from_numpy(arg)
    return functools.partial(fun, targ)


def run() -> list[H.Case]:
    x, d = make_data()
    cases = []
    for key, title, ref, fun, arg, nb in (
            ("W4 array", "call overhead, jit(lambda x: x*2.0+1.0), 3-element f64",
             REFERENCE_ARRAY, f_array, x, numba_axpb),
            ("W4 dict", "call overhead, same on a dict of 10 3-element f64 arrays",
             REFERENCE_DICT, f_dict, d, numba_dict)):
        case = H.Case(key, title, ref, dtype="float64")
        case.add("numpy", lambda: functools.partial(fun, arg), reference=True)
        case.add("numba", lambda: (_need_numba(), functools.partial(nb, arg))[1])
        case.add("functrans", lambda: build_functrans(fun, arg))
        case.add("jax", lambda: build_jax(fun, arg))
        case.add("jax (NumPy in/out)", lambda: build_jax(fun, arg, numpy_io=True))
        case.add("torch", lambda: build_torch(fun, arg))
        cases.append(case)
    return cases


if __name__ == "__main__":
    H.setup(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
