"""``functrans.numpy.linalg``: every name of ``jax.numpy.linalg``, written on the
factorisations of ``functrans.lax.linalg`` (LU, Cholesky, QR, SVD, symmetric eigh).

Matrix functions act on stacks ``(..., m, n)``; integer and bool inputs become float64,
float32 stays float32, complex64 and complex128 keep their type. ``eig`` and ``eigvals``
return complex arrays, eagerly and compiled; ``qr(mode="raw")`` gives NumPy's Householder
form and traces.

Singular matrices: ``solve`` and ``inv`` raise ``numpy.linalg.LinAlgError`` (a zero
pivot), as NumPy; ``det`` gives 0 with the cofactor matrix as its gradient; ``slogdet``
gives ``(0, -inf)``; ``cholesky`` of a matrix that is not positive definite raises
``LinAlgError``.
"""
from ._linalg import *  # noqa: F403
from ._linalg import __all__
