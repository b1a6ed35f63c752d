"""A person's own notifications: the list, marking read (only their own: another person's
is not found) and their per-kind preferences. The unread count (``User.unread_notifications``)
moves with every change, in the same transaction."""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Notification, NotificationPreference, User, utcnow
from diplolearn.services import notifications as domain


def own_notifications(user: User) -> sa.Select:
    """The person's notifications, newest first (for pagination)."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def own_notification(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(
        sa.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def mark_read(user: User, notification: Notification) -> None:
    if notification.user_id != user.id:
        raise domain.NotYours()
    if notification.read_at is None:
        notification.read_at = utcnow()
        _recount(user)


def mark_all_read(user: User) -> int:
    done = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    _recount(user)
    return done


def _recount(user: User) -> None:
    """Count again from the rows (so the kept count cannot drift)."""
    db.session.flush()
    user.unread_notifications = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def preferences_of(user: User) -> dict[str, str]:
    """Each kind's delivery for the person: their choice, else their notify-by-mail default."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    default = domain.NOW if user.notify_by_mail else domain.APP
    return {kind: chosen.get(kind, default) for kind in domain.KINDS}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    """Record a delivery for each kind given (every kind known, every delivery known)."""
    if any(k not in domain.KINDS or v not in domain.DELIVERIES for k, v in choices.items()):
        raise domain.UnknownKind()
    existing = {
        p.kind: p
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind, delivery in choices.items():
        if kind in existing:
            existing[kind].delivery = delivery
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
    db.session.flush()
