"""Schedules, as ``optax.schedules``: functions of the step count (0, 1, ...) giving a
hyperparameter's value, written with ``functrans.numpy`` so that the count may be traced;
and ``inject_hyperparams``, which makes an optimiser's hyperparameters part of its state.

>>> import numpy as np
>>> schedule = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=110)
>>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 60, 110)]
[0.0, 0.5, 1.0, 0.5, 0.0]
"""
from ._schedules import *  # noqa: F403
from ._schedules import __all__
