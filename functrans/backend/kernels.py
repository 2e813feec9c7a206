"""Precompiled kernels that generated programs call for the primitives that are not
elementwise: gathers, scatters, cumulative and arg reductions, batched products, and the
Threefry cipher of random keys.

They are compiled once per argument type and kept in Numba's disk cache, so a
program that uses them does not pay for compiling them again. Each works on a
canonical low-rank view (the generated code reshapes around the call), which keeps
the number of distinct signatures small.
"""
from __future__ import annotations

import math

import numba
import numba.extending
import numpy as np

from .._kernel import OPTIONS, inlined_by_llvm, kernel
from ..lax._threefry import threefry2x32_rounds

inline = numba.njit(inline="always", **OPTIONS)


@inlined_by_llvm
@kernel
def arena_view(ws, start, stop, dtype, shape):
    """Bytes ``start:stop`` of the scratch arena ``ws`` as an array of ``dtype`` and ``shape``.

    One function compiled once per dtype and rank (and kept in Numba's cache), inlined by LLVM
    where the constants propagate, instead of ``ws[a:b].view(dtype).reshape(shape)`` written
    out: Numba types and lowers each of those anew, specialised on the literal shape (about
    40 ms a statement)."""
    return ws[start:stop].view(dtype).reshape(shape)


def greater(a, b):
    """``a > b`` in NumPy's order, which for complex values is lexicographic (the real parts,
    then the imaginary ones). Compiled code only: the overloads pick the comparison by type, so
    real values keep their plain compares (max_nan written with a lexicographic one made a max
    reduction 2.4x slower, and even ``b if b > a else a`` for ``a if a >= b else b`` did)."""
    raise NotImplementedError("functrans.backend.kernels.greater is for compiled code")


def greater_equal(a, b):
    """``a >= b`` in NumPy's order (see ``greater``)."""
    raise NotImplementedError("functrans.backend.kernels.greater_equal is for compiled code")


def _ordering(strict: bool):
    def overload(a, b):
        # Bitwise, not short-circuit, operators: one basic block, which Numba inlines without
        # the out-of-scope phi variables that `or`/`and` leave (a NumbaIRAssumptionWarning).
        if isinstance(a, numba.types.Complex):
            if strict:
                return lambda a, b: (a.real > b.real) | ((a.real == b.real) & (a.imag > b.imag))
            return lambda a, b: (a.real > b.real) | ((a.real == b.real) & (a.imag >= b.imag))
        return (lambda a, b: a > b) if strict else (lambda a, b: a >= b)

    return overload


numba.extending.overload(greater, inline="always")(_ordering(strict=True))
numba.extending.overload(greater_equal, inline="always")(_ordering(strict=False))


@inline
def max_nan(a, b):
    """NumPy's ``maximum``: NaN if either is NaN (for complex values, either part)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if greater_equal(a, b) else b


@inline
def min_nan(a, b):
    """NumPy's ``minimum``: NaN if either is NaN (for complex values, either part)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if greater_equal(b, a) else b


@inline
def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


@inline
def lgamma(x):
    """``math.lgamma``, but -inf at -inf, as SciPy's ``gammaln`` (the eager impl)."""
    return x if x == -np.inf else math.lgamma(x)


@kernel
def trigamma(x):
    """psi'(x) by the recurrence psi'(x) = psi'(x + 1) + 1/x^2 up to x >= 10, then the asymptotic
    series (to x**-15: its error there is below 1e-16)."""
    if x != x:
        return np.nan
    if x <= 0.0 and np.floor(x) == x:  # the poles, and -inf (as SciPy)
        return np.inf
    if x < 0.0:
        # Reflection: psi'(1 - x) + psi'(x) = pi^2 / sin^2(pi x). Not a recursive call:
        # Numba's disk cache cannot load recursive functions (numba/numba#6061).
        s = math.sin(math.pi * (x - np.rint(x)))  # the period taken out exactly, as in digamma
        return (math.pi * math.pi) / (s * s) - _trigamma_positive(1.0 - x)
    return _trigamma_positive(x)


@kernel
def _trigamma_positive(x):
    result = 0.0
    while x < 10.0:
        result += 1.0 / (x * x)
        x += 1.0
    inv = 1.0 / (x * x)
    series = 1.0 / x + inv / 2 + inv / x * (1.0 / 6 - inv * (1.0 / 30 - inv * (1.0 / 42 - inv * (1.0 / 30 - inv * (5.0 / 66 - inv * (691.0 / 2730 - inv * (7.0 / 6)))))))
    return result + series


@inline
def _flat_index(indices, b, p, sizes, clip):
    """The row-major offset of index tuple ``indices[b, p]`` in the indexed axes, clamped
    into range if ``clip``, else flagged invalid when out of range."""
    flat = 0
    valid = True
    for j in range(indices.shape[2]):
        i = indices[b, p, j]
        n = sizes[j]
        if i < 0 or i >= n:
            if clip:
                i = 0 if i < 0 else n - 1
            else:
                valid = False
        flat = flat * n + i
    return flat, valid


@kernel
def gather(operand, indices, sizes, clip, out):
    """``out[b, p, s] = operand[b, flat(indices[b, p]), s]`` with operand viewed as
    (batch, prod(indexed sizes), trailing) and indices as (batch, points, k)."""
    nb, npts, k = indices.shape
    for b in range(nb):
        for p in range(npts):
            flat, valid = _flat_index(indices, b, p, sizes, clip)
            if valid:
                out[b, p, :] = operand[b, flat, :]
            else:
                out[b, p, :] = 0


@kernel
def scatter(out, indices, updates, sizes, clip, kind):
    """In place: ``out[b, flat(indices[b, p]), s] (kind)= updates[b, p, s]``; kind 0 set,
    1 add, 2 mul, 3 min, 4 max. Out-of-range points are dropped unless ``clip``."""
    nb, npts, k = indices.shape
    ns = out.shape[2]
    for b in range(nb):
        for p in range(npts):
            flat, valid = _flat_index(indices, b, p, sizes, clip)
            if not valid:
                continue
            for s in range(ns):
                u = updates[b, p, s]
                if kind == 0:
                    out[b, flat, s] = u
                elif kind == 1:
                    out[b, flat, s] += u
                elif kind == 2:
                    out[b, flat, s] *= u
                elif kind == 3:
                    out[b, flat, s] = min_nan(out[b, flat, s], u)
                else:
                    out[b, flat, s] = max_nan(out[b, flat, s], u)


@kernel
def cumulative(x, kind, reverse, out):
    """Running sum (0), product (1), max (2) or min (3) along axis 1 of a 3-D view."""
    n0, n, n2 = x.shape
    for a in range(n0):
        for c in range(n2):
            for step in range(n):
                i = n - 1 - step if reverse else step
                v = x[a, i, c]
                if step > 0:
                    prev = out[a, i + 1 if reverse else i - 1, c]
                    if kind == 0:
                        v = prev + v
                    elif kind == 1:
                        v = prev * v
                    elif kind == 2:
                        v = max_nan(prev, v)
                    else:
                        v = min_nan(prev, v)
                out[a, i, c] = v


@kernel
def argreduce(x, is_max, out):
    """Index of the first maximum (or minimum) along axis 1 of a 3-D view; NaN wins, as in NumPy."""
    n0, n, n2 = x.shape
    for a in range(n0):
        for c in range(n2):
            best = x[a, 0, c]
            where = 0
            if best == best:
                for i in range(1, n):
                    v = x[a, i, c]
                    if v != v:
                        where = i
                        break
                    if greater(v, best) if is_max else greater(best, v):
                        best = v
                        where = i
            out[a, c] = where


@kernel
def matmul_loops(lhs, rhs, out):
    """``out[b] = lhs[b] @ rhs[b]`` by loops: integer dtypes, which BLAS does not cover, and
    many small float products (see lax/dot.py's lowering)."""
    nb, m, k = lhs.shape
    n = rhs.shape[2]
    for b in range(nb):
        for i in range(m):
            for j in range(n):
                out[b, i, j] = 0
            for p in range(k):
                a = lhs[b, i, p]
                for j in range(n):
                    out[b, i, j] += a * rhs[b, p, j]


_threefry_pair = numba.njit(**OPTIONS)(threefry2x32_rounds)


@kernel
def threefry2x32(k0, k1, x0, x1, out0, out1):
    """Threefry-2x32 of each counter pair ``(x0[i], x1[i])`` into ``(out0[i], out1[i])``, under the
    key ``(k0[0], k1[0])`` or, for keys as long as the counters, ``(k0[i], k1[i])``: 1-D views.
    One kernel for every random program: unrolled into the program, the cipher's 200
    operations per use took Numba seconds to type and lower."""
    one_key = k0.size == 1
    for i in range(x0.size):
        j = 0 if one_key else i
        out0[i], out1[i] = _threefry_pair(k0[j], k1[j], x0[i], x1[i])
