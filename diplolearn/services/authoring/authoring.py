"""Editing courses in the browser: drafts, versions, corrections, history, copies.

A course has at most one open *draft*: a ``CourseVersion`` in state draft whose revision rows
are a deep copy of the latest published version, made by the importer's own loader from the
exporter's spec of that version (so there is one copy routine, and a draft holds everything a
version holds: lessons, quizzes, banks, assignments). Every edit works the same way: read the
draft back as a ``CourseSpec`` (exporter), change the spec, validate, and rebuild the draft's
revision rows from it with the loader. Logical items keep their stable keys, so progress stays
attached; the draft never retires anything — ``publish`` runs the full course check on the
draft's canonical files, then loads them once more with the importer's loader (which retires
the items the draft no longer has, never deleting them) and publishes. The published version
therefore exports byte for byte as the files it was checked as.

Concurrency: each edit form carries a token, the digest of the item's texts as the form showed
them. A save whose token no longer matches raises ``StaleEdit`` with the current texts, and
nothing is written.

A *correction* (a typo) changes a published version in place, paragraph by paragraph in one
language, without changing its structure; it is audited, recorded in the history, applied to
the open draft where the draft still has the text it corrects, and bumps the version's
``corrected_at`` so cached outlines and rendered lessons are read again.

Editors of other items (quizzes, banks, assignments: issue 7 part 2) follow the same recipe:
``draft = open_draft(course, by)``; ``spec = locked_spec(draft)``; compare the posted token with
``token_of(...)`` of the item's current texts (``StaleEdit`` if they differ); change the spec;
validate; ``rebuild(draft, spec)``; ``record_change(course, draft, "question", question, "edit",
by, language, before, after)`` so the question's history page (``/author/courses/<id>/history/
question/<key>``) lists it. ``publish`` then checks and publishes everything together.

This module holds drafts and the edits on them; publishing, cohorts' versions, corrections,
history, owners and copies are in services/authoring/authoring_publish.py, re-exported from here (module
``__getattr__`` at the end), so ``authoring.publish`` and the like work unchanged.

Functions flush and never commit; views commit once.
"""

from __future__ import annotations

import hashlib
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses.check import _text_problems
from diplolearn.courses.exporter import version_spec
from diplolearn.courses.importer import _Loader
from diplolearn.courses.reader import ANCHOR_LINE
from diplolearn.courses.spec import (
    ID_PATTERN,
    CourseSpec,
    LessonSpec,
    LessonText,
    ModuleSpec,
    ParagraphSpec,
)
from diplolearn.courses.writer import lesson_markdown
from diplolearn.extensions import db
from diplolearn.models import (
    AssignmentRevision,
    ChoiceRevision,
    ContentChange,
    Course,
    CourseVersion,
    CourseVersionState,
    Lesson,
    LessonProgress,
    LessonRevision,
    Module,
    ModuleRevision,
    ParagraphRevision,
    QuestionCategory,
    QuestionRevision,
    QuizAttempt,
    QuizDraw,
    QuizQuestion,
    QuizRevision,
    RubricCriterion,
    RubricLevel,
    TranslationFlag,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.errors import DomainError

# --- errors -------------------------------------------------------------------------------


class AuthoringError(DomainError):
    message = _l("That change could not be made.")


class ContentInvalid(AuthoringError):
    """Bad input: every problem found, nothing written."""

    def __init__(self, problems: list):
        super().__init__(_l("The text has problems; nothing was saved."))
        self.problems = [str(p) for p in problems]


class StaleEdit(AuthoringError):
    """Someone saved the item after this form was opened; ``current`` holds their texts."""

    message = _l(
        "Someone else saved this since you opened it. Nothing was overwritten: "
        "compare both texts below, then save again."
    )

    def __init__(self, current: dict, token: str):
        super().__init__()
        self.current, self.token = current, token


class NoDraft(AuthoringError):
    message = _l("This course has no open draft. Open one first.")


class NothingPublished(AuthoringError):
    message = _l("This course has no published version to start a draft from.")


class PublishRefused(AuthoringError):
    def __init__(self, problems: list):
        super().__init__(_l("The draft has problems; it was not published."))
        self.problems = [str(p) for p in problems]


# --- reading -------------------------------------------------------------------------------


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


def released_versions(course: Course) -> list[CourseVersion]:
    """The course's versions other than its draft, newest first."""
    return list(
        db.session.scalars(
            sa.select(CourseVersion)
            .where(
                CourseVersion.course_id == course.id,
                CourseVersion.state != CourseVersionState.DRAFT,
            )
            .order_by(CourseVersion.number.desc())
        ).all()
    )


def published_version(course: Course, number: int) -> CourseVersion | None:
    """The course's published version with this number; None for any other number."""
    return db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == course.id,
            CourseVersion.number == number,
            CourseVersion.state == CourseVersionState.PUBLISHED,
        )
    )


def version_by_id(version_id: int) -> CourseVersion | None:
    """A course version by id (from the session's identity map when already loaded)."""
    return db.session.get(CourseVersion, version_id)


def lesson_revision(version: CourseVersion, key: str) -> LessonRevision | None:
    """The revision of the lesson with this key in the version; None when it has none."""
    return db.session.scalar(
        sa.select(LessonRevision)
        .join(Lesson)
        .where(LessonRevision.course_version_id == version.id, Lesson.key == key)
    )


def require_draft(course: Course) -> CourseVersion:
    draft = draft_of(course)
    if draft is None:
        raise NoDraft()
    return draft


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


def lesson_body(lesson: LessonSpec, language: str) -> str:
    """A lesson's text in one language as edited: ``{#anchor}`` lines before paragraphs."""
    text = lesson.texts.get(language)
    if text is None:
        return ""
    return "\n\n".join(f"{{#{p.anchor}}}\n{p.text.strip()}" for p in text.paragraphs)


def lesson_texts(lesson: LessonSpec) -> dict[str, tuple[str, str]]:
    return {lang: (text.title, lesson_body(lesson, lang)) for lang, text in lesson.texts.items()}


def token_of(texts: dict) -> str:
    """The concurrency token of an item's texts ({language: (title, body)} or {lang: title})."""
    hasher = hashlib.sha256()
    for language in sorted(texts):
        value = texts[language]
        parts = value if isinstance(value, tuple | list) else (value,)
        hasher.update(language.encode() + b"\0" + "\0".join(parts).encode() + b"\1")
    return hasher.hexdigest()[:32]


def _clean(text: str | None) -> str:
    """Form text as the files hold it: NFC, LF line ends, no trailing spaces at the ends."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def parse_body(body: str, language: str) -> tuple[list[ParagraphSpec], list[str]]:
    """Paragraphs of an edited text, and the problems found (the reader's rules)."""
    paragraphs: list[ParagraphSpec] = []
    problems: list[str] = []
    current = None
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
                            language=language,
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
                        language=language,
                        line=number,
                    )
                )
            )
    for paragraph in paragraphs:
        paragraph.text = paragraph.text.strip("\n")
        if not paragraph.text.strip():
            problems.append(
                str(
                    _l(
                        "%(language)s: the paragraph %(anchor)s is empty.",
                        language=language,
                        anchor=paragraph.anchor,
                    )
                )
            )
    seen = set()
    for paragraph in paragraphs:
        if paragraph.anchor in seen:
            problems.append(
                str(
                    _l(
                        "%(language)s: the anchor %(anchor)s is used twice.",
                        language=language,
                        anchor=paragraph.anchor,
                    )
                )
            )
        seen.add(paragraph.anchor)
    return paragraphs, problems


def _referenced_anchors(spec: CourseSpec, lesson_key: str) -> set[str]:
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


def _lesson_from_form(
    course: Course, spec: CourseSpec, key: str, texts: dict[str, tuple[str, str]]
) -> LessonSpec:
    """Validate the posted texts of a lesson and build its spec; ContentInvalid otherwise."""
    problems: list[str] = []
    lesson = LessonSpec(id=key)
    required = list(course.languages)
    for language in lesson_languages(course):
        title, body = texts.get(language, ("", ""))
        title, body = _clean(title), _clean(body)
        if not title and not body:
            if language in required:
                problems.append(str(_l("The %(language)s text is required.", language=language)))
            continue
        if not title:
            problems.append(str(_l("The %(language)s title is empty.", language=language)))
        paragraphs, found = parse_body(body, language)
        problems += found
        if not paragraphs and not found:
            problems.append(str(_l("The %(language)s text has no paragraphs.", language=language)))
        lesson.texts[language] = LessonText(language=language, title=title, paragraphs=paragraphs)
    sequences = {lang: [p.anchor for p in t.paragraphs] for lang, t in lesson.texts.items()}
    if len({tuple(s) for s in sequences.values()}) > 1:
        problems.append(
            str(
                _l(
                    "Every language must have the same paragraph anchors in the same "
                    "order (%(detail)s).",
                    detail="; ".join(f"{lang}: {', '.join(s)}" for lang, s in sequences.items()),
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
    missing = _referenced_anchors(spec, key) - set(lesson.anchors)
    if missing:
        problems.append(
            str(
                _l(
                    "Questions or discussions point at the paragraphs %(anchors)s; keep them.",
                    anchors=", ".join(sorted(missing)),
                )
            )
        )
    if lesson.texts:
        raw = {f"{key}.{lang}.md": lesson_markdown(lesson, lang).encode() for lang in lesson.texts}
        for problem in _text_problems("lesson", raw):
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
    return lesson


def _titles(course: Course, titles: dict[str, str]) -> dict[str, str]:
    cleaned = {lang: _clean(titles.get(lang)) for lang in lesson_languages(course)}
    cleaned = {lang: text for lang, text in cleaned.items() if text}
    missing = [lang for lang in course.languages if lang not in cleaned]
    if missing:
        raise ContentInvalid(
            [str(_l("The %(language)s title is required.", language=lang)) for lang in missing]
        )
    for lang, text in cleaned.items():
        if "<" in text or "\n" in text:
            raise ContentInvalid(
                [str(_l("The %(language)s title must be one line of plain text.", language=lang))]
            )
    return cleaned


def _new_key(spec: CourseSpec, key: str, kind: str) -> str:
    key = _clean(key)
    if not ID_PATTERN.match(key):
        raise ContentInvalid(
            [str(_l("The id must be lower-case letters, digits and hyphens (at most 63)."))]
        )
    taken = (
        {m.id for m in spec.modules}
        if kind == "module"
        else {lesson.id for lesson in spec.lessons()}
    )
    if key in taken:
        raise ContentInvalid([str(_l("The id %(key)s is already used in this course.", key=key))])
    return key


def prerequisite_problems(spec: CourseSpec, module_key: str, prerequisites: list[str]) -> list:
    """The course check's rule for a module's prerequisites, with translated messages: modules
    of the course, not the module itself, listed before it (which also rules out cycles)."""
    order = [m.id for m in spec.modules]
    problems = []
    for key in prerequisites:
        if key == module_key:
            problems.append(
                str(_l("The module %(module)s cannot require itself.", module=module_key))
            )
        elif key not in order:
            problems.append(
                str(_l("The prerequisite %(key)s is not a module of this course.", key=key))
            )
        elif order.index(key) > order.index(module_key):
            problems.append(
                str(
                    _l(
                        "The module %(module)s needs %(key)s first, which comes "
                        "after it: modules open in order, so a prerequisite comes "
                        "before (this also rules out cycles).",
                        module=module_key,
                        key=key,
                    )
                )
            )
    return problems


# --- drafts ------------------------------------------------------------------------------


class _DraftLoader(_Loader):
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


def _delete_revisions(version: CourseVersion) -> None:
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


def _load(version: CourseVersion, spec: CourseSpec, loader=_DraftLoader) -> None:
    version.bibliography = [
        {
            k: v
            for k, v in (("id", r.id), ("language", r.language), ("text", r.text), ("url", r.url))
            if v
        }
        for r in spec.references
    ]
    version.glossary = [
        {"id": t.id, "term": dict(t.term), "definition": dict(t.definition)} for t in spec.glossary
    ]
    loader(version.course, version).load(spec)
    db.session.flush()


def rebuild(draft: CourseVersion, spec: CourseSpec) -> None:
    """Replace the draft's revision rows by the ones ``spec`` describes."""
    if draft.state != CourseVersionState.DRAFT:
        raise NoDraft()
    _delete_revisions(draft)
    _load(draft, spec)


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
    _load(draft, spec)
    audit.record(
        by, "course.draft_open", target=draft, course=course.key, based_on=published.number
    )
    return draft


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


def _logical_lesson(course: Course, key: str) -> Lesson:
    return db.session.scalar(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.key == key)
    )


def _logical_module(course: Course, key: str) -> Module:
    return db.session.scalar(
        sa.select(Module).where(Module.course_id == course.id, Module.key == key)
    )


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
    lesson = _logical_lesson(course, lesson_key)
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


# --- edit operations on the draft ----------------------------------------------------------


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
    logical = _logical_lesson(course, key)
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
) -> None:
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, module_key)
    if module is None:
        raise AuthoringError(_l("This module is not in the draft."))
    key = _new_key(spec, key, "lesson")
    module.lessons.append(_lesson_from_form(course, spec, key, texts))
    rebuild(draft, spec)
    logical = _logical_lesson(course, key)
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


def create_module(draft: CourseVersion, key: str, titles: dict[str, str], by: User | None) -> None:
    course, spec = draft.course, locked_spec(draft)
    key = _new_key(spec, key, "module")
    spec.modules.append(ModuleSpec(id=key, title=_titles(course, titles)))
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "module",
        _logical_module(course, key),
        "create",
        by,
        after=_title_text(spec.modules[-1].title),
    )
    db.session.flush()


def _title_text(titles: dict) -> str:
    return "\n".join(f"{lang}: {titles[lang]}" for lang in sorted(titles))


def edit_module(
    draft: CourseVersion, key: str, titles: dict[str, str], token: str, by: User | None
) -> None:
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, key)
    if module is None:
        raise AuthoringError(_l("This module is not in the draft."))
    if token != token_of(module.title):
        raise StaleEdit(dict(module.title), token_of(module.title))
    new = _titles(course, titles)
    if new == module.title:
        return
    before, module.title = _title_text(module.title), new
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "module",
        _logical_module(course, key),
        "edit",
        by,
        before=before,
        after=_title_text(new),
    )
    db.session.flush()


def edit_course_title(draft: CourseVersion, titles: dict[str, str], by: User | None) -> None:
    """The course title is not versioned (course.yaml is read from the course row)."""
    course = draft.course
    new = _titles(course, titles)
    if new != course.title:
        before, course.title = _title_text(course.title), new
        record_change(
            course, draft, "course", course, "edit", by, before=before, after=_title_text(new)
        )
        db.session.flush()


def move(draft: CourseVersion, kind: str, key: str, to: int | str, by: User | None) -> None:
    """Move a module within the course or a lesson within its module: ``to`` is "up", "down"
    or a 1-based position (drag and drop)."""
    course, spec = draft.course, locked_spec(draft)
    if kind == "module":
        siblings, item = spec.modules, find_module(spec, key)
    else:
        module, item = find_lesson(spec, key)
        siblings = module.lessons if module else []
    if item is None:
        raise AuthoringError(_l("This item is not in the draft."))
    index = siblings.index(item)
    target = {"up": index - 1, "down": index + 1}.get(to) if isinstance(to, str) else to - 1
    if target is None or not 0 <= target < len(siblings) or target == index:
        return
    siblings.insert(target, siblings.pop(index))
    if kind == "module":
        problems = [
            problem
            for m in spec.modules
            for problem in prerequisite_problems(spec, m.id, m.prerequisites)
        ]
        if problems:
            raise ContentInvalid(problems)
    rebuild(draft, spec)
    logical = (_logical_module if kind == "module" else _logical_lesson)(course, key)
    record_change(
        course, draft, kind, logical, "move", by, before=str(index + 1), after=str(target + 1)
    )
    db.session.flush()


def learner_records(course: Course, kind: str, key: str) -> int:
    """How many learner records hang off a logical item (lesson progress, quiz attempts)."""
    if kind == "lesson":
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LessonProgress)
                .join(Lesson, Lesson.id == LessonProgress.lesson_id)
                .where(Lesson.course_id == course.id, Lesson.key == key)
            )
            or 0
        )
    lessons = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LessonProgress)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Module.course_id == course.id, Module.key == key)
        )
        or 0
    )
    attempts = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(QuizAttempt)
            .join(QuizRevision, QuizRevision.id == QuizAttempt.quiz_revision_id)
            .join(ModuleRevision, ModuleRevision.id == QuizRevision.module_revision_id)
            .join(Module, Module.id == ModuleRevision.module_id)
            .where(Module.course_id == course.id, Module.key == key)
        )
        or 0
    )
    return lessons + attempts


def retire(draft: CourseVersion, kind: str, key: str, by: User | None) -> None:
    """Take a module or lesson out of the draft. Publishing retires its logical row (never
    deleting it, so learners' records stay); running cohorts keep their version."""
    course, spec = draft.course, locked_spec(draft)
    if kind == "module":
        item = find_module(spec, key)
        if item is not None:
            referencing = [m.id for m in spec.modules if key in m.prerequisites]
            if referencing:
                raise ContentInvalid(
                    [
                        str(
                            _l(
                                "Modules %(keys)s need this one first; change "
                                "their prerequisites before retiring it.",
                                keys=", ".join(referencing),
                            )
                        )
                    ]
                )
            spec.modules.remove(item)
    else:
        module, item = find_lesson(spec, key)
        if item is not None:
            others = (
                {
                    q.refers_to.partition("#")[0]
                    for quiz in spec.quizzes()
                    for q in quiz.questions
                    if q.refers_to
                }
                | {
                    q.refers_to.partition("#")[0]
                    for c in spec.categories()
                    for q in c.questions
                    if q.refers_to
                }
                | {
                    m.discussion.refers_to.partition("#")[0]
                    for m in spec.modules
                    if m.discussion and m.discussion.refers_to
                }
            )
            if key in others:
                raise ContentInvalid(
                    [
                        str(
                            _l(
                                "Questions or discussions point at this lesson; "
                                "change them before retiring it."
                            )
                        )
                    ]
                )
            module.lessons.remove(item)
    if item is None:
        raise AuthoringError(_l("This item is not in the draft."))
    rebuild(draft, spec)
    logical = (_logical_module if kind == "module" else _logical_lesson)(course, key)
    record_change(course, draft, kind, logical, "retire", by)
    audit.record(
        by,
        f"{kind}.retire",
        target=logical,
        course=course.key,
        records=learner_records(course, kind, key),
    )
    db.session.flush()


def discard_draft(draft: CourseVersion, by: User | None) -> None:
    """Throw the draft away (its revision rows only; logical rows created for it stay,
    retired by the next publication as on import)."""
    if draft.state != CourseVersionState.DRAFT:
        raise NoDraft()
    _delete_revisions(draft)
    db.session.execute(
        sa.update(ContentChange)
        .where(ContentChange.course_version_id == draft.id)
        .values(course_version_id=None)
    )
    audit.record(by, "course.draft_discard", target=draft, course=draft.course.key)
    db.session.delete(draft)
    db.session.flush()


# --- publishing, cohorts, corrections, history, owners and copies ----------------------------
# These live in services/authoring/authoring_publish.py (which imports this module); they are served from
# here on first use, so ``authoring.publish`` and ``from ...authoring import publish`` keep
# working and neither module needs the other while it loads.

_PUBLISHING = frozenset(
    {
        "check_spec",
        "publish",
        "move_cohort",
        "correct",
        "history",
        "content_change",
        "owners",
        "is_owner",
        "add_owner",
        "add_coauthor",
        "copy_course",
    }
)


def __getattr__(name: str):
    if name in _PUBLISHING:
        from diplolearn.services.authoring import authoring_publish

        return getattr(authoring_publish, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
