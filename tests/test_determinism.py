"""A jitted program gives bitwise-identical results on every call and in every process,
whatever the memory and disk caches hold (with the default configuration)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

TRAINING = r"""
import json, sys
import numpy as np
import functrans as ft
import functrans.numpy as fnp

rng = np.random.default_rng(0)
x = rng.standard_normal((64, 8)).astype(np.float32)
y = (x @ rng.standard_normal(8) > 0).astype(np.float32)
params = {"w1": rng.standard_normal((8, 16)).astype(np.float32) * 0.3, "b1": np.zeros(16, np.float32),
          "w2": rng.standard_normal((16, 1)).astype(np.float32) * 0.3}

def loss(p, x, y):
    h = fnp.tanh(x @ p["w1"] + p["b1"])
    logits = (h @ p["w2"])[:, 0]
    return fnp.mean(fnp.logaddexp(0.0, logits) - y * logits) + 1e-3 * fnp.sum(fnp.exp(-p["w1"] ** 2))

step = ft.jit(ft.value_and_grad(loss))
losses = []
for _ in range(50):
    value, grads = step(params, x, y)
    params = {k: params[k] - 0.5 * grads[k] for k in params}
    losses.append(float(value).hex())
print(json.dumps(losses))
"""


def run_training(cache_dir: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "FUNCTRANS_BACKGROUND_COMPILE"}  # the defaults, as a user has them
    env["FUNCTRANS_CACHE_DIR"] = cache_dir
    done = subprocess.run([sys.executable, "-c", TRAINING], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_training_loop_prints_the_same_losses_bit_for_bit_cold_and_warm(tmp_path):
    cold = run_training(str(tmp_path / "cache"))
    warm = run_training(str(tmp_path / "cache"))
    assert len(set(cold)) > 10  # it trains
    assert cold == warm
