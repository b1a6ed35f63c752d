"""A 5,000-row staff roster: how long its preview and its import take, through the pages a
coordinator uses (upload, preview, confirm), on a fresh SQLite database — and on PostgreSQL
too when DIPLOLEARN_BENCH_DATABASE_URL is set (a schema of its own, dropped afterwards).

Four rounds: the first import (everyone new), the same file again (everything unchanged), a
file where every tenth person changed posting and every fiftieth email (found by staff id),
and a sync of a file missing a hundred people.

    .venv/bin/python bench/roster.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
DIGEST = re.compile(r'name="digest"[^>]*value="([0-9a-f]+)"')
FIRST = ["Layla", "Omar", "Rania", "Karim", "Nour", "Youssef", "Salma", "Hassan", "Claire", "Adam"]
FIRST_AR = ["ليلى", "عمر", "رانية", "كريم", "نور", "يوسف", "سلمى", "حسن", "كلير", "آدم"]
LAST = ["Haddad", "Khalil", "Mansour", "Saleh", "Nasser", "Aziz", "Farah", "Rahman"]
LAST_AR = ["حداد", "خليل", "منصور", "صالح", "ناصر", "عزيز", "فرح", "رحمن"]
POSTS = [
    "Headquarters",
    "Embassy in Geneva",
    "Embassy in Paris",
    "Mission to the UN, New York",
    "Consulate in Marseille",
    "Embassy in Tokyo",
]


def roster(rows: int, *, changed_every: int = 0, email_every: int = 0, skip: int = 0) -> bytes:
    lines = ["email;name_ar;name_latin;language;position;posting;staff_id"]
    for n in range(skip, rows):
        first, last = n % len(FIRST), (n // len(FIRST)) % len(LAST)
        email = f"staff{n:05d}@mfa.example.org"
        if email_every and n % email_every == 0:
            email = f"staff{n:05d}.new@mfa.example.org"
        post = POSTS[(n + (1 if changed_every and n % changed_every == 0 else 0)) % len(POSTS)]
        lines.append(
            ";".join(
                [
                    email,
                    f"{FIRST_AR[first]} {LAST_AR[last]}",
                    f"{FIRST[first]} {LAST[last]}",
                    ("ar", "en", "fr")[n % 3],
                    "Second Secretary" if n % 2 else "Attaché",
                    post,
                    f"S-{n:05d}",
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


@contextmanager
def database(kind: str, workdir: Path):
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import sqlalchemy as sa

    url = re.sub(
        r"^postgres(ql)?(\+\w+)?://",
        "postgresql+psycopg://",
        os.environ["DIPLOLEARN_BENCH_DATABASE_URL"],
    )
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


def run(kind: str, url: str, rows: int) -> None:
    from diplolearn import create_app
    from diplolearn.extensions import db
    from diplolearn.models import Role
    from diplolearn.services.accounts import accounts
    from diplolearn.services.ministries.ministries import create_ministry

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "MAIL_BACKEND": "memory",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        ministry = create_ministry(code="BENCH", name_en="Bench ministry", name_ar="وزارة")
        coordinator = accounts.create_user(
            "coordinator@example.org", name_latin="Coordinator", password=PASSWORD
        )
        accounts.grant_role(coordinator, Role.COORDINATOR, ministry.id)
        db.session.commit()
        ministry_id = ministry.id
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "csrf_token": CSRF.search(page).group(1),
            "email": "coordinator@example.org",
            "password": PASSWORD,
        },
    )
    base = f"/ministry/{ministry_id}/roster"

    def round_(name: str, data: bytes, mode: str = "add") -> None:
        token = CSRF.search(client.get(base).get_data(as_text=True)).group(1)
        started = time.perf_counter()
        response = client.post(
            base,
            data={"csrf_token": token, "mode": mode, "file": (io.BytesIO(data), "roster.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.status_code
        uploaded = time.perf_counter()
        preview = client.get(response.location)
        html = preview.get_data(as_text=True)
        assert preview.status_code == 200 and "Problems" not in html, html[:3000]
        previewed = time.perf_counter()
        done = client.post(
            response.location,
            data={"csrf_token": CSRF.search(html).group(1), "digest": DIGEST.search(html).group(1)},
        )
        assert done.status_code == 302, done.get_data(as_text=True)[:3000]
        confirmed = time.perf_counter()
        with app.app_context():
            from diplolearn.models.rosters import RosterUpload

            result = db.session.get(RosterUpload, int(response.location.rsplit("/", 1)[1])).result
        counts = ", ".join(f"{k} {v}" for k, v in result.items() if v)
        print(
            f"  {name:<34} upload {1000 * (uploaded - started):6.0f} ms   preview "
            f"{1000 * (previewed - uploaded):6.0f} ms ({len(html) // 1024} KB)   confirm "
            f"{1000 * (confirmed - previewed):6.0f} ms   [{counts}]"
        )

    print(f"{kind}: {rows:,} rows, {len(roster(rows)) // 1024} KB")
    round_("first import (all new)", roster(rows))
    round_("same file again", roster(rows))
    round_("10% postings, 2% emails changed", roster(rows, changed_every=10, email_every=50))
    round_(
        "sync, 100 people missing",
        roster(rows, changed_every=10, email_every=50, skip=100),
        mode="sync",
    )
    with app.app_context():
        from diplolearn.jobs import send_invitations

        started = time.perf_counter()
        invited = 0
        while batch := send_invitations(None)["invited"]:
            invited += batch
        print(
            f"  job: {invited:,} invitations queued in the outbox in "
            f"{time.perf_counter() - started:.1f} s"
        )
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("DIPLOLEARN_BENCH_DATABASE_URL") else [])
    for kind in kinds:
        with (
            tempfile.TemporaryDirectory(prefix="diplolearn-bench-") as tmp,
            database(kind, Path(tmp)) as url,
        ):
            run(kind, url, args.rows)


if __name__ == "__main__":
    main()
