"""Private messages between a learner and their tutor (issue 20): opening a pair's thread and
writing in it, and marking it read (posting).

Rules (models/messages.py says what a thread is; security/scoping/messages.py who reads it):

- One thread per (enrolment, tutor) pair. A learner writes, through an enrolment under way,
  only to a tutor of their tutor group as it is now; a tutor only to a learner of a group
  they tutor now. After a move to another group the old thread stays readable by both and
  takes no new message. Those who manage the cohort read every thread and write in none.
  Coordinators read none.
- A message is Markdown, at most ``MAX_BODY`` characters, never empty; HTML the sanitiser
  would strip is refused rather than silently changed (as discussion posts are).
- Each new message tells the other party through ``services.notifications.notify`` (kind
  "message"), in the same transaction. Writing counts as reading one's own thread.
- Everything is validated before anything is written; functions flush and never commit.

This domain's errors are declared here, at its top.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class MessageRefused(DomainError):
    message = _l("That message could not be sent. Nothing was sent.")


class TextRefused(MessageRefused):
    """The text itself is refused (empty, too long, HTML); the pair may write."""


class NotYourTutor(MessageRefused):
    message = _l(
        "You can write only to the tutors of your own tutor group, and a tutor only to the "
        "learners of their groups. Nothing was sent."
    )


class NoTutorGroup(MessageRefused):
    message = _l(
        "You are not in a tutor group in this course yet, so you have no tutor to write to. "
        "The course's instructors place learners in groups; until then, nothing can be sent."
    )
