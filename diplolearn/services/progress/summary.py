"""Stored progress (issue 16): ``ModuleProgress`` rows kept current with the records, and the
learner pages' progress read back from them in one query.

Writing. Any change to what progress is computed from — lesson records, quiz attempts,
submissions, excusals, due-date extensions, module schedules, discussion posts, a cohort's rules
or course version, a corrected course version, an enrolment's cohort — is noted when the
session flushes it (``_note_flush``; bulk UPDATE/DELETE statements through ``_note_bulk``, and
the lesson-record upsert of record.py through ``mark_stale``). Just before the transaction
commits (``_refresh_before_commit``), the rows of the enrolments concerned are computed afresh
by ``progress_for`` and replaced, in that same transaction: no service has to remember it, and a
change rolled back leaves the rows as they were. ``rebuild`` does it for all or one cohort
(``flask progress rebuild``).

Reading. ``stored_progress_for`` reads the rows of any number of enrolments, with their course
version's stamp, in one query, and re-applies the completion rules (compute.evaluate) at the
moment of the request to the records the rows carry: the same ``Progress`` as ``progress_for``
(time on task aside: lesson seconds are not stored), without reading lesson records, attempts,
submissions, schedules, excusals or posts. An enrolment whose rows are missing or were computed
for another version or before a correction of it is computed from the records instead (a GET
writes nothing).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict, namedtuple
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    AssignmentDeadline,
    Cohort,
    CourseVersion,
    DueDateExtension,
    Enrolment,
    Excusal,
    ExtensionRequest,
    LateRule,
    LessonProgress,
    ModuleProgress,
    ModuleSchedule,
    QuizAttempt,
    QuizPolicyOverride,
    Submission,
    utcnow,
)
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.progress.compute import (
    _ATTEMPT_COLUMNS,
    _SUBMISSION_COLUMNS,
    _Due,
    evaluate,
    progress_for,
)
from diplolearn.services.progress.states import Progress

STALE = "progress_stale"

# --- the rows of a computed progress --------------------------------------------------------

_Lesson = namedtuple("_Lesson", "completed_at time_spent_seconds")
_Attempt = namedtuple("_Attempt", [c.key for c in _ATTEMPT_COLUMNS])
_Submission = namedtuple("_Submission", [c.key for c in _SUBMISSION_COLUMNS])
_DECIMALS = {"score", "max_score", "pass_mark"}
_INSTANTS = {"deadline_at", "started_at", "submitted_at", "returned_at"}
# The shape of ``detail``: rows of another shape are not read (computed instead) until rebuilt.
FORMAT = 1


def _out(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _instant(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _decode(kind, fields, values):
    return kind(
        *(
            _instant(v) if f in _INSTANTS else Decimal(v) if f in _DECIMALS and v is not None else v
            for f, v in zip(fields, values, strict=True)
        )
    )


def rows_of(
    enrolment: Enrolment, progress: Progress, now: dt.datetime, dated: dict | None = None
) -> list[dict]:
    """The ``ModuleProgress`` values of one enrolment's computed progress, module by module;
    the first module's row also carries ``dated`` (``dated_of``)."""
    schedules = progress.records[2] if progress.records else {}
    rows = []
    for module in progress.modules:
        node = module.node
        required = module.required_items
        done = sum(1 for item in required if item.done or item.excused)
        schedule = schedules.get(node.module_id)
        rows.append(
            {
                "enrolment_id": enrolment.id,
                "module_id": node.module_id,
                "cohort_id": enrolment.cohort_id,
                "course_version_id": progress.outline.version_id,
                "position": node.number,
                "module_key": node.key,
                "required": module.required,
                "status": module.status,
                "is_open": module.is_open,
                "complete": module.complete,
                "content_done": done == len(required) and module.discussion_done,
                "started": module.status == "in_progress"
                or any(s.viewed or s.done for s in module.lessons),
                "items_required": len(required),
                "items_done": done,
                "percent": module.percent,
                "opens_at": getattr(schedule, "opens_at", None),
                "due_at": module.due_at,
                "due_extended": module.due_extended,
                **_scores(module),
                "detail": {
                    "v": FORMAT,
                    "l": [
                        [s.node.lesson_id, _out(s.completed_at)] for s in module.lessons if s.viewed
                    ],
                    "q": [[_out(v) for v in a] for q in module.quizzes for a in q.attempts],
                    "s": [[_out(v) for v in s] for a in module.assignments for s in a.submissions],
                    "x": [[i.node.kind, i.node.key] for i in module.items if i.excused],
                    "n": module.annotations_made,
                },
                "computed_at": now,
            }
        )
    if rows and dated is not None:
        rows[0]["detail"]["d"] = dated
    return rows


# What the learner's dates come from (services.deadlines.dates.Batch), kept with the rows so that
# the dashboard and the quiz page read none of it: the columns the dates use.
_DATED = {
    "r": ("rules", LateRule, ("id", "cohort_id", "item_kind", "item_key", "accept_late",
                               "cutoff_days")),
    "o": ("overrides", QuizPolicyOverride, ("id", "quiz_id", "cohort_id", "enrolment_id",
                                             "opens_at", "closes_at", "extra_minutes",
                                             "extra_attempts")),
    "e": ("requests", ExtensionRequest, ("id", "enrolment_id", "module_id", "item_kind",
                                          "item_key", "state", "created_at", "wanted_due_at",
                                          "decided_at", "granted_due_at")),
}  # fmt: skip
_DATED_ROWS = {code: namedtuple(f"_{name}", fields) for code, (name, _m, fields) in _DATED.items()}


def _pack(obj, fields) -> list:
    return [_out(getattr(obj, f)) for f in fields]


def _unpack(kind, values):
    return kind(
        *(
            _instant(v) if f.endswith("_at") else v
            for f, v in zip(kind._fields, values, strict=True)
        )
    )


def dated_of(enrolment: Enrolment, batch) -> dict:
    """One enrolment's share of a ``Batch`` (cohort due dates of written assignments, late
    rules, quiz policy overrides, extension requests), for its stored rows."""
    fields = {code: spec[2] for code, spec in _DATED.items()}
    return {
        "a": [[a, _out(due)] for a, due in batch.deadlines.get(enrolment.cohort_id, {}).items()],
        "r": [_pack(r, fields["r"]) for r in batch.rules.get(enrolment.cohort_id, {}).values()],
        "o": [
            _pack(o, fields["o"])
            for found in batch.overrides.values()
            for o in found
            if o.cohort_id == enrolment.cohort_id or o.enrolment_id == enrolment.id
        ],
        "e": [
            _pack(r, fields["e"])
            for found in batch.requests.get(enrolment.id, {}).values()
            for r in found
        ],
    }


def unpack_dated(dated: dict) -> dict:
    """The stored share of a ``Batch`` as the batch holds it (see dates.Batch.stored)."""
    return {
        "deadlines": {a: _instant(due) for a, due in dated["a"]},
        "rules": [_unpack(_DATED_ROWS["r"], v) for v in dated["r"]],
        "overrides": [_unpack(_DATED_ROWS["o"], v) for v in dated["o"]],
        "requests": [_unpack(_DATED_ROWS["e"], v) for v in dated["e"]],
    }


_SCORE, _SUM = Decimal("0.001"), Decimal("0.0001")


def _scores(module) -> dict:
    """The staff pages' scores of a module (services.cohorts.tracking.module_score and
    services.ministries.report_scores.enrolment_score, by module)."""
    from diplolearn.services.ministries.report_scores import assignment_percent

    quizzes = [q.percent for q in module.quizzes if q.percent is not None]
    graded = quizzes + [p for a in module.assignments if (p := assignment_percent(a)) is not None]
    return {
        "score": (sum(quizzes) / len(quizzes)).quantize(_SCORE) if quizzes else None,
        "graded_items": len(graded),
        "graded_sum": Decimal(sum(graded)).quantize(_SUM),
    }


# --- reading ----------------------------------------------------------------------------------

ROW_COLUMNS = (
    ModuleProgress.enrolment_id,
    ModuleProgress.module_id,
    ModuleProgress.course_version_id,
    ModuleProgress.opens_at,
    ModuleProgress.due_at,
    ModuleProgress.due_extended,
    ModuleProgress.detail,
    ModuleProgress.computed_at,
    CourseVersion.state,
    CourseVersion.created_at,
    CourseVersion.published_at,
    CourseVersion.corrected_at,
)
_READ = (
    sa.select(*ROW_COLUMNS)
    .join(CourseVersion, CourseVersion.id == ModuleProgress.course_version_id)
    .where(ModuleProgress.enrolment_id.in_(sa.bindparam("ids", expanding=True)))
)


def stored_progress_for(
    enrolments: list[Enrolment], now: dt.datetime | None = None, rows: list | None = None
) -> dict[int, Progress | None]:
    """As ``progress_for``, from the stored rows: one query (the rows, with their version's
    stamp) while the outlines are cached, none when the caller read ``rows`` (of ``ROW_COLUMNS``,
    for all these enrolments) with its own; enrolments without valid rows are computed."""
    now = now or utcnow()
    studying = [e for e in enrolments if e.cohort.course_version_id is not None]
    result: dict[int, Progress | None] = {e.id: None for e in enrolments}
    if not studying:
        return result
    by_enrolment: dict[int, list] = defaultdict(list)
    stamps: dict[int, tuple] = {}
    if rows is None and summaries_available():
        rows = db.session.execute(_READ, {"ids": [e.id for e in studying]})
    for row in rows or ():
        if row.enrolment_id is not None and row.module_id is not None:
            by_enrolment[row.enrolment_id].append(row)
            stamps[row.course_version_id] = (
                row.state,
                row.created_at,
                row.published_at,
                row.corrected_at,
            )
    versions = {e.cohort.course_version_id for e in studying}
    outlines = load_outlines(versions, stamps if versions <= stamps.keys() else None)
    missing = []
    for e in studying:
        outline = outlines[e.cohort.course_version_id]
        mine = by_enrolment.get(e.id, [])
        if not _valid(mine, outline, stamps.get(outline.version_id)):
            missing.append(e)
            continue
        result[e.id] = _evaluate(e, outline, mine, now)
    if missing:
        result.update(progress_for(missing, now))
    return result


def stored_progress(enrolment: Enrolment, now: dt.datetime | None = None) -> Progress | None:
    return stored_progress_for([enrolment], now)[enrolment.id]


def _valid(rows: list, outline, stamp: tuple | None) -> bool:
    if not rows or any(
        r.course_version_id != outline.version_id or r.detail.get("v") != FORMAT for r in rows
    ):
        return False
    corrected = stamp[3] if stamp else None
    if corrected is not None and any(r.computed_at < corrected for r in rows):
        return False
    return {r.module_id for r in rows} == {m.module_id for m in outline.modules}


def _evaluate(enrolment: Enrolment, outline, rows: list, now: dt.datetime) -> Progress:
    lessons, attempts, schedules = {}, defaultdict(list), {}
    submissions, annotations, excused = defaultdict(list), {}, set()
    attempt_fields, submission_fields = _Attempt._fields, _Submission._fields
    dated = None
    for row in rows:
        detail = row.detail
        if "d" in detail:
            dated = unpack_dated(detail["d"])
        for lesson_id, completed_at in detail["l"]:
            lessons[lesson_id] = _Lesson(_instant(completed_at), 0)
        for values in detail["q"]:
            attempt = _decode(_Attempt, attempt_fields, values)
            attempts[attempt.quiz_id].append(attempt)
        for values in detail["s"]:
            submission = _decode(_Submission, submission_fields, values)
            submissions[submission.assignment_id].append(submission)
        excused.update((kind, key) for kind, key in detail["x"])
        if detail["n"]:
            annotations[row.module_id] = detail["n"]
        if row.opens_at is not None or row.due_at is not None or row.due_extended:
            schedules[row.module_id] = _Due(bool(row.due_extended), row.opens_at, row.due_at)
    progress = evaluate(
        enrolment.id,
        outline,
        lessons,
        dict(attempts),
        schedules,
        now,
        rules=enrolment.cohort.module_rules,
        submissions=dict(submissions),
        annotations=annotations,
        excused=frozenset(excused),
    )
    progress.dated = dated
    return progress


# --- writing ----------------------------------------------------------------------------------

_available: dict[str, bool] = {}
_available_lock = threading.Lock()


def summaries_available(session: Session | None = None) -> bool:
    """Whether this database has the table yet (a database not migrated to it keeps working,
    computing progress as before): asked once per database per process."""
    bind = (session or db.session).get_bind()
    key = str(getattr(bind, "engine", bind).url)
    if key not in _available:
        with _available_lock:
            _available[key] = sa.inspect(bind).has_table(ModuleProgress.__tablename__)
    return _available[key]


def forget_availability() -> None:
    """For tests and the CLI after creating the table."""
    _available.clear()


def _stale(session: Session) -> dict[str, set]:
    return session.info.setdefault(
        STALE, {"enrolments": set(), "cohorts": set(), "versions": set(), "authors": set()}
    )


def mark_stale(
    *,
    enrolment_ids=(),
    cohort_ids=(),
    version_ids=(),
    authors=(),
    session: Session | None = None,
) -> None:
    """Note records changed outside the ORM's unit of work (bulk statements): the rows of
    these enrolments, cohorts' enrolments, versions' cohorts' enrolments and (author, cohort)
    pairs' enrolments are refreshed before the transaction commits."""
    stale = _stale(session or db.session())
    stale["enrolments"].update(enrolment_ids)
    stale["cohorts"].update(cohort_ids)
    stale["versions"].update(version_ids)
    stale["authors"].update(authors)


def refresh(
    enrolment_ids=(), cohort_ids=(), now: dt.datetime | None = None, *, everything: bool = False
) -> int:
    """Recompute and replace the rows of these enrolments and of every enrolment of these
    cohorts (``everything``: of all enrolments). Flushes, never commits. Returns how many
    enrolments were refreshed."""
    from diplolearn.services.deadlines.dates import Batch

    now = now or utcnow()
    query = sa.select(Enrolment).options(selectinload(Enrolment.cohort))
    if not everything:
        enrolment_ids, cohort_ids = set(enrolment_ids), set(cohort_ids)
        if not enrolment_ids and not cohort_ids:
            return 0
        query = query.where(
            sa.or_(Enrolment.id.in_(enrolment_ids), Enrolment.cohort_id.in_(cohort_ids))
        )
    enrolments = list(db.session.scalars(query))
    count = 0
    for start in range(0, len(enrolments), 500):  # bounded memory for a whole ministry
        batch = enrolments[start : start + 500]
        ids = [e.id for e in batch]
        computed = progress_for(batch, now, remember=False)
        studying = [e for e in batch if computed[e.id] is not None]
        dates = Batch(studying)
        rows = [
            row for e in studying for row in rows_of(e, computed[e.id], now, dated_of(e, dates))
        ]
        # Whose pages these rows are on (services/page_versions.py), known here without a read.
        people = {"page_scopes": sorted({("user", e.user_id) for e in batch})}
        db.session.execute(
            sa.delete(ModuleProgress)
            .where(ModuleProgress.enrolment_id.in_(ids))
            .execution_options(synchronize_session=False, **people)
        )
        if rows:
            db.session.execute(sa.insert(ModuleProgress).execution_options(**people), rows)
        count += len(batch)
    # Enrolments deleted in this transaction: their rows go with them.
    if not everything and enrolment_ids:
        gone = set(enrolment_ids) - {e.id for e in enrolments}
        if gone:
            db.session.execute(  # their deletion moved their people's page versions
                sa.delete(ModuleProgress)
                .where(ModuleProgress.enrolment_id.in_(gone))
                .execution_options(synchronize_session=False, page_scopes=())
            )
    return count


def rebuild(cohort_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Recompute the rows of every enrolment (or of one cohort's); flushes, never commits."""
    if cohort_id is None:
        db.session.execute(
            sa.delete(ModuleProgress).execution_options(
                synchronize_session=False, page_scopes=[("site", 0)]
            )
        )
        return refresh(now=now, everything=True)
    return refresh(cohort_ids=[cohort_id], now=now)


def _refresh_pending(session: Session) -> None:
    stale = session.info.pop(STALE, None)
    if not stale or not any(stale.values()):
        return
    if not summaries_available(session):
        return
    cohorts = set(stale["cohorts"])
    if stale["versions"]:
        cohorts.update(
            session.scalars(
                sa.select(Cohort.id).where(Cohort.course_version_id.in_(stale["versions"]))
            )
        )
    enrolments = set(stale["enrolments"])
    if stale["authors"]:
        users = {user for user, _cohort in stale["authors"]}
        pairs = set(stale["authors"])
        enrolments.update(
            row.id
            for row in session.execute(
                sa.select(Enrolment.id, Enrolment.user_id, Enrolment.cohort_id).where(
                    Enrolment.user_id.in_(users)
                )
            )
            if (row.user_id, row.cohort_id) in pairs
        )
    refresh(enrolments, cohorts)
    session.flush()


# --- noting changes -------------------------------------------------------------------------

_BY_ENROLMENT = (
    LessonProgress,
    QuizAttempt,
    Submission,
    Excusal,
    DueDateExtension,
    ExtensionRequest,
)
_BY_COHORT = (ModuleSchedule, AssignmentDeadline, LateRule)
_WATCHED_COLUMNS = {
    Cohort: {"module_rules", "course_version_id"},
    CourseVersion: {"corrected_at"},
    Enrolment: {"cohort_id"},
}


def _changed(obj, names: set) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note(stale: dict, obj, deleted: bool = False) -> None:
    if isinstance(obj, _BY_ENROLMENT):
        stale["enrolments"].add(obj.enrolment_id)
    elif isinstance(obj, _BY_COHORT):
        stale["cohorts"].add(obj.cohort_id)
    elif isinstance(obj, QuizPolicyOverride):
        if obj.enrolment_id is not None:
            stale["enrolments"].add(obj.enrolment_id)
        if obj.cohort_id is not None:
            stale["cohorts"].add(obj.cohort_id)
    elif isinstance(obj, Annotation):
        stale["authors"].add((obj.author_id, obj.cohort_id))
    elif isinstance(obj, Enrolment):
        if deleted or _changed(obj, _WATCHED_COLUMNS[Enrolment]):
            stale["enrolments"].add(obj.id)
    elif not deleted and _changed(obj, _WATCHED_COLUMNS[type(obj)]):
        stale["cohorts" if isinstance(obj, Cohort) else "versions"].add(obj.id)


_WATCHED = (
    *_BY_ENROLMENT,
    *_BY_COHORT,
    QuizPolicyOverride,
    Annotation,
    Enrolment,
    Cohort,
    CourseVersion,
)


def _note_flush(session: Session, _context) -> None:
    """After a flush (new rows have their ids by then): note what changed."""
    stale = None
    for group, deleted in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in group:
            if isinstance(obj, _WATCHED):
                stale = stale if stale is not None else _stale(session)
                _note(stale, obj, deleted)
    if stale is not None:
        stale["enrolments"].discard(None)


# Bulk statements: which rows they touch is read before they run (writes only, never on a GET).
_BULK = {
    LessonProgress.__table__: ("enrolments", LessonProgress.enrolment_id),
    QuizAttempt.__table__: ("enrolments", QuizAttempt.enrolment_id),
    Submission.__table__: ("enrolments", Submission.enrolment_id),
    Excusal.__table__: ("enrolments", Excusal.enrolment_id),
    DueDateExtension.__table__: ("enrolments", DueDateExtension.enrolment_id),
    ExtensionRequest.__table__: ("enrolments", ExtensionRequest.enrolment_id),
    Enrolment.__table__: ("enrolments", Enrolment.id),
    AssignmentDeadline.__table__: ("cohorts", AssignmentDeadline.cohort_id),
    LateRule.__table__: ("cohorts", LateRule.cohort_id),
    QuizPolicyOverride.__table__: (
        "overrides",
        QuizPolicyOverride.enrolment_id,
        QuizPolicyOverride.cohort_id,
    ),
    ModuleSchedule.__table__: ("cohorts", ModuleSchedule.cohort_id),
    Cohort.__table__: ("cohorts", Cohort.id),
    Annotation.__table__: ("authors", Annotation.author_id, Annotation.cohort_id),
}
# Of these tables, only changes to these columns matter (the others': any column).
_BULK_COLUMNS = {
    Cohort.__table__: {"module_rules", "course_version_id"},
    Enrolment.__table__: {"cohort_id"},
}


def sets_something(statement, watched: set | None) -> bool:
    """Whether an UPDATE sets a column that progress depends on to something else than
    itself (the answer save claims its attempt with ``state = state``: no change)."""
    # SQLAlchemy has no public accessor for the SET clause of an UPDATE.
    for column, value in (statement._values or {}).items():
        name = getattr(column, "key", column)
        if watched is not None and name not in watched:
            continue
        if getattr(value, "key", None) == name and getattr(value, "table", None) is not None:
            continue
        return True
    return False


def _note_bulk(execute_state) -> None:
    if not (execute_state.is_update or execute_state.is_delete):
        return
    statement = execute_state.statement
    target = _BULK.get(getattr(statement, "table", None))
    if target is None:
        return
    if execute_state.is_update and not sets_something(
        statement, _BULK_COLUMNS.get(statement.table)
    ):
        return
    if not summaries_available(execute_state.session):
        return
    kind, *columns = target
    query = sa.select(*columns)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    found = execute_state.session.execute(query, execute_state.parameters or {}).all()
    stale = _stale(execute_state.session)
    if kind == "overrides":
        stale["enrolments"].update(row[0] for row in found if row[0] is not None)
        stale["cohorts"].update(row[1] for row in found if row[1] is not None)
        return
    stale[kind].update(tuple(row) if kind == "authors" else row[0] for row in found)


def _refresh_before_commit(session: Session) -> None:
    # The commit flushes after this hook: flush first, so that the changes are noted.
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.get(STALE):
        _refresh_pending(session)


def install() -> None:
    """Listen on every session (once per process)."""
    if sa.event.contains(Session, "before_commit", _refresh_before_commit):
        return
    sa.event.listen(Session, "after_flush", _note_flush)
    sa.event.listen(Session, "do_orm_execute", _note_bulk)
    sa.event.listen(Session, "before_commit", _refresh_before_commit)
    sa.event.listen(Session, "after_rollback", _forget_on_rollback)


def _forget_on_rollback(session: Session) -> None:
    session.info.pop(STALE, None)


install()
