"""The training loop and loss plot the digits examples share."""
from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np

from functrans import random

from _progress import progress


def run_epochs(train_step: Callable, params: Any, opt_state: Any, x: np.ndarray, y: np.ndarray, *, key: Any,
               epochs: int, batch_size: int, quiet: bool) -> tuple[Any, Any, list[float]]:
    """``epochs`` passes of ``train_step(params, opt_state, x, y) -> (params, opt_state, loss)``
    over shuffled whole batches (one shape, so the step compiles once); returns the final
    parameters and optimiser state and each epoch's mean loss."""
    batches_per_epoch = len(x) // batch_size
    epoch_losses: list[float] = []
    bar = progress(range(epochs), epochs, "epochs", quiet)
    for epoch in bar:
        order = random.permutation(random.fold_in(key, epoch), len(x))
        batch_losses = []
        for b in range(batches_per_epoch):
            idx = order[b * batch_size : (b + 1) * batch_size]
            params, opt_state, loss = train_step(params, opt_state, x[idx], y[idx])
            batch_losses.append(float(loss))
        epoch_losses.append(float(np.mean(batch_losses)))
        bar.set_postfix_str(f"loss {epoch_losses[-1]:.4f}")
    return params, opt_state, epoch_losses


def save_loss_plot(losses: Sequence[float], path: str, title: str) -> bool:
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
    ax.set(xlabel="epoch", ylabel="mean training loss", yscale="log", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
