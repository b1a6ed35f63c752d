"""Signing in through a ministry's provider in headless Chromium, in Arabic and in English,
against a real OpenID provider (tests/sso_provider.py).

These pages run with the app's Content-Security-Policy enforced (no ``bypass_csp``): browsers
apply its ``form-action`` to the redirects that follow a form, so this is where a policy that
stopped the sign-in form (or the sign-out form) from leading to the provider would show.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import sso_provider
from tests.browser.conftest import check_accessibility

pytestmark = pytest.mark.browser

DOMAIN = "mofa-sso.example"
PEOPLE = {
    "ar": ("hind", "هند العلي", "Hind Al-Ali"),
    "en": ("james", "جيمس براون", "James Brown"),
}


@pytest.fixture(scope="module")
def sso(live_app, live_server):
    """A ministry of the live app signing its staff in through a provider in a thread; the
    app's public address is the live server's for the provider to send people back to it."""
    from diplolearn.extensions import db
    from diplolearn.models import Ministry, Role
    from diplolearn.services.accounts import accounts
    from diplolearn.services.sso import providers

    with sso_provider.provider() as issuer:
        public_url = live_app.config["PUBLIC_URL"]
        live_app.config["PUBLIC_URL"] = live_server
        with live_app.app_context():
            ministry = Ministry(code="MFA-SSO", name={"en": "SSO Ministry", "ar": "وزارة"})
            db.session.add(ministry)
            admin = accounts.create_user("sso.admin@diplolearn.test", name_latin="SSO Admin")
            accounts.grant_role(admin, Role.ADMINISTRATOR)
            providers.save_provider(
                ministry,
                issuer=issuer,
                client_id="diplolearn",
                client_secret="browser-secret",
                email_domains=[DOMAIN],
                by=admin,
            )
            for language, (sub, name_ar, name_latin) in PEOPLE.items():
                accounts.create_user(
                    f"{sub}@{DOMAIN}",
                    name_ar=name_ar,
                    name_latin=name_latin,
                    interface_language=language,
                    reading_language=language,
                )
                sso_provider.set_person(issuer, sub, email=f"{sub}@{DOMAIN}", email_verified=True)
            db.session.commit()
        try:
            yield issuer
        finally:
            live_app.config["PUBLIC_URL"] = public_url
            with live_app.app_context():
                providers.enabled_providers()[0].is_enabled = False  # the other journeys' /login
                db.session.commit()


@pytest.fixture()
def strict_page(browser):
    """A page with the app's Content-Security-Policy in force."""

    def open_page(locale: str):
        context = browser.new_context(locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    contexts: list = []
    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language,direction", [("ar", "rtl"), ("en", "ltr")])
def test_staff_sign_in_through_their_ministry(strict_page, live_server, sso, language, direction):
    sub, name_ar, name_latin = PEOPLE[language]
    page = strict_page("ar-EG" if language == "ar" else "en-US")
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", direction)

    password = page.locator("input[name=password]")
    expect(password).to_be_visible()
    page.locator("input[name=email]").fill(f"{sub}@{DOMAIN}")
    # The script knows the ministry's domain: no password to type.
    expect(password).to_be_hidden()
    expect(page.locator("#sso-hint")).not_to_be_empty()
    page.locator(
        "form[data-sso-domains] button[type=submit], form[data-sso-domains] input[type=submit]"
    ).click()

    # At the ministry's provider.
    expect(page).to_have_url(re.compile(re.escape(sso) + r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()

    # Back on DiploLearn, signed in, in the person's own language.
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        name_ar if language == "ar" else name_latin
    )

    # Signing out leads through the provider's own sign-out, and back.
    page.locator("form[action='/logout'] button").click()  # one sign-out form (base.html)
    expect(page).to_have_url(re.compile(re.escape(sso) + r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(f"{live_server}/")
    response = page.goto(f"{live_server}/account")
    assert response is not None and "/login" in page.url
    assert blocked == [], blocked


def test_sign_in_page_with_the_ministry_hint_is_accessible(page, live_server, sso):
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill(f"james@{DOMAIN}")
    expect(page.locator("input[name=password]")).to_be_hidden()
    check_accessibility(page, "login-sso-en")
