"""Signed-in devices: one row per browser a person signed in on.

The session cookie names the row (auth/sessions.py); a row that has ended ends its session at
the next request. Last seen is written at sign-in and then at most every few minutes, and only
by POST requests, inside their own unit of work: a GET writes nothing (ARCHITECTURE.md).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session, joinedload

from diplolearn.extensions import db
from diplolearn.models import DeviceSession, User, utcnow
from diplolearn.services import audit, page_versions

TOUCH_EVERY = dt.timedelta(minutes=5)

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def summarise_agent(agent: str) -> str:
    """ "Firefox · Windows" from a user agent string; "" when neither is recognised."""
    agent = agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in agent), "")
    return " · ".join(part for part in (browser, system) if part)[:120]


def network_of(address: str | None) -> str:
    """The address's network (IPv4 /24, IPv6 /48): where, roughly, without keeping the address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def open_session(user: User, *, method: str, second_factor: bool) -> DeviceSession:
    agent = request.headers.get("User-Agent", "") if has_request_context() else ""
    address = request.remote_addr if has_request_context() else None
    now = utcnow()
    device = DeviceSession(
        user_id=user.id,
        method=re.sub(r"[^a-z]", "", method)[:16] or "password",
        second_factor=second_factor,
        device=summarise_agent(agent),
        network=network_of(address),
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(device)
    user.last_login_at = now
    db.session.flush()
    return device


def open_device(user_id: int, device_id: int, *, for_page: bool = False) -> DeviceSession | None:
    """The open device session ``device_id`` of ``user_id``, with its person and their role
    grants (every page's menu and scope read them), in one query; ``for_page`` (a GET): with
    the versions of what their pages show too (``user.page_versions``: services/
    page_versions.py, for the pages kept rendered)."""
    params = {"device_id": device_id, "user_id": user_id}
    if not for_page:
        return db.session.execute(_OPEN_DEVICE, params).unique().scalar_one_or_none()
    row = db.session.execute(_OPEN_DEVICE_FOR_PAGE, params).unique().one_or_none()
    if row is None:
        return None
    device, own, total = row
    device.user.page_versions = (int(own), int(total))
    return device


# Built once: statement construction costs more than the query on a page that is all cache.
_OPEN_DEVICE = (
    sa.select(DeviceSession)
    .options(joinedload(DeviceSession.user).joinedload(User.grants))
    .where(
        DeviceSession.id == sa.bindparam("device_id"),
        DeviceSession.user_id == sa.bindparam("user_id"),
        DeviceSession.ended_at.is_(None),
    )
)
_OPEN_DEVICE_FOR_PAGE = _OPEN_DEVICE.add_columns(*page_versions.seen_by(DeviceSession.user_id))


def touch(device: DeviceSession, now: dt.datetime | None = None) -> bool:
    """Note that the device was seen, at most every TOUCH_EVERY; the request's unit of work
    writes it just before it commits (and forgets it with the rest of a refused change).

    Only noted, not set on the object: a changed object would be flushed by the first query
    of the view, before its unit of work, outside the writers' turn (on SQLite, refused at once
    with "database is locked" while another worker writes)."""
    now = now or utcnow()
    if now - device.last_seen_at < TOUCH_EVERY:
        return False
    db.session.info[_SEEN] = (device.id, now)
    return True


_SEEN = "device_seen"  # session.info: (device id, when) to write before commit


def _write_seen_before_commit(session) -> None:
    seen = session.info.pop(_SEEN, None)
    if seen is None:
        return
    device_id, now = seen
    session.execute(
        sa.update(DeviceSession)
        .where(DeviceSession.id == device_id, DeviceSession.last_seen_at < now)
        .values(last_seen_at=now)
        # Shown on the person's list of devices only, never on a page kept rendered.
        .execution_options(synchronize_session="evaluate", page_scopes=())
    )


def _forget_seen(session) -> None:
    session.info.pop(_SEEN, None)


def install() -> None:
    """Listen on every session (once per process)."""
    if sa.event.contains(Session, "before_commit", _write_seen_before_commit):
        return
    sa.event.listen(Session, "before_commit", _write_seen_before_commit)
    sa.event.listen(Session, "after_rollback", _forget_seen)


def open_devices(user: User) -> list[DeviceSession]:
    return list(
        db.session.scalars(
            sa.select(DeviceSession)
            .where(DeviceSession.user_id == user.id, DeviceSession.ended_at.is_(None))
            .order_by(DeviceSession.last_seen_at.desc(), DeviceSession.id.desc())
        )
    )


def own_open_device(user: User, device_id: int) -> DeviceSession | None:
    """One of ``user``'s own open devices; None for anyone else's id (the view answers 404)."""
    return db.session.scalar(
        sa.select(DeviceSession).where(
            DeviceSession.id == device_id,
            DeviceSession.user_id == user.id,
            DeviceSession.ended_at.is_(None),
        )
    )


def _end(where, reason: str) -> int:
    result = db.session.execute(
        sa.update(DeviceSession)
        .where(DeviceSession.ended_at.is_(None), *where)
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def end(device: DeviceSession, reason: str = "signed_out") -> None:
    _end([DeviceSession.id == device.id], reason)


def sign_out(user: User, device: DeviceSession, *, current: int | None) -> None:
    """The person signs one of their devices out (audited when it is another device)."""
    end(device, "signed_out" if device.id == current else "signed_out_elsewhere")
    if device.id != current:
        audit.record(user, "user.device_sign_out", subject=user, target=device)


def end_others(user: User, *, keep: int | None, reason: str) -> int:
    where = [DeviceSession.user_id == user.id]
    if keep is not None:
        where.append(DeviceSession.id != keep)
    return _end(where, reason)


def end_all(user: User, reason: str) -> int:
    return _end([DeviceSession.user_id == user.id], reason)
