"""Lowering rules: how each primitive becomes Numba source.

``scalar_rules[prim](args, eqn)`` gives the expression of one element of an
elementwise primitive (fused into loops by ``codegen``); ``statement_rules[prim](em,
eqn, args, outs)`` emits the lines computing a non-elementwise primitive, where
``args`` and ``outs`` name arrays (0-d arrays for scalars).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..config import config
from ..ir import Eqn
from ..lax import control_flow as cf
from ..lax import dot as _dot
from ..lax import elementwise as ew
from ..lax import indexing as _ix
from ..lax import reduction as _red
from ..lax import shape as _sh

from ..lowering import index_rules, scalar_rules, statement_rules
fusable_generators = {_sh.iota_p}
reductions = {_red.reduce_sum_p, _red.reduce_prod_p, _red.reduce_max_p, _red.reduce_min_p}

# --------------------------------------------------------------------------- elementwise


def literal(value: np.ndarray) -> str:
    """Source for a scalar constant of exactly ``value``'s dtype."""
    dtype = value.dtype
    v = value.item()
    if dtype.kind == "b":
        return repr(bool(v))
    if dtype.kind == "f":
        text = repr(float(v)) if math.isfinite(v) else ("np.nan" if v != v else ("np.inf" if v > 0 else "-np.inf"))
    else:
        text = repr(int(v))
    return f"np.{dtype.name}({text})"


def _out_dtype(eqn: Eqn) -> np.dtype:
    return eqn.out_binders[0].aval.dtype


def cast(expr: str, dtype: np.dtype) -> str:
    """Numba computes small integers in int64 and some math in float64: pin the dtype."""
    if dtype == np.float64 or dtype == np.bool_:
        return expr
    return f"np.{dtype.name}({expr})"


def _template(template: str) -> Callable[[list[str], Eqn], str]:
    return lambda args, eqn: cast(template.format(*args), _out_dtype(eqn))


def _by_kind(float_template: str, int_template: str) -> Callable[[list[str], Eqn], str]:
    def rule(args, eqn):
        template = float_template if eqn.inputs[0].aval.dtype.kind in "fc" else int_template
        return cast(template.format(*args), _out_dtype(eqn))

    return rule


for _prim, _template_text in {
    ew.add_p: "({0} + {1})", ew.add_any_p: "({0} + {1})", ew.sub_p: "({0} - {1})", ew.mul_p: "({0} * {1})",
    ew.pow_p: "({0} ** {1})", ew.atan2_p: "np.arctan2({0}, {1})",
    ew.neg_p: "(-{0})", ew.floor_p: "np.floor({0})", ew.ceil_p: "np.ceil({0})",
    ew.round_p: "np.rint({0})", ew.is_finite_p: "np.isfinite({0})", ew.exp_p: "np.exp({0})",
    ew.exp2_p: "np.exp2({0})", ew.log_p: "np.log({0})", ew.log1p_p: "np.log1p({0})", ew.expm1_p: "np.expm1({0})",
    ew.tanh_p: "np.tanh({0})", ew.logistic_p: "kernels.logistic({0})", ew.sin_p: "np.sin({0})",
    ew.cos_p: "np.cos({0})", ew.tan_p: "np.tan({0})", ew.asin_p: "np.arcsin({0})", ew.acos_p: "np.arccos({0})",
    ew.atan_p: "np.arctan({0})", ew.sinh_p: "np.sinh({0})", ew.cosh_p: "np.cosh({0})",
    ew.asinh_p: "np.arcsinh({0})", ew.acosh_p: "np.arccosh({0})", ew.atanh_p: "np.arctanh({0})",
    ew.sqrt_p: "np.sqrt({0})", ew.rsqrt_p: "(1.0 / np.sqrt({0}))", ew.cbrt_p: "np.cbrt({0})",
    ew.abs_p: "np.abs({0})", ew.erf_p: "math.erf({0})", ew.lgamma_p: "kernels.lgamma({0})",
    ew.digamma_p: "kernels.digamma({0})", ew.trigamma_p: "kernels.trigamma({0})", ew.stop_gradient_p: "{0}",
    ew.eq_p: "({0} == {1})", ew.ne_p: "({0} != {1})", ew.lt_p: "({0} < {1})", ew.le_p: "({0} <= {1})",
    ew.gt_p: "({0} > {1})", ew.ge_p: "({0} >= {1})", ew.and_p: "({0} & {1})", ew.or_p: "({0} | {1})",
    ew.xor_p: "({0} ^ {1})",
}.items():
    scalar_rules[_prim] = _template(_template_text)

# Python's // and % on integers round toward minus infinity, as the primitives do.
# Vectorisable implementations (functrans.backend.fastmath) unless config.precise_math asks for libm.
_FAST_MATH = {
    ew.exp_p: "exp", ew.expm1_p: "expm1", ew.log_p: "log", ew.log1p_p: "log1p", ew.tanh_p: "tanh",
    ew.logistic_p: "logistic", ew.sin_p: "sin", ew.cos_p: "cos",
}


def _fast_or_precise(prim: Any, name: str) -> Callable[[list[str], Eqn], str]:
    precise = scalar_rules[prim]

    def rule(args, eqn):
        if config.precise_math or eqn.inputs[0].aval.dtype not in (np.float32, np.float64):
            return precise(args, eqn)
        return f"fm.{name}({args[0]})"

    return rule


for _prim, _name in _FAST_MATH.items():
    scalar_rules[_prim] = _fast_or_precise(_prim, _name)

scalar_rules[ew.div_p] = _by_kind("({0} / {1})", "({0} // {1})")
scalar_rules[ew.rem_p] = _by_kind("np.mod({0}, {1})", "({0} % {1})")
# Numba's np.sign takes unsigned integers with the high bit set for negative.
scalar_rules[ew.sign_p] = _by_kind("np.sign({0})", "(({0} > 0) - ({0} < 0))")
scalar_rules[ew.max_p] = _by_kind("kernels.max_nan({0}, {1})", "max({0}, {1})")
scalar_rules[ew.min_p] = _by_kind("kernels.min_nan({0}, {1})", "min({0}, {1})")


def _shift(op: str) -> Callable[[list[str], Eqn], str]:
    # Shifting by the bit width or more (or by a negative amount) gives 0, as in NumPy; the
    # machine instruction would take the amount modulo the width instead.
    def rule(args, eqn):
        dtype = _out_dtype(eqn)
        bits = 8 * dtype.itemsize
        return cast(f"(({args[0]} {op} {args[1]}) if 0 <= {args[1]} < {bits} else np.{dtype.name}(0))", dtype)

    return rule


scalar_rules[ew.shift_left_p] = _shift("<<")
scalar_rules[ew.shift_right_logical_p] = _shift(">>")
scalar_rules[ew.not_p] = lambda args, eqn: f"(not {args[0]})" if _out_dtype(eqn) == np.bool_ else cast(f"(~{args[0]})", _out_dtype(eqn))


def _integer_pow(args: list[str], eqn: Eqn) -> str:
    y = eqn.params["y"]
    if y == 0:
        return f"np.{_out_dtype(eqn).name}(1)"
    product = " * ".join([args[0]] * abs(y)) if abs(y) <= 8 else f"{args[0]} ** {abs(y)}"
    return cast(f"(1.0 / ({product}))" if y < 0 else f"({product})", _out_dtype(eqn))


def _select_n(args: list[str], eqn: Eqn) -> str:
    which, cases = args[0], args[1:]
    if eqn.inputs[0].aval.dtype == np.bool_:
        return f"({cases[1]} if {which} else {cases[0]})"
    expr = cases[-1]
    for i in reversed(range(len(cases) - 1)):
        expr = f"({cases[i]} if {which} <= {i} else {expr})"
    return expr


def _convert(args: list[str], eqn: Eqn) -> str:
    new = eqn.params["new_dtype"]
    if new == np.bool_:
        return f"({args[0]} != 0)"
    return f"np.{new.name}({args[0]})"


scalar_rules[ew.integer_pow_p] = _integer_pow
scalar_rules[ew.select_n_p] = _select_n
scalar_rules[ew.convert_element_type_p] = _convert

# --------------------------------------------------------------------------- reductions (fused)

_IDENTITY = {_red.reduce_sum_p: 0, _red.reduce_prod_p: 1}


def _reduction_init(prim: Any, dtype: np.dtype) -> str:
    if prim in _IDENTITY:
        value = _IDENTITY[prim]
    elif dtype == np.bool_:
        value = prim is _red.reduce_min_p
    elif dtype.kind == "f":
        value = -np.inf if prim is _red.reduce_max_p else np.inf
    else:
        info = np.iinfo(dtype)
        value = info.min if prim is _red.reduce_max_p else info.max
    return literal(np.asarray(value, dtype))


class Reduction:
    """Accumulates one reduction inside a fused loop nest."""

    def __init__(self, em, eqn: Eqn):
        self.em, self.eqn = em, eqn
        self.axes = eqn.params["axes"]
        self.in_shape = eqn.inputs[0].aval.shape
        self.out = eqn.out_binders[0]
        self.full = len(self.axes) == len(self.in_shape)
        self.acc = em.fresh("acc")

    def init(self) -> None:
        init = _reduction_init(self.eqn.primitive, self.out.aval.dtype)
        if self.full:
            self.em.emit(f"{self.acc} = {init}")
        else:  # the result's own buffer accumulates
            self.acc = self.em.allocate(self.out)
            self.em.emit(f"{self.acc}[...] = {init}")

    def accumulate(self, value: str, loop_vars: list[str]) -> list[str]:
        kept = [v for d, v in enumerate(loop_vars) if d not in self.axes]
        target = self.acc if self.full else f"{self.acc}[{', '.join(kept)}]"
        dtype = self.out.aval.dtype
        prim = self.eqn.primitive
        if prim is _red.reduce_sum_p:
            new = f"{target} + {value}"
        elif prim is _red.reduce_prod_p:
            new = f"{target} * {value}"
        elif dtype.kind == "f":
            new = f"kernels.{'max' if prim is _red.reduce_max_p else 'min'}_nan({target}, {value})"
        else:
            new = f"{'max' if prim is _red.reduce_max_p else 'min'}({target}, {value})"
        return [f"{target} = {cast(new, dtype)}"]

    def finish(self) -> None:
        out = self.em.name(self.out)
        if self.full:
            self.em.allocate(self.out)
            self.em.emit(f"{out}[()] = {self.acc}")


# --------------------------------------------------------------------------- index maps
# Broadcasts, transposes, slices, reversals, pads and unit-dimension reshapes move elements
# without computing: a fused loop reads their source at a mapped index instead of building
# the array. ``index_rules[prim](eqn)`` gives a function from the output's index expressions
# to the source's, plus a condition (pad: where the output holds the padding value,
# ``eqn.inputs[1]``), or None when this equation is not a pure index map.

IndexMap = Callable[[list[str]], tuple[list[str], str | None]]
# Index maps that also run as loops of their own when their result must exist as an array;
# a reshape that must exist is a free view (``.reshape``) instead.
looped_maps = {_sh.broadcast_in_dim_p, _sh.transpose_p, _sh.slice_p, _sh.rev_p, _sh.pad_p}
# Index maps that keep every element at its loop position when they only add or drop size-1 dimensions.
position_maps = {_sh.broadcast_in_dim_p, _sh.reshape_p, _sh.squeeze_p}


def index_map(eqn: Eqn) -> IndexMap | None:
    rule = index_rules.get(eqn.primitive)
    return None if rule is None else rule(eqn)


def _offset(i: str, start: int, step: int = 1) -> str:
    scaled = i if step == 1 else f"{step} * {i}"
    if start == 0:
        return scaled
    return f"({scaled} + {start})" if start > 0 else f"({scaled} - {-start})"


def _broadcast_map(eqn: Eqn) -> IndexMap:
    src, dims = eqn.inputs[0].aval.shape, eqn.params["broadcast_dimensions"]
    return lambda idx: (["0" if src[j] == 1 else idx[d] for j, d in enumerate(dims)], None)


def _transpose_map(eqn: Eqn) -> IndexMap:
    perm = eqn.params["permutation"]
    return lambda idx: ([idx[perm.index(d)] for d in range(len(perm))], None)


def _rev_map(eqn: Eqn) -> IndexMap:
    shape, dims = eqn.inputs[0].aval.shape, eqn.params["dimensions"]
    return lambda idx: ([f"({n - 1} - {i})" if d in dims else i for d, (i, n) in enumerate(zip(idx, shape))], None)


def _slice_map(eqn: Eqn) -> IndexMap:
    p = eqn.params
    return lambda idx: ([_offset(i, s, st) for i, s, st in zip(idx, p["start_indices"], p["strides"])], None)


def _pad_map(eqn: Eqn) -> IndexMap:
    shape, config = eqn.inputs[0].aval.shape, eqn.params["padding_config"]

    def rule(idx):
        src, conds = [], []
        for i, n, (lo, hi, interior) in zip(idx, shape, config):
            shifted = _offset(i, -lo)
            if interior == 0:
                src.append(shifted)
                if lo > 0:
                    conds.append(f"{i} >= {lo}")
                if hi > 0:
                    conds.append(f"{i} < {lo + n}")
            else:
                src.append(f"({shifted} // {interior + 1})")
                conds.append(f"{shifted} >= 0 and {shifted} % {interior + 1} == 0 and {shifted} // {interior + 1} < {n}")
        return src, " and ".join(conds) or None

    return rule


def _unit_reshape_map(eqn: Eqn) -> IndexMap | None:
    """A reshape that only adds or drops size-1 dimensions; others would need divisions."""
    in_shape, out_shape = eqn.inputs[0].aval.shape, eqn.out_binders[0].aval.shape
    if [d for d in in_shape if d != 1] != [d for d in out_shape if d != 1]:
        return None

    def rule(idx):
        kept = iter(i for i, n in zip(idx, out_shape) if n != 1)
        return ["0" if n == 1 else next(kept) for n in in_shape], None

    return rule


index_rules.update({
    _sh.broadcast_in_dim_p: _broadcast_map, _sh.transpose_p: _transpose_map, _sh.rev_p: _rev_map,
    _sh.slice_p: _slice_map, _sh.pad_p: _pad_map, _sh.reshape_p: _unit_reshape_map, _sh.squeeze_p: _unit_reshape_map,
})


# --------------------------------------------------------------------------- statements


def statement(prim: Any) -> Callable[[Callable], Callable]:
    def register(rule: Callable) -> Callable:
        statement_rules[prim] = rule
        return rule

    return register


def _slices(parts: list[str]) -> str:
    return ", ".join(parts) if parts else "()"


def _prod(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _contiguous_view(array: str, parts: list[str]) -> str:
    """A C-contiguous copy of ``array[parts]``. A 0-d array (no parts) is copied whole: indexing
    it with ``()`` gives a scalar, and ``np.ascontiguousarray`` makes 0-d arrays 1-d."""
    return f"np.ascontiguousarray({array}[{', '.join(parts)}])" if parts else f"{array}.copy()"


reshapes = {_sh.reshape_p, _sh.squeeze_p}  # free views of C-contiguous arrays


@statement(_sh.reshape_p)
def _reshape(em, eqn, args, outs):
    em.emit(f"{outs[0]} = {args[0]}.reshape({tuple(eqn.params['new_sizes'])!r})")


@statement(_sh.squeeze_p)
def _squeeze(em, eqn, args, outs):
    em.emit(f"{outs[0]} = {args[0]}.reshape({eqn.out_binders[0].aval.shape!r})")


def _transpose_loops(em, dst: str, src: str, perm: tuple, dst_shape: tuple) -> None:
    """Fill ``dst`` with ``src``'s axes permuted by ``perm``, in an explicit loop nest: Numba takes
    ~2 s to compile np.transpose with axes the first time a process uses it; the loop runs as fast."""
    loop_vars = [em.fresh("i") for _ in perm]
    source_index = [loop_vars[perm.index(d)] for d in range(len(perm))]
    for depth, (i, n) in enumerate(zip(loop_vars, dst_shape)):
        em.emit(f"for {i} in range({n}):", 1 + depth)
    em.emit(f"{dst}[{_slices(loop_vars)}] = {src}[{_slices(source_index)}]", 1 + len(perm))


@statement(_sh.concatenate_p)
def _concatenate(em, eqn, args, outs):
    em.emit(f"{outs[0]} = np.concatenate(({', '.join(args)},), axis={eqn.params['dimension']})")


@statement(_red.argmax_p)
@statement(_red.argmin_p)
def _argreduce(em, eqn, args, outs):
    shape, axis = eqn.inputs[0].aval.shape, eqn.params["axis"]
    view = (_prod(shape[:axis]), shape[axis], _prod(shape[axis + 1 :]))
    tmp = em.scratch((view[0], view[2]), np.int64)
    em.emit(f"kernels.argreduce({args[0]}.reshape({view!r}), {eqn.primitive is _red.argmax_p}, {tmp})")
    dtype = eqn.params["index_dtype"]
    em.emit(f"{outs[0]} = {tmp}.reshape({eqn.out_binders[0].aval.shape!r}).astype(np.{dtype.name})")


_CUMULATIVE_KIND = {_red.cumsum_p: 0, _red.cumprod_p: 1, _red.cummax_p: 2, _red.cummin_p: 3}


def _cumulative(em, eqn, args, outs):
    shape, axis = eqn.inputs[0].aval.shape, eqn.params["axis"]
    view = (_prod(shape[:axis]), shape[axis], _prod(shape[axis + 1 :]))
    em.allocate(eqn.out_binders[0])
    kind = _CUMULATIVE_KIND[eqn.primitive]
    em.emit(f"kernels.cumulative({args[0]}.reshape({view!r}), {kind}, {eqn.params['reverse']}, {outs[0]}.reshape({view!r}))")


for _prim in _CUMULATIVE_KIND:
    statement_rules[_prim] = _cumulative


@statement(_dot.dot_general_p)
def _dot_general(em, eqn, args, outs):
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    lhs, rhs = (x.aval for x in eqn.inputs)
    lf = [i for i in range(lhs.ndim) if i not in lc and i not in lb]
    rf = [i for i in range(rhs.ndim) if i not in rc and i not in rb]
    b = _prod([lhs.shape[i] for i in lb])
    m, n, k = _prod([lhs.shape[i] for i in lf]), _prod([rhs.shape[i] for i in rf]), _prod([lhs.shape[i] for i in lc])
    dtype = eqn.out_binders[0].aval.dtype

    def operand(name: str, aval: Any, perm: list[int], view: tuple) -> str:
        if perm == sorted(perm):
            return f"{name}.reshape({view!r})"
        if len(perm) == 2 and len(view) == 2:  # a plain transpose: BLAS reads it without a copy
            return f"{name}.T"
        moved_shape = tuple(aval.shape[d] for d in perm)
        moved = em.scratch(moved_shape, aval.dtype)
        _transpose_loops(em, moved, name, tuple(perm), moved_shape)
        return f"{moved}.reshape({view!r})"

    if dtype.kind == "f" and b == 1:  # one BLAS call, writing straight into the result
        left = operand(args[0], lhs, list(lb) + lf + list(lc), (m, k))
        right = operand(args[1], rhs, list(rb) + list(rc) + rf, (k, n))
        em.allocate(eqn.out_binders[0])
        em.emit(f"np.dot({left}, {right}, {outs[0]}.reshape({(m, n)!r}))")
        return
    left = operand(args[0], lhs, list(lb) + lf + list(lc), (b, m, k))
    right = operand(args[1], rhs, list(rb) + list(rc) + rf, (b, k, n))
    em.allocate(eqn.out_binders[0])
    # BLAS for large float products; loops for integers, and for many small products where
    # a BLAS call per batch element costs more than the arithmetic (per-example outer products).
    kernel = "batched_matmul" if dtype.kind == "f" and m * n * k >= 4096 else "matmul_loops"
    em.emit(f"kernels.{kernel}(np.ascontiguousarray({left}), np.ascontiguousarray({right}), {outs[0]}.reshape({(b, m, n)!r}))")


def _index_views(eqn: Eqn) -> tuple[tuple, tuple, tuple]:
    """The (batch, indexed, trailing) view of the operand, the (batch, points, k) view of
    the indices and the sizes of the indexed axes."""
    operand, indices = eqn.inputs[0].aval, eqn.inputs[1].aval
    nb = eqn.params["num_batch_dims"]
    k = indices.shape[-1]
    batch = _prod(operand.shape[:nb])
    sizes = tuple(operand.shape[nb : nb + k])
    op_view = (batch, _prod(sizes), _prod(operand.shape[nb + k :]))
    idx_view = (batch, _prod(indices.shape[nb:-1]), k)
    return op_view, idx_view, sizes


@statement(_ix.gather_p)
def _gather(em, eqn, args, outs):
    op_view, idx_view, sizes = _index_views(eqn)
    em.allocate(eqn.out_binders[0])
    clip = eqn.params["mode"] == "clip"
    em.emit(
        f"kernels.gather({args[0]}.reshape({op_view!r}), {args[1]}.astype(np.int64).reshape({idx_view!r}), "
        f"np.array({list(sizes) or [0]!r}, np.int64), {clip}, {outs[0]}.reshape({(op_view[0], idx_view[1], op_view[2])!r}))"
    )


_SCATTER_KIND = {"set": 0, "add": 1, "mul": 2, "min": 3, "max": 4}


@statement(_ix.scatter_p)
def _scatter(em, eqn, args, outs):
    op_view, idx_view, sizes = _index_views(eqn)
    em.emit(f"{outs[0]} = {args[0]}.copy()")
    clip = eqn.params["mode"] == "clip"
    kind = _SCATTER_KIND[eqn.params["kind"]]
    em.emit(
        f"kernels.scatter({outs[0]}.reshape({op_view!r}), {args[1]}.astype(np.int64).reshape({idx_view!r}), "
        f"{args[2]}.reshape({(op_view[0], idx_view[1], op_view[2])!r}), np.array({list(sizes) or [0]!r}, np.int64), {clip}, {kind})"
    )


def _clamped_starts(em, starts: list[str], shape, sizes) -> list[str]:
    names = []
    for s, d, n in zip(starts, shape, sizes):
        name = em.fresh("start")
        em.emit(f"{name} = min(max(int({s}[()]), 0), {d - n})")
        names.append(name)
    return names


@statement(_ix.dynamic_slice_p)
def _dynamic_slice(em, eqn, args, outs):
    sizes = eqn.params["slice_sizes"]
    starts = _clamped_starts(em, args[1:], eqn.inputs[0].aval.shape, sizes)
    parts = [f"{s}:{s} + {n}" for s, n in zip(starts, sizes)]
    em.emit(f"{outs[0]} = {_contiguous_view(args[0], parts)}")


@statement(_ix.dynamic_update_slice_p)
def _dynamic_update_slice(em, eqn, args, outs):
    sizes = eqn.inputs[1].aval.shape
    starts = _clamped_starts(em, args[2:], eqn.inputs[0].aval.shape, sizes)
    parts = [f"{s}:{s} + {n}" for s, n in zip(starts, sizes)]
    em.emit(f"{outs[0]} = {args[0]}.copy()")
    em.emit(f"{outs[0]}[{_slices(parts)}] = {args[1]}")


# Statements whose results never share memory with their operands (the others may: a
# reshape is a view, a loop's result may be its initial carry); see codegen._deaths.
fresh_results = {
    _dot.dot_general_p, _ix.gather_p, _ix.scatter_p, _ix.dynamic_slice_p, _ix.dynamic_update_slice_p,
    _sh.concatenate_p, _red.argmax_p, _red.argmin_p, *_CUMULATIVE_KIND,
}


# --------------------------------------------------------------------------- control flow


def emit_inline(*args):
    from .codegen import emit_inline  # codegen imports this module

    return emit_inline(*args)


@statement(cf.cond_p)
def _cond(em, eqn, args, outs):
    branches = eqn.params["branches"]
    index = em.fresh("branch")
    em.emit(f"{index} = {args[0]}[()]")
    for i, branch in enumerate(branches):
        if i == len(branches) - 1:
            em.emit("else:" if i else "if True:")
        else:
            em.emit(f"{'if' if i == 0 else 'elif'} {index} <= {i}:")
        results = emit_inline(em, branch, args[1:], 2)
        for o, r in zip(outs, results):
            em.emit(f"{o} = {r}", 2)

@statement(cf.while_p)
def _while(em, eqn, args, outs):
    p = eqn.params
    cconsts, bconsts, init = args[: p["cond_nconsts"]], args[p["cond_nconsts"] : p["cond_nconsts"] + p["body_nconsts"]], args[p["cond_nconsts"] + p["body_nconsts"] :]
    carry = [em.fresh("carry") for _ in init]
    for c, x in zip(carry, init):
        em.emit(f"{c} = {x}")
    em.emit("while True:")
    (pred,) = emit_inline(em, p["cond_jaxpr"], cconsts + carry, 2)
    em.emit(f"if not {pred}[()]:", 2)
    em.emit("break", 3)
    new = emit_inline(em, p["body_jaxpr"], bconsts + carry, 2)
    for c, n in zip(carry, new):
        em.emit(f"{c} = {n}", 2)
    for o, c in zip(outs, carry):
        em.emit(f"{o} = {c}")

@statement(cf.scan_p)
def _scan(em, eqn, args, outs):
    p = eqn.params
    nc, ncarry, length = p["num_consts"], p["num_carry"], p["length"]
    consts, init, xs = args[:nc], args[nc : nc + ncarry], args[nc + ncarry :]
    carry = [em.fresh("carry") for _ in init]
    for c, x in zip(carry, init):
        em.emit(f"{c} = {x}")
    for o, v in zip(outs[ncarry:], eqn.out_binders[ncarry:]):
        em.emit(f"{o} = np.empty({v.aval.shape!r}, np.{v.aval.dtype.name})")
    step, i = em.fresh("step"), em.fresh("i")
    em.emit(f"for {step} in range({length}):")
    em.emit(f"{i} = {length - 1} - {step}" if p["reverse"] else f"{i} = {step}", 2)
    slices = []
    for x, atom in zip(xs, eqn.inputs[nc + ncarry :]):
        name = em.fresh("x")
        em.emit(f"{name} = np.full((), {x}[{i}])" if atom.aval.ndim == 1 else f"{name} = {x}[{i}]", 2)
        slices.append(name)
    results = emit_inline(em, p["jaxpr"], consts + carry + slices, 2)
    for c, r in zip(carry, results[:ncarry]):
        em.emit(f"{c} = {r}", 2)
    for o, r, v in zip(outs[ncarry:], results[ncarry:], eqn.out_binders[ncarry:]):
        em.emit(f"{o}[{i}] = {r}[()]" if v.aval.ndim == 1 else f"{o}[{i}] = {r}", 2)
    for o, c in zip(outs, carry):
        em.emit(f"{o} = {c}")




# --------------------------------------------------------------------------- custom derivatives

from .. import custom_derivatives as _cd  # noqa: E402


@statement(_cd.custom_lin_p)
def _custom_lin(em, eqn, args, outs):
    # Only reachable by forward-mode differentiation of a custom_vjp function: the same error as eagerly.
    _cd.custom_lin_p.impl(*[v.aval for v in eqn.inputs], **eqn.params)
