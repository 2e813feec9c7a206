"""Pseudo-random numbers from explicit keys: a counter-based, splittable generator.

A key is a ``uint32`` array of shape ``(2,)``. Every draw is a pure function of
its key (Threefry-2x32 with 20 rounds, the generator JAX uses, hashing a counter
per output word), so the same key gives the same numbers eagerly, under ``jit``
and under ``vmap``; ``split`` and ``fold_in`` derive new keys for independent
streams. Never reuse a key for two draws that should be independent: split it.

>>> key = PRNGKey(0)
>>> key, subkey = split(key)
>>> normal(subkey, (3,)).shape
(3,)

Values need not match JAX's bit for bit (the float conversions and the normal
sampler differ); the default float dtype is float64, as NumPy's.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import core, dtypes, lax
from . import numpy as fnp
from .core import Tracer

Array = Any
Shape = Sequence[int]

__all__ = [
    "PRNGKey", "key", "split", "fold_in", "uniform", "normal", "bernoulli", "randint", "permutation", "choice",
    "threefry_2x32",
]

# --------------------------------------------------------------------------- Threefry-2x32

# Rotation distances of the two alternating groups of four rounds (Salmon et al., SC'11).
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_SCHEDULE_PARITY = 0x1BD11BDA
_UINT64 = np.dtype(np.uint64)


def _rotate_left(v: Array, distance: int) -> Array:
    return lax.bitwise_or(lax.shift_left(v, distance), lax.shift_right_logical(v, 32 - distance))


def threefry_2x32(key: Array, x0: Array, x1: Array) -> tuple[Array, Array]:
    """Threefry-2x32 (20 rounds) of the counter pairs ``(x0, x1)`` (equal-shaped uint32 arrays)
    under ``key``. uint32 arithmetic wraps modulo 2**32, which the cipher relies on.

    >>> [hex(int(w[0])) for w in threefry_2x32(np.zeros(2, np.uint32), np.zeros(1, np.uint32), np.zeros(1, np.uint32))]
    ['0x6b200159', '0x99ba4efe']
    """
    shape = core.get_aval(x0).shape
    k0, k1 = fnp.broadcast_to(key[0], shape), fnp.broadcast_to(key[1], shape)
    schedule = (k0, k1, lax.bitwise_xor(lax.bitwise_xor(k0, k1), _KEY_SCHEDULE_PARITY))
    x0, x1 = lax.add(x0, schedule[0]), lax.add(x1, schedule[1])
    for injection in range(1, 6):
        for distance in _ROTATIONS[(injection - 1) % 2]:
            x0 = lax.add(x0, x1)
            x1 = lax.bitwise_xor(x0, _rotate_left(x1, distance))
        x0 = lax.add(x0, schedule[injection % 3])
        x1 = lax.add(lax.add(x1, schedule[(injection + 1) % 3]), injection)
    return x0, x1


def _random_bits(key: Array, count: int) -> Array:
    """``count`` pseudo-random uint32 words: the cipher of the counters 0, 1, ..., count - 1."""
    padded = count + count % 2
    counters = lax.iota(dtypes.uint32, padded)
    half = padded // 2
    y0, y1 = threefry_2x32(key, lax.slice(counters, (0,), (half,)), lax.slice(counters, (half,), (padded,)))
    return lax.slice(lax.concatenate([y0, y1], 0), (0,), (count,))


# --------------------------------------------------------------------------- keys


def _check_key(key: Any, where: str) -> Array:
    key = fnp.asarray(key)
    if key.shape != (2,) or key.dtype != dtypes.uint32:
        raise TypeError(
            f"{where}: a PRNG key is a uint32 array of shape (2,) (made by PRNGKey, split or fold_in), "
            f"got {key.dtype}{list(key.shape)}; for a batch of keys, use vmap"
        )
    return key


def _seed_words(seed: Any, where: str) -> tuple[Array, Array]:
    """The high and low 32-bit words of an integer ``seed`` (taken modulo 2**64), as uint32[1] arrays."""
    if not isinstance(seed, Tracer):
        if not isinstance(seed, (int, np.integer)) and not (isinstance(seed, np.ndarray) and seed.dtype.kind in "iu"):
            raise TypeError(f"{where}: the seed must be an integer, got {seed!r}")
        seed = np.uint64(int(seed) % 2**64)
    elif seed.dtype.kind not in "iu" or seed.shape != ():
        raise TypeError(f"{where}: the seed must be an integer scalar, got {seed.aval.str_short()}")
    wide = lax.reshape(lax.convert_element_type(seed, _UINT64), (1,))
    high = lax.convert_element_type(lax.shift_right_logical(wide, 32), dtypes.uint32)
    return high, lax.convert_element_type(wide, dtypes.uint32)


def PRNGKey(seed: int | Array) -> Array:
    """A key made from an integer seed (a Python int or an integer scalar, traced or not).

    >>> PRNGKey(42)
    array([ 0, 42], dtype=uint32)
    """
    return lax.concatenate(list(_seed_words(seed, "PRNGKey")), 0)


key = PRNGKey


def split(key: Array, num: int = 2) -> Array:
    """``num`` new keys, as a uint32 array of shape ``(num, 2)``; unpack with ``k1, k2 = split(key)``.

    >>> split(PRNGKey(0), 3).shape
    (3, 2)
    """
    key = _check_key(key, "split")
    num = int(num)
    return lax.reshape(_random_bits(key, 2 * num), (num, 2))


def fold_in(key: Array, data: int | Array) -> Array:
    """A new key determined by ``key`` and an integer ``data`` (e.g. a step number or a worker id).

    >>> bool((fold_in(PRNGKey(0), 1) != fold_in(PRNGKey(0), 2)).any())
    True
    """
    key = _check_key(key, "fold_in")
    y0, y1 = threefry_2x32(key, *_seed_words(data, "fold_in"))
    return lax.concatenate([y0, y1], 0)


# --------------------------------------------------------------------------- helpers


def _shape_tuple(shape: int | Shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype: Any, where: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"{where}: dtype must be float32 or float64, got {dtype}")
    return dtype


def _unit_floats(key: Array, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """Uniform floats on ``[0, 1)`` with every mantissa bit random: ``k * 2**-p`` for a random
    ``p``-bit integer ``k`` (p = 24 for float32, 53 for float64), computed exactly."""
    count = math.prod(shape)
    if dtype == dtypes.float32:
        bits = _random_bits(key, count)
        floats = lax.mul(lax.convert_element_type(lax.shift_right_logical(bits, 8), dtype), 2.0**-24)
    else:
        bits = _random_bits(key, 2 * count)
        high = lax.shift_right_logical(lax.slice(bits, (0,), (count,)), 5)
        low = lax.shift_right_logical(lax.slice(bits, (count,), (2 * count,)), 6)
        as_float = lambda words: lax.convert_element_type(words, dtype)  # noqa: E731
        floats = lax.mul(lax.add(lax.mul(as_float(high), 2.0**26), as_float(low)), 2.0**-53)
    return lax.reshape(floats, shape)


def _bounds(minval: Any, maxval: Any, shape: tuple[int, ...], dtype: np.dtype) -> tuple[Array, Array]:
    return tuple(fnp.broadcast_to(fnp.astype(fnp.asarray(v), dtype), shape) for v in (minval, maxval))


# --------------------------------------------------------------------------- distributions


def uniform(key: Array, shape: Shape = (), dtype: Any = dtypes.float64, minval: Any = 0.0, maxval: Any = 1.0) -> Array:
    """Floats uniform on ``[minval, maxval)`` (bounds broadcast to ``shape``).

    >>> u = uniform(PRNGKey(0), (1000,))
    >>> bool((u >= 0).all() and (u < 1).all())
    True
    """
    key = _check_key(key, "uniform")
    shape, dtype = _shape_tuple(shape), _float_dtype(dtype, "uniform")
    low, high = _bounds(minval, maxval, shape, dtype)
    floats = _unit_floats(key, shape, dtype)
    # Rounding of the affine map could fall below ``minval``; clamp as JAX does.
    return fnp.maximum(low, floats * (high - low) + low)


def normal(key: Array, shape: Shape = (), dtype: Any = dtypes.float64) -> Array:
    """Standard normal floats (Box-Muller: both the cosine and the sine halves are used).

    >>> float(abs(normal(PRNGKey(0), (10000,)).mean())) < 0.05
    True
    """
    key = _check_key(key, "normal")
    shape, dtype = _shape_tuple(shape), _float_dtype(dtype, "normal")
    count = math.prod(shape)
    pairs = (count + 1) // 2
    u = _unit_floats(key, (2, pairs), dtype)
    radius = fnp.sqrt(-2.0 * fnp.log1p(-u[0]))  # 1 - u is in (0, 1]: the log is finite
    angle = (2.0 * math.pi) * u[1]
    both = fnp.concatenate([radius * fnp.cos(angle), radius * fnp.sin(angle)])
    return fnp.reshape(both[:count], shape)


def bernoulli(key: Array, p: Any = 0.5, shape: Shape | None = None) -> Array:
    """Booleans, True with probability ``p`` (``shape`` defaults to ``p``'s shape).

    >>> bernoulli(PRNGKey(0), 0.3, (4,)).dtype
    dtype('bool')
    """
    key = _check_key(key, "bernoulli")
    p = fnp.asarray(p)
    dtype = p.dtype if dtypes.is_float(p.dtype) else dtypes.float64
    shape = p.shape if shape is None else _shape_tuple(shape)
    return uniform(key, shape, dtype) < p


def randint(key: Array, shape: Shape, minval: Any, maxval: Any, dtype: Any = dtypes.int64) -> Array:
    """Integers uniform on ``[minval, maxval)`` (bounds broadcast to ``shape``; ``minval`` where
    ``maxval <= minval``).

    >>> r = randint(PRNGKey(0), (1000,), 2, 5)
    >>> sorted(set(r.tolist()))
    [2, 3, 4]
    """
    key = _check_key(key, "randint")
    shape, dtype = _shape_tuple(shape), np.dtype(dtype)
    if not dtypes.is_integer(dtype):
        raise TypeError(f"randint: dtype must be an integer dtype, got {dtype}")
    low, high = _bounds(minval, maxval, shape, dtype)
    span = high - low
    # floor(u * span) for u with 53 random bits: the bias is below span / 2**53.
    offset = fnp.astype(fnp.floor(_unit_floats(key, shape, dtypes.float64) * fnp.astype(span, dtypes.float64)), dtype)
    return fnp.where(span > 0, low + fnp.clip(offset, 0, span - 1), low)


def _random_order(key: Array, shape: tuple[int, ...], axis: int) -> Array:
    """Indices that shuffle each 1-D slice along ``axis``: the order of uniform random sort keys
    (53-bit floats, so ties, which would favour the original order, are negligible)."""
    return fnp.argsort(_unit_floats(key, shape, dtypes.float64), axis=axis)


def _population(x: Any, axis: int, where: str) -> tuple[Array, int, int]:
    """An array to draw from, its size along the drawing axis, and that axis (``x`` may be an int n: arange(n))."""
    if isinstance(x, (int, np.integer)) or (not isinstance(x, Tracer) and np.ndim(x) == 0):
        n = int(x)
        if n < 0:
            raise ValueError(f"{where}: the population size must be non-negative, got {n}")
        return fnp.arange(n), n, 0
    x = fnp.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"{where}: x must be an integer or an array with at least one axis, got a traced scalar")
    axis = axis % x.ndim
    return x, x.shape[axis], axis


def permutation(key: Array, x: int | Array, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of ``arange(x)`` (for an int ``x``) or of ``x`` along ``axis``;
    ``independent=True`` shuffles every 1-D slice along ``axis`` separately.

    >>> sorted(permutation(PRNGKey(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    key = _check_key(key, "permutation")
    x, n, axis = _population(x, axis, "permutation")
    if independent:
        return fnp.take_along_axis(x, _random_order(key, x.shape, axis), axis)
    return fnp.take(x, _random_order(key, (n,), 0), axis=axis)


def _gumbel(key: Array, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    tiny = float(np.finfo(dtype).tiny)  # keeps both logarithms finite
    return -fnp.log(-fnp.log(uniform(key, shape, dtype, minval=tiny, maxval=1.0)))


def choice(key: Array, a: int | Array, shape: Shape = (), replace: bool = True, p: Any = None, axis: int = 0) -> Array:
    """Random elements of ``a`` (or of ``arange(a)`` for an int) along ``axis``, with or without
    replacement, uniformly or with probabilities ``p`` (normalised here).

    >>> choice(PRNGKey(0), 10, (3,), replace=False).shape
    (3,)
    """
    key = _check_key(key, "choice")
    a, n, axis = _population(a, axis, "choice")
    shape = _shape_tuple(shape)
    count = math.prod(shape)
    if not replace and count > n:
        raise ValueError(f"choice: cannot take {count} samples without replacement from a population of {n}")
    if p is None:
        indices = randint(key, shape, 0, n) if replace else lax.slice(_random_order(key, (n,), 0), (0,), (count,))
    else:
        p = fnp.asarray(p)
        if p.shape != (n,):
            raise ValueError(f"choice: p must have shape ({n},) (one probability per element), got {p.shape}")
        indices = _weighted_indices(key, p, count, replace)
    return fnp.take(a, fnp.reshape(indices, shape), axis=axis)


def _weighted_indices(key: Array, p: Array, count: int, replace: bool) -> Array:
    dtype = p.dtype if dtypes.is_float(p.dtype) else dtypes.float64
    p = fnp.astype(p, dtype)
    if replace:
        # Inverse CDF: the index of u * total is the number of cumulative sums at or below it.
        cdf = fnp.cumsum(p)
        u = uniform(key, (count, 1), dtype) * cdf[-1]
        return fnp.minimum(fnp.sum(cdf[None, :] <= u, axis=1), p.shape[0] - 1)
    # Gumbel-top-k: the k largest of log p + Gumbel noise are a weighted sample without replacement.
    # Zero weights get -inf: never drawn (and no log(0) warning).
    log_p = fnp.where(p > 0, fnp.log(fnp.where(p > 0, p, 1.0)), -np.inf)
    perturbed = log_p + _gumbel(key, p.shape, dtype)
    return lax.slice(fnp.argsort(-perturbed), (0,), (count,))
