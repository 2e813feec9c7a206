"""Reductions over axes, arg-reductions and cumulative reductions."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import core, dtypes
from ..autodiff import deflinear, defjvp, defzero, jvp_flat
from ..batching import batching_rules, bdim_at_front, vmap_flat
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..lowering import ReductionRule, axis_view, cast, def_reduction, def_statement
from ..tree_util import tree_flatten, tree_unflatten
from . import elementwise as _ew
from . import shape as _shape
from ._above import above
from .associative import associative_scan


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
    """A primitive reducing ``params["axes"]`` of an operand of dtype ``kinds`` by NumPy's
    ``impl``, with its abstract eval and batching rule (its derivative and lowering follow it)."""
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
    def fn(operand: Any, axes: Sequence[int]) -> Any:
        axes = tuple(sorted(int(a) for a in axes))
        return prim.bind(operand, axes=axes) if axes else operand

    fn.__name__ = prim.name
    return fn


reduce_sum, reduce_prod, reduce_max, reduce_min = map(_reduction, (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p))
reduce_sum.__doc__ = """Sum of a numeric array over ``axes``, in its dtype (no promotion: integers may wrap).

``axes`` are non-negative and distinct; they are removed from the shape. An empty axis sums to 0.

>>> reduce_sum(np.arange(6).reshape(2, 3), (1,))
array([ 3, 12])
>>> reduce_sum(np.arange(6).reshape(2, 3), (0, 1))
array(15)
"""
reduce_prod.__doc__ = """Product of a numeric array over ``axes``, in its dtype; an empty axis gives 1.

>>> reduce_prod(np.array([[1.0, 2.0], [3.0, 4.0]]), (0,))
array([3., 8.])
"""
reduce_max.__doc__ = """Maximum of an array over ``axes``; NaN if any element is NaN, as NumPy's ``max``.

Unlike JAX's (which gives ``-inf`` or the dtype's minimum), an empty axis raises ``ShapeError``.

>>> reduce_max(np.array([[1, 5], [7, 0]]), (1,))
array([5, 7])
>>> reduce_max(np.array([1.0, np.nan, 3.0]), (0,))
array(nan)
"""
reduce_min.__doc__ = """Minimum of an array over ``axes``; NaN if any element is NaN, as NumPy's ``min``.

Unlike JAX's (which gives ``inf`` or the dtype's maximum), an empty axis raises ``ShapeError``.

>>> reduce_min(np.array([[1, 5], [7, 0]]), (0,))
array([1, 0])
"""
above.reduce_sum = reduce_sum  # the transpose of broadcast_in_dim (lax.shape)


def _extremum_identity(is_max: bool) -> Callable[[np.dtype], Any]:
    """Where an extremum's accumulator starts: the other end of the dtype's range."""

    def identity(dtype):
        if dtype == np.bool_:
            return not is_max
        if dtype.kind == "f":
            return -np.inf if is_max else np.inf
        if dtype.kind == "c":  # first in the lexicographic order of (real, imag)
            return complex(-np.inf, -np.inf) if is_max else complex(np.inf, np.inf)
        info = np.iinfo(dtype)
        return info.min if is_max else info.max

    return identity


def _extremum_combine(name: str) -> Callable[[str, str, np.dtype], str]:
    # NaN wins for floats, as NumPy's max and min; complex numbers compare by real part, then
    # imaginary part, a NaN in either part winning (NumPy's order: Numba has none for complex).
    order = ">" if name == "max" else "<"

    def combine(acc: str, x: str, dtype: np.dtype) -> str:
        if dtype.kind == "c":
            wins = f"{x} != {x} or {x}.real {order} {acc}.real or ({x}.real == {acc}.real and {x}.imag {order} {acc}.imag)"
            return f"({acc} if {acc} != {acc} else ({x} if {wins} else {acc}))"
        return cast(f"kernels.{name}_nan({acc}, {x})" if dtype.kind == "f" else f"{name}({acc}, {x})", dtype)

    return combine


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
    """A primitive giving the ``index_dtype`` position NumPy's ``impl`` picks along ``axis``,
    with its abstract eval, batching rule and zero derivative."""
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
    """Index of the largest element along ``axis`` (the first at ties, or the first NaN).

    In ``index_dtype``, int64 by default (JAX requires it). An empty axis raises
    ``ShapeError``.

    >>> argmax(np.array([[1, 5, 5], [7, 0, 2]]), 1)
    array([1, 0])
    >>> argmax(np.array([1.0, np.nan, 3.0]), 0, np.int32)
    array(1, dtype=int32)
    """
    return argmax_p.bind(x, axis=int(axis), index_dtype=np.dtype(index_dtype))


def argmin(x: Any, axis: int, index_dtype: Any = dtypes.int64) -> Any:
    """Index of the smallest element along ``axis`` (the first at ties, or the first NaN).

    In ``index_dtype``, int64 by default (JAX requires it). An empty axis raises
    ``ShapeError``.

    >>> argmin(np.array([3, 1, 1]), 0)
    array(1)
    """
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
    """A primitive of running reductions along ``axis`` (from the end if ``reverse``) by
    NumPy's ``impl``, with its abstract eval and batching rule."""
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
    def fn(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
        return prim.bind(operand, axis=int(axis), reverse=bool(reverse))

    fn.__name__ = prim.name
    return fn


cumsum, cumprod, cummax, cummin = map(_cumulative, (cumsum_p, cumprod_p, cummax_p, cummin_p))
cumsum.__doc__ = """Running sums of a numeric array along ``axis`` (from the end if ``reverse``), in its dtype.

>>> cumsum(np.array([1, 2, 3]))
array([1, 3, 6])
>>> cumsum(np.array([1, 2, 3]), reverse=True)
array([6, 5, 3])
"""
cumprod.__doc__ = """Running products of a numeric array along ``axis`` (from the end if ``reverse``).

Its derivative is exact where elements are zero (it does not divide by them).

>>> cumprod(np.array([[1, 2], [3, 4]]), 1)
array([[ 1,  2],
       [ 3, 12]])
"""
cummax.__doc__ = """Running maxima along ``axis`` (from the end if ``reverse``); NaN from the first NaN on.

>>> cummax(np.array([1, 3, 2, 5]))
array([1, 3, 3, 5])
"""
cummin.__doc__ = """Running minima along ``axis`` (from the end if ``reverse``); NaN from the first NaN on.

>>> cummin(np.array([4.0, 2.0, np.nan, 1.0]))
array([ 4.,  2., nan, nan])
"""

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


def _cum_extremum_jvp(combine: Callable) -> Callable:
    # As JAX: the derivative of the parallel prefix scan of max (min), so ties share the
    # tangent as max's own derivative splits them, level by level of the scan.
    def jvp(g, ans, x, *, axis, reverse):
        scan = lambda v: [associative_scan(combine, v, reverse=reverse, axis=axis)]
        return jvp_flat(scan, [x], [g])[1][0]

    return jvp


defjvp(cumprod_p, _cumprod_jvp)
defjvp(cummax_p, _cum_extremum_jvp(_ew.max))
defjvp(cummin_p, _cum_extremum_jvp(_ew.min))

# --------------------------------------------------------------------------- bitwise reductions

reduce_and_p = reducer("reduce_and", np.bitwise_and.reduce, dtypes.LOGICAL)
reduce_or_p = reducer("reduce_or", np.bitwise_or.reduce, dtypes.LOGICAL)
reduce_xor_p = reducer("reduce_xor", np.bitwise_xor.reduce, dtypes.LOGICAL)


def _all_bits(dtype: np.dtype) -> Any:
    return True if dtype == np.bool_ else (-1 if dtype.kind == "i" else np.iinfo(dtype).max)


def _bitwise_combine(op: str) -> Callable[[str, str, np.dtype], str]:
    return lambda acc, x, dtype: cast(f"({acc} {op} {x})", dtype)


for _prim, _identity, _op in [(reduce_and_p, _all_bits, "&"), (reduce_or_p, lambda dtype: 0, "|"),
                              (reduce_xor_p, lambda dtype: 0, "^")]:
    def_reduction(_prim, ReductionRule(_identity, _bitwise_combine(_op)))
    defzero(_prim)

reduce_and, reduce_or, reduce_xor = map(_reduction, (reduce_and_p, reduce_or_p, reduce_xor_p))
reduce_and.__doc__ = """Bitwise AND (logical for booleans) over ``axes``.

>>> reduce_and(np.array([[True, False], [True, True]]), (1,))
array([False,  True])
"""
reduce_or.__doc__ = """Bitwise OR (logical for booleans) over ``axes``.

>>> reduce_or(np.array([1, 2, 8], np.int8), (0,))
array(11, dtype=int8)
"""
reduce_xor.__doc__ = """Bitwise XOR over ``axes`` (for booleans: whether an odd number are true).

>>> reduce_xor(np.array([3, 5, 6]), (0,))
array(0)
"""

# --------------------------------------------------------------------------- reduce with a user computation


def _identity_of(op: Callable, dtype: np.dtype) -> Any:
    """The identity of a recognised monoid ``op`` on ``dtype``, or None."""
    logical = dtype == np.bool_ or dtype.kind in "iu"
    if op is _ew.add:
        return 0
    if op is _ew.mul:
        return 1
    if op is _ew.max:
        return _extremum_identity(True)(dtype)
    if op is _ew.min:
        return _extremum_identity(False)(dtype)
    if op is _ew.bitwise_and and logical:
        return np.array(-1).astype(dtype) if dtype != np.bool_ else True
    if op in (_ew.bitwise_or, _ew.bitwise_xor) and logical:
        return 0
    return None


_MONOIDS = {_ew.add: reduce_sum, _ew.mul: reduce_prod, _ew.max: reduce_max, _ew.min: reduce_min,
            _ew.bitwise_and: reduce_and, _ew.bitwise_or: reduce_or, _ew.bitwise_xor: reduce_xor}


def _monoid_reducer(computation: Callable, inits: list) -> Callable | None:
    """The built-in reduction ``computation`` with ``inits`` amounts to, as JAX recognises
    them: one operand, a concrete scalar initial value that is the operation's identity."""
    if len(inits) != 1 or computation not in _MONOIDS or not core.is_concrete(inits[0]):
        return None
    init = np.asarray(core.concrete_or_error(inits[0]))
    identity = _identity_of(computation, init.dtype)
    return _MONOIDS[computation] if init.shape == () and identity is not None and init == identity else None


def reduce(operands: Any, init_values: Any, computation: Callable[[Any, Any], Any], dimensions: Sequence[int],
           out_sharding: Any = None) -> Any:
    """Reduce ``operands`` (a pytree of equally shaped arrays) over ``dimensions`` with
    ``computation(accumulated, element)`` from the scalars ``init_values`` (a pytree like
    ``operands``); the two must form a monoid (associative, ``init_values`` its identity).

    ``lax.add``, ``mul``, ``max``, ``min``, ``bitwise_and``/``or``/``xor`` with their identity
    become the built-in reductions (returning the single array, as in JAX); any other
    computation is applied to whole arrays of pairs in ``log2(n)`` levels (vmapped, so it may
    be written for scalars), which ``grad``, ``vmap`` and ``jit`` see through. ``out_sharding``
    is accepted for compatibility (one device: nothing to shard).

    >>> reduce(np.arange(6.0).reshape(2, 3), 1.0, lambda a, b: a * b, (1,))
    array([ 0., 60.])
    >>> values, where = reduce((np.array([3.0, 7.0, 5.0]), np.arange(3)), (-np.inf, 0),
    ...                        lambda a, b: tuple(_ew.select_n(a[0] >= b[0], y, x) for x, y in zip(a, b)), (0,))
    >>> values, where
    (array(7.), array(1))
    """
    op_leaves, op_tree = tree_flatten(operands)
    init_leaves, init_tree = tree_flatten(init_values)
    if op_tree != init_tree:
        raise ValueError(f"reduce: operands must have the same tree structure as init_values: {op_tree} vs. {init_tree}")
    if not op_leaves:
        raise ValueError("reduce: operands must contain at least one array")
    op_leaves = [x if isinstance(x, core.Tracer) else np.asarray(x) for x in op_leaves]
    avals = [core.get_aval(x) for x in op_leaves]
    init_leaves = [np.asarray(v, a.dtype) if type(v) in core._PY_SCALARS else v for v, a in zip(init_leaves, avals)]
    dims = tuple(sorted(int(d) for d in dimensions))
    monoid = _monoid_reducer(computation, init_leaves)
    if monoid is not None:
        return monoid(op_leaves[0], dims)
    init_avals = [core.get_aval(v) for v in init_leaves]
    _check_general_reduce(avals, init_avals, dims)
    shape = avals[0].shape
    kept = [i for i in range(len(shape)) if i not in dims]
    kept_shape = tuple(shape[i] for i in kept)
    m, n = math.prod(kept_shape), math.prod(shape[d] for d in dims)
    k = len(op_leaves)

    def scalar_computation(*leaves):
        out = computation(tree_unflatten(op_tree, leaves[:k]), tree_unflatten(op_tree, leaves[k:]))
        out_leaves, out_tree = tree_flatten(out)
        if out_tree != op_tree:
            raise TypeError(f"reduce: computation must return the structure of the operands {op_tree}, got {out_tree}")
        out_avals = [core.get_aval(x) for x in out_leaves]
        if [(a.shape, a.dtype) for a in out_avals] != [((), i.dtype) for i in init_avals]:
            raise TypeError(f"reduce: computation must return scalars of dtypes {[i.dtype.name for i in init_avals]}, "
                            f"got {', '.join(a.str_short() for a in out_avals)}")
        return out_leaves

    if not dims:  # nothing to reduce: the operands, as XLA gives them
        return tree_unflatten(op_tree, op_leaves)
    if m == 0 or n == 0:
        return tree_unflatten(op_tree, [_shape.broadcast_in_dim(v, kept_shape, ()) for v in init_leaves])
    # (m, 1 + n): the initial value, then the elements of each reduction.
    columns = [_shape.concatenate([_shape.broadcast_in_dim(v, (m, 1), ()),
                                   _shape.reshape(_shape.transpose(x, kept + list(dims)), (m, n))], 1)
               for x, v in zip(op_leaves, init_leaves)]
    return tree_unflatten(op_tree, [_shape.reshape(c, kept_shape) for c in _pairwise_levels(scalar_computation, columns)])


def _check_general_reduce(avals: list, init_avals: list, dims: tuple[int, ...]) -> None:
    """Raise for operands and initial values a general ``reduce`` cannot combine."""
    if len({a.shape for a in avals}) > 1:
        raise ShapeError(f"reduce: operands must have equal shapes, got {[a.shape for a in avals]}")
    if any(i.shape != () for i in init_avals):
        raise ShapeError(f"reduce: init_values must be scalars, got shapes {[i.shape for i in init_avals]}")
    if [a.dtype for a in avals] != [i.dtype for i in init_avals]:
        raise DTypeError(f"reduce: operands and init_values must have equal dtypes, got "
                         f"{[a.dtype.name for a in avals]} and {[i.dtype.name for i in init_avals]}")
    _check_axes("reduce", avals[0], dims)


def _pairwise_levels(scalar_computation: Callable, columns: list) -> list:
    """Combine the columns of each (m, width) operand pairwise, a level at a time, down to one:
    ``log2(width)`` vmapped applications of ``scalar_computation``."""
    m, width = columns[0].shape
    while width > 1:
        pairs = width // 2
        lefts = [_shape.slice(c, (0, 0), (m, 2 * pairs - 1), (1, 2)) for c in columns]
        rights = [_shape.slice(c, (0, 1), (m, 2 * pairs), (1, 2)) for c in columns]
        flat = [_shape.reshape(x, (m * pairs,)) for x in lefts + rights]
        combined, out_dims = vmap_flat(scalar_computation, m * pairs, flat, [0] * len(flat))
        combined = [_shape.reshape(bdim_at_front(x, d, m * pairs), (m, pairs)) for x, d in zip(combined, out_dims)]
        if width % 2:  # the last column has no partner at this level
            combined = [_shape.concatenate([x, _shape.slice(c, (0, width - 1), (m, width))], 1)
                        for x, c in zip(combined, columns)]
        columns, width = combined, (width + 1) // 2
    return columns
