"""Sorting along one dimension: ``sort`` (the values, or several operands by some of
them as keys), ``argsort`` (the stable order), ``sort_key_val``, and ``top_k`` /
``approx_max_k`` / ``approx_min_k``.

NaNs sort last, as in NumPy; complex values sort in NumPy's order too (by real part,
then imaginary part, with ``R + nanj``, then ``nan + Rj``, then ``nan + nanj`` after all
the others; JAX instead puts ``1 + nanj`` before ``2 + 0j``), which Numba's ``np.sort``
and ``np.argsort`` follow in compiled code. ``sort``'s derivative moves each tangent
with its value: the tangent gathered at the sorting permutation. Several keys sort by
stable argsorts from the least significant key up, so every multi-operand sort and
``top_k`` is a composition of ``argsort`` and ``take_along_axis``.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np


from .. import core, dtypes
from ..autodiff import Zero, defzero, jvp_rules
from ..batching import batching_rules
from ..core import Primitive, ShapedArray
from ..errors import ShapeError
from ..lowering import def_statement
from . import elementwise as _ew
from . import shape as _shape
from .bits import bitcast_convert_type
from .indexing import take_along_axis


def _check_dimension(name: str, x: ShapedArray, dimension: int) -> None:
    dtypes.check_kinds(name, x, "biufc")
    if not 0 <= dimension < x.ndim:
        raise ShapeError(f"{name}: dimension {dimension} is invalid for an operand {x.str_short()}")


def _canonical_dimension(x: Any, dimension: int, name: str = "sort") -> int:
    ndim = core.get_aval(x).ndim
    if not -ndim <= dimension < ndim:
        raise ValueError(f"{name}: axis {dimension} is out of bounds for array of dimension {ndim}")
    return int(dimension) % ndim


def _batched_dimension(dimension: int, bdim: int) -> int:
    """``dimension`` counted in an operand that also has a batch axis at ``bdim``."""
    return dimension + (bdim <= dimension)


# --------------------------------------------------------------------------- sort

sort_p = Primitive("sort")
sort_p.def_impl(lambda x, *, dimension: [np.sort(x, axis=dimension)])


@sort_p.def_abstract_eval
def _sort_abstract_eval(x, *, dimension):
    _check_dimension("sort", x, dimension)
    return [x]


def sort(operand: Any, dimension: int = -1, is_stable: bool = True, num_keys: int = 1) -> Any:
    """``operand`` sorted in ascending order along ``dimension`` (NaNs last); given a sequence
    of operands, all of them (a tuple) in the order of the first ``num_keys``, compared
    lexicographically. Every sort here is stable, whatever ``is_stable`` says.

    >>> sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    >>> sort((np.array([1, 0, 1, 0]), np.array([3, 2, 1, 0])), num_keys=2)
    (array([0, 0, 1, 1]), array([0, 2, 1, 3]))
    """
    if not isinstance(operand, (list, tuple)):
        if num_keys != 1:
            raise ValueError(f"sort: num_keys={num_keys} must be 1 for a single operand")
        return sort_p.bind(operand, dimension=_canonical_dimension(operand, dimension))
    operands = [x if isinstance(x, core.Tracer) else np.asarray(x) for x in operand]
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(operands)}")
    shapes = [core.get_aval(x).shape for x in operands]
    if len(set(shapes)) > 1:
        raise TypeError(f"Arguments to sort must have equal shapes, got: {' '.join(map(str, shapes))}")
    dimension = _canonical_dimension(operands[0], dimension)
    if len(operands) == 1:
        return (sort_p.bind(operands[0], dimension=dimension),)
    order = _lexicographic_order(operands[:num_keys], dimension)
    return tuple(take_along_axis(x, order, dimension) for x in operands)


def _lexicographic_order(keys: Sequence[Any], dimension: int) -> Any:
    """The stable order sorting by ``keys[0]``, then ``keys[1]``... along ``dimension``."""
    order = argsort(keys[-1], dimension)
    for key in reversed(keys[:-1]):
        order = take_along_axis(order, argsort(take_along_axis(key, order, dimension), dimension), dimension)
    return order


def sort_key_val(keys: Any, values: Any, dimension: int = -1, is_stable: bool = True) -> tuple[Any, Any]:
    """``keys`` sorted along ``dimension``, and ``values`` moved with them.

    >>> sort_key_val(np.array([3, 1, 2]), np.array([30.0, 10.0, 20.0]))
    (array([1, 2, 3]), array([10., 20., 30.]))
    """
    return sort((keys, values), dimension, is_stable, num_keys=1)


def _total_order_key(x: Any) -> Any:
    """An integer key ordering floats totally (-NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN),
    so one stable argsort ranks them; other dtypes are their own key."""
    dtype = core.get_aval(x).dtype
    if dtype.kind != "f":
        return x
    itype = np.dtype(f"int{dtype.itemsize * 8}")
    bits = bitcast_convert_type(x, itype)
    # As integers, negative floats run backwards: flipping every bit but the sign turns them round.
    flipped = _ew.bitwise_xor(bits, _shape.full_like(bits, np.iinfo(itype).max))
    return _ew.select_n(_ew.lt(bits, 0), bits, flipped)


def _descending_key(x: Any) -> Any:
    return _ew.bitwise_not(_total_order_key(x))  # ~k = -1 - k (max - k if unsigned): reversed, without overflow


def _top(name: str, operand: Any, k: int, axis: int, key: Callable[[Any], Any]) -> tuple[Any, Any]:
    operand = operand if isinstance(operand, core.Tracer) else np.asarray(operand)
    aval = core.get_aval(operand)
    axis, k = _canonical_dimension(operand, axis, name), int(k)
    if k < 0:
        raise ValueError(f"k argument to {name} must be nonnegative, got {k}")
    if k > aval.shape[axis]:
        raise ValueError(f"k argument to {name} must be no larger than size along axis; got k={k} with "
                         f"shape={list(aval.shape)} and axis={axis}")
    dtypes.check_kinds(name, aval, "biuf")
    order = argsort(key(operand), axis)
    limits = list(aval.shape)
    limits[axis] = k
    indices = _shape.slice(order, [0] * aval.ndim, limits)
    return take_along_axis(operand, indices, axis), _ew.convert_element_type(indices, dtypes.int32)


def top_k(operand: Any, k: int, *, axis: int = -1) -> tuple[Any, Any]:
    """The ``k`` largest entries along ``axis`` in descending order, and their int32 indices;
    equal values keep the lower index first, NaN counts as the largest. The values'
    derivative is the tangent at the chosen indices.

    >>> top_k(np.array([1.0, 3.0, 3.0, 2.0]), 2)
    (array([3., 3.]), array([1, 2], dtype=int32))
    """
    return _top("top_k", operand, k, axis, _descending_key)


def approx_max_k(operand: Any, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True) -> tuple[Any, Any]:
    """The ``k`` largest entries along ``reduction_dimension`` and their int32 indices, computed
    exactly (recall 1, whatever ``recall_target`` asks).

    >>> approx_max_k(np.array([[1.0, 5.0, 3.0]]), 2)
    (array([[5., 3.]]), array([[1, 2]], dtype=int32))
    """
    return _top("approx_max_k", operand, k, reduction_dimension, _descending_key)


def approx_min_k(operand: Any, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True) -> tuple[Any, Any]:
    """The ``k`` smallest entries along ``reduction_dimension`` and their int32 indices, computed
    exactly (recall 1); ``-0.0`` counts as smaller than ``0.0``, NaN as the largest.

    >>> approx_min_k(np.array([[1.0, 5.0, 3.0]]), 2)
    (array([[1., 3.]]), array([[0, 2]], dtype=int32))
    """
    return _top("approx_min_k", operand, k, reduction_dimension, _total_order_key)


def _sort_jvp(primals, tangents, *, dimension):
    (x,), (t,) = primals, tangents
    out = sort_p.bind(x, dimension=dimension)
    if type(t) is Zero:
        return [out], [t]
    return [out], [take_along_axis(t, argsort(x, dimension), dimension)]


def _sort_batch(size, vals, dims, *, dimension):
    return [sort_p.bind(vals[0], dimension=_batched_dimension(dimension, dims[0]))], [dims[0]]


jvp_rules[sort_p] = _sort_jvp
batching_rules[sort_p] = _sort_batch

# --------------------------------------------------------------------------- argsort

argsort_p = Primitive("argsort")


@argsort_p.def_impl
def _argsort_impl(x, *, dimension, index_dtype):
    return [np.argsort(x, axis=dimension, kind="stable").astype(index_dtype)]


@argsort_p.def_abstract_eval
def _argsort_abstract_eval(x, *, dimension, index_dtype):
    _check_dimension("argsort", x, dimension)
    return [ShapedArray(x.shape, index_dtype)]


def argsort(x: Any, dimension: int = -1, index_dtype: Any = dtypes.int64) -> Any:
    """The indices that sort ``x`` along ``dimension``; equal values keep their order (stable).

    >>> argsort(np.array([3.0, 1.0, 3.0, 2.0]))
    array([1, 3, 0, 2])
    """
    return argsort_p.bind(x, dimension=_canonical_dimension(x, dimension, "argsort"), index_dtype=np.dtype(index_dtype))


def _argsort_batch(size, vals, dims, *, dimension, index_dtype):
    out = argsort_p.bind(vals[0], dimension=_batched_dimension(dimension, dims[0]), index_dtype=index_dtype)
    return [out], [dims[0]]


defzero(argsort_p)
batching_rules[argsort_p] = _argsort_batch


@def_statement(sort_p, fresh=True)
@def_statement(argsort_p, fresh=True)
def _sort_rows(em, eqn, args, outs):
    # Sort each row of a (rows, n) view with the sorted dimension moved last; mergesort
    # keeps argsort stable, as the primitive promises.
    shape, dim = eqn.inputs[0].aval.shape, eqn.params["dimension"]
    last = dim == len(shape) - 1
    perm = tuple(d for d in range(len(shape)) if d != dim) + (dim,)
    moved_shape = tuple(shape[d] for d in perm)
    view = (math.prod(moved_shape[:-1]), shape[dim])
    is_argsort = eqn.primitive is argsort_p
    source = args[0] if last else f"np.ascontiguousarray(np.transpose({args[0]}, {perm!r}))"
    rows, done, r = em.fresh("rows"), em.fresh("sorted"), em.fresh("r")
    em.emit(f"{rows} = {source}.reshape({view!r})")
    em.emit(f"{done} = np.empty({view!r}, np.{'int64' if is_argsort else eqn.out_binders[0].aval.dtype.name})")
    em.emit(f"for {r} in range({view[0]}):")
    em.emit(f"{done}[{r}] = " + (f"np.argsort({rows}[{r}], kind='mergesort')" if is_argsort else f"np.sort({rows}[{r}])"), 2)
    result = f"{done}.reshape({moved_shape!r})"
    if not last:
        result = f"np.ascontiguousarray(np.transpose({result}, {tuple(np.argsort(perm).tolist())!r}))"
    if is_argsort:
        result = f"{result}.astype(np.{eqn.params['index_dtype'].name})"
    em.emit(f"{outs[0]} = {result}")
