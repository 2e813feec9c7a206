"""``dot_general``: contraction over some axes, batched over others; ``dot`` and
``batch_matmul`` on top of it. Every product takes JAX's ``precision`` (checked, and
ignored on a CPU) and ``preferred_element_type`` (the result's dtype)."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import core, dtypes
from ..autodiff import defjvp, is_undefined, transpose_rules
from ..batching import batching_rules, moveaxis
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..lowering import def_statement, emit_transpose_loops
from . import elementwise as _ew
from . import shape as _shape
from .precision import DotAlgorithm, PrecisionLike, canonicalize_precision

DimensionNumbers = tuple[tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[int, ...], tuple[int, ...]]]

dot_general_p = Primitive("dot_general")


def _free_axes(ndim: int, contract: Sequence[int], batch: Sequence[int]) -> list[int]:
    return [i for i in range(ndim) if i not in contract and i not in batch]


@dot_general_p.def_impl
def _dot_general_impl(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lf, rf = _free_axes(lhs.ndim, lc, lb), _free_axes(rhs.ndim, rc, rb)
    batch_shape = [lhs.shape[i] for i in lb]
    lf_shape, rf_shape = [lhs.shape[i] for i in lf], [rhs.shape[i] for i in rf]
    k = int(np.prod([lhs.shape[i] for i in lc], dtype=np.int64))
    b = int(np.prod(batch_shape, dtype=np.int64))
    m, n = int(np.prod(lf_shape, dtype=np.int64)), int(np.prod(rf_shape, dtype=np.int64))
    left = np.transpose(lhs, list(lb) + lf + list(lc)).reshape(b, m, k)
    right = np.transpose(rhs, list(rb) + list(rc) + rf).reshape(b, k, n)
    return [np.matmul(left, right).reshape(batch_shape + lf_shape + rf_shape)]


@dot_general_p.def_abstract_eval
def _dot_general_abstract_eval(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    where = f"dot_general of {lhs.str_short()} and {rhs.str_short()} with dimension_numbers {dimension_numbers}"
    if lhs.dtype != rhs.dtype:
        raise DTypeError(f"{where}: operands must have equal dtypes")
    dtypes.check_kinds("dot_general", lhs, dtypes.NUMERIC)
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise ShapeError(f"{where}: contracting and batch axes must pair up")
    for axes, aval in ((lc + lb, lhs), (rc + rb, rhs)):
        if len(set(axes)) != len(axes) or any(not 0 <= a < aval.ndim for a in axes):
            raise ShapeError(f"{where}: axes out of range or repeated")
    if any(lhs.shape[a] != rhs.shape[b] for a, b in zip(lc + lb, rc + rb)):
        raise ShapeError(f"{where}: paired axes differ in size")
    shape = (
        [lhs.shape[i] for i in lb]
        + [lhs.shape[i] for i in _free_axes(lhs.ndim, lc, lb)]
        + [rhs.shape[i] for i in _free_axes(rhs.ndim, rc, rb)]
    )
    return [ShapedArray(shape, lhs.dtype, lhs.weak_type and rhs.weak_type)]


def _as_array(x: Any) -> Any:
    return x if isinstance(x, core.Tracer) else np.asarray(x)


def dot_general(lhs: Any, rhs: Any, dimension_numbers: DimensionNumbers, precision: PrecisionLike = None,
                preferred_element_type: Any = None, *, out_sharding: Any = None) -> Any:
    """Contract ``lhs`` and ``rhs``: ``((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))``.

    The result's axes are the batch axes, then ``lhs``'s free axes, then ``rhs``'s. Operands
    of different dtypes are promoted; the result has ``preferred_element_type`` if given
    (else a ``DotAlgorithm``'s accumulation type), computed in the wider of it and the operands'.

    >>> dot_general(np.ones((2, 3), np.int8), np.ones((3,), np.int8), (((1,), (0,)), ((), ())),
    ...             preferred_element_type=np.float32)
    array([3., 3.], dtype=float32)
    """
    precision = canonicalize_precision(precision)
    lhs, rhs = _as_array(lhs), _as_array(rhs)
    (lc, rc), (lb, rb) = dimension_numbers
    dn = ((tuple(map(int, lc)), tuple(map(int, rc))), (tuple(map(int, lb)), tuple(map(int, rb))))
    l_aval, r_aval = core.get_aval(lhs), core.get_aval(rhs)
    dtype, _ = dtypes.promote_typed((l_aval.dtype, l_aval.weak_type), (r_aval.dtype, r_aval.weak_type))
    if preferred_element_type is None and isinstance(precision, DotAlgorithm):
        preferred_element_type = precision.accumulation_type
    if preferred_element_type is None:
        return dot_general_p.bind(_ew.convert_element_type(lhs, dtype), _ew.convert_element_type(rhs, dtype), dimension_numbers=dn)
    preferred = np.dtype(preferred_element_type)
    compute = np.promote_types(dtype, preferred) if dtype != np.bool_ else preferred
    out = dot_general_p.bind(_ew.convert_element_type(lhs, compute), _ew.convert_element_type(rhs, compute), dimension_numbers=dn)
    return _ew.convert_element_type(out, preferred)


def dot(lhs: Any, rhs: Any, *, dimension_numbers: DimensionNumbers | None = None, precision: PrecisionLike = None,
        preferred_element_type: Any = None, out_sharding: Any = None) -> Any:
    """A vector-vector, matrix-vector or matrix-matrix product (or any ``dot_general`` given
    its ``dimension_numbers``).

    >>> dot(np.array([[1.0, 2.0]]), np.array([3.0, 4.0]), precision="highest")
    array([11.])
    """
    if dimension_numbers is None:
        l_shape, r_shape = core.get_aval(_as_array(lhs)).shape, core.get_aval(_as_array(rhs)).shape
        if not (1 <= len(l_shape) <= 2 and 1 <= len(r_shape) <= 2 and l_shape[-1] == r_shape[0]):
            raise ValueError("jax.lax.dot: dimension_numbers must be specified when not performing simple un-batched "
                             f"matrix-matrix, matrix-vector, or vector-vector products; got lhs_shape={l_shape} rhs_shape={r_shape}")
        dimension_numbers = (((len(l_shape) - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type)


def batch_matmul(lhs: Any, rhs: Any, precision: PrecisionLike = None) -> Any:
    """Matrix products over the leading (batch) axes of two operands of equal rank >= 2.

    >>> batch_matmul(np.ones((2, 1, 3)), np.ones((2, 3, 2))).shape
    (2, 1, 2)
    """
    lhs, rhs = _as_array(lhs), _as_array(rhs)
    l_ndim, r_ndim = core.get_aval(lhs).ndim, core.get_aval(rhs).ndim
    if min(l_ndim, r_ndim) < 2:
        raise ValueError(f"Arguments to batch_matmul must be at least 2D, got {l_ndim}, {r_ndim}")
    if l_ndim != r_ndim:
        raise ValueError(f"Arguments to batch_matmul must have same ndim, got {l_ndim}, {r_ndim}")
    batch = tuple(range(l_ndim - 2))
    return dot_general(lhs, rhs, (((l_ndim - 1,), (r_ndim - 2,)), (batch, batch)), precision)


def _swap(dimension_numbers: DimensionNumbers) -> DimensionNumbers:
    (lc, rc), (lb, rb) = dimension_numbers
    return (rc, lc), (rb, lb)


def _transpose_lhs(ct: Any, x_aval: ShapedArray, y: Any, dimension_numbers: DimensionNumbers, ct_y_first: bool = False) -> Any:
    """Cotangent of ``x`` in ``dot_general(x, y)``: contract ``ct`` with ``y`` over ``y``'s free
    axes, batching over the batch axes, then put the result's axes in ``x``'s order."""
    (xc, yc), (xb, yb) = dimension_numbers
    y_ndim = core.get_aval(y).ndim
    x_free, y_free = _free_axes(x_aval.ndim, xc, xb), _free_axes(y_ndim, yc, yb)
    nb = len(xb)
    # Where the pieces of the output (ct) sit: batch, then x's free and y's free axes
    # (in the opposite order when this is the rhs transpose, which swapped the operands).
    if ct_y_first:
        ct_y = tuple(range(nb, nb + len(y_free)))
    else:
        ct_y = tuple(range(nb + len(x_free), nb + len(x_free) + len(y_free)))
    ct_batch = tuple(range(nb))
    out = dot_general(ct, y, ((ct_y, tuple(y_free)), (ct_batch, tuple(yb))))
    # out's axes: batch (in x_batch order), x's free axes, then y's contracting axes in
    # ascending order, which pair with x's contracting axes sorted by their y partner.
    x_contract_by_y = [xc[i] for i in np.argsort(yc)]
    source_axes = list(xb) + x_free + x_contract_by_y
    return _shape.transpose(out, tuple(np.argsort(source_axes)))


def _dot_general_transpose(ct, x, y, *, dimension_numbers):
    if is_undefined(x):
        return [_transpose_lhs(ct, x.aval, y, dimension_numbers), None]
    return [None, _transpose_lhs(ct, y.aval, x, _swap(dimension_numbers), ct_y_first=True)]


defjvp(
    dot_general_p,
    lambda g, ans, x, y, *, dimension_numbers: dot_general(g, y, dimension_numbers),
    lambda g, ans, x, y, *, dimension_numbers: dot_general(x, g, dimension_numbers),
)
transpose_rules[dot_general_p] = _dot_general_transpose


def _shift(axes: Sequence[int]) -> tuple[int, ...]:
    return tuple(a + 1 for a in axes)


def _dot_general_batch(size, vals, dims, *, dimension_numbers):
    (lhs, rhs), (ld, rd) = vals, dims
    (lc, rc), (lb, rb) = dimension_numbers
    nb = len(lb)
    if ld is not None and rd is not None:
        lhs, rhs = moveaxis(lhs, ld, 0), moveaxis(rhs, rd, 0)
        dn = ((_shift(lc), _shift(rc)), ((0,) + _shift(lb), (0,) + _shift(rb)))
        return [dot_general(lhs, rhs, dn)], [0]
    if ld is not None:
        # The batch axis becomes lhs's first free axis, which lands right after the batch axes.
        lhs = moveaxis(lhs, ld, 0)
        dn = ((_shift(lc), rc), (_shift(lb), rb))
        return [dot_general(lhs, rhs, dn)], [nb]
    rhs = moveaxis(rhs, rd, 0)
    n_lhs_free = core.get_aval(lhs).ndim - len(lc) - nb
    dn = ((lc, _shift(rc)), (lb, _shift(rb)))
    return [dot_general(lhs, rhs, dn)], [nb + n_lhs_free]


batching_rules[dot_general_p] = _dot_general_batch


# The dtypes BLAS multiplies (kernels_linalg.strided_matmul).
_GEMM_DTYPES = frozenset(map(np.dtype, (np.float32, np.float64, np.complex64, np.complex128)))

Dim = tuple[int, tuple[int, ...]]  # a size and its element strides, one per array of a product


def _c_strides(shape: Sequence[int]) -> list[int]:
    return [math.prod(shape[i + 1 :]) for i in range(len(shape))]


def _merged(dims: list[Dim]) -> list[Dim]:
    """``dims`` (axes iterated together, each with its strides in every array) as few axes
    as the same elements allow: size-1 axes dropped, and an axis merged into the next
    where, in every array, it steps over exactly the next one's extent."""
    out: list[Dim] = []
    for size, strides in sorted((d for d in dims if d[0] != 1), key=lambda d: d[1], reverse=True):
        if out and all(s_prev == s * size for s_prev, s in zip(out[-1][1], strides)):
            out[-1] = (out[-1][0] * size, strides)
        else:
            out.append((size, strides))
    return out


def _unit_along_one(rows: int, cols: int, row_stride: int, col_stride: int) -> bool:
    return row_stride == 1 or rows <= 1 or col_stride == 1 or cols <= 1


def _strided_call(shapes: list[tuple[int, ...]], axes: list[tuple], out_shape: tuple[int, ...]) -> str | None:
    """The arguments after the buffers of ``kernels_linalg.strided_matmul`` for a product of
    C-contiguous operands of ``shapes`` with axes ``axes`` ((batch, free, contracting) for
    lhs, (batch, contracting, free) for rhs), or None where gemm cannot read them in place
    (more than two batch axes, free or contracting axes that are not one stride, or a
    matrix without a unit stride)."""
    (lb, lf, lc), (rb, rc, rf) = axes
    ls, rs, os = _c_strides(shapes[0]), _c_strides(shapes[1]), _c_strides(out_shape)
    nb = len(lb)
    batch = _merged([(shapes[0][a], (ls[a], rs[b], os[i])) for i, (a, b) in enumerate(zip(lb, rb))])
    free_m = _merged([(shapes[0][a], (ls[a], os[nb + i])) for i, a in enumerate(lf)])
    free_n = _merged([(shapes[1][a], (rs[a], os[nb + len(lf) + i])) for i, a in enumerate(rf)])
    contract = _merged([(shapes[0][a], (ls[a], rs[b])) for a, b in zip(lc, rc)])
    if len(batch) > 2 or max(len(free_m), len(free_n), len(contract)) > 1:
        return None
    batch += [(1, (0, 0, 0))] * (2 - len(batch))
    (m, (lm, om)), (n, (rn, on)), (k, (lk, rk)) = (d[0] if d else (1, (0, 0)) for d in (free_m, free_n, contract))
    if not (_unit_along_one(m, k, lm, lk) and _unit_along_one(k, n, rk, rn) and _unit_along_one(m, n, om, on)):
        return None
    sizes = tuple(d[0] for d in batch)
    strides = ", ".join(repr(tuple(d[1][j] for d in batch)) for j in range(3))
    return f"{sizes!r}, {strides}, {m}, {n}, {k}, {(lm, lk)!r}, {(rk, rn)!r}, {(om, on)!r}"


@def_statement(dot_general_p, fresh=True)
def _dot_general_lowering(em, eqn, args, outs):
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    lhs, rhs = (x.aval for x in eqn.inputs)
    out = eqn.out_binders[0].aval
    lf, rf = _free_axes(lhs.ndim, lc, lb), _free_axes(rhs.ndim, rc, rb)
    b = math.prod(lhs.shape[i] for i in lb)
    m, n, k = (math.prod(lhs.shape[i] for i in lf), math.prod(rhs.shape[i] for i in rf), math.prod(lhs.shape[i] for i in lc))
    operands = [[args[0], lhs, (tuple(lb), tuple(lf), tuple(lc))], [args[1], rhs, (tuple(rb), tuple(rc), tuple(rf))]]

    def move(i: int, view: tuple | None = None) -> str:
        """Operand ``i`` with its axes in its groups' order (batch, free, contracting for
        lhs; batch, contracting, free for rhs), copied unless already so, reshaped to
        ``view`` if given."""
        name, aval, axes = operands[i]
        perm = tuple(a for group in axes for a in group)
        if perm == tuple(sorted(perm)):  # already in that order
            return name if view is None else f"{name}.reshape({view!r})"
        shape = tuple(aval.shape[d] for d in perm)
        copy = em.scratch(shape, aval.dtype)
        emit_transpose_loops(em, copy, name, perm, shape)
        sizes = [len(group) for group in axes]
        grouped = tuple(tuple(range(sum(sizes[:g]), sum(sizes[: g + 1]))) for g in range(3))
        operands[i] = [copy, ShapedArray(shape, aval.dtype), grouped]
        return copy if view is None else f"{copy}.reshape({view!r})"

    if b * m * n == 0 or k == 0:  # no product to compute: an empty result, or zeros
        em.allocate(eqn.out_binders[0])
        if b * m * n:
            em.emit(f"{outs[0]}[...] = 0")
        return
    # gemm for large products, straight on the operands where it can read them in place;
    # loops for integers, and for many small products where a call per matrix costs more
    # than the arithmetic (per-example outer products).
    if out.dtype in _GEMM_DTYPES and (b == 1 or m * n * k >= 4096):
        call = _strided_call([lhs.shape, rhs.shape], [operands[0][2], operands[1][2]], out.shape)
        for i in (0, 1):  # else copy operands until it can (both copied, it always can)
            if call is None:
                move(i)
                call = _strided_call([o[1].shape for o in operands], [o[2] for o in operands], out.shape)
        em.allocate(eqn.out_binders[0])
        flat = ", ".join(f"{name}.reshape({math.prod(aval.shape)})" for name, aval in
                         ((operands[0][0], operands[0][1]), (operands[1][0], operands[1][1]), (outs[0], out)))
        em.emit(f"kernels_linalg.strided_matmul({flat}, {call})")
        return
    left, right = move(0, (b, m, k)), move(1, (b, k, n))
    em.allocate(eqn.out_binders[0])
    em.emit(f"kernels.matmul_loops({left}, {right}, {outs[0]}.reshape({(b, m, n)!r}))")
