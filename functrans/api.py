"""The public transformations: pytree-level wrappers around the interpreters."""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from . import core, dtypes, lax
from .autodiff import (
    UndefinedPrimal, Zero, backward_pass, check_cotangent, check_tangent, instantiate_zeros, is_differentiable,
    jvp_flat, linearize_flat, zeros_like_aval,
)
from .batching import move_batch_axis, vmap_flat
from .core import ShapedArray
from .ir import ClosedJaxpr, eval_jaxpr
from .tracing import trace_to_jaxpr
from .tree_util import PyTreeDef, tree_flatten, tree_structure, tree_unflatten

# --------------------------------------------------------------------------- helpers


def _flatten_fun(fun: Callable, in_tree: PyTreeDef, store: dict, has_aux: bool = False) -> Callable:
    """``fun`` on flat leaves; records the output structure(s) in ``store``."""

    def flat_fun(*leaves):
        out = fun(*tree_unflatten(in_tree, leaves))
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("a function transformed with has_aux=True must return a pair (output, auxiliary data)")
            out, aux = out
            aux_leaves, store["aux_tree"] = tree_flatten(aux)
        out_leaves, store["out_tree"] = tree_flatten(out)
        for leaf in out_leaves:
            if not core.is_valid_value(leaf):
                raise TypeError(f"a transformed function returned {leaf!r} of type {type(leaf).__name__}, which is not an array")
        return out_leaves + (aux_leaves if has_aux else [])

    return flat_fun


def _argnums_tuple(argnums: int | Sequence[int], nargs: int, name: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{name}: argnums {argnums} out of range for a call with {nargs} positional arguments")
    return tuple(i % nargs for i in nums)


def _partial_args(fun: Callable, args: tuple, kwargs: dict, argnums: tuple[int, ...]) -> Callable:
    """``fun`` as a function of the arguments at ``argnums`` only."""

    def partial(*dyn):
        full = list(args)
        for i, a in zip(argnums, dyn):
            full[i] = a
        return fun(*full, **kwargs)

    return partial


def _canonicalize(x: Any) -> Any:
    """Lists and other array-likes become arrays; arrays, tracers and Python scalars stay."""
    if isinstance(x, (core.Tracer, np.ndarray)) or type(x) in core._PY_SCALARS:
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    return np.asarray(x)


def _wrap(fun: Callable, transform: str, wrapper: Callable) -> Callable:
    functools.update_wrapper(wrapper, fun, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=())
    wrapper.__name__ = f"{transform}({getattr(fun, '__name__', 'fun')})"
    wrapper.__wrapped__ = fun
    return wrapper


# --------------------------------------------------------------------------- make_jaxpr / eval_shape


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = ()) -> Callable[..., ClosedJaxpr]:
    """A function returning the jaxpr ``fun`` traces to at the given arguments.

    >>> import functrans.numpy as fnp
    >>> print(make_jaxpr(lambda x: fnp.sin(x) * x)(np.ones(3)))
    { lambda ; a:f64[3]. let
        b:f64[3] = sin a
        c:f64[3] = mul b a
      in (c,) }
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    def wrapped(*args, **kwargs):
        dyn_nums = tuple(i for i in range(len(args)) if i not in static)
        leaves, in_tree = tree_flatten(tuple(args[i] for i in dyn_nums))
        flat = _flatten_fun(_partial_args(fun, args, kwargs, dyn_nums), in_tree, {})
        return trace_to_jaxpr(flat, [core.get_aval(_canonicalize(x)) for x in leaves])

    return _wrap(fun, "make_jaxpr", wrapped)


class ShapeDtypeStruct:
    """The shape and dtype (and weak type) of an array, without its data (a pytree leaf).
    ``sharding`` is accepted for JAX's sake: there is one device.

    >>> ShapeDtypeStruct((2, 3), np.float32)
    ShapeDtypeStruct(shape=(2, 3), dtype=float32)
    """

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape: Sequence[int], dtype: Any, *, sharding: Any = None, weak_type: bool = False):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)
        self.sharding = sharding

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ShapeDtypeStruct) and (self.shape, self.dtype, self.weak_type) == (other.shape, other.dtype, other.weak_type)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"


def _has_shape_and_dtype(x: Any) -> bool:
    return isinstance(x, ShapeDtypeStruct) or (hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, core.Tracer))


def _abstract(x: Any) -> ShapedArray:
    if _has_shape_and_dtype(x):
        return ShapedArray(x.shape, x.dtype, getattr(x, "weak_type", False) is True)
    return core.get_aval(_canonicalize(x))


def eval_shape(fun: Callable, *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes ``fun`` would return, without computing anything. Arguments
    (keyword arguments too) may be arrays, scalars, or anything with ``shape`` and ``dtype``
    (``ShapeDtypeStruct``).

    >>> eval_shape(lambda x: x.sum(0), ShapeDtypeStruct((3, 4), np.float32))
    ShapeDtypeStruct(shape=(4,), dtype=float32)
    """
    leaves, in_tree = tree_flatten((args, kwargs), is_leaf=_has_shape_and_dtype)
    store: dict = {}
    closed = trace_to_jaxpr(_flatten_fun(lambda a, k: fun(*a, **k), in_tree, store), [_abstract(x) for x in leaves])
    return tree_unflatten(store["out_tree"], [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in closed.out_avals])


# --------------------------------------------------------------------------- forward mode


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> tuple:
    """``(fun(*primals), J @ tangents)``: the Jacobian-vector product.

    >>> import functrans.numpy as fnp
    >>> jvp(fnp.sin, (0.0,), (1.0,))
    (array(0.), array(1.))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (or lists) of arguments")
    flat_primals, in_tree = tree_flatten(tuple(primals))
    flat_tangents, tangent_tree = tree_flatten(tuple(tangents))
    if in_tree != tangent_tree:
        raise ValueError(f"jvp: primals have structure {in_tree} but tangents have structure {tangent_tree}")
    flat_primals = [_canonicalize(x) for x in flat_primals]
    prepared = []
    for i, (p, t) in enumerate(zip(flat_primals, flat_tangents)):
        aval = core.get_aval(p)
        if is_differentiable(aval):
            t = _canonicalize(t)
            check_tangent(t, aval, f"jvp: argument leaf {i}")
            prepared.append(t)
        else:
            prepared.append(Zero(aval))
    store: dict = {}
    flat = _flatten_fun(lambda *a: fun(*a), in_tree, store, has_aux)
    out_primals, out_tangents = jvp_flat(flat, flat_primals, prepared)
    out_tree = store["out_tree"]
    n = out_tree.num_leaves
    primal_out = tree_unflatten(out_tree, out_primals[:n])
    tangent_out = tree_unflatten(out_tree, [instantiate_zeros(t) for t in out_tangents[:n]])
    if has_aux:
        return primal_out, tangent_out, tree_unflatten(store["aux_tree"], out_primals[n:])
    return primal_out, tangent_out


def linearize(fun: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the linear map ``J @ tangents``,
    evaluated without re-running ``fun``'s non-linear part."""
    flat_primals, in_tree = tree_flatten(primals)
    flat_primals = [_canonicalize(x) for x in flat_primals]
    store: dict = {}
    primals_out, jaxpr, residuals, diff_in = linearize_flat(_flatten_fun(fun, in_tree, store), flat_primals)
    out_tree = store["out_tree"]
    in_avals = [core.get_aval(x) for x in flat_primals]

    def f_jvp(*tangents):
        flat_t, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise ValueError(f"linearized function: tangents have structure {t_tree}, expected {in_tree}")
        for i, (t, a) in enumerate(zip(flat_t, in_avals)):
            if is_differentiable(a):
                check_tangent(_canonicalize(t), a, f"linearized function: argument leaf {i}")
        outs = eval_jaxpr(jaxpr, residuals, [_canonicalize(t) for t, d in zip(flat_t, diff_in) if d])
        return tree_unflatten(out_tree, outs)

    return tree_unflatten(out_tree, primals_out), f_jvp


# --------------------------------------------------------------------------- reverse mode


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), vjp_fun)`` where ``vjp_fun(ct)`` is ``ct @ J``, a tuple with one
    cotangent per primal argument.

    >>> y, f_vjp = vjp(lambda x: x * x, 3.0)
    >>> f_vjp(1.0)
    (array(6.),)
    """
    flat_primals, in_tree = tree_flatten(primals)
    flat_primals = [_canonicalize(x) for x in flat_primals]
    store: dict = {}
    primals_out, jaxpr, residuals, diff_in = linearize_flat(_flatten_fun(fun, in_tree, store, has_aux), flat_primals)
    out_tree = store["out_tree"]
    n = out_tree.num_leaves
    out_avals = [core.get_aval(x) for x in primals_out[:n]]
    in_avals = [core.get_aval(x) for x in flat_primals]

    def vjp_fun(ct):
        flat_ct, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise ValueError(f"vjp function: cotangent has structure {ct_tree}, but the output has structure {out_tree}")
        flat_ct = [_canonicalize(c) for c in flat_ct]
        for i, (c, a) in enumerate(zip(flat_ct, out_avals)):
            check_cotangent(c, a, f"vjp function: output leaf {i}")
        cts_out = [c if is_differentiable(a) else Zero(a) for c, a in zip(flat_ct, out_avals)]
        cts_out += [Zero(o.aval) for o in jaxpr.outvars[n:]]
        undefined = [UndefinedPrimal(a.strip_weak_type()) for a, d in zip(in_avals, diff_in) if d]
        cts = iter(backward_pass(jaxpr, residuals, undefined, cts_out))
        cts_in = [instantiate_zeros(next(cts)) if d else zeros_like_aval(a) for a, d in zip(in_avals, diff_in)]
        return tree_unflatten(in_tree, cts_in)

    primal_out = tree_unflatten(out_tree, primals_out[:n])
    if has_aux:
        return primal_out, vjp_fun, tree_unflatten(store["aux_tree"], primals_out[n:])
    return primal_out, vjp_fun


def _check_input_dtypes(name: str, holomorphic: bool, real_only: bool, args: tuple, nums: tuple[int, ...]) -> None:
    """JAX's errors for inputs a derivative cannot take: not inexact, not complex when
    ``holomorphic``, complex without it when ``real_only`` (forward mode)."""
    for i, a in zip(nums, args):
        for x in tree_flatten(a)[0]:
            dtype = core.get_aval(_canonicalize(x)).dtype
            if holomorphic and not dtypes.is_complex(dtype):
                raise TypeError(f"{name} with holomorphic=True requires inputs with complex dtype, but argument {i} has dtype {dtype}")
            if not dtypes.is_inexact(dtype) or (real_only and not holomorphic and dtypes.is_complex(dtype)):
                kinds = "real-valued (floating point)" if real_only else "real- or complex-valued (floating point or complex)"
                raise TypeError(
                    f"{name} requires {kinds} inputs, but argument {i} has dtype {dtype}; to differentiate with respect to it, "
                    + ("pass holomorphic=True for a holomorphic function, or use jvp" if dtypes.is_complex(dtype) else "convert it to a float dtype")
                )


def _check_output_dtype(name: str, holomorphic: bool, dtype: np.dtype) -> None:
    """JAX's errors for outputs a reverse-mode derivative cannot start from."""
    if holomorphic:
        if not dtypes.is_complex(dtype):
            raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, but got {dtype}")
    elif dtypes.is_complex(dtype):
        raise TypeError(f"{name} requires real-valued outputs, but the output has dtype {dtype}; for holomorphic "
                        "differentiation, pass holomorphic=True; for a non-holomorphic function with complex outputs, use vjp")
    elif not dtypes.is_float(dtype):
        raise TypeError(f"{name} requires a real floating-point output, but the output has dtype {dtype}")


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable:
    """A function returning ``fun``'s value and its gradient with respect to ``argnums``.

    For complex inputs of a real function, the gradient is JAX's ``df/dx - i df/dy``
    (the conjugate of the steepest ascent); with ``holomorphic=True``, a complex function
    of complex inputs has the complex derivative ``f'(z)`` as its gradient.

    >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    (array(5.), array([2., 4.]))
    >>> value_and_grad(lambda z: z ** 2, holomorphic=True)(1j)
    (array(-1.+0.j), array(0.+2.j))
    """

    def wrapped(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad")
        dyn = tuple(args[i] for i in nums)
        _check_input_dtypes("grad", holomorphic, False, dyn, nums)
        result = vjp(_partial_args(fun, args, kwargs, nums), *dyn, has_aux=has_aux)
        out, vjp_fun = result[:2]
        if not core.is_valid_value(out):
            raise TypeError(f"grad requires a scalar array output, but the function returned a {type(out).__name__}")
        out_aval = core.get_aval(out)
        if out_aval.shape != ():
            raise TypeError(
                f"grad requires a scalar output, but the function returned an output of shape {out_aval.shape}; "
                "use jacrev or vjp for non-scalar outputs"
            )
        _check_output_dtype("grad", holomorphic, out_aval.dtype)
        grads = vjp_fun(np.ones((), out_aval.dtype))
        grads = grads[0] if isinstance(argnums, int) else grads
        return ((out, result[2]) if has_aux else out), grads

    return _wrap(fun, "value_and_grad", wrapped)


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False) -> Callable:
    """The gradient of a scalar function with respect to argument(s) ``argnums``.

    Complex inputs as ``value_and_grad``: ``df/dx - i df/dy`` for a real function,
    ``f'(z)`` for a holomorphic one with ``holomorphic=True``.

    >>> grad(lambda x: x ** 3)(2.0)
    array(12.)
    >>> import functrans.numpy as fnp
    >>> grad(lambda z: fnp.abs(z) ** 2)(3 + 4j)
    array(6.-8.j)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    def wrapped(*args, **kwargs):
        (value, g) = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return _wrap(fun, "grad", wrapped)


# --------------------------------------------------------------------------- vmap


def _prefix_leaves(prefix: Any, tree: Any, what: str) -> list:
    """One entry of ``prefix`` (an axis spec whose pytree is a prefix of ``tree``) per leaf of ``tree``."""
    if prefix is None or isinstance(prefix, (int, np.integer)):
        return [None if prefix is None else int(prefix)] * tree_structure(tree).num_leaves
    axes, axes_tree = tree_flatten(prefix, is_leaf=lambda x: x is None)
    try:
        subtrees = axes_tree.flatten_up_to(tree)
    except ValueError as e:
        raise ValueError(f"vmap {what} specification {prefix!r} does not match the structure of the values: {e}") from None
    out = []
    for axis, sub in zip(axes, subtrees):
        if axis is not None and not isinstance(axis, (int, np.integer)):
            raise TypeError(f"vmap {what} must be ints or None, got {axis!r}")
        out.extend([None if axis is None else int(axis)] * tree_structure(sub).num_leaves)
    return out


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name: Any = None, axis_size: int | None = None) -> Callable:
    """Map ``fun`` over an axis of its arguments, as one batched computation.
    Keyword arguments are mapped over their axis 0, as in JAX. ``axis_name`` names the
    mapped axis for collectives (``lax.psum(x, axis_name)``...).

    >>> vmap(lambda x, w: x @ w, in_axes=(0, None))(np.ones((5, 3)), np.ones(3)).shape
    (5,)
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    def wrapped(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap in_axes has {len(in_axes)} entries but the function was called with {len(args)} positional arguments")
        flat_args, in_tree = tree_flatten((args, kwargs))
        flat_args = [_canonicalize(x) for x in flat_args]
        axes = _prefix_leaves(in_axes, args, "in_axes") + [0] * tree_structure(kwargs).num_leaves
        dims, sizes = [], {}
        arg_of_leaf = _leaf_owners(args) + [f"'{k}'" for k in sorted(kwargs) for _ in range(tree_structure(kwargs[k]).num_leaves)]
        for x, ax, owner in zip(flat_args, axes, arg_of_leaf):
            if ax is None:
                dims.append(None)
                continue
            ndim = core.get_aval(x).ndim
            if not -ndim <= ax < ndim:
                raise ValueError(f"vmap in_axes={ax} is out of range for argument {owner} of rank {ndim} (shape {core.get_aval(x).shape})")
            ax %= ndim
            dims.append(ax)
            sizes.setdefault(core.get_aval(x).shape[ax], []).append(owner)
        if len(sizes) > 1:
            detail = "; ".join(f"size {s} for argument(s) {', '.join(map(str, owners))}" for s, owners in sizes.items())
            raise ValueError(f"vmap got inconsistent sizes for the mapped axes: {detail}")
        if not sizes and axis_size is None:
            raise ValueError("vmap needs at least one mapped argument (in_axes not None) or an explicit axis_size")
        size = next(iter(sizes)) if sizes else axis_size
        if axis_size is not None and size != axis_size:
            raise ValueError(f"vmap axis_size={axis_size} but the mapped arguments have size {size}")
        store: dict = {}
        outs, out_dims = vmap_flat(_flatten_fun(lambda a, k: fun(*a, **k), in_tree, store), size, flat_args, dims, axis_name)
        out_tree = store["out_tree"]
        out_spec = _prefix_leaves(out_axes, tree_unflatten(out_tree, outs), "out_axes")
        results = []
        for x, d, oa in zip(outs, out_dims, out_spec):
            if oa is not None:
                rank = core.get_aval(x).ndim + (d is None)
                if not -rank <= oa < rank:
                    raise ValueError(f"vmap out_axes={oa} is out of range for an output of rank {rank}")
                oa %= rank
            results.append(move_batch_axis(size, d, oa, x))
        return tree_unflatten(out_tree, results)

    return _wrap(fun, "vmap", wrapped)


def _leaf_owners(args: tuple) -> list[int]:
    owners = []
    for i, a in enumerate(args):
        owners.extend([i] * tree_structure(a).num_leaves)
    return owners


# --------------------------------------------------------------------------- Jacobians


def _std_basis(avals: Sequence[ShapedArray]) -> tuple[int, list]:
    """The rows of an identity matrix, split and shaped like the flat leaves."""
    sizes = [a.size for a in avals]
    total = int(sum(sizes))
    dtype = np.result_type(*[a.dtype for a in avals]) if avals else np.float64
    eye = np.eye(total, dtype=dtype)
    pieces, start = [], 0
    for a, n in zip(avals, sizes):
        pieces.append(eye[:, start : start + n].reshape((total,) + a.shape).astype(a.dtype))
        start += n
    return total, pieces


def _columns(x: Any, start: int, size: int, axis: int) -> Any:
    """``x[start:start + size]`` along ``axis``."""
    shape = core.get_aval(x).shape
    axis %= len(shape)
    starts = [start if d == axis else 0 for d in range(len(shape))]
    limits = [start + size if d == axis else n for d, n in enumerate(shape)]
    return lax.slice(x, starts, limits)


def _split_columns(stacked: list, out_avals: list, in_avals: list) -> list[list]:
    """Cut Jacobian leaves of shape ``(*out.shape, total_in)`` into one
    ``out.shape + in.shape`` block per (output, input) pair."""
    blocks = []
    for o_aval, jac in zip(out_avals, stacked):
        row, start = [], 0
        for i_aval in in_avals:
            piece = _columns(jac, start, i_aval.size, axis=-1)
            row.append(lax.reshape(piece, o_aval.shape + i_aval.shape))
            start += i_aval.size
        blocks.append(row)
    return blocks


def _flat_jacobian_inputs(fun: Callable, args: tuple, kwargs: dict, argnums: int | Sequence[int], name: str,
                          holomorphic: bool):
    """``fun`` as a function of the flat leaves of the differentiated arguments, those
    leaves, their structure and their avals (checked as JAX checks them)."""
    nums = _argnums_tuple(argnums, len(args), name)
    _check_input_dtypes(name, holomorphic, name == "jacfwd", tuple(args[i] for i in nums), nums)
    flat_dyn, dyn_tree = tree_flatten(tuple(args[i] for i in nums))
    flat_dyn = [_canonicalize(x) for x in flat_dyn]
    in_avals = [core.get_aval(x) for x in flat_dyn]
    partial = _partial_args(fun, args, kwargs, nums)
    return (lambda *leaves: partial(*tree_unflatten(dyn_tree, leaves))), flat_dyn, dyn_tree, in_avals


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False) -> Callable:
    """The Jacobian by forward mode: one batched jvp over the input basis.

    Real inputs, or with ``holomorphic=True`` complex inputs and outputs (the Jacobian of
    complex derivatives).

    >>> jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    >>> jacfwd(lambda z: z ** 2, holomorphic=True)(np.array([1j]))
    array([[0.+2.j]])
    """

    def wrapped(*args, **kwargs):
        flat_partial, flat_dyn, dyn_tree, in_avals = _flat_jacobian_inputs(fun, args, kwargs, argnums, "jacfwd", holomorphic)
        total, basis = _std_basis(in_avals)

        def push(*tangents):
            return jvp(flat_partial, flat_dyn, list(tangents), has_aux=has_aux)

        result = vmap(push, in_axes=0, out_axes=(None, -1, None) if has_aux else (None, -1))(*basis)
        y, jac = result[0], result[1]
        y_leaves, out_tree = tree_flatten(y)
        jac_leaves = out_tree.flatten_up_to(jac)
        out_avals = [core.get_aval(_canonicalize(v)) for v in y_leaves]
        if holomorphic:
            for a in out_avals:
                _check_output_dtype("jacfwd", True, a.dtype)
        blocks = _split_columns(jac_leaves, out_avals, in_avals)
        out = tree_unflatten(out_tree, [_unflatten_inputs(row, dyn_tree, argnums) for row in blocks])
        return (out, result[2]) if has_aux else out

    return _wrap(fun, "jacfwd", wrapped)


def _unflatten_inputs(row: list, dyn_tree: PyTreeDef, argnums: int | Sequence[int]) -> Any:
    per_arg = tree_unflatten(dyn_tree, row)
    return per_arg[0] if isinstance(argnums, int) else per_arg


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False) -> Callable:
    """The Jacobian by reverse mode: one batched vjp over the output basis.

    Real outputs (of real or complex inputs, with ``grad``'s convention), or with
    ``holomorphic=True`` complex inputs and outputs.

    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    >>> jacrev(lambda z: z ** 2, holomorphic=True)(np.array([1j]))
    array([[0.+2.j]])
    """
    def wrapped(*args, **kwargs):
        flat_partial, flat_dyn, dyn_tree, in_avals = _flat_jacobian_inputs(fun, args, kwargs, argnums, "jacrev", holomorphic)
        result = vjp(flat_partial, *flat_dyn, has_aux=has_aux)
        y, pullback = result[0], result[1]
        y_leaves, out_tree = tree_flatten(y)
        y_leaves = [_canonicalize(v) for v in y_leaves]
        out_avals = [core.get_aval(v) for v in y_leaves]
        for a in out_avals:
            _check_output_dtype("jacrev", holomorphic, a.dtype)
        total, basis = _std_basis(out_avals)
        rows = vmap(lambda *cts: pullback(tree_unflatten(out_tree, list(cts))))(*basis)  # each (total_out, *in.shape)
        blocks = []
        start = 0
        for o_aval in out_avals:
            n = o_aval.size
            row = [lax.reshape(_columns(r, start, n, axis=0), o_aval.shape + a.shape) for r, a in zip(rows, in_avals)]
            blocks.append(row)
            start += n
        out = tree_unflatten(out_tree, [_unflatten_inputs(row, dyn_tree, argnums) for row in blocks])
        return (out, result[2]) if has_aux else out

    return _wrap(fun, "jacrev", wrapped)


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, holomorphic: bool = False) -> Callable:
    """The Hessian of a scalar function: ``jacfwd(jacrev(fun))`` (both ``holomorphic`` if asked).

    >>> hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return _wrap(fun, "hessian", jacfwd(jacrev(fun, argnums, holomorphic=holomorphic), argnums, holomorphic=holomorphic))


def hvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """``(grad(fun)(*primals), H @ tangents)``: a Hessian-vector product by forward-over-reverse,
    without forming the Hessian.

    >>> hvp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    (array([ 3., 12.]), array([6., 0.]))
    """
    argnums = tuple(range(len(primals)))
    g, hv = jvp(grad(fun, argnums), tuple(primals), tuple(tangents))
    return (g[0], hv[0]) if len(primals) == 1 else (g, hv)


jacobian = jacrev  # JAX's name for the reverse-mode Jacobian


# --------------------------------------------------------------------------- linear_transpose


def linear_transpose(fun: Callable, *primals: Any, reduce_axes: Sequence = ()) -> Callable:
    """The transpose of the linear function ``fun``: a function taking a cotangent of
    ``fun``'s output and returning the tuple of cotangents of its arguments. ``primals``
    (arrays, or anything with ``shape`` and ``dtype``) only give the argument types.

    >>> f_t = linear_transpose(lambda x: 2.0 * x[::-1], ShapeDtypeStruct((3,), np.float64))
    >>> f_t(np.array([1.0, 2.0, 3.0]))
    (array([6., 4., 2.]),)
    """
    if reduce_axes:
        raise NotImplementedError("reduce_axes argument to transpose is deprecated")
    leaves, in_tree = tree_flatten(primals, is_leaf=_has_shape_and_dtype)
    in_avals = [ShapedArray(x.shape, x.dtype) if _has_shape_and_dtype(x) else core.get_aval(_canonicalize(x)).strip_weak_type()
                for x in leaves]
    store: dict = {}
    closed = trace_to_jaxpr(_flatten_fun(fun, in_tree, store), in_avals)
    out_tree, out_avals = store["out_tree"], closed.out_avals
    kinds = {"inexact" if dtypes.is_inexact(a.dtype) else "integer" if dtypes.is_integer(a.dtype) else "other"
             for a in [*in_avals, *out_avals]}
    if len(kinds) > 1 or "other" in kinds:
        raise TypeError("linear_transpose only supports [float or complex] -> [float or complex], and integer -> integer "
                        f"functions, but got {[a.dtype.name for a in in_avals]} -> {[a.dtype.name for a in out_avals]}.")

    def transposed(out_cotangent):
        flat_ct, ct_tree = tree_flatten(out_cotangent)
        if ct_tree != out_tree:
            raise TypeError(f"cotangent tree does not match function output, expected {out_tree} but got {ct_tree}")
        flat_ct = [_canonicalize(c) for c in flat_ct]
        for c, a in zip(flat_ct, out_avals):
            c_aval = core.get_aval(c)
            if c_aval.shape != a.shape or (c_aval.dtype != a.dtype and not c_aval.weak_type):
                raise TypeError(f"cotangent type does not match function output, expected {a.str_short()} but got {c_aval.str_short()}")
        cts = backward_pass(closed.jaxpr, closed.consts, [UndefinedPrimal(a) for a in in_avals], flat_ct)
        return tree_unflatten(in_tree, [instantiate_zeros(ct) if ct is not None else zeros_like_aval(a) for ct, a in zip(cts, in_avals)])

    return _wrap(fun, "linear_transpose", transposed)
