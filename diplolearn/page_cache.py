"""Pages that are the same for every visitor who is not signed in (the sign-in page), rendered
once per worker and kept, since rendering them was most of their cost (issue 16).

What still differs between two visitors is their CSRF token: the page is rendered with a
placeholder in its place (Flask-WTF reuses the token it finds in ``flask.g``), and each visitor's
own token, bound to their session as usual, replaces the placeholder. A page is kept per
language, path with its query string and whatever the caller adds to the key (the sign-in page
adds the single sign-on domains its script reads); a visitor with a message to show (a flash)
gets a fresh rendering, and nothing is kept while templates reload (development).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from diplolearn import i18n

MAX_PAGES = 256  # per worker: a few languages x the query strings people really follow
# Random per process, so that no text a visitor can put on the page (a ``next`` parameter) can
# be the placeholder.
PLACEHOLDER = "csrf-" + secrets.token_hex(16)
_EXTENSION = "diplolearn.page_cache"


class _Pages:
    """One application's kept pages, the least recently used dropped first."""

    def __init__(self) -> None:
        self.pages: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()


def _pages() -> _Pages:
    pages = current_app.extensions.get(_EXTENSION)
    if pages is None:
        pages = current_app.extensions.setdefault(_EXTENSION, _Pages())
    return pages


def _cacheable() -> bool:
    return not current_app.jinja_env.auto_reload and "_flashes" not in session


def anonymous_page(key: Hashable, render: Callable[[], str]) -> str:
    """``render()``'s page for this request, from the cache when it was rendered before for
    the same language, path and ``key``."""
    if not _cacheable():
        return render()
    kept = _pages()
    full_key = (i18n.current_language(), request.full_path, key)
    with kept.lock:
        page = kept.pages.get(full_key)
        if page is not None:
            kept.pages.move_to_end(full_key)
    if page is None:
        page = _render_with_placeholder(render)
        with kept.lock:
            kept.pages[full_key] = page
            while len(kept.pages) > MAX_PAGES:
                kept.pages.popitem(last=False)
    return page.replace(PLACEHOLDER, generate_csrf())


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
    """Forget every kept page of the current application."""
    kept = _pages()
    with kept.lock:
        kept.pages.clear()
