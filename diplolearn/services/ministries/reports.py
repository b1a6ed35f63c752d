"""A ministry's reports: its staff × courses, a cohort's summary, completions over time, and
the CSV export — all over the enrolments the ministry sponsored, read through
``security.scoping.sponsored_enrolments`` (a person who moved on stays in the sponsor's
report for those enrolments and never appears in another ministry's).

What is computed where. Counts, time on task, last activity and the completions per hour
(rolled into weeks in the viewer's time zone) are aggregated in SQL. Completion percentage,
the score and module completion follow the course's completion rules, which live in one place
(``services.progress.evaluate``: grading methods, prerequisites, schedules, the cohort's
overrides, extensions); reports read them through ``progress_for`` — a fixed number of
queries per chunk of ``CHUNK`` enrolments — instead of restating the rules in SQL, where the
two would drift apart.

Coordinators see completion and scores, never answers, essays or discussions: nothing here
reads them. The CSV export's writing is in report_csv.py.

The score of an enrolment is the mean of the percentages it has been graded: one per quiz with
a counted grade (the percentage its grading method counts, ``QuizState.percent``) and one per
written assignment with a returned submission (the points of the latest one returned, over the
rubric's points; a resubmission graded later replaces it). Each graded item weighs the same,
whatever its points. Submissions are read as their grade columns only (progress_for), never
their text, file or the grader's comments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    Enrolment,
    EnrolmentState,
    LessonProgress,
    StaffMembership,
    SubmissionState,
    User,
)
from diplolearn.pagination import Page
from diplolearn.security.scoping import sponsored_enrolments
from diplolearn.services.catalogue.outline import ModuleNode
from diplolearn.services.progress import progress_for

CHUNK = 500  # enrolments read (and their progress computed) at a time
MAX_WEEKS = 52  # the chart's width; earlier completions count in its first bar's total


@dataclass(frozen=True)
class Filters:
    course_id: int | None = None
    cohort_id: int | None = None


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


# --- the staff × courses table ----------------------------------------------------------------


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


def rows_query(viewer: User, ministry_id: int, filters: Filters = Filters()) -> sa.Select:
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


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def assignment_percent(state) -> Decimal | None:
    """The percentage of the latest returned submission to a written assignment; None when
    none has been returned yet."""
    returned = [
        s for s in state.submissions if s.state == SubmissionState.RETURNED and s.score is not None
    ]
    if not returned:
        return None
    latest = returned[-1]
    if not latest.max_score:
        return Decimal(100)
    return Decimal(latest.score) * 100 / Decimal(latest.max_score)


def enrolment_score(standing) -> Decimal | None:
    """The mean of the counted quiz percentages and returned assignment percentages (see the
    module docstring); None before anything is graded."""
    if standing is None:
        return None
    percents = [q.percent for m in standing.modules for q in m.quizzes if q.percent is not None]
    percents += [
        p
        for m in standing.modules
        for a in m.assignments
        if (p := assignment_percent(a)) is not None
    ]
    return _two_places(sum(percents) / len(percents)) if percents else None


def _standings(enrolment_ids: list[int], now: dt.datetime | None = None) -> dict:
    """Progress of these enrolments: one query for the enrolments and one for their cohorts
    (set on them without a lazy load each), plus progress_for's fixed few."""
    if not enrolment_ids:
        return {}
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.id.in_(enrolment_ids))
    ).all()
    cohort_ids = {e.cohort_id for e in enrolments}
    cohorts = {
        c.id: c for c in db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohort_ids)))
    }
    for enrolment in enrolments:
        set_committed_value(enrolment, "cohort", cohorts[enrolment.cohort_id])
    return progress_for(list(enrolments), now)


def _complete(
    rows: list[ReportRow], ministry_id: int, now: dt.datetime | None = None
) -> list[ReportRow]:
    """Add progress (completion, score) and staff ids to a chunk of rows: a fixed number of
    queries whatever its size."""
    standings = _standings([r.enrolment_id for r in rows], now)
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
    return Page(_complete(rows, ministry_id), number, per_page, total)


def iter_rows(
    viewer: User, ministry_id: int, filters: Filters = Filters(), chunk: int = CHUNK
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
                yield from _complete([_to_row(r) for r in partition], ministry_id)
        finally:
            result.close()

    return generate()


# --- choices for the filters ------------------------------------------------------------------


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


# --- a cohort's summary ----------------------------------------------------------------------


@dataclass
class ModuleCount:
    node: ModuleNode
    complete: int


@dataclass
class CohortSummary:
    states: dict[str, int]
    enrolled: int
    completed: int
    seconds: int
    scored: int = 0
    average_score: Decimal | None = None
    modules: list[ModuleCount] = field(default_factory=list)

    @property
    def active(self) -> int:
        return self.states.get(EnrolmentState.ACTIVE, 0)

    @property
    def withdrawn(self) -> int:
        return self.states.get(EnrolmentState.WITHDRAWN, 0)

    @property
    def completion_rate(self) -> Decimal | None:
        """Completed ÷ enrolled (every state counts as enrolled, withdrawn too)."""
        return Decimal(self.completed) / self.enrolled if self.enrolled else None

    @property
    def average_minutes(self) -> int | None:
        return round(self.seconds / 60 / self.enrolled) if self.enrolled else None


def cohort_summary(
    viewer: User, ministry_id: int, cohort: Cohort, now: dt.datetime | None = None
) -> CohortSummary:
    """The ministry's enrolments in the cohort: states and time in SQL; scores and module
    completion by the completion rules, a chunk of enrolments at a time."""
    sponsored = sponsored_enrolments(viewer, ministry_id, Enrolment.id).where(
        Enrolment.cohort_id == cohort.id
    )
    states = dict(
        db.session.execute(
            sponsored_enrolments(viewer, ministry_id, Enrolment.state, sa.func.count())
            .where(Enrolment.cohort_id == cohort.id)
            .group_by(Enrolment.state)
        ).all()
    )
    seconds = (
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LessonProgress.time_spent_seconds), 0)).where(
                LessonProgress.enrolment_id.in_(sponsored)
            )
        )
        or 0
    )
    summary = CohortSummary(
        states=states,
        enrolled=sum(states.values()),
        completed=states.get(EnrolmentState.COMPLETED, 0),
        seconds=int(seconds),
    )
    scores: list[Decimal] = []
    complete: dict[str, int] = {}
    nodes: dict[str, ModuleNode] = {}
    result = db.session.execute(sponsored.order_by(Enrolment.id).execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        standings = _standings([r.id for r in partition], now)
        for standing in standings.values():
            if standing is None:
                continue
            score = enrolment_score(standing)
            if score is not None:
                scores.append(score)
            for module in standing.modules:
                nodes.setdefault(module.node.key, module.node)
                complete[module.node.key] = complete.get(module.node.key, 0) + module.complete
    summary.scored = len(scores)
    summary.average_score = _two_places(sum(scores) / len(scores)) if scores else None
    summary.modules = [ModuleCount(node, complete[key]) for key, node in nodes.items()]
    return summary


# --- completions over time --------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPoint:
    starts_on: dt.date  # the Monday the week starts, in the viewer's time zone
    new: int
    total: int  # completions up to the end of this week


@dataclass
class CompletionSeries:
    weeks: list[WeekPoint]
    enrolled: int

    @property
    def completed(self) -> int:
        return self.weeks[-1].total if self.weeks else 0


def _utc_hour(column) -> sa.ColumnElement:
    """The instant's UTC hour as text, 'YYYY-MM-DD HH', on SQLite and PostgreSQL alike."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return sa.func.strftime("%Y-%m-%d %H", column)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _narrowed(filters: Filters) -> tuple:
    narrow = []
    if filters.cohort_id is not None:
        narrow.append(Enrolment.cohort_id == filters.cohort_id)
    if filters.course_id is not None:
        narrow.append(
            Enrolment.cohort_id.in_(
                sa.select(Cohort.id).where(Cohort.course_id == filters.course_id)
            )
        )
    return tuple(narrow)


def completions_by_week(
    viewer: User,
    ministry_id: int,
    zone: ZoneInfo,
    filters: Filters = Filters(),
    now: dt.datetime | None = None,
) -> CompletionSeries:
    """Cumulative completions per week (in ``zone``) from the week the first learner started
    (or was enrolled) to this week: two queries, the completions counted per hour in SQL."""
    now = now or dt.datetime.now(dt.UTC)
    scope = sponsored_enrolments
    narrow = _narrowed(filters)
    enrolled, first = db.session.execute(
        scope(
            viewer,
            ministry_id,
            sa.func.count(Enrolment.id),
            sa.func.min(sa.func.coalesce(Enrolment.activated_at, Enrolment.created_at)),
        ).where(*narrow)
    ).one()
    if not enrolled:
        return CompletionSeries([], 0)
    hour = _utc_hour(Enrolment.completed_at)
    per_week: dict[dt.date, int] = {}
    for bucket, count in db.session.execute(
        scope(viewer, ministry_id, hour, sa.func.count())
        .where(Enrolment.completed_at.is_not(None), *narrow)
        .group_by(hour)
    ):
        instant = dt.datetime.strptime(bucket, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
        week = _monday(instant.astimezone(zone).date())
        per_week[week] = per_week.get(week, 0) + count
    if isinstance(first, str):  # an aggregate SQLite hands back unparsed
        first = dt.datetime.fromisoformat(first)
    if first.tzinfo is None:
        first = first.replace(tzinfo=dt.UTC)
    start = _monday(first.astimezone(zone).date())
    end = _monday(now.astimezone(zone).date())
    if per_week:
        start, end = min(start, min(per_week)), max(end, max(per_week))
    start = max(start, end - dt.timedelta(weeks=MAX_WEEKS - 1))
    total = sum(n for week, n in per_week.items() if week < start)
    weeks = []
    day = start
    while day <= end:
        new = per_week.get(day, 0)
        total += new
        weeks.append(WeekPoint(day, new, total))
        day += dt.timedelta(weeks=1)
    return CompletionSeries(weeks, enrolled)
