"""Fusion planning: which equations share a loop nest, and which are never built.

Elementwise equations of one loop shape, with the index maps that feed them and the
reductions that consume them, become one ``Group`` (one loop nest). Index maps and
elementwise values read only by fused loops become *views*: the loops read their
source at the mapped index, or compute them where they are read, and the array is
never built. Everything here reads primitives' kinds (``functrans.lowering``), not
their names.
"""
from __future__ import annotations

from typing import Any

from ..ir import Eqn, Jaxpr, Var
from ..lowering import Kind, index_rules


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
        direct, mapped = reads(eqn, views)
        return not (direct | mapped) & self.reduced and not mapped & self.produced


def consumers_of(jaxpr: Jaxpr) -> dict[Var, list]:
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


def loop_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The loops an array of ``shape`` is computed in: size-1 dimensions need none, so
    arrays differing only in them (``keepdims``, ``expand_dims``) share a loop."""
    return tuple(d for d in shape if d != 1)


def index_map(eqn: Eqn):
    """``eqn``'s index map (output indices to operand indices), or None if it is not one."""
    rule = index_rules.get(eqn.primitive)
    return None if rule is None else rule(eqn)


def keeps_position(eqn: Eqn) -> bool:
    """An index map whose source element sits at the same loop position as its result
    (it only adds or drops size-1 dimensions)."""
    return eqn.primitive.keeps_position and loop_shape(eqn.inputs[0].aval.shape) == loop_shape(eqn.out_binders[0].aval.shape)


def is_looped_map(eqn: Eqn) -> bool:
    return eqn.primitive.kind is Kind.INDEX_MAP and eqn.primitive.looped


def computed(view: Eqn) -> bool:
    """A virtual elementwise equation: computed where it is read (see virtual_views)."""
    return view.primitive.kind is Kind.ELEMENTWISE


def moves(view: Eqn) -> bool:
    """Whether a view reads its source at another position (a scalar's broadcast does not,
    nor does an elementwise equation computed where it is read)."""
    src = view.inputs[0]
    return not computed(view) and not keeps_position(view) and isinstance(src, Var) and src.aval.ndim > 0


def positional(eqn: Eqn, views: dict[Var, Eqn]) -> bool:
    """Whether ``eqn`` reads every array at its own loop position (so a flat loop can run it)."""
    if is_looped_map(eqn) and moves(eqn):
        return False
    pending = [x for x in eqn.inputs if isinstance(x, Var)]
    while pending:
        view = views.get(pending.pop())
        if view is not None:
            if moves(view):
                return False
            pending.extend(x for x in view.inputs if isinstance(x, Var))
    return True


def reads(eqn: Eqn, views: dict[Var, Eqn]) -> tuple[set[Var], set[Var]]:
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
                visit(y, through or moves(view))
        else:
            (mapped if through and x.aval.ndim else direct).add(x)

    looped = is_looped_map(eqn) and not keeps_position(eqn)
    for x in eqn.inputs:
        visit(x, looped)
    return direct, mapped


def fusable(eqn: Eqn) -> bool:
    kind = eqn.primitive.kind
    return kind in (Kind.ELEMENTWISE, Kind.GENERATOR) or is_looped_map(eqn)


def loop_shape_of(eqn: Eqn) -> tuple[int, ...] | None:
    """The shape of the loop ``eqn`` runs in, if it joins fused loops."""
    if fusable(eqn):
        return loop_shape(eqn.out_binders[0].aval.shape)
    if eqn.primitive.kind is Kind.REDUCTION and isinstance(eqn.inputs[0], Var):
        return loop_shape(eqn.inputs[0].aval.shape)
    return None


def virtual_views(jaxpr: Jaxpr, consumers: dict[Var, list]) -> dict[Var, Eqn]:
    """Index maps (broadcasts, transposes, slices, pads...) whose results are only read by
    fused loops: those loops read the source at the mapped index, and the array is never built.
    Also elementwise equations read once, by an index map that does not repeat elements
    (or by another such equation): the loop reading the map computes them at the mapped
    index, instead of one loop building the array for another to read shifted or transposed.
    ``consumers`` is ``consumers_of(jaxpr)``."""
    views: dict[Var, Eqn] = {}
    for eqn in reversed(jaxpr.eqns):
        out = eqn.out_binders[0]
        users = consumers.get(out, [])
        if None in users:  # a program output
            continue
        if index_map(eqn) is not None:
            if all(loop_shape_of(u) is not None or u.out_binders[0] in views for u in users):
                views[out] = eqn
        elif computed(eqn) and len(eqn.out_binders) == 1 and len(users) == 1:
            if _computed_where_read(users[0], out, views):
                views[out] = eqn
    # A small cheap expression read twice through such maps (a value and its neighbour) is
    # also worth computing twice rather than storing and loading.
    for eqn in jaxpr.eqns:
        out = eqn.out_binders[0]
        users = consumers.get(out, [])
        if (None not in users and out not in views and eqn.primitive.cheap and len(users) == 2
                and all(_computed_where_read(u, out, views) for u in users)
                and _expression_size(eqn, views) <= 8):
            views[out] = eqn
    return views


def _computed_where_read(user: Eqn, value: Var, views: dict[Var, Eqn]) -> bool:
    """Whether a loop reads ``value`` through ``user`` (an elementwise view, or an index map
    read in a loop that does not repeat elements), so it can compute it there."""
    read_in_loop = user.out_binders[0] in views or is_looped_map(user)
    repeats = user.primitive.repeats and not keeps_position(user)
    return read_in_loop and (computed(user) or (index_map(user) is not None and user.inputs[0] is value and not repeats))


def _expression_size(eqn: Eqn, views: dict[Var, Eqn]) -> int:
    """Equations in the expression a computed view stands for (it and the computed views it reads)."""
    inner = [views[x] for x in eqn.inputs if isinstance(x, Var) and x in views and computed(views[x])]
    if any(not e.primitive.cheap for e in inner):
        return 1 << 30
    return 1 + sum(_expression_size(e, views) for e in inner)


def schedule(eqns: list[Eqn], views: dict[Var, Eqn]) -> list[Eqn]:
    """A topological order that keeps fusable equations (and reductions) of one loop shape
    together, so they share a loop: after each equation, prefer a ready one that can join its loop."""
    produced_by: dict[Var, int] = {v: i for i, e in enumerate(eqns) for v in e.out_binders}
    read_sets = [tuple(r & produced_by.keys() for r in reads(e, views)) for e in eqns]
    waiting = [len(d | m) for d, m in read_sets]
    users: dict[int, list[int]] = {}
    for i, (d, m) in enumerate(read_sets):
        for x in d | m:
            users.setdefault(produced_by[x], []).append(i)
    ready = sorted(i for i, n in enumerate(waiting) if n == 0)
    order: list[Eqn] = []
    group: Group | None = None
    while ready:
        pick = next((i for i in ready if group is not None and loop_shape_of(eqns[i]) is not None
                     and group.accepts(eqns[i], views, loop_shape_of(eqns[i]))), ready[0])
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
    shape = loop_shape_of(eqn)
    if shape is None:
        return None, False
    new = group is None or not group.accepts(eqn, views, shape)
    if new:
        group = Group(shape)
    if fusable(eqn):
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
