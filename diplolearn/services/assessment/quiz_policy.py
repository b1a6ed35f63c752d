"""A quiz's attempt policy as it applies to one learner, the overrides that adjust it, and the
rules for what a learner sees after an attempt.

The policy comes from the quiz revision (course files: pass mark, attempts, time limit,
grading method, when feedback and correct answers are shown, whether grades wait for a
release) adjusted by overrides (``QuizPolicyOverride``): the cohort's, then the learner's own.
A learner's window (``opens_at`` / ``closes_at``) replaces the cohort's where it is set;
extra minutes and extra attempts add up. A quiz has no window of its own: a course version
serves many cohorts, so the dates belong to the cohort.

The deadline of an attempt is computed once, when it starts: the earlier of start plus the
time limit (plus the extra minutes) and the close time; answers saved after it never count
(services/assessment/quizzes.py). An attempt cannot start before the window opens or once it closed.

What the learner sees (``Visibility``), from the attempt's pinned revision:
- ``immediately``: as soon as the attempt is submitted;
- ``after_attempt``: once no later attempt could use it — the quiz is passed or no attempt is
  left (the key of a quiz taken again must not leak through an earlier result);
- ``after_close``: once the quiz's window has closed for the learner; with no close time, as
  ``after_attempt``;
- ``never``.
A grade waiting for release (``QuizAttempt.grade_withheld``) shows neither score, nor
feedback, nor answers, and does not count for completion until a tutor or instructor releases
it (``release_grades``, audited). The page is rendered from these flags, so what is not
visible is not in the HTML either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    AttemptState,
    Enrolment,
    QuizAttempt,
    QuizPolicyOverride,
    Reveal,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.assessment import InvalidOverride, QuizClosed, QuizNotOpenYet


@dataclass(frozen=True)
class Policy:
    max_attempts: int | None
    time_limit_minutes: int | None
    extra_minutes: int = 0
    extra_attempts: int = 0
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None

    @property
    def minutes(self) -> int | None:
        """The time allowed per attempt, accommodation included; None when untimed."""
        if not self.time_limit_minutes:
            return None
        return self.time_limit_minutes + self.extra_minutes

    def deadline(self, started_at: dt.datetime) -> dt.datetime | None:
        ends = [self.closes_at] if self.closes_at is not None else []
        if self.minutes:
            ends.append(started_at + dt.timedelta(minutes=self.minutes))
        return min(ends) if ends else None

    def check_window(self, now: dt.datetime) -> None:
        if self.opens_at is not None and now < self.opens_at:
            raise QuizNotOpenYet()
        if self.closes_at is not None and now >= self.closes_at:
            raise QuizClosed()

    def is_closed(self, now: dt.datetime) -> bool:
        return self.closes_at is not None and now >= self.closes_at

    def left(self, used: int) -> int | None:
        return None if self.max_attempts is None else max(self.max_attempts - used, 0)


def combine(
    max_attempts: int | None, time_limit_minutes: int | None, overrides: list[QuizPolicyOverride]
) -> Policy:
    """Apply the overrides (cohort first, then the learner's) to a revision's policy."""
    opens_at = closes_at = None
    extra_minutes = extra_attempts = 0
    for override in sorted(overrides, key=lambda o: o.enrolment_id is not None):
        opens_at = override.opens_at if override.opens_at is not None else opens_at
        closes_at = override.closes_at if override.closes_at is not None else closes_at
        extra_minutes += override.extra_minutes or 0
        extra_attempts += override.extra_attempts or 0
    return Policy(
        max_attempts + extra_attempts if max_attempts is not None else None,
        time_limit_minutes,
        extra_minutes,
        extra_attempts,
        opens_at,
        closes_at,
    )


def overrides_for(enrolment: Enrolment, quiz_id: int) -> list[QuizPolicyOverride]:
    return list(
        db.session.scalars(
            sa.select(QuizPolicyOverride).where(
                QuizPolicyOverride.quiz_id == quiz_id,
                sa.or_(
                    QuizPolicyOverride.cohort_id == enrolment.cohort_id,
                    QuizPolicyOverride.enrolment_id == enrolment.id,
                ),
            )
        )
    )


def policy_for(enrolment: Enrolment, node) -> Policy:
    """The policy of quiz ``node`` (a QuizNode or QuizRevision) for this learner (one query)."""
    quiz_id = node.quiz_id
    return combine(node.max_attempts, node.time_limit_minutes, overrides_for(enrolment, quiz_id))


# --- what the learner sees -------------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    score: bool
    feedback: bool
    answers: bool


def _revealed(when: str, finished_with_quiz: bool, closed: bool | None) -> bool:
    if when == Reveal.IMMEDIATELY:
        return True
    if when == Reveal.AFTER_ATTEMPT:
        return finished_with_quiz
    if when == Reveal.AFTER_CLOSE:
        return finished_with_quiz if closed is None else closed
    return False


def visibility(
    attempt: QuizAttempt,
    policy: Policy | None,
    finished_with_quiz: bool,
    now: dt.datetime | None = None,
) -> Visibility:
    """What the learner may see of a finished attempt. ``finished_with_quiz``: the quiz is
    passed or no attempt is left."""
    if attempt.state != AttemptState.GRADED or attempt.grade_withheld:
        return Visibility(False, False, False)
    now = now or utcnow()
    revision = attempt.quiz_revision
    closed = None if policy is None or policy.closes_at is None else policy.is_closed(now)
    return Visibility(
        True,
        _revealed(revision.feedback_shown, finished_with_quiz, closed),
        _revealed(revision.answers_shown, finished_with_quiz, closed),
    )


# --- overrides -------------------------------------------------------------------------------


def _snapshot(override: QuizPolicyOverride | None) -> dict | None:
    if override is None:
        return None
    return {
        "opens_at": override.opens_at.isoformat() if override.opens_at else None,
        "closes_at": override.closes_at.isoformat() if override.closes_at else None,
        "extra_minutes": override.extra_minutes,
        "extra_attempts": override.extra_attempts,
    }


def set_override(
    actor: User,
    quiz_id: int,
    *,
    cohort_id: int | None = None,
    enrolment: Enrolment | None = None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    extra_minutes: int = 0,
    extra_attempts: int = 0,
    reason: str = "",
) -> QuizPolicyOverride:
    """Create or replace the cohort's or the learner's override of a quiz, audited. The caller
    has loaded the cohort or enrolment through the actor's scope."""
    from flask_babel import lazy_gettext as _l

    if (cohort_id is None) == (enrolment is None):
        raise InvalidOverride(_l("Choose either a cohort or one learner."))
    if extra_minutes < 0 or extra_attempts < 0:
        raise InvalidOverride(_l("Extra minutes and extra attempts cannot be negative."))
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise InvalidOverride(_l("The quiz must open before it closes."))
    where = (
        QuizPolicyOverride.cohort_id == cohort_id
        if cohort_id is not None
        else QuizPolicyOverride.enrolment_id == enrolment.id
    )
    override = db.session.scalar(
        sa.select(QuizPolicyOverride).where(QuizPolicyOverride.quiz_id == quiz_id, where)
    )
    before = _snapshot(override)
    if override is None:
        override = QuizPolicyOverride(
            quiz_id=quiz_id, cohort_id=cohort_id, enrolment_id=enrolment.id if enrolment else None
        )
        db.session.add(override)
    override.opens_at, override.closes_at = opens_at, closes_at
    override.extra_minutes, override.extra_attempts = extra_minutes, extra_attempts
    override.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "quiz_policy.override_set",
        target=override,
        subject=enrolment.user if enrolment else None,
        quiz_id=quiz_id,
        cohort_id=cohort_id,
        enrolment_id=enrolment.id if enrolment else None,
        before=before,
        after=_snapshot(override),
        reason=reason or None,
    )
    return override


def remove_override(actor: User, override: QuizPolicyOverride) -> None:
    audit.record(
        actor,
        "quiz_policy.override_removed",
        target=override,
        subject=override.enrolment.user if override.enrolment else None,
        quiz_id=override.quiz_id,
        cohort_id=override.cohort_id,
        enrolment_id=override.enrolment_id,
        before=_snapshot(override),
    )
    db.session.delete(override)
    db.session.flush()


# --- releasing grades ------------------------------------------------------------------------


def release_grades(actor: User, attempt_ids: list[int], now: dt.datetime | None = None) -> int:
    """Release the withheld grades among ``attempt_ids`` (already scoped by the caller) and
    update the learners' completion; returns how many were released. Audited per attempt."""
    from diplolearn.services.progress import update_completion

    now = now or utcnow()
    attempts = db.session.scalars(
        sa.select(QuizAttempt)
        .where(
            QuizAttempt.id.in_(attempt_ids),
            QuizAttempt.state == AttemptState.GRADED,
            QuizAttempt.grade_withheld.is_(True),
        )
        .order_by(QuizAttempt.id)
        .with_for_update()
    ).all()
    for attempt in attempts:
        attempt.grade_withheld, attempt.released_at = False, now
        attempt.released_by_id = actor.id
        audit.record(
            actor,
            "quiz_attempt.grade_released",
            target=attempt,
            quiz_id=attempt.quiz_id,
            enrolment_id=attempt.enrolment_id,
            score=str(attempt.score),
        )
    db.session.flush()
    if attempts:
        update_completion(sorted({a.enrolment_id for a in attempts}), now)
    return len(attempts)
