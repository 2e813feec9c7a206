"""Elementwise functions with NumPy's broadcasting and promotion."""
from __future__ import annotations

import builtins
import math
from typing import Any, Callable

import numpy as np

from .. import core, dtypes, lax
from ..lax.floating import signbit as _signbit
from ._base import ArrayLike, asarray, broadcast_arrays, convert, promote, promote_and_broadcast, typed
from ._base import result_dtype as _base_result_dtype


def _float_unary(name: str, op: Callable) -> Callable[[ArrayLike], Any]:
    def fn(x: ArrayLike) -> Any:
        (x,) = promote_and_broadcast(x, inexact=True)
        return op(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``, as ``numpy.{name}`` (integers give float64).\n\n>>> {name}(np.zeros(0, int)).dtype\ndtype('float64')"
    return fn


def _numeric_unary(name: str, op: Callable, doc: str) -> Callable[[ArrayLike], Any]:
    """``op`` on ``x`` as an array; ``doc`` (its notes and example) follows the summary line."""
    def fn(x: ArrayLike) -> Any:
        return op(asarray(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``, keeping the dtype, as ``numpy.{name}``.\n\n{doc}"
    return fn


def _binary(name: str, op: Callable, doc: str, inexact: bool = False) -> Callable[[ArrayLike, ArrayLike], Any]:
    """``op`` on ``x`` and ``y`` promoted and broadcast; ``doc`` (its notes and example)
    follows the summary line."""
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = promote_and_broadcast(x, y, inexact=inexact)
        return op(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` with broadcasting and promotion, as ``numpy.{name}``.\n\n{doc}"
    return fn


exp = _float_unary("exp", lax.exp)
exp2 = _float_unary("exp2", lax.exp2)
expm1 = _float_unary("expm1", lax.expm1)
log = _float_unary("log", lax.log)
log1p = _float_unary("log1p", lax.log1p)
def _log_base(base: float) -> Callable[[Any], Any]:
    def fn(x: Any) -> Any:
        out = lax.log(x)
        if x.dtype.kind != "c":
            return lax.div(out, math.log(base))
        # Part by part: a complex division by log(base) would turn an infinite part into NaNs.
        return lax.complex(lax.div(lax.real(out), math.log(base)), lax.div(lax.imag(out), math.log(base)))

    return fn


log2 = _float_unary("log2", _log_base(2.0))
log10 = _float_unary("log10", _log_base(10.0))
sqrt = _float_unary("sqrt", lax.sqrt)
cbrt = _float_unary("cbrt", lax.cbrt)
sin = _float_unary("sin", lax.sin)
cos = _float_unary("cos", lax.cos)
tan = _float_unary("tan", lax.tan)
arcsin = _float_unary("arcsin", lax.asin)
arccos = _float_unary("arccos", lax.acos)
arctan = _float_unary("arctan", lax.atan)
sinh = _float_unary("sinh", lax.sinh)
cosh = _float_unary("cosh", lax.cosh)
tanh = _float_unary("tanh", lax.tanh)
arcsinh = _float_unary("arcsinh", lax.asinh)
arccosh = _float_unary("arccosh", lax.acosh)
arctanh = _float_unary("arctanh", lax.atanh)
negative = _numeric_unary("negative", lax.neg, """Booleans raise ``TypeError``, as in NumPy (``logical_not`` negates them).

>>> negative(np.array([1, -2]))
array([-1,  2])
""")
sign = _numeric_unary("sign", lax.sign, """-1, 0 or 1 (NaN for NaN).

>>> sign(np.array([-2.0, 0.0, 3.0]))
array([-1.,  0.,  1.])
""")
absolute = _numeric_unary("absolute", lambda x: x if x.dtype.kind in "bu" else lax.abs(x), """Also named ``abs``;
unsigned and boolean arrays are returned unchanged.

>>> absolute(np.array([-1.5, 2.0]))
array([1.5, 2. ])
""")
abs = absolute


def _int8_if_bool(x: Any) -> Any:
    """NumPy has no boolean loop for some arithmetic (``square``, ``//``, ``%``, ``**``,
    ``reciprocal``): it computes them on booleans in int8."""
    return lax.convert_element_type(x, np.int8) if x.dtype == np.bool_ else x


square = _numeric_unary("square", lambda x: lax.square(_int8_if_bool(x)), """Booleans give int8, as in NumPy.

>>> square(np.array([-3, 2]))
array([9, 4])
""")


def reciprocal(x: ArrayLike) -> Any:
    """``1 / x`` elementwise, keeping the dtype as ``numpy.reciprocal`` does: for integers
    that is 0 unless ``|x| == 1``. (An integer 0 gives 0, as integer division by zero does;
    NumPy's value there depends on the integer width.)

    >>> reciprocal(np.array([4.0, -1, 0.5]))
    array([ 0.25, -1.  ,  2.  ])
    """
    x = _int8_if_bool(asarray(x))
    if dtypes.is_inexact(x.dtype):
        return lax.div(1.0, x)
    unit = lax.eq(lax.abs(x), lax.full_like(x, 1))
    return lax.select_n(unit, lax.full_like(x, 0), x)


def positive(x: ArrayLike) -> Any:
    """Elementwise ``+x``: ``x`` as an array, unchanged.

    Unlike NumPy's, it also takes booleans.

    >>> positive(np.array([-1, 2]))
    array([-1,  2])
    """
    return asarray(x)


def _float_or_same(name: str, op: Callable) -> Callable[[ArrayLike], Any]:
    """Rounding functions: the identity on integers."""

    def fn(x: ArrayLike) -> Any:
        x = asarray(x)
        return op(x) if dtypes.is_inexact(x.dtype) else x

    fn.__name__ = fn.__qualname__ = name
    return fn


floor = _float_or_same("floor", lax.floor)
floor.__doc__ = """Elementwise largest integer not above ``x``, as ``numpy.floor``.

Integer and boolean arrays are returned unchanged, as by NumPy 2 and JAX.

>>> floor(np.array([-1.5, 0.5, 2.0]))
array([-2.,  0.,  2.])
>>> floor(np.array([3, -4]))
array([ 3, -4])
"""
ceil = _float_or_same("ceil", lax.ceil)
ceil.__doc__ = """Elementwise smallest integer not below ``x``, as ``numpy.ceil``.

Integer and boolean arrays are returned unchanged, as by NumPy 2 and JAX.

>>> ceil(np.array([-1.5, 0.5, 2.0]))
array([-1.,  1.,  2.])
"""


def _round_half_even(x: Any) -> Any:
    """``x`` rounded to the nearest integer, halves to even as NumPy does (``lax.round``'s
    default is JAX's, away from zero)."""
    return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)


def round(x: ArrayLike, decimals: int = 0) -> Any:
    """Round half to even to ``decimals`` places, as ``numpy.round`` (booleans give float64,
    where NumPy gives float16).

    >>> round(np.array([0.125, 25.0]), 2), round(np.array([15, 25]), -1)
    (array([ 0.12, 25.  ]), array([20, 20]))
    """
    x = asarray(x)
    decimals = int(decimals)
    if x.dtype.kind == "c":  # each part, as NumPy and JAX
        return lax.complex(round(lax.real(x), decimals), round(lax.imag(x), decimals))
    if x.dtype == np.bool_:
        x = lax.convert_element_type(x, dtypes.float64)
    if dtypes.is_integer(x.dtype):
        return _round_integer(x, decimals) if decimals < 0 else x
    if decimals == 0:
        return _round_half_even(x)
    # Scale by an exact power of ten in the direction NumPy does, so results agree bit for bit.
    scale = 10.0 ** builtins.abs(decimals)
    if decimals > 0:
        return lax.div(_round_half_even(lax.mul(x, scale)), scale)
    return lax.mul(_round_half_even(lax.div(x, scale)), scale)


def _round_integer(x: Any, decimals: int) -> Any:
    """Integers rounded half to even to a multiple of ``10 ** -decimals``."""
    scale = 10 ** -decimals
    quotient, remainder = lax.div(x, scale), lax.rem(x, scale)  # floored, so 0 <= remainder < scale
    odd = lax.ne(lax.rem(quotient, 2), 0)
    half = lax.full_like(x, scale // 2)
    up = lax.bitwise_or(lax.gt(remainder, half), lax.bitwise_and(lax.eq(remainder, half), odd))
    return lax.mul(lax.add(quotient, lax.convert_element_type(up, x.dtype)), scale)


around = round

# NumPy adds and multiplies booleans as logical or / and.
add = _binary("add", lambda x, y: lax.bitwise_or(x, y) if x.dtype == np.bool_ else lax.add(x, y), """``x + y``; logical OR for booleans.

>>> add(np.array([1, 2]), 0.5)
array([1.5, 2.5])
""")
subtract = _binary("subtract", lax.sub, """``x - y``; a Python scalar keeps the array's dtype.

>>> subtract(np.array([5, 3], np.int8), 1)
array([4, 2], dtype=int8)
""")
multiply = _binary("multiply", lambda x, y: lax.bitwise_and(x, y) if x.dtype == np.bool_ else lax.mul(x, y), """``x * y``;
logical AND for booleans.

>>> multiply(np.array([1, 2]), np.array([[1], [10]]))
array([[ 1,  2],
       [10, 20]])
""")
true_divide = _binary("true_divide", lax.div, """``x / y``, also named ``divide``;
integers give float64.

>>> true_divide(np.array([1, 3]), 2)
array([0.5, 1.5])
""", inexact=True)
divide = true_divide
arctan2 = _binary("arctan2", lax.atan2, """The angle of the point ``(x2, x1)``, in ``[-pi, pi]``;
also named ``atan2``.

>>> np.round(arctan2(np.array([1.0, 1.0]), np.array([1.0, -1.0])), 4)
array([0.7854, 2.3562])
""", inexact=True)
def _complex_aware_extreme(op: Callable, order: Callable) -> Callable[[Any, Any], Any]:
    """``op`` (lax.max or lax.min) for real operands; for complex ones NumPy's rule: the
    first operand with a NaN part, else the one first in ``order`` (lexicographic)."""
    def fn(x: Any, y: Any) -> Any:
        if x.dtype.kind != "c":
            return op(x, y)
        out = lax.select_n(_lexicographic(order)(x, y), y, x)
        out = lax.select_n(isnan(y), out, y)
        return lax.select_n(isnan(x), out, x)

    return fn


maximum = _binary("maximum", _complex_aware_extreme(lax.max, lax.ge), """NaN where either operand is NaN (``fmax`` ignores NaNs);
complex numbers compare by real part, then imaginary part, as NumPy's.

>>> maximum(np.array([1.0, np.nan, -2.0]), 0.0)
array([ 1., nan,  0.])
""")
minimum = _binary("minimum", _complex_aware_extreme(lax.min, lax.le), """NaN where either operand is NaN (``fmin`` ignores NaNs);
complex numbers compare by real part, then imaginary part, as NumPy's.

>>> minimum(np.array([1, 5]), 3)
array([1, 3])
""")


def _no_complex(name: str, x: Any, error: type = TypeError) -> None:
    """JAX's error for a function that complex numbers have no meaning for."""
    if x.dtype.kind == "c":
        raise error(f"{name} does not support complex-valued inputs (got {x.dtype})")


def floor_divide(x: ArrayLike, y: ArrayLike) -> Any:
    """``x // y``, the quotient rounded toward minus infinity, as ``numpy.floor_divide``.

    Floats are divided as NumPy does (``1.0 // 0.1`` is 9.0); integer division by zero
    gives 0.

    >>> floor_divide(np.array([7, -7]), 2), floor_divide(np.array([7.5, -7.5]), 2)
    (array([ 3, -4]), array([ 3., -4.]))
    """
    x, y = map(_int8_if_bool, promote_and_broadcast(x, y))
    _no_complex("floor_divide", x)
    if not dtypes.is_inexact(x.dtype):
        return lax.div(x, y)
    # As NumPy: remove the remainder first, so that 1.0 // 0.1 is 9.0 (floor(1.0 / 0.1) is 10.0);
    # the quotient is then an integer up to rounding.
    quotient = _round_half_even(lax.div(lax.sub(x, lax.rem(x, y)), y))
    # An infinite divisor leaves a finite x whole: the quotient is 0, or -1 when the signs differ.
    by_infinity = lax.select_n(lax.lt(lax.mul(x, y), 0.0), lax.full_like(x, 0), lax.full_like(x, -1.0))
    quotient = lax.select_n(lax.bitwise_and(lax.eq(lax.abs(y), np.inf), lax.is_finite(x)), quotient, by_infinity)
    return lax.select_n(lax.eq(y, lax.full_like(y, 0)), quotient, lax.div(x, y))


def mod(x: ArrayLike, y: ArrayLike) -> Any:
    """``x % y`` with the sign of ``y``, as ``numpy.mod`` (also named ``remainder``).

    >>> mod(np.array([7, -7]), 3), mod(np.array([5.5, -5.5]), 2.0)
    (array([1, 2]), array([1.5, 0.5]))
    """
    x, y = map(_int8_if_bool, promote_and_broadcast(x, y))
    return lax.rem(x, y)


remainder = mod


def power(x: ArrayLike, y: ArrayLike) -> Any:
    """``x ** y`` with broadcasting and promotion, as ``numpy.power`` (also named ``pow``).

    A Python-int exponent multiplies (exact, and differentiable at 0); integer arrays to
    negative integer powers raise ``ValueError``, as in NumPy.

    >>> power(np.array([2, 3]), 3), power(np.array([4.0, 9.0]), 0.5)
    (array([ 8, 27]), array([2., 3.]))
    """
    if type(y) is int and typed(x)[0].kind in "iufc":
        x = asarray(x)
        if y >= 0 or dtypes.is_inexact(x.dtype):
            return lax.integer_pow(x, y)
    x, y = map(_int8_if_bool, promote_and_broadcast(x, y))
    if dtypes.is_inexact(x.dtype):
        return lax.pow(x, y)
    if core.is_concrete(y) and (core.concrete_or_error(y) < 0).any():
        raise ValueError("Integers to negative integer powers are not allowed.")
    # Integer powers of integer arrays: exact by repeated squaring over the bits of y.
    return _integer_power(x, y)


def _integer_power(x: Any, y: Any) -> Any:
    result = lax.full_like(x, 1)
    base, exponent = x, y
    for _ in range(int(np.iinfo(x.dtype).bits)):
        odd = lax.ne(lax.rem(exponent, 2), 0)
        result = lax.select_n(odd, result, lax.mul(result, base))
        base = lax.mul(base, base)
        exponent = lax.div(exponent, 2)
    return result


def logaddexp(x: ArrayLike, y: ArrayLike) -> Any:
    """``log(exp(x) + exp(y))`` without overflow, as ``numpy.logaddexp``.

    Its derivative at ``x == y`` is exactly 1/2 for each operand.

    >>> logaddexp(np.array([1000.0]), np.array([1000.0])) - 1000.0
    array([0.69314718])
    """
    x, y = promote_and_broadcast(x, y, inexact=True)
    # top + log1p(exp(-|x - y|)), with top and -|x - y| chosen by the same comparison: each
    # side is then a smooth formula, so derivatives at x == y are exact (1/2 each), where
    # max's and abs's kink conventions would not cancel.
    x_wins = lax.ge(x, y)
    top = lax.select_n(x_wins, y, x)
    delta = lax.sub(x, y)
    finite = lax.add(top, lax.log1p(lax.exp(lax.select_n(x_wins, delta, lax.neg(delta)))))
    # delta is nan when both are the same infinity: the answer is that infinity (or nan).
    return lax.select_n(lax.ne(delta, delta), finite, lax.add(x, y))


def hypot(x: ArrayLike, y: ArrayLike) -> Any:
    """``sqrt(x**2 + y**2)`` without overflow, as ``numpy.hypot``.

    Infinite if either operand is, even where the other is NaN (C99's rule).

    >>> hypot(np.array([3.0, 1e300, np.nan]), np.array([4.0, 1e300, np.inf]))
    array([5.00000000e+000, 1.41421356e+300,             inf])
    """
    x, y = promote_and_broadcast(x, y, inexact=True)
    _no_complex("hypot", x, ValueError)  # JAX's type: it suggests abs(x) instead
    ax, ay = lax.abs(x), lax.abs(y)
    # One comparison picks both (not max and min, whose tie conventions would make the
    # second derivative wrong where |x| == |y|): each side is then a smooth formula.
    x_bigger = lax.ge(ax, ay)
    big, small = lax.select_n(x_bigger, ay, ax), lax.select_n(x_bigger, ax, ay)
    safe_big = lax.select_n(lax.eq(big, 0.0), big, lax.full_like(big, 1.0))
    ratio = lax.div(small, safe_big)
    out = lax.select_n(lax.eq(big, 0.0), lax.mul(big, lax.sqrt(lax.add(1.0, lax.mul(ratio, ratio)))), big)
    # A NaN side gives NaN (the comparison above may have set it aside), unless the other
    # side is infinite: then the result is infinite (C99, NumPy).
    out = lax.select_n(lax.bitwise_or(lax.ne(x, x), lax.ne(y, y)), out, lax.full_like(out, np.nan))
    infinite = lax.bitwise_or(lax.eq(ax, np.inf), lax.eq(ay, np.inf))
    return lax.select_n(infinite, out, lax.full_like(out, np.inf))


def clip(a: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None, *,
         min: ArrayLike | None = None, max: ArrayLike | None = None) -> Any:
    """Limit values to ``[a_min, a_max]`` (either may be None; ``min``/``max`` are NumPy 2's
    spellings); the three promote together, as ``numpy.clip``'s operands do.

    >>> clip(np.arange(5), 1, 3), clip(np.arange(5), max=2)
    (array([1, 1, 2, 3, 3]), array([0, 1, 2, 2, 2]))
    """
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise TypeError("clip: give each bound once (a_min or min, a_max or max)")
    a_min, a_max = (a_min if min is None else min), (a_max if max is None else max)
    bounds = [b for b in (a_min, a_max) if b is not None]
    a, *bounds = promote(asarray(a), *bounds)
    _no_complex("clip", a, ValueError)  # JAX's type: complex numbers have no order
    if a_min is not None:
        a = maximum(a, bounds.pop(0))
    if a_max is not None:
        a = minimum(a, bounds.pop(0))
    return a


def where(condition: ArrayLike, x: ArrayLike = None, y: ArrayLike = None) -> Any:
    """``x`` where ``condition`` else ``y``, broadcasting all three, as ``numpy.where``.

    ``x`` and ``y`` are promoted together; nonzero conditions are true. The one-argument
    form (``nonzero``'s) is not supported: its shape depends on the values.

    >>> where(np.array([True, False, True]), np.array([1, 2, 3]), 0.5)
    array([1. , 0.5, 3. ])
    """
    if x is None or y is None:
        raise TypeError("functrans.numpy.where needs x and y (the one-argument form has a data-dependent shape)")
    condition = astype_bool(condition)
    x, y = promote_and_broadcast(x, y)
    condition, x, y = broadcast_arrays(condition, x, y)
    return lax.select_n(condition, y, x)


def astype_bool(x: ArrayLike) -> Any:
    """``x`` as booleans: true where nonzero."""
    x = asarray(x)
    return x if x.dtype == np.bool_ else lax.ne(x, lax.full_like(x, 0))


def _comparison(name: str, op: Callable, doc: str) -> Callable[[ArrayLike, ArrayLike], Any]:
    """``op`` on ``x`` and ``y`` promoted and broadcast; ``doc`` (its example) follows the
    summary line."""
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = promote_and_broadcast(x, y)
        return _lexicographic(op)(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (a boolean array), broadcast, as ``numpy.{name}``.\n\n{doc}"
    return fn


def _lexicographic(op: Callable) -> Callable[[Any, Any], Any]:
    """``op`` for real operands; for complex ones, on the real parts, or the imaginary parts
    where the real parts are equal, and false where either has a NaN part (NumPy's order;
    JAX's lets the real parts decide whatever the imaginary parts hold)."""
    def fn(x: Any, y: Any) -> Any:
        if x.dtype.kind != "c" or op in (lax.eq, lax.ne):
            return op(x, y)
        re_x, re_y = lax.real(x), lax.real(y)
        ordered = lax.select_n(lax.eq(re_x, re_y), op(re_x, re_y), op(lax.imag(x), lax.imag(y)))
        return lax.bitwise_and(ordered, lax.bitwise_not(lax.bitwise_or(isnan(x), isnan(y))))

    return fn


equal = _comparison("equal", lax.eq, """>>> equal(np.array([1, 2]), np.array([[1], [2]]))
array([[ True, False],
       [False,  True]])
""")
not_equal = _comparison("not_equal", lax.ne, """True where either operand is NaN.

>>> not_equal(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
array([False,  True])
""")
less = _comparison("less", lax.lt, """>>> less(np.array([1, 2, 3]), 2)
array([ True, False, False])
""")
less_equal = _comparison("less_equal", lax.le, """>>> less_equal(np.array([1, 2, 3]), 2.5)
array([ True,  True, False])
""")
greater = _comparison("greater", lax.gt, """>>> greater(np.array([1, 2, 3]), 2)
array([False, False,  True])
""")
greater_equal = _comparison("greater_equal", lax.ge, """>>> greater_equal(np.array([1.0, np.nan]), 1.0)
array([ True, False])
""")


def _logical(name: str, op: Callable) -> Callable[[ArrayLike, ArrayLike], Any]:
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = broadcast_arrays(astype_bool(x), astype_bool(y))
        return op(x, y)

    fn.__name__ = fn.__qualname__ = name
    return fn


logical_and = _logical("logical_and", lax.bitwise_and)
logical_and.__doc__ = """Elementwise truth of ``x and y``, as ``numpy.logical_and``.

Nonzero values are true; the operands broadcast and the result is boolean.

>>> logical_and(np.array([1, 0, 2]), 3.0)
array([ True, False,  True])
"""
logical_or = _logical("logical_or", lax.bitwise_or)
logical_or.__doc__ = """Elementwise truth of ``x or y``, broadcast, as ``numpy.logical_or`` (a boolean array).

>>> logical_or(np.array([0, 0, 2]), np.array([0, 1, 0]))
array([False,  True,  True])
"""
logical_xor = _logical("logical_xor", lax.bitwise_xor)
logical_xor.__doc__ = """Elementwise truth of exactly one of ``x`` and ``y``, broadcast, as ``numpy.logical_xor``.

>>> logical_xor(np.array([True, False]), np.array([[True], [False]]))
array([[False,  True],
       [ True, False]])
"""


def logical_not(x: ArrayLike) -> Any:
    """Elementwise truth of ``not x``, as ``numpy.logical_not`` (a boolean array).

    >>> logical_not(np.array([0, 2]))
    array([ True, False])
    """
    return lax.bitwise_not(astype_bool(x))


def _bitwise(name: str, op: Callable) -> Callable[[ArrayLike, ArrayLike], Any]:
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = promote_and_broadcast(x, y)
        if x.dtype.kind not in "biu":
            raise TypeError(f"{name} is only defined for integer and boolean arrays, got {x.dtype}")
        return op(x, y)

    fn.__name__ = fn.__qualname__ = name
    return fn


bitwise_and = _bitwise("bitwise_and", lax.bitwise_and)
bitwise_and.__doc__ = """Elementwise bitwise AND ``x & y``, as ``numpy.bitwise_and``.

Integer or boolean arrays, broadcast and promoted; floats raise ``TypeError``.

>>> bitwise_and(np.array([12, 10], np.uint8), 10)
array([ 8, 10], dtype=uint8)
"""
bitwise_or = _bitwise("bitwise_or", lax.bitwise_or)
bitwise_or.__doc__ = """Elementwise bitwise OR ``x | y``, as ``numpy.bitwise_or``.

Integer or boolean arrays, broadcast and promoted; floats raise ``TypeError``.

>>> bitwise_or(np.array([12, 1]), np.array([10, 2]))
array([14,  3])
"""
bitwise_xor = _bitwise("bitwise_xor", lax.bitwise_xor)
bitwise_xor.__doc__ = """Elementwise bitwise exclusive OR ``x ^ y``, as ``numpy.bitwise_xor``.

Integer or boolean arrays, broadcast and promoted; floats raise ``TypeError``.

>>> bitwise_xor(np.array([True, True]), np.array([True, False]))
array([False,  True])
"""


def invert(x: ArrayLike) -> Any:
    """Elementwise bitwise NOT ``~x`` of an integer or boolean array, as ``numpy.invert``.

    Also named ``bitwise_not`` and ``bitwise_invert``; logical NOT for booleans.

    >>> invert(np.array([0, 5], np.uint8))
    array([255, 250], dtype=uint8)
    >>> invert(np.array([True, False]))
    array([False,  True])
    """
    return lax.bitwise_not(asarray(x))


def isnan(x: ArrayLike) -> Any:
    """Elementwise test for NaN, as ``numpy.isnan`` (false throughout integer arrays).

    >>> isnan(np.array([1.0, np.nan, np.inf]))
    array([False,  True, False])
    """
    x = asarray(x)
    return lax.ne(x, x) if dtypes.is_inexact(x.dtype) else lax.full(x.shape, False, np.bool_)


def isfinite(x: ArrayLike) -> Any:
    """Elementwise test for values neither infinite nor NaN, as ``numpy.isfinite``.

    True throughout integer and boolean arrays.

    >>> isfinite(np.array([1.0, np.nan, -np.inf]))
    array([ True, False, False])
    """
    x = asarray(x)
    if x.dtype.kind == "c":
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    return lax.is_finite(x) if dtypes.is_inexact(x.dtype) else lax.full(x.shape, True, np.bool_)


def isinf(x: ArrayLike) -> Any:
    """Elementwise test for positive or negative infinity, as ``numpy.isinf``.

    False throughout integer and boolean arrays.

    >>> isinf(np.array([1.0, np.nan, -np.inf]))
    array([False, False,  True])
    """
    x = asarray(x)
    if not dtypes.is_inexact(x.dtype):
        return lax.full(x.shape, False, np.bool_)
    if x.dtype.kind == "c":
        return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    return lax.eq(lax.abs(x), np.inf)


# --------------------------------------------------------------------------- array-API and NumPy aliases

acos, acosh, asin, asinh, atan, atanh, atan2 = arccos, arccosh, arcsin, arcsinh, arctan, arctanh, arctan2
bitwise_invert = bitwise_not = invert
pow = power


def _inexact_unary(name: str, op: Callable, doc: str) -> Callable[[ArrayLike], Any]:
    """A unary function computed in the inexact dtype of its operand, with a docstring."""
    fn = _float_unary(name, op)
    fn.__doc__ = doc
    return fn


def _real_abs(x: Any) -> Any:
    _no_complex("fabs", x)
    return lax.abs(x)


fabs = _inexact_unary("fabs", _real_abs, """Absolute value in a float dtype (integers give float64), as ``numpy.fabs``.

    >>> fabs(np.array([-2, 3]))
    array([2., 3.])
    """)
def _rint(x: Any) -> Any:
    if x.dtype.kind == "c":  # each part, as NumPy and JAX
        return lax.complex(_rint(lax.real(x)), _rint(lax.imag(x)))
    return _round_half_even(x)


rint = _inexact_unary("rint", _rint, """Round to the nearest integer, halves to even (integers give float64).

    >>> rint(np.array([0.5, 1.5, -2.5]))
    array([ 0.,  2., -2.])
    """)
deg2rad = radians = _inexact_unary("deg2rad", lambda x: lax.mul(x, math.pi / 180.0), """Degrees to radians.

    >>> deg2rad(np.array([180.0]))
    array([3.14159265])
    """)
rad2deg = degrees = _inexact_unary("rad2deg", lambda x: lax.mul(x, 180.0 / math.pi), """Radians to degrees.

    >>> rad2deg(np.array([np.pi / 2]))
    array([90.])
    """)


def trunc(x: ArrayLike) -> Any:
    """Round toward zero (integers are returned unchanged).

    >>> trunc(np.array([-1.7, 1.7]))
    array([-1.,  1.])
    """
    x = asarray(x)
    if not dtypes.is_inexact(x.dtype):
        return x
    return lax.select_n(lax.lt(x, lax.full_like(x, 0)), lax.floor(x), lax.ceil(x))


fix = trunc


def signbit(x: ArrayLike) -> Any:
    """Whether the sign bit is set (true for -0.0 and negative NaNs).

    >>> signbit(np.array([-0.0, 0.0, -3.0]))
    array([ True, False,  True])
    """
    x = asarray(x)
    if dtypes.is_inexact(x.dtype):
        return _signbit(x)
    if x.dtype.kind == "i":
        return lax.lt(x, lax.full_like(x, 0))
    return lax.full(x.shape, False, np.bool_)


def copysign(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``|x1|`` with the sign of ``x2`` (in a float dtype).

    >>> copysign(np.array([1.0, 2.0]), np.array([-0.0, 3.0]))
    array([-1.,  2.])
    """
    x1, x2 = promote_and_broadcast(x1, x2, inexact=True)
    _no_complex("copysign", x1)
    magnitude = lax.abs(x1)
    return lax.select_n(signbit(x2), magnitude, lax.neg(magnitude))


def fmax(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Elementwise maximum that ignores NaNs (NaN only where both are NaN).

    >>> fmax(np.array([1.0, np.nan, np.nan]), np.array([np.nan, 2.0, np.nan]))
    array([ 1.,  2., nan])
    """
    return _nan_ignoring(x1, x2, lax.max)


def fmin(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Elementwise minimum that ignores NaNs (NaN only where both are NaN).

    >>> fmin(np.array([1.0, np.nan]), np.array([np.nan, 2.0]))
    array([1., 2.])
    """
    return _nan_ignoring(x1, x2, lax.min)


def _nan_ignoring(x1: ArrayLike, x2: ArrayLike, op: Callable) -> Any:
    x1, x2 = promote_and_broadcast(x1, x2)
    out = op(x1, x2)
    if not dtypes.is_inexact(out.dtype):
        return out
    out = lax.select_n(lax.ne(x2, x2), out, x1)
    return lax.select_n(lax.ne(x1, x1), out, x2)


def fmod(x1: ArrayLike, x2: ArrayLike) -> Any:
    """Remainder of truncated division: the sign of ``x1`` (C's ``fmod``), as ``numpy.fmod``.

    >>> fmod(np.array([-3, 3]), 2), fmod(np.array([-3.5]), 2.0)
    (array([-1,  1]), array([-1.5]))
    """
    x1, x2 = map(_int8_if_bool, promote_and_broadcast(x1, x2))
    r = lax.rem(x1, x2)  # floored: the sign of x2
    zero = lax.full_like(r, 0)
    # Where the floored remainder's sign differs from x1's, truncation leaves one divisor less.
    fix_up = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(x1, lax.full_like(x1, 0))))
    out = lax.select_n(fix_up, r, lax.sub(r, x2))
    if not dtypes.is_inexact(out.dtype):
        return out
    # An infinite divisor leaves a finite x1 whole.
    return lax.select_n(lax.bitwise_and(lax.eq(lax.abs(x2), np.inf), lax.is_finite(x1)), out, x1)


def divmod(x1: ArrayLike, x2: ArrayLike) -> tuple[Any, Any]:
    """``(x1 // x2, x1 % x2)``.

    >>> divmod(np.array([7, -7]), 2)
    (array([ 3, -4]), array([1, 1]))
    """
    return floor_divide(x1, x2), mod(x1, x2)


def modf(x: ArrayLike) -> tuple[Any, Any]:
    """Fractional and integral parts, both with the sign of ``x`` (in a float dtype).

    >>> modf(np.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    (x,) = promote_and_broadcast(x, inexact=True)
    whole = trunc(x)
    # An infinity's fractional part is a zero of its sign, not inf - inf.
    fraction = lax.select_n(lax.eq(lax.abs(x), np.inf), lax.sub(x, whole), copysign(lax.full_like(x, 0), x))
    return fraction, whole


def float_power(x: ArrayLike, y: ArrayLike) -> Any:
    """``x ** y`` computed in float64 (or wider) whatever the inputs, as ``numpy.float_power``.

    >>> float_power(np.array([2, 4]), -1)
    array([0.5 , 0.25])
    """
    dtype, _ = _base_result_dtype(x, y)
    dtype = np.promote_types(dtype, dtypes.float64)
    x, y = broadcast_arrays(convert(asarray(x), dtype), convert(asarray(y), dtype))
    return lax.pow(x, y)


def heaviside(x1: ArrayLike, x2: ArrayLike) -> Any:
    """The Heaviside step: 0 for ``x1 < 0``, ``x2`` at 0, 1 for ``x1 > 0`` (NaN stays NaN).

    >>> heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ])
    """
    x1, x2 = promote_and_broadcast(x1, x2, inexact=True)
    zero = lax.full_like(x1, 0)
    out = lax.select_n(lax.gt(x1, zero), x2, lax.full_like(x1, 1))
    out = lax.select_n(lax.lt(x1, zero), out, zero)
    return lax.select_n(lax.ne(x1, x1), out, x1)


def sinc(x: ArrayLike) -> Any:
    """``sin(pi x) / (pi x)``, 1 at 0, with exact derivatives of every order at 0.

    >>> sinc(np.array([0.0, 0.5, 1.0])).round(5)
    array([1.     , 0.63662, 0.     ])
    """
    (x,) = promote_and_broadcast(x, inexact=True)
    y = lax.mul(x, math.pi)
    y2 = lax.mul(y, y)
    # Near 0 the Maclaurin series (error below y**8 / 9!) is used, so derivatives there are
    # those of sinc itself; elsewhere the quotient, with a denominator kept off 0.
    near = lax.lt(y2, lax.full_like(y2, 1e-2))
    series = lax.add(1.0, lax.mul(y2, lax.add(-1.0 / 6, lax.mul(y2, lax.add(1.0 / 120, lax.mul(y2, -1.0 / 5040))))))
    safe = lax.select_n(near, y, lax.full_like(y, 1.0))
    return lax.select_n(near, lax.div(lax.sin(safe), safe), series)


def logaddexp2(x1: ArrayLike, x2: ArrayLike) -> Any:
    """``log2(2**x1 + 2**x2)`` without overflow.

    >>> logaddexp2(np.array([1.0]), np.array([1.0]))
    array([2.])
    """
    x1, x2 = promote_and_broadcast(x1, x2, inexact=True)
    ln2 = math.log(2.0)
    return lax.div(logaddexp(lax.mul(x1, ln2), lax.mul(x2, ln2)), ln2)


def nan_to_num(x: ArrayLike, copy: bool = True, nan: ArrayLike = 0.0, posinf: ArrayLike | None = None,
               neginf: ArrayLike | None = None) -> Any:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's largest
    and most negative finite values by default); integers are returned unchanged.

    >>> nan_to_num(np.array([np.nan, np.inf, 1.0]), posinf=9.0)
    array([0., 9., 1.])
    """
    x = asarray(x)
    if not dtypes.is_inexact(x.dtype):
        return x
    if x.dtype.kind == "c":  # each part, as NumPy
        parts = (nan_to_num(v, copy, nan, posinf, neginf) for v in (lax.real(x), lax.imag(x)))
        return lax.complex(*parts)
    info = np.finfo(x.dtype)
    fill = lambda v, default: lax.full_like(x, default if v is None else v) if core.is_concrete(v) else convert(asarray(v), x.dtype)
    out = lax.select_n(lax.ne(x, x), x, fill(nan, 0.0))
    out = lax.select_n(lax.eq(x, np.inf), out, fill(posinf, info.max))
    return lax.select_n(lax.eq(x, -np.inf), out, fill(neginf, info.min))


def isposinf(x: ArrayLike) -> Any:
    """Whether each element is +inf.

    >>> isposinf(np.array([np.inf, -np.inf, 1.0]))
    array([ True, False, False])
    """
    return _is_infinity(x, np.inf)


def isneginf(x: ArrayLike) -> Any:
    """Whether each element is -inf.

    >>> isneginf(np.array([np.inf, -np.inf, 1.0]))
    array([False,  True, False])
    """
    return _is_infinity(x, -np.inf)


def _is_infinity(x: ArrayLike, value: float) -> Any:
    x = asarray(x)
    _no_complex("isposinf/isneginf", x, ValueError)  # JAX's type: not well defined for complex
    if not dtypes.is_inexact(x.dtype):
        return lax.full(x.shape, False, np.bool_)
    return lax.eq(x, lax.full_like(x, value))


# --------------------------------------------------------------------------- complex parts


def isreal(x: ArrayLike) -> Any:
    """Whether each element has a zero imaginary part (all true for real arrays).

    >>> isreal(np.array([1.0 + 0j, 2.0 + 1j]))
    array([ True, False])
    """
    return lax.eq(imag(x), 0)


def iscomplex(x: ArrayLike) -> Any:
    """Whether each element has a nonzero imaginary part (all false for real arrays).

    >>> iscomplex(np.array([1.0 + 0j, 2.0 + 1j]))
    array([False,  True])
    """
    return lax.ne(imag(x), 0)


def isrealobj(x: Any) -> bool:
    """Whether ``x``'s dtype is not complex.

    >>> isrealobj(np.ones(2))
    True
    """
    return not iscomplexobj(x)


def iscomplexobj(x: Any) -> bool:
    """Whether ``x``'s dtype is complex.

    >>> iscomplexobj(np.ones(2)), iscomplexobj(1j)
    (False, True)
    """
    if x is None:
        return False
    return typed(x)[0].kind == "c" if not isinstance(x, (list, tuple)) else np.asarray(x).dtype.kind == "c"


def real(val: ArrayLike) -> Any:
    """The real part of each element, in the component dtype; a real array is returned as is.

    >>> real(np.array([1.5 + 2j, -1j]))
    array([ 1.5, -0. ])
    """
    val = asarray(val)
    return lax.real(val) if val.dtype.kind == "c" else val


def imag(val: ArrayLike) -> Any:
    """The imaginary part of each element, in the component dtype; zeros for a real array.

    >>> imag(np.array([1.5 + 2j, -1j]))
    array([ 2., -1.])
    """
    val = asarray(val)
    return lax.imag(val) if val.dtype.kind == "c" else lax.full_like(val, 0)


def conjugate(x: ArrayLike) -> Any:
    """The complex conjugate of each element; a real array is returned as is.

    >>> conjugate(np.array([1 + 2j, 3 - 1j]))
    array([1.-2.j, 3.+1.j])
    """
    x = asarray(x)
    return lax.conj(x) if x.dtype.kind == "c" else x


conj = conjugate


def angle(z: ArrayLike, deg: bool = False) -> Any:
    """The argument of each element, ``atan2(imag, real)``: pi for negative reals (and
    -0.0), 0 for the others. Integers give float64.

    >>> angle(np.array([1j, -2.0]), deg=True)
    array([ 90., 180.])
    """
    re, im = real(z), imag(z)
    if not dtypes.is_inexact(re.dtype):
        re, im = (lax.convert_element_type(v, dtypes.float64) for v in (re, im))
    out = lax.atan2(im, re)
    return rad2deg(out) if deg else out


def sort_complex(a: ArrayLike) -> Any:
    """``a`` sorted along its last axis by real part, then imaginary part (NaN parts last,
    in NumPy's order), as a complex array, as ``numpy.sort_complex``: a real ``a`` gives complex128 (complex64 for 8- and
    16-bit integers, as NumPy's; JAX's gives complex64 for float32).

    >>> sort_complex(np.array([1 + 2j, 1 - 1j, -3 + 0j]))
    array([-3.+0.j,  1.-1.j,  1.+2.j])
    """
    a = asarray(a)
    if a.ndim == 0:
        raise np.exceptions.AxisError("sort_complex: axis -1 is out of bounds for array of dimension 0")
    small_int = a.dtype.kind in "iu" and a.dtype.itemsize <= 2
    z = lax.convert_element_type(a, a.dtype if a.dtype.kind == "c" else np.complex64 if small_int else np.complex128)
    return lax.sort(z, dimension=-1)  # NumPy's complex order, NaN parts included


# Below this magnitude i0 sums its power series, above it the asymptotic expansion; each
# is accurate to a few ulp on its side (the series' terms are all positive).
_I0_SERIES_LIMIT = 20.0
_I0_SERIES = [1.0 / math.factorial(k) ** 2 for k in range(51)]  # coefficients of (x**2 / 4) ** k
_I0_ASYMPTOTIC = [1.0]
for _k in range(1, 17):
    _I0_ASYMPTOTIC.append(_I0_ASYMPTOTIC[-1] * (2 * _k - 1) ** 2 / (8 * _k))  # of x ** -k


def _horner(coefficients: list, t: Any) -> Any:
    out = lax.full_like(t, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        out = lax.add(lax.mul(out, t), c)
    return out


def i0(x: ArrayLike) -> Any:
    """The modified Bessel function of the first kind of order 0, with exact derivatives of
    every order (the power series near 0 is a polynomial in ``x**2``).

    >>> i0(np.array([0.0, 1.0, -2.0])).round(6)
    array([1.      , 1.266066, 2.279585])
    """
    (x,) = promote_and_broadcast(x, inexact=True)
    ax = lax.abs(x)
    near = lax.lt(ax, lax.full_like(ax, _I0_SERIES_LIMIT))
    series = _horner(_I0_SERIES, lax.mul(lax.mul(x, x), 0.25))
    # e**|x| / sqrt(2 pi |x|) times a series in 1/|x|, with |x| kept in the expansion's range.
    big = lax.select_n(near, ax, lax.full_like(ax, _I0_SERIES_LIMIT))
    scale = lax.exp(lax.sub(big, lax.mul(lax.log(lax.mul(big, 2 * math.pi)), 0.5)))
    asymptotic = lax.mul(scale, _horner(_I0_ASYMPTOTIC, lax.div(lax.full_like(big, 1.0), big)))
    return lax.select_n(near, asymptotic, series)
