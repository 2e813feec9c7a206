"""Linear algebra primitives: ``cholesky``, ``triangular_solve``, ``lu``,
``lu_pivots_to_permutation``, ``det``, ``eig``, ``eigh``, ``svd`` and ``qr``; and, written with
lax operations (so they trace, vmap, jit and differentiate by composition): ``tridiagonal_solve``
(scans); the Householder forms ``householder_product``, ``ormqr``, ``hessenberg`` and
``tridiagonal`` (LAPACK's ?orgqr, ?ormqr, ?gehrd and ?sytrd/?hetrd layouts and signs, one
``fori_loop`` over the reflectors); ``cholesky_update``, ``symmetric_product`` and ``qdwh``
(JAX's polar decomposition); and JAX's enums ``EigImplementation``, ``EighImplementation`` and
``SvdAlgorithm`` (those LAPACK implements; the others raise as on JAX's CPU). See ``_householder.py``.

Each acts on a stack of matrices: operands are ``(..., m, n)`` (and ``(..., n, k)``
or ``(..., k, n)`` right-hand sides), the leading axes being a batch, so batching
rules only have to move the vmapped axis among the leading ones. They take float32,
float64, complex64 and complex128 (LAPACK's types; Hermitian where the real ones are
symmetric, conjugate transposes in the derivatives, as JAX). The NumPy impls raise
``numpy.linalg.LinAlgError`` where NumPy/LAPACK would: ``cholesky`` of a matrix
that is not positive definite, ``triangular_solve`` with a zero on a diagonal it reads.

Every jvp rule is written with functrans operations, so derivatives of any order
follow; those of ``eigh``, ``svd`` and ``qr`` are JAX's (distinct eigenvalues and
singular values assumed). Under ``jit`` each primitive calls a kernel of
``backend/kernels_linalg.py`` that loops over the stack (LAPACK through Numba). ``det`` is a primitive (not ``prod(diag(lu))``) only for its jvp: the
derivative of the determinant is its cofactor matrix, which exists at singular
matrices, where the derivative of the LU factors does not.
"""
from ._householder import *  # noqa: F403
from ._householder import __all__ as _householder_names
from ._linalg import *  # noqa: F403
from ._linalg import __all__ as _linalg_names

__all__ = sorted(_linalg_names + _householder_names)
