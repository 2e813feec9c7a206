"""``functrans.scipy.signal``: N-dimensional convolution and correlation, and ``detrend``.

Convolutions are computed directly: the windows of the zero-padded first input that the
output needs are gathered into one array (output shape by kernel shape) and contracted
with the flipped kernel, so a convolution is a gather and a ``tensordot`` whatever the
kernel's size, differentiable in both inputs. ``method='fft'`` is accepted and computed
the same way (functrans has no FFT yet).

>>> import numpy as np
>>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
array([0. , 1. , 2.5, 4. , 1.5])
"""
from ._signal import *  # noqa: F403
from ._signal import __all__
