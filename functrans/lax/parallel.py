"""Collectives over named mapped axes: psum, pmean, pmax, pmin, all_gather, psum_scatter,
ppermute, all_to_all, axis_index and axis_size; and, written with them, pbroadcast, pshuffle,
pswapaxes, ragged_all_to_all and pcast (psend and precv are GPU-only, as in JAX).

An axis is named by ``vmap(..., axis_name=...)`` or ``pmap(..., axis_name=...)``. Under vmap a
collective is its batching rule acting over the batch dimension; under pmap it runs across
processes (``functrans.distributed``), one device each. The per-axis semantics are one set of
functions (``_over_members``) on an array whose leading axis holds every member's operand:
vmap applies them to the batched array, pmap to the array gathered from every process.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .. import core, distributed
from ..autodiff import Zero, defzero, deftranspose, instantiate_zeros, jvp_rules
from ..batching import (
    AxisGroups, BatchTracer, axis_frame, base_axis_name, batching_rules, bdim_at_front, bind_collective, collective_primitives,
    extend_axis_env,
)
from ..core import ShapedArray
from ..lowering import def_statement, described_array
from ..tree_util import tree_map
from . import elementwise as _ew
from . import reduction as _red
from . import shape as _shape
from .indexing import gather


def _names(axis_name: Any) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _single_name(fn: str, axis_name: Any) -> Any:
    names = _names(axis_name)
    if len(names) != 1:
        raise NotImplementedError(f"{fn}: a tuple of axis names ({axis_name!r}) is not supported; use one name")
    return names[0]


def _grouped(fn: str, axis_name: Any, axis_index_groups: Any) -> Any:
    """The axis a collective acts over: ``axis_name`` (a tuple of names for the reductions), or
    with ``axis_index_groups``, that one name split into those groups (pmap only, as in JAX)."""
    if axis_index_groups is None:
        return axis_name
    groups = tuple(tuple(int(i) for i in group) for group in axis_index_groups)
    return AxisGroups(_single_name(fn, axis_name), groups)


def _bind(prim: core.Primitive, x: Any, **params: Any) -> Any:
    return bind_collective(prim, [x], params)[0]


def _collective(name: str) -> core.Primitive:
    prim = core.Primitive(name)
    collective_primitives.add(prim)
    return prim


psum_p, pmax_p, pmin_p = _collective("psum"), _collective("pmax"), _collective("pmin")
all_gather_p, psum_scatter_p = _collective("all_gather"), _collective("psum_scatter")
ppermute_p, all_to_all_p, axis_index_p = _collective("ppermute"), _collective("all_to_all"), _collective("axis_index")


# --------------------------------------------------------------------------- semantics over members
# Each takes ``xs``, every member's operand stacked on axis 0 (``n`` members), and returns the
# members' results and where they are stacked (``None``: one result, the same for all).


def _all_gather_members(xs, n, *, axis, tiled):
    out = _moveaxis(xs, 0, axis)
    if tiled:
        shape = core.get_aval(out).shape
        out = _shape.reshape(out, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2 :])
    return out, None


def _psum_scatter_members(xs, n, *, scatter_dimension, tiled):
    total = _red.reduce_sum(xs, (0,))
    if tiled:
        shape = core.get_aval(total).shape
        d = scatter_dimension
        total = _shape.reshape(total, shape[:d] + (n, shape[d] // n) + shape[d + 1 :])
    return total, scatter_dimension


def _ppermute_members(xs, n, *, perm):
    # Member m reads row source[m]; those no one sends to read out of range, which gives 0.
    source = dict((dst, src) for src, dst in perm)
    rows = np.array([[source.get(m, n)] for m in range(n)], np.int64).reshape(n, 1)
    return gather(xs, rows, 0, "drop"), 0


def _all_to_all_members(xs, n, *, split_axis, concat_axis, tiled):
    shape = core.get_aval(xs).shape
    s = split_axis + 1
    if tiled:
        xs = _shape.reshape(xs, shape[:s] + (n, shape[s] // n) + shape[s + 1 :])
    # Member m receives piece m of every member k, in the order of k, at concat_axis.
    out = _moveaxis(_moveaxis(xs, s, 0), 1, concat_axis + 1)
    if tiled:
        out_shape = core.get_aval(out).shape
        c = concat_axis + 1
        out = _shape.reshape(out, out_shape[:c] + (out_shape[c] * out_shape[c + 1],) + out_shape[c + 2 :])
    return out, 0


def _moveaxis(x, src, dst):
    ndim = core.get_aval(x).ndim
    perm = [i for i in range(ndim) if i != src]
    perm.insert(dst, src)
    return x if src == dst else _shape.transpose(x, tuple(perm))


_REDUCERS = {psum_p: (_red.reduce_sum, "sum"), pmax_p: (_red.reduce_max, "max"), pmin_p: (_red.reduce_min, "min")}
_over_members: dict[core.Primitive, Callable] = {
    all_gather_p: _all_gather_members,
    psum_scatter_p: _psum_scatter_members,
    ppermute_p: _ppermute_members,
    all_to_all_p: _all_to_all_members,
}
for _prim, (_reduce, _) in _REDUCERS.items():
    _over_members[_prim] = lambda xs, n, reduce=_reduce: (reduce(xs, (0,)), None)


# --------------------------------------------------------------------------- abstract eval


def _same_aval(x, *, axis_name):
    axis_frame(axis_name)
    return [x]


for _prim in _REDUCERS:
    _prim.def_abstract_eval(_same_aval)


def _check_axis(fn: str, arg: str, value: int, upper: int, shape: tuple) -> None:
    if not 0 <= value < upper:
        raise ValueError(f"{fn}: {arg}={value} is out of range for an operand of shape {shape}")


@all_gather_p.def_abstract_eval
def _all_gather_aval(x, *, axis_name, axis, tiled):
    n = axis_frame(axis_name).size
    _check_axis("all_gather", "axis", axis, x.ndim + (not tiled), x.shape)
    if tiled:
        return [x.update(shape=x.shape[:axis] + (n * x.shape[axis],) + x.shape[axis + 1 :], weak_type=False)]
    return [x.update(shape=x.shape[:axis] + (n,) + x.shape[axis:], weak_type=False)]


@psum_scatter_p.def_abstract_eval
def _psum_scatter_aval(x, *, axis_name, scatter_dimension, tiled):
    n, d = axis_frame(axis_name).size, scatter_dimension
    _check_axis("psum_scatter", "scatter_dimension", d, x.ndim, x.shape)
    if tiled:
        if n == 0 or x.shape[d] % n:
            raise ValueError(f"psum_scatter: the size of scatter_dimension {d} of an operand of shape {x.shape} "
                             f"must be a multiple of the axis size {n}")
        return [x.update(shape=x.shape[:d] + (x.shape[d] // n,) + x.shape[d + 1 :], weak_type=False)]
    if x.shape[d] != n:
        raise ValueError(f"psum_scatter: scatter_dimension {d} of an operand of shape {x.shape} must have the axis size {n} "
                         "(or use tiled=True)")
    return [x.update(shape=x.shape[:d] + x.shape[d + 1 :], weak_type=False)]


@ppermute_p.def_abstract_eval
def _ppermute_aval(x, *, axis_name, perm):
    n = axis_frame(axis_name).size
    sources, destinations = [s for s, _ in perm], [d for _, d in perm]
    if len(set(sources)) != len(sources) or len(set(destinations)) != len(destinations):
        raise ValueError(f"ppermute sources and destinations must be unique, got {perm}")
    if any(not 0 <= i < n for i in sources + destinations):
        raise ValueError(f"ppermute permutation {perm} has an index outside the axis {axis_name!r} of size {n}")
    return [x]


@all_to_all_p.def_abstract_eval
def _all_to_all_aval(x, *, axis_name, split_axis, concat_axis, tiled):
    n = axis_frame(axis_name).size
    _check_axis("all_to_all", "split_axis", split_axis, x.ndim, x.shape)
    _check_axis("all_to_all", "concat_axis", concat_axis, x.ndim, x.shape)
    size = x.shape[split_axis]
    if tiled:
        if n == 0 or size % n:
            raise ValueError(f"The size of all_to_all split_axis ({size}) has to be divisible by the size of the named axis ({n})")
        shape = list(x.shape)
        shape[split_axis] //= n
        shape[concat_axis] *= n
        return [x.update(shape=tuple(shape), weak_type=False)]
    if size != n:
        raise ValueError(f"all_to_all requires the size of the mapped axis axis_name to equal x.shape[split_axis], "
                         f"but they are {n} and {size} respectively.")
    shape = list(x.shape)
    del shape[split_axis]
    shape.insert(concat_axis, n)
    return [x.update(shape=tuple(shape), weak_type=False)]


@axis_index_p.def_abstract_eval
def _axis_index_aval(*, axis_name):
    axis_frame(axis_name)
    return [ShapedArray((), np.dtype(np.int32))]


# --------------------------------------------------------------------------- batching (vmap)


def _batch_rule(prim: core.Primitive) -> None:
    """Over this trace's axis, the collective acts across the batch; over another axis it acts
    on each batch member, so it is bound again with the batch axis in front."""

    def rule(size, name, vals, dims, **params):
        if prim is axis_index_p:
            return [_shape.iota(np.int32, size)], [0]
        (x,), (d,) = vals, dims
        if params["axis_name"] == name:
            prim.abstract_eval(BatchTracer(None, x, d).aval, **params)  # each member's checks
            params.pop("axis_name")
            out, at = _over_members[prim](bdim_at_front(x, d, size), size, **params)
            return [out], [at]
        if d is None:
            return [_bind(prim, x, **params)], [None]
        shifted = {k: v + 1 if k in ("axis", "scatter_dimension", "split_axis", "concat_axis") else v for k, v in params.items()}
        return [_bind(prim, bdim_at_front(x, d, size), **shifted)], [0]

    batching_rules[prim] = rule


# --------------------------------------------------------------------------- pmap (across processes)


def _process_impl(prim: core.Primitive) -> None:
    def impl(x=None, *, axis_name, **params):
        frame = axis_frame(axis_name)
        if frame.main is not None:
            raise NameError(f"{prim.name}: axis {axis_name!r} is a vmap axis its batch trace did not see")
        groups = axis_name.groups if isinstance(axis_name, AxisGroups) else None
        index = distributed.group_index(groups)
        if prim is axis_index_p:
            return [np.asarray(index, np.int32)]
        if prim in _REDUCERS:
            return [distributed.allreduce(np.asarray(x), _REDUCERS[prim][1], prim.name, groups=groups)]
        out, at = _over_members[prim](distributed.allgather(np.asarray(x), prim.name, groups), frame.size, **params)
        out = np.asarray(out)
        return [out if at is None else np.take(out, index, axis=at)]

    prim.def_impl(impl)


def run_lowered(name: str, params: dict, inputs: tuple, outputs: tuple) -> None:
    """What compiled code's object-mode block for a collective calls: its impl on views of the
    program's buffers (no copy through Python objects), written into its result's buffer."""
    prim, out = _by_name[name], described_array(*outputs[0])
    axis_name = params["axis_name"]
    if prim in _REDUCERS and out.flags.c_contiguous:  # straight into the program's buffer
        groups = axis_name.groups if isinstance(axis_name, AxisGroups) else None
        distributed.allreduce(described_array(*inputs[0]), _REDUCERS[prim][1], name, out=out, groups=groups)
        return
    # A collective reaching compiled code is over the processes (vmap's are rewritten before), and
    # the program may run outside pmap's binding of the axis (jit of a pmapped function).
    with extend_axis_env(base_axis_name(axis_name), distributed.process_count(), None):
        out[...] = prim.impl(*[described_array(*x) for x in inputs], **params)[0]


# Numba says once per compile that object mode holds the GIL despite nogil=True: expected here.
warnings.filterwarnings("ignore", message=".*Code running in object mode won't allow parallel execution")


def _source(value: Any) -> str:
    """A parameter as source the generated program evaluates (cached, so in any process)."""
    if isinstance(value, AxisGroups):
        return f"__import__('functrans.batching').batching.AxisGroups({value.name!r}, {value.groups!r})"
    return repr(value)


def _emit_collective(em, eqn, args, outs):
    # Under pmap the axis is the MPI job: the program calls MPI around its buffers.
    for var in eqn.out_binders:
        em.allocate(var)
    params = "{" + ", ".join(f"{k!r}: {_source(v)}" for k, v in eqn.params.items()) + "}"
    em.call_python("functrans.lax.parallel.run_lowered", [repr(eqn.primitive.name), params],
                   list(zip(eqn.inputs, args)), [(eqn.out_binders[0], outs[0])])


_by_name = {prim.name: prim for prim in collective_primitives}
for _prim in collective_primitives:
    _batch_rule(_prim)
    _process_impl(_prim)
    def_statement(_prim, fresh=True)(_emit_collective)


# --------------------------------------------------------------------------- differentiation


def _linear(prim: core.Primitive, transpose: Callable) -> None:
    def jvp(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        return [_bind(prim, x, **params)], [_bind(prim, instantiate_zeros(t), **params)]

    jvp_rules[prim] = jvp
    deftranspose(prim, lambda ct, x, **params: [transpose(instantiate_zeros(ct), **params)])


# psum's transpose is psum (JAX's convention: the cotangent of each member's copy of the sum).
_linear(psum_p, lambda ct, *, axis_name: _bind(psum_p, ct, axis_name=axis_name))
_linear(all_gather_p, lambda ct, *, axis_name, axis, tiled: _bind(psum_scatter_p, ct, axis_name=axis_name, scatter_dimension=axis, tiled=tiled))
_linear(psum_scatter_p, lambda ct, *, axis_name, scatter_dimension, tiled: _bind(all_gather_p, ct, axis_name=axis_name, axis=scatter_dimension, tiled=tiled))
_linear(ppermute_p, lambda ct, *, axis_name, perm: _bind(ppermute_p, ct, axis_name=axis_name, perm=tuple((d, s) for s, d in perm)))
_linear(all_to_all_p, lambda ct, *, axis_name, split_axis, concat_axis, tiled: _bind(
    all_to_all_p, ct, axis_name=axis_name, split_axis=concat_axis, concat_axis=split_axis, tiled=tiled))
defzero(axis_index_p)


def _extremum_jvp(prim: core.Primitive) -> None:
    # The tangent of the members holding the extremum, split evenly between ties.
    def jvp(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        ans = _bind(prim, x, **params)
        if type(t) is Zero:
            return [ans], [t]
        at = _ew.convert_element_type(_ew.eq(x, ans), core.get_aval(t).dtype)
        share = _ew.div(_bind(psum_p, _ew.mul(t, at), **params), _bind(psum_p, at, **params))
        return [ans], [share]

    jvp_rules[prim] = jvp


_extremum_jvp(pmax_p)
_extremum_jvp(pmin_p)


# --------------------------------------------------------------------------- public functions


def _over_names(prim: core.Primitive, x: Any, axis_name: Any) -> Any:
    def one(leaf):
        for name in _names(axis_name):
            leaf = _bind(prim, leaf, axis_name=name)
        return leaf

    return tree_map(one, x)


def psum(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The sum of ``x`` (a pytree) over every member of the named mapped axis (or axes).

    >>> from functrans import vmap
    >>> vmap(lambda v: psum(v, "i"), axis_name="i")(np.arange(3.0))
    array([3., 3., 3.])
    """
    return _over_names(psum_p, x, _grouped("psum", axis_name, axis_index_groups))


def pmax(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The maximum of ``x`` (a pytree) over the named mapped axis (or axes).

    >>> from functrans import vmap
    >>> vmap(lambda v: pmax(v, "i"), axis_name="i")(np.array([1, 5, 2]))
    array([5, 5, 5])
    """
    return _over_names(pmax_p, x, _grouped("pmax", axis_name, axis_index_groups))


def pmin(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The minimum of ``x`` (a pytree) over the named mapped axis (or axes).

    >>> from functrans import vmap
    >>> vmap(lambda v: pmin(v, "i"), axis_name="i")(np.array([1, 5, 2]))
    array([1, 1, 1])
    """
    return _over_names(pmin_p, x, _grouped("pmin", axis_name, axis_index_groups))


def pmean(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The mean of ``x`` (a pytree) over the named mapped axis (or axes); integers give floats.

    >>> from functrans import vmap
    >>> vmap(lambda v: pmean(v, "i"), axis_name="i")(np.array([1, 2, 6]))
    array([3., 3., 3.])
    """
    axis_name = _grouped("pmean", axis_name, axis_index_groups)
    n = axis_size(axis_name)

    def mean(total):
        aval = core.get_aval(total)
        dtype = aval.dtype if aval.dtype.kind in "fc" else np.dtype(np.float64)
        return _ew.div(_ew.convert_element_type(total, dtype), _shape.full(aval.shape, n, dtype))

    return tree_map(mean, psum(x, axis_name))


def all_gather(x: Any, axis_name: Any, *, axis_index_groups: Any = None, axis: int = 0, tiled: bool = False) -> Any:
    """Every member's ``x`` stacked along a new ``axis`` (concatenated along it if ``tiled``).

    >>> from functrans import vmap
    >>> vmap(lambda v: all_gather(v, "i"), axis_name="i")(np.array([1, 2]))
    array([[1, 2],
           [1, 2]])
    """
    name = _grouped("all_gather", _single_name("all_gather", axis_name), axis_index_groups)

    def one(leaf):
        ndim = core.get_aval(leaf).ndim
        return _bind(all_gather_p, leaf, axis_name=name, axis=axis + (ndim + (not tiled)) * (axis < 0), tiled=bool(tiled))

    return tree_map(one, x)


def psum_scatter(x: Any, axis_name: Any, *, scatter_dimension: int = 0, axis_index_groups: Any = None, tiled: bool = False) -> Any:
    """The sum over members of ``x``, of which member ``m`` keeps block ``m`` along ``scatter_dimension``.

    >>> from functrans import vmap
    >>> vmap(lambda v: psum_scatter(v, "i"), axis_name="i")(np.array([[1, 2], [10, 20]]))
    array([11, 22])
    """
    name = _grouped("psum_scatter", _single_name("psum_scatter", axis_name), axis_index_groups)

    def one(leaf):
        d = scatter_dimension + core.get_aval(leaf).ndim * (scatter_dimension < 0)
        return _bind(psum_scatter_p, leaf, axis_name=name, scatter_dimension=d, tiled=bool(tiled))

    return tree_map(one, x)


def ppermute(x: Any, axis_name: Any, perm: Sequence[tuple[int, int]]) -> Any:
    """Send member ``src``'s ``x`` to member ``dst`` for each ``(src, dst)`` in ``perm``; members
    no one sends to get zeros.

    >>> from functrans import vmap
    >>> vmap(lambda v: ppermute(v, "i", [(0, 1), (1, 2), (2, 0)]), axis_name="i")(np.array([1, 2, 3]))
    array([3, 1, 2])
    """
    name = _single_name("ppermute", axis_name)
    perm = tuple((int(s), int(d)) for s, d in perm)
    return tree_map(lambda leaf: _bind(ppermute_p, leaf, axis_name=name, perm=perm), x)


def all_to_all(x: Any, axis_name: Any, split_axis: int, concat_axis: int, *, axis_index_groups: Any = None, tiled: bool = False) -> Any:
    """Split ``x`` along ``split_axis`` into one piece per member, send piece ``m`` to member ``m``
    and stack (concatenate if ``tiled``) the pieces received along ``concat_axis``.

    >>> from functrans import vmap
    >>> vmap(lambda v: all_to_all(v, "i", 0, 0), axis_name="i")(np.array([[1, 2], [3, 4]]))
    array([[1, 3],
           [2, 4]])
    """
    name = _grouped("all_to_all", _single_name("all_to_all", axis_name), axis_index_groups)

    def one(leaf):
        ndim = core.get_aval(leaf).ndim
        return _bind(all_to_all_p, leaf, axis_name=name, split_axis=split_axis % max(ndim, 1),
                     concat_axis=concat_axis % max(ndim, 1), tiled=bool(tiled))

    return tree_map(one, x)


def axis_index(axis_name: Any) -> Any:
    """This member's index along the named mapped axis (row-major over a tuple of names), int32.

    >>> from functrans import vmap
    >>> vmap(lambda v: axis_index("i"), axis_name="i")(np.zeros(3))
    array([0, 1, 2], dtype=int32)
    """
    index = None
    for name in _names(axis_name):
        own = bind_collective(axis_index_p, [], {"axis_name": name})[0]
        index = own if index is None else _ew.add(_ew.mul(index, np.int32(axis_frame(name).size)), own)
    return index


def axis_size(axis_name: Any) -> int:
    """The number of members of the named mapped axis (the product over a tuple of names).

    >>> from functrans import vmap
    >>> vmap(lambda v: v * axis_size("i"), axis_name="i")(np.ones(2))
    array([2., 2.])
    """
    return int(np.prod([axis_frame(name).size for name in _names(axis_name)], dtype=np.int64))


# --------------------------------------------------------------------------- written with the collectives above


def pbroadcast(x: Any, axis_name: Any, source: int) -> Any:
    """Every member gets member ``source``'s ``x`` (a pytree): the sum over the axis of ``x``
    masked to the source, whose derivative sends the summed cotangent back to the source.

    >>> from functrans import vmap
    >>> vmap(lambda v: pbroadcast(v, "i", 1), axis_name="i")(np.array([5, 7, 9]))
    array([7, 7, 7])
    """
    size = axis_size(axis_name)
    if not 0 <= source < size:
        raise ValueError(f"pbroadcast: source {source} is outside the axis {axis_name!r} of size {size}")
    is_source = _ew.eq(axis_index(axis_name), np.int32(source))

    def one(leaf):
        leaf = leaf if isinstance(leaf, core.Tracer) else np.asarray(leaf)
        aval = core.get_aval(leaf)
        masked = _ew.select_n(_shape.broadcast_in_dim(is_source, aval.shape, ()), _shape.full(aval.shape, 0, aval.dtype), leaf)
        return psum(masked, axis_name)

    return tree_map(one, x)


def pshuffle(x: Any, axis_name: Any, perm: Sequence[int]) -> Any:
    """Member ``i`` gets member ``perm[i]``'s ``x``: ``ppermute`` given its sources, a permutation of the axis.

    >>> from functrans import vmap
    >>> vmap(lambda v: pshuffle(v, "i", [2, 0, 1]), axis_name="i")(np.array([1, 2, 3]))
    array([3, 1, 2])
    """
    perm = [int(p) for p in perm]
    if set(perm) != set(range(len(perm))):
        raise ValueError(f"`perm` does not represent a permutation: {perm}")
    return ppermute(x, axis_name, list(zip(perm, range(len(perm)))))


def pswapaxes(x: Any, axis_name: Any, axis: int, *, axis_index_groups: Any = None) -> Any:
    """Swap the mapped axis with ``x``'s axis ``axis`` (of the axis's size): ``all_to_all(x, axis_name, axis, axis)``.

    >>> from functrans import vmap
    >>> vmap(lambda v: pswapaxes(v, "i", 0), axis_name="i")(np.array([[1, 2], [3, 4]]))
    array([[1, 3],
           [2, 4]])
    """
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


_PCAST_TO = ("unreduced", "reduced", "varying")


def pcast(x: Any, axis_name: Any, *, to: str) -> Any:
    """``x`` (a pytree) cast to vary over (or be reduced over) the named axes. functrans does not
    type values by how they vary over mapped axes (as JAX with ``check_vma`` off, pmap's mode),
    so the value is unchanged; the axes must be bound.

    >>> from functrans import vmap
    >>> vmap(lambda v: pcast(v, "i", to="varying"), axis_name="i")(np.array([1, 2]))
    array([1, 2])
    """
    if isinstance(axis_name, (set, frozenset)):
        raise TypeError(f"axis_name={axis_name!r} must be a tuple or a str. Got {axis_name}")
    if axis_name == () or axis_name is None:
        return x
    if to not in _PCAST_TO:
        raise ValueError(f"Got unexpected `to` value. Allowed `to` values are: {set(_PCAST_TO)}")
    for name in _names(axis_name):
        axis_frame(name)
    return tree_map(lambda leaf: leaf if isinstance(leaf, core.Tracer) else np.asarray(leaf), x)


def _gpu_only(fn: str, axis_name: Any) -> None:
    for name in _names(axis_name):
        axis_frame(name)
    raise NotImplementedError(f"{fn} is currently only implemented on GPU (functrans runs on CPUs)")


def psend(x: Any, axis_name: Any, perm: Sequence[tuple[int, int]]) -> Any:
    """A one-sided send to the members ``perm`` names: GPU-only in JAX, so on CPU, as JAX,
    NotImplementedError (use ``ppermute``, which sends and receives at once).

    >>> from functrans import vmap
    >>> try:
    ...     vmap(lambda v: psend(v, "i", [(0, 1)]), axis_name="i")(np.ones(2))
    ... except NotImplementedError as e:
    ...     print(str(e).split(" (")[0])
    psend is currently only implemented on GPU
    """
    _gpu_only("psend", axis_name)


def precv(token: Any, out_shape: Any, axis_name: Any, perm: Sequence[tuple[int, int]]) -> Any:
    """The receive matching ``psend``: GPU-only in JAX, so on CPU, as JAX, NotImplementedError
    (use ``ppermute``).

    >>> from functrans import vmap
    >>> try:
    ...     vmap(lambda v: precv(v, None, "i", [(0, 1)]), axis_name="i")(np.ones(2))
    ... except NotImplementedError as e:
    ...     print(str(e).split(" (")[0])
    precv is currently only implemented on GPU
    """
    _gpu_only("precv", axis_name)


def _ragged_checks(operand: Any, output: Any, index_arrays: Sequence[Any]) -> None:
    names = ("input_offsets", "send_sizes", "output_offsets", "recv_sizes")
    for name, a in zip(names, index_arrays):
        aval = core.get_aval(a)
        if aval.dtype.kind not in "iu":
            raise ValueError(f"ragged_all_to_all {name} must be integer type.")
        if aval.ndim != 1 or aval.shape[0] < 1:
            raise ValueError(f"ragged_all_to_all {name} must be rank 1 with positive dimension size, but got shape {aval.shape}")
    shapes = {core.get_aval(a).shape for a in index_arrays}
    if len(shapes) != 1:
        raise ValueError(f"ragged_all_to_all: the offsets and sizes must have one shape, got {sorted(shapes)}")
    o, r = core.get_aval(operand), core.get_aval(output)
    if o.dtype != r.dtype or o.ndim != r.ndim or o.ndim == 0 or o.shape[1:] != r.shape[1:]:
        raise ValueError(f"ragged_all_to_all: operand {o.str_short()} and output {r.str_short()} must have one dtype and "
                         "equal shapes past their leading axis")


def ragged_all_to_all(operand: Any, output: Any, input_offsets: Any, send_sizes: Any, output_offsets: Any,
                      recv_sizes: Any, *, axis_name: Any, axis_index_groups: Any = None) -> Any:
    """The ragged ``all_to_all``: slice ``i`` of ``operand`` (rows ``input_offsets[i]`` on, ``send_sizes[i]``
    of them) goes to member ``i // (len(send_sizes) / axis size)``, which writes it into its ``output``
    at row ``output_offsets[i]`` (the sender's offsets say where). Rows no one writes keep ``output``'s
    values. Written with ``all_gather`` and masks: linear in ``operand`` and ``output``.

    >>> from functrans import vmap
    >>> operand, output = np.array([[1, 2, 2], [3, 4, 0]]), np.zeros((2, 4), int)
    >>> offsets, sends, outs = np.array([[0, 1], [0, 1]]), np.array([[1, 2], [1, 1]]), np.array([[0, 0], [1, 2]])
    >>> f = lambda *a: ragged_all_to_all(*a, axis_name="i")
    >>> vmap(f, axis_name="i")(operand, output, offsets, sends, outs, np.array([[1, 1], [2, 1]]))
    array([[1, 3, 0, 0],
           [2, 2, 4, 0]])
    """
    name = _grouped("ragged_all_to_all", _single_name("ragged_all_to_all", axis_name), axis_index_groups)
    operand, output, *index_arrays = [a if isinstance(a, core.Tracer) else np.asarray(a)
                                      for a in (operand, output, input_offsets, send_sizes, output_offsets, recv_sizes)]
    _ragged_checks(operand, output, index_arrays)
    n = axis_size(name)
    slots = core.get_aval(index_arrays[0]).shape[0]
    if slots % n:
        raise ValueError(f"ragged_all_to_all: the {slots} slices are not divisible by the axis size {n}")
    per_member = slots // n
    # Every member's operand and slices, then this member's share of each sender's slices.
    operands = all_gather(operand, name)
    starts, sizes, targets = (all_gather(_ew.convert_element_type(a, np.int32), name) for a in
                              (index_arrays[0], index_arrays[1], index_arrays[2]))
    me = axis_index(name)
    out_aval = core.get_aval(output)
    m, last = out_aval.shape[0], core.get_aval(operand).shape[0] - 1
    rows = _shape.broadcasted_iota(np.int32, (m,), 0)
    column = lambda v: _shape.broadcast_in_dim(v, (m,), ())
    const = lambda c: _shape.full((m,), c, np.int32)
    result = output
    for sender in range(n):
        for j in range(per_member):
            slot = _ew.add(_ew.mul(me, np.int32(per_member)), np.int32(j))
            start, size, target = (column(_pick(a, sender, slot)) for a in (starts, sizes, targets))
            offset = _ew.sub(rows, target)
            hit = _ew.bitwise_and(_ew.ge(offset, const(0)), _ew.lt(offset, size))
            # Rows outside the slice read a clamped row that the mask then drops.
            source_rows = _ew.max(_ew.min(_ew.add(offset, start), const(last)), const(0))
            received = gather(_slicing_row(operands, sender), _shape.reshape(source_rows, (m, 1)), 0, "clip")
            result = _ew.select_n(_shape.broadcast_in_dim(hit, out_aval.shape, (0,)), result, received)
    return result


def _pick(stacked: Any, sender: int, slot: Any) -> Any:
    """``stacked[sender, slot]`` for a static sender and a traced slot."""
    row = _slicing_row(stacked, sender)
    return _shape.reshape(gather(row, _shape.reshape(slot, (1, 1)), 0, "clip"), ())


def _slicing_row(stacked: Any, index: int) -> Any:
    shape = core.get_aval(stacked).shape
    piece = _shape.slice(stacked, (index,) + (0,) * (len(shape) - 1), (index + 1,) + shape[1:])
    return _shape.reshape(piece, shape[1:])
