"""Text forms of concrete arrays (``array_repr``, ``array_str``), as NumPy writes them."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import core
from ._base import ArrayLike


def _concrete(arr: ArrayLike, name: str) -> np.ndarray:
    return np.asarray(core.concrete_or_error(arr, f"{name} of a traced value (its text needs the values)"))


def array_repr(arr: ArrayLike, max_line_width: int | None = None, precision: int | None = None,
               suppress_small: bool | None = None) -> str:
    """``repr`` of an array, as ``numpy.array_repr``.

    >>> array_repr(np.arange(3))
    'array([0, 1, 2])'
    """
    return np.array_repr(_concrete(arr, "array_repr"), max_line_width, precision, suppress_small)


def array_str(a: ArrayLike, max_line_width: int | None = None, precision: int | None = None,
              suppress_small: bool | None = None) -> str:
    """``str`` of an array, as ``numpy.array_str``.

    >>> array_str(np.array([0.5, 2.0]))
    '[0.5 2. ]'
    """
    return np.array_str(_concrete(a, "array_str"), max_line_width, precision, suppress_small)
