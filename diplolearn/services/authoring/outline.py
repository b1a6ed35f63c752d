"""The outline of a course's draft: the course title, modules (``create_module``,
``edit_module``), the order of modules and lessons (``move``), and taking a module or lesson
out of the draft (``retire``, with ``learner_records`` telling how many records hang off it).
``new_key`` checks the id of a new module or lesson; ``prerequisite_problems`` is the course
check's rule for a module's prerequisites, which moving modules must keep.

Every edit follows the recipe of services/authoring/drafting.py. The draft never retires
anything itself: publishing retires the logical rows the draft no longer has, never deleting
them, so learners' records stay.

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses import rules
from diplolearn.courses.spec import CourseSpec, ModuleSpec
from diplolearn.extensions import db
from diplolearn.models import (
    Course,
    CourseVersion,
    Lesson,
    LessonProgress,
    Module,
    ModuleRevision,
    QuizAttempt,
    QuizRevision,
    User,
)
from diplolearn.services import audit
from diplolearn.services.authoring import AuthoringError, ContentInvalid, StaleEdit
from diplolearn.services.authoring.drafting import (
    clean_text,
    find_lesson,
    find_module,
    lesson_languages,
    locked_spec,
    logical_lesson,
    logical_module,
    rebuild,
    record_change,
    token_of,
)

# --- titles, ids and prerequisites -----------------------------------------------------------


def _titles(course: Course, titles: dict[str, str]) -> dict[str, str]:
    cleaned = {lang: clean_text(titles.get(lang)) for lang in lesson_languages(course)}
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


def _title_text(titles: dict) -> str:
    return "\n".join(f"{lang}: {titles[lang]}" for lang in sorted(titles))


def new_key(spec: CourseSpec, key: str, kind: str) -> str:
    """The cleaned id of a new module or lesson (``kind``); ContentInvalid when it is not a
    valid id or the course already uses it."""
    key = clean_text(key)
    problem = rules.key_problem(key)
    if problem is not None:
        raise ContentInvalid([str(problem)])
    taken = (
        {m.id for m in spec.modules}
        if kind == "module"
        else {lesson.id for lesson in spec.lessons()}
    )
    if key in taken:
        raise ContentInvalid([str(_l("The id %(key)s is already used in this course.", key=key))])
    return key


def prerequisite_problems(spec: CourseSpec, module_key: str, prerequisites: list[str]) -> list:
    """The course check's rule for a module's prerequisites (courses/rules.py), as messages."""
    order = [m.id for m in spec.modules]
    return [str(p) for p in rules.prerequisite_problems(order, module_key, prerequisites)]


# --- edits of the outline --------------------------------------------------------------------


def create_module(draft: CourseVersion, key: str, titles: dict[str, str], by: User | None) -> None:
    course, spec = draft.course, locked_spec(draft)
    key = new_key(spec, key, "module")
    spec.modules.append(ModuleSpec(id=key, title=_titles(course, titles)))
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "module",
        logical_module(course, key),
        "create",
        by,
        after=_title_text(spec.modules[-1].title),
    )
    db.session.flush()


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
        logical_module(course, key),
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
    logical = (logical_module if kind == "module" else logical_lesson)(course, key)
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
    logical = (logical_module if kind == "module" else logical_lesson)(course, key)
    record_change(course, draft, kind, logical, "retire", by)
    audit.record(
        by,
        f"{kind}.retire",
        target=logical,
        course=course.key,
        records=learner_records(course, kind, key),
    )
    db.session.flush()
