"""Exporting a course version from the database back to files, in the canonical form.

``version_spec`` reads a version's rows (and its images from storage) into a CourseSpec;
``export_course`` writes that spec's canonical files (courses/writer.py) under a folder.
``UnknownCourse`` (services/catalogue/__init__.py) when the course or version does not exist.
Drafts (services/authoring/drafting.py) start from ``version_spec`` too.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from diplolearn import questions
from diplolearn.courses import sources
from diplolearn.courses.spec import (
    AssignmentSpec,
    CategorySpec,
    ChoiceSpec,
    CourseSpec,
    CriterionSpec,
    DiscussionSpec,
    DrawSpec,
    ImageSpec,
    LessonSpec,
    LessonText,
    LevelSpec,
    ModuleSpec,
    ParagraphSpec,
    QuestionSpec,
    QuizSpec,
    TermSpec,
)
from diplolearn.courses.writer import course_file_bytes
from diplolearn.extensions import db
from diplolearn.models import (
    AssignmentRevision,
    Course,
    CourseVersion,
    CourseVersionState,
    LessonRevision,
    ModuleRevision,
    ParagraphRevision,
    QuestionCategory,
    QuestionRevision,
    QuizDraw,
    QuizQuestion,
    QuizRevision,
    RubricCriterion,
)
from diplolearn.services.catalogue import UnknownCourse, images


def version_spec(course_key: str, number: int | None = None) -> CourseSpec:
    course = db.session.scalar(sa.select(Course).where(Course.key == course_key))
    if course is None:
        raise UnknownCourse(f"no course with id {course_key!r}")
    query = sa.select(CourseVersion).where(CourseVersion.course_id == course.id)
    # Without a number: the latest published (or archived) version, never an open draft.
    query = (
        query.where(CourseVersion.number == number)
        if number
        else query.where(CourseVersion.state != CourseVersionState.DRAFT).order_by(
            CourseVersion.number.desc()
        )
    )
    version = db.session.scalars(query.limit(1)).first()
    if version is None:
        raise UnknownCourse(f"course {course_key!r} has no version {number or ''}".strip())
    spec = CourseSpec(
        id=course.key,
        title=dict(course.title),
        languages=list(course.languages),
        optional_languages=list(course.optional_languages),
        references=[sources.reference_from_row(r) for r in version.bibliography],
        glossary=[
            TermSpec(id=t["id"], term=dict(t["term"]), definition=dict(t["definition"]))
            for t in version.glossary
        ],
    )
    modules = db.session.scalars(
        sa.select(ModuleRevision)
        .where(ModuleRevision.course_version_id == version.id)
        .options(selectinload(ModuleRevision.module))
        .order_by(ModuleRevision.position)
    ).all()
    lessons = db.session.scalars(
        sa.select(LessonRevision)
        .where(LessonRevision.course_version_id == version.id)
        .options(
            selectinload(LessonRevision.lesson),
            selectinload(LessonRevision.paragraphs).selectinload(ParagraphRevision.paragraph),
        )
        .order_by(LessonRevision.position)
    ).all()
    quizzes = {
        q.module_revision_id: q
        for q in db.session.scalars(
            sa.select(QuizRevision)
            .where(QuizRevision.course_version_id == version.id)
            .options(
                selectinload(QuizRevision.quiz),
                selectinload(QuizRevision.questions)
                .selectinload(QuizQuestion.question_revision)
                .selectinload(QuestionRevision.choices),
                selectinload(QuizRevision.questions)
                .selectinload(QuizQuestion.question_revision)
                .selectinload(QuestionRevision.question),
                selectinload(QuizRevision.draws).selectinload(QuizDraw.category),
            )
        )
    }
    categories = db.session.scalars(
        sa.select(QuestionCategory)
        .where(QuestionCategory.course_version_id == version.id)
        .options(
            selectinload(QuestionCategory.questions).selectinload(QuestionRevision.choices),
            selectinload(QuestionCategory.questions).selectinload(QuestionRevision.question),
        )
        .order_by(QuestionCategory.position)
    ).all()
    assignments = {
        a.module_revision_id: a
        for a in db.session.scalars(
            sa.select(AssignmentRevision)
            .where(AssignmentRevision.course_version_id == version.id)
            .options(
                selectinload(AssignmentRevision.assignment),
                selectinload(AssignmentRevision.criteria).selectinload(RubricCriterion.levels),
            )
        )
    }
    paragraph_keys = {
        p.paragraph_id: (lr.lesson.key, p.paragraph.key) for lr in lessons for p in lr.paragraphs
    }
    for revision in modules:
        module = ModuleSpec(
            id=revision.module.key,
            title=dict(revision.title),
            objectives=dict(revision.objectives),
            estimated_minutes=revision.estimated_minutes,
            required=revision.required,
            prerequisites=list(revision.prerequisites),
            week=revision.week,
        )
        if revision.id in assignments:
            module.assignment = _assignment_spec(assignments[revision.id])
        if revision.discussion:
            d = revision.discussion
            module.discussion = DiscussionSpec(
                id=d["id"], prompt=dict(d["prompt"]), refers_to=d.get("refers_to")
            )
        for lesson_revision in (lr for lr in lessons if lr.module_revision_id == revision.id):
            lesson = LessonSpec(
                id=lesson_revision.lesson.key,
                required=lesson_revision.required,
                estimated_minutes=lesson_revision.estimated_minutes,
            )
            for language, title in lesson_revision.title.items():
                lesson.texts[language] = LessonText(
                    language=language,
                    title=title,
                    paragraphs=[
                        ParagraphSpec(anchor=p.paragraph.key, text=p.body.get(language, ""))
                        for p in lesson_revision.paragraphs
                    ],
                )
            module.lessons.append(lesson)
        module.bank = [
            CategorySpec(
                id=c.key,
                title=dict(c.title),
                questions=[_question_spec(q, paragraph_keys) for q in c.questions],
            )
            for c in categories
            if c.module_revision_id == revision.id
        ]
        quiz_revision = quizzes.get(revision.id)
        if quiz_revision is not None:
            module.quiz = _quiz_spec(quiz_revision, paragraph_keys)
        spec.modules.append(module)
    spec.images = _image_specs(
        course.id, [text for lr in lessons for p in lr.paragraphs for text in p.body.values()]
    )
    return spec


def _image_specs(course_id: int, texts: list[str]) -> list[ImageSpec]:
    """The course's images that the version's lessons show, with their bytes from storage."""
    found = images.images_for(course_id, texts)
    return [
        ImageSpec(
            file=record.sha256 + images.EXTENSIONS[record.format],
            alt=dict(record.alt),
            data=images.read_bytes(record),
        )
        for record in sorted(found.values(), key=lambda r: r.sha256)
    ]


def _assignment_spec(a: AssignmentRevision) -> AssignmentSpec:
    return AssignmentSpec(
        id=a.assignment.key,
        title=dict(a.title),
        prompt=dict(a.prompt),
        required=a.required,
        completion=a.completion,
        pass_mark=int(a.pass_mark) if a.completion == "passed" else None,
        formats=list(a.formats),
        min_words=a.min_words,
        max_words=a.max_words,
        due_days=a.due_days,
        late_days=a.late_days,
        rubric=[
            CriterionSpec(
                id=c.key,
                points=c.points,
                criterion=dict(c.criterion),
                levels=[
                    LevelSpec(points=level.points, description=dict(level.description))
                    for level in c.levels
                ],
            )
            for c in a.criteria
        ],
    )


def _quiz_spec(revision: QuizRevision, paragraph_keys: dict) -> QuizSpec:
    quiz = QuizSpec(
        id=revision.quiz.key,
        title=dict(revision.title),
        pass_mark=int(revision.pass_mark),
        max_attempts=revision.max_attempts,
        time_limit_minutes=revision.time_limit_minutes,
        grading_method=revision.grading_method,
        shuffle_questions=revision.shuffle_questions,
        shuffle_choices=revision.shuffle_choices,
        required=revision.required,
        feedback_shown=revision.feedback_shown,
        answers_shown=revision.answers_shown,
        grade_release_required=revision.grade_release_required,
        partial_credit=revision.partial_credit,
    )
    for link in revision.questions:
        quiz.questions.append(_question_spec(link.question_revision, paragraph_keys))
    quiz.draws = [
        DrawSpec(count=d.count, category=d.category.key, position=d.position - 1)
        for d in revision.draws
    ]
    return quiz


def _question_spec(q: QuestionRevision, paragraph_keys: dict) -> QuestionSpec:
    refers = paragraph_keys.get(q.paragraph_id)
    spec = QuestionSpec(
        id=q.question.key,
        kind=q.kind,
        prompt=dict(q.prompt),
        points=int(q.points),
        refers_to=f"{refers[0]}#{refers[1]}" if refers else None,
        feedback=dict(q.feedback),
        choices=[
            ChoiceSpec(
                id=c.key,
                correct=c.is_correct,
                text=dict(c.text),
                feedback=dict(c.feedback),
            )
            for c in q.choices
        ],
    )
    questions.file_type(q.kind).read_settings(spec, q.settings or {})
    return spec


def export_course(course_key: str, target: Path, number: int | None = None) -> list[Path]:
    """Write the course folder under ``target``/<course id>; return the files written."""
    spec = version_spec(course_key, number)
    folder = target / spec.id
    written = []
    for rel, data in course_file_bytes(spec).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
