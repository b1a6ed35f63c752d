"""Following a cohort's run: the groups, learners, extensions and announcements one follows.

A lead instructor of a cohort and an administrator (and an instructor of its course) follow
all of it (``leads_cohort``); a tutor follows the learners of the groups they tutor and nobody
else. Coordinators do not use these pages.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Announcement,
    Cohort,
    DueDateExtension,
    Enrolment,
    TutorGroup,
    User,
)
from diplolearn.security.scoping.base import one_or_404, scope_of
from diplolearn.security.scoping.teaching import leads_cohort, taught_cohort_or_404


def tracked_cohort_or_404(viewer: User, cohort_id: int) -> Cohort:
    """A cohort the viewer manages, or in which they tutor a group; 404 otherwise."""
    return taught_cohort_or_404(viewer, cohort_id).cohort


def tracked_groups(viewer: User, cohort: Cohort) -> list[TutorGroup]:
    """The cohort's tutor groups the viewer follows: all when they lead it, else theirs."""
    query = sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id).order_by(TutorGroup.key)
    if not leads_cohort(viewer, cohort):
        query = query.where(TutorGroup.id.in_(scope_of(viewer).tutor_group_ids))
    return list(db.session.scalars(query))


def tracked_enrolments(viewer: User, cohort: Cohort) -> sa.Select:
    """Select the cohort's enrolments the viewer follows."""
    query = sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)
    if not leads_cohort(viewer, cohort):
        query = query.where(Enrolment.tutor_group_id.in_(scope_of(viewer).tutor_group_ids))
    return query


def tracked_enrolment_or_404(viewer: User, cohort: Cohort, enrolment_id: int) -> Enrolment:
    """One enrolment of the cohort that the viewer follows, with its person; 404 otherwise."""
    return one_or_404(
        tracked_enrolments(viewer, cohort)
        .where(Enrolment.id == enrolment_id)
        .options(
            joinedload(Enrolment.user),
            joinedload(Enrolment.tutor_group),
            joinedload(Enrolment.sponsor_ministry),
        )
    )


def tracked_extension_or_404(
    viewer: User, cohort: Cohort, enrolment_id: int, extension_id: int
) -> DueDateExtension:
    """A due-date extension of one enrolment the viewer follows in the cohort; 404 otherwise."""
    followed = tracked_enrolments(viewer, cohort).where(Enrolment.id == enrolment_id)
    return one_or_404(
        sa.select(DueDateExtension).where(
            DueDateExtension.id == extension_id,
            DueDateExtension.enrolment_id.in_(
                followed.with_only_columns(Enrolment.id).scalar_subquery()
            ),
        )
    )


def tracked_announcements(viewer: User, cohort: Cohort) -> sa.Select:
    """The cohort's announcements the viewer may read: all when they lead it; for a tutor,
    those to the whole cohort and to their groups. Newest first."""
    query = (
        sa.select(Announcement)
        .where(Announcement.cohort_id == cohort.id)
        .options(joinedload(Announcement.author), joinedload(Announcement.tutor_group))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
    if not leads_cohort(viewer, cohort):
        query = query.where(
            sa.or_(
                Announcement.tutor_group_id.is_(None),
                Announcement.tutor_group_id.in_(scope_of(viewer).tutor_group_ids),
            )
        )
    return query
