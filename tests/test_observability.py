"""Observability: JSON log lines that carry the request id (into the mail a request queues and
the job that sends it), and /metrics for Prometheus behind a bearer token."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from diplolearn import jobs
from diplolearn.config import load_config
from diplolearn.jobs import run_jobs
from diplolearn.models import OutboxMessage, utcnow
from diplolearn.observability import bind, log_handler
from diplolearn.observability.logs import configure_logging
from diplolearn.services.accounts import accounts
from tests.conftest import TEST_CONFIG, login, post_form
from tests.factories import make_user

TOKEN = "metrics-token-for-tests"
SOON = dt.timedelta(minutes=1)


@pytest.fixture()
def json_logs(app, monkeypatch):
    """The app logging as in production (LOG_FORMAT=json), with its debug lines, into a
    buffer: returns a function that reads the lines so far, each parsed as one JSON object."""
    previous = app.config["LOG_FORMAT"], app.config["LOG_LEVEL"]
    app.config.update(LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    configure_logging(app)
    buffer = io.StringIO()
    log_handler().setStream(buffer)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    app.config["LOG_FORMAT"], app.config["LOG_LEVEL"] = previous
    configure_logging(app)


@pytest.fixture()
def storage(app, tmp_path, monkeypatch) -> Path:
    """STORAGE_ROOT of its own, where the job writes its delivery receipts."""
    monkeypatch.setitem(app.config, "STORAGE_ROOT", str(tmp_path / "storage"))
    return tmp_path / "storage"


@pytest.fixture()
def metrics_token(app, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "diplolearn.access"]


# Logs ---------------------------------------------------------------------------------------


def test_a_request_logs_one_json_line_with_the_id_of_its_response(client, json_logs):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = access_lines(json_logs())
    assert line["request_id"] == request_id
    assert (line["level"], line["method"], line["path"], line["status"]) == (
        "INFO",
        "GET",
        "/healthz",
        200,
    )
    assert isinstance(line["duration_ms"], float)
    assert dt.datetime.fromisoformat(line["time"]).tzinfo is not None
    assert line["message"] == "GET /healthz 200"


def test_an_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, json_logs):
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-7f3a.1:2"})
    assert kept.headers["X-Request-ID"] == "proxy-7f3a.1:2"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert replaced.headers["X-Request-ID"] != "bad id <script>"
    assert len(replaced.headers["X-Request-ID"]) == 32
    too_long = client.get("/healthz", headers={"X-Request-ID": "a" * 129})
    assert len(too_long.headers["X-Request-ID"]) == 32
    ids = [line["request_id"] for line in access_lines(json_logs())]
    assert ids == [
        "proxy-7f3a.1:2",
        replaced.headers["X-Request-ID"],
        too_long.headers["X-Request-ID"],
    ]


def test_a_signed_in_request_logs_its_user_and_never_a_link_token(client, db, json_logs):
    user = make_user("logged@example.org")
    db.session.commit()
    login(client, "logged@example.org")
    client.get("/account")
    client.get("/invitation/secret-invitation-token")
    lines = access_lines(json_logs())
    account = next(line for line in lines if line["path"] == "/account")
    assert account["user_id"] == user.id
    assert "secret-invitation-token" not in json.dumps(json_logs())
    assert any(line["path"] == "/invitation/[token]" for line in lines)


def test_a_line_logged_after_the_session_is_gone_still_names_the_user(app, db, json_logs):
    """The server logs a streamed download's request line after the request's session was
    removed: the signed-in user is then detached and expired, and reading it must not fail."""
    from flask import g

    user = make_user("detached@example.org")
    db.session.commit()
    user_id = user.id
    with app.test_request_context("/account"):
        db.session.expire(user)
        db.session.expunge(user)
        g._login_user = user
        logging.getLogger("diplolearn.test").warning("after the response")
    (line,) = [line for line in json_logs() if line["logger"] == "diplolearn.test"]
    assert line["user_id"] == user_id


def test_a_record_with_an_exception_carries_its_text_and_the_bound_id(app, json_logs):
    with bind(request_id="bound-id"):
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            logging.getLogger("diplolearn.test").exception("it broke")
    (line,) = [line for line in json_logs() if line["logger"] == "diplolearn.test"]
    assert line["request_id"] == "bound-id"
    assert line["level"] == "ERROR"
    assert "ZeroDivisionError" in line["exception"]


def test_json_logs_are_the_default_in_production_only(tmp_path, monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert load_config(str(tmp_path), {"SECRET_KEY": "k"})["LOG_FORMAT"] == "text"
    production = load_config(str(tmp_path), {"ENV": "production", "SECRET_KEY": "k"})
    assert production["LOG_FORMAT"] == "json"
    monkeypatch.setenv("LOG_FORMAT", "text")
    production = load_config(str(tmp_path), {"ENV": "production", "SECRET_KEY": "k"})
    assert production["LOG_FORMAT"] == "text"


def test_a_mail_carries_the_id_of_the_request_that_queued_it(
    app, client, db, sent_mail, storage, json_logs
):
    make_user("forgetful@example.org")
    db.session.commit()
    response = post_form(
        client,
        "/password/forgot",
        {"email": "forgetful@example.org"},
        headers={"X-Request-ID": "req-forgot-1"},
    )
    assert response.status_code == 302
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    assert message.request_id == "req-forgot-1"

    results = run_jobs(utcnow() + SOON, only=["send_mail"])
    assert results["send_mail"]["sent"] == 1
    (mail,) = sent_mail
    assert mail["X-Request-ID"] == "req-forgot-1"

    job_lines = [line for line in json_logs() if line.get("job") == "send_mail"]
    sent = [line for line in job_lines if line.get("outbox_message_id") == message.id]
    assert sent and all(line["request_id"] == "req-forgot-1" for line in sent)
    assert "sent" in sent[-1]["message"]
    # The run itself has an id of its own, on its other lines.
    (done,) = [line for line in job_lines if line["message"] == "job send_mail done"]
    assert done["request_id"] == done["job_run_id"] != "req-forgot-1"
    assert done["duration_ms"] >= 0


# Metrics ------------------------------------------------------------------------------------


def scrape(client, token: str = TOKEN) -> dict[tuple[str, tuple], float]:
    """The samples of /metrics, by name and sorted labels."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_do_not_exist_without_a_configured_token(client):
    assert client.get("/metrics").status_code == 404
    headers = {"Authorization": "Bearer "}
    assert client.get("/metrics", headers=headers).status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_token):
    assert client.get("/metrics").status_code == 401
    for header in (f"Bearer {TOKEN}x", "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer"):
        response = client.get("/metrics", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_metrics_show_the_latency_of_an_endpoint_just_requested(client, metrics_token):
    name = "diplolearn_request_duration_seconds_count"
    labels = {"endpoint": "main.healthz", "method": "GET", "status": "2xx"}
    before = sample(scrape(client), name, **labels)
    client.get("/healthz")
    client.get("/healthz")
    after = scrape(client)
    assert sample(after, name, **labels) == before + 2
    bucket = {**labels, "le": "+Inf"}
    assert sample(after, "diplolearn_request_duration_seconds_bucket", **bucket) == before + 2
    assert sample(after, name, endpoint="none", method="GET", status="4xx") >= 0


def test_metrics_show_the_outbox_depth_and_the_age_of_its_oldest_message(
    client, db, metrics_token, count_queries
):
    empty = scrape(client)
    assert sample(empty, "diplolearn_outbox_pending_messages") == 0
    assert sample(empty, "diplolearn_outbox_oldest_pending_age_seconds") == 0
    for address in ("one@example.org", "two@example.org"):
        accounts.invite(make_user(address, password=None))
    oldest = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
    oldest.created_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    with count_queries() as counter:
        samples = scrape(client)
    assert sample(samples, "diplolearn_outbox_pending_messages") == 2
    assert 3600 <= sample(samples, "diplolearn_outbox_oldest_pending_age_seconds") < 3700
    # The scrape reads the outbox twice and nothing else (no user, no session, no write).
    assert counter.count == 2, counter.statements


def test_metrics_count_failed_sign_ins(client, db, metrics_token):
    name = "diplolearn_failed_sign_ins_total"
    before = sample(scrape(client), name)
    make_user("signer@example.org")
    db.session.commit()
    response = post_form(client, "/login", {"email": "signer@example.org", "password": "wrong"})
    assert response.status_code == 422
    assert sample(scrape(client), name) == before + 1
    login(client, "signer@example.org")  # a successful sign-in is not counted
    assert sample(scrape(client), name) == before + 1


def test_metrics_show_job_durations_and_failures(app, client, db, metrics_token, monkeypatch):
    count = "diplolearn_job_duration_seconds_count"
    failures = "diplolearn_job_failures_total"
    before = scrape(client)
    run_jobs(utcnow(), only=["purge_roster_uploads"])

    def broken(now):
        raise RuntimeError("the job broke")

    monkeypatch.setitem(jobs.JOBS, "issue_certificates", broken)
    assert run_jobs(utcnow(), only=["issue_certificates"]) == {"issue_certificates": {"error": 1}}
    after = scrape(client)
    for job in ("purge_roster_uploads", "issue_certificates"):
        assert sample(after, count, job=job) == sample(before, count, job=job) + 1
    assert sample(after, failures, job="purge_roster_uploads") == sample(
        before, failures, job="purge_roster_uploads"
    )
    assert sample(after, failures, job="issue_certificates") == (
        sample(before, failures, job="issue_certificates") + 1
    )


MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import sys
    from diplolearn import create_app
    from diplolearn.extensions import db

    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "METRICS_TOKEN": "t"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": "Bearer t"})
    print(response.status_code)
    print(response.get_data(as_text=True))
    """
)


def test_metrics_are_shared_between_processes_in_multiprocess_mode(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, each process writes its metrics there and a scrape adds
    up every process's: one process's requests show in another's /metrics."""
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    script = f"CONFIG = {TEST_CONFIG!r}\n" + MULTIPROCESS_SCRIPT
    root = Path(__file__).resolve().parent.parent

    def run(name: str) -> str:
        url = f"sqlite:///{tmp_path / name}.sqlite3"
        done = subprocess.run(
            [sys.executable, "-c", script, url],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    run("first")
    output = run("second")
    assert output.startswith("200")
    assert list(metrics_dir.glob("*.db"))
    healthz = (
        'diplolearn_request_duration_seconds_count{endpoint="main.healthz",method="GET",'
        'status="2xx"} 2.0'
    )
    assert healthz in output
    assert "diplolearn_outbox_pending_messages 0.0" in output
