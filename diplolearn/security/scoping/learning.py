"""A learner's own records: their enrolments, submissions and the announcements to them.

A learner's records load through the owner: ``own_enrolment_or_404`` selects the enrolment
``WHERE id = :id AND user_id = :me``, so someone else's enrolment is a 404, exactly like one
that does not exist. (What a learner reads of the discussion: discussion.py; their own
certificates: certificates.py.)
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import Announcement, Cohort, Enrolment, Submission, User
from diplolearn.security.scoping.base import one_or_404

# Built once: on the answer save, building the statement cost more than running it.
_OWN_ENROLMENT = sa.select(Enrolment).where(
    Enrolment.id == sa.bindparam("enrolment_id"), Enrolment.user_id == sa.bindparam("user_id")
)
_OWN_ENROLMENT_AND_COURSE = _OWN_ENROLMENT.options(
    joinedload(Enrolment.cohort).joinedload(Cohort.course)
)


def own_enrolment_or_404(user: User, enrolment_id: int, *, course: bool = True) -> Enrolment:
    """The user's own enrolment with its cohort and course, in one query (``course=False``:
    the enrolment alone, for the answer save); 404 otherwise."""
    found = db.session.scalar(
        _OWN_ENROLMENT_AND_COURSE if course else _OWN_ENROLMENT,
        {"enrolment_id": enrolment_id, "user_id": user.id},
    )
    if found is None:
        abort(404)
    return found


def own_submission_or_404(user: User, enrolment_id: int, submission_id: int) -> Submission:
    """One of the user's own submissions in their enrolment; 404 for anyone else's."""
    return one_or_404(
        sa.select(Submission)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .where(
            Submission.id == submission_id,
            Submission.enrolment_id == enrolment_id,
            Enrolment.user_id == user.id,
        )
    )


def announcements_for(learner: User) -> sa.Select:
    """Announcements to the cohorts the user is enrolled in, to the whole cohort or to their
    own group, newest first, with authors (one query)."""
    return (
        sa.select(Announcement)
        .join(
            Enrolment,
            sa.and_(
                Enrolment.cohort_id == Announcement.cohort_id,
                Enrolment.user_id == learner.id,
                sa.or_(
                    Announcement.tutor_group_id.is_(None),
                    Announcement.tutor_group_id == Enrolment.tutor_group_id,
                ),
            ),
        )
        .options(joinedload(Announcement.author), joinedload(Announcement.cohort))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
