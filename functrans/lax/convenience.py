"""Small jax.lax functions written with other primitives: ``clamp``, ``reciprocal``,
``dtype``, ``optimization_barrier``, ``stack``/``unstack``, ``broadcast_like``,
``shape_as_value``, ``stage``, ``with_sharding_constraint``, ``platform_dependent``,
``composite`` and ``dce_sink`` (with its primitive), and the accuracy types ``Tolerance``
and ``AccuracyMode``."""
from __future__ import annotations

import enum
import functools
from typing import Any, Callable, Sequence

import numpy as np

from .. import core, tree_util
from ..autodiff import Zero, jvp_rules, transpose_rules
from ..batching import batching_rules
from ..errors import UnexpectedTracerError
from ..ir import eval_jaxpr
from ..lowering import def_statement
from ..tracing import closure_convert, trace_to_jaxpr
from . import call as _call
from . import elementwise as _ew
from . import shape as _shape
from . import slicing as _slicing


def _bound(name: str, value: Any, x_aval: core.ShapedArray) -> Any:
    """A clamp bound as an array of ``x``'s shape: Python scalars take ``x``'s dtype; arrays
    must have it, and be scalars or of ``x``'s shape."""
    if type(value) in core._PY_SCALARS:
        return _shape.full(x_aval.shape, value, x_aval.dtype)
    value = value if isinstance(value, core.Tracer) else np.asarray(value)
    aval = core.get_aval(value)
    if aval.weak_type and aval.dtype.kind == x_aval.dtype.kind:  # a traced Python scalar takes x's dtype
        value = _ew.convert_element_type(value, x_aval.dtype)
        aval = core.get_aval(value)
    if aval.dtype != x_aval.dtype:
        raise TypeError(f"lax.clamp requires arguments to have the same dtypes, got {name} {aval.str_short()} "
                        f"and operand {x_aval.str_short()}")
    if aval.shape not in ((), x_aval.shape):
        raise TypeError(f"clamp requires {name}.shape == operand.shape or {name}.shape == (), got "
                        f"{name}.shape={aval.shape}, operand.shape={x_aval.shape}.")
    return _shape.broadcast_in_dim(value, x_aval.shape, ()) if aval.shape != x_aval.shape else value


def clamp(min: Any, x: Any, max: Any) -> Any:
    """``x`` limited to ``[min, max]`` elementwise (``max`` wherever ``min > max``). As in JAX, the
    derivative follows whichever of the three is strictly the result and is zero at ties.

    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0. , 0.5, 1. ])
    """
    x = x if isinstance(x, core.Tracer) else np.asarray(x)
    aval = core.get_aval(x)
    lo, hi = _bound("min", min, aval), _bound("max", max, aval)
    value = _ew.min(_ew.max(x, lo), hi)
    inside = _ew.bitwise_and(_ew.gt(x, lo), _ew.lt(x, hi))
    below = _ew.bitwise_and(_ew.gt(lo, x), _ew.lt(lo, hi))
    above = _ew.lt(hi, x)
    tie = _ew.stop_gradient(value)
    return _ew.select_n(inside, _ew.select_n(below, _ew.select_n(above, tie, hi), lo), x)


def reciprocal(x: Any) -> Any:
    """``1 / x`` elementwise.

    >>> reciprocal(np.array([2.0, 4.0]))
    array([0.5 , 0.25])
    """
    return _ew.integer_pow(x if isinstance(x, core.Tracer) else np.asarray(x), -1)


def dtype(x: Any) -> np.dtype:
    """The dtype of an array, a Python scalar (float64 for a float) or a dtype-like (``"float32"``).

    >>> dtype(1.0), dtype("int8")
    (dtype('float64'), dtype('int8'))
    """
    if isinstance(x, (str, type, np.dtype)):
        return np.dtype(x)
    return core.get_aval(x if core.is_valid_value(x) else np.asarray(x)).dtype


def optimization_barrier(operand: Any, /) -> Any:
    """``operand`` (any pytree of arrays) unchanged. In JAX it also stops XLA moving
    computations across it; here it is only the identity (no ordering guarantee), which
    differentiates, batches and compiles as such.

    >>> optimization_barrier((1.0, np.arange(2)))
    (array(1.), array([0, 1]))
    """
    return tree_util.tree_map(lambda x: x if isinstance(x, core.Tracer) else np.asarray(x), operand)


def _array(x: Any) -> Any:
    return x if isinstance(x, core.Tracer) else np.asarray(x)


def stack(operands: Sequence[Any], axis: int = 0) -> Any:
    """The arrays ``operands`` (one shape and dtype) joined along a new axis ``axis``.

    >>> stack([np.array([1, 2]), np.array([3, 4])], axis=1)
    array([[1, 3],
           [2, 4]])
    """
    arrays = [_array(x) for x in operands]
    if not arrays:
        raise IndexError("lax.stack requires at least one operand")
    ndim = core.get_aval(arrays[0]).ndim
    if not -(ndim + 1) <= axis <= ndim:
        raise ValueError(f"lax.stack: axis {axis} is out of bounds for operands of rank {ndim} (a new axis)")
    axis %= ndim + 1
    return _shape.concatenate([_shape.expand_dims(x, (axis,)) for x in arrays], axis)


def unstack(x: Any, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple of arrays one dimension smaller.

    >>> unstack(np.array([[1, 2], [3, 4]]), axis=1)
    (array([1, 3]), array([2, 4]))
    """
    x = _array(x)
    shape = core.get_aval(x).shape
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"lax.unstack: axis {axis} is out of bounds for an operand of rank {len(shape)}")
    axis %= len(shape)
    return tuple(_slicing.index_in_dim(x, i, axis, keepdims=False) for i in range(shape[axis]))


def broadcast_like(arr: Any, like_arr: Any) -> Any:
    """``arr`` broadcast (NumPy's rule: trailing axes of size 1 or equal) to the shape of ``like_arr``.

    >>> broadcast_like(np.array([1, 2, 3]), np.zeros((2, 3)))
    array([[1, 2, 3],
           [1, 2, 3]])
    """
    arr = _array(arr)
    shape, target = core.get_aval(arr).shape, core.get_aval(_array(like_arr)).shape
    if shape == target:
        return arr
    lead = len(target) - len(shape)
    if lead < 0 or any(d not in (1, t) for d, t in zip(shape, target[lead:])):
        raise ValueError(f"Incompatible shapes for broadcasting: input shape {shape} and requested shape {target}")
    # Size-1 axes that grow are dropped first: broadcast_in_dim maps the rest onto the target's.
    keep = [i for i, (d, t) in enumerate(zip(shape, target[lead:])) if d == t]
    squeezed = _shape.reshape(arr, tuple(shape[i] for i in keep)) if len(keep) != len(shape) else arr
    return _shape.broadcast_in_dim(squeezed, target, tuple(lead + i for i in keep))


def shape_as_value(shape: Sequence[int]) -> Any:
    """A shape as a 1-D integer array (int32 unless a dimension needs int64).

    >>> shape_as_value((2, 3))
    array([2, 3], dtype=int32)
    """
    shape = tuple(int(d) for d in shape)
    dtype = np.int64 if any(d > np.iinfo(np.int32).max for d in shape) else np.int32
    return np.asarray(shape, dtype=dtype).reshape(len(shape))


def stage(x: Any, /) -> Any:
    """``x`` itself, lifted into the current trace: the identity, whose result outside any
    transformation is an array (NumPy here) even for a Python scalar.

    >>> stage(2.0)
    array(2.)
    """
    return _array(x)


def with_sharding_constraint(x: Any, shardings: Any) -> Any:
    """``x`` (a pytree of arrays) unchanged: with one CPU device per process every array has the
    single-device sharding, which every constraint is satisfied by.

    >>> with_sharding_constraint(np.arange(3), None)
    array([0, 1, 2])
    """
    return tree_util.tree_map(_array, x)


class Tolerance:
    """The tolerances a unary function's implementation must meet (``accuracy=`` of ``exp``, ``log``...
    in JAX): at most two of ``atol``, ``rtol`` and ``ulps``, non-negative, at least one set.

    >>> Tolerance(atol=1e-6).atol
    1e-06
    """

    def __init__(self, atol: float = 0.0, rtol: float = 0.0, ulps: int = 0):
        if atol < 0.0 or rtol < 0.0 or ulps < 0:
            raise ValueError("Tolerances must be non-negative.")
        if atol == 0.0 and rtol == 0.0 and ulps == 0:
            raise ValueError("At least one of atol, rtol, or ulps must be set.")
        self.atol, self.rtol, self.ulps = atol, rtol, ulps


class AccuracyMode(enum.Enum):
    """A requested accuracy for a unary function's implementation (HIGHEST or DEFAULT).

    >>> AccuracyMode.HIGHEST.value
    1
    """

    HIGHEST = 1
    DEFAULT = 2


def platform_dependent(*args: Any, default: Callable | None = None, **per_platform: Callable) -> Any:
    """``per_platform[p](*args)`` for the platform ``p`` the code runs on: here always ``'cpu'``, so
    the ``cpu`` branch, else ``default``; with neither, NotImplementedError (as JAX lowering for a
    platform without a branch).

    >>> platform_dependent(2.0, cpu=lambda x: x + 1, default=lambda x: x - 1)
    3.0
    """
    for name, branch in per_platform.items():
        if not callable(branch):
            raise TypeError(f"lax.platform_dependent: the '{name}' branch must be a callable.")
        if name == "gpu":
            raise ValueError("Use 'cuda' or 'rocm' for lax.platform_dependent.")
    if default is not None and not callable(default):
        raise TypeError("lax.platform_dependent: the 'default' branch must be a callable.")
    branch = per_platform.get("cpu", default)
    if branch is None:
        raise NotImplementedError(f"lax.platform_dependent: no branch for platform 'cpu' (branches for "
                                  f"{sorted(per_platform)} and no default)")
    return branch(*args)


# --------------------------------------------------------------------------- composite


# A sub-program named for compilers that may recognise it; it runs as its decomposition. As in
# JAX it has no derivative (ValueError pointing to custom_jvp); it batches and compiles as a call.
composite_p = core.Primitive("composite", multiple_results=True)
_call.define_call(composite_p, lambda *args, jaxpr, **params: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, args))


def _composite_jvp(primals, tangents, **params):
    raise ValueError("JVP rule for composite not implemented. You can use `functrans.custom_jvp` to add support.")


jvp_rules[composite_p] = _composite_jvp


def composite(decomposition: Callable, name: str, version: int = 0) -> Callable:
    """``decomposition`` as one named operation: its positional arguments are its inputs and its
    keyword arguments (static, not arrays being transformed) its attributes. It computes
    ``decomposition``'s values; as in JAX it cannot be differentiated (wrap it in ``custom_jvp``).

    >>> tangent = composite(lambda x: _ew.div(_ew.sin(x), _ew.cos(x)), name="my.tangent")
    >>> np.round(tangent(np.array([0.0, np.pi / 4])), 6)
    array([0., 1.])
    """

    @functools.wraps(decomposition)
    def run(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(v, core.Tracer) for v in tree_util.tree_leaves(kwargs)):
            raise UnexpectedTracerError(
                f"Found a functrans Tracer as an attribute in the decomposition for the composite op '{name}'. Values "
                "not known at compile time must be passed as positional arguments to the composite.")
        leaves, in_tree = tree_util.tree_flatten(args)
        leaves = [_array(x) for x in leaves]
        out_tree: list = []

        def flat(*flat_args):
            out = decomposition(*tree_util.tree_unflatten(in_tree, list(flat_args)), **kwargs)
            out_leaves, tree = tree_util.tree_flatten(out)
            out_tree.append(tree)
            return out_leaves

        closed, consts = closure_convert(trace_to_jaxpr(flat, [core.get_aval(x) for x in leaves]))
        attributes = tuple((k, repr(v)) for k, v in kwargs.items() if v is not None)
        outs = composite_p.bind(*consts, *leaves, jaxpr=closed, name=name, version=version, attributes=attributes)
        return tree_util.tree_unflatten(out_tree[0], outs)

    return run


# --------------------------------------------------------------------------- dce_sink


# Marks its operand as used: staged programs keep it (effectful), and so what computes the
# operand; it computes nothing. Its one result, an empty token nothing reads, is there because
# every equation of a compiled program has a result.
_TOKEN = core.ShapedArray((0,), np.dtype(np.bool_))
dce_sink_p = core.Primitive("dce_sink")
dce_sink_p.effectful = True
dce_sink_p.def_impl(lambda x, **params: [np.zeros(_TOKEN.shape, _TOKEN.dtype)])
dce_sink_p.def_abstract_eval(lambda x, **params: [_TOKEN])
jvp_rules[dce_sink_p] = lambda primals, tangents, **params: ([dce_sink_p.bind(*primals, **params)], [Zero(_TOKEN)])
transpose_rules[dce_sink_p] = lambda ct, x, **params: [None]
batching_rules[dce_sink_p] = lambda size, vals, dims, **params: ([dce_sink_p.bind(*vals, **params)], [None])


@def_statement(dce_sink_p, fresh=True)
def _dce_sink(em, eqn, args, outs):
    em.allocate(eqn.out_binders[0])
    em.emit(f"pass  # dce_sink: {args[0]} is kept")


def dce_sink(val: Any, *, prevent_mlir_dce: bool = False) -> None:
    """Mark every array of ``val`` (a pytree) as used, so that a staged program does not drop
    the computation producing it; returns None.

    >>> dce_sink(np.ones(2)) is None
    True
    """
    for leaf in tree_util.tree_leaves(val):
        dce_sink_p.bind(_array(leaf), prevent_mlir_dce=prevent_mlir_dce)
