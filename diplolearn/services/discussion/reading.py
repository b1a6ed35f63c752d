"""Reading the discussion: ``Post`` (an annotation with its rendered text, replies and
mentions), threads and counts inside a viewer's discussion filter (``where``, from
security/scoping/discussion.py), and where a thread is shown (paragraph, lesson and module
keys, the modules that pin a prompt). Each function runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    AnnotationMention,
    Lesson,
    Module,
    ModuleRevision,
    Paragraph,
    ParagraphRevision,
    User,
)
from diplolearn.security.sanitize import render_post


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
    posts = {r.id: Post(r, render_post(r.body), mentions=mentions[r.id]) for r in rows}
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


# --- where a thread is shown ----------------------------------------------------------------------


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
    return db.session.execute(
        sa.select(Module.key, Lesson.key)
        .select_from(Module)
        .outerjoin(Lesson, Lesson.id == lesson_id)
        .where(Module.id == module_id)
    ).first()


def prompt_revisions(course_version_id: int) -> list[tuple]:
    """(module key, module revision) of a version's modules that pin a discussion prompt, in
    course order (one query)."""
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
