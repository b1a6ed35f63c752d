"""The project's promises to a newcomer: configuration, demo data, and a README that is true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from diplolearn.config import ConfigError, load_config
from diplolearn.demo import DEMO_ACCOUNTS, seed_demo
from diplolearn.models import Enrolment, Ministry, User
from diplolearn.services.accounts import accounts

ROOT = Path(__file__).parent.parent


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"ENV": "production"})


def test_development_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/diplolearn.sqlite3"


def test_sqlite_connections_have_foreign_keys_wal_and_busy_timeout(tmp_path):
    from diplolearn.extensions import db
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_demo_seed_is_idempotent_and_living(db):
    seed_demo()
    db.session.commit()
    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, Ministry, Enrolment)
    ]
    assert seed_demo() == 0
    assert counts == [
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, Ministry, Enrolment)
    ]
    assert counts[1] == 2 and counts[2] >= 5
    for row in DEMO_ACCOUNTS:
        assert accounts.authenticate(row.email, row.password).email == row.email


def test_demo_seed_is_refused_in_production(runner, app):
    app.config["PRODUCTION"] = True
    try:
        result = runner.invoke(args=["demo", "seed"])
    finally:
        app.config["PRODUCTION"] = False
    assert result.exit_code != 0 and "refused in production" in result.output


def test_readme_lists_every_demo_account_with_its_password():
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| ([^|]+?) \| (\S+@\S+) \| `([^`]+)` \|$", readme, re.M)
    assert rows == [(a.role, a.email, a.password) for a in DEMO_ACCOUNTS]
    roles = [role for role, _, _ in rows]
    assert roles.index("coordinator, Ministry A") < roles.index("coordinator, Ministry B")
    assert all(("learner" in role) == role.startswith("learner (") for role in roles)


def test_readme_names_the_two_commands_and_ci_calls_make_test():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_views_run_no_ad_hoc_queries():
    """A module that defines routes loads through a scoped loader (security/scoping) or a
    service: it builds no query of its own, so none can forget who is asking."""
    query = re.compile(
        r"\bsa\.(select|func|text)\b|\bdb\.session\.(get|scalars?|execute)\(|"
        r"^import sqlalchemy|^from sqlalchemy",
        re.M,
    )
    offenders = []
    for module in sorted((ROOT / "diplolearn").rglob("*.py")):
        text = module.read_text()
        if re.search(r"^@bp\.(get|post|route)\(", text, re.M) and query.search(text):
            offenders.append(str(module.relative_to(ROOT)))
    assert offenders == []


def test_only_the_unit_of_work_commits_outside_the_command_layer():
    """Views and services never commit: the unit of work does, once per request (and the job
    runner, the CLI and the demo, which are the command layer)."""
    calls = []
    for module in sorted((ROOT / "diplolearn").rglob("*.py")):
        relative = module.relative_to(ROOT / "diplolearn")
        if relative.parts[0] in ("cli.py", "jobs.py", "demo"):
            continue
        for number, line in enumerate(module.read_text().splitlines(), 1):
            if re.search(r"\.commit\(\)", line):
                calls.append(f"{relative}:{number}")
    assert [call for call in calls if not call.startswith("unit_of_work.py:")] == []
    assert len(calls) <= 3
