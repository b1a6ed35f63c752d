"""Discussion on the text: annotations and replies on a lesson's paragraphs and on a module's
prompt (posting), threads and counts (reading), mentions and weekly digests (notifications),
staff tools (moderation), weekly live text sessions (text_sessions), and what a post may
say (validation).

Rules (models/discussion.py says who reads what; security/scoping/discussion.py enforces it):

- A learner annotates a paragraph of a lesson that is open to them (released, prerequisites
  met) while studying; the paragraph must be in the text of the cohort's version. The post
  goes to their tutor group as it is now (a later move does not carry it along), or stays
  their private note. A learner with no group yet shares with nobody but the cohort's staff.
- Text is Markdown, at most ``MAX_BODY`` characters; HTML the sanitiser would strip (a
  script, an event handler, a ``javascript:`` link) is refused rather than silently changed,
  so the author knows. A reference may carry one http(s) URL.
- Everything is validated before anything is written; functions flush and never commit.
- Replies join the root's thread and its audience; private notes take no replies. A tutor or
  lead's reply may be marked as the tutor's answer; a question is resolved by its author or
  the staff. Staff hide (with a reason) or edit (with a reason, the text before kept in the
  audit log) any post they can read.
- Mentions name members of the post's audience (the group's learners and tutors); each is
  told by mail through the outbox when ``User.notify_by_mail`` allows.

This domain's errors are declared here, at its top.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class DiscussionRefused(DomainError):
    message = _l("That post could not be saved. Nothing was saved.")
