"""Staff pages at the scale of a ministry (issue 16): the progress grid, the at-risk list and a
ministry's reports read the stored module summaries, so they run the same pinned number of
queries for 3 learners as for 30 (bench/staff_scale.py measures 1,000 and 5,000); what they
show from the summaries equals a fresh computation from the records; the staff CSV streams.
Timings stay in the bench: only query counts here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn.extensions import db
from diplolearn.models import Enrolment, ModuleProgress, ModuleSchedule, Role, utcnow
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from diplolearn.services.cohorts import organisations, standings, tracking
from diplolearn.services.ministries import report_summary, report_totals, reports
from diplolearn.services.ministries.report_scores import enrolment_score, read_standings
from tests.conftest import login
from tests.factories import (
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
    quiz_answers,
)

NOW = utcnow()
DAY = dt.timedelta(days=1)

# The pinned counts: whatever the number of learners (the bench: 1,000 and 5,000), with the
# outlines cached as in a running process. A page that starts reading per row breaks these.
PINNED = {
    "grid": 8,
    "grid_group": 8,
    "at_risk": 7,  # the learners' facts, then the dates of the page's 50
    "enrolments": 7,  # a page of 100, its count, the waiting list
    "staff_report": 10,
    "staff_report_cohort": 10,
    "cohort_summary": 13,
    # The rows with their stored sums in one streamed query, the export's cohort texts and
    # outlines once: no more for each further chunk of CHUNK (1,000) rows.
    "staff_csv": 8,
}


def _enrolments(world) -> list[Enrolment]:
    """The cohort's enrolments as records, for comparing the pages with the rules."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.cohort_id == world.cohort.id)
            .order_by(Enrolment.id)
        )
    )


def _study(enrolment, module: str, *, lessons: int = 2, quiz: bool | None = None) -> None:
    """Mark ``lessons`` lessons of a module done, then take its quiz (right or wrong)."""
    for n in range(1, lessons + 1):
        standing = progress.course_progress(enrolment)
        progress.mark_lesson_done(enrolment, standing, standing.lesson(f"{module}-l{n}"))
    if quiz is not None:
        attempt = quizzes.start_attempt(
            enrolment, progress.course_progress(enrolment).quiz(f"{module}-quiz"), "en"
        )
        answers = quiz_answers(attempt, right=quiz)
        quizzes.submit(attempt, MultiDict([(k, v) for k, vs in answers.items() for v in vs]))


@pytest.fixture()
def world(db):
    """A 4-module cohort sponsored by one ministry: module 1 due yesterday, module 2 due next
    week, module 3 opens tomorrow, module 4 needs module 2 (a cohort rule). Three learners in
    two groups, each at a different point."""
    published = make_published_course(modules=4)
    cohort = organisations.create_cohort(published.course, "big", {"en": "Big"}, timezone="UTC")
    g1 = organisations.add_tutor_group(cohort, "g1", "Group 1")
    g2 = organisations.add_tutor_group(cohort, "g2", "Group 2")
    ministry = make_ministry("MFA-SCALE")
    modules = {k: published.module_revision(k).module_id for k in ("m1", "m2", "m3", "m4")}
    db.session.add_all(
        [
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=modules["m1"],
                opens_at=NOW - 9 * DAY,
                due_at=NOW - DAY,
            ),
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=modules["m2"],
                opens_at=NOW - 9 * DAY,
                due_at=NOW + 7 * DAY,
            ),
            ModuleSchedule(cohort_id=cohort.id, module_id=modules["m3"], opens_at=NOW + DAY),
        ]
    )
    cohort.module_rules = {"m4": {"prerequisites": ["m2"]}}
    db.session.flush()
    learners = []
    for n, group in enumerate([g1, g1, g2]):  # done; a wrong quiz; nothing
        _user, enrolment = make_learner(
            cohort, ministry, group, email=f"learner{n}@example.org", name_latin=f"Learner {n}"
        )
        learners.append(enrolment)
    db.session.commit()
    _study(learners[0], "m1", quiz=True)
    _study(learners[0], "m2", quiz=True)
    _study(learners[1], "m1", lessons=1, quiz=False)
    db.session.commit()
    people = SimpleNamespace(
        lead=make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org"),
        coordinator=make_with_role(Role.COORDINATOR, ministry.id, email="coord@example.org"),
    )
    db.session.commit()
    return SimpleNamespace(
        cohort=cohort,
        published=published,
        g1=g1,
        ministry=ministry,
        modules=modules,
        learners=learners,
        people=people,
    )


def grow(world, db, count: int) -> None:
    """``count`` more learners of the ministry in the cohort, a third of them at work."""
    for n in range(count):
        _user, enrolment = make_learner(
            world.cohort, world.ministry, world.g1, email=f"more{n}@example.org"
        )
        db.session.flush()
        if n % 3 == 0:
            _study(enrolment, "m1", quiz=n % 2 == 0)
    db.session.commit()


def paths(world) -> dict[str, str]:
    c, m = world.cohort.id, world.ministry.id
    return {
        "grid": f"/teach/cohorts/{c}/grid",
        "grid_group": f"/teach/cohorts/{c}/grid?group={world.g1.id}",
        "at_risk": f"/teach/cohorts/{c}/at-risk",
        "enrolments": f"/teach/cohorts/{c}/enrolments",
        "staff_report": f"/ministry/{m}/reports",
        "staff_report_cohort": f"/ministry/{m}/reports?cohort={c}",
        "cohort_summary": f"/ministry/{m}/reports/cohorts/{c}",
        "staff_csv": f"/ministry/{m}/reports/staff.csv",
    }


def query_counts(app, world, count_queries) -> dict[str, int]:
    lead, coordinator = app.test_client(), app.test_client()
    login(lead, "lead@example.org")
    login(coordinator, "coord@example.org")
    found = {}
    for name, path in paths(world).items():
        client = lead if path.startswith("/teach") else coordinator
        client.get(path).close()  # outlines cached, as in a running process
        with count_queries() as counter:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()  # a streamed CSV runs its queries as it is read
        found[name] = counter.count
    return found


def test_staff_pages_run_the_same_pinned_queries_for_3_and_30_learners(
    app, db, world, count_queries
):
    small = query_counts(app, world, count_queries)
    grow(world, db, 27)
    large = query_counts(app, world, count_queries)
    assert large == small, (small, large)
    assert small == PINNED, small


def test_the_grid_from_the_summaries_equals_a_fresh_computation(db, world):
    """Statuses (open, complete, overdue, prerequisites, a module not open yet) and scores
    read from the stored rows are those the completion rules give from the records."""
    enrolments = _enrolments(world)
    stored = standings.standings_for(enrolments, NOW, dates=True)
    fresh = progress.progress_for(enrolments, NOW)
    for enrolment in enrolments:
        rows = stored[enrolment.id]
        assert all(isinstance(m, standings.ModuleStanding) for m in rows)  # not recomputed
        expected = fresh[enrolment.id].modules
        assert [tracking.cell_status(m) for m in rows] == [
            tracking.cell_status(m) for m in expected
        ]
        assert [m.score for m in rows] == [
            None if s is None else s.quantize(Decimal("0.001"))
            for s in map(standings.module_score, expected)
        ]
        assert [(m.status, m.due_at, m.required) for m in rows] == [
            (m.status, m.due_at, m.required) for m in expected
        ]
    first = stored[world.learners[0].id]
    assert [m.status for m in first] == ["complete", "complete", "locked", "open"]


def test_the_clock_opens_modules_and_makes_them_overdue_without_a_write(db, world):
    """The rows say module 3 is closed; a day later it is open for everyone, and module 2 is
    overdue for those who have not finished it, with no row rewritten."""
    later = NOW + 8 * DAY
    enrolments = _enrolments(world)
    stored = standings.standings_for(enrolments, later)
    fresh = progress.progress_for(enrolments, later)
    for enrolment in enrolments:
        assert [tracking.cell_status(m) for m in stored[enrolment.id]] == [
            tracking.cell_status(m) for m in fresh[enrolment.id].modules
        ]
        assert stored[enrolment.id][2].is_open
    assert [m.overdue for m in stored[world.learners[2].id]] == [True, True, False, False]


def test_report_totals_equal_the_completion_rules(db, world):
    grow(world, db, 6)
    rows = db.session.execute(reports.rows_query(world.people.coordinator, world.ministry.id))
    pairs = {r.id: (r.cohort_id, r.course_version_id) for r in rows}
    totals = report_totals.totals_for(pairs, NOW)
    fresh = read_standings(list(pairs), NOW)
    for enrolment_id, found in totals.items():
        assert found.percent == fresh[enrolment_id].percent
        assert found.score == enrolment_score(fresh[enrolment_id])
    assert any(t.score is not None for t in totals.values())


def test_missing_or_stale_rows_are_computed_from_the_records(db, world, count_queries):
    """Before ``flask progress rebuild`` (no rows), and inside a transaction that changed
    progress (rows refreshed only at commit), the pages show the records' truth."""
    enrolments = _enrolments(world)
    before = {e.id: [tracking.cell_status(m) for m in ms] for e, ms in _cells(enrolments).items()}
    db.session.execute(sa.delete(ModuleProgress))
    after = {e.id: [tracking.cell_status(m) for m in ms] for e, ms in _cells(enrolments).items()}
    assert after == before
    grid = tracking.grid(world.people.lead, world.cohort, now=NOW)  # no rows: the records
    assert {r.learner.id: [c.status for c in r.cells] for r in grid.rows} == before
    _study(world.learners[2], "m1", quiz=True)  # not committed: the rows are behind
    grid = tracking.grid(world.people.lead, world.cohort, now=NOW)
    row = next(r for r in grid.rows if r.learner.id == world.learners[2].id)
    assert row.cells[0].status == "done" and row.cells[0].score == Decimal(100)
    cohort = report_summary.cohort_summary(
        world.people.coordinator, world.ministry.id, world.cohort, NOW
    )
    assert cohort.modules[0].complete == 2


def _cells(enrolments):
    found = standings.standings_for(enrolments, NOW)
    return {e: found[e.id] for e in enrolments}


def test_the_staff_csv_streams_in_chunks(app, db, world, monkeypatch):
    grow(world, db, 4)
    seen = []
    original = reports.ExportChunks.complete

    def recording(chunks, rows, now=None):
        seen.append(len(rows))
        return original(chunks, rows, now)

    monkeypatch.setattr(reports.ExportChunks, "complete", recording)
    monkeypatch.setattr(reports.iter_rows, "__defaults__", (reports.NO_FILTERS, 3))
    client = app.test_client()
    login(client, "coord@example.org")
    response = client.get(f"/ministry/{world.ministry.id}/reports/staff.csv")
    assert response.status_code == 200 and response.is_streamed
    body = response.get_data()
    # Read three rows at a time, each chunk's progress added up before the next is read.
    assert seen == [3, 3, 1] and body.count(b"\n") == 8  # the header and 7 rows


def test_the_export_reads_what_the_staff_table_shows(db, world):
    """The CSV's rows (their stored sums added up in the rows' own query, their instants read
    as UTC text) are the staff table's: completion, score, time, staff id and instants, for
    learners whose rows are valid and for one whose rows are missing (computed from the
    records), across chunks that share what they read."""
    grow(world, db, 7)
    gone = world.learners[0].id
    db.session.execute(sa.delete(ModuleProgress).where(ModuleProgress.enrolment_id == gone))
    db.session.commit()
    viewer = world.people.coordinator
    table = {}
    for number in (1, 2):
        page = reports.staff_page(viewer, world.ministry.id, reports.Filters(), number, 6)
        table.update((r.enrolment_id, r) for r in page.items)
    exported = list(reports.iter_rows(viewer, world.ministry.id, chunk=4))
    assert [r.enrolment_id for r in exported] == list(table)  # in the table's order
    fields = (
        "percent",
        "score",
        "seconds",
        "staff_id",
        "erased",
        "state",
        "enrolled_at",
        "completed_at",
        "last_activity_at",
        "course_title",
        "cohort_name",
    )
    for row in exported:
        shown = table[row.enrolment_id]
        assert [getattr(row, f) for f in fields] == [getattr(shown, f) for f in fields]
        assert row.enrolled_at.utcoffset() == dt.timedelta(0)
    assert next(r for r in exported if r.enrolment_id == gone).percent > 0
    assert any(r.score is not None for r in exported)


@pytest.mark.parametrize("prerequisites", [False, True])
def test_the_cohort_summary_counts_modules_as_the_completion_rules_do(db, world, prerequisites):
    """Counted in SQL where no module waits for another, settled learner by learner where one
    does; either way the counts are the rules' own, now and after module 3 opens."""
    if not prerequisites:
        world.cohort.module_rules = {}
        db.session.commit()
    grow(world, db, 5)
    enrolments = _enrolments(world)
    for when in (NOW, NOW + 2 * DAY):
        fresh = progress.progress_for(enrolments, when)
        expected = [sum(fresh[e.id].modules[i].complete for e in enrolments) for i in range(4)]
        summary = report_summary.cohort_summary(
            world.people.coordinator, world.ministry.id, world.cohort, when
        )
        assert [m.complete for m in summary.modules] == expected
