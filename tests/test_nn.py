"""functrans.nn and functrans.scipy.special against NumPy/SciPy references, including extreme
inputs (logits of +-1000: no overflow, no nan), derivatives checked to second order, the
derivative conventions at kinks, and the initializers' variances."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import scipy.special as ss
import scipy.stats
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import functrans as ft
import functrans.nn as nn
import functrans.scipy.special as fsp
from functrans import random
from functrans.nn import initializers
from functrans.test_util import check_grads

EXTREME = np.array([-1000.0, -40.0, -3.0, -0.5, 0.0, 0.7, 4.0, 40.0, 1000.0])
MODERATE = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.5])  # away from relu's kink


def _gelu_tanh_reference(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6)),
    "hard_tanh": (nn.hard_tanh, lambda x: np.clip(x, -1, 1)),
    "hard_sigmoid": (nn.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "hard_silu": (nn.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x)),
    "leaky_relu_0.3": (lambda x: nn.leaky_relu(x, 0.3), lambda x: np.where(x >= 0, x, 0.3 * x)),
    "elu": (nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "elu_2": (lambda x: nn.elu(x, 2.0), lambda x: np.where(x > 0, x, 2 * np.expm1(np.minimum(x, 0)))),
    "celu_0.5": (lambda x: nn.celu(x, 0.5), lambda x: np.maximum(x, 0) + 0.5 * np.expm1(np.minimum(x, 0) / 0.5)),
    "selu": (nn.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
    "mish": (nn.mish, lambda x: x * np.tanh(np.logaddexp(x, 0))),
    "soft_sign": (nn.soft_sign, lambda x: x / (np.abs(x) + 1)),
    "squareplus": (nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "squareplus_1": (lambda x: nn.squareplus(x, 1.0), lambda x: (x + np.sqrt(x * x + 1)) / 2),
    "sparse_plus": (nn.sparse_plus, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    "sparse_sigmoid": (nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1)),
    "identity": (nn.identity, lambda x: x),
    "sigmoid": (nn.sigmoid, ss.expit),
    "softplus": (nn.softplus, lambda x: np.logaddexp(x, 0)),
    "gelu_tanh": (nn.gelu, _gelu_tanh_reference),
    "gelu_exact": (lambda x: nn.gelu(x, approximate=False), lambda x: x * ss.ndtr(x)),
    "silu": (nn.silu, lambda x: x * ss.expit(x)),
    "tanh": (nn.tanh, np.tanh),
    "expit": (fsp.expit, ss.expit),
    "erf": (fsp.erf, ss.erf),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activation_equals_reference_including_extremes(name, dtype):
    fn, reference = ACTIVATIONS[name]
    x = EXTREME.astype(dtype)
    out = fn(x)
    assert out.dtype == dtype and np.isfinite(out).all()
    expected = reference(x.astype(np.float64))
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


# Functions with a kink (or a jump in the second derivative) at a point of EXTREME.
PIECEWISE = {"relu", "relu6", "hard_tanh", "hard_sigmoid", "hard_silu", "leaky_relu", "leaky_relu_0.3", "elu", "elu_2",
             "celu_0.5", "selu", "sparse_plus", "sparse_sigmoid", "soft_sign"}
AWAY_FROM_KINKS = np.array([-4.5, -2.2, -0.7, 0.35, 0.8, 1.6, 4.2, 7.5])


@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_piecewise_activation_derivatives_to_second_order_away_from_kinks(name):
    check_grads(ACTIVATIONS[name][0], (AWAY_FROM_KINKS,), order=2)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in PIECEWISE])
def test_activation_derivatives_to_second_order_at_extremes(name):
    fn, _ = ACTIVATIONS[name]
    check_grads(fn, (EXTREME,), order=2)
    assert np.isfinite(ft.vmap(ft.grad(ft.grad(fn)))(EXTREME)).all()


def test_relu_derivatives_to_second_order_away_from_the_kink():
    check_grads(nn.relu, (MODERATE,), order=2)


def test_derivatives_at_the_kinks_follow_jax():
    d = lambda f, x: float(ft.grad(f)(x))  # noqa: E731
    assert d(nn.relu, 0.0) == 0.0 and d(nn.relu, 1e-300) == 1.0 and d(nn.relu, -1e-300) == 0.0
    assert d(nn.softplus, 0.0) == 0.5
    assert d(nn.sigmoid, 0.0) == 0.25
    assert d(nn.silu, 0.0) == 0.5
    assert d(nn.gelu, 0.0) == 0.5 and d(lambda x: nn.gelu(x, approximate=False), 0.0) == 0.5
    assert float(ft.grad(ft.grad(nn.relu))(0.0)) == 0.0


def test_integer_inputs_promote_to_float64_as_scipy():
    x = np.array([-2, 0, 3])
    for fn in (nn.sigmoid, nn.softplus, nn.gelu, nn.silu, fsp.erf, fsp.expit, fsp.gammaln):
        assert fn(x).dtype == np.float64
    assert nn.relu(x).dtype == x.dtype  # relu keeps the dtype, as JAX's


# --------------------------------------------------------------------------- softmax family

LOGITS = np.array([[1000.0, -1000.0, 0.0, 999.0], [-1000.0, -1000.0, -1001.0, -999.5], [0.3, -1.2, 2.0, 0.0]])


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)])
def test_softmax_and_log_softmax_equal_scipy_for_huge_logits(axis):
    np.testing.assert_allclose(nn.softmax(LOGITS, axis), ss.softmax(LOGITS, axis), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(nn.log_softmax(LOGITS, axis), ss.log_softmax(LOGITS, axis), rtol=1e-13)
    assert np.isfinite(nn.log_softmax(LOGITS, axis)).all()


@pytest.mark.parametrize("fn", [nn.softmax, nn.log_softmax, lambda x: fsp.logsumexp(x, axis=1)])
def test_softmax_family_derivatives_to_second_order_for_huge_logits(fn):
    check_grads(fn, (LOGITS,), order=2)


def test_gradient_of_logsumexp_is_softmax_and_of_cross_entropy_is_p_minus_y():
    np.testing.assert_allclose(ft.grad(fsp.logsumexp)(LOGITS[0]), ss.softmax(LOGITS[0]), rtol=1e-13)
    labels = np.array([0.0, 1.0, 0.0, 0.0])
    cross_entropy = lambda z: -(labels * nn.log_softmax(z)).sum()  # noqa: E731
    np.testing.assert_allclose(ft.grad(cross_entropy)(LOGITS[0]), ss.softmax(LOGITS[0]) - labels, atol=1e-15)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-50, 50)),
       st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant_and_log_softmax_is_its_log(x, shift):
    p = nn.softmax(x)
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(nn.softmax(x + shift), p, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.exp(nn.log_softmax(x)), p, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(fsp.logsumexp(x + shift), fsp.logsumexp(x) + shift, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_equals_scipy_over_axes(axis, keepdims):
    for logsumexp in (fsp.logsumexp, nn.logsumexp):
        np.testing.assert_allclose(logsumexp(LOGITS, axis, keepdims=keepdims), ss.logsumexp(LOGITS, axis, keepdims=keepdims), rtol=1e-14)


def test_logsumexp_with_weights_and_signs_equals_scipy():
    a, b = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 800.0]]), np.array([1.0, -2.0, 0.5])
    value, sign = fsp.logsumexp(a, axis=1, b=b, return_sign=True)
    ref_value, ref_sign = ss.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(value, ref_value, rtol=1e-14)
    np.testing.assert_array_equal(sign, ref_sign)
    check_grads(lambda a, b: fsp.logsumexp(a, axis=1, b=b), (a, np.abs(b) + 0.1), order=2)


def test_logsumexp_of_only_minus_infinity_is_minus_infinity():
    with np.errstate(divide="ignore"):
        assert fsp.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    assert fsp.logsumexp(np.array([np.inf, 0.0])) == np.inf


# --------------------------------------------------------------------------- special functions


def test_logit_inverts_expit_and_equals_scipy_near_0_and_1():
    p = np.array([1e-300, 1e-20, 0.25, 0.5, 1 - 1e-12])
    np.testing.assert_allclose(fsp.logit(p), ss.logit(p), rtol=1e-12)
    x = np.array([-30.0, -1.0, 0.0, 2.0, 10.0])  # expit(x) near 1 keeps only ~1e-16 of 1 - p
    np.testing.assert_allclose(fsp.logit(fsp.expit(x)), x, rtol=1e-9, atol=1e-12)
    check_grads(fsp.logit, (np.array([0.01, 0.3, 0.9]),), order=2)


def test_gammaln_equals_scipy_and_its_derivatives_are_digamma_and_trigamma():
    x = np.array([0.1, 0.5, 1.0, 3.7, 50.0, 1e5])
    np.testing.assert_allclose(fsp.gammaln(x), ss.gammaln(x), rtol=1e-13)
    np.testing.assert_allclose(ft.vmap(ft.grad(fsp.gammaln))(x), ss.digamma(x), rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(fsp.gammaln)))(x), ss.polygamma(1, x), rtol=1e-10)
    check_grads(fsp.gammaln, (x[:4],), order=2)


def test_erf_derivatives_to_second_order():
    check_grads(fsp.erf, (np.array([-3.0, -0.2, 0.0, 0.9, 6.0]),), order=2)


# --------------------------------------------------------------------------- one_hot


def test_one_hot_equals_rows_of_the_identity_and_zeros_out_of_range():
    labels = np.array([[0, 3], [2, -1], [9, 1]])
    out = nn.one_hot(labels, 4)
    reference = np.zeros((3, 2, 4))
    for idx, label in np.ndenumerate(labels):
        if 0 <= label < 4:
            reference[idx + (label,)] = 1.0
    np.testing.assert_array_equal(out, reference)
    np.testing.assert_array_equal(nn.one_hot(labels, 4, axis=0), np.moveaxis(reference, -1, 0))
    assert nn.one_hot(labels, 4, dtype=np.float32).dtype == np.float32


def test_one_hot_under_jit_and_vmap():
    labels = np.array([1, 0, 2])
    np.testing.assert_array_equal(ft.jit(lambda l: nn.one_hot(l, 3))(labels), np.eye(3)[labels])
    np.testing.assert_array_equal(ft.vmap(lambda l: nn.one_hot(l, 3))(labels), np.eye(3)[labels])


# --------------------------------------------------------------------------- initializers

KEY = random.PRNGKey(0)


@pytest.mark.parametrize(
    "name, fan",
    [("glorot_normal", (400 + 300) / 2), ("glorot_uniform", (400 + 300) / 2), ("he_normal", 400 / 2),
     ("he_uniform", 400 / 2), ("lecun_normal", 400), ("lecun_uniform", 400)],
)
def test_initializer_has_the_variance_of_its_rule(name, fan):
    w = getattr(initializers, name)()(KEY, (400, 300))
    assert w.shape == (400, 300) and w.dtype == np.float64
    np.testing.assert_allclose(w.var(), 1.0 / fan, rtol=0.03)
    assert abs(w.mean()) < 4 * np.sqrt(1.0 / fan / w.size)
    if name.endswith("uniform"):
        assert np.abs(w).max() <= np.sqrt(3.0 / fan)
        assert scipy.stats.kstest(w.ravel(), "uniform", args=(-np.sqrt(3 / fan), 2 * np.sqrt(3 / fan))).pvalue > 0.01
    else:  # a normal truncated at two of its standard deviations
        assert np.abs(w).max() <= 2 * np.sqrt(1.0 / fan) / 0.87962566103423978 + 1e-12
        truncated = scipy.stats.truncnorm(-2, 2, scale=np.sqrt(1.0 / fan) / 0.87962566103423978)
        assert scipy.stats.kstest(w.ravel()[:5000], truncated.cdf).pvalue > 0.01


def test_initializer_fans_of_a_convolution_kernel_include_the_window():
    w = initializers.variance_scaling(2.0, "fan_in", "normal")(KEY, (5, 5, 16, 32))  # HWIO
    np.testing.assert_allclose(w.std(), math.sqrt(2.0 / (5 * 5 * 16)), rtol=0.03)


def test_initializers_are_deterministic_take_a_dtype_and_reject_vectors():
    init = initializers.glorot_uniform()
    np.testing.assert_array_equal(init(KEY, (3, 4)), init(KEY, (3, 4)))
    assert init(KEY, (3, 4), np.float32).dtype == np.float32
    assert initializers.zeros(KEY, (2, 3)).tolist() == [[0.0] * 3] * 2
    with pytest.raises(ValueError, match="at least 2 axes"):
        init(KEY, (5,))
    with pytest.raises(ValueError, match="mode"):
        initializers.variance_scaling(1.0, "fan_sideways", "normal")
    with pytest.raises(ValueError, match="distribution"):
        initializers.variance_scaling(1.0, "fan_in", "cauchy")


@pytest.mark.parametrize("mode, fan", [("fan_in", 200 * 9), ("fan_out", 50 * 9), ("fan_avg", 250 * 9 / 2),
                                       ("fan_geo_avg", math.sqrt(200 * 50) * 9)])
@pytest.mark.parametrize("distribution", ["normal", "uniform", "truncated_normal"])
def test_variance_scaling_modes_and_distributions_have_their_variance(mode, fan, distribution):
    w = initializers.variance_scaling(3.0, mode, distribution)(KEY, (3, 3, 200, 50))
    np.testing.assert_allclose(w.var(), 3.0 / fan, rtol=0.03)
    bound = {"uniform": math.sqrt(3.0), "truncated_normal": 2 / 0.87962566103423978, "normal": np.inf}[distribution]
    assert np.abs(w).max() <= bound * math.sqrt(3.0 / fan)


def test_fans_follow_in_out_and_batch_axes():
    # (batch 10, in 300, window 4, out 20): fan_in = 300 * 4, fan_out = 20 * 4
    shape = (10, 300, 4, 20)
    w = initializers.lecun_normal(in_axis=1, out_axis=-1, batch_axis=0)(KEY, shape)
    np.testing.assert_allclose(w.var(), 1 / (300 * 4), rtol=0.03)
    w = initializers.variance_scaling(1.0, "fan_out", "normal", in_axis=(0, 1), out_axis=3)(KEY, shape)
    np.testing.assert_allclose(w.var(), 1 / (20 * 4), rtol=0.03)
    # A vector with in_axis = out_axis: JAX's rule divides the size by both, so each fan is 1.
    w = initializers.variance_scaling(0.5, "fan_in", "normal", in_axis=0, out_axis=0)(KEY, (5000,))
    np.testing.assert_allclose(w.var(), 0.5, rtol=0.06)


def test_aliases_and_dtype_defaults():
    assert initializers.kaiming_normal is initializers.he_normal and initializers.kaiming_uniform is initializers.he_uniform
    assert initializers.xavier_normal is initializers.glorot_normal
    assert initializers.glorot_uniform.__name__ == "glorot_uniform"
    assert initializers.he_uniform(dtype=np.float32)(KEY, (4, 4)).dtype == np.float32
    assert initializers.he_uniform(dtype=np.float32)(KEY, (4, 4), np.float64).dtype == np.float64
    for init in (initializers.zeros, initializers.ones, initializers.normal(), initializers.uniform(),
                 initializers.truncated_normal(), initializers.constant(2), initializers.orthogonal(), initializers.lecun_normal()):
        assert isinstance(init, initializers.Initializer)
        assert init(KEY, (3, 2)).dtype == np.float64 and init(KEY, (3, 2), np.float32).dtype == np.float32
    with pytest.raises(NotImplementedError, match="out_sharding"):
        initializers.normal()(KEY, (2,), out_sharding="x")


def test_normal_uniform_truncated_normal_and_constant_factories():
    np.testing.assert_allclose(initializers.normal(0.5)(KEY, (20000,)).std(), 0.5, rtol=0.02)
    u = initializers.uniform(3.0)(KEY, (20000,))
    assert u.min() >= 0 and u.max() < 3.0 and scipy.stats.kstest(u, "uniform", args=(0, 3)).pvalue > 0.01
    t = initializers.truncated_normal(2.0, lower=-1.0, upper=0.5)(KEY, (20000,))
    assert t.min() > -2.0 and t.max() < 1.0
    assert scipy.stats.kstest(t / 2.0, scipy.stats.truncnorm(-1.0, 0.5).cdf).pvalue > 0.01
    assert initializers.constant(-1.5, np.float32)(KEY, (2, 2)).tolist() == [[-1.5, -1.5]] * 2


@pytest.mark.parametrize("shape, column_axis", [((6, 4), -1), ((4, 6), -1), ((3, 2, 5), -1), ((5, 2, 3), 0), ((8, 8), -1)])
def test_orthogonal_gives_orthonormal_columns_or_rows(shape, column_axis):
    w = initializers.orthogonal(scale=2.0, column_axis=column_axis)(KEY, shape)
    assert w.shape == shape
    matrix = np.moveaxis(w, column_axis, -1).reshape(-1, shape[column_axis]) / 2.0
    gram = matrix.T @ matrix if matrix.shape[0] >= matrix.shape[1] else matrix @ matrix.T
    np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-12)
    assert initializers.orthogonal()(KEY, (0, 3)).shape == (0, 3)
    with pytest.raises(ValueError, match="at least a 2D shape"):
        initializers.orthogonal()(KEY, (3,))


def test_orthogonal_is_haar_distributed():
    # Under the Haar measure each entry of a random n x n orthogonal matrix has mean 0, variance 1/n.
    draws = ft.vmap(lambda k: initializers.orthogonal()(k, (4, 4)))(random.split(KEY, 1000))
    np.testing.assert_allclose(draws.var(axis=0), np.full((4, 4), 0.25), atol=0.04)
    assert np.abs(draws.mean(axis=0)).max() < 0.07
    np.testing.assert_allclose(np.einsum("bij,bik->bjk", draws, draws), np.broadcast_to(np.eye(4), (1000, 4, 4)), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 2, 4), (3, 5, 4, 4), (3, 3, 3, 2, 2)])
def test_delta_orthogonal_is_an_orthogonal_matrix_at_the_window_centre(shape):
    w = initializers.delta_orthogonal()(KEY, shape)
    centre = tuple((k - 1) // 2 for k in shape[:-2])
    middle = w[centre]
    np.testing.assert_allclose(middle @ middle.T, np.eye(shape[-2]), atol=1e-12)
    rest = w.copy()
    rest[centre] = 0
    assert (rest == 0).all()
    with pytest.raises(ValueError, match="3D, 4D or 5D"):
        initializers.delta_orthogonal()(KEY, (3, 3))
    with pytest.raises(ValueError, match="fan_in"):
        initializers.delta_orthogonal()(KEY, (3, 4, 2))


@pytest.mark.slow
def test_initializers_run_under_jit():
    init = initializers.glorot_normal()
    np.testing.assert_allclose(ft.jit(lambda k: init(k, (3, 4)))(KEY), init(KEY, (3, 4)), rtol=1e-12)


# --------------------------------------------------------------------------- gelu, log1mexp


def test_gelu_keeps_relative_precision_for_very_negative_inputs():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([-30.0, -12.0, -6.0, -2.5, 0.5, 4.0])
    with mpmath.workdps(40):
        exact = np.array([float(mpmath.mpf(v) * mpmath.ncdf(v)) for v in x])
        c = mpmath.sqrt(2 / mpmath.pi)
        tanh_form = np.array([float(v * (1 + mpmath.tanh(c * (v + mpmath.mpf("0.044715") * v**3))) / 2) for v in x[2:]])
    np.testing.assert_allclose(nn.gelu(x, approximate=False), exact, rtol=1e-12)
    np.testing.assert_allclose(nn.gelu(x[2:]), tanh_form, rtol=1e-13)


def test_log1mexp_equals_high_precision_reference_at_both_ends():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([1e-300, 1e-20, 1e-8, 0.3, math.log(2.0), 0.7, 5.0, 40.0, 700.0])
    with mpmath.workdps(50):
        reference = np.array([float(mpmath.log(-mpmath.expm1(-mpmath.mpf(v))) if v < 1 else mpmath.log1p(-mpmath.exp(-mpmath.mpf(v))))
                              for v in x])
    np.testing.assert_allclose(nn.log1mexp(x), reference, rtol=1e-14)
    # d/dx log(1 - exp(-x)) = 1 / expm1(x), finite and exact even where the branch not taken would overflow
    np.testing.assert_allclose(ft.vmap(ft.grad(nn.log1mexp))(x), 1 / np.expm1(x), rtol=1e-13)
    check_grads(nn.log1mexp, (np.array([0.01, 0.5, 0.69, 0.7, 3.0]),), order=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert nn.log1mexp(0.0) == -np.inf and np.isnan(nn.log1mexp(-1.0))


# --------------------------------------------------------------------------- masked reductions

MASK = np.array([[True, False, True, True], [False, False, False, True], [True, True, True, True]])


def _masked_rows(x, mask, fn):
    return [fn(row[m]) for row, m in zip(x, mask)]


def test_softmax_and_log_softmax_with_where_ignore_masked_elements():
    p = nn.softmax(LOGITS, where=MASK)
    expected = np.zeros_like(LOGITS)
    expected[MASK] = np.concatenate(_masked_rows(LOGITS, MASK, ss.softmax))
    np.testing.assert_allclose(p, expected, rtol=1e-13, atol=1e-300)
    log_p = nn.log_softmax(LOGITS, where=MASK)
    assert (log_p[~MASK] == -np.inf).all()
    np.testing.assert_allclose(log_p[MASK], np.concatenate(_masked_rows(LOGITS, MASK, ss.log_softmax)), rtol=1e-13)
    grad = ft.grad(lambda x: (nn.softmax(x, where=MASK) * np.arange(4.0)).sum())(LOGITS)
    assert np.isfinite(grad).all() and (grad[~MASK] == 0).all()
    check_grads(lambda x: nn.softmax(x, where=MASK), (LOGITS[2:] / 100,), order=2)


def test_logsumexp_and_logmeanexp_with_where_equal_scipy_on_the_kept_elements():
    np.testing.assert_allclose(nn.logsumexp(LOGITS, axis=1, where=MASK), _masked_rows(LOGITS, MASK, ss.logsumexp), rtol=1e-14)
    np.testing.assert_allclose(nn.logmeanexp(LOGITS, axis=1, where=MASK),
                               [ss.logsumexp(r) - np.log(r.size) for r in (row[m] for row, m in zip(LOGITS, MASK))], rtol=1e-14)
    np.testing.assert_allclose(nn.logmeanexp(LOGITS, axis=0, keepdims=True), ss.logsumexp(LOGITS, axis=0, keepdims=True) - np.log(3),
                               rtol=1e-14)
    b = np.array([2.0, -1.0, 0.5, 3.0])
    value, sign = nn.logsumexp(LOGITS[2:], axis=1, b=b, where=MASK[:1], return_sign=True)
    ref_value, ref_sign = ss.logsumexp(LOGITS[2, MASK[0]], b=b[MASK[0]], return_sign=True)
    np.testing.assert_allclose(value, [ref_value], rtol=1e-14)
    np.testing.assert_array_equal(sign, [ref_sign])
    check_grads(lambda x: nn.logmeanexp(x, axis=1, where=MASK), (LOGITS[2:].repeat(3, 0),), order=2)


# --------------------------------------------------------------------------- standardize, glu


@pytest.mark.parametrize("algorithm", ["fast", "stable"])
@pytest.mark.parametrize("axis", [-1, 0, (0, 1), None])
def test_standardize_equals_numpy(algorithm, axis):
    x = np.random.default_rng(1).standard_normal((3, 5)) * 3 + 1
    mean, var = x.mean(axis, keepdims=True), x.var(axis, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(nn.standardize(x, axis, algorithm=algorithm), expected, rtol=1e-10, atol=1e-12)
    check_grads(lambda x: nn.standardize(x, axis, algorithm=algorithm), (x,), order=2, atol=1e-4, rtol=1e-4)


def test_standardize_with_given_moments_where_and_bad_algorithm():
    x = np.array([[1.0, 2.0, 3.0, 100.0]])
    where = np.array([[True, True, True, False]])
    kept = x[where]
    np.testing.assert_allclose(nn.standardize(x, where=where, epsilon=0.0)[where], (kept - kept.mean()) / kept.std(), rtol=1e-13)
    np.testing.assert_allclose(nn.standardize(x, mean=1.0, variance=4.0, epsilon=0.0), (x - 1.0) / 2.0)
    assert nn.standardize(np.full((2, 3), 7.0)).tolist() == [[0.0] * 3] * 2  # variance 0: epsilon keeps it finite
    with pytest.raises(ValueError, match="standardize: unknown algorithm 'exact'"):
        nn.standardize(x, algorithm="exact")


def test_glu_gates_the_first_half_with_the_sigmoid_of_the_second():
    x = np.random.default_rng(2).standard_normal((3, 4, 6))
    for axis in (-1, 1):
        a, b = np.split(x, 2, axis)
        np.testing.assert_allclose(nn.glu(x, axis), a * ss.expit(b), rtol=1e-14)
    check_grads(nn.glu, (x,), order=2)
    with pytest.raises(ValueError, match="glu: the size of axis 0 must be even, got shape \\(3, 4, 6\\)"):
        nn.glu(x, 0)


# --------------------------------------------------------------------------- dot_product_attention


def attention_reference(q, k, v, bias=None, mask=None, scale=None, is_causal=False, q_lengths=None, kv_lengths=None,
                        window=None):
    """Attention by loops over batch, query head and query position, in float64."""
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    scale = 1 / np.sqrt(H) if scale is None else scale
    bias = np.zeros((1, 1, T, S)) if bias is None else np.broadcast_to(bias, (B, N, T, S))
    mask = np.ones((1, 1, T, S), bool) if mask is None else np.broadcast_to(mask, (B, N, T, S))
    out, lse = np.zeros((B, T, N, H)), np.zeros((B, T, N))
    for b in range(B):
        for n in range(N):
            kv_head = n // (N // K)
            for t in range(T):
                logits = scale * k[b, :, kv_head] @ q[b, t, n] + bias[min(b, len(bias) - 1), min(n, bias.shape[1] - 1), t]
                keep = mask[min(b, len(mask) - 1), min(n, mask.shape[1] - 1), t].copy()
                s = np.arange(S)
                if is_causal:
                    keep &= s <= t
                if window is not None:
                    keep &= (t <= s + window[0]) & (t >= s - window[1])
                if kv_lengths is not None:
                    keep &= s < kv_lengths[b]
                if q_lengths is not None:
                    keep &= t < q_lengths[b]  # (as JAX: a padded query row is all masked)
                logits = np.where(keep, logits, -0.7 * np.finfo(np.float32).max)
                lse[b, t, n] = ss.logsumexp(logits)
                if q_lengths is None or t < q_lengths[b]:
                    out[b, t, n] = ss.softmax(logits) @ v[b, :, kv_head]
    return out, lse


RNG = np.random.default_rng(7)
Q, KEYS, VALUES = RNG.standard_normal((2, 5, 4, 3)), RNG.standard_normal((2, 6, 2, 3)), RNG.standard_normal((2, 6, 2, 3))
BIAS, ATT_MASK = RNG.standard_normal((1, 4, 5, 6)), RNG.random((2, 1, 5, 6)) > 0.3
Q_LENGTHS, KV_LENGTHS = np.array([3, 5], np.int32), np.array([6, 2], np.int32)
ATTENTION_OPTIONS = {
    "plain": {}, "bias": dict(bias=BIAS), "mask": dict(mask=ATT_MASK), "causal": dict(is_causal=True),
    "window": dict(local_window_size=(1, 2)), "causal_window": dict(is_causal=True, local_window_size=1),
    "lengths": dict(query_seq_lengths=Q_LENGTHS, key_value_seq_lengths=KV_LENGTHS),
    "everything": dict(bias=BIAS, mask=ATT_MASK, is_causal=True, scale=0.7, query_seq_lengths=Q_LENGTHS),
}


def _reference_kwargs(options):
    renames = {"query_seq_lengths": "q_lengths", "key_value_seq_lengths": "kv_lengths", "local_window_size": "window"}
    out = {renames.get(k, k): v for k, v in options.items()}
    if isinstance(out.get("window"), int):
        out["window"] = (out["window"],) * 2
    return out


@pytest.mark.parametrize("name", ATTENTION_OPTIONS)
def test_dot_product_attention_equals_a_loop_reference(name):
    options = ATTENTION_OPTIONS[name]
    expected, expected_lse = attention_reference(Q, KEYS, VALUES, **_reference_kwargs(options))
    np.testing.assert_allclose(nn.dot_product_attention(Q, KEYS, VALUES, **options), expected, rtol=1e-12, atol=1e-14)
    out, lse = nn.dot_product_attention(Q, KEYS, VALUES, **options, return_residual=True, implementation="xla")
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lse, expected_lse, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
def test_dot_product_attention_equals_jax():
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        expected = jax.jit(lambda q, k, v: {name: jax.nn.dot_product_attention(q, k, v, **options)
                                            for name, options in ATTENTION_OPTIONS.items()})(Q, KEYS, VALUES)
    for name, options in ATTENTION_OPTIONS.items():
        # JAX takes the softmax in float32 whatever the inputs' precision.
        np.testing.assert_allclose(nn.dot_product_attention(Q, KEYS, VALUES, **options), np.asarray(expected[name]),
                                   rtol=1e-5, atol=1e-6, err_msg=name)


def test_dot_product_attention_without_batch_axis_in_float32_and_its_derivatives():
    out = nn.dot_product_attention(Q[0], KEYS[0], VALUES[0], is_causal=True)
    np.testing.assert_allclose(out, attention_reference(Q[:1], KEYS[:1], VALUES[:1], is_causal=True)[0][0], rtol=1e-12)
    f32 = [a.astype(np.float32) for a in (Q, KEYS, VALUES)]
    out32 = nn.dot_product_attention(*f32, bias=BIAS.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, attention_reference(Q, KEYS, VALUES, bias=BIAS)[0], rtol=2e-5, atol=2e-6)
    check_grads(lambda q, k, v, b: nn.dot_product_attention(q, k, v, b, ATT_MASK[:, :, :3], is_causal=True),
                (Q[:, :3], KEYS, VALUES, BIAS[:, :, :3]), order=2, atol=1e-4, rtol=1e-4)


def test_dot_product_attention_under_vmap_equals_a_loop():
    batched_q = np.stack([Q, 2 * Q, -Q])
    out = ft.vmap(lambda q: nn.dot_product_attention(q, KEYS, VALUES, mask=ATT_MASK, key_value_seq_lengths=KV_LENGTHS))(batched_q)
    for i, q in enumerate(batched_q):
        np.testing.assert_allclose(out[i], nn.dot_product_attention(q, KEYS, VALUES, mask=ATT_MASK, key_value_seq_lengths=KV_LENGTHS),
                                   rtol=1e-13, atol=1e-15)


def test_dot_product_attention_rejects_bad_arguments_with_jax_errors():
    with pytest.raises(ValueError, match="unsupported implementation 'cudnn'"):
        nn.dot_product_attention(Q, KEYS, VALUES, implementation="cudnn")
    with pytest.raises(ValueError, match="multiple of key/value heads, but got 3 vs 2"):
        nn.dot_product_attention(Q[:, :, :3], KEYS, VALUES)
    with pytest.raises(ValueError, match="value shape should be"):
        nn.dot_product_attention(Q, KEYS, VALUES[:, :4])
    with pytest.raises(ValueError, match="query dtype should be float64, but got float32"):
        nn.dot_product_attention(Q.astype(np.float32), KEYS, VALUES)
    with pytest.raises(ValueError, match="mask dtype should be bool"):
        nn.dot_product_attention(Q, KEYS, VALUES, mask=ATT_MASK.astype(float))
    with pytest.raises(ValueError, match="query_seq_lengths shape should be \\(2,\\)"):
        nn.dot_product_attention(Q, KEYS, VALUES, query_seq_lengths=np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="bias and mask need 1 or 4 heads"):
        nn.dot_product_attention(Q, KEYS, VALUES, bias=BIAS[:, :2])


# --------------------------------------------------------------------------- scaled products


def test_scaled_matmul_scales_each_block_of_the_contraction():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 4, 8))
    a_scales, b_scales = rng.random((2, 3, 2)) + 0.5, rng.random((2, 4, 2)) + 0.5
    expected = np.einsum("bmk,bnk->bmn", a * np.repeat(a_scales, 4, axis=2), b * np.repeat(b_scales, 4, axis=2))
    out = nn.scaled_matmul(a, b, a_scales, b_scales)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_allclose(nn.scaled_matmul(a, b, a_scales, b_scales, preferred_element_type=np.float64), expected, rtol=1e-13)
    with pytest.raises(ValueError, match="3-dimensional"):
        nn.scaled_matmul(a[0], b, a_scales, b_scales)
    with pytest.raises(ValueError, match="matching batch"):
        nn.scaled_matmul(a, b[:, :, :4], a_scales, b_scales)


def test_scaled_dot_general_is_dot_general_in_the_preferred_type():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    out = nn.scaled_dot_general(a, b, (((1,), (0,)), ((), ())))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, a @ b)
    with pytest.raises(NotImplementedError, match="configs"):
        nn.scaled_dot_general(a, b, (((1,), (0,)), ((), ())), configs=[object()])


# --------------------------------------------------------------------------- against jax.nn

JAX_ELEMENTWISE = ["celu", "elu", "gelu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "identity", "leaky_relu",
                   "log_sigmoid", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "soft_sign", "softplus", "sparse_plus",
                   "sparse_sigmoid", "squareplus", "swish", "tanh"]
# Kinks included: the derivatives there follow JAX's conventions.
JAX_POINTS = np.array([-40.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 3.0, 6.0, 7.0, 40.0])


def _value_and_two_derivatives(module, grad, vmap, name):
    f = getattr(module, name.removesuffix("_exact"))
    if name == "gelu_exact":
        f = functools.partial(f, approximate=False)
    return [vmap(f), vmap(grad(f)), vmap(grad(grad(f)))]


@pytest.mark.slow
def test_elementwise_values_and_two_derivatives_equal_jax_including_kinks():
    jax = pytest.importorskip("jax")
    names = JAX_ELEMENTWISE + ["gelu_exact", "log1mexp"]
    inputs = {name: np.abs(JAX_POINTS) + 0.01 if name == "log1mexp" else JAX_POINTS for name in names}
    with jax.enable_x64(True):
        # One jitted program for all of them: one XLA compile instead of one per function and order.
        expected = jax.jit(lambda xs: {n: [g(xs[n]) for g in _value_and_two_derivatives(jax.nn, jax.grad, jax.vmap, n)]
                                       for n in names})(inputs)
    for name in names:
        for order, g in enumerate(_value_and_two_derivatives(nn, ft.grad, ft.vmap, name)):
            np.testing.assert_allclose(g(inputs[name]), np.asarray(expected[name][order]), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{name}, derivative {order}")


REDUCTION_CASES = [("softmax", {}), ("log_softmax", {"axis": 0}), ("softmax", {"where": MASK}), ("log_softmax", {"where": MASK}),
                   ("logsumexp", {"axis": 1, "where": MASK}), ("logmeanexp", {"axis": 1, "where": MASK}), ("logmeanexp", {}),
                   ("glu", {"axis": 1}), ("standardize", {"axis": 0}), ("standardize", {"where": MASK, "algorithm": "stable"})]


@pytest.mark.slow
def test_reductions_equal_jax():
    jax = pytest.importorskip("jax")
    x = np.random.default_rng(4).standard_normal((3, 4)) * 5
    with jax.enable_x64(True):
        expected = jax.jit(lambda x: [getattr(jax.nn, name)(x, **kwargs) for name, kwargs in REDUCTION_CASES])(x)
        labels = np.array([[0, 3], [2, -1]])
        np.testing.assert_array_equal(nn.one_hot(labels, 4, axis=0), jax.nn.one_hot(labels, 4, axis=0))
    for (name, kwargs), theirs in zip(REDUCTION_CASES, expected):
        np.testing.assert_allclose(getattr(nn, name)(x, **kwargs), np.asarray(theirs), rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name} {kwargs}")


def test_names_are_those_of_jax_nn():
    jax_nn = pytest.importorskip("jax.nn")
    missing = {n for n in dir(jax_nn) if not n.startswith("_")} - set(nn.__all__)
    assert missing == set()


# --------------------------------------------------------------------------- under jit


def _network(x, q, mask):
    """One program with a function of each kind (nested where, safe-branch where, masked
    reductions, attention), so jit compiles once for all of them."""
    activations = [nn.relu6(x), nn.elu(x), nn.gelu(x), nn.squareplus(x), nn.log1mexp(ft.numpy.abs(x) + 0.1)]
    return activations, nn.softmax(x, where=mask), nn.logsumexp(x, axis=1, where=mask), nn.dot_product_attention(
        q, q, q, is_causal=True)


@pytest.mark.slow
def test_jit_of_a_program_using_nn_equals_eager():
    x = np.random.default_rng(5).standard_normal((3, 4)) * 4
    mask = np.ones((3, 4), bool)
    mask[1, 1:] = False
    q = np.random.default_rng(6).standard_normal((2, 3, 2, 4))
    eager = _network(x, q, mask)
    compiled = ft.jit(_network)(x, q, mask)
    for a, b in zip(ft.tree_util.tree_leaves(eager), ft.tree_util.tree_leaves(compiled)):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- shapes, vmap


def _with_layout(x, layout):
    """``x`` as given, or as a non-contiguous view of equal values."""
    if layout == "strided" and x.ndim:
        wide = np.repeat(x, 2, axis=-1)
        return wide[..., ::2]
    if layout == "transposed":
        return np.ascontiguousarray(x.T).T
    return x


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), elements=st.floats(-20, 20)),
       st.sampled_from(sorted(ACTIVATIONS)), st.sampled_from(["contiguous", "strided", "transposed"]))
def test_activations_keep_any_shape_and_layout_and_equal_numpy(x, name, layout):
    fn, reference = ACTIVATIONS[name]
    x = _with_layout(x, layout)
    out = fn(x)
    assert out.shape == x.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, reference(x), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_vmap_of_grad_of_each_activation_equals_a_loop(name):
    fn = ACTIVATIONS[name][0]
    x = AWAY_FROM_KINKS.reshape(2, 4)
    batched = ft.vmap(ft.grad(lambda row: fn(row).sum()))(x)
    np.testing.assert_allclose(batched, np.stack([ft.grad(lambda row: fn(row).sum())(row) for row in x]), rtol=1e-14)


def test_float32_attention_computes_in_float32_throughout():
    # The default scale is weakly typed, as JAX's: float32 logits are never promoted to float64.
    q = np.ones((2, 4, 2, 8), np.float32)
    jaxpr = ft.make_jaxpr(lambda q: nn.dot_product_attention(q, q, q))(q)
    assert "f64" not in str(jaxpr)
