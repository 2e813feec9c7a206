"""Output shared by the examples: a progress bar (tqdm when it is installed, else a plain
text fallback) and the summary of a training run."""
from __future__ import annotations

import sys
from typing import Any, Iterable, Iterator

try:
    from tqdm import tqdm
except ImportError:  # tqdm is optional (the `examples` extra installs it)
    tqdm = None


class _PlainBar:
    """Prints ``desc: i/total`` about ten times over the loop, with the latest postfix."""

    def __init__(self, iterable: Iterable, total: int, desc: str, quiet: bool):
        self.iterable, self.total, self.desc, self.quiet = iterable, total, desc, quiet
        self.postfix = ""

    def __iter__(self) -> Iterator:
        every = max(1, self.total // 10)
        for i, item in enumerate(self.iterable, start=1):
            yield item
            if not self.quiet and (i % every == 0 or i == self.total):
                print(f"{self.desc}: {i}/{self.total} {self.postfix}", file=sys.stderr, flush=True)

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text


def progress(iterable: Iterable, total: int, desc: str, quiet: bool = False):
    """``iterable`` with a progress bar (``set_postfix_str`` shows the latest loss); silent when ``quiet``."""
    if tqdm is not None and not quiet:
        return tqdm(iterable, total=total, desc=desc, leave=False)
    return _PlainBar(iterable, total, desc, quiet)


def print_summary(epochs: int, result: dict[str, Any]) -> None:
    """The time, final loss and accuracies of a training run (``train``'s result)."""
    print(f"trained {epochs} epochs in {result['seconds']:.1f} s (compilation included), final loss {result['losses'][-1]:.4f}")
    print(f"train accuracy {result['train_accuracy']:.4f}   test accuracy {result['test_accuracy']:.4f}")
