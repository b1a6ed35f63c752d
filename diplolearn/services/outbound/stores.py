"""A ministry's learning record stores: added and removed by its coordinators (and the
platform's administrators) on the ministry's integration page, audited. The store's password
is sealed at rest (security.sealed) and never shown again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.extensions import db
from diplolearn.models import RecordStore
from diplolearn.security.sealed import seal, unseal
from diplolearn.services import audit
from diplolearn.services.errors import DomainError
from diplolearn.services.outbound.endpoints import checked_url

PURPOSE = "record store passwords"


class StoreNameMissing(DomainError):
    message = _l("Give the store a name, so that its deliveries can be told apart.")


def add_store(
    ministry, *, name: str, endpoint: str, username: str, password: str, share_email: bool, by
) -> RecordStore:
    name = (name or "").strip()[:120]
    if not name:
        raise StoreNameMissing()
    endpoint = checked_url(endpoint)
    if not endpoint.endswith("/"):
        endpoint += "/"
    store = RecordStore(
        ministry_id=ministry.id,
        name=name,
        endpoint=endpoint,
        username=(username or "").strip()[:200],
        password_sealed=seal(password, PURPOSE) if password else "",
        share_email=bool(share_email),
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(store)
    db.session.flush()
    audit.record(
        by,
        "record_store.add",
        target=store,
        ministry_id=ministry.id,
        endpoint=endpoint,
        share_email=store.share_email,
    )
    return store


def remove_store(store: RecordStore, by) -> None:
    """Stop sending to the store (what was queued for it is no longer sent)."""
    store.active = False
    audit.record(
        by, "record_store.remove", target=store, ministry_id=store.ministry_id, name=store.name
    )


def credentials(store: RecordStore | None, config) -> tuple[str, str, str]:
    """(statements URL, user name, password) of a store, or of the site's (None)."""
    if store is None:
        base = config["LRS_ENDPOINT"]
        user, password = config["LRS_USERNAME"], config["LRS_PASSWORD"]
    else:
        base = store.endpoint
        user = store.username
        password = unseal(store.password_sealed, PURPOSE) if store.password_sealed else ""
    return base.rstrip("/") + "/statements", user, password
