"""A recurrent network that reads each 8x8 digit image row by row, with ``lax.scan``.

The recurrence ``h = tanh(x_t W + h U + b)`` over the 8 rows is one ``lax.scan``;
the training step (``value_and_grad`` through the scan, Adam update) is jitted,
so the loop over time steps runs inside the compiled program, forward and
backward. Prints the train and test accuracy.

    python examples/rnn_scan.py
    python examples/rnn_scan.py --hidden 64 --epochs 40
"""
from __future__ import annotations

import argparse
import time
from typing import Any, Sequence

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import lax, nn, optim, random
from functrans.nn import initializers

from _progress import print_summary, progress

NUM_CLASSES = 10


def load_digit_rows(test_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """Digits as sequences: (examples, 8 time steps, 8 pixels), scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    sequences = (images / 16.0).reshape(-1, 8, 8)
    return tuple(train_test_split(sequences, labels, test_size=test_fraction, stratify=labels, random_state=seed))


def init_params(key: Any, n_in: int, n_hidden: int) -> dict[str, np.ndarray]:
    k_in, k_rec, k_out = random.split(key, 3)
    return {
        "w_in": initializers.glorot_normal()(k_in, (n_in, n_hidden)),
        "w_rec": initializers.glorot_normal()(k_rec, (n_hidden, n_hidden)) * 0.5,
        "b": np.zeros(n_hidden),
        "w_out": initializers.glorot_normal()(k_out, (n_hidden, NUM_CLASSES)),
        "b_out": np.zeros(NUM_CLASSES),
    }


def logits(params: dict, sequences: Any) -> Any:
    """Run the recurrence over time (axis 1 of ``sequences``) and read out the last state."""
    steps = fnp.swapaxes(sequences, 0, 1)  # scan runs over the leading axis: time

    def step(h, x_t):
        h = fnp.tanh(x_t @ params["w_in"] + h @ params["w_rec"] + params["b"])
        return h, None

    h0 = fnp.zeros((sequences.shape[0], params["b"].shape[0]))
    h, _ = lax.scan(step, h0, steps)
    return h @ params["w_out"] + params["b_out"]


def loss_fn(params: dict, sequences: Any, labels: Any) -> Any:
    return -fnp.mean(fnp.sum(nn.one_hot(labels, NUM_CLASSES) * nn.log_softmax(logits(params, sequences)), axis=-1))


def accuracy(params: dict, sequences: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(predict(params, sequences), axis=-1) == labels))


predict = ft.jit(logits)


def train(args: argparse.Namespace) -> dict[str, Any]:
    x_train, x_test, y_train, y_test = load_digit_rows(args.test_fraction, args.seed)
    key, init_key = random.split(random.PRNGKey(args.seed))
    params = init_params(init_key, x_train.shape[2], args.hidden)
    optimizer = optim.adam(args.learning_rate)
    opt_state = optimizer.init(params)

    @ft.jit
    def train_step(params, opt_state, x, labels):
        loss, grads = ft.value_and_grad(loss_fn)(params, x, labels)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state, loss

    batches = len(x_train) // args.batch_size
    losses = []
    start = time.perf_counter()
    bar = progress(range(args.epochs), args.epochs, "epochs", args.quiet)
    for epoch in bar:
        order = np.asarray(random.permutation(random.fold_in(key, epoch), len(x_train)))
        epoch_loss = 0.0
        for b in range(batches):
            idx = order[b * args.batch_size : (b + 1) * args.batch_size]
            params, opt_state, loss = train_step(params, opt_state, x_train[idx], y_train[idx])
            epoch_loss += float(loss) / batches
        losses.append(epoch_loss)
        bar.set_postfix_str(f"loss {epoch_loss:.4f}")
    return {
        "train_accuracy": accuracy(params, x_train, y_train),
        "test_accuracy": accuracy(params, x_test, y_test),
        "losses": losses,
        "seconds": time.perf_counter() - start,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=25, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=64, help="sequences per Adam step")
    parser.add_argument("--hidden", type=int, default=64, help="size of the recurrent state")
    parser.add_argument("--learning-rate", type=float, default=1e-2, help="Adam's step size")
    parser.add_argument("--test-fraction", type=float, default=0.25, help="share of the digits held out for testing")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, the initialisation and the batches")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train and print the accuracies; returns them with the loss curve."""
    args = parse_args(argv)
    result = train(args)
    print_summary(args.epochs, result)
    return result


if __name__ == "__main__":
    main()
