"""Both Gumbel distributions: the right-skewed one's functions at ``z`` are the left-skewed
one's at ``-z`` with the tails exchanged."""
from __future__ import annotations

from ... import numpy as fnp
from ._common import promote, standardize


def log_density(x, loc, scale, side):
    z, scale = standardize(x, loc, scale)
    z = z * side  # side = -1 for gumbel_r: its density is exp(-z - exp(-z))
    return z - fnp.exp(z) - fnp.log(scale)


def log_upper(x, loc, scale, side):
    """``log P(side X > side x) = -exp(side z)``, the tail in which the distribution decays
    doubly exponentially."""
    z, _ = standardize(x, loc, scale)
    return -fnp.exp(z * side)


def quantile(p, loc, scale, side):
    """The x with ``P(side X > side x) = p``."""
    p, loc, scale = promote(p, loc, scale)
    return loc + side * scale * fnp.log(-fnp.log(p))
