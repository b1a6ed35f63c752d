"""A ministry's reports: its staff × courses (here, with the choices for its filters), a
cohort's summary and completions over time (report_summary), and the CSV export — all over
the enrolments the ministry sponsored, read through ``security.scoping.sponsored_enrolments``
(a person who moved on stays in the sponsor's report for those enrolments and never appears
in another ministry's).

What is computed where. Counts, time on task, last activity, staff ids and the completions
per hour (rolled into weeks in the viewer's time zone) are aggregated in SQL. Completion
percentage, the score and module completion follow the course's completion rules, which live
in one place (``services.progress.evaluate``: grading methods, prerequisites, schedules, the
cohort's overrides, extensions); the services that change progress store each module's
outcome (``ModuleProgress``), and reports add those up in SQL (report_totals.py: one query per
chunk of ``CHUNK`` enrolments; for the CSV export, in the query that streams its rows:
``export_query``) instead of restating the rules, where the two would drift apart.

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
from diplolearn.names import person_order
from diplolearn.pagination import Page
from diplolearn.security.scoping import sponsored_enrolments
from diplolearn.services.ministries.report_totals import SUMS, settle, stored_sums, totals_for

CHUNK = 1000  # enrolments read (and their progress added up) at a time


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
    course_version_id: int | None
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


def _row_columns(ministry_id: int) -> tuple:
    seconds = (
        sa.select(sa.func.coalesce(sa.func.sum(LessonProgress.time_spent_seconds), 0))
        .where(LessonProgress.enrolment_id == Enrolment.id)
        .correlate(Enrolment)
        .scalar_subquery()
    )
    # The person's staff id in the sponsoring ministry, from their latest membership of it.
    staff_id = (
        sa.select(StaffMembership.staff_id)
        .where(
            StaffMembership.user_id == Enrolment.user_id,
            StaffMembership.ministry_id == ministry_id,
        )
        .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc())
        .limit(1)
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
        Cohort.course_version_id,
        Cohort.key.label("cohort_key"),
        Course.key.label("course_key"),
        seconds.label("seconds"),
        staff_id.label("staff_id"),
    )


def rows_query(viewer: User, ministry_id: int, filters: Filters = NO_FILTERS) -> sa.Select:
    """The table's rows, by person (the name shown in the viewer's language) then course,
    before progress is added."""
    query = (
        sponsored_enrolments(viewer, ministry_id, *_row_columns(ministry_id))
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
    )
    return query.where(*_chosen(filters)).order_by(
        *person_order(), User.id, Course.key, Cohort.key, Enrolment.id
    )


def _chosen(filters: Filters) -> list:
    """The filters' conditions, on the enrolment alone (a course through its cohorts)."""
    conditions = []
    if filters.course_id is not None:
        conditions.append(
            Enrolment.cohort_id.in_(
                sa.select(Cohort.id).where(Cohort.course_id == filters.course_id)
            )
        )
    if filters.cohort_id is not None:
        conditions.append(Enrolment.cohort_id == filters.cohort_id)
    return conditions


def _scope(viewer: User, ministry_id: int, filters: Filters) -> sa.Select:
    """The ids of the enrolments the table shows (those of rows_query)."""
    return sponsored_enrolments(viewer, ministry_id, Enrolment.id).where(*_chosen(filters))


class _Instant(sa.types.UserDefinedType):
    """An instant read for the export as UTC text (``_utc_text``), parsed here in one step:
    the same aware UTC datetime as ``UTCDateTime`` gives, for a third of the time. SQLite
    stores the naive UTC text already; PostgreSQL writes it (``timezone('UTC', ...)`` as
    text), which costs it less than the timestamp with its zone that psycopg would parse."""

    cache_ok = True

    def get_col_spec(self, **_kw) -> str:
        return "TEXT"

    def result_processor(self, dialect, coltype):
        return _parse_utc


def _parse_utc(value):
    """UTC text (``YYYY-MM-DD HH:MM:SS[.ffffff]``) -> an aware UTC datetime."""
    if value is None:
        return None
    try:
        return _FROM_ISO(value + "+00:00")
    except (TypeError, ValueError):  # not naive UTC text: read as UTCDateTime reads it
        parsed = value if isinstance(value, dt.datetime) else _FROM_ISO(value)
        return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed


_FROM_ISO = dt.datetime.fromisoformat
_INSTANT = _Instant()
_WIDTH = len(_row_columns(0))  # the export's rows have the stored sums after these


def _utc_text(column, dialect: str) -> sa.ColumnElement:
    if dialect == "postgresql":  # whatever the server's DateStyle
        column = sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
    return sa.type_coerce(column, _INSTANT)


def export_query(viewer: User, ministry_id: int, filters: Filters = NO_FILTERS) -> sa.Select:
    """``rows_query``'s rows, in its order, each with the sums of its stored progress
    (report_totals.stored_sums: NULLs when it has none) after its columns, added up in the
    same statement rather than in one more query per chunk; the instants read as UTC text
    (``_Instant``), whether the person was erased as it comes (only NULL or not matters)."""
    dialect = db.session.get_bind().dialect.name
    sums = stored_sums(_scope(viewer, ministry_id, filters))
    read_as = {
        "enrolled_at": _utc_text(Enrolment.created_at, dialect),
        "completed_at": _utc_text(Enrolment.completed_at, dialect),
        "last_activity_at": _utc_text(Enrolment.last_activity_at, dialect),
        "erased_at": sa.type_coerce(User.erased_at, sa.types.NullType()),
    }
    columns = [
        read_as[c.key].label(c.key) if c.key in read_as else c for c in _row_columns(ministry_id)
    ]
    return (
        rows_query(viewer, ministry_id, filters)
        .with_only_columns(*columns, *(sums.c[name] for name in SUMS))
        .outerjoin(sums, sums.c.enrolment_id == Enrolment.id)
    )


def _texts(cohort_ids: set[int] | sa.Select) -> dict[int, tuple]:
    """Cohort id -> (course title, cohort name): a chunk of thousands of rows has a few
    cohorts, so the texts are read once per chunk (once per export: ``ExportChunks``), not
    per row."""
    return {
        row.id: (row.title or {}, row.name or {})
        for row in db.session.execute(
            sa.select(Cohort.id, Course.title, Cohort.name)
            .join(Course, Course.id == Cohort.course_id)
            .where(Cohort.id.in_(cohort_ids))
        )
    }


def complete_rows(rows: list, now: dt.datetime | None = None) -> list[ReportRow]:
    """The rows of a page (as ``rows_query`` selects them), with their texts and progress
    (completion, score): a fixed number of queries whatever its size (report_totals)."""
    texts = _texts({r[2] for r in rows}) if rows else {}
    return _report_rows(rows, texts, totals_for({r[0]: (r[2], r[11]) for r in rows}, now))


class ExportChunks:
    """Completes the chunks of one export (``export_query``'s rows, the stored sums after each
    row's columns), keeping what it read for the chunks before: the texts of every cohort of
    the export (read with the first chunk) and the course versions' outlines, so that a chunk
    reads only what is new to it rather than the same few again (on PostgreSQL, a round trip
    each)."""

    def __init__(self, cohorts: sa.Select):
        self.cohorts = cohorts  # the cohort ids of the export's enrolments
        self.texts: dict[int, tuple] | None = None
        self.outlines: dict = {}

    def complete(self, rows: list, now: dt.datetime | None = None) -> list[ReportRow]:
        if self.texts is None:
            self.texts = _texts(self.cohorts)
        new = {r[2] for r in rows} - self.texts.keys()  # a cohort enrolled into since
        if new:
            self.texts.update(_texts(new))
        totals = settle(
            {r[0]: (r[2], r[11]) for r in rows},
            [(r[0], *r[_WIDTH:]) for r in rows if r[_WIDTH] is not None],
            now,
            self.outlines,
        )
        return _report_rows(rows, self.texts, totals)


def _report_rows(rows: list, texts: dict[int, tuple], totals: dict) -> list[ReportRow]:
    completed = EnrolmentState.COMPLETED
    found = []
    # Unpacked by position: a thousand rows' attribute lookups by name would cost more than
    # writing them (see _row_columns for the order; an export's rows have the sums after).
    for (
        enrolment_id,
        user_id,
        cohort_id,
        state,
        enrolled_at,
        completed_at,
        last_activity_at,
        name_latin,
        name_ar,
        email,
        erased_at,
        version_id,
        cohort_key,
        course_key,
        seconds,
        staff_id,
        *_sums,
    ) in rows:
        course_title, cohort_name = texts[cohort_id]
        total = totals[enrolment_id]
        found.append(
            ReportRow(
                enrolment_id,
                user_id,
                name_latin,
                name_ar,
                email,
                erased_at is not None,
                staff_id,
                course_key,
                course_title,
                cohort_id,
                version_id,
                cohort_key,
                cohort_name,
                state,
                enrolled_at,
                completed_at,
                last_activity_at,
                int(seconds or 0),
                100 if state == completed else total.percent,
                total.score,
            )
        )
    return found


def staff_page(
    viewer: User, ministry_id: int, filters: Filters, number: int, per_page: int = 50
) -> Page:
    """One page of the staff × courses table, in a fixed number of queries."""
    query = rows_query(viewer, ministry_id, filters)
    total = (
        db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        or 0
    )
    # The page's ids first, sorted on the names alone: the time and staff id subqueries then
    # run for the page's rows, not for every row sorted past (page 60 of 5,000 rows).
    shown = (
        query.with_only_columns(Enrolment.id)
        .limit(per_page)
        .offset((number - 1) * per_page)
        .scalar_subquery()
    )
    rows = db.session.execute(query.where(Enrolment.id.in_(shown))).all()
    return Page(complete_rows(rows), number, per_page, total)


def iter_rows(
    viewer: User, ministry_id: int, filters: Filters = NO_FILTERS, chunk: int = CHUNK
) -> Iterator[ReportRow]:
    """Every row of the table, streamed: a server-side cursor read ``chunk`` rows at a time,
    each chunk's progress computed and yielded before the next is read.

    The query (and so the viewer's scope) is built now, while the viewer is still attached
    to the request's session; rows are read only as the generator is consumed, which for a
    streamed response happens after the view has returned. Read through the session's
    connection (SQLAlchemy Core): plain rows, without the ORM's handling of each."""
    query = export_query(viewer, ministry_id, filters)
    cohorts = _scope(viewer, ministry_id, filters).with_only_columns(Enrolment.cohort_id)

    def generate() -> Iterator[ReportRow]:
        result = db.session.connection().execute(query, execution_options={"yield_per": chunk})
        chunks = ExportChunks(cohorts)
        try:
            for partition in result.partitions():
                yield from chunks.complete(partition)
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
