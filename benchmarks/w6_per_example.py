"""W6: per-example gradients of logistic regression, float32:
``jit(vmap(grad(logistic_loss), in_axes=(None, 0, 0)))`` with params w (100,),
inputs x (128, 100), labels y (128,) in {0, 1}:

    logistic_loss(w, x_i, y_i) = log(1 + exp(z)) - y_i z,   z = x_i . w
    d/dw = (sigmoid(z) - y_i) x_i          -> a (128, 100) array

Measured: the median wall time of one call, after checking every implementation
against the hand-derived NumPy formula.  Rows: numpy (the formula, vectorised),
numba (np.dot, then the formula in explicit loops), functrans and jax
(``jit(vmap(grad(loss)))``, the loss written with ``logaddexp(0, z)``), torch
(eager ``torch.func.vmap(torch.func.grad(loss))`` with ``softplus``).  Small work:
mostly dispatch and per-op overhead.
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H

BATCH, FEATURES = 128, 100
REFERENCE = "JAX 10-13 us"


def make_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    w = (0.1 * rng.standard_normal(FEATURES)).astype(np.float32)
    x = rng.standard_normal((BATCH, FEATURES)).astype(np.float32)
    y = rng.integers(0, 2, BATCH).astype(np.float32)
    return w, x, y


def numpy_per_example_grads(w, x, y):
    s = 1 / (1 + np.exp(-(x @ w)))
    return (s - y)[:, None] * x


numba, njit = H.numba_and_njit()

_ONE = np.float32(1.0)


@njit
def numba_per_example_grads(w, x, y):
    B, F = x.shape
    z = np.dot(x, w)
    out = np.empty_like(x)
    for i in range(B):
        r = _ONE / (_ONE + np.exp(-z[i])) - y[i]
        for j in range(F):
            out[i, j] = r * x[i, j]
    return out


def build_numba(w, x, y):
    if numba is None:
        raise ImportError("No module named 'numba'")
    return lambda: numba_per_example_grads(w, x, y)


def build_functrans(w, x, y):
    ft = H.import_functrans()
    import functrans.numpy as fnp

    def logistic_loss(w, x, y):
        z = fnp.dot(x, w)
        return fnp.logaddexp(0.0, z) - y * z

    f = ft.jit(ft.vmap(ft.grad(logistic_loss), in_axes=(None, 0, 0)))
    return lambda: f(w, x, y)


def build_jax(w, x, y):
    jax = H.import_jax(x64=False)
    import jax.numpy as jnp

    def logistic_loss(w, x, y):
        z = jnp.dot(x, w)
        return jnp.logaddexp(0.0, z) - y * z

    f = jax.jit(jax.vmap(jax.grad(logistic_loss), in_axes=(None, 0, 0)))
    args = jax.device_put((w, x, y))
    return lambda: f(*args).block_until_ready()


def build_torch(w, x, y):
    torch = H.import_torch()
    from torch.func import grad, vmap

    def logistic_loss(w, x, y):
        z = torch.dot(x, w)
        return torch.nn.functional.softplus(z) - y * z

    f = vmap(grad(logistic_loss), in_dims=(None, 0, 0))
    args = tuple(torch.from_numpy(a) for a in (w, x, y))
    return lambda: f(*args)


def run() -> list[H.Case]:
    w, x, y = make_data()
    case = H.Case("W6", "jit(vmap(grad(logistic_loss), in_axes=(None,0,0))), 128x100 f32",
                  REFERENCE, dtype="float32")
    case.add("numpy", lambda: (lambda: numpy_per_example_grads(w, x, y)), reference=True)
    case.add("numba", lambda: build_numba(w, x, y))
    case.add("functrans", lambda: build_functrans(w, x, y))
    case.add("jax", lambda: build_jax(w, x, y))
    case.add("torch", lambda: build_torch(w, x, y))
    return [case]


if __name__ == "__main__":
    H.setup(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
