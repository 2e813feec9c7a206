"""The implementation of ``functrans.test_util``, which re-exports the names in ``__all__``."""
from __future__ import annotations

__all__ = [
    "check_grads",
    "check_jvp",
    "check_vjp",
]

from typing import Any, Callable, Sequence

import numpy as np

from .api import jvp, vjp
from .tree_util import tree_flatten, tree_map

# Per dtype: central-difference step, and the tolerance a derivative must meet.
_EPS = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-2, np.dtype(np.float16): 1e-1}
_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-2, np.dtype(np.float16): 1e-1}


def _inexact_dtype(tree: Any) -> np.dtype:
    """The narrowest float dtype of the leaves (a complex leaf counts as its parts' dtype)."""
    dts = [np.dtype(f"f{d.itemsize // (2 if d.kind == 'c' else 1)}") for d in (np.asarray(x).dtype for x in tree_flatten(tree)[0]) if d.kind in "fc"]
    return min(dts, key=lambda d: d.itemsize) if dts else np.dtype(np.float64)


def _random_like(tree: Any, rng: np.random.RandomState) -> Any:
    """Standard normal values like the leaves; complex leaves get random real and imaginary parts."""
    def draw(x):
        dtype = np.asarray(x).dtype
        value = rng.standard_normal(np.shape(x))
        return (value + 1j * rng.standard_normal(np.shape(x)) if dtype.kind == "c" else value).astype(dtype)

    return tree_map(draw, tree)


def _wide(x: Any) -> np.ndarray:
    """``x`` in complex128 if complex, else float64, for comparisons and differences."""
    x = np.asarray(x)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _add(tree: Any, other: Any, scale: float) -> Any:
    return tree_map(lambda x, y: (np.asarray(x) + scale * np.asarray(y)).astype(np.asarray(x).dtype), tree, other)


def _vdot(a: Any, b: Any) -> float:
    # Re(sum(x * y)), unconjugated: the pairing under which JAX's (plain) transposes of
    # complex linear maps satisfy <u, J v> = <J^T u, v>.
    return float(sum(np.real(np.sum(_wide(x) * _wide(y))) for x, y in zip(tree_flatten(a)[0], tree_flatten(b)[0])))


def _assert_close(name: str, actual: Any, expected: Any, atol: float, rtol: float) -> None:
    for i, (a, e) in enumerate(zip(tree_flatten(actual)[0], tree_flatten(expected)[0])):
        a, e = _wide(a), _wide(e)
        if a.shape != e.shape or not np.allclose(a, e, atol=atol, rtol=rtol, equal_nan=True):
            raise AssertionError(
                f"{name}: leaf {i} differs beyond atol={atol}, rtol={rtol}\n  got:      {a!r}\n  expected: {e!r}\n"
                f"  max abs difference: {np.max(np.abs(a - e)) if a.shape == e.shape else 'shapes differ'}"
            )


def check_jvp(f: Callable, args: Sequence[Any], atol: float, rtol: float, eps: float, rng: np.random.RandomState) -> None:
    """jvp against central finite differences along a random direction."""
    tangents = _random_like(tuple(args), rng)
    _, t_out = jvp(f, tuple(args), tangents)
    plus = f(*_add(tuple(args), tangents, eps))
    minus = f(*_add(tuple(args), tangents, -eps))
    numeric = tree_map(lambda p, m: (_wide(p) - _wide(m)) / (2 * eps), plus, minus)
    _assert_close("jvp vs finite differences", t_out, numeric, atol, rtol)


def check_vjp(f: Callable, args: Sequence[Any], atol: float, rtol: float, rng: np.random.RandomState) -> None:
    """vjp against jvp by the identity <u, J v> = <J^T u, v>."""
    tangents = _random_like(tuple(args), rng)
    out, t_out = jvp(f, tuple(args), tangents)
    _, pullback = vjp(f, *args)
    cotangent = _random_like(out, rng)
    ct_in = pullback(cotangent)
    forward, backward = _vdot(cotangent, t_out), _vdot(ct_in, tangents)
    scale = max(1.0, abs(forward))
    if abs(forward - backward) > atol * scale + rtol * abs(forward):
        raise AssertionError(f"vjp vs jvp: <u, J v> = {forward!r} but <J^T u, v> = {backward!r}")


def check_grads(
    f: Callable,
    args: Sequence[Any],
    order: int,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
) -> None:
    """Check ``f``'s derivatives up to ``order``: forward mode against central finite
    differences, reverse mode against forward mode; raise AssertionError with the
    offending values. Use float64 arguments for tight tolerances.

    >>> check_grads(lambda x: x ** 3, (np.array([1.0, 2.0]),), order=2)
    """
    args = tuple(args)
    dtype = _inexact_dtype(args)
    eps = eps if eps is not None else _EPS.get(dtype, 1e-5)
    atol = atol if atol is not None else _TOL.get(dtype, 1e-5)
    rtol = rtol if rtol is not None else _TOL.get(dtype, 1e-5)
    rng = np.random.RandomState(seed)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {mode!r}; use 'fwd' and/or 'rev'")
    if "fwd" in modes:
        check_jvp(f, args, atol, rtol, eps, rng)
        if order > 1:
            tangents = _random_like(args, rng)
            check_grads(lambda *a: jvp(f, a, tangents)[1], args, order - 1, ("fwd",), atol, rtol, eps, seed + 1)
    if "rev" in modes:
        check_vjp(f, args, atol, rtol, rng)
        if order > 1:
            cotangent = _random_like(f(*args), rng)
            check_grads(lambda *a: vjp(f, *a)[1](cotangent), args, order - 1, ("fwd", "rev"), atol, rtol, eps, seed + 1)
