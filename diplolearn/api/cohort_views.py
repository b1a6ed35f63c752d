"""Cohorts and seats, nominations and withdrawals, progress (``/api/v1/cohorts``,
``/api/v1/people/<id>/progress``).

A ministry token sees the cohorts where its ministry has seats (with seats held and waiting),
nominates its current staff and withdraws its nominees, through the services of the ministry's
nomination pages; it follows the progress of the enrolments it sponsored. A personal token
sees the cohorts its instructor teaches and the progress of the learners they follow.
"""

from __future__ import annotations

from flask_babel import gettext as _

from diplolearn.api import bp
from diplolearn.api.gate import (
    as_json,
    fail,
    json_body,
    listing,
    refusal,
    require,
    token,
    viewer,
    write,
)
from diplolearn.models import ApiTokenKind
from diplolearn.security.scoping import (
    coordinated_ministry_or_404,
    current_membership_or_404,
    ministry_person_or_404,
    ministry_sponsored_enrolments,
    ministry_staff,
    nominated_enrolment_or_404,
    nominated_list,
    nomination_cohort_or_404,
    nomination_cohort_rows,
    sponsored_cohort_or_404,
    taught_cohort_or_404,
    taught_cohorts,
)
from diplolearn.services.cohorts import cohorts as cohort_service
from diplolearn.services.integrations import ApiInputInvalid, records, staff


def _is_ministry() -> bool:
    return token().kind == ApiTokenKind.MINISTRY


@bp.get("/cohorts")
def list_cohorts():
    ministry_id = require("cohorts:read")
    if not _is_ministry():
        cohorts = records.taught_cohort_list(taught_cohorts(viewer()))
        return listing([records.cohort_item(cohort) for cohort in cohorts])
    rows = nomination_cohort_rows(viewer(), ministry_id)
    held, waiting = records.seat_counts(viewer(), ministry_id, [c.id for c, _a in rows])
    return listing([records.cohort_item(c, a, held.get(c.id), waiting.get(c.id)) for c, a in rows])


@bp.get("/cohorts/<int:cohort_id>")
def show_cohort(cohort_id: int):
    ministry_id = require("cohorts:read")
    if not _is_ministry():
        return as_json(records.cohort_item(taught_cohort_or_404(viewer(), cohort_id).cohort))
    cohort, allotment = nomination_cohort_or_404(viewer(), ministry_id, cohort_id)
    held, waiting = records.seat_counts(viewer(), ministry_id, [cohort.id])
    return as_json(
        records.cohort_item(cohort, allotment, held.get(cohort.id), waiting.get(cohort.id))
    )


def _staff_ids(ministry_id: int) -> dict:
    return {m.user_id: m.staff_id for m in ministry_staff(viewer(), ministry_id)}


@bp.get("/cohorts/<int:cohort_id>/nominations")
def list_nominations(cohort_id: int):
    ministry_id = require("nominations:read", ministry=True)
    cohort, _allotment = nomination_cohort_or_404(viewer(), ministry_id, cohort_id)
    enrolments = nominated_list(viewer(), ministry_id, cohort.id)
    positions = records.waiting_positions(cohort.id, enrolments)
    staff_ids = _staff_ids(ministry_id)
    return listing([records.nomination_item(e, staff_ids, positions.get(e.id)) for e in enrolments])


def _nominee(ministry_id: int):
    """The current staff member a nomination names: ``{"staff_id": ...}`` or
    ``{"person_id": ...}``, exactly one of them."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiInputInvalid({"": "a JSON object"})
    problems = {name: "unknown field" for name in body if name not in ("staff_id", "person_id")}
    if len([name for name in ("staff_id", "person_id") if name in body]) != 1:
        problems["staff_id"] = "give staff_id or person_id"
    elif "staff_id" in body and not isinstance(body["staff_id"], str):
        problems["staff_id"] = "a string"
    elif "person_id" in body and (
        not isinstance(body["person_id"], int) or isinstance(body["person_id"], bool)
    ):
        problems["person_id"] = "an integer"
    if problems:
        raise ApiInputInvalid(problems)
    if "person_id" in body:
        return current_membership_or_404(viewer(), ministry_id, body["person_id"])
    membership = staff.current_by_staff_id(viewer(), ministry_id, body["staff_id"])
    if membership is None:
        fail("not-found", _("No current member of the ministry's staff has this staff ID."))
    return membership


@bp.post("/cohorts/<int:cohort_id>/nominations")
def nominate(cohort_id: int):
    ministry_id = require("nominations:write", ministry=True)
    ministry = coordinated_ministry_or_404(viewer(), ministry_id)
    cohort, _allotment = nomination_cohort_or_404(viewer(), ministry_id, cohort_id)
    try:
        membership = _nominee(ministry_id)
    except ApiInputInvalid as error:
        return refusal(error)

    def place(actor):
        enrolment = cohort_service.nominate(cohort, ministry, membership.user, by=actor)
        positions = records.waiting_positions(cohort.id, [enrolment])
        item = records.nomination_item(
            enrolment, {membership.user_id: membership.staff_id}, positions.get(enrolment.id)
        )
        return 201, item

    return write(place)


@bp.post("/cohorts/<int:cohort_id>/nominations/<int:enrolment_id>/withdraw")
def withdraw(cohort_id: int, enrolment_id: int):
    ministry_id = require("nominations:write", ministry=True)
    cohort, _allotment = nomination_cohort_or_404(viewer(), ministry_id, cohort_id)
    enrolment = nominated_enrolment_or_404(viewer(), ministry_id, cohort.id, enrolment_id)

    def take_back(actor):
        cohort_service.withdraw(enrolment, by=actor)
        return 200, records.nomination_item(enrolment)

    return write(take_back)


@bp.get("/cohorts/<int:cohort_id>/progress")
def cohort_progress(cohort_id: int):
    ministry_id = require("progress:read")
    if _is_ministry():
        cohort = sponsored_cohort_or_404(viewer(), ministry_id, cohort_id)
        enrolments = nominated_list(viewer(), ministry_id, cohort.id)
    else:
        access = taught_cohort_or_404(viewer(), cohort_id)
        enrolments = records.followed_enrolments(viewer(), access.cohort)
    return listing(records.progress_items(enrolments))


@bp.get("/people/<int:person_id>/progress")
def person_progress(person_id: int):
    ministry_id = require("progress:read", ministry=True)
    person = ministry_person_or_404(viewer(), ministry_id, person_id)
    enrolments = ministry_sponsored_enrolments(viewer(), ministry_id, person.id)
    return listing(records.progress_items(enrolments))
