"""Stored progress (issue 16): ``ModuleProgress``, one row per enrolment and module of the
course version its cohort follows, kept current by the services that change progress, in
their transaction (services/progress/summary.py), rebuilt by ``flask progress rebuild``.

The columns are the module's outcome as the completion rules (services.progress) judged it at
``computed_at``: what staff grids and reports aggregate in SQL. Two facts move with the clock
alone and are stored as their inputs: a module the cohort's schedule keeps closed opens at
``opens_at``, and a module is overdue when ``due_at`` has passed and it is not complete.
``detail`` holds the learner's records for the module in a compact form (lessons viewed and
done, quiz attempts, submissions, excused items, discussion posts), from which the learner
pages re-apply the rules at the moment of the request without reading those records again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from diplolearn.models.base import Base, only_on, utcnow

MODULE_STATUSES = ("locked", "open", "in_progress", "complete")
# What the staff pages read of a learner's module rows, a thousand learners at a time: the
# reports' sums (services/ministries/report_totals.py) and the cohort's module standings
# (services/cohorts/standings.py: the tracking grid's cells, the modules completed).
COVERED_COLUMNS = [
    "course_version_id",
    "computed_at",
    "required",
    "items_required",
    "items_done",
    "graded_items",
    "graded_sum",
    "content_done",
    "started",
    "opens_at",
    "due_at",
    "score",
]


class ModuleProgress(Base):
    __tablename__ = "module_progress"
    __table_args__ = (
        sa.Index("ix_module_progress_cohort_module", "cohort_id", "module_id"),
        # The staff pages read a thousand learners' rows at a time: on PostgreSQL they read
        # this index alone, in the primary key's order, not the table's wide rows
        # (``detail``), which it otherwise scanned in full for them (issue 16). SQLite reads
        # the rows by their primary key fast enough, without a second index.
        only_on(
            "postgresql",
            sa.Index(
                "ix_module_progress_enrolment_sums",
                "enrolment_id",
                "module_id",
                postgresql_include=COVERED_COLUMNS,
            ),
        ),
        sa.CheckConstraint(
            "status IN ('locked', 'open', 'in_progress', 'complete')", name="status_known"
        ),
    )

    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("module.id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    # The module's number in the course (1, 2, ...) and its logical key.
    position: Mapped[int]
    module_key: Mapped[str] = mapped_column(sa.String(64))
    # The rules in force (the course's, or the cohort's override in Cohort.module_rules).
    required: Mapped[bool]
    status: Mapped[str] = mapped_column(sa.String(16))
    is_open: Mapped[bool]
    complete: Mapped[bool]
    # Every required item done or excused and the discussion requirement met: complete is
    # ``is_open and content_done``.
    content_done: Mapped[bool]
    started: Mapped[bool]  # anything in it viewed, attempted or handed in
    items_required: Mapped[int]
    items_done: Mapped[int]  # required items done or excused
    percent: Mapped[int]
    opens_at: Mapped[dt.datetime | None]  # the cohort's scheduled opening, passed or not
    due_at: Mapped[dt.datetime | None]  # the learner's due date (their extension if any)
    due_extended: Mapped[bool]
    # Scores, for the staff grid and reports: the mean of the module's counted quiz
    # percentages (None when none counts yet), and the count and sum of its graded items'
    # percentages (counted quizzes and returned written assignments), so that an enrolment's
    # score is sum(graded_sum) / sum(graded_items) in SQL.
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 3))
    graded_items: Mapped[int] = mapped_column(default=0)
    graded_sum: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4), default=Decimal(0))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
