"""Deadlines that bend (issue 14): late rules, extension requests and excused items.

- ``LateRule``: how a cohort takes work after its due date, set by a lead instructor: for the
  whole cohort (``item_kind`` ``cohort``, ``item_key`` empty) or for one written assignment
  (``assignment``, its logical key). ``accept_late`` false closes the item at its due date;
  true accepts late work, marked late, until ``cutoff_days`` after the due date, or the
  cohort's end when ``cutoff_days`` is empty. The item's rule wins over the cohort's, which
  wins over the assignment revision's own ``late_days``.
- ``ExtensionRequest``: a learner asks for more time on one item (``assignment``, ``quiz`` or
  ``module``, by logical key) with a reason; a tutor of their group or a lead instructor
  grants it (``granted_due_at``; granting writes ``DueDateExtension`` or the learner's
  ``QuizPolicyOverride.closes_at``) or refuses it (``decision_note`` says why). At most one
  pending request per enrolment and item (a partial unique index).
- ``Excusal``: a tutor or instructor excuses one learner from one required item: the module
  then completes without it (services.progress). At most one per enrolment and item.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow

ITEM_KINDS = ("assignment", "quiz", "module")
REQUEST_STATES = ("pending", "granted", "refused", "withdrawn")


class LateRule(Base):
    __tablename__ = "late_rule"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "item_kind", "item_key"),
        sa.CheckConstraint("item_kind IN ('cohort', 'assignment')", name="item_kind_known"),
        sa.CheckConstraint("cutoff_days IS NULL OR cutoff_days >= 0", name="cutoff_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    item_kind: Mapped[str] = mapped_column(sa.String(16), default="cohort")
    item_key: Mapped[str] = mapped_column(sa.String(64), default="")
    accept_late: Mapped[bool] = mapped_column(default=True)
    cutoff_days: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cohort = relationship("Cohort")


class ExtensionRequest(Base):
    __tablename__ = "extension_request"
    __table_args__ = (
        sa.CheckConstraint("item_kind IN ('assignment', 'quiz', 'module')", name="item_kind_known"),
        sa.CheckConstraint(
            "state IN ('pending', 'granted', 'refused', 'withdrawn')", name="state_known"
        ),
        sa.Index(
            "uq_extension_request_pending",
            "enrolment_id",
            "item_kind",
            "item_key",
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"))
    item_kind: Mapped[str] = mapped_column(sa.String(16))
    item_key: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    # The date the learner asks for (optional) and the one granted.
    wanted_due_at: Mapped[dt.datetime | None]
    state: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    granted_due_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    enrolment = relationship("Enrolment")
    module = relationship("Module")
    decided_by = relationship("User")


class Excusal(Base):
    __tablename__ = "excusal"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "item_kind", "item_key"),
        sa.CheckConstraint("item_kind IN ('lesson', 'assignment', 'quiz')", name="item_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"))
    item_kind: Mapped[str] = mapped_column(sa.String(16))
    item_key: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    excused_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    enrolment = relationship("Enrolment")
    excused_by = relationship("User")
