"""jit's disk cache of compiled programs: trusted, verified, self-healing and bounded.

Each file is one program's machine code for one argument signature (an image of
``backend.native``, a pickle): loading one runs whatever it says, so the cache must be as
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
import stat
import threading
import time
import warnings
from typing import Any

from numba.core.caching import NullCache

from ..config import config
from ..errors import CacheWarning
from .native import image
from .sealed import Damaged, open_verified, seal, write_atomically

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


class ProgramCache(NullCache):
    """The machine code of one generated program on disk: a sealed image (``backend.native``)
    per argument signature, ``ft_<digest>.<signature hash>.ftx``.

    Set as the program's Numba dispatcher's cache, it saves each overload Numba compiles
    (``save_overload``); it gives Numba nothing to load (``load_overload``): images are loaded
    by ``load``, before any dispatcher exists. A bad image is deleted with one warning, and
    the program compiles; a failed write warns once and leaves the program compiled in memory."""

    def __init__(self, directory: str, digest: str):  # noqa: D107
        self._directory, self._digest = directory, digest
        self._enabled = True

    @property
    def cache_path(self) -> str:
        return self._directory

    def path(self, signature: tuple) -> str:
        key = hashlib.sha256(repr(tuple(signature)).encode()).hexdigest()[:16]
        return os.path.join(self._directory, f"{_PREFIX}{self._digest}.{key}.ftx")

    def load(self, signature: tuple) -> bytes | None:
        """The saved image of this program for ``signature``, if there is a sound one."""
        path = self.path(signature)
        try:
            payload = open_verified(path, self._digest)
        except FileNotFoundError:
            return None
        except (OSError, Damaged) as e:
            self._discard(path, e)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # the LRU clock
        return payload

    def discard(self, signature: tuple, error: Exception) -> None:
        """Delete the image for ``signature``, which could not be loaded, with one warning."""
        self._discard(self.path(signature), error)

    def save_overload(self, sig: Any, cres: Any) -> None:
        payload = image(cres) if self._enabled else None
        if payload is None:
            return
        try:
            write_atomically(self.path(cres.signature.args), seal(self._digest, payload))
        except OSError as e:
            self._enabled = False
            _warn_once(("write", self._directory), f"functrans: cannot write to config.cache_dir={self._directory!r} ({e}); "
                       "programs compile in memory and are not cached on disk")
        else:
            _note_write(self._directory, len(payload))
            evict_if_needed(self._directory, keep=self._digest)

    def _discard(self, path: str, error: Exception) -> None:
        with contextlib.suppress(OSError):
            os.unlink(path)
        _warn_once(("entry", self._digest), f"functrans: discarded a damaged disk-cache entry of program {self._digest} "
                   f"in config.cache_dir={self._directory!r} ({type(error).__name__}: {error}); compiling it again")


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


def _renew_locks_in_child() -> None:
    # A thread of the parent (the background compiler, writing an entry) may have held one.
    global _warned_lock, _written_lock
    _warned_lock, _written_lock = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_renew_locks_in_child)
