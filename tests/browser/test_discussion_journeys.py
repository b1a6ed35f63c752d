"""Discussion on the text in headless Chromium: a reader opens a paragraph's discussion in place
under the paragraph (static/discussion.js), asks a question from that inline form, lands on the
paragraph's page with the question shown, and sees the count beside the paragraph. The same
flow without JavaScript is covered by tests/test_discussion.py. Both pages go through axe-core.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import COURSE_READERS, READERS_COHORT_KEY, check_accessibility
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser


def test_a_paragraph_discussed_in_place(page, live_app, live_server):
    from diplolearn.extensions import db
    from diplolearn.models import Cohort, Enrolment, User

    reader = COURSE_READERS["en"]
    with live_app.app_context():
        enrolment_id = db.session.scalar(
            sa.select(Enrolment.id)
            .join(User, User.id == Enrolment.user_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(User.email == reader.email, Cohort.key == READERS_COHORT_KEY)
        )
    sign_in(page, live_server, reader.email, reader.password)
    page.goto(f"{live_server}/learn/{enrolment_id}")
    # A lesson of the module the outline shows open (the others are collapsed).
    page.locator("ol.modules details[open] a[href*='/lessons/']").first.click()
    page.wait_for_load_state("load")  # the enhancement script is deferred
    first = page.locator("a[data-discuss]").first
    anchor = first.get_attribute("data-discuss")
    first.click()
    inline = page.locator(".discussion-inline")
    expect(inline).to_be_visible()
    expect(inline.get_by_role("heading", level=2)).to_be_focused()
    expect(inline.get_by_role("heading", level=3)).to_have_text(
        "Add a question, comment or reference"
    )
    check_accessibility(page, "discussion-inline")
    inline.get_by_label("Your text").fill("Which tools does the paper count as *digital*?")
    with page.expect_navigation():
        inline.get_by_role("button", name="Post").click()
    expect(page.locator(".thread").last).to_contain_text("Which tools does the paper count as")
    expect(page.locator(".thread em").last).to_have_text("digital")
    check_accessibility(page, "discussion-paragraph")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").last.click()
    expect(page.locator(f"a[data-discuss='{anchor}']")).to_contain_text("1 post")
