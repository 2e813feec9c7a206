"""The implementation of ``functrans.scipy.signal``, which re-exports the names in ``__all__``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from ..numpy._base import ArrayLike, canonical_axis, promote, promote_to_inexact

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "detrend"]

_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct", "fft")


def _output_windows(n: tuple[int, ...], m: tuple[int, ...], mode: str, centre_high: bool) -> list[tuple[int, int]]:
    """``(start, length)`` per axis of the output within the full convolution. For an even kernel
    ``'same'`` has two centres: SciPy takes the lower, except in ``correlate2d`` (``centre_high``)."""
    if mode == "full":
        return [(0, a + b - 1) for a, b in zip(n, m)]
    if mode == "same":
        return [((b if centre_high else b - 1) // 2, a) for a, b in zip(n, m)]
    return [(b - 1, a - b + 1) for a, b in zip(n, m)]


def _convolve(name: str, in1: ArrayLike, in2: ArrayLike, mode: str, method: str, centre_high: bool = False) -> Any:
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {_MODES}, got {mode!r}")
    if method not in _METHODS:
        raise ValueError(f"{name}: method must be one of {_METHODS}, got {method!r}")
    x, kernel = promote(fnp.asarray(in1), fnp.asarray(in2))
    if x.ndim != kernel.ndim:
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got shapes {x.shape} and {kernel.shape}")
    if x.size == 0 or kernel.size == 0:
        raise ValueError(f"{name}: inputs must be non-empty, got shapes {x.shape} and {kernel.shape}")
    if mode == "valid" and not all(a >= b for a, b in zip(x.shape, kernel.shape)):
        if all(b >= a for a, b in zip(x.shape, kernel.shape)):
            x, kernel = kernel, x  # convolution commutes
        else:
            raise ValueError(f"{name}: for 'valid' mode one input must be at least as large as the other in every "
                             f"dimension, got shapes {x.shape} and {kernel.shape}")
    if x.ndim == 0:
        return fnp.multiply(x, kernel)
    n, m = x.shape, kernel.shape
    # full[k] = sum_j x[k - j] kernel[j] = sum_i padded[k + i] flipped[i], padded by m - 1 zeros each side
    padded = fnp.pad(x, [(b - 1, b - 1) for b in m])
    windows = padded
    for axis, ((start, length), b) in enumerate(zip(_output_windows(n, m, mode, centre_high), m)):
        index = start + np.arange(length)[:, None] + np.arange(b)[None, :]
        windows = fnp.take(windows, index, axis=2 * axis)  # the axis becomes (output, kernel)
    d = x.ndim
    windows = fnp.transpose(windows, [2 * a for a in range(d)] + [2 * a + 1 for a in range(d)])
    return fnp.tensordot(windows, fnp.flip(kernel), axes=d)


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto", precision: Any = None) -> Any:
    """The N-dimensional convolution of ``in1`` and ``in2``; ``mode`` ``'full'``, ``'same'`` (the
    size of ``in1``, centred on the full output) or ``'valid'`` (no zero padding)."""
    return _convolve("convolve", in1, in2, mode, method)


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto", precision: Any = None) -> Any:
    """The N-dimensional cross-correlation ``sum_j in1[k + j] in2[j]``: the convolution with ``in2``
    reversed along every axis.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), mode="same")
    array([2. , 3.5, 3. ])
    """
    in2 = fnp.asarray(in2)
    return _convolve("correlate", in1, fnp.flip(in2) if in2.ndim else in2, mode, method)


def _check_2d(name: str, in1: Any, in2: Any, boundary: str, fillvalue: float) -> None:
    if fnp.ndim(in1) != 2 or fnp.ndim(in2) != 2:
        raise ValueError(f"{name}: inputs must be 2-D, got shapes {fnp.shape(in1)} and {fnp.shape(in2)}")
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{name}: only boundary='fill' with fillvalue=0 is supported (as in JAX)")


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill", fillvalue: float = 0,
               precision: Any = None) -> Any:
    """The 2-D convolution of ``in1`` and ``in2`` (zero boundary).

    >>> convolve2d(np.eye(2), np.ones((2, 2)))
    array([[1., 1., 0.],
           [1., 2., 1.],
           [0., 1., 1.]])
    """
    _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    return _convolve("convolve2d", in1, in2, mode, "direct")


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill", fillvalue: float = 0,
                precision: Any = None) -> Any:
    """The 2-D cross-correlation of ``in1`` and ``in2`` (zero boundary).

    >>> correlate2d(np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), mode="valid")
    array([[5.]])
    """
    _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    return _convolve("correlate2d", in1, fnp.flip(fnp.asarray(in2)), mode, "direct", centre_high=True)


def detrend(data: ArrayLike, axis: int = -1, type: str = "linear", bp: int | Sequence[int] | np.ndarray = 0,
            overwrite_data: None = None) -> Any:
    """``data`` minus its least-squares line along ``axis`` (``type='linear'``; a separate line on
    each piece between the break points ``bp``), or minus its mean (``'constant'``).

    >>> detrend(np.array([1.0, 3.0, 5.0, 8.0]))
    array([ 0.2, -0.1, -0.4,  0.3])
    """
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}")
    x = promote_to_inexact(fnp.asarray(data))[0]
    axis = canonical_axis(axis, x.ndim)
    if type in ("constant", "c"):
        return x - fnp.mean(x, axis=axis, keepdims=True)
    n = x.shape[axis]
    breaks = sorted({0, n, *(int(b) for b in np.atleast_1d(bp))})
    if breaks[0] < 0 or breaks[-1] > n:
        raise ValueError(f"detrend: break points must lie in [0, {n}], got {bp!r}")
    pieces = []
    for lo, hi in zip(breaks[:-1], breaks[1:]):
        if hi > lo:
            pieces.append(_remove_line(fnp.moveaxis(x, axis, -1)[..., lo:hi]))
    return fnp.moveaxis(fnp.concatenate(pieces, axis=-1), -1, axis)


def _remove_line(piece: Any) -> Any:
    """``piece`` minus its least-squares line along the last axis."""
    centred_t = np.arange(piece.shape[-1], dtype=np.float64)
    centred_t -= centred_t.mean()
    centred_t = centred_t.astype(piece.dtype)
    denominator = float(np.sum(centred_t.astype(np.float64) ** 2)) or 1.0
    centred = piece - fnp.mean(piece, axis=-1, keepdims=True)
    slope = fnp.sum(centred * centred_t, axis=-1, keepdims=True) / denominator
    return centred - slope * centred_t
