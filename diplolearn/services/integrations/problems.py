"""RFC 9457 problem documents (``application/problem+json``), in the caller's language.

Each kind of problem has a stable ``type`` URI (an anchor of the API reference page, which
explains it), a short ``title`` and the HTTP ``status``; ``detail`` says what happened in this
case. Titles and details are translated (flask_babel, from the request's Accept-Language).
"""

from __future__ import annotations

import json

from flask import Response, url_for
from flask_babel import lazy_gettext as _l

MEDIA_TYPE = "application/problem+json"

# slug -> (status, title, default detail)
KINDS = {
    "unauthorized": (
        401,
        _l("Authentication needed"),
        _l("Send a valid API token as 'Authorization: Bearer <token>'."),
    ),
    "token-invalid": (
        401,
        _l("Token not valid"),
        _l("The token is unknown, expired or revoked. Ask for a new one."),
    ),
    "forbidden": (
        403,
        _l("Not allowed"),
        _l("This token cannot be used for this request."),
    ),
    "scope-missing": (
        403,
        _l("Scope missing"),
        _l("The token does not carry the scope this request needs: %(scope)s."),
    ),
    "not-found": (
        404,
        _l("Not found"),
        _l("There is nothing at this address, or it is not this token's to see."),
    ),
    "method-not-allowed": (
        405,
        _l("Method not allowed"),
        _l("This address does not accept that method."),
    ),
    "conflict": (409, _l("Refused"), _l("The request was refused. Nothing was changed.")),
    "too-large": (
        413,
        _l("Request too large"),
        _l("The request body is larger than %(size)s bytes. Nothing was changed."),
    ),
    "unsupported-media-type": (
        415,
        _l("Unsupported media type"),
        _l("Send the body as application/json. Nothing was changed."),
    ),
    "invalid-body": (
        422,
        _l("Invalid request"),
        _l("The request body is not valid. Nothing was changed."),
    ),
    "malformed-json": (
        400,
        _l("Malformed JSON"),
        _l("The request body is not valid JSON. Nothing was changed."),
    ),
    "bad-request": (
        400,
        _l("Bad request"),
        _l("The request could not be understood. Nothing was changed."),
    ),
    "idempotency-key-reused": (
        422,
        _l("Idempotency-Key reused"),
        _l(
            "This Idempotency-Key was already used with a different request. Nothing was "
            "changed: use a new key for a new request."
        ),
    ),
    "rate-limited": (
        429,
        _l("Too many requests"),
        _l("This token has made too many requests. Wait %(seconds)s seconds, then try again."),
    ),
    "unavailable": (
        503,
        _l("Not available at the moment"),
        _l("An unexpected error occurred. Nothing was changed; please try again."),
    ),
    "server-error": (
        500,
        _l("Something went wrong"),
        _l("An unexpected error occurred. Nothing was changed; please try again."),
    ),
}
BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-body",
    429: "rate-limited",
}


def type_uri(slug: str) -> str:
    return url_for("api.reference", _external=True) + "#problem-" + slug


def document(slug: str, detail=None, **values) -> dict:
    status, title, default = KINDS[slug]
    extra = values.pop("extra", None) or {}
    text = detail if detail is not None else default
    text = str(text) % values if values and detail is None else str(text)
    return {"type": type_uri(slug), "title": str(title), "status": status, "detail": text, **extra}


def response(slug: str, detail=None, *, headers=None, **values) -> Response:
    body = document(slug, detail, **values)
    answer = Response(
        json.dumps(body, ensure_ascii=False), status=body["status"], mimetype=MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        answer.headers[name] = value
    if body["status"] == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="DiploLearn API"'
    return answer


def for_status(status: int, detail=None, **kwargs) -> Response:
    return response(
        BY_STATUS.get(status, "bad-request" if status < 500 else "server-error"), detail, **kwargs
    )
