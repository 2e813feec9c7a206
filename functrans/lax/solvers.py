"""Solvers differentiated implicitly: ``custom_linear_solve`` and ``custom_root``.

Each is a primitive carrying the staged functions it was given (closed jaxprs without
constants of their own: what they capture becomes leading operands, grouped by the
function that uses them) and differentiated by the implicit function theorem instead of
through the solver's iterations, as in JAX:

- ``custom_linear_solve``: ``x = A^-1 b`` has the tangent ``A^-1 (db - dA x)``, one more
  solve. It is linear in ``b``, and its transpose solves with the transpose of ``A``
  (``transpose_solve`` on ``vecmat``, the linear transpose of ``matvec``): reverse mode.
- ``custom_root``: ``f(x*) = 0`` gives ``dx* = -(df/dx)^-1 (df/dθ dθ)`` for the values
  ``θ`` that ``f`` closes over, solved by ``tangent_solve`` on ``f`` linearised at the
  root. Reverse mode transposes that tangent computation, so ``tangent_solve`` must be
  linear in its right-hand side (a division, or a ``custom_linear_solve``).

Batching batches every staged function with the vectors (``b``, ``x``) batched; compiled
code inlines the solve.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from .. import core
from ..autodiff import (
    Zero, instantiate_zeros, is_undefined, jvp_flat, jvp_rules, linearize_flat, transpose_jaxpr, transpose_rules,
)
from ..batching import batch_jaxpr, batching_rules, bdim_at_front, moveaxis
from ..core import Primitive
from ..ir import ClosedJaxpr, eval_jaxpr
from ..lowering import def_inlined_call
from ..tracing import closure_convert, trace_to_jaxpr
from ..tree_util import PyTreeDef, tree_flatten, tree_unflatten
from . import elementwise as _ew
from .control_flow import _as_value, _trace

# --------------------------------------------------------------------------- shared machinery


def _stage(fun: Callable, example_args: tuple, avals: list) -> tuple[ClosedJaxpr, list, PyTreeDef]:
    """``fun`` staged on arguments shaped like ``example_args`` (leaves of ``avals``):
    the jaxpr, the constants it captured (its leading inputs) and its output tree."""
    closed, out_tree = _trace(fun, tree_flatten(example_args)[1], avals)
    closed, consts = closure_convert(closed)
    return closed, consts, out_tree


def _check_output(where: str, expected_name: str, out_tree: PyTreeDef, out_avals: Sequence, tree: PyTreeDef,
                  avals: Sequence, has_aux: bool = False) -> None:
    """JAX's checks: the output tree (the first of a pair with ``has_aux``) is ``tree``,
    with the shapes of ``avals``."""
    if has_aux:
        children = out_tree.children()
        if len(children) != 2:
            raise ValueError(f"{where}() produced a pytree with structure {out_tree}, but a pytree tuple with "
                             "auxiliary output was expected because has_aux was set to True.")
        out_tree = children[0]
    if out_tree != tree:
        raise TypeError(f"{where}() output pytree structure must match {expected_name}, got {out_tree} and {tree}.")
    got = [a.shape for a in out_avals[: len(avals)]]
    if got != [a.shape for a in avals]:
        raise ValueError(f"{where}() output shapes must match {expected_name}, got {got} and {[a.shape for a in avals]}")


def _groups(xs: Sequence[Any], lengths: Sequence[int]) -> tuple[list[list], list]:
    """``xs`` cut into groups of ``lengths``, and what is left (the vectors)."""
    out, start = [], 0
    for n in lengths:
        out.append(list(xs[start : start + n]))
        start += n
    return out, list(xs[start:])


def _bind(prim: Primitive, consts: Sequence[list], vectors: list, jaxprs: tuple, solve_role: int) -> list:
    """Bind ``prim`` to the constants of each role and the vectors. Param ``jaxpr`` runs the
    solve on all the operands: what eager evaluation and compiled code (inlined) execute."""
    flat = [c for group in consts for c in group]
    lengths = tuple(len(group) for group in consts)
    start = sum(lengths[:solve_role])
    solve = jaxprs[solve_role]

    def run_solve(*ops):
        return solve(*ops[start : start + lengths[solve_role]], *ops[len(flat) :])

    avals = [core.get_aval(x).strip_weak_type() for x in flat + vectors]
    call, call_consts = closure_convert(trace_to_jaxpr(run_solve, avals))
    assert not call_consts, "the staged solve has no constants of its own"
    return prim.bind(*flat, *vectors, const_lengths=lengths, jaxprs=jaxprs, jaxpr=call)


def _impl(*args, jaxpr, **params):
    return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, args)


def _abstract_eval(*avals, jaxpr, **params):
    return [a.strip_weak_type() for a in jaxpr.out_avals]


def _batcher(prim: Primitive, solve_role: int) -> Callable:
    """Every staged function batched at axis 0 with its vector inputs batched (unbatched
    vectors are broadcast): a solve of batched systems gives batched solutions."""

    def rule(size, vals, dims, *, const_lengths, jaxprs, jaxpr):
        n_consts = sum(const_lengths)
        moved = [moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals[:n_consts], dims[:n_consts])]
        vectors = [bdim_at_front(v, d, size) for v, d in zip(vals[n_consts:], dims[n_consts:])]
        const_groups, _ = _groups(moved, const_lengths)
        dim_groups, _ = _groups(dims, const_lengths)
        new_consts, new_jaxprs = [], []
        for closed, group, group_dims in zip(jaxprs, const_groups, dim_groups):
            if closed is None:
                new_consts.append([])
                new_jaxprs.append(None)
                continue
            n_vectors = len(closed.in_avals) - len(group)
            batched, _ = batch_jaxpr(closed, size, [d is not None for d in group_dims] + [True] * n_vectors, True)
            batched, extra = closure_convert(batched)
            new_consts.append([*extra, *group])
            new_jaxprs.append(batched)
        outs = _bind(prim, new_consts, vectors, type(jaxprs)(*new_jaxprs), solve_role)
        return outs, [0] * len(outs)

    return rule


def _define(prim: Primitive, solve_role: int) -> None:
    prim.def_impl(_impl)
    prim.def_abstract_eval(_abstract_eval)
    batching_rules[prim] = _batcher(prim, solve_role)
    def_inlined_call(prim)


def _closed_fun(closed: ClosedJaxpr, consts: list) -> Callable[..., list]:
    return lambda *args: eval_jaxpr(closed.jaxpr, closed.consts, [*consts, *args])


# --------------------------------------------------------------------------- custom_linear_solve


class _LinearSolveJaxprs(NamedTuple):
    matvec: ClosedJaxpr
    vecmat: ClosedJaxpr | None
    solve: ClosedJaxpr
    transpose_solve: ClosedJaxpr | None

    def transpose(self) -> "_LinearSolveJaxprs":
        return _LinearSolveJaxprs(self.vecmat, self.matvec, self.transpose_solve, self.solve)


def _transposed(groups: list) -> list:
    matvec, vecmat, solve, transpose_solve = groups
    return [vecmat, matvec, transpose_solve, solve]


linear_solve_p = Primitive("custom_linear_solve", multiple_results=True)
_define(linear_solve_p, 2)


def _linear_solve_jvp(primals, tangents, *, const_lengths, jaxprs, jaxpr):
    # A x = b  =>  A dx = db - dA x: one more solve, with the same operator.
    consts, b = _groups(primals, const_lengths)
    const_tangents, b_dot = _groups(tangents, const_lengths)
    x = linear_solve_p.bind(*primals, const_lengths=const_lengths, jaxprs=jaxprs, jaxpr=jaxpr)
    n = len(b)
    rhs = [instantiate_zeros(t) for t in b_dot]
    if any(type(t) is not Zero for t in const_tangents[0]):
        matvec = _closed_fun(jaxprs.matvec, [])
        zeros = [Zero(core.get_aval(v).strip_weak_type()) for v in x[:n]]
        _, dA_x = jvp_flat(matvec, [*consts[0], *x[:n]], [*const_tangents[0], *zeros])
        rhs = [_ew.sub(r, instantiate_zeros(t)) for r, t in zip(rhs, dA_x)]
    x_dot = _bind(linear_solve_p, consts, rhs, jaxprs, 2)
    return x, x_dot[:n] + [Zero(core.get_aval(a).strip_weak_type()) for a in x[n:]]


def _linear_solve_transpose(cts, *invals, const_lengths, jaxprs, jaxpr):
    if jaxprs.transpose_solve is None:
        raise TypeError("transpose_solve required for backwards mode automatic differentiation of custom_linear_solve")
    consts, b = _groups(invals, const_lengths)
    if any(is_undefined(c) for group in consts for c in group):
        raise NotImplementedError("custom_linear_solve: transposing with respect to the operator's constants")
    n = len(b)
    if any(type(ct) is not Zero for ct in cts[n:]):
        raise NotImplementedError("custom_linear_solve: a cotangent for the auxiliary outputs of solve")
    ct_b = _bind(linear_solve_p, _transposed(consts), [instantiate_zeros(ct) for ct in cts[:n]], jaxprs.transpose(), 2)
    return [None] * sum(const_lengths) + ct_b[:n]


jvp_rules[linear_solve_p] = _linear_solve_jvp
transpose_rules[linear_solve_p] = _linear_solve_transpose


def custom_linear_solve(matvec: Callable, b: Any, solve: Callable[[Callable, Any], Any],
                        transpose_solve: Callable[[Callable, Any], Any] | None = None, symmetric: bool = False,
                        has_aux: bool = False) -> Any:
    """``solve(matvec, b)``, differentiated as the solution ``x`` of ``matvec(x) == b``
    (implicitly) rather than through ``solve``'s steps.

    ``matvec`` is linear in a pytree like ``b``; ``solve(matvec, b)`` returns such a pytree
    (and auxiliary data when ``has_aux``). Reverse mode needs ``transpose_solve(vecmat, b)``
    for the transposed operator, or ``symmetric=True`` to use ``solve`` for it.

    >>> import numpy as np
    >>> from functrans import grad, numpy as fnp
    >>> a = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> def solve_with(a, b):
    ...     return custom_linear_solve(lambda x: a @ x, b, lambda matvec, b: fnp.linalg.solve(a, b), symmetric=True)
    >>> np.round(solve_with(a, np.array([1.0, 2.0])), 6)
    array([0.090909, 0.636364])
    >>> np.round(grad(lambda b: solve_with(a, b)[0])(np.array([1.0, 2.0])), 6)  # the first row of a^-1
    array([ 0.272727, -0.090909])
    """
    if transpose_solve is None and symmetric:
        transpose_solve = solve
    b_leaves, tree = tree_flatten(b)
    b_leaves = [_as_value(x) for x in b_leaves]
    avals = [core.get_aval(x).strip_weak_type() for x in b_leaves]

    matvec_jaxpr, matvec_consts, out_tree = _stage(matvec, (b,), avals)
    _check_output("matvec", "b", out_tree, matvec_jaxpr.out_avals, tree, avals)
    solve_jaxpr, solve_consts, solve_tree = _stage(lambda x: solve(matvec, x), (b,), avals)
    _check_output("solve", "b", solve_tree, solve_jaxpr.out_avals, tree, avals, has_aux)
    vecmat_jaxpr = transpose_solve_jaxpr = None
    vecmat_consts: list = []
    transpose_consts: list = []
    if transpose_solve is not None:
        if symmetric:
            vecmat_jaxpr, vecmat_consts = matvec_jaxpr, matvec_consts
        else:
            n = len(matvec_consts)
            vecmat_jaxpr, extra = closure_convert(transpose_jaxpr(matvec_jaxpr, [False] * n + [True] * len(avals)))
            vecmat_consts = [*extra, *matvec_consts]
        vecmat_fun = _closed_fun(vecmat_jaxpr, vecmat_consts)

        def vecmat(y):
            return tree_unflatten(tree, vecmat_fun(*tree_flatten(y)[0]))

        transpose_solve_jaxpr, transpose_consts, out_tree = _stage(lambda x: transpose_solve(vecmat, x), (b,), avals)
        _check_output("transpose_solve", "b", out_tree, transpose_solve_jaxpr.out_avals, tree, avals, has_aux)
    jaxprs = _LinearSolveJaxprs(matvec_jaxpr, vecmat_jaxpr, solve_jaxpr, transpose_solve_jaxpr)
    consts = [matvec_consts, vecmat_consts, solve_consts, transpose_consts]
    outs = _bind(linear_solve_p, consts, b_leaves, jaxprs, 2)
    return _unflatten_solution(tree, solve_tree, outs, has_aux)


def _unflatten_solution(tree: PyTreeDef, solve_tree: PyTreeDef, outs: list, has_aux: bool) -> Any:
    """The solution as a pytree like ``tree``, paired with the auxiliary outputs if ``has_aux``."""
    if not has_aux:
        return tree_unflatten(tree, outs)
    n = tree.num_leaves
    return tree_unflatten(tree, outs[:n]), tree_unflatten(solve_tree.children()[1], outs[n:])


# --------------------------------------------------------------------------- custom_root


class _RootJaxprs(NamedTuple):
    f: ClosedJaxpr
    solve: ClosedJaxpr
    linearize_and_solve: ClosedJaxpr


root_p = Primitive("custom_root", multiple_results=True)
_define(root_p, 1)


def _root_jvp(primals, tangents, *, const_lengths, jaxprs, jaxpr):
    # f(θ, x*(θ)) = 0  =>  dx* = -(∂f/∂x)^-1 (∂f/∂θ dθ), at the solution; the initial guess,
    # and the values solve and tangent_solve close over, take no part.
    consts, guess = _groups(primals, const_lengths)
    f_tangents = _groups(tangents, const_lengths)[0][0]
    solution = root_p.bind(*primals, const_lengths=const_lengths, jaxprs=jaxprs, jaxpr=jaxpr)
    n = len(guess)
    x, aux = solution[:n], solution[n:]
    aux_zeros = [Zero(core.get_aval(a).strip_weak_type()) for a in aux]
    if all(type(t) is Zero for t in f_tangents):
        return solution, [Zero(core.get_aval(v).strip_weak_type()) for v in x] + aux_zeros
    f_at_solution = lambda *f_consts: _closed_fun(jaxprs.f, list(f_consts))(*x)
    _, rhs = jvp_flat(f_at_solution, consts[0], f_tangents)
    rhs = [instantiate_zeros(t) for t in rhs]
    x_dot = _closed_fun(jaxprs.linearize_and_solve, consts[2])(*x, *rhs)
    return solution, [_ew.neg(t) for t in x_dot] + aux_zeros


jvp_rules[root_p] = _root_jvp


def custom_root(f: Callable, initial_guess: Any, solve: Callable[[Callable, Any], Any],
                tangent_solve: Callable[[Callable, Any], Any], has_aux: bool = False) -> Any:
    """``solve(f, initial_guess)``, a root of ``f``, differentiated with respect to the
    values ``f`` closes over by the implicit function theorem, not through ``solve``.

    ``tangent_solve(g, y)`` solves ``g(x) = y`` for ``g``, ``f`` linearised at the root
    (``lambda g, y: y / g(1.0)`` for scalars). With ``has_aux``, ``solve`` returns
    ``(root, aux)``.

    >>> from functrans import grad, lax
    >>> def newton_sqrt(a):
    ...     f = lambda x: x * x - a
    ...     newton = lambda f, x: lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2.0 * x), x)
    ...     return custom_root(f, 1.0, newton, lambda g, y: y / g(1.0))
    >>> round(float(newton_sqrt(2.0)), 6), round(float(grad(newton_sqrt)(2.0)), 6)  # 1 / (2 sqrt(2))
    (1.414214, 0.353553)
    """
    leaves, tree = tree_flatten(initial_guess)
    leaves = [_as_value(x) for x in leaves]
    avals = [core.get_aval(x).strip_weak_type() for x in leaves]
    f_jaxpr, f_consts, out_tree = _stage(f, (initial_guess,), avals)
    _check_output("f", "initial_guess", out_tree, f_jaxpr.out_avals, tree, avals)
    solve_jaxpr, solve_consts, solve_tree = _stage(lambda x: solve(f, x), (initial_guess,), avals)
    _check_output("solve", "initial_guess", solve_tree, solve_jaxpr.out_avals, tree, avals, has_aux)

    def linearize_and_solve(x, b):
        x_leaves = tree_flatten(x)[0]
        _, linear, residuals, _ = linearize_flat(lambda *xs: tree_flatten(f(tree_unflatten(tree, xs)))[0], x_leaves)
        g = lambda t: tree_unflatten(tree, eval_jaxpr(linear, residuals, tree_flatten(t)[0]))
        return tangent_solve(g, b)

    ls_jaxpr, ls_consts, out_tree = _stage(linearize_and_solve, (initial_guess, initial_guess), avals + avals)
    _check_output("tangent_solve", "x", out_tree, ls_jaxpr.out_avals, tree, avals)
    jaxprs = _RootJaxprs(f_jaxpr, solve_jaxpr, ls_jaxpr)
    outs = _bind(root_p, [f_consts, solve_consts, ls_consts], leaves, jaxprs, 1)
    return _unflatten_solution(tree, solve_tree, outs, has_aux)
