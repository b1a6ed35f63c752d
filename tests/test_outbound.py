"""Learning records sent to a real learning record store (Ralph), and signed webhooks (issue 17).

Statements and webhook calls are queued in the transaction of the fact they report, sent by
the job afterwards with retries, once per fact; a ministry's integration page manages its
stores and webhooks and lists every delivery. Ralph is started by the tests (tests/lrs.py).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from diplolearn import jobs
from diplolearn.models import AuditEvent, OutboundDelivery, Role, utcnow
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from diplolearn.services.certificates import certificates
from diplolearn.services.errors import ModuleLocked
from diplolearn.services.outbound import InvalidEndpoint, records, stores, webhooks
from diplolearn.services.outbound import statements as xapi
from diplolearn.services.outbound.endpoints import checked_url
from diplolearn.unit_of_work import unit_of_work
from tests import lrs
from tests.conftest import login, post_form
from tests.factories import (
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
    quiz_answers,
)


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    with lrs.ralph(tmp_path_factory.mktemp("ralph")) as base:
        yield base


@pytest.fixture(autouse=True)
def platform_address(app, monkeypatch):
    """A platform address of each test's own: statement ids derive from it, and the store
    outlives the test database (ids restart with it), so a test never meets another's
    statements in Ralph."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", f"https://{uuid.uuid4().hex}.diplolearn.test")


@pytest.fixture()
def world(db):
    ministry, other = make_ministry("MFA-X"), make_ministry("MFA-Y")
    coordinator = make_with_role(Role.COORDINATOR, ministry.id)
    course = make_published_course(modules=2, lessons_per_module=1, with_quiz=True)
    return ministry, other, coordinator, course


def _deliveries(db, **where):
    query = sa.select(OutboundDelivery).order_by(OutboundDelivery.id)
    for name, value in where.items():
        query = query.where(getattr(OutboundDelivery, name) == value)
    return list(db.session.scalars(query))


def _store(ministry, coordinator, endpoint, password=lrs.PASSWORD, share_email=False):
    return stores.add_store(
        ministry,
        name="Ministry LRS",
        endpoint=endpoint,
        username=lrs.USERNAME,
        password=password,
        share_email=share_email,
        by=coordinator,
    )


def _finish(enrolment, course):
    """Every lesson and quiz of the course, passed: the enrolment completes."""
    for module in course.module_keys:
        for key in course.lesson_keys[course.module_keys.index(module)]:
            standing = progress.course_progress(enrolment)
            progress.mark_lesson_done(enrolment, standing, standing.lesson(key))
        quiz = progress.course_progress(enrolment).quiz(f"{module}-quiz")
        attempt = quizzes.start_attempt(enrolment, quiz, "en")
        quizzes.submit(attempt, _form(quiz_answers(attempt)))
        progress.complete_if_done(enrolment, progress.course_progress(enrolment))


def _form(data):
    from werkzeug.datastructures import MultiDict

    return MultiDict([(k, v) for k, values in data.items() for v in values])


# --- what is queued --------------------------------------------------------------------------


def test_nothing_is_queued_without_a_store(db, world):
    ministry, _, _, course = world
    _, enrolment = make_learner(course.cohort, ministry=ministry)
    standing = progress.course_progress(enrolment)
    progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
    assert _deliveries(db) == []


def test_every_fact_is_queued_once_for_the_sponsors_store(db, world, ralph):
    ministry, other, coordinator, course = world
    store = _store(ministry, coordinator, ralph)
    _, enrolment = make_learner(course.cohort, ministry=ministry)
    make_learner(course.cohort, ministry=other)  # another ministry's learner: not its store's
    _finish(enrolment, course)
    assert enrolment.state == "completed"
    events = [d.event for d in _deliveries(db)]
    assert events.count("registered") == 1
    assert events.count("read") == 2  # two lessons
    assert events.count("passed") == 2 and events.count("failed") == 0
    assert events.count("answered") == 6  # three questions in each quiz
    # completed: the two quizzes, the two modules and the course
    assert events.count("completed") == 5
    assert events.count("earned") == 1
    assert {d.destination for d in _deliveries(db)} == {f"store:{store.id}"}
    # Completion re-checked and the certificate asked for again: nothing more is queued.
    before = len(events)
    progress.update_completion([enrolment.id])
    certificates.issue_certificate(enrolment)
    assert len(_deliveries(db)) == before


def test_a_fact_rolled_back_queues_nothing(app, db, world, ralph):
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, ralph)
    _, enrolment = make_learner(course.cohort, ministry=ministry)
    db.session.commit()
    queued = len(_deliveries(db))
    assert queued == 1  # registered
    with app.test_request_context("/"), unit_of_work(quiet=True) as work:
        standing = progress.course_progress(enrolment)
        progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
        raise ModuleLocked()
    assert work.refused
    assert len(_deliveries(db)) == queued


# --- sent to a real learning record store ----------------------------------------------------


def test_statements_reach_the_store_and_read_back(app, db, world, ralph):
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, ralph)
    user, enrolment = make_learner(course.cohort, ministry=ministry)
    standing = progress.course_progress(enrolment)
    progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
    counts = jobs.send_outbound(utcnow())
    assert counts["sent"] == 2 and counts["retry"] == counts["failed"] == 0
    read = next(d for d in _deliveries(db) if d.event == "read")
    assert read.state == "sent" and read.response_status == 200
    stored = lrs.statement(ralph, read.payload_id)
    assert stored["id"] == read.payload_id == xapi.fact_id("read", enrolment.id, "m1-l1")
    assert stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"
    assert stored["object"]["id"].endswith(
        "/xapi/activities/lesson/" + course.course.key + "/m1/m1-l1"
    )
    # An account on the platform with an opaque name: no email, no name, no database id.
    account = stored["actor"]["account"]
    assert account["homePage"] == app.config["PUBLIC_URL"].rstrip("/")
    assert account["name"] == xapi.opaque_name(user.id) and str(user.id) != account["name"]
    assert "mbox" not in stored["actor"] and user.email not in json.dumps(stored)
    assert stored["context"]["registration"] == xapi.registration(enrolment.id)
    # Sending again changes nothing: every delivery is recorded as sent.
    assert jobs.send_outbound(utcnow()) == {"sent": 0, "retry": 0, "failed": 0, "postponed": 0}


def test_the_email_identifies_learners_only_where_the_ministry_allows_it(db, world, ralph):
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, ralph, share_email=True)
    user, _ = make_learner(course.cohort, ministry=ministry)
    jobs.send_outbound(utcnow())
    registered = _deliveries(db, event="registered")[0]
    stored = lrs.statement(ralph, registered.payload_id)
    assert stored["actor"]["mbox"] == f"mailto:{user.email}" and "account" not in stored["actor"]


def test_an_unreachable_store_is_retried_with_back_off_then_given_up(app, db, world):
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, "http://127.0.0.1:9/xAPI/")  # nothing listens there
    make_learner(course.cohort, ministry=ministry)
    delivery = _deliveries(db)[0]
    now = utcnow()
    assert jobs.send_outbound(now)["retry"] == 1
    db.session.refresh(delivery)
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_error
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
    assert jobs.send_outbound(now)["retry"] == 0  # not due yet
    for attempt in range(2, app.config["OUTBOUND_MAX_ATTEMPTS"] + 1):
        now = delivery.next_attempt_at
        jobs.send_outbound(now)
        db.session.refresh(delivery)
        assert delivery.attempts == attempt
    assert delivery.state == "failed"


def test_a_store_that_is_down_is_called_once_per_run(db, world):
    """Its other deliveries wait for the next run instead of each waiting for the failure."""
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, "http://127.0.0.1:9/xAPI/")
    _, enrolment = make_learner(course.cohort, ministry=ministry)
    standing = progress.course_progress(enrolment)
    progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
    counts = jobs.send_outbound(utcnow())
    assert counts["retry"] == 1 and counts["postponed"] == 1  # registered, then read
    assert sorted(d.attempts for d in _deliveries(db)) == [0, 1]
    assert {d.state for d in _deliveries(db)} == {"pending"}


def test_a_refusal_is_given_up_at_once_with_the_answer_kept(db, world, ralph):
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, ralph, password="not-the-password")
    make_learner(course.cohort, ministry=ministry)
    assert jobs.send_outbound(utcnow())["failed"] == 1
    delivery = _deliveries(db)[0]
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("failed", 1, 401)


def test_a_removed_store_receives_nothing_more(db, world, ralph):
    ministry, _, coordinator, course = world
    store = _store(ministry, coordinator, ralph)
    make_learner(course.cohort, ministry=ministry)
    stores.remove_store(store, coordinator)
    assert jobs.send_outbound(utcnow())["failed"] == 1
    assert _deliveries(db)[0].last_error == "the destination was removed"


# --- webhooks --------------------------------------------------------------------------------


@pytest.fixture()
def receiver():
    """A ministry's endpoint: answers 204 and keeps what it received."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/diplolearn", received
    server.shutdown()


def test_completions_and_certificates_are_signed_webhooks(db, world, receiver):
    ministry, _, coordinator, course = world
    url, received = receiver
    _hook, secret = webhooks.add_webhook(
        ministry, url, ["enrolment.completed", "certificate.issued"], coordinator
    )
    user, enrolment = make_learner(course.cohort, ministry=ministry)
    _finish(enrolment, course)
    assert [d.event for d in _deliveries(db, kind="webhook")] == [
        "enrolment.completed",
        "certificate.issued",
    ]
    assert jobs.send_outbound(utcnow())["sent"] == 2
    assert len(received) == 2
    headers, body = received[0]
    now = int(utcnow().timestamp())
    assert webhooks.verify(secret, body, headers["DiploLearn-Signature"], now)
    assert not webhooks.verify("whsec_wrong", body, headers["DiploLearn-Signature"], now)
    assert not webhooks.verify(secret, body + b" ", headers["DiploLearn-Signature"], now)
    # A replay ten minutes later is refused by a receiver that checks the time.
    assert not webhooks.verify(secret, body, headers["DiploLearn-Signature"], now + 600)
    event = json.loads(body)
    assert event["type"] == "enrolment.completed" == headers["DiploLearn-Event"]
    assert event["id"] == headers["DiploLearn-Event-Id"]
    assert event["data"]["person"]["email"] == user.email
    assert event["data"]["course"]["id"] == course.course.key
    certificate = json.loads(received[1][1])["data"]["certificate"]
    assert certificate["verification_url"].endswith(certificate["code"])


def test_a_webhook_hears_only_its_events_and_only_its_ministrys(db, world, receiver):
    ministry, other, coordinator, course = world
    url, _ = receiver
    webhooks.add_webhook(ministry, url, ["certificate.revoked"], coordinator)
    _, enrolment = make_learner(course.cohort, ministry=other)
    _finish(enrolment, course)
    _, mine = make_learner(course.cohort, ministry=ministry)
    _finish(mine, course)
    assert _deliveries(db, kind="webhook") == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "https://user:secret@example.org/hook",
        "https:///no-host",
        "https://example.org:99999/hook",
        "https://example.org/hook#fragment",
        "not a url",
        "https://example.org/" + "a" * 500,
    ],
)
def test_bad_endpoint_addresses_are_refused(app, db, url):
    with pytest.raises(InvalidEndpoint) as error:
        checked_url(url)
    assert "https://" in str(error.value)


def test_plain_http_is_refused_in_production(app, db):
    app.config["OUTBOUND_ALLOW_HTTP"] = False
    try:
        with pytest.raises(InvalidEndpoint):
            checked_url("http://hr.example.org/hook")
        assert checked_url(" https://hr.example.org/hook ") == "https://hr.example.org/hook"
    finally:
        app.config["OUTBOUND_ALLOW_HTTP"] = True


# --- the integration page --------------------------------------------------------------------


def test_the_coordinator_adds_a_webhook_and_sees_its_secret_once(client, db, world):
    ministry, _, coordinator, _ = world
    login(client, coordinator.email)
    page = f"/ministry/{ministry.id}/deliveries"
    response = post_form(
        client,
        f"{page}/webhooks",
        {"url": "https://hr.mfa-x.example/hooks", "events": ["certificate.issued"]},
        form_page=page,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = html.split('<code dir="ltr">whsec_', 1)[1].split("<", 1)[0]
    assert len(secret) > 30
    again = client.get(page).get_data(as_text=True)
    assert "https://hr.mfa-x.example/hooks" in again and secret not in again
    hook = db.session.scalar(sa.select(webhooks.Webhook))
    assert webhooks.secret_of(hook) == "whsec_" + secret and secret not in hook.secret_sealed
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "webhook.add"))
    assert audit.actor_id == coordinator.id and audit.ministry_id == ministry.id


@pytest.mark.parametrize(
    "data,message",
    [
        ({"url": "ftp://x.example/h", "events": ["certificate.issued"]}, "starting with https://"),
        ({"url": "https://x.example/h"}, "Choose at least one event"),
        ({"url": "", "events": ["certificate.issued"]}, "This field is required"),
    ],
)
def test_a_bad_webhook_is_refused_and_nothing_is_saved(client, db, world, data, message):
    ministry, _, coordinator, _ = world
    login(client, coordinator.email)
    page = f"/ministry/{ministry.id}/deliveries"
    response = post_form(client, f"{page}/webhooks", data, form_page=page)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(webhooks.Webhook)) == 0


def test_the_page_lists_deliveries_and_retries_a_given_up_one(client, db, world):
    ministry, _, coordinator, course = world
    store = _store(ministry, coordinator, "http://127.0.0.1:9/xAPI/")
    make_learner(course.cohort, ministry=ministry)
    delivery = _deliveries(db)[0]
    delivery.state, delivery.attempts, delivery.last_error = "failed", 8, "Connection refused"
    db.session.commit()
    login(client, coordinator.email)
    page = f"/ministry/{ministry.id}/deliveries"
    html = client.get(page).get_data(as_text=True)
    assert store.name in html and "Connection refused" in html and "Given up" in html
    response = post_form(client, f"{page}/{delivery.id}/retry", {}, form_page=page)
    assert response.status_code == 302
    db.session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    # Only a given-up delivery can be tried again.
    response = post_form(client, f"{page}/{delivery.id}/retry", {}, form_page=page)
    assert response.status_code == 409


def test_another_ministrys_coordinator_gets_404_and_changes_nothing(client, db, world):
    ministry, other, coordinator, _course = world
    store = _store(ministry, coordinator, "https://lrs.mfa-x.example/xAPI/")
    outsider = make_with_role(Role.COORDINATOR, other.id)
    login(client, outsider.email)
    mine = f"/ministry/{other.id}/deliveries"
    assert client.get(f"/ministry/{ministry.id}/deliveries").status_code == 404
    response = post_form(
        client, f"/ministry/{ministry.id}/deliveries/stores/{store.id}/remove", {}, form_page=mine
    )
    assert response.status_code == 404
    # The store's id under the outsider's own ministry is not found either.
    response = post_form(
        client, f"/ministry/{other.id}/deliveries/stores/{store.id}/remove", {}, form_page=mine
    )
    assert response.status_code == 404
    db.session.refresh(store)
    assert store.active


def test_a_store_password_is_sealed_and_never_shown(client, db, world):
    ministry, _, coordinator, _ = world
    login(client, coordinator.email)
    page = f"/ministry/{ministry.id}/deliveries"
    response = post_form(
        client,
        f"{page}/stores",
        {
            "name": "Analytics",
            "endpoint": "https://lrs.mfa-x.example/xAPI",
            "username": "dl",
            "password": "s3cret-password",
        },
        form_page=page,
    )
    assert response.status_code == 302
    store = db.session.scalar(sa.select(stores.RecordStore))
    assert store.endpoint == "https://lrs.mfa-x.example/xAPI/"
    assert "s3cret-password" not in store.password_sealed
    assert stores.credentials(store, client.application.config)[2] == "s3cret-password"
    assert "s3cret-password" not in client.get(page).get_data(as_text=True)


def test_records_module_reports_quiz_results_with_scores(db, world, ralph):
    ministry, _, coordinator, course = world
    _store(ministry, coordinator, ralph)
    _, enrolment = make_learner(course.cohort, ministry=ministry)
    quiz = progress.course_progress(enrolment).quiz("m1-quiz")
    attempt = quizzes.start_attempt(enrolment, quiz, "en")
    quizzes.submit(attempt, _form(quiz_answers(attempt, right=False)))
    failed = _deliveries(db, event="failed")[0]
    assert failed.payload["result"]["success"] is False
    assert failed.payload["result"]["score"]["scaled"] == 0
    assert records.quiz_graded(attempt, {}, utcnow()) == 0  # told once
    jobs.send_outbound(utcnow())
    assert lrs.statement(ralph, failed.payload_id)["verb"]["id"].endswith("/failed")
