"""Shape primitives: broadcast, reshape, transpose, squeeze, reverse, concatenate,
pad, slice, iota. All but iota are linear, so each has a transpose rule."""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import core
from ..autodiff import (
    UndefinedPrimal, Zero, deflinear, instantiate_zeros, is_undefined, jvp_rules, tangent_ops, transpose_rules,
)
from ..batching import axis_ops, batching_rules, bdim_at_front, moveaxis
from ..core import Primitive, ShapedArray
from ..errors import ShapeError
from ..lowering import def_generator, def_index_map, def_statement
from . import elementwise as _ew
from ._above import above


def _shape_error(name: str, message: str) -> ShapeError:
    return ShapeError(f"{name}: {message}")


def _positive_axes(axes: Sequence[int], ndim: int, name: str) -> tuple[int, ...]:
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise _shape_error(name, f"axis {a} is out of bounds for an array of rank {ndim}")
        out.append(a % ndim)
    return tuple(out)


# --------------------------------------------------------------------------- broadcast_in_dim

broadcast_in_dim_p = Primitive("broadcast_in_dim")


@broadcast_in_dim_p.def_impl
def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    expanded = [1] * len(shape)
    for src, dst in enumerate(broadcast_dimensions):
        expanded[dst] = x.shape[src]
    return [np.ascontiguousarray(np.broadcast_to(np.reshape(x, expanded), shape))]


@broadcast_in_dim_p.def_abstract_eval
def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != x.ndim:
        raise _shape_error("broadcast_in_dim", f"operand {x.str_short()} needs {x.ndim} broadcast_dimensions, got {broadcast_dimensions}")
    if any(b <= a for a, b in zip(broadcast_dimensions, broadcast_dimensions[1:])):
        raise _shape_error("broadcast_in_dim", f"broadcast_dimensions {broadcast_dimensions} must be strictly increasing")
    for src, dst in enumerate(broadcast_dimensions):
        if not 0 <= dst < len(shape) or x.shape[src] not in (1, shape[dst]):
            raise _shape_error("broadcast_in_dim", f"cannot broadcast {x.str_short()} to shape {shape} with dimensions {broadcast_dimensions}")
    return [ShapedArray(shape, x.dtype, x.weak_type)]


def broadcast_in_dim(x: Any, shape: Sequence[int], broadcast_dimensions: Sequence[int]) -> Any:
    """``x`` broadcast to ``shape``, its axis ``i`` becoming axis ``broadcast_dimensions[i]``.

    Each of ``x``'s axes has the size of the axis it becomes, or size 1; the other axes of
    ``shape`` are new.

    >>> broadcast_in_dim(np.array([1, 2]), (3, 2), (1,))
    array([[1, 2],
           [1, 2],
           [1, 2]])
    >>> broadcast_in_dim(np.array([[1], [2]]), (2, 3), (0, 1))
    array([[1, 1, 1],
           [2, 2, 2]])
    """
    shape, dims = tuple(int(d) for d in shape), tuple(broadcast_dimensions)
    aval = core.get_aval(x)
    if aval.shape == shape and dims == tuple(range(len(shape))) and not type(x) in core._PY_SCALARS:
        return x
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=dims)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions):
    in_shape = x.aval.shape
    summed = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
    expanded = tuple(dst for src, dst in enumerate(broadcast_dimensions) if in_shape[src] == 1 and shape[dst] != 1)
    out = above.reduce_sum(ct, summed + expanded)
    return [reshape(out, in_shape)]


def _broadcast_in_dim_batch(size, vals, dims, *, shape, broadcast_dimensions):
    x = bdim_at_front(vals[0], dims[0], size)
    new_dims = (0,) + tuple(d + 1 for d in broadcast_dimensions)
    return [broadcast_in_dim_p.bind(x, shape=(size,) + shape, broadcast_dimensions=new_dims)], [0]


deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
batching_rules[broadcast_in_dim_p] = _broadcast_in_dim_batch


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None) -> Any:
    """An array of ``shape`` filled with the scalar ``fill_value``, in ``dtype`` (``fill_value``'s by default).

    >>> full((2, 2), 3, np.int8)
    array([[3, 3],
           [3, 3]], dtype=int8)
    """
    shape = tuple(int(d) for d in shape)
    if isinstance(fill_value, core.Tracer):
        value = fill_value if dtype is None else _ew.convert_element_type(fill_value, dtype)
        if core.get_aval(value).ndim:
            raise _shape_error("full", f"fill_value must be a scalar, got {core.get_aval(value).str_short()}")
    else:
        value = np.asarray(fill_value, dtype)
        if value.ndim:
            raise _shape_error("full", f"fill_value must be a scalar, got shape {value.shape}")
    return broadcast_in_dim_p.bind(value, shape=shape, broadcast_dimensions=()) if shape else value


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Any:
    """An array of ``x``'s shape filled with the scalar ``fill_value``.

    In ``dtype`` (``x``'s by default), to which ``fill_value`` is cast. Unlike JAX's, it
    takes no ``shape`` or ``sharding``.

    >>> full_like(np.arange(3), 7)
    array([7, 7, 7])
    >>> full_like(np.arange(3), 0.5, np.float32)
    array([0.5, 0.5, 0.5], dtype=float32)
    """
    aval = core.get_aval(x)
    return full(aval.shape, fill_value, aval.dtype if dtype is None else dtype)


def zeros_like(x: Any) -> Any:
    """Zeros of ``x``'s shape and dtype (``full_like(x, 0)``; JAX keeps its counterpart private).

    >>> zeros_like(np.array([1.5, 2.0]))
    array([0., 0.])
    """
    return full_like(x, 0)


def _broadcast_map(eqn):
    src, dims = eqn.inputs[0].aval.shape, eqn.params["broadcast_dimensions"]
    return lambda idx: (["0" if src[j] == 1 else idx[d] for j, d in enumerate(dims)], None)


def_index_map(broadcast_in_dim_p, _broadcast_map, looped=True, keeps_position=True, repeats=True)

# --------------------------------------------------------------------------- reshape

reshape_p = Primitive("reshape")
reshape_p.def_impl(lambda x, *, new_sizes: [np.reshape(x, new_sizes)])


@reshape_p.def_abstract_eval
def _reshape_abstract_eval(x, *, new_sizes):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size or any(d < 0 for d in new_sizes):
        raise _shape_error("reshape", f"cannot reshape {x.str_short()} (size {x.size}) to shape {new_sizes}")
    return [ShapedArray(new_sizes, x.dtype, x.weak_type)]


def reshape(x: Any, new_sizes: Sequence[int]) -> Any:
    """``x``'s elements, in row-major order, in an array of shape ``new_sizes`` (of equal size).

    No ``-1`` placeholder (``functrans.numpy.reshape`` takes one), and unlike JAX's, no
    ``dimensions`` to transpose by first: ``transpose`` does that.

    >>> reshape(np.arange(6), (2, 3))
    array([[0, 1, 2],
           [3, 4, 5]])
    """
    new_sizes = tuple(int(d) for d in new_sizes)
    if core.get_aval(x).shape == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes)


def _reshape_batch(size, vals, dims, *, new_sizes):
    x = bdim_at_front(vals[0], dims[0], size)
    return [reshape_p.bind(x, new_sizes=(size,) + new_sizes)], [0]


deflinear(reshape_p, lambda ct, x, *, new_sizes: [reshape(ct, x.aval.shape)])
batching_rules[reshape_p] = _reshape_batch


def expand_dims(x: Any, dimensions: Sequence[int]) -> Any:
    """``x`` with axes of size 1 inserted at the positions ``dimensions`` of the result.

    Negative positions count from the result's end.

    >>> expand_dims(np.arange(3), (0, -1)).shape
    (1, 3, 1)
    """
    aval = core.get_aval(x)
    ndim = aval.ndim + len(dimensions)
    dims = sorted(_positive_axes(dimensions, ndim, "expand_dims"))
    shape = list(aval.shape)
    for d in dims:
        shape.insert(d, 1)
    return reshape(x, shape)


def _unit_reshape_map(eqn):
    """A reshape that only adds or drops size-1 dimensions is an index map; others would need divisions."""
    in_shape, out_shape = eqn.inputs[0].aval.shape, eqn.out_binders[0].aval.shape
    if [d for d in in_shape if d != 1] != [d for d in out_shape if d != 1]:
        return None

    def rule(idx):
        kept = iter(i for i, n in zip(idx, out_shape) if n != 1)
        return ["0" if n == 1 else next(kept) for n in in_shape], None

    return rule


def_index_map(reshape_p, _unit_reshape_map, looped=False, keeps_position=True)


@def_statement(reshape_p, fresh=False)
def _reshape_lowering(em, eqn, args, outs):
    em.emit(f"{outs[0]} = {args[0]}.reshape({eqn.out_binders[0].aval.shape!r})")

# --------------------------------------------------------------------------- transpose

transpose_p = Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: [np.ascontiguousarray(np.transpose(x, permutation))])


@transpose_p.def_abstract_eval
def _transpose_abstract_eval(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise _shape_error("transpose", f"permutation {permutation} is not a permutation of the axes of {x.str_short()}")
    return [ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)]


def transpose(x: Any, permutation: Sequence[int]) -> Any:
    """``x`` with its axes permuted: axis ``i`` of the result is axis ``permutation[i]`` of ``x``.

    >>> transpose(np.arange(6).reshape(2, 3), (1, 0))
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


def _transpose_batch(size, vals, dims, *, permutation):
    x = bdim_at_front(vals[0], dims[0], size)
    return [transpose_p.bind(x, permutation=(0,) + tuple(p + 1 for p in permutation))], [0]


deflinear(transpose_p, lambda ct, x, *, permutation: [transpose(ct, tuple(np.argsort(permutation)))])
batching_rules[transpose_p] = _transpose_batch


def _transpose_map(eqn):
    perm = eqn.params["permutation"]
    return lambda idx: ([idx[perm.index(d)] for d in range(len(perm))], None)


def_index_map(transpose_p, _transpose_map, looped=True)

# --------------------------------------------------------------------------- squeeze

squeeze_p = Primitive("squeeze")
squeeze_p.def_impl(lambda x, *, dimensions: [np.squeeze(x, dimensions)])


@squeeze_p.def_abstract_eval
def _squeeze_abstract_eval(x, *, dimensions):
    for d in dimensions:
        if not 0 <= d < x.ndim or x.shape[d] != 1:
            raise _shape_error("squeeze", f"cannot squeeze axis {d} of {x.str_short()}: it must have size 1")
    return [ShapedArray(tuple(s for i, s in enumerate(x.shape) if i not in dimensions), x.dtype, x.weak_type)]


def squeeze(x: Any, dimensions: Sequence[int]) -> Any:
    """``x`` without its axes ``dimensions``, each of which must have size 1.

    Negative axes count from the end; an axis of another size raises ``ShapeError``.

    >>> squeeze(np.zeros((1, 3, 1)), (0, -1)).shape
    (3,)
    """
    dims = tuple(sorted(_positive_axes(dimensions, core.get_aval(x).ndim, "squeeze")))
    return squeeze_p.bind(x, dimensions=dims) if dims else x


def _squeeze_batch(size, vals, dims, *, dimensions):
    x = bdim_at_front(vals[0], dims[0], size)
    return [squeeze_p.bind(x, dimensions=tuple(d + 1 for d in dimensions))], [0]


deflinear(squeeze_p, lambda ct, x, *, dimensions: [reshape(ct, x.aval.shape)])
batching_rules[squeeze_p] = _squeeze_batch


def_index_map(squeeze_p, _unit_reshape_map, looped=False, keeps_position=True)
def_statement(squeeze_p, fresh=False)(_reshape_lowering)

# --------------------------------------------------------------------------- rev

rev_p = Primitive("rev")
rev_p.def_impl(lambda x, *, dimensions: [np.ascontiguousarray(np.flip(x, dimensions))])


@rev_p.def_abstract_eval
def _rev_abstract_eval(x, *, dimensions):
    _positive_axes(dimensions, x.ndim, "rev")
    return [x]


def rev(x: Any, dimensions: Sequence[int]) -> Any:
    """``x`` with the order of its elements reversed along each axis in ``dimensions``.

    >>> rev(np.arange(6).reshape(2, 3), (1,))
    array([[2, 1, 0],
           [5, 4, 3]])
    """
    dims = tuple(sorted(_positive_axes(dimensions, core.get_aval(x).ndim, "rev")))
    return rev_p.bind(x, dimensions=dims) if dims else x


def _rev_batch(size, vals, dims, *, dimensions):
    x = bdim_at_front(vals[0], dims[0], size)
    return [rev_p.bind(x, dimensions=tuple(d + 1 for d in dimensions))], [0]


deflinear(rev_p, lambda ct, x, *, dimensions: [rev_p.bind(ct, dimensions=dimensions)])
batching_rules[rev_p] = _rev_batch


def _rev_map(eqn):
    shape, dims = eqn.inputs[0].aval.shape, eqn.params["dimensions"]
    return lambda idx: ([f"({n - 1} - {i})" if d in dims else i for d, (i, n) in enumerate(zip(idx, shape))], None)


def_index_map(rev_p, _rev_map, looped=True)

# --------------------------------------------------------------------------- concatenate

concatenate_p = Primitive("concatenate")
concatenate_p.def_impl(lambda *xs, dimension: [np.concatenate(xs, axis=dimension)])


@concatenate_p.def_abstract_eval
def _concatenate_abstract_eval(*xs, dimension):
    if not xs:
        raise _shape_error("concatenate", "needs at least one operand")
    x0 = xs[0]
    if not 0 <= dimension < x0.ndim:
        raise _shape_error("concatenate", f"dimension {dimension} is out of bounds for operands of rank {x0.ndim}")
    for x in xs:
        if x.ndim != x0.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape)) if i != dimension):
            raise _shape_error("concatenate", f"operands {', '.join(a.str_short() for a in xs)} differ in shape off axis {dimension}")
        if x.dtype != x0.dtype:
            raise _shape_error("concatenate", f"operands {', '.join(a.str_short() for a in xs)} differ in dtype")
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return [ShapedArray(shape, x0.dtype, all(x.weak_type for x in xs))]


def concatenate(xs: Sequence[Any], dimension: int) -> Any:
    """The arrays ``xs`` joined along the axis ``dimension``.

    They must have one dtype (no promotion) and equal shapes except along ``dimension``.

    >>> concatenate([np.array([[1, 2]]), np.array([[3, 4], [5, 6]])], 0)
    array([[1, 2],
           [3, 4],
           [5, 6]])
    """
    xs = list(xs)
    return xs[0] if len(xs) == 1 else concatenate_p.bind(*xs, dimension=int(dimension))


def _concatenate_transpose(ct, *xs, dimension):
    cts, start = [], 0
    for x in xs:
        aval = x.aval if is_undefined(x) else core.get_aval(x)
        size = aval.shape[dimension]
        if is_undefined(x):
            starts = [0] * aval.ndim
            limits = list(aval.shape)
            starts[dimension], limits[dimension] = start, start + size
            cts.append(slice(ct, starts, limits))
        else:
            cts.append(None)
        start += size
    return cts


def _concatenate_batch(size, vals, dims, *, dimension):
    vals = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    return [concatenate_p.bind(*vals, dimension=dimension + 1)], [0]


deflinear(concatenate_p, _concatenate_transpose)
batching_rules[concatenate_p] = _concatenate_batch


@def_statement(concatenate_p, fresh=True)
def _concatenate_lowering(em, eqn, args, outs):
    em.emit(f"{outs[0]} = np.concatenate(({', '.join(args)},), axis={eqn.params['dimension']})")

# --------------------------------------------------------------------------- pad

pad_p = Primitive("pad")


def _padded_size(d: int, lo: int, hi: int, interior: int) -> int:
    return lo + hi + d + max(d - 1, 0) * interior


@pad_p.def_impl
def _pad_impl(x, padding_value, *, padding_config):
    x = np.asarray(x)  # a Python scalar operand (a weakly typed primal) has no shape
    grown = [_padded_size(d, max(lo, 0), max(hi, 0), i) for d, (lo, hi, i) in zip(x.shape, padding_config)]
    out = np.full(grown, padding_value, dtype=x.dtype)
    inner = tuple(builtins.slice(max(lo, 0), max(lo, 0) + _padded_size(d, 0, 0, i), i + 1) for d, (lo, hi, i) in zip(x.shape, padding_config))
    out[inner] = x
    crop = tuple(builtins.slice(max(-lo, 0), g - max(-hi, 0)) for g, (lo, hi, _) in zip(grown, padding_config))
    return [np.require(out[crop], requirements="C")]  # ascontiguousarray would make a 0-d result 1-d


@pad_p.def_abstract_eval
def _pad_abstract_eval(x, padding_value, *, padding_config):
    if padding_value.ndim != 0 or padding_value.dtype != x.dtype:
        raise _shape_error("pad", f"padding value must be a scalar of the operand's dtype {x.dtype}, got {padding_value.str_short()}")
    if len(padding_config) != x.ndim or any(i < 0 for _, _, i in padding_config):
        raise _shape_error("pad", f"padding_config {padding_config} does not fit operand {x.str_short()}")
    shape = [_padded_size(d, lo, hi, i) for d, (lo, hi, i) in zip(x.shape, padding_config)]
    if any(s < 0 for s in shape):
        raise _shape_error("pad", f"padding_config {padding_config} removes more than operand {x.str_short()} has")
    return [ShapedArray(shape, x.dtype, x.weak_type)]


def pad(x: Any, padding_value: Any, padding_config: Sequence[tuple[int, int, int]]) -> Any:
    """``x`` padded with the scalar ``padding_value``: ``(low, high, interior)`` elements per axis.

    ``interior`` elements go between neighbours; a negative ``low`` or ``high`` crops.

    >>> pad(np.array([1, 2, 3]), 0, [(1, 2, 1)])
    array([0, 1, 0, 2, 0, 3, 0, 0])
    >>> pad(np.array([1, 2, 3]), -1, [(-1, 1, 0)])
    array([ 2,  3, -1])
    """
    config = tuple((int(lo), int(hi), int(i)) for lo, hi, i in padding_config)
    if type(padding_value) in core._PY_SCALARS:
        padding_value = np.asarray(padding_value, core.get_aval(x).dtype)
    return pad_p.bind(x, padding_value, padding_config=config)


def _pad_transpose(ct, x, padding_value, *, padding_config):
    result = []
    if is_undefined(x):
        uncropped = pad(ct, 0, [(max(-lo, 0), max(-hi, 0), 0) for lo, hi, _ in padding_config])
        shape = x.aval.shape
        starts = [max(lo, 0) for lo, _, _ in padding_config]
        limits = [s + _padded_size(d, 0, 0, i) for s, d, (_, _, i) in zip(starts, shape, padding_config)]
        t_x = slice(uncropped, starts, limits, [i + 1 for _, _, i in padding_config])
        result.append(t_x)
    else:
        t_x = None
        result.append(None)
    if is_undefined(padding_value):
        total = above.reduce_sum(ct, tuple(range(core.get_aval(ct).ndim)))
        if t_x is not None:
            total = _ew.sub(total, above.reduce_sum(t_x, tuple(range(core.get_aval(t_x).ndim))))
        else:
            inner = _pad_transpose(ct, _undefined_like(x), padding_value, padding_config=padding_config)[0]
            total = _ew.sub(total, above.reduce_sum(inner, tuple(range(core.get_aval(inner).ndim))))
        result.append(total)
    else:
        result.append(None)
    return result


def _undefined_like(x):
    return UndefinedPrimal(core.get_aval(x))


def _pad_batch(size, vals, dims, *, padding_config):
    (x, v), (dx, dv) = vals, dims
    x = bdim_at_front(x, dx, size)
    config = ((0, 0, 0),) + padding_config
    if dv is None:
        return [pad_p.bind(x, v, padding_config=config)], [0]
    # A batched padding value: pad with zeros, then select the value where padding went.
    aval = core.get_aval(x)
    padded = pad_p.bind(x, np.zeros((), aval.dtype), padding_config=config)
    mask = pad_p.bind(np.zeros(aval.shape, bool), np.ones((), bool), padding_config=config)
    out_shape = core.get_aval(padded).shape
    v = broadcast_in_dim(moveaxis(v, dv, 0), out_shape, (0,))
    return [_ew.select_n(mask, padded, v)], [0]


def _pad_jvp(primals, tangents, *, padding_config):
    out = pad_p.bind(*primals, padding_config=padding_config)
    if all(type(t) is Zero for t in tangents):
        return [out], [Zero(core.get_aval(out).strip_weak_type())]
    return [out], [pad_p.bind(*[instantiate_zeros(t) for t in tangents], padding_config=padding_config)]


jvp_rules[pad_p] = _pad_jvp
transpose_rules[pad_p] = _pad_transpose
batching_rules[pad_p] = _pad_batch


def _offset(i: str, start: int, step: int = 1) -> str:
    scaled = i if step == 1 else f"{step} * {i}"
    if start == 0:
        return scaled
    return f"({scaled} + {start})" if start > 0 else f"({scaled} - {-start})"


def _pad_map(eqn):
    """Reads the operand where the output holds one of its elements; the condition says where
    (elsewhere the output is the padding value, ``eqn.inputs[1]``)."""
    shape, config = eqn.inputs[0].aval.shape, eqn.params["padding_config"]

    def rule(idx):
        src, conds = [], []
        for i, n, (lo, hi, interior) in zip(idx, shape, config):
            shifted = _offset(i, -lo)
            if interior == 0:
                src.append(shifted)
                if lo > 0:
                    conds.append(f"{i} >= {lo}")
                if hi > 0:
                    conds.append(f"{i} < {lo + n}")
            else:
                src.append(f"({shifted} // {interior + 1})")
                conds.append(f"{shifted} >= 0 and {shifted} % {interior + 1} == 0 and {shifted} // {interior + 1} < {n}")
        return src, " and ".join(conds) or None

    return rule


def_index_map(pad_p, _pad_map, looped=True)

# --------------------------------------------------------------------------- slice

slice_p = Primitive("slice")


@slice_p.def_impl
def _slice_impl(x, *, start_indices, limit_indices, strides):
    index = tuple(builtins.slice(s, l, st) for s, l, st in zip(start_indices, limit_indices, strides))
    return [np.require(x[index], requirements="C")]


@slice_p.def_abstract_eval
def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
    if not len(start_indices) == len(limit_indices) == len(strides) == x.ndim:
        raise _shape_error("slice", f"start/limit/strides must each have {x.ndim} entries for operand {x.str_short()}")
    for d, s, l, st in zip(x.shape, start_indices, limit_indices, strides):
        if not (0 <= s <= l <= d) or st < 1:
            raise _shape_error("slice", f"slice {start_indices}:{limit_indices}:{strides} is out of bounds for {x.str_short()}")
    shape = [(l - s + st - 1) // st for s, l, st in zip(start_indices, limit_indices, strides)]
    return [ShapedArray(shape, x.dtype, x.weak_type)]


def slice(x: Any, start_indices: Sequence[int], limit_indices: Sequence[int], strides: Sequence[int] | None = None) -> Any:
    """``x[start:limit:stride]`` along every axis, with static bounds.

    >>> slice(np.arange(10), (1,), (8,), (3,))
    array([1, 4, 7])
    >>> slice(np.arange(6).reshape(2, 3), (0, 1), (2, 3))
    array([[1, 2],
           [4, 5]])
    """
    ndim = len(start_indices)
    strides = (1,) * ndim if strides is None else tuple(int(s) for s in strides)
    start, limit = tuple(int(s) for s in start_indices), tuple(int(l) for l in limit_indices)
    if start == (0,) * ndim and limit == core.get_aval(x).shape and strides == (1,) * ndim:
        return x
    return slice_p.bind(x, start_indices=start, limit_indices=limit, strides=strides)


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
    shape = x.aval.shape
    out_shape = core.get_aval(ct).shape
    config = []
    for d, s, n, st in zip(shape, start_indices, out_shape, strides):
        used = s + (n - 1) * st + 1 if n else s
        config.append((s, d - used, st - 1))
    return [pad(ct, 0, config)]


def _slice_batch(size, vals, dims, *, start_indices, limit_indices, strides):
    x = bdim_at_front(vals[0], dims[0], size)
    out = slice_p.bind(x, start_indices=(0,) + start_indices, limit_indices=(size,) + limit_indices, strides=(1,) + strides)
    return [out], [0]


deflinear(slice_p, _slice_transpose)
batching_rules[slice_p] = _slice_batch


def _slice_map(eqn):
    p = eqn.params
    return lambda idx: ([_offset(i, s, st) for i, s, st in zip(idx, p["start_indices"], p["strides"])], None)


def_index_map(slice_p, _slice_map, looped=True)

# --------------------------------------------------------------------------- iota

iota_p = Primitive("iota")


@iota_p.def_impl
def _iota_impl(*, dtype, shape, dimension):
    ramp = np.arange(shape[dimension], dtype=dtype)
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return [np.ascontiguousarray(np.broadcast_to(ramp.reshape(expanded), shape))]


@iota_p.def_abstract_eval
def _iota_abstract_eval(*, dtype, shape, dimension):
    if not 0 <= dimension < len(shape):
        raise _shape_error("iota", f"dimension {dimension} is out of bounds for shape {shape}")
    return [ShapedArray(shape, dtype)]


def iota(dtype: Any, size: int) -> Any:
    """``0, 1, ..., size - 1`` in ``dtype``: ``arange(size)`` as a primitive.

    It is staged into jaxprs rather than baked in as a constant.

    >>> iota(np.int32, 4)
    array([0, 1, 2, 3], dtype=int32)
    """
    return iota_p.bind(dtype=np.dtype(dtype), shape=(int(size),), dimension=0)


def broadcasted_iota(dtype: Any, shape: Sequence[int], dimension: int) -> Any:
    """An array of ``shape`` and ``dtype`` whose elements are their index along ``dimension``.

    >>> broadcasted_iota(np.int32, (2, 3), 1)
    array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    return iota_p.bind(dtype=np.dtype(dtype), shape=tuple(int(d) for d in shape), dimension=int(dimension))


def_generator(iota_p, lambda index, eqn: f"np.{eqn.params['dtype'].name}({index[eqn.params['dimension']]})")


above.full, above.full_like, above.zeros_like, above.broadcast_in_dim = full, full_like, zeros_like, broadcast_in_dim

# The interpreters' own uses of these primitives (see autodiff.tangent_ops, batching.axis_ops).
tangent_ops.full = full
axis_ops.transpose = transpose
axis_ops.broadcast_in_dim = broadcast_in_dim

# --------------------------------------------------------------------------- compositions: broadcast, tile, collapse


def broadcast(operand: Any, sizes: Sequence[int], *, out_sharding: Any = None) -> Any:
    """``operand`` repeated along new leading axes of the given ``sizes``.

    >>> broadcast(np.array([1, 2]), (2,))
    array([[1, 2],
           [1, 2]])
    """
    aval = core.get_aval(operand)
    sizes = tuple(int(n) for n in sizes)
    if any(n < 0 for n in sizes):
        raise _shape_error("broadcast", f"sizes must be nonnegative, got {sizes}")
    return broadcast_in_dim(operand, sizes + aval.shape, tuple(range(len(sizes), len(sizes) + aval.ndim)))


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape NumPy's broadcasting gives arrays of ``shapes``; ``ValueError`` if they do not broadcast.

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    shapes = [tuple(int(d) for d in s) for s in shapes]
    rank = builtins.max((len(s) for s in shapes), default=0)
    padded = [(1,) * (rank - len(s)) + s for s in shapes]
    out = []
    for sizes in zip(*padded):
        others = {d for d in sizes if d != 1}
        if len(others) > 1:
            raise ValueError(f"Incompatible shapes for broadcasting: shapes={shapes}")
        out.append(others.pop() if others else 1)
    return tuple(out)


def broadcast_to_rank(x: Any, rank: int) -> Any:
    """``x`` with leading unit axes added up to ``rank`` (unchanged if it has at least ``rank`` axes).

    >>> broadcast_to_rank(np.ones(3), 3).shape
    (1, 1, 3)
    """
    x = x if isinstance(x, core.Tracer) else np.asarray(x)
    ndim = core.get_aval(x).ndim
    return x if ndim >= rank else broadcast(x, (1,) * (int(rank) - ndim))


def collapse(operand: Any, start_dimension: int, stop_dimension: int | None = None) -> Any:
    """``operand`` with axes ``[start_dimension, stop_dimension)`` merged into one (row-major).

    >>> collapse(np.ones((2, 3, 4)), 0, 2).shape
    (6, 4)
    """
    shape = core.get_aval(operand).shape
    lo, hi, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))
    if hi < lo:
        raise ValueError(f"Invalid dimension range passed to collapse: {shape}[{start_dimension}:{stop_dimension}]")
    return reshape(operand, shape[:lo] + (int(np.prod(shape[lo:hi], dtype=np.int64)),) + shape[hi:])


def tile(operand: Any, reps: Sequence[int]) -> Any:
    """``operand`` repeated ``reps[i]`` times along each axis ``i``.

    >>> tile(np.array([[1, 2]]), (2, 2))
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]])
    """
    operand = operand if isinstance(operand, core.Tracer) else np.asarray(operand)
    shape = core.get_aval(operand).shape
    reps = tuple(int(r) for r in reps)
    if len(reps) != len(shape):
        raise TypeError(f"reps length must be equal to the ndim of x, got len(reps)={len(reps)} and x.ndim={len(shape)}.")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be nonnegative, got {reps}")
    # Interleave a repeat axis before every axis, then merge each pair.
    spread = tuple(n for pair in zip(reps, shape) for n in pair)
    tiled = broadcast_in_dim(operand, spread, tuple(range(1, 2 * len(shape), 2)))
    return reshape(tiled, tuple(r * n for r, n in zip(reps, shape)))


def empty(shape: Sequence[int], dtype: Any, *, out_sharding: Any = None) -> Any:
    """An array of ``shape`` and ``dtype`` whose values are unspecified (zeros here).

    >>> empty((2,), np.float32)
    array([0., 0.], dtype=float32)
    """
    return full(shape, 0, np.dtype(dtype))
