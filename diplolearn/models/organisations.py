"""Ministries (the tenants), their staff, cohorts and enrolments.

- ``Ministry``: a foreign ministry that buys seats; a tenant.
- ``StaffMembership``: a person's employment by a ministry, with an optional staff id (the key a
  roster keeps when an email changes), position and posting. A person who moves ministry gets a
  new membership; the old one is ended, not rewritten, so each ministry keeps its history.
- ``Cohort``: one run of a course version, with a reference time zone. Every course has one
  default, self-paced cohort, so that every enrolment belongs to a cohort from day one.
- ``TutorGroup``: about 25 learners of a cohort with their own tutor.
- ``Enrolment``: one person in one cohort, sponsored by a ministry; see states.ENROLMENT.
- ``ModuleSchedule``: when a module opens (is released) and is due in a cohort.
- ``SeatAllotment``: how many of a cohort's seats a ministry has; its coordinator nominates
  staff into them (services/cohorts/enrolments.py).
- ``TutorGroupMove``: each change of an enrolment's tutor group, with who made it and when, so
  a move keeps the learner's history.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, TimestampMixin, Translated, utcnow
from diplolearn.models.states import ENROLMENT, EnrolmentState


class Ministry(TimestampMixin, Base):
    __tablename__ = "ministry"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[dict] = mapped_column(Translated())
    country_code: Mapped[str | None] = mapped_column(sa.String(2))
    is_active: Mapped[bool] = mapped_column(default=True)


class StaffMembership(TimestampMixin, Base):
    __tablename__ = "staff_membership"
    __table_args__ = (
        # A person's memberships of one ministry, latest last: the staff id on each row of a
        # ministry's report (issue 16).
        sa.Index("ix_staff_membership_user_ministry", "user_id", "ministry_id", "started_at"),
        # A staff id names one current member of a ministry; an ended membership keeps its
        # id, so a person who comes back (or a recycled id) does not clash with history.
        sa.Index(
            "uq_staff_membership_current_staff_id",
            "ministry_id",
            "staff_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        # At most one current membership per person.
        sa.Index(
            "uq_staff_membership_current",
            "user_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(sa.String(64))
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    # Where the diplomat is posted: sensitive, shown only to those who need it.
    posting: Mapped[str] = mapped_column(sa.String(200), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]

    user = relationship("User")
    ministry: Mapped[Ministry] = relationship()


class Cohort(TimestampMixin, Base):
    __tablename__ = "cohort"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "key"),
        sa.Index(
            "uq_cohort_default_per_course",
            "course_id",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    # The published version this cohort follows; empty until the course has one.
    course_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_version.id"))
    key: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[dict] = mapped_column(Translated())
    is_default: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    capacity: Mapped[int | None]
    # A learner without activity for this many days counts as at risk (progress grid).
    at_risk_inactive_days: Mapped[int] = mapped_column(default=7, server_default="7")
    # The cohort's overrides of the course's completion rules (ModuleRevision.required and
    # .prerequisites), by module key: {"m3": {"required": false}, "m5": {"prerequisites":
    # ["m2"]}}. A module or rule not named follows the course (services/cohorts/rules.py validates).
    module_rules: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")

    course = relationship("Course", foreign_keys=[course_id])
    course_version = relationship("CourseVersion", foreign_keys=[course_version_id])
    tutor_groups: Mapped[list[TutorGroup]] = relationship(back_populates="cohort")

    @property
    def self_paced(self) -> bool:
        return self.is_default


class TutorGroup(TimestampMixin, Base):
    __tablename__ = "tutor_group"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int] = mapped_column(default=25)

    cohort: Mapped[Cohort] = relationship(back_populates="tutor_groups")


class Enrolment(TimestampMixin, Base):
    __tablename__ = "enrolment"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "cohort_id"),
        # A ministry's enrolments in one cohort (its reports filtered by cohort; issue 16).
        sa.Index("ix_enrolment_sponsor_cohort", "sponsor_ministry_id", "cohort_id"),
        sa.CheckConstraint(
            "state IN ('invited', 'active', 'completed', 'withdrawn', 'deferred', 'waitlisted')",
            name="state_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    # The ministry that paid for this seat keeps seeing it even if the person moves on.
    sponsor_ministry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ministry.id"), index=True
    )
    tutor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=EnrolmentState.INVITED)
    state_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    last_activity_at: Mapped[dt.datetime | None]
    # When the enrolment joined the waitlist: its place in the queue (earliest first).
    waitlisted_at: Mapped[dt.datetime | None]
    # The nominee this enrolment replaced (a coordinator's substitution before the start).
    replaces_enrolment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolment.id"))

    user = relationship("User")
    cohort: Mapped[Cohort] = relationship()
    sponsor_ministry: Mapped[Ministry | None] = relationship()
    tutor_group: Mapped[TutorGroup | None] = relationship()

    def move_to(self, target: EnrolmentState, when: dt.datetime | None = None) -> None:
        """Change state through the documented machine; a forbidden move raises."""
        when = when or utcnow()
        self.state = ENROLMENT.advance(self.state, target)
        self.state_changed_at = when
        self.waitlisted_at = when if target == EnrolmentState.WAITLISTED else None
        if target == EnrolmentState.ACTIVE and self.activated_at is None:
            self.activated_at = when
        if target == EnrolmentState.COMPLETED:
            self.completed_at = when


class ModuleSchedule(Base):
    """When a module of the cohort's course opens and is due. The job command releases it."""

    __tablename__ = "module_schedule"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"))
    opens_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime | None]
    released_at: Mapped[dt.datetime | None]

    cohort: Mapped[Cohort] = relationship()
    module = relationship("Module")


class SeatAllotment(TimestampMixin, Base):
    """The seats of a cohort allotted to one ministry. Enrolments it sponsors that hold a place
    (``SEAT_HOLDING`` states) never outnumber ``seats``."""

    __tablename__ = "seat_allotment"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "ministry_id"),
        sa.CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    seats: Mapped[int]

    cohort: Mapped[Cohort] = relationship()
    ministry: Mapped[Ministry] = relationship()


class TutorGroupMove(Base):
    """One change of an enrolment's tutor group (from or to none at all)."""

    __tablename__ = "tutor_group_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    from_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"))
    to_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"))
    moved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    moved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    from_group: Mapped[TutorGroup | None] = relationship(foreign_keys=[from_group_id])
    to_group: Mapped[TutorGroup | None] = relationship(foreign_keys=[to_group_id])
    moved_by = relationship("User")
