"""Precompiled linear-algebra kernels (LAPACK through Numba's ``np.linalg``) that
generated programs call, one per factorisation, over stacks of matrices."""
