"""A ministry's summaries of its sponsored enrolments: a cohort's summary (states and time
on task in SQL; scores added up from the stored module summaries in SQL, and module completion
from those summaries settled at the moment of the request, a chunk of enrolments at a time:
services.cohorts.standings) and completions over time (cumulative completions per week in the
viewer's time zone, counted per hour in SQL). Read through
``security.scoping.sponsored_enrolments``, as every report is (reports.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Cohort, Enrolment, EnrolmentState, LessonProgress, User, utcnow
from diplolearn.security.scoping import sponsored_enrolments
from diplolearn.services.catalogue.outline import ModuleNode, load_outlines
from diplolearn.services.cohorts.standings import (
    cohort_standings,
    completed_modules,
    has_prerequisites,
)
from diplolearn.services.ministries.report_scores import two_places
from diplolearn.services.ministries.report_totals import totals_for
from diplolearn.services.ministries.reports import CHUNK, NO_FILTERS, Filters

MAX_WEEKS = 52  # the chart's width; earlier completions count in its first bar's total


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
    outline = load_outlines([cohort.course_version_id]).get(cohort.course_version_id)
    if outline is None:  # nothing published yet: no scores, no modules
        return summary
    now = now or utcnow()
    scores: list[Decimal] = []
    complete = [0] * len(outline.modules)
    places = {node.module_id: i for i, node in enumerate(outline.modules)}
    # Where no module waits for another, completion is counted in SQL from the rows; else
    # each learner's modules are settled in turn (standings).
    in_sql = not has_prerequisites(cohort, outline)
    result = db.session.execute(sponsored.order_by(Enrolment.id).execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        ids = [r.id for r in partition]
        totals = totals_for(dict.fromkeys(ids, (cohort.id, cohort.course_version_id)), now)
        scores.extend(t.score for t in totals.values() if t.score is not None)
        counted = [e for e in ids if in_sql and totals[e].stored]
        for module_id, count in completed_modules(counted, now).items():
            if module_id in places:
                complete[places[module_id]] += int(count or 0)
        others = [e for e in ids if not (in_sql and totals[e].stored)]
        for modules in cohort_standings(cohort, others, now).values() if others else ():
            for i, module in enumerate(modules or ()):
                complete[i] += module.complete
    summary.scored = len(scores)
    summary.average_score = two_places(sum(scores) / len(scores)) if scores else None
    summary.modules = [
        ModuleCount(node, count) for node, count in zip(outline.modules, complete, strict=True)
    ]
    return summary


# --- completions over time ------------------------------------------------------------------------


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
    filters: Filters = NO_FILTERS,
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
