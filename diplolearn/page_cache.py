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

A signed-in learner's pages (``personal_page``) are kept the same way, per person, language,
path and the to-do count their navigation shows, for as long as the page versions of what they
show are unchanged (services/page_versions.py: the person's, their cohorts' and the site's,
read with the person by the identity query), at most ``PAGE_CACHE_SECONDS``, and no later
than a moment the page itself names (``valid_until``: a module opening, a due date, an
attempt's time running out). Rendering one costs a few milliseconds of templates and records;
serving a kept one, that identity query alone.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import NamedTuple

from flask import Response, current_app, g, has_app_context, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from diplolearn import i18n

MAX_PAGES = 256  # per worker: a few languages x the query strings people really follow
# Random per process, so that no text a visitor can put on the page (a ``next`` parameter) can
# be the placeholder.
PLACEHOLDER = "csrf-" + secrets.token_hex(16)
_EXTENSION = "diplolearn.page_cache"
_PERSONAL = "diplolearn.page_cache.personal"
# Session keys a page's rendering may set that a kept page must set again (the dashboard's
# to-do count); the CSRF token and messages are the request's own.
_NOT_REPLAYED = frozenset({"csrf_token", "_flashes", "_fresh", "_id", "_user_id"})


class _Kept(NamedTuple):
    page: str
    inputs: Hashable  # what the page was rendered from, besides language and path
    checked: float  # time.monotonic() when ``inputs`` were last found unchanged


class _Pages:
    """One application's kept pages, the least recently used dropped first."""

    def __init__(self) -> None:
        self.pages: OrderedDict[tuple, _Kept] = OrderedDict()
        self.lock = threading.Lock()


def _store(name: str, make):
    """The application's store ``name`` of kept pages, made on first use."""
    kept = current_app.extensions.get(name)
    if kept is None:
        kept = current_app.extensions.setdefault(name, make())
    return kept


def _pages() -> _Pages:
    return _store(_EXTENSION, _Pages)


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


def _render_with_placeholder(render: Callable):
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
    personal = _personal()
    with personal.lock:
        personal.pages.clear()
        personal.size = 0


# --- a signed-in person's pages ---------------------------------------------------------------


class _Page(NamedTuple):
    page: str
    headers: list  # the view's own headers (the security headers are added to every answer)
    session: dict  # what the rendering put in the session, set again when the page is served
    versions: tuple  # services.page_versions.current() when it was rendered
    until: float  # time.monotonic() after which it is rendered again


class _Personal:
    def __init__(self) -> None:
        self.pages: OrderedDict[tuple, _Page] = OrderedDict()
        self.size = 0  # characters kept, bounded by PAGE_CACHE_MAX_CHARS
        self.lock = threading.Lock()


def _personal() -> _Personal:
    return _store(_PERSONAL, _Personal)


def valid_until(moment: dt.datetime | None) -> None:
    """The page being rendered changes by itself at ``moment`` (UTC): keep it no longer."""
    if moment is None:
        return
    from diplolearn.models import utcnow

    seconds = (moment - utcnow()).total_seconds()
    earlier = g.get("_page_valid_for")
    g._page_valid_for = seconds if earlier is None else min(earlier, seconds)


def personal_page(when: Callable[[], bool] | None = None, *, shows_kept_count: bool = True):
    """Keep a signed-in person's GET page (see the module docstring); ``when()`` may decline
    it for this request (a staff member's dashboard shows other people's work: never kept).
    ``shows_kept_count``: the navigation shows the to-do count kept in the session (every page
    but the dashboard, which counts it), so the page is kept per count."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0)
            if (
                seconds <= 0
                or request.method != "GET"
                or not current_user.is_authenticated
                or not _cacheable()
                or (when is not None and not when())
            ):
                return view(*args, **kwargs)
            return _personal_page(view, args, kwargs, seconds, shows_kept_count)

        return wrapped

    return decorator


def _personal_page(view, args, kwargs, seconds: float, shows_kept_count: bool):
    from diplolearn.extensions import db
    from diplolearn.services import page_versions

    kept = _personal()
    # The versions are read before the page (with the signed-in person, by the identity
    # query): a change committed meanwhile leaves the page kept under the older versions, so
    # the next request renders it again.
    versions = getattr(current_user, "page_versions", None) or page_versions.current(
        db.session, current_user.id
    )
    count = repr(session.get("todo")) if shows_kept_count else None
    key = (current_user.id, i18n.current_language(), request.full_path, count)
    now = time.monotonic()
    with kept.lock:
        entry = kept.pages.get(key)
        if entry is not None:
            kept.pages.move_to_end(key)
    if entry is not None and entry.versions == versions and now < entry.until:
        for name, value in entry.session.items():
            if session.get(name) != value:
                session[name] = value
        response = Response(entry.page.replace(PLACEHOLDER, generate_csrf()), mimetype="text/html")
        response.headers.extend(entry.headers)
        return response
    before = dict(session)
    g.pop("_page_valid_for", None)
    response = make_response(_render_with_placeholder(lambda: view(*args, **kwargs)))
    if response.mimetype != "text/html" or response.direct_passthrough:
        return response
    page = response.get_data(as_text=True)
    response.set_data(page.replace(PLACEHOLDER, generate_csrf()))
    valid_for = min(seconds, g.pop("_page_valid_for", seconds))
    if response.status_code == 200 and valid_for > 0 and "_flashes" not in session:
        changed = {
            name: value
            for name, value in session.items()
            if name not in _NOT_REPLAYED and before.get(name) != value
        }
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name not in ("Content-Type", "Content-Length", "Set-Cookie", "Vary")
        ]
        _keep(kept, key, _Page(page, headers, changed, versions, now + valid_for))
    return response


def _keep(kept: _Personal, key: tuple, entry: _Page) -> None:
    limit = current_app.config.get("PAGE_CACHE_MAX_CHARS", 32_000_000)
    with kept.lock:
        old = kept.pages.pop(key, None)
        kept.size -= len(old.page) if old is not None else 0
        kept.pages[key] = entry
        kept.size += len(entry.page)
        while kept.size > limit and kept.pages:
            _key, dropped = kept.pages.popitem(last=False)
            kept.size -= len(dropped.page)
