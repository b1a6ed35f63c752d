"""Server time of the everyday pages on the demo data, with 8 concurrent signed-in users:
gunicorn (2 workers, SQLite), closed loop, no think time, on this machine's loopback.

Prints requests per second and p50/p95/p99 per page, as the server measured them (gunicorn's
access log) and as the clients saw them (which includes queueing for the 2 workers and the
load generator's own share of the CPU). Also the compressed size of the dashboard and CSS.

    .venv/bin/python bench/pages.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, gunicorn, report, run_load, server_times, sign_in

USERS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="diplolearn-bench-pages-"))
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        SECRET_KEY="bench-secret",
        MAIL_BACKEND="console",
        LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
    )
    flask = [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py")]
    for command in (
        ["db", "upgrade"],
        ["courses", "import", str(ROOT / "courses")],
        ["demo", "seed"],
    ):
        subprocess.run(flask + command, env=env, check=True, capture_output=True)
    from diplolearn.demo import DEMO_ACCOUNTS

    learners = [a for a in DEMO_ACCOUNTS if a.role.startswith("learner")]
    admin = next(a for a in DEMO_ACCOUNTS if a.role == "administrator")
    pages = {
        "dashboard": lambda a: "/",
        "account": lambda a: "/account",
        "admin people": lambda a: "/admin/people" if a else None,
        "admin audit": lambda a: "/admin/audit" if a else None,
    }
    log = workdir / "access.log"
    with gunicorn(env, log) as base:
        clients = [(sign_in(base, a.email, a.password), False) for a in learners]
        clients += [(sign_in(base, admin.email, admin.password), True)] * (USERS - len(clients))
        log.write_text("")
        seen, elapsed = run_load(base, clients, pages, args.seconds)
        opener = clients[0][0]
        html = opener.open(base + "/").read()
        css = opener.open(base + "/static/style.css").read()
    kinds = [
        ("admin people", re.compile(r"^/admin/people$")),
        ("admin audit", re.compile(r"^/admin/audit$")),
        ("account", re.compile(r"^/account$")),
        ("dashboard", re.compile(r"^/$")),
    ]
    served = server_times(log, kinds)
    report(f"gunicorn 2 workers, SQLite, demo data, {USERS} users", pages, seen, served, elapsed)
    print(
        f"dashboard HTML {len(html)} B ({len(gzip.compress(html))} B gzip); "
        f"stylesheet {len(css)} B ({len(gzip.compress(css))} B gzip)"
    )


if __name__ == "__main__":
    main()
