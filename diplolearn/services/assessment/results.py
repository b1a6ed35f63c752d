"""Quiz results for instructors: a quiz's summary, its score distribution, and per question
version the facility and discrimination indices and the responses given.

Every function takes ``scoped``, a select of the attempt ids the viewer may see
(security.scoping.graded_attempts), so a tutor's figures are those of their group. The
figures are aggregated by the database, in a fixed number of queries whatever the number of
attempts:

- the summary: one query (attempts, learners, graded, mean percentage, pass rate, grades
  waiting for release, attempts waiting for a person's grading);
- the distribution: one query, graded attempts counted in ten bands of percentage;
- per question version (``question_stats``): one query over *first* attempts only (later
  attempts are practised, and would flatter the items). The facility index is the mean
  fraction of the question's points earned; the discrimination index is the correlation
  between that fraction and the rest of the attempt's score (the total without this
  question), computed from sums the database returns. Both are shown only from
  ``MIN_RESPONSES`` first attempts on; below that they mean little;
- a question's responses (``question_responses``): one query for the answers, summarised by
  the question's type (``QuestionType.summarise``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from diplolearn import questions
from diplolearn.extensions import db
from diplolearn.models import (
    AttemptQuestion,
    AttemptState,
    CourseVersion,
    Question,
    QuestionRevision,
    Quiz,
    QuizAttempt,
    QuizRevision,
    Response,
)

MIN_RESPONSES = 10
BANDS = 10  # the distribution's bands of percentage: 0-9, 10-19, ... 90-100


@dataclass(frozen=True)
class Summary:
    attempts: int
    learners: int
    graded: int
    mean_percent: Decimal | None
    passed: int
    withheld: int
    awaiting: int

    @property
    def pass_rate(self) -> Decimal | None:
        return Decimal(self.passed) / self.graded if self.graded else None


def quiz_revisions(quiz_id: int) -> list[QuizRevision]:
    """The quiz's revisions, newest course version first."""
    return list(
        db.session.scalars(
            sa.select(QuizRevision)
            .join(CourseVersion, CourseVersion.id == QuizRevision.course_version_id)
            .where(QuizRevision.quiz_id == quiz_id)
            .order_by(CourseVersion.number.desc())
        )
    )


def course_quizzes(course_id: int) -> list:
    """The course's quizzes as rows (Quiz, title of its newest revision), in course order."""
    latest = (
        sa.select(QuizRevision.quiz_id, sa.func.max(CourseVersion.number).label("n"))
        .join(CourseVersion, CourseVersion.id == QuizRevision.course_version_id)
        .group_by(QuizRevision.quiz_id)
        .subquery()
    )
    return db.session.execute(
        sa.select(Quiz, QuizRevision.title)
        .join(QuizRevision, QuizRevision.quiz_id == Quiz.id)
        .join(CourseVersion, CourseVersion.id == QuizRevision.course_version_id)
        .join(latest, sa.and_(latest.c.quiz_id == Quiz.id, latest.c.n == CourseVersion.number))
        .where(Quiz.course_id == course_id)
        .order_by(QuizRevision.position, Quiz.key)
    ).all()


def quiz_keys(quiz_ids) -> dict[int, str]:
    """Quiz id -> key, for the given quizzes."""
    return dict(
        db.session.execute(
            sa.select(Quiz.id, Quiz.key).where(Quiz.id.in_(set(quiz_ids) or {0}))
        ).all()
    )


def _percent():
    return sa.case(
        (QuizAttempt.max_score > 0, QuizAttempt.score * 100 / QuizAttempt.max_score),
        else_=sa.literal(100),
    )


def summary(quiz_id: int, scoped: sa.Select) -> Summary:
    graded = QuizAttempt.state == AttemptState.GRADED

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        sa.select(
            sa.func.count(QuizAttempt.id),
            sa.func.count(sa.distinct(QuizAttempt.enrolment_id)),
            count_if(graded),
            sa.func.avg(sa.case((graded, _percent()))),
            count_if(sa.and_(graded, QuizAttempt.passed.is_(True))),
            count_if(sa.and_(graded, QuizAttempt.grade_withheld.is_(True))),
            count_if(
                sa.and_(
                    QuizAttempt.state.in_([AttemptState.SUBMITTED, AttemptState.EXPIRED]),
                    QuizAttempt.graded_at.is_(None),
                )
            ),
        ).where(
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.id.in_(scoped),
            QuizAttempt.state != AttemptState.ABANDONED,
        )
    ).one()
    mean = Decimal(str(row[3])).quantize(Decimal("0.1")) if row[3] is not None else None
    return Summary(row[0], row[1], int(row[2]), mean, int(row[4]), int(row[5]), int(row[6]))


def distribution(quiz_id: int, scoped: sa.Select) -> list[tuple[int, int, int]]:
    """(from %, to %, number of graded attempts) for each band, lowest first."""
    percent = _percent()
    band = sa.case(
        *[(percent < (i + 1) * 100 // BANDS, i) for i in range(BANDS - 1)], else_=BANDS - 1
    ).label("band")
    counts = dict(
        db.session.execute(
            sa.select(band, sa.func.count())
            .where(
                QuizAttempt.quiz_id == quiz_id,
                QuizAttempt.id.in_(scoped),
                QuizAttempt.state == AttemptState.GRADED,
            )
            .group_by(band)
        ).all()
    )
    step = 100 // BANDS
    return [
        (i * step, 100 if i == BANDS - 1 else (i + 1) * step - 1, counts.get(i, 0))
        for i in range(BANDS)
    ]


@dataclass(frozen=True)
class QuestionStats:
    revision_id: int
    question_key: str
    version: int
    kind: str
    prompt: dict
    points: Decimal
    responses: int  # first attempts in which the question was drawn
    answered: int
    facility: float | None  # mean fraction of the points earned, 0..1
    discrimination: float | None  # correlation with the rest of the score, -1..1

    @property
    def enough(self) -> bool:
        return self.responses >= MIN_RESPONSES


def _correlation(n, sx, sy, sxx, syy, sxy) -> float | None:
    if n < 2:
        return None
    cov = n * sxy - sx * sy
    var = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if var <= 1e-12:
        return None  # everybody scored alike: the index is undefined
    return max(-1.0, min(1.0, cov / math.sqrt(var)))


def question_stats(quiz_id: int, scoped: sa.Select) -> list[QuestionStats]:
    """Each question version drawn in graded first attempts, in the order first shown."""
    earned = sa.cast(sa.func.coalesce(Response.score, 0), sa.Float)
    x = sa.case(
        (QuestionRevision.points > 0, earned / sa.cast(QuestionRevision.points, sa.Float)),
        else_=0.0,
    )
    y = sa.cast(QuizAttempt.score, sa.Float) - earned
    sums = (
        sa.select(
            AttemptQuestion.question_revision_id.label("rid"),
            sa.func.count().label("n"),
            sa.func.count(Response.id).label("answered"),
            sa.func.sum(x).label("sx"),
            sa.func.sum(y).label("sy"),
            sa.func.sum(x * x).label("sxx"),
            sa.func.sum(y * y).label("syy"),
            sa.func.sum(x * y).label("sxy"),
            sa.func.min(AttemptQuestion.position).label("position"),
        )
        .select_from(AttemptQuestion)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(QuestionRevision, QuestionRevision.id == AttemptQuestion.question_revision_id)
        .outerjoin(Response, Response.attempt_question_id == AttemptQuestion.id)
        .where(
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.id.in_(scoped),
            QuizAttempt.number == 1,
            QuizAttempt.state == AttemptState.GRADED,
        )
        .group_by(AttemptQuestion.question_revision_id)
    ).subquery()
    rows = db.session.execute(
        sa.select(
            QuestionRevision.id,
            Question.key,
            CourseVersion.number,
            QuestionRevision.kind,
            QuestionRevision.prompt,
            QuestionRevision.points,
            sums.c.n,
            sums.c.answered,
            sums.c.sx,
            sums.c.sy,
            sums.c.sxx,
            sums.c.syy,
            sums.c.sxy,
            sums.c.position,
        )
        .join(sums, sums.c.rid == QuestionRevision.id)
        .join(Question, Question.id == QuestionRevision.question_id)
        .join(CourseVersion, CourseVersion.id == QuestionRevision.course_version_id)
        .order_by(sums.c.position, Question.key, CourseVersion.number)
    ).all()
    stats = []
    for (
        rid,
        key,
        version,
        kind,
        prompt,
        points,
        n,
        answered,
        sx,
        sy,
        sxx,
        syy,
        sxy,
        _position,
    ) in rows:
        sx, sy, sxx, syy, sxy = (float(v or 0) for v in (sx, sy, sxx, syy, sxy))
        enough = n >= MIN_RESPONSES
        stats.append(
            QuestionStats(
                rid,
                key,
                version,
                kind,
                prompt,
                Decimal(points),
                n,
                answered,
                sx / n if enough else None,
                _correlation(n, sx, sy, sxx, syy, sxy) if enough else None,
            )
        )
    return stats


@dataclass(frozen=True)
class Responses:
    question: QuestionRevision
    summary: dict


def question_responses(quiz_id: int, revision_id: int, scoped: sa.Select) -> Responses | None:
    """The answers given to one question version in the quiz's finished attempts (the viewer's
    scope), summarised by its type; None when the version was never drawn there."""
    question = db.session.scalar(
        sa.select(QuestionRevision)
        .where(QuestionRevision.id == revision_id)
        .options(selectinload(QuestionRevision.choices), joinedload(QuestionRevision.question))
    )
    if question is None:
        return None
    answers = [
        answer
        for (answer,) in db.session.execute(
            sa.select(Response.answer)
            .select_from(AttemptQuestion)
            .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
            .outerjoin(Response, Response.attempt_question_id == AttemptQuestion.id)
            .where(
                AttemptQuestion.question_revision_id == revision_id,
                QuizAttempt.quiz_id == quiz_id,
                QuizAttempt.id.in_(scoped),
                QuizAttempt.state.in_(
                    [AttemptState.GRADED, AttemptState.SUBMITTED, AttemptState.EXPIRED]
                ),
            )
        )
    ]
    if not answers:
        return None
    partial_credit = db.session.scalar(
        sa.select(QuizRevision.partial_credit)
        .where(QuizRevision.quiz_id == quiz_id)
        .order_by(QuizRevision.id.desc())
        .limit(1)
    )
    kind = questions.get(question.kind)
    kwargs = {"partial_credit": partial_credit} if partial_credit else {}
    return Responses(question, kind.summarise(question, answers, **kwargs))
