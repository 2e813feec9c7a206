"""User-defined derivative rules (``custom_jvp``, ``custom_vjp``) and rematerialisation
(``checkpoint``), with JAX's names and semantics.

Design. Each is a primitive whose param ``jaxpr`` is the primal function staged into a
closed jaxpr with no constants: the constants it captured (possibly tracers of enclosing
transformations) are passed as its leading operands, as for ``jit``. So every
interpreter treats the call as one equation: eager evaluation and a backend simply
run (or inline) ``jaxpr``; staging records one equation; the other interpreters use
the rule tables below.

- ``custom_jvp_call`` carries the user's jvp rule as a plain Python function in param
  ``jvp``, called lazily (it usually calls the custom function itself, so it cannot be
  staged when the function is called). Under ``jvp`` the rule replaces the primal
  jaxpr; reverse mode is linearize + transpose, so ``grad`` uses the rule as well (its
  tangent output is linear in the tangents because they are tracers). ``vmap``
  batches the jaxpr and wraps the rule in a ``vmap`` of its own.
- ``custom_vjp_call`` carries ``fwd``: a function running the user's fwd and returning
  the outputs, the residuals and a ``bwd`` function for them. Its jvp rule (reached
  inside ``linearize``) runs ``fwd`` on the primals and emits ``custom_lin``, a linear
  primitive of the residuals and tangents whose transpose calls ``bwd``. A plain
  ``jvp`` ends up evaluating ``custom_lin`` and raises JAX's error: forward mode of a
  custom_vjp function is not defined.
- ``checkpoint`` is a call primitive (``functrans.lax.call``'s generic jvp, transpose
  and batching rules) with its own partial-evaluation rule: the known outputs are
  computed now, but the whole function, forward included, goes to the unknown side with
  only its inputs saved. Transposing that equation re-runs the forward
  (``backward_pass`` evaluates the non-linear equations first), then the linear part.

Differentiable arguments are flattened into operands; ``nondiff_argnums`` arguments stay
Python values, except their traced leaves, which become operands too (never closed
over, so any enclosing transformation sees them) and get no tangent (stop_gradient).
Rules are called lazily, inside the transformation that needs them, so they may close
over values, but not over values traced by a ``vmap`` applied inside the
differentiation (a jvp rule closing over ``w`` in ``grad(vmap(f))``, ``w`` vmapped):
that raises an escaped-tracer error; pass such values as arguments instead.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from . import core, lax
from .api import _canonicalize, _flatten_fun
from .autodiff import (
    JVPTrace, JVPTracer, Zero, backward_pass, instantiate_zeros, is_differentiable, is_undefined, jvp_rules, tangent_aval, transpose_rules,
    zeros_like_aval,
)
from .batching import batch_jaxpr, batching_rules, bdim_at_front, moveaxis, vmap_flat
from .core import Primitive, ShapedArray
from .ir import ClosedJaxpr, Jaxpr, Var, dce_jaxpr, eval_jaxpr
from .lowering import def_inlined_call, def_statement
from .lax.call import _abstract_eval as _call_abstract_eval
from .lax.call import define_call
from .tracing import closure_convert as hoist_consts
from .tracing import partial_eval_rules, trace_to_jaxpr
from .tree_util import PyTreeDef, register_pytree_node_class, tree_flatten, tree_map, tree_unflatten

__all__ = ["custom_jvp", "custom_vjp", "custom_gradient", "closure_convert", "checkpoint", "remat"]

# --------------------------------------------------------------------------- shared helpers


def _fun_name(fun: Callable) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _named(fn: Callable, name: str) -> Callable:
    """Name a rule stored in params: jaxprs print it by name (functions hash by identity)."""
    fn.__name__ = fn.__qualname__ = name
    return fn


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict, kind: str) -> tuple:
    """Keyword arguments and defaults bound to their positions, so rules see only positional ones."""
    try:
        signature = inspect.signature(fun)
    except ValueError:  # no signature (a builtin): only positional arguments can be resolved
        return args
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"the arguments to the {kind} function {_fun_name(fun)} could not be resolved to positions: {e}") from e
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{kind} function {_fun_name(fun)}: keyword-only arguments are not supported ({sorted(bound.kwargs)})")
    return bound.args


class _ArgLayout(NamedTuple):
    """Where a call's positional arguments go, without their traced values.

    ``nondiff_argnums`` arguments are kept as given (``nondiff_static``), except for
    their traced leaves, which are operands; the other arguments are flattened into
    differentiable operands.
    """

    nondiff_argnums: tuple[int, ...]
    num_args: int
    nondiff_tree: PyTreeDef
    nondiff_static: list  # leaves of the non-differentiable arguments, None where traced
    nondiff_traced: list[bool]
    diff_tree: PyTreeDef  # of the tuple of differentiable arguments

    def nondiff(self, traced: Sequence) -> tuple:
        """The non-differentiable arguments, in ``nondiff_argnums`` order, with ``traced`` put back."""
        it = iter(traced)
        return tree_unflatten(self.nondiff_tree, [next(it) if t else x for x, t in zip(self.nondiff_static, self.nondiff_traced)])

    def diff(self, leaves: Sequence) -> tuple:
        return tree_unflatten(self.diff_tree, list(leaves))

    def merge(self, nondiff_traced: Sequence, diff_args: tuple) -> tuple:
        """All positional arguments, in order."""
        nondiff = dict(zip(self.nondiff_argnums, self.nondiff(nondiff_traced)))
        diff = iter(diff_args)
        return tuple(nondiff[i] if i in nondiff else next(diff) for i in range(self.num_args))


def _split_args(args: tuple, nondiff_argnums: tuple[int, ...], name: str) -> tuple[_ArgLayout, list, list]:
    """The layout of a call's arguments and its operands: the traced leaves of the
    non-differentiable arguments, and the leaves of the differentiable ones."""
    for i in nondiff_argnums:
        if not -len(args) <= i < len(args):
            raise ValueError(f"{name}: nondiff_argnums {nondiff_argnums} out of range for a call with {len(args)} arguments")
    nums = tuple(i % len(args) for i in nondiff_argnums)
    nondiff_leaves, nondiff_tree = tree_flatten(tuple(args[i] for i in nums))
    diff_leaves, diff_tree = tree_flatten(tuple(a for i, a in enumerate(args) if i not in nums))
    traced = [isinstance(x, core.Tracer) for x in nondiff_leaves]
    static = [None if t else x for x, t in zip(nondiff_leaves, traced)]
    layout = _ArgLayout(nums, len(args), nondiff_tree, static, traced, diff_tree)
    return layout, [x for x, t in zip(nondiff_leaves, traced) if t], [_canonicalize(x) for x in diff_leaves]


def _stage_primal(fun: Callable, layout: _ArgLayout, nondiff_traced: list, diff_leaves: list):
    """``fun`` as a closed jaxpr of (nondiff_traced, diff_leaves) with its constants split
    off; returns the jaxpr, the constants and the output structure."""
    leaves, in_tree = tree_flatten((nondiff_traced, layout.diff(diff_leaves)))
    store: dict = {}
    flat = _flatten_fun(lambda nd, diff: fun(*layout.merge(nd, diff)), in_tree, store)
    closed, consts = hoist_consts(trace_to_jaxpr(flat, [core.get_aval(x) for x in leaves]))
    return closed, consts, store["out_tree"]


def _conform(x: Any, aval: ShapedArray, where: str, tangent: bool = False) -> Any:
    """``x`` checked against the value it stands for (a weakly typed value takes its
    dtype). Tangents of non-differentiable values are only checked for shape."""
    if not core.is_valid_value(x):
        raise TypeError(f"{where} is {x!r} of type {type(x).__name__}, not an array")
    x_aval = core.get_aval(x)
    if x_aval.shape != aval.shape:
        raise ValueError(f"{where} has shape {x_aval.shape}, but it stands for a value of shape {aval.shape} ({aval.str_short()})")
    if tangent and not is_differentiable(aval):
        return x
    if x_aval.dtype != aval.dtype and not x_aval.weak_type:
        raise TypeError(f"{where} has dtype {x_aval.dtype}, but it stands for a value of dtype {aval.dtype} ({aval.str_short()})")
    if x_aval.dtype != aval.dtype:
        x = lax.convert_element_type(x, aval.dtype)
    # Python and NumPy scalars (eager arithmetic on 0-d arrays makes them) become arrays.
    return x if isinstance(x, (core.Tracer, np.ndarray)) else np.asarray(x, aval.dtype)


def _conform_tree(tree: Any, expected_tree: PyTreeDef, avals: Sequence[ShapedArray], where: str, tangent: bool = False) -> list:
    leaves, got_tree = tree_flatten(tree)
    if got_tree != expected_tree:
        raise TypeError(f"{where} has structure {got_tree}, but it must have the structure {expected_tree}")
    return [_conform(x, a, f"{where} leaf {i}", tangent) for i, (x, a) in enumerate(zip(leaves, avals))]


def _pair(out: Any, where: str) -> tuple[Any, Any]:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{where} must return a pair (tuple or list of length two), got {out!r}")
    return out[0], out[1]


def _check_closure_not_differentiated(const_tangents: Sequence[Any], kind: str, name: str) -> None:
    if any(type(t) is not Zero for t in const_tangents):
        raise TypeError(
            f"Detected differentiation of the {kind} function {name} with respect to a closed-over value. That "
            f"isn't supported because the custom rule only specifies how to differentiate {name} with respect to "
            "its explicit arguments. Pass the closed-over value to the function as an argument and adapt the rule."
        )


def _operands_at_front(vals: Sequence[Any], dims: Sequence[int | None]) -> tuple[list, list[bool]]:
    return [moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)], [d is not None for d in dims]


def _vmap_at_front(fn: Callable[..., list], size: int, vals: Sequence[Any], in_batched: Sequence[bool]) -> list:
    """``fn`` (flat arguments, list of results) vmapped over axis 0 of the batched
    ``vals``; every result has its batch axis at 0 (broadcast if ``fn`` left it unmapped)."""
    outs, dims = vmap_flat(fn, size, list(vals), [0 if b else None for b in in_batched])
    return [bdim_at_front(x, d, size) for x, d in zip(outs, dims)]


def _batched_jaxpr(jaxpr: ClosedJaxpr, size: int, in_batched: list[bool]) -> tuple[ClosedJaxpr, list]:
    """The primal jaxpr batched with every output at axis 0 (as the batched rules give
    them), closure-converted: returns it and its new leading constants."""
    batched, _ = batch_jaxpr(jaxpr, size, in_batched, instantiate=True)
    return hoist_consts(batched)


def _eval_primal(*args: Any, jaxpr: ClosedJaxpr, **params: Any) -> list:
    return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, args)


# --------------------------------------------------------------------------- custom_jvp


class custom_jvp:
    """A function with a custom forward-mode derivative rule, also used by reverse mode.

    >>> from functrans import grad, nn, numpy as fnp
    >>> @custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * nn.sigmoid(x)
    >>> grad(log1pexp)(1000.0)
    array(1.)

    ``nondiff_argnums`` arguments (functions, sizes, flags) are passed to the rule first:
    ``rule(*nondiff_args, primals, tangents)``; they get no derivative. Zero tangents
    reach the rule as arrays of zeros. The rule's tangent output must be linear in the
    tangents (for ``grad``).
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)``;
        returns it, so it can be used as a decorator."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """Set the rule as one term per argument: ``jvps[i](t_i, primal_out, *primals)`` is
        the output tangent due to argument ``i`` (``None``: no dependence); terms add.

        >>> import functrans as ft, functrans.numpy as fnp
        >>> f = ft.custom_jvp(lambda x, y: fnp.sin(x) * y)
        >>> f.defjvps(lambda t, ans, x, y: fnp.cos(x) * y * t, lambda t, ans, x, y: fnp.sin(x) * t)
        >>> ft.grad(f)(0.0, 2.0)
        array(2.)
        """
        if self.nondiff_argnums:
            raise TypeError("Can't use defjvps with nondiff_argnums; use defjvp")

        def jvp(primals, tangents):
            primal_out = self(*primals)
            terms = [rule(t, primal_out, *primals) for rule, t in zip(jvps, tangents) if rule is not None]
            if not terms:
                return primal_out, tree_map(lambda x: lax.full_like(x, 0), primal_out)
            return primal_out, tree_map(_sum_of_terms, primal_out, *terms)

        self.defjvp(_named(jvp, f"defjvps({self.__name__})"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
        args = _resolve_kwargs(self.fun, args, kwargs, "custom_jvp")
        if not core.transforming():
            return self.fun(*args)  # concrete values: the Python body runs as written, as in JAX
        layout, nondiff_traced, diff_leaves = _split_args(args, self.nondiff_argnums, f"custom_jvp function {name}")
        top = core.find_top_trace([*nondiff_traced, *diff_leaves])
        if isinstance(top, JVPTrace):
            differentiated = [top.full_raise(x) for x in diff_leaves]
            if any(type(t.tangent) is not Zero for t in differentiated):
                return self._jvp_rule_only(top, layout, nondiff_traced, differentiated)
        jaxpr, consts, out_tree = _stage_primal(self.fun, layout, nondiff_traced, diff_leaves)
        rule = _flat_jvp_rule(self.jvp, layout, out_tree, jaxpr.out_avals, name)
        outs = custom_jvp_call_p.bind(
            *consts, *nondiff_traced, *diff_leaves,
            jaxpr=jaxpr, name=name, jvp=rule, num_consts=len(consts), num_nondiff=len(nondiff_traced),
        )
        return tree_unflatten(out_tree, outs)

    def _jvp_rule_only(self, trace: JVPTrace, layout: _ArgLayout, nondiff_traced: list, differentiated: list) -> Any:
        # Differentiated directly (the innermost transformation is jvp, as under grad): as in JAX,
        # only the rule runs, on the primals and tangents one level down; the primal function is
        # never traced, so it may do what the rule alone makes differentiable.
        nondiff = [x.primal if isinstance(x, JVPTracer) and x._trace.main is trace.main else x for x in nondiff_traced]
        rule = _flat_jvp_rule(self.jvp, layout, None, None, self.__name__)
        primals_out, tangents_out = rule(
            nondiff, [t.primal for t in differentiated], [instantiate_zeros(t.tangent) for t in differentiated])
        if any(isinstance(x, JVPTracer) and x._trace.main is trace.main for x in [*primals_out, *tangents_out]):
            _check_closure_not_differentiated([None], "custom_jvp", self.__name__)  # it closed over a tracer of this jvp
        return tree_unflatten(rule.out_tree, [JVPTracer(trace, x, t) for x, t in zip(primals_out, tangents_out)])


def _sum_of_terms(primal: Any, *terms: Any) -> Any:
    """The tangent of ``primal`` from ``defjvps`` terms, each taken to the tangent's dtype and
    shape first (a term may be a Python scalar, or computed in another precision)."""
    aval = tangent_aval(core.get_aval(primal))

    def like_tangent(t):
        t = lax.convert_element_type(np.asarray(t) if type(t) in core._PY_SCALARS else t, aval.dtype)
        return lax.broadcast_in_dim(t, aval.shape, ()) if core.get_aval(t).shape != aval.shape else t

    return functools.reduce(lax.add, map(like_tangent, terms))


def _flat_jvp_rule(user_jvp: Callable, layout: _ArgLayout, out_tree: PyTreeDef | None, out_avals: list | None,
                   name: str) -> Callable:
    """The user's rule on flat lists: ``rule(nondiff_traced, primals, tangents) ->
    (primals_out, tangents_out)``, its outputs checked against the primal function's, or,
    with ``out_tree`` None, the tangents against the rule's own primal outputs (whose
    structure the rule then records as ``rule.out_tree``)."""
    where = f"Custom JVP rule {_fun_name(user_jvp)} for function {name}"

    def rule(nondiff_traced, primals, tangents):
        out = user_jvp(*layout.nondiff(nondiff_traced), layout.diff(primals), layout.diff(tangents))
        primal_out, tangent_out = _pair(out, where)
        if out_tree is None:
            leaves, rule.out_tree = tree_flatten(primal_out)
            primals_out = [_conform(x, core.get_aval(x), f"{where}: the primal output leaf {i}") for i, x in enumerate(leaves)]
            avals = [core.get_aval(x) for x in primals_out]
        else:
            primals_out, avals = _conform_tree(primal_out, out_tree, out_avals, f"{where}: the primal output"), out_avals
        tangent_avals = [tangent_aval(a) for a in avals]
        tangents_out = _conform_tree(tangent_out, rule.out_tree if out_tree is None else out_tree, tangent_avals,
                                     f"{where}: the tangent output", tangent=True)
        return primals_out, tangents_out

    return _named(rule, _fun_name(user_jvp))


custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.def_impl(_eval_primal)
custom_jvp_call_p.def_abstract_eval(_call_abstract_eval)


def _custom_jvp_call_jvp(primals, tangents, *, jaxpr, name, jvp, num_consts, num_nondiff):
    _check_closure_not_differentiated(tangents[:num_consts], "custom_jvp", name)
    start = num_consts + num_nondiff
    return jvp(primals[num_consts:start], primals[start:], [instantiate_zeros(t) for t in tangents[start:]])


def _transpose_primal_jaxpr(cts, *invals, jaxpr, **params):
    # Reached when the function is applied to tangents (inside another rule), where it is linear.
    cts_in = iter(backward_pass(jaxpr.jaxpr, jaxpr.consts, invals, cts))
    return [next(cts_in) if is_undefined(x) else None for x in invals]


def _custom_call_batch_rule(prim: Any, rule_param: str, batch_user_rule: Callable) -> Callable:
    """The batching rule of a custom-derivative call: its jaxpr batched at axis 0, and the
    user's rule (``jvp`` or ``fwd``, the parameter ``rule_param``) wrapped by ``batch_user_rule``."""

    def rule(size, vals, dims, *, jaxpr, name, num_consts, num_nondiff, **params):
        vals, in_batched = _operands_at_front(vals, dims)
        batched, consts = _batched_jaxpr(jaxpr, size, in_batched)
        user_rule = batch_user_rule(params[rule_param], size, in_batched[num_consts:], num_nondiff)
        outs = prim.bind(
            *consts, *vals, jaxpr=batched, name=name, num_consts=len(consts) + num_consts, num_nondiff=num_nondiff,
            **{rule_param: user_rule},
        )
        return outs, [0] * len(outs)

    return rule


def _batched_jvp_rule(rule: Callable, size: int, in_batched: list[bool], num_nondiff: int) -> Callable:
    """``rule`` for operands batched at axis 0 where ``in_batched``; a tangent is batched
    as its primal. All outputs come back batched at axis 0."""
    primal_batched = in_batched[num_nondiff:]

    def batched(nondiff_traced, primals, tangents):
        n, m = len(nondiff_traced), len(primals)

        def flat(*xs):
            outs, tangents_out = rule(xs[:n], xs[n : n + m], xs[n + m :])
            return [*outs, *tangents_out]

        outs = _vmap_at_front(flat, size, [*nondiff_traced, *primals, *tangents], [*in_batched, *primal_batched])
        return outs[: len(outs) // 2], outs[len(outs) // 2 :]

    return _named(batched, f"vmap({rule.__name__})")


jvp_rules[custom_jvp_call_p] = _custom_jvp_call_jvp
transpose_rules[custom_jvp_call_p] = _transpose_primal_jaxpr
batching_rules[custom_jvp_call_p] = _custom_call_batch_rule(custom_jvp_call_p, "jvp", _batched_jvp_rule)


# --------------------------------------------------------------------------- custom_vjp


class custom_vjp:
    """A function with a custom reverse-mode derivative rule.

    >>> from functrans import grad, numpy as fnp
    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (fnp.clip(g, -1.0, 1.0),))
    >>> grad(lambda x: 5.0 * clip_gradient(x))(2.0)
    array(1.)

    ``fwd(*args) -> (out, residuals)`` (residuals: any pytree of arrays);
    ``bwd(*nondiff_args, residuals, ct_out) -> tuple`` with one cotangent per
    differentiable argument, of its structure and shapes (``None``: zero). Forward mode
    (``jvp``, ``jacfwd``, ``hessian``) is not defined for such a function and raises.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the forward pass ``fwd(*args) -> (out, residuals)`` and the backward pass
        ``bwd(*nondiff_args, residuals, ct_out) -> cotangents of the differentiable args``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        args = _resolve_kwargs(self.fun, args, kwargs, "custom_vjp")
        if not core.transforming():
            return self.fun(*args)  # concrete values: the Python body runs as written, as in JAX
        layout, nondiff_traced, diff_leaves = _split_args(args, self.nondiff_argnums, f"custom_vjp function {name}")
        jaxpr, consts, out_tree = _stage_primal(self.fun, layout, nondiff_traced, diff_leaves)
        in_avals = [core.get_aval(x) for x in diff_leaves]
        fwd = _flat_fwd(self.fwd, self.bwd, layout, out_tree, jaxpr.out_avals, in_avals, name)
        outs = custom_vjp_call_p.bind(
            *consts, *nondiff_traced, *diff_leaves,
            jaxpr=jaxpr, name=name, fwd=fwd, num_consts=len(consts), num_nondiff=len(nondiff_traced),
        )
        return tree_unflatten(out_tree, outs)


def _flat_fwd(user_fwd, user_bwd, layout: _ArgLayout, out_tree: PyTreeDef, out_avals: list, in_avals: list, name: str) -> Callable:
    """The user's fwd on flat lists: ``fwd(nondiff_traced, primals) -> (primals_out,
    residuals, bwd)``. The residuals include ``nondiff_traced`` (bwd needs them and may
    run in another trace, so it must get every value as an operand)."""
    where = f"Custom VJP fwd rule {_fun_name(user_fwd)} for function {name}"

    def fwd(nondiff_traced, primals):
        out, res = _pair(user_fwd(*layout.merge(nondiff_traced, layout.diff(primals))), where)
        primals_out = _conform_tree(out, out_tree, out_avals, f"{where}: the primal output")
        res_leaves, res_tree = tree_flatten(res)
        for i, r in enumerate(res_leaves):
            if not core.is_valid_value(r):
                raise TypeError(f"{where}: residual leaf {i} is {r!r} of type {type(r).__name__}; residuals must be arrays")
        bwd = _flat_bwd(user_bwd, layout, res_tree, len(nondiff_traced), out_tree, in_avals, name)
        return primals_out, [*nondiff_traced, *res_leaves], bwd

    return _named(fwd, _fun_name(user_fwd))


def _flat_bwd(user_bwd, layout: _ArgLayout, res_tree: PyTreeDef, num_nondiff: int, out_tree: PyTreeDef, in_avals: list, name: str) -> Callable:
    """The user's bwd on flat lists: ``bwd(residuals, cts_out) -> cts_in``, one cotangent
    per differentiable leaf (zeros where the rule gave ``None``)."""
    where = f"Custom VJP bwd rule {_fun_name(user_bwd)} for function {name}"

    def bwd(residuals, cts_out):
        nondiff = layout.nondiff(residuals[:num_nondiff])
        cts = user_bwd(*nondiff, tree_unflatten(res_tree, list(residuals[num_nondiff:])), tree_unflatten(out_tree, list(cts_out)))
        leaves = _cotangent_leaves(cts, layout.diff_tree, where)
        return [
            zeros_like_aval(tangent_aval(a)) if ct is None else _conform(ct, tangent_aval(a), f"{where}: cotangent leaf {i}", tangent=True)
            for i, (ct, a) in enumerate(zip(leaves, in_avals))
        ]

    return _named(bwd, _fun_name(user_bwd))


def _cotangent_leaves(cts: Any, args_tree: PyTreeDef, where: str) -> list:
    """One entry per leaf of the differentiable arguments (``None`` where none was given)."""
    arg_trees = args_tree.children()
    if isinstance(cts, list):
        cts = tuple(cts)
    if not isinstance(cts, tuple) or len(cts) != len(arg_trees):
        raise TypeError(
            f"{where} must return a tuple with one cotangent per differentiable argument ({len(arg_trees)}), "
            f"of structure {args_tree}, but it returned {tree_flatten(cts, is_leaf=lambda x: x is None)[1]}"
        )
    leaves = []
    for i, (ct, tree) in enumerate(zip(cts, arg_trees)):
        if ct is None:
            leaves.extend([None] * tree.num_leaves)
            continue
        try:
            leaves.extend(tree.flatten_up_to(ct))
        except ValueError as e:
            raise TypeError(f"{where}: the cotangent of argument {i} does not have the argument's structure {tree}: {e}") from None
    return leaves


custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True)
custom_vjp_call_p.def_impl(_eval_primal)
custom_vjp_call_p.def_abstract_eval(_call_abstract_eval)


def _custom_vjp_call_jvp(primals, tangents, *, jaxpr, name, fwd, num_consts, num_nondiff):
    _check_closure_not_differentiated(tangents[:num_consts], "custom_vjp", name)
    start = num_consts + num_nondiff
    outs, residuals, bwd = fwd(primals[num_consts:start], primals[start:])
    out_avals = tuple(tangent_aval(core.get_aval(x)) for x in outs)
    diff_tangents = tangents[start:]
    nonzero = tuple(type(t) is not Zero for t in diff_tangents)
    if not any(nonzero):
        return outs, [Zero(a) for a in out_avals]
    tangents_out = custom_lin_p.bind(
        *residuals, *[t for t in diff_tangents if type(t) is not Zero],
        name=name, num_res=len(residuals), bwd=bwd, nonzero=nonzero, out_avals=out_avals,
    )
    return outs, tangents_out


def _batched_fwd_rule(fwd: Callable, size: int, in_batched: list[bool], num_nondiff: int) -> Callable:
    """``fwd`` for operands batched at axis 0 where ``in_batched``: outputs and residuals
    batched at axis 0, and a bwd batched to match."""

    def batched(nondiff_traced, primals):
        made: dict = {}

        def flat(*xs):
            outs, residuals, made["bwd"] = fwd(xs[:num_nondiff], xs[num_nondiff:])
            made["num_out"] = len(outs)
            return [*outs, *residuals]

        vals = _vmap_at_front(flat, size, [*nondiff_traced, *primals], in_batched)
        n = made["num_out"]
        return vals[:n], vals[n:], _batched_bwd_rule(made["bwd"], size, in_batched[num_nondiff:])

    return _named(batched, f"vmap({fwd.__name__})")


def _batched_bwd_rule(bwd: Callable, size: int, primal_batched: list[bool]) -> Callable:
    def batched(residuals, cts_out):
        r = len(residuals)
        flat = lambda *xs: bwd(xs[:r], xs[r:])
        cts_in = _vmap_at_front(flat, size, [*residuals, *cts_out], [True] * (r + len(cts_out)))
        # An unbatched argument was used by every example: its cotangent is their sum.
        return [ct if b else lax.reduce_sum(ct, (0,)) for ct, b in zip(cts_in, primal_batched)]

    return _named(batched, f"vmap({bwd.__name__})")


jvp_rules[custom_vjp_call_p] = _custom_vjp_call_jvp
batching_rules[custom_vjp_call_p] = _custom_call_batch_rule(custom_vjp_call_p, "fwd", _batched_fwd_rule)


# custom_lin: the tangent outputs of a custom_vjp function inside linearize; linear in
# its operands after the residuals, transposed by the user's bwd.
custom_lin_p = Primitive("custom_lin", multiple_results=True)


@custom_lin_p.def_abstract_eval
def _custom_lin_abstract_eval(*avals, out_avals, **params):
    return list(out_avals)


def _custom_lin_forward_mode(*args, name, **params):
    # Evaluating (or batching, or differentiating) custom_lin means pushing tangents
    # forward: reverse mode only transposes it.
    raise TypeError(
        f"can't apply forward-mode autodiff (jvp) to a custom_vjp function ({name}); "
        "use reverse mode (grad, vjp, jacrev), or define the function with custom_jvp"
    )


def _custom_lin_transpose(cts, *invals, name, num_res, bwd, nonzero, out_avals):
    cts_in = bwd(list(invals[:num_res]), [instantiate_zeros(ct) for ct in cts])
    return [None] * num_res + [ct for ct, nz in zip(cts_in, nonzero) if nz]


custom_lin_p.def_impl(_custom_lin_forward_mode)
jvp_rules[custom_lin_p] = _custom_lin_forward_mode
batching_rules[custom_lin_p] = _custom_lin_forward_mode
transpose_rules[custom_lin_p] = _custom_lin_transpose
# Compiling it is evaluating it: the same error, raised while the program is generated.
def_statement(custom_lin_p, fresh=True)(lambda em, eqn, args, outs: _custom_lin_forward_mode(**eqn.params))


# --------------------------------------------------------------------------- custom_gradient


@register_pytree_node_class
class _GradientRule:
    """A ``custom_gradient`` rule staged into a jaxpr: its array leaves are the values it
    closed over (``custom_vjp``'s residuals), so the backward pass may run in another trace."""

    def __init__(self, jaxpr: ClosedJaxpr, in_tree: PyTreeDef, out_tree: PyTreeDef, consts: list):
        self.jaxpr, self.in_tree, self.out_tree, self.consts = jaxpr, in_tree, out_tree, consts

    def tree_flatten(self) -> tuple[list, tuple]:
        return self.consts, (self.jaxpr, self.in_tree, self.out_tree)

    @classmethod
    def tree_unflatten(cls, aux: tuple, consts: list) -> "_GradientRule":
        return cls(*aux, list(consts))


def custom_gradient(fun: Callable) -> Callable:
    """A function with a custom gradient, as TensorFlow's ``tf.custom_gradient``: ``fun(*args)``
    returns ``(output, vjp)``, where ``vjp(cotangent)`` gives the tuple of the arguments'
    cotangents and may use the forward pass's values (it is traced, so no Python control
    flow on them). Reverse mode only, as ``custom_vjp``.

    >>> from functrans import grad
    >>> @custom_gradient
    ... def f(x, y):
    ...     return x * y, lambda g: (g * y, 10.0 * g * x)
    >>> grad(f, (0, 1))(3.0, 4.0)
    (array(4.), array(30.))
    """

    @functools.wraps(fun)
    def primal(*args):
        return fun(*args)[0]

    def fwd(*args):
        out, rule = _pair(fun(*args), f"custom_gradient function {_fun_name(fun)}")
        out_leaves, out_tree = tree_flatten(out)
        store: dict = {}

        def flat_rule(*cts):
            cts_in, store["in_tree"] = tree_flatten(rule(tree_unflatten(out_tree, list(cts))))
            return cts_in

        closed = trace_to_jaxpr(flat_rule, [tangent_aval(core.get_aval(_canonicalize(x))) for x in out_leaves])
        closed, consts = hoist_consts(closed)
        return out, _GradientRule(closed, store["in_tree"], out_tree, consts)

    def bwd(res, ct):
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != res.out_tree:
            raise TypeError(f"custom_gradient: cotangent structure {ct_tree} differs from the output's {res.out_tree}")
        cts_in = tree_unflatten(res.in_tree, eval_jaxpr(res.jaxpr.jaxpr, [], [*res.consts, *ct_leaves]))
        return cts_in if isinstance(cts_in, (tuple, list)) else (cts_in,)

    wrapped = custom_vjp(primal)
    wrapped.defvjp(fwd, bwd)
    return wrapped


# --------------------------------------------------------------------------- closure_convert


def closure_convert(fun: Callable, *example_args: Any) -> tuple[Callable, list]:
    """``fun`` with the traced values it closes over (those a transformation may differentiate)
    turned into trailing arguments, and those values: ``converted(*args, *consts)`` is
    ``fun(*args)``. For passing closures through ``custom_vjp``'s ``nondiff_argnums``.

    >>> from functrans import grad
    >>> def outer(w):
    ...     f, consts = closure_convert(lambda x: x * w, 1.0)
    ...     return f(2.0, *consts), len(consts)
    >>> outer(3.0)
    (array(6.), 0)
    >>> grad(lambda w: outer(w)[0])(3.0)
    array(2.)
    """
    leaves, in_tree = tree_flatten(example_args)
    store: dict = {}
    closed = trace_to_jaxpr(_flatten_fun(fun, in_tree, store), [core.get_aval(_canonicalize(x)) for x in leaves])
    jaxpr, consts = closed.jaxpr, list(closed.consts)
    traced = [isinstance(c, core.Tracer) for c in consts]
    hoisted = [c for c, t in zip(consts, traced) if t]

    def converted(*args_and_consts):
        n = len(args_and_consts) - len(hoisted)
        args, extra = args_and_consts[:n], iter(args_and_consts[n:])
        flat, tree = tree_flatten(tuple(args))
        if tree != in_tree:
            raise TypeError("The inputs to the closure produced by closure_convert must have the same Pytree structure as "
                            f"the example arguments passed when closure_convert was called. Expected {in_tree}, but got {tree}")
        all_consts = [next(extra) if t else c for c, t in zip(consts, traced)]
        return tree_unflatten(store["out_tree"], eval_jaxpr(jaxpr, all_consts, [_canonicalize(x) for x in flat]))

    return converted, hoisted


# --------------------------------------------------------------------------- checkpoint


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None, static_argnums: int | Sequence[int] = (),
               static_argnames: str | Sequence[str] = ()) -> Callable:
    """``fun``, recomputed in the backward pass instead of saving its intermediates:
    reverse mode saves only its inputs (alias ``remat``).

    >>> import functrans as ft, functrans.numpy as fnp
    >>> bool(np.isclose(ft.grad(checkpoint(lambda x: fnp.sin(fnp.sin(x))))(0.5), np.cos(np.sin(0.5)) * np.cos(0.5)))
    True

    ``policy(primitive, *avals, **params) -> bool`` (``functrans.checkpoint_policies``) says
    which intermediates may be saved after all: the results of the equations it accepts
    (matrix products, values named with ``ad_checkpoint.checkpoint_name``...) are saved in
    the forward pass and the rest is recomputed from them. ``prevent_cse`` is kept as a
    param of the equation for backends (recomputation is only useful if they do not merge
    it with the forward pass).
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    static_names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)

    def remat_fun(*args, **kwargs):
        nums = tuple(i % len(args) for i in static)
        dyn = tuple(a for i, a in enumerate(args) if i not in nums)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in static_names}

        def with_static(dyn_args, kw):
            it = iter(dyn_args)
            all_kwargs = dict(kw, **{k: v for k, v in kwargs.items() if k in static_names})
            return fun(*[args[i] if i in nums else next(it) for i in range(len(args))], **all_kwargs)

        leaves, in_tree = tree_flatten((dyn, dyn_kwargs))
        leaves = [_canonicalize(x) for x in leaves]
        store: dict = {}
        closed = trace_to_jaxpr(_flatten_fun(with_static, in_tree, store), [core.get_aval(x) for x in leaves])
        closed, consts = hoist_consts(closed)
        outs = checkpoint_p.bind(*consts, *leaves, jaxpr=closed, name=_fun_name(fun), prevent_cse=prevent_cse, policy=policy)
        return tree_unflatten(store["out_tree"], outs)

    functools.update_wrapper(remat_fun, fun, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=())
    return remat_fun


remat = checkpoint

checkpoint_p = Primitive("checkpoint", multiple_results=True)
define_call(checkpoint_p, _eval_primal)


def _saveable(eqn: Any, policy: Callable | None) -> bool:
    return policy is not None and bool(policy(eqn.primitive, *[x.aval for x in eqn.inputs], **eqn.params))


def _split_by_policy(closed: ClosedJaxpr, unknowns: Sequence[bool], policy: Callable | None):
    """Split ``closed`` for partial evaluation as ``policy`` says: ``known`` (the known inputs ->
    the known outputs, then the saved values) and ``recompute`` (the saved values, then every
    input -> the unknown outputs), which recomputes all it needs that is not saved."""
    jaxpr = closed.jaxpr
    unknown_vars = {v for v, uk in zip(jaxpr.invars, unknowns) if uk}
    saved: list[Var] = []
    for eqn in jaxpr.eqns:
        if any(isinstance(x, Var) and x in unknown_vars for x in eqn.inputs):
            unknown_vars.update(eqn.out_binders)
        elif _saveable(eqn, policy):
            saved.extend(eqn.out_binders)
    out_unknowns = [isinstance(x, Var) and x in unknown_vars for x in jaxpr.outvars]
    producers = set(saved)
    eqns = [e for e in jaxpr.eqns if not any(v in producers for v in e.out_binders)]
    outvars = [x for x, uk in zip(jaxpr.outvars, out_unknowns) if uk]
    recompute, _ = dce_jaxpr(Jaxpr([], list(saved) + jaxpr.invars, eqns, outvars), [])
    read = {x for e in recompute.eqns for x in e.inputs if isinstance(x, Var)} | {x for x in recompute.outvars if isinstance(x, Var)}
    saved = [v for v in saved if v in read]  # those the recomputation reads
    recompute, _ = dce_jaxpr(Jaxpr([], saved + jaxpr.invars, eqns, outvars), [])
    known_invars = [v for v, uk in zip(jaxpr.invars, unknowns) if not uk]
    known_outs = [x for x, uk in zip(jaxpr.outvars, out_unknowns) if not uk]
    known, consts = dce_jaxpr(Jaxpr([], known_invars, jaxpr.eqns, known_outs + saved), [])
    return ClosedJaxpr(known, consts), ClosedJaxpr(recompute, []), out_unknowns


def _checkpoint_partial_eval(trace, tracers, *, jaxpr, name, prevent_cse, policy):
    """Known outputs (and the values ``policy`` saves) now; the unknown ones by the whole
    function, recomputed from its inputs and the saved values."""
    unknowns = [not t.pval.is_known for t in tracers]
    known, recompute, out_unknowns = _split_by_policy(jaxpr, unknowns, policy)
    params = dict(name=name, prevent_cse=prevent_cse, policy=policy)
    known_outs = checkpoint_p.bind(*[t.pval.const for t in tracers if t.pval.is_known], jaxpr=known, **params)
    n_known = len(known_outs) - (len(recompute.in_avals) - len(tracers))
    saved = [trace.instantiate_const(trace.pure(r)) for r in known_outs[n_known:]]
    unknown_avals = [a for a, uk in zip(jaxpr.out_avals, out_unknowns) if uk]
    unknown_outs = trace.record(checkpoint_p, saved + list(tracers), dict(params, jaxpr=recompute), unknown_avals)
    known_iter, unknown_iter = iter(known_outs[:n_known]), iter(unknown_outs)
    return [next(unknown_iter) if uk else next(known_iter) for uk in out_unknowns]


partial_eval_rules[checkpoint_p] = _checkpoint_partial_eval

# Compiled code runs the primal jaxpr of each in place (checkpoint_p: by define_call).
def_inlined_call(custom_jvp_call_p)
def_inlined_call(custom_vjp_call_p)
