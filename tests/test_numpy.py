"""functrans.numpy against NumPy itself.

Every function listed in API.md runs on hypothesis-drawn shapes, axes, keepdims,
dtypes and broadcasting combinations, and must give NumPy's values, result dtype
and shape (NumPy 2 promotion: Python scalars are weak, ``float32_array * 2.0``
stays float32). Each case runs twice: eagerly, and by evaluating the jaxpr that
``make_jaxpr`` traces (``eval_jaxpr(closed.jaxpr, closed.consts, leaves)`` must
equal the eager result). Then indexing on read, ``x.at[...]`` updates, ``take``,
``take_along_axis``, and traced values behaving like arrays inside ``make_jaxpr``.

One deliberate difference from NumPy, checked as such: where NumPy gives float16
for booleans (``np.sin(bool_array)``), functrans gives float64, its default float.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.ir import eval_jaxpr, typecheck_jaxpr
from functrans.tree_util import tree_leaves

SETTINGS = settings(max_examples=25, deadline=None)
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_]
NUMERIC = [np.float32, np.float64, np.int32, np.int64]
FLOATS = [np.float32, np.float64]
ERRORS = (IndexError, ValueError, TypeError)
# NumPy warns on the edge cases drawn here (empty means, log of negatives); the values are compared.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# --------------------------------------------------------------------------- comparing


def assert_same(got: Any, want: Any, exact: bool = False) -> None:
    """Same shape, same dtype, same values (NaNs equal; floats to a few ulps unless ``exact``)."""
    assert isinstance(got, (np.ndarray, np.generic)), f"result is a {type(got).__name__}, not a NumPy array"
    got, want = np.asarray(got), np.asarray(want)
    assert (got.shape, got.dtype) == (want.shape, want.dtype), f"got {got.dtype}{got.shape}, NumPy gives {want.dtype}{want.shape}"
    if got.dtype.kind == "f" and not exact:
        tol = 1e-5 if got.dtype == np.float32 else 1e-12
        scale = max(1.0, float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def traced_outputs(fn: Callable, *args: Any) -> list:
    """``fn``'s outputs computed by staging it with make_jaxpr and evaluating the jaxpr."""
    closed = ft.make_jaxpr(fn)(*args)
    typecheck_jaxpr(closed.jaxpr)
    with np.errstate(all="ignore"):
        outs = eval_jaxpr(closed.jaxpr, closed.consts, tree_leaves(args))
    # An output that is an input comes back as given, which may be a Python scalar.
    return [np.asarray(o) if type(o) in (bool, int, float) else o for o in outs]


def check(fn: Callable, ref: Callable, *args: Any) -> None:
    """``fn(*args)`` equals NumPy's ``ref(*args)``, eagerly and through its jaxpr; where NumPy
    raises, functrans raises the same kind of error both ways."""
    try:
        with np.errstate(all="ignore"):
            want = ref(*args)
    except ERRORS as e:
        kind = next(k for k in ERRORS if isinstance(e, k))
        with pytest.raises(kind):
            fn(*args)
        with pytest.raises(kind):
            ft.make_jaxpr(fn)(*args)
        return
    with np.errstate(all="ignore"):
        got = fn(*args)
    got_leaves, want_leaves = tree_leaves(got), tree_leaves(want)
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        assert_same(g, w)
    for t, g in zip(traced_outputs(fn, *args), got_leaves, strict=True):
        assert_same(t, g, exact=True)


def bool_as_float64(ref: Callable) -> Callable:
    """NumPy's function, except that where NumPy gives float16 (for booleans), booleans are
    first made float64: functrans gives its default float there."""

    def as_float(a):
        if type(a) is bool:
            return float(a)  # stays a weak Python scalar
        return a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.bool_ else a

    def fn(*args, **kwargs):
        out = ref(*args, **kwargs)
        return ref(*map(as_float, args), **kwargs) if np.asarray(out).dtype == np.float16 else out

    return fn


# --------------------------------------------------------------------------- strategies


def elements(dtype: Any, lo: float = -10, hi: float = 10) -> st.SearchStrategy:
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, width=8 * dtype.itemsize, allow_subnormal=False)


def arrays(dtype: Any, shape: Any, **bounds) -> st.SearchStrategy:
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, **bounds))


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
shapes_with_empty = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
python_scalars = st.one_of(st.floats(-10, 10, allow_subnormal=False), st.integers(-10, 10), st.booleans())


@st.composite
def any_array(draw, dtypes=DTYPES, shape=shapes, **bounds) -> np.ndarray:
    dtype = draw(st.sampled_from(dtypes))
    return draw(arrays(dtype, draw(shape) if isinstance(shape, st.SearchStrategy) else shape, **bounds))


@st.composite
def operand_pair(draw, dtypes=DTYPES, **bounds) -> tuple:
    """Two operands of broadcast-compatible shapes; either may be a Python scalar."""
    shape_x, shape_y = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    x = draw(any_array(dtypes, shape_x, **bounds))
    y = draw(any_array(dtypes, shape_y, **bounds))
    which_scalar = draw(st.sampled_from(["none", "none", "x", "y"]))
    if which_scalar == "x":
        x = draw(python_scalars)
    elif which_scalar == "y":
        y = draw(python_scalars)
    return x, y


@st.composite
def axes_for(draw, ndim: int, allow_tuple: bool = True) -> Any:
    """None, an int (negative allowed) or a tuple of distinct axes (negatives mixed in)."""
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(
                st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).flatmap(
                    lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes])
                )
            )
    return draw(st.one_of(options))


# --------------------------------------------------------------------------- elementwise

FLOAT_UNARY = [
    "sqrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
]
SAME_DTYPE_UNARY = ["negative", "square", "reciprocal", "abs", "absolute", "sign", "floor", "ceil", "round"]
PREDICATES = ["isnan", "isfinite", "logical_not"]


@pytest.mark.slow
@pytest.mark.parametrize("name", FLOAT_UNARY)
@SETTINGS
@given(x=st.one_of(any_array(), python_scalars))
def test_float_unary_matches_numpy(name, x):
    check(getattr(fnp, name), bool_as_float64(getattr(np, name)), x)


@pytest.mark.parametrize("name", SAME_DTYPE_UNARY + PREDICATES)
@SETTINGS
@given(x=st.one_of(any_array(), python_scalars))
def test_dtype_keeping_unary_matches_numpy(name, x):
    if name == "reciprocal" and np.asarray(x).dtype.kind in "iub":
        assume(np.all(np.asarray(x) != 0))  # NumPy's integer 1 // 0 depends on the width
    ref = bool_as_float64(np.round) if name == "round" else getattr(np, name)
    check(getattr(fnp, name), ref, x)


SPECIAL_VALUES = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5])


@pytest.mark.parametrize("name", ["isnan", "isfinite", "sign", "abs", "floor", "ceil", "round", "sqrt", "exp", "expm1",
                                  "log", "log1p", "tanh", "arctanh", "arcsinh", "reciprocal", "square",
                                  "max", "min", "argmax", "argmin", "sum", "prod", "mean", "var", "cumsum"])
def test_special_values_in_unary_functions_and_reductions_match_numpy(name):
    check(getattr(fnp, name), getattr(np, name), SPECIAL_VALUES)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "maximum", "minimum", "arctan2", "logaddexp",
                                  "hypot", "power", "mod", "floor_divide", "equal", "less", "greater_equal"])
def test_special_values_in_binary_functions_match_numpy(name):
    x, y = np.meshgrid(SPECIAL_VALUES, SPECIAL_VALUES)
    check(getattr(fnp, name), getattr(np, name), x, y)


BINARY = [
    "add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "arctan2", "logaddexp", "hypot",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
]
FLOAT_RESULT_BINARY = {"arctan2", "logaddexp", "hypot"}


@pytest.mark.slow
@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(operands=operand_pair())
def test_binary_broadcasts_and_promotes_as_numpy(name, operands):
    ref = getattr(np, name)
    check(getattr(fnp, name), bool_as_float64(ref) if name in FLOAT_RESULT_BINARY else ref, *operands)


@pytest.mark.parametrize("name", ["floor_divide", "mod"])
@SETTINGS
@given(operands=operand_pair(), data=st.data())
def test_floor_divide_and_mod_match_numpy(name, operands, data):
    # Quarter-integer floats keep quotients exact, the regime where NumPy's algorithm is pinned down.
    x, y = (data.draw(st.integers(-40, 40)) / 4 if type(v) is float else v for v in operands)
    x, y = (np.round(v * 4) / 4 if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v for v in (x, y))
    check(getattr(fnp, name), getattr(np, name), x, y)


def test_floor_divide_removes_the_remainder_first_as_numpy():
    check(fnp.floor_divide, np.floor_divide, 1.0, 0.1)
    check(fnp.floor_divide, np.floor_divide, np.array([-3.0, 3.0, 5.5, 0.0, 7.0]), np.array([2.0, -2.0, 0.0, 0.0, 0.7]))


@SETTINGS
@given(operands=operand_pair(), data=st.data())
def test_power_matches_numpy(operands, data):
    x, y = operands
    if np.asarray(y).dtype.kind in "iub" and np.asarray(x).dtype.kind in "iub":
        # Integers to negative integer powers are an error in NumPy (tested below).
        y = np.abs(y) if isinstance(y, np.ndarray) else abs(int(y))
    check(fnp.power, np.power, x, y)


def test_integer_to_negative_integer_power_raises_as_numpy():
    with pytest.raises(ValueError, match="negative integer powers"):
        fnp.power(np.arange(3), -1)
    with pytest.raises(ValueError, match="negative integer powers"):
        fnp.power(np.arange(3), np.array([1, -2, 0]))


@SETTINGS
@given(x=any_array(), bounds=st.tuples(st.one_of(st.none(), python_scalars, any_array(shape=st.just((1,)))),
                                       st.one_of(st.none(), python_scalars, any_array(shape=st.just(())))))
def test_clip_promotes_its_three_operands_together(x, bounds):
    lo, hi = bounds
    assume(lo is not None or hi is not None)
    check(fnp.clip, np.clip, x, lo, hi)


def test_clip_takes_numpy_2_min_and_max_keywords():
    x = np.arange(6) - 2
    check(lambda x: fnp.clip(x, max=1.5), lambda x: np.clip(x, max=1.5), x)
    check(lambda x: fnp.clip(x, min=0, max=np.int32(2)), lambda x: np.clip(x, min=0, max=np.int32(2)), x)
    with pytest.raises(TypeError):
        fnp.clip(x, 0, min=1)


@SETTINGS
@given(data=st.data())
def test_where_broadcasts_and_promotes_as_numpy(data):
    shapes3 = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    condition = data.draw(any_array(shape=shapes3[0]))
    x = data.draw(st.one_of(any_array(shape=shapes3[1]), python_scalars))
    y = data.draw(st.one_of(any_array(shape=shapes3[2]), python_scalars))
    check(fnp.where, np.where, condition, x, y)


@SETTINGS
@given(x=any_array(), decimals=st.integers(-2, 3))
def test_round_to_decimals_matches_numpy(x, decimals):
    assume(x.dtype != np.bool_)  # NumPy cannot round booleans to decimals
    check(lambda x: fnp.round(x, decimals), lambda x: np.round(x, decimals), x)


def test_round_half_to_even_at_every_scale():
    check(lambda x: fnp.round(x, -1), lambda x: np.round(x, -1), np.array([15, 25, -15, -25, 14, 5, -5], np.int32))
    check(lambda x: fnp.round(x, -2), lambda x: np.round(x, -2), np.array([150, 250, -250, 149, 151], np.int64))
    check(lambda x: fnp.round(x, 2), lambda x: np.round(x, 2), np.array([0.125, 0.135, -2.675, 1e300]))
    check(fnp.round, np.round, np.array([0.5, 1.5, 2.5, -0.5, -1.5], np.float32))


def test_weak_python_scalars_keep_the_array_dtype():
    x32 = np.ones(3, np.float32)
    i32 = np.ones(3, np.int32)
    assert fnp.multiply(x32, 2.0).dtype == np.float32
    assert fnp.add(i32, 2).dtype == np.int32
    assert fnp.add(i32, 2.5).dtype == np.float64
    assert ft.make_jaxpr(lambda x: x * 2.0)(x32).out_avals[0].dtype == np.float32
    assert ft.make_jaxpr(lambda x: fnp.sin(x))(1.0).out_avals[0].weak_type


def test_arrays_built_from_python_scalars_are_strongly_typed_as_numpy():
    # np.hstack / np.stack / np.concatenate turn each input into an array first.
    check(lambda a, b: fnp.hstack([a, b]), lambda a, b: np.hstack([a, b]), np.float32(1), 2.0)
    check(lambda a, b: fnp.stack([a, b]), lambda a, b: np.stack([a, b]), np.ones(2, np.float32), np.ones(2))
    check(lambda a, b: fnp.concatenate([a, b]), lambda a, b: np.concatenate([a, b]), np.ones(2, np.int32), np.array([3]))


def test_weak_type_survives_arithmetic_with_python_scalars():
    y = np.ones(2, np.float32)
    check(lambda x, y: (x + 2.0) * y, lambda x, y: (x + 2.0) * y, 1.0, y)
    check(lambda x, y: (2 * x - 1) / y, lambda x, y: (2 * x - 1) / y, 3.0, y)
    check(lambda n, y: (n + 1) * y, lambda n, y: (n + 1) * y, 2, y.astype(np.int16))
    for fn, arg in [(lambda x: x + 2.0, 1.0), (lambda x: 2 * x, 1.0), (lambda n: n * 2, 3), (lambda n: n / 2, 3)]:
        assert ft.make_jaxpr(fn)(arg).out_avals[0].weak_type
    assert not ft.make_jaxpr(lambda x: x + np.float64(2.0))(1.0).out_avals[0].weak_type


# --------------------------------------------------------------------------- reductions

AXIS_REDUCTIONS = ["sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std", "all", "any"]


@pytest.mark.slow
@pytest.mark.parametrize("name", AXIS_REDUCTIONS)
@SETTINGS
@given(data=st.data(), keepdims=st.booleans())
def test_reductions_match_numpy_over_any_axes(name, data, keepdims):
    x = data.draw(any_array(shape=shapes_with_empty, lo=-3, hi=3))
    axis = data.draw(axes_for(x.ndim))
    ref = getattr(np, name)
    if name in ("mean", "var", "std"):
        ref = bool_as_float64(ref)  # NumPy: float64 too, except for float16 cases
    check(lambda x: getattr(fnp, name)(x, axis=axis, keepdims=keepdims), lambda x: ref(x, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "cumsum", "cumprod"])
@SETTINGS
@given(x=any_array(lo=-3, hi=3), dtype=st.sampled_from(NUMERIC))
def test_reductions_with_a_dtype_match_numpy(name, x, dtype):
    check(lambda x: getattr(fnp, name)(x, axis=0 if x.ndim else None, dtype=dtype),
          lambda x: getattr(np, name)(x, axis=0 if x.ndim else None, dtype=dtype), x)


@pytest.mark.parametrize("name", ["var", "std"])
@SETTINGS
@given(x=any_array(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)), ddof=st.integers(0, 1))
def test_var_and_std_with_ddof_match_numpy(name, x, ddof):
    check(lambda x: getattr(fnp, name)(x, axis=-1, ddof=ddof), lambda x: bool_as_float64(getattr(np, name))(x, axis=-1, ddof=ddof), x)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_take_numpy_2_correction(name):
    x = np.arange(12.0).reshape(3, 4) ** 2
    check(lambda x: getattr(fnp, name)(x, axis=0, correction=1), lambda x: getattr(np, name)(x, axis=0, correction=1), x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@SETTINGS
@given(data=st.data(), keepdims=st.booleans())
def test_arg_reductions_match_numpy(name, data, keepdims):
    x = data.draw(any_array(lo=-2, hi=2))  # small range: ties, where the first index wins
    axis = data.draw(axes_for(x.ndim, allow_tuple=False))
    check(lambda x: getattr(fnp, name)(x, axis=axis, keepdims=keepdims), lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@SETTINGS
@given(data=st.data())
def test_cumulative_reductions_match_numpy(name, data):
    x = data.draw(any_array(lo=-3, hi=3))
    axis = data.draw(axes_for(x.ndim, allow_tuple=False))
    check(lambda x: getattr(fnp, name)(x, axis=axis), lambda x: getattr(np, name)(x, axis=axis), x)


def test_all_and_any_of_empty_axes_are_their_identities():
    x = np.zeros((0, 3))
    for name in ["all", "any"]:
        for axis in [None, 0, (0, 1)]:
            check(lambda x: getattr(fnp, name)(x, axis=axis), lambda x: getattr(np, name)(x, axis=axis), x)


def test_max_of_an_empty_axis_raises_value_error():
    with pytest.raises(ValueError, match="empty"):
        fnp.max(np.zeros((0, 3)), axis=0)


# --------------------------------------------------------------------------- products


@st.composite
def product_operands(draw, fn: str) -> tuple:
    dtype_a, dtype_b = draw(st.sampled_from(DTYPES)), draw(st.sampled_from(DTYPES))
    n, m, k, b = (draw(st.integers(1, 3)) for _ in range(4))
    shapes = {
        "dot": [((n, k), (k,)), ((n, k), (k, m)), ((b, n, k), (m, k, n)), ((k,), (k,)), ((), (n, k)), ((n, k), ())],
        "matmul": [((n, k), (k, m)), ((k,), (k, m)), ((n, k), (k,)), ((b, n, k), (k, m)), ((b, 1, n, k), (m, k, n)), ((k,), (k,))],
        "vdot": [((n, k), (k, n)), ((k,), (k,))],
        "inner": [((n, k), (m, k)), ((k,), (k,)), ((b, n, k), (k,)), ((), (n, k))],
        "outer": [((n, k), (m,)), ((k,), (b, m))],
    }[fn]
    shape_a, shape_b = draw(st.sampled_from(shapes))
    return draw(arrays(dtype_a, shape_a, lo=-4, hi=4)), draw(arrays(dtype_b, shape_b, lo=-4, hi=4))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dot", "matmul", "vdot", "inner", "outer"])
@SETTINGS
@given(data=st.data())
def test_products_match_numpy(name, data):
    check(getattr(fnp, name), getattr(np, name), *data.draw(product_operands(name)))


def test_matmul_operator_and_scalar_error():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    check(operator.matmul, operator.matmul, a, b)
    with pytest.raises(ValueError):
        fnp.matmul(a, 2.0)
    with pytest.raises(ValueError, match="align"):
        fnp.matmul(a, a)


TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0),
    ((2, 3, 4), (4, 5, 2), ([0, 2], [2, 0])), ((2, 3, 4), (3, 5), (1, 0)), ((2, 3, 4), (4, 3), ([-1, -2], [0, 1])),
]


@pytest.mark.parametrize("shape_a, shape_b, axes", TENSORDOT_CASES)
@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.int32, np.int32), (np.bool_, np.bool_), (np.int64, np.float32)])
def test_tensordot_matches_numpy(shape_a, shape_b, axes, dtypes):
    rng = np.random.default_rng(0)
    a, b = (rng.integers(-3, 4, s).astype(d) for s, d in zip((shape_a, shape_b), dtypes))
    check(lambda a, b: fnp.tensordot(a, b, axes), lambda a, b: np.tensordot(a, b, axes), a, b)


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,j", [(2, 3), (3,)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ijk->kj", [(2, 3, 4)]), ("i,j,k->ijk", [(2,), (3,), (2,)]), ("ij,ij->", [(2, 3), (2, 3)]),
    ("ij,kj->ki", [(2, 3), (4, 3)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i,i", [(3,), (3,)]), ("ij", [(2, 3)]),
    ("ji", [(2, 3)]), ("abc,cd->", [(2, 2, 3), (3, 2)]),
]


@pytest.mark.parametrize("spec, shapes", EINSUM_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_einsum_matches_numpy(spec, shapes, dtype):
    rng = np.random.default_rng(1)
    operands = [rng.integers(-3, 4, s).astype(dtype) for s in shapes]
    check(lambda *ops: fnp.einsum(spec, *ops), lambda *ops: np.einsum(spec, *ops), *operands)


# --------------------------------------------------------------------------- shapes


@SETTINGS
@given(x=any_array(), data=st.data())
def test_reshape_and_ravel_match_numpy(x, data):
    sizes = [d for d in range(1, x.size + 1) if x.size % d == 0]
    first = data.draw(st.sampled_from(sizes))
    for shape in [(first, -1), (-1,), (x.size // first, first), x.size]:
        check(lambda x: fnp.reshape(x, shape), lambda x: np.reshape(x, shape), x)
    check(fnp.ravel, np.ravel, x)


def test_reshape_takes_numpy_2_and_older_shape_keywords():
    x = np.arange(6)
    check(lambda x: fnp.reshape(x, shape=(3, -1)), lambda x: np.reshape(x, shape=(3, -1)), x)
    check(lambda x: fnp.reshape(x, newshape=(2, 3)), lambda x: np.reshape(x, (2, 3)), x)
    with pytest.raises(TypeError):
        fnp.reshape(x, (6,), newshape=(6,))


def test_reshape_errors():
    with pytest.raises(ValueError):
        fnp.reshape(np.ones(6), (4, -1))
    with pytest.raises(ValueError):
        fnp.reshape(np.ones(6), (-1, -1))


@SETTINGS
@given(x=any_array(), data=st.data())
def test_transposes_match_numpy(x, data):
    perm = data.draw(st.permutations(range(x.ndim)))
    perm = tuple(p - x.ndim if data.draw(st.booleans()) else p for p in perm)
    check(fnp.transpose, np.transpose, x)
    check(lambda x: fnp.transpose(x, perm), lambda x: np.transpose(x, perm), x)
    if x.ndim:
        i, j = data.draw(st.integers(-x.ndim, x.ndim - 1)), data.draw(st.integers(-x.ndim, x.ndim - 1))
        check(lambda x: fnp.swapaxes(x, i, j), lambda x: np.swapaxes(x, i, j), x)
        src = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, min_size=1))
        dst = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=len(src), max_size=len(src)))
        assume(len({d % x.ndim for d in dst}) == len(dst))
        check(lambda x: fnp.moveaxis(x, src, dst), lambda x: np.moveaxis(x, src, dst), x)
        check(lambda x: fnp.moveaxis(x, src[0], dst[0]), lambda x: np.moveaxis(x, src[0], dst[0]), x)


@SETTINGS
@given(x=any_array(), data=st.data())
def test_expand_dims_and_squeeze_match_numpy(x, data):
    out_ndim = x.ndim + data.draw(st.integers(1, 2))
    axes = data.draw(st.lists(st.integers(-out_ndim, out_ndim - 1), min_size=out_ndim - x.ndim, max_size=out_ndim - x.ndim))
    assume(len({a % out_ndim for a in axes}) == len(axes))
    check(lambda x: fnp.expand_dims(x, tuple(axes)), lambda x: np.expand_dims(x, tuple(axes)), x)
    check(lambda x: fnp.expand_dims(x, axes[0]), lambda x: np.expand_dims(x, axes[0]), x)
    expanded = np.expand_dims(x, tuple(axes))
    check(fnp.squeeze, np.squeeze, expanded)
    check(lambda y: fnp.squeeze(y, tuple(axes)), lambda y: np.squeeze(y, tuple(axes)), expanded)
    check(lambda y: fnp.squeeze(y, axes[-1]), lambda y: np.squeeze(y, axes[-1]), expanded)


def test_squeeze_of_a_non_unit_axis_raises():
    with pytest.raises(ValueError, match="size"):
        fnp.squeeze(np.ones((2, 1)), 0)


@SETTINGS
@given(data=st.data())
def test_broadcast_to_matches_numpy(data):
    shape_in, shape_out = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3))
    x = data.draw(any_array(shape=shape_in[0]))
    check(lambda x: fnp.broadcast_to(x, shape_out), lambda x: np.broadcast_to(x, shape_out), x)


def test_broadcast_to_a_smaller_shape_raises():
    with pytest.raises(ValueError, match="broadcast"):
        fnp.broadcast_to(np.ones((2, 3)), (3,))


@SETTINGS
@given(data=st.data())
def test_joining_matches_numpy(data):
    base = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    parts = []
    for _ in range(data.draw(st.integers(1, 3))):
        shape = list(base)
        shape[axis] = data.draw(st.integers(0, 3))
        parts.append(data.draw(any_array(shape=tuple(shape))))
    check(lambda *p: fnp.concatenate(p, axis=axis), lambda *p: np.concatenate(p, axis=axis), *parts)
    check(lambda *p: fnp.concatenate(p, axis=None), lambda *p: np.concatenate(p, axis=None), *parts)
    same = [data.draw(any_array(shape=base)) for _ in range(len(parts))]
    stack_axis = data.draw(st.integers(-len(base) - 1, len(base)))
    for fn, ref in [(fnp.stack, np.stack), (fnp.hstack, np.hstack), (fnp.vstack, np.vstack)]:
        kwargs = {"axis": stack_axis} if fn is fnp.stack else {}
        check(lambda *p: fn(p, **kwargs), lambda *p: ref(p, **kwargs), *same)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_joining_in_a_given_dtype_matches_numpy(dtype):
    a, b = np.arange(3.0) + 0.5, np.arange(3)
    check(lambda a, b: fnp.concatenate([a, b], dtype=dtype), lambda a, b: np.concatenate([a, b], dtype=dtype, casting="unsafe"), a, b)
    check(lambda a, b: fnp.stack([a, b], 1, dtype=dtype), lambda a, b: np.stack([a, b], 1, dtype=dtype, casting="unsafe"), a, b)


def test_stacking_scalars_and_vectors():
    check(lambda a, b: fnp.hstack([a, b]), lambda a, b: np.hstack([a, b]), np.float32(1), 2.0)
    check(lambda a, b: fnp.vstack([a, b]), lambda a, b: np.vstack([a, b]), np.arange(3), np.arange(3.0))
    check(lambda a, b: fnp.stack([a, b]), lambda a, b: np.stack([a, b]), 1, 2.5)


@SETTINGS
@given(x=any_array(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=6)), data=st.data())
def test_split_matches_numpy(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    sections = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    check(lambda x: fnp.split(x, sections, axis=axis), lambda x: np.split(x, sections, axis=axis), x)
    # Split points are slice bounds: negative, decreasing and out-of-range ones allowed.
    points = data.draw(st.lists(st.integers(-n - 2, n + 2), max_size=3))
    check(lambda x: fnp.split(x, points, axis=axis), lambda x: np.split(x, points, axis=axis), x)


def test_split_into_unequal_sections_raises():
    with pytest.raises(ValueError, match="equal division"):
        fnp.split(np.ones(5), 2)


@SETTINGS
@given(x=any_array(), data=st.data())
def test_tile_and_repeat_match_numpy(x, data):
    reps = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4).map(tuple)))
    check(lambda x: fnp.tile(x, reps), lambda x: np.tile(x, reps), x)
    axis = data.draw(axes_for(x.ndim, allow_tuple=False))
    count = data.draw(st.integers(0, 3))
    check(lambda x: fnp.repeat(x, count, axis=axis), lambda x: np.repeat(x, count, axis=axis), x)
    length = x.size if axis is None else x.shape[axis]
    counts = data.draw(st.lists(st.integers(0, 3), min_size=length, max_size=length))
    check(lambda x: fnp.repeat(x, counts, axis=axis), lambda x: np.repeat(x, counts, axis=axis), x)


@SETTINGS
@given(x=any_array(), data=st.data())
def test_flip_and_roll_match_numpy(x, data):
    axis = data.draw(axes_for(x.ndim))
    check(lambda x: fnp.flip(x, axis), lambda x: np.flip(x, axis), x)
    shift = data.draw(st.integers(-7, 7))
    roll_axis = data.draw(axes_for(x.ndim))
    check(lambda x: fnp.roll(x, shift, roll_axis), lambda x: np.roll(x, shift, roll_axis), x)
    if isinstance(roll_axis, tuple):
        shifts = tuple(data.draw(st.integers(-5, 5)) for _ in roll_axis)
        check(lambda x: fnp.roll(x, shifts, roll_axis), lambda x: np.roll(x, shifts, roll_axis), x)


def test_roll_by_a_traced_shift_matches_numpy():
    x = np.arange(10.0).reshape(2, 5)
    for shift in [0, 3, -2, 12]:
        (out,) = traced_outputs(lambda x, s: fnp.roll(x, s, axis=1), x, shift)
        assert_same(out, np.roll(x, shift, axis=1))


@SETTINGS
@given(x=any_array(), data=st.data())
def test_pad_matches_numpy(x, data):
    widths = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))]
    if x.ndim:
        widths.append(st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2)) for _ in range(x.ndim)]))
    width = data.draw(st.one_of(widths))
    value = data.draw(st.one_of(st.just(0), python_scalars))
    if x.dtype == np.bool_ or isinstance(value, float) and x.dtype.kind == "i":
        value = int(bool(value)) if x.dtype == np.bool_ else int(value)  # NumPy casts the value unsafely
    check(lambda x: fnp.pad(x, width, constant_values=value), lambda x: np.pad(x, width, constant_values=value), x)


@SETTINGS
@given(data=st.data())
def test_diagonals_and_trace_match_numpy(data):
    x = data.draw(any_array(dtypes=NUMERIC + [np.bool_], shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=4)))
    offset = data.draw(st.integers(-4, 4))
    a1, a2 = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, min_size=2, max_size=2))
    a2 -= data.draw(st.sampled_from([0, x.ndim]))
    check(lambda x: fnp.diagonal(x, offset, a1, a2), lambda x: np.diagonal(x, offset, a1, a2), x)
    check(lambda x: fnp.trace(x, offset, a1, a2), lambda x: np.trace(x, offset, a1, a2), x)
    if x.ndim == 2:
        check(lambda x: fnp.diag(x, offset), lambda x: np.diag(x, offset), x)
        check(lambda v: fnp.diag(v, offset), lambda v: np.diag(v, offset), x[0])


# --------------------------------------------------------------------------- creation

CREATION_DTYPES = DTYPES + [None]


@pytest.mark.parametrize("dtype", CREATION_DTYPES)
def test_creation_matches_numpy(dtype):
    cases = [
        (lambda: fnp.zeros((2, 3), dtype), lambda: np.zeros((2, 3), dtype)),
        (lambda: fnp.ones(3, dtype), lambda: np.ones(3, dtype)),
        (lambda: fnp.zeros((), dtype), lambda: np.zeros((), dtype)),
        (lambda: fnp.full((2, 3), 7, dtype), lambda: np.full((2, 3), 7, dtype)),
        (lambda: fnp.full(2, 1.5, dtype), lambda: np.full(2, 1.5, dtype)),
        (lambda: fnp.full((2, 3), np.arange(3.0), dtype), lambda: np.full((2, 3), np.arange(3.0), dtype)),
        (lambda: fnp.eye(3, 4, 1, dtype), lambda: np.eye(3, 4, 1, dtype)),
        (lambda: fnp.eye(3, k=-1, dtype=dtype), lambda: np.eye(3, k=-1, dtype=dtype)),
        (lambda: fnp.arange(1, 7, 2, dtype=dtype), lambda: np.arange(1, 7, 2, dtype=dtype)),
        (lambda: fnp.linspace(2, 7, 6, dtype=dtype), lambda: np.linspace(2, 7, 6, dtype=dtype)),
        (lambda: fnp.linspace(2, 7, 6, endpoint=False, dtype=dtype), lambda: np.linspace(2, 7, 6, endpoint=False, dtype=dtype)),
        (lambda: fnp.linspace(np.zeros(2), np.arange(2.0) + 3, 4, dtype=dtype, axis=-1),
         lambda: np.linspace(np.zeros(2), np.arange(2.0) + 3, 4, dtype=dtype, axis=-1)),
        (lambda: fnp.linspace(0, 1, 1, dtype=dtype), lambda: np.linspace(0, 1, 1, dtype=dtype)),
        (lambda: fnp.linspace(0, 1, 0, dtype=dtype), lambda: np.linspace(0, 1, 0, dtype=dtype)),
    ]
    if dtype is not np.bool_:
        cases.append((lambda: fnp.arange(5, dtype=dtype), lambda: np.arange(5, dtype=dtype)))
    for fn, ref in cases:
        check(fn, ref)


@pytest.mark.parametrize("num, endpoint", [(5, True), (5, False), (1, True), (1, False), (0, True)])
def test_linspace_with_retstep_matches_numpy(num, endpoint):
    for start, stop in [(0.0, 1.0), (2, 7), (np.zeros(2), np.arange(2.0) + 3)]:
        check(lambda a, b: fnp.linspace(a, b, num, endpoint, retstep=True),
              lambda a, b: tuple(np.asarray(v) for v in np.linspace(a, b, num, endpoint, retstep=True)), start, stop)


@pytest.mark.parametrize("args", [(5,), (5.0,), (1, 7), (5, 1, -1), (0.5, 3), (0, 1, 0.25), (3, 3)])
def test_arange_matches_numpy(args):
    check(lambda: fnp.arange(*args), lambda: np.arange(*args))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
@SETTINGS
@given(x=st.one_of(any_array(), python_scalars), dtype=st.sampled_from(CREATION_DTYPES))
def test_like_constructors_match_numpy(name, x, dtype):
    check(lambda x: getattr(fnp, name)(x, dtype), lambda x: getattr(np, name)(x, dtype), x)
    check(lambda x: getattr(fnp, name)(x, dtype, shape=(2,)), lambda x: getattr(np, name)(x, dtype, shape=(2,)), x)


@SETTINGS
@given(x=st.one_of(any_array(), python_scalars), dtype=st.sampled_from(CREATION_DTYPES), fill=python_scalars)
def test_full_like_matches_numpy(x, dtype, fill):
    check(lambda x: fnp.full_like(x, fill, dtype), lambda x: np.full_like(x, fill, dtype), x)


@SETTINGS
@given(x=any_array(), dtype=st.sampled_from(CREATION_DTYPES))
def test_array_asarray_and_astype_match_numpy(x, dtype):
    check(lambda x: fnp.array(x, dtype), lambda x: np.array(x, dtype), x)
    check(lambda x: fnp.asarray(x, dtype), lambda x: np.asarray(x, dtype), x)
    if dtype is not None:
        check(lambda x: fnp.astype(x, dtype), lambda x: x.astype(dtype), x)


def test_array_of_nested_lists_and_tracers():
    check(lambda: fnp.array([[1, 2], [3, 4]]), lambda: np.array([[1, 2], [3, 4]]))
    check(lambda: fnp.asarray([1, 2.5]), lambda: np.asarray([1, 2.5]))
    check(lambda x: fnp.array([x, 2 * x, 1.0]), lambda x: np.array([x, 2 * x, 1.0]), np.float64(3.0))
    check(lambda x: fnp.array([[x, x], [x, -x]]), lambda x: np.array([[x, x], [x, -x]]), np.float32(2.0))


def test_dtype_names_are_numpys():
    assert (fnp.float32, fnp.float64, fnp.int32, fnp.int64, fnp.bool_) == (np.float32, np.float64, np.int32, np.int64, np.bool_)


# --------------------------------------------------------------------------- linalg.norm

VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 0, 3, 0.5, -1]
MATRIX_ORDS = [None, "fro", 1, -1, np.inf, -np.inf]


@pytest.mark.slow
@pytest.mark.parametrize("ord", VECTOR_ORDS)
@SETTINGS
@given(x=any_array(dtypes=DTYPES, shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)), data=st.data())
def test_vector_norms_match_numpy(ord, x, data):
    axis, keepdims = data.draw(st.integers(-x.ndim, x.ndim - 1)), data.draw(st.booleans())
    check(lambda x: fnp.linalg.norm(x, ord, axis, keepdims), lambda x: np.linalg.norm(x, ord, axis, keepdims), x)
    if x.ndim == 1:
        check(lambda x: fnp.linalg.norm(x, ord), lambda x: np.linalg.norm(x, ord), x)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@SETTINGS
@given(x=any_array(dtypes=DTYPES, shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=4)), keepdims=st.booleans())
def test_matrix_norms_match_numpy(ord, x, keepdims):
    check(lambda x: fnp.linalg.norm(x, ord, (0, -1), keepdims), lambda x: np.linalg.norm(x, ord, (0, -1), keepdims), x)
    if x.ndim == 2:
        check(lambda x: fnp.linalg.norm(x, ord), lambda x: np.linalg.norm(x, ord), x)


@pytest.mark.parametrize("ord", [1, -1, np.inf, -np.inf])
def test_matrix_norm_rows_and_columns_follow_the_axis_order(ord):
    x = np.arange(12.0).reshape(3, 4) - 5
    check(lambda x: fnp.linalg.norm(x, ord, (1, 0)), lambda x: np.linalg.norm(x, ord, (1, 0)), x)


def test_norm_without_axis_is_the_flattened_two_norm():
    x = np.arange(24.0).reshape(2, 3, 4)
    check(fnp.linalg.norm, np.linalg.norm, x)
    check(lambda x: fnp.linalg.norm(x, keepdims=True), lambda x: np.linalg.norm(x, keepdims=True), x)


# --------------------------------------------------------------------------- indexing on read


def getitem(x: Any, idx: Any) -> Any:
    """``x[idx]`` in functrans: ``fnp.getitem`` on a NumPy array, the operator on a traced one."""
    return fnp.getitem(x, idx) if isinstance(x, np.ndarray) else x[idx]


def at(x: Any) -> Any:
    """``x.at`` in functrans: ``fnp.at(x)`` on a NumPy array, the property on a traced one."""
    return fnp.at(x) if isinstance(x, np.ndarray) else x.at


@st.composite
def index_for(draw, shape: tuple, arrays_allowed: bool = True) -> Any:
    """A NumPy index into ``shape``: slices (negative steps, bounds out of range), ints
    (negative too), None, an Ellipsis, and integer arrays in any (also non-adjacent) positions."""
    point_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    entries = []
    for n in shape:
        kinds = ["full", "slice"] + (["int"] if n else []) + (["array"] if n and arrays_allowed else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "slice":
            bound = st.none() | st.integers(-n - 2, n + 2)
            step = st.none() | st.integers(-3, 3).filter(bool)
            entries.append(slice(draw(bound), draw(bound), draw(step)))
        elif kind == "int":
            entries.append(draw(st.integers(-n, n - 1)))
        elif kind == "array":
            entries.append(draw(hnp.arrays(np.int64, point_shape, elements=st.integers(-n, n - 1))))
        else:
            entries.append(slice(None))
    for _ in range(draw(st.integers(0, 2))):
        entries.insert(draw(st.integers(0, len(entries))), None)
    # Trailing full slices may be left implicit, or a run of full slices written as an Ellipsis.
    is_full = lambda e: isinstance(e, slice) and e == slice(None)
    style = draw(st.sampled_from(["explicit", "implicit", "ellipsis"]))
    if style == "implicit":
        while entries and is_full(entries[-1]):
            entries.pop()
    elif style == "ellipsis":
        fulls = [i for i, e in enumerate(entries) if is_full(e)]
        if fulls:
            start = draw(st.sampled_from(fulls))
            end = start
            while end + 1 < len(entries) and is_full(entries[end + 1]):
                end += 1
            entries[start : end + 1] = [Ellipsis]
        else:
            entries.insert(draw(st.integers(0, len(entries))), Ellipsis)
    if len(entries) == 1 and draw(st.booleans()):
        return entries[0]
    return tuple(entries)


@SETTINGS
@given(data=st.data())
def test_indexing_matches_numpy(data):
    x = data.draw(any_array(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)))
    idx = data.draw(index_for(x.shape))
    check(lambda x: getitem(x, idx), lambda x: x[idx], x)


@SETTINGS
@given(data=st.data())
def test_basic_indexing_matches_numpy(data):
    x = data.draw(any_array(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
    idx = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True, allow_ellipsis=True))
    check(lambda x: fnp.getitem(x, idx), lambda x: x[idx], x)


INDEX_EXAMPLES = [
    (slice(None, None, -1), 1), (slice(-1, 0, -2), slice(None, None, -3)), (0, None, Ellipsis, None), (Ellipsis, -1),
    (np.array([0, 2, -1]),), (np.array([0, 2]), np.array([1, 3])), (slice(None), np.array([0, 2])),
    (np.array([0, 1]), slice(None), np.array([1, 4])), (1, slice(None), np.array([0, 2])), (np.array([0, 2]), slice(None), 1),
    (None, np.array([0, 2]), None, slice(1, 3)), ([0, 2],), ([0, 1], [1, 2]), (np.array([[0], [2]]), np.array([1, 3])),
    (slice(None), np.array([], dtype=np.int64)), (np.int64(1), np.int32(-2)), (np.array(2),), (slice(10, 20),),
    (np.array([True, False, True]),), (slice(None), np.array([True, False, True, True])), (np.ones((3, 4), bool),),
    (0, np.array([True, False, True, True])), (Ellipsis, np.array([False] * 5)), (np.array([True, False, True]), 1, np.array([0, 4])),
]


@pytest.mark.parametrize("idx", INDEX_EXAMPLES, ids=range(len(INDEX_EXAMPLES)))
def test_indexing_examples_match_numpy(idx):
    x = np.arange(60.0).reshape(3, 4, 5)
    check(lambda x: getitem(x, idx), lambda x: x[idx], x)


@pytest.mark.parametrize("idx", [(0, np.array([True, False, True])), (np.ones((4, 3), bool),), (np.ones(3, bool), 0, 0, 0)])
def test_a_boolean_mask_of_the_wrong_shape_raises_index_error(idx):
    x = np.arange(60.0).reshape(3, 4, 5)
    with pytest.raises(IndexError):
        x[idx]
    with pytest.raises(IndexError):
        fnp.getitem(x, idx)


def test_a_boolean_scalar_index_raises_index_error():
    with pytest.raises(IndexError, match="boolean scalar"):
        fnp.getitem(np.ones(3), True)


def test_a_boolean_mask_needs_a_concrete_value_under_tracing():
    x, mask = np.arange(4.0), np.array([True, False, True, True])
    (out,) = traced_outputs(lambda x: x[mask], x)  # a constant mask is fine
    assert_same(out, x[mask])
    with pytest.raises(ft.ConcretizationError, match="boolean mask"):
        ft.make_jaxpr(lambda x, m: x[m])(x, mask)


def test_traced_integer_indices_are_clamped_on_read():
    x = np.arange(12.0).reshape(3, 4)
    for i in [0, 2, -1, -3, 5, -7]:
        (out,) = traced_outputs(lambda x, i: x[i], x, i)
        assert_same(out, x[np.clip(i + 3 if i < 0 else i, 0, 2)])
        (out,) = traced_outputs(lambda x, i: x[:, i], x, np.int32(i))
        assert_same(out, x[:, np.clip(i + 4 if i < 0 else i, 0, 3)])
    idx = np.array([0, 2, -1, 5, -9])
    (out,) = traced_outputs(lambda x, i: x[i, 1:], x, idx)
    assert_same(out, x[np.clip(np.where(idx < 0, idx + 3, idx), 0, 2), 1:])


def test_static_out_of_range_and_too_many_indices_raise_index_error():
    x = np.ones((2, 3))
    for idx in [2, (0, 3), (0, -4), (0, 0, 0), (Ellipsis, 0, 0, 0), (Ellipsis, Ellipsis)]:
        with pytest.raises(IndexError):
            fnp.getitem(x, idx)
        with pytest.raises(IndexError):
            ft.make_jaxpr(lambda x: x[idx])(x)


def test_float_indices_raise_index_error():
    for idx in [1.0, np.array([0.0]), "a"]:
        with pytest.raises(IndexError):
            fnp.getitem(np.ones(3), idx)


# --------------------------------------------------------------------------- indexed updates

UPDATE_KINDS = {
    "set": None, "add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum,
}


def numpy_update(x: np.ndarray, idx: Any, values: Any, kind: str) -> np.ndarray:
    out = x.copy()
    if kind == "set":
        out[idx] = values
    else:
        # Unbuffered: repeated indices accumulate. (Values are broadcast first: NumPy 2.4's
        # ufunc.at miscomputes with values that need broadcasting against 2-d index arrays.)
        UPDATE_KINDS[kind].at(out, idx, np.broadcast_to(values, out[idx].shape))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(UPDATE_KINDS))
@SETTINGS
@given(data=st.data())
def test_indexed_updates_match_numpy(kind, data):
    dtypes = [np.float32, np.float64, np.int32, np.int64] + ([np.bool_] if kind in ("set", "min", "max") else [])
    x = data.draw(any_array(dtypes=dtypes, shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), lo=-3, hi=3))
    idx = data.draw(index_for(x.shape))
    positions = np.arange(x.size).reshape(x.shape)[idx]
    if kind == "set":
        assume(len(np.unique(positions)) == positions.size)  # which repeated write wins is unspecified
    values_shape = data.draw(st.sampled_from([positions.shape, positions.shape[-1:], ()]))
    values = data.draw(arrays(x.dtype, values_shape, lo=-3, hi=3))
    update = lambda x, v: getattr(at(x)[idx], kind)(v)
    check(update, lambda x, v: numpy_update(x, idx, v, kind), x, values)


def test_repeated_indices_accumulate_in_add():
    x = np.zeros(5)
    check(lambda x: at(x)[np.array([1, 1, 3, 1])].add(1.0), lambda x: numpy_update(x, np.array([1, 1, 3, 1]), 1.0, "add"), x)


def test_out_of_range_indices_are_dropped_on_write():
    x = np.zeros(5)
    assert_same(fnp.at(x)[np.array([1, 7, -8, -1])].set(1.0), np.array([0, 1, 0, 0, 1.0]))
    assert_same(fnp.at(x)[np.array([5, 1])].add(np.array([10.0, 2.0])), np.array([0, 2.0, 0, 0, 0]))
    assert_same(fnp.at(x)[7].set(1.0), x)
    for i, expected in [(2, [0, 0, 9, 0, 0]), (7, [0] * 5), (-1, [0, 0, 0, 0, 9]), (-6, [0] * 5)]:
        for index in [i, np.int64(i), np.array([i])]:
            (out,) = traced_outputs(lambda x, i: x.at[i].set(9.0), x, index)
            assert_same(out, np.array(expected, np.float64))


def test_at_get_and_mul_alias():
    x = np.arange(6.0).reshape(2, 3)
    assert_same(fnp.at(x)[:, 1].get(), x[:, 1])
    assert_same(fnp.at(x)[0].mul(2.0), numpy_update(x, 0, 2.0, "multiply"))


def test_update_values_take_the_array_dtype():
    x = np.zeros(3, np.float32)
    assert fnp.at(x)[0].set(1.0).dtype == np.float32
    assert fnp.at(np.zeros(3, np.int32))[1].add(2).dtype == np.int32


# --------------------------------------------------------------------------- take, take_along_axis


@SETTINGS
@given(data=st.data())
def test_take_matches_numpy(data):
    x = data.draw(any_array(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    axis = data.draw(axes_for(x.ndim, allow_tuple=False))
    n = x.size if axis is None else x.shape[axis]
    indices = data.draw(st.one_of(st.integers(-n, n - 1),
                                  hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
                                             elements=st.integers(-n, n - 1))))
    check(lambda x: fnp.take(x, indices, axis=axis), lambda x: np.take(x, indices, axis=axis), x)
    check(lambda x, i: fnp.take(x, i, axis=axis), lambda x, i: np.take(x, i, axis=axis), x, indices)


def test_take_clamps_out_of_range_indices():
    x = np.arange(5.0)
    assert_same(fnp.take(x, np.array([7, -9, 2])), np.array([4.0, 0.0, 2.0]))
    assert_same(fnp.take(x, np.array([7, -9]), mode="clip"), np.take(x, np.array([7, -9]), mode="clip"))


@SETTINGS
@given(data=st.data())
def test_take_along_axis_matches_numpy(data):
    x = data.draw(any_array(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
    base = (x.size,) if axis is None else x.shape
    ax = 0 if axis is None else axis % x.ndim
    # Off the axis, each index dimension is 1 or the array's (they broadcast); along it, any length.
    shape = tuple(data.draw(st.integers(0, 4)) if i == ax else data.draw(st.sampled_from([1, d])) for i, d in enumerate(base))
    indices = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-base[ax], base[ax] - 1)))
    check(lambda x, i: fnp.take_along_axis(x, i, axis), lambda x, i: np.take_along_axis(x, i, axis), x, indices)


def test_take_along_axis_with_argsort_sorts():
    x = np.random.default_rng(0).normal(size=(3, 5))
    check(lambda x, i: fnp.take_along_axis(x, i, 1), lambda x, i: np.take_along_axis(x, i, 1), x, np.argsort(x, axis=1))


# --------------------------------------------------------------------------- traced values behave like arrays

TRACER_BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": operator.pow, "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


@pytest.mark.slow
@pytest.mark.parametrize("op", list(TRACER_BINARY))
@SETTINGS
@given(operands=operand_pair(dtypes=NUMERIC, lo=1, hi=4), reflected=st.booleans())
def test_tracer_operators_match_numpy(op, operands, reflected):
    fn = TRACER_BINARY[op]
    x, y = operands
    if not isinstance(x, np.ndarray):
        x, y = y, x  # the traced operand is an array; a Python scalar can only be the other one
    if not isinstance(x, np.ndarray):
        return
    if op in ("//", "%"):
        x, y = (np.round(v * 4) / 4 if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v for v in (x, y))
    if op == "**":
        x = np.abs(x)  # no NaNs from fractional powers of negatives
        if np.asarray(y).dtype.kind in "iub":
            y = np.abs(y) if isinstance(y, np.ndarray) else abs(int(y))  # no negative integer powers
    expr = (lambda x: fn(y, x)) if reflected else (lambda x: fn(x, y))
    with np.errstate(all="ignore"):
        want = expr(x)
    (got,) = traced_outputs(expr, x)
    assert_same(got, want)


TRACER_EXPRESSIONS = {
    "neg": lambda x: -x,
    "pos_abs": lambda x: abs(+x),
    "matmul": lambda x: x @ x.T,
    "rmatmul": lambda x: np.ones((2, 3)) @ x,
    "attributes": lambda x: x.reshape(x.size) * x.ndim + x.shape[0] + len(x),
    "dtype": lambda x: x.astype(x.dtype) * 2,
    "astype": lambda x: x.astype(np.int32) + x.astype(np.float32),
    "T": lambda x: x.T,
    "reshape_args": lambda x: x.reshape(2, -1),
    "reshape_tuple": lambda x: x.reshape((6, 1)),
    "transpose": lambda x: x.transpose(),
    "transpose_args": lambda x: x.transpose(1, 0),
    "transpose_tuple": lambda x: x.transpose((1, 0)),
    "ravel": lambda x: x.ravel(),
    "squeeze": lambda x: x.reshape(1, 3, 1, 2).squeeze(),
    "sum": lambda x: x.sum(),
    "sum_axis": lambda x: x.sum(axis=0),
    "mean": lambda x: x.mean(-1),
    "max": lambda x: x.max(axis=1, keepdims=True),
    "min": lambda x: x.min(),
    "prod": lambda x: x.prod(0),
    "iteration": lambda x: [row * i for i, row in enumerate(x)],
    "unpacking": lambda x: (lambda a, b, c: a - c)(*x),
    "getitem": lambda x: x[1:, ::-1][0],
    "chain": lambda x: ((x - x.mean()) ** 2).sum() / (x.size - 1),
}


@pytest.mark.parametrize("name", list(TRACER_EXPRESSIONS))
def test_tracer_array_behaviour_matches_numpy(name):
    expr = TRACER_EXPRESSIONS[name]
    x = np.arange(6.0).reshape(3, 2) - 2.5
    want = expr(x)
    got = traced_outputs(expr, x)
    for g, w in zip(got, tree_leaves(want), strict=True):
        assert_same(g, w)


def test_tracer_static_attributes_are_python_values():
    seen = {}

    def record(x):
        seen.update(shape=x.shape, dtype=x.dtype, ndim=x.ndim, size=x.size, len=len(x))
        return x

    ft.make_jaxpr(record)(np.zeros((4, 2), np.float32))
    assert seen == {"shape": (4, 2), "dtype": np.dtype(np.float32), "ndim": 2, "size": 8, "len": 4}


def test_len_and_iteration_of_a_traced_scalar_raise_type_error():
    with pytest.raises(TypeError, match="len"):
        ft.make_jaxpr(lambda x: len(x))(1.0)
    with pytest.raises(TypeError, match="iteration"):
        ft.make_jaxpr(lambda x: list(x))(1.0)


def test_numpy_defers_binary_operations_to_tracers():
    # With a NumPy array on the left, the tracer's reflected operator must run.
    (out,) = traced_outputs(lambda x: np.arange(3.0) * x + np.float32(1), np.ones(3))
    assert_same(out, np.arange(3.0) + 1)
