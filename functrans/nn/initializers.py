"""Weight initializers, as ``jax.nn.initializers``: each ``initializer(key, shape, dtype)``.

>>> from functrans import random
>>> w = glorot_normal()(random.PRNGKey(0), (64, 32))
>>> w.shape, w.dtype
((64, 32), dtype('float64'))
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import dtypes, random
from .. import numpy as fnp

Initializer = Callable[..., Any]

__all__ = [
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "ones",
    "variance_scaling", "xavier_normal", "xavier_uniform", "zeros",
]

# Standard deviation of a standard normal truncated to [-2, 2] (JAX rescales by it too).
_TRUNCATED_STD = 0.87962566103423978
_TRUNCATION_ROUNDS = 8


def zeros(key: Any, shape: Sequence[int], dtype: Any = dtypes.float64) -> Any:
    """An initializer giving zeros (``key`` is ignored)."""
    return fnp.zeros(shape, dtype)


def ones(key: Any, shape: Sequence[int], dtype: Any = dtypes.float64) -> Any:
    """An initializer giving ones (``key`` is ignored)."""
    return fnp.ones(shape, dtype)


def _fans(shape: Sequence[int], in_axis: int, out_axis: int) -> tuple[float, float]:
    """Fan-in and fan-out of a weight of ``shape``; other axes (a convolution's window) multiply both."""
    if len(shape) < 2:
        raise ValueError(f"variance_scaling: a weight needs at least 2 axes to have fans, got shape {tuple(shape)}")
    receptive_field = math.prod(shape) / shape[in_axis] / shape[out_axis]
    return shape[in_axis] * receptive_field, shape[out_axis] * receptive_field


def _truncated_normal(key: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    """Standard normals truncated to [-2, 2]: the first of several candidates inside the bounds
    (all are outside with probability 0.0455**8 ~ 2e-11; that value is then clipped)."""
    candidates = random.normal(key, (_TRUNCATION_ROUNDS,) + shape, dtype)
    first_inside = fnp.argmax(fnp.abs(candidates) <= 2.0, axis=0)
    picked = fnp.take_along_axis(candidates, fnp.expand_dims(first_inside, 0), axis=0)[0]
    return fnp.clip(picked, -2.0, 2.0)


def variance_scaling(
    scale: float, mode: str, distribution: str, in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64
) -> Initializer:
    """Draws with variance ``scale / fan`` where ``fan`` is the fan-in, fan-out or their mean
    (``mode`` = "fan_in", "fan_out", "fan_avg"); ``distribution`` is "truncated_normal",
    "normal" or "uniform".

    >>> init = variance_scaling(2.0, "fan_in", "normal")
    >>> init(random.PRNGKey(0), (1000, 100)).std().round(2)    # sqrt(2 / 1000)
    np.float64(0.04)
    """
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"variance_scaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"variance_scaling: unknown distribution {distribution!r}; use 'truncated_normal', 'normal' or 'uniform'")
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype) -> Any:
        shape, dtype = tuple(int(d) for d in shape), np.dtype(dtype)
        fan_in, fan_out = _fans(shape, in_axis, out_axis)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / fan
        if distribution == "uniform":
            bound = math.sqrt(3.0 * variance)
            return random.uniform(key, shape, dtype, -bound, bound)
        if distribution == "normal":
            return random.normal(key, shape, dtype) * math.sqrt(variance)
        return _truncated_normal(key, shape, dtype) * (math.sqrt(variance) / _TRUNCATED_STD)

    return init


def glorot_normal(in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64) -> Initializer:
    """Glorot (Xavier) normal: truncated normal with variance ``2 / (fan_in + fan_out)``."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, dtype)


def glorot_uniform(in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64) -> Initializer:
    """Glorot (Xavier) uniform: uniform on ``+-sqrt(6 / (fan_in + fan_out))``."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, dtype)


def he_normal(in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64) -> Initializer:
    """He (Kaiming) normal: truncated normal with variance ``2 / fan_in`` (for ReLU layers)."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype)


def he_uniform(in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64) -> Initializer:
    """He (Kaiming) uniform: uniform on ``+-sqrt(6 / fan_in)``."""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, dtype)


def lecun_normal(in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64) -> Initializer:
    """LeCun normal: truncated normal with variance ``1 / fan_in``."""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, dtype)


def lecun_uniform(in_axis: int = -2, out_axis: int = -1, dtype: Any = dtypes.float64) -> Initializer:
    """LeCun uniform: uniform on ``+-sqrt(3 / fan_in)``."""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, dtype)


xavier_normal, xavier_uniform = glorot_normal, glorot_uniform
