"""Each role's main pages, in Arabic and English, at a desktop width (1280 px) and a phone's
(390 px), screenshotted into tests/artifacts/gallery/ and checked with axe-core (issue 15).

`docs/gallery/` keeps a small selection of them for the README: `make gallery` refreshes it
from these screenshots (tools/gallery.py).

At 390 px no page may scroll sideways: wide tables scroll inside their own frame.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, check_accessibility

GALLERY = ARTIFACTS / "gallery"
PEOPLE = {
    "learner": {
        "ar": ("layla@diplolearn.test", "layla-demo-2026"),
        "en": ("james@diplolearn.test", "james-demo-2026"),
    },
    "instructor": {"en": ("instructor@diplolearn.test", "instructor-demo-2026")},
    "coordinator": {"en": ("coordinator.a@diplolearn.test", "coordinator-a-demo-2026")},
    "administrator": {"en": ("admin@diplolearn.test", "admin-demo-2026")},
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()


def _learner_pages(page, base: str) -> dict[str, str]:
    html = page.content()
    outline = re.search(r'href="(/learn/\d+)"', html).group(1)
    page.goto(base + outline)
    lesson = re.search(r'href="(/learn/\d+/lessons/[^"#]+)"', page.content()).group(1)
    return {"dashboard": "/", "outline": outline, "lesson": lesson}


def _staff_pages(role: str, page, base: str) -> dict[str, str]:
    if role == "instructor":
        page.goto(base + "/teach/")
        cohort = re.search(r'href="(/teach/cohorts/\d+)"', page.content()).group(1)
        return {"teaching": "/teach/", "grid": cohort + "/grid"}
    if role == "coordinator":
        page.goto(base + "/ministry/reports")
        return {"reports": page.url.removeprefix(base), "ministries": "/ministry/"}
    return {"people": "/admin/people", "ministries": "/admin/ministries"}


def _language(page, base: str, language: str) -> None:
    """The interface language, as the person would choose it (the switcher's button)."""
    current = page.locator("html").get_attribute("lang")
    if current != language:
        page.locator(
            f"button[name=lang][value={language}], form:has(input[value={language}]) button"
        ).first.click()
        page.wait_for_load_state()


@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_roles_main_pages_in_both_directions_and_widths(browser, live_server, role):
    GALLERY.mkdir(parents=True, exist_ok=True)
    for language in ("ar", "en"):
        email, password = PEOPLE[role].get(language) or PEOPLE[role]["en"]
        for width_name, (width, height) in WIDTHS.items():
            context = browser.new_context(
                bypass_csp=True, viewport={"width": width, "height": height}, locale=language
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                _sign_in(page, live_server, email, password)
                _language(page, live_server, language)
                pages = (
                    _learner_pages(page, live_server)
                    if role == "learner"
                    else _staff_pages(role, page, live_server)
                )
                for name, path in pages.items():
                    page.goto(live_server + path)
                    assert page.locator("html").get_attribute("dir") == (
                        "rtl" if language == "ar" else "ltr"
                    )
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                    )
                    assert overflow <= 1, f"{role} {name} ({language}, {width}px) scrolls sideways"
                    page.screenshot(
                        path=str(GALLERY / f"{role}-{name}-{language}-{width_name}.png")
                    )
                    if width_name == "desktop":
                        check_accessibility(page, f"gallery-{role}-{name}-{language}")
            finally:
                context.close()
    _restore_languages(browser, live_server, role)


def _restore_languages(browser, base: str, role: str) -> None:
    """Switching saved each person's choice: put back their own, for the other tests."""
    from diplolearn.demo import DEMO_ACCOUNTS

    own = {row.email: row.language for row in DEMO_ACCOUNTS}
    for email, password in set(PEOPLE[role].values()):
        context = browser.new_context()
        page = context.new_page()
        try:
            _sign_in(page, base, email, password)
            _language(page, base, own[email])
        finally:
            context.close()
