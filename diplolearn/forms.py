"""Form helpers shared by every blueprint."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths are followed after sign-in or a language change (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    return target


def client_address() -> str:
    return request.remote_addr or "unknown"
