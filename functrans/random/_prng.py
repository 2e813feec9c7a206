"""The generator itself: Threefry-2x32 keys, ``split``/``fold_in``, raw bits, and the
argument handling every sampler shares (key checks, shapes, dtypes, parameters).

A key is a ``uint32`` array of shape ``(2,)``; ``key`` and ``PRNGKey`` make the same
data, so ``key_data``/``wrap_key_data`` only check it (there is no typed key dtype).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import dtypes, lax
from .. import numpy as fnp
from ..core import Tracer
from ..lax.rng import threefry2x32

Array = Any
Shape = Sequence[int]

IMPL_NAME = "threefry2x32"

# --------------------------------------------------------------------------- Threefry-2x32

_UINT64 = np.dtype(np.uint64)


def threefry_2x32(key: Array, x0: Array, x1: Array) -> tuple[Array, Array]:
    """Threefry-2x32 (20 rounds) of the counter pairs ``(x0, x1)`` (equal-shaped uint32 arrays)
    under ``key``.

    >>> [hex(int(w[0])) for w in threefry_2x32(np.zeros(2, np.uint32), np.zeros(1, np.uint32), np.zeros(1, np.uint32))]
    ['0x6b200159', '0x99ba4efe']
    """
    return threefry2x32(key[0], key[1], x0, x1)


def random_words(key: Array, count: int) -> Array:
    """``count`` pseudo-random uint32 words: the cipher of the counters 0, 1, ..., count - 1."""
    padded = count + count % 2
    counters = lax.iota(dtypes.uint32, padded)
    half = padded // 2
    y0, y1 = threefry_2x32(key, lax.slice(counters, (0,), (half,)), lax.slice(counters, (half,), (padded,)))
    return lax.slice(lax.concatenate([y0, y1], 0), (0,), (count,))


# --------------------------------------------------------------------------- keys


def check_key(key: Any, where: str) -> Array:
    """``key`` as an array, or JAX's error: TypeError for data that is no key, ValueError for a batch."""
    key = fnp.asarray(key)
    if key.dtype != dtypes.uint32 or key.ndim == 0 or key.shape[-1] != 2:
        raise TypeError(
            f"{where}: a PRNG key is a uint32 array of shape (2,) (made by key, PRNGKey, split or fold_in), "
            f"got {key.dtype}{list(key.shape)}"
        )
    if key.ndim != 1:
        raise ValueError(
            f"{where} accepts a single key, but was given a key array of shape {key.shape[:-1]} != (). "
            "Use vmap for batching."
        )
    return key


def _check_impl(impl: Any, where: str) -> None:
    # A key dtype (key_dtype's) names the one implementation too.
    if impl is not None and not (isinstance(impl, np.dtype) and impl == KEY_DTYPE) and impl != IMPL_NAME:
        raise ValueError(f"{where}: the only PRNG implementation is {IMPL_NAME!r}, got impl={impl!r}")


KEY_DTYPE = np.dtype(np.uint32)


def key_dtype(impl_spec: str | None = None) -> np.dtype:
    """The dtype of the keys of a PRNG implementation: keys are not typed here, so uint32 (their
    data's), for the one implementation ``'threefry2x32'``. ``key(seed, dtype=key_dtype())`` works.

    >>> key_dtype()
    dtype('uint32')
    """
    if impl_spec is not None and not isinstance(impl_spec, (str, np.dtype)):
        raise TypeError(f"unrecognized type {type(impl_spec)} for specifying PRNG implementation.")
    if isinstance(impl_spec, str) and impl_spec != IMPL_NAME:
        raise ValueError(f'unrecognized PRNG implementation "{impl_spec}". Did you mean one of: "{IMPL_NAME}"?')
    _check_impl(impl_spec, "key_dtype")
    return KEY_DTYPE


def _seed_words(seed: Any, where: str) -> tuple[Array, Array]:
    """The high and low 32-bit words of an integer ``seed`` (taken modulo 2**64), as uint32[1] arrays."""
    if not isinstance(seed, Tracer):
        if not isinstance(seed, (int, np.integer)) and not (isinstance(seed, np.ndarray) and seed.dtype.kind in "iu"):
            raise TypeError(f"{where}: the seed must be an integer, got {seed!r}")
        if np.ndim(seed) != 0:
            raise TypeError(f"{where}: the seed must be a scalar, got shape {np.shape(seed)}; use vmap for batching")
        seed = np.uint64(int(seed) % 2**64)
    elif seed.dtype.kind not in "iu" or seed.shape != ():
        raise TypeError(f"{where}: the seed must be an integer scalar, got {seed.aval.str_short()}")
    wide = lax.reshape(lax.convert_element_type(seed, _UINT64), (1,))
    high = lax.convert_element_type(lax.shift_right_logical(wide, 32), dtypes.uint32)
    return high, lax.convert_element_type(wide, dtypes.uint32)


def PRNGKey(seed: int | Array, *, impl: str | None = None) -> Array:
    """A key made from an integer seed (a Python int or an integer scalar, traced or not).

    >>> PRNGKey(42)
    array([ 0, 42], dtype=uint32)
    """
    _check_impl(impl, "PRNGKey")
    return lax.concatenate(list(_seed_words(seed, "PRNGKey")), 0)


def key(seed: int | Array, *, impl: str | None = None, dtype: Any = None) -> Array:
    """A key made from an integer seed; the same uint32 data as ``PRNGKey`` (keys are not typed here).

    >>> key(42)
    array([ 0, 42], dtype=uint32)
    """
    _check_impl(impl if dtype is None else dtype, "key")
    return PRNGKey(seed)


def key_data(keys: Array) -> Array:
    """The uint32 data of a key or of an array of keys (here the keys are that data already).

    >>> key_data(key(7))
    array([0, 7], dtype=uint32)
    """
    keys = fnp.asarray(keys)
    if keys.dtype != dtypes.uint32 or keys.ndim == 0 or keys.shape[-1] != 2:
        raise TypeError(f"key_data: keys are uint32 arrays of shape (..., 2), got {keys.dtype}{list(keys.shape)}")
    return keys


def wrap_key_data(key_bits_array: Array, *, impl: str | None = None, dtype: Any = None) -> Array:
    """Keys from their uint32 data (shape ``(..., 2)``), the inverse of ``key_data``.

    >>> wrap_key_data(np.array([0, 7], np.uint32))
    array([0, 7], dtype=uint32)
    """
    if impl is not None and dtype is not None:
        raise ValueError("wrap_key_data: cannot specify both `impl` and `dtype`")
    _check_impl(impl if dtype is None else dtype, "wrap_key_data")
    data = fnp.asarray(key_bits_array)
    if data.dtype != dtypes.uint32 or data.ndim == 0 or data.shape[-1] != 2:
        raise TypeError(f"wrap_key_data: key data is a uint32 array of shape (..., 2), got {data.dtype}{list(data.shape)}")
    return data


def key_impl(keys: Array) -> str:
    """The name of the generator behind ``keys``: always ``'threefry2x32'``.

    >>> key_impl(key(0))
    'threefry2x32'
    """
    key_data(keys)
    return IMPL_NAME


def clone(key: Array) -> Array:
    """The same key (JAX's key-reuse checker treats a clone as a fresh key; there is no checker here).

    >>> clone(key(3))
    array([0, 3], dtype=uint32)
    """
    return key_data(key)


def split(key: Array, num: int | Sequence[int] = 2) -> Array:
    """``num`` new keys, as a uint32 array of shape ``(num, 2)`` (``(*num, 2)`` for a tuple);
    unpack with ``k1, k2 = split(key)``.

    >>> split(PRNGKey(0), 3).shape
    (3, 2)
    """
    key = check_key(key, "split")
    shape = shape_tuple(num)
    return lax.reshape(random_words(key, 2 * math.prod(shape)), (*shape, 2))


def fold_in(key: Array, data: int | Array) -> Array:
    """A new key determined by ``key`` and an integer ``data`` (e.g. a step number or a worker id).

    >>> bool((fold_in(PRNGKey(0), 1) != fold_in(PRNGKey(0), 2)).any())
    True
    """
    key = check_key(key, "fold_in")
    y0, y1 = threefry_2x32(key, *_seed_words(data, "fold_in"))
    return lax.concatenate([y0, y1], 0)


def bits(key: Array, shape: Shape = (), dtype: Any = None) -> Array:
    """Uniformly random unsigned integers of ``dtype`` (uint8, 16, 32 or 64; default uint64, the
    width of NumPy's default integer).

    >>> bits(key(0), (2,), np.uint8).dtype
    dtype('uint8')
    """
    key = check_key(key, "bits")
    dtype = np.dtype(np.uint64 if dtype is None else dtype)
    if dtype.kind != "u":
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
    shape = shape_tuple(shape)
    count = math.prod(shape)
    if dtype.itemsize == 8:
        words = lax.convert_element_type(random_words(key, 2 * count), _UINT64)
        high, low = lax.slice(words, (0,), (count,)), lax.slice(words, (count,), (2 * count,))
        out = lax.bitwise_or(lax.shift_left(high, 32), low)
    else:
        # The top bits of a word are as random as any others; a narrower word keeps those.
        out = lax.convert_element_type(lax.shift_right_logical(random_words(key, count), 32 - 8 * dtype.itemsize), dtype)
    return lax.reshape(out, shape)


# --------------------------------------------------------------------------- arguments shared by the samplers


def shape_tuple(shape: int | Shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def float_dtype(dtype: Any, where: str) -> np.dtype:
    """``dtype`` (default float64) if it is a float dtype this module draws, else JAX's ValueError."""
    dtype = np.dtype(dtypes.float64 if dtype is None else dtype)
    if dtype not in (dtypes.float32, dtypes.float64):
        raise ValueError(f"dtype argument to `{where}` must be a float dtype (float32 or float64), got {dtype}")
    return dtype


def int_dtype(dtype: Any, where: str) -> np.dtype:
    dtype = np.dtype(dtypes.int64 if dtype is None else dtype)
    if not dtypes.is_integer(dtype):
        raise ValueError(f"dtype argument to `{where}` must be an int dtype, got {dtype}")
    return dtype


def sample_shape(where: str, shape: Shape | None, *params: Any) -> tuple[int, ...]:
    """The output shape: ``shape``, which the parameters' shapes must broadcast to, or (for
    ``shape=None``) their broadcast shape. Raises JAX's ValueError naming the shapes."""
    param_shapes = [tuple(fnp.shape(p)) for p in params]
    try:
        joint = tuple(np.broadcast_shapes(*param_shapes)) if param_shapes else ()
        if shape is None:
            return joint
        shape = shape_tuple(shape)
        full = tuple(np.broadcast_shapes(shape, joint))
    except ValueError:
        raise ValueError(f"{where}: parameter shapes {param_shapes} do not broadcast together"
                         + ("" if shape is None else f" with shape {shape}")) from None
    if full != shape:
        raise ValueError(f"{where}: parameter shapes {param_shapes} must broadcast to the shape argument {shape}, "
                         f"but broadcasting gives {full}")
    return shape


def param(x: Any, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """A distribution parameter as ``dtype``, broadcast to the output ``shape``."""
    return fnp.broadcast_to(fnp.astype(fnp.asarray(x), dtype), shape)


def unit_floats(key: Array, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """Uniform floats on ``[0, 1)`` with every mantissa bit random: ``k * 2**-p`` for a random
    ``p``-bit integer ``k`` (p = 24 for float32, 53 for float64), computed exactly."""
    count = math.prod(shape)
    return lax.reshape(_words_to_unit_floats(random_words(key, _words_per_float(dtype) * count), count, dtype), shape)


def open_unit_floats(key: Array, shape: tuple[int, ...], dtype: np.dtype) -> Array:
    """Uniform floats on ``(0, 1]`` (``1 - u``): safe to take the logarithm of."""
    return 1.0 - unit_floats(key, shape, dtype)


def round_uniforms(key: Array, round_index: Array, shape: tuple[int, ...], dtype: np.dtype, n: int) -> Array:
    """``n`` arrays (stacked, shape ``(n, *shape)``) of uniform floats on ``[0, 1)`` for round
    ``round_index`` of a rejection loop: the cipher of the counter pairs ``(round, j)``, one
    Threefry evaluation per round (each one is compiled code, so a loop body holds only one).
    ``key`` must serve no other kind of draw: ``random_words`` uses other counter pairs."""
    count = n * math.prod(shape)
    words_needed = _words_per_float(dtype) * count
    pairs = (words_needed + 1) // 2
    block = fnp.broadcast_to(fnp.astype(round_index, dtypes.uint32), (pairs,))
    y0, y1 = threefry_2x32(key, block, lax.iota(dtypes.uint32, pairs))
    words = lax.slice(lax.concatenate([y0, y1], 0), (0,), (words_needed,))
    return lax.reshape(_words_to_unit_floats(words, count, dtype), (n, *shape))


def _words_per_float(dtype: np.dtype) -> int:
    return 1 if dtype == dtypes.float32 else 2


def _words_to_unit_floats(words: Array, count: int, dtype: np.dtype) -> Array:
    """``count`` floats on ``[0, 1)`` from the top 24 bits of one word (float32) or 53 bits of two (float64)."""
    if dtype == dtypes.float32:
        return lax.mul(lax.convert_element_type(lax.shift_right_logical(words, 8), dtype), 2.0**-24)
    high = lax.shift_right_logical(lax.slice(words, (0,), (count,)), 5)
    low = lax.shift_right_logical(lax.slice(words, (count,), (2 * count,)), 6)
    as_float = lambda w: lax.convert_element_type(w, dtype)  # noqa: E731
    return lax.mul(lax.add(lax.mul(as_float(high), 2.0**26), as_float(low)), 2.0**-53)
