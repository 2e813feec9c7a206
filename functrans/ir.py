"""The IR: jaxprs, their printer and type checker, and their evaluation.

A ``Jaxpr`` is a typed, first-order program: constant and input binders, a list
of equations each applying one primitive, and outputs. Every transformation is a
way of evaluating one (``eval_jaxpr`` under a different trace).
"""
from __future__ import annotations

import itertools
from typing import Any, NamedTuple, Sequence

import numpy as np

from . import core
from .core import ShapedArray


class Var:
    """A binder in a jaxpr. Identity is the variable; names are given by the printer."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written into the program."""

    __slots__ = ("val", "aval")

    def __init__(self, val: Any):
        self.aval = core.get_aval(val)
        self.val = np.asarray(val, self.aval.dtype) if not isinstance(val, np.ndarray) else val

    def __repr__(self) -> str:
        return f"Literal({self.val!r})"


Atom = Var | Literal


class Eqn(NamedTuple):
    primitive: core.Primitive
    inputs: list[Atom]
    params: dict[str, Any]
    out_binders: list[Var]


class Jaxpr:
    """``{ lambda constvars ; invars. let eqns in outvars }``."""

    __slots__ = ("constvars", "invars", "eqns", "outvars", "__weakref__")

    def __init__(self, constvars: Sequence[Var], invars: Sequence[Var], eqns: Sequence[Eqn], outvars: Sequence[Atom]):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.eqns = list(eqns)
        self.outvars = list(outvars)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self) -> str:
        return pp_jaxpr(self)

    __repr__ = __str__


class ClosedJaxpr:
    """A jaxpr with its constants bound: what ``make_jaxpr`` returns.

    >>> from functrans import make_jaxpr, numpy as fnp
    >>> print(make_jaxpr(fnp.sin)(1.0))
    { lambda ; a:f64[]. let b:f64[] = sin a in (b,) }
    """

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr: Jaxpr, consts: Sequence[Any]):
        assert len(consts) == len(jaxpr.constvars)
        self.jaxpr = jaxpr
        self.consts = list(consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __call__(self, *args: Any) -> list:
        return eval_jaxpr(self.jaxpr, self.consts, args)

    def __str__(self) -> str:
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__


# --------------------------------------------------------------------------- evaluation


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any]) -> list:
    """Run ``jaxpr`` by binding each equation's primitive, so it runs under whatever
    transformations are active (this is how every interpreter transforms a jaxpr)."""
    env: dict[Var, Any] = {}

    def read(x: Atom) -> Any:
        return x.val if type(x) is Literal else env[x]

    if len(args) != len(jaxpr.invars):
        raise TypeError(f"jaxpr takes {len(jaxpr.invars)} arguments, got {len(args)}")
    env.update(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        outs = core.bind(eqn.primitive, [read(x) for x in eqn.inputs], eqn.params)
        env.update(zip(eqn.out_binders, outs))
    return [read(x) for x in jaxpr.outvars]


# --------------------------------------------------------------------------- type checking


class JaxprTypeError(TypeError):
    pass


def typecheck_jaxpr(jaxpr: Jaxpr) -> None:
    """Check that every variable is bound once before use and every equation's output
    types are those its primitive's abstract-eval rule gives; raise JaxprTypeError."""
    env: set[Var] = set()
    names = _Names()
    for v in itertools.chain(jaxpr.constvars, jaxpr.invars):
        names[v]  # name binders first, in the printer's order

    def bind_var(v: Var, where: str) -> None:
        if not isinstance(v, Var):
            raise JaxprTypeError(f"{where}: binder {v!r} is not a Var")
        if v in env:
            raise JaxprTypeError(f"{where}: variable {names[v]} is bound twice")
        env.add(v)

    for v in itertools.chain(jaxpr.constvars, jaxpr.invars):
        bind_var(v, "jaxpr inputs")
    for i, eqn in enumerate(jaxpr.eqns):
        where = f"equation {i} ({pp_eqn(eqn, names)})"
        for x in eqn.inputs:
            if isinstance(x, Var) and x not in env:
                raise JaxprTypeError(f"{where}: input {names[x]} is used before it is bound")
        try:
            out_avals = eqn.primitive.abstract_eval(*[x.aval for x in eqn.inputs], **eqn.params)
        except Exception as e:
            raise JaxprTypeError(f"{where}: {e}") from e
        if len(out_avals) != len(eqn.out_binders):
            raise JaxprTypeError(f"{where}: primitive gives {len(out_avals)} results, {len(eqn.out_binders)} binders")
        for binder, aval in zip(eqn.out_binders, out_avals):
            if (binder.aval.shape, binder.aval.dtype) != (aval.shape, aval.dtype):
                raise JaxprTypeError(
                    f"{where}: binder {names[binder]} has type {binder.aval.str_short()} "
                    f"but the primitive gives {aval.str_short()}"
                )
            bind_var(binder, where)
    for x in jaxpr.outvars:
        if isinstance(x, Var) and x not in env:
            raise JaxprTypeError(f"output {names[x]} is not bound")


# --------------------------------------------------------------------------- printing


class _Names(dict):
    """Gives variables the names a, b, ..., z, ba, bb, ... in order of first appearance."""

    def __missing__(self, var: Var) -> str:
        n, name = len(self), ""
        while True:
            name = chr(ord("a") + n % 26) + name
            n //= 26
            if n == 0:
                break
        self[var] = name
        return name


def _pp_atom(x: Atom, names: _Names) -> str:
    if type(x) is Literal:
        value = x.val.item() if x.val.ndim == 0 else x.val
        return f"{value}:{x.aval.str_short()}"
    return names[x]


def _pp_param(value: Any, names: _Names, indent: int) -> str:
    if isinstance(value, (Jaxpr, ClosedJaxpr)):
        jaxpr = value.jaxpr if isinstance(value, ClosedJaxpr) else value
        return pp_jaxpr(jaxpr, indent + 2, multiline=True)
    if isinstance(value, tuple) and value and all(isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        pad = " " * (indent + 2)
        return "(\n" + "".join(pad + _pp_param(v, names, indent) + "\n" for v in value) + " " * indent + ")"
    if isinstance(value, np.dtype):
        return value.name
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return repr(value)


def pp_eqn(eqn: Eqn, names: _Names, indent: int = 0) -> str:
    outs = " ".join(f"{names[v]}:{v.aval.str_short()}" for v in eqn.out_binders)
    params = ""
    if eqn.params:
        params = "[" + " ".join(f"{k}={_pp_param(v, names, indent + 2)}" for k, v in eqn.params.items()) + "]"
    ins = " ".join(_pp_atom(x, names) for x in eqn.inputs)
    return f"{outs} = {eqn.primitive.name}{params} {ins}".rstrip()


def pp_jaxpr(jaxpr: Jaxpr, indent: int = 0, multiline: bool | None = None) -> str:
    """JAX's notation: ``{ lambda a:f64[3]; b:f64[]. let c:f64[3] = mul a b in (c,) }``."""
    names = _Names()
    binders = lambda vs: " ".join(f"{names[v]}:{v.aval.str_short()}" for v in vs)
    head = f"{{ lambda {binders(jaxpr.constvars)}; {binders(jaxpr.invars)}. let"
    eqns = [pp_eqn(e, names, indent + 4) for e in jaxpr.eqns]
    outs = ", ".join(_pp_atom(x, names) for x in jaxpr.outvars)
    tail = f"in ({outs}{',' if len(jaxpr.outvars) == 1 else ''}) }}"
    one_line = f"{head} {' '.join(eqns)}{' ' if eqns else ''}{tail}"
    if multiline is None:
        multiline = len(eqns) > 1 or len(one_line) > 100 or any("\n" in e for e in eqns)
    if not multiline:
        return one_line
    pad = " " * indent
    body = "".join(f"\n{pad}    {e}" for e in eqns)
    return f"{head}{body}\n{pad}  {tail}"


# --------------------------------------------------------------------------- dead code


def dce_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any]) -> tuple[Jaxpr, list]:
    """Drop equations whose results are unused, and the constants nothing reads. Equations
    of ``effectful`` primitives (debug callbacks) are kept: they run for their effect."""
    live = {x for x in jaxpr.outvars if isinstance(x, Var)}
    kept: list[Eqn] = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.primitive.effectful or any(v in live for v in eqn.out_binders):
            kept.append(eqn)
            live.update(x for x in eqn.inputs if isinstance(x, Var))
    kept.reverse()
    used = [(v, c) for v, c in zip(jaxpr.constvars, consts) if v in live]
    new = Jaxpr([v for v, _ in used], jaxpr.invars, kept, jaxpr.outvars)
    return new, [c for _, c in used]
