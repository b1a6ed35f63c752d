"""What a person's calendar feed holds, and the feed written as iCalendar.

For each of their enrolments (invited, active, deferred or completed): each scheduled module's
release and due date (their own extension in place of the cohort's date), each written
assignment's due date and cut-off, each quiz's close time (the cohort's or their own), and
the weekly text sessions of their cohort and group. For staff: the same dates of the cohorts
they lead, tutor a group in, or whose course they teach (the cohort's dates, not a learner's),
and the sessions they follow.

Every event has a UID made of what it is about (kind, cohort, item) and whose feed it is in,
never of its date: when a date moves, the next refresh carries the same UID with the new time,
and Outlook or Google Calendar move the event instead of adding a second one. Times are
written in UTC (``...Z``), so no VTIMEZONE is needed and daylight-saving changes move nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from diplolearn import i18n
from diplolearn.extensions import db
from diplolearn.models import (
    AssignmentDeadline,
    Cohort,
    DiscussionSession,
    Enrolment,
    EnrolmentState,
    ModuleSchedule,
    QuizPolicyOverride,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.security.scoping import scope_of
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.deadlines import dated_items_for
from diplolearn.services.deadlines.dates import cutoff

FOLLOWED = (
    EnrolmentState.INVITED,
    EnrolmentState.ACTIVE,
    EnrolmentState.DEFERRED,
    EnrolmentState.COMPLETED,
)


@dataclass(frozen=True, slots=True)
class Event:
    uid: str
    starts_at: dt.datetime
    summary: str
    description: str = ""
    minutes: int = 0  # 0: a moment (a due date), otherwise how long it lasts


@dataclass(slots=True)
class _Follow:
    """One cohort in the feed: as a learner (with their enrolment) or as its staff."""

    cohort: Cohort
    enrolment: Enrolment | None = None
    group_ids: frozenset | None = None  # staff: the groups whose sessions they follow (None: all)


def _followed(user: User) -> list[_Follow]:
    """The person's enrolments and the cohorts they teach, each cohort once (a learner's own
    dates win over the cohort's); two queries at most."""
    follows: dict[int, _Follow] = {}
    for enrolment in db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.state.in_(FOLLOWED))
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course))
    ):
        follows[enrolment.cohort_id] = _Follow(enrolment.cohort, enrolment)
    scope = scope_of(user)
    taught = []
    if scope.cohort_ids:
        taught.append(Cohort.id.in_(scope.cohort_ids))
    if scope.course_ids:
        taught.append(sa.and_(Cohort.course_id.in_(scope.course_ids), Cohort.is_default.is_(False)))
    if scope.tutor_group_ids:
        taught.append(
            Cohort.id.in_(
                sa.select(TutorGroup.cohort_id).where(TutorGroup.id.in_(scope.tutor_group_ids))
            )
        )
    if taught:
        for cohort in db.session.scalars(
            sa.select(Cohort).where(sa.or_(*taught)).options(joinedload(Cohort.course))
        ):
            if cohort.id in follows:
                continue
            leads = cohort.id in scope.cohort_ids or cohort.course_id in scope.course_ids
            follows[cohort.id] = _Follow(
                cohort, None, None if leads else frozenset(scope.tutor_group_ids)
            )
    return list(follows.values())


def events_for(user: User) -> list[Event]:
    """Every dated event of the person's feed, soonest first (a fixed number of queries)."""
    follows = _followed(user)
    if not follows:
        return []
    language = user.interface_language or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    order = [lang for lang in (user.reading_language, language, "en", "ar", "fr") if lang]
    learning = [f.enrolment for f in follows if f.enrolment is not None]
    dated = dated_items_for(learning) if learning else {}
    taught = [f for f in follows if f.enrolment is None]
    cohort_dates = _cohort_dates([f.cohort for f in taught]) if taught else None
    sessions = list(
        db.session.scalars(
            sa.select(DiscussionSession).where(
                DiscussionSession.cohort_id.in_([f.cohort.id for f in follows])
            )
        )
    )
    events: dict[str, Event] = {}
    with force_locale(language):
        for follow in follows:
            if follow.enrolment is not None:
                _learner_dates(user, follow, order, dated.get(follow.enrolment.id, []), events)
            else:
                _staff_dates(user, follow, order, cohort_dates, events)
        for session in sessions:
            follow = next(f for f in follows if f.cohort.id == session.cohort_id)
            if not _takes_part(follow, session):
                continue
            uid = _uid(user, "session", session.cohort_id, session.id)
            events[uid] = Event(
                uid,
                session.starts_at,
                _("Weekly session: %(title)s", title=session.title),
                _read(order, follow.cohort.course.title),
                session.duration_minutes or 60,
            )
    return sorted(events.values(), key=lambda e: (e.starts_at, e.uid))


@dataclass(slots=True)
class _Dates:
    """The cohort-wide dates of the cohorts staff follow (four queries at most)."""

    outlines: dict
    schedules: dict  # {cohort id: {module id: ModuleSchedule}}
    deadlines: dict  # {(cohort id, assignment id): due}
    closes: dict  # {(cohort id, quiz id): close time}


def _cohort_dates(cohorts: list[Cohort]) -> _Dates:
    ids = [c.id for c in cohorts]
    schedules: dict[int, dict] = {}
    for row in db.session.scalars(
        sa.select(ModuleSchedule).where(ModuleSchedule.cohort_id.in_(ids))
    ):
        schedules.setdefault(row.cohort_id, {})[row.module_id] = row
    deadlines = {
        (row.cohort_id, row.assignment_id): row.due_at
        for row in db.session.scalars(
            sa.select(AssignmentDeadline).where(AssignmentDeadline.cohort_id.in_(ids))
        )
    }
    closes = {
        (row.cohort_id, row.quiz_id): row.closes_at
        for row in db.session.scalars(
            sa.select(QuizPolicyOverride).where(
                QuizPolicyOverride.closes_at.is_not(None), QuizPolicyOverride.cohort_id.in_(ids)
            )
        )
    }
    return _Dates(load_outlines(c.course_version_id for c in cohorts), schedules, deadlines, closes)


def _learner_dates(user: User, follow: _Follow, order: list[str], items, events: dict) -> None:
    """A learner's own dates (services.deadlines: their extensions, catch-up dates, late rules
    and quiz windows already applied); excused items are left out."""
    course = _read(order, follow.cohort.course.title)
    host = _host()
    for item in items:
        if item.excused:
            continue
        name = _read(order, item.title)
        if item.kind == "module":
            name = _("Module %(number)d: %(title)s", number=item.module_number, title=name)
            dates = [("opens", item.opens_at, _("Opens: %(title)s", title=name))]
            dates.append(("due", item.due_at, _("Due: %(title)s", title=name)))
        elif item.kind == "quiz":
            dates = [("closes", item.due_at, _("Quiz closes: %(title)s", title=name))]
        else:
            dates = [("due", item.due_at, _("Due: %(title)s", title=name))]
            if item.cutoff_at is not None and item.cutoff_at != item.due_at:
                dates.append(
                    ("cutoff", item.cutoff_at, _("Last day for late work: %(title)s", title=name))
                )
        for suffix, when, summary in dates:
            if when is not None:
                uid = f"{item.uid}-{suffix}-u{user.id}@{host}"
                events[uid] = Event(uid, when, summary, course)


def _takes_part(follow: _Follow, session: DiscussionSession) -> bool:
    if session.tutor_group_id is None:
        return True
    if follow.enrolment is not None:
        return follow.enrolment.tutor_group_id == session.tutor_group_id
    return follow.group_ids is None or session.tutor_group_id in follow.group_ids


def _read(order: list[str], texts: dict) -> str:
    return i18n.pick_text(texts or {}, order)[0]


def _host() -> str:
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or "diplolearn"


def _uid(user: User, kind: str, cohort_id: int, item_id: int) -> str:
    return f"cohort-{cohort_id}-{kind}-{item_id}-u{user.id}@{_host()}"


def _staff_dates(user: User, follow: _Follow, order: list[str], dates: _Dates, events: dict):
    """A taught cohort's own dates: module releases and due dates, assignments' due dates and
    cut-offs (by the assignment's late days and the cohort's end), quizzes' close times."""
    cohort = follow.cohort
    outline = dates.outlines.get(cohort.course_version_id)
    if outline is None:
        return
    course = _read(order, cohort.course.title)

    def add(kind: str, item_id: int, when: dt.datetime | None, summary: str) -> None:
        if when is not None:
            uid = _uid(user, kind, cohort.id, item_id)
            events[uid] = Event(uid, when, summary, course)

    for node in outline.modules:
        schedule = dates.schedules.get(cohort.id, {}).get(node.module_id)
        opens_at = schedule.opens_at if schedule is not None else None
        due_at = schedule.due_at if schedule is not None else None
        title = _(
            "Module %(number)d: %(title)s", number=node.number, title=_read(order, node.title)
        )
        add("module-opens", node.module_id, opens_at, _("Opens: %(title)s", title=title))
        add("module-due", node.module_id, due_at, _("Due: %(title)s", title=title))
        for assignment in node.assignments:
            name = _read(order, assignment.title)
            due = dates.deadlines.get((cohort.id, assignment.assignment_id))
            if due is None and assignment.due_days is not None and opens_at is not None:
                due = opens_at + dt.timedelta(days=assignment.due_days)
            due = due or due_at
            add("assignment-due", assignment.assignment_id, due, _("Due: %(title)s", title=name))
            last = cutoff(
                due, late_days=assignment.late_days, rule=None, cohort_ends_at=cohort.ends_at
            )
            if due is not None and last is not None and last != due:
                add(
                    "assignment-cutoff",
                    assignment.assignment_id,
                    last,
                    _("Last day for late work: %(title)s", title=name),
                )
        for quiz in node.quizzes:
            add(
                "quiz-closes",
                quiz.quiz_id,
                dates.closes.get((cohort.id, quiz.quiz_id)),
                _("Quiz closes: %(title)s", title=_read(order, quiz.title)),
            )


def feed(user: User) -> bytes:
    """The person's feed as an iCalendar document (UTF-8)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//DiploLearn//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"DiploLearn · {user.display_name}")
    # Ask calendar apps to fetch it again every few hours (Outlook and Apple read these).
    calendar.add("x-published-ttl", "PT6H")
    stamp = utcnow().replace(microsecond=0)
    for event in events_for(user):
        item = icalendar.Event()
        item.add("uid", event.uid)
        item.add("dtstamp", stamp)
        start = event.starts_at.astimezone(dt.UTC).replace(microsecond=0)
        item.add("dtstart", start)
        if event.minutes:
            item.add("dtend", start + dt.timedelta(minutes=event.minutes))
        item.add("summary", event.summary)
        if event.description:
            item.add("description", event.description)
        item.add("transp", "TRANSPARENT" if not event.minutes else "OPAQUE")
        calendar.add_component(item)
    return calendar.to_ical()
