"""Demo: Ministry A's learning record store, pointed at an address where nothing listens.

Seeded before the learners' activity, so their statements are queued for it; ``make run``'s
job loop then tries to send them and backs off, and the ministry's "Learning records and
webhooks" page shows the attempts, the error and the next try: what a coordinator sees while
their store is down. (Port 9 is the discard port: nothing answers on it.)
"""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import RecordStore
from diplolearn.services.outbound import stores

DEMO_STORE_NAME = "Analytics LRS (not reachable in the demo)"
DEMO_STORE_ENDPOINT = "http://127.0.0.1:9/xAPI/"


def seed_record_store(ministries) -> int:
    ministry = ministries["MFA-A"]
    exists = db.session.scalar(
        sa.select(RecordStore.id).where(
            RecordStore.ministry_id == ministry.id, RecordStore.name == DEMO_STORE_NAME
        )
    )
    if exists is not None:
        return 0
    stores.add_store(
        ministry,
        name=DEMO_STORE_NAME,
        endpoint=DEMO_STORE_ENDPOINT,
        username="diplolearn",
        password="demo-lrs-password",
        share_email=False,
        by=None,  # seeded, not set up by a person
    )
    return 1
