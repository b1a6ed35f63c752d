"""What the editors of a draft's quizzes, questions, bank categories and assignments share
(question_authoring.py, quiz_authoring.py, assignment_authoring.py).

Every edit follows the recipe of services/authoring/drafting.py: ``locked_spec(draft)``;
compare the posted token with the item's current token (``check_token``: ``StaleEdit`` if it
differs); change the spec; validate with the course check's own rules
(``courses.check.item_problems``); ``rebuild``; ``record_change``. Nothing is written when
validation fails (``refuse``: ``ContentInvalid`` lists every problem).

- finding items in a spec: ``find_quiz``, ``find_category``, ``find_question``;
- tokens: the digest of an item's canonical YAML (courses/writer.py), so any change by someone
  else is seen: ``question_token``, ``quiz_token``, ``draws_token``, ``category_token``,
  ``assignment_token``;
- reading form values: ``new_id``, ``texts_of``, ``whole_number``, ``read_number``;
- ``logical_item``: the logical row (stable key) a change points at.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses.rules import key_problem
from diplolearn.courses.spec import (
    AssignmentSpec,
    CategorySpec,
    CourseSpec,
    ModuleSpec,
    QuestionSpec,
    QuizSpec,
)
from diplolearn.courses.writer import assignment_yaml, question_yaml, quiz_yaml
from diplolearn.courses.yamlfile import dump_yaml
from diplolearn.extensions import db
from diplolearn.services.authoring import ContentInvalid, StaleEdit
from diplolearn.services.authoring.drafting import clean_text, lesson_languages, token_of

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


def all_question_ids(spec: CourseSpec) -> set[str]:
    return {q.id for quiz in spec.quizzes() for q in quiz.questions} | {
        q.id for c in spec.categories() for q in c.questions
    }


# --- tokens ----------------------------------------------------------------------------------


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


def check_token(expected: str, posted: str | None, current: dict) -> None:
    """``StaleEdit`` (with ``current``, the item as saved) when the posted token is not the
    item's current one."""
    if (posted or "") != expected:
        raise StaleEdit(current, expected)


def refuse(problems: list[str]) -> None:
    """``ContentInvalid`` listing ``problems``, if there are any."""
    if problems:
        raise ContentInvalid(problems)


def logical_item(model, course, key: str):
    return db.session.scalar(sa.select(model).where(model.course_id == course.id, model.key == key))


# --- reading form values ---------------------------------------------------------------------


def new_id(key: str, taken: set[str]) -> str:
    """A new item's id as typed, refused when it is not an id or already ``taken``."""
    key = clean_text(key)
    problem = key_problem(key)
    if problem is not None:
        raise ContentInvalid([str(problem)])
    if key in taken:
        raise ContentInvalid([str(_l("The id %(key)s is already used in this course.", key=key))])
    return key


def texts_of(course, values: dict[str, str], languages: list[str] | None = None) -> dict:
    """The non-empty texts of ``values`` in the course's languages, cleaned."""
    languages = languages or lesson_languages(course)
    return {
        lang: clean_text(values.get(lang)) for lang in languages if clean_text(values.get(lang))
    }


def whole_number(value, what, problems: list[str], required: bool = False) -> int | None:
    value = clean_text(str(value)) if value is not None else ""
    if not value:
        if required:
            problems.append(str(_l("%(what)s is required.", what=what)))
        return None
    try:
        return int(value)
    except ValueError:
        problems.append(str(_l("%(what)s must be a whole number.", what=what)))
        return None


def read_number(value, what, problems: list[str]) -> int | float | None:
    """A whole or decimal number as typed ("3,5" is 3.5), or None when left empty."""
    value = clean_text(value).replace(",", ".") if value else ""
    if not value:
        return None
    try:
        return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
    except ValueError:
        problems.append(str(_l("%(what)s must be a number.", what=what)))
        return None
