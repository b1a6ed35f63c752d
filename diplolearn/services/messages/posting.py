"""Writing a private message (``write``: opens the pair's thread on the first one) and
marking a thread read (``mark_read``). See the package docstring for the rules."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from diplolearn import i18n
from diplolearn.extensions import db
from diplolearn.models import Enrolment, Message, MessageThread, User, utcnow
from diplolearn.security.sanitize import authored_text_problem
from diplolearn.security.scoping.messages import WRITING, pair_thread, tutors_enrolment
from diplolearn.services.messages import MessageRefused, NoTutorGroup, NotYourTutor, TextRefused
from diplolearn.services.notifications import Kind, notify
from diplolearn.services.outbox import public_url

MAX_BODY = 5000


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    problem = authored_text_problem(text, MAX_BODY)
    if problem == "empty":
        raise TextRefused(_("Write something first: the message is empty. Nothing was sent."))
    if problem == "too long":
        raise TextRefused(
            _(
                "The message is too long: at most %(max)d characters "
                "(yours has %(count)d). Nothing was sent.",
                max=MAX_BODY,
                count=len(text),
            )
        )
    if problem == "html":
        raise TextRefused(
            _(
                "The message contains HTML that is not allowed here (such as "
                "a script or a link that runs code). Write plain text or "
                "Markdown. Nothing was sent."
            )
        )
    return text


def check_pair(author: User, enrolment: Enrolment, tutor: User) -> None:
    """Refuse unless the author is one of the pair and the pair may write now."""
    if author.id not in (enrolment.user_id, tutor.id) or tutor.id == enrolment.user_id:
        raise NotYourTutor()
    if enrolment.state not in WRITING:
        raise MessageRefused(
            _(
                "This enrolment is no longer under way, so it takes no new messages. Nothing was sent."
            )
        )
    if enrolment.tutor_group_id is None:
        raise NoTutorGroup()
    if not tutors_enrolment(tutor.id, enrolment):
        raise NotYourTutor()


def write(
    author: User,
    enrolment: Enrolment,
    tutor: User,
    body: str,
    *,
    now: dt.datetime | None = None,
) -> Message:
    """A message from the author (the enrolment's learner or the tutor) to the other, in the
    pair's thread, opened on the first message."""
    check_pair(author, enrolment, tutor)
    text = clean_body(body)
    now = now or utcnow()
    thread = pair_thread(enrolment.id, tutor.id)
    if thread is None:
        thread = MessageThread(
            cohort_id=enrolment.cohort_id,
            enrolment_id=enrolment.id,
            learner_id=enrolment.user_id,
            tutor_id=tutor.id,
            tutor_group_id=enrolment.tutor_group_id,
            created_at=now,
        )
        db.session.add(thread)
        db.session.flush()
    message = Message(thread_id=thread.id, author_id=author.id, body=text, created_at=now)
    db.session.add(message)
    thread.last_message_at = now
    if author.id == thread.learner_id:
        thread.learner_read_at = now
        recipient = tutor
    else:
        thread.tutor_read_at = now
        recipient = enrolment.user
    db.session.flush()
    notify(
        recipient,
        Kind.MESSAGE,
        link=public_url("messages.show_thread", thread_id=thread.id),
        sender_name=author.display_name_for(i18n.interface_language_for(recipient)),
    )
    return message


def mark_read(user: User, thread: MessageThread, *, now: dt.datetime | None = None) -> None:
    """The participant has read the thread up to now; the cohort's managers leave no trace."""
    now = now or utcnow()
    if user.id == thread.learner_id:
        thread.learner_read_at = now
    elif user.id == thread.tutor_id:
        thread.tutor_read_at = now
    else:
        raise MessageRefused(
            _("Only the two people writing in a thread can mark it read. Nothing was changed.")
        )
    db.session.flush()
