"""Memory planning: the scratch arena and the liveness that lets it reuse bytes.

Temporaries live at offsets of one buffer (``ws``) that the caller keeps and passes
to every call: a large array allocated afresh on each call costs a page fault per
4 KiB (glibc returns freed large blocks to the system), ~8 ns per float64 written.
A value's block is reused by later ones once no item of the program reads it.
"""
from __future__ import annotations

from ..ir import Eqn, Jaxpr, Var
from .fusion import Group, reads


class Arena:
    """First-fit allocation of 64-byte-aligned blocks in one growing buffer."""

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


def deaths(items: list, jaxpr: Jaxpr, views: dict[Var, Eqn]) -> dict[int, list[Var]]:
    """For each item of the plan, the values last needed by it. A statement whose result may
    share its operands' memory (a reshape is a view, a loop's carry may be its initial value)
    keeps those operands alive as long as the result."""
    last: dict[Var, int] = {}
    for k, item in enumerate(items):
        for eqn in (item.eqns + item.reductions) if isinstance(item, Group) else [item]:
            for x in set().union(*reads(eqn, views)):
                last[x] = k
    for x in jaxpr.outvars:
        if isinstance(x, Var):
            last[x] = len(items)
    for k in reversed(range(len(items))):
        item = items[k]
        if isinstance(item, Eqn) and not item.primitive.fresh_result:
            end = max(last.get(v, k) for v in item.out_binders)
            for x in item.inputs:
                if isinstance(x, Var):
                    last[x] = max(last.get(x, k), end)
    dead: dict[int, list[Var]] = {}
    for x, k in last.items():
        dead.setdefault(k, []).append(x)
    return dead
