"""Static type annotations, as ``jax.typing``: ``ArrayLike`` for array inputs (what functrans
turns into an array), ``DTypeLike`` for dtype arguments, and ``Array`` for array outputs.

>>> import numpy as np
>>> from functrans.typing import ArrayLike
>>> isinstance(np.float32(1.0), ArrayLike), isinstance("1.0", ArrayLike)
(True, False)
"""
from __future__ import annotations

from typing import Any, Protocol, Union

import numpy as np

from .devices import Array

# Python scalars and NumPy scalars and arrays, besides Array itself (a Union, so isinstance works).
ArrayLike = Union[Array, np.ndarray, np.bool_, np.number, bool, int, float, complex]



class SupportsDType(Protocol):
    """Anything with a ``dtype`` (``functrans.numpy.float32``, an array)."""

    @property
    def dtype(self) -> np.dtype: ...


# A dtype name ('float32'), a scalar type (float, np.float32), a dtype, or an object with a dtype.
DTypeLike = Union[str, type[Any], np.dtype, SupportsDType]

__all__ = ["Array", "ArrayLike", "DTypeLike"]
