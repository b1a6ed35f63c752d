"""Access rows of the notification centre (issue 20; tests/test_notifications.py tests the
pages themselves). Everyone signed in has their own list; marking read works on one's own
notification only (another person's is a 404, as one that does not exist). The preferences
POST without its selects is refused (400)."""

from __future__ import annotations

# Roles: anonymous, learner, coordinator, instructor, tutor, administrator.
GET = {
    "/notifications": (302, 200, 200, 200, 200, 200),
}

POST = {
    "/notifications/read": (302, 302, 302, 302, 302, 302),
    "/notifications/{notification}/read": (302, 302, 404, 404, 404, 404),
    "/notifications/{other_notification}/read": (302, 404, 404, 404, 404, 404),
    "/notifications/987654/read": (302, 404, 404, 404, 404, 404),
    "/account/notifications": (302, 400, 400, 400, 400, 400),
}

A_SIDE = ("{notification}",)


def extend_world(app, db, world: dict) -> dict:
    """A notification of the learner (ministry A) and one of the other learner."""
    from diplolearn.models import Notification

    made = {}
    for name, user_id in (
        ("notification", world["users"]["learner"].id),
        ("other_notification", world["other"].id),
    ):
        row = Notification(
            user_id=user_id, kind="announcement", language="en", title="Hello", delivery="app"
        )
        db.session.add(row)
        db.session.flush()
        made[name] = row.id
    db.session.commit()
    return made
