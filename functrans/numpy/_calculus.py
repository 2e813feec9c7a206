"""Differences, integrals and 1-d signals: ``diff``, ``ediff1d``, ``gradient``, ``trapezoid``,
``interp``, ``convolve``, ``correlate``, ``unwrap``, ``cumulative_sum``, ``cumulative_prod``.

All are compositions of slices, gathers and products, so they differentiate and batch.
"""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import dtypes, lax
from ._base import (
    ArrayLike, asarray, broadcast_to, canonical_axes, canonical_axis, convert, promote, promote_to_inexact,
    shape_of,
)
from ._indexing import take
from ._products import matmul
from ._reductions import cumprod, cumsum, sum
from ._shape import concatenate, ravel
from ._sorting import searchsorted
from ._ufuncs import absolute, add, clip, divide, equal, imag, isnan, logical_and, mod, multiply, not_equal, real, subtract, where
from ..lax.sort import argsort as lax_argsort


def along(x: Any, axis: int, start: int | None, stop: int | None) -> Any:
    """``x[..., start:stop, ...]`` with the slice on ``axis`` (Python slice bounds)."""
    start, stop, _ = builtins.slice(start, stop).indices(x.shape[axis])
    starts, limits = [0] * x.ndim, list(x.shape)
    starts[axis], limits[axis] = start, builtins.max(stop, start)
    return lax.slice(x, starts, limits)


def _edge(value: ArrayLike, like: Any, axis: int) -> Any:
    """``value`` as a block to join to ``like`` along ``axis`` (a scalar gives one slice)."""
    value = asarray(value)
    if value.ndim == 0:
        shape = list(like.shape)
        shape[axis] = 1
        return broadcast_to(value, shape)
    return value


def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | None = None,
         append: ArrayLike | None = None) -> Any:
    """The ``n``-th differences ``a[i + 1] - a[i]`` along ``axis``, after joining ``prepend``
    and ``append`` to ``a`` (booleans give ``a[i + 1] != a[i]``).

    >>> diff(np.array([1, 4, 9, 16]), n=2), diff(np.array([1.0, 3.0]), prepend=0.0)
    (array([2, 2]), array([1., 2.]))
    """
    a = asarray(a)
    n = int(n)
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if n == 0:
        return a
    if a.ndim == 0:
        raise ValueError("diff: requires input that is at least one dimensional")
    axis = canonical_axis(axis, a.ndim)
    parts = [_edge(prepend, a, axis)] if prepend is not None else []
    parts.append(a)
    if append is not None:
        parts.append(_edge(append, a, axis))
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    for _ in range(n):
        if a.shape[axis] == 0:
            break
        later, earlier = along(a, axis, 1, None), along(a, axis, None, -1)
        a = not_equal(later, earlier) if a.dtype == np.bool_ else subtract(later, earlier)
    return a


def ediff1d(ary: ArrayLike, to_end: ArrayLike | None = None, to_begin: ArrayLike | None = None) -> Any:
    """The differences of the flattened ``ary``, with ``to_begin`` and ``to_end`` joined on.

    >>> ediff1d(np.array([1, 2, 4, 7]), to_begin=-99)
    array([-99,   1,   2,   3])
    """
    flat = ravel(ary)
    parts = [diff(flat)]
    dtype = parts[0].dtype
    if to_begin is not None:
        parts.insert(0, convert(ravel(to_begin), dtype))
    if to_end is not None:
        parts.append(convert(ravel(to_end), dtype))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _spacings(name: str, varargs: Sequence[ArrayLike], f: Any, axes: Sequence[int]) -> list:
    """One spacing per axis: a scalar, or the coordinates along that axis."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and len(shape_of(varargs[0])) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"{name}: got {len(varargs)} spacings for {len(axes)} axes")
    out = []
    for h, ax in zip(varargs, axes):
        if len(shape_of(h)) != 0 and (len(shape_of(h)) != 1 or shape_of(h)[0] != f.shape[ax]):
            raise ValueError(f"{name}: coordinates of shape {shape_of(h)} must be 1-d and match axis {ax} of length {f.shape[ax]}")
        out.append(h)  # a Python scalar stays weakly typed: float32 data stays float32
    return out


def _along_axis(v: Any, ndim: int, axis: int) -> Any:
    """A 1-d ``v`` shaped to broadcast along ``axis`` of an ``ndim``-d array."""
    return lax.reshape(v, tuple(v.shape[0] if d == axis else 1 for d in range(ndim)))


def _gradient_1d(f: Any, h: Any, axis: int, edge_order: int) -> Any:
    n = f.shape[axis]
    if n < edge_order + 1:
        raise ValueError(f"gradient: an axis of length {n} needs at least edge_order + 1 = {edge_order + 1} points")
    sl = lambda start, stop: along(f, axis, start, stop)  # noqa: E731
    if len(shape_of(h)) == 0:
        interior = multiply(divide(subtract(sl(2, None), sl(None, -2)), h), 0.5)
        if edge_order == 1:
            first = divide(subtract(sl(1, 2), sl(0, 1)), h)
            last = divide(subtract(sl(-1, None), sl(-2, -1)), h)
        else:
            first = divide(add(add(multiply(sl(0, 1), -1.5), multiply(sl(1, 2), 2.0)), multiply(sl(2, 3), -0.5)), h)
            last = divide(add(add(multiply(sl(-3, -2), 0.5), multiply(sl(-2, -1), -2.0)), multiply(sl(-1, None), 1.5)), h)
        return concatenate([first, interior, last], axis=axis)
    dx = convert(diff(asarray(h)), f.dtype)  # NumPy computes in f's dtype
    put = lambda v: _along_axis(v, f.ndim, axis)  # noqa: E731
    dx1, dx2 = put(dx[:-1]), put(dx[1:])
    a = divide(-dx2, multiply(dx1, add(dx1, dx2)))
    b = divide(subtract(dx2, dx1), multiply(dx1, dx2))
    c = divide(dx1, multiply(dx2, add(dx1, dx2)))
    interior = add(add(multiply(a, sl(None, -2)), multiply(b, sl(1, -1))), multiply(c, sl(2, None)))
    if edge_order == 1:
        first = divide(subtract(sl(1, 2), sl(0, 1)), put(dx[:1]))
        last = divide(subtract(sl(-1, None), sl(-2, -1)), put(dx[-1:]))
    else:
        d1, d2 = put(dx[:1]), put(dx[1:2])
        first = add(add(multiply(divide(-(2.0 * d1 + d2), multiply(d1, d1 + d2)), sl(0, 1)),
                        multiply(divide(d1 + d2, multiply(d1, d2)), sl(1, 2))),
                    multiply(divide(-d1, multiply(d2, d1 + d2)), sl(2, 3)))
        d1, d2 = put(dx[-2:-1]), put(dx[-1:])
        last = add(add(multiply(divide(d2, multiply(d1, d1 + d2)), sl(-3, -2)),
                       multiply(divide(-(d2 + d1), multiply(d1, d2)), sl(-2, -1))),
                   multiply(divide(2.0 * d2 + d1, multiply(d2, d1 + d2)), sl(-1, None)))
    return concatenate([first, interior, last], axis=axis)


def gradient(f: ArrayLike, *varargs: ArrayLike, axis: int | Sequence[int] | None = None,
             edge_order: int | None = None) -> Any:
    """The gradient of sampled ``f`` by second-order central differences inside and one-sided
    differences (first or second order, ``edge_order``) at the ends; ``varargs`` are the
    spacings, one scalar or one coordinate array per axis. One array per axis (a list when
    there are several).

    >>> gradient(np.array([1.0, 2.0, 4.0, 7.0]))
    array([1. , 1.5, 2.5, 3. ])
    """
    f = promote_to_inexact(asarray(f))[0]
    edge_order = 1 if edge_order is None else int(edge_order)
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    axes = canonical_axes(axis, f.ndim) if isinstance(axis, (tuple, list)) or axis is None else (canonical_axis(axis, f.ndim),)
    spacings = _spacings("gradient", varargs, f, axes)
    out = [_gradient_1d(f, h, ax, edge_order) for h, ax in zip(spacings, axes)]
    return out[0] if len(out) == 1 else out


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1) -> Any:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x``
    (or spaced ``dx`` apart).

    >>> trapezoid(np.array([1.0, 2.0, 3.0])), trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0]))
    (array(4.), array(6.5))
    """
    y = promote_to_inexact(asarray(y))[0]
    axis = canonical_axis(axis, y.ndim)
    if x is None:
        d = dx
    else:
        x = asarray(x)
        d = diff(x) if x.ndim == 1 else diff(x, axis=axis)
        if d.ndim == 1:
            d = _along_axis(d, y.ndim, axis)
    mids = multiply(add(along(y, axis, 1, None), along(y, axis, None, -1)), 0.5)
    return sum(multiply(d, mids), axis=axis)


def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | str | None = None,
           right: ArrayLike | str | None = None, period: ArrayLike | None = None) -> Any:
    """Piecewise-linear interpolation of the points ``(xp, fp)`` (``xp`` increasing) at ``x``;
    ``left``/``right`` are the values below ``xp[0]``/above ``xp[-1]`` (default the end
    values, ``"extrapolate"`` continues the end segments); ``period`` makes it periodic.

    >>> interp(np.array([0.5, 1.5, 5.0]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 0.0]))
    array([5., 5., 0.])
    """
    # As JAX: x and xp share a dtype, fp keeps its own (it may be complex, they may not).
    x, xp = (asarray(v) for v in promote_to_inexact(asarray(x), asarray(xp)))
    fp = asarray(promote_to_inexact(asarray(fp))[0])
    if x.dtype.kind == "c":
        raise ValueError("interp: complex x and xp are not supported (complex fp is)")
    if xp.ndim != 1 or fp.ndim != 1 or xp.shape != fp.shape:
        raise ValueError(f"interp: xp and fp must be 1-d of the same length, got shapes {xp.shape} and {fp.shape}")
    if xp.shape[0] == 0:
        raise ValueError("interp: xp and fp cannot be empty")
    for name, value in (("left", left), ("right", right)):
        if isinstance(value, str) and value != "extrapolate":
            raise ValueError(f"interp: {name} must be a value, None or 'extrapolate', got {value!r}")
    if period is not None and (left is not None or right is not None):
        raise ValueError("interp: left and right have no meaning with a period")
    values = [v for v in (left, right) if v is not None and not isinstance(v, str)]
    if builtins.any(np.iscomplexobj(v) if not hasattr(v, "dtype") else v.dtype.kind == "c" for v in [fp, *values]):
        # As NumPy: the real and imaginary parts apart, so a NaN or infinite part of one
        # value stays in its part (complex products would spread it to both).
        def part(f: Any) -> Any:
            left_, right_ = (v if v is None or isinstance(v, str) else f(v) for v in (left, right))
            return _interp_real(x, xp, f(fp), left_, right_, period)
        return lax.complex(part(real), part(imag))
    return _interp_real(x, xp, fp, left, right, period)


def _interp_real(x: Any, xp: Any, fp: Any, left: Any, right: Any, period: Any) -> Any:
    """``interp`` of a real ``fp``, its arguments checked."""
    if period is not None:
        period = absolute(asarray(period))
        x = mod(x, period)
        xp = mod(xp, period)
        order = lax_argsort(xp, 0)
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([subtract(xp[-1:], period), xp, add(xp[:1], period)])
        fp = concatenate([fp[-1:], fp, fp[:1]])
    n = xp.shape[0]
    if n == 1:
        return broadcast_to(fp[0] if left is None and right is None else _single_point(x, xp, fp, left, right), x.shape)
    i = clip(searchsorted(xp, x, side="right"), 1, n - 1)
    x0, x1, f0, f1 = take(xp, i - 1), take(xp, i), take(fp, i - 1), take(fp, i)
    dx = subtract(x1, x0)
    slope = divide(subtract(f1, f0), where(equal(dx, 0), 1.0, dx))
    out = add(f0, multiply(slope, subtract(x, x0)))
    # As NumPy: at a node, the node's value even when a NaN neighbour makes the slope NaN.
    for node, value in ((x0, f0), (x1, f1)):
        out = where(logical_and(isnan(out), equal(x, node)), value, out)
    if period is not None:
        return out
    if not isinstance(left, str):
        out = where(x < xp[0], fp[0] if left is None else left, out)
    if not isinstance(right, str):
        out = where(x > xp[-1], fp[-1] if right is None else right, out)
    return out


def _single_point(x: Any, xp: Any, fp: Any, left: Any, right: Any) -> Any:
    out = broadcast_to(fp[0], x.shape)
    if left is not None and not isinstance(left, str):
        out = where(x < xp[0], left, out)
    if right is not None and not isinstance(right, str):
        out = where(x > xp[0], right, out)
    return out


_MODES = ("full", "same", "valid")


def _full_correlation(a: Any, v: Any) -> Any:
    """``out[k] = sum_j a[k + j - (len(v) - 1)] * v[j]`` for every overlap of ``v`` with ``a``."""
    n, m = a.shape[0], v.shape[0]
    padded = concatenate([lax.full((m - 1,), 0, a.dtype), a, lax.full((m - 1,), 0, a.dtype)])
    windows = np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]
    return matmul(take(padded, windows), v)


def _correlate(name: str, a: ArrayLike, v: ArrayLike, mode: str, flip: bool, preferred_element_type: Any) -> Any:
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {_MODES}, got {mode!r}")
    a, v = promote(asarray(a), asarray(v))
    a, v = asarray(a), asarray(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{name}: a and v must be 1-d, got shapes {a.shape} and {v.shape}")
    n, m = a.shape[0], v.shape[0]
    if n == 0 or m == 0:
        raise ValueError(f"{name}: a and v cannot be empty, got shapes {a.shape} and {v.shape}")
    if a.dtype == np.bool_:
        a, v = convert(a, dtypes.int64), convert(v, dtypes.int64)
    full = _full_correlation(a, lax.rev(v, (0,)) if flip else v)
    short, long = builtins.min(n, m), builtins.max(n, m)
    if mode == "full":
        out = full
    elif mode == "valid":
        out = along(full, 0, short - 1, long)
    else:
        # NumPy centres "same" on the longer input; correlating a shorter a with v mirrors it.
        start = (short - 1) // 2 if flip or n >= m else short - 1 - (short - 1) // 2
        out = along(full, 0, start, start + long)
    return out if preferred_element_type is None else convert(out, np.dtype(preferred_element_type))


def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full", *, precision: Any = None,
             preferred_element_type: Any = None) -> Any:
    """The discrete linear convolution of the 1-d ``a`` and ``v``; ``mode`` ``"full"`` (every
    overlap), ``"same"`` (the length of the longer input) or ``"valid"`` (complete overlaps).

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    return _correlate("convolve", a, v, mode, True, preferred_element_type)


def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid", *, precision: Any = None,
              preferred_element_type: Any = None) -> Any:
    """The cross-correlation ``c[k] = sum_n a[n + k] * v[n]`` of the 1-d ``a`` and ``v``
    (``mode`` as for ``convolve``, default ``"valid"``).

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    return _correlate("correlate", a, v, mode, False, preferred_element_type)


def unwrap(p: ArrayLike, discont: ArrayLike | None = None, axis: int = -1, period: ArrayLike = 2 * np.pi) -> Any:
    """``p`` with jumps between neighbours along ``axis`` larger than ``discont`` (default
    ``period / 2``) replaced by their equivalent modulo ``period``.

    >>> np.round(unwrap(np.array([0.0, 3.0, 6.5, 0.2])), 4)
    array([0.    , 3.    , 0.2168, 0.2   ])
    """
    p = promote_to_inexact(asarray(p))[0]
    axis = canonical_axis(axis, p.ndim)
    if p.shape[axis] == 0:
        return p
    period = convert(asarray(period), p.dtype)
    discont = multiply(period, 0.5) if discont is None else discont
    dd = diff(p, axis=axis)
    high = multiply(period, 0.5)
    low = -high
    dd_mod = add(mod(subtract(dd, low), period), low)
    dd_mod = where(logical_and(equal(dd_mod, low), dd > 0), high, dd_mod)
    correction = where(absolute(dd) < discont, 0.0, subtract(dd_mod, dd))
    shifted = add(along(p, axis, 1, None), cumsum(correction, axis=axis))
    return concatenate([along(p, axis, 0, 1), convert(shifted, p.dtype)], axis=axis)


def _cumulative_with_initial(name: str, x: ArrayLike, axis: int | None, dtype: Any, include_initial: bool,
                             op: Any, initial: int) -> Any:
    x = asarray(x)
    if x.ndim == 0:
        raise ValueError(f"{name}: the input must be at least 1-d, got a 0-d array")
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{name}: axis must be given for an input of rank {x.ndim} (shape {x.shape})")
        axis = 0
    axis = canonical_axis(axis, x.ndim)
    out = op(x, axis, dtype)
    if not include_initial:
        return out
    shape = list(out.shape)
    shape[axis] = 1
    return concatenate([lax.full(tuple(shape), initial, out.dtype), out], axis=axis)


def cumulative_sum(x: ArrayLike, /, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False) -> Any:
    """Running sums along ``axis`` (needed unless ``x`` is 1-d); ``include_initial`` starts
    with the empty sum 0.

    >>> cumulative_sum(np.array([1, 2, 3]), include_initial=True)
    array([0, 1, 3, 6])
    """
    return _cumulative_with_initial("cumulative_sum", x, axis, dtype, include_initial, cumsum, 0)


def cumulative_prod(x: ArrayLike, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Any:
    """Running products along ``axis``; ``include_initial`` starts with the empty product 1.

    >>> cumulative_prod(np.array([[1, 2], [3, 4]]), axis=1)
    array([[ 1,  2],
           [ 3, 12]])
    """
    return _cumulative_with_initial("cumulative_prod", x, axis, dtype, include_initial, cumprod, 1)
