"""vmap: batching as an interpreter.

A ``BatchTracer`` carries a value and the axis of it that is the batch (or
``None``: not mapped). Each primitive's batching rule turns the primitive applied
to batched operands into primitives applied to whole arrays: no loop over the batch.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
from typing import Any, Callable, Iterator, NamedTuple, Sequence

from . import core
from .core import ShapedArray, Trace, Tracer
from .ir import ClosedJaxpr, Jaxpr, Var
from .tracing import trace_to_jaxpr

not_mapped = None

# batching_rules[prim](axis_size, values, dims, **params) -> (outputs, output dims)
batching_rules: dict[core.Primitive, Callable] = {}


class _AxisOps:
    """The two operations this interpreter applies itself to move and add batch axes; filled
    by ``functrans.lax.shape``, which imports this module for its rule table."""

    transpose: Callable[[Any, tuple], Any]
    broadcast_in_dim: Callable[[Any, tuple, tuple], Any]


axis_ops = _AxisOps()


class AxisFrame(NamedTuple):
    """A named mapped axis: its size and the batch trace that maps it (``None`` for a
    ``pmap`` axis, whose collectives run across devices, one per process)."""

    name: Any
    size: int
    main: core.MainTrace | None


class _AxisEnv(threading.local):
    def __init__(self) -> None:
        self.frames: list[AxisFrame] = []
        # The batch trace whose rule is running: sub-jaxprs a rule batches map the same axis.
        self.current: "BatchTrace | None" = None


_axis_env = _AxisEnv()


@contextlib.contextmanager
def extend_axis_env(name: Any, size: int, main: core.MainTrace | None) -> Iterator[None]:
    """Bind ``name`` to a mapped axis of ``size`` for the duration of a block."""
    _axis_env.frames.append(AxisFrame(name, size, main))
    try:
        yield
    finally:
        _axis_env.frames.pop()


@dataclasses.dataclass(frozen=True)
class AxisGroups:
    """The axis ``name`` split into ``groups`` of its indices (a collective's ``axis_index_groups``):
    a collective over it acts within each member's group, which is the axis it sees. (Not a
    tuple: a tuple of names is a collective over several axes.)"""

    name: Any
    groups: tuple[tuple[int, ...], ...]


def base_axis_name(name: Any) -> Any:
    return name.name if isinstance(name, AxisGroups) else name


def axis_frame(name: Any) -> AxisFrame:
    """The innermost binding of ``name``; NameError as JAX's when it is not bound."""
    if isinstance(name, AxisGroups):
        frame = axis_frame(name.name)
        if sorted(i for group in name.groups for i in group) != list(range(frame.size)):
            raise ValueError(f"axis_index_groups must cover all indices of the axis {name.name!r} (size "
                             f"{frame.size}) exactly once, got {[list(g) for g in name.groups]}")
        if len({len(group) for group in name.groups}) != 1:
            raise ValueError(f"axis_index_groups must all have the same size, got {[list(g) for g in name.groups]}")
        return AxisFrame(name, len(name.groups[0]), frame.main)
    for frame in reversed(_axis_env.frames):
        if frame.name == name:
            return frame
    raise NameError(f"unbound axis name: {name}")


# Primitives that act over a named axis (functrans.lax.parallel): the batch trace of that name
# runs their rule even on operands it does not map.
collective_primitives: set[core.Primitive] = set()


def bind_collective(prim: core.Primitive, args: Sequence[Any], params: dict) -> list:
    """Bind a collective at the innermost of its operands' traces and its axis's batch trace,
    so that the axis's trace sees it even when it maps none of the operands."""
    frame = axis_frame(params["axis_name"])
    if frame.main is not None and isinstance(frame.name, AxisGroups):
        raise NotImplementedError("axis_index_groups not supported in vmap collectives")
    trace = core.find_top_trace(args)
    if frame.main is not None and frame.main.level > trace.main.level:
        trace = BatchTrace(frame.main)
    tracers = [trace.full_raise(a) for a in args]
    return [core.full_lower(o) for o in trace.process_primitive(prim, tracers, params)]


def _uses_axis(prim: core.Primitive, params: dict, name: Any) -> bool:
    """Whether ``prim`` is a collective over ``name`` or runs a sub-program (cond, scan, jit...)
    containing one: its operands may all be unmapped, its result still varies along the axis."""
    if prim in collective_primitives:
        return params["axis_name"] == name
    return any(_jaxpr_uses_axis(j, name) for value in params.values() for j in _jaxprs_in(value))


def _jaxprs_in(value: Any) -> list:
    if isinstance(value, (ClosedJaxpr, Jaxpr)):
        return [value]
    if isinstance(value, (tuple, list)):
        return [j for v in value for j in _jaxprs_in(v)]
    return []


def _jaxpr_uses_axis(jaxpr: Any, name: Any) -> bool:
    jaxpr = jaxpr.jaxpr if isinstance(jaxpr, ClosedJaxpr) else jaxpr
    return any(_uses_axis(eqn.primitive, eqn.params, name) for eqn in jaxpr.eqns)


def _eval_jaxpr(closed: ClosedJaxpr, *args: Any) -> list:
    """``closed(*args)``, with its collectives bound by ``bind_collective``."""
    jaxpr = closed.jaxpr
    env = dict(zip(jaxpr.constvars, closed.consts))
    env.update(zip(jaxpr.invars, args))
    read = lambda x: env[x] if isinstance(x, Var) else x.val
    for eqn in jaxpr.eqns:
        bind = bind_collective if eqn.primitive in collective_primitives else core.bind
        env.update(zip(eqn.out_binders, bind(eqn.primitive, [read(x) for x in eqn.inputs], eqn.params)))
    return [read(x) for x in jaxpr.outvars]


class BatchTracer(Tracer):
    __slots__ = ("val", "batch_dim")

    def __init__(self, trace: "BatchTrace", val: Any, batch_dim: int | None):
        self._trace = trace
        self.val = val
        self.batch_dim = batch_dim

    @property
    def aval(self) -> ShapedArray:
        aval = core.get_aval(self.val)
        if self.batch_dim is None:
            return aval
        shape = aval.shape[: self.batch_dim] + aval.shape[self.batch_dim + 1 :]
        return ShapedArray(shape, aval.dtype, aval.weak_type)

    def full_lower(self) -> Any:
        # A named axis keeps its unmapped values: a cond or scan over them may still hold
        # collectives over the axis, which this trace must see.
        if self.batch_dim is None and self._trace.axis_name is None:
            return core.full_lower(self.val)
        return self


class BatchTrace(Trace):
    @property
    def axis_size(self) -> int:
        return self.main.global_data[0]

    @property
    def axis_name(self) -> Any:
        return self.main.global_data[1]

    def pure(self, val: Any) -> BatchTracer:
        return BatchTracer(self, val, not_mapped)

    lift = pure

    def process_primitive(self, prim, tracers, params):
        vals = [t.val for t in tracers]
        dims = [t.batch_dim for t in tracers]
        mine = self.axis_name is not None and _uses_axis(prim, params, self.axis_name)
        if all(d is None for d in dims) and not mine:
            return core.bind(prim, vals, params)
        rule = batching_rules.get(prim)
        if rule is None:
            raise NotImplementedError(f"batching rule for primitive '{prim.name}' is not implemented")
        previous, _axis_env.current = _axis_env.current, self
        try:
            if prim in collective_primitives:
                outs, out_dims = rule(self.axis_size, self.axis_name, vals, dims, **params)
            else:
                outs, out_dims = rule(self.axis_size, vals, dims, **params)
        finally:
            _axis_env.current = previous
        return [BatchTracer(self, x, d) for x, d in zip(outs, out_dims)]


_INHERIT = object()


def vmap_flat(fun: Callable[..., Sequence[Any]], axis_size: int, vals: Sequence[Any], in_dims: Sequence[int | None],
              axis_name: Any = _INHERIT) -> tuple[list, list]:
    """Run ``fun`` on values batched along ``in_dims``; returns outputs and their batch dims.
    ``axis_name`` names the mapped axis for collectives; by default, a rule batching a
    sub-computation over its own axis keeps that axis's name."""
    if axis_name is _INHERIT:
        current = _axis_env.current
        axis_name = current.axis_name if current is not None and current.axis_size == axis_size else None
    with core.new_main(BatchTrace, (axis_size, axis_name)) as main, _named_axis(axis_name, axis_size, main):
        trace = BatchTrace(main)
        tracers_in = [BatchTracer(trace, x, d) if d is not None else x for x, d in zip(vals, in_dims)]
        outs = fun(*tracers_in)
        tracers_out = [trace.full_raise(out) for out in outs]
        return [t.val for t in tracers_out], [t.batch_dim for t in tracers_out]


def _named_axis(name: Any, size: int, main: core.MainTrace):
    return contextlib.nullcontext() if name is None else extend_axis_env(name, size, main)


# --------------------------------------------------------------------------- helpers for rules


def moveaxis(x: Any, src: int, dst: int) -> Any:
    if src == dst:
        return x
    ndim = core.get_aval(x).ndim
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return axis_ops.transpose(x, tuple(perm))


def bdim_at(x: Any, bdim: int | None, size: int, dst: int = 0) -> Any:
    """``x`` with its batch axis at ``dst``, broadcasting it there if not mapped."""
    if bdim is None:
        aval = core.get_aval(x)
        shape = aval.shape[:dst] + (size,) + aval.shape[dst:]
        dims = tuple(i for i in range(len(shape)) if i != dst)
        return axis_ops.broadcast_in_dim(x, shape, dims)
    return moveaxis(x, bdim, dst)


def bdim_at_front(x: Any, bdim: int | None, size: int) -> Any:
    return bdim_at(x, bdim, size, 0)


def vectorized_batcher(prim: core.Primitive) -> None:
    """For primitives that act on each element independently and take one array."""

    def rule(size, vals, dims, **params):
        outs = core.bind(prim, vals, params)
        return outs, [dims[0]] * len(outs)

    batching_rules[prim] = rule


def broadcast_batcher(prim: core.Primitive) -> None:
    """For elementwise primitives of several same-shaped operands: align batch axes."""

    def rule(size, vals, dims, **params):
        mapped = [d for d in dims if d is not None]
        ranks = {core.get_aval(v).ndim for v, d in zip(vals, dims)}
        if len(set(mapped)) == 1 and len(mapped) == len(dims) and len(ranks) == 1:
            return [core.bind1(prim, *vals, **params)], [mapped[0]]
        vals = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
        return [core.bind1(prim, *vals, **params)], [0]

    batching_rules[prim] = rule


def move_batch_axis(size: int, src: int | None, dst: int | None, x: Any) -> Any:
    """Put the batch axis of an output where ``out_axes`` asks."""
    if dst is None:
        if src is None:
            return x
        raise ValueError(
            "vmap has a mapped output but out_axes is None for it: only outputs that do not depend on the "
            "mapped inputs can have out_axes=None"
        )
    return bdim_at(x, src, size, dst)


def batch_jaxpr(closed: ClosedJaxpr, axis_size: int, in_batched: Sequence[bool], instantiate: bool | Sequence[bool]):
    """The jaxpr vmapped over leading axis 0 of the inputs marked batched; returns it and
    which outputs are batched (at axis 0)."""
    n_out = len(closed.out_avals)
    inst = [instantiate] * n_out if isinstance(instantiate, bool) else list(instantiate)
    out_batched: list[bool] = []

    def fun(*args):
        outs, dims = vmap_flat(lambda *a: _eval_jaxpr(closed, *a), axis_size, args, [0 if b else None for b in in_batched])
        out_batched[:] = [d is not None or i for d, i in zip(dims, inst)]
        return [move_batch_axis(axis_size, d, 0 if b else None, x) for x, d, b in zip(outs, dims, out_batched)]

    avals = [ShapedArray((axis_size,) + a.shape, a.dtype, a.weak_type) if b else a for a, b in zip(closed.in_avals, in_batched)]
    return trace_to_jaxpr(fun, avals), out_batched
