"""Code generation: one closed jaxpr becomes the Python source of one Numba function.

Elementwise equations of the same shape (with the broadcasts that feed them and
the reductions that consume them) are fused into one loop nest that reads each
input once and keeps intermediates in registers; every other equation is a few
lines calling NumPy-in-Numba or a precompiled kernel. Each line carries a comment
with the equation it came from, so the source can be read and debugged.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..ir import Eqn, Jaxpr, Literal, Var, pp_eqn, _Names
from . import lowering
from .lowering import literal

# --------------------------------------------------------------------------- fusion plan


class Group:
    """A loop nest over ``shape`` computing fusable equations, then reductions of them."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        self.eqns: list[Eqn] = []
        self.reductions: list[Eqn] = []
        self.produced: set[Var] = set()
        self.reduced: set[Var] = set()

    def accepts(self, eqn: Eqn, virtual: dict[Var, Any]) -> bool:
        # A value reduced in this loop is only known after it, so its users start a new loop.
        if eqn.out_binders[0].aval.shape != self.shape:
            return False
        return not _reads(eqn, virtual) & self.reduced


def _reads(eqn: Eqn, virtual: dict[Var, Any]) -> set[Var]:
    """The variables ``eqn`` reads, seeing through virtual broadcasts to the scalars they stand for."""
    reads = set()
    for x in eqn.inputs:
        while isinstance(x, Var) and x in virtual:
            x = virtual[x]
        if isinstance(x, Var):
            reads.add(x)
    return reads


def _fusable(eqn: Eqn) -> bool:
    prim = eqn.primitive
    return prim in lowering.scalar_rules or prim in lowering.fusable_broadcasts or prim in lowering.fusable_generators


def virtual_broadcasts(jaxpr: Jaxpr) -> dict[Var, Any]:
    """Broadcasts of scalars that only feed fused loops: those loops read the scalar,
    and the array is never built."""
    consumers: dict[Var, list[Eqn]] = {}
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if isinstance(x, Var):
                consumers.setdefault(x, []).append(eqn)
    outs = {x for x in jaxpr.outvars if isinstance(x, Var)}
    virtual = {}
    for eqn in jaxpr.eqns:
        if eqn.primitive in lowering.fusable_broadcasts and eqn.inputs[0].aval.ndim == 0:
            out = eqn.out_binders[0]
            users = consumers.get(out, [])
            if out not in outs and all(_fusable(u) or u.primitive in lowering.reductions for u in users):
                virtual[out] = eqn.inputs[0]
    return virtual


def schedule(eqns: list[Eqn], virtual: dict[Var, Any]) -> list[Eqn]:
    """A topological order that keeps fusable equations of one shape together, so they
    share a loop: after each equation, prefer a ready one that can join its loop."""
    produced_by: dict[Var, int] = {v: i for i, e in enumerate(eqns) for v in e.out_binders}
    reads = [_reads(e, virtual) & produced_by.keys() for e in eqns]
    waiting = [len(r) for r in reads]
    users: dict[int, list[int]] = {}
    for i, r in enumerate(reads):
        for x in r:
            users.setdefault(produced_by[x], []).append(i)
    ready = sorted(i for i, n in enumerate(waiting) if n == 0)
    order: list[Eqn] = []
    shape, reduced = None, set()
    while ready:
        pick = next(
            (i for i in ready if _fusable(eqns[i]) and eqns[i].out_binders[0].aval.shape == shape
             and not reads[i] & reduced),
            ready[0],
        )
        ready.remove(pick)
        eqn = eqns[pick]
        order.append(eqn)
        if _fusable(eqn):
            if eqn.out_binders[0].aval.shape != shape:
                shape, reduced = eqn.out_binders[0].aval.shape, set()
        elif eqn.primitive in lowering.reductions and eqn.inputs[0].aval.shape == shape:
            reduced.update(eqn.out_binders)
        else:
            shape, reduced = None, set()
        for u in users.get(pick, []):
            waiting[u] -= 1
            if waiting[u] == 0:
                ready.append(u)
        ready.sort()
    return order


def plan(eqns: list[Eqn], virtual: dict[Var, Any]) -> list:
    """Split the equations into fused groups and single equations, in program order."""
    items: list = []
    group: Group | None = None
    for eqn in eqns:
        prim = eqn.primitive
        if _fusable(eqn):
            if group is None or not group.accepts(eqn, virtual):
                group = Group(eqn.out_binders[0].aval.shape)
                items.append(group)
            group.eqns.append(eqn)
            group.produced.update(eqn.out_binders)
        elif prim in lowering.reductions and isinstance(eqn.inputs[0], Var):
            if group is None or group.shape != eqn.inputs[0].aval.shape or _reads(eqn, virtual) & group.reduced:
                group = Group(eqn.inputs[0].aval.shape)
                items.append(group)
            group.reductions.append(eqn)
            group.reduced.update(eqn.out_binders)
        else:
            group = None
            items.append(eqn)
    return items


class Emitter:
    """Builds the function's source: names for variables, hoisted constants, lines."""

    def __init__(self, jaxpr: Jaxpr, func_name: str):
        self.jaxpr = jaxpr
        self.func_name = func_name
        self.names: dict[Var, str] = {}
        self.pretty = _Names()
        self.lines: list[str] = []
        self.constants: dict[tuple, str] = {}
        self.counter = 0
        self.uses = _count_uses(jaxpr)
        # Outputs are written into buffers the caller allocates (boxing returned arrays
        # costs Numba far more than np.empty does in Python).
        self.out_slots = [f"out{k}" for k in range(len(jaxpr.outvars))]
        self.direct: dict[Var, str] = {}
        # Array constants of nested jaxprs (loop bodies, branches) become leading arguments.
        self.hoisted: list[np.ndarray] = []
        self.base = 0
        self.virtual: dict[Var, Any] = {}

    def allocate(self, var: Var) -> str:
        """Emit the allocation of ``var``'s array, reusing an output buffer when it is one."""
        name = self.name(var)
        slot = next((s for s, x in zip(self.out_slots, self.jaxpr.outvars) if x is var), None)
        if slot is not None and var not in self.direct:
            self.direct[var] = slot
            self.emit(f"{name} = {slot}")
        else:
            self.emit(f"{name} = np.empty({var.aval.shape!r}, np.{var.aval.dtype.name})")
        return name

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def name(self, var: Var) -> str:
        if var not in self.names:
            self.names[var] = f"v_{self.pretty[var]}"
        return self.names[var]

    def constant(self, value: np.ndarray) -> str:
        key = (value.dtype.str, value.tobytes())
        if key not in self.constants:
            self.constants[key] = f"c{len(self.constants)}"
        return self.constants[key]

    def read_array(self, x: Any) -> str:
        """An atom as an array expression (a 0-d literal becomes a 0-d array)."""
        if isinstance(x, Literal):
            return f"np.full((), {literal(x.val)})"
        return self.name(x)

    def read_scalar(self, x: Any) -> str:
        if isinstance(x, Literal):
            return self.constant(x.val)
        return f"{self.name(x)}[()]"

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * (depth + self.base) + line)

    def hoist(self, value: Any) -> str:
        self.hoisted.append(np.asarray(value, order="C"))
        return f"k{len(self.hoisted) - 1}"

    def describe(self, eqn: Eqn) -> str:
        """A comment line showing ``eqn`` (error messages name the comment above a failing line)."""
        return "# " + pp_eqn(eqn, self.pretty).replace("\n", " ")[:150]

    def comment(self, eqn: Eqn, depth: int = 1) -> None:
        self.emit(self.describe(eqn), depth)

    def source(self) -> str:
        hoisted = [f"k{i}" for i in range(len(self.hoisted))]
        args = hoisted + [self.name(v) for v in self.jaxpr.constvars + self.jaxpr.invars] + self.out_slots
        head = [f"def {self.func_name}({', '.join(args)}):"]
        tail = []
        for slot, x in zip(self.out_slots, self.jaxpr.outvars):
            if isinstance(x, Var) and self.direct.get(x) == slot:
                continue
            value = self.read_scalar(x) if isinstance(x, Literal) else self.name(x)
            tail.append(f"    {slot}[...] = {value}" if x.aval.ndim else f"    {slot}[()] = {self.read_scalar(x)}")
        consts = [f"    {name} = {literal(np.frombuffer(raw, np.dtype(dt)).reshape(()))}" for (dt, raw), name in self.constants.items()]
        return "\n".join(head + consts + self.lines + tail + ["    return None"]) + "\n"


def _count_uses(jaxpr: Jaxpr) -> dict[Var, int]:
    uses: dict[Var, int] = {}
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if isinstance(x, Var):
                uses[x] = uses.get(x, 0) + 1
    for x in jaxpr.outvars:
        if isinstance(x, Var):
            uses[x] = uses.get(x, 0) + 1
    return uses


def generate(jaxpr: Jaxpr, func_name: str = "program") -> tuple[str, list[np.ndarray]]:
    """The source of a Numba-compilable function computing ``jaxpr``, and the arrays to
    pass before the jaxpr's own constants (constants of nested jaxprs)."""
    em = Emitter(jaxpr, func_name)
    emit_body(em, jaxpr)
    return em.source(), em.hoisted


def emit_inline(em: Emitter, closed: Any, args: Sequence[str], depth: int) -> list[str]:
    """Emit a nested jaxpr (a branch or loop body) in place, at ``depth``, on the named
    arguments; returns the names of its results."""
    from .passes import optimize

    closed = optimize(closed)
    jaxpr = closed.jaxpr
    saved = (em.jaxpr, em.uses, em.out_slots, em.base)
    em.jaxpr, em.uses, em.out_slots, em.base = jaxpr, _count_uses(jaxpr), [], em.base + depth - 1
    try:
        for v, c in zip(jaxpr.constvars, closed.consts):
            em.emit(f"{em.name(v)} = {em.hoist(c)}")
        for v, a in zip(jaxpr.invars, args):
            em.emit(f"{em.name(v)} = {a}")
        emit_body(em, jaxpr)
        return [em.read_array(x) for x in jaxpr.outvars]
    finally:
        em.jaxpr, em.uses, em.out_slots, em.base = saved


def emit_body(em: Emitter, jaxpr: Jaxpr) -> None:
    em.virtual.update(virtual_broadcasts(jaxpr))
    eqns = [e for e in jaxpr.eqns if e.out_binders[0] not in em.virtual]
    for item in plan(schedule(eqns, em.virtual), em.virtual):
        if isinstance(item, Group):
            _emit_group(em, item)
        else:
            rule = lowering.statement_rules.get(item.primitive)
            if rule is None:
                raise NotImplementedError(f"jit: no Numba lowering for primitive '{item.primitive.name}'")
            em.comment(item)
            rule(em, item, [em.read_array(x) for x in item.inputs], [em.name(v) for v in item.out_binders])


def _emit_group(em: Emitter, group: Group) -> None:
    shape = group.shape
    ndim = len(shape)
    size = int(np.prod(shape, dtype=np.int64))
    body_eqns = group.eqns + group.reductions
    internal = [v for e in group.eqns for v in e.out_binders]
    uses_inside = {}
    for e in body_eqns:
        for x in e.inputs:
            if isinstance(x, Var):
                uses_inside[x] = uses_inside.get(x, 0) + 1
    # Values needed after the loop are written to arrays; the rest stay in registers.
    materialized = {v for v in internal if em.uses.get(v, 0) > uses_inside.get(v, 0)}
    partial_reduction = any(len(e.params["axes"]) < ndim for e in group.reductions)
    has_broadcast = any(e.primitive in lowering.fusable_broadcasts and e.inputs[0].aval.ndim for e in group.eqns if e.inputs and isinstance(e.inputs[0], Var))
    # Loops over one flat index vectorise best; broadcasts and partial reductions need the nest.
    has_iota = any(e.primitive in lowering.fusable_generators for e in group.eqns)
    flat = ndim > 1 and not partial_reduction and not has_broadcast and not has_iota
    for v in internal:
        if v in materialized:
            em.allocate(v)
    reductions = [lowering.Reduction(em, e) for e in group.reductions]
    for r in reductions:
        r.init()
    if ndim == 0:
        loop_vars, index, depth = [], "()", 1
    elif flat:
        loop_vars = [em.fresh("i")]
        index, depth = loop_vars[0], 2
    else:
        loop_vars = [em.fresh("i") for _ in range(ndim)]
        index, depth = ", ".join(loop_vars), 1 + ndim
    prologue, body = [], []
    flat_views: dict[str, str] = {}

    def view(name: str) -> str:
        """``name`` as an array indexed by the loop's index (a flat view in a flat loop)."""
        if not flat:
            return name
        if name not in flat_views:
            flat_views[name] = f"{name}_flat"
            prologue.append(f"{name}_flat = {name}.reshape({size})")
        return flat_views[name]

    scalars: dict[Var, str] = {}

    def element(x: Any) -> str:
        """The scalar value of an operand at the current loop position."""
        if isinstance(x, Var) and x in em.virtual:
            return element(em.virtual[x])
        if isinstance(x, Literal):
            return em.constant(x.val)
        if x not in scalars:
            tmp = em.fresh("x")
            if x.aval.ndim == 0:
                prologue.append(f"{tmp} = {em.name(x)}[()]")
            else:
                body.append(f"{tmp} = {view(em.name(x))}[{index}]")
            scalars[x] = tmp
        return scalars[x]

    for eqn in group.eqns:
        out = eqn.out_binders[0]
        body.append(em.describe(eqn))  # in the loop, so a failing line is traced to its equation
        if eqn.primitive in lowering.fusable_generators:
            scalars[out] = f"np.{out.aval.dtype.name}({loop_vars[eqn.params['dimension']]})"
        elif eqn.primitive in lowering.fusable_broadcasts:
            src = eqn.inputs[0]
            if isinstance(src, Literal) or src.aval.ndim == 0 or src in em.virtual:
                scalars[out] = element(src)
            else:
                dims = eqn.params["broadcast_dimensions"]
                idx = ", ".join("0" if src.aval.shape[j] == 1 else loop_vars[d] for j, d in enumerate(dims))
                scalars[out] = em.fresh("x")
                body.append(f"{scalars[out]} = {em.name(src)}[{idx}]")
        else:
            scalars[out] = em.fresh("t")
            expr = lowering.scalar_rules[eqn.primitive]([element(x) for x in eqn.inputs], eqn)
            body.append(f"{scalars[out]} = {expr}")
        if out in materialized:
            body.append(f"{view(em.name(out))}[{index}] = {scalars[out]}")
    for r in reductions:
        body.append(em.describe(r.eqn))
        body.extend(r.accumulate(element(r.eqn.inputs[0]), loop_vars))
    for line in prologue:
        em.emit(line)
    if ndim == 0:
        pass
    elif flat:
        em.emit(f"for {loop_vars[0]} in range({size}):")
    else:
        for d, (iv, n) in enumerate(zip(loop_vars, shape)):
            em.emit(f"for {iv} in range({n}):", 1 + d)
    for line in body:
        em.emit(line, depth)
    for r in reductions:
        r.finish()
