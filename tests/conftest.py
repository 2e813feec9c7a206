"""Shared test set-up: one compile cache for the whole run (and across runs)."""
import os
import tempfile

import functrans

# Compiled programs are cached on disk; sharing the directory across the test run
# (and across runs) keeps the suite fast.
functrans.config.cache_dir = os.environ.get("FUNCTRANS_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "functrans-test-cache")

# Tests of jit test compiled code, so they compile on the first call, as do the Python
# processes they start (which inherit the environment); tests/test_jit_background.py
# turns background compilation on where it tests it.
functrans.config.background_compile = False
os.environ["FUNCTRANS_BACKGROUND_COMPILE"] = "0"
