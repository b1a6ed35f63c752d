"""What every API request passes through, and the helpers its views share.

- Authentication: ``Authorization: Bearer <token>`` only. The request is treated as
  anonymous for the session (a signed-in browser's cookie never authenticates an API call,
  and errors speak the Accept-Language of the caller). A missing, unknown, expired or revoked
  token, or a personal token whose user is no longer active, gets 401.
- Last use: recorded at most once a minute per token, in one short transaction before the
  request's own work (``audited_read``, the one write a GET may make), so reading does not
  write on every call.
- Rate limit per token (``API_RATE_LIMIT``, in flask-limiter's storage, so Redis shares it
  between workers): 429 with Retry-After.
- Bodies: JSON only, at most ``API_MAX_BODY_BYTES`` (413).
- GET answers carry an ETag and honour If-None-Match (304).
- Errors are RFC 9457 problem documents (services.integrations.problems).
"""

from __future__ import annotations

import json
import math
import time

from flask import Response, abort, current_app, g, request
from flask_babel import gettext as _
from limits import parse
from werkzeug.exceptions import HTTPException

from diplolearn.api import bp
from diplolearn.extensions import limiter, login_manager
from diplolearn.models import ApiTokenKind, utcnow
from diplolearn.services.errors import DomainError, NotAllowed
from diplolearn.services.integrations import (
    ApiInputInvalid,
    IdempotencyKeyReused,
    idempotency,
    problems,
    tokens,
)
from diplolearn.unit_of_work import audited_read, unit_of_work

PUBLIC_ENDPOINTS = frozenset({"api.openapi_document", "api.reference"})
DEFAULT_PAGE = 100
MAX_PAGE = 500


def fail(slug: str, detail=None, **values):
    """Stop the request with this problem document."""
    abort(problems.response(slug, detail, **values))


@bp.before_app_request
def _routing_problems():
    """An address under /api/v1 that matches no route (404) or not with this method (405)
    belongs to no blueprint, so the blueprint's handlers never see it: answer a problem
    document here, before Flask raises the routing error."""
    error = request.routing_exception
    if (
        isinstance(error, HTTPException)
        and error.code in (404, 405)
        and request.path.startswith("/api/v1/")
    ):
        return _problem(error)
    return None


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    g._login_user = login_manager.anonymous_user()  # the cookie plays no part from here on
    limit = current_app.config["API_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return problems.response("too-large", size=limit)
    request.max_content_length = limit
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        return problems.response("unauthorized")
    token = tokens.authenticate(raw)
    if token is None:
        return problems.response("token-invalid")
    refused = _rate_limited(token.id)
    if refused is not None:
        return refused
    now = utcnow()
    if tokens.needs_touch(token, now):
        with audited_read():
            tokens.touch(token.id, now)
        token = tokens.authenticate(raw)
        if token is None:  # revoked in between
            return problems.response("token-invalid")
    g.api_token = token
    g.api_viewer = tokens.viewer_for(token)
    return None


def _rate_limited(token_id: int) -> Response | None:
    if not limiter.enabled:
        return None
    item = parse(current_app.config["API_RATE_LIMIT"])
    if limiter.limiter.hit(item, "api-token", str(token_id)):
        return None
    stats = limiter.limiter.get_window_stats(item, "api-token", str(token_id))
    seconds = max(1, math.ceil(stats.reset_time - time.time()))
    return problems.response("rate-limited", seconds=seconds, headers={"Retry-After": str(seconds)})


@bp.after_request
def _conditional(response: Response) -> Response:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Authorization", "Accept-Language"))
    if request.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.errorhandler(HTTPException)
def _problem(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.code == 413:
        return problems.response("too-large", size=current_app.config["API_MAX_BODY_BYTES"])
    response = problems.for_status(error.code)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


# --- for the views ---------------------------------------------------------------------------


def token():
    return g.api_token


def viewer():
    return g.api_viewer


def require(scope: str, *, ministry: bool = False) -> int | None:
    """Refuse (403) a token without ``scope``, or (``ministry``) one that is not a ministry
    token; returns the ministry id of a ministry token, None for a personal one."""
    current = g.api_token
    if ministry and current.kind != ApiTokenKind.MINISTRY:
        fail("forbidden", _("This request needs a ministry's service token."))
    if scope not in current.scopes:
        fail("scope-missing", scope=scope)
    return current.ministry_id


def as_json(body, status: int = 200, headers=None) -> Response:
    response = Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def listing(items: list, next_cursor=None) -> Response:
    return as_json({"items": items, "next": str(next_cursor) if next_cursor else None})


def page_arguments() -> tuple[int, int]:
    """(after, limit) from ``?cursor=`` (an opaque position) and ``?limit=`` (1 to 500)."""
    try:
        after = int(request.args.get("cursor", "0"))
        limit = int(request.args.get("limit", DEFAULT_PAGE))
    except ValueError:
        fail("bad-request", _("cursor and limit must be whole numbers."))
    if after < 0 or not 1 <= limit <= MAX_PAGE:
        fail("bad-request", _("cursor and limit must be whole numbers."))
    return after, limit


def json_body():
    """The request's JSON body (any JSON value: the caller checks its shape)."""
    if request.mimetype != "application/json":
        fail("unsupported-media-type")
    try:
        return json.loads(request.get_data(cache=True) or b"")
    except (ValueError, UnicodeDecodeError):
        fail("malformed-json")


def refusal(error: DomainError) -> Response:
    if isinstance(error, ApiInputInvalid):
        return problems.response("invalid-body", extra={"errors": error.problems})
    if isinstance(error, IdempotencyKeyReused):
        return problems.response("idempotency-key-reused")
    if isinstance(error, NotAllowed):
        return problems.response("forbidden", error.message)
    return problems.response("conflict", error.message)  # the rules refused: nothing changed


def write(operation) -> Response:
    """Run ``operation(actor) -> (status, body)`` as the request's one unit of work. With an
    Idempotency-Key, a replay of the same request gets the stored answer, the same key with
    another request a 422, and the answer is stored in the change's own transaction."""
    current = g.api_token
    try:
        key = idempotency.checked_key(request.headers.get("Idempotency-Key"))
    except ApiInputInvalid as error:
        return refusal(error)
    digest = idempotency.request_digest(request.method, request.path, request.get_data(cache=True))
    token_id = current.id
    actor = tokens.actor_for(current)
    if key is not None:
        try:
            stored = idempotency.replay(token_id, key, digest)
        except IdempotencyKeyReused as error:
            return refusal(error)
        if stored is not None:
            return as_json(stored.response, stored.status, {"Idempotent-Replayed": "true"})
    answer: dict = {}
    with unit_of_work(quiet=True) as work:
        status, body = operation(actor)
        tokens.record_write(current, actor, request.method, request.path, status)
        if key is not None:
            idempotency.remember(token_id, key, digest, status, body)
        answer = {"status": status, "body": body}
    if work.refused:
        return refusal(work.error)
    return as_json(answer["body"], answer["status"])
