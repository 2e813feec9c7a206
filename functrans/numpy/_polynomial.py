"""Polynomials as 1-d coefficient arrays, highest power first: ``poly``, ``polyadd``,
``polysub``, ``polymul``, ``polydiv``, ``polyder``, ``polyint``, ``polyval``, ``polyfit``,
``roots``, ``trim_zeros``, ``vander``.

The degree is the array's length, so it is static: loops over coefficients unroll.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import core, lax
from ._base import ArrayLike, asarray, canonical_axes, convert, promote, promote_to_inexact
from ._reductions import all, argmin, sum
from ._sorting import argsort
from ._calculus import convolve
from ._products import matmul, outer
from ._shape import arange, atleast_1d, concatenate, eye, roll, stack, transpose, zeros
from ._ufuncs import add, divide, equal, multiply, negative, sqrt, subtract, where
from .linalg import eigvals, inv, lstsq


def _coefficients(name: str, p: ArrayLike) -> Any:
    p = atleast_1d(asarray(p))
    if p.ndim != 1:
        raise ValueError(f"{name}: coefficients must be 1-d, got shape {p.shape}")
    return p


def poly(seq_of_zeros: ArrayLike) -> Any:
    """The coefficients of the monic polynomial with the given roots; of a non-empty square
    matrix, its characteristic polynomial (from its eigenvalues, so complex, as JAX's).

    >>> poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    z = atleast_1d(asarray(seq_of_zeros))
    if z.ndim == 2 and z.shape[0] == z.shape[1] and z.shape[0] > 0:
        z = eigvals(z)
    if z.ndim != 1:
        raise ValueError(f"poly: input must be 1-d or a square 2-d array, got shape {z.shape}")
    (z,) = promote_to_inexact(z)
    c = lax.full((1,), 1, z.dtype)
    for k in range(z.shape[0]):
        # (x - z_k) * c(x): shift c up one power and subtract z_k times c.
        c = subtract(concatenate([c, lax.full((1,), 0, z.dtype)]), multiply(z[k], concatenate([lax.full((1,), 0, z.dtype), c])))
    return c


def _aligned(a1: ArrayLike, a2: ArrayLike, name: str) -> tuple[Any, Any]:
    """Both coefficient arrays padded at the front to a common length."""
    a1, a2 = promote(_coefficients(name, a1), _coefficients(name, a2))
    a1, a2 = asarray(a1), asarray(a2)
    n = max(a1.shape[0], a2.shape[0])
    pad = lambda a: concatenate([lax.full((n - a.shape[0],), 0, a.dtype), a]) if a.shape[0] < n else a  # noqa: E731
    return pad(a1), pad(a2)


def polyadd(a1: ArrayLike, a2: ArrayLike) -> Any:
    """The sum of two polynomials.

    >>> polyadd(np.array([1, 2]), np.array([1, 0, 0]))
    array([1, 1, 2])
    """
    return add(*_aligned(a1, a2, "polyadd"))


def polysub(a1: ArrayLike, a2: ArrayLike) -> Any:
    """The difference of two polynomials.

    >>> polysub(np.array([1, 2]), np.array([1, 0, 0]))
    array([-1,  1,  2])
    """
    return subtract(*_aligned(a1, a2, "polysub"))


def _leading_zeros(p: Any) -> int:
    """How many leading coefficients of the concrete ``p`` are zero (all but the last at most)."""
    value = np.asarray(core.concrete_or_error(p, "trim_leading_zeros (the number of leading zeros)"))
    nonzero = np.flatnonzero(value)
    return int(nonzero[0]) if nonzero.size else max(value.size - 1, 0)


def polymul(a1: ArrayLike, a2: ArrayLike, *, trim_leading_zeros: bool = False) -> Any:
    """The product of two polynomials; ``trim_leading_zeros`` (concrete inputs only) drops
    their leading zero coefficients first.

    >>> polymul(np.array([1, 1]), np.array([1, -1]))
    array([ 1,  0, -1])
    """
    a1, a2 = _coefficients("polymul", a1), _coefficients("polymul", a2)
    if trim_leading_zeros:
        a1, a2 = a1[_leading_zeros(a1):], a2[_leading_zeros(a2):]
    return convolve(a1, a2)


def polydiv(u: ArrayLike, v: ArrayLike, *, trim_leading_zeros: bool = False) -> tuple[Any, Any]:
    """Quotient and remainder of ``u / v`` by long division; the remainder keeps ``u``'s
    length unless ``trim_leading_zeros`` (concrete inputs only) drops its leading zeros.

    >>> polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]))
    (array([ 1., -2.]), array([0., 0., 0.]))
    """
    u, v = promote_to_inexact(_coefficients("polydiv", u), _coefficients("polydiv", v))
    u, v = asarray(u), asarray(v)
    m, n = u.shape[0] - 1, v.shape[0] - 1
    scale = divide(1.0, v[0])
    quotient = []
    r = u
    for k in range(max(m - n + 1, 0)):
        d = multiply(scale, r[k])
        quotient.append(d)
        r = subtract(r, concatenate([lax.full((k,), 0, u.dtype), multiply(d, v), lax.full((m - n - k,), 0, u.dtype)]))
    q = stack(quotient) if quotient else lax.full((1,), 0, u.dtype)
    if trim_leading_zeros:
        value = np.asarray(core.concrete_or_error(r, "trim_leading_zeros (the remainder's leading zeros)"))
        k = 0
        while k < value.size - 1 and np.isclose(value[k], 0, rtol=1e-14, atol=0):
            k += 1
        r = r[k:]
    return q, r


def polyder(p: ArrayLike, m: int = 1) -> Any:
    """The ``m``-th derivative of a polynomial.

    >>> polyder(np.array([1, 2, 3, 4]))
    array([3, 4, 3])
    """
    p = _coefficients("polyder", p)
    m = int(m)
    if m < 0:
        raise ValueError(f"polyder: order m must be non-negative, got {m}")
    for _ in range(m):
        if p.shape[0] == 0:
            break
        p = multiply(p[:-1], np.arange(p.shape[0] - 1, 0, -1))
    return p


def polyint(p: ArrayLike, m: int = 1, k: int | ArrayLike | None = None) -> Any:
    """The ``m``-th antiderivative of a polynomial, with integration constants ``k`` (one
    per integration, the first used first; default 0).

    >>> polyint(np.array([3.0, 2.0, 1.0]), k=5.0)
    array([1., 1., 1., 5.])
    """
    p = promote_to_inexact(_coefficients("polyint", p))[0]
    m = int(m)
    if m < 0:
        raise ValueError(f"polyint: order m must be non-negative, got {m}")
    if m == 0:
        return p
    k = zeros(m, p.dtype) if k is None else atleast_1d(convert(asarray(k), p.dtype))
    if k.shape[0] == 1 and m > 1:
        k = lax.broadcast_in_dim(lax.reshape(k, ()), (m,), ())
    if k.ndim != 1 or k.shape[0] != m:
        raise ValueError(f"polyint: k must be a scalar or have one entry per integration ({m}), got shape {k.shape}")
    for i in range(m):
        p = concatenate([divide(p, np.arange(p.shape[0], 0, -1).astype(p.dtype)), k[i:i + 1]])
    return p


def polyval(p: ArrayLike, x: ArrayLike, *, unroll: int = 16) -> Any:
    """The polynomial ``p`` evaluated at ``x`` by Horner's rule (``unroll`` is accepted for
    JAX's signature: the loop is always unrolled).

    >>> polyval(np.array([1, 2, 3]), np.array([0, 1, 2]))
    array([ 3,  6, 11])
    """
    p = _coefficients("polyval", p)
    p, x = promote(p, asarray(x))
    p, x = asarray(p), asarray(x)
    y = lax.full(x.shape, 0, x.dtype)
    for i in range(p.shape[0]):
        y = add(multiply(y, x), p[i])
    return y


def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of the 1-d ``x``: columns ``x ** (N - 1)``, ..., ``x ** 0``
    (the other way round with ``increasing``).

    >>> vander(np.array([1, 2, 3]), 3)
    array([[1, 1, 1],
           [4, 2, 1],
           [9, 3, 1]])
    """
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-d, got shape {x.shape}")
    N = x.shape[0] if N is None else int(N)
    if N < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}")
    columns = [lax.full(x.shape, 1, x.dtype) if k == 0 else lax.integer_pow(x, k) for k in range(N)]
    if not increasing:
        columns.reverse()
    return stack(columns, axis=1) if columns else lax.full((x.shape[0], 0), 0, x.dtype)


def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None, full: bool = False,
            w: ArrayLike | None = None, cov: bool | str = False) -> Any:
    """Least-squares fit of a degree-``deg`` polynomial to the points ``(x, y)`` (``y`` may
    hold several data sets as columns), optionally weighted by ``w``. With ``full``, also
    the residuals, rank, singular values and ``rcond`` of the scaled Vandermonde matrix; with
    ``cov``, the coefficients' covariance (``"unscaled"``: without the residual variance).

    >>> np.round(polyfit(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, 5.0, 7.0]), 1), 6)
    array([2., 1.])
    """
    deg = int(deg)
    if deg < 0:
        raise ValueError(f"polyfit: deg must be non-negative, got {deg}")
    x, y = promote_to_inexact(asarray(x), asarray(y))
    x, y = asarray(x), asarray(y)
    if x.ndim != 1 or x.shape[0] == 0:
        raise TypeError(f"polyfit: x must be a non-empty 1-d array, got shape {x.shape}")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise TypeError(f"polyfit: y must be 1-d or 2-d with x's length {x.shape[0]}, got shape {y.shape}")
    if rcond is None:
        rcond = x.shape[0] * float(np.finfo(x.dtype).eps)
    lhs, rhs = vander(x, deg + 1), y
    if w is not None:
        w = convert(asarray(w), x.dtype)
        if w.shape != x.shape:
            raise TypeError(f"polyfit: w must have x's shape {x.shape}, got {w.shape}")
        lhs = multiply(lhs, w[:, None])
        rhs = multiply(rhs, w if y.ndim == 1 else w[:, None])
    # Unit-norm columns make the least-squares problem far better conditioned.
    scale = sqrt(sum(multiply(lhs, lhs), axis=0))
    lhs = divide(lhs, scale)
    c, residuals, rank, s = lstsq(lhs, rhs, rcond)
    coefficients = divide(c, scale if y.ndim == 1 else scale[:, None])
    if full:
        return coefficients, residuals, rank, s, asarray(rcond, x.dtype)
    if not cov:
        return coefficients
    order = deg + 1
    if x.shape[0] <= order:
        raise ValueError(f"polyfit: {x.shape[0]} points are too few to estimate a covariance for degree {deg}")
    base = divide(inv(matmul(transpose(lhs), lhs)), outer(scale, scale))
    factor = 1.0 if cov == "unscaled" else divide(residuals, x.shape[0] - order)
    if y.ndim == 1:
        return coefficients, multiply(base, factor)
    return coefficients, multiply(base[:, :, None], factor)


def roots(p: ArrayLike, *, strip_zeros: bool = True) -> Any:
    """The roots of a polynomial (a complex array): the eigenvalues of its companion matrix.
    With ``strip_zeros`` leading zeros are dropped, which needs concrete coefficients (the
    number of roots depends on them), and each trailing zero gives an exact zero root, as
    NumPy. With ``strip_zeros=False`` it traces (jit, vmap, grad), as JAX's: always
    ``len(p) - 1`` roots, one NaN per leading zero, placed last.

    >>> roots(np.array([1.0, -3.0, 2.0]))
    array([2.+0.j, 1.+0.j])
    >>> roots(np.array([0.0, 1.0, -2.0]), strip_zeros=False)
    array([ 2. +0.j, nan+nanj])
    """
    p = _coefficients("roots", p)
    if not strip_zeros:
        return _roots_of_all_coefficients(p)
    value = np.asarray(core.concrete_or_error(p, "roots with strip_zeros=True (the number of roots depends on "
                                                 "the coefficients); pass strip_zeros=False under transformations"))
    nonzero = np.flatnonzero(value)
    if nonzero.size == 0:
        return np.zeros(0, np.result_type(value.dtype, np.complex64))
    if strip_zeros:
        value = value[nonzero[0]:]
    trailing = value.size - 1 - int(np.flatnonzero(value)[-1])
    value = value[: value.size - trailing]
    n = value.size - 1
    complex_dtype = np.result_type(value.dtype, np.complex64)
    if n < 1:
        return np.zeros(trailing, complex_dtype)
    companion = np.diag(np.ones(n - 1, np.result_type(value.dtype, np.float64)), -1)
    companion[0, :] = -value[1:] / value[0]
    found = eigvals(companion) if n > 1 else np.asarray([companion[0, 0]], complex_dtype)
    return np.concatenate([np.asarray(found, complex_dtype), np.zeros(trailing, complex_dtype)])


def _roots_of_all_coefficients(p: Any) -> Any:
    (p,) = promote_to_inexact(p)
    n = p.shape[0]
    complex_dtype = np.result_type(p.dtype, np.complex64)
    if n < 2:
        return zeros(0, complex_dtype)
    is_zero = equal(p, 0)
    leading = where(all(is_zero), n, argmin(is_zero))
    # Leading zeros rolled to the end become zero roots; an all-zero p is replaced by ones so that
    # the companion matrix stays finite (all its roots are NaN below).
    p = roll(where(leading == n, 1.0, p), -leading)
    companion = concatenate([lax.expand_dims(negative(divide(p[1:], p[0])), (0,)), eye(n - 2, n - 1, dtype=p.dtype)])
    found = eigvals(companion)
    found = found[argsort(equal(found, 0), stable=True)]  # the rolled-in zero roots last
    return where(arange(n - 1) < n - 1 - leading, found, complex(np.nan, np.nan))


def trim_zeros(filt: ArrayLike, trim: str = "fb", axis: int | Sequence[int] | None = None) -> Any:
    """``filt`` without its leading (``"f"`` in ``trim``) and trailing (``"b"``) zeros along
    each of ``axis`` (all axes by default). Needs concrete values: the result's size depends
    on them.

    >>> trim_zeros(np.array([0, 0, 1, 2, 0, 3, 0]))
    array([1, 2, 0, 3])
    """
    filt = asarray(filt)
    trim = trim.lower()
    if not set(trim) <= {"f", "b"}:
        raise ValueError(f"trim_zeros: trim must contain only 'f' and 'b', got {trim!r}")
    value = np.asarray(core.concrete_or_error(filt, "trim_zeros (the result's size depends on the values)"))
    if filt.ndim == 0:
        return filt
    out = filt
    for ax in canonical_axes(axis, filt.ndim):
        others = tuple(d for d in range(filt.ndim) if d != ax)
        nonzero = np.flatnonzero(np.any(value != 0, axis=others))
        if nonzero.size == 0:
            start = stop = 0
        else:
            start = int(nonzero[0]) if "f" in trim else 0
            stop = int(nonzero[-1]) + 1 if "b" in trim else value.shape[ax]
        index = [slice(None)] * filt.ndim
        index[ax] = slice(start, stop)
        out = out[tuple(index)]
        value = value[tuple(index)]
    return out
