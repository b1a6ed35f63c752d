"""Demo learners walked through the course as real ones would (``advance``): lessons marked
done a few minutes apart, quizzes taken and failed first when asked, written assignments
handed in; and their tutors grading the work (``grade_submissions``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn import questions as question_types
from diplolearn.extensions import db
from diplolearn.models import LessonProgress, ModuleSchedule, Submission, SubmissionState, utcnow
from diplolearn.services import progress as progress_service
from diplolearn.services.assessment import assignments as assignment_service
from diplolearn.services.assessment import quizzes


def advance(
    enrolment,
    modules_done: int,
    lessons_more: int,
    failures: int,
    *,
    grader=None,
    start: dt.datetime | None = None,
    last_module_at: dt.datetime | None = None,
) -> int:
    """Walk a learner through the course as a real one would: lessons marked done a few minutes
    apart, quizzes taken (failing first when asked). Only for a learner with no record yet."""
    if (
        db.session.scalar(
            sa.select(LessonProgress.id).where(LessonProgress.enrolment_id == enrolment.id).limit(1)
        )
        is not None
    ):
        return 0
    when = (start or enrolment.cohort.starts_at) + dt.timedelta(hours=3)
    steps = 0
    for index in range(modules_done + (1 if lessons_more else 0)):
        if last_module_at is not None and index == modules_done - 1:
            when = max(when, last_module_at)  # took their time over the last module
        progress = progress_service.course_progress(enrolment, when)
        module = progress.modules[index]
        if not module.is_open and module.opens_at is not None and module.opens_at < utcnow():
            when = module.opens_at + dt.timedelta(hours=2)  # came back when it opened
            progress = progress_service.course_progress(enrolment, when)
            module = progress.modules[index]
        if not module.is_open:
            break
        lessons = module.lessons if index < modules_done else module.lessons[:lessons_more]
        for lesson in lessons:
            when += dt.timedelta(minutes=4)
            progress = progress_service.mark_lesson_done(enrolment, progress, lesson, when)
            progress = progress_service.course_progress(enrolment, when)
            steps += 1
        if index < modules_done:
            for quiz in progress.modules[index].quizzes:
                for right in [False] * failures + [True]:
                    when += dt.timedelta(minutes=6)
                    attempt = quizzes.start_attempt(
                        enrolment, quiz, enrolment.user.reading_language or "en", when
                    )
                    quizzes.submit(attempt, _answers(attempt, right), when)
                    if grader is not None and quizzes.is_awaiting_grading(attempt):
                        _grade_essays(attempt, grader, when + dt.timedelta(days=1))
                    steps += 1
            for task in (
                progress_service.course_progress(enrolment, when).modules[index].assignments
            ):
                when += dt.timedelta(minutes=40)
                progress = progress_service.course_progress(enrolment, when)
                submission = assignment_service.save(
                    enrolment, progress, task, body=_essay(task, enrolment), submit=True, now=when
                )
                if grader is not None:
                    _grade_submission(submission, grader, when + dt.timedelta(days=1))
                steps += 1
        when += dt.timedelta(days=6)
    db.session.flush()
    # As the quiz page does after a submission: a learner who met every rule completes.
    progress_service.update_completion([enrolment.id], when)
    return steps


# A demo essay: a learner's short memo, repeated to the assignment's minimum length.
_ESSAY = {
    "ar": "تبيّن تجارب الوزارات المدروسة أن الدبلوماسية الرقمية لا تغني عن العمل الدبلوماسي "
    "التقليدي بل تكمله، وأن نجاحها رهن بتدريب الدبلوماسيين وبوضوح الرسالة الموجهة "
    "إلى الجمهور الأجنبي وبقدرة السفارة على الإصغاء إلى ما يقال عنها.",
    "en": "The ministries we studied show that digital diplomacy complements rather than "
    "replaces traditional diplomatic work, and that it succeeds when diplomats are "
    "trained, when the message to foreign publics is clear, and when an embassy listens "
    "to what is said about it as carefully as it speaks.",
}


def _essay(task, enrolment) -> str:
    text = _ESSAY.get(enrolment.user.reading_language or "en", _ESSAY["en"])
    words = len(text.split())
    return "\n\n".join([text] * max(1, -(-(task.node.min_words or words) // words)))


def _grade_essays(attempt, grader, when: dt.datetime) -> None:
    """The tutor grades the essays of a submitted attempt: full marks, one remark."""
    for aq in attempt.questions:
        if question_types.get(aq.question_revision.kind).manual and aq.response is not None:
            quizzes.grade_essay(
                aq.response,
                aq.question_revision.points,
                grader,
                "A sound answer, well grounded in the course.",
                now=when,
            )


def _grade_submission(submission, grader, when: dt.datetime) -> None:
    """A good piece of work: the top level on every criterion but the last."""
    revision = assignment_service.rubric(submission.assignment_revision_id)
    levels = {c.id: max(c.levels, key=lambda level: level.points).id for c in revision.criteria}
    if revision.criteria:
        last = revision.criteria[-1]
        levels[last.id] = sorted(last.levels, key=lambda level: level.points)[-2:][0].id
    assignment_service.grade(
        submission,
        grader,
        levels,
        "Clear and well argued; cite the paper's figures next time.",
        allow_resubmission=False,
        now=when,
    )


def grade_submissions(grader_for_group: dict[int, object], now: dt.datetime) -> int:
    """Tutors grade what was handed in for modules due more than a week ago, leaving the
    latest weeks' submissions in their queues."""
    graded = 0
    for submission in db.session.scalars(
        sa.select(Submission)
        .where(Submission.state == SubmissionState.SUBMITTED)
        .order_by(Submission.id)
    ):
        enrolment = submission.enrolment
        schedule = db.session.scalar(
            sa.select(ModuleSchedule).where(
                ModuleSchedule.cohort_id == enrolment.cohort_id,
                ModuleSchedule.module_id == submission.assignment.module_id,
            )
        )
        grader = grader_for_group.get(enrolment.tutor_group_id)
        if (
            grader is None
            or schedule is None
            or schedule.due_at is None
            or schedule.due_at > now - dt.timedelta(weeks=1)
        ):
            continue
        _grade_submission(
            submission, grader, min(now, submission.submitted_at + dt.timedelta(days=2))
        )
        graded += 1
    return graded


def _answers(attempt, right: bool) -> MultiDict:
    """The attempt form as a learner would post it: every answer right (each question type's
    model answer), or wrong (a wrong choice where there are choices, otherwise left blank)."""
    data = MultiDict()
    for aq in attempt.questions:
        question = aq.question_revision
        tokens = quizzes.tokens_for(attempt.id, aq)
        kind = question_types.get(question.kind)
        if kind.manual:
            values = [_ESSAY.get(attempt.language, _ESSAY["en"])]
        elif right:
            values = kind.model_answer(question, tokens)
        else:
            values = kind.wrong_answer(question, tokens)
        if values:
            data.setlist(quizzes.field_name(aq), values)
    return data
