"""The implementation of ``functrans.nn.initializers``, which re-exports the names in ``__all__``."""
from __future__ import annotations

import math
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from .. import dtypes, random
from .. import numpy as fnp

__all__ = [
    "Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "kaiming_normal", "kaiming_uniform", "lecun_normal", "lecun_uniform", "normal", "ones", "orthogonal",
    "truncated_normal", "uniform", "variance_scaling", "xavier_normal", "xavier_uniform", "zeros",
]

Axes = int | Sequence[int]

# Standard deviation of a standard normal truncated to [-2, 2] (JAX rescales by it too).
_TRUNCATED_STD = 0.87962566103423978
_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")


@runtime_checkable
class Initializer(Protocol):
    """What every initializer is: called with a PRNG key, a shape and an optional dtype."""

    def __call__(self, key: Any, shape: Sequence[int], dtype: Any = None, out_sharding: Any = None) -> Any:
        raise NotImplementedError


def _float_dtype(dtype: Any) -> np.dtype:
    return dtypes.float64 if dtype is None else np.dtype(dtype)


def _shape(shape: int | Sequence[int], out_sharding: Any, where: str) -> tuple[int, ...]:
    if out_sharding is not None:
        raise NotImplementedError(f"{where}: out_sharding is not supported (there is one device)")
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def zeros(key: Any, shape: Sequence[int], dtype: Any = None, out_sharding: Any = None) -> Any:
    """An initializer giving zeros (``key`` is ignored).

    >>> zeros(None, (2,))
    array([0., 0.])
    """
    return fnp.zeros(_shape(shape, out_sharding, "zeros"), _float_dtype(dtype))


def ones(key: Any, shape: Sequence[int], dtype: Any = None, out_sharding: Any = None) -> Any:
    """An initializer giving ones (``key`` is ignored).

    >>> ones(None, (2,), np.float32)
    array([1., 1.], dtype=float32)
    """
    return fnp.ones(_shape(shape, out_sharding, "ones"), _float_dtype(dtype))


def constant(value: Any, dtype: Any = None) -> Initializer:
    """An initializer filling the shape with ``value``.

    >>> constant(-0.5)(None, (2,))
    array([-0.5, -0.5])
    """
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        return fnp.full(_shape(shape, out_sharding, "constant"), value, _float_dtype(dtype))

    return init


def uniform(scale: Any = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer drawing uniformly from ``[0, scale)``.

    >>> bool((uniform(2.0)(random.PRNGKey(0), (100,)) < 2.0).all())
    True
    """
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        dtype = _float_dtype(dtype)
        return random.uniform(key, _shape(shape, out_sharding, "uniform"), dtype) * fnp.asarray(scale, dtype)

    return init


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer drawing from a normal of mean 0 and standard deviation ``stddev``.

    >>> float(normal(3.0)(random.PRNGKey(0), (10000,)).std().round(1))
    3.0
    """
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        dtype = _float_dtype(dtype)
        return random.normal(key, _shape(shape, out_sharding, "normal"), dtype) * fnp.asarray(stddev, dtype)

    return init


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: float = -2.0, upper: float = 2.0) -> Initializer:
    """An initializer drawing ``stddev * z`` for a standard normal ``z`` truncated to
    ``(lower, upper)`` (so the standard deviation is below ``stddev``).

    >>> w = truncated_normal(1.0, lower=0.0, upper=0.5)(random.PRNGKey(0), (1000,))
    >>> bool((w > 0).all() and (w < 0.5).all())
    True
    """
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        dtype = _float_dtype(dtype)
        draws = _truncated_normal(key, lower, upper, _shape(shape, out_sharding, "truncated_normal"), dtype)
        return draws * fnp.asarray(stddev, dtype)

    return init


def _truncated_normal(key: Any, lower: Any, upper: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    # functrans.random.truncated_normal returns float64 for float32 requests (as of this writing).
    return fnp.astype(random.truncated_normal(key, lower, upper, shape, dtype), dtype)


def _size(shape: tuple[int, ...], axes: Axes) -> int:
    return shape[axes] if isinstance(axes, int) else math.prod(shape[i] for i in axes)


def _fans(shape: tuple[int, ...], in_axis: Axes, out_axis: Axes, batch_axis: Axes) -> tuple[float, float]:
    """Fan-in and fan-out of a weight of ``shape``; axes that are neither input, output nor
    batch (a convolution's window) multiply both."""
    if in_axis == -2 and len(shape) <= 1:
        raise ValueError(f"variance_scaling: can't compute the fans of a {len(shape)}-dimensional weight (shape "
                         f"{shape}) with the default in_axis: a weight needs at least 2 axes, or give in_axis")
    in_size, out_size = _size(shape, in_axis), _size(shape, out_axis)
    receptive_field = math.prod(shape) / in_size / out_size / _size(shape, batch_axis)
    return in_size * receptive_field, out_size * receptive_field


def variance_scaling(scale: Any, mode: str, distribution: str, in_axis: Axes = -2, out_axis: Axes = -1,
                     batch_axis: Axes = (), dtype: Any = None) -> Initializer:
    """An initializer drawing with variance ``scale / fan``, where ``fan`` is the fan-in, the
    fan-out, their mean or their geometric mean (``mode`` = "fan_in", "fan_out", "fan_avg",
    "fan_geo_avg"), from a ``distribution`` "truncated_normal" (at two standard deviations,
    rescaled to keep the variance), "normal" or "uniform". Fans count the sizes of
    ``in_axis``/``out_axis`` times every axis but those and ``batch_axis``.

    >>> init = variance_scaling(2.0, "fan_in", "normal")
    >>> init(random.PRNGKey(0), (1000, 100)).std().round(2)    # sqrt(2 / 1000)
    np.float64(0.04)
    """
    if mode not in _MODES:
        raise ValueError(f"variance_scaling: invalid mode {mode!r}; expected one of {_MODES}")
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"variance_scaling: invalid distribution {distribution!r}; expected one of {_DISTRIBUTIONS}")
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        shape, dtype = _shape(shape, out_sharding, "variance_scaling"), _float_dtype(dtype)
        fan_in, fan_out = _fans(shape, in_axis, out_axis, batch_axis)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
               "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
        std = math.sqrt(scale / fan)
        if distribution == "uniform":
            return random.uniform(key, shape, dtype, -1.0, 1.0) * fnp.asarray(math.sqrt(3.0) * std, dtype)
        if distribution == "normal":
            return random.normal(key, shape, dtype) * fnp.asarray(std, dtype)
        return _truncated_normal(key, -2.0, 2.0, shape, dtype) * fnp.asarray(std / _TRUNCATED_STD, dtype)

    return init


def _variance_rule(name: str, scale: float, mode: str, distribution: str, doc: str):
    """A named variance-scaling factory (glorot_uniform, he_normal, ...) with JAX's signature."""

    def factory(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype)

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = doc
    return factory


glorot_normal = _variance_rule("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                               "Glorot (Xavier) normal: truncated normal with variance ``2 / (fan_in + fan_out)``.")
glorot_uniform = _variance_rule("glorot_uniform", 1.0, "fan_avg", "uniform",
                                "Glorot (Xavier) uniform: uniform on ``+-sqrt(6 / (fan_in + fan_out))``.")
he_normal = _variance_rule("he_normal", 2.0, "fan_in", "truncated_normal",
                           "He (Kaiming) normal: truncated normal with variance ``2 / fan_in`` (for ReLU layers).")
he_uniform = _variance_rule("he_uniform", 2.0, "fan_in", "uniform",
                            "He (Kaiming) uniform: uniform on ``+-sqrt(6 / fan_in)``.")
lecun_normal = _variance_rule("lecun_normal", 1.0, "fan_in", "truncated_normal",
                              "LeCun normal: truncated normal with variance ``1 / fan_in``.")
lecun_uniform = _variance_rule("lecun_uniform", 1.0, "fan_in", "uniform",
                               "LeCun uniform: uniform on ``+-sqrt(3 / fan_in)``.")
xavier_normal, xavier_uniform = glorot_normal, glorot_uniform
kaiming_normal, kaiming_uniform = he_normal, he_uniform


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer giving ``scale`` times a Haar-random matrix with orthonormal columns
    (or rows, if there are fewer rows): the weight is viewed as a matrix whose columns run
    along ``column_axis`` and whose rows are all the other axes.

    >>> w = orthogonal()(random.PRNGKey(0), (5, 3))
    >>> bool(np.allclose(w.T @ w, np.eye(3)))
    True
    """
    default_dtype = dtype

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        shape, dtype = _shape(shape, out_sharding, "orthogonal"), _float_dtype(dtype)
        if len(shape) < 2:
            raise ValueError(f"orthogonal initializer requires at least a 2D shape, got {shape}")
        if 0 in shape:
            return fnp.zeros(shape, dtype)
        cols = shape[column_axis]
        q = random.orthogonal(key, math.prod(shape) // cols, (), dtype, cols)
        rows_shape = tuple(np.delete(np.array(shape), column_axis))
        q = fnp.moveaxis(fnp.reshape(q, rows_shape + (cols,)), -1, column_axis)
        return fnp.asarray(scale, dtype) * q

    return init


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer for convolution kernels (3, 4 or 5 axes, spatial axes first): zero
    except the spatial centre, which holds an ``orthogonal`` (in, out) matrix; needs
    ``in <= out`` (the last two axes).

    >>> w = delta_orthogonal()(random.PRNGKey(0), (3, 2, 2))
    >>> bool((w[0] == 0).all() and (w[2] == 0).all()), bool(np.allclose(w[1].T @ w[1], np.eye(2)))
    (True, True)
    """
    default_dtype = dtype
    matrix_init = orthogonal(scale, column_axis, dtype)

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype, out_sharding: Any = None) -> Any:
        shape, dtype = _shape(shape, out_sharding, "delta_orthogonal"), _float_dtype(dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError(f"delta_orthogonal initializer requires a 3D, 4D or 5D shape, got {shape}")
        if shape[-1] < shape[-2]:
            raise ValueError(f"delta_orthogonal: fan_in (axis -2) must be less than or equal to fan_out (axis -1), "
                             f"got shape {shape}")
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        return fnp.at(fnp.zeros(shape, dtype))[centre].set(matrix_init(key, shape[-2:], dtype))

    return init
