"""Shared test set-up: one compile cache for the whole run (and across runs)."""
import os
import tempfile

import functrans

# Compiled programs are cached on disk; sharing the directory across the test run
# (and across runs) keeps the suite fast.
functrans.config.cache_dir = os.environ.get("FUNCTRANS_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "functrans-test-cache")
