"""Moderation: resolving a question (its author or the staff), staff hiding, unhiding and
correcting posts with a reason kept in the audit log, and blanking a person's posts when their
personal data is erased."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.models import Annotation, User, utcnow
from diplolearn.services import audit
from diplolearn.services.discussion import DiscussionRefused
from diplolearn.services.discussion.validation import clean_reason, clean_text


def resolve(
    question: Annotation,
    by: User,
    *,
    staff: bool,
    now: dt.datetime | None = None,
    reopen: bool = False,
) -> None:
    """Mark a question resolved (or open again): its author or the staff."""
    if question.parent_id is not None or question.kind != "question":
        raise DiscussionRefused(_("Only a question can be marked resolved."))
    if not staff and question.author_id != by.id:
        raise DiscussionRefused(
            _(
                "Only the person who asked, the tutor or the cohort's "
                "instructors can mark this question resolved."
            )
        )
    if reopen:
        question.resolved_at = question.resolved_by_id = None
    elif question.resolved_at is None:
        question.resolved_at, question.resolved_by_id = now or utcnow(), by.id
    db.session.flush()


def hide(post: Annotation, by: User, reason: str, now: dt.datetime | None = None) -> None:
    """Staff hide a post (loaded through ``staff_discussion``), with a reason; audited."""
    reason = clean_reason(reason)
    if post.hidden:
        raise DiscussionRefused(_("This post is already hidden."))
    post.hidden_at, post.hidden_by_id, post.hidden_reason = now or utcnow(), by.id, reason
    audit.record(
        by,
        "discussion.hide",
        target=post,
        cohort_id=post.cohort_id,
        tutor_group_id=post.tutor_group_id,
        author_id=post.author_id,
        reason=reason,
    )
    db.session.flush()


def unhide(post: Annotation, by: User) -> None:
    if not post.hidden:
        return
    audit.record(
        by, "discussion.unhide", target=post, cohort_id=post.cohort_id, reason=post.hidden_reason
    )
    post.hidden_at = post.hidden_by_id = post.hidden_reason = None
    db.session.flush()


def edit(
    post: Annotation, by: User, body: str, reason: str, now: dt.datetime | None = None
) -> None:
    """Staff correct a post (loaded through ``staff_discussion``); the audit log keeps the
    text before, the text after and the reason."""
    text = clean_text(body)
    reason = clean_reason(reason)
    if text == post.body:
        raise DiscussionRefused(_("The text is unchanged, so nothing was saved."))
    audit.record(
        by,
        "discussion.edit",
        target=post,
        cohort_id=post.cohort_id,
        author_id=post.author_id,
        reason=reason,
        before=post.body,
        after=text,
    )
    post.body, post.edited_at, post.edited_by_id = text, now or utcnow(), by.id
    db.session.flush()


def erase_texts_of(user_id: int) -> int:
    """Blank the text and links of a person's posts (personal data erasure): the threads keep
    their shape, the words go. Returns how many posts were blanked."""
    return db.session.execute(
        sa.update(Annotation)
        .where(Annotation.author_id == user_id)
        .values(body="", url=None)
        .execution_options(synchronize_session=False)
    ).rowcount
