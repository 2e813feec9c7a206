"""The repository holds source, not build products."""
from __future__ import annotations

import ast
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINARY_SUFFIXES = (".whl", ".so", ".pyd", ".dll", ".tar.gz", ".zip", ".egg", ".pyc", ".nbc", ".nbi", ".ftx", ".png")


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


LONGEST_FUNCTION = 60


def test_no_function_is_longer_than_about_sixty_lines_without_a_reason():
    """A longer function says why in a ``# Long: ...`` comment at its top (body's first lines)."""
    too_long = []
    for path in sorted((ROOT / "functrans").rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                head = "\n".join(lines[node.lineno - 1 : node.body[0].lineno + 2])
                if length > LONGEST_FUNCTION and "# Long:" not in head:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert not too_long, "functions over 60 lines without a '# Long:' reason: " + ", ".join(too_long)
