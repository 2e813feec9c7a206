"""``softmax(scale * x)`` over the last axis, and its derivative, as two primitives for
``nn.dot_product_attention``. Compiled, each is one kernel sweeping a row at a time
(``kernels_linalg.softmax_rows``, ``softmax_rows_jvp``): the general fused loops would take
three passes over the logits and store every partial maximum and sum (W8: 22 ms of a
28 ms forward pass before; see benchmarks/w8_attention.py)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import core, dtypes
from ..autodiff import defjvp, is_undefined, transpose_rules
from ..batching import batching_rules, bdim_at_front
from ..config import config
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..lowering import def_statement, literal
from . import elementwise as _ew
from . import reduction as _reduction

softmax_rows_p = Primitive("softmax_rows")  # (x; scale) -> softmax(scale * x, axis=-1)
softmax_rows_jvp_p = Primitive("softmax_rows_jvp")  # (p, t; scale) -> scale * p * (t - sum(t * p, -1)): linear in t


def _rows_aval(name: str, *avals: ShapedArray) -> list[ShapedArray]:
    """The common aval of ``avals``: float32 or float64 arrays of equal shape, rank >= 1."""
    first = avals[0]
    if any(a.shape != first.shape or a.dtype != first.dtype for a in avals):
        raise DTypeError(f"{name}: operands must have equal shapes and dtypes, got {[a.str_short() for a in avals]}")
    if first.dtype not in (dtypes.float32, dtypes.float64):
        raise DTypeError(f"{name}: needs float32 or float64, got {first.dtype}")
    if first.ndim == 0:
        raise ShapeError(f"{name}: needs an axis to normalise over, got a scalar")
    return [ShapedArray(first.shape, first.dtype)]


def _row_sum(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=-1, keepdims=True)


@softmax_rows_p.def_impl
def _softmax_rows_impl(x, *, scale):
    z = x * x.dtype.type(scale)
    if z.shape[-1] == 0:
        return [z]
    top = z.max(axis=-1, keepdims=True)
    # A row whose maximum is not finite is shifted by 0 (no inf - inf), as nn.softmax.
    e = np.exp(z - np.where(np.isfinite(top), top, 0).astype(z.dtype))
    return [e / _row_sum(e)]


@softmax_rows_jvp_p.def_impl
def _softmax_rows_jvp_impl(p, t, *, scale):
    return [p * (t - _row_sum(t * p)) * p.dtype.type(scale)]


softmax_rows_p.def_abstract_eval(lambda x, *, scale: _rows_aval("softmax_rows", x))
softmax_rows_jvp_p.def_abstract_eval(lambda p, t, *, scale: _rows_aval("softmax_rows_jvp", p, t))


def _row_sums(x: Any) -> Any:
    """``x``'s sums over the last axis, broadcast back along it."""
    shape = core.get_aval(x).shape
    return _reduction._expand_back(_reduction.reduce_sum(x, (len(shape) - 1,)), shape, (len(shape) - 1,))


def _jvp_in_p(g, ans, p, t, *, scale):
    """d/dp of scale * p * (t - <t, p>) along ``g``: scale * (g * (t - <t, p>) - p * <t, g>)."""
    inner = _ew.sub(_ew.mul(g, _ew.sub(t, _row_sums(_ew.mul(t, p)))), _ew.mul(p, _row_sums(_ew.mul(t, g))))
    return _ew.mul(inner, scale)


defjvp(softmax_rows_p, lambda g, ans, x, *, scale: softmax_rows_jvp_p.bind(ans, g, scale=scale))
defjvp(softmax_rows_jvp_p, _jvp_in_p, lambda g, ans, p, t, *, scale: softmax_rows_jvp_p.bind(p, g, scale=scale))


def _softmax_rows_jvp_transpose(ct, p, t, *, scale):
    # The Jacobian scale * (diag(p) - p p^T) is symmetric: the map is its own transpose.
    assert is_undefined(t) and not is_undefined(p)
    return [None, softmax_rows_jvp_p.bind(p, ct, scale=scale)]


transpose_rules[softmax_rows_jvp_p] = _softmax_rows_jvp_transpose


def _rows_batcher(prim: Primitive) -> None:
    """Batching for a primitive acting along the last axis: the batch axis goes in front."""
    def rule(size, vals, dims, **params):
        vals = [bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
        return [prim.bind(*vals, **params)], [0]

    batching_rules[prim] = rule


def _rows_lowering(kernel: str, exponentiates: bool) -> Any:
    """The lowering calling ``kernels_linalg.<kernel>(operands..., scale, [precise,] out)``
    on (rows, row length) views; ``precise`` (libm's exp, not fastmath's) if ``exponentiates``."""
    def lowering(em, eqn, args, outs):
        aval = eqn.out_binders[0].aval
        view = (math.prod(aval.shape[:-1]), aval.shape[-1])
        options = [literal(np.asarray(eqn.params["scale"], aval.dtype))] + ([str(config.precise_math)] if exponentiates else [])
        em.allocate(eqn.out_binders[0])
        operands = ", ".join([f"{a}.reshape({view!r})" for a in args] + options + [f"{outs[0]}.reshape({view!r})"])
        em.emit(f"kernels_linalg.{kernel}({operands})")
    return lowering


for _prim, _kernel, _exponentiates in ((softmax_rows_p, "softmax_rows", True), (softmax_rows_jvp_p, "softmax_rows_jvp", False)):
    _rows_batcher(_prim)
    def_statement(_prim, fresh=True)(_rows_lowering(_kernel, _exponentiates))


def softmax_rows(x: Any, scale: float = 1.0) -> Any:
    """``softmax(scale * x)`` over the last axis of a float32 or float64 array, each row
    shifted by its maximum (by 0 where that is not finite, as ``nn.softmax``).

    >>> softmax_rows(np.array([[0.0, np.log(3.0)]]), 2.0)
    array([[0.1, 0.9]])
    """
    return softmax_rows_p.bind(x, scale=float(scale))
