"""Grading without friction (issue 20): previous and next submission in the grader's queue,
"return and grade the next", the rubric beside the text with a comment per criterion shown to
the learner, and the release of many held quiz grades at once (audited, learners told by mail).
Bad input: a submission outside one's groups, a criterion of another rubric, grades of
learners or cohorts one does not grade: a clear message, a 4xx, nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.models import (
    AttemptState,
    AuditEvent,
    OutboxMessage,
    QuizAttempt,
    Role,
    Submission,
    SubmissionScore,
    SubmissionState,
    utcnow,
)
from diplolearn.services.cohorts import organisations
from tests.conftest import login, post_form
from tests.factories import (
    make_assignment,
    make_cohort,
    make_learner,
    make_published_course,
    make_with_role,
)


@pytest.fixture()
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))


@pytest.fixture()
def world(app, db, storage):
    """A course (quiz m1-quiz, assignment m1-essay; m2-essay for another rubric), one cohort
    with groups g1 (three learners) and g2 (one), a second cohort with one learner; a tutor
    per group and an instructor of the course. Submissions handed in a, x (g2), b, c, in
    that order."""
    published = make_published_course(modules=2, lessons_per_module=1)
    revision = make_assignment(published)
    other_rubric = make_assignment(published, module_key="m2")
    cohort = published.cohort
    g1, g2 = (organisations.add_tutor_group(cohort, k, k) for k in ("g1", "g2"))
    learners = {name: make_learner(cohort, group=g1) for name in ("a", "b", "c")}
    learners["x"] = make_learner(cohort, group=g2)
    second = make_cohort(published.course, key="second")
    learners["z"] = make_learner(second)
    start = utcnow() - dt.timedelta(days=2)
    subs = {}
    for hours, name in enumerate(("a", "x", "b", "c")):
        subs[name] = Submission(
            enrolment_id=learners[name][1].id,
            assignment_id=revision.assignment_id,
            assignment_revision_id=revision.id,
            number=1,
            state=SubmissionState.SUBMITTED,
            body=f"The answer of {name}, well argued.",
            word_count=5,
            submitted_at=start + dt.timedelta(hours=hours),
        )
        db.session.add(subs[name])
    w = SimpleNamespace(
        published=published,
        revision=revision,
        other_rubric=other_rubric,
        cohort=cohort,
        second=second,
        learners=learners,
        subs=subs,
        tutor=make_with_role(Role.TUTOR, g1.id),
        other_tutor=make_with_role(Role.TUTOR, g2.id),
        instructor=make_with_role(Role.INSTRUCTOR, published.course.id),
        queue=f"/teach/courses/{published.course.id}/assignments",
        quiz=f"/teach/courses/{published.course.id}/quizzes/m1-quiz",
    )
    db.session.commit()
    return w


def client_for(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def url(w, name, **query):
    tail = "".join(f"?{k}={v}" for k, v in query.items())
    return f"{w.queue}/submissions/{w.subs[name].id}{tail}"


def levels(revision, **extra):
    """A level for every criterion (the best), plus ``extra`` form fields."""
    data = {f"criterion-{c.id}": str(c.levels[0].id) for c in revision.criteria}
    return {**data, **extra}


def criterion(revision, key):
    return next(c for c in revision.criteria if c.key == key)


# --- previous and next ------------------------------------------------------------------------


def test_previous_and_next_follow_the_graders_own_queue(app, db, world):
    w = world
    tutor = client_for(app, w.tutor)
    html = tutor.get(url(w, "b")).get_data(as_text=True)
    assert "Submission 2 of 3" in html
    assert f'rel="prev" href="{url(w, "a", queue="waiting")}"' in html
    assert f'rel="next" href="{url(w, "c", queue="waiting")}"' in html
    # The first has no previous, the last no next.
    html = tutor.get(url(w, "a")).get_data(as_text=True)
    assert 'rel="prev"' not in html and f'href="{url(w, "b", queue="waiting")}"' in html
    assert 'rel="next"' not in tutor.get(url(w, "c")).get_data(as_text=True)
    # The instructor's queue holds group g2's submission too, between a and b.
    html = client_for(app, w.instructor).get(url(w, "b")).get_data(as_text=True)
    assert "Submission 3 of 4" in html
    assert f'rel="prev" href="{url(w, "x", queue="waiting")}"' in html
    # The other group's tutor sees nothing of group g1.
    assert client_for(app, w.other_tutor).get(url(w, "b")).status_code == 404


def test_the_returned_queue_has_its_own_neighbours(app, db, world):
    w = world
    for name in ("a", "c"):
        w.subs[name].state = SubmissionState.RETURNED
        w.subs[name].returned_at = utcnow()
        w.subs[name].score, w.subs[name].max_score = Decimal(4), Decimal(6)
    db.session.commit()
    html = client_for(app, w.tutor).get(url(w, "a", queue="returned")).get_data(as_text=True)
    assert "Submission 1 of 2" in html
    assert f'rel="next" href="{url(w, "c", queue="returned")}"' in html
    queue = client_for(app, w.tutor).get(f"{w.queue}/returned").get_data(as_text=True)
    assert url(w, "a", queue="returned") in queue


def test_return_and_next_lands_on_the_next_ungraded_then_wraps(app, db, world):
    w = world
    tutor = client_for(app, w.tutor)
    response = post_form(tutor, url(w, "b"), levels(w.revision, save_next="1"))
    assert response.status_code == 302 and response.headers["Location"].endswith(url(w, "c"))
    response = post_form(tutor, url(w, "c"), levels(w.revision, save_next="1"))
    assert response.headers["Location"].endswith(url(w, "a"))  # wraps to the first still waiting
    response = post_form(tutor, url(w, "a"), levels(w.revision, save_next="1"))
    assert response.headers["Location"].endswith(w.queue)
    assert "No other submission waits" in tutor.get(w.queue).get_data(as_text=True)
    db.session.expire_all()
    states = {n: db.session.get(Submission, s.id).state for n, s in w.subs.items()}
    assert states == {"a": "returned", "b": "returned", "c": "returned", "x": "submitted"}
    # The plain button still goes back to the queue.
    response = post_form(tutor, url(w, "b"), levels(w.revision))
    assert response.headers["Location"].endswith(w.queue)


# --- the rubric beside the text, a comment per criterion --------------------------------------


def test_a_comment_per_criterion_is_saved_and_shown_to_the_learner(app, db, world):
    w = world
    accuracy = criterion(w.revision, "accuracy")
    tutor = client_for(app, w.tutor)
    html = tutor.get(url(w, "a")).get_data(as_text=True)
    assert 'class="grading-layout"' in html and 'class="grading-rubric"' in html
    assert f'name="comment-{accuracy.id}"' in html
    form = levels(w.revision, **{f"comment-{accuracy.id}": "Cite *the treaty* here."})
    assert post_form(tutor, url(w, "a"), form).status_code == 302
    db.session.expire_all()
    scores = db.session.scalars(
        sa.select(SubmissionScore).where(SubmissionScore.submission_id == w.subs["a"].id)
    ).all()
    assert {s.criterion_id: s.comment for s in scores} == {
        accuracy.id: "Cite *the treaty* here.",
        criterion(w.revision, "clarity").id: None,
    }
    # The grader sees it again; the learner reads it with the returned work.
    assert "Cite *the treaty* here.</textarea>" in tutor.get(url(w, "a")).get_data(as_text=True)
    user, enrolment = w.learners["a"]
    learner = client_for(app, user)
    page = learner.get(f"/learn/{enrolment.id}/assignments/m1-essay").get_data(as_text=True)
    assert "Cite <em>the treaty</em> here." in page and "criterion-note" in page


@pytest.mark.parametrize("field", ["comment", "criterion"])
def test_a_criterion_of_another_rubric_is_refused_and_nothing_saved(app, db, world, field):
    w = world
    foreign = w.other_rubric.criteria[0]
    value = "Not this one." if field == "comment" else str(foreign.levels[0].id)
    response = post_form(
        client_for(app, w.tutor),
        url(w, "a"),
        levels(w.revision, **{f"{field}-{foreign.id}": value}),
    )
    assert response.status_code == 400
    assert "criterion of another rubric" in response.get_data(as_text=True)
    db.session.expire_all()
    submission = db.session.get(Submission, w.subs["a"].id)
    assert submission.state == SubmissionState.SUBMITTED and not submission.scores


def test_a_submission_outside_ones_groups_is_a_404_and_unchanged(app, db, world):
    w = world
    other = client_for(app, w.other_tutor)
    assert other.get(url(w, "a")).status_code == 404
    token_page = f"{w.queue}/submissions/{w.subs['x'].id}"
    response = post_form(
        other, url(w, "a"), levels(w.revision, save_next="1"), form_page=token_page
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Submission, w.subs["a"].id).state == SubmissionState.SUBMITTED


def test_erasing_the_learner_blanks_the_criterion_comments(app, db, world):
    from diplolearn.services.assessment import assignments

    w = world
    accuracy = criterion(w.revision, "accuracy")
    post_form(
        client_for(app, w.tutor),
        url(w, "a"),
        levels(w.revision, **{f"comment-{accuracy.id}": "About you."}),
    )
    assignments.erase_texts_of(w.learners["a"][0].id)
    db.session.commit()
    assert not db.session.scalars(
        sa.select(SubmissionScore.comment).where(SubmissionScore.comment.is_not(None))
    ).all()


# --- releasing many held quiz grades ----------------------------------------------------------


def held(db, w, *names):
    revision = w.published.quiz_revision("m1-quiz")
    made = {}
    for name in names:
        made[name] = QuizAttempt(
            enrolment_id=w.learners[name][1].id,
            quiz_id=revision.quiz_id,
            quiz_revision_id=revision.id,
            number=1,
            state=AttemptState.GRADED,
            language="en",
            pass_mark=Decimal("50"),
            submitted_at=utcnow(),
            graded_at=utcnow(),
            score=Decimal("2"),
            max_score=Decimal("3"),
            passed=True,
            grade_withheld=True,
        )
        db.session.add(made[name])
    db.session.commit()
    return made


def still_held(db) -> set[int]:
    db.session.expire_all()
    return set(
        db.session.scalars(sa.select(QuizAttempt.id).where(QuizAttempt.grade_withheld.is_(True)))
    )


def mails(db) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.to_user_id).where(OutboxMessage.kind == "quiz_grade_released")
        )
    )


def test_chosen_held_grades_are_released_at_once_audited_and_mailed(app, db, world):
    w = world
    attempts = held(db, w, "a", "b", "c", "x")
    tutor = client_for(app, w.tutor)
    page = tutor.get(f"{w.quiz}/held").get_data(as_text=True)
    assert all(f'value="{attempts[n].id}"' in page for n in "abc")
    assert f'value="{attempts["x"].id}"' not in page  # another group's
    chosen = [str(attempts["a"].id), str(attempts["c"].id)]
    response = post_form(
        tutor, f"{w.quiz}/held", {"attempt": chosen, "release_chosen": "1", "cohort": "0"}
    )
    assert response.status_code == 303
    assert still_held(db) == {attempts["b"].id, attempts["x"].id}
    assert "2 grades released" in tutor.get(f"{w.quiz}/held").get_data(as_text=True)
    released = db.session.scalars(
        sa.select(AuditEvent.target_id).where(AuditEvent.action == "quiz_attempt.grade_released")
    ).all()
    assert sorted(released) == sorted([attempts["a"].id, attempts["c"].id])
    assert sorted(mails(db)) == sorted([w.learners["a"][0].id, w.learners["c"][0].id])
    mail = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "quiz_grade_released").limit(1)
    )
    assert f"/attempts/{attempts['a'].id}/result" in mail.body_text or (
        f"/attempts/{attempts['c'].id}/result" in mail.body_text
    )


def test_all_held_grades_of_a_cohort_are_released_and_no_others(app, db, world):
    w = world
    attempts = held(db, w, "a", "x", "z")
    response = post_form(
        client_for(app, w.instructor),
        f"{w.quiz}/held",
        {"release_cohort": "1", "cohort": str(w.cohort.id)},
    )
    assert response.status_code == 303
    assert still_held(db) == {attempts["z"].id}
    assert sorted(mails(db)) == sorted([w.learners["a"][0].id, w.learners["x"][0].id])


@pytest.mark.parametrize("case", ["other_group", "other_cohort", "nothing", "not_a_number"])
def test_releasing_what_one_does_not_grade_is_refused_and_nothing_changes(app, db, world, case):
    w = world
    attempts = held(db, w, "a", "x", "z")
    form = {
        "other_group": {"attempt": [str(attempts["a"].id), str(attempts["x"].id)]},
        "other_cohort": {"release_cohort": "1", "cohort": str(w.second.id)},
        "nothing": {"release_chosen": "1"},
        "not_a_number": {"attempt": ["a1"], "release_chosen": "1"},
    }[case]
    form.setdefault("cohort", "0")
    response = post_form(client_for(app, w.tutor), f"{w.quiz}/held", form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nothing was released" in text
    assert still_held(db) == {a.id for a in attempts.values()}
    assert mails(db) == []
    assert not db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "quiz_attempt.grade_released")
    )


def test_the_held_page_is_for_graders_of_the_course_only(app, db, world):
    w = world
    held(db, w, "a")
    learner = client_for(app, w.learners["a"][0])
    assert learner.get(f"{w.quiz}/held").status_code == 403
    elsewhere = make_with_role(Role.INSTRUCTOR, make_published_course(modules=1).course.id)
    db.session.commit()
    assert client_for(app, elsewhere).get(f"{w.quiz}/held").status_code == 404


def test_the_release_all_button_of_the_summary_tells_the_learners_too(app, db, world):
    w = world
    attempts = held(db, w, "a", "x")
    response = post_form(client_for(app, w.tutor), f"{w.quiz}/release", {}, form_page=w.quiz)
    assert response.status_code == 302
    assert still_held(db) == {attempts["x"].id}  # the other group's stays held
    assert mails(db) == [w.learners["a"][0].id]
