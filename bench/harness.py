"""What the benchmarks share: a gunicorn server on a free loopback port with an access log of
server times, signed-in clients, a closed-loop load of concurrent users, and percentiles."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, log: Path, workers: int = 2):
    """Serve wsgi:app with gunicorn; the access log records each request's server time (ms)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(U)s %(s)s %(M)s",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


# One browser's User-Agent, sent with every request of a signed-in client (and by wrk in
# side_by_side.py): the session's protection compares it with the sign-in's, and a browser
# never changes it, so neither does the benchmark (a changed one rewrites the session cookie
# on every response, which no real visitor costs).
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) DiploLearn-bench"


def sign_in(base: str, email: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    opener.open(base + "/login", data=data.encode()).read()
    return opener


def run_load(base: str, clients: list, pages: dict, seconds: float):
    """Each client (opener, argument) requests its pages in turn, no think time, until the time
    is up; a page whose path function returns None is not that client's. Returns (client-side
    ms per page name, elapsed seconds)."""
    for opener, arg in clients:  # warm up, and fail early on a broken page
        for name, path in pages.items():
            if path(arg) is None:
                continue
            with opener.open(base + path(arg)) as response:
                assert response.status == 200, (name, response.status)
    seen, lock = defaultdict(list), threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(opener, arg):
        names, i = [name for name, path in pages.items() if path(arg) is not None], 0
        while time.perf_counter() < deadline:
            name = names[i % len(names)]
            i += 1
            start = time.perf_counter()
            with opener.open(base + pages[name](arg)) as response:
                response.read()
            with lock:
                seen[name].append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=user, args=client) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen, time.perf_counter() - started


def server_times(log: Path, kinds: list[tuple[str, re.Pattern]]) -> dict[str, list[float]]:
    times = defaultdict(list)
    for line in log.read_text().splitlines():
        path, _status, ms = line.split()
        for name, pattern in kinds:
            if pattern.match(path):
                times[name].append(float(ms))
                break
    return times


def percentiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(sorted(values), n=100, method="inclusive")
    return q[49], q[94], q[98]


def report(title: str, names, seen, served, elapsed: float) -> None:
    total = sum(len(v) for v in seen.values())
    print(f"{title}: {total} requests in {elapsed:.0f} s, {total / elapsed:.0f} requests/s")
    print(f"{'page':18} {'n':>6} | server ms p50 / p95 / p99 | client ms p50 / p95 / p99")
    for name in names:
        s, c = percentiles(served[name]), percentiles(seen[name])
        print(
            f"{name:18} {len(seen[name]):>6} | {s[0]:6.1f} {s[1]:6.1f} {s[2]:6.1f}"
            f"          | {c[0]:6.1f} {c[1]:6.1f} {c[2]:6.1f}"
        )
