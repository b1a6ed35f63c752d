"""Where a post was written, named as people read it (issue 15 item 5): a paragraph by its
lesson's title and its first words, a lesson by its title, a module by its title. The keys of
the course files (``fb-outreach``, ``twitter-leaders``) never reach the screen.

``places(annotations)`` names the places of any number of posts in at most two queries (the
lesson and paragraph texts of the versions the posts were written against, then the modules'
titles), so a list of posts never loads its places row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import LessonRevision, ModuleRevision, ParagraphRevision

FIRST_WORDS = 8
_MARKUP = re.compile(r"<[^>]+>|[*_`#>\[\]]|\]\([^)]*\)|\([a-z]+:[^)]*\)|\{#[^}]*\}")


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    """The first words of a paragraph's Markdown as plain text, with "…" when there is more.
    A paragraph that opens with a heading is named by its heading."""
    text = (text or "").strip()
    if text.startswith("#"):
        text = text.split("\n", 1)[0]
    words = _MARKUP.sub(" ", text).split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


@dataclass(frozen=True)
class Place:
    """The texts that name a post's place, per language ({"ar": …, "en": …}); empty dicts when
    the place is not in the version the post was written against."""

    module_title: dict
    lesson_title: dict
    paragraph_words: dict

    @property
    def paragraph(self) -> bool:
        return bool(self.paragraph_words)


def places(annotations: Iterable) -> dict[int, Place]:
    """Annotation id -> Place, for posts (Annotation rows) of any cohorts and versions."""
    annotations = list(annotations)
    if not annotations:
        return {}
    versions = {a.course_version_id for a in annotations}
    lesson_ids = {a.lesson_id for a in annotations if a.lesson_id is not None}
    paragraph_ids = {a.paragraph_id for a in annotations if a.paragraph_id is not None}
    module_ids = {a.module_id for a in annotations if a.module_id is not None}
    lessons: dict[tuple[int, int], dict] = {}
    paragraphs: dict[tuple[int, int], dict] = {}
    if lesson_ids:
        rows = db.session.execute(
            sa.select(
                LessonRevision.course_version_id,
                LessonRevision.lesson_id,
                LessonRevision.title,
                ParagraphRevision.paragraph_id,
                ParagraphRevision.body,
            )
            .outerjoin(
                ParagraphRevision,
                sa.and_(
                    ParagraphRevision.lesson_revision_id == LessonRevision.id,
                    ParagraphRevision.paragraph_id.in_(paragraph_ids or [-1]),
                ),
            )
            .where(
                LessonRevision.course_version_id.in_(versions),
                LessonRevision.lesson_id.in_(lesson_ids),
            )
        ).all()
        for version, lesson_id, title, paragraph_id, body in rows:
            lessons[(version, lesson_id)] = title or {}
            if paragraph_id is not None:
                paragraphs[(version, paragraph_id)] = {
                    lang: first_words(text) for lang, text in (body or {}).items() if text
                }
    modules: dict[tuple[int, int], dict] = {}
    if module_ids:
        for version, module_id, title in db.session.execute(
            sa.select(
                ModuleRevision.course_version_id, ModuleRevision.module_id, ModuleRevision.title
            ).where(
                ModuleRevision.course_version_id.in_(versions),
                ModuleRevision.module_id.in_(module_ids),
            )
        ):
            modules[(version, module_id)] = title or {}
    return {
        a.id: Place(
            module_title=modules.get((a.course_version_id, a.module_id), {}),
            lesson_title=lessons.get((a.course_version_id, a.lesson_id), {}),
            paragraph_words=paragraphs.get((a.course_version_id, a.paragraph_id), {}),
        )
        for a in annotations
    }
