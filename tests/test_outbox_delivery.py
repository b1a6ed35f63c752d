"""Each outbox message is handed to the mail server once: the same Message-ID on every attempt,
a receipt written before the database records the delivery, and a stale claim released only
after checking that receipt (services.outbox, jobs.send_due_mail)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn import jobs
from diplolearn.extensions import db as _db
from diplolearn.jobs import run_jobs, send_due_mail
from diplolearn.mail import DeliveryError
from diplolearn.models import OutboxMessage, OutboxState, utcnow
from diplolearn.services.accounts import accounts
from diplolearn.services.outbox import STALE_CLAIM, claim
from tests.factories import make_user

MINUTE = dt.timedelta(minutes=1)


def soon() -> dt.datetime:
    """A minute ahead, so that everything a test has queued is already due."""
    return utcnow().replace(microsecond=0) + MINUTE


@pytest.fixture()
def storage(app, tmp_path, monkeypatch) -> Path:
    """STORAGE_ROOT of its own for the test, where the delivery receipts are written."""
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))
    return tmp_path / "storage"


def receipts(root: Path) -> list[Path]:
    return sorted((root / "outbox" / "delivered").glob("*"))


def queue_invitations(*addresses: str) -> None:
    for address in addresses:
        accounts.invite(make_user(address, password=None))
    _db.session.commit()


def outbox() -> list[OutboxMessage]:
    return list(_db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_every_attempt_at_a_message_carries_its_one_message_id(app, db, storage, monkeypatch):
    from diplolearn.services.outbox import message_id_for

    NOW = soon()
    queue_invitations("a@example.org", "b@example.org")
    real_deliver = jobs.deliver
    attempts: list = []

    def refused_once(message, reference):
        attempts.append(message)
        if len(attempts) <= 2:
            raise DeliveryError("connection refused")
        real_deliver(message, reference)

    monkeypatch.setattr(jobs, "deliver", refused_once)
    assert send_due_mail(NOW)["retry"] == 2
    assert send_due_mail(NOW + dt.timedelta(hours=1))["sent"] == 2
    ids: dict[str, set[str]] = {}
    for message in attempts:
        ids.setdefault(message["To"], set()).add(message["Message-ID"])
    # The same Message-ID on both attempts of a message, and another for each message.
    assert [len(found) for found in ids.values()] == [1, 1]
    assert ids["a@example.org"] != ids["b@example.org"]
    for row in outbox():
        assert ids[row.to_address] == {message_id_for(row)}
        assert message_id_for(row).startswith(f"<outbox.{row.id}.")
        assert message_id_for(row).endswith("@learn.example.org>")
    assert receipts(storage) == []


def test_the_folder_backend_writes_the_message_id(app, db, storage, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "folder")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    queue_invitations("folder@example.org")
    assert send_due_mail(soon())["sent"] == 1
    (written,) = (tmp_path / "mail").glob("*.eml")
    assert b"Message-ID: <outbox." in written.read_bytes()


@contextmanager
def database_refusing_to_record_sent(engine):
    """Every statement that would record a message as sent fails, as "database is locked"."""
    refused: list[str] = []

    def refuse(conn, cursor, statement, parameters, context, executemany):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGE") and "sent" in values:
            refused.append(statement)
            raise sa.exc.OperationalError(statement, parameters, Exception("database is locked"))

    sa.event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield refused
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse)


def test_a_delivery_the_database_could_not_record_is_never_sent_again(
    committed, tmp_path, monkeypatch
):
    """The fault of the operations issue: the message went out, recording it failed, and ten
    minutes later the stale claim sent it again (and again, while the database kept failing)."""
    committed.config["STORAGE_ROOT"] = str(tmp_path / "storage")
    monkeypatch.setattr(jobs, "RECORD_PAUSES", (0.0, 0.0, 0.0), raising=False)
    NOW = soon()
    sent = committed.extensions["mail_sent"]
    with committed.app_context():
        queue_invitations("one@example.org", "two@example.org", "three@example.org")
        with database_refusing_to_record_sent(_db.engine) as refused:
            assert run_jobs(NOW, only=["send_mail"])["send_mail"] == {"error": 1}
            assert [m["To"] for m in sent] == ["one@example.org"]
            assert len(refused) > 1  # the record was tried again before giving up
            # Ten minutes on, the claim is stale: the receipt says the message went out.
            run_jobs(NOW + STALE_CLAIM + MINUTE, only=["send_mail"])
            assert [m["To"] for m in sent] == ["one@example.org"]
        # The database works again: the first message is recorded, the others sent.
        result = run_jobs(NOW + 2 * (STALE_CLAIM + MINUTE), only=["send_mail"])["send_mail"]
        assert result["sent"] == 2 and result["recovered"] == 1
        assert Counter(m["To"] for m in sent) == {
            "one@example.org": 1,
            "two@example.org": 1,
            "three@example.org": 1,
        }
        assert [row.state for row in outbox()] == [OutboxState.SENT] * 3
        assert all(row.attempts == 1 and row.sent_at is not None for row in outbox())
        assert receipts(tmp_path / "storage") == []
        assert run_jobs(NOW + dt.timedelta(hours=2), only=["send_mail"])["send_mail"]["sent"] == 0
        assert len(sent) == 3


def test_a_stale_claim_without_a_receipt_is_delivered_again_once(app, db, storage, sent_mail):
    NOW = soon()
    queue_invitations("stale@example.org")
    (message,) = outbox()
    assert claim(message.id, NOW)
    db.session.commit()  # the worker that claimed it died before handing it over
    assert send_due_mail(NOW + MINUTE)["sent"] == 0  # the claim is not stale yet
    assert sent_mail == []
    assert send_due_mail(NOW + STALE_CLAIM + MINUTE)["sent"] == 1
    assert [m["To"] for m in sent_mail] == ["stale@example.org"]
    db.session.refresh(message)
    assert message.state == OutboxState.SENT and message.attempts == 1
    assert send_due_mail(NOW + 3 * STALE_CLAIM)["sent"] == 0
    assert len(sent_mail) == 1


def test_a_worker_dying_between_hand_over_and_receipt_sends_twice_with_one_message_id(
    app, db, storage, sent_mail, monkeypatch
):
    """The one case the rule allows a second copy: nothing recorded the hand-over."""
    NOW = soon()
    queue_invitations("twice@example.org")
    real_deliver = jobs.deliver

    def delivered_then_killed(message, reference):
        real_deliver(message, reference)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(jobs, "deliver", delivered_then_killed)
    with pytest.raises(RuntimeError):
        send_due_mail(NOW)
    db.session.rollback()
    monkeypatch.setattr(jobs, "deliver", real_deliver)
    assert send_due_mail(NOW + MINUTE)["sent"] == 0
    assert send_due_mail(NOW + STALE_CLAIM + MINUTE)["sent"] == 1
    assert len(sent_mail) == 2 and sent_mail[0]["Message-ID"] == sent_mail[1]["Message-ID"]
    (message,) = outbox()
    assert message.state == OutboxState.SENT
