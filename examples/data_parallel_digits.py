"""Data-parallel training on scikit-learn's digits: one global batch split over MPI processes.

Every process holds the same parameters and its share of each global batch; ``pmap`` runs the
compiled step on that share and ``lax.pmean`` averages the gradients (and the loss) over the
processes, so every process applies the same update: the global batch's. Process 0 also runs
the single-process step on the whole global batch and prints both losses side by side.

    python examples/data_parallel_digits.py            # one process
    mpiexec -n 2 python examples/data_parallel_digits.py
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import distributed, lax
from functrans.tree_util import tree_map

LR = 0.5


def init_params(seed: int, sizes: tuple[int, ...] = (64, 32, 10)) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(m, n)) / np.sqrt(m), np.zeros(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def loss_fn(params: list, x: Any, y: Any) -> Any:
    """Mean softmax cross-entropy of a tanh MLP."""
    for w, b in params[:-1]:
        x = fnp.tanh(x @ w + b)
    w, b = params[-1]
    logits = x @ w + b
    logp = logits - ft.nn.logsumexp(logits, axis=1, keepdims=True)
    return -fnp.mean(fnp.take_along_axis(logp, y[:, None], axis=1))


def sgd(params: list, grads: list) -> list:
    return tree_map(lambda p, g: p - LR * g, params, grads)


@ft.jit
def single_step(params, x, y):
    loss, grads = ft.value_and_grad(loss_fn)(params, x, y)
    return loss, sgd(params, grads)


def parallel_step_local(params, x, y):
    loss, grads = ft.value_and_grad(loss_fn)(params, x, y)
    return lax.pmean(loss, "batch"), sgd(params, lax.pmean(grads, "batch"))


parallel_step = ft.pmap(parallel_step_local, axis_name="batch", in_axes=(None, 0, 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--global-batch", type=int, default=128)
    args = parser.parse_args()
    distributed.initialize()
    rank, count = distributed.process_index(), distributed.process_count()

    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    images = images / 16.0
    order = np.random.default_rng(0).permutation(len(labels))
    params = reference = init_params(1)
    if rank == 0:
        print(f"{count} process(es), global batch {args.global_batch}, {args.global_batch // count} per process")
        print(f"{'step':>4}  {'data-parallel loss':>20}  {'single-process loss':>20}  {'difference':>10}")
    for step in range(args.steps):
        start = (step * args.global_batch) % (len(labels) - args.global_batch)
        batch = order[start : start + args.global_batch]
        x, y = images[batch], labels[batch]
        local_x, local_y = distributed.shard_batch((x, y))
        loss, params = parallel_step(params, local_x[None], local_y[None])
        params = tree_map(lambda p: p[0], params)
        if rank == 0:
            ref_loss, reference = single_step(reference, x, y)
            print(f"{step:4d}  {float(loss[0]):20.12f}  {float(ref_loss):20.12f}  {abs(float(loss[0]) - float(ref_loss)):10.2e}")


if __name__ == "__main__":
    main()
