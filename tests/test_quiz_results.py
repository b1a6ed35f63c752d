"""Results for instructors: the summary, distribution and per-question statistics (computed by
the database, on first attempts, from a minimum of responses, in a constant number of
queries), who sees which attempts, grade overrides with a reason, regrading with a preview,
the essay queue, and the posts nobody but a grader may make."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.models import (
    AttemptQuestion,
    AttemptState,
    AuditEvent,
    ChoiceRevision,
    CourseVersion,
    QuestionRevision,
    QuizAttempt,
    Role,
    TutorGroup,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes, results
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_learner,
    make_published_course,
    make_with_role,
    quiz_answers,
)


def take(enrolment, right: bool | list[bool]):
    """Start and submit an attempt: every question right or wrong, or per question."""
    state = progress.course_progress(enrolment).quiz("m1-quiz")
    attempt = quizzes.start_attempt(enrolment, state, "en")
    pattern = right if isinstance(right, list) else [right] * len(attempt.questions)
    good, bad = quiz_answers(attempt, True), quiz_answers(attempt, False)
    answers = {name: (good if ok else bad)[name] for name, ok in zip(good, pattern, strict=False)}
    return quizzes.submit(attempt, answers)


@pytest.fixture()
def course(app, db):
    published = make_published_course(modules=1, lessons_per_module=1)
    group = TutorGroup(cohort_id=published.cohort.id, key="g1", name="Group 1")
    other_group = TutorGroup(cohort_id=published.cohort.id, key="g2", name="Group 2")
    db.session.add_all([group, other_group])
    db.session.flush()
    make_with_role(Role.INSTRUCTOR, published.course.id, email="inst@example.org")
    make_with_role(Role.TUTOR, group.id, email="tutor@example.org")
    other_course = make_published_course(modules=1, lessons_per_module=1)
    make_with_role(Role.INSTRUCTOR, other_course.course.id, email="elsewhere@example.org")
    _learner_user, learner = make_learner(
        published.cohort, group=group, email="learner@example.org"
    )
    db.session.commit()
    base = f"/teach/courses/{published.course.id}/quizzes/m1-quiz"
    return SimpleNamespace(
        published=published,
        group=group,
        other_group=other_group,
        learner=learner,
        base=base,
        course_id=published.course.id,
    )


def grade_events(db) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("quiz_%"))
    )


def client_for(app, email):
    client = app.test_client()
    login(client, email)
    return client


def cohort_of(course, db, n: int, right_first: int, group=None):
    """``n`` learners each with one graded attempt: the first ``right_first`` all right, the
    others all wrong."""
    enrolments = []
    for i in range(n):
        _, enrolment = make_learner(course.published.cohort, group=group)
        take(enrolment, i < right_first)
        enrolments.append(enrolment)
    db.session.commit()
    return enrolments


# --- statistics ------------------------------------------------------------------------------


def test_facility_and_discrimination_on_first_attempts(course, db):
    enrolments = cohort_of(course, db, 12, right_first=6)
    take(enrolments[-1], True)  # a second attempt, all right: not counted in the indices
    db.session.commit()
    scoped = sa.select(QuizAttempt.id)
    stats = results.question_stats(course.published.quiz_revision("m1-quiz").quiz_id, scoped)
    assert [s.responses for s in stats] == [12, 12, 12]
    assert [round(s.facility, 3) for s in stats] == [0.5, 0.5, 0.5]
    assert [round(s.discrimination, 3) for s in stats] == [1.0, 1.0, 1.0]
    summary = results.summary(course.published.quiz_revision("m1-quiz").quiz_id, scoped)
    assert (summary.attempts, summary.learners, summary.graded, summary.passed) == (13, 12, 13, 7)
    bands = results.distribution(course.published.quiz_revision("m1-quiz").quiz_id, scoped)
    assert (bands[0][2], bands[-1][2], sum(b[2] for b in bands)) == (6, 7, 13)


def test_a_question_that_does_not_discriminate(course, db):
    # The single-choice question is right exactly for those who get the rest wrong.
    for i in range(10):
        _, enrolment = make_learner(course.published.cohort)
        first = i % 2 == 0
        take(enrolment, [first, not first, not first])
    db.session.commit()
    quiz_id = course.published.quiz_revision("m1-quiz").quiz_id
    stats = results.question_stats(quiz_id, sa.select(QuizAttempt.id))
    assert round(stats[0].discrimination, 3) == -1.0 and round(stats[0].facility, 2) == 0.5


def test_indices_wait_for_the_minimum_of_responses(course, app, db):
    cohort_of(course, db, results.MIN_RESPONSES - 1, right_first=4)
    quiz_id = course.published.quiz_revision("m1-quiz").quiz_id
    stats = results.question_stats(quiz_id, sa.select(QuizAttempt.id))
    assert all(s.facility is None and s.discrimination is None for s in stats)
    page = client_for(app, "inst@example.org").get(course.base).get_data(as_text=True)
    assert page.count("too few") == 6


def test_the_summary_page_takes_the_same_queries_whatever_the_attempts(
    course, app, db, count_queries
):
    client = client_for(app, "inst@example.org")
    cohort_of(course, db, 3, right_first=1)
    client.get(course.base)
    with count_queries() as few:
        assert client.get(course.base).status_code == 200
    cohort_of(course, db, 12, right_first=7)
    with count_queries() as many:
        page = client.get(course.base)
    assert page.status_code == 200 and few.count == many.count
    question = db.session.scalar(sa.select(AttemptQuestion.question_revision_id).limit(1))
    with count_queries() as one:
        client.get(f"{course.base}/questions/{question}")
    cohort_of(course, db, 5, right_first=2)
    with count_queries() as more:
        assert client.get(f"{course.base}/questions/{question}").status_code == 200
    assert one.count == more.count


def test_a_questions_responses_are_summarised(course, app, db):
    cohort_of(course, db, 4, right_first=1)
    revision = db.session.scalar(
        sa.select(AttemptQuestion.question_revision_id)
        .join(QuestionRevision)
        .where(QuestionRevision.kind == "single_choice")
        .limit(1)
    )
    page = (
        client_for(app, "inst@example.org")
        .get(f"{course.base}/questions/{revision}")
        .get_data(as_text=True)
    )
    # Three chose the first wrong choice, one the right one.
    assert re.search(r"Choice a</bdi></td>\s*<td>3</td>\s*<td>No", page)
    assert re.search(r"Choice b</bdi></td>\s*<td>1</td>\s*<td>Yes", page)


# --- who sees what ---------------------------------------------------------------------------


def test_a_tutor_sees_only_their_groups_attempts(course, app, db):
    cohort_of(course, db, 2, right_first=2, group=course.group)
    cohort_of(course, db, 3, right_first=0, group=course.other_group)
    page = client_for(app, "tutor@example.org").get(course.base).get_data(as_text=True)
    assert re.search(r"<dt>Learners</dt><dd>2</dd>", page)
    foreign = db.session.scalar(
        sa.select(QuizAttempt.id)
        .join(QuizAttempt.enrolment)
        .where(sa.text("enrolment.tutor_group_id = :g"))
        .params(g=course.other_group.id)
    )
    tutor = client_for(app, "tutor@example.org")
    assert tutor.get(f"{course.base}/attempts/{foreign}").status_code == 404
    instructor = client_for(app, "inst@example.org")
    assert instructor.get(f"{course.base}/attempts/{foreign}").status_code == 200


@pytest.mark.parametrize(
    "email, status", [("learner@example.org", 403), ("elsewhere@example.org", 404)]
)
def test_others_cannot_see_the_results(course, app, email, status):
    client = client_for(app, email)
    for path in ("", "/attempts"):
        assert client.get(course.base + path).status_code == status
    assert client.get(f"/teach/courses/{course.course_id}/grading").status_code == status


# --- overriding a grade ----------------------------------------------------------------------


def _own_attempt(course, db, right=False):
    attempt = take(course.learner, right)
    db.session.commit()
    return attempt


def test_a_tutor_overrides_a_grade_with_a_reason_audited(course, app, db):
    attempt = _own_attempt(course, db)
    tutor = client_for(app, "tutor@example.org")
    page = f"{course.base}/attempts/{attempt.id}"
    response = post_form(
        tutor,
        f"{page}/override",
        {"override-score": "2.5", "override-reason": "Misread key"},
        form_page=page,
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(QuizAttempt, attempt.id)
    assert (changed.score, changed.passed, changed.override_reason) == (
        Decimal("2.5"),
        True,
        "Misread key",
    )
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "quiz_attempt.grade_overridden")
    )
    assert event.details["before"] == {"score": "0.00", "passed": False}
    assert event.details["after"] == {"score": "2.50", "passed": True}
    assert event.details["reason"] == "Misread key"
    assert "Misread key" in tutor.get(page).get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"override-score": "2"}, "This field is required"),
        ({"override-score": "7", "override-reason": "x"}, "Give a score from 0 to 3"),
        ({"override-score": "lots", "override-reason": "x"}, "Give the score as a number"),
    ],
)
def test_a_bad_override_changes_nothing(course, app, db, data, message):
    attempt = _own_attempt(course, db)
    client = client_for(app, "inst@example.org")
    page = f"{course.base}/attempts/{attempt.id}"
    response = post_form(client, f"{page}/override", data, form_page=page)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).score == Decimal(0)
    assert grade_events(db) == 0


def test_a_learners_forged_grade_post_is_refused_and_changes_nothing(course, app, db):
    attempt = _own_attempt(course, db)
    learner = client_for(app, "learner@example.org")
    token = csrf_from(learner, f"/learn/{course.learner.id}/quizzes/m1-quiz")
    for path in (
        f"{course.base}/attempts/{attempt.id}/override",
        f"{course.base}/release",
        f"{course.base}/regrade",
    ):
        response = learner.post(
            path,
            data={"csrf_token": token, "override-score": "3", "override-reason": "I deserve it"},
        )
        assert response.status_code == 403
    # Nor through the learner's own pages: a grade field is not an answer.
    response = learner.post(
        f"/learn/{course.learner.id}/attempts/{attempt.id}/submit",
        data={"csrf_token": token, "score": "3"},
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).score == Decimal(0)
    assert grade_events(db) == 0


def test_a_tutor_cannot_override_another_groups_learner(course, app, db):
    _, stranger = make_learner(course.published.cohort, group=course.other_group)
    attempt = take(stranger, False)
    db.session.commit()
    tutor = client_for(app, "tutor@example.org")
    token = csrf_from(tutor, course.base)
    response = tutor.post(
        f"{course.base}/attempts/{attempt.id}/override",
        data={"csrf_token": token, "override-score": "3", "override-reason": "x"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).score == Decimal(0)


# --- regrading -------------------------------------------------------------------------------


def corrected_version(course, db) -> QuestionRevision:
    """Version 2 of the course, where the single-choice question's key is 'a', not 'b'."""
    published = course.published
    old = db.session.scalar(
        sa.select(QuestionRevision).where(
            QuestionRevision.course_version_id == published.version.id,
            QuestionRevision.kind == "single_choice",
        )
    )
    version = CourseVersion(
        course_id=published.course.id, number=2, state="published", published_at=utcnow()
    )
    db.session.add(version)
    db.session.flush()
    new = QuestionRevision(
        question_id=old.question_id,
        course_version_id=version.id,
        kind=old.kind,
        prompt=old.prompt,
        feedback=old.feedback,
        points=old.points,
        settings={},
    )
    db.session.add(new)
    db.session.flush()
    for choice in old.choices:
        db.session.add(
            ChoiceRevision(
                question_revision_id=new.id,
                key=choice.key,
                position=choice.position,
                text=choice.text,
                is_correct=choice.key == "a",
                feedback=choice.feedback,
            )
        )
    db.session.commit()
    return new


def test_regrading_previews_then_applies_with_an_audit(course, app, db):
    wrong = take(course.learner, False)  # chose 'a' for the single-choice question
    _, other = make_learner(course.published.cohort)
    right = take(other, True)  # chose 'b'
    db.session.commit()
    new = corrected_version(course, db)
    client = client_for(app, "inst@example.org")
    url = f"{course.base}/regrade"
    page = client.get(url).get_data(as_text=True)
    assert "m1-q1, version 2" in page
    form = {"revision": str(new.id), "attempts": [str(wrong.id), str(right.id)]}
    preview = post_form(client, url, {**form, "preview": "1"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Before and after" in text
    assert re.search(r"0 / 3 \(Not passed\)</td>\s*<td>1 / 3 \(Not passed\)", text)
    assert re.search(r"3 / 3 \(Passed\)</td>\s*<td>2 / 3 \(Passed\)", text)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, wrong.id).score == Decimal(0)  # a preview changes nothing
    assert grade_events(db) == 0
    applied = post_form(client, url, {**form, "step": "confirm", "apply": "1"})
    assert applied.status_code == 302, applied.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(QuizAttempt, wrong.id).score == Decimal(1)
    assert db.session.get(QuizAttempt, right.id).score == Decimal(2)
    pinned = db.session.scalars(
        sa.select(AttemptQuestion.question_revision_id).where(
            AttemptQuestion.attempt_id.in_([wrong.id, right.id]), AttemptQuestion.position == 1
        )
    )
    assert set(pinned) == {new.id}
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "quiz_attempt.regraded")
        .order_by(AuditEvent.target_id)
    ).all()
    assert [(e.details["before"]["score"], e.details["after"]["score"]) for e in events] == [
        ("0.00", "1.00"),
        ("3.00", "2.00"),
    ]


def test_regrading_an_attempt_out_of_scope_refuses_the_whole_request(course, app, db):
    mine = take(course.learner, False)
    db.session.commit()
    new = corrected_version(course, db)
    other_course = make_published_course(modules=1, lessons_per_module=1)
    _, stranger = make_learner(other_course.cohort)
    foreign = take(stranger, False)
    db.session.commit()
    client = client_for(app, "inst@example.org")
    response = post_form(
        client,
        f"{course.base}/regrade",
        {
            "revision": str(new.id),
            "attempts": [str(mine.id), str(foreign.id)],
            "step": "confirm",
            "apply": "1",
        },
        form_page=f"{course.base}/regrade",
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(QuizAttempt, mine.id).score == Decimal(0)
    assert grade_events(db) == 0


def test_a_tutor_may_not_regrade(course, app):
    assert client_for(app, "tutor@example.org").get(f"{course.base}/regrade").status_code == 403


# --- the essay queue -------------------------------------------------------------------------


def test_an_essay_waits_in_the_queue_until_graded(course, app, db):
    revision = course.published.quiz_revision("m1-quiz")
    essay = db.session.scalar(
        sa.select(QuestionRevision).where(
            QuestionRevision.course_version_id == course.published.version.id,
            QuestionRevision.kind == "true_false",
        )
    )
    essay.kind = "essay"
    db.session.commit()
    state = progress.course_progress(course.learner).quiz("m1-quiz")
    attempt = quizzes.start_attempt(course.learner, state, "en")
    answers = quiz_answers(attempt, True)
    essay_aq = next(aq for aq in attempt.questions if aq.question_revision_id == essay.id)
    answers[quizzes.field_name(essay_aq)] = "Soft power is attraction, not coercion."
    quizzes.submit(attempt, answers)
    db.session.commit()
    assert attempt.state == AttemptState.SUBMITTED and revision is not None
    tutor = client_for(app, "tutor@example.org")
    queue = f"/teach/courses/{course.course_id}/grading"
    page = tutor.get(queue).get_data(as_text=True)
    assert f"/attempts/{attempt.id}" in page
    attempt_page = f"{course.base}/attempts/{attempt.id}"
    assert "Soft power is attraction" in tutor.get(attempt_page).get_data(as_text=True)
    response_id = db.session.scalar(
        sa.select(sa.text("id FROM response WHERE attempt_question_id = :a")), {"a": essay_aq.id}
    )
    url = f"{attempt_page}/essays/{response_id}"
    bad = post_form(tutor, url, {f"essay{response_id}-points": "5"}, form_page=attempt_page)
    assert bad.status_code == 422 and "Give from 0 to 1 points" in bad.get_data(as_text=True)
    good = post_form(
        tutor,
        url,
        {f"essay{response_id}-points": "1", f"essay{response_id}-comment": "Clear."},
        form_page=attempt_page,
    )
    assert good.status_code == 302
    db.session.expire_all()
    graded = db.session.get(QuizAttempt, attempt.id)
    assert (graded.state, graded.score) == (AttemptState.GRADED, Decimal(3))
    assert f"/attempts/{attempt.id}" not in tutor.get(queue).get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "quiz_attempt.essay_graded")
        )
        == 1
    )


def test_only_newer_published_versions_are_offered_and_accepted(course, app, db):
    attempt = take(course.learner, False)
    db.session.commit()
    new = corrected_version(course, db)
    db.session.get(CourseVersion, new.course_version_id).state = "draft"
    db.session.commit()
    client = client_for(app, "inst@example.org")
    url = f"{course.base}/regrade"
    assert "publish the corrected question" in client.get(url).get_data(as_text=True)
    response = post_form(
        client,
        url,
        {"revision": str(new.id), "attempts": [str(attempt.id)], "step": "confirm", "apply": "1"},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).score == Decimal(0)
    assert grade_events(db) == 0
