"""W3: the dense Hessian of the Rosenbrock function at 200 dimensions, float64.

    f(x) = sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)

Measured: the median wall time of ``jit(hessian(f))(x)`` -> a (200, 200) array,
after checking every implementation against the hand-derived tridiagonal Hessian
(the same as ``scipy.optimize.rosen_hess``):

    H[i, i]   = 1200 x_i^2 - 400 x_{i+1} + 2   (i < n-1),  plus 200 for i > 0
    H[i, i+1] = H[i+1, i] = -400 x_i

Rows: numpy (the formula, fancy-index writes into np.zeros), numba (the formula in
a loop), functrans and jax (``jit(hessian(f))``, i.e. jacfwd(jacrev(f))), torch
(eager ``torch.func.hessian``).  The work is tiny (40 000 outputs), so this is
mostly per-call and per-op overhead; DESIGN.md notes it runs faster on one thread.
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H

N = 200
REFERENCE = "JAX 76-80 us"


def make_data(seed: int = 0):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, N)


def numpy_hessian(x):
    n = x.size
    Hm = np.zeros((n, n))
    i = np.arange(n - 1)
    d = np.zeros(n)
    d[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    d[1:] += 200.0
    Hm[np.arange(n), np.arange(n)] = d
    off = -400.0 * x[:-1]
    Hm[i, i + 1] = off
    Hm[i + 1, i] = off
    return Hm


numba, njit = H.numba_and_njit()


@njit
def numba_hessian(x):
    n = x.size
    Hm = np.zeros((n, n))
    for i in range(n - 1):
        Hm[i, i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0
        Hm[i + 1, i + 1] += 200.0
        Hm[i, i + 1] = -400.0 * x[i]
        Hm[i + 1, i] = -400.0 * x[i]
    return Hm


def build_numba(x):
    if numba is None:
        raise ImportError("No module named 'numba'")
    return lambda: numba_hessian(x)


def build_functrans(x):
    ft = H.import_functrans()
    import functrans.numpy as fnp

    def rosenbrock(x):
        return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    h = ft.jit(ft.hessian(rosenbrock))
    return lambda: h(x)


def build_jax(x):
    jax = H.import_jax(x64=True)
    import jax.numpy as jnp

    def rosenbrock(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    h = jax.jit(jax.hessian(rosenbrock))
    xj = jax.device_put(x)
    return lambda: h(xj).block_until_ready()


def build_torch(x):
    torch = H.import_torch()
    from torch.func import hessian

    def rosenbrock(x):
        return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()

    h = hessian(rosenbrock)
    xt = torch.from_numpy(x.copy())
    return lambda: h(xt)


def run() -> list[H.Case]:
    x = make_data()
    case = H.Case("W3", "jit(hessian(rosenbrock)), 200 dims, f64", REFERENCE, dtype="float64")
    case.add("numpy", lambda: (lambda: numpy_hessian(x)), reference=True)
    case.add("numba", lambda: build_numba(x))
    case.add("functrans", lambda: build_functrans(x))
    case.add("jax", lambda: build_jax(x))
    case.add("torch", lambda: build_torch(x))
    return [case]


if __name__ == "__main__":
    H.setup(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
