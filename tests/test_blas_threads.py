"""config.blas_threads sets the BLAS pool compiled code runs on, and only that one."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import functrans as ft
from functrans.backend import blas


def numpy_blas_threads() -> dict[str, int]:
    ours = set(blas.current_threads())
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas" and i["filepath"] not in ours}


@pytest.fixture
def restore_blas_threads():
    saved = ft.config.blas_threads
    yield
    ft.config.blas_threads = saved


def test_compiled_code_runs_its_products_on_the_configured_threads(restore_blas_threads):
    before = numpy_blas_threads()
    ft.jit(lambda a, b: a @ b)(np.ones((4, 4)), np.ones((4, 4)))
    assert blas.current_threads() and set(blas.current_threads().values()) == {ft.config.blas_threads}
    ft.config.blas_threads = 2
    assert set(blas.current_threads().values()) == {2}
    # NumPy's own pool (the one user code and eager functrans use) is left as it was.
    assert numpy_blas_threads() == before


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
