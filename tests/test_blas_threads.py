"""Compiled products call NumPy's BLAS (one pool, shared with NumPy), and config.blas_threads
sets the pools compiled code runs on."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import functrans as ft
from functrans.backend import blas


@pytest.fixture
def restore_blas_threads():
    saved = ft.config.blas_threads
    yield
    ft.config.blas_threads = saved


def test_compiled_code_runs_its_products_on_the_configured_threads(restore_blas_threads):
    ft.jit(lambda a, b: a @ b)(np.ones((4, 4)), np.ones((4, 4)))
    assert blas.current_threads() and set(blas.current_threads().values()) == {ft.config.blas_threads}
    ft.config.blas_threads = 2
    assert set(blas.current_threads().values()) == {2}


def test_the_products_library_is_numpys_own_pool():
    numpy_pools = {i["filepath"] for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]}
    if not numpy_pools:
        pytest.skip("this NumPy bundles no BLAS (compiled products call SciPy's)")
    assert blas.gemm_library() in numpy_pools and blas.gemm_library() in blas.current_threads()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_compiled_products_are_numpys_bit_for_bit(dtype):
    # The same library called the same way: a row-major product is gemm of the transposes.
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) + (1j * rng.standard_normal(s) if np.iscomplexobj(dtype(0)) else 0) for s in ((70, 50), (50, 33)))
    a, b = a.astype(dtype), b.astype(dtype)
    product = ft.jit(lambda a, b: (a @ b, a[::2] @ b, b.T @ a.T))
    got = product(a, b)
    assert all(np.array_equal(g, w) for g, w in zip(got, (a @ b, a[::2] @ b, b.T @ a.T)))


def test_none_gives_the_library_its_own_default_back(restore_blas_threads):
    ft.jit(lambda a: a @ a)(np.ones((2, 2)))
    ft.config.blas_threads = 1
    ft.config.blas_threads = None
    assert set(blas.current_threads().values()) == set(blas._defaults.values())


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_a_thread_count_that_is_not_a_positive_int_is_refused(bad, restore_blas_threads):
    before = ft.config.blas_threads
    with pytest.raises(ValueError, match="blas_threads must be a positive int or None"):
        ft.config.blas_threads = bad
    assert ft.config.blas_threads == before


@pytest.mark.slow
def test_the_environment_variable_sets_the_default():
    code = "import functrans as ft; print(ft.config.blas_threads)"
    env = {**os.environ, "FUNCTRANS_BLAS_THREADS": "2"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "2", done.stderr
