"""Authoring the questions of a draft's quizzes and bank categories: add, edit, move, retire.

The editor posts a ``QuestionInput``: what every question has (points, the paragraph it
refers to, prompt and feedback per language), its rows (``ChoiceRow``: choices, matching items
and matches, ordering items) when its type has rows (``QuestionType.rows``), and the values of
its type's own fields (``QuestionType.form_fields``). ``question_from_input`` builds the
QuestionSpec: the common part and the rows here, the type's own part by the type
(``QuestionType.read_input``, through ``PostedValues``); ``question_input_of`` is the reverse.
The result is validated by the course check's own rules before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from diplolearn import questions as question_types
from diplolearn.courses.check import item_problems
from diplolearn.courses.rules import ID_PATTERN
from diplolearn.courses.spec import CategorySpec, ChoiceSpec, CourseSpec, QuestionSpec
from diplolearn.courses.writer import question_yaml
from diplolearn.courses.yamlfile import dump_yaml
from diplolearn.extensions import db
from diplolearn.models import CourseVersion, Question
from diplolearn.services import audit
from diplolearn.services.authoring import AuthoringError, ContentInvalid
from diplolearn.services.authoring.assessment_items import (
    all_question_ids,
    check_token,
    find_category,
    find_question,
    find_quiz,
    logical_item,
    new_id,
    question_token,
    read_number,
    refuse,
    texts_of,
    whole_number,
)
from diplolearn.services.authoring.drafting import clean_text, locked_spec, rebuild, record_change


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
class QuestionInput:
    """What the question form posts, as plain values (views/forms fill it)."""

    kind: str
    points: str = "1"
    refers_to: str = ""
    prompt: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    rows: list[ChoiceRow] = field(default_factory=list)
    # The values of the type's own fields (QuestionType.form_fields), by field name.
    values: dict = field(default_factory=dict)


class PostedValues:
    """The posted values of a type's own fields, as ``QuestionType.read_input`` reads them:
    ``raw(name)`` as posted, ``clean(text)`` as the files hold text, ``number(name, what)``
    (a problem when it is not a number), ``problem(message)``, and the ``problems`` so far."""

    def __init__(self, values: dict, problems: list[str]):
        self.values, self.problems = values, problems

    def raw(self, name: str, default=""):
        return self.values.get(name, default)

    @staticmethod
    def clean(text: str | None) -> str:
        return clean_text(text)

    def number(self, name: str, what) -> int | float | None:
        return read_number(self.values.get(name), what, self.problems)

    def problem(self, message) -> None:
        self.problems.append(str(message))


def question_input_of(question: QuestionSpec) -> QuestionInput:
    """A question's values as the form shows them."""
    return QuestionInput(
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
        values=question_types.get(question.kind).input_values(question),
    )


def question_from_input(course, key: str, data: QuestionInput) -> QuestionSpec:
    """Build the question the form describes; ContentInvalid for what cannot be read."""
    problems: list[str] = []
    question_type = question_types.REGISTRY.get(data.kind)
    if question_type is None:
        raise ContentInvalid([str(_l("Choose a kind of question."))])
    points = whole_number(data.points, _l("Points"), problems, required=True)
    question = QuestionSpec(
        id=key,
        kind=data.kind,
        prompt=texts_of(course, data.prompt),
        points=points if points is not None else 1,
        refers_to=clean_text(data.refers_to) or None,
        feedback=texts_of(course, data.feedback),
    )
    question_type.read_input(question, PostedValues(data.values, problems))
    if question_type.rows is not None:
        question.choices = _choices(course, data.rows, question_type.rows, problems)
    refuse(problems)
    return question


def _choices(course, rows: list[ChoiceRow], editor, problems: list[str]) -> list[ChoiceSpec]:
    """The rows left filled in, as choices; an id made for a row without one."""
    rows = [row for row in rows if not row.blank()]
    used = {clean_text(row.id) for row in rows if clean_text(row.id)}
    choices, number = [], 0
    for row in rows:
        key = clean_text(row.id)
        if not key:  # an id for a row the author left without one
            number += 1
            while f"c{number}" in used:
                number += 1
            key = f"c{number}"
            used.add(key)
        if not ID_PATTERN.match(key):
            problems.append(
                str(
                    _l(
                        "The choice id %(key)s must be lower-case letters, digits and hyphens.",
                        key=key,
                    )
                )
            )
        choices.append(
            ChoiceSpec(
                id=key,
                correct=bool(row.correct) if editor.choices else False,
                text=texts_of(course, row.text),
                feedback=texts_of(course, row.feedback) if editor.choices else {},
                match=(clean_text(row.match) or None) if editor.match else None,
            )
        )
    return choices


def _validate(spec: CourseSpec, question: QuestionSpec) -> None:
    refuse(
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
    draft: CourseVersion, where: str, container_key: str, key: str, data: QuestionInput, by
) -> QuestionSpec:
    """Add a question at the end of a quiz (``where`` "quiz") or a bank category ("bank")."""
    course, spec = draft.course, locked_spec(draft)
    container = _container(spec, where, container_key)
    if container is None:
        raise AuthoringError(_l("This item is not in the draft."))
    key = new_id(key, all_question_ids(spec))
    question = question_from_input(course, key, data)
    _validate(spec, question)
    container.questions.append(question)
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "question",
        logical_item(Question, course, key),
        "create",
        by,
        after=dump_yaml(question_yaml(question)),
    )
    db.session.flush()
    return question


def edit_question(
    draft: CourseVersion, key: str, data: QuestionInput, token: str, by
) -> QuestionSpec:
    course, spec = draft.course, locked_spec(draft)
    container, before = find_question(spec, key)
    if before is None:
        raise AuthoringError(_l("This item is not in the draft."))
    check_token(question_token(before), token, {"": dump_yaml(question_yaml(before))})
    data.kind = before.kind  # the kind is chosen when the question is made
    question = question_from_input(course, key, data)
    _validate(spec, question)
    container.questions[container.questions.index(before)] = question
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "question",
        logical_item(Question, course, key),
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
        logical_item(Question, course, key),
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
    logical = logical_item(Question, course, key)
    record_change(
        course, draft, "question", logical, "retire", by, before=dump_yaml(question_yaml(question))
    )
    audit.record(by, "question.retire", target=logical, course=course.key)
    db.session.flush()
