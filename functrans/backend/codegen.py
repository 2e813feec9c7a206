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

from ..ir import Jaxpr
from ..lowering import statement_rules
from .emitter import Emitter
from .fusion import Group, consumers_of, plan, schedule, virtual_views
from .loops import LoopNest
from .memory import deaths
from .passes import optimize


class ProgramEmitter(Emitter):
    """An emitter that can emit nested bodies (branches, loop bodies) in place."""

    def inline(self, closed: Any, args: Sequence[str], depth: int) -> list[str]:
        """Emit a nested jaxpr at ``depth`` on the named arguments; returns the names of its results."""
        closed = optimize(closed)
        jaxpr = closed.jaxpr
        saved = (self.jaxpr, self.consumers, self.out_slots, self.base)
        self.jaxpr, self.consumers, self.out_slots, self.base = jaxpr, consumers_of(jaxpr), [], self.base + depth - 1
        self.nested += 1
        try:
            for v, c in zip(jaxpr.constvars, closed.consts):
                self.emit(f"{self.name(v)} = {self.hoist(c)}")
            for v, a in zip(jaxpr.invars, args):
                self.emit(f"{self.name(v)} = {a}")
            emit_body(self, jaxpr)
            return [self.read_array(x) for x in jaxpr.outvars]
        finally:
            self.jaxpr, self.consumers, self.out_slots, self.base = saved
            self.nested -= 1


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
