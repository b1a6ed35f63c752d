"""POST and PUT requests with an ``Idempotency-Key`` header: run once, answered alike after.

The key is stored with the digest of the request (method, path, body) and the response, in
the same transaction as the change it made, so a change and its key are saved together or not
at all. A replay with the same request gets the stored response; the same key with another
request is refused (``IdempotencyKeyReused``). A refused request stores nothing, so the client
may correct it and send it again under the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import IdempotencyKey, utcnow
from diplolearn.services.integrations import (
    ApiInputInvalid,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
)

MAX_KEY_LENGTH = 255
KEPT_FOR = dt.timedelta(days=7)


def request_digest(method: str, path: str, body: bytes) -> str:
    hashed = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8"), body):
        hashed.update(len(part).to_bytes(8, "big"))
        hashed.update(part)
    return hashed.hexdigest()


def checked_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiInputInvalid({"Idempotency-Key": "1 to 255 printable characters"})
    return key


def replay(token_id: int, key: str, digest: str) -> IdempotencyKey | None:
    """The stored answer for this key, if the same request was made before; raises
    ``IdempotencyKeyReused`` when the key was used for another request."""
    stored = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.token_id == token_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at > utcnow() - KEPT_FOR,
        )
    )
    if stored is not None and stored.request_digest != digest:
        raise IdempotencyKeyReused()
    return stored


def remember(token_id: int, key: str, digest: str, status: int, response: dict) -> None:
    """Store the answer, in the transaction of the change (flushed, so a concurrent request
    with the same key fails on the unique constraint rather than running twice)."""
    db.session.execute(
        sa.delete(IdempotencyKey).where(
            IdempotencyKey.token_id == token_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at <= utcnow() - KEPT_FOR,
        )
    )
    db.session.add(
        IdempotencyKey(
            token_id=token_id, key=key, request_digest=digest, status=status, response=response
        )
    )
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # the same key, in a request that committed meanwhile
        raise IdempotencyKeyInFlight() from None
