"""Quizzes: what an attempt pins, what the page never shows, saving as you go, submitting
once (even from two tabs at once), deadlines, feedback, retries, and tampered posts."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.extensions import db as database
from diplolearn.models import (
    AttemptState,
    EnrolmentState,
    QuizAttempt,
    Response,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.assessment import NoAttemptsLeft, quizzes
from tests.conftest import csrf_from, login, post_form
from tests.factories import make_learner, make_published_course, quiz_answers

CHOICE_KEYS = {"a", "b", "c", "true", "false"}


@pytest.fixture()
def quiz(app, db):
    """One module (one lesson, one quiz of three questions) and a signed-in learner."""
    published = make_published_course(modules=1, lessons_per_module=1)
    _user, enrolment = make_learner(published.cohort, email="taker@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "taker@example.org")
    base = f"/learn/{enrolment.id}"
    return SimpleNamespace(
        published=published,
        revision=published.quiz_revision("m1-quiz"),
        enrolment=enrolment,
        client=client,
        base=base,
        landing=f"{base}/quizzes/m1-quiz",
    )


def start(q):
    response = post_form(q.client, f"{q.landing}/attempts", {}, form_page=q.landing)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return quizzes.load_attempt(attempt_id, q.enrolment.id)


def page_of(q, attempt):
    return f"{q.base}/attempts/{attempt.id}"


def send(q, attempt, action, data):
    return post_form(q.client, f"{page_of(q, attempt)}/{action}", data, form_page=q.landing)


def reload(q, attempt):
    return quizzes.load_attempt(attempt.id, q.enrolment.id)


def responses(attempt_id) -> int:
    return database.session.scalar(
        sa.select(sa.func.count())
        .select_from(Response)
        .join(Response.attempt_question)
        .where(sa.text("attempt_question.attempt_id = :a"))
        .params(a=attempt_id)
    )


# --- starting --------------------------------------------------------------------------------


def test_starting_pins_revision_pass_mark_language_deadline_and_the_draw(quiz, db):
    quiz.revision.time_limit_minutes = 30
    db.session.commit()
    attempt = start(quiz)
    assert attempt.state == AttemptState.IN_PROGRESS
    assert (attempt.quiz_revision_id, attempt.pass_mark, attempt.language) == (
        quiz.revision.id,
        Decimal(60),
        "en",
    )
    assert attempt.deadline_at == attempt.started_at + dt.timedelta(minutes=30)
    assert [aq.choice_order for aq in attempt.questions] == [
        ["a", "b", "c"],
        ["a", "b", "c"],
        ["true", "false"],
    ]
    # Editing the quiz afterwards does not change how this attempt is judged: 2 of 3 right is
    # 66.7 %, a pass at the pinned 60 % although the quiz now asks for 90 %.
    quiz.revision.pass_mark = Decimal(90)
    db.session.commit()
    answers = quiz_answers(attempt, right=True)
    answers[quizzes.field_name(attempt.questions[1])] = quiz_answers(attempt, False)[
        quizzes.field_name(attempt.questions[1])
    ]
    assert send(quiz, attempt, "submit", answers).status_code == 302
    graded = reload(quiz, attempt)
    assert (graded.state, graded.score, graded.max_score, graded.passed) == (
        AttemptState.GRADED,
        Decimal(2),
        Decimal(3),
        True,
    )


def test_starting_again_resumes_the_attempt_in_progress(quiz, db):
    first, second = start(quiz), start(quiz)
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1


def test_the_attempt_limit_is_respected(quiz, db):
    quiz.revision.max_attempts = 1
    db.session.commit()
    attempt = start(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    response = post_form(quiz.client, f"{quiz.landing}/attempts", {}, form_page=quiz.landing)
    assert response.status_code == 409
    assert "You have used every attempt this quiz allows." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1
    page = quiz.client.get(quiz.landing).get_data(as_text=True)
    assert "Start the quiz" not in page and "Try again" not in page


def test_questions_and_choices_are_shuffled_per_attempt_when_the_quiz_says_so(quiz, db):
    quiz.revision.shuffle_questions = quiz.revision.shuffle_choices = True
    quiz.revision.max_attempts = None
    question_orders, choice_orders = set(), set()
    for _ in range(25):
        state = progress.course_progress(quiz.enrolment).quiz("m1-quiz")
        attempt = quizzes.start_attempt(quiz.enrolment, state, "en")
        question_orders.add(tuple(aq.question_revision.kind for aq in attempt.questions))
        by_kind = {aq.question_revision.kind: aq.choice_order for aq in attempt.questions}
        choice_orders.add(tuple(by_kind["single_choice"]))
        assert by_kind["true_false"] == ["true", "false"]  # never shuffled
        quizzes.submit(attempt, {})
    assert len(question_orders) > 1 and len(choice_orders) > 1


def test_a_quiz_with_a_kind_of_question_not_yet_supported_cannot_start(quiz, db):
    from diplolearn.models import QuestionRevision

    # A kind no QuestionType implements.
    db.session.scalars(sa.select(QuestionRevision)).first().kind = "hotspot"
    db.session.commit()
    response = post_form(quiz.client, f"{quiz.landing}/attempts", {}, form_page=quiz.landing)
    assert response.status_code == 409 and "cannot be taken yet" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0


def test_with_no_attempts_left_the_service_refuses(quiz, db):
    quiz.revision.max_attempts = 1
    state = progress.course_progress(quiz.enrolment).quiz("m1-quiz")
    quizzes.submit(quizzes.start_attempt(quiz.enrolment, state, "en"), {})
    with pytest.raises(NoAttemptsLeft):
        quizzes.start_attempt(
            quiz.enrolment, progress.course_progress(quiz.enrolment).quiz("m1-quiz"), "en"
        )


# --- what the page shows ---------------------------------------------------------------------


def test_the_attempt_page_never_contains_the_key_or_feedback(quiz, db):
    attempt = start(quiz)
    page = quiz.client.get(page_of(quiz, attempt)).get_data(as_text=True)
    assert "Why " not in page and "Explanation of" not in page  # choice and question feedback
    assert "correct" not in page.lower()
    values = re.findall(r'type="(?:radio|checkbox)" value="([^"]+)"', page)
    assert len(values) == 8 and not set(values) & CHOICE_KEYS
    assert all(len(v) == quizzes.TOKEN_LENGTH for v in values)
    # The same choices get other tokens in the next attempt: nothing carries over.
    send(quiz, attempt, "submit", {})
    again = quiz.client.get(page_of(quiz, start(quiz))).get_data(as_text=True)
    assert not set(values) & set(re.findall(r'type="(?:radio|checkbox)" value="([^"]+)"', again))


def test_answers_are_saved_as_the_learner_goes(quiz, db):
    attempt = start(quiz)
    answers = quiz_answers(attempt, right=True)
    response = send(quiz, attempt, "save", answers)
    assert response.status_code == 302 and response.headers["Location"] == page_of(quiz, attempt)
    assert responses(attempt.id) == 3 and reload(quiz, attempt).state == AttemptState.IN_PROGRESS
    page = quiz.client.get(page_of(quiz, attempt)).get_data(as_text=True)
    for tokens in answers.values():
        for token in tokens:
            assert re.search(
                rf'checked[^>]*value="{re.escape(token)}"|value="{re.escape(token)}"'
                r"[^>]*checked",
                page,
            )
    # Unticking every box of the multiple-select question clears that answer.
    cleared = {k: v for k, v in answers.items() if k != quizzes.field_name(attempt.questions[1])}
    send(quiz, attempt, "save", cleared)
    saved = reload(quiz, attempt).questions[1].response
    assert saved.answer == {"choices": []}


def test_grading_by_question_type(quiz, db):
    attempt = start(quiz)
    single, multiple, true_false = attempt.questions
    tokens = {aq.id: quizzes.tokens_for(attempt.id, aq) for aq in attempt.questions}
    send(
        quiz,
        attempt,
        "submit",
        {
            quizzes.field_name(single): tokens[single.id]["b"],  # right
            quizzes.field_name(multiple): [tokens[multiple.id]["a"]],  # half: all or nothing
            quizzes.field_name(true_false): tokens[true_false.id]["true"],  # right
        },
    )
    graded = reload(quiz, attempt)
    assert [aq.response.score for aq in graded.questions] == [Decimal(1), Decimal(0), Decimal(1)]
    assert (graded.score, graded.max_score, graded.passed) == (Decimal(2), Decimal(3), True)


# --- results and retries ---------------------------------------------------------------------


def test_the_result_gives_feedback_and_shows_the_key_only_once_it_cannot_help(quiz, db):
    attempt = start(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    page = quiz.client.get(f"{page_of(quiz, attempt)}/result").get_data(as_text=True)
    assert "Not passed" in page and "Try again" in page
    assert "Why a of m1-q1" in page  # feedback on the choice made
    assert "tag-ok" not in page and "Why b of m1-q1" not in page
    again = start(quiz)
    assert again.number == 2
    send(quiz, again, "submit", quiz_answers(again, right=True))
    page = quiz.client.get(f"{page_of(quiz, again)}/result").get_data(as_text=True)
    assert "Passed" in page and "tag-ok" in page and "Explanation of m1-q1" in page


def test_the_key_is_shown_when_no_attempt_is_left(quiz, db):
    quiz.revision.max_attempts = 1
    db.session.commit()
    attempt = start(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    page = quiz.client.get(f"{page_of(quiz, attempt)}/result").get_data(as_text=True)
    assert "tag-ok" in page and "Try again" not in page


def test_passing_the_last_requirement_completes_the_course(quiz, db):
    post_form(
        quiz.client, f"{quiz.base}/lessons/m1-l1/done", {}, form_page=f"{quiz.base}/lessons/m1-l1"
    )
    attempt = start(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=True))
    db.session.refresh(quiz.enrolment)
    assert quiz.enrolment.state == EnrolmentState.COMPLETED


# --- submitting once -------------------------------------------------------------------------


def test_a_double_click_on_submit_counts_once(quiz, db):
    attempt = start(quiz)
    first = send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    graded = reload(quiz, attempt)
    graded_at, score = graded.graded_at, graded.score
    second = send(quiz, attempt, "submit", quiz_answers(attempt, right=True))
    assert (first.status_code, second.status_code) == (302, 409)
    assert "already finished" in second.get_data(as_text=True)
    graded = reload(quiz, attempt)
    assert (graded.graded_at, graded.score, graded.passed) == (graded_at, score, False)


def test_two_tabs_submitting_at_the_same_moment_count_once(committed, monkeypatch):
    with committed.app_context():
        published = make_published_course(modules=1, lessons_per_module=1)
        make_learner(published.cohort, email="race@example.org")
        database.session.commit()
    clients = [committed.test_client() for _ in range(2)]
    for client in clients:
        login(client, "race@example.org")
    with committed.app_context():
        enrolment_id = database.session.scalar(sa.text("SELECT id FROM enrolment"))
    landing = f"/learn/{enrolment_id}/quizzes/m1-quiz"
    started = post_form(clients[0], f"{landing}/attempts", {}, form_page=landing)
    attempt_url = started.headers["Location"]
    with committed.app_context():
        attempt = quizzes.load_attempt(int(attempt_url.rsplit("/", 1)[1]), enrolment_id)
        answers = quiz_answers(attempt, right=True)
    tokens = [csrf_from(client, attempt_url) for client in clients]
    gradings, statuses = [], []
    real_grade = quizzes.grade
    monkeypatch.setattr(quizzes, "grade", lambda *a, **k: gradings.append(1) or real_grade(*a, **k))
    barrier = threading.Barrier(2)

    def submit(client, token):
        barrier.wait()
        statuses.append(
            client.post(f"{attempt_url}/submit", data={"csrf_token": token, **answers}).status_code
        )

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, tokens, strict=False)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409] and len(gradings) == 1
    with committed.app_context():
        row = database.session.execute(sa.text("SELECT state, score FROM quiz_attempt")).one()
        assert (row.state, Decimal(row.score)) == ("graded", Decimal(3))


# --- deadlines -------------------------------------------------------------------------------


def test_answers_after_the_deadline_do_not_count(quiz, db):
    quiz.revision.time_limit_minutes = 10
    db.session.commit()
    attempt = start(quiz)
    single = quizzes.field_name(attempt.questions[0])
    right = quiz_answers(attempt, right=True)
    send(quiz, attempt, "save", {single: right[single]})  # in time: counts
    saved = reload(quiz, attempt).questions[0].response
    db.session.get(QuizAttempt, attempt.id).deadline_at = saved.saved_at + dt.timedelta(
        microseconds=1
    )
    db.session.commit()
    response = send(quiz, attempt, "submit", right)  # too late: the rest does not count
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    graded = reload(quiz, attempt)
    assert (graded.state, graded.score, graded.submitted_at) == (
        AttemptState.GRADED,
        Decimal(1),
        graded.deadline_at,
    )
    assert responses(attempt.id) == 1
    page = quiz.client.get(f"{page_of(quiz, attempt)}/result").get_data(as_text=True)
    assert "The time for this attempt is up" in page


def test_the_job_grades_attempts_nobody_came_back_to(quiz, db):
    from diplolearn.jobs import expire_attempts

    quiz.revision.time_limit_minutes = 5
    db.session.commit()
    attempt = start(quiz)
    send(quiz, attempt, "save", quiz_answers(attempt, right=True))
    assert expire_attempts(utcnow() + dt.timedelta(minutes=6)) == {"expired": 1, "graded": 1}
    graded = reload(quiz, attempt)
    assert (graded.state, graded.score, graded.passed) == (AttemptState.GRADED, Decimal(3), True)


# --- tampered posts: a clear message, a 4xx, nothing recorded --------------------------------


def _forge(kind, quiz, attempt, db):
    single = quizzes.field_name(attempt.questions[0])
    right = quiz_answers(attempt, right=True)
    if kind == "unknown choice":
        return {single: "not-a-real-token"}
    if kind == "choice of another question":
        return {single: right[quizzes.field_name(attempt.questions[1])][0]}
    if kind == "two answers to a single choice":
        return {single: [*right[single], *quiz_answers(attempt, right=False)[single]]}
    if kind == "question not in the attempt":
        _, other = make_learner(quiz.published.cohort)
        state = progress.course_progress(other).quiz("m1-quiz")
        foreign = quizzes.start_attempt(other, state, "en")
        db.session.commit()
        return {
            quizzes.field_name(foreign.questions[0]): quiz_answers(foreign)[
                quizzes.field_name(foreign.questions[0])
            ]
        }
    raise AssertionError(kind)


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize(
    "kind",
    [
        "unknown choice",
        "choice of another question",
        "two answers to a single choice",
        "question not in the attempt",
    ],
)
def test_tampered_answers_are_refused_and_nothing_is_recorded(quiz, db, kind, action):
    attempt = start(quiz)
    response = send(quiz, attempt, action, _forge(kind, quiz, attempt, db))
    assert response.status_code == 400
    assert "do not match the questions of this attempt" in response.get_data(as_text=True)
    assert responses(attempt.id) == 0 and reload(quiz, attempt).state == AttemptState.IN_PROGRESS


def test_another_learners_attempt_is_not_found_and_untouched(quiz, app, db):
    _other_user, other = make_learner(quiz.published.cohort, email="other.taker@example.org")
    foreign = quizzes.start_attempt(other, progress.course_progress(other).quiz("m1-quiz"), "en")
    db.session.commit()
    for path in (f"{quiz.base}/attempts/{foreign.id}", f"/learn/{other.id}/attempts/{foreign.id}"):
        token = csrf_from(quiz.client, quiz.landing)
        response = quiz.client.post(
            f"{path}/submit", data={"csrf_token": token, **quiz_answers(foreign)}
        )
        assert response.status_code == 404
    assert responses(foreign.id) == 0
    assert quizzes.load_attempt(foreign.id, other.id).state == AttemptState.IN_PROGRESS


def test_saving_into_a_finished_attempt_is_refused(quiz, db):
    attempt = start(quiz)
    send(quiz, attempt, "submit", {})
    response = send(quiz, attempt, "save", quiz_answers(attempt, right=True))
    assert response.status_code == 409 and "already finished" in response.get_data(as_text=True)
    assert responses(attempt.id) == 0


# --- essays awaiting a person's grading ------------------------------------------------------


def _with_essay(quiz, db, feedback_shown=None):
    """Turn the quiz's true/false question into an essay (graded by a person)."""
    from diplolearn.models import QuestionRevision

    essay = db.session.scalar(
        sa.select(QuestionRevision).where(
            QuestionRevision.course_version_id == quiz.published.version.id,
            QuestionRevision.kind == "true_false",
        )
    )
    essay.kind = "essay"
    if feedback_shown is not None:
        quiz.revision.feedback_shown = feedback_shown
    db.session.commit()
    return essay


def _submit_essay(quiz, essay, text="Soft power is attraction, not coercion."):
    attempt = start(quiz)
    answers = quiz_answers(attempt, right=True)
    essay_aq = next(aq for aq in attempt.questions if aq.question_revision_id == essay.id)
    answers[quizzes.field_name(essay_aq)] = text
    assert send(quiz, attempt, "submit", answers).status_code == 302
    return reload(quiz, attempt), essay_aq


def _essay_response(essay_aq):
    return database.session.scalar(
        sa.select(Response).where(Response.attempt_question_id == essay_aq.id)
    )


def test_no_new_attempt_starts_while_an_essay_awaits_grading(quiz, db):
    from tests.factories import make_user

    essay = _with_essay(quiz, db)
    attempt, essay_aq = _submit_essay(quiz, essay)
    assert attempt.state == AttemptState.SUBMITTED and quizzes.is_awaiting_grading(attempt)
    landing = quiz.client.get(quiz.landing).get_data(as_text=True)
    assert "Awaiting grading" in landing and "Not taken yet" not in landing
    assert "Try again" not in landing and "Start the quiz" not in landing
    result = quiz.client.get(f"{page_of(quiz, attempt)}/result").get_data(as_text=True)
    assert "waiting to be graded" in result and "Try again" not in result
    outline = quiz.client.get(quiz.base).get_data(as_text=True)
    assert "Awaiting grading" in outline  # the quiz's status badge
    refused = post_form(quiz.client, f"{quiz.landing}/attempts", {}, form_page=quiz.landing)
    assert refused.status_code == 409
    assert "waiting to be graded" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1
    db.session.commit()  # what the requests committed stays when the refusal below rolls back
    with pytest.raises(quizzes.AwaitingGrading):  # the service refuses too, not just the page
        quizzes.start_attempt(
            quiz.enrolment, progress.course_progress(quiz.enrolment).quiz("m1-quiz"), "en"
        )
    db.session.rollback()
    quizzes.grade_essay(_essay_response(essay_aq), 0, make_user(), "Say more.")
    db.session.commit()
    landing = quiz.client.get(quiz.landing).get_data(as_text=True)
    assert "Awaiting grading" not in landing and "Try again" in landing
    assert start(quiz).number == 2


@pytest.mark.parametrize("feedback_shown", ["immediately", "never"])
def test_the_result_shows_typed_answers_and_a_graded_essay_as_such(quiz, db, feedback_shown):
    """No "your choice" tag on what was typed or placed; the essay shows the grader's points and,
    when the quiz shows feedback, their comment (otherwise the comment is not in the page)."""
    from diplolearn import questions
    from diplolearn.models import QuestionRevision
    from tests.factories import make_user

    essay = _with_essay(quiz, db, feedback_shown)
    ordering = db.session.scalar(
        sa.select(QuestionRevision).where(
            QuestionRevision.course_version_id == quiz.published.version.id,
            QuestionRevision.kind == "single_choice",
        )
    )
    ordering.kind = "ordering"
    db.session.commit()
    attempt = start(quiz)
    answers = quiz_answers(attempt, right=True)
    for aq in attempt.questions:
        if aq.question_revision_id == essay.id:
            essay_aq = aq
            answers[quizzes.field_name(aq)] = "Soft power is attraction."
        elif aq.question_revision_id == ordering.id:
            answers[quizzes.field_name(aq)] = questions.get("ordering").model_answer(
                aq.question_revision, quizzes.tokens_for(attempt.id, aq)
            )
    assert send(quiz, attempt, "submit", answers).status_code == 302
    db.session.expire_all()
    quizzes.grade_essay(
        _essay_response(essay_aq), Decimal("0.5"), make_user(), "A fair start: give an example."
    )
    db.session.commit()
    page = quiz.client.get(f"{page_of(quiz, attempt)}/result").get_data(as_text=True)
    assert page.count("your choice") == 2  # the two choices of the multiple-select question
    assert '<span class="tag">your answer</span> <strong>Soft power is attraction.' in page
    assert "Graded by your tutor or instructor" in page and "0.5 of 1" in page
    assert "Not right" not in page  # the others are right; the essay is graded, not judged
    assert ("A fair start: give an example." in page) == (feedback_shown == "immediately")
    assert ("Grader&#39;s comment" in page or "Grader's comment" in page) == (
        feedback_shown == "immediately"
    )
