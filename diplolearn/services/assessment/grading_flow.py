"""Releasing many held quiz grades at once (issue 20): all or nothing, audited per attempt by
quiz_policy.release_grades, and each learner told (a notification: by mail or in the app, as they chose, in the same
transaction) that their grade can be read."""

from __future__ import annotations

import datetime as dt

from diplolearn.models import QuizAttempt, User, utcnow
from diplolearn.services import audit, notifications, outbox
from diplolearn.services.assessment import NotReleasable, quiz_policy


def release_many(
    actor: User,
    chosen: list[int],
    held: list[QuizAttempt],
    title: dict,
    now: dt.datetime | None = None,
) -> int:
    """Release the grades of the ``chosen`` attempt ids, which must all be among ``held`` (the
    attempts the actor may release, loaded through the grading scope): any other id refuses
    the whole request and nothing is released. Returns how many were released."""
    now = now or utcnow()
    by_id = {attempt.id: attempt for attempt in held}
    wanted = sorted(set(chosen))
    if not wanted or any(attempt_id not in by_id for attempt_id in wanted):
        raise NotReleasable()
    released = quiz_policy.release_grades(actor, wanted, now)
    if released != len(wanted):  # another grader released some meanwhile
        raise NotReleasable()
    quiz_id = by_id[wanted[0]].quiz_id
    audit.record(actor, "quiz.grades_released", quiz_id=quiz_id, count=released)
    for attempt_id in wanted:
        attempt = by_id[attempt_id]
        url = outbox.public_url(
            "learner.show_result", enrolment_id=attempt.enrolment_id, attempt_id=attempt.id
        )
        notifications.notify(
            attempt.enrolment.user,
            notifications.Kind.WORK_RETURNED,
            link=url,
            mail="quiz_grade_released",
            title=title,
            url=url,
        )
    return released
