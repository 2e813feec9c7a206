"""Loop emission: one fused ``Group`` becomes one loop nest.

Values computed in the loop stay in registers (local scalars) unless something after
the loop reads them; views are read at mapped indices or computed where they are
read; reductions accumulate into a scalar or into their result's buffer. The loop is
flat (one index) when every read is at the loop's own position, which vectorises best.
"""
from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from ..config import config
from ..ir import Eqn, Literal, Var
from ..lowering import Kind, exact_rules, generator_rules, literal, reduction_rules, scalar_rules
from .fusion import Group, computed, index_map, is_looped_map, keeps_position, loop_shape, moves, positional

# With threads enabled, loops over at least this many elements run on them (below it,
# waking the thread pool costs about as much as the loop).
PARALLEL_MIN_SIZE = 1 << 17


class Accumulator:
    """One reduction inside a fused loop nest: a scalar for a full reduction, else the
    result's own buffer indexed by the kept loop variables."""

    def __init__(self, em, eqn: Eqn):
        self.em, self.eqn = em, eqn
        self.rule = reduction_rules[eqn.primitive]
        self.axes = eqn.params["axes"]
        self.in_shape = eqn.inputs[0].aval.shape
        self.out = eqn.out_binders[0]
        self.full = len(self.axes) == len(self.in_shape)
        self.acc = em.fresh("acc")

    def init(self) -> None:
        if not self.full:
            self.acc = self.em.allocate(self.out)
        self.em.emit(self.reset())

    def reset(self) -> str:
        """The line that sets the accumulator to the reduction's identity."""
        dtype = self.out.aval.dtype
        init = literal(np.asarray(self.rule.identity(dtype), dtype))
        return f"{self.acc} = {init}" if self.full else f"{self.acc}[...] = {init}"

    def accumulate(self, value: str, loop_vars: list[str]) -> str:
        kept = [v for d, v in enumerate(loop_vars) if d not in self.axes]
        target = self.acc if self.full else f"{self.acc}[{', '.join(kept)}]"
        return f"{target} = {self.rule.combine(target, value, self.out.aval.dtype)}"

    def finish(self) -> None:
        if self.full:
            out = self.em.allocate(self.out)
            self.em.emit(f"{out}[()] = {self.acc}")


class LoopNest:
    """Emits one fused group: allocations of the values read after it, accumulator set-up,
    a prologue of hoisted reads, the loop headers and the body."""

    def __init__(self, em, group: Group):
        self.em, self.group = em, group
        self.shape = group.shape
        self.ndim = len(self.shape)
        self.size = math.prod(self.shape)
        self.members = {id(e) for e in group.eqns + group.reductions}
        partial_reduction = any(len(e.params["axes"]) < e.inputs[0].aval.ndim for e in group.reductions)
        # Loops over one flat index vectorise best; mapped reads, partial reductions and
        # generators (which read the loop indices) need the nest.
        self.flat = (self.ndim > 1 and not partial_reduction
                     and all(positional(e, em.views) for e in group.eqns + group.reductions)
                     and not any(e.primitive.kind is Kind.GENERATOR for e in group.eqns))
        self.parallel = self._runs_on_threads()
        self.loop_vars = [em.fresh("i") for _ in range(1 if self.flat else self.ndim)] if self.ndim else []
        self.prologue: list[str] = []
        self.body: list[str] = []
        self.flat_views: dict[str, str] = {}
        self.scalars: dict[Any, str] = {}  # produced values by Var; reads by (Var, index)
        self.last_axis_reads: dict[str, int] = {}  # per loop variable: accesses where it indexes the last axis
        # Fast forms exact on part of the domain only (see functrans.lowering.exact_rules), checked
        # in a vectorised loop: fast expression -> (when it is inexact, the exact expression).
        self.versioned = self.ndim > 0 and not self.parallel
        self.inexact: dict[str, tuple[str, str]] = {}

    def _runs_on_threads(self) -> bool:
        """Large loops not nested in a loop body run on Numba's threads when
        ``config.num_threads`` allows. Iterations of the outer loop write disjoint elements,
        so only a reduction across it (which would race on one accumulator) keeps a loop
        serial, unless Numba can split it (a scalar sum or product in float64/int64; narrower
        dtypes need a cast that hides the pattern)."""
        if self.em.nested or self.size < PARALLEL_MIN_SIZE or config.num_threads == 1:
            return False
        for e in self.group.reductions:
            in_shape, axes = e.inputs[0].aval.shape, e.params["axes"]
            outer = next(d for d, n in enumerate(in_shape) if n != 1)
            splittable = (len(axes) == len(in_shape) and e.primitive.splittable
                          and e.out_binders[0].aval.dtype in (np.float64, np.int64))
            if outer in axes and not splittable:
                return False
        return True

    # ------------------------------------------------------------------ reading elements

    def _read_elsewhere(self, v: Var) -> bool:
        """Whether ``v`` is read outside this loop (also through a view read only in it)."""
        for c in self.em.consumers.get(v, []):
            if c is None:  # a program output
                return True
            if id(c) in self.members:
                continue
            out = c.out_binders[0]
            if not (out in self.em.views and not moves(c) and not self._read_elsewhere(out)):
                return True
        return False

    def _flat_view(self, name: str) -> str:
        if name not in self.flat_views:
            self.flat_views[name] = f"{name}_flat"
            self.prologue.append(f"{name}_flat = {name}.reshape({self.size})")
        return self.flat_views[name]

    def position(self, var_shape: tuple[int, ...]) -> list[str]:
        """The index of the current element in an array of ``var_shape`` (the loop's shape
        with or without size-1 dimensions)."""
        counters = iter(self.loop_vars)
        return ["0" if n == 1 else next(counters) for n in var_shape]

    def at(self, name: str, var_shape: tuple[int, ...]) -> str:
        """``name``'s element at the current position."""
        if self.flat:
            return f"{self._flat_view(name)}[{self.loop_vars[0]}]"
        return self.access(name, self.position(var_shape))

    def access(self, name: str, idx: Sequence[str]) -> str:
        last = idx[-1] if idx else ""
        for v in self.loop_vars:
            if re.search(rf"\b{v}\b", last):
                self.last_axis_reads[v] = self.last_axis_reads.get(v, 0) + 1
        return f"{name}[{', '.join(idx) or '()'}]"

    def element(self, x: Any, idx: tuple[str, ...] | None = None, guarded: bool = False) -> str:
        """The scalar value of ``x`` at the loop position, or at index ``idx`` of ``x``.
        A ``guarded`` read sits under a condition, so it is not hoisted into its own line."""
        em = self.em
        if isinstance(x, Literal):
            return em.constant(x.val)
        if x in self.scalars:
            return self.scalars[x]
        if x in em.views:
            view = em.views[x]
            if computed(view):
                return self.scalar(view, [self.element(y, idx, guarded) for y in view.inputs])
            return self.mapped_element(view, idx, guarded)
        if x.aval.ndim == 0:
            tmp = self.scalars[x] = em.fresh("x")
            self.prologue.append(f"{tmp} = {em.name(x)}[()]")
            return tmp
        at_position = idx is None or (not self.flat and loop_shape(x.aval.shape) == self.shape
                                      and list(idx) == self.position(x.aval.shape))
        expr = self.at(em.name(x), x.aval.shape) if at_position else self.access(em.name(x), idx)
        if guarded:
            return expr
        key = (x, None if at_position else idx)
        if key not in self.scalars:
            self.scalars[key] = em.fresh("x")
            self.body.append(f"{self.scalars[key]} = {expr}")
        return self.scalars[key]

    def mapped_element(self, eqn: Eqn, idx: tuple[str, ...] | None, guarded: bool) -> str:
        if idx is None and (keeps_position(eqn) or eqn.inputs[0].aval.ndim == 0):  # the same element, or a scalar's
            return self.element(eqn.inputs[0], None, guarded)
        src_idx, cond = index_map(eqn)(self.position(eqn.out_binders[0].aval.shape) if idx is None else list(idx))
        value = self.element(eqn.inputs[0], tuple(src_idx), guarded or cond is not None)
        return value if cond is None else f"({value} if {cond} else {self.element(eqn.inputs[1], (), guarded)})"

    def scalar(self, eqn: Eqn, args: list[str]) -> str:
        """One element of the elementwise ``eqn``. A fast form that is inexact on part of
        the domain is recorded for the loop to check, or, where no vectorised loop is at
        stake (a scalar, a loop on threads), replaced by its exact form at once."""
        expr = scalar_rules[eqn.primitive](args, eqn)
        exact = exact_rules.get(eqn.primitive)
        variant = exact(args, eqn) if exact is not None else None
        if variant is None:
            return expr
        if not self.versioned:
            return variant[1]
        self.inexact[expr] = variant
        return expr

    # ------------------------------------------------------------------ the nest

    def emit(self) -> None:
        em, group = self.em, self.group
        em.parallel |= self.parallel
        internal = [v for e in group.eqns for v in e.out_binders]
        # Values needed after the loop are written to arrays; the rest stay in registers.
        materialized = {v for v in internal if self._read_elsewhere(v)}
        for v in internal:
            if v in materialized:
                em.allocate(v)
        accumulators = [Accumulator(em, e) for e in group.reductions]
        for acc in accumulators:
            acc.init()
        for eqn in group.eqns:
            out = eqn.out_binders[0]
            comment_at = len(self.body)  # the comment goes above the reads the equation adds
            if eqn.primitive.kind is Kind.GENERATOR:
                self.scalars[out] = generator_rules[eqn.primitive](self.position(out.aval.shape), eqn)
            else:
                if is_looped_map(eqn):
                    expr = self.mapped_element(eqn, None, False)
                else:
                    expr = self.scalar(eqn, [self.element(x) for x in eqn.inputs])
                self.scalars[out] = em.fresh("t")
                self.body.append(f"{self.scalars[out]} = {expr}")
            # In the loop, so a failing line is traced to its equation.
            self.body.insert(comment_at, em.describe(eqn, self.scalars))
            if out in materialized:
                self.body.append(f"{self.at(em.name(out), out.aval.shape)} = {self.scalars[out]}")
        for acc in accumulators:
            comment_at = len(self.body)
            value = self.element(acc.eqn.inputs[0])
            self.body.insert(comment_at, em.describe(acc.eqn, self.scalars))
            self.body.append(acc.accumulate(value, [] if acc.full else self.position(acc.in_shape)))
        scalar_accumulator = any(acc.full for acc in accumulators)
        if self.inexact:
            beyond = em.fresh("beyond")
            self.prologue.append(f"{beyond} = False")
            checks = dict.fromkeys(check for check, _ in self.inexact.values())  # once each, in order
            self.body.append(f"{beyond} |= " + " | ".join(f"({check})" for check in checks))
        for line in self.prologue:
            em.emit(line)
        depth = self._emit_headers(scalar_accumulator)
        for line in self.body:
            em.emit(line, depth)
        if self.inexact:
            # Rare: an element lies where a fast form is inexact. The whole loop again, exactly.
            em.emit(f"if {beyond}:")
            for acc in accumulators:
                em.emit(acc.reset(), 2)
            depth = self._emit_headers(scalar_accumulator, base=1)
            for line in self.body[:-1]:
                for fast, (_, exact) in self.inexact.items():
                    line = line.replace(fast, exact)
                em.emit(line, depth)
        for acc in accumulators:
            acc.finish()

    def _emit_headers(self, scalar_accumulator: bool, base: int = 0) -> int:
        """The ``for`` lines, ``base`` levels in; returns the depth of the body."""
        loop = "numba.prange" if self.parallel else "range"
        if self.ndim == 0:
            return 1 + base
        if self.flat:
            self.em.emit(f"for {self.loop_vars[0]} in {loop}({self.size}):", 1 + base)
            return 2 + base
        order = list(range(self.ndim))
        # The innermost loop should walk the last axis of most arrays it touches (unit-stride,
        # vectorisable); a scalar accumulator would see its terms in another order, so not then.
        if not self.parallel and not scalar_accumulator and self.last_axis_reads:
            inner = max(range(self.ndim), key=lambda d: (self.last_axis_reads.get(self.loop_vars[d], 0), d))
            order = [d for d in order if d != inner] + [inner]
        for depth, d in enumerate(order):
            self.em.emit(f"for {self.loop_vars[d]} in {loop if depth == 0 else 'range'}({self.shape[d]}):", 1 + base + depth)
        return 1 + base + self.ndim
