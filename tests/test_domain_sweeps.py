"""Every elementwise primitive, eager (its NumPy/SciPy impl) against compiled (jit, with
``config.precise_math`` False and True), over its whole domain: huge, tiny, subnormal,
+-inf, nan, -0.0, negative values and, for integers, INT_MIN, -1, 0 and INT_MAX, in
float32, float64 and the integer dtypes it takes.

The primitives are read from the lowering tables (``functrans.lowering.scalar_rules``),
so a new one is swept as soon as it is registered, and ``test_every_primitive_has_a_sweep``
fails until it has an entry in ``SWEEPS``, the one table of documented tolerances.

Compile cost is the constraint: one jitted program per (group, dtype, math mode) returns
the results of all the group's primitives as a tuple; binary primitives run on the grid of
all pairs of a dtype's values.

What "agree" means (``check``): NaN at the same positions; where the eager result is
+-inf or 0, the same value (and the same sign of zero unless the entry says NumPy's sign
is not defined there); elsewhere within the entry's ulps (or its rtol); integer and
boolean results exactly.
"""
from __future__ import annotations

import itertools
import warnings
from typing import NamedTuple

import numpy as np
import pytest

import functrans as ft
import functrans.scipy.special  # noqa: F401  (registers the special-function primitives)
from functrans import core
from functrans.backend import fastmath as fm
from functrans.lowering import Kind, scalar_rules


class Sweep(NamedTuple):
    """How one primitive is swept and how close compiled must be to eager.

    arity: operands; kinds: the dtype kinds it takes (f float, i signed, u unsigned, b bool);
    ulps: max distance of a finite nonzero float result, in both math modes; rtol: a
    relative bound accepted too, for kernels of their own (SciPy eager);
    group: "core" or "special" (its own programs: the kernels take long to compile; a
    result below the smallest normal may be flushed to 0 by SciPy there);
    atol: also accepted, an absolute error (near a function's zeros);
    domain: None (every value of the dtype's set) or (lo, hi) for the operands' values;
    params: the primitive's static parameters, one case per dict.
    """

    arity: int = 1
    kinds: str = "f"
    ulps: int = 0
    rtol: float = 0.0
    group: str = "core"
    domain: tuple | None = None
    params: tuple = ({},)
    zero_sign: bool = True
    atol: float = 0.0


OPERAND_DTYPE = object()  # a parameter that is the swept operand's dtype
EXACT = Sweep()                       # IEEE-exact operations: bit for bit
LIBM = Sweep(ulps=2)                  # NumPy's own SIMD loops against Numba's libm calls
FAST = Sweep(ulps=2)                  # fastmath.py's approximations (documented there: <= 2 ulp)
INT_ARITH = "iuf"


def special(arity=1, rtol=1e-12, domain=(-50.0, 50.0), **kw):
    """Own float64 kernels against SciPy's (results rounded to float32 may differ by an ulp);
    the sign of a zero result is not compared: the kernels and SciPy disagree on it."""
    return Sweep(arity=arity, ulps=1, rtol=rtol, group="special", domain=domain, zero_sign=False, **kw)


SWEEPS: dict[str, Sweep] = {
    # arithmetic (integers wrap; x // 0 == x % 0 == 0 and INT_MIN // -1 == INT_MIN, as NumPy)
    "add": EXACT._replace(arity=2, kinds=INT_ARITH),
    "add_any": EXACT._replace(arity=2, kinds=INT_ARITH),
    "sub": EXACT._replace(arity=2, kinds=INT_ARITH),
    "mul": EXACT._replace(arity=2, kinds=INT_ARITH),
    "div": EXACT._replace(arity=2, kinds=INT_ARITH),
    "rem": EXACT._replace(arity=2, kinds=INT_ARITH),
    "max": EXACT._replace(arity=2, kinds="biuf"),
    "min": EXACT._replace(arity=2, kinds="biuf"),
    "pow": LIBM._replace(arity=2),
    "atan2": LIBM._replace(arity=2),
    "nextafter": EXACT._replace(arity=2),
    "ldexp": EXACT._replace(arity=2, domain=(-1100.0, 1100.0)),
    "integer_pow": EXACT._replace(kinds=INT_ARITH, ulps=2,
                                  params=tuple({"y": y} for y in (0, 1, 2, 3, 5, 9, -1, -2))),
    # unary
    "neg": EXACT._replace(kinds=INT_ARITH),
    # sign(-0.0): NumPy (eager) gives 0.0, compiled code and JAX give -0.0.
    "sign": EXACT._replace(kinds=INT_ARITH, zero_sign=False),
    "abs": EXACT._replace(kinds=INT_ARITH),
    "floor": EXACT, "ceil": EXACT, "round": EXACT, "is_finite": EXACT, "signbit": EXACT,
    "frexp_exponent": EXACT,
    "stop_gradient": EXACT._replace(kinds="biuf"),
    # complex parts: conj and complex of real operands here; complex operands in test_complex
    "conj": EXACT._replace(params=({"input_dtype": OPERAND_DTYPE},)), "complex": EXACT._replace(arity=2), "real": EXACT._replace(kinds="c"), "imag": EXACT._replace(kinds="c"),
    "name": EXACT._replace(kinds="biuf", params=({"name": "swept"},)),
    "replicated": EXACT._replace(kinds="biuf", params=({"axis_name": "swept"},)),
    "sqrt": EXACT, "rsqrt": LIBM, "cbrt": LIBM,
    "exp": FAST, "log": FAST, "log1p": FAST, "expm1": FAST, "tanh": FAST, "logistic": FAST,
    "sin": FAST, "cos": FAST,
    "exp2": LIBM, "tan": LIBM, "asin": LIBM, "acos": LIBM, "atan": LIBM, "sinh": LIBM,
    "cosh": LIBM, "asinh": LIBM, "acosh": LIBM, "atanh": LIBM, "erf": LIBM,
    "lgamma": special(rtol=1e-13, domain=None, atol=1e-15),  # atol: at its zeros x = 1, 2
    "digamma": special(rtol=1e-13, domain=None), "digamma": special(rtol=1e-13, domain=None),
    "trigamma": special(rtol=1e-13, domain=None),
    # comparisons and logic: exact, on every dtype
    "eq": EXACT._replace(arity=2, kinds="biuf"), "ne": EXACT._replace(arity=2, kinds="biuf"),
    "lt": EXACT._replace(arity=2, kinds="biuf"), "le": EXACT._replace(arity=2, kinds="biuf"),
    "gt": EXACT._replace(arity=2, kinds="biuf"), "ge": EXACT._replace(arity=2, kinds="biuf"),
    "and": EXACT._replace(arity=2, kinds="biu"), "or": EXACT._replace(arity=2, kinds="biu"),
    "xor": EXACT._replace(arity=2, kinds="biu"), "not": EXACT._replace(kinds="biu"),
    "shift_left": EXACT._replace(arity=2, kinds="iu"),
    "shift_right_logical": EXACT._replace(arity=2, kinds="u"),
    "shift_right_arithmetic": EXACT._replace(arity=2, kinds="i"),
    "select_n": EXACT._replace(arity=3, kinds="biuf"),
    "convert_element_type": EXACT._replace(kinds="biuf", params=tuple(
        {"new_dtype": np.dtype(t), "weak_type": False}
        for t in ("bool", "int8", "int32", "int64", "uint8", "uint64", "float32", "float64"))),
    # special functions: own kernels against SciPy
    "erfc": special(), "erf_inv": special(domain=(-1.0, 1.0)), "erfcx": special(),
    "ndtri": special(domain=(0.0, 1.0)), "dawsn": special(),
    "igamma": special(2, domain=(0.0, 50.0)), "igammac": special(2, domain=(0.0, 50.0)),
    "igamma_grad_a": special(2, domain=(0.0, 50.0)),
    "regularized_incomplete_beta": special(3, domain=(0.0, 20.0)),
    "bessel_i0e": special(), "bessel_i1e": special(), "zeta": special(2, domain=(0.0, 50.0)),
    "exp1": special(), "expi": special(), "expn": special(2, domain=(0.0, 50.0)),
    "spence": special(), "owens_t": special(2), "si": special(), "ci": special(),
    "fresnel_s": special(), "fresnel_c": special(),
    "hyp1f1": special(3, domain=(-20.0, 20.0)), "hyp1f1_da": special(3, domain=(-20.0, 20.0)),
    "hyp1f1_db": special(3, domain=(-20.0, 20.0)),
}

FLOATS = [np.float64, np.float32]
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def elementwise_primitives() -> dict[str, core.Primitive]:
    return {p.name: p for p in scalar_rules if p.kind is Kind.ELEMENTWISE and p.name != "broken_for_test"}


def test_every_primitive_has_a_sweep():
    missing = sorted(set(elementwise_primitives()) - set(SWEEPS))
    assert not missing, f"elementwise primitives without a domain sweep entry in SWEEPS: {missing}"
    stale = sorted(set(SWEEPS) - set(elementwise_primitives()))
    assert not stale, f"SWEEPS entries for primitives that no longer exist: {stale}"


# --------------------------------------------------------------------------- values


def float_values(dtype, domain=None) -> np.ndarray:
    """Zeros of both signs, subnormals, the smallest normal, values around 1, the thresholds of
    exp/log/trig, huge values up to the largest finite, +-inf and nan, with their negatives."""
    f = np.finfo(dtype)
    eps = float(f.eps)
    mags = [float(f.smallest_subnormal), 3 * float(f.smallest_subnormal), float(f.tiny) / 2, float(f.tiny),
            1e-30, 1e-8, 1e-3, 0.1, 0.5, 1 - eps / 2, 1.0, 1 + eps, 1.5, 2.0, 2.5, 3.0, np.pi / 2, 10.0, 20.0, 40.0,
            88.0, 100.0, 709.0, 710.0, 1000.0, 1e6, 2.0**20, 2.0**31, 1e10, 2.0**50, 1e20, 1e38, 1e100, 1e300,
            float(f.max)]
    with np.errstate(over="ignore"):
        m = np.unique(np.array(mags, np.float64).astype(dtype))
    m = m[np.isfinite(m)]
    values = np.concatenate([[0.0, -0.0], m, -m, [np.inf, -np.inf, np.nan]]).astype(dtype)
    if domain is not None:  # the primitive's own range, on a grid, with the special values
        lo, hi = domain
        values = np.concatenate([np.linspace(lo, hi, 41), values[(values >= lo) & (values <= hi)],
                                 [0.0, -0.0, np.nan, np.inf, -np.inf]]).astype(dtype)
    return values


def int_values(dtype) -> np.ndarray:
    i = np.iinfo(dtype)
    v = [i.min, i.min + 1, -100, -3, -2, -1, 0, 1, 2, 3, 7, 8, 31, 63, 100, i.max - 1, i.max]
    return np.unique(np.array([x for x in v if i.min <= x <= i.max], dtype=object).astype(dtype))


def values(dtype, domain=None) -> np.ndarray:
    if np.dtype(dtype) == np.bool_:
        return np.array([False, True])
    return float_values(dtype, domain) if np.dtype(dtype).kind == "f" else int_values(dtype)


def operands(dtype, arity: int, domain=None, limit: int = 40) -> list[np.ndarray]:
    """All pairs (triples: a thinned grid) of the dtype's values; a non-contiguous view."""
    v = values(dtype, domain)
    if arity == 1:
        return [np.repeat(v, 2)[::2]]
    if arity == 3:
        v = v[:: max(1, len(v) // 12)]
    elif len(v) > limit:
        v = v[:: int(np.ceil(len(v) / limit))]
    grid = np.array(list(itertools.product(v, repeat=arity)), dtype=v.dtype)
    return [np.ascontiguousarray(grid[:, k]) for k in range(arity)]


# --------------------------------------------------------------------------- comparison


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    signed = np.int64 if a.dtype == np.float64 else np.int32

    def ordered(v):
        i = v.view(signed).astype(np.int64)
        return np.where(i < 0, np.iinfo(signed).min - i, i)

    return np.abs(ordered(a) - ordered(b))


def check(name: str, label: str, got: np.ndarray, want: np.ndarray, args: list[np.ndarray],
          sweep: Sweep) -> str | None:
    """None if compiled ``got`` agrees with eager ``want`` as ``sweep`` documents, else why not."""

    def where(what, mask):
        return f"{name} {label}: {what} at " + ", ".join(
            f"{name}({', '.join(repr(a[i]) for a in args)}) = {got[i]!r}, eager {want[i]!r}"
            for i in np.flatnonzero(mask)[:4])

    if got.dtype != want.dtype:
        return f"{name} {label}: dtype {got.dtype}, eager {want.dtype}"
    if want.dtype.kind == "c":  # complex results (of real operands): each part as a float result
        return (check(name, f"{label} (real part)", got.real, want.real, args, sweep)
                or check(name, f"{label} (imaginary part)", got.imag, want.imag, args, sweep))
    if want.dtype.kind != "f":
        bad = got != want
        return where("differs", bad) if bad.any() else None
    nan = np.isnan(want)
    bad = np.isnan(got) != nan
    if bad.any():
        return where("NaN differs", bad)
    if sweep.group == "special":  # SciPy flushes some subnormal results to 0
        tiny = np.finfo(want.dtype).tiny
        flushed = (np.abs(got) < tiny) & (np.abs(want) < tiny)
        got, want, args = got[~flushed], want[~flushed], [a[~flushed] for a in args]
        nan = nan[~flushed]
    exact = ~nan & (np.isinf(want) | (want == 0))
    bad = exact & ((got != want) | (sweep.zero_sign & (np.signbit(got) != np.signbit(want))))
    if bad.any():
        return where("special value differs", bad)
    bad = ~nan & ~exact & (ulp_distance(got, want) > sweep.ulps)
    error = np.abs(got.astype(np.float64) - want)
    if sweep.rtol:  # either bound: a float64 kernel's result, rounded to float32, may land one ulp away
        bad &= ~(error <= sweep.rtol * np.abs(want.astype(np.float64)))
    if sweep.atol:
        bad &= ~(error <= sweep.atol)
    return where("off by more than the tolerance", bad) if bad.any() else None


# --------------------------------------------------------------------------- programs


class Case(NamedTuple):
    name: str
    prim: core.Primitive
    params: dict
    args: list


# The fast tier: the primitives whose compiled code depends on the math mode, and the
# integer division, remainder and power of issue 18. The full sweeps are marked slow
# (compiling one program of every primitive takes 15-45 s on a loaded 2-core machine).
FAST_TIER = ("exp", "log", "tanh", "sin", "cos", "div", "rem", "integer_pow")


def cases(group: str, dtype, names=None) -> list[Case]:
    """The group's primitives (or only ``names``) that take ``dtype``, with their operands
    (select_n's first operand is a boolean pattern)."""
    out = []
    kind = np.dtype(dtype).kind
    for name, prim in sorted(elementwise_primitives().items()):
        s = SWEEPS[name]
        if s.group != group or kind not in s.kinds or (names is not None and name not in names):
            continue
        for params in s.params:
            params = {k: np.dtype(dtype) if v is OPERAND_DTYPE else v for k, v in params.items()}
            if name == "integer_pow" and kind in "iu" and params["y"] < 0:
                continue  # integers to negative powers raise before binding (tested in test_numeric_edges)
            args = operands(dtype, s.arity, s.domain)
            if name == "select_n":
                args[0] = np.arange(len(args[0])) % 3 == 1
            if name in ("ldexp", "expn"):  # ldexp's exponent and expn's order hold integers
                k = 0 if name == "expn" else 1
                args[k] = np.round(args[k])
            out.append(Case(name, prim, params, args))
    return out


def eager(case: Case) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # SciPy's, for expn's float order
        return np.asarray(case.prim.impl(*case.args, **case.params)[0])


def compiled(group: str, dtype, precise: bool, names=None) -> tuple[list[Case], list[np.ndarray]]:
    todo = cases(group, dtype, names)
    flat = [a for c in todo for a in c.args]
    sizes = [len(c.args) for c in todo]

    def program(*flat_args):
        results, i = [], 0
        for c, n in zip(todo, sizes):
            results.append(c.prim.bind(*flat_args[i:i + n], **c.params))
            i += n
        return tuple(results)

    with ft.config.option(precise_math=precise):
        got = ft.jit(program)(*flat)
    return todo, [np.asarray(g) for g in got]


def _float_to_int_out_of_range(args, params, fast):
    x, new = args[0], params["new_dtype"]
    if x.dtype.kind != "f" or new.kind not in "iu":
        return None
    info = np.iinfo(new)
    with np.errstate(invalid="ignore"):
        return ~((x > info.min - 1.0) & (x < info.max + 1.0))


def _subnormal(v):
    return (v != 0) & (np.abs(v) < np.finfo(v.dtype).tiny)


# Where compiled may differ from eager, each with why. By design: fast-math sin/cos beyond
# 2**20 (fastmath.py documents it: absolute error about |x|*2**-53, NaN from 2**50;
# fastmath.sin_full/cos_full are exact there); NaN/inf/out-of-range float -> integer
# conversion (undefined in C and NumPy, CPU-dependent); ldexp's exponent operand when it
# is not a finite int32. Eager less accurate than compiled (SciPy/NumPy flush or lose the
# value): logistic and igammac where the true result is subnormal, lgamma at subnormal x
# (finite, -log|x|; SciPy: inf), digamma within 1e-8 of a pole, float32 integer_pow with
# y < 0 where |x|**|y| overflows (eager computes in float64; compiled, as JAX, in float32),
# igamma(a, x) at subnormal a (compiled 1.0, the limit SciPy itself gives at a = 0; SciPy
# flushes 1/Gamma(a) and returns 0 for x < a + 1), owens_t(h, a) for |h| >= 4.8 and
# |a| < 1e-3 (SciPy's series there is off by up to 2.5e-9 relative, 96% at a = 1e-30;
# compiled agrees with mpmath to 4e-14).
# Compiled kernel that differs from SciPy (reported): regularized_incomplete_beta with a or b
# zero or subnormal.
DEVIATIONS = {
    "sin": lambda args, params, fast: (np.abs(args[0].astype(np.float64)) >= fm.SINCOS_ACCURATE_MAX) if fast else None,
    "cos": lambda args, params, fast: (np.abs(args[0].astype(np.float64)) >= fm.SINCOS_ACCURATE_MAX) if fast else None,
    "convert_element_type": _float_to_int_out_of_range,
    "ldexp": lambda args, params, fast: ~(np.abs(args[1]) < 2.0**31),
    "logistic": lambda args, params, fast: args[0] < np.log(np.finfo(args[0].dtype).tiny),
    "integer_pow": lambda args, params, fast: (
        (np.abs(args[0].astype(np.float64)) ** -params["y"] > np.finfo(args[0].dtype).max)
        if params["y"] < 0 and args[0].dtype.kind == "f" else None),
    "lgamma": lambda args, params, fast: _subnormal(args[0]),
    "digamma": lambda args, params, fast: (args[0] <= 0) & (np.abs(args[0] - np.round(args[0])) < 1e-8),
    "igamma": lambda args, params, fast: _subnormal(args[0]),
    "igammac": lambda args, params, fast: _subnormal(args[0]),
    "owens_t": lambda args, params, fast: (np.abs(args[0]) >= 4.8) & (np.abs(args[1]) < 1e-3),
    "regularized_incomplete_beta": lambda args, params, fast: (
        (np.abs(args[0]) < np.finfo(args[0].dtype).tiny) | (np.abs(args[1]) < np.finfo(args[1].dtype).tiny)),
}


def documented_deviation(case: Case, fast: bool) -> np.ndarray | None:
    rule = DEVIATIONS.get(case.name)
    return None if rule is None else rule(case.args, case.params, fast)


def sweep(group: str, dtype, precise: bool, names=None) -> None:
    todo, got = compiled(group, dtype, precise, names)
    failures = []
    with np.errstate(all="ignore"):  # the deviation masks compare and square inf and nan
        for case, g in zip(todo, got):
            failure = compare(case, g, precise)
            if failure:
                failures.append(failure)
    assert not failures, "\n".join(failures)


def compare(case: Case, got: np.ndarray, precise: bool) -> str | None:
    """Why ``got`` (compiled) disagrees with eager beyond the documented deviations, or None."""
    want, args = eager(case), case.args
    skip = documented_deviation(case, not precise)
    if skip is not None:
        if case.name in ("sin", "cos"):  # fast math there: the documented error bound
            x = args[0].astype(np.float64)
            between = skip & (np.abs(x) < fm.SINCOS_MAX_ARG)
            error = np.abs(got[between].astype(np.float64) - want[between])
            if not np.all(error <= np.abs(x[between]) * 2.0**-50 + 1e-7):
                return f"{case.name}: fast math beyond 2**20 exceeds its documented error"
        got, want, args = got[~skip], want[~skip], [a[~skip] for a in args]
    label = f"{want.dtype.name} {case.params or ''} {'precise' if precise else 'fast'} math"
    return check(case.name, label, got, want, args, SWEEPS[case.name])


@pytest.mark.slow
@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
def test_fast_tier_float64(precise):
    sweep("core", np.float64, precise, FAST_TIER)


def test_fast_tier_int64():
    sweep("core", np.int64, False, FAST_TIER)


@pytest.mark.slow
@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
def test_core_float64(precise):
    sweep("core", np.float64, precise)


@pytest.mark.slow
@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
def test_core_float32(precise):
    sweep("core", np.float32, precise)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", INTS + [np.bool_], ids=lambda d: np.dtype(d).name)
def test_core_integers_and_bool(dtype):
    # Integer code does not depend on the math mode (fast math is float-only).
    sweep("core", dtype, False)


@pytest.mark.slow
@pytest.mark.parametrize("precise", [False, True], ids=["fast-math", "precise-math"])
@pytest.mark.parametrize("dtype", FLOATS, ids=["float64", "float32"])
def test_special_functions(dtype, precise):
    sweep("special", dtype, precise)
