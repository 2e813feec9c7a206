"""lax._softmax_rows (attention's softmax of scaled logits, one kernel per row sweep):
NumPy's values, nn.softmax's, derivatives to second order, vmap, jit against eager,
special rows (NaN, inf, empty), repeated calls bitwise equal, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
from functrans.errors import DTypeError, ShapeError
from functrans.lax._softmax_rows import softmax_rows, softmax_rows_jvp_p
from functrans.test_util import check_grads


def _reference(x, scale):
    z = x.astype(np.float64) * scale
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


_softmax_jit = ft.jit(softmax_rows, static_argnums=1)


@pytest.mark.slow  # compiles a dozen programs on a cold cache, 2 s on a warm one
@settings(max_examples=30, deadline=None)
@given(st.sampled_from([(7,), (3, 9), (2, 3, 17)]).flatmap(
           lambda shape: hnp.arrays(st.sampled_from([np.float32, np.float64]), shape, elements=st.floats(-30, 30, width=32))),
       st.sampled_from([0.125, -2.0]))
def test_matches_numpy_eager_and_compiled(x, scale):
    want = _reference(x, scale)
    rtol = 1e-5 if x.dtype == np.float32 else 1e-12
    eager, compiled = softmax_rows(x, scale), _softmax_jit(x, scale)
    assert eager.dtype == compiled.dtype == x.dtype
    np.testing.assert_allclose(eager, want, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(compiled, want, rtol=rtol, atol=rtol * 1e-3)
    assert compiled.tobytes() == _softmax_jit(x, scale).tobytes()


def test_equals_nn_softmax_on_special_rows_and_strided_inputs():
    x = np.array([[np.nan, 1, 2], [np.inf, 1, 2], [-np.inf, -np.inf, -np.inf], [1e300, 1e300, -1e300], [0, 1, 2]])
    strided = np.arange(24.0).reshape(4, 6)[:, ::-2]
    for rows in (x, strided):
        want = np.asarray(ft.nn.softmax(rows, axis=-1))
        np.testing.assert_array_equal(np.isnan(_softmax_jit(rows, 1.0)), np.isnan(want))
        np.testing.assert_allclose(_softmax_jit(rows, 1.0), want, rtol=1e-15)
        np.testing.assert_allclose(softmax_rows(rows), want, rtol=1e-15)


def test_empty_rows_and_empty_batches():
    for shape in [(0, 4), (3, 0), (2, 0, 5)]:
        x = np.zeros(shape)
        assert _softmax_jit(x, 1.0).shape == softmax_rows(x).shape == shape


def test_second_derivatives():
    x = np.random.default_rng(0).standard_normal((2, 3, 5))
    check_grads(lambda a: softmax_rows(a, 0.7), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.slow  # compiles a program per derivative order and mode
def test_compiled_derivatives_equal_eager_ones():
    x = np.random.default_rng(1).standard_normal((3, 6))
    g = np.random.default_rng(2).standard_normal((3, 6))
    loss = lambda a: (softmax_rows(a, 0.5) * g).sum()
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(x), ft.grad(loss)(x), rtol=1e-13)
    check_grads(ft.jit(lambda a: softmax_rows(a, 0.5)), (x,), order=1, modes=("fwd", "rev"))


def test_jvp_map_is_its_own_transpose():
    rng = np.random.default_rng(3)
    p = _reference(rng.standard_normal((4, 5)), 1.0)
    t, u = rng.standard_normal((2, 4, 5))
    # <J t, u> = <t, J u> for the symmetric Jacobian scale * (diag(p) - p p^T).
    left = (softmax_rows_jvp_p.bind(p, t, scale=1.5) * u).sum()
    right = (t * softmax_rows_jvp_p.bind(p, u, scale=1.5)).sum()
    np.testing.assert_allclose(left, right, rtol=1e-13)


def test_vmap_equals_a_loop_over_any_axis():
    x = np.random.default_rng(4).standard_normal((3, 4, 5))
    for axis in range(3):
        got = ft.vmap(lambda a: softmax_rows(a, 2.0), in_axes=axis)(x)
        loop = np.stack([_reference(np.take(x, i, axis), 2.0) for i in range(x.shape[axis])])
        np.testing.assert_allclose(got, loop, rtol=1e-12)


def test_bad_input_raises():
    with pytest.raises(DTypeError, match="float32 or float64"):
        softmax_rows(np.ones(3, np.int32))
    with pytest.raises(ShapeError, match="scalar"):
        softmax_rows(np.float64(1.0))
    with pytest.raises(DTypeError, match="equal shapes"):
        softmax_rows_jvp_p.bind(np.ones(3), np.ones(4), scale=1.0)
