"""Elementwise functions with NumPy's broadcasting and promotion."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import dtypes, lax
from ._base import ArrayLike, asarray, broadcast_arrays, promote_and_broadcast, typed


def _float_unary(name: str, op: Callable) -> Callable[[ArrayLike], Any]:
    def fn(x: ArrayLike) -> Any:
        (x,) = promote_and_broadcast(x, inexact=True)
        return op(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``, as ``numpy.{name}`` (integers give float64).\n\n>>> {name}(0.5)  # doctest: +SKIP"
    return fn


def _numeric_unary(name: str, op: Callable) -> Callable[[ArrayLike], Any]:
    def fn(x: ArrayLike) -> Any:
        return op(asarray(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``, keeping the dtype, as ``numpy.{name}``."
    return fn


def _binary(name: str, op: Callable, inexact: bool = False) -> Callable[[ArrayLike, ArrayLike], Any]:
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = promote_and_broadcast(x, y, inexact=inexact)
        return op(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` with broadcasting, as ``numpy.{name}``."
    return fn


exp = _float_unary("exp", lax.exp)
exp2 = _float_unary("exp2", lax.exp2)
expm1 = _float_unary("expm1", lax.expm1)
log = _float_unary("log", lax.log)
log1p = _float_unary("log1p", lax.log1p)
log2 = _float_unary("log2", lambda x: lax.div(lax.log(x), math.log(2.0)))
log10 = _float_unary("log10", lambda x: lax.div(lax.log(x), math.log(10.0)))
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
reciprocal = _float_unary("reciprocal", lambda x: lax.div(1.0, x))
negative = _numeric_unary("negative", lax.neg)
sign = _numeric_unary("sign", lax.sign)
absolute = _numeric_unary("absolute", lambda x: x if x.dtype.kind in "bu" else lax.abs(x))
abs = absolute
square = _numeric_unary("square", lax.square)


def positive(x: ArrayLike) -> Any:
    return asarray(x)


def _float_or_same(name: str, op: Callable) -> Callable[[ArrayLike], Any]:
    """Rounding functions: the identity on integers."""

    def fn(x: ArrayLike) -> Any:
        x = asarray(x)
        return op(x) if dtypes.is_inexact(x.dtype) else x

    fn.__name__ = fn.__qualname__ = name
    return fn


floor = _float_or_same("floor", lax.floor)
ceil = _float_or_same("ceil", lax.ceil)


def round(x: ArrayLike, decimals: int = 0) -> Any:
    """Round half to even to ``decimals`` places, as ``numpy.round``."""
    x = asarray(x)
    if not dtypes.is_inexact(x.dtype):
        return x
    if decimals == 0:
        return lax.round(x)
    scale = 10.0 ** decimals
    return lax.div(lax.round(lax.mul(x, scale)), scale)


around = round

# NumPy adds and multiplies booleans as logical or / and.
add = _binary("add", lambda x, y: lax.bitwise_or(x, y) if x.dtype == np.bool_ else lax.add(x, y))
subtract = _binary("subtract", lax.sub)
multiply = _binary("multiply", lambda x, y: lax.bitwise_and(x, y) if x.dtype == np.bool_ else lax.mul(x, y))
true_divide = _binary("true_divide", lax.div, inexact=True)
divide = true_divide
arctan2 = _binary("arctan2", lax.atan2, inexact=True)
maximum = _binary("maximum", lax.max)
minimum = _binary("minimum", lax.min)


def floor_divide(x: ArrayLike, y: ArrayLike) -> Any:
    """``x // y`` (rounds toward minus infinity)."""
    x, y = promote_and_broadcast(x, y)
    if dtypes.is_inexact(x.dtype):
        return lax.floor(lax.div(x, y))
    return lax.div(x, y)


def mod(x: ArrayLike, y: ArrayLike) -> Any:
    """``x % y`` with the sign of ``y``, as ``numpy.mod``."""
    x, y = promote_and_broadcast(x, y)
    return lax.rem(x, y)


remainder = mod


def power(x: ArrayLike, y: ArrayLike) -> Any:
    """``x ** y``. A Python-int exponent multiplies (exact, and differentiable at 0)."""
    if type(y) is int and typed(x)[0].kind in "iuf":
        x = asarray(x)
        if y >= 0 or dtypes.is_inexact(x.dtype):
            return lax.integer_pow(x, y)
    x, y = promote_and_broadcast(x, y)
    if dtypes.is_inexact(x.dtype):
        return lax.pow(x, y)
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
    """``log(exp(x) + exp(y))`` without overflow."""
    x, y = promote_and_broadcast(x, y, inexact=True)
    top = lax.max(x, y)
    delta = lax.sub(x, y)
    finite = lax.add(top, lax.log1p(lax.exp(lax.neg(lax.abs(delta)))))
    # delta is nan when both are the same infinity: the answer is that infinity (or nan).
    return lax.select_n(lax.ne(delta, delta), finite, lax.add(x, y))


def hypot(x: ArrayLike, y: ArrayLike) -> Any:
    """``sqrt(x**2 + y**2)`` without overflow."""
    x, y = promote_and_broadcast(x, y, inexact=True)
    ax, ay = lax.abs(x), lax.abs(y)
    big, small = lax.max(ax, ay), lax.min(ax, ay)
    safe_big = lax.select_n(lax.eq(big, 0.0), big, lax.full_like(big, 1.0))
    ratio = lax.div(small, safe_big)
    return lax.select_n(lax.eq(big, 0.0), lax.mul(big, lax.sqrt(lax.add(1.0, lax.mul(ratio, ratio)))), big)


def clip(a: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None) -> Any:
    """Limit values to ``[a_min, a_max]`` (either may be None)."""
    a = asarray(a)
    if a_min is not None:
        a = maximum(a, a_min)
    if a_max is not None:
        a = minimum(a, a_max)
    return a


def where(condition: ArrayLike, x: ArrayLike = None, y: ArrayLike = None) -> Any:
    """``x`` where ``condition`` else ``y``, broadcasting all three."""
    if x is None or y is None:
        raise TypeError("functrans.numpy.where needs x and y (the one-argument form has a data-dependent shape)")
    condition = astype_bool(condition)
    x, y = promote_and_broadcast(x, y)
    condition, x, y = broadcast_arrays(condition, x, y)
    return lax.select_n(condition, y, x)


def astype_bool(x: ArrayLike) -> Any:
    x = asarray(x)
    return x if x.dtype == np.bool_ else lax.ne(x, lax.full_like(x, 0))


def _comparison(name: str, op: Callable) -> Callable[[ArrayLike, ArrayLike], Any]:
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = promote_and_broadcast(x, y)
        return op(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (a boolean array), as ``numpy.{name}``."
    return fn


equal = _comparison("equal", lax.eq)
not_equal = _comparison("not_equal", lax.ne)
less = _comparison("less", lax.lt)
less_equal = _comparison("less_equal", lax.le)
greater = _comparison("greater", lax.gt)
greater_equal = _comparison("greater_equal", lax.ge)


def _logical(name: str, op: Callable) -> Callable[[ArrayLike, ArrayLike], Any]:
    def fn(x: ArrayLike, y: ArrayLike) -> Any:
        x, y = broadcast_arrays(astype_bool(x), astype_bool(y))
        return op(x, y)

    fn.__name__ = fn.__qualname__ = name
    return fn


logical_and = _logical("logical_and", lax.bitwise_and)
logical_or = _logical("logical_or", lax.bitwise_or)
logical_xor = _logical("logical_xor", lax.bitwise_xor)


def logical_not(x: ArrayLike) -> Any:
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
bitwise_or = _bitwise("bitwise_or", lax.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", lax.bitwise_xor)


def invert(x: ArrayLike) -> Any:
    return lax.bitwise_not(asarray(x))


def isnan(x: ArrayLike) -> Any:
    x = asarray(x)
    return lax.ne(x, x) if dtypes.is_inexact(x.dtype) else lax.full(x.shape, False, np.bool_)


def isfinite(x: ArrayLike) -> Any:
    x = asarray(x)
    return lax.is_finite(x) if dtypes.is_inexact(x.dtype) else lax.full(x.shape, True, np.bool_)


def isinf(x: ArrayLike) -> Any:
    x = asarray(x)
    if not dtypes.is_inexact(x.dtype):
        return lax.full(x.shape, False, np.bool_)
    return lax.eq(lax.abs(x), np.inf)
