"""API tokens: the command line (``flask api-tokens``), the development demo's token, and
the pages that create and revoke them (a ministry's Integrations page, an instructor's
personal tokens). The API itself is tests/test_api.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diplolearn.models import ApiToken, AuditEvent
from diplolearn.services.integrations import READ_SCOPES, tokens
from tests.api_world import bearer, build
from tests.conftest import login, post_form
from tests.factories import make_ministry


@pytest.fixture()
def world(db):
    return build(db)


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- the command line and the demo -------------------------------------------------------------


def test_cli_creates_a_token_printed_alone_on_its_last_line(app, client, runner, db, world):
    result = runner.invoke(args=["api-tokens", "create", "--ministry", "API-A", "--name", "HR"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith("dlk_") and " " not in raw
    token = tokens.find_by_raw(raw)
    assert token.scopes == sorted(READ_SCOPES) and token.ministry_id == world.ministry_a.id
    assert client.get("/api/v1/staff", headers=bearer(raw)).status_code == 200
    assert (
        count(
            db,
            AuditEvent,
            AuditEvent.action == "api_token.create",
            AuditEvent.target_id == token.id,
        )
        == 1
    )
    writer = runner.invoke(
        args=[
            "api-tokens",
            "create",
            "--ministry",
            "API-A",
            "--name",
            "HR w",
            "--scope",
            "staff:write",
            "--scope",
            "staff:read",
        ]
    )
    assert tokens.find_by_raw(writer.output.strip().splitlines()[-1]).scopes == [
        "staff:read",
        "staff:write",
    ]
    unknown = runner.invoke(args=["api-tokens", "create", "--ministry", "NOPE", "--name", "X"])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
    revoked = runner.invoke(args=["api-tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0
    assert client.get("/api/v1/staff", headers=bearer(raw)).status_code == 401


def test_demo_token_is_idempotent(runner, db, monkeypatch):
    monkeypatch.delenv("DEMO_API_TOKEN", raising=False)
    assert runner.invoke(args=["api-tokens", "demo"]).output.startswith("No demo ministry")
    make_ministry("MFA-A")
    first = runner.invoke(args=["api-tokens", "demo"]).output.strip().splitlines()[-1]
    second = runner.invoke(args=["api-tokens", "demo"]).output.strip().splitlines()[-1]
    assert first == second and first.startswith("dlk_")
    assert count(db, ApiToken) == 1


# --- the integrations pages --------------------------------------------------------------------


def test_coordinator_creates_sees_once_and_revokes_a_token(client, db, world):
    login(client, world.coordinator.email)
    page = f"/ministry/{world.ministry_a.id}/integrations"
    assert client.get(page).status_code == 200
    response = post_form(
        client,
        f"{page}/tokens",
        {"name": "Payroll", "scopes": ["staff:read", "progress:read"], "lifetime_days": "30"},
        form_page=page,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "Payroll"))
    raw = next(part for part in html.split('"') if part.startswith("dlk_"))
    assert tokens.find_by_raw(raw).id == token.id and token.scopes == [
        "progress:read",
        "staff:read",
    ]
    assert raw not in client.get(page).get_data(as_text=True)  # shown once
    assert (token.expires_at - token.created_at).days == 30
    revoke = post_form(client, f"{page}/tokens/{token.id}/revoke", {}, form_page=page)
    assert revoke.status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert client.get("/api/v1/staff", headers=bearer(raw)).status_code == 401
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.target_type == "ApiToken", AuditEvent.target_id == token.id
        )
    ).all()
    assert sorted(actions) == ["api_token.create", "api_token.revoke"]


def test_a_bad_token_form_changes_nothing(client, db, world):
    login(client, world.coordinator.email)
    page = f"/ministry/{world.ministry_a.id}/integrations"
    before = count(db, ApiToken)
    for data in (
        {"name": "", "scopes": ["staff:read"], "lifetime_days": "30"},
        {"name": "X", "scopes": ["root:all"], "lifetime_days": "30"},
        {"name": "X", "scopes": ["staff:read"], "lifetime_days": "9999"},
    ):
        assert post_form(client, f"{page}/tokens", data, form_page=page).status_code == 422
    assert count(db, ApiToken) == before


def test_instructor_creates_a_personal_read_token(client, db, world):
    login(client, world.instructor.email)
    response = post_form(
        client,
        "/teach/api-tokens",
        {"name": "My sheet", "scopes": ["progress:read"], "lifetime_days": "90"},
    )
    assert response.status_code == 200
    raw = next(p for p in response.get_data(as_text=True).split('"') if p.startswith("dlk_"))
    assert (
        client.get(f"/api/v1/cohorts/{world.cohort.id}/progress", headers=bearer(raw)).status_code
        == 200
    )
    assert client.get("/api/v1/certificates", headers=bearer(raw)).status_code == 403
    write = post_form(
        client,
        "/teach/api-tokens",
        {"name": "Writer", "scopes": ["staff:write"], "lifetime_days": "90"},
        form_page="/teach/api-tokens",
    )
    assert write.status_code == 422
