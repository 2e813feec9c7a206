"""Loss functions, as ``optax.losses``: regression (squared error, Huber, log-cosh, cosine),
classification (softmax and sigmoid cross-entropies, focal, hinge, perceptron, poly-1),
divergences (KL and its variants) and label smoothing. Each works elementwise or along
``axis`` without reducing over the batch: take the mean yourself.

>>> import numpy as np
>>> logits, labels = np.array([[2.0, 0.0, -1.0]]), np.array([0])
>>> np.round(softmax_cross_entropy_with_integer_labels(logits, labels), 6)
array([0.169846])
"""
from ._losses import *  # noqa: F403
from ._losses import __all__
