"""Random vectors and matrices: ``multivariate_normal`` and Haar-random ``orthogonal`` matrices."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, lax
from .. import numpy as fnp
from ._basic import normal
from ._prng import Array, Shape, check_key, float_dtype, key, sample_shape, shape_tuple  # noqa: F401  (key: doctests)

_FACTORISATIONS = ("cholesky", "eigh", "svd")


def _covariance_factor(cov: Array, method: str) -> Array:
    """A matrix ``A`` with ``A @ A.T == cov`` (eigh and svd also factor semi-definite ones)."""
    if method == "cholesky":
        return fnp.linalg.cholesky(cov)
    if method == "eigh":
        vectors, values = lax.linalg.eigh(cov)
        return vectors * fnp.sqrt(values[..., None, :])
    vectors, values, _ = lax.linalg.svd(cov, full_matrices=False)
    return vectors * fnp.sqrt(values[..., None, :])


def multivariate_normal(key: Array, mean: Any, cov: Any, shape: Shape | None = None, dtype: Any = None,
                        method: str = "cholesky") -> Array:
    """Normal vectors with the given ``mean`` (``(..., n)``) and covariance ``cov`` (``(..., n, n)``):
    ``mean + A @ z`` for a factor ``A A^T = cov``. ``shape`` is the batch shape (default: the
    broadcast of ``mean.shape[:-1]`` and ``cov.shape[:-2]``); the result is ``shape + (n,)``.

    >>> x = multivariate_normal(key(0), np.zeros(2), np.array([[1.0, 0.9], [0.9, 1.0]]), (4000,))
    >>> x.shape, np.round(np.corrcoef(x.T)[0, 1], 1)
    ((4000, 2), np.float64(0.9))
    """
    key = check_key(key, "multivariate_normal")
    if method not in _FACTORISATIONS:
        raise ValueError(f"multivariate_normal: method must be one of {_FACTORISATIONS}, got {method!r}")
    mean, cov = fnp.asarray(mean), fnp.asarray(cov)
    promoted = np.result_type(mean.dtype, cov.dtype)
    promoted = promoted if dtypes.is_float(promoted) else np.dtype(np.float64)
    dtype = float_dtype(promoted if dtype is None else dtype, "multivariate_normal")
    if mean.ndim < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == {mean.ndim}")
    if cov.ndim < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {cov.ndim}")
    n = mean.shape[-1]
    if cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n} (mean.shape == "
                         f"{mean.shape}), but got cov.shape == {cov.shape}")
    batch = sample_shape("multivariate_normal", shape, fnp.zeros(mean.shape[:-1]), fnp.zeros(cov.shape[:-2]))
    factor = _covariance_factor(fnp.astype(cov, dtype), method)
    z = normal(key, (*batch, n), dtype)
    return fnp.astype(mean, dtype) + fnp.matmul(factor, z[..., None])[..., 0]


def _orthonormal_columns(z: Array) -> Array:
    """The Q of ``z = Q R`` with R's diagonal positive, by Gram-Schmidt with reorthogonalisation
    (twice is enough, Giraud et al. 2005), one column per ``fori_loop`` step. Private until
    ``functrans.numpy.linalg.qr`` exists; with R's diagonal positive, Q is Haar-distributed
    for normal ``z``."""
    columns = z.shape[-1]

    def add_column(j, q):
        pick = fnp.astype(lax.iota(np.int32, columns) == j, z.dtype)
        v = fnp.sum(z * pick, axis=-1)
        for _ in range(2):
            coefficients = fnp.matmul(fnp.swapaxes(q, -1, -2), v[..., None])
            v = v - fnp.matmul(q, coefficients)[..., 0]
        v = v / fnp.sqrt(fnp.sum(v * v, axis=-1, keepdims=True))
        return q + v[..., :, None] * pick

    return lax.fori_loop(0, columns, add_column, fnp.zeros_like(z))


def orthogonal(key: Array, n: int, shape: Shape = (), dtype: Any = None, m: int | None = None) -> Array:
    """Matrices with orthonormal columns (or rows, when ``n < m``), uniform under the Haar
    measure: shape ``shape + (n, m)``, ``m`` defaulting to ``n``.

    >>> q = orthogonal(key(0), 3)
    >>> (np.round(q @ q.T, 6) + 0.0).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    key, dtype = check_key(key, "orthogonal"), float_dtype(dtype, "orthogonal")
    m = n if m is None else m
    for name, value in (("n", n), ("m", m)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise TypeError(f"orthogonal: {name} must be a non-negative Python int, got {value!r}")
    n, m, shape = int(n), int(m), shape_tuple(shape)
    q = _orthonormal_columns(normal(key, (*shape, max(n, m), min(n, m)), dtype))
    return fnp.swapaxes(q, -1, -2) if n < m else q
