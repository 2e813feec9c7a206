"""Jaxpr-to-jaxpr passes run before code generation: inlining of nested calls,
common-subexpression elimination, constant folding, dead-code elimination."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import core
from ..ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, dce_jaxpr

from ..lax.call import inlinable_calls


def inline_calls(jaxpr: Jaxpr) -> Jaxpr:
    """Splice the jaxprs of nested calls (``jit`` inside ``jit``...) into one program."""
    if not any(e.primitive in inlinable_calls for e in jaxpr.eqns):
        return jaxpr
    eqns: list[Eqn] = []
    rename: dict[Var, Any] = {}
    sub = lambda x: rename.get(x, x) if isinstance(x, Var) else x
    for eqn in jaxpr.eqns:
        inputs = [sub(x) for x in eqn.inputs]
        if eqn.primitive not in inlinable_calls:
            eqns.append(Eqn(eqn.primitive, inputs, eqn.params, eqn.out_binders))
            continue
        inner: ClosedJaxpr = eqn.params["jaxpr"]
        body = inline_calls(inner.jaxpr)
        assert not inner.consts, "call primitives pass their constants as arguments"
        env: dict[Var, Any] = dict(zip(body.invars, inputs))
        read = lambda x: env.get(x, x) if isinstance(x, Var) else x
        for e in body.eqns:
            outs = [Var(v.aval) for v in e.out_binders]
            env.update(zip(e.out_binders, outs))
            eqns.append(Eqn(e.primitive, [read(x) for x in e.inputs], e.params, outs))
        for binder, out in zip(eqn.out_binders, body.outvars):
            rename[binder] = read(out)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])


def _literal_key(x: Literal) -> tuple:
    return ("literal", x.val.dtype.str, x.val.tobytes())


def cse(jaxpr: Jaxpr) -> Jaxpr:
    """Reuse the result of an identical earlier equation (same primitive, inputs, params)."""
    seen: dict[tuple, list[Var]] = {}
    rename: dict[Var, Any] = {}
    sub = lambda x: rename.get(x, x) if isinstance(x, Var) else x
    eqns = []
    for eqn in jaxpr.eqns:
        inputs = [sub(x) for x in eqn.inputs]
        try:
            key = (eqn.primitive, tuple(_literal_key(x) if isinstance(x, Literal) else x for x in inputs), tuple(sorted(eqn.params.items())))
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in seen:
            rename.update(zip(eqn.out_binders, seen[key]))
            continue
        if key is not None:
            seen[key] = eqn.out_binders
        eqns.append(Eqn(eqn.primitive, inputs, eqn.params, eqn.out_binders))
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])


def fold_constants(jaxpr: Jaxpr) -> Jaxpr:
    """Evaluate scalar equations whose inputs are all literals, at compile time."""
    rename: dict[Var, Any] = {}
    sub = lambda x: rename.get(x, x) if isinstance(x, Var) else x
    eqns = []
    for eqn in jaxpr.eqns:
        inputs = [sub(x) for x in eqn.inputs]
        scalar_out = all(v.aval.ndim == 0 for v in eqn.out_binders)
        if inputs and scalar_out and all(isinstance(x, Literal) for x in inputs) and eqn.primitive.impl is not None:
            with np.errstate(all="ignore"):
                outs = eqn.primitive.impl(*[x.val for x in inputs], **eqn.params)
            rename.update((v, Literal(np.asarray(o, v.aval.dtype))) for v, o in zip(eqn.out_binders, outs))
            continue
        eqns.append(Eqn(eqn.primitive, inputs, eqn.params, eqn.out_binders))
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])


def _literal_broadcast(eqn: Eqn) -> Any:
    """The scalar a ``broadcast_in_dim`` of a literal fills its array with, else None."""
    if eqn.primitive.name == "broadcast_in_dim" and isinstance(eqn.inputs[0], Literal):
        return eqn.inputs[0].val
    return None


def simplify(jaxpr: Jaxpr) -> Jaxpr:
    """Drop multiplications by arrays of ones and ``x ** 1`` (left behind by jvp seeds and
    the transposes of sums), so they cost neither time nor compilation."""
    ones: set[Var] = set()
    rename: dict[Var, Any] = {}
    sub = lambda x: rename.get(x, x) if isinstance(x, Var) else x
    eqns = []
    for eqn in jaxpr.eqns:
        inputs = [sub(x) for x in eqn.inputs]
        out = eqn.out_binders[0] if len(eqn.out_binders) == 1 else None
        name = eqn.primitive.name
        fill = _literal_broadcast(eqn)
        if fill is not None and fill == 1:
            ones.add(out)
        if name == "mul" and out is not None:
            for keep, drop in ((0, 1), (1, 0)):
                x = inputs[keep]
                if (inputs[drop] in ones or (isinstance(inputs[drop], Literal) and inputs[drop].val == 1)) and isinstance(x, Var) and x.aval.shape == out.aval.shape and x.aval.dtype == out.aval.dtype:
                    rename[out] = x
                    break
            if out in rename:
                continue
        if name == "integer_pow" and eqn.params["y"] == 1 and isinstance(inputs[0], Var):
            rename[out] = inputs[0]
            continue
        eqns.append(Eqn(eqn.primitive, inputs, eqn.params, eqn.out_binders))
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])


def _use_counts(jaxpr: Jaxpr) -> dict[Var, int]:
    uses: dict[Var, int] = {}
    for x in [x for e in jaxpr.eqns for x in e.inputs] + list(jaxpr.outvars):
        if isinstance(x, Var):
            uses[x] = uses.get(x, 0) + 1
    return uses


def transpose_products(jaxpr: Jaxpr) -> Jaxpr:
    """``transpose(dot_general(a, b))`` that swaps the two operands' free dimensions becomes
    ``dot_general(b, a)``: reverse mode makes these for every weight gradient, and BLAS then
    writes the result in the layout wanted instead of a copy transposing it afterwards."""
    producers = {e.out_binders[0]: e for e in jaxpr.eqns if e.primitive.name == "dot_general"}
    uses = _use_counts(jaxpr)
    swapped: dict[int, Eqn | None] = {}  # by id: equations hold lists
    for eqn in jaxpr.eqns:
        dot = producers.get(eqn.inputs[0]) if eqn.primitive.name == "transpose" else None
        if dot is None or uses[eqn.inputs[0]] != 1:
            continue
        (lc, rc), (lb, rb) = dot.params["dimension_numbers"]
        n_left = dot.inputs[0].aval.ndim - len(lc)
        n_right = dot.inputs[1].aval.ndim - len(rc)
        if lb or eqn.params["permutation"] != tuple(range(n_left, n_left + n_right)) + tuple(range(n_left)):
            continue
        params = dict(dot.params, dimension_numbers=((rc, lc), ((), ())))
        swapped[id(dot)] = Eqn(dot.primitive, [dot.inputs[1], dot.inputs[0]], params, eqn.out_binders)
        swapped[id(eqn)] = None
    if not swapped:
        return jaxpr
    eqns = [swapped.get(id(e), e) for e in jaxpr.eqns]
    return Jaxpr(jaxpr.constvars, jaxpr.invars, [e for e in eqns if e is not None], jaxpr.outvars)


def _unit_reshape_permutation(in_shape: tuple, out_shape: tuple, perm: tuple) -> tuple | None:
    """For ``transpose(reshape(v), perm)`` where the reshape only adds or drops size-1
    dimensions: the permutation of ``v``'s axes that moves the same non-unit axes (size-1
    axes stay where they are), so that the pair equals ``reshape(transpose(v, that))``."""
    v_axes = [d for d, n in enumerate(in_shape) if n != 1]
    w_axes = [d for d, n in enumerate(out_shape) if n != 1]
    if len(v_axes) != len(w_axes):
        return None
    to_v = dict(zip(w_axes, v_axes))
    moved = iter(to_v[perm[k]] for k in range(len(perm)) if out_shape[perm[k]] != 1)
    return tuple(next(moved) if n != 1 else d for d, n in enumerate(in_shape))


def sink_transposes(jaxpr: Jaxpr) -> Jaxpr:
    """Move a transpose of a computed value onto the operands of the elementwise equation (or
    size-1 reshape) that computed it, repeatedly: ``transpose(a + b)`` becomes
    ``transpose(a) + transpose(b)``. A transpose of an operand is read through an index map
    by the loop, so the value is computed in the transposed order instead of being built
    and then copied (``jacfwd`` and ``hessian`` results end in such transposes)."""
    from .lowering import scalar_rules

    changed = True
    while changed:
        changed = False
        uses = _use_counts(jaxpr)
        producer = {v: e for e in jaxpr.eqns for v in e.out_binders}
        eqns: list[Eqn] = []
        replaced: dict[int, list[Eqn]] = {}  # producer id -> equations computing the transposed value instead
        dropped: set[int] = set()
        for eqn in jaxpr.eqns:
            if eqn.primitive.name != "transpose" or not isinstance(eqn.inputs[0], Var) or id(eqn) in dropped:
                continue
            src = producer.get(eqn.inputs[0])
            if src is None or uses[eqn.inputs[0]] != 1 or id(src) in replaced:
                continue
            perm, out = eqn.params["permutation"], eqn.out_binders[0]
            if src.primitive in scalar_rules and len(src.out_binders) == 1:
                new_inputs, new_eqns = [], []
                for x in src.inputs:
                    if x.aval.ndim == 0:
                        new_inputs.append(x)
                        continue
                    moved = Var(core.ShapedArray(out.aval.shape, x.aval.dtype, x.aval.weak_type))
                    new_eqns.append(Eqn(eqn.primitive, [x], eqn.params, [moved]))
                    new_inputs.append(moved)
                new_eqns.append(Eqn(src.primitive, new_inputs, src.params, [out]))
            elif src.primitive.name == "reshape" and isinstance(src.inputs[0], Var):  # (squeeze: reshapes cover what jacobians make)
                v = src.inputs[0]
                inner = _unit_reshape_permutation(v.aval.shape, src.out_binders[0].aval.shape, perm)
                if inner is None:
                    continue
                moved = Var(core.ShapedArray(tuple(v.aval.shape[d] for d in inner), v.aval.dtype, v.aval.weak_type))
                new_eqns = [Eqn(eqn.primitive, [v], dict(eqn.params, permutation=inner), [moved]),
                            Eqn(src.primitive, [moved], dict(src.params, new_sizes=out.aval.shape), [out])]
            else:
                continue
            replaced[id(src)] = new_eqns
            dropped.add(id(eqn))
            changed = True
        if changed:
            for eqn in jaxpr.eqns:
                if id(eqn) in dropped:
                    continue
                eqns.extend(replaced.get(id(eqn), [eqn]))
            jaxpr = Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars)
    return jaxpr


def optimize(closed: ClosedJaxpr) -> ClosedJaxpr:
    jaxpr = sink_transposes(transpose_products(fold_constants(simplify(cse(inline_calls(closed.jaxpr))))))
    jaxpr, consts = dce_jaxpr(jaxpr, closed.consts)
    return ClosedJaxpr(jaxpr, consts)
