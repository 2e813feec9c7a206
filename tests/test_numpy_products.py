"""einsum (ellipses, diagonals, implicit outputs, contraction orders), einsum_path, vecdot,
matvec and vecmat against NumPy; every product's precision and preferred_element_type;
derivatives, vmap and jit."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.test_util import check_grads

from numpy_checks import arrays, assert_same, check

SETTINGS = settings(max_examples=25, deadline=None)

SPECS = [
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]), ("ii->i", [(3, 3)]), ("ii", [(4, 4)]), ("iji->j", [(2, 3, 2)]),
    ("...i,...i", [(2, 3), (3,)]), ("i...->...", [(3, 2, 1)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 2), (2, 3)]), ("ab,bc,cd,de,ef->af", [(2, 3), (3, 4), (4, 2), (2, 3), (3, 2)]),
    ("i,j", [(2,), (3,)]), ("ij,ij->", [(2, 3), (1, 3)]), ("bi,bj->bij", [(2, 3), (2, 4)]), ("...", [(2, 1)]),
    ("ijk,kj", [(2, 3, 4), (4, 3)]), ("i,i,i->i", [(3,), (3,), (3,)]), ("", [()]), (",->", [(), ()]),
    ("Ab,bA->A", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("spec,shapes", SPECS, ids=[s for s, _ in SPECS])
@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.bool_])
def test_einsum_matches_numpy(spec, shapes, dtype):
    rng = np.random.default_rng(len(spec))
    operands = [rng.integers(-3, 4, size=s).astype(dtype) for s in shapes]
    check(lambda *ops: fnp.einsum(spec, *ops), lambda *ops: np.einsum(spec, *ops), *operands)
    for optimize in (False, "greedy", "optimal"):
        assert_same(fnp.einsum(spec, *operands, optimize=optimize), np.einsum(spec, *operands))


@SETTINGS
@given(data=st.data())
def test_einsum_matrix_chains_on_drawn_shapes(data):
    dims = data.draw(st.lists(st.integers(0, 4), min_size=2, max_size=5))
    letters = "abcdef"
    spec = ",".join(letters[i : i + 2] for i in range(len(dims) - 1)) + f"->{letters[0]}{letters[len(dims) - 1]}"
    ops = [data.draw(arrays(np.float64, shape=st.just((dims[i], dims[i + 1])))) for i in range(len(dims) - 1)]
    check(lambda *o: fnp.einsum(spec, *o), lambda *o: np.einsum(spec, *o), *ops)


def _flops(labels, output, sizes, path):
    """opt_einsum's flop count of a pairwise path, computed independently of einsum_path."""
    labels, total = list(labels), 0
    for i, j in path:
        keep = set(output).union(*[l for k, l in enumerate(labels) if k not in (i, j)])
        both = labels[i] + "".join(c for c in labels[j] if c not in labels[i])
        result = "".join(c for c in both if c in keep)
        total += int(np.prod([sizes[c] for c in both])) * (2 if len(result) < len(both) else 1)
        labels = [l for k, l in enumerate(labels) if k not in (i, j)] + [result]
    return total


def _all_paths(n):
    if n == 1:
        yield []
        return
    for i, j in itertools.combinations(range(n), 2):
        for rest in _all_paths(n - 1):
            yield [(i, j)] + rest


def test_einsum_path_is_the_cheapest_order_for_few_operands():
    shapes = [(20, 3), (3, 40), (40, 2), (2, 9)]
    spec, labels, output = "ij,jk,kl,lm->im", ["ij", "jk", "kl", "lm"], "im"
    sizes = {"i": 20, "j": 3, "k": 40, "l": 2, "m": 9}
    path, text = fnp.einsum_path(spec, *[np.ones(s) for s in shapes])
    best = min(_flops(labels, output, sizes, p) for p in _all_paths(4))
    assert _flops(labels, output, sizes, path) == best and "ij,jk,kl,lm->im" in text
    assert fnp.einsum_path(spec, *[np.ones(s) for s in shapes], optimize=False)[0] == [(0, 1)] * 3


@pytest.mark.slow  # importing JAX takes seconds
def test_einsum_path_agrees_with_jax():
    jnp = pytest.importorskip("jax.numpy")
    cases = [("ij,jk,kl->il", [(20, 3), (3, 40), (40, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
             ("ab,bc,ca->", [(5, 6), (6, 7), (7, 5)]), ("bij,bjk,bkl->bil", [(2, 8, 3), (2, 3, 9), (2, 9, 2)])]
    for spec, shapes in cases:
        ops = [np.ones(s) for s in shapes]
        assert fnp.einsum_path(spec, *ops)[0] == jnp.einsum_path(spec, *ops)[0], spec


def test_einsum_interleaved_form_matches_numpy():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    for args in [(a, [0, 1], b, [1, 2], [0, 2]), (a, [0, 1], b, [1, 2]), (a, [Ellipsis, 1], a, [Ellipsis, 1], [Ellipsis])]:
        assert_same(fnp.einsum(*args), np.einsum(*args))
    with pytest.raises(ValueError, match="interleaved"):
        fnp.einsum(a, [0, "i"])


def test_einsum_errors():
    with pytest.raises(ValueError, match="sizes"):
        fnp.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="operand"):
        fnp.einsum("ij,jk", np.ones((2, 3)))
    with pytest.raises(ValueError, match="output label"):
        fnp.einsum("ij->k", np.ones((2, 3)))
    with pytest.raises(ValueError, match="optimize"):
        fnp.einsum("ij", np.ones((2, 3)), optimize="fastest")


@SETTINGS
@given(data=st.data())
def test_vecdot_matvec_vecmat_match_numpy(data):
    n = data.draw(st.integers(0, 4))
    batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    a = data.draw(arrays(np.float64, shape=st.just(batch + (3, n))))
    v = data.draw(arrays(np.int32, shape=st.just(batch[len(batch) // 2:] + (n,))))
    w = data.draw(arrays(np.float32, shape=st.just((3,))))
    u = data.draw(arrays(np.int32, shape=st.just((n,))))
    check(fnp.matvec, np.matvec, a, v)
    check(fnp.vecmat, np.vecmat, w, a)
    check(fnp.vecdot, np.vecdot, a, u)
    check(fnp.vecdot, np.vecdot, a, a)
    check(lambda x, y: fnp.vecdot(x, y, axis=-2), lambda x, y: np.vecdot(x, y, axis=-2), a, w[:, None])


def test_derivatives_vmap_and_jit_of_einsum():
    rng = np.random.default_rng(0)
    x, y, z = rng.normal(size=(2, 3, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))

    def f(x, y, z):
        return (fnp.einsum("...ii->...i", x).sum() + fnp.einsum("bij,jk,k->bi", x, y, z).sum() ** 2
                + fnp.vecdot(y, y).sum() + fnp.matvec(y.T, x[0, 0]).sum() * fnp.vecmat(z, y.T).sum())

    check_grads(f, (x, y, z), order=2, modes=("fwd", "rev"))
    batched = ft.vmap(lambda a: fnp.einsum("ij,jk,k->i", a, y, z))(x)
    assert_same(batched, np.stack([np.einsum("ij,jk,k->i", a, y, z) for a in x]))


@pytest.mark.slow
def test_jit_of_einsum_matches_eager():
    rng = np.random.default_rng(1)
    x, y, z = rng.normal(size=(2, 3, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))

    def f(x, y, z):
        return fnp.einsum("...ii->...i", x), fnp.einsum("bij,jk,k->bi", x, y, z), fnp.vecdot(y, y), fnp.matvec(y, z)

    for got, want in zip(ft.jit(f)(x, y, z), f(x, y, z), strict=True):
        assert_same(got, want)


# Every product taking precision and preferred_element_type, with NumPy's counterpart and
# operand shapes (a 0-d operand where the function allows one).
PRODUCTS = [
    ("dot", fnp.dot, np.dot, [(3, 40), (40, 2)]), ("dot_scalar", fnp.dot, np.dot, [(), (4,)]),
    ("matmul", fnp.matmul, np.matmul, [(2, 3, 40), (40,)]),
    ("tensordot", lambda a, b, **kw: fnp.tensordot(a, b, ([0], [1]), **kw),
     lambda a, b: np.tensordot(a, b, ([0], [1])), [(40, 3), (2, 40)]),
    ("inner", fnp.inner, np.inner, [(3, 40), (2, 40)]), ("inner_scalar", fnp.inner, np.inner, [(4,), ()]),
    ("vdot", fnp.vdot, np.vdot, [(5, 8), (8, 5)]),
    ("einsum", lambda a, b, **kw: fnp.einsum("ij,jk->i", a, b, **kw), lambda a, b: np.einsum("ij,jk->i", a, b),
     [(3, 40), (40, 2)]),
    ("einsum_sum", lambda a, b, **kw: fnp.einsum("ij,k->", a, b, **kw), lambda a, b: np.einsum("ij,k->", a, b),
     [(3, 40), (2,)]),
    ("vecdot", fnp.vecdot, np.vecdot, [(3, 40), (40,)]),
]
PRODUCT_IDS = [name for name, *_ in PRODUCTS]


@pytest.mark.parametrize("name,fn,ref,shapes", PRODUCTS, ids=PRODUCT_IDS)
def test_int8_products_accumulate_in_the_preferred_element_type(name, fn, ref, shapes):
    rng = np.random.default_rng(len(name))
    a, b = (rng.integers(100, 128, size=s).astype(np.int8) for s in shapes)
    wide = ref(a.astype(np.int32), b.astype(np.int32))
    assert np.abs(wide).max() > 127  # the int8 result would wrap
    check(lambda a, b: fn(a, b, preferred_element_type=np.int32), lambda a, b: wide, a, b)
    with np.errstate(over="ignore"):
        check(fn, ref, a, b)  # without it, NumPy's int8 result (wrapped)
    x, y = (rng.normal(size=s).astype(np.float32) for s in shapes)
    check(lambda x, y: fn(x, y, preferred_element_type=np.float64),
          lambda x, y: ref(x.astype(np.float64), y.astype(np.float64)), x, y)


@pytest.mark.parametrize("name,fn,ref,shapes", PRODUCTS, ids=PRODUCT_IDS)
def test_products_check_precision_and_otherwise_equal_numpy(name, fn, ref, shapes):
    rng = np.random.default_rng(len(name))
    x, y = (rng.normal(size=s) for s in shapes)
    for precision in (None, "highest", "bfloat16", lax.Precision.HIGH, ("high", lax.Precision.DEFAULT),
                      lax.DotAlgorithmPreset.F64_F64_F64, "F32_F32_F32"):
        check(lambda x, y: fn(x, y, precision=precision), ref, x, y)
    for bad in ("fast", ("high",), 2, lax.Precision):
        with pytest.raises(ValueError, match="Precision argument"):
            fn(x, y, precision=bad)


def test_boolean_products_count_in_the_preferred_element_type():
    x = np.array([[True, False, True], [True, True, True]])
    counts = x.astype(np.int32) @ x.T.astype(np.int32)
    assert_same(fnp.dot(x, x.T), np.dot(x, x.T))  # NumPy's or of ands without one
    assert_same(fnp.dot(x, x.T, preferred_element_type=np.int32), counts)
    assert_same(fnp.matmul(x, x.T, preferred_element_type=np.int32), counts)
    assert_same(fnp.einsum("ij,kj->ik", x, x, preferred_element_type=np.int32), counts)
    assert_same(fnp.einsum("ij->i", x, preferred_element_type=np.int32), x.sum(1).astype(np.int32))


def test_preferred_element_type_products_differentiate_and_batch():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    f = lambda a, b: (fnp.dot(a, b, precision="highest", preferred_element_type=np.float64)
                      * fnp.einsum("ij,jk->ik", a, b, preferred_element_type=np.float64)
                      + fnp.inner(a, b.T, precision=lax.Precision.HIGHEST))
    check_grads(f, (a, b), order=2, modes=("fwd", "rev"))
    ints = rng.integers(100, 128, size=(5, 3, 40)).astype(np.int8)
    c = rng.integers(100, 128, size=(40,)).astype(np.int8)
    g = lambda u: (fnp.matmul(u, c, preferred_element_type=np.int32), fnp.tensordot(u, c, 1, preferred_element_type=np.int32),
                   fnp.vecdot(u, c, preferred_element_type=np.int32))
    for got, want in zip(ft.vmap(g)(ints), zip(*[g(u) for u in ints]), strict=True):
        assert_same(got, np.stack(want))


@pytest.mark.slow  # one compiled program (seconds without the compile cache)
def test_jit_of_preferred_element_type_products_matches_eager():
    rng = np.random.default_rng(4)
    a, b = rng.integers(100, 128, size=(3, 40)).astype(np.int8), rng.integers(100, 128, size=(40, 2)).astype(np.int8)

    def f(a, b):
        return (fnp.dot(a, b, preferred_element_type=np.int32), fnp.einsum("ij,jk->", a, b, preferred_element_type=np.int64),
                fnp.inner(a, b.T, precision="highest", preferred_element_type=np.int32))

    for got, want in zip(ft.jit(f)(a, b), f(a, b), strict=True):
        assert_same(got, want)


@pytest.mark.slow  # importing JAX takes seconds
@pytest.mark.parametrize("name,fn,ref,shapes", PRODUCTS, ids=PRODUCT_IDS)
def test_preferred_element_type_products_equal_jax(name, fn, ref, shapes):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    theirs = {"dot": jnp.dot, "dot_scalar": jnp.dot, "matmul": jnp.matmul, "inner": jnp.inner, "inner_scalar": jnp.inner,
              "vdot": jnp.vdot, "vecdot": jnp.vecdot,
              "tensordot": lambda a, b, **kw: jnp.tensordot(a, b, ([0], [1]), **kw),
              "einsum": lambda a, b, **kw: jnp.einsum("ij,jk->i", a, b, **kw),
              "einsum_sum": lambda a, b, **kw: jnp.einsum("ij,k->", a, b, **kw)}[name]
    rng = np.random.default_rng(len(name))
    a, b = (rng.integers(100, 128, size=s).astype(np.int8) for s in shapes)
    for dtype in (np.int32, np.int64):
        assert_same(fn(a, b, preferred_element_type=dtype), np.asarray(theirs(a, b, preferred_element_type=dtype)))
