"""W5: first-call latency of W1's training step (MLP 784-512-512-10, f32, batch 128),
each time in a fresh Python process, with every implementation W1 has.

    W5 cold: a new process with a new, empty cache directory
    W5 warm: a new process reusing the cache directory a cold run just filled

Measured as ``first_call.py`` measures every workload: the wall time from building the step
to its first result (tracing + compiling or loading from the disk cache + one run), checked
against W1's NumPy step.  numba is the hand-written kernel (rational tanh) with
``cache=True``; NumPy and eager torch compile nothing, so their rows show first-call costs
(BLAS thread start-up, torch's lazy initialisation).  ``--runs N`` fresh processes per row
(default 3).
"""

from __future__ import annotations

import sys

import _harness as H
import first_call


def run() -> list[H.Case]:
    cold, warm = first_call.first_call_cases("W1", impls=H.IMPLS, runs=3)
    cold.key, warm.key = "W5 cold", "W5 warm"
    return [cold, warm]


if __name__ == "__main__":
    first_call.parse(__doc__.splitlines()[0])
    sys.exit(H.finish(run()))
