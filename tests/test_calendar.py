"""The calendar feed (issue 14): a secret .ics URL per account, linked from the account page
(https and webcal://), revocable and regenerated there; its events, times in UTC and UIDs that
stay the same when a date moves; a forged or revoked key is a 404 and changes nothing."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest

from diplolearn.models import (
    AssignmentDeadline,
    DiscussionSession,
    DueDateExtension,
    ModuleSchedule,
    QuizPolicyOverride,
    Role,
    User,
    utcnow,
)
from diplolearn.services.calendar import feeds
from diplolearn.services.cohorts import organisations
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_assignment,
    make_learner,
    make_published_course,
    make_user,
    make_with_role,
)

NOW = utcnow().replace(microsecond=0)
DAY = dt.timedelta(days=1)
FEED_LINK = re.compile(r'<a href="(https?://[^"]+/calendar/[^"]+\.ics)"')
WEBCAL_LINK = re.compile(r'<a href="(webcal://[^"]+\.ics)"')


@pytest.fixture()
def run(db):
    published = make_published_course(modules=2)
    cohort = organisations.create_cohort(
        published.course, "run-1", {"en": "Run 1"}, timezone="Asia/Dubai", ends_at=NOW + 60 * DAY
    )
    group = organisations.add_tutor_group(cohort, "g1", "Group 1")
    other = organisations.add_tutor_group(cohort, "g2", "Group 2")
    m1 = published.module_revision("m1").module_id
    m2 = published.module_revision("m2").module_id
    essay = make_assignment(published, "m1", late_days=5)
    db.session.add_all(
        [
            ModuleSchedule(
                cohort_id=cohort.id, module_id=m1, opens_at=NOW - DAY, due_at=NOW + 6 * DAY
            ),
            ModuleSchedule(
                cohort_id=cohort.id, module_id=m2, opens_at=NOW + 7 * DAY, due_at=NOW + 14 * DAY
            ),
            AssignmentDeadline(
                cohort_id=cohort.id, assignment_id=essay.assignment_id, due_at=NOW + 5 * DAY
            ),
            DiscussionSession(
                cohort_id=cohort.id,
                tutor_group_id=group.id,
                title="Week 1 talk",
                starts_at=NOW + 2 * DAY,
                duration_minutes=90,
                archives_at=NOW + 9 * DAY,
            ),
            DiscussionSession(
                cohort_id=cohort.id,
                tutor_group_id=other.id,
                title="Other group",
                starts_at=NOW + 3 * DAY,
                archives_at=NOW + 9 * DAY,
            ),
        ]
    )
    learner, enrolment = make_learner(cohort, group=group, email="learner@example.org")
    tutor = make_with_role(Role.TUTOR, group.id, email="tutor@example.org")
    quiz_id = published.quiz_revision("m1-quiz").quiz_id
    db.session.add(
        QuizPolicyOverride(quiz_id=quiz_id, cohort_id=cohort.id, closes_at=NOW + 8 * DAY)
    )
    db.session.commit()
    return {
        "published": published,
        "cohort": cohort,
        "learner": learner,
        "enrolment": enrolment,
        "tutor": tutor,
        "m1": m1,
        "m2": m2,
        "essay": essay,
        "quiz_id": quiz_id,
    }


def _feed_url(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    https = FEED_LINK.search(page)
    assert https, "no .ics link on the account page"
    webcal = WEBCAL_LINK.search(page)
    assert webcal and webcal.group(1) == "webcal://" + https.group(1).split("://", 1)[1]
    return https.group(1)


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _events(client, path) -> dict[str, icalendar.Event]:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _by_summary(events, text):
    found = [e for e in events.values() if text in str(e["SUMMARY"])]
    assert len(found) == 1, (text, [str(e["SUMMARY"]) for e in events.values()])
    return found[0]


def test_account_page_links_a_feed_that_holds_the_learners_dates(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    path = _path(_feed_url(client))
    assert path.endswith(".ics")
    anonymous = app.test_client()  # calendar apps fetch without a session
    events = _events(anonymous, path)
    opens = _by_summary(events, "Opens: Module 2")
    assert opens["DTSTART"].dt == NOW + 7 * DAY
    due = _by_summary(events, "Due: Module 1")
    assert due["DTSTART"].dt == NOW + 6 * DAY
    assert due["DTSTART"].dt.tzinfo is not None and due["DTSTART"].dt.utcoffset() == dt.timedelta(0)
    assert b"DTSTART:" in anonymous.get(path).data  # written as UTC (…Z), no floating times
    assert _by_summary(events, "Due: Essay")["DTSTART"].dt == NOW + 5 * DAY
    assert _by_summary(events, "Last day for late work: Essay")["DTSTART"].dt == NOW + 10 * DAY
    assert _by_summary(events, "Quiz closes")["DTSTART"].dt == NOW + 8 * DAY
    session = _by_summary(events, "Week 1 talk")
    assert session["DTEND"].dt - session["DTSTART"].dt == dt.timedelta(minutes=90)
    assert not [e for e in events.values() if "Other group" in str(e["SUMMARY"])]
    for text in re.findall(rb"DTSTART[^\r\n]*", anonymous.get(path).data):
        assert text.endswith(b"Z"), text


def test_a_moved_date_keeps_its_uid(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    path = _path(_feed_url(client))
    before = _by_summary(_events(client, path), "Due: Module 1")
    db.session.add(
        DueDateExtension(
            enrolment_id=run["enrolment"].id,
            module_id=run["m1"],
            due_at=NOW + 20 * DAY,
            reason="Posting",
        )
    )
    db.session.commit()
    after_events = _events(client, path)
    after = _by_summary(after_events, "Due: Module 1")
    assert str(after["UID"]) == str(before["UID"])
    assert after["DTSTART"].dt == NOW + 20 * DAY
    # The extension moves the essay's date too, with the same UID as before.
    assert _by_summary(after_events, "Due: Essay")["DTSTART"].dt == NOW + 20 * DAY
    assert len(after_events) == len(_events(client, path))


def test_staff_see_their_cohorts_dates_and_their_groups_sessions(app, db, run):
    client = app.test_client()
    login(client, "tutor@example.org")
    events = _events(app.test_client(), _path(_feed_url(client)))
    assert _by_summary(events, "Due: Module 1")["DTSTART"].dt == NOW + 6 * DAY
    assert _by_summary(events, "Week 1 talk")
    assert not [e for e in events.values() if "Other group" in str(e["SUMMARY"])]


def test_an_account_with_nothing_has_an_empty_valid_feed(app, db):
    make_user("nobody@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "nobody@example.org")
    assert _events(client, _path(_feed_url(client))) == {}


def test_forged_or_other_keys_are_not_found(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    path = _path(_feed_url(client))
    key = path.rsplit("/", 1)[1].removesuffix(".ics")
    user_id, mac = key.split("-", 1)
    tutor_id = run["tutor"].id
    for forged in (
        f"{tutor_id}-{mac}",  # someone else's id with this mac
        f"{user_id}-{'A' * 32}",
        f"{user_id}-{mac[:-1]}",
        "not-a-key",
        f"987654-{mac}",
    ):
        assert client.get(f"/calendar/{forged}.ics").status_code == 404, forged


def test_revoke_and_regenerate(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    old = _path(_feed_url(client))
    response = post_form(client, "/account/calendar/regenerate", {}, form_page="/account")
    assert response.status_code == 302
    new = _path(_feed_url(client))
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    response = post_form(client, "/account/calendar/revoke", {}, form_page="/account")
    assert response.status_code == 302
    assert client.get(new).status_code == 404
    page = client.get("/account").get_data(as_text=True)
    assert not FEED_LINK.search(page)
    assert "turned off" in page
    post_form(client, "/account/calendar/regenerate", {}, form_page="/account")
    newest = _path(_feed_url(client))
    assert newest not in (old, new)
    assert client.get(newest).status_code == 200


def test_forms_need_their_csrf_token_and_change_nothing_without(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    before = _path(_feed_url(client))
    for action in ("regenerate", "revoke"):
        assert client.post(f"/account/calendar/{action}", data={}).status_code == 400
    assert _path(_feed_url(client)) == before
    assert client.get(before).status_code == 200


def test_the_feed_writes_nothing(app, db, run, count_queries):
    client = app.test_client()
    login(client, "learner@example.org")
    path = _path(_feed_url(client))
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    writes = [
        s
        for s in counter.statements
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    # The account (by its key), its grants, the enrolments, the learner's progress and dated
    # items (services.deadlines), the sessions: a fixed number, whatever the course's size.
    with count_queries() as again:
        assert app.test_client().get(path).status_code == 200
    assert again.count <= 13, "\n".join(again.statements)


def test_a_deactivated_account_has_no_feed(app, db, run):
    client = app.test_client()
    login(client, "learner@example.org")
    path = _path(_feed_url(client))
    user = db.session.get(User, run["learner"].id)
    user.is_active_account = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
    assert feeds.account_for_key(path.rsplit("/", 1)[1][:-4]) is None


def test_anonymous_cannot_regenerate(app, db, run):
    client = app.test_client()
    token = csrf_from(client, "/login")
    response = client.post("/account/calendar/regenerate", data={"csrf_token": token})
    assert response.status_code in (302, 401)
