"""Code generation: one closed jaxpr becomes the Python source of one Numba function.

Elementwise equations of the same shape (with the broadcasts that feed them and
the reductions that consume them) are fused into one loop nest that reads each
input once and keeps intermediates in registers; every other equation is a few
lines calling NumPy-in-Numba or a precompiled kernel. Each line carries a comment
with the equation it came from, so the source can be read and debugged.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..config import config
from ..ir import Eqn, Jaxpr, Literal, Var, pp_eqn, _Names
from ..lax import reduction as _red
from ..lax import shape as _sh
from . import lowering
from .lowering import literal

# --------------------------------------------------------------------------- fusion plan

# With threads enabled, loops over at least this many elements run on them (below it,
# waking the thread pool costs about as much as the loop).
PARALLEL_MIN_SIZE = 1 << 17


class Group:
    """A loop nest over ``shape`` computing fusable equations, then reductions of them."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        self.eqns: list[Eqn] = []
        self.reductions: list[Eqn] = []
        self.produced: set[Var] = set()
        self.reduced: set[Var] = set()

    def accepts(self, eqn: Eqn, views: dict[Var, Eqn], shape: tuple[int, ...]) -> bool:
        # A value reduced in this loop is only known after it, and a value made in this loop
        # exists only at the current position: reading either elsewhere needs a new loop.
        if shape != self.shape:
            return False
        direct, mapped = _reads(eqn, views)
        return not (direct | mapped) & self.reduced and not mapped & self.produced


def loop_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The loops an array of ``shape`` is computed in: size-1 dimensions need none, so
    arrays differing only in them (``keepdims``, ``expand_dims``) share a loop."""
    return tuple(d for d in shape if d != 1)


def _keeps_position(eqn: Eqn) -> bool:
    """An index map whose source element sits at the same loop position as its result
    (it only adds or drops size-1 dimensions)."""
    return eqn.primitive in lowering.position_maps and loop_shape(eqn.inputs[0].aval.shape) == loop_shape(eqn.out_binders[0].aval.shape)


def _computed(view: Eqn) -> bool:
    """A virtual elementwise equation: computed where it is read (see virtual_views)."""
    return view.primitive in lowering.scalar_rules


def _moves(view: Eqn) -> bool:
    """Whether a view reads its source at another position (a scalar's broadcast does not,
    nor does an elementwise equation computed where it is read)."""
    src = view.inputs[0]
    return not _computed(view) and not _keeps_position(view) and isinstance(src, Var) and src.aval.ndim > 0


def _positional(eqn: Eqn, views: dict[Var, Eqn]) -> bool:
    """Whether ``eqn`` reads every array at its own loop position (so a flat loop can run it)."""
    if eqn.primitive in lowering.looped_maps and _moves(eqn):
        return False
    pending = [x for x in eqn.inputs if isinstance(x, Var)]
    while pending:
        view = views.get(pending.pop())
        if view is not None:
            if _moves(view):
                return False
            pending.extend(x for x in view.inputs if isinstance(x, Var))
    return True


def _reads(eqn: Eqn, views: dict[Var, Eqn]) -> tuple[set[Var], set[Var]]:
    """The arrays ``eqn`` reads, seeing through virtual views: those read at the loop's own
    position (or 0-d) and those read at a mapped position."""
    direct: set[Var] = set()
    mapped: set[Var] = set()

    def visit(x: Any, through: bool) -> None:
        if not isinstance(x, Var):
            return
        view = views.get(x)
        if view is not None:
            for y in view.inputs:
                visit(y, through or _moves(view))
        else:
            (mapped if through and x.aval.ndim else direct).add(x)

    looped = eqn.primitive in lowering.looped_maps and not _keeps_position(eqn)
    for x in eqn.inputs:
        visit(x, looped)
    return direct, mapped


def _fusable(eqn: Eqn) -> bool:
    prim = eqn.primitive
    return prim in lowering.scalar_rules or prim in lowering.looped_maps or prim in lowering.fusable_generators


def _loop_shape(eqn: Eqn) -> tuple[int, ...] | None:
    """The shape of the loop ``eqn`` runs in, if it joins fused loops."""
    if _fusable(eqn):
        return loop_shape(eqn.out_binders[0].aval.shape)
    if eqn.primitive in lowering.reductions and isinstance(eqn.inputs[0], Var):
        return loop_shape(eqn.inputs[0].aval.shape)
    return None


def virtual_views(jaxpr: Jaxpr, consumers: dict[Var, list]) -> dict[Var, Eqn]:
    """Index maps (broadcasts, transposes, slices, pads...) whose results are only read by
    fused loops: those loops read the source at the mapped index, and the array is never built.
    Also elementwise equations read once, by an index map that does not repeat elements
    (or by another such equation): the loop reading the map computes them at the mapped
    index, instead of one loop building the array for another to read shifted or transposed.
    ``consumers`` is ``_consumers(jaxpr)``."""
    views: dict[Var, Eqn] = {}
    for eqn in reversed(jaxpr.eqns):
        out = eqn.out_binders[0]
        users = consumers.get(out, [])
        if None in users:  # a program output
            continue
        if lowering.index_map(eqn) is not None:
            if all(_loop_shape(u) is not None or u.out_binders[0] in views for u in users):
                views[out] = eqn
        elif eqn.primitive in lowering.scalar_rules and len(eqn.out_binders) == 1 and len(users) == 1:
            user = users[0]
            if _computed_where_read(user, out, views):
                views[out] = eqn
    # A small cheap expression read twice through such maps (a value and its neighbour) is
    # also worth computing twice rather than storing and loading.
    for eqn in jaxpr.eqns:
        out = eqn.out_binders[0]
        users = consumers.get(out, [])
        if (None not in users and out not in views and eqn.primitive in _CHEAP and len(users) == 2
                and all(_computed_where_read(u, out, views) for u in users)
                and _expression_size(eqn, views) <= 8):
            views[out] = eqn
    return views


# Elementwise primitives cheap enough to compute twice instead of storing once.
_CHEAP = {
    p for p in lowering.scalar_rules
    if p.name in ("add", "add_any", "sub", "mul", "neg", "max", "min", "select_n", "convert_element_type", "integer_pow")
}


def _computed_where_read(user: Eqn, value: Var, views: dict[Var, Eqn]) -> bool:
    """Whether a loop reads ``value`` through ``user`` (an elementwise view, or an index map
    read in a loop that does not repeat elements), so it can compute it there."""
    read_in_loop = user.out_binders[0] in views or user.primitive in lowering.looped_maps
    repeats = user.primitive is _sh.broadcast_in_dim_p and not _keeps_position(user)
    return read_in_loop and (_computed(user) or (lowering.index_map(user) is not None and user.inputs[0] is value and not repeats))


def _expression_size(eqn: Eqn, views: dict[Var, Eqn]) -> int:
    """Equations in the expression a computed view stands for (it and the computed views it reads)."""
    inner = [views[x] for x in eqn.inputs if isinstance(x, Var) and x in views and _computed(views[x])]
    if any(e.primitive not in _CHEAP for e in inner):
        return 1 << 30
    return 1 + sum(_expression_size(e, views) for e in inner)


def schedule(eqns: list[Eqn], views: dict[Var, Eqn]) -> list[Eqn]:
    """A topological order that keeps fusable equations (and reductions) of one loop shape
    together, so they share a loop: after each equation, prefer a ready one that can join its loop."""
    produced_by: dict[Var, int] = {v: i for i, e in enumerate(eqns) for v in e.out_binders}
    reads = [tuple(r & produced_by.keys() for r in _reads(e, views)) for e in eqns]
    waiting = [len(d | m) for d, m in reads]
    users: dict[int, list[int]] = {}
    for i, (d, m) in enumerate(reads):
        for x in d | m:
            users.setdefault(produced_by[x], []).append(i)
    ready = sorted(i for i, n in enumerate(waiting) if n == 0)
    order: list[Eqn] = []
    group: Group | None = None
    while ready:
        pick = next((i for i in ready if group is not None and _loop_shape(eqns[i]) is not None and group.accepts(eqns[i], views, _loop_shape(eqns[i]))), ready[0])
        ready.remove(pick)
        eqn = eqns[pick]
        order.append(eqn)
        group = _extend(group, eqn, views)[0]
        for u in users.get(pick, []):
            waiting[u] -= 1
            if waiting[u] == 0:
                ready.append(u)
        ready.sort()
    return order


def _extend(group: Group | None, eqn: Eqn, views: dict[Var, Eqn]) -> tuple[Group | None, bool]:
    """The loop ``eqn`` runs in after ``group`` (None for a statement), and whether it is new."""
    shape = _loop_shape(eqn)
    if shape is None:
        return None, False
    new = group is None or not group.accepts(eqn, views, shape)
    if new:
        group = Group(shape)
    if _fusable(eqn):
        group.eqns.append(eqn)
        group.produced.update(eqn.out_binders)
    else:
        group.reductions.append(eqn)
        group.reduced.update(eqn.out_binders)
    return group, new


def plan(eqns: list[Eqn], views: dict[Var, Eqn], fuse: bool = True) -> list:
    """Split the equations into fused groups and single equations, in program order
    (without ``fuse``, one loop per equation)."""
    items: list = []
    group: Group | None = None
    for eqn in eqns:
        group, new = _extend(group if fuse else None, eqn, views)
        if group is None:
            items.append(eqn)
        elif new:
            items.append(group)
    return items


class Arena:
    """Offsets of the program's temporaries in one scratch buffer (``ws``) that the caller
    keeps and passes to every call: a large array allocated afresh on each call costs a page
    fault per 4 KiB (glibc returns freed large blocks to the system), ~8 ns per float64 written.
    A temporary's bytes are reused by later ones once it is dead."""

    ALIGN = 64  # cache lines; also every dtype's alignment

    def __init__(self) -> None:
        self.size = 0
        self.free: list[tuple[int, int]] = []  # (offset, size), sorted by offset

    def take(self, nbytes: int) -> int:
        nbytes = -(-nbytes // self.ALIGN) * self.ALIGN
        for k, (offset, size) in enumerate(self.free):
            if size >= nbytes:  # first fit
                self.free[k:k + 1] = [(offset + nbytes, size - nbytes)] if size > nbytes else []
                return offset
        if self.free and self.free[-1][0] + self.free[-1][1] == self.size:  # grow the last free block
            offset = self.free.pop()[0]
        else:
            offset = self.size
        self.size = offset + nbytes
        return offset

    def give(self, offset: int, nbytes: int) -> None:
        nbytes = -(-nbytes // self.ALIGN) * self.ALIGN
        blocks = sorted(self.free + [(offset, nbytes)])
        merged: list[tuple[int, int]] = []
        for o, n in blocks:
            if merged and merged[-1][0] + merged[-1][1] == o:
                merged[-1] = (merged[-1][0], merged[-1][1] + n)
            else:
                merged.append((o, n))
        self.free = merged


class Emitter:
    """Builds the function's source: names for variables, hoisted constants, lines."""

    def __init__(self, jaxpr: Jaxpr, func_name: str, fuse: bool = True):
        self.jaxpr = jaxpr
        self.fuse = fuse
        self.func_name = func_name
        self.names: dict[Var, str] = {}
        self.pretty = _Names()
        self.lines: list[str] = []
        self.constants: dict[tuple, str] = {}
        self.counter = 0
        self.consumers = _consumers(jaxpr)
        # Outputs are written into buffers the caller allocates (boxing returned arrays
        # costs Numba far more than np.empty does in Python).
        self.out_slots = [f"out{k}" for k in range(len(jaxpr.outvars))]
        self.direct: dict[Var, str] = {}
        # Array constants of nested jaxprs (loop bodies, branches) become leading arguments.
        self.hoisted: list[np.ndarray] = []
        self.base = 0
        self.views: dict[Var, Eqn] = {}
        self.arena = Arena()
        self.nested = 0  # inside a loop body or branch: temporaries there are allocated as they run
        self.placed: dict[Var, tuple[int, int]] = {}  # arena blocks of live values
        self.scratch_blocks: list[tuple[int, int]] = []  # blocks dead after the current statement
        self.parallel = False  # some loop runs on threads (Numba's parallel=True)

    def allocate(self, var: Var) -> str:
        """Emit the allocation of ``var``'s array: an output buffer when it is one, else
        a block of the scratch arena (or a fresh array inside nested bodies)."""
        name = self.name(var)
        slot = next((s for s, x in zip(self.out_slots, self.jaxpr.outvars) if x is var), None)
        if slot is not None and var not in self.direct:
            self.direct[var] = slot
            self.emit(f"{name} = {slot}")
            return name
        reshaped = self._reshaped_output(var)
        if reshaped is not None:  # its reshape (a view) is an output: write into the output's buffer
            out, slot = reshaped
            self.direct[out] = slot
            self.emit(f"{name} = {slot}.reshape({var.aval.shape!r})")
            return name
        block = self._arena_block(var.aval.shape, var.aval.dtype)
        if block is None:
            self.emit(f"{name} = np.empty({var.aval.shape!r}, np.{var.aval.dtype.name})")
        else:
            self.placed[var] = block
            self.emit(f"{name} = {self._arena_view(block, var.aval.shape, var.aval.dtype)}")
        return name

    def _reshaped_output(self, var: Var) -> tuple[Var, str] | None:
        """The output (and its buffer) that is a reshape of ``var``, if there is one still unwritten."""
        if self.nested:
            return None
        taken = set(self.direct.values())
        for eqn in self.consumers.get(var, []):
            if eqn is not None and eqn.primitive in lowering.reshapes:
                out = eqn.out_binders[0]
                slot = next((s for s, x in zip(self.out_slots, self.jaxpr.outvars) if x is out and s not in taken), None)
                if slot is not None:
                    return out, slot
        return None

    def scratch(self, shape: tuple[int, ...], dtype: np.dtype) -> str:
        """A temporary array for the current statement only."""
        name = self.fresh("scratch")
        block = self._arena_block(shape, dtype)
        if block is None:
            self.emit(f"{name} = np.empty({shape!r}, np.{np.dtype(dtype).name})")
        else:
            self.scratch_blocks.append(block)
            self.emit(f"{name} = {self._arena_view(block, shape, dtype)}")
        return name

    def _arena_block(self, shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, int] | None:
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        if self.nested or not nbytes:
            return None
        return self.arena.take(nbytes), nbytes

    @staticmethod
    def _arena_view(block: tuple[int, int], shape: tuple[int, ...], dtype: np.dtype) -> str:
        offset, nbytes = block
        return f"ws[{offset}:{offset + nbytes}].view(np.{np.dtype(dtype).name}).reshape({shape!r})"

    def release(self, dead: Sequence[Var]) -> None:
        """Return the blocks of values no longer needed (and of finished scratch) to the arena."""
        for var in dead:
            if var in self.placed:
                self.arena.give(*self.placed.pop(var))
        for block in self.scratch_blocks:
            self.arena.give(*block)
        self.scratch_blocks = []

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
        workspace = ["ws"] if self.arena.size else []
        args = workspace + hoisted + [self.name(v) for v in self.jaxpr.constvars + self.jaxpr.invars] + self.out_slots
        head = [f"def {self.func_name}({', '.join(args)}):"]
        tail = []
        for slot, x in zip(self.out_slots, self.jaxpr.outvars):
            if isinstance(x, Var) and self.direct.get(x) == slot:
                continue
            value = self.read_scalar(x) if isinstance(x, Literal) else self.name(x)
            tail.append(f"    {slot}[...] = {value}" if x.aval.ndim else f"    {slot}[()] = {self.read_scalar(x)}")
        consts = [f"    {name} = {literal(np.frombuffer(raw, np.dtype(dt)).reshape(()))}" for (dt, raw), name in self.constants.items()]
        return "\n".join(head + consts + self.lines + tail + ["    return None"]) + "\n"


def _consumers(jaxpr: Jaxpr) -> dict[Var, list]:
    """The equations reading each variable; a program output is read by ``None``."""
    consumers: dict[Var, list] = {}
    for eqn in jaxpr.eqns:
        for x in eqn.inputs:
            if isinstance(x, Var):
                consumers.setdefault(x, []).append(eqn)
    for x in jaxpr.outvars:
        if isinstance(x, Var):
            consumers.setdefault(x, []).append(None)
    return consumers


class Generated(NamedTuple):
    source: str
    hoisted: list[np.ndarray]  # arrays to pass before the jaxpr's constants (those of nested jaxprs)
    arena_size: int  # bytes of the scratch arena passed first as ``ws`` (no such parameter when 0)
    parallel: bool  # compile with Numba's parallel=True (some loop is a prange)


def generate(jaxpr: Jaxpr, func_name: str = "program", fuse: bool = True) -> Generated:
    """The source of a Numba-compilable function computing ``jaxpr``, and what calling it
    needs. ``fuse=False`` gives one loop per equation and builds every array (for testing
    that fusion changes nothing)."""
    em = Emitter(jaxpr, func_name, fuse)
    emit_body(em, jaxpr)
    return Generated(em.source(), em.hoisted, em.arena.size, em.parallel)


def emit_inline(em: Emitter, closed: Any, args: Sequence[str], depth: int) -> list[str]:
    """Emit a nested jaxpr (a branch or loop body) in place, at ``depth``, on the named
    arguments; returns the names of its results."""
    from .passes import optimize

    closed = optimize(closed)
    jaxpr = closed.jaxpr
    saved = (em.jaxpr, em.consumers, em.out_slots, em.base)
    em.jaxpr, em.consumers, em.out_slots, em.base = jaxpr, _consumers(jaxpr), [], em.base + depth - 1
    em.nested += 1
    try:
        for v, c in zip(jaxpr.constvars, closed.consts):
            em.emit(f"{em.name(v)} = {em.hoist(c)}")
        for v, a in zip(jaxpr.invars, args):
            em.emit(f"{em.name(v)} = {a}")
        emit_body(em, jaxpr)
        return [em.read_array(x) for x in jaxpr.outvars]
    finally:
        em.jaxpr, em.consumers, em.out_slots, em.base = saved
        em.nested -= 1


def emit_body(em: Emitter, jaxpr: Jaxpr) -> None:
    if em.fuse:
        em.views.update(virtual_views(jaxpr, em.consumers))
    eqns = [e for e in jaxpr.eqns if e.out_binders[0] not in em.views]
    items = plan(schedule(eqns, em.views), em.views, em.fuse)
    dead_after = _deaths(items, jaxpr, em.views)
    for k, item in enumerate(items):
        if isinstance(item, Group):
            _emit_group(em, item)
        else:
            rule = lowering.statement_rules.get(item.primitive)
            if rule is None:
                raise NotImplementedError(f"jit: no Numba lowering for primitive '{item.primitive.name}'")
            em.comment(item)
            rule(em, item, [em.read_array(x) for x in item.inputs], [em.name(v) for v in item.out_binders])
        em.release(dead_after.get(k, ()))


def _deaths(items: list, jaxpr: Jaxpr, views: dict[Var, Eqn]) -> dict[int, list[Var]]:
    """For each item, the values last needed by it (liveness, for reusing arena blocks).
    A statement whose result may share its operands' memory (a reshape is a view, a loop's
    carry may be its initial value) keeps those operands alive as long as the result."""
    last: dict[Var, int] = {}
    for k, item in enumerate(items):
        for eqn in (item.eqns + item.reductions) if isinstance(item, Group) else [item]:
            for x in set().union(*_reads(eqn, views)):
                last[x] = k
    for x in jaxpr.outvars:
        if isinstance(x, Var):
            last[x] = len(items)
    for k in reversed(range(len(items))):
        item = items[k]
        if isinstance(item, Eqn) and not (item.primitive in lowering.fresh_results or item.primitive.fresh_result):
            end = max(last.get(v, k) for v in item.out_binders)
            for x in item.inputs:
                if isinstance(x, Var):
                    last[x] = max(last.get(x, k), end)
    dead: dict[int, list[Var]] = {}
    for x, k in last.items():
        dead.setdefault(k, []).append(x)
    return dead


def _runs_on_threads(em: Emitter, group: Group, size: int) -> bool:
    """Whether a loop runs on Numba's threads (``config.num_threads`` above 1): large ones,
    not nested in a loop body. Iterations of the outer loop write disjoint elements, so only
    a reduction across it (which would race on one accumulator) keeps a loop serial, unless
    Numba can split it."""
    if em.nested or size < PARALLEL_MIN_SIZE or config.num_threads == 1:
        return False
    for e in group.reductions:
        # Numba recognises ``acc = acc + x`` (and ``*``) on a scalar as a reduction it can split
        # across threads; narrower dtypes need a cast that hides the pattern.
        in_shape, axes = e.inputs[0].aval.shape, e.params["axes"]
        outer = next(d for d, n in enumerate(in_shape) if n != 1)
        scalar = len(axes) == len(in_shape)
        splittable = e.primitive in (_red.reduce_sum_p, _red.reduce_prod_p) and e.out_binders[0].aval.dtype in (np.float64, np.int64)
        if outer in axes and not (scalar and splittable):
            return False
    return True


def _emit_group(em: Emitter, group: Group) -> None:
    shape = group.shape
    ndim = len(shape)
    size = int(np.prod(shape, dtype=np.int64))
    body_eqns = group.eqns + group.reductions
    internal = [v for e in group.eqns for v in e.out_binders]
    members = {id(e) for e in body_eqns}

    def read_elsewhere(v: Var) -> bool:
        """Whether ``v`` is read outside this loop (also through a view read only in it)."""
        for c in em.consumers.get(v, []):
            if c is None:  # a program output
                return True
            if id(c) in members:
                continue
            out = c.out_binders[0]
            if not (out in em.views and not _moves(c) and not read_elsewhere(out)):
                return True
        return False

    # Values needed after the loop are written to arrays; the rest stay in registers.
    materialized = {v for v in internal if read_elsewhere(v)}
    partial_reduction = any(len(e.params["axes"]) < e.inputs[0].aval.ndim for e in group.reductions)
    positional = all(_positional(e, em.views) for e in body_eqns)
    # Loops over one flat index vectorise best; mapped reads and partial reductions need the nest.
    has_iota = any(e.primitive in lowering.fusable_generators for e in group.eqns)
    flat = ndim > 1 and not partial_reduction and positional and not has_iota
    parallel = _runs_on_threads(em, group, size)
    em.parallel |= parallel
    loop = "numba.prange" if parallel else "range"
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

    def position(var_shape: tuple[int, ...]) -> list[str]:
        """The index of the current element in an array of ``var_shape`` (the loop's shape
        with or without size-1 dimensions)."""
        counters = iter(loop_vars)
        return ["0" if n == 1 else next(counters) for n in var_shape]

    def at(name: str, var_shape: tuple[int, ...]) -> str:
        """``name``'s element at the current position."""
        if flat:
            return f"{view(name)}[{index}]"
        return access(name, position(var_shape))

    strides_of: dict[str, int] = {}  # per loop variable: array accesses where it indexes the last axis

    def access(name: str, idx: Sequence[str]) -> str:
        last = idx[-1] if idx else ""
        for v in loop_vars:
            if re.search(rf"\b{v}\b", last):
                strides_of[v] = strides_of.get(v, 0) + 1
        return f"{name}[{', '.join(idx) or '()'}]"

    scalars: dict[Any, str] = {}  # produced values by Var; reads by (Var, index)

    def element(x: Any, idx: tuple[str, ...] | None = None, guarded: bool = False) -> str:
        """The scalar value of ``x`` at the loop position, or at index ``idx`` of ``x``.
        A ``guarded`` read sits under a condition, so it is not hoisted into its own line."""
        if isinstance(x, Literal):
            return em.constant(x.val)
        if x in scalars:
            return scalars[x]
        if x in em.views:
            view = em.views[x]
            if _computed(view):
                return lowering.scalar_rules[view.primitive]([element(y, idx, guarded) for y in view.inputs], view)
            return mapped_element(view, idx, guarded)
        if x.aval.ndim == 0:
            tmp = scalars[x] = em.fresh("x")
            prologue.append(f"{tmp} = {em.name(x)}[()]")
            return tmp
        at_position = idx is None or (not flat and loop_shape(x.aval.shape) == shape and list(idx) == position(x.aval.shape))
        expr = at(em.name(x), x.aval.shape) if at_position else access(em.name(x), idx)
        if guarded:
            return expr
        key = (x, None if at_position else idx)
        if key not in scalars:
            scalars[key] = em.fresh("x")
            body.append(f"{scalars[key]} = {expr}")
        return scalars[key]

    def mapped_element(eqn: Eqn, idx: tuple[str, ...] | None, guarded: bool) -> str:
        if idx is None and (_keeps_position(eqn) or eqn.inputs[0].aval.ndim == 0):  # the same element, or a scalar's
            return element(eqn.inputs[0], None, guarded)
        src_idx, cond = lowering.index_map(eqn)(position(eqn.out_binders[0].aval.shape) if idx is None else list(idx))
        value = element(eqn.inputs[0], tuple(src_idx), guarded or cond is not None)
        return value if cond is None else f"({value} if {cond} else {element(eqn.inputs[1], (), guarded)})"

    for eqn in group.eqns:
        out = eqn.out_binders[0]
        body.append(em.describe(eqn))  # in the loop, so a failing line is traced to its equation
        if eqn.primitive in lowering.fusable_generators:
            scalars[out] = f"np.{out.aval.dtype.name}({position(out.aval.shape)[eqn.params['dimension']]})"
        else:
            if eqn.primitive in lowering.looped_maps:
                expr = mapped_element(eqn, None, False)
            else:
                expr = lowering.scalar_rules[eqn.primitive]([element(x) for x in eqn.inputs], eqn)
            scalars[out] = em.fresh("t")
            body.append(f"{scalars[out]} = {expr}")
        if out in materialized:
            body.append(f"{at(em.name(out), out.aval.shape)} = {scalars[out]}")
    for r in reductions:
        body.append(em.describe(r.eqn))
        body.extend(r.accumulate(element(r.eqn.inputs[0]), [] if r.full else position(r.in_shape)))
    for line in prologue:
        em.emit(line)
    if ndim == 0:
        pass
    elif flat:
        em.emit(f"for {loop_vars[0]} in {loop}({size}):")
    else:
        order = list(range(ndim))
        # The innermost loop should walk the last axis of most arrays it touches (unit-stride,
        # vectorisable); a scalar accumulator would see its terms in another order, so not then.
        if not parallel and not any(r.full for r in reductions) and strides_of:
            inner = max(range(ndim), key=lambda d: (strides_of.get(loop_vars[d], 0), d))
            order = [d for d in order if d != inner] + [inner]
        for depth_k, d in enumerate(order):
            em.emit(f"for {loop_vars[d]} in {loop if depth_k == 0 else 'range'}({shape[d]}):", 1 + depth_k)
    for line in body:
        em.emit(line, depth)
    for r in reductions:
        r.finish()
