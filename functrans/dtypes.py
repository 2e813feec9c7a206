"""Dtype rules: NumPy 2 promotion with weakly typed Python scalars.

A value is *weakly typed* when it came from a Python scalar: it takes the dtype
of the arrays it meets (``float32_array * 2.0`` stays float32), exactly as
NumPy 2 treats Python scalars (NEP 50).
"""
from __future__ import annotations

import numpy as np

from .errors import DTypeError

bool_ = np.dtype(np.bool_)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint32 = np.dtype(np.uint32)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)

_SHORT_NAMES = {"b": "bool", "i": "i", "u": "u", "f": "f", "c": "c"}

# The dtype a weakly typed value of each kind takes when nothing else decides it.
_WEAK_DEFAULT = {"b": bool_, "i": int64, "u": int64, "f": float64, "c": np.dtype(np.complex128)}
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
        return np.dtype(np.complex128)
    raise TypeError(f"not a Python scalar: {x!r}")


def result_type(*typed: tuple[np.dtype, bool]) -> tuple[np.dtype, bool]:
    """Promote ``(dtype, weak_type)`` pairs the way NumPy 2 promotes arrays and Python scalars.

    >>> result_type((float32, False), (float64, True))
    (dtype('float32'), False)
    """
    strong = [d for d, weak in typed if not weak]
    weak = [d for d, w in typed if w]
    if not strong:
        dtype = np.result_type(*[_WEAK_DEFAULT[d.kind] for d in weak])
        return np.dtype(dtype), True
    dtype = np.result_type(*strong, *[_WEAK_STANDIN[d.kind] for d in weak])
    return np.dtype(dtype), False


def default_float(dtype) -> np.dtype:
    """The float dtype an operation like ``sqrt`` or ``mean`` gives for inputs of ``dtype``."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind in "fc" else float64


# Dtype kinds a primitive accepts, as strings of ``np.dtype.kind`` letters.
FLOAT = "fc"
NUMERIC = "iufc"
INTEGER = "iu"
LOGICAL = "biu"
ANY = "biufc"
_KIND_NAMES = {"b": "bool", "i": "signed integer", "u": "unsigned integer", "f": "floating", "c": "complex"}


def check_kinds(name: str, aval, kinds: str) -> None:
    """Raise a DTypeError naming primitive ``name`` when ``aval``'s dtype is not of ``kinds``."""
    if aval.dtype.kind not in kinds:
        wanted = " or ".join(_KIND_NAMES[k] for k in kinds)
        raise DTypeError(f"{name} does not accept an operand of dtype {aval.dtype} ({aval.str_short()}); it takes {wanted}")
