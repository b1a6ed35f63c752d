"""The paragraph editor in headless Chromium (issue 15 item 7), with axe-core on the pages.

With JavaScript, in English: paragraphs move, appear and go in place (the fields renumbered, the
focus kept on what was moved or added), the toolbar wraps the selection in Markdown, the preview
follows the typing, and Save
keeps the new order and gives the new paragraph a fresh anchor. In Arabic: the Arabic text area
is right to left and the English one left to right, the preview is server-rendered in each
language's direction. Without JavaScript: the same buttons post the form and the page comes back
with the change applied and nothing saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

INSTRUCTOR = ("instructor@diplolearn.test", "instructor-demo-2026")


def _course_and_lesson(live_app) -> tuple[int, str]:
    """The demo course and a lesson of it with three paragraphs or more."""
    import sqlalchemy as sa

    from diplolearn.demo import DEMO_COURSE_KEY
    from diplolearn.extensions import db
    from diplolearn.models import Course
    from diplolearn.services.authoring import drafting

    with live_app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.key == DEMO_COURSE_KEY))
        version = drafting.draft_of(course) or drafting.latest_published(course)
        lessons = [
            lesson
            for lesson in drafting.spec_of(version).lessons()
            if len(lesson.anchors) >= 3 and lesson.id != "intro-digital-diplomacy"
        ]
        return course.id, lessons[0].id


def _open_editor(page, live_server, live_app, language: str) -> str:
    course_id, key = _course_and_lesson(live_app)
    sign_in(page, live_server, *INSTRUCTOR)
    page.goto(f"{live_server}/author/courses/{course_id}")
    with page.expect_navigation():
        page.locator(f"form[action='/language'] button[lang={language}]").first.click()
    draft = page.locator("form[action$='/draft'] button[type=submit]")
    if draft.count():
        with page.expect_navigation():
            draft.click()
    path = f"{live_server}/author/courses/{course_id}/lessons/{key}/paragraphs"
    page.goto(path)
    return path


def _anchors(page) -> list[str]:
    return page.eval_on_selector_all(
        "#lesson-editor input[name$='-anchor']", "inputs => inputs.map(i => i.value)"
    )


def _names(page) -> list[str]:
    return page.eval_on_selector_all("#lesson-editor textarea", "areas => areas.map(a => a.name)")


def test_english_author_moves_adds_and_formats_in_place(page, live_server, live_app):
    _open_editor(page, live_server, live_app, "en")
    expect(page.locator("h1")).not_to_contain_text("-")  # a title, not an id
    check_accessibility(page, "editor-paragraphs-en")
    before = _anchors(page)
    url = page.url
    # Move the first paragraph down: in place, no page load, focus kept on its button.
    page.locator("#paragraph-1 button[data-move=down]").click()
    assert page.url == url
    assert _anchors(page) == [before[1], before[0], *before[2:]]
    assert page.evaluate("document.activeElement.value") == "down-2"
    names = _names(page)
    assert names[0].startswith("paragraphs-0-") and names[-1].startswith(
        f"paragraphs-{len(before) - 1}-"
    )
    # Add a paragraph after the first: an empty box, focus in its first text area.
    page.locator("#paragraph-1 button[data-add]").click()
    assert _anchors(page) == [before[1], "", before[0], *before[2:]]
    focused = page.evaluate("document.activeElement.name")
    assert focused.startswith("paragraphs-1-")
    languages = page.eval_on_selector_all(
        "#paragraph-2 textarea", "areas => areas.map(a => a.getAttribute('lang'))"
    )
    words = {
        "ar": "تجيب السفارات عن الأسئلة عبر حسابها @embassy.",
        "en": "Embassies answer questions online.",
        "fr": "Les ambassades répondent en ligne.",
    }
    for language in languages:
        page.locator(f"#paragraph-2 textarea[lang={language}]").fill(words[language])
    # The toolbar wraps the selected word in bold.
    english = page.locator("#paragraph-2 textarea[lang=en]")
    english.focus()
    english.evaluate("area => area.setSelectionRange(0, 'Embassies'.length)")
    toolbar = page.locator("#paragraph-2 [role=toolbar]")
    expect(toolbar).to_be_visible()
    toolbar.locator("button[data-mark=bold]").click()
    expect(english).to_have_value("**Embassies** answer questions online.")
    # The preview beside follows the typing (the server renders it, as learners will see it).
    expect(page.locator("#preview-en-2 strong")).to_have_text("Embassies")
    check_accessibility(page, "editor-paragraphs-en-editing")
    with page.expect_navigation():
        page.locator("#lesson-editor .editor-actions button[value=save]").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    after = _anchors(page)
    assert after[0] == before[1] and after[2:] == [before[0], *before[2:]]
    assert after[1] and after[1] not in before
    expect(page.locator("#paragraph-2 textarea[lang=en]")).to_have_value(
        "**Embassies** answer questions online."
    )
    # Remove it again, in place, and save: the lesson is back to its paragraphs, moved.
    page.locator("#paragraph-2 button[data-remove]").click()
    assert _anchors(page) == [before[1], before[0], *before[2:]]
    with page.expect_navigation():
        page.locator("#lesson-editor .editor-actions button[value=save]").first.click()
    assert _anchors(page) == [before[1], before[0], *before[2:]]


def test_arabic_author_sees_each_language_in_its_direction(page, live_server, live_app):
    _open_editor(page, live_server, live_app, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#paragraph-1 textarea[lang=ar]")).to_have_attribute("dir", "rtl")
    expect(page.locator("#paragraph-1 textarea[lang=en]")).to_have_attribute("dir", "ltr")
    page.locator("#paragraph-1 textarea[lang=ar]").focus()
    expect(page.locator("#paragraph-1 [role=toolbar]")).to_be_visible()
    with page.expect_navigation():
        page.locator("#lesson-editor .editor-actions button[value=preview]").first.click()
    expect(page.locator(".editor-preview article[lang=ar]")).to_have_attribute("dir", "rtl")
    expect(page.locator(".editor-preview article[lang=en]")).to_have_attribute("dir", "ltr")
    check_accessibility(page, "editor-paragraphs-ar")


def test_without_javascript_the_buttons_post_the_form(browser, live_server, live_app):
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        path = _open_editor(page, live_server, live_app, "en")
        before = _anchors(page)
        expect(page.locator("#editor-toolbar-template")).to_have_count(1)
        expect(page.locator("[role=toolbar]:visible")).to_have_count(0)
        with page.expect_navigation():
            page.locator("#paragraph-2 button[data-move=up]").click()
        assert _anchors(page) == [before[1], before[0], *before[2:]]
        expect(page.locator("[role=status]").first).to_be_visible()
        # Nothing was saved: the page as stored still has the old order.
        page.goto(path)
        assert _anchors(page) == before
    finally:
        context.close()
