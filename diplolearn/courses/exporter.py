"""Writing a course version from the database back to files, in the canonical form."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from diplolearn.courses.spec import (
    AssignmentSpec,
    ChoiceSpec,
    CriterionSpec,
    DiscussionSpec,
    CourseSpec,
    LessonSpec,
    LessonText,
    ModuleSpec,
    ParagraphSpec,
    QuestionSpec,
    QuizSpec,
    ReferenceSpec,
    TermSpec,
)
from diplolearn.courses.writer import course_files
from diplolearn.extensions import db
from diplolearn.models import (
    Course,
    CourseVersion,
    LessonRevision,
    ModuleRevision,
    ParagraphRevision,
    QuestionRevision,
    QuizQuestion,
    QuizRevision,
)


class UnknownCourse(LookupError):
    pass


def version_spec(course_key: str, number: int | None = None) -> CourseSpec:
    course = db.session.scalar(sa.select(Course).where(Course.key == course_key))
    if course is None:
        raise UnknownCourse(f"no course with id {course_key!r}")
    query = sa.select(CourseVersion).where(CourseVersion.course_id == course.id)
    query = query.where(CourseVersion.number == number) if number else query.order_by(
        CourseVersion.number.desc())
    version = db.session.scalars(query.limit(1)).first()
    if version is None:
        raise UnknownCourse(f"course {course_key!r} has no version {number or ''}".strip())
    spec = CourseSpec(
        id=course.key, title=dict(course.title), languages=list(course.languages),
        optional_languages=list(course.optional_languages),
        references=[ReferenceSpec(id=r["id"], text=r["text"], language=r["language"],
                                  url=r.get("url")) for r in version.bibliography],
        glossary=[TermSpec(id=t["id"], term=dict(t["term"]), definition=dict(t["definition"]))
                  for t in version.glossary])
    modules = db.session.scalars(
        sa.select(ModuleRevision).where(ModuleRevision.course_version_id == version.id)
        .options(selectinload(ModuleRevision.module)).order_by(ModuleRevision.position)).all()
    lessons = db.session.scalars(
        sa.select(LessonRevision).where(LessonRevision.course_version_id == version.id)
        .options(selectinload(LessonRevision.lesson),
                 selectinload(LessonRevision.paragraphs).selectinload(ParagraphRevision.paragraph))
        .order_by(LessonRevision.position)).all()
    quizzes = {q.module_revision_id: q for q in db.session.scalars(
        sa.select(QuizRevision).where(QuizRevision.course_version_id == version.id)
        .options(selectinload(QuizRevision.quiz),
                 selectinload(QuizRevision.questions).selectinload(QuizQuestion.question_revision)
                 .selectinload(QuestionRevision.choices),
                 selectinload(QuizRevision.questions).selectinload(QuizQuestion.question_revision)
                 .selectinload(QuestionRevision.question)))}
    paragraph_keys = {p.paragraph_id: (lr.lesson.key, p.paragraph.key)
                      for lr in lessons for p in lr.paragraphs}
    for revision in modules:
        module = ModuleSpec(id=revision.module.key, title=dict(revision.title),
                            objectives=dict(revision.objectives),
                            estimated_minutes=revision.estimated_minutes,
                            required=revision.required, prerequisites=list(revision.prerequisites),
                            week=revision.week)
        if revision.assignment:
            a = revision.assignment
            module.assignment = AssignmentSpec(
                id=a["id"], title=dict(a["title"]), prompt=dict(a["prompt"]),
                rubric=[CriterionSpec(id=c["id"], points=c["points"], criterion=dict(c["criterion"]))
                        for c in a["rubric"]])
        if revision.discussion:
            d = revision.discussion
            module.discussion = DiscussionSpec(id=d["id"], prompt=dict(d["prompt"]),
                                               refers_to=d.get("refers_to"))
        for lesson_revision in (lr for lr in lessons if lr.module_revision_id == revision.id):
            lesson = LessonSpec(id=lesson_revision.lesson.key, required=lesson_revision.required,
                                estimated_minutes=lesson_revision.estimated_minutes)
            for language, title in lesson_revision.title.items():
                lesson.texts[language] = LessonText(language=language, title=title, paragraphs=[
                    ParagraphSpec(anchor=p.paragraph.key, text=p.body.get(language, ""))
                    for p in lesson_revision.paragraphs])
            module.lessons.append(lesson)
        quiz_revision = quizzes.get(revision.id)
        if quiz_revision is not None:
            module.quiz = _quiz_spec(quiz_revision, paragraph_keys)
        spec.modules.append(module)
    return spec


def _quiz_spec(revision: QuizRevision, paragraph_keys: dict) -> QuizSpec:
    quiz = QuizSpec(id=revision.quiz.key, title=dict(revision.title),
                    pass_mark=int(revision.pass_mark), max_attempts=revision.max_attempts,
                    time_limit_minutes=revision.time_limit_minutes,
                    grading_method=revision.grading_method,
                    shuffle_questions=revision.shuffle_questions,
                    shuffle_choices=revision.shuffle_choices, required=revision.required)
    for link in revision.questions:
        q = link.question_revision
        refers = paragraph_keys.get(q.paragraph_id)
        quiz.questions.append(QuestionSpec(
            id=q.question.key, kind=q.kind, prompt=dict(q.prompt), points=int(q.points),
            refers_to=f"{refers[0]}#{refers[1]}" if refers else None,
            feedback=dict(q.feedback), answer=q.settings.get("answer"),
            choices=[ChoiceSpec(id=c.key, correct=c.is_correct, text=dict(c.text),
                                feedback=dict(c.feedback)) for c in q.choices]))
    return quiz


def export_course(course_key: str, target: Path, number: int | None = None) -> list[Path]:
    """Write the course folder under ``target``/<course id>; return the files written."""
    spec = version_spec(course_key, number)
    folder = target / spec.id
    written = []
    for rel, text in course_files(spec).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
        written.append(path)
    return written
