"""Lesson images at their public, content-addressed URLs (``/media/images/<sha256>.<ext>``):
anyone may fetch them, signed in or not; instructors upload them on the teaching pages
(teach/file_views.py) and services/catalogue/images.py stores them."""

from __future__ import annotations

import re

from flask import abort

from diplolearn.main import bp
from diplolearn.services import storage
from diplolearn.services.catalogue import images

MEDIA_NAME = re.compile(r"([0-9a-f]{64})(\.png|\.jpg|\.webp)")
YEAR = 365 * 24 * 60 * 60


@bp.get("/media/images/<name>")
def serve_image(name: str):
    """Public, content-addressed and immutable: cached for a year by browsers and proxies."""
    match = MEDIA_NAME.fullmatch(name)
    if match is None:
        abort(404)
    path = storage.content_path(images.AREA, match.group(1), match.group(2))
    if not path.is_file():
        abort(404)
    response = storage.serve_stored(
        path, images.MIME_TYPES[match.group(2)], max_age=YEAR, etag=match.group(1)
    )
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
