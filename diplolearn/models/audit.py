"""The append-only audit log of administrative actions: who did what, when, to whom.

Rows are only ever inserted. The ORM refuses updates and deletes (see ``_refuse_change``);
erasing a person pseudonymises the person, not the log, which refers to them by id.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
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
