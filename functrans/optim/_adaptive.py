"""Rescalings by running statistics of the gradients, the cores of the adaptive optimisers
(as ``optax._src.transform``): Adam and its variants, RMSProp, AdaGrad, AdaDelta, AdaBelief,
Yogi, RAdam, Lion, NovoGrad, SM3, optimistic gradients. States are NamedTuples whose
fields have optax's names; counts are int32 arrays that saturate instead of wrapping."""
from __future__ import annotations

import functools
from typing import Any, Literal, NamedTuple, Optional

import numpy as np

from .. import lax
from .. import numpy as fnp
from ..tree_util import tree_map
from . import tree_utils as otu
from ._base import GradientTransformation, Updates
from ._numerics import abs_sq, safe_increment


def _zero_count() -> Any:
    return np.zeros((), np.int32)


def _canonical_dtype(dtype: Any) -> Optional[np.dtype]:
    return None if dtype is None else np.dtype(dtype)


def _descent_ratio(eps: Any, eps_root: Any) -> Any:
    """``m / (sqrt(v + eps_root) + eps)``, Adam's step from the two moments (None where ``m`` is missing)."""
    return lambda m, v: None if m is None else m / (fnp.sqrt(v + eps_root) + eps)


def _is_none(x: Any) -> bool:
    return x is None


def _debiased_first_moment(mu: Any, updates: Any, b1: Any, count: Any, nesterov: bool) -> Any:
    """The bias-corrected first moment; with Nesterov's look-ahead (NAdam),
    ``b1 * m / (1 - b1**(t+1)) + (1 - b1) * g / (1 - b1**t)``."""
    if not nesterov:
        return otu.tree_bias_correction(mu, b1, count)
    return tree_map(
        lambda m, g: b1 * m + (1 - b1) * g,
        otu.tree_bias_correction(mu, b1, safe_increment(count)),
        otu.tree_bias_correction(updates, b1, count),
    )


class ScaleByAdamState(NamedTuple):
    """State of ``scale_by_adam``, ``scale_by_adamax``, ``scale_by_yogi`` and ``scale_by_radam``."""

    count: Any
    mu: Updates
    nu: Updates


def scale_by_adam(
    b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-8, eps_root: Any = 0.0, mu_dtype: Any = None, *, nesterov: bool = False
) -> GradientTransformation:
    """Adam's rescaling (Kingma & Ba, 2015): bias-corrected first moment over the root of the
    bias-corrected second, ``m_hat / (sqrt(v_hat + eps_root) + eps)``; ``nesterov=True`` is NAdam's.

    >>> import numpy as np
    >>> tx = scale_by_adam()
    >>> np.round(tx.update(np.array([0.5, -2.0]), tx.init(np.zeros(2)))[0], 6)    # the first step is sign(g)
    array([ 1., -1.])
    """
    mu_dtype = _canonical_dtype(mu_dtype)

    def init_fn(params):
        return ScaleByAdamState(_zero_count(), otu.tree_zeros_like(params, dtype=mu_dtype), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        mu = otu.tree_update_moment(updates, state.mu, b1, 1)
        nu = otu.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        mu_hat = _debiased_first_moment(mu, updates, b1, count, nesterov)
        nu_hat = otu.tree_bias_correction(nu, b2, count)
        updates = tree_map(_descent_ratio(eps, eps_root), mu_hat, nu_hat, is_leaf=_is_none)
        return updates, ScaleByAdamState(count, otu.tree_cast(mu, mu_dtype), otu.tree_cast_like(nu, state.nu))

    return GradientTransformation(init_fn, update_fn)


class ScaleByAmsgradState(NamedTuple):
    """State of ``scale_by_amsgrad``: Adam's moments and the running maximum of the second."""

    count: Any
    mu: Updates
    nu: Updates
    nu_max: Updates


def scale_by_amsgrad(
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
) -> GradientTransformation:
    """AMSGrad's rescaling (Reddi et al., 2018): Adam's, dividing by the largest second moment seen so far.

    >>> import numpy as np
    >>> tx = scale_by_amsgrad()
    >>> tx.update(np.array([4.0]), tx.init(np.zeros(1)))[0]
    array([1.])
    """
    mu_dtype = _canonical_dtype(mu_dtype)

    def init_fn(params):
        zeros = otu.tree_zeros_like(params)
        return ScaleByAmsgradState(_zero_count(), otu.tree_zeros_like(params, dtype=mu_dtype), zeros, zeros)

    def update_fn(updates, state, params=None):
        mu = otu.tree_update_moment(updates, state.mu, b1, 1)
        nu = otu.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        mu_hat = otu.tree_bias_correction(mu, b1, count) if bias_correction_mu else mu
        nu_eff = otu.tree_bias_correction(nu, b2, count) if bias_correction_nu else nu
        nu_max = tree_map(fnp.maximum, state.nu_max, nu_eff)
        updates = tree_map(_descent_ratio(eps, eps_root), mu_hat, nu_max, is_leaf=_is_none)
        return updates, ScaleByAmsgradState(count, otu.tree_cast(mu, mu_dtype), nu, nu_max)

    return GradientTransformation(init_fn, update_fn)


def scale_by_adamax(b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-8) -> GradientTransformation:
    """Adamax's rescaling (Kingma & Ba, 2015): the bias-corrected first moment over a decaying maximum of ``|g|``.

    >>> import numpy as np
    >>> tx = scale_by_adamax()
    >>> np.round(tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0], 6)
    array([1.])
    """

    def init_fn(params):
        return ScaleByAdamState(_zero_count(), otu.tree_zeros_like(params), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        count = safe_increment(state.count)
        mu = otu.tree_update_moment(updates, state.mu, b1, 1)
        nu = otu.tree_update_infinity_moment(updates, state.nu, b2, eps)
        mu_hat = otu.tree_bias_correction(mu, b1, count)
        return tree_map(lambda m, v: m / v, mu_hat, nu), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init_fn, update_fn)


class ScaleByRmsState(NamedTuple):
    """State of ``scale_by_rms``: the running mean of squared gradients."""

    nu: Updates


class ScaleByRmsWithCountState(NamedTuple):
    """State of ``scale_by_rms(bias_correction=True)``."""

    count: Any
    nu: Updates


def _rsqrt_scaling(eps: Any, eps_in_sqrt: bool) -> Any:
    """``1 / sqrt(n + eps)``, or ``1 / (sqrt(n) + eps)`` with ``eps`` outside the root."""
    if eps_in_sqrt:
        return lambda n: lax.rsqrt(n + eps)
    return lambda n: 1 / (fnp.sqrt(n) + eps)


def scale_by_rms(
    decay: Any = 0.9, eps: Any = 1e-8, initial_scale: Any = 0.0, eps_in_sqrt: bool = True, bias_correction: bool = False
) -> GradientTransformation:
    """RMSProp's rescaling (Tieleman & Hinton, 2012): ``g / sqrt(v + eps)`` with ``v`` the running mean of ``g**2``.

    >>> import numpy as np
    >>> tx = scale_by_rms(decay=0.75, eps=0.0)
    >>> tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0]
    array([2.])
    """

    def init_fn(params):
        nu = otu.tree_full_like(params, initial_scale)
        return ScaleByRmsWithCountState(_zero_count(), nu) if bias_correction else ScaleByRmsState(nu)

    def update_fn(updates, state, params=None):
        nu = otu.tree_update_moment_per_elem_norm(updates, state.nu, decay, 2)
        if bias_correction:
            count = safe_increment(state.count)
            nu_hat = otu.tree_bias_correction(nu, decay, count)
        else:
            nu_hat = nu
        updates = tree_map(lambda n, g: _rsqrt_scaling(eps, eps_in_sqrt)(n) * g, nu_hat, updates)
        return updates, (ScaleByRmsWithCountState(count, nu) if bias_correction else ScaleByRmsState(nu))

    return GradientTransformation(init_fn, update_fn)


class ScaleByRStdDevState(NamedTuple):
    """State of ``scale_by_stddev``: running means of ``g`` and ``g**2``."""

    mu: Updates
    nu: Updates


class ScaleByRStdDevWithCountState(NamedTuple):
    """State of ``scale_by_stddev(bias_correction=True)``."""

    count: Any
    mu: Updates
    nu: Updates


def scale_by_stddev(
    decay: Any = 0.9, eps: Any = 1e-8, initial_scale: Any = 0.0, eps_in_sqrt: bool = True, bias_correction: bool = False
) -> GradientTransformation:
    """Centred RMSProp's rescaling (Graves, 2013): ``g / sqrt(v - m**2 + eps)``, dividing by a running standard deviation.

    >>> import numpy as np
    >>> tx = scale_by_stddev(decay=0.75, eps=0.0)
    >>> np.round(tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0], 6)
    array([2.309401])
    """

    def init_fn(params):
        mu, nu = otu.tree_zeros_like(params), otu.tree_full_like(params, initial_scale)
        return ScaleByRStdDevWithCountState(_zero_count(), mu, nu) if bias_correction else ScaleByRStdDevState(mu, nu)

    def update_fn(updates, state, params=None):
        mu = otu.tree_update_moment(updates, state.mu, decay, 1)
        nu = otu.tree_update_moment_per_elem_norm(updates, state.nu, decay, 2)
        if bias_correction:
            count = safe_increment(state.count)
            mu_hat, nu_hat = otu.tree_bias_correction(mu, decay, count), otu.tree_bias_correction(nu, decay, count)
        else:
            mu_hat, nu_hat = mu, nu
        scaling = _rsqrt_scaling(eps, eps_in_sqrt)
        updates = tree_map(lambda m, n, g: scaling(n - abs_sq(m)) * g, mu_hat, nu_hat, updates)
        if bias_correction:
            return updates, ScaleByRStdDevWithCountState(count, mu, nu)
        return updates, ScaleByRStdDevState(mu, nu)

    return GradientTransformation(init_fn, update_fn)


class ScaleByRssState(NamedTuple):
    """State of ``scale_by_rss``: the running sum of squared gradients."""

    sum_of_squares: Updates


def scale_by_rss(initial_accumulator_value: Any = 0.1, eps: Any = 1e-7) -> GradientTransformation:
    """AdaGrad's rescaling (Duchi et al., 2011): ``g / sqrt(sum of all g**2 so far + eps)``.

    >>> import numpy as np
    >>> tx = scale_by_rss(initial_accumulator_value=0.0, eps=0.0)
    >>> tx.update(np.array([-3.0]), tx.init(np.zeros(1)))[0]
    array([-1.])
    """

    def init_fn(params):
        return ScaleByRssState(otu.tree_full_like(params, initial_accumulator_value))

    def update_fn(updates, state, params=None):
        sum_of_squares = tree_map(lambda g, t: abs_sq(g) + t, updates, state.sum_of_squares)
        inv_sqrt = tree_map(lambda t: fnp.where(t > 0, lax.rsqrt(t + eps), 0.0), sum_of_squares)
        return otu.tree_mul(inv_sqrt, updates), ScaleByRssState(sum_of_squares)

    return GradientTransformation(init_fn, update_fn)


class ScaleByBeliefState(NamedTuple):
    """State of ``scale_by_belief``: the first moment and the running variance of the prediction error."""

    count: Any
    mu: Updates
    nu: Updates


def scale_by_belief(
    b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-16, eps_root: Any = 1e-16, *, nesterov: bool = False
) -> GradientTransformation:
    """AdaBelief's rescaling (Zhuang et al., 2020): Adam's, with the second moment of ``g - m`` (the "belief").

    >>> import numpy as np
    >>> tx = scale_by_belief()
    >>> np.round(tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0], 6)
    array([1.111111])
    """

    def init_fn(params):
        return ScaleByBeliefState(_zero_count(), otu.tree_zeros_like(params), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        mu = otu.tree_update_moment(updates, state.mu, b1, 1)
        prediction_error = otu.tree_sub(updates, mu)
        nu = otu.tree_update_moment_per_elem_norm(prediction_error, state.nu, b2, 2)
        nu = tree_map(lambda v: v + eps_root, nu)
        count = safe_increment(state.count)
        mu_hat = _debiased_first_moment(mu, updates, b1, count, nesterov)
        nu_hat = otu.tree_bias_correction(nu, b2, count)
        updates = tree_map(_descent_ratio(eps, 0.0), mu_hat, nu_hat, is_leaf=_is_none)
        return updates, ScaleByBeliefState(count, mu, nu)

    return GradientTransformation(init_fn, update_fn)


def scale_by_yogi(
    b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-3, eps_root: Any = 0.0, initial_accumulator_value: Any = 1e-6
) -> GradientTransformation:
    """Yogi's rescaling (Zaheer et al., 2018): Adam's, with an additive second-moment update
    ``v - (1 - b2) * sign(v - g**2) * g**2`` that cannot grow too fast.

    >>> import numpy as np
    >>> tx = scale_by_yogi()
    >>> np.round(tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0], 5)
    array([0.99938])
    """

    def init_fn(params):
        value = initial_accumulator_value
        return ScaleByAdamState(_zero_count(), otu.tree_full_like(params, value), otu.tree_full_like(params, value))

    def update_fn(updates, state, params=None):
        mu = otu.tree_update_moment(updates, state.mu, b1, 1)
        nu = tree_map(lambda g, v: v - (1 - b2) * fnp.sign(v - abs_sq(g)) * abs_sq(g), updates, state.nu)
        count = safe_increment(state.count)
        mu_hat = otu.tree_bias_correction(mu, b1, count)
        nu_hat = otu.tree_bias_correction(nu, b2, count)
        updates = tree_map(_descent_ratio(eps, eps_root), mu_hat, nu_hat, is_leaf=_is_none)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init_fn, update_fn)


def scale_by_radam(
    b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-8, eps_root: Any = 0.0, threshold: Any = 5.0, *, nesterov: bool = False
) -> GradientTransformation:
    """RAdam's rescaling (Liu et al., 2020): momentum alone while the second moment's variance is
    untrustworthy (``rho_t < threshold``), then Adam's step times the rectification factor ``r_t``.

    >>> import numpy as np
    >>> tx = scale_by_radam()
    >>> tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0]    # the first steps are momentum SGD
    array([2.])
    """
    rho_inf = 2.0 / (1.0 - b2) - 1.0

    def rectified(rho, mu_hat, nu_hat):
        r = fnp.sqrt((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho))
        return tree_map(lambda m, v: fnp.astype(r, m.dtype) * m / (fnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)

    def init_fn(params):
        return ScaleByAdamState(_zero_count(), otu.tree_zeros_like(params), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        mu = otu.tree_update_moment(updates, state.mu, b1, 1)
        nu = otu.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = safe_increment(state.count)
        b2t = b2**count
        rho = rho_inf - 2 * count * b2t / (1 - b2t)
        mu_hat = _debiased_first_moment(mu, updates, b1, count, nesterov)
        nu_hat = otu.tree_bias_correction(nu, b2, count)
        updates = tree_map(lambda t, f: fnp.where(rho >= threshold, t, f), rectified(rho, mu_hat, nu_hat), mu_hat)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init_fn, update_fn)


class ScaleByLionState(NamedTuple):
    """State of ``scale_by_lion``: the momentum."""

    count: Any
    mu: Updates


def scale_by_lion(
    b1: Any = 0.9,
    b2: Any = 0.99,
    mu_dtype: Any = None,
    *,
    mode: Literal["hard", "smooth", "refined"] = "hard",
    smooth_beta: float = 1.0,
) -> GradientTransformation:
    """Lion's rescaling (Chen et al., 2023): the sign of ``(1 - b1) * g + b1 * m`` (or a smooth
    ``tanh`` / clipped version of it), with momentum ``m`` tracked at rate ``b2``.

    >>> import numpy as np
    >>> tx = scale_by_lion()
    >>> tx.update(np.array([0.3, -2.0]), tx.init(np.zeros(2)))[0]
    array([ 1., -1.])
    """
    mu_dtype = _canonical_dtype(mu_dtype)
    squash = {
        "hard": fnp.sign,
        "smooth": lambda x: fnp.tanh(smooth_beta * x),
        "refined": lambda x: fnp.where(fnp.abs(x) < 1.0, x, fnp.sign(x)),
    }
    if mode not in squash:
        raise ValueError(f"scale_by_lion: unknown mode {mode!r}; use 'hard', 'smooth' or 'refined'")

    def init_fn(params):
        return ScaleByLionState(_zero_count(), otu.tree_zeros_like(params, dtype=mu_dtype))

    def update_fn(updates, state, params=None):
        new_updates = tree_map(lambda g, m: squash[mode]((1.0 - b1) * g + b1 * m), updates, state.mu)
        mu = otu.tree_cast(otu.tree_update_moment(updates, state.mu, b2, 1), mu_dtype)
        return new_updates, ScaleByLionState(safe_increment(state.count), mu)

    return GradientTransformation(init_fn, update_fn)


class ScaleByAdaDeltaState(NamedTuple):
    """State of ``scale_by_adadelta``: running means of squared gradients and of squared updates."""

    e_g: Updates
    e_x: Updates


def scale_by_adadelta(rho: Any = 0.9, eps: Any = 1e-6) -> GradientTransformation:
    """AdaDelta's rescaling (Zeiler, 2012): ``g * sqrt(E[dx**2] + eps) / sqrt(E[g**2] + eps)``.

    >>> import numpy as np
    >>> tx = scale_by_adadelta(eps=1e-4)
    >>> np.round(tx.update(np.array([1.0]), tx.init(np.zeros(1)))[0], 6)
    array([0.031607])
    """

    def init_fn(params):
        return ScaleByAdaDeltaState(otu.tree_zeros_like(params), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        e_g = otu.tree_update_moment(updates, state.e_g, rho, 2)
        updates = tree_map(lambda g, eg, ex: fnp.sqrt(ex + eps) / fnp.sqrt(eg + eps) * g, updates, e_g, state.e_x)
        e_x = otu.tree_update_moment(updates, state.e_x, rho, 2)
        return updates, ScaleByAdaDeltaState(e_g, e_x)

    return GradientTransformation(init_fn, update_fn)


class ScaleByNovogradState(NamedTuple):
    """State of ``scale_by_novograd``: the momentum, and one running second moment per leaf (a scalar)."""

    count: Any
    mu: Updates
    nu: Updates


def scale_by_novograd(
    b1: Any = 0.9, b2: Any = 0.25, eps: Any = 1e-8, eps_root: Any = 0.0, weight_decay: Any = 0.0, mu_dtype: Any = None
) -> GradientTransformation:
    """NovoGrad's rescaling (Ginsburg et al., 2019): each layer's gradient over the root of a running
    mean of its squared norm, plus weight decay, accumulated as momentum. The first step starts both
    averages at the first values instead of at zero.

    >>> import numpy as np
    >>> tx = scale_by_novograd()
    >>> tx.update(np.array([3.0, 4.0]), tx.init(np.zeros(2)), np.zeros(2))[0]
    array([0.6, 0.8])
    """
    mu_dtype = _canonical_dtype(mu_dtype)

    def init_fn(params):
        nu = tree_map(lambda p: fnp.zeros((), fnp.asarray(p).dtype), params)
        return ScaleByNovogradState(_zero_count(), otu.tree_zeros_like(params, dtype=mu_dtype), nu)

    def update_fn(updates, state, params):
        count = safe_increment(state.count)
        first = count == 1
        sq_norms = tree_map(lambda g, n: fnp.astype(fnp.sum(abs_sq(g)), n.dtype), updates, state.nu)
        nu = otu.tree_where(first, sq_norms, otu.tree_update_moment(sq_norms, state.nu, b2, 1))
        direction = tree_map(lambda g, p, n: g / (fnp.sqrt(n + eps_root) + eps) + weight_decay * p, updates, params, nu)
        mu = otu.tree_where(first, direction, tree_map(lambda m, u: b1 * m + u, state.mu, direction))
        mu = otu.tree_cast(mu, mu_dtype)
        return mu, ScaleByNovogradState(count, mu, nu)

    return GradientTransformation(init_fn, update_fn)


class ScaleBySM3State(NamedTuple):
    """State of ``scale_by_sm3``: per leaf, one accumulator vector per axis, and the momentum."""

    mu: Updates
    nu: Updates


def scale_by_sm3(b1: Any = 0.9, b2: Any = 1.0, eps: Any = 1e-8) -> GradientTransformation:
    """SM3's rescaling (Anil et al., 2019): AdaGrad with a memory-saving cover of the squared-gradient
    sums, one vector per axis whose broadcast minimum bounds each element's sum; then momentum.

    >>> import numpy as np
    >>> tx = scale_by_sm3()
    >>> np.round(tx.update(np.array([[2.0, -1.0]]), tx.init(np.zeros((1, 2))))[0], 6)
    array([[ 0.1, -0.1]])
    """

    def accumulators(p):
        p = fnp.asarray(p)
        return [fnp.zeros((p.shape[i],), p.dtype) for i in range(p.ndim)]

    def init_fn(params):
        return ScaleBySM3State(tree_map(accumulators, params), otu.tree_zeros_like(params))

    def expanded(g, v):
        return [fnp.reshape(v[i], [1] * i + [g.shape[i]] + [1] * (g.ndim - i - 1)) for i in range(g.ndim)]

    def new_accumulator(g, v):
        coeff_new, coeff_old = (1.0 - b2 if b2 != 1.0 else 1.0), b2
        cover = v[0] if g.ndim < 2 else functools.reduce(fnp.minimum, v)
        return coeff_new * g**2 + coeff_old * cover

    def per_axis_max(a, i):
        return a if a.ndim < 2 else fnp.max(a, axis=tuple(j for j in range(a.ndim) if j != i))

    def update_fn(updates, state, params=None):
        mu = tree_map(expanded, updates, state.mu)
        accum = tree_map(new_accumulator, updates, mu)
        inv_sqrt = tree_map(lambda t: fnp.where(t > 0, lax.rsqrt(t + eps), 0.0), accum)
        scaled = tree_map(lambda g, a: g * a, updates, inv_sqrt)
        nu = otu.tree_update_moment(scaled, state.nu, b1, 1)
        mu = tree_map(lambda a: [per_axis_max(a, i) for i in range(a.ndim)], accum)
        return nu, ScaleBySM3State(mu, nu)

    return GradientTransformation(init_fn, update_fn)


class ScaleByOptimisticGradientState(NamedTuple):
    """State of ``scale_by_optimistic_gradient``: whether no step was taken yet, and the last gradient."""

    is_initial_step: Any
    previous_gradient: Updates


def scale_by_optimistic_gradient(alpha: Any = 1.0, beta: Any = 1.0) -> GradientTransformation:
    """The optimistic gradient (Mokhtari et al., 2019): ``(alpha + beta) * g_t - beta * g_{t-1}``.

    >>> import numpy as np
    >>> tx = scale_by_optimistic_gradient()
    >>> u, state = tx.update(np.array([1.0]), tx.init(np.zeros(1)))
    >>> tx.update(np.array([3.0]), state)[0]
    array([5.])
    """

    def init_fn(params):
        return ScaleByOptimisticGradientState(np.array(True), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        def step(g, prev):
            prev = fnp.where(state.is_initial_step, g, prev)
            return (alpha + beta) * g - beta * prev

        new_updates = tree_map(step, updates, state.previous_gradient)
        return new_updates, ScaleByOptimisticGradientState(np.array(False), updates)

    return GradientTransformation(init_fn, update_fn)


class ScaleByAdanState(NamedTuple):
    """State of ``scale_by_adan``: moments of the gradient, of its change, and of their combination; the last gradient; the step count."""

    m: Updates
    v: Updates
    n: Updates
    g: Updates
    t: Any


def scale_by_adan(b1: Any = 0.98, b2: Any = 0.92, b3: Any = 0.99, eps: Any = 1e-8, eps_root: Any = 0.0) -> GradientTransformation:
    """Adan's rescaling (Xie et al., 2022): Nesterov-style momentum from moving averages of the
    gradient and of its change between steps, over the root of a second moment of their combination.

    >>> import numpy as np
    >>> tx = scale_by_adan()
    >>> np.round(tx.update(np.array([2.0]), tx.init(np.zeros(1)))[0], 6)
    array([1.])
    """

    def init_fn(params):
        zeros = otu.tree_zeros_like(params)
        return ScaleByAdanState(zeros, zeros, zeros, zeros, _zero_count())

    def update_fn(updates, state, params=None):
        g = updates
        diff = otu.tree_where(state.t == 0, otu.tree_zeros_like(g), otu.tree_sub(g, state.g))
        m = otu.tree_update_moment(g, state.m, b1, 1)
        v = otu.tree_update_moment(diff, state.v, b2, 1)
        n = otu.tree_update_moment_per_elem_norm(otu.tree_add_scale(g, 1 - b2, diff), state.n, b3, 2)
        t = safe_increment(state.t)
        m_hat, v_hat, n_hat = (otu.tree_bias_correction(x, b, t) for x, b in ((m, b1), (v, b2), (n, b3)))
        direction = otu.tree_add_scale(m_hat, 1 - b2, v_hat)
        denominator = tree_map(lambda x: fnp.sqrt(x + eps_root) + eps, n_hat)
        return otu.tree_div(direction, denominator), ScaleByAdanState(m, v, n, g, t)

    return GradientTransformation(init_fn, update_fn)


class ScaleByRpropState(NamedTuple):
    """State of ``scale_by_rprop``: per-element step sizes and the last steps."""

    step_sizes: Updates
    prev_updates: Updates


def _factor(pred: Any, a: Any, b: Any, like: Any) -> Any:
    """``where(pred, a, b)`` in ``like``'s dtype: eagerly, a choice between two Python floats is a float64 array."""
    return fnp.astype(fnp.where(pred, a, b), fnp.asarray(like).dtype)


def scale_by_rprop(
    learning_rate: Any, eta_minus: Any = 0.5, eta_plus: Any = 1.2, min_step_size: Any = 1e-6, max_step_size: Any = 50.0
) -> GradientTransformation:
    """Rprop's rescaling (Riedmiller & Braun, 1993): steps of ``sign(g)`` times per-element sizes that
    grow by ``eta_plus`` while the gradient keeps its sign and shrink by ``eta_minus`` when it flips
    (the step after a flip is skipped).

    >>> import numpy as np
    >>> tx = scale_by_rprop(0.1)
    >>> _, state = tx.update(np.array([2.0]), tx.init(np.zeros(1)))
    >>> np.round(tx.update(np.array([3.0]), state)[0], 6)
    array([0.1])
    """

    def init_fn(params):
        return ScaleByRpropState(otu.tree_full_like(params, learning_rate), otu.tree_zeros_like(params))

    def update_fn(updates, state, params=None):
        sign = tree_map(lambda g, prev: g * prev, updates, state.prev_updates)
        step_sizes = tree_map(
            lambda s, size: fnp.where(
                s == 0, size, fnp.clip(size * _factor(s > 0, eta_plus, eta_minus, size), min=min_step_size, max=max_step_size)
            ),
            sign,
            state.step_sizes,
        )
        prev_updates = tree_map(lambda s, g, size: fnp.where(s < 0, fnp.zeros_like(g), size * fnp.sign(g)), sign, updates, step_sizes)
        updates = tree_map(lambda s, new, prev: fnp.where(s < 0, fnp.zeros_like(prev), prev), sign, prev_updates, state.prev_updates)
        return updates, ScaleByRpropState(step_sizes, prev_updates)

    return GradientTransformation(init_fn, update_fn)
