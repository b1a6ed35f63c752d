"""The production setup in deploy/: stored files through nginx's X-Accel-Redirect after the
application's permission check, the gunicorn settings, and the nginx site and systemd units
agreeing with the application's limits and the documented layout (docs/deploy.md)."""

from __future__ import annotations

import os
import re
import runpy
import stat
from pathlib import Path

import pytest
from werkzeug.test import Client

from diplolearn.config import load_config
from diplolearn.services.storage import FILE_MODE, content_path, store_bytes
from tests import test_assignments as assignments
from tests.test_assignments import storage, world  # noqa: F401  (the fixtures)

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PREFIX = "/protected/"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture()
def accel(app, monkeypatch):
    monkeypatch.setitem(app.config, "X_ACCEL_REDIRECT_PREFIX", PREFIX)


def handed_in(app, db, w, name="My essay.docx"):
    essay = assignments.docx()
    assert (
        assignments.post_answer(
            assignments.client_for(app, w.learner), w, "submit", upload=(name, essay)
        ).status_code
        == 302
    )
    [submission] = assignments.submissions(db, w.enrolment.id)
    return submission, essay


# --- stored files ------------------------------------------------------------------------------


def test_a_permitted_download_is_handed_to_nginx_with_no_body(app, db, world, accel):
    w = world
    submission, _essay = handed_in(app, db, w)
    digest = submission.file_sha256
    own = f"/learn/{w.enrolment.id}/submissions/{submission.id}/file"
    graded = f"{w.queue}/submissions/{submission.id}/file"
    for user, url in [(w.learner, own), (w.tutor, graded), (w.instructor, graded)]:
        response = assignments.client_for(app, user).get(url)
        assert response.status_code == 200
        assert (
            response.headers["X-Accel-Redirect"] == f"/protected/submissions/{digest[:2]}/{digest}"
        )
        assert response.data == b""
        assert response.mimetype == DOCX_TYPE
        assert response.headers["Content-Disposition"] == 'attachment; filename="My essay.docx"'
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_forbidden_download_never_reaches_nginx(app, db, world, accel):
    w = world
    submission, _essay = handed_in(app, db, w)
    own = f"/learn/{w.enrolment.id}/submissions/{submission.id}/file"
    graded = f"{w.queue}/submissions/{submission.id}/file"
    for user, url, status in [
        (w.other, own, 404),
        (w.other, f"/learn/{w.other_enrolment.id}/submissions/{submission.id}/file", 404),
        (w.other_tutor, graded, 404),
        (w.coordinator, graded, 403),
    ]:
        response = assignments.client_for(app, user).get(url)
        assert response.status_code == status
        assert "X-Accel-Redirect" not in response.headers
    anonymous = app.test_client().get(own)
    assert anonymous.status_code in (302, 401) and "X-Accel-Redirect" not in anonymous.headers


def test_without_the_setting_the_application_sends_the_file_as_before(app, db, world):
    w = world
    submission, essay = handed_in(app, db, w)
    response = assignments.client_for(app, w.learner).get(
        f"/learn/{w.enrolment.id}/submissions/{submission.id}/file"
    )
    assert response.status_code == 200 and response.data == essay
    assert "X-Accel-Redirect" not in response.headers
    assert response.headers["Content-Disposition"] == 'attachment; filename="My essay.docx"'


def test_both_ways_name_a_non_ascii_file_alike(app, db, world, monkeypatch):
    w = world
    submission, _essay = handed_in(app, db, w, name="Mémoire دبلوماسية.docx")
    client = assignments.client_for(app, w.learner)
    url = f"/learn/{w.enrolment.id}/submissions/{submission.id}/file"
    sent = client.get(url)
    monkeypatch.setitem(app.config, "X_ACCEL_REDIRECT_PREFIX", PREFIX)
    handed = client.get(url)
    assert "filename*=UTF-8''M%C3%A9moire" in sent.headers["Content-Disposition"]
    for header in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert handed.headers[header] == sent.headers[header]


def test_lesson_images_are_handed_to_nginx_and_stay_immutable(app, client, storage, accel):
    with app.app_context():
        digest = store_bytes("images", b"\x89PNG not really", ".png")
    response = client.get(f"/media/images/{digest}.png")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/protected/images/{digest[:2]}/{digest}.png"
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    missing = client.get(f"/media/images/{'0' * 64}.png")
    assert missing.status_code == 404 and "X-Accel-Redirect" not in missing.headers


def test_stored_files_are_readable_by_the_group_nginx_joins(app, storage):
    """mkstemp makes 0600 files; nginx (in the service's group) must be able to read them."""
    with app.app_context():
        digest = store_bytes("images", b"\x89PNG readable", ".png")
        path = content_path("images", digest, ".png")
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE == 0o666 & ~current_umask()


def current_umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


# --- gunicorn ----------------------------------------------------------------------------------


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_MAX_WORKERS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_the_gunicorn_configuration_is_sane(monkeypatch):
    from gunicorn.config import Config

    settings = gunicorn_settings(monkeypatch, GUNICORN_BIND="127.0.0.1:8123")
    assert settings["bind"] == ["127.0.0.1:8123"]
    assert settings["wsgi_app"] == "wsgi:app" and Path(settings["chdir"]) == ROOT
    assert settings["worker_class"] in ("sync", "gthread")
    assert 1 <= settings["workers"] <= 8 and settings["threads"] >= 1
    assert 10 <= settings["timeout"] <= 120 and 0 < settings["graceful_timeout"] <= 60
    assert settings["preload_app"] is False
    assert settings["accesslog"] == "-"
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
    assert "127.0.0.1" in settings["forwarded_allow_ips"].split(",")
    # Gunicorn itself accepts every value (its validators raise on a wrong type).
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)
    assert config.worker_class_str == settings["worker_class"]
    assert callable(settings["post_worker_init"])
    assert gunicorn_settings(monkeypatch)["bind"] == ["127.0.0.1:8000"]
    assert gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


def test_behind_nginx_the_client_address_is_the_one_nginx_saw(monkeypatch):
    settings = gunicorn_settings(monkeypatch)

    def echo(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ.get("REMOTE_ADDR", "").encode()]

    worker = type("Worker", (), {"wsgi": staticmethod(echo)})()
    settings["post_worker_init"](worker)
    client = Client(worker.wsgi)

    def seen(peer: str) -> bytes:
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        return client.get("/", headers=forwarded, environ_base={"REMOTE_ADDR": peer}).data

    assert seen("127.0.0.1") == b"203.0.113.9"  # nginx on this machine
    assert seen("198.51.100.4") == b"198.51.100.4"  # anyone else keeps their own address
    assert settings["is_trusted"]("10.1.2.3", "127.0.0.1,10.0.0.0/8")
    assert not settings["is_trusted"]("", "127.0.0.1,::1")


# --- nginx and systemd -------------------------------------------------------------------------


def nginx_blocks(text: str) -> list:
    """nginx configuration as nested [name, args, children] (enough for these checks)."""
    tokens = re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', re.sub(r"#[^\n]*", "", text))
    stack, current, words = [], [], []
    for token in tokens:
        if token == ";":
            current.append([words[0], words[1:], []])
            words = []
        elif token == "{":
            block = [words[0], words[1:], []]
            current.append(block)
            stack.append(current)
            current, words = block[2], []
        elif token == "}":
            current = stack.pop()
        else:
            words.append(token.strip("\"'"))
    assert not stack and not words, "unbalanced braces"
    return current


def find(blocks, name, *args):
    return [b for b in blocks if b[0] == name and (not args or b[1][: len(args)] == list(args))]


def nginx_bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if re.match(r"[A-Z_]+=", line))
    return {name: value.strip("'\"") for name, value in pairs}


@pytest.fixture()
def site():
    [https] = [
        s
        for s in find(nginx_blocks((DEPLOY / "nginx/diplolearn.conf").read_text()), "server")
        if find(s[2], "ssl_certificate")
    ]
    return https[2]


def test_nginx_accepts_exactly_the_largest_request_the_application_does(
    site, monkeypatch, tmp_path
):
    monkeypatch.delenv("MAX_CONTENT_LENGTH", raising=False)
    limit = load_config(str(tmp_path), {"SECRET_KEY": "x"})["MAX_CONTENT_LENGTH"]
    [directive] = find(site, "client_max_body_size")
    assert nginx_bytes(directive[1][0]) == limit


def test_the_internal_location_maps_the_prefix_to_the_documented_storage_root(site):
    env = env_example()
    assert env["X_ACCEL_REDIRECT_PREFIX"] == PREFIX
    [location] = find(site, "location", env["X_ACCEL_REDIRECT_PREFIX"])
    assert find(location[2], "internal")
    [alias] = find(location[2], "alias")
    assert alias[1][0].rstrip("/") == env["STORAGE_ROOT"]
    assert f"STORAGE_ROOT={env['STORAGE_ROOT']}" in (ROOT / "docs/deploy.md").read_text()
    # Static files come from the package's static folder of the checkout the units run.
    [static] = find(site, "location", "/static/")
    [static_alias] = find(static[2], "alias")
    web = (DEPLOY / "systemd/diplolearn-web.service").read_text()
    checkout = re.search(r"^WorkingDirectory=(\S+)$", web, re.M).group(1)
    assert static_alias[1][0] == f"{checkout}/diplolearn/static/"
    # nginx proxies to where gunicorn listens.
    upstream = find(nginx_blocks((DEPLOY / "nginx/diplolearn.conf").read_text()), "upstream")
    assert find(upstream[0][2], "server", env["GUNICORN_BIND"])


@pytest.mark.parametrize("unit", ["diplolearn-web.service", "diplolearn-jobs.service"])
def test_the_systemd_units_run_as_a_confined_service_user(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        if re.match(r"[A-Za-z]+=", line):
            name, value = line.split("=", 1)
            settings.setdefault(name, []).append(value)
    assert settings["User"] == ["diplolearn"] and settings["EnvironmentFile"] == [
        "/etc/diplolearn/env"
    ]
    assert settings["Restart"] == ["on-failure"]
    assert settings["NoNewPrivileges"] == ["yes"] and settings["PrivateTmp"] == ["yes"]
    assert settings["ProtectSystem"] == ["strict"]
    writable = settings["ReadWritePaths"][0].split()
    assert any(env_example()["STORAGE_ROOT"].startswith(path + "/") for path in writable)
    checkout = settings["WorkingDirectory"][0]
    assert settings["ExecStart"][0].startswith(f"{checkout}/.venv/bin/")
