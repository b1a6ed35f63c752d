"""Page versions (issue 16): which scopes a transaction changed, moved before it commits.

A learner's page (dashboard, outline, lesson, quiz pages) is kept rendered per person
(diplolearn/page_cache.py) for as long as the versions of the scopes it shows are unchanged:
the person's own ("user"), each cohort they are enrolled in ("cohort") and the site ("site").
Every write is noted here, whichever service makes it:

- rows the session flushes, by what they belong to (``_REFERENCES``): a learner's records lead
  to their person through their enrolment, attempt, question or submission; a schedule, an
  announcement or a post to its cohort; a message to both people of its thread;
- bulk statements (``UPDATE``/``DELETE``/``INSERT`` run through the session): the rows they
  touch are read by their WHERE clause before they run (writes only, never on a GET), the rows
  they insert by their values; a service that knows may say it with
  ``.execution_options(page_scopes=[...])`` and spare that read;
- anything else, and anything whose owner cannot be found, moves the site's version: a change
  nobody classified costs a re-rendering, never a stale page.

Just before commit, one statement moves every noted version (an upsert, in a fixed order so that
two transactions never wait on each other in a cycle). Rows no cached page shows (``UNSEEN``:
the audit log, the mail outbox, outbound deliveries) move nothing; tests/test_personal_pages.py
checks that rendering the cached pages reads none of them.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from diplolearn.models import (
    Annotation,
    AnnotationMention,
    Announcement,
    ApiToken,
    AssignmentDeadline,
    AttemptQuestion,
    AuditEvent,
    Certificate,
    Cohort,
    CourseOwner,
    DeviceSession,
    DiscussionSession,
    DueDateExtension,
    Enrolment,
    Excusal,
    ExtensionRequest,
    IdempotencyKey,
    LateRule,
    LessonProgress,
    Message,
    MessageThread,
    ModuleProgress,
    ModuleSchedule,
    Notification,
    NotificationPreference,
    OutboundDelivery,
    OutboxMessage,
    PageVersion,
    PendingInvitation,
    QuizAttempt,
    QuizPolicyOverride,
    RecoveryCode,
    Response,
    RoleGrant,
    SeatAllotment,
    SsoUsedCode,
    StaffMembership,
    Submission,
    SubmissionScore,
    TutorGroup,
    TutorGroupMove,
    TwoFactorCredential,
    User,
    UserToken,
)
from diplolearn.services.progress.summary import sets_something

SITE = ("site", 0)
NOTED = "page_versions_noted"  # session.info: {(kind, id), ...} to resolve and move at commit

# Rows no cached page shows: writing them moves no version.
UNSEEN = (AuditEvent, OutboxMessage, OutboundDelivery, IdempotencyKey, SsoUsedCode, PageVersion)
_UNSEEN_TABLES = frozenset(model.__table__ for model in UNSEEN)

# What a row belongs to: (kind, column) pairs. "user" and "cohort" are scopes; "enrolment",
# "attempt", "attempt_question", "submission" and "thread" lead to people when resolved. A row
# whose every reference is empty (a course-wide override) moves the site's version.
_REFERENCES: dict[type, tuple[tuple[str, str], ...]] = {
    User: (("user", "id"),),
    Enrolment: (("user", "user_id"), ("cohort", "cohort_id")),
    Cohort: (("cohort", "id"),),
    # A learner's records.
    LessonProgress: (("enrolment", "enrolment_id"),),
    ModuleProgress: (("enrolment", "enrolment_id"),),
    QuizAttempt: (("enrolment", "enrolment_id"),),
    AttemptQuestion: (("attempt", "attempt_id"),),
    Response: (("attempt_question", "attempt_question_id"),),
    Submission: (("enrolment", "enrolment_id"),),
    SubmissionScore: (("submission", "submission_id"),),
    DueDateExtension: (("enrolment", "enrolment_id"),),
    Excusal: (("enrolment", "enrolment_id"),),
    ExtensionRequest: (("enrolment", "enrolment_id"),),
    TutorGroupMove: (("enrolment", "enrolment_id"),),
    Certificate: (("enrolment", "enrolment_id"), ("user", "user_id")),
    QuizPolicyOverride: (("enrolment", "enrolment_id"), ("cohort", "cohort_id")),
    # A person's own things.
    Notification: (("user", "user_id"),),
    NotificationPreference: (("user", "user_id"),),
    DeviceSession: (("user", "user_id"),),
    TwoFactorCredential: (("user", "user_id"),),
    RecoveryCode: (("user", "user_id"),),
    UserToken: (("user", "user_id"),),
    StaffMembership: (("user", "user_id"),),
    PendingInvitation: (("user", "user_id"),),
    ApiToken: (("user", "user_id"),),
    CourseOwner: (("user", "user_id"),),
    AnnotationMention: (("user", "user_id"),),
    # A grant in a cohort shows on its learners' pages (their tutor); a wider one, site-wide.
    RoleGrant: (("user", "user_id"), ("cohort", "cohort_id")),
    # A cohort's things.
    Announcement: (("cohort", "cohort_id"),),
    AssignmentDeadline: (("cohort", "cohort_id"),),
    DiscussionSession: (("cohort", "cohort_id"),),
    LateRule: (("cohort", "cohort_id"),),
    ModuleSchedule: (("cohort", "cohort_id"),),
    SeatAllotment: (("cohort", "cohort_id"),),
    TutorGroup: (("cohort", "cohort_id"),),
    Annotation: (("cohort", "cohort_id"),),
    # A conversation: both of its people.
    MessageThread: (("user", "learner_id"), ("user", "tutor_id")),
    Message: (("thread", "thread_id"),),
}
# Grants without a cohort (course, ministry, site-wide) also move the site's version.
_SITE_UNLESS = {RoleGrant: "cohort_id"}
# Columns only the person's own pages show. A change to other columns reaches further: a
# person's name shows on other people's pages (discussion, messages, tutors: the site's
# version), an enrolment's state on its cohort's (the waiting list: its cohort's version).
_OWN_COLUMNS = {
    User: frozenset(
        {
            "password_hash",
            "interface_language",
            "reading_language",
            "timezone",
            "notify_by_mail",
            "session_epoch",
            "last_login_at",
            "calendar_salt",
            "calendar_revoked_at",
            "unread_notifications",
            "notification_digest_at",
            "updated_at",
        }
    ),
    Enrolment: frozenset({"last_activity_at", "activated_at", "completed_at"}),
}
_BY_TABLE = {model.__table__: model for model in _REFERENCES}


def _noted(session: Session) -> set:
    return session.info.setdefault(NOTED, set())


def _note_row(noted: set, model: type, values: dict, *, own_only: bool = False) -> None:
    """Note a row's references; ``values`` maps column names to the values (old and new) the
    row had or has. ``own_only``: only columns of ``_OWN_COLUMNS`` changed (the person's)."""
    references = _REFERENCES[model][:1] if own_only else _REFERENCES[model]
    found = False
    for kind, column in references:
        for value in values.get(column, ()):
            if value is not None:
                noted.add((kind, value))
                found = True
    site_unless = _SITE_UNLESS.get(model)
    if not found or (site_unless and not any(v is not None for v in values.get(site_unless, ()))):
        noted.add(SITE)
    if model is User and not own_only:
        noted.add(SITE)


def _object_values(obj, model: type, deleted: bool) -> dict:
    state = sa.inspect(obj)
    values = {}
    for _kind, column in _REFERENCES[model]:
        history = state.attrs[column].history
        values[column] = [*history.added, *history.unchanged, *history.deleted]
        if not values[column] and not deleted:
            values[column] = [getattr(obj, column)]
    return values


def _changes_own_columns_only(obj, model: type) -> bool:
    own = _OWN_COLUMNS.get(model)
    if own is None:
        return False
    state = sa.inspect(obj)
    columns = {prop.key for prop in state.mapper.column_attrs}
    return all(name in own for name in columns if state.attrs[name].history.has_changes())


def _note_flush(session: Session, _context) -> None:
    """After a flush (new rows have their ids by then): note whose pages the rows are on."""
    noted = None
    for group, new, deleted in (
        (session.new, True, False),
        (session.dirty, False, False),
        (session.deleted, False, True),
    ):
        for obj in group:
            if isinstance(obj, UNSEEN):
                continue
            if not (new or deleted) and not session.is_modified(obj):
                continue
            noted = noted if noted is not None else _noted(session)
            model = type(obj)
            if model not in _REFERENCES:
                noted.add(SITE)
                continue
            # A new person is on nobody's page yet; a new enrolment is on its cohort's.
            own_only = (new and model is User) or (
                not (new or deleted) and _changes_own_columns_only(obj, model)
            )
            _note_row(noted, model, _object_values(obj, model, deleted), own_only=own_only)


def _statement_rows(statement, parameters) -> list[dict]:
    """The rows an INSERT adds, as column name -> value: from its VALUES and its parameters."""
    rows = []
    multi = getattr(statement, "_multi_values", None)
    if multi:
        for group in multi:
            rows.extend(
                {getattr(k, "key", k): v for k, v in row.items()} if isinstance(row, dict) else {}
                for row in group
            )
    values = {
        getattr(k, "key", k): v for k, v in (getattr(statement, "_values", None) or {}).items()
    }
    params = parameters if isinstance(parameters, list) else [parameters or {}]
    if not rows:
        rows = [{**values, **dict(p)} for p in params] if (values or any(params)) else []
    return rows


def _plain(value):
    """A literal value of a VALUES clause (a bound parameter's value); None for an expression."""
    if isinstance(value, sa.sql.elements.BindParameter):
        return value.value
    return None if isinstance(value, sa.sql.ClauseElement) else value


def _note_bulk(execute_state) -> None:
    if not (execute_state.is_update or execute_state.is_delete or execute_state.is_insert):
        return
    statement = execute_state.statement
    declared = execute_state.execution_options.get("page_scopes")
    noted = _noted(execute_state.session)
    if declared is not None:
        noted.update(declared)
        return
    table = getattr(statement, "table", None)
    if table in _UNSEEN_TABLES:
        return
    model = _BY_TABLE.get(table)
    if model is None:
        noted.add(SITE)
        return
    columns = [column for _kind, column in _REFERENCES[model]]
    if execute_state.is_insert:
        rows = _statement_rows(statement, execute_state.parameters)
        if not rows:
            noted.add(SITE)
        for row in rows:
            _note_row(
                noted, model, {c: [_plain(row.get(c))] for c in columns}, own_only=model is User
            )
        return
    if execute_state.is_update and not sets_something(statement, None):
        return  # ``state = state``: a claim that changes nothing
    assigned = {
        getattr(c, "key", c): v for c, v in (getattr(statement, "_values", None) or {}).items()
    }
    own_only = execute_state.is_update and set(assigned) <= _OWN_COLUMNS.get(model, frozenset())
    query = sa.select(*(table.c[column] for column in columns))
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    found = execute_state.session.execute(query, execute_state.parameters or {}).all()
    for row in found:
        values = {c: [value] for c, value in zip(columns, row, strict=True)}
        _note_row(noted, model, values, own_only=own_only)
    # An UPDATE may move rows elsewhere (an enrolment to another cohort): note the new owner.
    moved = {name: _plain(value) for name, value in assigned.items() if name in columns}
    if any(value is not None for value in moved.values()):
        _note_row(noted, model, {c: [v] for c, v in moved.items()})


def execute_noted(session: Session, statement, parameters, scopes) -> sa.CursorResult:
    """Run a prebuilt Core write on the session's connection, in its transaction, noting the
    ``scopes`` whose pages it changes, without the ORM's execution machinery and its listeners
    (which cost more than the statements on the answer save). Only for writes that change no
    stored progress (services/progress/summary.py would not see them): a claim that sets
    nothing, answers, the activity clock."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the ORM's execution would have flushed first
    _noted(session).update(scopes)
    return session.connection().execute(statement, parameters)


# How the other kinds lead to people: id -> user id, read in one query per kind.
_OWNERS = {
    "enrolment": lambda ids: sa.select(Enrolment.id, Enrolment.user_id).where(
        Enrolment.id.in_(ids)
    ),
    "attempt": lambda ids: (
        sa.select(QuizAttempt.id, Enrolment.user_id)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .where(QuizAttempt.id.in_(ids))
    ),
    "attempt_question": lambda ids: (
        sa.select(AttemptQuestion.id, Enrolment.user_id)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .where(AttemptQuestion.id.in_(ids))
    ),
    "submission": lambda ids: (
        sa.select(Submission.id, Enrolment.user_id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(Submission.id.in_(ids))
    ),
}


def _from_identity_map(session: Session, kind: str, key) -> int | None:
    """The person a record leads to, from the objects the request already loaded."""
    get = session.identity_map.get
    if kind == "attempt_question":
        aq = get(identity_key(AttemptQuestion, key))
        if aq is None:
            return None
        kind, key = "attempt", aq.__dict__.get("attempt_id")
    if kind == "attempt":
        attempt = get(identity_key(QuizAttempt, key))
        if attempt is None:
            return None
        kind, key = "enrolment", attempt.__dict__.get("enrolment_id")
    if kind == "submission":
        submission = get(identity_key(Submission, key))
        if submission is None:
            return None
        kind, key = "enrolment", submission.__dict__.get("enrolment_id")
    if kind == "enrolment":
        enrolment = get(identity_key(Enrolment, key))
        return enrolment.__dict__.get("user_id") if enrolment is not None else None
    return None


def _resolve(session: Session, noted: set) -> set:
    scopes = {item for item in noted if item[0] in ("site", "user", "cohort")}
    wanted: dict[str, set] = {}
    for kind, key in noted - scopes:
        if kind == "thread":
            wanted.setdefault(kind, set()).add(key)
            continue
        user_id = _from_identity_map(session, kind, key)
        if user_id is not None:
            scopes.add(("user", user_id))
        else:
            wanted.setdefault(kind, set()).add(key)
    for kind, ids in wanted.items():
        if kind == "thread":
            rows = session.execute(
                sa.select(MessageThread.id, MessageThread.learner_id, MessageThread.tutor_id).where(
                    MessageThread.id.in_(ids)
                )
            ).all()
            scopes.update(("user", uid) for row in rows for uid in row[1:] if uid is not None)
        else:
            rows = session.execute(_OWNERS[kind](ids)).all()
            scopes.update(("user", user_id) for _id, user_id in rows)
        if len(rows) < len(ids):
            scopes.add(SITE)  # gone already: whose it was is no longer known
    return scopes


def _move_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    noted = session.info.pop(NOTED, None)
    if not noted:
        return
    scopes = sorted(_resolve(session, noted))
    # On the session's connection, in its transaction: a plain statement, without the ORM's
    # bulk machinery (which cost more than the rest of an answer save's writes).
    connection = session.connection()
    connection.execute(
        _move_statement(connection.dialect.name),
        [{"scope": scope, "key": key, "version": 1} for scope, key in scopes],
    )
    session.info.pop(NOTED, None)


@functools.cache
def _move_statement(dialect: str):
    """Move each version of the parameter rows by one (its row made at 1 the first time); built
    once per dialect, run with one parameter row per scope, in their sorted order."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = PageVersion.__table__
    return insert(table).on_conflict_do_update(
        index_elements=[table.c.scope, table.c.key], set_={"version": table.c.version + 1}
    )


def _forget_on_rollback(session: Session) -> None:
    session.info.pop(NOTED, None)


def seen_by(user_id) -> tuple:
    """Two scalar subqueries on a person's id (a column or a bound parameter) that together
    identify the state of everything their pages show: their own version, and the sum of
    theirs, their cohorts' and the site's. Each version only grows, and the set of their
    cohorts changes only with their own version, so for one own version the sum grows with
    every change: the pair never repeats. The identity query carries them (services/signin/
    devices.py), so that a kept page costs no query of its own."""
    own = (
        sa.select(sa.func.coalesce(sa.func.max(PageVersion.version), 0))
        .where(PageVersion.scope == "user", PageVersion.key == user_id)
        .scalar_subquery()
    )
    # Correlated to the person's row when ``user_id`` is a column, two levels up: left to
    # itself, SQLAlchemy would give this subquery a FROM of its own for that column, and read
    # the cohorts of everyone who has a device session (a scan of every enrolment on every
    # page, and versions of cohorts that are not theirs).
    cohorts = (
        sa.select(Enrolment.cohort_id)
        .where(Enrolment.user_id == user_id)
        .correlate_except(Enrolment)
    )
    total = (
        sa.select(sa.func.coalesce(sa.func.sum(PageVersion.version), 0))
        .where(
            sa.or_(
                PageVersion.scope == "site",
                sa.and_(PageVersion.scope == "user", PageVersion.key == user_id),
                sa.and_(PageVersion.scope == "cohort", PageVersion.key.in_(cohorts)),
            )
        )
        .scalar_subquery()
    )
    return own.label("own_page_version"), total.label("page_versions_total")


_CURRENT = sa.select(*seen_by(sa.bindparam("user_id")))


def current(session: Session, user_id: int) -> tuple[int, int]:
    """``seen_by`` for one person, read on its own (the identity query reads it for the
    signed-in person); on the session's connection, without the ORM's machinery."""
    own, total = session.connection().execute(_CURRENT, {"user_id": user_id}).one()
    return int(own), int(total)


def install() -> None:
    """Listen on every session (once per process), after the stored progress's listeners: its
    refresh before commit writes rows that are noted here too."""
    from diplolearn.services.progress import summary

    summary.install()
    if sa.event.contains(Session, "before_commit", _move_before_commit):
        return
    sa.event.listen(Session, "after_flush", _note_flush)
    sa.event.listen(Session, "do_orm_execute", _note_bulk)
    sa.event.listen(Session, "before_commit", _move_before_commit)
    sa.event.listen(Session, "after_rollback", _forget_on_rollback)


install()
