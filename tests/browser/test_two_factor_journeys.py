"""Two-step sign-in in headless Chromium (issue 21), in Arabic and in English: the code step
after the password, and setting it up from the account page (QR code, key, recovery codes).

The app's Content-Security-Policy stays enforced here (no ``bypass_csp`` for the pages under
test; axe-core is injected into a second context), so a QR code the policy blocked would show.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility

pytestmark = pytest.mark.browser

PASSWORD = "two-step-browser-2026"
PEOPLE = {
    "ar": ("totp.ar@diplolearn.test", "سلمى حداد", "Salma Haddad"),
    "en": ("totp.en@diplolearn.test", "نورا بيرغ", "Nora Berg"),
}
NEWCOMER = "totp.new@diplolearn.test"


@pytest.fixture(scope="module")
def secrets_by_language(live_app):
    from diplolearn.extensions import db
    from diplolearn.services.accounts import accounts
    from diplolearn.services.signin import two_factor

    secrets = {}
    with live_app.app_context():
        for language, (email, name_ar, name_latin) in PEOPLE.items():
            user = accounts.create_user(
                email,
                name_ar=name_ar,
                name_latin=name_latin,
                interface_language=language,
                reading_language=language,
                password=PASSWORD,
            )
            secret = two_factor.new_secret()
            # Enrolled with the previous step's code, so the current one is still unused.
            previous = pyotp.TOTP(secret).at(time.time() - 30)
            two_factor.enrol(user, secret, previous, keep_device=None)
            secrets[language] = secret
        accounts.create_user(NEWCOMER, name_latin="New Comer", password=PASSWORD)
        db.session.commit()
    return secrets


def sign_in_with_password(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").first.click()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_code_step_signs_in_in_each_language(
    browser, live_server, secrets_by_language, language
):
    email = PEOPLE[language][0]
    context = browser.new_context(locale=language)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_with_password(page, live_server, email)
        expect(page).to_have_url(re.compile(r"/login/two-factor$"))
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        code = page.get_by_role("textbox")
        expect(code).to_have_attribute("autocomplete", "one-time-code")
        code.fill("000000" if pyotp.TOTP(secrets_by_language[language]).now() != "000000" else "1")
        page.locator("main form [type=submit]").first.click()
        expect(page.locator(".field.has-error")).to_be_visible()
        page.get_by_role("textbox").fill(pyotp.TOTP(secrets_by_language[language]).now())
        page.locator("main form [type=submit]").first.click()
        expect(page).not_to_have_url(re.compile(r"/login"))
        page.goto(f"{live_server}/account")
        expect(page.locator("#devices-heading")).to_be_visible()
    finally:
        context.close()


def test_the_step_and_setup_pages_are_accessible(browser, live_server, secrets_by_language):
    context = browser.new_context(bypass_csp=True, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_with_password(page, live_server, PEOPLE["en"][0])
        check_accessibility(page, "two-factor-step")
        page.goto(f"{live_server}/login")
        sign_in_with_password(page, live_server, NEWCOMER)
        page.goto(f"{live_server}/two-factor/setup")
        check_accessibility(page, "two-factor-setup")
    finally:
        context.close()


def test_setting_it_up_from_the_account_page(browser, live_server, secrets_by_language):
    context = browser.new_context(locale="en-US")  # the app's CSP enforced: the QR must load
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_with_password(page, live_server, NEWCOMER)
        page.goto(f"{live_server}/account")
        page.get_by_role("link", name="Set up two-step sign-in").click()
        qr = page.get_by_role("img", name="QR code for your authenticator app")
        expect(qr).to_be_visible()
        assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 0
        key = page.locator(".totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        codes = page.locator(".recovery-codes code")
        expect(codes).to_have_count(10)
        page.get_by_role("link", name="I have kept my codes: continue").click()
        expect(page.get_by_text("On: signing in asks for a code")).to_be_visible()
    finally:
        context.close()
