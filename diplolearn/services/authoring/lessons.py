"""Lessons' texts in a course's draft: reading a lesson as its edit form shows it
(``lesson_body``, ``lesson_texts``), parsing an edited text (``parse_body``), saving a lesson's
texts in every language at once (``edit_lesson``), adding a lesson (``create_lesson``), and the
translation flags an edit leaves on the languages it did not change.

Saving isolates Latin runs in Arabic paragraphs and Arabic runs in Latin ones (courses/bidi.py
``isolate_runs``), so authors never type ``<bdi>``. The paragraph editor's side of the same
texts is services/authoring/paragraphs.py.

Every edit follows the recipe of services/authoring/drafting.py. The token of a lesson is the
digest of its titles and texts as the form showed them: a save whose token no longer matches
raises ``StaleEdit`` with the current texts, and nothing is written.

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn import i18n
from diplolearn.courses.bidi import isolate_runs
from diplolearn.courses.check import text_problems
from diplolearn.courses.reader import ANCHOR_LINE
from diplolearn.courses.rules import ID_PATTERN
from diplolearn.courses.spec import CourseSpec, LessonSpec, LessonText, ParagraphSpec
from diplolearn.courses.writer import lesson_markdown
from diplolearn.extensions import db
from diplolearn.models import Course, CourseVersion, Lesson, TranslationFlag, User, utcnow
from diplolearn.services import audit
from diplolearn.services.authoring import AuthoringError, ContentInvalid, StaleEdit
from diplolearn.services.authoring.drafting import (
    clean_text,
    draft_of,
    find_lesson,
    find_module,
    lesson_languages,
    locked_spec,
    logical_lesson,
    rebuild,
    record_change,
    token_of,
)
from diplolearn.services.authoring.outline import new_key

# --- reading and parsing a lesson's texts ----------------------------------------------------


def lesson_body(lesson: LessonSpec, language: str) -> str:
    """A lesson's text in one language as edited: ``{#anchor}`` lines before paragraphs."""
    text = lesson.texts.get(language)
    if text is None:
        return ""
    return "\n\n".join(f"{{#{p.anchor}}}\n{p.text.strip()}" for p in text.paragraphs)


def lesson_texts(lesson: LessonSpec) -> dict[str, tuple[str, str]]:
    return {lang: (text.title, lesson_body(lesson, lang)) for lang, text in lesson.texts.items()}


def parse_body(body: str, language: str) -> tuple[list[ParagraphSpec], list[str]]:
    """Paragraphs of an edited text, and the problems found (the reader's rules)."""
    paragraphs: list[ParagraphSpec] = []
    problems: list[str] = []
    current = None
    name = i18n.language_name(language)
    for number, line in enumerate(body.split("\n"), start=1):
        match = ANCHOR_LINE.match(line)
        if match:
            anchor = match.group(1)
            if not ID_PATTERN.match(anchor):
                problems.append(
                    str(
                        _l(
                            "%(language)s, line %(line)d: the anchor %(anchor)s must "
                            "be lower-case letters, digits and hyphens.",
                            language=name,
                            line=number,
                            anchor=anchor,
                        )
                    )
                )
            current = ParagraphSpec(anchor=anchor, text="")
            paragraphs.append(current)
        elif current is not None:
            current.text += line + "\n"
        elif line.strip():
            problems.append(
                str(
                    _l(
                        "%(language)s, line %(line)d: text before the first "
                        "paragraph anchor; start each paragraph with a line like "
                        "{#my-anchor}.",
                        language=name,
                        line=number,
                    )
                )
            )
    for number, paragraph in enumerate(paragraphs, start=1):
        paragraph.text = paragraph.text.strip("\n")
        if not paragraph.text.strip():
            problems.append(
                str(
                    _l(
                        "%(language)s, paragraph %(number)d: the paragraph is empty; write it "
                        "or remove the paragraph.",
                        language=name,
                        number=number,
                    )
                )
            )
    seen = set()
    for number, paragraph in enumerate(paragraphs, start=1):
        if paragraph.anchor in seen:
            problems.append(
                str(
                    _l(
                        "%(language)s, paragraph %(number)d: the anchor %(anchor)s is used twice.",
                        language=name,
                        number=number,
                        anchor=paragraph.anchor,
                    )
                )
            )
        seen.add(paragraph.anchor)
    return paragraphs, problems


# --- validating and saving a lesson ----------------------------------------------------------


def referenced_anchors(spec: CourseSpec, lesson_key: str) -> set[str]:
    """Anchors of the lesson that questions or discussions point at."""
    refs = set()
    questions = [q for quiz in spec.quizzes() for q in quiz.questions] + [
        q for category in spec.categories() for q in category.questions
    ]
    targets = [q.refers_to for q in questions] + [
        m.discussion.refers_to for m in spec.modules if m.discussion
    ]
    for target in targets:
        if target and target.partition("#")[0] == lesson_key:
            refs.add(target.partition("#")[2])
    return refs


def first_words(text: str, count: int = 8) -> str:
    """The first words of a paragraph as plain text: how the editor names a paragraph."""
    plain = re.sub(r"<[^>]+>|[*_`#>\[\]]|\]\([^)]*\)|\([a-z]+:[^)]*\)", " ", text)
    words = plain.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _problem_paragraph(markdown: str, line: int) -> int:
    """The number of the paragraph that holds ``line`` of a lesson file (0: the front matter)."""
    return sum(1 for row in markdown.split("\n")[:line] if ANCHOR_LINE.match(row))


def _lesson_from_form(
    course: Course, spec: CourseSpec, key: str, texts: dict[str, tuple[str, str]]
) -> LessonSpec:
    """Validate the posted texts of a lesson and build its spec; ContentInvalid otherwise.
    Latin runs in Arabic paragraphs (and Arabic runs in Latin ones) come out isolated."""
    problems: list[str] = []
    lesson = LessonSpec(id=key)
    required = list(course.languages)
    for language in lesson_languages(course):
        name = i18n.language_name(language)
        title, body = texts.get(language, ("", ""))
        title, body = clean_text(title), clean_text(body)
        if not title and not body:
            if language in required:
                problems.append(str(_l("The %(language)s text is required.", language=name)))
            continue
        if not title:
            problems.append(str(_l("The %(language)s title is empty.", language=name)))
        paragraphs, found = parse_body(body, language)
        problems += found
        if not paragraphs and not found:
            problems.append(str(_l("The %(language)s text has no paragraphs.", language=name)))
        for paragraph in paragraphs:
            paragraph.text = isolate_runs(paragraph.text, language)
        lesson.texts[language] = LessonText(language=language, title=title, paragraphs=paragraphs)
    sequences = {lang: [p.anchor for p in t.paragraphs] for lang, t in lesson.texts.items()}
    if len({tuple(s) for s in sequences.values()}) > 1:
        problems.append(
            str(
                _l(
                    "Every language must have the same paragraph anchors in the same "
                    "order (%(detail)s).",
                    detail="; ".join(
                        f"{i18n.language_name(lang)}: {', '.join(s)}"
                        for lang, s in sequences.items()
                    ),
                )
            )
        )
    elsewhere = {anchor for other in spec.lessons() if other.id != key for anchor in other.anchors}
    taken = sorted({p.anchor for t in lesson.texts.values() for p in t.paragraphs} & elsewhere)
    if taken:
        problems.append(
            str(
                _l(
                    "The anchors %(anchors)s are already used in another lesson; "
                    "anchors are unique in the course.",
                    anchors=", ".join(taken),
                )
            )
        )
    missing = referenced_anchors(spec, key) - set(lesson.anchors)
    if missing:
        _module, saved = find_lesson(spec, key)
        saved_text = next(iter(saved.texts.values()), None) if saved else None
        starts = {
            p.anchor: first_words(p.text) for p in (saved_text.paragraphs if saved_text else [])
        }
        for anchor in sorted(missing):
            problems.append(
                str(
                    _l(
                        "Questions or discussions point at the paragraph that begins "
                        "“%(start)s”; keep it.",
                        start=starts.get(anchor, anchor),
                    )
                )
            )
    for language in lesson.texts:
        markdown = lesson_markdown(lesson, language)
        raw = {f"{key}.{language}.md": markdown.encode()}
        for problem in text_problems("lesson", raw):
            problems.append(
                str(
                    _l(
                        "%(language)s, paragraph %(number)d: HTML here would be removed by "
                        "the sanitiser (allowed: simple inline tags such as bdi, span, abbr).",
                        language=i18n.language_name(language),
                        number=_problem_paragraph(markdown, problem.source.line),
                    )
                )
            )
    if problems:
        raise ContentInvalid(problems)
    return lesson


def _markdown(lesson: LessonSpec | None, language: str) -> str | None:
    if lesson is None or language not in lesson.texts:
        return None
    return lesson_markdown(lesson, language)


def edit_lesson(
    draft: CourseVersion, key: str, texts: dict[str, tuple[str, str]], token: str, by: User | None
) -> None:
    """Save a lesson's titles and texts (every language at once), or raise StaleEdit."""
    course = draft.course
    spec = locked_spec(draft)
    module, current = find_lesson(spec, key)
    if current is None:
        raise AuthoringError(_l("This lesson is not in the draft."))
    now_texts = lesson_texts(current)
    if token != token_of(now_texts):
        raise StaleEdit(now_texts, token_of(now_texts))
    lesson = _lesson_from_form(course, spec, key, texts)
    lesson.required, lesson.estimated_minutes = current.required, current.estimated_minutes
    changed = {
        lang
        for lang in set(lesson.texts) | set(current.texts)
        if _markdown(lesson, lang) != _markdown(current, lang)
    }
    if not changed:
        return
    module.lessons[module.lessons.index(current)] = lesson
    rebuild(draft, spec)
    logical = logical_lesson(course, key)
    for language in sorted(changed):
        record_change(
            course,
            draft,
            "lesson",
            logical,
            "edit",
            by,
            language=language,
            before=_markdown(current, language),
            after=_markdown(lesson, language),
        )
    _flag_others(course, logical, changed, set(lesson.texts), by)
    db.session.flush()


def create_lesson(
    draft: CourseVersion,
    module_key: str,
    key: str,
    texts: dict[str, tuple[str, str]],
    by: User | None,
) -> str:
    """Add a lesson at the end of a module of the draft; returns its id."""
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, module_key)
    if module is None:
        raise AuthoringError(_l("This module is not in the draft."))
    key = new_key(spec, key, "lesson")
    module.lessons.append(_lesson_from_form(course, spec, key, texts))
    rebuild(draft, spec)
    logical = logical_lesson(course, key)
    for language in sorted(module.lessons[-1].texts):
        record_change(
            course,
            draft,
            "lesson",
            logical,
            "create",
            by,
            language=language,
            after=_markdown(module.lessons[-1], language),
        )
    db.session.flush()
    return key


# --- translations waiting for an update -----------------------------------------------------


def _flag_others(
    course: Course, lesson: Lesson, changed: set[str], languages: set[str], by: User | None
) -> None:
    """Mark every language of the lesson that did not change as needing an update."""
    if not changed:
        return
    source = sorted(changed)[0]
    existing = {
        f.language: f
        for f in db.session.scalars(
            sa.select(TranslationFlag).where(TranslationFlag.lesson_id == lesson.id)
        )
    }
    for language in sorted(languages - changed):
        flag = existing.get(language)
        if flag is None:
            db.session.add(
                TranslationFlag(
                    lesson_id=lesson.id,
                    language=language,
                    changed_language=source,
                    flagged_by_id=getattr(by, "id", None),
                )
            )
        else:
            flag.changed_language, flag.flagged_at = source, utcnow()
            flag.flagged_by_id = getattr(by, "id", None)


def translation_flags(course: Course) -> dict[str, list[TranslationFlag]]:
    """Lesson key -> the flags of its languages waiting for an update."""
    flags: dict[str, list[TranslationFlag]] = {}
    for key, flag in db.session.execute(
        sa.select(Lesson.key, TranslationFlag)
        .join(Lesson)
        .where(Lesson.course_id == course.id)
        .order_by(TranslationFlag.language)
    ):
        flags.setdefault(key, []).append(flag)
    return flags


def clear_translation_flag(course: Course, lesson_key: str, language: str, by: User | None) -> None:
    lesson = logical_lesson(course, lesson_key)
    flag = lesson and db.session.scalar(
        sa.select(TranslationFlag).where(
            TranslationFlag.lesson_id == lesson.id, TranslationFlag.language == language
        )
    )
    if flag is None:
        raise AuthoringError(_l("That translation is not marked as needing an update."))
    db.session.delete(flag)
    record_change(
        course, draft_of(course), "lesson", lesson, "translation_cleared", by, language=language
    )
    audit.record(by, "lesson.translation_cleared", target=lesson, language=language)
    db.session.flush()
