"""Dtype queries: machine limits, promotion, casting and kind tests, scalar tests.

Promotion and casting follow NumPy 2 (functrans's array rules), not JAX's lattice:
``promote_types(int8, uint8)`` is int16 in both, but ``promote_types(int64, uint64)`` is
float64 here, as in NumPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import Tracer


def _dtype_of(x: Any) -> np.dtype:
    """The dtype named by ``x``: a dtype or scalar type, or an array (traced or not)."""
    if isinstance(x, Tracer):
        return x.aval.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    return np.dtype(x)


def finfo(dtype: Any) -> np.finfo:
    """Machine limits of a float dtype (or of an array's dtype), as ``numpy.finfo``.

    >>> finfo(np.float32).eps, finfo(np.ones(2)).bits
    (np.float32(1.1920929e-07), 64)
    """
    return np.finfo(_dtype_of(dtype))


def iinfo(int_type: Any) -> np.iinfo:
    """Machine limits of an integer dtype (or of an array's dtype), as ``numpy.iinfo``.

    >>> iinfo(np.int8).min, iinfo(np.arange(2, dtype=np.uint16)).max
    (-128, 65535)
    """
    return np.iinfo(_dtype_of(int_type))


def promote_types(a: Any, b: Any) -> np.dtype:
    """The smallest dtype both ``a`` and ``b`` convert to safely (NumPy's rule).

    >>> promote_types(np.int8, np.uint8), promote_types("float32", "int64")
    (dtype('int16'), dtype('float64'))
    """
    return np.promote_types(np.dtype(a), np.dtype(b))


def issubdtype(arg1: Any, arg2: Any) -> bool:
    """Whether dtype ``arg1`` is ``arg2`` or below it in NumPy's hierarchy of scalar types.

    >>> issubdtype(np.float32, np.floating), issubdtype(np.int32, np.floating)
    (True, False)
    """
    return bool(np.issubdtype(arg1, arg2))


def can_cast(from_: Any, to: Any, casting: str = "safe") -> bool:
    """Whether ``from_`` (a dtype or an array) converts to ``to`` under ``casting``.

    >>> can_cast(np.int32, np.float64), can_cast(np.float64, np.float32)
    (True, False)
    """
    return bool(np.can_cast(_dtype_of(from_), np.dtype(to), casting))


def isdtype(dtype: Any, kind: Any) -> bool:
    """The array API's kind test: ``kind`` is a dtype, a kind name (``'bool'``, ``'signed
    integer'``, ``'unsigned integer'``, ``'integral'``, ``'real floating'``, ``'complex
    floating'``, ``'numeric'``) or a tuple of them.

    >>> isdtype(np.float32, "real floating"), isdtype(np.int8, ("bool", "unsigned integer"))
    (True, False)
    """
    return bool(np.isdtype(np.dtype(dtype), kind))


def isscalar(element: Any) -> bool:
    """Whether ``element`` is a scalar: a Python or NumPy scalar, a string, or a 0-d array
    (traced or not), as JAX.

    >>> isscalar(1.0), isscalar(np.array(2)), isscalar([1])
    (True, True, False)
    """
    if isinstance(element, Tracer):
        return element.ndim == 0
    if isinstance(element, np.ndarray):
        return element.ndim == 0
    return bool(np.isscalar(element))


def iterable(y: Any) -> bool:
    """Whether ``iter(y)`` works.

    >>> iterable([1, 2]), iterable(3)
    (True, False)
    """
    try:
        iter(y)
    except TypeError:
        return False
    return True
