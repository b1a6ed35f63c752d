"""Personal data: a person downloads everything held about them (and nobody else's); an
administrator erases a person, who is pseudonymised while certificates still verify and the
audit trail keeps its entries; postings are seen only by the person, their coordinators and
administrators; downloads and erasures are in the audit log."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from diplolearn.models import (
    AttemptQuestion,
    AuditEvent,
    OutboxMessage,
    OutboxState,
    QuizAttempt,
    Role,
    RoleGrant,
    StaffMembership,
    TokenPurpose,
    User,
    UserToken,
)
from diplolearn.services import progress
from diplolearn.services.accounts import AlreadyErased, accounts, people, personal_data
from diplolearn.services.assessment import quizzes
from diplolearn.services.cohorts import organisations
from diplolearn.services.errors import NotAllowed, ReasonRequired
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_learner,
    make_ministry,
    make_published_course,
    make_user,
    make_with_role,
    quiz_answers,
)

POSTING = "Embassy in Reykjavik 7Q"
THEIR_POSTING = "Consulate in Lagos 3Z"


@pytest.fixture()
def world(db):
    ministry = make_ministry("MFA-P")
    course = make_published_course(modules=1, lessons_per_module=1)
    cohort = organisations.create_cohort(course.course, "run", {"en": "Run"}, timezone="UTC")
    cohort.course_version_id = course.version.id
    group = organisations.add_tutor_group(cohort, "g1", "Group 1")
    person, enrolment = make_learner(
        cohort,
        ministry=ministry,
        group=group,
        email="layla@example.org",
        name_latin="Layla Haddad",
        name_ar="ليلى حداد",
    )
    membership = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == person.id)
    )
    membership.posting, membership.staff_id, membership.position = POSTING, "S-123", "Attaché"
    other, other_enrolment = make_learner(
        cohort, ministry=ministry, group=group, email="omar@example.org", name_latin="Omar Other"
    )
    db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == other.id)
    ).posting = THEIR_POSTING
    for who in (enrolment, other_enrolment):
        standing = progress.course_progress(who)
        progress.mark_lesson_done(who, standing, standing.lesson("m1-l1"))
        attempt = quizzes.start_attempt(who, progress.course_progress(who).quiz("m1-quiz"), "en")
        quizzes.submit(attempt, MultiDict(quiz_answers(attempt, right=True)))
    progress.complete_if_done(enrolment, progress.course_progress(enrolment))
    attempt_id = db.session.scalar(
        sa.select(QuizAttempt.id).where(QuizAttempt.enrolment_id == enrolment.id)
    )
    users = {
        "administrator": make_with_role(Role.ADMINISTRATOR, email="admin@example.org"),
        "coordinator": make_with_role(Role.COORDINATOR, ministry.id, email="coord@example.org"),
        "instructor": make_with_role(
            Role.INSTRUCTOR, course.course.id, email="teacher@example.org"
        ),
        "tutor": make_with_role(Role.TUTOR, group.id, email="tutor@example.org"),
    }
    accounts.grant_role(users["instructor"], Role.LEAD_INSTRUCTOR, cohort.id)
    db.session.commit()
    from diplolearn.services.certificates import certificates

    return {
        "person": person,
        "other": other,
        "enrolment": enrolment,
        "ministry": ministry,
        "other_enrolment": other_enrolment,
        "attempt": attempt_id,
        "cohort": cohort,
        "group": group,
        "course": course,
        "users": users,
        "certificate": certificates.current_certificate(enrolment.id),
    }


def enqueue(person, kind, subject, body):
    from diplolearn.extensions import db

    db.session.add(
        OutboxMessage(
            kind=kind,
            to_address=person.email,
            to_user_id=person.id,
            language="en",
            subject=subject,
            body_text=body,
        )
    )
    db.session.flush()


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def download(client, path="/account/data/download", form_page="/account/data"):
    return post_form(client, path, {}, form_page=form_page)


# --- download ---------------------------------------------------------------------------------


def test_a_person_downloads_everything_about_them_and_nothing_about_others(app, db, world):
    person, other = world["person"], world["other"]
    client = signed_in(app, "layla@example.org")
    response = download(client)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="diplolearn-personal-data-{person.id}.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == "layla@example.org"
    assert data["person"]["name_ar"] == "ليلى حداد"
    assert "password_hash" not in data["person"]
    records = data["records"]
    assert [m["posting"] for m in records["staff_membership"]] == [POSTING]
    assert [e["id"] for e in records["enrolment"]] == [world["enrolment"].id]
    assert len(records["lesson_progress"]) == 1 and len(records["quiz_attempt"]) == 1
    assert len(records["attempt_question"]) == 3 and len(records["response"]) == 3
    assert all(r["answer"] for r in records["response"])
    assert [c["code"] for c in records["certificate"]] == [world["certificate"].code]
    assert {e["action"] for e in data["audit_trail"]} >= {
        "user.create",
        "enrolment.create",
        "certificate.issue",
    }
    text = response.get_data(as_text=True)
    assert "omar@example.org" not in text and THEIR_POSTING not in text
    theirs = db.session.scalars(
        sa.select(QuizAttempt.id).where(QuizAttempt.enrolment_id == world["other_enrolment"].id)
    ).all()
    assert theirs and not set(theirs) & {a["enrolment_id"] for a in records["quiz_attempt"]}
    assert {a["enrolment_id"] for a in records["quiz_attempt"]} == {world["enrolment"].id}
    assert all(r["user_id"] == person.id for r in records.get("role_grant", []))
    assert other.email not in json.dumps(data["audit_trail"])


def test_mails_to_the_person_are_in_their_download(app, db, world):
    enqueue(world["person"], "notice", "Your course starts", "Hello Layla")
    enqueue(world["other"], "notice", "Your course starts", "Hello Omar")
    db.session.commit()
    data = download(signed_in(app, "layla@example.org")).get_json()
    assert [m["body_text"] for m in data["records"]["outbox_message"]] == ["Hello Layla"]


def test_downloads_are_in_the_audit_log(app, db, world):
    person = world["person"]
    download(signed_in(app, "layla@example.org"))
    admin = signed_in(app, "admin@example.org")
    response = download(
        admin, f"/admin/people/{person.id}/data", form_page=f"/admin/people/{person.id}"
    )
    assert response.status_code == 200 and response.get_json()["person"]["id"] == person.id
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "personal_data.download")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.subject_user_id) for e in events] == [
        (person.id, person.id),
        (world["users"]["administrator"].id, person.id),
    ]
    assert "Layla" not in json.dumps(events[0].details)


def test_the_data_page_lists_what_is_held_and_the_own_posting(app, db, world):
    page = signed_in(app, "layla@example.org").get("/account/data").get_data(as_text=True)
    assert POSTING in page and THEIR_POSTING not in page
    assert "Enrolments: 1" in page and "Answers: 3" in page


def test_downloading_needs_a_csrf_token_and_a_signed_in_person(app, db, world):
    client = signed_in(app, "layla@example.org")
    assert client.post("/account/data/download").status_code == 400
    assert app.test_client().post("/account/data/download").status_code in (302, 400)


# --- erasure ----------------------------------------------------------------------------------


def erase(client, person, confirm=None, reason="Asked to be forgotten"):
    return post_form(
        client,
        f"/admin/people/{person.id}/erase",
        {"confirm_email": confirm or person.email, "reason": reason},
    )


def test_erasure_pseudonymises_the_person_and_keeps_certificates_verifiable(app, db, world):
    person, certificate = world["person"], world["certificate"]
    accounts.grant_role(person, Role.TUTOR, world["group"].id)
    accounts.issue_token(person, TokenPurpose.PASSWORD_RESET)
    enqueue(person, "notice", "Pending", "Dear Layla")
    # A written answer: free text that must go.
    attempt_question = db.session.scalars(
        sa.select(AttemptQuestion)
        .join(QuizAttempt)
        .where(QuizAttempt.enrolment_id == world["enrolment"].id)
        .order_by(AttemptQuestion.position)
    ).first()
    attempt_question.question_revision.kind = "short_text"
    attempt_question.response.answer = {"text": "My private thoughts"}
    attempt_question.response.feedback = "Well argued, Layla"
    db.session.commit()
    audit_before = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.subject_user_id == person.id)
    )
    admin = signed_in(app, "admin@example.org")
    response = erase(admin, person)
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.email == f"erased-{person.id}@invalid"
    assert (person.name_latin, person.name_ar, person.password_hash) == ("", "", None)
    assert person.erased_at is not None and not person.is_active
    assert (
        db.session.scalars(sa.select(RoleGrant).where(RoleGrant.user_id == person.id)).all() == []
    )
    assert (
        db.session.scalars(sa.select(UserToken).where(UserToken.user_id == person.id)).all() == []
    )
    membership = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == person.id)
    )
    assert (membership.posting, membership.staff_id, membership.position) == ("", None, "")
    db.session.refresh(attempt_question.response)
    assert attempt_question.response.answer == {}
    assert attempt_question.response.feedback is None
    others = [aq.response.answer for aq in attempt_question.attempt.questions[1:]]
    assert all(others)  # choices are not free text: results still add up
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_user_id == person.id))
    assert mail.state == OutboxState.FAILED and "Layla" not in mail.body_text
    assert mail.to_address == person.email
    # The certificate still answers, without a name.
    page = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "genuine and valid" in page and "personal data has been erased" in page
    assert "Layla" not in page and "ليلى" not in page
    # The audit trail keeps every entry, still about the same (pseudonymised) id.
    after = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_user_id == person.id)
    ).all()
    assert len(after) >= audit_before + 1
    erased = [e for e in after if e.action == "person.erase"]
    assert len(erased) == 1 and erased[0].actor_id == world["users"]["administrator"].id
    assert erased[0].details["reason"] == "Asked to be forgotten"
    # Sign-in is over, and the ministry's report keeps the seat without a name.
    failed = post_form(
        app.test_client(),
        "/login",
        {"email": "layla@example.org", "password": "correct horse battery"},
    )
    assert failed.status_code != 302
    report = (
        signed_in(app, "coord@example.org")
        .get(f"/ministry/{world['ministry'].id}/reports")
        .get_data(as_text=True)
    )
    assert "Erased person" in report and "Layla" not in report


def test_the_erased_persons_session_ends(app, db, world):
    person = world["person"]
    client = signed_in(app, "layla@example.org")
    assert client.get("/account").status_code == 200
    personal_data.erase_person(person, by=world["users"]["administrator"], reason="Asked")
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_erasure_needs_the_email_typed_and_a_reason_and_changes_nothing_otherwise(app, db, world):
    person = world["person"]
    admin = signed_in(app, "admin@example.org")
    wrong = erase(admin, person, confirm="someone@example.org")
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    no_reason = erase(admin, person, reason="")
    assert no_reason.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, person.id).erased_at is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "person.erase")
        )
        == 0
    )
    form = admin.get(f"/admin/people/{person.id}/erase").get_data(as_text=True)
    assert 'for="confirm_email"' in form and 'for="reason"' in form


def test_erasure_is_refused_twice_for_oneself_and_without_reason(db, world):
    admin = world["users"]["administrator"]
    with pytest.raises(ReasonRequired):
        personal_data.erase_person(world["person"], by=admin, reason="  ")
    with pytest.raises(NotAllowed):
        personal_data.erase_person(admin, by=admin, reason="Me")
    personal_data.erase_person(world["person"], by=admin, reason="Asked")
    with pytest.raises(AlreadyErased):
        personal_data.erase_person(world["person"], by=admin, reason="Again")


def test_only_administrators_erase(app, db, world):
    for role in ("coordinator", "instructor", "tutor"):
        client = signed_in(app, world["users"][role].email)
        assert client.get(f"/admin/people/{world['person'].id}/erase").status_code == 403
        token = csrf_from(client, "/")
        assert (
            client.post(
                f"/admin/people/{world['person'].id}/erase",
                data={"csrf_token": token, "confirm_email": "layla@example.org", "reason": "x"},
            ).status_code
            == 403
        )
    assert db.session.get(User, world["person"].id).erased_at is None


# --- who sees a posting -----------------------------------------------------------------------


def _fill(rule, world):
    values = {
        "user_id": world["person"].id,
        "ministry_id": world["ministry"].id,
        "cohort_id": world["cohort"].id,
        "enrolment_id": world["enrolment"].id,
        "group_id": world["group"].id,
        "tutor_group_id": world["group"].id,
        "course_id": world["course"].course.id,
        "certificate_id": world["certificate"].id,
        "lesson_key": "m1-l1",
        "quiz_key": "m1-quiz",
        "attempt_id": world["attempt"],
    }
    if not set(rule.arguments) <= set(values):
        return None
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_postings_reach_only_the_person_their_coordinators_and_administrators(app, db, world):
    """Every page reachable with GET and this world's ids: the posting appears for nobody but
    the person, their ministry's coordinator and the administrators."""
    paths = sorted(
        {
            p
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and rule.endpoint != "static"
            and not rule.rule.endswith((".pdf", ".jwt", ".zip"))
            for p in [_fill(rule, world)]
            if p
        }
    )
    assert f"/admin/people/{world['person'].id}" in paths and "/account/data" in paths
    seen = {}
    for who in ("tutor", "instructor", "other", "coordinator", "administrator", "person"):
        email = world["users"][who].email if who in world["users"] else world[who].email
        client = signed_in(app, email)
        seen[who] = {p for p in paths if POSTING in client.get(p).get_data(as_text=True)}
    assert seen["tutor"] == seen["instructor"] == seen["other"] == set()
    assert f"/admin/people/{world['person'].id}" in seen["administrator"]
    assert "/account/data" in seen["person"]
    ministry_page = f"/ministry/{world['ministry'].id}/people/{world['person'].id}"
    if ministry_page in paths:  # the coordinator's staff pages
        assert ministry_page in seen["coordinator"]
    other_ministry = make_ministry("MFA-Q")
    stranger = make_with_role(Role.COORDINATOR, other_ministry.id, email="q@example.org")
    db.session.commit()
    client = signed_in(app, stranger.email)
    assert not [p for p in paths if POSTING in client.get(p).get_data(as_text=True)]


def test_a_person_sees_their_own_current_membership_on_their_account(app, db, world):
    page = signed_in(app, "layla@example.org").get("/account").get_data(as_text=True)
    assert "My ministry" in page and POSTING in page and "S-123" in page
    assert "Attaché" in page and THEIR_POSTING not in page
    # Someone else's account page shows their own, never hers.
    other = signed_in(app, "omar@example.org").get("/account").get_data(as_text=True)
    assert THEIR_POSTING in other and POSTING not in other and "S-123" not in other
    # Moved to another ministry: the new membership; the ended one is history.
    people.join_ministry(world["person"], make_ministry("MFA-NEW"), position="Counsellor")
    db.session.commit()
    page = signed_in(app, "layla@example.org").get("/account").get_data(as_text=True)
    assert "Counsellor" in page and POSTING not in page and "S-123" not in page
    admin = signed_in(app, "admin@example.org").get("/account").get_data(as_text=True)
    assert "My ministry" not in admin  # no membership, no section


def test_the_posting_scope_for_each_viewer(db, world):
    from diplolearn.security.scoping import memberships_with_visible_posting

    person = world["person"]

    def visible(viewer):
        return [
            m.posting
            for m in db.session.scalars(memberships_with_visible_posting(viewer, person.id))
        ]

    assert visible(person) == [POSTING]
    assert visible(world["users"]["administrator"]) == [POSTING]
    assert visible(world["users"]["coordinator"]) == [POSTING]
    assert visible(world["users"]["tutor"]) == visible(world["users"]["instructor"]) == []
    assert visible(world["other"]) == []
    moved = make_ministry("MFA-NEW")
    people.join_ministry(person, moved)
    assert visible(make_with_role(Role.COORDINATOR, moved.id)) == [""]  # only the new one's
    assert visible(make_user()) == []
