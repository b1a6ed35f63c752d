"""The REST API (issue 17): its description, tokens, problems, staff upserts, nominations,
idempotency, ETags, rate limits, certificates, the command line and the integrations pages.
Who may reach what with which token is tests/test_api_scoping.py."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as translate
from openapi_spec_validator import validate

from diplolearn.models import (
    ApiToken,
    AuditEvent,
    EnrolmentState,
    IdempotencyKey,
    OutboxMessage,
    StaffMembership,
    User,
    utcnow,
)
from diplolearn.services.integrations import tokens
from tests.api_world import bearer, build
from tests.conftest import login

PROBLEM = "application/problem+json"


@pytest.fixture()
def world(db):
    return build(db)


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def audit_count(db) -> int:
    return count(db, AuditEvent)


# --- the description ---------------------------------------------------------------------------


def test_openapi_document_is_valid_and_describes_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    assert document["openapi"] == "3.1.0"
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in (
            "api.openapi_document",
            "api.reference",
        ):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, (method, path)
    assert all(path.startswith("/api/v1/") for path in document["paths"])


@pytest.mark.parametrize("lang,direction", [("ar", "rtl"), ("en", "ltr"), ("fr", "ltr")])
def test_reference_page_is_rendered_from_the_document_in_each_language(client, lang, direction):
    response = client.get(f"/api/v1/reference?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert f'lang="{lang}" dir="{direction}"' in html
    assert "PUT /api/v1/staff/{staff_id}" in html and 'id="problem-token-invalid"' in html


# --- authentication and problems ---------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer dlk_unknown", "Bearer not-a-token"]
)
def test_a_missing_or_unknown_token_gets_a_401_problem(client, world, header):
    response = client.get(
        "/api/v1/staff", headers={"Authorization": header} if header is not None else {}
    )
    assert response.status_code == 401 and response.mimetype == PROBLEM
    problem = response.get_json(force=True)
    assert set(problem) >= {"type", "title", "status", "detail"} and problem["status"] == 401
    assert problem["type"].endswith(("#problem-unauthorized", "#problem-token-invalid"))
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", ["revoked", "expired"])
def test_revoked_and_expired_tokens_get_401(client, world, kind):
    response = client.get("/api/v1/staff", headers=bearer(world.raw[kind]))
    assert response.status_code == 401
    assert response.get_json(force=True)["type"].endswith("#problem-token-invalid")


def test_a_personal_token_stops_working_when_its_user_is_not_active(client, db, world):
    path = f"/api/v1/cohorts/{world.cohort.id}/progress"
    assert client.get(path, headers=bearer(world.raw["personal"])).status_code == 200
    world.instructor.is_active_account = False  # suspension (another issue) makes it so
    db.session.flush()
    assert client.get(path, headers=bearer(world.raw["personal"])).status_code == 401


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_problems_speak_the_callers_accept_language(app, client, world, lang):
    response = client.get(
        "/api/v1/staff", headers=bearer(world.raw["personal"], **{"Accept-Language": lang})
    )
    assert response.status_code == 403
    with app.test_request_context(), force_locale(lang):
        expected = translate("Not allowed")
    assert expected != "Not allowed"
    assert response.get_json(force=True)["title"] == expected


def test_a_session_cookie_never_authenticates_an_api_call(client, world):
    login(client, world.coordinator.email)
    response = client.get("/api/v1/staff")
    assert response.status_code == 401 and response.mimetype == PROBLEM
    put = client.put("/api/v1/staff/A-777", json={"email": "x@example.org", "name_latin": "X"})
    assert put.status_code == 401
    assert response.headers.get("Set-Cookie") is None


def test_last_use_is_recorded_at_most_once_a_minute(client, db, world):
    token = world.a_token
    assert token.last_used_at is None
    client.get("/api/v1/courses", headers=bearer(world.raw["a"]))
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None and utcnow() - first < dt.timedelta(seconds=30)
    client.get("/api/v1/courses", headers=bearer(world.raw["a"]))
    db.session.refresh(token)
    assert token.last_used_at == first  # within the minute: nothing written
    token.last_used_at = first - dt.timedelta(minutes=2)
    db.session.flush()
    client.get("/api/v1/courses", headers=bearer(world.raw["a"]))
    db.session.refresh(token)
    assert token.last_used_at > first - dt.timedelta(minutes=2)


def test_tokens_are_stored_hashed_with_a_recognisable_prefix(db, world):
    raw = world.raw["a"]
    assert raw.startswith("dlk_") and len(raw) > 40
    stored = db.session.get(ApiToken, world.a_token.id)
    assert stored.token_digest == tokens.digest(raw) and raw not in stored.token_digest
    assert stored.prefix == raw[:12]


def test_a_token_without_the_scope_gets_403(client, world):
    response = client.put(
        "/api/v1/staff/A-001",
        json={"email": "a1@example.org", "name_latin": "A"},
        headers=bearer(world.raw["read"]),
    )
    assert response.status_code == 403
    assert response.get_json(force=True)["type"].endswith("#problem-scope-missing")
    assert "staff:write" in response.get_json(force=True)["detail"]


def test_rate_limit_per_token_answers_429_with_retry_after(app, client, world):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [
            client.get("/api/v1/courses", headers=bearer(world.raw["a"])).status_code
            for _ in range(3)
        ]
        limited = client.get("/api/v1/courses", headers=bearer(world.raw["a"]))
        other = client.get("/api/v1/courses", headers=bearer(world.raw["b"]))
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json(force=True)["type"].endswith("#problem-rate-limited")
    assert other.status_code == 200  # counted per token


def test_get_answers_carry_an_etag_and_honour_if_none_match(client, world):
    first = client.get("/api/v1/staff", headers=bearer(world.raw["a"]))
    etag = first.headers["ETag"]
    again = client.get("/api/v1/staff", headers=bearer(world.raw["a"], **{"If-None-Match": etag}))
    assert again.status_code == 304 and again.get_data() == b""
    client.put(
        "/api/v1/staff/A-002",
        json={"email": "a2@example.org", "name_latin": "Renamed"},
        headers=bearer(world.raw["a"]),
    )
    changed = client.get("/api/v1/staff", headers=bearer(world.raw["a"], **{"If-None-Match": etag}))
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


# --- staff -------------------------------------------------------------------------------------


def test_staff_list_pages_with_a_cursor_and_filters(client, world):
    headers = bearer(world.raw["a"])
    first = client.get("/api/v1/staff?limit=1", headers=headers).get_json()
    assert len(first["items"]) == 1 and first["next"]
    second = client.get(f"/api/v1/staff?limit=1&cursor={first['next']}", headers=headers)
    second = second.get_json()
    assert [i["staff_id"] for i in first["items"] + second["items"]] == ["A-001", "A-002"]
    assert second["next"] is None
    assert {"id", "staff_id"} <= set(first["items"][0])
    by_id = client.get("/api/v1/staff?staff_id=A-002", headers=headers).get_json()
    assert [i["email"] for i in by_id["items"]] == ["a2@example.org"]
    by_email = client.get("/api/v1/staff?email=A1@Example.org", headers=headers).get_json()
    assert [i["staff_id"] for i in by_email["items"]] == ["A-001"]
    later = (utcnow() + dt.timedelta(hours=1)).isoformat()
    since = client.get("/api/v1/staff", query_string={"updated_since": later}, headers=headers)
    assert since.get_json()["items"] == []
    former = client.get("/api/v1/staff?active=false", headers=headers).get_json()
    assert former["items"] == []
    for bad in ("active=maybe", "updated_since=yesterday", "limit=0", "cursor=x", "colour=red"):
        response = client.get(f"/api/v1/staff?{bad}", headers=headers)
        assert response.status_code == 400 and response.mimetype == PROBLEM, bad


def test_put_creates_an_invited_staff_member_then_is_idempotent(client, db, world):
    body = {"email": "new.person@example.org", "name_latin": "New Person", "language": "fr"}
    created = client.put("/api/v1/staff/A-100", json=body, headers=bearer(world.raw["a"]))
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["staff_id"] == "A-100" and item["active"] and item["language"] == "fr"
    assert count(db, OutboxMessage, OutboxMessage.to_address == "new.person@example.org") == 1
    again = client.put("/api/v1/staff/A-100", json=body, headers=bearer(world.raw["a"]))
    assert again.status_code == 200 and again.get_json()["changed"] == []
    assert again.get_json()["id"] == item["id"]
    renamed = client.put(
        "/api/v1/staff/A-100",
        json={**body, "name_latin": "New P. Person", "position": "Counsellor"},
        headers=bearer(world.raw["a"]),
    )
    assert renamed.status_code == 200
    assert renamed.get_json()["changed"] == ["name_latin", "position"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.subject_user_id == item["id"])
    ).all()
    assert {"user.create", "staff.join", "staff.update"} <= set(actions)
    by_token = db.session.scalars(
        sa.select(AuditEvent.details)
        .where(AuditEvent.action == "api_token.write", AuditEvent.target_id == world.a_token.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [d["status"] for d in by_token] == [201, 200, 200]
    assert by_token[0]["method"] == "PUT" and by_token[0]["path"] == "/api/v1/staff/A-100"


def test_put_gives_a_staff_id_to_a_current_member_who_has_none(client, db, world):
    membership = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == world.a2.id)
    )
    membership.staff_id = None
    db.session.flush()
    response = client.put(
        "/api/v1/staff/A-200",
        json={"email": "a2@example.org", "name_latin": "A Two"},
        headers=bearer(world.raw["a"]),
    )
    assert response.status_code == 200 and response.get_json()["id"] == world.a2.id
    assert response.get_json()["staff_id"] == "A-200"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"email": "x@example.org", "name_latin": "X", "salary": 1}, "salary"),
        ({"email": "x@example.org", "name_latin": 7}, "name_latin"),
        ({"email": "x@example.org"}, "name_latin"),
        ({"email": "not an address", "name_latin": "X"}, "email"),
        ({"email": "x@example.org", "name_latin": "X", "language": "de"}, "language"),
        ({"email": "x@example.org", "name_latin": "X" * 201}, "name_latin"),
        (["x@example.org"], ""),
    ],
)
def test_put_refuses_bad_bodies_and_changes_nothing(client, db, world, body, field):
    before = (count(db, User), audit_count(db))
    response = client.put("/api/v1/staff/A-300", json=body, headers=bearer(world.raw["a"]))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert field in response.get_json(force=True)["errors"]
    assert (count(db, User), audit_count(db)) == before


def test_malformed_json_wrong_media_type_and_oversize_bodies(app, client, db, world):
    headers = bearer(world.raw["a"])
    before = (count(db, User), audit_count(db))
    malformed = client.put(
        "/api/v1/staff/A-300",
        data=b'{"email": ',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.mimetype == PROBLEM
    form = client.put("/api/v1/staff/A-300", data={"email": "x@example.org"}, headers=headers)
    assert form.status_code == 415
    big = {"email": "x@example.org", "name_latin": "X", "position": "y" * 70_000}
    oversize = client.put("/api/v1/staff/A-300", json=big, headers=headers)
    assert oversize.status_code == 413 and oversize.mimetype == PROBLEM
    assert (count(db, User), audit_count(db)) == before


def test_put_refuses_a_person_of_another_ministry(client, db, world):
    before = audit_count(db)
    response = client.put(
        "/api/v1/staff/A-400",
        json={"email": "b1@example.org", "name_latin": "Someone"},
        headers=bearer(world.raw["a"]),
    )
    assert response.status_code == 409 and response.mimetype == PROBLEM
    assert "another organisation" in response.get_json(force=True)["detail"]
    assert audit_count(db) == before


def test_delete_ends_a_membership(client, db, world):
    response = client.delete("/api/v1/staff/A-002", headers=bearer(world.raw["a"]))
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.delete("/api/v1/staff/A-002", headers=bearer(world.raw["a"])).status_code == 404
    still = client.get("/api/v1/staff/A-002", headers=bearer(world.raw["a"]))
    # A former member without an enrolment the ministry sponsored leaves its sight, as on the
    # ministry's pages.
    assert still.status_code == 404


# --- nominations and idempotency ---------------------------------------------------------------


def test_nominate_and_withdraw_through_the_nomination_services(client, db, world):
    path = f"/api/v1/cohorts/{world.cohort.id}/nominations"
    response = client.post(path, json={"staff_id": "A-002"}, headers=bearer(world.raw["a"]))
    assert response.status_code == 201, response.get_json()
    nomination = response.get_json()
    assert nomination["state"] == EnrolmentState.INVITED and nomination["staff_id"] == "A-002"
    listed = client.get(path, headers=bearer(world.raw["a"])).get_json()["items"]
    assert {item["staff_id"] for item in listed} == {"A-001", "A-002"}
    withdrawn = client.post(f"{path}/{nomination['id']}/withdraw", headers=bearer(world.raw["a"]))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["state"] == "withdrawn"
    again = client.post(f"{path}/{nomination['id']}/withdraw", headers=bearer(world.raw["a"]))
    assert again.status_code == 409 and again.mimetype == PROBLEM


@pytest.mark.parametrize(
    "body",
    [{"staff_id": "B-001"}, {"person_id": "seven"}, {"staff_id": "A-002", "person_id": 1}, {}],
)
def test_bad_nominations_change_nothing(client, db, world, body):
    before = audit_count(db)
    response = client.post(
        f"/api/v1/cohorts/{world.cohort.id}/nominations", json=body, headers=bearer(world.raw["a"])
    )
    assert response.status_code in (404, 422) and response.mimetype == PROBLEM
    assert audit_count(db) == before


def test_a_person_of_another_ministry_is_not_found(client, db, world):
    response = client.post(
        f"/api/v1/cohorts/{world.cohort.id}/nominations",
        json={"person_id": world.b1.id},
        headers=bearer(world.raw["a"]),
    )
    assert response.status_code == 404


def test_idempotency_key_replays_the_answer_and_refuses_another_body(client, db, world):
    path = f"/api/v1/cohorts/{world.cohort.id}/nominations"
    headers = bearer(world.raw["a"], **{"Idempotency-Key": "nominate-a2-1"})
    first = client.post(path, json={"staff_id": "A-002"}, headers=headers)
    assert first.status_code == 201
    replay = client.post(path, json={"staff_id": "A-002"}, headers=headers)
    assert replay.status_code == 201 and replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    before = audit_count(db)
    other = client.post(path, json={"staff_id": "A-001"}, headers=headers)
    assert other.status_code == 422 and other.mimetype == PROBLEM
    assert other.get_json(force=True)["type"].endswith("#problem-idempotency-key-reused")
    assert audit_count(db) == before
    assert count(db, IdempotencyKey) == 1
    # Without the key, the same nomination is refused as already made.
    assert (
        client.post(path, json={"staff_id": "A-002"}, headers=bearer(world.raw["a"])).status_code
        == 409
    )


def test_a_refused_request_stores_no_key(client, db, world):
    headers = bearer(world.raw["a"], **{"Idempotency-Key": "k-1"})
    refused = client.put(
        "/api/v1/staff/A-500", json={"email": "b1@example.org", "name_latin": "B"}, headers=headers
    )
    assert refused.status_code == 409 and count(db, IdempotencyKey) == 0
    fixed = client.put(
        "/api/v1/staff/A-500", json={"email": "c@example.org", "name_latin": "C"}, headers=headers
    )
    assert fixed.status_code == 201


# --- certificates, progress, catalogue ---------------------------------------------------------


def test_certificates_list_and_links(client, world):
    items = client.get("/api/v1/certificates", headers=bearer(world.raw["a"])).get_json()["items"]
    assert [item["code"] for item in items] == [world.certificate_a.code]
    links = items[0]["links"]
    assert links["verification"].endswith(world.certificate_a.code)
    pdf = client.get(links["pdf"], headers=bearer(world.raw["a"]))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    credential = client.get(links["credential"], headers=bearer(world.raw["a"]))
    assert credential.status_code == 200 and credential.get_data(as_text=True).count(".") == 2
    verified = client.get(
        f"/api/v1/verify/{world.certificate_b.code}", headers=bearer(world.raw["a"])
    )
    assert verified.get_json()["status"] == "valid"
    assert client.get("/api/v1/verify/nope", headers=bearer(world.raw["a"])).status_code == 404


def test_progress_per_cohort_and_per_person(client, world):
    cohort = client.get(
        f"/api/v1/cohorts/{world.cohort.id}/progress", headers=bearer(world.raw["a"])
    ).get_json()["items"]
    assert [item["person_id"] for item in cohort] == [world.a1.id]  # never B's nominee
    assert {"percent", "complete", "modules"} <= set(cohort[0])
    person = client.get(
        f"/api/v1/people/{world.a1.id}/progress", headers=bearer(world.raw["a"])
    ).get_json()["items"]
    assert {item["cohort_id"] for item in person} == {world.cohort.id, world.earlier.id}
    assert any(item["complete"] for item in person)
    personal = client.get(
        f"/api/v1/cohorts/{world.cohort.id}/progress", headers=bearer(world.raw["personal"])
    ).get_json()["items"]
    assert {item["person_id"] for item in personal} == {world.a1.id, world.b1.id}


def test_catalogue_and_cohorts_with_seats(client, world):
    courses = client.get("/api/v1/courses", headers=bearer(world.raw["read"])).get_json()
    assert [course["key"] for course in courses["items"]] == [world.course.key]
    cohorts = client.get("/api/v1/cohorts", headers=bearer(world.raw["read"])).get_json()["items"]
    assert [c["id"] for c in cohorts] == [world.cohort.id]
    assert cohorts[0]["seats"] == {"allotted": 3, "held": 1, "waiting": 0, "free": 2}
    assert cohorts[0]["open_for_nominations"] is True


def test_unknown_addresses_and_methods_under_the_api_get_problems(client, world):
    missing = client.get("/api/v1/nothing-here", headers=bearer(world.raw["a"]))
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    wrong = client.patch("/api/v1/staff/A-001", headers=bearer(world.raw["a"]))
    assert wrong.status_code == 405 and wrong.mimetype == PROBLEM
    assert "PUT" in wrong.headers["Allow"]
    assert client.get("/no/such/page").mimetype == "text/html"  # the site's own pages
