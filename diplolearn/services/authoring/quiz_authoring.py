"""Authoring quizzes, question banks and assignments (issue 7 part 2), on a course's draft.

Every edit follows the recipe of services/authoring/authoring.py: ``locked_spec(draft)``; compare the
posted token with the item's current token (``StaleEdit`` if it differs); change the spec;
validate with the course check's own rules (``courses.check.item_problems``: a choice question
needs a correct choice, a numeric one a tolerance, matching pairs complete...); ``rebuild``;
``record_change``. Nothing is written when validation fails (``ContentInvalid`` lists every
problem). The token of a quiz, question, category or assignment is the digest of its canonical
YAML (courses/writer.py), so any change by someone else is seen.

``preview_*`` let an instructor try the draft's quiz as a learner would: the questions are
drawn with a seeded random generator (the same draw again when the answers are posted), the
choice tokens are HMACs over the seed, and grading happens in memory. Nothing is written.

Functions flush and never commit; views commit once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from diplolearn import questions as question_types
from diplolearn.courses.check import item_problems
from diplolearn.courses.spec import (
    ASSIGNMENT_COMPLETION,
    ASSIGNMENT_FORMATS,
    ID_PATTERN,
    QUESTION_KINDS,
    AssignmentSpec,
    CategorySpec,
    ChoiceSpec,
    CourseSpec,
    CriterionSpec,
    DrawSpec,
    LevelSpec,
    ModuleSpec,
    QuestionSpec,
    QuizSpec,
)
from diplolearn.courses.writer import (
    assignment_yaml,
    dump_yaml,
    question_yaml,
    quiz_yaml,
)
from diplolearn.extensions import db
from diplolearn.models import (
    Assignment,
    CourseVersion,
    Question,
    Quiz,
    QuizRevision,
)
from diplolearn.services import audit
from diplolearn.services.assessment import question_banks
from diplolearn.services.authoring.authoring import (
    AuthoringError,
    ContentInvalid,
    StaleEdit,
    _clean,
    find_module,
    lesson_languages,
    locked_spec,
    rebuild,
    record_change,
    token_of,
)

CHOICE_KINDS = ("single_choice", "multiple_select")
ROW_KINDS = ("single_choice", "multiple_select", "matching", "ordering")


# --- finding items in a spec ---------------------------------------------------------------


def find_quiz(spec: CourseSpec, key: str) -> tuple[ModuleSpec | None, QuizSpec | None]:
    for module in spec.modules:
        if module.quiz is not None and module.quiz.id == key:
            return module, module.quiz
    return None, None


def find_category(spec: CourseSpec, key: str) -> tuple[ModuleSpec | None, CategorySpec | None]:
    for module in spec.modules:
        for category in module.bank:
            if category.id == key:
                return module, category
    return None, None


def find_question(spec: CourseSpec, key: str):
    """(container, question) where container is the QuizSpec or CategorySpec holding it."""
    for quiz in spec.quizzes():
        for question in quiz.questions:
            if question.id == key:
                return quiz, question
    for category in spec.categories():
        for question in category.questions:
            if question.id == key:
                return category, question
    return None, None


def _yaml_token(data) -> str:
    return token_of({"yaml": dump_yaml(data)})


def question_token(question: QuestionSpec) -> str:
    return _yaml_token(question_yaml(question))


def quiz_token(quiz: QuizSpec | None) -> str:
    """The token of a quiz's settings (its questions have their own)."""
    if quiz is None:
        return _yaml_token(None)
    data = quiz_yaml(quiz)
    data.pop("questions")
    return _yaml_token(data)


def draws_token(quiz: QuizSpec) -> str:
    return _yaml_token([[d.count, d.category, d.position] for d in quiz.draws])


def category_token(category: CategorySpec) -> str:
    return token_of(dict(category.title))


def assignment_token(assignment: AssignmentSpec | None) -> str:
    return _yaml_token(assignment_yaml(assignment) if assignment is not None else None)


def _check_token(expected: str, posted: str | None, current: dict) -> None:
    if (posted or "") != expected:
        raise StaleEdit(current, expected)


def _invalid(problems: list[str]) -> None:
    if problems:
        raise ContentInvalid(problems)


def _logical(model, course, key: str):
    return db.session.scalar(sa.select(model).where(model.course_id == course.id, model.key == key))


def _new_id(spec: CourseSpec, key: str, taken: set[str]) -> str:
    key = _clean(key)
    if not ID_PATTERN.match(key):
        raise ContentInvalid(
            [str(_l("The id must be lower-case letters, digits and hyphens (at most 63)."))]
        )
    if key in taken:
        raise ContentInvalid([str(_l("The id %(key)s is already used in this course.", key=key))])
    return key


def _all_question_ids(spec: CourseSpec) -> set[str]:
    return {q.id for quiz in spec.quizzes() for q in quiz.questions} | {
        q.id for c in spec.categories() for q in c.questions
    }


def _texts(course, values: dict[str, str], languages: list[str] | None = None) -> dict:
    languages = languages or lesson_languages(course)
    return {lang: _clean(values.get(lang)) for lang in languages if _clean(values.get(lang))}


def _int(value, what, problems, required=False) -> int | None:
    value = _clean(str(value)) if value is not None else ""
    if not value:
        if required:
            problems.append(str(_l("%(what)s is required.", what=what)))
        return None
    try:
        return int(value)
    except ValueError:
        problems.append(str(_l("%(what)s must be a whole number.", what=what)))
        return None


def _number(value, what, problems) -> int | float | None:
    value = _clean(value).replace(",", ".") if value else ""
    if not value:
        return None
    try:
        return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
    except ValueError:
        problems.append(str(_l("%(what)s must be a number.", what=what)))
        return None


# --- questions ------------------------------------------------------------------------------


@dataclass
class ChoiceRow:
    """One row of the question form: a choice, a matching item or match, an ordering item."""

    id: str = ""
    correct: bool = False
    match: str = ""
    text: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)

    def blank(self) -> bool:
        return not (
            self.id.strip()
            or self.match.strip()
            or any(v.strip() for v in self.text.values())
            or any(v.strip() for v in self.feedback.values())
        )


@dataclass
class QuestionForm:
    """What the question form posts, as plain values (views/forms fill it)."""

    kind: str
    points: str = "1"
    refers_to: str = ""
    prompt: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    rows: list[ChoiceRow] = field(default_factory=list)
    answer: str = ""  # numeric: the number; true_false: "true" or "false"
    tolerance: str = ""
    tolerance_type: str = "absolute"
    accepted: dict[str, str] = field(default_factory=dict)  # short_text: one per line
    accents: str = "ignored"


def form_of(question: QuestionSpec) -> QuestionForm:
    """A question's values as the form shows them."""
    answer = (
        ""
        if question.answer is None
        else (
            ("true" if question.answer else "false")
            if question.kind == "true_false"
            else str(question.answer)
        )
    )
    return QuestionForm(
        kind=question.kind,
        points=str(question.points),
        refers_to=question.refers_to or "",
        prompt=dict(question.prompt),
        feedback=dict(question.feedback),
        rows=[
            ChoiceRow(
                id=c.id,
                correct=c.correct,
                match=c.match or "",
                text=dict(c.text),
                feedback=dict(c.feedback),
            )
            for c in question.choices
        ],
        answer=answer,
        tolerance="" if question.tolerance is None else str(question.tolerance),
        tolerance_type=question.tolerance_type,
        accepted={lang: "\n".join(texts) for lang, texts in question.accepted.items()},
        accents=question.accents,
    )


def question_from_form(course, key: str, data: QuestionForm) -> QuestionSpec:
    """Build the question the form describes; ContentInvalid for what cannot be read."""
    problems: list[str] = []
    if data.kind not in QUESTION_KINDS:
        raise ContentInvalid([str(_l("Choose a kind of question."))])
    points = _int(data.points, _l("Points"), problems, required=True)
    question = QuestionSpec(
        id=key,
        kind=data.kind,
        prompt=_texts(course, data.prompt),
        points=points if points is not None else 1,
        refers_to=_clean(data.refers_to) or None,
        feedback=_texts(course, data.feedback),
    )
    if data.kind == "true_false":
        if data.answer not in ("true", "false"):
            problems.append(str(_l("Say whether the statement is true or false.")))
        question.answer = data.answer == "true"
    elif data.kind == "numeric":
        question.answer = _number(data.answer, _l("The answer"), problems)
        if question.answer is None and not problems:
            problems.append(str(_l("A numeric question needs its answer.")))
        question.tolerance = _number(data.tolerance, _l("The tolerance"), problems)
        question.tolerance_type = data.tolerance_type
    elif data.kind == "short_text":
        question.accepted = {
            lang: [line for line in (_clean(x) for x in text.split("\n")) if line]
            for lang, text in data.accepted.items()
            if _clean(text)
        }
        question.accents = data.accents
    if data.kind in ROW_KINDS:
        rows = [row for row in data.rows if not row.blank()]
        used = {_clean(row.id) for row in rows if _clean(row.id)}
        number = 0
        for row in rows:
            key_ = _clean(row.id)
            if not key_:  # an id for a row the author left without one
                number += 1
                while f"c{number}" in used:
                    number += 1
                key_ = f"c{number}"
                used.add(key_)
            if not ID_PATTERN.match(key_):
                problems.append(
                    str(
                        _l(
                            "The choice id %(key)s must be lower-case letters, digits and hyphens.",
                            key=key_,
                        )
                    )
                )
            question.choices.append(
                ChoiceSpec(
                    id=key_,
                    correct=bool(row.correct) if data.kind in CHOICE_KINDS else False,
                    text=_texts(course, row.text),
                    feedback=_texts(course, row.feedback) if data.kind in CHOICE_KINDS else {},
                    match=(_clean(row.match) or None) if data.kind == "matching" else None,
                )
            )
    _invalid(problems)
    return question


def _validate_question(spec: CourseSpec, question: QuestionSpec) -> None:
    _invalid(
        [
            str(_l("Question %(key)s: %(problem)s", key=question.id, problem=p))
            for p in item_problems(spec, question)
        ]
    )


def _container(spec: CourseSpec, where: str, key: str):
    if where == "quiz":
        return find_quiz(spec, key)[1]
    return find_category(spec, key)[1]


def add_question(
    draft: CourseVersion, where: str, container_key: str, key: str, data: QuestionForm, by
) -> QuestionSpec:
    """Add a question at the end of a quiz (``where`` "quiz") or a bank category ("bank")."""
    course, spec = draft.course, locked_spec(draft)
    container = _container(spec, where, container_key)
    if container is None:
        raise AuthoringError(_l("This item is not in the draft."))
    key = _new_id(spec, key, _all_question_ids(spec))
    question = question_from_form(course, key, data)
    _validate_question(spec, question)
    container.questions.append(question)
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "question",
        _logical(Question, course, key),
        "create",
        by,
        after=dump_yaml(question_yaml(question)),
    )
    db.session.flush()
    return question


def edit_question(
    draft: CourseVersion, key: str, data: QuestionForm, token: str, by
) -> QuestionSpec:
    course, spec = draft.course, locked_spec(draft)
    container, before = find_question(spec, key)
    if before is None:
        raise AuthoringError(_l("This item is not in the draft."))
    _check_token(question_token(before), token, {"": dump_yaml(question_yaml(before))})
    data.kind = before.kind  # the kind is chosen when the question is made
    question = question_from_form(course, key, data)
    _validate_question(spec, question)
    container.questions[container.questions.index(before)] = question
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "question",
        _logical(Question, course, key),
        "edit",
        by,
        before=dump_yaml(question_yaml(before)),
        after=dump_yaml(question_yaml(question)),
    )
    db.session.flush()
    return question


def move_question(draft: CourseVersion, key: str, to: int | str, by) -> None:
    """Move a question within its quiz or category: "up", "down" or a 1-based position."""
    course, spec = draft.course, locked_spec(draft)
    container, question = find_question(spec, key)
    if question is None:
        raise AuthoringError(_l("This item is not in the draft."))
    siblings = container.questions
    index = siblings.index(question)
    target = {"up": index - 1, "down": index + 1}.get(to) if isinstance(to, str) else to - 1
    if target is None or not 0 <= target < len(siblings) or target == index:
        return
    siblings.insert(target, siblings.pop(index))
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "question",
        _logical(Question, course, key),
        "move",
        by,
        before=str(index + 1),
        after=str(target + 1),
    )
    db.session.flush()


def retire_question(draft: CourseVersion, key: str, by) -> None:
    """Take a question out of the draft; publishing retires it (never deleting it, so the
    attempts that answered it keep it)."""
    course, spec = draft.course, locked_spec(draft)
    container, question = find_question(spec, key)
    if question is None:
        raise AuthoringError(_l("This item is not in the draft."))
    container.questions.remove(question)
    if isinstance(container, CategorySpec):
        asked = sum(
            d.count for quiz in spec.quizzes() for d in quiz.draws if d.category == container.id
        )
        if asked > len(container.questions):
            raise ContentInvalid(
                [
                    str(
                        _l(
                            "Quizzes draw %(count)d questions from this "
                            "category; change their draws before retiring "
                            "this question.",
                            count=asked,
                        )
                    )
                ]
            )
    rebuild(draft, spec)
    logical = _logical(Question, course, key)
    record_change(
        course, draft, "question", logical, "retire", by, before=dump_yaml(question_yaml(question))
    )
    audit.record(by, "question.retire", target=logical, course=course.key)
    db.session.flush()


# --- quizzes and draws ----------------------------------------------------------------------


@dataclass
class QuizForm:
    title: dict[str, str]
    pass_mark: str = "60"
    max_attempts: str = ""
    time_limit_minutes: str = ""
    grading_method: str = "highest"
    shuffle_questions: bool = False
    shuffle_choices: bool = False
    required: bool = True
    feedback_shown: str = "immediately"
    answers_shown: str = "after_attempt"
    grade_release_required: bool = False
    partial_credit: str = "all_or_nothing"


def quiz_form_of(quiz: QuizSpec) -> QuizForm:
    return QuizForm(
        title=dict(quiz.title),
        pass_mark=str(quiz.pass_mark),
        max_attempts="" if quiz.max_attempts is None else str(quiz.max_attempts),
        time_limit_minutes="" if quiz.time_limit_minutes is None else str(quiz.time_limit_minutes),
        grading_method=quiz.grading_method,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_choices=quiz.shuffle_choices,
        required=quiz.required,
        feedback_shown=quiz.feedback_shown,
        answers_shown=quiz.answers_shown,
        grade_release_required=quiz.grade_release_required,
        partial_credit=quiz.partial_credit,
    )


def save_quiz(
    draft: CourseVersion,
    module_key: str,
    data: QuizForm,
    token: str,
    by,
    new_key: str | None = None,
) -> QuizSpec:
    """Set a module's quiz settings and policy; with ``new_key``, give the module a quiz (it
    needs questions or draws before the draft can be published)."""
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, module_key)
    if module is None:
        raise AuthoringError(_l("This item is not in the draft."))
    before = module.quiz
    _check_token(quiz_token(before), token, {"": dump_yaml(quiz_yaml(before)) if before else ""})
    if new_key is not None and before is not None:
        raise ContentInvalid([str(_l("This module already has a quiz."))])
    if new_key is None and before is None:
        raise AuthoringError(_l("This item is not in the draft."))
    if new_key is not None:
        key = _new_id(spec, new_key, {q.id for q in spec.quizzes()})
    else:
        key = before.id
    problems: list[str] = []
    quiz = QuizSpec(
        id=key,
        title=_texts(course, data.title),
        pass_mark=_int(data.pass_mark, _l("Pass mark"), problems, required=True) or 0,
        max_attempts=_int(data.max_attempts, _l("Attempts allowed"), problems),
        time_limit_minutes=_int(data.time_limit_minutes, _l("Time limit"), problems),
        grading_method=data.grading_method,
        shuffle_questions=bool(data.shuffle_questions),
        shuffle_choices=bool(data.shuffle_choices),
        required=bool(data.required),
        feedback_shown=data.feedback_shown,
        answers_shown=data.answers_shown,
        grade_release_required=bool(data.grade_release_required),
        partial_credit=data.partial_credit,
        questions=before.questions if before else [],
        draws=before.draws if before else [],
    )
    _invalid(problems)
    _invalid([str(_l("Quiz: %(problem)s", problem=p)) for p in item_problems(spec, quiz)])
    module.quiz = quiz
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "quiz",
        _logical(Quiz, course, key),
        "create" if before is None else "edit",
        by,
        before=dump_yaml(quiz_yaml(before)) if before else None,
        after=dump_yaml(quiz_yaml(quiz)),
    )
    db.session.flush()
    return quiz


def save_draws(
    draft: CourseVersion, quiz_key: str, rows: list[tuple[str, str, str]], token: str, by
) -> None:
    """Replace a quiz's draws: rows of (category id, count, position 1-based among the fixed
    questions); rows with neither category nor count are ignored."""
    course, spec = draft.course, locked_spec(draft)
    _, quiz = find_quiz(spec, quiz_key)
    if quiz is None:
        raise AuthoringError(_l("This item is not in the draft."))
    _check_token(draws_token(quiz), token, {"": dump_yaml(quiz_yaml(quiz))})
    before = dump_yaml(quiz_yaml(quiz))
    problems: list[str] = []
    draws = []
    for category, count, position in rows:
        category = _clean(category)
        if not category and not _clean(count):
            continue
        number = _int(count, _l("Questions drawn"), problems, required=True)
        place = _int(position, _l("Position"), problems) or 1
        draws.append(DrawSpec(count=number or 0, category=category, position=max(place - 1, 0)))
    _invalid(problems)
    quiz.draws = draws
    found = item_problems(spec, quiz)
    if not quiz.questions and not quiz.draws:
        found.append(str(_l("A quiz needs questions or draws.")))
    _invalid([str(_l("Quiz: %(problem)s", problem=p)) for p in found])
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "quiz",
        _logical(Quiz, course, quiz_key),
        "edit",
        by,
        before=before,
        after=dump_yaml(quiz_yaml(quiz)),
    )
    db.session.flush()


def save_category(
    draft: CourseVersion,
    module_key: str,
    key: str | None,
    titles: dict[str, str],
    token: str,
    by,
    new_key: str | None = None,
) -> CategorySpec:
    """Add a bank category to a module (``new_key``) or retitle one (``key``)."""
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, module_key)
    if module is None:
        raise AuthoringError(_l("This item is not in the draft."))
    if new_key is not None:
        key = _new_id(spec, new_key, {c.id for c in spec.categories()})
        category = CategorySpec(id=key, title={})
        module.bank.append(category)
        before = None
    else:
        found_module, category = find_category(spec, key)
        if category is None or found_module is not module:
            raise AuthoringError(_l("This item is not in the draft."))
        _check_token(category_token(category), token, dict(category.title))
        before = dict(category.title)
    category.title = _texts(course, titles)
    _invalid([str(_l("Category: %(problem)s", problem=p)) for p in item_problems(spec, category)])
    rebuild(draft, spec)
    audit.record(
        by,
        "question_category.create" if before is None else "question_category.edit",
        target=draft,
        course=course.key,
        category=key,
    )
    db.session.flush()
    return category


# --- assignments ----------------------------------------------------------------------------


@dataclass
class LevelRow:
    points: str = ""
    description: dict[str, str] = field(default_factory=dict)


@dataclass
class CriterionRow:
    id: str = ""
    points: str = ""
    criterion: dict[str, str] = field(default_factory=dict)
    levels: list[LevelRow] = field(default_factory=list)


@dataclass
class AssignmentForm:
    title: dict[str, str]
    prompt: dict[str, str]
    required: bool = True
    completion: str = "submitted"
    pass_mark: str = ""
    formats: list[str] = field(default_factory=lambda: list(ASSIGNMENT_FORMATS))
    min_words: str = ""
    max_words: str = ""
    due_days: str = ""
    late_days: str = ""
    criteria: list[CriterionRow] = field(default_factory=list)


def assignment_form_of(a: AssignmentSpec) -> AssignmentForm:
    def text(value):
        return "" if value is None else str(value)

    return AssignmentForm(
        title=dict(a.title),
        prompt=dict(a.prompt),
        required=a.required,
        completion=a.completion,
        pass_mark=text(a.pass_mark),
        formats=list(a.formats),
        min_words=text(a.min_words),
        max_words=text(a.max_words),
        due_days=text(a.due_days),
        late_days=text(a.late_days),
        criteria=[
            CriterionRow(
                id=c.id,
                points=str(c.points),
                criterion=dict(c.criterion),
                levels=[LevelRow(str(level.points), dict(level.description)) for level in c.levels],
            )
            for c in a.rubric
        ],
    )


def save_assignment(
    draft: CourseVersion,
    module_key: str,
    data: AssignmentForm,
    token: str,
    by,
    new_key: str | None = None,
) -> AssignmentSpec:
    """Set a module's assignment: prompt, rules and rubric (criteria and their levels)."""
    course, spec = draft.course, locked_spec(draft)
    module = find_module(spec, module_key)
    if module is None:
        raise AuthoringError(_l("This item is not in the draft."))
    before = module.assignment
    _check_token(
        assignment_token(before), token, {"": dump_yaml(assignment_yaml(before)) if before else ""}
    )
    if new_key is not None:
        if before is not None:
            raise ContentInvalid([str(_l("This module already has an assignment."))])
        taken = {m.assignment.id for m in spec.modules if m.assignment} | {
            m.discussion.id for m in spec.modules if m.discussion
        }
        key = _new_id(spec, new_key, taken)
    elif before is None:
        raise AuthoringError(_l("This item is not in the draft."))
    else:
        key = before.id
    problems: list[str] = []
    if data.completion not in ASSIGNMENT_COMPLETION:
        problems.append(str(_l("Choose how the assignment counts.")))
    assignment = AssignmentSpec(
        id=key,
        title=_texts(course, data.title),
        prompt=_texts(course, data.prompt),
        required=bool(data.required),
        completion=data.completion,
        pass_mark=_int(data.pass_mark, _l("Pass mark"), problems),
        formats=[f for f in ASSIGNMENT_FORMATS if f in data.formats],
        min_words=_int(data.min_words, _l("Minimum words"), problems),
        max_words=_int(data.max_words, _l("Maximum words"), problems),
        due_days=_int(data.due_days, _l("Due after (days)"), problems),
        late_days=_int(data.late_days, _l("Late work taken for (days)"), problems),
    )
    for row in data.criteria:
        levels = [
            level
            for level in row.levels
            if _clean(level.points) or any(_clean(v) for v in level.description.values())
        ]
        if not (
            _clean(row.id)
            or _clean(row.points)
            or levels
            or any(_clean(v) for v in row.criterion.values())
        ):
            continue
        criterion = CriterionSpec(
            id=_clean(row.id),
            criterion=_texts(course, row.criterion),
            points=_int(row.points, _l("Criterion points"), problems, required=True) or 0,
            levels=[
                LevelSpec(
                    points=_int(level.points, _l("Level points"), problems, required=True) or 0,
                    description=_texts(course, level.description),
                )
                for level in levels
            ],
        )
        if not ID_PATTERN.match(criterion.id):
            problems.append(
                str(
                    _l(
                        "The criterion id %(key)s must be lower-case letters, digits and hyphens.",
                        key=criterion.id or "—",
                    )
                )
            )
        assignment.rubric.append(criterion)
    _invalid(problems)
    _invalid(
        [str(_l("Assignment: %(problem)s", problem=p)) for p in item_problems(spec, assignment)]
    )
    module.assignment = assignment
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "assignment",
        _logical(Assignment, course, key),
        "create" if before is None else "edit",
        by,
        before=dump_yaml(assignment_yaml(before)) if before else None,
        after=dump_yaml(assignment_yaml(assignment)),
    )
    db.session.flush()
    return assignment


# --- preview --------------------------------------------------------------------------------

PREVIEW_PREFIX = "q_"


def draft_quiz_revision(draft: CourseVersion, key: str) -> QuizRevision | None:
    revision_id = db.session.scalar(
        sa.select(QuizRevision.id)
        .join(Quiz, Quiz.id == QuizRevision.quiz_id)
        .where(QuizRevision.course_version_id == draft.id, Quiz.key == key)
    )
    return question_banks.load_quiz_revision(revision_id) if revision_id else None


def preview_token(seed: str, question_revision_id: int, choice_key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"diplolearn.preview:{seed}:{question_revision_id}:{choice_key}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


@dataclass
class PreviewItem:
    position: int
    name: str
    question: object  # QuestionRevision of the draft
    order: list[str]
    tokens: dict[str, str]


def new_seed() -> str:
    return f"{random.SystemRandom().getrandbits(48):012x}"


def preview_draw(revision: QuizRevision, seed: str) -> list[PreviewItem]:
    """The questions a learner might get, drawn as an attempt draws them; the same seed gives
    the same draw (and the same choice order) again."""
    rng = random.Random(seed)
    drawn = question_banks.draw(revision, rng)
    return [
        PreviewItem(
            position,
            f"{PREVIEW_PREFIX}{position}",
            question,
            order,
            {key: preview_token(seed, question.id, key) for key in order},
        )
        for position, (question, order) in enumerate(drawn, 1)
    ]


class PreviewChanged(AuthoringError):
    message = _l("The draft or the preview changed since this page was shown; try the quiz again.")


@dataclass
class PreviewResult:
    item: PreviewItem
    answer: dict | None
    fraction: Decimal | None  # None: an essay, graded by a person
    score: Decimal


def preview_grade(
    revision: QuizRevision, items: list[PreviewItem], formdata
) -> tuple[list[PreviewResult], Decimal, Decimal]:
    """Grade posted preview answers in memory: (results, points earned, points possible)."""
    if not hasattr(formdata, "getlist"):
        formdata = MultiDict({k: v if isinstance(v, list) else [v] for k, v in formdata.items()})
    results = []
    earned = possible = Decimal(0)
    for item in items:
        kind = question_types.get(item.question.kind)
        keys_by_token = {token: key for key, token in item.tokens.items()}
        try:
            answer = kind.parse(formdata.getlist(item.name), keys_by_token, question=item.question)
        except question_types.InvalidAnswer:
            raise PreviewChanged() from None
        fraction = kind.grade(item.question, answer, partial_credit=revision.partial_credit)
        points = Decimal(item.question.points)
        score = (points * fraction) if fraction is not None else Decimal(0)
        earned += score
        possible += points
        results.append(PreviewResult(item, answer, fraction, score))
    return results, earned, possible
