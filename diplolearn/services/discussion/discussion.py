"""Discussion on the text: posting annotations and replies, threads and counts, staff tools.

Rules (models/discussion.py says who reads what; security/scoping.py enforces it):

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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    AnnotationMention,
    Cohort,
    Enrolment,
    EnrolmentState,
    Lesson,
    Paragraph,
    ParagraphRevision,
    Role,
    RoleGrant,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.models.discussion import KINDS
from diplolearn.security.sanitize import markdown_to_html, render_markdown, would_change
from diplolearn.services import audit
from diplolearn.services.errors import DomainError
from diplolearn.services.outbox import public_url, queue_mail

MAX_BODY = 5000
MAX_REASON = 500
# Enrolments whose holders take part in their group's discussion (and may be mentioned).
TAKING_PART = (EnrolmentState.INVITED, EnrolmentState.ACTIVE, EnrolmentState.COMPLETED)


class DiscussionRefused(DomainError):
    message = _l("That post could not be saved. Nothing was saved.")


# --- validation --------------------------------------------------------------------------------


def clean_text(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise DiscussionRefused(_("Write something first: the text is empty. Nothing was saved."))
    if len(text) > MAX_BODY:
        raise DiscussionRefused(
            _(
                "The text is too long: at most %(max)d characters "
                "(yours has %(count)d). Nothing was saved.",
                max=MAX_BODY,
                count=len(text),
            )
        )
    if would_change(markdown_to_html(text)):
        raise DiscussionRefused(
            _(
                "The text contains HTML that is not allowed here (such as "
                "a script or a link that runs code). Write plain text or "
                "Markdown. Nothing was saved."
            )
        )
    return text


def clean_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or len(url) > 2000
        or any(c.isspace() for c in url)
    ):
        raise DiscussionRefused(
            _(
                "The reference's address must be a web address starting "
                "with http:// or https://. Nothing was saved."
            )
        )
    return url


def clean_language(cohort: Cohort, lang: str | None) -> str:
    course = cohort.course
    known = [*(course.languages or []), *(course.optional_languages or [])]
    if lang not in known:
        raise DiscussionRefused(
            _(
                "The language of the text you read is not one of this "
                "course's languages. Nothing was saved."
            )
        )
    return lang


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DiscussionRefused(
            _("Give a reason: the author and the audit log will see it. Nothing was changed.")
        )
    if len(reason) > MAX_REASON:
        raise DiscussionRefused(
            _(
                "The reason is too long: at most %(max)d characters. Nothing was changed.",
                max=MAX_REASON,
            )
        )
    return reason


# --- who takes part ----------------------------------------------------------------------------


def group_people(group_id: int | None) -> list[User]:
    """The learners taking part in a tutor group and its tutors, by name (one query)."""
    if group_id is None:
        return []
    learners = sa.select(Enrolment.user_id).where(
        Enrolment.tutor_group_id == group_id, Enrolment.state.in_(TAKING_PART)
    )
    tutors = sa.select(RoleGrant.user_id).where(
        RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id == group_id
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(sa.or_(User.id.in_(learners), User.id.in_(tutors)), User.erased_at.is_(None))
            .order_by(User.sort_key, User.id)
        )
    )


def _check_mentions(mention_ids, allowed: list[User], author_id: int) -> list[User]:
    wanted = {int(i) for i in mention_ids or ()}
    by_id = {u.id: u for u in allowed if u.id != author_id}
    if not wanted <= set(by_id):
        raise DiscussionRefused(
            _("You can only mention members of this discussion's group. Nothing was saved.")
        )
    return [by_id[i] for i in sorted(wanted)]


def _mention(post: Annotation, people: list[User], author: User) -> None:
    for person in people:
        db.session.add(AnnotationMention(annotation_id=post.id, user_id=person.id))
        if person.notify_by_mail and person.email:
            queue_mail(
                "discussion_mention", person, author=author, post=post, url=_post_url(post, person)
            )


def _post_url(post: Annotation, person: User) -> str:
    """Where the person reads the post: their lesson page for learners, the thread otherwise."""
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.user_id == person.id, Enrolment.cohort_id == post.cohort_id
        )
    )
    root_id = post.parent_id or post.id
    if enrolment is None:
        return public_url("teach.show_thread", cohort_id=post.cohort_id, annotation_id=root_id)
    return public_url("learner.show_post", enrolment_id=enrolment.id, annotation_id=root_id)


# --- posting -----------------------------------------------------------------------------------


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


def paragraph_with_revision(lesson_id: int, lesson_revision_id: int, paragraph_key: str):
    """(paragraph, its revision in the given lesson revision, or None when retired from it) of
    the lesson's paragraph with this anchor; None when the lesson never had it (one query)."""
    return db.session.execute(
        sa.select(Paragraph, ParagraphRevision)
        .outerjoin(
            ParagraphRevision,
            sa.and_(
                ParagraphRevision.paragraph_id == Paragraph.id,
                ParagraphRevision.lesson_revision_id == lesson_revision_id,
            ),
        )
        .where(Paragraph.lesson_id == lesson_id, Paragraph.key == paragraph_key)
    ).first()


def module_key(module_id: int) -> str | None:
    """The key of a module (where a prompt's thread is shown), or None (one query)."""
    from diplolearn.models import Module

    return db.session.scalar(sa.select(Module.key).where(Module.id == module_id))


def paragraph_keys(paragraph_id: int) -> tuple[str, str]:
    """(lesson key, anchor) of a paragraph (where its threads are shown): one query."""
    return tuple(
        db.session.execute(
            sa.select(Lesson.key, Paragraph.key)
            .join(Lesson, Lesson.id == Paragraph.lesson_id)
            .where(Paragraph.id == paragraph_id)
        ).one()
    )


def module_and_lesson_keys(module_id: int, lesson_id: int | None):
    """(module key, lesson key or None) of a thread's place, or None when the module does not
    exist (one query)."""
    from diplolearn.models import Module

    return db.session.execute(
        sa.select(Module.key, Lesson.key)
        .select_from(Module)
        .outerjoin(Lesson, Lesson.id == lesson_id)
        .where(Module.id == module_id)
    ).first()


def prompt_revisions(course_version_id: int) -> list[tuple]:
    """(module key, module revision) of a version's modules that pin a discussion prompt, in
    course order (one query)."""
    from diplolearn.models import Module, ModuleRevision

    return [
        (key, rev)
        for key, rev in db.session.execute(
            sa.select(Module.key, ModuleRevision)
            .join(Module, Module.id == ModuleRevision.module_id)
            .where(ModuleRevision.course_version_id == course_version_id)
            .order_by(ModuleRevision.position)
        ).all()
        if rev.discussion
    ]


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
    from diplolearn.services import progress as progress_service

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
        _check_mentions(mention_ids, group_people(enrolment.tutor_group_id), enrolment.user_id)
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
    db.session.add(post)
    db.session.flush()
    _mention(post, mentioned, enrolment.user)
    db.session.flush()
    _complete_if_counted(post)
    return post


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
    from diplolearn.services import progress as progress_service
    from diplolearn.services.errors import ModuleLocked

    progress_service.ensure_studying(enrolment)
    module = next((m for m in progress.modules if m.node.key == module_key), None)
    if module is None or not module.node.discussion:
        raise DiscussionRefused(_("This module has no discussion prompt. Nothing was saved."))
    if not module.is_open:
        raise ModuleLocked()
    text = clean_text(body)
    language = clean_language(enrolment.cohort, lang)
    mentioned = (
        _check_mentions(mention_ids, group_people(enrolment.tutor_group_id), enrolment.user_id)
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
    db.session.add(post)
    db.session.flush()
    _mention(post, mentioned, enrolment.user)
    db.session.flush()
    _complete_if_counted(post)
    return post


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
        _check_mentions(mention_ids, group_people(root.tutor_group_id), author.id)
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
    db.session.add(post)
    db.session.flush()
    _mention(post, mentioned, author)
    db.session.flush()
    _complete_if_counted(post)
    return post


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
    from diplolearn.services import progress as progress_service

    enrolment_id = db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.user_id == post.author_id, Enrolment.cohort_id == post.cohort_id
        )
    )
    if enrolment_id is not None:
        progress_service.update_completion([enrolment_id])


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


# --- reading -----------------------------------------------------------------------------------


@dataclass
class Post:
    annotation: Annotation
    html: Markup
    replies: list[Post] = field(default_factory=list)
    mentions: list[User] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return any(r.annotation.is_tutor_answer and not r.annotation.hidden for r in self.replies)


def threads(where, *conditions) -> list[Post]:
    """The visible threads matching ``conditions`` (on Annotation), oldest first, each with its
    replies and mentions: two queries however many posts. A reply whose root the viewer no
    longer reads (their own, in a former group) stands as a thread of its own."""
    rows = list(
        db.session.scalars(
            sa.select(Annotation)
            .where(where, *conditions)
            .options(joinedload(Annotation.author), joinedload(Annotation.paragraph))
            .order_by(Annotation.created_at, Annotation.id)
        )
    )
    mentions: dict[int, list[User]] = defaultdict(list)
    if rows:
        for mention in db.session.scalars(
            sa.select(AnnotationMention)
            .where(AnnotationMention.annotation_id.in_([r.id for r in rows]))
            .options(joinedload(AnnotationMention.user))
        ):
            mentions[mention.annotation_id].append(mention.user)
    posts = {r.id: Post(r, render_markdown(r.body), mentions=mentions[r.id]) for r in rows}
    roots = []
    for row in rows:
        post = posts[row.id]
        if row.parent_id is not None and row.parent_id in posts:
            posts[row.parent_id].replies.append(post)
        else:
            roots.append(post)
    return roots


def thread(where, root_id: int) -> list[Post]:
    """The thread rooted at ``root_id`` inside the discussion filter ``where``: ``threads`` of
    the root and its replies (two queries)."""
    return threads(where, sa.or_(Annotation.id == root_id, Annotation.parent_id == root_id))


def paragraph_counts(where, lesson_id: int) -> dict[str, int]:
    """Visible, unhidden posts (threads and replies) per paragraph anchor of a lesson, in one
    grouped query; retired paragraphs are counted under their anchors too."""
    return dict(
        db.session.execute(
            sa.select(Paragraph.key, sa.func.count(Annotation.id))
            .join(Paragraph, Paragraph.id == Annotation.paragraph_id)
            .where(where, Annotation.lesson_id == lesson_id, Annotation.hidden_at.is_(None))
            .group_by(Paragraph.key)
        ).all()
    )


def retired_paragraph_ids(lesson_id: int, lesson_revision_id: int) -> sa.Select:
    """Paragraphs of the lesson that the given revision (the cohort's version) does not have."""
    current = sa.select(ParagraphRevision.paragraph_id).where(
        ParagraphRevision.lesson_revision_id == lesson_revision_id
    )
    return sa.select(Paragraph.id).where(
        Paragraph.lesson_id == lesson_id, Paragraph.id.not_in(current)
    )


# --- tutors' tools -----------------------------------------------------------------------------
# The staff inbox of unanswered questions and the prompts' counts load through the viewer's
# cohort access: security/scoping/discussion.py (``staff_unanswered_questions``).


DIGEST_PERIOD = dt.timedelta(days=7)


def send_weekly_digests(now: dt.datetime) -> dict[str, int]:
    """Mail each member and tutor of every tutor group with new posts in the past week the
    group's own posts of that week (never private notes, hidden posts or another group's).
    At most one digest per person and group a week, so running the job again sends nothing."""
    since = now - DIGEST_PERIOD
    counts = {"groups": 0, "queued": 0}
    recent = list(
        db.session.scalars(
            sa.select(Annotation)
            .where(
                Annotation.audience == "group",
                Annotation.tutor_group_id.is_not(None),
                Annotation.hidden_at.is_(None),
                Annotation.created_at > since,
                Annotation.created_at <= now,
            )
            .options(joinedload(Annotation.author), joinedload(Annotation.paragraph))
            .order_by(Annotation.tutor_group_id, Annotation.created_at, Annotation.id)
        )
    )
    by_group: dict[int, list[Annotation]] = defaultdict(list)
    for post in recent:
        by_group[post.tutor_group_id].append(post)
    if not by_group:
        return counts
    from diplolearn.models import OutboxMessage

    # Each digest is tagged with its group (``kind`` "discussion_digest:<group id>"): a person
    # already sent this group's digest in the past week gets none now.
    already = set(
        db.session.execute(
            sa.select(OutboxMessage.to_user_id, OutboxMessage.kind).where(
                OutboxMessage.kind.in_([f"discussion_digest:{g}" for g in by_group]),
                OutboxMessage.created_at > now - DIGEST_PERIOD + dt.timedelta(hours=12),
            )
        ).all()
    )
    groups = {
        g.id: g
        for g in db.session.scalars(
            sa.select(TutorGroup)
            .where(TutorGroup.id.in_(by_group))
            .options(joinedload(TutorGroup.cohort).joinedload(Cohort.course))
        )
    }
    for group_id, posts in by_group.items():
        group, tag = groups[group_id], f"discussion_digest:{group_id}"
        counts["groups"] += 1
        enrolments = dict(
            db.session.execute(
                sa.select(Enrolment.user_id, Enrolment.id).where(
                    Enrolment.tutor_group_id == group_id
                )
            ).all()
        )
        for person in group_people(group_id):
            if not person.notify_by_mail or not person.email or (person.id, tag) in already:
                continue
            enrolment_id = enrolments.get(person.id)
            url = (
                public_url("learner.show_outline", enrolment_id=enrolment_id)
                if enrolment_id
                else public_url("teach.show_inbox", cohort_id=group.cohort_id)
            )
            message = queue_mail(
                "discussion_digest", person, group=group, posts=posts, since=since, url=url
            )
            message.kind, message.created_at = tag, now
            counts["queued"] += 1
    db.session.flush()
    return counts


# --- weekly text sessions ----------------------------------------------------------------------

SESSION_DURATIONS = (30, 45, 60, 90, 120)
# After its live hour a session stays an ordinary thread until the next week's, then archives.
SESSION_OPEN_AFTER = dt.timedelta(days=6)


def open_session(
    cohort: Cohort,
    group: TutorGroup | None,
    *,
    title: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    by: User,
    may_open_cohort: bool,
    now: dt.datetime | None = None,
):
    """A weekly live text session of a tutor group (``group`` loaded through the viewer's
    scope), or of the whole cohort (``group`` None: only for those who manage it)."""
    from diplolearn.models import DiscussionSession

    now = now or utcnow()
    title = " ".join((title or "").split())
    if not title or len(title) > 200:
        raise DiscussionRefused(
            _("Give the session a title of at most 200 characters. Nothing was saved.")
        )
    if group is None and not may_open_cohort:
        raise DiscussionRefused(
            _(
                "Only the cohort's lead instructors can open a session for "
                "the whole cohort. Nothing was saved."
            )
        )
    if group is not None and group.cohort_id != cohort.id:
        raise DiscussionRefused(_("This group is not part of the cohort. Nothing was saved."))
    if duration_minutes not in SESSION_DURATIONS:
        raise DiscussionRefused(_("Choose one of the offered durations. Nothing was saved."))
    if starts_at is None or starts_at <= now:
        raise DiscussionRefused(_("A session starts in the future. Nothing was saved."))
    if cohort.course_version_id is None:
        raise DiscussionRefused(
            _("The cohort follows no published version of the course yet. Nothing was saved.")
        )
    session = DiscussionSession(
        cohort_id=cohort.id,
        tutor_group_id=group.id if group else None,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        created_by_id=by.id,
        archives_at=starts_at + dt.timedelta(minutes=duration_minutes) + SESSION_OPEN_AFTER,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        by,
        "discussion.session",
        target=session,
        cohort_id=cohort.id,
        tutor_group_id=session.tutor_group_id,
        starts_at=starts_at.isoformat(),
    )
    return session


def post_in_session(
    author: User, session, cohort: Cohort, *, body: str, lang: str, now: dt.datetime | None = None
) -> Annotation:
    """A post in a weekly session (loaded through the author's session scope), live or not;
    refused once the session is archived."""
    now = now or utcnow()
    if session.phase(now) == "archived":
        raise DiscussionRefused(
            _("This session is archived: it can be read, not added to. Nothing was saved.")
        )
    text = clean_text(body)
    language = clean_language(cohort, lang)
    post = Annotation(
        cohort_id=session.cohort_id,
        tutor_group_id=session.tutor_group_id,
        audience="cohort" if session.tutor_group_id is None else "group",
        module_id=None,
        course_version_id=cohort.course_version_id,
        session_id=session.id,
        author_id=author.id,
        kind="session",
        body=text,
        lang=language,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    return post


# --- demo data ---------------------------------------------------------------------------------

_DEMO = {
    "question": {
        "en": "Does “digital diplomacy” here mean the tools, or a new way of conducting "
        "diplomacy? The paragraph seems to use it both ways.",
        "ar": "هل يُقصد بـ«الدبلوماسية الرقمية» هنا الأدوات، أم طريقة جديدة لممارسة "
        "الدبلوماسية؟ يبدو أن الفقرة تستعمل المعنيين.",
    },
    "answer": {
        "en": "Both readings are in the text. The paper starts from the tools and ends by "
        "calling them a complement to traditional practice; keep that tension in mind "
        "for this week's prompt.",
        "ar": "القراءتان حاضرتان في النص: تبدأ الورقة بالأدوات وتنتهي بوصفها مكمّلًا "
        "للممارسة التقليدية. احتفظوا بهذا التوتر في أذهانكم عند مناقشة سؤال الأسبوع.",
    },
    "reference": {
        "en": "Our ministry's own social media guidelines make the same distinction; the "
        "public summary is worth a look.",
        "ar": "تميّز إرشادات وزارتنا لوسائل التواصل بين الأمرين أيضًا، والملخص المنشور "
        "يستحق الاطلاع.",
    },
    "prompt": {
        "en": "In my embassy the accounts are run by one press officer, so in practice it is "
        "a complement: the real negotiation still happens offline.",
        "ar": "في سفارتنا يدير الحسابات موظف إعلامي واحد، فهي عمليًا مكمّل: التفاوض "
        "الحقيقي ما زال يجري بعيدًا عن الشبكة.",
    },
}


def seed_demo_annotations(cohort: Cohort, now: dt.datetime | None = None) -> int:
    """A few realistic posts in each tutor group of ``cohort`` (the demo's): a question on
    the first lesson's first paragraph with the tutor's answer, a reference on the second,
    and a contribution to the first module's pinned prompt. Each learner writes in their
    reading language. Does nothing when the cohort has posts already; returns how many it
    made. Flushes, never commits."""
    from diplolearn.models import LessonRevision, ModuleRevision

    now = now or utcnow()
    if cohort.course_version_id is None or db.session.scalar(
        sa.select(Annotation.id).where(Annotation.cohort_id == cohort.id).limit(1)
    ):
        return 0
    first = db.session.execute(
        sa.select(ModuleRevision, LessonRevision)
        .join(LessonRevision, LessonRevision.module_revision_id == ModuleRevision.id)
        .where(ModuleRevision.course_version_id == cohort.course_version_id)
        .order_by(ModuleRevision.position, LessonRevision.position)
        .limit(1)
    ).first()
    if first is None:
        return 0
    module_revision, lesson_revision = first
    paragraphs = list(
        db.session.scalars(
            sa.select(ParagraphRevision.paragraph_id)
            .where(ParagraphRevision.lesson_revision_id == lesson_revision.id)
            .order_by(ParagraphRevision.position)
            .limit(2)
        )
    )
    languages = list(cohort.course.languages or ["en"])
    made = 0

    def add(author: User, kind: str, text_key: str, minutes: int, **fields) -> Annotation:
        nonlocal made
        lang = author.reading_language if author.reading_language in languages else languages[0]
        post = Annotation(
            cohort_id=cohort.id,
            module_id=module_revision.module_id,
            course_version_id=cohort.course_version_id,
            author_id=author.id,
            kind=kind,
            body=clean_text(_DEMO[text_key].get(lang) or _DEMO[text_key]["en"]),
            lang=lang,
            created_at=now - dt.timedelta(minutes=minutes),
            **fields,
        )
        db.session.add(post)
        db.session.flush()
        made += 1
        return post

    for group in db.session.scalars(
        sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id).order_by(TutorGroup.key)
    ):
        people = group_people(group.id)
        tutors = set(
            db.session.scalars(
                sa.select(RoleGrant.user_id).where(
                    RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id == group.id
                )
            )
        )
        learners = [p for p in people if p.id not in tutors]
        tutor = next((p for p in people if p.id in tutors), None)
        if not learners or not paragraphs:
            continue
        where = {
            "tutor_group_id": group.id,
            "audience": "group",
            "lesson_id": lesson_revision.lesson_id,
        }
        question = add(
            learners[0], "question", "question", 3 * 24 * 60, paragraph_id=paragraphs[0], **where
        )
        if tutor is not None:
            add(
                tutor,
                "reply",
                "answer",
                2 * 24 * 60,
                paragraph_id=paragraphs[0],
                parent_id=question.id,
                is_tutor_answer=True,
                **where,
            )
        author = learners[1] if len(learners) > 1 else learners[0]
        add(
            author,
            "reference",
            "reference",
            26 * 60,
            paragraph_id=paragraphs[-1],
            url="https://www.example.org/social-media-guidelines",
            **where,
        )
        if module_revision.discussion:
            add(author, "prompt", "prompt", 5 * 60, tutor_group_id=group.id, audience="group")
    db.session.flush()
    return made


def erase_texts_of(user_id: int) -> int:
    """Blank the text and links of a person's posts (personal data erasure): the threads keep
    their shape, the words go. Returns how many posts were blanked."""
    return db.session.execute(
        sa.update(Annotation)
        .where(Annotation.author_id == user_id)
        .values(body="", url=None)
        .execution_options(synchronize_session=False)
    ).rowcount
