"""A cohort's schedule: each module's release and due times (``ModuleSchedule``), set from the
course's planned weeks when the cohort is created (``schedule_by_weeks``) or by hand
(``set_schedule``), and the cohort's own due dates for written assignments
(``AssignmentDeadline``). Every entry is checked before anything is written; functions flush
and never commit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.i18n import pick_text
from diplolearn.models import (
    AssignmentDeadline,
    AssignmentRevision,
    Cohort,
    Module,
    ModuleRevision,
    ModuleSchedule,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.cohorts import CohortRefused
from diplolearn.services.cohorts.times import iso, to_local, to_utc, within


def module_schedules(cohort_id: int) -> list[ModuleSchedule]:
    return list(
        db.session.scalars(sa.select(ModuleSchedule).where(ModuleSchedule.cohort_id == cohort_id))
    )


def cohort_modules(cohort: Cohort) -> list[tuple[Module, ModuleRevision]]:
    """The modules of the version the cohort follows, in course order."""
    if cohort.course_version_id is None:
        return []
    return list(
        db.session.execute(
            sa.select(Module, ModuleRevision)
            .join(ModuleRevision, ModuleRevision.module_id == Module.id)
            .where(ModuleRevision.course_version_id == cohort.course_version_id)
            .order_by(ModuleRevision.position)
        )
    )


def set_schedule(
    cohort: Cohort, times: dict[int, tuple[dt.datetime | None, dt.datetime | None]], *, by: User
) -> None:
    """Set each module's release and due times, given as wall-clock times in the cohort's
    zone (``{module_id: (opens, due)}``; no release time: the module opens without waiting).
    Every entry is checked before anything is written."""
    modules = {module.id: revision for module, revision in cohort_modules(cohort)}
    wanted: dict[int, tuple] = {}
    for module_id, (opens_local, due_local) in times.items():
        if module_id not in modules:
            raise CohortRefused(_("This module is not part of the cohort's course."))
        title = pick_text(modules[module_id].title, ["en", "ar", "fr"])[0]
        opens, due = to_utc(opens_local, cohort.timezone), to_utc(due_local, cohort.timezone)
        if due is not None and opens is None:
            raise CohortRefused(
                _("%(module)s: give a release time with the due time.", module=title)
            )
        if opens is not None and due is not None and due <= opens:
            raise CohortRefused(
                _("%(module)s: the due time must come after the release time.", module=title)
            )
        if not (
            within(opens, cohort.starts_at, cohort.ends_at)
            and within(due, cohort.starts_at, cohort.ends_at)
        ):
            raise CohortRefused(
                _("%(module)s: its dates must fall within the cohort's dates.", module=title)
            )
        wanted[module_id] = (opens, due)
    existing = {s.module_id: s for s in module_schedules(cohort.id)}
    now = utcnow()
    changed = {}
    for module_id, (opens, due) in wanted.items():
        schedule = existing.get(module_id)
        if opens is None:
            if schedule is not None:
                db.session.delete(schedule)
                changed[str(module_id)] = None
            continue
        if schedule is None:
            schedule = ModuleSchedule(cohort_id=cohort.id, module_id=module_id, opens_at=opens)
            db.session.add(schedule)
        elif schedule.opens_at == opens and schedule.due_at == due:
            continue
        if schedule.opens_at != opens and opens > now:
            schedule.released_at = None  # postponed: released (and announced) again when due
        schedule.opens_at, schedule.due_at = opens, due
        changed[str(module_id)] = [iso(opens), iso(due)]
    db.session.flush()
    if changed:
        audit.record(by, "cohort.schedule", target=cohort, modules=changed)


def cohort_assignments(
    cohort: Cohort,
) -> list[tuple[AssignmentRevision, ModuleRevision, AssignmentDeadline | None]]:
    """The written assignments of the version the cohort follows, in course order, each with
    its module and the cohort's own due date for it (``AssignmentDeadline``), in one query."""
    if cohort.course_version_id is None:
        return []
    return list(
        db.session.execute(
            sa.select(AssignmentRevision, ModuleRevision, AssignmentDeadline)
            .join(ModuleRevision, ModuleRevision.id == AssignmentRevision.module_revision_id)
            .outerjoin(
                AssignmentDeadline,
                sa.and_(
                    AssignmentDeadline.assignment_id == AssignmentRevision.assignment_id,
                    AssignmentDeadline.cohort_id == cohort.id,
                ),
            )
            .where(AssignmentRevision.course_version_id == cohort.course_version_id)
            .order_by(ModuleRevision.position)
        )
    )


def set_assignment_deadlines(
    cohort: Cohort, times: dict[int, dt.datetime | None], *, by: User
) -> None:
    """Set the cohort's due date of each written assignment, given as wall-clock times in the
    cohort's zone (``{assignment_id: due}``; None: no date of the cohort's own, so the
    assignment's other rules apply — models/assignments.py). A date must fall within the
    cohort's dates and after the module's release time. Every entry is checked before anything
    is written; what changed is audited in one event."""
    assignments = {
        revision.assignment_id: (revision, module, deadline)
        for revision, module, deadline in cohort_assignments(cohort)
    }
    opening = {s.module_id: s.opens_at for s in module_schedules(cohort.id)}
    wanted: dict[int, dt.datetime | None] = {}
    for assignment_id, due_local in times.items():
        if assignment_id not in assignments:
            raise CohortRefused(_("This written assignment is not part of the cohort's course."))
        revision, module, _deadline = assignments[assignment_id]
        title = pick_text(revision.title, ["en", "ar", "fr"])[0]
        due = to_utc(due_local, cohort.timezone)
        if not within(due, cohort.starts_at, cohort.ends_at):
            raise CohortRefused(
                _(
                    "%(assignment)s: its due date must fall within the cohort's dates.",
                    assignment=title,
                )
            )
        opens = opening.get(module.module_id)
        if due is not None and opens is not None and due <= opens:
            raise CohortRefused(
                _(
                    "%(assignment)s: the due date must come after the module's release time.",
                    assignment=title,
                )
            )
        wanted[assignment_id] = due
    changed = {}
    for assignment_id, due in wanted.items():
        deadline = assignments[assignment_id][2]
        if (deadline is None and due is None) or (deadline is not None and deadline.due_at == due):
            continue
        if due is None:
            db.session.delete(deadline)
        elif deadline is None:
            db.session.add(
                AssignmentDeadline(cohort_id=cohort.id, assignment_id=assignment_id, due_at=due)
            )
        else:
            deadline.due_at = due
        changed[str(assignment_id)] = iso(due)
    db.session.flush()
    if changed:
        audit.record(by, "cohort.assignment_deadlines", target=cohort, assignments=changed)


def schedule_by_weeks(cohort: Cohort) -> None:
    local_start = to_local(cohort.starts_at, cohort.timezone)
    for module_id, week in db.session.execute(
        sa.select(ModuleRevision.module_id, ModuleRevision.week).where(
            ModuleRevision.course_version_id == cohort.course_version_id,
            ModuleRevision.week.is_not(None),
        )
    ):
        opens = _shift(local_start, weeks=max(week, 1) - 1, zone=cohort.timezone)
        due = _shift(local_start, weeks=max(week, 1), zone=cohort.timezone)
        if cohort.ends_at is not None:
            if opens >= cohort.ends_at:
                continue
            due = min(due, cohort.ends_at)
        db.session.add(
            ModuleSchedule(cohort_id=cohort.id, module_id=module_id, opens_at=opens, due_at=due)
        )


def _shift(local: dt.datetime, *, weeks: int, zone: str) -> dt.datetime:
    """The same wall-clock time ``weeks`` later (a daylight-saving change does not move it)."""
    moved = (local + dt.timedelta(weeks=weeks)).replace(tzinfo=ZoneInfo(zone))
    return moved.astimezone(dt.UTC)
