"""Bit-level operations: ``bitcast_convert_type``, ``population_count``, ``clz``, ``mulhi``
and ``reduce_precision``.

Only ``bitcast_convert_type`` is a primitive of its own (a reinterpretation of memory);
the rest are integer arithmetic on the bits, so every transformation and the compiler see
through them: population counts by the parallel bit-summing method, leading zeros as the
width less the population count of the bits smeared rightwards, the high half of a
product from its 32-bit halves. ``reduce_precision`` rounds as XLA defines it (to nearest,
ties to even, in the mantissa; overflow to infinity and flushing to zero below the reduced
exponent range), by exact scalings with powers of two rather than on the bits, and is a call
primitive only to carry JAX's derivative: the tangent is rounded the same way.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .. import core, dtypes
from ..autodiff import deflinear, defzero
from ..batching import batching_rules, moveaxis
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..ir import ClosedJaxpr, eval_jaxpr
from ..lowering import def_inlined_call, def_statement
from ..tracing import trace_to_jaxpr
from . import elementwise as _ew
from .floating import frexp_exponent, ldexp, shift_right_arithmetic, signbit
from .shape import full_like, zeros_like

# --------------------------------------------------------------------------- bitcast_convert_type


def _bitcast_shape(name: str, shape: tuple, old: np.dtype, new: np.dtype) -> tuple:
    """JAX's rule: equal widths keep the shape; a narrower type adds a trailing axis of the
    width ratio, a wider one consumes such an axis."""
    if old.itemsize == new.itemsize:
        return shape
    if old.itemsize > new.itemsize:
        return shape + (old.itemsize // new.itemsize,)
    ratio = new.itemsize // old.itemsize
    if not shape or shape[-1] != ratio:
        raise ShapeError(f"{name}: converting {old.name}{list(shape)} to the wider {new.name} needs a last axis of "
                         f"size {ratio}, got shape {shape}")
    return shape[:-1]


bitcast_convert_type_p = Primitive("bitcast_convert_type")


@bitcast_convert_type_p.def_impl
def _bitcast_impl(x, *, new_dtype):
    x = np.asarray(x)
    shape = _bitcast_shape("bitcast_convert_type", x.shape, x.dtype, new_dtype)
    return [np.ascontiguousarray(x).reshape(-1).view(new_dtype).reshape(shape)]


@bitcast_convert_type_p.def_abstract_eval
def _bitcast_abstract_eval(x, *, new_dtype):
    if (x.dtype == np.bool_) != (new_dtype == np.bool_):
        raise DTypeError(f"bitcast_convert_type: cannot bitcast between bool and {new_dtype if x.dtype == np.bool_ else x.dtype}")
    return [ShapedArray(_bitcast_shape("bitcast_convert_type", x.shape, x.dtype, new_dtype), new_dtype)]


def _bitcast_batch(size, vals, dims, *, new_dtype):
    # The batch axis goes first: a change of width acts on the last axis.
    return [bitcast_convert_type_p.bind(moveaxis(vals[0], dims[0], 0), new_dtype=new_dtype)], [0]


batching_rules[bitcast_convert_type_p] = _bitcast_batch
defzero(bitcast_convert_type_p)


@def_statement(bitcast_convert_type_p, fresh=True)
def _bitcast_lowering(em, eqn, args, outs):
    # An explicit loop copying a flat view into the result's buffer (arrays in compiled
    # programs are C-contiguous): Numba compiles a slice assignment (``out[...] = view``)
    # ten times slower the first time a process needs one.
    out = eqn.out_binders[0]
    em.allocate(out)
    source, i = em.fresh("bits"), em.fresh("i")
    em.emit(f"{source} = {args[0]}.reshape(({eqn.inputs[0].aval.size},)).view(np.{eqn.params['new_dtype'].name})")
    em.emit(f"for {i} in range({out.aval.size}):")
    em.emit(f"{outs[0]}.reshape(({out.aval.size},))[{i}] = {source}[{i}]", 2)


def bitcast_convert_type(operand: Any, new_dtype: Any) -> Any:
    """The bits of ``operand`` read as ``new_dtype``; a narrower type adds a last axis, a
    wider one consumes it.

    >>> bitcast_convert_type(np.float32(1.0), np.int32)
    array(1065353216, dtype=int32)
    >>> bitcast_convert_type(np.array([1, 2], np.int32), np.uint16)
    array([[1, 0],
           [2, 0]], dtype=uint16)
    """
    if type(operand) in core._PY_SCALARS:
        operand = np.asarray(operand)
    return bitcast_convert_type_p.bind(operand, new_dtype=np.dtype(new_dtype))


# --------------------------------------------------------------------------- counting bits


def _check_integer(name: str, x: Any) -> ShapedArray:
    aval = core.get_aval(x)
    dtypes.check_kinds(name, aval, dtypes.INTEGER)
    return aval


def _zero_extended(x: Any) -> Any:
    """``x``'s bits as a uint64 (through the unsigned type of its width, so no sign extension)."""
    dtype = core.get_aval(x).dtype
    return _ew.convert_element_type(_ew.convert_element_type(x, np.dtype(f"u{dtype.itemsize}")), np.uint64)


def _popcount64(v: Any) -> Any:
    v = _ew.sub(v, _ew.bitwise_and(_ew.shift_right_logical(v, 1), 0x5555555555555555))
    v = _ew.add(_ew.bitwise_and(v, 0x3333333333333333), _ew.bitwise_and(_ew.shift_right_logical(v, 2), 0x3333333333333333))
    v = _ew.bitwise_and(_ew.add(v, _ew.shift_right_logical(v, 4)), 0x0F0F0F0F0F0F0F0F)
    return _ew.shift_right_logical(_ew.mul(v, 0x0101010101010101), 56)


def population_count(x: Any) -> Any:
    """The number of set bits of each element (of its two's complement for negatives).

    >>> population_count(np.array([0, 7, -1], np.int8))
    array([0, 3, 8], dtype=int8)
    """
    aval = _check_integer("population_count", x)
    return _ew.convert_element_type(_popcount64(_zero_extended(x)), aval.dtype)


def clz(x: Any) -> Any:
    """The number of leading zero bits of each element, in its own width.

    >>> clz(np.array([0, 1, 255, -1], np.int16))
    array([16, 15,  8,  0], dtype=int16)
    """
    aval = _check_integer("clz", x)
    v = _zero_extended(x)
    for shift in (1, 2, 4, 8, 16, 32):  # every bit below the highest set one becomes set
        v = _ew.bitwise_or(v, _ew.shift_right_logical(v, shift))
    return _ew.convert_element_type(_ew.sub(8 * aval.dtype.itemsize, _popcount64(v)), aval.dtype)


def _mulhi_unsigned64(x: Any, y: Any) -> Any:
    """The high 64 bits of the 128-bit product of two uint64 arrays, from 32-bit halves."""
    low = lambda v: _ew.bitwise_and(v, 0xFFFFFFFF)
    high = lambda v: _ew.shift_right_logical(v, 32)
    x_lo, x_hi, y_lo, y_hi = low(x), high(x), low(y), high(y)
    lo_lo, hi_lo, lo_hi = _ew.mul(x_lo, y_lo), _ew.mul(x_hi, y_lo), _ew.mul(x_lo, y_hi)
    middle = _ew.add(_ew.add(high(lo_lo), low(hi_lo)), lo_hi)  # cannot overflow: at most 3 (2**32 - 1)
    return _ew.add(_ew.add(_ew.mul(x_hi, y_hi), high(hi_lo)), high(middle))


def mulhi(x: Any, y: Any, /) -> Any:
    """The high half of the double-width product of integers ``x`` and ``y`` (signed or
    unsigned as their dtype).

    >>> mulhi(np.array([1 << 20, -3], np.int32), np.array([1 << 20, 5], np.int32))
    array([256,  -1], dtype=int32)
    """
    x_aval, y_aval = _check_integer("mulhi", x), _check_integer("mulhi", y)
    if x_aval.dtype != y_aval.dtype:
        raise DTypeError(f"mulhi requires operands of equal dtypes, got {x_aval.str_short()} and {y_aval.str_short()}")
    dtype = x_aval.dtype
    bits = 8 * dtype.itemsize
    signed = dtype.kind == "i"
    if bits < 64:
        wide = np.dtype(np.int64 if signed else np.uint64)
        product = _ew.mul(_ew.convert_element_type(x, wide), _ew.convert_element_type(y, wide))
        shifted = shift_right_arithmetic(product, bits) if signed else _ew.shift_right_logical(product, bits)
        return _ew.convert_element_type(shifted, dtype)
    ux, uy = _ew.convert_element_type(x, np.uint64), _ew.convert_element_type(y, np.uint64)
    high = _mulhi_unsigned64(ux, uy)
    if signed:
        # Two's complement: subtract the other operand wherever one is negative (mod 2**64).
        high = _ew.sub(high, _ew.select_n(_ew.lt(x, 0), zeros_like(uy), uy))
        high = _ew.sub(high, _ew.select_n(_ew.lt(y, 0), zeros_like(ux), ux))
    return _ew.convert_element_type(high, dtype)


# --------------------------------------------------------------------------- reduce_precision


def _rounded(x: Any, exponent_bits: int, mantissa_bits: int) -> Any:
    """XLA's reduce_precision of float array ``x``, in floating point: what XLA does to the
    bits (round the mantissa to nearest even, then flush or overflow by the exponent) is
    done with exact scalings by powers of two, which compile to one fused loop."""
    dtype = core.get_aval(x).dtype
    info = np.finfo(dtype)
    out = x
    if mantissa_bits < info.nmant:
        # The quantum of the kept mantissa at x's binade; below the normal range the source's
        # subnormals have the smallest normal binade's quantum, as their bits do.
        exponent = _ew.max(frexp_exponent(x), int(info.minexp) + 1)
        quantum = ldexp(full_like(x, 1), _ew.convert_element_type(_ew.sub(exponent, mantissa_bits + 1), dtype))
        scaled = _ew.div(x, quantum)
        rounded = _ew.round(scaled)  # ties to an even last mantissa bit
        if mantissa_bits == 0:
            # No mantissa bit is kept: the last kept bit is the exponent's, so a tie rounds
            # down where the biased exponent is even.
            biased_even = _ew.eq(_ew.rem(_ew.add(exponent, int(info.maxexp) - 2), 2), 0)
            tie = _ew.eq(_ew.abs(scaled), 1.5)
            rounded = _ew.select_n(tie, rounded, _ew.select_n(biased_even, rounded, _ew.sign(scaled)))
        out = _ew.mul(rounded, quantum)
    if exponent_bits < info.nexp:
        reduced_bias = (1 << (exponent_bits - 1)) - 1
        magnitude = _ew.abs(out)
        overflows = _ew.ge(magnitude, float(2.0 ** (reduced_bias + 1)))
        underflows = _ew.lt(magnitude, float(2.0 ** (1 - reduced_bias)))
        negative = signbit(out)
        signed_zero = _ew.select_n(negative, full_like(out, 0.0), full_like(out, -0.0))
        signed_inf = _ew.select_n(negative, full_like(out, np.inf), full_like(out, -np.inf))
        out = _ew.select_n(overflows, _ew.select_n(underflows, out, signed_zero), signed_inf)
    # NaN stays NaN, as XLA's CPU backend gives even without mantissa bits.
    return _ew.select_n(_ew.ne(x, x), out, x)


@functools.lru_cache(maxsize=256)
def _rounding_jaxpr(shape: tuple, dtype: np.dtype, exponent_bits: int, mantissa_bits: int) -> ClosedJaxpr:
    return trace_to_jaxpr(lambda x: [_rounded(x, exponent_bits, mantissa_bits)], [ShapedArray(shape, dtype)])


reduce_precision_p = Primitive("reduce_precision")
reduce_precision_p.def_impl(lambda x, *, jaxpr, **params: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, [x]))


@reduce_precision_p.def_abstract_eval
def _reduce_precision_abstract_eval(x, *, exponent_bits, mantissa_bits, jaxpr):
    return [x]


# As JAX: the tangent (and cotangent) is rounded to the same precision.
deflinear(reduce_precision_p, lambda ct, x, **params: [reduce_precision_p.bind(ct, **params)])
batching_rules[reduce_precision_p] = lambda size, vals, dims, *, exponent_bits, mantissa_bits, jaxpr: (
    [reduce_precision(vals[0], exponent_bits, mantissa_bits)], [dims[0]])
def_inlined_call(reduce_precision_p)


def reduce_precision(operand: float | Any, exponent_bits: int, mantissa_bits: int) -> Any:
    """``operand`` rounded to a float format of ``exponent_bits`` and ``mantissa_bits``
    (round to nearest even; too large becomes infinity, below the smallest normal zero).

    >>> reduce_precision(np.array([1.0 + 2.0 ** -11, 70000.0, 1e-6]), exponent_bits=5, mantissa_bits=10)
    array([ 1., inf,  0.])
    """
    if type(operand) in core._PY_SCALARS:
        operand = np.asarray(operand)
    aval = core.get_aval(operand)
    dtypes.check_kinds("reduce_precision", aval, "f")
    exponent_bits, mantissa_bits = int(exponent_bits), int(mantissa_bits)
    if exponent_bits < 1 or mantissa_bits < 0:
        raise ValueError(f"reduce_precision: exponent_bits must be at least 1 and mantissa_bits at least 0, got "
                         f"{exponent_bits} and {mantissa_bits}")
    jaxpr = _rounding_jaxpr(aval.shape, aval.dtype, exponent_bits, mantissa_bits)
    return reduce_precision_p.bind(operand, exponent_bits=exponent_bits, mantissa_bits=mantissa_bits, jaxpr=jaxpr)
