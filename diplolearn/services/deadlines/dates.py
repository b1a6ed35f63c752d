"""Every dated item of an enrolment, and the rules that date them.

``load_contexts`` reads what the dates of any number of enrolments come from in a fixed
number of queries (their progress, when not given, plus at most four, each read the first time
some enrolment needs it and then for all of them: the cohorts' assignment due dates, the
cohorts' late rules, the quiz policy overrides of the cohorts and learners, and the learners'
extension requests). ``Context`` then answers when each item is due, when it stops taking
work, and what the learner asked for. ``dated_items`` lists them
for the calendar feed and the to-do lists; all instants are aware datetimes in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    AssignmentDeadline,
    Enrolment,
    ExtensionRequest,
    LateRule,
    QuizPolicyOverride,
    utcnow,
)
from diplolearn.services import progress as progress_service
from diplolearn.services.assessment.quiz_policy import Policy, combine
from diplolearn.services.deadlines import UnknownItem
from diplolearn.services.progress import AssignmentState, Progress, QuizState


def cutoff(
    due: dt.datetime | None,
    *,
    late_days: int | None,
    rule: LateRule | None,
    cohort_ends_at: dt.datetime | None,
) -> dt.datetime | None:
    """The last instant work is taken (late after ``due``). ``rule``: the item's or the
    cohort's ``LateRule`` (None: the assignment's own ``late_days``). Never after the cohort's
    end, never before the learner's own due date (an extension may go past the cohort's end);
    None: no cut-off at all."""
    if due is None:
        return cohort_ends_at
    if rule is not None and not rule.accept_late:
        return due
    days = rule.cutoff_days if rule is not None else late_days
    ends = [end for end in (cohort_ends_at,) if end is not None]
    if days is not None:
        ends.append(due + dt.timedelta(days=days))
    if not ends:
        return None
    return max(min(ends), due)


class Batch:
    """What the dates of many enrolments come from, each table read in one query for all of
    them the first time some enrolment needs it (a lesson's next step needs none)."""

    def __init__(self, enrolments: list[Enrolment]):
        self.ids = [e.id for e in enrolments]
        self.cohort_ids = {e.cohort_id for e in enrolments}

    @classmethod
    def stored(cls, enrolments: list[Enrolment], progresses: dict) -> Batch | None:
        """The batch as the stored progress rows carry it (services/progress/summary.py: no
        query); None when some enrolment's progress was not read from them."""
        shares = [(e, progresses[e.id].dated) for e in enrolments]
        if any(share is None for _e, share in shares):
            return None
        batch = cls(enrolments)
        deadlines: dict[int, dict] = defaultdict(dict)
        rules: dict[int, dict] = defaultdict(dict)
        overrides: dict[int, dict] = defaultdict(dict)
        requests: dict[int, dict] = defaultdict(lambda: defaultdict(list))
        for e, share in shares:
            deadlines[e.cohort_id].update(share["deadlines"])
            for rule in share["rules"]:
                rules[rule.cohort_id][(rule.item_kind, rule.item_key)] = rule
            for override in share["overrides"]:
                overrides[override.quiz_id][override.id] = override
            for request in share["requests"]:
                requests[e.id][(request.item_kind, request.item_key)].append(request)
        # cached_property values, set as if read (same shapes as the queries below give).
        batch.__dict__.update(
            deadlines=deadlines,
            rules=rules,
            overrides=defaultdict(list, {q: list(o.values()) for q, o in overrides.items()}),
            requests=requests,
        )
        return batch

    @cached_property
    def deadlines(self) -> dict[int, dict]:
        """cohort id -> assignment id -> the cohort's due date."""
        found: dict[int, dict] = defaultdict(dict)
        for row in db.session.execute(
            sa.select(
                AssignmentDeadline.cohort_id,
                AssignmentDeadline.assignment_id,
                AssignmentDeadline.due_at,
            ).where(AssignmentDeadline.cohort_id.in_(self.cohort_ids))
        ):
            found[row.cohort_id][row.assignment_id] = row.due_at
        return found

    @cached_property
    def rules(self) -> dict[int, dict]:
        """cohort id -> (item kind, item key) -> LateRule."""
        found: dict[int, dict] = defaultdict(dict)
        for rule in db.session.scalars(
            sa.select(LateRule).where(LateRule.cohort_id.in_(self.cohort_ids))
        ):
            found[rule.cohort_id][(rule.item_kind, rule.item_key)] = rule
        return found

    @cached_property
    def overrides(self) -> dict[int, list]:
        """quiz id -> the cohorts' and learners' QuizPolicyOverride rows."""
        found: dict[int, list] = defaultdict(list)
        for override in db.session.scalars(
            sa.select(QuizPolicyOverride).where(
                sa.or_(
                    QuizPolicyOverride.cohort_id.in_(self.cohort_ids),
                    QuizPolicyOverride.enrolment_id.in_(self.ids),
                )
            )
        ):
            found[override.quiz_id].append(override)
        return found

    @cached_property
    def requests(self) -> dict[int, dict]:
        """enrolment id -> (item kind, item key) -> ExtensionRequest rows, newest first."""
        found: dict[int, dict] = defaultdict(lambda: defaultdict(list))
        for request in db.session.scalars(
            sa.select(ExtensionRequest)
            .where(ExtensionRequest.enrolment_id.in_(self.ids))
            .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc())
        ):
            found[request.enrolment_id][(request.item_kind, request.item_key)].append(request)
        return found


@dataclass
class Context:
    """What one enrolment's dates are worked out from (see ``load_contexts``)."""

    enrolment: Enrolment
    progress: Progress
    now: dt.datetime
    batch: Batch

    @property
    def deadlines(self) -> dict:
        return self.batch.deadlines.get(self.enrolment.cohort_id, {})

    @property
    def rules(self) -> dict:
        return self.batch.rules.get(self.enrolment.cohort_id, {})

    def overrides(self, quiz_id: int) -> list:
        return [
            o
            for o in self.batch.overrides.get(quiz_id, ())
            if o.cohort_id == self.enrolment.cohort_id or o.enrolment_id == self.enrolment.id
        ]

    @property
    def requests(self) -> dict:
        return self.batch.requests.get(self.enrolment.id, {})

    def pending(self, kind: str, key: str) -> ExtensionRequest | None:
        return next((r for r in self.requests.get((kind, key), ()) if r.state == "pending"), None)

    def latest_request(self, kind: str, key: str) -> ExtensionRequest | None:
        found = self.requests.get((kind, key))
        return found[0] if found else None

    def late_rule(self, assignment_key: str) -> LateRule | None:
        return self.rules.get(("assignment", assignment_key)) or self.rules.get(("cohort", ""))

    def assignment_due(self, state: AssignmentState) -> dt.datetime | None:
        """As services.assessment.assignments.due_date, without a query of its own."""
        module = self.progress.module_of(state)
        if module.due_extended:
            return module.due_at
        own = self.deadlines.get(state.node.assignment_id)
        if own is not None:
            return own
        if state.node.due_days is not None:
            schedule = self.progress.records[2].get(module.node.module_id)
            if getattr(schedule, "opens_at", None) is not None:
                return schedule.opens_at + dt.timedelta(days=state.node.due_days)
        return module.due_at

    def assignment_cutoff(self, state: AssignmentState) -> dt.datetime | None:
        return cutoff(
            self.assignment_due(state),
            late_days=state.node.late_days,
            rule=self.late_rule(state.node.key),
            cohort_ends_at=self.enrolment.cohort.ends_at,
        )

    def quiz_policy(self, state: QuizState) -> Policy:
        node = state.node
        return combine(node.max_attempts, node.time_limit_minutes, self.overrides(node.quiz_id))

    def quiz_extended(self, state: QuizState) -> bool:
        return any(
            o.enrolment_id is not None and o.closes_at is not None
            for o in self.overrides(state.node.quiz_id)
        )

    def module_opens_at(self, module_id: int) -> dt.datetime | None:
        schedule = self.progress.records[2].get(module_id) if self.progress.records else None
        return getattr(schedule, "opens_at", None)


def load_contexts(
    enrolments: list[Enrolment],
    progresses: dict | None = None,
    now: dt.datetime | None = None,
) -> dict[int, Context | None]:
    """Each enrolment's ``Context`` (None when its cohort follows no version yet). The
    enrolments' cohorts must be loaded; ``progresses`` (from ``progress_for``) saves reading
    them again. What else the dates need is read when first needed, once for all of them."""
    now = now or utcnow()
    if progresses is None:
        progresses = progress_service.progress_for(enrolments, now)
    studying = [e for e in enrolments if progresses.get(e.id) is not None]
    batch = Batch.stored(studying, progresses) or Batch(studying)
    result: dict[int, Context | None] = {e.id: None for e in enrolments}
    for e in studying:
        result[e.id] = Context(e, progresses[e.id], now, batch)
    return result


@dataclass(frozen=True)
class DatedItem:
    """One dated thing of an enrolment. ``kind``: ``module`` (``opens_at`` its release,
    ``due_at`` its due date), ``assignment`` (``due_at``; ``cutoff_at`` the last instant work
    is taken, late) or ``quiz`` (``opens_at``/``due_at`` its window; ``cutoff_at`` equals
    ``due_at``: a quiz takes no late attempt). ``extended``: the date is the learner's own (an
    extension or catch-up date); ``excused``: the learner need not do it; ``pending_request``:
    they asked for more time and wait for a decision. ``uid`` is stable for the enrolment and
    item, whatever the dates, so a calendar replaces a changed event."""

    enrolment_id: int
    kind: str
    key: str
    title: dict
    module_key: str
    module_number: int
    required: bool
    opens_at: dt.datetime | None
    due_at: dt.datetime | None
    cutoff_at: dt.datetime | None
    extended: bool
    excused: bool
    done: bool
    pending_request: bool

    @property
    def uid(self) -> str:
        return f"enrolment-{self.enrolment_id}-{self.kind}-{self.key}"


def items_of(context: Context) -> list[DatedItem]:
    """The dated items of one context, in course order (undated items left out)."""
    found = []
    progress, eid = context.progress, context.enrolment.id
    for module in progress.modules:
        node = module.node
        opens_at = context.module_opens_at(node.module_id)
        if opens_at is not None or module.due_at is not None:
            found.append(
                DatedItem(
                    eid, "module", node.key, node.title, node.key, node.number, module.required,
                    opens_at, module.due_at, None, module.due_extended, False, module.complete,
                    context.pending("module", node.key) is not None,
                )
            )  # fmt: skip
        for quiz in module.quizzes:
            policy = context.quiz_policy(quiz)
            if policy.opens_at is None and policy.closes_at is None:
                continue
            found.append(
                DatedItem(
                    eid, "quiz", quiz.node.key, quiz.node.title, node.key, node.number,
                    quiz.node.required and module.required, policy.opens_at, policy.closes_at,
                    policy.closes_at, context.quiz_extended(quiz), quiz.excused, quiz.done,
                    context.pending("quiz", quiz.node.key) is not None,
                )
            )  # fmt: skip
        for assignment in module.assignments:
            due = context.assignment_due(assignment)
            closing = context.assignment_cutoff(assignment)
            if due is None and closing is None:
                continue
            found.append(
                DatedItem(
                    eid, "assignment", assignment.node.key, assignment.node.title, node.key,
                    node.number, assignment.node.required and module.required, None, due,
                    closing, module.due_extended, assignment.excused, assignment.done,
                    context.pending("assignment", assignment.node.key) is not None,
                )
            )  # fmt: skip
    return found


def dated_items_for(
    enrolments: list[Enrolment], progresses: dict | None = None, now: dt.datetime | None = None
) -> dict[int, list[DatedItem]]:
    """Every dated item of each enrolment, by enrolment id, in a fixed number of queries."""
    contexts = load_contexts(enrolments, progresses, now)
    return {eid: items_of(c) if c is not None else [] for eid, c in contexts.items()}


def dated_items(
    enrolment: Enrolment, progress: Progress | None = None, now: dt.datetime | None = None
) -> list[DatedItem]:
    """Every dated item of one enrolment (module releases and due dates, assignments' due
    dates and cut-offs, quizzes' windows), in course order."""
    progresses = {enrolment.id: progress} if progress is not None else None
    return dated_items_for([enrolment], progresses, now)[enrolment.id]


def context_for(enrolment: Enrolment, now: dt.datetime) -> Context:
    context = load_contexts([enrolment], None, now)[enrolment.id]
    if context is None:
        raise UnknownItem()
    return context


def find_item(context: Context, kind: str, key: str):
    """(module state, item state or None for a module) of the learner's course; UnknownItem
    when there is none."""
    for module in context.progress.modules:
        if kind == "module" and module.node.key == key:
            return module, None
        for item in module.items:
            if item.node.kind == kind and item.node.key == key:
                return module, item
    raise UnknownItem()


def current_date(context: Context, kind: str, key: str) -> dt.datetime | None:
    """The item's date now in force for the learner: a module's due date, an assignment's
    cut-off, a quiz's close time."""
    module, item = find_item(context, kind, key)
    if item is None:
        return module.due_at
    if kind == "quiz":
        return context.quiz_policy(item).closes_at
    return context.assignment_cutoff(item)


# --- what the pages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDates:
    """One item of a learner's course as the request and decision pages show it."""

    kind: str
    key: str
    title: dict
    module: object  # ModuleState
    item: object | None  # its state (None for a module)
    due_at: dt.datetime | None
    closes_at: dt.datetime | None  # the cut-off (written work), the close time (quiz)
    pending: ExtensionRequest | None
    latest: ExtensionRequest | None
    excused: bool
    done: bool


def item_dates(enrolment: Enrolment, kind: str, key: str, now: dt.datetime | None = None):
    """The dates of one item for a learner; UnknownItem when the course has none such."""
    now = now or utcnow()
    if kind not in ("assignment", "quiz", "module", "lesson"):
        raise UnknownItem()
    context = context_for(enrolment, now)
    module, item = find_item(context, kind, key)
    if item is None:
        due, closes = module.due_at, None
    elif kind == "quiz":
        due = closes = context.quiz_policy(item).closes_at
    elif kind == "assignment":
        due, closes = context.assignment_due(item), context.assignment_cutoff(item)
    else:
        due = closes = None
    return ItemDates(
        kind,
        key,
        (item.node if item is not None else module.node).title,
        module,
        item,
        due,
        closes,
        context.pending(kind, key),
        context.latest_request(kind, key),
        bool(item is not None and item.excused),
        bool(item.done if item is not None else module.complete),
    )


def late_rule_for(cohort_id: int, assignment_key: str) -> LateRule | None:
    """The late rule in force for one written assignment of a cohort: its own, else the
    cohort's (one query)."""
    rules = {
        rule.item_kind: rule
        for rule in db.session.scalars(
            sa.select(LateRule).where(
                LateRule.cohort_id == cohort_id,
                sa.or_(
                    LateRule.item_kind == "cohort",
                    sa.and_(
                        LateRule.item_kind == "assignment", LateRule.item_key == assignment_key
                    ),
                ),
            )
        )
    }
    return rules.get("assignment") or rules.get("cohort")


def item_titles(enrolment: Enrolment) -> dict[tuple[str, str], tuple[int, dict]]:
    """(kind, key) -> (module number, title) of every module and item of the enrolment's
    course version (the outline, cached: no query once read)."""
    from diplolearn.services.catalogue.outline import load_outlines

    version_id = enrolment.cohort.course_version_id
    outline = load_outlines([version_id]).get(version_id) if version_id else None
    titles: dict[tuple[str, str], tuple[int, dict]] = {}
    for module in outline.modules if outline is not None else []:
        titles[("module", module.key)] = (module.number, module.title)
        for node in module.items:
            titles[(node.kind, node.key)] = (module.number, node.title)
    return titles
