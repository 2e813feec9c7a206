"""What ``checkpoint(policy=...)`` may save, as ``jax.ad_checkpoint``: ``checkpoint_name``
names a value, and the ``checkpoint_policies`` decide from an equation's primitive, operand
types and params whether its results are saved in the forward pass (True) or recomputed
in the backward pass.

>>> import numpy as np, functrans as ft, functrans.numpy as fnp
>>> def layer(w, x):
...     h = checkpoint_name(fnp.tanh(x @ w), "hidden")
...     return fnp.sin(h).sum()
>>> policy = checkpoint_policies.save_only_these_names("hidden")
>>> g = ft.grad(ft.checkpoint(layer, policy=policy))(np.eye(2), np.ones(2))
>>> np.round(g, 4)
array([[0.304, 0.304],
       [0.304, 0.304]])
"""
from __future__ import annotations

import inspect
import types
from typing import Any, Callable

from . import core
from .api import _canonicalize, _flatten_fun
from .autodiff import jvp_rules, linearize_flat
from .batching import vectorized_batcher
from .core import Primitive
from .custom_derivatives import checkpoint, remat
from .ir import ClosedJaxpr, Var
from .lax.dot import dot_general_p
from .lowering import def_elementwise
from .tracing import trace_to_jaxpr
from .tree_util import keystr, tree_flatten, tree_flatten_with_path

# --------------------------------------------------------------------------- checkpoint_name

name_p = Primitive("name")
name_p.def_impl(lambda x, *, name: [x])
name_p.def_abstract_eval(lambda x, *, name: [x])
jvp_rules[name_p] = lambda primals, tangents, *, name: ([name_p.bind(primals[0], name=name)], [tangents[0]])
vectorized_batcher(name_p)
def_elementwise(name_p, "{0}", cheap=True)


def checkpoint_name(x: Any, name: str) -> Any:
    """``x``, named ``name`` for the checkpoint policies (``save_only_these_names``...); the
    name changes no value. Outside a traced program it returns ``x`` itself.

    >>> checkpoint_name(2.0, "two")
    2.0
    """
    if not isinstance(name, str):
        raise TypeError(f"checkpoint_name: name must be a string, got {name!r}")
    if not core.staging() and not isinstance(x, core.Tracer):
        return x
    return name_p.bind(x, name=name)


# --------------------------------------------------------------------------- policies


def everything_saveable(*_: Any, **__: Any) -> bool:
    """Save every intermediate (as without ``checkpoint``)."""
    return True


def nothing_saveable(*_: Any, **__: Any) -> bool:
    """Save nothing but the inputs: recompute everything (``checkpoint``'s default)."""
    return False


def dots_saveable(prim: Primitive, *_: Any, **__: Any) -> bool:
    """Save the results of matrix products (``dot_general``), recompute the rest."""
    return prim is dot_general_p


def dots_with_no_batch_dims_saveable(prim: Primitive, *_: Any, **params: Any) -> bool:
    """Save the results of matrix products without batch dimensions (plain ``x @ w``)."""
    if prim is not dot_general_p:
        return False
    (_, _), (lhs_batch, rhs_batch) = params["dimension_numbers"]
    return not lhs_batch and not rhs_batch


def _is_named(prim: Primitive, params: dict, names: frozenset) -> bool:
    return prim is name_p and params["name"] in names


def save_only_these_names(*names: str) -> Callable[..., bool]:
    """Save only the values named with ``checkpoint_name`` in ``names``."""
    chosen = frozenset(names)
    return lambda prim, *_, **params: _is_named(prim, params, chosen)


def save_any_names_but_these(*names: str) -> Callable[..., bool]:
    """Save every named value except those named in ``names`` (unnamed values are recomputed)."""
    excluded = frozenset(names)
    return lambda prim, *_, **params: prim is name_p and params["name"] not in excluded


def save_anything_except_these_names(*names: str) -> Callable[..., bool]:
    """Save everything except the values named in ``names``."""
    excluded = frozenset(names)
    return lambda prim, *_, **params: not _is_named(prim, params, excluded)


def save_from_both_policies(policy_1: Callable[..., bool], policy_2: Callable[..., bool]) -> Callable[..., bool]:
    """Save what either policy saves."""
    return lambda prim, *avals, **params: bool(policy_1(prim, *avals, **params) or policy_2(prim, *avals, **params))


def save_and_offload_only_these_names(*, names_which_can_be_saved: Any, names_which_can_be_offloaded: Any,
                                      offload_src: str = "device", offload_dst: str = "pinned_host") -> Callable[..., bool]:
    """Save the values named in either list: with one memory there is nowhere to offload to,
    so an offloadable value is simply saved."""
    return save_only_these_names(*names_which_can_be_saved, *names_which_can_be_offloaded)


def offload_dot_with_no_batch_dims(offload_src: str = "device", offload_dst: str = "pinned_host") -> Callable[..., bool]:
    """``dots_with_no_batch_dims_saveable`` (offloading is saving here: one memory)."""
    return dots_with_no_batch_dims_saveable


checkpoint_policies = types.SimpleNamespace(
    everything_saveable=everything_saveable,
    nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    save_only_these_names=save_only_these_names,
    save_any_names_but_these=save_any_names_but_these,
    save_anything_except_these_names=save_anything_except_these_names,
    save_from_both_policies=save_from_both_policies,
    save_and_offload_only_these_names=save_and_offload_only_these_names,
    offload_dot_with_no_batch_dims=offload_dot_with_no_batch_dims,
)

# --------------------------------------------------------------------------- what is saved


def _origin(var: Any, jaxpr: Any, arg_names: list[str]) -> str:
    """Where a value of ``jaxpr`` comes from: an argument, a named value, or a primitive's
    output (looked for inside calls such as ``checkpoint``)."""
    if not isinstance(var, Var):
        return "a constant"
    if var in jaxpr.invars:
        return f"from the argument {arg_names[jaxpr.invars.index(var)]}"
    eqn = next((e for e in jaxpr.eqns if var in e.out_binders), None)
    if eqn is None:
        return "a constant"
    if eqn.primitive is name_p:
        return f"named {eqn.params['name']!r}"
    inner = eqn.params.get("jaxpr")
    if isinstance(inner, ClosedJaxpr):
        out = inner.jaxpr.outvars[eqn.out_binders.index(var)]
        if out in inner.jaxpr.invars:  # passed through the call: where its operand came from
            return _origin(eqn.inputs[inner.jaxpr.invars.index(out)], jaxpr, arg_names)
        return _origin(out, inner.jaxpr, ["an argument of the call"] * len(inner.jaxpr.invars))
    return f"output of {eqn.primitive.name}"


def saved_residuals(f: Callable, *args: Any, **kwargs: Any) -> list[tuple[core.ShapedArray, str]]:
    """The values reverse mode saves from ``f(*args, **kwargs)``'s forward pass for its
    backward pass: each one's type and where it comes from."""
    leaves, in_tree = tree_flatten((args, kwargs))
    leaves = [_canonicalize(x) for x in leaves]
    labelled = [(f"args[{i}]", a) for i, a in enumerate(args)] + sorted(kwargs.items())
    try:
        bound = inspect.signature(f).bind(*args, **kwargs)
        labelled = [(k, v) for k, v in bound.arguments.items()] if not kwargs or set(kwargs) <= set(bound.arguments) else labelled
    except (TypeError, ValueError):
        pass
    names = [label + keystr(path) for label, value in labelled for path, _ in tree_flatten_with_path(value)[0]]
    flat_f = _flatten_fun(lambda a, k: f(*a, **k), in_tree, {})
    closed = trace_to_jaxpr(lambda *flat: linearize_flat(flat_f, list(flat))[2], [core.get_aval(x) for x in leaves])
    names = names if len(names) == len(leaves) else [f"leaf {i}" for i in range(len(leaves))]
    invars = closed.jaxpr.invars
    # The arguments first, in order (as JAX lists them), then the computed values.
    order = sorted(closed.jaxpr.outvars, key=lambda v: invars.index(v) if v in invars else len(invars))
    return [(v.aval if isinstance(v, Var) else core.get_aval(v.val), _origin(v, closed.jaxpr, names)) for v in order]


def print_saved_residuals(f: Callable, *args: Any, **kwargs: Any) -> None:
    """Print what reverse mode saves from ``f``'s forward pass (``saved_residuals``), one line
    per value: its type and where it comes from (source lines are not tracked).

    >>> import numpy as np, functrans as ft, functrans.numpy as fnp
    >>> def f(w, x):
    ...     return fnp.sin(checkpoint_name(fnp.tanh(x @ w), "h")).sum()
    >>> print_saved_residuals(ft.checkpoint(f, policy=checkpoint_policies.save_only_these_names("h")), np.ones((3, 3)), np.ones((2, 3)))
    f64[3,3] from the argument w
    f64[2,3] from the argument x
    f64[2,3] named 'h'
    """
    for aval, origin in saved_residuals(f, *args, **kwargs):
        print(f"{aval.str_short()} {origin}")


__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "print_saved_residuals", "remat"]
