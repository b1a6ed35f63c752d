"""Pages that are the same for every visitor who is not signed in (the sign-in page), rendered
once per worker and kept, since rendering them was most of their cost (issue 16).

What still differs between two visitors is their CSRF token: the page is rendered with a
placeholder in its place (Flask-WTF reuses the token it finds in ``flask.g``), and each visitor's
own token, bound to their session as usual, replaces the placeholder. A page is kept per
language and path with its query string, with the inputs it was rendered from (the sign-in
page: the single sign-on providers, whose domains its script knows and whose origins its form
may lead to). For a few seconds it is served without reading them again, so a visitor's
sign-in page costs no query at all; after that a change in them renders it again. A visitor
with a message to show (a flash) gets a fresh rendering, and nothing is kept while templates
reload (development).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple

from flask import current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf

from diplolearn import i18n

MAX_PAGES = 256  # per worker: a few languages x the query strings people really follow
# Random per process, so that no text a visitor can put on the page (a ``next`` parameter) can
# be the placeholder.
PLACEHOLDER = "csrf-" + secrets.token_hex(16)
_EXTENSION = "diplolearn.page_cache"


class _Kept(NamedTuple):
    page: str
    inputs: Hashable  # what the page was rendered from, besides language and path
    checked: float  # time.monotonic() when ``inputs`` were last found unchanged


class _Pages:
    """One application's kept pages, the least recently used dropped first."""

    def __init__(self) -> None:
        self.pages: OrderedDict[tuple, _Kept] = OrderedDict()
        self.lock = threading.Lock()


def _pages() -> _Pages:
    pages = current_app.extensions.get(_EXTENSION)
    if pages is None:
        pages = current_app.extensions.setdefault(_EXTENSION, _Pages())
    return pages


def _cacheable() -> bool:
    return not current_app.jinja_env.auto_reload and "_flashes" not in session


def anonymous_page(
    read_inputs: Callable[[], Hashable],
    render: Callable[[], str],
    *,
    reuse_inputs: Callable[[Hashable], None],
    fresh_for: float,
) -> str:
    """The page for this request's language and path. ``read_inputs()`` reads what else the
    page depends on (from the database); a kept page is served as it is for ``fresh_for``
    seconds after its inputs were last read, without reading them (``reuse_inputs`` hands them
    to the rest of the request instead), then their next reading decides whether it is
    rendered again. A page is rendered by ``render()``."""
    if not _cacheable():
        return render()
    kept = _pages()
    key = (i18n.current_language(), request.full_path)
    now = time.monotonic()
    with kept.lock:
        entry = kept.pages.get(key)
        if entry is not None:
            kept.pages.move_to_end(key)
    if entry is not None and now - entry.checked < fresh_for:
        reuse_inputs(entry.inputs)
    else:
        inputs = read_inputs()
        if entry is None or entry.inputs != inputs:
            entry = _Kept(_render_with_placeholder(render), inputs, now)
        else:
            entry = entry._replace(checked=now)
        with kept.lock:
            kept.pages[key] = entry
            while len(kept.pages) > MAX_PAGES:
                kept.pages.popitem(last=False)
    return entry.page.replace(PLACEHOLDER, generate_csrf())


def _render_with_placeholder(render: Callable[[], str]) -> str:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    had_token = field in g
    real = g.get(field)
    setattr(g, field, PLACEHOLDER)
    try:
        return render()
    finally:
        if had_token:
            setattr(g, field, real)
        else:
            g.pop(field, None)


def clear() -> None:
    """Forget every kept page of the current application (in this process)."""
    if not has_app_context():
        return
    kept = _pages()
    with kept.lock:
        kept.pages.clear()
