"""Train a multilayer perceptron on scikit-learn's handwritten digits with functrans.

The training step (forward pass, ``value_and_grad``, Adam update) is one jitted
function compiled with Numba; minibatches come from a ``functrans.random``
permutation per epoch. Prints the train and test accuracy, and can save the loss
curve (``--plot loss.png``, needs matplotlib).

    python examples/mlp_digits.py
    python examples/mlp_digits.py --epochs 60 --hidden 256 128 --plot loss.png
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Sequence

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import nn, optim, random
from functrans.nn import initializers

from _progress import print_summary, progress

NUM_CLASSES = 10


def load_digits_split(test_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """8x8 digit images as 64 features scaled to [0, 1], split into stratified train and test sets."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    return tuple(train_test_split(images / 16.0, labels, test_size=test_fraction, stratify=labels, random_state=seed))


def init_mlp(key: Any, sizes: Sequence[int]) -> list[dict[str, np.ndarray]]:
    """One ``{"w", "b"}`` per layer: He-normal weights (for ReLU), zero biases."""
    keys = random.split(key, len(sizes) - 1)
    init = initializers.he_normal()
    return [{"w": init(k, (n_in, n_out)), "b": np.zeros(n_out)} for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:])]


def logits(params: list, x: Any) -> Any:
    """ReLU hidden layers, then a linear output layer."""
    for layer in params[:-1]:
        x = nn.relu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params: list, x: Any, labels: Any) -> Any:
    """Mean softmax cross-entropy."""
    return -fnp.mean(fnp.sum(nn.one_hot(labels, NUM_CLASSES) * nn.log_softmax(logits(params, x)), axis=-1))


def make_train_step(optimizer: optim.GradientTransformation):
    @ft.jit
    def train_step(params, opt_state, x, labels):
        loss, grads = ft.value_and_grad(loss_fn)(params, x, labels)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state, loss

    return train_step


@ft.jit
def predict(params: list, x: Any) -> Any:
    return fnp.argmax(logits(params, x), axis=-1)


def accuracy(params: list, x: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(predict(params, x) == labels))


def train(args: argparse.Namespace) -> dict[str, Any]:
    x_train, x_test, y_train, y_test = load_digits_split(args.test_fraction, args.seed)
    key, init_key = random.split(random.PRNGKey(args.seed))
    params = init_mlp(init_key, [x_train.shape[1], *args.hidden, NUM_CLASSES])
    optimizer = optim.adam(args.learning_rate)
    opt_state = optimizer.init(params)
    train_step = make_train_step(optimizer)
    # Whole batches only: every step has one shape, so the step compiles once.
    batches_per_epoch = len(x_train) // args.batch_size
    epoch_losses = []
    start = time.perf_counter()
    bar = progress(range(args.epochs), args.epochs, "epochs", args.quiet)
    for epoch in bar:
        order = random.permutation(random.fold_in(key, epoch), len(x_train))
        batch_losses = []
        for b in range(batches_per_epoch):
            idx = order[b * args.batch_size : (b + 1) * args.batch_size]
            params, opt_state, loss = train_step(params, opt_state, x_train[idx], y_train[idx])
            batch_losses.append(float(loss))
        epoch_losses.append(float(np.mean(batch_losses)))
        bar.set_postfix_str(f"loss {epoch_losses[-1]:.4f}")
    return {
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
        "losses": epoch_losses,
        "seconds": time.perf_counter() - start,
        "params": params,
    }


def save_loss_plot(losses: Sequence[float], path: str) -> bool:
    """Save the loss curve as a PNG; returns False (with a message) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: no plot written to {path} (pip install matplotlib)", file=sys.stderr)
        return False
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(losses) + 1), losses, marker=".")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="epoch", ylabel="mean training loss", yscale="log", title="MLP on digits (functrans)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per Adam step")
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64], help="hidden layer widths")
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam's step size")
    parser.add_argument("--test-fraction", type=float, default=0.25, help="share of the digits held out for testing")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data split, the initialisation and the batches")
    parser.add_argument("--plot", metavar="FILE", help="save the loss curve to this PNG file (needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train, print the accuracies, optionally plot; returns the results (accuracies, losses, params)."""
    args = parse_args(argv)
    result = train(args)
    print_summary(args.epochs, result)
    if args.plot and save_loss_plot(result["losses"], args.plot):
        print(f"loss curve saved to {args.plot}")
    return result


if __name__ == "__main__":
    main()
