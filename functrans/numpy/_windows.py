"""Window functions for signal processing (float64, symmetric, of length ``M``)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import core, dtypes, lax
from ._base import ArrayLike, convert, promote_to_inexact
from ._ufuncs import i0


def _length(M: Any, name: str) -> int:
    return int(core.concrete_or_error(M, f"{name}'s window length M"))


def _symmetric_positions(M: int) -> Any:
    """``n / (M - 1)`` for ``n = 1 - M, 3 - M, ..., M - 1``: the window's positions in [-1, 1]."""
    n = lax.sub(lax.mul(lax.convert_element_type(lax.iota(dtypes.int64, M), dtypes.float64), 2.0), float(M - 1))
    return lax.div(n, float(M - 1))


def _cosine_window(name: str, M: Any, coefficients: tuple[float, ...]) -> Any:
    """``sum_k c_k cos(k pi x)`` over the symmetric positions ``x``."""
    M = _length(M, name)
    if M < 1:
        return np.zeros(0)
    if M == 1:
        return np.ones(1)
    x = lax.mul(_symmetric_positions(M), math.pi)
    out = lax.full_like(x, coefficients[0])
    for k, c in enumerate(coefficients[1:], start=1):
        out = lax.add(out, lax.mul(lax.cos(lax.mul(x, float(k))), c))
    return out


def hanning(M: int) -> Any:
    """The Hann window: ``0.5 + 0.5 cos(pi n / (M - 1))``.

    >>> hanning(5)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    return _cosine_window("hanning", M, (0.5, 0.5))


def hamming(M: int) -> Any:
    """The Hamming window: ``0.54 + 0.46 cos(pi n / (M - 1))``.

    >>> hamming(3)
    array([0.08, 1.  , 0.08])
    """
    return _cosine_window("hamming", M, (0.54, 0.46))


def blackman(M: int) -> Any:
    """The Blackman window: ``0.42 + 0.5 cos(pi n / (M - 1)) + 0.08 cos(2 pi n / (M - 1))``.

    >>> blackman(3).round(6)
    array([-0.,  1., -0.])
    """
    return _cosine_window("blackman", M, (0.42, 0.5, 0.08))


def bartlett(M: int) -> Any:
    """The Bartlett (triangular) window, zero at both ends.

    >>> bartlett(5)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    M = _length(M, "bartlett")
    if M < 1:
        return np.zeros(0)
    if M == 1:
        return np.ones(1)
    return lax.sub(1.0, lax.abs(_symmetric_positions(M)))


def kaiser(M: int, beta: ArrayLike) -> Any:
    """The Kaiser window ``i0(beta sqrt(1 - x**2)) / i0(beta)`` over positions ``x`` in [-1, 1]
    (``beta`` may be traced).

    >>> kaiser(3, 5.0).round(6)
    array([0.036711, 1.      , 0.036711])
    """
    M = _length(M, "kaiser")
    if M < 1:
        return np.zeros(0)
    if M == 1:
        return np.ones(1)
    (beta,) = promote_to_inexact(beta)
    beta = convert(beta, dtypes.float64)
    x = _symmetric_positions(M)
    b = lax.broadcast_in_dim(beta, (M,), ())
    inside = lax.sqrt(lax.max(lax.sub(1.0, lax.mul(x, x)), lax.full_like(x, 0)))
    return lax.div(i0(lax.mul(b, inside)), i0(b))
