"""FFTs: lax.fft (one primitive, four transform types) and functrans.numpy.fft, checked against
numpy.fft on generated shapes, lengths, axes and norms; their transposes by the dot-product
test and against JAX; derivatives of real losses with check_grads; vmap against a loop; jit
against eager and against itself (bitwise)."""
from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import ShapeError
from functrans.lax.fft import FftType
from functrans.test_util import check_grads

NORMS = [None, "backward", "ortho", "forward"]
# The 1-D functions by the kind of input they take.
REAL_INPUT_1D = ["rfft", "ihfft"]
ANY_INPUT_1D = ["fft", "ifft", "irfft", "hfft"]
ND = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
RNG = np.random.default_rng(0)


def takes_real(name: str) -> bool:
    return name.startswith("rfft") or name == "ihfft"


def random(shape, dtype=np.float64, rng=RNG):
    dtype = np.dtype(dtype)
    x = rng.standard_normal(shape)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


@st.composite
def signals(draw, dtypes=(np.float32, np.float64, np.complex64, np.complex128), min_dims=1):
    """An array of sides 1..6 (sometimes an empty batch axis), sometimes a non-contiguous view."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=6))
    if len(shape) > 1 and draw(st.booleans()) and draw(st.booleans()):
        shape = (0,) + shape[1:]
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    x = random(shape, dtype, np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    layout = draw(st.sampled_from(["contiguous", "reversed", "transposed"]))
    if layout == "reversed":
        x = np.flip(np.flip(x, 0).copy(), 0)
    elif layout == "transposed" and x.ndim > 1:
        x = np.ascontiguousarray(x.T).T
    return x


def assert_close(got, want):
    """Same shape and dtype as NumPy's, values to a few ulp of the result's scale."""
    assert isinstance(got, np.ndarray), type(got)
    assert (got.shape, got.dtype) == (want.shape, want.dtype), f"got {got.dtype}{got.shape}, NumPy {want.dtype}{want.shape}"
    tol = 1e-5 if want.dtype in (np.float32, np.complex64) else 1e-12
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


# --------------------------------------------------------------------------- values against NumPy


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(REAL_INPUT_1D + ANY_INPUT_1D), signals(), st.data())
def test_1d_functions_match_numpy(name, x, data):
    if takes_real(name) and x.dtype.kind == "c":
        x = x.real.copy()
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    n = data.draw(st.one_of(st.none(), st.integers(1, 9)), label="n")
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    if n is None and (x.shape[axis] == 0 or (name in ("irfft", "hfft") and x.shape[axis] == 1)):
        n = 3  # NumPy rejects transforms of length 0 (JAX gives an empty result: tested below)
    assert_close(getattr(fnp.fft, name)(x, n, axis, norm), getattr(np.fft, name)(nonempty(x, [axis]), n, axis, norm))


def nonempty(x, axes):
    """``x`` zero-padded to length 1 along those ``axes`` that are empty: the same transform
    once cropped or padded to ``n``, for NumPy, whose result for an empty axis and an ``n`` is
    uninitialised memory."""
    return np.pad(x, [(0, int(d == 0 and a in [b % x.ndim for b in axes])) for a, d in enumerate(x.shape)])


@st.composite
def lengths_and_axes(draw, ndim, name):
    """``s`` and ``axes`` as the n-D functions take them: either may be None (fft2: two axes)."""
    if name.endswith("2"):
        count = 2
    else:
        count = draw(st.integers(1, ndim))
    axes = draw(st.permutations(range(ndim)))[:count]
    axes = [a - ndim if draw(st.booleans()) else a for a in axes]  # negative axes too
    s = draw(st.one_of(st.none(), st.lists(st.integers(1, 7), min_size=count, max_size=count)))
    if not name.endswith("2") and draw(st.booleans()):
        # No axes: the last len(s) axes, or all of them. (NumPy deprecates s without axes, so
        # NumPy is asked with the axes spelled out.)
        return s, None, list(range(ndim - (count if s is not None else ndim), ndim))
    return s, axes, axes


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ND), signals(min_dims=2), st.data())
def test_nd_functions_match_numpy(name, x, data):
    if takes_real(name) and x.dtype.kind == "c":
        x = x.real.copy()
    s, axes, numpy_axes = data.draw(lengths_and_axes(x.ndim, name), label="s, axes")
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    if s is None and (any(x.shape[a] == 0 for a in numpy_axes) or (name.startswith("irfft") and x.shape[numpy_axes[-1]] == 1)):
        s = [3] * len(numpy_axes)  # NumPy rejects transforms of length 0 (tested below)
    kwargs = {} if axes is None else {"axes": axes}
    assert_close(getattr(fnp.fft, name)(x, s, norm=norm, **kwargs), getattr(np.fft, name)(nonempty(x, numpy_axes), s, numpy_axes, norm))


@pytest.mark.parametrize("name", REAL_INPUT_1D + ANY_INPUT_1D + ND)
def test_default_arguments_match_numpy(name):
    x = random((4, 6), np.float64 if takes_real(name) else np.complex128)
    assert_close(getattr(fnp.fft, name)(x), getattr(np.fft, name)(x))


@pytest.mark.parametrize("name, dtype, want", [
    ("fft", np.float32, np.complex64), ("fft", np.float64, np.complex128), ("fft", np.int32, np.complex128),
    ("fft", np.bool_, np.complex128), ("ifft", np.complex64, np.complex64), ("rfft", np.float32, np.complex64),
    ("rfft", np.int64, np.complex128), ("irfft", np.float32, np.float32), ("irfft", np.complex64, np.float32),
    ("irfft", np.int64, np.float64), ("hfft", np.complex64, np.float32), ("ihfft", np.float32, np.complex64),
    ("fftn", np.int8, np.complex128), ("irfftn", np.complex128, np.float64),
])
def test_result_dtypes_follow_numpy(name, dtype, want):
    x = np.arange(1, 7).astype(dtype)
    got = getattr(fnp.fft, name)(x)
    assert got.dtype == want == getattr(np.fft, name)(x).dtype


def test_zero_dimensional_input():
    # A 1-D transform has no axis -1 to act on; an n-D one over no axes converts the input (JAX's).
    with pytest.raises(ValueError, match="out of bounds"):
        fnp.fft.fft(np.float64(2.0))
    for name, want in [("fftn", np.complex128(2.0)), ("ifftn", np.complex128(2.0)), ("rfftn", np.float64(2.0))]:
        got = getattr(fnp.fft, name)(np.float64(2.0))
        assert got.shape == () and got.dtype == want.dtype and got == want
    assert fnp.fft.fftn(np.float32(2.0)).dtype == np.complex64


def test_empty_axes_give_empty_results():
    # NumPy rejects transforms of length 0; JAX (and functrans) give empty arrays.
    assert fnp.fft.fft(np.zeros(0)).shape == (0,)
    assert fnp.fft.fft(np.zeros((0, 3))).dtype == np.complex128
    assert fnp.fft.irfft(np.ones(1, complex)).shape == (0,)  # the default length 2 * (1 - 1)
    assert fnp.fft.rfftn(np.zeros((2, 0, 3)), axes=(0, 2)).shape == (2, 0, 2)
    assert fnp.fft.irfft(np.zeros((2, 0), complex)).shape == (2, 0)
    np.testing.assert_array_equal(fnp.fft.fft(np.zeros((0, 2)), n=3, axis=0), np.zeros((3, 2), complex))
    for transform in (fnp.fft.rfft, fnp.fft.ihfft):  # a real transform of length 0: NumPy's error
        with pytest.raises(ValueError, match="invalid number of FFT data points"):
            transform(np.zeros((2, 0)))


def test_n_crops_and_pads_the_input():
    x = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(fnp.fft.fft(x, 3), np.fft.fft(x[:3]))
    np.testing.assert_allclose(fnp.fft.fft(x, 8), np.fft.fft(np.concatenate([x, np.zeros(3)])))
    assert fnp.fft.irfft(np.ones(4, complex), 9).shape == (9,)
    assert fnp.fft.irfftn(np.ones((3, 3), complex), s=(4, 5)).shape == (4, 5)


@pytest.mark.parametrize("call, error, match", [
    (lambda: fnp.fft.fft(np.ones(3), n=0), ValueError, "Shape should be positive"),
    (lambda: fnp.fft.fft(np.ones(3), n=2.0), TypeError, "integer"),
    (lambda: fnp.fft.fft(np.ones(3), norm="bad"), ValueError, "Invalid norm value bad"),
    (lambda: fnp.fft.fft(np.ones(3), axis=1), ValueError, "axis 1 is out of bounds"),
    (lambda: fnp.fft.fft(np.ones(3), axis=[0]), ValueError, "does not support multiple axes"),
    (lambda: fnp.fft.fftn(np.ones((3, 3)), axes=(0, -2)), ValueError, "does not support repeated axes"),
    (lambda: fnp.fft.fftn(np.ones((3, 3)), s=(2,), axes=(0, 1)), ValueError, "Shape and axes have different lengths"),
    (lambda: fnp.fft.fft2(np.ones(3)), ValueError, "axis -2 is out of bounds"),
    (lambda: fnp.fft.fft2(np.ones((3, 3, 3)), axes=(0, 1, 2)), ValueError, "only supports 2 axes"),
    (lambda: fnp.fft.rfft(np.ones(3) + 1j), ValueError, "only real valued inputs supported for rfft"),
    (lambda: fnp.fft.ihfft(np.ones(3) + 1j), ValueError, "only real valued inputs supported for rfft"),
    (lambda: fnp.fft.fftfreq([3]), ValueError, "only takes an int"),
    (lambda: fnp.fft.rfftfreq(3, [1.0]), ValueError, "only takes a single value"),
])
def test_bad_arguments_raise_jax_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_frequencies_match_numpy():
    for n in range(1, 10):
        for d in (1.0, 0.1, 3):
            np.testing.assert_allclose(fnp.fft.fftfreq(n, d), np.fft.fftfreq(n, d), rtol=1e-15)
            np.testing.assert_allclose(fnp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d), rtol=1e-15)
    # n = 0: NumPy divides by zero (ZeroDivisionError); JAX gives no frequencies and [nan].
    assert fnp.fft.fftfreq(0).shape == (0,)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(fnp.fft.rfftfreq(0), [np.nan])
    assert fnp.fft.fftfreq(4).dtype == fnp.fft.rfftfreq(4).dtype == np.float64
    assert fnp.fft.fftfreq(4, dtype=np.float32).dtype == fnp.fft.rfftfreq(4, dtype=np.float32).dtype == np.float32
    # An integer dtype, as JAX's: computed in floating point, then converted.
    np.testing.assert_array_equal(fnp.fft.fftfreq(5, dtype=np.int32), np.zeros(5, np.int32))
    np.testing.assert_array_equal(fnp.fft.fftfreq(5, 0.1, dtype=np.int32), np.array([0, 2, 4, -4, -2], np.int32))


@pytest.mark.slow
def test_frequencies_of_a_traced_spacing():
    got = ft.jit(lambda d: fnp.fft.fftfreq(6, d))(0.5)
    np.testing.assert_allclose(got, np.fft.fftfreq(6, 0.5))
    np.testing.assert_allclose(ft.grad(lambda d: fnp.sum(fnp.fft.rfftfreq(6, d)))(0.5), -np.sum(np.fft.rfftfreq(6)) / 0.25)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5), elements=st.integers(-9, 9)),
       st.data())
def test_shifts_match_numpy(x, data):
    axes = data.draw(st.one_of(
        st.none(), st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.none(),
        st.lists(st.integers(0, max(x.ndim - 1, 0)), max_size=x.ndim, unique=True).map(tuple)), label="axes")
    for name in ("fftshift", "ifftshift"):
        got = getattr(fnp.fft, name)(x, axes)
        want = getattr(np.fft, name)(x, axes) if x.ndim else x  # NumPy's fails on 0-d input; JAX's returns it
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128, np.int64])
def test_every_function_matches_jax(dtype):
    # Values and dtypes; JAX's int32 and bool give complex64 where NumPy's (and these) give complex128.
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = (random((3, 4, 5), dtype) * 3).astype(dtype)
    calls = [(name, args) for name in REAL_INPUT_1D + ANY_INPUT_1D for args in [(None, -1, None), (3, 0, "ortho"),
                                                                             (8, 1, "forward")]]
    calls += [(name, (s,), {"axes": axes}) for name in ND for s, axes in [(None, (0, 2)), ((3, 6), (2, 1))]]
    calls += [(name, (), {}) for name in ND + ["fftshift", "ifftshift"]]
    for name, args, *kwargs in calls:
        if takes_real(name) and x.dtype.kind == "c":
            continue
        got = getattr(fnp.fft, name)(x, *args, **(kwargs[0] if kwargs else {}))
        want = np.asarray(getattr(jax.numpy.fft, name)(x, *args, **(kwargs[0] if kwargs else {})))
        assert_close(got, want)
    for n, d in [(1, 1.0), (6, 0.25), (7, np.float32(0.5))]:
        for freq_dtype in (None, np.float32):
            for name in ("fftfreq", "rfftfreq"):
                assert_close(getattr(fnp.fft, name)(n, d, dtype=freq_dtype),
                             np.asarray(getattr(jax.numpy.fft, name)(n, d, dtype=freq_dtype)))


# --------------------------------------------------------------------------- lax.fft

LAX_CASES = [  # (type, input shape, input dtype, fft_lengths)
    (FftType.FFT, (2, 5), np.complex128, (5,)), (FftType.IFFT, (3, 4), np.complex128, (3, 4)),
    (FftType.RFFT, (2, 3, 6), np.float64, (3, 6)), (FftType.RFFT, (2, 7), np.float32, (7,)),
    (FftType.IRFFT, (2, 3, 4), np.complex128, (3, 6)), (FftType.IRFFT, (2, 4), np.complex128, (7,)),
    (FftType.FFT, (1, 1, 1), np.complex64, (1, 1, 1)), (FftType.IRFFT, (3, 1), np.complex128, (1,)),
    (FftType.IRFFT, (3, 2), np.complex128, (2,)), (FftType.IFFT, (2, 3, 4, 5), np.complex128, (3, 4, 5)),
]
NUMPY_OF = {FftType.FFT: np.fft.fftn, FftType.IFFT: np.fft.ifftn, FftType.RFFT: np.fft.rfftn, FftType.IRFFT: np.fft.irfftn}


@pytest.mark.parametrize("fft_type, shape, dtype, lengths", LAX_CASES)
def test_lax_fft_matches_numpy(fft_type, shape, dtype, lengths):
    x = random(shape, dtype)
    axes = tuple(range(len(shape) - len(lengths), len(shape)))
    want = NUMPY_OF[fft_type](x, lengths, axes)
    assert_close(lax.fft(x, fft_type, lengths), want)
    assert_close(lax.fft(x, fft_type.name.lower(), lengths), want)  # the type by name


def test_lax_fft_converts_its_input():
    assert lax.fft(np.arange(4), "fft", (4,)).dtype == np.complex128
    assert lax.fft(np.arange(4, dtype=np.float32), FftType.FFT, (4,)).dtype == np.complex64
    assert lax.fft(np.arange(4), "rfft", (4,)).dtype == np.complex128
    assert lax.fft(np.arange(4.0), "irfft", (6,)).dtype == np.float64
    np.testing.assert_array_equal(lax.fft(np.arange(3.0), "fft", ()), np.arange(3.0) + 0j)  # no lengths: converted


@pytest.mark.parametrize("call, error, match", [
    (lambda: lax.fft(np.ones(4, complex), "foo", (4,)), ValueError, "Unknown FFT type 'foo'"),
    (lambda: lax.fft(np.ones(4, complex), 3.0, (4,)), TypeError, "Unknown FFT type value"),
    (lambda: lax.fft(np.ones(4, complex), "fft", (5,)), ValueError, "minor dimensions must be equal to fft_lengths"),
    (lambda: lax.fft(np.ones(4, complex), "fft", (1, 4)), ValueError, "at least as many input dimensions"),
    (lambda: lax.fft(np.ones(4, complex), "rfft", (4,)), ValueError, "only real valued inputs supported for rfft"),
    (lambda: lax.fft(np.ones(4, complex), "irfft", (9,)), ValueError, "fft_lengths"),
    (lambda: lax.fft(np.ones(4, np.float16), "rfft", (4,)), ValueError, "RFFT input must be float32 or float64"),
])
def test_lax_fft_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_lax_fft_shape_errors_are_shape_errors():
    with pytest.raises(ShapeError):
        lax.fft(np.ones((2, 4), complex), "ifft", (3, 4))


# --------------------------------------------------------------------------- transposes and derivatives


def bilinear(a, b):
    """The real pairing under which JAX's transposes are transposes: Re(sum(a * b))."""
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


@pytest.mark.parametrize("fft_type, shape, dtype, lengths", LAX_CASES)
def test_transpose_passes_the_dot_product_test(fft_type, shape, dtype, lengths):
    if np.dtype(dtype) in (np.float32, np.complex64):
        dtype = np.complex128 if np.dtype(dtype).kind == "c" else np.float64
    x = random(shape, dtype)
    f = lambda v: lax.fft(v, fft_type, lengths)
    y = f(x)
    ct = random(y.shape, y.dtype)
    (xt,) = ft.linear_transpose(f, x)(ct)
    assert (xt.shape, xt.dtype) == (x.shape, x.dtype)
    assert bilinear(ct, y) == pytest.approx(bilinear(xt, x), rel=1e-12, abs=1e-12)
    # vjp of the same linear map agrees, and jvp is the map itself.
    primal, vjp = ft.vjp(f, x)
    np.testing.assert_allclose(vjp(ct)[0], xt, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ft.jvp(f, (x,), (x,))[1], primal, rtol=1e-13, atol=1e-13)


@pytest.mark.slow
@pytest.mark.parametrize("fft_type, shape, dtype, lengths", LAX_CASES)
def test_transpose_matches_jax(fft_type, shape, dtype, lengths):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    dtype = np.complex128 if np.dtype(dtype).kind == "c" else np.float64
    x = random(shape, dtype)
    y = lax.fft(x, fft_type, lengths)
    ct = random(y.shape, y.dtype)
    (want,) = jax.linear_transpose(lambda v: jax.lax.fft(v, fft_type.name, lengths), x)(ct)
    (got,) = ft.linear_transpose(lambda v: lax.fft(v, fft_type, lengths), x)(ct)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-12, atol=1e-12)


def real_loss(z):
    """A real-valued loss of a (complex or real) array that weighs each entry differently."""
    w = np.linspace(0.5, 2.0, z.shape[-1])
    return fnp.sum((fnp.real(z) ** 2 + 3 * fnp.imag(z) * fnp.real(z) + fnp.sin(fnp.real(z))) * w)


GRAD_CASES = [  # (function, keyword arguments)
    ("fft", {}), ("fft", {"n": 7, "norm": "ortho"}), ("ifft", {"axis": 0, "n": 2}), ("rfft", {"n": 6}),
    ("rfft", {"axis": 0, "norm": "forward"}), ("irfft", {}), ("irfft", {"n": 7, "axis": 0}), ("hfft", {"n": 5}),
    ("ihfft", {"norm": "ortho"}), ("fftn", {"s": (2, 4)}), ("ifft2", {}), ("rfftn", {"axes": (1, 0)}),
    ("rfft2", {"s": (3, 3)}), ("irfftn", {"s": (2, 5)}), ("irfft2", {"axes": (0, 1)}),
]


@pytest.mark.parametrize("name, kwargs", GRAD_CASES)
def test_gradients_of_real_losses(name, kwargs):
    # Complex-input functions get a complex input made inside (check_grads perturbs real arguments).
    x = random((3, 4))
    phase = np.exp(1j * np.linspace(0, 2, 4))
    prepare = (lambda v: v) if takes_real(name) else (lambda v: v * phase)
    check_grads(lambda v: real_loss(getattr(fnp.fft, name)(prepare(v), **kwargs)), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.slow
@pytest.mark.parametrize("name, kwargs", GRAD_CASES[:9])
def test_gradients_match_jax(name, kwargs):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    x = random((3, 4))
    phase = np.exp(1j * np.linspace(0, 2, 4))
    w = np.linspace(0.5, 2.0, 8)

    def loss(np_, v):
        z = getattr(np_.fft, name)(v if takes_real(name) else v * phase, **kwargs)
        return np_.sum((np_.real(z) ** 2 + 3 * np_.imag(z) * np_.real(z)) * w[: z.shape[-1]])

    np.testing.assert_allclose(ft.grad(lambda v: loss(fnp, v))(x), jax.grad(lambda v: loss(jnp, v))(x), rtol=1e-11, atol=1e-11)


def test_gradient_of_the_spectrum_energy():
    # Parseval: sum |fft(x)|^2 = n * sum x^2, so the gradient is 2 n x.
    x = random((5,))
    energy = lambda v: fnp.sum(fnp.abs(fnp.fft.fft(v)) ** 2)
    np.testing.assert_allclose(ft.grad(energy)(x), 10 * x, rtol=1e-12)
    check_grads(energy, (x,), order=2, modes=("fwd", "rev"))


def test_jacobians_forward_and_reverse_agree():
    # jacrev batches the transposes, jacfwd the jvps: both must give the same matrix.
    x = random((2, 5))
    f = lambda v: fnp.concatenate([fnp.real(fnp.fft.rfft(v, axis=0)).ravel(), fnp.imag(fnp.fft.fft2(v)).ravel(),
                                   fnp.fft.irfft(v * (1 + 0.5j), n=7).ravel()])
    np.testing.assert_allclose(ft.jacrev(f)(x), ft.jacfwd(f)(x), rtol=1e-12, atol=1e-12)


def test_axis_none_transforms_every_axis_as_jax():
    x = random((2, 3))
    np.testing.assert_allclose(fnp.fft.fft(x, axis=None), np.fft.fftn(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(fnp.fft.rfft(x, axis=None), np.fft.rfftn(x), rtol=1e-13, atol=1e-13)
    assert fnp.fft.fft(x, n=4, axis=None).shape == (2, 4)  # n for the last axis


def test_python_lists_are_accepted():
    np.testing.assert_allclose(fnp.fft.fft([1, 2, 3]), np.fft.fft([1, 2, 3]), rtol=1e-15)
    np.testing.assert_array_equal(fnp.fft.fftshift([1, 2, 3]), [3, 1, 2])


def test_complex_jvp_and_vjp_are_consistent():
    # For complex inputs: <ct, J t> = <J^T ct, t> with JAX's (unconjugated) pairing.
    x, t = random((3, 5), np.complex128), random((3, 5), np.complex128)
    for name in ("fft", "ifft", "irfft", "hfft", "fftn", "irfftn"):
        f = lambda v: getattr(fnp.fft, name)(v, norm="ortho")
        y, jt = ft.jvp(f, (x,), (t,))
        ct = random(y.shape, y.dtype)
        (vt,) = ft.vjp(f, x)[1](ct)
        assert bilinear(ct, jt) == pytest.approx(bilinear(vt, t), rel=1e-12), name


# --------------------------------------------------------------------------- vmap and jit


@pytest.mark.parametrize("in_axis", [0, 1, 2])
@pytest.mark.parametrize("fft_type, lengths", [(FftType.FFT, (4,)), (FftType.IFFT, (3, 4)), (FftType.RFFT, (4,)),
                                               (FftType.IRFFT, (3, 6))])
def test_vmap_matches_a_loop(fft_type, lengths, in_axis):
    # Each example is (3, 4); the batch axis before the transformed axes stays where it is,
    # among them it moves in front.
    x = np.moveaxis(random((2, 3, 4), np.float64 if fft_type == FftType.RFFT else np.complex128), 0, in_axis)
    f = lambda v: lax.fft(v, fft_type, lengths)
    got = ft.vmap(f, in_axes=in_axis)(x)
    want = np.stack([f(v) for v in np.moveaxis(x, in_axis, 0)])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "ihfft", "fft2", "irfftn", "fftshift"])
def test_vmap_of_numpy_functions_matches_a_loop(name):
    x = random((3, 4, 5), np.float64 if takes_real(name) else np.complex128)
    f = getattr(fnp.fft, name)
    for axis in (0, 1, 2):
        got = ft.vmap(f, in_axes=axis)(x)
        want = np.stack([f(v) for v in np.moveaxis(x, axis, 0)])
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def many_transforms(x, c):
    """Every transform of functrans.numpy.fft in one program (one compilation)."""
    f = fnp.fft
    return [f.fft(c, 7), f.ifft(c, axis=0, norm="ortho"), f.rfft(x), f.irfft(c, 5), f.hfft(c), f.ihfft(x, norm="forward"),
            f.fftn(c), f.ifftn(c, s=(2, 3)), f.rfftn(x, axes=(0,)), f.irfftn(c), f.fft2(x), f.ifft2(c),
            f.rfft2(x, s=(4, 4)), f.irfft2(c, axes=(1, 0)), f.fftshift(c), f.ifftshift(x, axes=0)]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jit_matches_eager_and_repeats_bitwise(dtype):
    x = random((4, 6), dtype)
    c = random((4, 6), np.result_type(dtype, np.complex64))
    jitted = ft.jit(many_transforms)
    first, again = jitted(x, c), jitted(x, c)
    for got, repeat, want in zip(first, again, many_transforms(x, c), strict=True):
        assert_close(got, want)
        np.testing.assert_array_equal(repeat, got)
        assert got.tobytes() == repeat.tobytes()
    assert "np.fft.rfftn(" in jitted.lower(x, c).as_text()


@pytest.mark.slow
def test_jit_of_gradients_and_vmap():
    x = random((3, 4))
    loss = lambda v: real_loss(fnp.fft.rfft(v, n=6)) + real_loss(fnp.fft.irfft(v * (1 + 0.5j), axis=0))
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(x), ft.grad(loss)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ft.grad(ft.jit(loss))(x), ft.grad(loss)(x), rtol=1e-12, atol=1e-12)
    batched = ft.jit(ft.vmap(lambda v: lax.fft(v, "fft", (3,)), in_axes=1))
    np.testing.assert_allclose(batched(x + 0j), np.fft.fft(x.T), rtol=1e-13, atol=1e-13)
    empty = ft.jit(lambda v: fnp.fft.irfft(v))(np.ones((2, 1), complex))  # a length-0 transform compiles to zeros
    assert empty.shape == (2, 0) and empty.dtype == np.float64


def test_the_compile_cache_key_names_rocket_fft():
    # Cached programs hold rocket-fft's code: another version of it must not load them.
    import importlib.metadata

    from functrans.backend import compiler

    assert f"rocket-fft {importlib.metadata.version('rocket-fft')}" in compiler._version_tag()


@pytest.mark.slow
def test_jit_of_ffts_inside_scan_and_cond():
    # Nested bodies allocate their own buffers for the transforms to write into.
    x = random((5, 8))

    def body(scale, row):
        return scale * 0.5, fnp.fft.irfft(fnp.fft.rfft(row) * scale, n=8)

    _, rows = ft.jit(lambda v: lax.scan(body, 1.0 + 0j, v))(x)
    np.testing.assert_allclose(rows, x * 0.5 ** np.arange(5)[:, None], rtol=1e-13, atol=1e-13)
    branch = ft.jit(lambda v, p: lax.cond(p, lambda u: fnp.real(fnp.fft.fft(u)), lambda u: u, v))
    np.testing.assert_allclose(branch(x, True), np.fft.fft(x).real, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(branch(x, False), x)


SPECTRUM_PROGRAM = r"""
import hashlib
import numpy as np
import functrans as ft
import functrans.numpy as fnp

x = np.random.default_rng(0).standard_normal((16, 12))
f = ft.jit(lambda v: (fnp.fft.irfft2(fnp.fft.rfft2(v) * 1.5j, v.shape), ft.grad(lambda u: fnp.sum(fnp.abs(fnp.fft.fft(u)) ** 3))(v)))
print(hashlib.sha256(b"".join(a.tobytes() for a in f(x))).hexdigest())
"""


@pytest.mark.slow
def test_compiled_ffts_agree_bitwise_across_processes_cold_and_warm(tmp_path):
    # The second process loads the first's machine code, rocket-fft's calls included.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "FUNCTRANS_BACKGROUND_COMPILE"}
    env["FUNCTRANS_CACHE_DIR"] = str(tmp_path / "cache")
    digests = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", SPECTRUM_PROGRAM], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1]
