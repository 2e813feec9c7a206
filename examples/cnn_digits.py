"""Train a small convolutional network on scikit-learn's 8x8 handwritten digits with functrans.

The images are one channel in NHWC layout. Two 3x3 convolutions
(``lax.conv_general_dilated``, 'SAME' padding) with ReLU, each followed by a 2x2
max-pool (``lax.reduce_window``), then a dense layer; He-normal initial weights,
softmax cross-entropy, and Adam whose step size follows a warmup-cosine schedule
(``functrans.optim``, optax's API). The step (forward pass, ``value_and_grad``,
Adam update) is one jitted function. Prints the train and test accuracy, and can
save the loss curve (``--plot loss.png``, needs matplotlib).

    python examples/cnn_digits.py
    python examples/cnn_digits.py --epochs 30 --channels 32 64 --plot loss.png
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

from _progress import print_summary
from _training import run_epochs, save_loss_plot

NUM_CLASSES = 10
SIDE = 8  # the digits are 8x8 images
LAYOUT = ("NHWC", "HWIO", "NHWC")


def load_digit_images(test_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """The digits as (n, 8, 8, 1) images scaled to [0, 1], split into stratified train and test sets."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    images = (images / 16.0).reshape(-1, SIDE, SIDE, 1)
    return tuple(train_test_split(images, labels, test_size=test_fraction, stratify=labels, random_state=seed))


def init_cnn(key: Any, channels: Sequence[int]) -> dict[str, Any]:
    """He-normal 3x3 kernels (HWIO) for each convolution and for the dense layer, zero biases."""
    keys = random.split(key, len(channels) + 1)
    init = initializers.he_normal()
    sizes = [1, *channels]
    convs = [{"w": init(k, (3, 3, c_in, c_out)), "b": np.zeros(c_out)}
             for k, c_in, c_out in zip(keys, sizes[:-1], sizes[1:])]
    side = SIDE // 2 ** len(channels)  # every pool halves the side
    dense = {"w": init(keys[-1], (side * side * channels[-1], NUM_CLASSES)), "b": np.zeros(NUM_CLASSES)}
    return {"convs": convs, "dense": dense}


def max_pool(x: Any) -> Any:
    """2x2 max-pooling with stride 2 over the spatial axes of an NHWC batch."""
    return lax.reduce_window(x, -fnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def logits(params: dict, x: Any) -> Any:
    """Convolution, ReLU and max-pool per layer, then a dense layer on the flattened features."""
    for layer in params["convs"]:
        x = lax.conv_general_dilated(x, layer["w"], (1, 1), "SAME", dimension_numbers=LAYOUT)
        x = max_pool(nn.relu(x + layer["b"]))
    x = fnp.reshape(x, (x.shape[0], -1))
    return x @ params["dense"]["w"] + params["dense"]["b"]


def loss_fn(params: dict, x: Any, labels: Any) -> Any:
    """Mean softmax cross-entropy."""
    return fnp.mean(optim.losses.softmax_cross_entropy_with_integer_labels(logits(params, x), labels))


def make_train_step(optimizer: optim.GradientTransformation):
    @ft.jit
    def train_step(params, opt_state, x, labels):
        loss, grads = ft.value_and_grad(loss_fn)(params, x, labels)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state, loss

    return train_step


@ft.jit
def predict(params: dict, x: Any) -> Any:
    return fnp.argmax(logits(params, x), axis=-1)


def accuracy(params: dict, x: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(predict(params, x) == labels))


def make_optimizer(args: argparse.Namespace, total_steps: int) -> optim.GradientTransformation:
    """Adam whose step size rises linearly for the first epoch, then follows a cosine down to 1%."""
    schedule = optim.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=args.learning_rate, warmup_steps=max(1, total_steps // args.epochs),
        decay_steps=total_steps, end_value=args.learning_rate / 100)
    return optim.adam(schedule)


def train(args: argparse.Namespace) -> dict[str, Any]:
    x_train, x_test, y_train, y_test = load_digit_images(args.test_fraction, args.seed)
    key, init_key = random.split(random.PRNGKey(args.seed))
    params = init_cnn(init_key, args.channels)
    optimizer = make_optimizer(args, args.epochs * (len(x_train) // args.batch_size))  # whole batches only
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
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per Adam step")
    parser.add_argument("--channels", type=int, nargs="+", default=[16, 32],
                        help="output channels of each convolution (each is followed by a 2x2 pool; at most 3)")
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam's peak step size")
    parser.add_argument("--test-fraction", type=float, default=0.25, help="share of the digits held out for testing")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data split, the initialisation and the batches")
    parser.add_argument("--plot", metavar="FILE", help="save the loss curve to this PNG file (needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not 1 <= len(args.channels) <= 3:
        parser.error(f"--channels takes 1 to 3 layers (an 8x8 image halves to 1x1 after three pools), got {len(args.channels)}")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train, print the accuracies, optionally plot; returns the results (accuracies, losses, params)."""
    args = parse_args(argv)
    result = train(args)
    print_summary(args.epochs, result)
    if args.plot and save_loss_plot(result["losses"], args.plot, "CNN on digits (functrans)"):
        print(f"loss curve saved to {args.plot}")
    return result


if __name__ == "__main__":
    main()
