"""Notifications (issue 20): one entry point for every notice, per-kind preferences (at once
by mail, daily digest, app only; the notify-by-mail setting as the default), the daily digest
job, the centre at /notifications and its unread count, and that one person cannot mark
another's notifications read."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa

from diplolearn.models import (
    Announcement,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Role,
    utcnow,
)
from diplolearn.services import notifications
from diplolearn.services.cohorts import organisations, tracking
from diplolearn.services.notifications import reading
from tests.conftest import login, post_form
from tests.factories import make_cohort, make_learner, make_user, make_with_role


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def client_of(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def announce(db, cohort, lead, title="Week 2"):
    announcement = Announcement(cohort_id=cohort.id, author_id=lead.id, title=title, body="b")
    db.session.add(announcement)
    db.session.flush()
    return announcement


def tell(person, db, title="Week 2", kind=notifications.Kind.ANNOUNCEMENT):
    cohort = make_cohort()
    lead = make_user()
    return notifications.notify(
        person,
        kind,
        link="https://example.org/x",
        announcement=announce(db, cohort, lead, title),
        author=lead,
        course_title="Course",
        cohort_name="Cohort",
        url="https://example.org/x",
    )


# --- preferences ---------------------------------------------------------------------------------


def test_the_default_follows_notify_by_mail_and_a_choice_per_kind_wins(app, db):
    mailed = make_user(email="m@example.org")
    quiet = make_user(email="q@example.org")
    quiet.notify_by_mail = False
    daily = make_user(email="d@example.org")
    db.session.add(
        NotificationPreference(user_id=daily.id, kind="announcement", delivery=notifications.DIGEST)
    )
    db.session.flush()
    for person in (mailed, quiet, daily):
        tell(person, db)
    db.session.flush()
    deliveries = {n.user_id: n.delivery for n in db.session.scalars(sa.select(Notification))}
    assert deliveries == {mailed.id: "now", quiet.id: "app", daily.id: "digest"}
    assert set(db.session.scalars(sa.select(OutboxMessage.to_user_id))) == {mailed.id}
    # Every one of them has it in the app, unread, in their language.
    for person in (mailed, quiet, daily):
        db.session.refresh(person)
        assert person.unread_notifications == 1


def test_a_preference_is_per_kind(app, db):
    person = make_user()
    reading.set_preferences(person, {"announcement": "app"})
    tell(person, db)
    tell(person, db, kind=notifications.Kind.ANNOUNCEMENT)
    assert count(db, OutboxMessage) == 0
    assert reading.preferences_of(person)["module_released"] == "now"
    assert reading.preferences_of(person)["announcement"] == "app"


def test_the_title_is_in_the_recipients_language(app, db):
    person = make_user(language="fr")
    notification = tell(person, db, title="Semaine")
    assert notification.language == "fr" and "Semaine" in notification.title
    assert notification.title != "Announcement: Semaine"


def test_the_account_page_saves_the_preferences(app, db):
    person = make_user(email="p@example.org")
    db.session.commit()
    client = client_of(app, person)
    html = client.get("/account").get_data(as_text=True)
    assert 'name="notify-kind_announcement"' in html and "Immediately by mail" in html
    data = {f"notify-kind_{k}": "now" for k in notifications.KINDS}
    data["notify-kind_announcement"] = "digest"
    response = post_form(client, "/account/notifications", data, form_page="/account")
    assert response.status_code == 302
    assert reading.preferences_of(person)["announcement"] == "digest"
    assert reading.preferences_of(person)["message"] == "now"


def test_an_unknown_delivery_is_refused_and_nothing_saved(app, db):
    person = make_user(email="p@example.org")
    db.session.commit()
    client = client_of(app, person)
    data = {f"notify-kind_{k}": "now" for k in notifications.KINDS}
    data["notify-kind_announcement"] = "carrier-pigeon"
    response = post_form(client, "/account/notifications", data, form_page="/account")
    assert response.status_code == 400
    assert count(db, NotificationPreference) == 0


# --- the daily digest ------------------------------------------------------------------------------


def test_the_daily_digest_goes_once_a_day_in_the_persons_language_and_zone(app, db):
    from diplolearn.jobs import JOBS

    person = make_user(email="d@example.org", language="ar", timezone="Asia/Amman")
    other = make_user(email="n@example.org")
    reading.set_preferences(person, {"announcement": "digest"})
    tell(person, db, title="One")
    tell(person, db, title="Two")
    tell(other, db, title="Now")
    db.session.commit()
    assert count(db, OutboxMessage) == 1  # only the one who takes it at once
    # 23:30 in Amman (UTC+3) on the 7th.
    now = dt.datetime(2026, 12, 7, 20, 30, tzinfo=dt.UTC)
    assert JOBS["notification_digest"](now) == {"digests": 1, "notifications": 2}
    digest = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "daily_digest"))
    assert digest.to_user_id == person.id and digest.language == "ar"
    assert "One" in digest.body_text and "Two" in digest.body_text
    # A new one the same local day waits for tomorrow (their day, not UTC's).
    tell(person, db, title="Three")
    assert JOBS["notification_digest"](now + dt.timedelta(minutes=20)) == {
        "digests": 0,
        "notifications": 0,
    }
    # Past midnight in Amman (still the 7th in UTC): the next digest, with the new one only.
    later = now + dt.timedelta(hours=1)
    assert JOBS["notification_digest"](later) == {"digests": 1, "notifications": 1}
    assert JOBS["notification_digest"](later) == {"digests": 0, "notifications": 0}
    bodies = list(
        db.session.scalars(
            sa.select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == "daily_digest")
            .order_by(OutboxMessage.id)
        )
    )
    assert len(bodies) == 2 and "Three" in bodies[1] and "One" not in bodies[1]


# --- announcements to many --------------------------------------------------------------------


def test_an_announcement_to_many_is_queued_once_per_person_in_bulk(app, db, count_queries):
    cohort = make_cohort()
    lead = make_with_role(Role.INSTRUCTOR, cohort.course_id)
    learners = [make_learner(cohort, password=None)[0] for _ in range(40)]
    reading.set_preferences(learners[0], {"announcement": "digest"})
    learners[1].notify_by_mail = False
    db.session.commit()
    with count_queries() as counter:
        _announcement, mailed = tracking.post_announcement(cohort, lead, "Week 2", "Read it")
        db.session.flush()
    assert mailed == 38
    assert count(db, Notification) == 40
    assert count(db, OutboxMessage, OutboxMessage.kind == "announcement") == 38
    rows = db.session.execute(
        sa.select(Notification.user_id, sa.func.count()).group_by(Notification.user_id)
    ).all()
    assert all(n == 1 for _u, n in rows) and len(rows) == 40
    # A fixed number of statements whatever the cohort's size (bulk inserts, one update).
    inserts = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) <= 6, inserts
    assert counter.count < 40


# --- the centre ----------------------------------------------------------------------------------


def test_the_centre_lists_newest_first_and_marks_read(app, db):
    person = make_user(email="me@example.org")
    first = tell(person, db, title="Older")
    first.created_at = utcnow() - dt.timedelta(hours=1)
    tell(person, db, title="Newer")
    db.session.commit()
    client = client_of(app, person)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Newer") < html.index("Older")
    # The count in the navigation, from the person's own row.
    assert re.search(r"Notifications <span class=\"badge nav-count\">2", html)
    response = post_form(client, f"/notifications/{first.id}/read", {}, form_page="/notifications")
    assert response.status_code == 302
    db.session.refresh(first)
    db.session.refresh(person)
    assert first.read_at is not None and person.unread_notifications == 1
    response = post_form(client, "/notifications/read", {}, form_page="/notifications")
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.unread_notifications == 0
    assert count(db, Notification, Notification.read_at.is_(None)) == 0
    html = client.get("/notifications").get_data(as_text=True)
    assert 'nav-count">2' not in html


def test_the_count_costs_no_query_on_other_pages(app, db, count_queries):
    person = make_user(email="me@example.org")
    client = client_of(app, person)
    with count_queries() as before:
        client.get("/account")
    tell(person, db)
    db.session.commit()
    with count_queries() as after:
        html = client.get("/account").get_data(as_text=True)
    assert "nav-count" in html
    assert after.count == before.count


def test_marking_someone_elses_notification_read_is_a_404_and_changes_nothing(app, db):
    owner = make_user(email="owner@example.org")
    intruder = make_user(email="intruder@example.org")
    theirs = tell(owner, db)
    db.session.commit()
    client = client_of(app, intruder)
    response = post_form(client, f"/notifications/{theirs.id}/read", {}, form_page="/notifications")
    assert response.status_code == 404
    db.session.refresh(theirs)
    db.session.refresh(owner)
    assert theirs.read_at is None and owner.unread_notifications == 1
    # Marking all read marks only one's own.
    post_form(client, "/notifications/read", {}, form_page="/notifications")
    db.session.refresh(theirs)
    assert theirs.read_at is None
    html = client_of(app, intruder).get("/notifications").get_data(as_text=True)
    assert "Week 2" not in html


def test_the_centre_pages(app, db):
    person = make_user(email="me@example.org")
    for i in range(25):
        tell(person, db, title=f"N{i:02d}")
    db.session.commit()
    client = client_of(app, person)
    first = client.get("/notifications").get_data(as_text=True)
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "N24" in first and "N00" not in first and "N00" in second
    assert client.get("/notifications?page=abc").status_code == 200


# --- routing of every existing notice ----------------------------------------------------------


def test_every_notice_goes_through_notify(app, db):
    """Only invitations, password resets and the cohort-place mails still queue mail directly;
    every other notice is a notification."""
    root = Path(__file__).resolve().parent.parent / "diplolearn"
    direct = {
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if re.search(r"\bqueue_mail\(", p.read_text()) and p.name != "outbox.py"
    }
    assert direct <= {
        "services/accounts/accounts.py",
        "services/cohorts/places.py",
        "services/notifications/sending.py",
    }, direct


def test_module_release_is_a_notification(app, db):
    from tests.test_jobs import test_modules_are_released_once_and_learners_told as released

    released(app, db)
    kinds = set(db.session.scalars(sa.select(Notification.kind)))
    assert kinds == {"module_released"}
    links = set(db.session.scalars(sa.select(Notification.link)))
    assert all("/learn/" in link for link in links)


def test_a_learner_who_wants_no_mail_gets_the_release_in_the_app_only(app, db):
    from diplolearn import jobs
    from diplolearn.models import CourseVersion, Module, ModuleRevision, ModuleSchedule

    now = utcnow()
    cohort = make_cohort()
    version = CourseVersion(course_id=cohort.course_id, number=1, state="published")
    module = Module(course_id=cohort.course_id, key="w1")
    db.session.add_all([version, module])
    db.session.flush()
    db.session.add(
        ModuleRevision(
            module_id=module.id, course_version_id=version.id, position=1, title={"en": "W1"}
        )
    )
    cohort.course_version_id = version.id
    quiet, _ = make_learner(cohort)
    quiet.notify_by_mail = False
    db.session.add(
        ModuleSchedule(
            cohort_id=cohort.id, module_id=module.id, opens_at=now - dt.timedelta(hours=1)
        )
    )
    db.session.flush()
    jobs.release_modules(now)
    assert count(db, Notification, Notification.user_id == quiet.id) == 1
    assert count(db, OutboxMessage) == 0


def test_extension_decisions_and_mentions_and_digests_are_notifications():
    """Their flows are tested in test_deadlines.py and test_discussion.py (the mails); here the
    routing: each calls notify with its kind."""
    root = Path(__file__).resolve().parent.parent / "diplolearn" / "services"
    expected = {
        "deadlines/requests.py": "Kind.EXTENSION_DECISION",
        "discussion/notifications.py": "Kind.DISCUSSION_DIGEST",
        "assessment/assignments.py": "Kind.WORK_RETURNED",
        "cohorts/tracking.py": "Kind.ANNOUNCEMENT",
    }
    for path, kind in expected.items():
        assert kind in (root / path).read_text(), path


def test_a_message_notice_for_private_messages(app, db):
    person = make_user(language="en")
    notification = notifications.notify(
        person, "message", link="https://example.org/messages/1", sender_name="Layla"
    )
    assert "Layla" in notification.title and "https://example.org/messages/1" in notification.body
    assert count(db, OutboxMessage) == 1


def test_an_unknown_kind_is_refused(app, db):
    import pytest

    person = make_user()
    with pytest.raises(notifications.UnknownKind):
        notifications.notify(person, "carrier_pigeon")
    assert count(db, Notification) == 0


def test_an_invitation_still_goes_by_mail_at_once(app, db):
    cohort = make_cohort()
    organisations.add_tutor_group(cohort, "g", "G")
    assert (
        "queue_mail("
        in (
            Path(__file__).resolve().parent.parent / "diplolearn/services/accounts/accounts.py"
        ).read_text()
    )


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_gives_learners_and_tutors_a_few_unread_notifications_once(app, db):
    from diplolearn.demo.notifications import seed_notifications
    from diplolearn.demo.people import DEMO_ACCOUNTS

    rows = {r.role.split(" ")[0]: r for r in DEMO_ACCOUNTS}
    learner = make_user(rows["learner"].email, language="ar")
    tutor = make_user(rows["tutor,"].email, language="fr")
    admin = make_user(rows["administrator"].email)
    made = seed_notifications()
    assert made == 4
    assert seed_notifications() == 0
    db.session.refresh(learner)
    db.session.refresh(tutor)
    assert learner.unread_notifications == 2 and tutor.unread_notifications == 2
    assert count(db, Notification, Notification.user_id == admin.id) == 0
    titles = list(
        db.session.scalars(sa.select(Notification.title).where(Notification.user_id == tutor.id))
    )
    assert any("Groupe 1" in t for t in titles)
    assert count(db, OutboxMessage) == 0


def test_erasing_a_person_removes_their_notifications(app, db):
    from diplolearn.services.accounts import personal_data

    person = make_user()
    admin = make_user()
    reading.set_preferences(person, {"announcement": "app"})
    tell(person, db)
    personal_data.erase_person(person, by=admin, reason="Asked")
    assert count(db, Notification, Notification.user_id == person.id) == 0
    assert count(db, NotificationPreference) == 0
    assert person.unread_notifications == 0
