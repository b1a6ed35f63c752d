"""Discussion on the text and weekly sessions: what a learner and a cohort's staff read.

An annotation is read by: its author, always; the members of the tutor group it was posted in
(the group at posting time, ``audience`` "group"); everyone in the cohort for a thread opened
to the whole cohort (``audience`` "cohort"); the group's tutors; and those who manage the
cohort (``leads_cohort``). A private note is its author's alone. Coordinators hold no
discussion scope at all: no filter below ever names a ministry. Every row carries its thread's
audience, so these filters answer for roots and replies alike.

Weekly text sessions: a learner takes part in their group's and the whole cohort's; a tutor
follows the same for the groups they tutor; those who manage the cohort, all of them.

What the staff pages list (the inbox of unanswered questions, the prompts' post counts, the
sessions and the groups one may open them for) loads here too, through the viewer's
``CohortAccess``; the ``..._list`` loaders return rows, the others a Select or a filter.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import Annotation, DiscussionSession, Enrolment, Lesson, TutorGroup
from diplolearn.security.scoping.base import one_or_404
from diplolearn.security.scoping.teaching import CohortAccess, cohort_groups


def learner_discussion(enrolment: Enrolment):
    """The WHERE clause (on Annotation) of what a learner reads through their enrolment."""
    shared = [Annotation.audience == "cohort"]
    if enrolment.tutor_group_id is not None:
        shared.append(
            sa.and_(
                Annotation.audience == "group",
                Annotation.tutor_group_id == enrolment.tutor_group_id,
            )
        )
    return sa.and_(
        Annotation.cohort_id == enrolment.cohort_id,
        sa.or_(Annotation.author_id == enrolment.user_id, *shared),
    )


def staff_discussion(access: CohortAccess):
    """The WHERE clause (on Annotation) of what a cohort's staff read: never private notes;
    a tutor, the groups they tutor and the whole-cohort threads."""
    clause = sa.and_(Annotation.cohort_id == access.cohort.id, Annotation.audience != "private")
    if access.group_ids is not None:
        clause = sa.and_(
            clause,
            sa.or_(
                Annotation.audience == "cohort",
                sa.and_(
                    Annotation.audience == "group", Annotation.tutor_group_id.in_(access.group_ids)
                ),
            ),
        )
    return clause


def discussion_annotation_or_404(where, annotation_id: int) -> Annotation:
    """One annotation inside a discussion filter (``learner_discussion``/``staff_discussion``),
    with its author; 404 for anything else, exactly as for an id that does not exist."""
    return one_or_404(
        sa.select(Annotation)
        .where(Annotation.id == annotation_id, where)
        .options(joinedload(Annotation.author))
    )


def staff_unanswered_questions(access: CohortAccess) -> list:
    """The staff inbox: (question, lesson key) rows of the questions the viewer reads in the
    cohort (``staff_discussion``) that are neither resolved, hidden, nor answered by a tutor's
    answer, oldest first, with author, group and paragraph (one query)."""
    answered = sa.select(Annotation.parent_id).where(
        Annotation.is_tutor_answer.is_(True),
        Annotation.hidden_at.is_(None),
        Annotation.parent_id.is_not(None),
    )
    return db.session.execute(
        sa.select(Annotation, Lesson.key.label("lesson_key"))
        .outerjoin(Lesson, Lesson.id == Annotation.lesson_id)
        .where(
            staff_discussion(access),
            Annotation.kind == "question",
            Annotation.parent_id.is_(None),
            Annotation.resolved_at.is_(None),
            Annotation.hidden_at.is_(None),
            Annotation.id.not_in(answered),
        )
        .options(
            joinedload(Annotation.author),
            joinedload(Annotation.tutor_group),
            joinedload(Annotation.paragraph),
        )
        .order_by(Annotation.created_at, Annotation.id)
    ).all()


def staff_prompt_counts(access: CohortAccess) -> dict:
    """Posts the viewer reads in the cohort (``staff_discussion``) outside any paragraph,
    hidden ones included, by module id: the modules' pinned prompts (one grouped query)."""
    return dict(
        db.session.execute(
            sa.select(Annotation.module_id, sa.func.count(Annotation.id))
            .where(staff_discussion(access), Annotation.paragraph_id.is_(None))
            .group_by(Annotation.module_id)
        ).all()
    )


def learner_sessions(enrolment: Enrolment) -> sa.Select:
    """Weekly text sessions a learner takes part in: their group's and the whole cohort's,
    soonest first."""
    shared = [DiscussionSession.tutor_group_id.is_(None)]
    if enrolment.tutor_group_id is not None:
        shared.append(DiscussionSession.tutor_group_id == enrolment.tutor_group_id)
    return (
        sa.select(DiscussionSession)
        .where(DiscussionSession.cohort_id == enrolment.cohort_id, sa.or_(*shared))
        .options(joinedload(DiscussionSession.tutor_group))
        .order_by(DiscussionSession.starts_at.desc(), DiscussionSession.id.desc())
    )


def learner_session_list(enrolment: Enrolment) -> list[DiscussionSession]:
    """The sessions of ``learner_sessions``, loaded (one query)."""
    return list(db.session.scalars(learner_sessions(enrolment)))


def staff_sessions(access: CohortAccess) -> sa.Select:
    """A cohort's weekly sessions its staff follow: a tutor, their groups' and the whole
    cohort's; those who manage it, all."""
    query = (
        sa.select(DiscussionSession)
        .where(DiscussionSession.cohort_id == access.cohort.id)
        .options(joinedload(DiscussionSession.tutor_group))
        .order_by(DiscussionSession.starts_at.desc(), DiscussionSession.id.desc())
    )
    if access.group_ids is not None:
        query = query.where(
            sa.or_(
                DiscussionSession.tutor_group_id.is_(None),
                DiscussionSession.tutor_group_id.in_(access.group_ids),
            )
        )
    return query


def session_or_404(sessions: sa.Select, session_id: int) -> DiscussionSession:
    """One session of ``learner_sessions``/``staff_sessions``; 404 otherwise."""
    return one_or_404(sessions.where(DiscussionSession.id == session_id))


def staff_session_list(access: CohortAccess) -> list[DiscussionSession]:
    """The sessions of ``staff_sessions``, loaded (one query)."""
    return list(db.session.scalars(staff_sessions(access)))


def session_groups(access: CohortAccess) -> list[TutorGroup]:
    """The cohort's tutor groups the viewer may open a weekly session for: all of them for
    those who manage it, a tutor's own otherwise (``cohort_groups``), by name (one query)."""
    return list(db.session.scalars(cohort_groups(access)))
