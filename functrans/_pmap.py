"""pmap: one device per process, as JAX's CPU backend; the mapped axis spans the processes.

Each process passes its local shard, whose mapped axis has the local device count (1); the
function runs compiled on that shard with ``axis_name`` bound to the axis of all processes,
so its collectives run across them (``functrans.distributed``).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import core, distributed
from .api import _canonicalize, _prefix_leaves, _wrap
from .batching import extend_axis_env
from .dispatch import jit
from .lax import shape as _shape
from .lax.slicing import index_in_dim
from .tree_util import tree_flatten, tree_unflatten

LOCAL_DEVICE_COUNT = 1


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
        if any(isinstance(x, core.Tracer) for x in leaves):
            # Its collectives would be transformed after the axis is gone (pmap is no primitive here).
            raise NotImplementedError("pmap of traced arguments (grad, vmap or jit of a pmapped function) is not "
                                      "supported: apply the transformation inside pmap instead")
        axes = _prefix_leaves(spec, dynamic, "in_axes")
        shards = [x if ax is None else _local_shard(x, ax) for x, ax in zip(leaves, axes)]
        if all(ax is None for ax in axes) and axis_size is None:
            raise ValueError("pmap requires at least one argument with a mapped axis.")
        shard_args = iter(tree_unflatten(tree, shards))
        call_args = [a if i in static else next(shard_args) for i, a in enumerate(args)]
        with extend_axis_env(name, distributed.process_count() * LOCAL_DEVICE_COUNT, None):
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
