"""Two app servers, one database (issue 18): two gunicorn servers on one PostgreSQL schema and one
Redis take concurrent quiz attempts, half the learners through each, some submitting twice at
the same moment through both; afterwards every attempt is graded exactly once, none is lost, no
double submission counts, and no request got a 5xx.

Runs when DIPLOLEARN_TEST_DATABASE_URL names a PostgreSQL server (CI sets it) and Redis answers
(CI's .ci/run starts it); skipped otherwise, with the reason.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import AttemptQuestion, AttemptState, QuizAttempt, Response
from diplolearn.services.assessment import quizzes
from tests.conftest import PG_URL, TEST_CONFIG, make_app, postgres_schema
from tests.factories import PASSWORD, make_learner, make_published_course, quiz_answers

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("DIPLOLEARN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
LEARNERS = 16
TIMEOUT = 10  # seconds for any one request
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')

# A gunicorn configuration that notes every grading (attempt id, worker pid) in a shared file,
# so the test can count gradings across both servers' worker processes.
GUNICORN_HOOKS = """
import os


def post_worker_init(worker):
    from diplolearn.services.assessment import quizzes

    real_grade, log = quizzes.grade, os.environ["DIPLOLEARN_TEST_GRADE_LOG"]

    def grade(attempt, now=None):
        graded = real_grade(attempt, now)
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{attempt.id} {os.getpid()}\\n".encode())
        finally:
            os.close(fd)
        return graded

    quizzes.grade = grade
"""

pytestmark = pytest.mark.skipif(
    not PG_URL,
    reason="two app servers share one PostgreSQL database: set DIPLOLEARN_TEST_DATABASE_URL",
)


@pytest.fixture()
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (CI starts it in .ci/run)")
    return REDIS_URL


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def gunicorn_servers(env: dict, hooks: Path, logs: list[Path]):
    """App servers (gunicorn, one worker process with 8 threads each), one per log file, each on
    a free loopback port, started together; yields their base URLs once each answers /healthz,
    and always stops them."""
    servers = []
    try:
        for log in logs:
            port = free_port()
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "gunicorn", "-c", str(hooks)),
                        *("-w", "1", "--threads", "8", "--graceful-timeout", "3"),
                        *("-b", f"127.0.0.1:{port}", "wsgi:app"),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            servers.append((process, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + 20
        for process, base, log in servers:
            while True:
                assert process.poll() is None, f"{base} exited:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"{base} not up:\n{log.read_text()[-3000:]}"
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
        yield [base for _, base, _ in servers]
    finally:
        for process, _, _ in servers:
            process.terminate()
        for process, _, _ in servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """One learner's cookies, used against either server (cookies do not depend on the port);
    every answer's status is noted in ``seen``."""

    def __init__(self, seen: list):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        self.seen = seen

    def request(self, url: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body) of a GET, or of a form POST when ``data`` is given."""
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(url, data=body, timeout=TIMEOUT) as response:
                answer = response.status, "", response.read().decode()
        except urllib.error.HTTPError as error:
            answer = error.code, error.headers.get("Location", ""), error.read().decode()
        self.seen.append((url, answer[0]))
        return answer

    def csrf(self, url: str) -> str:
        status, _, page = self.request(url)
        assert status == 200, (url, status)
        return CSRF_RE.search(page).group(1)

    def post(self, url: str, data: dict, form_page: str) -> tuple[int, str]:
        status, location, _ = self.request(url, {"csrf_token": self.csrf(form_page), **data})
        return status, location


def test_two_servers_grade_concurrent_quiz_submissions_once(redis_url, tmp_path):
    with ExitStack() as stack:
        url = stack.enter_context(postgres_schema("two_servers"))
        app = make_app(url)
        stack.callback(dispose, app)  # before the schema is dropped, after the servers stop
        with app.app_context():
            db.create_all()
            published = make_published_course(modules=1, lessons_per_module=1)
            learners = [
                (f"learner{i}@two-servers.test", enrolment.id)
                for i in range(LEARNERS)
                for _, enrolment in [
                    make_learner(published.cohort, email=f"learner{i}@two-servers.test")
                ]
            ]
            db.session.commit()
        grade_log = tmp_path / "gradings.log"
        hooks = tmp_path / "gunicorn_hooks.py"
        hooks.write_text(GUNICORN_HOOKS)
        env = {
            **os.environ,
            "DIPLOLEARN_ENV": "development",
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": TEST_CONFIG["SECRET_KEY"],  # shared: sessions and answer tokens
            "CERTIFICATE_SIGNING_KEY": TEST_CONFIG["CERTIFICATE_SIGNING_KEY"],
            "STORAGE_ROOT": str(tmp_path / "storage"),
            "MAIL_BACKEND": "folder",
            "MAIL_FOLDER": str(tmp_path / "outbox"),
            "DIPLOLEARN_TEST_GRADE_LOG": str(grade_log),
        }
        servers = stack.enter_context(
            gunicorn_servers(env, hooks, [tmp_path / f"server{n}.log" for n in (1, 2)])
        )

        seen: list[tuple[str, int]] = []
        submits: dict[int, list[tuple[bool, int]]] = {}  # attempt id: (right?, status) per post
        failures: list[BaseException] = []
        everyone_started = threading.Barrier(LEARNERS, timeout=3 * TIMEOUT)

        def answers_for(attempt_id: int, enrolment_id: int) -> tuple[dict, dict]:
            with app.app_context():
                attempt = quizzes.load_attempt(attempt_id, enrolment_id)
                return quiz_answers(attempt, right=True), quiz_answers(attempt, right=False)

        def learner(i: int, email: str, enrolment_id: int) -> None:
            home, other = servers[i % 2], servers[(i + 1) % 2]
            racing = (i // 2) % 2 == 1  # half the learners, half of them on each server
            browser = Browser(seen)
            try:
                signed_in = browser.post(
                    f"{home}/login", {"email": email, "password": PASSWORD}, f"{home}/login"
                )
                assert signed_in[0] == 302, (email, signed_in)
                landing = f"{home}/learn/{enrolment_id}/quizzes/m1-quiz"
                status, location = browser.post(f"{landing}/attempts", {}, landing)
                assert status == 302 and "/attempts/" in location, (email, status, location)
                attempt_id = int(location.rstrip("/").rsplit("/", 1)[1])
                attempt_page = f"{home}/learn/{enrolment_id}/attempts/{attempt_id}"
                right, wrong = answers_for(attempt_id, enrolment_id)
                first = dict(list(right.items())[:1])  # saved as the learner goes
                saved = browser.post(f"{attempt_page}/save", first, attempt_page)
                assert saved[0] == 302, (email, saved)
                tokens = [browser.csrf(attempt_page), browser.csrf(attempt_page)]
                everyone_started.wait()
                if not racing:
                    answers = right if i % 3 else wrong
                    status = browser.request(
                        f"{attempt_page}/submit", {"csrf_token": tokens[0], **answers}
                    )[0]
                    submits[attempt_id] = [(answers is right, status)]
                    return
                # Two submits at the same moment, one through each server, with different
                # answers: whichever counts, the grade must be that post's and only that one.
                both = threading.Barrier(2, timeout=TIMEOUT)
                results: list[tuple[bool, int]] = []

                def submit(base: str, answers: dict, token: str) -> None:
                    both.wait()
                    page = f"{base}/learn/{enrolment_id}/attempts/{attempt_id}"
                    status = browser.request(f"{page}/submit", {"csrf_token": token, **answers})
                    results.append((answers is right, status[0]))

                twins = [
                    threading.Thread(target=submit, args=(home, right, tokens[0])),
                    threading.Thread(target=submit, args=(other, wrong, tokens[1])),
                ]
                for twin in twins:
                    twin.start()
                for twin in twins:
                    twin.join(3 * TIMEOUT)
                submits[attempt_id] = results
            except BaseException as error:  # reported by the main thread
                failures.append(error)
                everyone_started.abort()

        threads = [
            threading.Thread(target=learner, args=(i, email, enrolment_id), daemon=True)
            for i, (email, enrolment_id) in enumerate(learners)
        ]
        deadline = time.monotonic() + 6 * TIMEOUT
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in threads), "a learner never finished"
        # The first real failure, not the barrier it broke for the others.
        failures.sort(key=lambda error: isinstance(error, threading.BrokenBarrierError))
        assert not failures, failures[0]

        # No request anywhere answered 5xx.
        assert [(u, s) for u, s in seen if s >= 500] == []

        with app.app_context():
            attempts = db.session.scalars(sa.select(QuizAttempt).order_by(QuizAttempt.id)).all()
            # No attempt lost or added: one per learner, each the one its learner started.
            assert sorted(a.enrolment_id for a in attempts) == sorted(e for _, e in learners)
            assert sorted(a.id for a in attempts) == sorted(submits)
            # Graded exactly once, across both app processes.
            gradings = Counter(
                int(line.split()[0]) for line in grade_log.read_text().split("\n") if line
            )
            assert gradings == Counter({a.id: 1 for a in attempts})
            # Half the learners raced two submits, one through each server.
            assert sum(len(posts) == 2 for posts in submits.values()) == LEARNERS // 2
            for attempt in attempts:
                posts = submits[attempt.id]
                counted = [right for right, status in posts if status == 302]
                # One submission counted; a racing twin was refused as already finished.
                assert len(counted) == 1, (attempt.id, posts)
                assert sorted(status for _, status in posts) == (
                    [302, 409] if len(posts) == 2 else [302]
                )
                assert attempt.state == AttemptState.GRADED, attempt.id
                assert attempt.submitted_at is not None and attempt.graded_at is not None
                # The grade is the counted post's answers, and only those were stored.
                expected = attempt.max_score if counted[0] else Decimal(0)
                assert attempt.score == expected, (attempt.id, posts, attempt.score)
                stored = db.session.scalars(
                    sa.select(Response.score)
                    .join(Response.attempt_question)
                    .where(AttemptQuestion.attempt_id == attempt.id)
                ).all()
                assert len(stored) == len(attempt.questions)
                assert sum(stored, Decimal(0)) == attempt.score
