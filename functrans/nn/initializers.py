"""Weight initializers, as ``jax.nn.initializers``: each ``initializer(key, shape, dtype)``.

The factories (``normal(stddev)``, ``variance_scaling(...)``, ``glorot_uniform()``...)
return initializers; ``zeros`` and ``ones`` are initializers themselves. Floats are
float64 unless a ``dtype`` is given (to the factory, or to the initializer call).

>>> from functrans import random
>>> w = glorot_normal()(random.PRNGKey(0), (64, 32))
>>> w.shape, w.dtype
((64, 32), dtype('float64'))
"""
from ._initializers import *  # noqa: F403
from ._initializers import __all__
