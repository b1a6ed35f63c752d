"""Asking for more time, in headless Chromium, in Arabic (right to left) and in English (issue
14), with axe-core and a label check on every page visited:

the learner opens a written assignment whose cut-off has passed, follows "Ask for more time"
from it, gives a reason and sees the request waiting; their tutor finds it among the requests
to decide, grants a new date with a note; the learner comes back to the assignment, which takes
work again and says the request was granted, and the outline's next step leads to it.

The records are the test's own (a small course, a running cohort, a tutor group), added beside
the demo data. The interface's words come from the app's catalogues (``Translator``).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.test_cohort_journeys import Translator, check_page, click_to
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "more-time-browser-2026"


@pytest.fixture(scope="module")
def scenario(live_app):
    """Per language, a learner and a tutor (speaking it) in a group of a running cohort whose
    written assignment m1-essay was due three days ago and takes no late work; the learner has
    read module 1's lesson, so the assignment is their next step."""
    from diplolearn.extensions import db
    from diplolearn.models import ModuleSchedule, Role, utcnow
    from diplolearn.services import deadlines, progress
    from diplolearn.services.accounts import accounts
    from diplolearn.services.cohorts import organisations
    from tests.factories import make_assignment, make_published_course

    people = {}
    with live_app.app_context():
        now = utcnow()
        published = make_published_course(
            modules=2, lessons_per_module=1, with_quiz=False, key="more-time-course"
        )
        make_assignment(published, "m1")
        cohort = organisations.create_cohort(
            published.course,
            "more-time",
            {"ar": "دفعة الوقت الإضافي", "en": "More time cohort"},
            timezone="UTC",
            starts_at=now - dt.timedelta(days=14),
            ends_at=now + dt.timedelta(days=60),
        )
        m1 = published.module_revision("m1").module_id
        db.session.add(
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=m1,
                opens_at=now - dt.timedelta(days=14),
                due_at=now - dt.timedelta(days=3),
            )
        )
        lead = accounts.create_user(
            "more-time.lead@diplolearn.test", name_latin="Lead", password=PASSWORD
        )
        accounts.grant_role(lead, Role.LEAD_INSTRUCTOR, cohort.id)
        deadlines.set_late_rule(cohort, lead, accept_late=False)
        for lang, (learner_name, tutor_name) in {
            "ar": (("Layla Haddad", "ليلى حداد"), ("Sami Nasser", "سامي ناصر")),
            "en": (("Ella Brown", "إيلا براون"), ("Tom Reed", "توم ريد")),
        }.items():
            group = organisations.add_tutor_group(cohort, f"g-{lang}", f"Group {lang}")
            tutor = accounts.create_user(
                f"more-time.tutor.{lang}@diplolearn.test",
                name_latin=tutor_name[0],
                name_ar=tutor_name[1],
                interface_language=lang,
                reading_language=lang,
                password=PASSWORD,
            )
            accounts.grant_role(tutor, Role.TUTOR, group.id)
            learner = accounts.create_user(
                f"more-time.learner.{lang}@diplolearn.test",
                name_latin=learner_name[0],
                name_ar=learner_name[1],
                interface_language=lang,
                reading_language=lang,
                password=PASSWORD,
            )
            enrolment = organisations.enrol(learner, cohort, sponsor=None, tutor_group=group)
            db.session.flush()
            standing = progress.course_progress(enrolment)
            progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
            people[lang] = SimpleNamespace(
                learner=learner.email,
                tutor=tutor.email,
                name=learner_name[0] if lang == "en" else learner_name[1],
                assignment=f"/learn/{enrolment.id}/assignments/m1-essay",
                outline=f"/learn/{enrolment.id}",
            )
        db.session.commit()
    return people


def sign_out(page, base_url: str) -> None:
    page.context.clear_cookies()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_learner_asks_for_more_time_and_the_tutor_grants_it(
    page, live_app, live_server, scenario, lang
):
    t = Translator(live_app, lang)
    who = scenario[lang]

    # The learner: the closed assignment offers "Ask for more time".
    sign_in(page, live_server, who.learner, PASSWORD)
    page.goto(f"{live_server}{who.outline}")
    check_page(page, f"more-time-outline-closed-{lang}", lang)
    # The next step leads to the request, never to a closed page without an action.
    expect(page.locator("a.button", has_text=t("Ask for more time")).first).to_be_visible()
    page.goto(f"{live_server}{who.assignment}")
    expect(
        page.get_by_text(
            t(
                "The cut-off for this assignment has passed: work is no longer taken unless "
                "your tutor gives you more time."
            )
        )
    ).to_be_visible()
    check_page(page, f"more-time-assignment-closed-{lang}", lang)
    click_to(page, page.get_by_role("link", name=t("Ask for more time")))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Ask for more time"))
    check_page(page, f"more-time-request-form-{lang}", lang)
    reason = "سافرت في مهمة رسمية هذا الأسبوع." if lang == "ar" else "I was on mission abroad."
    page.get_by_label(t("Why do you need more time?")).fill(reason)
    click_to(page, page.get_by_role("button", name=t("Ask for more time")))
    expect(page.locator("p.notice[role=status]")).to_be_visible()  # the request waits
    check_page(page, f"more-time-request-pending-{lang}", lang)
    sign_out(page, live_server)

    # The tutor: the request waits among those to decide; grant it with a note.
    sign_in(page, live_server, who.tutor, PASSWORD)
    page.goto(f"{live_server}/teach/extension-requests")
    check_page(page, f"more-time-requests-{lang}", lang)
    click_to(page, page.get_by_role("link", name=who.name))
    expect(page.get_by_text(reason)).to_be_visible()
    check_page(page, f"more-time-decision-{lang}", lang)
    note = "خذ وقتك." if lang == "ar" else "Take the time you need."
    page.get_by_label(t("Note to the learner (optional)")).fill(note)
    click_to(page, page.get_by_role("button", name=t("Grant more time")))
    expect(
        page.get_by_text(t("More time is granted. The learner is told and sees the new date."))
    ).to_be_visible()
    expect(page.get_by_role("link", name=who.name)).to_have_count(0)
    sign_out(page, live_server)

    # Back to the learner: the assignment takes work again and says the request was granted.
    sign_in(page, live_server, who.learner, PASSWORD)
    page.goto(f"{live_server}{who.assignment}")
    expect(page.get_by_role("button", name=t("Submit for grading"))).to_be_visible()
    expect(page.get_by_text(note)).to_be_visible()
    check_page(page, f"more-time-assignment-reopened-{lang}", lang)
    page.goto(f"{live_server}{who.outline}")
    expect(
        page.locator("a.button", has_text=t("Continue where you left off")).first
    ).to_have_attribute("href", who.assignment)
