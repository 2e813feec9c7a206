"""Precompiled linear-algebra kernels (LAPACK through Numba's ``np.linalg``) that
generated programs call, one per factorisation, over stacks of matrices ``(batch, m, n)``
(the generated code reshapes around the call). Numba's ``np.linalg`` needs SciPy's LAPACK.
Batched products call gemm on strided views (``strided_matmul``); attention's
softmax rows (``softmax_rows``, ``softmax_rows_jvp``) sit next to them.
"""
from __future__ import annotations

import numba
import numba.extending
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from .._kernel import kernel
from . import blas  # noqa: F401  (binds the gemm names before any kernel links)
from . import fastmath as fm
from .kernels import inline

# ?gemm for each dtype, by the names backend.blas binds to NumPy's BLAS (see there why that
# library), so cached kernels link in every process. Fortran's interface: every argument
# is an address, which is also how one matrix of a strided batch is named (data pointer
# plus offset).
_GEMMS = {t: types.ExternalFunction(f"functrans_{letter}gemm", types.void(*[types.intp] * 13))
          for t, letter in zip((types.float32, types.float64, types.complex64, types.complex128), blas.LETTERS)}


def _gemm(a, *args):
    """gemm of ``a``'s dtype on these addresses (compiled code only)."""


@overload(_gemm)
def _typed_gemm(a, *args):
    external = _GEMMS[a.dtype]
    return lambda a, *args: external(*args)


@intrinsic
def _constant(typingctx, array, value):
    """The integer literal ``value`` in ``array``'s dtype (np.zeros(1, dtype)[0] would
    allocate: compiled programs allocate nothing but their outputs)."""
    if not isinstance(value, types.IntegerLiteral):
        return None
    return array.dtype(array, value), lambda context, builder, sig, args: context.get_constant(array.dtype, value.literal_value)


@intrinsic
def _address(typingctx, value):
    """The address of a copy of ``value`` on the calling kernel's stack (gemm takes its
    arguments by address)."""
    def codegen(context, builder, sig, args):
        slot = cgutils.alloca_once_value(builder, args[0])
        return builder.ptrtoint(slot, context.get_value_type(types.intp))
    return types.intp(value), codegen


@kernel
def _layout(rows, cols, row_stride, col_stride):
    """gemm's transpose flag and leading dimension for a ``rows`` x ``cols`` matrix with
    these element strides, unit along one axis (the caller checks): "N" for a column-major
    matrix, "T" for a row-major one. A single row or column fits either."""
    if row_stride == 1 or rows <= 1:
        return ord("N"), max(col_stride, rows, 1)
    return ord("T"), max(row_stride, cols, 1)


@kernel
def strided_matmul(a, b, out, batch, a_batch, b_batch, out_batch, m, n, k, a_mk, b_kn, out_mn):
    """``out[i, j] = a[i, :] @ b[:, j]`` for every (b0, b1) < ``batch``, by the ?gemm of their
    dtype, on flat buffers:
    matrix (b0, b1) of ``a`` starts at ``b0 * a_batch[0] + b1 * a_batch[1]`` and element
    (i, p) is ``a_mk[0] * i + a_mk[1] * p`` past it (all in elements; likewise ``b`` and
    ``out``). One gemm per matrix and no copy: gemm takes any matrix that is unit-strided
    along one axis, the other stride being its leading dimension. Sizes are positive."""
    size = a.itemsize
    one, zero = _address(_constant(a, 1)), _address(_constant(a, 0))
    # gemm writes a column-major c: out itself, or out's transpose, c = b^T a^T.
    out_flag, c_ld = _layout(m, n, out_mn[0], out_mn[1])
    if out_flag == ord("N"):
        rows, cols, x, x_rc, y, y_rc, x_batch, y_batch = m, n, a, a_mk, b, b_kn, a_batch, b_batch
    else:
        rows, cols, x, x_rc, y, y_rc, x_batch, y_batch = n, m, b, (b_kn[1], b_kn[0]), a, (a_mk[1], a_mk[0]), b_batch, a_batch
    x_flag, x_ld = _layout(rows, k, x_rc[0], x_rc[1])
    y_flag, y_ld = _layout(k, cols, y_rc[0], y_rc[1])
    flags = _address(np.uint8(x_flag)), _address(np.uint8(y_flag))
    sizes = _address(np.int64(rows)), _address(np.int64(cols)), _address(np.int64(k))
    lds = _address(np.int64(x_ld)), _address(np.int64(y_ld)), _address(np.int64(c_ld))
    for b0 in range(batch[0]):
        for b1 in range(batch[1]):
            _gemm(a, flags[0], flags[1], sizes[0], sizes[1], sizes[2], one,
                  x.ctypes.data + size * (b0 * x_batch[0] + b1 * x_batch[1]), lds[0],
                  y.ctypes.data + size * (b0 * y_batch[0] + b1 * y_batch[1]), lds[1], zero,
                  out.ctypes.data + size * (b0 * out_batch[0] + b1 * out_batch[1]), lds[2])


@inline
def _row_sum(row, zero):
    """The sum of a row in eight interleaved partial sums (``zero``: 0 in its dtype): a
    fixed order, so the same bits on every call, that LLVM vectorises (one running sum
    it must not reorder)."""
    n = row.shape[0]
    whole = n - n % 8
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = zero
    for j in range(0, whole, 8):
        s0 += row[j]
        s1 += row[j + 1]
        s2 += row[j + 2]
        s3 += row[j + 3]
        s4 += row[j + 4]
        s5 += row[j + 5]
        s6 += row[j + 6]
        s7 += row[j + 7]
    total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    for j in range(whole, n):
        total += row[j]
    return total


@kernel
def softmax_rows(x, scale, precise, out):
    """``out[r] = softmax(scale * x[r])``, each row shifted by its maximum (by 0 where that
    is not finite); ``precise``: libm's exp rather than fastmath's."""
    rows, n = x.shape
    if n == 0:
        return
    zero = _constant(out, 0)
    for r in range(rows):
        xr, o = x[r], out[r]
        top = scale * xr[0]
        for j in range(1, n):
            v = scale * xr[j]
            top = v if v > top else top  # a NaN never wins (unless first), but makes the sum NaN below
        shift = top if np.isfinite(top) else zero
        if precise:
            for j in range(n):
                o[j] = np.exp(scale * xr[j] - shift)
        else:
            for j in range(n):
                o[j] = fm.exp(scale * xr[j] - shift)
        total = _row_sum(o, zero)
        for j in range(n):
            o[j] = o[j] / total


@kernel
def softmax_rows_jvp(p, t, scale, out):
    """``out[r] = scale * p[r] * (t[r] - sum(t[r] * p[r]))``: softmax's derivative along ``t``."""
    rows, n = p.shape
    zero = _constant(out, 0)
    for r in range(rows):
        pr, tr, o = p[r], t[r], out[r]
        for j in range(n):
            o[j] = tr[j] * pr[j]
        inner = _row_sum(o, zero)
        for j in range(n):
            o[j] = pr[j] * (tr[j] - inner) * scale


def pivot_magnitude(x):
    """LAPACK's pivot size (its i?amax): ``|x|`` of a real ``x``, ``|re| + |im|`` of a complex
    one. Compiled code only: the overload keeps real matrices' plain ``abs``."""
    raise NotImplementedError("functrans.backend.kernels_linalg.pivot_magnitude is for compiled code")


def conjugate_if(x, flag):
    """``conj(x)`` if ``flag`` and ``x`` is complex, else ``x`` (compiled code only)."""
    raise NotImplementedError("functrans.backend.kernels_linalg.conjugate_if is for compiled code")


@numba.extending.overload(pivot_magnitude, inline="always")
def _pivot_magnitude(x):
    if isinstance(x, types.Complex):
        return lambda x: abs(x.real) + abs(x.imag)
    return lambda x: abs(x)


@numba.extending.overload(conjugate_if)  # (inline="always" trips Numba's IR check on the conditional)
def _conjugate_if(x, flag):
    if isinstance(x, types.Complex):
        return lambda x, flag: x.conjugate() if flag else x
    return lambda x, flag: x


@kernel
def cholesky(a, out):
    """Lower Cholesky factors of a stack ``(batch, n, n)``."""
    for b in range(a.shape[0]):
        out[b] = np.linalg.cholesky(a[b])


@kernel
def det(a, out):
    for b in range(a.shape[0]):
        out[b] = np.linalg.det(a[b])


@kernel
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
            best = pivot_magnitude(m[k, k])
            for i in range(k + 1, n):
                if pivot_magnitude(m[i, k]) > best:
                    best = pivot_magnitude(m[i, k])
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


@kernel
def triangular_solve(a, rhs, left_side, lower, transpose_a, conjugate_a, unit_diagonal, out):
    """Solve ``op(a) x = rhs`` (left side) or ``x op(a) = rhs`` for triangular ``a`` (``op``
    transposes if ``transpose_a``, conjugates if ``conjugate_a``), over a stack. Both are one
    substitution ``M y = c``: on the right, ``y = x^T``, ``c = rhs^T`` and ``M = op(a)^T``."""
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
                    mij = conjugate_if(a[b, j, i] if transposed else a[b, i, j], conjugate_a)
                    yj = out[b, j, col] if left_side else out[b, col, j]
                    c -= mij * yj
                if not unit_diagonal:
                    c /= conjugate_if(a[b, i, i], conjugate_a)
                if left_side:
                    out[b, i, col] = c
                else:
                    out[b, col, i] = c


@kernel
def eigh(a, v, w):
    """Eigenvectors ``v`` and ascending eigenvalues ``w`` of the symmetric matrices whose
    lower triangles are those of the stack ``a``."""
    for b in range(a.shape[0]):
        w[b], v[b] = np.linalg.eigh(a[b])


@kernel
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


@kernel
def svdvals(a, s):
    for b in range(a.shape[0]):
        if min(a.shape[1], a.shape[2]) > 0:
            s[b] = np.linalg.svd(a[b], False)[1]


@kernel
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


@kernel
def pivots_to_permutation(pivots, out):
    """The permutations that LAPACK's row swaps (row ``i`` with row ``pivots[b, i]``) apply."""
    for b in range(pivots.shape[0]):
        for i in range(out.shape[1]):
            out[b, i] = i
        for i in range(pivots.shape[1]):
            j = min(max(pivots[b, i], 0), out.shape[1] - 1)  # out-of-range pivots clamp, as gathers do
            out[b, i], out[b, j] = out[b, j], out[b, i]


# LAPACK's ?geev through Numba's own entries (numba/_lapack.c, symbols of every process, so
# the kernel stays in the disk cache); arrays as addresses, as for gemm above. Numba's
# np.linalg.eig refuses real matrices with complex eigenvalues, hence the direct call.
_RGEEV = types.ExternalFunction("numba_ez_rgeev", types.intc(types.char, types.char, types.char, *[types.intp] * 9))
_CGEEV = types.ExternalFunction("numba_ez_cgeev", types.intc(types.char, types.char, types.char, *[types.intp] * 8))


def _geev(work, w, vl, vr):
    """?geev of the column-major matrix ``work`` (its C-order buffer holds the transpose),
    eigenvalues into ``w`` and (transposed) eigenvectors into ``vl``, ``vr`` as LAPACK leaves
    them; returns LAPACK's info. Compiled code only."""
    raise NotImplementedError("functrans.backend.kernels_linalg._geev is for compiled code")


@overload(_geev)
def _typed_geev(work, w, vl, vr):
    kind = ord({"float32": "s", "float64": "d", "complex64": "c", "complex128": "z"}[str(work.dtype)])
    if isinstance(work.dtype, types.Complex):
        def impl(work, w, vl, vr):
            n = work.shape[0]
            return _CGEEV(kind, ord("V"), ord("V"), n, work.ctypes.data, n, w.ctypes.data, vl.ctypes.data, n, vr.ctypes.data, n)
        return impl

    def real_impl(work, w, vl, vr):
        # Real ?geev returns a complex pair's vectors as the real and imaginary parts of the
        # first in two columns: unpacked here into complex vectors.
        n = work.shape[0]
        wr, wi = np.empty(n, work.dtype), np.empty(n, work.dtype)
        real_vl, real_vr = np.empty((n, n), work.dtype), np.empty((n, n), work.dtype)
        info = _RGEEV(kind, ord("V"), ord("V"), n, work.ctypes.data, n, wr.ctypes.data, wi.ctypes.data,
                      real_vl.ctypes.data, n, real_vr.ctypes.data, n)
        for real, out in ((real_vl, vl), (real_vr, vr)):
            j = 0
            while j < n:
                if wi[j] == 0 or j == n - 1:
                    out[j, :] = real[j, :]
                    j += 1
                    continue
                for i in range(n):
                    out[j, i] = complex(real[j, i], real[j + 1, i])
                    out[j + 1, i] = complex(real[j, i], -real[j + 1, i])
                j += 2
        for j in range(n):
            w[j] = complex(wr[j], wi[j])
        return info
    return real_impl


@kernel
def eig(a, w, vl, vr):
    """Eigenvalues ``w`` and left and right eigenvectors ``vl``, ``vr`` (columns; unit norm,
    largest component real, as LAPACK's ?geev) of a stack; ``vl`` or ``vr`` of size 0 is not
    wanted. A matrix LAPACK fails on gives NaNs, as JAX."""
    n = a.shape[1]
    work = np.empty((n, n), a.dtype)
    left, right = np.empty((n, n), w.dtype), np.empty((n, n), w.dtype)
    for b in range(a.shape[0]):
        work[:, :] = a[b].T
        info = _geev(work, w[b], left, right) if n else 0
        if info != 0:
            w[b] = np.nan
            left[:, :] = np.nan
            right[:, :] = np.nan
        if vl.size:
            vl[b] = left.T
        if vr.size:
            vr[b] = right.T


# LAPACK's ?gees (the Schur form) by the names backend.blas binds, as for gemm above: every
# argument by address, integers 64-bit; the two trailing arguments are the lengths of the
# character arguments jobvs and sort that Fortran passes by value (a routine that does not
# read them ignores them).
blas.bind("gees")
_GEES = {t: types.ExternalFunction(f"functrans_{letter}gees", types.void(*[types.intp] * 17))
         for t, letter in zip((types.float32, types.float64, types.complex64, types.complex128), blas.LETTERS)}


def _gees(work, vectors, vs, workspace, lwork, status):
    """?gees (sort 'N') of the column-major matrix ``work`` (its C-order buffer holds the
    transpose): Schur form into ``work`` and, if ``vectors``, Schur vectors into ``vs``
    (transposed; else ``vs`` is not read). ``workspace`` has ``lwork`` elements (``lwork`` -1: a size query, answered in
    ``workspace[0]``); ``status`` holds 64-bit slots for sdim and info, zeroed here, since an
    LP64 library writes their low halves only. Compiled code only."""
    raise NotImplementedError("functrans.backend.kernels_linalg._gees is for compiled code")


@overload(_gees)
def _typed_gees(work, vectors, vs, workspace, lwork, status):
    external = _GEES[work.dtype]
    complex_matrix = isinstance(work.dtype, types.Complex)

    def impl(work, vectors, vs, workspace, lwork, status):
        n = work.shape[0]
        # Real gees returns the eigenvalues as real and imaginary parts (2n), complex gees as
        # n complex values and takes a real workspace of n: both fit in 2n elements.
        eigenvalues = np.empty(2 * n, work.dtype)
        bwork = np.empty(n, np.int64)  # not read with sort 'N'
        status[:] = 0
        jobvs = _address(np.uint8(ord("V") if vectors else ord("N")))
        sort = _address(np.uint8(ord("N")))
        n_, ld = _address(np.int64(n)), _address(np.int64(max(n, 1)))
        ldvs = _address(np.int64(vs.shape[0]))
        lwork_ = _address(np.int64(lwork))
        sdim, info = status.ctypes.data, status.ctypes.data + 8
        w = eigenvalues.ctypes.data
        second = w + n * eigenvalues.itemsize
        if complex_matrix:
            external(jobvs, sort, 0, n_, work.ctypes.data, ld, sdim, w, vs.ctypes.data, ldvs,
                     workspace.ctypes.data, lwork_, second, bwork.ctypes.data, info, 1, 1)
        else:
            external(jobvs, sort, 0, n_, work.ctypes.data, ld, sdim, w, second, vs.ctypes.data, ldvs,
                     workspace.ctypes.data, lwork_, bwork.ctypes.data, info, 1, 1)
    return impl


@kernel
def schur(a, t, z):
    """Schur form ``t`` and, unless ``z`` is empty, Schur vectors ``z`` (``a = z t z^H``) of a
    stack, by LAPACK's ?gees without sorting: ``t`` upper triangular for complex ``a``, quasi
    upper triangular (2x2 blocks for complex pairs, in LAPACK's standard form) for real ``a``.
    A matrix LAPACK fails on gives NaNs, as JAX."""
    n = a.shape[1]
    if n == 0:
        return
    vectors = z.size > 0
    work = np.empty((n, n), a.dtype)
    vs = np.empty((n, n) if vectors else (1, 1), a.dtype)
    status = np.zeros(2, np.int64)
    query = np.empty(1, a.dtype)
    _gees(work, vectors, vs, query, -1, status)
    lwork = max(int(query[0].real), 3 * n)  # LAPACK's optimal size, at least its minimum
    workspace = np.empty(lwork, a.dtype)
    for b in range(a.shape[0]):
        work[:, :] = a[b].T
        _gees(work, vectors, vs, workspace, lwork, status)
        if status[1] != 0:
            work[:, :] = np.nan
            vs[:, :] = np.nan
        t[b] = work.T
        if vectors:
            z[b] = vs.T
