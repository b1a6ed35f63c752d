"""The demo's notifications (issue 20): a few unread ones for each demo learner and tutor who
signs in, so the count in the navigation and the centre at /notifications have something to
show. Each is written in the person's own language, as the notice's mail subject would be.
Written as rows (``topic`` "demo"), not through ``services.notifications``, so that seeding
queues no mail; a person who already has them is left alone."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.i18n import interface_language_for
from diplolearn.models import Notification, User, utcnow
from diplolearn.services.accounts import accounts
from diplolearn.services.outbox import public_url

TOPIC = "demo"

WEEK = {
    "en": "Week 3 starts on Monday",
    "ar": "يبدأ الأسبوع الثالث يوم الاثنين",
    "fr": "La semaine 3 commence lundi",
}
MODULE = {
    "en": "Public diplomacy online",
    "ar": "الدبلوماسية العامة عبر الإنترنت",
    "fr": "La diplomatie publique en ligne",
}
GROUP = {"en": "Group 1", "ar": "المجموعة 1", "fr": "Groupe 1"}


def _learner_notices(language: str) -> list[tuple[str, str, str]]:
    """(kind, title, endpoint) of a learner's notices."""
    return [
        ("announcement", _("Announcement: %(title)s", title=WEEK[language]), "main.home"),
        (
            "module_released",
            _("A new module is open: %(module)s", module=MODULE[language]),
            "main.home",
        ),
    ]


def _tutor_notices(language: str, learner_name: str) -> list[tuple[str, str, str]]:
    return [
        (
            "discussion_digest",
            _("This week in %(group)s's discussion", group=GROUP[language]),
            "teach.index",
        ),
        (
            "message",
            _("A private message from %(name)s", name=learner_name),
            "main.list_notifications",
        ),
    ]


def seed_notifications(now: dt.datetime | None = None) -> int:
    """A few unread notifications for each demo learner and tutor; returns how many it made.
    Flushes, never commits."""
    from diplolearn.demo.people import DEMO_ACCOUNTS

    now = now or utcnow()
    made = 0
    learners = [row for row in DEMO_ACCOUNTS if row.role.startswith("learner")]
    for row in DEMO_ACCOUNTS:
        if not row.role.startswith(("learner", "tutor")):
            continue
        user = accounts.find_user_by_email(row.email)
        if user is None or _has_demo_notices(user):
            continue
        language = interface_language_for(user)
        with force_locale(language):
            if row.role.startswith("learner"):
                notices = _learner_notices(language if language in WEEK else "en")
            else:
                name = learners[0].name_ar if language == "ar" else learners[0].name_latin
                notices = _tutor_notices(language if language in WEEK else "en", name)
        for age, (kind, title, endpoint) in enumerate(notices):
            db.session.add(
                Notification(
                    user_id=user.id,
                    kind=kind,
                    language=language,
                    title=title,
                    link=public_url(endpoint),
                    topic=TOPIC,
                    delivery="app",
                    created_at=now - dt.timedelta(hours=2 + 20 * age),
                )
            )
            made += 1
        user.unread_notifications = (user.unread_notifications or 0) + len(notices)
    db.session.flush()
    return made


def _has_demo_notices(user: User) -> bool:
    return (
        db.session.scalar(
            sa.select(Notification.id)
            .where(Notification.user_id == user.id, Notification.topic == TOPIC)
            .limit(1)
        )
        is not None
    )
