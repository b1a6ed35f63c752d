"""Signed-in devices (issue 21): each sign-in is a device session named by the session cookie;
a person sees theirs and signs any of them out; a password or second-factor change signs out
the others; a GET writes nothing (last seen is noted at sign-in and by POSTs)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from diplolearn.models import AuditEvent, DeviceSession, User, utcnow
from diplolearn.services.signin import devices
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def browser(app, agent=FIREFOX, address="203.0.113.77"):
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    return client


def open_devices(db, user) -> list[DeviceSession]:
    db.session.expire_all()
    return devices.open_devices(user)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (FIREFOX, "Firefox · Windows"),
        (SAFARI_IPHONE, "Safari · iOS"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge · Linux",
        ),
        ("curl/8.0", ""),
        ("", ""),
    ],
)
def test_the_user_agent_is_summarised(agent, summary):
    assert devices.summarise_agent(agent) == summary


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_the_place_is_the_address_network(address, network):
    assert devices.network_of(address) == network


def test_signing_in_records_the_device_and_the_account_page_lists_it(app, db):
    user = make_user()
    db.session.commit()
    phone = browser(app, SAFARI_IPHONE, "198.51.100.9")
    login(phone, user.email)
    laptop = browser(app)
    login(laptop, user.email)
    listed = open_devices(db, user)
    assert [d.device for d in listed] == ["Firefox · Windows", "Safari · iOS"]
    assert listed[1].network == "198.51.100.0/24" and listed[1].method == "password"
    page = laptop.get("/account")
    assert "Safari · iOS" in page.text and "198.51.100.0/24" in page.text
    assert "this device" in page.text


def test_signing_out_another_device_ends_its_session_at_once(app, db):
    user = make_user()
    db.session.commit()
    phone, laptop = browser(app, SAFARI_IPHONE), browser(app)
    login(phone, user.email)
    login(laptop, user.email)
    phone_device = next(d for d in open_devices(db, user) if d.device == "Safari · iOS")
    response = post_form(
        laptop, f"/account/devices/{phone_device.id}/sign-out", {}, form_page="/account"
    )
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert [d.device for d in open_devices(db, user)] == ["Firefox · Windows"]
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "user.device_sign_out")
    )


def test_signing_out_this_device_signs_out(app, db):
    user = make_user()
    db.session.commit()
    laptop = browser(app)
    login(laptop, user.email)
    (device,) = open_devices(db, user)
    response = post_form(laptop, f"/account/devices/{device.id}/sign-out", {}, form_page="/account")
    assert response.status_code == 302
    assert not signed_in(laptop)
    assert open_devices(db, user) == []


def test_a_device_of_someone_else_or_a_forged_id_answers_404_and_changes_nothing(app, db):
    me, other = make_user(), make_user()
    db.session.commit()
    mine, theirs = browser(app), browser(app)
    login(mine, me.email)
    login(theirs, other.email)
    (their_device,) = open_devices(db, other)
    for device_id in (their_device.id, 999999):
        response = post_form(
            mine, f"/account/devices/{device_id}/sign-out", {}, form_page="/account"
        )
        assert response.status_code == 404
    assert signed_in(theirs)
    assert len(open_devices(db, other)) == 1
    # Without the form's CSRF token: refused, nothing changed.
    response = mine.post(f"/account/devices/{their_device.id}/sign-out")
    assert response.status_code == 400


def test_a_forged_or_old_session_id_is_not_signed_in(app, db):
    user = make_user()
    db.session.commit()
    laptop = browser(app)
    login(laptop, user.email)
    (device,) = open_devices(db, user)
    for forged in (
        f"{user.id}.{user.session_epoch}",  # the format before devices
        f"{user.id}.{user.session_epoch}.{device.id + 1000}",
        f"{user.id + 1}.{user.session_epoch}.{device.id}",
        f"{user.id}.{user.session_epoch}.x",
    ):
        with laptop.session_transaction() as session:
            session["_user_id"] = forged
        assert not signed_in(laptop), forged


def test_signing_out_everywhere_else_keeps_this_device(app, db):
    user = make_user()
    db.session.commit()
    clients = [browser(app, SAFARI_IPHONE), browser(app, SAFARI_IPHONE), browser(app)]
    for client in clients:
        login(client, user.email)
    response = post_form(clients[2], "/account/devices/sign-out-others", {}, form_page="/account")
    assert response.status_code == 302
    assert [signed_in(c) for c in clients] == [False, False, True]
    assert len(open_devices(db, user)) == 1


def test_changing_the_password_signs_out_the_other_devices_only(app, db):
    user = make_user()
    db.session.commit()
    phone, laptop = browser(app, SAFARI_IPHONE), browser(app)
    login(phone, user.email)
    login(laptop, user.email)
    new = "another long passphrase"
    response = post_form(
        laptop,
        "/account/password",
        {"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new},
        form_page="/account",
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    (left,) = open_devices(db, user)
    assert left.device == "Firefox · Windows"
    ended = db.session.scalars(
        sa.select(DeviceSession.end_reason).where(DeviceSession.user_id == user.id)
    ).all()
    assert "password_changed" in ended


def test_signing_out_ends_the_device_session(app, db):
    user = make_user()
    db.session.commit()
    laptop = browser(app)
    login(laptop, user.email)
    token = csrf_from(laptop, "/account")
    assert laptop.post("/logout", data={"csrf_token": token}).status_code == 302
    assert open_devices(db, user) == []


def seen_long_ago(app, db):
    """A signed-in browser whose device was last seen two hours ago: (browser, device, when)."""
    user = make_user()
    db.session.commit()
    laptop = browser(app)
    login(laptop, user.email)
    (device,) = open_devices(db, user)
    long_ago = utcnow() - dt.timedelta(hours=2)
    device.last_seen_at = long_ago
    db.session.commit()
    return laptop, device, long_ago


def test_a_get_writes_nothing_and_a_post_notes_last_seen_at_most_every_few_minutes(app, db):
    laptop, device, long_ago = seen_long_ago(app, db)
    assert laptop.get("/account").status_code == 200
    db.session.expire_all()
    assert db.session.get(DeviceSession, device.id).last_seen_at == long_ago
    response = post_form(
        laptop,
        "/account",
        {"timezone": "UTC", "interface_language": "en", "reading_language": "en"},
    )
    assert response.status_code in (200, 302)
    db.session.expire_all()
    seen = db.session.get(DeviceSession, device.id).last_seen_at
    assert seen > long_ago + dt.timedelta(hours=1)
    # Seen again at once: no new write.
    post_form(
        laptop,
        "/account",
        {"timezone": "UTC", "interface_language": "en", "reading_language": "en"},
    )
    db.session.expire_all()
    assert db.session.get(DeviceSession, device.id).last_seen_at == seen


def test_noting_a_device_seen_changes_nothing_before_the_unit_of_work(app, db, count_queries):
    """A POST's view reads before its unit of work: a changed device would be flushed by that
    read, outside the writers' turn (on SQLite, "database is locked" while another worker
    writes). The device is only noted; its unit of work writes it, and a refusal forgets it."""
    from diplolearn.services.errors import DomainError
    from diplolearn.unit_of_work import unit_of_work

    _laptop, device, long_ago = seen_long_ago(app, db)
    with app.test_request_context("/", method="POST"):
        assert devices.touch(device)
        assert not db.session.dirty
        with count_queries() as counter:
            db.session.execute(sa.select(User.id)).all()
        assert not any(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)
        with unit_of_work(quiet=True) as work:
            raise DomainError("refused")
        assert work.refused
        db.session.expire_all()
        assert db.session.get(DeviceSession, device.id).last_seen_at == long_ago
        device = db.session.get(DeviceSession, device.id)
        assert devices.touch(device)
        with unit_of_work():
            pass
        db.session.expire_all()
        assert db.session.get(DeviceSession, device.id).last_seen_at > long_ago
