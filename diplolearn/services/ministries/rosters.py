"""Staff rosters: a coordinator's CSV file of the ministry's staff, previewed, then applied all
or nothing. This module is the views' one entry point: it carries a previewed plan out
(``confirm_upload``, ``apply_roster``) and re-exports the planning (roster_plan) and the
stored uploads (roster_uploads).

``confirm_upload`` re-reads the stored file, checks that the plan is still the one previewed
and claims the upload, so two confirmations racing apply it once; ``apply_roster`` carries out
a plan without problems in bulk, in the caller's transaction (it flushes, never commits).
"""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Ministry, StaffMembership, TokenPurpose, User, UserToken, utcnow
from diplolearn.models.rosters import RosterUpload
from diplolearn.services import audit
from diplolearn.services.errors import MinistryInactive
from diplolearn.services.ministries import RosterAlreadyApplied, RosterChanged, RosterInvalid
from diplolearn.services.ministries.roster_plan import (
    ACTION_LABELS,
    FIELD_LABELS,
    Action,
    RosterPlan,
    chunks,
    plan_roster,
)
from diplolearn.services.ministries.roster_uploads import (
    max_bytes,
    request_invitations,
    store_upload,
    upload_content,
)
from diplolearn.textnorm import name_sort_key

__all__ = [
    "ACTION_LABELS",
    "FIELD_LABELS",
    "Action",
    "RosterPlan",
    "apply_roster",
    "confirm_upload",
    "max_bytes",
    "plan_roster",
    "store_upload",
    "upload_content",
]


def confirm_upload(
    upload: RosterUpload, ministry: Ministry, by: User, expected_digest: str
) -> RosterPlan:
    """Re-read and re-validate the stored file, check that the plan is the one previewed, and
    apply it. Raises RosterInvalid (problems), RosterChanged (the plan differs from the
    preview's) or RosterAlreadyApplied; in each case nothing was written."""
    if not ministry.is_active:
        raise MinistryInactive()
    if upload.applied_at is not None:
        raise RosterAlreadyApplied()
    plan = plan_roster(ministry, upload_content(upload), sync=upload.sync)
    if not plan.ok:
        raise RosterInvalid()
    if plan.digest != expected_digest:
        raise RosterChanged()
    # Claim the upload first: two confirmations racing apply it once.
    now = utcnow()
    claimed = db.session.execute(
        sa.update(RosterUpload)
        .where(RosterUpload.id == upload.id, RosterUpload.applied_at.is_(None))
        .values(applied_at=now, content=b"")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise RosterAlreadyApplied()
    counts = plan.result = apply_roster(plan, ministry, by, now=now)
    db.session.execute(
        sa.update(RosterUpload)
        .where(RosterUpload.id == upload.id)
        .values(result=counts)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        by,
        "roster.import",
        ministry_id=ministry.id,
        target=upload,
        rows=len(plan.parsed.rows),
        sync=upload.sync,
        **counts,
    )
    db.session.expire(upload)
    return plan


def apply_roster(plan: RosterPlan, ministry: Ministry, by: User, *, now=None) -> dict[str, int]:
    """Carry out a plan without problems, in bulk; flushes, never commits."""
    if not plan.ok:
        raise RosterInvalid()
    now = now or utcnow()
    to_invite: set[int] = set()

    # New accounts: one multi-row INSERT (the ORM's per-object work, validators included, is
    # what makes 5,000 rows slow), then their ids in a few SELECTs. The rows are normalised
    # already (roster_csv cleans them as User's validators do).
    creating = plan.of(Action.CREATE)
    if creating:
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": item.row.email,
                    "name_ar": item.row.name_ar,
                    "name_latin": item.row.name_latin,
                    "sort_key": name_sort_key(item.row.name_ar, item.row.name_latin),
                    "interface_language": item.row.language,
                    "reading_language": item.row.language,
                    "created_at": now,
                    "updated_at": now,
                }
                for item in creating
            ],
        )
        new_ids: dict[str, int] = {}
        for chunk in chunks([item.row.email for item in creating]):
            new_ids.update(
                {
                    email: id_
                    for id_, email in db.session.execute(
                        sa.select(User.id, User.email).where(sa.func.lower(User.email).in_(chunk))
                    )
                }
            )
        for item in creating:
            item.user_id = new_ids[item.row.email]
        to_invite.update(new_ids.values())

    readdressed: list[int] = []
    for item in plan.items:
        if item.action not in (Action.JOIN, Action.UPDATE):
            continue
        user, row = item.user, item.row
        if "email" in item.changes:
            user.email = row.email
            if not user.has_password:
                readdressed.append(user.id)
                to_invite.add(user.id)
        for name in ("name_ar", "name_latin"):
            if name in item.changes:
                setattr(user, name, getattr(row, name))
        if "language" in item.changes:
            user.interface_language = row.language
            user.reading_language = row.language
        if item.action == Action.JOIN and not user.has_password:
            to_invite.add(user.id)
        if item.action == Action.UPDATE:
            membership = item.membership
            for name in ("staff_id", "position", "posting"):
                if name in item.changes:
                    setattr(membership, name, getattr(row, name))

    db.session.flush()
    joining = [item for item in plan.items if item.action in (Action.CREATE, Action.JOIN)]
    if joining:
        db.session.execute(
            sa.insert(StaffMembership),
            [
                {
                    "user_id": item.user_id,
                    "ministry_id": ministry.id,
                    "staff_id": item.row.staff_id,
                    "position": item.row.position,
                    "posting": item.row.posting,
                    "started_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for item in joining
            ],
        )

    leaving = plan.of(Action.DEACTIVATE)
    for chunk in chunks([item.membership.id for item in leaving]):
        db.session.execute(
            sa.update(StaffMembership)
            .where(StaffMembership.id.in_(chunk))
            .values(ended_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    for item in leaving:
        db.session.expire(item.membership, ["ended_at", "updated_at"])

    # Links mailed to an old address stop working at once; the new invitation follows.
    for chunk in chunks(readdressed):
        db.session.execute(
            sa.update(UserToken)
            .where(
                UserToken.user_id.in_(chunk),
                UserToken.purpose == TokenPurpose.INVITATION,
                UserToken.used_at.is_(None),
                UserToken.superseded_at.is_(None),
            )
            .values(superseded_at=now)
            .execution_options(synchronize_session=False)
        )
    request_invitations(to_invite, by, now=now)
    counts = plan.counts
    counts["invitations"] = len(to_invite)
    return counts
