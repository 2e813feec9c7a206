"""``functrans.numpy.fft``: every name of ``jax.numpy.fft``, written on ``functrans.lax.fft``
(one primitive transforming the trailing axes; these functions move the axes there, crop or
zero-pad them to ``n``/``s`` and apply ``norm``).

Dtypes as NumPy's: float32 input gives complex64, other real and integer input complex128;
``rfft`` and friends reject complex input with ``ValueError``. Every function differentiates
(forward and reverse, JAX's complex convention), batches under ``vmap`` and compiles under
``jit`` (Numba, through rocket-fft).
"""
from ._fft import *  # noqa: F403
from ._fft import __all__
