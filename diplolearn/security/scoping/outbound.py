"""A ministry's learning record stores, webhooks and their deliveries, for its integration
page: coordinators of the ministry and administrators (``ministry_or_404`` first), and every
lookup also names the ministry, so another ministry's ids answer 404."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from diplolearn.extensions import db
from diplolearn.models import OutboundDelivery, RecordStore, User, Webhook
from diplolearn.security.scoping.base import one_or_404
from diplolearn.security.scoping.ministries import ministry_or_404

RECENT_DELIVERIES = 50


def _active(viewer: User, ministry_id: int, model) -> list:
    ministry_or_404(viewer, ministry_id)
    return list(
        db.session.scalars(
            sa.select(model)
            .where(model.ministry_id == ministry_id, model.active.is_(True))
            .order_by(model.id)
        )
    )


def ministry_record_stores(viewer: User, ministry_id: int) -> list[RecordStore]:
    return _active(viewer, ministry_id, RecordStore)


def ministry_webhooks(viewer: User, ministry_id: int) -> list[Webhook]:
    return _active(viewer, ministry_id, Webhook)


def ministry_deliveries(viewer: User, ministry_id: int) -> list[OutboundDelivery]:
    """The ministry's latest deliveries (its stores' and webhooks'), newest first."""
    ministry_or_404(viewer, ministry_id)
    return list(
        db.session.scalars(
            sa.select(OutboundDelivery)
            .where(OutboundDelivery.ministry_id == ministry_id)
            .options(
                selectinload(OutboundDelivery.record_store), selectinload(OutboundDelivery.webhook)
            )
            .order_by(OutboundDelivery.id.desc())
            .limit(RECENT_DELIVERIES)
        )
    )


def record_store_or_404(viewer: User, ministry_id: int, store_id: int) -> RecordStore:
    ministry_or_404(viewer, ministry_id)
    return one_or_404(
        sa.select(RecordStore).where(
            RecordStore.id == store_id,
            RecordStore.ministry_id == ministry_id,
            RecordStore.active.is_(True),
        )
    )


def webhook_or_404(viewer: User, ministry_id: int, webhook_id: int) -> Webhook:
    ministry_or_404(viewer, ministry_id)
    return one_or_404(
        sa.select(Webhook).where(
            Webhook.id == webhook_id, Webhook.ministry_id == ministry_id, Webhook.active.is_(True)
        )
    )


def delivery_or_404(viewer: User, ministry_id: int, delivery_id: int) -> OutboundDelivery:
    ministry_or_404(viewer, ministry_id)
    return one_or_404(
        sa.select(OutboundDelivery).where(
            OutboundDelivery.id == delivery_id, OutboundDelivery.ministry_id == ministry_id
        )
    )
