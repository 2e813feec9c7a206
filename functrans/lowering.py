"""Lowering rules: how each primitive becomes Numba source, registered in its own block.

A primitive's block in ``functrans/lax`` gives it one *kind* and the lowering rule that
kind needs; the backend reads only these tables and kinds, never primitive names.

* ``ELEMENTWISE``: ``scalar_rules[prim](args, eqn)`` is the source of one element,
  given the source of one element of each operand. Fused into loops.
* ``REDUCTION``: reduces ``params["axes"]`` inside a fused loop; ``reduction_rules[prim]``
  gives its identity and how one value is accumulated.
* ``GENERATOR``: an elementwise-like primitive with no operands (iota):
  ``generator_rules[prim](index, eqn)`` is the element at the output index ``index``.
* ``INDEX_MAP``: moves elements without computing (broadcast, transpose, slice, ...):
  ``index_rules[prim](eqn)`` maps output indices to operand indices, or gives None
  when this equation is not a pure index map.
* ``STATEMENT``: ``statement_rules[prim](em, eqn, args, outs)`` emits lines computing
  whole arrays (BLAS, kernel calls, control flow, reshapes).
* An elementwise rule may be fast and exact on part of its domain only (fast-math sine
  and cosine below 2**20): ``exact_rules[prim](args, eqn)`` then gives the condition on
  an element under which the fast form is inexact and the exact expression, or None
  where the fast form was not used. A loop running such rules checks the condition as it
  goes and, if any element met it, runs again with the exact expressions: the common
  case keeps its vectorised loop, and every element gets an exact answer.
* ``CALL``: a sub-program (``jit`` inside ``jit``, custom derivatives, checkpoint) whose
  ``jaxpr`` param is the whole computation: compiled code inlines it.

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
    CALL = "call"


ScalarRule = Callable[[list[str], Eqn], str]
IndexMap = Callable[[list[str]], tuple[list[str], "str | None"]]

scalar_rules: dict[Primitive, ScalarRule] = {}
ExactRule = Callable[[list[str], Eqn], "tuple[str, str] | None"]
exact_rules: dict[Primitive, ExactRule] = {}
generator_rules: dict[Primitive, Callable[[list[str], Eqn], str]] = {}
statement_rules: dict[Primitive, Callable[..., None]] = {}
index_rules: dict[Primitive, Callable[[Eqn], "IndexMap | None"]] = {}


class ReductionRule(NamedTuple):
    identity: Callable[[np.dtype], Any]  # the accumulator's start value for a dtype
    combine: Callable[[str, str, np.dtype], str]  # (accumulator, value, dtype) -> new accumulator


reduction_rules: dict[Primitive, ReductionRule] = {}


# --------------------------------------------------------------------------- source helpers


def literal(value: np.ndarray) -> str:
    """Source for a scalar constant of exactly ``value``'s dtype.

    >>> literal(np.float32(0.5)), literal(np.asarray(np.inf)), literal(np.complex64(1 - 2j))
    ('np.float32(0.5)', 'np.float64(np.inf)', 'np.complex64(complex(1.0, -2.0))')
    """
    value = np.asarray(value)
    dtype = value.dtype
    v = value.item()
    if dtype.kind == "b":
        return repr(bool(v))
    if dtype.kind == "f":
        text = _float_text(v)
    elif dtype.kind == "c":
        text = f"complex({_float_text(v.real)}, {_float_text(v.imag)})"
    else:
        text = repr(int(v))
    return f"np.{dtype.name}({text})"


def _float_text(v: float) -> str:
    return repr(float(v)) if math.isfinite(v) else ("np.nan" if v != v else ("np.inf" if v > 0 else "-np.inf"))


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


def def_elementwise(prim: Primitive, rule: str | ScalarRule, *, cheap: bool = False, exact: ExactRule | None = None) -> None:
    """Lower ``prim`` as an elementwise operation: ``rule`` is a template or a scalar rule.
    ``cheap`` marks operations worth recomputing where a value is read twice; ``exact``
    gives the exact form of a rule that is fast but inexact on part of the domain."""
    _set_kind(prim, Kind.ELEMENTWISE)
    scalar_rules[prim] = template(rule) if isinstance(rule, str) else rule
    prim.cheap = cheap
    if exact is not None:
        exact_rules[prim] = exact


def def_generator(prim: Primitive, rule: Callable[[list[str], Eqn], str]) -> None:
    _set_kind(prim, Kind.GENERATOR)
    generator_rules[prim] = rule


def def_reduction(prim: Primitive, rule: ReductionRule, *, splittable: bool = False) -> None:
    """``splittable``: a scalar accumulation Numba's ``prange`` may split across threads."""
    _set_kind(prim, Kind.REDUCTION)
    reduction_rules[prim] = rule
    prim.splittable = splittable


def def_index_map(prim: Primitive, rule: Callable[[Eqn], IndexMap | None], *, looped: bool, keeps_position: bool = False,
                  repeats: bool = False) -> None:
    """``looped``: when its result must exist as an array, it runs as a loop of its own;
    otherwise its statement rule makes it a free view of a C-contiguous operand (a reshape).
    ``keeps_position``: when it only adds or drops size-1 dimensions, every element stays
    at its loop position. ``repeats``: it may read one element at several positions (a
    broadcast), so a value computed where it is read would be computed many times."""
    _set_kind(prim, Kind.INDEX_MAP)
    index_rules[prim] = rule
    prim.looped, prim.keeps_position, prim.repeats = looped, keeps_position, repeats


def def_inlined_call(prim: Primitive) -> None:
    _set_kind(prim, Kind.CALL)


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


def is_view(prim: Primitive) -> bool:
    """Whether ``prim``'s result is a free view of its operand's memory (a reshape)."""
    return prim.kind is Kind.INDEX_MAP and not prim.looped


# --------------------------------------------------------------------------- helpers for statement rules


class _Memory:
    """Array memory described by NumPy's array interface."""

    __slots__ = ("__array_interface__",)

    def __init__(self, interface: dict):
        self.__array_interface__ = interface


def described_array(pointer: int, strides: tuple, typestr: str, shape: tuple) -> np.ndarray:
    """A view of compiled code's array memory from the description an object-mode call passes
    (see ``backend.emitter.Emitter.call_python``)."""
    if 0 in shape:
        return np.empty(shape, typestr)
    return np.asarray(_Memory({"data": (pointer, False), "strides": strides, "typestr": typestr, "shape": shape, "version": 3}))


def index_list(parts: list[str]) -> str:
    """The subscript for index expressions ``parts`` (``()`` for a 0-d array)."""
    return ", ".join(parts) if parts else "()"


def contiguous_copy(array: str, parts: list[str]) -> str:
    """A C-contiguous copy of ``array[parts]``. A 0-d array (no parts) is copied whole: indexing
    it with ``()`` gives a scalar, and ``np.ascontiguousarray`` makes 0-d arrays 1-d."""
    return f"np.ascontiguousarray({array}[{', '.join(parts)}])" if parts else f"{array}.copy()"


def emit_transpose_loops(em: Any, dst: str, src: str, perm: tuple, dst_shape: tuple) -> None:
    """Fill ``dst`` with ``src``'s axes permuted by ``perm``, in an explicit loop nest: Numba takes
    ~2 s to compile np.transpose with axes the first time a process uses it; the loop runs as fast."""
    loop_vars = [em.fresh("i") for _ in perm]
    source_index = [loop_vars[perm.index(d)] for d in range(len(perm))]
    for depth, (i, n) in enumerate(zip(loop_vars, dst_shape)):
        em.emit(f"for {i} in range({n}):", 1 + depth)
    em.emit(f"{dst}[{index_list(loop_vars)}] = {src}[{index_list(source_index)}]", 1 + len(perm))


def axis_view(shape: tuple, axis: int) -> tuple[int, int, int]:
    """The ``(before, along, after)`` view of an array of ``shape`` around ``axis``, on
    which the kernels for one axis (cumulative, arg-reductions) work."""
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1 :])
