"""Staff rosters: reading the file (encodings, separators, line and column of each problem),
the plan (create, join, update, unchanged, sync removals), all-or-nothing confirmation,
idempotence, the staff id as key, and the coordinator's scope."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from diplolearn.models import (
    AuditEvent,
    OutboxMessage,
    Role,
    StaffMembership,
    User,
    utcnow,
)
from diplolearn.models.rosters import PendingInvitation, RosterUpload
from diplolearn.services.accounts import accounts, people
from diplolearn.services.ministries import RosterChanged, RosterInvalid, rosters
from diplolearn.services.ministries.roster_csv import read_roster
from tests.conftest import csrf_from, login
from tests.factories import make_ministry, make_user, make_with_role

HEADER = "email,name_ar,name_latin,language,position,posting,staff_id"
LAYLA = "layla@mfa.example.org,ليلى حداد,Layla Haddad,ar,Second Secretary,Geneva,A-1"
OMAR = "omar@mfa.example.org,عمر خليل,Omar Khalil,en,Counsellor,Headquarters,A-2"


def csv_bytes(*lines: str, sep: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(line.replace(",", sep) for line in lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def messages(plan_or_parsed) -> list[tuple]:
    return [(p.line, p.column, str(p.message)) for p in plan_or_parsed.problems]


# --- reading the file ------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_with_or_without_bom_reads_the_same(app, bom):
    with app.test_request_context():
        parsed = read_roster(csv_bytes(HEADER, LAYLA, bom=bom))
    assert parsed.problems == [] and parsed.notes == []
    (row,) = parsed.rows
    assert (row.email, row.name_ar, row.language, row.staff_id) == (
        "layla@mfa.example.org",
        "ليلى حداد",
        "ar",
        "A-1",
    )


def test_windows_1256_is_detected_and_explained(app):
    with app.test_request_context():
        parsed = read_roster(csv_bytes(HEADER, LAYLA, OMAR, encoding="cp1256"))
        notes = [str(n) for n in parsed.notes]
    assert parsed.encoding == "cp1256" and parsed.problems == []
    assert parsed.rows[0].name_ar == "ليلى حداد"
    assert any("Windows-1256" in note for note in notes)


def test_semicolons_and_header_aliases_in_arabic_and_french(app):
    header = "البريد الإلكتروني;Nom en arabe;name latin;Langue;Fonction;Affectation;Matricule"
    with app.test_request_context():
        parsed = read_roster(csv_bytes(header, LAYLA, sep=";"))
    assert parsed.delimiter == ";" and parsed.problems == []
    assert parsed.rows[0].posting == "Geneva" and parsed.rows[0].staff_id == "A-1"


def test_utf16_is_refused_with_an_explanation(app):
    with app.test_request_context():
        parsed = read_roster("\ufeff".encode("utf-16-le") + (HEADER + "\r\n").encode("utf-16-le"))
        assert "UTF-16" in str(parsed.problems[0].message)


def test_every_problem_names_its_line_and_column(app):
    data = csv_bytes(
        HEADER,
        LAYLA,
        "not-an-email,,Someone,ar,,,",
        "omar@mfa.example.org,,,de,,,A-1",
        "",
        "layla@mfa.example.org,,Layla again,en,,,",
    )
    with app.test_request_context():
        found = messages(read_roster(data))
    assert (3, 1) in [(line, col) for line, col, _ in found]  # bad email
    assert any(line == 4 and col == 3 and "Latin" in m for line, col, m in found)
    assert any(line == 4 and col == 4 and "ar, en or fr" in m for line, col, m in found)
    assert any(line == 4 and col == 7 and "line 2" in m for line, col, m in found)  # staff id
    assert any(line == 6 and col == 1 and "line 2" in m for line, col, m in found)  # email


def test_missing_columns_are_named(app):
    with app.test_request_context():
        parsed = read_roster(csv_bytes("email,name_latin", "a@example.org,A"))
        message = str(parsed.problems[0].message)
    assert parsed.problems[0].line == 1
    assert "Name in Arabic script" in message and "Posting" in message


# --- the plan and applying it ----------------------------------------------------------------


@pytest.fixture()
def ministry(db):
    return make_ministry("MFA-A", "Ministry A")


@pytest.fixture()
def coordinator(db, ministry):
    return make_with_role(Role.COORDINATOR, ministry.id, email="coord-a@example.org")


def apply(ministry, coordinator, data, sync=False):
    upload = rosters.store_upload(ministry, coordinator, data, sync=sync)
    plan = rosters.plan_roster(ministry, data, sync=sync)
    return rosters.confirm_upload(upload, ministry, coordinator, plan.digest)


def test_import_creates_people_and_leaves_invitations_to_the_job(
    db, ministry, coordinator, sent_mail
):
    from diplolearn.jobs import send_due_mail, send_invitations

    plan = apply(ministry, coordinator, csv_bytes(HEADER, LAYLA, OMAR))
    assert plan.result["create"] == 2 and plan.result["invitations"] == 2
    layla = accounts.find_user_by_email("layla@mfa.example.org")
    assert layla.name_ar == "ليلى حداد" and layla.interface_language == "ar"
    membership = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == layla.id)
    )
    assert (membership.ministry_id, membership.staff_id, membership.posting) == (
        ministry.id,
        "A-1",
        "Geneva",
    )
    # Nothing is mailed, nor even rendered, by the import itself.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingInvitation)) == 2
    assert send_invitations(utcnow()) == {"invited": 2}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2
    assert send_due_mail(utcnow())["sent"] == 2 and len(sent_mail) == 2
    assert send_invitations(utcnow()) == {"invited": 0}
    # The audit trail has the counts, not the contents.
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "roster.import"))
    assert event.details["create"] == 2 and event.ministry_id == ministry.id
    assert "layla" not in str(event.details)


def test_the_same_file_again_changes_nothing(db, ministry, coordinator):
    data = csv_bytes(HEADER, LAYLA, OMAR)
    apply(ministry, coordinator, data)
    before = db.session.execute(sa.select(User.id, User.email, User.updated_at)).all()
    plan = apply(ministry, coordinator, data)
    assert plan.result["unchanged"] == 2
    assert {k: v for k, v in plan.result.items() if v} == {"unchanged": 2}
    assert db.session.execute(sa.select(User.id, User.email, User.updated_at)).all() == before


def test_a_bad_row_blocks_the_whole_file(db, ministry, coordinator):
    data = csv_bytes(HEADER, LAYLA, "broken,,B,xx,,,", OMAR)
    upload = rosters.store_upload(ministry, coordinator, data)
    plan = rosters.plan_roster(ministry, data)
    assert not plan.ok
    with pytest.raises(RosterInvalid):
        rosters.confirm_upload(upload, ministry, coordinator, plan.digest)
    assert accounts.find_user_by_email("layla@mfa.example.org") is None


def test_staff_id_is_the_key_when_the_email_changes(db, ministry, coordinator):
    apply(ministry, coordinator, csv_bytes(HEADER, LAYLA))
    layla = accounts.find_user_by_email("layla@mfa.example.org")
    moved = LAYLA.replace("layla@mfa", "layla.haddad@mfa")
    plan = rosters.plan_roster(ministry, csv_bytes(HEADER, moved))
    (item,) = plan.items
    assert (item.action, item.changes, item.user.id) == ("update", ("email",), layla.id)
    apply(ministry, coordinator, csv_bytes(HEADER, moved))
    assert db.session.get(User, layla.id).email == "layla.haddad@mfa.example.org"
    # A role holder's email is the administrators' to change.
    accounts.grant_role(layla, Role.INSTRUCTOR, make_course_id())
    plan = rosters.plan_roster(ministry, csv_bytes(HEADER, LAYLA))
    assert [p.column for p in plan.problems] == [1]
    assert "administrators" in str(plan.problems[0].message)


def make_course_id():
    from tests.factories import make_course

    return make_course().id


def test_sync_mode_lists_removals_and_applies_them_only_when_chosen(db, ministry, coordinator):
    apply(ministry, coordinator, csv_bytes(HEADER, LAYLA, OMAR))
    only_layla = csv_bytes(HEADER, LAYLA)
    plan = apply(ministry, coordinator, only_layla)
    assert plan.result["deactivate"] == 0
    omar = accounts.find_user_by_email("omar@mfa.example.org")
    current = sa.select(StaffMembership).where(
        StaffMembership.user_id == omar.id, StaffMembership.ended_at.is_(None)
    )
    assert db.session.scalar(current) is not None
    plan = rosters.plan_roster(ministry, only_layla, sync=True)
    assert [(i.action, i.user.id) for i in plan.of(rosters.Action.DEACTIVATE)] == [
        ("deactivate", omar.id)
    ]
    assert db.session.scalar(current) is not None  # a preview changes nothing
    apply(ministry, coordinator, only_layla, sync=True)
    assert db.session.scalar(current) is None
    assert omar.is_active_account  # the account stays; only the membership ended


def test_a_person_of_another_ministry_is_refused_without_naming_it(db, ministry, coordinator):
    other = make_ministry("MFA-SECRET", "Secret Ministry")
    person = make_user("omar@mfa.example.org")
    people.join_ministry(person, other)
    plan = rosters.plan_roster(ministry, csv_bytes(HEADER, LAYLA, OMAR))
    (problem,) = plan.problems
    assert (problem.line, problem.column) == (3, 1)
    text = str(problem.message)
    assert "another organisation" in text
    assert "SECRET" not in text.upper() and str(other.id) not in text


def test_an_account_without_a_ministry_joins(db, ministry, coordinator):
    person = make_user("omar@mfa.example.org", name_latin="Omar Khalil", name_ar="عمر خليل")
    plan = apply(ministry, coordinator, csv_bytes(HEADER, OMAR))
    assert plan.result["join"] == 1 and plan.result["invitations"] == 0  # has a password
    assert (
        db.session.scalar(
            sa.select(StaffMembership.ministry_id).where(
                StaffMembership.user_id == person.id, StaffMembership.ended_at.is_(None)
            )
        )
        == ministry.id
    )


def test_a_change_since_the_preview_is_noticed(db, ministry, coordinator):
    data = csv_bytes(HEADER, LAYLA)
    upload = rosters.store_upload(ministry, coordinator, data)
    digest = rosters.plan_roster(ministry, data).digest
    make_user("layla@mfa.example.org")  # someone registers meanwhile: create -> join
    with pytest.raises(RosterChanged):
        rosters.confirm_upload(upload, ministry, coordinator, digest)


def test_a_person_who_returns_keeps_their_staff_id(db, ministry, coordinator):
    apply(ministry, coordinator, csv_bytes(HEADER, LAYLA))
    layla = accounts.find_user_by_email("layla@mfa.example.org")
    apply(ministry, coordinator, csv_bytes(HEADER, OMAR), sync=True)
    plan = apply(ministry, coordinator, csv_bytes(HEADER, LAYLA, OMAR))
    assert plan.result["join"] == 1
    history = db.session.scalars(
        sa.select(StaffMembership.staff_id).where(StaffMembership.user_id == layla.id)
    ).all()
    assert history == ["A-1", "A-1"]


# --- the pages -------------------------------------------------------------------------------


def upload_via(client, ministry_id, data, mode="add", page=None):
    path = f"/ministry/{ministry_id}/roster"
    token = csrf_from(client, page or path)
    return client.post(
        path,
        data={"csrf_token": token, "mode": mode, "file": (io.BytesIO(data), "staff.csv")},
        content_type="multipart/form-data",
    )


def confirm_via(client, location):
    page = client.get(location).get_data(as_text=True)
    digest = re.search(r'name="digest"[^>]*value="([0-9a-f]+)"', page)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    return client.post(
        location, data={"csrf_token": token, "digest": digest.group(1) if digest else "x"}
    )


def test_upload_preview_and_confirm_through_the_pages(client, db, ministry, coordinator, sent_mail):
    login(client, coordinator.email)
    response = upload_via(client, ministry.id, csv_bytes(HEADER, LAYLA, OMAR, sep=";"))
    assert response.status_code == 302
    preview = client.get(response.location)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "layla@mfa.example.org" in html
    assert accounts.find_user_by_email("layla@mfa.example.org") is None
    done = confirm_via(client, response.location)
    assert done.status_code == 302
    assert accounts.find_user_by_email("layla@mfa.example.org") is not None
    assert sent_mail == []
    # Confirming again applies nothing twice.
    again = client.post(
        response.location,
        data={"csrf_token": csrf_from(client, f"/ministry/{ministry.id}/roster"), "digest": "x"},
    )
    assert again.status_code == 302
    upload = db.session.scalar(sa.select(RosterUpload))
    assert upload.applied_at is not None and upload.content == b""


def test_preview_lists_problems_by_line_and_column_and_offers_no_confirmation(
    client, db, ministry, coordinator
):
    login(client, coordinator.email)
    response = upload_via(client, ministry.id, csv_bytes(HEADER, LAYLA, "x,,X,ar,,,"))
    html = client.get(response.location).get_data(as_text=True)
    assert "<td>3</td>" in html and "email" in html
    assert 'name="digest"' not in html
    refused = confirm_via(client, response.location)
    assert refused.status_code == 409
    assert accounts.find_user_by_email("layla@mfa.example.org") is None


def test_sync_preview_page_lists_the_removals(client, db, ministry, coordinator):
    apply(ministry, coordinator, csv_bytes(HEADER, LAYLA, OMAR))
    login(client, coordinator.email)
    response = upload_via(client, ministry.id, csv_bytes(HEADER, LAYLA), mode="sync")
    html = client.get(response.location).get_data(as_text=True)
    assert "omar@mfa.example.org" in html and "Leaving your ministry" in html


def test_too_large_a_file_gets_a_clear_message(app, client, db, ministry, coordinator):
    login(client, coordinator.email)
    app.config["ROSTER_MAX_BYTES"] = 100
    try:
        response = upload_via(client, ministry.id, csv_bytes(HEADER, LAYLA, OMAR))
    finally:
        app.config.pop("ROSTER_MAX_BYTES")
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterUpload)) == 0


def test_a_coordinator_of_another_ministry_cannot_upload_preview_or_confirm(
    client, db, ministry, coordinator
):
    other = make_ministry("MFA-B")
    other_coordinator = make_with_role(Role.COORDINATOR, other.id, email="coord-b@example.org")
    upload = rosters.store_upload(ministry, coordinator, csv_bytes(HEADER, LAYLA))
    db.session.commit()
    login(client, other_coordinator.email)
    assert client.get(f"/ministry/{ministry.id}/roster").status_code == 404
    own_page = f"/ministry/{other.id}/roster"
    assert (
        upload_via(client, ministry.id, csv_bytes(HEADER, LAYLA), page=own_page).status_code == 404
    )
    # A's upload id, under A's URL and under B's own URL (a forged id): not found.
    assert client.get(f"/ministry/{ministry.id}/roster/{upload.id}").status_code == 404
    assert client.get(f"/ministry/{other.id}/roster/{upload.id}").status_code == 404
    token = csrf_from(client, own_page)
    assert (
        client.post(
            f"/ministry/{other.id}/roster/{upload.id}", data={"csrf_token": token, "digest": "x"}
        ).status_code
        == 404
    )
    assert accounts.find_user_by_email("layla@mfa.example.org") is None
