"""Giving a notice: ``notify`` for one person, ``notify_many`` for a crowd (bulk inserts: an
announcement to a cohort of 1,000 is one insert of notifications and one of outbox mails,
which the ``send_mail`` job then delivers in its batches), and the daily digest job."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diplolearn import i18n
from diplolearn.extensions import db
from diplolearn.models import Notification, NotificationPreference, OutboxMessage, User, utcnow
from diplolearn.observability import current_request_id
from diplolearn.services import notifications as domain
from diplolearn.services.outbox import public_url, queue_mail, render_mail


def deliveries_for(users: list[User], kind: str) -> dict[int, str]:
    """How each person wants this kind: their preference, else their notify-by-mail default."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.kind == kind,
                NotificationPreference.user_id.in_([u.id for u in users]),
            )
        ).all()
    )
    return {
        u.id: chosen.get(u.id) or (domain.NOW if u.notify_by_mail else domain.APP) for u in users
    }


def notify(recipient: User, kind: str, *, link=None, mail=None, topic=None, **context):
    """Tell one person (see ``notify_many``); returns their notification."""
    return notify_many([(recipient, context)], kind, link=link, mail=mail, topic=topic)[0]


def notify_many(people, kind: str, *, link=None, mail=None, topic=None) -> list[Notification]:
    """Tell many people: ``people`` is a list of (recipient, their template context). Each
    gets a notification rendered in their language (the mail template's subject as its title,
    its text as its body) and, when they take this kind immediately by mail, one outbox mail.
    ``link`` (a URL, or a callable of the recipient) is what the notification opens."""
    if kind not in domain.KINDS:
        raise domain.UnknownKind()
    people = [(u, c) for u, c in people if u.erased_at is None]
    if not people:
        return []
    template = mail or domain.KINDS[kind][1]
    deliveries = deliveries_for([u for u, _c in people], kind)
    now, request_id = utcnow(), current_request_id()
    rows, mails = [], []
    for user, context in people:
        language = i18n.interface_language_for(user)
        url = link(user) if callable(link) else link
        context.setdefault("link", url)
        subject, body = render_mail(template, language, recipient=user, **context)
        delivery = deliveries[user.id] if user.email else domain.APP
        mailed = delivery == domain.NOW
        rows.append(
            {
                "user_id": user.id,
                "kind": kind,
                "language": language,
                "title": subject[:300],
                "body": body,
                "link": url,
                "topic": topic,
                "delivery": delivery,
                "created_at": now,
                "emailed_at": now if mailed else None,
            }
        )
        if mailed:
            mails.append(
                {
                    "kind": template,
                    "to_address": user.email,
                    "to_user_id": user.id,
                    "language": language,
                    "subject": subject,
                    "body_text": body,
                    "request_id": request_id,
                    "created_at": now,
                    "next_attempt_at": now,
                }
            )
    if len(rows) == 1:  # one person: keep the objects (callers may read them)
        notification = Notification(**rows[0])
        db.session.add(notification)
        if mails:
            db.session.add(OutboxMessage(**mails[0]))
        created = [notification]
    else:
        # render_nulls: one batch whatever the order of the rows; without it the ORM batches
        # rows by which of their values are None (emailed_at), so the number of statements
        # would depend on the order the recipients come in.
        created = list(
            db.session.scalars(
                sa.insert(Notification)
                .returning(Notification)
                .execution_options(render_nulls=True),
                rows,
            )
        )
        if mails:
            db.session.execute(sa.insert(OutboxMessage).execution_options(render_nulls=True), mails)
    db.session.flush()
    told = Counter(u.id for u, _c in people)  # one update per distinct count (usually one)
    for times in set(told.values()):
        db.session.execute(
            sa.update(User)
            .where(User.id.in_([i for i, n in told.items() if n == times]))
            .values(unread_notifications=User.unread_notifications + times)
            .execution_options(synchronize_session=False)
        )
    for user, _c in people:
        db.session.expire(user, ["unread_notifications"])
    return created


def local_day(when: dt.datetime, zone: str) -> dt.date:
    return when.astimezone(ZoneInfo(i18n.valid_timezone(zone))).date()


def send_daily_digests(now: dt.datetime) -> dict[str, int]:
    """One mail a day per person with notifications kept for the digest and not mailed yet,
    in their language, their times in their time zone; none when a digest was already queued
    for them on the same day (their day), so running the job again sends nothing."""
    waiting = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.delivery == domain.DIGEST, Notification.emailed_at.is_(None))
            .order_by(Notification.user_id, Notification.created_at, Notification.id)
        )
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in waiting:
        by_user[notification.user_id].append(notification)
    counts = {"digests": 0, "notifications": 0}
    if not by_user:
        return counts
    people = db.session.scalars(sa.select(User).where(User.id.in_(by_user))).all()
    url = public_url("main.list_notifications")
    for user in people:
        last = user.notification_digest_at
        if last is not None and local_day(last, user.timezone) == local_day(now, user.timezone):
            continue
        items = by_user[user.id]
        if user.email and user.erased_at is None:
            queue_mail("daily_digest", user, notifications=items, url=url)
        for notification in items:
            notification.emailed_at = now
        user.notification_digest_at = now
        counts["digests"] += 1
        counts["notifications"] += len(items)
    db.session.flush()
    return counts
