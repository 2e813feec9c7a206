"""Indexing primitives: dynamic slices, gather and scatter.

``gather`` and ``scatter`` index the leading axes of an operand with integer
tuples. The operand's axes are ``(*batch, *indexed, *trailing)``, the indices'
``(*batch, *points, k)`` with ``k`` the number of indexed axes, and the result /
updates ``(*batch, *points, *trailing)``: element ``[b, p, t]`` is
``operand[b, indices[b, p], t]``. Every NumPy-style index (``take``,
``take_along_axis``, ``x[i, :, j]``, ``x.at[...]``) is a transpose around one of these.

Out-of-range indices never touch memory out of bounds. With ``mode="clip"`` they are
clamped into range; with ``mode="drop"`` a gather reads 0 and a scatter skips
the update. ``functrans.numpy`` clamps reads and drops writes, as JAX does.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import core, dtypes
from ..autodiff import Zero, instantiate_zeros, is_undefined, jvp_rules, transpose_rules
from ..batching import batching_rules, bdim_at_front, moveaxis
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..lowering import contiguous_copy, def_statement, index_list
from . import elementwise as _ew
from . import shape as _shape

MODES = ("clip", "drop")
SCATTER_KINDS = ("set", "add", "mul", "min", "max")


def _index_tuple(indices: np.ndarray, operand_shape: Sequence[int], nbatch: int, mode: str):
    """NumPy advanced-index arrays addressing ``operand[b, indices[b, p]]``, and a
    mask of the in-range points (all true in clip mode)."""
    k = indices.shape[-1]
    indexed = np.asarray(operand_shape[nbatch : nbatch + k], dtype=np.int64)
    idx = indices.astype(np.int64)
    if mode == "clip":
        idx = np.clip(idx, 0, np.maximum(indexed - 1, 0))
        valid = np.ones(indices.shape[:-1], bool)
    else:
        valid = np.all((idx >= 0) & (idx < indexed), axis=-1)
        idx = np.where(valid[..., None], idx, 0)
    points_ndim = indices.ndim - 1 - nbatch
    batch = tuple(
        np.arange(operand_shape[i]).reshape((-1,) + (1,) * (nbatch - 1 - i + points_ndim)) for i in range(nbatch)
    )
    return batch + tuple(idx[..., j] for j in range(k)), valid


def _check_indices(name: str, operand: ShapedArray, indices: ShapedArray, nbatch: int) -> int:
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"{name}: indices must be integers, got {indices.str_short()}")
    if indices.ndim < nbatch + 1:
        raise ShapeError(f"{name}: indices {indices.str_short()} need a last axis of index tuples")
    k = indices.shape[-1]
    if operand.ndim < nbatch + k or operand.shape[:nbatch] != indices.shape[:nbatch]:
        raise ShapeError(
            f"{name}: operand {operand.str_short()} and indices {indices.str_short()} do not fit "
            f"({nbatch} batch axes, {k}-tuples of indices)"
        )
    return k


# --------------------------------------------------------------------------- gather

gather_p = Primitive("gather")


@gather_p.def_impl
def _gather_impl(operand, indices, *, num_batch_dims, mode):
    index, valid = _index_tuple(indices, operand.shape, num_batch_dims, mode)
    if operand.size == 0:
        out_shape = _gather_shape(operand.shape, indices.shape, num_batch_dims)
        return [np.zeros(out_shape, operand.dtype)]
    out = operand[index]
    if mode == "drop":
        trailing = out.ndim - valid.ndim
        out = np.where(valid.reshape(valid.shape + (1,) * trailing), out, np.zeros((), operand.dtype))
    return [np.require(out, requirements="C")]  # ascontiguousarray would make a 0-d result 1-d


def _gather_shape(operand_shape, indices_shape, nbatch):
    k = indices_shape[-1]
    return tuple(indices_shape[:-1]) + tuple(operand_shape[nbatch + k :])


@gather_p.def_abstract_eval
def _gather_abstract_eval(operand, indices, *, num_batch_dims, mode):
    k = _check_indices("gather", operand, indices, num_batch_dims)
    if mode == "clip" and any(d == 0 for d in operand.shape[num_batch_dims : num_batch_dims + k]) and indices.size:
        raise ShapeError(f"gather: cannot index into a zero-size axis of {operand.str_short()}")
    return [ShapedArray(_gather_shape(operand.shape, indices.shape, num_batch_dims), operand.dtype, operand.weak_type)]


def gather(operand: Any, indices: Any, num_batch_dims: int = 0, mode: str = "clip") -> Any:
    """``operand[b, indices[b, p], ...]`` (see the module docstring for the layout)."""
    if mode not in MODES:
        raise ValueError(f"gather: mode must be one of {MODES}, got {mode!r}")
    return gather_p.bind(operand, indices, num_batch_dims=int(num_batch_dims), mode=mode)


def _gather_jvp(primals, tangents, *, num_batch_dims, mode):
    (operand, indices), (t, _) = primals, tangents
    out = gather(operand, indices, num_batch_dims, mode)
    if type(t) is Zero:
        return [out], [Zero(core.get_aval(out).strip_weak_type())]
    return [out], [gather(t, indices, num_batch_dims, mode)]


def _gather_transpose(ct, operand, indices, *, num_batch_dims, mode):
    zeros = _shape.full(operand.aval.shape, 0, operand.aval.dtype)
    return [scatter(zeros, indices, ct, "add", num_batch_dims, mode), None]


def _gather_batch(size, vals, dims, *, num_batch_dims, mode):
    (operand, indices), (od, idd) = vals, dims
    nb = num_batch_dims
    if od is not None and idd is not None:
        operand, indices = moveaxis(operand, od, 0), moveaxis(indices, idd, 0)
        return [gather(operand, indices, nb + 1, mode)], [0]
    if idd is not None:
        # Batched indices with a shared operand: the batch axis is one more point axis.
        indices = moveaxis(indices, idd, nb)
        return [gather(operand, indices, nb, mode)], [nb]
    # A batched operand with shared indices: the batch axis is one more trailing axis.
    operand = moveaxis(operand, od, core.get_aval(operand).ndim - 1)
    out = gather(operand, indices, nb, mode)
    return [out], [core.get_aval(out).ndim - 1]


jvp_rules[gather_p] = _gather_jvp
transpose_rules[gather_p] = _gather_transpose
batching_rules[gather_p] = _gather_batch


def _index_views(eqn) -> tuple[tuple, tuple, tuple]:
    """The (batch, indexed, trailing) view of the operand, the (batch, points, k) view of
    the indices and the sizes of the indexed axes, on which the gather and scatter kernels work."""
    operand, indices = eqn.inputs[0].aval, eqn.inputs[1].aval
    nb = eqn.params["num_batch_dims"]
    k = indices.shape[-1]
    batch = math.prod(operand.shape[:nb])
    sizes = tuple(operand.shape[nb : nb + k])
    op_view = (batch, math.prod(sizes), math.prod(operand.shape[nb + k :]))
    idx_view = (batch, math.prod(indices.shape[nb:-1]), k)
    return op_view, idx_view, sizes


@def_statement(gather_p, fresh=True)
def _gather_lowering(em, eqn, args, outs):
    op_view, idx_view, sizes = _index_views(eqn)
    em.allocate(eqn.out_binders[0])
    clip = eqn.params["mode"] == "clip"
    em.emit(
        f"kernels.gather({args[0]}.reshape({op_view!r}), {args[1]}.astype(np.int64).reshape({idx_view!r}), "
        f"np.array({list(sizes) or [0]!r}, np.int64), {clip}, {outs[0]}.reshape({(op_view[0], idx_view[1], op_view[2])!r}))"
    )

# --------------------------------------------------------------------------- scatter

scatter_p = Primitive("scatter")
_UFUNCS = {"add": np.add, "mul": np.multiply, "min": np.minimum, "max": np.maximum}


@scatter_p.def_impl
def _scatter_impl(operand, indices, updates, *, kind, num_batch_dims, mode):
    out = np.array(operand, copy=True)
    if out.size == 0 or indices.size == 0:
        return [out]
    index, valid = _index_tuple(indices, operand.shape, num_batch_dims, mode)
    index = tuple(np.broadcast_to(i, valid.shape)[valid] for i in index)
    values = updates[valid]
    if kind == "set":
        out[index] = values
    else:
        _UFUNCS[kind].at(out, index, values)
    return [out]


@scatter_p.def_abstract_eval
def _scatter_abstract_eval(operand, indices, updates, *, kind, num_batch_dims, mode):
    _check_indices("scatter", operand, indices, num_batch_dims)
    expected = _gather_shape(operand.shape, indices.shape, num_batch_dims)
    if updates.shape != expected:
        raise ShapeError(
            f"scatter-{kind}: updates {updates.str_short()} must have shape {expected} for operand "
            f"{operand.str_short()} and indices {indices.str_short()}"
        )
    if updates.dtype != operand.dtype:
        raise DTypeError(f"scatter-{kind}: updates {updates.str_short()} must have the operand's dtype {operand.dtype}")
    return [operand]


def scatter(operand: Any, indices: Any, updates: Any, kind: str = "set", num_batch_dims: int = 0, mode: str = "drop") -> Any:
    """``operand`` with ``updates`` set/added/multiplied/min-ed/max-ed at ``indices``."""
    if kind not in SCATTER_KINDS:
        raise ValueError(f"scatter: kind must be one of {SCATTER_KINDS}, got {kind!r}")
    if mode not in MODES:
        raise ValueError(f"scatter: mode must be one of {MODES}, got {mode!r}")
    return scatter_p.bind(operand, indices, updates, kind=kind, num_batch_dims=int(num_batch_dims), mode=mode)


def _scatter_jvp(primals, tangents, *, kind, num_batch_dims, mode):
    (operand, indices, updates), (t_op, _, t_up) = primals, tangents
    out = scatter(operand, indices, updates, kind, num_batch_dims, mode)
    if type(t_op) is Zero and type(t_up) is Zero:
        return [out], [Zero(core.get_aval(out).strip_weak_type())]
    t_op, t_up = instantiate_zeros(t_op), instantiate_zeros(t_up)
    args = (num_batch_dims, mode)
    if kind in ("set", "add"):
        return [out], [scatter(t_op, indices, t_up, kind, *args)]
    gathered = lambda x: gather(x, indices, num_batch_dims, "drop" if mode == "drop" else "clip")
    zeros = _shape.zeros_like(operand)
    if kind == "mul":
        # d out_i = t_op_i U_i + op_i sum_k t_up_k (product of the other updates at i), U_i
        # being the product of all updates at i. Exact with repeated indices to first order;
        # to higher orders unless a repeated position also receives a zero update.
        others = _products_of_other_updates(operand, indices, updates, num_batch_dims, mode)
        from_updates = scatter(zeros, indices, _ew.mul(t_up, _ew.mul(others, gathered(operand))), "add", *args)
        return [out], [_ew.add(scatter(t_op, indices, updates, "mul", *args), from_updates)]
    # min / max: the mean tangent of the values that tie for the result, as JAX (and max_p) split ties.
    dtype = core.get_aval(out).dtype
    operand_won = _ew.eq(operand, out)
    update_won = _ew.eq(updates, gathered(out))
    winners = _ew.add(_ew.convert_element_type(operand_won, dtype),
                      scatter(zeros, indices, _ew.convert_element_type(update_won, dtype), "add", *args))
    t_sum = _ew.add(
        _ew.select_n(operand_won, zeros, t_op),
        scatter(zeros, indices, _ew.select_n(update_won, _shape.zeros_like(updates), t_up), "add", *args),
    )
    return [out], [_ew.div(t_sum, _ew.max(winners, _shape.full_like(winners, 1)))]


def _products_of_other_updates(operand: Any, indices: Any, updates: Any, num_batch_dims: int, mode: str) -> Any:
    """For each update of a scatter-mul, the product of the other updates to its position,
    without dividing by zero: a zero update's others are the nonzero product if it is the
    only zero there; a nonzero update's are the nonzero product over it, or 0 if a zero is there."""
    args = (num_batch_dims, mode)
    gathered = lambda x: gather(x, indices, num_batch_dims, "drop" if mode == "drop" else "clip")
    is_zero = _ew.eq(updates, _shape.zeros_like(updates))
    safe = _ew.select_n(is_zero, updates, _shape.full_like(updates, 1))
    nonzero_product = gathered(scatter(_shape.full_like(operand, 1), indices, safe, "mul", *args))
    dtype = core.get_aval(updates).dtype
    zero_count = gathered(scatter(_shape.zeros_like(operand), indices, _ew.convert_element_type(is_zero, dtype), "add", *args))
    zeros = _shape.zeros_like(updates)
    when_nonzero = _ew.select_n(_ew.eq(zero_count, zeros), zeros, _ew.div(nonzero_product, safe))
    when_zero = _ew.select_n(_ew.eq(zero_count, _shape.full_like(updates, 1)), zeros, nonzero_product)
    return _ew.select_n(is_zero, when_nonzero, when_zero)


def _scatter_transpose(ct, operand, indices, updates, *, kind, num_batch_dims, mode):
    args = (num_batch_dims, mode)
    if kind == "mul" and not is_undefined(updates):
        # Linear in the operand alone (as its jvp uses it): a scaling by the known updates.
        return [scatter(ct, indices, updates, "mul", *args), None, None]
    if kind not in ("set", "add"):
        raise NotImplementedError(f"scatter-{kind} is not linear; it has no transpose")
    read_mode = "drop" if mode == "drop" else "clip"
    ct_updates = None
    if is_undefined(updates):
        ct_updates = gather(ct, indices, num_batch_dims, read_mode)
        if kind == "set":
            landed = _landed_updates(indices, updates.aval.shape, core.get_aval(ct).shape, *args)
            ct_updates = _ew.select_n(landed, _shape.zeros_like(ct_updates), ct_updates)
    if not is_undefined(operand):
        return [None, None, ct_updates]
    if kind == "add":
        return [ct, None, ct_updates]
    zeros = _shape.full(core.get_aval(updates).shape if not is_undefined(updates) else updates.aval.shape, 0, core.get_aval(ct).dtype)
    return [scatter(ct, indices, zeros, "set", *args), None, ct_updates]


def _landed_updates(indices: Any, updates_shape: Sequence[int], operand_shape: Sequence[int], num_batch_dims: int, mode: str) -> Any:
    """Which elements of a scatter-set's updates are in its result: where indices repeat,
    one write per position wins (found by scattering each update's id the same way)."""
    ids = _shape.reshape(_shape.iota(dtypes.int64, int(np.prod(updates_shape, dtype=np.int64))), updates_shape)
    board = scatter(_shape.full(operand_shape, -1, dtypes.int64), indices, ids, "set", num_batch_dims, mode)
    return _ew.eq(gather(board, indices, num_batch_dims, "drop" if mode == "drop" else "clip"), ids)


def _scatter_batch(size, vals, dims, *, kind, num_batch_dims, mode):
    operand, indices, updates = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    return [scatter(operand, indices, updates, kind, num_batch_dims + 1, mode)], [0]


jvp_rules[scatter_p] = _scatter_jvp
transpose_rules[scatter_p] = _scatter_transpose
batching_rules[scatter_p] = _scatter_batch


@def_statement(scatter_p, fresh=True)
def _scatter_lowering(em, eqn, args, outs):
    op_view, idx_view, sizes = _index_views(eqn)
    em.emit(f"{outs[0]} = {args[0]}.copy()")
    clip = eqn.params["mode"] == "clip"
    kind = SCATTER_KINDS.index(eqn.params["kind"])  # the kernel's numbering
    em.emit(
        f"kernels.scatter({outs[0]}.reshape({op_view!r}), {args[1]}.astype(np.int64).reshape({idx_view!r}), "
        f"{args[2]}.reshape({(op_view[0], idx_view[1], op_view[2])!r}), np.array({list(sizes) or [0]!r}, np.int64), {clip}, {kind})"
    )

# --------------------------------------------------------------------------- dynamic slices


def _clamped_starts(starts: Sequence[Any], operand_shape: Sequence[int], sizes: Sequence[int]) -> list:
    """Starts moved into range so the window fits, as XLA does."""
    return [_ew.max(_ew.min(_ew.convert_element_type(s, dtypes.int64), d - n), 0) for s, d, n in zip(starts, operand_shape, sizes)]


dynamic_slice_p = Primitive("dynamic_slice")


@dynamic_slice_p.def_impl
def _dynamic_slice_impl(operand, *starts, slice_sizes):
    begin = [min(max(int(s), 0), d - n) for s, d, n in zip(starts, operand.shape, slice_sizes)]
    return [np.require(operand[tuple(slice(b, b + n) for b, n in zip(begin, slice_sizes))], requirements="C")]


def _check_starts(name: str, operand: ShapedArray, starts: Sequence[ShapedArray]) -> None:
    if len(starts) != operand.ndim:
        raise ShapeError(f"{name}: operand {operand.str_short()} needs {operand.ndim} start indices, got {len(starts)}")
    for s in starts:
        if s.ndim != 0 or s.dtype.kind not in "iu":
            raise DTypeError(f"{name}: start indices must be integer scalars, got {s.str_short()}")


@dynamic_slice_p.def_abstract_eval
def _dynamic_slice_abstract_eval(operand, *starts, slice_sizes):
    _check_starts("dynamic_slice", operand, starts)
    if len(slice_sizes) != operand.ndim or any(not 0 <= n <= d for n, d in zip(slice_sizes, operand.shape)):
        raise ShapeError(f"dynamic_slice: slice_sizes {slice_sizes} do not fit operand {operand.str_short()}")
    return [ShapedArray(slice_sizes, operand.dtype, operand.weak_type)]


def _as_index(s: Any) -> Any:
    return np.asarray(s, dtypes.int64) if not isinstance(s, core.Tracer) else s


def _wrapped_starts(name: str, starts: Sequence[Any], shape: Sequence[int], allow_negative_indices: bool | Sequence[bool]) -> list:
    """Start indices as arrays, those allowed to be negative counted from the end of their axis
    (once, when the primitive is bound: its rules bind the primitives on the starts they got).
    A negative Python or NumPy integer that is not allowed raises ``ValueError``, as in JAX
    (traced ones are clamped to 0)."""
    allow = [allow_negative_indices] * len(starts) if isinstance(allow_negative_indices, bool) else list(allow_negative_indices)
    if len(allow) != len(starts):
        raise ValueError(f"{name}: allow_negative_indices {allow_negative_indices} must have one entry per start index")
    for axis, (s, a) in enumerate(zip(starts, allow)):
        if isinstance(s, (int, np.integer)) and s < 0 and not a:
            raise ValueError(f"{name}: start index {s} of axis {axis} is negative with allow_negative_indices=False")
    starts = [_as_index(s) for s in starts]
    if len(starts) != len(shape):
        return starts  # the abstract eval reports the mismatch
    return [_ew.select_n(_ew.lt(s, 0), s, _ew.add(s, d)) if a else s for s, d, a in zip(starts, shape, allow)]


def dynamic_slice(operand: Any, start_indices: Sequence[Any], slice_sizes: Sequence[int], *,
                  allow_negative_indices: bool | Sequence[bool] = True) -> Any:
    """``operand[s0:s0+n0, s1:s1+n1, ...]`` with traced starts, clamped so the window fits.
    A negative start counts from the end of its axis first, unless ``allow_negative_indices``
    is False (for all axes, or per axis as a sequence of flags): then a traced negative start
    is clamped to 0 and a Python or NumPy integer one raises ``ValueError``, as in JAX.

    >>> dynamic_slice(np.arange(5), [np.int64(-2)], [2])
    array([3, 4])
    >>> dynamic_slice(np.arange(5), [4], [2], allow_negative_indices=False)  # moved back to fit
    array([3, 4])
    """
    starts = _wrapped_starts("dynamic_slice", start_indices, core.get_aval(operand).shape, allow_negative_indices)
    return dynamic_slice_p.bind(operand, *starts, slice_sizes=tuple(int(n) for n in slice_sizes))


def _window_indices(starts: Sequence[Any], operand_shape: Sequence[int], sizes: Sequence[int], batch: int | None) -> Any:
    """Index tuples of every point of a window (for dynamic slices with batched starts):
    shape ``(batch?, *sizes, ndim)``."""
    starts = _clamped_starts(starts, operand_shape, sizes)
    lead = (batch,) if batch is not None else ()
    grid_shape = lead + tuple(sizes)
    columns = []
    for axis, s in enumerate(starts):
        ramp = _shape.broadcasted_iota(dtypes.int64, grid_shape, axis + len(lead))
        s_aval = core.get_aval(s)
        start = _shape.broadcast_in_dim(s, grid_shape, (0,) if s_aval.ndim else ())
        columns.append(_shape.expand_dims(_ew.add(ramp, start), [len(grid_shape)]))
    return _shape.concatenate(columns, len(grid_shape))


def _dynamic_slice_batch(size, vals, dims, *, slice_sizes):
    operand, *starts = vals
    od, *sds = dims
    if all(d is None for d in sds):
        operand = moveaxis(operand, od, 0)
        return [dynamic_slice_p.bind(operand, np.asarray(0, dtypes.int64), *starts, slice_sizes=(size,) + slice_sizes)], [0]
    operand_shape = core.get_aval(operand).shape
    if od is not None:
        operand_shape = operand_shape[:od] + operand_shape[od + 1 :]
    starts = [bdim_at_front(s, d, size) for s, d in zip(starts, sds)]
    indices = _window_indices(starts, operand_shape, slice_sizes, size)
    if od is None:
        return [gather(operand, indices, 0, "clip")], [0]
    return [gather(moveaxis(operand, od, 0), indices, 1, "clip")], [0]


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
    operand, *starts = primals
    out = dynamic_slice_p.bind(operand, *starts, slice_sizes=slice_sizes)
    if type(tangents[0]) is Zero:
        return [out], [Zero(core.get_aval(out).strip_weak_type())]
    return [out], [dynamic_slice_p.bind(tangents[0], *starts, slice_sizes=slice_sizes)]


def _dynamic_slice_transpose(ct, operand, *starts, slice_sizes):
    zeros = _shape.full(operand.aval.shape, 0, operand.aval.dtype)
    return [dynamic_update_slice_p.bind(zeros, ct, *starts)] + [None] * len(starts)


jvp_rules[dynamic_slice_p] = _dynamic_slice_jvp
transpose_rules[dynamic_slice_p] = _dynamic_slice_transpose
batching_rules[dynamic_slice_p] = _dynamic_slice_batch

dynamic_update_slice_p = Primitive("dynamic_update_slice")


@dynamic_update_slice_p.def_impl
def _dynamic_update_slice_impl(operand, update, *starts):
    begin = [min(max(int(s), 0), d - n) for s, d, n in zip(starts, operand.shape, update.shape)]
    out = np.array(operand, copy=True)
    out[tuple(slice(b, b + n) for b, n in zip(begin, update.shape))] = update
    return [out]


@dynamic_update_slice_p.def_abstract_eval
def _dynamic_update_slice_abstract_eval(operand, update, *starts):
    _check_starts("dynamic_update_slice", operand, starts)
    if update.ndim != operand.ndim or any(n > d for n, d in zip(update.shape, operand.shape)):
        raise ShapeError(f"dynamic_update_slice: update {update.str_short()} does not fit in operand {operand.str_short()}")
    if update.dtype != operand.dtype:
        raise DTypeError(f"dynamic_update_slice: update {update.str_short()} must have the operand's dtype {operand.dtype}")
    return [operand]


def dynamic_update_slice(operand: Any, update: Any, start_indices: Sequence[Any], *,
                         allow_negative_indices: bool | Sequence[bool] = True) -> Any:
    """``operand`` with the window at ``start_indices`` (clamped so it fits) replaced by
    ``update``; negative starts and ``allow_negative_indices`` as in ``dynamic_slice``.

    >>> dynamic_update_slice(np.zeros(4), np.ones(2), [np.int64(-3)])
    array([0., 1., 1., 0.])
    """
    starts = _wrapped_starts("dynamic_update_slice", start_indices, core.get_aval(operand).shape, allow_negative_indices)
    return dynamic_update_slice_p.bind(operand, update, *starts)


def _dynamic_update_slice_jvp(primals, tangents):
    operand, update, *starts = primals
    out = dynamic_update_slice_p.bind(operand, update, *starts)
    t_op, t_up = tangents[:2]
    if type(t_op) is Zero and type(t_up) is Zero:
        return [out], [Zero(core.get_aval(out).strip_weak_type())]
    return [out], [dynamic_update_slice_p.bind(instantiate_zeros(t_op), instantiate_zeros(t_up), *starts)]


def _dynamic_update_slice_transpose(ct, operand, update, *starts):
    update_aval = update.aval if is_undefined(update) else core.get_aval(update)
    ct_operand = ct_update = None
    if is_undefined(operand):
        ct_operand = dynamic_update_slice_p.bind(ct, _shape.full(update_aval.shape, 0, update_aval.dtype), *starts)
    if is_undefined(update):
        ct_update = dynamic_slice_p.bind(ct, *starts, slice_sizes=tuple(update_aval.shape))
    return [ct_operand, ct_update] + [None] * len(starts)


def _dynamic_update_slice_batch(size, vals, dims):
    operand, update, *starts = vals
    od, ud, *sds = dims
    operand, update = bdim_at_front(operand, od, size), bdim_at_front(update, ud, size)
    if all(d is None for d in sds):
        return [dynamic_update_slice_p.bind(operand, update, np.asarray(0, dtypes.int64), *starts)], [0]
    operand_shape = core.get_aval(operand).shape[1:]
    update_shape = core.get_aval(update).shape[1:]
    starts = [bdim_at_front(s, d, size) for s, d in zip(starts, sds)]
    indices = _window_indices(starts, operand_shape, update_shape, size)
    return [scatter(operand, indices, update, "set", 1, "clip")], [0]


jvp_rules[dynamic_update_slice_p] = _dynamic_update_slice_jvp
transpose_rules[dynamic_update_slice_p] = _dynamic_update_slice_transpose
batching_rules[dynamic_update_slice_p] = _dynamic_update_slice_batch


def _emit_clamped_starts(em, starts: list[str], shape, sizes) -> list[str]:
    names = []
    for s, d, n in zip(starts, shape, sizes):
        name = em.fresh("start")
        em.emit(f"{name} = min(max(int({s}[()]), 0), {d - n})")
        names.append(name)
    return names


@def_statement(dynamic_slice_p, fresh=True)
def _dynamic_slice_lowering(em, eqn, args, outs):
    sizes = eqn.params["slice_sizes"]
    starts = _emit_clamped_starts(em, args[1:], eqn.inputs[0].aval.shape, sizes)
    em.emit(f"{outs[0]} = {contiguous_copy(args[0], [f'{s}:{s} + {n}' for s, n in zip(starts, sizes)])}")


@def_statement(dynamic_update_slice_p, fresh=True)
def _dynamic_update_slice_lowering(em, eqn, args, outs):
    sizes = eqn.inputs[1].aval.shape
    starts = _emit_clamped_starts(em, args[2:], eqn.inputs[0].aval.shape, sizes)
    em.emit(f"{outs[0]} = {args[0]}.copy()")
    em.emit(f"{outs[0]}[{index_list([f'{s}:{s} + {n}' for s, n in zip(starts, sizes)])}] = {args[1]}")

# --------------------------------------------------------------------------- NumPy-style helpers


def take_along_axis(x: Any, indices: Any, axis: int) -> Any:
    """``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along ``axis`` (shapes
    of ``x`` and ``indices`` agree off ``axis``)."""
    x_aval, idx_aval = core.get_aval(x), core.get_aval(indices)
    ndim = x_aval.ndim
    axis = axis % ndim
    # Every other axis is a batch axis; move the indexed axis last.
    x_moved = moveaxis(x, axis, ndim - 1)
    idx_moved = _shape.expand_dims(moveaxis(indices, axis, ndim - 1), [ndim])
    out = gather(x_moved, idx_moved, ndim - 1, "clip")
    return moveaxis(out, ndim - 1, axis)
