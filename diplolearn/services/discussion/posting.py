"""Posting: a learner's annotation on a paragraph of an open lesson (``annotate``), a post on
a module's discussion prompt (``answer_prompt``), and replies in a thread (``reply``). Each
validates everything before writing, counts a learner's post as learning activity
(``note_author_activity``), tells the people it mentions, and, when the cohort's rules count
discussion posts, checks whether the author's course is now complete."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    Cohort,
    Enrolment,
    Paragraph,
    ParagraphRevision,
    User,
    utcnow,
)
from diplolearn.models.discussion import KINDS
from diplolearn.services import progress as progress_service
from diplolearn.services.discussion import DiscussionRefused
from diplolearn.services.discussion.notifications import (
    check_mentions,
    group_people,
    notify_mentioned,
)
from diplolearn.services.discussion.validation import clean_language, clean_text, clean_url
from diplolearn.services.errors import ModuleLocked


def paragraph_in_text(lesson_revision_id: int, paragraph_key: str) -> Paragraph | None:
    """The logical paragraph with this anchor in a lesson's text of a version; None when the
    version has no such paragraph (unknown, or retired from this version)."""
    return db.session.scalar(
        sa.select(Paragraph)
        .join(ParagraphRevision, ParagraphRevision.paragraph_id == Paragraph.id)
        .where(
            ParagraphRevision.lesson_revision_id == lesson_revision_id,
            Paragraph.key == paragraph_key,
        )
    )


def annotate(
    enrolment: Enrolment,
    progress,
    lesson,
    paragraph_key: str,
    *,
    kind: str,
    body: str,
    lang: str,
    url: str | None = None,
    private: bool = False,
    mention_ids=(),
    now: dt.datetime | None = None,
) -> Annotation:
    """A learner's question, comment or reference on a paragraph of an open lesson
    (``lesson``: a progress LessonState)."""
    progress_service.ensure_studying(enrolment)
    module = progress_service.ensure_open(progress, lesson)
    if kind not in KINDS:
        raise DiscussionRefused(
            _("Choose whether this is a question, a comment or a reference. Nothing was saved.")
        )
    paragraph = paragraph_in_text(lesson.node.revision_id, paragraph_key)
    if paragraph is None:
        raise DiscussionRefused(
            _(
                "This paragraph is not in the lesson's text (it may have "
                "been removed in a new version). Nothing was saved."
            )
        )
    text = clean_text(body)
    link = clean_url(url) if kind == "reference" else None
    language = clean_language(enrolment.cohort, lang)
    if private and mention_ids:
        raise DiscussionRefused(_("A private note cannot mention anyone. Nothing was saved."))
    mentioned = (
        check_mentions(mention_ids, group_people(enrolment.tutor_group_id), enrolment.user_id)
        if mention_ids
        else []
    )
    post = Annotation(
        cohort_id=enrolment.cohort_id,
        tutor_group_id=enrolment.tutor_group_id,
        audience="private" if private else "group",
        module_id=module.node.module_id,
        lesson_id=lesson.node.lesson_id,
        paragraph_id=paragraph.id,
        course_version_id=progress.outline.version_id,
        author_id=enrolment.user_id,
        kind=kind,
        body=text,
        url=link,
        lang=language,
        created_at=now or utcnow(),
    )
    progress_service.note_activity(enrolment.id, post.created_at)
    return _publish(post, mentioned, enrolment.user)


def answer_prompt(
    enrolment: Enrolment,
    progress,
    module_key: str,
    *,
    body: str,
    lang: str,
    mention_ids=(),
    now: dt.datetime | None = None,
) -> Annotation:
    """A learner's post on the pinned thread of a module's discussion prompt."""
    progress_service.ensure_studying(enrolment)
    module = next((m for m in progress.modules if m.node.key == module_key), None)
    if module is None or not module.node.discussion:
        raise DiscussionRefused(_("This module has no discussion prompt. Nothing was saved."))
    if not module.is_open:
        raise ModuleLocked()
    text = clean_text(body)
    language = clean_language(enrolment.cohort, lang)
    mentioned = (
        check_mentions(mention_ids, group_people(enrolment.tutor_group_id), enrolment.user_id)
        if mention_ids
        else []
    )
    post = Annotation(
        cohort_id=enrolment.cohort_id,
        tutor_group_id=enrolment.tutor_group_id,
        audience="group",
        module_id=module.node.module_id,
        lesson_id=None,
        paragraph_id=None,
        course_version_id=progress.outline.version_id,
        author_id=enrolment.user_id,
        kind="prompt",
        body=text,
        lang=language,
        created_at=now or utcnow(),
    )
    progress_service.note_activity(enrolment.id, post.created_at)
    return _publish(post, mentioned, enrolment.user)


def reply(
    author: User,
    target: Annotation,
    *,
    body: str,
    lang: str,
    cohort: Cohort,
    tutor_answer: bool = False,
    staff: bool = False,
    mention_ids=(),
    learner_group_id: int | None = None,
    now: dt.datetime | None = None,
) -> Annotation:
    """A reply in the thread of ``target`` (already loaded through a discussion scope);
    ``tutor_answer`` only for staff (``staff``). A learner (``learner_group_id``: their group
    now) replies only in their group's threads and the whole cohort's: a thread of a group
    they have left stays readable to them for their own posts, not open to new ones."""
    root = target if target.parent_id is None else db.session.get(Annotation, target.parent_id)
    if root.audience == "private":
        raise DiscussionRefused(_("A private note takes no replies. Nothing was saved."))
    if not staff and root.audience == "group" and root.tutor_group_id != learner_group_id:
        raise DiscussionRefused(
            _(
                "This thread belongs to a tutor group you are no longer in, "
                "so it takes no new replies from you. Nothing was saved."
            )
        )
    if root.hidden:
        raise DiscussionRefused(
            _("This thread is hidden, so it takes no replies. Nothing was saved.")
        )
    if tutor_answer and not staff:
        raise DiscussionRefused(
            _(
                "Only the group's tutor and the cohort's instructors can "
                "mark an answer. Nothing was saved."
            )
        )
    text = clean_text(body)
    language = clean_language(cohort, lang)
    mentioned = (
        check_mentions(mention_ids, group_people(root.tutor_group_id), author.id)
        if mention_ids
        else []
    )
    post = Annotation(
        cohort_id=root.cohort_id,
        tutor_group_id=root.tutor_group_id,
        audience=root.audience,
        module_id=root.module_id,
        lesson_id=root.lesson_id,
        paragraph_id=root.paragraph_id,
        course_version_id=cohort.course_version_id or root.course_version_id,
        parent_id=root.id,
        author_id=author.id,
        kind="reply",
        body=text,
        lang=language,
        is_tutor_answer=bool(tutor_answer),
        created_at=now or utcnow(),
    )
    if not staff:
        note_author_activity(post)
    return _publish(post, mentioned, author)


def _publish(post: Annotation, mentioned, author: User) -> Annotation:
    """Save a post, tell the people it mentions, and complete the module when the cohort
    counts posts (the caller has counted it as its learner's activity)."""
    db.session.add(post)
    db.session.flush()
    notify_mentioned(post, mentioned, author)
    db.session.flush()
    _complete_if_counted(post)
    return post


def note_author_activity(post: Annotation) -> None:
    """A learner's post is learning activity (``progress.note_activity``: it starts an invited
    enrolment's studies); staff, who have no enrolment in the cohort, are left alone."""
    enrolment_id = db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.user_id == post.author_id, Enrolment.cohort_id == post.cohort_id
        )
    )
    if enrolment_id is not None:
        progress_service.note_activity(enrolment_id, post.created_at)


def _complete_if_counted(post: Annotation) -> None:
    """When the cohort's rules count discussion posts, this post may complete the author's
    course (progress: ``annotations``): check, as marking a lesson done does."""
    if post.audience == "private":
        return
    cohort = db.session.get(Cohort, post.cohort_id)
    if not any(
        isinstance(rule, dict) and rule.get("annotations")
        for rule in (cohort.module_rules or {}).values()
    ):
        return
    enrolment_id = db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.user_id == post.author_id, Enrolment.cohort_id == post.cohort_id
        )
    )
    if enrolment_id is not None:
        progress_service.update_completion([enrolment_id])
