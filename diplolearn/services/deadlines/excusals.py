"""Excusals and late rules: a tutor or instructor excuses one learner from one item (the module
then completes without it), and a lead instructor sets how a cohort takes late work. Both are
audited; functions flush and never commit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Cohort, Enrolment, Excusal, LateRule, User, utcnow
from diplolearn.services import audit
from diplolearn.services.deadlines import (
    AlreadyExcused,
    ExcusalReasonNeeded,
    InvalidLateRule,
    NotUnderWay,
    NotYourLearner,
    UnknownItem,
)
from diplolearn.services.deadlines.dates import context_for, find_item
from diplolearn.services.deadlines.requests import UNDER_WAY, clean, may_decide, tell_learner

# --- excusals ----------------------------------------------------------------------------------


def excuse(
    enrolment: Enrolment,
    kind: str,
    key: str,
    reason: str,
    by: User,
    now: dt.datetime | None = None,
) -> Excusal:
    """Excuse the learner from one item (``lesson``, ``quiz`` or ``assignment``): its module
    completes without it. Audited; the learner sees it on the item and the outline; a pending
    request for the item is closed as granted-by-excusal (refused with the excusal as note
    would mislead). Completes the course when that was all it needed."""
    from diplolearn.services.progress import update_completion

    now = now or utcnow()
    if not may_decide(by, enrolment):
        raise NotYourLearner()
    if enrolment.state not in UNDER_WAY:
        raise NotUnderWay()
    reason = clean(reason)
    if not reason:
        raise ExcusalReasonNeeded()
    if kind not in ("lesson", "quiz", "assignment"):
        raise UnknownItem()
    context = context_for(enrolment, now)
    module, item = find_item(context, kind, key)
    if item.excused:
        raise AlreadyExcused()
    excusal = Excusal(
        enrolment_id=enrolment.id,
        module_id=module.node.module_id,
        item_kind=kind,
        item_key=key,
        reason=reason,
        excused_by_id=by.id,
        created_at=now,
    )
    db.session.add(excusal)
    pending = context.pending(kind, key) if kind != "lesson" else None
    if pending is not None:
        pending.state, pending.decided_at, pending.decided_by_id = "granted", now, by.id
        pending.decision_note = reason
        tell_learner(pending, context)
    db.session.flush()
    audit.record(
        by,
        "item.excuse",
        subject=enrolment.user,
        target=excusal,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
        item=f"{kind}:{key}",
        reason=reason,
    )
    update_completion([enrolment.id], now)
    return excusal


# --- late rules --------------------------------------------------------------------------------


def set_late_rule(
    cohort: Cohort,
    by: User,
    *,
    assignment_key: str = "",
    accept_late: bool = True,
    cutoff_days: int | None = None,
) -> LateRule:
    """Set how the cohort takes late work, for all its written work (no ``assignment_key``) or
    one assignment; ``cutoff_days`` None: until the cohort's end. Audited."""
    if cutoff_days is not None and not 0 <= cutoff_days <= 365:
        raise InvalidLateRule()
    kind = "assignment" if assignment_key else "cohort"
    rule = db.session.scalar(
        sa.select(LateRule).where(
            LateRule.cohort_id == cohort.id,
            LateRule.item_kind == kind,
            LateRule.item_key == assignment_key,
        )
    )
    before = (
        None if rule is None else {"accept_late": rule.accept_late, "cutoff_days": rule.cutoff_days}
    )
    if rule is None:
        rule = LateRule(cohort_id=cohort.id, item_kind=kind, item_key=assignment_key)
        db.session.add(rule)
    rule.accept_late, rule.cutoff_days, rule.updated_by_id = accept_late, cutoff_days, by.id
    db.session.flush()
    audit.record(
        by,
        "late_rule.set",
        target=rule,
        cohort_id=cohort.id,
        item=f"{kind}:{assignment_key}",
        before=before,
        after={"accept_late": accept_late, "cutoff_days": cutoff_days},
    )
    return rule


def remove_late_rule(rule: LateRule, by: User) -> None:
    audit.record(
        by,
        "late_rule.remove",
        cohort_id=rule.cohort_id,
        item=f"{rule.item_kind}:{rule.item_key}",
        before={"accept_late": rule.accept_late, "cutoff_days": rule.cutoff_days},
    )
    db.session.delete(rule)
    db.session.flush()


def late_rules_of(cohort: Cohort) -> dict[tuple[str, str], LateRule]:
    """The cohort's late rules by (item kind, item key): ("cohort", "") is the general one."""
    return {
        (rule.item_kind, rule.item_key): rule
        for rule in db.session.scalars(sa.select(LateRule).where(LateRule.cohort_id == cohort.id))
    }


def apply_late_rule(
    cohort: Cohort, by: User, assignment_key: str, mode: str, days: int | None
) -> LateRule | None:
    """One rule from the page's choice: ``default`` removes it, ``closed`` takes no late work,
    ``days`` takes it for ``days`` days, ``end`` until the cohort's end."""
    if mode == "default":
        rule = late_rules_of(cohort).get(
            ("assignment" if assignment_key else "cohort", assignment_key)
        )
        if rule is not None:
            remove_late_rule(rule, by)
        return None
    if mode == "days" and days is None:
        raise InvalidLateRule()
    return set_late_rule(
        cohort,
        by,
        assignment_key=assignment_key,
        accept_late=mode != "closed",
        cutoff_days=days if mode == "days" else None,
    )


def excusable_items(progress) -> list:
    """The required items of open modules a learner has not done nor been excused from, as
    (module state, item state), for the excusal form."""
    if progress is None:
        return []
    return [
        (module, item)
        for module in progress.modules
        if module.is_open
        for item in module.required_items
        if not item.done and not item.excused
    ]
