"""dot_general's compiled product on every layout: gemm reading operands in place (batch
axes leading, in the middle or trailing, contraction on either side, merged axes), the
copies where it cannot, the loop kernel (integers, many small products), empty and size-1
axes: jit against eager against numpy.einsum, derivatives, repeated calls bitwise equal."""
from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
from functrans import lax
from functrans.backend import kernels_linalg
from functrans.lax.dot import _free_axes, _strided_call
from functrans.test_util import check_grads

# (lhs shape, rhs shape, dimension numbers): each takes a different path of the lowering.
LAYOUTS = {
    "attention logits, batch leading and in the middle": ((2, 5, 3, 4), (2, 6, 3, 4), (((3,), (3,)), ((0, 2), (0, 2)))),
    "attention values, contraction in the middle of rhs": ((2, 3, 5, 6), (2, 6, 3, 4), (((3,), (1,)), ((0, 1), (0, 2)))),
    "batch trailing (no unit stride: copies)": ((5, 4, 3), (4, 6, 3), (((1,), (0,)), ((2,), (2,)))),
    "contraction leading on lhs (gemm transpose flag)": ((40, 50), (40, 60), (((0,), (0,)), ((), ()))),
    "contraction trailing on rhs": ((50, 40), (60, 40), (((1,), (1,)), ((), ()))),
    "merged free and contracting axes": ((2, 3, 4, 5), (4, 5, 6), (((2, 3), (0, 1)), ((), ()))),
    "contracting axes in different orders (copies)": ((3, 4, 5), (5, 4, 6), (((1, 2), (1, 0)), ((), ()))),
    "three batch axes that do not merge (copies)": ((2, 3, 2, 17, 2, 16), (2, 3, 2, 16, 2, 15),
                                                    (((5,), (3,)), ((0, 1, 4), (0, 1, 4)))),
    "batch axes that merge": ((2, 3, 16, 17), (2, 3, 17, 18), (((3,), (2,)), ((0, 1), (0, 1)))),
    "matrix-vector": ((50, 40), (40,), (((1,), (0,)), ((), ()))),
    "vector-matrix": ((40,), (40, 50), (((0,), (0,)), ((), ()))),
    "vector-vector": ((40,), (40,), (((0,), (0,)), ((), ()))),
    "outer product (no contraction)": ((50,), (60,), (((), ()), ((), ()))),
    "size-1 axes everywhere": ((1, 40, 1), (1, 40, 1, 70), (((1,), (1,)), ((0,), (0,)))),
    "single row and column per batch": ((70, 1, 64), (70, 64, 1), (((2,), (1,)), ((0,), (0,)))),
    "many small products (loop kernel)": ((30, 3, 4), (30, 4, 2), (((2,), (1,)), ((0,), (0,)))),
    "empty result": ((0, 4), (4, 3), (((1,), (0,)), ((), ()))),
    "empty contraction (zeros)": ((2, 3, 0), (2, 0, 5), (((2,), (1,)), ((0,), (0,)))),
    "empty batch": ((0, 3, 4), (0, 4, 5), (((2,), (1,)), ((0,), (0,)))),
}


def _einsum(lhs_ndim: int, rhs_ndim: int, dimension_numbers) -> str:
    """The einsum spec of a dot_general: batch, then lhs free, then rhs free axes."""
    (lc, rc), (lb, rb) = dimension_numbers
    letters = iter(string.ascii_letters)
    lhs, rhs = [None] * lhs_ndim, [None] * rhs_ndim
    for a, b in list(zip(lc, rc)) + list(zip(lb, rb)):
        lhs[a] = rhs[b] = next(letters)
    lhs = [c or next(letters) for c in lhs]
    rhs = [c or next(letters) for c in rhs]
    out = [lhs[a] for a in lb] + [c for i, c in enumerate(lhs) if i not in lb + lc] + \
          [c for i, c in enumerate(rhs) if i not in rb + rc]
    return f"{''.join(lhs)},{''.join(rhs)}->{''.join(out)}"


def _operands(lhs_shape, rhs_shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-5, 6, lhs_shape).astype(dtype), rng.integers(-5, 6, rhs_shape).astype(dtype)
    return rng.standard_normal(lhs_shape).astype(dtype), rng.standard_normal(rhs_shape).astype(dtype)


def _tolerance(dtype, k: int) -> dict:
    if np.dtype(dtype).kind == "i":
        return dict(rtol=0, atol=0)
    eps = np.finfo(dtype).eps
    return dict(rtol=0, atol=8 * eps * max(k, 1) ** 0.5 * 10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_jit_equals_eager_and_einsum_on_every_layout(name, dtype):
    lhs_shape, rhs_shape, dn = LAYOUTS[name]
    lhs, rhs = _operands(lhs_shape, rhs_shape, dtype)
    want = np.einsum(_einsum(lhs.ndim, rhs.ndim, dn), lhs, rhs)
    f = ft.jit(lambda a, b: lax.dot_general(a, b, dn))
    got, eager = f(lhs, rhs), lax.dot_general(lhs, rhs, dn)
    assert got.dtype == eager.dtype == np.dtype(dtype) and got.shape == want.shape
    k = int(np.prod([lhs_shape[a] for a in dn[0][0]]))
    np.testing.assert_allclose(got, want, **_tolerance(dtype, k))
    np.testing.assert_allclose(eager, want, **_tolerance(dtype, k))
    again = f(lhs, rhs)
    assert got.tobytes() == again.tobytes()  # bitwise-identical repeated calls


@pytest.mark.parametrize("name", ["attention logits, batch leading and in the middle", "contraction leading on lhs (gemm transpose flag)",
                                  "three batch axes that do not merge (copies)", "matrix-vector"])
def test_non_contiguous_and_reversed_inputs(name):
    lhs_shape, rhs_shape, dn = LAYOUTS[name]
    lhs, rhs = _operands(tuple(2 * s for s in lhs_shape), tuple(2 * s for s in rhs_shape), np.float64)
    lhs = lhs[tuple(slice(None, None, 2) for _ in lhs_shape)][::-1]  # strided, then negative strides
    rhs = rhs[tuple(slice(1, None, 2) for _ in rhs_shape)]
    assert not lhs.flags.c_contiguous and not rhs.flags.c_contiguous
    want = np.einsum(_einsum(lhs.ndim, rhs.ndim, dn), lhs, rhs)
    got = ft.jit(lambda a, b: lax.dot_general(a, b, dn))(lhs, rhs)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


GRAD_LAYOUTS = ["attention logits, batch leading and in the middle", "attention values, contraction in the middle of rhs",
                "batch trailing (no unit stride: copies)", "merged free and contracting axes",
                "contracting axes in different orders (copies)", "vector-vector", "outer product (no contraction)"]


def _small_operands(name):
    lhs_shape, rhs_shape, dn = LAYOUTS[name]
    # Paired axes stay equal: in these layouts they are either equal or both at least 5.
    shrink = tuple(min(s, 5) for s in lhs_shape), tuple(min(s, 5) for s in rhs_shape)
    return _operands(*shrink, np.float64), dn


@pytest.mark.parametrize("name", GRAD_LAYOUTS)
def test_second_derivatives_of_products(name):
    (lhs, rhs), dn = _small_operands(name)
    check_grads(lambda a, b: lax.dot_general(a, b, dn), (lhs, rhs), order=2, modes=("fwd", "rev"))


@pytest.mark.slow  # a compile per derivative program: 5-15 s each
@pytest.mark.parametrize("name", GRAD_LAYOUTS[:3])
def test_derivatives_of_compiled_products(name):
    (lhs, rhs), dn = _small_operands(name)
    check_grads(ft.jit(lambda a, b: lax.dot_general(a, b, dn)), (lhs, rhs), order=1, modes=("fwd", "rev"))


def test_vmap_of_compiled_product_equals_a_loop():
    lhs, rhs = _operands((3, 5, 4, 6), (6, 7), np.float32)
    f = ft.jit(ft.vmap(lambda a: lax.dot_general(a, rhs, (((2,), (0,)), ((), ()))), in_axes=2))
    loop = np.stack([np.einsum("abk,kc->abc", lhs[:, :, i], rhs) for i in range(4)])
    np.testing.assert_allclose(f(lhs), loop, rtol=1e-5, atol=1e-5)


def test_generated_code_calls_gemm_without_copies_for_attention_layouts():
    q = np.zeros((2, 16, 3, 64), np.float32)
    text = ft.jit(lambda a, b: lax.dot_general(a, b, LAYOUTS["attention logits, batch leading and in the middle"][2])).lower(q, q).as_text()
    assert "strided_matmul(" in text and "scratch" not in text


def test_mismatched_operands_raise_type_errors():
    with pytest.raises(TypeError, match="paired axes differ"):
        ft.jit(lambda a, b: lax.dot_general(a, b, (((1,), (0,)), ((), ()))))(np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(TypeError, match="out of range"):
        lax.dot_general(np.ones((2, 3)), np.ones((3, 2)), (((2,), (0,)), ((), ())))


@st.composite
def _products(draw):
    """A dot_general of random rank, axis roles and order, with gemm-sized axes."""
    n_batch, n_free_l, n_free_r, n_contract = (draw(st.integers(0, 2)) for _ in range(4))
    size = st.sampled_from([1, 2, 3, 7])
    batch = [draw(size) for _ in range(n_batch)]
    contract = [draw(size) for _ in range(n_contract)]
    roles_l = [("b", i) for i in range(n_batch)] + [("c", i) for i in range(n_contract)] + [("f", draw(size)) for _ in range(n_free_l)]
    roles_r = [("b", i) for i in range(n_batch)] + [("c", i) for i in range(n_contract)] + [("f", draw(size)) for _ in range(n_free_r)]
    roles_l, roles_r = draw(st.permutations(roles_l)), draw(st.permutations(roles_r))

    def layout(roles):
        shape = [batch[i] if r == "b" else contract[i] if r == "c" else i for r, i in roles]
        where = {(r, i): axis for axis, (r, i) in enumerate(roles) if r != "f"}
        return shape, where

    (ls, lw), (rs, rw) = layout(roles_l), layout(roles_r)
    dn = ((tuple(lw[("c", i)] for i in range(n_contract)), tuple(rw[("c", i)] for i in range(n_contract))),
          (tuple(lw[("b", i)] for i in range(n_batch)), tuple(rw[("b", i)] for i in range(n_batch))))
    return tuple(ls), tuple(rs), dn


@settings(max_examples=40, deadline=None)
@given(_products(), st.sampled_from([np.float32, np.float64]))
def test_in_place_gemm_arguments_compute_the_product(product, dtype):
    """Wherever the lowering lets gemm read the operands in place, the kernel's result is
    numpy.einsum's (one compiled kernel per dtype: no program compiles per example)."""
    lhs_shape, rhs_shape, dn = product
    (lc, rc), (lb, rb) = dn
    lhs, rhs = _operands(lhs_shape, rhs_shape, dtype)
    want = np.einsum(_einsum(lhs.ndim, rhs.ndim, dn), lhs, rhs)
    if want.size == 0:
        return
    lf, rf = _free_axes(lhs.ndim, lc, lb), _free_axes(rhs.ndim, rc, rb)
    call = _strided_call([lhs_shape, rhs_shape], [(lb, tuple(lf), lc), (rb, rc, tuple(rf))], want.shape)
    if call is None:
        return  # the lowering copies these operands first (covered by the jit tests above)
    out = np.full(want.shape, np.nan, dtype)
    args = eval(f"({call},)")
    kernels_linalg.strided_matmul(lhs.reshape(-1), rhs.reshape(-1), out.reshape(-1), *args)
    np.testing.assert_allclose(out, want, rtol=0, atol=100 * np.finfo(dtype).eps * (1 + np.abs(want).max()))
