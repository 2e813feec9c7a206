"""jit's disk cache of Numba machine code: trusted, verified, self-healing and bounded.

Numba's cache files are pickles, so loading one runs whatever it says: the cache must be as
trusted as the user's own code. Hence:

* A cache directory is used only if it is owned by the user and not writable by group or
  others (created ``0o700``); otherwise a warning and every program compiles in memory.
* Each file starts with a header naming its program's digest (the one in its name) and the
  SHA-256 of the rest. Nothing is unpickled before both match; a damaged, truncated, planted
  or unreadable entry is deleted with one warning and the program compiles again.
* A location that cannot be written (no permission, a full disk) gives one warning naming
  ``config.cache_dir``; programs then compile in memory.
* ``config.cache_max_bytes`` bounds the directory: after writes, the least recently used
  programs' files are deleted (a load counts as a use).

Generated Python source is never read back from disk: it is compiled from memory.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import threading
import time
import warnings
from typing import Any

from numba.core.caching import CompileResultCacheImpl, FunctionCache, IndexDataCacheFile

from ..config import config
from ..errors import CacheWarning

_MAGIC = b"functrans-numba-cache 1\n"
_DIGEST_LEN = 32  # hex characters of a program digest in file names and headers
_PREFIX = "ft_"


_warned: set = set()
_warned_lock = threading.Lock()


def _warn_once(key: Any, message: str) -> None:
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(message, CacheWarning, stacklevel=3)


class _Damaged(Exception):
    """A cache file whose header or digest does not match its content."""


# --------------------------------------------------------------------------- the directory


def usable_dir(directory: str) -> bool:
    """Whether jit may read and write Numba's cache in ``directory``: it is created if missing
    (mode 0o700); it must be a directory owned by this user, not writable by group or others,
    and writable. Otherwise one warning and False (programs compile in memory)."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.stat(directory)
    except OSError as e:
        _warn_once(("dir", directory), f"functrans: cannot create config.cache_dir={directory!r} ({e}); compiling in memory")
        return False
    reason = _distrust(info)
    if reason:
        _warn_once(("dir", directory), f"functrans: not using config.cache_dir={directory!r}: {reason}; compiling in memory. "
                   "Its files are executed when loaded, so it must be as trusted as your own code.")
        return False
    if not os.access(directory, os.W_OK | os.X_OK):
        _warn_once(("dir", directory), f"functrans: config.cache_dir={directory!r} is not writable; compiling in memory")
        return False
    return True


def _distrust(info: os.stat_result) -> str:
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if info.st_uid != os.geteuid():
        return f"it is owned by uid {info.st_uid}, not by this user (uid {os.geteuid()})"
    if info.st_mode & 0o022:
        return f"it is writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return ""


# --------------------------------------------------------------------------- verified files


def _seal(digest: str, payload: bytes) -> bytes:
    return _MAGIC + digest.encode() + hashlib.sha256(payload).digest() + payload


def _open_verified(path: str, digest: str) -> bytes:
    """The payload of a sealed file, after checking owner, header and SHA-256 (nothing is unpickled before)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise _Damaged(f"{path} is not a regular file owned by this user")
        blob = f.read()
    head = len(_MAGIC) + _DIGEST_LEN
    if not blob.startswith(_MAGIC) or blob[len(_MAGIC):head] != digest.encode():
        raise _Damaged(f"{path} does not belong to program {digest}")
    if hashlib.sha256(blob[head + 32:]).digest() != blob[head:head + 32]:
        raise _Damaged(f"{path} is truncated or altered (its SHA-256 does not match)")
    return blob[head + 32:]


class _SealedFile(IndexDataCacheFile):
    """Numba's index and data files, each sealed with its program's digest and SHA-256."""

    def __init__(self, directory: str, filename_base: str, digest: str):
        super().__init__(directory, filename_base, digest)
        self._digest = digest

    def _load_index(self) -> dict:
        try:
            payload = _open_verified(self._index_path, self._digest)
        except FileNotFoundError:
            return {}
        version, stamp, overloads = pickle.loads(payload)
        return overloads if (version, stamp) == (self._version, self._source_stamp) else {}

    def _save_index(self, overloads: dict) -> None:
        self._write(self._index_path, pickle.dumps((self._version, self._source_stamp, overloads), protocol=-1))

    def _load_data(self, name: str) -> Any:
        return pickle.loads(_open_verified(self._data_path(name), self._digest))

    def _save_data(self, name: str, data: Any) -> None:
        self._write(self._data_path(name), self._dump(data))

    def _write(self, path: str, payload: bytes) -> None:
        with self._open_for_write(path) as f:
            f.write(_seal(self._digest, payload))
        _note_write(os.path.dirname(path), len(payload))

    def paths(self) -> list[str]:
        base = self._index_name[: -len(".nbi")]
        directory = self._cache_path
        with contextlib.suppress(OSError):
            return [os.path.join(directory, n) for n in os.listdir(directory) if n.startswith(base)]
        return []


class _Locator:
    """Where Numba keeps one program's files: the cache directory itself."""

    def __init__(self, directory: str, digest: str):
        self._directory, self._digest = directory, digest

    def ensure_cache_path(self) -> None:
        os.makedirs(self._directory, mode=0o700, exist_ok=True)

    def get_cache_path(self) -> str:
        return self._directory

    def get_source_stamp(self) -> str:
        return self._digest

    def get_disambiguator(self) -> str:
        return ""


class _Impl(CompileResultCacheImpl):
    def __init__(self, py_func: Any, locator: _Locator, filename_base: str):  # noqa: D107 -- no file to locate
        self._lineno = py_func.__code__.co_firstlineno
        self._locator = locator
        self._filename_base = filename_base


class VerifiedCache(FunctionCache):
    """Numba's per-function cache for one generated program, with sealed files; loading a bad
    entry deletes it (one warning) and returns nothing, so Numba compiles; saving that fails
    warns once and leaves the program compiled in memory."""

    def __init__(self, py_func: Any, directory: str, digest: str):  # noqa: D107 -- replaces Numba's file lookup
        self._name = repr(py_func)
        self._py_func = py_func
        base = f"{_PREFIX}{digest}.py{sys.version_info[0]}{sys.version_info[1]}{getattr(sys, 'abiflags', '')}"
        self._impl = _Impl(py_func, _Locator(directory, digest), base)
        self._cache_path = directory
        self._cache_file = _SealedFile(directory, base, digest)
        self._digest = digest
        self.enable()

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            data = super().load_overload(sig, target_context)
        except Exception as e:  # noqa: BLE001 -- any failure to read or rebuild means: discard and compile
            self._discard(e)
            return None
        if data is not None:
            with contextlib.suppress(OSError):
                os.utime(self._cache_file._index_path)  # the LRU clock
        return data

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except OSError as e:
            self.disable()
            _warn_once(("write", self._cache_path), f"functrans: cannot write to config.cache_dir={self._cache_path!r} ({e}); "
                       "programs compile in memory and are not cached on disk")
        else:
            evict_if_needed(self._cache_path, keep=self._digest)

    def _discard(self, error: Exception) -> None:
        for path in self._cache_file.paths():
            with contextlib.suppress(OSError):
                os.unlink(path)
        _warn_once(("entry", self._digest), f"functrans: discarded a damaged disk-cache entry of program {self._digest} "
                   f"in config.cache_dir={self._cache_path!r} ({type(error).__name__}: {error}); compiling it again")


# --------------------------------------------------------------------------- size limit, info, clearing

_written: dict[str, int] = {}
_written_lock = threading.Lock()


def _note_write(directory: str, nbytes: int) -> None:
    with _written_lock:
        _written[directory] = _written.get(directory, 0) + nbytes


def _entries(directory: str) -> dict[str, list]:
    """Cache files by program: digest -> [total bytes, last use (mtime), paths]."""
    entries: dict[str, list] = {}
    try:
        names = os.listdir(directory)
    except OSError:
        return entries
    for name in names:
        if not name.startswith(_PREFIX):
            continue
        path = os.path.join(directory, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        entry = entries.setdefault(name[len(_PREFIX): len(_PREFIX) + _DIGEST_LEN], [0, 0.0, []])
        entry[0] += info.st_size
        entry[1] = max(entry[1], info.st_mtime)
        entry[2].append(path)
    return entries


def evict_if_needed(directory: str, keep: str = "") -> None:
    """Delete least recently used programs (but not program ``keep``, just written) while the
    directory holds more than ``config.cache_max_bytes``; scans only after a sixteenth of the
    limit was written since the last scan."""
    limit = config.cache_max_bytes
    with _written_lock:
        if directory in _written and _written[directory] < limit // 16:
            return
        _written[directory] = 0
    entries = _entries(directory)
    total = sum(e[0] for e in entries.values())
    for digest, (size, _, paths) in sorted(entries.items(), key=lambda item: item[1][1]):
        if total <= limit:
            break
        if digest == keep:
            continue
        for path in paths:
            with contextlib.suppress(OSError):
                os.unlink(path)
        total -= size


def cache_info(directory: str | None = None) -> dict:
    """What jit's disk cache holds: directory, whether it is used, programs, bytes, limit.

    >>> cache_info("/nonexistent/functrans")["programs"]
    0
    """
    directory = config.cache_dir if directory is None else directory
    if not directory:
        return {"cache_dir": None, "usable": False, "programs": 0, "bytes": 0, "max_bytes": config.cache_max_bytes}
    entries = _entries(directory)
    try:
        usable = not _distrust(os.stat(directory)) and os.access(directory, os.W_OK)
    except OSError:
        usable = False
    return {"cache_dir": directory, "usable": usable, "programs": len(entries),
            "bytes": sum(e[0] for e in entries.values()), "max_bytes": config.cache_max_bytes,
            "oldest_use": time.ctime(min((e[1] for e in entries.values()), default=0)) if entries else None}


def clear_disk_cache(directory: str | None = None) -> int:
    """Delete every jit cache file in ``directory`` (default ``config.cache_dir``); returns how many.

    >>> clear_disk_cache("/nonexistent/functrans")
    0
    """
    directory = config.cache_dir if directory is None else directory
    removed = 0
    for _, _, paths in _entries(directory).values() if directory else ():
        for path in paths:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
    return removed
