"""Corrections of a published version, and the change history of a course's items.

A *correction* (a typo) changes a published version in place, paragraph by paragraph in one
language, without changing its structure; it is audited, recorded in the history, applied to
the open draft where the draft still has the text it corrects, and bumps the version's
``corrected_at`` so cached outlines and rendered lessons are read again.

The *history* of an item (course, module, lesson, question, ...) lists the ``ContentChange``
rows that every edit records (``record_change`` in services/authoring/drafting.py).

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses.check import text_problems
from diplolearn.courses.spec import LessonSpec, LessonText
from diplolearn.courses.writer import course_file_bytes, lesson_markdown
from diplolearn.extensions import db
from diplolearn.models import (
    ContentChange,
    Course,
    CourseVersion,
    CourseVersionState,
    LessonRevision,
    Paragraph,
    ParagraphRevision,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.authoring import AuthoringError, ContentInvalid
from diplolearn.services.authoring.drafting import (
    clean_text,
    draft_of,
    find_lesson,
    locked_spec,
    record_change,
    spec_of,
)
from diplolearn.services.authoring.lessons import parse_body
from diplolearn.services.catalogue.course_import import digest

# --- corrections -----------------------------------------------------------------------------


def correct(lesson_revision: LessonRevision, language: str, body: str, by: User | None) -> int:
    """An audited correction of one language of a published lesson that changes no structure
    (same anchors, same order). Applied to the published version in place and to the open
    draft where it still has the corrected text. Returns the number of paragraphs changed."""
    version = db.session.get(CourseVersion, lesson_revision.course_version_id)
    if version is None or version.state != CourseVersionState.PUBLISHED:
        raise AuthoringError(_l("Only a published version takes corrections."))
    course = version.course
    rows = list(
        db.session.scalars(
            sa.select(ParagraphRevision)
            .join(Paragraph)
            .where(ParagraphRevision.lesson_revision_id == lesson_revision.id)
            .order_by(ParagraphRevision.position)
        )
    )
    keys = {p.paragraph_id: p.paragraph.key for p in rows}
    paragraphs, problems = parse_body(clean_text(body), language)
    if [p.anchor for p in paragraphs] != [keys[r.paragraph_id] for r in rows]:
        problems.append(
            str(
                _l(
                    "A correction keeps every paragraph anchor, in the same order; "
                    "for other changes edit the draft and publish a new version."
                )
            )
        )
    spec = locked_spec(version)
    _, lesson_spec = find_lesson(spec, lesson_revision.lesson.key)
    if language not in lesson_spec.texts:
        problems.append(
            str(_l("This lesson has no %(language)s text to correct.", language=language))
        )
    if not problems:
        corrected = LessonSpec(
            id=lesson_spec.id,
            texts={language: LessonText(language, lesson_spec.texts[language].title, paragraphs)},
        )
        for problem in text_problems(
            "lesson", {"l.md": lesson_markdown(corrected, language).encode()}
        ):
            problems.append(
                str(
                    _l(
                        "%(where)s: HTML here would be removed by the sanitiser "
                        "(allowed: simple inline tags such as bdi, span, abbr).",
                        where=problem.source,
                    )
                )
            )
    if problems:
        raise ContentInvalid(problems)
    before_text = lesson_markdown(lesson_spec, language)
    new_text = {p.anchor: p.text for p in paragraphs}
    old_text = {keys[r.paragraph_id]: r.body.get(language, "") for r in rows}
    changed = [a for a in new_text if new_text[a] != old_text[a]]
    if not changed:
        return 0
    for row in rows:
        anchor = keys[row.paragraph_id]
        if anchor in changed:
            row.body = {**row.body, language: new_text[anchor]}
    draft = draft_of(course)
    if draft is not None:
        for row in db.session.scalars(
            sa.select(ParagraphRevision)
            .join(LessonRevision)
            .where(
                LessonRevision.course_version_id == draft.id,
                LessonRevision.lesson_id == lesson_revision.lesson_id,
            )
        ):
            anchor = row.paragraph.key
            if anchor in changed and row.body.get(language, "") == old_text[anchor]:
                row.body = {**row.body, language: new_text[anchor]}
    version.corrected_at = utcnow()
    db.session.flush()
    after_spec = spec_of(version)
    version.source_digest = digest(course_file_bytes(after_spec))
    _, after_lesson = find_lesson(after_spec, lesson_revision.lesson.key)
    record_change(
        course,
        version,
        "lesson",
        lesson_revision.lesson,
        "correction",
        by,
        language=language,
        before=before_text,
        after=lesson_markdown(after_lesson, language),
    )
    audit.record(
        by,
        "lesson.correct",
        target=lesson_revision.lesson,
        course=course.key,
        version=version.number,
        language=language,
        paragraphs=changed,
    )
    db.session.flush()
    return len(changed)


# --- the change history ----------------------------------------------------------------------


def history(course: Course, kind: str, key: str) -> list[ContentChange]:
    return list(
        db.session.scalars(
            sa.select(ContentChange)
            .where(
                ContentChange.course_id == course.id,
                ContentChange.item_kind == kind,
                ContentChange.item_key == key,
            )
            .order_by(ContentChange.at.desc(), ContentChange.id.desc())
        )
    )


def content_change(course: Course, change_id: int) -> ContentChange | None:
    """One change of the course's history; None for another course's or an unknown id."""
    return db.session.scalar(
        sa.select(ContentChange).where(
            ContentChange.id == change_id, ContentChange.course_id == course.id
        )
    )
