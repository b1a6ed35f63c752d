"""The demo's people: the accounts that can sign in (``DEMO_ACCOUNTS``, listed in the README),
the two ministries, the background staff of the running cohort (``DEMO_STAFF``) and the alumni
of the finished spring run (``DEMO_ALUMNI``), with how far each has got; and ``seed_ministries``.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Ministry


class DemoAccount(NamedTuple):
    role: str
    email: str
    password: str
    name_latin: str
    name_ar: str
    language: str
    ministry: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount(
        "administrator",
        "admin@diplolearn.test",
        "admin-demo-2026",
        "Nadia Haddad",
        "نادية حداد",
        "en",
    ),
    DemoAccount(
        "instructor",
        "instructor@diplolearn.test",
        "instructor-demo-2026",
        "Karim Mansour",
        "كريم منصور",
        "ar",
    ),
    DemoAccount(
        "tutor, group 1",
        "tutor@diplolearn.test",
        "tutor-demo-2026",
        "Sophie Laurent",
        "صوفي لوران",
        "fr",
    ),
    DemoAccount(
        "tutor, group 2",
        "tutor2@diplolearn.test",
        "tutor2-demo-2026",
        "Tariq Saleh",
        "طارق صالح",
        "ar",
    ),
    DemoAccount(
        "coordinator, Ministry A",
        "coordinator.a@diplolearn.test",
        "coordinator-a-demo-2026",
        "Omar Khalil",
        "عمر خليل",
        "ar",
        "MFA-A",
    ),
    DemoAccount(
        "coordinator, Ministry B",
        "coordinator.b@diplolearn.test",
        "coordinator-b-demo-2026",
        "Helen Carter",
        "هيلين كارتر",
        "en",
        "MFA-B",
    ),
    DemoAccount(
        "learner (Arabic)",
        "layla@diplolearn.test",
        "layla-demo-2026",
        "Layla Al-Amin",
        "ليلى الأمين",
        "ar",
        "MFA-A",
    ),
    DemoAccount(
        "learner (Arabic)",
        "youssef@diplolearn.test",
        "youssef-demo-2026",
        "Youssef Benali",
        "يوسف بن علي",
        "ar",
        "MFA-B",
    ),
    DemoAccount(
        "learner (English)",
        "james@diplolearn.test",
        "james-demo-2026",
        "James Okafor",
        "جيمس أوكافور",
        "en",
        "MFA-A",
    ),
    DemoAccount(
        "learner (English)",
        "amina@diplolearn.test",
        "amina-demo-2026",
        "Amina Yusuf",
        "أمينة يوسف",
        "en",
        "MFA-B",
    ),
    DemoAccount(
        "learner (French)",
        "claire@diplolearn.test",
        "claire-demo-2026",
        "Claire Dubois",
        "كلير دوبوا",
        "fr",
        "MFA-B",
    ),
]

DEMO_MINISTRIES = {
    "MFA-A": {
        "en": "Ministry of Foreign Affairs of Arcadia",
        "ar": "وزارة خارجية أركاديا",
        "fr": "Ministère des Affaires étrangères d'Arcadie",
    },
    "MFA-B": {
        "en": "Ministry of Foreign Affairs of Borealia",
        "ar": "وزارة خارجية بوريليا",
        "fr": "Ministère des Affaires étrangères de Borélie",
    },
}

# How far each demo learner has got, so that a newcomer sees learners ahead and behind:
# (modules completed, lessons done in the next module, failed attempts before passing).
DEMO_PROGRESS = {
    "layla@diplolearn.test": (4, 0, 0),
    "amina@diplolearn.test": (3, 1, 1),
    "james@diplolearn.test": (2, 0, 1),
    "claire@diplolearn.test": (1, 0, 0),
    "youssef@diplolearn.test": (0, 1, 0),
}

# The tutor group of each demo learner; both groups mix the two ministries.
DEMO_GROUPS = {
    "layla@diplolearn.test": "group-1",
    "youssef@diplolearn.test": "group-1",
    "james@diplolearn.test": "group-1",
    "amina@diplolearn.test": "group-2",
    "claire@diplolearn.test": "group-2",
}


class DemoStaff(NamedTuple):
    """A member of staff in the running cohort who has no demo password."""

    email: str
    name_latin: str
    name_ar: str
    language: str
    ministry: str
    group: str
    position: str
    posting: str
    progress: tuple[int, int, int]


DEMO_STAFF = [
    DemoStaff(
        "rania.aziz@mfa-a.test",
        "Rania Aziz",
        "رانيا عزيز",
        "ar",
        "MFA-A",
        "group-1",
        "Second Secretary",
        "Geneva",
        (4, 1, 0),
    ),
    DemoStaff(
        "samir.toumi@mfa-a.test",
        "Samir Toumi",
        "سمير التومي",
        "ar",
        "MFA-A",
        "group-1",
        "Attaché",
        "Headquarters",
        (3, 0, 2),
    ),
    DemoStaff(
        "hana.idris@mfa-a.test",
        "Hana Idris",
        "هناء إدريس",
        "en",
        "MFA-A",
        "group-2",
        "First Secretary",
        "New York",
        (2, 1, 0),
    ),
    DemoStaff(
        "faris.nouri@mfa-a.test",
        "Faris Nouri",
        "فارس النوري",
        "ar",
        "MFA-A",
        "group-2",
        "Counsellor",
        "Brussels",
        (0, 0, 0),
    ),
    DemoStaff(
        "lucie.martin@mfa-b.test",
        "Lucie Martin",
        "لوسي مارتان",
        "fr",
        "MFA-B",
        "group-1",
        "Third Secretary",
        "Dakar",
        (3, 1, 0),
    ),
    DemoStaff(
        "peter.lind@mfa-b.test",
        "Peter Lind",
        "بيتر ليند",
        "en",
        "MFA-B",
        "group-1",
        "Attaché",
        "Headquarters",
        (1, 0, 1),
    ),
    DemoStaff(
        "mariam.said@mfa-b.test",
        "Mariam Said",
        "مريم سعيد",
        "ar",
        "MFA-B",
        "group-2",
        "Second Secretary",
        "Cairo",
        (4, 0, 1),
    ),
    DemoStaff(
        "tom.eriksen@mfa-b.test",
        "Tom Eriksen",
        "توم إريكسن",
        "en",
        "MFA-B",
        "group-2",
        "First Secretary",
        "Nairobi",
        (0, 1, 0),
    ),
]


# A finished run of the course, so that reports show completions over time and certificates
# exist: (email, Latin name, Arabic name, language, ministry, days after the start they began,
# weeks they took over the final assessment after it opened).
DEMO_ALUMNI = [
    ("nour.halabi@mfa-a.test", "Nour Halabi", "نور الحلبي", "ar", "MFA-A", 0, 0),
    ("adam.kerr@mfa-a.test", "Adam Kerr", "آدم كير", "en", "MFA-A", 2, 1),
    ("salma.rahal@mfa-a.test", "Salma Rahal", "سلمى رحال", "ar", "MFA-A", 5, 3),
    ("ines.garnier@mfa-b.test", "Inès Garnier", "إيناس غارنييه", "fr", "MFA-B", 1, 0),
    ("karl.berg@mfa-b.test", "Karl Berg", "كارل بيرغ", "en", "MFA-B", 3, 5),
]


def seed_ministries() -> tuple[dict[str, Ministry], int]:
    """The demo's ministries by code (created when missing), and how many were created."""
    created = 0
    ministries: dict[str, Ministry] = {}
    for code, names in DEMO_MINISTRIES.items():
        ministry = db.session.scalar(sa.select(Ministry).where(Ministry.code == code))
        if ministry is None:
            ministry = Ministry(code=code, name=names)
            db.session.add(ministry)
            db.session.flush()
            created += 1
        ministries[code] = ministry
    return ministries, created
