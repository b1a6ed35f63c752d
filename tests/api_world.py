"""A small world for the API tests (tests/test_api*.py): two ministries with seats in one
cohort, staff on each side, an instructor who leads the cohort, certificates on each side, and
one token of each kind (ministry A, ministry B, A read-only, the instructor's personal token,
a revoked and an expired token of A)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from diplolearn.models import EnrolmentState, Role, utcnow
from diplolearn.services.accounts import accounts, people
from diplolearn.services.certificates import certificates
from diplolearn.services.cohorts import cohorts, organisations
from diplolearn.services.integrations import ALL_SCOPES, PERSONAL_SCOPES, tokens
from tests.factories import make_ministry, make_published_course, make_user


def staff_member(ministry, staff_id: str, **kwargs):
    user = make_user(**kwargs)
    people.join_ministry(user, ministry, staff_id=staff_id, position="Attaché")
    return user


def completed(user, cohort, ministry):
    enrolment = organisations.enrol(user, cohort, sponsor=ministry)
    enrolment.move_to(EnrolmentState.ACTIVE)
    enrolment.move_to(EnrolmentState.COMPLETED)
    return certificates.issue_certificate(enrolment)


def build(db) -> SimpleNamespace:
    ministry_a, ministry_b = make_ministry("API-A"), make_ministry("API-B")
    published = make_published_course()
    course = published.course
    now = utcnow()
    cohort = organisations.create_cohort(course, "api-run", {"en": "API run"}, timezone="UTC")
    cohort.course_version_id = published.version.id
    cohort.starts_at = now + dt.timedelta(days=10)
    earlier = organisations.create_cohort(course, "api-earlier", {"en": "Earlier"}, timezone="UTC")
    earlier.course_version_id = published.version.id
    other = organisations.create_cohort(course, "api-other", {"en": "Other"}, timezone="UTC")
    other.course_version_id = published.version.id
    instructor = make_user("api.instructor@example.org")
    accounts.grant_role(instructor, Role.INSTRUCTOR, course.id)
    accounts.grant_role(instructor, Role.LEAD_INSTRUCTOR, cohort.id)
    accounts.grant_role(instructor, Role.LEAD_INSTRUCTOR, earlier.id)
    coordinator = make_user("api.coordinator@example.org")
    accounts.grant_role(coordinator, Role.COORDINATOR, ministry_a.id)
    cohorts.set_seats(cohort, ministry_a, 3, by=instructor)
    cohorts.set_seats(cohort, ministry_b, 3, by=instructor)
    a1 = staff_member(ministry_a, "A-001", email="a1@example.org")
    a2 = staff_member(ministry_a, "A-002", email="a2@example.org")
    b1 = staff_member(ministry_b, "B-001", email="b1@example.org")
    enrolment_a1 = cohorts.nominate(cohort, ministry_a, a1, by=coordinator)
    enrolment_b1 = cohorts.nominate(cohort, ministry_b, b1, by=None)
    certificate_a = completed(a1, earlier, ministry_a)
    certificate_b = completed(b1, other, ministry_b)

    def token(**kwargs):
        return tokens.create_token(by=coordinator if "ministry" in kwargs else None, **kwargs)

    a_token, a_raw = token(name="A", ministry=ministry_a, scopes=ALL_SCOPES)
    _b, b_raw = token(name="B", ministry=ministry_b, scopes=ALL_SCOPES)
    _r, read_raw = token(name="A read", ministry=ministry_a)
    _p, personal_raw = tokens.create_token(
        name="Mine", by=instructor, user=instructor, scopes=PERSONAL_SCOPES
    )
    revoked, revoked_raw = token(name="A revoked", ministry=ministry_a, scopes=ALL_SCOPES)
    tokens.revoke(revoked, coordinator)
    _e, expired_raw = token(
        name="A expired",
        ministry=ministry_a,
        scopes=ALL_SCOPES,
        lifetime_days=1,
        now=now - dt.timedelta(days=2),
    )
    db.session.flush()
    return SimpleNamespace(
        ministry_a=ministry_a,
        ministry_b=ministry_b,
        course=course,
        cohort=cohort,
        earlier=earlier,
        other_cohort=other,
        instructor=instructor,
        coordinator=coordinator,
        a1=a1,
        a2=a2,
        b1=b1,
        enrolment_a1=enrolment_a1,
        enrolment_b1=enrolment_b1,
        certificate_a=certificate_a,
        certificate_b=certificate_b,
        a_token=a_token,
        raw={
            "a": a_raw,
            "b": b_raw,
            "read": read_raw,
            "personal": personal_raw,
            "revoked": revoked_raw,
            "expired": expired_raw,
        },
    )


def bearer(raw: str, **headers) -> dict:
    return {"Authorization": f"Bearer {raw}", **headers}
