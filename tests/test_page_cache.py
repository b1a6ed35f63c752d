"""The sign-in page kept rendered per worker (diplolearn/page_cache.py, issue 16): rendered once
per language, path and single sign-on domains, and still each visitor's own CSRF token, bound
to their session, so that only their own token signs them in."""

from __future__ import annotations

import re

from flask import template_rendered

from diplolearn import page_cache
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def _renders(app):
    seen: list[str] = []

    def record(_sender, template, context, **_extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    return seen, lambda: template_rendered.disconnect(record, app)


def test_the_sign_in_page_is_rendered_once_and_each_visitor_gets_their_own_token(app, db):
    make_user("kept@example.org")
    db.session.commit()
    with app.app_context():
        page_cache.clear()  # the app outlives a test: an earlier one may have kept the page
    seen, stop = _renders(app)
    try:
        first, second = app.test_client(), app.test_client()
        page_one = first.get("/login").get_data(as_text=True)
        page_two = second.get("/login").get_data(as_text=True)
        again = first.get("/login").get_data(as_text=True)
    finally:
        stop()
    assert seen.count("auth/login.html") == 1
    tokens_one, tokens_two = set(TOKEN.findall(page_one)), set(TOKEN.findall(page_two))
    assert len(tokens_one) == len(tokens_two) == 1  # every form of a page: the one token
    assert tokens_one != tokens_two
    assert "csrf-" not in page_one  # no placeholder is left
    assert set(TOKEN.findall(again)) == tokens_one  # the same session keeps its token
    # Each visitor's token is theirs: the other's is refused, their own signs them in.
    crossed = second.post(
        "/login",
        data={"csrf_token": tokens_one.pop(), "email": "kept@example.org", "password": PASSWORD},
    )
    assert crossed.status_code == 400
    own = second.post(
        "/login",
        data={"csrf_token": tokens_two.pop(), "email": "kept@example.org", "password": PASSWORD},
    )
    assert own.status_code == 302


def test_language_and_query_string_each_have_their_page(app, db):
    client = app.test_client()
    english = client.get("/login?next=/learn/1").get_data(as_text=True)
    assert 'value="/learn/1"' in english
    plain = client.get("/login").get_data(as_text=True)
    assert 'value="/learn/1"' not in plain
    arabic = app.test_client()
    page = arabic.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl"' in page and '<html lang="en"' in plain


def test_a_visitor_with_a_message_gets_a_fresh_page(app, db):
    client = app.test_client()
    client.get("/login")  # kept
    with client.session_transaction() as session:
        session["_flashes"] = [("error", "A message only this visitor must see.")]
    page = client.get("/login").get_data(as_text=True)
    assert "A message only this visitor must see." in page
    assert "A message only this visitor must see." not in app.test_client().get("/login").get_data(
        as_text=True
    )


def test_a_kept_sign_in_page_costs_no_query_while_fresh(app, db, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_PAGE_FRESH_SECONDS", 60)
    client = app.test_client()
    client.get("/login")  # rendered and kept
    with count_queries() as counter:
        page = client.get("/login")
    assert page.status_code == 200 and counter.count == 0, counter.statements
    monkeypatch.setitem(app.config, "SIGN_IN_PAGE_FRESH_SECONDS", 0)
    with count_queries() as counter:
        client.get("/login")  # no longer fresh: the providers are read again
    assert counter.count == 1, counter.statements


def test_a_provider_saved_shows_on_the_sign_in_page_at_once(app, db, monkeypatch):
    from diplolearn.models import Role
    from diplolearn.services.sso import providers
    from tests.factories import make_ministry, make_with_role

    monkeypatch.setitem(app.config, "SIGN_IN_PAGE_FRESH_SECONDS", 60)
    client = app.test_client()
    assert "data-sso-domains" not in client.get("/login").get_data(as_text=True)
    with app.test_request_context():
        providers.save_provider(
            make_ministry(),
            issuer="https://id.mofa.example",
            client_id="diplolearn",
            client_secret="s3cret-value",
            email_domains=["mofa.example"],
            staff_id_claim="",
            by=make_with_role(Role.ADMINISTRATOR),
        )
        db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    assert 'data-sso-domains="mofa.example"' in page
