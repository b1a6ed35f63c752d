"""Running a cohort: its dates, module schedule, completion rules and tutor groups.

Times: a cohort's dates and module release and due times are entered as wall-clock times in
the cohort's reference time zone and stored in UTC; a time that does not exist there (skipped
by a daylight-saving change) is refused rather than guessed.

A cohort is created by an instructor of its course, who becomes its lead instructor; with a
start date, each module the course plans for a week (``ModuleRevision.week``) is scheduled at
once. Completion-rule overrides (``Cohort.module_rules``) change, for this cohort only,
whether a module is required and which modules must be complete before it opens; the
progress service applies them.

Tutor groups have one tutor each (a ``tutor`` role grant on the group). Places, the waiting
list, enrolments and moves between groups are in services/cohorts/places.py; this module re-exports
them so that a cohort's whole API is here.

Functions flush and never commit; each validates everything before writing anything.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.i18n import pick_text, valid_timezone
from diplolearn.models import (
    AssignmentDeadline,
    AssignmentRevision,
    Cohort,
    Course,
    Module,
    ModuleRevision,
    ModuleSchedule,
    Role,
    RoleGrant,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.accounts import accounts
from diplolearn.services.cohorts import CohortRefused, NoSuchAccount, organisations
from diplolearn.services.cohorts.places import (  # noqa: F401 - the cohort's API in one place
    _Places,
    allotments,
    current_ministry_id,
    enrol_by_instructor,
    fill_from_waiting_list,
    group_history,
    lock_cohort,
    move_to_group,
    nominate,
    nominations_open,
    places_taken,
    set_seats,
    substitute,
    substitution_open,
    waiting_list,
    waiting_position,
    withdraw,
)

DEFAULT_GROUP_SIZE = 25


# --- time --------------------------------------------------------------------------------------


def to_utc(local: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A wall-clock time in ``zone`` as a UTC instant; a time the clocks skip is refused."""
    if local is None:
        return None
    tz = ZoneInfo(valid_timezone(zone))
    naive = local.replace(tzinfo=None)
    instant = naive.replace(tzinfo=tz).astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise CohortRefused(
            _(
                "%(time)s does not exist in the time zone %(zone)s: the clocks "
                "skip it. Choose another time.",
                time=naive.strftime("%Y-%m-%d %H:%M"),
                zone=zone,
            )
        )
    return instant


def to_local(instant: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A UTC instant as a naive wall-clock time in ``zone`` (to fill a form)."""
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(valid_timezone(zone))).replace(tzinfo=None)


# --- cohorts -----------------------------------------------------------------------------------


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
        _schedule_by_weeks(cohort)
    db.session.flush()
    return cohort


def _schedule_by_weeks(cohort: Cohort) -> None:
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
    places = _Places(cohort)
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
        if not _inside(schedule.opens_at, starts_at, ends_at) or not _inside(
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
        "starts_at": _iso(cohort.starts_at),
        "ends_at": _iso(cohort.ends_at),
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
            "starts_at": _iso(starts_at),
            "ends_at": _iso(ends_at),
            "timezone": cohort.timezone,
        },
    )
    fill_from_waiting_list(cohort, by=by)
    return cohort


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _inside(instant, starts_at, ends_at) -> bool:
    return instant is None or (
        (starts_at is None or instant >= starts_at) and (ends_at is None or instant <= ends_at)
    )


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
            _inside(opens, cohort.starts_at, cohort.ends_at)
            and _inside(due, cohort.starts_at, cohort.ends_at)
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
        changed[str(module_id)] = [_iso(opens), _iso(due)]
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
        if not _inside(due, cohort.starts_at, cohort.ends_at):
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
        changed[str(assignment_id)] = _iso(due)
    db.session.flush()
    if changed:
        audit.record(by, "cohort.assignment_deadlines", target=cohort, assignments=changed)


MAX_ANNOTATIONS_RULE = 50


def set_module_rules(cohort: Cohort, rules: dict[str, dict], *, by: User) -> None:
    """Override modules' completion rules for this cohort: ``{key: {"required": bool,
    "prerequisites": [keys], "annotations": n}}``; a rule equal to the course's is not kept as
    an override. ``annotations``: how many discussion posts (on the module's text or prompt:
    services/discussion/discussion.py) each learner must make; 0 or missing asks for none."""
    revisions = {module.key: revision for module, revision in cohort_modules(cohort)}
    stored: dict[str, dict] = {}
    for key, rule in rules.items():
        if key not in revisions:
            raise CohortRefused(_("This module is not part of the cohort's course."))
        revision = revisions[key]
        override = {}
        if (
            "required" in rule
            and rule["required"] is not None
            and bool(rule["required"]) != revision.required
        ):
            override["required"] = bool(rule["required"])
        if "prerequisites" in rule and rule["prerequisites"] is not None:
            keys = [k for k in revisions if k in set(rule["prerequisites"])]
            if len(keys) != len(set(rule["prerequisites"])) or key in keys:
                raise CohortRefused(_("A module can only wait for other modules of the course."))
            if keys != [k for k in revisions if k in set(revision.prerequisites or [])]:
                override["prerequisites"] = keys
        if rule.get("annotations") not in (None, "", 0):
            try:
                needed = int(rule["annotations"])
            except (TypeError, ValueError):
                needed = -1
            if not 0 <= needed <= MAX_ANNOTATIONS_RULE:
                raise CohortRefused(
                    _(
                        "The number of discussion posts a module asks for must "
                        "be a whole number from 0 to %(max)d.",
                        max=MAX_ANNOTATIONS_RULE,
                    )
                )
            if needed:
                override["annotations"] = needed
        if override:
            stored[key] = override
    prerequisites = {
        key: stored.get(key, {}).get("prerequisites", rev.prerequisites or [])
        for key, rev in revisions.items()
    }
    if _has_cycle(prerequisites):
        raise CohortRefused(
            _("These prerequisites go round in a circle, so some modules would never open.")
        )
    if stored != (cohort.module_rules or {}):
        audit.record(
            by, "cohort.rules", target=cohort, before=cohort.module_rules or {}, after=stored
        )
        cohort.module_rules = stored
    db.session.flush()


def _has_cycle(graph: dict[str, list[str]]) -> bool:
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        if state.get(node) == 1:
            return True
        if state.get(node) == 2:
            return False
        state[node] = 1
        if any(visit(n) for n in graph.get(node, []) if n in graph):
            return True
        state[node] = 2
        return False

    return any(visit(node) for node in graph)


# --- tutor groups ------------------------------------------------------------------------------


def create_group(
    cohort: Cohort,
    *,
    name: str,
    capacity: int = DEFAULT_GROUP_SIZE,
    tutor: User | None = None,
    by: User,
) -> TutorGroup:
    name = (name or "").strip()
    if not name:
        raise CohortRefused(_("Give the group a name."))
    if capacity < 1:
        raise CohortRefused(_("A group needs room for at least one learner."))
    if tutor is not None and not tutor.is_active:
        raise NoSuchAccount()
    taken = set(
        db.session.scalars(sa.select(TutorGroup.key).where(TutorGroup.cohort_id == cohort.id))
    )
    key = next(k for k in (f"group-{n}" for n in itertools.count(len(taken) + 1)) if k not in taken)
    group = organisations.add_tutor_group(cohort, key, name, capacity=capacity, by=by)
    if tutor is not None:
        assign_tutor(group, tutor, by=by)
    return group


def group_tutors(group_ids) -> dict[int, list[User]]:
    tutors: dict[int, list[User]] = {}
    if not group_ids:
        return tutors
    for grant, user in db.session.execute(
        sa.select(RoleGrant, User)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id.in_(group_ids))
        .order_by(User.sort_key)
    ):
        tutors.setdefault(grant.tutor_group_id, []).append(user)
    return tutors


def assign_tutor(group: TutorGroup, tutor: User, *, by: User) -> None:
    """Make ``tutor`` the group's tutor, replacing any other."""
    if not tutor.is_active:
        raise NoSuchAccount()
    for grant in db.session.scalars(
        sa.select(RoleGrant).where(
            RoleGrant.role == Role.TUTOR,
            RoleGrant.tutor_group_id == group.id,
            RoleGrant.user_id != tutor.id,
        )
    ).all():
        accounts.revoke_role(grant, revoked_by=by)
    accounts.grant_role(tutor, Role.TUTOR, group.id, granted_by=by)
