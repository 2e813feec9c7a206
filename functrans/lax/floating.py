"""Bit-level primitives of floating-point and signed integer values: the sign bit,
the binary exponent, scaling by powers of two, the next representable value, and the
arithmetic right shift.

Each is one C library call (or operator) per element, which no composition of the
arithmetic primitives reproduces exactly (the sign of -0.0 and of NaN, subnormals,
exact powers of two whatever the math approximations).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import core, dtypes, lowering
from ..autodiff import defjvp, defzero
from .elementwise import _binary, _unary, mul, naryop, unop
from .shape import full

signbit_p = unop("signbit", np.signbit, "f", "np.signbit({0})", result_dtype=dtypes.bool_, cheap=True)
defzero(signbit_p)
signbit = _unary(signbit_p, """Elementwise test of the sign bit of a real floating-point operand.

True for negative values, for -0.0 and for NaNs with the bit set, which ``lt(x, 0)``
cannot tell apart.

>>> signbit(np.array([-0.0, 0.0, -2.0]))
array([ True, False,  True])
""")

# The exponent of frexp: x == m * 2**e with 0.5 <= |m| < 1 (0 for zero, inf and nan).
frexp_exponent_p = unop("frexp_exponent", lambda x: np.frexp(x)[1], "f", "math.frexp({0})[1]", result_dtype=np.dtype(np.int32))
defzero(frexp_exponent_p)
frexp_exponent = _unary(frexp_exponent_p, """Elementwise binary exponent ``e`` of ``x == m * 2**e`` with ``0.5 <= |m| < 1``.

For a real floating-point operand, as int32 (0 for zero, infinities and NaN): the
exponent NumPy's ``frexp`` returns. JAX keeps the primitive private.

>>> frexp_exponent(np.array([1.0, 8.0, 0.25]))
array([ 1,  4, -1], dtype=int32)
""")


def _ldexp_impl(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.ldexp(x, np.asarray(n).astype(np.int32)).astype(np.asarray(x).dtype)


# x * 2**n, exactly; ``n`` holds integers in x's float dtype so the operands' dtypes agree.
ldexp_p = naryop("ldexp", _ldexp_impl, "f", "math.ldexp({0}, int({1}))")
# Scaling by 2**n is linear in x; the derivative multiplies by the same power of two.
defjvp(ldexp_p, lambda g, ans, x, n: mul(g, ldexp(full(x.shape, 1, x.dtype), n)), None)


def ldexp(x: Any, n: Any) -> Any:
    """``x * 2**n``, exactly, for float ``x`` and integer-valued ``n`` of the same dtype and shape.

    >>> ldexp(np.array([1.0, 3.0]), np.array([3.0, -1.0]))
    array([8. , 1.5])
    """
    return core.bind1(ldexp_p, x, n)


nextafter_p = naryop("nextafter", np.nextafter, "f", "np.nextafter({0}, {1})")
defzero(nextafter_p)
nextafter = _binary(nextafter_p, """Elementwise next representable floating-point value after ``x`` toward ``y``.

Real floating-point operands of one shape and dtype; a Python scalar operand takes the
other's. Subnormals are kept (not flushed to zero).

>>> nextafter(np.array([1.0, 1.0]), np.array([2.0, 0.0])) - 1.0
array([ 2.22044605e-16, -1.11022302e-16])
""")


def _shift_right_arithmetic_rule(args: list[str], eqn: Any) -> str:
    # As NumPy: a shift by the bit width or more (or a negative one) leaves only the sign, as a
    # shift by width - 1 does: the amount, read unsigned, is clamped to it (no branch; see _shift).
    dtype = eqn.out_binders[0].aval.dtype
    x, k = args
    bits = 8 * dtype.itemsize
    return lowering.cast(f"({x} >> np.int64(min(np.uint64({k}), np.uint64({bits - 1}))))", dtype)


def _shift_right_arithmetic_impl(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    x, k = np.asarray(x), np.asarray(k)
    bits = 8 * x.dtype.itemsize
    in_range = (k >= 0) & (k < bits)
    shifted = np.right_shift(x, np.where(in_range, k, 0).astype(x.dtype))
    return np.where(in_range, shifted, np.where(x < 0, -1, 0).astype(x.dtype))


shift_right_arithmetic_p = naryop("shift_right_arithmetic", _shift_right_arithmetic_impl, "i", _shift_right_arithmetic_rule)
defzero(shift_right_arithmetic_p)
shift_right_arithmetic = _binary(shift_right_arithmetic_p, """Elementwise ``x >> y`` copying the sign bit in, for signed integer operands.

Operands of one shape and dtype; a Python scalar operand takes the other's. A shift by
the bit width or more, or a negative one, leaves only the sign (0 or -1), as NumPy.

>>> shift_right_arithmetic(np.array([-16, 16, -1]), np.array([2, 2, 70]))
array([-4,  4, -1])
""")
