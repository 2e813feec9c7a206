"""Derivatives of every differentiable ``functrans.numpy`` function, checked by
``check_grads`` (forward mode against central finite differences, reverse mode
against forward mode) to second order in float64, on hypothesis-drawn shapes and
points inside each function's domain (away from kinks and ties); plus JAX's
conventions at non-differentiable points, symbolic zeros, error messages, Python
control flow on concrete primals, and the residuals reverse mode keeps.

Functions under test are called both traced (by jvp/vjp) and on plain NumPy
arrays (for the finite differences), so indexed updates are written
``fnp.at(a)[...]``, which works on both, rather than ``a.at[...]``.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_RANK = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


# --------------------------------------------------------------------------- samplers of points


def uniform(lo, hi):
    return lambda rng, shape: np.asarray(rng.uniform(lo, hi, shape))


def away_from(kinks, lo, hi, margin=0.1):
    """Uniform on ``[lo, hi]`` with points nearer than ``margin`` to a kink pushed out to ``margin``."""
    kinks = np.asarray(kinks, np.float64)

    def sample(rng, shape):
        x = np.asarray(rng.uniform(lo, hi, shape))
        nearest = kinks[np.argmin(np.abs(x[..., None] - kinks), axis=-1)]
        pushed = nearest + np.where(x >= nearest, margin, -margin)
        return np.where(np.abs(x - nearest) < margin, pushed, x)

    return sample


def distinct(rng, shape):
    """Values at least 0.2 apart in a random order (no ties for max, min, sort-like kinks)."""
    n = int(np.prod(shape, dtype=np.int64))
    grid = (np.arange(n) - n / 2) * 0.25 + rng.uniform(-0.02, 0.02, n)
    return rng.permutation(grid).reshape(shape)


def distinct_magnitudes(rng, shape):
    """Values of random signs whose magnitudes are at least 0.3 and 0.25 apart (no kinks of
    abs, no ties among magnitudes)."""
    n = int(np.prod(shape, dtype=np.int64))
    magnitudes = 0.3 + rng.permutation(n) * 0.25 + rng.uniform(-0.02, 0.02, n)
    return (magnitudes * rng.choice([-1.0, 1.0], n)).reshape(shape)


def on_grid(offset):
    """Multiples of 0.5 plus ``offset`` (and a little noise): two grids with offsets 0 and
    0.25 never come closer than 0.15, so maximum/minimum of their points has no ties."""
    return lambda rng, shape: np.asarray(rng.integers(-4, 5, shape) * 0.5 + offset + rng.uniform(-0.05, 0.05, shape))


NONZERO = away_from([0.0], -2.0, 2.0, margin=0.3)


# --------------------------------------------------------------------------- elementwise, unary

UNARY = {
    "exp": (fnp.exp, uniform(-2, 2)),
    "exp2": (fnp.exp2, uniform(-2, 2)),
    "expm1": (fnp.expm1, uniform(-2, 2)),
    "log": (fnp.log, uniform(0.2, 3)),
    "log1p": (fnp.log1p, uniform(-0.7, 2)),
    "log2": (fnp.log2, uniform(0.2, 3)),
    "log10": (fnp.log10, uniform(0.2, 3)),
    "sqrt": (fnp.sqrt, uniform(0.2, 3)),
    "cbrt": (fnp.cbrt, away_from([0.0], -3, 3, margin=0.3)),
    "reciprocal": (fnp.reciprocal, NONZERO),
    "sin": (fnp.sin, uniform(-3, 3)),
    "cos": (fnp.cos, uniform(-3, 3)),
    "tan": (fnp.tan, uniform(-1.2, 1.2)),
    "arcsin": (fnp.arcsin, uniform(-0.85, 0.85)),
    "arccos": (fnp.arccos, uniform(-0.85, 0.85)),
    "arctan": (fnp.arctan, uniform(-3, 3)),
    "sinh": (fnp.sinh, uniform(-2, 2)),
    "cosh": (fnp.cosh, uniform(-2, 2)),
    "tanh": (fnp.tanh, uniform(-2, 2)),
    "arcsinh": (fnp.arcsinh, uniform(-3, 3)),
    "arccosh": (fnp.arccosh, uniform(1.2, 3)),
    "arctanh": (fnp.arctanh, uniform(-0.85, 0.85)),
    "square": (fnp.square, uniform(-2, 2)),
    "negative": (fnp.negative, uniform(-2, 2)),
    "positive": (lambda x: fnp.positive(x) * x, uniform(-2, 2)),
    "abs": (fnp.abs, NONZERO),
    "absolute_squared": (lambda x: fnp.absolute(x) * x, NONZERO),
    "sign_times_exp": (lambda x: fnp.sign(x) * fnp.exp(x), NONZERO),
    "floor_times_x": (lambda x: fnp.floor(x) * x, away_from(np.arange(-3, 4), -2.5, 2.5)),
    "ceil_times_x": (lambda x: fnp.ceil(x) * x, away_from(np.arange(-3, 4), -2.5, 2.5)),
    "round_times_x": (lambda x: fnp.round(x) * x, away_from(np.arange(-3, 3) + 0.5, -2.5, 2.5)),
    "round_decimals": (lambda x: fnp.round(x, 1) + x**2, away_from(np.arange(-30, 30) / 10 + 0.05, -2.5, 2.5, margin=0.02)),
    "power_int": (lambda x: fnp.power(x, 3), uniform(-2, 2)),
    "power_negative_int": (lambda x: x**-2, NONZERO),
    "power_float": (lambda x: x**2.5, uniform(0.2, 2)),
    "power_of_constant_base": (lambda x: 2.0**x, uniform(-2, 2)),
    "mod": (lambda x: fnp.mod(x, 1.5), away_from(np.arange(-3, 4) * 1.5, -4, 4)),
    "floor_divide_times_x": (lambda x: fnp.floor_divide(x, 1.5) * x, away_from(np.arange(-3, 4) * 1.5, -4, 4)),
    "clip": (lambda x: fnp.clip(x, -0.5, 0.7), away_from([-0.5, 0.7], -2, 2)),
    "where_on_sign": (lambda x: fnp.where(x > 0, fnp.sin(x), x**2), NONZERO),
    "logaddexp_with_zero": (lambda x: fnp.logaddexp(x, 0.0), uniform(-3, 3)),
    "hypot_with_constant": (lambda x: fnp.hypot(x, 1.5), uniform(-2, 2)),
    "arctan2_with_constant": (lambda x: fnp.arctan2(x, 0.7), uniform(-2, 2)),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=10, deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_unary_function_derivatives_match_finite_differences(name, shape, seed):
    fn, sample = UNARY[name]
    check_grads(fn, (sample(np.random.default_rng(seed), shape),), order=2)


# --------------------------------------------------------------------------- elementwise, binary (broadcasting)

BINARY = {
    "add": (fnp.add, uniform(-2, 2), uniform(-2, 2)),
    "subtract": (fnp.subtract, uniform(-2, 2), uniform(-2, 2)),
    "multiply": (fnp.multiply, uniform(-2, 2), uniform(-2, 2)),
    "divide": (fnp.divide, uniform(-2, 2), NONZERO),
    "power": (fnp.power, uniform(0.3, 2), uniform(-2, 2)),
    "arctan2": (fnp.arctan2, NONZERO, NONZERO),
    "hypot": (fnp.hypot, NONZERO, NONZERO),
    "logaddexp": (fnp.logaddexp, uniform(-3, 3), uniform(-3, 3)),
    "maximum": (fnp.maximum, on_grid(0.0), on_grid(0.25)),
    "minimum": (fnp.minimum, on_grid(0.0), on_grid(0.25)),
    "clip_to_array_bounds": (lambda x, lo: fnp.clip(x, lo, lo + 1.0), on_grid(0.0), on_grid(0.25)),
    "where_on_traced_condition": (lambda x, y: fnp.where(x > 0, x * y, y**2), NONZERO, uniform(-2, 2)),
    "tracer_operators": (lambda x, y: (x + y) * x / y - y**2 + (-x) ** 3, uniform(0.5, 2), uniform(0.5, 2)),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=15, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=SEEDS)
def test_broadcasting_binary_function_derivatives_match_finite_differences(name, shapes, seed):
    fn, sample_x, sample_y = BINARY[name]
    rng = np.random.default_rng(seed)
    x_shape, y_shape = shapes.input_shapes
    check_grads(fn, (sample_x(rng, x_shape), sample_y(rng, y_shape)), order=2)


# --------------------------------------------------------------------------- reductions

REDUCTIONS = {
    "sum": (fnp.sum, uniform(-2, 2)),
    "mean": (fnp.mean, uniform(-2, 2)),
    "prod": (fnp.prod, uniform(-1.5, 1.5)),
    "max": (fnp.max, distinct),
    "min": (fnp.min, distinct),
    "amax": (fnp.amax, distinct),
    "amin": (fnp.amin, distinct),
    "var": (fnp.var, uniform(-2, 2)),
    "std": (fnp.std, distinct),
}


def _axis_combinations(ndim):
    return [axes for k in range(ndim + 1) for axes in itertools.combinations(range(ndim), k)]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@settings(max_examples=6, deadline=None)
@given(shape=NONEMPTY_RANK, seed=SEEDS)
def test_reduction_derivatives_over_every_axis_combination(name, shape, seed):
    reduce, sample = REDUCTIONS[name]
    x = sample(np.random.default_rng(seed), shape)
    for axes in _axis_combinations(len(shape)) + [None, -1]:
        if name == "std" and np.sum(x, axis=axes).size * 2 > x.size:
            continue  # some std would be of a single value: sqrt(0), a kink
        for keepdims in (False, True):
            check_grads(lambda a: reduce(a, axis=axes, keepdims=keepdims), (x,), order=2)


def test_var_and_std_with_ddof_derivatives_match_finite_differences():
    x = distinct(np.random.default_rng(0), (3, 4))
    for axis in (None, 0, 1):
        check_grads(lambda a: fnp.var(a, axis=axis, ddof=1), (x,), order=2)
        check_grads(lambda a: fnp.std(a, axis=axis, ddof=1), (x,), order=2)


@pytest.mark.parametrize("cumulative", [fnp.cumsum, fnp.cumprod], ids=["cumsum", "cumprod"])
@settings(max_examples=10, deadline=None)
@given(shape=NONEMPTY_RANK, seed=SEEDS, with_zeros=st.booleans())
def test_cumulative_derivatives_along_every_axis(cumulative, shape, seed, with_zeros):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, shape)
    if with_zeros:  # products through zeros have exact, finite derivatives
        x = np.where(rng.random(shape) < 0.3, 0.0, x)
    for axis in [None] + list(range(-len(shape), len(shape))):
        check_grads(lambda a: cumulative(a, axis=axis), (x,), order=2)


def _products_of_others(x):
    """d prod(x) / dx_k by a Python loop: the product of every other element."""
    flat = x.ravel()
    return np.array([np.prod(np.delete(flat, k)) for k in range(flat.size)]).reshape(x.shape)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 6), seed=SEEDS, zeros=st.integers(0, 3))
def test_prod_gradient_and_hessian_are_exact_at_zeros(n, seed, zeros):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    x[rng.permutation(n)[: min(zeros, n)]] = 0.0
    np.testing.assert_allclose(ft.grad(fnp.prod)(x), _products_of_others(x), rtol=1e-12, atol=1e-12)
    expected_hessian = np.array(
        [[0.0 if j == k else np.prod(np.delete(x, [j, k])) for k in range(n)] for j in range(n)]
    )
    np.testing.assert_allclose(ft.hessian(fnp.prod)(x), expected_hessian, rtol=1e-12, atol=1e-12)
    # cumprod's last entry is prod: its gradient too is exact through zeros.
    np.testing.assert_allclose(ft.grad(lambda a: fnp.cumprod(a)[-1])(x), _products_of_others(x), rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- norms


@settings(max_examples=10, deadline=None)
@given(shape=NONEMPTY_RANK, seed=SEEDS, ord=st.sampled_from([None, 1, 2, 3, 0.5, np.inf, -np.inf]))
def test_vector_norm_derivatives_along_each_axis(shape, seed, ord):
    x = distinct_magnitudes(np.random.default_rng(seed), shape)
    axes = [None, 0] if len(shape) == 1 else list(range(len(shape)))  # None on a matrix is a matrix norm
    for axis in axes:
        for keepdims in (False, True):
            check_grads(lambda a: fnp.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims), (x,), order=2)


@settings(max_examples=10, deadline=None)
@given(rows=st.integers(1, 4), cols=st.integers(1, 4), seed=SEEDS, ord=st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf]))
def test_matrix_norm_derivatives(rows, cols, seed, ord):
    rng = np.random.default_rng(seed)
    # Magnitudes in [0.5, 1] scaled by 3**(i + j) at row i, column j: neighbouring absolute
    # row (and column) sums differ by a factor above 1.5, so their max/min has no ties.
    scale = 3.0 ** np.add.outer(np.arange(rows), np.arange(cols))
    x = rng.uniform(0.5, 1.0, (rows, cols)) * scale * rng.choice([-1.0, 1.0], (rows, cols))
    check_grads(lambda a: fnp.linalg.norm(a, ord=ord), (x,), order=2)
    check_grads(lambda a: fnp.linalg.norm(a[None], ord=ord, axis=(1, 2), keepdims=True), (x,), order=2)


# --------------------------------------------------------------------------- shape functions


def _draw_array(data, shape, sample=uniform(-2, 2)):
    return sample(np.random.default_rng(data.draw(SEEDS)), shape)


def _reshape(data):
    shape = data.draw(NONEMPTY_RANK)
    return (lambda a: fnp.reshape(a, shape[::-1]) + fnp.reshape(a, (-1,)).sum()), (_draw_array(data, shape),)


def _transpose(data):
    shape = data.draw(SHAPES)
    perm = data.draw(st.permutations(range(len(shape))))
    return (lambda a: (fnp.transpose(a, perm), fnp.transpose(a), fnp.ravel(a))), (_draw_array(data, shape),)


def _swap_and_move_axes(data):
    shape = data.draw(NONEMPTY_RANK)
    i, j = data.draw(st.integers(-len(shape), len(shape) - 1)), data.draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda a: (fnp.swapaxes(a, i, j), fnp.moveaxis(a, i, j))), (_draw_array(data, shape),)


def _expand_and_squeeze(data):
    shape = data.draw(SHAPES)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return (lambda a: (fnp.squeeze(fnp.expand_dims(a, axis) * 2.0), fnp.squeeze(fnp.expand_dims(a, axis), axis))), (_draw_array(data, shape),)


def _broadcast_to(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3))
    return (lambda a: fnp.broadcast_to(a, shapes.result_shape) ** 2), (_draw_array(data, shapes.input_shapes[0]),)


def _concatenate_and_stack(data):
    shape = data.draw(NONEMPTY_RANK)
    axis = data.draw(st.integers(0, len(shape) - 1))
    other = tuple(d + 1 if k == axis else d for k, d in enumerate(shape))
    args = (_draw_array(data, shape), _draw_array(data, other), _draw_array(data, shape))

    def f(a, b, c):
        return fnp.concatenate([a, b, c], axis=axis), fnp.stack([a, c * 2.0], axis=axis - 1), fnp.concatenate([a, b], axis=None)

    return f, args


def _hstack_vstack(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    return (lambda a, b: (fnp.hstack([a, b]), fnp.vstack([a, b * b]))), (_draw_array(data, shape), _draw_array(data, shape))


def _split(data):
    shape = data.draw(NONEMPTY_RANK)
    axis = data.draw(st.integers(0, len(shape) - 1))
    cuts = sorted(data.draw(st.lists(st.integers(0, shape[axis]), max_size=3)))
    return (lambda a: [p * (k + 1) for k, p in enumerate(fnp.split(a, cuts, axis=axis))] + fnp.split(a, 1, axis=axis)), (_draw_array(data, shape),)


def _tile_and_repeat(data):
    shape = data.draw(SHAPES)
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    repeats = data.draw(st.integers(0, 3))
    if not shape:
        return (lambda a: (fnp.tile(a, reps), fnp.repeat(a, repeats))), (_draw_array(data, shape),)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[axis], max_size=shape[axis]))
    return (lambda a: (fnp.tile(a, reps), fnp.repeat(a, repeats, axis=axis), fnp.repeat(a, counts, axis=axis))), (_draw_array(data, shape),)


def _flip_and_roll(data):
    shape = data.draw(NONEMPTY_RANK)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    shift = data.draw(st.integers(-5, 5))
    return (lambda a: (fnp.flip(a), fnp.flip(a, axis), fnp.roll(a, shift), fnp.roll(a, shift, axis))), (_draw_array(data, shape),)


def _pad(data):
    shape = data.draw(SHAPES)
    widths = [tuple(data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=2))) for _ in shape]
    return (lambda a, c: fnp.pad(a, widths, constant_values=c) * 3.0), (_draw_array(data, shape), _draw_array(data, ()))


def _diag_family(data):
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    k = data.draw(st.integers(-2, 2))

    def f(v, a, b):
        return fnp.diag(v, k), fnp.diag(a, k), fnp.diagonal(b, k, 2, 0), fnp.trace(a, k), fnp.trace(b, 0, 1, 2)

    return f, (_draw_array(data, (n,)), _draw_array(data, (n, m)), _draw_array(data, (n, 2, m)))


def _tril_triu(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, max_side=4))
    k = data.draw(st.integers(-2, 2))
    return (lambda a: (fnp.tril(a, k), fnp.triu(a, k), fnp.tril(a) * fnp.triu(a))), (_draw_array(data, shape),)


def _linspace(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    num = data.draw(st.integers(1, 5))
    endpoint = data.draw(st.booleans())
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))

    def f(start, stop):
        return fnp.linspace(start, stop, num, endpoint=endpoint, axis=axis) ** 2

    return f, (_draw_array(data, shape), _draw_array(data, shape))


SHAPE_CASES = {f.__name__.strip("_"): f for f in (
    _reshape, _transpose, _swap_and_move_axes, _expand_and_squeeze, _broadcast_to, _concatenate_and_stack,
    _hstack_vstack, _split, _tile_and_repeat, _flip_and_roll, _pad, _diag_family, _tril_triu, _linspace,
)}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_shape_function_derivatives_match_finite_differences(name, data):
    fn, args = SHAPE_CASES[name](data)
    check_grads(fn, args, order=2)


# --------------------------------------------------------------------------- indexing

READ_INDICES = [
    1, -1, (slice(None), 2), (Ellipsis, -2), slice(None, None, -1), (slice(2, 0, -1), slice(None, None, 2)),
    (None, 1, Ellipsis, None), np.array([0, 2, 2, -1]), (np.array([[0, 1], [2, 2]]), slice(1, 3)),
    (np.array([1, 0]), slice(None), np.array([4, -1])), (slice(None), np.array([3, 3, 0])),
    np.array([True, False, True]), (1, np.array([0, 3]), 2), (Ellipsis, np.array([1, -5])),
]


@pytest.mark.parametrize("index", READ_INDICES, ids=repr)
@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_getitem_derivatives_match_finite_differences(index, seed):
    x = uniform(-2, 2)(np.random.default_rng(seed), (3, 4, 5))
    check_grads(lambda a: fnp.getitem(a, index) ** 2, (x,), order=2)


def test_getitem_with_a_traced_integer_index_differentiates_the_element_read():
    x = np.array([0.5, -1.0, 3.0, 2.0])
    expected = np.array([0.0, 0.0, 6.0, 0.0])  # d/dx of x[argmax(x)]**2
    np.testing.assert_allclose(ft.grad(lambda a: a[fnp.argmax(a)] ** 2)(x), expected)
    check_grads(lambda a: a[fnp.argmax(a)] * a[fnp.argmin(a)], (x,), order=2)


@settings(max_examples=15, deadline=None)
@given(shape=NONEMPTY_RANK, seed=SEEDS, data=st.data())
def test_take_and_take_along_axis_derivatives_match_finite_differences(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    # Repeated, negative and (for take) out-of-range indices, which are clamped.
    indices = rng.integers(-n, n + 2, size=data.draw(st.integers(0, 4)))
    along = rng.integers(-n, n, size=tuple(2 if k == axis % len(shape) else d for k, d in enumerate(shape)))

    def f(a):
        return fnp.take(a, indices, axis=axis), fnp.take(a, indices), fnp.take_along_axis(a, along, axis=axis) ** 2

    check_grads(f, (x,), order=2)


REPEATED = [np.array([0, 2, 0]), (np.array([1, 1]), np.array([3, 3]))]
DISTINCT = [1, (slice(None), 2), np.array([1, 5, -1]), (Ellipsis, slice(1, 3))]  # 5 is out of range: dropped
UPDATE_CASES = [(index, kind) for kind in ("set", "add", "multiply", "min", "max") for index in DISTINCT + REPEATED]


@pytest.mark.slow
@pytest.mark.parametrize("index, kind", UPDATE_CASES, ids=repr)
@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_indexed_update_derivatives_match_finite_differences(index, kind, seed):
    rng = np.random.default_rng(seed)
    x = on_grid(0.0)(rng, (3, 4))
    shape = fnp.getitem(np.zeros((3, 4)), index).shape
    n = int(np.prod(shape, dtype=np.int64))
    # Half-integers 0.5 apart against x's grid of multiples of 0.5: no min/max ties.
    values = (rng.permutation(n) * 0.5 + 0.25 - n / 4 + rng.uniform(-0.02, 0.02, n)).reshape(shape)
    check_grads(lambda a, v: getattr(fnp.at(a)[index], kind)(v) * 2.0, (x, values), order=2)


def test_indexed_multiply_with_repeated_indices_differentiates_each_factor():
    # out[0] = x[0] * v0 * v1 * v2: each factor's derivative is the product of the others,
    # also when some factor is zero (first order).
    x = np.array([2.0, 5.0])
    f = lambda a, v: fnp.sum(fnp.at(a)[np.array([0, 0, 1, 0])].multiply(v))
    for v in (np.array([3.0, -1.5, 4.0, 0.5]), np.array([3.0, 0.0, 4.0, 0.5]), np.array([0.0, 0.0, 4.0, 0.5])):
        gx, gv = ft.grad(f, argnums=(0, 1))(x, v)
        factors = v[[0, 1, 3]]
        others = [np.prod(np.delete(factors, k)) for k in range(3)]
        np.testing.assert_allclose(gx, [np.prod(factors), v[2]])
        np.testing.assert_allclose(gv, [x[0] * others[0], x[0] * others[1], x[1], x[0] * others[2]])


def test_indexed_set_with_repeated_indices_sends_cotangent_only_to_the_value_that_lands():
    # With repeated indices one write lands (the last, for the NumPy impl); the others
    # do not reach the output, so their cotangent is zero.
    x = np.zeros(3)
    weights = np.array([1.0, 10.0, 100.0])
    grad_values = ft.grad(lambda v: fnp.sum(fnp.at(x)[np.array([0, 0, 2, 0])].set(v) * weights))(np.ones(4))
    out = np.full(3, -1.0)
    out[np.array([0, 0, 2, 0])] = np.arange(4.0)  # which value NumPy keeps per position
    landed = np.isin(np.arange(4.0), out)
    np.testing.assert_allclose(grad_values, np.where(landed, weights[[0, 0, 2, 0]], 0.0))


# --------------------------------------------------------------------------- products


PRODUCTS = {
    "dot_matrix_vector": (fnp.dot, [(3, 2), (2,)]),
    "dot_nd": (fnp.dot, [(2, 3, 2), (1, 2, 3)]),
    "dot_scalar": (fnp.dot, [(), (2, 3)]),
    "matmul_batched_broadcast": (fnp.matmul, [(2, 1, 3, 2), (3, 2, 1)]),
    "matmul_vector_matrix": (fnp.matmul, [(3,), (2, 3, 2)]),
    "matmul_operator": (lambda a, b: a @ b.T, [(2, 3), (4, 3)]),
    "vdot": (fnp.vdot, [(2, 3), (3, 2)]),
    "inner": (fnp.inner, [(2, 3), (4, 3)]),
    "outer": (fnp.outer, [(3,), (2, 2)]),
    "tensordot_int": (fnp.tensordot, [(2, 3, 4), (3, 4, 2)]),
    "tensordot_axes": (lambda a, b: fnp.tensordot(a, b, axes=([2, 0], [0, 1])), [(2, 3, 4), (4, 2, 3)]),
    "einsum_chain": (lambda a, b, c: fnp.einsum("ij,jk,kl->li", a, b, c), [(2, 3), (3, 4), (4, 2)]),
    "einsum_batch": (lambda a, b: fnp.einsum("bij,bjk->bki", a, b), [(2, 3, 4), (2, 4, 3)]),
    "einsum_sum_out": (lambda a, b: fnp.einsum("ijk,jl->l", a, b), [(2, 3, 4), (3, 2)]),
    "einsum_implicit": (lambda a, b: fnp.einsum("ij,jk", a, b), [(2, 3), (3, 4)]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PRODUCTS))
@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_product_derivatives_match_finite_differences(name, seed):
    fn, shapes = PRODUCTS[name]
    rng = np.random.default_rng(seed)
    check_grads(fn, [rng.uniform(-2, 2, s) for s in shapes], order=2)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), batch=st.integers(1, 3), seed=SEEDS)
def test_matmul_derivatives_on_drawn_sizes(n, k, m, batch, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-2, 2, (batch, n, k)), rng.uniform(-2, 2, (k, m))
    check_grads(lambda a, b: fnp.tanh(a @ b), (a, b), order=2)


# --------------------------------------------------------------------------- non-differentiable points (JAX's conventions)


def test_abs_has_derivative_one_at_zero_as_in_jax():
    # Documented at abs's jvp rule (functrans/lax/elementwise.py): the derivative at the kink is taken from the right.
    assert ft.grad(fnp.abs)(0.0) == 1.0
    assert ft.grad(fnp.abs)(-0.0) == 1.0
    np.testing.assert_array_equal(ft.grad(lambda x: fnp.sum(fnp.abs(x)))(np.array([-2.0, 0.0, 3.0])), [-1.0, 1.0, 1.0])
    assert ft.grad(ft.grad(fnp.abs))(0.0) == 0.0


def test_maximum_and_minimum_split_the_gradient_evenly_at_ties():
    for op in (fnp.maximum, fnp.minimum):
        assert ft.grad(op, argnums=(0, 1))(1.5, 1.5) == (0.5, 0.5)
        x = np.array([1.0, 2.0, 3.0])
        gx, gy = ft.grad(lambda a, b: fnp.sum(op(a, b)), argnums=(0, 1))(x, np.array([1.0, 0.0, 5.0]))
        np.testing.assert_array_equal(gx, [0.5, op is fnp.maximum, op is fnp.minimum])
        np.testing.assert_array_equal(gx + gy, [1.0, 1.0, 1.0])
    # clip at a bound is a maximum/minimum tie.
    assert ft.grad(lambda x: fnp.clip(x, 0.0, 1.0))(1.0) == 0.5


def test_max_and_min_reductions_share_the_gradient_among_tied_positions():
    x = np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 2.0]])
    np.testing.assert_array_equal(ft.grad(fnp.max)(x), [[0.5, 0, 0.5], [0, 0, 0]])
    np.testing.assert_array_equal(ft.grad(lambda a: fnp.sum(fnp.min(a, axis=0)))(x), [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(ft.grad(lambda a: fnp.sum(fnp.max(a, axis=1)))(x), [[0.5, 0, 0.5], [0, 0.5, 0.5]])


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(x=st.floats(-3, 3), flip=st.booleans())
def test_smooth_functions_built_from_kinked_pieces_are_exact_where_the_pieces_tie(x, flip):
    # logaddexp takes a max and an |x - y|, hypot a max and a min of |x|, |y|: at the ties
    # the kinks must cancel, to every order. Closed forms: logaddexp's Hessian is
    # s (1 - s) [[1, -1], [-1, 1]] with s = sigmoid(x - y); hypot's is (I - n n^T) / r.
    point = np.array([x, x])
    logaddexp = lambda v: fnp.logaddexp(v[0], v[1])
    np.testing.assert_allclose(ft.grad(logaddexp)(point), [0.5, 0.5], rtol=1e-14)
    np.testing.assert_allclose(ft.hessian(logaddexp)(point), 0.25 * np.array([[1, -1], [-1, 1]]), rtol=1e-14)
    check_grads(fnp.logaddexp, (point[:1], point[1:]), order=3)
    point = np.array([x, -x if flip else x])
    if abs(x) < 0.1:
        return  # hypot has a genuine cone point at the origin
    r, n = np.hypot(*point), point / np.hypot(*point)
    hypot = lambda v: fnp.hypot(v[0], v[1])
    np.testing.assert_allclose(ft.grad(hypot)(point), n, rtol=1e-14)
    np.testing.assert_allclose(ft.hessian(hypot)(point), (np.eye(2) - np.outer(n, n)) / r, rtol=1e-12, atol=1e-14)
    check_grads(fnp.hypot, (point[:1], point[1:]), order=3)


def test_reductions_of_empty_arrays_have_empty_or_zero_derivatives():
    for shape, axis in [((0, 3), None), ((0, 3), 0), ((2, 0), 1), ((2, 0), 0)]:
        x = np.ones(shape)
        for reduce in (fnp.sum, fnp.prod, fnp.cumsum, fnp.cumprod):
            f = lambda a: reduce(a, axis=axis)
            out = f(x)
            jac = ft.jacrev(f)(x)
            assert jac.shape == np.shape(out) + shape and not jac.any()
            np.testing.assert_array_equal(ft.jacfwd(f)(x), jac)
            check_grads(f, (x,), order=2)


@pytest.mark.parametrize("fn", [fnp.sign, fnp.floor, fnp.ceil, fnp.round, lambda x: fnp.round(x, 2)], ids=["sign", "floor", "ceil", "round", "round2"])
def test_piecewise_constant_functions_have_zero_derivative(fn):
    x = np.array([-1.5, -0.0, 0.0, 0.25, 2.5, 3.0])
    np.testing.assert_array_equal(ft.grad(lambda a: fnp.sum(fn(a)))(x), np.zeros(6))
    _, tangent = ft.jvp(fn, (x,), (np.ones(6),))
    np.testing.assert_array_equal(tangent, np.zeros(6))
    assert tangent.dtype == np.float64


def test_integer_intermediate_values_carry_zero_tangents():
    x = np.array([1.5, 2.7, -0.4])
    truncated = (x * 3).astype(np.int64)  # the reference, computed by NumPy
    f = lambda a: fnp.sum(fnp.astype(a * 3, np.int64) * a)
    np.testing.assert_allclose(ft.grad(f)(x), truncated)
    _, tangent = ft.jvp(lambda a: fnp.astype(fnp.astype(a, np.int32), np.float64), (x,), (np.ones(3),))
    np.testing.assert_array_equal(tangent, np.zeros(3))
    # Comparisons and argmax are integer/boolean valued too.
    np.testing.assert_array_equal(ft.grad(lambda a: fnp.sum(fnp.astype(a > 0, np.float64) * a))(x), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(ft.grad(lambda a: fnp.astype(fnp.argmax(a), np.float64) * fnp.sum(a))(x), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("transform", [ft.grad, ft.value_and_grad, ft.jacrev, ft.jacfwd, ft.hessian])
def test_differentiating_with_respect_to_an_integer_argument_raises_a_clear_type_error(transform):
    with pytest.raises(TypeError, match="int64"):
        transform(lambda x: x * 2.0)(3)
    with pytest.raises(TypeError, match="argument 1|int64"):
        transform(lambda x, n: fnp.sum(x * n), argnums=(0, 1))(np.ones(2), np.arange(2))


def test_integer_arguments_not_differentiated_are_fine():
    assert ft.grad(lambda x, n: x**n)(2.0, 3) == 12.0
    out, tangent = ft.jvp(lambda x, n: x * n, (2.0, 3), (1.0, 0))
    assert (out, tangent) == (6.0, 3.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_ignored_argument_gets_zeros_of_its_shape_and_dtype(dtype):
    x, unused = np.ones(3), np.ones((2, 2), dtype)
    f = lambda a, b: fnp.sum(fnp.sin(a))
    gx, gu = ft.grad(f, argnums=(0, 1))(x, unused)
    np.testing.assert_allclose(gx, np.cos(1.0) * np.ones(3))
    assert gu.shape == (2, 2) and gu.dtype == dtype and not gu.any()
    (_, pullback) = ft.vjp(lambda a, b: fnp.sin(a), x, unused)
    _, gu = pullback(np.ones(3))
    assert gu.shape == (2, 2) and gu.dtype == dtype and not gu.any()
    jac = ft.jacrev(lambda a, b: fnp.sin(a), argnums=1)(x, unused)
    assert jac.shape == (3, 2, 2) and jac.dtype == dtype and not jac.any()
    # An output that does not depend on the input has a zero tangent of the output's type.
    _, tangent = ft.jvp(lambda a: (a, np.ones(2, np.float32)), (x,), (x,))
    assert tangent[1].dtype == np.float32 and not tangent[1].any()


def test_a_symbolically_zero_gradient_costs_one_fill_in_the_jaxpr():
    jaxpr = ft.make_jaxpr(ft.grad(lambda a, b: fnp.sum(fnp.sin(a)), argnums=(0, 1)))(np.ones(3), np.ones((2, 2), np.float32))
    names = [eqn.primitive.name for eqn in jaxpr.jaxpr.eqns]
    b_var = jaxpr.jaxpr.invars[1]
    assert all(b_var not in eqn.inputs for eqn in jaxpr.jaxpr.eqns), str(jaxpr)
    assert "sin" not in names and names.count("cos") == 1, str(jaxpr)


# --------------------------------------------------------------------------- error paths


def test_grad_of_a_non_scalar_output_names_the_shape():
    with pytest.raises(TypeError, match=r"scalar.*\(3,\)"):
        ft.grad(lambda x: x * 2.0)(np.ones(3))
    with pytest.raises(TypeError, match="scalar"):
        ft.grad(lambda x: (x, x))(1.0)


def test_grad_of_an_integer_output_names_the_dtype():
    with pytest.raises(TypeError, match="int64"):
        ft.grad(lambda x: fnp.astype(x, np.int64))(1.0)
    with pytest.raises(TypeError, match="bool"):
        ft.grad(lambda x: x > 0)(1.0)


def test_jvp_rejects_tangents_of_the_wrong_shape_dtype_or_structure():
    f = lambda x: x * 2.0
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        ft.jvp(f, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="float32.*float64"):
        ft.jvp(f, (np.ones(3),), (np.ones(3, np.float32),))
    with pytest.raises(TypeError, match="int64"):
        ft.jvp(f, (np.ones(3),), (np.ones(3, np.int64),))
    with pytest.raises(ValueError, match="structure"):
        ft.jvp(f, (np.ones(3),), (np.ones(3), np.ones(3)))
    with pytest.raises(TypeError, match="tuples"):
        ft.jvp(f, np.ones(3), np.ones(3))
    _, f_jvp = ft.linearize(f, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        f_jvp(np.ones(4))


def test_vjp_function_rejects_cotangents_of_the_wrong_shape_dtype_or_structure():
    _, pullback = ft.vjp(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        pullback(np.ones(2))
    with pytest.raises(TypeError, match="float32.*float64"):
        pullback(np.ones(3, np.float32))
    _, pullback = ft.vjp(lambda x: (x * 2.0, {"y": x}), np.ones(3))
    with pytest.raises(ValueError, match="structure"):
        pullback(np.ones(3))
    with pytest.raises(ValueError, match="structure"):
        pullback((np.ones(3), {"z": np.ones(3)}))
    with pytest.raises(ValueError, match="structure"):
        pullback([np.ones(3), {"y": np.ones(3)}])


def test_an_escaped_tracer_raises_unexpected_tracer_error():
    leaked = []

    def leak(x):
        leaked.append(x)
        return x * 2.0

    ft.grad(leak)(1.0)
    ft.jvp(leak, (np.ones(2),), (np.ones(2),))
    for tracer in leaked:
        with pytest.raises(ft.UnexpectedTracerError, match="after that transformation ended"):
            tracer + 1.0
        with pytest.raises(ft.UnexpectedTracerError):
            fnp.sin(tracer)
        with pytest.raises(ft.UnexpectedTracerError):
            ft.grad(lambda y: fnp.sum(tracer * y))(1.0)


@pytest.mark.parametrize("returned", [lambda x: x * 2.0, lambda x: (x, 1.0, 2.0), lambda x: [x]])
@pytest.mark.parametrize("transform", [ft.grad, ft.value_and_grad, ft.jacfwd, ft.jacrev])
def test_has_aux_with_a_function_not_returning_a_pair_raises(transform, returned):
    with pytest.raises(TypeError, match="pair"):
        transform(returned, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="pair"):
        ft.vjp(returned, 1.0, has_aux=True)


# --------------------------------------------------------------------------- Python control flow on concrete primals


def test_python_control_flow_on_the_concrete_primal_inside_grad():
    f = lambda x: x if x > 0 else -x
    assert ft.grad(f)(2.0) == 1.0
    assert ft.grad(f)(-2.0) == -1.0

    def halve_until_small(x):  # a data-dependent loop count
        while x > 1.0:
            x = x / 2.0
        return x * x

    # 5.0 is halved 3 times: f(x) = (x/8)**2, f' = x/32, f'' = 1/32.
    np.testing.assert_allclose(ft.grad(halve_until_small)(5.0), 5.0 / 32)
    np.testing.assert_allclose(ft.grad(ft.grad(halve_until_small))(5.0), 1.0 / 32)
    np.testing.assert_allclose(ft.jvp(halve_until_small, (5.0,), (1.0,))[1], 5.0 / 32)
    assert ft.grad(lambda x: x ** int(x))(3.0) == 27.0  # int() of a concrete primal


def test_control_flow_on_a_staged_value_raises_a_concretization_error_naming_the_fix():
    with pytest.raises(ft.ConcretizationError, match="lax.cond"):
        ft.make_jaxpr(ft.grad(lambda x: x if x > 0 else -x))(2.0)


# --------------------------------------------------------------------------- residuals


def _mlp_loss(params, x):
    h = x
    for w in params:
        h = fnp.tanh(h @ w)
    return fnp.sum(h**2)


def test_reverse_mode_of_an_mlp_runs_the_forward_pass_once():
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s) for s in [(4, 5), (5, 5), (5, 2)]]
    x = rng.standard_normal((3, 4))
    for argnums, backward_dots in [(0, 3 + 2), ((0, 1), 3 + 3)]:
        jaxpr = ft.make_jaxpr(ft.grad(_mlp_loss, argnums=argnums))(params, x)
        names = [eqn.primitive.name for eqn in jaxpr.jaxpr.eqns]
        # Forward: one tanh and one dot per layer, never recomputed. Backward: a weight
        # cotangent per layer and an activation cotangent per layer below the top.
        assert names.count("tanh") == 3, str(jaxpr)
        assert names.count("dot_general") == 3 + backward_dots, str(jaxpr)
    grads = ft.grad(_mlp_loss)(params, x)
    check_grads(lambda *ws: _mlp_loss(ws, x), params, order=2)
    assert [g.shape for g in grads] == [w.shape for w in params]
