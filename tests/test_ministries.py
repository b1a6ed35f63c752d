"""Ministries as tenants: the administrator's ministry pages, and a coordinator's staff pages
(list, person, add, edit, take off the staff), each scoped to the coordinator's own ministry;
history that stays visible to the ministry that sponsored each enrolment."""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.models import (
    AuditEvent,
    EnrolmentState,
    Ministry,
    OutboxMessage,
    Role,
    RoleGrant,
    StaffMembership,
)
from diplolearn.services.accounts import accounts, people
from diplolearn.services.cohorts import organisations
from tests.conftest import csrf_from, login, post_form
from tests.factories import make_cohort, make_learner, make_ministry, make_user, make_with_role


def outbox_to(db, address: str) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == address)
    ).all()


# --- administrators --------------------------------------------------------------------------


def test_admin_creates_a_ministry_with_a_new_invited_coordinator(client, db, sent_mail):
    admin = make_with_role(Role.ADMINISTRATOR)
    login(client, admin.email)
    response = post_form(
        client,
        "/admin/ministries/new",
        {
            "code": "mfa-jo",
            "name_en": "Ministry of Foreign Affairs",
            "name_ar": "وزارة الخارجية",
            "country_code": "jo",
            "coordinator_email": "Coord@MFA.example.org",
            "coordinator_name_latin": "Rania Coordinator",
            "coordinator_language": "ar",
        },
    )
    assert response.status_code == 302
    ministry = db.session.scalar(sa.select(Ministry).where(Ministry.code == "MFA-JO"))
    assert ministry.country_code == "JO" and ministry.name["ar"] == "وزارة الخارجية"
    coordinator = accounts.find_user_by_email("coord@mfa.example.org")
    assert [(g.role, g.ministry_id) for g in coordinator.grants] == [("coordinator", ministry.id)]
    assert len(outbox_to(db, "coord@mfa.example.org")) == 1 and sent_mail == []
    assert client.get("/admin/ministries").status_code == 200
    # The same code again is refused, with the reason on the field.
    again = post_form(
        client,
        "/admin/ministries/new",
        {
            "code": "MFA-JO",
            "name_en": "X",
            "name_ar": "س",
            "coordinator_email": admin.email,
            "coordinator_language": "en",
        },
    )
    assert again.status_code == 422 and "Another ministry already has this code" in again.get_data(
        as_text=True
    )


def test_an_existing_account_becomes_the_coordinator_without_a_new_invitation(client, db):
    admin = make_with_role(Role.ADMINISTRATOR)
    existing = make_user("known@example.org")
    login(client, admin.email)
    response = post_form(
        client,
        "/admin/ministries/new",
        {
            "code": "MFA-MA",
            "name_en": "Morocco",
            "name_ar": "المغرب",
            "coordinator_email": "known@example.org",
            "coordinator_language": "fr",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert existing.has_role(Role.COORDINATOR)
    assert outbox_to(db, "known@example.org") == []


def test_a_new_coordinator_needs_a_name(client, db):
    admin = make_with_role(Role.ADMINISTRATOR)
    login(client, admin.email)
    response = post_form(
        client,
        "/admin/ministries/new",
        {
            "code": "MFA-TN",
            "name_en": "Tunisia",
            "name_ar": "تونس",
            "coordinator_email": "new@example.org",
            "coordinator_language": "fr",
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(Ministry).where(Ministry.code == "MFA-TN")) is None


def test_a_deactivated_ministry_keeps_its_staff_but_they_cannot_be_changed(client, db):
    admin = make_with_role(Role.ADMINISTRATOR)
    ministry = make_ministry("MFA-A")
    coordinator = make_with_role(Role.COORDINATOR, ministry.id, email="coord@example.org")
    login(client, admin.email)
    response = post_form(
        client,
        f"/admin/ministries/{ministry.id}",
        {"name_en": "Ministry A", "name_ar": "وزارة", "country_code": ""},
    )
    db.session.expire_all()
    assert response.status_code == 302 and ministry.is_active is False
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.ministry_id == ministry.id))
        == "ministry.deactivate"
    )
    client.post("/logout", data={"csrf_token": csrf_from(client, "/")})
    login(client, coordinator.email)
    refused = post_form(
        client,
        f"/ministry/{ministry.id}/people/new",
        {"email": "new@example.org", "name_latin": "New", "language": "en"},
    )
    assert refused.status_code == 422
    assert accounts.find_user_by_email("new@example.org") is None


# --- the coordinator's staff pages -----------------------------------------------------------


def two_ministries(db):
    a, b = make_ministry("MFA-A"), make_ministry("MFA-B")
    coord_a = make_with_role(Role.COORDINATOR, a.id, email="coord-a@example.org")
    coord_b = make_with_role(Role.COORDINATOR, b.id, email="coord-b@example.org")
    alice = make_user("alice@example.org", name_latin="Alice A")
    people.join_ministry(alice, a, position="Attaché", posting="Embassy in Paris")
    bob = make_user("bob@example.org", name_latin="Bob B")
    people.join_ministry(bob, b, posting="Embassy in Rome")
    db.session.commit()
    return a, b, coord_a, coord_b, alice, bob


def test_a_coordinator_sees_only_their_own_ministrys_staff(client, db):
    a, b, coord_a, _, alice, bob = two_ministries(db)
    login(client, coord_a.email)
    html = client.get(f"/ministry/{a.id}/people").get_data(as_text=True)
    assert "alice@example.org" in html and "Embassy in Paris" in html
    assert "bob@example.org" not in html
    assert client.get(f"/ministry/{a.id}/people?q=ALICE").status_code == 200
    assert "alice@example.org" not in client.get(f"/ministry/{a.id}/people?q=nobody").get_data(
        as_text=True
    )
    assert client.get(f"/ministry/{a.id}/people/{alice.id}").status_code == 200
    # Another ministry, or its people under one's own ministry's URL: not found.
    assert client.get(f"/ministry/{b.id}/people").status_code == 404
    assert client.get(f"/ministry/{b.id}/people/{bob.id}").status_code == 404
    assert client.get(f"/ministry/{a.id}/people/{bob.id}").status_code == 404
    assert client.get(f"/ministry/{a.id}/people/{bob.id}/edit").status_code == 404
    token = csrf_from(client, f"/ministry/{a.id}/people")
    assert (
        client.post(f"/ministry/{a.id}/people/{bob.id}/end", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        client.post(f"/ministry/{b.id}/people/{bob.id}/end", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        db.session.scalar(
            sa.select(StaffMembership.ended_at).where(StaffMembership.user_id == bob.id)
        )
        is None
    )


def test_staff_list_pages_keep_the_search(client, db):
    a, *_ = two_ministries(db)
    coordinator = db.session.scalar(sa.select(RoleGrant).where(RoleGrant.ministry_id == a.id)).user
    for n in range(30):
        people.join_ministry(make_user(f"staff{n}@example.org", name_latin=f"Staff {n:02d}"), a)
    db.session.commit()
    login(client, coordinator.email)
    html = client.get(f"/ministry/{a.id}/people?q=staff").get_data(as_text=True)
    assert "30 people" in html and "q=staff" in html and "page=2" in html


def test_adding_a_person_invites_them_through_the_outbox(client, db, sent_mail):
    a, _, coord_a, *_ = two_ministries(db)
    login(client, coord_a.email)
    response = post_form(
        client,
        f"/ministry/{a.id}/people/new",
        {
            "email": "new@example.org",
            "name_latin": "New Person",
            "name_ar": "شخص جديد",
            "language": "ar",
            "position": "Secretary",
            "posting": "Cairo",
            "staff_id": "A-9",
        },
    )
    assert response.status_code == 302
    person = accounts.find_user_by_email("new@example.org")
    membership = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == person.id)
    )
    assert (membership.ministry_id, membership.staff_id, membership.posting) == (
        a.id,
        "A-9",
        "Cairo",
    )
    assert len(outbox_to(db, "new@example.org")) == 1 and sent_mail == []
    # The same staff id for someone else is refused on its field.
    clash = post_form(
        client,
        f"/ministry/{a.id}/people/new",
        {"email": "other@example.org", "name_latin": "Other", "language": "en", "staff_id": "A-9"},
    )
    assert clash.status_code == 422 and "has this staff ID" in clash.get_data(as_text=True)


def test_adding_someone_of_another_ministry_does_not_reveal_which(client, db):
    a, b, coord_a, *_ = two_ministries(db)
    login(client, coord_a.email)
    response = post_form(
        client,
        f"/ministry/{a.id}/people/new",
        {"email": "bob@example.org", "name_latin": "Bob", "language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "another organisation" in html
    assert "MFA-B" not in html and b.name["en"] not in html


def test_editing_a_person(client, db):
    a, _, coord_a, _, alice, _ = two_ministries(db)
    login(client, coord_a.email)
    response = post_form(
        client,
        f"/ministry/{a.id}/people/{alice.id}/edit",
        {
            "email": "alice.new@example.org",
            "name_latin": "Alice Adams",
            "name_ar": "",
            "language": "fr",
            "position": "Counsellor",
            "posting": "Embassy in Paris",
            "staff_id": "",
        },
        form_page=f"/ministry/{a.id}/people/{alice.id}/edit",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alice.email == "alice.new@example.org" and alice.name_latin == "Alice Adams"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "staff.update"))
    assert set(event.details["fields"]) >= {"email", "name_latin", "position", "language"}
    assert "alice.new" not in str(event.details)
    # A role holder's email is for administrators to change.
    accounts.grant_role(alice, Role.COORDINATOR, a.id)
    db.session.commit()
    refused = post_form(
        client,
        f"/ministry/{a.id}/people/{alice.id}/edit",
        {"email": "alice.third@example.org", "name_latin": "Alice Adams", "language": "fr"},
    )
    db.session.expire_all()
    assert refused.status_code == 422 and alice.email == "alice.new@example.org"


def test_taking_someone_off_the_staff_ends_the_membership_and_keeps_history(client, db):
    a, _, coord_a, _, alice, _ = two_ministries(db)
    cohort = make_cohort()
    organisations.enrol(alice, cohort, sponsor=a)
    quiet = make_user("quiet@example.org")
    people.join_ministry(quiet, a)
    db.session.commit()
    login(client, coord_a.email)
    for person in (alice, quiet):
        token = csrf_from(client, f"/ministry/{a.id}/people/{person.id}")
        response = client.post(
            f"/ministry/{a.id}/people/{person.id}/end", data={"csrf_token": token}
        )
        assert response.status_code == 302
    ended = db.session.scalars(
        sa.select(StaffMembership.ended_at).where(
            StaffMembership.ministry_id == a.id, StaffMembership.user_id.in_([alice.id, quiet.id])
        )
    )
    assert all(ended)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "staff.leave")
        )
        == 2
    )
    # Alice's sponsored enrolment keeps her visible (as former staff); quiet had none.
    assert "alice@example.org" in client.get(f"/ministry/{a.id}/people?former=1").get_data(
        as_text=True
    )
    assert client.get(f"/ministry/{a.id}/people/{alice.id}").status_code == 200
    assert client.get(f"/ministry/{a.id}/people/{alice.id}/edit").status_code == 404
    assert client.get(f"/ministry/{a.id}/people/{quiet.id}").status_code == 404


def test_history_stays_with_the_sponsoring_ministry_after_a_move(client, db):
    a, b, coord_a, coord_b, *_ = two_ministries(db)
    course_a_cohort, course_b_cohort = make_cohort(), make_cohort()
    mover, enrolment_a = make_learner(
        course_a_cohort, ministry=a, email="mover@example.org", state=EnrolmentState.ACTIVE
    )
    people.join_ministry(mover, b, posting="Embassy in Tokyo")
    enrolment_b = organisations.enrol(mover, course_b_cohort, sponsor=b)
    db.session.commit()
    cohort_a_name, cohort_b_name = course_a_cohort.name["en"], course_b_cohort.name["en"]

    login(client, coord_a.email)
    html = client.get(f"/ministry/{a.id}/people/{mover.id}").get_data(as_text=True)
    assert cohort_a_name in html and cohort_b_name not in html
    assert "Tokyo" not in html and "MFA-B" not in html  # nothing of ministry B
    assert "mover@example.org" not in client.get(f"/ministry/{a.id}/people").get_data(as_text=True)
    assert "mover@example.org" in client.get(f"/ministry/{a.id}/people?former=1").get_data(
        as_text=True
    )
    client.post("/logout", data={"csrf_token": csrf_from(client, "/")})

    login(client, coord_b.email)
    html = client.get(f"/ministry/{b.id}/people/{mover.id}").get_data(as_text=True)
    assert cohort_b_name in html and cohort_a_name not in html and "Tokyo" in html
    assert enrolment_a.sponsor_ministry_id == a.id and enrolment_b.sponsor_ministry_id == b.id


def test_an_administrator_moves_a_person_to_another_ministry(client, db):
    """From /admin/people/<id>: the old membership ends (history kept), the new one starts,
    audited; coordinators then see what scoping.py says: the new ministry its current staff
    member and their posting, the old one only the enrolments it sponsored, as former staff."""
    a, b, coord_a, coord_b, alice, bob = two_ministries(db)
    organisations.enrol(alice, make_cohort(), sponsor=a)
    db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == bob.id)
    ).staff_id = "B-1"
    admin = make_with_role(Role.ADMINISTRATOR, email="admin@example.org")
    db.session.commit()
    page = f"/admin/people/{alice.id}"
    url = f"{page}/ministry"

    def memberships():
        db.session.expire_all()
        return db.session.scalars(
            sa.select(StaffMembership)
            .where(StaffMembership.user_id == alice.id)
            .order_by(StaffMembership.id)
        ).all()

    # A coordinator may not move anyone.
    login(client, coord_a.email)
    token = csrf_from(client, "/")
    assert client.post(url, data={"csrf_token": token, "ministry": str(b.id)}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, admin.email)
    assert "Move to another ministry" in client.get(page).get_data(as_text=True)
    refused = [
        ({"ministry": ""}, 422, "Choose the ministry"),
        ({"ministry": str(a.id)}, 409, "already works for this ministry"),
        ({"ministry": str(b.id), "staff_id": "B-1"}, 409, "staff ID"),
    ]
    for data, status, message in refused:
        response = post_form(client, url, data, form_page=page)
        assert response.status_code == status, data
        assert message in response.get_data(as_text=True), data
        assert [(m.ministry_id, m.ended_at) for m in memberships()] == [(a.id, None)]
    response = post_form(
        client,
        url,
        {
            "ministry": str(b.id),
            "staff_id": "B-2",
            "position": "Counsellor",
            "posting": "Embassy in Oslo",
        },
        form_page=page,
    )
    assert response.status_code == 302
    old, new = memberships()
    assert old.ministry_id == a.id and old.ended_at is not None
    assert (new.ministry_id, new.ended_at, new.staff_id, new.position, new.posting) == (
        b.id,
        None,
        "B-2",
        "Counsellor",
        "Embassy in Oslo",
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "staff.move"))
    assert event is not None and event.details["from_ministry_id"] == a.id
    assert "Embassy in Oslo" in client.get(page).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(client, "/")})

    login(client, coord_b.email)
    staff = client.get(f"/ministry/{b.id}/people").get_data(as_text=True)
    assert "alice@example.org" in staff and "Embassy in Oslo" in staff
    assert "Embassy in Paris" not in client.get(f"/ministry/{b.id}/people/{alice.id}").get_data(
        as_text=True
    )
    assert client.get(f"/ministry/{b.id}/people/{alice.id}/edit").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client, "/")})

    login(client, coord_a.email)
    assert "alice@example.org" not in client.get(f"/ministry/{a.id}/people").get_data(as_text=True)
    assert "alice@example.org" in client.get(f"/ministry/{a.id}/people?former=1").get_data(
        as_text=True
    )
    html = client.get(f"/ministry/{a.id}/people/{alice.id}").get_data(as_text=True)
    assert "Oslo" not in html and "MFA-B" not in html and "B-2" not in html
    assert client.get(f"/ministry/{a.id}/people/{alice.id}/edit").status_code == 404


def test_the_landing_lists_only_ones_own_ministries(client, db):
    a, b, coord_a, *_ = two_ministries(db)
    login(client, coord_a.email)
    html = client.get("/ministry/").get_data(as_text=True)
    assert f"/ministry/{a.id}/people" in html and f"/ministry/{b.id}/people" not in html
    learner = make_user("learner@example.org")
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(client, "/")})
    login(client, learner.email)
    assert client.get("/ministry/").status_code == 403
    assert client.get(f"/ministry/{a.id}/people").status_code == 403


def test_the_ministries_create_command_uses_the_same_rules(runner, db):
    result = runner.invoke(
        args=["ministries", "create", "--code", "mfa-eg", "--name-en", "Egypt", "--name-ar", "مصر"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Ministry.name).where(Ministry.code == "MFA-EG")) == {
        "ar": "مصر",
        "en": "Egypt",
    }
    again = runner.invoke(
        args=["ministries", "create", "--code", "MFA-EG", "--name-en", "X", "--name-ar", "س"]
    )
    assert again.exit_code != 0 and "exists already" in again.output


def test_a_person_page_shows_completion_and_quiz_scores(client, db):
    from diplolearn.services import progress
    from diplolearn.services.assessment import quizzes
    from tests.factories import make_published_course

    a, _, coord_a, *_ = two_ministries(db)
    published = make_published_course(modules=1)
    learner, enrolment = make_learner(published.cohort, ministry=a, email="quiz@example.org")
    quiz = progress.course_progress(enrolment).quiz("m1-quiz")
    attempt = quizzes.start_attempt(enrolment, quiz, "en")
    from tests.factories import quiz_answers

    quizzes.submit(attempt, quiz_answers(attempt, right=True))
    db.session.commit()
    login(client, coord_a.email)
    html = client.get(f"/ministry/{a.id}/people/{learner.id}").get_data(as_text=True)
    assert "Quiz 1</bdi>: 100%" in html  # the quiz title isolated (issue 15 item 4)
    assert "In progress" in html or "Completed" in html
