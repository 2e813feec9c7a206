"""tools/coverage.py: JAX's public names that functrans lacks, per module."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Loaded under another name: as ``coverage`` it would replace the coverage package.
_spec = importlib.util.spec_from_file_location("functrans_coverage_tool", os.path.join(ROOT, "tools", "coverage.py"))
coverage_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(coverage_tool)


def test_counts_present_missing_and_excluded_names():
    pytest.importorskip("jax")
    r = coverage_tool.coverage("jax.numpy", "functrans.numpy")
    assert r.total == len(r.present) + len(r.missing) and r.present
    assert {"meshgrid", "packbits", "finfo"} <= set(r.present)
    assert {"bfloat16", "float8_e4m3fn", "load", "printoptions", "int4"} <= set(r.excluded)
    assert not set(r.excluded) & set(r.missing)
    assert "add_p" in coverage_tool.coverage("jax.lax", "functrans.lax").excluded  # primitives need not match
    absent = coverage_tool.coverage("jax.numpy", "functrans.no_such_module")
    assert not absent.present and len(absent.missing) == r.total


@pytest.mark.slow
def test_script_prints_counts_per_module():
    pytest.importorskip("jax")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "coverage.py"), "--quiet", "jax.numpy", "jax.nn"],
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("jax.numpy") and "present" in lines[0] and lines[1].startswith("jax.nn")
    assert lines[-1].startswith("all")
