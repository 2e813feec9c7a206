"""``optax.transforms``: the combinators and the transformations that wrap or add to others.

>>> import numpy as np
>>> tx = chain(clip_by_global_norm(1.0), masked(add_decayed_weights(0.1), {"w": True, "b": False}))
>>> params = {"w": np.array([3.0]), "b": np.array([4.0])}
>>> tx.update({"w": np.zeros(1), "b": np.zeros(1)}, tx.init(params), params)[0]
{'b': array([0.]), 'w': array([0.3])}
"""
from __future__ import annotations

from ._accumulation import (
    EmaState, MultiSteps, MultiStepsState, ShouldSkipUpdateFunction, TraceState, ema, skip_large_updates,
    skip_not_finite, trace,
)
from ._adding import AddDecayedWeightsState, AddNoiseState, WeightDecaySchedule, add_decayed_weights, add_noise
from ._clipping import (
    AdaptiveGradClipState, ClipByGlobalNormState, ClipState, adaptive_grad_clip, clip, clip_by_block_rms,
    clip_by_global_norm, per_example_global_norm_clip, unitwise_clip, unitwise_norm,
)
from ._combining import PartitionState, chain, named_chain, partition
from ._conditionality import (
    ApplyIfFiniteState, ConditionallyMaskState, ConditionallyTransformState, ConditionFn, apply_if_finite,
    conditionally_mask, conditionally_transform,
)
from ._constraining import NonNegativeParamsState, ZeroNansState, keep_params_nonnegative, zero_nans
from ._layouts import flatten
from ._masking import MaskedNode, MaskedState, masked
