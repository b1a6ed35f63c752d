"""The learner's path under load: gunicorn (2 workers, SQLite), 8 concurrent signed-in
learners with no think time, on the 50 modules x 20 lessons course.

Prints requests per second and p50/p95/p99 latency of the dashboard, course outline, lesson
and quiz pages, measured two ways: server time (from gunicorn's access log, %(M)s) and what the
clients saw. The issue's target is a server-time p95 under 50 ms for the lesson page.

    make bench-learner            # or: .venv/bin/python bench/learner_path.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.large_course import COURSE_ID, write  # noqa: E402

USERS = 8
PASSWORD = "bench-password-2026"


def prepare(workdir: Path, modules: int, lessons: int) -> dict:
    """Database with the large course imported and 8 enrolled learners; returns their urls."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
               SECRET_KEY="bench-secret", MAIL_BACKEND="console")
    flask = [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py")]
    folder = write(workdir / "courses", modules=modules, lessons=lessons)
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(flask + ["courses", "import", str(folder)], env=env, check=True,
                   capture_output=True)
    print(f"imported {modules} modules x {lessons} lessons in "
          f"{time.perf_counter() - started:.1f} s")
    os.environ.update(env)
    from diplolearn import create_app
    from diplolearn.extensions import db
    from diplolearn.models import Course, EnrolmentState
    from diplolearn.services import accounts, organisations

    app = create_app()
    with app.app_context():
        course = db.session.scalar(db.select(Course).where(Course.key == COURSE_ID))
        cohort = organisations.default_cohort(course)
        users = []
        for n in range(USERS):
            user = accounts.create_user(f"bench{n}@example.org", name_latin=f"Bench {n}",
                                        interface_language="ar" if n % 2 else "en",
                                        password=PASSWORD)
            enrolment = organisations.enrol(user, cohort, sponsor=None)
            enrolment.move_to(EnrolmentState.ACTIVE)
            users.append((user.email, enrolment.id))
        db.session.commit()
    return {"env": env, "users": users}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign_in(base: str, email: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    opener.open(base + "/login", data=data.encode()).read()
    return opener


def percentiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--lessons", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="diplolearn-bench-"))
    setup = prepare(workdir, args.modules, args.lessons)
    port = free_port()
    log = workdir / "access.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--access-logformat", "%(U)s %(s)s %(M)s", "wsgi:app"],
        cwd=ROOT, env=setup["env"], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        pages = {
            "dashboard": lambda e: "/",
            "outline": lambda e: f"/learn/{e}",
            "lesson": lambda e: f"/learn/{e}/lessons/m001-l{(e % 20) + 1:02d}",
            "quiz": lambda e: f"/learn/{e}/quizzes/m001-quiz",
        }
        clients = [(sign_in(base, email), enrolment) for email, enrolment in setup["users"]]
        for opener, enrolment in clients:  # warm up, and fail early on a broken page
            for name, path in pages.items():
                with opener.open(base + path(enrolment)) as response:
                    assert response.status == 200, (name, response.status)
        log.write_text("")
        seen = defaultdict(list)
        lock = threading.Lock()
        deadline = time.perf_counter() + args.seconds

        def learner(opener, enrolment):
            names = list(pages)
            i = 0
            while time.perf_counter() < deadline:
                name = names[i % len(names)]
                i += 1
                start = time.perf_counter()
                with opener.open(base + pages[name](enrolment)) as response:
                    response.read()
                with lock:
                    seen[name].append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=learner, args=c) for c in clients]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    server_times = defaultdict(list)
    kinds = [("quiz", re.compile(r"^/learn/\d+/quizzes/")),
             ("lesson", re.compile(r"^/learn/\d+/lessons/")),
             ("outline", re.compile(r"^/learn/\d+$")), ("dashboard", re.compile(r"^/$"))]
    for line in log.read_text().splitlines():
        path, status, ms = line.split()
        for name, pattern in kinds:
            if pattern.match(path):
                server_times[name].append(float(ms))
                break
    total = sum(len(v) for v in seen.values())
    print(f"gunicorn 2 workers, SQLite, {USERS} learners, no think time, {elapsed:.0f} s: "
          f"{total} requests, {total / elapsed:.0f} requests/s")
    print(f"{'page':10} {'n':>6} | server ms p50 / p95 / p99 | client ms p50 / p95 / p99")
    for name in pages:
        s, c = percentiles(server_times[name]), percentiles(seen[name])
        print(f"{name:10} {len(seen[name]):>6} | {s[0]:6.1f} {s[1]:6.1f} {s[2]:6.1f}"
              f"          | {c[0]:6.1f} {c[1]:6.1f} {c[2]:6.1f}")


if __name__ == "__main__":
    main()
