"""Precompiled linear-algebra kernels (LAPACK through Numba's ``np.linalg``) that
generated programs call, one per factorisation, over stacks of matrices ``(batch, m, n)``
(the generated code reshapes around the call). Numba's ``np.linalg`` needs SciPy's LAPACK.
"""
from __future__ import annotations

import numba
import numpy as np

from .kernels import _jit


@numba.njit(**_jit)
def cholesky(a, out):
    """Lower Cholesky factors of a stack ``(batch, n, n)``."""
    for b in range(a.shape[0]):
        out[b] = np.linalg.cholesky(a[b])


@numba.njit(**_jit)
def det(a, out):
    for b in range(a.shape[0]):
        out[b] = np.linalg.det(a[b])


@numba.njit(**_jit)
def lu(a, out, pivots, permutation):
    """LU with partial pivoting (LAPACK's getrf pivots: first largest magnitude) of a stack."""
    n = a.shape[1]
    for b in range(a.shape[0]):
        m = out[b]
        m[:, :] = a[b]
        for i in range(n):
            permutation[b, i] = i
        for k in range(n):
            p = k
            best = abs(m[k, k])
            for i in range(k + 1, n):
                if abs(m[i, k]) > best:
                    best = abs(m[i, k])
                    p = i
            pivots[b, k] = p
            if p != k:
                for j in range(n):
                    t = m[k, j]
                    m[k, j] = m[p, j]
                    m[p, j] = t
                t2 = permutation[b, k]
                permutation[b, k] = permutation[b, p]
                permutation[b, p] = t2
            pivot = m[k, k]
            if pivot != 0:
                for i in range(k + 1, n):
                    m[i, k] /= pivot
            for i in range(k + 1, n):
                factor = m[i, k]
                for j in range(k + 1, n):
                    m[i, j] -= factor * m[k, j]


@numba.njit(**_jit)
def triangular_solve(a, rhs, left_side, lower, transpose_a, unit_diagonal, out):
    """Solve ``op(a) x = rhs`` (left side) or ``x op(a) = rhs`` for triangular ``a``, over
    a stack. Both are one substitution ``M y = c``: on the right, ``y = x^T``, ``c = rhs^T``
    and ``M = op(a)^T``."""
    n = a.shape[1]
    transposed = transpose_a if left_side else not transpose_a
    m_lower = lower != transposed
    k_cols = rhs.shape[2] if left_side else rhs.shape[1]
    for b in range(a.shape[0]):
        for col in range(k_cols):
            for step in range(n):
                i = step if m_lower else n - 1 - step
                c = rhs[b, i, col] if left_side else rhs[b, col, i]
                lo, hi = (0, i) if m_lower else (i + 1, n)
                for j in range(lo, hi):
                    mij = a[b, j, i] if transposed else a[b, i, j]
                    yj = out[b, j, col] if left_side else out[b, col, j]
                    c -= mij * yj
                if not unit_diagonal:
                    c /= a[b, i, i]
                if left_side:
                    out[b, i, col] = c
                else:
                    out[b, col, i] = c


@numba.njit(**_jit)
def eigh(a, v, w):
    """Eigenvectors ``v`` and ascending eigenvalues ``w`` of the symmetric matrices whose
    lower triangles are those of the stack ``a``."""
    for b in range(a.shape[0]):
        w[b], v[b] = np.linalg.eigh(a[b])


@numba.njit(**_jit)
def svd(a, full_matrices, s, u, vt):
    """``a[b] = u[b] @ diag(s[b]) @ vt[b]``, singular values descending."""
    m, n = a.shape[1], a.shape[2]
    for b in range(a.shape[0]):
        if min(m, n) == 0:
            # LAPACK is not called on empty matrices: the full factors are identities.
            u[b] = np.eye(u.shape[1], u.shape[2], dtype=a.dtype)
            vt[b] = np.eye(vt.shape[1], vt.shape[2], dtype=a.dtype)
            continue
        u[b], s[b], vt[b] = np.linalg.svd(a[b], full_matrices)


@numba.njit(**_jit)
def svdvals(a, s):
    for b in range(a.shape[0]):
        if min(a.shape[1], a.shape[2]) > 0:
            s[b] = np.linalg.svd(a[b], False)[1]


@numba.njit(**_jit)
def qr(a, q, r):
    """``a[b] = q[b] @ r[b]``; a square ``q`` for a tall ``a`` is LAPACK's complete Q (the
    QR of ``a`` padded with zero columns: their reflectors are identities)."""
    m, n = a.shape[1], a.shape[2]
    k = q.shape[2]
    padded = np.zeros((m, max(n, k)), a.dtype)
    for b in range(a.shape[0]):
        if m == 0 or n == 0:
            q[b] = np.eye(m, k, dtype=a.dtype)
            r[b] = 0
            continue
        padded[:, :n] = a[b]
        qb, rb = np.linalg.qr(padded)
        q[b] = qb[:, :k]
        r[b] = rb[:k, :n]


@numba.njit(**_jit)
def pivots_to_permutation(pivots, out):
    """The permutations that LAPACK's row swaps (row ``i`` with row ``pivots[b, i]``) apply."""
    for b in range(pivots.shape[0]):
        for i in range(out.shape[1]):
            out[b, i] = i
        for i in range(pivots.shape[1]):
            j = min(max(pivots[b, i], 0), out.shape[1] - 1)  # out-of-range pivots clamp, as gathers do
            out[b, i], out[b, j] = out[b, j], out[b, i]
