"""Writing one course version's rows from a CourseSpec: ``CourseLoader`` upserts the logical
items (modules, lessons, paragraphs, quizzes, questions, assignments) by their stable ids,
retires those no longer in the spec and brings back those that return, then writes the
version's revision rows (texts, quiz settings, banks and draws, rubrics) in few queries.
``question_settings`` is a question's kind-specific settings, as its type keeps them.

The importer (course_import.py) loads with it; drafts and publishing (services/authoring/) load
with it or with their subclass of it.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from diplolearn import questions
from diplolearn.courses.spec import CourseSpec
from diplolearn.extensions import db
from diplolearn.models import (
    Assignment,
    AssignmentRevision,
    ChoiceRevision,
    Course,
    CourseVersion,
    Lesson,
    LessonRevision,
    Module,
    ModuleRevision,
    Paragraph,
    ParagraphRevision,
    Question,
    QuestionCategory,
    QuestionRevision,
    Quiz,
    QuizDraw,
    QuizQuestion,
    QuizRevision,
    RubricCriterion,
    RubricLevel,
    utcnow,
)


class CourseLoader:
    """Upserts logical items by key and writes one version's revisions, in few queries."""

    def __init__(self, course: Course, version: CourseVersion):
        self.course, self.version, self.now = course, version, utcnow()
        self.categories: dict = {}  # bank category id -> QuestionCategory
        self.draws: list = []  # (quiz revision id, DrawSpec), written once categories exist

    def _existing(self, model, *where):
        return {row.key: row for row in db.session.scalars(sa.select(model).where(*where))}

    def _logical(self, existing: dict, model, key: str, **fields):
        item = existing.get(key)
        if item is None:
            item = model(key=key, **fields)
            db.session.add(item)
            existing[key] = item
        else:
            for name, value in fields.items():
                setattr(item, name, value)
            item.retired_at = None
        return item

    @staticmethod
    def _retire(existing: dict, keep: set[str], now) -> None:
        for key, item in existing.items():
            if key not in keep and item.retired_at is None:
                item.retired_at = now

    def load(self, spec: CourseSpec) -> None:
        cid = self.course.id
        modules = self._existing(Module, Module.course_id == cid)
        lessons = self._existing(Lesson, Lesson.course_id == cid)
        quizzes = self._existing(Quiz, Quiz.course_id == cid)
        questions = self._existing(Question, Question.course_id == cid)
        assignments = self._existing(Assignment, Assignment.course_id == cid)
        paragraphs = {
            (p.lesson_id, p.key): p
            for p in db.session.scalars(
                sa.select(Paragraph).join(Lesson).where(Lesson.course_id == cid)
            )
        }

        for module_spec in spec.modules:
            self._logical(modules, Module, module_spec.id, course_id=cid)
        db.session.flush()
        for module_spec in spec.modules:
            for lesson_spec in module_spec.lessons:
                self._logical(
                    lessons,
                    Lesson,
                    lesson_spec.id,
                    course_id=cid,
                    module_id=modules[module_spec.id].id,
                )
            if module_spec.quiz:
                self._logical(
                    quizzes,
                    Quiz,
                    module_spec.quiz.id,
                    course_id=cid,
                    module_id=modules[module_spec.id].id,
                )
                for question_spec in module_spec.quiz.questions:
                    self._logical(questions, Question, question_spec.id, course_id=cid)
            for category in module_spec.bank:
                for question_spec in category.questions:
                    self._logical(questions, Question, question_spec.id, course_id=cid)
            if module_spec.assignment:
                self._logical(
                    assignments,
                    Assignment,
                    module_spec.assignment.id,
                    course_id=cid,
                    module_id=modules[module_spec.id].id,
                )
        db.session.flush()

        kept_paragraphs = set()
        for lesson_spec in spec.lessons():
            lesson_id = lessons[lesson_spec.id].id
            for anchor in lesson_spec.anchors:
                kept_paragraphs.add((lesson_id, anchor))
                if (lesson_id, anchor) not in paragraphs:
                    paragraph = Paragraph(lesson_id=lesson_id, key=anchor)
                    db.session.add(paragraph)
                    paragraphs[(lesson_id, anchor)] = paragraph
                else:
                    paragraphs[(lesson_id, anchor)].retired_at = None
        db.session.flush()

        self._retire(modules, {m.id for m in spec.modules}, self.now)
        self._retire(lessons, {lesson.id for lesson in spec.lessons()}, self.now)
        self._retire(quizzes, {q.id for q in spec.quizzes()}, self.now)
        self._retire(
            questions,
            {q.id for quiz in spec.quizzes() for q in quiz.questions}
            | {q.id for c in spec.categories() for q in c.questions},
            self.now,
        )
        self._retire(paragraphs, kept_paragraphs, self.now)
        self._retire(assignments, {m.assignment.id for m in spec.modules if m.assignment}, self.now)
        self.assignments = assignments
        self._revisions(spec, modules, lessons, quizzes, questions, paragraphs)

    def _revisions(self, spec, modules, lessons, quizzes, questions, paragraphs) -> None:
        vid = self.version.id
        for m_pos, module_spec in enumerate(spec.modules, start=1):
            module_revision = ModuleRevision(
                module_id=modules[module_spec.id].id,
                course_version_id=vid,
                position=m_pos,
                title=module_spec.title,
                objectives=module_spec.objectives,
                estimated_minutes=module_spec.estimated_minutes,
                required=module_spec.required,
                prerequisites=list(module_spec.prerequisites),
                week=module_spec.week,
                discussion=_discussion(module_spec.discussion),
            )
            db.session.add(module_revision)
            db.session.flush()
            for l_pos, lesson_spec in enumerate(module_spec.lessons, start=1):
                lesson = lessons[lesson_spec.id]
                lesson_revision = LessonRevision(
                    lesson_id=lesson.id,
                    course_version_id=vid,
                    module_revision_id=module_revision.id,
                    position=l_pos,
                    title={lang: text.title for lang, text in lesson_spec.texts.items()},
                    estimated_minutes=lesson_spec.estimated_minutes,
                    required=lesson_spec.required,
                )
                db.session.add(lesson_revision)
                db.session.flush()
                bodies: dict[str, dict[str, str]] = {}
                for language, text in lesson_spec.texts.items():
                    for paragraph in text.paragraphs:
                        bodies.setdefault(paragraph.anchor, {})[language] = paragraph.text
                db.session.add_all(
                    [
                        ParagraphRevision(
                            paragraph_id=paragraphs[(lesson.id, anchor)].id,
                            lesson_revision_id=lesson_revision.id,
                            position=p_pos,
                            body=bodies[anchor],
                        )
                        for p_pos, anchor in enumerate(lesson_spec.anchors, start=1)
                    ]
                )
            for category_spec in module_spec.bank:
                self._category(category_spec, module_revision, questions, lessons, paragraphs)
            if module_spec.quiz:
                self._quiz(
                    module_spec.quiz,
                    quizzes,
                    questions,
                    lessons,
                    paragraphs,
                    module_revision,
                    m_pos,
                )
            if module_spec.assignment:
                self._assignment(module_spec.assignment, module_revision)
        # Draws last: a quiz may draw from the bank of any module, earlier or later.
        db.session.add_all(
            [
                QuizDraw(
                    quiz_revision_id=quiz_revision_id,
                    category_id=self.categories[draw.category].id,
                    count=draw.count,
                    position=draw.position + 1,
                )
                for quiz_revision_id, draw in self.draws
            ]
        )
        db.session.flush()

    def _category(self, spec, module_revision, questions, lessons, paragraphs) -> None:
        category = QuestionCategory(
            course_version_id=self.version.id,
            module_revision_id=module_revision.id,
            key=spec.id,
            position=len(self.categories) + 1,
            title=spec.title,
        )
        db.session.add(category)
        db.session.flush()
        self.categories[spec.id] = category
        for b_pos, question_spec in enumerate(spec.questions, start=1):
            self._question(
                question_spec,
                questions,
                lessons,
                paragraphs,
                category_id=category.id,
                bank_position=b_pos,
            )

    def _question(self, question_spec, questions, lessons, paragraphs, **placement):
        paragraph_id = None
        if question_spec.refers_to:
            lesson_key, _, anchor = question_spec.refers_to.partition("#")
            paragraph_id = paragraphs[(lessons[lesson_key].id, anchor)].id
        revision = QuestionRevision(
            question_id=questions[question_spec.id].id,
            course_version_id=self.version.id,
            kind=question_spec.kind,
            prompt=question_spec.prompt,
            feedback=question_spec.feedback,
            points=Decimal(question_spec.points),
            settings=question_settings(question_spec),
            paragraph_id=paragraph_id,
            **placement,
        )
        db.session.add(revision)
        db.session.flush()
        db.session.add_all(
            [
                ChoiceRevision(
                    question_revision_id=revision.id,
                    key=choice.id,
                    position=c_pos,
                    text=choice.text,
                    is_correct=choice.correct,
                    feedback=choice.feedback,
                )
                for c_pos, choice in enumerate(question_spec.choices, start=1)
            ]
        )
        return revision

    def _assignment(self, spec, module_revision) -> None:
        revision = AssignmentRevision(
            assignment_id=self.assignments[spec.id].id,
            course_version_id=self.version.id,
            module_revision_id=module_revision.id,
            title=spec.title,
            prompt=spec.prompt,
            required=spec.required,
            completion=spec.completion,
            pass_mark=Decimal(spec.pass_mark if spec.pass_mark is not None else 50),
            formats=list(spec.formats),
            min_words=spec.min_words,
            max_words=spec.max_words,
            due_days=spec.due_days,
            late_days=spec.late_days,
        )
        db.session.add(revision)
        db.session.flush()
        for c_pos, criterion_spec in enumerate(spec.rubric, start=1):
            criterion = RubricCriterion(
                assignment_revision_id=revision.id,
                key=criterion_spec.id,
                position=c_pos,
                criterion=criterion_spec.criterion,
                points=criterion_spec.points,
            )
            db.session.add(criterion)
            db.session.flush()
            db.session.add_all(
                [
                    RubricLevel(
                        criterion_id=criterion.id,
                        position=l_pos,
                        points=level.points,
                        description=level.description,
                    )
                    for l_pos, level in enumerate(criterion_spec.levels, start=1)
                ]
            )

    def _quiz(self, quiz_spec, quizzes, questions, lessons, paragraphs, module_revision, position):
        quiz_revision = QuizRevision(
            quiz_id=quizzes[quiz_spec.id].id,
            course_version_id=self.version.id,
            module_revision_id=module_revision.id,
            position=position,
            title=quiz_spec.title,
            pass_mark=Decimal(quiz_spec.pass_mark),
            max_attempts=quiz_spec.max_attempts,
            time_limit_minutes=quiz_spec.time_limit_minutes,
            grading_method=quiz_spec.grading_method,
            shuffle_questions=quiz_spec.shuffle_questions,
            shuffle_choices=quiz_spec.shuffle_choices,
            required=quiz_spec.required,
            feedback_shown=quiz_spec.feedback_shown,
            answers_shown=quiz_spec.answers_shown,
            grade_release_required=quiz_spec.grade_release_required,
            partial_credit=quiz_spec.partial_credit,
        )
        db.session.add(quiz_revision)
        db.session.flush()
        # Fixed questions and draws share one sequence of positions (the file's order).
        draw_places = {draw.position for draw in quiz_spec.draws}
        places = (
            p
            for p in range(len(quiz_spec.questions) + len(quiz_spec.draws))
            if p not in draw_places
        )
        for question_spec, place in zip(quiz_spec.questions, places, strict=False):
            revision = self._question(question_spec, questions, lessons, paragraphs)
            db.session.add(
                QuizQuestion(
                    quiz_revision_id=quiz_revision.id,
                    question_revision_id=revision.id,
                    position=place + 1,
                )
            )
        self.draws += [(quiz_revision.id, draw) for draw in quiz_spec.draws]


def question_settings(spec) -> dict:
    """A question's kind-specific settings (QuestionRevision.settings), as its type keeps them
    (``QuestionType.settings``, diplolearn/questions/)."""
    return questions.get(spec.kind).settings(spec)


def _discussion(spec) -> dict:
    if spec is None:
        return {}
    data = {"id": spec.id, "prompt": dict(spec.prompt)}
    if spec.refers_to:
        data["refers_to"] = spec.refers_to
    return data
