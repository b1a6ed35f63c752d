"""Access rows of private messages (issue 20): a thread between the learner and their tutor
(``{message_thread}``, created below) is read by the two of them and by the cohort's lead
instructor (the ``instructor``) and the administrator, who write nothing there (403); the
coordinator never reads it (404). ``/messages/write/<enrolment>/<tutor>`` belongs to the pair:
with a thread already open it leads there (302); anyone else gets 404."""

from __future__ import annotations

# Roles: anonymous, learner, coordinator, instructor, tutor, administrator.
GET = {
    "/messages/": (302, 200, 200, 200, 200, 200),
    "/messages/{message_thread}": (302, 200, 404, 200, 200, 200),
    "/messages/987654": (302, 404, 404, 404, 404, 404),
    "/messages/write/{enrolment}/{message_tutor}": (302, 302, 404, 404, 302, 404),
    "/messages/write/{enrolment}/{self}": (302, 404, 404, 404, 302, 404),
    "/messages/write/{other_enrolment}/{message_tutor}": (302, 404, 404, 404, 404, 404),
}

# An empty form (CSRF token only): the text is missing (422) for the pair; the lead
# instructor and the administrator read but do not write (403).
POST = {
    "/messages/{message_thread}": (302, 422, 404, 403, 422, 403),
    "/messages/{message_thread}/read": (302, 302, 404, 403, 302, 403),
    "/messages/987654/read": (302, 404, 404, 404, 404, 404),
    "/messages/write/{enrolment}/{message_tutor}": (302, 422, 404, 404, 422, 404),
    "/messages/write/{other_enrolment}/{message_tutor}": (302, 404, 404, 404, 404, 404),
}

A_SIDE = ("{message_thread}",)


def extend_world(app, db, world: dict) -> dict:
    """A thread opened by the learner (group 1, ministry A) with the group's tutor."""
    from diplolearn.models import Enrolment, User
    from diplolearn.services.messages import posting

    ids = world["ids"]
    enrolment = db.session.get(Enrolment, ids["enrolment"])
    tutor = db.session.get(User, world["users"]["tutor"].id)
    message = posting.write(enrolment.user, enrolment, tutor, "A question for my tutor.")
    db.session.commit()
    return {"message_thread": message.thread_id, "message_tutor": tutor.id}
