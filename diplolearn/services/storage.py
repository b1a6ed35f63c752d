"""Content-addressed files under ``STORAGE_ROOT`` (one folder shared by every worker).

A file is named by the SHA-256 of its bytes, under ``<area>/<first two hex digits>/``, so the
same bytes are stored once, a name never changes meaning, and writing is idempotent. Writes go
to a temporary file in the same folder, then ``os.replace`` it into place (atomic on POSIX),
so a reader never sees half a file. Used by submission files (``submissions/``) and lesson
images (``images/``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

_DIGEST = re.compile(r"[0-9a-f]{64}")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,8})?")


def root() -> Path:
    return Path(current_app.config["STORAGE_ROOT"])


def content_path(area: str, sha256: str, suffix: str = "") -> Path:
    """Where the file with this digest lives; ValueError for anything but a digest."""
    if not _DIGEST.fullmatch(sha256 or "") or not _SUFFIX.fullmatch(suffix):
        raise ValueError("not a SHA-256 digest")
    return root() / area / sha256[:2] / f"{sha256}{suffix}"


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_bytes(area: str, data: bytes, suffix: str = "") -> str:
    """Write ``data`` once under its digest; return the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = content_path(area, digest, suffix)
    if not path.exists():
        write_atomically(path, data)
    return digest
