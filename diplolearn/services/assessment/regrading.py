"""Changing grades after the fact, always as an explicit, audited action.

- Regrading: when a question's key was wrong, the instructor fixes it in a new version of the
  question (course files, a new course version) and regrades chosen past attempts against it.
  ``regrade(..., apply=False)`` previews: for each attempt, the score and outcome before and
  after, changing nothing. ``apply=True`` does the same in one transaction: the attempt's
  drawn question is re-pinned to the new version (so its review shows the key it was graded
  by), the response re-scored, the attempt's total, maximum and outcome recomputed, one audit
  event per attempt with the before and after, and the learners' completion updated.
  Refused whole, changing nothing: a version of another question, an essay (graded by a
  person), an attempt not finished and graded, or one whose draw does not hold the question.
  Attempts whose grade was set by hand keep it: the preview says so and they are left out.
- Overriding: a tutor or instructor sets an attempt's score by hand, with a reason; the
  outcome follows from the pinned pass mark. Audited with the before and after.

Callers load the attempts through the viewer's scope (security.scoping.graded_attempts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from diplolearn import questions
from diplolearn.extensions import db
from diplolearn.models import (
    AttemptQuestion,
    AttemptState,
    CourseVersion,
    CourseVersionState,
    Enrolment,
    QuestionRevision,
    QuizAttempt,
    Response,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.assessment import GradeNotChanged

CENT = Decimal("0.01")


def _passed(score: Decimal, max_score: Decimal, pass_mark: Decimal) -> bool:
    return not max_score or score * 100 / max_score >= pass_mark


@dataclass
class RegradeRow:
    attempt: QuizAttempt
    old_revision_id: int
    before_score: Decimal
    after_score: Decimal
    before_max: Decimal
    after_max: Decimal
    before_passed: bool
    after_passed: bool
    skipped: bool = False  # the grade was set by hand: left as it is
    drawn: AttemptQuestion | None = field(default=None, repr=False)
    response: Response | None = field(default=None, repr=False)
    earned: Decimal = Decimal(0)

    @property
    def changed(self) -> bool:
        return (self.before_score, self.before_max, self.before_passed) != (
            self.after_score,
            self.after_max,
            self.after_passed,
        )


def regrade(
    actor: User,
    quiz_id: int,
    target_revision_id: int,
    attempts_query: sa.Select,
    attempt_ids: list[int],
    *,
    apply: bool,
    now: dt.datetime | None = None,
) -> list[RegradeRow]:
    """Preview or apply the regrading of ``attempt_ids`` (among ``attempts_query``, the
    viewer's scope) against question version ``target_revision_id``."""
    now = now or utcnow()
    target = db.session.scalar(
        sa.select(QuestionRevision)
        .where(QuestionRevision.id == target_revision_id)
        .options(selectinload(QuestionRevision.choices))
    )
    if (
        target is None
        or db.session.scalar(
            sa.select(CourseVersion.state).where(CourseVersion.id == target.course_version_id)
        )
        == CourseVersionState.DRAFT
    ):
        raise GradeNotChanged(_l("Choose a version of a question of this quiz."))
    if questions.get(target.kind).manual:
        raise GradeNotChanged(_l("Essays are graded by a person, not regraded."))
    wanted = sorted(set(attempt_ids))
    if not wanted:
        raise GradeNotChanged(_l("Choose at least one attempt to regrade."))
    query = (
        attempts_query.where(QuizAttempt.id.in_(wanted), QuizAttempt.quiz_id == quiz_id)
        .options(
            selectinload(QuizAttempt.quiz_revision),
            selectinload(QuizAttempt.enrolment).selectinload(Enrolment.user),
            selectinload(QuizAttempt.questions).options(
                selectinload(AttemptQuestion.response),
                selectinload(AttemptQuestion.question_revision),
            ),
        )
        .order_by(QuizAttempt.id)
    )
    if apply:
        query = query.with_for_update(of=QuizAttempt)
    attempts = db.session.scalars(query).unique().all()
    if len(attempts) != len(wanted):
        raise GradeNotChanged(
            _l(
                "Some of the chosen attempts are not attempts of this quiz "
                "that you grade. Nothing was regraded."
            )
        )
    rows = []
    for attempt in attempts:
        if attempt.state != AttemptState.GRADED:
            raise GradeNotChanged(
                _l(
                    "Only graded attempts can be regraded; attempt %(n)d of "
                    "%(name)s is not. Nothing was regraded.",
                    n=attempt.number,
                    name=attempt.enrolment.user.display_name,
                )
            )
        drawn = next(
            (
                aq
                for aq in attempt.questions
                if aq.question_revision.question_id == target.question_id
            ),
            None,
        )
        if drawn is None:
            raise GradeNotChanged(
                _l(
                    "Attempt %(n)d of %(name)s does not contain this question. "
                    "Nothing was regraded.",
                    n=attempt.number,
                    name=attempt.enrolment.user.display_name,
                )
            )
        rows.append(_regrade_one(attempt, drawn, target))
    if apply:
        for row in rows:
            if row.skipped:
                continue
            _apply(actor, row, target, now)
        db.session.flush()
        from diplolearn.services.progress import update_completion

        changed = sorted({r.attempt.enrolment_id for r in rows if not r.skipped})
        if changed:
            update_completion(changed, now)
    return rows


def _regrade_one(
    attempt: QuizAttempt, drawn: AttemptQuestion, target: QuestionRevision
) -> RegradeRow:
    response = drawn.response
    in_time = response is not None and (
        attempt.deadline_at is None or response.saved_at <= attempt.deadline_at
    )
    fraction = questions.get(target.kind).grade(
        target,
        response.answer if in_time else None,
        partial_credit=attempt.quiz_revision.partial_credit,
    )
    earned = (Decimal(target.points) * (fraction or 0)).quantize(CENT)
    old_earned = Decimal(response.score or 0) if response is not None else Decimal(0)
    before_score = Decimal(attempt.score or 0).quantize(CENT)
    before_max = Decimal(attempt.max_score or 0).quantize(CENT)
    after_max = before_max - Decimal(drawn.question_revision.points) + Decimal(target.points)
    after_score = before_score - old_earned + earned
    return RegradeRow(
        attempt,
        drawn.question_revision_id,
        before_score,
        after_score,
        before_max,
        after_max,
        bool(attempt.passed),
        _passed(after_score, after_max, attempt.pass_mark),
        skipped=attempt.overridden_at is not None,
        drawn=drawn,
        response=response,
        earned=earned,
    )


def _apply(actor: User, row: RegradeRow, target: QuestionRevision, now: dt.datetime) -> None:
    attempt, drawn, response = row.attempt, row.drawn, row.response
    drawn.question_revision_id = target.id
    if response is not None:
        response.score = row.earned
    attempt.score, attempt.max_score, attempt.passed = (
        row.after_score,
        row.after_max,
        row.after_passed,
    )
    audit.record(
        actor,
        "quiz_attempt.regraded",
        target=attempt,
        subject=attempt.enrolment.user,
        quiz_id=attempt.quiz_id,
        question_id=target.question_id,
        from_revision_id=row.old_revision_id,
        to_revision_id=target.id,
        before={
            "score": str(row.before_score),
            "max_score": str(row.before_max),
            "passed": row.before_passed,
        },
        after={
            "score": str(row.after_score),
            "max_score": str(row.after_max),
            "passed": row.after_passed,
        },
    )


def newer_revisions(question_ids: list[int], pinned_ids: list[int]) -> list[QuestionRevision]:
    """Versions of these questions that attempts could be regraded against: in a course
    version that is not a draft and is newer than the oldest version pinned (one query)."""
    if not question_ids:
        return []
    pinned = aliased(QuestionRevision)
    pinned_version = aliased(CourseVersion)
    oldest = (
        sa.select(
            pinned.question_id.label("question_id"),
            sa.func.min(pinned_version.number).label("number"),
        )
        .join(pinned_version, pinned_version.id == pinned.course_version_id)
        .where(pinned.id.in_(pinned_ids or [0]))
        .group_by(pinned.question_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(QuestionRevision)
            .join(CourseVersion, CourseVersion.id == QuestionRevision.course_version_id)
            .join(oldest, oldest.c.question_id == QuestionRevision.question_id)
            .where(
                QuestionRevision.question_id.in_(question_ids),
                QuestionRevision.id.not_in(pinned_ids or [0]),
                CourseVersion.state != CourseVersionState.DRAFT,
                CourseVersion.number > oldest.c.number,
            )
            .options(selectinload(QuestionRevision.question))
            .order_by(QuestionRevision.question_id, CourseVersion.number)
        )
    )


def version_numbers(version_ids) -> dict[int, int]:
    """Course version id -> its number, for the given versions."""
    return dict(
        db.session.execute(
            sa.select(CourseVersion.id, CourseVersion.number).where(
                CourseVersion.id.in_(set(version_ids) or {0})
            )
        ).all()
    )


# --- overriding a grade ----------------------------------------------------------------------


def override_grade(
    actor: User, attempt: QuizAttempt, score, reason: str, now: dt.datetime | None = None
) -> QuizAttempt:
    """Set a graded attempt's score by hand. Raises GradeNotChanged, writing nothing, for a
    score out of range, no reason, or an attempt not graded."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if attempt.state != AttemptState.GRADED:
        raise GradeNotChanged(_l("Only a graded attempt's grade can be overridden."))
    if not reason:
        raise GradeNotChanged(_l("Give a reason: it is kept in the audit trail."))
    try:
        value = Decimal(str(score).strip().replace(",", ".")).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise GradeNotChanged(_l("Give the score as a number.")) from None
    maximum = Decimal(attempt.max_score or 0)
    if not Decimal(0) <= value <= maximum:
        raise GradeNotChanged(_l("Give a score from 0 to %(max)s.", max=maximum.normalize()))
    before = {"score": str(attempt.score), "passed": attempt.passed}
    attempt.score = value
    attempt.passed = _passed(value, maximum, attempt.pass_mark)
    attempt.overridden_at, attempt.overridden_by_id = now, actor.id
    attempt.override_reason = reason[:2000]
    db.session.flush()
    audit.record(
        actor,
        "quiz_attempt.grade_overridden",
        target=attempt,
        subject=attempt.enrolment.user,
        quiz_id=attempt.quiz_id,
        reason=reason[:2000],
        before=before,
        after={"score": str(value), "passed": attempt.passed},
    )
    from diplolearn.services.progress import update_completion

    update_completion([attempt.enrolment_id], now)
    return attempt


def history(attempt_id: int) -> list:
    """The audit events of an attempt's grade (overrides, regrades, releases), oldest first."""
    from diplolearn.models import AuditEvent

    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.target_type == "QuizAttempt", AuditEvent.target_id == attempt_id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
