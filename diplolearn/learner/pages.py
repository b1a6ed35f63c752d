"""What the learner's pages show, shaped from the records: texts in the reader's language with
the language they are in, the drawn questions of an attempt, and an attempt's review."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_login import current_user
from markupsafe import Markup

from diplolearn import i18n, questions
from diplolearn.models import Course, QuizAttempt
from diplolearn.questions import ChoiceResult, Option
from diplolearn.security.sanitize import render_markdown
from diplolearn.services.assessment.quizzes import (
    cited_paragraphs,
    field_name,
    flag_name,
    tokens_for,
)
from diplolearn.services.catalogue.outline import rendered


def markdown(text: str) -> Markup:
    """A question's text rendered and sanitised once per process for the same source (the
    byte-bounded cache of services/catalogue/outline.py): keyed by the text itself, so a
    corrected text is never served stale."""
    return rendered.get_or_compute(("markdown", text), lambda: render_markdown(text))


class Reader:
    """Picks each text in the reader's order of languages, falling back per text."""

    def __init__(self, course: Course, first: str | None = None):
        order = i18n.reading_order(current_user, list(course.languages or []))
        self.order = [first, *order] if first else order

    def __call__(self, texts: dict) -> tuple:
        return i18n.pick_text(texts or {}, self.order)


@dataclass
class QuestionView:
    number: int
    name: str
    points: object
    prompt: Markup
    lang: str
    field: object  # an unbound WTForms field
    layout: str = "choices"  # QuestionType.layout: "choices", "input" or "rows"
    # Issue 20: the "come back to it" box, and what the kind says beside it (QuestionType.hint).
    flag_name: str = ""
    flagged: bool = False
    answered: bool = False
    instruction: str = ""
    hint: str = ""


@dataclass
class QuestionReview:
    number: int
    prompt: Markup
    lang: str
    points: object
    score: object
    full_marks: bool
    feedback: str
    choices: list[ChoiceResult]
    pending: bool = False  # an essay waiting for a person to grade it
    comment: str = ""  # the grader's comment on an essay (only when feedback is shown)
    layout: str = "choices"  # QuestionType.layout: only "choices" are the learner's choices
    manual: bool = False  # graded by a person (an essay): points and comment, not right/wrong
    cites: tuple[str, str] | None = None  # (lesson key, anchor) the feedback links to


def drawn_questions(attempt: QuizAttempt, read: Reader) -> list[QuestionView]:
    views = []
    partial_credit = attempt.quiz_revision.partial_credit
    for aq in attempt.questions:
        question = aq.question_revision
        kind = questions.get(question.kind)
        tokens = tokens_for(attempt.id, aq)
        by_key = {choice.key: choice for choice in question.choices}
        options = []
        for key in aq.choice_order:
            text, lang = read(by_key[key].text)
            options.append(Option(tokens[key], kind.option_text(key, text), lang))
        prompt, lang = read(question.prompt)
        answer = aq.response.answer if aq.response is not None else None
        views.append(
            QuestionView(
                aq.position,
                field_name(aq),
                question.points,
                markdown(prompt),
                lang,
                kind.build_field(prompt, options, answer, tokens, question=question),
                kind.layout,
                flag_name(aq),
                bool(aq.flagged),
                bool(answer and any(answer.values())),
                *kind.hint(partial_credit),
            )
        )
    return views


def review(
    attempt: QuizAttempt, read: Reader, reveal: bool, feedback: bool = True
) -> list[QuestionReview]:
    """Each question's result; ``reveal``: mark the correct answers; ``feedback``: include the
    question's and the choices' feedback and the grader's comment on an essay (left out of the
    page entirely otherwise)."""
    reviews = []
    cited = cited_paragraphs(attempt) if feedback else {}
    for aq in attempt.questions:
        question, response = aq.question_revision, aq.response
        answer = response.answer if response is not None else None
        score = response.score if response is not None and response.score is not None else 0
        prompt, lang = read(question.prompt)
        text = read(question.feedback)[0] if feedback else ""
        choices = questions.get(question.kind).review(
            question, answer, aq.choice_order, read, reveal
        )
        if not feedback:
            choices = [replace(choice, feedback="") for choice in choices]
        kind = questions.get(question.kind)
        manual = kind.manual
        pending = (
            manual
            and response is not None
            and response.score is None
            and bool(answer and any(answer.values()))
        )
        reviews.append(
            QuestionReview(
                aq.position,
                markdown(prompt),
                lang,
                question.points,
                score,
                score >= question.points,
                text,
                choices,
                pending,
                (response.feedback or "") if manual and feedback and response is not None else "",
                kind.layout,
                manual,
                cited.get(question.id),
            )
        )
    return reviews
