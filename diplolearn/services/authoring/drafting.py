"""A course's draft and the recipe every edit of it follows.

A course has at most one open *draft*: a ``CourseVersion`` in state draft whose revision rows
are a deep copy of the latest published version, made by the importer's own loader from the
exporter's spec of that version (so there is one copy routine, and a draft holds everything a
version holds: lessons, quizzes, banks, assignments). ``DraftLoader`` is that loader writing a
draft: it never retires anything; publishing (services/authoring/publishing.py) does.

Every editor (lessons, outline, module_settings, quiz_authoring) follows the same recipe:
``draft = open_draft(course, by)``; ``spec = locked_spec(draft)``; compare the posted token with
``token_of(...)`` of the item's current texts (``StaleEdit`` if they differ, and nothing is
written); change the spec; validate; ``rebuild(draft, spec)``; ``record_change(course, draft,
kind, item, action, by, language, before, after)`` so the item's history page lists it. Form
text goes through ``clean_text`` first; ``logical_lesson`` and ``logical_module`` find the
logical rows (stable keys) that changes and flags point at.

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import hashlib
import unicodedata

import sqlalchemy as sa

from diplolearn.courses import sources
from diplolearn.courses.spec import CourseSpec, LessonSpec, ModuleSpec
from diplolearn.extensions import db
from diplolearn.models import (
    AssignmentRevision,
    ChoiceRevision,
    ContentChange,
    Course,
    CourseVersion,
    CourseVersionState,
    Lesson,
    LessonRevision,
    Module,
    ModuleRevision,
    ParagraphRevision,
    QuestionCategory,
    QuestionRevision,
    QuizDraw,
    QuizQuestion,
    QuizRevision,
    RubricCriterion,
    RubricLevel,
    User,
)
from diplolearn.services import audit
from diplolearn.services.authoring import NoDraft, NothingPublished
from diplolearn.services.catalogue.course_export import version_spec
from diplolearn.services.catalogue.course_loader import CourseLoader

# --- reading a course's versions and their specs -------------------------------------------


def latest_published(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(
            CourseVersion.course_id == course.id,
            CourseVersion.state == CourseVersionState.PUBLISHED,
        )
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )


def draft_of(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(
            CourseVersion.course_id == course.id, CourseVersion.state == CourseVersionState.DRAFT
        )
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )


def spec_of(version: CourseVersion) -> CourseSpec:
    return version_spec(version.course.key, version.number)


def locked_spec(version: CourseVersion) -> CourseSpec:
    """The version's spec, read after locking its row (PostgreSQL), so that two saves of the
    same draft run one after the other and the second sees the first's token change."""
    db.session.execute(
        sa.select(CourseVersion.id).where(CourseVersion.id == version.id).with_for_update()
    )
    return spec_of(version)


def find_module(spec: CourseSpec, key: str) -> ModuleSpec | None:
    return next((m for m in spec.modules if m.id == key), None)


def find_lesson(spec: CourseSpec, key: str) -> tuple[ModuleSpec, LessonSpec] | tuple[None, None]:
    for module in spec.modules:
        for lesson in module.lessons:
            if lesson.id == key:
                return module, lesson
    return None, None


def lesson_languages(course: Course, lesson: LessonSpec | None = None) -> list[str]:
    """The course's languages, required ones first, then those the lesson has."""
    ordered = list(course.languages) + list(course.optional_languages)
    extra = sorted(set(lesson.texts) - set(ordered)) if lesson is not None else []
    return ordered + extra


# --- the recipe's helpers: tokens, form text, logical items, the change history -------------


def token_of(texts: dict) -> str:
    """The concurrency token of an item's texts ({language: (title, body)} or {lang: title})."""
    hasher = hashlib.sha256()
    for language in sorted(texts):
        value = texts[language]
        parts = value if isinstance(value, tuple | list) else (value,)
        hasher.update(language.encode() + b"\0" + "\0".join(parts).encode() + b"\1")
    return hasher.hexdigest()[:32]


def clean_text(text: str | None) -> str:
    """Form text as the files hold it: NFC, LF line ends, no trailing spaces at the ends."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def logical_lesson(course: Course, key: str) -> Lesson:
    """The course's logical lesson with this key (the row progress and history point at)."""
    return db.session.scalar(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.key == key)
    )


def logical_module(course: Course, key: str) -> Module:
    """The course's logical module with this key."""
    return db.session.scalar(
        sa.select(Module).where(Module.course_id == course.id, Module.key == key)
    )


def record_change(
    course: Course,
    version: CourseVersion | None,
    kind: str,
    item,
    action: str,
    by: User | None,
    language: str | None = None,
    before: str | None = None,
    after: str | None = None,
) -> ContentChange:
    """Add one entry to the item's change history (kind: course, module, lesson, question...)."""
    change = ContentChange(
        course_id=course.id,
        course_version_id=getattr(version, "id", None),
        item_kind=kind,
        item_id=item.id,
        item_key=item.key,
        language=language,
        action=action,
        before=before,
        after=after,
        by_id=getattr(by, "id", None),
    )
    db.session.add(change)
    return change


# --- writing a version's revision rows from a spec ------------------------------------------


class DraftLoader(CourseLoader):
    """The importer's loader writing a draft: logical items are created and matched by key as
    on import, but nothing is retired or brought back until the draft is published."""

    @staticmethod
    def _retire(existing: dict, keep: set[str], now) -> None:
        return None

    def _logical(self, existing: dict, model, key: str, **fields):
        before = existing.get(key)
        was = before.retired_at if before is not None else None
        item = super()._logical(existing, model, key, **fields)
        if before is not None:
            item.retired_at = was
        return item


def delete_revisions(version: CourseVersion) -> None:
    """Remove one version's revision rows (only ever a draft's, which no record points at)."""
    vid = version.id
    fetch = {"synchronize_session": "fetch"}
    lessons = sa.select(LessonRevision.id).where(LessonRevision.course_version_id == vid)
    quizzes = sa.select(QuizRevision.id).where(QuizRevision.course_version_id == vid)
    questions = sa.select(QuestionRevision.id).where(QuestionRevision.course_version_id == vid)
    assignments = sa.select(AssignmentRevision.id).where(
        AssignmentRevision.course_version_id == vid
    )
    criteria = sa.select(RubricCriterion.id).where(
        RubricCriterion.assignment_revision_id.in_(assignments)
    )
    for statement in (
        sa.delete(ParagraphRevision).where(ParagraphRevision.lesson_revision_id.in_(lessons)),
        sa.delete(LessonRevision).where(LessonRevision.course_version_id == vid),
        sa.delete(QuizQuestion).where(QuizQuestion.quiz_revision_id.in_(quizzes)),
        sa.delete(QuizDraw).where(QuizDraw.quiz_revision_id.in_(quizzes)),
        sa.delete(ChoiceRevision).where(ChoiceRevision.question_revision_id.in_(questions)),
        sa.delete(QuestionRevision).where(QuestionRevision.course_version_id == vid),
        sa.delete(QuizRevision).where(QuizRevision.course_version_id == vid),
        sa.delete(QuestionCategory).where(QuestionCategory.course_version_id == vid),
        sa.delete(RubricLevel).where(RubricLevel.criterion_id.in_(criteria)),
        sa.delete(RubricCriterion).where(RubricCriterion.assignment_revision_id.in_(assignments)),
        sa.delete(AssignmentRevision).where(AssignmentRevision.course_version_id == vid),
        sa.delete(ModuleRevision).where(ModuleRevision.course_version_id == vid),
    ):
        db.session.execute(statement, execution_options=fetch)
    db.session.flush()


def load_version(version: CourseVersion, spec: CourseSpec, loader=DraftLoader) -> None:
    """Write the version's revision rows (and its bibliography and glossary) from ``spec``,
    with ``loader``: the draft's, or the importer's when publishing."""
    version.bibliography = sources.bibliography(spec)
    version.glossary = [
        {"id": t.id, "term": dict(t.term), "definition": dict(t.definition)} for t in spec.glossary
    ]
    loader(version.course, version).load(spec)
    db.session.flush()


def rebuild(draft: CourseVersion, spec: CourseSpec) -> None:
    """Replace the draft's revision rows by the ones ``spec`` describes."""
    if draft.state != CourseVersionState.DRAFT:
        raise NoDraft()
    delete_revisions(draft)
    load_version(draft, spec)


# --- opening and discarding the draft --------------------------------------------------------


def open_draft(course: Course, by: User | None) -> CourseVersion:
    """The course's open draft; a deep copy of the latest published version if none is open."""
    draft = draft_of(course)
    if draft is not None:
        return draft
    published = latest_published(course)
    if published is None:
        raise NothingPublished()
    spec = spec_of(published)
    number = (
        db.session.scalar(
            sa.select(sa.func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    )
    draft = CourseVersion(
        course_id=course.id,
        number=number + 1,
        state=CourseVersionState.DRAFT,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(draft)
    db.session.flush()
    load_version(draft, spec)
    audit.record(
        by, "course.draft_open", target=draft, course=course.key, based_on=published.number
    )
    return draft


def discard_draft(draft: CourseVersion, by: User | None) -> None:
    """Throw the draft away (its revision rows only; logical rows created for it stay,
    retired by the next publication as on import)."""
    if draft.state != CourseVersionState.DRAFT:
        raise NoDraft()
    delete_revisions(draft)
    db.session.execute(
        sa.update(ContentChange)
        .where(ContentChange.course_version_id == draft.id)
        .values(course_version_id=None)
    )
    audit.record(by, "course.draft_discard", target=draft, course=draft.course.key)
    db.session.delete(draft)
    db.session.flush()
