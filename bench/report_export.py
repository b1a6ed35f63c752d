"""The ministry report's CSV export streams in flat memory: build N sponsored enrolments in a
fresh database (default 1,000 then 10,000), download /ministry/<id>/reports/staff.csv through
the application as a coordinator, and print rows per second and the peak memory Python
allocated while the response streamed (tracemalloc). Flat means the peak does not grow with N.

    /tmp/venv/bin/python bench/report_export.py [--sizes 1000 10000]

SQLite in a temporary folder by default; PostgreSQL (a fresh schema, dropped afterwards) when
DIPLOLEARN_BENCH_DATABASE_URL is set, e.g. postgresql://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from diplolearn import create_app
from diplolearn.extensions import db
from diplolearn.models import (
    Enrolment,
    LessonProgress,
    QuizAttempt,
    Role,
    StaffMembership,
    User,
)
from diplolearn.services.accounts import accounts

PASSWORD = "bench password 1234"
MODULES, LESSONS = 5, 4


@contextmanager
def database_url():
    pg = os.environ.get("DIPLOLEARN_BENCH_DATABASE_URL", "")
    if not pg:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", pg)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def build(size: int) -> tuple[int, str]:
    """A published course and ``size`` enrolments sponsored by one ministry, with lesson
    progress and graded quiz attempts; returns the ministry id and the coordinator's email."""
    from tests.factories import make_ministry, make_published_course

    ministry = make_ministry("MFA-BENCH")
    course = make_published_course(modules=MODULES, lessons_per_module=LESSONS)
    cohort = course.cohort
    coordinator = accounts.create_user(
        "coordinator@bench.example", name_latin="Coordinator", password=PASSWORD
    )
    accounts.grant_role(coordinator, Role.COORDINATOR, ministry.id)
    lessons = list(
        db.session.execute(
            sa.text(
                "SELECT lesson_id FROM lesson_revision WHERE course_version_id = :v ORDER BY id"
            ),
            {"v": course.version.id},
        ).scalars()
    )
    quizzes = list(
        db.session.execute(
            sa.text(
                "SELECT id, quiz_id FROM quiz_revision WHERE course_version_id = :v ORDER BY id"
            ),
            {"v": course.version.id},
        )
    )
    now = dt.datetime.now(dt.UTC)
    for start in range(0, size, 2000):
        batch = range(start, min(start + 2000, size))
        db.session.execute(
            sa.insert(User),
            [
                {
                    "email": f"staff{n}@bench.example",
                    "name_latin": f"Staff Member {n:05d}",
                    "name_ar": f"موظف {n}",
                    "sort_key": f"staff member {n:05d}",
                }
                for n in batch
            ],
        )
        ids = dict(
            db.session.execute(
                sa.select(User.email, User.id).where(
                    User.email.in_([f"staff{n}@bench.example" for n in batch])
                )
            ).all()
        )
        users = [ids[f"staff{n}@bench.example"] for n in batch]
        db.session.execute(
            sa.insert(StaffMembership),
            [
                {
                    "user_id": u,
                    "ministry_id": ministry.id,
                    "staff_id": f"S{n:05d}",
                    "posting": "Embassy",
                }
                for n, u in zip(batch, users, strict=False)
            ],
        )
        states = ["active", "active", "completed", "invited", "active", "withdrawn"]
        db.session.execute(
            sa.insert(Enrolment),
            [
                {
                    "user_id": u,
                    "cohort_id": cohort.id,
                    "sponsor_ministry_id": ministry.id,
                    "state": states[n % 6],
                    "created_at": now - dt.timedelta(days=60 - n % 50),
                    "completed_at": now - dt.timedelta(days=n % 40)
                    if states[n % 6] == "completed"
                    else None,
                    "last_activity_at": now - dt.timedelta(hours=n % 300),
                }
                for n, u in zip(batch, users, strict=False)
            ],
        )
        enrolments = dict(
            db.session.execute(
                sa.select(Enrolment.user_id, Enrolment.id).where(Enrolment.user_id.in_(users))
            ).all()
        )
        done = {
            u: len(lessons) if n % 6 == 2 else n % len(lessons)
            for n, u in zip(batch, users, strict=False)
        }
        db.session.execute(
            sa.insert(LessonProgress),
            [
                {
                    "enrolment_id": enrolments[u],
                    "lesson_id": lesson,
                    "time_spent_seconds": 240,
                    "completed_at": now,
                    "course_version_id": course.version.id,
                }
                for u in users
                for lesson in lessons[: done[u]]
            ],
        )
        db.session.execute(
            sa.insert(QuizAttempt),
            [
                {
                    "enrolment_id": enrolments[u],
                    "quiz_id": quiz_id,
                    "quiz_revision_id": rev_id,
                    "number": 1,
                    "state": "graded",
                    "language": "en",
                    "pass_mark": Decimal(60),
                    "score": Decimal(2 + n % 2),
                    "max_score": Decimal(3),
                    "passed": True,
                    "submitted_at": now,
                    "graded_at": now,
                }
                for n, u in zip(batch, users, strict=False)
                if done[u] >= LESSONS
                for rev_id, quiz_id in quizzes[: done[u] // LESSONS]
            ],
        )
    db.session.commit()
    return ministry.id, coordinator.email


def export(app, ministry_id: int, email: str, trace: bool) -> tuple[int, int, float, int]:
    """Download the CSV as the coordinator; (rows, bytes, seconds, peak bytes)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/ministry/{ministry_id}/reports/staff.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed, response.status_code
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return lines - 1, size, seconds, peak


def run(size: int) -> None:
    with database_url() as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "RATELIMIT_STORAGE_URI": "memory://",
                "RATELIMIT_ENABLED": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            }
        )
        with app.app_context():
            db.create_all()
            built = time.perf_counter()
            ministry_id, email = build(size)
            built = time.perf_counter() - built
            db.session.remove()
        rows, size_bytes, seconds, _ = export(app, ministry_id, email, trace=False)
        _, _, _, peak = export(app, ministry_id, email, trace=True)
        with app.app_context():
            db.engine.dispose()
    print(
        f"{rows:>6} rows  {size_bytes / 1e6:6.2f} MB  {seconds:6.2f} s  "
        f"{rows / seconds:8.0f} rows/s  peak {peak / 1e6:6.2f} MB (tracemalloc)  "
        f"[data built in {built:.1f} s]",
        flush=True,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args()
    backend = "PostgreSQL" if os.environ.get("DIPLOLEARN_BENCH_DATABASE_URL") else "SQLite"
    print(
        f"Streaming the staff report CSV ({backend}, course of {MODULES} modules x "
        f"{LESSONS} lessons and a quiz each)"
    )
    for n in args.sizes:
        run(n)
