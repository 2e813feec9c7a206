"""W2: the gradient of an elementwise-heavy scalar function on 1e6 float64 values:

    f(x) = sum(tanh(sin(x)*x + exp(-x*x)) * cos(x) + log1p(x*x))

Measured: the median wall time of ``grad(f)(x)`` compiled (``jit(grad(f))``), after
checking every implementation against the hand-derived NumPy gradient

    u = sin(x)*x + exp(-x^2),  t = tanh(u)
    f'(x) = (1 - t^2) * (x cos x + sin x - 2x exp(-x^2)) * cos x - t sin x + 2x / (1 + x^2)

Rows: numpy (the formula above, whole-array ufuncs), numba (the formula in one
explicit serial loop of scalar libm calls), functrans and jax (``jit(grad(f))``),
torch (eager autograd, ``torch.autograd.grad``).  This is a fusion benchmark: an
unfused forward+backward reads and writes ~20 arrays of 8 MB.
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H

N = 1_000_000
REFERENCE = "JAX 11.4 ms"


def make_data(seed: int = 0):
    return 2.0 * np.random.default_rng(seed).standard_normal(N)


def numpy_grad(x):
    s, c = np.sin(x), np.cos(x)
    e = np.exp(-x * x)
    t = np.tanh(s * x + e)
    return (1.0 - t * t) * (x * c + s - 2.0 * x * e) * c - t * s + 2.0 * x / (1.0 + x * x)


numba, njit = H.numba_and_njit()


@njit
def numba_grad(x):
    out = np.empty_like(x)
    for i in range(x.size):
        xi = x[i]
        s, c = np.sin(xi), np.cos(xi)
        e = np.exp(-xi * xi)
        t = np.tanh(s * xi + e)
        out[i] = (1.0 - t * t) * (xi * c + s - 2.0 * xi * e) * c - t * s + 2.0 * xi / (1.0 + xi * xi)
    return out


def build_numba(x):
    if numba is None:
        raise ImportError("No module named 'numba'")
    return lambda: numba_grad(x)


def build_functrans(x):
    ft = H.import_functrans()
    import functrans.numpy as fnp

    def f(x):
        return fnp.sum(fnp.tanh(fnp.sin(x) * x + fnp.exp(-x * x)) * fnp.cos(x) + fnp.log1p(x * x))

    g = ft.jit(ft.grad(f))
    return lambda: g(x)


def build_jax(x):
    jax = H.import_jax(x64=True)
    import jax.numpy as jnp

    def f(x):
        return jnp.sum(jnp.tanh(jnp.sin(x) * x + jnp.exp(-x * x)) * jnp.cos(x) + jnp.log1p(x * x))

    g = jax.jit(jax.grad(f))
    xj = jax.device_put(x)
    return lambda: g(xj).block_until_ready()


def build_torch(x):
    torch = H.import_torch()
    xt = torch.from_numpy(x.copy()).requires_grad_()

    def grad():
        f = (torch.tanh(torch.sin(xt) * xt + torch.exp(-xt * xt)) * torch.cos(xt)
             + torch.log1p(xt * xt)).sum()
        (g,) = torch.autograd.grad(f, xt)
        return g
    return grad


def run() -> list[H.Case]:
    x = make_data()
    case = H.Case("W2", "jit(grad(f)), f = sum(tanh(sin(x)*x+exp(-x*x))*cos(x)+log1p(x*x)), 1e6 f64",
                  REFERENCE, dtype="float64")
    case.add("numpy", lambda: (lambda: numpy_grad(x)), reference=True)
    case.add("numba", lambda: build_numba(x))
    case.add("functrans", lambda: build_functrans(x))
    case.add("jax", lambda: build_jax(x))
    case.add("torch", lambda: build_torch(x))
    return [case]


if __name__ == "__main__":
    H.setup(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
