"""What the discrete distributions share: shifting by ``loc`` and masking off the support."""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from ._common import promote, safe, where


def shifted(k, loc, *params):
    """``[k - loc, *params]`` promoted together and broadcast."""
    k, loc, *params = promote(k, loc, *params)
    return [k - loc, *params]


def masked_log(k, value_fn, lower: float = 0.0, upper=None):
    """``value_fn(k)`` where ``k`` is a whole number in ``[lower, upper]``, ``-inf`` elsewhere (there
    ``k`` is replaced by ``lower``, so the discarded branch adds no nan to derivatives)."""
    inside = (k >= lower) & (k == fnp.floor(k))
    if upper is not None:
        inside = inside & (k <= upper)
    return where(inside, value_fn(safe(inside, k, lower)), -np.inf)
