"""Where many learners stand, module by module, for the staff pages (issue 16): the progress
grid and the at-risk list of a cohort of a thousand learners read the stored summaries
(``ModuleProgress``, kept current by services.progress.summary) as plain columns in one query,
instead of re-applying the completion rules to every learner's records.

Two facts move with the clock alone and are settled here at the moment of the request, as
``services.progress.compute.evaluate`` does: a module the cohort's schedule kept closed opens at
``opens_at`` (and with it, the modules waiting for it as a prerequisite may complete), and a
module is overdue once ``due_at`` has passed while it is not complete. The database compares
the dates with the moment (``opened``, ``due_passed``), so a grid of 12,000 cells parses no
date; everything else is the rows' (``content_done``, ``started``, ``score``...). The rows are
read on the session's connection, as plain tuples: the ORM adds nothing to columns but time.

``standings_for`` and ``cohort_standings`` give each learner's modules; ``cohort_summaries``,
for the pages that show a whole cohort, reads only what a module's status and score rest on
and settles each pattern of learners who stand alike once (a cohort of 1,000 has a few dozen).

An enrolment whose rows are missing, or were computed for another version of the course or
before a correction of it, or changed in the current transaction, is computed from its
records (``progress_for``) in the same fixed number of queries, so the pages are right before
``flask progress rebuild`` has run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import set_committed_value

from diplolearn.extensions import db
from diplolearn.models import Cohort, CourseVersion, Enrolment, ModuleProgress
from diplolearn.services.catalogue.outline import ModuleNode, load_outlines
from diplolearn.services.progress.compute import progress_for
from diplolearn.services.progress.states import ModuleState

T = TypeVar("T")


@dataclass(eq=False, slots=True)
class ModuleStanding:
    """One learner's module as a staff page shows it: what ``ModuleState`` says of it (node,
    rules in force, open, complete, overdue, status; the dates and grades when asked for)
    without the item records."""

    node: ModuleNode
    required: bool
    prerequisites: list[str]
    content_done: bool
    started: bool
    items_required: int
    items_done: int
    opened: bool  # no scheduled opening, or it has passed
    due_passed: bool  # a due date, and it has passed
    due_extended: bool
    score: Decimal | None  # the module's mean counted quiz percentage (tracking.module_score)
    # With ``dates``: the cohort's opening and the learner's due date. With ``grades``: the
    # quizzes that count and returned assignments, and the sum of their percentages
    # (services.ministries.report_scores.enrolment_score).
    opens_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    graded_items: int = 0
    graded_sum: Decimal = Decimal(0)
    is_open: bool = False
    complete: bool = False
    overdue: bool = False

    @property
    def status(self) -> str:
        if not self.is_open:
            return "locked"
        if self.complete:
            return "complete"
        return "in_progress" if self.started else "open"

    @property
    def percent(self) -> int:
        if not self.items_required:
            return 100 if self.complete else 0
        return int(100 * self.items_done / self.items_required)


def module_score(module: ModuleState | ModuleStanding) -> Decimal | None:
    """The mean of the module's counted quiz percentages; None when no quiz counts yet."""
    if isinstance(module, ModuleStanding):
        return module.score
    percents = [quiz.percent for quiz in module.quizzes if quiz.percent is not None]
    if not percents:
        return None
    return sum(percents) / len(percents)


_mp, _cv = ModuleProgress.__table__.c, CourseVersion.__table__.c
_NOW = sa.bindparam("now", type_=ModuleProgress.__table__.c.due_at.type)


def _flag(expression, name: str):
    """A true/false column read as the driver gives it (1/0 on SQLite, a bool on PostgreSQL):
    SQLAlchemy's Boolean conversion, in Python, doubled the time to read a 12,000-cell grid."""
    return sa.type_coerce(expression, sa.Integer).label(name)


_BASE = (
    _mp.enrolment_id,
    _mp.module_id,
    _mp.course_version_id,
    # Computed after the last correction of its version (if any): else computed afresh.
    _flag(sa.or_(_cv.corrected_at.is_(None), _mp.computed_at >= _cv.corrected_at), "fresh"),
    _flag(_mp.content_done, "content_done"),
    _flag(_mp.started, "started"),
    _mp.items_required,
    _mp.items_done,
    _flag(sa.or_(_mp.opens_at.is_(None), _mp.opens_at <= _NOW), "opened"),
    _flag(sa.and_(_mp.due_at.is_not(None), _mp.due_at <= _NOW), "due_passed"),
    _flag(_mp.due_extended, "due_extended"),
    _mp.score,
)


@cache
def by_enrolments(statement: sa.Select, dialect: str) -> sa.Select:
    """``statement`` narrowed to the module rows of the enrolments in the ``ids`` parameter:
    ``IN`` a list, or on PostgreSQL ``= ANY`` one array (binding and planning a thousand
    parameters cost more than reading the rows). Built once per statement and dialect."""
    if dialect == "postgresql":
        ids = sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer)))
        return statement.where(_mp.enrolment_id == ids)
    return statement.where(_mp.enrolment_id.in_(sa.bindparam("ids", expanding=True)))


def _read(*extra) -> sa.Select:
    return sa.select(*_BASE, *extra).join_from(
        ModuleProgress.__table__, CourseVersion.__table__, _cv.id == _mp.course_version_id
    )


# Built once: the statement of a 1,000-learner grid costs no construction per request.
_READS = {
    (False, False): _read(),
    (True, False): _read(_mp.opens_at, _mp.due_at),
    (False, True): _read(_mp.graded_items, _mp.graded_sum),
    (True, True): _read(_mp.opens_at, _mp.due_at, _mp.graded_items, _mp.graded_sum),
}


_COMPLETE = sa.select(
    _mp.module_id,
    sa.func.sum(
        sa.case(
            (
                sa.and_(
                    _mp.content_done.is_(True),
                    sa.or_(_mp.opens_at.is_(None), _mp.opens_at <= _NOW),
                ),
                1,
            ),
            else_=0,
        )
    ),
).group_by(_mp.module_id)


def has_prerequisites(cohort: Cohort, outline) -> bool:
    """Whether a module of the cohort waits for another (the course's rule or the cohort's)."""
    return any(prerequisites for _node, _required, prerequisites in _plan(cohort, outline)[1])


def completed_modules(enrolment_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """Module id -> how many of these enrolments have it complete at ``now``, counted in SQL:
    for enrolments whose rows are valid (``report_totals`` checks) in a cohort where no module
    waits for another (``has_prerequisites``), complete is "everything done and open", and a
    module without prerequisites is open once its scheduled opening has passed."""
    if not enrolment_ids:
        return {}
    statement = by_enrolments(_COMPLETE, db.session.get_bind().dialect.name)
    return dict(db.session.execute(statement, {"ids": list(enrolment_ids), "now": now}).all())


def settle(modules: list[ModuleStanding]) -> list[ModuleStanding]:
    """Open, complete and overdue, by the rules of ``compute.evaluate``: a module opens when
    its prerequisites are complete and its opening (if any) has passed."""
    if not any(m.prerequisites for m in modules):
        for m in modules:
            m.is_open = bool(m.opened)
            m.complete = bool(m.opened and m.content_done)
            m.overdue = bool(m.due_passed) and not m.complete
        return modules
    by_key = {m.node.key: m for m in modules}
    done: dict[str, bool] = {}

    def complete(key: str, path: frozenset) -> bool:
        if key in done:
            return done[key]
        if key in path:  # a prerequisite cycle never opens
            return False
        module = by_key[key]
        waiting = any(not complete(k, path | {key}) for k in module.prerequisites if k in by_key)
        module.is_open = not waiting and bool(module.opened)
        module.complete = module.is_open and bool(module.content_done)
        module.overdue = bool(module.due_passed) and not module.complete
        done[key] = module.complete
        return module.complete

    for key in by_key:
        complete(key, frozenset())
    return modules


def standings_for(
    enrolments: list[Enrolment], now: dt.datetime, *, dates: bool = False, grades: bool = False
) -> dict[int, list[ModuleStanding | ModuleState] | None]:
    """Each enrolment's modules in course order (None when its cohort follows no version): one
    query for the stored rows of them all while the outlines are cached, plus
    ``progress_for``'s few for those without valid rows. The enrolments' cohorts must be
    loaded already."""
    result = _standings([(e.id, e.cohort) for e in enrolments], now, dates, grades)
    missing = [e for e in enrolments if result[e.id] is _MISSING]
    if missing:
        for enrolment_id, standing in progress_for(missing, now).items():
            result[enrolment_id] = standing.modules if standing is not None else None
    return result


def cohort_standings(
    cohort: Cohort, enrolment_ids: list[int], now: dt.datetime, **wanted
) -> dict[int, list[ModuleStanding | ModuleState] | None]:
    """As ``standings_for``, for enrolments of one cohort given by id (the enrolments are
    loaded only for those computed from their records)."""
    result = _standings([(e, cohort) for e in enrolment_ids], now, **wanted)
    missing = [e for e, found in result.items() if found is _MISSING]
    if missing:
        enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(missing)))
        found = []
        for enrolment in enrolments:
            set_committed_value(enrolment, "cohort", cohort)
            found.append(enrolment)
        result.update(standings_for(found, now, **wanted))
    return result


_MISSING: list = []  # marks an enrolment without valid rows (compared by identity)


def _bit(expression, value: int):
    return sa.cast(expression, sa.Integer) * sa.literal_column(str(value), sa.Integer)


# The facts a module's status and score rest on, for ``cohort_summaries``: the flags packed in
# one integer (content done 1, started 2, opened 4, due passed 8, valid 16: the cohort's
# version, computed after its last correction) and the score as the driver gives it (converted
# once per pattern), ordered by enrolment, so a 12,000-cell grid is read as 12,000 small tuples.
_FACTS = (
    sa.select(
        _mp.enrolment_id,
        _mp.module_id,
        _bit(_mp.content_done, 1)
        + _bit(_mp.started, 2)
        + _bit(sa.or_(_mp.opens_at.is_(None), _mp.opens_at <= _NOW), 4)
        + _bit(sa.and_(_mp.due_at.is_not(None), _mp.due_at <= _NOW), 8)
        + _bit(
            sa.and_(
                _mp.course_version_id == sa.bindparam("version"),
                sa.or_(_cv.corrected_at.is_(None), _mp.computed_at >= _cv.corrected_at),
            ),
            16,
        ),
        sa.type_coerce(_mp.score, sa.types.NullType()),
    )
    .join_from(ModuleProgress.__table__, CourseVersion.__table__, _cv.id == _mp.course_version_id)
    .order_by(_mp.enrolment_id, _mp.module_id)
)


def cohort_summaries(
    cohort: Cohort, enrolment_ids: list[int], now: dt.datetime, summarise: Callable[[list], T]
) -> dict[int, T | None]:
    """Each enrolment's modules reduced by ``summarise`` (None when the cohort follows no
    version), for the pages that show a whole cohort at once (the grid, the at-risk list).

    One query reads the five facts a module's status and score rest on (opened, content done,
    started, due passed, score); learners whose facts are alike share one settled standing and
    one summary, so a cohort of 1,000 learners over 12 modules settles the few dozen patterns
    it has, not 12,000 modules. ``summarise`` must therefore read only what those facts and the
    cohort's rules decide (status, open, complete, overdue, score, node, required), not the
    dates or item counts. Enrolments without valid rows are computed as ``cohort_standings``
    does."""
    result: dict[int, T | None] = dict.fromkeys(enrolment_ids)
    if cohort.course_version_id is None or not enrolment_ids:
        return result
    outline = load_outlines([cohort.course_version_id])[cohort.course_version_id]
    version, nodes, places = _plan(cohort, outline)
    connection = db.session.connection()
    score = ModuleProgress.__table__.c.score.type.result_processor(connection.dialect, None)
    broken = unsettled([(e, cohort.id) for e in enrolment_ids])
    found = connection.execute(
        by_enrolments(_FACTS, connection.dialect.name),
        {"ids": list(enrolment_ids), "now": now, "version": version},
    )
    # The driver's own tuples, not Row objects: 12,000 rows that outlive a young collection
    # would each count towards a full one (200 ms in a large process) every few requests.
    rows = found.cursor.fetchall()
    found.close()

    def settled(key: tuple) -> T | list:
        """The summary of a pattern of (module id, flags, score), or _MISSING when the rows
        are not all there and valid."""
        modules: list = [None] * len(nodes)
        for module_id, flags, value in key:
            place = places.get(module_id)
            if place is None or not flags & 16:
                return _MISSING
            node, required, prerequisites = nodes[place]
            modules[place] = ModuleStanding(
                *(node, required, prerequisites, flags & 1, flags & 2, 0, 0, flags & 4),
                *(flags & 8, False, score(value) if score and value is not None else value),
            )
        return _MISSING if None in modules else summarise(settle(modules))

    patterns: dict[tuple, T | list] = {}
    for e, group in groupby(rows, itemgetter(0)):
        key = tuple([row[1:] for row in group])
        summary = patterns.get(key)
        if summary is None:
            summary = patterns[key] = settled(key)
        if summary is not _MISSING and e not in broken:
            result[e] = summary
    missing = [e for e in enrolment_ids if result[e] is None]
    if missing:
        for e, modules in cohort_standings(cohort, missing, now).items():
            result[e] = summarise(modules) if modules is not None else None
    return result


def unsettled(enrolments: list[tuple[int, int]]) -> set[int]:
    """Of (enrolment id, cohort id) pairs, those whose rows this transaction has made stale
    (changed records whose rows are refreshed only before it commits: a service reading the
    grid after changing progress, in one transaction). Empty in a GET, which changes nothing."""
    from diplolearn.services.progress.summary import STALE

    pending = db.session.info.get(STALE)
    if not pending or not any(pending.values()):
        return set()
    if pending["versions"] or pending["authors"]:
        return {e for e, _c in enrolments}
    return {e for e, c in enrolments if e in pending["enrolments"] or c in pending["cohorts"]}


def _plan(cohort: Cohort, outline) -> tuple:
    """A cohort's modules: (version id, [(node, required, prerequisites)], module id -> place),
    with the cohort's overrides of the course's rules."""
    rules, nodes = cohort.module_rules or {}, []
    for node in outline.modules:
        rule = rules.get(node.key) or {}
        nodes.append(
            (
                node,
                bool(rule.get("required", node.required)),
                list(rule.get("prerequisites", node.prerequisites)),
            )
        )
    return outline.version_id, nodes, {n.module_id: i for i, n in enumerate(outline.modules)}


def _standings(
    pairs: list[tuple[int, Cohort]], now: dt.datetime, dates: bool = False, grades: bool = False
) -> dict[int, list | None]:
    result: dict[int, list | None] = {e: None for e, _cohort in pairs}
    studying = {e: c for e, c in pairs if c.course_version_id is not None}
    if not studying:
        return result
    outlines = load_outlines({c.course_version_id for c in studying.values()})
    plans: dict[int, tuple] = {}
    for cohort in studying.values():
        if cohort.id not in plans:
            plans[cohort.id] = _plan(cohort, outlines[cohort.course_version_id])
    found: dict[int, list] = {}
    broken: set[int] = set()
    rows = (
        db.session.connection()
        .execute(
            by_enrolments(_READS[dates, grades], db.session.get_bind().dialect.name),
            {"ids": list(studying), "now": now},
        )
        .all()
    )
    for e, module_id, version_id, fresh, *values in rows:
        version, nodes, places = plans[studying[e].id]
        place = places.get(module_id)
        if place is None or version_id != version or not fresh:
            broken.add(e)
            continue
        modules = found.get(e)
        if modules is None:
            modules = found[e] = [None] * len(nodes)
        node, required, prerequisites = nodes[place]
        if dates and grades:
            *values, opens_at, due_at, graded_items, graded_sum = values
        elif dates:
            *values, opens_at, due_at = values
            graded_items, graded_sum = 0, Decimal(0)
        elif grades:
            *values, graded_items, graded_sum = values
            opens_at = due_at = None
        else:
            opens_at = due_at = None
            graded_items, graded_sum = 0, Decimal(0)
        modules[place] = ModuleStanding(
            node, required, prerequisites, *values, opens_at, due_at, graded_items, graded_sum
        )
    broken |= unsettled([(e, c.id) for e, c in studying.items()])
    for e in studying:
        modules = found.get(e)
        if e in broken or modules is None or None in modules:
            result[e] = _MISSING
        else:
            result[e] = settle(modules)
    return result
