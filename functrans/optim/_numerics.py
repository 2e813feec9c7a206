"""Numerics that stay finite and differentiable at the edges: norms clamped below,
counters that saturate instead of wrapping (as ``optax._src.numerics``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from .. import numpy as fnp


def abs_sq(x: Any) -> Any:
    """``|x|**2`` elementwise (functrans arrays are real, so this is ``x * x``).

    >>> abs_sq(np.array([-3.0, 2.0]))
    array([9., 4.])
    """
    return fnp.square(x)


def safe_norm(x: Any, min_norm: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """``max(norm(x), min_norm)``, with a gradient that stays finite where the norm is 0.

    >>> float(safe_norm(np.zeros(3), 1e-3)), float(safe_norm(np.array([3.0, 4.0]), 1e-3))
    (0.001, 5.0)
    """
    norm = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=True)
    # Where the norm is tiny, differentiate the norm of ones instead of x: sqrt'(0) is infinite.
    x = fnp.where(norm <= min_norm, fnp.ones_like(x), x)
    norm = norm if keepdims else fnp.squeeze(norm, axis=axis)
    masked_norm = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return fnp.where(norm <= min_norm, min_norm, masked_norm)


def safe_root_mean_squares(x: Any, min_rms: Any) -> Any:
    """``max(sqrt(mean(x**2)), min_rms)``, with a finite gradient where the RMS is 0.

    >>> float(safe_root_mean_squares(np.array([3.0, -3.0]), 1e-3))
    3.0
    """
    rms = fnp.sqrt(fnp.mean(abs_sq(x)))
    x = fnp.where(rms <= min_rms, fnp.ones_like(x), x)
    return fnp.where(rms <= min_rms, min_rms, fnp.sqrt(fnp.mean(abs_sq(x))))


def safe_increment(count: Any) -> Any:
    """``count + 1``, saturating at the largest value of ``count``'s dtype instead of overflowing.

    >>> safe_increment(np.array(3, np.int32)), safe_increment(np.array(2**31 - 1, np.int32))
    (array(4, dtype=int32), array(2147483647, dtype=int32))
    """
    dtype = fnp.asarray(count).dtype
    if dtypes.is_integer(dtype):
        max_value = np.iinfo(dtype).max
    elif dtypes.is_float(dtype):
        max_value = np.finfo(dtype).max
    else:
        raise ValueError(f"safe_increment: cannot increment a count of dtype {dtype}; it must be an integer or float dtype")
    max_value, one = np.array(max_value, dtype), np.array(1, dtype)
    return fnp.where(count < max_value, count + one, max_value)


safe_int32_increment = safe_increment
