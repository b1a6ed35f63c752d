"""Private messages (issue 20): which threads a viewer reads, and with whom they may write.

A thread (models/messages.py) is read by its learner, its tutor, and those who manage its
cohort (``leads_cohort``: the cohort's lead instructors, the course's instructors,
administrators). Coordinators hold no message scope: no filter here names a ministry.

Who may write to whom *now*: a learner, through an enrolment that is under way and has a tutor
group, to each tutor of that group; a tutor to each learner of the groups they tutor. These
pairs (``message_partners``, ``writable_pair_or_404``) are what the inbox offers and what
``services.messages`` checks again before writing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, has_request_context
from sqlalchemy.orm import aliased, joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Enrolment,
    EnrolmentState,
    Message,
    MessageThread,
    Role,
    RoleGrant,
    TutorGroup,
    User,
)
from diplolearn.names import person_order
from diplolearn.security.scoping.base import one_or_404, scope_of

# Enrolments through which a learner and their tutor write to each other.
WRITING = (EnrolmentState.INVITED, EnrolmentState.ACTIVE, EnrolmentState.COMPLETED)
INBOX_LIMIT = 100


def _overseen(viewer: User):
    """The WHERE clause (on MessageThread) of the threads the viewer reads as one who manages
    the cohort; None when they manage none."""
    scope = scope_of(viewer)
    if scope.is_administrator:
        return sa.true()
    parts = []
    if scope.cohort_ids:
        parts.append(MessageThread.cohort_id.in_(scope.cohort_ids))
    if scope.course_ids:
        parts.append(
            MessageThread.cohort_id.in_(
                sa.select(Cohort.id).where(Cohort.course_id.in_(scope.course_ids))
            )
        )
    return sa.or_(*parts) if parts else None


def readable_threads(viewer: User):
    """The WHERE clause (on MessageThread) of every thread the viewer reads."""
    mine = sa.or_(MessageThread.learner_id == viewer.id, MessageThread.tutor_id == viewer.id)
    overseen = _overseen(viewer)
    return mine if overseen is None else sa.or_(mine, overseen)


def _with_people(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(MessageThread.learner),
        joinedload(MessageThread.tutor),
        joinedload(MessageThread.cohort),
    )


def own_message_threads(viewer: User) -> list[MessageThread]:
    """The threads the viewer takes part in, latest message first (one query)."""
    return list(
        db.session.scalars(
            _with_people(
                sa.select(MessageThread)
                .where(
                    sa.or_(
                        MessageThread.learner_id == viewer.id, MessageThread.tutor_id == viewer.id
                    )
                )
                .order_by(
                    MessageThread.last_message_at.desc().nulls_last(), MessageThread.id.desc()
                )
                .limit(INBOX_LIMIT)
            )
        ).unique()
    )


def overseen_message_threads(viewer: User) -> list[MessageThread]:
    """The threads of the cohorts the viewer manages that they take no part in, latest first;
    none (and no query) for someone who manages no cohort."""
    overseen = _overseen(viewer)
    if overseen is None:
        return []
    return list(
        db.session.scalars(
            _with_people(
                sa.select(MessageThread)
                .where(
                    overseen,
                    MessageThread.learner_id != viewer.id,
                    MessageThread.tutor_id != viewer.id,
                    MessageThread.last_message_at.is_not(None),
                )
                .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
                .limit(INBOX_LIMIT)
            )
        ).unique()
    )


def message_thread_or_404(viewer: User, thread_id: int) -> MessageThread:
    """One thread the viewer reads, with its people; 404 otherwise, as for an unknown id."""
    return one_or_404(
        _with_people(
            sa.select(MessageThread).where(MessageThread.id == thread_id, readable_threads(viewer))
        )
    )


def thread_messages(thread: MessageThread) -> list[Message]:
    """The thread's messages, oldest first, with their authors."""
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.thread_id == thread.id)
            .options(joinedload(Message.author))
            .order_by(Message.created_at, Message.id)
        )
    )


def pair_thread(enrolment_id: int, tutor_id: int) -> MessageThread | None:
    """The thread of a learner's enrolment with a tutor, if one was opened."""
    return db.session.scalar(
        sa.select(MessageThread).where(
            MessageThread.enrolment_id == enrolment_id, MessageThread.tutor_id == tutor_id
        )
    )


def tutors_enrolment(tutor_id: int, enrolment: Enrolment) -> bool:
    """Whether the person tutors the enrolment's tutor group now."""
    if enrolment.tutor_group_id is None:
        return False
    return (
        db.session.scalar(
            sa.select(RoleGrant.id).where(
                RoleGrant.user_id == tutor_id,
                RoleGrant.role == Role.TUTOR,
                RoleGrant.tutor_group_id == enrolment.tutor_group_id,
            )
        )
        is not None
    )


def message_partners(viewer: User) -> tuple[list, list, list]:
    """Whom the viewer may write to now: (rows of (enrolment, tutor) for the viewer as a
    learner, rows of (enrolment, learner) for the viewer as a tutor, the viewer's enrolments
    under way that have no tutor group, so the page can say why). Two queries."""
    grant = aliased(RoleGrant)
    tutor = aliased(User)
    own = db.session.execute(
        sa.select(Enrolment, tutor)
        .outerjoin(
            grant,
            sa.and_(
                grant.tutor_group_id == Enrolment.tutor_group_id,
                grant.role == Role.TUTOR,
            ),
        )
        .outerjoin(tutor, tutor.id == grant.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.user_id == viewer.id,
            Enrolment.state.in_(WRITING),
            Cohort.is_default.is_(False),
        )
        .options(joinedload(Enrolment.cohort))
        .order_by(Enrolment.id, tutor.name_latin)
    ).all()
    as_learner = [(e, t) for e, t in own if t is not None]
    ungrouped = [e for e, t in own if t is None and e.tutor_group_id is None]
    groups = scope_of(viewer).tutor_group_ids
    as_tutor = []
    if groups:
        as_tutor = [
            (e, e.user)
            for e in db.session.scalars(
                sa.select(Enrolment)
                .join(User, User.id == Enrolment.user_id)
                .where(Enrolment.tutor_group_id.in_(groups), Enrolment.state.in_(WRITING))
                .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort))
                .order_by(*person_order(), Enrolment.id)
            )
        ]
    return as_learner, as_tutor, ungrouped


def writable_pair_or_404(viewer: User, enrolment_id: int, tutor_id: int):
    """(enrolment, tutor) of a pair the viewer belongs to: the viewer is the enrolment's
    learner or the tutor named. 404 for anyone else's enrolment or an unknown person; whether
    the pair may write now (the tutor tutors the enrolment's group) is the service's to say."""
    enrolment = one_or_404(
        sa.select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.id == enrolment_id, Cohort.is_default.is_(False))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort))
    )
    if viewer.id == enrolment.user_id:
        # Any tutor of the cohort (named on its discussion pages anyway); someone else, 404.
        tutor = one_or_404(
            sa.select(User).where(
                User.id == tutor_id,
                User.id.in_(
                    sa.select(RoleGrant.user_id)
                    .join(TutorGroup, TutorGroup.id == RoleGrant.tutor_group_id)
                    .where(
                        RoleGrant.role == Role.TUTOR,
                        TutorGroup.cohort_id == enrolment.cohort_id,
                    )
                ),
            )
        )
        return enrolment, tutor
    if tutor_id != viewer.id or enrolment.tutor_group_id not in scope_of(viewer).tutor_group_ids:
        abort(404)
    return enrolment, viewer


def unread_message_threads(user: User, limit: int = 10) -> list[MessageThread]:
    """The threads with a message the person has not read yet, as learner or as tutor, newest
    first, with the other party (one query)."""
    return list(
        db.session.scalars(
            _with_people(
                sa.select(MessageThread)
                .where(
                    MessageThread.last_message_at.is_not(None),
                    sa.or_(
                        sa.and_(
                            MessageThread.learner_id == user.id,
                            sa.or_(
                                MessageThread.learner_read_at.is_(None),
                                MessageThread.learner_read_at < MessageThread.last_message_at,
                            ),
                        ),
                        sa.and_(
                            MessageThread.tutor_id == user.id,
                            sa.or_(
                                MessageThread.tutor_read_at.is_(None),
                                MessageThread.tutor_read_at < MessageThread.last_message_at,
                            ),
                        ),
                    ),
                )
                .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
                .limit(limit)
            )
        ).unique()
    )


_UNREAD = "_diplolearn_unread_threads"  # on flask.g: {user id: [threads]}


def unread_threads_once(user: User) -> list[MessageThread]:
    """``unread_message_threads`` once per request (the learner's and the staff's to-do lists
    both show them: one query for the two); outside a request, computed afresh."""
    if not has_request_context():
        return unread_message_threads(user, INBOX_LIMIT)
    cache = g.setdefault(_UNREAD, {})
    if user.id not in cache:
        cache[user.id] = unread_message_threads(user, INBOX_LIMIT)
    return cache[user.id]


def may_have_messages(user: User, enrolments: list[Enrolment] | None = None) -> bool:
    """Whether the person can hold a thread at all (an enrolment in a cohort with groups, or
    a tutor's grant): home pages of everyone else pay no query for messages."""
    if scope_of(user).tutor_group_ids:
        return True
    return any(not e.cohort.is_default for e in enrolments or [])
