"""Demo learners walked through the course as real ones would (``advance``): lessons marked
done a few minutes apart, quizzes taken and failed first when asked, written assignments
handed in; and their tutors grading the work (``grade_submissions``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn import questions as question_types
from diplolearn.demo.essays import essay_for
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
    # Nothing happens after now: a learner whose pace would take them past today stops there.
    now = utcnow() - dt.timedelta(minutes=5)
    steps = 0
    try:
        for index in range(modules_done + (1 if lessons_more else 0)):
            if last_module_at is not None and index == modules_done - 1:
                when = max(when, last_module_at)  # took their time over the last module
            progress = progress_service.course_progress(enrolment, min(when, now))
            module = progress.modules[index]
            if not module.is_open and module.opens_at is not None and module.opens_at < now:
                when = module.opens_at + dt.timedelta(hours=2)  # came back when it opened
                progress = progress_service.course_progress(enrolment, min(when, now))
                module = progress.modules[index]
            if not module.is_open:
                break
            lessons = module.lessons if index < modules_done else module.lessons[:lessons_more]
            for lesson in lessons:
                when = _step(when, dt.timedelta(minutes=4), now)
                progress = progress_service.mark_lesson_done(enrolment, progress, lesson, when)
                progress = progress_service.course_progress(enrolment, when)
                steps += 1
            if index < modules_done:
                for quiz in progress.modules[index].quizzes:
                    for right in [False] * failures + [True]:
                        when = _step(when, dt.timedelta(minutes=6), now)
                        attempt = quizzes.start_attempt(
                            enrolment, quiz, enrolment.user.reading_language or "en", when
                        )
                        quizzes.submit(
                            attempt, _answers(attempt, right, enrolment.user.email), when
                        )
                        if grader is not None and quizzes.is_awaiting_grading(attempt):
                            _grade_essays(attempt, grader, min(when + dt.timedelta(days=1), now))
                        steps += 1
                for task in (
                    progress_service.course_progress(enrolment, when).modules[index].assignments
                ):
                    when = _step(when, dt.timedelta(minutes=40), now)
                    progress = progress_service.course_progress(enrolment, when)
                    submission = assignment_service.save(
                        enrolment,
                        progress,
                        task,
                        body=essay_for(task, enrolment),
                        submit=True,
                        now=when,
                    )
                    if grader is not None:
                        _grade_submission(submission, grader, min(when + dt.timedelta(days=1), now))
                    steps += 1
            when += dt.timedelta(days=6)
    except _Today:
        pass
    db.session.flush()
    # As the quiz page does after a submission: a learner who met every rule completes.
    progress_service.update_completion([enrolment.id], min(when, now))
    return steps


class _Today(Exception):
    """The learner's next step would fall after today: they stop where they are."""


def _step(when: dt.datetime, gap: dt.timedelta, now: dt.datetime) -> dt.datetime:
    if when + gap > now:
        raise _Today
    return when + gap


# A short memo, the answer to a quiz's written question (the graded essays: essays.py).
_ESSAY = {
    "ar": "تبيّن تجارب الوزارات المدروسة أن الدبلوماسية الرقمية لا تغني عن العمل الدبلوماسي "
    "التقليدي بل تكمله، وأن نجاحها رهن بتدريب الدبلوماسيين وبوضوح الرسالة الموجهة "
    "إلى الجمهور الأجنبي وبقدرة السفارة على الإصغاء إلى ما يقال عنها.",
    "en": "The ministries we studied show that digital diplomacy complements rather than "
    "replaces traditional diplomatic work, and that it succeeds when diplomats are "
    "trained, when the message to foreign publics is clear, and when an embassy listens "
    "to what is said about it as carefully as it speaks.",
}


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


def _chance(*parts) -> float:
    """A number in [0, 1) fixed by its parts: the demo is the same on every run."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _answers(attempt, right: bool, who: str = "") -> MultiDict:
    """The attempt form as a learner would post it. Each learner has an ability and each
    question an ease (both fixed by a hash), so that item statistics look like a real class's:
    easy questions are mostly right, hard ones split the able from the rest. ``right``: the
    attempt must pass (the questions missed are at most what the pass mark allows); otherwise
    it must fail (below the pass mark)."""
    ability = 0.55 + 0.4 * _chance("ability", who)
    plan = []
    for aq in attempt.questions:
        question = aq.question_revision
        kind = question_types.get(question.kind)
        ease = 0.3 * _chance("ease", question.question_id) - 0.15
        draw = _chance("answer", who, question.question_id, attempt.number)
        plan.append(
            [
                aq,
                kind,
                Decimal(question.points or 0),
                draw < ability + ease - (0 if right else 0.45),
            ]
        )
    total = sum(points for _aq, _kind, points, _ok in plan) or Decimal(1)
    mark = Decimal(attempt.pass_mark or 0)

    def percent() -> Decimal:
        won = sum(points for _aq, kind, points, ok in plan if ok or kind.manual)
        return won * 100 / total

    # Nudge the draw to the outcome the story needs: the easiest misses become right (to pass)
    # or the hardest hits become wrong (to fail).
    order = sorted(plan, key=lambda row: _chance("ease", row[0].question_revision.question_id))
    for row in reversed(order) if right else order:
        if (percent() >= mark) if right else (percent() < mark):
            break
        if not row[1].manual:
            row[3] = right
    data = MultiDict()
    for aq, kind, _points, ok in plan:
        question = aq.question_revision
        tokens = quizzes.tokens_for(attempt.id, aq)
        if kind.manual:
            values = [_ESSAY.get(attempt.language, _ESSAY["en"])]
        elif ok:
            values = kind.model_answer(question, tokens)
        else:
            values = kind.wrong_answer(question, tokens)
        if values:
            data.setlist(quizzes.field_name(aq), values)
    return data
