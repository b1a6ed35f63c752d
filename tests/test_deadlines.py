"""Deadlines that bend (issue 14): late rules and cut-offs, extension requests and their
decisions, excusals, extensions for a group, dated items, and the learner's next step."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn.models import (
    AuditEvent,
    DueDateExtension,
    EnrolmentState,
    ExtensionRequest,
    LateRule,
    ModuleSchedule,
    OutboxMessage,
    QuizPolicyOverride,
    Role,
    SubmissionState,
    utcnow,
)
from diplolearn.security.scoping import (
    pending_extension_request_count,
    pending_extension_requests,
)
from diplolearn.services import deadlines, progress
from diplolearn.services.assessment import SubmissionClosed, quizzes
from diplolearn.services.assessment import assignments as assignment_service
from diplolearn.services.assessment.quiz_policy import set_override
from diplolearn.services.cohorts import organisations
from diplolearn.services.deadlines import (
    AlreadyAsked,
    AlreadyDecided,
    AlreadyDone,
    DateNotLater,
    NothingToExtend,
    NotUnderWay,
    NotYourLearner,
    ReasonNeeded,
    RefusalReasonNeeded,
)
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_assignment,
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
    quiz_answers,
)

DAY = dt.timedelta(days=1)


@pytest.fixture()
def w(app, db):
    """A running cohort (UTC) of a two-module course: module 1 (lesson m1-l1, quiz m1-quiz,
    written assignment m1-essay) opened two weeks ago and was due three days ago; module 2
    opens in a week. Ann (group 1, ministry A) and Bob (group 2); a tutor for each group; a
    lead instructor of the cohort."""
    now = utcnow()
    published = make_published_course(modules=2, lessons_per_module=1)
    make_assignment(published, "m1")
    cohort = organisations.create_cohort(published.course, "run", {"en": "Run"}, timezone="UTC")
    cohort.starts_at, cohort.ends_at = now - 14 * DAY, now + 60 * DAY
    g1 = organisations.add_tutor_group(cohort, "g1", "Group 1")
    g2 = organisations.add_tutor_group(cohort, "g2", "Group 2")
    m1 = published.module_revision("m1").module_id
    m2 = published.module_revision("m2").module_id
    db.session.add_all(
        [
            ModuleSchedule(cohort_id=cohort.id, module_id=m1, opens_at=now - 14 * DAY, due_at=now - 3 * DAY),
            ModuleSchedule(cohort_id=cohort.id, module_id=m2, opens_at=now + 7 * DAY, due_at=now + 14 * DAY),
        ]
    )  # fmt: skip
    ministry = make_ministry()
    ann, ann_e = make_learner(cohort, ministry, g1, email="ann@example.org", name_latin="Ann")
    bob, bob_e = make_learner(cohort, make_ministry(), g2, email="bob@example.org")
    w = SimpleNamespace(
        now=now,
        published=published,
        cohort=cohort,
        g1=g1,
        g2=g2,
        m1=m1,
        m2=m2,
        ministry=ministry,
        ann=ann,
        ann_e=ann_e,
        bob=bob,
        bob_e=bob_e,
        tutor=make_with_role(Role.TUTOR, g1.id, email="tutor@example.org"),
        tutor2=make_with_role(Role.TUTOR, g2.id, email="tutor2@example.org"),
        lead=make_with_role(Role.LEAD_INSTRUCTOR, cohort.id, email="lead@example.org"),
    )
    db.session.commit()
    return w


def client_for(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def token(client, path: str, prefix: str = "") -> str:
    html = client.get(path).get_data(as_text=True)
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    match = re.search(rf'name="{name}"[^>]*?value="([^"]+)"', html)
    assert match, f"no {name} on {path}"
    return match.group(1)


def finish_lesson_and_quiz(enrolment):
    standing = progress.course_progress(enrolment)
    progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
    attempt = quizzes.start_attempt(
        enrolment, progress.course_progress(enrolment).quiz("m1-quiz"), "en"
    )
    answers = quiz_answers(attempt, right=True)
    quizzes.submit(attempt, MultiDict([(k, v) for k, vs in answers.items() for v in vs]))


def close_late_work(w):
    deadlines.set_late_rule(w.cohort, w.lead, accept_late=False)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- the cut-off ---------------------------------------------------------------------------------


def test_cutoff_follows_the_rules_and_never_strands_an_extension():
    due, end = dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    closed = SimpleNamespace(accept_late=False, cutoff_days=None)
    week = SimpleNamespace(accept_late=True, cutoff_days=7)
    until_end = SimpleNamespace(accept_late=True, cutoff_days=None)
    assert deadlines.cutoff(due, late_days=3, rule=None, cohort_ends_at=end) == due + 3 * DAY
    assert deadlines.cutoff(due, late_days=None, rule=None, cohort_ends_at=end) == end
    assert deadlines.cutoff(due, late_days=None, rule=None, cohort_ends_at=None) is None
    assert deadlines.cutoff(due, late_days=3, rule=closed, cohort_ends_at=end) == due
    assert deadlines.cutoff(due, late_days=3, rule=week, cohort_ends_at=end) == due + 7 * DAY
    assert deadlines.cutoff(due, late_days=3, rule=until_end, cohort_ends_at=end) == end
    # A learner's own date past the cohort's end: never closed before it.
    late = end + 10 * DAY
    assert deadlines.cutoff(late, late_days=3, rule=None, cohort_ends_at=end) == late


def test_the_assignment_rule_wins_over_the_cohort_rule(app, db, w):
    with app.test_request_context():
        close_late_work(w)
        deadlines.set_late_rule(w.cohort, w.lead, assignment_key="m1-essay", cutoff_days=10)
        items = {i.kind: i for i in deadlines.dated_items(w.ann_e)}
    assert items["assignment"].cutoff_at == items["assignment"].due_at + 10 * DAY
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LateRule)) == 2
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "late_rule.set"))
        == 2
    )


def test_late_work_is_taken_and_marked_late_until_the_cutoff(app, db, w):
    with app.test_request_context():
        standing = progress.course_progress(w.ann_e)
        state = standing.assignment("m1-essay")
        submission = assignment_service.save(
            w.ann_e, standing, state, body="Three good words here", submit=True
        )
    assert submission.is_late and submission.state == SubmissionState.SUBMITTED


def test_after_the_cutoff_the_next_step_is_to_ask_for_more_time(app, db, w):
    close_late_work(w)
    finish_lesson_and_quiz(w.ann_e)
    db.session.commit()
    with app.test_request_context():
        standing = progress.course_progress(w.ann_e)
        with pytest.raises(SubmissionClosed):
            assignment_service.save(
                w.ann_e, standing, standing.assignment("m1-essay"), body="Late words", submit=True
            )
        step = deadlines.next_step(w.ann_e)
    assert (step.kind, step.action) == ("act", "ask_extension")
    assert step.url == f"/learn/{w.ann_e.id}/more-time/assignment/m1-essay"


# --- a request, from the closed item to the decision and back ----------------------------------


def test_a_request_granted_reopens_the_item_and_tells_the_learner(app, db, w):
    close_late_work(w)
    finish_lesson_and_quiz(w.ann_e)
    db.session.commit()
    learner = client_for(app, w.ann)
    page = f"/learn/{w.ann_e.id}/assignments/m1-essay"
    html = learner.get(page).get_data(as_text=True)
    ask = f"/learn/{w.ann_e.id}/more-time/assignment/m1-essay"
    assert f'href="{ask}"' in html and "Ask for more time" in html
    outline = learner.get(f"/learn/{w.ann_e.id}").get_data(as_text=True)
    assert f'href="{ask}"' in outline  # the next step leads to the request, not the closed page
    response = post_form(learner, ask, {"reason": "I was posted to Geneva this week."})
    assert response.status_code == 302
    request = db.session.scalar(sa.select(ExtensionRequest))
    assert request.state == "pending" and request.item_key == "m1-essay"
    assert "has not decided yet" in learner.get(ask).get_data(as_text=True)

    tutor = client_for(app, w.tutor)
    assert pending_extension_request_count(w.tutor) == 1
    listing = tutor.get("/teach/extension-requests").get_data(as_text=True)
    decision = f"/teach/extension-requests/{request.id}"
    assert f'href="{decision}"' in listing
    new_date = (w.now + 5 * DAY).replace(second=0, microsecond=0)
    response = tutor.post(
        f"{decision}/grant",
        data={
            "grant-csrf_token": token(tutor, decision, "grant"),
            "grant-due_at": new_date.strftime("%Y-%m-%dT%H:%M"),
            "grant-note": "Take the time you need.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    request = db.session.get(ExtensionRequest, request.id)
    assert request.state == "granted" and request.granted_due_at == new_date
    extension = db.session.scalar(sa.select(DueDateExtension))
    assert (extension.enrolment_id, extension.module_id, extension.due_at) == (
        w.ann_e.id,
        w.m1,
        new_date,
    )
    mail = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "extension_decided")
    )
    assert mail.to_address == "ann@example.org" and "granted" in mail.subject
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "extension.grant"))
        == 1
    )
    # Back to the learner: the item takes work again, and the page says so.
    html = learner.get(page).get_data(as_text=True)
    assert "Submit for grading" in html and "was granted" in html
    with app.test_request_context():
        step = deadlines.next_step(w.ann_e)
    assert step.action == "hand_in" and step.when == new_date
    assert pending_extension_request_count(w.tutor) == 0


def test_a_refusal_needs_a_reason_and_tells_the_learner(app, db, w, sent_mail):
    with app.test_request_context():
        request = deadlines.request_extension(w.ann_e, "assignment", "m1-essay", "Ill")
    db.session.commit()
    tutor = client_for(app, w.tutor)
    decision = f"/teach/extension-requests/{request.id}"
    response = tutor.post(
        f"{decision}/refuse",
        data={"refuse-csrf_token": token(tutor, decision, "refuse"), "refuse-note": "  "},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, request.id).state == "pending"
    response = tutor.post(
        f"{decision}/refuse",
        data={
            "refuse-csrf_token": token(tutor, decision, "refuse"),
            "refuse-note": "The cut-off is the exam board's.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, request.id).state == "refused"
    assert count(db, DueDateExtension) == 0
    learner = client_for(app, w.ann)
    html = learner.get(f"/learn/{w.ann_e.id}/more-time").get_data(as_text=True)
    assert "Refused" in html and "exam board" in html
    # Deciding twice: a clear message, a 409, nothing changed.
    response = tutor.post(
        f"{decision}/grant",
        data={
            "grant-csrf_token": csrf_from(tutor, f"/teach/groups/{w.g1.id}/more-time"),
            "grant-due_at": (w.now + 3 * DAY).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 409
    assert "already been decided" in response.get_data(as_text=True)
    assert count(db, DueDateExtension) == 0


def test_bad_requests_are_refused_and_change_nothing(app, db, w):
    learner = client_for(app, w.ann)
    mine = f"/learn/{w.ann_e.id}/more-time/assignment/m1-essay"
    theirs = f"/learn/{w.bob_e.id}/more-time/assignment/m1-essay"
    # Another learner's enrolment: 404, as for one that does not exist.
    assert learner.get(theirs).status_code == 404
    response = learner.post(theirs, data={"csrf_token": csrf_from(learner, mine), "reason": "x"})
    assert response.status_code == 404
    # No reason: 422 with the message.
    response = post_form(learner, mine, {"reason": ""})
    assert response.status_code == 422 and "why you need more time" in response.get_data(
        as_text=True
    )
    # An unknown item: 404.
    assert learner.get(f"/learn/{w.ann_e.id}/more-time/assignment/nope").status_code == 404
    assert learner.get(f"/learn/{w.ann_e.id}/more-time/lesson/m1-l1").status_code == 404
    assert count(db, ExtensionRequest) == 0
    # Twice while one is pending: 409, one request.
    assert post_form(learner, mine, {"reason": "Travel"}).status_code == 302
    response = post_form(
        learner, mine, {"reason": "Travel again"}, form_page=f"/learn/{w.ann_e.id}"
    )
    assert response.status_code == 409 and "already asked" in response.get_data(as_text=True)
    assert count(db, ExtensionRequest) == 1
    # Deciding outside one's groups: 404 for the other group's tutor, nothing changed.
    request = db.session.scalar(sa.select(ExtensionRequest))
    other = client_for(app, w.tutor2)
    decision = f"/teach/extension-requests/{request.id}"
    assert other.get(decision).status_code == 404
    response = other.post(
        f"{decision}/grant",
        data={
            "grant-csrf_token": csrf_from(other, f"/teach/groups/{w.g2.id}/more-time"),
            "grant-due_at": (w.now + 3 * DAY).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 404
    assert pending_extension_requests(w.tutor2) == []
    with app.test_request_context(), pytest.raises(NotYourLearner):
        deadlines.grant_request(request, w.tutor2, w.now + 3 * DAY)
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, request.id).state == "pending"


def test_a_request_after_completion_or_for_done_work_is_refused(app, db, w):
    with app.test_request_context():
        standing = progress.course_progress(w.ann_e)
        assignment_service.save(
            w.ann_e, standing, standing.assignment("m1-essay"), body="Done here", submit=True
        )
        with pytest.raises(AlreadyDone):
            deadlines.request_extension(w.ann_e, "assignment", "m1-essay", "More")
        with pytest.raises(NothingToExtend):
            deadlines.request_extension(w.bob_e, "quiz", "m1-quiz", "More")
        with pytest.raises(ReasonNeeded):
            deadlines.request_extension(w.bob_e, "module", "m1", "   ")
        w.bob_e.move_to(EnrolmentState.COMPLETED)
        with pytest.raises(NotUnderWay):
            deadlines.request_extension(w.bob_e, "module", "m1", "Please")
    db.session.rollback()
    learner = client_for(app, w.bob)
    w.bob_e.state = EnrolmentState.COMPLETED
    db.session.commit()
    response = post_form(learner, f"/learn/{w.bob_e.id}/more-time/module/m1", {"reason": "Please"})
    assert response.status_code == 409 and "not under way" in response.get_data(as_text=True)
    assert count(db, ExtensionRequest) == 0


def test_the_service_refuses_duplicates_and_bad_dates(app, db, w):
    with app.test_request_context():
        request = deadlines.request_extension(w.ann_e, "module", "m1", "Travel")
        with pytest.raises(AlreadyAsked):
            deadlines.request_extension(w.ann_e, "module", "m1", "Travel")
        with pytest.raises(DateNotLater):
            deadlines.grant_request(request, w.tutor, w.now - DAY)
        with pytest.raises(RefusalReasonNeeded):
            deadlines.refuse_request(request, w.tutor, "")
        deadlines.grant_request(request, w.lead, w.now + 4 * DAY)
        with pytest.raises(AlreadyDecided):
            deadlines.refuse_request(request, w.tutor, "No")


def test_no_mail_for_a_learner_who_wants_none(app, db, w):
    w.ann.notify_by_mail = False
    with app.test_request_context():
        request = deadlines.request_extension(w.ann_e, "module", "m1", "Travel")
        deadlines.grant_request(request, w.tutor, w.now + 4 * DAY)
    assert count(db, OutboxMessage) == 0


# --- quizzes ---------------------------------------------------------------------------------------


def test_a_granted_quiz_request_reopens_the_quiz_for_the_learner_only(app, db, w):
    with app.test_request_context():
        set_override(w.lead, progress.course_progress(w.ann_e).quiz("m1-quiz").node.quiz_id,
                     cohort_id=w.cohort.id, closes_at=w.now - DAY)  # fmt: skip
        standing = progress.course_progress(w.ann_e)
        progress.mark_lesson_done(w.ann_e, standing, standing.lesson("m1-l1"))
        step = deadlines.next_step(w.ann_e)
        assert (step.action, step.item_kind) == ("ask_extension", "quiz")
        request = deadlines.request_extension(w.ann_e, "quiz", "m1-quiz", "Connection lost")
        # Something else can be done meanwhile (act beats wait); the calendar shows the wait.
        assert deadlines.next_step(w.ann_e).action == "hand_in"
        quiz_item = next(i for i in deadlines.dated_items(w.ann_e) if i.kind == "quiz")
        assert quiz_item.pending_request and quiz_item.due_at == w.now - DAY
        deadlines.grant_request(request, w.tutor, w.now + 2 * DAY)
        override = db.session.scalar(
            sa.select(QuizPolicyOverride).where(QuizPolicyOverride.enrolment_id == w.ann_e.id)
        )
        assert override.closes_at == w.now + 2 * DAY
        assert deadlines.next_step(w.ann_e).action == "quiz"
        attempt = quizzes.start_attempt(
            w.ann_e, progress.course_progress(w.ann_e).quiz("m1-quiz"), "en"
        )
        assert attempt.id is not None
        assert deadlines.next_step(w.bob_e).action == "read"  # Bob's quiz is still closed


def test_the_services_work_outside_a_request_for_the_demo_data(app, db, w):
    """The demo seeds requests and decisions from a command: no request context there."""
    request = deadlines.request_extension(w.ann_e, "module", "m1", "Posted abroad", now=w.now)
    deadlines.grant_request(request, w.tutor, w.now + 7 * DAY, "Fine", now=w.now)
    other = deadlines.request_extension(w.bob_e, "module", "m1", "Travel", now=w.now)
    deadlines.refuse_request(other, w.tutor2, "Not this time", now=w.now)
    assert [i.extended for i in deadlines.dated_items(w.ann_e) if i.kind == "module"] == [
        True,
        False,
    ]
    assert count(db, OutboxMessage) == 2
