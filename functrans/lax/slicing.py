"""jax.lax's slicing API: one-axis slices and updates, ``index_take``, ``split``, and
``gather`` / ``scatter`` with XLA's dimension numbers.

Everything here is a composition of the primitives in ``lax.shape`` and ``lax.indexing``,
so it differentiates, batches and compiles through their rules. A gather or scatter with
dimension numbers is rewritten into ``lax.indexing``'s point layout: the operand's axes
are put in the order (addressed axes, whole axes), where an index tuple addresses every
indexed, collapsed, batching or partly sliced axis, and each element of every window
becomes one index tuple (its window start plus its offset in the window; a batching
axis's coordinate is the position along the paired indices axis).
"""
from __future__ import annotations

import builtins
import enum
import math
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .. import core, dtypes
from ..batching import moveaxis
from ..errors import ShapeError
from . import control_flow as _cf
from . import elementwise as _ew
from . import indexing as _ix
from . import shape as _shape


def _array(x: Any) -> Any:
    return x if isinstance(x, core.Tracer) else np.asarray(x)


def _axis(name: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an operand of rank {ndim}")
    return int(axis) % ndim


# --------------------------------------------------------------------------- one-axis slices


def slice_in_dim(operand: Any, start_index: int | None, limit_index: int | None, stride: int = 1, axis: int = 0) -> Any:
    """``operand[start_index:limit_index:stride]`` along ``axis`` (static bounds; ``None`` and
    negative values as in Python slicing).

    >>> slice_in_dim(np.arange(6).reshape(2, 3), 1, None, axis=1)
    array([[1, 2],
           [4, 5]])
    """
    operand = _array(operand)
    shape = core.get_aval(operand).shape
    axis = _axis("slice_in_dim", axis, len(shape))
    size = shape[axis]
    start = 0 if start_index is None else int(start_index)
    limit = size if limit_index is None else int(limit_index)
    start, limit = start + size if start < 0 else start, limit + size if limit < 0 else limit
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return _shape.slice(operand, starts, limits, strides)


def index_in_dim(operand: Any, index: int, axis: int = 0, keepdims: bool = True) -> Any:
    """``operand[index]`` along ``axis`` for a static ``index``; ``keepdims`` keeps the axis (size 1).

    >>> index_in_dim(np.arange(6).reshape(2, 3), -1, axis=1, keepdims=False)
    array([2, 5])
    """
    operand = _array(operand)
    shape = core.get_aval(operand).shape
    axis = _axis("index_in_dim", axis, len(shape))
    index, size = int(index), shape[axis]
    wrapped = index + size if index < 0 else index
    if not 0 <= wrapped < size:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} with size {size}")
    out = slice_in_dim(operand, wrapped, wrapped + 1, 1, axis)
    return out if keepdims else _shape.squeeze(out, (axis,))


def _in_dim(ndim: int, axis: int, start_index: Any, allow_negative_indices: bool) -> tuple[list, list]:
    """Start indices and their allow_negative_indices flags for a window along one axis."""
    starts, allow = [np.int64(0)] * ndim, [False] * ndim
    starts[axis], allow[axis] = start_index, bool(allow_negative_indices)
    return starts, allow


def dynamic_slice_in_dim(operand: Any, start_index: Any, slice_size: int, axis: int = 0, *,
                         allow_negative_indices: bool = True) -> Any:
    """``slice_size`` elements of ``operand`` from a traced ``start_index`` along ``axis``
    (negative starts count from the end; the window is moved back in range to fit).

    >>> dynamic_slice_in_dim(np.arange(5), -2, 2)
    array([3, 4])
    """
    operand = _array(operand)
    shape = core.get_aval(operand).shape
    axis = _axis("dynamic_slice_in_dim", axis, len(shape))
    sizes = list(shape)
    sizes[axis] = int(slice_size)
    starts, allow = _in_dim(len(shape), axis, start_index, allow_negative_indices)
    return _ix.dynamic_slice(operand, starts, sizes, allow_negative_indices=allow)


def dynamic_index_in_dim(operand: Any, index: Any, axis: int = 0, keepdims: bool = True, *,
                         allow_negative_indices: bool = True) -> Any:
    """``operand[index]`` along ``axis`` for a traced ``index`` (clamped into range).

    >>> dynamic_index_in_dim(np.arange(6).reshape(2, 3), 1, axis=1, keepdims=False)
    array([1, 4])
    """
    operand = _array(operand)
    axis = _axis("dynamic_index_in_dim", axis, core.get_aval(operand).ndim)
    out = dynamic_slice_in_dim(operand, index, 1, axis, allow_negative_indices=allow_negative_indices)
    return out if keepdims else _shape.squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand: Any, update: Any, start_index: Any, axis: int, *,
                                allow_negative_indices: bool = True) -> Any:
    """``operand`` with ``update`` written from a traced ``start_index`` along ``axis``.

    >>> dynamic_update_slice_in_dim(np.zeros(4), np.ones(2), 1, 0)
    array([0., 1., 1., 0.])
    """
    operand, update = _array(operand), _array(update)
    shape = core.get_aval(operand).shape
    axis = _axis("dynamic_update_slice_in_dim", axis, len(shape))
    starts, allow = _in_dim(len(shape), axis, start_index, allow_negative_indices)
    return _ix.dynamic_update_slice(operand, update, starts, allow_negative_indices=allow)


def dynamic_update_index_in_dim(operand: Any, update: Any, index: Any, axis: int, *,
                                allow_negative_indices: bool = True) -> Any:
    """``operand`` with the slice at a traced ``index`` along ``axis`` replaced by ``update``
    (which may lack that axis).

    >>> dynamic_update_index_in_dim(np.zeros((2, 2)), np.ones(2), 1, 0)
    array([[0., 0.],
           [1., 1.]])
    """
    operand, update = _array(operand), _array(update)
    ndim = core.get_aval(operand).ndim
    axis = _axis("dynamic_update_index_in_dim", axis, ndim)
    if core.get_aval(update).ndim == ndim - 1:
        update = _shape.expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis, allow_negative_indices=allow_negative_indices)


def split(operand: Any, sizes: Sequence[int], axis: int = 0) -> list:
    """``operand`` cut along ``axis`` into consecutive pieces of the given ``sizes``.

    >>> [p.tolist() for p in split(np.arange(5), (2, 3))]
    [[0, 1], [2, 3, 4]]
    """
    operand = _array(operand)
    shape = core.get_aval(operand).shape
    axis = _axis("split", axis, len(shape))
    sizes = [int(s) for s in sizes]
    if any(s < 0 for s in sizes):
        raise ValueError(f"split: sizes must be nonnegative, got {sizes}")
    if builtins.sum(sizes) != shape[axis]:
        raise ValueError(f"split: sizes {sizes} must sum to dimension {axis} of the operand shape {list(shape)}")
    offsets = np.cumsum([0] + sizes).tolist()
    return [slice_in_dim(operand, lo, hi, 1, axis) for lo, hi in zip(offsets[:-1], offsets[1:])]


def index_take(src: Any, idxs: Sequence[Any], axes: Sequence[int]) -> Any:
    """``src[idxs[0], idxs[1], ...]`` with one index array per axis in ``axes`` (indices wrap
    modulo the axis size); the other axes follow the indexed one.

    >>> index_take(np.arange(12).reshape(3, 4), [np.array([0, -1])], (1,))
    array([[ 0,  4,  8],
           [ 3,  7, 11]])
    """
    src = _array(src)
    shape = core.get_aval(src).shape
    axes = tuple(_axis("index_take", a, len(shape)) for a in axes)
    if len(idxs) != len(axes):
        raise TypeError(f"index_take: {len(idxs)} index arrays for {len(axes)} axes {axes}")
    columns = [_ew.rem(_ew.convert_element_type(_array(i), dtypes.int64), max(shape[a], 1)) for i, a in zip(idxs, axes)]
    indices = _shape.concatenate([_shape.expand_dims(c, (1,)) for c in columns], 1)
    sizes = [1 if d in axes else n for d, n in enumerate(shape)]
    dnums = GatherDimensionNumbers(tuple(range(1, len(shape) - len(axes) + 1)), tuple(sorted(axes)), axes)
    return gather(src, indices, dnums, sizes, mode=GatherScatterMode.PROMISE_IN_BOUNDS)


# --------------------------------------------------------------------------- dimension numbers


class GatherScatterMode(enum.Enum):
    """How a gather or scatter treats indices out of bounds: ``CLIP`` moves each window back
    into range; ``FILL_OR_DROP`` fills a gathered window that is partly out of bounds and drops
    such a scattered window; ``PROMISE_IN_BOUNDS`` clamps gathers and drops scatters;
    ``ONE_HOT`` is accepted as ``PROMISE_IN_BOUNDS``.

    >>> GatherScatterMode.from_any("clip")
    <GatherScatterMode.CLIP: 1>
    """

    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()
    ONE_HOT = enum.auto()

    @staticmethod
    def from_any(s: "str | GatherScatterMode | None") -> "GatherScatterMode":
        """The mode named by ``s``: ``"clip"``, ``"fill"``/``"drop"``/``None``, ``"promise_in_bounds"``, ``"one_hot"``."""
        if isinstance(s, GatherScatterMode):
            return s
        named = {"clip": GatherScatterMode.CLIP, "fill": GatherScatterMode.FILL_OR_DROP, "drop": GatherScatterMode.FILL_OR_DROP,
                 None: GatherScatterMode.FILL_OR_DROP, "promise_in_bounds": GatherScatterMode.PROMISE_IN_BOUNDS,
                 "one_hot": GatherScatterMode.ONE_HOT}
        if not isinstance(s, (str, type(None))) or s not in named:
            raise ValueError(f'Unknown gather mode "{s}"')
        return named[s]


class GatherDimensionNumbers(NamedTuple):
    """XLA's gather dimension numbers; the index vector is always the last axis of ``start_indices``.

    ``offset_dims``: the output axes that hold window offsets. ``collapsed_slice_dims``: operand
    axes of slice size 1 dropped from the output. ``start_index_map``: the operand axis each
    index-vector entry addresses. ``operand_batching_dims`` / ``start_indices_batching_dims``:
    paired axes along which operand and indices are batched together.

    >>> GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
    GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,), operand_batching_dims=(), start_indices_batching_dims=())
    """

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
    """XLA's scatter dimension numbers; the index vector is always the last axis of ``scatter_indices``.

    ``update_window_dims``: the axes of ``updates`` that hold window offsets.
    ``inserted_window_dims``: operand axes of window size 1 absent from ``updates``.
    ``scatter_dims_to_operand_dims``: the operand axis each index-vector entry addresses.
    ``operand_batching_dims`` / ``scatter_indices_batching_dims``: paired batch axes.

    >>> ScatterDimensionNumbers((), (0,), (0,))
    ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,), operand_batching_dims=(), scatter_indices_batching_dims=())
    """

    update_window_dims: Sequence[int]
    inserted_window_dims: Sequence[int]
    scatter_dims_to_operand_dims: Sequence[int]
    operand_batching_dims: Sequence[int] = ()
    scatter_indices_batching_dims: Sequence[int] = ()


class _Plan(NamedTuple):
    """A gather or scatter in ``lax.indexing``'s point layout (see the module docstring)."""

    addressed: tuple[int, ...]  # operand axes an index tuple addresses, ascending
    whole: tuple[int, ...]  # window axes taken whole (slice size = axis size, not indexed)
    grid: tuple[int, ...]  # addressed window axes (each element of the window is a point)
    window_axes: tuple[int, ...]  # every window axis of the operand, ascending
    value_axes: tuple[int, ...]  # the window-offset axes of the gathered value / updates

    @property
    def operand_perm(self) -> tuple[int, ...]:
        return self.addressed + self.whole


def _check_sorted(name: str, field: str, dims: Sequence[int], bound: int) -> None:
    if list(dims) != sorted(set(dims)) or any(not 0 <= d < bound for d in dims):
        raise TypeError(f"{name}: {field} {tuple(dims)} must be sorted, unique and in range [0, {bound})")


def _plan(name: str, operand_shape: Sequence[int], indices_shape: Sequence[int], window_sizes: Sequence[int],
          value_axes: Sequence[int], dropped: Sequence[int], index_map: Sequence[int], operand_batching: Sequence[int],
          indices_batching: Sequence[int], value_ndim: int) -> _Plan:
    """The point-layout plan shared by gather (``value_axes`` = offset_dims) and scatter
    (``value_axes`` = update_window_dims); ``window_sizes`` gives every operand axis's window."""
    rank = len(operand_shape)
    if not indices_shape:
        raise TypeError(f"{name}: indices must have an index-vector axis (the last), got a scalar")
    if indices_shape[-1] != len(index_map):
        raise TypeError(f"{name}: the index vector has length {indices_shape[-1]} but the map to operand axes "
                        f"{tuple(index_map)} has {len(index_map)} entries")
    _check_sorted(name, "window dimensions", value_axes, value_ndim)
    _check_sorted(name, "collapsed/inserted dimensions", dropped, rank)
    _check_sorted(name, "operand batching dimensions", operand_batching, rank)
    if len(set(index_map)) != len(index_map) or any(not 0 <= d < rank for d in index_map):
        raise TypeError(f"{name}: the map to operand axes {tuple(index_map)} must be unique and in range [0, {rank})")
    if len(operand_batching) != len(indices_batching) or set(operand_batching) & (set(dropped) | set(index_map)):
        raise TypeError(f"{name}: operand batching dimensions {tuple(operand_batching)} must pair with the indices' "
                        f"{tuple(indices_batching)} and be neither collapsed nor indexed")
    if any(not 0 <= d < len(indices_shape) - 1 for d in indices_batching) or len(set(indices_batching)) != len(indices_batching):
        raise TypeError(f"{name}: indices batching dimensions {tuple(indices_batching)} must be unique batch axes of "
                        f"indices of shape {tuple(indices_shape)}")
    window_axes = tuple(d for d in range(rank) if d not in dropped and d not in operand_batching)
    if len(window_axes) != len(value_axes):
        raise TypeError(f"{name}: {len(value_axes)} window dimensions for the {len(window_axes)} operand axes "
                        f"{window_axes} that are neither collapsed nor batching")
    for d in tuple(dropped) + tuple(operand_batching):
        if window_sizes[d] != 1:
            raise TypeError(f"{name}: collapsed and batching axes need a window of size 1, axis {d} has {window_sizes[d]}")
    if any(not 0 <= n <= size for n, size in zip(window_sizes, operand_shape)):
        raise TypeError(f"{name}: window sizes {tuple(window_sizes)} do not fit operand of shape {tuple(operand_shape)}")
    for d, j in zip(operand_batching, indices_batching):
        if operand_shape[d] != indices_shape[j]:
            raise TypeError(f"{name}: operand batching axis {d} (size {operand_shape[d]}) and indices axis {j} "
                            f"(size {indices_shape[j]}) differ in size")
    whole = tuple(d for d in window_axes if d not in index_map and window_sizes[d] == operand_shape[d])
    addressed = tuple(d for d in range(rank) if d not in whole)
    return _Plan(addressed, whole, tuple(d for d in addressed if d in window_axes), window_axes, tuple(value_axes))


def _point_indices(plan: _Plan, operand_shape: Sequence[int], indices: Any, index_map: Sequence[int],
                   window_sizes: Sequence[int], batching: dict, clip: bool) -> tuple[Any, Any]:
    """Index tuples of every window element, shape ``(*indices batch axes, *grid sizes,
    len(addressed))``, and whether each window lies in bounds (shape: the indices' batch axes).
    ``batching`` maps each operand batching axis to its indices axis."""
    lead = core.get_aval(indices).shape[:-1]
    grid = tuple(window_sizes[d] for d in plan.grid)
    full_shape = lead + grid
    in_bounds = _shape.full(lead, True, dtypes.bool_)
    columns = []
    for d in plan.addressed:
        limit = operand_shape[d] - window_sizes[d]
        if d in batching:
            start = _shape.broadcasted_iota(dtypes.int64, full_shape, batching[d])
        elif d in index_map:
            k = index_map.index(d)
            start = _ew.convert_element_type(_shape.squeeze(slice_in_dim(indices, k, k + 1, axis=len(lead)), (len(lead),)), dtypes.int64)
            in_bounds = _ew.bitwise_and(in_bounds, _ew.bitwise_and(_ew.ge(start, 0), _ew.le(start, limit)))
            start = _ew.max(_ew.min(start, limit), 0) if clip else start
            start = _shape.broadcast_in_dim(start, full_shape, tuple(range(len(lead))))
        else:
            start = _shape.full(full_shape, 0, dtypes.int64)
        if d in plan.grid:
            start = _ew.add(start, _shape.broadcasted_iota(dtypes.int64, full_shape, len(lead) + plan.grid.index(d)))
        columns.append(_shape.expand_dims(start, (len(full_shape),)))
    if not columns:  # the operand in the point layout has a unit axis for them (see _to_layout)
        return _shape.full(full_shape + (1,), 0, dtypes.int64), in_bounds
    return _shape.concatenate(columns, len(full_shape)), in_bounds


def _value_perm(plan: _Plan, nlead: int, value_ndim: int) -> tuple[int, ...]:
    """For each axis of the gathered value / updates, its axis in the point layout
    ``(*indices batch axes, *grid, *whole)``."""
    layout = [("b", j) for j in range(nlead)] + [("w", d) for d in plan.grid + plan.whole]
    batch_axes, window_axes = iter(range(nlead)), iter(plan.window_axes)
    order = [("w", next(window_axes)) if p in plan.value_axes else ("b", next(batch_axes)) for p in range(value_ndim)]
    return tuple(layout.index(label) for label in order)


def _fill_value(dtype: np.dtype, fill_value: Any) -> Any:
    if fill_value is not None:
        return fill_value
    if dtype.kind == "f":
        return np.nan
    if dtype.kind in "iu":
        return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max
    return True


def gather(operand: Any, start_indices: Any, dimension_numbers: GatherDimensionNumbers, slice_sizes: Sequence[int], *,
           unique_indices: bool = False, indices_are_sorted: bool = False, mode: Any = None, fill_value: Any = None) -> Any:
    """Windows of ``operand`` at ``start_indices``, laid out by XLA's ``GatherDimensionNumbers``.

    ``mode`` (a ``GatherScatterMode`` or its name; default ``PROMISE_IN_BOUNDS``, which clamps)
    says what a window partly out of bounds reads: ``"clip"`` moves it back in range,
    ``"fill"`` reads ``fill_value`` (NaN for floats, the minimum of a signed integer type).

    >>> dnums = GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
    >>> gather(np.arange(12).reshape(4, 3), np.array([[2], [0]]), dnums, (1, 3))
    array([[6, 7, 8],
           [0, 1, 2]])
    """
    if not isinstance(dimension_numbers, GatherDimensionNumbers):
        raise TypeError(f"gather: dimension_numbers must be a GatherDimensionNumbers, got {dimension_numbers!r}")
    operand, start_indices = _array(operand), _array(start_indices)
    dn = dimension_numbers
    o_aval, i_aval = core.get_aval(operand), core.get_aval(start_indices)
    if i_aval.dtype.kind not in "iu":
        raise TypeError(f"gather: start_indices must have an integer type, got {i_aval.str_short()}")
    sizes = tuple(int(s) for s in slice_sizes)
    if len(sizes) != o_aval.ndim:
        raise TypeError(f"gather: slice_sizes {sizes} must have one entry per axis of operand {o_aval.str_short()}")
    out_ndim = i_aval.ndim - 1 + len(dn.offset_dims)
    plan = _plan("gather", o_aval.shape, i_aval.shape, sizes, dn.offset_dims, dn.collapsed_slice_dims,
                 tuple(dn.start_index_map), dn.operand_batching_dims, dn.start_indices_batching_dims, out_ndim)
    parsed = GatherScatterMode.from_any(mode) if mode is not None else GatherScatterMode.PROMISE_IN_BOUNDS
    batching = dict(zip(dn.operand_batching_dims, dn.start_indices_batching_dims))
    points, in_bounds = _point_indices(plan, o_aval.shape, start_indices, tuple(dn.start_index_map), sizes, batching, clip=True)
    out = _ix.gather(_to_layout(operand, plan), points, 0, "clip")
    if parsed is GatherScatterMode.FILL_OR_DROP:
        out_shape = core.get_aval(out).shape
        mask = _shape.broadcast_in_dim(in_bounds, out_shape, tuple(range(i_aval.ndim - 1)))
        out = _ew.select_n(mask, _shape.full(out_shape, _fill_value(o_aval.dtype, fill_value), o_aval.dtype), out)
    return _shape.transpose(out, _value_perm(plan, i_aval.ndim - 1, out_ndim))


def _scatter_points(name: str, operand: Any, indices: Any, updates_aval: core.ShapedArray, dn: ScatterDimensionNumbers,
                    mode: Any) -> tuple[Any, Any, _Plan, tuple[int, ...]]:
    """A scatter's operand and index tuples in the point layout (windows partly out of bounds
    already point out of range unless clipped), its plan, and the permutation that puts
    updates in that layout."""
    if not isinstance(dn, ScatterDimensionNumbers):
        raise TypeError(f"{name}: dimension_numbers must be a ScatterDimensionNumbers, got {dn!r}")
    o_aval, i_aval, u_aval = core.get_aval(operand), core.get_aval(indices), updates_aval
    if i_aval.dtype.kind not in "iu":
        raise TypeError(f"{name}: scatter_indices must have an integer type, got {i_aval.str_short()}")
    if u_aval.dtype != o_aval.dtype:
        raise TypeError(f"{name}: updates {u_aval.str_short()} must have the operand's dtype {o_aval.dtype}")
    window_axes = [d for d in range(o_aval.ndim) if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims]
    nlead = i_aval.ndim - 1
    if (len(window_axes) != len(dn.update_window_dims) or u_aval.ndim != nlead + len(window_axes)
            or any(not 0 <= a < u_aval.ndim for a in dn.update_window_dims)):
        raise TypeError(f"{name}: updates {u_aval.str_short()} do not fit update_window_dims {tuple(dn.update_window_dims)}, "
                        f"scatter_indices {i_aval.str_short()} and the operand's window axes {tuple(window_axes)}")
    sizes = [1] * o_aval.ndim
    for d, a in zip(window_axes, dn.update_window_dims):
        sizes[d] = u_aval.shape[a]
    index_map = tuple(dn.scatter_dims_to_operand_dims)
    plan = _plan(name, o_aval.shape, i_aval.shape, sizes, dn.update_window_dims, dn.inserted_window_dims, index_map,
                 dn.operand_batching_dims, dn.scatter_indices_batching_dims, u_aval.ndim)
    scatter_axes = [a for a in range(u_aval.ndim) if a not in dn.update_window_dims]
    if tuple(u_aval.shape[a] for a in scatter_axes) != i_aval.shape[:-1]:
        raise TypeError(f"{name}: updates {u_aval.str_short()} do not fit scatter_indices {i_aval.str_short()}")
    clip = GatherScatterMode.from_any(mode) is GatherScatterMode.CLIP
    batching = dict(zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims))
    points, in_bounds = _point_indices(plan, o_aval.shape, indices, index_map, sizes, batching, clip)
    if not clip and plan.addressed:
        # Every element of a window partly out of bounds points out of range, so the whole window is dropped.
        shape = core.get_aval(points).shape
        mask = _shape.broadcast_in_dim(in_bounds, shape, tuple(range(nlead)))
        points = _ew.select_n(mask, _shape.full(shape, -1, dtypes.int64), points)
    to_layout = tuple(np.argsort(_value_perm(plan, nlead, u_aval.ndim)).tolist())
    return _to_layout(operand, plan), points, plan, to_layout


def _to_layout(operand: Any, plan: _Plan) -> Any:
    """The operand in the point layout; with no addressed axes, a unit axis is addressed."""
    moved = _shape.transpose(operand, plan.operand_perm)
    return moved if plan.addressed else _shape.expand_dims(moved, (0,))


def _restore(out: Any, plan: _Plan) -> Any:
    out = out if plan.addressed else _shape.squeeze(out, (0,))
    return _shape.transpose(out, tuple(np.argsort(plan.operand_perm).tolist()))


def _scatter_kind(kind: str, doc: str) -> Callable:
    name = "scatter" if kind == "set" else f"scatter_{kind}"

    def scatter_op(operand: Any, scatter_indices: Any, updates: Any, dimension_numbers: ScatterDimensionNumbers, *,
                   indices_are_sorted: bool = False, unique_indices: bool = False, mode: Any = None) -> Any:
        operand, scatter_indices, updates = _array(operand), _array(scatter_indices), _array(updates)
        moved, points, plan, to_layout = _scatter_points(name, operand, scatter_indices, core.get_aval(updates),
                                                         dimension_numbers, mode)
        return _restore(_ix.scatter(moved, points, _shape.transpose(updates, to_layout), kind, 0, "drop"), plan)

    scatter_op.__name__ = scatter_op.__qualname__ = name
    scatter_op.__doc__ = doc
    return scatter_op


scatter_add = _scatter_kind("add", """``operand`` plus ``updates`` at ``scatter_indices`` (repeated indices accumulate);
    a window partly out of bounds is dropped, or with ``mode="clip"`` moved back in range.

    >>> scatter_add(np.zeros(3), np.array([[0], [0], [2]]), np.array([1.0, 2.0, 4.0]), ScatterDimensionNumbers((), (0,), (0,)))
    array([3., 0., 4.])
    """)
scatter_mul = _scatter_kind("mul", """``operand`` times ``updates`` at ``scatter_indices`` (repeated indices multiply).

    >>> scatter_mul(np.ones(3), np.array([[0], [0]]), np.array([2.0, 3.0]), ScatterDimensionNumbers((), (0,), (0,)))
    array([6., 1., 1.])
    """)
scatter_min = _scatter_kind("min", """The minimum of ``operand`` and ``updates`` at ``scatter_indices``.

    >>> scatter_min(np.zeros(3), np.array([[0], [1]]), np.array([-2.0, 3.0]), ScatterDimensionNumbers((), (0,), (0,)))
    array([-2.,  0.,  0.])
    """)
scatter_max = _scatter_kind("max", """The maximum of ``operand`` and ``updates`` at ``scatter_indices``.

    >>> scatter_max(np.zeros(3), np.array([[0], [1]]), np.array([-2.0, 3.0]), ScatterDimensionNumbers((), (0,), (0,)))
    array([0., 3., 0.])
    """)


scatter = _scatter_kind("set", """``operand`` with windows of ``updates`` written at ``scatter_indices``, laid out by XLA's
    ``ScatterDimensionNumbers``; a window partly out of bounds is dropped (or, with
    ``mode="clip"``, moved back in range). Where windows overlap, one write wins.

    >>> dnums = ScatterDimensionNumbers((), (0,), (0,))
    >>> scatter(np.zeros(4), np.array([[1], [9]]), np.array([5.0, 6.0]), dnums)
    array([0., 5., 0., 0.])
    """)


def scatter_sub(operand: Any, scatter_indices: Any, updates: Any, dimension_numbers: ScatterDimensionNumbers, *,
                indices_are_sorted: bool = False, unique_indices: bool = False, mode: Any = None) -> Any:
    """``operand`` minus ``updates`` at ``scatter_indices`` (a ``scatter_add`` of ``-updates``).

    >>> scatter_sub(np.ones(3), np.array([[0], [0]]), np.array([1.0, 2.0]), ScatterDimensionNumbers((), (0,), (0,)))
    array([-2.,  1.,  1.])
    """
    return scatter_add(operand, scatter_indices, _ew.neg(_array(updates)), dimension_numbers, mode=mode)


def scatter_apply(operand: Any, scatter_indices: Any, func: Callable[[Any], Any], dimension_numbers: ScatterDimensionNumbers, *,
                  update_shape: Sequence[int] = (), indices_are_sorted: bool = False, unique_indices: bool = False,
                  mode: Any = None) -> Any:
    """``operand`` with the elementwise ``func`` applied at ``scatter_indices`` (windows of
    ``update_shape``), once per time an element is addressed, as XLA's scatter applies it.

    >>> scatter_apply(np.arange(4.0), np.array([[1], [1], [3]]), lambda v: v * 10, ScatterDimensionNumbers((), (0,), (0,)), update_shape=(3,))
    array([  0., 100.,   2.,  30.])
    """
    operand, scatter_indices = _array(operand), _array(scatter_indices)
    dtype = core.get_aval(operand).dtype
    moved, points, plan, _ = _scatter_points("scatter_apply", operand, scatter_indices, core.ShapedArray(update_shape, dtype),
                                             dimension_numbers, mode)
    # One index tuple at a time, so that an element addressed twice gets func twice.
    k = core.get_aval(points).shape[-1]
    flat = _shape.reshape(points, (math.prod(core.get_aval(points).shape[:-1]), k))
    trailing = core.get_aval(moved).shape[k:]

    def body(i, x):
        point = _ix.dynamic_slice(flat, [i, np.int64(0)], (1, k), allow_negative_indices=False)
        value = _shape.broadcast_in_dim(func(_ix.gather(x, point, 0, "drop")), (1,) + trailing, tuple(range(1 + len(trailing))))
        return _ix.scatter(x, point, _ew.convert_element_type(value, dtype), "set", 0, "drop")

    return _restore(_cf.fori_loop(0, core.get_aval(flat).shape[0], body, moved), plan)
