"""Recording what a learner does: time on task, lessons marked done, courses completed.

See the package docstring for the time-on-task rule. Functions flush and never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from diplolearn.extensions import db
from diplolearn.models import Enrolment, EnrolmentState, LessonProgress, utcnow
from diplolearn.services import page_versions
from diplolearn.services.certificates import certificates
from diplolearn.services.errors import ModuleLocked, NotStudying, OnWaitingList
from diplolearn.services.outbound import records as learning_records
from diplolearn.services.outbound import webhooks
from diplolearn.services.progress import summary
from diplolearn.services.progress.compute import evaluate, progress_for
from diplolearn.services.progress.states import LessonState, ModuleState, Progress, QuizState

IDLE_CAP = dt.timedelta(minutes=5)
STUDYING = frozenset({EnrolmentState.INVITED, EnrolmentState.ACTIVE, EnrolmentState.COMPLETED})


def ensure_studying(enrolment: Enrolment) -> None:
    if enrolment.state == EnrolmentState.WAITLISTED:
        raise OnWaitingList()  # a NotStudying that says why
    if enrolment.state not in STUDYING:
        raise NotStudying()


def ensure_open(progress: Progress, item: LessonState | QuizState) -> ModuleState:
    module = progress.module_of(item)
    if not module.is_open:
        raise ModuleLocked()
    return module


def credited_seconds(previous: dt.datetime | None, now: dt.datetime) -> int:
    if previous is None:
        return 0
    return int(min(max((now - previous).total_seconds(), 0), IDLE_CAP.total_seconds()))


def touch(enrolment_id: int, previous: dt.datetime | None, now: dt.datetime) -> bool:
    """Move the enrolment's activity clock to ``now``; True when this call claimed the gap
    since ``previous`` (a concurrent request that moved it first gets False)."""
    same = (
        Enrolment.last_activity_at.is_(None)
        if previous is None
        else Enrolment.last_activity_at == previous
    )
    claimed = (
        db.session.execute(
            sa.update(Enrolment)
            .where(Enrolment.id == enrolment_id, same)
            .values(last_activity_at=now)
            .execution_options(synchronize_session=False, page_scopes=_own_pages(enrolment_id))
        ).rowcount
        == 1
    )
    if claimed:
        start_studying(enrolment_id, now)
    else:
        note_activity(enrolment_id, now)
    return claimed


def _own_pages(enrolment_id: int) -> list:
    """The activity clock shows on the learner's own pages (and staff pages, never kept): only
    their page version moves (services/page_versions.py finds them from the enrolment), and
    no read of the enrolment's owner is made under the write lock."""
    return [("enrolment", enrolment_id)]


# Built once: it runs under the write lock on every answer save.
_NOTE_ACTIVITY = (
    sa.update(Enrolment)
    .where(
        Enrolment.id == sa.bindparam("enrolment_id"),
        sa.or_(
            Enrolment.last_activity_at.is_(None),
            Enrolment.last_activity_at < sa.bindparam("now"),
        ),
    )
    .values(last_activity_at=sa.bindparam("now"))
    .execution_options(synchronize_session=False)
)


def note_activity(enrolment_id: int, now: dt.datetime) -> None:
    """A learning action without lesson time (a quiz attempt started, saved or submitted, an
    assignment saved or handed in, a post in the discussion): move the activity clock to
    ``now`` (never back) and start the studies of an invited enrolment."""
    page_versions.execute_noted(
        db.session(),
        _NOTE_ACTIVITY,
        {"enrolment_id": enrolment_id, "now": now},
        _own_pages(enrolment_id),
    )
    # An enrolment this request read as past "invited" (it never goes back) needs no second
    # statement under the write lock (the answer save, issue 16).
    loaded = db.session.identity_map.get(db.session.identity_key(Enrolment, enrolment_id))
    if loaded is None or "state" not in loaded.__dict__ or loaded.state == EnrolmentState.INVITED:
        start_studying(enrolment_id, now)


ACTIVATED = ("state", "state_changed_at", "activated_at")


def start_studying(enrolment_id: int, now: dt.datetime) -> bool:
    """invited -> active on the first learning activity, whatever it is: the one place that
    does it, reached through ``note_activity`` and ``touch``, which every learning action
    calls (``quizzes.start_attempt``, which moves the clock itself, calls it directly). A
    conditional update (no read needed); True when it activated the enrolment."""
    activated = (
        db.session.execute(
            sa.update(Enrolment)
            .where(Enrolment.id == enrolment_id, Enrolment.state == EnrolmentState.INVITED)
            .values(
                state=EnrolmentState.ACTIVE,
                state_changed_at=now,
                activated_at=sa.func.coalesce(Enrolment.activated_at, now),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if activated:  # once per enrolment: a loaded one must not go on saying "invited"
        loaded = db.session.identity_map.get(db.session.identity_key(Enrolment, enrolment_id))
        if loaded is not None:
            db.session.expire(loaded, ACTIVATED)
    return activated


def record_lesson_activity(
    enrolment_id: int,
    lesson_id: int,
    version_id: int,
    previous: dt.datetime | None,
    now: dt.datetime,
    *,
    done: bool = False,
    viewed: bool = False,
) -> int:
    """Credit the gap since ``previous`` (capped) to the lesson, and mark it done if asked.

    Writes only (no reads), so that on SQLite it can run as the first statement of its own
    transaction. Returns the seconds credited. ``viewed``: the caller knows the lesson has a
    record already, so that (time on task aside) the stored progress does not change and is not
    recomputed (the heartbeat, every minute)."""
    if done or not viewed:
        summary.mark_stale(enrolment_ids=[enrolment_id])
    seconds = credited_seconds(previous, now) if touch(enrolment_id, previous, now) else 0
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    stmt = insert(LessonProgress).values(
        enrolment_id=enrolment_id,
        lesson_id=lesson_id,
        course_version_id=version_id,
        first_viewed_at=now,
        last_viewed_at=now,
        time_spent_seconds=seconds,
        completed_at=now if done else None,
    )
    table = LessonProgress.__table__
    changes = {
        "last_viewed_at": stmt.excluded.last_viewed_at,
        "course_version_id": stmt.excluded.course_version_id,
        "time_spent_seconds": table.c.time_spent_seconds + stmt.excluded.time_spent_seconds,
    }
    if done:
        changes["completed_at"] = sa.func.coalesce(table.c.completed_at, stmt.excluded.completed_at)
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["enrolment_id", "lesson_id"], set_=changes)
    )
    return seconds


def mark_lesson_done(
    enrolment: Enrolment, progress: Progress, lesson: LessonState, now: dt.datetime | None = None
) -> Progress:
    """Mark an open lesson done (crediting time on task); complete the course if that was the
    last thing it needed. Returns the progress after the change."""
    now = now or utcnow()
    ensure_studying(enrolment)
    ensure_open(progress, lesson)
    if enrolment.state == EnrolmentState.INVITED:
        enrolment.move_to(EnrolmentState.ACTIVE, when=now)
    record_lesson_activity(
        enrolment.id,
        lesson.node.lesson_id,
        progress.outline.version_id,
        enrolment.last_activity_at,
        now,
        done=True,
    )
    db.session.expire(enrolment, ["last_activity_at"])
    learning_records.lesson_read(enrolment, lesson.node, now)
    lessons, attempts, schedules, _ = progress.records
    row = lessons.get(lesson.node.lesson_id)
    lessons = {
        **lessons,
        lesson.node.lesson_id: _Done(
            (row.completed_at if row is not None else None) or now,
            row.time_spent_seconds if row is not None else 0,
        ),
    }
    after = evaluate(
        enrolment.id,
        progress.outline,
        lessons,
        attempts,
        schedules,
        now,
        rules=progress.rules,
        submissions=progress.submissions,
        annotations=progress.annotations,
        excused=progress.excused,
    )
    complete_if_done(enrolment, after, now)
    return after


@dataclass(frozen=True)
class _Done:
    completed_at: dt.datetime
    time_spent_seconds: int


def complete_if_done(
    enrolment: Enrolment, progress: Progress | None, now: dt.datetime | None = None
) -> bool:
    """Move the enrolment to ``completed`` when the course's completion rules are met, and
    issue its certificate (once: services.certificates.certificates)."""
    if progress is not None:
        learning_records.progress_reached(enrolment, progress, now)
    if progress is None or not progress.complete:
        return False
    if enrolment.state == EnrolmentState.INVITED:
        enrolment.move_to(EnrolmentState.ACTIVE, when=now)
    if enrolment.state != EnrolmentState.ACTIVE:
        return False
    enrolment.move_to(EnrolmentState.COMPLETED, when=now)
    db.session.flush()
    webhooks.enrolment_completed(enrolment)
    certificates.issue_certificate(enrolment, outline=progress.outline, now=now)
    return True


def update_completion(enrolment_ids: list[int], now: dt.datetime | None = None) -> int:
    """Re-check the completion of these enrolments (after grading outside a request)."""
    from sqlalchemy.orm import selectinload

    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.id.in_(set(enrolment_ids)))
        .options(selectinload(Enrolment.cohort))
    ).all()
    progress = progress_for(list(enrolments), now)
    return sum(complete_if_done(e, progress[e.id], now) for e in enrolments)
