"""Who takes part in a tutor group's discussion (``group_people``) and how they are told:
mentions checked against the post's audience and mailed through the outbox
(``check_mentions``, ``notify_mentioned``), and the weekly digest of each group's posts
(``send_weekly_digests``, run by jobs.send_discussion_digests)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    AnnotationMention,
    Cohort,
    Enrolment,
    EnrolmentState,
    Notification,
    OutboxMessage,
    Role,
    RoleGrant,
    TutorGroup,
    User,
)
from diplolearn.names import person_order
from diplolearn.services import notifications
from diplolearn.services.discussion import DiscussionRefused, places
from diplolearn.services.outbox import public_url

# Enrolments whose holders take part in their group's discussion (and may be mentioned).
TAKING_PART = (EnrolmentState.INVITED, EnrolmentState.ACTIVE, EnrolmentState.COMPLETED)


def group_people(group_id: int | None) -> list[User]:
    """The learners taking part in a tutor group and its tutors, by name (one query)."""
    if group_id is None:
        return []
    learners = sa.select(Enrolment.user_id).where(
        Enrolment.tutor_group_id == group_id, Enrolment.state.in_(TAKING_PART)
    )
    tutors = sa.select(RoleGrant.user_id).where(
        RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id == group_id
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(sa.or_(User.id.in_(learners), User.id.in_(tutors)), User.erased_at.is_(None))
            .order_by(*person_order(), User.id)
        )
    )


def check_mentions(mention_ids, allowed: list[User], author_id: int) -> list[User]:
    wanted = {int(i) for i in mention_ids or ()}
    by_id = {u.id: u for u in allowed if u.id != author_id}
    if not wanted <= set(by_id):
        raise DiscussionRefused(
            _("You can only mention members of this discussion's group. Nothing was saved.")
        )
    return [by_id[i] for i in sorted(wanted)]


def notify_mentioned(post: Annotation, people: list[User], author: User) -> None:
    for person in people:
        db.session.add(AnnotationMention(annotation_id=post.id, user_id=person.id))
        url = _post_url(post, person)  # issue 20: a notice, mailed as the person prefers
        notifications.notify(
            person, notifications.Kind.MENTION, link=url, author=author, post=post, url=url
        )


def _post_url(post: Annotation, person: User) -> str:
    """Where the person reads the post: their lesson page for learners, the thread otherwise."""
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.user_id == person.id, Enrolment.cohort_id == post.cohort_id
        )
    )
    root_id = post.parent_id or post.id
    if enrolment is None:
        return public_url("teach.show_thread", cohort_id=post.cohort_id, annotation_id=root_id)
    return public_url("learner.show_post", enrolment_id=enrolment.id, annotation_id=root_id)


# --- weekly digests -------------------------------------------------------------------------------

DIGEST_PERIOD = dt.timedelta(days=7)


def send_weekly_digests(now: dt.datetime) -> dict[str, int]:
    """Mail each member and tutor of every tutor group with new posts in the past week the
    group's own posts of that week (never private notes, hidden posts or another group's).
    At most one digest per person and group a week, so running the job again sends nothing."""
    since = now - DIGEST_PERIOD
    counts = {"groups": 0, "queued": 0}
    recent = list(
        db.session.scalars(
            sa.select(Annotation)
            .where(
                Annotation.audience == "group",
                Annotation.tutor_group_id.is_not(None),
                Annotation.hidden_at.is_(None),
                Annotation.created_at > since,
                Annotation.created_at <= now,
            )
            .options(joinedload(Annotation.author), joinedload(Annotation.paragraph))
            .order_by(Annotation.tutor_group_id, Annotation.created_at, Annotation.id)
        )
    )
    by_group: dict[int, list[Annotation]] = defaultdict(list)
    for post in recent:
        by_group[post.tutor_group_id].append(post)
    if not by_group:
        return counts
    # Each digest is tagged with its group ("discussion_digest:<group id>": the notification's
    # topic, and the kind of the mails queued before issue 20): a person already given this
    # group's digest in the past week gets none now.
    tags = [f"discussion_digest:{g}" for g in by_group]
    recently = now - DIGEST_PERIOD + dt.timedelta(hours=12)
    already = set(
        db.session.execute(
            sa.select(OutboxMessage.to_user_id, OutboxMessage.kind).where(
                OutboxMessage.kind.in_(tags), OutboxMessage.created_at > recently
            )
        ).all()
    ) | set(
        db.session.execute(
            sa.select(Notification.user_id, Notification.topic).where(
                Notification.topic.in_(tags), Notification.created_at > recently
            )
        ).all()
    )
    groups = {
        g.id: g
        for g in db.session.scalars(
            sa.select(TutorGroup)
            .where(TutorGroup.id.in_(by_group))
            .options(joinedload(TutorGroup.cohort).joinedload(Cohort.course))
        )
    }
    # Each post's place named as people read it (its lesson and first words), never by the
    # course files' keys: two queries for every post of the week.
    named_places = places.places(recent)
    for group_id, posts in by_group.items():
        group, tag = groups[group_id], f"discussion_digest:{group_id}"
        counts["groups"] += 1
        enrolments = dict(
            db.session.execute(
                sa.select(Enrolment.user_id, Enrolment.id).where(
                    Enrolment.tutor_group_id == group_id
                )
            ).all()
        )
        for person in group_people(group_id):
            if (person.id, tag) in already:
                continue
            enrolment_id = enrolments.get(person.id)
            url = (
                public_url("learner.show_outline", enrolment_id=enrolment_id)
                if enrolment_id
                else public_url("teach.show_inbox", cohort_id=group.cohort_id)
            )
            notification = notifications.notify(
                person,
                notifications.Kind.DISCUSSION_DIGEST,
                link=url,
                topic=tag,
                group=group,
                posts=posts,
                places=named_places,
                since=since,
                url=url,
            )
            notification.created_at = now
            counts["queued"] += 1
    db.session.flush()
    return counts
