"""An enrolment's score in a ministry's reports (``enrolment_score``): the mean of the
percentages it has been graded, one per quiz with a counted grade (the percentage its grading
method counts, ``QuizState.percent``) and one per written assignment with a returned
submission (the points of the latest one returned, over the rubric's points; a resubmission
graded later replaces it). Each graded item weighs the same, whatever its points.
Submissions are read as their grade columns only (progress_for), never their text, file or
the grader's comments.

Standings (``read_standings``) come from ``services.progress.progress_for``, which applies the
course's completion rules in a fixed number of queries per chunk of enrolments.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from diplolearn.extensions import db
from diplolearn.models import Cohort, Enrolment, SubmissionState
from diplolearn.services.progress import progress_for


def two_places(value: Decimal) -> Decimal:
    """Rounded half up to two decimal places, as reports show scores."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def assignment_percent(state) -> Decimal | None:
    """The percentage of the latest returned submission to a written assignment; None when
    none has been returned yet."""
    returned = [
        s for s in state.submissions if s.state == SubmissionState.RETURNED and s.score is not None
    ]
    if not returned:
        return None
    latest = returned[-1]
    if not latest.max_score:
        return Decimal(100)
    return Decimal(latest.score) * 100 / Decimal(latest.max_score)


def enrolment_score(standing) -> Decimal | None:
    """The mean of the counted quiz percentages and returned assignment percentages (see the
    module docstring); None before anything is graded."""
    if standing is None:
        return None
    percents = [q.percent for m in standing.modules for q in m.quizzes if q.percent is not None]
    percents += [
        p
        for m in standing.modules
        for a in m.assignments
        if (p := assignment_percent(a)) is not None
    ]
    return two_places(sum(percents) / len(percents)) if percents else None


def read_standings(enrolment_ids: list[int], now: dt.datetime | None = None) -> dict:
    """Progress of these enrolments: one query for the enrolments and one for their cohorts
    (set on them without a lazy load each), plus progress_for's fixed few."""
    if not enrolment_ids:
        return {}
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.id.in_(enrolment_ids))
    ).all()
    cohort_ids = {e.cohort_id for e in enrolments}
    cohorts = {
        c.id: c for c in db.session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohort_ids)))
    }
    for enrolment in enrolments:
        set_committed_value(enrolment, "cohort", cohorts[enrolment.cohort_id])
    return progress_for(list(enrolments), now)
