"""The quiz's review step in headless Chromium (issue 20), in Arabic and English, with axe-core
on every page visited.

A learner of the open cohort (no weekly schedule), whose week 1 quiz closes in three hours
(a learner override, so the attempt has a deadline and the countdown shows), answers the first
question, flags the third, reviews (six unanswered, one flagged), follows the flagged question's
link back to it, answers it, reviews again and submits; the result links the feedback to the
paragraphs the questions cite.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import READERS_COHORT_KEY, Learner
from tests.browser.test_cohort_journeys import Translator, check_page, click_to
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser

QUIZ_KEY = "introduction-quiz"
QUESTIONS = 7
TAKERS = {
    "ar": Learner("review.ar@diplolearn.test", "review-ar-browser-2026", "ar"),
    "en": Learner("review.en@diplolearn.test", "review-en-browser-2026", "en"),
}


@pytest.fixture(scope="module")
def review_world(live_app):
    """Two learners of the open cohort, the week 1 quiz closing for each in three hours."""
    import datetime as dt

    import sqlalchemy as sa

    from diplolearn.demo import DEMO_COURSE_KEY
    from diplolearn.extensions import db
    from diplolearn.models import Cohort, Course, EnrolmentState, Quiz, utcnow
    from diplolearn.services.accounts import accounts
    from diplolearn.services.assessment import quiz_policy
    from diplolearn.services.cohorts import organisations

    with live_app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.key == DEMO_COURSE_KEY))
        cohort = db.session.scalar(
            sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == READERS_COHORT_KEY)
        )
        quiz_id = db.session.scalar(
            sa.select(Quiz.id).where(Quiz.course_id == course.id, Quiz.key == QUIZ_KEY)
        )
        instructor = accounts.find_user_by_email("instructor@diplolearn.test")
        enrolments = {}
        for lang, row in TAKERS.items():
            user = accounts.create_user(
                row.email,
                name_latin=f"Review Taker {lang}",
                name_ar="متعلم المراجعة",
                interface_language=lang,
                reading_language=lang,
                password=row.password,
            )
            enrolment = organisations.enrol(user, cohort, sponsor=None)
            enrolment.move_to(EnrolmentState.ACTIVE, when=cohort.starts_at)
            db.session.flush()
            quiz_policy.set_override(
                instructor,
                quiz_id,
                enrolment=enrolment,
                closes_at=utcnow() + dt.timedelta(hours=3),
                reason="Browser test of the countdown",
            )
            enrolments[lang] = enrolment.id
        db.session.commit()
    return enrolments


def question(page, number: int):
    return page.locator(f"fieldset#question-{number}")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_answer_flag_review_go_back_and_submit(page, live_server, live_app, review_world, lang):
    t = Translator(live_app, lang)
    taker, enrolment = TAKERS[lang], review_world[lang]
    sign_in(page, live_server, taker.email, taker.password)
    page.goto(f"{live_server}/learn/{enrolment}/quizzes/{QUIZ_KEY}")
    click_to(page, page.get_by_role("button", name=t("Start the quiz"), exact=True))
    expect(page).to_have_url(re.compile(rf"/learn/{enrolment}/attempts/\d+$"))
    attempt_url = page.url

    # The deadline as text, and the time left counting down beside it.
    expect(
        page.get_by_text(t("Answers count until %(time)s.", time="").rstrip(". "))
    ).to_be_visible()
    countdown = page.locator("p.countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_contain_text(t("Time left: %(time)s", time="{time}").split("{time}")[0])
    # The multiple-select question says so, and how it is scored.
    expect(question(page, 2).locator("legend")).to_contain_text(t("Select all that apply."))
    expect(question(page, 2)).to_contain_text(
        t(
            "Scoring: all or nothing. You earn the points only if you select exactly the "
            "right choices."
        )
    )

    flag_label = t("Flag this question to come back to it before you submit")
    question(page, 1).locator("input[type=radio]").first.check()
    question(page, 3).get_by_label(flag_label, exact=True).check()
    check_page(page, f"review-attempt-{lang}", lang)

    review = page.get_by_role("button", name=t("Review and submit"), exact=True)
    click_to(page, review)
    expect(page).to_have_url(f"{attempt_url}/review")
    expect(page.locator("ul.unanswered > li")).to_have_count(QUESTIONS - 1)
    flagged = page.locator("ul.flagged > li")
    expect(flagged).to_have_count(1)
    third = t("Question %(number)d of %(total)d", number=3, total=QUESTIONS)
    expect(flagged.get_by_role("link", name=third, exact=True)).to_be_visible()
    check_page(page, f"review-list-{lang}", lang)

    # Back to the flagged question: it is answered now, the flag kept.
    click_to(page, flagged.get_by_role("link", name=third, exact=True))
    expect(page).to_have_url(f"{attempt_url}#question-3")
    expect(question(page, 3).get_by_label(flag_label, exact=True)).to_be_checked()
    expect(question(page, 1).locator("input[type=radio]:checked")).to_have_count(1)
    question(page, 3).locator("input[type=radio]").first.check()
    click_to(page, page.get_by_role("button", name=t("Review and submit"), exact=True))
    expect(page.locator("ul.unanswered > li")).to_have_count(QUESTIONS - 2)
    expect(
        page.get_by_text(
            t(
                "Your answers are saved. You answered %(answered)d of %(total)d questions.",
                answered=2,
                total=QUESTIONS,
            )
        )
    ).to_be_visible()

    submit = page.get_by_role("button", name=t("Submit my answers"), exact=True)
    submit.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{attempt_url}/result")
    # The feedback links to the paragraphs the questions cite, in the lessons.
    cites = page.get_by_role("link", name=t("Read the paragraph this question refers to"))
    expect(cites).to_have_count(QUESTIONS)
    expect(cites.first).to_have_attribute(
        "href", re.compile(rf"/learn/{enrolment}/lessons/intro-research-question#intro-problem$")
    )
    check_page(page, f"review-result-{lang}", lang)
