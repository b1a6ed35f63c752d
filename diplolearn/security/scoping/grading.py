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

from diplolearn import questions
from diplolearn.extensions import db
from diplolearn.models import (
    AttemptQuestion,
    AttemptState,
    Cohort,
    Course,
    Enrolment,
    QuestionRevision,
    Quiz,
    QuizAttempt,
    QuizPolicyOverride,
    Response,
    Role,
    Submission,
    SubmissionState,
    TutorGroup,
    User,
)
from diplolearn.names import person_order
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
        query = query.where(
            sa.or_(
                Course.id.in_(sa.select(Cohort.course_id).where(Cohort.id.in_(scope.cohort_ids))),
                Course.id.in_(
                    sa.select(Cohort.course_id)
                    .join(TutorGroup)
                    .where(TutorGroup.id.in_(scope.tutor_group_ids))
                ),
            )
        )
    return one_or_404(query)


# --- written assignments ----------------------------------------------------------------------


def gradable_submissions(viewer: User, course_id: int) -> sa.Select:
    """Submitted and returned submissions the viewer may read and grade in the course (with
    their enrolment and cohort joined); an empty select when none."""
    where = _grading_filter(viewer, course_id)
    query = (
        sa.select(Submission)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Submission.state != SubmissionState.DRAFT)
    )
    return query.where(where if where is not None else sa.false())


def gradable_submission_or_404(viewer: User, course_id: int, submission_id: int) -> Submission:
    return one_or_404(
        gradable_submissions(viewer, course_id)
        .where(Submission.id == submission_id)
        .options(joinedload(Submission.enrolment).joinedload(Enrolment.user))
    )


# --- quiz results and grades ------------------------------------------------------------------


def graded_attempts(viewer: User, course_id: int, *columns) -> sa.Select:
    """Select ``columns`` (the QuizAttempt entity by default) of the course's quiz attempts
    whose learners the viewer grades, with Enrolment and Cohort joined; nothing otherwise."""
    where = _grading_filter(viewer, course_id)
    return (
        sa.select(*(columns or (QuizAttempt,)))
        .select_from(QuizAttempt)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(where if where is not None else sa.false())
    )


def graded_attempt_or_404(
    viewer: User, course_id: int, quiz_id: int, attempt_id: int
) -> QuizAttempt:
    return one_or_404(
        graded_attempts(viewer, course_id)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.quiz_id == quiz_id)
        .options(joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user))
    )


def graded_counts(viewer: User, course_id: int) -> dict[int, int]:
    """Quiz id -> how many of its attempts in the viewer's grading scope are graded."""
    scoped = graded_attempts(viewer, course_id, QuizAttempt.id)
    return dict(
        db.session.execute(
            sa.select(QuizAttempt.quiz_id, sa.func.count())
            .where(QuizAttempt.id.in_(scoped), QuizAttempt.state == AttemptState.GRADED)
            .group_by(QuizAttempt.quiz_id)
        ).all()
    )


def listed_attempts(viewer: User, course_id: int, quiz_id: int) -> sa.Select:
    """Select (to paginate) the quiz's submitted attempts the viewer grades, with learners,
    by learner and attempt number."""
    return (
        graded_attempts(viewer, course_id)
        .join(User, User.id == Enrolment.user_id)
        .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.state != AttemptState.IN_PROGRESS)
        .options(joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user))
        .order_by(*person_order(), User.id, QuizAttempt.number)
    )


def graded_response_or_404(
    viewer: User, course_id: int, attempt: QuizAttempt, response_id: int
) -> Response:
    """An answer of an attempt (loaded through ``graded_attempt_or_404``) the viewer grades,
    with its drawn question; 404 for any other id."""
    return one_or_404(
        sa.select(Response)
        .join(AttemptQuestion)
        .where(
            Response.id == response_id,
            AttemptQuestion.attempt_id == attempt.id,
            AttemptQuestion.attempt_id.in_(graded_attempts(viewer, course_id, QuizAttempt.id)),
        )
        .options(joinedload(Response.attempt_question))
    )


def withheld_attempt_ids(viewer: User, course_id: int, quiz_id: int) -> list[int]:
    """Ids of the quiz's attempts the viewer grades whose grade is withheld."""
    return list(
        db.session.scalars(
            graded_attempts(viewer, course_id, QuizAttempt.id).where(
                QuizAttempt.quiz_id == quiz_id, QuizAttempt.grade_withheld.is_(True)
            )
        ).all()
    )


def _regradable(viewer: User, course_id: int, quiz_id: int) -> sa.Select:
    return (
        graded_attempts(
            viewer,
            course_id,
            QuizAttempt.id,
            QuizAttempt.number,
            QuizAttempt.score,
            QuizAttempt.max_score,
            User.name_latin,
            User.name_ar,
            User.email,
        )
        .join(User, User.id == Enrolment.user_id)
        .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.state == AttemptState.GRADED)
    )


def regradable_attempts(viewer: User, course_id: int, quiz_id: int) -> list:
    """The quiz's graded attempts the viewer grades, as rows of columns only (id, number,
    score, max_score, name_latin, name_ar, email), by learner and attempt number."""
    return db.session.execute(
        _regradable(viewer, course_id, quiz_id).order_by(
            *person_order(), User.id, QuizAttempt.number
        )
    ).all()


def pinned_revisions(viewer: User, course_id: int, quiz_id: int) -> dict[int, int]:
    """Question revision id -> question id, of the versions drawn in the quiz's graded
    attempts the viewer grades."""
    scoped = _regradable(viewer, course_id, quiz_id)
    return dict(
        db.session.execute(
            sa.select(QuestionRevision.id, QuestionRevision.question_id).where(
                QuestionRevision.id.in_(
                    sa.select(AttemptQuestion.question_revision_id)
                    .where(AttemptQuestion.attempt_id.in_(scoped.with_only_columns(QuizAttempt.id)))
                    .distinct()
                )
            )
        ).all()
    )


def awaiting_grading(viewer: User, course_id: int) -> sa.Select:
    """Select (to paginate) the course's attempts the viewer grades whose essays wait for a
    person, oldest first, with learner and quiz version."""
    from diplolearn.services.assessment.quizzes import awaiting_grading_query

    return (
        awaiting_grading_query()
        .where(QuizAttempt.id.in_(graded_attempts(viewer, course_id, QuizAttempt.id)))
        .options(
            joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user),
            joinedload(QuizAttempt.quiz_revision),
        )
    )


def ungraded_essays(viewer: User, course_id: int, attempt_ids) -> dict[int, int]:
    """Attempt id -> how many of its essay answers wait for a person's grade, for the given
    attempts the viewer grades."""
    return dict(
        db.session.execute(
            sa.select(AttemptQuestion.attempt_id, sa.func.count())
            .join(QuestionRevision, QuestionRevision.id == AttemptQuestion.question_revision_id)
            .join(Response, Response.attempt_question_id == AttemptQuestion.id)
            .where(
                AttemptQuestion.attempt_id.in_(list(attempt_ids) or [0]),
                AttemptQuestion.attempt_id.in_(graded_attempts(viewer, course_id, QuizAttempt.id)),
                QuestionRevision.kind.in_(
                    [kind for kind, type_ in questions.REGISTRY.items() if type_.manual]
                ),
                Response.graded_by_id.is_(None),
            )
            .group_by(AttemptQuestion.attempt_id)
        ).all()
    )


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


def sets_quiz_policy(viewer: User, course_id: int) -> bool:
    """Whether the viewer sets quiz policy overrides in the course: an administrator,
    instructor or lead instructor with at least one cohort of it in reach."""
    return any(
        viewer.has_role(role)
        for role in (Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR)
    ) and db.session.scalar(sa.select(sa.exists(policy_cohorts(viewer, course_id))))


def policy_targets(viewer: User, course_id: int) -> tuple[list[Cohort], list]:
    """What the viewer may override a quiz's policy for: the course's cohorts in reach (by
    key), and their learners as rows (id, name_latin, name_ar, email, cohort key)."""
    cohorts = db.session.scalars(policy_cohorts(viewer, course_id).order_by(Cohort.key)).all()
    learners = db.session.execute(
        sa.select(Enrolment.id, User.name_latin, User.name_ar, User.email, Cohort.key)
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.cohort_id.in_([c.id for c in cohorts] or [0]))
        .order_by(Cohort.key, *person_order(), User.id)
    ).all()
    return list(cohorts), learners


def policy_cohort_or_404(viewer: User, course_id: int, cohort_id: int) -> Cohort:
    return one_or_404(policy_cohorts(viewer, course_id).where(Cohort.id == cohort_id))


def policy_enrolment_or_404(viewer: User, course_id: int, enrolment_id: int) -> Enrolment:
    """A learner of a cohort whose quiz policies the viewer may override; 404 otherwise."""
    cohort_ids = policy_cohorts(viewer, course_id).with_only_columns(Cohort.id)
    return one_or_404(
        sa.select(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.cohort_id.in_(cohort_ids))
        .options(joinedload(Enrolment.user))
    )


def policy_overrides(viewer: User, course_id: int, quiz_id: int) -> sa.Select:
    """Select the quiz's overrides (cohorts' and learners') the viewer may change."""
    cohort_ids = policy_cohorts(viewer, course_id).with_only_columns(Cohort.id)
    return (
        sa.select(QuizPolicyOverride)
        .outerjoin(Enrolment, Enrolment.id == QuizPolicyOverride.enrolment_id)
        .where(
            QuizPolicyOverride.quiz_id == quiz_id,
            sa.or_(
                QuizPolicyOverride.cohort_id.in_(cohort_ids), Enrolment.cohort_id.in_(cohort_ids)
            ),
        )
    )


def quiz_policy_overrides(viewer: User, course_id: int, quiz_id: int) -> list[QuizPolicyOverride]:
    """The quiz's overrides the viewer may change, with cohort and learner: cohorts' first."""
    return list(
        db.session.scalars(
            policy_overrides(viewer, course_id, quiz_id)
            .options(
                joinedload(QuizPolicyOverride.cohort),
                joinedload(QuizPolicyOverride.enrolment).joinedload(Enrolment.user),
            )
            .order_by(QuizPolicyOverride.cohort_id.is_(None), QuizPolicyOverride.id)
        ).all()
    )


def policy_override_or_404(
    viewer: User, course_id: int, quiz_id: int, override_id: int
) -> QuizPolicyOverride:
    return one_or_404(
        policy_overrides(viewer, course_id, quiz_id).where(QuizPolicyOverride.id == override_id)
    )
