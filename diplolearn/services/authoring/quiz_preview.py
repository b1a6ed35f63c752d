"""Trying a draft's quiz as a learner would, recording nothing.

``preview_draw`` draws the questions with a seeded random generator (the same draw again when
the answers are posted) as an attempt draws them (services/assessment/question_banks.py); the
choice tokens are HMACs over the seed (``preview_token``); ``preview_grade`` reads and grades
the posted answers in memory through each question's type. Nothing is written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from diplolearn import questions as question_types
from diplolearn.extensions import db
from diplolearn.models import CourseVersion, Quiz, QuizRevision
from diplolearn.services.assessment import question_banks
from diplolearn.services.authoring import AuthoringError

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
