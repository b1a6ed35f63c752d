"""Plain factory functions with defaults: each builds one thing through the services, flushes,
and returns it. Tests name only what matters to them."""

from __future__ import annotations

import itertools

from diplolearn.extensions import db
from diplolearn.models import EnrolmentState, Ministry, Role
from diplolearn.services import accounts, organisations, people

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(email: str | None = None, *, password: str | None = PASSWORD, name_latin=None,
              name_ar="", language="en", timezone="UTC", **kwargs):
    n = next(_counter)
    return accounts.create_user(
        email or f"person{n}@example.org", name_latin=name_latin or f"Person {n}",
        name_ar=name_ar, interface_language=language, reading_language=language,
        timezone=timezone, password=password, **kwargs)


def make_ministry(code: str | None = None, name_en: str | None = None) -> Ministry:
    n = next(_counter)
    ministry = Ministry(code=code or f"MFA-{n}",
                        name={"en": name_en or f"Ministry {n}", "ar": f"وزارة {n}"})
    db.session.add(ministry)
    db.session.flush()
    return ministry


def make_course(key: str | None = None, languages=("ar", "en")):
    n = next(_counter)
    return organisations.create_course(key or f"course-{n}",
                                       {"en": f"Course {n}", "ar": f"دورة {n}"}, list(languages))


def make_cohort(course=None, key: str | None = None, timezone="Europe/Zurich"):
    course = course or make_course()
    n = next(_counter)
    return organisations.create_cohort(course, key or f"cohort-{n}", {"en": f"Cohort {n}"},
                                       timezone=timezone)


def make_learner(cohort, ministry=None, group=None, state=EnrolmentState.ACTIVE, **user_kwargs):
    user = make_user(**user_kwargs)
    if ministry is not None:
        people.join_ministry(user, ministry)
    enrolment = organisations.enrol(user, cohort, sponsor=ministry, tutor_group=group)
    if state != EnrolmentState.INVITED:
        enrolment.move_to(EnrolmentState.ACTIVE)
    return user, enrolment


def make_with_role(role: Role, scope_id=None, **user_kwargs):
    user = make_user(**user_kwargs)
    accounts.grant_role(user, role, scope_id)
    return user
