"""Suspension (issue 21): an administrator, or a coordinator for their own staff, suspends an
account with a reason and reactivates it; a suspended person cannot sign in by any route, their
sessions end at once, ``is_active`` is false (API tokens check it); records are kept; all of it
is audited. Someone outside the coordinator's ministry answers 404 and nothing changes."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from diplolearn.models import AuditEvent, EnrolmentState, Role, User
from diplolearn.services.accounts import accounts, people
from diplolearn.services.signin import devices, suspension, two_factor
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    PASSWORD,
    make_cohort,
    make_learner,
    make_ministry,
    make_user,
    make_with_role,
)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def fresh(db, user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions(db, user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_user_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture()
def world(db):
    a, b = make_ministry("MFA-A"), make_ministry("MFA-B")
    admin = make_with_role(Role.ADMINISTRATOR, email="admin@example.org")
    coord_a = make_with_role(Role.COORDINATOR, a.id, email="coord-a@example.org")
    coord_b = make_with_role(Role.COORDINATOR, b.id, email="coord-b@example.org")
    alice, enrolment = make_learner(
        make_cohort(), ministry=a, email="alice@example.org", name_latin="Alice A"
    )
    bob = make_user("bob@example.org")
    people.join_ministry(bob, b)
    db.session.commit()
    return {
        "a": a,
        "b": b,
        "admin": admin,
        "coord_a": coord_a,
        "coord_b": coord_b,
        "alice": alice,
        "enrolment": enrolment,
        "bob": bob,
    }


def test_an_administrator_suspends_with_a_reason_and_the_sessions_end_at_once(app, db, world):
    alice = world["alice"]
    hers = app.test_client()
    login(hers, alice.email)
    admin = app.test_client()
    login(admin, world["admin"].email)
    page = admin.get(f"/admin/people/{alice.id}")
    assert f"/admin/people/{alice.id}/suspend" in page.text
    path = f"/admin/people/{alice.id}/suspend"
    assert admin.get(path).status_code == 200
    response = post_form(admin, path, {"reason": "  "})
    assert response.status_code == 422
    assert fresh(db, alice).suspended_at is None and signed_in(hers)
    response = post_form(admin, path, {"reason": "Left the service; account under review."})
    assert response.status_code == 302
    alice = fresh(db, alice)
    assert alice.suspended_at is not None and alice.suspended_by_id == world["admin"].id
    assert alice.suspension_reason == "Left the service; account under review."
    assert not alice.is_active
    assert not signed_in(hers)
    assert devices.open_devices(alice) == []
    # Records are kept.
    assert db.session.get(type(world["enrolment"]), world["enrolment"].id).state == (
        EnrolmentState.ACTIVE
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.suspend"))
    assert event.actor_id == world["admin"].id and event.subject_user_id == alice.id
    assert event.details["reason"].startswith("Left the service")
    # Suspending again: refused, nothing changed.
    response = post_form(admin, path, {"reason": "again"}, form_page=path)
    assert response.status_code == 409
    assert actions(db, alice).count("user.suspend") == 1


def test_a_suspended_person_cannot_sign_in_by_any_route(app, db, world, sent_mail):
    from diplolearn.auth.signin import finish_sign_in

    alice = world["alice"]
    reset = accounts.request_password_reset(alice.email)
    invited = make_user("new@example.org", password=None)
    invitation = accounts.invite(invited, world["admin"])
    suspension.suspend(alice, by=world["admin"], reason="r")
    suspension.suspend(invited, by=world["admin"], reason="r")
    db.session.commit()
    client = app.test_client()
    # Password
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": alice.email, "password": PASSWORD}
    )
    assert response.status_code == 422 and "not active" in response.text
    assert not signed_in(client)
    # Single sign-on (21a's callback ends in finish_sign_in)
    with app.test_request_context("/sso/callback"):
        response = finish_sign_in(alice, method="sso", second_factor=True)
        assert response.status_code == 403
        assert b"suspended" in response.get_data()
    # Mailed links: shown and submitted
    for path in (f"/password/reset/{reset}", f"/invitation/{invitation}"):
        page = client.get(path)
        assert page.status_code == 403 and "suspended" in page.text
        new = "a fresh long passphrase"
        response = client.post(path, data={"csrf_token": token, "password": new, "confirm": new})
        assert response.status_code == 403
        assert not signed_in(client)
    assert fresh(db, invited).password_hash is None
    # Asking for a new reset link sends nothing.
    before = len(sent_mail)
    assert accounts.request_password_reset(alice.email) is None
    assert len(sent_mail) == before


def test_a_suspension_between_password_and_code_stops_the_sign_in(app, db, world):
    alice = world["alice"]
    secret = two_factor.new_secret()
    two_factor.enrol(alice, secret, pyotp.TOTP(secret).now(), keep_device=None)
    db.session.commit()
    client = app.test_client()
    token = csrf_from(client, "/login")
    client.post("/login", data={"csrf_token": token, "email": alice.email, "password": PASSWORD})
    suspension.suspend(alice, by=world["admin"], reason="r")
    db.session.commit()
    response = client.get("/login/two-factor")
    assert response.status_code == 403 and "suspended" in response.text
    assert not signed_in(client)


def test_reactivating_lets_the_person_sign_in_again(app, db, world):
    alice = world["alice"]
    suspension.suspend(alice, by=world["admin"], reason="r")
    db.session.commit()
    admin = app.test_client()
    login(admin, world["admin"].email)
    path = f"/admin/people/{alice.id}/reactivate"
    assert "Reactivate account" in admin.get(f"/admin/people/{alice.id}").text
    response = post_form(admin, path, {}, form_page=f"/admin/people/{alice.id}")
    assert response.status_code == 302
    alice = fresh(db, alice)
    assert alice.is_active and alice.suspended_at is None and alice.suspension_reason == ""
    login(app.test_client(), alice.email)
    assert actions(db, alice)[-1] == "user.reactivate"
    # Reactivating an active account: refused with a clear page, nothing changed.
    response = post_form(admin, path, {}, form_page=f"/admin/people/{alice.id}")
    assert response.status_code == 409 and "not suspended" in response.text
    assert actions(db, alice).count("user.reactivate") == 1


def test_a_coordinator_suspends_and_reactivates_their_own_staff(app, db, world):
    a, alice = world["a"], world["alice"]
    coord = app.test_client()
    login(coord, world["coord_a"].email)
    base = f"/ministry/{a.id}/people/{alice.id}"
    assert f"{base}/suspend" in coord.get(base).text
    response = post_form(coord, f"{base}/suspend", {"reason": "On leave pending inquiry"})
    assert response.status_code == 302
    assert fresh(db, alice).suspended_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.suspend"))
    assert event.ministry_id == a.id and event.actor_id == world["coord_a"].id
    assert "suspended" in coord.get(base).text
    response = post_form(coord, f"{base}/reactivate", {}, form_page=base)
    assert response.status_code == 302
    assert fresh(db, alice).is_active


def test_someone_outside_the_coordinators_ministry_answers_404(app, db, world):
    a, b, bob, alice = world["a"], world["b"], world["bob"], world["alice"]
    coord = app.test_client()
    login(coord, world["coord_a"].email)
    token = csrf_from(coord, f"/ministry/{a.id}/people/{alice.id}/suspend")
    for ministry_id, user_id in ((a.id, bob.id), (b.id, bob.id), (a.id, world["admin"].id)):
        base = f"/ministry/{ministry_id}/people/{user_id}"
        assert coord.get(f"{base}/suspend").status_code == 404
        response = coord.post(f"{base}/suspend", data={"csrf_token": token, "reason": "x"})
        assert response.status_code == 404
        assert coord.post(f"{base}/reactivate", data={"csrf_token": token}).status_code == 404
    assert fresh(db, bob).suspended_at is None
    assert "user.suspend" not in actions(db, bob)


def test_a_coordinator_cannot_suspend_an_administrator_nor_anyone_themselves(app, db, world):
    a, admin = world["a"], world["admin"]
    people.join_ministry(admin, a)
    db.session.commit()
    coord = app.test_client()
    login(coord, world["coord_a"].email)
    path = f"/ministry/{a.id}/people/{admin.id}/suspend"
    response = post_form(coord, path, {"reason": "x"})
    assert response.status_code == 409 and "administrator" in response.text
    assert fresh(db, admin).suspended_at is None
    own = app.test_client()
    login(own, admin.email)
    path = f"/admin/people/{admin.id}/suspend"
    response = post_form(own, path, {"reason": "x"})
    assert response.status_code == 409 and "your own account" in response.text
    assert fresh(db, admin).is_active


def test_learners_and_instructors_cannot_suspend_anyone(app, db, world):
    alice = world["alice"]
    client = app.test_client()
    login(client, world["bob"].email)
    token = csrf_from(client, "/account")
    response = client.post(
        f"/admin/people/{alice.id}/suspend", data={"csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 403
    assert fresh(db, alice).is_active


def test_api_tokens_of_a_suspended_person_stop_working(db, world):
    tokens = pytest.importorskip("diplolearn.services.integrations.tokens")
    instructor = make_with_role(Role.INSTRUCTOR, make_cohort().course_id)
    assert tokens.may_hold_personal_token(instructor)
    suspension.suspend(instructor, by=world["admin"], reason="r")
    assert not instructor.is_active
    assert not tokens.may_hold_personal_token(instructor)
