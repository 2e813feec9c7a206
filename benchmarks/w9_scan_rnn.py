"""W9: training through ``lax.scan``: a tanh RNN's loss and gradients, and a long scalar recurrence.

W9a: ``jit(value_and_grad(loss))`` of a tanh RNN, ``h = tanh(x_t @ Wx + h @ Wh + b)`` for
100 steps, hidden 128, input 32, batch 64, float32, loss = mean of the last hidden state
squared. The scan's reverse mode stacks one hidden state (and one ``1 - h**2``) per step.
W9b: a cumulative-product-like recurrence on a float64 scalar carry, ``c = c * x_t`` for
1e5 steps (each step's carry is a y too): forward (``jit(f)``) and ``jit(grad(sum of ys))``.
Per-step overhead dominates: the body is one multiplication.

Rows:
  numpy                       forward and backward through time by hand (W9b's gradient in
                              closed form: a reverse cumulative sum)
  functrans                   ft.jit(ft.value_and_grad(...)) of the program written with lax.scan
  functrans (unroll=N)        the same with lax.scan(..., unroll=N)
  jax                         the same program with jax.lax.scan
"""

from __future__ import annotations

import sys

import numpy as np

import _harness as H

STEPS, HIDDEN, INPUT, BATCH = 100, 128, 32, 64
LONG = 100_000


def make_rnn_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    params = ((rng.standard_normal((INPUT, HIDDEN)) / np.sqrt(INPUT)).astype(np.float32),
              (rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)).astype(np.float32),
              (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32))
    xs = rng.standard_normal((STEPS, BATCH, INPUT)).astype(np.float32)
    return params, xs


def make_long_data(seed: int = 0):
    return 1.0 + 1e-4 * np.random.default_rng(seed).standard_normal(LONG)


# ---------------------------------------------------------------------------
# NumPy, derivatives by hand
# ---------------------------------------------------------------------------

def numpy_rnn(params, xs):
    Wx, Wh, b = params
    hs = [np.zeros((BATCH, HIDDEN), np.float32)]
    for x in xs:
        hs.append(np.tanh(x @ Wx + hs[-1] @ Wh + b))
    loss = np.mean(hs[-1] ** 2)
    dh = (2.0 / hs[-1].size) * hs[-1]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for t in range(len(xs), 0, -1):
        dz = dh * (1 - hs[t] * hs[t])
        dWx += xs[t - 1].T @ dz
        dWh += hs[t - 1].T @ dz
        db += dz.sum(0)
        dh = dz @ Wh.T
    return loss, (dWx, dWh, db)


def numpy_long_forward(xs):
    ys = np.cumprod(xs)
    return ys[-1], ys


def numpy_long_grad(xs):
    ys = np.cumprod(xs)
    return np.cumsum(ys[::-1])[::-1] / xs  # d/dx_i of sum_t prod_{j<=t} x_j


# ---------------------------------------------------------------------------
# functrans and JAX: the same source, with each library's modules
# ---------------------------------------------------------------------------

def programs(jnp, lax, unroll: int = 1):
    def rnn_loss(params, xs):
        Wx, Wh, b = params

        def step(h, x):
            h = jnp.tanh(x @ Wx + h @ Wh + b)
            return h, None

        h, _ = lax.scan(step, jnp.zeros((BATCH, HIDDEN), jnp.float32), xs, unroll=unroll)
        return jnp.mean(h * h)

    def long_forward(xs):
        return lax.scan(lambda c, x: (c * x, c * x), 1.0, xs, unroll=unroll)

    def long_loss(xs):
        return jnp.sum(long_forward(xs)[1])

    return rnn_loss, long_forward, long_loss


def build_functrans(which: str, data, unroll: int = 1):
    ft = H.import_functrans()
    import functrans.numpy as fnp
    from functrans import lax

    rnn_loss, long_forward, long_loss = programs(fnp, lax, unroll)
    fn = {"rnn": ft.value_and_grad(rnn_loss), "forward": long_forward, "grad": ft.grad(long_loss)}[which]
    step = ft.jit(fn)
    return lambda: step(*data)


def build_jax(which: str, data, unroll: int = 1):
    jax = H.import_jax(x64=which != "rnn")
    import jax.numpy as jnp

    rnn_loss, long_forward, long_loss = programs(jnp, jax.lax, unroll)
    fn = {"rnn": jax.value_and_grad(rnn_loss), "forward": long_forward, "grad": jax.grad(long_loss)}[which]
    step = jax.jit(fn)
    args = jax.device_put(data)
    return lambda: jax.block_until_ready(step(*args))


def run() -> list[H.Case]:
    params, xs = make_rnn_data()
    long_xs = make_long_data()
    cases = []
    specs = [
        ("W9a", "rnn", (params, xs), lambda: numpy_rnn(params, xs), "float32",
         f"jit(value_and_grad) of a tanh RNN through lax.scan, {STEPS} steps, hidden {HIDDEN}, "
         f"input {INPUT}, batch {BATCH}, f32"),
        ("W9b fwd", "forward", (long_xs,), lambda: numpy_long_forward(long_xs), "float64",
         f"jit of lax.scan c = c * x_t, {LONG:.0e} steps of a f64 scalar carry (ys: every carry)"),
        ("W9b grad", "grad", (long_xs,), lambda: numpy_long_grad(long_xs), "float64",
         f"jit(grad(sum of ys)) of the same scan, {LONG:.0e} steps"),
    ]
    for key, which, data, reference, dtype, title in specs:
        case = H.Case(key, title, dtype=dtype)
        case.add("numpy", lambda: reference, reference=True)
        case.add("functrans", lambda: build_functrans(which, data))
        case.add("functrans (unroll=4)", lambda: build_functrans(which, data, 4))
        case.add("jax", lambda: build_jax(which, data))
        cases.append(case)
    return cases


if __name__ == "__main__":
    H.setup(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
