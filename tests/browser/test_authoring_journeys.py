"""Authoring in headless Chromium (issue 7 parts 1 and 3), with axe-core on the pages:
the demo course's instructor opens a draft, reorders modules by drag and drop (the move up /
move down buttons do it without JavaScript), edits a lesson with the languages side by side
(the Arabic text area right to left), previews it and saves it to the draft."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

INSTRUCTOR = ("instructor@diplolearn.test", "instructor-demo-2026")


def _course_id(live_app) -> int:
    import sqlalchemy as sa

    from diplolearn.demo import DEMO_COURSE_KEY
    from diplolearn.extensions import db
    from diplolearn.models import Course

    with live_app.app_context():
        return db.session.scalar(sa.select(Course.id).where(Course.key == DEMO_COURSE_KEY))


def _lessons(page) -> list[str]:
    """The lessons of the first module, in the order the outline shows them."""
    return page.eval_on_selector_all(
        "ol.authoring-outline > li:first-child ol[data-sortable=lesson] > li",
        "items => items.map(li => li.id)",
    )


def test_instructor_reorders_by_drag_and_drop_and_edits_a_lesson(page, live_server, live_app):
    course_id = _course_id(live_app)
    sign_in(page, live_server, *INSTRUCTOR)
    page.goto(f"{live_server}/author/courses/{course_id}")
    draft = page.locator("form[action$='/draft'] button[type=submit]")
    if draft.count():  # another journey on this live server may have opened it already
        draft.click()
        page.wait_for_load_state()
    check_accessibility(page, "authoring-course")
    # Lessons, not modules: every module after the first requires an earlier one, and a move
    # that would break a prerequisite is refused.
    before = _lessons(page)
    assert len(before) >= 2
    # Drag the second lesson onto the first: the page reloads with the new order.
    with page.expect_navigation():
        page.locator(f"#{before[1]}").drag_to(page.locator(f"#{before[0]}"))
    after = _lessons(page)
    assert after[:2] == [before[1], before[0]] and sorted(after) == sorted(before)
    # And back with the plain button.
    page.locator(f"#{before[0]} form button[name=up]").first.click()
    page.wait_for_load_state()
    assert _lessons(page) == before

    page.goto(f"{live_server}/author/courses/{course_id}/lessons/intro-digital-diplomacy/edit")
    arabic = page.locator("textarea[name=body_ar]")
    expect(arabic).to_have_attribute("dir", "rtl")
    expect(page.locator("textarea[name=body_en]")).to_have_attribute("dir", "ltr")
    check_accessibility(page, "authoring-lesson-editor")
    english = page.locator("textarea[name=body_en]")
    english.fill(english.input_value() + "\n\n{#intro-browser-note}\nA note *from the browser*.")
    arabic.fill(arabic.input_value() + "\n\n{#intro-browser-note}\nملاحظة من المتصفح.")
    french = page.locator("textarea[name=body_fr]")
    french.fill(french.input_value() + "\n\n{#intro-browser-note}\nUne note du navigateur.")
    page.locator("input[name=preview]").click()
    page.wait_for_load_state()
    preview = page.locator("#preview-en-intro-browser-note")
    expect(preview.locator("em")).to_have_text("from the browser")
    expect(page.locator("section.preview article[lang=ar]")).to_have_attribute("dir", "rtl")
    page.locator("input[name=save]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()
    assert "{#intro-browser-note}" in page.locator("textarea[name=body_en]").input_value()
