"""``functrans.nn``: activation functions, softmax, attention and initializers, as ``jax.nn``.

Each function is numerically stable (no overflow at logits of +-1000) and differentiable
to any order; at a kink the derivative follows JAX (``relu'(0) = 0``).

>>> import numpy as np
>>> import functrans.nn as nn
>>> nn.softmax(np.array([1000.0, 1000.0]))
array([0.5, 0.5])
"""
from ._activations import (
    celu, elu, gelu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, identity, leaky_relu, log1mexp, log_sigmoid,
    mish, relu, relu6, selu, sigmoid, silu, soft_sign, softplus, sparse_plus, sparse_sigmoid, squareplus, swish, tanh,
)
from ._attention import dot_product_attention, scaled_dot_general, scaled_matmul
from ._layers import glu, one_hot, standardize
from ._scaled_config import get_scaled_dot_general_config
from ._softmax import log_softmax, logmeanexp, logsumexp, softmax

# Last: functrans.random imports softmax from this package.
from . import initializers  # noqa: E402

__all__ = [
    "celu", "dot_product_attention", "elu", "gelu", "get_scaled_dot_general_config", "glu", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "identity", "initializers", "leaky_relu", "log1mexp", "log_sigmoid", "log_softmax",
    "logmeanexp", "logsumexp",
    "mish", "one_hot", "relu", "relu6", "scaled_dot_general", "scaled_matmul", "selu", "sigmoid", "silu",
    "soft_sign", "softmax", "softplus", "sparse_plus", "sparse_sigmoid", "squareplus", "standardize", "swish", "tanh",
]
