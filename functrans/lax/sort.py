"""Sorting along one dimension: ``sort`` (the values) and ``argsort`` (the stable order).

NaNs sort last, as in NumPy. ``sort``'s derivative moves each tangent with its
value: the tangent gathered at the sorting permutation.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import core, dtypes
from ..autodiff import Zero, defzero, jvp_rules
from ..batching import batching_rules
from ..core import Primitive, ShapedArray
from ..errors import ShapeError
from ..lowering import def_statement
from .indexing import take_along_axis


def _check_dimension(name: str, x: ShapedArray, dimension: int) -> None:
    dtypes.check_kinds(name, x, "biuf")
    if not 0 <= dimension < x.ndim:
        raise ShapeError(f"{name}: dimension {dimension} is invalid for an operand {x.str_short()}")


def _canonical_dimension(x: Any, dimension: int) -> int:
    ndim = core.get_aval(x).ndim
    if ndim == 0:
        raise ShapeError("sort: cannot sort a 0-d array")
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


def sort(x: Any, dimension: int = -1) -> Any:
    """``x`` sorted in ascending order along ``dimension`` (NaNs last).

    >>> sort(np.array([3.0, 1.0, 2.0]))    # doctest: +SKIP
    array([1., 2., 3.])
    """
    return sort_p.bind(x, dimension=_canonical_dimension(x, dimension))


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

    >>> argsort(np.array([3.0, 1.0, 3.0, 2.0]))    # doctest: +SKIP
    array([1, 3, 0, 2])
    """
    return argsort_p.bind(x, dimension=_canonical_dimension(x, dimension), index_dtype=np.dtype(index_dtype))


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
