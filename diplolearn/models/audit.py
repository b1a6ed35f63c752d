"""The append-only audit log of administrative actions: who did what, when, to whom.

Rows are only ever inserted, and the database itself refuses anything else: triggers on
``audit_event`` (``APPEND_ONLY_TRIGGERS``, dropped by ``DROP_APPEND_ONLY_TRIGGERS``) make any
UPDATE or DELETE (and on PostgreSQL TRUNCATE) fail, whoever sends it. The migration that adds
them and the ``after_create`` hook below (for schemas built by ``create_all``, as the tests and
a restore do) run the same statements. Before the database ever sees it, the ORM refuses an
update or delete of an ``AuditEvent`` too (``AuditLogIsAppendOnly``). Erasing a person
pseudonymises the person, not the log, which refers to them by id.

A future migration that rebuilds this table (SQLite batch mode copies it) must create the
triggers again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import DDL, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    ministry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[int | None]
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])
    subject_user = relationship("User", foreign_keys=[subject_user_id])


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditLogIsAppendOnly("the audit log is append-only")


# The database's own refusal, per dialect. Both fail with an integrity error: SQLite's
# RAISE(ABORT) is a constraint failure, and PostgreSQL's is raised as restrict_violation.
# (No '%' or ':' in these statements: they run both as DDL and through Alembic's op.execute.)
APPEND_ONLY_TRIGGERS: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',\n"
        "        MESSAGE = 'the audit log is append-only (' || TG_OP || ' refused)';\n"
        "END\n"
        "$$",
        # Per statement, so even a change that matches no row is refused.
        "CREATE TRIGGER audit_event_append_only"
        " BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()",
    ),
    "sqlite": (
        "CREATE TRIGGER audit_event_refuse_update BEFORE UPDATE ON audit_event"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (UPDATE refused)'); END",
        "CREATE TRIGGER audit_event_refuse_delete BEFORE DELETE ON audit_event"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (DELETE refused)'); END",
    ),
}
DROP_APPEND_ONLY_TRIGGERS: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
    ),
    "sqlite": (
        "DROP TRIGGER IF EXISTS audit_event_refuse_update",
        "DROP TRIGGER IF EXISTS audit_event_refuse_delete",
    ),
}

for _dialect, _statements in APPEND_ONLY_TRIGGERS.items():
    for _statement in _statements:
        event.listen(
            AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
