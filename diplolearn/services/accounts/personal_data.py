"""A person's own data: everything DiploLearn holds about them, to download; and erasure,
which pseudonymises them while their certificates and the audit trail stay valid.

What "everything" means is read from the schema, not listed by hand, so a table added later
is in the download without anyone remembering to add it:

- a row is the person's when a column naming its owner (``OWNER_COLUMNS``: ``user_id``,
  ``to_user_id``, ``author_id``) points at them — and then only then, so another person's
  row never comes along because it refers to one of theirs;
- a row without an owner column is theirs when it hangs, by foreign key, off one of their
  records in ``PARENT_TABLES`` (enrolments, quiz attempts, drawn questions, submissions):
  lesson progress, answers, rubric scores, extensions, tutor group moves...;
- the audit trail's entries about them, and those they made that concern nobody else (the
  address an entry was recorded from only when they made it themselves).

Secrets (password hash, token digests) and binary contents are left out.

Erasure (``erase_person``) keeps the person's id, so enrolments, results and the audit log
(append-only, which names people by id) stay whole and still add up in the ministries'
reports. It blanks names, email (``erased-<id>@invalid``), password and sign-in, role grants,
one-time tokens and pending invitations, postings, positions and staff ids, the free text of
answers and essays with the feedback on them, the text of their discussion posts, and the mails
addressed to them (unsent ones are dropped); certificates keep their codes and statuses but
forget the holder's names (``certificates.forget_holder``), so verification still answers valid
or revoked.
Functions flush and never commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from diplolearn import questions
from diplolearn.extensions import db
from diplolearn.models import (
    AttemptQuestion,
    AuditEvent,
    Base,
    DeviceSession,
    Enrolment,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxState,
    QuestionRevision,
    QuizAttempt,
    RecoveryCode,
    Response,
    RoleGrant,
    StaffMembership,
    TwoFactorCredential,
    User,
    UserToken,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.accounts import AlreadyErased
from diplolearn.services.assessment import assignments
from diplolearn.services.certificates import certificates
from diplolearn.services.discussion import moderation
from diplolearn.services.errors import NotAllowed, ReasonRequired
from diplolearn.textnorm import collapse_spaces, nfc

FORMAT = "diplolearn-personal-data/1"
OWNER_COLUMNS = ("user_id", "to_user_id", "author_id")
PARENT_TABLES = ("enrolment", "quiz_attempt", "attempt_question", "submission")
SECRET_COLUMNS = frozenset({"password_hash", "token_digest", "secret_encrypted", "code_digest"})
HANDLED_APART = frozenset({"user", "audit_event"})
FREE_TEXT_KINDS = questions.free_text_kinds()


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(table: sa.Table, row) -> dict:
    return {
        c.name: _plain(row._mapping[c])
        for c in table.columns
        if c.name not in SECRET_COLUMNS and not isinstance(c.type, sa.LargeBinary)
    }


def _points_at(column: sa.Column, table_name: str) -> bool:
    return any(fk.column.table.name == table_name for fk in column.foreign_keys)


def collect(person: User) -> dict:
    """Everything held about ``person``, as plain JSON-ready data (one query per table)."""
    user_table = User.__table__
    profile = db.session.execute(sa.select(user_table).where(user_table.c.id == person.id)).one()
    records: dict[str, list[dict]] = {}
    parent_ids: dict[str, list[int]] = {}
    for table in Base.metadata.sorted_tables:  # parents come before their children
        if table.name in HANDLED_APART:
            continue
        owners = [c for c in table.columns if c.name in OWNER_COLUMNS and _points_at(c, "user")]
        if owners:
            where = sa.or_(*(c == person.id for c in owners))
        else:
            links = [
                c.in_(parent_ids[parent])
                for c in table.columns
                for parent in parent_ids
                if parent_ids[parent] and _points_at(c, parent)
            ]
            if not links:
                continue
            where = sa.or_(*links)
        order = list(table.primary_key.columns)
        rows = [
            _row(table, r)
            for r in db.session.execute(sa.select(table).where(where).order_by(*order))
        ]
        if table.name in PARENT_TABLES:
            parent_ids[table.name] = [r["id"] for r in rows]
        if rows:
            records[table.name] = rows
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "person": _row(user_table, profile),
        "records": records,
        "audit_trail": _audit_entries(person),
    }


def _audit_entries(person: User) -> list[dict]:
    table = AuditEvent.__table__
    rows = db.session.execute(
        sa.select(table)
        .where(
            sa.or_(
                table.c.subject_user_id == person.id,
                sa.and_(table.c.actor_id == person.id, table.c.subject_user_id.is_(None)),
            )
        )
        .order_by(table.c.occurred_at, table.c.id)
    )
    entries = []
    for r in rows:
        entry = _row(table, r)
        if entry["actor_id"] != person.id:  # someone else's address is theirs, not yours
            entry.pop("ip_address", None)
        entries.append(entry)
    return entries


def record_download(person: User, *, by: User, tables: int) -> None:
    audit.record(
        by, "personal_data.download", subject=person, target=person, format=FORMAT, tables=tables
    )


# --- erasure ---------------------------------------------------------------------------------


def placeholder_email(person: User) -> str:
    return f"erased-{person.id}@invalid"


def _table(name: str) -> sa.Table | None:
    return Base.metadata.tables.get(name)


def erase_person(
    person: User, *, by: User, reason: str, now: dt.datetime | None = None
) -> dict[str, int]:
    """Pseudonymise ``person`` (see the module docstring); returns what was blanked, by kind,
    as also recorded in the audit log. Validates everything before changing anything."""
    reason = collapse_spaces(nfc(reason or ""))[:2000]
    if not reason:
        raise ReasonRequired()
    if person.id == by.id:
        raise NotAllowed()
    if person.erased_at is not None:
        raise AlreadyErased()
    now = now or utcnow()
    counts: dict[str, int] = {}

    def run(kind: str, statement) -> None:
        counts[kind] = db.session.execute(
            statement.execution_options(synchronize_session=False)
        ).rowcount

    run("role_grants", sa.delete(RoleGrant).where(RoleGrant.user_id == person.id))
    run("tokens", sa.delete(UserToken).where(UserToken.user_id == person.id))
    # Issue 21: the second factor, recovery codes and signed-in devices (networks, browsers).
    for kind, model in (
        ("two_factor", TwoFactorCredential),
        ("recovery_codes", RecoveryCode),
        ("devices", DeviceSession),
        # Issue 20: their notifications (rendered texts naming people and work) and choices.
        ("notifications", Notification),
        ("notification_preferences", NotificationPreference),
    ):
        run(kind, sa.delete(model).where(model.user_id == person.id))
    pending = _table("pending_invitation")
    if pending is not None:
        run("pending_invitations", sa.delete(pending).where(pending.c.user_id == person.id))
    run(
        "memberships",
        sa.update(StaffMembership)
        .where(StaffMembership.user_id == person.id)
        .values(posting="", position="", staff_id=None),
    )
    attempts = sa.select(QuizAttempt.id).join(Enrolment).where(Enrolment.user_id == person.id)
    answered = sa.select(AttemptQuestion.id).where(AttemptQuestion.attempt_id.in_(attempts))
    free_text = (
        sa.select(AttemptQuestion.id)
        .join(QuestionRevision, QuestionRevision.id == AttemptQuestion.question_revision_id)
        .where(AttemptQuestion.attempt_id.in_(attempts), QuestionRevision.kind.in_(FREE_TEXT_KINDS))
    )
    run(
        "answer_texts",
        sa.update(Response).where(Response.attempt_question_id.in_(free_text)).values(answer={}),
    )
    run(
        "answer_feedback",
        sa.update(Response).where(Response.attempt_question_id.in_(answered)).values(feedback=None),
    )
    counts["essays"] = assignments.erase_texts_of(person.id)
    counts["discussion_posts"] = moderation.erase_texts_of(person.id)
    run(
        "unsent_mails",
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.to_user_id == person.id,
            OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.SENDING)),
        )
        # The recipient no longer exists: the job must not send these (outside the machine).
        .values(state=OutboxState.FAILED, last_error="recipient erased"),
    )
    run(
        "mails",
        sa.update(OutboxMessage)
        .where(OutboxMessage.to_user_id == person.id)
        .values(to_address=placeholder_email(person), subject="", body_text=""),
    )
    counts["certificates"] = certificates.forget_holder(person)
    db.session.expire(person, ["grants"])
    person.email = placeholder_email(person)
    person.name_latin = ""
    person.name_ar = ""
    person.password_hash = None
    person.is_active_account = False
    person.session_epoch += 1  # ends every session it has
    person.last_login_at = None
    person.interface_language = None
    person.reading_language = None
    person.timezone = "UTC"  # a time zone can tell where someone is posted
    person.erased_at = now
    person.unread_notifications = 0  # issue 20: their notifications are gone
    db.session.flush()
    audit.record(
        by,
        "person.erase",
        subject=person,
        target=person,
        reason=reason,
        **{k: v for k, v in counts.items() if v},
    )
    return counts
