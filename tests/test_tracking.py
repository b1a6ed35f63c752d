"""Following a cohort: the progress grid (statuses, scores, filters), learners at risk, a
learner's record, due-date extensions, announcements — and who may see what."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn.models import (
    Announcement,
    AuditEvent,
    DueDateExtension,
    EnrolmentState,
    ModuleSchedule,
    OutboxMessage,
    Role,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.assessment import quizzes
from diplolearn.services.cohorts import organisations, tracking
from diplolearn.teach import tracking_views
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
    quiz_answers,
)

NOW = utcnow()
DAY = dt.timedelta(days=1)


def finish_module(enrolment, key: str, *, pass_quiz: bool = True) -> None:
    """Mark every lesson of a module done and take its quiz (all right, or all wrong)."""
    for lesson_key in [f"{key}-l1", f"{key}-l2"]:
        standing = progress.course_progress(enrolment)
        progress.mark_lesson_done(enrolment, standing, standing.lesson(lesson_key))
    attempt = quizzes.start_attempt(
        enrolment, progress.course_progress(enrolment).quiz(f"{key}-quiz"), "en"
    )
    quizzes.submit(
        attempt,
        MultiDict([(k, v) for k, vs in quiz_answers(attempt, right=pass_quiz).items() for v in vs]),
    )


@pytest.fixture()
def run(db):
    """A cohort of a 3-module course: module 1 was due yesterday, module 2 is due next week,
    module 3 has no schedule. Group 1 (ministry A): Alice finished module 1 with full marks,
    Carol did nothing. Group 2 (ministry B): Bob opened a lesson of module 1."""
    published = make_published_course(modules=3)
    cohort = organisations.create_cohort(published.course, "run-1", {"en": "Run 1"}, timezone="UTC")
    g1 = organisations.add_tutor_group(cohort, "g1", "Group 1")
    g2 = organisations.add_tutor_group(cohort, "g2", "Group 2")
    a, b = make_ministry("MFA-A"), make_ministry("MFA-B")
    modules = {k: published.module_revision(k).module_id for k in ("m1", "m2", "m3")}
    db.session.add_all(
        [
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=modules["m1"],
                opens_at=NOW - 10 * DAY,
                due_at=NOW - DAY,
            ),
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=modules["m2"],
                opens_at=NOW - 10 * DAY,
                due_at=NOW + 7 * DAY,
            ),
        ]
    )
    alice, alice_e = make_learner(cohort, a, g1, email="alice@example.org", name_latin="Alice")
    bob, bob_e = make_learner(cohort, b, g2, email="bob@example.org", name_latin="Bob")
    carol, carol_e = make_learner(cohort, a, g1, email="carol@example.org", name_latin="Carol")
    db.session.flush()
    finish_module(alice_e, "m1")
    standing = progress.course_progress(bob_e)
    progress.record_lesson_activity(
        bob_e.id, standing.lesson("m1-l1").node.lesson_id, published.version.id, None, NOW
    )
    other_cohort = organisations.create_cohort(
        published.course, "run-2", {"en": "Run 2"}, timezone="UTC"
    )
    _stranger, stranger_e = make_learner(other_cohort, a, email="stranger@example.org")
    people = SimpleNamespace(
        lead=make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org"),
        tutor1=make_with_role(Role.TUTOR, g1.id, email="tutor1@example.org"),
        tutor2=make_with_role(Role.TUTOR, g2.id, email="tutor2@example.org"),
        other_lead=make_with_role(
            Role.LEAD_INSTRUCTOR, other_cohort.id, email="otherlead@example.org"
        ),
        coordinator=make_with_role(Role.COORDINATOR, a.id, email="coord@example.org"),
        admin=make_with_role(Role.ADMINISTRATOR, email="admin@example.org"),
        alice=alice,
        bob=bob,
        carol=carol,
    )
    db.session.commit()
    return SimpleNamespace(
        cohort=cohort,
        published=published,
        g1=g1,
        g2=g2,
        a=a,
        b=b,
        modules=modules,
        alice=alice_e,
        bob=bob_e,
        carol=carol_e,
        stranger=stranger_e,
        other_cohort=other_cohort,
        people=people,
        base=f"/teach/cohorts/{cohort.id}",
    )


def client_of(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def statuses(grid):
    return {row.learner.name_latin: [c.status for c in row.cells] for row in grid.rows}


def names_in(html: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)) - {""}


# --- statuses --------------------------------------------------------------------------------


def test_each_cell_says_not_started_in_progress_done_or_overdue_with_the_quiz_score(db, run):
    grid = tracking.grid(run.people.lead, run.cohort)
    assert statuses(grid) == {
        "Alice": ["done", "not_started", "not_started"],
        "Bob": ["overdue", "not_started", "not_started"],  # started, but past due
        "Carol": ["overdue", "not_started", "not_started"],
    }
    alice = next(r for r in grid.rows if r.learner.id == run.alice.id)
    assert alice.cells[0].score == Decimal(100) and alice.cells[1].score is None
    assert (grid.totals[0]["done"], grid.totals[0]["overdue"]) == (1, 2)


def test_a_failed_quiz_scores_but_does_not_complete(db, run):
    finish_module(run.carol, "m1", pass_quiz=False)
    cell = next(
        r for r in tracking.grid(run.people.lead, run.cohort).rows if r.learner.id == run.carol.id
    ).cells[0]
    assert (cell.status, cell.score) == ("overdue", Decimal(0))


def test_an_extension_moves_the_due_date_for_that_learner_only(app, db, run):
    tracking.grant_extension(
        run.bob, run.modules["m1"], NOW + 3 * DAY, "Posting change", by=run.people.tutor2
    )
    db.session.commit()
    grid = statuses(tracking.grid(run.people.lead, run.cohort))
    assert grid["Bob"][0] == "in_progress" and grid["Carol"][0] == "overdue"
    # The learner's own outline uses the same dates.
    html = client_of(app, run.people.bob).get(f"/learn/{run.bob.id}").get_data(as_text=True)
    assert "(extended)" in html and "Overdue" not in html
    html = client_of(app, run.people.carol).get(f"/learn/{run.carol.id}").get_data(as_text=True)
    assert "Overdue" in html and "(extended)" not in html
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "due_date.extend"))
    assert event.actor_id == run.people.tutor2.id and event.subject_user_id == run.people.bob.id
    assert event.details["reason"] == "Posting change" and event.details["module"] == "m1"


def test_granting_an_extension_through_the_page(app, db, run):
    run.cohort.timezone = "Europe/Zurich"  # the date typed is read in the cohort's zone
    db.session.commit()
    client = client_of(app, run.people.tutor1)
    page = f"{run.base}/learners/{run.carol.id}"
    html = client.get(page).get_data(as_text=True)
    assert (
        "Module 1: Topic 1" in html
        and "Module 3" not in html.split("<select")[1].split("</select>")[0]
    )  # only modules with a due date are offered
    response = post_form(
        client,
        page + "/extensions",
        {"module": run.modules["m1"], "due_at": "2099-05-01T17:00", "reason": "Illness"},
        form_page=page,
    )
    assert response.status_code == 302
    extension = db.session.scalar(sa.select(DueDateExtension))
    assert extension.due_at == dt.datetime(2099, 5, 1, 15, 0, tzinfo=dt.UTC)  # summer time
    assert extension.granted_by_id == run.people.tutor1.id
    html = client.get(page).get_data(as_text=True)
    assert "(extended)" in html and "Illness" in html


def test_an_extension_can_be_withdrawn_by_those_who_follow_the_learner(app, db, run):
    extension = tracking.grant_extension(
        run.alice, run.modules["m2"], NOW + 9 * DAY, "x", by=run.people.lead
    )
    db.session.commit()
    path = f"{run.base}/learners/{run.alice.id}/extensions/{extension.id}/withdraw"
    page = f"{run.base}/learners/{run.alice.id}"
    for who in ("tutor2", "other_lead"):  # not their learner, not their cohort
        assert (
            post_form(client_of(app, getattr(run.people, who)), path, {}, form_page="/").status_code
            == 404
        )
    # The extension's id under another learner's address is not found either.
    assert (
        post_form(
            client_of(app, run.people.lead),
            f"{run.base}/learners/{run.bob.id}/extensions/{extension.id}/withdraw",
            {},
            form_page="/",
        ).status_code
        == 404
    )
    response = post_form(client_of(app, run.people.tutor1), path, {}, form_page=page)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DueDateExtension)) == 0
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "due_date.withdraw_extension")
        ).actor_id
        == run.people.tutor1.id
    )


@pytest.mark.parametrize(
    "data,message",
    [
        ({"due_at": "2000-01-01T10:00", "reason": "x"}, "must be later than the cohort"),
        ({"due_at": "2099-01-01T10:00", "reason": ""}, "This field is required."),
        ({"due_at": "tomorrow", "reason": "x"}, "Not a valid datetime value."),
        ({"due_at": "2099-03-29T02:30", "reason": "x"}, "the clocks skip it"),  # Zurich DST
    ],
)
def test_a_bad_extension_is_refused_with_a_message_and_nothing_saved(app, db, run, data, message):
    run.cohort.timezone = "Europe/Zurich"
    db.session.commit()
    client = client_of(app, run.people.lead)
    page = f"{run.base}/learners/{run.carol.id}"
    response = post_form(
        client, page + "/extensions", {"module": run.modules["m1"], **data}, form_page=page
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DueDateExtension)) == 0


def test_a_module_without_a_due_date_cannot_be_extended(db, run):
    with pytest.raises(tracking.NoDueDate):
        tracking.grant_extension(run.carol, run.modules["m3"], NOW + DAY, "x", by=run.people.lead)


# --- filters and scope -----------------------------------------------------------------------


def test_the_grid_filters_by_ministry_and_group(app, db, run):
    client = client_of(app, run.people.lead)
    html = client.get(f"{run.base}/grid").get_data(as_text=True)
    assert names_in(html) == {"Alice", "Bob", "Carol"}
    assert '<label for="ministry">Ministry</label>' in html
    assert '<label for="group">Tutor group</label>' in html
    assert names_in(client.get(f"{run.base}/grid?ministry={run.a.id}").get_data(as_text=True)) == {
        "Alice",
        "Carol",
    }
    assert names_in(client.get(f"{run.base}/grid?group={run.g2.id}").get_data(as_text=True)) == {
        "Bob"
    }
    assert (
        names_in(
            client.get(f"{run.base}/grid?ministry={run.b.id}&group={run.g1.id}").get_data(
                as_text=True
            )
        )
        == set()
    )
    assert client.get(f"{run.base}/grid?group=not-a-group").status_code == 422


def test_a_tutor_sees_their_own_group_only(app, db, run):
    client = client_of(app, run.people.tutor1)
    response = client.get(f"{run.base}/grid")
    assert response.status_code == 200
    assert names_in(response.get_data(as_text=True)) == {"Alice", "Carol"}
    # Another group's id is not a choice for them, nor are its learners' pages.
    assert client.get(f"{run.base}/grid?group={run.g2.id}").status_code == 422
    assert client.get(f"{run.base}/learners/{run.bob.id}").status_code == 404
    assert client.get(f"{run.base}/learners/{run.alice.id}").status_code == 200
    assert (
        post_form(
            client,
            f"{run.base}/learners/{run.bob.id}/extensions",
            {"module": run.modules["m1"], "due_at": "2099-01-01T10:00", "reason": "x"},
            form_page=f"{run.base}/grid",
        ).status_code
        == 404
    )
    assert {r.learner.id for r in tracking.at_risk(run.people.tutor1, run.cohort)} <= {
        run.alice.id,
        run.carol.id,
    }


@pytest.mark.parametrize(
    "who,path,expected",
    [
        ("other_lead", "/grid", 404),  # leads another cohort
        ("other_lead", "/at-risk", 404),
        ("other_lead", "/announcements", 404),
        ("coordinator", "/grid", 403),  # coordinators do not use these pages
        ("coordinator", "/learners/{alice}", 403),
        ("alice", "/grid", 403),
        ("admin", "/grid", 200),
        ("lead", "/learners/{stranger}", 404),  # an enrolment of another cohort
        ("lead", "/learners/987654", 404),
        ("admin", "/learners/{stranger}", 404),  # not of this cohort, even for an administrator
    ],
)
def test_out_of_scope_is_refused(app, db, run, who, path, expected):
    client = client_of(app, getattr(run.people, who))
    path = path.format(alice=run.alice.id, stranger=run.stranger.id)
    assert client.get(run.base + path).status_code == expected


def test_a_cohort_of_nobody_is_a_404_like_one_that_does_not_exist(app, db, run):
    client = client_of(app, run.people.tutor1)
    assert client.get(f"/teach/cohorts/{run.other_cohort.id}/grid").status_code == 404
    assert client.get("/teach/cohorts/987654/grid").status_code == 404


# --- at risk ---------------------------------------------------------------------------------


def test_learners_behind_schedule_or_inactive_are_at_risk_with_reasons(app, db, run):
    run.cohort.at_risk_inactive_days = 3
    run.alice.last_activity_at = NOW - 4 * DAY  # done with module 1, but silent
    run.bob.last_activity_at = NOW - DAY
    db.session.commit()
    found = {r.learner.name_latin: r for r in tracking.at_risk(run.people.lead, run.cohort, NOW)}
    assert set(found) == {"Alice", "Bob", "Carol"}
    assert found["Alice"].overdue == [] and found["Alice"].inactive_since is not None
    assert [m.node.key for m in found["Bob"].overdue] == ["m1"]
    assert found["Bob"].inactive_since is None
    run.cohort.at_risk_inactive_days = 5
    db.session.commit()
    assert "Alice" not in {
        r.learner.name_latin for r in tracking.at_risk(run.people.lead, run.cohort, NOW)
    }
    html = client_of(app, run.people.lead).get(f"{run.base}/at-risk").get_data(as_text=True)
    assert "Behind schedule: 1 module overdue" in html and "Bob" in html


def test_withdrawn_learners_are_neither_shown_nor_at_risk(db, run):
    run.carol.move_to(EnrolmentState.WITHDRAWN)
    db.session.commit()
    assert "Carol" not in statuses(tracking.grid(run.people.lead, run.cohort))
    assert run.carol.id not in {r.learner.id for r in tracking.at_risk(run.people.lead, run.cohort)}


def test_a_long_at_risk_list_comes_a_page_at_a_time_most_overdue_first(app, db, run, monkeypatch):
    """Three at risk, two to a page: the pager appears, page 2 holds the last, and the due
    dates are those of the learners shown. A list that fits one page has no pager."""
    run.cohort.at_risk_inactive_days = 3
    run.alice.last_activity_at = NOW - 4 * DAY
    db.session.commit()
    client = client_of(app, run.people.lead)
    html = client.get(f"{run.base}/at-risk").get_data(as_text=True)
    assert 'class="pager"' not in html and "3 learners" in html
    monkeypatch.setattr(tracking_views, "AT_RISK_PAGE", 2)
    first = client.get(f"{run.base}/at-risk").get_data(as_text=True)
    second = client.get(f"{run.base}/at-risk?page=2").get_data(as_text=True)
    assert 'class="pager"' in first and "Page 1 of 2" in first and "Page 2 of 2" in second
    assert "Alice" not in first and "Alice" in second  # overdue first, the merely silent after
    assert {"Bob", "Carol"} <= set(re.findall(r">(Bob|Carol)<", first))
    assert "Module 1 (due " in first
    assert client.get(f"{run.base}/at-risk?page=99").status_code == 200  # the last page
    assert client.get(f"{run.base}/at-risk?page=x").status_code == 200


def test_the_grid_equals_the_learners_records_at_any_moment(db, run):
    """Alike learners share their cells; each learner's cells are still the completion rules'
    verdict on their own records, now and once more due dates have passed."""
    for when in (NOW, NOW + 30 * DAY):
        grid = tracking.grid(run.people.lead, run.cohort, now=when)
        enrolments = {e.id: e for e in (run.alice, run.bob, run.carol)}
        fresh = progress.progress_for(list(enrolments.values()), when)
        for row in grid.rows:
            assert [c.status for c in row.cells] == [
                tracking.cell_status(m) for m in fresh[row.learner.id].modules
            ]


# --- speed -----------------------------------------------------------------------------------


def test_the_pages_run_the_same_queries_for_3_and_23_learners(app, db, run, count_queries):
    client = client_of(app, run.people.lead)
    paths = [
        f"{run.base}/grid",
        f"{run.base}/grid?ministry={run.a.id}",
        f"{run.base}/at-risk",
        f"{run.base}/learners/{run.alice.id}",
        f"{run.base}/announcements",
    ]

    def counts():
        result = []
        for path in paths:
            client.get(path)  # outlines cached, as in a running process
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            result.append(counter.count)
        return result

    small = counts()
    for n in range(20):
        _learner, enrolment = make_learner(run.cohort, run.a, run.g1)
        enrolment.last_activity_at = NOW - n * DAY
    db.session.commit()
    finish_module(enrolment, "m1")
    db.session.commit()
    large = counts()
    print("query counts", small, large)
    assert large == small, (small, large)
    assert max(small) <= 12, small


# --- announcements ---------------------------------------------------------------------------


def _post(client, run, **data):
    return post_form(
        client,
        f"{run.base}/announcements",
        {"audience": "", "title": "Welcome", "body": "Hello", **data},
    )


def test_an_announcement_reaches_the_cohort_on_the_dashboard_and_by_mail_if_wanted(app, db, run):
    run.people.carol.notify_by_mail = False
    db.session.commit()
    response = _post(
        client_of(app, run.people.lead),
        run,
        title="Week 2 starts",
        body="Read **chapter 2**.<script>alert(1)</script>",
    )
    assert response.status_code == 302
    for person in (run.people.alice, run.people.bob, run.people.carol):
        html = client_of(app, person).get("/").get_data(as_text=True)
        assert "Week 2 starts" in html and "<strong>chapter 2</strong>" in html
        assert "<script>alert" not in html
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "announcement")
    ).all()
    assert {m.to_user_id for m in mails} == {run.people.alice.id, run.people.bob.id}
    assert "Week 2 starts" in mails[0].subject and "chapter 2" in mails[0].body_text
    # Someone of another cohort sees nothing of it.
    html = (
        client_of(app, make_learner(run.other_cohort, email="x@example.org")[0])
        .get("/")
        .get_data(as_text=True)
    )
    assert "Week 2 starts" not in html


def test_a_tutor_announces_to_their_group_only(app, db, run):
    client = client_of(app, run.people.tutor1)
    assert _post(client, run).status_code == 422  # the whole cohort is not theirs
    assert _post(client, run, audience=run.g2.id).status_code == 422
    assert _post(client, run, audience=run.g1.id, title="Group news").status_code == 302
    announcement = db.session.scalar(sa.select(Announcement))
    assert announcement.tutor_group_id == run.g1.id
    assert "Group news" in client_of(app, run.people.alice).get("/").get_data(as_text=True)
    assert "Group news" not in client_of(app, run.people.bob).get("/").get_data(as_text=True)
    assert {m.to_user_id for m in db.session.scalars(sa.select(OutboxMessage))} == {
        run.people.alice.id,
        run.people.carol.id,
    }
    # Tutor 2 does not see group 1's announcement on the cohort's page.
    html = client_of(app, run.people.tutor2).get(f"{run.base}/announcements").get_data(as_text=True)
    assert "Group news" not in html


def test_an_empty_announcement_is_refused(app, db, run):
    response = _post(client_of(app, run.people.lead), run, title="", body="")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_the_service_refuses_an_author_who_may_not_announce(db, run):
    from diplolearn.services.errors import NotAllowed

    with pytest.raises(NotAllowed):
        tracking.post_announcement(run.cohort, run.people.tutor2, "t", "b", run.g1)
    with pytest.raises(NotAllowed):
        tracking.post_announcement(run.cohort, run.people.tutor2, "t", "b", None)


def test_the_mail_preference_is_on_the_account_page(app, db, run):
    client = client_of(app, run.people.alice)
    html = client.get("/account").get_data(as_text=True)
    assert '<label for="notify_by_mail">' in html and "checked" in html
    response = post_form(
        client,
        "/account",
        {"interface_language": "en", "reading_language": "en", "timezone": "UTC"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert run.people.alice.notify_by_mail is False


def test_csrf_is_required(app, db, run):
    client = client_of(app, run.people.lead)
    assert (
        client.post(
            f"{run.base}/announcements", data={"title": "t", "body": "b", "audience": ""}
        ).status_code
        == 400
    )
    assert csrf_from(client, f"{run.base}/announcements")


def test_the_dashboard_costs_the_same_queries_with_one_or_many_announcements(
    app, db, run, count_queries
):
    client = client_of(app, run.people.alice)
    counts = []
    for authors in ([run.people.lead], [run.people.tutor1, run.people.admin, run.people.lead]):
        for author in authors:
            tracking.post_announcement(
                run.cohort,
                author,
                "News",
                "Text",
                None if author is not run.people.tutor1 else run.g1,
            )
        db.session.commit()
        client.get("/")
        with count_queries() as counter:
            html = client.get("/").get_data(as_text=True)
        counts.append(counter.count)
    assert html.count('class="announcement"') == 4 and "Run 1" in html
    assert counts[0] == counts[1], counts
