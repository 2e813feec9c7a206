"""Fast Fourier transforms: one primitive, ``fft_p``, over the trailing axes.

``fft_type`` says which transform (``FftType``): ``FFT`` and ``IFFT`` take and give complex
arrays of the same shape; ``RFFT`` takes a real array and keeps the non-negative frequencies of
its last axis (``n // 2 + 1`` of them); ``IRFFT`` is its inverse, a real array whose last axis
has length ``fft_lengths[-1]``. The inverses carry NumPy's ``1 / n`` ("backward" norm).

Every transform is linear. Its transpose follows JAX's convention (the plain transpose, no
conjugation): the DFT matrix is symmetric, so ``FFT`` and ``IFFT`` are their own transposes;
``RFFT`` and ``IRFFT`` transpose into each other with the Hermitian weights (a frequency kept
once stands for itself and its mirror, so counts twice, except the zero and Nyquist ones).

Eager calls run ``numpy.fft``; compiled programs call ``numpy.fft`` through rocket-fft, which
teaches Numba the functions of ``numpy.fft`` and ``scipy.fft``. Both are pocketfft, but not the
same build of it: their results agree to rounding, not bit for bit (each compiled program
repeats its own bit for bit: it runs single-threaded).
"""
from __future__ import annotations

import enum
import math
from typing import Any, Sequence

import numpy as np

from .. import core
from ..autodiff import deflinear
from ..batching import batching_rules, moveaxis
from ..core import Primitive, ShapedArray
from ..errors import ShapeError
from ..lowering import def_statement
from . import elementwise as _ew
from . import shape as _shape


class FftType(enum.IntEnum):
    """Which transform ``fft`` computes.

    >>> FftType.RFFT, FftType(3)
    (<FftType.RFFT: 2>, <FftType.IRFFT: 3>)
    """

    FFT = 0  # complex to complex, forward
    IFFT = 1  # complex to complex, inverse (scaled by 1 / n)
    RFFT = 2  # real to complex, forward: the non-negative frequencies of the last axis
    IRFFT = 3  # complex to real, inverse of RFFT (scaled by 1 / n)


def _complex_dtype(dtype: np.dtype) -> np.dtype:
    return np.result_type(dtype, np.complex64)


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.finfo(dtype).dtype


def _fft_out_aval(x: ShapedArray, fft_type: FftType, fft_lengths: tuple) -> ShapedArray:
    k = len(fft_lengths)
    if k > x.ndim:
        raise ShapeError(f"FFT input shape {x.shape} must have at least as many input dimensions as "
                         f"fft_lengths {fft_lengths}.")
    batch, minor = x.shape[: x.ndim - k], x.shape[x.ndim - k :]
    if fft_type == FftType.RFFT:
        if 0 in fft_lengths:  # it would have one frequency: NumPy's error
            raise ShapeError(f"RFFT: invalid number of FFT data points (0) in fft_lengths {fft_lengths}")
        if x.dtype not in (np.float32, np.float64):
            raise ValueError(f"RFFT input must be float32 or float64, got {x.dtype}")
        if minor != fft_lengths:
            raise ShapeError(f"RFFT input shape {x.shape} minor dimensions must be equal to fft_lengths {fft_lengths}")
        return ShapedArray(batch + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,), _complex_dtype(x.dtype))
    name = fft_type.name
    if x.dtype.kind != "c":
        raise ValueError(f"{name} input must be complex64 or complex128, got {x.dtype}")
    if fft_type == FftType.IRFFT:
        if minor != fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,):
            raise ShapeError(f"IRFFT input shape {x.shape} minor dimensions must be equal to all except the last "
                             f"fft_length, and the last must be fft_lengths[-1] // 2 + 1, got fft_lengths={fft_lengths}")
        return ShapedArray(batch + fft_lengths, _real_dtype(x.dtype))
    if minor != fft_lengths:
        raise ShapeError(f"{name} input shape {x.shape} minor dimensions must be equal to fft_lengths {fft_lengths}")
    return ShapedArray(x.shape, x.dtype)


# --------------------------------------------------------------------------- fft

fft_p = Primitive("fft")
# numpy.fft's function for each type; each takes (array, s, axes) and keeps float32 single precision.
_NUMPY_FFTS = {FftType.FFT: "fftn", FftType.IFFT: "ifftn", FftType.RFFT: "rfftn", FftType.IRFFT: "irfftn"}


@fft_p.def_impl
def _fft_impl(x, *, fft_type, fft_lengths):
    out = _fft_out_aval(core.get_aval(x), fft_type, fft_lengths)
    if not out.size or not x.size:  # numpy.fft rejects length-0 transforms; the result is all zeros
        return [np.zeros(out.shape, out.dtype)]
    axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
    return [getattr(np.fft, _NUMPY_FFTS[fft_type])(x, fft_lengths, axes).astype(out.dtype, copy=False)]


@fft_p.def_abstract_eval
def _fft_abstract_eval(x, *, fft_type, fft_lengths):
    return [_fft_out_aval(x, fft_type, fft_lengths)]


def _hermitian_weights(ct: Any, fft_lengths: tuple, once: float, twice: float) -> Any:
    """A factor per kept frequency of an RFFT's last axis, shaped and typed as ``ct``: ``once``
    for those counted once in the full spectrum (zero, and Nyquist for even lengths), ``twice``
    for the others, which also stand for their mirror images."""
    aval = core.get_aval(ct)
    weights = np.full(aval.shape[-1], twice, aval.dtype)
    weights[0] = once
    if fft_lengths[-1] % 2 == 0:
        weights[-1] = once
    return _shape.broadcast_in_dim(weights, aval.shape, (aval.ndim - 1,))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
    n = math.prod(fft_lengths)
    if not n or not core.get_aval(ct).size:
        return [_shape.full(x.aval.shape, 0, x.aval.dtype)]
    if fft_type == FftType.RFFT:
        # The real part of the (unconjugated) transposed sum over the half spectrum: an IRFFT of
        # the conjugate, undoing its 1 / n and its Hermitian weights.
        return [fft(_ew.conj(_ew.mul(ct, _hermitian_weights(ct, fft_lengths, n, n / 2))), FftType.IRFFT, fft_lengths)]
    if fft_type == FftType.IRFFT:
        spectrum = fft(ct, FftType.RFFT, fft_lengths)
        return [_ew.conj(_ew.mul(spectrum, _hermitian_weights(spectrum, fft_lengths, 1 / n, 2 / n)))]
    return [fft(ct, fft_type, fft_lengths)]  # the DFT matrix (and its inverse) is symmetric


def _fft_batch(size, vals, dims, *, fft_type, fft_lengths):
    (x,), (bdim,) = vals, dims
    if bdim >= x.ndim - len(fft_lengths):  # a batch axis among the transformed ones moves in front of them
        x, bdim = moveaxis(x, bdim, 0), 0
    return [fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths)], [bdim]


deflinear(fft_p, _fft_transpose)
batching_rules[fft_p] = _fft_batch


@def_statement(fft_p, fresh=True)
def _fft_lowering(em, eqn, args, outs):
    # rocket-fft's numpy.fft, the lengths and (trailing) axes literals of the program, writing into
    # the result's buffer (an output's own: Numba compiles a copy into it, out[...] = y, for seconds).
    (x,), (out,) = eqn.inputs, eqn.out_binders
    fft_type, lengths = eqn.params["fft_type"], eqn.params["fft_lengths"]
    if not out.aval.size or not x.aval.size:
        em.emit(f"{outs[0]} = np.zeros({out.aval.shape!r}, np.{out.aval.dtype.name})")
        return
    em.allocate(out)
    axes = tuple(range(x.aval.ndim - len(lengths), x.aval.ndim))
    em.emit(f"np.fft.{_NUMPY_FFTS[fft_type]}({args[0]}, {lengths!r}, {axes!r}, None, {outs[0]})")


_FFT_TYPE_NAMES = {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT, "irfft": FftType.IRFFT}


def _fft_type(fft_type: FftType | str) -> FftType:
    if isinstance(fft_type, FftType):
        return fft_type
    if isinstance(fft_type, str):
        if fft_type.lower() not in _FFT_TYPE_NAMES:
            raise ValueError(f"Unknown FFT type '{fft_type}'")
        return _FFT_TYPE_NAMES[fft_type.lower()]
    raise TypeError(f"Unknown FFT type value '{fft_type}'")


def fft(x: Any, fft_type: FftType | str, fft_lengths: Sequence[int]) -> Any:
    """The FFT of ``x`` over its last ``len(fft_lengths)`` axes, as ``jax.lax.fft``.

    ``fft_type`` is an ``FftType`` or its name (``"fft"``, ``"ifft"``, ``"rfft"``, ``"irfft"``).
    ``x`` is converted first: to complex for ``FFT``, ``IFFT`` and ``IRFFT`` (float32 to
    complex64), to floating point for ``RFFT`` (which rejects complex input). The inverse
    transforms divide by the product of the lengths. No lengths: ``x`` converted.

    >>> fft(np.array([1.0, 2.0, 3.0, 4.0]), FftType.FFT, (4,))
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> fft(np.array([10, -2 + 2j, -2]), "irfft", (4,))
    array([1., 2., 3., 4.])
    """
    fft_type = _fft_type(fft_type)
    lengths = tuple(int(n) for n in fft_lengths)
    if not isinstance(x, core.Tracer):
        x = np.asarray(x)
    dtype = core.get_aval(x).dtype
    if fft_type == FftType.RFFT:
        if dtype.kind == "c":
            raise ValueError("only real valued inputs supported for rfft")
        x = _ew.convert_element_type(x, dtype if dtype.kind == "f" else np.float64)
    else:
        x = _ew.convert_element_type(x, _complex_dtype(dtype if dtype.kind in "fc" else np.float64))
    if not lengths:
        return x
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=lengths)
