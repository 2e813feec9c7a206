"""The Threefry-2x32 block cipher (20 rounds; Salmon et al., "Parallel random numbers: as easy
as 1, 2, 3", SC 2011), written once for both of its callers: the eager path runs it on NumPy
uint32 arrays, and compiled code runs it on scalars in a precompiled kernel
(``backend.kernels.threefry2x32``). Every operation is pinned to uint32 (``np.uint32(...)``),
which for arrays keeps NumPy's wrapping arithmetic and for Numba's scalars undoes its
promotion to 64 bits, so both give the same bits.
"""
from __future__ import annotations

import numpy as np

# Rotation distances of the two alternating groups of four rounds.
ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
KEY_SCHEDULE_PARITY = 0x1BD11BDA


def threefry2x32_rounds(k0, k1, x0, x1):
    """The cipher of the counter pair ``(x0, x1)`` under the key ``(k0, k1)``: uint32 scalars, or
    arrays that broadcast together.

    >>> [hex(int(w)) for w in threefry2x32_rounds(np.uint32(0), np.uint32(0), np.uint32(0), np.uint32(0))]
    ['0x6b200159', '0x99ba4efe']
    """
    schedule = (k0, k1, np.uint32(k0 ^ k1 ^ np.uint32(KEY_SCHEDULE_PARITY)))
    x0, x1 = np.uint32(x0 + k0), np.uint32(x1 + k1)
    for injection in range(1, 6):
        for distance in ROTATIONS[(injection - 1) % 2]:
            x0 = np.uint32(x0 + x1)
            x1 = np.uint32(x0 ^ np.uint32((x1 << distance) | (x1 >> (32 - distance))))
        x0 = np.uint32(x0 + schedule[injection % 3])
        x1 = np.uint32(x1 + schedule[(injection + 1) % 3] + np.uint32(injection))
    return x0, x1
