"""Jaxpr-to-jaxpr passes run before code generation, in the order of ``PIPELINE``.

Most passes walk the equations once, replacing some: ``rewrite`` is that walk, and a
pass is the rule it applies to each equation: keep it (None) or ``Replace`` it by other
equations and say which atoms stand for its results.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .. import core
from ..ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, dce_jaxpr
from ..lax.dot import dot_general_p
from ..lax.elementwise import convert_element_type_p, integer_pow_p, mul_p, stop_gradient_p
from ..lax.shape import broadcast_in_dim_p, reshape_p, squeeze_p, transpose_p
from ..lowering import Kind

class Replace(NamedTuple):
    """What replaces an equation: equations in its place, and the atoms that stand for its
    results from then on."""

    eqns: list[Eqn]
    results: Sequence[Any]


def alias(*atoms: Any) -> Replace:
    """Drop the equation: its results are these existing atoms."""
    return Replace([], atoms)


def rewrite(jaxpr: Jaxpr, rule: Callable[[Eqn], Replace | None]) -> Jaxpr:
    """Apply ``rule`` to each equation in order, with its inputs already renamed by earlier
    replacements."""
    rename: dict[Var, Any] = {}
    sub = lambda x: rename.get(x, x) if isinstance(x, Var) else x
    eqns: list[Eqn] = []
    for eqn in jaxpr.eqns:
        eqn = Eqn(eqn.primitive, [sub(x) for x in eqn.inputs], eqn.params, eqn.out_binders)
        replacement = rule(eqn)
        if replacement is None:
            eqns.append(eqn)
        else:
            eqns.extend(replacement.eqns)
            rename.update(zip(eqn.out_binders, replacement.results))
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [sub(x) for x in jaxpr.outvars])


def inline_calls(jaxpr: Jaxpr) -> Jaxpr:
    """Splice the jaxprs of nested calls (``jit`` inside ``jit``...) into one program."""

    def rule(eqn: Eqn) -> Replace | None:
        if eqn.primitive.kind is not Kind.CALL:
            return None
        inner: ClosedJaxpr = eqn.params["jaxpr"]
        assert not inner.consts, "call primitives pass their constants as arguments"
        body = inline_calls(inner.jaxpr)
        env: dict[Var, Any] = dict(zip(body.invars, eqn.inputs))
        read = lambda x: env.get(x, x) if isinstance(x, Var) else x
        spliced = []
        for e in body.eqns:
            outs = [Var(v.aval) for v in e.out_binders]
            env.update(zip(e.out_binders, outs))
            spliced.append(Eqn(e.primitive, [read(x) for x in e.inputs], e.params, outs))
        return Replace(spliced, [read(out) for out in body.outvars])

    if not any(e.primitive.kind is Kind.CALL for e in jaxpr.eqns):
        return jaxpr
    return rewrite(jaxpr, rule)


def _literal_key(x: Literal) -> tuple:
    return ("literal", x.val.dtype.str, x.val.tobytes())


def cse(jaxpr: Jaxpr) -> Jaxpr:
    """Reuse the result of an identical earlier equation (same primitive, inputs, params)."""
    seen: dict[tuple, list[Var]] = {}

    def rule(eqn: Eqn) -> Replace | None:
        try:
            key = (eqn.primitive, tuple(_literal_key(x) if isinstance(x, Literal) else x for x in eqn.inputs),
                   tuple(sorted(eqn.params.items())))
            hash(key)
        except TypeError:
            return None
        if key in seen:
            return alias(*seen[key])
        seen[key] = eqn.out_binders
        return None

    return rewrite(jaxpr, rule)


def fold_constants(jaxpr: Jaxpr) -> Jaxpr:
    """Evaluate scalar equations whose inputs are all literals, at compile time."""

    def rule(eqn: Eqn) -> Replace | None:
        scalar_out = all(v.aval.ndim == 0 for v in eqn.out_binders)
        if not (eqn.inputs and scalar_out and all(isinstance(x, Literal) for x in eqn.inputs) and eqn.primitive.impl is not None):
            return None
        with np.errstate(all="ignore"):
            outs = eqn.primitive.impl(*[x.val for x in eqn.inputs], **eqn.params)
        return alias(*[Literal(np.asarray(o, v.aval.dtype)) for v, o in zip(eqn.out_binders, outs)])

    return rewrite(jaxpr, rule)


def _same_type(x: Any, out: Var) -> bool:
    return isinstance(x, Var) and x.aval.shape == out.aval.shape and x.aval.dtype == out.aval.dtype


def simplify(jaxpr: Jaxpr) -> Jaxpr:
    """Drop equations that compute nothing: multiplications by ones and ``x ** 1`` (left
    behind by jvp seeds and the transposes of sums), ``stop_gradient`` (its work was done
    by differentiation), and shape changes and conversions to the type the value already has.
    They cost neither time nor compilation, and the generated code shows no line for them.
    A transpose of a transpose becomes one transpose of the first one's operand (none, if
    the two undo each other)."""
    ones: set[Var] = set()
    transposes: dict[Var, Eqn] = {}

    def is_one(x: Any) -> bool:
        return x in ones or (isinstance(x, Literal) and x.val == 1)

    def rule(eqn: Eqn) -> Replace | None:
        prim, inputs, out = eqn.primitive, eqn.inputs, eqn.out_binders[0]
        if prim is broadcast_in_dim_p and isinstance(inputs[0], Literal) and inputs[0].val == 1:
            ones.add(out)
        if prim is mul_p:
            for keep, drop in ((0, 1), (1, 0)):
                if is_one(inputs[drop]) and _same_type(inputs[keep], out):
                    return alias(inputs[keep])
        if prim is integer_pow_p and eqn.params["y"] == 1 and isinstance(inputs[0], Var):
            return alias(inputs[0])
        identity = prim is stop_gradient_p or (prim in (reshape_p, squeeze_p, convert_element_type_p, broadcast_in_dim_p)
                                               and _same_type(inputs[0], out))
        if prim is transpose_p:
            return _composed_transpose(eqn, transposes)
        return alias(inputs[0]) if identity and isinstance(inputs[0], Var) else None

    return rewrite(jaxpr, rule)


def _composed_transpose(eqn: Eqn, transposes: dict[Var, Eqn]) -> Replace:
    """The transpose ``eqn`` as one transpose of a value no transpose computed (``transposes``:
    the ones seen so far, by result, already composed), dropped if it permutes nothing."""
    x, perm = eqn.inputs[0], eqn.params["permutation"]
    if x in transposes:
        inner = transposes[x]
        x, perm = inner.inputs[0], tuple(inner.params["permutation"][d] for d in perm)
    if perm == tuple(range(len(perm))) and isinstance(x, Var):
        return alias(x)
    eqn = Eqn(eqn.primitive, [x], dict(eqn.params, permutation=perm), eqn.out_binders)
    transposes[eqn.out_binders[0]] = eqn
    return Replace([eqn], eqn.out_binders)


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
    producers = {e.out_binders[0]: e for e in jaxpr.eqns if e.primitive is dot_general_p}
    uses = _use_counts(jaxpr)
    swapped: dict[int, Eqn | None] = {}  # by id: equations hold lists
    for eqn in jaxpr.eqns:
        dot = producers.get(eqn.inputs[0]) if eqn.primitive is transpose_p else None
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


def _transposed_producer(src: Eqn, transpose: Eqn) -> list[Eqn] | None:
    """Equations computing ``transpose(src's result)`` with the transpose moved onto src's
    operands, when src is elementwise or a size-1 reshape; else None."""
    perm, out = transpose.params["permutation"], transpose.out_binders[0]
    if src.primitive.kind is Kind.ELEMENTWISE and len(src.out_binders) == 1:
        new_inputs, new_eqns = [], []
        for x in src.inputs:
            if x.aval.ndim == 0:
                new_inputs.append(x)
                continue
            moved = Var(core.ShapedArray(out.aval.shape, x.aval.dtype, x.aval.weak_type))
            new_eqns.append(Eqn(transpose.primitive, [x], transpose.params, [moved]))
            new_inputs.append(moved)
        return new_eqns + [Eqn(src.primitive, new_inputs, src.params, [out])]
    if src.primitive is reshape_p and isinstance(src.inputs[0], Var):  # (squeeze: reshapes cover what jacobians make)
        v = src.inputs[0]
        inner = _unit_reshape_permutation(v.aval.shape, src.out_binders[0].aval.shape, perm)
        if inner is None:
            return None
        moved = Var(core.ShapedArray(tuple(v.aval.shape[d] for d in inner), v.aval.dtype, v.aval.weak_type))
        return [Eqn(transpose.primitive, [v], dict(transpose.params, permutation=inner), [moved]),
                Eqn(src.primitive, [moved], dict(src.params, new_sizes=out.aval.shape), [out])]
    return None


def sink_transposes(jaxpr: Jaxpr) -> Jaxpr:
    """Move a transpose of a computed value onto the operands of the elementwise equation (or
    size-1 reshape) that computed it, repeatedly: ``transpose(a + b)`` becomes
    ``transpose(a) + transpose(b)``. A transpose of an operand is read through an index map
    by the loop, so the value is computed in the transposed order instead of being built
    and then copied (``jacfwd`` and ``hessian`` results end in such transposes)."""
    while True:
        uses = _use_counts(jaxpr)
        producer = {v: e for e in jaxpr.eqns for v in e.out_binders}
        replaced: dict[int, list[Eqn]] = {}  # producer id -> equations computing the transposed value instead
        dropped: set[int] = set()
        for eqn in jaxpr.eqns:
            if eqn.primitive is not transpose_p or not isinstance(eqn.inputs[0], Var):
                continue
            src = producer.get(eqn.inputs[0])
            if src is None or uses[eqn.inputs[0]] != 1 or id(src) in replaced:
                continue
            new_eqns = _transposed_producer(src, eqn)
            if new_eqns is not None:
                replaced[id(src)] = new_eqns
                dropped.add(id(eqn))
        if not replaced:
            return jaxpr
        eqns = [e2 for e in jaxpr.eqns if id(e) not in dropped for e2 in replaced.get(id(e), [e])]
        jaxpr = Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars)


def read_transposed_operands(jaxpr: Jaxpr) -> Jaxpr:
    """``dot_general(transpose(x), y)`` reads ``x`` itself, its contracting and batch dimensions
    renumbered, where that keeps the order of the free dimensions (so of the result): gemm
    reads a transposed matrix in place, as NumPy's ``x.T @ y`` does, instead of a copy, and
    with the same flags gets NumPy's bits."""
    transposes = {e.out_binders[0]: e for e in jaxpr.eqns if e.primitive is transpose_p}

    def rule(eqn: Eqn) -> Replace | None:
        if eqn.primitive is not dot_general_p:
            return None
        (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
        inputs, dims = list(eqn.inputs), [(lc, lb), (rc, rb)]
        for i, x in enumerate(eqn.inputs):  # (simplify made each transpose's operand a non-transpose)
            transpose = transposes.get(x) if isinstance(x, Var) else None
            if transpose is None:
                continue
            perm, (contracting, batch) = transpose.params["permutation"], dims[i]
            free = [perm[d] for d in range(len(perm)) if d not in contracting and d not in batch]
            if free == sorted(free):
                inputs[i] = transpose.inputs[0]
                dims[i] = (tuple(perm[d] for d in contracting), tuple(perm[d] for d in batch))
        if inputs == list(eqn.inputs):
            return None
        params = dict(eqn.params, dimension_numbers=((dims[0][0], dims[1][0]), (dims[0][1], dims[1][1])))
        return Replace([Eqn(eqn.primitive, inputs, params, eqn.out_binders)], eqn.out_binders)

    return rewrite(jaxpr, rule)


# The passes, in order. Later passes rely on earlier ones: constant folding sees the
# literals CSE shared, and the transpose rewrites see simplified producers.
PIPELINE: tuple[Callable[[Jaxpr], Jaxpr], ...] = (
    inline_calls, cse, simplify, fold_constants, transpose_products, sink_transposes, read_transposed_operands,
)


def optimize(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Run ``PIPELINE``, then drop dead equations and constants."""
    jaxpr = closed.jaxpr
    for run in PIPELINE:
        jaxpr = run(jaxpr)
    jaxpr, consts = dce_jaxpr(jaxpr, closed.consts)
    return ClosedJaxpr(jaxpr, consts)
