"""Elementwise primitives: math, arithmetic, comparisons, logic, select, conversion.

Operands of a binary primitive have equal shapes and dtypes (``functrans.numpy``
broadcasts and promotes before binding); the functions here also accept a Python
scalar for one operand, taking the other's dtype and shape (a TypeError, as JAX's, where
that would lose its value: a float with an integer operand, a complex with a real one).
Integer ``div`` and
``rem`` round toward minus infinity, as NumPy's ``//`` and ``%`` do.

Each primitive is one block: its definition (impl, abstract eval, batching and Numba
lowering, through ``unop``/``naryop``), then its derivative.
"""
from __future__ import annotations

import builtins
import math
import sys
from typing import Any, Callable

import numpy as np
import scipy.special

from .. import core, dtypes
from ..autodiff import (
    Zero, defjvp, deflinear, defzero, instantiate_zeros, is_undefined, jvp_rules, tangent_ops, transpose_rules,
)
from ..batching import batching_rules, bdim_at_front, broadcast_batcher, vectorized_batcher
from ..config import config
from ..core import Primitive, ShapedArray
from ..dtypes import ANY, FLOAT, INTEGER, LOGICAL, NUMERIC, ORDERED, check_kinds
from ..errors import DTypeError, ShapeError
from ..lowering import ScalarRule, cast, def_elementwise, out_dtype, template
from ._above import above

Lowering = str | ScalarRule


def unop(name: str, impl: Callable, kinds: str, lower: Lowering, result_dtype: Any = None, cheap: bool = False,
         exact: Callable | None = None) -> Primitive:
    """An elementwise primitive of one operand, lowered by the template or rule ``lower``
    (``cheap``: see ``naryop``; ``exact``: see ``functrans.lowering.exact_rules``).
    ``result_dtype``: the result's dtype, or a function of the operand's (``real``: its
    component type); None keeps the operand's."""
    prim = Primitive(name)
    prim.def_impl(lambda x, **params: [impl(x, **params)])

    @prim.def_abstract_eval
    def abstract_eval(x, **params):
        check_kinds(name, x, kinds)
        return [ShapedArray(x.shape, _result_dtype(result_dtype, x.dtype), x.weak_type)]

    vectorized_batcher(prim)
    def_elementwise(prim, lower, cheap=cheap, exact=exact)
    return prim


def naryop(name: str, impl: Callable, kinds: str, lower: Lowering, result_dtype: Any = None, cheap: bool = False) -> Primitive:
    """An elementwise primitive of equally shaped and typed operands. ``cheap`` ones are
    recomputed rather than stored where a fused loop reads them twice."""
    prim = Primitive(name)
    prim.def_impl(lambda *args: [impl(*args)])

    @prim.def_abstract_eval
    def abstract_eval(*avals):
        for a in avals:
            check_kinds(name, a, kinds)
        if len({a.shape for a in avals}) > 1:
            raise ShapeError(f"{name} requires operands of equal shapes, got {', '.join(a.str_short() for a in avals)}")
        if len({a.dtype for a in avals}) > 1:
            raise DTypeError(f"{name} requires operands of equal dtypes, got {', '.join(a.str_short() for a in avals)}")
        x = avals[0]
        weak = all(a.weak_type for a in avals)
        return [ShapedArray(x.shape, _result_dtype(result_dtype, x.dtype), weak)]

    broadcast_batcher(prim)
    def_elementwise(prim, lower, cheap=cheap)
    return prim


def _result_dtype(rule: Any, dtype: np.dtype) -> np.dtype:
    if rule is None:
        return dtype
    return np.dtype(rule(dtype) if callable(rule) else rule)


def _fast(eqn) -> bool:
    return not config.precise_math and eqn.inputs[0].aval.dtype in (np.float32, np.float64)


def fast_math(name: str, precise: str) -> ScalarRule:
    """Lowered to the vectorisable ``fastmath.<name>`` for float32/64 operands, unless
    ``config.precise_math`` asks for ``precise`` (libm)."""
    precise_rule = template(precise)

    def rule(args, eqn):
        return f"fm.{name}({args[0]})" if _fast(eqn) else precise_rule(args, eqn)

    return rule


def exact_beyond(bound: str, exact: str) -> Callable:
    """For a ``fast_math`` rule exact only for ``|x| < bound``: the check, and the call to
    ``fastmath.<exact>`` that is exact everywhere (see ``functrans.lowering.exact_rules``)."""

    def rule(args, eqn):
        return (f"abs({args[0]}) >= {bound}", f"fm.{exact}({args[0]})") if _fast(eqn) else None

    return rule


# The order of dtype kinds: a Python scalar may take the dtype of an operand of its kind or a
# later one (2 with a float array), never an earlier one (1.5 with an integer array: JAX's
# TypeError, where converting would truncate).
_KIND_RANK = {"b": 1, "u": 1, "i": 1, "f": 2, "c": 3}  # Python ints serve as booleans too


def _operands(x: Any, y: Any) -> tuple[Any, Any]:
    """Turn a Python scalar operand into an array like the other operand."""
    if type(x) in core._PY_SCALARS and type(y) not in core._PY_SCALARS:
        return _like(x, y), y
    if type(y) in core._PY_SCALARS and type(x) not in core._PY_SCALARS:
        return x, _like(y, x)
    return x, y


def _like(scalar: Any, other: Any) -> Any:
    aval = core.get_aval(other)
    own = dtypes.python_scalar_dtype(scalar)
    if _KIND_RANK[own.kind] > _KIND_RANK[aval.dtype.kind]:
        raise TypeError(f"lax operations require operands of the same dtype, got {aval.str_short()} and a Python "
                        f"{type(scalar).__name__} ({own}), which it cannot take without losing its value "
                        "(functrans.numpy's functions promote)")
    return above.full(aval.shape, scalar, aval.dtype)


def _binary(prim: Primitive, doc: str = "") -> Callable[[Any, Any], Any]:
    """The function binding ``prim`` to two operands, documented by ``doc``."""
    def fn(x: Any, y: Any) -> Any:
        x, y = _operands(x, y)
        return core.bind1(prim, x, y)

    _name_as_defined_by_caller(fn, prim, doc)
    return fn


def _unary(prim: Primitive, doc: str = "") -> Callable[[Any], Any]:
    """The function binding ``prim`` to one operand, documented by ``doc``."""
    def fn(x: Any) -> Any:
        return core.bind1(prim, x)

    _name_as_defined_by_caller(fn, prim, doc)
    return fn


def _name_as_defined_by_caller(fn: Callable, prim: Primitive, doc: str) -> None:
    # The module calling the factory (two frames up), as namedtuple does: help() names it,
    # and doctest collects a function's example only in the module its __module__ names.
    fn.__name__ = fn.__qualname__ = prim.name
    fn.__module__ = sys._getframe(2).f_globals["__name__"]
    fn.__doc__ = doc


def _signed(eqn) -> bool:
    return eqn.inputs[0].aval.dtype.kind == "i"


# --------------------------------------------------------------------------- arithmetic

add_p = naryop("add", np.add, NUMERIC, "({0} + {1})", cheap=True)
deflinear(add_p, lambda ct, x, y: [ct, ct])

add = _binary(add_p, """Elementwise sum ``x + y`` of numeric operands.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.

>>> add(np.array([1, 2]), np.array([10, 20]))
array([11, 22])
>>> add(np.array([0.5, 1.5]), 1.0)
array([1.5, 2.5])
""")
# Adds tangents/cotangents in the autodiff interpreters; a separate name keeps
# jaxprs readable (it marks where gradients accumulate).
add_any_p = naryop("add_any", np.add, NUMERIC, "({0} + {1})", cheap=True)
deflinear(add_any_p, lambda ct, x, y: [ct, ct])

add_any = _binary(add_any_p, """Elementwise sum of tangents or cotangents, as ``add``.

The autodiff interpreters add under this name, which marks where a jaxpr accumulates
gradients.

>>> add_any(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
array([1.5, 2.5])
""")
sub_p = naryop("sub", np.subtract, NUMERIC, "({0} - {1})", cheap=True)
deflinear(sub_p, lambda ct, x, y: [ct, neg(ct)])

sub = _binary(sub_p, """Elementwise difference ``x - y`` of numeric operands.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.

>>> sub(np.array([5, 3]), np.array([1, 4]))
array([ 4, -1])
""")
mul_p = naryop("mul", np.multiply, NUMERIC, "({0} * {1})", cheap=True)
defjvp(mul_p, lambda g, ans, x, y: mul(g, y), lambda g, ans, x, y: mul(x, g))
# Exactly one operand is linear (the other is a known constant).
transpose_rules[mul_p] = lambda ct, x, y: [mul(ct, y), None] if is_undefined(x) else [None, mul(x, ct)]

mul = _binary(mul_p, """Elementwise product ``x * y`` of numeric operands.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.

>>> mul(np.array([2, 3]), np.array([4, -1]))
array([ 8, -3])
""")

def _int_aware_div(x, y):
    # x may be a Python scalar: a jvp of a function of a Python float carries it as the primal.
    if np.asarray(x).dtype.kind in "iu":
        with np.errstate(divide="ignore", over="ignore"):
            return np.floor_divide(x, y)
    return np.true_divide(x, y)


def _div_lowering(args, eqn):
    # Integers: Python's // rounds toward minus infinity, as NumPy. NumPy gives 0 for a zero
    # divisor and wraps INT_MIN // -1 to INT_MIN; the machine instruction traps on both.
    if eqn.inputs[0].aval.dtype.kind in "fc":
        return cast(f"({args[0]} / {args[1]})", out_dtype(eqn))
    x, y = args
    wrap = f"-{x} if {y} == -1 else " if _signed(eqn) else ""
    return cast(f"(np.{out_dtype(eqn).name}(0) if {y} == 0 else {wrap}{x} // {y})", out_dtype(eqn))


div_p = naryop("div", _int_aware_div, NUMERIC, _div_lowering)
defjvp(div_p, lambda g, ans, x, y: div(g, y), lambda g, ans, x, y: neg(mul(g, div(ans, y))))
transpose_rules[div_p] = lambda ct, x, y: [div(ct, y), None]

div = _binary(div_p, """Elementwise quotient ``x / y`` of numeric operands.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.
Integer quotients round toward minus infinity, as NumPy's ``//`` (JAX's ``lax.div``
rounds toward zero), and an integer division by zero gives 0.

>>> div(np.array([1.0, -3.0]), np.array([4.0, 2.0]))
array([ 0.25, -1.5 ])
>>> div(np.array([7, -7, 7]), np.array([2, 2, 0]))
array([ 3, -4,  0])
""")

def _rem_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mod(x, y)


def _rem_lowering(args, eqn):
    if eqn.inputs[0].aval.dtype.kind in "fc":
        return cast(f"(np.mod({args[0]}, {args[1]}) if np.mod({args[0]}, {args[1]}) != 0 else math.copysign(0.0, {args[1]}))", out_dtype(eqn))
    x, y = args
    minus_one = f" or {y} == -1" if _signed(eqn) else ""
    return cast(f"(np.{out_dtype(eqn).name}(0) if {y} == 0{minus_one} else {x} % {y})", out_dtype(eqn))


rem_p = naryop("rem", _rem_impl, NUMERIC, _rem_lowering)
defjvp(rem_p, lambda g, ans, x, y: g, lambda g, ans, x, y: neg(mul(g, floor(div(x, y)))))

rem = _binary(rem_p, """Elementwise remainder of ``x / y``, with the sign of the divisor ``y``.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.
This is NumPy's ``%`` (``x - floor(x / y) * y``) for integers and floats alike; JAX's
``lax.rem`` takes the sign of the dividend, as C's ``fmod`` (``functrans.numpy.fmod``).
An integer remainder by zero gives 0.

>>> rem(np.array([7, -7, 7]), np.array([3, 3, -3]))
array([ 1,  2, -2])
>>> rem(np.array([5.5, -5.5]), np.array([2.0, 2.0]))
array([1.5, 0.5])
""")
pow_p = naryop("pow", np.power, FLOAT, "({0} ** {1})")


def _pow_jvp_y(g, ans, x, y):
    # d/dy x**y = log(x) x**y, taken as 0 where x == 0 (the limit along y > 0), as JAX.
    safe_log = select_n(eq(x, 0.0), log(x), above.zeros_like(x))
    return mul(g, mul(safe_log, ans))


# d/dx x**y = y x**(y-1) for a float exponent, as JAX (NaN for 0 ** 0.0: integer exponents
# are integer_pow, whose derivative at y == 0 is 0).
defjvp(pow_p, lambda g, ans, x, y: mul(g, mul(y, pow(x, sub(y, 1.0)))), _pow_jvp_y)

pow = _binary(pow_p, """Elementwise power ``x ** y`` of floating-point or complex operands.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.
Unlike JAX, ``y`` must have ``x``'s dtype. A static integer exponent is ``integer_pow``'s
job: repeated multiplication, and a zero derivative of ``x ** 0`` (``pow``'s is NaN at
``x == 0``, as JAX's).

>>> pow(np.array([2.0, 9.0]), np.array([3.0, 0.5]))
array([8., 3.])
""")

def _integer_pow_impl(x, y):
    if y >= 0 or x.dtype.kind in "fc":
        return np.power(x, y)
    return np.power(x.astype(float), y).astype(x.dtype)


def _integer_pow_lowering(args: list[str], eqn) -> str:
    y = eqn.params["y"]
    if y == 0:
        return f"np.{out_dtype(eqn).name}(1)"
    n = builtins.abs(y)  # this module's abs is the primitive's
    product = " * ".join([args[0]] * n) if n <= 8 else f"{args[0]} ** {n}"
    return cast(f"(1.0 / ({product}))" if y < 0 else f"({product})", out_dtype(eqn))


integer_pow_p = unop("integer_pow", _integer_pow_impl, NUMERIC, _integer_pow_lowering, cheap=True)


def _integer_pow_jvp(g, ans, x, y):
    if y == 0:
        return above.zeros_like(g)
    if y == 1:
        return g
    return mul(g, mul(x if y == 2 else integer_pow(x, y - 1), float(y)))


defjvp(integer_pow_p, _integer_pow_jvp)


def _balanced(x, y, pick):
    """1 where ``pick`` holds strictly, 1/2 at ties, 0 elsewhere (gradient of max/min)."""
    return select_n(eq(x, y), convert_element_type(pick(x, y), core.get_aval(x).dtype), above.full_like(x, 0.5))


# NaN if either operand is NaN, as NumPy's maximum and minimum.
max_p = naryop("max", np.maximum, ORDERED, template("kernels.max_nan({0}, {1})", "max({0}, {1})"), cheap=True)
defjvp(max_p, lambda g, ans, x, y: mul(g, _balanced(x, y, gt)), lambda g, ans, x, y: mul(g, _balanced(y, x, gt)))

max = _binary(max_p, """Elementwise maximum; NaN where either operand is NaN, as NumPy's ``maximum``.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.
The derivative is split evenly between the operands where they are equal.

>>> max(np.array([1.0, np.nan, 3.0]), np.array([2.0, 0.0, 1.0]))
array([ 2., nan,  3.])
""")
min_p = naryop("min", np.minimum, ORDERED, template("kernels.min_nan({0}, {1})", "min({0}, {1})"), cheap=True)
defjvp(min_p, lambda g, ans, x, y: mul(g, _balanced(x, y, lt)), lambda g, ans, x, y: mul(g, _balanced(y, x, lt)))

min = _binary(min_p, """Elementwise minimum; NaN where either operand is NaN, as NumPy's ``minimum``.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.
The derivative is split evenly between the operands where they are equal.

>>> min(np.array([1, 5]), np.array([2, 0]))
array([1, 0])
""")

def _atan2_denominator(x, y):
    return add(mul(x, x), mul(y, y))


atan2_p = naryop("atan2", np.arctan2, "f", "np.arctan2({0}, {1})")
defjvp(
    atan2_p,
    lambda g, ans, x, y: mul(g, div(y, _atan2_denominator(x, y))),
    lambda g, ans, x, y: neg(mul(g, div(x, _atan2_denominator(x, y)))),
)

atan2 = _binary(atan2_p, """Elementwise arc tangent of ``x / y`` in the quadrant of the point ``(y, x)``.

For real floating-point operands; NumPy's ``arctan2(x, y)``.

Operands of one shape and dtype (no broadcasting or promotion); a Python scalar operand
takes the other's.

>>> np.round(atan2(np.array([1.0, 1.0]), np.array([1.0, -1.0])), 4)
array([0.7854, 2.3562])
""")
tangent_ops.add_any = add_any  # how the autodiff interpreters add tangents


def integer_pow(x: Any, y: int) -> Any:
    """``x ** y`` for a static integer ``y``.

    >>> integer_pow(np.arange(4), 2)
    array([0, 1, 4, 9])
    """
    y = int(y)
    aval = core.get_aval(x)
    if y < 0 and aval.dtype.kind in "iub":  # NumPy raises too; a compiled 1 // x**|y| would be 0
        raise TypeError(f"Integers cannot be raised to negative powers, got integer_pow({aval.str_short()}, {y})")
    return integer_pow_p.bind(x, y=y)


def square(x: Any) -> Any:
    """Elementwise ``x * x`` of a numeric operand (``integer_pow(x, 2)``).

    >>> square(np.array([-3, 2]))
    array([9, 4])
    """
    return integer_pow(x, 2)


# --------------------------------------------------------------------------- unary math


def _one_minus_square(v):
    return sub(1.0, mul(v, v))


neg_p = unop("neg", np.negative, NUMERIC, "(-{0})", cheap=True)
deflinear(neg_p, lambda ct, x: [neg(ct)])
neg = _unary(neg_p, """Elementwise negation ``-x`` of a numeric operand (integers wrap around).

>>> neg(np.array([1, -2, 0]))
array([-1,  2,  0])
""")

def _sign_lowering(args, eqn):
    if out_dtype(eqn).kind == "c":  # z / |z|, as NumPy 2 (Numba's np.sign is the sign of the real part)
        return f"({args[0]} / np.abs({args[0]}) if {args[0]} != 0 else {args[0]})"
    # Numba's np.sign takes unsigned integers with the high bit set for negative.
    return template("np.sign({0})", "(({0} > 0) - ({0} < 0))")(args, eqn)


sign_p = unop("sign", np.sign, NUMERIC, _sign_lowering)
defzero(sign_p)
sign = _unary(sign_p, """Elementwise sign: -1, 0 or 1 in the operand's numeric dtype (NaN stays NaN);
``z / |z|`` (0 at 0) for a complex one.

>>> sign(np.array([-3, 0, 5]))
array([-1,  0,  1])
>>> sign(np.array([-2.5, np.nan]))
array([-1., nan])
""")
floor_p = unop("floor", np.floor, "f", "np.floor({0})")
defzero(floor_p)
floor = _unary(floor_p, """Elementwise largest integer not above ``x``, for a real floating-point operand.

>>> floor(np.array([-1.5, 0.5, 2.0]))
array([-2.,  0.,  2.])
""")
ceil_p = unop("ceil", np.ceil, "f", "np.ceil({0})")
defzero(ceil_p)
ceil = _unary(ceil_p, """Elementwise smallest integer not below ``x``, for a real floating-point operand.

>>> ceil(np.array([-1.5, 0.5, 2.0]))
array([-1.,  1.,  2.])
""")
round_p = unop("round", np.round, "f", "np.rint({0})")  # half to even, as NumPy
defzero(round_p)
round = _unary(round_p, """Elementwise nearest integer of a real floating-point operand, halves to even.

Halves round as NumPy's ``round`` does (to even). The public ``functrans.lax.round``
(``lax.precision``) builds on it and takes JAX's ``rounding_method``.

>>> round(np.array([-1.5, 0.5, 1.5, 2.5]))
array([-2.,  0.,  2.,  2.])
""")
is_finite_p = unop("is_finite", np.isfinite, "f", "np.isfinite({0})", result_dtype=dtypes.bool_)
defzero(is_finite_p)
is_finite = _unary(is_finite_p, """Elementwise test for values that are neither infinite nor NaN; a boolean array.

For a real floating-point operand.

>>> is_finite(np.array([1.0, np.inf, np.nan]))
array([ True, False, False])
""")

exp_p = unop("exp", np.exp, FLOAT, fast_math("exp", "np.exp({0})"))
defjvp(exp_p, lambda g, ans, x: mul(g, ans))
exp = _unary(exp_p, """Elementwise exponential ``e ** x`` of a floating-point or complex operand.

>>> np.round(exp(np.array([0.0, 1.0])), 4)
array([1.    , 2.7183])
""")
exp2_p = unop("exp2", np.exp2, FLOAT, "np.exp2({0})")
defjvp(exp2_p, lambda g, ans, x: mul(g, mul(ans, math.log(2.0))))
exp2 = _unary(exp2_p, """Elementwise ``2 ** x`` of a floating-point or complex operand.

>>> exp2(np.array([-1.0, 0.0, 3.0]))
array([0.5, 1. , 8. ])
""")
log_p = unop("log", np.log, FLOAT, fast_math("log", "np.log({0})"))
defjvp(log_p, lambda g, ans, x: div(g, x))
log = _unary(log_p, """Elementwise natural logarithm of a floating-point or complex operand.

>>> np.round(log(np.array([1.0, np.e])), 4)
array([0., 1.])
""")
log1p_p = unop("log1p", np.log1p, FLOAT, fast_math("log1p", "np.log1p({0})"))
defjvp(log1p_p, lambda g, ans, x: div(g, add(x, 1.0)))
log1p = _unary(log1p_p, """Elementwise ``log(1 + x)``, accurate where ``x`` is close to zero.

For floating-point or complex operands.

>>> log1p(np.array([1e-10]))
array([1.e-10])
""")
def _expm1_lowering(args, eqn):
    if out_dtype(eqn).kind != "c":
        return fast_math("expm1", "np.expm1({0})")(args, eqn)
    # NumPy's form: Numba's complex expm1 is exp(z) - 1, which loses the digits of a small z.
    x, y = f"{args[0]}.real", f"{args[0]}.imag"
    return cast(f"complex(np.expm1({x}) * np.cos({y}) - 2.0 * np.sin(0.5 * {y}) ** 2, np.exp({x}) * np.sin({y}))", out_dtype(eqn))


expm1_p = unop("expm1", np.expm1, FLOAT, _expm1_lowering)
defjvp(expm1_p, lambda g, ans, x: mul(g, add(ans, 1.0)))
expm1 = _unary(expm1_p, """Elementwise ``exp(x) - 1``, accurate where ``x`` is close to zero.

For floating-point or complex operands.

>>> expm1(np.array([1e-10]))
array([1.e-10])
""")
tanh_p = unop("tanh", np.tanh, FLOAT, fast_math("tanh", "np.tanh({0})"))
defjvp(tanh_p, lambda g, ans, x: mul(g, _one_minus_square(ans)))
tanh = _unary(tanh_p, """Elementwise hyperbolic tangent of a floating-point or complex operand.

>>> np.round(tanh(np.array([-1.0, 0.0, 1.0])), 4)
array([-0.7616,  0.    ,  0.7616])
""")
def _logistic_impl(x):
    # SciPy's expit takes real operands only; JAX's logistic takes complex ones too.
    return scipy.special.expit(x) if x.dtype.kind != "c" else 1.0 / (1.0 + np.exp(-x))


logistic_p = unop("logistic", _logistic_impl, FLOAT, fast_math("logistic", "kernels.logistic({0})"))
defjvp(logistic_p, lambda g, ans, x: mul(g, mul(ans, sub(1.0, ans))))
logistic = _unary(logistic_p, """Elementwise logistic sigmoid ``1 / (1 + exp(-x))`` of a floating-point operand.

>>> logistic(np.array([-np.inf, 0.0, np.inf]))
array([0. , 0.5, 1. ])
""")

sin_p = unop("sin", np.sin, FLOAT, fast_math("sin", "np.sin({0})"), exact=exact_beyond("fm.SINCOS_ACCURATE_MAX", "sin_full"))
defjvp(sin_p, lambda g, ans, x: mul(g, cos(x)))
sin = _unary(sin_p, """Elementwise sine (radians) of a floating-point or complex operand.

>>> np.round(sin(np.array([0.0, np.pi / 2])), 4)
array([0., 1.])
""")
cos_p = unop("cos", np.cos, FLOAT, fast_math("cos", "np.cos({0})"), exact=exact_beyond("fm.SINCOS_ACCURATE_MAX", "cos_full"))
defjvp(cos_p, lambda g, ans, x: neg(mul(g, sin(x))))
cos = _unary(cos_p, """Elementwise cosine (radians) of a floating-point or complex operand.

>>> np.round(cos(np.array([0.0, np.pi])), 4)
array([ 1., -1.])
""")
tan_p = unop("tan", np.tan, FLOAT, "np.tan({0})")
defjvp(tan_p, lambda g, ans, x: mul(g, add(1.0, mul(ans, ans))))
tan = _unary(tan_p, """Elementwise tangent (radians) of a floating-point or complex operand.

>>> np.round(tan(np.array([0.0, np.pi / 4])), 4)
array([0., 1.])
""")
asin_p = unop("asin", np.arcsin, FLOAT, "np.arcsin({0})")
defjvp(asin_p, lambda g, ans, x: mul(g, rsqrt(_one_minus_square(x))))
asin = _unary(asin_p, """Elementwise arc sine, in ``[-pi/2, pi/2]``, of a floating-point or complex operand.

>>> np.round(asin(np.array([0.0, 1.0])), 4)
array([0.    , 1.5708])
""")
acos_p = unop("acos", np.arccos, FLOAT, "np.arccos({0})")
defjvp(acos_p, lambda g, ans, x: neg(mul(g, rsqrt(_one_minus_square(x)))))
acos = _unary(acos_p, """Elementwise arc cosine, in ``[0, pi]``, of a floating-point or complex operand.

>>> np.round(acos(np.array([1.0, 0.0])), 4)
array([0.    , 1.5708])
""")
atan_p = unop("atan", np.arctan, FLOAT, "np.arctan({0})")
defjvp(atan_p, lambda g, ans, x: div(g, add(1.0, mul(x, x))))
atan = _unary(atan_p, """Elementwise arc tangent, in ``(-pi/2, pi/2)``, of a floating-point or complex operand.

>>> np.round(atan(np.array([0.0, 1.0])), 4)
array([0.    , 0.7854])
""")
sinh_p = unop("sinh", np.sinh, FLOAT, "np.sinh({0})")
defjvp(sinh_p, lambda g, ans, x: mul(g, cosh(x)))
sinh = _unary(sinh_p, """Elementwise hyperbolic sine of a floating-point or complex operand.

>>> np.round(sinh(np.array([0.0, 1.0])), 4)
array([0.    , 1.1752])
""")
cosh_p = unop("cosh", np.cosh, FLOAT, "np.cosh({0})")
defjvp(cosh_p, lambda g, ans, x: mul(g, sinh(x)))
cosh = _unary(cosh_p, """Elementwise hyperbolic cosine of a floating-point or complex operand.

>>> np.round(cosh(np.array([0.0, 1.0])), 4)
array([1.    , 1.5431])
""")
asinh_p = unop("asinh", np.arcsinh, FLOAT, "np.arcsinh({0})")
defjvp(asinh_p, lambda g, ans, x: mul(g, rsqrt(add(mul(x, x), 1.0))))
asinh = _unary(asinh_p, """Elementwise inverse hyperbolic sine of a floating-point or complex operand.

>>> np.round(asinh(np.array([0.0, 1.0])), 4)
array([0.    , 0.8814])
""")
acosh_p = unop("acosh", np.arccosh, FLOAT, "np.arccosh({0})")
defjvp(acosh_p, lambda g, ans, x: mul(g, rsqrt(mul(sub(x, 1.0), add(x, 1.0)))))
acosh = _unary(acosh_p, """Elementwise inverse hyperbolic cosine of a floating-point or complex operand.

NaN below 1 for real operands.

>>> np.round(acosh(np.array([1.0, 2.0])), 4)
array([0.   , 1.317])
""")
atanh_p = unop("atanh", np.arctanh, FLOAT, "np.arctanh({0})")
defjvp(atanh_p, lambda g, ans, x: div(g, _one_minus_square(x)))
atanh = _unary(atanh_p, """Elementwise inverse hyperbolic tangent of a floating-point or complex operand.

NaN outside ``[-1, 1]`` for real operands.

>>> np.round(atanh(np.array([0.0, 0.5])), 4)
array([0.    , 0.5493])
""")

sqrt_p = unop("sqrt", np.sqrt, FLOAT, "np.sqrt({0})")
defjvp(sqrt_p, lambda g, ans, x: div(g, mul(ans, 2.0)))
sqrt = _unary(sqrt_p, """Elementwise square root of a floating-point or complex operand.

NaN below 0 for real operands.

>>> sqrt(np.array([0.0, 4.0, 9.0]))
array([0., 2., 3.])
""")
rsqrt_p = unop("rsqrt", lambda x: np.reciprocal(np.sqrt(x)), FLOAT, "(1.0 / np.sqrt({0}))")
defjvp(rsqrt_p, lambda g, ans, x: mul(g, mul(div(ans, x), -0.5)))
rsqrt = _unary(rsqrt_p, """Elementwise reciprocal square root ``1 / sqrt(x)``.

For a floating-point or complex operand.

>>> rsqrt(np.array([1.0, 4.0]))
array([1. , 0.5])
""")
cbrt_p = unop("cbrt", np.cbrt, "f", "np.cbrt({0})")
defjvp(cbrt_p, lambda g, ans, x: div(g, mul(mul(ans, ans), 3.0)))
cbrt = _unary(cbrt_p, """Elementwise real cube root of a real floating-point operand.

Negative for negative ``x``, unlike ``pow(x, 1/3)``.

>>> cbrt(np.array([-8.0, 27.0]))
array([-2.,  3.])
""")
abs_p = unop("abs", np.abs, NUMERIC, "np.abs({0})", result_dtype=dtypes.real_dtype)


def _abs_jvp(g, ans, x):
    if not dtypes.is_complex(core.get_aval(x).dtype):
        # |x|' = 1 at 0, as JAX (the subgradient at the kink is taken from the right).
        return select_n(ge(x, 0.0), neg(g), g)
    # d|z| = Re(conj(z) dz) / |z|; at z = 0 the divisor is taken as 1, so the derivative is 0, as JAX's.
    magnitude = convert_element_type(ans, core.get_aval(x).dtype)
    return real(mul(g, div(conj(x), select_n(eq(magnitude, 0.0), magnitude, above.full_like(magnitude, 1.0)))))


defjvp(abs_p, _abs_jvp)
abs = _unary(abs_p, """Elementwise absolute value ``|x|`` of a numeric operand: in its dtype, and in the
component dtype (float32 for complex64) for a complex one.

Its derivative at 0 is taken as 1 for real operands, as JAX's.

>>> abs(np.array([-2, 0, 3]))
array([2, 0, 3])
""")

# --------------------------------------------------------------------------- complex parts
# All four are linear; their transposes are JAX's plain (not conjugating) transposes, which
# make grad of a real function of z = x + iy come out as df/dx - i df/dy.


def _complex_impl(x, y):
    # Parts set one by one: x + 1j * y would turn an infinite y into a NaN real part.
    out = np.empty(np.shape(x), dtypes.complex_dtype(np.result_type(x, y)))
    out.real, out.imag = x, y
    return out


def _complex_lowering(args, eqn):
    return cast(f"complex({args[0]}, {args[1]})", out_dtype(eqn))


real_p = unop("real", np.real, "c", "{0}.real", result_dtype=dtypes.real_dtype, cheap=True)
deflinear(real_p, lambda ct, x: [complex(ct, above.zeros_like(ct))])
real = _unary(real_p, """Elementwise real part of a complex operand, in the component dtype.

>>> real(np.array([1.5 + 2j, -1j], np.complex64))
array([ 1.5, -0. ], dtype=float32)
""")
imag_p = unop("imag", np.imag, "c", "{0}.imag", result_dtype=dtypes.real_dtype, cheap=True)
deflinear(imag_p, lambda ct, x: [complex(above.zeros_like(ct), neg(ct))])
imag = _unary(imag_p, """Elementwise imaginary part of a complex operand, in the component dtype.

>>> imag(np.array([1.5 + 2j, -1j]))
array([ 2., -1.])
""")
complex_p = naryop("complex", _complex_impl, "f", _complex_lowering, result_dtype=dtypes.complex_dtype, cheap=True)
deflinear(complex_p, lambda ct, x, y: [real(ct), neg(imag(ct))])
complex = _binary(complex_p, """Elementwise ``x + 1j * y`` from real floating-point parts of one dtype.

float32 parts give complex64, float64 parts complex128. Operands of one shape and dtype
(no broadcasting or promotion); a Python scalar operand takes the other's.

>>> complex(np.array([1.0, 0.0]), np.array([2.0, -1.0]))
array([1.+2.j, 0.-1.j])
""")


def _conj_impl(x, *, input_dtype):
    return np.conj(x).astype(dtypes.complex_dtype(input_dtype))


def _conj_transpose(ct, x, *, input_dtype):
    # The operand's dtype is a parameter (as in JAX): a real operand's cotangent is real.
    return [conj(ct) if dtypes.is_complex(input_dtype) else real(ct)]


conj_p = unop("conj", _conj_impl, FLOAT, template("np.conj({0})"), result_dtype=dtypes.complex_dtype, cheap=True)
deflinear(conj_p, _conj_transpose)


def conj(x: Any) -> Any:
    """Elementwise complex conjugate; a real floating-point operand becomes complex, as JAX's.

    >>> conj(np.array([1 + 2j, 3 - 1j]))
    array([1.-2.j, 3.+1.j])
    >>> conj(np.array([2.0], np.float32))
    array([2.+0.j], dtype=complex64)
    """
    return conj_p.bind(x, input_dtype=core.get_aval(x).dtype)


erf_p = unop("erf", scipy.special.erf, "f", "math.erf({0})")
defjvp(erf_p, lambda g, ans, x: mul(g, mul(exp(neg(mul(x, x))), 2.0 / math.sqrt(math.pi))))
erf = _unary(erf_p, """Elementwise error function of a real floating-point operand.

``2 / sqrt(pi)`` times the integral of ``exp(-t**2)`` from 0 to ``x``.

>>> np.round(erf(np.array([-1.0, 0.0, 1.0])), 4)
array([-0.8427,  0.    ,  0.8427])
""")
lgamma_p = unop("lgamma", scipy.special.gammaln, "f", "kernels.lgamma({0})")
defjvp(lgamma_p, lambda g, ans, x: mul(g, digamma(x)))
lgamma = _unary(lgamma_p, """Elementwise ``log|gamma(x)|`` of a real floating-point operand.

Its derivative is ``digamma``.

>>> np.round(lgamma(np.array([1.0, 3.0, 0.5])), 4)
array([0.    , 0.6931, 0.5724])
""")
digamma_p = unop("digamma", scipy.special.digamma, "f", "kernels_special.digamma({0})")
defjvp(digamma_p, lambda g, ans, x: mul(g, trigamma(x)))
digamma = _unary(digamma_p, """Elementwise digamma function, the derivative of ``lgamma``.

For a real floating-point operand.

>>> np.round(digamma(np.array([1.0, 2.0])), 4)
array([-0.5772,  0.4228])
""")
trigamma_p = unop("trigamma", lambda x: scipy.special.polygamma(1, x).astype(x.dtype), "f", "kernels.trigamma({0})")
trigamma = _unary(trigamma_p, """Elementwise trigamma function, the derivative of ``digamma``.

For a real floating-point operand; JAX keeps its counterpart private.

>>> np.round(trigamma(np.array([1.0])), 4)
array([1.6449])
""")

stop_gradient_p = unop("stop_gradient", lambda x: x, ANY, "{0}")
defzero(stop_gradient_p)


def stop_gradient(x: Any) -> Any:
    """The identity, with a zero derivative.

    >>> import functrans as ft
    >>> ft.grad(lambda x: x * stop_gradient(x))(3.0)
    array(3.)
    """
    return stop_gradient_p.bind(x)


# --------------------------------------------------------------------------- comparisons and logic


def _shift(op: str) -> ScalarRule:
    # Shifting by the bit width or more (or by a negative amount) gives 0, as in NumPy; the
    # machine instruction would take the amount modulo the width instead. Without a branch:
    # a conditional expression is a basic block of its own for Numba, and threefry's 40
    # rotations per hash made Numba's SSA pass take seconds.
    def rule(args, eqn):
        dtype = out_dtype(eqn)
        bits = 8 * dtype.itemsize
        x, k = args
        in_range = f"({k} < {bits})" if dtype.kind == "u" else f"(({k} >= 0) & ({k} < {bits}))"
        return cast(f"(({x} {op} ({k} & np.{dtype.name}({bits - 1}))) * {in_range})", dtype)

    return rule


def _not_lowering(args, eqn):
    return f"(not {args[0]})" if out_dtype(eqn) == np.bool_ else cast(f"(~{args[0]})", out_dtype(eqn))


eq_p = naryop("eq", np.equal, ANY, "({0} == {1})", dtypes.bool_)
ne_p = naryop("ne", np.not_equal, ANY, "({0} != {1})", dtypes.bool_)
# Complex numbers have no order: the ordering comparisons take real operands, as JAX's
# (functrans.numpy's compare complex values lexicographically, as NumPy).
lt_p = naryop("lt", np.less, ORDERED, "({0} < {1})", dtypes.bool_)
le_p = naryop("le", np.less_equal, ORDERED, "({0} <= {1})", dtypes.bool_)
gt_p = naryop("gt", np.greater, ORDERED, "({0} > {1})", dtypes.bool_)
ge_p = naryop("ge", np.greater_equal, ORDERED, "({0} >= {1})", dtypes.bool_)
and_p = naryop("and", np.bitwise_and, LOGICAL, "({0} & {1})")
or_p = naryop("or", np.bitwise_or, LOGICAL, "({0} | {1})")
xor_p = naryop("xor", np.bitwise_xor, LOGICAL, "({0} ^ {1})")
not_p = unop("not", np.invert, LOGICAL, _not_lowering)
shift_left_p = naryop("shift_left", np.left_shift, INTEGER, _shift("<<"))
shift_right_logical_p = naryop("shift_right_logical", np.right_shift, "u", _shift(">>"))
for _p in (eq_p, ne_p, lt_p, le_p, gt_p, ge_p, and_p, or_p, xor_p, not_p, shift_left_p, shift_right_logical_p):
    defzero(_p)

eq = _binary(eq_p, """Elementwise ``x == y``, a boolean array.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> eq(np.array([1, 2, 3]), np.array([1, 0, 3]))
array([ True, False,  True])
""")
ne = _binary(ne_p, """Elementwise ``x != y``, a boolean array (true where either is NaN).

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> ne(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
array([False,  True])
""")
lt = _binary(lt_p, """Elementwise ``x < y``, a boolean array.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> lt(np.array([1, 2, 3]), 2)
array([ True, False, False])
""")
le = _binary(le_p, """Elementwise ``x <= y``, a boolean array.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> le(np.array([1, 2, 3]), 2)
array([ True,  True, False])
""")
gt = _binary(gt_p, """Elementwise ``x > y``, a boolean array.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> gt(np.array([1, 2, 3]), 2)
array([False, False,  True])
""")
ge = _binary(ge_p, """Elementwise ``x >= y``, a boolean array.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> ge(np.array([1, 2, 3]), 2)
array([False,  True,  True])
""")
bitwise_and = _binary(and_p, """Elementwise AND: bitwise for integers, logical for booleans.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> bitwise_and(np.array([12, 10]), np.array([10, 6]))
array([8, 2])
>>> bitwise_and(np.array([True, True]), np.array([True, False]))
array([ True, False])
""")
bitwise_or = _binary(or_p, """Elementwise OR: bitwise for integers, logical for booleans.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> bitwise_or(np.array([12, 1]), np.array([10, 2]))
array([14,  3])
""")
bitwise_xor = _binary(xor_p, """Elementwise exclusive OR: bitwise for integers, logical for booleans.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> bitwise_xor(np.array([12, 5]), np.array([10, 5]))
array([6, 0])
""")
shift_left = _binary(shift_left_p, """Elementwise left shift ``x << y`` of integer operands.

A shift by the bit width or more, or a negative one, gives 0, as NumPy.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> shift_left(np.array([1, 3]), np.array([2, 4]))
array([ 4, 48])
""")
shift_right_logical = _binary(shift_right_logical_p, """Elementwise right shift ``x >> y`` filling with zero bits.

For unsigned integer operands (unlike JAX's, it rejects signed ones, which
``shift_right_arithmetic`` shifts); a shift by the bit width or more gives 0.

Operands of one shape and dtype (no promotion); a Python scalar operand takes the
other's.

>>> shift_right_logical(np.array([16, 255], np.uint8), np.array([2, 4], np.uint8))
array([ 4, 15], dtype=uint8)
""")
bitwise_not = _unary(not_p, """Elementwise NOT: bitwise for integers, logical for booleans.

>>> bitwise_not(np.array([True, False]))
array([False,  True])
>>> bitwise_not(np.array([0, 5], np.uint8))
array([255, 250], dtype=uint8)
""")

# --------------------------------------------------------------------------- select


select_n_p = Primitive("select_n")


@select_n_p.def_impl
def _select_n_impl(which, *cases):
    if which.dtype == np.bool_:
        return [np.where(which, cases[1], cases[0])]
    return [np.choose(np.clip(which, 0, len(cases) - 1), cases)]


@select_n_p.def_abstract_eval
def _select_n_abstract_eval(which, *cases):
    if not cases:
        raise TypeError("select_n needs at least one case")
    if which.dtype != np.bool_ and which.dtype.kind not in "iu":
        raise DTypeError(f"select_n's predicate must be bool or integer, got {which.str_short()}")
    if which.dtype == np.bool_ and len(cases) != 2:
        raise TypeError(f"select_n with a boolean predicate takes 2 cases, got {len(cases)}")
    if len({c.shape for c in cases}) > 1 or len({c.dtype for c in cases}) > 1:
        raise DTypeError(f"select_n's cases must have equal types, got {', '.join(c.str_short() for c in cases)}")
    if which.shape not in ((), cases[0].shape):
        raise ShapeError(f"select_n's predicate {which.str_short()} must be a scalar or have the cases' shape {cases[0].str_short()}")
    return [cases[0].update(weak_type=all(c.weak_type for c in cases))]


def select_n(which: Any, *cases: Any) -> Any:
    """``cases[which]`` elementwise: for a boolean ``which``, ``cases[1]`` where true.

    >>> select_n(np.array([True, False]), np.zeros(2), np.ones(2))
    array([1., 0.])
    """
    if len(cases) == 2:
        cases = _operands(*cases)
    return select_n_p.bind(which, *cases)


def _select_n_jvp(primals, tangents):
    which, *cases = primals
    out = select_n_p.bind(which, *cases)
    if all(type(t) is Zero for t in tangents[1:]):
        return [out], [Zero(core.get_aval(out).strip_weak_type())]
    return [out], [select_n_p.bind(which, *[instantiate_zeros(t) for t in tangents[1:]])]


def _select_n_transpose(ct, which, *cases):
    zeros = above.zeros_like(ct)
    return [None] + [
        select_n_p.bind(which, *[ct if j == i else zeros for j in range(len(cases))]) for i in range(len(cases))
    ]


def _select_n_batch(size, vals, dims):
    which, *cases = vals
    which_aval = core.get_aval(which)
    if dims[0] is None and which_aval.ndim == 0 and len(set(dims[1:])) == 1:
        return [select_n_p.bind(which, *cases)], [dims[1]]
    vals = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
    which, *cases = vals
    case_shape = core.get_aval(cases[0]).shape
    if core.get_aval(which).shape != case_shape:  # a scalar predicate, now batched: broadcast it
        which = above.broadcast_in_dim(which, case_shape, (0,))
    return [select_n_p.bind(which, *cases)], [0]


def _select_n_lowering(args: list[str], eqn) -> str:
    which, cases = args[0], args[1:]
    if eqn.inputs[0].aval.dtype == np.bool_:
        return f"({cases[1]} if {which} else {cases[0]})"
    expr = cases[-1]
    for i in reversed(range(len(cases) - 1)):
        expr = f"({cases[i]} if {which} <= {i} else {expr})"
    return expr


jvp_rules[select_n_p] = _select_n_jvp
transpose_rules[select_n_p] = _select_n_transpose
batching_rules[select_n_p] = _select_n_batch
def_elementwise(select_n_p, _select_n_lowering, cheap=True)

# --------------------------------------------------------------------------- conversion

convert_element_type_p = Primitive("convert_element_type")


@convert_element_type_p.def_impl
def _convert_impl(x, *, new_dtype, weak_type):
    x = np.asarray(x)
    if x.dtype.kind == "c" and np.dtype(new_dtype).kind != "c":
        x = x.real  # complex to real keeps the real part, as JAX (NumPy warns)
    return [x.astype(new_dtype)]


@convert_element_type_p.def_abstract_eval
def _convert_abstract_eval(x, *, new_dtype, weak_type):
    return [ShapedArray(x.shape, new_dtype, weak_type)]


def convert_element_type(x: Any, new_dtype: Any, weak_type: bool = False) -> Any:
    """``x`` converted to ``new_dtype`` (a no-op when it already is).

    Floats to integers truncate, as NumPy's ``astype``. Its derivative converts the tangent
    between float dtypes and is zero to or from other dtypes.

    >>> convert_element_type(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    """
    new_dtype = np.dtype(new_dtype)
    aval = core.get_aval(x)
    if aval.dtype == new_dtype and aval.weak_type == weak_type and not type(x) in core._PY_SCALARS:
        return x
    if type(x) in core._PY_SCALARS:
        return np.asarray(x, new_dtype)
    return convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type)


def _convert_jvp(primals, tangents, *, new_dtype, weak_type):
    (x,), (t,) = primals, tangents
    out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type)
    if type(t) is Zero or not (dtypes.is_inexact(core.get_aval(x).dtype) and dtypes.is_inexact(new_dtype)):
        return [out], [Zero(ShapedArray(core.get_aval(out).shape, new_dtype))]
    return [out], [convert_element_type_p.bind(t, new_dtype=new_dtype, weak_type=False)]


def _convert_transpose(ct, x, *, new_dtype, weak_type):
    return [convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=False)]


def _convert_lowering(args: list[str], eqn) -> str:
    new = eqn.params["new_dtype"]
    if new == np.bool_:
        return f"({args[0]} != 0)"
    if eqn.inputs[0].aval.dtype.kind == "c" and new.kind != "c":
        return f"np.{new.name}({args[0]}.real)"
    return f"np.{new.name}({args[0]})"


jvp_rules[convert_element_type_p] = _convert_jvp
transpose_rules[convert_element_type_p] = _convert_transpose
vectorized_batcher(convert_element_type_p)
def_elementwise(convert_element_type_p, _convert_lowering, cheap=True)
