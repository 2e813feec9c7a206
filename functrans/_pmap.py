"""pmap: one device per process, as JAX's CPU backend; the mapped axis spans the processes.

Each process passes its local shard, whose mapped axis has the local device count (1); the
function runs compiled on that shard with ``axis_name`` bound to the axis of all processes,
so its collectives run across them (``functrans.distributed``).

Under a transformation (grad, vmap or jit of a pmapped function) the shard's function is the
``pmap`` call primitive: the generic call rules (``lax.call``) transform its jaxpr, each inside
the axis's binding, so the collectives they write (a psum's transpose is a psum) see the axis.
An unmapped argument enters through ``replicated``, whose transpose sums its cotangent over the
axis, as JAX sums the cotangent of a broadcast argument over the devices.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import core, distributed
from .api import _canonicalize, _flatten_fun, _prefix_leaves, _wrap
from .autodiff import deflinear, jvp_rules, transpose_rules
from .batching import batching_rules, extend_axis_env, vectorized_batcher
from .dispatch import jit
from .lax import shape as _shape
from .lax.call import _abstract_eval, _rebind, call_batch, call_jvp, call_partial_eval, call_transpose, jit_p
from .lax.parallel import psum
from .lax.slicing import index_in_dim
from .lowering import def_elementwise, def_inlined_call
from .tracing import partial_eval_rules, trace_to_jaxpr
from .tree_util import tree_flatten, tree_unflatten

LOCAL_DEVICE_COUNT = 1


# --------------------------------------------------------------------------- replicated


replicated_p = core.Primitive("replicated")
replicated_p.def_impl(lambda x, *, axis_name: [x])
replicated_p.def_abstract_eval(lambda x, *, axis_name: [x])
deflinear(replicated_p, lambda ct, x, *, axis_name: [psum(ct, axis_name)])
vectorized_batcher(replicated_p)
def_elementwise(replicated_p, "{0}", cheap=True)


# --------------------------------------------------------------------------- the pmap primitive


def _within_axis(rule: Callable) -> Callable:
    """``rule`` run with the primitive's axis bound, as its body is when it runs."""

    def within(*args: Any, axis_name: Any, axis_size: int, **params: Any) -> Any:
        with extend_axis_env(axis_name, axis_size, None):
            return rule(*args, axis_name=axis_name, axis_size=axis_size, **params)

    return within


pmap_p = core.Primitive("pmap", multiple_results=True)
pmap_p.def_impl(_within_axis(lambda *args, jaxpr, name, **_: core.bind(jit_p, args, dict(jaxpr=jaxpr, name=name))))
pmap_p.def_abstract_eval(_abstract_eval)
def_inlined_call(pmap_p)
jvp_rules[pmap_p] = _within_axis(call_jvp(pmap_p))
partial_eval_rules[pmap_p] = _within_axis(call_partial_eval(pmap_p))
transpose_rules[pmap_p] = _within_axis(call_transpose(pmap_p))
batching_rules[pmap_p] = _within_axis(call_batch(pmap_p))


def _bind_pmap(fun: Callable, name: str, shards: list, mapped: list[bool], tree: Any, axis_name: Any, axis_size: int) -> Any:
    """``fun`` (called ``name``) on the local shards (a pytree ``tree`` of them), staged and bound as ``pmap_p``."""
    store: dict = {}
    flat = _flatten_fun(fun, tree, store)

    def body(*xs):
        return flat(*[x if m else replicated_p.bind(x, axis_name=axis_name) for x, m in zip(xs, mapped)])

    with extend_axis_env(axis_name, axis_size, None):
        closed = trace_to_jaxpr(body, [core.get_aval(x) for x in shards])
    outs = _rebind(pmap_p, closed, shards, dict(axis_name=axis_name, axis_size=axis_size), f"pmap({name})")
    return tree_unflatten(store["out_tree"], outs)


def _argnums(argnums: int | Sequence[int]) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def pmap(fun: Callable, axis_name: Any = None, *, in_axes: Any = 0, out_axes: Any = 0,
         static_broadcasted_argnums: int | Sequence[int] = (), devices: Sequence[Any] | None = None,
         backend: str | None = None, axis_size: int | None = None, donate_argnums: int | Sequence[int] = ()) -> Callable:
    """Map ``fun`` over the devices, one per process, compiled; ``axis_name`` names the axis for
    collectives. ``donate_argnums`` is accepted and ignored (buffers are not donated).

    >>> from functrans import lax
    >>> pmap(lambda x: lax.psum(x, "i") * 2, axis_name="i")(np.ones((1, 2)))
    array([[2., 2.]])
    """
    static = _argnums(static_broadcasted_argnums)
    name = axis_name if axis_name is not None else object()  # a name no collective can use
    if devices is not None and len(devices) != distributed.process_count() * LOCAL_DEVICE_COUNT:
        raise ValueError(f"pmap: {len(devices)} devices given, but the job has {distributed.process_count()} (one per process)")
    compiled = jit(fun, static_argnums=static)

    def wrapped(*args):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"pmap in_axes specification must be a tree prefix of the corresponding value, got "
                             f"{len(in_axes)} entries for {len(args)} positional arguments")
        dynamic = tuple(a for i, a in enumerate(args) if i not in static)
        spec = in_axes if not isinstance(in_axes, tuple) else tuple(ax for i, ax in enumerate(in_axes) if i not in static)
        leaves, tree = tree_flatten(dynamic)
        leaves = [_canonicalize(x) for x in leaves]
        axes = _prefix_leaves(spec, dynamic, "in_axes")
        shards = [x if ax is None else _local_shard(x, ax) for x, ax in zip(leaves, axes)]
        if all(ax is None for ax in axes) and axis_size is None:
            raise ValueError("pmap requires at least one argument with a mapped axis.")
        size = distributed.process_count() * LOCAL_DEVICE_COUNT
        if any(isinstance(x, core.Tracer) for x in leaves):  # transformed: the primitive
            def on_shards(*dyn):
                dyn = iter(dyn)
                return fun(*[a if i in static else next(dyn) for i, a in enumerate(args)])

            out = _bind_pmap(on_shards, getattr(fun, "__name__", "fun"), shards, [ax is not None for ax in axes], tree, name, size)
        else:  # the compiled program, cached by jit
            shard_args = iter(tree_unflatten(tree, shards))
            call_args = [a if i in static else next(shard_args) for i, a in enumerate(args)]
            with extend_axis_env(name, size, None):
                out = compiled(*call_args)
        out_leaves, out_tree = tree_flatten(out)
        out_spec = _prefix_leaves(out_axes, out, "out_axes")
        return tree_unflatten(out_tree, [y if ax is None else _stack_local(y, ax) for y, ax in zip(out_leaves, out_spec)])

    return _wrap(fun, "pmap", wrapped)


def _local_shard(x: Any, axis: int) -> Any:
    shape = core.get_aval(x).shape
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"pmap in_axes={axis} is out of range for an argument of shape {shape}")
    size = shape[axis]
    if size != LOCAL_DEVICE_COUNT:
        total = size * distributed.process_count()
        raise ValueError(f"compiling computation that requires {total} logical devices, but only "
                         f"{distributed.process_count() * LOCAL_DEVICE_COUNT} XLA devices are available (num_replicas={total})")
    if isinstance(x, np.ndarray):  # a view, no copy
        return x[(slice(None),) * (axis % len(shape)) + (0,)]
    return index_in_dim(x, 0, axis % len(shape), keepdims=False)


def _stack_local(y: Any, axis: int) -> Any:
    shape = core.get_aval(y).shape
    axis %= len(shape) + 1
    return np.expand_dims(y, axis) if isinstance(y, np.ndarray) else _shape.expand_dims(y, (axis,))
