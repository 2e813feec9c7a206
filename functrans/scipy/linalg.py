"""``functrans.scipy.linalg``: ``jax.scipy.linalg`` on the factorisations of
``functrans.lax.linalg``, for stacks of matrices ``(..., n, n)`` where JAX allows them.

Differences from JAX: ``schur``, ``sqrtm``, ``rsf2csf`` and ``funm`` work only outside
transformations (SciPy's, on NumPy arrays; traced they raise ``NotImplementedError``):
LAPACK's Schur form has no primitive here; ``solve_sylvester`` solves the Kronecker-form
system (size ``m n``, for small matrices) whatever its ``method``, differentiably;
``eigh_tridiagonal`` is ``eigh`` of the assembled matrix (``tol`` and ``key`` unused);
``pascal``/``invpascal``/``invhilbert`` are exact float64 (JAX's are float32 from ``lgamma``);
``qr_multiply`` has no ``pivoting``;
``hessenberg`` is Householder reflections written with functrans operations (unrolled
over the columns, so meant for small matrices);
``lu`` takes square matrices only; ``qr`` has no ``pivoting``; ``polar`` computes the
SVD whatever its ``method``; ``eigh`` solves standard problems only (``b=None``).
"""
from ._linalg import *  # noqa: F403
from ._linalg import __all__
