"""Calls from a program back into Python: ``pure_callback`` (a pure function computing
arrays) and the debug callback under ``functrans.debug`` (a side effect: printing,
logging), as primitives that work eagerly, traced and compiled.

Compiled code calls back at run time: each callback equation lowers to a Numba
``objmode`` block calling ``invoke(ident, inputs, outputs)``, which finds the Python
function by the number ``ident`` (the registry holds each callback while the jaxprs that
use it exist) and writes its results into the output buffers the program allocated
(arrays are passed as pointers and strides, see ``Emitter.call_python``).
The number is an argument of the compiled program, so programs that differ only in their
callbacks share one compiled program, cached on disk like any other; entering and leaving
object mode costs a few microseconds per call.

The debug callback returns a token (an empty bool array) that the next debug callback of the same
staged program takes as an input, so compiled code runs them in program order; a staged
program keeps them although nothing reads the token (``effectful``).
"""
from __future__ import annotations

import itertools
import logging
import warnings
import weakref
from typing import Any, Callable, Sequence

import numba
import numpy as np

from . import core, lax
from .autodiff import Zero, jvp_rules, tangent_aval, transpose_rules
from .batching import batching_rules, moveaxis
from .core import Primitive, ShapedArray
from .lowering import def_statement, described_array
from .tree_util import PyTreeDef, tree_flatten, tree_map, tree_structure, tree_unflatten

log = logging.getLogger("functrans.callbacks")

# Numba says once per compile that object mode runs with the GIL despite nogil=True: true and expected here.
warnings.filterwarnings("ignore", message=".*Code running in object mode won't allow parallel execution",
                        category=numba.NumbaWarning)


class Callback:
    """A Python function a program calls, under the number its compiled code knows it by.
    Equations hold it in their params (it hashes by identity)."""

    __slots__ = ("fn", "ident", "name", "__weakref__")
    _numbers = itertools.count()

    def __init__(self, fn: Callable[..., Sequence[np.ndarray]], name: str):
        self.fn, self.name = fn, name
        self.ident = next(Callback._numbers)
        _registry[self.ident] = self

    def __call__(self, *args: np.ndarray) -> Sequence[np.ndarray]:
        return self.fn(*args)

    def __repr__(self) -> str:
        return self.name


_registry: "weakref.WeakValueDictionary[int, Callback]" = weakref.WeakValueDictionary()


def invoke(ident: int, inputs: tuple, outputs: tuple) -> None:
    """Run callback ``ident`` on copies of ``inputs`` (compiled code reuses their memory) and
    write its results into ``outputs``: what the compiled code's object-mode block calls."""
    results = _registry[ident](*[np.array(described_array(*x)) for x in inputs])
    buffers = [described_array(*x) for x in outputs]
    check_results(results, buffers)
    for out, result in zip(buffers, results):
        out[...] = result


def emit_invoke(em: Any, eqn: Any, args: list[str], outs: list[str]) -> None:
    """The object-mode block calling ``invoke`` for a callback equation, after allocating its results."""
    for var in eqn.out_binders:
        em.allocate(var)
    n = eqn.params.get("num_args", len(args))  # a debug callback's token is not the callback's
    # The number is an argument, not part of the source: programs differing only in their
    # callbacks share one compiled (and cached) program.
    ident = em.fresh("cb_ident")
    em.emit(f"{ident} = {em.hoist(np.int64(eqn.params['callback'].ident))}[()]")
    em.call_python("functrans.callbacks.invoke", [ident], list(zip(eqn.inputs[:n], args[:n])),
                   list(zip(eqn.out_binders, outs)))


# --------------------------------------------------------------------------- pure_callback

VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all", "legacy_vectorized", None)


def _result_leaves(results: Any, out_tree: PyTreeDef) -> list[np.ndarray]:
    leaves, tree = tree_flatten(tree_map(np.asarray, results))
    if tree != out_tree:
        raise RuntimeError(f"pure_callback: the callback returned a value of structure {tree}, "
                           f"but result_shape_dtypes has structure {out_tree}")
    return leaves


def check_results(results: Sequence[np.ndarray], expected: Sequence[Any]) -> None:
    """Results of exactly the promised shapes and dtypes (``expected``: avals or output buffers), as JAX."""
    for i, (result, want) in enumerate(zip(results, expected)):
        if result.shape != want.shape:
            raise RuntimeError(f"Incorrect output shape for return value #{i}: Expected: {want.shape}, Actual: {result.shape}")
        if result.dtype != want.dtype:
            raise RuntimeError(f"Incorrect output dtype for return value #{i}: Expected: {want.dtype}, Actual: {result.dtype}")


def pure_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any, sharding: Any = None,
                  vmap_method: str | None = None, **kwargs: Any) -> Any:
    """Call the pure Python function ``callback(*args, **kwargs)`` (NumPy arrays in, arrays of
    ``result_shape_dtypes``' shapes and dtypes out) from any program: eagerly, traced, and
    from compiled code at run time. Being pure, it may be called once per batch element,
    reordered, or not called when nothing uses its result.

    Under ``vmap``, ``vmap_method`` says how: ``"sequential"`` (once per element, in a loop),
    ``"expand_dims"`` (once, unbatched arguments given a leading axis of size 1) or
    ``"broadcast_all"`` (once, every argument batched); ``None`` raises. It has no derivative:
    wrap it in ``custom_jvp``/``custom_vjp`` to differentiate.

    >>> import functrans as ft
    >>> f = lambda x: pure_callback(np.sinc, ft.ShapeDtypeStruct(x.shape, x.dtype), x)
    >>> ft.jit(f)(np.array([0.0, 0.5]))
    array([1.        , 0.63661977])
    """
    if vmap_method not in VMAP_METHODS:
        raise ValueError(f"vmap_method must be one of the allowed methods {list(VMAP_METHODS)}, but got: {vmap_method}")
    flat_args, in_tree = tree_flatten((args, kwargs))
    result_avals = tree_map(lambda x: ShapedArray(x.shape, x.dtype), result_shape_dtypes)
    flat_avals, out_tree = tree_flatten(result_avals)
    name = getattr(callback, "__name__", type(callback).__name__)

    # Arrays in and one array out (the usual case) skip the pytree work, most of a call's cost.
    flat_in = in_tree == tree_structure((tuple(range(len(flat_args))), {}))
    one_out = out_tree.num_leaves == 1 and out_tree.num_nodes == 1

    def flat_callback(*flat):
        if flat_in:
            results = callback(*flat)
        else:
            call_args, call_kwargs = tree_unflatten(in_tree, list(flat))
            results = callback(*call_args, **call_kwargs)
        if one_out and isinstance(results, (np.ndarray, np.generic)):
            return [np.asarray(results)]
        return _result_leaves(results, out_tree)

    outs = pure_callback_p.bind(*flat_args, callback=Callback(flat_callback, name), result_avals=tuple(flat_avals),
                                vmap_method=vmap_method)
    return tree_unflatten(out_tree, outs)


pure_callback_p = Primitive("pure_callback", multiple_results=True)


@pure_callback_p.def_impl
def _pure_callback_impl(*args, callback, result_avals, vmap_method):
    results = list(callback(*args))
    check_results(results, result_avals)
    return results


@pure_callback_p.def_abstract_eval
def _pure_callback_abstract_eval(*avals, callback, result_avals, vmap_method):
    return list(result_avals)


def _pure_callback_jvp(primals, tangents, **params):
    raise ValueError("Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use callbacks while taking gradients.")


def _pure_callback_transpose(cts, *args, **params):
    raise ValueError("Pure callbacks do not support transpose. Please use `jax.custom_vjp` to use callbacks while taking gradients.")


def _pure_callback_batch(size, vals, dims, *, callback, result_avals, vmap_method):
    vals = [moveaxis(v, d, 0) if d is not None else v for v, d in zip(vals, dims)]
    batched_avals = tuple(a.update(shape=(size, *a.shape)) for a in result_avals)
    if vmap_method in ("expand_dims", "broadcast_all", "legacy_vectorized"):
        lead = size if vmap_method == "broadcast_all" else 1
        if vmap_method != "legacy_vectorized":
            vals = [v if d is not None else lax.broadcast_in_dim(v, (lead, *core.get_aval(v).shape), tuple(range(1, core.get_aval(v).ndim + 1)))
                    for v, d in zip(vals, dims)]
        outs = pure_callback_p.bind(*vals, callback=callback, result_avals=batched_avals, vmap_method=vmap_method)
    elif vmap_method in ("sequential", "sequential_unrolled"):
        batched = [d is not None for d in dims]

        def one(xs):
            it = iter(xs)
            merged = [next(it) if b else v for v, b in zip(vals, batched)]
            return pure_callback_p.bind(*merged, callback=callback, result_avals=result_avals, vmap_method=vmap_method)

        outs = lax.map(one, [v for v, b in zip(vals, batched) if b])
    else:
        raise NotImplementedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one of 'sequential', "
            f"'sequential_unrolled', 'expand_dims', 'broadcast_all', or 'legacy_vectorized'. Got vmap_method={vmap_method!r}.")
    return list(outs), [0] * len(outs)


jvp_rules[pure_callback_p] = _pure_callback_jvp
transpose_rules[pure_callback_p] = _pure_callback_transpose
batching_rules[pure_callback_p] = _pure_callback_batch
def_statement(pure_callback_p, fresh=True)(emit_invoke)


# --------------------------------------------------------------------------- the debug callback

# Empty rather than 0-d: constant folding evaluates scalar equations of literals at compile time.
TOKEN = ShapedArray((0,), np.bool_)


def debug_callback(callback: Callable[..., None], args: Sequence[Any], name: str) -> None:
    """Bind the debug callback ``callback(*args)`` (flat values); inside a staged program
    it is chained after the previous one (see the module docstring)."""
    builder = core._state.dynamic.global_data if core.staging() else None
    previous = _previous_token(builder)
    token = debug_callback_p.bind(*args, *previous, callback=Callback(_returning_nothing(callback), name), num_args=len(args))[0]
    if builder is not None and isinstance(token, core.Tracer) and token._trace.main is core._state.dynamic:
        # By position among the builder's tracers (which it keeps alive): no reference back to the builder.
        _last_token[builder] = next(i for i in range(len(builder.tracers) - 1, -1, -1) if builder.tracers[i] is token)


# Per staged program (its builder): where its last debug callback's token is in builder.tracers.
_last_token: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()


def _previous_token(builder: Any) -> list:
    index = _last_token.get(builder) if builder is not None else None
    return [] if index is None else [builder.tracers[index]]


def _returning_nothing(callback: Callable[..., None]) -> Callable[..., list]:
    def run(*args):
        try:
            callback(*args)
        except BaseException:
            log.exception("functrans.debug.callback failed")
            raise
        return []

    return run


debug_callback_p = Primitive("debug_callback", multiple_results=True)
debug_callback_p.effectful = True  # staged programs keep it though nothing reads its token


@debug_callback_p.def_impl
def _debug_callback_impl(*args, callback, num_args):
    callback(*[np.asarray(x) for x in args[:num_args]])  # arrays, as compiled code gives
    return [np.zeros(TOKEN.shape, TOKEN.dtype)]


@debug_callback_p.def_abstract_eval
def _debug_callback_abstract_eval(*avals, callback, num_args):
    return [TOKEN]


def _debug_callback_jvp(primals, tangents, **params):
    # The callback sees the primal values only, once.
    return debug_callback_p.bind(*primals, **params), [Zero(tangent_aval(TOKEN))]


def _debug_callback_transpose(cts, *args, **params):
    return [None] * len(args)


def _debug_callback_batch(size, vals, dims, *, callback, num_args):
    """Once per batch element, in order, each call seeing that element's values (as JAX)."""
    token = vals[num_args] if len(vals) > num_args else np.zeros(TOKEN.shape, TOKEN.dtype)
    for i in range(size):
        sliced = [v if d is None else lax.index_in_dim(v, i, d, keepdims=False) for v, d in zip(vals[:num_args], dims)]
        token = debug_callback_p.bind(*sliced, token, callback=callback, num_args=num_args)[0]
    return [token], [None]


jvp_rules[debug_callback_p] = _debug_callback_jvp
transpose_rules[debug_callback_p] = _debug_callback_transpose
batching_rules[debug_callback_p] = _debug_callback_batch
def_statement(debug_callback_p, fresh=True)(emit_invoke)
