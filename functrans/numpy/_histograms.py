"""Counting into bins: ``bincount``, ``digitize``, ``histogram``, ``histogram_bin_edges``,
``histogram2d``, ``histogramdd``.

Counts are scatter-adds into an array whose length is static: the number of bins, or
``bincount``'s ``length=`` (needed inside ``jit`` and ``vmap``).
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as np

from .. import core, dtypes, lax
from ..errors import ConcretizationError
from ._base import ArrayLike, asarray, convert, promote_to_inexact
from ._calculus import diff
from ._reductions import max, min, sum
from ._shape import linspace, ravel, stack
from ._sorting import searchsorted
from ._ufuncs import add, divide, equal, greater, isnan, less, logical_or, subtract, where


def _scatter_add(length: int, index: Any, weights: Any) -> Any:
    """``out[index[i]] += weights[i]`` into ``length`` zeros; indices out of range are dropped."""
    n = index.shape[0]
    return lax.indexing.scatter(lax.full((length,), 0, weights.dtype), lax.reshape(index, (n, 1)), weights, "add", 0, "drop")


def _weights(name: str, weights: ArrayLike | None, shape: tuple, default: Any = dtypes.int64) -> Any:
    if weights is None:
        return lax.full(shape, 1, default)
    weights = asarray(weights)
    if weights.shape != shape:
        raise ValueError(f"{name}: weights of shape {weights.shape} must have the input's shape {shape}")
    return weights


def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0, *, length: int | None = None) -> Any:
    """How often each value ``0, 1, ...`` occurs in the non-negative integer 1-d ``x``
    (summing ``weights`` instead of ones). The result has ``max(x) + 1`` entries (at least
    ``minlength``), or exactly ``length``: values beyond it are dropped.

    >>> bincount(np.array([0, 1, 1, 3])), bincount(np.array([0, 1, 1, 3]), length=3)
    (array([1, 2, 0, 1]), array([1, 2, 0]))
    """
    x = asarray(x)
    if x.dtype == np.bool_:
        x = convert(x, dtypes.int64)
    if x.dtype.kind not in "iu":
        raise TypeError(f"bincount: x must have an integer dtype, got {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"bincount: x must be 1-d, got shape {x.shape}")
    minlength = int(minlength)
    if minlength < 0:
        raise ValueError(f"bincount: minlength must be non-negative, got {minlength}")
    if core.is_concrete(x):
        value = np.asarray(core.concrete_or_error(x))
        if value.size and value.min() < 0:
            raise ValueError("bincount: x must be non-negative")
    if length is None:
        try:
            value = np.asarray(core.concrete_or_error(x))
        except ConcretizationError:
            raise ConcretizationError("bincount: the result's length depends on the values of a traced x, so it is "
                                      "unknown inside jit or vmap; pass length=") from None
        length = builtins.max(minlength, int(value.max()) + 1 if value.size else 0)
    w = _weights("bincount", weights, x.shape)
    return _scatter_add(int(length), convert(x, dtypes.int64), w)


def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False, *, method: str | None = None) -> Any:
    """The index of the bin each ``x`` falls in, for monotonic (increasing or decreasing)
    ``bins``: ``i`` with ``bins[i-1] <= x < bins[i]`` (``<`` and ``<=`` swap with ``right``).

    >>> digitize(np.array([0.5, 1.0, 2.5, 9.0]), np.array([1.0, 2.0, 3.0]))
    array([0, 1, 2, 3])
    """
    x, bins = asarray(x), asarray(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-d, got shape {bins.shape}")
    if bins.shape[0] == 0:
        return lax.full(x.shape, 0, dtypes.int64)
    kwargs = {"method": _search_method(bins) if method is None else method}
    side = "left" if right else "right"
    increasing = searchsorted(bins, x, side=side, **kwargs)
    flipped = lax.rev(bins, (0,))
    decreasing = subtract(bins.shape[0], searchsorted(flipped, x, side=side, **kwargs))
    return where(bins[-1] >= bins[0], increasing, decreasing)


def _range(name: str, a: Any, range: Any) -> tuple[Any, Any]:
    if range is None:
        if a.size == 0:
            lo, hi = asarray(0.0, a.dtype), asarray(1.0, a.dtype)
        else:
            lo, hi = min(a), max(a)
    else:
        if len(range) != 2:
            raise ValueError(f"{name}: range must be a pair (min, max), got {range!r}")
        lo, hi = convert(asarray(range[0]), a.dtype), convert(asarray(range[1]), a.dtype)
        if core.is_concrete(lo) and core.is_concrete(hi) and np.asarray(lo) > np.asarray(hi):
            raise ValueError(f"{name}: max must be larger than min in range, got {range!r}")
    # An empty range widens by one half either side, as NumPy does.
    same = equal(lo, hi)
    return where(same, subtract(lo, 0.5), lo), where(same, add(hi, 0.5), hi)


def histogram_bin_edges(a: ArrayLike, bins: ArrayLike = 10, range: Any = None, weights: ArrayLike | None = None) -> Any:
    """The bin edges ``histogram`` uses: ``bins`` itself if it is an array, else ``bins + 1``
    evenly spaced edges over ``range`` (default: from ``a``'s minimum to its maximum).

    >>> histogram_bin_edges(np.array([1.0, 2.0, 5.0]), bins=4)
    array([1., 2., 3., 4., 5.])
    """
    a = promote_to_inexact(ravel(a))[0]
    if isinstance(bins, str):
        raise NotImplementedError(f"histogram_bin_edges: bins={bins!r} (a binning rule by name) is not supported")
    bins_array = asarray(bins)
    if bins_array.ndim == 1:
        return promote_to_inexact(bins_array)[0]
    if bins_array.ndim != 0:
        raise ValueError(f"histogram_bin_edges: bins must be an int or a 1-d array, got shape {bins_array.shape}")
    count = int(core.concrete_or_error(bins, "histogram's bin count"))
    if count < 1:
        raise ValueError(f"histogram_bin_edges: bins must be positive, got {count}")
    lo, hi = _range("histogram_bin_edges", a, range)
    return linspace(lo, hi, count + 1)


def _search_method(edges: Any) -> str:
    # Comparing with every edge beats bisection for the few edges histograms usually have.
    return "compare_all" if edges.shape[0] <= 16 else "scan"


def _bin_index(x: Any, edges: Any) -> Any:
    """The bin of each ``x`` (the last bin includes its right edge), or ``len(edges) - 1``
    (out of range, dropped by the scatter) for values outside the edges or NaN."""
    nbins = edges.shape[0] - 1
    index = subtract(searchsorted(edges, x, side="right", method=_search_method(edges)), 1)
    index = where(equal(x, edges[-1]), nbins - 1, index)
    outside = logical_or(logical_or(less(x, edges[0]), greater(x, edges[-1])), isnan(x))
    return where(outside, nbins, index)


def histogram(a: ArrayLike, bins: ArrayLike = 10, range: Any = None, weights: ArrayLike | None = None,
              density: bool | None = None) -> tuple[Any, Any]:
    """Counts of ``a`` (summed ``weights``) in each bin, and the bin edges; with ``density``,
    normalised so the histogram integrates to one.

    >>> histogram(np.array([1.0, 2.0, 2.5, 5.0]), bins=2)
    (array([3, 1]), array([1., 3., 5.]))
    """
    a = promote_to_inexact(asarray(a))[0]
    edges = histogram_bin_edges(a, bins, range)
    flat = ravel(a)
    w = _weights("histogram", None if weights is None else ravel(weights), flat.shape)
    if weights is not None and asarray(weights).shape != a.shape:
        raise ValueError(f"histogram: weights of shape {asarray(weights).shape} must have a's shape {a.shape}")
    counts = _scatter_add(edges.shape[0] - 1, _bin_index(flat, edges), w)
    if density:
        counts = divide(divide(counts, sum(counts)), diff(edges))
    return counts, edges


def histogramdd(sample: ArrayLike, bins: ArrayLike | list = 10, range: Sequence | None = None,
                weights: ArrayLike | None = None, density: bool | None = None) -> tuple[Any, list]:
    """The multidimensional histogram of ``sample`` (one point per row): per dimension, bins
    as for ``histogram`` (one entry of ``bins``/``range`` each, or one for all).

    >>> h, edges = histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> h
    array([[1., 0.],
           [1., 1.]])
    """
    sample = promote_to_inexact(asarray(sample))[0]
    if sample.ndim == 1:
        sample = lax.reshape(sample, (sample.shape[0], 1))
    if sample.ndim != 2:
        raise ValueError(f"histogramdd: sample must be 2-d (points, dimensions), got shape {sample.shape}")
    n, d = sample.shape
    per_dim_bins = list(bins) if isinstance(bins, (list, tuple)) else [bins] * d
    if len(per_dim_bins) != d:
        raise ValueError(f"histogramdd: got {len(per_dim_bins)} bin specifications for {d} dimensions")
    ranges = [None] * d if range is None else list(range)
    if len(ranges) != d:
        raise ValueError(f"histogramdd: got {len(ranges)} ranges for {d} dimensions")
    columns = [sample[:, k] for k in builtins.range(d)]
    edges = [histogram_bin_edges(c, b, r) for c, b, r in zip(columns, per_dim_bins, ranges)]
    shape = tuple(e.shape[0] - 1 for e in edges)
    flat_index = lax.full((n,), 0, dtypes.int64)
    dropped = lax.full((n,), False, dtypes.bool_)
    for c, e, size in zip(columns, edges, shape):
        index = _bin_index(c, e)
        dropped = logical_or(dropped, equal(index, size))
        flat_index = add(flat_index * size, index)
    total = math.prod(shape)
    flat_index = where(dropped, total, flat_index)
    w = _weights("histogramdd", weights, (n,), sample.dtype)
    counts = lax.reshape(_scatter_add(total, flat_index, convert(w, sample.dtype)), shape)
    if density:
        volume = lax.full(shape, 1, sample.dtype)
        for k, e in enumerate(edges):
            volume = volume * lax.broadcast_in_dim(diff(e), shape, (k,))
        counts = divide(divide(counts, sum(counts)), volume)
    return counts, edges


def histogram2d(x: ArrayLike, y: ArrayLike, bins: ArrayLike | list = 10, range: Sequence | None = None,
                weights: ArrayLike | None = None, density: bool | None = None) -> tuple[Any, Any, Any]:
    """The 2-d histogram of the points ``(x[i], y[i])``, and the edges along x and along y.

    >>> histogram2d(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0]), bins=2)[0]
    array([[1., 0.],
           [1., 1.]])
    """
    x, y = asarray(x), asarray(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"histogram2d: x and y must be 1-d of the same length, got shapes {x.shape} and {y.shape}")
    if isinstance(bins, (list, tuple)) and len(bins) != 2:
        bins = [bins, bins]  # one array of edges shared by both dimensions
    elif not isinstance(bins, (list, tuple)) and asarray(bins).ndim == 1:
        bins = [bins, bins]
    counts, (x_edges, y_edges) = histogramdd(stack([x, y], axis=1), bins, range, weights, density)
    return counts, x_edges, y_edges
