"""Catch-up dates: someone who joins a cohort already running gets personal due dates.

By default one module a week from the day they join: the n-th dated module of the course
(in course order) is due n weeks after joining, never earlier than the cohort's own due date
for it. The dates are written as the learner's ``DueDateExtension`` (only where they are
later than the cohort's), and a quiz the cohort closes before the learner's module date gets
the learner's own close time, so nothing is closed to them on their first day. The
coordinator sees the same dates (``catch_up_dates``) before nominating.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Cohort, Enrolment, ModuleSchedule, QuizPolicyOverride, User, utcnow
from diplolearn.services import audit
from diplolearn.services.catalogue.outline import load_outlines

WEEK = dt.timedelta(weeks=1)


@dataclass(frozen=True)
class CatchUpDate:
    module_id: int
    module_key: str
    module_number: int
    title: dict
    cohort_due_at: dt.datetime
    due_at: dt.datetime  # the learner's own

    @property
    def moved(self) -> bool:
        return self.due_at > self.cohort_due_at


def cohort_running(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    """Whether a scheduled cohort has started and not ended (the self-paced one never runs)."""
    now = now or utcnow()
    return (
        not cohort.is_default
        and cohort.starts_at is not None
        and cohort.starts_at <= now
        and (cohort.ends_at is None or now < cohort.ends_at)
    )


def catch_up_dates(cohort: Cohort, joined_at: dt.datetime | None = None) -> list[CatchUpDate]:
    """The personal due date of each dated module for someone joining at ``joined_at`` (now
    by default); empty when the cohort is not running (its own dates then hold)."""
    joined_at = joined_at or utcnow()
    if not cohort_running(cohort, joined_at) or cohort.course_version_id is None:
        return []
    outline = load_outlines([cohort.course_version_id]).get(cohort.course_version_id)
    if outline is None:
        return []
    schedules = {
        s.module_id: s
        for s in db.session.scalars(
            sa.select(ModuleSchedule).where(ModuleSchedule.cohort_id == cohort.id)
        )
    }
    dates, n = [], 0
    for node in outline.modules:
        schedule = schedules.get(node.module_id)
        if schedule is None or schedule.due_at is None:
            continue
        n += 1
        dates.append(
            CatchUpDate(
                node.module_id,
                node.key,
                node.number,
                node.title,
                schedule.due_at,
                max(schedule.due_at, joined_at + n * WEEK),
            )
        )
    return dates


def apply_catch_up(
    enrolment: Enrolment, by: User | None, now: dt.datetime | None = None
) -> list[CatchUpDate]:
    """Write the catch-up dates of an enrolment joining a running cohort (none otherwise),
    audited once; returns the dates moved."""
    from diplolearn.services.deadlines.requests import extend_module, extend_quiz

    now = now or utcnow()
    cohort = enrolment.cohort
    moved = [d for d in catch_up_dates(cohort, now) if d.moved]
    if not moved:
        return []
    outline = load_outlines([cohort.course_version_id])[cohort.course_version_id]
    closes = {
        o.quiz_id: o.closes_at
        for o in db.session.scalars(
            sa.select(QuizPolicyOverride).where(
                QuizPolicyOverride.cohort_id == cohort.id, QuizPolicyOverride.closes_at.is_not(None)
            )
        )
    }
    reason = "catch-up: joined a running cohort"
    for date in moved:
        extend_module(enrolment, date.module_id, date.due_at, reason, by)
        node = next(m for m in outline.modules if m.module_id == date.module_id)
        for quiz in node.quizzes:
            if quiz.quiz_id in closes and closes[quiz.quiz_id] < date.due_at:
                extend_quiz(enrolment, quiz.quiz_id, date.due_at, 0, by)
    audit.record(
        by,
        "due_date.catch_up",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
        modules={d.module_key: d.due_at.isoformat() for d in moved},
    )
    return moved
