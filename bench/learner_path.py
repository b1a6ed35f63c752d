"""The learner's path under load: gunicorn (2 workers, SQLite), 8 concurrent signed-in
learners with no think time, on the 50 modules x 20 lessons course.

Prints requests per second and p50/p95/p99 latency of the dashboard, course outline, lesson
and quiz pages, measured two ways: server time (from gunicorn's access log, %(M)s) and what the
clients saw. The issue's target is a server-time p95 under 50 ms for the lesson page.

    make bench-learner            # or: .venv/bin/python bench/learner_path.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import gunicorn, report, run_load, server_times, sign_in  # noqa: E402
from bench.large_course import COURSE_ID, write  # noqa: E402

USERS = 8
PASSWORD = "bench-password-2026"


def prepare(workdir: Path, modules: int, lessons: int) -> dict:
    """Database with the large course imported and 8 enrolled learners; returns their urls."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        SECRET_KEY="bench-secret",
        MAIL_BACKEND="console",
    )
    flask = [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py")]
    folder = write(workdir / "courses", modules=modules, lessons=lessons)
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [*flask, "courses", "import", str(folder)], env=env, check=True, capture_output=True
    )
    print(
        f"imported {modules} modules x {lessons} lessons in {time.perf_counter() - started:.1f} s"
    )
    os.environ.update(env)
    from diplolearn import create_app
    from diplolearn.extensions import db
    from diplolearn.models import Course, EnrolmentState
    from diplolearn.services.accounts import accounts
    from diplolearn.services.cohorts import organisations

    app = create_app()
    with app.app_context():
        course = db.session.scalar(db.select(Course).where(Course.key == COURSE_ID))
        cohort = organisations.default_cohort(course)
        users = []
        for n in range(USERS):
            user = accounts.create_user(
                f"bench{n}@example.org",
                name_latin=f"Bench {n}",
                interface_language="ar" if n % 2 else "en",
                password=PASSWORD,
            )
            enrolment = organisations.enrol(user, cohort, sponsor=None)
            enrolment.move_to(EnrolmentState.ACTIVE)
            users.append((user.email, enrolment.id))
        db.session.commit()
    return {"env": env, "users": users}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--lessons", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="diplolearn-bench-"))
    setup = prepare(workdir, args.modules, args.lessons)
    log = workdir / "access.log"
    pages = {
        "dashboard": lambda e: "/",
        "outline": lambda e: f"/learn/{e}",
        "lesson": lambda e: f"/learn/{e}/lessons/m001-l{(e % 20) + 1:02d}",
        "quiz": lambda e: f"/learn/{e}/quizzes/m001-quiz",
    }
    with gunicorn(setup["env"], log) as base:
        clients = [
            (sign_in(base, email, PASSWORD), enrolment) for email, enrolment in setup["users"]
        ]
        log.write_text("")
        seen, elapsed = run_load(base, clients, pages, args.seconds)
    kinds = [
        ("quiz", re.compile(r"^/learn/\d+/quizzes/")),
        ("lesson", re.compile(r"^/learn/\d+/lessons/")),
        ("outline", re.compile(r"^/learn/\d+$")),
        ("dashboard", re.compile(r"^/$")),
    ]
    report(
        f"gunicorn 2 workers, SQLite, {USERS} learners, {args.modules}x{args.lessons} course",
        pages,
        seen,
        server_times(log, kinds),
        elapsed,
    )


if __name__ == "__main__":
    main()
