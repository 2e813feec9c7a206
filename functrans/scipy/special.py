"""``functrans.scipy.special``: ``jax.scipy.special``'s functions, written on functrans
primitives, so they are differentiable where JAX's are and work under ``vmap`` and ``jit``.

Functions of several arguments promote them together (to float64 from integers) and
broadcast them, as SciPy's ufuncs do. Values follow SciPy's conventions at the edges of
each domain (nan outside it, the limits at its ends).

>>> import functrans.scipy.special as fsp
>>> float(fsp.logsumexp([1000.0, 1000.0]))    # no overflow
1000.6931471805599
"""
from ._special import *  # noqa: F403
from ._special import __all__
