"""``functrans.lax``: the primitives, and the thin functions that bind them.

Each family module defines its primitives together with every rule they need
(impl, abstract eval, jvp, transpose, batching).
"""
from .elementwise import (
    abs, acos, acosh, add, add_any, asin, asinh, atan, atan2, atanh, bitwise_and, bitwise_not, bitwise_or,
    bitwise_xor, cbrt, ceil, complex, conj, convert_element_type, cos, cosh, digamma, div, eq, erf, exp, exp2, expm1,
    floor, ge, gt, imag, integer_pow, is_finite, le, lgamma, log, log1p, logistic, lt, max, min, mul, ne, neg, pow,
    real, rem, rsqrt, select_n, shift_left, shift_right_logical, sign, sin, sinh, sqrt, square, stop_gradient, sub,
    tan, tanh, trigamma,
)
from .shape import (
    broadcast_in_dim, broadcasted_iota, concatenate, expand_dims, full, full_like, iota, pad, reshape, rev, slice,
    squeeze, transpose, zeros_like,
)
from .reduction import argmax, argmin, cummax, cummin, cumprod, cumsum, reduce_max, reduce_min, reduce_prod, reduce_sum
from .dot import dot_general
from .control_flow import cond, fori_loop, map, scan, switch, while_loop
from .indexing import dynamic_slice, dynamic_update_slice, take_along_axis
from .sort import argsort, sort
from . import linalg
from .special import bessel_i0e, bessel_i1e, betainc, erf_inv, erfc, igamma, igamma_grad_a, igammac, polygamma, zeta
from .windowed import padtype_to_pads, reduce_window, reduce_window_shape_tuple
from .convolution import (
    ConvDimensionNumbers, conv, conv_dimension_numbers, conv_general_dilated, conv_general_dilated_patches,
    conv_general_permutations, conv_general_shape_tuple, conv_shape_tuple, conv_transpose, conv_with_general_padding,
)
from .floating import frexp_exponent, ldexp, nextafter, shift_right_arithmetic, signbit
from .fft import FftType, fft
# --- lax breadth B: imports below
from .associative import associative_scan, cumlogsumexp
from .reduction import reduce, reduce_and, reduce_or, reduce_xor
from .solvers import custom_linear_solve, custom_root
from .bits import bitcast_convert_type, clz, mulhi, population_count, reduce_precision
from .rng import RandomAlgorithm, after_all, create_token, random_gamma_grad, rng_bit_generator, rng_uniform
from .convolution import conv_general_dilated_local, conv_transpose_shape_tuple
# --- lax breadth A: imports below
from typing import Union as _Union

from .convenience import (
    AccuracyMode, Tolerance, broadcast_like, clamp, composite, dce_sink, dtype, optimization_barrier, platform_dependent,
    reciprocal, shape_as_value, stack, stage, unstack, with_sharding_constraint,
)
from .ragged import RaggedDotDimensionNumbers, ragged_dot, ragged_dot_general, scaled_dot
from .dot import batch_matmul, dot
from .precision import (
    DotAlgorithm, DotAlgorithmPreset, DotDimensionNumbers, Precision, PrecisionLike, RoundingMethod, round,
)
from .shape import broadcast, broadcast_shapes, broadcast_to_rank, collapse, empty, tile
from .slicing import (
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, dynamic_index_in_dim, dynamic_slice_in_dim,
    dynamic_update_index_in_dim, dynamic_update_slice_in_dim, gather, index_in_dim, index_take, scatter, scatter_add,
    scatter_apply, scatter_max, scatter_min, scatter_mul, scatter_sub, slice_in_dim, split,
)
from .sort import approx_max_k, approx_min_k, sort_key_val, top_k

# A type, as in JAX: what conv_general_dilated's dimension_numbers accepts.
ConvGeneralDilatedDimensionNumbers = _Union[None, ConvDimensionNumbers, tuple[str, str, str]]

# --- collectives: imports below
from .parallel import (
    all_gather, all_to_all, axis_index, axis_size, pbroadcast, pcast, pmax, pmean, pmin, ppermute, precv, psend, pshuffle,
    psum, psum_scatter, pswapaxes, ragged_all_to_all,
)


def select(pred, on_true, on_false):
    """``on_true`` where ``pred`` else ``on_false`` (JAX's argument order)."""
    return select_n(pred, on_false, on_true)
