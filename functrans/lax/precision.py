"""Precision and rounding options of jax.lax: ``Precision``, ``DotAlgorithm``,
``DotAlgorithmPreset``, ``RoundingMethod`` and ``round`` honouring it.

On a CPU, float32 and float64 products are computed at full precision whatever the
requested ``Precision`` (as JAX's CPU backend does), so every dot product accepts a
precision, checks it, and otherwise ignores it.
"""
from __future__ import annotations

import enum
from typing import Any, NamedTuple, Union

import numpy as np

from .. import core
from . import elementwise as _ew
from .shape import zeros_like as _shape_zeros

_PRECISION_NAMES = {"highest": 2, "float32": 2, "high": 1, "bfloat16_3x": 1, "tensorfloat32": 1, "default": 0,
                    "bfloat16": 0, "fastest": 0, None: 0}


class Precision(enum.Enum):
    """How precisely a matrix product is computed on accelerators: ``DEFAULT`` (aliases
    ``'default'``, ``'fastest'``, ``'bfloat16'``), ``HIGH`` (``'high'``, ``'bfloat16_3x'``,
    ``'tensorfloat32'``), ``HIGHEST`` (``'highest'``, ``'float32'``). No effect on a CPU.

    >>> Precision("highest")
    Precision.HIGHEST
    """

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value: object) -> "Precision | None":
        number = _PRECISION_NAMES.get(value) if isinstance(value, (str, type(None))) else None
        return None if number is None else cls(number)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    def __str__(self) -> str:
        return self.name


class DotAlgorithm(NamedTuple):
    """An explicit algorithm for a dot product: the element types its operands are computed
    in, its accumulation type (the result's type when no ``preferred_element_type`` is given),
    and component counts (accepted and ignored on a CPU).

    >>> DotAlgorithm(np.float32, np.float32, np.float64).accumulation_type
    <class 'numpy.float64'>
    """

    lhs_precision_type: Any
    rhs_precision_type: Any
    accumulation_type: Any
    lhs_component_count: int = 1
    rhs_component_count: int = 1
    num_primitive_operations: int = 1
    allow_imprecise_accumulation: bool = False


class DotAlgorithmPreset(enum.Enum):
    """Named dot-product algorithms (``LHS_RHS_ACCUMULATION`` types), accepted for JAX
    compatibility; a CPU computes float32 and float64 products at full precision.

    >>> DotAlgorithmPreset["F32_F32_F32"]
    DotAlgorithmPreset.F32_F32_F32
    """

    DEFAULT = enum.auto()
    ANY_F8_ANY_F8_F32 = enum.auto()
    ANY_F8_ANY_F8_F32_FAST_ACCUM = enum.auto()
    ANY_F8_ANY_F8_ANY = enum.auto()
    ANY_F8_ANY_F8_ANY_FAST_ACCUM = enum.auto()
    F16_F16_F16 = enum.auto()
    F16_F16_F32 = enum.auto()
    BF16_BF16_BF16 = enum.auto()
    BF16_BF16_F32 = enum.auto()
    BF16_BF16_F32_X3 = enum.auto()
    BF16_BF16_F32_X6 = enum.auto()
    BF16_BF16_F32_X9 = enum.auto()
    TF32_TF32_F32 = enum.auto()
    TF32_TF32_F32_X3 = enum.auto()
    F32_F32_F32 = enum.auto()
    F64_F64_F64 = enum.auto()

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    def __str__(self) -> str:
        return self.name


PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision], DotAlgorithm, DotAlgorithmPreset]
CanonicalPrecision = Union[None, tuple[Precision, Precision], DotAlgorithm, DotAlgorithmPreset]
DotDimensionNumbers = tuple[tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[int, ...], tuple[int, ...]]]


def canonicalize_precision(precision: PrecisionLike) -> CanonicalPrecision:
    """``precision`` as a pair of ``Precision`` values, a ``DotAlgorithm`` or a preset
    (``None`` stays ``None``); anything else raises ``ValueError``.

    >>> canonicalize_precision("high")
    (Precision.HIGH, Precision.HIGH)
    """
    if precision is None or isinstance(precision, (DotAlgorithm, DotAlgorithmPreset)):
        return precision
    if isinstance(precision, Precision):
        return precision, precision
    if isinstance(precision, str):
        if precision in _PRECISION_NAMES:
            return Precision(precision), Precision(precision)
        if precision in DotAlgorithmPreset.__members__:
            return DotAlgorithmPreset[precision]
    if (isinstance(precision, (list, tuple)) and len(precision) == 2
            and all(isinstance(p, Precision) or (isinstance(p, str) and p in _PRECISION_NAMES) for p in precision)):
        return Precision(precision[0]), Precision(precision[1])
    raise ValueError(
        f"Precision argument must be one of: None, a string in {list(_PRECISION_NAMES)[:-1]}, a lax.Precision value, "
        f"a tuple of two lax.Precision values or strings, a lax.DotAlgorithmPreset or the name of one, or a "
        f"lax.DotAlgorithm value; but got {precision!r}."
    )


class RoundingMethod(enum.IntEnum):
    """How ``round`` treats halfway cases: ``AWAY_FROM_ZERO`` (2.5 -> 3) or
    ``TO_NEAREST_EVEN`` (2.5 -> 2).

    >>> RoundingMethod(1)
    <RoundingMethod.TO_NEAREST_EVEN: 1>
    """

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x: Any, rounding_method: RoundingMethod = RoundingMethod.AWAY_FROM_ZERO) -> Any:
    """``x`` rounded to the nearest integer, halfway cases away from zero (the default, as
    JAX) or to even (as NumPy's ``round``). The derivative is zero.

    >>> round(np.array([0.5, 1.5, 2.5, -0.5]))
    array([ 1.,  2.,  3., -1.])
    >>> round(np.array([0.5, 1.5, 2.5, -0.5]), RoundingMethod.TO_NEAREST_EVEN)
    array([ 0.,  2.,  2., -0.])
    """
    method = RoundingMethod(rounding_method)
    x = x if isinstance(x, core.Tracer) else np.asarray(x)
    even = _ew.round(x)  # lax.elementwise.round rounds halfway cases to even, as NumPy
    if method is RoundingMethod.TO_NEAREST_EVEN:
        return even
    # Away from zero differs only at exact halves, where it moves the truncation one step out;
    # x - trunc(x) is exact in floating point, so the halves are found exactly (infinities,
    # never halves, are replaced first so that inf - inf does not warn).
    finite = _ew.select_n(_ew.is_finite(x), _shape_zeros(x), x)
    truncated = _ew.mul(_ew.sign(finite), _ew.floor(_ew.abs(finite)))
    half = _ew.eq(_ew.abs(_ew.sub(finite, truncated)), 0.5)
    return _ew.select_n(half, even, _ew.add(truncated, _ew.sign(finite)))
