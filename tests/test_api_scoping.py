"""Who reaches what through the API: every route against every kind of token, and every
write route against every signed-in role's cookie.

Tokens, in ``KINDS`` order: ministry A's service token (every scope), ministry B's (every
scope), A's read-only token, the instructor's personal token (who teaches the course and leads
``{cohort}`` and ``{earlier}``), a revoked and an expired token of A. The scoping is that of the web pages: B
gets 404 for anything of A (and A for anything of B), a personal token 403 on the ministry
routes, a read-only token 403 on writes, revoked and expired tokens 401. A refused write
changes nothing (the audit trail, which every change writes to, stays as it was).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diplolearn.models import AuditEvent, Role
from tests.api_world import bearer, build
from tests.conftest import login
from tests.factories import make_with_role

KINDS = ["a", "b", "read", "personal", "revoked", "expired"]
NO = (401, 401)  # revoked, expired

READS = {
    "/api/v1/staff": (200, 200, 200, 403, *NO),
    "/api/v1/staff/A-001": (200, 404, 200, 403, *NO),
    "/api/v1/staff/B-001": (404, 200, 404, 403, *NO),
    "/api/v1/cohorts": (200, 200, 200, 200, *NO),
    "/api/v1/cohorts/{cohort}": (200, 200, 200, 200, *NO),
    "/api/v1/cohorts/{earlier}": (404, 404, 404, 200, *NO),
    # The instructor teaches the course, so follows all its cohorts (as on /teach).
    "/api/v1/cohorts/{other_cohort}": (404, 404, 404, 200, *NO),
    "/api/v1/cohorts/{cohort}/nominations": (200, 200, 200, 403, *NO),
    "/api/v1/cohorts/{earlier}/nominations": (404, 404, 404, 403, *NO),
    "/api/v1/cohorts/{cohort}/progress": (200, 200, 200, 200, *NO),
    "/api/v1/cohorts/{earlier}/progress": (200, 404, 200, 200, *NO),
    "/api/v1/cohorts/{other_cohort}/progress": (404, 200, 404, 200, *NO),
    "/api/v1/people/{a1}/progress": (200, 404, 200, 403, *NO),
    "/api/v1/people/{b1}/progress": (404, 200, 404, 403, *NO),
    "/api/v1/people/987654/progress": (404, 404, 404, 403, *NO),
    "/api/v1/certificates": (200, 200, 200, 200, *NO),
    "/api/v1/certificates/{certificate_a}": (200, 404, 200, 200, *NO),
    "/api/v1/certificates/{certificate_b}": (404, 200, 404, 404, *NO),
    "/api/v1/certificates/{certificate_a}/certificate.pdf": (200, 404, 200, 200, *NO),
    "/api/v1/certificates/{certificate_b}/certificate.pdf": (404, 200, 404, 404, *NO),
    "/api/v1/certificates/{certificate_a}/credential.jwt": (200, 404, 200, 200, *NO),
    "/api/v1/certificates/{certificate_b}/credential.jwt": (404, 200, 404, 404, *NO),
    "/api/v1/verify/{code_a}": (200, 200, 200, 200, *NO),
    "/api/v1/courses": (200, 200, 200, 200, *NO),
    "/api/v1/openapi.json": (200, 200, 200, 200, 200, 200),
    "/api/v1/reference": (200, 200, 200, 200, 200, 200),
}

A1 = {"email": "a1@example.org", "name_latin": "Person A1"}
# (method, path, body) -> statuses in KINDS order. The one kind that succeeds is sent last.
WRITES = {
    ("PUT", "/api/v1/staff/A-001", "a1"): (200, 409, 403, 403, *NO),
    ("PUT", "/api/v1/staff/B-001", "a1"): (409, 409, 403, 403, *NO),
    ("DELETE", "/api/v1/staff/A-002", None): (200, 404, 403, 403, *NO),
    ("DELETE", "/api/v1/staff/B-001", None): (404, 200, 403, 403, *NO),
    ("POST", "/api/v1/cohorts/{cohort}/nominations", "A-002"): (201, 404, 403, 403, *NO),
    ("POST", "/api/v1/cohorts/{earlier}/nominations", "A-002"): (404, 404, 403, 403, *NO),
    ("POST", "/api/v1/cohorts/{cohort}/nominations", "person_b1"): (404, 409, 403, 403, *NO),
    ("POST", "/api/v1/cohorts/{cohort}/nominations/{enrolment_a1}/withdraw", None): (
        200,
        404,
        403,
        403,
        *NO,
    ),
    ("POST", "/api/v1/cohorts/{cohort}/nominations/{enrolment_b1}/withdraw", None): (
        404,
        200,
        403,
        403,
        *NO,
    ),
}


def fill(path: str, world) -> str:
    return path.format(
        cohort=world.cohort.id,
        earlier=world.earlier.id,
        other_cohort=world.other_cohort.id,
        a1=world.a1.id,
        b1=world.b1.id,
        certificate_a=world.certificate_a.id,
        certificate_b=world.certificate_b.id,
        code_a=world.certificate_a.code,
        enrolment_a1=world.enrolment_a1.id,
        enrolment_b1=world.enrolment_b1.id,
    )


def body_for(name, world):
    return {
        None: None,
        "a1": A1,
        "A-002": {"staff_id": "A-002"},
        "person_b1": {"person_id": world.b1.id},
    }[name]


def audit_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("path", list(READS))
def test_every_read_route_for_every_kind_of_token(client, db, path):
    world = build(db)
    url = fill(path, world)
    got = tuple(client.get(url, headers=bearer(world.raw[kind])).status_code for kind in KINDS)
    assert got == READS[path], path


@pytest.mark.parametrize("route", list(WRITES), ids=lambda r: f"{r[0]} {r[1]} {r[2]}")
def test_every_write_route_for_every_kind_of_token(client, db, route):
    method, path, body_name = route
    world = build(db)
    url = fill(path, world)
    expected = dict(zip(KINDS, WRITES[route], strict=True))
    succeeding = [kind for kind, status in expected.items() if status < 300]
    order = [kind for kind in KINDS if kind not in succeeding] + succeeding
    for kind in order:
        before = audit_count(db)
        response = client.open(
            url, method=method, json=body_for(body_name, world), headers=bearer(world.raw[kind])
        )
        assert response.status_code == expected[kind], (kind, response.get_data(as_text=True))
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
            assert audit_count(db) == before, kind  # a refusal changes nothing
        else:
            assert audit_count(db) > before


ROLES = {
    "learner": None,
    "coordinator": Role.COORDINATOR,
    "instructor": Role.INSTRUCTOR,
    "tutor": Role.TUTOR,
    "administrator": Role.ADMINISTRATOR,
}


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_cookies_never_write_through_the_api(client, db, role):
    """The COVERED rows of tests/access_rows/api.py: every role's session gets 401 on the API's
    PUT, DELETE and POST routes (no CSRF token is asked for: no cookie is read)."""
    world = build(db)
    if role != "anonymous":
        grant = ROLES[role]
        scope = {
            Role.COORDINATOR: world.ministry_a.id,
            Role.INSTRUCTOR: world.course.id,
            Role.TUTOR: None,
        }.get(grant)
        if grant == Role.TUTOR:
            from diplolearn.services.cohorts import organisations

            scope = organisations.add_tutor_group(world.cohort, "g-api", "G").id
        user = make_with_role(grant, scope) if grant else world.a1
        login(client, user.email)
    before = audit_count(db)
    for method, path, body_name in WRITES:
        response = client.open(fill(path, world), method=method, json=body_for(body_name, world))
        assert response.status_code == 401, (role, method, path)
    assert audit_count(db) == before
