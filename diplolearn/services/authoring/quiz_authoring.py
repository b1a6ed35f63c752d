"""Authoring a draft's quizzes: their settings and policy (``QuizInput``, ``save_quiz``), their
draws from bank categories (``save_draws``), and the bank categories themselves
(``save_category``). Questions are authored in question_authoring.py; the recipe every edit
follows, and the helpers these share, are in assessment_items.py.

Functions flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from diplolearn.courses.check import item_problems
from diplolearn.courses.spec import CategorySpec, DrawSpec, QuizSpec
from diplolearn.courses.writer import quiz_yaml
from diplolearn.courses.yamlfile import dump_yaml
from diplolearn.extensions import db
from diplolearn.models import CourseVersion, Quiz
from diplolearn.services import audit
from diplolearn.services.authoring import AuthoringError, ContentInvalid
from diplolearn.services.authoring.assessment_items import (
    category_token,
    check_token,
    draws_token,
    find_category,
    find_quiz,
    logical_item,
    new_id,
    quiz_token,
    refuse,
    texts_of,
    whole_number,
)
from diplolearn.services.authoring.drafting import (
    clean_text,
    find_module,
    locked_spec,
    rebuild,
    record_change,
)


@dataclass
class QuizInput:
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


def quiz_input_of(quiz: QuizSpec) -> QuizInput:
    return QuizInput(
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
    data: QuizInput,
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
    check_token(quiz_token(before), token, {"": dump_yaml(quiz_yaml(before)) if before else ""})
    if new_key is not None and before is not None:
        raise ContentInvalid([str(_l("This module already has a quiz."))])
    if new_key is None and before is None:
        raise AuthoringError(_l("This item is not in the draft."))
    key = new_id(new_key, {q.id for q in spec.quizzes()}) if new_key is not None else before.id
    problems: list[str] = []
    quiz = QuizSpec(
        id=key,
        title=texts_of(course, data.title),
        pass_mark=whole_number(data.pass_mark, _l("Pass mark"), problems, required=True) or 0,
        max_attempts=whole_number(data.max_attempts, _l("Attempts allowed"), problems),
        time_limit_minutes=whole_number(data.time_limit_minutes, _l("Time limit"), problems),
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
    refuse(problems)
    refuse([str(_l("Quiz: %(problem)s", problem=p)) for p in item_problems(spec, quiz)])
    module.quiz = quiz
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "quiz",
        logical_item(Quiz, course, key),
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
    check_token(draws_token(quiz), token, {"": dump_yaml(quiz_yaml(quiz))})
    before = dump_yaml(quiz_yaml(quiz))
    problems: list[str] = []
    draws = []
    for category, count, position in rows:
        category = clean_text(category)
        if not category and not clean_text(count):
            continue
        number = whole_number(count, _l("Questions drawn"), problems, required=True)
        place = whole_number(position, _l("Position"), problems) or 1
        draws.append(DrawSpec(count=number or 0, category=category, position=max(place - 1, 0)))
    refuse(problems)
    quiz.draws = draws
    found = item_problems(spec, quiz)
    if not quiz.questions and not quiz.draws:
        found.append(str(_l("A quiz needs questions or draws.")))
    refuse([str(_l("Quiz: %(problem)s", problem=p)) for p in found])
    rebuild(draft, spec)
    record_change(
        course,
        draft,
        "quiz",
        logical_item(Quiz, course, quiz_key),
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
        key = new_id(new_key, {c.id for c in spec.categories()})
        category = CategorySpec(id=key, title={})
        module.bank.append(category)
        before = None
    else:
        found_module, category = find_category(spec, key)
        if category is None or found_module is not module:
            raise AuthoringError(_l("This item is not in the draft."))
        check_token(category_token(category), token, dict(category.title))
        before = dict(category.title)
    category.title = texts_of(course, titles)
    refuse([str(_l("Category: %(problem)s", problem=p)) for p in item_problems(spec, category)])
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
