"""What every ``functrans.numpy`` function shares: turning inputs into arrays,
NumPy 2 dtype promotion with weak Python scalars, broadcasting, axis handling."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import core, dtypes, lax
from ..core import Tracer

ArrayLike = Any


def typed(x: ArrayLike) -> tuple[np.dtype, bool]:
    """``(dtype, weak_type)`` of an operand."""
    if isinstance(x, Tracer):
        return x.aval.dtype, x.aval.weak_type
    if type(x) in core._PY_SCALARS:
        return dtypes.python_scalar_dtype(x), True
    return asarray(x).dtype, False


def asarray(x: ArrayLike, dtype: Any = None) -> Any:
    """``x`` as an array (a NumPy array, or a tracer inside a transformation).

    >>> asarray([1, 2.5]).dtype
    dtype('float64')
    """
    if isinstance(x, Tracer):
        return x if dtype is None else astype(x, dtype)
    if isinstance(x, (list, tuple)) and any(_contains_tracer(e) for e in x):
        return _stack_elements([asarray(e, dtype) for e in x])
    if type(x) in core._PY_SCALARS and dtype is None:
        return np.asarray(x, dtypes.python_scalar_dtype(x))
    try:
        array = np.asarray(x, dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"cannot convert {type(x).__name__} to an array: {e}") from None
    if array.dtype.kind in "OSUV":  # None, strings, objects: NumPy's math would fail or mislead
        raise TypeError(f"{type(x).__name__} {x!r:.60} is not a valid array value: expected numbers or booleans, got dtype {array.dtype}")
    return array


def _stack_elements(elements: list) -> Any:
    """A sequence holding traced values as one array along a new leading axis, as NumPy builds
    ``array([a, b])`` (promoted together; every element of one shape)."""
    elements = promote(*elements)
    shapes = {shape_of(e) for e in elements}
    if len(shapes) != 1:
        raise ValueError(f"setting an array element with a sequence: the elements have shapes {sorted(shapes)}")
    (shape,) = shapes
    return lax.concatenate([lax.reshape(e, (1, *shape)) for e in elements], 0)


def _contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    return isinstance(x, (list, tuple)) and any(_contains_tracer(e) for e in x)


array = asarray


def astype(x: ArrayLike, dtype: Any) -> Any:
    """``x`` converted to ``dtype``, as ``ndarray.astype`` (floats to integers truncate).

    >>> astype(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    """
    dtype = np.dtype(dtype)
    if not isinstance(x, Tracer):
        return np.asarray(x).astype(dtype)
    return lax.convert_element_type(x, dtype)


def strong(x: Any) -> Any:
    """``x`` without a weak type: what ``np.asarray`` makes of a Python scalar."""
    if isinstance(x, Tracer) and x.aval.weak_type:
        return lax.convert_element_type(x, x.aval.dtype, weak_type=False)
    return x


def convert(x: ArrayLike, dtype: np.dtype, weak: bool = False) -> Any:
    """``x`` as ``dtype``, keeping a tracer's weak type when the promotion said so."""
    if isinstance(x, Tracer):
        return lax.convert_element_type(x, dtype, weak_type=weak and x.aval.weak_type)
    value = np.asarray(x)
    return value if value.dtype == dtype else value.astype(dtype)


def result_dtype(*args: ArrayLike) -> tuple[np.dtype, bool]:
    """The dtype the arguments promote to, and whether it is weak (only Python scalars)."""
    return dtypes.promote_typed(*[typed(a) for a in args])


def promote(*args: ArrayLike) -> list:
    """The arguments converted to the dtype they promote to."""
    dtype, weak = result_dtype(*args)
    return _converted(args, dtype, weak)


def promote_to_inexact(*args: ArrayLike) -> list:
    """Promote, then make integers and bools float64 (as NumPy's ``sqrt`` does)."""
    dtype, weak = result_dtype(*args)
    if not dtypes.is_inexact(dtype):
        dtype = dtypes.float64
    return _converted(args, dtype, weak)


def _converted(args: Sequence[ArrayLike], dtype: np.dtype, weak: bool) -> list:
    # A weak result mixing tracers and Python scalars raises the scalars, as Python values of
    # its kind, into the tracers' trace: weakly typed literals there, so `traced_float * 2.0`
    # stays weak (NumPy's array of the scalar would be strong).
    if weak and any(isinstance(a, Tracer) for a in args):
        trace, python_type = core.find_top_trace(args), _PYTHON_TYPE_OF_KIND[dtype.kind]
        return [trace.full_raise(python_type(a)) if type(a) in core._PY_SCALARS else convert(a, dtype, weak) for a in args]
    return [convert(a, dtype, weak) for a in args]


_PYTHON_TYPE_OF_KIND = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def shape_of(x: ArrayLike) -> tuple[int, ...]:
    """The shape of an array, array-like or traced value, without converting it."""
    return core.get_aval(x).shape if isinstance(x, Tracer) else np.shape(x)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that arrays of the given shapes broadcast to, by NumPy's rules.

    ``ValueError``, naming the shapes, if they do not broadcast.

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"operands could not be broadcast together with shapes {' '.join(map(str, shapes))}") from None


def broadcast_to(x: ArrayLike, shape: Sequence[int]) -> Any:
    """``x`` broadcast to ``shape`` by NumPy's rules, as ``numpy.broadcast_to``.

    A new array, not a read-only view; ``ValueError`` if ``x`` does not broadcast.

    >>> broadcast_to(np.array([1, 2]), (2, 2))
    array([[1, 2],
           [1, 2]])
    """
    x = asarray(x)
    shape = tuple(int(d) for d in shape)
    x_shape = shape_of(x)
    if x_shape == shape:
        return x
    if broadcast_shapes(x_shape, shape) != shape:
        raise ValueError(f"cannot broadcast an array of shape {x_shape} to shape {shape}")
    lead = len(shape) - len(x_shape)
    return lax.broadcast_in_dim(x, shape, tuple(range(lead, len(shape))))


def broadcast_arrays(*args: ArrayLike) -> list:
    """The arguments broadcast against each other, as ``numpy.broadcast_arrays``.

    A list of new arrays of one shape, not read-only views.

    >>> broadcast_arrays(np.array([[1], [2]]), np.array([10, 20]))
    [array([[1, 1],
           [2, 2]]), array([[10, 20],
           [10, 20]])]
    """
    shape = broadcast_shapes(*[shape_of(a) for a in args])
    return [broadcast_to(a, shape) for a in args]


def promote_and_broadcast(*args: ArrayLike, inexact: bool = False) -> list:
    """The arguments promoted to one dtype (an inexact one if ``inexact``) and broadcast to one shape."""
    args = promote_to_inexact(*args) if inexact else promote(*args)
    return broadcast_arrays(*args)


def canonical_axis(axis: int, ndim: int) -> int:
    """``axis`` of an array of rank ``ndim`` as a non-negative int (``AxisError`` if out of range)."""
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def canonical_axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple, negatives allowed) as sorted non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(canonical_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in {tuple(axis)}")
        return tuple(sorted(axes))
    return (canonical_axis(axis, ndim),)


def static_int(x: Any, what: str) -> int:
    """A Python int from ``x``, which must not depend on traced values."""
    return int(core.concrete_or_error(x, what))
