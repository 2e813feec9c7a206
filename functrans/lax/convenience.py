"""Small jax.lax functions written with other primitives: ``clamp``, ``reciprocal``,
``dtype`` and ``optimization_barrier``."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import core, tree_util
from . import elementwise as _ew
from . import shape as _shape


def _bound(name: str, value: Any, x_aval: core.ShapedArray) -> Any:
    """A clamp bound as an array of ``x``'s shape: Python scalars take ``x``'s dtype; arrays
    must have it, and be scalars or of ``x``'s shape."""
    if type(value) in core._PY_SCALARS:
        return _shape.full(x_aval.shape, value, x_aval.dtype)
    value = value if isinstance(value, core.Tracer) else np.asarray(value)
    aval = core.get_aval(value)
    if aval.weak_type and aval.dtype.kind == x_aval.dtype.kind:  # a traced Python scalar takes x's dtype
        value = _ew.convert_element_type(value, x_aval.dtype)
        aval = core.get_aval(value)
    if aval.dtype != x_aval.dtype:
        raise TypeError(f"lax.clamp requires arguments to have the same dtypes, got {name} {aval.str_short()} "
                        f"and operand {x_aval.str_short()}")
    if aval.shape not in ((), x_aval.shape):
        raise TypeError(f"clamp requires {name}.shape == operand.shape or {name}.shape == (), got "
                        f"{name}.shape={aval.shape}, operand.shape={x_aval.shape}.")
    return _shape.broadcast_in_dim(value, x_aval.shape, ()) if aval.shape != x_aval.shape else value


def clamp(min: Any, x: Any, max: Any) -> Any:
    """``x`` limited to ``[min, max]`` elementwise (``max`` wherever ``min > max``). As in JAX, the
    derivative follows whichever of the three is strictly the result and is zero at ties.

    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0. , 0.5, 1. ])
    """
    x = x if isinstance(x, core.Tracer) else np.asarray(x)
    aval = core.get_aval(x)
    lo, hi = _bound("min", min, aval), _bound("max", max, aval)
    value = _ew.min(_ew.max(x, lo), hi)
    inside = _ew.bitwise_and(_ew.gt(x, lo), _ew.lt(x, hi))
    below = _ew.bitwise_and(_ew.gt(lo, x), _ew.lt(lo, hi))
    above = _ew.lt(hi, x)
    tie = _ew.stop_gradient(value)
    return _ew.select_n(inside, _ew.select_n(below, _ew.select_n(above, tie, hi), lo), x)


def reciprocal(x: Any) -> Any:
    """``1 / x`` elementwise.

    >>> reciprocal(np.array([2.0, 4.0]))
    array([0.5 , 0.25])
    """
    return _ew.integer_pow(x if isinstance(x, core.Tracer) else np.asarray(x), -1)


def dtype(x: Any) -> np.dtype:
    """The dtype of an array, a Python scalar (float64 for a float) or a dtype-like (``"float32"``).

    >>> dtype(1.0), dtype("int8")
    (dtype('float64'), dtype('int8'))
    """
    if isinstance(x, (str, type, np.dtype)):
        return np.dtype(x)
    return core.get_aval(x if core.is_valid_value(x) else np.asarray(x)).dtype


def optimization_barrier(operand: Any, /) -> Any:
    """``operand`` (any pytree of arrays) unchanged. In JAX it also stops XLA moving
    computations across it; here it is only the identity (no ordering guarantee), which
    differentiates, batches and compiles as such.

    >>> optimization_barrier((1.0, np.arange(2)))
    (array(1.), array([0, 1]))
    """
    return tree_util.tree_map(lambda x: x if isinstance(x, core.Tracer) else np.asarray(x), operand)
