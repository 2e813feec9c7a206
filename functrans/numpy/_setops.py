"""Functions whose result size depends on the data: ``nonzero``, ``argwhere``,
``flatnonzero``, ``extract``, ``compress``, ``unique`` and its variants, and the set
operations ``intersect1d``, ``union1d``, ``setdiff1d``, ``setxor1d`` (plus ``isin``).

Eagerly the result has its natural size. Inside ``jit`` or ``vmap`` that size is unknown
while tracing, so pass ``size=``: the result then has exactly ``size`` entries, cut short
or padded with ``fill_value`` (JAX's defaults for it are kept).
"""
from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from .. import core, dtypes, lax
from ..errors import ConcretizationError
from ._base import ArrayLike, asarray, canonical_axis, convert, promote
from ._indexing import take
from ._shape import concatenate, moveaxis, ravel, reshape, stack
from ._sorting import lexsort, searchsorted
from ._ufuncs import isnan, logical_and, logical_not, logical_or, logical_xor, where
from ..lax.sort import argsort as lax_argsort


def _count(name: str, mask: Any) -> int:
    try:
        return int(np.count_nonzero(core.concrete_or_error(mask)))
    except ConcretizationError:
        raise ConcretizationError(
            f"{name}: the size of the result depends on the values of a traced array, so it is unknown "
            f"inside jit or vmap; pass size= (and optionally fill_value=) to use {name} there"
        ) from None


def _true_positions(name: str, mask: Any, size: int | None) -> tuple[Any, Any]:
    """The positions of the true entries of the 1-d ``mask``, in order, as ``size`` of
    them (all of them when None), and which of those are real (the rest are padding, 0)."""
    n = mask.shape[0]
    if size is None:
        size = _count(name, mask)
    size = int(core.concrete_or_error(size, f"{name}'s size"))
    if size < 0:
        raise ValueError(f"{name}: size must be non-negative, got {size}")
    if core.is_concrete(mask):
        found = np.flatnonzero(core.concrete_or_error(mask))[:size]
        positions = np.zeros(size, np.int64)
        positions[: found.size] = found
        return positions, np.arange(size) < found.size
    rank = lax.sub(lax.cumsum(lax.convert_element_type(mask, dtypes.int64), 0), 1)
    target = lax.select_n(mask, lax.full((n,), size, dtypes.int64), rank)  # non-entries land out of range
    positions = lax.indexing.scatter(lax.full((size,), 0, dtypes.int64), lax.reshape(target, (n, 1)),
                                     lax.iota(dtypes.int64, n), "set", 0, "drop")
    count = lax.reduce_sum(lax.convert_element_type(mask, dtypes.int64), (0,))
    valid = lax.lt(lax.iota(dtypes.int64, size), lax.broadcast_in_dim(count, (size,), ()))
    return positions, valid


def _padded(values: Any, valid: Any, fill_value: ArrayLike, axis: int = 0) -> Any:
    """``values`` with ``fill_value`` where ``valid`` (along ``axis``) is False."""
    if isinstance(valid, np.ndarray) and valid.all():
        return values
    mask = lax.broadcast_in_dim(valid, values.shape, (axis,))
    return where(mask, values, convert(asarray(fill_value), values.dtype))


def _bool(x: ArrayLike) -> Any:
    x = asarray(x)
    return x if x.dtype == np.bool_ else lax.ne(x, lax.full_like(x, 0))


# --------------------------------------------------------------------------- nonzero and friends


def nonzero(a: ArrayLike, *, size: int | None = None, fill_value: ArrayLike | tuple | None = None) -> tuple:
    """The indices of the non-zero elements, one array per dimension of ``a``.

    >>> nonzero(np.array([[0, 3], [4, 0]]))
    (array([0, 1]), array([1, 0]))
    >>> nonzero(np.array([0, 3, 0, 5]), size=3, fill_value=-1)
    (array([ 1,  3, -1]),)
    """
    a = asarray(a)
    if a.ndim == 0:
        raise ValueError("nonzero: calling nonzero on a 0-d array is not allowed; use atleast_1d(a)")
    positions, valid = _true_positions("nonzero", ravel(_bool(a)), size)
    fills = fill_value if isinstance(fill_value, tuple) else (0 if fill_value is None else fill_value,) * a.ndim
    if len(fills) != a.ndim:
        raise ValueError(f"nonzero: fill_value has {len(fills)} entries for an array of rank {a.ndim}")
    out = []
    stride = a.size
    for d, fill in zip(a.shape, fills):
        stride //= builtins.max(d, 1)
        index = asarray(positions) if a.ndim == 1 else lax.rem(lax.div(asarray(positions), builtins.max(stride, 1)), builtins.max(d, 1))
        out.append(_padded(index, valid, fill))
    return tuple(out)


def flatnonzero(a: ArrayLike, *, size: int | None = None, fill_value: ArrayLike | None = None) -> Any:
    """The indices of the non-zero elements of ``ravel(a)``.

    >>> flatnonzero(np.array([[0, 3], [4, 0]]))
    array([1, 2])
    """
    return nonzero(ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a: ArrayLike, *, size: int | None = None, fill_value: ArrayLike | None = None) -> Any:
    """The indices of the non-zero elements, one row per element.

    >>> argwhere(np.array([[0, 3], [4, 0]]))
    array([[0, 1],
           [1, 0]])
    """
    a = asarray(a)
    if a.ndim == 0:
        rows = nonzero(reshape(a, (1,)), size=size, fill_value=fill_value)[0]
        return lax.full((rows.shape[0], 0), 0, dtypes.int64)
    return stack(nonzero(a, size=size, fill_value=fill_value), axis=1)


def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, *, size: int | None = None,
             fill_value: ArrayLike = 0, out: None = None) -> Any:
    """The slices of ``a`` along ``axis`` where the 1-d ``condition`` is true (of the
    flattened ``a`` when ``axis`` is None).

    >>> compress(np.array([True, False, True]), np.array([[1, 2, 3], [4, 5, 6]]), axis=1)
    array([[1, 3],
           [4, 6]])
    """
    if out is not None:
        raise NotImplementedError("compress: the out argument is not supported (arrays are immutable)")
    condition, a = _bool(condition), asarray(a)
    if condition.ndim != 1:
        raise ValueError(f"compress: condition must be 1-d, got shape {condition.shape}")
    if axis is None:
        a, axis = ravel(a), 0
    axis = canonical_axis(axis, a.ndim)
    if condition.shape[0] > a.shape[axis]:
        raise ValueError(f"compress: condition of length {condition.shape[0]} is longer than axis {axis} of "
                         f"an array of shape {a.shape}")
    condition = concatenate([condition, lax.full((a.shape[axis] - condition.shape[0],), False, dtypes.bool_)])
    positions, valid = _true_positions("compress", condition, size)
    return _padded(_take(a, positions, axis), valid, fill_value, axis)


def _take(a: Any, positions: Any, axis: int) -> Any:
    if a.shape[axis] == 0:
        shape = list(a.shape)
        shape[axis] = positions.shape[0]
        return lax.full(tuple(shape), 0, a.dtype)
    return take(a, positions, axis)


def extract(condition: ArrayLike, arr: ArrayLike, *, size: int | None = None, fill_value: ArrayLike = 0) -> Any:
    """The elements of ``ravel(arr)`` where ``ravel(condition)`` is true.

    >>> extract(np.array([[1, 0], [0, 1]]), np.array([[5, 6], [7, 8]]))
    array([5, 8])
    """
    return compress(ravel(condition), ravel(arr), size=size, fill_value=fill_value)


# --------------------------------------------------------------------------- unique


def _nan_equal(x: Any, y: Any, equal_nan: bool) -> Any:
    same = lax.eq(x, y)
    if equal_nan and x.dtype.kind in "fc":
        same = logical_or(same, logical_and(isnan(x), isnan(y)))
    return same


def _sorted_groups(a: Any, equal_nan: bool) -> tuple[Any, Any, Any]:
    """The rows of the 2-d ``a`` in lexicographic (stable) order, that order, and the mask of
    rows that differ from the row before them."""
    n = a.shape[0]
    keys = [a[:, j] for j in range(a.shape[1] - 1, -1, -1)] if a.shape[1] else [lax.full((n,), 0, dtypes.int64)]
    order = lexsort(keys) if n else lax.full((0,), 0, dtypes.int64)
    rows = _take(a, order, 0) if n else a
    if n == 0:
        return rows, order, lax.full((0,), False, dtypes.bool_)
    differs = logical_not(lax.reduce_min(_nan_equal(rows[1:], rows[:-1], equal_nan), (1,))) if a.shape[1] else \
        lax.full((n - 1,), False, dtypes.bool_)
    return rows, order, concatenate([lax.full((1,), True, dtypes.bool_), differs])


def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: int | None = None, *, equal_nan: bool = True, size: int | None = None,
           fill_value: ArrayLike | None = None, sorted: bool = True) -> Any:
    """The sorted distinct elements of ``ar`` (distinct slices along ``axis``), optionally with
    the index of each one's first occurrence, the indices that rebuild ``ar`` from them, and
    their counts. NaNs count as one value unless ``equal_nan=False``.

    With ``size`` the values are padded with ``fill_value`` (default: the smallest value),
    first indices with the smallest value's index, counts with 0.

    >>> unique(np.array([3, 1, 3, 2, 1]), return_counts=True)
    (array([1, 2, 3]), array([2, 1, 2]))
    >>> unique(np.array([3, 1, 3]), size=4, fill_value=0)
    array([1, 3, 0, 0])
    """
    ar = asarray(ar)
    if axis is None:
        shape, moved = ar.shape, lax.reshape(ar, (ar.size, 1))
    else:
        axis = canonical_axis(axis, ar.ndim)
        moved_nd = moveaxis(ar, axis, 0)
        shape = moved_nd.shape
        moved = lax.reshape(moved_nd, (shape[0], math.prod(shape[1:])))
    rows, order, first = _sorted_groups(moved, equal_nan)
    positions, valid = _true_positions("unique", first, size)
    n, k = moved.shape[0], positions.shape[0]
    values = _take(rows, positions, 0)
    if fill_value is None:
        fill_value = _take(rows, lax.full((1,), 0, dtypes.int64), 0) if n else 0
    values = where(lax.broadcast_in_dim(valid, values.shape, (0,)), values, convert(asarray(fill_value), values.dtype))
    if axis is None:
        values = lax.reshape(values, (k,))
    else:
        values = moveaxis(lax.reshape(values, (k,) + shape[1:]), 0, axis)
    results = [values]
    if return_index:
        first_index = _take(order, positions, 0)
        results.append(where(valid, first_index, _take(order, lax.full((1,), 0, dtypes.int64), 0) if n else 0))
    if return_inverse:
        group = lax.sub(lax.cumsum(lax.convert_element_type(first, dtypes.int64), 0), 1)
        inverse = lax.indexing.scatter(lax.full((n,), 0, dtypes.int64), lax.reshape(order, (n, 1)), group, "set", 0, "drop")
        results.append(lax.reshape(inverse, ar.shape) if axis is None else inverse)
    if return_counts:
        ends = concatenate([positions[1:], lax.full((1,), n, dtypes.int64)]) if k else positions
        ends = where(concatenate([valid[1:], lax.full((1,), False, dtypes.bool_)]) if k else valid, ends, n)
        results.append(where(valid, ends - asarray(positions), 0))
    return results[0] if len(results) == 1 else tuple(results)


class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


def unique_all(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None) -> UniqueAllResult:
    """``unique`` with every extra result, as the array API's ``unique_all`` (NaNs distinct).

    >>> unique_all(np.array([2, 1, 2])).counts
    array([1, 2])
    """
    return UniqueAllResult(*unique(x, True, True, True, equal_nan=False, size=size, fill_value=fill_value))


def unique_counts(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None) -> UniqueCountsResult:
    """The distinct values and how often each occurs.

    >>> unique_counts(np.array([2, 1, 2]))
    UniqueCountsResult(values=array([1, 2]), counts=array([1, 2]))
    """
    return UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False, size=size, fill_value=fill_value))


def unique_inverse(x: ArrayLike, /, *, size: int | None = None,
                   fill_value: ArrayLike | None = None) -> UniqueInverseResult:
    """The distinct values and the indices (shaped like ``x``) that rebuild ``x`` from them.

    >>> unique_inverse(np.array([2, 1, 2])).inverse_indices
    array([1, 0, 1])
    """
    return UniqueInverseResult(*unique(x, return_inverse=True, equal_nan=False, size=size, fill_value=fill_value))


def unique_values(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None) -> Any:
    """The distinct values of ``x``, sorted.

    >>> unique_values(np.array([2, 1, 2]))
    array([1, 2])
    """
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# --------------------------------------------------------------------------- set operations


_ISIN_METHODS = ("auto", "compare_all", "binary_search", "sort")


def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: bool = False, invert: bool = False, *,
         method: str = "auto") -> Any:
    """Whether each element of ``element`` is in ``test_elements`` (a boolean array of
    ``element``'s shape; NaN is in nothing). ``method="compare_all"`` compares every pair,
    ``"binary_search"``/``"sort"`` search the sorted test elements; ``"auto"`` picks by size.

    >>> isin(np.array([[1, 5], [3, 0]]), np.array([0, 1, 2]))
    array([[ True, False],
           [False,  True]])
    """
    if method not in _ISIN_METHODS:
        raise ValueError(f"isin: method must be one of {_ISIN_METHODS}, got {method!r}")
    element, test = promote(asarray(element), ravel(test_elements))
    element, test = asarray(element), asarray(test)
    if method == "auto":
        method = "compare_all" if element.size * test.size <= 1 << 16 else "binary_search"
    if test.size == 0:
        found = lax.full(element.shape, False, dtypes.bool_)
    elif method == "compare_all":
        grid = element.shape + (test.size,)
        pairs = lax.eq(lax.broadcast_in_dim(element, grid, tuple(range(element.ndim))),
                       lax.broadcast_in_dim(test, grid, (element.ndim,)))
        found = lax.reduce_max(pairs, (element.ndim,))
    else:
        ordered = lax.sort(test, 0)
        place = searchsorted(ordered, element)
        found = lax.eq(take(ordered, lax.min(place, lax.full_like(place, test.size - 1))), element)
    return logical_not(found) if invert else found


def _sorted_distinct(name: str, values: Any, keep: Any, size: int | None, fill_value: ArrayLike) -> Any:
    """The sorted 1-d ``values`` where ``keep`` holds, padded to ``size`` with ``fill_value``
    (None: the smallest kept value)."""
    positions, valid = _true_positions(name, keep, size)
    out = _take(values, positions, 0)
    if fill_value is None:
        fill_value = out[:1] if out.shape[0] else 0
    return _padded(out, valid, fill_value)


def _distinct_sorted(x: Any) -> tuple[Any, Any, Any]:
    """The sorted ``x``, its sorting order, and the mask of first occurrences (NaNs one value)."""
    order = lax_argsort(x, 0) if x.shape[0] else lax.full((0,), 0, dtypes.int64)
    s = _take(x, order, 0)
    if x.shape[0] == 0:
        return s, order, lax.full((0,), False, dtypes.bool_)
    first = concatenate([lax.full((1,), True, dtypes.bool_), logical_not(_nan_equal(s[1:], s[:-1], True))])
    return s, order, first


def union1d(ar1: ArrayLike, ar2: ArrayLike, *, size: int | None = None, fill_value: ArrayLike | None = None) -> Any:
    """The sorted distinct values in either array.

    >>> union1d(np.array([3, 1]), np.array([2, 1]))
    array([1, 2, 3])
    """
    ar1, ar2 = promote(ravel(ar1), ravel(ar2))
    return unique(concatenate([ar1, ar2]), size=size, fill_value=fill_value)


def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *, size: int | None = None,
              fill_value: ArrayLike | None = None) -> Any:
    """The sorted distinct values of ``ar1`` that are not in ``ar2`` (padding: 0).

    >>> setdiff1d(np.array([5, 1, 3, 1]), np.array([3]))
    array([1, 5])
    """
    ar1, ar2 = promote(ravel(ar1), ravel(ar2))
    s, _, first = _distinct_sorted(asarray(ar1))
    keep = logical_and(first, isin(s, ar2, invert=True))
    return _sorted_distinct("setdiff1d", s, keep, size, 0 if fill_value is None else fill_value)


def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *, size: int | None = None,
             fill_value: ArrayLike | None = None) -> Any:
    """The sorted distinct values in exactly one of the arrays.

    >>> setxor1d(np.array([1, 2, 3]), np.array([3, 4]))
    array([1, 2, 4])
    """
    ar1, ar2 = promote(ravel(ar1), ravel(ar2))
    ar1, ar2 = asarray(ar1), asarray(ar2)
    s, order, first = _distinct_sorted(concatenate([ar1, ar2]))
    keep = logical_and(first, logical_xor(isin(s, ar1), isin(s, ar2)))
    if s.dtype.kind in "fc" and s.shape[0]:
        # As NumPy: each array's NaNs count as one value, which no NaN of the other matches,
        # so the result keeps the first (in sorted order) NaN of each array that has one.
        from_second = lax.ge(order, lax.full_like(order, ar1.shape[0]))
        nan = isnan(s)
        keep = where(nan, logical_or(_first_true(logical_and(nan, from_second)),
                                     _first_true(logical_and(nan, logical_not(from_second)))), keep)
    return _sorted_distinct("setxor1d", s, keep, size, fill_value)


def _first_true(mask: Any) -> Any:
    """The 1-d ``mask`` with only its first true entry left true."""
    return logical_and(mask, lax.eq(lax.cumsum(lax.convert_element_type(mask, dtypes.int64), 0), 1))


def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value: ArrayLike | None = None) -> Any:
    """The sorted distinct values in both arrays; with ``return_indices``, also the index of
    each one's first occurrence in ``ar1`` and in ``ar2`` (padded with their lengths).

    >>> intersect1d(np.array([4, 1, 3, 1]), np.array([3, 1, 7]), return_indices=True)
    (array([1, 3]), array([1, 2]), array([1, 0]))
    """
    ar1, ar2 = promote(ravel(ar1), ravel(ar2))
    ar1, ar2 = asarray(ar1), asarray(ar2)
    s, order, first = _distinct_sorted(ar1)
    keep = logical_and(first, isin(s, ar2))
    positions, valid = _true_positions("intersect1d", keep, size)
    values = _take(s, positions, 0)
    fill = (values[:1] if values.shape[0] else 0) if fill_value is None else fill_value
    out = _padded(values, valid, fill)
    if not return_indices:
        return out
    index1 = _padded(_take(order, positions, 0), valid, ar1.shape[0])
    if ar2.shape[0] == 0:
        return out, index1, lax.full(index1.shape, 0, dtypes.int64)
    order2 = lax_argsort(ar2, 0)
    place = searchsorted(_take(ar2, order2, 0), values)
    index2 = _padded(_take(order2, lax.min(place, lax.full_like(place, ar2.shape[0] - 1)), 0), valid, ar2.shape[0])
    return out, index1, index2
