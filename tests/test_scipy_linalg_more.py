"""The structured matrices, solve_sylvester, qr_multiply, eigh_tridiagonal, rsf2csf and funm of
functrans.scipy.linalg against SciPy (values on generated inputs), finite differences
(check_grads), Python loops (vmap), eager (jit) and their errors."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings

import functrans as ft
from functrans.scipy import linalg as fsl
from functrans.test_util import check_grads

vectors = hnp.arrays(np.float64, st.integers(2, 6), elements=st.floats(-5, 5))
nonzero_lead = vectors.filter(lambda a: abs(a[0]) > 0.1)


# --------------------------------------------------------------------------- structured matrices


@settings(max_examples=25, deadline=None)
@given(nonzero_lead)
def test_companion_and_fiedler_companion_match_scipy(a):
    np.testing.assert_allclose(fsl.companion(a), sl.companion(a), rtol=1e-12)
    np.testing.assert_allclose(fsl.fiedler_companion(a), sl.fiedler_companion(a), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(-50, 50)))
def test_fiedler_matches_scipy(a):
    got = fsl.fiedler(a)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, sl.fiedler(a))


@settings(max_examples=25, deadline=None)
@given(vectors)
def test_leslie_matches_scipy(f):
    s = np.linspace(0.1, 0.9, f.shape[0] - 1)
    np.testing.assert_array_equal(fsl.leslie(f, s), sl.leslie(f, s))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-5, 5)), st.integers(1, 6),
       st.sampled_from(["full", "same", "valid"]))
def test_convolution_matrix_matches_scipy_and_convolves(a, n, mode):
    got = fsl.convolution_matrix(a, n, mode)
    np.testing.assert_array_equal(got, sl.convolution_matrix(a, n, mode))
    v = np.arange(1.0, n + 1)
    np.testing.assert_allclose(got @ v, np.convolve(a, v, mode), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 9])
def test_fixed_matrices_match_scipy(n):
    np.testing.assert_allclose(fsl.invhilbert(n), sl.invhilbert(n), rtol=1e-12)
    for kind in ("symmetric", "lower", "upper"):
        np.testing.assert_array_equal(fsl.pascal(n, kind), sl.pascal(n, kind).astype(float))
        np.testing.assert_array_equal(fsl.invpascal(n, kind), sl.invpascal(n, kind).astype(float))
    if n:
        for full in (False, True):
            np.testing.assert_allclose(fsl.helmert(n, full), sl.helmert(n, full), rtol=1e-15, atol=1e-15)
    for scale in (None, "sqrtn", "n"):
        np.testing.assert_allclose(fsl.dft(n, scale), sl.dft(n, scale), atol=1e-13)
    assert fsl.dft(n).dtype == np.complex128 and fsl.dft(n, dtype=np.complex64).dtype == np.complex64


def test_hadamard_matches_scipy():
    for n in (1, 2, 4, 16):
        np.testing.assert_array_equal(fsl.hadamard(n), sl.hadamard(n))
    assert fsl.hadamard(4, dtype=np.float32).dtype == np.float32


CONSTRUCTIONS = (fsl.companion, fsl.fiedler_companion, fsl.fiedler, lambda x: fsl.convolution_matrix(x, 3, "same"),
                 lambda x: fsl.leslie(x, x[..., 1:]))
ROWS = np.array([[2.0, -3.0, 1.0, 4.0], [1.0, 0.5, -2.0, 3.0]])


def test_construction_functions_batch_and_differentiate():
    a = ROWS
    for fn in CONSTRUCTIONS:
        looped = np.stack([fn(row) for row in a])
        np.testing.assert_allclose(fn(a), looped, rtol=1e-14)
        np.testing.assert_allclose(ft.vmap(fn)(a), looped, rtol=1e-14)
    check_grads(fsl.companion, (a[0],), order=2, modes=("fwd", "rev"))
    check_grads(fsl.fiedler_companion, (a[0],), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: fsl.convolution_matrix(x, 3), (a[0],), order=2, modes=("fwd", "rev"))


@pytest.mark.slow  # compiles (jit)
def test_construction_functions_jit_matches_eager():
    for fn in CONSTRUCTIONS:
        np.testing.assert_allclose(ft.jit(fn)(ROWS), fn(ROWS), rtol=1e-14)
    np.testing.assert_array_equal(ft.jit(lambda: fsl.dft(4) * 1.0)(), fsl.dft(4))
    np.testing.assert_array_equal(ft.jit(lambda: fsl.pascal(4) + fsl.invhilbert(3)[0, 0])(), fsl.pascal(4) + 9.0)


def test_empty_edges():
    assert fsl.fiedler_companion(np.array([2.0])).shape == (0, 0)
    assert fsl.fiedler_companion(np.ones((3, 1))).shape == (3, 0, 0)
    assert fsl.fiedler(np.zeros(0)).shape == (0, 0)
    np.testing.assert_array_equal(fsl.fiedler_companion(np.array([2.0, 4.0])), [[-2.0]])


def test_construction_errors():
    for call in (lambda: fsl.companion(np.array([1.0])), lambda: fsl.leslie([1.0, 2.0], [1.0, 2.0]),
                 lambda: fsl.leslie([1.0], []), lambda: fsl.fiedler_companion(np.zeros(0)),
                 lambda: fsl.convolution_matrix([1.0], 0), lambda: fsl.convolution_matrix(1.0, 2),
                 lambda: fsl.convolution_matrix([1.0], 2, "middle"), lambda: fsl.hadamard(3),
                 lambda: fsl.helmert(0), lambda: fsl.pascal(3, "diagonal"), lambda: fsl.invpascal(3, "x"),
                 lambda: fsl.dft(3, "half"), lambda: fsl.dft(3, dtype=np.float64)):
        with pytest.raises(ValueError):
            call()


# --------------------------------------------------------------------------- solve_sylvester


@st.composite
def sylvester_problems(draw):
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    entries = st.floats(-1, 1)
    a = draw(hnp.arrays(np.float64, (m, m), elements=entries)) + (m + 1) * np.eye(m)
    b = draw(hnp.arrays(np.float64, (n, n), elements=entries)) + (n + 1) * np.eye(n)
    return a, b, draw(hnp.arrays(np.float64, (m, n), elements=st.floats(-3, 3)))


@settings(max_examples=30, deadline=None)
@given(sylvester_problems())
def test_solve_sylvester_matches_scipy(problem):
    a, b, c = problem
    x = fsl.solve_sylvester(a, b, c)
    np.testing.assert_allclose(x, sl.solve_sylvester(a, b, c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a @ x + x @ b, c, atol=1e-10)


@pytest.mark.slow  # compiles (jit) and differentiates to second order
def test_solve_sylvester_grads_vmap_jit_and_singular():
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 3)) + 4 * np.eye(3), rng.standard_normal((2, 2)) + 3 * np.eye(2), rng.standard_normal((3, 2))
    check_grads(fsl.solve_sylvester, (a, b, c), order=2, modes=("fwd", "rev"))
    cs = np.stack([c, 2 * c, np.asfortranarray(c)[:, ::-1]])
    looped = np.stack([fsl.solve_sylvester(a, b, ci) for ci in cs])
    np.testing.assert_allclose(ft.vmap(fsl.solve_sylvester, (None, None, 0))(a, b, cs), looped, rtol=1e-12)
    np.testing.assert_allclose(fsl.solve_sylvester(a, b, cs), looped, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(fsl.solve_sylvester)(a, b, c), looped[0], rtol=1e-12)
    # eig(A) = {1, 2}, eig(B) = {-1}: 1 + (-1) = 0, no unique solution.
    singular = fsl.solve_sylvester(np.diag([1.0, 2.0]), np.array([[-1.0]]), np.ones((2, 1)))
    assert np.isnan(singular).all()
    assert np.isnan(ft.jit(fsl.solve_sylvester)(np.diag([1.0, 2.0]), np.array([[-1.0]]), np.ones((2, 1)))).all()
    # The singularity test is compiled code (traced eigvals), not a call back into Python; batched,
    # only the singular member is nan.
    assert "callback" not in str(ft.make_jaxpr(fsl.solve_sylvester)(a, b, c))
    bs = np.stack([np.array([[-1.0]]), np.array([[1.0]])])
    batched = ft.jit(ft.vmap(fsl.solve_sylvester, (None, 0, None)))(np.diag([1.0, 2.0]), bs, np.ones((2, 1)))
    assert np.isnan(batched[0]).all()
    np.testing.assert_allclose(batched[1], [[0.5], [1 / 3]], rtol=1e-12)
    with pytest.raises(ValueError, match="Incompatible shapes"):
        fsl.solve_sylvester(a, b, c.T)
    with pytest.raises(ValueError, match="method"):
        fsl.solve_sylvester(a, b, c, method="qz")


# --------------------------------------------------------------------------- qr_multiply


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.sampled_from(["left", "right"]), st.booleans(),
       st.integers(0, 100))
def test_qr_multiply_matches_scipy(m, n, p, mode, vector, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, n))
    k = min(m, n)
    c = rng.standard_normal((k if mode == "left" else m,) if vector else ((k, p) if mode == "left" else (p, m)))
    got, r = fsl.qr_multiply(a, c, mode)
    expected, expected_r = sl.qr_multiply(a, c, mode)
    # SciPy gives a 1-D right product as a column: compare the values.
    np.testing.assert_allclose(got, expected.reshape(got.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r, expected_r, rtol=1e-10, atol=1e-10)


@pytest.mark.slow  # compiles (jit) and differentiates to second order
def test_qr_multiply_batches_differentiates_and_errors():
    rng = np.random.default_rng(1)
    a, c = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 4))
    looped = [np.stack(x) for x in zip(*[fsl.qr_multiply(ai, ci) for ai, ci in zip(a, c)])]
    for got, expected in zip(fsl.qr_multiply(a, c), looped):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for got, expected in zip(ft.vmap(fsl.qr_multiply)(a, c), looped):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for got, expected in zip(ft.jit(fsl.qr_multiply)(a, c), looped):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    check_grads(lambda a, c: fsl.qr_multiply(a, c)[0], (a[0], c[0]), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="not compatible"):
        fsl.qr_multiply(a[0], c[0], "left")
    with pytest.raises(ValueError, match="mode"):
        fsl.qr_multiply(a[0], c[0], "up")
    with pytest.raises(NotImplementedError):
        fsl.qr_multiply(a[0], c[0], pivoting=True)


# --------------------------------------------------------------------------- eigh_tridiagonal


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(hnp.arrays(np.float64, n, elements=st.floats(-5, 5)),
                                                       hnp.arrays(np.float64, max(n - 1, 0), elements=st.floats(-5, 5)))))
def test_eigh_tridiagonal_matches_scipy(de):
    d, e = de
    w = fsl.eigh_tridiagonal(d, e, eigvals_only=True)
    if d.size == 0:
        assert w.shape == (0,)
        return
    np.testing.assert_allclose(w, sl.eigh_tridiagonal(d, e, eigvals_only=True), rtol=1e-10, atol=1e-10)
    w, v = fsl.eigh_tridiagonal(d, e)
    t = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    np.testing.assert_allclose(t @ v, v * w, atol=1e-9)
    lo, hi = 0, d.size - 1
    np.testing.assert_allclose(fsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(lo, hi)), w, atol=1e-12)


@pytest.mark.slow  # compiles (jit) and differentiates to second order
def test_eigh_tridiagonal_grads_vmap_jit_and_errors():
    d, e = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.5, 0.25])
    w = sl.eigh_tridiagonal(d, e, eigvals_only=True)
    np.testing.assert_allclose(ft.jit(lambda d, e: fsl.eigh_tridiagonal(d, e, eigvals_only=True))(d, e), w, rtol=1e-12)
    ds = np.stack([d, d[::-1], 2 * d])
    looped = np.stack([fsl.eigh_tridiagonal(x, e, eigvals_only=True) for x in ds])
    np.testing.assert_allclose(ft.vmap(lambda d: fsl.eigh_tridiagonal(d, e, eigvals_only=True))(ds), looped, rtol=1e-12)
    check_grads(lambda d, e: fsl.eigh_tridiagonal(d, e, eigvals_only=True), (d, e), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(fsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 2)), w[1:3], rtol=1e-12)
    with pytest.raises(TypeError, match="same dtype"):
        fsl.eigh_tridiagonal(d, e.astype(np.float32))
    with pytest.raises(TypeError, match="float32 and float64"):
        fsl.eigh_tridiagonal(d.astype(int), e.astype(int))
    with pytest.raises(NotImplementedError):
        fsl.eigh_tridiagonal(d, e, select="v")
    with pytest.raises(ValueError):
        fsl.eigh_tridiagonal(d, e, select="i")
    with pytest.raises(ValueError):
        fsl.eigh_tridiagonal(d, e, select="i", select_range=(2, 1))


def test_eigh_tridiagonal_hermitian_eigenvalues():
    d, e = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.5, 0.25])
    hermitian = fsl.eigh_tridiagonal(d.astype(complex), e * np.exp(1j * np.arange(3)), eigvals_only=True)
    np.testing.assert_allclose(hermitian, sl.eigh_tridiagonal(d, e, eigvals_only=True), rtol=1e-12)


# --------------------------------------------------------------------------- rsf2csf and funm (traceable)


def _real_schur_forms(shape=(3, 4, 4), seed=2):
    a = np.random.default_rng(seed).standard_normal(shape)
    ts, zs = zip(*[sl.schur(x) for x in a.reshape((-1,) + shape[-2:])])
    return a, np.stack(ts).reshape(shape), np.stack(zs).reshape(shape)


def test_rsf2csf_matches_scipy_and_reconstructs():
    a, t, z = _real_schur_forms()
    got_t, got_z = fsl.rsf2csf(t, z)
    assert got_t.dtype == got_z.dtype == np.complex128
    for i in range(a.shape[0]):
        expected_t, expected_z = sl.rsf2csf(t[i], z[i])
        np.testing.assert_allclose(got_t[i], expected_t, atol=1e-12)
        np.testing.assert_allclose(got_z[i], expected_z, atol=1e-12)
    np.testing.assert_array_equal(np.tril(got_t, -1), 0)
    np.testing.assert_allclose(got_z @ got_t @ np.swapaxes(got_z, -1, -2).conj(), a, atol=1e-10)
    # Batch axes broadcast: one Z for every T.
    broadcast_t, broadcast_z = fsl.rsf2csf(np.stack([t[0], t[0]]), z[0])
    np.testing.assert_allclose(broadcast_t[1], got_t[0], atol=1e-15)
    assert broadcast_z.shape == (2, 4, 4)


def test_rsf2csf_vmaps_as_a_loop_keeps_complex64_and_passes_1_by_1():
    _, t, z = _real_schur_forms()
    loop = [fsl.rsf2csf(ti, zi) for ti, zi in zip(t, z)]
    for got, expected in zip(ft.vmap(fsl.rsf2csf, in_axes=(0, 2), out_axes=1)(t, np.moveaxis(z, 0, 2)), zip(*loop)):
        np.testing.assert_allclose(np.moveaxis(got, 1, 0), np.stack(expected), atol=1e-15)
    t32, z32 = fsl.rsf2csf(t.astype(np.float32), z.astype(np.float32))
    assert t32.dtype == z32.dtype == np.complex64
    np.testing.assert_allclose(t32, np.stack([x for x, _ in loop]), atol=1e-5)
    one_t, one_z = fsl.rsf2csf(np.array([[2.0]], np.float32), np.array([[1.0]]))
    assert one_t.dtype == one_z.dtype == np.complex128 and one_t[0, 0] == 2.0


def test_rsf2csf_errors():
    for t, z, message in [(np.ones((2, 3)), np.eye(2), "Input 'T' must be square."),
                          (np.eye(2), np.ones(2), "Input 'Z' must be square."),
                          (np.eye(2), np.eye(3), "Input array shapes must match: Z: (3, 3) vs. T: (2, 2)")]:
        with pytest.raises(ValueError) as info:
            fsl.rsf2csf(t, z)
        assert str(info.value) == message


def test_rsf2csf_derivatives_match_finite_differences():
    # JAX differentiates rsf2csf through its operations; perturbations keep the zeros of the form
    # (a perturbed zero subdiagonal entry would cross the threshold and start a rotation).
    _, t, z = _real_schur_forms((4, 4), seed=3)
    pattern = (t != 0).astype(float)
    assert pattern[2, 1] == 1 and pattern[1, 0] == 0  # a 2 by 2 block to rotate

    def parts(t, z):
        ct, cz = fsl.rsf2csf(t * pattern, z)
        return ct.real, ct.imag, cz.real, cz.imag

    check_grads(parts, (t, z), order=1, modes=("fwd", "rev"))
    # Without rotations (triangular T, equal eigenvalues) Z does not depend on T: zero, not NaN.
    no_rotation = ft.grad(lambda t: fsl.rsf2csf(t, np.eye(3))[1].real.sum())(np.eye(3))
    np.testing.assert_array_equal(no_rotation, np.zeros((3, 3)))


def _funm_cases():
    return {"real": np.array([[1.0, 2.0, 0.5], [3.0, 4.0, -1.0], [0.0, 1.0, 2.0]]),
            "complex pair": np.array([[1.0, -2.0, 0.5], [2.0, 1.0, 0.0], [0.3, 0.1, 2.0]]),
            "complex": np.array([[1.0 + 1j, 2.0, 0.0], [0.5j, -1.0, 1.0], [0.2, 0.0, 3.0 - 1j]])}


@pytest.mark.parametrize("case", list(_funm_cases()))
def test_funm_matches_scipy_expm_sinm_and_cosm(case):
    import functrans.numpy as jnp

    a = _funm_cases()[case]
    f = fsl.funm(a, lambda x: jnp.sin(x) + 2 * jnp.cos(x))
    assert f.dtype == np.complex128
    np.testing.assert_allclose(f, sl.funm(a, lambda x: np.sin(x) + 2 * np.cos(x)), rtol=1e-10, atol=1e-10)
    for func, reference in [(jnp.exp, sl.expm), (jnp.sin, sl.sinm), (jnp.cos, sl.cosm)]:
        np.testing.assert_allclose(fsl.funm(a, func), reference(a), rtol=1e-9, atol=1e-10)
    f, err = fsl.funm(a, jnp.exp, disp=False)
    expected_f, expected_err = sl.funm(a, np.exp, disp=False)
    np.testing.assert_allclose(f, expected_f, rtol=1e-10)
    assert err.dtype == np.float64
    np.testing.assert_allclose(err, expected_err, rtol=1e-6)


def test_funm_vmaps_as_a_loop_keeps_complex64_and_flags_infinities():
    import functrans.numpy as jnp

    stack = np.random.default_rng(4).standard_normal((3, 3, 3))
    f, err = ft.vmap(lambda a: fsl.funm(a, jnp.exp, disp=False))(stack)
    for i, a in enumerate(stack):
        expected_f, expected_err = fsl.funm(a, jnp.exp, disp=False)
        np.testing.assert_allclose(f[i], expected_f, atol=1e-14)
        np.testing.assert_allclose(err[i], expected_err, rtol=1e-12)
        np.testing.assert_allclose(f[i], sl.expm(a), rtol=1e-9)
    f32, err32 = fsl.funm(stack[0].astype(np.float32), jnp.exp, disp=False)
    assert f32.dtype == np.complex64 and err32.dtype == np.float32
    np.testing.assert_allclose(f32, sl.expm(stack[0]), rtol=1e-4)
    with np.errstate(divide="ignore", invalid="ignore"):
        _, err_inf = fsl.funm(np.diag([1.0, 2.0]), lambda x: 1 / (x - 1), disp=False)  # func has a pole at 1
    assert err_inf == np.inf


def test_funm_errors_and_is_not_differentiable():
    import functrans.numpy as jnp

    for bad in [np.ones((2, 3)), np.ones((2, 2, 2)), np.ones(3)]:
        with pytest.raises(ValueError, match="expected square array_like input"):
            fsl.funm(bad, jnp.exp)
    with pytest.raises(NotImplementedError, match="schur: the Schur decomposition is not differentiable"):
        ft.grad(lambda a: jnp.real(fsl.funm(a, jnp.exp)).sum())(np.eye(2))


def _schur_functions_program(a, t, z):
    import functrans.numpy as jnp

    return fsl.rsf2csf(t, z), fsl.funm(a, jnp.exp, disp=False)


@pytest.mark.slow  # compiles a program (tens of seconds)
def test_rsf2csf_and_funm_jit_match_eager():
    a, t, z = _real_schur_forms((4, 4), seed=6)
    got, expected = ft.jit(_schur_functions_program)(a, t, z), _schur_functions_program(a, t, z)
    for g, e in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(expected)):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-13)


@pytest.mark.slow  # imports and runs JAX
def test_new_functions_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jsl = jax.scipy.linalg
    rng = np.random.default_rng(5)
    a = np.array([2.0, -3.0, 1.0, 4.0])
    for name in ("companion", "fiedler", "fiedler_companion"):
        np.testing.assert_allclose(getattr(fsl, name)(a), np.asarray(getattr(jsl, name)(a)), rtol=1e-14)
    np.testing.assert_allclose(fsl.leslie(a, a[1:]), np.asarray(jsl.leslie(a, a[1:])), rtol=1e-14)
    for mode in ("full", "same", "valid"):
        np.testing.assert_allclose(fsl.convolution_matrix(a, 3, mode), np.asarray(jsl.convolution_matrix(a, 3, mode)))
    for n in (1, 4):
        np.testing.assert_allclose(fsl.invhilbert(n), np.asarray(jsl.invhilbert(n)), rtol=1e-12)
        np.testing.assert_allclose(fsl.helmert(n, True), np.asarray(jsl.helmert(n, True)), rtol=1e-14)
        np.testing.assert_allclose(fsl.dft(n, "sqrtn"), np.asarray(jsl.dft(n, "sqrtn")), atol=1e-14)
        np.testing.assert_allclose(fsl.pascal(n), np.asarray(jsl.pascal(n)), rtol=1e-5)  # JAX's: float32, from lgamma
        np.testing.assert_allclose(fsl.invpascal(n), np.asarray(jsl.invpascal(n)), rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(fsl.hadamard(n), np.asarray(jsl.hadamard(n)))
    d, e = rng.standard_normal(5), rng.standard_normal(4)
    np.testing.assert_allclose(fsl.eigh_tridiagonal(d, e, eigvals_only=True),
                               np.asarray(jsl.eigh_tridiagonal(d, e, eigvals_only=True)), rtol=1e-10, atol=1e-12)
    A, B, C = rng.standard_normal((3, 3)) + 4 * np.eye(3), rng.standard_normal((2, 2)) + 3 * np.eye(2), rng.standard_normal((3, 2))
    np.testing.assert_allclose(fsl.solve_sylvester(A, B, C), np.asarray(jsl.solve_sylvester(A, B, C)), rtol=1e-10)
    m = rng.standard_normal((4, 3))
    for mode, c in (("left", rng.standard_normal((3, 2))), ("right", rng.standard_normal((2, 4)))):
        for ours, theirs in zip(fsl.qr_multiply(m, c, mode), jsl.qr_multiply(m, c, mode)):
            np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-10, atol=1e-12)
    f = fsl.funm(np.array([[1.0, 2.0], [0.5, 3.0]]), np.exp)
    np.testing.assert_allclose(f, np.asarray(jsl.funm(np.array([[1.0, 2.0], [0.5, 3.0]]), jax.numpy.exp)), rtol=1e-10)
    square = rng.standard_normal((4, 4))
    for ours, theirs in [(fsl.schur(square, "complex"), jsl.schur(square, "complex")), (fsl.rsf2csf(*fsl.schur(square)), jsl.rsf2csf(*jsl.schur(square))),
                         (fsl.sqrtm(square), jsl.sqrtm(square)), (fsl.funm(square, np.sin, disp=False), jsl.funm(square, jax.numpy.sin, disp=False)),
                         (fsl.hessenberg(square, calc_q=True), jsl.hessenberg(square, calc_q=True))]:
        for got, expected in zip(ft.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
            assert got.dtype == expected.dtype
            np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-9, atol=1e-12)
