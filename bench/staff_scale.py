"""Staff pages at the scale of a ministry (issue 16): build a cohort of 1,000 learners over a
course of 12 modules and a ministry of 5,000 staff in a fresh database, then, for one user at a
time (in process, through the application's test client), print each staff page's p50/p95
server time and query count, the staff CSV's rows per second and peak memory, and a
certificate PDF's time (first, then after).

    .venv/bin/python bench/staff_scale.py [--learners 1000] [--staff 5000] [--modules 12]
        [--repeat 30] [--postgres postgresql://postgres@127.0.0.1:5432/test] [--no-gc-freeze]

SQLite in a temporary folder by default; with --postgres (or DIPLOLEARN_BENCH_DATABASE_URL) a
fresh schema, vacuumed and analysed after the load as autovacuum would, dropped afterwards.
The 5,000 staff each have one enrolment sponsored by the ministry: the first ``--learners`` in
the big cohort (ten tutor groups, half of the modules due already), the others spread over
cohorts of the same course, so the staff report and its CSV have one row each. Before
measuring, the process freezes what start-up made (gc.freeze), as wsgi.py does in a worker.
Issue 16's targets: p95 under 100 ms, the CSV at 30,000 rows/s or more in flat memory, a
certificate PDF under 100 ms after the first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import statistics
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
    Cohort,
    Enrolment,
    LessonProgress,
    ModuleSchedule,
    QuizAttempt,
    Role,
    StaffMembership,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.services.accounts import accounts

PASSWORD = "bench password 1234"
LESSONS = 4  # per module, and a quiz each
GROUPS = 10  # tutor groups in the big cohort
COHORT_SIZE = 1000  # the other staff's cohorts
STATES = ["active", "active", "completed", "invited", "active", "withdrawn"]


@contextmanager
def database_url(postgres: str):
    if not postgres:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", postgres)
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


def _cohort(course, n: int) -> Cohort:
    from diplolearn.services.cohorts import organisations

    cohort = organisations.create_cohort(
        course.course, f"run-{n}", {"en": f"Run {n}", "ar": f"الدورة {n}"}, timezone="UTC"
    )
    cohort.course_version_id = course.version.id
    db.session.flush()
    return cohort


def build(learners: int, staff: int, modules: int) -> dict:
    """The data set; returns what the measurements need (ids and e-mails)."""
    from tests.factories import make_ministry, make_published_course

    now = utcnow()
    ministry = make_ministry("MFA-SCALE")
    course = make_published_course(modules=modules, lessons_per_module=LESSONS)
    big = _cohort(course, 0)  # a scheduled cohort (the default one is self-paced)
    cohorts = [big] + [
        _cohort(course, n) for n in range(1, 1 + -(-max(staff - learners, 0) // COHORT_SIZE))
    ]
    coordinator = accounts.create_user(
        "coordinator@bench.example", name_latin="Coordinator", password=PASSWORD
    )
    accounts.grant_role(coordinator, Role.COORDINATOR, ministry.id)
    lead = accounts.create_user("lead@bench.example", name_latin="Lead", password=PASSWORD)
    accounts.grant_role(lead, Role.LEAD_INSTRUCTOR, big.id)
    db.session.execute(
        sa.insert(TutorGroup),
        [
            {"cohort_id": big.id, "key": f"g{g}", "name": f"Group {g}", "capacity": 200}
            for g in range(GROUPS)
        ],
    )
    groups = list(
        db.session.scalars(
            sa.select(TutorGroup.id).where(TutorGroup.cohort_id == big.id).order_by(TutorGroup.id)
        )
    )
    tutor = accounts.create_user("tutor@bench.example", name_latin="Tutor", password=PASSWORD)
    accounts.grant_role(tutor, Role.TUTOR, groups[0])
    module_ids = list(
        db.session.scalars(
            sa.text(
                "SELECT module_id FROM module_revision WHERE course_version_id = :v "
                "ORDER BY position"
            ),
            {"v": course.version.id},
        )
    )
    db.session.execute(
        sa.insert(ModuleSchedule),
        [
            {
                "cohort_id": c.id,
                "module_id": m,
                "opens_at": now - dt.timedelta(days=90),
                "due_at": now + dt.timedelta(days=14 * (i - len(module_ids) // 2)),
            }
            for c in cohorts
            for i, m in enumerate(module_ids)
        ],
    )
    lessons = list(
        db.session.scalars(
            sa.text(
                "SELECT lr.lesson_id FROM lesson_revision lr JOIN module_revision mr "
                "ON mr.id = lr.module_revision_id WHERE lr.course_version_id = :v "
                "ORDER BY mr.position, lr.position"
            ),
            {"v": course.version.id},
        )
    )
    quizzes = list(
        db.session.execute(
            sa.text(
                "SELECT q.id, q.quiz_id FROM quiz_revision q JOIN module_revision mr "
                "ON mr.id = q.module_revision_id WHERE q.course_version_id = :v "
                "ORDER BY mr.position"
            ),
            {"v": course.version.id},
        )
    )
    for start in range(0, staff, 2000):
        batch = range(start, min(start + 2000, staff))
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
        users = {n: ids[f"staff{n}@bench.example"] for n in batch}
        db.session.execute(
            sa.insert(StaffMembership),
            [
                {
                    "user_id": u,
                    "ministry_id": ministry.id,
                    "staff_id": f"S{n:05d}",
                    "posting": "Embassy",
                    "position": "Attaché",
                }
                for n, u in users.items()
            ],
        )

        def cohort_of(n: int) -> Cohort:
            return big if n < learners else cohorts[1 + (n - learners) // COHORT_SIZE]

        db.session.execute(
            sa.insert(Enrolment),
            [
                {
                    "user_id": u,
                    "cohort_id": cohort_of(n).id,
                    "sponsor_ministry_id": ministry.id,
                    "tutor_group_id": groups[n % GROUPS] if n < learners else None,
                    "state": STATES[n % 6],
                    "created_at": now - dt.timedelta(days=100 - n % 50),
                    "activated_at": now - dt.timedelta(days=100 - n % 50),
                    "completed_at": now - dt.timedelta(days=n % 40)
                    if STATES[n % 6] == "completed"
                    else None,
                    "last_activity_at": now - dt.timedelta(hours=n % 700),
                }
                for n, u in users.items()
            ],
        )
        enrolments = dict(
            db.session.execute(
                sa.select(Enrolment.user_id, Enrolment.id).where(
                    Enrolment.user_id.in_(users.values())
                )
            ).all()
        )
        done = {n: len(lessons) if n % 6 == 2 else (n * 7) % len(lessons) for n in users}
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
                for n, u in users.items()
                for lesson in lessons[: done[n]]
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
                for n, u in users.items()
                for rev_id, quiz_id in quizzes[: done[n] // LESSONS]
            ],
        )
    db.session.flush()
    certificate = _certificate(big)
    _rebuild_summaries()
    db.session.commit()
    first = db.session.scalar(
        sa.select(Enrolment.id).where(Enrolment.cohort_id == big.id).order_by(Enrolment.id)
    )
    return {
        "ministry": ministry.id,
        "cohort": big.id,
        "enrolment": first,
        "group": groups[0],
        "certificate": certificate,
    }


def _certificate(cohort: Cohort) -> tuple[int, str]:
    """A certificate for a completed learner of the big cohort, with a name in both scripts;
    returns its id and the holder's e-mail (their password set to PASSWORD)."""
    from diplolearn.services.certificates.certificates import issue_certificate

    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.state == "completed")
        .order_by(Enrolment.id)
        .limit(1)
    )
    holder = enrolment.user
    holder.name_latin = "Layla Griffith-Haddad"
    holder.name_ar = "ليلى غريفيث حداد"
    accounts.set_password(holder, PASSWORD)
    return issue_certificate(enrolment).id, holder.email


def _rebuild_summaries() -> None:
    """Fill the stored progress summaries when the application has them (issue 16)."""
    try:
        from diplolearn.services.progress import summary
    except ImportError:
        return
    rebuild = getattr(summary, "rebuild", None)
    if rebuild is not None:
        rebuild()


# --- measuring ------------------------------------------------------------------------------------


def signed_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def measure(app, client, path: str, repeat: int) -> tuple[float, float, float, int, int]:
    """(p50 ms, p95 ms, CPU p50 ms, queries, bytes) for GET ``path``, after two warm-up
    requests. The CPU time (this process's, SQLite's work included) is what a shared,
    loaded machine blurs least."""
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    counter = Counter()
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        size = len(client.get(path).data)
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    times, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        client.get(path).close()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    q = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), q[18], statistics.median(cpu), counter.count, size


def csv_export(client, path: str, trace: bool) -> tuple[int, float, float, int]:
    """(rows, seconds, CPU seconds, peak bytes) of one download of the CSV, read as it
    streams."""
    if trace:
        tracemalloc.start()
    started, used = time.perf_counter(), time.process_time()
    response = client.get(path, buffered=False)
    assert response.status_code == 200 and response.is_streamed, response.status_code
    lines = 0
    for chunk in response.response:
        lines += chunk.count(b"\n")
    response.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - used
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return lines - 1, seconds, cpu, peak


def pdf_times(client, path: str, repeat: int) -> tuple[float, float]:
    """(first ms, median ms after) for the certificate PDF."""
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), path
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:])


def run(args) -> None:
    postgres = args.postgres or os.environ.get("DIPLOLEARN_BENCH_DATABASE_URL", "")
    with database_url(postgres) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "RATELIMIT_STORAGE_URI": "memory://",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "CERTIFICATE_SIGNING_KEY": "YmVuY2ggc2lnbmluZyBrZXkgb2YgMzIgYnl0ZXMgISE=",
            }
        )
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            ids = build(args.learners, args.staff, args.modules)
            built = time.perf_counter() - started
            db.session.remove()
            if postgres:
                # As autovacuum would have after the bulk inserts (this machine's PostgreSQL
                # runs without it): the planner's statistics, and the visibility map that lets
                # a covering index answer alone (an index-only scan).
                with db.engine.connect() as conn:
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                    for table in db.metadata.sorted_tables:
                        conn.execute(sa.text(f'VACUUM (ANALYZE) "{table.name}"'))
        m, c, e = ids["ministry"], ids["cohort"], ids["enrolment"]
        lead = signed_in(app, "lead@bench.example")
        tutor = signed_in(app, "tutor@bench.example")
        coordinator = signed_in(app, "coordinator@bench.example")
        if args.gc_freeze:  # as a worker does after start-up (wsgi.py)
            gc.collect()
            gc.freeze()
        pages = [
            ("instructor cohort page", lead, f"/teach/cohorts/{c}"),
            ("tracking grid (1,000)", lead, f"/teach/cohorts/{c}/grid"),
            ("grid, one group", lead, f"/teach/cohorts/{c}/grid?group={ids['group']}"),
            ("grid as tutor", tutor, f"/teach/cohorts/{c}/grid"),
            ("at-risk list", lead, f"/teach/cohorts/{c}/at-risk"),
            ("one learner", lead, f"/teach/cohorts/{c}/learners/{e}"),
            ("enrolments", lead, f"/teach/cohorts/{c}/enrolments"),
            ("staff report p.1", coordinator, f"/ministry/{m}/reports"),
            ("staff report p.60", coordinator, f"/ministry/{m}/reports?page=60"),
            ("staff report cohort", coordinator, f"/ministry/{m}/reports?cohort={c}"),
            ("cohort summary", coordinator, f"/ministry/{m}/reports/cohorts/{c}"),
            ("staff list", coordinator, f"/ministry/{m}/people"),
            ("staff search", coordinator, f"/ministry/{m}/people?q=member+0042"),
            ("ministry index", coordinator, "/ministry/"),
        ]
        backend = "PostgreSQL" if postgres else "SQLite"
        print(
            f"{backend}; {args.learners} learners x {args.modules} modules, {args.staff} staff; "
            f"built in {built:.1f} s; load: {os.getloadavg()[0]:.2f} "
            f"(1 min) on {os.cpu_count()} cores; "
            f"{'gc.freeze() as wsgi.py' if args.gc_freeze else 'no gc.freeze()'}"
        )
        print(f"{'page':24} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'queries':>8} {'KB':>7}")
        for name, client, path in pages:
            if args.only and not any(word in name for word in args.only):
                continue
            p50, p95, cpu, queries, size = measure(app, client, path, args.repeat)
            flag = "" if p95 < 100 else "  > 100 ms"
            print(
                f"{name:24} {p50:8.1f} {p95:8.1f} {cpu:8.1f} {queries:8d} {size / 1024:7.0f}{flag}"
            )
        csv_path = f"/ministry/{m}/reports/staff.csv"
        csv_export(coordinator, csv_path, trace=False)  # warmed up, as each page is
        runs = [csv_export(coordinator, csv_path, trace=False) for _ in range(5)]
        rows, seconds, cpu, _ = min(runs, key=lambda run: run[1])
        _, _, _, peak = csv_export(coordinator, csv_path, trace=True)
        print(
            f"staff CSV: {rows} rows in {seconds * 1000:.0f} ms = {rows / seconds:,.0f} rows/s "
            f"({rows / cpu:,.0f} rows per CPU second); peak {peak / 1e6:.2f} MB (tracemalloc)"
        )
        certificate, holder = ids["certificate"]
        first, after = pdf_times(
            signed_in(app, holder), f"/certificates/{certificate}/certificate.pdf", 10
        )
        print(f"certificate PDF: first {first:.0f} ms, then {after:.0f} ms (median)")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--modules", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL (a schema is made)")
    parser.add_argument("--only", nargs="*", default=[], help="pages whose name has a word")
    parser.add_argument(
        "--gc-freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="gc.freeze() before measuring, as wsgi.py does in a worker: full collections then "
        "skip start-up objects (--no-gc-freeze: each one scans them, ~0.3 s on a busy 2-core "
        "machine)",
    )
    run(parser.parse_args())
