"""The addresses DiploLearn may call: HTTPS (plain HTTP only where OUTBOUND_ALLOW_HTTP is on,
never in production, since credentials and signatures travel with every call), with a host,
no user name or password in the address, and no fragment."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from diplolearn.services.outbound import InvalidEndpoint

MAX_LENGTH = 500


def checked_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number raises here
    except ValueError:
        raise InvalidEndpoint() from None
    schemes = {"https", "http"} if current_app.config["OUTBOUND_ALLOW_HTTP"] else {"https"}
    if (
        len(url) > MAX_LENGTH
        or parts.scheme not in schemes
        or not parts.hostname
        or parts.username is not None
        or parts.fragment
        or (port is not None and not 0 < port < 65536)
    ):
        raise InvalidEndpoint()
    return url
