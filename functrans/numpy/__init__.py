"""``functrans.numpy``: NumPy's API (the subset in the docs) on functrans primitives.

Every function works on NumPy arrays and Python values (eagerly, returning NumPy
arrays) and on traced values inside ``grad``, ``vmap``, ``jit``..., with NumPy's
broadcasting, dtypes and promotion rules.
"""
import numpy as _np

from .. import dtypes as _dtypes
from ..core import Tracer as _Tracer
from . import fft, linalg
from ._base import array, asarray, astype, broadcast_arrays, broadcast_shapes, broadcast_to
from ._indexing import at, getitem, take, take_along_axis
from ._products import dot, einsum, inner, matmul, outer, tensordot, vdot
from ._reductions import (
    all, amax, amin, any, argmax, argmin, cumprod, cumsum, max, mean, min, prod, std, sum, var,
)
from ._sorting import argsort, sort
from ._shape import (
    arange, atleast_1d, atleast_2d, concatenate, diag, diagonal, expand_dims, eye, flip, fliplr, flipud, full,
    full_like, hstack, identity, linspace, moveaxis, ones, ones_like, pad, ravel, repeat, reshape, roll, split,
    squeeze, stack, swapaxes, tile, trace, transpose, tril, triu, vstack, zeros, zeros_like,
)
from ._ufuncs import (
    abs, absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, around, bitwise_and, bitwise_or,
    bitwise_xor, cbrt, ceil, clip, cos, cosh, divide, equal, exp, exp2, expm1, floor, floor_divide, greater,
    greater_equal, hypot, invert, isfinite, isinf, isnan, less, less_equal, log, log1p, log2, log10, logaddexp,
    logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod, multiply, negative, not_equal, positive,
    power, reciprocal, remainder, round, sign, sin, sinh, sqrt, square, subtract, tan, tanh, true_divide, where,
)

# --- numerics (statistics, nan-reductions, sets, sorting, calculus, polynomials, histograms): imports below
from ._comparison import allclose, array_equal, array_equiv, isclose
from ._nanfunctions import (
    nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmedian, nanmin, nanpercentile, nanprod,
    nanquantile, nanstd, nansum, nanvar,
)
from ._setops import (
    argwhere, compress, extract, flatnonzero, intersect1d, isin, nonzero, setdiff1d, setxor1d, union1d, unique,
    unique_all, unique_counts, unique_inverse, unique_values,
)
from ._sorting import argpartition, lexsort, partition, searchsorted
from ._statistics import average, corrcoef, count_nonzero, cov, median, percentile, ptp, quantile
from ._calculus import (
    convolve, correlate, cumulative_prod, cumulative_sum, diff, ediff1d, gradient, interp, trapezoid, unwrap,
)
from ._histograms import bincount, digitize, histogram, histogram2d, histogram_bin_edges, histogramdd
from ._polynomial import (
    poly, polyadd, polyder, polydiv, polyfit, polyint, polymul, polysub, polyval, roots, trim_zeros, vander,
)
from ._vector_products import cross, kron

# --- structure (index tricks, creation, shape, functional, bit-level math, dtype info, windows): imports below
from ._bits import (
    bitwise_count, bitwise_left_shift, bitwise_right_shift, frexp, gcd, lcm, ldexp, left_shift, nextafter, packbits,
    right_shift, spacing, unpackbits,
)
from ._creation import copy, diagflat, empty, empty_like, fromfunction, fromiter, fromstring, geomspace, logspace, tri
from ._dtype_info import can_cast, finfo, iinfo, isdtype, isscalar, issubdtype, iterable, promote_types
from ._functional import apply_along_axis, apply_over_axes, frompyfunc, piecewise, select, ufunc, vectorize
from ._index_tricks import (
    c_, choose, diag_indices, diag_indices_from, fill_diagonal, index_exp, indices, ix_, mask_indices, meshgrid, mgrid,
    ogrid, place, put, put_along_axis, r_, ravel_multi_index, s_, tril_indices, tril_indices_from, triu_indices,
    triu_indices_from, unravel_index,
)
from ._printing import array_repr, array_str
from ._products import einsum_path, matvec, vecdot, vecmat
from ._shape import (
    append, array_split, atleast_3d, block, column_stack, concat, delete, dsplit, dstack, hsplit, insert,
    matrix_transpose, permute_dims, resize, rollaxis, rot90, unstack, vsplit,
)
from ._ufuncs import (
    acos, acosh, angle, asin, asinh, atan, atan2, atanh, bitwise_invert, bitwise_not, conj, conjugate, copysign,
    deg2rad, degrees, divmod, fabs, fix, float_power, fmax, fmin, fmod, heaviside, imag, iscomplex, iscomplexobj,
    i0, isneginf, isposinf, isreal, isrealobj, logaddexp2, modf, nan_to_num, pow, rad2deg, radians, real, rint,
    signbit, sinc, sort_complex, trunc,
)
from ._windows import bartlett, blackman, hamming, hanning, kaiser

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint32, uint64 = _np.uint8, _np.uint32, _np.uint64
uint16 = _np.uint16
bool_ = bool = _np.bool_
int_, uint, float_, double, single = _np.int64, _np.uint64, _np.float64, _np.float64, _np.float32
complex64, complex128 = _np.complex64, _np.complex128
csingle, cdouble, complex_ = complex64, complex128, complex128
ComplexWarning = _np.exceptions.ComplexWarning
# The abstract scalar types of NumPy's hierarchy, for issubdtype.
generic, number, integer, signedinteger, unsignedinteger = _np.generic, _np.number, _np.integer, _np.signedinteger, _np.unsignedinteger
inexact, floating, complexfloating, character, flexible, object_ = _np.inexact, _np.floating, _np.complexfloating, _np.character, _np.flexible, _np.object_
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
euler_gamma = _np.euler_gamma
dtype, ndarray = _np.dtype, _np.ndarray


def shape(a):
    """The shape of an array, array-like or traced value, as ``numpy.shape``.

    A tuple of ints, known while tracing.

    >>> shape([[1, 2, 3]])
    (1, 3)
    """
    return _np.shape(a) if not isinstance(a, _Tracer) else a.shape


def ndim(a):
    """The number of axes of an array, array-like or traced value, as ``numpy.ndim``.

    >>> import numpy as np
    >>> ndim(3.0), ndim(np.zeros((2, 3)))
    (0, 2)
    """
    return len(shape(a))


def size(a):
    """The number of elements of an array, array-like or traced value, as ``numpy.size``.

    A Python int; unlike NumPy's and JAX's, it takes no ``axis``.

    >>> import numpy as np
    >>> size(np.zeros((2, 3)))
    6
    """
    return int(_np.prod(shape(a), dtype=_np.int64))


def result_type(*args):
    """The dtype ``functrans.numpy`` promotes the arguments (values, dtypes or their names) to.

    NumPy 2's rules, with Python scalars weak: one of the arrays' kind or a lower kind takes
    their dtype (``1`` with int8 gives int8), one of a higher kind its default dtype (``2.5``
    with int64 gives float64).

    >>> import numpy as np
    >>> result_type(np.array([1], np.int8), 1), result_type(np.float32(1), 1.0)
    (dtype('int8'), dtype('float32'))
    >>> result_type(np.array([1, 2]), 2.5), result_type("float32", np.complex64)
    (dtype('float64'), dtype('complex64'))
    """
    return _dtypes.result_type(*args)


def _swap(fn):
    return lambda self, other: fn(other, self)


def _install_tracer_methods() -> None:
    """Make traced values behave like arrays: operators and the common ndarray methods."""
    operators = {
        "add": add, "sub": subtract, "mul": multiply, "truediv": true_divide, "floordiv": floor_divide,
        "mod": mod, "pow": power, "matmul": matmul, "and": bitwise_and, "or": bitwise_or, "xor": bitwise_xor,
        "lshift": left_shift, "rshift": right_shift, "divmod": divmod,
    }
    for name, fn in operators.items():
        setattr(_Tracer, f"__{name}__", fn)
        setattr(_Tracer, f"__r{name}__", _swap(fn))
    comparisons = {"eq": equal, "ne": not_equal, "lt": less, "le": less_equal, "gt": greater, "ge": greater_equal}
    for name, fn in comparisons.items():
        setattr(_Tracer, f"__{name}__", fn)
    _Tracer.__neg__ = negative
    _Tracer.__pos__ = positive
    _Tracer.__abs__ = absolute
    _Tracer.__invert__ = invert
    _Tracer.__getitem__ = getitem
    # NumPy must hand binary operations with a tracer back to the tracer, not convert it.
    _Tracer.__array_ufunc__ = None
    _Tracer.at = property(at, doc="Functional indexed updates, as JAX's ``x.at[idx].set(v)`` (see ``functrans.numpy.at``).")
    _Tracer.T = property(lambda self: transpose(self))
    _Tracer.mT = property(lambda self: swapaxes(self, -1, -2))
    # Properties of their own (the functions' docstrings would become the Tracer's, run as doctests there).
    _Tracer.real = property(lambda self: real(self), doc="The real part (the value itself for a real array).")
    _Tracer.imag = property(lambda self: imag(self), doc="The imaginary part (zeros for a real array).")
    _Tracer.itemsize = property(lambda self: self.dtype.itemsize)
    _Tracer.nbytes = property(lambda self: self.size * self.dtype.itemsize)
    _Tracer.reshape = lambda self, *shape, order="C": reshape(self, shape[0] if len(shape) == 1 else shape, order)
    _Tracer.astype = astype
    _Tracer.transpose = lambda self, *axes: transpose(self, (axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes) or None)
    methods = {
        "sum": sum, "mean": mean, "max": max, "min": min, "prod": prod, "std": std, "var": var, "all": all,
        "any": any, "argmax": argmax, "argmin": argmin, "cumsum": cumsum, "cumprod": cumprod, "ravel": ravel,
        "flatten": ravel, "squeeze": squeeze, "dot": dot, "clip": clip, "round": round, "swapaxes": swapaxes,
        "take": take, "diagonal": diagonal, "trace": trace, "repeat": repeat, "argsort": argsort,
        "conj": conj, "conjugate": conjugate, "copy": copy, "sort": sort, "choose": choose,
    }
    for name, fn in methods.items():
        setattr(_Tracer, name, fn)


_install_tracer_methods()
