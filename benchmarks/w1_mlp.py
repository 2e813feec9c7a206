"""W1: one training step of an MLP 784-512-512-10 (tanh, softmax cross-entropy),
batch 128, float32: loss and gradients (``value_and_grad``) plus an SGD update, all in
one compiled call where the library compiles.

Measured: the median wall time of ``step(params, x, y) -> (loss, new_params)`` with
fixed inputs (every call does the same work), after checking that every
implementation returns the NumPy row's loss and updated parameters.

Rows:
  numpy                 hand-written forward and backward pass (np.tanh, @)
  numba                 hand-written, one @njit call: np.dot for the 8 matmuls, explicit
                        loops for the rest, tanh as a clamped rational polynomial (Eigen's
                        float tanh, ~2 ulp): Numba's np.tanh is a scalar libm call that
                        blocks vectorisation (DESIGN.md)
  numba (libm tanh)     the same kernel with np.tanh
  functrans             ft.jit of value_and_grad + tree_map SGD, written with functrans.numpy
  jax                   the same program with jax.numpy
  torch                 eager autograd (torch.autograd.grad) + SGD under no_grad

W5 (first-call latency) imports this module and uses the same builders.
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H

BATCH, SIZES, LR = 128, (784, 512, 512, 10), 0.1
REFERENCE = "JAX 2.7-3.3 ms"


def make_data(seed: int = 0):
    """params = ((W1, b1), (W2, b2), (W3, b3)); x (128, 784) in [0, 1); y one-hot (128, 10)."""
    rng = np.random.default_rng(seed)
    params = tuple(
        ((rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32),
         (0.1 * rng.standard_normal(n)).astype(np.float32))
        for m, n in zip(SIZES[:-1], SIZES[1:]))
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    return params, x, y


# ---------------------------------------------------------------------------
# 1. NumPy, gradients by hand
# ---------------------------------------------------------------------------

def numpy_step(params, x, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    B = x.shape[0]
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -(y * logp).sum() / B
    # backward
    dlogits = (np.exp(logp) * y.sum(axis=1, keepdims=True) - y) / B
    dz2 = (dlogits @ W3.T) * (1 - h2 * h2)
    dz1 = (dz2 @ W2.T) * (1 - h1 * h1)
    grads = ((x.T @ dz1, dz1.sum(0)), (h1.T @ dz2, dz2.sum(0)), (h2.T @ dlogits, dlogits.sum(0)))
    new = tuple((W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, grads))
    return loss, new


def build_numpy(params, x, y):
    return lambda: numpy_step(params, x, y)


# ---------------------------------------------------------------------------
# 2. Numba, gradients by hand (module-level kernels so that cache=True works)
# ---------------------------------------------------------------------------

try:
    import numba
    njit = numba.njit(cache=True, error_model="numpy")
except ImportError:  # the numba rows then report n/a
    numba = None

    def njit(f):
        return f

_F1 = np.float32(1.0)
_TANH_CLAMP = np.float32(7.90531110763549805)
_A1, _A3, _A5, _A7 = (np.float32(v) for v in (4.89352455891786e-03, 6.37261928875436e-04,
                                              1.48572235717979e-05, 5.12229709037114e-08))
_A9, _A11, _A13 = (np.float32(v) for v in (-8.60467152213735e-11, 2.00018790482477e-13,
                                           -2.76076847742355e-16))
_B0, _B2, _B4, _B6 = (np.float32(v) for v in (4.89352518554385e-03, 2.26843463243900e-03,
                                              1.18534705686654e-04, 1.19825839466702e-06))


@njit
def _tanh_rational(v):
    """float32 tanh as Eigen computes it: clamp, then an odd 13/6 rational polynomial."""
    if v > _TANH_CLAMP:
        v = _TANH_CLAMP
    elif v < -_TANH_CLAMP:
        v = -_TANH_CLAMP
    v2 = v * v
    p = v2 * _A13 + _A11
    p = p * v2 + _A9
    p = p * v2 + _A7
    p = p * v2 + _A5
    p = p * v2 + _A3
    p = p * v2 + _A1
    q = v2 * _B6 + _B4
    q = q * v2 + _B2
    q = q * v2 + _B0
    return v * p / q


@njit
def _dense_tanh_rational(x, W, b):
    z = np.dot(x, W)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = _tanh_rational(z[i, j] + b[j])
    return z


@njit
def _dense_tanh_libm(x, W, b):
    z = np.dot(x, W)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = np.tanh(z[i, j] + b[j])
    return z


@njit
def _col_sum(a):
    out = np.zeros(a.shape[1], a.dtype)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]
    return out


@njit
def _tanh_backward(d, h):
    """d *= 1 - h**2, in place (d is a fresh np.dot result)."""
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            d[i, j] *= _F1 - h[i, j] * h[i, j]
    return d


@njit
def _sgd(p, g, lr):
    out = np.empty_like(p)
    pf, gf, of = p.reshape(p.size), g.reshape(g.size), out.reshape(out.size)
    for k in range(pf.size):
        of[k] = pf[k] - lr * gf[k]
    return out


@njit
def _head_backward_sgd(W1, b1, W2, b2, W3, b3, x, y, h1, h2, lr):
    """Logits, softmax cross-entropy, backward pass and SGD update given h1, h2."""
    B, C = x.shape[0], W3.shape[1]
    logits = np.dot(h2, W3)
    dlogits = np.empty_like(logits)
    inv_b = np.float32(1.0 / B)
    loss = 0.0
    for i in range(B):
        m = logits[i, 0] + b3[0]
        for j in range(C):
            m = max(m, logits[i, j] + b3[j])
        s = np.float32(0.0)
        ysum = np.float32(0.0)
        for j in range(C):
            logits[i, j] = logits[i, j] + b3[j] - m
            s += np.exp(logits[i, j])
            ysum += y[i, j]
        lse = np.log(s)
        for j in range(C):
            logp = logits[i, j] - lse
            loss -= y[i, j] * logp
            dlogits[i, j] = (np.exp(logp) * ysum - y[i, j]) * inv_b
    dz2 = _tanh_backward(np.dot(dlogits, W3.T), h2)
    dz1 = _tanh_backward(np.dot(dz2, W2.T), h1)
    return (np.float32(loss / B),
            _sgd(W1, np.dot(x.T, dz1), lr), _sgd(b1, _col_sum(dz1), lr),
            _sgd(W2, np.dot(h1.T, dz2), lr), _sgd(b2, _col_sum(dz2), lr),
            _sgd(W3, np.dot(h2.T, dlogits), lr), _sgd(b3, _col_sum(dlogits), lr))


@njit
def numba_step_rational(W1, b1, W2, b2, W3, b3, x, y, lr):
    h1 = _dense_tanh_rational(x, W1, b1)
    h2 = _dense_tanh_rational(h1, W2, b2)
    return _head_backward_sgd(W1, b1, W2, b2, W3, b3, x, y, h1, h2, lr)


@njit
def numba_step_libm(W1, b1, W2, b2, W3, b3, x, y, lr):
    h1 = _dense_tanh_libm(x, W1, b1)
    h2 = _dense_tanh_libm(h1, W2, b2)
    return _head_backward_sgd(W1, b1, W2, b2, W3, b3, x, y, h1, h2, lr)


def build_numba(params, x, y, tanh="rational"):
    if numba is None:
        raise ImportError("No module named 'numba'")
    H.limit_threads()
    kernel = numba_step_rational if tanh == "rational" else numba_step_libm
    (W1, b1), (W2, b2), (W3, b3) = params
    lr = np.float32(LR)

    def step():
        loss, *new = kernel(W1, b1, W2, b2, W3, b3, x, y, lr)
        return np.float32(loss), ((new[0], new[1]), (new[2], new[3]), (new[4], new[5]))
    return step


# ---------------------------------------------------------------------------
# 3. functrans, as a user writes it
# ---------------------------------------------------------------------------

def make_loss(xnp):
    """W1's loss written with ``xnp``, functrans.numpy or jax.numpy (W10 uses both)."""

    def loss(params, x, y):
        (W1, b1), (W2, b2), (W3, b3) = params
        h = xnp.tanh(x @ W1 + b1)
        h = xnp.tanh(h @ W2 + b2)
        logits = h @ W3 + b3
        z = logits - xnp.max(logits, axis=1, keepdims=True)
        logp = z - xnp.log(xnp.sum(xnp.exp(z), axis=1, keepdims=True))
        return -xnp.sum(y * logp) / x.shape[0]

    return loss


def functrans_loss(params, x, y):
    """W1's loss with functrans.numpy."""
    import functrans.numpy as fnp  # here: H.import_functrans puts the working tree's first

    return make_loss(fnp)(params, x, y)


def build_functrans(params, x, y):
    ft = H.import_functrans()
    import functrans.tree_util

    @ft.jit
    def step(params, x, y):
        value, grads = ft.value_and_grad(functrans_loss)(params, x, y)
        return value, functrans.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    return lambda: step(params, x, y)


# ---------------------------------------------------------------------------
# 4. JAX
# ---------------------------------------------------------------------------

def build_jax(params, x, y):
    jax = H.import_jax(x64=False)
    import jax.numpy as jnp

    loss = make_loss(jnp)

    @jax.jit
    def step(params, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)

    args = jax.device_put((params, x, y))
    return lambda: jax.block_until_ready(step(*args))


# ---------------------------------------------------------------------------
# 5. PyTorch, eager autograd
# ---------------------------------------------------------------------------

def build_torch(params, x, y):
    torch = H.import_torch()
    flat = [torch.from_numpy(a.copy()).requires_grad_() for layer in params for a in layer]
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        W1, b1, W2, b2, W3, b3 = flat
        h = torch.tanh(tx @ W1 + b1)
        h = torch.tanh(h @ W2 + b2)
        logp = torch.log_softmax(h @ W3 + b3, dim=1)
        loss = -(ty * logp).sum() / tx.shape[0]
        grads = torch.autograd.grad(loss, flat)
        with torch.no_grad():
            new = [p - LR * g for p, g in zip(flat, grads)]
        return loss.detach(), ((new[0], new[1]), (new[2], new[3]), (new[4], new[5]))
    return step


def check_view(out):
    """What the checks compare: the loss, the new parameters, and the gradients implied by
    the update, (p - p_new) / LR in float64 -- the new parameters alone are dominated by
    the old ones and would hide a wrong gradient."""
    loss, new = out
    params = make_data()[0]
    implied = tuple(tuple((p.astype(np.float64) - q.astype(np.float64)) / LR
                          for p, q in zip(layer, new_layer))
                    for layer, new_layer in zip(params, new))
    return loss, new, implied


BUILDERS = {
    "numpy": build_numpy,
    "numba": build_numba,
    "functrans": build_functrans,
    "jax": build_jax,
    "torch": build_torch,
}


def run() -> list[H.Case]:
    params, x, y = make_data()
    case = H.Case("W1", "MLP 784-512-512-10 tanh step (value_and_grad + SGD), f32, batch 128",
                  REFERENCE, dtype="float32", view=check_view)
    case.add("numpy", lambda: build_numpy(params, x, y), reference=True)
    case.add("numba", lambda: build_numba(params, x, y, "rational"), note="rational tanh")
    case.add("numba (libm tanh)", lambda: build_numba(params, x, y, "libm"))
    case.add("functrans", lambda: build_functrans(params, x, y))
    case.add("jax", lambda: build_jax(params, x, y))
    case.add("torch", lambda: build_torch(params, x, y))
    return [case]


if __name__ == "__main__":
    H.setup(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
