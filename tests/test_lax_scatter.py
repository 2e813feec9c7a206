"""lax.gather / scatter with XLA's dimension numbers, and the scatter family (add, sub,
mul, min, max, apply): against a direct loop over XLA's definition, against jax.lax, and
their derivatives, vmap and jit."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import functrans as ft
from functrans import lax
from functrans.test_util import check_grads

GDN, SDN = lax.GatherDimensionNumbers, lax.ScatterDimensionNumbers


def _window_axes(rank, dropped, batching):
    return [d for d in range(rank) if d not in dropped and d not in batching]


def _starts(shape, sizes, index_vector, index_map, batching, batch_index):
    start = [0] * len(shape)
    for k, d in enumerate(index_map):
        start[d] = int(index_vector[k])
    for d, j in batching:
        start[d] = batch_index[j]
    in_bounds = all(0 <= start[d] <= shape[d] - sizes[d] for d in index_map)
    clamped = [min(max(s, 0), n - w) for s, n, w in zip(start, shape, sizes)]
    return clamped, in_bounds


def reference_gather(operand, indices, dn, sizes, mode):
    """XLA's gather, one output element at a time."""
    windows = _window_axes(operand.ndim, dn.collapsed_slice_dims, dn.operand_batching_dims)
    out_ndim = indices.ndim - 1 + len(windows)
    batch_sizes, window_sizes = iter(indices.shape[:-1]), iter(sizes[d] for d in windows)
    out_shape = [next(window_sizes) if p in dn.offset_dims else next(batch_sizes) for p in range(out_ndim)]
    out = np.zeros(out_shape, operand.dtype)
    batching = list(zip(dn.operand_batching_dims, dn.start_indices_batching_dims))
    for idx in np.ndindex(*out_shape):
        g = [idx[p] for p in range(out_ndim) if p not in dn.offset_dims]
        start, ok = _starts(operand.shape, sizes, indices[tuple(g)], dn.start_index_map, batching, g)
        for w, p in zip(windows, dn.offset_dims):
            start[w] += idx[p]
        out[idx] = operand[tuple(start)] if ok or mode == "clip" else np.nan
    return out


def reference_scatter(operand, indices, updates, dn, combine, mode):
    out = operand.copy()
    windows = _window_axes(operand.ndim, dn.inserted_window_dims, dn.operand_batching_dims)
    sizes = [1] * operand.ndim
    for d, a in zip(windows, dn.update_window_dims):
        sizes[d] = updates.shape[a]
    batching = list(zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims))
    for idx in np.ndindex(*updates.shape):
        g = [idx[a] for a in range(updates.ndim) if a not in dn.update_window_dims]
        start, ok = _starts(operand.shape, sizes, indices[tuple(g)], dn.scatter_dims_to_operand_dims, batching, g)
        if not ok and mode != "clip":
            continue
        for w, a in zip(windows, dn.update_window_dims):
            start[w] += idx[a]
        out[tuple(start)] = combine(out[tuple(start)], updates[idx])
    return out


def random_case(seed):
    """A gather's operand, indices, dimension numbers and slice sizes: random ranks, batching
    axes, collapsed axes, index maps and windows, with indices partly out of bounds."""
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 4))
    shape = tuple(int(n) for n in rng.integers(1, 5, rank))
    axes = list(rng.permutation(rank))
    n_batch = int(rng.integers(0, min(rank, 2) + 1)) if rank > 1 else 0
    batching = sorted(axes[:n_batch])
    rest = axes[n_batch:]
    index_map = [int(d) for d in rng.permutation(rest)[: int(rng.integers(0, len(rest) + 1))]]
    sizes = [1 if d in batching else int(rng.integers(0 if rng.random() < 0.1 else 1, shape[d] + 1)) for d in range(rank)]
    collapsed = sorted(d for d in rest if sizes[d] == 1 and rng.random() < 0.6)
    n_points = int(rng.integers(0, 3))
    point_shape = [int(n) for n in rng.integers(0 if rng.random() < 0.1 else 1, 4, n_points)]
    # The indices' batch axes: the paired batching axes and the point axes, shuffled.
    lead = [("b", d) for d in batching] + [("p", i) for i in range(n_points)]
    lead = [lead[i] for i in rng.permutation(len(lead))]
    lead_shape = [shape[x] if kind == "b" else point_shape[x] for kind, x in lead]
    indices_batching = [lead.index(("b", d)) for d in batching]
    indices = rng.integers(-2, max(shape) + 2, lead_shape + [len(index_map)])
    windows = _window_axes(rank, collapsed, batching)
    out_ndim = len(lead) + len(windows)
    offset_dims = sorted(int(p) for p in rng.permutation(out_ndim)[: len(windows)])
    dn = GDN(tuple(offset_dims), tuple(int(d) for d in collapsed), tuple(index_map), tuple(int(d) for d in batching),
             tuple(indices_batching))
    operand = rng.normal(size=shape)
    return operand, indices, dn, tuple(sizes)


def scatter_of(dn):
    return SDN(dn.offset_dims, dn.collapsed_slice_dims, dn.start_index_map, dn.operand_batching_dims,
               dn.start_indices_batching_dims)


CASES = range(60)


@pytest.mark.parametrize("seed", CASES)
@pytest.mark.parametrize("mode", ["clip", "fill"])
def test_gather_equals_xla_definition(seed, mode):
    operand, indices, dn, sizes = random_case(seed)
    out = lax.gather(operand, indices, dn, sizes, mode=mode)
    np.testing.assert_array_equal(out, reference_gather(operand, indices, dn, sizes, mode))


COMBINE = {"scatter": lambda a, b: b, "scatter_add": np.add, "scatter_sub": np.subtract, "scatter_mul": np.multiply,
           "scatter_min": np.minimum, "scatter_max": np.maximum}


@pytest.mark.parametrize("seed", CASES[::2])
@pytest.mark.parametrize("mode", ["clip", "drop"])
@pytest.mark.parametrize("name", sorted(COMBINE))
def test_scatter_family_equals_xla_definition(seed, mode, name):
    operand, indices, dn, _ = random_case(seed)
    gathered = reference_gather(operand, indices, dn, random_case(seed)[3], "clip")
    updates = np.random.default_rng(seed + 1).integers(-3, 4, gathered.shape).astype(np.float64)
    if name == "scatter":
        # Overlapping writes pick one winner; keep the windows' targets distinct by writing one value per case.
        updates = np.full(gathered.shape, 7.0)
    out = getattr(lax, name)(operand, indices, updates, scatter_of(dn), mode=mode)
    expected = reference_scatter(operand, indices, updates, scatter_of(dn), COMBINE[name], mode)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.slow  # JAX compiles every call: about 15 s for the cases
@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_gather_and_scatter_add_equal_jax(seed):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    operand, indices, dn, sizes = random_case(seed)
    for mode in ("clip", "fill", None):
        expected = jax.lax.gather(operand, indices, jax.lax.GatherDimensionNumbers(*dn), sizes, mode=mode)
        np.testing.assert_array_equal(lax.gather(operand, indices, dn, sizes, mode=mode), np.asarray(expected))
    if not dn.start_index_map:
        return  # XLA's CPU scatter spreads such updates along the inserted axes instead of writing them all at 0
    updates = np.arange(np.asarray(expected).size, dtype=np.float64).reshape(np.asarray(expected).shape)
    for mode in ("clip", "drop"):
        sdn = jax.lax.ScatterDimensionNumbers(*scatter_of(dn))
        expected = jax.lax.scatter_add(operand, indices, updates, sdn, mode=mode)
        np.testing.assert_allclose(lax.scatter_add(operand, indices, updates, scatter_of(dn), mode=mode), expected, rtol=1e-12)


def test_gather_defaults_clamp_and_fill_values_follow_dtype():
    x = np.arange(5)
    dn = GDN((), (0,), (0,))
    np.testing.assert_array_equal(lax.gather(x, np.array([[7], [-3]]), dn, (1,)), [4, 0])
    np.testing.assert_array_equal(lax.gather(x, np.array([[7], [1]]), dn, (1,), mode="fill"), [np.iinfo(np.int64).min, 1])
    np.testing.assert_array_equal(lax.gather(x.astype(np.uint8), np.array([[7]]), dn, (1,), mode="fill"), [255])
    np.testing.assert_array_equal(lax.gather(x > 2, np.array([[7]]), dn, (1,), mode="fill"), [True])
    np.testing.assert_array_equal(lax.gather(x * 1.0, np.array([[7]]), dn, (1,), mode="fill", fill_value=-1.0), [-1.0])


def test_modes_parse_as_jax():
    assert lax.GatherScatterMode.from_any(None) is lax.GatherScatterMode.FILL_OR_DROP
    assert lax.GatherScatterMode.from_any("drop") is lax.GatherScatterMode.FILL_OR_DROP
    assert lax.GatherScatterMode.from_any("promise_in_bounds") is lax.GatherScatterMode.PROMISE_IN_BOUNDS
    with pytest.raises(ValueError, match="Unknown gather mode"):
        lax.GatherScatterMode.from_any("wrap")


def test_gather_and_scatter_take_only_jax_arguments_and_the_point_layout_lives_in_lax_indexing():
    x = np.arange(6.0).reshape(3, 2)
    with pytest.raises(TypeError):
        lax.gather(x, np.array([[2], [0]]))  # dimension_numbers and slice_sizes are required, as in JAX
    with pytest.raises(TypeError, match="GatherDimensionNumbers"):
        lax.gather(x, np.array([[5]]), 0, "drop")
    with pytest.raises(TypeError):
        lax.scatter(np.zeros(3), np.array([[1], [1]]), np.array([1.0, 2.0]), "add", 0, "drop")
    with pytest.raises(TypeError, match="ScatterDimensionNumbers"):
        lax.scatter(np.zeros(3), np.array([[1]]), np.array([1.0]), "add")
    np.testing.assert_array_equal(lax.indexing.gather(x, np.array([[2], [0]])), x[[2, 0]])
    np.testing.assert_array_equal(lax.indexing.gather(x, np.array([[5]]), 0, "drop"), [[0.0, 0.0]])
    np.testing.assert_array_equal(lax.indexing.scatter(np.zeros(3), np.array([[1], [1]]), np.array([1.0, 2.0]), "add", 0, "drop"),
                                  [0, 3, 0])


@pytest.mark.parametrize("bad, match", [
    (dict(dimension_numbers=GDN((1,), (0,), (0, 1)), slice_sizes=(1, 2)), "index vector has length"),
    (dict(dimension_numbers=GDN((1,), (1,), (0,)), slice_sizes=(1, 2)), "size 1"),
    (dict(dimension_numbers=GDN((1,), (0,), (0,)), slice_sizes=(1, 5)), "do not fit"),
    (dict(dimension_numbers=GDN((1,), (0,), (0,)), slice_sizes=(1,)), "one entry per axis"),
    (dict(dimension_numbers=GDN((0, 1), (0,), (0,)), slice_sizes=(1, 2)), "window dimensions"),
])
def test_gather_rejects_bad_dimension_numbers_with_type_error(bad, match):
    with pytest.raises(TypeError, match=match):
        lax.gather(np.zeros((3, 2)), np.array([[1]]), bad["dimension_numbers"], bad["slice_sizes"])


def test_scatter_rejects_bad_updates_and_indices():
    dn = SDN((), (0,), (0,))
    with pytest.raises(TypeError, match="ScatterDimensionNumbers"):
        lax.scatter_add(np.zeros(3), np.array([[1]]), np.zeros(1), ((), (0,), (0,)))
    with pytest.raises(TypeError, match="GatherDimensionNumbers"):
        lax.gather(np.zeros(3), np.array([[1]]), ((), (0,), (0,)), (1,))
    with pytest.raises(TypeError, match="scatter_add: updates"):
        lax.scatter_add(np.zeros(3), np.array([[1]]), np.zeros(2), dn)
    with pytest.raises(TypeError, match="dtype"):
        lax.scatter_add(np.zeros(3), np.array([[1]]), np.zeros(1, np.float32), dn)
    with pytest.raises(TypeError, match="integer"):
        lax.scatter_mul(np.zeros(3), np.array([[1.0]]), np.zeros(1), dn)


ROWS = SDN(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
INDICES = np.array([[2], [0], [2], [9]])


@pytest.mark.parametrize("name", ["scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min", "scatter_max"])
def test_scatter_family_derivatives_match_finite_differences(name):
    rng = np.random.default_rng(0)
    operand, updates = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    indices = INDICES if name not in ("scatter",) else np.array([[2], [0], [3], [9]])
    f = lambda o, u: getattr(lax, name)(o, indices, u, ROWS)
    check_grads(f, (operand, updates), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("seed", [2, 10, 18, 45])  # cases with batching axes, partial windows and several index columns
def test_gather_and_scatter_derivatives_with_general_dimension_numbers(seed):
    operand, indices, dn, sizes = random_case(seed)
    updates = np.random.default_rng(seed).normal(size=reference_gather(operand, indices, dn, sizes, "clip").shape)
    check_grads(lambda x: lax.gather(x, indices, dn, sizes, mode="fill", fill_value=0.0), (operand,), order=2)
    check_grads(lambda x, u: lax.scatter_add(x, indices, u, scatter_of(dn), mode="clip"), (operand, updates), order=2)
    batched = ft.vmap(lambda x: lax.gather(x, indices, dn, sizes), 1, 1)(np.stack([operand, 2 * operand], 1))
    np.testing.assert_array_equal(batched, np.stack([lax.gather(x, indices, dn, sizes) for x in (operand, 2 * operand)], 1))


def test_gather_derivative_is_a_scatter_add():
    dn = GDN((1,), (0,), (0,))
    x = np.random.default_rng(1).normal(size=(4, 3))
    check_grads(lambda x: lax.gather(x, np.array([[1], [1], [3]]), dn, (1, 2), mode="clip"), (x,), order=2)
    grad = ft.grad(lambda x: lax.gather(x, np.array([[1], [1]]), dn, (1, 3)).sum())(x)
    np.testing.assert_array_equal(grad, [[0, 0, 0], [2, 2, 2], [0, 0, 0], [0, 0, 0]])


def test_scatter_max_splits_ties_evenly_as_jax():
    dn = SDN((), (0,), (0,))
    g = ft.grad(lambda o, u: lax.scatter_max(o, np.array([[1], [1]]), u, dn).sum(), (0, 1))
    go, gu = g(np.arange(3.0), np.array([1.0, 1.0]))
    np.testing.assert_allclose(go, [1, 1 / 3, 1])
    np.testing.assert_allclose(gu, [1 / 3, 1 / 3])
    go, gu = g(np.arange(3.0), np.array([3.0, 3.0]))
    np.testing.assert_allclose(go, [1, 0, 1])
    np.testing.assert_allclose(gu, [0.5, 0.5])


@pytest.mark.slow  # JAX compiles every call
@pytest.mark.parametrize("name", ["scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max"])
def test_scatter_family_gradients_equal_jax(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    # Small integers make ties between the operand and the updates (min / max split them).
    operand = np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 2.0], [0.0, 0.0, 1.0], [2.0, 2.0, 2.0]])
    updates = np.array([[1.0, 3.0, -1.0], [3.0, 2.0, 2.0], [0.5, 2.0, 1.0]])
    indices = np.array([[2], [0], [3]])  # unique: JAX differentiates scatter_mul only then
    dn = SDN((1,), (0,), (0,))
    ours = ft.grad(lambda o, u: (getattr(lax, name)(o, indices, u, dn) ** 2).sum(), (0, 1))(operand, updates)
    theirs = jax.grad(lambda o, u: (getattr(jax.lax, name)(o, indices, u, jax.lax.ScatterDimensionNumbers(*dn),
                                                           unique_indices=True) ** 2).sum(), (0, 1))(operand, updates)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_scatter_add_transpose_is_a_gather():
    dn = SDN((), (0,), (0,))
    _, vjp = ft.vjp(lambda u: lax.scatter_add(np.zeros(4), np.array([[3], [1], [8]]), u, dn), np.zeros(3))
    np.testing.assert_array_equal(vjp(np.array([10.0, 20.0, 30.0, 40.0]))[0], [40.0, 20.0, 0.0])


def test_scatter_apply_applies_once_per_address_and_differentiates():
    dn = SDN((), (0,), (0,))
    x = np.arange(1.0, 5.0)
    out = lax.scatter_apply(x, np.array([[1], [1], [3], [7]]), lax.exp, dn, update_shape=(4,))
    np.testing.assert_allclose(out, [1.0, np.exp(np.exp(2.0)), 3.0, np.exp(4.0)])
    check_grads(lambda x: lax.scatter_apply(x, np.array([[0], [2]]), lambda v: v * v, dn, update_shape=(2,)), (x,), order=2)
    clipped = lax.scatter_apply(x, np.array([[9]]), lambda v: -v, dn, update_shape=(1,), mode="clip")
    np.testing.assert_array_equal(clipped, [1.0, 2.0, 3.0, -4.0])


def test_vmap_of_gather_and_scatter_add_equals_a_loop():
    rng = np.random.default_rng(2)
    dn = GDN((1,), (0,), (0,))
    x, idx = rng.normal(size=(5, 4, 3)), rng.integers(-1, 5, (5, 2, 1))
    f = lambda x, i: lax.gather(x, i, dn, (1, 2), mode="fill")
    np.testing.assert_array_equal(ft.vmap(f)(x, idx), np.stack([f(a, b) for a, b in zip(x, idx)]))
    updates = rng.normal(size=(5, 2, 3))
    g = lambda x, i, u: lax.scatter_add(x, i, u, ROWS)
    np.testing.assert_allclose(ft.vmap(g, (0, 0, 0))(x, idx, updates), np.stack([g(*a) for a in zip(x, idx, updates)]))
    np.testing.assert_allclose(ft.vmap(g, (None, 0, 0))(x[0], idx, updates), np.stack([g(x[0], *a) for a in zip(idx, updates)]))


@pytest.mark.slow  # compiles a program of many functions (about 20 s without the compile cache)
def test_jit_of_the_scatter_family_equals_eager():
    rng = np.random.default_rng(3)
    operand, indices, dn, sizes = random_case(45)  # two batching axes, a partial window
    updates = rng.normal(size=np.shape(reference_gather(operand, indices, dn, sizes, "clip")))

    def program(operand, indices, updates):
        sdn = scatter_of(dn)
        return (lax.gather(operand, indices, dn, sizes, mode="fill"), lax.scatter_add(operand, indices, updates, sdn),
                lax.scatter_max(operand, indices, updates, sdn, mode="clip"), lax.scatter_mul(operand, indices, updates, sdn),
                lax.index_take(operand, [np.array([0, -1])], (0,)))

    for got, want in zip(ft.jit(program)(operand, indices, updates), program(operand, indices, updates)):
        np.testing.assert_array_equal(got, want)
