"""Server time of the main pages under 8 concurrent users, on the demo data.

Starts the app on an ephemeral loopback port (a throwaway SQLite database seeded with the demo
data), signs in one client per demo account, and has 8 threads request the pages for a fixed
number of rounds. Prints p50/p95/max per page and the compressed size of each page's HTML and
the stylesheet. Run with `make bench` or `.venv/bin/python bench/pages.py`.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diplolearn import create_app  # noqa: E402
from diplolearn.demo import DEMO_ACCOUNTS, seed_demo  # noqa: E402
from diplolearn.extensions import db  # noqa: E402

USERS = 8
ROUNDS = 40
PAGES = {"learner": ["/", "/account"], "administrator": ["/", "/admin/people", "/admin/audit"]}


def start_server():
    tmp = tempfile.mkdtemp(prefix="diplolearn-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                      "SECRET_KEY": "bench", "MAIL_BACKEND": "memory",
                      "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"})
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def signed_in_opener(base: str, email: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    opener.open(base + "/login", data=data.encode()).read()
    return opener


def timed(opener, url: str) -> float:
    start = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - start) * 1000


def main() -> None:
    server, base = start_server()
    learners = [a for a in DEMO_ACCOUNTS if a.role.startswith("learner")]
    admin = next(a for a in DEMO_ACCOUNTS if a.role == "administrator")
    sessions = [("learner", signed_in_opener(base, a.email, a.password)) for a in learners]
    sessions += [("administrator", signed_in_opener(base, admin.email, admin.password))]
    work = [(kind, opener, path) for kind, opener in sessions for path in PAGES[kind]]
    timings: dict[str, list[float]] = {}
    lock = threading.Lock()

    def user(index: int) -> None:
        for round_ in range(ROUNDS):
            kind, opener, path = work[(index + round_) % len(work)]
            ms = timed(opener, base + path)
            with lock:
                timings.setdefault(f"{kind} {path}", []).append(ms)

    with ThreadPoolExecutor(USERS) as pool:
        list(pool.map(user, range(USERS)))
    print(f"{USERS} concurrent users, {USERS * ROUNDS} requests, demo data, SQLite")
    print(f"{'page':32} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    everything = []
    for name, values in sorted(timings.items()):
        values.sort()
        everything += values
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        print(f"{name:32} {len(values):>4} {statistics.median(values):>8.1f} {p95:>8.1f}"
              f" {values[-1]:>8.1f}")
    everything.sort()
    print(f"{'all pages':32} {len(everything):>4} {statistics.median(everything):>8.1f}"
          f" {everything[max(0, int(len(everything) * 0.95) - 1)]:>8.1f} {everything[-1]:>8.1f}")
    opener = sessions[0][1]
    css = opener.open(base + "/static/style.css").read()
    html = opener.open(base + "/").read()
    print(f"dashboard HTML {len(html)} B ({len(gzip.compress(html))} B gzip); "
          f"stylesheet {len(css)} B ({len(gzip.compress(css))} B gzip)")
    server.shutdown()


if __name__ == "__main__":
    main()
