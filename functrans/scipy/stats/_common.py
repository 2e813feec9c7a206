"""What the distributions share: promoting parameters together, standardising, masking
values outside a support, and turning NumPy scalars of eager compositions into arrays."""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from .. import _special as special

ArrayLike = Any

promote = special._args  # promote to one float dtype and broadcast


def where(cond: Any, x: Any, fill: float) -> Any:
    """``x`` where ``cond``, else the constant ``fill``."""
    return fnp.where(cond, x, fnp.full_like(x, fill))


def safe(cond: Any, x: Any, fill: float) -> Any:
    """``x`` kept inside a branch's domain where ``where`` will discard it (no nan in derivatives)."""
    return fnp.where(cond, x, fnp.full_like(x, fill))


def standardize(x: ArrayLike, loc: ArrayLike, scale: ArrayLike, *params: ArrayLike) -> list:
    """``[(x - loc) / scale, scale, *params]``, promoted together and broadcast."""
    x, loc, scale, *params = promote(x, loc, scale, *params)
    return [(x - loc) / scale, scale, *params]


def returning_arrays(module_globals: dict, names: list[str]) -> None:
    """Wrap each public function of a distribution module so that eager results are ``ndarray``s
    (an eager composition ending in a NumPy operator returns a NumPy scalar for 0-d operands)."""
    for name in names:
        module_globals[name] = special._returning_arrays(module_globals[name])
