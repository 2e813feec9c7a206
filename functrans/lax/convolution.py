"""Convolutions: ``conv_general_dilated`` and its wrappers ``conv``, ``conv_with_general_padding``,
``conv_transpose``; ``ConvDimensionNumbers`` and ``conv_dimension_numbers``.

A convolution is computed as im2col: the input, moved to (batch, spatial..., feature), is
padded (interior padding for ``lhs_dilation``), the patches are gathered in one ``gather``
(its transpose, a scatter-add, is the input's gradient), and they meet the kernel in one ``dot_general``
whose batch axis is the feature or batch group. No new primitive: derivatives in both
operands, batching and compilation come from the primitives used.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np

from .. import core
from . import elementwise as _ew
from . import shape as _shape
from .dot import dot_general
from .slicing import GatherDimensionNumbers, gather
from .windowed import _windows, check_shapelike, dilate_shape, explicit_padding, padtype_to_pads

__all__ = ["ConvDimensionNumbers", "conv", "conv_dimension_numbers", "conv_general_dilated",
           "conv_general_dilated_local", "conv_general_dilated_patches", "conv_general_permutations",
           "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose", "conv_transpose_shape_tuple",
           "conv_with_general_padding"]


class ConvDimensionNumbers(NamedTuple):
    """Where the axes of a convolution are: ``lhs_spec`` and ``out_spec`` list (batch, feature,
    spatial...), ``rhs_spec`` lists (out feature, in feature, spatial...)."""
    lhs_spec: Sequence[int]
    rhs_spec: Sequence[int]
    out_spec: Sequence[int]


def _layout_permutations(specs: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """The axis permutations that layout strings such as ``('NHWC', 'HWIO', 'NHWC')`` mean; spatial
    axes are ordered as they appear in the kernel's string."""
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(specs, pairs)):
        if not spec.count(a) == spec.count(b) == 1:
            raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters '{a}' and '{b}' "
                            f"exactly once, got {spec}.")
        if len(spec) != len(set(spec)):
            raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate characters, got {spec}.")
    spatial = [set(spec) - set(pair) for spec, pair in zip(specs, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise TypeError(f"convolution dimension_numbers elements must each have the same set of spatial "
                        f"characters, got {tuple(specs)}.")
    kernel = specs[1]
    order = [c for c in kernel if c not in pairs[1]]
    return tuple((spec.index(a), spec.index(b)) + tuple(spec.index(c) for c in order)
                 for spec, (a, b) in zip(specs, pairs))


def conv_dimension_numbers(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                           dimension_numbers: Any) -> ConvDimensionNumbers:
    """``dimension_numbers`` (None, three layout strings, or a ``ConvDimensionNumbers``) as a
    ``ConvDimensionNumbers``; None means (batch, feature, spatial...) everywhere.

    >>> conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got {len(lhs_shape)} and {len(rhs_shape)}.")
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, (list, tuple)):
        raise TypeError(f"convolution dimension_numbers must be tuple/list or None, got {type(dimension_numbers)}.")
    if len(dimension_numbers) != 3:
        raise TypeError(f"convolution dimension_numbers list/tuple must be length 3, got {len(dimension_numbers)}.")
    if not all(isinstance(s, str) for s in dimension_numbers):
        raise TypeError(f"convolution dimension_numbers elements must be strings, got "
                        f"{tuple(map(type, dimension_numbers))}.")
    for i, spec in enumerate(dimension_numbers):
        if len(spec) != len(lhs_shape):
            raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the ndim of lhs and rhs, "
                            f"got {len(spec)} for lhs and rhs shapes {tuple(lhs_shape)} and {tuple(rhs_shape)}.")
    return ConvDimensionNumbers(*_layout_permutations(dimension_numbers))


def conv_general_permutations(dimension_numbers: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    """The (batch, feature, spatial...) axis permutations of three layout strings.

    >>> conv_general_permutations(("NHWC", "HWIO", "NHWC"))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    return _layout_permutations(dimension_numbers)


def conv_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int], strides: Sequence[int],
                     pads: str | Sequence[tuple[int, int]], batch_group_count: int = 1) -> tuple[int, ...]:
    """The output shape of a convolution of shapes in (batch, feature, spatial...) order.

    >>> conv_shape_tuple((2, 3, 7, 6), (4, 3, 3, 3), (2, 1), "SAME")
    (2, 4, 4, 6)
    """
    if isinstance(pads, str):
        pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    if len(pads) != len(lhs_shape) - 2:
        raise TypeError(f"conv_shape_tuple: wrong number of explicit pads for convolution: expected "
                        f"{len(lhs_shape) - 2}, got {len(pads)}.")
    padded = [d + lo + hi for d, (lo, hi) in zip(lhs_shape[2:], pads)]
    if any(d < 0 for d in padded):
        raise ValueError(f"conv_shape_tuple: negative padding {tuple(pads)} is larger than lhs spatial shape "
                         f"{tuple(lhs_shape[2:])}")
    spatial = tuple((d - k) // s + 1 if d >= k else 0 for d, k, s in zip(padded, rhs_shape[2:], strides))
    return (int(lhs_shape[0]) // batch_group_count, int(rhs_shape[0])) + spatial


def conv_general_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int], window_strides: Sequence[int],
                             padding: str | Sequence[tuple[int, int]], dimension_numbers: Sequence[str]) -> tuple[int, ...]:
    """The output shape of ``conv_general_dilated`` (no dilation) for layout strings.

    >>> conv_general_shape_tuple((2, 7, 6, 3), (3, 3, 3, 4), (2, 1), "SAME", ("NHWC", "HWIO", "NHWC"))
    (2, 4, 6, 4)
    """
    lhs_perm, rhs_perm, out_perm = _layout_permutations(dimension_numbers)
    out = conv_shape_tuple([lhs_shape[a] for a in lhs_perm], [rhs_shape[a] for a in rhs_perm], window_strides, padding)
    return tuple(out[int(j)] for j in np.argsort(out_perm))


def _check_groups(lhs_shape: tuple[int, ...], rhs_shape: tuple[int, ...], feature_group_count: int,
                  batch_group_count: int) -> None:
    """JAX's checks of the group counts, on shapes in (batch, feature, spatial...) order."""
    name = "conv_general_dilated"
    (n, c), (o, i) = lhs_shape[:2], rhs_shape[:2]
    for arg, g in (("feature_group_count", feature_group_count), ("batch_group_count", batch_group_count)):
        if not g > 0:
            raise ValueError(f"{name}: {arg} must be a positive integer, got {g}.")
    if c % feature_group_count:
        raise ValueError(f"{name}: feature_group_count must divide lhs feature dimension size, but "
                         f"{feature_group_count} does not divide {c}.")
    if c // feature_group_count != i:
        raise ValueError(f"{name}: lhs feature dimension size divided by feature_group_count must equal the rhs "
                         f"input feature dimension size, but {c} // {feature_group_count} != {i}.")
    for arg, g in (("feature_group_count", feature_group_count), ("batch_group_count", batch_group_count)):
        if o % g:
            raise ValueError(f"{name}: rhs output feature dimension size must be a multiple of {arg}, but {o} is "
                             f"not a multiple of {g}.")
    if n % batch_group_count:
        raise ValueError(f"{name}: batch_group_count must divide lhs batch dimension size, but "
                         f"{batch_group_count} does not divide {n}.")
    if batch_group_count > 1 and feature_group_count > 1:
        raise ValueError(f"{name}: at most one of batch_group_count and feature_group_count may be > 1, got "
                         f"batch_group_count={batch_group_count} and feature_group_count={feature_group_count}")


def _check_element_type(lhs: core.ShapedArray, rhs: core.ShapedArray, preferred_element_type: Any) -> np.dtype:
    """The dtype the convolution computes in: the operands' (they must agree), or the preferred one."""
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"conv_general_dilated requires arguments to have the same dtypes, got {lhs.dtype} "
                        f"(lhs {lhs.shape}) and {rhs.dtype} (rhs {rhs.shape}).")
    if lhs.dtype == np.bool_:
        raise TypeError(f"conv_general_dilated does not accept dtype bool, got operands of shapes {lhs.shape} and "
                        f"{rhs.shape}")
    if preferred_element_type is None:
        return lhs.dtype
    preferred = np.dtype(preferred_element_type)
    if np.issubdtype(lhs.dtype, np.inexact) and not np.issubdtype(preferred, np.inexact):
        raise TypeError(f"conv_general_dilated: preferred_element_type {preferred} must be inexact for "
                        f"{lhs.dtype} operands")
    return preferred


def _patches(lhs: Any, rhs_shape: Sequence[int], window_strides: Sequence[int], padding: Any,
             lhs_dilation: Sequence[int] | None, rhs_dilation: Sequence[int] | None, dnums: ConvDimensionNumbers,
             dtype: np.dtype, feature_group_count: int = 1, batch_group_count: int = 1):
    """The checked arguments' im2col: (batch, out spatial..., kernel offset, feature), the offsets
    row-major over the kernel's spatial axes; and the operand shapes in (batch, feature, spatial...)
    and (out, in, spatial...) order. Channels last, so that NHWC inputs do not move."""
    name = "conv_general_dilated"
    lhs_aval = core.get_aval(lhs)
    if lhs_aval.ndim != len(rhs_shape):
        raise ValueError(f"{name}: lhs and rhs must have the same number of dimensions, but got {lhs_aval.shape} "
                         f"and {tuple(rhs_shape)}.")
    if lhs_aval.ndim < 2:
        raise TypeError(f"{name}: operands need a batch and a feature axis, got shapes {lhs_aval.shape} and "
                        f"{tuple(rhs_shape)}")
    lhs_perm, rhs_perm = (tuple(int(a) for a in spec) for spec in dnums[:2])
    lhs_shape = tuple(lhs_aval.shape[a] for a in lhs_perm)
    rhs_shape = tuple(rhs_shape[a] for a in rhs_perm)
    s = lhs_aval.ndim - 2
    window_strides = check_shapelike(name, "window_strides", window_strides, positive=True)
    if len(window_strides) != s:
        raise ValueError(f"{name}: window and window_strides must have the same number of dimensions, but got "
                         f"{s} and {len(window_strides)}")
    ones = (1,) * s
    rhs_dilation = ones if rhs_dilation is None else check_shapelike(name, "rhs_dilation", rhs_dilation, True)
    if lhs_dilation is None:
        lhs_dilation = ones
    else:
        lhs_dilation = check_shapelike(name, "lhs_dilation", lhs_dilation, positive=True)
        if isinstance(padding, str) and lhs_dilation != ones:
            raise ValueError("String padding is not implemented for transposed convolution using this op. Please "
                             "either exactly specify the required padding or use conv_transpose.")
    for arg, value in (("lhs_dilation", lhs_dilation), ("rhs_dilation", rhs_dilation)):
        if len(value) != s:
            raise ValueError(f"{name}: {arg} {value} needs one entry per spatial dimension ({s})")
    if isinstance(padding, str):
        padding = padtype_to_pads(lhs_shape[2:], dilate_shape(rhs_shape[2:], rhs_dilation), window_strides, padding)
    padding = explicit_padding(name, padding, s)
    _check_groups(lhs_shape, rhs_shape, feature_group_count, batch_group_count)
    x = _ew.convert_element_type(_shape.transpose(lhs, (lhs_perm[0],) + lhs_perm[2:] + (lhs_perm[1],)), dtype)
    one, zero = (1,), ((0, 0),)
    config, out_spatial, _ = _windows(core.get_aval(x).shape, one + rhs_shape[2:] + one,
                                      one + window_strides + one, zero + padding + zero, one + lhs_dilation + one,
                                      one + rhs_dilation + one)
    (n, c), out_spatial = lhs_shape[:2], out_spatial[1:-1]
    shape = (n,) + out_spatial + (math.prod(rhs_shape[2:]), c)
    if math.prod(shape) == 0:
        return _shape.full(shape, 0, dtype), lhs_shape, rhs_shape
    padded = _shape.pad(x, np.zeros((), dtype), config) if any(cf != (0, 0, 0) for cf in config) else x
    return _gather_windows(padded, out_spatial, rhs_shape[2:], window_strides, rhs_dilation), lhs_shape, rhs_shape


def _gather_windows(x: Any, out_spatial: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                    dilation: Sequence[int]) -> Any:
    """im2col of the padded (batch, spatial..., feature) ``x`` as one gather: (batch, out spatial...,
    kernel offset, feature). One gather (and, in reverse mode, one scatter-add) instead of a strided
    slice per kernel offset, concatenated, whose transpose sums as many zero-padded copies: measured
    2.2x faster and 2.4x quicker to compile for W7's second convolution with both gradients."""
    s = len(kernel)
    outs = np.moveaxis(np.indices(out_spatial, np.int32), 0, -1) * np.asarray(strides, np.int32)
    offsets = np.moveaxis(np.indices(kernel, np.int32), 0, -1) * np.asarray(dilation, np.int32)
    starts = outs.reshape(tuple(out_spatial) + (1, s)) + offsets.reshape(math.prod(kernel), s)
    aval = core.get_aval(x)
    dnums = GatherDimensionNumbers(offset_dims=(0, s + 2), collapsed_slice_dims=tuple(range(1, s + 1)),
                                   start_index_map=tuple(range(1, s + 1)))
    return gather(x, starts, dnums, (aval.shape[0],) + (1,) * s + (aval.shape[-1],),
                  indices_are_sorted=True, mode="promise_in_bounds")


def _to_layout(out: Any, out_spec: Sequence[int]) -> Any:
    """``out``, (batch, spatial..., feature), moved to the layout ``out_spec`` describes."""
    s = len(out_spec) - 2
    where = (0, s + 1) + tuple(range(1, s + 1))  # where canonical axis j is in out
    perm = [0] * (s + 2)
    for j, a in enumerate(out_spec):
        perm[int(a)] = where[j]
    return _shape.transpose(out, perm)


def conv_general_dilated(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: str | Sequence[tuple[int, int]],
                         lhs_dilation: Sequence[int] | None = None, rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: Any = None, feature_group_count: int = 1, batch_group_count: int = 1,
                         precision: Any = None, preferred_element_type: Any = None) -> Any:
    """The n-dimensional convolution (cross-correlation, as in XLA) of ``lhs`` with the kernel ``rhs``:
    strides, ``'SAME'``/``'SAME_LOWER'``/``'VALID'`` or explicit ``(low, high)`` padding, input
    (``lhs_dilation``, a transposed convolution) and kernel (``rhs_dilation``, atrous) dilation,
    any layout, and feature or batch groups. ``precision`` is accepted and ignored (NumPy and
    the compiled code compute in the operands' dtype).

    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> conv_general_dilated(x, np.ones((1, 1, 2)), (1,), "VALID")
    array([[[1., 3., 5., 7.]]])
    >>> conv_general_dilated(x, np.ones((1, 1, 2)), (2,), [(1, 0)], rhs_dilation=(2,))
    array([[[1., 4.]]])
    """
    lhs = lhs if core.is_valid_value(lhs) else np.asarray(lhs)
    rhs = rhs if core.is_valid_value(rhs) else np.asarray(rhs)
    lhs_aval, rhs_aval = core.get_aval(lhs), core.get_aval(rhs)
    dnums = conv_dimension_numbers(lhs_aval.shape, rhs_aval.shape, dimension_numbers)
    dtype = _check_element_type(lhs_aval, rhs_aval, preferred_element_type)
    patches, lhs_shape, rhs_shape = _patches(lhs, rhs_aval.shape, window_strides, padding, lhs_dilation,
                                             rhs_dilation, dnums, dtype, feature_group_count, batch_group_count)
    rhs_perm = tuple(int(a) for a in dnums.rhs_spec)
    (n, c), (o, i), k = lhs_shape[:2], rhs_shape[:2], math.prod(rhs_shape[2:])
    s, out_spatial = len(lhs_shape) - 2, core.get_aval(patches).shape[1:-2]
    # The kernel channels last too: (offset, in, out).
    kernel = _ew.convert_element_type(_shape.transpose(rhs, rhs_perm[2:] + (rhs_perm[1], rhs_perm[0])), dtype)
    kernel = _shape.reshape(kernel, (k, i, o))
    fg, bg = feature_group_count, batch_group_count
    if fg == bg == 1:
        out = dot_general(patches, kernel, (((s + 1, s + 2), (0, 1)), ((), ())))
    else:
        # The group (of features, or of the batch, group-major) is dot_general's batch axis.
        g = fg * bg
        kernel = _shape.reshape(kernel, (k, i, g, o // g))
        if fg > 1:
            patches = _shape.reshape(patches, (n,) + out_spatial + (k, g, c // g))
            dims = (((s + 1, s + 3), (0, 1)), ((s + 2,), (2,)))
        else:
            patches = _shape.reshape(patches, (g, n // g) + out_spatial + (k, c))
            dims = (((s + 2, s + 3), (0, 1)), ((0,), (2,)))
        out = dot_general(patches, kernel, dims)  # (group, batch, out spatial..., feature in group)
        out = _shape.transpose(out, tuple(range(1, s + 2)) + (0, s + 2))
        out = _shape.reshape(out, (n // bg,) + out_spatial + (o,))
    return _to_layout(out, dnums.out_spec)


def conv_general_dilated_patches(lhs: Any, filter_shape: Sequence[int], window_strides: Sequence[int],
                                 padding: str | Sequence[tuple[int, int]], lhs_dilation: Sequence[int] | None = None,
                                 rhs_dilation: Sequence[int] | None = None, dimension_numbers: Any = None,
                                 precision: Any = None, preferred_element_type: Any = None) -> Any:
    """The patches ``conv_general_dilated`` would contract with a kernel of spatial shape
    ``filter_shape`` (in the kernel layout's spatial order): the output's feature axis holds each
    patch flattened, feature-major, then spatial in the kernel layout's order.

    >>> import numpy as np
    >>> conv_general_dilated_patches(np.arange(4.0).reshape(1, 1, 4), (2,), (2,), "VALID")
    array([[[0., 2.],
            [1., 3.]]])
    """
    lhs = lhs if core.is_valid_value(lhs) else np.asarray(lhs)
    lhs_aval = core.get_aval(lhs)
    filter_shape = check_shapelike("conv_general_dilated_patches", "filter_shape", filter_shape)
    dnums = conv_dimension_numbers(lhs_aval.shape, (1, 1) + filter_shape, dimension_numbers)
    c = lhs_aval.shape[dnums.lhs_spec[1]]
    # A kernel (c, 1, spatial...) with c groups: every feature of lhs is its own group.
    rhs_shape = [0] * lhs_aval.ndim
    for a, d in zip(dnums.rhs_spec, (c, 1) + filter_shape):
        rhs_shape[a] = d
    dtype = _check_element_type(lhs_aval, lhs_aval, preferred_element_type)
    patches, lhs_shape, _ = _patches(lhs, rhs_shape, window_strides, padding, lhs_dilation, rhs_dilation, dnums,
                                     dtype, feature_group_count=c)
    s = lhs_aval.ndim - 2
    patches = _shape.transpose(patches, tuple(range(s + 1)) + (s + 2, s + 1))
    out = _shape.reshape(patches, core.get_aval(patches).shape[:-2] + (c * math.prod(filter_shape),))
    return _to_layout(out, dnums.out_spec)


def conv(lhs: Any, rhs: Any, window_strides: Sequence[int], padding: str, precision: Any = None,
         preferred_element_type: Any = None) -> Any:
    """``conv_general_dilated`` in the (batch, feature, spatial...) layout with no dilation.

    >>> import numpy as np
    >>> conv(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), (1, 1), "SAME")[0, 0]
    array([[4., 4., 2.],
           [4., 4., 2.],
           [2., 2., 1.]])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs: Any, rhs: Any, window_strides: Sequence[int],
                              padding: str | Sequence[tuple[int, int]], lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: Any = None,
                              preferred_element_type: Any = None) -> Any:
    """``conv_general_dilated`` in the (batch, feature, spatial...) layout, with dilations.

    >>> import numpy as np
    >>> conv_with_general_padding(np.arange(3.0).reshape(1, 1, 3), np.ones((1, 1, 2)), (1,), [(0, 0)], (2,), None)
    array([[[0., 1., 1., 2.]]])
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _transpose_padding(k: int, s: int, padding: str | tuple[int, int]) -> tuple[int, int]:
    """The padding of the dilated input that makes a transposed convolution the gradient of the
    forward one with kernel extent ``k``, stride ``s`` and ``padding``."""
    if padding == "SAME":
        total = k + s - 2
        low = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        low = k - 1
    elif isinstance(padding, tuple):
        low, high = (k - p - 1 for p in padding)
        total = low + high
    else:
        raise ValueError(f"conv_transpose: invalid padding mode: {padding}")
    return low, total - low


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"), 4: ("NHWC", "HWIO", "NHWC"),
                      5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs: Any, rhs: Any, strides: Sequence[int], padding: str | Sequence[tuple[int, int]],
                   rhs_dilation: Sequence[int] | None = None, dimension_numbers: Any = None,
                   transpose_kernel: bool = False, precision: Any = None, preferred_element_type: Any = None,
                   use_consistent_padding: bool = False) -> Any:
    """The transposed ("fractionally strided") convolution: ``lhs`` dilated by ``strides`` and
    convolved with ``rhs``. Layouts default to TensorFlow's (``'NHWC', 'HWIO', 'NHWC'``).
    ``'SAME'``/``'VALID'`` (and explicit pairs with ``use_consistent_padding``) name the padding
    of the forward convolution; otherwise pairs pad the dilated input. ``transpose_kernel``
    flips the kernel's spatial axes and swaps its feature axes, giving the gradient of the
    forward convolution with that kernel.

    >>> import numpy as np
    >>> conv_transpose(np.ones((1, 2, 1)), np.ones((2, 1, 1)), (2,), "VALID")[0, :, 0]
    array([1., 1., 1., 1.])
    """
    lhs = lhs if core.is_valid_value(lhs) else np.asarray(lhs)
    rhs = rhs if core.is_valid_value(rhs) else np.asarray(rhs)
    lhs_shape, rhs_shape = core.get_aval(lhs).shape, core.get_aval(rhs).shape
    ndim = len(lhs_shape)
    if ndim != len(rhs_shape) or ndim < 2:
        raise TypeError(f"conv_transpose: lhs and rhs need the same rank, at least 2, got shapes {lhs_shape} "
                        f"and {rhs_shape}")
    if dimension_numbers is None:
        if ndim not in _TRANSPOSE_LAYOUTS:
            raise ValueError(f"conv_transpose: no default dimension_numbers for rank {ndim} operands")
        dimension_numbers = _TRANSPOSE_LAYOUTS[ndim]
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    strides = check_shapelike("conv_transpose", "strides", strides, positive=True)
    kernel_spatial = [rhs_shape[a] for a in dn.rhs_spec[2:]]
    rhs_dilation = (1,) * (ndim - 2) if rhs_dilation is None else tuple(rhs_dilation)
    if use_consistent_padding or padding in ("SAME", "VALID"):
        per_axis = [padding] * len(strides) if isinstance(padding, str) else [tuple(p) for p in padding]
        padding = [_transpose_padding(k, s, p)
                   for k, s, p in zip(dilate_shape(kernel_spatial, rhs_dilation), strides, per_axis)]
    if transpose_kernel:
        rhs = _shape.rev(rhs, tuple(int(a) for a in dn.rhs_spec[2:]))
        perm = list(range(ndim))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = perm[dn.rhs_spec[1]], perm[dn.rhs_spec[0]]
        rhs = _shape.transpose(rhs, perm)
    return conv_general_dilated(lhs, rhs, (1,) * (ndim - 2), padding, strides, rhs_dilation, dn,
                                precision=precision, preferred_element_type=preferred_element_type)


def conv_transpose_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int], window_strides: Sequence[int],
                               padding: str | Sequence[tuple[int, int]],
                               dimension_numbers: Sequence[str]) -> tuple[int, ...]:
    """The output shape of ``conv_transpose`` for layout strings (``'SAME'``/``'VALID'`` name the
    forward convolution's padding; pairs pad the dilated input).

    >>> conv_transpose_shape_tuple((1, 4, 4, 3), (3, 3, 3, 8), (2, 2), "SAME", ("NHWC", "HWIO", "NHWC"))
    (1, 8, 8, 8)
    """
    lhs_perm, rhs_perm, out_perm = _layout_permutations(dimension_numbers)
    lhs_t, rhs_t = [int(lhs_shape[a]) for a in lhs_perm], [int(rhs_shape[a]) for a in rhs_perm]
    if isinstance(padding, str):
        padding = [_transpose_padding(k, s, padding) for k, s in zip(rhs_t[2:], window_strides)]
    spatial = [(i - 1) * s - k + 2 + lo + hi for i, k, s, (lo, hi) in zip(lhs_t[2:], rhs_t[2:], window_strides, padding)]
    out = [lhs_t[0], rhs_t[0], *spatial]
    return tuple(out[int(j)] for j in np.argsort(out_perm))


def conv_general_dilated_local(lhs: Any, rhs: Any, window_strides: Sequence[int],
                               padding: str | Sequence[tuple[int, int]], filter_shape: Sequence[int],
                               lhs_dilation: Sequence[int] | None = None, rhs_dilation: Sequence[int] | None = None,
                               dimension_numbers: Any = None, precision: Any = None) -> Any:
    """An unshared (locally connected) convolution: a kernel of its own at every output position.

    ``rhs``'s spatial axes are the output's positions and its in-feature axis holds a whole
    patch (feature-major, then ``filter_shape`` in the kernel layout's spatial order), as
    ``conv_general_dilated_patches`` lays it out.

    >>> import numpy as np
    >>> kernels = np.array([[[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]])  # (out feature, patch, position)
    >>> conv_general_dilated_local(np.array([[[1.0, 2.0, 3.0, 4.0]]]), kernels, (1,), "VALID", (3,))
    array([[[ 3., 11.]]])
    """
    lhs = lhs if core.is_valid_value(lhs) else np.asarray(lhs)
    rhs = rhs if core.is_valid_value(rhs) else np.asarray(rhs)
    patches = conv_general_dilated_patches(lhs, filter_shape, window_strides, padding, lhs_dilation, rhs_dilation,
                                           dimension_numbers)
    filter_shape = check_shapelike("conv_general_dilated_local", "filter_shape", filter_shape)
    dnums = conv_dimension_numbers(core.get_aval(lhs).shape, (1, 1) + filter_shape, dimension_numbers)
    out_spatial, rhs_spatial = [int(a) for a in dnums.out_spec[2:]], [int(a) for a in dnums.rhs_spec[2:]]
    # Position by position (batch axes of the product, in the patches' axis order), contract
    # each patch with its kernel: the result is (positions..., batch, out feature).
    order = sorted(range(len(out_spatial)), key=lambda k: out_spatial[k])
    dims = (([int(dnums.out_spec[1])], [int(dnums.rhs_spec[1])]),
            ([out_spatial[k] for k in order], [rhs_spatial[k] for k in order]))
    out = dot_general(patches, rhs, dims, precision=precision)
    s = len(out_spatial)
    position_axes = sorted(out_spatial)
    perm = [0] * (s + 2)
    perm[int(dnums.out_spec[0])], perm[int(dnums.out_spec[1])] = s, s + 1
    for k, axis in enumerate(position_axes):
        perm[axis] = k
    return _shape.transpose(out, perm)
