"""Tests of functrans.backend.fastmath: accuracy sweeps, special values, dtypes,
vectorisation of the loops that call it, and loading from Numba's disk cache."""
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest
from numba import njit, types
from numba.core.errors import TypingError
from scipy.special import expit

_PATH = os.path.join(os.path.dirname(__file__), os.pardir, "functrans", "backend", "fastmath.py")
_PATH = os.path.abspath(_PATH)


def _load():
    # The module imports only numpy/numba/llvmlite, so it is testable on its own
    # even while the rest of the package is broken.
    try:
        from functrans.backend import fastmath
        return fastmath
    except Exception:
        pass
    # Loaded from its path under another name, its Numba cache entries would
    # record that name and break the package's own loads of the same entries:
    # give this copy a private cache directory.
    import tempfile
    import numba
    spec = importlib.util.spec_from_file_location("_fastmath_under_test", _PATH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    old = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = os.path.join(tempfile.gettempdir(), "functrans-fastmath-test-cache")
    try:
        spec.loader.exec_module(mod)
    finally:
        numba.config.CACHE_DIR = old
    return mod


fm = _load()

NAMES = ["exp", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos"]
DTYPES = [np.float64, np.float32]

# Max error in ulps against the reference (see `reference`), as documented in
# the module docstring.
BOUND = {
    np.float64: dict(exp=1, expm1=1, log=1, log1p=1, tanh=2, logistic=2, sin=1, cos=1),
    np.float32: dict(exp=1, expm1=1, log=1, log1p=1, tanh=2, logistic=2, sin=1, cos=1),
}


def _make_loop(f):
    @njit(error_model="numpy")
    def loop(x, out):
        for i in range(x.shape[0]):
            out[i] = f(x[i])
    return loop


_LOOPS = {}


def apply(name, x):
    if name not in _LOOPS:
        _LOOPS[name] = _make_loop(getattr(fm, name))
    out = np.empty_like(x)
    _LOOPS[name](x, out)
    return out


_LONG_DOUBLE = np.finfo(np.longdouble).nmant >= 63


def reference(name, x):
    """float64: NumPy's float64 ufunc; float32: the float64 result rounded to
    float32.  logistic (NumPy has none): 1/(1 + e**-x) in long double (x86),
    else scipy.special.expit, which is up to 2 ulp off and flushes to 0 below
    -709.78, where the true result is subnormal."""
    xd = x.astype(np.float64)
    with np.errstate(all="ignore"):
        if name == "logistic" and _LONG_DOUBLE:
            r = 1 / (1 + np.exp(-xd.astype(np.longdouble)))
        elif name == "logistic":
            r = np.where(xd < -37.0, np.exp(xd), expit(xd))
        else:
            r = getattr(np, name)(xd)
        return r.astype(x.dtype)


def ulp_distance(a, b):
    """Number of representable values between a and b (0 if both NaN, inf if
    only one is), via the integer views of the bits: -0 and +0 are the same."""
    assert a.dtype == b.dtype
    ity = np.int64 if a.dtype == np.float64 else np.int32
    mask = np.iinfo(ity).max

    def ordered(v):
        i = v.view(ity).astype(np.int64)
        return np.where(i < 0, -(i & mask), i)

    oa, ob = ordered(a), ordered(b)
    ua, ub = oa.view(np.uint64), ob.view(np.uint64)
    d = np.where(oa >= ob, ua - ub, ub - ua).astype(np.float64)   # no overflow
    na, nb = np.isnan(a), np.isnan(b)
    d[na & nb] = 0
    d[na ^ nb] = np.inf
    return d


def test_ulp_distance():
    f = np.float64
    a = np.array([1.0, 0.0, -0.0, np.nan, 1.0, np.inf, -5e-324, np.nan, -1.0], f)
    b = np.array([np.nextafter(1.0, 2.0), -0.0, 5e-324, np.nan, np.nan,
                  np.finfo(f).max, 5e-324, 1.0, 1.0], f)
    assert ulp_distance(a, b).tolist() == [1, 0, 1, 0, np.inf, 1, 2, np.inf,
                                           2 * 0x3FF0000000000000]
    a32 = np.array([1.0, -1e-45], np.float32)
    b32 = np.array([np.nextafter(np.float32(1), np.float32(0)), 1e-45], np.float32)
    assert ulp_distance(a32, b32).tolist() == [1, 2]


def _random_floats(rng, n, dtype, positive=False):
    ity = np.uint64 if dtype == np.float64 else np.uint32
    bits = rng.integers(0, np.iinfo(ity).max, n, dtype=ity, endpoint=True)
    if positive:
        bits &= ity(np.iinfo(ity).max >> 1)
    x = bits.view(dtype)
    return x[np.isfinite(x)]


def _logspace_both(lo, hi, n, dtype):
    with np.errstate(over="ignore"):
        a = np.geomspace(lo, hi, n // 2)
    return np.concatenate([a, -a]).astype(dtype)


def sweep(name, dtype, n=400_000):
    """Dense points over the function's domain: uniform on the interesting
    range, log-spaced magnitudes from the smallest subnormal up, random bit
    patterns (uniform over exponents), and windows around the thresholds."""
    rng = np.random.default_rng(zlib.crc32(f"{name}-{np.dtype(dtype).name}".encode()))
    f = np.finfo(dtype)
    tiny = float(f.smallest_subnormal)
    big = float(f.max)
    if dtype == np.float64:
        ovf, unf = 709.79, -745.2           # exp overflow / underflow to 0
    else:
        ovf, unf = 88.73, -103.98
    u = lambda lo, hi, m=n: rng.uniform(lo, hi, m).astype(dtype)
    parts = [_random_floats(rng, n, dtype)]
    if name in ("exp", "expm1"):
        parts += [u(unf - 2, ovf + 2), u(-2, 2), _logspace_both(tiny, 800, n, dtype),
                  u(ovf - 0.5, ovf + 0.5, n // 4), u(unf - 0.5, unf + 40, n // 4)]
    elif name in ("log", "log1p"):
        with np.errstate(over="ignore"):
            parts.append(np.geomspace(tiny, big, n).astype(dtype))
        parts += [u(0.5, 2.0),
                  1 + u(-1e-3, 1e-3, n // 4), _random_floats(rng, n, dtype, positive=True)]
        if name == "log1p":
            parts += [u(-1, 1), -np.geomspace(tiny, 1, n).astype(dtype)]
    elif name in ("tanh", "logistic"):
        parts += [u(-25, 25), u(-1, 1), _logspace_both(tiny, 800, n, dtype)]
    else:  # sin, cos: the full-accuracy range |x| < 2**20
        lim = fm.SINCOS_ACCURATE_MAX
        parts += [u(-10, 10), u(-lim, lim), _logspace_both(tiny, lim, n, dtype),
                  # near multiples of pi/2, where the reduction cancels
                  (np.arange(1, n // 4 + 1) * (np.pi / 2)).astype(dtype)]
    x = np.concatenate(parts)
    if name in ("sin", "cos"):
        x = x[np.abs(x) < fm.SINCOS_ACCURATE_MAX]
    return x


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", NAMES)
def test_accuracy_sweep(name, dtype):
    x = sweep(name, dtype)
    y = apply(name, x)
    assert y.dtype == dtype
    d = ulp_distance(y, reference(name, x))
    i = int(np.argmax(d))
    bound = BOUND[dtype][name] + (2 if name == "logistic" and not _LONG_DOUBLE else 0)
    assert d[i] <= bound, (
        f"{name}({x[i]!r}) = {y[i]!r}, reference {reference(name, x[i:i + 1])[0]!r}: "
        f"{d[i]} ulp")


_SPECIAL = {
    # name: inputs whose NumPy result must be matched exactly (value, NaN-ness
    # and sign of zero)
    "exp": [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-320, -1e-320, 1000.0, -1000.0,
            709.7, 709.8, -745.0, -745.2, 88.7, 88.8, -103.9, -104.0, 1.0],
    "expm1": [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-300, -1e-300,
              1000.0, -1000.0, -50.0, 709.7, 709.8, 88.7, 88.8, 1e-45, -1e-45],
    "log": [0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -5e-324, 5e-324, 1e-45, 1.0,
            2.0, 0.5, 1.7976931348623157e308, 3.4028235e38],
    "log1p": [0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, -1.5, -2.0, 5e-324, -5e-324,
              1e-45, -1e-45, 1e300, 1.0, -0.5],
    "tanh": [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-45, 20.0, -20.0,
             1e300, -1e300, 1.0],
    "logistic": [0.0, -0.0, np.inf, -np.inf, np.nan, 1000.0, -1000.0, 5e-324, 40.0,
                 -40.0, -750.0, -720.0, 120.0, -120.0],
    "sin": [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-45, -1e-45,
            1e-300, np.pi, -np.pi / 2],
    "cos": [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-45, np.pi],
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", NAMES)
def test_special_values(name, dtype):
    with np.errstate(all="ignore"):
        x = np.array(_SPECIAL[name], dtype)
    y = apply(name, x)
    ref = reference(name, x)
    for xi, yi, ri in zip(x, y, ref):
        if np.isnan(ri) or np.isinf(ri) or ri == 0:
            assert (np.isnan(yi) and np.isnan(ri)) or (
                yi == ri and np.signbit(yi) == np.signbit(ri)), (name, xi, yi, ri)
        else:
            assert ulp_distance(np.array([yi]), np.array([ri]))[0] <= BOUND[dtype][name], \
                (name, xi, yi, ri)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_underflow_is_correctly_rounded(dtype):
    # exp through the subnormal range down to 0 (the double scaling by 2**k).
    lo = -746.0 if dtype == np.float64 else -104.5
    hi = -700.0 if dtype == np.float64 else -85.0
    x = np.linspace(lo, hi, 200_001).astype(dtype)
    d = ulp_distance(apply("exp", x), reference("exp", x))
    assert d.max() <= 1


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_sincos_large_arguments(dtype):
    # Documented: from 2**20 to 2**50 the absolute error is about |x|*2**-53
    # (the effect of one ulp of x); from 2**50 on, and at inf, the result is NaN.
    rng = np.random.default_rng(1)
    x = (np.exp(rng.uniform(np.log(fm.SINCOS_ACCURATE_MAX), np.log(fm.SINCOS_MAX_ARG), 20000))
         * rng.choice([-1, 1], 20000)).astype(dtype)
    x = x[np.abs(x) < fm.SINCOS_MAX_ARG]
    for name in ("sin", "cos"):
        y = apply(name, x).astype(np.float64)
        ref = getattr(np, name)(x.astype(np.float64))
        tol = np.abs(x.astype(np.float64)) * 2.0**-50 + 2 * np.spacing(np.ones(1, dtype))[0]
        assert np.all(np.abs(y - ref) <= tol), name
        assert np.all(np.abs(y) <= 1)
        big = np.array([fm.SINCOS_MAX_ARG, -fm.SINCOS_MAX_ARG * 4, 1e300 if dtype == np.float64
                        else 3e38], dtype)
        assert np.all(np.isnan(apply(name, big)))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_dtypes_and_python_calls(name):
    f = getattr(fm, name)

    @njit(error_model="numpy")
    def call(x):
        return f(x)

    for dtype, sfx in ((np.float64, "f64"), (np.float32, "f32")):
        nbty = types.float64 if dtype == np.float64 else types.float32
        call.compile((nbty,))
        sig = [s for s in call.nopython_signatures if s.args == (nbty,)][0]
        assert sig.return_type == nbty
        x = dtype(0.375)
        direct = getattr(fm, f"{name}_{sfx}")(x)
        assert dtype(call(x)) == dtype(direct)       # njit: the dtype's version
        py = f(x)                                     # Python: same, same dtype
        assert type(py) is (np.float32 if dtype == np.float32 else float)
        assert py == dtype(direct)
    with pytest.raises(TypingError):
        call(3)


@pytest.mark.slow
def test_return_types_in_njit():
    @njit
    def all_of(x):
        return (fm.exp(x), fm.expm1(x), fm.log(x), fm.log1p(x), fm.tanh(x),
                fm.logistic(x), fm.sin(x), fm.cos(x))
    for nbty in (types.float32, types.float64):
        all_of.compile((nbty,))
        sig = [s for s in all_of.nopython_signatures if s.args == (nbty,)][0]
        assert sig.return_type == types.UniTuple(nbty, 8)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_loop_vectorises(name):
    # The loop `out[i] = f(x[i])` (no fastmath) must be vectorised, with the
    # function inlined: no call to a math routine left in it.
    for dtype in DTYPES:
        apply(name, np.linspace(0.1, 2, 64).astype(dtype))
    loop = _LOOPS[name]
    for sig in loop.signatures:
        ir_ = loop.inspect_llvm(sig)
        ty = "double" if sig[0].dtype == types.float64 else "float"
        if name in ("sin", "cos"):
            ty = "double"            # float32 sin/cos compute in float64
        assert re.search(rf"fmul <\d+ x {ty}>", ir_), f"{name}{sig}: loop not vectorised"
        called = set(re.findall(r"call [^@]*@([\w.]+)\(", ir_))
        math_calls = {c for c in called
                      if re.search(r"(^|[._])(exp|expm1|log|log1p|tanh|sin|cos|pow)f?($|[._])", c)}
        assert not math_calls, f"{name}{sig}: calls {math_calls}"


@pytest.mark.slow
def test_disk_cache_in_new_process(tmp_path):
    """A cache=True caller of fm.* compiles once, then loads from disk in a new
    process (and calls the inlined functions correctly)."""
    mod = tmp_path / "fm_cache_user.py"
    mod.write_text(textwrap.dedent(f"""
        import importlib.util, sys
        import numpy as np
        from numba import njit
        try:
            from functrans.backend import fastmath as fm
        except Exception:
            spec = importlib.util.spec_from_file_location("_fm", {_PATH!r})
            fm = importlib.util.module_from_spec(spec); sys.modules["_fm"] = fm
            spec.loader.exec_module(fm)

        @njit(cache=True, error_model="numpy")
        def f(x, out):
            for i in range(x.shape[0]):
                out[i] = fm.tanh(x[i]) + fm.log1p(x[i])
    """))
    script = textwrap.dedent("""
        import sys, numpy as np
        sys.path.insert(0, sys.argv[1])
        import fm_cache_user as m
        x = np.linspace(0, 3, 101); out = np.empty_like(x)
        m.f(x, out)
        assert np.allclose(out, np.tanh(x) + np.log1p(x), rtol=1e-15, atol=0)
        print(sum(m.f.stats.cache_hits.values()), sum(m.f.stats.cache_misses.values()))
    """)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(_PATH)))
    env["PYTHONPATH"] = os.pathsep.join([repo, env.get("PYTHONPATH", "")])
    stats = []
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        stats.append(r.stdout.split())
    assert stats == [["0", "1"], ["1", "0"]], stats     # (hits, misses)


# ---------------------------------------------------------------------------
# sin_full / cos_full: the fast path below 2**20, an exact out-of-line reduction above.
# ---------------------------------------------------------------------------

def _whole_range(dtype, n=60_000):
    rng = np.random.default_rng(20)
    f = np.finfo(dtype)
    with np.errstate(over="ignore"):
        mags = np.concatenate([
            np.geomspace(float(f.smallest_subnormal), float(f.max), n),
            rng.uniform(-1e7, 1e7, n),
            np.arange(1, n + 1) * (np.pi / 2) * 2.0**20,       # near multiples of pi/2, huge
            [2.0**20, np.nextafter(2.0**20, 0), 2.0**50, 2.0**52, 2.0**53, 1e22, float(f.max)],
        ]).astype(dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
    return np.concatenate([mags, -mags, _random_floats(rng, n, dtype), special])


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["sin", "cos"])
def test_full_range_sin_cos_within_one_ulp_everywhere(name, dtype):
    x = _whole_range(dtype)
    y = apply(name + "_full", x)
    assert y.dtype == dtype
    d = ulp_distance(y, reference(name, x))      # NaN exactly where NumPy's is (+-inf, NaN)
    i = int(np.argmax(d))
    assert d[i] <= 1, f"{name}_full({x[i]!r}) = {y[i]!r}: {d[i]} ulp"
    small = np.abs(x) < fm.SINCOS_ACCURATE_MAX   # the fast path, bit for bit
    np.testing.assert_array_equal(y[small], apply(name, x[small]))
    if name == "sin":
        assert np.signbit(apply("sin_full", np.array([-0.0], dtype)))[0]


def test_two_over_pi_table_is_exact():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 1400
    two_over_pi = int(mpmath.floor(2 / mpmath.pi * mpmath.mpf(2) ** 1300))
    rows = fm._TWO_OVER_PI_ROWS
    for e in (-32, -1, 0, 1, 100, 500, 971):
        window = (two_over_pi >> (1300 - e - 190)) & ((1 << 192) - 1)
        assert rows[e + 32].tolist() == [(window >> (24 * i)) & 0xFFFFFF for i in range(8)]


@pytest.mark.parametrize("name", ["sin_full", "cos_full"])
def test_full_range_loop_vectorises_with_the_huge_call_predicated(name):
    for dtype in DTYPES:
        apply(name, np.linspace(0.1, 2, 64).astype(dtype))
    loop = _LOOPS[name]
    for sig in loop.signatures:
        ir_ = loop.inspect_llvm(sig)
        assert re.search(r"fmul <\d+ x double>", ir_), f"{name}{sig}: loop not vectorised"
        called = set(re.findall(r"call [^@]*@([\w.]+)\(", ir_))
        assert {c for c in called if "sincos_huge" in c} == {"functrans_fastmath_sincos_huge"}, called
