"""A ministry's reports: its staff × courses (here, with the choices for its filters), a
cohort's summary and completions over time (report_summary), and the CSV export — all over
the enrolments the ministry sponsored, read through ``security.scoping.sponsored_enrolments``
(a person who moved on stays in the sponsor's report for those enrolments and never appears
in another ministry's).

What is computed where. Counts, time on task, last activity and the completions per hour
(rolled into weeks in the viewer's time zone) are aggregated in SQL. Completion percentage,
the score and module completion follow the course's completion rules, which live in one place
(``services.progress.evaluate``: grading methods, prerequisites, schedules, the cohort's
overrides, extensions); reports read them through ``progress_for`` — a fixed number of
queries per chunk of ``CHUNK`` enrolments — instead of restating the rules in SQL, where the
two would drift apart.

Coordinators see completion and scores, never answers, essays or discussions: nothing here
reads them. The CSV export's writing is in report_csv.py, its chart's geometry in
report_chart.py, and an enrolment's score in report_scores.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    Enrolment,
    EnrolmentState,
    LessonProgress,
    StaffMembership,
    User,
)
from diplolearn.pagination import Page
from diplolearn.security.scoping import sponsored_enrolments
from diplolearn.services.ministries.report_scores import enrolment_score, read_standings

CHUNK = 500  # enrolments read (and their progress computed) at a time


@dataclass(frozen=True)
class Filters:
    course_id: int | None = None
    cohort_id: int | None = None


NO_FILTERS = Filters()


@dataclass(slots=True)
class ReportRow:
    enrolment_id: int
    user_id: int
    name_latin: str
    name_ar: str
    email: str
    erased: bool
    staff_id: str | None
    course_key: str
    course_title: dict
    cohort_id: int
    cohort_key: str
    cohort_name: dict
    state: str
    enrolled_at: dt.datetime
    completed_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    seconds: int
    percent: int = 0
    score: Decimal | None = None

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


# --- the staff × courses table --------------------------------------------------------------------


def _row_columns() -> tuple:
    seconds = (
        sa.select(sa.func.coalesce(sa.func.sum(LessonProgress.time_spent_seconds), 0))
        .where(LessonProgress.enrolment_id == Enrolment.id)
        .correlate(Enrolment)
        .scalar_subquery()
    )
    return (
        Enrolment.id,
        Enrolment.user_id,
        Enrolment.cohort_id,
        Enrolment.state,
        Enrolment.created_at.label("enrolled_at"),
        Enrolment.completed_at,
        Enrolment.last_activity_at,
        User.name_latin,
        User.name_ar,
        User.email,
        User.erased_at,
        Cohort.key.label("cohort_key"),
        Cohort.name.label("cohort_name"),
        Course.key.label("course_key"),
        Course.title.label("course_title"),
        seconds.label("seconds"),
    )


def rows_query(viewer: User, ministry_id: int, filters: Filters = NO_FILTERS) -> sa.Select:
    """The table's rows, by person then course, before progress and staff ids are added."""
    query = (
        sponsored_enrolments(viewer, ministry_id, *_row_columns())
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
    )
    if filters.course_id is not None:
        query = query.where(Cohort.course_id == filters.course_id)
    if filters.cohort_id is not None:
        query = query.where(Enrolment.cohort_id == filters.cohort_id)
    return query.order_by(User.sort_key, User.id, Course.key, Cohort.key, Enrolment.id)


def _staff_ids(ministry_id: int, user_ids: set[int]) -> dict[int, str | None]:
    """Each person's staff id in the sponsoring ministry, from their latest membership of it
    (one query for a whole chunk of rows)."""
    if not user_ids:
        return {}
    found: dict[int, str | None] = {}
    for row in db.session.execute(
        sa.select(StaffMembership.user_id, StaffMembership.staff_id)
        .where(StaffMembership.user_id.in_(user_ids), StaffMembership.ministry_id == ministry_id)
        .order_by(StaffMembership.started_at, StaffMembership.id)
    ):
        found[row.user_id] = row.staff_id  # the latest wins
    return found


def _to_row(r) -> ReportRow:
    return ReportRow(
        enrolment_id=r.id,
        user_id=r.user_id,
        name_latin=r.name_latin,
        name_ar=r.name_ar,
        email=r.email,
        erased=r.erased_at is not None,
        staff_id=None,
        course_key=r.course_key,
        course_title=r.course_title or {},
        cohort_id=r.cohort_id,
        cohort_key=r.cohort_key,
        cohort_name=r.cohort_name or {},
        state=r.state,
        enrolled_at=r.enrolled_at,
        completed_at=r.completed_at,
        last_activity_at=r.last_activity_at,
        seconds=int(r.seconds or 0),
    )


def complete_rows(
    rows: list[ReportRow], ministry_id: int, now: dt.datetime | None = None
) -> list[ReportRow]:
    """Add progress (completion, score) and staff ids to a chunk of rows: a fixed number of
    queries whatever its size."""
    standings = read_standings([r.enrolment_id for r in rows], now)
    staff_ids = _staff_ids(ministry_id, {r.user_id for r in rows})
    for row in rows:
        row.staff_id = staff_ids.get(row.user_id)
        standing = standings.get(row.enrolment_id)
        row.percent = (
            100
            if row.state == EnrolmentState.COMPLETED
            else (standing.percent if standing is not None else 0)
        )
        row.score = enrolment_score(standing)
    return rows


def staff_page(
    viewer: User, ministry_id: int, filters: Filters, number: int, per_page: int = 50
) -> Page:
    """One page of the staff × courses table, in a fixed number of queries."""
    query = rows_query(viewer, ministry_id, filters)
    total = (
        db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        or 0
    )
    rows = [
        _to_row(r)
        for r in db.session.execute(query.limit(per_page).offset((number - 1) * per_page))
    ]
    return Page(complete_rows(rows, ministry_id), number, per_page, total)


def iter_rows(
    viewer: User, ministry_id: int, filters: Filters = NO_FILTERS, chunk: int = CHUNK
) -> Iterator[ReportRow]:
    """Every row of the table, streamed: a server-side cursor read ``chunk`` rows at a time,
    each chunk's progress computed and yielded before the next is read.

    The query (and so the viewer's scope) is built now, while the viewer is still attached
    to the request's session; rows are read only as the generator is consumed, which for a
    streamed response happens after the view has returned."""
    query = rows_query(viewer, ministry_id, filters).execution_options(yield_per=chunk)

    def generate() -> Iterator[ReportRow]:
        result = db.session.execute(query)
        try:
            for partition in result.partitions():
                yield from complete_rows([_to_row(r) for r in partition], ministry_id)
        finally:
            result.close()

    return generate()


# --- choices for the filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class CohortChoice:
    id: int
    key: str
    name: dict
    course_id: int
    course_key: str
    course_title: dict
    enrolments: int


def sponsored_cohorts(viewer: User, ministry_id: int) -> list[CohortChoice]:
    """The cohorts the ministry sponsored enrolments in, with how many, by course."""
    counts = (
        sponsored_enrolments(
            viewer, ministry_id, Enrolment.cohort_id, sa.func.count(Enrolment.id).label("n")
        )
        .group_by(Enrolment.cohort_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Cohort.id,
            Cohort.key,
            Cohort.name,
            Course.id.label("course_id"),
            Course.key.label("course_key"),
            Course.title,
            counts.c.n,
        )
        .join(counts, counts.c.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .order_by(Course.key, Cohort.key)
    )
    return [
        CohortChoice(r.id, r.key, r.name or {}, r.course_id, r.course_key, r.title or {}, r.n)
        for r in rows
    ]
