"""The grades page (issue 14): for the learner, every quiz, written assignment and module of a
course with score, status, lateness and a feedback link, and how completion and the course
result are worked out; the same page for their tutor and the cohort's lead instructor, 404
for everyone else."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from diplolearn.models import ModuleSchedule, Role, utcnow
from diplolearn.services import progress
from diplolearn.services.assessment import assignments, quizzes
from diplolearn.services.cohorts import organisations
from tests.conftest import login
from tests.factories import (
    make_assignment,
    make_learner,
    make_published_course,
    make_with_role,
    quiz_answers,
)

NOW = utcnow()
DAY = dt.timedelta(days=1)


@pytest.fixture()
def run(db):
    """Module 1 (due yesterday) has a quiz the learner passed and an essay handed in late and
    graded 4 of 6; module 2 a quiz failed once; the other learner is in another group."""
    published = make_published_course(modules=2)
    cohort = organisations.create_cohort(published.course, "run", {"en": "Run"}, timezone="UTC")
    group = organisations.add_tutor_group(cohort, "g1", "Group 1")
    other_group = organisations.add_tutor_group(cohort, "g2", "Group 2")
    essay = make_assignment(published, "m1")
    m1 = published.module_revision("m1").module_id
    db.session.add(
        ModuleSchedule(cohort_id=cohort.id, module_id=m1, opens_at=NOW - 9 * DAY, due_at=NOW - DAY)
    )
    _learner, enrolment = make_learner(cohort, group=group, email="learner@example.org")
    _other, other_enrolment = make_learner(cohort, group=other_group, email="other@example.org")
    tutor = make_with_role(Role.TUTOR, group.id, email="tutor@example.org")
    make_with_role(Role.TUTOR, other_group.id, email="tutor2@example.org")
    make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org")
    db.session.flush()
    for key, right in (("m1-quiz", True), ("m2-quiz", False)):
        attempt = quizzes.start_attempt(
            enrolment, progress.course_progress(enrolment).quiz(key), "en"
        )
        quizzes.submit(attempt, quiz_answers(attempt, right=right))
    standing = progress.course_progress(enrolment)
    submission = assignments.save(
        enrolment,
        standing,
        standing.assignment(essay.assignment.key),
        body="My essay on digital diplomacy.",
        submit=True,
    )
    # Accuracy 2 of 4, clarity 2 of 2: 4 of 6 points.
    levels = {c.id: next(lv.id for lv in c.levels if lv.points == 2) for c in essay.criteria}
    assignments.grade(submission, tutor, levels, "Clear, but give examples.", False)
    db.session.commit()
    return {
        "cohort": cohort,
        "enrolment": enrolment,
        "other_enrolment": other_enrolment,
        "submission": submission,
        "essay": essay,
    }


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_learner_sees_every_item_with_score_status_and_lateness(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    enrolment = run["enrolment"]
    outline = _page(client, f"/learn/{enrolment.id}")
    assert f'href="/learn/{enrolment.id}/grades"' in outline
    page = _page(client, f"/learn/{enrolment.id}/grades")
    assert "Module 1" in page and "Module 2" in page
    assert "Passed" in page and "Not passed yet" in page
    assert "Graded and returned" in page
    assert "4 of 6 points" in page
    assert re.search(r"<strong>late</strong>", page)
    assert "How completion and the course result are worked out" in page
    assert "Not complete yet" in page
    # Feedback links: the quiz's result page and the assignment's page.
    assert re.search(rf'href="/learn/{enrolment.id}/attempts/\d+/result"', page)
    assert f'href="/learn/{enrolment.id}/assignments/{run["essay"].assignment.key}"' in page


def test_the_tutor_and_the_lead_see_the_same_page(app, db, run):
    enrolment, cohort = run["enrolment"], run["cohort"]
    path = f"/teach/cohorts/{cohort.id}/learners/{enrolment.id}/grades"
    for email in ("tutor@example.org", "lead@example.org"):
        client = app.test_client()
        login(client, email)
        learner_page = _page(client, f"/teach/cohorts/{cohort.id}/learners/{enrolment.id}")
        assert f'href="{path}"' in learner_page
        page = _page(client, path)
        assert "4 of 6 points" in page and "Not passed yet" in page
        assert f"/assignments/submissions/{run['submission'].id}" in page


def test_others_get_404(app, db, run):
    enrolment, cohort = run["enrolment"], run["cohort"]
    path = f"/teach/cohorts/{cohort.id}/learners/{enrolment.id}/grades"
    client = app.test_client()
    login(client, "tutor2@example.org")  # another group's tutor
    assert client.get(path).status_code == 404
    client = app.test_client()
    login(client, "other@example.org")  # another learner
    assert client.get(f"/learn/{enrolment.id}/grades").status_code == 404
    assert client.get(path).status_code == 403
    client = app.test_client()
    login(client, "tutor@example.org")
    assert client.get(f"/learn/{enrolment.id}/grades").status_code == 404
    other = run["other_enrolment"]
    assert client.get(f"/teach/cohorts/{cohort.id}/learners/{other.id}/grades").status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(app, db, run, count_queries):
    client = app.test_client()
    login(client, "learner@example.org")
    path = f"/learn/{run['enrolment'].id}/grades"
    client.get(path)
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    assert counter.count <= 10, "\n".join(counter.statements)


def test_an_excused_item_says_so(app, db, run):
    from diplolearn.models import User
    from diplolearn.services.deadlines import excuse

    tutor = db.session.scalar(sa.select(User).where(User.email == "tutor@example.org"))
    excuse(run["enrolment"], "quiz", "m2-quiz", "Hospitalised during the quiz week", tutor)
    db.session.commit()
    client = app.test_client()
    login(client, "learner@example.org")
    page = _page(client, f"/learn/{run['enrolment'].id}/grades")
    assert "Excused: the module completes without it" in page
    assert "Not passed yet" not in page
