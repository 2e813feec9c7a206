"""The implementation of ``functrans.numpy.fft``, which re-exports the names in ``__all__``."""
from __future__ import annotations

__all__ = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn", "ifftshift", "ihfft",
    "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn",
]

import math
import operator
from typing import Any, Sequence

import numpy as np

from .. import lax
from ..lax.fft import FftType, fft as _lax_fft
from ._base import ArrayLike, asarray, canonical_axis
from ._shape import arange, moveaxis, roll
from ._ufuncs import conj, multiply, true_divide

Shape = Sequence[int]


def _norm_factor(func_name: str, norm: str | None, lengths: Sequence[int]) -> float:
    """The factor the unnormalised transform (inverses already divided by ``n``) is multiplied by."""
    if norm is None or norm == "backward":
        return 1.0
    n = math.prod(lengths)
    inverse = func_name.startswith("i")
    if norm == "ortho":
        return math.sqrt(n) if inverse else 1 / math.sqrt(n)
    if norm == "forward":
        return n if inverse else 1 / n
    raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')


def _crop_or_pad(a: Any, shape: Sequence[int]) -> Any:
    """``a`` cut down or padded with zeros at the end of each axis to ``shape`` (itself if it fits)."""
    a = lax.slice(a, [0] * a.ndim, [min(n, m) for n, m in zip(shape, a.shape)])
    if tuple(shape) == a.shape:
        return a
    return lax.pad(a, np.zeros((), a.dtype), [(0, n - m, 0) for n, m in zip(shape, a.shape)])


def _fft_core(func_name: str, fft_type: FftType, a: ArrayLike, s: Shape | None, axes: Sequence[int] | None,
              norm: str | None) -> Any:
    full_name = f"functrans.numpy.fft.{func_name}"
    arr = asarray(a)
    if s is not None:
        s = tuple(map(operator.index, s))
        if any(n <= 0 for n in s):
            raise ValueError("Shape should be positive.")
        if axes is not None and len(s) != len(axes):
            raise ValueError("Shape and axes have different lengths.")
    if axes is None:
        axes = range(arr.ndim) if s is None else range(arr.ndim - len(s), arr.ndim)
    axes = tuple(canonical_axis(ax, arr.ndim) for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
    # lax.fft transforms the trailing axes.
    trailing = tuple(range(arr.ndim - len(axes), arr.ndim))
    arr = moveaxis(arr, axes, trailing)
    if s is None:
        s = [arr.shape[ax] for ax in trailing]
        if fft_type == FftType.IRFFT and s:
            s[-1] = max(0, 2 * (s[-1] - 1))
    in_shape = list(arr.shape)
    for ax, n in zip(trailing, s):
        in_shape[ax] = n
    if fft_type == FftType.IRFFT and s:
        in_shape[-1] = s[-1] // 2 + 1  # a length-0 last axis is padded to the one frequency of length 0
    arr = _crop_or_pad(arr, in_shape)
    out = _lax_fft(arr, fft_type, s)
    factor = _norm_factor(func_name, norm, s)
    if factor != 1.0:
        out = multiply(out, factor)
    return moveaxis(out, trailing, axes)


def _one_axis(func_name: str, axis: Any) -> list[int] | None:
    """``axis`` as the n-D functions' ``axes``; None, as JAX's, means all of them."""
    if isinstance(axis, (list, tuple)):
        raise ValueError(f"functrans.numpy.fft.{func_name} does not support multiple axes. Please use "
                         f"functrans.numpy.fft.{func_name}n. Got axis = {axis!r}.")
    return None if axis is None else [axis]


def _two_axes(func_name: str, axes: Sequence[int]) -> Sequence[int]:
    if len(axes) != 2:
        raise ValueError(f"functrans.numpy.fft.{func_name} only supports 2 axes. Got axes = {axes!r}.")
    return axes


def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The one-dimensional discrete Fourier transform along ``axis``, as ``numpy.fft.fft``.

    ``n`` crops or zero-pads the axis first; ``norm`` is ``"backward"`` (no scaling, the
    default), ``"ortho"`` (``1 / sqrt(n)``) or ``"forward"`` (``1 / n``). Real and integer
    inputs give complex results (float32: complex64).

    >>> fft(np.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> fft(np.array([1.0, 2.0, 3.0, 4.0]), n=2, norm="forward")
    array([ 1.5+0.j, -0.5+0.j])
    """
    return _fft_core("fft", FftType.FFT, a, None if n is None else [n], _one_axis("fft", axis), norm)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The one-dimensional inverse discrete Fourier transform along ``axis``, as ``numpy.fft.ifft``
    (divided by ``n`` with the default ``norm="backward"``).

    >>> ifft(np.array([10, -2 + 2j, -2, -2 - 2j]))
    array([1.+0.j, 2.+0.j, 3.+0.j, 4.+0.j])
    """
    return _fft_core("ifft", FftType.IFFT, a, None if n is None else [n], _one_axis("ifft", axis), norm)


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The discrete Fourier transform of a real array along ``axis``: its ``n // 2 + 1``
    non-negative frequencies, as ``numpy.fft.rfft``. Complex input raises ``ValueError``.

    >>> rfft(np.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    return _fft_core("rfft", FftType.RFFT, a, None if n is None else [n], _one_axis("rfft", axis), norm)


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The real inverse of ``rfft`` along ``axis``, as ``numpy.fft.irfft``: ``n`` real values
    (by default ``2 * (m - 1)`` for ``m`` input frequencies).

    >>> irfft(np.array([10, -2 + 2j, -2]))
    array([1., 2., 3., 4.])
    >>> irfft(rfft(np.array([1.0, 2.0, 3.0])), n=3)
    array([1., 2., 3.])
    """
    return _fft_core("irfft", FftType.IRFFT, a, None if n is None else [n], _one_axis("irfft", axis), norm)


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The (real) discrete Fourier transform of a signal with Hermitian symmetry given by its
    first half ``a``, as ``numpy.fft.hfft``: ``n`` values, by default ``2 * (m - 1)``.

    >>> hfft(np.array([1.0, 2.0, 3.0]))
    array([ 8., -2.,  0., -2.])
    """
    a = conj(asarray(a))
    axes = _one_axis("hfft", axis)
    # The inverse transform's 1 / n undone; the norm factor is a forward transform's.
    length = 2 * (a.shape[canonical_axis(axis, a.ndim)] - 1) if n is None else n
    return multiply(_fft_core("hfft", FftType.IRFFT, a, None if n is None else [n], axes, norm), length)


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse of ``hfft``, as ``numpy.fft.ihfft``: the first ``n // 2 + 1`` values of the
    inverse transform of the real array ``a``.

    >>> ihfft(np.array([8.0, -2.0, 0.0, -2.0]))
    array([1.-0.j, 2.-0.j, 3.-0.j])
    """
    a = asarray(a)
    axes = _one_axis("ihfft", axis)
    length = a.shape[canonical_axis(axis, a.ndim)] if n is None else n
    # Conjugated last, as NumPy's, so the signs of zero imaginary parts agree.
    return conj(multiply(_fft_core("ihfft", FftType.RFFT, a, None if n is None else [n], axes, norm), 1 / length))


def fftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The discrete Fourier transform over ``axes`` (all, or the last ``len(s)``), as
    ``numpy.fft.fftn``; ``s`` crops or zero-pads each of them first.

    >>> fftn(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]])
    """
    return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The inverse discrete Fourier transform over ``axes``, as ``numpy.fft.ifftn``.

    >>> ifftn(np.array([[10.0, -2.0], [-4.0, 0.0]])).real
    array([[1., 2.],
           [3., 4.]])
    """
    return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The discrete Fourier transform of a real array over ``axes``, the last of them halved
    (``s[-1] // 2 + 1`` frequencies), as ``numpy.fft.rfftn``.

    >>> rfftn(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).shape
    (2, 2)
    """
    return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The real inverse of ``rfftn`` over ``axes``, as ``numpy.fft.irfftn``: the last axis gets
    ``s[-1]`` values (by default ``2 * (m - 1)``).

    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> np.allclose(irfftn(rfftn(x), x.shape), x)
    True
    """
    return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


def fft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The two-dimensional discrete Fourier transform over ``axes``, as ``numpy.fft.fft2``.

    >>> fft2(np.eye(2))
    array([[2.+0.j, 0.+0.j],
           [0.+0.j, 2.+0.j]])
    """
    return _fft_core("fft2", FftType.FFT, a, s, _two_axes("fft2", axes), norm)


def ifft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The two-dimensional inverse discrete Fourier transform over ``axes``, as ``numpy.fft.ifft2``.

    >>> ifft2(np.full((2, 2), 4.0))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _fft_core("ifft2", FftType.IFFT, a, s, _two_axes("ifft2", axes), norm)


def rfft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The two-dimensional discrete Fourier transform of a real array, as ``numpy.fft.rfft2``.

    >>> rfft2(np.ones((2, 4)))
    array([[8.+0.j, 0.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j, 0.+0.j]])
    """
    return _fft_core("rfft2", FftType.RFFT, a, s, _two_axes("rfft2", axes), norm)


def irfft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The real inverse of ``rfft2``, as ``numpy.fft.irfft2``.

    >>> irfft2(rfft2(np.ones((2, 4))))
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    return _fft_core("irfft2", FftType.IRFFT, a, s, _two_axes("irfft2", axes), norm)


def _check_freq_args(func_name: str, n: Any, d: Any) -> None:
    if isinstance(n, (list, tuple)):
        raise ValueError(f"The n argument of functrans.numpy.fft.{func_name} only takes an int. Got n = {list(n)}.")
    if isinstance(d, (list, tuple)):
        raise ValueError(f"The d argument of functrans.numpy.fft.{func_name} only takes a single value. "
                         f"Got d = {list(d)}.")


def fftfreq(n: int, d: ArrayLike = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """The frequencies of an ``n``-point ``fft`` with sample spacing ``d``, as
    ``numpy.fft.fftfreq``: ``[0, 1, ..., -2, -1] / (d * n)``. ``dtype`` defaults to float64
    (an integer ``dtype``: computed in floating point, then converted); ``device`` is
    accepted and ignored (one CPU device).

    >>> fftfreq(5, 0.1)
    array([ 0.,  2.,  4., -4., -2.])
    """
    _check_freq_args("fftfreq", n, d)
    out_dtype = np.dtype(dtype or np.float64)
    dtype = out_dtype if out_dtype.kind in "fc" else np.dtype(np.float64)
    n = operator.index(n)
    k = (np.arange(n) + n // 2) % n - n // 2 if n else np.zeros(0)
    return true_divide(k.astype(dtype), asarray(multiply(d, n), dtype)).astype(out_dtype)


def rfftfreq(n: int, d: ArrayLike = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """The frequencies of an ``n``-point ``rfft`` with sample spacing ``d``, as
    ``numpy.fft.rfftfreq``: ``[0, 1, ..., n // 2] / (d * n)``.

    >>> rfftfreq(4)
    array([0.  , 0.25, 0.5 ])
    """
    _check_freq_args("rfftfreq", n, d)
    dtype = np.dtype(dtype or np.float64)
    n = operator.index(n)
    return true_divide(arange(n // 2 + 1, dtype=dtype), asarray(multiply(d, n), dtype))


def _half_shifts(x: Any, axes: None | int | Sequence[int], sign: int) -> tuple[list[int], list[int]]:
    axes = list(range(x.ndim)) if axes is None else [axes] if isinstance(axes, int) else list(axes)
    return [sign * (x.shape[ax] // 2) for ax in axes], axes


def fftshift(x: ArrayLike, axes: None | int | Sequence[int] = None) -> Any:
    """``x`` rolled by half its length along ``axes`` (all by default), putting the zero
    frequency in the middle, as ``numpy.fft.fftshift``.

    >>> fftshift(fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    x = asarray(x)
    shifts, axes = _half_shifts(x, axes, 1)
    return roll(x, shifts, axes) if axes else x


def ifftshift(x: ArrayLike, axes: None | int | Sequence[int] = None) -> Any:
    """The inverse of ``fftshift``, as ``numpy.fft.ifftshift``.

    >>> ifftshift(fftshift(np.arange(5)))
    array([0, 1, 2, 3, 4])
    """
    x = asarray(x)
    shifts, axes = _half_shifts(x, axes, -1)
    return roll(x, shifts, axes) if axes else x
