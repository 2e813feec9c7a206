"""Functions that apply functions: ``vectorize`` (with generalized-ufunc signatures),
``frompyfunc``, ``apply_along_axis``, ``apply_over_axes``, and the choosers ``piecewise``
and ``select``. Mapping is ``vmap``, so everything stays one batched computation (and
traces under ``jit`` and ``grad``)."""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, Sequence

import numpy as np

from .. import lax
from ..api import vmap
from ..core import Tracer
from ..tree_util import tree_map
from ._base import (
    ArrayLike, asarray, broadcast_arrays, broadcast_shapes, broadcast_to, canonical_axis, convert, promote, shape_of,
)
from ._shape import expand_dims, moveaxis, reshape
from ._ufuncs import astype_bool

_DIMS = r"\(\s*(?:\w+(?:\s*,\s*\w+)*)?\s*\)"
_SIGNATURE = re.compile(rf"^\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*->\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """``'(m,n),(n)->(m)'`` as the core dimension names of each input and each output."""
    if not _SIGNATURE.match(signature):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    parse = lambda side: [tuple(d.strip() for d in group.split(",") if d.strip()) for group in re.findall(r"\(([^)]*)\)", side)]
    inputs, outputs = signature.split("->")
    return parse(inputs), parse(outputs)


def _vmap_over(fn: Callable, n: int) -> Callable:
    """``fn`` mapped over the leading ``n`` axes of every argument."""
    for _ in range(n):
        fn = vmap(fn)
    return fn


class vectorize:
    """``pyfunc`` applied over broadcast arguments as NumPy's ``vectorize`` does, but as one
    batched computation (``vmap``): without a ``signature`` it sees scalars; with one
    (``'(n),(n)->()'``) it sees the core dimensions named there. ``excluded`` names the
    positions or keywords passed through unmapped.

    >>> vectorize(lambda a, b: a @ b, signature="(n),(n)->()")(np.ones((4, 3)), np.ones(3))
    array([3., 3., 3., 3.])
    """

    def __init__(self, pyfunc: Callable, *, excluded: frozenset = frozenset(), signature: str | None = None):
        self.pyfunc, self.excluded, self.signature = pyfunc, frozenset(excluded), signature
        self.core = _parse_signature(signature) if signature is not None else None
        functools.update_wrapper(self, pyfunc)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        mapped_pos = [i for i in range(len(args)) if i not in self.excluded]
        mapped_kw = [k for k in kwargs if k not in self.excluded]
        fixed_args, fixed_kwargs = list(args), dict(kwargs)

        def call(*mapped):
            call_args, call_kwargs = list(fixed_args), dict(fixed_kwargs)
            for i, v in zip(mapped_pos, mapped[: len(mapped_pos)]):
                call_args[i] = v
            for k, v in zip(mapped_kw, mapped[len(mapped_pos):]):
                call_kwargs[k] = v
            return self.pyfunc(*call_args, **call_kwargs)

        inputs = [asarray(args[i]) for i in mapped_pos] + [asarray(kwargs[k]) for k in mapped_kw]
        if self.core is None:
            core_in, core_out = [()] * len(inputs), None
        else:
            core_in, core_out = self.core
            if len(core_in) != len(inputs):
                raise TypeError(f"vectorize: the signature {self.signature!r} has {len(core_in)} inputs, "
                                f"but the function was called with {len(inputs)} mapped arguments")
        sizes: dict[str, int] = {}
        loop_shapes = []
        for i, (x, dims) in enumerate(zip(inputs, core_in)):
            shape = shape_of(x)
            if len(shape) < len(dims):
                raise ValueError(f"vectorize: input {i} of shape {shape} has fewer than the {len(dims)} core "
                                 f"dimensions {dims} of the signature {self.signature!r}")
            for name, d in zip(dims, shape[len(shape) - len(dims):]):
                if sizes.setdefault(name, d) != d:
                    raise ValueError(f"vectorize: core dimension {name!r} has sizes {sizes[name]} and {d}")
            loop_shapes.append(shape[: len(shape) - len(dims)])
        loop = broadcast_shapes(*loop_shapes) if loop_shapes else ()
        inputs = [broadcast_to(x, loop + shape_of(x)[len(s):]) for x, s in zip(inputs, loop_shapes)]
        out = _vmap_over(call, len(loop))(*inputs)
        if not loop:
            # Without a loop the function ran on the inputs themselves: give arrays, not scalars.
            out = tree_map(lambda o: o if isinstance(o, Tracer) else np.asarray(o), out)
        if core_out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            if len(outs) != len(core_out):
                raise ValueError(f"vectorize: the function returned {len(outs)} outputs but the signature "
                                 f"{self.signature!r} has {len(core_out)}")
            for o, dims in zip(outs, core_out):
                if len(shape_of(o)) != len(loop) + len(dims):
                    raise ValueError(f"vectorize: an output of shape {shape_of(o)[len(loop):]} does not have the "
                                     f"core dimensions {dims} of the signature {self.signature!r}")
        return out


class ufunc:
    """A ufunc made from a Python function of ``nin`` scalars (``frompyfunc``): calls map it
    over broadcast arguments; binary ones (``nin == 2``, ``nout == 1``) also have ``outer``,
    ``reduce`` and ``accumulate``."""

    def __init__(self, func: Callable, nin: int, nout: int, identity: Any = None):
        self.func, self.nin, self.nout, self.identity = func, int(nin), int(nout), identity
        self.__name__ = getattr(func, "__name__", "ufunc")
        self._mapped = vectorize(func)

    def __repr__(self) -> str:
        return f"<functrans.numpy.ufunc '{self.__name__}'>"

    def __call__(self, *args: ArrayLike) -> Any:
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}: takes {self.nin} arguments, got {len(args)}")
        return self._mapped(*args)

    def _binary(self, method: str) -> None:
        if (self.nin, self.nout) != (2, 1):
            raise ValueError(f"{self.__name__}.{method} needs a ufunc of two inputs and one output")

    def outer(self, a: ArrayLike, b: ArrayLike) -> Any:
        """The function at every pair of an element of ``a`` and one of ``b``."""
        self._binary("outer")
        a, b = asarray(a), asarray(b)
        return self(reshape(a, shape_of(a) + (1,) * len(shape_of(b))), b)

    def reduce(self, a: ArrayLike, axis: int = 0, keepdims: bool = False) -> Any:
        """Fold the function over ``axis`` from the left (``identity`` for an empty axis)."""
        self._binary("reduce")
        a = asarray(a)
        axis = canonical_axis(axis, len(shape_of(a)))
        a = moveaxis(a, axis, 0)
        n = shape_of(a)[0]
        if n == 0:
            if self.identity is None:
                raise ValueError(f"{self.__name__}.reduce: zero-size reduction without an identity")
            out = lax.full(shape_of(a)[1:], self.identity, a.dtype)
        else:
            def body(carry, x):
                return self(carry, x), None

            out, _ = lax.scan(body, a[0], a[1:]) if n > 1 else (a[0], None)
        return expand_dims(out, axis) if keepdims else out

    def accumulate(self, a: ArrayLike, axis: int = 0) -> Any:
        """The running fold of the function along ``axis``: entry ``i`` folds entries ``0..i``."""
        self._binary("accumulate")
        a = asarray(a)
        axis = canonical_axis(axis, len(shape_of(a)))
        a = moveaxis(a, axis, 0)
        if shape_of(a)[0] <= 1:
            return moveaxis(a, 0, axis)

        def body(carry, x):
            nxt = self(carry, x)
            return nxt, nxt

        _, rest = lax.scan(body, a[0], a[1:])
        return moveaxis(lax.concatenate([expand_dims(a[0], 0), convert(rest, a.dtype)], 0), 0, axis)


def frompyfunc(func: Callable[..., Any], /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """A ufunc from a Python function of ``nin`` scalars (traced as array operations).

    >>> add = frompyfunc(lambda a, b: a + b, 2, 1, identity=0)
    >>> add.outer(np.arange(2), np.arange(3)).tolist(), add.reduce(np.arange(4)).item()
    ([[0, 1, 2], [1, 2, 3]], 6)
    """
    return ufunc(func, nin, nout, identity)


def apply_along_axis(func1d: Callable, axis: int, arr: ArrayLike, *args: Any, **kwargs: Any) -> Any:
    """``func1d`` applied to every 1-D slice along ``axis``; its output's axes replace ``axis``.

    >>> apply_along_axis(lambda v: v[::-1], 1, np.arange(6).reshape(2, 3))
    array([[2, 1, 0],
           [5, 4, 3]])
    """
    arr = asarray(arr)
    ndim = len(shape_of(arr))
    axis = canonical_axis(axis, ndim)
    moved = moveaxis(arr, axis, -1)
    out = asarray(_vmap_over(lambda v: func1d(v, *args, **kwargs), ndim - 1)(moved))
    out_core = len(shape_of(out)) - (ndim - 1)
    # The function's own axes go where ``axis`` was.
    return moveaxis(out, list(range(ndim - 1, ndim - 1 + out_core)), list(range(axis, axis + out_core))) if out_core else out


def apply_over_axes(func: Callable[[ArrayLike, int], Any], a: ArrayLike, axes: Sequence[int]) -> Any:
    """``func(a, axis)`` applied for each axis in turn, keeping the rank (a result one axis
    short gets it back as size 1).

    >>> from functrans.numpy import sum
    >>> apply_over_axes(sum, np.arange(6).reshape(2, 3), [0, 1])
    array([[15]])
    """
    a = asarray(a)
    axes = [axes] if isinstance(axes, int) else list(axes)
    for axis in axes:
        ndim = len(shape_of(a))
        axis = canonical_axis(axis, ndim)
        res = asarray(func(a, axis))
        if len(shape_of(res)) == ndim - 1:
            res = expand_dims(res, axis)
        elif len(shape_of(res)) != ndim:
            raise ValueError(f"apply_over_axes: the function must keep the array's rank or drop one axis, "
                             f"got shape {shape_of(res)} from shape {shape_of(a)}")
        a = res
    return a


def piecewise(x: ArrayLike, condlist: Any, funclist: list, *args: Any, **kw: Any) -> Any:
    """``funclist[i]`` (a function of ``x`` or a constant) where ``condlist[i]``, later ones
    winning; an extra last entry covers where no condition holds (else 0). In ``x``'s dtype.

    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> piecewise(x, [x < 0, x > 1], [lambda v: -v, 10.0, lambda v: v / 2])
    array([ 2.  ,  0.25, 10.  ])
    """
    x = asarray(x)
    if isinstance(condlist, (list, tuple)):
        conds = [astype_bool(c) for c in condlist]
    else:
        c = astype_bool(condlist)
        conds = [c] if len(shape_of(c)) == len(shape_of(x)) else [c[i] for i in range(shape_of(c)[0])]
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"piecewise: with {n} condition(s), funclist must have {n} or {n + 1} entries, got {len(funclist)}")
    conds = [broadcast_to(c, shape_of(x)) for c in conds]
    if len(funclist) == n + 1:
        none = conds[0] if n else lax.full(shape_of(x), False, np.bool_)
        for c in conds[1:]:
            none = lax.bitwise_or(none, c)
        conds = [lax.bitwise_not(none)] + conds
        funclist = [funclist[-1]] + list(funclist[:-1])
    out = lax.full_like(x, 0)
    for c, f in zip(conds, funclist):
        value = f(x, *args, **kw) if callable(f) else f
        out = lax.select_n(c, out, broadcast_to(convert(asarray(value), x.dtype), shape_of(x)))
    return out


def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike], default: ArrayLike = 0) -> Any:
    """The entry of the first choice whose condition holds, else ``default``.

    >>> x = np.arange(5)
    >>> select([x < 2, x > 3], [x, x * 10], default=-1)
    array([ 0,  1, -1, -1, 40])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, got {len(condlist)} and {len(choicelist)}")
    if not len(condlist):
        raise ValueError("select: condlist must not be empty")
    conds = [asarray(c) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != np.bool_:
            raise TypeError(f"select: condlist entry {i} should be a boolean array, got {c.dtype}")
    values = promote(*[asarray(c) for c in choicelist], default)
    arrays = broadcast_arrays(*conds, *values)
    conds, choices, out = arrays[: len(conds)], arrays[len(conds): -1], arrays[-1]
    for c, v in reversed(list(zip(conds, choices))):
        out = lax.select_n(c, out, v)
    return out
