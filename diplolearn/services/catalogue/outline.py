"""The shape of published course versions, read in a fixed number of queries.

``load_outlines`` reads the modules (with their written assignment), lessons and quizzes of any
number of course versions in four queries (the versions, then one per kind of item), however
large the courses are, into plain, read-only ``ModuleNode`` / ``LessonNode`` / ``QuizNode`` /
``AssignmentNode`` objects in course order. Progress (progress package) is computed over these
nodes and the learner's records, never by walking ORM relationships.

A published version never changes (catalogue.py): a new import publishes a new version. So
each process keeps the outlines of the published versions it has read (``OutlineCache``), and
a request then only checks, in one query by primary key, that each version is still the
published row it read (same id, state and creation and publication instants). Drafts are
never cached. Reading a 50-module course of 1,000 lessons goes from ~25 ms to well under 1 ms.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    Assignment,
    AssignmentRevision,
    CourseVersion,
    CourseVersionState,
    Lesson,
    LessonRevision,
    Module,
    ModuleRevision,
    Paragraph,
    ParagraphRevision,
    Quiz,
    QuizRevision,
)


@dataclass(eq=False)
class LessonNode:
    revision_id: int
    lesson_id: int
    key: str
    position: int
    title: dict
    estimated_minutes: int | None
    required: bool
    module: ModuleNode | None = None
    kind = "lesson"


@dataclass(eq=False)
class QuizNode:
    revision_id: int
    quiz_id: int
    key: str
    position: int
    title: dict
    required: bool
    pass_mark: Decimal
    max_attempts: int | None
    time_limit_minutes: int | None
    grading_method: str
    module: ModuleNode | None = None
    kind = "quiz"


@dataclass(eq=False)
class AssignmentNode:
    """A module's written assignment (models/assignments.py); its rubric is read on its page."""

    revision_id: int
    assignment_id: int
    key: str
    title: dict
    required: bool
    completion: str  # "submitted" or "passed"
    pass_mark: Decimal
    formats: list
    min_words: int | None
    max_words: int | None
    due_days: int | None
    late_days: int | None
    module: ModuleNode | None = None
    kind = "assignment"


@dataclass(eq=False)
class ModuleNode:
    revision_id: int
    module_id: int
    key: str
    position: int
    title: dict
    objectives: dict
    estimated_minutes: int | None
    required: bool
    prerequisites: list[str]
    week: int | None = None
    discussion: dict = field(default_factory=dict)
    number: int = 0  # 1-based place in the course, as learners call it ("Module 2")
    lessons: list[LessonNode] = field(default_factory=list)
    quizzes: list[QuizNode] = field(default_factory=list)
    assignments: list[AssignmentNode] = field(default_factory=list)

    @property
    def items(self) -> list[LessonNode | QuizNode | AssignmentNode]:
        """Lessons first, then the module's quizzes and its written assignment: the order a
        learner works through."""
        return [*self.lessons, *self.quizzes, *self.assignments]

    @property
    def minutes(self) -> int | None:
        if self.estimated_minutes is not None:
            return self.estimated_minutes
        known = [lesson.estimated_minutes for lesson in self.lessons if lesson.estimated_minutes]
        return sum(known) if known else None


@dataclass(eq=False)
class CourseOutline:
    version_id: int
    modules: list[ModuleNode] = field(default_factory=list)
    # The version's reference list and glossary (CourseVersion.bibliography / .glossary).
    bibliography: list[dict] = field(default_factory=list)
    glossary: list[dict] = field(default_factory=list)
    # What pages derive from this (immutable) version, such as a lesson's rendered text: kept
    # in the process-wide ``rendered`` cache under this outline's serial number.
    _serial: int = field(default_factory=lambda: next(_serials), repr=False)

    def remember(self, key, compute):
        """``compute()`` once per key while it stays in the process's cache of derived values
        (``rendered``: bounded in bytes, least recently used first out). Only for values that
        depend on nothing but the version's content."""
        return rendered.get_or_compute((self._serial, key), compute)

    @property
    def items(self) -> list[LessonNode | QuizNode]:
        return [item for module in self.modules for item in module.items]

    def module(self, key: str) -> ModuleNode | None:
        return next((m for m in self.modules if m.key == key), None)

    def lesson(self, key: str) -> LessonNode | None:
        return next((i for m in self.modules for i in m.lessons if i.key == key), None)

    def quiz(self, key: str) -> QuizNode | None:
        return next((i for m in self.modules for i in m.quizzes if i.key == key), None)

    def assignment(self, key: str) -> AssignmentNode | None:
        return next((i for m in self.modules for i in m.assignments if i.key == key), None)


_serials = itertools.count(1)


def _size(value) -> int:
    """Roughly how many bytes a derived value holds (its text, mostly)."""
    if isinstance(value, str):
        return 50 + len(value)
    if isinstance(value, list | tuple):
        return 56 + sum(_size(v) for v in value)
    return 32


class RenderedCache:
    """Values derived from published versions (a lesson's paragraphs rendered in a reading
    order), thread-safe, least recently used first out once ``budget`` bytes are held: a
    worker's memory stays bounded however many courses, lessons and languages it serves."""

    def __init__(self, budget: int = 32 * 1024 * 1024):
        self.budget = budget
        self.held = 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key, compute):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry[0]
        value = compute()
        size = _size(value)
        with self._lock:
            if key not in self._entries and size <= self.budget:
                self._entries[key] = (value, size)
                self.held += size
                while self.held > self.budget:
                    _key, (_value, dropped) = self._entries.popitem(last=False)
                    self.held -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.held = 0


rendered = RenderedCache()


class OutlineCache:
    """A small, thread-safe LRU of published outlines, keyed by version id and checked against
    the version's stamp (state, created_at, published_at) on every use."""

    def __init__(self, size: int = 64):
        self.size = size
        self._entries: OrderedDict[int, tuple[tuple, CourseOutline]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: int, stamp: tuple) -> CourseOutline | None:
        with self._lock:
            entry = self._entries.get(version_id)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(version_id)
            return entry[1]

    def put(self, version_id: int, stamp: tuple, outline: CourseOutline) -> None:
        with self._lock:
            self._entries[version_id] = (stamp, outline)
            self._entries.move_to_end(version_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


cache = OutlineCache()


def load_outlines(
    version_ids: Iterable[int], stamps: dict[int, tuple] | None = None, *, remember: bool = True
) -> dict[int, CourseOutline]:
    """The outline of each version: one query when every version is a published one already
    read by this process, five otherwise, whatever the number or size of the versions.
    ``stamps`` (version id -> (state, created_at, published_at, corrected_at)), when a caller
    read them in its own query (services/progress/summary.py), save that query. ``remember``
    False: use the outlines kept but keep none read here (a write in the middle of a
    transaction, which may see rows not committed yet)."""
    ids = sorted({v for v in version_ids if v is not None})
    if not ids:
        return {}
    if stamps is not None and all(v in stamps for v in ids):
        return _outlines(ids, stamps, remember)
    stamps = {
        row.id: (row.state, row.created_at, row.published_at, row.corrected_at)
        for row in db.session.execute(
            sa.select(
                CourseVersion.id,
                CourseVersion.state,
                CourseVersion.created_at,
                CourseVersion.published_at,
                CourseVersion.corrected_at,
            ).where(CourseVersion.id.in_(ids))
        )
    }
    return _outlines(ids, stamps, remember)


def _outlines(ids: list[int], stamps: dict[int, tuple], remember: bool) -> dict[int, CourseOutline]:
    outlines = {v: cache.get(v, stamps.get(v)) for v in ids}
    missing = [v for v, outline in outlines.items() if outline is None]
    if missing:
        outlines.update(read_outlines(missing))
        for v in missing:
            if remember and stamps.get(v, ("",))[0] == CourseVersionState.PUBLISHED:
                cache.put(v, stamps[v], outlines[v])
    return outlines


_ASSIGNMENT_COLUMNS = (
    AssignmentRevision.id.label("assignment_revision_id"),
    AssignmentRevision.assignment_id,
    Assignment.key.label("assignment_key"),
    AssignmentRevision.title.label("assignment_title"),
    AssignmentRevision.required.label("assignment_required"),
    AssignmentRevision.completion,
    AssignmentRevision.pass_mark,
    AssignmentRevision.formats,
    AssignmentRevision.min_words,
    AssignmentRevision.max_words,
    AssignmentRevision.due_days,
    AssignmentRevision.late_days,
)


def read_outlines(ids: list[int]) -> dict[int, CourseOutline]:
    """Read outlines from the database, in four queries."""
    outlines = {
        row.id: CourseOutline(
            row.id, bibliography=list(row.bibliography or []), glossary=list(row.glossary or [])
        )
        for row in db.session.execute(
            sa.select(CourseVersion.id, CourseVersion.bibliography, CourseVersion.glossary).where(
                CourseVersion.id.in_(ids)
            )
        )
    }
    modules: dict[int, ModuleNode] = {}
    # Plain columns, never ORM instances: cached nodes must not share state with a session.
    for row in db.session.execute(
        sa.select(
            ModuleRevision.id,
            ModuleRevision.module_id,
            Module.key,
            ModuleRevision.position,
            ModuleRevision.title,
            ModuleRevision.objectives,
            ModuleRevision.estimated_minutes,
            ModuleRevision.required,
            ModuleRevision.prerequisites,
            ModuleRevision.week,
            ModuleRevision.discussion,
            ModuleRevision.course_version_id,
            *_ASSIGNMENT_COLUMNS,
        )
        .join(Module, Module.id == ModuleRevision.module_id)
        # A module has at most one written assignment: read with its module, no extra query.
        .outerjoin(AssignmentRevision, AssignmentRevision.module_revision_id == ModuleRevision.id)
        .outerjoin(Assignment, Assignment.id == AssignmentRevision.assignment_id)
        .where(ModuleRevision.course_version_id.in_(ids))
        .order_by(ModuleRevision.course_version_id, ModuleRevision.position, ModuleRevision.id)
    ):
        node = ModuleNode(
            row.id,
            row.module_id,
            row.key,
            row.position,
            row.title,
            row.objectives or {},
            row.estimated_minutes,
            row.required,
            list(row.prerequisites or []),
            row.week,
            dict(row.discussion or {}),
        )
        if row.assignment_revision_id is not None:
            node.assignments.append(
                AssignmentNode(
                    row.assignment_revision_id,
                    row.assignment_id,
                    row.assignment_key,
                    row.assignment_title,
                    row.assignment_required,
                    row.completion,
                    row.pass_mark,
                    list(row.formats or []),
                    row.min_words,
                    row.max_words,
                    row.due_days,
                    row.late_days,
                    module=node,
                )
            )
        outline = outlines[row.course_version_id]
        outline.modules.append(node)
        node.number = len(outline.modules)
        modules[row.id] = node
    lessons = (
        sa.select(
            LessonRevision.id,
            LessonRevision.lesson_id,
            Lesson.key,
            LessonRevision.position,
            LessonRevision.title,
            LessonRevision.estimated_minutes,
            LessonRevision.required,
            LessonRevision.module_revision_id,
        )
        .join(Lesson, Lesson.id == LessonRevision.lesson_id)
        .where(LessonRevision.course_version_id.in_(ids))
        .order_by(LessonRevision.position, LessonRevision.id)
    )
    for *values, module_revision_id in db.session.execute(lessons):
        module = modules.get(module_revision_id)
        if module is not None:
            module.lessons.append(LessonNode(*values, module=module))
    quizzes = (
        sa.select(
            QuizRevision.id,
            QuizRevision.quiz_id,
            Quiz.key,
            QuizRevision.position,
            QuizRevision.title,
            QuizRevision.required,
            QuizRevision.pass_mark,
            QuizRevision.max_attempts,
            QuizRevision.time_limit_minutes,
            QuizRevision.grading_method,
            QuizRevision.module_revision_id,
        )
        .join(Quiz, Quiz.id == QuizRevision.quiz_id)
        .where(QuizRevision.course_version_id.in_(ids))
        .order_by(QuizRevision.position, QuizRevision.id)
    )
    for *values, module_revision_id in db.session.execute(quizzes):
        module = modules.get(module_revision_id)
        if module is not None:  # course-level quizzes are not part of the module path
            module.quizzes.append(QuizNode(*values, module=module))
    return outlines


def lesson_paragraphs(lesson_revision_id: int) -> list[tuple]:
    """(anchor, body in every language, course id) of each paragraph of a lesson's text in one
    revision, in reading order: one query. A published revision never changes, so callers may
    cache what they render from it (``CourseOutline.remember``)."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Paragraph.key, ParagraphRevision.body, Lesson.course_id)
            .join(Paragraph, Paragraph.id == ParagraphRevision.paragraph_id)
            .join(Lesson, Lesson.id == Paragraph.lesson_id)
            .where(ParagraphRevision.lesson_revision_id == lesson_revision_id)
            .order_by(ParagraphRevision.position)
        )
    ]
