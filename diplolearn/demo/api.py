"""The development demo's API token: a ministry service token of the first demo ministry
(MFA-A) with every scope, so the README's and docs/api.md's curl calls work after
``make run``.

Idempotent: the raw value is known rather than random — ``DEMO_API_TOKEN`` from the
environment, else a fixed development-only value — so running it again finds the same token
(by its digest) instead of making a new one, and the printed value never changes. This is
acceptable because demo data is refused in production (the command checks); a real
deployment creates its tokens on the Integrations page or with ``flask api-tokens create``.
If the known token was revoked or has expired, a fresh random one replaces it. Flushes; the
command commits.
"""

from __future__ import annotations

import os

from diplolearn.services.integrations import ALL_SCOPES, tokens

DEMO_MINISTRY_CODE = "MFA-A"
DEMO_TOKEN_NAME = "Demo HR system"
# Development only: a known value so that the documented curl calls work as written.
DEVELOPMENT_TOKEN = "dlk_demo-development-only-do-not-use-in-production"


def seed_demo_token() -> str | None:
    """The raw demo token (created if missing); None when the demo ministry does not exist."""
    ministry = tokens.ministry_by_code(DEMO_MINISTRY_CODE)
    if ministry is None:
        return None
    raw = os.environ.get("DEMO_API_TOKEN") or DEVELOPMENT_TOKEN
    existing = tokens.find_by_raw(raw)
    if existing is not None and existing.usable() and existing.ministry_id == ministry.id:
        return raw
    if existing is not None:
        raw = None  # revoked, expired or another ministry's: a fresh random one
    _token, raw = tokens.create_token(
        name=DEMO_TOKEN_NAME, by=None, ministry=ministry, scopes=ALL_SCOPES, raw=raw
    )
    return raw
