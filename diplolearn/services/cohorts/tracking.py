"""Following a cohort's run: the progress grid, learners at risk, one learner's record,
due-date extensions and announcements.

Who sees which learners is security.scoping's business (``tracked_*``): a lead instructor or an
administrator the whole cohort, a tutor their groups. Where each learner stands is
services.progress's: the grid and the at-risk list read the stored module summaries of every
shown learner in one query (``standings.cohort_summaries``, settled at the moment of the
request by the same rules as ``evaluate``, once per pattern of learners who stand alike), and
one learner's record their full ``Progress``, so the grid, the at-risk list and the learner's
own outline never disagree. The learners come as rows of the columns shown (``Learner``), not
ORM objects. A cohort of 1,000 learners over 12 modules costs the same queries as one of three
(issue 16).

A cell of the grid is ``done`` (the module is complete), ``overdue`` (its due date, or the
learner's extension, has passed and it is not complete), ``in_progress`` (something in it
viewed, done or attempted) or ``not_started``. Its score is the percentage that counts for the
module's quiz (by the quiz's grading method; the mean when a module has several graded quizzes).

A learner is *at risk* when some required module is overdue (behind schedule) or when nothing has
happened in their enrolment for the cohort's ``at_risk_inactive_days`` (since their last
activity, or since they were enrolled if they never started). Only enrolments still under way
(invited or active) can be at risk. The list is ranked for the whole cohort; the due dates
of the overdue modules are read for the learners a page shows (``dated``).

Functions flush and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from diplolearn.extensions import db
from diplolearn.i18n import pick_text
from diplolearn.models import (
    Announcement,
    Cohort,
    DueDateExtension,
    Enrolment,
    EnrolmentState,
    Ministry,
    ModuleSchedule,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.names import person_order
from diplolearn.security.scoping import (
    CohortAccess,
    Scope,
    cohort_enrolments,
    leads_cohort,
    tracked_enrolments,
)
from diplolearn.services import audit, notifications, progress
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.cohorts import ExtensionTooEarly, NoDueDate, NotStudyingHere, UnknownModule
from diplolearn.services.cohorts.standings import (
    ModuleStanding,
    cohort_standings,
    cohort_summaries,
    module_score,
)
from diplolearn.services.errors import NotAllowed
from diplolearn.services.outbox import public_url
from diplolearn.services.progress import ModuleState, Progress

STATUSES = ("not_started", "in_progress", "done", "overdue")
UNDER_WAY = (EnrolmentState.INVITED, EnrolmentState.ACTIVE)
# Announcements are mailed to the learners still taking part.
MAILED_STATES = (EnrolmentState.INVITED, EnrolmentState.ACTIVE)


# --- where each learner stands --------------------------------------------------------------------


def cell_status(module: ModuleState | ModuleStanding) -> str:
    if module.complete:
        return "done"
    if module.overdue:
        return "overdue"
    if module.status == "in_progress":
        return "in_progress"
    return "not_started"


@dataclass(frozen=True, slots=True)
class Cell:
    module: ModuleState | ModuleStanding
    status: str
    score: Decimal | None


@dataclass(slots=True)
class Row:
    """One learner's record (their page): every module with its full progress."""

    enrolment: Enrolment
    progress: Progress | None
    cells: list[Cell]

    @property
    def overdue(self) -> list[ModuleState | ModuleStanding]:
        """Required modules past their due date and not complete (behind schedule)."""
        return overdue_modules(cell.module for cell in self.cells)


def overdue_modules(modules) -> list:
    """Of a learner's modules, the required ones past their due date and not complete."""
    return [m for m in modules if m.required and cell_status(m) == "overdue"]


def row_for(enrolment: Enrolment, standing: Progress) -> Row:
    return Row(
        enrolment, standing, [Cell(m, cell_status(m), module_score(m)) for m in standing.modules]
    )


@dataclass(frozen=True, slots=True)
class Learner:
    """A followed enrolment as the cohort's pages list it: the columns they show, read as
    rows (a thousand ORM objects cost more than the rest of the grid)."""

    id: int  # the enrolment's
    state: str
    name_latin: str | None
    name_ar: str | None
    email: str
    group: str | None  # the tutor group's name
    ministry: str | None  # the sponsoring ministry's code
    # Since when nothing has happened: the last activity, else activation, else enrolment.
    silent_since: dt.datetime | None
    started: bool  # has had some activity

    display_name_for = User.display_name_for  # the one rule for the name a person is shown by


class GridCell(NamedTuple):
    status: str  # one of STATUSES
    score: Decimal | None


@dataclass(slots=True)
class GridRow:
    learner: Learner
    cells: tuple[GridCell, ...]  # shared by the learners whose modules stand alike


@dataclass
class Grid:
    cohort: Cohort
    modules: list  # the outline's ModuleNodes, in course order
    rows: list[GridRow]
    totals: list[Counter] = field(default_factory=list)  # per module: status -> learners

    @property
    def empty(self) -> bool:
        return not self.rows


_SILENT_SINCE = sa.type_coerce(
    sa.func.coalesce(Enrolment.last_activity_at, Enrolment.activated_at, Enrolment.created_at),
    Enrolment.last_activity_at.type,
)


def followed_learners(
    viewer: User,
    cohort: Cohort,
    *,
    ministry_id: int | None = None,
    group_id: int | None = None,
    states=None,
) -> list[Learner]:
    """The enrolments the viewer follows in the cohort (withdrawn ones left out; ``states``
    narrows them), as ``Learner`` rows by the name shown on the page: one query."""
    query = (
        tracked_enrolments(viewer, cohort)
        .with_only_columns(
            Enrolment.id,
            Enrolment.state,
            User.name_latin,
            User.name_ar,
            User.email,
            TutorGroup.name,
            Ministry.code,
            _SILENT_SINCE,
            sa.type_coerce(Enrolment.last_activity_at.is_not(None), sa.Integer),
            maintain_column_froms=False,
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(TutorGroup, TutorGroup.id == Enrolment.tutor_group_id)
        .outerjoin(Ministry, Ministry.id == Enrolment.sponsor_ministry_id)
        .where(Enrolment.state != EnrolmentState.WITHDRAWN)
        .order_by(*person_order(), User.id)
    )
    if ministry_id is not None:
        query = query.where(Enrolment.sponsor_ministry_id == ministry_id)
    if group_id is not None:
        query = query.where(Enrolment.tutor_group_id == group_id)
    if states is not None:
        query = query.where(Enrolment.state.in_(states))
    return [Learner(*row) for row in db.session.execute(query)]


def grid_cells(modules) -> tuple[GridCell, ...]:
    return tuple(GridCell(cell_status(m), module_score(m)) for m in modules)


def grid(
    viewer: User,
    cohort: Cohort,
    *,
    ministry_id: int | None = None,
    group_id: int | None = None,
    now: dt.datetime | None = None,
) -> Grid:
    """Learners × modules of the cohort's course version, for the learners the viewer follows,
    in a fixed number of queries."""
    learners = followed_learners(viewer, cohort, ministry_id=ministry_id, group_id=group_id)
    cells = cohort_summaries(cohort, [e.id for e in learners], now or utcnow(), grid_cells)
    rows = [GridRow(e, cells[e.id]) for e in learners if cells[e.id] is not None]
    outline = load_outlines([cohort.course_version_id]).get(cohort.course_version_id)
    modules = outline.modules if outline else []
    totals = [Counter() for _ in modules]
    # Alike learners share one tuple of cells: count the tuples, then their cells.
    shared = Counter(id(row.cells) for row in rows)
    for row in {id(row.cells): row for row in rows}.values():
        for counter, cell in zip(totals, row.cells, strict=False):
            counter[cell.status] += shared[id(row.cells)]
    return Grid(cohort, modules, rows, totals)


def sponsor_choices(viewer: User, cohort: Cohort) -> list[Ministry]:
    """The ministries sponsoring someone the viewer follows in the cohort (for the filter)."""
    sponsors = tracked_enrolments(viewer, cohort).with_only_columns(Enrolment.sponsor_ministry_id)
    return list(
        db.session.scalars(
            sa.select(Ministry)
            .where(Ministry.id.in_(sponsors.scalar_subquery()))
            .order_by(Ministry.code)
        )
    )


@dataclass
class AtRisk:
    learner: Learner
    inactive_since: dt.datetime | None  # set when inactive for the cohort's number of days
    overdue: list  # the required modules overdue (with their due dates once ``dated``)


def inactive_since(learner: Learner, days: int, now: dt.datetime) -> dt.datetime | None:
    """When the learner's silence began, if it has lasted ``days`` days or more."""
    since = learner.silent_since
    if since is None or now - since < dt.timedelta(days=days):
        return None
    return since


def at_risk(viewer: User, cohort: Cohort, now: dt.datetime | None = None) -> list[AtRisk]:
    """The learners the viewer follows who are behind schedule or inactive, most overdue
    modules first. Their ``overdue`` modules carry no dates: ``dated`` adds them for the
    ones a page shows."""
    now = now or utcnow()
    days = cohort.at_risk_inactive_days
    learners = followed_learners(viewer, cohort, states=UNDER_WAY)
    overdue = cohort_summaries(cohort, [e.id for e in learners], now, overdue_modules)
    found = []
    for learner in learners:
        if overdue[learner.id] is None:
            continue
        risk = AtRisk(learner, inactive_since(learner, days, now), overdue[learner.id])
        if risk.overdue or risk.inactive_since is not None:
            found.append(risk)
    found.sort(key=lambda r: (-len(r.overdue), r.inactive_since or now))
    return found


def dated(cohort: Cohort, risks: list[AtRisk], now: dt.datetime) -> list[AtRisk]:
    """The learners' overdue modules with their own due dates (an extension moves one): one
    query for the learners of a page."""
    standing = cohort_standings(cohort, [r.learner.id for r in risks], now, dates=True)
    for risk in risks:
        risk.overdue = overdue_modules(standing[risk.learner.id] or [])
    return risks


# --- a cohort's enrolments (teach/people.py) ------------------------------------------------------


def placed_enrolments(access: CohortAccess) -> sa.Select:
    """The cohort's enrolments the viewer may see (``cohort_enrolments``), by name, the waiting
    list left out: a select to page through (a cohort may hold a thousand)."""
    return cohort_enrolments(access).where(Enrolment.state != EnrolmentState.WAITLISTED)


def waiting_enrolments(access: CohortAccess) -> list[Enrolment]:
    """The cohort's waiting list as the viewer may see it, first come first served."""
    query = (
        cohort_enrolments(access)
        .where(Enrolment.state == EnrolmentState.WAITLISTED)
        .order_by(None)
        .order_by(Enrolment.waitlisted_at, Enrolment.id)
    )
    return list(db.session.scalars(query).unique())


# --- one learner ----------------------------------------------------------------------------------


def extensions_of(enrolment: Enrolment) -> list[DueDateExtension]:
    return list(
        db.session.scalars(
            sa.select(DueDateExtension)
            .where(DueDateExtension.enrolment_id == enrolment.id)
            .options(joinedload(DueDateExtension.granted_by))
            .order_by(DueDateExtension.created_at.desc(), DueDateExtension.id.desc())
        )
    )


def extended_due_dates(module_id: int, enrolment_ids) -> dict[int, dt.datetime]:
    """The learners' own due dates for a module, by enrolment id, for those who have an
    extension (it replaces the cohort's due date): one query for any number of learners."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(DueDateExtension.enrolment_id, DueDateExtension.due_at).where(
            DueDateExtension.module_id == module_id, DueDateExtension.enrolment_id.in_(ids)
        )
    )
    return {row.enrolment_id: row.due_at for row in rows}


def grant_extension(
    enrolment: Enrolment, module_id: int, due_at: dt.datetime, reason: str, *, by: User
) -> DueDateExtension:
    """Give the learner until ``due_at`` for a module that the cohort's schedule dates (or move
    the extension they already have). It must be later than the cohort's due date."""
    if enrolment.state == EnrolmentState.WITHDRAWN:
        raise NotStudyingHere()
    cohort = enrolment.cohort
    standing = progress.course_progress(enrolment)
    node = (
        next((m.node for m in standing.modules if m.node.module_id == module_id), None)
        if standing
        else None
    )
    if node is None:
        raise UnknownModule()
    schedule = db.session.scalar(
        sa.select(ModuleSchedule).where(
            ModuleSchedule.cohort_id == cohort.id, ModuleSchedule.module_id == module_id
        )
    )
    if schedule is None or schedule.due_at is None:
        raise NoDueDate()
    if due_at <= schedule.due_at:
        raise ExtensionTooEarly()
    extension = db.session.scalar(
        sa.select(DueDateExtension).where(
            DueDateExtension.enrolment_id == enrolment.id, DueDateExtension.module_id == module_id
        )
    )
    previous = extension.due_at if extension is not None else None
    if extension is None:
        extension = DueDateExtension(enrolment_id=enrolment.id, module_id=module_id)
        db.session.add(extension)
    extension.due_at = due_at
    extension.reason = reason
    extension.granted_by_id = by.id
    db.session.flush()
    audit.record(
        by,
        "due_date.extend",
        subject=enrolment.user,
        target=extension,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
        module=node.key,
        due_at=due_at.isoformat(),
        cohort_due_at=schedule.due_at.isoformat(),
        previous_extension=previous.isoformat() if previous else None,
        reason=reason,
    )
    return extension


def withdraw_extension(extension: DueDateExtension, *, by: User) -> None:
    """Remove an extension: the cohort's due date applies to the learner again."""
    enrolment = extension.enrolment
    audit.record(
        by,
        "due_date.withdraw_extension",
        subject=enrolment.user,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
        module_id=extension.module_id,
        due_at=extension.due_at.isoformat(),
    )
    db.session.delete(extension)
    db.session.flush()


# --- announcements --------------------------------------------------------------------------------


def may_announce(author: User, cohort: Cohort, group: TutorGroup | None) -> bool:
    """Lead instructors (and administrators) to the cohort or any group; a tutor to a group
    they tutor."""
    if leads_cohort(author, cohort):
        return True
    return group is not None and group.id in Scope.of(author).tutor_group_ids


def post_announcement(
    cohort: Cohort, author: User, title: str, body: str, group: TutorGroup | None = None
) -> tuple[Announcement, int]:
    """Publish an announcement on its recipients' dashboards and queue it by mail to those
    who want mail. Returns it with the number of mails queued."""
    if (group is not None and group.cohort_id != cohort.id) or not may_announce(
        author, cohort, group
    ):
        raise NotAllowed()
    announcement = Announcement(
        cohort_id=cohort.id,
        tutor_group_id=group.id if group else None,
        author_id=author.id,
        title=title.strip(),
        body=body,
    )
    db.session.add(announcement)
    db.session.flush()
    query = (
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.state.in_(MAILED_STATES),
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
        .options(contains_eager(Enrolment.user))
    )
    if group is not None:
        query = query.where(Enrolment.tutor_group_id == group.id)
    recipients = [e.user for e in db.session.scalars(query)]
    url = public_url("main.home")
    course = cohort.course
    people = []
    for person in recipients:
        order = [person.reading_language or "", person.interface_language or "", *course.languages]
        context = {
            "announcement": announcement,
            "author": author,
            "course_title": pick_text(course.title, order)[0],
            "cohort_name": pick_text(cohort.name, order)[0],
            "url": url,
        }
        people.append((person, context))
    # Issue 20: one notification per person in one insert, and one outbox mail for each who
    # takes announcements at once (the send_mail job delivers them in its batches).
    created = notifications.notify_many(people, notifications.Kind.ANNOUNCEMENT, link=url)
    mailed = [n for n in created if n.delivery == notifications.NOW]
    audit.record(
        author,
        "announcement.post",
        target=announcement,
        cohort_id=cohort.id,
        tutor_group_id=group.id if group else None,
        mails=len(mailed),
    )
    return announcement, len(mailed)


def recent_announcements(query: sa.Select, limit: int = 20) -> list[Announcement]:
    return list(db.session.scalars(query.limit(limit)).unique())
