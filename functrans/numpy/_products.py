"""Products: dot, matmul, vdot, inner, outer, tensordot, einsum — all one ``dot_general``."""
from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from .. import lax
from ..lax.precision import PrecisionLike, canonicalize_precision
from ._base import ArrayLike, asarray, broadcast_shapes, broadcast_to, canonical_axis, convert, promote
from ._shape import diagonal, moveaxis
from ._ufuncs import conjugate, multiply


def _operands(a: ArrayLike, b: ArrayLike) -> list:
    return promote(asarray(a), asarray(b))


def _dot_general(a: Any, b: Any, dimension_numbers: Any, precision: PrecisionLike = None,
                 preferred_element_type: Any = None) -> Any:
    """``lax.dot_general``, also for booleans: NumPy's boolean product is an or of ands,
    i.e. whether the integer product is nonzero (a ``preferred_element_type`` counts instead,
    as JAX's does)."""
    if a.dtype != np.bool_ or preferred_element_type is not None:
        return lax.dot_general(a, b, dimension_numbers, precision, preferred_element_type)
    as_int = lambda x: lax.convert_element_type(x, np.int64)
    return lax.ne(lax.dot_general(as_int(a), as_int(b), dimension_numbers, precision), 0)


def _scalar_product(a: Any, b: Any, precision: PrecisionLike, preferred_element_type: Any) -> Any:
    """``dot`` or ``inner`` with a 0-d operand: an elementwise product, computed in
    ``preferred_element_type`` if given (``precision`` is checked as every product's)."""
    canonicalize_precision(precision)
    if preferred_element_type is not None:
        a, b = convert(a, np.dtype(preferred_element_type)), convert(b, np.dtype(preferred_element_type))
    return multiply(a, b)


def dot(a: ArrayLike, b: ArrayLike, *, precision: PrecisionLike = None, preferred_element_type: Any = None) -> Any:
    """NumPy's ``dot``: the sum over the last axis of ``a`` and the second-to-last of ``b``.

    ``precision`` and ``preferred_element_type`` (the dtype products are accumulated in and
    returned as) go to ``lax.dot_general``, as in every product here.

    >>> dot(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    >>> dot(np.full(200, 2, np.int8), np.full(200, 3, np.int8), preferred_element_type=np.int32)
    array(1200, dtype=int32)
    """
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return _scalar_product(a, b, precision, preferred_element_type)
    b_axis = 0 if b.ndim == 1 else b.ndim - 2
    return _dot_general(a, b, (((a.ndim - 1,), (b_axis,)), ((), ())), precision, preferred_element_type)


def matmul(a: ArrayLike, b: ArrayLike, *, precision: PrecisionLike = None, preferred_element_type: Any = None) -> Any:
    """``a @ b`` with broadcasting over leading (batch) axes, as ``numpy.matmul``.

    1-D operands are vectors (their axis is dropped from the result); scalars raise
    ``ValueError``. The operands are promoted to one dtype.

    >>> matmul(np.arange(6).reshape(2, 3), np.arange(3))
    array([ 5, 14])
    >>> matmul(np.ones((4, 2, 3)), np.ones((3, 5))).shape
    (4, 2, 5)
    """
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
    out = _dot_general(a2, b2, (((nb + 1,), (nb,)), (bdims, bdims)), precision, preferred_element_type)
    if a.ndim == 1:
        out = lax.squeeze(out, [out.ndim - 2])
    if b.ndim == 1:
        out = lax.squeeze(out, [out.ndim - 1])
    return out


def vdot(a: ArrayLike, b: ArrayLike, *, precision: PrecisionLike = None, preferred_element_type: Any = None) -> Any:
    """Dot product of the flattened arrays, conjugating a complex ``a``, as ``numpy.vdot``.

    >>> vdot(np.array([[1, 2], [3, 4]]), np.ones((2, 2), int))
    array(10)
    >>> vdot(np.array([1j]), np.array([1j]))
    array(1.+0.j)
    """
    a, b = _operands(a, b)
    a = conjugate(a)
    return _dot_general(lax.reshape(a, (a.size,)), lax.reshape(b, (b.size,)), (((0,), (0,)), ((), ())), precision,
                        preferred_element_type)


def inner(a: ArrayLike, b: ArrayLike, *, precision: PrecisionLike = None, preferred_element_type: Any = None) -> Any:
    """Sum of products over the last axes of ``a`` and ``b``, as ``numpy.inner``.

    A scalar operand multiplies the other.

    >>> inner(np.array([1, 2, 3]), np.array([0, 1, 0]))
    array(2)
    """
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return _scalar_product(a, b, precision, preferred_element_type)
    return _dot_general(a, b, (((a.ndim - 1,), (b.ndim - 1,)), ((), ())), precision, preferred_element_type)


def outer(a: ArrayLike, b: ArrayLike, out: None = None) -> Any:
    """Outer product ``a.ravel()[:, None] * b.ravel()[None, :]``, as ``numpy.outer`` (JAX's
    takes no ``precision``; ``out`` must be None).

    >>> outer(np.array([1, 2]), np.array([1, 10, 100]))
    array([[  1,  10, 100],
           [  2,  20, 200]])
    """
    if out is not None:
        raise NotImplementedError("outer: the out argument is not supported (arrays are immutable)")
    a, b = _operands(a, b)
    return _dot_general(lax.reshape(a, (a.size, 1)), lax.reshape(b, (1, b.size)), (((1,), (0,)), ((), ())))


def tensordot(a: ArrayLike, b: ArrayLike, axes: int | Sequence[Any] = 2, *, precision: PrecisionLike = None,
              preferred_element_type: Any = None) -> Any:
    """Sum of products over the last ``axes`` axes of ``a`` and the first of ``b``, as ``numpy.tensordot``.

    ``axes`` may instead be two sequences, the axes of ``a`` and of ``b`` to contract.

    >>> tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
    (2, 5)
    >>> tensordot(np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3), axes=([1], [1]))
    array([[ 5, 14],
           [14, 50]])
    """
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
    return _dot_general(a, b, ((a_axes, b_axes), ((), ())), precision, preferred_element_type)


Path = list[tuple[int, ...]]


def _parse_subscripts(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's labels and the output's, with every ``...`` spelled out as letters
    not otherwise used (aligned on the right, as broadcasting aligns axes)."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    labels = inputs.split(",")
    if len(labels) != len(shapes):
        raise ValueError(f"einsum: {len(labels)} operand labels in {subscripts!r} but {len(shapes)} operands")
    for part in labels + ([output] if arrow else []):
        if part.replace("...", "").count(".") or not part.replace("...", "").isalpha() and part.replace("...", ""):
            raise ValueError(f"einsum: invalid subscripts {subscripts!r} (letters and one '...' per operand only)")
    spare = [c for c in string.ascii_letters if c not in spec]
    widths = [len(shape) - len(lab.replace("...", "")) if "..." in lab else 0 for lab, shape in zip(labels, shapes)]
    width = max(widths, default=0)
    if any(w < 0 for w in widths):
        raise ValueError(f"einsum: an operand has fewer axes than the labels in {subscripts!r}")
    ellipsis = "".join(spare[:width])
    labels = [lab.replace("...", ellipsis[width - w:]) for lab, w in zip(labels, widths)]
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        letters = "".join(labels)
        output = ellipsis + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis))
    return labels, output


def _pair_flops(a: str, b: str, keep: set[str], sizes: dict[str, int]) -> tuple[int, str]:
    """The cost of contracting operands labelled ``a`` and ``b`` (opt_einsum's count: the
    product of every size involved, doubled when something is summed) and the result's labels."""
    both = a + "".join(c for c in b if c not in a)
    result = "".join(c for c in both if c in keep)
    flops = int(np.prod([sizes[c] for c in both], dtype=np.int64)) * (2 if len(result) < len(both) else 1)
    return flops, result


def _keep_after(labels: list[str], i: int, j: int, output: str) -> set[str]:
    return set(output).union(*[lab for k, lab in enumerate(labels) if k not in (i, j)])


def _optimal_path(labels: list[str], output: str, sizes: dict[str, int]) -> Path:
    """The pairwise order with the fewest flops, by exhaustive search (few operands only)."""
    best: list = [None, None]

    def search(labs: list[str], path: Path, cost: int) -> None:
        if best[0] is not None and cost >= best[0]:
            return
        if len(labs) == 1:
            best[:] = [cost, path]
            return
        for i in range(len(labs)):
            for j in range(i + 1, len(labs)):
                flops, result = _pair_flops(labs[i], labs[j], _keep_after(labs, i, j, output), sizes)
                rest = [lab for k, lab in enumerate(labs) if k not in (i, j)] + [result]
                search(rest, path + [(i, j)], cost + flops)

    search(list(labels), [], 0)
    return best[1]


def _greedy_path(labels: list[str], output: str, sizes: dict[str, int]) -> Path:
    """At each step the pair sharing a label whose result shrinks the operands most (any
    pair, smallest first, when none shares one)."""
    labs, path = list(labels), []
    size = lambda lab: int(np.prod([sizes[c] for c in lab], dtype=np.int64))
    while len(labs) > 1:
        candidates = []
        for i in range(len(labs)):
            for j in range(i + 1, len(labs)):
                _, result = _pair_flops(labs[i], labs[j], _keep_after(labs, i, j, output), sizes)
                shares = bool(set(labs[i]) & set(labs[j]))
                candidates.append((not shares, size(result) - size(labs[i]) - size(labs[j]), i, j, result))
        _, _, i, j, result = min(candidates)
        path.append((i, j))
        labs = [lab for k, lab in enumerate(labs) if k not in (i, j)] + [result]
    return path


def _contraction_path(labels: list[str], output: str, sizes: dict[str, int], optimize: Any) -> Path:
    if isinstance(optimize, list):
        return [tuple(step) for step in optimize if step != "einsum_path"]
    if optimize not in (False, None, True, "auto", "greedy", "optimal", "dp", "branch-all", "branch-2"):
        raise ValueError(f"einsum: unknown optimize value {optimize!r}")
    n = len(labels)
    if n < 2:
        return [(0,)] if n else []
    if optimize is False or optimize is None:
        return [(0, 1)] * (n - 1)
    # An exhaustive search grows factorially: 'auto' stops at four operands, the rest at six.
    if optimize == "greedy" or n > (4 if optimize in (True, "auto") else 6):
        return _greedy_path(labels, output, sizes)
    return _optimal_path(labels, output, sizes)


def _from_sublists(args: tuple) -> tuple[str, tuple]:
    """NumPy's interleaved form ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` as a subscript
    string and the operands (integers name axes, ``...`` stands for broadcast ones)."""
    output = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    operands, sublists = pairs[0::2], pairs[1::2]

    def spell(sub: Any) -> str:
        letters = []
        for item in sub:
            if item is Ellipsis:
                letters.append("...")
            elif isinstance(item, (int, np.integer)) and 0 <= int(item) < 52:
                letters.append(string.ascii_letters[int(item)])
            else:
                raise ValueError(f"einsum: subscripts in the interleaved form must be integers in [0, 52) or ..., got {item!r}")
        return "".join(letters)
    spec = ",".join(spell(sub) for sub in sublists)
    return (spec + "->" + spell(output) if output is not None else spec), tuple(operands)


def _prepared(subscripts: Any, operands: tuple) -> tuple[list, list[str], str, dict[str, int]]:
    """Arrays and labels with repeated labels taken as diagonals, sizes checked (size-1
    ellipsis axes broadcast)."""
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + operands)
    arrays = promote(*[asarray(x) for x in operands])
    labels, output = _parse_subscripts(subscripts, [a.shape for a in arrays])
    for lab, x in zip(labels, arrays):
        if len(lab) != x.ndim:
            raise ValueError(f"einsum: operand labelled {lab!r} has {x.ndim} axes")
    if len(set(output)) != len(output):
        raise ValueError(f"einsum: an output label repeats in {subscripts!r}")
    if any(c not in "".join(labels) for c in output):
        raise ValueError(f"einsum: output label not among the inputs in {subscripts!r}")
    sizes: dict[str, int] = {}
    for lab, x in zip(labels, arrays):
        for c, d in zip(lab, x.shape):
            known = sizes.get(c, 1)
            if d not in (1, known) and known != 1:
                raise ValueError(f"einsum: label {c!r} has sizes {known} and {d}")
            sizes[c] = d if known == 1 else known
    out_arrays, out_labels = [], []
    for lab, x in zip(labels, arrays):
        # A label repeated within an operand reads its diagonal.
        while len(set(lab)) != len(lab):
            c = next(c for c in lab if lab.count(c) > 1)
            i, j = lab.index(c), lab.index(c, lab.index(c) + 1)
            if x.shape[i] != x.shape[j]:
                raise ValueError(f"einsum: repeated label {c!r} has sizes {x.shape[i]} and {x.shape[j]} in one operand")
            x = diagonal(x, 0, i, j)
            lab = "".join(ch for k, ch in enumerate(lab) if k not in (i, j)) + c
        target = tuple(sizes[c] for c in lab)
        out_arrays.append(broadcast_to(x, target) if x.shape != target else x)
        out_labels.append(lab)
    return out_arrays, out_labels, output, sizes


def einsum_path(subscripts: str, /, *operands: ArrayLike, optimize: Any = "auto") -> tuple[Path, str]:
    """The order in which ``einsum`` contracts its operands: a list of position pairs (each
    result goes to the end of the list), and a description. ``'auto'`` searches every
    order for four operands or fewer and is greedy beyond; ``'greedy'``, ``'optimal'`` and
    False (left to right) choose directly.

    >>> einsum_path("ij,jk,kl->il", np.ones((20, 3)), np.ones((3, 40)), np.ones((40, 2)))[0]
    [(1, 2), (0, 1)]
    """
    arrays, labels, output, sizes = _prepared(subscripts, operands)
    path = _contraction_path(labels, output, sizes, optimize)
    lines, labs, total = [f"  Complete contraction:  {','.join(labels)}->{output}"], list(labels), 0
    for step in path:
        if len(step) == 2:
            i, j = step
            flops, result = _pair_flops(labs[i], labs[j], _keep_after(labs, i, j, output), sizes)
            total += flops
            lines.append(f"  {labs[i]},{labs[j]}->{result}  ({flops} flops)")
            labs = [lab for k, lab in enumerate(labs) if k not in (i, j)] + [result]
    lines.insert(1, f"  Optimized FLOP count:  {total:.3e}")
    return path, "\n".join(lines)


def einsum(subscripts: str, /, *operands: ArrayLike, out: None = None, optimize: Any = "auto",
           precision: PrecisionLike = None, preferred_element_type: Any = None) -> Any:
    """Einstein summation: ``einsum("bij,bjk->bik", x, y)``, with ``...`` for broadcast axes,
    repeated labels for diagonals, and an implicit output (sorted labels used once); also
    NumPy's interleaved form ``einsum(x, [0, 1], y, [1, 2], [0, 2])``.
    Operands are contracted pairwise, each a ``dot_general`` given ``precision`` and
    ``preferred_element_type``, in ``einsum_path``'s order.

    >>> einsum("...ii->...i", np.arange(8.0).reshape(2, 2, 2))
    array([[0., 3.],
           [4., 7.]])
    """
    if out is not None:
        raise NotImplementedError("einsum: the out argument is not supported (arrays are immutable)")
    canonicalize_precision(precision)
    preferred = None if preferred_element_type is None else np.dtype(preferred_element_type)
    arrays, labels, output, sizes = _prepared(subscripts, operands)
    logical = arrays[0].dtype == np.bool_ and preferred is None
    if logical:
        # A boolean einsum is an or of ands: count in integers, then test for nonzero.
        arrays = [lax.convert_element_type(x, np.int64) for x in arrays]

    def sum_unneeded(x: Any, lab: str, keep: set[str]) -> tuple[Any, str]:
        drop = tuple(i for i, c in enumerate(lab) if c not in keep)
        if drop and preferred is not None:
            # Sums accumulate in the preferred type too, as the products do (int8 sums do not wrap).
            x = convert(x, np.promote_types(x.dtype, preferred) if x.dtype != np.bool_ else preferred)
        return (lax.reduce_sum(x, drop) if drop else x), "".join(c for c in lab if c in keep)

    ops = list(zip(arrays, labels))
    for step in _contraction_path(labels, output, sizes, optimize):
        if len(step) < 2:
            continue
        i, j = step[0], step[1]
        later = set(output).union(*[lab for k, (_, lab) in enumerate(ops) if k not in (i, j)])
        (x, xl), (y, yl) = ops[i], ops[j]
        x, xl = sum_unneeded(x, xl, later | set(yl))
        y, yl = sum_unneeded(y, yl, later | set(xl))
        shared = [c for c in xl if c in yl]
        batch = [c for c in shared if c in later]
        contract = [c for c in shared if c not in later]
        dn = ((tuple(xl.index(c) for c in contract), tuple(yl.index(c) for c in contract)),
              (tuple(xl.index(c) for c in batch), tuple(yl.index(c) for c in batch)))
        result = lax.dot_general(x, y, dn, precision, preferred)
        result_labels = "".join(batch) + "".join(c for c in xl if c not in shared) + "".join(c for c in yl if c not in shared)
        ops = [op for k, op in enumerate(ops) if k not in (i, j)] + [(result, result_labels)]
    (current, cur_lab), = ops
    current, cur_lab = sum_unneeded(current, cur_lab, set(output))
    current = lax.transpose(current, tuple(cur_lab.index(c) for c in output))
    current = lax.ne(current, 0) if logical else current
    return current if preferred is None else convert(current, preferred)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1, precision: PrecisionLike = None,
           preferred_element_type: Any = None) -> Any:
    """The dot product of vectors along ``axis``, broadcasting the other axes; a complex
    ``x1`` is conjugated, as NumPy's and JAX's.

    >>> vecdot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    a, b = _operands(x1, x2)
    a = conjugate(a)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"vecdot: operands must have at least one axis, got shapes {a.shape} and {b.shape}")
    a, b = moveaxis(a, axis, -1), moveaxis(b, axis, -1)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"vecdot: the vector axes differ in size: {a.shape[-1]} and {b.shape[-1]} (shapes {a.shape}, {b.shape})")
    batch = broadcast_shapes(a.shape[:-1], b.shape[:-1])
    a, b = broadcast_to(a, batch + a.shape[-1:]), broadcast_to(b, batch + b.shape[-1:])
    dims = tuple(range(len(batch)))
    return _dot_general(a, b, (((len(batch),), (len(batch),)), (dims, dims)), precision, preferred_element_type)


def matvec(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """Matrix times vector over the last axes: ``(..., m, n)`` and ``(..., n)`` give ``(..., m)``.

    >>> matvec(np.eye(2) * 3, np.array([1.0, 2.0]))
    array([3., 6.])
    """
    a, b = _operands(x1, x2)
    if a.ndim < 2 or b.ndim < 1:
        raise ValueError(f"matvec: needs a matrix and a vector, got shapes {a.shape} and {b.shape}")
    return lax.squeeze(matmul(a, lax.expand_dims(b, [b.ndim])), [-1 + max(a.ndim, b.ndim + 1)])


def vecmat(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """Vector times matrix over the last axes: ``(..., n)`` and ``(..., n, m)`` give ``(..., m)``;
    a complex vector is conjugated, as NumPy's and JAX's.

    >>> vecmat(np.array([1.0, 2.0]), np.eye(2) * 3)
    array([3., 6.])
    """
    a, b = _operands(x1, x2)
    a = conjugate(a)
    if a.ndim < 1 or b.ndim < 2:
        raise ValueError(f"vecmat: needs a vector and a matrix, got shapes {a.shape} and {b.shape}")
    out = matmul(lax.expand_dims(a, [a.ndim - 1]), b)
    return lax.squeeze(out, [out.ndim - 2])
