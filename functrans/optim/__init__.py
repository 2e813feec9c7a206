"""Gradient transformations, as optax 0.2.8: ``import functrans.optim as optax`` runs optax code.

A ``GradientTransformation`` is a pair of pure functions, ``init(params) -> state`` and
``update(grads, state, params=None) -> (updates, state)``; ``apply_updates`` adds the updates
to the parameters. States are NamedTuples of arrays with optax's field names (counts are
int32 arrays), so a whole training step, optimiser included, runs inside ``jit``, and each
optimiser takes the same steps as optax's.

>>> import numpy as np
>>> import functrans as ft
>>> opt = adam(0.1)
>>> params = {"w": np.array([1.0, -2.0])}
>>> state = opt.init(params)
>>> grads = ft.grad(lambda p: (p["w"] ** 2).sum())(params)
>>> updates, state = opt.update(grads, state, params)
>>> apply_updates(params, updates)["w"]    # the first Adam step is -lr * sign(grad)
array([ 0.9, -1.9])

A learning rate may be a schedule (``functrans.optim.schedules``): a function of the step
count giving the rate. ``losses`` has optax's loss functions, ``tree_utils`` (and ``tree``)
its pytree arithmetic, ``transforms`` its combinators.
"""

from . import losses, schedules, transforms, tree, tree_utils
from ._accumulation import (
    ApplyEvery, EmaState, MultiSteps, MultiStepsState, ShouldSkipUpdateFunction, TraceState, apply_every, ema,
    skip_large_updates, skip_not_finite, trace,
)
from ._adaptive import (
    ScaleByAdaDeltaState, ScaleByAdamState, ScaleByAdanState, ScaleByAmsgradState, ScaleByRpropState, ScaleByBeliefState, ScaleByLionState,
    ScaleByNovogradState, ScaleByOptimisticGradientState, ScaleByRmsState, ScaleByRmsWithCountState, ScaleByRssState,
    ScaleByRStdDevState, ScaleByRStdDevWithCountState, ScaleBySM3State, scale_by_adadelta, scale_by_adam,
    scale_by_adamax, scale_by_adan, scale_by_rprop, scale_by_amsgrad, scale_by_belief, scale_by_lion, scale_by_novograd, scale_by_optimistic_gradient,
    scale_by_radam, scale_by_rms, scale_by_rss, scale_by_sm3, scale_by_stddev, scale_by_yogi,
)
from ._adding import AddDecayedWeightsState, AddNoiseState, WeightDecaySchedule, add_decayed_weights, add_noise
from ._alias import (
    MaskOrFn, adabelief, adadelta, adafactor, adagrad, adam, adamax, adamaxw, adamw, adan, amsgrad, rprop, fromage, lamb, lars, lion,
    nadam, nadamw, noisy_sgd, novograd, optimistic_gradient_descent, radam, rmsprop, sgd, sign_sgd, signum, sm3, yogi,
)
from ._base import (
    EmptyState, GradientTransformation, GradientTransformationExtraArgs, OptState, Params, Schedule, ScalarOrSchedule,
    StatefulSchedule, TransformInitFn, TransformUpdateExtraArgsFn, TransformUpdateFn, Updates, identity,
    init_empty_state, scale, set_to_zero, stateless, stateless_with_tree_map, with_extra_args_support,
)
from ._clipping import (
    AdaptiveGradClipState, ClipByGlobalNormState, ClipState, adaptive_grad_clip, clip, clip_by_block_rms,
    clip_by_global_norm, per_example_global_norm_clip,
)
from ._combining import MultiTransformState, PartitionState, chain, multi_transform, named_chain, partition
from ._conditionality import (
    ApplyIfFiniteState, ConditionallyMaskState, ConditionallyTransformState, apply_if_finite, conditionally_mask,
    conditionally_transform,
)
from ._constraining import NonNegativeParamsState, ZeroNansState, keep_params_nonnegative, zero_nans
from ._factorized import FactoredState, scale_by_factored_rms
from ._layouts import flatten
from ._masking import MaskedNode, MaskedState, masked
from ._numerics import safe_increment, safe_int32_increment, safe_norm, safe_root_mean_squares
from ._scaling import (
    ScaleByScheduleState, centralize, scale_by_learning_rate, scale_by_param_block_norm, scale_by_param_block_rms,
    scale_by_schedule, scale_by_sign, scale_by_trust_ratio,
)
from ._update import apply_updates, incremental_update, periodic_update
from .losses import (
    convex_kl_divergence, cosine_distance, cosine_similarity, generalized_kl_divergence, hinge_loss, huber_loss,
    kl_divergence, l2_loss, log_cosh, safe_softmax_cross_entropy, sigmoid_binary_cross_entropy, sigmoid_focal_loss,
    smooth_labels, softmax_cross_entropy, softmax_cross_entropy_with_integer_labels, squared_error,
)
from .schedules import (
    InjectHyperparamsState, InjectStatefulHyperparamsState, constant_schedule, cosine_decay_schedule,
    cosine_onecycle_schedule, exponential_decay, inject_hyperparams, inject_stateful_hyperparams, join_schedules,
    linear_onecycle_schedule, linear_schedule, piecewise_constant_schedule, piecewise_interpolate_schedule,
    polynomial_schedule, sgdr_schedule, warmup_constant_schedule, warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule,
)
from .tree_utils import tree_map_params

global_norm = tree_utils.tree_norm
ScaleState = EmptyState
ScaleByTrustRatioState = EmptyState

__all__ = [name for name in dir() if not name.startswith("_")]
