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

import types
from typing import Any, Callable

from . import core
from .autodiff import jvp_rules
from .batching import vectorized_batcher
from .core import Primitive
from .custom_derivatives import checkpoint, remat
from .lax.dot import dot_general_p
from .lowering import def_elementwise

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

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "remat"]
