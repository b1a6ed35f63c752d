"""DiploLearn beside a Flask hello-world app, as issue 16's table measures it.

Both apps run under the same explicit gunicorn settings (2 sync workers, ``-c /dev/null`` so
that no gunicorn.conf.py is picked up, a bind on a free loopback port) and are driven by the
same load generator, Debian's ``wrk`` (``apt-get install -y wrk``). DiploLearn serves a fresh
copy of the demo data (``flask db upgrade``, ``flask courses import --skip-conflicts courses/``,
``flask demo seed`` into a temporary folder): on SQLite, or with ``--postgres URL`` in a
schema of its own, created and dropped. Each target runs right after the hello-world app, for
the same duration, at each number of connections; the table gives requests/s, p50, p99, the
share of hello's requests/s, non-2xx/3xx responses and socket errors. Exits 1 if any run had
errors.

    .venv/bin/python bench/side_by_side.py [--seconds 10] [--connections 8,32] [--rounds 3]
    .venv/bin/python bench/side_by_side.py --postgres postgresql://postgres@127.0.0.1:5432/test
    (SQLite, then PostgreSQL; --skip-sqlite for PostgreSQL only)
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import USER_AGENT, free_port, sign_in  # noqa: E402

TARGETS = (
    "sign-in page (anonymous)",
    "learner dashboard",
    "course outline",
    "lesson",
    "quiz attempt page",
    "quiz answer save (POST)",
    "coordinator staff report",
    "instructor cohort page",
    "instructor progress grid",
)
KEEP_LOGS = False  # set when a run failed, so that the server logs stay for reading
HELLO_APP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""
SAVE_LUA = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = {cookie}
wrk.headers["User-Agent"] = {agent}
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="duration of each run")
    parser.add_argument(
        "--connections",
        default="8,32",
        type=lambda text: [int(n) for n in text.split(",") if n.strip()],
        help="comma-separated numbers of connections (default 8,32)",
    )
    parser.add_argument("--timeout", type=int, default=5, help="wrk's request timeout, s")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on PostgreSQL too, after SQLite, in a schema of its own (created and dropped)",
    )
    parser.add_argument(
        "--skip-sqlite", action="store_true", help="with --postgres: run on PostgreSQL only"
    )
    parser.add_argument(
        "--only", action="append", default=[], help="only targets whose name contains this"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run each pair (hello-world, then the target) this many times and add the median "
        "share of hello and its range: a 2-core VM's speed moves from minute to minute",
    )
    args = parser.parse_args(argv)
    if not args.connections or min(args.connections) < 1 or args.seconds < 1 or args.rounds < 1:
        parser.error("--connections, --seconds and --rounds must be positive")
    return args


# -- servers ---------------------------------------------------------------------------------


class Servers:
    """gunicorn processes in their own process groups, all killed by stop()."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, app: str, cwd: Path, env: dict, log: Path, probe: str) -> str:
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-c", "/dev/null", "-k", "sync"]
        command += ["-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", app]
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=out, start_new_session=True
            )
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn {app} exited ({proc.returncode}); see {log}")
            try:
                with urllib.request.urlopen(base + probe, timeout=5) as response:
                    if response.status == 200:
                        return base
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn {app} did not answer {probe} within 60 s; see {log}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# -- data ------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_schema(base_url: str):
    import sqlalchemy as sa

    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", base_url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        options = urllib.parse.quote(f"-csearch_path={schema}")
        yield url + ("&" if "?" in url else "?") + "options=" + options
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def seed(workdir: Path, database_url: str) -> dict:
    """The environment of a DiploLearn holding the demo data, all of it under workdir."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY="bench-secret",
        MAIL_BACKEND="console",
        STORAGE_ROOT=str(workdir / "storage"),
        MAIL_FOLDER=str(workdir / "outbox"),
        LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
    )
    flask = [sys.executable, "-m", "flask", "--app", str(ROOT / "wsgi.py")]
    for command in (
        ["db", "upgrade"],
        ["courses", "import", "--skip-conflicts", str(ROOT / "courses")],
        ["demo", "seed"],
    ):
        done = subprocess.run(flask + command, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return env


def account(role_prefix: str):
    from diplolearn.demo import DEMO_ACCOUNTS

    return next(a for a in DEMO_ACCOUNTS if a.role.startswith(role_prefix))


def cookie_header(opener) -> str:
    handler = next(h for h in opener.handlers if hasattr(h, "cookiejar"))
    return "; ".join(f"{c.name}={c.value}" for c in handler.cookiejar)


def get(opener, url: str) -> str:
    with opener.open(url) as response:
        return response.read().decode()


def first_link(page: str, pattern: str, what: str) -> str:
    found = re.search(rf'href="({pattern})"', page)
    if not found:
        raise SystemExit(f"no link to {what} found (pattern {pattern})")
    return html.unescape(found.group(1))


def form_fields(form_html: str) -> list[tuple[str, str]]:
    """What a browser would post: hidden fields, the first option of each radio group, every
    first checkbox, and a word in text inputs and text areas."""
    fields, seen = [], set()
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", form_html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        name = html.unescape(attrs.get("name", ""))
        kind = attrs.get("type", "text" if tag.startswith("<input") else "")
        if not name or kind in ("submit", "button"):
            continue
        if kind == "checkbox" and name.startswith("flag_"):  # "flag for review", not an answer
            continue
        if kind in ("radio", "checkbox"):
            if name not in seen:
                fields.append((name, html.unescape(attrs.get("value", "on"))))
        elif kind == "hidden":
            fields.append((name, html.unescape(attrs.get("value", ""))))
        else:
            fields.append((name, "bench"))
        seen.add(name)
    return fields


def start_attempt(base: str, opener, outline: str) -> tuple[str, str]:
    """Start an attempt on a quiz the learner can take; (attempt page path, save body)."""
    page = get(opener, base + outline)
    for quiz in dict.fromkeys(re.findall(r'href="(/learn/\d+/quizzes/[^"]+)"', page)):
        quiz_page = get(opener, base + html.unescape(quiz))
        start = re.search(
            r'<form method="post" action="([^"]+/attempts)">(.*?)</form>', quiz_page, re.S
        )
        if not start:
            continue
        data = urllib.parse.urlencode(form_fields(start.group(2))).encode()
        try:
            with opener.open(base + html.unescape(start.group(1)), data=data) as response:
                attempt_path = urllib.parse.urlparse(response.geturl()).path
                attempt_page = response.read().decode()
        except urllib.error.HTTPError:
            continue
        save = re.search(r'<form[^>]*action="([^"]+/save)"[^>]*>(.*?)</form>', attempt_page, re.S)
        if re.fullmatch(r"/learn/\d+/attempts/\d+", attempt_path) and save:
            return attempt_path, urllib.parse.urlencode(form_fields(save.group(2)))
    raise SystemExit(f"could not start a quiz attempt from {outline}")


def targets(base: str, workdir: Path):
    """(name, path, extra wrk arguments) for each target, signed in as the demo's users, and a
    function that checks each target still answers 200 (raising SystemExit if not)."""
    learner, coordinator, instructor = (
        account(r) for r in ("learner", "coordinator", "instructor")
    )
    as_learner = sign_in(base, learner.email, learner.password)
    dashboard = get(as_learner, base + "/")
    outline = first_link(dashboard, r"/learn/\d+", "a course outline")
    lesson = first_link(get(as_learner, base + outline), r"/learn/\d+/lessons/[^\"]+", "a lesson")
    attempt, body = start_attempt(base, as_learner, outline)
    learner_cookie = cookie_header(as_learner)
    lua = workdir / "save.lua"
    fields = sorted({name for name, _ in urllib.parse.parse_qsl(body)} - {"csrf_token"})
    print(f"the answer save posts {len(fields)} fields besides the CSRF token: {fields}")
    lua.write_text(
        SAVE_LUA.format(
            body=lua_string(body), cookie=lua_string(learner_cookie), agent=lua_string(USER_AGENT)
        )
    )

    as_coordinator = sign_in(base, coordinator.email, coordinator.password)
    with as_coordinator.open(base + "/ministry/reports") as response:
        report = urllib.parse.urlparse(response.geturl()).path
    if not re.fullmatch(r"/ministry/\d+/reports", report):
        raise SystemExit(f"/ministry/reports led to {report}, not a ministry's staff report")
    as_instructor = sign_in(base, instructor.email, instructor.password)
    cohort = first_link(get(as_instructor, base + "/teach/"), r"/teach/cohorts/\d+", "a cohort")

    def cookie(opener) -> list[str]:
        return ["-H", f"Cookie: {cookie_header(opener)}"]

    chosen = [
        (TARGETS[0], "/login", []),
        (TARGETS[1], "/", cookie(as_learner)),
        (TARGETS[2], outline, cookie(as_learner)),
        (TARGETS[3], lesson, cookie(as_learner)),
        (TARGETS[4], attempt, cookie(as_learner)),
        (TARGETS[5], attempt + "/save", ["-s", str(lua)]),
        (TARGETS[6], report, cookie(as_coordinator)),
        (TARGETS[7], cohort, cookie(as_instructor)),
        (TARGETS[8], cohort + "/grid", cookie(as_instructor)),
    ]

    def recheck(path: str, extra: list[str]) -> None:
        if "-s" in extra:
            check(base + path, ["-H", f"Cookie: {learner_cookie}"], body)
        else:
            check(base + path, extra)

    for _name, path, extra in chosen:
        recheck(path, extra)
    return chosen, recheck


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# -- wrk -------------------------------------------------------------------------------------


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, p50 and p99 (ms), non-2xx/3xx responses and socket errors from wrk's text."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": to_ms(p50.group(1)) if p50 else float("nan"),
        "p99": to_ms(p99.group(1)) if p99 else float("nan"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket": sum(int(n) for n in sockets.groups()) if sockets else 0,
    }


def wrk(url: str, connections: int, seconds: int, timeout: int, extra: list[str]) -> dict:
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections)]
    command += ["-d", f"{seconds}s", "--timeout", f"{timeout}s", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode or "Requests/sec" not in done.stdout:
        raise SystemExit(f"wrk failed on {url}:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(url: str, extra: list[str], body: str | None = None) -> None:
    """One request must answer 200 as is (no redirect to the sign-in page, no CSRF 400)."""
    headers = dict(extra[i + 1].split(": ", 1) for i in range(0, len(extra), 2) if extra[i] == "-H")
    headers["User-Agent"] = USER_AGENT
    if body is not None:
        headers["Accept"] = "application/json"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body.encode() if body else None, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as response:
            status, text = response.status, response.read().decode()
            rewrites = "Cookie" in headers and response.headers.get("Set-Cookie")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    if status != 200 or (body is not None and '"saved"' not in text):
        raise SystemExit(f"{url} answered {status} before the benchmark:\n{text[:500]}")
    if rewrites:  # a browser's session would not be rewritten on every page: something changed
        raise SystemExit(f"{url} rewrites the session cookie on every request: {rewrites[:80]}")


def probe_status(url: str, extra: list[str]) -> str:
    """The status one request of a target gets (to name the errors wrk only counts)."""
    headers = dict(extra[i + 1].split(": ", 1) for i in range(0, len(extra), 2) if extra[i] == "-H")
    headers["User-Agent"] = USER_AGENT
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)


# -- main ------------------------------------------------------------------------------------


def row(page: str, connections: int, result: dict, hello: float | None) -> str:
    share = f"{100 * result['rps'] / hello:7.1f}%" if hello else ""
    return (
        f"{page:26} {connections:>5} {result['rps']:>9.0f} {result['p50']:>8.1f} "
        f"{result['p99']:>8.1f} {share:>8} {result['non2xx']:>7} {result['socket']:>7}"
    )


def run(args, workdir: Path, database_url: str, servers: Servers) -> int:
    label = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"seeding the demo data ({label}) ...", flush=True)
    env = seed(workdir, database_url)
    (workdir / "hello").mkdir()
    (workdir / "hello" / "hello.py").write_text(HELLO_APP)
    hello = servers.start(
        "hello:app", workdir / "hello", dict(os.environ), workdir / "hello.log", "/"
    )
    app = servers.start("wsgi:app", ROOT, env, workdir / "diplolearn.log", "/healthz")
    every, recheck = targets(app, workdir)
    chosen = [t for t in every if not args.only or any(o in t[0] for o in args.only)]
    print("targets: " + ", ".join(path for _name, path, _extra in chosen))
    print(
        f"\n{os.cpu_count()} cores; gunicorn -c /dev/null -k sync -w 2 for both apps; "
        f"wrk {args.seconds} s per run; {label}\n"
    )
    print(
        f"{'page':26} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'of hello':>8} "
        f"{'non-2xx':>7} {'sockerr':>7}"
    )
    failed = []
    medians = []
    for connections in args.connections:
        for name, path, extra in chosen:
            shares = []
            for _ in range(args.rounds):
                base = wrk(hello + "/", connections, args.seconds, args.timeout, [])
                result = wrk(app + path, connections, args.seconds, args.timeout, extra)
                print(row("  hello-world", connections, base, None), flush=True)
                print(row(name, connections, result, base["rps"]), flush=True)
                shares.append(100 * result["rps"] / base["rps"])
                if result["non2xx"] or result["socket"] or base["non2xx"] or base["socket"]:
                    status = "POST" if "-s" in extra else probe_status(app + path, extra)
                    failed.append(f"{name} at {connections} connections (one GET now: {status})")
            medians.append((name, connections, shares))
    if args.rounds > 1:
        print(f"\nshare of hello over {args.rounds} rounds ({label}): median (lowest-highest)")
        for name, connections, shares in medians:
            print(
                f"{name:26} {connections:>5} {statistics.median(shares):7.1f}% "
                f"({min(shares):.1f}-{max(shares):.1f}%)"
            )
    for name, path, extra in chosen:  # an attempt that timed out would now redirect
        try:
            recheck(path, extra)
        except SystemExit as error:
            failed.append(f"{name} after the runs: {error}")
    if failed:
        print("\nerrors (non-2xx/3xx or socket errors):\n  " + "\n  ".join(failed))
        print(f"server logs kept: {workdir}/diplolearn.log, {workdir}/hello.log")
        global KEEP_LOGS
        KEEP_LOGS = True
        return 1
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (Debian's package)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="diplolearn-side-by-side-"))
    servers = Servers()
    # Ctrl-C or a kill stops the run and its servers, even when started with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        status = 0
        if not (args.postgres and args.skip_sqlite):
            folder = workdir / "sqlite"
            status |= run(args, folder, f"sqlite:///{folder / 'demo.sqlite3'}", servers)
            servers.stop()
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                try:
                    status |= run(args, workdir / "postgresql", url, servers)
                finally:
                    servers.stop()  # before the schema is dropped
        return status
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        servers.stop()
        if not KEEP_LOGS:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
