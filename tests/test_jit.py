"""jit: compiled programs equal eager evaluation, compose with the other
transformations, are cached by argument signature, and fail with clear errors.

The core property: ``jit(f)(*args)`` equals ``f(*args)`` run eagerly (values, shapes,
dtypes) for every lax primitive and every ``functrans.numpy`` function, on
hypothesis-drawn values (NaN, infinities, signed zeros, out-of-range indices) in
float32, float64, integer and bool dtypes, as 0-d, C-contiguous, transposed,
strided and reversed arrays. Where a primitive's semantics are subtle (integer
division, NaN propagation, ties, clamping) the expected values also come from an
independent NumPy or Python reference.

Each distinct program costs a Numba compile (~0.5 s cold; the disk cache shared by
``tests/conftest.py`` makes re-runs fast), so primitives are grouped into a few jitted
functions with many outputs, the jitted functions are module-level (traced once per
signature), and shapes come from small fixed sets.
"""
from __future__ import annotations

import itertools
import logging
from typing import Any, Callable

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.core import Primitive
from functrans.lax import dot as lax_dot, elementwise as lax_elementwise, indexing as lax_indexing
from functrans.lax import reduction as lax_reduction, shape as lax_shape
from functrans.errors import CompilationError, ConcretizationError, NaNError
from functrans.tree_util import tree_flatten, tree_structure

from core_api import CORE_NUMPY

SETTINGS = settings(max_examples=25, deadline=None)


@pytest.fixture(autouse=True, scope="module", params=["fast math", "precise math"])
def math_mode(request):
    """Every test runs with the vectorisable math and again with libm's."""
    with ft.config.option(precise_math=request.param == "precise math"):
        yield request.param


def test_setting_an_option_that_changes_generated_code_recompiles_jitted_functions():
    f = ft.jit(lambda x: fnp.exp(x) + 1.0)
    x = np.linspace(-1.0, 1.0, 5)
    before = f(x), f.lower(x).as_text()
    with ft.config.option(precise_math=not ft.config.precise_math):
        after = f(x), f.lower(x).as_text()
    assert ("fm.exp" in before[1]) != ("fm.exp" in after[1])
    assert f(x) is not None and f.lower(x).as_text() == before[1] and f.trace_count == 1
    np.testing.assert_allclose(before[0], after[0], rtol=1e-15)

# --------------------------------------------------------------------------- values and layouts

SPECIAL_FLOATS = (np.nan, np.inf, -np.inf, 0.0, -0.0)
LAYOUTS = ("contiguous", "transposed", "strided", "reversed")


def with_layout(x: np.ndarray, layout: str) -> np.ndarray:
    """The values of ``x`` in memory laid out another way (the program must not care)."""
    if x.ndim == 0 or layout == "contiguous":
        return x
    if layout == "transposed":
        return np.ascontiguousarray(x.T).T
    if layout == "strided":
        spread = np.zeros(tuple(2 * d for d in x.shape), x.dtype)
        every_other = tuple(slice(None, None, 2) for _ in x.shape)
        spread[every_other] = x
        return spread[every_other]
    reverse = tuple(slice(None, None, -1) for _ in x.shape)
    return np.ascontiguousarray(x[reverse])[reverse]


def elements(dtype: Any, special: bool = True) -> st.SearchStrategy:
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        finite = st.floats(-6, 6, width=8 * dtype.itemsize)
        return st.one_of(finite, st.sampled_from(SPECIAL_FLOATS)) if special else finite
    if dtype.kind == "b":
        return st.booleans()
    info = np.iinfo(dtype)
    return st.integers(int(info.min), int(info.max))


# Sums and products of these are exact in float32 too, so results cannot depend on the
# order in which a compiled loop and NumPy accumulate.
DYADIC = st.sampled_from([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 4.0])


@st.composite
def arrays(draw, dtype: Any, shapes: tuple, elements_strategy: st.SearchStrategy | None = None) -> np.ndarray:
    """An array of one of ``shapes``, in one of the memory layouts."""
    shape = draw(st.sampled_from(shapes))
    x = draw(hnp.arrays(dtype, shape, elements=elements(dtype) if elements_strategy is None else elements_strategy))
    return with_layout(x, draw(st.sampled_from(LAYOUTS)))


# --------------------------------------------------------------------------- comparison


def assert_same(got: Any, expected: Any) -> None:
    """Same pytree structure; each leaf a NumPy array of the expected shape and dtype with
    the expected values (floats up to the last bits of compiled libm calls; NaN where NaN)."""
    assert tree_structure(got) == tree_structure(expected)
    for g, e in zip(tree_flatten(got)[0], tree_flatten(expected)[0]):
        e = np.asarray(e)
        assert type(g) is np.ndarray, type(g)
        assert (g.shape, g.dtype) == (e.shape, e.dtype), (g.shape, g.dtype, e.shape, e.dtype)
        if e.dtype.kind == "f":
            rtol, atol = (1e-5, 1e-5) if e.dtype == np.float32 else (1e-10, 1e-12)
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, e)


def check_jit(jitted: Any, *args: Any) -> Any:
    """``jitted`` (a ``jit`` of a function) equals the function run eagerly; returns the result."""
    with np.errstate(all="ignore"):
        expected = jitted.__wrapped__(*args)
    got = jitted(*args)
    assert_same(got, expected)
    return got


# --------------------------------------------------------------------------- elementwise

FLOAT_UNARY = (
    "neg", "sign", "floor", "ceil", "round", "is_finite", "exp", "exp2", "log", "log1p", "expm1", "tanh", "logistic",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "cbrt",
    "abs", "erf", "stop_gradient", "square",
)
# Compared with a high-precision reference instead: SciPy (the eager impl) loses accuracy
# within a few ulps of the poles and overflows lgamma for subnormal x.
GAMMA_FAMILY = ("lgamma", "digamma", "trigamma")
FLOAT_BINARY = ("add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "eq", "ne", "lt", "le", "gt", "ge", "add_any")


@ft.jit
def float_unary_ops(x):
    return tuple(getattr(lax, name)(x) for name in FLOAT_UNARY) + tuple(lax.integer_pow(x, y) for y in (-3, -1, 0, 1, 2, 3, 9, 12))


@ft.jit
def float_binary_ops(x, y):
    return tuple(getattr(lax, name)(x, y) for name in FLOAT_BINARY)


@SETTINGS
@given(arrays(np.float64, [(), (2, 3)]) | arrays(np.float32, [(2, 3)]))
def test_float_unary_primitives_match_eager_including_nan_and_infinities(x):
    check_jit(float_unary_ops, x)


@SETTINGS
@given(st.sampled_from([np.float32, np.float64]).flatmap(lambda dt: st.tuples(arrays(dt, [(2, 3)]), arrays(dt, [(2, 3)]))))
def test_float_binary_primitives_match_eager(xy):
    check_jit(float_binary_ops, *xy)


@ft.jit
def gamma_family(x):
    return tuple(getattr(lax, name)(x) for name in GAMMA_FAMILY)


# (function, NumPy reference, float64 domain, float32 domain) of the math with fast forms.
SWEPT = {
    "exp": (fnp.exp, np.exp, (-700.0, 700.0), (-80.0, 80.0)),
    "expm1": (fnp.expm1, np.expm1, (-40.0, 700.0), (-40.0, 80.0)),
    "log": (fnp.log, np.log, (1e-300, 1e300), (1e-30, 1e30)),
    "log1p": (fnp.log1p, np.log1p, (-0.999, 1e6), (-0.999, 1e6)),
    "tanh": (fnp.tanh, np.tanh, (-20.0, 20.0), (-20.0, 20.0)),
    "logistic": (lax.logistic, scipy.special.expit, (-700.0, 700.0), (-80.0, 80.0)),
    "sin": (fnp.sin, np.sin, (-1e4, 1e4), (-1e4, 1e4)),
    "cos": (fnp.cos, np.cos, (-1e4, 1e4), (-1e4, 1e4)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", sorted(SWEPT))
def test_compiled_math_is_within_4_ulp_of_numpy_on_a_dense_sweep(name, dtype):
    fun, reference, domain64, domain32 = SWEPT[name]
    low, high = domain64 if dtype == np.float64 else domain32
    x = (np.geomspace(low, high, 20001) if name == "log" else np.linspace(low, high, 20001)).astype(dtype)
    got = ft.jit(fun)(x)
    expected = reference(x.astype(np.float64)).astype(dtype)  # float32: the correctly rounded value
    ulps = np.abs(got.astype(np.float64) - expected) / np.spacing(np.abs(expected)).astype(np.float64)
    assert got.dtype == dtype and np.max(ulps) <= 4


def test_gamma_family_follows_scipy_at_poles_infinities_and_nan():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, -3.0, -2.5, -19.999, 1.4616321449683622, 1e-300, -1e-300, 6.0, 1e8])
    lgamma, digamma, trigamma = gamma_family(x)
    np.testing.assert_allclose(lgamma, scipy.special.gammaln(x), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(digamma, scipy.special.digamma(x), rtol=1e-12, atol=1e-14, equal_nan=True)
    np.testing.assert_allclose(trigamma, scipy.special.polygamma(1, x), rtol=1e-12, equal_nan=True)


@SETTINGS
@given(arrays(np.float64, [(5,)], st.one_of(
    st.floats(-30, 30), st.floats(0, 1e-300), st.floats(1e3, 1e30),
    st.integers(-20, 0).flatmap(lambda pole: st.sampled_from([np.nextafter(pole, pole - 1), np.nextafter(pole, pole + 1)])),
)))
def test_gamma_family_is_accurate_even_next_to_poles(x64):
    mpmath = pytest.importorskip("mpmath")
    exact_functions = {"lgamma": lambda v: mpmath.log(abs(mpmath.gamma(v))), "digamma": mpmath.digamma, "trigamma": lambda v: mpmath.psi(1, v)}
    for x in (x64, x64.astype(np.float32)):
        poles = (x <= 0) & (x == np.floor(x))
        at_poles = {"lgamma": np.inf, "trigamma": np.inf, "digamma": np.where(x == 0, -np.copysign(np.inf, x), np.nan)}  # as SciPy
        for name, got in zip(GAMMA_FAMILY, gamma_family(x)):
            with mpmath.workdps(40):
                exact = [float(exact_functions[name](mpmath.mpf(float(v)))) if not pole else np.nan for v, pole in zip(x, poles)]
            with np.errstate(over="ignore"):  # beyond float32's range: inf, as computed
                exact = np.where(poles, at_poles[name], exact).astype(x.dtype)
            assert got.dtype == x.dtype
            # Near the roots of lgamma and digamma only accuracy relative to the values' scale is possible.
            rtol, atol = (1e-12, 1e-14) if x.dtype == np.float64 else (1e-5, 1e-6)
            np.testing.assert_allclose(got, exact, rtol=rtol, atol=atol, equal_nan=True, err_msg=f"{name}({x})")


INT_DTYPES = (np.int8, np.int32, np.int64, np.uint8, np.uint32)
INT_BINARY = ("add", "sub", "mul", "div", "rem", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor")


@ft.jit
def int_ops(x, y):
    unary = (lax.neg(x), lax.sign(x), lax.abs(x), lax.bitwise_not(x), lax.integer_pow(x, 0), lax.integer_pow(x, 3))
    return tuple(getattr(lax, name)(x, y) for name in INT_BINARY) + unary


def _not_min_over_minus_one(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` with the divisor -1 replaced where ``x`` is int64's minimum: that quotient
    overflows (NumPy wraps it to the minimum, the compiled code gives 0)."""
    if x.dtype != np.int64:
        return y
    return np.where((x == np.iinfo(np.int64).min) & (y == -1), 1, y).astype(y.dtype)


@pytest.mark.slow
@SETTINGS
@given(st.sampled_from(INT_DTYPES), st.sampled_from([(), (9,)]), st.data())
def test_integer_primitives_match_eager_with_wrapping_overflow(dtype, shape, data):
    x = data.draw(arrays(dtype, [shape]), label="x")
    # Zero and the signs of divisors matter most, and full-range values rarely hit them.
    small = st.integers(-2 if np.dtype(dtype).kind == "i" else 0, 2)
    y = data.draw(arrays(dtype, [shape], st.one_of(small, elements(dtype))), label="y")
    check_jit(int_ops, x, _not_min_over_minus_one(x, y))


@ft.jit
def numpy_integer_ops(x, y):
    return (fnp.bitwise_and(x, y), fnp.bitwise_or(x, y), fnp.bitwise_xor(x, y), fnp.invert(x), x & 3, x | y, x ^ y, ~x,
            fnp.floor_divide(x, y), fnp.mod(x, y), x // 2, x % 3, x * 2, x + y, -x, abs(x))


@SETTINGS
@given(arrays(np.int32, [(5,)], st.integers(-50, 50)), arrays(np.int32, [(5,)], st.integers(-3, 3)))
def test_numpy_integer_and_bitwise_functions_match_eager(x, y):
    check_jit(numpy_integer_ops, x, y)


def test_integer_division_and_remainder_round_toward_minus_infinity_and_give_zero_for_zero_divisor():
    x = np.array([7, -7, 7, -7, 0, 5, -5, 1], np.int32)
    y = np.array([2, 2, -2, -2, 3, 0, 0, -1], np.int32)
    quotient, remainder = ft.jit(lambda x, y: (lax.div(x, y), lax.rem(x, y)))(x, y)
    # Python's // and % round toward minus infinity; NumPy's floor_divide gives 0 for a zero divisor.
    assert quotient.tolist() == [a // b if b else 0 for a, b in zip(x.tolist(), y.tolist())]
    assert remainder.tolist() == [a % b if b else 0 for a, b in zip(x.tolist(), y.tolist())]
    assert quotient.dtype == remainder.dtype == np.int32


@SETTINGS
@given(st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]).flatmap(
    lambda dt: st.tuples(arrays(dt, [(6,)]), arrays(np.int64, [(6,)], st.integers(-70, 70)))))
def test_shifts_by_the_bit_width_or_more_give_zero_as_in_numpy(case):
    x, shift = case
    shift = shift.astype(x.dtype) if x.dtype.kind == "i" else np.abs(shift).astype(x.dtype)
    shifted = ft.jit(lax.shift_left)(x, shift)
    assert_same(shifted, lax.shift_left(x, shift))
    bits = 8 * x.dtype.itemsize
    out_of_range = (shift.astype(np.int64) >= bits) | (shift.astype(np.int64) < 0)
    assert np.all(shifted[out_of_range] == 0)
    if x.dtype.kind == "u":
        assert_same(ft.jit(lax.shift_right_logical)(x, shift), lax.shift_right_logical(x, shift))
    else:  # an arithmetic shift out of range leaves the sign only, as NumPy's right_shift by width - 1
        sar = ft.jit(lax.shift_right_arithmetic)(x, shift)
        assert_same(sar, lax.shift_right_arithmetic(x, shift))
        assert_same(sar[out_of_range], np.right_shift(x[out_of_range], bits - 1))
    # No branch per element: a conditional expression is a basic block of its own for Numba,
    # which made threefry's 40 rotations per hash slow to compile.
    assert " if " not in ft.jit(lax.shift_left).lower(x, shift).as_text()


@ft.jit
def bool_ops(p, q):
    return (lax.bitwise_and(p, q), lax.bitwise_or(p, q), lax.bitwise_xor(p, q), lax.bitwise_not(p), lax.eq(p, q),
            lax.ne(p, q), lax.max(p, q), lax.min(p, q), lax.lt(p, q))


@SETTINGS
@given(st.tuples(arrays(np.bool_, [(), (5,)]), st.sampled_from(LAYOUTS)))
def test_boolean_primitives_match_eager(case):
    p, layout = case
    check_jit(bool_ops, p, with_layout(~np.asarray(p), layout))


@ft.jit
def selects(p, k, a, b, c):
    return lax.select_n(p, a, b), lax.select_n(k, a, b, c), lax.select_n(p[0, 0], a, b), lax.select(p, a, b)


@SETTINGS
@given(arrays(np.bool_, [(2, 3)]), arrays(np.int32, [(2, 3)], st.integers(-1, 3)), arrays(np.float64, [(2, 3)]))
def test_select_n_picks_cases_by_boolean_or_integer_predicate(p, k, a):
    b, c = a + 10, a - 10
    by_bool, by_int, by_scalar, selected = check_jit(selects, p, k, a, b, c)
    np.testing.assert_array_equal(by_bool, np.where(p, b, a))
    np.testing.assert_array_equal(by_int, np.choose(np.clip(k, 0, 2), [a, b, c]))
    np.testing.assert_array_equal(selected, np.where(p, a, b))


INEXACT_TARGETS = (np.float64, np.float32, np.bool_)
INTEGER_TARGETS = (np.int64, np.int32, np.int8, np.uint8)


@ft.jit
def conversions(x, in_integer_range):
    # Float-to-integer conversion of NaN, infinities or values out of the target's range is
    # undefined (NumPy warns and gives what the machine gives), so those see only values in range.
    return (tuple(lax.convert_element_type(x, dtype) for dtype in INEXACT_TARGETS),
            tuple(lax.convert_element_type(in_integer_range, dtype) for dtype in INTEGER_TARGETS))


@SETTINGS
@given(st.one_of(
    st.sampled_from([np.float32, np.float64]).flatmap(lambda dt: arrays(dt, [(), (6,)], st.one_of(st.floats(-127, 127, width=32), st.sampled_from([np.nan, 0.0, -0.0])))),
    st.sampled_from([np.int64, np.int8, np.uint8, np.bool_]).flatmap(lambda dt: arrays(dt, [(), (6,)])),
))
def test_convert_element_type_truncates_wraps_and_tests_nonzero_as_numpy(x):
    in_range = np.abs(np.nan_to_num(x)).astype(x.dtype) if x.dtype.kind == "f" else x
    inexact, integer = check_jit(conversions, x, in_range)
    np.testing.assert_array_equal(inexact[-1], np.asarray(x) != 0)  # NaN is nonzero: True
    np.testing.assert_array_equal(integer[1], np.trunc(in_range).astype(np.int64).astype(np.int32))  # toward zero, wrapping


# --------------------------------------------------------------------------- shapes


@ft.jit
def shape_ops(a):
    return (
        lax.reshape(a, (4, 6)), lax.reshape(a, (24,)), lax.transpose(a, (2, 0, 1)), lax.transpose(a, (0, 1, 2)),
        lax.rev(a, (0, 2)), lax.rev(a, (1,)),
        lax.slice(a, (0, 1, 0), (2, 3, 4), (2, 1, 3)), lax.slice(a, (1, 0, 1), (2, 2, 3)),
        lax.concatenate([a, lax.neg(a)], 1), lax.concatenate([a], 0),
        lax.pad(a, lax.convert_element_type(7, a.dtype), [(1, 2, 0), (0, 0, 1), (-1, 2, 2)]),
        lax.pad(a, lax.convert_element_type(1, a.dtype), [(-1, -1, 0), (2, -3, 1), (0, 0, 0)]),
        lax.broadcast_in_dim(a, (2, 2, 3, 4), (1, 2, 3)), lax.broadcast_in_dim(lax.slice(a, (0, 0, 0), (2, 1, 4)), (2, 3, 4), (0, 1, 2)),
        lax.squeeze(lax.reshape(a, (1, 2, 3, 4, 1)), (0, 4)), lax.expand_dims(a, (0, 2)),
    )


@SETTINGS
@given(st.sampled_from([np.float64, np.int32]).flatmap(lambda dt: arrays(dt, [(2, 3, 4)])))
def test_shape_primitives_match_eager_on_any_layout(a):
    check_jit(shape_ops, a)


@ft.jit
def viewed_ops(a, sq):
    """Shape operations read by fused loops through index maps (never built as arrays)."""
    twice = lambda v: v * 2.0 + 1.0
    chain = lax.pad(lax.slice(lax.transpose(a, (2, 0, 1)), (1, 0, 0), (4, 2, 3), (2, 1, 2)), lax.convert_element_type(-3, a.dtype), [(1, 0, 1), (0, -1, 0), (-1, 2, 0)])
    y = sq * 3.0
    return (
        twice(lax.transpose(a, (2, 0, 1))), twice(lax.rev(a, (0, 2))), twice(lax.slice(a, (0, 1, 0), (2, 3, 4), (2, 1, 3))),
        twice(lax.pad(a, lax.convert_element_type(7, a.dtype), [(1, 2, 0), (0, 0, 1), (-1, 2, 2)])),
        twice(lax.broadcast_in_dim(lax.slice(a, (0, 0, 0), (2, 1, 4)), (2, 3, 4), (0, 1, 2))),
        twice(lax.reshape(lax.slice(a, (0, 0, 0), (2, 1, 4)), (2, 4))), twice(lax.expand_dims(a[0], (1,))),
        twice(chain), lax.reduce_sum(chain, (0, 2)), lax.reduce_max(lax.rev(a, (1,)), (1,)),
        y + lax.transpose(y, (1, 0)), lax.reduce_sum(y * lax.rev(y, (0,)), (0,)),
    )


@SETTINGS
@given(st.sampled_from([np.float64, np.int32]).flatmap(lambda dt: st.tuples(arrays(dt, [(2, 3, 4)]), arrays(dt, [(3, 3)]))))
def test_shape_primitives_read_through_index_maps_match_eager(case):
    check_jit(viewed_ops, *case)


def test_index_maps_build_no_intermediate_arrays():
    # The Hessian of a chained function is slices, pads and a transpose around elementwise
    # work: all of it should be loops reading through index maps, no copies.
    f = lambda x: fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    source = ft.jit(ft.hessian(f)).lower(np.ones(6)).as_text()
    for copy in ("np.full", "ascontiguousarray", "np.transpose", "np.concatenate"):
        assert copy not in source


def arena_of(f, *args) -> tuple[str, int]:
    from functrans.backend import codegen, passes

    generated = codegen.generate(passes.optimize(ft.make_jaxpr(f)(*args)).jaxpr)
    return generated.source, generated.arena_size


def test_temporaries_share_arena_blocks_once_dead_and_views_keep_their_source_alive():
    def f(x):
        a = fnp.exp(x) * x  # dead after b, but b is a view of it and is used at the end
        b = lax.reshape(a @ x, (8, 2, 16))
        c = fnp.tanh(x @ x) + 1.0
        d = fnp.sin(c @ c) * 2.0
        e = fnp.cos(d @ d)
        return lax.reshape(b, (16, 16)).T.sum(axis=0) + e.sum(axis=0)

    x = np.linspace(-1.0, 1.0, 256).reshape(16, 16)
    source, size = arena_of(f, x)
    temporaries = source.count("np.float64, (")
    assert 16 * 16 * 8 * 3 <= size < temporaries * 16 * 16 * 8  # reused, yet the live ones apart
    check_jit(ft.jit(f), x)


@pytest.mark.parametrize("limit", [1.0, 10.0], ids=["no iteration: the result is the initial carry", "iterations"])
def test_loop_carries_that_start_as_temporaries_are_not_overwritten_by_later_ones(limit):
    def f(x):
        start = x * 2.0
        total = lax.while_loop(lambda c: c[0, 0] < limit, lambda c: c * 1.5, start)
        later = fnp.exp(x) + 3.0
        return total, later.sum()

    check_jit(ft.jit(f), np.full((32, 32), 1.25))


def big_loops(x, m):
    y = fnp.exp(-x * x) * 2.0 + x
    z = (m * 3.0 - 1.0).sum(axis=1)  # a reduction that keeps the outer axis: rows on threads
    return y, z, (m * m).sum(), m.T + 1.0, lax.reduce_max(x, (0,))  # a max: Numba cannot split it, so its loop stays serial


@pytest.mark.parametrize("threads", [None, 2], ids=["Numba's thread count", "two threads"])
def test_large_loops_on_threads_agree_with_one_thread(threads):
    from functrans.backend import loops

    x = np.linspace(-3.0, 3.0, loops.PARALLEL_MIN_SIZE)
    m = np.linspace(-1.0, 1.0, 2 * loops.PARALLEL_MIN_SIZE).reshape(512, -1)
    with ft.config.option(num_threads=1):
        serial = ft.jit(big_loops)(x, m)
        assert "prange" not in ft.jit(big_loops).lower(x, m).as_text()
    with ft.config.option(num_threads=threads):
        source = ft.jit(big_loops).lower(x, m).as_text()
        threaded = ft.jit(big_loops)(x, m)
    assert source.count("numba.prange(") == 1, source  # the matrix loop; the vector loop also takes the max
    for a, b in zip(threaded, serial):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_num_threads_must_be_a_positive_int_or_none():
    for bad in (0, -2, 1.5, "2"):
        with pytest.raises(ValueError, match="num_threads"):
            ft.config.num_threads = bad
    assert ft.config.num_threads == 1


def test_threads_calling_one_program_at_once_each_get_their_own_scratch_arena():
    import threading

    @ft.jit
    def f(x):
        a = fnp.tanh(x @ x)  # temporaries in the arena, and a nogil program: calls overlap
        return fnp.exp(-a @ a).sum(axis=0) + x[0]

    inputs = [np.full((64, 64), v / 100.0) for v in range(8)]
    expected = [f.__wrapped__(x) for x in inputs]
    f(inputs[0])
    results: dict[int, list] = {}

    def worker(k: int) -> None:
        results[k] = [f(inputs[(k + j) % 8]) for j in range(40)]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, got in results.items():
        for j, value in enumerate(got):
            np.testing.assert_allclose(value, expected[(k + j) % 8], rtol=1e-12)


# Steps of random programs over (3, 4) float64 values: elementwise math, broadcasts, reductions
# that keep their dimension, transposes, slices, pads, reversals and reshapes around them.
PROGRAM_STEPS = (
    lambda v, w: fnp.tanh(v) * w, lambda v, w: fnp.exp(-v * v) + w, lambda v, w: fnp.sin(v) - 2.0 * w,
    lambda v, w: v.sum(axis=0, keepdims=True) + w, lambda v, w: fnp.max(v, axis=1, keepdims=True) * w,
    lambda v, w: (v.T * 2.0).T - w, lambda v, w: fnp.pad(v[:, 1:], ((0, 0), (0, 1))) + w, lambda v, w: fnp.flip(v, 0) * w,
    lambda v, w: v.reshape(4, 3).reshape(3, 4) + w.reshape(12)[::-1].reshape(3, 4), lambda v, w: fnp.where(v > w, v, w * 0.5),
    lambda v, w: lax.broadcast_in_dim(v[1], (3, 4), (1,)) + lax.broadcast_in_dim(w[:, 2], (3, 4), (0,)),
)


def run_unfused(f, *args):
    """``f`` compiled with one loop per equation and every intermediate array built."""
    from functrans.backend import codegen, compiler, passes

    closed = passes.optimize(ft.make_jaxpr(f)(*args))
    generated = codegen.generate(closed.jaxpr, fuse=False)
    program = compiler.Compiled(closed, compiler._load(generated.source, generated.parallel), generated.source,
                                generated.hoisted, generated.arena_size)
    return program(compiler.prepare_args(args, closed.in_avals))


@pytest.mark.slow
@settings(max_examples=10, deadline=None)  # each example compiles two programs (~1 s cold)
@given(st.lists(st.tuples(st.integers(0, len(PROGRAM_STEPS) - 1), st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=8),
       arrays(np.float64, [(3, 4)], elements(np.float64, special=False)))
def test_fused_and_unfused_programs_agree(steps, x):
    def program(x):
        values = [x, x * 0.5 + 1.0]
        for k, i, j in steps:
            values.append(PROGRAM_STEPS[k](values[i % len(values)], values[j % len(values)]))
        return values[-1], values[-2].sum()

    fused = ft.jit(program)(x)
    unfused = run_unfused(program, x)
    eager = program(x)
    for a, b, c in zip(fused, unfused, eager):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(a, c, rtol=1e-9, atol=1e-9)  # NumPy's libm against the fast math


def test_a_training_step_allocates_nothing_but_its_outputs_once_compiled():
    from numba.core.runtime import _nrt_python as nrt

    rng = np.random.default_rng(0)
    params = [(rng.normal(0, 0.1, (a, b)), np.zeros(b)) for a, b in ((12, 8), (8, 8), (8, 3))]
    x, y = rng.normal(size=(5, 12)), np.eye(3)[[0, 2, 1, 1, 0]]

    def loss(params, x, y):
        (w1, b1), (w2, b2), (w3, b3) = params
        h = fnp.tanh(fnp.tanh(x @ w1 + b1) @ w2 + b2)
        return -fnp.sum(y * ft.nn.log_softmax(h @ w3 + b3)) / x.shape[0]

    @ft.jit
    def step(params, x, y):
        value, grads = ft.value_and_grad(loss)(params, x, y)
        return value, ft.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)

    step(params, x, y)
    enabled = nrt.memsys_stats_enabled()
    nrt.memsys_enable_stats()
    try:
        before = nrt.memsys_get_stats_alloc()
        step(params, x, y)
        allocations = nrt.memsys_get_stats_alloc() - before
    finally:
        if not enabled:
            nrt.memsys_disable_stats()
    # Numba wraps each array argument (arena, 8 inputs, 7 outputs) once; temporaries,
    # accumulators and products live in the arena.
    assert allocations == 1 + 8 + 7


def test_pad_with_interior_and_negative_edges_matches_a_python_construction():
    x = np.arange(1.0, 5.0)
    padded = ft.jit(lambda x: lax.pad(x, -1.0, [(-1, 2, 1)]))(x)
    interior = [1.0, -1.0, 2.0, -1.0, 3.0, -1.0, 4.0]  # one pad value between neighbours
    np.testing.assert_array_equal(padded, (interior + [-1.0, -1.0])[1:])


@ft.jit
def scalar_shape_ops(a):
    return (lax.reshape(a, (1, 1)), lax.transpose(a, ()), lax.rev(a, ()), lax.slice(a, (), ()), lax.pad(a, 0.0, []),
            lax.broadcast_in_dim(a, (2, 3), ()), lax.squeeze(lax.reshape(a, (1,)), (0,)), lax.expand_dims(a, (0,)),
            lax.concatenate([lax.reshape(a, (1,)), lax.reshape(a, (1,))], 0), lax.dynamic_slice(a, (), ()),
            lax.dynamic_update_slice(a, a * 2.0, ()))


@pytest.mark.parametrize("x", [np.array(1.5), np.float64(-2.0), 3.25], ids=["0-d array", "NumPy scalar", "Python float"])
def test_shape_primitives_on_zero_dimensional_values_stay_zero_dimensional(x):
    check_jit(scalar_shape_ops, x)


@ft.jit
def iotas(x):
    return (lax.iota(np.int32, 5), lax.iota(np.float32, 4), lax.broadcasted_iota(np.int64, (2, 3), 1),
            x + lax.broadcasted_iota(np.float64, (2, 3), 0) * lax.broadcasted_iota(np.float64, (2, 3), 1))


def test_iota_counts_along_its_dimension_fused_or_not():
    x = np.ones((2, 3))
    ints, floats, columns, fused = iotas(x)
    assert_same((ints, floats, columns), (np.arange(5, dtype=np.int32), np.arange(4, dtype=np.float32), np.tile(np.arange(3), (2, 1))))
    np.testing.assert_array_equal(fused, 1 + np.outer(np.arange(2.0), np.arange(3.0)))


# --------------------------------------------------------------------------- reductions

REDUCERS = (lax.reduce_sum, lax.reduce_prod, lax.reduce_max, lax.reduce_min)
ALL_AXES = [axes for r in range(1, 4) for axes in itertools.combinations(range(3), r)]


@ft.jit
def reductions(x):
    return tuple(reduce(x, axes) for axes in ALL_AXES for reduce in REDUCERS)


@ft.jit
def bool_reductions(x):
    return tuple(reduce(x, axes) for axes in ALL_AXES for reduce in (lax.reduce_max, lax.reduce_min))


def _numpy_reductions(x: np.ndarray) -> tuple:
    ops = (np.sum, np.prod, np.max, np.min)
    with np.errstate(all="ignore"):
        return tuple(np.asarray(op(x, axis=axes)).astype(x.dtype) for axes in ALL_AXES for op in ops)


FLOAT_REDUCTION_VALUES = st.one_of(DYADIC, st.sampled_from([np.nan, np.inf, -np.inf]))


@SETTINGS
@given(st.sampled_from([np.float64, np.float32]).flatmap(lambda dt: arrays(dt, [(2, 3, 4)], FLOAT_REDUCTION_VALUES))
       | arrays(np.uint8, [(2, 3, 4)]))
def test_reductions_over_every_axis_subset_match_numpy_and_propagate_nan(x):
    got = check_jit(reductions, x)
    for g, e in zip(got, _numpy_reductions(x)):  # independent reference (NumPy's max/min propagate NaN)
        np.testing.assert_allclose(g, e, rtol=1e-5 if x.dtype == np.float32 else 1e-12, equal_nan=True)


@SETTINGS
@given(arrays(np.bool_, [(2, 3, 4)]))
def test_boolean_max_and_min_are_any_and_all(x):
    got = check_jit(bool_reductions, x)
    expected = tuple(f(x, axis=axes) for axes in ALL_AXES for f in (np.any, np.all))
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


@ft.jit
def arg_and_cumulative(x):
    args = tuple(f(x, axis) for axis in range(2) for f in (lax.argmax, lax.argmin)) + (lax.argmax(x, 1, np.int32),)
    cumulative = tuple(f(x, axis, reverse) for axis in range(2) for reverse in (False, True) for f in (lax.cumsum, lax.cumprod, lax.cummax, lax.cummin))
    return args, cumulative


def _first_index(x: np.ndarray, axis: int, better: Callable) -> np.ndarray:
    """A Python loop: the first NaN if any, else the first position of the extremum."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape[:-1], np.int64)
    for idx in np.ndindex(out.shape):
        row = moved[idx].tolist()
        nans = [i for i, v in enumerate(row) if v != v]
        out[idx] = nans[0] if nans else min(range(len(row)), key=lambda i: (better(row[i]), i))
    return out


@SETTINGS
@given(arrays(np.float64, [(3, 4)], st.sampled_from([0.0, 1.0, 2.0, -1.0, np.nan, np.inf])) | arrays(np.int32, [(3, 4)], st.integers(-2, 2)))
def test_argmax_argmin_take_the_first_extremum_or_nan_and_cumulatives_match_numpy(x):
    args, cumulative = check_jit(arg_and_cumulative, x)
    for axis in range(2):
        np.testing.assert_array_equal(args[2 * axis], _first_index(x, axis, lambda v: -v))
        np.testing.assert_array_equal(args[2 * axis + 1], _first_index(x, axis, lambda v: v))
    flip = lambda f: lambda a, axis: np.flip(f(np.flip(a, axis), axis=axis), axis)
    numpy_ops = (np.cumsum, np.cumprod, np.maximum.accumulate, np.minimum.accumulate)
    with np.errstate(invalid="ignore"):
        expected = [(flip(op) if reverse else (lambda a, axis, op=op: op(a, axis=axis)))(x, axis) for axis in range(2) for reverse in (False, True) for op in numpy_ops]
    for g, e in zip(cumulative, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, equal_nan=True)


@ft.jit
def numpy_reductions(x):
    return (fnp.sum(x), fnp.sum(x, axis=0, keepdims=True), fnp.mean(x, axis=-1), fnp.prod(x, axis=(0, 1)), fnp.max(x, axis=1),
            fnp.min(x, 0), fnp.amax(x, axis=1, keepdims=True), fnp.amin(x), fnp.argmax(x, axis=1), fnp.argmin(x),
            fnp.cumsum(x), fnp.cumprod(x, axis=0), fnp.var(x, axis=0, ddof=1), fnp.std(x, axis=1, keepdims=True),
            fnp.all(x > 0, axis=0), fnp.any(x > 1), x - fnp.mean(x), fnp.sum(fnp.broadcast_to(fnp.sum(x), x.shape)))


@SETTINGS
@given(arrays(np.float64, [(3, 4)], DYADIC) | arrays(np.int32, [(3, 4)], st.integers(-9, 9)))
def test_numpy_reductions_match_eager_including_a_value_used_after_its_own_reduction(x):
    check_jit(numpy_reductions, x)


def test_reductions_of_empty_axes_give_the_identity():
    x = np.zeros((0, 3))
    total, product, running = ft.jit(lambda x: (fnp.sum(x, axis=0), fnp.prod(x, axis=0), fnp.cumsum(x, axis=0)))(x)
    assert_same((total, product, running), (np.zeros(3), np.ones(3), np.zeros((0, 3))))


# --------------------------------------------------------------------------- dot_general

# (dimension numbers, the same contraction as an einsum) on operands a (3, 4), b (4, 5),
# p (2, 3, 4), q (2, 4, 5) and v (4,).
DOTS = (
    ("a", "b", (((1,), (0,)), ((), ())), "ij,jk->ik"),
    ("a", "a", (((1,), (1,)), ((), ())), "ij,kj->ik"),
    ("b", "a", (((0,), (1,)), ((), ())), "jk,ij->ki"),
    ("v", "v", (((), ()), ((), ())), "i,j->ij"),
    ("a", "v", (((1,), (0,)), ((), ())), "ij,j->i"),
    ("v", "v", (((0,), (0,)), ((), ())), "i,i->"),
    ("p", "q", (((2,), (1,)), ((0,), (0,))), "bij,bjk->bik"),
    ("q", "p", (((1,), (2,)), ((0,), (0,))), "bjk,bij->bki"),
    ("p", "p", (((0, 2), (0, 2)), ((), ())), "bij,bkj->ik"),
    ("p", "b", (((2,), (0,)), ((), ())), "bij,jk->bik"),
)


@ft.jit
def dots(operands):
    return tuple(lax.dot_general(operands[x], operands[y], dims) for x, y, dims, _ in DOTS)


@SETTINGS
@given(st.sampled_from([np.float64, np.float32, np.int32]), st.data())
def test_dot_general_matches_einsum_for_matmul_batched_integer_and_float32(dtype, data):
    values = DYADIC if np.dtype(dtype).kind == "f" else st.integers(-3, 3)  # exact, so any order of summation agrees
    shapes = {"a": (3, 4), "b": (4, 5), "p": (2, 3, 4), "q": (2, 4, 5), "v": (4,)}
    operands = {name: data.draw(arrays(dtype, [shape], values), label=name) for name, shape in shapes.items()}
    got = check_jit(dots, operands)
    for g, (x, y, _, spec) in zip(got, DOTS):
        np.testing.assert_array_equal(g, np.einsum(spec, operands[x], operands[y]).astype(dtype))


# --------------------------------------------------------------------------- indexing

SCATTER_KINDS = ("set", "add", "mul", "min", "max")


@ft.jit
def gathers_and_scatters(operand, indices, updates):
    outs = []
    for mode in ("clip", "drop"):
        outs += [lax_indexing.gather(operand, indices, 0, mode), lax_indexing.gather(operand, indices[:, :1], 0, mode)]
        outs += [lax_indexing.scatter(operand, indices, updates, kind, 0, mode) for kind in SCATTER_KINDS]
    # One batch axis: each row of the operand indexed by its own row of indices.
    outs.append(lax_indexing.gather(operand, lax.reshape(indices[:, :1], (3, 1, 1)), 1, "clip"))
    return tuple(outs)


@SETTINGS
@given(arrays(np.float64, [(3, 4, 2)]) | arrays(np.int32, [(3, 4, 2)], st.integers(-50, 50)),
       arrays(np.int64, [(3, 2)], st.integers(-6, 6)))
def test_gather_clamps_or_zeroes_and_scatter_clamps_or_drops_out_of_range_indices(operand, indices):
    updates = (np.arange(6).reshape(3, 2) - 2).astype(operand.dtype)
    got = check_jit(gathers_and_scatters, operand, indices, updates)
    # Independent check of the two modes on reads, with a Python loop.
    clipped = [operand[min(max(i, 0), 2), min(max(j, 0), 3)] for i, j in indices.tolist()]
    dropped = [operand[i, j] if 0 <= i < 3 and 0 <= j < 4 else np.zeros(2, operand.dtype) for i, j in indices.tolist()]
    np.testing.assert_array_equal(got[0], clipped)
    np.testing.assert_array_equal(got[7], dropped)


def test_scatter_add_accumulates_repeated_indices_and_drops_out_of_range_ones():
    added = ft.jit(lambda o, i, u: lax_indexing.scatter(o, i, u, "add", 0, "drop"))(np.zeros(4), np.array([[1], [1], [9], [-1], [3]]), np.arange(1.0, 6.0))
    np.testing.assert_array_equal(added, [0.0, 1.0 + 2.0, 0.0, 5.0])


@ft.jit
def dynamic_slices(x, start):
    return (lax.dynamic_slice(x, (start, start, 0), (2, 3, 1)), lax.dynamic_update_slice(x, x[:2, :2, :2] * 10, (start, start - 1, start + 5)),
            lax.dynamic_slice(x, (start, 0, 0), (4, 5, 3)))


@SETTINGS
@given(arrays(np.float64, [(4, 5, 3)], elements(np.float64, special=False)), st.integers(-10, 10), st.sampled_from([np.int32, np.int64]))
def test_dynamic_slices_clamp_their_starts_so_the_window_fits(x, start, index_dtype):
    sliced, updated, whole = check_jit(dynamic_slices, x, index_dtype(start))
    clamp = lambda s, d, n: min(max(s + d if s < 0 else s, 0), d - n)  # negative starts count from the end first
    a, b = clamp(start, 4, 2), clamp(start, 5, 3)
    np.testing.assert_array_equal(sliced, x[a : a + 2, b : b + 3, :1])
    expected = x.copy()
    a, b, c = clamp(start, 4, 2), clamp(start - 1, 5, 2), clamp(start + 5, 3, 2)
    expected[a : a + 2, b : b + 2, c : c + 2] = x[:2, :2, :2] * 10
    np.testing.assert_array_equal(updated, expected)
    np.testing.assert_array_equal(whole, x)


@ft.jit
def numpy_indexing(a, i, j, u):
    g = fnp.getitem  # a[i] on a tracer
    at = fnp.at(a)  # a.at on a tracer
    return (
        g(a, i), g(a, (slice(None), i)), g(a, (i, slice(None), 1)), g(a, (i, i)), g(a, j),
        fnp.take(a, i, axis=1), fnp.take_along_axis(a, fnp.reshape(i[:4], (4, 1, 1)), axis=0),
        at[i].set(5), at[i].add(u[:, None, None]), at[:, i, 1].set(u), at[i, 0, 0].mul(3),
    )


def _wrapped_and_clamped(i: np.ndarray, n: int) -> np.ndarray:
    return np.clip(np.where(i < 0, i + n, i), 0, n - 1)


@SETTINGS
@given(arrays(np.float64, [(4, 5, 3)], elements(np.float64, special=False)),  # other dtypes: in the gather/scatter test
       arrays(np.int64, [(6,)], st.integers(-9, 9)), arrays(np.int32, [(2, 2)], st.integers(-7, 7)))
def test_numpy_indexing_clamps_reads_and_drops_writes_out_of_range(a, i, j):
    u = np.ones(6, a.dtype)
    got = check_jit(numpy_indexing, a, i, j, u)
    np.testing.assert_array_equal(got[0], a[_wrapped_and_clamped(i, 4)])  # NumPy with explicit clamping
    in_range = (i >= -4) & (i < 4)
    expected_set = a.copy()
    expected_set[i[in_range]] = 5
    np.testing.assert_array_equal(got[7], expected_set)


# --------------------------------------------------------------------------- the numpy layer

NUMPY_UNARY = (
    "abs", "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "ceil", "cos", "cosh", "exp",
    "exp2", "expm1", "floor", "isfinite", "isinf", "isnan", "log", "log10", "log1p", "log2", "negative", "positive",
    "reciprocal", "round", "around", "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh", "logical_not",
)
NUMPY_BINARY = (
    "add", "arctan2", "divide", "equal", "floor_divide", "greater", "greater_equal", "hypot", "less", "less_equal",
    "logaddexp", "logical_and", "logical_or", "logical_xor", "maximum", "minimum", "mod", "remainder", "multiply",
    "not_equal", "power", "subtract", "true_divide",
)


@ft.jit
def numpy_unary(x):
    return tuple(getattr(fnp, name)(x) for name in NUMPY_UNARY)


@ft.jit
def numpy_binary(x, y):
    return tuple(getattr(fnp, name)(x, y) for name in NUMPY_BINARY)


@SETTINGS
@given(st.sampled_from([np.float64, np.float32]).flatmap(lambda dt: arrays(dt, [(), (3, 4)])))
def test_numpy_ufuncs_match_eager(x):
    check_jit(numpy_unary, x)


@SETTINGS
@given(arrays(np.float64, [(3, 4)]), st.sampled_from([np.arange(4, dtype=np.float32) - 1.5, np.arange(4, dtype=np.int32) - 1, 3, 2.5]))
def test_numpy_binary_functions_broadcast_and_promote_as_eager(x, y):
    check_jit(numpy_binary, x, y)


@ft.jit
def numpy_shapes(a, v):
    return (
        fnp.reshape(a, (4, 3)), fnp.reshape(a, -1), fnp.ravel(a), fnp.transpose(a), fnp.swapaxes(a, 0, 1),
        fnp.moveaxis(a[None], 0, 2), fnp.expand_dims(a, 1), fnp.squeeze(a[:, None]), fnp.broadcast_to(v, (3, 4)),
        fnp.concatenate([a, a]), fnp.stack([a, a], axis=1), fnp.hstack([v, v]), fnp.vstack([v, v]), fnp.flip(a),
        fnp.flip(a, 1), fnp.fliplr(a), fnp.flipud(a), fnp.roll(a, 2), fnp.roll(a, -1, axis=1), fnp.tile(v, 2),
        fnp.tile(a, (2, 1)), fnp.repeat(a, 2, axis=0), fnp.repeat(v, 3), fnp.atleast_1d(v), fnp.atleast_2d(v),
        *fnp.split(a, 2, axis=1), fnp.pad(a, 1), fnp.pad(a, ((0, 1), (2, 0)), constant_values=-1.0), fnp.tril(a),
        fnp.triu(a, 1), fnp.diag(a), fnp.diag(v), fnp.diagonal(a, 1), fnp.trace(a), fnp.where(a > 0, a, v),
        fnp.clip(a, -1, 1), fnp.clip(a, v, 2.0), *fnp.broadcast_arrays(a, v),
        a.astype(np.int32), a.astype(np.bool_), fnp.astype(a, np.float32), a.T, a.sum(), a.mean(axis=0), a.round(),
    )


@ft.jit
def numpy_products(a, v, s):
    spd = s @ s.T + 3 * fnp.eye(3)
    return (
        fnp.dot(a, v), fnp.matmul(s, a), fnp.vdot(v, v), fnp.inner(v, v), fnp.outer(v, a[0]), fnp.tensordot(a, a, axes=([0], [0])),
        fnp.einsum("ij,j->i", a, v), fnp.einsum("ij,kj->ik", a, a), a @ v, s @ s, fnp.linalg.solve(spd, v[:3]), fnp.linalg.inv(spd),
        fnp.linalg.cholesky(spd), fnp.linalg.det(s), *fnp.linalg.slogdet(s), fnp.linalg.norm(v), fnp.linalg.norm(s, axis=0),
    )


@ft.jit
def numpy_creation(a):
    return (fnp.zeros((2, 3)), fnp.ones(3, np.int32), fnp.full((2,), 7.5), fnp.arange(5), fnp.arange(1, 7, 2.0),
            fnp.linspace(0, 1, 5), fnp.eye(3, 4, 1), fnp.identity(2), fnp.array([1, 2, 3]), fnp.zeros_like(a),
            fnp.ones_like(a), fnp.full_like(a, 2, dtype=np.int32), fnp.asarray(a) * 2)


@pytest.mark.slow
@SETTINGS
@given(arrays(np.float64, [(3, 4)], elements(np.float64, special=False)), arrays(np.float64, [(4,)], elements(np.float64, special=False)),
       arrays(np.float64, [(3, 3)], elements(np.float64, special=False)))
def test_numpy_shape_product_linalg_and_creation_functions_match_eager(a, v, s):
    s = s / 3  # entries in [-2, 2]: determinants stay well above the rounding of their LU factors
    check_jit(numpy_shapes, a, v)
    check_jit(numpy_products, a, v, s)
    check_jit(numpy_creation, a)




def test_every_core_numpy_function_is_exercised_under_jit():
    jitted = (numpy_unary, numpy_binary, numpy_integer_ops, numpy_shapes, numpy_products, numpy_creation, numpy_reductions, numpy_indexing)
    called = set(NUMPY_UNARY) | set(NUMPY_BINARY)
    for fn in jitted:
        called |= set(fn.__wrapped__.__code__.co_names)  # the attributes it reads: fnp.<name>
    about_shapes_not_values = {"shape", "ndim", "size", "result_type", "broadcast_shapes"}
    jitted_in_test_sort = {"sort", "argsort"}
    assert CORE_NUMPY <= set(vars(fnp))
    assert CORE_NUMPY - about_shapes_not_values - jitted_in_test_sort - called == set()


def test_every_primitive_with_a_lowering_is_exercised_under_jit():
    x, m, v = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
    u = np.ones((2, 3), np.uint32)
    samples = [
        (float_unary_ops, x), (float_binary_ops, x, x), (gamma_family, x), (int_ops, u, u), (bool_ops, x > 0, x > 0),
        (selects, x > 0, u.astype(np.int32), x, x, x), (conversions, x, x), (lax.shift_left, u, u), (lax.shift_right_logical, u, u),
        (shape_ops, np.ones((2, 3, 4))), (scalar_shape_ops, 1.0), (iotas, x), (reductions, np.ones((2, 3, 4))),
        (arg_and_cumulative, m), (dots, {"a": m, "b": np.ones((4, 5)), "p": np.ones((2, 3, 4)), "q": np.ones((2, 4, 5)), "v": v}),
        (gathers_and_scatters, np.ones((3, 4, 2)), np.zeros((3, 2), np.int64), np.ones((3, 2))), (dynamic_slices, np.ones((4, 5, 3)), 1),
        (numpy_products, m, v, np.eye(3)),
    ]
    exercised = {e.primitive.name for fn, *args in samples for e in ft.make_jaxpr(getattr(fn, "__wrapped__", fn))(*args).jaxpr.eqns}
    # The families this file tests; the others have jit tests of their own.
    families = (lax_elementwise, lax_shape, lax_reduction, lax_dot, lax_indexing)
    lowered = {v.name for m in families for v in vars(m).values() if isinstance(v, Primitive) and v.kind is not None}
    # test_sort, test_lax_scans; the complex parts in test_complex
    elsewhere = {"sort", "argsort", "reduce_and", "reduce_or", "reduce_xor", "real", "imag", "complex", "conj"}
    assert lowered - elsewhere - exercised == set()


# --------------------------------------------------------------------------- composition with the transformations


def loss(x):
    return fnp.sum(fnp.sin(x) * x**2) + fnp.max(x) + fnp.sum(x[::-1] * x)


X = np.array([0.3, -1.2, 2.0, 0.7, -0.4])


def test_jit_of_grad_and_grad_of_jit_equal_grad_and_the_closed_form():
    closed_form = np.cos(X) * X**2 + 2 * X * np.sin(X) + (X == X.max()) + 2 * X[::-1]
    np.testing.assert_allclose(ft.grad(loss)(X), closed_form, rtol=1e-12)
    assert_same(ft.jit(ft.grad(loss))(X), ft.grad(loss)(X))
    assert_same(ft.grad(ft.jit(loss))(X), ft.grad(loss)(X))


def test_jit_of_vmap_and_vmap_of_jit_equal_a_python_loop():
    per_row = lambda x: fnp.sin(x) * fnp.cos(x[::-1]) + fnp.sum(x)
    xs = np.arange(15.0).reshape(3, 5) / 7
    loop = np.stack([per_row(x) for x in xs])
    assert_same(ft.jit(ft.vmap(per_row))(xs), loop)
    assert_same(ft.vmap(ft.jit(per_row))(xs), loop)
    assert_same(ft.vmap(ft.jit(per_row), in_axes=1)(xs.T), loop)


def test_jvp_of_jit_equals_jvp():
    tangent = np.linspace(-1, 1, 5)
    assert_same(ft.jvp(ft.jit(loss), (X,), (tangent,)), ft.jvp(loss, (X,), (tangent,)))


def test_hessian_of_jit_and_jit_of_hessian_equal_hessian_and_finite_differences():
    expected = ft.hessian(loss)(X)
    assert_same(ft.hessian(ft.jit(loss))(X), expected)
    assert_same(ft.jit(ft.hessian(loss))(X), expected)
    eps = 1e-5
    grad = ft.grad(loss)
    finite_differences = np.stack([(grad(X + eps * e) - grad(X - eps * e)) / (2 * eps) for e in np.eye(5)])
    np.testing.assert_allclose(expected, finite_differences, atol=1e-6)


inner_step = ft.jit(lambda y: fnp.exp(y) + 1.0)
outer_step = ft.jit(lambda y: inner_step(y) * 2.0)


def test_nested_jit_stays_a_jit_equation_in_the_jaxpr_but_is_inlined_into_one_compiled_loop():
    np.testing.assert_allclose(outer_step(X), (np.exp(X) + 1) * 2, rtol=1e-14)
    jaxpr_text = str(ft.make_jaxpr(outer_step)(X))
    assert jaxpr_text.count("jit[") == 2  # the outer call, and inside it the inner one
    source = outer_step.lower(X).as_text()
    body = source[source.index("def program"):]
    assert "jit" not in body.replace("# ", "") and body.count("for ") == 1  # inlined and fused: one loop


def test_grad_through_a_jit_closing_over_the_differentiated_value():
    assert ft.grad(lambda x: ft.jit(lambda y: x * y)(2.0))(3.0) == 2.0
    np.testing.assert_allclose(ft.grad(lambda x: ft.jit(lambda y: fnp.sin(x) * y)(2.0))(3.0), 2 * np.cos(3.0), rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(lambda x: ft.jit(lambda y: x * y)(2.0))(np.arange(3.0)), [0.0, 2.0, 4.0])
    np.testing.assert_allclose(ft.jit(lambda x: ft.jit(lambda y: x * y)(2.0))(np.arange(3.0)), [0.0, 2.0, 4.0])


def test_pytree_arguments_and_results_keep_their_structure():
    f = ft.jit(lambda params, batch: {"loss": fnp.sum(params["w"] * batch[0]) + batch[1], "grads": (params["w"] * 2, None), "n": [batch[0]]})
    params, batch = {"w": np.arange(3.0)}, (np.ones(3), 0.5)
    out = f(params, batch)
    assert set(out) == {"loss", "grads", "n"} and out["grads"][1] is None and isinstance(out["n"], list)
    assert_same(out, f.__wrapped__(params, batch))


def test_keyword_arguments_and_defaults_are_traced_like_positional_ones():
    f = ft.jit(lambda x, y=1.0, *, z: x * y + z)
    np.testing.assert_allclose(f(X, y=2.0, z=1.0), X * 2 + 1)
    np.testing.assert_allclose(f(X, z=3.0), X + 3)
    np.testing.assert_allclose(f(X, 2.0, z=np.ones(5)), X * 2 + 1)


def test_static_argnums_and_argnames_specialise_on_the_value():
    power = ft.jit(lambda x, n: x**n if n > 1 else -x, static_argnums=1)
    np.testing.assert_allclose(power(X, 3), X**3)
    np.testing.assert_allclose(power(X, 1), -X)
    assert power.trace_count == 2
    scale = ft.jit(lambda x, mode="double": x * 2 if mode == "double" else x, static_argnames="mode")
    np.testing.assert_allclose(scale(X, mode="double"), 2 * X)
    np.testing.assert_allclose(scale(X, mode="same"), X)
    np.testing.assert_allclose(scale(X, "double"), 2 * X)  # the same static argument, given by position


def test_unhashable_static_argument_raises_type_error_saying_to_use_a_tuple():
    f = ft.jit(lambda x, shape: fnp.reshape(x, shape), static_argnums=1)
    with pytest.raises(TypeError, match="unhashable.*list.*tuple"):
        f(np.arange(6.0), [2, 3])
    assert f(np.arange(6.0), (2, 3)).shape == (2, 3)


def test_python_scalars_are_weakly_typed_and_keep_the_array_dtype():
    f = ft.jit(lambda x, s: x * s + 1)
    assert f(np.ones(3, np.float32), 2.0).dtype == np.float32
    assert f(np.ones(3, np.int32), 2).dtype == np.int32
    assert f(np.ones(3, np.int32), 2.5).dtype == np.float64  # NumPy 2: int32 array * Python float
    assert f(np.float32(1.5), 2.0).dtype == np.float32
    assert f(2.0, 3).dtype == np.float64


def test_outputs_are_fresh_numpy_arrays_even_when_returning_an_input():
    x = np.arange(3.0)
    identity = ft.jit(lambda a: a)
    for _ in range(2):  # the first call, and the fast path of the later ones
        y = identity(x)
        assert type(y) is np.ndarray and y is not x
        y[0] = 100.0
        assert x[0] == 0.0
    scalar = ft.jit(lambda a: a.sum())(x)
    assert type(scalar) is np.ndarray and scalar.shape == ()


# --------------------------------------------------------------------------- caching


def test_second_call_with_the_same_signature_does_not_retrace_and_a_new_shape_retraces_once():
    f = ft.jit(lambda x, s: fnp.tanh(x) * s)
    f(np.ones(3), 2.0)
    f(np.zeros(3), 5.0)
    f(np.ones(6)[::2], 1.0)  # another layout of the same shape
    assert f.trace_count == 1
    f(np.ones(4), 2.0)
    f(np.ones(4), 3.0)
    assert f.trace_count == 2
    f(np.ones(4, np.float32), 2.0)
    assert f.trace_count == 3


def test_explain_cache_misses_logs_why_jit_traced_again(caplog):
    f = ft.jit(lambda x, s: x * s)
    with ft.config.option(explain_cache_misses=True), caplog.at_level(logging.WARNING, logger="functrans.jit"):
        f(np.ones(3), 2.0)
        f(np.ones(3), 4.0)
        f(np.ones(4), 2.0)
        f(np.ones(4), 2)
    messages = [r.getMessage() for r in caplog.records if r.name == "functrans.jit"]
    assert len(messages) == 3, messages
    assert "first time" in messages[0]
    assert "float64[3]" in messages[1] and "float64[4]" in messages[1]
    assert "Python float" in messages[2] and "Python int" in messages[2]


# --------------------------------------------------------------------------- errors


def test_python_control_flow_on_a_traced_value_names_the_argument_and_static_argnums():
    with pytest.raises(ConcretizationError, match="'threshold'.*static_argnums") as info:
        ft.jit(lambda x, threshold: x if threshold > 0 else -x)(X, 1.0)
    assert "lax.cond" in str(info.value)


def test_debug_nans_names_the_first_primitive_that_produced_a_nan():
    with ft.config.option(debug_nans=True), np.errstate(invalid="ignore"):  # the op-by-op re-run warns too
        with pytest.raises(NaNError, match="'log'"):
            ft.jit(lambda x: fnp.log(x) * 2.0)(np.array([1.0, -1.0]))
        with pytest.raises(NaNError, match="'sqrt'"):
            ft.jit(lambda x: ft.jit(lambda y: fnp.sqrt(fnp.exp(y) - 3.0))(x) + 1.0)(np.array([0.0, 2.0]))
        np.testing.assert_allclose(ft.jit(lambda x: fnp.log(x))(np.array([1.0, 2.0])), np.log([1.0, 2.0]))


@pytest.mark.slow
def test_a_failure_inside_numba_is_a_compilation_error_naming_the_equation(broken_primitive):
    with pytest.raises(CompilationError, match="broken_for_test") as info:
        ft.jit(lambda x: broken_primitive.bind(fnp.sin(x)) * 2.0)(X)
    assert "np.linalg.inv" in str(info.value)  # the generated line


# --------------------------------------------------------------------------- generated source


def test_an_elementwise_chain_is_one_loop_with_a_comment_per_equation():
    chain = ft.jit(lambda x, y: fnp.tanh(fnp.exp(x) * y + 1.0) - fnp.sin(y) / 2.0)
    x = np.ones((3, 4))
    jaxpr = ft.make_jaxpr(chain.__wrapped__)(x, x)
    # The loop, then (for sin's huge arguments, see test_reliability_math) its exact rerun.
    source, _, rerun = chain.lower(x, x).as_text().partition("    if beyond")
    assert source.count("for ") == 1 and rerun.count("for ") == (0 if ft.config.precise_math else 1)
    # Broadcasts of scalars are read as scalars in the loop (never built), so they leave no line.
    computing = [e.primitive.name for e in jaxpr.jaxpr.eqns if e.primitive.name != "broadcast_in_dim"]
    # (The comments opening the function describe its arguments; equations' comments have " = ".)
    comments = [line.strip() for line in source.splitlines() if line.strip().startswith("# ") and " = " in line]
    assert [c.split("= ")[1].split()[0] for c in comments] == computing


def test_a_reduction_is_fused_into_the_loop_that_computes_its_operand():
    source = ft.jit(lambda x: fnp.sum(fnp.exp(x) * 2.0)).lower(np.ones((3, 4))).as_text()
    assert source.count("for ") == 1
