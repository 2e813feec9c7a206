"""The optimisers, each a ``chain`` of transformations (as ``optax._src.alias``)."""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Union

import numpy as np

from ._accumulation import ema, trace
from ._adaptive import (
    scale_by_adadelta, scale_by_adam, scale_by_adamax, scale_by_adan, scale_by_amsgrad, scale_by_belief, scale_by_lion,
    scale_by_novograd, scale_by_optimistic_gradient, scale_by_radam, scale_by_rms, scale_by_rprop, scale_by_rss,
    scale_by_sm3, scale_by_stddev, scale_by_yogi,
)
from ._adding import add_decayed_weights, add_noise
from ._base import GradientTransformationExtraArgs, ScalarOrSchedule, identity, scale
from ._clipping import clip_by_block_rms
from ._combining import chain
from ._factorized import scale_by_factored_rms
from ._masking import masked
from ._scaling import scale_by_learning_rate, scale_by_param_block_rms, scale_by_sign, scale_by_trust_ratio

MaskOrFn = Optional[Union[Any, Callable[[Any], Any]]]


def adabelief(
    learning_rate: ScalarOrSchedule, b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-16, eps_root: Any = 1e-16, *, nesterov: bool = False
) -> GradientTransformationExtraArgs:
    """AdaBelief (Zhuang et al., 2020): Adam with the second moment of the gradient's deviation from its mean.

    >>> import numpy as np
    >>> opt = adabelief(0.1)
    >>> np.round(opt.update(np.array([1.0]), opt.init(np.zeros(1)))[0], 6)
    array([-0.111111])
    """
    return chain(scale_by_belief(b1, b2, eps, eps_root, nesterov=nesterov), scale_by_learning_rate(learning_rate))


def adadelta(
    learning_rate: Optional[ScalarOrSchedule] = None,
    rho: Any = 0.9,
    eps: Any = 1e-6,
    weight_decay: ScalarOrSchedule = 0.0,
    weight_decay_mask: MaskOrFn = None,
) -> GradientTransformationExtraArgs:
    """AdaDelta (Zeiler, 2012), with optional weight decay added before the rescaling.

    >>> import numpy as np
    >>> opt = adadelta(1.0, eps=1e-4)
    >>> np.round(opt.update(np.array([1.0]), opt.init(np.zeros(1)), np.zeros(1))[0], 6)
    array([-0.031607])
    """
    return chain(
        add_decayed_weights(weight_decay, mask=weight_decay_mask),
        scale_by_adadelta(rho=rho, eps=eps),
        scale_by_learning_rate(learning_rate),
    )


def adafactor(
    learning_rate: Optional[ScalarOrSchedule] = None,
    min_dim_size_to_factor: int = 128,
    decay_rate: Any = 0.8,
    decay_offset: Any = 0,
    multiply_by_parameter_scale: bool = True,
    clipping_threshold: Optional[Any] = 1.0,
    momentum: Optional[Any] = None,
    dtype_momentum: Any = np.float32,
    weight_decay_rate: Optional[ScalarOrSchedule] = None,
    eps: Any = 1e-30,
    factored: bool = True,
    weight_decay_mask: MaskOrFn = None,
) -> GradientTransformationExtraArgs:
    """Adafactor (Shazeer & Stern, 2018): factored second moments, update clipping by block RMS,
    steps relative to the parameters' scale.

    >>> import numpy as np
    >>> opt = adafactor(0.1)
    >>> np.round(opt.update(np.array([1.0, -1.0]), opt.init(np.ones(2)), np.ones(2))[0], 6)
    array([-0.1,  0.1])
    """
    tx = [scale_by_factored_rms(factored, decay_rate, decay_offset, min_dim_size_to_factor, eps)]
    if clipping_threshold is not None:
        tx.append(clip_by_block_rms(clipping_threshold))
    if learning_rate is not None:
        tx.append(scale_by_learning_rate(learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        tx.append(scale_by_param_block_rms())
    if momentum is not None:
        tx.append(ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
    if weight_decay_rate is not None:
        tx.append(add_decayed_weights(weight_decay_rate, mask=weight_decay_mask))
    tx.append(scale(-1))
    return chain(*tx)


def adagrad(learning_rate: ScalarOrSchedule, initial_accumulator_value: Any = 0.1, eps: Any = 1e-7) -> GradientTransformationExtraArgs:
    """AdaGrad (Duchi et al., 2011): steps divided by the root of the sum of all squared gradients.

    >>> import numpy as np
    >>> opt = adagrad(0.1, initial_accumulator_value=0.0, eps=0.0)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0]
    array([-0.1])
    """
    return chain(scale_by_rss(initial_accumulator_value, eps), scale_by_learning_rate(learning_rate))


def adam(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """Adam (Kingma & Ba, 2015).

    >>> import numpy as np
    >>> opt = adam(0.1)
    >>> opt.update(np.array([1.0, -2.0]), opt.init(np.zeros(2)))[0]    # the first step is -lr * sign(g)
    array([-0.1,  0.1])
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov), scale_by_learning_rate(learning_rate))


def nadam(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = True,
) -> GradientTransformationExtraArgs:
    """NAdam (Dozat, 2016): Adam with Nesterov momentum.

    >>> import numpy as np
    >>> opt = nadam(0.1)
    >>> np.round(opt.update(np.array([1.0]), opt.init(np.zeros(1)))[0], 6)
    array([-0.147368])
    """
    return adam(learning_rate, b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov)


def adamw(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    weight_decay: ScalarOrSchedule = 1e-4,
    mask: MaskOrFn = None,
    *,
    nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, ``-lr * (adam_step + weight_decay * params)``.

    >>> import numpy as np
    >>> opt = adamw(0.1, weight_decay=0.5)
    >>> opt.update(np.array([1.0]), opt.init(np.ones(1)), np.ones(1))[0]
    array([-0.15])
    """
    return chain(
        scale_by_adam(b1, b2, eps, eps_root, mu_dtype, nesterov=nesterov),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )


nadamw = functools.partial(adamw, nesterov=True)
nadamw.__doc__ = "NAdamW: AdamW with Nesterov momentum (``adamw(..., nesterov=True)``)."


def lion(
    learning_rate: ScalarOrSchedule, b1: Any = 0.9, b2: Any = 0.99, mu_dtype: Any = None, weight_decay: ScalarOrSchedule = 1e-3, mask: MaskOrFn = None
) -> GradientTransformationExtraArgs:
    """Lion (Chen et al., 2023): signed momentum steps, with decoupled weight decay.

    >>> import numpy as np
    >>> opt = lion(0.1, weight_decay=0.0)
    >>> opt.update(np.array([0.3, -2.0]), opt.init(np.zeros(2)), np.zeros(2))[0]
    array([-0.1,  0.1])
    """
    return chain(scale_by_lion(b1, b2, mu_dtype), add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate))


def amsgrad(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    mu_dtype: Any = None,
    bias_correction_mu: bool = True,
    bias_correction_nu: bool = True,
) -> GradientTransformationExtraArgs:
    """AMSGrad (Reddi et al., 2018): Adam dividing by the largest second moment seen so far.

    >>> import numpy as np
    >>> opt = amsgrad(0.1)
    >>> opt.update(np.array([3.0]), opt.init(np.zeros(1)))[0]
    array([-0.1])
    """
    return chain(
        scale_by_amsgrad(b1, b2, eps, eps_root, mu_dtype, bias_correction_mu, bias_correction_nu),
        scale_by_learning_rate(learning_rate),
    )


def fromage(learning_rate: ScalarOrSchedule, min_norm: Any = 1e-6) -> GradientTransformationExtraArgs:
    """Fromage (Bernstein et al., 2020): steps of relative size ``learning_rate`` per layer, shrunk by ``1 / sqrt(1 + lr**2)``.

    >>> import numpy as np
    >>> opt = fromage(0.1)
    >>> np.round(opt.update(np.array([3.0, 4.0]), opt.init(None), np.array([0.0, 5.0]))[0], 6)
    array([-0.298511, -0.422829])
    """
    if not callable(learning_rate):
        mult = 1 / (1 + learning_rate**2) ** 0.5
        return chain(scale_by_trust_ratio(min_norm), scale_by_learning_rate(learning_rate * mult), add_decayed_weights(mult - 1))
    mult_lr = lambda count: 1 / (1 + learning_rate(count) ** 2) ** 0.5  # noqa: E731
    return chain(
        scale_by_trust_ratio(min_norm),
        scale_by_learning_rate(lambda c: mult_lr(c) * learning_rate(c)),
        add_decayed_weights(lambda c: mult_lr(c) - 1),
    )


def lars(
    learning_rate: ScalarOrSchedule,
    weight_decay: ScalarOrSchedule = 0.0,
    weight_decay_mask: MaskOrFn = True,
    trust_coefficient: Any = 0.001,
    eps: Any = 0.0,
    trust_ratio_mask: MaskOrFn = True,
    momentum: Any = 0.9,
    nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """LARS (You et al., 2017): momentum SGD with each layer's step scaled by its trust ratio.

    >>> import numpy as np
    >>> opt = lars(1.0, trust_coefficient=1.0)
    >>> opt.update(np.array([0.0, 2.0]), opt.init(np.ones(2)), np.array([3.0, 4.0]))[0]
    array([ 0., -5.])
    """
    return chain(
        add_decayed_weights(weight_decay, mask=weight_decay_mask),
        masked(scale_by_trust_ratio(trust_coefficient=trust_coefficient, eps=eps), mask=trust_ratio_mask),
        scale_by_learning_rate(learning_rate),
        trace(decay=momentum, nesterov=nesterov),
    )


def lamb(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-6,
    eps_root: Any = 0.0,
    weight_decay: ScalarOrSchedule = 0.0,
    mask: MaskOrFn = None,
) -> GradientTransformationExtraArgs:
    """LAMB (You et al., 2020): AdamW's direction scaled per layer by its trust ratio.

    >>> import numpy as np
    >>> opt = lamb(0.1)
    >>> np.round(opt.update(np.array([3.0, 4.0]), opt.init(np.ones(2)), np.array([3.0, 4.0]))[0], 6)
    array([-0.353553, -0.353553])
    """
    return chain(
        scale_by_adam(b1, b2, eps, eps_root),
        add_decayed_weights(weight_decay, mask),
        scale_by_trust_ratio(),
        scale_by_learning_rate(learning_rate),
    )


def noisy_sgd(learning_rate: ScalarOrSchedule, eta: Any = 0.01, gamma: Any = 0.55, key: Any = None, *, seed: Optional[int] = None) -> GradientTransformationExtraArgs:
    """SGD with annealed Gaussian gradient noise of variance ``eta / t**gamma`` (Neelakantan et al., 2015).

    >>> import numpy as np
    >>> opt = noisy_sgd(0.1, eta=0.0, key=0)
    >>> opt.update(np.array([1.0]), opt.init(np.zeros(1)))[0]
    array([-0.1])
    """
    return chain(add_noise(eta, gamma, key, seed=seed), scale_by_learning_rate(learning_rate))


def sign_sgd(learning_rate: ScalarOrSchedule) -> GradientTransformationExtraArgs:
    """signSGD (Bernstein et al., 2018): steps of ``-learning_rate * sign(g)``.

    >>> import numpy as np
    >>> opt = sign_sgd(0.1)
    >>> opt.update(np.array([3.0, -0.2]), opt.init(None))[0]
    array([-0.1,  0.1])
    """
    return chain(scale_by_sign(), scale_by_learning_rate(learning_rate))


def signum(learning_rate: ScalarOrSchedule, beta: Any = 0.9, accumulator_dtype: Any = None) -> GradientTransformationExtraArgs:
    """Signum (Bernstein et al., 2018): signSGD on an exponential moving average of the gradients.

    >>> import numpy as np
    >>> opt = signum(0.1)
    >>> opt.update(np.array([3.0, -0.2]), opt.init(np.zeros(2)))[0]
    array([-0.1,  0.1])
    """
    return chain(ema(beta, debias=False, accumulator_dtype=accumulator_dtype), scale_by_sign(), scale_by_learning_rate(learning_rate))


def novograd(
    learning_rate: ScalarOrSchedule, b1: Any = 0.9, b2: Any = 0.25, eps: Any = 1e-6, eps_root: Any = 0.0, weight_decay: ScalarOrSchedule = 0.0
) -> GradientTransformationExtraArgs:
    """NovoGrad (Ginsburg et al., 2019): per-layer normalised gradients with momentum and weight decay.

    >>> import numpy as np
    >>> opt = novograd(0.1)
    >>> np.round(opt.update(np.array([3.0, 4.0]), opt.init(np.zeros(2)), np.zeros(2))[0], 6)
    array([-0.06, -0.08])
    """
    return chain(scale_by_novograd(b1, b2, eps, eps_root, weight_decay), scale_by_learning_rate(learning_rate))


def optimistic_gradient_descent(learning_rate: ScalarOrSchedule, alpha: ScalarOrSchedule = 1.0, beta: ScalarOrSchedule = 1.0) -> GradientTransformationExtraArgs:
    """Optimistic gradient descent (Mokhtari et al., 2019), for min-max games.

    >>> import numpy as np
    >>> opt = optimistic_gradient_descent(0.1)
    >>> opt.update(np.array([1.0]), opt.init(np.zeros(1)))[0]
    array([-0.1])
    """
    return chain(scale_by_optimistic_gradient(alpha, beta), scale_by_learning_rate(learning_rate))


def radam(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.9,
    b2: Any = 0.999,
    eps: Any = 1e-8,
    eps_root: Any = 0.0,
    threshold: Any = 5.0,
    *,
    nesterov: bool = False,
) -> GradientTransformationExtraArgs:
    """RAdam (Liu et al., 2020): Adam with its early, high-variance steps replaced by momentum SGD.

    >>> import numpy as np
    >>> opt = radam(0.1)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0]
    array([-0.2])
    """
    return chain(scale_by_radam(b1, b2, eps, eps_root, threshold, nesterov=nesterov), scale_by_learning_rate(learning_rate))


def rmsprop(
    learning_rate: ScalarOrSchedule,
    decay: Any = 0.9,
    eps: Any = 1e-8,
    initial_scale: Any = 0.0,
    eps_in_sqrt: bool = True,
    centered: bool = False,
    momentum: Optional[Any] = None,
    nesterov: bool = False,
    bias_correction: bool = False,
) -> GradientTransformationExtraArgs:
    """RMSProp (Tieleman & Hinton, 2012), optionally centred (Graves, 2013) and with (Nesterov) momentum.

    >>> import numpy as np
    >>> opt = rmsprop(0.1, decay=0.75, eps=0.0)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0]
    array([-0.2])
    """
    rescale = scale_by_stddev if centered else scale_by_rms
    return chain(
        rescale(decay=decay, eps=eps, initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt, bias_correction=bias_correction),
        scale_by_learning_rate(learning_rate),
        trace(decay=momentum, nesterov=nesterov) if momentum is not None else identity(),
    )


def sgd(learning_rate: ScalarOrSchedule, momentum: Optional[Any] = None, nesterov: bool = False, accumulator_dtype: Any = None) -> GradientTransformationExtraArgs:
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    >>> import numpy as np
    >>> opt = sgd(0.1)
    >>> opt.update(np.array([2.0]), opt.init(None))[0]
    array([-0.2])
    """
    momentum_part = trace(momentum, nesterov, accumulator_dtype) if momentum is not None else identity()
    return chain(momentum_part, scale_by_learning_rate(learning_rate))


def sm3(learning_rate: Any, momentum: Any = 0.9) -> GradientTransformationExtraArgs:
    """SM3 (Anil et al., 2019): a memory-efficient AdaGrad, with momentum.

    >>> import numpy as np
    >>> opt = sm3(1.0)
    >>> np.round(opt.update(np.array([[2.0, -1.0]]), opt.init(np.zeros((1, 2))))[0], 6)
    array([[-0.1,  0.1]])
    """
    return chain(scale_by_sm3(momentum), scale(-learning_rate))


def yogi(learning_rate: ScalarOrSchedule, b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-3) -> GradientTransformationExtraArgs:
    """Yogi (Zaheer et al., 2018): Adam with an additive, sign-controlled second-moment update.

    >>> import numpy as np
    >>> opt = yogi(0.1)
    >>> np.round(opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0], 5)
    array([-0.09994])
    """
    return chain(scale_by_yogi(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamax(learning_rate: ScalarOrSchedule, b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-8) -> GradientTransformationExtraArgs:
    """Adamax (Kingma & Ba, 2015): Adam with the infinity norm in place of the second moment.

    >>> import numpy as np
    >>> opt = adamax(0.1)
    >>> np.round(opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0], 6)
    array([-0.1])
    """
    return chain(scale_by_adamax(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamaxw(
    learning_rate: ScalarOrSchedule, b1: Any = 0.9, b2: Any = 0.999, eps: Any = 1e-8, weight_decay: ScalarOrSchedule = 1e-4, mask: MaskOrFn = None
) -> GradientTransformationExtraArgs:
    """Adamax with decoupled weight decay.

    >>> import numpy as np
    >>> opt = adamaxw(0.1, weight_decay=0.5)
    >>> np.round(opt.update(np.array([2.0]), opt.init(np.ones(1)), np.ones(1))[0], 6)
    array([-0.15])
    """
    return chain(scale_by_adamax(b1, b2, eps), add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate))


def adan(
    learning_rate: ScalarOrSchedule,
    b1: Any = 0.98,
    b2: Any = 0.92,
    b3: Any = 0.99,
    eps: Any = 1e-8,
    eps_root: Any = 1e-8,
    weight_decay: ScalarOrSchedule = 0.0,
    mask: MaskOrFn = None,
) -> GradientTransformationExtraArgs:
    """Adan (Xie et al., 2022), with decoupled weight decay.

    >>> import numpy as np
    >>> opt = adan(0.1)
    >>> np.round(opt.update(np.array([2.0]), opt.init(np.zeros(1)), np.zeros(1))[0], 6)
    array([-0.1])
    """
    return chain(scale_by_adan(b1, b2, b3, eps, eps_root), add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate))


def rprop(
    learning_rate: Any, eta_minus: Any = 0.5, eta_plus: Any = 1.2, min_step_size: Any = 1e-6, max_step_size: Any = 50.0
) -> GradientTransformationExtraArgs:
    """Rprop (Riedmiller & Braun, 1993): sign steps with per-element adaptive sizes.

    >>> import numpy as np
    >>> opt = rprop(0.1)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0]    # the first step only records the sign
    array([-0.])
    """
    return chain(scale_by_rprop(learning_rate, eta_minus, eta_plus, min_step_size, max_step_size), scale(-1.0))
