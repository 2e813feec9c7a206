"""Parallel prefix scans: ``associative_scan`` over pytrees with a user's associative
operation, and ``cumlogsumexp`` built on it.

``associative_scan`` is Blelloch's recursive doubling written with slices, pads and
concatenations only: it adds no primitive, so ``jit``, ``grad`` and ``vmap`` see through
it, and it takes ``ceil(log2(n))`` levels of calls to the operation on whole arrays.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import core, dtypes
from ..errors import ShapeError
from ..tree_util import tree_flatten, tree_unflatten
from . import elementwise as _ew
from . import shape as _sh


def _every_other(x: Any, axis: int, start: int, stop: int | None = None) -> Any:
    """``x[start:stop:2]`` along ``axis`` (``stop=None``: to the end)."""
    shape = core.get_aval(x).shape
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis] = start
    limits[axis] = shape[axis] if stop is None else stop
    strides[axis] = 2
    return _sh.slice(x, starts, limits, strides)


def _first(x: Any, axis: int, count: int) -> Any:
    """The first ``count`` entries of ``x`` along ``axis``."""
    shape = core.get_aval(x).shape
    limits = list(shape)
    limits[axis] = count
    return _sh.slice(x, [0] * len(shape), limits)


def _interleave(evens: Any, odds: Any, axis: int) -> Any:
    """``evens[0], odds[0], evens[1], ...`` along ``axis`` (``evens`` has as many entries
    as ``odds`` or one more): each is spread out with interior zero padding, then they
    are added (or'ed, for booleans), which touches every output element once."""
    aval = core.get_aval(evens)
    n_even, n_odd = aval.shape[axis], core.get_aval(odds).shape[axis]
    even_config, odd_config = [(0, 0, 0)] * aval.ndim, [(0, 0, 0)] * aval.ndim
    even_config[axis] = (0, 1 if n_even == n_odd else 0, 1)
    odd_config[axis] = (1, 0 if n_even == n_odd else 1, 1)
    zero = np.zeros((), aval.dtype)
    combine = _ew.bitwise_or if aval.dtype == np.bool_ else _ew.add
    return combine(_sh.pad(evens, zero, even_config), _sh.pad(odds, zero, odd_config))


def associative_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """All prefix combinations ``[a, fn(a, b), fn(fn(a, b), c), ...]`` of ``elems`` along
    ``axis`` for an associative ``fn``, in ``log2(n)`` parallel levels.

    ``fn`` takes and returns pytrees like ``elems`` whose arrays have any length along
    ``axis``; it is applied elementwise along it. ``reverse=True`` scans from the end.

    >>> associative_scan(lambda a, b: a + b, np.arange(5))
    array([ 0,  1,  3,  6, 10])
    >>> associative_scan(np.maximum, np.array([1, 3, 2, 5, 4]), reverse=True)
    array([5, 5, 5, 5, 4])
    """
    if not callable(fn):
        raise TypeError("associative_scan: fn argument should be callable.")
    leaves, tree = tree_flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems must contain at least one array")
    leaves = [x if isinstance(x, core.Tracer) else np.asarray(x) for x in leaves]
    avals = [core.get_aval(x) for x in leaves]
    ndim = avals[0].ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"associative_scan: axis {axis} is out of bounds for an array of shape {avals[0].shape}")
    axis = axis % ndim
    if any(a.ndim <= axis or a.shape[axis] != avals[0].shape[axis] for a in avals):
        raise ValueError(
            "associative_scan: array inputs must have the same size along the scanned axis "
            f"{axis}, got shapes {[a.shape for a in avals]}"
        )

    def combine(a_leaves: list, b_leaves: list) -> list:
        out_leaves, out_tree = tree_flatten(fn(tree_unflatten(tree, a_leaves), tree_unflatten(tree, b_leaves)))
        if out_tree != tree:
            raise TypeError(f"associative_scan: fn must return the structure of elems {tree}, got {out_tree}")
        expected = [core.get_aval(a).shape for a in a_leaves]
        got = [core.get_aval(x).shape for x in out_leaves]
        if got != expected:
            raise ShapeError(f"associative_scan: fn must return arrays of its inputs' shapes {expected}, got {got}")
        return out_leaves

    def scan(xs: list) -> list:
        n = core.get_aval(xs[0]).shape[axis]
        if n < 2:
            return xs
        # Scan of pairwise combinations gives the odd positions; each even position is an
        # odd result combined with the next element.
        odds = scan(combine([_every_other(x, axis, 0, n - 1) for x in xs], [_every_other(x, axis, 1) for x in xs]))
        lefts = [_first(o, axis, core.get_aval(o).shape[axis] - (n % 2 == 0)) for o in odds]
        evens = combine(lefts, [_every_other(x, axis, 2) for x in xs])
        evens = [_sh.concatenate([_first(x, axis, 1), e], axis) for x, e in zip(xs, evens)]
        return [_interleave(e, o, axis) for e, o in zip(evens, odds)]

    if reverse:
        leaves = [_sh.rev(x, (axis,)) for x in leaves]
    out = scan(leaves)
    if reverse:
        out = [_sh.rev(x, (axis,)) for x in out]
    return tree_unflatten(tree, out)


def _logaddexp(a: Any, b: Any) -> Any:
    """``log(exp(a) + exp(b))`` without overflow. The shift by the larger operand is held
    constant for differentiation (the value does not depend on it), so the derivative is
    exactly ``exp(a - result)`` at every order, ties included."""
    big = _ew.stop_gradient(_ew.max(a, b))
    shift = _ew.select_n(_ew.is_finite(big), _sh.zeros_like(big), big)
    return _ew.add(shift, _ew.log(_ew.add(_ew.exp(_ew.sub(a, shift)), _ew.exp(_ew.sub(b, shift)))))


def cumlogsumexp(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Cumulative ``log(sum(exp(operand)))`` along ``axis``, computed without overflow.

    >>> np.round(cumlogsumexp(np.log(np.array([1.0, 2.0, 3.0]))), 6)
    array([0.      , 1.098612, 1.791759])
    """
    aval = core.get_aval(operand)
    dtypes.check_kinds("cumlogsumexp", aval, dtypes.FLOAT)
    if not 0 <= axis < aval.ndim:
        raise ValueError(f"cumlogsumexp: axis {axis} is out of bounds for array of shape {aval.shape}")
    return associative_scan(_logaddexp, operand, reverse=reverse, axis=axis)
