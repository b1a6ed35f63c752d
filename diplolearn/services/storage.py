"""Content-addressed files under ``STORAGE_ROOT`` (one folder shared by every worker).

A file is named by the SHA-256 of its bytes, under ``<area>/<first two hex digits>/``, so the
same bytes are stored once, a name never changes meaning, and writing is idempotent. Writes go
to a temporary file in the same folder, then ``os.replace`` it into place (atomic on POSIX),
so a reader never sees half a file. A stored file gets the mode of any new file (``FILE_MODE``,
from the umask), not the temporary file's 0600, so that nginx, in the service's group, can send
it. Used by submission files (``submissions/``) and lesson images (``images/``).

``serve_stored`` sends such a file to someone a view has already let see it: by the application
itself, or, when ``X_ACCEL_REDIRECT_PREFIX`` is set (behind nginx, deploy/nginx/diplolearn.conf),
as an empty answer whose ``X-Accel-Redirect`` header lets nginx send the bytes from an
``internal`` location that maps the prefix to ``STORAGE_ROOT``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, send_file

_DIGEST = re.compile(r"[0-9a-f]{64}")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,8})?")


def _umask() -> int:
    current = os.umask(0o022)  # read once, at import, before any thread starts
    os.umask(current)
    return current


FILE_MODE = 0o666 & ~_umask()


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
            os.fchmod(handle.fileno(), FILE_MODE)
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


def content_disposition(download_name: str) -> dict[str, str]:
    """The ``filename`` options of an attachment, as Werkzeug's ``send_file`` writes them: an
    ASCII name, plus the RFC 5987 ``filename*`` when the name is not ASCII."""
    try:
        download_name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore")
        quoted = quote(download_name, safe="!#$&+-.^_`|~")
        return {"filename": simple.decode("ascii"), "filename*": f"UTF-8''{quoted}"}
    return {"filename": download_name}


def serve_stored(
    path: Path,
    mimetype: str,
    download_name: str | None = None,
    *,
    max_age: int = 0,
    etag: str | None = None,
) -> Response:
    """Send a file under ``STORAGE_ROOT`` that the calling view has checked its viewer may see.

    ``download_name`` makes it an attachment (else it is shown inline); ``etag`` makes the
    answer conditional. With ``X_ACCEL_REDIRECT_PREFIX`` set, the body is empty and nginx
    sends the file (it keeps Content-Type, Content-Disposition and Cache-Control); otherwise
    Flask sends it.
    """
    prefix = current_app.config.get("X_ACCEL_REDIRECT_PREFIX")
    if not prefix:
        return send_file(
            path,
            mimetype=mimetype,
            as_attachment=download_name is not None,
            download_name=download_name,
            conditional=etag is not None,
            etag=etag if etag is not None else True,
            max_age=max_age,
        )
    relative = Path(path).relative_to(root()).as_posix()  # ValueError outside STORAGE_ROOT
    response = current_app.response_class(status=200)
    response.headers["Content-Type"] = mimetype
    response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(relative)
    if download_name is not None:
        response.headers.set(
            "Content-Disposition", "attachment", **content_disposition(download_name)
        )
    if max_age > 0:
        response.cache_control.public = True
    response.cache_control.max_age = max_age
    if etag is not None:
        response.set_etag(etag)
    return response
