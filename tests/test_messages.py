"""Private messages between a learner and their tutor (issue 20): one thread per pair, read by
the two of them and the cohort's lead instructors, never by coordinators; sanitised text shown
isolated; unread threads in the to-do lists; the other party told; bad input refused with a
clear message, a 4xx and nothing changed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from diplolearn.models import Message, MessageThread, Notification, Role
from diplolearn.services.cohorts import organisations
from diplolearn.services.messages import NoTutorGroup, NotYourTutor, TextRefused
from diplolearn.services.messages import posting as messages
from tests.conftest import csrf_from, login
from tests.factories import make_learner, make_ministry, make_published_course, make_with_role


@pytest.fixture()
def world(db):
    ministry = make_ministry()
    published = make_published_course()
    cohort = organisations.create_cohort(
        published.course, "run", {"en": "Run", "ar": "الدورة"}, timezone="UTC"
    )
    g1 = organisations.add_tutor_group(cohort, "g1", "Group 1")
    g2 = organisations.add_tutor_group(cohort, "g2", "Group 2")
    layla, layla_e = make_learner(
        cohort, ministry=ministry, group=g1, email="layla@example.org", name_latin="Layla"
    )
    bob, bob_e = make_learner(cohort, group=g2, email="bob@example.org", name_latin="Bob")
    nour, nour_e = make_learner(cohort, email="nour@example.org", name_latin="Nour")
    w = {
        "cohort": cohort,
        "layla": layla,
        "layla_e": layla_e,
        "bob": bob,
        "bob_e": bob_e,
        "nour": nour,
        "nour_e": nour_e,
        "tutor": make_with_role(
            Role.TUTOR, g1.id, email="tutor@example.org", name_latin="Tariq Tutor"
        ),
        "tutor2": make_with_role(Role.TUTOR, g2.id, email="tutor2@example.org"),
        "lead": make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org"),
        "coordinator": make_with_role(
            Role.COORDINATOR, ministry.id, email="coordinator@example.org"
        ),
    }
    db.session.commit()
    return w


def _client(app, email):
    client = app.test_client()
    login(client, email)
    return client


def _send(client, path, body):
    token = csrf_from(client, path)
    return client.post(path, data={"csrf_token": token, "body": body})


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_learner_writes_tutor_replies_and_the_lead_reads(app, db, world):
    learner = _client(app, "layla@example.org")
    outline = learner.get(f"/learn/{world['layla_e'].id}").get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/messages/"[^>]*>Write to your tutor</a>', outline)
    inbox = learner.get("/messages/").get_data(as_text=True)
    write = f"/messages/write/{world['layla_e'].id}/{world['tutor'].id}"
    assert write in inbox and "Tariq Tutor" in inbox
    response = _send(learner, write, "Where is the **reading list**?")
    assert response.status_code == 302
    thread = db.session.scalar(sa.select(MessageThread))
    assert (thread.learner_id, thread.tutor_id) == (world["layla"].id, world["tutor"].id)
    # The tutor is told (kind "message") and sees it unread on the home page.
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "message"))
    assert note.user_id == world["tutor"].id
    tutor = _client(app, "tutor@example.org")
    home = tutor.get("/").get_data(as_text=True)
    assert 'id="todo-tutor-messages"' in home and f"/messages/{thread.id}" in home
    page = tutor.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert (
        '<div class="post-text" dir="ltr"><p dir="auto">Where is the <strong>reading list</strong>?</p>'
        in page
    )
    assert "Mark as read" in page
    # Writing to the pair again goes to the same thread.
    assert tutor.get(write).status_code == 302
    assert _send(tutor, f"/messages/{thread.id}", "في الفصل الثاني.").status_code == 302
    assert _count(db, MessageThread) == 1 and _count(db, Message) == 2
    db.session.refresh(thread)
    assert not thread.unread_for(world["tutor"].id) and thread.unread_for(world["layla"].id)
    home = learner.get("/").get_data(as_text=True)
    assert 'id="todo-messages"' in home
    read = f"/messages/{thread.id}/read"
    assert (
        learner.post(
            read, data={"csrf_token": csrf_from(learner, f"/messages/{thread.id}")}
        ).status_code
        == 302
    )
    db.session.refresh(thread)
    assert not thread.unread_for(world["layla"].id)
    assert 'id="todo-messages"' not in learner.get("/").get_data(as_text=True)
    # The lead reads, cannot write and leaves no read mark; the coordinator sees nothing.
    lead = _client(app, "lead@example.org")
    page = lead.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "في الفصل الثاني." in page and 'id="reply"' not in page
    assert str(thread.id) in lead.get("/messages/").get_data(as_text=True)
    token = csrf_from(lead, "/messages/")
    assert (
        lead.post(f"/messages/{thread.id}", data={"csrf_token": token, "body": "Hi"}).status_code
        == 403
    )
    assert lead.post(read, data={"csrf_token": token}).status_code == 403
    coordinator = _client(app, "coordinator@example.org")
    assert coordinator.get(f"/messages/{thread.id}").status_code == 404
    assert f"/messages/{thread.id}" not in coordinator.get("/messages/").get_data(as_text=True)
    assert _count(db, Message) == 2


def test_another_pair_cannot_read_or_write(app, db, world):
    messages.write(world["layla"], world["layla_e"], world["tutor"], "Private question")
    db.session.commit()
    thread = db.session.scalar(sa.select(MessageThread))
    for email in ("bob@example.org", "tutor2@example.org", "nour@example.org"):
        client = _client(app, email)
        assert client.get(f"/messages/{thread.id}").status_code == 404, email
        token = csrf_from(client, "/messages/")
        response = client.post(f"/messages/{thread.id}", data={"csrf_token": token, "body": "x"})
        assert response.status_code == 404, email
    # Bob writing to Layla's tutor: a tutor of the cohort, but not his: 403 and why.
    bob = _client(app, "bob@example.org")
    response = _send(bob, f"/messages/write/{world['bob_e'].id}/{world['tutor2'].id}", "ok")
    assert response.status_code == 302
    path = f"/messages/write/{world['bob_e'].id}/{world['tutor'].id}"
    token = csrf_from(bob, "/messages/")
    response = bob.post(path, data={"csrf_token": token, "body": "Let me in"})
    assert response.status_code == 403
    assert "only to the tutors of your own tutor group" in response.get_data(as_text=True)
    # Someone else's enrolment, or a person who tutors nobody here: 404.
    assert bob.get(f"/messages/write/{world['layla_e'].id}/{world['tutor'].id}").status_code == 404
    assert bob.get(f"/messages/write/{world['bob_e'].id}/{world['lead'].id}").status_code == 404
    # A tutor writes only to the learners of their groups.
    tutor2 = _client(app, "tutor2@example.org")
    assert (
        tutor2.get(f"/messages/write/{world['layla_e'].id}/{world['tutor2'].id}").status_code == 404
    )
    assert (
        tutor2.get(f"/messages/write/{world['layla_e'].id}/{world['tutor'].id}").status_code == 404
    )
    assert _count(db, Message) == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   ", "the message is empty"),
        ("x" * 5001, "The message is too long"),
        ("<script>alert(1)</script>", "HTML that is not allowed"),
    ],
)
def test_bad_text_is_refused_and_nothing_is_sent(app, db, world, body, error):
    learner = _client(app, "layla@example.org")
    response = _send(learner, f"/messages/write/{world['layla_e'].id}/{world['tutor'].id}", body)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert _count(db, MessageThread) == 0 and _count(db, Notification) == 0


def test_csrf_is_required(app, db, world):
    learner = _client(app, "layla@example.org")
    path = f"/messages/write/{world['layla_e'].id}/{world['tutor'].id}"
    assert learner.post(path, data={"body": "Hello"}).status_code == 400
    assert _count(db, Message) == 0


def test_a_learner_without_a_group_sees_why(app, db, world):
    nour = _client(app, "nour@example.org")
    page = nour.get("/messages/").get_data(as_text=True)
    assert "You are not in a tutor group in this course yet" in page
    with pytest.raises(NoTutorGroup):
        messages.write(world["nour"], world["nour_e"], world["tutor"], "Hello")
    # Someone who is not one of the pair never writes in its name.
    with pytest.raises(NotYourTutor):
        messages.check_pair(world["bob"], world["layla_e"], world["tutor"])


def test_after_a_move_the_old_thread_is_read_only(app, db, world):
    messages.write(world["layla"], world["layla_e"], world["tutor"], "Before the move")
    world["layla_e"].tutor_group_id = world["bob_e"].tutor_group_id
    db.session.commit()
    thread = db.session.scalar(sa.select(MessageThread))
    learner = _client(app, "layla@example.org")
    assert learner.get(f"/messages/{thread.id}").status_code == 200
    token = csrf_from(learner, f"/messages/{thread.id}")
    response = learner.post(f"/messages/{thread.id}", data={"csrf_token": token, "body": "Again"})
    assert response.status_code == 403
    assert _count(db, Message) == 1
    with pytest.raises(TextRefused):
        messages.clean_body("")


def test_pages_are_in_arabic(app, db, world):
    messages.write(world["layla"], world["layla_e"], world["tutor"], "سؤال")
    db.session.commit()
    thread = db.session.scalar(sa.select(MessageThread))
    learner = _client(app, "layla@example.org")
    learner.post("/language", data={"csrf_token": csrf_from(learner, "/"), "language": "ar"})
    page = learner.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"', page) or 'dir="rtl"' in page
    # The message's direction is its letters', whatever the page's (names.written_in).
    assert '<div class="post-text" lang="ar" dir="rtl"><p dir="auto">سؤال</p>' in page


def test_the_demo_seeds_one_thread_per_tutor_group(app, db, world):
    from diplolearn.demo.messages import seed_message_threads

    groups = {g.key: g for g in world["cohort"].tutor_groups}
    assert seed_message_threads(world["cohort"], groups) == 6
    assert seed_message_threads(world["cohort"], groups) == 0  # idempotent
    threads = db.session.scalars(sa.select(MessageThread)).all()
    assert {t.tutor_group_id for t in threads} == {g.id for g in groups.values()}
    assert all(t.unread_for(t.learner_id) and not t.unread_for(t.tutor_id) for t in threads)
    assert _count(db, Message) == 4
