"""Shared by the reliability tests (no tests here): running a Python program in a new process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code: str, timeout: float = 240, **env: str) -> tuple[dict, float, str]:
    """Run ``code`` in a new interpreter with the working tree's functrans and the given
    environment variables; returns the JSON object it printed last, the wall time including
    interpreter exit, and its stderr. Fails the test if it crashes or hangs."""
    environ = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environ, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, f"exit status {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), elapsed, done.stderr
