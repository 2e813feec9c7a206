"""W7: one training step of a LeNet-style CNN on 28x28x1 float32 images, batch 128:
conv 5x5x32 (VALID), relu, 2x2 max-pool, conv 5x5x64, relu, 2x2 max-pool, dense 10,
softmax cross-entropy; ``value_and_grad`` plus an SGD update in one compiled call.

Measured: the median wall time of ``step(params, x, y) -> (loss, new_params)`` with fixed
inputs, after checking every implementation against the NumPy row (the loss, the new
parameters and the gradients they imply, as in W1); then the first-call latency in a fresh
process (``W7 cold``: an empty cache directory; ``W7 warm``: the directory a cold run filled),
measured by ``first_call.py``.

Rows:
  numpy        im2col (sliding_window_view) + matmul forward, backward by hand (col2im by
               25 strided adds, max-pool's gradient to each window's first maximum)
  functrans    ft.jit(value_and_grad) + tree_map SGD, written with lax.conv_general_dilated
               and lax.reduce_window (NHWC / HWIO)
  jax          the same program with jax.lax
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H
import first_call

BATCH, SIDE, K, C1, C2, CLASSES, LR = 128, 28, 5, 32, 64, 10, 0.01
LAYOUT = ("NHWC", "HWIO", "NHWC")
FEATURES = ((SIDE - K + 1) // 2 - K + 1) // 2  # 4: the side after both conv + pool stages


def make_data(seed: int = 0):
    """params = ((w1, b1), (w2, b2), (w3, b3)), He-normal HWIO kernels; x (128, 28, 28, 1) in
    [0, 1); y one-hot (128, 10)."""
    rng = np.random.default_rng(seed)

    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def bias(n):
        return (0.01 * rng.standard_normal(n)).astype(np.float32)

    dense_in = FEATURES * FEATURES * C2
    params = ((he((K, K, 1, C1), K * K), bias(C1)), (he((K, K, C1, C2), K * K * C1), bias(C2)),
              (he((dense_in, CLASSES), dense_in), bias(CLASSES)))
    x = rng.random((BATCH, SIDE, SIDE, 1), dtype=np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, BATCH)]
    return params, x, y


# ---------------------------------------------------------------------------
# 1. NumPy, gradients by hand
# ---------------------------------------------------------------------------

def _patches(x):
    """(n, h, w, c) -> (n, h-K+1, w-K+1, K*K*c), the kernel offsets row-major, channels last (HWIO's order)."""
    win = np.lib.stride_tricks.sliding_window_view(x, (K, K), axis=(1, 2))  # n, ho, wo, c, K, K
    n, ho, wo, c = win.shape[:4]
    return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(n, ho, wo, K * K * c)


def _pool(z):
    """2x2 max-pool of an NHWC batch, and the one-hot of each window's first maximum."""
    n, h, w, c = z.shape
    win = z.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, h // 2, w // 2, c, 4)
    first = win.argmax(axis=-1)
    return np.take_along_axis(win, first[..., None], -1)[..., 0], first


def _unpool(d, first, shape):
    """The max-pool's gradient: ``d`` to each window's first maximum."""
    n, h, w, c = shape
    win = (np.arange(4) == first[..., None]) * d[..., None]
    return win.reshape(n, h // 2, w // 2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(shape)


def numpy_step(params, x, y):
    (w1, b1), (w2, b2), (w3, b3) = params
    n = x.shape[0]
    p1 = _patches(x)
    z1 = p1 @ w1.reshape(-1, C1) + b1
    a1, first1 = _pool(np.maximum(z1, 0))
    p2 = _patches(a1)
    z2 = p2 @ w2.reshape(-1, C2) + b2
    a2, first2 = _pool(np.maximum(z2, 0))
    flat = a2.reshape(n, -1)
    logits = flat @ w3 + b3
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -(y * logp).sum() / n
    dlogits = (np.exp(logp) * y.sum(axis=1, keepdims=True) - y) / n
    dflat = dlogits @ w3.T
    dz2 = _unpool(dflat.reshape(a2.shape), first2, z2.shape) * (z2 > 0)
    dp2 = (dz2 @ w2.reshape(-1, C2).T).reshape(dz2.shape[:3] + (K, K, C1))
    da1 = np.zeros_like(a1)
    ho, wo = dz2.shape[1:3]
    for i in range(K):  # col2im: every kernel offset adds its slice back
        for j in range(K):
            da1[:, i:i + ho, j:j + wo, :] += dp2[:, :, :, i, j, :]
    dz1 = _unpool(da1, first1, z1.shape) * (z1 > 0)
    grads = (((p1.reshape(-1, p1.shape[-1]).T @ dz1.reshape(-1, C1)).reshape(w1.shape), dz1.sum((0, 1, 2))),
             ((p2.reshape(-1, p2.shape[-1]).T @ dz2.reshape(-1, C2)).reshape(w2.shape), dz2.sum((0, 1, 2))),
             (flat.T @ dlogits, dlogits.sum(0)))
    new = tuple((w - np.float32(LR) * gw, b - np.float32(LR) * gb) for (w, b), (gw, gb) in zip(params, grads))
    return np.float32(loss), new


def build_numpy(params, x, y):
    return lambda: numpy_step(params, x, y)


# ---------------------------------------------------------------------------
# 2. functrans and JAX: one program, written with either library
# ---------------------------------------------------------------------------

def program(jnp, lax, tree_map):
    def logits(params, x):
        (w1, b1), (w2, b2), (w3, b3) = params
        for w, b in ((w1, b1), (w2, b2)):
            x = lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=LAYOUT)
            x = jnp.maximum(x + b, 0.0)
            x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        return x.reshape(x.shape[0], -1) @ w3 + b3

    def loss(params, x, y):
        z = logits(params, x)
        z = z - jnp.max(z, axis=1, keepdims=True)
        logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
        return -jnp.sum(y * logp) / x.shape[0]

    def step(value_and_grad):
        def sgd_step(params, x, y):
            value, grads = value_and_grad(loss)(params, x, y)
            return value, tree_map(lambda p, g: p - LR * g, params, grads)
        return sgd_step

    return step


def build_functrans(params, x, y):
    ft = H.import_functrans()
    import functrans.numpy as fnp

    step = ft.jit(program(fnp, ft.lax, ft.tree_util.tree_map)(ft.value_and_grad))
    return lambda: step(params, x, y)


def build_jax(params, x, y):
    jax = H.import_jax(x64=False)
    import jax.numpy as jnp

    step = jax.jit(program(jnp, jax.lax, jax.tree_util.tree_map)(jax.value_and_grad))
    args = jax.device_put((params, x, y))
    return lambda: jax.block_until_ready(step(*args))


def check_view(out):
    """The loss, the new parameters, and the gradients implied by the update, (p - p_new) / LR."""
    loss, new = out
    params = make_data()[0]
    implied = tuple(tuple((p.astype(np.float64) - q.astype(np.float64)) / LR for p, q in zip(layer, new_layer))
                    for layer, new_layer in zip(params, new))
    return loss, new, implied


BUILDERS = {"numpy": build_numpy, "functrans": build_functrans, "jax": build_jax}


def run() -> list[H.Case]:
    params, x, y = make_data()
    case = H.Case("W7", "LeNet-style CNN step (conv5x5x32, pool, conv5x5x64, pool, dense 10; value_and_grad + SGD), "
                  "f32, 28x28x1, batch 128", dtype="float32", view=check_view)
    case.add("numpy", lambda: build_numpy(params, x, y), reference=True)
    case.add("functrans", lambda: build_functrans(params, x, y))
    case.add("jax", lambda: build_jax(params, x, y))
    if H.ARGS.no_first_call:
        return [case]
    return [case] + first_call.first_call_cases("W7")


if __name__ == "__main__":
    first_call.parse(__doc__.splitlines()[0], step_times=True)
    sys.exit(H.finish(run()))
