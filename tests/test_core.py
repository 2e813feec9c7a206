"""The core under make_jaxpr: abstract values, concretization errors, constants from
closures, pytree inputs and outputs, escaped tracers, and the error paths (shape
mismatches in primitives, bad axes, bad indices) and ``functrans.config``."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.core import ShapedArray, get_aval
from functrans.errors import DTypeError, NaNError, ShapeError
from functrans.ir import eval_jaxpr

# --------------------------------------------------------------------------- abstract values


def test_shaped_array_equality_hash_and_short_name():
    a = ShapedArray((2, 3), np.float32)
    assert a == ShapedArray([2, 3], "float32") and hash(a) == hash(ShapedArray((2, 3), np.float32))
    assert a != ShapedArray((2, 3), np.float32, weak_type=True) and a != ShapedArray((3, 2), np.float32)
    assert (a.str_short(), a.ndim, a.size) == ("f32[2,3]", 2, 6)
    assert ShapedArray((), np.bool_).str_short() == "bool[]"
    assert ShapedArray((4,), np.int64).str_short() == "i64[4]"


def test_python_scalars_are_weakly_typed_and_arrays_are_not():
    assert get_aval(1.0) == ShapedArray((), np.float64, weak_type=True)
    assert get_aval(2) == ShapedArray((), np.int64, weak_type=True)
    assert get_aval(True) == ShapedArray((), np.bool_, weak_type=True)
    assert get_aval(np.float32(1)) == ShapedArray((), np.float32)
    assert get_aval(np.ones((2, 1), np.int32)) == ShapedArray((2, 1), np.int32)
    with pytest.raises(TypeError, match="not a valid functrans array type"):
        get_aval("text")


# --------------------------------------------------------------------------- concretization

def count_down(x):
    while x > 0:
        x = x - 1
    return x


CONTROL_FLOW = {
    "if": lambda x: x if x > 0 else -x,
    "bool": lambda x: bool(x),
    "while": count_down,
    "and": lambda x: (x > 0) and x,
}
CONVERSIONS = {
    "int": (lambda x: int(x), "an int"),
    "float": (lambda x: float(x), "a float"),
    "__index__": (lambda x: [1, 2, 3][x], "an integer index"),
    "range": (lambda x: range(x), "an integer index"),
    "np.asarray": (lambda x: np.asarray(x), "a NumPy array"),
}


def assert_names_the_fixes(message: str) -> None:
    assert "lax.cond" in message and "static_argnums" in message, message


@pytest.mark.parametrize("name", list(CONTROL_FLOW))
def test_python_control_flow_on_a_traced_value_raises_bool_conversion_error(name):
    with pytest.raises(ft.TracerBoolConversionError, match="truth value") as info:
        ft.make_jaxpr(CONTROL_FLOW[name])(np.int64(1))
    assert isinstance(info.value, ft.ConcretizationError) and isinstance(info.value, TypeError)
    assert_names_the_fixes(str(info.value))
    assert "traced value (i64[])" in str(info.value) or "traced value (bool[])" in str(info.value)


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_converting_a_traced_value_raises_concretization_error(name):
    fn, what = CONVERSIONS[name]
    with pytest.raises(ft.ConcretizationError, match=what) as info:
        ft.make_jaxpr(fn)(np.int64(2))
    assert not isinstance(info.value, ft.TracerBoolConversionError)
    assert_names_the_fixes(str(info.value))


def test_indexing_a_list_with_a_traced_float_is_a_type_error():
    with pytest.raises(TypeError, match="only integer arrays"):
        ft.make_jaxpr(lambda x: [1, 2][x])(1.0)


def test_static_argnums_makes_python_control_flow_work():
    fn = lambda x, n: x * 2 if n > 0 else -x
    positive = ft.make_jaxpr(fn, static_argnums=1)(np.ones(2), 3)
    negative = ft.make_jaxpr(fn, static_argnums=(1,))(np.ones(2), -3)
    assert len(positive.jaxpr.invars) == 1 and [e.primitive.name for e in negative.eqns] == ["neg"]
    np.testing.assert_array_equal(positive(np.arange(2.0))[0], [0.0, 2.0])


def test_concrete_values_stay_usable_in_python_during_tracing():
    # Shapes and values computed from constants are Python values, not tracers.
    def fn(x):
        n = x.shape[0] * 2
        scale = float(np.sum(CONSTANT))
        return x * n + scale

    CONSTANT = np.arange(3.0)
    closed = ft.make_jaxpr(fn)(np.ones(4))
    np.testing.assert_array_equal(closed(np.ones(4))[0], np.full(4, 11.0))


# --------------------------------------------------------------------------- constants from closures


def test_closure_arrays_become_constvars():
    weights = np.arange(6.0).reshape(2, 3)
    closed = ft.make_jaxpr(lambda x: weights @ x)(np.ones(3))
    assert len(closed.jaxpr.constvars) == 1 and closed.consts[0] is weights
    assert closed.jaxpr.constvars[0].aval == ShapedArray((2, 3), np.float64)
    np.testing.assert_array_equal(eval_jaxpr(closed.jaxpr, closed.consts, [np.ones(3)])[0], weights.sum(1))
    # Other constants give other results from the same jaxpr.
    np.testing.assert_array_equal(eval_jaxpr(closed.jaxpr, [np.ones((2, 3))], [np.ones(3)])[0], [3.0, 3.0])


def test_scalar_constants_become_literals_and_repeated_constants_one_constvar():
    bias = np.arange(3.0)
    closed = ft.make_jaxpr(lambda x: (x + bias) * np.float64(2.5) - bias)(np.ones(3))
    assert len(closed.consts) == 1
    assert "2.5:f64[]" in str(closed)


# --------------------------------------------------------------------------- pytrees


def test_pytree_inputs_flatten_to_invars_in_key_order():
    Point = collections.namedtuple("Point", ["x", "y"])
    args = ({"b": np.ones(2, np.float32), "a": 1}, [Point(np.zeros(3), True)], None)
    closed = ft.make_jaxpr(lambda d, pts, nothing: d["a"] * pts[0].x)(*args)
    assert [v.aval for v in closed.jaxpr.invars] == [
        ShapedArray((), np.int64, weak_type=True), ShapedArray((2,), np.float32),
        ShapedArray((3,), np.float64), ShapedArray((), np.bool_, weak_type=True),
    ]


def test_pytree_outputs_flatten_to_outvars_in_order():
    closed = ft.make_jaxpr(lambda x: {"sum": x.sum(), "pair": (x, -x), "none": None})(np.arange(3.0))
    outs = eval_jaxpr(closed.jaxpr, closed.consts, [np.arange(3.0)])
    assert [o.shape for o in outs] == [(3,), (3,), ()]  # dict keys sorted: pair, then sum
    np.testing.assert_array_equal(outs[1], -np.arange(3.0))
    assert outs[2] == 3.0


def test_a_list_input_is_a_pytree_and_numpy_scalars_are_strongly_typed():
    closed = ft.make_jaxpr(lambda xs: xs[0] * xs[1])([np.float32(2), np.ones(2, np.float32)])
    assert closed.in_avals == [ShapedArray((), np.float32), ShapedArray((2,), np.float32)]
    np.testing.assert_array_equal(closed(np.float32(3), np.ones(2, np.float32))[0], [3.0, 3.0])


def test_returning_a_non_array_raises_type_error():
    with pytest.raises(TypeError, match="not an array"):
        ft.make_jaxpr(lambda x: "text")(1.0)


# --------------------------------------------------------------------------- escaped tracers


def test_a_tracer_used_after_its_trace_ended_raises():
    leaked = []
    ft.make_jaxpr(lambda x: leaked.append(x) or x)(1.0)
    with pytest.raises(ft.UnexpectedTracerError, match="after that transformation ended"):
        fnp.sin(leaked[0])
    with pytest.raises(ft.UnexpectedTracerError):
        leaked[0] + 1.0


# --------------------------------------------------------------------------- error paths

PRIMITIVE_MISMATCHES = [
    (lambda: lax.add(np.ones(3), np.ones(4)), ShapeError, r"add requires operands of equal shapes, got f64\[3\], f64\[4\]"),
    (lambda: lax.mul(np.ones(3), np.ones(3, np.float32)), DTypeError, r"mul requires operands of equal dtypes, got f64\[3\], f32\[3\]"),
    (lambda: lax.dot_general(np.ones((2, 3)), np.ones((4, 2)), (((1,), (0,)), ((), ()))), ShapeError, r"dot_general of f64\[2,3\] and f64\[4,2\]"),
    (lambda: lax.reshape(np.ones(6), (4,)), ShapeError, r"reshape: cannot reshape f64\[6\]"),
    (lambda: lax.concatenate([np.ones((2, 3)), np.ones((2, 4))], 0), ShapeError, r"concatenate: operands f64\[2,3\], f64\[2,4\]"),
    (lambda: lax.transpose(np.ones((2, 3)), (0, 0)), ShapeError, r"transpose: permutation \(0, 0\) .* f64\[2,3\]"),
    (lambda: lax.broadcast_in_dim(np.ones(3), (4,), (0,)), ShapeError, r"broadcast_in_dim: cannot broadcast f64\[3\] to shape \(4,\)"),
    (lambda: lax.reduce_sum(np.ones(3), (1,)), ShapeError, r"reduce_sum: axes \(1,\) .* f64\[3\]"),
    (lambda: lax.sin(np.ones(3, np.int32)), DTypeError, r"sin does not accept .*\(i32\[3\]\)"),
]


@pytest.mark.parametrize("fn, error, message", PRIMITIVE_MISMATCHES, ids=range(len(PRIMITIVE_MISMATCHES)))
def test_a_primitive_names_itself_and_the_shapes_it_refuses(fn, error, message):
    with pytest.raises(error, match=message):
        fn()
    with pytest.raises(error, match=message):
        ft.make_jaxpr(lambda x: fn())(1.0)


def test_shape_errors_are_value_errors_and_dtype_errors_type_errors():
    assert issubclass(ShapeError, ValueError) and issubclass(DTypeError, TypeError)


def test_a_shape_mismatch_under_tracing_names_traced_shapes():
    with pytest.raises(ShapeError, match=r"f32\[2\], f32\[3\]"):
        ft.make_jaxpr(lambda x, y: lax.add(x, y))(np.ones(2, np.float32), np.ones(3, np.float32))


def test_numpy_level_broadcast_and_matmul_mismatches_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) \(4,\)"):
        fnp.add(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2, 3\)"):
        ft.make_jaxpr(fnp.matmul)(np.ones((2, 3)), np.ones((2, 3)))


BAD_AXES = [
    lambda x: fnp.sum(x, axis=2),
    lambda x: fnp.mean(x, axis=(0, -3)),
    lambda x: fnp.argmax(x, axis=-3),
    lambda x: fnp.cumsum(x, axis=2),
    lambda x: fnp.swapaxes(x, 0, 2),
    lambda x: fnp.moveaxis(x, 0, 5),
    lambda x: fnp.expand_dims(x, 3),
    lambda x: fnp.squeeze(x, 2),
    lambda x: fnp.flip(x, -3),
    lambda x: fnp.concatenate([x, x], axis=2),
    lambda x: fnp.stack([x, x], axis=4),
    lambda x: fnp.take(x, np.array([0]), axis=2),
    lambda x: fnp.linalg.norm(x, axis=2),
]


@pytest.mark.parametrize("fn", BAD_AXES, ids=range(len(BAD_AXES)))
def test_a_bad_axis_raises_axis_error(fn):
    x = np.ones((2, 3))
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        fn(x)
    with pytest.raises(np.exceptions.AxisError):
        ft.make_jaxpr(fn)(x)


def test_a_repeated_axis_raises_value_error():
    with pytest.raises(ValueError, match="repeated axis"):
        fnp.sum(np.ones((2, 3)), axis=(0, -2))


@pytest.mark.parametrize("idx", [2, -3, (0, 3), (slice(None), -4), np.int64(5)])
def test_a_static_out_of_range_index_raises_index_error(idx):
    x = np.ones((2, 3))
    with pytest.raises(IndexError, match="out of bounds"):
        fnp.getitem(x, idx)
    with pytest.raises(IndexError, match="out of bounds"):
        ft.make_jaxpr(lambda x: x[idx])(x)


@pytest.mark.parametrize("idx", [(0, 0, 0), (None, 0, 0, 0), (Ellipsis, 0, 0, 0), (0, np.ones((3, 1), bool))])
def test_too_many_indices_raise_index_error(idx):
    x = np.ones((2, 3))
    with pytest.raises(IndexError, match="too many indices"):
        fnp.getitem(x, idx)
    with pytest.raises(IndexError, match="too many indices"):
        ft.make_jaxpr(lambda x: x[idx])(x)


# --------------------------------------------------------------------------- config


def test_config_option_sets_and_restores_even_on_error():
    assert ft.config.debug_nans is False
    with ft.config.option(debug_nans=True, explain_cache_misses=True):
        assert ft.config.debug_nans is True and ft.config.explain_cache_misses is True
    assert ft.config.debug_nans is False and ft.config.explain_cache_misses is False
    with pytest.raises(RuntimeError):
        with ft.config.option(debug_nans=True):
            raise RuntimeError
    assert ft.config.debug_nans is False


def test_config_update_is_the_jax_spelling():
    saved = ft.config.precise_math
    try:
        ft.config.update("precise_math", not saved)
        assert ft.config.precise_math is (not saved)
    finally:
        ft.config.precise_math = saved


def test_unknown_config_options_raise_and_list_the_known_ones():
    for use in [lambda: ft.config.debug_nan, lambda: setattr(ft.config, "debug_nan", True),
                lambda: ft.config.update("debug_nan", True), lambda: ft.config.option(debug_nan=True).__enter__()]:
        with pytest.raises(AttributeError, match="no option 'debug_nan'.*debug_nans"):
            use()
    assert ft.config.debug_nans is False


def test_debug_nans_names_the_primitive_eagerly_and_in_eval_jaxpr():
    closed = ft.make_jaxpr(lambda x: fnp.sqrt(x) + 1.0)(np.ones(2))
    with np.errstate(invalid="ignore"):
        assert np.isnan(fnp.log(-1.0))  # off by default
        with ft.config.option(debug_nans=True):
            with pytest.raises(NaNError, match="'log'"):
                fnp.log(np.array([-1.0, 1.0]))
            with pytest.raises(NaNError, match="'sqrt'"):
                closed(np.array([-1.0, 1.0]))
            np.testing.assert_array_equal(closed(np.array([4.0, 1.0]))[0], [3.0, 2.0])
