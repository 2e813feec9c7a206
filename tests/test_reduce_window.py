"""lax.reduce_window: against explicit NumPy loops and jax.lax when installed, pooling gradients
(the first maximum of a window takes it, as in JAX), vmap, jit of a small CNN."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

rng = np.random.default_rng(1)


def reference_reduce_window(x, init, op, window, strides, padding, base_dilation, window_dilation):
    """XLA's definition: ``op`` folded from ``init`` over the real elements of each window."""
    pads = lax.padtype_to_pads(x.shape, [(w - 1) * r + 1 for w, r in zip(window, window_dilation)], strides, padding) \
        if isinstance(padding, str) else padding
    dilated = [(d - 1) * b + 1 if d else 0 for d, b in zip(x.shape, base_dilation)]
    padded = [d + lo + hi for d, (lo, hi) in zip(dilated, pads)]
    eff = [(w - 1) * r + 1 for w, r in zip(window, window_dilation)]
    out_shape = [(p - e) // s + 1 if p >= e else 0 for p, e, s in zip(padded, eff, strides)]
    out = np.empty(out_shape, x.dtype)
    for pos in itertools.product(*map(range, out_shape)):
        acc = init
        for k in itertools.product(*map(range, window)):
            src = []
            for p, s, kk, r, (lo, _), b, d in zip(pos, strides, k, window_dilation, pads, base_dilation, x.shape):
                q = p * s + kk * r - lo  # position in the dilated operand
                src.append(q // b if q >= 0 and q % b == 0 and q // b < d else None)
            if None not in src:
                acc = op(acc, x[tuple(src)])
        out[pos] = acc
    return out


OPS = [(lax.add, 0.0, np.add), (lax.max, -np.inf, np.maximum), (lax.min, np.inf, np.minimum),
       (lax.add, 1.5, np.add), (lax.max, 0.5, np.maximum), (lax.mul, 1.0, np.multiply),
       (lambda a, b: a * 0.5 + b, 0.25, lambda a, b: a * 0.5 + b)]
CONFIGS = [
    dict(window_dimensions=(2, 2), window_strides=(2, 2), padding="VALID"),
    dict(window_dimensions=(3, 2), window_strides=(1, 2), padding="SAME"),
    dict(window_dimensions=(2, 3), window_strides=(2, 1), padding="SAME_LOWER", window_dilation=(2, 1)),
    dict(window_dimensions=(2, 2), window_strides=(2, 1), padding=((1, 0), (2, -1)), base_dilation=(2, 1),
         window_dilation=(1, 2)),
]


@pytest.mark.parametrize("op", OPS, ids=["sum", "max", "min", "sum_init", "max_init", "prod", "python"])
@pytest.mark.parametrize("config", CONFIGS)
def test_reduce_window_matches_the_definition(op, config):
    computation, init, reference = op
    x = rng.normal(size=(5, 6))
    expected = reference_reduce_window(x, init, reference, config["window_dimensions"], config["window_strides"],
                                       config["padding"], config.get("base_dilation", (1, 1)),
                                       config.get("window_dilation", (1, 1)))
    out = lax.reduce_window(x, init, computation, **config)
    assert type(out) is np.ndarray and out.dtype == x.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("op", ["add", "max", "min", "mul"])
@pytest.mark.parametrize("config", CONFIGS)
def test_reduce_window_matches_jax(op, config):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = rng.normal(size=(5, 6))
    for init in {"add": (0.0, 2.0), "max": (-np.inf, 0.3), "min": (np.inf, -0.3), "mul": (1.0, 2.0)}[op]:
        np.testing.assert_allclose(lax.reduce_window(x, init, getattr(lax, op), **config),
                                   jax.lax.reduce_window(x, init, getattr(jax.lax, op), **config), rtol=1e-12)


def test_integer_and_float32_operands_keep_their_dtype():
    x = np.arange(12).reshape(3, 4)
    out = lax.reduce_window(x, np.iinfo(np.int64).min, lax.max, (2, 2), (1, 2), "VALID")
    assert out.dtype == np.int64 and out.tolist() == [[5, 7], [9, 11]]
    assert lax.reduce_window(x.astype(np.float32), 0.0, lax.add, (2, 2), None).dtype == np.float32


def test_max_pool_gradient_goes_to_the_first_maximum_of_each_window():
    x = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    pool = lambda x: lax.reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1), "VALID").sum()
    np.testing.assert_array_equal(ft.grad(pool)(x), [[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    jax = pytest.importorskip("jax")
    jpool = lambda x: jax.lax.reduce_window(x, -np.inf, jax.lax.max, (2, 2), (1, 1), "VALID").sum()
    np.testing.assert_array_equal(ft.grad(pool)(x), jax.grad(jpool)(x))


def test_max_and_min_propagate_nan_like_lax_max():
    x = np.array([1.0, np.nan, 3.0, 2.0])
    np.testing.assert_array_equal(lax.reduce_window(x, -np.inf, lax.max, (2,), (1,)), [np.nan, np.nan, 3.0])
    np.testing.assert_array_equal(lax.reduce_window(x, np.inf, lax.min, (2,), (1,)), [np.nan, np.nan, 2.0])


@pytest.mark.parametrize("computation, init", [(lax.add, 0.0), (lax.max, -np.inf), (lax.min, np.inf), (lax.add, 1.0)])
def test_gradients_of_recognised_computations(computation, init):
    x = rng.permutation(30).reshape(5, 6) / 7.0  # distinct values: max and min are smooth
    f = lambda x: lax.reduce_window(x, init, computation, (2, 3), (1, 2), "SAME", (1, 2), (2, 1))
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_gradient_of_a_python_computation():
    x = rng.normal(size=(4, 5))
    f = lambda x: lax.reduce_window(x, 1.0, lambda a, b: a * fnp.tanh(b), (2, 2), (1, 2), [(1, 0), (0, 1)])
    check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_vmap_matches_a_loop():
    xs = rng.normal(size=(3, 5, 6))
    f = lambda x: lax.reduce_window(x, -np.inf, lax.max, (3, 3), (2, 2), "SAME")
    np.testing.assert_array_equal(ft.vmap(f)(xs), np.stack([f(x) for x in xs]))
    g = lambda x, init: lax.reduce_window(x, init, lax.add, (2, 2), (1, 1), [(1, 1), (0, 0)])
    inits = np.array([0.0, 1.0, -2.0])
    np.testing.assert_allclose(ft.vmap(g)(xs, inits), np.stack([g(x, i) for x, i in zip(xs, inits)]), rtol=1e-12)


@pytest.mark.parametrize("args, error, match", [
    ((np.ones((3, 3)), 0.0, lax.add, (2,)), TypeError, "wrong number of window_dimensions"),
    ((np.ones((3, 3)), 0.0, lax.add, (2, 0)), TypeError, "strictly positive"),
    ((np.ones((3, 3)), 0.0, lax.add, (2, 2), (1,)), TypeError, "inconsistent window_strides"),
    ((np.ones((3, 3)), 0.0, lax.add, (2, 2), (1, 1), "FULL"), RuntimeError, "unrecognized padding"),
    ((np.ones((3, 3)), 0.0, lax.add, (2, 2), (1, 1), [(0, 0)]), TypeError, "padding pairs"),
    ((np.ones((3, 3)), 0.0, lax.add, (2, 2), (1, 1), [(-3, -1), (0, 0)]), ValueError, "larger than the operand"),
    ((np.ones((3, 3)), np.zeros(2), lax.add, (2, 2)), TypeError, "scalar"),
    ((np.ones((3, 3)), np.float32(0), lax.add, (2, 2)), TypeError, "dtype"),
])
def test_bad_arguments_raise_jax_exception_types(args, error, match):
    with pytest.raises(error, match=match):
        lax.reduce_window(*args)


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=3), data=st.data(), strided=st.booleans())
def test_hypothesis_against_the_definition(shape, data, strided):
    n = len(shape)
    ints = lambda lo, hi: st.tuples(*[st.integers(lo, hi)] * n)
    window, strides = data.draw(ints(1, 3)), data.draw(ints(1, 3))
    base, wdil = data.draw(ints(1, 2)), data.draw(ints(1, 2))
    padding = data.draw(st.sampled_from(["VALID", "SAME"]) | st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2))] * n))
    x = rng.normal(size=[2 * d for d in shape] if strided else shape)
    x = x[tuple(slice(None, None, 2) for _ in shape)] if strided else x  # a non-contiguous operand
    for computation, init, reference in OPS[:4]:
        out = lax.reduce_window(x, init, computation, window, strides, padding, base, wdil)
        # atol: a window's sum of standard normals may cancel to near zero, and the two sum in different orders
        np.testing.assert_allclose(out, reference_reduce_window(x, init, reference, window, strides, padding, base, wdil),
                                   rtol=1e-12, atol=1e-14)


def small_cnn(L, x, w1, w2):
    """conv, relu, 2x2 max-pool, a dilated depthwise conv, average pool, sum, with ``L`` as lax."""
    nhwc = ("NHWC", "HWIO", "NHWC")
    y = L.conv_general_dilated(x, w1, (1, 1), "SAME", dimension_numbers=nhwc)
    y = L.max(y, 0.0)
    y = L.reduce_window(y, -np.inf, L.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    y = L.conv_general_dilated(y, w2, (1, 1), [(1, 1), (1, 1)], rhs_dilation=(2, 1), dimension_numbers=nhwc,
                               feature_group_count=4)
    y = L.reduce_window(y, 0.0, L.add, (1, 2, 2, 1), (1, 1, 1, 1), "SAME") / 4.0
    return (y ** 2).sum()


@pytest.mark.slow
def test_jitted_small_cnn_and_its_gradient_match_eager():
    x, w1, w2 = rng.normal(size=(2, 8, 8, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=(3, 3, 1, 4))
    step = ft.value_and_grad(lambda *args: small_cnn(lax, *args), argnums=(1, 2))
    value, grads = step(x, w1, w2)
    jvalue, jgrads = ft.jit(step)(x, w1, w2)
    np.testing.assert_allclose(jvalue, value, rtol=1e-10)
    for a, b in zip(jgrads, grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    theirs = jax.value_and_grad(lambda *args: small_cnn(jax.lax, *args), argnums=(1, 2))(x, w1, w2)
    np.testing.assert_allclose(value, theirs[0], rtol=1e-10)
    for a, b in zip(grads, theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_reduce_window_shape_tuple_is_the_output_shape():
    config = dict(window_dimensions=(2, 3), window_strides=(2, 1), padding=((0, 1), (1, -1)), base_dilation=(2, 1),
                  window_dilation=(1, 2))
    shape = lax.reduce_window_shape_tuple((5, 6), **config)
    assert shape == lax.reduce_window(np.ones((5, 6)), 0.0, lax.add, **config).shape
    jax = pytest.importorskip("jax")
    assert shape == tuple(jax.lax.reduce_window_shape_tuple((5, 6), **config))


def argmax_pair(a, b):
    """Of two (value, index) pairs the larger value's, the earlier index on ties."""
    (va, ia), (vb, ib) = a, b
    take_b = lax.bitwise_or(lax.gt(vb, va), lax.bitwise_and(lax.eq(vb, va), lax.lt(ib, ia)))
    return lax.select(take_b, vb, va), lax.select(take_b, ib, ia)


def test_a_tree_of_operands_reduces_together():
    x = rng.integers(0, 4, size=(5, 6)).astype(np.float64)
    index = np.arange(30.0).reshape(5, 6)
    config = dict(window_dimensions=(2, 3), window_strides=(1, 2), padding=[(1, 0), (0, 1)])
    values, where = lax.reduce_window((x, index), (-np.inf, np.inf), argmax_pair, **config)
    np.testing.assert_array_equal(values, lax.reduce_window(x, -np.inf, lax.max, **config))
    np.testing.assert_array_equal(values, np.take(x, where.astype(int)))
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)

    def jax_pair(a, b):
        (va, ia), (vb, ib) = a, b
        take_b = (vb > va) | ((vb == va) & (ib < ia))
        return jax.numpy.where(take_b, vb, va), jax.numpy.where(take_b, ib, ia)

    theirs = jax.lax.reduce_window((x, index), (-np.inf, np.inf), jax_pair, **config)
    for a, b in zip((values, where), theirs):
        np.testing.assert_array_equal(a, b)


def test_trees_must_match():
    with pytest.raises(ValueError, match="tree structure"):
        lax.reduce_window((np.ones(3), np.ones(3)), 0.0, lax.add, (2,))
    with pytest.raises(TypeError, match="same shape"):
        lax.reduce_window((np.ones(3), np.ones(4)), (0.0, 0.0), lambda a, b: a, (2,))
