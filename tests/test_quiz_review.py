"""The quiz's safety net (issue 20): the review step before the final submission (unanswered and
flagged questions, links back to each), flags per question, the final submission counted once
and judged by the server's deadline, the scoring rule of multiple-select questions, the
countdown, and feedback linking to the paragraph it cites."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.models import AttemptState, Lesson, Paragraph, utcnow
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from tests.conftest import csrf_from
from tests.factories import make_learner, quiz_answers
from tests.test_quizzes import page_of, quiz, reload, responses, send, start  # noqa: F401


def _section(page: str, css_class: str) -> str:
    found = re.search(rf'<ul class="{css_class}">(.*?)</ul>', page, re.S)
    return found.group(1) if found else ""


def _first_only(attempt) -> dict:
    """The first question answered right, the others left blank."""
    first = quizzes.field_name(attempt.questions[0])
    return {first: quiz_answers(attempt, right=True)[first]}


def test_the_attempt_page_leads_to_the_review_with_a_flag_per_question(quiz, db):
    attempt = start(quiz)
    page = quiz.client.get(page_of(quiz, attempt)).get_data(as_text=True)
    assert f'formaction="{page_of(quiz, attempt)}/review"' in page
    assert "Review and submit" in page
    for number, aq in enumerate(attempt.questions, 1):
        assert f'id="question-{number}"' in page  # the review's links land here
        assert f'name="{quizzes.flag_name(aq)}"' in page
    assert "data-countdown" not in page  # no time limit, no countdown


def test_review_lists_unanswered_and_flagged_questions(quiz, db):
    attempt = start(quiz)
    flag = quizzes.flag_name(attempt.questions[1])
    response = send(quiz, attempt, "review", {**_first_only(attempt), flag: "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page_of(quiz, attempt)}/review")
    saved = reload(quiz, attempt)
    assert [aq.flagged for aq in saved.questions] == [False, True, False]
    assert responses(attempt.id) == 1 and saved.state == AttemptState.IN_PROGRESS

    page = quiz.client.get(f"{page_of(quiz, attempt)}/review").get_data(as_text=True)
    back = page_of(quiz, attempt)
    unanswered, flagged = _section(page, "unanswered"), _section(page, "flagged")
    assert f"{back}#question-2" in unanswered and f"{back}#question-3" in unanswered
    assert f"{back}#question-1" not in unanswered
    assert f"{back}#question-2" in flagged and f"{back}#question-1" not in flagged
    assert "You answered 1 of 3 questions." in page
    assert f'action="{back}/finish"' in page and "Submit my answers" in page
    # The review changed nothing; the attempt page keeps the flag ticked.
    assert reload(quiz, attempt).state == AttemptState.IN_PROGRESS
    attempt_page = quiz.client.get(back).get_data(as_text=True)
    assert re.search(rf'name="{flag}" id="{flag}" value="y" checked', attempt_page)

    # Unflagging (an unticked box posts nothing) takes it off the list.
    send(quiz, attempt, "save", _first_only(attempt))
    assert not any(aq.flagged for aq in reload(quiz, attempt).questions)
    page = quiz.client.get(f"{back}/review").get_data(as_text=True)
    assert _section(page, "flagged") == "" and "You flagged no question." in page


def test_the_final_submission_grades_the_saved_answers_once(quiz, db):
    attempt = start(quiz)
    send(quiz, attempt, "review", quiz_answers(attempt, right=True))
    response = send(quiz, attempt, "finish", {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page_of(quiz, attempt)}/result")
    graded = reload(quiz, attempt)
    assert (graded.state, graded.score, graded.max_score) == (
        AttemptState.GRADED,
        Decimal(3),
        Decimal(3),
    )
    # A second click (or a replay) counts nothing and changes nothing.
    again = send(quiz, attempt, "finish", {})
    assert again.status_code == 409
    assert "already finished" in again.get_data(as_text=True)
    assert reload(quiz, attempt).score == Decimal(3)
    # The review of a finished attempt leads to its result.
    review = quiz.client.get(f"{page_of(quiz, attempt)}/review")
    assert review.status_code == 302 and review.headers["Location"].endswith("/result")


def test_the_final_submission_after_the_deadline_counts_what_was_saved_in_time(quiz, db):
    quiz.revision.time_limit_minutes = 30
    db.session.commit()
    attempt = start(quiz)
    page = quiz.client.get(page_of(quiz, attempt)).get_data(as_text=True)
    assert "data-countdown" in page and 'data-deadline="' in page
    assert "Answers count until" in page  # the deadline as text too
    assert "countdown.js" in page and "<script>" not in page
    send(quiz, attempt, "review", _first_only(attempt))
    attempt = reload(quiz, attempt)
    # The answer was saved in time; the deadline has passed since.
    attempt.questions[0].response.saved_at = utcnow() - dt.timedelta(minutes=2)
    attempt.deadline_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    review = quiz.client.get(f"{page_of(quiz, attempt)}/review")
    assert review.status_code == 302 and review.headers["Location"].endswith(page_of(quiz, attempt))
    response = send(quiz, attempt, "finish", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    expired = reload(quiz, attempt)
    assert (expired.state, expired.score) == (AttemptState.GRADED, Decimal(1))
    assert expired.submitted_at == attempt.deadline_at


def test_flagging_a_question_of_another_attempt_is_refused(quiz, db):
    _other_user, other = make_learner(quiz.published.cohort, email="other.flagger@example.org")
    foreign = quizzes.start_attempt(other, progress.course_progress(other).quiz("m1-quiz"), "en")
    db.session.commit()
    attempt = start(quiz)
    foreign_flag = quizzes.flag_name(foreign.questions[0])
    for action in ("save", "review"):
        response = send(quiz, attempt, action, {**_first_only(attempt), foreign_flag: "y"})
        assert response.status_code == 404
        assert "not part of this attempt" in response.get_data(as_text=True)
    assert responses(attempt.id) == 0  # nothing saved, not even the answer
    assert not any(aq.flagged for aq in reload(quiz, attempt).questions)
    assert not any(aq.flagged for aq in quizzes.load_attempt(foreign.id, other.id).questions)
    # Another learner's attempt itself: not found, untouched.
    token = csrf_from(quiz.client, quiz.landing)
    for action in ("review", "finish"):
        response = quiz.client.post(
            f"{quiz.base}/attempts/{foreign.id}/{action}",
            data={"csrf_token": token, quizzes.flag_name(foreign.questions[1]): "y"},
        )
        assert response.status_code == 404
    assert quiz.client.get(f"{quiz.base}/attempts/{foreign.id}/review").status_code == 404
    foreign = quizzes.load_attempt(foreign.id, other.id)
    assert foreign.state == AttemptState.IN_PROGRESS
    assert not any(aq.flagged for aq in foreign.questions)


def test_multiple_select_says_select_all_and_its_scoring_rule(quiz, db):
    attempt = start(quiz)
    page = quiz.client.get(page_of(quiz, attempt)).get_data(as_text=True)
    multiple = quizzes.field_name(attempt.questions[1])  # m1-q2 is multiple select
    legend = re.search(r'id="question-2".*?<legend>(.*?)</legend>', page, re.S).group(1)
    assert "Select all that apply." in legend
    assert f'aria-describedby="{multiple}-prompt {multiple}-hint"' in page
    assert page.count("Select all that apply.") == 1  # not on the single-choice questions
    assert "Scoring: all or nothing." in page and "takes one share away" not in page

    attempt.quiz_revision.partial_credit = "right_minus_wrong"
    db.session.commit()
    page = quiz.client.get(page_of(quiz, attempt)).get_data(as_text=True)
    assert "takes one share away, never below zero" in page
    assert "Scoring: all or nothing." not in page


def test_feedback_links_to_the_paragraph_it_cites(quiz, db):
    attempt = start(quiz)
    paragraph_id = db.session.scalar(
        sa.select(Paragraph.id)
        .join(Lesson, Lesson.id == Paragraph.lesson_id)
        .where(
            Lesson.course_id == quiz.published.course.id,
            Lesson.key == "m1-l1",
            Paragraph.key == "p2",
        )
    )
    attempt.questions[0].question_revision.paragraph_id = paragraph_id
    db.session.commit()
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    page = quiz.client.get(f"{page_of(quiz, attempt)}/result").get_data(as_text=True)
    link = f'href="{quiz.base}/lessons/m1-l1#p2"'
    assert page.count(link) == 1
    assert "Read the paragraph this question refers to" in page
