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
import time
from typing import Any, Sequence

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import nn, optim, random
from functrans.nn import initializers

from _progress import print_summary
from _training import run_epochs, save_loss_plot

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
    start = time.perf_counter()
    params, opt_state, epoch_losses = run_epochs(train_step, params, opt_state, x_train, y_train, key=key,
                                                 epochs=args.epochs, batch_size=args.batch_size, quiet=args.quiet)
    return {
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
        "losses": epoch_losses,
        "seconds": time.perf_counter() - start,
        "params": params,
    }


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
    if args.plot and save_loss_plot(result["losses"], args.plot, "MLP on digits (functrans)"):
        print(f"loss curve saved to {args.plot}")
    return result


if __name__ == "__main__":
    main()
