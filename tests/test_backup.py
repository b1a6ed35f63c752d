"""Backups restore: the demo backed up while the app runs, restored into an empty database and
STORAGE_ROOT on SQLite and PostgreSQL, with every table's rows and every file's bytes; a
backup that was altered, or is of another schema revision, or a database that is not empty,
is refused with nothing written; prune keeps the newest N.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diplolearn.backup.schema import code_revision
from diplolearn.courses.check import course_folders, load_course
from diplolearn.demo import seed_demo
from diplolearn.demo.people import seed_ministries
from diplolearn.extensions import db
from diplolearn.models import Ministry
from diplolearn.services import storage
from diplolearn.services.accounts import accounts
from diplolearn.services.catalogue.course_import import import_course
from tests.conftest import BACKENDS, fresh_database_url, make_app

COURSES = Path(__file__).parent.parent / "courses"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def finished(root: Path) -> dict[str, str]:
    """The checksums of the files under root, without one still being written."""
    return {path: digest for path, digest in checksums(root).items() if ".upload-" not in path}


def stored(app) -> dict[str, str]:
    root = Path(app.config["STORAGE_ROOT"])
    return checksums(root) if root.exists() else {}


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def table_names(app) -> list[str]:
    with app.app_context(), db.engine.connect() as connection:
        return sa.inspect(connection).get_table_names()


def dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def store_files(root: Path) -> None:
    """A submission, an image, a mail receipt, and a file still being written."""
    storage.store_bytes("submissions", b"%PDF-1.4 an essay", ".pdf")
    storage.store_bytes("images", b"\x89PNG a picture", ".webp")
    storage.write_atomically(root / "outbox" / "delivered" / "7", b"<7@x>\n")
    (root / "images" / ".upload-half").write_bytes(b"half a file being written")


@pytest.fixture()
def target(backend, tmp_path_factory):
    """Opens apps on databases that do not exist yet, each with an empty STORAGE_ROOT."""
    with ExitStack() as stack:

        def open_app(on: str = backend, name: str = "backup_target"):
            url = stack.enter_context(fresh_database_url(on, tmp_path_factory, name))
            app = make_app(url, STORAGE_ROOT=str(tmp_path_factory.mktemp("storage") / "root"))
            stack.callback(dispose, app)
            return app

        yield open_app


def test_the_demo_backs_up_and_restores_row_for_row_and_byte_for_byte(backend, target, tmp_path):
    # One test for the whole journey, so that the demo is seeded once per database.
    source = target(name="backup_source")
    root = Path(source.config["STORAGE_ROOT"])
    with source.app_context():
        db.create_all()
        for folder in course_folders(COURSES):
            import_course(*load_course(folder))
        seed_demo()
        db.session.commit()
        store_files(root)
    result = cli(source, "backup", "create", tmp_path / "demo")
    assert result.exit_code == 0, result.output

    manifest = json.loads((tmp_path / "demo" / "manifest.json").read_text())
    counts = row_counts(source)
    assert manifest["tables"] == counts and counts["user"] > 10 and counts["course"] == 2
    with source.app_context():
        assert manifest["schema_revision"] == code_revision()
    files = checksums(tmp_path / "demo")
    assert files.pop("manifest.json") and manifest["files"] == files
    assert {k[len("storage/") :]: v for k, v in files.items() if k.startswith("storage/")} == (
        finished(root)
    )

    restored = target()
    result = cli(restored, "backup", "restore", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert row_counts(restored) == counts
    assert stored(restored) == finished(root) and len(finished(root)) == 3
    with restored.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert revision == code_revision()
    # Value for value: a backup of the restored database has the very same table files.
    assert cli(restored, "backup", "create", tmp_path / "again").exit_code == 0
    for table in (tmp_path / "demo" / "database").iterdir():
        assert (tmp_path / "again" / "database" / table.name).read_bytes() == table.read_bytes()
    # New rows get new ids (PostgreSQL's sequences were moved past the restored ones).
    with restored.app_context():
        db.session.add(Ministry(code="NEW-1", name={"en": "New", "ar": "جديدة"}))
        db.session.commit()

    for other in set(BACKENDS) - {backend}:  # across databases: SQLite's on PostgreSQL, and back
        elsewhere = target(other)
        result = cli(elsewhere, "backup", "restore", tmp_path / "demo")
        assert result.exit_code == 0, result.output
        assert row_counts(elsewhere) == counts


@pytest.fixture(scope="module")
def source(backend, tmp_path_factory):
    """A small committed database (a course, the ministries, a person), some stored files, and
    a backup of it all."""
    root = tmp_path_factory.mktemp("source-storage")
    with fresh_database_url(backend, tmp_path_factory, "backup_small") as url:
        app = make_app(url, STORAGE_ROOT=str(root))
        with app.app_context():
            db.create_all()
            import_course(*load_course(COURSES / "digital-diplomacy-basics"))
            seed_ministries()
            accounts.create_user("ana@example.org", name_latin="Ana", password="x" * 12)
            db.session.commit()
            store_files(root)
        folder = tmp_path_factory.mktemp("backups") / "small"
        result = cli(app, "backup", "create", folder)
        assert result.exit_code == 0, result.output
        yield SimpleNamespace(app=app, backup=folder)
        dispose(app)


def assert_nothing_written(app):
    assert table_names(app) == [] and stored(app) == {}


@pytest.mark.parametrize(
    "tamper", ["storage/outbox/delivered/7", "database/user.jsonl"], ids=["file", "table"]
)
def test_an_altered_file_is_refused(source, target, tmp_path, tamper):
    copy = tmp_path / "copy"
    shutil.copytree(source.backup, copy)
    with (copy / tamper).open("ab") as handle:
        handle.write(b"\n")
    restored = target()
    result = cli(restored, "backup", "restore", copy)
    assert result.exit_code != 0
    assert f"{tamper}: checksum does not match" in result.output
    assert_nothing_written(restored)


def test_a_backup_of_another_schema_revision_is_refused(source, target, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(source.backup, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["schema_revision"] = "0123456789ab"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    restored = target()
    result = cli(restored, "backup", "restore", copy)
    assert result.exit_code != 0 and "schema revision 0123456789ab" in result.output
    assert_nothing_written(restored)


def test_a_restore_that_fails_half_way_leaves_the_database_empty(source, target, tmp_path):
    # A backup that passes every check but whose rows cannot all go in (a doubled row).
    copy = tmp_path / "copy"
    shutil.copytree(source.backup, copy)
    table = copy / "database" / "user.jsonl"
    table.write_text(table.read_text() * 2)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["database/user.jsonl"] = hashlib.sha256(table.read_bytes()).hexdigest()
    manifest["tables"]["user"] *= 2
    (copy / "manifest.json").write_text(json.dumps(manifest))
    restored = target()
    result = cli(restored, "backup", "restore", copy)
    assert result.exit_code != 0 and "nothing was restored into the database" in result.output
    assert table_names(restored) == []


def test_a_database_with_tables_is_refused(source, target):
    restored = target()
    with restored.app_context():
        db.create_all()
    result = cli(restored, "backup", "restore", source.backup)
    assert result.exit_code != 0 and "restore fills only an empty database" in result.output
    assert stored(restored) == {} and row_counts(restored)["user"] == 0


def test_a_backup_is_taken_while_a_writer_holds_its_transaction(source, tmp_path):
    # The snapshot neither waits for the writer nor sees what it has not committed.
    with source.app.app_context(), db.engine.connect() as writer, writer.begin() as pending:
        writer.execute(sa.insert(Ministry).values(code="UNCOMMITTED", name={"en": "U"}))
        result = cli(source.app, "backup", "create", tmp_path / "during")
        pending.rollback()
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "during" / "manifest.json").read_text())
    assert manifest["tables"] == row_counts(source.app)


def test_create_refuses_a_folder_that_is_not_empty(source, tmp_path):
    (tmp_path / "something").write_text("")
    result = cli(source.app, "backup", "create", tmp_path)
    assert result.exit_code != 0 and "not an empty folder" in result.output


def test_prune_keeps_the_newest_backups(source, tmp_path):
    parent = tmp_path / "backups"
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for day in (3, 1, 4, 2):  # folder names need not sort like the instants they were taken
        folder = parent / f"backup-{5 - day}"
        shutil.copytree(source.backup, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["created_at"] = (start + dt.timedelta(days=day)).isoformat()
        (folder / "manifest.json").write_text(json.dumps(manifest))
    (parent / "unfinished").mkdir()  # no manifest: never touched
    result = cli(source.app, "backup", "prune", "--keep", 2, parent)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in parent.iterdir()) == ["backup-1", "backup-2", "unfinished"]
    assert cli(source.app, "backup", "prune", "--keep", 0, parent).exit_code != 0
