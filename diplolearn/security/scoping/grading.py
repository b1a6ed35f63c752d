"""Grading: the written work and quiz attempts a viewer grades, and quiz policy overrides.

Graders see the work of the learners they teach (``_grading_filter``): an administrator
everyone's; an instructor of the course, its learners in every cohort; a cohort's lead
instructor, that cohort's; a tutor, their group's. Written submissions are seen once submitted
or returned, never as drafts. Coordinators hold no grading scope: they never see the text.

Setting a quiz's policy overrides (dates, extra time or attempts) is for administrators, the
course's instructors (any cohort of it) and a cohort's lead instructors (that cohort);
regrading, which changes past attempts of every cohort, for administrators and the course's
instructors only.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.models import (
    Cohort,
    Course,
    Enrolment,
    Quiz,
    QuizAttempt,
    QuizPolicyOverride,
    Submission,
    SubmissionState,
    TutorGroup,
    User,
)
from diplolearn.security.scoping.base import one_or_404, scope_of


def _grading_filter(viewer: User, course_id: int):
    """The WHERE clause (on Enrolment and Cohort) of what ``viewer`` may grade in the course;
    None when nothing."""
    scope = scope_of(viewer)
    if scope.is_administrator or course_id in scope.course_ids:
        return Cohort.course_id == course_id
    parts = []
    if scope.cohort_ids:
        parts.append(Enrolment.cohort_id.in_(scope.cohort_ids))
    if scope.tutor_group_ids:
        parts.append(Enrolment.tutor_group_id.in_(scope.tutor_group_ids))
    return sa.and_(Cohort.course_id == course_id, sa.or_(*parts)) if parts else None


def grading_course_or_404(viewer: User, course_id: int) -> Course:
    """The course, when the viewer grades some of its learners; 404 otherwise."""
    scope = scope_of(viewer)
    query = sa.select(Course).where(Course.id == course_id)
    if not (scope.is_administrator or course_id in scope.course_ids):
        query = query.where(sa.or_(
            Course.id.in_(sa.select(Cohort.course_id).where(Cohort.id.in_(scope.cohort_ids))),
            Course.id.in_(sa.select(Cohort.course_id).join(TutorGroup).where(
                TutorGroup.id.in_(scope.tutor_group_ids)))))
    return one_or_404(query)


# --- written assignments ----------------------------------------------------------------------

def gradable_submissions(viewer: User, course_id: int) -> sa.Select:
    """Submitted and returned submissions the viewer may read and grade in the course (with
    their enrolment and cohort joined); an empty select when none."""
    where = _grading_filter(viewer, course_id)
    query = (sa.select(Submission)
             .join(Enrolment, Enrolment.id == Submission.enrolment_id)
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .where(Submission.state != SubmissionState.DRAFT))
    return query.where(where if where is not None else sa.false())


def gradable_submission_or_404(viewer: User, course_id: int, submission_id: int) -> Submission:
    return one_or_404(gradable_submissions(viewer, course_id).where(
        Submission.id == submission_id).options(
        joinedload(Submission.enrolment).joinedload(Enrolment.user)))


# --- quiz results and grades ------------------------------------------------------------------

def graded_attempts(viewer: User, course_id: int, *columns) -> sa.Select:
    """Select ``columns`` (the QuizAttempt entity by default) of the course's quiz attempts
    whose learners the viewer grades, with Enrolment and Cohort joined; nothing otherwise."""
    where = _grading_filter(viewer, course_id)
    return (sa.select(*(columns or (QuizAttempt,))).select_from(QuizAttempt)
            .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(where if where is not None else sa.false()))


def graded_attempt_or_404(viewer: User, course_id: int, quiz_id: int,
                          attempt_id: int) -> QuizAttempt:
    return one_or_404(graded_attempts(viewer, course_id).where(
        QuizAttempt.id == attempt_id, QuizAttempt.quiz_id == quiz_id)
        .options(joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user)))


def course_quiz_or_404(viewer: User, course_id: int, quiz_key: str) -> tuple[Course, Quiz]:
    """A quiz of a course whose learners the viewer grades; 404 otherwise."""
    course = grading_course_or_404(viewer, course_id)
    quiz = one_or_404(sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key == quiz_key))
    return course, quiz


def regrades_course(viewer: User, course_id: int) -> bool:
    scope = scope_of(viewer)
    return scope.is_administrator or course_id in scope.course_ids


# --- quiz policy overrides --------------------------------------------------------------------

def policy_cohorts(viewer: User, course_id: int) -> sa.Select:
    """Select the course's cohorts whose quiz policies the viewer may override."""
    scope = scope_of(viewer)
    query = sa.select(Cohort).where(Cohort.course_id == course_id)
    if not regrades_course(viewer, course_id):
        query = query.where(Cohort.id.in_(scope.cohort_ids))
    return query


def policy_cohort_or_404(viewer: User, course_id: int, cohort_id: int) -> Cohort:
    return one_or_404(policy_cohorts(viewer, course_id).where(Cohort.id == cohort_id))


def policy_enrolment_or_404(viewer: User, course_id: int, enrolment_id: int) -> Enrolment:
    """A learner of a cohort whose quiz policies the viewer may override; 404 otherwise."""
    cohort_ids = policy_cohorts(viewer, course_id).with_only_columns(Cohort.id)
    return one_or_404(sa.select(Enrolment).where(
        Enrolment.id == enrolment_id, Enrolment.cohort_id.in_(cohort_ids))
        .options(joinedload(Enrolment.user)))


def policy_overrides(viewer: User, course_id: int, quiz_id: int) -> sa.Select:
    """Select the quiz's overrides (cohorts' and learners') the viewer may change."""
    cohort_ids = policy_cohorts(viewer, course_id).with_only_columns(Cohort.id)
    return (sa.select(QuizPolicyOverride)
            .outerjoin(Enrolment, Enrolment.id == QuizPolicyOverride.enrolment_id)
            .where(QuizPolicyOverride.quiz_id == quiz_id,
                   sa.or_(QuizPolicyOverride.cohort_id.in_(cohort_ids),
                          Enrolment.cohort_id.in_(cohort_ids))))


def policy_override_or_404(viewer: User, course_id: int, quiz_id: int,
                           override_id: int) -> QuizPolicyOverride:
    return one_or_404(policy_overrides(viewer, course_id, quiz_id).where(
        QuizPolicyOverride.id == override_id))
