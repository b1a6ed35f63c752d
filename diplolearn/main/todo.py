"""Each role's to-do list on the home page (issue 14), put together from the scoped queries of
security/scoping/todo.py, the extension requests of scoping/deadlines.py and the dates and
next steps of services.deadlines. Every list costs one query (or two) whatever the number of
courses, cohorts or learners; this module runs none itself.

A ``Section`` is a heading with its entries (text, link, date) and ``total``, how many there
are in all (a section shows at most ``LIMIT``). ``Todo.count`` adds up the sections that ask
for an action; it is the number shown beside "My courses" in the navigation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from diplolearn import i18n
from diplolearn.models import EnrolmentState, SubmissionState, User
from diplolearn.security import scoping
from diplolearn.security.scoping.todo import RECENT
from diplolearn.services.deadlines.dates import items_of, load_contexts
from diplolearn.services.deadlines.steps import next_steps, step_of

LIMIT = 10


@dataclass(frozen=True)
class Entry:
    text: str
    url: str | None = None
    when: dt.datetime | None = None
    detail: str = ""
    texts: dict | None = None  # a course text to show in the reader's language after ``text``
    # ``text`` is someone's own words (a session's title), in a language nobody recorded: shown
    # isolated, in its own direction, and not as the interface's language.
    own_words: bool = False


@dataclass
class Section:
    key: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    total: int | None = None
    counts: bool = True  # asks for an action (counted in the navigation)
    more_url: str | None = None

    @property
    def size(self) -> int:
        return self.total if self.total is not None else len(self.entries)


@dataclass
class Todo:
    sections: list[Section] = field(default_factory=list)

    def add(self, section: Section) -> None:
        if section.entries or section.total:
            self.sections.append(section)

    @property
    def count(self) -> int:
        return sum(s.size for s in self.sections if s.counts)


def read_text(texts: dict | None) -> tuple[str, str]:
    """A text of any course in the page's language, else English, Arabic, French: (text,
    language), as the learner pages' ``Reader`` gives it."""
    return i18n.pick_text(texts or {}, [i18n.current_language(), "en", "ar", "fr"])


def _pick(texts: dict | None) -> str:
    return read_text(texts)[0]


def week_end(user: User, now: dt.datetime) -> dt.datetime:
    """The end of the seventh day from today, in the person's own time zone."""
    zone = ZoneInfo(i18n.valid_timezone(user.timezone))
    local = now.astimezone(zone)
    last = dt.datetime.combine(local.date() + dt.timedelta(days=7), dt.time(), tzinfo=zone)
    return last.astimezone(dt.UTC)


# --- a learner's ---------------------------------------------------------------------------------


def learner_plan(enrolments: list, standing: dict, now: dt.datetime):
    """(next step by enrolment id, dated items by enrolment id): one read of the learners'
    dates for both (services.deadlines), plus the waiting-list case from ``next_steps``."""
    studying = [e for e in enrolments if e.state != EnrolmentState.WITHDRAWN]
    contexts = load_contexts(studying, standing, now) if studying else {}
    steps, dated = {}, {}
    special = []
    for enrolment in studying:
        context = contexts.get(enrolment.id)
        if context is None or enrolment.state == EnrolmentState.WAITLISTED:
            special.append(enrolment)
            continue
        steps[enrolment.id] = step_of(context)
        dated[enrolment.id] = items_of(context)
    if special:
        steps.update(next_steps(special, {e.id: standing.get(e.id) for e in special}, now))
    return steps, dated


def _item_url(enrolment_id: int, item) -> str:
    if item.kind == "assignment":
        return url_for(
            "learner.show_assignment", enrolment_id=enrolment_id, assignment_key=item.key
        )
    if item.kind == "quiz":
        return url_for("learner.show_quiz", enrolment_id=enrolment_id, quiz_key=item.key)
    return url_for("learner.show_outline", enrolment_id=enrolment_id, _anchor=f"module-{item.key}")


def _item_text(item) -> str:
    if item.kind == "module":
        return _("Module %(number)d", number=item.module_number)
    if item.kind == "quiz":
        return _("Quiz")
    return _("Written assignment")


def returned_work(standing: dict, now: dt.datetime, limit: int = LIMIT) -> list[tuple]:
    """The learner's written work returned with a grade in the last two weeks, newest first,
    from their progress (no query): (enrolment id, assignment state, submission row)."""
    since = now - RECENT
    found = [
        (enrolment_id, assignment, s)
        for enrolment_id, progress in standing.items()
        if progress is not None
        for module in progress.modules
        for assignment in module.assignments
        for s in assignment.submissions
        if s.state == SubmissionState.RETURNED
        and s.returned_at is not None
        and s.returned_at >= since
    ]
    found.sort(key=lambda f: (f[2].returned_at, f[2].id), reverse=True)
    return found[:limit]


def learner_todo(
    user: User, enrolments: list, dated: dict, now: dt.datetime, standing: dict | None = None
) -> Todo:
    todo = Todo()
    overdue, soon = [], []
    end = week_end(user, now)
    active = {
        e.id for e in enrolments if e.state in (EnrolmentState.ACTIVE, EnrolmentState.INVITED)
    }
    for enrolment_id, items in dated.items():
        if enrolment_id not in active:
            continue
        pending = [
            i for i in items if not (i.done or i.excused or i.due_at is None or not i.required)
        ]
        listed = {(i.module_key, i.due_at) for i in pending if i.kind != "module"}
        for item in pending:
            if item.kind == "module" and (item.key, item.due_at) in listed:
                continue  # its written work or quiz, due at the same time, says it already
            entry = Entry(
                _item_text(item) + ":",
                _item_url(enrolment_id, item),
                item.due_at,
                _("you asked for more time") if item.pending_request else "",
                item.title,
            )
            if item.due_at < now:
                overdue.append(entry)
            elif item.due_at <= end:
                soon.append(entry)
    todo.add(Section("overdue", _("Overdue"), sorted(overdue, key=lambda e: e.when)))
    todo.add(Section("due", _("Due in the next seven days"), sorted(soon, key=lambda e: e.when)))
    if standing is not None:  # the progress has the submissions: no query
        returned = [
            (enrolment_id, state.node.key, s.returned_at, state.node.title)
            for enrolment_id, state, s in returned_work(standing, now)
        ]
    else:
        returned = [
            (s.enrolment_id, s.assignment.key, s.returned_at, s.assignment_revision.title)
            for s in scoping.returned_work(user, now, LIMIT)
        ]
    todo.add(
        Section(
            "returned",
            _("Work returned to you"),
            [
                Entry(
                    _("Feedback on:"),
                    url_for(
                        "learner.show_assignment", enrolment_id=enrolment_id, assignment_key=key
                    ),
                    returned_at,
                    texts=title,
                )
                for enrolment_id, key, returned_at, title in returned
            ],
            counts=False,
        )
    )
    replies = scoping.replies_to_me(user, enrolments, now, LIMIT)
    todo.add(
        Section(
            "replies",
            _("Replies to your posts"),
            [
                Entry(
                    _(
                        "%(name)s replied",
                        name=reply.author.display_name_for(i18n.current_language()),
                    ),
                    url_for("learner.show_post", enrolment_id=enrolment_id, annotation_id=reply.id),
                    reply.created_at,
                )
                for reply, enrolment_id in replies
            ],
        )
    )
    if scoping.may_have_messages(user, enrolments):
        todo.add(_messages(user, "learner"))
    upcoming = scoping.next_session(enrolments, now)
    if upcoming is not None:
        session, enrolment_id = upcoming
        todo.add(
            Section(
                "session",
                _("Your next weekly session"),
                [
                    Entry(
                        session.title,
                        url_for(
                            "learner.show_session", enrolment_id=enrolment_id, session_id=session.id
                        ),
                        session.starts_at,
                        own_words=True,
                    )
                ],
                counts=False,
            )
        )
    return todo


def _messages(user: User, side: str) -> Section:
    """Unread private messages (issue 20) in the threads where the person is the learner or
    the tutor (``side``): one query for both lists (``unread_threads_once``)."""
    threads = [
        t
        for t in scoping.unread_threads_once(user)
        if (t.learner_id if side == "learner" else t.tutor_id) == user.id
    ]
    return Section(
        "messages" if side == "learner" else "tutor-messages",
        _("Unread messages"),
        [
            Entry(
                _(
                    "From %(name)s",
                    name=t.other_party(user.id).display_name_for(i18n.current_language()),
                ),
                url_for("messages.show_thread", thread_id=t.id),
                t.last_message_at,
            )
            for t in threads
        ],
    )


# --- staff's and a coordinator's ---------------------------------------------------------------------


def staff_todo(user: User, now: dt.datetime) -> Todo:
    """A tutor's, instructor's or lead instructor's list, and a coordinator's (a person holding
    both roles sees both)."""
    todo = Todo()
    grading = scoping.grading_counts(user)
    todo.add(
        Section(
            "grading",
            _("Work to grade"),
            [
                Entry(
                    ngettext("%(num)d written assignment", "%(num)d written assignments", work)
                    if work
                    else ngettext("%(num)d quiz answer", "%(num)d quiz answers", essays),
                    url_for("teach.show_assignment_queue", course_id=course.id)
                    if work
                    else url_for("teach.show_grading_queue", course_id=course.id),
                    detail=ngettext("and %(num)d quiz answer", "and %(num)d quiz answers", essays)
                    if work and essays
                    else "",
                    texts=course.title,
                )
                for course, work, essays in grading
            ],
            total=sum(w + e for _c, w, e in grading),
        )
    )
    questions = scoping.unanswered_counts(user)
    todo.add(
        Section(
            "questions",
            _("Unanswered questions"),
            [
                Entry(
                    ngettext("%(num)d question", "%(num)d questions", n),
                    url_for("teach.show_inbox", cohort_id=cohort.id),
                    texts=cohort.name,
                )
                for cohort, n in questions
            ],
            total=sum(n for _c, n in questions),
        )
    )
    if scoping.may_have_messages(user):
        todo.add(_messages(user, "tutor"))
    requests = scoping.pending_extension_requests(user, LIMIT)
    total = (
        scoping.pending_extension_request_count(user) if len(requests) >= LIMIT else len(requests)
    )
    todo.add(
        Section(
            "requests",
            _("Requests for more time"),
            [
                Entry(
                    r.enrolment.user.display_name_for(i18n.current_language()),
                    url_for("teach.show_extension_request", request_id=r.id),
                    r.created_at,
                    texts=r.enrolment.cohort.course.title,
                )
                for r in requests
            ],
            total=total,
            more_url=url_for("teach.list_extension_requests") if total > len(requests) else None,
        )
    )
    quiet, total = scoping.quiet_learners(user, now, LIMIT)
    todo.add(
        Section(
            "quiet",
            _("Learners gone quiet"),
            [
                Entry(
                    e.user.display_name_for(i18n.current_language()),
                    url_for("teach.show_learner", cohort_id=e.cohort_id, enrolment_id=e.id),
                    None,
                    _("last active %(date)s", date=i18n.format_date(e.last_activity_at))
                    if e.last_activity_at
                    else _("not started"),
                    e.cohort.name,
                )
                for e in quiet
            ],
            total=total,
        )
    )
    held = scoping.held_grades(user)
    todo.add(
        Section(
            "held",
            _("Grades held back"),
            [
                Entry(
                    ngettext("%(num)d quiz grade to release", "%(num)d quiz grades to release", n),
                    url_for("teach.list_quizzes", course_id=course.id),
                    texts=course.title,
                )
                for course, n in held
            ],
            total=sum(n for _c, n in held),
        )
    )
    opening = scoping.modules_opening(user, now)
    todo.add(
        Section(
            "opening",
            _("Modules opening in the next seven days"),
            [
                Entry(
                    _("Opens:"),
                    url_for("teach.show_schedule", cohort_id=schedule.cohort_id),
                    schedule.opens_at,
                    _pick(schedule.cohort.name),
                    revision.title,
                )
                for schedule, revision in opening
            ],
            counts=False,
        )
    )
    _coordinator(user, now, todo)
    return todo


def _coordinator(user: User, now: dt.datetime, todo: Todo) -> None:
    behind, total = scoping.staff_behind(user, now, LIMIT)
    todo.add(
        Section(
            "behind",
            _("Staff not started or gone quiet"),
            [
                Entry(
                    e.user.display_name_for(i18n.current_language()),
                    url_for(
                        "ministry.show_person", ministry_id=e.sponsor_ministry_id, user_id=e.user_id
                    ),
                    None,
                    _("last active %(date)s", date=i18n.format_date(e.last_activity_at))
                    if e.last_activity_at
                    else _("not started"),
                    e.cohort.course.title,
                )
                for e in behind
            ],
            total=total,
        )
    )
    seats = scoping.unfilled_seats(user, now)
    todo.add(
        Section(
            "seats",
            _("Seats not filled"),
            [
                Entry(
                    ngettext("%(num)d seat free", "%(num)d seats free", free),
                    url_for(
                        "ministry.show_cohort", ministry_id=a.ministry_id, cohort_id=a.cohort_id
                    ),
                    a.cohort.starts_at,
                    _pick(a.cohort.name),
                    a.cohort.course.title,
                )
                for a, free in seats
            ],
            total=sum(free for _a, free in seats),
        )
    )
    certificates, total = scoping.recent_certificates(user, now, LIMIT)
    todo.add(
        Section(
            "certificates",
            _("Certificates issued lately"),
            [
                Entry(
                    c.enrolment.user.display_name_for(i18n.current_language()),
                    url_for("certificates.list_staff"),
                    c.issued_at,
                )
                for c in certificates
            ],
            total=total,
            counts=False,
        )
    )
