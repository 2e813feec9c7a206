"""Windowed reductions: ``reduce_window`` (sum, max and min pooling, or any binary
computation), ``padtype_to_pads``, and the window gathering that convolutions share.

No new primitive: the operand is padded (``lax.pad``, interior padding for base
dilation), and every offset within the window is one strided ``lax.slice`` of it, so a
window reduction folds those slices together with elementwise primitives. Derivatives,
batching and compilation come from the primitives used.
"""
from __future__ import annotations

import builtins
import itertools
import operator
from typing import Any, Callable, Sequence

import numpy as np

from .. import core, dtypes, tree_util
from . import elementwise as _ew
from . import shape as _shape

__all__ = ["padtype_to_pads", "reduce_window", "reduce_window_shape_tuple"]

Padding = str | Sequence[tuple[int, int]]


def padtype_to_pads(in_shape: Sequence[int], window_shape: Sequence[int], window_strides: Sequence[int],
                    padding: str) -> list[tuple[int, int]]:
    """The ``(low, high)`` padding per axis that ``'VALID'``, ``'SAME'`` or ``'SAME_LOWER'`` means:
    ``'SAME'`` makes ``ceil(in / stride)`` outputs, an odd total's extra element going high
    (``'SAME_LOWER'``: low).

    >>> padtype_to_pads((5, 6), (3, 2), (2, 1), "SAME")
    [(1, 1), (0, 1)]
    """
    if not isinstance(padding, str):
        raise TypeError(f"padtype_to_pads: unknown padding type {padding!r}")
    kind = padding.upper()
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise RuntimeError(f"padtype_to_pads: unrecognized padding type: expected 'VALID', 'SAME', or "
                           f"'SAME_LOWER', got {padding}.")
    pads = []
    for d, w, s in zip(in_shape, window_shape, window_strides):
        total = max((-(-int(d) // int(s)) - 1) * int(s) + int(w) - int(d), 0)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if kind == "SAME" else (large, small))
    return pads


def check_shapelike(name: str, arg: str, obj: Any, positive: bool = False) -> tuple[int, ...]:
    """``obj`` as a tuple of ints, each at least 1 (``positive``) or 0; TypeError otherwise."""
    if not isinstance(obj, (tuple, list, np.ndarray)):
        raise TypeError(f"{name}: {arg} must be of type tuple/list/ndarray, got {type(obj)}.")
    try:
        values = tuple(operator.index(d) for d in obj)
    except TypeError as err:
        raise TypeError(f"{name}: {arg} must have every element be an integer, got {tuple(obj)}.") from err
    if not all(d >= (1 if positive else 0) for d in values):
        bound = "strictly positive" if positive else "nonnegative"
        raise TypeError(f"{name}: {arg} must have every element be {bound}, got {values}.")
    return values


def dilate_shape(shape: Sequence[int], dilation: Sequence[int]) -> tuple[int, ...]:
    """Each size after ``dilation - 1`` holes between neighbours (0 stays 0)."""
    return tuple(0 if d == 0 else 1 + r * (d - 1) for d, r in zip(shape, dilation))


def explicit_padding(name: str, padding: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """``padding`` as ``ndim`` ``(low, high)`` int pairs; ValueError if it is not pairs, TypeError if too few."""
    try:
        pairs = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name}: padding should be a string or a sequence of (low, high) pairs, "
                         f"got {padding}") from err
    if len(pairs) != ndim:
        raise TypeError(f"{name}: expected {ndim} (low, high) padding pairs, got {len(pairs)}: {pairs}")
    return pairs


def _windows(shape: Sequence[int], window_dimensions: Sequence[int], window_strides: Sequence[int],
             padding: Sequence[tuple[int, int]], base_dilation: Sequence[int], window_dilation: Sequence[int]):
    """The pad config, the output shape, and per window offset (row-major) the slice bounds of the
    padded operand that hold that offset of every window."""
    config = [(lo, hi, r - 1) for (lo, hi), r in zip(padding, base_dilation)]
    padded_shape = [d + lo + hi for d, (lo, hi) in zip(dilate_shape(shape, base_dilation), padding)]
    if any(d < 0 for d in padded_shape):
        raise ValueError(f"negative padding {tuple(padding)} is larger than the operand of shape {tuple(shape)}")
    effective = dilate_shape(window_dimensions, window_dilation)
    out_shape = tuple((d - w) // s + 1 if d >= w else 0 for d, w, s in zip(padded_shape, effective, window_strides))
    bounds = []
    for offset in itertools.product(*(range(w) for w in window_dimensions)):
        starts = [min(k * r, d) for k, r, d in zip(offset, window_dilation, padded_shape)]
        limits = [st + (n - 1) * s + 1 if n else st for st, n, s in zip(starts, out_shape, window_strides)]
        bounds.append((starts, limits))
    return config, out_shape, bounds


def window_slices(x: Any, pad_value: Any, window_dimensions: Sequence[int], window_strides: Sequence[int],
                  padding: Sequence[tuple[int, int]], base_dilation: Sequence[int],
                  window_dilation: Sequence[int]) -> tuple[list[Any], tuple[int, ...]]:
    """For every offset in the window (row-major), the operand's elements at that offset of every
    window, as one array of the output's shape; and that shape. ``x`` is padded with ``pad_value``,
    which also fills the holes of ``base_dilation``. Arguments are checked and static."""
    config, out_shape, bounds = _windows(core.get_aval(x).shape, window_dimensions, window_strides, padding,
                                         base_dilation, window_dilation)
    padded = _shape.pad(x, pad_value, config) if any(c != (0, 0, 0) for c in config) else x
    return [_shape.slice(padded, starts, limits, window_strides) for starts, limits in bounds], out_shape


def _real_elements(shape: Sequence[int], config: Sequence[tuple[int, int, int]], bounds,
                   strides: Sequence[int]) -> list[np.ndarray]:
    """Per window offset, where the windows hold an operand element (not padding or a dilation hole)."""
    real = np.zeros(dilate_shape(shape, [i + 1 for _, _, i in config]), bool)
    real[tuple(builtins.slice(None, None, i + 1) for _, _, i in config)] = True
    crop = tuple(builtins.slice(max(-lo, 0), d - max(-hi, 0)) for (lo, hi, _), d in zip(config, real.shape))
    real = np.pad(real[crop], [(max(lo, 0), max(hi, 0)) for lo, hi, _ in config])
    return [real[tuple(builtins.slice(a, b, s) for a, b, s in zip(starts, limits, strides))]
            for starts, limits in bounds]


def reduce_window_shape_tuple(operand_shape: Sequence[int], window_dimensions: Sequence[int],
                              window_strides: Sequence[int], padding: Sequence[tuple[int, int]],
                              base_dilation: Sequence[int] | None = None,
                              window_dilation: Sequence[int] | None = None) -> tuple[int, ...]:
    """The output shape of ``reduce_window`` with explicit ``padding``.

    >>> reduce_window_shape_tuple((5, 6), (2, 3), (2, 1), ((0, 1), (1, 1)), window_dilation=(1, 2))
    (3, 4)
    """
    ones = (1,) * len(window_dimensions)
    return _windows(operand_shape, window_dimensions, window_strides, padding, base_dilation or ones,
                    window_dilation or ones)[1]


def _first_extremum(better: Callable[[Any, Any], Any], nan_wins: bool) -> Callable[[Any, Any], Any]:
    """A binary max (``better = gt``) or min that keeps the earlier argument on ties, so its
    derivative goes to one element, as JAX's pooling gradients do; NaN wins, as in ``lax.max``."""
    def choose(acc, x):
        take = better(x, acc)
        if nan_wins:
            take = _ew.bitwise_or(take, _ew.ne(x, x))
        return _ew.select_n(take, acc, x)
    return choose


def _identity(computation: Callable, dtype: np.dtype) -> Any:
    """The init value that leaves ``computation``'s windows unchanged, or None if it has none here."""
    if computation is _ew.add:
        return 0
    inexact = dtypes.is_inexact(dtype)
    if computation is _ew.max:
        return -np.inf if inexact else (np.iinfo(dtype).min if dtype != np.bool_ else False)
    if computation is _ew.min:
        return np.inf if inexact else (np.iinfo(dtype).max if dtype != np.bool_ else True)
    return None


def reduce_window(operand: Any, init_value: Any, computation: Callable, window_dimensions: Sequence[int],
                  window_strides: Sequence[int] | None = None, padding: Padding = "VALID",
                  base_dilation: Sequence[int] | None = None, window_dilation: Sequence[int] | None = None) -> Any:
    """Reduce every window of ``operand`` with the binary ``computation``, starting from ``init_value``;
    padding and the holes of ``base_dilation`` take no part, as in XLA.

    ``operand`` and ``init_value`` may be matching trees of arrays (all of one shape) with a
    ``computation`` of two such trees. ``lax.add``, ``lax.max`` and ``lax.min`` are recognised: the window's slices are folded
    directly (a max or min passes its derivative to the first extreme element of the window, as
    JAX's ``select_and_scatter`` does); any other computation is folded pairwise over the slices.

    >>> import numpy as np
    >>> from functrans import lax
    >>> reduce_window(np.arange(6.0).reshape(2, 3), -np.inf, lax.max, (2, 2), (1, 1), "VALID")
    array([[4., 5.]])
    >>> reduce_window(np.arange(5.0), 0.0, lax.add, (2,), (2,), "SAME")
    array([1., 5., 4.])
    """
    name = "reduce_window"
    operands, tree = tree_util.tree_flatten(operand)
    inits, init_tree = tree_util.tree_flatten(init_value)
    if tree != init_tree:
        raise ValueError(f"{name}: operands must have the same tree structure as init_values: {tree} vs. {init_tree}")
    if not operands:
        raise ValueError(f"{name}: must have at least one operand")
    operands = [x if core.is_valid_value(x) else np.asarray(x) for x in operands]
    avals = [core.get_aval(x) for x in operands]
    if any(a.shape != avals[0].shape for a in avals):
        raise TypeError(f"{name}: operands must have the same shape, got {[a.shape for a in avals]}")
    shape = avals[0].shape
    window_dimensions = check_shapelike(name, "window_dimensions", window_dimensions, positive=True)
    n = len(window_dimensions)
    ones = (1,) * n
    window_strides = ones if window_strides is None else check_shapelike(name, "window_strides", window_strides, True)
    base_dilation = ones if base_dilation is None else check_shapelike(name, "base_dilation", base_dilation, True)
    window_dilation = ones if window_dilation is None else check_shapelike(name, "window_dilation", window_dilation, True)
    if len(shape) != n:
        raise TypeError(f"{name}: got the wrong number of window_dimensions for operand: got operand shape "
                        f"{shape} with window_dimensions {window_dimensions}.")
    for arg, value in (("window_strides", window_strides), ("base_dilation", base_dilation),
                       ("window_dilation", window_dilation)):
        if len(value) != n:
            raise TypeError(f"{name}: got inconsistent {arg} and window_dimensions: got {arg} {value} and "
                            f"window_dimensions {window_dimensions}.")
    if isinstance(padding, str):
        padding = padtype_to_pads(shape, dilate_shape(window_dimensions, window_dilation), window_strides, padding)
    padding = explicit_padding(name, padding, n)
    inits = [_check_init(init, aval) for init, aval in zip(inits, avals)]
    window = (window_dimensions, window_strides, padding, base_dilation, window_dilation)
    identity = _identity(computation, avals[0].dtype) if len(operands) == 1 else None
    if identity is not None:
        result = [_reduce_monoid(operands[0], inits[0], computation, identity, window)]
    else:
        result = _reduce_general(operands, inits, tree, computation, window)
    return tree_util.tree_unflatten(tree, result)


def _check_init(init: Any, aval: core.ShapedArray) -> Any:
    """``init`` as a scalar of the operand's dtype (a Python scalar is converted); TypeError otherwise."""
    if type(init) in core._PY_SCALARS:
        init = np.asarray(init, aval.dtype)
    init_aval = core.get_aval(init)
    if init_aval.shape != ():
        raise TypeError(f"reduce_window: init_value must be a scalar, got shape {init_aval.shape}")
    if init_aval.dtype != aval.dtype:
        raise TypeError(f"reduce_window: init_value of dtype {init_aval.dtype} must have the operand's dtype "
                        f"{aval.dtype} (operand shape {aval.shape})")
    return init


def _reduce_monoid(x: Any, init: Any, computation: Callable, identity: Any, window) -> Any:
    """Windows reduced by ``lax.add``, ``max`` or ``min``: padding with the identity is the same as
    leaving padding out, so the slices fold directly; ``init`` joins once at the end."""
    dtype = core.get_aval(x).dtype
    slices, out_shape = window_slices(x, np.asarray(identity, dtype), *window)
    inexact = dtypes.is_inexact(dtype)
    fold = {_ew.max: _first_extremum(_ew.gt, inexact), _ew.min: _first_extremum(_ew.lt, inexact)}.get(computation, computation)
    acc = slices[0]
    for s in slices[1:]:
        acc = fold(acc, s)
    if isinstance(init, core.Tracer) or np.asarray(init) != identity:
        acc = computation(acc, _shape.full(out_shape, init, dtype))
    return acc


def _reduce_general(operands: list, inits: list, tree: Any, computation: Callable, window) -> list:
    """Windows reduced by any ``computation`` of two trees like the operands': folded from the inits
    over the window's offsets, skipping the positions that are padding or dilation holes."""
    shape = core.get_aval(operands[0]).shape
    per_operand = [window_slices(x, init, *window) for x, init in zip(operands, inits)]
    out_shape = per_operand[0][1]
    config, _, bounds = _windows(shape, *window)
    real = _real_elements(shape, config, bounds, window[1])
    acc = [_shape.full(out_shape, init, core.get_aval(x).dtype) for x, init in zip(operands, inits)]
    for k, where in enumerate(real):
        new, new_tree = tree_util.tree_flatten(
            computation(tree_util.tree_unflatten(tree, acc), tree_util.tree_unflatten(tree, [sl[k] for sl, _ in per_operand])))
        if new_tree != tree:
            raise ValueError(f"reduce_window: computation must return a tree like the operands {tree}, got {new_tree}")
        acc = new if where.all() else [_ew.select_n(where, a, b) for a, b in zip(acc, new)]
    return acc
