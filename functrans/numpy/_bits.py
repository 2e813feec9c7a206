"""Bit-level math: shifts, population counts, gcd/lcm, packing bits into bytes, and the
binary representation of floats (frexp, ldexp, nextafter, spacing)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, lax
from ..lax import floating
from ._base import ArrayLike, asarray, broadcast_arrays, canonical_axis, convert, promote_and_broadcast
from ._ufuncs import _int8_if_bool, copysign


def _integer_operands(name: str, *args: ArrayLike) -> list:
    args = [_int8_if_bool(a) for a in promote_and_broadcast(*args)]
    if args[0].dtype.kind not in "iu":
        raise TypeError(f"{name} is only defined for integer and boolean arrays, got {', '.join(str(a.dtype) for a in args)}")
    return args


def left_shift(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 << x2`` (0 once the shift reaches the bit width).

    >>> left_shift(np.array([1, 3]), 2)
    array([ 4, 12])
    """
    x1, x2 = _integer_operands("left_shift", x1, x2)
    return lax.shift_left(x1, x2)


def right_shift(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 >> x2``: arithmetic (sign-filling) for signed integers, logical for unsigned.

    >>> right_shift(np.array([-8, 8]), 1)
    array([-4,  4])
    """
    x1, x2 = _integer_operands("right_shift", x1, x2)
    if x1.dtype.kind == "u":
        return lax.shift_right_logical(x1, x2)
    return floating.shift_right_arithmetic(x1, x2)


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift

# Masks of alternating bit groups for counting set bits in parallel within a word.
_M1, _M2, _M4, _BYTES = 0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101


def bitwise_count(x: ArrayLike) -> Any:
    """The number of set bits in ``|x|`` (uint8), as ``numpy.bitwise_count``.

    >>> bitwise_count(np.array([0, 7, -1, 255]))
    array([0, 3, 1, 8], dtype=uint8)
    """
    x = asarray(x)
    if x.dtype == np.bool_:
        x = lax.convert_element_type(x, np.uint8)
    if x.dtype.kind not in "iu":
        raise TypeError(f"bitwise_count is only defined for integer and boolean arrays, got {x.dtype}")
    if x.dtype.kind == "i":
        x = lax.abs(x)  # the most negative value stays negative; its bit pattern still counts 1
    unsigned = np.dtype(f"u{x.dtype.itemsize}")
    v = lax.convert_element_type(x, unsigned)
    bits = 8 * unsigned.itemsize
    mask = lambda m: lax.full_like(v, m & ((1 << bits) - 1))
    shr = lambda a, k: lax.shift_right_logical(a, lax.full_like(a, k))
    v = lax.sub(v, lax.bitwise_and(shr(v, 1), mask(_M1)))
    v = lax.add(lax.bitwise_and(v, mask(_M2)), lax.bitwise_and(shr(v, 2), mask(_M2)))
    v = lax.bitwise_and(lax.add(v, shr(v, 4)), mask(_M4))
    if bits > 8:
        # Multiplying by 0x0101... sums every byte into the top one.
        v = shr(lax.mul(v, mask(_BYTES)), bits - 8)
    return lax.convert_element_type(v, np.uint8)


def gcd(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Greatest common divisor of ``|x1|`` and ``|x2|`` (Euclid's algorithm, elementwise).

    >>> gcd(np.array([12, 0, -9]), np.array([18, 5, 6]))
    array([6, 5, 3])
    """
    a, b = _integer_operands("gcd", x1, x2)
    return _gcd(a, b)


def _gcd(a: Any, b: Any) -> Any:
    dtype = a.dtype
    if dtype.kind == "i":
        # In the unsigned type of the same width |x| always fits (|-128| is 128 in uint8).
        unsigned = np.dtype(f"u{dtype.itemsize}")
        a, b = (lax.convert_element_type(lax.abs(x), unsigned) for x in (a, b))
        return lax.convert_element_type(_gcd(a, b), dtype)
    if not a.size:
        return a
    zero = lax.full_like(b, 0)

    def step(carry):
        a, b = carry
        done = lax.eq(b, zero)
        safe_b = lax.select_n(done, b, lax.full_like(b, 1))
        return lax.select_n(done, b, a), lax.select_n(done, lax.rem(a, safe_b), zero)

    not_done = lambda carry: lax.reduce_max(lax.ne(carry[1], zero), tuple(range(a.ndim)))
    return lax.while_loop(not_done, step, (a, b))[0]


def lcm(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Least common multiple of ``|x1|`` and ``|x2|`` (0 if either is 0).

    >>> lcm(np.array([4, 0, -6]), np.array([6, 3, 4]))
    array([12,  0, 12])
    """
    a, b = _integer_operands("lcm", x1, x2)
    g = _gcd(a, b)
    zero = lax.full_like(g, 0)
    is_zero = lax.eq(g, zero)
    quotient = lax.div(a, lax.select_n(is_zero, g, lax.full_like(g, 1)))
    out = lax.mul(quotient, b)
    out = out if out.dtype.kind == "u" else lax.abs(out)
    return lax.select_n(is_zero, out, zero)


def _bit_axis(a: Any, axis: int | None, bitorder: str, name: str) -> tuple[Any, int]:
    if bitorder not in ("big", "little"):
        raise ValueError(f"{name}: bitorder must be 'big' or 'little', got {bitorder!r}")
    if axis is None:
        return lax.reshape(a, (a.size,)), 0
    return a, canonical_axis(axis, a.ndim)


def _bit_weights(bitorder: str, dtype: np.dtype) -> np.ndarray:
    shifts = np.arange(8, dtype=dtype)
    return shifts[::-1].copy() if bitorder == "big" else shifts


def packbits(a: ArrayLike, axis: int | None = None, bitorder: str = "big") -> Any:
    """Pack the truth of each element into the bits of uint8s along ``axis`` (the flattened
    array if None), padding the end with zeros to a multiple of 8.

    >>> packbits(np.array([1, 0, 1, 1, 0, 0, 0, 0, 1]))
    array([176, 128], dtype=uint8)
    """
    a = asarray(a)
    if a.dtype.kind not in "biu":
        raise TypeError(f"packbits expects an integer or boolean array, got {a.dtype}")
    a, axis = _bit_axis(a, axis, bitorder, "packbits")
    bits = lax.convert_element_type(lax.ne(a, lax.full_like(a, 0)), np.uint8)
    n = a.shape[axis]
    groups = -(-n // 8)
    widths = [(0, 0, 0)] * a.ndim
    widths[axis] = (0, 8 * groups - n, 0)
    bits = lax.pad(bits, np.zeros((), np.uint8), widths)
    shape = a.shape[:axis] + (groups, 8) + a.shape[axis + 1:]
    bits = lax.reshape(bits, shape)
    weights = lax.broadcast_in_dim(_bit_weights(bitorder, np.uint8), shape, (axis + 1,))
    return lax.reduce_sum(lax.shift_left(bits, weights), (axis + 1,))


def unpackbits(a: ArrayLike, axis: int | None = None, count: int | None = None, bitorder: str = "big") -> Any:
    """The bits of uint8s as uint8 zeros and ones along ``axis`` (the flattened array if
    None), keeping the first ``count`` (dropping ``-count`` from the end if negative,
    padding with zeros if beyond).

    >>> unpackbits(np.array([176], np.uint8))
    array([1, 0, 1, 1, 0, 0, 0, 0], dtype=uint8)
    """
    a = asarray(a)
    if a.dtype != np.uint8:
        raise TypeError(f"unpackbits expects a uint8 array, got {a.dtype}")
    a, axis = _bit_axis(a, axis, bitorder, "unpackbits")
    shape = a.shape[:axis + 1] + (8,) + a.shape[axis + 1:]
    kept = tuple(d for d in range(len(shape)) if d != axis + 1)
    spread = lax.broadcast_in_dim(a, shape, kept)
    shifts = lax.broadcast_in_dim(_bit_weights(bitorder, np.uint8), shape, (axis + 1,))
    bits = lax.bitwise_and(lax.shift_right_logical(spread, shifts), lax.full(shape, 1, np.uint8))
    n = 8 * a.shape[axis]
    bits = lax.reshape(bits, a.shape[:axis] + (n,) + a.shape[axis + 1:])
    if count is None:
        return bits
    count = int(count)
    keep = max(n + count, 0) if count < 0 else count
    widths = [(0, 0, 0)] * bits.ndim
    widths[axis] = (0, keep - n, 0)  # a negative high pad drops elements
    return lax.pad(bits, np.zeros((), np.uint8), widths)


def frexp(x: ArrayLike) -> tuple[Any, Any]:
    """Mantissa and exponent: ``x == m * 2**e`` with ``0.5 <= |m| < 1`` (``e`` int32; zero,
    inf and NaN give ``(x, 0)``).

    >>> frexp(np.array([8.0, -3.0, 0.0]))
    (array([ 0.5 , -0.75,  0.  ]), array([4, 2, 0], dtype=int32))
    """
    (x,) = promote_and_broadcast(x, inexact=True)
    e = floating.frexp_exponent(x)
    return floating.ldexp(x, lax.neg(lax.convert_element_type(e, x.dtype))), e


def ldexp(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``x1 * 2**x2`` exactly, for integer ``x2`` (integer ``x1`` gives float64).

    >>> ldexp(np.array([0.75, 1.0]), np.array([2, -1]))
    array([3. , 0.5])
    """
    x2 = asarray(x2)
    if x2.dtype.kind not in "biu":
        raise TypeError(f"ldexp: the exponent x2 must be an integer array, got {x2.dtype}")
    (x1,) = promote_and_broadcast(x1, inexact=True)
    # Exponents beyond the float's whole range already give 0 or inf; clamping keeps them
    # exact when carried in x1's dtype.
    limit = 4 * np.finfo(x1.dtype).maxexp
    x2 = lax.max(lax.min(convert(x2, dtypes.int64), limit), -limit)
    x1, x2 = broadcast_arrays(x1, convert(x2, x1.dtype))
    return floating.ldexp(x1, x2)


def nextafter(x1: ArrayLike, x2: ArrayLike) -> Any:
    """The next representable value after ``x1`` toward ``x2``.

    >>> nextafter(np.array([1.0]), 2.0) - 1.0
    array([2.22044605e-16])
    """
    x1, x2 = promote_and_broadcast(x1, x2, inexact=True)
    return floating.nextafter(x1, x2)


def spacing(x: ArrayLike) -> Any:
    """The distance from ``x`` to the next representable value away from zero (negative for
    negative ``x``), as ``numpy.spacing``.

    >>> spacing(np.array([1.0, -1.0]))
    array([ 2.22044605e-16, -2.22044605e-16])
    """
    (x,) = promote_and_broadcast(x, inexact=True)
    away = copysign(lax.full_like(x, np.inf), x)
    return lax.sub(floating.nextafter(x, away), x)
