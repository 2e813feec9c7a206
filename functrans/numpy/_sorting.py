"""Sorting and searching: ``sort``, ``argsort``, ``lexsort``, ``partition``, ``argpartition``,
``searchsorted``. Every order is NumPy's: stable, NaNs last."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import dtypes, lax
from ._base import ArrayLike, asarray, canonical_axis, promote
from ._indexing import take
from ..lax.sort import argsort as lax_argsort
from ..lax.indexing import take_along_axis as lax_take_along_axis


def _along(name: str, a: ArrayLike, axis: int | None) -> tuple[Any, int]:
    """``a`` and the axis to work along (the flattened array when ``axis`` is None)."""
    a = asarray(a)
    if axis is None:
        return lax.reshape(a, (a.size,)), 0
    if a.ndim == 0:
        raise ValueError(f"{name}: cannot sort a 0-d array along an axis; use axis=None")
    return a, canonical_axis(axis, a.ndim)


def _check_sort_options(name: str, kind: Any, order: Any) -> None:
    if order is not None:
        raise TypeError(f"{name}: the order argument (structured arrays) is not supported")
    if kind not in (None, "stable", "mergesort", "quicksort", "heapsort"):
        raise ValueError(f"{name}: unknown kind {kind!r}")


def sort(a: ArrayLike, axis: int | None = -1, *, kind: None = None, order: None = None, stable: bool = True,
         descending: bool = False) -> Any:
    """``a`` sorted along ``axis`` (ascending, NaNs last; ``descending`` reverses that order).

    Differentiable: each tangent moves with its value.

    >>> sort(np.array([[3.0, 1.0], [0.0, 2.0]]), axis=0)
    array([[0., 1.],
           [3., 2.]])
    >>> sort(np.array([1, 3, 2]), descending=True)
    array([3, 2, 1])
    """
    _check_sort_options("sort", kind, order)
    a, axis = _along("sort", a, axis)
    out = lax.sort(a, axis)
    return lax.rev(out, (axis,)) if descending else out


def argsort(a: ArrayLike, axis: int | None = -1, *, kind: None = None, order: None = None, stable: bool = True,
            descending: bool = False, dtype: Any = None) -> Any:
    """The indices that sort ``a`` along ``axis``; equal values keep their order, also when
    ``descending``.

    >>> argsort(np.array([2, 0, 2, 1]))
    array([1, 3, 0, 2])
    >>> argsort(np.array([2, 0, 2, 1]), descending=True)
    array([0, 2, 3, 1])
    """
    _check_sort_options("argsort", kind, order)
    a, axis = _along("argsort", a, axis)
    index_dtype = np.dtype(dtype) if dtype is not None else dtypes.int64
    if not descending:
        return lax_argsort(a, axis, index_dtype)
    # Sorting the reversed array keeps equal values in reversed order, so reversing the
    # result puts them back in their original order.
    n = a.shape[axis]
    order = lax_argsort(lax.rev(a, (axis,)), axis, index_dtype)
    return lax.rev(lax.sub(lax.full_like(order, n - 1), order), (axis,))


def lexsort(keys: ArrayLike | Sequence[ArrayLike], axis: int = -1) -> Any:
    """The stable order that sorts by the last key, then by the one before it, and so on.

    >>> lexsort([np.array([1, 0, 1]), np.array([2, 2, 1])])
    array([2, 1, 0])
    """
    if not isinstance(keys, (list, tuple)):
        keys = asarray(keys)
        if keys.ndim < 2:
            raise TypeError(f"lexsort: an array of keys must be 2-d or more (one key per row), got shape {keys.shape}; "
                            "pass [a] to sort by the single key a")
        keys = [keys[i] for i in range(keys.shape[0])]
    if not keys:
        raise TypeError("lexsort: need at least one key")
    keys = [asarray(k) for k in keys]
    shapes = {k.shape for k in keys}
    if len(shapes) != 1:
        raise ValueError(f"lexsort: all keys need the same shape, got {sorted(shapes)}")
    if keys[0].ndim == 0:
        raise TypeError("lexsort: keys must be at least 1-d")
    axis = canonical_axis(axis, keys[0].ndim)
    # A stable sort by each key in turn, least significant first, sorts by all of them.
    order = lax.broadcasted_iota(dtypes.int64, keys[0].shape, axis)
    for k in keys:
        order = lax_take_along_axis(order, lax_argsort(lax_take_along_axis(k, order, axis), axis), axis)
    return order


def _kth(name: str, kth: int, n: int) -> int:
    kth = int(kth)
    if not -n <= kth < n:
        raise ValueError(f"{name}: kth {kth} is out of bounds for an axis of length {n}")
    return kth % n


def partition(a: ArrayLike, kth: int, axis: int = -1) -> Any:
    """``a`` with its ``kth`` smallest value at position ``kth`` along ``axis``: the values
    before it are the smaller ones (ascending), those after the larger ones (descending, as
    JAX's ``top_k`` gives them).

    >>> partition(np.array([5, 1, 4, 2, 3]), 1)
    array([1, 2, 5, 4, 3])
    """
    a, axis = _along("partition", a, axis)
    kth = _kth("partition", kth, a.shape[axis])
    s = lax.sort(a, axis)
    top = _slice(s, kth + 1, a.shape[axis], axis)
    return lax.concatenate([_slice(s, 0, kth + 1, axis), lax.rev(top, (axis,))], axis)


def _slice(x: Any, start: int, stop: int, axis: int) -> Any:
    starts = [0] * x.ndim
    limits = list(x.shape)
    starts[axis], limits[axis] = start, stop
    return lax.slice(x, starts, limits)


def argpartition(a: ArrayLike, kth: int, axis: int = -1) -> Any:
    """Indices that partition ``a`` around its ``kth`` smallest value: first the indices of
    the ``kth + 1`` smallest values in sorted order, then the others in increasing index
    order (JAX's layout).

    >>> argpartition(np.array([5, 1, 4, 2, 3]), 1)
    array([1, 3, 0, 2, 4])
    """
    a, axis = _along("argpartition", a, axis)
    kth = _kth("argpartition", kth, a.shape[axis])
    order = lax_argsort(a, axis)
    rest = lax.sort(_slice(order, kth + 1, a.shape[axis], axis), axis)
    return lax.concatenate([_slice(order, 0, kth + 1, axis), rest], axis)


def _order_keys(x: Any) -> tuple:
    """Keys whose lexicographic order (by ``<``) is NumPy's sort order of the complex ``x``:
    its NaN class (``R + Rj``, ``R + nanj``, ``nan + Rj``, ``nan + nanj``), then the real and
    imaginary parts with their NaNs zeroed (a NaN part is the same across its class)."""
    re, im = lax.real(x), lax.imag(x)
    nan_re, nan_im = lax.ne(re, re), lax.ne(im, im)
    nan_class = lax.add(lax.convert_element_type(nan_im, np.int8), lax.mul(lax.convert_element_type(nan_re, np.int8), 2))
    zero = lax.full_like(re, 0)
    return nan_class, lax.select_n(nan_re, re, zero), lax.select_n(nan_im, im, zero)


def nan_last_less(x: Any, y: Any) -> Any:
    """``x < y`` in the order NumPy sorts by: NaN is greater than everything, complex values
    compare as ``_order_keys`` says."""
    if x.dtype.kind == "c":
        pairs = list(zip(_order_keys(x), _order_keys(y)))
        less = lax.lt(*pairs[-1])
        for kx, ky in reversed(pairs[:-1]):
            less = lax.bitwise_or(lax.lt(kx, ky), lax.bitwise_and(lax.eq(kx, ky), less))
        return less
    if x.dtype.kind != "f":
        return lax.lt(x, y)
    x_nan, y_nan = lax.ne(x, x), lax.ne(y, y)
    return lax.bitwise_or(lax.lt(x, y), lax.bitwise_and(y_nan, lax.bitwise_not(x_nan)))


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left", sorter: ArrayLike | None = None, *,
                 method: str = "scan") -> Any:
    """Where each of ``v`` would go in the sorted 1-d ``a`` to keep it sorted: the first such
    place (``side="left"``) or the last (``"right"``). ``method="compare_all"`` compares every
    pair; the others search by bisection (``"scan_unrolled"`` unrolls its loop).

    >>> searchsorted(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.0, 5.0]))
    array([1, 0, 4])
    >>> searchsorted(np.array([1.0, 2.0, 2.0, 3.0]), 2.0, side="right")
    array(3)
    """
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"searchsorted: method must be one of {_SEARCH_METHODS}, got {method!r}")
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {a.shape}")
    if sorter is not None:
        a = take(a, asarray(sorter))
    a, v = promote(a, asarray(v))
    v = asarray(v)
    n = a.shape[0]

    def goes_after(elements: Any) -> Any:
        # v belongs after an element when element < v (left) or element <= v (right).
        if side == "left":
            return nan_last_less(elements, v)
        return lax.bitwise_not(nan_last_less(v, elements))

    if method == "compare_all" or n == 0:
        if n == 0:
            return lax.full(v.shape, 0, dtypes.int64)
        grid = lax.broadcast_in_dim(a, v.shape + (n,), (v.ndim,))
        v_grid = lax.broadcast_in_dim(v, v.shape + (n,), tuple(range(v.ndim)))
        after = nan_last_less(grid, v_grid) if side == "left" else lax.bitwise_not(nan_last_less(v_grid, grid))
        return lax.reduce_sum(lax.convert_element_type(after, dtypes.int64), (v.ndim,))
    def bisect(_: Any, bounds: tuple[Any, Any]) -> tuple[Any, Any]:
        lo, hi = bounds
        mid = lax.div(lax.add(lo, hi), 2)
        after = goes_after(lax.indexing.gather(a, lax.reshape(mid, v.shape + (1,))))  # clip mode reads a[n - 1] at mid == n
        active = lax.lt(lo, hi)
        return (lax.select_n(lax.bitwise_and(active, after), lo, lax.add(mid, 1)),
                lax.select_n(lax.bitwise_and(active, lax.bitwise_not(after)), hi, mid))

    bounds = (lax.full(v.shape, 0, dtypes.int64), lax.full(v.shape, n, dtypes.int64))
    steps = math.ceil(math.log2(n + 1))
    if method == "scan_unrolled":
        for i in range(steps):
            bounds = bisect(i, bounds)
    else:
        bounds = lax.fori_loop(0, steps, bisect, bounds)
    return bounds[0]
