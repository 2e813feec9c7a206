"""Staging Python functions into jaxprs, and partial evaluation.

``trace_to_jaxpr`` runs a function on tracers of a staging trace that record
every primitive into a jaxpr. ``partial_eval`` runs a function whose inputs are
partly known: operations on known values run (at the level below), operations
that touch an unknown value are recorded. Reverse mode is built on it: the
primal computation is known, the tangent computation is recorded.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from . import core
from .core import ShapedArray, Trace, Tracer
from .ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, dce_jaxpr

# --------------------------------------------------------------------------- staging


class JaxprTracer(Tracer):
    __slots__ = ("_aval",)

    def __init__(self, trace: "JaxprTrace", aval: ShapedArray):
        self._trace = trace
        self._aval = aval

    @property
    def aval(self) -> ShapedArray:
        return self._aval

    def _provenance(self) -> str:
        builder: JaxprBuilder = self._trace.main.global_data
        return builder.describe_dependence(self)


class JaxprBuilder:
    """Collects the equations, constants and variables of one staged function."""

    def __init__(self, arg_names: Sequence[str] | None = None):
        self.eqns: list[Eqn] = []
        self.tracer_to_var: dict[int, Var] = {}
        self.const_tracers: dict[int, JaxprTracer] = {}
        self.constvals: dict[Var, Any] = {}
        self.tracers: list[JaxprTracer] = []  # keeps tracers alive, so their ids stay unique
        self.arg_names = list(arg_names) if arg_names is not None else None
        self.invars: list[Var] = []

    def new_tracer(self, trace: "JaxprTrace", aval: ShapedArray) -> JaxprTracer:
        tracer = JaxprTracer(trace, aval)
        self.tracers.append(tracer)
        return tracer

    def add_var(self, tracer: JaxprTracer) -> Var:
        var = self.tracer_to_var[id(tracer)] = Var(tracer.aval)
        return var

    def getvar(self, tracer: JaxprTracer) -> Var:
        return self.tracer_to_var[id(tracer)]

    def add_const(self, tracer: JaxprTracer, val: Any) -> None:
        self.constvals[self.add_var(tracer)] = val

    def build(self, in_tracers: Sequence[JaxprTracer], out_tracers: Sequence[JaxprTracer]) -> tuple[Jaxpr, list]:
        constvars = list(self.constvals)
        jaxpr = Jaxpr(
            constvars,
            [self.getvar(t) for t in in_tracers],
            self.eqns,
            [self.getvar(t) for t in out_tracers],
        )
        jaxpr, consts = _inline_literals(jaxpr, [self.constvals[v] for v in constvars])
        return dce_jaxpr(jaxpr, consts)

    def describe_dependence(self, tracer: JaxprTracer) -> str:
        """Which named inputs a traced value depends on, for concretization errors."""
        if not self.arg_names:
            return ""
        var = self.tracer_to_var.get(id(tracer))
        producers = {v: e for e in self.eqns for v in e.out_binders}
        seen, stack, found = set(), [var], set()
        while stack:
            v = stack.pop()
            if v in seen or not isinstance(v, Var):
                continue
            seen.add(v)
            if v in self.invars:
                found.add(self.arg_names[self.invars.index(v)])
            elif v in producers:
                stack.extend(producers[v].inputs)
        if not found:
            return ""
        return f" The value depends on the argument(s) {', '.join(repr(name) for name in sorted(found))}."


def _is_literalable(x: Any) -> bool:
    return (type(x) in (bool, int, float) or (isinstance(x, (np.ndarray, np.generic)) and np.ndim(x) == 0)) and not isinstance(x, Tracer)


def _inline_literals(jaxpr: Jaxpr, consts: list) -> tuple[Jaxpr, list]:
    """Scalar constants become literals written into the equations."""
    literals = {v: Literal(c) for v, c in zip(jaxpr.constvars, consts) if _is_literalable(c)}
    if not literals:
        return jaxpr, consts
    sub = lambda x: literals.get(x, x) if isinstance(x, Var) else x
    eqns = [Eqn(e.primitive, [sub(x) for x in e.inputs], e.params, e.out_binders) for e in jaxpr.eqns]
    kept = [(v, c) for v, c in zip(jaxpr.constvars, consts) if v not in literals]
    return Jaxpr([v for v, _ in kept], jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars]), [c for _, c in kept]


class JaxprTrace(Trace):
    """Records primitives into the builder held by its main trace."""

    @property
    def builder(self) -> JaxprBuilder:
        return self.main.global_data

    def new_arg(self, aval: ShapedArray) -> JaxprTracer:
        tracer = self.builder.new_tracer(self, aval)
        self.builder.invars.append(self.builder.add_var(tracer))
        return tracer

    def pure(self, val: Any) -> JaxprTracer:
        # Constants (and tracers of outer transformations, which are constants here)
        # become constvars, shared when the same object is captured twice.
        tracer = self.builder.const_tracers.get(id(val))
        if tracer is None:
            tracer = self.builder.new_tracer(self, core.get_aval(val))
            self.builder.add_const(tracer, val)
            self.builder.const_tracers[id(val)] = tracer
            self.builder.tracers.append(val)  # keep alive: ids must stay unique
        return tracer

    lift = pure

    def process_primitive(self, prim, tracers, params):
        avals_out = prim.abstract_eval(*[t.aval for t in tracers], **params)
        out_tracers = [self.builder.new_tracer(self, a) for a in avals_out]
        inputs = [self.builder.getvar(t) for t in tracers]
        outvars = [self.builder.add_var(t) for t in out_tracers]
        self.builder.eqns.append(Eqn(prim, inputs, params, outvars))
        return out_tracers


def trace_to_jaxpr(
    fun: Callable[..., Sequence[Any]], in_avals: Sequence[ShapedArray], arg_names: Sequence[str] | None = None
) -> ClosedJaxpr:
    """Stage ``fun`` (flat arguments, list of flat outputs) into a closed jaxpr."""
    builder = JaxprBuilder(arg_names)
    with core.new_main(JaxprTrace, builder) as main:
        with core.new_dynamic(main):
            trace = JaxprTrace(main)
            tracers_in = [trace.new_arg(aval) for aval in in_avals]
            outs = fun(*tracers_in)
            tracers_out = [trace.full_raise(out) for out in outs]
            jaxpr, consts = builder.build(tracers_in, tracers_out)
    return ClosedJaxpr(jaxpr, consts)


# --------------------------------------------------------------------------- partial evaluation


class PartialVal(NamedTuple):
    """A value that is either known (``const``) or only known by its type."""

    aval: ShapedArray
    const: Any | None

    @classmethod
    def known(cls, val: Any) -> "PartialVal":
        return cls(core.get_aval(val), val)

    @classmethod
    def unknown(cls, aval: ShapedArray) -> "PartialVal":
        return cls(aval, None)

    @property
    def is_known(self) -> bool:
        return self.const is not None


class LambdaBindingRecipe(NamedTuple):
    pass


class ConstRecipe(NamedTuple):
    val: Any


class EqnRecipe(NamedTuple):
    prim: core.Primitive
    tracers_in: list
    params: dict
    avals_out: list
    tracer_refs_out: list


class PartialEvalTracer(Tracer):
    __slots__ = ("pval", "recipe", "__weakref__")

    def __init__(self, trace: "PartialEvalTrace", pval: PartialVal, recipe: Any):
        self._trace = trace
        self.pval = pval
        self.recipe = recipe

    @property
    def aval(self) -> ShapedArray:
        return self.pval.aval

    def full_lower(self) -> Any:
        if self.pval.is_known:
            return core.full_lower(self.pval.const)
        return self

    def to_concrete(self):
        if self.pval.is_known:
            return core.concrete_or_error(self.pval.const)
        return super().to_concrete()


# Rules for primitives (those carrying jaxprs) that can split themselves into a known
# part that runs now and an unknown part that is recorded.
partial_eval_rules: dict[core.Primitive, Callable] = {}


class PartialEvalTrace(Trace):
    def new_arg(self, pval: PartialVal) -> PartialEvalTracer:
        return PartialEvalTracer(self, pval, LambdaBindingRecipe())

    def pure(self, val: Any) -> PartialEvalTracer:
        return PartialEvalTracer(self, PartialVal.known(val), None)

    lift = pure

    def instantiate_const(self, tracer: PartialEvalTracer) -> PartialEvalTracer:
        if tracer.pval.is_known:
            return PartialEvalTracer(self, PartialVal.unknown(tracer.aval), ConstRecipe(tracer.pval.const))
        return tracer

    def new_unknown(self, aval: ShapedArray) -> PartialEvalTracer:
        return PartialEvalTracer(self, PartialVal.unknown(aval), None)

    def record(self, prim: core.Primitive, tracers_in: list, params: dict, avals_out: list) -> list:
        """Record an equation whose outputs are unknown."""
        tracers_in = [self.instantiate_const(t) for t in tracers_in]
        tracers_out = [self.new_unknown(a) for a in avals_out]
        recipe = EqnRecipe(prim, tracers_in, params, avals_out, [weakref.ref(t) for t in tracers_out])
        for t in tracers_out:
            t.recipe = recipe
        return tracers_out

    def process_primitive(self, prim, tracers, params):
        if all(t.pval.is_known for t in tracers):
            return core.bind(prim, [t.pval.const for t in tracers], params)
        rule = partial_eval_rules.get(prim)
        if rule is not None:
            return rule(self, tracers, **params)
        avals_out = prim.abstract_eval(*[t.aval for t in tracers], **params)
        return self.record(prim, tracers, params, avals_out)


def partial_eval(
    fun: Callable[..., Sequence[Any]],
    pvals_in: Sequence[PartialVal],
    instantiate: Sequence[bool] | bool | Callable[[int], Sequence[bool]] = False,
) -> tuple[Jaxpr, list[PartialVal], list]:
    """Run ``fun`` on partly known inputs.

    Returns the jaxpr of the unknown part (inputs: residual constvars, then the
    unknown inputs; outputs: the unknown outputs), the outputs' partial values, and
    the residuals (known values the unknown part needs).
    """
    with core.new_main(PartialEvalTrace) as main:
        trace = PartialEvalTrace(main)
        tracers_in = [trace.new_arg(pval) for pval in pvals_in]
        outs = fun(*tracers_in)
        tracers_out = [trace.full_raise(out) for out in outs]
        if isinstance(instantiate, bool):
            instantiate = [instantiate] * len(tracers_out)
        elif callable(instantiate):
            instantiate = instantiate(len(tracers_out))
        tracers_out = [trace.instantiate_const(t) if inst else t for t, inst in zip(tracers_out, instantiate)]
        pvals_out = [t.pval for t in tracers_out]
        unknown_in = [t for t in tracers_in if not t.pval.is_known]
        unknown_out = [t for t in tracers_out if not t.pval.is_known]
        jaxpr, residuals = tracers_to_jaxpr(unknown_in, unknown_out)
    return jaxpr, pvals_out, residuals


def tracers_to_jaxpr(tracers_in: list[PartialEvalTracer], tracers_out: list[PartialEvalTracer]) -> tuple[Jaxpr, list]:
    tracer_to_var: dict[int, Var] = {id(t): Var(t.aval.strip_weak_type()) for t in tracers_in}
    constvar_to_val: dict[int, tuple[Var, Any]] = {}
    processed: set[int] = set()
    eqns: list[Eqn] = []
    for t in _toposort(tracers_out):
        recipe = t.recipe
        if isinstance(recipe, LambdaBindingRecipe):
            if id(t) not in tracer_to_var:
                raise core.UnexpectedTracerError("a partially evaluated input was not an input of this computation")
        elif isinstance(recipe, ConstRecipe):
            key = id(recipe.val)
            if key not in constvar_to_val:
                constvar_to_val[key] = (Var(t.aval), recipe.val)
            tracer_to_var[id(t)] = constvar_to_val[key][0]
        elif isinstance(recipe, EqnRecipe):
            if id(recipe) in processed:
                continue
            processed.add(id(recipe))
            inputs = [tracer_to_var[id(x)] for x in recipe.tracers_in]
            outvars = [Var(a) for a in recipe.avals_out]
            for ref, var in zip(recipe.tracer_refs_out, outvars):
                out = ref()
                if out is not None:
                    tracer_to_var[id(out)] = var
            eqns.append(Eqn(recipe.prim, inputs, recipe.params, outvars))
        else:
            raise TypeError(f"unknown recipe {recipe!r}")
    constvars, residuals = zip(*constvar_to_val.values()) if constvar_to_val else ((), ())
    jaxpr = Jaxpr(list(constvars), [tracer_to_var[id(t)] for t in tracers_in], eqns, [tracer_to_var[id(t)] for t in tracers_out])
    return jaxpr, list(residuals)


def _toposort(out_tracers: list[PartialEvalTracer]) -> list[PartialEvalTracer]:
    """Tracers in an order where each comes after those its recipe reads."""
    def parents(t: PartialEvalTracer) -> list:
        return t.recipe.tracers_in if isinstance(t.recipe, EqnRecipe) else []

    order: list[PartialEvalTracer] = []
    state: dict[int, int] = {}  # 1: visiting, 2: done
    for root in out_tracers:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                state[id(node)] = 2
                order.append(node)
                continue
            if state.get(id(node)):
                continue
            state[id(node)] = 1
            stack.append((node, True))
            for p in parents(node):
                if not state.get(id(p)):
                    stack.append((p, False))
    return order


def partial_eval_jaxpr(closed: ClosedJaxpr, in_unknowns: Sequence[bool], instantiate: bool | Sequence[bool]):
    """Split a closed jaxpr into what can run now and what must wait.

    Returns ``(known, unknown, out_unknowns, num_res)``: ``known`` takes the known
    inputs and returns the known outputs followed by ``num_res`` residuals;
    ``unknown`` takes the residuals followed by the unknown inputs and returns the
    unknown outputs.
    """
    known_avals = [a for a, uk in zip(closed.in_avals, in_unknowns) if not uk]
    result: dict[str, Any] = {}

    def known_fun(*known_vals):
        known_iter = iter(known_vals)
        pvals = [PartialVal.unknown(a) if uk else PartialVal.known(next(known_iter)) for a, uk in zip(closed.in_avals, in_unknowns)]
        jaxpr, pvals_out, residuals = partial_eval(closed, pvals, instantiate)
        result["jaxpr"], result["out_unknowns"], result["num_res"] = jaxpr, [not p.is_known for p in pvals_out], len(residuals)
        return [p.const for p in pvals_out if p.is_known] + list(residuals)

    known = trace_to_jaxpr(known_fun, known_avals)
    jaxpr = result["jaxpr"]
    unknown = ClosedJaxpr(Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars), [])
    return known, unknown, result["out_unknowns"], result["num_res"]


def closure_convert(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list]:
    """The jaxpr with its constants turned into leading inputs, and those constants
    (which may be tracers of enclosing transformations: binding them as arguments lets
    those transformations see them)."""
    if not closed.consts:
        return closed, []
    jaxpr = closed.jaxpr
    return ClosedJaxpr(Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars), []), list(closed.consts)
