"""Every role's home page is its to-do list (issue 14): the learner's next step per course
(first link after the course's outline link), what is overdue and due in their week (in their
time zone), returned work, replies and the next session; the tutor's and lead instructor's
work to grade, questions, requests for more time, learners gone quiet, grades held and modules
opening; the coordinator's staff behind, seats unfilled and certificates issued. Counts in
the navigation; a fixed number of queries; nobody sees another's."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from diplolearn.main.todo import week_end
from diplolearn.models import ModuleSchedule, QuizAttempt, Role, utcnow
from diplolearn.services import progress
from diplolearn.services.assessment import assignments, quizzes
from diplolearn.services.cohorts import organisations, places
from diplolearn.services.deadlines import request_extension
from diplolearn.services.discussion import posting, text_sessions
from tests.conftest import login
from tests.factories import (
    make_assignment,
    make_learner,
    make_ministry,
    make_published_course,
    make_user,
    make_with_role,
    quiz_answers,
)

NOW = utcnow()
DAY = dt.timedelta(days=1)


def _essay_levels(revision):
    return {c.id: next(lv.id for lv in c.levels if lv.points == 2) for c in revision.criteria}


@pytest.fixture()
def run(db):
    """A running cohort: module 1 was due yesterday, module 2 is due in three days, module 3
    opens in three days. Layla (group 1, ministry A) had her module 1 essay returned, asked a
    question a tutor replied to, and asked for more time on module 1; Bob (group 1) handed in
    his essay and asked a question nobody answered; Quinn (group 1) has been silent for three
    weeks; Greta is in group 2. Ministry A has 5 seats in the cohort."""
    published = make_published_course(modules=3)
    cohort = organisations.create_cohort(
        published.course,
        "run",
        {"en": "Spring run"},
        timezone="UTC",
        starts_at=NOW - 10 * DAY,
        ends_at=NOW + 60 * DAY,
    )
    g1 = organisations.add_tutor_group(cohort, "g1", "Group 1")
    g2 = organisations.add_tutor_group(cohort, "g2", "Group 2")
    essay = make_assignment(published, "m1")
    mods = {k: published.module_revision(k).module_id for k in ("m1", "m2", "m3")}
    db.session.add_all(
        [
            ModuleSchedule(
                cohort_id=cohort.id, module_id=mods["m1"], opens_at=NOW - 10 * DAY, due_at=NOW - DAY
            ),
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=mods["m2"],
                opens_at=NOW - 3 * DAY,
                due_at=NOW + 3 * DAY,
            ),
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=mods["m3"],
                opens_at=NOW + 3 * DAY,
                due_at=NOW + 10 * DAY,
            ),
        ]
    )
    a = make_ministry("MFA-A")
    tutor = make_with_role(Role.TUTOR, g1.id, email="tutor@example.org", name_latin="Tariq")
    make_with_role(Role.TUTOR, g2.id, email="tutor2@example.org")
    lead = make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org")
    coordinator = make_with_role(Role.COORDINATOR, a.id, email="coord@example.org")
    layla, layla_e = make_learner(cohort, a, g1, email="layla@example.org", name_latin="Layla")
    bob, bob_e = make_learner(cohort, a, g1, email="bob@example.org", name_latin="Bob")
    _quinn, quinn_e = make_learner(cohort, a, g1, email="quinn@example.org", name_latin="Quinn")
    make_learner(cohort, None, g2, email="greta@example.org", name_latin="Greta")
    db.session.flush()
    places.set_seats(cohort, a, 5, by=lead)
    quinn_e.last_activity_at = NOW - 21 * DAY
    quinn_e.activated_at = NOW - 25 * DAY
    for enrolment in (layla_e, bob_e):
        standing = progress.course_progress(enrolment)
        submission = assignments.save(
            enrolment,
            standing,
            standing.assignment("m1-essay"),
            body="An essay on digital diplomacy.",
            submit=True,
        )
        if enrolment is layla_e:
            assignments.grade(submission, tutor, _essay_levels(essay), "Good.", False)
    standing = progress.course_progress(layla_e)
    comment = posting.annotate(
        layla_e, standing, standing.lesson("m1-l1"), "p1", kind="comment", body="A thought.",
        lang="en",
    )  # fmt: skip
    posting.reply(tutor, comment, body="Indeed.", lang="en", cohort=cohort, staff=True)
    standing = progress.course_progress(bob_e)
    posting.annotate(
        bob_e, standing, standing.lesson("m1-l1"), "p1", kind="question", body="Why?", lang="en"
    )
    text_sessions.open_session(
        cohort,
        g1,
        title="Week two chat",
        starts_at=NOW + 2 * DAY,
        duration_minutes=60,
        by=tutor,
        may_open_cohort=False,
    )
    request_extension(layla_e, "module", "m1", "Posted abroad this week")
    db.session.commit()
    return {
        "cohort": cohort,
        "layla": layla,
        "layla_e": layla_e,
        "bob": bob,
        "tutor": tutor,
        "lead": lead,
        "coordinator": coordinator,
        "published": published,
    }


def _home(app, email):
    client = app.test_client()
    login(client, email)
    response = client.get("/")
    assert response.status_code == 200
    return client, response.get_data(as_text=True)


def _section(page: str, key: str) -> str:
    match = re.search(rf'<section aria-labelledby="todo-{key}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_the_learners_next_step_is_the_first_link_after_the_outline(app, db, run):
    _client, page = _home(app, "layla@example.org")
    enrolment = run["layla_e"]
    card = re.search(r'<li class="card">.*?</li>\s*</ul>', page, re.S).group(0)
    links = re.findall(r'<a [^>]*href="([^"]+)"', card)
    assert links[0] == f"/learn/{enrolment.id}"
    assert links[1].startswith(f"/learn/{enrolment.id}/"), links
    assert links[1] != f"/learn/{enrolment.id}/grades"
    assert f"/learn/{enrolment.id}/grades" in links[2:]


def test_the_learners_list(app, db, run):
    _client, page = _home(app, "layla@example.org")
    overdue = _section(page, "overdue")
    assert "Module 1" in overdue and "you asked for more time" in overdue
    due = _section(page, "due")
    assert "Module 2" in due
    assert "Module 3" not in due  # due in ten days: not this week
    assert "Feedback on:" in _section(page, "returned")
    assert "Tariq replied" in _section(page, "replies")
    assert "Week two chat" in _section(page, "session")
    # Nothing of the staff's lists for a learner.
    assert "Waiting for you" not in page


def test_the_week_ends_in_the_learners_own_time_zone():
    from types import SimpleNamespace

    now = dt.datetime(2026, 12, 7, 22, 30, tzinfo=dt.UTC)  # already 8 December in Tokyo
    tokyo = week_end(SimpleNamespace(timezone="Asia/Tokyo"), now)
    assert tokyo == dt.datetime(2026, 12, 14, 15, 0, tzinfo=dt.UTC)
    london = week_end(SimpleNamespace(timezone="Europe/London"), now)
    assert london == dt.datetime(2026, 12, 14, 0, 0, tzinfo=dt.UTC)
    assert week_end(SimpleNamespace(timezone="Not/AZone"), now).tzinfo is not None


def test_the_tutors_list(app, db, run):
    _client, page = _home(app, "tutor@example.org")
    grading = _section(page, "grading")
    assert "1 written assignment" in grading
    assert f"/teach/courses/{run['published'].course.id}/assignments" in grading
    assert "1 question" in _section(page, "questions")
    requests = _section(page, "requests")
    assert "Layla" in requests and "/teach/extension-requests/" in requests
    quiet = _section(page, "quiet")
    assert "Quinn" in quiet and "Layla" not in quiet
    # A tutor manages no cohort: no held grades or schedule of theirs.
    assert not _section(page, "opening")


def test_another_groups_tutor_sees_none_of_it(app, db, run):
    _client, page = _home(app, "tutor2@example.org")
    for key in ("grading", "questions", "requests", "quiet"):
        assert not _section(page, key), key
    assert "Nothing waits for you" in page


def test_the_lead_instructors_list(app, db, run):
    enrolment = run["layla_e"]
    standing = progress.course_progress(enrolment)
    attempt = quizzes.start_attempt(enrolment, standing.quiz("m1-quiz"), "en")
    quizzes.submit(attempt, quiz_answers(attempt))
    db.session.get(QuizAttempt, attempt.id).grade_withheld = True
    db.session.commit()
    _client, page = _home(app, "lead@example.org")
    assert "1 written assignment" in _section(page, "grading")
    assert "1 quiz grade to release" in _section(page, "held")
    assert "Opens:" in _section(page, "opening")
    assert "Layla" in _section(page, "requests")
    assert "Quinn" in _section(page, "quiet")


def test_the_coordinators_list(app, db, run):
    _client, page = _home(app, "coord@example.org")
    behind = _section(page, "behind")
    assert "Quinn" in behind and "Layla" not in behind
    assert "2 seats free" in _section(page, "seats")  # five seats, three of A's staff placed
    assert not _section(page, "grading")


def test_the_navigation_shows_the_count_without_a_query(app, db, run, count_queries):
    client, page = _home(app, "tutor@example.org")
    # 1 to grade + 1 question + 1 request + 1 quiet learner.
    assert re.search(r'class="badge nav-count">4<', page)
    with count_queries() as counter:
        other = client.get("/account").get_data(as_text=True)
    assert re.search(r'class="badge nav-count">4<', other)
    assert not [s for s in counter.statements if "submission" in s.lower()]


def test_the_home_page_rewrites_the_session_only_when_the_count_changes(app, db, run, monkeypatch):
    """The count is kept in the session for the navigation; setting it again unchanged would
    re-sign and resend the session cookie with every dashboard."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)  # each visit renders afresh
    client, _page = _home(app, "tutor@example.org")
    again = client.get("/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers


def test_the_home_page_runs_a_fixed_number_of_queries(app, db, run, count_queries, monkeypatch):
    # Rendered, not kept (a kept page costs two: tests/test_personal_pages.py).
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)

    def count(email):
        client = app.test_client()
        login(client, email)
        client.get("/")
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter.count

    learner = count("layla@example.org")
    tutor = count("tutor@example.org")
    # More courses, cohorts and learners cost no more queries.
    more = make_published_course(modules=5)
    cohort = organisations.create_cohort(more.course, "more", {"en": "More"}, timezone="UTC")
    group = organisations.add_tutor_group(cohort, "g", "G")
    organisations.enrol(run["layla"], cohort, sponsor=None, tutor_group=group)
    from diplolearn.services.accounts import accounts

    accounts.grant_role(run["tutor"], Role.TUTOR, group.id)
    for _ in range(3):
        make_learner(cohort, group=group)
    db.session.commit()
    assert count("layla@example.org") == learner
    assert count("tutor@example.org") == tutor
    # Pinned: a change here is a choice made knowingly.
    # The learner: session user and grants, enrolments with their stored progress (its dates
    # and returned work with it: services/progress/summary.py), the announcements, replies,
    # next session. The tutor: the same first queries,
    # then one per list (a two-query list for the learners gone quiet). Both: their unread
    # private messages (issue 20), one query (none for someone in no tutor group).
    assert (learner, tutor) == (6, 8), (learner, tutor)


def test_a_person_without_roles_or_courses(app, db):
    make_user("new@example.org")
    db.session.commit()
    _client, page = _home(app, "new@example.org")
    assert "You are not enrolled in any course yet" in page
    assert "nav-count" not in page
