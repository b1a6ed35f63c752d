"""A ministry's staff (``/api/v1/staff``), by the staff ID of the ministry's HR system.

Ministry tokens only (a personal token gets 403): list with filters and a cursor, read one,
create or update one (PUT: an idempotent upsert, a new person invited like one added on the
"Add a person" page), end a membership (DELETE). Lookups intersect with the token's ministry
through the coordinator's scoping loaders, so another ministry's staff IDs answer 404.
"""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import gettext as _

from diplolearn.api import bp
from diplolearn.api.gate import (
    as_json,
    fail,
    json_body,
    listing,
    page_arguments,
    refusal,
    require,
    viewer,
    write,
)
from diplolearn.security.scoping import coordinated_ministry_or_404
from diplolearn.services.integrations import ApiInputInvalid, staff

FILTERS = {"cursor", "limit", "updated_since", "staff_id", "email", "active"}


def _instant(text: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fail("bad-request", _("updated_since must be a date and time in ISO 8601."))
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def _filters() -> dict:
    args = request.args
    unknown = sorted(set(args) - FILTERS)
    if unknown:
        fail("bad-request", _("Unknown query parameter: %(names)s.", names=", ".join(unknown)))
    filters: dict = {"staff_id": args.get("staff_id"), "email": args.get("email")}
    if "active" in args:
        if args["active"] not in ("true", "false"):
            fail("bad-request", _("active must be true or false."))
        filters["active"] = args["active"] == "true"
    if "updated_since" in args:
        filters["updated_since"] = _instant(args["updated_since"])
    return filters


@bp.get("/staff")
def list_staff():
    ministry_id = require("staff:read", ministry=True)
    after, limit = page_arguments()
    rows, more = staff.list_staff(viewer(), ministry_id, _filters(), after, limit)
    return listing([staff.staff_item(m) for m in rows], rows[-1].id if more else None)


@bp.get("/staff/<staff_id>")
def show_staff(staff_id: str):
    ministry_id = require("staff:read", ministry=True)
    membership = staff.membership_by_staff_id(viewer(), ministry_id, staff_id)
    if membership is None:
        fail("not-found")
    return as_json(staff.staff_item(membership))


@bp.put("/staff/<staff_id>")
def put_staff(staff_id: str):
    ministry_id = require("staff:write", ministry=True)
    ministry = coordinated_ministry_or_404(viewer(), ministry_id)
    try:
        staff_id = staff.checked_staff_id(staff_id)
        values = staff.checked_person(json_body())
    except ApiInputInvalid as error:
        return refusal(error)

    def upsert(actor):
        membership, created, changed = staff.upsert(viewer(), ministry, staff_id, values, actor)
        return (201 if created else 200), {**staff.staff_item(membership), "changed": changed}

    return write(upsert)


@bp.delete("/staff/<staff_id>")
def end_staff(staff_id: str):
    ministry_id = require("staff:write", ministry=True)
    membership = staff.current_by_staff_id(viewer(), ministry_id, staff_id)
    if membership is None:
        fail("not-found")

    def end(actor):
        staff.end(membership, actor)
        return 200, staff.staff_item(membership)

    return write(end)
