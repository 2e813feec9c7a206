"""Reductions over axes, arg-reductions and cumulative reductions."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import core, dtypes
from ..autodiff import deflinear, defjvp, defzero
from ..batching import batching_rules
from ..core import Primitive, ShapedArray
from ..errors import ShapeError
from ..lowering import ReductionRule, axis_view, cast, def_reduction, def_statement
from . import elementwise as _ew
from . import indexing, shape as _shape
from ._above import above


def _check_axes(name: str, x: ShapedArray, axes: Sequence[int]) -> None:
    if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ShapeError(f"{name}: axes {tuple(axes)} are invalid for an operand {x.str_short()}")


def _reduced_shape(shape: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _shift_axes_for_batch(axes: Sequence[int], bdim: int) -> tuple[tuple[int, ...], int]:
    """Axes of the batched operand, and where the batch axis lands in the result."""
    new_axes = tuple(a + (a >= bdim) for a in axes)
    out_bdim = bdim - sum(a < bdim for a in new_axes)
    return new_axes, out_bdim


def reducer(name: str, impl: Callable, kinds: str, keep_dtype: bool = True) -> Primitive:
    prim = Primitive(name)
    prim.def_impl(lambda x, *, axes: [np.asarray(impl(x, axis=axes))])

    @prim.def_abstract_eval
    def abstract_eval(x, *, axes):
        dtypes.check_kinds(name, x, kinds)
        _check_axes(name, x, axes)
        if name in ("reduce_max", "reduce_min") and any(x.shape[a] == 0 for a in axes):
            raise ShapeError(f"{name}: cannot reduce an empty axis of {x.str_short()} (no identity)")
        return [ShapedArray(_reduced_shape(x.shape, axes), x.dtype, x.weak_type)]

    def batch(size, vals, dims, *, axes):
        new_axes, out_bdim = _shift_axes_for_batch(axes, dims[0])
        return [prim.bind(vals[0], axes=new_axes)], [out_bdim]

    batching_rules[prim] = batch
    return prim


reduce_sum_p = reducer("reduce_sum", np.sum, dtypes.NUMERIC)
reduce_prod_p = reducer("reduce_prod", np.prod, dtypes.NUMERIC)
reduce_max_p = reducer("reduce_max", np.max, dtypes.ANY)
reduce_min_p = reducer("reduce_min", np.min, dtypes.ANY)


def _reduction(prim: Primitive) -> Callable[[Any, Sequence[int]], Any]:
    def fn(x, axes):
        axes = tuple(sorted(int(a) for a in axes))
        return prim.bind(x, axes=axes) if axes else x

    fn.__name__ = prim.name
    return fn


reduce_sum, reduce_prod, reduce_max, reduce_min = map(_reduction, (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p))
above.reduce_sum = reduce_sum  # the transpose of broadcast_in_dim (lax.shape)


def _extremum_identity(is_max: bool) -> Callable[[np.dtype], Any]:
    """Where an extremum's accumulator starts: the other end of the dtype's range."""

    def identity(dtype):
        if dtype == np.bool_:
            return not is_max
        if dtype.kind == "f":
            return -np.inf if is_max else np.inf
        info = np.iinfo(dtype)
        return info.min if is_max else info.max

    return identity


def _extremum_combine(name: str) -> Callable[[str, str, np.dtype], str]:
    # NaN wins for floats, as NumPy's max and min.
    return lambda acc, x, dtype: cast(f"kernels.{name}_nan({acc}, {x})" if dtype.kind == "f" else f"{name}({acc}, {x})", dtype)


# Numba splits a scalar ``acc = acc + x`` (or ``*``) across prange threads.
def_reduction(reduce_sum_p, ReductionRule(lambda dtype: 0, lambda acc, x, dtype: cast(f"{acc} + {x}", dtype)), splittable=True)
def_reduction(reduce_prod_p, ReductionRule(lambda dtype: 1, lambda acc, x, dtype: cast(f"{acc} * {x}", dtype)), splittable=True)
def_reduction(reduce_max_p, ReductionRule(_extremum_identity(True), _extremum_combine("max")))
def_reduction(reduce_min_p, ReductionRule(_extremum_identity(False), _extremum_combine("min")))


def _expand_back(y: Any, in_shape: Sequence[int], axes: Sequence[int]) -> Any:
    """Broadcast a reduced value back over the reduced axes."""
    kept = tuple(i for i in range(len(in_shape)) if i not in axes)
    return _shape.broadcast_in_dim(y, in_shape, kept)


deflinear(reduce_sum_p, lambda ct, x, *, axes: [_expand_back(ct, x.aval.shape, axes)])


def _extremum_jvp(g, ans, x, *, axes):
    # The tangent is the mean of the tangents at the positions of the extremum (ties split evenly).
    shape = core.get_aval(x).shape
    location = _ew.eq(x, _expand_back(ans, shape, axes))
    weights = _ew.convert_element_type(location, core.get_aval(g).dtype)
    counts = reduce_sum(weights, axes)
    return _ew.div(reduce_sum(_ew.mul(g, weights), axes), counts)


defjvp(reduce_max_p, _extremum_jvp)
defjvp(reduce_min_p, _extremum_jvp)


def _reduce_prod_jvp(g, ans, x, *, axes):
    # The derivative with respect to each element is the product of the others,
    # computed with exclusive cumulative products so that zeros are handled exactly.
    aval = core.get_aval(x)
    kept = [i for i in range(aval.ndim) if i not in axes]
    moved = _shape.transpose(x, kept + list(axes))
    g_moved = _shape.transpose(g, kept + list(axes))
    kept_shape = tuple(aval.shape[i] for i in kept)
    n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    if n == 0:  # an empty product is the constant 1: a zero tangent, linear in g
        return reduce_sum(g, axes)
    flat = _shape.reshape(moved, kept_shape + (n,))
    g_flat = _shape.reshape(g_moved, kept_shape + (n,))
    last = len(kept_shape)
    ones = _shape.full(kept_shape + (1,), 1, aval.dtype)
    before = _shape.concatenate([ones, _shape.slice(cumprod(flat, last), (0,) * (last + 1), kept_shape + (n - 1,))], last)
    after_full = cumprod(flat, last, reverse=True)
    after = _shape.concatenate([_shape.slice(after_full, (0,) * last + (1,), kept_shape + (n,)), ones], last)
    return reduce_sum(_ew.mul(g_flat, _ew.mul(before, after)), (last,))


defjvp(reduce_prod_p, _reduce_prod_jvp)

# --------------------------------------------------------------------------- argmax / argmin


def arg_reducer(name: str, impl: Callable) -> Primitive:
    prim = Primitive(name)
    prim.def_impl(lambda x, *, axis, index_dtype: [np.asarray(impl(x, axis=axis)).astype(index_dtype)])

    @prim.def_abstract_eval
    def abstract_eval(x, *, axis, index_dtype):
        _check_axes(name, x, (axis,))
        if x.shape[axis] == 0:
            raise ShapeError(f"{name}: cannot take the {name} of an empty axis of {x.str_short()}")
        return [ShapedArray(_reduced_shape(x.shape, (axis,)), index_dtype)]

    def batch(size, vals, dims, *, axis, index_dtype):
        (new_axis,), out_bdim = _shift_axes_for_batch((axis,), dims[0])
        return [prim.bind(vals[0], axis=new_axis, index_dtype=index_dtype)], [out_bdim]

    batching_rules[prim] = batch
    defzero(prim)
    return prim


argmax_p = arg_reducer("argmax", np.argmax)
argmin_p = arg_reducer("argmin", np.argmin)


def argmax(x: Any, axis: int, index_dtype: Any = dtypes.int64) -> Any:
    return argmax_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def argmin(x: Any, axis: int, index_dtype: Any = dtypes.int64) -> Any:
    return argmin_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))


@def_statement(argmax_p, fresh=True)
@def_statement(argmin_p, fresh=True)
def _argreduce_lowering(em, eqn, args, outs):
    view = axis_view(eqn.inputs[0].aval.shape, eqn.params["axis"])
    tmp = em.scratch((view[0], view[2]), np.int64)
    em.emit(f"kernels.argreduce({args[0]}.reshape({view!r}), {eqn.primitive is argmax_p}, {tmp})")
    dtype = eqn.params["index_dtype"]
    em.emit(f"{outs[0]} = {tmp}.reshape({eqn.out_binders[0].aval.shape!r}).astype(np.{dtype.name})")

# --------------------------------------------------------------------------- cumulative


def cumulative(name: str, impl: Callable) -> Primitive:
    prim = Primitive(name)

    @prim.def_impl
    def _impl(x, *, axis, reverse):
        if reverse:
            return [np.ascontiguousarray(np.flip(impl(np.flip(x, axis), axis=axis), axis))]
        return [impl(x, axis=axis)]

    @prim.def_abstract_eval
    def abstract_eval(x, *, axis, reverse):
        dtypes.check_kinds(name, x, dtypes.NUMERIC)
        _check_axes(name, x, (axis,))
        return [x]

    def batch(size, vals, dims, *, axis, reverse):
        new_axis = axis + (axis >= dims[0])
        return [prim.bind(vals[0], axis=new_axis, reverse=reverse)], [dims[0]]

    batching_rules[prim] = batch
    return prim


cumsum_p = cumulative("cumsum", np.cumsum)
cumprod_p = cumulative("cumprod", np.cumprod)
cummax_p = cumulative("cummax", np.maximum.accumulate)
cummin_p = cumulative("cummin", np.minimum.accumulate)


def _cumulative(prim: Primitive) -> Callable:
    def fn(x, axis: int, reverse: bool = False):
        return prim.bind(x, axis=int(axis), reverse=bool(reverse))

    fn.__name__ = prim.name
    return fn


cumsum, cumprod, cummax, cummin = map(_cumulative, (cumsum_p, cumprod_p, cummax_p, cummin_p))

# The operation kernels.cumulative applies along the axis.
_CUMULATIVE_KERNEL_OP = {cumsum_p: 0, cumprod_p: 1, cummax_p: 2, cummin_p: 3}


def _cumulative_lowering(em, eqn, args, outs):
    view = axis_view(eqn.inputs[0].aval.shape, eqn.params["axis"])
    em.allocate(eqn.out_binders[0])
    op = _CUMULATIVE_KERNEL_OP[eqn.primitive]
    em.emit(f"kernels.cumulative({args[0]}.reshape({view!r}), {op}, {eqn.params['reverse']}, {outs[0]}.reshape({view!r}))")


for _prim in _CUMULATIVE_KERNEL_OP:
    def_statement(_prim, fresh=True)(_cumulative_lowering)

deflinear(cumsum_p, lambda ct, x, *, axis, reverse: [cumsum(ct, axis, not reverse)])


def _cumprod_jvp(g, ans, x, *, axis, reverse):
    # A scan over (product, tangent) pairs, doubling the reach each step (log2(n) steps of
    # pads and multiplies): no division by x, so it is exact where x has zeros, and
    # reduce_prod's rule (which calls cumprod) stays exact at higher orders too.
    aval = core.get_aval(x)
    n = aval.shape[axis]
    product, tangent, reach = x, g, 1
    while reach < n:
        config = [(0, 0, 0)] * aval.ndim
        config[axis] = (-reach, reach, 0) if reverse else (reach, -reach, 0)
        prev_product, prev_tangent = _shape.pad(product, 1, config), _shape.pad(tangent, 0, config)
        product, tangent = _ew.mul(product, prev_product), _ew.add(_ew.mul(tangent, prev_product), _ew.mul(product, prev_tangent))
        reach *= 2
    return tangent


def _cum_extremum_jvp(g, ans, x, *, axis, reverse):
    # Each output's tangent is the tangent at the position that set the running extremum.
    n = core.get_aval(x).shape[axis]
    positions = _shape.broadcasted_iota(dtypes.int64, core.get_aval(x).shape, axis)
    if reverse:
        positions = _ew.sub(n - 1, positions)
    marks = _ew.select_n(_ew.eq(x, ans), _shape.zeros_like(positions), positions)
    source = cummax(marks, axis, reverse)
    if reverse:
        source = _ew.sub(n - 1, source)
    return indexing.take_along_axis(g, source, axis)


defjvp(cumprod_p, _cumprod_jvp)
defjvp(cummax_p, _cum_extremum_jvp)
defjvp(cummin_p, _cum_extremum_jvp)
