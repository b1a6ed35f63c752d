"""Attempt policy: cohort and learner overrides (window, extra time, extra attempts), the
deadline computed once at start, what the result page shows and carries (feedback, correct
answers), grades waiting for release, and the policy keys of the course files."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.models import (
    AttemptState,
    AuditEvent,
    EnrolmentState,
    QuizAttempt,
    QuizPolicyOverride,
    Role,
    TutorGroup,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.assessment import QuizClosed, QuizNotOpenYet, quiz_policy, quizzes
from tests.conftest import login, post_form
from tests.factories import (
    make_cohort,
    make_learner,
    make_published_course,
    make_with_role,
    quiz_answers,
)


@pytest.fixture()
def quiz(app, db):
    published = make_published_course(modules=1, lessons_per_module=1)
    user, enrolment = make_learner(published.cohort, email="policy@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "policy@example.org")
    base = f"/learn/{enrolment.id}"
    return SimpleNamespace(
        published=published,
        revision=published.quiz_revision("m1-quiz"),
        enrolment=enrolment,
        user=user,
        client=client,
        base=base,
        landing=f"{base}/quizzes/m1-quiz",
    )


def override(q, db, **values):
    row = QuizPolicyOverride(quiz_id=q.revision.quiz_id, **values)
    db.session.add(row)
    db.session.commit()
    return row


def start(q):
    return post_form(q.client, f"{q.landing}/attempts", {}, form_page=q.landing)


def started(q):
    response = start(q)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return quizzes.load_attempt(int(response.headers["Location"].rsplit("/", 1)[1]), q.enrolment.id)


def send(q, attempt, action, data):
    return post_form(
        q.client, f"{q.base}/attempts/{attempt.id}/{action}", data, form_page=q.landing
    )


def result_page(q, attempt) -> str:
    return q.client.get(f"{q.base}/attempts/{attempt.id}/result").get_data(as_text=True)


def attempts_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt))


# --- combining the policy --------------------------------------------------------------------


def test_a_learners_override_applies_over_the_cohorts(quiz, db):
    now = utcnow()
    cohort_close, own_close = now + dt.timedelta(days=2), now + dt.timedelta(days=5)
    override(
        quiz,
        db,
        cohort_id=quiz.enrolment.cohort_id,
        closes_at=cohort_close,
        opens_at=now - dt.timedelta(days=1),
        extra_attempts=1,
        extra_minutes=5,
    )
    override(quiz, db, enrolment_id=quiz.enrolment.id, closes_at=own_close, extra_minutes=15)
    quiz.revision.time_limit_minutes = 30
    node = progress.course_progress(quiz.enrolment).quiz("m1-quiz").node
    policy = quiz_policy.policy_for(quiz.enrolment, node)
    assert (policy.max_attempts, policy.minutes, policy.closes_at) == (4, 50, own_close)
    assert policy.opens_at == now - dt.timedelta(days=1)  # the cohort's, not replaced
    # Someone else in the cohort gets the cohort's override only.
    _, other = make_learner(quiz.published.cohort)
    theirs = quiz_policy.policy_for(other, node)
    assert (theirs.max_attempts, theirs.minutes, theirs.closes_at) == (4, 35, cohort_close)


def test_the_deadline_is_the_earlier_of_the_time_allowed_and_the_close(quiz, db):
    quiz.revision.time_limit_minutes = 30
    override(quiz, db, enrolment_id=quiz.enrolment.id, extra_minutes=15)
    attempt = started(quiz)
    assert attempt.deadline_at == attempt.started_at + dt.timedelta(minutes=45)
    send(quiz, attempt, "submit", {})
    closes = utcnow() + dt.timedelta(minutes=20)
    override(quiz, db, cohort_id=quiz.enrolment.cohort_id, closes_at=closes)
    assert started(quiz).deadline_at == closes
    # An untimed quiz with a close time: the close is the deadline.
    quiz.revision.time_limit_minutes = None
    db.session.commit()
    send(quiz, quizzes.load_attempt(attempt.id + 1, quiz.enrolment.id), "submit", {})
    assert started(quiz).deadline_at == closes


@pytest.mark.parametrize(
    "window, message",
    [({"opens_at": 1}, "not open yet"), ({"closes_at": -1}, "This quiz is closed")],
)
def test_no_attempt_starts_outside_the_window(quiz, db, window, message):
    now = utcnow()
    override(
        quiz,
        db,
        cohort_id=quiz.enrolment.cohort_id,
        **{key: now + dt.timedelta(hours=hours) for key, hours in window.items()},
    )
    response = start(quiz)
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert attempts_count(db) == 0
    landing = quiz.client.get(quiz.landing).get_data(as_text=True)
    assert "Start the quiz" not in landing
    error = QuizNotOpenYet if "opens_at" in window else QuizClosed
    with pytest.raises(error):
        quizzes.start_attempt(
            quiz.enrolment, progress.course_progress(quiz.enrolment).quiz("m1-quiz"), "en"
        )


def test_an_extra_attempt_lets_the_learner_try_again(quiz, db):
    quiz.revision.max_attempts = 1
    db.session.commit()
    attempt = started(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    assert start(quiz).status_code == 409
    override(quiz, db, enrolment_id=quiz.enrolment.id, extra_attempts=1)
    assert "2 attempts allowed" in quiz.client.get(quiz.landing).get_data(as_text=True)
    assert started(quiz).number == 2
    assert start(quiz).status_code == 302  # resumes the attempt in progress
    assert attempts_count(db) == 2


def test_answers_sent_after_the_close_do_not_count(quiz, db):
    closes = utcnow() + dt.timedelta(minutes=10)
    override(quiz, db, cohort_id=quiz.enrolment.cohort_id, closes_at=closes)
    attempt = started(quiz)
    first = quizzes.field_name(attempt.questions[0])
    right = quiz_answers(attempt, right=True)
    send(quiz, attempt, "save", {first: right[first]})
    db.session.get(QuizAttempt, attempt.id).deadline_at = utcnow()  # the close has come
    db.session.commit()
    response = send(quiz, attempt, "submit", right)
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    graded = quizzes.load_attempt(attempt.id, quiz.enrolment.id)
    assert (graded.state, graded.score) == (AttemptState.GRADED, Decimal(1))


def test_the_job_finalises_attempts_when_the_quiz_closes(quiz, db):
    from diplolearn.jobs import expire_attempts

    closes = utcnow() + dt.timedelta(minutes=10)
    override(quiz, db, cohort_id=quiz.enrolment.cohort_id, closes_at=closes)
    attempt = started(quiz)
    send(quiz, attempt, "save", quiz_answers(attempt, right=True))
    assert expire_attempts(closes - dt.timedelta(seconds=1)) == {"expired": 0, "graded": 0}
    assert expire_attempts(closes) == {"expired": 1, "graded": 1}
    graded = quizzes.load_attempt(attempt.id, quiz.enrolment.id)
    assert (graded.state, graded.score, graded.submitted_at) == (
        AttemptState.GRADED,
        Decimal(3),
        closes,
    )


# --- what the result shows, and what the page carries ----------------------------------------


def test_feedback_and_answers_shown_immediately(quiz, db):
    quiz.revision.answers_shown = "immediately"
    db.session.commit()
    attempt = started(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    page = result_page(quiz, attempt)
    assert "tag-ok" in page and "Why b of m1-q1" in page and "Try again" in page


def test_feedback_never_is_not_in_the_page(quiz, db):
    quiz.revision.feedback_shown = "never"
    quiz.revision.answers_shown = "immediately"
    db.session.commit()
    attempt = started(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=False))
    page = result_page(quiz, attempt)
    assert "Why " not in page and "Explanation of" not in page
    assert "tag-ok" in page  # the key is shown, as the policy says


def test_answers_never_are_not_in_the_page_even_when_passed(quiz, db):
    quiz.revision.answers_shown = "never"
    db.session.commit()
    attempt = started(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=True))
    page = result_page(quiz, attempt)
    assert "Passed" in page and "tag-ok" not in page
    assert "Why a of m1-q1" not in page  # feedback on a choice not made tells the key
    assert "The correct answers of this quiz are not shown." in page


def test_answers_after_close_wait_for_the_close(quiz, db):
    quiz.revision.answers_shown = "after_close"
    db.session.commit()
    closes = utcnow() + dt.timedelta(hours=1)
    row = override(quiz, db, cohort_id=quiz.enrolment.cohort_id, closes_at=closes)
    attempt = started(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=True))
    page = result_page(quiz, attempt)
    assert "tag-ok" not in page and "once the quiz has closed" in page
    row.closes_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert "tag-ok" in result_page(quiz, attempt)


# --- grades waiting for release --------------------------------------------------------------


def test_a_withheld_grade_is_hidden_and_does_not_count_until_released(quiz, app, db):
    group = TutorGroup(cohort_id=quiz.published.cohort.id, key="g1", name="Group 1")
    db.session.add(group)
    db.session.flush()
    quiz.enrolment.tutor_group_id = group.id
    make_with_role(Role.TUTOR, group.id, email="tutor.release@example.org")
    quiz.revision.grade_release_required = True
    db.session.commit()
    post_form(
        quiz.client, f"{quiz.base}/lessons/m1-l1/done", {}, form_page=f"{quiz.base}/lessons/m1-l1"
    )
    attempt = started(quiz)
    send(quiz, attempt, "submit", quiz_answers(attempt, right=True))
    page = result_page(quiz, attempt)
    assert "once your tutor or instructor releases it" in page
    assert "You scored" not in page and "Passed" not in page and "tag-ok" not in page
    assert "Waiting for release" in quiz.client.get(quiz.landing).get_data(as_text=True)
    db.session.refresh(quiz.enrolment)
    assert quiz.enrolment.state == EnrolmentState.ACTIVE  # not counted yet
    assert progress.course_progress(quiz.enrolment).quiz("m1-quiz").done is False

    tutor = app.test_client()
    login(tutor, "tutor.release@example.org")
    course_id = quiz.published.course.id
    summary = f"/teach/courses/{course_id}/quizzes/m1-quiz"
    response = post_form(tutor, f"{summary}/release", {}, form_page=summary)
    assert response.status_code == 302
    db.session.expire_all()
    released = db.session.get(QuizAttempt, attempt.id)
    assert (released.grade_withheld, released.released_at is not None) == (False, True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "quiz_attempt.grade_released")
        )
        == 1
    )
    assert "You scored 3 of 3" in result_page(quiz, attempt)
    db.session.refresh(quiz.enrolment)
    assert quiz.enrolment.state == EnrolmentState.COMPLETED


# --- the override pages ----------------------------------------------------------------------


def test_an_instructor_gives_one_learner_extra_time_audited(quiz, app, db):
    make_with_role(Role.INSTRUCTOR, quiz.published.course.id, email="inst.pol@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "inst.pol@example.org")
    url = f"/teach/courses/{quiz.published.course.id}/quizzes/m1-quiz/overrides"
    assert client.get(url).status_code == 200
    response = post_form(
        client,
        url,
        {
            "target": f"enrolment-{quiz.enrolment.id}",
            "extra_minutes": "20",
            "extra_attempts": "0",
            "reason": "Accessibility accommodation",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    row = db.session.scalar(sa.select(QuizPolicyOverride))
    assert (row.enrolment_id, row.extra_minutes, row.cohort_id) == (quiz.enrolment.id, 20, None)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "quiz_policy.override_set")
    )
    assert event.details["after"]["extra_minutes"] == 20
    assert event.details["reason"] == "Accessibility accommodation"
    # A window that closes before it opens is refused whole, with a message.
    response = post_form(
        client,
        url,
        {
            "target": f"cohort-{quiz.published.cohort.id}",
            "opens_at": "2030-01-02T10:00",
            "closes_at": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 422
    assert "must open before it closes" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizPolicyOverride)) == 1
    # Removing it is audited too.
    response = post_form(client, f"{url}/{row.id}/remove", {"remove-submit": "1"}, form_page=url)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizPolicyOverride)) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "quiz_policy.override_removed")
        )
        == 1
    )


def test_a_lead_instructor_cannot_override_for_another_cohorts_learner(quiz, app, db):
    own = make_cohort(quiz.published.course)
    make_with_role(Role.LEAD_INSTRUCTOR, own.id, email="lead.pol@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "lead.pol@example.org")
    url = f"/teach/courses/{quiz.published.course.id}/quizzes/m1-quiz/overrides"
    page = client.get(url)
    assert page.status_code == 200
    assert f"enrolment-{quiz.enrolment.id}" not in page.get_data(as_text=True)
    response = post_form(
        client, url, {"target": f"enrolment-{quiz.enrolment.id}", "extra_minutes": "20"}
    )
    assert response.status_code in (404, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizPolicyOverride)) == 0


def test_a_tutor_may_not_set_overrides(quiz, app, db):
    make_with_role(Role.TUTOR, _group(quiz, db).id, email="tutor.pol@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "tutor.pol@example.org")
    url = f"/teach/courses/{quiz.published.course.id}/quizzes/m1-quiz/overrides"
    assert client.get(url).status_code == 403


def _group(q, db):
    group = TutorGroup(cohort_id=q.published.cohort.id, key="gx", name="Group X")
    db.session.add(group)
    db.session.flush()
    q.enrolment.tutor_group_id = group.id
    return group


# --- course files ----------------------------------------------------------------------------


def test_policy_keys_are_checked_and_imported(tmp_path):
    import shutil
    from pathlib import Path

    from diplolearn.courses.check import check_course
    from diplolearn.courses.reader import read_course

    sample = Path(__file__).resolve().parent.parent / "courses" / "digital-diplomacy-basics"
    folder = tmp_path / sample.name
    shutil.copytree(sample, folder)
    quiz_file = folder / "foundations" / "quiz.yaml"
    text = quiz_file.read_text()
    quiz_file.write_text(
        text.replace(
            "required: true\n",
            "required: true\n"
            "answers_shown: sometimes\nfeedback_shown: never\n"
            "grade_release_required: true\n",
            1,
        )
    )
    messages = [str(p) for p in check_course(folder)[1]]
    assert any(
        "foundations/quiz.yaml" in m
        and "answers_shown must be one of immediately, after_attempt, after_close, never" in m
        for m in messages
    ), messages
    assert not any("feedback_shown" in m for m in messages)
    spec = read_course(folder)[0]
    quiz = next(q for q in spec.quizzes() if q.source and "foundations" in str(q.source))
    assert (quiz.feedback_shown, quiz.answers_shown, quiz.grade_release_required) == (
        "never",
        "sometimes",
        True,
    )


def test_policy_keys_are_read_written_and_checked(tmp_path):
    from diplolearn.courses.spec import QuizSpec
    from diplolearn.courses.writer import quiz_yaml

    spec = QuizSpec(
        id="q",
        title={"en": "Q"},
        feedback_shown="after_close",
        answers_shown="never",
        grade_release_required=True,
    )
    data = quiz_yaml(spec)
    assert (data["feedback_shown"], data["answers_shown"], data["grade_release_required"]) == (
        "after_close",
        "never",
        True,
    )
    plain = quiz_yaml(QuizSpec(id="q", title={"en": "Q"}))
    assert not {"feedback_shown", "answers_shown", "grade_release_required"} & set(plain)


# --- autosave --------------------------------------------------------------------------------


def test_the_autosave_posts_the_same_form_and_gets_a_short_answer(quiz, db):
    attempt = started(quiz)
    page = quiz.client.get(f"{quiz.base}/attempts/{attempt.id}").get_data(as_text=True)
    assert "quiz.js" in page and "data-autosave" in page
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    response = quiz.client.post(
        f"{quiz.base}/attempts/{attempt.id}/save",
        data={"csrf_token": token, **quiz_answers(attempt)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.get_json() == {"saved": True}
    saved = quizzes.load_attempt(attempt.id, quiz.enrolment.id)
    assert all(aq.response is not None for aq in saved.questions)
    assert saved.state == AttemptState.IN_PROGRESS


# --- the job and a late submit at the same moment --------------------------------------------


def test_the_job_and_a_late_submit_finalise_the_attempt_once(committed, monkeypatch):
    import threading

    from diplolearn.extensions import db as database
    from diplolearn.jobs import expire_attempts

    with committed.app_context():
        published = make_published_course(modules=1, lessons_per_module=1)
        make_learner(published.cohort, email="late@example.org")
        published.quiz_revision("m1-quiz").time_limit_minutes = 5
        database.session.commit()
    client = committed.test_client()
    login(client, "late@example.org")
    with committed.app_context():
        enrolment_id = database.session.scalar(sa.text("SELECT id FROM enrolment"))
    landing = f"/learn/{enrolment_id}/quizzes/m1-quiz"
    attempt_url = post_form(client, f"{landing}/attempts", {}, form_page=landing).headers[
        "Location"
    ]
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    with committed.app_context():
        attempt = quizzes.load_attempt(attempt_id, enrolment_id)
        answers = quiz_answers(attempt, right=True)
        database.session.get(QuizAttempt, attempt_id).deadline_at = utcnow() - dt.timedelta(
            seconds=1
        )  # the time is up: the answers below come too late
        database.session.commit()
    token = re.search(
        r'name="csrf_token"[^>]*?value="([^"]+)"', client.get(landing).get_data(as_text=True)
    ).group(1)
    gradings, results = [], []
    real_grade = quizzes.grade
    monkeypatch.setattr(quizzes, "grade", lambda *a, **k: gradings.append(1) or real_grade(*a, **k))
    barrier = threading.Barrier(2)

    def late_submit():
        barrier.wait()
        results.append(
            client.post(f"{attempt_url}/submit", data={"csrf_token": token, **answers}).status_code
        )

    def job():
        with committed.app_context():
            barrier.wait()
            results.append(expire_attempts(utcnow()))

    threads = [threading.Thread(target=late_submit), threading.Thread(target=job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(gradings) == 1, results
    with committed.app_context():
        row = database.session.execute(sa.text("SELECT state, score FROM quiz_attempt")).one()
        assert (row.state, Decimal(row.score)) == ("graded", Decimal(0))  # nothing was in time
