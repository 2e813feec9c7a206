"""Lowering rules: how each primitive becomes Numba source, registered in its own block.

A primitive's block in ``functrans/lax`` gives it one *kind* and the lowering rule that
kind needs; the backend reads only these tables and kinds, never primitive names.

* ``ELEMENTWISE``: ``scalar_rules[prim](args, eqn)`` is the source of one element,
  given the source of one element of each operand. Fused into loops.
* ``REDUCTION``: reduces ``params["axes"]`` inside a fused loop; ``reduction_rules[prim]``
  gives its identity and how one value is accumulated.
* ``GENERATOR``: an elementwise-like primitive with no operands (iota); its scalar rule
  reads the loop indices.
* ``INDEX_MAP``: moves elements without computing (broadcast, transpose, slice, ...):
  ``index_rules[prim](eqn)`` maps output indices to operand indices, or gives None
  when this equation is not a pure index map.
* ``STATEMENT``: ``statement_rules[prim](em, eqn, args, outs)`` emits lines computing
  whole arrays (BLAS, kernel calls, control flow, reshapes).

This module imports no Numba: rules only write source text.
"""
from __future__ import annotations

import enum
import math
from typing import Any, Callable, NamedTuple

import numpy as np

from .core import Primitive
from .ir import Eqn


class Kind(enum.Enum):
    ELEMENTWISE = "elementwise"
    REDUCTION = "reduction"
    GENERATOR = "generator"
    INDEX_MAP = "index map"
    STATEMENT = "statement"


ScalarRule = Callable[[list[str], Eqn], str]
IndexMap = Callable[[list[str]], tuple[list[str], "str | None"]]

scalar_rules: dict[Primitive, ScalarRule] = {}
statement_rules: dict[Primitive, Callable[..., None]] = {}
index_rules: dict[Primitive, Callable[[Eqn], "IndexMap | None"]] = {}


class ReductionRule(NamedTuple):
    identity: Callable[[np.dtype], Any]  # the accumulator's start value for a dtype
    combine: Callable[[str, str, np.dtype], str]  # (accumulator, value, dtype) -> new accumulator


reduction_rules: dict[Primitive, ReductionRule] = {}


# --------------------------------------------------------------------------- source helpers


def literal(value: np.ndarray) -> str:
    """Source for a scalar constant of exactly ``value``'s dtype.

    >>> literal(np.float32(0.5)), literal(np.asarray(np.inf))
    ('np.float32(0.5)', 'np.float64(np.inf)')
    """
    value = np.asarray(value)
    dtype = value.dtype
    v = value.item()
    if dtype.kind == "b":
        return repr(bool(v))
    if dtype.kind == "f":
        text = repr(float(v)) if math.isfinite(v) else ("np.nan" if v != v else ("np.inf" if v > 0 else "-np.inf"))
    else:
        text = repr(int(v))
    return f"np.{dtype.name}({text})"


def out_dtype(eqn: Eqn) -> np.dtype:
    return eqn.out_binders[0].aval.dtype


def cast(expr: str, dtype: np.dtype) -> str:
    """Numba computes small integers in int64 and some math in float64: pin the dtype.

    >>> cast("(a + b)", np.dtype(np.float32)), cast("(a + b)", np.dtype(np.float64))
    ('np.float32((a + b))', '(a + b)')
    """
    if dtype == np.float64 or dtype == np.bool_:
        return expr
    return f"np.{dtype.name}({expr})"


def template(text: str, int_text: str | None = None) -> ScalarRule:
    """A scalar rule from a format string over the operands (``"({0} + {1})"``), with
    another for integer operands when they differ; the result keeps the output dtype."""

    def rule(args: list[str], eqn: Eqn) -> str:
        chosen = text if int_text is None or eqn.inputs[0].aval.dtype.kind in "fc" else int_text
        return cast(chosen.format(*args), out_dtype(eqn))

    return rule


# --------------------------------------------------------------------------- registration


def _set_kind(prim: Primitive, kind: Kind) -> None:
    if prim.kind is not None and prim.kind is not kind:
        raise ValueError(f"{prim} is already lowered as {prim.kind.value}, not {kind.value}")
    prim.kind = kind


def def_elementwise(prim: Primitive, rule: str | ScalarRule, *, cheap: bool = False) -> None:
    """Lower ``prim`` as an elementwise operation: ``rule`` is a template or a scalar rule.
    ``cheap`` marks operations worth recomputing where a value is read twice."""
    _set_kind(prim, Kind.ELEMENTWISE)
    scalar_rules[prim] = template(rule) if isinstance(rule, str) else rule
    prim.cheap = cheap


def def_generator(prim: Primitive, rule: ScalarRule) -> None:
    _set_kind(prim, Kind.GENERATOR)
    scalar_rules[prim] = rule


def def_reduction(prim: Primitive, rule: ReductionRule, *, splittable: bool = False) -> None:
    """``splittable``: a scalar accumulation Numba's ``prange`` may split across threads."""
    _set_kind(prim, Kind.REDUCTION)
    reduction_rules[prim] = rule
    prim.splittable = splittable


def def_index_map(prim: Primitive, rule: Callable[[Eqn], IndexMap | None], *, looped: bool, keeps_position: bool = False) -> None:
    """``looped``: when its result must exist as an array, it runs as a loop of its own
    (otherwise it has a statement rule, a free view). ``keeps_position``: adding or dropping
    size-1 dimensions leaves every element at its loop position."""
    _set_kind(prim, Kind.INDEX_MAP)
    index_rules[prim] = rule
    prim.looped, prim.keeps_position = looped, keeps_position


def def_statement(prim: Primitive, *, fresh: bool) -> Callable[[Callable], Callable]:
    """Decorator for ``rule(em, eqn, args, outs)``. ``fresh``: the results never share
    memory with the operands (a reshape's may: it is a view; so may a loop's carry)."""

    def register(rule: Callable) -> Callable:
        if prim.kind is not Kind.INDEX_MAP:  # an index map may also have a statement form
            _set_kind(prim, Kind.STATEMENT)
        statement_rules[prim] = rule
        prim.fresh_result = fresh
        return rule

    return register
