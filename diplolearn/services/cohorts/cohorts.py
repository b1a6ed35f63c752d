"""Running a cohort, and the cohort's whole API in one place.

A cohort is created by an instructor of its course, who becomes its lead instructor; with a
start date, each module the course plans for a week (``ModuleRevision.week``) is scheduled at
once (``create_cohort``). Its name, dates, time zone, capacity and at-risk threshold change
with ``update_cohort``, which refuses a capacity below the places taken or the seats allotted,
and dates that would leave scheduled modules outside them.

The rest of a cohort's API lives by idea and is re-exported here, so that callers (the teach
views, the tests) reach a cohort's whole API through this module: its times (times.py), module
schedule and assignment due dates (schedule.py), completion rules (rules.py), places, seats
and the waiting list (places.py), enrolments (enrolments.py), and tutor groups
(tutor_groups.py).

Functions flush and never commit; each validates everything before writing anything.
"""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.i18n import valid_timezone
from diplolearn.models import Cohort, Course, Role, User
from diplolearn.services import audit
from diplolearn.services.accounts import accounts
from diplolearn.services.cohorts import CohortRefused, organisations
from diplolearn.services.cohorts.enrolments import (
    enrol_by_instructor,
    nominate,
    nominations_open,
    substitute,
    substitution_open,
    withdraw,
)
from diplolearn.services.cohorts.places import (
    Places,
    allotments,
    fill_from_waiting_list,
    lock_cohort,
    places_taken,
    set_seats,
    waiting_list,
    waiting_position,
)
from diplolearn.services.cohorts.rules import set_module_rules
from diplolearn.services.cohorts.schedule import (
    cohort_assignments,
    cohort_modules,
    module_schedules,
    schedule_by_weeks,
    set_assignment_deadlines,
    set_schedule,
)
from diplolearn.services.cohorts.times import iso, to_local, to_utc, within
from diplolearn.services.cohorts.tutor_groups import (
    assign_tutor,
    create_group,
    group_history,
    group_tutors,
    move_to_group,
)

__all__ = [
    "allotments",
    "assign_tutor",
    "cohort_assignments",
    "cohort_modules",
    "create_cohort",
    "create_group",
    "enrol_by_instructor",
    "group_history",
    "group_tutors",
    "module_schedules",
    "move_to_group",
    "nominate",
    "nominations_open",
    "places_taken",
    "set_assignment_deadlines",
    "set_module_rules",
    "set_schedule",
    "set_seats",
    "substitute",
    "substitution_open",
    "to_local",
    "to_utc",
    "update_cohort",
    "waiting_list",
    "waiting_position",
    "withdraw",
]


def _check_dates(starts_at, ends_at) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise CohortRefused(_("The cohort must end after it starts."))


def _check_name(name: dict[str, str]) -> dict[str, str]:
    name = {lang: text.strip() for lang, text in name.items() if text and text.strip()}
    if not name:
        raise CohortRefused(_("Give the cohort a name in at least one language."))
    return name


def create_cohort(
    course: Course,
    *,
    name: dict[str, str],
    timezone: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    capacity: int | None,
    at_risk_inactive_days: int = 7,
    by: User,
) -> Cohort:
    """A new cohort of ``course``; its creator becomes its lead instructor. When it has a start
    date, each module the course plans for a week (``ModuleRevision.week``) is scheduled to
    open that week and be due a week later (within the cohort's dates)."""
    name = _check_name(name)
    _check_dates(starts_at, ends_at)
    if capacity is not None and capacity < 1:
        raise CohortRefused(_("The capacity must be at least one place."))
    taken = set(db.session.scalars(sa.select(Cohort.key).where(Cohort.course_id == course.id)))
    key = next(
        k for k in (f"cohort-{n}" for n in itertools.count(len(taken) + 1)) if k not in taken
    )
    cohort = organisations.create_cohort(
        course,
        key,
        name,
        timezone=valid_timezone(timezone),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        by=by,
    )
    cohort.at_risk_inactive_days = at_risk_inactive_days
    if not by.is_administrator:
        accounts.grant_role(by, Role.LEAD_INSTRUCTOR, cohort.id, granted_by=by)
    if starts_at is not None:
        schedule_by_weeks(cohort)
    db.session.flush()
    return cohort


def update_cohort(
    cohort: Cohort,
    *,
    name: dict[str, str],
    timezone: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    capacity: int | None,
    at_risk_inactive_days: int,
    by: User,
) -> Cohort:
    name = _check_name(name)
    _check_dates(starts_at, ends_at)
    cohort = lock_cohort(cohort.id)
    places = Places(cohort)
    if capacity is not None:
        if capacity < places.total:
            raise CohortRefused(
                _(
                    "The capacity cannot be less than the %(count)d places already taken.",
                    count=places.total,
                )
            )
        reserved = sum(places.seats.values()) + places.open_taken
        if capacity < reserved:
            raise CohortRefused(
                _(
                    "The ministries' seats and the places held outside them add "
                    "up to %(seats)d: the capacity cannot be less.",
                    seats=reserved,
                )
            )
    if at_risk_inactive_days < 1:
        raise CohortRefused(_("The number of days without activity must be at least one."))
    for schedule in module_schedules(cohort.id):
        if not within(schedule.opens_at, starts_at, ends_at) or not within(
            schedule.due_at, starts_at, ends_at
        ):
            raise CohortRefused(
                _(
                    "Some module dates would fall outside the cohort's new "
                    "dates. Change the schedule first."
                )
            )
    before = {
        "capacity": cohort.capacity,
        "starts_at": iso(cohort.starts_at),
        "ends_at": iso(cohort.ends_at),
        "timezone": cohort.timezone,
    }
    cohort.name, cohort.timezone = name, valid_timezone(timezone)
    cohort.starts_at, cohort.ends_at, cohort.capacity = starts_at, ends_at, capacity
    cohort.at_risk_inactive_days = at_risk_inactive_days
    db.session.flush()
    audit.record(
        by,
        "cohort.update",
        target=cohort,
        before=before,
        after={
            "capacity": capacity,
            "starts_at": iso(starts_at),
            "ends_at": iso(ends_at),
            "timezone": cohort.timezone,
        },
    )
    fill_from_waiting_list(cohort, by=by)
    return cohort
