"""jit's disk cache against damage and distrust, in real processes: corrupted, truncated, edited
and planted files are discarded (one warning) and the program compiles again, never executed;
a directory writable by others, owned by someone else or impossible to write is not used (one
warning naming config.cache_dir, compiled in memory); the size limit evicts the least recently
used programs; ``cache_info``/``clear_disk_cache`` and ``python -m functrans cache``."""
from __future__ import annotations

import errno
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import cache, compiler
from test_reliability_support import REPO, run_python

# One program; prints its result, how Numba got its machine code, and functrans's warnings.
PROGRAM = """
    import json, warnings
    import numpy as np
    import functrans as ft
    import functrans.numpy as fnp

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = ft.jit(lambda w, x: fnp.tanh(x @ w) * 2.5 + fnp.sum(w))
        w, x = np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(0, 1, 8).reshape(2, 4)
        out = f(w, x)
        stats = f.lower(w, x).compiled.cache_stats()
    print(json.dumps({"out": out.tolist(), "hits": stats["hits"], "misses": stats["misses"],
                      "warnings": [str(w.message) for w in caught if "functrans" in str(w.message)]}))
"""
W, X = np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(0, 1, 8).reshape(2, 4)
EXPECTED = (np.tanh(X @ W) * 2.5 + W.sum()).tolist()


def run(cache_dir) -> dict:
    result, _, _ = run_python(PROGRAM, FUNCTRANS_CACHE_DIR=str(cache_dir), FUNCTRANS_BACKGROUND_COMPILE="0")
    np.testing.assert_allclose(result["out"], EXPECTED, rtol=1e-13)
    return result


def files(cache_dir: Path, suffix: str) -> list[Path]:
    return sorted(p for p in cache_dir.iterdir() if p.name.startswith("ft_") and p.suffix == suffix)


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> Path:
    """A cache directory holding the program, written by a first process."""
    directory = tmp_path_factory.mktemp("warm")
    first = run(directory)
    assert (first["hits"], first["misses"], first["warnings"]) == (0, 1, [])
    return directory


def copy_of(warm: Path, tmp_path: Path) -> Path:
    target = tmp_path / "cache"
    target.mkdir(mode=0o700)
    for path in warm.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


@pytest.mark.slow
def test_a_second_process_loads_the_sealed_machine_code(warm, tmp_path):
    directory = copy_of(warm, tmp_path)
    assert len(files(directory, ".ftx")) == 1
    assert not list(directory.glob("*.py"))  # the source is compiled from memory, never read from disk
    second = run(directory)
    assert (second["hits"], second["misses"], second["warnings"]) == (1, 0, [])


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])


def garble(path: Path) -> None:
    path.write_bytes(b"\x00garbage" * 10)


@pytest.mark.slow
@pytest.mark.parametrize("damage", [flip_a_byte, truncate, garble], ids=["bit-flip", "truncated", "garbled"])
def test_a_damaged_file_is_discarded_with_one_warning_and_the_program_compiles_again(warm, tmp_path, damage):
    directory = copy_of(warm, tmp_path)
    damage(files(directory, ".ftx")[0])
    healed = run(directory)
    assert healed["misses"] == 1 and healed["hits"] == 0
    assert len(healed["warnings"]) == 1 and "discarded a damaged disk-cache entry" in healed["warnings"][0]
    again = run(directory)  # rewritten, sealed again
    assert (again["hits"], again["misses"], again["warnings"]) == (1, 0, [])


class _Payload:
    """A pickle that runs a command when loaded: what a planted cache file could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.slow
def test_a_planted_pickle_is_never_unpickled(warm, tmp_path):
    directory = copy_of(warm, tmp_path)
    marker = tmp_path / "executed"
    target = files(directory, ".ftx")[0]
    target.write_bytes(pickle.dumps(_Payload(marker)))  # a plain pickle, no seal
    healed = run(directory)
    assert not marker.exists()
    assert healed["misses"] == 1 and len(healed["warnings"]) == 1


@pytest.mark.slow
def test_a_sealed_file_of_another_program_is_rejected(warm, tmp_path):
    directory = copy_of(warm, tmp_path)
    index = files(directory, ".ftx")[0]
    digest = index.name[3:35]
    other = "0" * 32
    data = index.read_bytes().replace(digest.encode(), other.encode(), 1)  # a valid seal, but for program 000...
    index.write_bytes(data)
    healed = run(directory)
    assert healed["misses"] == 1 and "discarded" in healed["warnings"][0]


@pytest.mark.slow
def test_a_directory_writable_by_others_is_not_loaded_from(warm, tmp_path):
    directory = copy_of(warm, tmp_path)
    directory.chmod(0o777)
    result = run(directory)
    assert (result["hits"], result["misses"]) == (0, 1)  # compiled in memory
    assert len(result["warnings"]) == 1 and "writable by group or others" in result["warnings"][0]
    assert "config.cache_dir" in result["warnings"][0]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory to another user")
def test_a_directory_owned_by_another_user_is_not_loaded_from(warm, tmp_path):
    directory = copy_of(warm, tmp_path)
    os.chown(directory, 65534, 65534)
    result = run(directory)
    assert (result["hits"], result["misses"]) == (0, 1)
    assert "owned by uid 65534" in result["warnings"][0]


@pytest.mark.slow
def test_a_location_below_a_file_warns_naming_cache_dir_and_compiles_in_memory(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    result = run(tmp_path / "file" / "cache")
    assert result["misses"] == 1 and len(result["warnings"]) == 1
    assert "config.cache_dir" in result["warnings"][0] and "compiling in memory" in result["warnings"][0]


@pytest.mark.slow
def test_a_full_disk_warns_once_naming_cache_dir_and_the_program_still_runs(tmp_path, monkeypatch):
    def full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(cache, "write_atomically", full)
    with ft.config.option(cache_dir=str(tmp_path)), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = ft.jit(lambda x: fnp.cos(x) * 1.625 - 0.375)
        x = np.linspace(0, 1, 5)
        for _ in range(3):
            np.testing.assert_allclose(f(x), np.cos(x) * 1.625 - 0.375, rtol=1e-14)
        g = ft.jit(lambda x: fnp.cos(x) * 1.875 - 0.375)
        g(x)
    messages = [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]
    assert len(messages) == 1 and "No space left" in messages[0] and "config.cache_dir" in messages[0]
    assert not list(tmp_path.glob("ft_*"))


@pytest.mark.slow
def test_the_size_limit_evicts_the_least_recently_used_programs(tmp_path):
    with ft.config.option(cache_dir=str(tmp_path), cache_max_bytes=1):
        x = np.linspace(0, 1, 5)
        for k in range(3):
            ft.jit(lambda x: fnp.sin(x) * (2.0 + k) + 0.0625)(x)
            digests = {p.name[3:35] for p in tmp_path.glob("ft_*")}
            assert len(digests) <= 1  # each save evicts every older program
        assert cache.cache_info(str(tmp_path))["programs"] == 1
    with ft.config.option(cache_dir=str(tmp_path), cache_max_bytes=1 << 30):
        for k in range(3):
            ft.jit(lambda x: fnp.sin(x) * (5.0 + k) + 0.0625)(x)
        info = cache.cache_info(str(tmp_path))
        assert info["programs"] == 4 and info["usable"] and 0 < info["bytes"] < info["max_bytes"]
        oldest = min(tmp_path.glob("ft_*.ftx"), key=lambda p: p.stat().st_mtime)
        limit = info["bytes"] - oldest.stat().st_size  # room for all but the oldest program (one file each)
        ft.config.cache_max_bytes = limit
        cache.evict_if_needed(str(tmp_path))
        assert not oldest.exists() and cache.cache_info(str(tmp_path))["programs"] == 3


@pytest.mark.slow
def test_clear_disk_cache_and_the_command_line(warm, tmp_path):
    directory = copy_of(warm, tmp_path)
    info = subprocess.run([sys.executable, "-m", "functrans", "cache", "info", "--dir", str(directory)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert info.returncode == 0 and '"programs": 1' in info.stdout
    clear = subprocess.run([sys.executable, "-m", "functrans", "cache", "clear", "--dir", str(directory)],
                           capture_output=True, text=True, cwd=REPO, timeout=120)
    assert clear.returncode == 0 and "removed 1 files" in clear.stdout
    assert cache.cache_info(str(directory))["programs"] == 0
    (directory / "unrelated.txt").write_text("kept")
    assert cache.clear_disk_cache(str(directory)) == 0 and (directory / "unrelated.txt").exists()


@pytest.mark.slow
def test_without_a_cache_dir_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with ft.config.option(cache_dir=None):
        f = ft.jit(lambda x: fnp.cos(x) * 5.25 - 1.0)
        np.testing.assert_allclose(f(np.ones(3)), np.cos(np.ones(3)) * 5.25 - 1.0)
        assert f.lower(np.ones(3)).compiled.path is None and f.lower(np.ones(3)).compiled.program.cache is None
    assert compiler.compilable(np.dtype(np.float64))
    assert list(tmp_path.iterdir()) == []
