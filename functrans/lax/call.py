"""Call primitives: ``jit`` (a compiled sub-program) and ``checkpoint`` (a sub-program
recomputed in the backward pass). Each carries a closed jaxpr with no constants of
its own (they are passed as leading arguments, so enclosing transformations see them);
every rule transforms that jaxpr and binds the primitive again."""
from __future__ import annotations

from typing import Callable

from .. import core
from ..autodiff import Zero, instantiate_zeros, is_undefined, jvp_jaxpr, jvp_rules, tangent_aval, transpose_jaxpr, transpose_rules
from ..batching import batch_jaxpr, batching_rules, moveaxis
from ..core import Primitive
from ..ir import ClosedJaxpr
from ..lowering import def_inlined_call
from ..tracing import closure_convert, partial_eval_jaxpr, partial_eval_rules


def _abstract_eval(*avals, jaxpr: ClosedJaxpr, **params):
    expected = jaxpr.in_avals
    if len(avals) != len(expected) or any((a.shape, a.dtype) != (e.shape, e.dtype) for a, e in zip(avals, expected)):
        got = ", ".join(a.str_short() for a in avals)
        want = ", ".join(e.str_short() for e in expected)
        raise TypeError(f"call of a jaxpr taking ({want}) with arguments ({got})")
    return list(jaxpr.out_avals)


def _rebind(prim: Primitive, closed: ClosedJaxpr, args: list, params: dict, name: str) -> list:
    closed, consts = closure_convert(closed)
    return core.bind(prim, [*consts, *args], dict(params, jaxpr=closed, name=name))


def call_jvp(prim: Primitive) -> Callable:
    def rule(primals, tangents, *, jaxpr, name, **params):
        nonzeros = [type(t) is not Zero for t in tangents]
        jvp_closed, out_nonzeros = jvp_jaxpr(jaxpr, nonzeros, instantiate=False)
        outs = _rebind(prim, jvp_closed, [*primals, *[t for t in tangents if type(t) is not Zero]], params, f"jvp({name})")
        n = len(jaxpr.out_avals)
        tangent_iter = iter(outs[n:])
        tangents_out = [next(tangent_iter) if nz else Zero(tangent_aval(a)) for a, nz in zip(jaxpr.out_avals, out_nonzeros)]
        return outs[:n], tangents_out

    return rule


def call_partial_eval(prim: Primitive) -> Callable:
    """Run the known part of the call now (compiled, for jit); record the rest."""

    def rule(trace, tracers, *, jaxpr, name, **params):
        unknowns = [not t.pval.is_known for t in tracers]
        known, unknown, out_unknowns, num_res = partial_eval_jaxpr(jaxpr, unknowns, instantiate=False)
        known_outs = _rebind(prim, known, [t.pval.const for t in tracers if t.pval.is_known], params, name)
        n_known = len(known_outs) - num_res
        residuals = [trace.instantiate_const(trace.pure(r)) for r in known_outs[n_known:]]
        unknown_in = [t for t in tracers if not t.pval.is_known]
        unknown_avals = [a for a, uk in zip(jaxpr.out_avals, out_unknowns) if uk]
        unknown_outs = trace.record(prim, residuals + unknown_in, dict(params, jaxpr=unknown, name=name), unknown_avals)
        known_iter, unknown_iter = iter(known_outs[:n_known]), iter(unknown_outs)
        return [next(unknown_iter) if uk else next(known_iter) for uk in out_unknowns]

    return rule


def call_transpose(prim: Primitive) -> Callable:
    def rule(cts, *invals, jaxpr, name, **params):
        linear = [is_undefined(x) for x in invals]
        cts = [instantiate_zeros(ct) for ct in cts]
        transposed = transpose_jaxpr(jaxpr, linear)
        nonlinear = [x for x in invals if not is_undefined(x)]
        cts_in = iter(_rebind(prim, transposed, [*nonlinear, *cts], params, f"transpose({name})"))
        return [next(cts_in) if lin else None for lin in linear]

    return rule


def call_batch(prim: Primitive) -> Callable:
    def rule(size, vals, dims, *, jaxpr, name, **params):
        vals = [moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)]
        batched, out_batched = batch_jaxpr(jaxpr, size, [d is not None for d in dims], instantiate=False)
        outs = _rebind(prim, batched, vals, params, f"vmap({name})")
        return outs, [0 if b else None for b in out_batched]

    return rule


def define_call(prim: Primitive, impl: Callable | None) -> None:
    """Give a call primitive its impl (``jit``'s is the backend's, set by ``functrans.dispatch``)
    and the generic rules of every interpreter; compiled code inlines it."""
    if impl is not None:
        prim.def_impl(impl)
    prim.def_abstract_eval(_abstract_eval)
    def_inlined_call(prim)
    jvp_rules[prim] = call_jvp(prim)
    partial_eval_rules[prim] = call_partial_eval(prim)
    transpose_rules[prim] = call_transpose(prim)
    batching_rules[prim] = call_batch(prim)


# --------------------------------------------------------------------------- jit

jit_p = Primitive("jit", multiple_results=True)
define_call(jit_p, None)


def bind_jit(closed: ClosedJaxpr, args: list, name: str) -> list:
    return _rebind(jit_p, closed, list(args), {}, name)
