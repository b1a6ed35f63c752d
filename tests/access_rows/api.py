"""Access rows for the REST API (issue 17) and the pages that manage its tokens.

API routes are authenticated by bearer tokens only: a signed-in browser's session cookie
gets 401 on every one of them, whatever the role (the OpenAPI document and the reference page
are public). The API's POST, PUT and DELETE routes are ``COVERED``: they are exempt from CSRF
(nothing there reads a cookie), so the core table's "POST without a CSRF token gets 400" does
not apply; tests/test_api_scoping.py checks them for every role's cookie (401) and for every
kind of token (ministry A, ministry B, read-only, personal, revoked, expired).
"""

from __future__ import annotations

ANYONE = (200, 200, 200, 200, 200, 200)
NO_COOKIE = (401, 401, 401, 401, 401, 401)

GET = {
    "/api/v1/openapi.json": ANYONE,
    "/api/v1/reference": ANYONE,
    "/api/v1/staff": NO_COOKIE,
    "/api/v1/staff/unknown": NO_COOKIE,
    "/api/v1/cohorts": NO_COOKIE,
    "/api/v1/cohorts/{cohort}": NO_COOKIE,
    "/api/v1/cohorts/{cohort}/nominations": NO_COOKIE,
    "/api/v1/cohorts/{cohort}/progress": NO_COOKIE,
    "/api/v1/people/{learner}/progress": NO_COOKIE,
    "/api/v1/certificates": NO_COOKIE,
    "/api/v1/certificates/987654": NO_COOKIE,
    "/api/v1/certificates/987654/certificate.pdf": NO_COOKIE,
    "/api/v1/certificates/987654/credential.jwt": NO_COOKIE,
    "/api/v1/verify/unknown": NO_COOKIE,
    "/api/v1/courses": NO_COOKIE,
    # A ministry's integrations: its coordinators and the administrators.
    "/ministry/{ministry}/integrations": (302, 403, 200, 403, 403, 200),
    "/ministry/{other_ministry}/integrations": (302, 403, 404, 403, 403, 200),
    "/ministry/987654/integrations": (302, 403, 404, 403, 403, 404),
    # An instructor's personal tokens (the tutor and the administrator teach no course here).
    "/teach/api-tokens": (302, 403, 403, 200, 403, 403),
}

POST = {
    "/ministry/{ministry}/integrations/tokens": (302, 403, 422, 403, 403, 422),
    "/ministry/{other_ministry}/integrations/tokens": (302, 403, 404, 403, 403, 422),
    "/ministry/{ministry}/integrations/tokens/{api_token}/revoke": (302, 403, 302, 403, 403, 302),
    "/ministry/{other_ministry}/integrations/tokens/{api_token}/revoke": (
        302,
        403,
        404,
        403,
        403,
        404,
    ),
    "/teach/api-tokens": (302, 403, 403, 422, 403, 403),
    "/teach/api-tokens/{personal_token}/revoke": (302, 403, 403, 302, 403, 403),
    "/teach/api-tokens/987654/revoke": (302, 403, 403, 404, 403, 403),
}

A_SIDE = ("{api_token}",)

COVERED = {
    ("PUT", "/api/v1/staff/<staff_id>"),
    ("DELETE", "/api/v1/staff/<staff_id>"),
    ("POST", "/api/v1/cohorts/<cohort_id>/nominations"),
    ("POST", "/api/v1/cohorts/<cohort_id>/nominations/<enrolment_id>/withdraw"),
}


def extend_world(app, db, world) -> dict:
    """A service token of ministry A and the instructor's personal token."""
    from diplolearn.models import Ministry, User
    from diplolearn.services.integrations import tokens

    ministry = db.session.get(Ministry, world["ids"]["ministry"])
    instructor = db.session.get(User, world["users"]["instructor"].id)
    service, _raw = tokens.create_token(name="Matrix HR", by=None, ministry=ministry)
    personal, _raw = tokens.create_token(name="Matrix mine", by=instructor, user=instructor)
    db.session.commit()
    return {"api_token": service.id, "personal_token": personal.id}
