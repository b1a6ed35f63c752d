"""The outbox and the job command: mail leaves only after commit; timed work runs once."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.extensions import db as _db
from diplolearn.jobs import run_jobs
from diplolearn.models import (
    AttemptState,
    CourseVersion,
    Module,
    ModuleRevision,
    ModuleSchedule,
    OutboxMessage,
    OutboxState,
    Quiz,
    QuizAttempt,
    QuizRevision,
    TokenPurpose,
    utcnow,
)
from diplolearn.services.accounts import accounts
from diplolearn.services.cohorts import organisations
from tests.factories import make_course, make_learner, make_user


def soon() -> dt.datetime:
    """A minute ahead, so that everything a test has queued is already due."""
    return utcnow().replace(microsecond=0) + dt.timedelta(minutes=1)


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(committed):
    with committed.app_context():
        user = make_user("kept@example.org", password=None)
        _db.session.commit()
        accounts.invite(user)
        _db.session.rollback()  # the request failed after queuing the mail
        assert run_jobs(only=["send_mail"])["send_mail"]["sent"] == 0
        accounts.invite(user)
        _db.session.commit()
        assert run_jobs(only=["send_mail"])["send_mail"]["sent"] == 1
        assert [m["To"] for m in committed.extensions["mail_sent"]] == ["kept@example.org"]
        # Running the job again sends nothing twice.
        assert run_jobs(only=["send_mail"])["send_mail"]["sent"] == 0


def test_two_workers_never_send_the_same_message_twice(committed):
    with committed.app_context():
        for n in range(20):
            accounts.invite(make_user(f"w{n}@example.org", password=None))
        _db.session.commit()
    barrier = threading.Barrier(2)

    def worker():
        with committed.app_context():
            barrier.wait()
            run_jobs(only=["send_mail"])
            _db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [m["To"] for m in committed.extensions["mail_sent"]]
    assert len(sent) == 20 and len(set(sent)) == 20


def test_one_invitation_token_used_by_two_racing_submissions_counts_once(committed):
    with committed.app_context():
        user = make_user("race@example.org", password=None)
        raw = accounts.issue_token(user, TokenPurpose.INVITATION)
        _db.session.commit()
    results = []
    barrier = threading.Barrier(2)

    def submit(password):
        with committed.app_context():
            barrier.wait()
            try:
                accounts.accept_invitation(raw, password)
                _db.session.commit()
                results.append("ok")
            except Exception as error:
                _db.session.rollback()
                results.append(type(error).__name__)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=submit, args=(f"password number {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 1, results


def test_failed_delivery_is_retried_with_backoff_then_given_up(app, db, monkeypatch):
    NOW = soon()
    from diplolearn import jobs
    from diplolearn.mail import DeliveryError

    accounts.invite(make_user(password=None))
    db.session.commit()

    def broken(message, reference):
        raise DeliveryError("connection refused")

    monkeypatch.setattr(jobs, "deliver", broken)
    assert jobs.send_due_mail(NOW)["retry"] == 1
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.state == OutboxState.PENDING and message.next_attempt_at > NOW
    assert jobs.send_due_mail(NOW)["retry"] == 0  # not due yet
    later = NOW
    for _ in range(app.config["MAIL_MAX_ATTEMPTS"] - 1):
        later += dt.timedelta(hours=1)
        jobs.send_due_mail(later)
    db.session.refresh(message)
    assert message.state == OutboxState.FAILED and "refused" in message.last_error


def test_mail_is_written_in_the_recipients_language(app, db):
    from diplolearn import jobs

    user = make_user("ar@example.org", password=None, language="ar", name_ar="ليلى")
    accounts.invite(user)
    db.session.commit()
    jobs.send_due_mail(utcnow())
    message = app.extensions["mail_sent"][-1]
    assert message["Content-Language"] == "ar"
    assert "ليلى" in message.get_content()
    assert "DiploLearn" in message.get_content()


def _timed_attempt(db, deadline):
    course = make_course()
    _, enrolment = make_learner(organisations.default_cohort(course))
    version = CourseVersion(course_id=course.id, number=1)
    quiz = Quiz(course_id=course.id, key="quiz")
    db.session.add_all([version, quiz])
    db.session.flush()
    revision = QuizRevision(
        quiz_id=quiz.id,
        course_version_id=version.id,
        title={"en": "Q"},
        pass_mark=Decimal(50),
        time_limit_minutes=10,
    )
    db.session.add(revision)
    db.session.flush()
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        quiz_id=quiz.id,
        quiz_revision_id=revision.id,
        number=1,
        language="en",
        pass_mark=Decimal(50),
        started_at=deadline - dt.timedelta(minutes=10),
        deadline_at=deadline,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def test_expired_attempts_are_closed_by_the_job_at_their_deadline_and_graded(db):
    NOW = soon()
    from diplolearn.jobs import expire_attempts

    overdue = _timed_attempt(db, NOW - dt.timedelta(minutes=1))
    running = _timed_attempt(db, NOW + dt.timedelta(minutes=5))
    assert expire_attempts(NOW) == {"expired": 1, "graded": 1}
    db.session.refresh(overdue)
    db.session.refresh(running)
    # Closed at its deadline, then graded at once (in_progress -> expired -> graded).
    assert overdue.state == AttemptState.GRADED and overdue.submitted_at == overdue.deadline_at
    assert overdue.score is not None and overdue.graded_at is not None
    assert running.state == AttemptState.IN_PROGRESS
    assert expire_attempts(NOW) == {"expired": 0, "graded": 0}


def test_modules_are_released_once_and_learners_told(app, db):
    NOW = soon()
    from diplolearn import jobs

    course = make_course()
    version = CourseVersion(course_id=course.id, number=1, state="published")
    module = Module(course_id=course.id, key="week-1")
    db.session.add_all([version, module])
    db.session.flush()
    db.session.add(
        ModuleRevision(
            module_id=module.id,
            course_version_id=version.id,
            position=1,
            title={"en": "Week 1: social media", "ar": "الأسبوع 1"},
        )
    )
    cohort = organisations.create_cohort(course, "run", {"en": "Run"}, timezone="Europe/Zurich")
    cohort.course_version_id = version.id
    make_learner(cohort, email="l1@example.org", timezone="Asia/Amman")
    make_learner(cohort, email="l2@example.org", language="ar")
    db.session.add(
        ModuleSchedule(
            cohort_id=cohort.id,
            module_id=module.id,
            opens_at=NOW - dt.timedelta(hours=1),
            due_at=NOW + dt.timedelta(days=7),
        )
    )
    db.session.commit()
    assert jobs.release_modules(NOW) == {"released": 1, "mails_queued": 2}
    assert jobs.release_modules(NOW) == {"released": 0, "mails_queued": 0}
    jobs.send_due_mail(NOW)
    bodies = {m["To"]: m.get_content() for m in app.extensions["mail_sent"]}
    assert "Week 1: social media" in bodies["l1@example.org"]
    # Deadlines show the reader's zone and the cohort's when they differ.
    assert "Amman" in bodies["l1@example.org"] or "GMT+03:00" in bodies["l1@example.org"]
    assert "الأسبوع 1" in bodies["l2@example.org"] or "Week 1" in bodies["l2@example.org"]


def test_the_release_mail_gives_each_learner_their_own_extended_due_date(app, db, count_queries):
    NOW = soon()
    from diplolearn import jobs
    from diplolearn.models import DueDateExtension

    course = make_course()
    version = CourseVersion(course_id=course.id, number=1, state="published")
    module = Module(course_id=course.id, key="week-1")
    db.session.add_all([version, module])
    db.session.flush()
    db.session.add(
        ModuleRevision(
            module_id=module.id, course_version_id=version.id, position=1, title={"en": "Week 1"}
        )
    )
    cohort = organisations.create_cohort(course, "run", {"en": "Run"}, timezone="UTC")
    cohort.course_version_id = version.id
    due = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)
    learners = [
        make_learner(cohort, email=f"r{n}@example.org", timezone="UTC")[1] for n in range(4)
    ]
    for n, enrolment in enumerate(learners[1:], 1):  # three of four have an extension
        db.session.add(
            DueDateExtension(
                enrolment_id=enrolment.id,
                module_id=module.id,
                due_at=due + dt.timedelta(days=n),
                reason="Mission",
            )
        )
    db.session.add(
        ModuleSchedule(
            cohort_id=cohort.id,
            module_id=module.id,
            opens_at=NOW - dt.timedelta(hours=1),
            due_at=due,
        )
    )
    db.session.commit()
    with count_queries() as counter:
        assert jobs.release_modules(NOW) == {"released": 1, "mails_queued": 4}
    # The extensions are read once for the whole cohort, not once per learner.
    assert sum("due_date_extension" in s for s in counter.statements) == 1
    jobs.send_due_mail(NOW)
    bodies = {m["To"]: m.get_content() for m in app.extensions["mail_sent"]}
    assert "It is due on" in bodies["r0@example.org"] and "10" in bodies["r0@example.org"]
    assert "extension" not in bodies["r0@example.org"]
    for n in (1, 2, 3):
        body = bodies[f"r{n}@example.org"]
        assert "You have an extension" in body and f"{10 + n} March 2031" in body, body
        assert "10 March 2031" not in body


def test_jobs_command_runs_every_job_and_reports(runner):
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert '"send_mail"' in result.output and '"expire_attempts"' in result.output
    assert runner.invoke(args=["jobs", "run", "--only", "nonsense"]).exit_code != 0
