"""Shared test set-up: one compile cache for the whole run (and across runs)."""
import os
import sys
import tempfile

import pytest

import functrans

# Compiled programs are cached on disk; sharing the directory across the test run
# (and across runs) keeps the suite fast.
functrans.config.cache_dir = os.environ.get("FUNCTRANS_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "functrans-test-cache")

# Tests of jit test compiled code, so they compile on the first call (the default, pinned
# here against a user's FUNCTRANS_BACKGROUND_COMPILE), as do the Python processes they start
# (which inherit the environment); tests/test_jit_background.py turns it on where it tests it.
functrans.config.background_compile = False
os.environ["FUNCTRANS_BACKGROUND_COMPILE"] = "0"


@pytest.fixture(autouse=True)
def restore_jax_x64():
    """A test comparing with JAX may switch it to float64; the next test gets the flag back as it was."""
    before = sys.modules.get("jax")
    old = before.config.jax_enable_x64 if before else False
    yield
    if "jax" in sys.modules:
        sys.modules["jax"].config.update("jax_enable_x64", old)


@pytest.fixture
def broken_primitive():
    """A test-only elementwise primitive that runs eagerly but whose lowering Numba cannot compile."""
    from functrans.core import Primitive
    from functrans.lowering import def_elementwise, scalar_rules

    prim = Primitive("broken_for_test")
    prim.def_impl(lambda x: [x])
    prim.def_abstract_eval(lambda x: [x])
    def_elementwise(prim, "np.linalg.inv({0})")  # a matrix function on a scalar
    yield prim
    del scalar_rules[prim]
