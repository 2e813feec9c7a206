"""Dtype rules: NumPy 2 promotion with weakly typed Python scalars.

A value is *weakly typed* when it came from a Python scalar: it takes the dtype
of the arrays it meets (``float32_array * 2.0`` stays float32), exactly as
NumPy 2 treats Python scalars (NEP 50).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DTypeError

bool_ = np.dtype(np.bool_)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint32 = np.dtype(np.uint32)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)

_SHORT_NAMES = {"b": "bool", "i": "i", "u": "u", "f": "f", "c": "c"}

# The dtype a weakly typed value of each kind takes when nothing else decides it.
_WEAK_DEFAULT = {"b": bool_, "i": int64, "u": int64, "f": float64, "c": complex128}
# A Python scalar standing for a weak value of each kind, for np.result_type.
_WEAK_STANDIN = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def short_name(dtype: np.dtype) -> str:
    """``f64``, ``i32``, ``bool``... as printed in jaxprs."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return "bool"
    return f"{_SHORT_NAMES.get(dtype.kind, dtype.kind)}{dtype.itemsize * 8}"


def is_float(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def is_inexact(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


def is_complex(dtype) -> bool:
    return np.dtype(dtype).kind == "c"


def real_dtype(dtype) -> np.dtype:
    """The component dtype of a complex dtype (float32 for complex64); others unchanged.

    >>> real_dtype(complex64), real_dtype(float64)
    (dtype('float32'), dtype('float64'))
    """
    dtype = np.dtype(dtype)
    return np.dtype(f"f{dtype.itemsize // 2}") if dtype.kind == "c" else dtype


def complex_dtype(dtype) -> np.dtype:
    """The complex dtype with components of ``dtype`` (complex64 for float32); complex
    dtypes unchanged, everything else complex128.

    >>> complex_dtype(float32), complex_dtype(int32)
    (dtype('complex64'), dtype('complex128'))
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return dtype
    return complex64 if dtype == float32 or dtype == np.float16 else complex128


def is_integer(dtype) -> bool:
    return np.dtype(dtype).kind in "iu"


def python_scalar_dtype(x) -> np.dtype:
    """The dtype NumPy gives a Python scalar by default."""
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, float):
        return float64
    if isinstance(x, complex):
        return complex128
    raise TypeError(f"not a Python scalar: {x!r}")


def promote_typed(*typed: tuple[np.dtype, bool]) -> tuple[np.dtype, bool]:
    """Promote ``(dtype, weak_type)`` pairs the way NumPy 2 promotes arrays and Python scalars.

    >>> promote_typed((float32, False), (float64, True))
    (dtype('float32'), False)
    """
    strong = [d for d, weak in typed if not weak]
    weak = [d for d, w in typed if w]
    if not strong:
        dtype = np.result_type(*[_WEAK_DEFAULT[d.kind] for d in weak])
        return np.dtype(dtype), True
    dtype = np.result_type(*strong, *[_WEAK_STANDIN[d.kind] for d in weak])
    return np.dtype(dtype), False


# Python's scalar types stand for weakly typed values of their kind, as in JAX (bool is strong).
_WEAK_TYPES = {int: int64, float: float64, complex: complex128}


def _typed(x: Any) -> tuple[np.dtype, bool]:
    if type(x) in (bool, int, float, complex):
        return python_scalar_dtype(x), type(x) is not bool
    if isinstance(x, type) and x in _WEAK_TYPES:
        return _WEAK_TYPES[x], True
    if hasattr(x, "dtype") and not isinstance(x, type):  # arrays, tracers, avals, NumPy scalars
        return np.dtype(x.dtype), bool(getattr(x, "weak_type", False))
    try:
        return np.dtype(x), False  # dtypes, their names and NumPy's scalar types
    except TypeError:
        return np.asarray(x).dtype, False


def result_type(*args: Any, return_weak_type_flag: bool = False) -> np.dtype | tuple[np.dtype, bool]:
    """The dtype ``args`` promote to, as ``jax.dtypes.result_type`` (NumPy 2's rules).

    Arguments may be dtypes, their names, scalar types, arrays or values; Python scalars
    and the types ``int``, ``float`` and ``complex`` are weakly typed. With
    ``return_weak_type_flag``, also whether the result is weak.

    >>> result_type("float32", 1.0), result_type(np.int8, np.uint8), result_type(float32, complex)
    (dtype('float32'), dtype('int16'), dtype('complex64'))
    >>> result_type(2, 1.5, return_weak_type_flag=True)
    (dtype('float64'), True)
    """
    if not args:
        raise ValueError("at least one array or dtype is required")
    dtype, weak = promote_typed(*[_typed(x) for x in args])
    return (dtype, weak) if return_weak_type_flag else dtype


def default_float(dtype) -> np.dtype:
    """The float dtype an operation like ``sqrt`` or ``mean`` gives for inputs of ``dtype``."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fc" else float64


# Dtype kinds a primitive accepts, as strings of ``np.dtype.kind`` letters.
FLOAT = "fc"
NUMERIC = "iufc"
INTEGER = "iu"
LOGICAL = "biu"
ORDERED = "biuf"
ANY = "biufc"
_KIND_NAMES = {"b": "bool", "i": "signed integer", "u": "unsigned integer", "f": "floating", "c": "complex"}


def check_kinds(name: str, aval, kinds: str) -> None:
    """Raise a DTypeError naming primitive ``name`` when ``aval``'s dtype is not of ``kinds``."""
    if aval.dtype.kind not in kinds:
        wanted = " or ".join(_KIND_NAMES[k] for k in kinds)
        raise DTypeError(f"{name} does not accept an operand of dtype {aval.dtype} ({aval.str_short()}); it takes {wanted}")
