"""Bending a learner's dates: extension requests and their decisions, extensions for a whole
tutor group, excusals, and a cohort's late rules. Every decision is audited; the learner is
told by mail (through the outbox, when ``notify_by_mail`` allows) and on their pages.

Who may decide: the tutor of the learner's group, a lead instructor of the cohort, an
instructor of the course, an administrator (views load the request through
security.scoping.deadlines; the functions check again, for callers outside a view).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from diplolearn.extensions import db
from diplolearn.i18n import pick_text
from diplolearn.models import (
    DueDateExtension,
    Enrolment,
    EnrolmentState,
    ExtensionRequest,
    QuizPolicyOverride,
    Submission,
    SubmissionState,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.security.scoping import Scope
from diplolearn.services import audit, notifications
from diplolearn.services.deadlines import (
    AlreadyAsked,
    AlreadyDecided,
    AlreadyDone,
    DateNotLater,
    NothingToExtend,
    NotUnderWay,
    NotYourLearner,
    ReasonNeeded,
    RefusalReasonNeeded,
    UnknownItem,
)
from diplolearn.services.deadlines.dates import (
    Context,
    context_for,
    current_date,
    find_item,
    load_contexts,
)
from diplolearn.services.outbox import public_url

MAX_TEXT = 2000
UNDER_WAY = (EnrolmentState.INVITED, EnrolmentState.ACTIVE)


def clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()[:MAX_TEXT]


def may_decide(person: User, enrolment: Enrolment) -> bool:
    scope = Scope.of(person)
    cohort = enrolment.cohort
    return (
        scope.is_administrator
        or cohort.course_id in scope.course_ids
        or cohort.id in scope.cohort_ids
        or (
            enrolment.tutor_group_id is not None
            and enrolment.tutor_group_id in scope.tutor_group_ids
        )
    )


def _needs_time(context: Context, module, item) -> bool:
    """Whether a request for more time makes sense on this item at all."""
    if item is None:
        return module.due_at is not None
    if item.node.kind == "quiz":
        policy = context.quiz_policy(item)
        return policy.closes_at is not None or policy.left(item.used) == 0
    if item.node.kind == "assignment":
        latest = item.latest
        returned_without_pass = (
            latest is not None
            and latest.state == SubmissionState.RETURNED
            and not item.done
            and not latest.resubmission_allowed
        )
        return returned_without_pass or context.assignment_cutoff(item) is not None
    return False


def request_extension(
    enrolment: Enrolment,
    kind: str,
    key: str,
    reason: str,
    *,
    wanted_due_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ExtensionRequest:
    """The learner (owner of ``enrolment``, loaded through them) asks for more time on one
    item (``assignment``, ``quiz`` or ``module``, by key). Refused (nothing written) when the
    enrolment is not under way, the item is unknown, done, excused or has no date, or a
    request for it is already pending."""
    now = now or utcnow()
    reason = clean(reason)
    if enrolment.state not in UNDER_WAY:
        raise NotUnderWay()
    if kind not in ("assignment", "quiz", "module"):
        raise UnknownItem()
    context = context_for(enrolment, now)
    module, item = find_item(context, kind, key)
    if (item is not None and (item.done or item.excused)) or (item is None and module.complete):
        raise AlreadyDone()
    if not _needs_time(context, module, item):
        raise NothingToExtend()
    if context.pending(kind, key) is not None:
        raise AlreadyAsked()
    if not reason:
        raise ReasonNeeded()
    if wanted_due_at is not None and wanted_due_at <= now:
        raise DateNotLater()
    request = ExtensionRequest(
        enrolment_id=enrolment.id,
        module_id=module.node.module_id,
        item_kind=kind,
        item_key=key,
        reason=reason,
        wanted_due_at=wanted_due_at,
        state="pending",
        created_at=now,
    )
    db.session.add(request)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another request for the same item won the race
        raise AlreadyAsked() from None
    audit.record(
        enrolment.user,
        "extension.request",
        target=request,
        enrolment_id=enrolment.id,
        item=f"{kind}:{key}",
    )
    return request


# --- writing the learner's new dates -----------------------------------------------------------


def extend_module(enrolment: Enrolment, module_id: int, due_at: dt.datetime, reason: str, by: User):
    extension = db.session.scalar(
        sa.select(DueDateExtension).where(
            DueDateExtension.enrolment_id == enrolment.id, DueDateExtension.module_id == module_id
        )
    )
    previous = extension.due_at if extension is not None else None
    if extension is None:
        extension = DueDateExtension(enrolment_id=enrolment.id, module_id=module_id)
        db.session.add(extension)
    extension.due_at, extension.reason = due_at, reason
    extension.granted_by_id = by.id if by else None
    db.session.flush()
    return extension, previous


def extend_quiz(enrolment: Enrolment, quiz_id: int, closes_at: dt.datetime, more: int, by: User):
    override = db.session.scalar(
        sa.select(QuizPolicyOverride).where(
            QuizPolicyOverride.quiz_id == quiz_id, QuizPolicyOverride.enrolment_id == enrolment.id
        )
    )
    previous = override.closes_at if override is not None else None
    if override is None:
        override = QuizPolicyOverride(quiz_id=quiz_id, enrolment_id=enrolment.id)
        db.session.add(override)
        override.extra_minutes, override.extra_attempts = 0, 0
    if override.opens_at is not None and override.opens_at >= closes_at:
        override.opens_at = None
    override.closes_at = closes_at
    override.extra_attempts = (override.extra_attempts or 0) + more
    override.updated_by_id = by.id if by else None
    db.session.flush()
    return override, previous


def apply_new_date(
    context: Context, kind: str, key: str, due_at: dt.datetime, reason: str, by: User
) -> dict:
    """Write the learner's new date for one item; returns what changed, for the audit."""
    enrolment = context.enrolment
    module, item = find_item(context, kind, key)
    if kind == "quiz":
        more = 1 if context.quiz_policy(item).left(item.used) == 0 else 0
        override, previous = extend_quiz(enrolment, item.node.quiz_id, due_at, more, by)
        return {"quiz_override_id": override.id, "previous": previous, "extra_attempt": more}
    extension, previous = extend_module(enrolment, module.node.module_id, due_at, reason, by)
    changed = {"extension_id": extension.id, "previous": previous}
    if kind == "assignment" and item.latest is not None:
        latest = db.session.get(Submission, item.latest.id)
        if latest.state == SubmissionState.RETURNED and not latest.passed:
            latest.resubmission_allowed = True
            changed["resubmission_allowed"] = True
    return changed


def _check_new_date(context: Context, kind: str, key: str, due_at: dt.datetime) -> None:
    current = current_date(context, kind, key)
    if due_at <= context.now or (current is not None and due_at <= current):
        raise DateNotLater()


# --- deciding --------------------------------------------------------------------------------


def _title(context: Context, kind: str, key: str, person: User) -> str:
    module, item = find_item(context, kind, key)
    node = item.node if item is not None else module.node
    course = context.enrolment.cohort.course
    order = [person.reading_language or "", person.interface_language or "", *course.languages]
    return pick_text(node.title, order)[0]


def tell_learner(request: ExtensionRequest, context: Context) -> None:
    """Tell the learner the decision on their request (services.notifications)."""
    learner = context.enrolment.user
    url = public_url("learner.list_extension_requests", enrolment_id=context.enrolment.id)
    notifications.notify(  # issue 20: in the app, and by mail as the learner prefers
        learner,
        notifications.Kind.EXTENSION_DECISION,
        link=url,
        granted=request.state == "granted",
        title=_title(context, request.item_kind, request.item_key, learner),
        due_at=request.granted_due_at,
        note=request.decision_note,
        url=url,
    )


def _decidable(request: ExtensionRequest, by: User) -> Enrolment:
    enrolment = request.enrolment
    if not may_decide(by, enrolment):
        raise NotYourLearner()
    if request.state != "pending":
        raise AlreadyDecided()
    return enrolment


def grant_request(
    request: ExtensionRequest,
    by: User,
    due_at: dt.datetime,
    note: str = "",
    now: dt.datetime | None = None,
) -> ExtensionRequest:
    """Grant a pending request with a new date (later than now and than the date in force):
    writes the learner's ``DueDateExtension`` (module, written work) or their quiz override's
    close time (one more attempt when none was left), audited, and tells the learner."""
    now = now or utcnow()
    enrolment = _decidable(request, by)
    context = context_for(enrolment, now)
    _check_new_date(context, request.item_kind, request.item_key, due_at)
    note = clean(note)
    changed = apply_new_date(
        context, request.item_kind, request.item_key, due_at, note or request.reason, by
    )
    request.state, request.decided_at, request.decided_by_id = "granted", now, by.id
    request.granted_due_at, request.decision_note = due_at, note
    db.session.flush()
    audit.record(
        by,
        "extension.grant",
        subject=enrolment.user,
        target=request,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
        item=f"{request.item_kind}:{request.item_key}",
        due_at=due_at.isoformat(),
        previous=changed["previous"].isoformat() if changed.get("previous") else None,
        extra_attempt=bool(changed.get("extra_attempt")),
        resubmission_allowed=bool(changed.get("resubmission_allowed")),
    )
    tell_learner(request, context)
    return request


def refuse_request(
    request: ExtensionRequest, by: User, note: str, now: dt.datetime | None = None
) -> ExtensionRequest:
    """Refuse a pending request with a reason the learner reads; audited, the learner told."""
    now = now or utcnow()
    enrolment = _decidable(request, by)
    note = clean(note)
    if not note:
        raise RefusalReasonNeeded()
    request.state, request.decided_at, request.decided_by_id = "refused", now, by.id
    request.decision_note = note
    db.session.flush()
    audit.record(
        by,
        "extension.refuse",
        subject=enrolment.user,
        target=request,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
        item=f"{request.item_kind}:{request.item_key}",
        note=note,
    )
    tell_learner(request, context_for(enrolment, now))
    return request


def extend_group(
    group: TutorGroup,
    kind: str,
    key: str,
    due_at: dt.datetime,
    reason: str,
    by: User,
    now: dt.datetime | None = None,
) -> int:
    """Give every learner under way in a tutor group until ``due_at`` for one item (module,
    written work or quiz), audited per learner; their pending requests for it are granted.
    Returns how many learners it moved (those already later are left alone)."""
    now = now or utcnow()
    reason = clean(reason)
    if not reason:
        raise ReasonNeeded()
    if due_at <= now:
        raise DateNotLater()
    enrolments = list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.tutor_group_id == group.id, Enrolment.state.in_(UNDER_WAY))
            .order_by(Enrolment.id)
        )
    )
    if enrolments and not may_decide(by, enrolments[0]):
        raise NotYourLearner()
    contexts = load_contexts(enrolments, None, now)
    moved = 0
    for enrolment in enrolments:
        context = contexts[enrolment.id]
        if context is None:
            continue
        find_item(context, kind, key)  # UnknownItem for a key of no module or item
        current = current_date(context, kind, key)
        if current is not None and current >= due_at:
            continue
        changed = apply_new_date(context, kind, key, due_at, reason, by)
        pending = context.pending(kind, key)
        if pending is not None:
            pending.state, pending.decided_at, pending.decided_by_id = "granted", now, by.id
            pending.granted_due_at = due_at
            tell_learner(pending, context)
        audit.record(
            by,
            "extension.grant_group",
            subject=enrolment.user,
            ministry_id=enrolment.sponsor_ministry_id,
            enrolment_id=enrolment.id,
            tutor_group_id=group.id,
            item=f"{kind}:{key}",
            due_at=due_at.isoformat(),
            previous=changed["previous"].isoformat() if changed.get("previous") else None,
            reason=reason,
        )
        moved += 1
    db.session.flush()
    return moved
