"""Forward and reverse mode.

Forward mode (``jvp``) is an interpreter whose tracers carry a primal and a
tangent; each primitive's jvp rule is written with ``bind`` so that it can be
transformed again. Reverse mode is ``linearize`` (jvp, with partial evaluation
keeping the primal computation and staging the tangent one into a linear jaxpr)
followed by ``transpose`` of that jaxpr, so only linear primitives need
transpose rules.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence


from . import core, dtypes
from .core import ShapedArray, Trace, Tracer
from .ir import ClosedJaxpr, Jaxpr, Literal, Var
from .tracing import PartialVal, partial_eval, trace_to_jaxpr

# Rule tables, filled by the primitive families in functrans.lax.
jvp_rules: dict[core.Primitive, Callable] = {}
transpose_rules: dict[core.Primitive, Callable] = {}


class _TangentOps:
    """The two operations this interpreter applies itself: making zeros and adding tangents.
    Their primitives live in ``functrans.lax``, which imports this module for its rule tables,
    so the primitive families fill these in (``full`` in lax.shape, ``add_any`` in
    lax.elementwise) instead of this module importing them."""

    full: Callable[..., Any]
    add_any: Callable[[Any, Any], Any]


tangent_ops = _TangentOps()


# --------------------------------------------------------------------------- symbolic zeros


class Zero:
    """A tangent or cotangent known to be zero: costs nothing to carry or to add."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Zero({self.aval.str_short()})"


def zeros_like_aval(aval: ShapedArray) -> Any:
    return tangent_ops.full(aval.shape, 0, aval.dtype)


def instantiate_zeros(t: Any) -> Any:
    return zeros_like_aval(t.aval) if type(t) is Zero else t


def add_tangents(a: Any, b: Any) -> Any:
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    return tangent_ops.add_any(a, b)


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    return aval.strip_weak_type()


def is_differentiable(aval: ShapedArray) -> bool:
    return dtypes.is_inexact(aval.dtype)


# --------------------------------------------------------------------------- forward mode


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: "JVPTrace", primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> ShapedArray:
        return core.get_aval(self.primal)

    def to_concrete(self):
        # The primal is an ordinary value one level down: Python control flow on it is fine.
        return core.concrete_or_error(self.primal)


class JVPTrace(Trace):
    def pure(self, val: Any) -> JVPTracer:
        return JVPTracer(self, val, Zero(tangent_aval(core.get_aval(val))))

    lift = pure

    def process_primitive(self, prim, tracers, params):
        primals = [t.primal for t in tracers]
        tangents = [t.tangent for t in tracers]
        if all(type(t) is Zero for t in tangents):
            outs = core.bind(prim, primals, params)
            return [JVPTracer(self, x, Zero(tangent_aval(core.get_aval(x)))) for x in outs]
        rule = jvp_rules.get(prim)
        if rule is None:
            raise NotImplementedError(f"differentiation rule for primitive '{prim.name}' is not implemented")
        primals_out, tangents_out = rule(primals, tangents, **params)
        out = []
        for x, t in zip(primals_out, tangents_out):
            aval = core.get_aval(x)
            if not is_differentiable(aval):
                t = Zero(tangent_aval(aval))
            out.append(JVPTracer(self, x, t))
        return out


def jvp_flat(fun: Callable[..., Sequence[Any]], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[list, list]:
    """Push ``tangents`` forward through ``fun``; tangents out may be symbolic ``Zero``."""
    with core.new_main(JVPTrace) as main:
        trace = JVPTrace(main)
        tracers_in = [JVPTracer(trace, x, t) for x, t in zip(primals, tangents)]
        outs = fun(*tracers_in)
        tracers_out = [trace.full_raise(out) for out in outs]
        return [t.primal for t in tracers_out], [t.tangent for t in tracers_out]


# ------------------------------------------------------------------ helpers for writing rules


def defjvp(prim: core.Primitive, *rules: Callable | None) -> None:
    """The jvp of a single-result primitive as one term per argument.

    ``rules[i](g, ans, *primals, **params)`` is the output tangent due to argument
    ``i``'s tangent ``g``; ``None`` marks an argument with no derivative. Terms of
    symbolically zero tangents are skipped.
    """

    def jvp(primals, tangents, **params):
        ans = core.bind1(prim, *primals, **params)
        out = Zero(tangent_aval(core.get_aval(ans)))
        for rule, t in zip(rules, tangents):
            if rule is not None and type(t) is not Zero:
                out = add_tangents(out, rule(t, ans, *primals, **params))
        return [ans], [out]

    jvp_rules[prim] = jvp


def deflinear(prim: core.Primitive, transpose: Callable) -> None:
    """A primitive linear in all its arguments: its jvp applies it to the tangents.

    ``transpose(ct, *invals, **params)`` returns one cotangent per argument.
    """

    def jvp(primals, tangents, **params):
        ans = core.bind(prim, primals, params)
        tangents = [instantiate_zeros(t) for t in tangents]
        return ans, core.bind(prim, tangents, params)

    jvp_rules[prim] = jvp
    deftranspose(prim, transpose)


def deftranspose(prim: core.Primitive, transpose: Callable) -> None:
    transpose_rules[prim] = transpose


def defzero(prim: core.Primitive) -> None:
    """A primitive whose outputs do not depend differentiably on its inputs."""

    def jvp(primals, tangents, **params):
        outs = core.bind(prim, primals, params)
        return outs, [Zero(tangent_aval(core.get_aval(x))) for x in outs]

    jvp_rules[prim] = jvp


# --------------------------------------------------------------------------- reverse mode


class UndefinedPrimal:
    """A linear input of a jaxpr being transposed: only its type is known."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined(x: Any) -> bool:
    return type(x) is UndefinedPrimal


def linearize_flat(fun: Callable[..., Sequence[Any]], primals: Sequence[Any]):
    """Evaluate ``fun`` at ``primals`` and stage its linearisation.

    Returns ``(primals_out, jaxpr, residuals, differentiable_in)``: the linear jaxpr
    takes the residuals as constants and the tangents of the differentiable inputs,
    and returns the tangents of all outputs.
    """
    in_avals = [tangent_aval(core.get_aval(x)) for x in primals]
    diff_in = [is_differentiable(a) for a in in_avals]
    n_in = len(primals)

    def fun_jvp(*args):
        tangent_iter = iter(args[n_in:])
        tangents = [next(tangent_iter) if d else Zero(a) for a, d in zip(in_avals, diff_in)]
        primals_out, tangents_out = jvp_flat(fun, args[:n_in], tangents)
        return [*primals_out, *[instantiate_zeros(t) for t in tangents_out]]

    pvals_in = [PartialVal.known(x) for x in primals] + [PartialVal.unknown(a) for a, d in zip(in_avals, diff_in) if d]
    jaxpr, pvals_out, residuals = partial_eval(fun_jvp, pvals_in, instantiate=lambda n: [False] * (n // 2) + [True] * (n // 2))
    n_out = len(pvals_out) // 2
    primal_pvals = pvals_out[:n_out]
    assert all(p.is_known for p in primal_pvals), "primal outputs must not depend on tangents"
    return [p.const for p in primal_pvals], jaxpr, residuals, diff_in


def backward_pass(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any], cts_out: Sequence[Any]) -> list:
    """Transpose ``jaxpr`` with respect to its ``UndefinedPrimal`` arguments.

    Equations whose inputs are all known are evaluated forward first (non-linear
    parts, e.g. a recomputed forward pass); the rest are transposed in reverse order,
    accumulating cotangents. Returns the cotangents of the undefined arguments
    (symbolic ``Zero`` where nothing flowed).
    """
    primal_env: dict[Var, Any] = {}

    def read_primal(x):
        if type(x) is Literal:
            return x.val
        return primal_env.get(x, UndefinedPrimal(x.aval))

    primal_env.update(zip(jaxpr.constvars, consts))
    primal_env.update((v, a) for v, a in zip(jaxpr.invars, args) if not is_undefined(a))

    linear_eqns = []
    for eqn in jaxpr.eqns:
        invals = [read_primal(x) for x in eqn.inputs]
        if any(is_undefined(v) for v in invals):
            linear_eqns.append(eqn)
        else:
            primal_env.update(zip(eqn.out_binders, core.bind(eqn.primitive, invals, eqn.params)))

    ct_env: dict[Var, Any] = {}

    def write_ct(v, ct):
        if ct is None or type(ct) is Zero:
            return
        ct_env[v] = add_tangents(ct_env[v], ct) if v in ct_env else ct

    for v, ct in zip(jaxpr.outvars, cts_out):
        if type(v) is Var and is_undefined(read_primal(v)):
            write_ct(v, ct)

    for eqn in reversed(linear_eqns):
        cts = [_pop_ct(ct_env, v) for v in eqn.out_binders]
        if all(type(ct) is Zero for ct in cts):
            continue
        rule = transpose_rules.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(f"transpose rule for primitive '{eqn.primitive.name}' is not implemented")
        invals = [read_primal(x) for x in eqn.inputs]
        cts_in = rule(cts if eqn.primitive.multiple_results else cts[0], *invals, **eqn.params)
        for x, val, ct in zip(eqn.inputs, invals, cts_in):
            if is_undefined(val):
                write_ct(x, ct)

    return [_pop_ct(ct_env, v) for v, a in zip(jaxpr.invars, args) if is_undefined(a)]


def _pop_ct(ct_env: dict, v: Var) -> Any:
    ct = ct_env.pop(v, None)
    return Zero(v.aval) if ct is None else ct


def check_cotangent(ct: Any, aval: ShapedArray, where: str) -> None:
    ct_aval = core.get_aval(ct)
    if ct_aval.shape != aval.shape:
        raise ValueError(f"{where}: cotangent has shape {ct_aval.shape}, but the output it stands for has shape {aval.shape}")
    if dtypes.is_inexact(aval.dtype) and ct_aval.dtype != aval.dtype and not ct_aval.weak_type:
        raise TypeError(f"{where}: cotangent has dtype {ct_aval.dtype}, but the output it stands for has dtype {aval.dtype}")


def check_tangent(t: Any, aval: ShapedArray, where: str) -> None:
    t_aval = core.get_aval(t)
    if t_aval.shape != aval.shape:
        raise ValueError(f"{where}: tangent has shape {t_aval.shape}, but its primal has shape {aval.shape}")
    if dtypes.is_inexact(aval.dtype) and t_aval.dtype != aval.dtype and not t_aval.weak_type:
        raise TypeError(f"{where}: tangent has dtype {t_aval.dtype}, but its primal has dtype {aval.dtype}")


# --------------------------------------------------------------------------- jaxpr-level transforms
# Higher-order primitives (jit, control flow) transform the jaxprs they carry with these.


def jvp_jaxpr(closed: ClosedJaxpr, nonzeros: Sequence[bool], instantiate: bool | Sequence[bool]):
    """The jvp of a closed jaxpr as a closed jaxpr taking ``(primals, nonzero tangents)``
    and returning ``(primals, tangents of outputs marked in out_nonzeros)``."""
    in_avals = closed.in_avals
    n_out = len(closed.out_avals)
    inst = [instantiate] * n_out if isinstance(instantiate, bool) else list(instantiate)
    out_nonzeros: list[bool] = []

    def fun(*args):
        tangent_iter = iter(args[len(in_avals):])
        tangents = [next(tangent_iter) if nz else Zero(tangent_aval(a)) for a, nz in zip(in_avals, nonzeros)]
        primals_out, tangents_out = jvp_flat(closed, args[: len(in_avals)], tangents)
        out_nonzeros[:] = [type(t) is not Zero or i for t, i in zip(tangents_out, inst)]
        return [*primals_out, *[instantiate_zeros(t) for t, nz in zip(tangents_out, out_nonzeros) if nz]]

    avals = list(in_avals) + [tangent_aval(a) for a, nz in zip(in_avals, nonzeros) if nz]
    return trace_to_jaxpr(fun, avals), out_nonzeros


def transpose_jaxpr(closed: ClosedJaxpr, linear: Sequence[bool]):
    """A closed jaxpr taking ``(non-linear inputs, output cotangents)`` and returning the
    cotangents of the linear inputs (zeros where none flowed)."""
    in_avals = closed.in_avals
    n_nonlinear = sum(not lin for lin in linear)

    def fun(*args):
        nonlinear = iter(args[:n_nonlinear])
        primals = [UndefinedPrimal(a) if lin else next(nonlinear) for a, lin in zip(in_avals, linear)]
        cts = backward_pass(closed.jaxpr, closed.consts, primals, args[n_nonlinear:])
        return [instantiate_zeros(ct) for ct in cts]

    avals = [a for a, lin in zip(in_avals, linear) if not lin] + [tangent_aval(a) for a in closed.out_avals]
    return trace_to_jaxpr(fun, avals)
