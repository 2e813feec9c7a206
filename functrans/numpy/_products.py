"""Products: dot, matmul, vdot, inner, outer, tensordot, einsum — all one ``dot_general``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import lax
from ._base import ArrayLike, asarray, broadcast_shapes, broadcast_to, canonical_axis, promote
from ._ufuncs import multiply


def _operands(a: ArrayLike, b: ArrayLike) -> list:
    return promote(asarray(a), asarray(b))


def _dot_general(a: Any, b: Any, dimension_numbers: Any) -> Any:
    """``lax.dot_general``, also for booleans: NumPy's boolean product is an or of ands,
    i.e. whether the integer product is nonzero."""
    if a.dtype != np.bool_:
        return lax.dot_general(a, b, dimension_numbers)
    as_int = lambda x: lax.convert_element_type(x, np.int64)
    return lax.ne(lax.dot_general(as_int(a), as_int(b), dimension_numbers), 0)


def dot(a: ArrayLike, b: ArrayLike) -> Any:
    """NumPy's ``dot``: the sum over the last axis of ``a`` and the second-to-last of ``b``.

    >>> dot(np.ones((2, 3)), np.ones(3))  # doctest: +SKIP
    array([3., 3.])
    """
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    b_axis = 0 if b.ndim == 1 else b.ndim - 2
    return _dot_general(a, b, (((a.ndim - 1,), (b_axis,)), ((), ())))


def matmul(a: ArrayLike, b: ArrayLike) -> Any:
    """``a @ b`` with broadcasting over leading (batch) axes."""
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are not allowed)")
    a2 = lax.expand_dims(a, [0]) if a.ndim == 1 else a
    b2 = lax.expand_dims(b, [1]) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align (inner sizes {a2.shape[-1]} and {b2.shape[-2]})")
    batch = broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    a2 = broadcast_to(a2, batch + a2.shape[-2:])
    b2 = broadcast_to(b2, batch + b2.shape[-2:])
    nb = len(batch)
    bdims = tuple(range(nb))
    out = _dot_general(a2, b2, (((nb + 1,), (nb,)), (bdims, bdims)))
    if a.ndim == 1:
        out = lax.squeeze(out, [out.ndim - 2])
    if b.ndim == 1:
        out = lax.squeeze(out, [out.ndim - 1])
    return out


def vdot(a: ArrayLike, b: ArrayLike) -> Any:
    """Dot product of the flattened arrays."""
    a, b = _operands(a, b)
    return _dot_general(lax.reshape(a, (a.size,)), lax.reshape(b, (b.size,)), (((0,), (0,)), ((), ())))


def inner(a: ArrayLike, b: ArrayLike) -> Any:
    """Sum over the last axes of ``a`` and ``b``."""
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return _dot_general(a, b, (((a.ndim - 1,), (b.ndim - 1,)), ((), ())))


def outer(a: ArrayLike, b: ArrayLike) -> Any:
    """``a.ravel()[:, None] * b.ravel()[None, :]``."""
    a, b = _operands(a, b)
    return _dot_general(lax.reshape(a, (a.size, 1)), lax.reshape(b, (1, b.size)), (((1,), (0,)), ((), ())))


def tensordot(a: ArrayLike, b: ArrayLike, axes: int | Sequence[Any] = 2) -> Any:
    """Sum over the last ``axes`` axes of ``a`` and first of ``b``, or over explicit axis lists."""
    a, b = _operands(a, b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        a_axes, b_axes = tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
    else:
        a_axes, b_axes = axes
        a_axes = (a_axes,) if isinstance(a_axes, (int, np.integer)) else tuple(a_axes)
        b_axes = (b_axes,) if isinstance(b_axes, (int, np.integer)) else tuple(b_axes)
    a_axes = tuple(canonical_axis(x, a.ndim) for x in a_axes)
    b_axes = tuple(canonical_axis(x, b.ndim) for x in b_axes)
    if len(a_axes) != len(b_axes) or any(a.shape[i] != b.shape[j] for i, j in zip(a_axes, b_axes)):
        raise ValueError(f"tensordot: shape mismatch for sum over axes {a_axes} of {a.shape} and {b_axes} of {b.shape}")
    return _dot_general(a, b, ((a_axes, b_axes), ((), ())))


def einsum(subscripts: str, *operands: ArrayLike) -> Any:
    """Einstein summation with an explicit or implicit output, e.g. ``einsum("bij,bjk->bik", x, y)``.

    Contractions go left to right, each a ``dot_general``; a label repeated within one
    operand (a diagonal) is not supported.
    """
    spec = subscripts.replace(" ", "")
    if "..." in spec:
        raise NotImplementedError("einsum: ellipses are not supported; name every axis")
    if "->" in spec:
        inputs, output = spec.split("->")
    else:
        inputs = spec
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    labels = inputs.split(",")
    if len(labels) != len(operands):
        raise ValueError(f"einsum: {len(labels)} operand labels in {subscripts!r} but {len(operands)} operands")
    arrays = promote(*[asarray(x) for x in operands])
    logical = arrays[0].dtype == np.bool_
    if logical:
        # A boolean einsum is an or of ands: count in integers, then test for nonzero.
        arrays = [lax.convert_element_type(x, np.int64) for x in arrays]
    sizes: dict[str, int] = {}
    for lab, x in zip(labels, arrays):
        if len(lab) != x.ndim:
            raise ValueError(f"einsum: operand labelled {lab!r} has {x.ndim} axes")
        if len(set(lab)) != len(lab):
            raise NotImplementedError(f"einsum: repeated label within one operand ({lab!r}) is not supported")
        for c, d in zip(lab, x.shape):
            if sizes.setdefault(c, d) != d:
                raise ValueError(f"einsum: label {c!r} has sizes {sizes[c]} and {d}")
    if any(c not in sizes for c in output):
        raise ValueError(f"einsum: output label not among the inputs in {subscripts!r}")

    def sum_unneeded(x, lab, keep):
        drop = tuple(i for i, c in enumerate(lab) if c not in keep)
        return lax.reduce_sum(x, drop), "".join(c for c in lab if c in keep)

    current, cur_lab = arrays[0], labels[0]
    for k in range(1, len(arrays)):
        later = set(output).union(*labels[k + 1 :])
        other, other_lab = arrays[k], labels[k]
        current, cur_lab = sum_unneeded(current, cur_lab, later | set(other_lab))
        other, other_lab = sum_unneeded(other, other_lab, later | set(cur_lab))
        shared = [c for c in cur_lab if c in other_lab]
        batch = [c for c in shared if c in later]
        contract = [c for c in shared if c not in later]
        dn = (
            (tuple(cur_lab.index(c) for c in contract), tuple(other_lab.index(c) for c in contract)),
            (tuple(cur_lab.index(c) for c in batch), tuple(other_lab.index(c) for c in batch)),
        )
        current = lax.dot_general(current, other, dn)
        cur_lab = "".join(batch) + "".join(c for c in cur_lab if c not in shared) + "".join(c for c in other_lab if c not in shared)
    current, cur_lab = sum_unneeded(current, cur_lab, set(output))
    current = lax.transpose(current, tuple(cur_lab.index(c) for c in output))
    return lax.ne(current, 0) if logical else current
