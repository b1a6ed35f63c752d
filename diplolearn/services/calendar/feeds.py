"""The calendar feed's secret key: ``<account id>-<mac>``, where the mac is an HMAC-SHA256 of
the id and the account's ``calendar_salt`` under the SECRET_KEY. A new salt regenerates the key
(the old URL stops working); ``calendar_revoked_at`` turns the feed off until regenerated.
Nothing secret is stored: the key is recomputed whenever the account page shows it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

from diplolearn.extensions import db
from diplolearn.models import User, utcnow
from diplolearn.services.outbox import public_url

_KEY = re.compile(r"(\d{1,18})-([A-Za-z0-9_-]{32})")


def _mac(user_id: int, salt: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(secret, f"calendar-feed:{user_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def feed_key(user: User) -> str | None:
    """The account's current key, or None while its feed is revoked."""
    if user.calendar_revoked_at is not None:
        return None
    return f"{user.id}-{_mac(user.id, user.calendar_salt or '')}"


def feed_urls(user: User) -> tuple[str, str] | None:
    """(https URL, webcal:// URL) of the account's feed, or None while it is revoked."""
    key = feed_key(user)
    if key is None:
        return None
    url = public_url("main.calendar_feed", key=key)
    return url, "webcal://" + url.split("://", 1)[1]


def account_for_key(key: str) -> User | None:
    """The active account whose current key this is; None for a forged, stale or revoked key."""
    match = _KEY.fullmatch(key or "")
    if match is None:
        return None
    user = db.session.get(User, int(match.group(1)))
    if user is None or not user.is_active or user.calendar_revoked_at is not None:
        return None
    if not hmac.compare_digest(match.group(2), _mac(user.id, user.calendar_salt or "")):
        return None
    return user


def revoke(user: User) -> None:
    """Turn the feed off: its URL answers 404 until the person makes a new one."""
    if user.calendar_revoked_at is None:
        user.calendar_revoked_at = utcnow()
    db.session.flush()


def regenerate(user: User) -> None:
    """A new secret URL (the old one stops working); turns a revoked feed back on."""
    user.calendar_salt = secrets.token_hex(16)
    user.calendar_revoked_at = None
    db.session.flush()
