"""vmap: batched results equal a Python loop over the batch.

The core property, checked for every ``functrans.numpy`` function and every public
``functrans.lax`` primitive: ``vmap(f, in_axes, out_axes)(*xs)`` equals stacking ``f``
applied to each example in a Python loop, for hypothesis-drawn shapes, mapped
axes (any position, negative too, mixed with unmapped arguments) and out_axes.
Then: the batched jaxpr does not grow with the batch size (no rule loops over the
batch), the in_axes/out_axes/axis_size API, nesting, composition with autodiff,
and the error messages.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans import core, lax
from functrans.batching import batching_rules
from functrans.lax.indexing import take_along_axis as lax_take_along_axis
from functrans.tree_util import tree_flatten, tree_map, tree_structure

from core_api import CORE_LAX, CORE_NUMPY

# --------------------------------------------------------------------------- values

KINDS: dict[str, Callable[[np.random.Generator, tuple], np.ndarray]] = {
    "real": lambda rng, s: rng.normal(size=s),
    "pos": lambda rng, s: rng.uniform(0.5, 2.0, size=s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, size=s),
    "ge1": lambda rng, s: rng.uniform(1.1, 3.0, size=s),
    "int": lambda rng, s: rng.integers(-5, 6, size=s),
    "nonzero_int": lambda rng, s: rng.choice(np.array([-3, -2, -1, 1, 2, 3]), size=s),
    "uint": lambda rng, s: rng.integers(0, 6, size=s).astype(np.uint32),
    "bool": lambda rng, s: rng.random(size=s) < 0.5,
    "f32": lambda rng, s: rng.normal(size=s).astype(np.float32),
}

Maker = Callable[[np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class Values:
    """Makes one example: fresh values of ``kind`` with ``shape`` on each call."""

    kind: str
    shape: tuple = ()

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(KINDS[self.kind](rng, tuple(self.shape)))


@dataclass(frozen=True)
class Indices:
    """Integer indices in ``[low, high)`` (out of range on purpose where the op allows it)."""

    low: int
    high: int
    shape: tuple = ()

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(self.low, self.high, size=tuple(self.shape))


@dataclass(frozen=True)
class DistinctIndices:
    """``count`` distinct indices into an axis of size ``n`` (for scatter-set)."""

    n: int
    count: int

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        return rng.permutation(self.n)[: self.count]


@dataclass
class Case:
    """A function to batch, and a draw of makers of its arguments (one example each)."""

    fn: Callable
    makers: list[Maker]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=3)


# --------------------------------------------------------------------------- the core check


def _stack(values: list, axis: int) -> np.ndarray:
    return np.stack([np.asarray(v) for v in values], axis=axis)


def _assert_same(got: Any, expected: Any, single_precision: bool = False) -> None:
    """Same structure, shapes and dtypes; values equal up to rounding (batched reductions
    may add in another order), at float32's precision when any value was float32."""
    assert tree_structure(got) == tree_structure(expected)
    for g, e in zip(tree_flatten(got)[0], tree_flatten(expected)[0]):
        assert isinstance(g, np.ndarray), type(g)
        assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, g.dtype, e.shape, e.dtype)
        if np.issubdtype(e.dtype, np.inexact):
            rtol, atol = (1e-4, 1e-5) if single_precision or e.dtype == np.float32 else (1e-9, 1e-9)
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(g, e)


def _draw_in_axes(data, ranks: list[int]) -> list[int | None]:
    axes = [data.draw(st.sampled_from([None] + list(range(-r - 1, r + 1))), label=f"in_axes[{i}]") for i, r in enumerate(ranks)]
    if ranks and all(a is None for a in axes):
        i = data.draw(st.integers(0, len(ranks) - 1), label="forced mapped argument")
        axes[i] = data.draw(st.integers(-ranks[i] - 1, ranks[i]), label=f"in_axes[{i}]")
    return axes


def _in_axes_spec(data, axes: list[int | None]) -> Any:
    """The same axes written as JAX allows: a tuple, a list, or one int for all."""
    forms = [tuple(axes), list(axes)]
    if len(set(axes)) == 1:
        forms.append(axes[0])
    return data.draw(st.sampled_from(forms), label="in_axes form")


_NARROW = {np.dtype(np.float64): np.float32, np.dtype(np.int64): np.int32}


def _narrowed(make: Maker) -> Maker:
    """The same values as float32 / int32: rules must keep dtypes (and weak types) as they are."""

    def narrow(rng):
        x = make(rng)
        return x.astype(_NARROW.get(x.dtype, x.dtype))

    return narrow


def check_vmap_matches_loop(data, f: Callable, makers: list[Maker]) -> None:
    """``vmap(f)`` on stacked examples equals ``f`` on each example, stacked."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    size = data.draw(st.integers(1, 3), label="batch size")
    narrow = data.draw(st.booleans(), label="32-bit values")
    if narrow:
        makers = [_narrowed(make) for make in makers]
    examples = [[make(rng) for make in makers] for _ in range(size)]
    axes = _draw_in_axes(data, [np.ndim(x) for x in examples[0]])
    args = [examples[0][j] if ax is None else _stack([ex[j] for ex in examples], ax) for j, ax in enumerate(axes)]
    per_example = [f(*[args[j] if ax is None else examples[i][j] for j, ax in enumerate(axes)]) for i in range(size)]
    out_rank = min(np.ndim(leaf) for leaf in tree_flatten(per_example[0])[0])
    out_axes = data.draw(st.integers(-out_rank - 1, out_rank), label="out_axes")
    expected = tree_map(lambda *xs: _stack(xs, out_axes), *per_example)
    got = ft.vmap(f, in_axes=_in_axes_spec(data, axes), out_axes=out_axes)(*args)
    _assert_same(got, expected, single_precision=narrow or any(np.asarray(x).dtype == np.float32 for x in examples[0]))


# --------------------------------------------------------------------------- case tables
# Each builder takes a hypothesis ``draw`` and returns a Case.

NUMPY_CASES: dict[str, Callable] = {}
LAX_CASES: dict[str, Callable] = {}


def _register(table: dict, name: str, builder: Callable) -> None:
    assert name not in table, name
    table[name] = builder


def _unary(table, name, fn, kind, min_dims=0):
    _register(table, name, lambda draw: Case(fn, [Values(kind, draw(shapes(min_dims)))]))


def _nary(table, name, fn, kinds, broadcast=True):
    """Operands of ``kinds``: NumPy-broadcastable shapes, or equal shapes (lax)."""

    def build(draw):
        if broadcast:
            in_shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=len(kinds), max_dims=3, max_side=3)).input_shapes
        else:
            in_shapes = [draw(shapes())] * len(kinds)
        return Case(fn, [Values(k, s) for k, s in zip(kinds, in_shapes)])

    _register(table, name, build)


# ---- functrans.numpy: elementwise

for _name, _kind in {
    "exp": "real", "exp2": "real", "expm1": "real", "log": "pos", "log1p": "pos", "log2": "pos", "log10": "pos",
    "sqrt": "pos", "cbrt": "real", "sin": "real", "cos": "real", "tan": "unit", "arcsin": "unit", "arccos": "unit",
    "arctan": "real", "sinh": "real", "cosh": "real", "tanh": "real", "arcsinh": "real", "arccosh": "ge1",
    "arctanh": "unit", "reciprocal": "pos", "negative": "real", "sign": "real", "absolute": "real", "abs": "real",
    "square": "real", "positive": "real", "floor": "real", "ceil": "real", "round": "real", "around": "real",
    "isnan": "real", "isfinite": "real", "isinf": "real", "logical_not": "bool", "invert": "int",
}.items():
    _unary(NUMPY_CASES, _name, getattr(fnp, _name), _kind)
for _name in ("negative", "sign", "absolute", "square", "floor", "round", "isnan", "exp", "sqrt"):
    _unary(NUMPY_CASES, f"{_name}[int]", getattr(fnp, _name), "uint" if _name == "sqrt" else "int")
_unary(NUMPY_CASES, "exp[f32]", fnp.exp, "f32")
_unary(NUMPY_CASES, "round[decimals=1]", lambda x: fnp.round(x, 1), "real")
_unary(NUMPY_CASES, "add[python scalar]", lambda x: fnp.add(x, 2.5), "int")
_unary(NUMPY_CASES, "multiply[python scalar, f32]", lambda x: fnp.multiply(3, x), "f32")
_unary(NUMPY_CASES, "power[python int]", lambda x: fnp.power(x, 3), "real")
_unary(NUMPY_CASES, "power[negative python int]", lambda x: fnp.power(x, -2), "pos")

for _name, _kinds in {
    "add": ("real", "real"), "subtract": ("real", "real"), "multiply": ("real", "real"),
    "true_divide": ("real", "pos"), "divide": ("int", "nonzero_int"), "arctan2": ("real", "real"),
    "maximum": ("real", "real"), "minimum": ("int", "int"), "floor_divide": ("real", "pos"),
    "mod": ("real", "pos"), "remainder": ("int", "nonzero_int"), "power": ("pos", "real"), "logaddexp": ("real", "real"),
    "hypot": ("real", "real"), "equal": ("int", "int"), "not_equal": ("int", "int"), "less": ("int", "int"),
    "less_equal": ("int", "int"), "greater": ("real", "real"), "greater_equal": ("int", "int"),
    "logical_and": ("bool", "bool"), "logical_or": ("real", "bool"), "logical_xor": ("bool", "int"),
    "bitwise_and": ("int", "int"), "bitwise_or": ("bool", "bool"), "bitwise_xor": ("int", "int"),
    "where": ("bool", "real", "int"), "clip": ("real", "real", "real"),
}.items():
    _nary(NUMPY_CASES, _name, getattr(fnp, _name), _kinds)
_nary(NUMPY_CASES, "add[mixed dtypes]", fnp.add, ("int", "f32"))
_nary(NUMPY_CASES, "floor_divide[int]", fnp.floor_divide, ("int", "nonzero_int"))
_nary(NUMPY_CASES, "power[int]", fnp.power, ("int", "uint"))
_nary(NUMPY_CASES, "clip[lower only]", lambda x, lo: fnp.clip(x, lo), ("real", "real"))

# ---- functrans.numpy: reductions

_axis_reductions = {
    "sum": "real", "mean": "real", "prod": "real", "max": "real", "min": "real", "amax": "int", "amin": "real",
    "var": "real", "std": "real", "all": "bool", "any": "real",
}


def _axis_choice(draw, ndim: int, allow_tuple: bool = True):
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple))
    return draw(st.one_of(options))


def _reduction_case(name, kind):
    def build(draw):
        shape = draw(shapes())
        axis, keepdims = _axis_choice(draw, len(shape)), draw(st.booleans())
        return Case(lambda x: getattr(fnp, name)(x, axis=axis, keepdims=keepdims), [Values(kind, shape)])

    return build


for _name, _kind in _axis_reductions.items():
    _register(NUMPY_CASES, _name, _reduction_case(_name, _kind))
_register(NUMPY_CASES, "sum[int]", _reduction_case("sum", "int"))
_register(NUMPY_CASES, "mean[bool]", _reduction_case("mean", "bool"))
_register(NUMPY_CASES, "var[ddof=1]", lambda draw: Case(lambda x: fnp.var(x, axis=0, ddof=1), [Values("real", draw(shapes(1, 3, min_side=2)))]))
_register(NUMPY_CASES, "sum[dtype=f32]", lambda draw: Case(lambda x: fnp.sum(x, dtype=np.float32), [Values("int", draw(shapes()))]))


def _arg_reduction_case(name):
    def build(draw):
        shape = draw(shapes(1))
        axis, keepdims = _axis_choice(draw, len(shape), allow_tuple=False), draw(st.booleans())
        return Case(lambda x: getattr(fnp, name)(x, axis=axis, keepdims=keepdims), [Values(draw(st.sampled_from(["real", "int"])), shape)])

    return build


def _cumulative_case(name):
    def build(draw):
        shape = draw(shapes(1))
        axis = _axis_choice(draw, len(shape), allow_tuple=False)
        return Case(lambda x: getattr(fnp, name)(x, axis=axis), [Values(draw(st.sampled_from(["real", "int", "bool"])), shape)])

    return build


for _name in ("argmax", "argmin"):
    _register(NUMPY_CASES, _name, _arg_reduction_case(_name))
for _name in ("cumsum", "cumprod"):
    _register(NUMPY_CASES, _name, _cumulative_case(_name))

# ---- functrans.numpy: products


def _dot_case(draw):
    n = draw(st.integers(1, 3))
    a_shape = draw(shapes(0, 2)) + (n,) if draw(st.booleans()) else ()
    b_shape = draw(st.sampled_from([(n,), (n, 2), (3, n, 2)])) if a_shape else draw(shapes(0, 2))
    return Case(fnp.dot, [Values("real", a_shape), Values("real", b_shape)])


def _matmul_case(draw):
    n = draw(st.integers(1, 3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)).input_shapes
    a_shape = batch[0] + (2, n) if draw(st.booleans()) else (n,)
    b_shape = batch[1] + (n, 3) if draw(st.booleans()) or len(a_shape) == 1 else (n,)
    return Case(fnp.matmul, [Values("real", a_shape), Values(draw(st.sampled_from(["real", "int"])), b_shape)])


def _same_shape_pair(fn):
    return lambda draw: Case(fn, [Values("real", s) for s in [draw(shapes())] * 2])


def _inner_case(draw):
    n = draw(st.integers(1, 3))
    return Case(fnp.inner, [Values("real", draw(shapes(0, 2)) + (n,)), Values("real", draw(shapes(0, 1)) + (n,))])


def _outer_case(draw):
    return Case(fnp.outer, [Values("real", draw(shapes(0, 2))), Values("int", draw(shapes(0, 2)))])


def _tensordot_case(draw):
    k = draw(st.integers(0, 2))
    shared = draw(shapes(k, k))
    a_shape = draw(shapes(0, 1)) + shared
    b_shape = shared + draw(shapes(0, 1))
    return Case(lambda a, b: fnp.tensordot(a, b, k), [Values("real", a_shape), Values("real", b_shape)])


_EINSUM_SPECS = ["ij,jk->ik", "bij,bjk->bik", "i,i->", "ij->ji", "ij,kj->ik", "ij,j", "ijk,k->ji", "i,j->ij"]


def _einsum_case(draw):
    spec = draw(st.sampled_from(_EINSUM_SPECS))
    sizes = dict(zip("bijk", draw(st.lists(st.integers(1, 3), min_size=4, max_size=4))))
    operands = spec.split("->")[0].split(",")
    return Case(lambda *xs: fnp.einsum(spec, *xs), [Values("real", tuple(sizes[c] for c in op)) for op in operands])


def _trace_case(draw):
    shape = draw(shapes(2, 3))
    offset = draw(st.integers(-2, 2))
    return Case(lambda a: fnp.trace(a, offset), [Values("real", shape)])


def _diagonal_case(draw):
    shape = draw(shapes(2, 3))
    axis1, axis2 = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=2, max_size=2, unique_by=lambda a: a % len(shape)))
    offset = draw(st.integers(-2, 2))
    return Case(lambda a: fnp.diagonal(a, offset, axis1, axis2), [Values("real", shape)])


def _diag_case(draw):
    shape = draw(shapes(1, 2))
    k = draw(st.integers(-2, 2))
    return Case(lambda a: fnp.diag(a, k), [Values("real", shape)])


def _norm_case(draw):
    shape = draw(shapes(1, 3))
    if len(shape) >= 2 and draw(st.booleans()):
        axis = tuple(draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True)))
        ord_ = draw(st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf]))
    else:
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        ord_ = draw(st.sampled_from([None, 2, 1, np.inf, -np.inf, 0, 3]))
    keepdims = draw(st.booleans())
    return Case(lambda a: fnp.linalg.norm(a, ord_, axis, keepdims), [Values("real", shape)])


for _name, _builder in {
    "dot": _dot_case, "matmul": _matmul_case, "vdot": _same_shape_pair(fnp.vdot), "inner": _inner_case,
    "outer": _outer_case, "tensordot": _tensordot_case, "einsum": _einsum_case, "trace": _trace_case,
    "diagonal": _diagonal_case, "diag": _diag_case, "linalg.norm": _norm_case,
}.items():
    _register(NUMPY_CASES, _name, _builder)

# ---- functrans.numpy: shape manipulation and creation


def _reshape_case(draw):
    shape = draw(shapes())
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(size,), (-1,), (1, size), (size, 1, -1) if size else (0,)]))
    return Case(lambda a: fnp.reshape(a, target), [Values("real", shape)])


def _transpose_case(draw):
    shape = draw(shapes())
    perm = draw(st.permutations(range(len(shape)))) if draw(st.booleans()) else None
    return Case(lambda a: fnp.transpose(a, perm), [Values("real", shape)])


def _one_axis(fn, min_dims=1, extra=0):
    """``fn(a, axis)`` for an axis drawn among ``ndim + extra`` (negative too)."""

    def build(draw):
        shape = draw(shapes(min_dims))
        n = len(shape) + extra
        axis = draw(st.integers(-n, n - 1))
        return Case(lambda a: fn(a, axis), [Values("real", shape)])

    return build


def _two_axes(fn):
    def build(draw):
        shape = draw(shapes(1))
        a, b = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=2, max_size=2))
        return Case(lambda x: fn(x, a, b), [Values("real", shape)])

    return build


def _squeeze_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2))
    ones = [i for i, d in enumerate(shape) if d == 1]
    axis = draw(st.sampled_from([None] + ones)) if ones else None
    return Case(lambda a: fnp.squeeze(a, axis), [Values("real", shape)])


def _broadcast_to_case(draw):
    shape = draw(shapes(0, 2))
    # New leading axes, and size-1 axes stretched.
    target = draw(shapes(0, 1)) + tuple(draw(st.sampled_from([1, 3])) if d == 1 else d for d in shape)
    return Case(lambda a: fnp.broadcast_to(a, target), [Values("int", shape)])


def _joined(fn, axis_extra: int):
    """``fn`` of 1-3 arrays that agree off one axis (``concatenate``) or entirely."""

    def build(draw):
        base = draw(shapes(1))
        n = draw(st.integers(1, 3))
        axis = draw(st.integers(-len(base) - axis_extra, len(base) + axis_extra - 1))
        in_shapes = []
        for _ in range(n):
            s = list(base)
            if not axis_extra:
                s[axis] = draw(st.integers(1, 3))
            in_shapes.append(tuple(s))
        return Case(lambda *xs: fn(list(xs), axis), [Values(draw(st.sampled_from(["real", "int"])), s) for s in in_shapes])

    return build


def _hv_stack(fn):
    def build(draw):
        base = draw(shapes(0, 2))
        return Case(lambda *xs: fn(list(xs)), [Values("real", base) for _ in range(draw(st.integers(1, 3)))])

    return build


def _split_case(draw):
    shape = draw(shapes(1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    how = draw(st.sampled_from([1, n, [1], [0, 2], [2, 1]]))
    return Case(lambda a: fnp.split(a, how, axis), [Values("real", shape)])


def _tile_case(draw):
    shape = draw(shapes())
    reps = draw(st.one_of(st.integers(1, 2), st.lists(st.integers(1, 2), min_size=1, max_size=3).map(tuple)))
    return Case(lambda a: fnp.tile(a, reps), [Values("real", shape)])


def _repeat_case(draw):
    shape = draw(shapes(1))
    axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = draw(st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    return Case(lambda a: fnp.repeat(a, repeats, axis), [Values("real", shape)])


def _flip_case(draw):
    shape = draw(shapes())
    axis = _axis_choice(draw, len(shape))
    return Case(lambda a: fnp.flip(a, axis), [Values("real", shape)])


def _roll_case(draw):
    shape = draw(shapes(1))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    if draw(st.booleans()):
        return Case(lambda a, s: fnp.roll(a, s, axis), [Values("real", shape), Indices(-4, 5)])
    shift = draw(st.integers(-4, 4))
    return Case(lambda a: fnp.roll(a, shift, axis), [Values("real", shape)])


def _pad_case(draw):
    shape = draw(shapes())
    widths = [tuple(draw(st.lists(st.integers(0, 2), min_size=2, max_size=2))) for _ in shape]
    if draw(st.booleans()):
        return Case(lambda a, v: fnp.pad(a, widths, constant_values=v), [Values("real", shape), Values("real")])
    return Case(lambda a: fnp.pad(a, widths), [Values("int", shape)])


def _tri_case(fn):
    def build(draw):
        shape = draw(shapes(2))
        k = draw(st.integers(-2, 2))
        return Case(lambda a: fn(a, k), [Values("real", shape)])

    return build


def _broadcast_arrays_case(draw):
    in_shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    return Case(lambda a, b: fnp.broadcast_arrays(a, b), [Values("real", in_shapes[0]), Values("int", in_shapes[1])])


for _name, _builder in {
    "reshape": _reshape_case, "ravel": lambda draw: Case(fnp.ravel, [Values("real", draw(shapes()))]),
    "transpose": _transpose_case, "swapaxes": _two_axes(fnp.swapaxes), "moveaxis": _two_axes(fnp.moveaxis),
    "expand_dims": _one_axis(fnp.expand_dims, 0, extra=1), "squeeze": _squeeze_case,
    "broadcast_to": _broadcast_to_case, "concatenate": _joined(fnp.concatenate, 0), "stack": _joined(fnp.stack, 1),
    "hstack": _hv_stack(fnp.hstack), "vstack": _hv_stack(fnp.vstack), "split": _split_case, "tile": _tile_case,
    "repeat": _repeat_case, "flip": _flip_case, "fliplr": lambda draw: Case(fnp.fliplr, [Values("real", draw(shapes(2)))]),
    "flipud": lambda draw: Case(fnp.flipud, [Values("real", draw(shapes(1)))]), "roll": _roll_case, "pad": _pad_case,
    "atleast_1d": lambda draw: Case(fnp.atleast_1d, [Values("real", draw(shapes(0, 2)))]),
    "atleast_2d": lambda draw: Case(fnp.atleast_2d, [Values("real", draw(shapes(0, 3)))]),
    "tril": _tri_case(fnp.tril), "triu": _tri_case(fnp.triu), "broadcast_arrays": _broadcast_arrays_case,
}.items():
    _register(NUMPY_CASES, _name, _builder)


def _creation(fn):
    """A creation function inside a batched function: constants meet batched values."""

    def build(draw):
        shape = draw(shapes(0, 2))
        n, m, k = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(-2, 2))
        return Case(lambda x: fn(x, shape, n, m, k), [Values("real", shape)])

    return build


for _name, _fn in {
    "zeros": lambda x, shape, n, m, k: fnp.add(x, fnp.zeros(shape)),
    "ones": lambda x, shape, n, m, k: fnp.multiply(x, fnp.ones(shape, dtype=np.float32)),
    "zeros_like": lambda x, shape, n, m, k: fnp.add(fnp.zeros_like(x), x),
    "ones_like": lambda x, shape, n, m, k: fnp.ones_like(x, dtype=np.int32),
    "full": lambda x, shape, n, m, k: fnp.full((n,) + shape, fnp.sum(x)),
    "full_like": lambda x, shape, n, m, k: fnp.full_like(x, fnp.max(x) if x.size else 0.0),
    "arange": lambda x, shape, n, m, k: fnp.add(fnp.sum(x), fnp.arange(n)),
    "arange[start, stop, step]": lambda x, shape, n, m, k: fnp.multiply(fnp.sum(x), fnp.arange(1, 7, 2)),
    "linspace": lambda x, shape, n, m, k: fnp.linspace(fnp.sum(x), fnp.prod(x), n + 1),
    "linspace[no endpoint]": lambda x, shape, n, m, k: fnp.linspace(0.0, fnp.sum(x), n, endpoint=False),
    "eye": lambda x, shape, n, m, k: fnp.multiply(fnp.sum(x), fnp.eye(n, m, k)),
    "identity": lambda x, shape, n, m, k: fnp.add(fnp.identity(n, dtype=np.int64), fnp.sum(x)),
    "array": lambda x, shape, n, m, k: fnp.array([fnp.sum(x), fnp.prod(x), 1.0]),
    "asarray": lambda x, shape, n, m, k: fnp.asarray(x, np.float32),
    "astype": lambda x, shape, n, m, k: fnp.astype(x, np.int32),
}.items():
    _register(NUMPY_CASES, _name, _creation(_fn))

# ---- functrans.numpy: indexing


def _getitem_case(draw):
    shape = draw(shapes(1, 3))
    n0 = shape[0]
    static = draw(st.sampled_from([
        0, -1, slice(None, None, -1), slice(1, None, 2), (Ellipsis, 0), (None, 0), (slice(None), None),
        np.array([0, -1, 0]), [True] * n0, (np.array([[0], [n0 - 1]]), Ellipsis),
    ]))
    if draw(st.booleans()):
        return Case(lambda a: fnp.getitem(a, static), [Values("real", shape)])
    # Traced indices: batched index arrays and scalars (clamped into range on read).
    idx_shape = draw(shapes(0, 2))
    if len(shape) >= 2 and draw(st.booleans()):
        second = draw(st.sampled_from([0, slice(None), "traced"]))
        if second == "traced":
            return Case(lambda a, i, j: fnp.getitem(a, (i, j)), [Values("real", shape), _read_index(n0, idx_shape), _read_index(shape[1], ())])
        # With second == 0 the traced index reads axis 1; otherwise axis 0.
        size = shape[1] if second == 0 else n0
        return Case(lambda a, i: fnp.getitem(a, (slice(None), i) if second == 0 else (i, second)), [Values("real", shape), _read_index(size, idx_shape)])
    return Case(lambda a, i: fnp.getitem(a, i), [Values("real", shape), _read_index(n0, idx_shape)])


def _read_index(n: int, shape: tuple) -> Maker:
    """Indices for a read of an axis of size ``n``: index arrays may be out of range
    (clamped); a scalar index is kept in range (a concrete one out of range is an
    IndexError, as in NumPy, so the loop could not serve as the reference)."""
    return Indices(-n - 1, n + 2, shape) if shape else Indices(-n, n, shape)


def _at_case(draw):
    shape = draw(shapes(1, 3))
    n0 = shape[0]
    kind = draw(st.sampled_from(["set", "add", "multiply", "mul", "min", "max", "get"]))
    count = draw(st.integers(1, n0))
    idx = DistinctIndices(n0, count) if kind == "set" else Indices(-n0 - 1, n0 + 1, (count,))
    # Out-of-range indices in idx are dropped by the update; for "set" they are distinct.
    value_shape = draw(st.sampled_from([(), (count,) + shape[1:], shape[1:]]))
    if kind == "get":
        return Case(lambda a, i: fnp.at(a)[i].get(), [Values("real", shape), idx])
    return Case(lambda a, i, v: getattr(fnp.at(a)[i], kind)(v), [Values("real", shape), idx, Values("real", value_shape)])


def _at_static_case(draw):
    shape = draw(shapes(1, 3))
    where = draw(st.sampled_from([0, -1, slice(None, None, 2), (Ellipsis, 0), np.array([0, 0])]))
    kind = draw(st.sampled_from(["set", "add", "min"]))
    return Case(lambda a, v: getattr(fnp.at(a)[where], kind)(v), [Values("real", shape), Values("real")])


def _take_case(draw):
    shape = draw(shapes(1))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    return Case(lambda a, i: fnp.take(a, i, axis), [Values("real", shape), Indices(-n - 1, n + 1, draw(shapes(0, 2)))])


def _take_along_axis_case(draw):
    shape = draw(shapes(1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    idx_shape = list(shape)
    idx_shape[axis] = draw(st.integers(1, 3))
    n = shape[axis]
    return Case(lambda a, i: fnp.take_along_axis(a, i, axis), [Values("real", shape), Indices(-n, n, tuple(idx_shape))])


for _name, _builder in {
    "getitem": _getitem_case, "at": _at_case, "at[static index]": _at_static_case, "take": _take_case,
    "take_along_axis": _take_along_axis_case,
}.items():
    _register(NUMPY_CASES, _name, _builder)

def _sorting_case(name):
    def build(draw):
        shape = draw(shapes(1))
        axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
        # Small integers have ties: argsort must keep their order (stable).
        return Case(lambda a: getattr(fnp, name)(a, axis), [Values(draw(st.sampled_from(["real", "int"])), shape)])

    return build


for _name in ("sort", "argsort"):
    _register(NUMPY_CASES, _name, _sorting_case(_name))


# ---- functrans.lax: elementwise (operands of equal shapes)

for _name, _kind in {
    "neg": "real", "sign": "real", "floor": "real", "ceil": "real", "round": "real", "is_finite": "real",
    "exp": "real", "exp2": "real", "log": "pos", "log1p": "pos", "expm1": "real", "tanh": "real", "logistic": "real",
    "sin": "real", "cos": "real", "tan": "unit", "asin": "unit", "acos": "unit", "atan": "real", "sinh": "real",
    "cosh": "real", "asinh": "real", "acosh": "ge1", "atanh": "unit", "sqrt": "pos", "rsqrt": "pos", "cbrt": "real",
    "abs": "int", "erf": "real", "lgamma": "pos", "digamma": "pos", "trigamma": "pos", "stop_gradient": "real",
    "square": "real", "bitwise_not": "int",
}.items():
    _unary(LAX_CASES, _name, getattr(lax, _name), _kind)
_unary(LAX_CASES, "integer_pow", lambda x: lax.integer_pow(x, 3), "real")
_unary(LAX_CASES, "integer_pow[negative]", lambda x: lax.integer_pow(x, -2), "pos")
_unary(LAX_CASES, "convert_element_type", lambda x: lax.convert_element_type(x, np.int32), "real")
_unary(LAX_CASES, "convert_element_type[to bool]", lambda x: lax.convert_element_type(x, np.bool_), "int")
_unary(LAX_CASES, "convert_element_type[weak]", lambda x: lax.add(lax.convert_element_type(x, np.float32, weak_type=True), 1.5), "int")
_unary(LAX_CASES, "add[python scalar]", lambda x: lax.add(2.0, x), "real")

for _name, _kinds in {
    "add": ("real", "real"), "add_any": ("real", "real"), "sub": ("int", "int"), "mul": ("real", "real"),
    "div": ("real", "pos"), "rem": ("real", "pos"), "pow": ("pos", "real"), "max": ("real", "real"),
    "min": ("int", "int"), "atan2": ("real", "real"), "eq": ("int", "int"), "ne": ("int", "int"),
    "lt": ("int", "int"), "le": ("real", "real"), "gt": ("int", "int"), "ge": ("int", "int"),
    "bitwise_and": ("bool", "bool"), "bitwise_or": ("int", "int"), "bitwise_xor": ("bool", "bool"),
    "shift_left": ("uint", "uint"), "shift_right_logical": ("uint", "uint"),
}.items():
    _nary(LAX_CASES, _name, getattr(lax, _name), _kinds, broadcast=False)
_nary(LAX_CASES, "div[int]", lax.div, ("int", "nonzero_int"), broadcast=False)
_nary(LAX_CASES, "rem[int]", lax.rem, ("int", "nonzero_int"), broadcast=False)


def _select_n_case(draw):
    shape = draw(shapes())
    n_cases = draw(st.integers(1, 3))
    pred_kind = "bool" if n_cases == 2 and draw(st.booleans()) else "int"
    pred_shape = draw(st.sampled_from([(), shape]))
    pred = Values("bool", pred_shape) if pred_kind == "bool" else Indices(0, n_cases, pred_shape)
    return Case(lax.select_n, [pred] + [Values("real", shape) for _ in range(n_cases)])


def _select_case(draw):
    shape = draw(shapes())
    return Case(lax.select, [Values("bool", draw(st.sampled_from([(), shape]))), Values("real", shape), Values("real", shape)])


_register(LAX_CASES, "select_n", _select_n_case)
_register(LAX_CASES, "select", _select_case)

# ---- functrans.lax: shape


def _broadcast_in_dim_case(draw):
    shape = draw(shapes(0, 2))
    out_ndim = len(shape) + draw(st.integers(0, 2))
    dims = tuple(sorted(draw(st.permutations(range(out_ndim)))[: len(shape)]))
    out_shape = [draw(st.integers(1, 3)) for _ in range(out_ndim)]
    in_shape = []
    for src, dst in enumerate(dims):
        in_shape.append(draw(st.sampled_from([1, out_shape[dst]])))
    return Case(lambda a: lax.broadcast_in_dim(a, out_shape, dims), [Values("real", tuple(in_shape))])


def _lax_reshape_case(draw):
    shape = draw(shapes())
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(size,), (1, size), (size, 1), ()] if size == 1 else [(size,), (1, size), (size, 1)]))
    return Case(lambda a: lax.reshape(a, target), [Values("real", shape)])


def _lax_transpose_case(draw):
    shape = draw(shapes())
    perm = draw(st.permutations(range(len(shape))))
    return Case(lambda a: lax.transpose(a, perm), [Values("real", shape)])


def _lax_squeeze_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2))
    ones = [i for i, d in enumerate(shape) if d == 1]
    dims = draw(st.lists(st.sampled_from(ones), unique=True)) if ones else []
    return Case(lambda a: lax.squeeze(a, dims), [Values("real", shape)])


def _lax_expand_dims_case(draw):
    shape = draw(shapes(0, 2))
    dims = draw(st.lists(st.integers(0, len(shape)), min_size=1, max_size=1))
    return Case(lambda a: lax.expand_dims(a, dims), [Values("real", shape)])


def _lax_rev_case(draw):
    shape = draw(shapes())
    dims = draw(st.lists(st.integers(0, len(shape) - 1), unique=True)) if shape else []
    return Case(lambda a: lax.rev(a, dims), [Values("real", shape)])


def _lax_concatenate_case(draw):
    base = draw(shapes(1))
    dim = draw(st.integers(0, len(base) - 1))
    in_shapes = [tuple(draw(st.integers(1, 3)) if i == dim else d for i, d in enumerate(base)) for _ in range(draw(st.integers(1, 3)))]
    return Case(lambda *xs: lax.concatenate(xs, dim), [Values("real", s) for s in in_shapes])


def _lax_pad_case(draw):
    shape = draw(shapes(0, 2))
    config = []
    for d in shape:
        interior = draw(st.integers(0, 2))
        grown = d + max(d - 1, 0) * interior
        lo = draw(st.integers(-min(grown, 1), 2))
        hi = draw(st.integers(-min(grown - max(-lo, 0), 1), 2))
        config.append((lo, hi, interior))
    return Case(lambda a, v: lax.pad(a, v, config), [Values("real", shape), Values("real")])


def _lax_slice_case(draw):
    shape = draw(shapes(1))
    starts, limits, strides = [], [], []
    for d in shape:
        s = draw(st.integers(0, d))
        starts.append(s)
        limits.append(draw(st.integers(s, d)))
        strides.append(draw(st.integers(1, 2)))
    return Case(lambda a: lax.slice(a, starts, limits, strides), [Values("real", shape)])


def _lax_broadcasted_iota_case(draw):
    shape = draw(shapes(1))
    dim = draw(st.integers(0, len(shape) - 1))
    return Case(lambda a: lax.add(a, lax.broadcasted_iota(a.dtype, shape, dim)), [Values("real", shape)])


def _lax_iota_case(draw):
    n = draw(st.integers(1, 3))
    return Case(lambda a: lax.mul(a, lax.iota(a.dtype, n)), [Values("int", (n,))])


def _lax_full_case(draw):
    shape = draw(shapes(0, 2))
    return Case(lambda v: lax.full(shape, v), [Values("real")])


def _lax_like_case(fn):
    return lambda draw: Case(fn, [Values("real", draw(shapes(0, 2)))])


for _name, _builder in {
    "broadcast_in_dim": _broadcast_in_dim_case, "reshape": _lax_reshape_case, "transpose": _lax_transpose_case,
    "squeeze": _lax_squeeze_case, "expand_dims": _lax_expand_dims_case, "rev": _lax_rev_case,
    "concatenate": _lax_concatenate_case, "pad": _lax_pad_case, "slice": _lax_slice_case, "iota": _lax_iota_case,
    "broadcasted_iota": _lax_broadcasted_iota_case, "full": _lax_full_case,
    "full_like": _lax_like_case(lambda v: lax.add(lax.full_like(v, 2.0), v)),
    "zeros_like": _lax_like_case(lambda v: lax.sub(v, lax.full_like(v, 0))),
}.items():
    _register(LAX_CASES, _name, _builder)

# ---- functrans.lax: reductions


def _lax_reduce_case(name, kinds):
    def build(draw):
        shape = draw(shapes(0, 3))
        axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True)) if shape else []
        return Case(lambda a: getattr(lax, name)(a, axes), [Values(draw(st.sampled_from(kinds)), shape)])

    return build


def _lax_arg_case(name):
    def build(draw):
        shape = draw(shapes(1))
        axis = draw(st.integers(0, len(shape) - 1))
        dtype = draw(st.sampled_from([np.int64, np.int32]))
        return Case(lambda a: getattr(lax, name)(a, axis, dtype), [Values(draw(st.sampled_from(["real", "int"])), shape)])

    return build


def _lax_cumulative_case(name):
    def build(draw):
        shape = draw(shapes(1))
        axis, reverse = draw(st.integers(0, len(shape) - 1)), draw(st.booleans())
        return Case(lambda a: getattr(lax, name)(a, axis, reverse), [Values(draw(st.sampled_from(["real", "int"])), shape)])

    return build


for _name in ("reduce_sum", "reduce_prod", "reduce_max", "reduce_min"):
    _register(LAX_CASES, _name, _lax_reduce_case(_name, ["real", "int"] + (["bool"] if _name in ("reduce_max", "reduce_min") else [])))
for _name in ("argmax", "argmin"):
    _register(LAX_CASES, _name, _lax_arg_case(_name))
for _name in ("cumsum", "cumprod", "cummax", "cummin"):
    _register(LAX_CASES, _name, _lax_cumulative_case(_name))

def _lax_sorting_case(name):
    def build(draw):
        shape = draw(shapes(1))
        dimension = draw(st.integers(-len(shape), len(shape) - 1))
        return Case(lambda a: getattr(lax, name)(a, dimension), [Values(draw(st.sampled_from(["real", "int"])), shape)])

    return build


for _name in ("sort", "argsort"):
    _register(LAX_CASES, _name, _lax_sorting_case(_name))

# ---- functrans.lax: dot_general


def _dot_general_case(draw):
    """Random dimension numbers: batch, contracting and free axes in any order on each side."""
    n_batch, n_contract = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    n_lfree, n_rfree = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    size = lambda: draw(st.integers(1, 3))
    batch, contract = [size() for _ in range(n_batch)], [size() for _ in range(n_contract)]
    lhs_axes = [("b", i) for i in range(n_batch)] + [("c", i) for i in range(n_contract)] + [("f", i) for i in range(n_lfree)]
    rhs_axes = [("b", i) for i in range(n_batch)] + [("c", i) for i in range(n_contract)] + [("f", i) for i in range(n_rfree)]
    lhs_axes, rhs_axes = draw(st.permutations(lhs_axes)), draw(st.permutations(rhs_axes))
    lfree, rfree = [size() for _ in range(n_lfree)], [size() for _ in range(n_rfree)]

    def shape_of(axes, free):
        return tuple({"b": batch, "c": contract, "f": free}[kind][i] for kind, i in axes)

    def where(axes, kind, n):
        return tuple(axes.index((kind, i)) for i in range(n))

    dn = ((where(lhs_axes, "c", n_contract), where(rhs_axes, "c", n_contract)), (where(lhs_axes, "b", n_batch), where(rhs_axes, "b", n_batch)))
    kind = draw(st.sampled_from(["real", "int"]))
    return Case(lambda a, b: lax.dot_general(a, b, dn), [Values(kind, shape_of(lhs_axes, lfree)), Values(kind, shape_of(rhs_axes, rfree))])


_register(LAX_CASES, "dot_general", _dot_general_case)

# ---- functrans.lax: indexing


def _gather_layout(draw):
    batch = draw(shapes(0, 1))
    indexed = draw(shapes(1, 2))
    trailing = draw(shapes(0, 1))
    points = draw(shapes(0, 2))
    return batch, indexed, trailing, points


def _index_tuples(batch, indexed, points) -> Maker:
    """Index tuples for gather/scatter, partly out of range (clamped or dropped by the mode)."""
    return Indices(-1, max(indexed) + 1, batch + points + (len(indexed),))


def _gather_case(draw):
    batch, indexed, trailing, points = _gather_layout(draw)
    mode = draw(st.sampled_from(["clip", "drop"]))
    return Case(
        lambda x, i: lax.indexing.gather(x, i, len(batch), mode),
        [Values("real", batch + indexed + trailing), _index_tuples(batch, indexed, points)],
    )


def _scatter_case(draw):
    batch, indexed, trailing, points = _gather_layout(draw)
    mode = draw(st.sampled_from(["clip", "drop"]))
    kind = draw(st.sampled_from(["add", "mul", "min", "max"] + (["set"] if not points else [])))
    # A scatter-set with several points may write one position twice; the result
    # then depends on the order of writes, so set is drawn with a single point.
    return Case(
        lambda x, i, u: lax.indexing.scatter(x, i, u, kind, len(batch), mode),
        [Values("real", batch + indexed + trailing), _index_tuples(batch, indexed, points), Values("real", batch + points + trailing)],
    )


def _dynamic_slice_case(draw):
    shape = draw(shapes(1))
    sizes = [draw(st.integers(0, d)) for d in shape]
    starts = [Indices(-2, d + 2) for d in shape]
    return Case(lambda x, *s: lax.dynamic_slice(x, s, sizes), [Values("real", shape)] + starts)


def _dynamic_update_slice_case(draw):
    shape = draw(shapes(1))
    update_shape = tuple(draw(st.integers(0, d)) for d in shape)
    starts = [Indices(-2, d + 2) for d in shape]
    return Case(lambda x, u, *s: lax.dynamic_update_slice(x, u, s), [Values("real", shape), Values("real", update_shape)] + starts)


def _lax_take_along_axis_case(draw):
    shape = draw(shapes(1))
    axis = draw(st.integers(0, len(shape) - 1))
    idx_shape = list(shape)
    idx_shape[axis] = draw(st.integers(1, 3))
    return Case(lambda x, i: lax_take_along_axis(x, i, axis), [Values("real", shape), Indices(-1, shape[axis] + 1, tuple(idx_shape))])


for _name, _builder in {
    "gather": _gather_case, "scatter": _scatter_case, "dynamic_slice": _dynamic_slice_case,
    "dynamic_update_slice": _dynamic_update_slice_case, "take_along_axis": _lax_take_along_axis_case,
}.items():
    _register(LAX_CASES, _name, _builder)


# ---- functrans.lax: control flow (batched predicates become per-lane selects or masks)


def _cond_case(draw):
    shape = draw(shapes(0, 2))
    branches = (lambda a, b: fnp.sin(a) * b, lambda a, b: a - fnp.sum(b))
    return Case(lambda p, x, y: lax.cond(p > 0, *branches, x, y), [Values("real"), Values("real", shape), Values("real", shape)])


def _switch_case(draw):
    shape = draw(shapes(0, 2))
    branches = [fnp.sin, lambda a: a * 2.0, lambda a: fnp.cumsum(a, axis=0) if a.ndim else a]
    # The index is clamped into range, as in JAX.
    return Case(lambda i, x: lax.switch(i, branches, x), [Indices(-1, 4), Values("real", shape)])


def _while_loop_case(draw):
    shape = draw(shapes(0, 2))
    # A batched bound makes the lanes finish after different numbers of steps.
    body = lambda c: (c[0] + 1, c[1] * 0.5 + fnp.astype(c[0], c[1].dtype))
    return Case(lambda n, x: lax.while_loop(lambda c: c[0] < n, body, (0, x))[1], [Indices(0, 4), Values("real", shape)])


def _fori_loop_case(draw):
    shape = draw(shapes(0, 2))
    body = lambda i, c: c * 0.5 + fnp.sin(c) * fnp.astype(i, c.dtype)
    if draw(st.booleans()):
        return Case(lambda n, x: lax.fori_loop(0, n, body, x), [Indices(0, 4), Values("real", shape)])
    steps = draw(st.integers(0, 3))
    return Case(lambda x: lax.fori_loop(0, steps, body, x), [Values("real", shape)])


def _scan_case(draw):
    shape, length, reverse = draw(shapes(0, 2)), draw(st.integers(0, 3)), draw(st.booleans())
    step = lambda c, x: (c * x + 1.0, (c - x, fnp.sum(c)))
    return Case(lambda c0, xs: lax.scan(step, c0, xs, reverse=reverse), [Values("real", shape), Values("real", (length,) + shape)])


def _map_case(draw):
    shape = draw(shapes(1, 3))
    return Case(lambda xs: lax.map(lambda x: fnp.sum(x ** 2) + x, xs), [Values("real", shape)])


for _name, _builder in {
    "cond": _cond_case, "switch": _switch_case, "while_loop": _while_loop_case, "fori_loop": _fori_loop_case,
    "scan": _scan_case, "map": _map_case,
}.items():
    _register(LAX_CASES, _name, _builder)


# --------------------------------------------------------------------------- coverage of the tables


def _public_functions(module) -> set[str]:
    return {
        name for name in dir(module)
        if not name.startswith("_") and callable(getattr(module, name)) and not isinstance(getattr(module, name), type)
        and getattr(getattr(module, name), "__module__", "").startswith("functrans")
    }


def test_every_core_lax_function_has_a_batching_case():
    covered = {name.split("[")[0] for name in LAX_CASES}
    assert CORE_LAX <= _public_functions(lax)
    assert CORE_LAX - covered == set()


def test_every_core_numpy_function_has_a_batching_case():
    not_array_functions = {"shape", "ndim", "size", "result_type", "broadcast_shapes"}
    covered = {name.split("[")[0] for name in NUMPY_CASES} | not_array_functions
    assert (CORE_NUMPY & _public_functions(fnp)) - covered == set()


# --------------------------------------------------------------------------- the property, per case


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NUMPY_CASES))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_vmap_of_numpy_function_equals_python_loop(name, data):
    case = data.draw(st.composite(lambda draw: NUMPY_CASES[name](draw))())
    check_vmap_matches_loop(data, case.fn, case.makers)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LAX_CASES))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_vmap_of_lax_function_equals_python_loop(name, data):
    case = data.draw(st.composite(lambda draw: LAX_CASES[name](draw))())
    check_vmap_matches_loop(data, case.fn, case.makers)


def _all_primitives() -> dict[str, Any]:
    """Every primitive defined in functrans (outside the compiler backend)."""
    prims = {}
    for info in pkgutil.walk_packages(ft.__path__, "functrans."):
        if ".backend" in info.name:
            continue
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, core.Primitive):
                prims[value.name] = value
    return prims


def test_every_primitive_with_operands_has_a_batching_rule():
    operandless = {"iota"}  # nothing to batch: vmap never sees it with a batched operand
    missing = sorted(name for name, prim in _all_primitives().items() if prim not in batching_rules and name not in operandless)
    assert missing == []


@pytest.mark.slow
@pytest.mark.parametrize("table, name", [("numpy", n) for n in sorted(NUMPY_CASES)] + [("lax", n) for n in sorted(LAX_CASES)])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_vmap_over_an_empty_batch_gives_an_empty_result_of_the_right_type(table, name, data):
    builder = (NUMPY_CASES if table == "numpy" else LAX_CASES)[name]
    case = data.draw(st.composite(lambda draw: builder(draw))())
    examples = [make(np.random.default_rng(0)) for make in case.makers]
    axes = _draw_in_axes(data, [np.ndim(x) for x in examples])
    args = [x if ax is None else _stack([x], ax)[tuple(slice(0, 0) if i == ax % (np.ndim(x) + 1) else slice(None) for i in range(np.ndim(x) + 1))] for x, ax in zip(examples, axes)]
    got = ft.vmap(case.fn, in_axes=tuple(axes))(*args)
    expected = case.fn(*examples)
    assert tree_structure(got) == tree_structure(expected)
    for g, e in zip(tree_flatten(got)[0], tree_flatten(expected)[0]):
        assert g.shape == (0,) + np.shape(e) and g.dtype == np.asarray(e).dtype


# --------------------------------------------------------------------------- no loop over the batch


def _primitive_names(closed) -> list[str]:
    return [eqn.primitive.name for eqn in closed.jaxpr.eqns]


@pytest.mark.slow
@pytest.mark.parametrize("table, name", [("numpy", n) for n in sorted(NUMPY_CASES)] + [("lax", n) for n in sorted(LAX_CASES)])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_batched_jaxpr_does_not_grow_with_the_batch_size(table, name, data):
    """A rule that looped over the batch would emit one copy of its equations per example."""
    builder = (NUMPY_CASES if table == "numpy" else LAX_CASES)[name]
    case = data.draw(st.composite(lambda draw: builder(draw))())
    rng = np.random.default_rng(0)
    examples = [make(rng) for make in case.makers]
    axes = _draw_in_axes(data, [np.ndim(x) for x in examples])
    jaxprs = []
    for size in (2, 3):
        args = [x if ax is None else _stack([x] * size, ax) for x, ax in zip(examples, axes)]
        closed = ft.make_jaxpr(ft.vmap(case.fn, in_axes=tuple(axes)))(*args)
        ft.ir.typecheck_jaxpr(closed.jaxpr)
        jaxprs.append(closed)
    assert _primitive_names(jaxprs[0]) == _primitive_names(jaxprs[1])


def test_batched_matmul_is_one_dot_general_with_a_batch_dimension():
    xs, ys = np.ones((5, 2, 3)), np.ones((5, 3, 4))
    closed = ft.make_jaxpr(ft.vmap(lambda x, y: x @ y))(xs, ys)
    dots = [e for e in closed.jaxpr.eqns if e.primitive.name == "dot_general"]
    assert len(dots) == 1
    (_, (lhs_batch, rhs_batch)) = dots[0].params["dimension_numbers"]
    assert lhs_batch == rhs_batch == (0,)
    assert closed.out_avals[0].shape == (5, 2, 4)


def test_batched_jaxpr_shows_batched_primitives():
    closed = ft.make_jaxpr(ft.vmap(lambda x: fnp.sin(x).sum()))(np.ones((7, 3)))
    assert _primitive_names(closed) == ["sin", "reduce_sum"]
    sin_eqn, sum_eqn = closed.jaxpr.eqns
    assert sin_eqn.out_binders[0].aval.shape == (7, 3)
    assert sum_eqn.params["axes"] == (1,)
    assert "sin" in str(closed) and "f64[7,3]" in str(closed)


def test_batched_gather_and_scatter_are_single_equations():
    x, idx, vals = np.ones((4, 6)), np.array([[0, 2], [1, 1], [5, 0], [3, 3]]), np.ones((4, 2))
    read = ft.make_jaxpr(ft.vmap(lambda a, i: fnp.take(a, i)))(x, idx)
    write = ft.make_jaxpr(ft.vmap(lambda a, i, v: fnp.at(a)[i].add(v)))(x, idx, vals)
    assert _primitive_names(read).count("gather") == 1
    assert _primitive_names(write).count("scatter") == 1


# --------------------------------------------------------------------------- the vmap API


def test_in_axes_pytree_prefix_maps_dict_entries_separately():
    rng = np.random.default_rng(1)
    params = {"w": rng.normal(size=(3,)), "b": rng.normal(size=(4,))}
    xs = rng.normal(size=(3, 4))
    f = lambda p, x: fnp.sum(p["w"]) * x + p["b"]
    got = ft.vmap(f, in_axes=({"w": None, "b": 0}, 1))(params, xs)
    expected = np.stack([f({"w": params["w"], "b": params["b"][i]}, xs[:, i]) for i in range(4)])
    np.testing.assert_allclose(got, expected)


def test_in_axes_tuple_prefix_applies_to_a_whole_subtree():
    rng = np.random.default_rng(2)
    pair, scale = (rng.normal(size=(2, 3)), rng.normal(size=(2, 5))), rng.normal(size=(4,))
    f = lambda p, s: fnp.concatenate([p[0], p[1]]) * s[0]
    got = ft.vmap(f, in_axes=(0, None))(pair, scale)
    expected = np.stack([f((pair[0][i], pair[1][i]), scale) for i in range(2)])
    np.testing.assert_allclose(got, expected)


def test_out_axes_pytree_prefix_places_each_output():
    xs = np.random.default_rng(3).normal(size=(3, 2, 4))
    f = lambda x: {"m": x, "s": (fnp.sum(x, 0), fnp.max(x))}
    got = ft.vmap(f, out_axes={"m": -1, "s": (1, 0)})(xs)
    per = [f(x) for x in xs]
    np.testing.assert_allclose(got["m"], np.stack([p["m"] for p in per], -1))
    np.testing.assert_allclose(got["s"][0], np.stack([p["s"][0] for p in per], 1))
    np.testing.assert_allclose(got["s"][1], np.stack([p["s"][1] for p in per], 0))


def test_out_axes_on_an_unbatched_output_broadcasts_it():
    w, xs = np.arange(4.0), np.ones((3, 2))
    got_front, got_back = ft.vmap(lambda x: (w, x), out_axes=(0, 0))(xs)[0], ft.vmap(lambda x: w, out_axes=1)(xs)
    np.testing.assert_array_equal(got_front, np.broadcast_to(w, (3, 4)))
    np.testing.assert_array_equal(got_back, np.broadcast_to(w[:, None], (4, 3)))


def test_out_axes_none_returns_an_unbatched_output_once():
    w, xs = np.arange(4.0), np.ones((3, 2))
    unbatched, batched = ft.vmap(lambda x: (w * 2, x.sum()), out_axes=(None, 0))(xs)
    np.testing.assert_array_equal(unbatched, w * 2)
    np.testing.assert_array_equal(batched, np.full(3, 2.0))


def test_axis_size_maps_a_function_with_no_mapped_argument():
    w = np.arange(3.0)
    np.testing.assert_array_equal(ft.vmap(lambda v: v * 2, in_axes=None, axis_size=4)(w), np.tile(w * 2, (4, 1)))
    np.testing.assert_array_equal(ft.vmap(lambda: fnp.ones(2), axis_size=3)(), np.ones((3, 2)))


def test_axis_size_agreeing_with_the_mapped_size_is_accepted():
    xs = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(ft.vmap(lambda x: x + 1, axis_size=3)(xs), xs + 1)


@settings(max_examples=25, deadline=None)
@given(
    outer_axis=st.integers(-3, 2), inner_axis=st.integers(-2, 1), w_outer=st.sampled_from([None, 0]),
    out_inner=st.integers(-2, 1), out_outer=st.integers(-3, 2), seed=st.integers(0, 2**16),
)
def test_nested_vmap_over_different_axes_equals_a_double_loop(outer_axis, inner_axis, w_outer, out_inner, out_outer, seed):
    rng = np.random.default_rng(seed)
    n_outer, n_inner = 2, 3
    # x has one axis per level plus a feature axis of size 4; w is (4,), or (2, 4) when mapped outside.
    base = rng.normal(size=(n_outer, n_inner, 4))
    w = rng.normal(size=(n_outer, 4) if w_outer == 0 else (4,))
    f = lambda x, v: fnp.stack([fnp.tanh(x @ v), fnp.sum(x * x)])  # per example: shape (2,)
    inner_x = lambda i: np.moveaxis(base[i], 0, inner_axis)  # (…) with the inner axis placed
    x = np.stack([inner_x(i) for i in range(n_outer)], axis=outer_axis)
    w_of = lambda i: w[i] if w_outer == 0 else w
    nested = ft.vmap(ft.vmap(f, in_axes=(inner_axis, None), out_axes=out_inner), in_axes=(outer_axis, w_outer), out_axes=out_outer)
    expected = np.stack(
        [np.stack([f(base[i, j], w_of(i)) for j in range(n_inner)], axis=out_inner) for i in range(n_outer)], axis=out_outer
    )
    # A dot product that cancels to ~1e-6 differs in its last bits between the batched and the
    # looped summation order: the tolerance is relative to the operands' scale too.
    np.testing.assert_allclose(nested(x, w), expected, rtol=1e-12, atol=1e-14)


def test_inner_vmap_closes_over_a_value_batched_by_the_outer_one():
    xs, ys, c = np.arange(3.0), np.arange(4.0) + 1, np.array(10.0)
    got = ft.vmap(lambda x: ft.vmap(lambda y: x * y + c)(ys))(xs)
    np.testing.assert_allclose(got, xs[:, None] * ys[None, :] + c)


def test_closure_over_an_unbatched_array_is_shared_by_every_example():
    table = np.arange(12.0).reshape(3, 4)
    idx = np.array([2, 0, 1, 2])
    got = ft.vmap(lambda i: fnp.getitem(fnp.asarray(table), i) @ fnp.ones(4))(idx)
    np.testing.assert_allclose(got, table[idx].sum(1))


def test_roll_by_a_batched_shift_rolls_each_example_by_its_own_shift():
    # Regression: numpy.roll with a traced shift subtracted a scalar from an iota (a shape error).
    x, shifts = np.arange(5.0), np.array([1, -2, 7])
    got = ft.vmap(fnp.roll, in_axes=(None, 0))(x, shifts)
    np.testing.assert_array_equal(got, np.stack([np.roll(x, s) for s in shifts]))


def test_while_loop_with_a_batched_bound_runs_each_lane_its_own_number_of_steps():
    bounds, x0 = np.array([0, 3, 1]), np.array([1.0, 1.0, 1.0])
    loop = lambda n, x: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0), (0, x))[1]
    np.testing.assert_array_equal(ft.vmap(loop)(bounds, x0), 2.0 ** bounds)
    # Regression: over an empty batch, "is any lane still running" reduced an empty axis.
    assert ft.vmap(loop)(bounds[:0], x0[:0]).shape == (0,)


def test_vmap_of_a_constant_output_broadcasts_it_along_the_batch():
    got = ft.vmap(lambda x: (fnp.eye(2), 3.0))(np.ones(4))
    np.testing.assert_array_equal(got[0], np.broadcast_to(np.eye(2), (4, 2, 2)))
    np.testing.assert_array_equal(got[1], np.full(4, 3.0))


# --------------------------------------------------------------------------- errors


def test_mapped_arguments_of_different_sizes_raise_naming_them():
    with pytest.raises(ValueError, match=r"inconsistent sizes.*size 3 for argument\(s\) 0.*size 4 for argument\(s\) 1"):
        ft.vmap(lambda a, b: a.sum() + b.sum())(np.ones((3, 2)), np.ones((4, 2)))


def test_in_axes_out_of_range_raises_naming_the_argument():
    with pytest.raises(ValueError, match=r"in_axes=2 .*argument 1 of rank 2"):
        ft.vmap(lambda a, b: a + b.sum(), in_axes=(0, 2))(np.ones(3), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"in_axes=-2 .*argument 0 of rank 1"):
        ft.vmap(lambda a: a, in_axes=-2)(np.ones(3))


def test_mapping_a_scalar_raises():
    with pytest.raises(ValueError, match=r"argument 1 of rank 0"):
        ft.vmap(lambda a, b: a * b)(np.ones(3), 2.0)


def test_in_axes_tree_that_does_not_match_the_arguments_raises():
    with pytest.raises(ValueError, match=r"in_axes"):
        ft.vmap(lambda p: p["a"], in_axes=({"a": 0, "b": 0},))({"a": np.ones(2)})
    with pytest.raises(ValueError, match=r"in_axes has 1 entries .* 2 positional arguments"):
        ft.vmap(lambda a, b: a + b, in_axes=(0,))(np.ones(2), np.ones(2))


def test_out_axes_none_on_a_batched_output_raises():
    with pytest.raises(ValueError, match=r"out_axes is None"):
        ft.vmap(lambda x: x * 2, out_axes=None)(np.ones(3))


def test_out_axes_out_of_range_raises():
    with pytest.raises(ValueError, match=r"out_axes=2 is out of range for an output of rank 2"):
        ft.vmap(lambda x: x, out_axes=2)(np.ones((3, 4)))


def test_no_mapped_argument_and_no_axis_size_raises():
    with pytest.raises(ValueError, match=r"axis_size"):
        ft.vmap(lambda x: x, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match=r"axis_size"):
        ft.vmap(lambda: 1.0)()


def test_a_tracer_that_escapes_vmap_raises_when_used():
    leaked = []
    ft.vmap(lambda x: leaked.append(x) or x)(np.ones((3, 2)))
    with pytest.raises(core.UnexpectedTracerError, match="BatchTrace"):
        fnp.sin(leaked[0])


def test_axis_size_that_disagrees_with_the_mapped_size_raises():
    with pytest.raises(ValueError, match=r"axis_size=5 .* size 3"):
        ft.vmap(lambda x: x, axis_size=5)(np.ones((3, 2)))


# --------------------------------------------------------------------------- composition with autodiff


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logistic_loss(w, b, x, y):
    z = fnp.dot(x, w) + b
    return fnp.logaddexp(0.0, z) - y * z  # -log-likelihood of y in {0, 1}


def test_per_example_gradients_of_logistic_regression_match_closed_form_and_loop():
    rng = np.random.default_rng(4)
    w, b = rng.normal(size=3), 0.3
    xs, ys = rng.normal(size=(6, 3)), (rng.random(6) < 0.5).astype(np.float64)
    gw, gb = ft.vmap(ft.grad(_logistic_loss, argnums=(0, 1)), in_axes=(None, None, 0, 0))(w, b, xs, ys)
    residual = _sigmoid(xs @ w + b) - ys
    np.testing.assert_allclose(gw, residual[:, None] * xs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, residual, rtol=1e-10, atol=1e-12)
    loop = [ft.grad(_logistic_loss, argnums=(0, 1))(w, b, x, y) for x, y in zip(xs, ys)]
    np.testing.assert_allclose(gw, np.stack([g[0] for g in loop]), rtol=1e-12)


def _mlp_loss(params, x, y):
    hidden = fnp.tanh(x @ params["w1"] + params["b1"])
    logits = hidden @ params["w2"] + params["b2"]
    log_probs = logits - fnp.max(logits) - fnp.log(fnp.sum(fnp.exp(logits - fnp.max(logits))))
    return -fnp.sum(log_probs * y)


def _mlp_params(rng):
    return {"w1": rng.normal(size=(4, 5)) * 0.5, "b1": rng.normal(size=5) * 0.1, "w2": rng.normal(size=(5, 3)) * 0.5, "b2": np.zeros(3)}


def test_per_example_gradients_of_an_mlp_match_a_loop_of_grad():
    rng = np.random.default_rng(5)
    params = _mlp_params(rng)
    xs, ys = rng.normal(size=(7, 4)), np.eye(3)[rng.integers(0, 3, size=7)]
    per_example = ft.vmap(ft.grad(_mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    loop = [ft.grad(_mlp_loss)(params, x, y) for x, y in zip(xs, ys)]
    for key in params:
        assert per_example[key].shape == (7,) + params[key].shape
        np.testing.assert_allclose(per_example[key], np.stack([g[key] for g in loop]), rtol=1e-10, atol=1e-12)
    # Their mean is the gradient of the mean loss.
    mean_grad = ft.grad(lambda p: fnp.mean(ft.vmap(_mlp_loss, in_axes=(None, 0, 0))(p, xs, ys)))(params)
    for key in params:
        np.testing.assert_allclose(per_example[key].mean(0), mean_grad[key], rtol=1e-10, atol=1e-12)


def test_grad_of_a_sum_over_vmap_equals_the_sum_of_per_example_grads_and_finite_differences():
    rng = np.random.default_rng(6)
    w, xs = rng.normal(size=3), rng.normal(size=(5, 3))
    f = lambda w, x: fnp.sin(fnp.dot(w, x)) * fnp.sum(w * w)
    g = ft.grad(lambda w: ft.vmap(f, (None, 0))(w, xs).sum())(w)
    np.testing.assert_allclose(g, sum(ft.grad(f)(w, x) for x in xs), rtol=1e-10)
    total = lambda w: sum(float(f(w, x)) for x in xs)
    eps = 1e-6
    numeric = np.array([(total(w + eps * e) - total(w - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_grad_through_a_batched_lookup_accumulates_repeated_indices():
    table = np.arange(8.0).reshape(4, 2)
    idx = np.array([1, 3, 1, 1, 0])
    g = ft.grad(lambda t: ft.vmap(lambda i: fnp.sum(fnp.getitem(t, i) ** 2), (0,))(idx).sum())(table)
    counts = np.bincount(idx, minlength=4)[:, None]
    np.testing.assert_allclose(g, 2 * table * counts)


# Functions R^n -> R^m (n = 4) through many primitives, smooth at random points a.s.
_A = np.random.default_rng(7).normal(size=(3, 4))
JACOBIAN_FUNCTIONS = {
    "matmul_tanh": lambda x: fnp.tanh(_A @ x) * x[0],
    "cumulative": lambda x: fnp.concatenate([fnp.cumsum(x), fnp.cumprod(1.0 + 0.1 * x), lax.cummax(x, 0)]),
    "reductions": lambda x: fnp.stack([fnp.max(x), fnp.min(x), fnp.prod(x), fnp.linalg.norm(x), fnp.var(x), fnp.std(x)]),
    "indexing": lambda x: fnp.getitem(x, np.array([3, 0, 2])) * x[1] + fnp.at(x)[1].add(x[0] ** 2)[:3],
    "traced_index": lambda x: fnp.getitem(x, fnp.argmax(x)) * x + lax.dynamic_slice(x, [fnp.argmin(x)], [2]).sum(),
    "dynamic_update_slice": lambda x: lax.dynamic_update_slice(x, fnp.sin(x[:2]) * x[3], [fnp.argmin(x)]),
    "scatter": lambda x: fnp.at(fnp.zeros(5))[np.array([0, 4, 0, 2])].add(x * x) + fnp.at(fnp.ones(5))[np.array([1, 3])].mul(x[:2]),
    "sort": lambda x: fnp.sort(x) * fnp.arange(4),
    "pad_concat": lambda x: fnp.concatenate([fnp.pad(x, 1, constant_values=x[2]), fnp.flip(fnp.sin(x))]),
    "select": lambda x: fnp.where(x > 0, x ** 2, fnp.exp(x)) + fnp.clip(x, -0.5, 0.5),
    "outer_triu": lambda x: fnp.ravel(fnp.triu(fnp.outer(x, x)) + fnp.eye(4) * x),
    "take_along_axis": lambda x: fnp.take_along_axis(fnp.reshape(x, (2, 2)), np.array([[1, 0], [1, 1]]), 1).ravel() * x[:4],
    "einsum_reshape": lambda x: fnp.einsum("ij,jk->ik", fnp.reshape(x, (2, 2)), fnp.reshape(x[::-1], (2, 2))).ravel(),
    "pow_log": lambda x: fnp.log(1.0 + x * x) + fnp.power(2.0 + fnp.tanh(x), x),
}


def _finite_difference_jacobian(f, x, eps=1e-6):
    columns = [(np.asarray(f(x + eps * e)) - np.asarray(f(x - eps * e))) / (2 * eps) for e in np.eye(x.size)]
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("name", sorted(JACOBIAN_FUNCTIONS))
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_jacfwd_and_jacrev_match_finite_differences(name, seed):
    f = JACOBIAN_FUNCTIONS[name]
    x = np.random.default_rng(seed).normal(size=4)
    numeric = _finite_difference_jacobian(f, x)
    np.testing.assert_allclose(ft.jacfwd(f)(x), numeric, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ft.jacrev(f)(x), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(JACOBIAN_FUNCTIONS))
def test_jacobians_of_a_batched_function_are_the_same_with_vmap_outside_or_inside(name):
    f = JACOBIAN_FUNCTIONS[name]
    xs = np.random.default_rng(8).normal(size=(3, 4))
    per_example = np.stack([ft.jacrev(f)(x) for x in xs])
    np.testing.assert_allclose(ft.vmap(ft.jacrev(f))(xs), per_example, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.jacfwd(f))(xs), per_example, rtol=1e-10, atol=1e-12)
    # The Jacobian of the batched function is block diagonal, with the per-example blocks.
    for jac in (ft.jacrev(ft.vmap(f))(xs), ft.jacfwd(ft.vmap(f))(xs)):
        for i in range(3):
            for j in range(3):
                expected = per_example[i] if i == j else np.zeros_like(per_example[i])
                np.testing.assert_allclose(jac[i, :, j, :], expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(JACOBIAN_FUNCTIONS))
def test_vmap_of_grad_and_jvp_through_many_primitives_match_a_loop(name):
    f = JACOBIAN_FUNCTIONS[name]
    rng = np.random.default_rng(9)
    xs, ts = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    scalar = lambda x: fnp.sum(fnp.sin(f(x)))
    np.testing.assert_allclose(ft.vmap(ft.grad(scalar))(xs), np.stack([ft.grad(scalar)(x) for x in xs]), rtol=1e-10, atol=1e-12)
    primal_out, tangent_out = ft.vmap(lambda x, t: ft.jvp(f, (x,), (t,)))(xs, ts)
    loop = [ft.jvp(f, (x,), (t,)) for x, t in zip(xs, ts)]
    np.testing.assert_allclose(primal_out, np.stack([p for p, _ in loop]), rtol=1e-12)
    np.testing.assert_allclose(tangent_out, np.stack([t for _, t in loop]), rtol=1e-10, atol=1e-12)
    # Batched tangents at one shared primal point: the rows of the Jacobian.
    _, rows = ft.vmap(lambda t: ft.jvp(f, (xs[0],), (t,)))(np.eye(4))
    np.testing.assert_allclose(rows.T, ft.jacrev(f)(xs[0]), rtol=1e-10, atol=1e-12)


def test_hessian_of_a_batched_function_matches_a_loop_and_is_block_diagonal():
    f = lambda x: fnp.sum(fnp.sin(x) * fnp.cumsum(x)) + fnp.prod(x)
    xs = np.random.default_rng(10).normal(size=(3, 4))
    per_example = np.stack([ft.hessian(f)(x) for x in xs])
    np.testing.assert_allclose(ft.vmap(ft.hessian(f))(xs), per_example, rtol=1e-10, atol=1e-12)
    big = ft.hessian(lambda x: ft.vmap(f)(x).sum())(xs)
    for i in range(3):
        np.testing.assert_allclose(big[i, :, i, :], per_example[i], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(big[0, :, 1, :], 0.0)
    # Each Hessian is the finite-difference Jacobian of the gradient.
    np.testing.assert_allclose(per_example[0], _finite_difference_jacobian(ft.grad(f), xs[0]), rtol=1e-5, atol=1e-6)


def test_vmap_of_vmap_of_grad_gives_per_example_per_parameter_gradients():
    rng = np.random.default_rng(11)
    ws, xs = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    f = lambda w, x: fnp.tanh(fnp.dot(w, x))
    got = ft.vmap(ft.vmap(ft.grad(f), in_axes=(None, 0)), in_axes=(0, None))(ws, xs)
    expected = np.stack([np.stack([ft.grad(f)(w, x) for x in xs]) for w in ws])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
