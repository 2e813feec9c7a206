"""Programs' machine code saved whole and loaded back without Numba's compiler (backend.native):
a new process gets the same machine code, so the same bits, and never builds a Numba dispatcher;
an image that cannot run here is refused, and the program compiles."""
from __future__ import annotations

import ctypes
import pickle

import llvmlite.binding as llvm
import numba
import numpy as np
import pytest
from numba import types

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import compiler, native
from tests.test_reliability_support import run_python

# Programs that need each kind of symbol an image refers to: BLAS (ours), LAPACK through Numba's
# helpers, the fast-math functions' out-of-line sin/cos path, rocket-fft's pocketfft, an
# allocation (NRT) and integer and complex code.
PROGRAMS = """
    import json
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp

    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    x = rng.standard_normal(64).astype(np.float32)
    programs = {
        "mlp_grad": (ft.jit(ft.grad(lambda w, x: fnp.sum(fnp.tanh(x @ w) ** 2))), (a, a[:3])),
        "sin_cos_huge": (ft.jit(lambda x: fnp.sin(x * 1e6) + fnp.cos(x)), (x,)),
        "lapack": (ft.jit(lambda a: (fnp.linalg.inv(a @ a.T + 6 * fnp.eye(6)), fnp.linalg.eigh(a + a.T)[0])), (a,)),
        "fft": (ft.jit(lambda x: fnp.abs(fnp.fft.rfft(x))), (x,)),
        "sort_complex": (ft.jit(lambda a: fnp.sort(a[0] + 1j * a[1]) * fnp.argsort(a[2])), (a,)),
    }
    out = {}
    for name, (f, args) in programs.items():
        values = [np.asarray(v) for v in ft.tree_util.tree_leaves(f(*args))]
        stats = f.lower(*args).compiled.cache_stats()
        out[name] = {"values": [v.tobytes().hex() for v in values], "hits": stats["hits"], "misses": stats["misses"]}
    import sys
    out["dispatchers_made"] = sum(name.startswith("ft_") for name in sys.modules)
    out["fastmath_imported"] = "functrans.backend.fastmath" in sys.modules
    print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_new_process_loads_each_program_and_computes_the_same_bits(tmp_path):
    cold, _, _ = run_python(PROGRAMS, timeout=600, FUNCTRANS_CACHE_DIR=str(tmp_path), FUNCTRANS_BACKGROUND_COMPILE="0")
    warm, _, _ = run_python(PROGRAMS, timeout=600, FUNCTRANS_CACHE_DIR=str(tmp_path), FUNCTRANS_BACKGROUND_COMPILE="0")
    names = [n for n in cold if n not in ("dispatchers_made", "fastmath_imported")]
    assert [(cold[n]["hits"], cold[n]["misses"]) for n in names] == [(0, 1)] * len(names)
    assert [(warm[n]["hits"], warm[n]["misses"]) for n in names] == [(1, 0)] * len(names)
    assert all(cold[n]["values"] == warm[n]["values"] for n in names)
    assert cold["dispatchers_made"] == len(names) and warm["dispatchers_made"] == 0  # Numba compiled nothing
    # The out-of-line sin/cos path came in sin_cos_huge's image: importing its module would have
    # built Numba's target context to load it (0.4 s).
    assert cold["fastmath_imported"] and not warm["fastmath_imported"]


def _image_of(f, *args) -> bytes:
    """``f``'s program's image, as the cache saved it after its compile."""
    with ft.config.option(background_compile=False):
        f(*args)
    compiled = f.lower(*args).compiled
    signature = compiled.signature(compiler.prepare_args(args, compiled.closed.in_avals))
    payload = compiled.program.cache.load(signature)
    assert payload is not None
    return payload


@pytest.fixture
def own_cache(tmp_path):
    with ft.config.option(cache_dir=str(tmp_path)):
        yield tmp_path


def test_an_image_names_the_symbols_it_needs_and_loads_in_this_process(own_cache):
    a = np.arange(12.0).reshape(3, 4)
    f = ft.jit(lambda a: fnp.tanh(a @ a.T) * 1.375)
    payload = _image_of(f, a)
    saved = pickle.loads(payload)
    assert "functrans_dgemm" in saved["undefined"] and tuple(saved["machine"]) == native.machine()
    entry = native.load(payload, "ft_test_entry")
    compiled, out = f.lower(a).compiled, np.empty((3, 3))
    compiler.call(entry, compiled.workspace, compiled.consts, [a], [out])
    np.testing.assert_array_equal(out, f(a))


def _altered(payload: bytes, **changes) -> bytes:
    saved = pickle.loads(payload)
    saved.update(changes)
    return pickle.dumps(saved)


def test_an_image_of_another_machine_or_needing_an_unknown_symbol_is_refused(own_cache):
    x = np.linspace(0.0, 1.0, 7)
    payload = _image_of(ft.jit(lambda x: fnp.exp(x) * 0.4375), x)
    triple, cpu, features = native.machine()
    assert native.load(_altered(payload, machine=(triple, cpu + "-other", features)), "ft_test_other") is None
    assert native.load(_altered(payload, undefined=["functrans_no_such_symbol"]), "ft_test_missing") is None
    assert native.load(_altered(payload, format=0), "ft_test_format") is None


def test_a_program_whose_image_is_refused_compiles_and_runs(own_cache, monkeypatch):
    x = np.linspace(0.0, 1.0, 5)
    expected = np.asarray(ft.jit(lambda x: fnp.log1p(x) * 0.5625)(x))
    monkeypatch.setattr(native, "machine", lambda: ("another", "machine", ""))
    f = ft.jit(lambda x: fnp.log1p(x) * 0.5625)
    with ft.config.option(background_compile=False):
        np.testing.assert_array_equal(f(x), expected)
    assert f.lower(x).compiled.cache_stats() == {"hits": 0, "misses": 1}


def test_undefined_symbols_reads_an_elf_symbol_table():
    a = np.ones((2, 2))
    with ft.config.option(background_compile=False, cache_dir=None):
        f = ft.jit(lambda a: a @ a)
        f(a)
    compiled = f.lower(a).compiled
    overload = next(iter(compiled.fn.overloads.values()))
    names = native.undefined_symbols(overload.library._compiled_object)
    assert "functrans_dgemm" in names and "PyArg_UnpackTuple" in names
    assert overload.fndesc.llvm_cpython_wrapper_name not in names  # defined in the object, not needed from outside


def _twice(x):
    return 2.0 * x


def test_a_provided_c_function_is_linked_from_its_file_and_a_damaged_file_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    call = lambda: ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(llvm.address_of_symbol("functrans_test_twice"))(1.5)
    native.provide("functrans_test_twice", types.float64(types.float64), _twice)
    [saved] = list(tmp_path.rglob("functrans_test_twice-*.ftx"))
    assert call() == 3.0 and native._provided["functrans_test_twice"][0] in saved.read_bytes()
    with monkeypatch.context() as patched:  # linked from the file: Numba compiles nothing
        patched.setattr(numba, "cfunc", lambda *args, **kwargs: pytest.fail("compiled although its file is sound"))
        native.provide("functrans_test_twice", types.float64(types.float64), _twice)
    assert call() == 3.0
    saved.write_bytes(saved.read_bytes()[:-100])  # truncated: its seal no longer matches
    native.provide("functrans_test_twice", types.float64(types.float64), _twice)
    assert call() == 3.0 and native._provided["functrans_test_twice"][0] in saved.read_bytes()
