"""Discussion on the text and weekly sessions: what a learner and a cohort's staff read.

An annotation is read by: its author, always; the members of the tutor group it was posted in
(the group at posting time, ``audience`` "group"); everyone in the cohort for a thread opened
to the whole cohort (``audience`` "cohort"); the group's tutors; and those who manage the
cohort (``leads_cohort``). A private note is its author's alone. Coordinators hold no
discussion scope at all: no filter below ever names a ministry. Every row carries its thread's
audience, so these filters answer for roots and replies alike.

Weekly text sessions: a learner takes part in their group's and the whole cohort's; a tutor
follows the same for the groups they tutor; those who manage the cohort, all of them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.models import Annotation, DiscussionSession, Enrolment
from diplolearn.security.scoping.base import one_or_404
from diplolearn.security.scoping.teaching import CohortAccess


def learner_discussion(enrolment: Enrolment):
    """The WHERE clause (on Annotation) of what a learner reads through their enrolment."""
    shared = [Annotation.audience == "cohort"]
    if enrolment.tutor_group_id is not None:
        shared.append(sa.and_(Annotation.audience == "group",
                              Annotation.tutor_group_id == enrolment.tutor_group_id))
    return sa.and_(Annotation.cohort_id == enrolment.cohort_id,
                   sa.or_(Annotation.author_id == enrolment.user_id, *shared))


def staff_discussion(access: CohortAccess):
    """The WHERE clause (on Annotation) of what a cohort's staff read: never private notes;
    a tutor, the groups they tutor and the whole-cohort threads."""
    clause = sa.and_(Annotation.cohort_id == access.cohort.id,
                     Annotation.audience != "private")
    if access.group_ids is not None:
        clause = sa.and_(clause, sa.or_(
            Annotation.audience == "cohort",
            sa.and_(Annotation.audience == "group",
                    Annotation.tutor_group_id.in_(access.group_ids))))
    return clause


def discussion_annotation_or_404(where, annotation_id: int) -> Annotation:
    """One annotation inside a discussion filter (``learner_discussion``/``staff_discussion``),
    with its author; 404 for anything else, exactly as for an id that does not exist."""
    return one_or_404(sa.select(Annotation).where(
        Annotation.id == annotation_id, where).options(joinedload(Annotation.author)))


def learner_sessions(enrolment: Enrolment) -> sa.Select:
    """Weekly text sessions a learner takes part in: their group's and the whole cohort's,
    soonest first."""
    shared = [DiscussionSession.tutor_group_id.is_(None)]
    if enrolment.tutor_group_id is not None:
        shared.append(DiscussionSession.tutor_group_id == enrolment.tutor_group_id)
    return (sa.select(DiscussionSession)
            .where(DiscussionSession.cohort_id == enrolment.cohort_id, sa.or_(*shared))
            .options(joinedload(DiscussionSession.tutor_group))
            .order_by(DiscussionSession.starts_at.desc(), DiscussionSession.id.desc()))


def staff_sessions(access: CohortAccess) -> sa.Select:
    """A cohort's weekly sessions its staff follow: a tutor, their groups' and the whole
    cohort's; those who manage it, all."""
    query = (sa.select(DiscussionSession)
             .where(DiscussionSession.cohort_id == access.cohort.id)
             .options(joinedload(DiscussionSession.tutor_group))
             .order_by(DiscussionSession.starts_at.desc(), DiscussionSession.id.desc()))
    if access.group_ids is not None:
        query = query.where(sa.or_(DiscussionSession.tutor_group_id.is_(None),
                                   DiscussionSession.tutor_group_id.in_(access.group_ids)))
    return query


def session_or_404(sessions: sa.Select, session_id: int) -> DiscussionSession:
    """One session of ``learner_sessions``/``staff_sessions``; 404 otherwise."""
    return one_or_404(sessions.where(DiscussionSession.id == session_id))
