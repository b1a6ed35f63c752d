"""Static files with a content hash in their URL, so browsers may keep them for a year.

``static_url("style.css")`` (a template global) gives ``/static/style.css?v=<hash>``: the hash
of the file's bytes, computed once per process and file (in debug mode again when the file
changes). The static view answers a URL whose ``v`` is the file's current hash with
``Cache-Control: public, max-age=31536000, immutable``; any other static URL (no ``v``, or an old
one) gets a short lifetime, so a stale or unhashed link never pins an old file for long.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, request

LONG = 31_536_000  # one year: the URL changes whenever the bytes do
SHORT = 300


class StaticHashes:
    """File name -> short content hash, read once per process (per change in debug mode)."""

    def __init__(self, folder: str, watch: bool) -> None:
        self.folder = Path(folder)
        self.watch = watch
        self._hashes: dict[str, tuple[float, str]] = {}

    def get(self, filename: str) -> str | None:
        known = self._hashes.get(filename)
        if known is not None and not self.watch:
            return known[1]
        path = self.folder / filename
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        if known is not None and known[0] == mtime:
            return known[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self._hashes[filename] = (mtime, digest)
        return digest


def init_app(app: Flask) -> None:
    hashes = StaticHashes(app.static_folder, watch=bool(app.debug))
    urls: dict[str, str] = {}
    base = (app.static_url_path or "/static").rstrip("/")

    def static_url(filename: str) -> str:
        """The hashed URL of a file under static/ (a dict look-up, not url_for, per call)."""
        url = None if hashes.watch else urls.get(filename)
        if url is None:
            digest = hashes.get(filename)
            url = f"{base}/{filename}" + (f"?v={digest}" if digest else "")
            urls[filename] = url
        return request.script_root + url if request else url

    plain_view = app.view_functions["static"]

    def static(filename: str):
        response = plain_view(filename=filename)
        version = request.args.get("v")
        response.cache_control.no_cache = None  # werkzeug's default when no max_age is given
        if version and version == hashes.get(filename):
            response.cache_control.public = True
            response.cache_control.max_age = LONG
            response.cache_control.immutable = True
        else:
            response.cache_control.max_age = SHORT
        return response

    app.view_functions["static"] = static
    app.jinja_env.globals["static_url"] = static_url
