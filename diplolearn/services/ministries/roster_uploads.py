"""Roster files between preview and confirmation, and the invitations an import leaves.

The uploaded bytes are stored with their digest (models.rosters.RosterUpload), tied to the
ministry and the coordinator, so that confirming re-reads exactly what was previewed; the job
command forgets files never confirmed. Invitations of people an import created wait in
``PendingInvitation`` until ``flask jobs run`` issues them through accounts.invite (and so
through the outbox), a few batches per run.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from diplolearn.extensions import db
from diplolearn.models import Ministry, User, utcnow
from diplolearn.models.rosters import PendingInvitation, RosterUpload
from diplolearn.services.errors import MinistryInactive
from diplolearn.services.ministries import RosterAlreadyApplied, RosterChanged
from diplolearn.services.ministries.roster_plan import chunks


def max_bytes() -> int:
    return current_app.config["ROSTER_MAX_BYTES"]


def store_upload(
    ministry: Ministry, by: User, data: bytes, *, filename: str = "", sync: bool = False
) -> RosterUpload:
    if not ministry.is_active:
        raise MinistryInactive()
    upload = RosterUpload(
        ministry_id=ministry.id,
        uploaded_by_id=by.id,
        filename=(filename or "")[:255],
        digest=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        sync=sync,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_content(upload: RosterUpload) -> bytes:
    """The stored bytes, checked against the digest taken when they were uploaded."""
    data = upload.content or b""
    if hashlib.sha256(data).hexdigest() != upload.digest:
        raise RosterAlreadyApplied() if upload.applied_at else RosterChanged()
    return data


def request_invitations(user_ids, by: User | None, *, now=None) -> int:
    """Leave invitations for the job command to send (once per person)."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    waiting: set[int] = set()
    for chunk in chunks(ids):
        waiting.update(
            db.session.scalars(
                sa.select(PendingInvitation.user_id).where(PendingInvitation.user_id.in_(chunk))
            )
        )
    rows = [
        {
            "user_id": user_id,
            "requested_by_id": getattr(by, "id", None),
            "created_at": now or utcnow(),
        }
        for user_id in ids
        if user_id not in waiting
    ]
    if rows:
        db.session.execute(sa.insert(PendingInvitation), rows)
    return len(rows)


def send_invitation_batch(limit: int = 200) -> tuple[int, int]:
    """Issue one batch of the invitations imports left: (rows taken, invitations issued); no
    rows taken means none are left. The batch's rows are locked (rows another worker holds
    are skipped) and deleted in the transaction that queues their mails. Flushes; the job
    (jobs.send_invitations) commits each batch and decides how many batches a run does."""
    from diplolearn.services.accounts import accounts

    batch = db.session.scalars(
        sa.select(PendingInvitation)
        .order_by(PendingInvitation.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=PendingInvitation)
        .options(
            selectinload(PendingInvitation.user).selectinload(User.grants),
            selectinload(PendingInvitation.requested_by),
        )
    ).all()
    sent = 0
    for pending in batch:
        user = pending.user
        if user.is_active and not user.has_password:
            accounts.invite(user, invited_by=pending.requested_by)
            sent += 1
        db.session.delete(pending)
    db.session.flush()
    return len(batch), sent


def purge_stale_uploads(older_than) -> int:
    """Forget unconfirmed roster files (they hold personal data) after a while."""
    result = db.session.execute(
        sa.delete(RosterUpload)
        .where(RosterUpload.applied_at.is_(None), RosterUpload.created_at < older_than)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
