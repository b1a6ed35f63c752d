"""What an attempt asks: a quiz's fixed questions and its random draws from bank categories,
composed once when the attempt starts.

A quiz revision lists fixed questions (``QuizQuestion``) and draws (``QuizDraw``: N questions
from a ``QuestionCategory``) in one sequence of positions. ``draw`` picks each draw's questions
without repeats, puts everything in that sequence (shuffled when the quiz says so), and fixes
each question's choice order through its type (``QuestionType.order_choices``: shuffled when the
quiz says so, always for matching targets and ordering items). services.assessment.quizzes.start_attempt
pins the result as AttemptQuestion rows, so the draw and the order stay the same for the whole
attempt, across saves and resumes, and never reach the browser except as opaque tokens.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from diplolearn import questions
from diplolearn.extensions import db
from diplolearn.models import (
    QuestionCategory,
    QuestionRevision,
    QuizDraw,
    QuizQuestion,
    QuizRevision,
)
from diplolearn.services.assessment import QuizNotReady


def load_quiz_revision(revision_id: int) -> QuizRevision:
    """The quiz revision with its fixed questions and its draws' categories and questions
    (a fixed number of queries whatever their number)."""
    return db.session.scalar(
        sa.select(QuizRevision)
        .where(QuizRevision.id == revision_id)
        .options(
            selectinload(QuizRevision.questions)
            .selectinload(QuizQuestion.question_revision)
            .selectinload(QuestionRevision.choices),
            selectinload(QuizRevision.draws)
            .selectinload(QuizDraw.category)
            .selectinload(QuestionCategory.questions)
            .selectinload(QuestionRevision.choices),
        )
    )


def draw(revision: QuizRevision, rng) -> list[tuple[QuestionRevision, list[str]]]:
    """The questions of one attempt in the order shown, each with its choice keys in the order
    shown. Raises QuizNotReady when a question's kind is unknown or a category holds fewer
    questions than a draw asks for (the course check prevents both)."""
    slots: list[tuple[int, list[QuestionRevision]]] = [
        (item.position, [item.question_revision]) for item in revision.questions
    ]
    taken = {item.question_revision_id for item in revision.questions}
    for item in revision.draws:
        pool = [q for q in item.category.questions if q.id not in taken]
        if len(pool) < item.count:
            raise QuizNotReady()
        picked = rng.sample(pool, item.count)
        taken.update(q.id for q in picked)
        slots.append((item.position, picked))
    slots.sort(key=lambda slot: slot[0])
    drawn = [question for _position, group in slots for question in group]
    if any(question.kind not in questions.REGISTRY for question in drawn):
        raise QuizNotReady()  # a question we could not show or grade never starts
    if revision.shuffle_questions:
        rng.shuffle(drawn)
    result = []
    for question in drawn:
        keys = [choice.key for choice in sorted(question.choices, key=lambda c: c.position)]
        order = questions.get(question.kind).order_choices(
            question, keys, revision.shuffle_choices, rng
        )
        result.append((question, order))
    return result
