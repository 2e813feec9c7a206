"""W8: ``nn.dot_product_attention`` forward, and forward + backward, batch 32, 4 heads,
length 128, head size 64, float32 (JAX's (batch, length, heads, head size) layout), no mask.

W8 fwd: ``jit(dot_product_attention)(q, k, v)``. W8 grad: ``jit(value_and_grad(loss,
argnums=(0, 1, 2)))`` with ``loss = sum(attention(q, k, v) * g)`` for a fixed cotangent ``g``:
the loss and the gradients with respect to q, k and v. Then the first-call latency of W8 grad
in a fresh process with an empty and a warm cache directory (``first_call.py``).

Rows:
  numpy        batched matmuls and a stable softmax, the backward pass by hand
  functrans    functrans.nn.dot_product_attention under ft.jit / ft.value_and_grad
  jax          jax.nn.dot_product_attention (implementation=None: XLA's on the CPU)
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H
import first_call

BATCH, LENGTH, HEADS, HEAD_SIZE = 32, 128, 4, 64


def make_data(seed: int = 0):
    """q, k, v and the cotangent g, each (32, 128, 4, 64) standard normal float32."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((BATCH, LENGTH, HEADS, HEAD_SIZE), dtype=np.float32) for _ in range(4))


# ---------------------------------------------------------------------------
# 1. NumPy
# ---------------------------------------------------------------------------

def _probabilities(q, k):
    """softmax(q k^T / sqrt(head size)) per batch and head: (batch, heads, query, key)."""
    logits = np.matmul(q.transpose(0, 2, 1, 3), k.transpose(0, 2, 3, 1)) / np.float32(np.sqrt(HEAD_SIZE))
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def numpy_forward(q, k, v):
    return np.matmul(_probabilities(q, k), v.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)


def numpy_step(q, k, v, g):
    """The loss sum(attention * g) and its gradients with respect to q, k and v."""
    p = _probabilities(q, k)
    gh, vh, qh, kh = (a.transpose(0, 2, 1, 3) for a in (g, v, q, k))
    out = np.matmul(p, vh)
    dv = np.matmul(p.transpose(0, 1, 3, 2), gh)
    dp = np.matmul(gh, vh.transpose(0, 1, 3, 2))
    ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) / np.float32(np.sqrt(HEAD_SIZE))
    dq, dk = np.matmul(ds, kh), np.matmul(ds.transpose(0, 1, 3, 2), qh)
    back = (lambda a: a.transpose(0, 2, 1, 3))
    return np.float32((out * gh).sum()), (back(dq), back(dk), back(dv))


# ---------------------------------------------------------------------------
# 2. functrans and JAX
# ---------------------------------------------------------------------------

def _programs(attention, jnp):
    def loss(q, k, v, g):
        return jnp.sum(attention(q, k, v) * g)
    return attention, loss


def build_functrans_forward(q, k, v, g):
    ft = H.import_functrans()
    import functrans.numpy as fnp

    forward = ft.jit(_programs(ft.nn.dot_product_attention, fnp)[0])
    return lambda: forward(q, k, v)


def build_functrans(q, k, v, g):
    ft = H.import_functrans()
    import functrans.numpy as fnp

    step = ft.jit(ft.value_and_grad(_programs(ft.nn.dot_product_attention, fnp)[1], argnums=(0, 1, 2)))
    return lambda: step(q, k, v, g)


def build_jax_forward(q, k, v, g):
    jax = H.import_jax(x64=False)
    import jax.numpy as jnp

    forward = jax.jit(_programs(jax.nn.dot_product_attention, jnp)[0])
    args = jax.device_put((q, k, v))
    return lambda: jax.block_until_ready(forward(*args))


def build_jax(q, k, v, g):
    jax = H.import_jax(x64=False)
    import jax.numpy as jnp

    step = jax.jit(jax.value_and_grad(_programs(jax.nn.dot_product_attention, jnp)[1], argnums=(0, 1, 2)))
    args = jax.device_put((q, k, v, g))
    return lambda: jax.block_until_ready(step(*args))


BUILDERS = {"numpy": lambda *data: (lambda: numpy_step(*data)), "functrans": build_functrans, "jax": build_jax}


def run() -> list[H.Case]:
    data = make_data()
    shape = f"batch {BATCH}, length {LENGTH}, {HEADS} heads, head size {HEAD_SIZE}, f32"
    forward = H.Case("W8 fwd", f"jit(dot_product_attention), {shape}", dtype="float32")
    forward.add("numpy", lambda: (lambda: numpy_forward(*data[:3])), reference=True)
    forward.add("functrans", lambda: build_functrans_forward(*data))
    forward.add("jax", lambda: build_jax_forward(*data))
    grad = H.Case("W8 grad", f"jit(value_and_grad) of sum(dot_product_attention * g) in q, k, v, {shape}",
                  dtype="float32")
    grad.add("numpy", lambda: BUILDERS["numpy"](*data), reference=True)
    grad.add("functrans", lambda: build_functrans(*data))
    grad.add("jax", lambda: build_jax(*data))
    if H.ARGS.no_first_call:
        return [forward, grad]
    return [forward, grad] + first_call.first_call_cases("W8")


if __name__ == "__main__":
    first_call.parse(__doc__.splitlines()[0], step_times=True)
    sys.exit(H.finish(run()))
