"""Journeys through the real app in headless Chromium: languages and direction, sign-in, the
administrator's pages, keyboard access, and an axe-core accessibility check on each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility

pytestmark = pytest.mark.browser

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def sign_in(page, base_url: str, email: str, password: str):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()


def expect_language(page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)


def test_home_page_for_anonymous_visitor(page, live_server):
    response = page.goto(f"{live_server}/")
    assert response is not None and response.status == 200
    expect_language(page, "en", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Online courses for diplomats")
    check_accessibility(page, "home-en")


def test_arabic_learner_switches_language_and_back(page, live_server):
    sign_in(page, live_server, "layla@diplolearn.test", "layla-demo-2026")
    expect(page).to_have_url(f"{live_server}/")

    # Layla's saved interface language is Arabic, whatever the browser asks for.
    expect_language(page, "ar", "rtl")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("ليلى الأمين")
    assert ARABIC_SCRIPT.search(heading.inner_text())
    expect(
        page.get_by_role("navigation").get_by_role("link", name="دوراتي التدريبية")
    ).to_be_visible()
    expect(page.get_by_role("button", name="العربية", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    check_accessibility(page, "dashboard-ar")

    # The switcher is a POST form; the page comes back in English, left to right.
    with page.expect_navigation():
        page.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(f"{live_server}/")
    expect_language(page, "en", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Layla Al-Amin")
    expect(page.get_by_role("button", name="English", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    check_accessibility(page, "dashboard-en")

    with page.expect_navigation():
        page.get_by_role("button", name="العربية", exact=True).click()
    expect_language(page, "ar", "rtl")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ليلى الأمين")

    response = page.goto(f"{live_server}/account")
    assert response is not None and response.status == 200
    expect_language(page, "ar", "rtl")
    expect(page.get_by_text("layla@diplolearn.test", exact=True)).to_be_visible()
    check_accessibility(page, "account-ar")


def test_wrong_password_is_shown_to_the_person(page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email", exact=True).fill("james@diplolearn.test")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    with page.expect_response(
        lambda r: r.url == f"{live_server}/login" and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert answer.value.status == 422
    page.wait_for_load_state()

    expect_language(page, "en", "ltr")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the highlighted fields")
    error = page.locator("#password-error")
    expect(error).to_have_text("The email or password is not right. Check both and try again.")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "password-error")
    # Still signed out: the header offers to sign in.
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    check_accessibility(page, "login-error")


def test_administrator_pages(page, live_server):
    sign_in(page, live_server, "admin@diplolearn.test", "admin-demo-2026")
    expect(page).to_have_url(f"{live_server}/")
    expect_language(page, "en", "ltr")

    # Found by name: other journeys add people to the same site, and the list is paginated.
    response = page.goto(f"{live_server}/admin/people?q=Al-Amin")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.get_by_role("link", name="Layla Al-Amin")).to_be_visible()
    check_accessibility(page, "admin-people")

    response = page.goto(f"{live_server}/admin/audit")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    check_accessibility(page, "admin-audit")


def test_first_tab_focuses_skip_link(page, live_server):
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Skip to content", "href": "#main"}
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
