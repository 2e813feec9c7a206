"""functrans.nn and functrans.scipy.special against NumPy/SciPy references, including extreme
inputs (logits of +-1000: no overflow, no nan), derivatives checked to second order, the
derivative conventions at kinks, and the initializers' variances."""
from __future__ import annotations

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
