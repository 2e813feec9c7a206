"""lax.conv_general_dilated and its wrappers: against an explicit NumPy loop and SciPy, against
jax.lax when installed, derivatives in both operands, vmap, jit."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings, strategies as st

import functrans as ft
from functrans import lax
from functrans.test_util import check_grads

rng = np.random.default_rng(0)


def reference_conv(x, w, strides, padding, lhs_dilation, rhs_dilation, fg=1, bg=1):
    """The XLA convolution by definition, in (N, C, spatial...) / (O, I, spatial...) layout."""
    dil = np.zeros(x.shape[:2] + tuple((d - 1) * r + 1 if d else 0 for d, r in zip(x.shape[2:], lhs_dilation)))
    dil[(slice(None), slice(None)) + tuple(slice(None, None, r) for r in lhs_dilation)] = x
    for a, (lo, hi) in enumerate(padding):
        axis = a + 2
        dil = np.pad(dil, [(0, 0)] * axis + [(max(lo, 0), max(hi, 0))] + [(0, 0)] * (x.ndim - axis - 1))
        n = dil.shape[axis]
        dil = np.take(dil, np.arange(max(-lo, 0), n - max(-hi, 0)), axis=axis)
    n, c = x.shape[:2]
    o, i = w.shape[:2]
    eff = [(k - 1) * r + 1 for k, r in zip(w.shape[2:], rhs_dilation)]
    out_sp = [max(0, (d - e) // st + 1) if d >= e else 0 for d, e, st in zip(dil.shape[2:], eff, strides)]
    out = np.zeros((n // bg, o) + tuple(out_sp))
    g = fg * bg
    og = o // g
    for b, f in itertools.product(range(n // bg), range(o)):
        grp = f // og
        src_b = b + grp * (n // bg) if bg > 1 else b
        chans = range(grp * i, (grp + 1) * i) if fg > 1 else range(i)
        for pos in itertools.product(*map(range, out_sp)):
            total = 0.0
            for ci, ch in enumerate(chans):
                for k in itertools.product(*map(range, w.shape[2:])):
                    idx = tuple(p * st + kk * r for p, st, kk, r in zip(pos, strides, k, rhs_dilation))
                    total += dil[(src_b, ch) + idx] * w[(f, ci) + k]
            out[(b, f) + pos] = total
    return out


CASES = [  # lhs shape, rhs shape, strides, padding, lhs_dilation, rhs_dilation, fg, bg
    ((2, 3, 6, 5), (4, 3, 3, 2), (1, 1), "VALID", (1, 1), (1, 1), 1, 1),
    ((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), "SAME", (1, 1), (1, 1), 1, 1),
    ((1, 2, 7, 6), (2, 2, 2, 3), (2, 3), "SAME_LOWER", (1, 1), (2, 1), 1, 1),
    ((2, 2, 5, 4), (3, 2, 3, 2), (1, 2), [(1, 2), (-1, 0)], (2, 3), (1, 2), 1, 1),
    ((2, 6, 5, 4), (4, 3, 3, 2), (1, 1), [(1, 1), (0, 1)], (1, 1), (1, 1), 2, 1),
    ((2, 6, 5), (6, 1, 3), (2,), "SAME", (1,), (1,), 6, 1),  # depthwise
    ((4, 3, 5, 4), (4, 3, 2, 2), (1, 1), "VALID", (1, 1), (1, 1), 1, 2),
    ((2, 2, 4, 3, 3), (2, 2, 2, 2, 2), (1, 2, 1), "SAME", (1, 1, 1), (1, 1, 2), 1, 1),
    ((1, 2, 5), (3, 2, 7), (1,), "VALID", (1,), (1,), 1, 1),  # kernel wider than the input: empty output
]


@pytest.mark.parametrize("case", CASES)
def test_conv_general_dilated_matches_the_definition(case):
    ls, rs, strides, padding, ld, rd, fg, bg = case
    x, w = rng.normal(size=ls), rng.normal(size=rs)
    out = lax.conv_general_dilated(x, w, strides, padding, ld, rd, feature_group_count=fg, batch_group_count=bg)
    pads = lax.padtype_to_pads(ls[2:], [(k - 1) * r + 1 for k, r in zip(rs[2:], rd)], strides, padding) \
        if isinstance(padding, str) else padding
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, reference_conv(x, w, strides, pads, ld, rd, fg, bg), rtol=1e-12, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_conv_general_dilated_matches_jax(case):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    ls, rs, strides, padding, ld, rd, fg, bg = case
    x, w = rng.normal(size=ls), rng.normal(size=rs)
    kw = dict(feature_group_count=fg, batch_group_count=bg)
    np.testing.assert_allclose(lax.conv_general_dilated(x, w, strides, padding, ld, rd, **kw),
                               jax.lax.conv_general_dilated(x, w, strides, padding, ld, rd, **kw), rtol=1e-12, atol=1e-12)


def test_conv_is_scipy_correlate():
    x, w = rng.normal(size=(1, 1, 9, 7)), rng.normal(size=(1, 1, 3, 4))
    np.testing.assert_allclose(lax.conv(x, w, (1, 1), "VALID")[0, 0], scipy.signal.correlate(x[0, 0], w[0, 0], "valid"),
                               rtol=1e-12)
    same = lax.conv_general_dilated(x, w, (1, 1), [(1, 1), (2, 1)])[0, 0]
    np.testing.assert_allclose(same, scipy.signal.correlate(x[0, 0], w[0, 0], "same"), rtol=1e-12)


LAYOUTS = [("NCHW", "OIHW", "NCHW"), ("NHWC", "HWIO", "NHWC"), ("NHWC", "OIHW", "NCHW"), ("CHWN", "IWHO", "HNWC")]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_strings_permute_the_canonical_convolution(layout):
    lhs_spec, rhs_spec, out_spec = layout
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2))  # NCHW, OIHW
    # Spatial axes pair up by name, so window_strides follow the kernel string's spatial order.
    order = [c for c in rhs_spec if c in "HW"]
    strides = tuple({"H": 2, "W": 1}[c] for c in order)
    expected = lax.conv_general_dilated(x, w, (2, 1), "SAME")
    xt = np.transpose(x, ["NCHW".index(c) for c in lhs_spec])
    wt = np.transpose(w, ["OIHW".index(c) for c in rhs_spec])
    out = lax.conv_general_dilated(xt, wt, strides, "SAME", dimension_numbers=layout)
    np.testing.assert_allclose(out, np.transpose(expected, ["NCHW".index(c) for c in out_spec]), rtol=1e-12)
    dn = lax.conv_dimension_numbers(xt.shape, wt.shape, layout)
    np.testing.assert_allclose(lax.conv_general_dilated(xt, wt, strides, "SAME", dimension_numbers=dn), out)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_conv_dimension_numbers_matches_jax(layout):
    jax = pytest.importorskip("jax")
    ours = lax.conv_dimension_numbers((2, 3, 4, 5), (2, 3, 4, 5), layout)
    theirs = jax.lax.conv_dimension_numbers((2, 3, 4, 5), (2, 3, 4, 5), layout)
    assert tuple(map(tuple, ours)) == tuple(map(tuple, theirs))
    assert lax.conv_dimension_numbers((1, 1, 1), (1, 1, 1), None) == lax.ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2))


@pytest.mark.parametrize("padding", ["VALID", "SAME", "SAME_LOWER"])
def test_padtype_to_pads_matches_jax(padding):
    jax = pytest.importorskip("jax")
    for shape, window, strides in [((5, 6), (3, 2), (2, 1)), ((1, 7), (4, 1), (3, 3)), ((0, 4), (2, 2), (1, 2))]:
        assert lax.padtype_to_pads(shape, window, strides, padding) == \
            [tuple(p) for p in jax.lax.padtype_to_pads(shape, window, strides, padding)]


def test_padtype_to_pads_same_gives_ceil_of_input_over_stride():
    for d, k, s in itertools.product(range(1, 8), range(1, 5), range(1, 4)):
        (lo, hi), = lax.padtype_to_pads((d,), (k,), (s,), "SAME")
        assert (d + lo + hi - k) // s + 1 == -(-d // s) and 0 <= hi - lo <= 1


TRANSPOSES = [dict(strides=(2, 2), padding="SAME"), dict(strides=(2, 1), padding="VALID", transpose_kernel=True),
              dict(strides=(2, 2), padding=[(1, 2), (0, 1)]),
              dict(strides=(3, 2), padding=[(1, 0), (0, 1)], use_consistent_padding=True, rhs_dilation=(2, 1))]


@pytest.mark.parametrize("kw", TRANSPOSES)
def test_conv_transpose_matches_jax(kw):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = rng.normal(size=(2, 5, 4, 3))
    w = rng.normal(size=(3, 2, 4, 3) if kw.get("transpose_kernel") else (3, 2, 3, 4))
    np.testing.assert_allclose(lax.conv_transpose(x, w, **kw), jax.lax.conv_transpose(x, w, **kw), rtol=1e-12)


@pytest.mark.parametrize("padding, size", [("SAME", (8, 6)), ("VALID", (7, 4))])
def test_conv_transpose_with_transposed_kernel_is_the_gradient_of_conv(padding, size):
    # Sizes where the forward convolution uses every input element, so the shapes agree.
    x, w = rng.normal(size=(2,) + size + (3,)), rng.normal(size=(3, 2, 3, 4))  # NHWC, HWIO
    dn = ("NHWC", "HWIO", "NHWC")
    y, f_vjp = ft.vjp(lambda x: lax.conv_general_dilated(x, w, (2, 2), padding, dimension_numbers=dn), x)
    ct = rng.normal(size=y.shape)
    back = lax.conv_transpose(ct, w, (2, 2), padding, dimension_numbers=dn, transpose_kernel=True)
    np.testing.assert_allclose(back, f_vjp(ct)[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", [None, ("NHWC", "OIHW", "NHWC"), ("NHWC", "OIWH", "CNHW")])
def test_patches_contracted_with_a_kernel_are_the_convolution(layout):
    x = rng.normal(size=(2, 5, 6, 3) if layout else (2, 3, 5, 6))
    w = rng.normal(size=(4, 3, 2, 3))  # OIHW: spatial (2, 3)
    kernel = w if layout is None or layout[1] == "OIHW" else np.swapaxes(w, 2, 3)
    filter_shape = kernel.shape[2:]
    kw = dict(lhs_dilation=(2, 1), rhs_dilation=(1, 2), dimension_numbers=layout)
    patches = lax.conv_general_dilated_patches(x, filter_shape, (1, 2), [(1, 0), (0, 2)], **kw)
    out = lax.conv_general_dilated(x, kernel, (1, 2), [(1, 0), (0, 2)], **kw)
    feature = (layout[2] if layout else "NCHW").index("C")
    # The patch axis is (in feature, spatial in the kernel's order), as the kernel's (I, spatial) flattened.
    contracted = np.tensordot(np.moveaxis(patches, feature, -1), kernel.reshape(4, -1), axes=([-1], [1]))
    np.testing.assert_allclose(np.moveaxis(contracted, -1, feature), out, rtol=1e-12)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    np.testing.assert_allclose(patches, jax.lax.conv_general_dilated_patches(x, filter_shape, (1, 2), [(1, 0), (0, 2)], **kw))


def test_conv_with_general_padding_is_conv_general_dilated():
    x, w = rng.normal(size=(1, 2, 5, 4)), rng.normal(size=(3, 2, 2, 2))
    np.testing.assert_allclose(lax.conv_with_general_padding(x, w, (1, 2), [(1, 0), (2, 1)], (2, 1), (1, 2)),
                               lax.conv_general_dilated(x, w, (1, 2), [(1, 0), (2, 1)], (2, 1), (1, 2)))


def test_preferred_element_type_and_float32():
    x, w = rng.normal(size=(1, 2, 5)).astype(np.float32), rng.normal(size=(3, 2, 2)).astype(np.float32)
    assert lax.conv(x, w, (1,), "SAME").dtype == np.float32
    out = lax.conv_general_dilated(x, w, (1,), "SAME", preferred_element_type=np.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, lax.conv(x.astype(np.float64), w.astype(np.float64), (1,), "SAME"))
    ints = lax.conv(np.arange(6).reshape(1, 1, 6), np.ones((1, 1, 2), np.int64), (1,), "VALID")
    assert ints.dtype == np.int64 and ints.tolist() == [[[1, 3, 5, 7, 9]]]


@pytest.mark.parametrize("args, kwargs, error, match", [
    (((1, 2, 5), (3, 2, 2, 1), (1,), "SAME"), {}, TypeError, "ndim to be equal"),
    (((1, 4, 5), (3, 3, 2), (1,), "SAME"), {}, ValueError, r"4 // 1 != 3"),
    (((1, 4, 5), (3, 2, 2), (1,), "SAME"), dict(feature_group_count=2), ValueError, "multiple of feature_group_count"),
    (((1, 4, 5), (4, 1, 2), (1,), "SAME"), dict(feature_group_count=3), ValueError, "does not divide 4"),
    (((3, 2, 5), (4, 2, 2), (1,), "SAME"), dict(batch_group_count=2), ValueError, "does not divide 3"),
    (((1, 2, 5), (3, 2, 2), (1, 1), "SAME"), {}, ValueError, "window_strides"),
    (((1, 2, 5), (3, 2, 2), (0,), "SAME"), {}, TypeError, "strictly positive"),
    (((1, 2, 5), (3, 2, 2), (1,), "FULL"), {}, RuntimeError, "unrecognized padding"),
    (((1, 2, 5), (3, 2, 2), (1,), [(1, 2, 3)]), {}, ValueError, "pairs"),
    (((1, 2, 5), (3, 2, 2), (1,), [(-4, -3)]), {}, ValueError, "larger than the operand"),
    (((1, 2, 5), (3, 2, 2), (1,), "SAME"), dict(lhs_dilation=(2,)), ValueError, "String padding"),
    (((1, 2, 5), (3, 2, 2), (1,), "SAME"), dict(dimension_numbers=("NCW", "OIW")), TypeError, "length 3"),
    (((1, 2, 5), (3, 2, 2), (1,), "SAME"), dict(dimension_numbers=("NCW", "OIW", "NCH")), TypeError, "spatial"),
    (((1, 2, 5), (3, 2, 2), (1,), "SAME"), dict(dimension_numbers=("NNW", "OIW", "NCW")), TypeError, "exactly once"),
])
def test_bad_arguments_raise_jax_exception_types(args, kwargs, error, match):
    lhs_shape, rhs_shape, strides, padding = args
    with pytest.raises(error, match=match):
        lax.conv_general_dilated(np.ones(lhs_shape), np.ones(rhs_shape), strides, padding, **kwargs)


def test_mismatched_dtypes_raise_type_error_naming_shapes():
    with pytest.raises(TypeError, match=r"float32.*\(1, 2, 5\).*float64"):
        lax.conv(np.ones((1, 2, 5), np.float32), np.ones((3, 2, 2)), (1,), "SAME")


GRAD_CASES = [
    ((1, 2, 5, 4), (3, 2, 2, 2), (2, 1), "SAME", (1, 1), (1, 1), 1, 1, None),
    ((2, 4, 5), (4, 2, 3), (1,), [(2, -1)], (2,), (2,), 2, 1, None),
    ((2, 4, 3), (4, 4, 2), (1,), "VALID", (1,), (1,), 1, 2, ("NWC", "WIO", "NWC")),
]


@pytest.mark.parametrize("case", GRAD_CASES)
def test_gradients_in_both_operands(case):
    ls, rs, strides, padding, ld, rd, fg, bg, dn = case
    x, w = rng.normal(size=ls), rng.normal(size=rs)
    if dn is not None:
        x, w = np.moveaxis(x, 1, -1), np.transpose(w, (2, 1, 0))
    f = lambda x, w: lax.conv_general_dilated(x, w, strides, padding, ld, rd, dn, fg, bg)
    check_grads(f, (x, w), order=2, modes=("fwd", "rev"))


@pytest.mark.slow
def test_gradient_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2))
    loss = lambda L: lambda x, w: (L.conv_general_dilated(x, w, (2, 1), "SAME", None, (1, 2)) ** 3).sum()
    for ours, theirs in zip(ft.grad(loss(lax), (0, 1))(x, w), jax.grad(loss(jax.lax), (0, 1))(x, w)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_vmap_over_inputs_and_kernels_matches_a_loop():
    xs, ws = rng.normal(size=(3, 2, 2, 5, 4)), rng.normal(size=(3, 4, 2, 2, 3))
    f = lambda x, w: lax.conv_general_dilated(x, w, (1, 2), "SAME", rhs_dilation=(2, 1))
    for in_axes in [(0, 0), (0, None), (None, 0)]:
        batched = ft.vmap(f, in_axes=in_axes)(xs if in_axes[0] == 0 else xs[0], ws if in_axes[1] == 0 else ws[0])
        loop = np.stack([f(xs[i] if in_axes[0] == 0 else xs[0], ws[i] if in_axes[1] == 0 else ws[0]) for i in range(3)])
        np.testing.assert_allclose(batched, loop, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 2), c=st.integers(1, 3), o=st.integers(0, 3), d=st.integers(0, 7), k=st.integers(1, 4),
       stride=st.integers(1, 3), ld=st.integers(1, 2), rd=st.integers(1, 2), lo=st.integers(-1, 2),
       hi=st.integers(-1, 2), strided=st.booleans())
def test_hypothesis_1d_against_the_definition(n, c, o, d, k, stride, ld, rd, lo, hi, strided):
    x = rng.normal(size=(n, c, 2 * d if strided else d))
    x = x[..., ::2] if strided else x  # a non-contiguous input
    w = rng.normal(size=(o, c, k))
    dilated = (d - 1) * ld + 1 if d else 0
    if dilated + lo + hi < 0:
        with pytest.raises(ValueError):
            lax.conv_general_dilated(x, w, (stride,), [(lo, hi)], (ld,), (rd,))
        return
    out = lax.conv_general_dilated(x, w, (stride,), [(lo, hi)], (ld,), (rd,))
    np.testing.assert_allclose(out, reference_conv(x, w, (stride,), [(lo, hi)], (ld,), (rd,)), atol=1e-12)


@pytest.mark.parametrize("padding", ["SAME", "VALID", [(1, 2), (-1, 0)]])
def test_shape_tuples_are_the_convolutions_shapes(padding):
    x, w = np.ones((2, 7, 6, 3)), np.ones((3, 2, 3, 4))
    dn = ("NHWC", "HWIO", "NHWC")
    out = lax.conv_general_dilated(x, w, (2, 1), padding, dimension_numbers=dn)
    assert lax.conv_general_shape_tuple(x.shape, w.shape, (2, 1), padding, dn) == out.shape
    perms = lax.conv_general_permutations(dn)
    assert perms == tuple(map(tuple, lax.conv_dimension_numbers(x.shape, w.shape, dn)))
    assert lax.conv_shape_tuple((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), padding) == \
        lax.conv_general_dilated(np.ones((2, 3, 7, 6)), np.ones((4, 3, 3, 2)), (2, 1), padding).shape
    jax = pytest.importorskip("jax")
    assert lax.conv_general_shape_tuple(x.shape, w.shape, (2, 1), padding, dn) == \
        tuple(map(int, jax.lax.conv_general_shape_tuple(x.shape, w.shape, (2, 1), padding, dn)))
    assert perms == jax.lax.conv_general_permutations(dn)
