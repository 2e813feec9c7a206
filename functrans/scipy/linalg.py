"""``functrans.scipy.linalg``: ``jax.scipy.linalg`` on the factorisations of
``functrans.lax.linalg``, for stacks of matrices ``(..., n, n)`` where JAX allows them.

Differences from JAX: ``schur`` and ``sqrtm`` work only outside transformations (SciPy's,
on NumPy arrays; traced they raise ``NotImplementedError``): LAPACK's Schur form has no
primitive here, and functrans has no complex dtypes; ``funm`` and ``rsf2csf`` are missing;
``hessenberg`` is Householder reflections written with functrans operations (unrolled
over the columns, so meant for small matrices);
``lu`` takes square matrices only; ``qr`` has no ``pivoting``; ``polar`` computes the
SVD whatever its ``method``; ``eigh`` solves standard problems only (``b=None``).
"""
from ._linalg import *  # noqa: F403
from ._linalg import __all__
