"""Completion percentage and score of a chunk of enrolments for the ministry's reports, added up
in SQL from the stored module summaries (``ModuleProgress``, issue 16) in one query
(``totals_for``), or in the query that reads the rows themselves (``stored_sums``, joined by
the staff CSV's: reports.export_query), so the staff CSV streams at tens of thousands of rows
a second.

Both figures follow services.progress without time entering them: the percentage is the
required items done (or excused) over the required items of the required modules
(``Progress.percent``), and the score the mean of the graded percentages, each quiz that counts
and each returned assignment weighing the same (``report_scores.enrolment_score``). An
enrolment whose rows are missing, or were computed for another version or before a correction
of it, or whose course has no required item (its percentage then hangs on completion, which
moves with the clock), is computed from its records instead (``read_standings``): a fixed
number of queries more for the chunk, none once ``flask progress rebuild`` has run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import CourseVersion, ModuleProgress
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.cohorts.standings import by_enrolments, unsettled
from diplolearn.services.ministries.report_scores import enrolment_score, read_standings, two_places


@dataclass(frozen=True, slots=True)
class Totals:
    percent: int
    score: Decimal | None
    stored: bool = False  # added up from valid stored rows (else computed from the records)


_required = ModuleProgress.required.is_(True)
# Built once (a chunk's statement costs no construction per chunk).
_TOTALS = (
    sa.select(
        ModuleProgress.enrolment_id,
        sa.func.count().label("modules"),
        sa.func.min(ModuleProgress.course_version_id).label("first_version"),
        sa.func.max(ModuleProgress.course_version_id).label("last_version"),
        # 1 when every row was computed after the last correction of its version (if any).
        sa.func.min(
            sa.case(
                (
                    sa.or_(
                        CourseVersion.corrected_at.is_(None),
                        ModuleProgress.computed_at >= CourseVersion.corrected_at,
                    ),
                    1,
                ),
                else_=0,
            )
        ).label("fresh"),
        sa.func.sum(sa.case((_required, ModuleProgress.items_required), else_=0)).label(
            "items_required"
        ),
        sa.func.sum(sa.case((_required, ModuleProgress.items_done), else_=0)).label("items_done"),
        sa.func.sum(ModuleProgress.graded_items).label("graded_items"),
        sa.func.sum(ModuleProgress.graded_sum).label("graded_sum"),
    )
    .join(CourseVersion, CourseVersion.id == ModuleProgress.course_version_id)
    .group_by(ModuleProgress.enrolment_id)
)


def score_of(graded_items, graded_sum) -> Decimal | None:
    """The mean graded percentage, two places (None before anything is graded)."""
    if not graded_items:
        return None
    return two_places(Decimal(str(graded_sum)) / int(graded_items))


# The columns of _TOTALS after the enrolment id, as stored_sums names them.
SUMS = (
    "modules",
    "first_version",
    "last_version",
    "fresh",
    "items_required",
    "items_done",
    "graded_items",
    "graded_sum",
)


def stored_sums(enrolment_ids: sa.Select) -> sa.Subquery:
    """The sums of ``_TOTALS`` for the enrolments whose ids ``enrolment_ids`` selects, as a
    subquery to join on its ``enrolment_id`` (its other columns are ``SUMS``, in order)."""
    return _TOTALS.where(ModuleProgress.enrolment_id.in_(enrolment_ids.correlate(None))).subquery(
        "stored_sums"
    )


def totals_for(
    enrolments: dict[int, tuple[int, int | None]], now: dt.datetime | None = None
) -> dict[int, Totals]:
    """Enrolment id -> its Totals, for enrolments given as id -> (cohort id, the course
    version the cohort follows: None before it has one)."""
    studying = [e for e, (_c, v) in enrolments.items() if v is not None]
    sums = (
        db.session.execute(
            by_enrolments(_TOTALS, db.session.get_bind().dialect.name), {"ids": studying}
        ).all()
        if studying
        else ()
    )
    return settle(enrolments, sums, now)


def settle(
    enrolments: dict[int, tuple[int, int | None]],
    sums,
    now: dt.datetime | None = None,
    outlines: dict | None = None,
) -> dict[int, Totals]:
    """Enrolment id -> its Totals, for enrolments given as in ``totals_for``, from their
    stored sums (rows of the enrolment id then ``SUMS``, as ``_TOTALS`` selects them; none
    for an enrolment without stored rows): those that are valid give the Totals, the others
    are computed from the records (``read_standings``). ``outlines`` (version id -> outline)
    holds those read for earlier chunks of the same export: only the others are read, and
    added to it."""
    found: dict[int, Totals] = {}
    studying = {e: v for e, (_c, v) in enrolments.items() if v is not None}
    nothing = Totals(0, None)
    for e in enrolments.keys() - studying.keys():
        found[e] = nothing
    if not studying:
        return found
    stale = unsettled([(e, c) for e, (c, v) in enrolments.items() if v is not None])
    if outlines is None:
        outlines = load_outlines(set(studying.values()))
    else:
        new = set(studying.values()) - outlines.keys()
        if new:
            outlines.update(load_outlines(new))
    sizes = {v: (len(o.modules), o.version_id) for v, o in outlines.items()}
    scores: dict[tuple, Decimal | None] = {}  # a few grades recur across thousands of rows
    for (
        enrolment_id,
        modules,
        first_version,
        last_version,
        fresh,
        items_required,
        items_done,
        graded_items,
        graded_sum,
    ) in sums:
        size, version = sizes[studying[enrolment_id]]
        if (
            modules == size
            and first_version == last_version == version
            and fresh
            and items_required
            and enrolment_id not in stale
        ):
            graded = (graded_items, graded_sum)
            score = scores.get(graded, scores)
            if score is scores:
                score = scores[graded] = score_of(graded_items, graded_sum)
            found[enrolment_id] = Totals(100 * int(items_done) // int(items_required), score, True)
    missing = [e for e in studying if e not in found]
    if missing:
        standings = read_standings(missing, now)
        for e in missing:
            standing = standings.get(e)
            found[e] = Totals(
                standing.percent if standing is not None else 0, enrolment_score(standing)
            )
    return found
