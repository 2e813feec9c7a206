"""Differentially private SGD (DP-SGD) on scikit-learn's digits with per-example gradients.

DP-SGD (Abadi et al., 2016) bounds each example's influence on a step: it computes
one gradient per example (here ``vmap(grad(loss))``, no loop), clips each to norm
at most ``--clip-norm``, sums them, adds Gaussian noise of standard deviation
``--noise-multiplier * --clip-norm`` and averages. The whole step, minibatch draw
and noise included (``functrans.random`` under ``jit``), is one compiled function.

Minibatches are fixed-size samples without replacement (the analysis of DP-SGD
assumes Poisson sampling), and no privacy budget is computed: this shows the
mechanics, not a privacy guarantee.

    python examples/per_example_gradients.py
    python examples/per_example_gradients.py --noise-multiplier 0 --clip-norm 1e9   # non-private baseline
"""
from __future__ import annotations

import argparse
import math
import time
from typing import Any, Sequence

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import nn, optim, random
from functrans.tree_util import tree_leaves, tree_map, tree_structure, tree_unflatten

from _progress import progress
from mlp_digits import NUM_CLASSES, init_mlp, load_digits_split, logits, predict


def example_loss(params: list, x: Any, label: Any) -> Any:
    """Cross-entropy of one example (``x`` of shape (64,), an integer ``label``)."""
    return -fnp.sum(nn.one_hot(label, NUM_CLASSES) * nn.log_softmax(logits(params, x)))


def per_example_grads(params: list, x: Any, labels: Any) -> list:
    """The gradient of each example's loss, stacked: every leaf gets a leading batch axis."""
    return ft.vmap(ft.grad(example_loss), in_axes=(None, 0, 0))(params, x, labels)


def clip_per_example(grads: list, clip_norm: float) -> list:
    """Scale each example's gradient (all leaves together) to norm at most ``clip_norm``."""
    leaves = tree_leaves(grads)
    squares = sum(fnp.sum(fnp.reshape(g * g, (g.shape[0], -1)), axis=1) for g in leaves)
    factors = clip_norm / fnp.maximum(fnp.sqrt(squares), clip_norm)  # 1 for examples already inside the ball
    return tree_map(lambda g: g * fnp.reshape(factors, (-1,) + (1,) * (g.ndim - 1)), grads)


def privatize(grads: list, clip_norm: float, noise_multiplier: float, key: Any) -> list:
    """The mean of the clipped per-example gradients plus Gaussian noise of std ``noise_multiplier * clip_norm / batch``."""
    leaves = tree_leaves(clip_per_example(grads, clip_norm))
    batch = leaves[0].shape[0]
    # One draw for all the parameters, cut into the leaves' shapes.
    sizes = [math.prod(g.shape[1:]) for g in leaves]
    noise = random.normal(key, (sum(sizes),))
    starts = np.cumsum([0] + sizes)
    noisy = [
        (fnp.sum(g, axis=0) + noise_multiplier * clip_norm * fnp.reshape(noise[start : start + size], g.shape[1:])) / batch
        for g, start, size in zip(leaves, starts, sizes)
    ]
    return tree_unflatten(tree_structure(grads), noisy)


def make_dp_step(optimizer: optim.GradientTransformation, batch_size: int, clip_norm: float, noise_multiplier: float):
    @ft.jit
    def dp_step(params, opt_state, key, x_train, y_train):
        key, batch_key, noise_key = random.split(key, 3)
        idx = random.choice(batch_key, x_train.shape[0], (batch_size,), replace=False)
        grads = per_example_grads(params, x_train[idx], y_train[idx])
        updates, opt_state = optimizer.update(privatize(grads, clip_norm, noise_multiplier, noise_key), opt_state, params)
        return optim.apply_updates(params, updates), opt_state, key

    return dp_step


def accuracy(params: list, x: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(predict(params, x) == labels))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=1500, help="DP-SGD steps")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per step")
    parser.add_argument("--hidden", type=int, nargs="+", default=[32], help="hidden layer widths")
    parser.add_argument("--learning-rate", type=float, default=0.5, help="SGD step size")
    parser.add_argument("--momentum", type=float, default=0.5, help="SGD momentum")
    parser.add_argument("--clip-norm", type=float, default=1.0, help="bound on each example's gradient norm")
    parser.add_argument("--noise-multiplier", type=float, default=1.0, help="noise std in units of the clip norm")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data split, the initialisation, batches and noise")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train with DP-SGD and print the accuracies; returns them with the trained params."""
    args = parse_args(argv)
    x_train, x_test, y_train, y_test = load_digits_split(0.25, args.seed)
    key, init_key = random.split(random.PRNGKey(args.seed))
    params = init_mlp(init_key, [x_train.shape[1], *args.hidden, NUM_CLASSES])
    optimizer = optim.sgd(args.learning_rate, momentum=args.momentum)
    opt_state = optimizer.init(params)
    dp_step = make_dp_step(optimizer, args.batch_size, args.clip_norm, args.noise_multiplier)
    start = time.perf_counter()
    for _ in progress(range(args.steps), args.steps, "DP-SGD steps", args.quiet):
        params, opt_state, key = dp_step(params, opt_state, key, x_train, y_train)
    result = {
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
        "seconds": time.perf_counter() - start,
        "params": params,
    }
    print(f"DP-SGD: {args.steps} steps of {args.batch_size} examples, clip norm {args.clip_norm}, "
          f"noise multiplier {args.noise_multiplier} ({result['seconds']:.1f} s, compilation included)")
    print(f"train accuracy {result['train_accuracy']:.4f}   test accuracy {result['test_accuracy']:.4f}")
    return result


if __name__ == "__main__":
    main()
