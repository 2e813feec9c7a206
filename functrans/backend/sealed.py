"""Files of machine code, which loading executes: written atomically in private mode, sealed
with the digest of what they belong to and the SHA-256 of what they hold, and read back only
if they are regular files owned by this user and intact. The disk cache keeps its programs'
images in them (``backend.cache``), and ``backend.native`` its provided C functions.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import uuid

MAGIC = b"functrans-program-cache 2\n"


class Damaged(Exception):
    """A sealed file whose header or digest does not match its content."""


def seal(digest: str, payload: bytes) -> bytes:
    """``payload`` with the header ``open_verified`` checks: the magic, ``digest`` and its SHA-256."""
    return MAGIC + digest.encode() + hashlib.sha256(payload).digest() + payload


def open_verified(path: str, digest: str) -> bytes:
    """The payload of a sealed file, after checking owner, header and SHA-256 (nothing is unpickled before)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise Damaged(f"{path} is not a regular file owned by this user")
        blob = f.read()
    head = len(MAGIC) + len(digest)
    if not blob.startswith(MAGIC) or blob[len(MAGIC):head] != digest.encode():
        raise Damaged(f"{path} does not belong to {digest}")
    if hashlib.sha256(blob[head + 32:]).digest() != blob[head:head + 32]:
        raise Damaged(f"{path} is truncated or altered (its SHA-256 does not match)")
    return blob[head + 32:]


def write_atomically(path: str, blob: bytes) -> None:
    """Write ``blob`` to ``path`` through a temporary file renamed into place, so a reader sees
    the old file or the whole new one (private mode: files of machine code are trusted code)."""
    temporary = f"{path}.tmp.{uuid.uuid4().hex[:16]}"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
