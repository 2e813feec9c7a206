"""Helpers shared by the tests of functrans.numpy's breadth (structure and ufunc tests):
comparing results with NumPy's, eagerly and through a traced jaxpr, and drawing arrays
of every shape (0-d, empty, non-contiguous)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
from functrans.ir import eval_jaxpr
from functrans.tree_util import tree_leaves


def assert_same(got: Any, want: Any, exact: bool = False, rtol: float | None = None) -> None:
    """Same shape, dtype and values (NaNs equal; floats to a few ulp unless ``exact``)."""
    assert isinstance(got, (np.ndarray, np.generic)), f"result is a {type(got).__name__}, not a NumPy array"
    got, want = np.asarray(got), np.asarray(want)
    assert (got.shape, got.dtype) == (want.shape, want.dtype), f"got {got.dtype}{got.shape}, NumPy gives {want.dtype}{want.shape}"
    if got.dtype.kind == "f" and not exact:
        tol = rtol or (2e-6 if got.dtype == np.float32 else 1e-13)
        finite = want[np.isfinite(want)]
        scale = max(1.0, float(np.max(np.abs(finite), initial=0.0)))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def traced(fn: Callable, *args: Any) -> list:
    """``fn``'s outputs computed by staging it with make_jaxpr and evaluating the jaxpr."""
    closed = ft.make_jaxpr(fn)(*args)
    with np.errstate(all="ignore"):
        outs = eval_jaxpr(closed.jaxpr, closed.consts, tree_leaves(args))
    return [np.asarray(o) for o in outs]


def check(fn: Callable, ref: Callable, *args: Any, rtol: float | None = None) -> None:
    """``fn(*args)`` equals ``ref(*args)`` eagerly, and its jaxpr computes the same."""
    with np.errstate(all="ignore"):
        want = ref(*args)
        got = fn(*args)
    got_leaves, want_leaves = tree_leaves(got), tree_leaves(want)
    assert len(got_leaves) == len(want_leaves), (got, want)
    for g, w in zip(got_leaves, want_leaves):
        assert_same(g, w, rtol=rtol)
    for t, g in zip(traced(fn, *args), got_leaves, strict=True):
        assert_same(t, np.asarray(g), exact=True)


def elements(dtype: Any, lo: float = -10, hi: float = 10, special: bool = False) -> st.SearchStrategy:
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(max(int(lo), int(np.iinfo(dtype).min)), min(int(hi), int(np.iinfo(dtype).max)))
    values = st.floats(lo, hi, width=8 * dtype.itemsize, allow_subnormal=False)
    return st.one_of(values, st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0])) if special else values


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@st.composite
def arrays(draw: Any, dtype: Any, shape: Any = shapes, **bounds: Any) -> np.ndarray:
    """An array of ``dtype``; sometimes a non-contiguous view (reversed or transposed)."""
    x = draw(hnp.arrays(np.dtype(dtype), draw(shape) if isinstance(shape, st.SearchStrategy) else shape, elements=elements(dtype, **bounds)))
    layout = draw(st.sampled_from(["contiguous", "reversed", "transposed"]))
    if layout == "reversed" and x.ndim:
        x = np.flip(np.flip(x, 0).copy(), 0)  # the same values through negative strides
    elif layout == "transposed" and x.ndim > 1:
        x = np.ascontiguousarray(x.T).T
    return x
