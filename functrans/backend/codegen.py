"""Code generation: one closed jaxpr becomes the Python source of one Numba function.

The pipeline for a body (the program, or a nested branch or loop body):
``fusion.virtual_views`` (what is never built) → ``fusion.schedule`` and ``fusion.plan``
(which equations share a loop) → ``memory.deaths`` (liveness, for the scratch arena) →
emission: ``loops.LoopNest`` for each fused group, the primitive's statement rule
(``functrans.lowering.statement_rules``) for each other equation. Each line carries a
comment with the equation it came from, so the source can be read and debugged.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ..ir import Eqn, Jaxpr, Literal, Var
from ..lowering import Kind, is_view, statement_rules
from .emitter import Emitter
from .fusion import Group, consumers_of, plan, schedule, virtual_views
from .loops import LoopNest
from .memory import deaths
from .passes import optimize


class ProgramEmitter(Emitter):
    """An emitter that can emit nested bodies (branches, loop bodies) in place."""

    def inline(self, closed: Any, args: Sequence[str], depth: int, slots: Sequence[str | None] = ()) -> list[str]:
        """Emit a nested jaxpr at ``depth`` on the named arguments; returns the names of its
        results. ``slots[k]``, where given, is an array expression result ``k`` is written into
        when the body makes it (``result_sharing`` then holds None for it instead of the
        arguments the result may share memory with)."""
        closed = optimize(closed)
        jaxpr = _fresh_copy(closed.jaxpr)
        slots = list(slots) + [None] * (len(jaxpr.outvars) - len(slots))
        saved = (self.jaxpr, self.consumers, self.out_slots, self.direct, self.base)
        self.jaxpr, self.consumers, self.base = jaxpr, consumers_of(jaxpr), self.base + depth - 1
        self.out_slots, self.direct = slots, {}
        self.nested += 1
        try:
            for v, c in zip(jaxpr.constvars, closed.consts):
                self.emit(f"{self.name(v)} = {self.hoist(c)}")
            for v, a in zip(jaxpr.invars, args):
                if a.isidentifier():  # the body reads the argument by its own name
                    self.names[v] = a
                else:
                    self.emit(f"{self.name(v)} = {a}")
            emit_body(self, jaxpr)
            written = set(self.direct.values())
            sharing = _sharing(jaxpr)
            self.result_sharing = [None if slot is not None and slot in written else sharing[k] for k, slot in enumerate(slots)]
            # A literal result becomes a constant array: np.full would allocate on every run.
            return [self.hoist(x.val) if isinstance(x, Literal) else self.read_array(x) for x in jaxpr.outvars]
        finally:
            self.jaxpr, self.consumers, self.out_slots, self.direct, self.base = saved
            self.nested -= 1


def _fresh_copy(jaxpr: Jaxpr) -> Jaxpr:
    """``jaxpr`` with new variables: a body inlined twice (unrolled) gets names of its own each time."""
    new: dict[Var, Var] = {}
    fresh = lambda x: new.setdefault(x, Var(x.aval)) if isinstance(x, Var) else x
    constvars, invars = [fresh(v) for v in jaxpr.constvars], [fresh(v) for v in jaxpr.invars]
    eqns = [Eqn(e.primitive, [fresh(x) for x in e.inputs], e.params, [fresh(v) for v in e.out_binders]) for e in jaxpr.eqns]
    return Jaxpr(constvars, invars, eqns, [fresh(x) for x in jaxpr.outvars])


def _sharing(jaxpr: Jaxpr) -> list[set[int]]:
    """For each output of ``jaxpr``, the inputs whose memory it may share in generated code
    (it is one, a view of one, or a result of a statement whose results may be its operands)."""
    shared: dict[Var, set[int]] = {v: {k} for k, v in enumerate(jaxpr.invars)}
    for eqn in jaxpr.eqns:
        prim = eqn.primitive
        if is_view(prim) or (prim.kind is Kind.STATEMENT and not prim.fresh_result):
            inputs = set().union(*(shared.get(x, set()) for x in eqn.inputs if isinstance(x, Var)))
            shared.update((v, inputs) for v in eqn.out_binders)
    return [shared.get(x, set()) if isinstance(x, Var) else set() for x in jaxpr.outvars]


class Generated(NamedTuple):
    source: str
    hoisted: list[np.ndarray]  # arrays to pass before the jaxpr's constants (those of nested jaxprs)
    arena_size: int  # bytes of the scratch arena passed first as ``ws`` (no such parameter when 0)
    parallel: bool  # compile with Numba's parallel=True (some loop is a prange)


def generate(jaxpr: Jaxpr, func_name: str = "program", fuse: bool = True, arg_names: Sequence[str] | None = None) -> Generated:
    """The source of a Numba-compilable function computing ``jaxpr``, and what calling it
    needs. ``fuse=False`` gives one loop per equation and builds every array (for testing
    that fusion changes nothing). ``arg_names`` say where each input came from (pytree
    paths), for the comments that open the function."""
    em = ProgramEmitter(jaxpr, func_name, fuse, arg_names)
    emit_body(em, jaxpr)
    return Generated(em.source(), em.hoisted, em.arena.size, em.parallel)


def emit_body(em: Emitter, jaxpr: Jaxpr) -> None:
    if em.fuse:
        em.views.update(virtual_views(jaxpr, em.consumers))
    eqns = [e for e in jaxpr.eqns if e.out_binders[0] not in em.views]
    items = plan(schedule(eqns, em.views), em.views, em.fuse)
    dead_after = deaths(items, jaxpr, em.views)
    for k, item in enumerate(items):
        if isinstance(item, Group):
            LoopNest(em, item).emit()
        else:
            rule = statement_rules.get(item.primitive)
            if rule is None:
                raise NotImplementedError(f"jit: no Numba lowering for primitive '{item.primitive.name}'")
            em.comment(item)
            rule(em, item, [em.read_array(x) for x in item.inputs], [em.name(v) for v in item.out_binders])
        em.release(dead_after.get(k, ()))
