"""Ragged and scaled matrix products: ``ragged_dot``, ``ragged_dot_general`` (with
``RaggedDotDimensionNumbers``) and ``scaled_dot``, written with ``dot_general`` and masks.

A ragged operand has one axis cut into consecutive groups of ``group_sizes`` rows. Its groups
are laid out densely (a new leading axis of one copy per group, zero outside the group), and
``dot_general`` contracts that axis with the rhs's group axis (or keeps it, when the ragged
axis is contracted). Derivatives, batching and compilation are those of the operations used.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from .. import core
from .dot import dot_general as _dot_general
from . import elementwise as _ew
from . import reduction as _red
from . import shape as _shape
from .precision import canonicalize_precision


@dataclasses.dataclass(frozen=True)
class RaggedDotDimensionNumbers:
    """The dimensions of ``ragged_dot_general``: ``dot_dimension_numbers`` as ``dot_general``'s
    ``((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch))``, the one lhs ragged
    dimension, and the rhs group dimension (one when the ragged dimension is not contracted
    nor a batch dimension, else none).

    >>> RaggedDotDimensionNumbers(([[1], [1]], [[], []]), [0], [0]).dot_dimension_numbers
    (((1,), (1,)), ((), ()))
    """

    dot_dimension_numbers: Any
    lhs_ragged_dimensions: Sequence[int]
    rhs_group_dimensions: Sequence[int]

    def __init__(self, dot_dimension_numbers: Any, lhs_ragged_dimensions: Sequence[int],
                 rhs_group_dimensions: Sequence[int]):
        object.__setattr__(self, "dot_dimension_numbers", tuple(tuple(map(tuple, t)) for t in dot_dimension_numbers))
        object.__setattr__(self, "lhs_ragged_dimensions", tuple(lhs_ragged_dimensions))
        object.__setattr__(self, "rhs_group_dimensions", tuple(rhs_group_dimensions))


_BASIC = RaggedDotDimensionNumbers((([1], [1]), ([], [])), [0], [0])


def _array(x: Any) -> Any:
    return x if isinstance(x, core.Tracer) else np.asarray(x)


def _free(ndim: int, *taken: Sequence[int]) -> list[int]:
    used = {d for dims in taken for d in dims}
    return [d for d in range(ndim) if d not in used]


def _mode(ndim: int, numbers: RaggedDotDimensionNumbers) -> tuple[str, int]:
    """Which kind of lhs dimension is ragged ('noncontracting', 'contracting' or 'batch'), and which."""
    if len(numbers.lhs_ragged_dimensions) != 1:
        raise TypeError("ragged_dot_general expects exactly one lhs ragged dimension.")
    (ragged,) = numbers.lhs_ragged_dimensions
    if not 0 <= ragged < ndim:
        raise TypeError("ragged_dot_general requires lhs ragged dimension numbers to be nonnegative and less than the "
                        f"number of axes of the lhs value, got {ragged} for lhs of rank {ndim}.")
    (contracting, _), (batch, _) = numbers.dot_dimension_numbers
    if ragged in contracting:
        return "contracting", ragged
    return ("batch" if ragged in batch else "noncontracting"), ragged


def _prefix(mode: str, ndim: int, ragged: int, batch: Sequence[int], contracting: Sequence[int]) -> list[int]:
    """The dimensions ``group_sizes`` of more than one axis is indexed by, before its group axis."""
    batch, contracting = list(batch), list(contracting)
    if mode == "noncontracting":
        free = _free(ndim, contracting, batch)
        return batch + free[: free.index(ragged)]
    if mode == "contracting":
        return batch + contracting[: contracting.index(ragged)]
    return batch[: batch.index(ragged)]


def _grouped(x: Any, dim: int, group_sizes: Any, prefix: Sequence[int]) -> Any:
    """``x`` with a new leading axis of one copy per group, each zero outside its group's rows of ``dim``
    (``group_sizes`` ``(*[x.shape[p] for p in prefix], g)``, or ``(g,)`` for every prefix)."""
    shape, gs_shape = core.get_aval(x).shape, core.get_aval(group_sizes).shape
    g = gs_shape[-1]
    ends = _red.cumsum(group_sizes, len(gs_shape) - 1)
    starts = _ew.sub(ends, group_sizes)
    prefix = list(prefix) if len(gs_shape) > 1 else []
    # The group axis in front, the prefix axes in x's order, for broadcast_in_dim.
    order = sorted(range(len(prefix)), key=lambda i: prefix[i])
    permutation = (len(prefix), *order)
    out_shape = (g, *shape)
    dims = (0, *(1 + prefix[i] for i in order))
    starts, ends = (_shape.broadcast_in_dim(_shape.transpose(v, permutation), out_shape, dims) for v in (starts, ends))
    rows = _shape.broadcasted_iota(core.get_aval(group_sizes).dtype, out_shape, dim + 1)
    inside = _ew.bitwise_and(_ew.le(starts, rows), _ew.lt(rows, ends))
    spread = _shape.broadcast_in_dim(x, out_shape, tuple(range(1, len(out_shape))))
    return _ew.select_n(inside, _shape.full(out_shape, 0, core.get_aval(x).dtype), spread)


def _check(lhs: Any, rhs: Any, group_sizes: Any, numbers: RaggedDotDimensionNumbers) -> tuple[str, int, list[int]]:
    l_aval, r_aval, gs = core.get_aval(lhs), core.get_aval(rhs), core.get_aval(group_sizes)
    if gs.dtype.kind not in "iu":
        raise TypeError("ragged_dot_general requires that group_sizes.dtype is subtype of np.integer.")
    mode, ragged = _mode(l_aval.ndim, numbers)
    (lc, rc), (lb, rb) = numbers.dot_dimension_numbers
    if gs.ndim == 0:
        raise TypeError("expected rank of group_sizes to be >=1.")
    prefix = _prefix(mode, l_aval.ndim, ragged, lb, lc)
    if gs.ndim != 1:
        expected = tuple(l_aval.shape[i] for i in prefix) + (gs.shape[-1],)
        if gs.shape != expected:
            raise TypeError(f"expected group_sizes to have shape {expected}, got {gs.shape}.")
    groups = numbers.rhs_group_dimensions
    if mode != "noncontracting" and groups:
        raise TypeError("ragged_dot_general requires zero group dimensions in the rhs when lhs ragged dimension is "
                        "contracting or batch.")
    if mode == "noncontracting":
        if len(groups) != 1:
            raise TypeError("ragged_dot_general requires exactly one rhs group dimension when lhs ragged dimension is "
                            "noncontracting.")
        (group,) = groups
        if not 0 <= group < r_aval.ndim:
            raise TypeError("ragged_dot_general requires rhs group dimension numbers to be nonnegative and less than "
                            f"the number of axes of the rhs value, got {group} for rhs of rank {r_aval.ndim}.")
        if group in rb or group in rc:
            raise TypeError("ragged_dot_general requires rhs group dimension numbers to be distinct from contracting "
                            "and batch dimensions.")
        if r_aval.shape[group] != gs.shape[-1]:
            raise TypeError(f"expected rhs group dimension size to be {gs.shape[-1]}, got {r_aval.shape[group]}.")
    return mode, ragged, prefix


def ragged_dot_general(lhs: Any, rhs: Any, group_sizes: Any, ragged_dot_dimension_numbers: RaggedDotDimensionNumbers,
                       precision: Any = None, preferred_element_type: Any = None, group_offset: Any = None,
                       out_sharding: Any = None) -> Any:
    """A ``dot_general`` in which one lhs dimension is ragged: cut into consecutive groups of
    ``group_sizes`` rows (rows past the last group are zero in the result). If that dimension
    is free (``m``), each group meets its own slice of the rhs group dimension; if contracted,
    the result gets a leading axis with one partial product per group; if a batch dimension,
    it is a plain ``dot_general``.

    >>> numbers = RaggedDotDimensionNumbers((([1], [1]), ([], [])), [0], [0])
    >>> ragged_dot_general(np.ones((3, 2)), np.stack([np.eye(2), 2 * np.eye(2)]), np.array([1, 2]), numbers)
    array([[1., 1.],
           [2., 2.],
           [2., 2.]])
    """
    if group_offset is not None:
        raise NotImplementedError("Unimplemented group_offset support.")
    lhs, rhs, group_sizes = _array(lhs), _array(rhs), _array(group_sizes)
    numbers = ragged_dot_dimension_numbers
    mode, ragged, prefix = _check(lhs, rhs, group_sizes, numbers)
    (lc, rc), (lb, rb) = numbers.dot_dimension_numbers
    shift = lambda dims: [d + 1 for d in dims]
    dot = lambda a, b, dn: _dot_general(a, b, dn, canonicalize_precision(precision), preferred_element_type)
    if mode == "batch":
        return dot(lhs, rhs, numbers.dot_dimension_numbers)
    lhs_groups = _grouped(lhs, ragged, group_sizes, prefix)
    if mode == "noncontracting":
        return dot(lhs_groups, rhs, ((shift(lc) + [0], list(rc) + [numbers.rhs_group_dimensions[0]]), (shift(lb), list(rb))))
    rhs_ragged = rc[list(lc).index(ragged)]
    rhs_prefix = _prefix(mode, core.get_aval(rhs).ndim, rhs_ragged, rb, rc)
    rhs_groups = _grouped(rhs, rhs_ragged, group_sizes, rhs_prefix)
    return dot(lhs_groups, rhs_groups, ((shift(lc), shift(rc)), ([0] + shift(lb), [0] + shift(rb))))


def ragged_dot(lhs: Any, rhs: Any, group_sizes: Any, precision: Any = None, preferred_element_type: Any = None,
               group_offset: Any = None, out_sharding: Any = None) -> Any:
    """Grouped matrix products: rows ``lhs[start_i : start_i + group_sizes[i]]`` (``lhs`` ``(m, k)``)
    times ``rhs[i]`` (``rhs`` ``(g, k, n)``), the groups consecutive from row 0; result ``(m, n)``,
    zero in rows past the last group.

    >>> ragged_dot(np.arange(6.0).reshape(3, 2), np.stack([np.eye(2), -np.eye(2)]), np.array([2, 1]))
    array([[ 0.,  1.],
           [ 2.,  3.],
           [-4., -5.]])
    """
    return ragged_dot_general(lhs, rhs, group_sizes, _BASIC, precision, preferred_element_type, group_offset)


def _spread_scale(scale: Any, shape: tuple, contracting: Sequence[int]) -> Any:
    """A block scale repeated along each contracting axis to the operand's size."""
    for d in contracting:
        scale_shape = core.get_aval(scale).shape
        if scale_shape[d] != shape[d]:
            repeat = shape[d] // scale_shape[d]
            grown = scale_shape[: d + 1] + (repeat,) + scale_shape[d + 1 :]
            scale = _shape.broadcast_in_dim(scale, grown, tuple(i for i in range(len(grown)) if i != d + 1))
            scale = _shape.reshape(scale, scale_shape[:d] + (shape[d],) + scale_shape[d + 1 :])
    return scale


def _check_scale(side: str, shape: tuple, scale_shape: tuple, contracting: Sequence[int]) -> None:
    for i, size in enumerate(shape):
        if i not in contracting:
            if scale_shape[i] != size:
                raise TypeError(f"{side} dim {i} of size {size} does not match scale dim size {scale_shape[i]}.")
        elif size % scale_shape[i]:
            raise TypeError(f"{side} contracting dim {i} of size {size} must be divisible by its scale's dim size "
                            f"{scale_shape[i]}.")
        elif size // scale_shape[i] < 2:
            raise TypeError(f"The ratio of {side} contracting dim {i} to its scale's dim size ({size // scale_shape[i]}) "
                            "must be at least 2.")


def scaled_dot(lhs: Any, rhs: Any, *, lhs_scale: Any = None, rhs_scale: Any = None, dimension_numbers: Any = None,
               preferred_element_type: Any = None) -> Any:
    """``dot_general(lhs * lhs_scale, rhs * rhs_scale)``, each scale given per block of the
    contracting axes (repeated over its block) and of the operand's size elsewhere; no scale
    is a scale of 1. ``dimension_numbers`` default to a (batched) matrix product. The product
    is computed in the operands' dtype, or ``preferred_element_type``: JAX's bfloat16 default
    and float8 operands are not available here.

    >>> scaled_dot(np.ones((1, 4)), np.ones((4, 1)), lhs_scale=np.array([[1.0, 2.0]]))
    array([[6.]])
    """
    lhs, rhs = _array(lhs), _array(rhs)
    l_shape, r_shape = core.get_aval(lhs).shape, core.get_aval(rhs).shape
    if dimension_numbers is None:
        if len(l_shape) < 2:
            raise TypeError("scaled_dot does not support 0-rank and 1-rank operands.")
        n = len(l_shape)
        dimension_numbers = (((n - 1,), (n - 2,)), (tuple(range(n - 2)), tuple(range(n - 2))))
    (lc, rc), (lb, rb) = dimension_numbers
    scales = [s for s in (lhs_scale, rhs_scale) if s is not None]
    ranks = [len(l_shape), len(r_shape)] + [np.ndim(s) if not isinstance(s, core.Tracer) else s.ndim for s in scales]
    if max(ranks) != min(ranks):
        raise TypeError(f"All input tensors must have the same rank. Got ranks {ranks} (lhs, rhs, then the scales given).")
    if len(lb) != len(rb):
        raise TypeError(f"LHS and RHS must have the same number of batch dimensions, got {len(lb)} and {len(rb)}.")
    if len(lc) != len(rc):
        raise TypeError(f"LHS and RHS must have the same number of contracting dimensions, got {len(lc)} and {len(rc)}.")
    for i, j in zip(lc, rc):
        if l_shape[i] != r_shape[j]:
            raise TypeError(f"LHS contracting dim {i} of size {l_shape[i]} does not match RHS contracting dim {j} of "
                            f"size {r_shape[j]}.")
    operands = []
    for side, x, shape, scale, contracting in (("LHS", lhs, l_shape, lhs_scale, lc), ("RHS", rhs, r_shape, rhs_scale, rc)):
        if scale is not None:
            scale = _array(scale)
            _check_scale(side, shape, core.get_aval(scale).shape, contracting)
            x = _ew.mul(x, _ew.convert_element_type(_spread_scale(scale, shape, contracting), core.get_aval(x).dtype))
        operands.append(x)
    return _dot_general(*operands, dimension_numbers, preferred_element_type=preferred_element_type)
