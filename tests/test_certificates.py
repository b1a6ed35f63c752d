"""Certificates: issued once on completion, checked by anyone, revoked or reissued by those
who run the cohort, found by their holder and their ministry — and nobody else.

The PDF and the Open Badges credential are in test_certificate_documents.py."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from diplolearn import jobs
from diplolearn.models import AuditEvent, Certificate, EnrolmentState, Role, utcnow
from diplolearn.services import progress
from diplolearn.services.accounts import accounts
from diplolearn.services.certificates import CertificateNotCurrent, NotCompleted, certificates
from diplolearn.services.cohorts import organisations
from diplolearn.services.errors import NotAllowed, ReasonRequired
from tests.conftest import CSRF_RE, login, post_form
from tests.factories import make_learner, make_ministry, make_published_course, make_with_role


@pytest.fixture()
def course(db):
    published = make_published_course(modules=2, lessons_per_module=1, with_quiz=False)
    published.course.title = {"en": "Digital Diplomacy", "ar": "الدبلوماسية الرقمية"}
    return published


def finish(enrolment):
    """Do everything the course requires; the last lesson completes the enrolment."""
    for key in ("m1-l1", "m2-l1"):
        standing = progress.course_progress(enrolment)
        progress.mark_lesson_done(enrolment, standing, standing.lesson(key))
    return certificates.current_certificate(enrolment.id)


def graduate(course, **kwargs):
    user, enrolment = make_learner(course.cohort, **kwargs)
    return user, enrolment, finish(enrolment)


def count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))


# --- issuing ---------------------------------------------------------------------------------


def test_completing_the_course_issues_a_certificate_of_what_was_completed(db, course):
    _user, enrolment, certificate = graduate(course, name_latin="Layla Haddad", name_ar="ليلى حداد")
    assert enrolment.state == EnrolmentState.COMPLETED
    assert certificate.status == "issued" and certificate.is_valid
    assert (certificate.holder_name_latin, certificate.holder_name_ar) == (
        "Layla Haddad",
        "ليلى حداد",
    )
    assert certificate.course_title["ar"] == "الدبلوماسية الرقمية"
    assert certificate.course_version_id == course.version.id
    assert certificate.completed_on == enrolment.completed_at.date()  # the cohort is in UTC
    assert certificate.workload_hours == 1  # two modules of 10 minutes, rounded up
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", certificate.code)


def test_the_completion_date_is_the_day_in_the_cohorts_time_zone(db, course):
    cohort = organisations.create_cohort(
        course.course, "amman", {"en": "Amman"}, timezone="Asia/Amman"
    )
    _, enrolment = make_learner(cohort)
    enrolment.move_to(EnrolmentState.COMPLETED, when=dt.datetime(2026, 3, 5, 22, 30, tzinfo=dt.UTC))
    certificate = certificates.issue_certificate(enrolment)
    assert certificate.completed_on == dt.date(2026, 3, 6)  # 01:30 in Amman


def test_a_certificate_is_issued_once_per_enrolment(db, course):
    _, enrolment, certificate = graduate(course)
    assert certificates.issue_certificate(enrolment) is certificate
    progress.complete_if_done(enrolment, progress.course_progress(enrolment))
    assert count(db) == 1


def test_a_concurrent_second_issue_yields_the_first_certificate(db, course, monkeypatch):
    """Two requests completing the same enrolment at once: the database's unique index on
    current certificates lets one through, and the other gets that one back."""
    _, enrolment, first = graduate(course)
    looked_up = []

    def racing(enrolment_id):  # the first look-up misses the other request's certificate
        looked_up.append(enrolment_id)
        return None if len(looked_up) == 1 else first

    monkeypatch.setattr(certificates, "current_certificate", racing)
    assert certificates.issue_certificate(enrolment) is first
    assert count(db) == 1


def test_names_are_kept_as_they_were_at_issue(db, course):
    user, _, certificate = graduate(course, name_latin="Layla Haddad")
    user.name_latin = "Layla Haddad-Nasser"
    db.session.flush()
    assert certificate.holder_name_latin == "Layla Haddad"


def test_an_incomplete_enrolment_is_refused_a_certificate(db, course):
    _, enrolment = make_learner(course.cohort)
    with pytest.raises(NotCompleted):
        certificates.issue_certificate(enrolment)
    assert count(db) == 0


def test_codes_are_long_random_and_never_repeat(db, course):
    codes = {graduate(course)[2].code for _ in range(3)}
    assert len(codes) == 3 and all(len(code) == 32 for code in codes)


def test_the_job_issues_the_certificate_of_a_completion_without_one(db, course):
    _, enrolment = make_learner(course.cohort)
    enrolment.move_to(EnrolmentState.COMPLETED)  # completed before certificates existed
    db.session.commit()
    assert jobs.issue_certificates(utcnow()) == {"issued": 1}
    assert jobs.issue_certificates(utcnow()) == {"issued": 0}
    assert certificates.current_certificate(enrolment.id) is not None


# --- revocation and reissue ------------------------------------------------------------------


def lead_of(cohort):
    return make_with_role(Role.LEAD_INSTRUCTOR, cohort.id)


def test_the_lead_instructor_revokes_with_a_reason_recorded_in_the_audit_log(db, course):
    _, _, certificate = graduate(course)
    lead = lead_of(course.cohort)
    certificates.revoke(certificate, by=lead, reason="Plagiarised assignment")
    assert (certificate.status, certificate.revoked_by_id) == ("revoked", lead.id)
    assert certificate.revoked_at is not None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke")
    )
    assert event.actor_id == lead.id and event.details["reason"] == "Plagiarised assignment"


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoking_needs_a_reason(db, course, reason):
    _, _, certificate = graduate(course)
    with pytest.raises(ReasonRequired):
        certificates.revoke(certificate, by=make_with_role(Role.ADMINISTRATOR), reason=reason)
    assert certificate.status == "issued"


def test_only_administrators_and_the_cohorts_lead_instructors_may_revoke(db, course):
    _, _, certificate = graduate(course)
    other_cohort = organisations.create_cohort(
        course.course, "other", {"en": "Other"}, timezone="UTC"
    )
    outsiders = [
        lead_of(other_cohort),
        make_with_role(Role.INSTRUCTOR, course.course.id),
        make_with_role(Role.COORDINATOR, make_ministry().id),
        certificate.holder,
    ]
    for outsider in outsiders:
        with pytest.raises(NotAllowed):
            certificates.revoke(certificate, by=outsider, reason="no")
    assert certificate.status == "issued"


def test_a_revoked_certificate_cannot_be_revoked_or_reissued_again(db, course):
    _, _, certificate = graduate(course)
    admin = make_with_role(Role.ADMINISTRATOR)
    certificates.revoke(certificate, by=admin, reason="Error")
    with pytest.raises(CertificateNotCurrent):
        certificates.revoke(certificate, by=admin, reason="Again")
    with pytest.raises(CertificateNotCurrent):
        certificates.reissue(certificate, by=admin, reason="Again")


def test_reissuing_after_a_name_correction_keeps_the_history(db, course):
    _, enrolment, old = graduate(course, name_latin="Layla Hadad")
    admin = make_with_role(Role.ADMINISTRATOR)
    new = certificates.reissue(
        old, by=admin, reason="Misspelt surname", name_latin="Layla Haddad", name_ar="ليلى حداد"
    )
    assert old.status == "superseded" and old.superseded_at is not None
    assert (new.status, new.supersedes_id, new.reissue_reason) == (
        "issued",
        old.id,
        "Misspelt surname",
    )
    assert (new.holder_name_latin, new.holder_name_ar) == ("Layla Haddad", "ليلى حداد")
    assert new.code != old.code and new.completed_on == old.completed_on
    assert certificates.current_certificate(enrolment.id) is new
    assert count(db) == 2
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "certificate.reissue")
    )
    assert event.details == {
        "reason": "Misspelt surname",
        "replaces": old.id,
        "names_changed": True,
    }


def test_the_revocation_form_needs_csrf_and_a_reason(app, client, db, course):
    _, _, certificate = graduate(course)
    lead = lead_of(course.cohort)
    db.session.commit()
    login(client, lead.email)
    page = f"/certificates/manage/{certificate.id}"
    assert client.post(f"{page}/revoke", data={"revoke-reason": "x"}).status_code == 400
    empty = post_form(client, f"{page}/revoke", {"revoke-reason": ""}, form_page=page)
    assert empty.status_code == 422 and "Nothing was saved yet" in empty.get_data(as_text=True)
    done = post_form(client, f"{page}/revoke", {"revoke-reason": "Cheating"}, form_page=page)
    assert done.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == "revoked" and certificate.revocation_reason == "Cheating"


def test_the_reissue_form_creates_the_replacement(app, client, db, course):
    _user, _, certificate = graduate(course, name_latin="Layla Hadad")
    admin = make_with_role(Role.ADMINISTRATOR)
    db.session.commit()
    login(client, admin.email)
    page = f"/certificates/manage/{certificate.id}"
    assert 'value="Layla Hadad"' in client.get(page).get_data(as_text=True)
    response = post_form(
        client,
        f"{page}/reissue",
        {
            "reissue-name_latin": "Layla Haddad",
            "reissue-name_ar": "ليلى حداد",
            "reissue-reason": "Name corrected",
        },
        form_page=page,
    )
    assert response.status_code == 302
    new = certificates.current_certificate(certificate.enrolment_id)
    assert response.headers["Location"].endswith(f"/certificates/manage/{new.id}")
    assert new.holder_name_latin == "Layla Haddad"


# --- public verification ---------------------------------------------------------------------


def strip_tokens(html: str) -> str:
    """The page without what changes per request: CSRF tokens and the language switcher's
    way back to the requested path."""
    return re.sub(r'name="next" value="[^"]*"', "", CSRF_RE.sub("", html))


def test_verification_shows_a_valid_certificate_with_names_course_and_date(client, db, course):
    _, _, certificate = graduate(
        course, name_latin="Layla Haddad", name_ar="ليلى حداد", email="layla@example.org"
    )
    db.session.commit()
    response = client.get(f"/verify/{certificate.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "genuine and valid" in page
    assert "Layla Haddad" in page and "ليلى حداد" in page and "Digital Diplomacy" in page
    assert "layla@example.org" not in page  # nothing else personal
    assert response.headers["X-Robots-Tag"] == "noindex"
    arabic = client.get(f"/verify/{certificate.code}?lang=ar").get_data(as_text=True)
    assert "هذه الشهادة صحيحة وسارية" in arabic
    assert arabic.index("ليلى حداد") < arabic.index("Layla Haddad")  # the page's script first


def test_verification_says_when_a_certificate_was_revoked(client, db, course):
    _, _, certificate = graduate(course)
    certificates.revoke(
        certificate,
        by=make_with_role(Role.ADMINISTRATOR),
        reason="Fraud",
        now=dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC),
    )
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "revoked on 4 May 2026" in page and "Fraud" not in page
    answer = client.get(
        f"/verify/{certificate.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert answer["status"] == "revoked" and answer["revokedAt"] == "2026-05-04T10:00:00Z"


def test_a_replaced_certificate_is_no_longer_valid(client, db, course):
    _, _, certificate = graduate(course)
    certificates.reissue(certificate, by=make_with_role(Role.ADMINISTRATOR), reason="Name")
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "replaced by a reissued certificate" in page and "genuine and valid" not in page


@pytest.mark.parametrize("code", ["A" * 32, "short", "x" * 200, "%3Cscript%3E", "..%2F..", "a b"])
def test_unknown_and_malformed_codes_get_the_same_plain_answer(client, db, code):
    unknown = client.get("/verify/" + "B" * 32)
    response = client.get(f"/verify/{code}")
    assert response.status_code == unknown.status_code == 404
    assert strip_tokens(response.get_data(as_text=True)) == strip_tokens(
        unknown.get_data(as_text=True)
    )
    assert "no certificate with this code" in response.get_data(as_text=True)


def test_the_lookup_form_leads_to_the_certificate(client, db, course):
    _, _, certificate = graduate(course)
    db.session.commit()
    response = client.get("/verify", query_string={"code": f" {certificate.code} "})
    assert response.headers["Location"] == f"/verify/{certificate.code}"


def test_verification_is_rate_limited_per_address(app, client, db):
    app.config["VERIFY_LIMIT_PER_ADDRESS"] = "3 per minute"
    try:
        statuses = [client.get(f"/verify/{'C' * 31}{n}").status_code for n in range(4)]
    finally:
        app.config["VERIFY_LIMIT_PER_ADDRESS"] = "30 per minute"
    assert statuses == [404, 404, 404, 429]


def test_after_erasure_verification_still_answers_but_shows_no_name(client, db, course):
    user, _, certificate = graduate(course, name_latin="Layla Haddad", name_ar="ليلى حداد")
    user.erased_at, user.name_latin, user.name_ar = utcnow(), "Erased person", ""
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "genuine and valid" in page and "personal data has been erased" in page
    assert "Layla" not in page and "ليلى" not in page
    assert certificates.forget_holder(user) == 1
    db.session.refresh(certificate)
    assert (certificate.holder_name_latin, certificate.holder_name_ar) == ("", "")


# --- where people find them ------------------------------------------------------------------


def test_the_holder_lists_and_downloads_their_certificates(client, db, course):
    user, _, certificate = graduate(course)
    db.session.commit()
    login(client, user.email)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Digital Diplomacy" in page and certificate.code in page
    pdf = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and "attachment" in pdf.headers["Content-Disposition"]


def test_a_learner_gets_404_for_anothers_certificate(client, db, course):
    _, _, theirs = graduate(course)
    me, _, _ = graduate(course)
    db.session.commit()
    login(client, me.email)
    for suffix in ("certificate.pdf", "credential.jwt"):
        assert client.get(f"/certificates/{theirs.id}/{suffix}").status_code == 404


def test_a_revoked_certificate_is_listed_but_not_downloadable(client, db, course):
    user, _, certificate = graduate(course)
    certificates.revoke(certificate, by=make_with_role(Role.ADMINISTRATOR), reason="Error")
    db.session.commit()
    login(client, user.email)
    assert "Revoked" in client.get("/certificates").get_data(as_text=True)
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 404


def test_a_coordinator_downloads_their_own_staffs_certificates_only(client, db, course):
    ours, theirs = make_ministry("MFA-OURS"), make_ministry("MFA-THEIRS")
    _, _, mine = graduate(course, ministry=ours, name_latin="Omar Ours")
    graduate(course, ministry=theirs, name_latin="Tariq Theirs")
    erased, _, _ = graduate(course, ministry=ours, name_latin="Erased Ours")
    erased.erased_at = utcnow()
    coordinator = make_with_role(Role.COORDINATOR, ours.id)
    db.session.commit()
    login(client, coordinator.email)
    listing = client.get("/certificates/staff").get_data(as_text=True)
    assert "Omar Ours" in listing and "Tariq" not in listing and "Erased" not in listing
    response = client.get(f"/certificates/staff/{ours.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 1 and "omar-ours" in pdfs[0]
    assert archive.read(pdfs[0]).startswith(b"%PDF")
    index = archive.read("certificates.csv").decode()
    assert mine.code in index and "Tariq" not in index
    assert client.get(f"/certificates/staff/{theirs.id}/certificates.zip").status_code == 404


def test_a_lead_instructor_manages_only_their_cohorts_certificates(client, db, course):
    _, _, ours = graduate(course, name_latin="In Cohort")
    other_cohort = organisations.create_cohort(
        course.course, "run-2", {"en": "Run 2"}, timezone="UTC"
    )
    lead = lead_of(other_cohort)
    accounts.grant_role(lead, Role.INSTRUCTOR, course.course.id)
    db.session.commit()
    login(client, lead.email)
    assert "In Cohort" not in client.get("/certificates/manage").get_data(as_text=True)
    assert client.get(f"/certificates/manage/{ours.id}").status_code == 404
