"""Structured control flow: ``cond``/``switch``, ``while_loop``, ``fori_loop``, ``scan``, ``map``.

Each is a primitive carrying the jaxprs of its functions, so it stays one
equation under every transformation: jvp transforms the bodies, partial
evaluation splits them (reverse mode of ``scan`` computes the residuals that do not
change over the loop once, before it, and stacks the others, one per iteration),
transposition runs ``scan`` backwards, batching batches the bodies (a
batched predicate turns ``cond`` into a ``select`` of both branches and makes
``while_loop`` run until every lane is done), and the Numba backend emits real
branches and loops. Values the functions close over become explicit operands.
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

import numpy as np

from .. import core, dtypes
from ..autodiff import (
    Zero, instantiate_zeros, is_undefined, jvp_jaxpr, jvp_rules, tangent_aval, transpose_jaxpr, transpose_rules,
)
from ..batching import batch_jaxpr, batching_rules, bdim_at_front, moveaxis
from ..core import Primitive, ShapedArray
from ..ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, dce_jaxpr, eval_jaxpr
from ..lowering import def_statement
from ..tracing import closure_convert, partial_eval_jaxpr, partial_eval_rules, trace_to_jaxpr
from ..tree_util import tree_flatten, tree_unflatten
from . import elementwise as _ew
from . import reduction as _red
from . import shape as _sh

# --------------------------------------------------------------------------- helpers


def _as_value(x: Any) -> Any:
    return x if isinstance(x, core.Tracer) or type(x) in core._PY_SCALARS or isinstance(x, np.ndarray) else np.asarray(x)


def _trace(fun: Callable, in_tree: Any, in_avals: Sequence[ShapedArray]) -> tuple[ClosedJaxpr, Any]:
    """Stage ``fun`` on pytree arguments of the given avals; returns the closed jaxpr and output tree."""
    store: dict = {}

    def flat(*leaves):
        out = fun(*tree_unflatten(in_tree, leaves))
        out_leaves, store["out_tree"] = tree_flatten(out)
        return [_as_value(x) for x in out_leaves]

    return trace_to_jaxpr(flat, [a.strip_weak_type() for a in in_avals]), store["out_tree"]


def _types(avals: Sequence[ShapedArray]) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


def _check_types(where: str, what: str, tree_a: Any, avals_a: Sequence[ShapedArray], tree_b: Any, avals_b: Sequence[ShapedArray]) -> None:
    if tree_a != tree_b:
        raise TypeError(f"{where}: {what} must have the same structure, got {tree_a} and {tree_b}")
    if [(a.shape, a.dtype) for a in avals_a] != [(b.shape, b.dtype) for b in avals_b]:
        raise TypeError(f"{where}: {what} must have the same types, got {_types(avals_a)} and {_types(avals_b)}")


def _rearranged(closed: ClosedJaxpr, in_avals: Sequence[ShapedArray], take_inputs: Callable, give_outputs: Callable) -> ClosedJaxpr:
    """A jaxpr computing ``closed`` with inputs and outputs rearranged by the two functions."""
    return trace_to_jaxpr(lambda *args: give_outputs(closed(*take_inputs(list(args)))), in_avals)


def _split(xs: Sequence[Any], *sizes: int) -> list[list]:
    out, start = [], 0
    for n in sizes:
        out.append(list(xs[start : start + n]))
        start += n
    out.append(list(xs[start:]))
    return out


def _or(a: Sequence[bool], b: Sequence[bool]) -> list[bool]:
    return [x or y for x, y in zip(a, b)]


# --------------------------------------------------------------------------- cond / switch

cond_p = Primitive("cond", multiple_results=True)


@cond_p.def_impl
def _cond_impl(index, *args, branches):
    i = int(np.clip(index, 0, len(branches) - 1))
    return eval_jaxpr(branches[i].jaxpr, branches[i].consts, args)


@cond_p.def_abstract_eval
def _cond_abstract_eval(index, *args, branches):
    if index.shape != () or index.dtype.kind not in "iu":
        raise TypeError(f"cond: the branch index must be an integer scalar, got {index.str_short()}")
    return [a.strip_weak_type() for a in branches[0].out_avals]


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """``branches[index](*operands)``, with ``index`` clamped into range; only the chosen
    branch runs, and it stays a real branch under ``jit``.

    >>> switch(1, [lambda x: x + 1.0, lambda x: x * 2.0], 3.0)
    array(6.)
    """
    return _switch(index, branches, operands, "switch", [f"branch {i}" for i in range(len(branches))])


def _switch(index: Any, branches: Sequence[Callable], operands: tuple, where: str, names: list[str]) -> Any:
    if not branches:
        raise ValueError(f"{where} needs at least one branch")
    index = _as_value(index)
    index_aval = core.get_aval(index)
    if index_aval.shape != ():
        raise TypeError(f"{where}: index must be a scalar, got shape {index_aval.shape}")
    if index_aval.dtype.kind not in "biu":
        raise TypeError(f"{where}: index must be an integer or boolean scalar, got {index_aval.dtype}")
    index = _ew.convert_element_type(index, dtypes.int32)
    index = _ew.max(_ew.min(index, np.int32(len(branches) - 1)), np.int32(0))
    leaves, in_tree = tree_flatten(operands)
    leaves = [_as_value(x) for x in leaves]
    avals = [core.get_aval(x) for x in leaves]
    traced = [_trace(branch, in_tree, avals) for branch in branches]
    (first, out_tree), rest = traced[-1], traced[:-1]
    for name, (closed, tree) in zip(names, rest):
        _check_types(where, f"the outputs of {names[-1]} and {name}", out_tree, first.out_avals, tree, closed.out_avals)
    jaxprs, consts = _join_consts([closed for closed, _ in traced])
    outs = cond_p.bind(index, *consts, *leaves, branches=tuple(jaxprs))
    return tree_unflatten(out_tree, outs)


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as one traced branch.

    >>> x = np.float64(-2.0)
    >>> cond(x > 0, lambda x: x, lambda x: -x, x)
    array(2.)
    """
    pred = _as_value(pred)
    aval = core.get_aval(pred)
    if aval.shape != ():
        raise TypeError(f"cond: pred must be a scalar, got shape {aval.shape}; use functrans.numpy.where for elementwise selection")
    if aval.dtype != np.bool_:
        pred = _ew.ne(pred, _sh.zeros_like(pred))
    return _switch(pred, [false_fun, true_fun], operands, "cond", ["false_fun", "true_fun"])


def _join_consts(closed_list: Sequence[ClosedJaxpr]) -> tuple[list[ClosedJaxpr], list]:
    """Give every branch all branches' constants as leading inputs (each ignores the others')."""
    converted = [closure_convert(c) for c in closed_list]
    all_consts = [c for _, consts in converted for c in consts]
    const_avals = [core.get_aval(c) for c in all_consts]
    jaxprs, start = [], 0
    for closed, consts in converted:
        n = len(consts)
        before, mine, after = const_avals[:start], const_avals[start : start + n], const_avals[start + n :]
        body = closed.jaxpr
        extra_before = [Var(a) for a in before]
        extra_after = [Var(a) for a in after]
        invars = extra_before + body.invars[:n] + extra_after + body.invars[n:]
        jaxprs.append(ClosedJaxpr(Jaxpr([], invars, body.eqns, body.outvars), []))
        start += n
    return jaxprs, all_consts


def _cond_jvp(primals, tangents, *, branches):
    index, *ops = primals
    op_tangents = tangents[1:]
    nonzeros = [type(t) is not Zero for t in op_tangents]
    out_nz = [False] * len(branches[0].out_avals)
    for br in branches:
        out_nz = _or(out_nz, jvp_jaxpr(br, nonzeros, instantiate=False)[1])
    jvps = tuple(jvp_jaxpr(br, nonzeros, instantiate=out_nz)[0] for br in branches)
    outs = cond_p.bind(index, *ops, *[t for t in op_tangents if type(t) is not Zero], branches=jvps)
    n = len(out_nz)
    tangent_iter = iter(outs[n:])
    return outs[:n], [next(tangent_iter) if nz else Zero(tangent_aval(a)) for a, nz in zip(branches[0].out_avals, out_nz)]


def _cond_partial_eval(trace, tracers, *, branches):
    index, *ops = tracers
    if not index.pval.is_known:
        avals = [a for a in branches[0].out_avals]
        return trace.record(cond_p, tracers, dict(branches=branches), avals)
    unknowns = [not t.pval.is_known for t in ops]
    out_uk = [False] * len(branches[0].out_avals)
    for br in branches:
        out_uk = _or(out_uk, partial_eval_jaxpr(br, unknowns, instantiate=False)[2])
    splits = [partial_eval_jaxpr(br, unknowns, instantiate=out_uk) for br in branches]
    n_known_out = sum(not u for u in out_uk)
    res_avals = [known.out_avals[n_known_out:] for known, _, _, _ in splits]
    known_ops = [t.pval.const for t in ops if t.pval.is_known]
    known_avals = [core.get_aval(x) for x in known_ops]
    # Every branch returns every branch's residuals (zeros for the others'), so types agree.
    known_branches = tuple(_pad_residuals(known, i, res_avals, n_known_out, known_avals) for i, (known, _, _, _) in enumerate(splits))
    known_outs = cond_p.bind(index.pval.const, *known_ops, branches=known_branches)
    residuals = [trace.instantiate_const(trace.pure(r)) for r in known_outs[n_known_out:]]
    unknown_in = [trace.instantiate_const(t) for t in ops if not t.pval.is_known]
    all_res = [a for avals in res_avals for a in avals]
    unknown_avals = all_res + [t.aval for t in unknown_in]
    unknown_branches = tuple(_pick_residuals(unknown, i, res_avals, unknown_avals) for i, (_, unknown, _, _) in enumerate(splits))
    out_avals = [a for a, u in zip(branches[0].out_avals, out_uk) if u]
    unknown_outs = trace.record(cond_p, [trace.instantiate_const(index)] + residuals + unknown_in, dict(branches=unknown_branches), out_avals)
    known_iter, unknown_iter = iter(known_outs[:n_known_out]), iter(unknown_outs)
    return [next(unknown_iter) if u else next(known_iter) for u in out_uk]


def _pad_residuals(known: ClosedJaxpr, i: int, res_avals: list, n_known_out: int, in_avals: list) -> ClosedJaxpr:
    def fun(*args):
        outs = known(*args)
        padded = []
        for j, avals in enumerate(res_avals):
            padded += outs[n_known_out:] if j == i else [_sh.full(a.shape, 0, a.dtype) for a in avals]
        return outs[:n_known_out] + padded

    return trace_to_jaxpr(fun, in_avals)


def _pick_residuals(unknown: ClosedJaxpr, i: int, res_avals: list, in_avals: list) -> ClosedJaxpr:
    start = sum(len(a) for a in res_avals[:i])
    total = sum(len(a) for a in res_avals)
    mine = len(res_avals[i])
    return trace_to_jaxpr(lambda *args: unknown(*args[start : start + mine], *args[total:]), in_avals)


def _cond_transpose(cts, index, *ops, branches):
    linear = [is_undefined(x) for x in ops]
    cts = [instantiate_zeros(ct) for ct in cts]
    transposed = tuple(transpose_jaxpr(br, linear) for br in branches)
    nonlinear = [x for x in ops if not is_undefined(x)]
    cts_in = iter(cond_p.bind(index, *nonlinear, *cts, branches=transposed))
    return [None] + [next(cts_in) if lin else None for lin in linear]


def _cond_batch(size, vals, dims, *, branches):
    index, *ops = vals
    index_dim, *op_dims = dims
    if index_dim is None:
        ops = [moveaxis(x, d, 0) if d is not None else x for x, d in zip(ops, op_dims)]
        in_batched = [d is not None for d in op_dims]
        out_b = [False] * len(branches[0].out_avals)
        for br in branches:
            out_b = _or(out_b, batch_jaxpr(br, size, in_batched, instantiate=False)[1])
        batched = tuple(batch_jaxpr(br, size, in_batched, instantiate=out_b)[0] for br in branches)
        return cond_p.bind(index, *ops, branches=batched), [0 if b else None for b in out_b]
    # A batched index: every branch runs on the whole batch and each lane selects its result.
    ops = [bdim_at_front(x, d, size) for x, d in zip(ops, op_dims)]
    index = moveaxis(index, index_dim, 0)
    results = [(batch_jaxpr(br, size, [True] * len(ops), instantiate=True)[0])(*ops) for br in branches]
    outs = []
    for k in range(len(results[0])):
        shape = core.get_aval(results[0][k]).shape
        which = _sh.broadcast_in_dim(index, shape, (0,))
        outs.append(_ew.select_n(which, *[r[k] for r in results]))
    return outs, [0] * len(outs)


jvp_rules[cond_p] = _cond_jvp
partial_eval_rules[cond_p] = _cond_partial_eval
transpose_rules[cond_p] = _cond_transpose
batching_rules[cond_p] = _cond_batch


@def_statement(cond_p, fresh=False)
def _cond_lowering(em, eqn, args, outs):
    branches = eqn.params["branches"]
    index = em.fresh("branch")
    em.emit(f"{index} = {args[0]}[()]")
    for i, branch in enumerate(branches):
        if i == len(branches) - 1:
            em.emit("else:" if i else "if True:")
        else:
            em.emit(f"{'if' if i == 0 else 'elif'} {index} <= {i}:")
        results = em.inline(branch, args[1:], 2)
        for o, r in zip(outs, results):
            em.emit(f"{o} = {r}", 2)

# --------------------------------------------------------------------------- while_loop

while_p = Primitive("while", multiple_results=True)


@while_p.def_impl
def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cconsts, bconsts, carry = _split(args, cond_nconsts, body_nconsts)
    while eval_jaxpr(cond_jaxpr.jaxpr, [], [*cconsts, *carry])[0]:
        carry = eval_jaxpr(body_jaxpr.jaxpr, [], [*bconsts, *carry])
    return carry


@while_p.def_abstract_eval
def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    return list(body_jaxpr.out_avals)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any, max_iterations: int | None = None) -> Any:
    """Repeat ``val = body_fun(val)`` while ``cond_fun(val)``; returns the final ``val``.

    With ``max_iterations`` (a Python int) the loop is a ``scan`` of at most that many
    steps that stops changing once ``cond_fun`` is false, which makes it
    reverse-differentiable (an extension: JAX's while_loop is not).

    >>> while_loop(lambda x: x < 10, lambda x: x * 2, 1)
    array(16)
    """
    if max_iterations is not None:
        return _bounded_while(cond_fun, body_fun, init_val, int(max_iterations))
    leaves, in_tree = tree_flatten(init_val)
    leaves = [_as_value(x) for x in leaves]
    avals = [core.get_aval(x).strip_weak_type() for x in leaves]
    leaves = [_ew.convert_element_type(x, a.dtype) if type(x) in core._PY_SCALARS else x for x, a in zip(leaves, avals)]
    args_tree = tree_flatten((init_val,))[1]
    cond_closed, cond_tree = _trace(cond_fun, args_tree, avals)
    if cond_tree.num_leaves != 1 or cond_closed.out_avals[0].shape != () or cond_closed.out_avals[0].dtype != np.bool_:
        raise TypeError(f"while_loop: cond_fun must return a boolean scalar, got {_types(cond_closed.out_avals)}")
    body_closed, body_tree = _trace(body_fun, args_tree, avals)
    _check_types("while_loop", "body_fun's output and its input (the carry)", in_tree, avals, body_tree, body_closed.out_avals)
    cond_closed, cconsts = closure_convert(cond_closed)
    body_closed, bconsts = closure_convert(body_closed)
    outs = while_p.bind(*cconsts, *bconsts, *leaves, cond_jaxpr=cond_closed, body_jaxpr=body_closed, cond_nconsts=len(cconsts), body_nconsts=len(bconsts))
    return tree_unflatten(in_tree, outs)


def _bounded_while(cond_fun: Callable, body_fun: Callable, init_val: Any, max_iterations: int) -> Any:
    def step(state, _):
        val, running = state
        running = _ew.bitwise_and(running, _as_bool(cond_fun(val)))
        new = cond(running, body_fun, lambda v: v, val)
        return (new, running), None

    (final, _), _ = scan(step, (init_val, np.asarray(True)), None, length=max_iterations)
    return final


def _as_bool(x: Any) -> Any:
    x = _as_value(x)
    return x if core.get_aval(x).dtype == np.bool_ else _ew.ne(x, _sh.zeros_like(x))


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cconsts, bconsts, carry = _split(primals, cond_nconsts, body_nconsts)
    _, bconst_t, carry_t = _split(tangents, cond_nconsts, body_nconsts)
    bconst_nz = [type(t) is not Zero for t in bconst_t]
    carry_nz = [type(t) is not Zero for t in carry_t]
    while True:
        _, out_nz = jvp_jaxpr(body_jaxpr, bconst_nz + carry_nz, instantiate=carry_nz)
        if out_nz == carry_nz:
            break
        carry_nz = _or(carry_nz, out_nz)
    body_jvp, _ = jvp_jaxpr(body_jaxpr, bconst_nz + carry_nz, instantiate=carry_nz)
    n_bc, n_c = len(bconsts), len(carry)
    n_bct, n_ct = sum(bconst_nz), sum(carry_nz)
    bconst_avals = [core.get_aval(x) for x in bconsts]
    carry_avals = [a.strip_weak_type() for a in body_jaxpr.out_avals]
    bct_avals = [tangent_aval(a) for a, nz in zip(bconst_avals, bconst_nz) if nz]
    ct_avals = [tangent_aval(a) for a, nz in zip(carry_avals, carry_nz) if nz]
    # The loop's constants become (consts, const tangents), its carry (carry, carry tangents).
    new_body = _rearranged(
        body_jvp,
        bconst_avals + bct_avals + carry_avals + ct_avals,
        lambda a: a[:n_bc] + a[n_bc + n_bct : n_bc + n_bct + n_c] + a[n_bc : n_bc + n_bct] + a[n_bc + n_bct + n_c :],
        lambda outs: outs,
    )
    cconst_avals = [core.get_aval(x) for x in cconsts]
    new_cond = trace_to_jaxpr(lambda *a: cond_jaxpr(*a[: len(cconsts) + n_c]), cconst_avals + carry_avals + ct_avals)
    t_in = [instantiate_zeros(t) if nz else None for t, nz in zip(carry_t, carry_nz)]
    outs = while_p.bind(
        *cconsts, *bconsts, *[t for t in bconst_t if type(t) is not Zero], *carry, *[t for t in t_in if t is not None],
        cond_jaxpr=new_cond, body_jaxpr=new_body, cond_nconsts=len(cconsts), body_nconsts=n_bc + n_bct,
    )
    tangent_iter = iter(outs[n_c:])
    return outs[:n_c], [next(tangent_iter) if nz else Zero(tangent_aval(a)) for a, nz in zip(carry_avals, carry_nz)]


def _while_partial_eval(trace, tracers, **params):
    raise TypeError(
        "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with traced bounds "
        "(the number of iterations is not known when the backward pass is built). Use lax.scan, lax.fori_loop "
        "with Python-int bounds, or while_loop(..., max_iterations=N)."
    )


def _while_batch(size, vals, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cconsts, bconsts, carry = _split(vals, cond_nconsts, body_nconsts)
    cc_d, bc_d, carry_d = _split(dims, cond_nconsts, body_nconsts)
    cc_b, bc_b = [d is not None for d in cc_d], [d is not None for d in bc_d]
    carry_b = [d is not None for d in carry_d]
    while True:
        _, out_b = batch_jaxpr(body_jaxpr, size, bc_b + carry_b, instantiate=carry_b)
        _, (pred_b,) = batch_jaxpr(cond_jaxpr, size, cc_b + carry_b, instantiate=False)
        if pred_b:  # lanes finish at different times: every carry is per lane
            out_b = [True] * len(carry_b)
        if _or(carry_b, out_b) == carry_b:
            break
        carry_b = _or(carry_b, out_b)
    cconsts = [moveaxis(x, d, 0) if d is not None else x for x, d in zip(cconsts, cc_d)]
    bconsts = [moveaxis(x, d, 0) if d is not None else x for x, d in zip(bconsts, bc_d)]
    carry = [bdim_at_front(x, d, size) if b else x for x, d, b in zip(carry, carry_d, carry_b)]
    body_b, _ = batch_jaxpr(body_jaxpr, size, bc_b + carry_b, instantiate=carry_b)
    cond_b, (pred_b,) = batch_jaxpr(cond_jaxpr, size, cc_b + carry_b, instantiate=False)
    if pred_b:
        n_cc, n_bc = len(cconsts), len(bconsts)
        cc_avals = [core.get_aval(x) for x in cconsts]
        bc_avals = [core.get_aval(x) for x in bconsts]
        carry_avals = [core.get_aval(x) for x in carry]

        lane_cond = (cond_b)

        def any_lane(*args):
            (pred,) = lane_cond(*args)
            # An empty batch has no running lane (reduce_max has no identity over an empty axis).
            return [_red.reduce_max(pred, (0,)) if size else np.asarray(False)]

        def step_running_lanes(*args):
            cc, bc, c = args[:n_cc], args[n_cc : n_cc + n_bc], args[n_cc + n_bc :]
            (pred,) = lane_cond(*cc, *c)
            new = body_b(*bc, *c)
            return [_ew.select_n(_sh.broadcast_in_dim(pred, core.get_aval(n).shape, (0,)), old, n) for old, n in zip(c, new)]

        cond_b = trace_to_jaxpr(any_lane, cc_avals + carry_avals)
        body_b = trace_to_jaxpr(step_running_lanes, cc_avals + bc_avals + carry_avals)
        bconsts = cconsts + bconsts
    outs = while_p.bind(
        *cconsts, *bconsts, *carry, cond_jaxpr=cond_b, body_jaxpr=body_b, cond_nconsts=len(cconsts), body_nconsts=len(bconsts)
    )
    return outs, [0 if b else None for b in carry_b]


jvp_rules[while_p] = _while_jvp
partial_eval_rules[while_p] = _while_partial_eval
batching_rules[while_p] = _while_batch


@def_statement(while_p, fresh=True)
def _while_lowering(em, eqn, args, outs):
    p = eqn.params
    nc, nb = p["cond_nconsts"], p["body_nconsts"]
    consts = _loop_operands(em, eqn.inputs[: nc + nb], args[: nc + nb])
    cconsts, bconsts = consts[:nc], consts[nc:]
    results = [em.allocate(v) for v in eqn.out_binders]
    with em.loop_scope():
        carry = _LoopCarry(em, results, eqn.out_binders, eqn.inputs[nc + nb :])
        odd = em.fresh("odd")  # whether the last value is in the spare buffers
        em.emit(f"{odd} = False")
        em.emit("while True:")
        (pred,) = em.inline(p["cond_jaxpr"], cconsts + carry.current, 2)
        em.emit(f"if not {pred}[()]:", 2)
        em.emit("break", 3)
        new = em.inline(p["body_jaxpr"], bconsts + carry.current, 2, carry.spare)
        carry.advance(new, em.result_sharing, 2)
        em.emit(f"{odd} = not {odd}", 2)
        if carry.current:
            em.emit(f"if {odd}:")
            carry.finish(2)


def _loop_operands(em, atoms: Sequence[Any], args: Sequence[str]) -> list[str]:
    """Operands a loop body reads, a literal as a constant array (``np.full`` in the body
    would allocate in every iteration)."""
    return [em.hoist(x.val) if isinstance(x, Literal) else a for x, a in zip(atoms, args)]


class _LoopCarry:
    """A loop's carry in two buffers per value, made before the loop: each iteration reads
    one and its body writes the new value straight into the other (``spare``), then they
    swap. So nothing is copied back, the body's own arrays never hold state from one
    iteration to the next, and a carry passed on to another (a swap) needs no care.
    Emitted inside the loop's ``loop_scope``."""

    def __init__(self, em, results: Sequence[str], carry_vars: Sequence[Var], init: Sequence[Any]):
        self.em, self.avals = em, [v.aval for v in carry_vars]
        self.results = results  # the loop's results, allocated before its loop_scope
        buffers = [em.loop_buffer(a.shape, a.dtype) for a in self.avals]
        self.current = [em.fresh("carry") for _ in carry_vars]
        self.spare = [em.fresh("spare") for _ in carry_vars]
        # The swapped names are bound afresh each time the loop starts (it may be in a loop).
        for name, cur, spare, buf, x, a in zip(self.results, self.current, self.spare, buffers, init, self.avals):
            if a.ndim == 0:
                em.emit(f"{name}[()] = {em.read_scalar(x)}")
            else:
                em.emit_copy(name, em.read_array(x), a.shape)
            em.emit(f"{cur}, {spare} = {name}, {buf}")

    def advance(self, new: Sequence[str], sharing: Sequence[Any], depth: int) -> None:
        """After the body: copy the new values it did not write in place, and swap."""
        for spare, value, shared, a in zip(self.spare, new, sharing, self.avals):
            if shared is not None:
                self.em.emit_copy(spare, value, a.shape, depth)
        if self.current:
            self.em.emit(f"{', '.join(self.current + self.spare)} = {', '.join(self.spare + self.current)}", depth)

    def finish(self, depth: int) -> None:
        """Copy the last values into the results' memory (when they are in the spare buffers)."""
        for name, cur, a in zip(self.results, self.current, self.avals):
            self.em.emit_copy(name, cur, a.shape, depth)

# --------------------------------------------------------------------------- scan

scan_p = Primitive("scan", multiple_results=True)


def _scan_order(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


@scan_p.def_impl
def _scan_impl(*args, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, carry, xs = _split(args, num_consts, num_carry)
    # Each y goes straight into its stacked array: a list of one array per iteration would
    # hold ~100 bytes of object per scalar until stacked.
    ys = [np.empty((length,) + a.shape, a.dtype) for a in jaxpr.out_avals[num_carry:]]
    for i in _scan_order(length, reverse):
        outs = eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, [*consts, *carry, *[x[i] for x in xs]])
        carry = outs[:num_carry]
        for y, out in zip(ys, outs[num_carry:]):
            y[i] = out
    return list(carry) + ys


@scan_p.def_abstract_eval
def _scan_abstract_eval(*avals, jaxpr, num_consts, num_carry, length, reverse, unroll):
    outs = jaxpr.out_avals
    return [a.strip_weak_type() for a in outs[:num_carry]] + [ShapedArray((length,) + a.shape, a.dtype) for a in outs[num_carry:]]


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the final
    carry and the stacked ``y``s.

    Compiled code runs ``unroll`` iterations per turn of the loop (``True`` or 0: all of
    them), which lets the compiler schedule work across iterations.

    >>> scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    (array(6.), array([0., 0., 2., 9.]))
    """
    init_leaves, carry_tree = tree_flatten(init)
    x_leaves, x_tree = tree_flatten(xs)
    init_leaves = [_as_value(x) for x in init_leaves]
    x_leaves = [_as_value(x) for x in x_leaves]
    lengths = {core.get_aval(x).shape[0] if core.get_aval(x).ndim else None for x in x_leaves}
    if None in lengths:
        raise ValueError("scan: every leaf of xs must have a leading axis to scan over")
    if length is not None:
        lengths.add(int(length))
    if len(lengths) > 1:
        raise ValueError(f"scan: xs leaves and length disagree on the number of iterations: {sorted(lengths)}")
    if not lengths:
        raise ValueError("scan: with no xs, pass length=")
    n = lengths.pop()
    unroll = _unroll_factor(unroll, n)
    carry_avals = [core.get_aval(x).strip_weak_type() for x in init_leaves]
    init_leaves = [_ew.convert_element_type(x, a.dtype) if type(x) in core._PY_SCALARS else x for x, a in zip(init_leaves, carry_avals)]
    x_avals = [ShapedArray(core.get_aval(x).shape[1:], core.get_aval(x).dtype) for x in x_leaves]
    in_tree = tree_flatten((init, xs))[1]
    body, out_tree = _trace(f, in_tree, carry_avals + x_avals)
    children = out_tree.children()
    if len(children) != 2:
        raise TypeError(f"scan: f must return a pair (carry, y), got structure {out_tree}")
    new_carry_tree, y_tree = children
    n_carry = carry_tree.num_leaves
    _check_types("scan", "the carry f returns and the carry it takes", carry_tree, carry_avals, new_carry_tree, body.out_avals[:n_carry])
    body, consts = closure_convert(body)
    outs = scan_p.bind(*consts, *init_leaves, *x_leaves, jaxpr=body, num_consts=len(consts), num_carry=n_carry, length=n, reverse=bool(reverse),
                       unroll=unroll)
    return tree_unflatten(carry_tree, outs[:n_carry]), tree_unflatten(y_tree, outs[n_carry:])


def _unroll_factor(unroll: Any, length: int) -> int:
    """``scan``'s ``unroll`` as a number of iterations per turn, between 1 and ``length``."""
    if isinstance(unroll, (bool, np.bool_)):
        unroll = length if unroll else 1
    try:
        unroll = operator.index(unroll)
    except TypeError:
        raise TypeError(f"scan: unroll must be a bool or a non-negative int, got {unroll!r}") from None
    if unroll < 0:
        raise ValueError(f"scan: unroll must be a bool or a non-negative int, got {unroll}")
    return max(1, min(unroll or length, length))


def _scan_jvp(primals, tangents, *, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, carry, xs = _split(primals, num_consts, num_carry)
    const_t, carry_t, xs_t = _split(tangents, num_consts, num_carry)
    const_nz = [type(t) is not Zero for t in const_t]
    xs_nz = [type(t) is not Zero for t in xs_t]
    carry_nz = [type(t) is not Zero for t in carry_t]
    n_ys = len(jaxpr.out_avals) - num_carry
    while True:
        _, out_nz = jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz, instantiate=carry_nz + [False] * n_ys)
        if _or(carry_nz, out_nz[:num_carry]) == carry_nz:
            break
        carry_nz = _or(carry_nz, out_nz[:num_carry])
    body_jvp, out_nz = jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz, instantiate=carry_nz + [False] * n_ys)
    ys_nz = out_nz[num_carry:]
    in_avals = jaxpr.in_avals
    n_c, n_x = num_carry, len(xs)
    n_ct, n_cat, n_xt = sum(const_nz), sum(carry_nz), sum(xs_nz)
    p_consts, p_carry, p_xs = _split(in_avals, num_consts, num_carry)
    t_of = lambda avals, nz: [tangent_aval(a) for a, m in zip(avals, nz) if m]
    new_in_avals = p_consts + t_of(p_consts, const_nz) + p_carry + t_of(p_carry, carry_nz) + p_xs + t_of(p_xs, xs_nz)
    nc = num_consts

    def take(a):
        cs, cts, cr, crt, x, xt = _split(a, nc, n_ct, n_c, n_cat, n_x)
        return cs + cr + x + cts + crt + xt

    def give(outs):
        carry_out, ys_out, carry_t_out, ys_t_out = _split(outs, n_c, n_ys, n_cat)
        return carry_out + carry_t_out + ys_out + ys_t_out

    body = _rearranged(body_jvp, new_in_avals, take, give)
    nz_only = lambda ts, nz: [instantiate_zeros(t) for t, m in zip(ts, nz) if m]
    outs = scan_p.bind(
        *consts, *nz_only(const_t, const_nz), *carry, *nz_only(carry_t, carry_nz), *xs, *nz_only(xs_t, xs_nz),
        jaxpr=body, num_consts=nc + n_ct, num_carry=n_c + n_cat, length=length, reverse=reverse, unroll=unroll,
    )
    carry_out, carry_t_out, ys_out, ys_t_out = _split(outs, n_c, n_cat, n_ys)
    carry_avals = [a.strip_weak_type() for a in jaxpr.out_avals[:n_c]]
    y_avals = [ShapedArray((length,) + a.shape, a.dtype) for a in jaxpr.out_avals[n_c:]]
    ct_iter, yt_iter = iter(carry_t_out), iter(ys_t_out)
    tangents_out = [next(ct_iter) if nz else Zero(tangent_aval(a)) for a, nz in zip(carry_avals, carry_nz)]
    tangents_out += [next(yt_iter) if nz else Zero(tangent_aval(a)) for a, nz in zip(y_avals, ys_nz)]
    return carry_out + ys_out, tangents_out


def _scan_partial_eval(trace, tracers, *, jaxpr, num_consts, num_carry, length, reverse, unroll):
    const_tr, carry_tr, xs_tr = _split(tracers, num_consts, num_carry)
    const_uk = [not t.pval.is_known for t in const_tr]
    xs_uk = [not t.pval.is_known for t in xs_tr]
    carry_uk = [not t.pval.is_known for t in carry_tr]
    n_ys = len(jaxpr.out_avals) - num_carry
    while True:
        out_uk = partial_eval_jaxpr(jaxpr, const_uk + carry_uk + xs_uk, instantiate=carry_uk + [False] * n_ys)[2]
        if _or(carry_uk, out_uk[:num_carry]) == carry_uk:
            break
        carry_uk = _or(carry_uk, out_uk[:num_carry])
    known, unknown, out_uk, num_res = partial_eval_jaxpr(jaxpr, const_uk + carry_uk + xs_uk, instantiate=carry_uk + [False] * n_ys)
    n_kc = sum(not u for u in const_uk)
    n_kcarry = sum(not u for u in carry_uk)
    n_known_out = len(known.out_avals) - num_res
    known, unknown = _residuals_unbroadcast(known, unknown, n_known_out)
    invariant, known, where = _hoist_invariant_residuals(known, n_kc, n_kcarry, n_known_out)
    known_consts = [t.pval.const for t, u in zip(const_tr, const_uk) if not u]
    known_carry = [t.pval.const for t, u in zip(carry_tr, carry_uk) if not u]
    known_xs = [t.pval.const for t, u in zip(xs_tr, xs_uk) if not u]
    # Residuals that do not change from one iteration to the next are computed once, before
    # the loop, and the known loop reads them as constants; the others leave it stacked, as
    # extra ys, except slices of known xs, which are read from those xs.
    hoisted = eval_jaxpr(invariant.jaxpr, invariant.consts, known_consts)
    known_outs = scan_p.bind(*hoisted, *known_consts, *known_carry, *known_xs, jaxpr=known, num_consts=len(hoisted) + n_kc,
                             num_carry=n_kcarry, length=length, reverse=reverse, unroll=unroll)
    stacked = known_outs[n_known_out:]
    loop_sources = list(dict.fromkeys((kind, k) for kind, k in where if kind in ("stacked", "xs")))
    loop_res = [trace.instantiate_const(trace.pure(stacked[k] if kind == "stacked" else known_xs[k])) for kind, k in loop_sources]
    const_res = [trace.instantiate_const(trace.pure(h)) for h in hoisted]
    # The unknown body takes (residuals, unknown consts, carry, xs); its scan takes (hoisted
    # residuals, unknown consts, carry, residual slices, xs).
    n_uc, n_ucarry, n_loop, n_inv = sum(const_uk), sum(carry_uk), len(loop_sources), len(hoisted)
    u_consts, u_carry, u_xs = _split(unknown.in_avals[num_res:], n_uc, n_ucarry)
    res_avals = unknown.in_avals[:num_res]
    inv_avals = [core.get_aval(h).strip_weak_type() for h in hoisted]
    loop_avals = [res_avals[where.index(src)] for src in loop_sources]

    def take(a):
        inv, uc, ucarry, loop, ux = _split(a, n_inv, n_uc, n_ucarry, n_loop)
        pick = {"const": lambda k: inv[k], "literal": lambda value: value}
        res = [pick[kind](k) if kind in pick else loop[loop_sources.index((kind, k))] for kind, k in where]
        return res + uc + ucarry + ux

    body = _rearranged(unknown, inv_avals + u_consts + u_carry + loop_avals + u_xs, take, lambda outs: outs)
    uk_const = [trace.instantiate_const(t) for t, u in zip(const_tr, const_uk) if u]
    uk_carry = [trace.instantiate_const(t) for t, u in zip(carry_tr, carry_uk) if u]
    uk_xs = [trace.instantiate_const(t) for t, u in zip(xs_tr, xs_uk) if u]
    all_out_avals = _scan_abstract_eval(jaxpr=jaxpr, num_consts=num_consts, num_carry=num_carry, length=length, reverse=reverse,
                                        unroll=unroll)
    out_avals = [a for a, u in zip(all_out_avals, out_uk) if u]
    unknown_outs = trace.record(
        scan_p, const_res + uk_const + uk_carry + loop_res + uk_xs,
        dict(jaxpr=body, num_consts=n_inv + n_uc, num_carry=n_ucarry, length=length, reverse=reverse, unroll=unroll), out_avals,
    )
    known_iter, unknown_iter = iter(known_outs[:n_known_out]), iter(unknown_outs)
    return [next(unknown_iter) if u else next(known_iter) for u in out_uk]


def _residuals_unbroadcast(known: ClosedJaxpr, unknown: ClosedJaxpr, n_out: int) -> tuple[ClosedJaxpr, ClosedJaxpr]:
    """Residuals the known body makes by broadcasting a smaller value become that value, and
    the unknown body broadcasts it again: a scalar carry times an array would otherwise be
    saved at the array's size in every iteration."""
    jx = known.jaxpr
    producer = {v: e for e in jx.eqns for v in e.out_binders}
    sources, shapes = [], []
    for r in jx.outvars[n_out:]:
        chain = []
        while isinstance(r, Var) and r in producer and producer[r].primitive is _sh.broadcast_in_dim_p:
            chain.append(producer[r].params)
            r = producer[r].inputs[0]
        sources.append(r)
        shapes.append(chain)
    if not any(shapes):
        return known, unknown
    new_known = ClosedJaxpr(*dce_jaxpr(Jaxpr(jx.constvars, jx.invars, jx.eqns, jx.outvars[:n_out] + sources), known.consts))
    n_res = len(sources)

    def expand(*args):
        res = list(args[:n_res])
        for k, chain in enumerate(shapes):
            for params in reversed(chain):
                res[k] = _sh.broadcast_in_dim(res[k], params["shape"], params["broadcast_dimensions"])
        return unknown(*res, *args[n_res:])

    avals = [x.aval.strip_weak_type() for x in sources] + unknown.in_avals[n_res:]
    return new_known, trace_to_jaxpr(expand, avals)


def _hoist_invariant_residuals(known: ClosedJaxpr, n_consts: int, n_carry: int, n_out: int):
    """Split the residuals of a known scan body by how they vary over the loop.

    Returns ``(invariant, body, where)``: ``invariant`` computes, from the body's constants
    alone, the residuals that depend on neither carry nor xs (each once); ``body`` is the
    known body taking those as leading constants and returning its outputs followed by the
    residuals that vary, each once; ``where[j]`` says where residual ``j`` is:
    ``("const", k)`` (output ``k`` of ``invariant``), ``("stacked", k)`` (stacked residual
    ``k`` of ``body``), ``("xs", k)`` (known xs ``k`` itself, which the loop only forwards)
    or ``("literal", value)`` (a constant the unknown body can hold itself).
    """
    jx = known.jaxpr
    const_in, xs_in = jx.invars[:n_consts], jx.invars[n_consts + n_carry:]
    varying = set(jx.invars[n_consts:])
    for eqn in jx.eqns:
        if any(isinstance(x, Var) and x in varying for x in eqn.inputs):
            varying.update(eqn.out_binders)
    invariant: dict[Any, int] = {}
    stacked: dict[Var, int] = {}
    where = []
    for r in jx.outvars[n_out:]:
        if isinstance(r, Var) and any(r is x for x in xs_in):
            where.append(("xs", next(k for k, x in enumerate(xs_in) if r is x)))
        elif isinstance(r, Var) and r in varying:
            where.append(("stacked", stacked.setdefault(r, len(stacked))))
        elif isinstance(r, Var):
            where.append(("const", invariant.setdefault(r, len(invariant))))
        else:
            where.append(("literal", r.val))
    inv_jaxpr, inv_consts = dce_jaxpr(Jaxpr(jx.constvars, const_in, jx.eqns, list(invariant)), known.consts)
    # The loop reads the hoisted values instead of recomputing them.
    hoisted = {r: Var(r.aval) for r in invariant}
    sub = lambda x: hoisted.get(x, x) if isinstance(x, Var) else x
    eqns = [Eqn(e.primitive, [sub(x) for x in e.inputs], e.params, e.out_binders) for e in jx.eqns]
    invars = list(hoisted.values()) + jx.invars
    body = Jaxpr(jx.constvars, invars, eqns, [sub(x) for x in jx.outvars[:n_out]] + list(stacked))
    return ClosedJaxpr(inv_jaxpr, inv_consts), ClosedJaxpr(*dce_jaxpr(body, known.consts)), where


def _scan_transpose(cts, *args, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, init, xs = _split(args, num_consts, num_carry)
    # A carry that is a known value here (zeros instantiated by partial evaluation) is still
    # linear: the loop is linear in its carry, so it is transposed like the others.
    const_lin = [is_undefined(c) for c in consts]
    xs_lin = [is_undefined(x) for x in xs]
    ct_carry, ct_ys = cts[:num_carry], cts[num_carry:]
    ct_carry = [instantiate_zeros(ct) for ct in ct_carry]
    ct_ys = [instantiate_zeros(ct) for ct in ct_ys]
    body_t = transpose_jaxpr(jaxpr, const_lin + [True] * num_carry + xs_lin)
    nl_consts = [c for c in consts if not is_undefined(c)]
    nl_xs = [x for x in xs if not is_undefined(x)]
    lin_const_avals = [c.aval for c in consts if is_undefined(c)]
    n_nlc, n_lc, n_nlx = len(nl_consts), len(lin_const_avals), len(nl_xs)
    carry_avals = [tangent_aval(a) for a in jaxpr.out_avals[:num_carry]]
    y_avals = [tangent_aval(a) for a in jaxpr.out_avals[num_carry:]]
    nl_x_avals = [ShapedArray(core.get_aval(x).shape[1:], core.get_aval(x).dtype) for x in nl_xs]

    def backward_step(*a):
        nlc, acc, ctc, nlx, cty = _split(a, n_nlc, n_lc, num_carry, n_nlx)
        ct_lin_consts, ct_carry_in, ct_lin_xs = _split(body_t(*nlc, *nlx, *ctc, *cty), n_lc, num_carry)
        return [_ew.add_any(s, c) for s, c in zip(acc, ct_lin_consts)] + ct_carry_in + ct_lin_xs

    in_avals = [core.get_aval(c) for c in nl_consts] + [tangent_aval(a) for a in lin_const_avals] + carry_avals + nl_x_avals + y_avals
    body = trace_to_jaxpr(backward_step, in_avals)
    zeros = [_sh.full(a.shape, 0, a.dtype) for a in lin_const_avals]
    outs = scan_p.bind(
        *nl_consts, *zeros, *ct_carry, *nl_xs, *ct_ys,
        jaxpr=body, num_consts=n_nlc, num_carry=n_lc + num_carry, length=length, reverse=not reverse, unroll=unroll,
    )
    ct_consts, ct_init, ct_xs = _split(outs, n_lc, num_carry)
    const_iter, xs_iter = iter(ct_consts), iter(ct_xs)
    ct_init = [ct if is_undefined(c) else None for c, ct in zip(init, ct_init)]
    return [next(const_iter) if lin else None for lin in const_lin] + ct_init + [next(xs_iter) if lin else None for lin in xs_lin]


def _scan_batch(size, vals, dims, *, jaxpr, num_consts, num_carry, length, reverse, unroll):
    consts, carry, xs = _split(vals, num_consts, num_carry)
    const_d, carry_d, xs_d = _split(dims, num_consts, num_carry)
    const_b = [d is not None for d in const_d]
    xs_b = [d is not None for d in xs_d]
    carry_b = [d is not None for d in carry_d]
    n_ys = len(jaxpr.out_avals) - num_carry
    while True:
        _, out_b = batch_jaxpr(jaxpr, size, const_b + carry_b + xs_b, instantiate=carry_b + [False] * n_ys)
        if _or(carry_b, out_b[:num_carry]) == carry_b:
            break
        carry_b = _or(carry_b, out_b[:num_carry])
    body, out_b = batch_jaxpr(jaxpr, size, const_b + carry_b + xs_b, instantiate=carry_b + [False] * n_ys)
    consts = [moveaxis(x, d, 0) if d is not None else x for x, d in zip(consts, const_d)]
    carry = [bdim_at_front(x, d, size) if b else x for x, d, b in zip(carry, carry_d, carry_b)]
    # Each iteration sees a slice of xs: its batch axis must come right after the scanned axis.
    xs = [moveaxis(x, d, 1) if d is not None else x for x, d in zip(xs, xs_d)]
    outs = scan_p.bind(*consts, *carry, *xs, jaxpr=body, num_consts=num_consts, num_carry=num_carry, length=length,
                       reverse=reverse, unroll=unroll)
    out_dims = [0 if b else None for b in out_b[:num_carry]] + [1 if b else None for b in out_b[num_carry:]]
    return outs, out_dims


jvp_rules[scan_p] = _scan_jvp
partial_eval_rules[scan_p] = _scan_partial_eval
transpose_rules[scan_p] = _scan_transpose
batching_rules[scan_p] = _scan_batch


@def_statement(scan_p, fresh=True)
def _scan_lowering(em, eqn, args, outs):
    p = eqn.params
    nc, ncarry, length, unroll, body = p["num_consts"], p["num_carry"], p["length"], p["unroll"], p["jaxpr"]
    consts = _loop_operands(em, eqn.inputs[:nc], args[:nc])
    xs = _loop_operands(em, eqn.inputs[nc + ncarry :], args[nc + ncarry :])
    x_avals = [a.aval for a in eqn.inputs[nc + ncarry :]]
    y_vars = eqn.out_binders[ncarry:]
    results = [em.allocate(v) for v in eqn.out_binders]
    ys = results[ncarry:]
    turns, rest = divmod(length, unroll)
    with em.loop_scope():
        carry = _LoopCarry(em, results[:ncarry], eqn.out_binders[:ncarry], eqn.inputs[nc : nc + ncarry])
        # ``unroll`` copies of the body per turn of the loop; the iterations ``unroll`` does
        # not divide run in a loop of one copy after it.
        for count, copies, first in ((turns, unroll, 0), (rest, 1, turns * unroll)):
            if not count:
                continue
            # A scalar slice of xs is copied into a 0-d array the body reads (made once here).
            slice_buffers = [[em.loop_buffer((), a.dtype) if a.ndim == 1 else None for a in x_avals] for _ in range(copies)]
            step = em.fresh("step")
            em.emit(f"for {step} in range({count}):")
            for u in range(copies):
                i = em.fresh("i")
                position = f"{first} + {step}" if copies == 1 else f"{step} * {copies} + {u}"
                em.emit(f"{i} = {length - 1} - ({position})" if p["reverse"] else f"{i} = {position}", 2)
                slices = []
                for x, buf in zip(xs, slice_buffers[u]):
                    if buf is not None:
                        em.emit(f"{buf}[()] = {x}[{i}]", 2)
                    slices.append(buf or f"{x}[{i}]")
                slots = carry.spare + [f"{y}[{i}]" if v.aval.ndim > 1 else None for y, v in zip(ys, y_vars)]
                results = em.inline(body, consts + carry.current + slices, 2, slots)
                for y, r, v, shared in zip(ys, results[ncarry:], y_vars, em.result_sharing[ncarry:]):
                    if shared is not None:  # not written in place
                        em.emit(f"{y}[{i}] = {r}[()]" if v.aval.ndim == 1 else f"{y}[{i}] = {r}", 2)
                carry.advance(results[:ncarry], em.result_sharing[:ncarry], 2)
        if length % 2:
            carry.finish(1)

# --------------------------------------------------------------------------- fori_loop, map


def fori_loop(lower: Any, upper: Any, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``. With Python-int
    bounds it is a ``scan`` (reverse-differentiable); with traced bounds a ``while_loop``.

    >>> fori_loop(0, 10, lambda i, x: x + i, 0)
    array(45)
    """
    if core.is_concrete(lower) and core.is_concrete(upper) and not isinstance(lower, core.Tracer) and not isinstance(upper, core.Tracer):
        lo, hi = int(lower), int(upper)

        def step(carry, _):
            i, val = carry
            return (_ew.add(i, np.asarray(1, i.dtype if hasattr(i, "dtype") else np.int64)), body_fun(i, val)), None

        (_, final), _ = scan(step, (np.asarray(lo, np.int64), init_val), None, length=max(hi - lo, 0))
        return final
    lower, upper = _as_value(lower), _as_value(upper)
    dtype = np.result_type(core.get_aval(lower).dtype, core.get_aval(upper).dtype)
    lower = _ew.convert_element_type(lower, dtype)
    upper = _ew.convert_element_type(upper, dtype)

    def body(state):
        i, hi, val = state
        return _ew.add(i, np.asarray(1, dtype)), hi, body_fun(i, val)

    _, _, final = while_loop(lambda s: _ew.lt(s[0], s[1]), body, (lower, upper, init_val))
    return final


def map(f: Callable, xs: Any) -> Any:
    """``f`` applied to each slice of ``xs`` along its leading axis, stacked (a sequential ``vmap``)."""
    _, ys = scan(lambda _, x: (None, f(x)), None, xs)
    return ys
