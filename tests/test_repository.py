"""The repository holds source, not build products."""
from __future__ import annotations

import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINARY_SUFFIXES = (".whl", ".so", ".pyd", ".dll", ".tar.gz", ".zip", ".egg", ".pyc", ".nbc", ".nbi", ".png")


def tracked_files() -> list[str]:
    try:
        done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return done.stdout.split()


def test_no_binary_or_build_files_are_tracked():
    binary = [f for f in tracked_files() if f.endswith(BINARY_SUFFIXES)]
    assert not binary, f"binary or build files are tracked: {binary}"


def test_tracked_files_are_text():
    for name in tracked_files():
        path = ROOT / name
        if path.is_file():
            assert b"\0" not in path.read_bytes()[:8192], f"{name} looks binary"
