"""Timed work, in one home: ``flask jobs run`` (called by cron, or looped by a worker).

Each job is idempotent and safe to run from several workers at once. ``run_jobs`` is the
jobs' unit of work: it commits after each job, and rolls back a job that fails (the other jobs
still run). A job commits by itself only where it must work in steps: ``send_mail`` commits a
message's claim before delivering it and its outcome after, ``expire_attempts`` takes each
attempt in a transaction of its own, and ``send_invitations`` commits batch by batch. Jobs:

- ``send_mail``: deliver outbox messages that are due (after their transaction committed),
  by the delivery rule of services.outbox: each is handed to the mail server once, with a
  Message-ID of its own that every attempt repeats, and a receipt written as soon as it is
  accepted; a claim older than ten minutes is released only after checking that receipt (a
  message with one is recorded as sent, not sent again). Only a worker dying between the
  hand-over and the receipt sends a message twice, with the same Message-ID;
- ``expire_attempts``: finalise quiz attempts whose server-side deadline has passed;
- ``release_modules``: release modules whose opening time in a cohort's schedule has come, and
  tell the cohort's learners (each with their own due date when they have an extension);
- ``send_invitations``: issue the invitations a roster import left (services.ministries.roster_uploads);
- ``purge_roster_uploads``: forget roster files previewed but never confirmed;
- ``notification_digest``: the daily digest of each person's notifications kept for it
  (services.notifications, once a day per person in their time zone);
- ``discussion_digest``: mail each tutor group's members and tutors the week's posts of
  their own group (once a week per person and group);
- ``send_outbound``: learning records (xAPI) and webhooks, queued beside the facts they
  report, sent to ministries' and the site's endpoints with retries (services.outbound);
- ``issue_certificates``: issue the certificate of any completed enrolment still without one
  (completion issues it at once; this catches enrolments completed before certificates
  existed).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from diplolearn.extensions import db
from diplolearn.i18n import pick_text
from diplolearn.mail import DeliveryError, build_message, deliver
from diplolearn.models import (
    AttemptState,
    Cohort,
    Enrolment,
    EnrolmentState,
    ModuleRevision,
    ModuleSchedule,
    OutboxMessage,
    OutboxState,
    QuizAttempt,
    utcnow,
)
from diplolearn.observability import bind, current_request_id, job_run
from diplolearn.services.cohorts import tracking
from diplolearn.services.notifications import Kind, notify_many, send_daily_digests
from diplolearn.services.outbox import (
    claim,
    due_message_ids,
    mark_not_sent,
    mark_sent,
    message_id_for,
    public_url,
    read_receipt,
    receipt_path,
    remove_receipt,
    write_receipt,
)
from diplolearn.unit_of_work import write_lock


def send_due_mail(now: dt.datetime) -> dict[str, int]:
    """Deliver the due outbox messages, one at a time, following the delivery rule of
    services.outbox.

    Committed in steps, not once by the runner: the claim is committed before the message is
    handed to the mail server (so no other worker sends it too, and no transaction stays open
    while the server is talked to), and each message's outcome is committed as soon as it is
    known. Between the two, the delivery receipt keeps the hand-over on record: a message
    claimed with a receipt (its worker died, or could not record the outcome) is recorded as
    sent, not sent again (``recovered``)."""
    counts = {"sent": 0, "recovered": 0, "retry": 0, "failed": 0}
    for message_id in due_message_ids(now):
        if not claim(message_id, now):
            db.session.rollback()
            continue
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        # Logged with the id of the request (or job run) that queued the message.
        request_id = message.request_id or current_request_id()
        with bind(request_id=request_id, outbox_message_id=message_id):
            outcome = deliver_claimed(message, now)
        if outcome is not None:
            counts[outcome] += 1
    return counts


def deliver_claimed(message: OutboxMessage, now: dt.datetime) -> str | None:
    """Deliver one claimed message (send_due_mail's steps); what became of it: ``sent``,
    ``recovered``, ``retry``, ``failed``, or None when another worker recorded it meanwhile."""
    message_id = message.id
    receipt = receipt_path(message)
    delivered_at = read_receipt(receipt)
    if delivered_at is not None:  # handed over already: record it, never send it again
        mark_sent(message_id, delivered_at)
        db.session.commit()
        remove_receipt(receipt)
        current_app.logger.info("outbox message %s recorded as sent from its receipt", message_id)
        return "recovered"
    message_id_header = message_id_for(message)
    email = build_message(
        message.to_address,
        message.subject,
        message.body_text,
        message.language,
        message_id=message_id_header,
        request_id=message.request_id,
    )
    reference = f"{message.id:08d}-{message.kind}"
    db.session.commit()  # the claim, before delivering (see above)
    try:
        deliver(email, reference=reference)
    except DeliveryError as error:
        outcome = mark_not_sent(message_id, now, str(error), now)
        db.session.commit()  # this message's outcome
        if outcome is None:
            return None
        current_app.logger.warning(
            "outbox message %s not sent (%s): %s", message_id, outcome, error
        )
        return "failed" if outcome == OutboxState.FAILED else "retry"
    record_delivery(message_id, message_id_header, receipt)
    current_app.logger.info("outbox message %s sent (%s)", message_id, message.kind)
    return "sent"


# Pauses (seconds) between the tries to record a delivery the database refused.
RECORD_PAUSES = (0.2, 0.5, 1.0)


def record_delivery(message_id: int, message_id_header: str, receipt: Path) -> None:
    """Record a message the mail server accepted: its receipt first, then sent in the database
    (tried again briefly on an OperationalError such as SQLite's "database is locked"), then
    the receipt removed. When every try fails the error propagates (the job fails and is
    logged) and the receipt stays: once the claim is stale, the message is recorded from it."""
    delivered_at = utcnow()
    try:
        write_receipt(receipt, message_id_header, delivered_at)
    except OSError:
        current_app.logger.exception("no delivery receipt for outbox message %s", message_id)
    for pause in (*RECORD_PAUSES, None):
        try:
            mark_sent(message_id, delivered_at)
            db.session.commit()  # this message's outcome
            break
        except sa.exc.OperationalError:
            db.session.rollback()
            if pause is None:
                raise
            current_app.logger.warning("recording outbox message %s: retrying", message_id)
            time.sleep(pause)
    remove_receipt(receipt)


def expire_attempts(now: dt.datetime) -> dict[str, int]:
    """Expire in-progress attempts past their deadline and grade them at once.

    Answers saved before the deadline are graded, later ones never count (states.ATTEMPT:
    in_progress -> expired -> graded); an enrolment whose course that completes moves to
    completed. Each attempt is taken by a conditional update in a transaction of its own, so
    several workers, or a learner submitting at the same moment, finalise it once: this job
    commits attempt by attempt; the runner commits the completions at the end.
    """
    from diplolearn.services import progress
    from diplolearn.services.assessment import quizzes

    overdue = db.session.scalars(
        sa.select(QuizAttempt.id)
        .where(QuizAttempt.state == AttemptState.IN_PROGRESS, QuizAttempt.deadline_at <= now)
        .order_by(QuizAttempt.id)
    ).all()
    db.session.commit()  # end the read: on SQLite each write below must open its transaction
    enrolments: set[int] = set()
    graded = 0
    for attempt_id in overdue:
        attempt = quizzes.expire_and_grade(attempt_id, now)
        if attempt is not None:
            graded += 1
            enrolments.add(attempt.enrolment_id)
        db.session.commit()  # this attempt's own transaction (see above)
    if enrolments:
        progress.update_completion(sorted(enrolments), now)
    return {"expired": graded, "graded": graded}


def release_modules(now: dt.datetime) -> dict[str, int]:
    """Release every scheduled module whose time has come, once, and tell its learners."""
    due = db.session.scalars(
        sa.select(ModuleSchedule)
        .where(ModuleSchedule.released_at.is_(None), ModuleSchedule.opens_at <= now)
        .options(selectinload(ModuleSchedule.cohort).selectinload(Cohort.course))
        .with_for_update(skip_locked=True)
    ).all()
    mails = 0
    for schedule in due:
        schedule.released_at = now
        cohort = schedule.cohort
        revision = db.session.scalar(
            sa.select(ModuleRevision).where(
                ModuleRevision.module_id == schedule.module_id,
                ModuleRevision.course_version_id == cohort.course_version_id,
            )
        )
        learners = db.session.scalars(
            sa.select(Enrolment)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.state.in_([EnrolmentState.ACTIVE, EnrolmentState.INVITED]),
            )
            .options(selectinload(Enrolment.user))
        ).all()
        # A learner's extension replaces the cohort's due date: one query for all of them.
        extended = tracking.extended_due_dates(schedule.module_id, [e.id for e in learners])
        people = []
        for enrolment in learners:
            order = [
                enrolment.user.reading_language or "",
                enrolment.user.interface_language or "",
                *cohort.course.languages,
            ]
            context = {
                "module_title": pick_text(revision.title, order)[0] if revision else "",
                "course_title": pick_text(cohort.course.title, order)[0],
                "due_at": extended.get(enrolment.id, schedule.due_at),
                "due_extended": enrolment.id in extended,
                "cohort_timezone": cohort.timezone,
            }
            people.append((enrolment.user, context))
        # Issue 20: a notice to each learner, mailed by their preference (services.notifications).
        notify_many(people, Kind.MODULE_RELEASED, link=_outline_link(learners))
        mails += len(people)
    return {"released": len(due), "mails_queued": mails}


def _outline_link(enrolments):
    ids = {e.user_id: e.id for e in enrolments}
    return lambda user: public_url("learner.show_outline", enrolment_id=ids[user.id])


def issue_certificates(now: dt.datetime) -> dict[str, int]:
    from diplolearn.services.certificates import certificates

    return {"issued": certificates.issue_missing(now)}


INVITATION_BATCH = 200
INVITATION_BATCHES = 5


def send_invitations(now: dt.datetime) -> dict[str, int]:
    """Invite the people a roster import created (the mails go through the outbox).

    Committed batch by batch, not once by the runner: each batch's rows stay locked only
    until its mails are queued, and the batches done are kept if a later one fails. A run
    does at most ``INVITATION_BATCHES`` batches, so a large import never holds the other jobs
    up (the next run carries on)."""
    from diplolearn.services.ministries.roster_uploads import send_invitation_batch

    invited = 0
    for _ in range(INVITATION_BATCHES):
        taken, sent = send_invitation_batch(INVITATION_BATCH)
        if not taken:
            break
        invited += sent
        db.session.commit()  # this batch (see above)
    return {"invited": invited}


def purge_roster_uploads(now: dt.datetime) -> dict[str, int]:
    """Forget roster files that were previewed but never confirmed, after a day."""
    from diplolearn.services.ministries.roster_uploads import purge_stale_uploads

    return {"purged": purge_stale_uploads(now - dt.timedelta(days=1))}


# Release first, and invite, so that their mail goes out in the same run.
def send_discussion_digests(now: dt.datetime) -> dict[str, int]:
    """Each tutor group's week of discussion, mailed to its members and tutors
    (services.discussion.notifications.send_weekly_digests: at most once a week per person and
    group)."""
    from diplolearn.services.discussion.notifications import send_weekly_digests

    return send_weekly_digests(now)


def send_outbound(now: dt.datetime) -> dict[str, int]:
    """Learning records to learning record stores and webhooks to ministries' endpoints, by
    the mail outbox's rule (services.outbound.sending): committed in steps, each claim before
    its call to the far end (so no transaction stays open while it answers) and each outcome
    as soon as it is known; retried with back-off."""
    from diplolearn.services.outbound import sending

    counts = {"sent": 0, "retry": 0, "failed": 0, "postponed": 0}
    failing: set[str] = set()  # destinations that failed in this run: not called again now
    for delivery_id, destination in sending.due(now):
        if destination in failing:
            counts["postponed"] += 1
            continue
        claimed = sending.claim_delivery(delivery_id, now)
        if claimed is None:
            db.session.rollback()
            continue
        db.session.commit()  # the claim, before calling the far end
        outcome = sending.deliver(claimed, now)
        db.session.commit()  # this delivery's outcome
        if outcome is not None:
            counts[outcome] += 1
        if outcome == "retry":  # the far end is down or refusing for now
            failing.add(destination)
    return counts


JOBS: dict[str, Callable[[dt.datetime], dict[str, int]]] = {
    "release_modules": release_modules,
    "send_invitations": send_invitations,
    "purge_roster_uploads": purge_roster_uploads,
    "expire_attempts": expire_attempts,
    "issue_certificates": issue_certificates,
    "discussion_digest": send_discussion_digests,
    "notification_digest": send_daily_digests,  # issue 20: once a day per person
    "send_mail": send_due_mail,
    "send_outbound": send_outbound,
}


def run_jobs(now: dt.datetime | None = None, only: list[str] | None = None) -> dict[str, dict]:
    """Run the jobs in order, each as a unit of work: committed when it returns, rolled back
    (and logged) when it fails, so one failing job never stops the others. Each job's run has
    an id of its own in the logs (observability.job_run), and its duration and failures are
    counted for /metrics."""
    now = now or utcnow()
    results = {}
    for name, job in JOBS.items():
        if only and name not in only:
            continue
        with job_run(name) as run:  # its own id in the logs, its duration and failure counted
            try:
                with write_lock():  # on SQLite, each transaction of a job takes the write lock
                    results[name] = job(now)
                    db.session.commit()
            except Exception:
                db.session.rollback()
                current_app.logger.exception("job %s failed", name)
                results[name] = {"error": 1}
                run.failed = True
    return results
