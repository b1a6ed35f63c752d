"""Backup folders: made, checked, restored and pruned (the layout is in ``__init__``).

- ``create_backup``: the snapshot of every table, then every file under STORAGE_ROOT, then the
  manifest (last, so a folder without one is unfinished and nothing trusts it).
- ``read_manifest`` and ``verify_backup``: the checks a restore makes before writing anything
  (format, schema revision, tables, every file's SHA-256, paths that stay inside the folder).
- ``restore_backup``: the checks, then the files into this environment's STORAGE_ROOT, then
  schema and rows in one transaction (nothing of the database is kept if any of it fails).
- ``prune_backups``: keep the N newest backup folders of a parent folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import sqlalchemy as sa

from diplolearn.backup import (
    DATABASE_FOLDER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    STORAGE_FOLDER,
    BackupRefused,
)
from diplolearn.backup.schema import (
    code_revision,
    create_schema,
    database_revision,
    ensure_database,
    table_names,
)
from diplolearn.backup.tables import export_tables, import_tables, reset_sequences
from diplolearn.extensions import db
from diplolearn.models import utcnow
from diplolearn.services import storage
from diplolearn.services.storage import FILE_MODE

# services.storage.write_atomically writes into such a temporary file first: half a file.
TEMPORARY_PREFIX = ".upload-"
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_file(source: Path, target: Path, expected: str | None = None) -> str:
    """Copy through a temporary file and ``os.replace`` (a reader never sees half a file);
    return the SHA-256 of what was copied, refusing it when it is not ``expected``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY_PREFIX)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            # the mode of any new file, not mkstemp's 0600: nginx sends stored files itself
            os.fchmod(out.fileno(), FILE_MODE)
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if expected is not None and digest.hexdigest() != expected:
            raise BackupRefused(f"{source}: its checksum changed while it was copied.")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def storage_files(root: Path):
    """(path relative to root, path) of every finished file under root, in a stable order."""
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if not name.startswith(TEMPORARY_PREFIX) and path.is_file():
                yield path.relative_to(root).as_posix(), path


@contextmanager
def snapshot(engine: sa.Engine):
    """A connection inside one read-only transaction that sees a single instant of the
    database while writers carry on (SQLite in WAL mode: a deferred read transaction)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            yield connection


@dataclass
class Summary:
    folder: Path
    tables: int
    rows: int
    files: int


def create_backup(target: Path) -> Summary:
    """Write a backup into ``target`` (created if missing; refused if it holds anything)."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupRefused(f"{target} exists and is not an empty folder.")
    root = storage.root()
    if target.resolve().is_relative_to(root.resolve()):
        raise BackupRefused(f"{target} is inside STORAGE_ROOT ({root}); choose another place.")
    head = code_revision()
    created = not target.exists()
    try:
        with snapshot(db.engine) as connection:
            revision = database_revision(connection)
            if revision is not None and revision != head:
                raise BackupRefused(
                    f"the database is at schema revision {revision} and the code at {head}: "
                    "run flask db upgrade first, or back up with the code of the database."
                )
            target.mkdir(parents=True, exist_ok=True, mode=0o700)
            taken_at = utcnow()
            counts = export_tables(connection, db.metadata, target / DATABASE_FOLDER)
        files = {
            f"{DATABASE_FOLDER}/{name}.jsonl": sha256_of(target / DATABASE_FOLDER / f"{name}.jsonl")
            for name in counts
        }
        for relative, path in storage_files(root) if root.is_dir() else ():
            try:
                digest = copy_file(path, target / STORAGE_FOLDER / relative)
            except FileNotFoundError:  # removed since it was listed
                continue
            files[f"{STORAGE_FOLDER}/{relative}"] = digest
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": taken_at.isoformat(),
            "schema_revision": head,
            "database_revision": revision,
            "database_backend": db.engine.dialect.name,
            "tables": counts,
            "files": files,
        }
        fd, temporary = tempfile.mkstemp(dir=target, prefix=".manifest-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(manifest, out, indent=1, sort_keys=True)
        os.replace(temporary, target / MANIFEST)
    except BaseException:
        _remove_partial(target, created)
        raise
    return Summary(target, len(counts), sum(counts.values()), len(files) - len(counts))


def _remove_partial(target: Path, created: bool) -> None:
    """Undo a failed backup: the folder if it made it, else what it put into it (empty
    before)."""
    if created:
        shutil.rmtree(target, ignore_errors=True)
        return
    for child in target.iterdir() if target.is_dir() else ():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupRefused(
            f"{folder}: no {MANIFEST}; not a backup, or an unfinished one."
        ) from error
    except (OSError, ValueError) as error:
        raise BackupRefused(f"{path}: unreadable ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{path}: not a DiploLearn backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(
            f"{path}: backup format {manifest.get('format_version')}, this code reads "
            f"{FORMAT_VERSION}."
        )
    for key, kind in (("created_at", str), ("tables", dict), ("files", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupRefused(f"{path}: no valid {key!r}.")
    return manifest


def _inside(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or ".." in path.parts or "\\" in relative:
        raise BackupRefused(f"the manifest names a file outside the backup: {relative!r}.")
    return path


def verify_backup(folder: Path) -> dict:
    """The manifest, once the backup is known to fit this code and be intact."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    head = code_revision()
    if manifest.get("schema_revision") != head:
        raise BackupRefused(
            f"the backup is of schema revision {manifest.get('schema_revision')} and this "
            f"code is at {head}: restore it with the code of its revision (then upgrade)."
        )
    expected_tables = {table.name for table in db.metadata.sorted_tables}
    if set(manifest["tables"]) != expected_tables:
        raise BackupRefused("the backup's tables are not those of this code's schema.")
    files = manifest["files"]
    missing_tables = {f"{DATABASE_FOLDER}/{name}.jsonl" for name in expected_tables} - set(files)
    if missing_tables:
        raise BackupRefused(f"the manifest lists no file for {sorted(missing_tables)[0]}.")
    wrong = []
    for relative, digest in sorted(files.items()):
        path = folder / _inside(relative)
        if not path.is_file():
            wrong.append(f"{relative}: missing")
        elif sha256_of(path) != digest:
            wrong.append(f"{relative}: checksum does not match the manifest")
    if wrong:
        raise BackupRefused(
            f"{len(wrong)} file(s) of the backup are not as it was made; nothing was "
            "restored:\n  " + "\n  ".join(wrong)
        )
    return manifest


def restore_backup(folder: Path) -> Summary:
    """Restore into an empty database and this environment's STORAGE_ROOT."""
    folder = Path(folder)
    manifest = verify_backup(folder)
    engine = db.engine
    ensure_database(engine)
    with engine.connect() as connection:
        existing = table_names(connection)
    if existing:
        raise BackupRefused(
            f"the database has {len(existing)} table(s) already ({', '.join(sorted(existing)[:3])}"
            f"{', ...' if len(existing) > 3 else ''}); restore fills only an empty database."
        )
    root = storage.root()
    stored = 0
    prefix = f"{STORAGE_FOLDER}/"
    for relative, digest in sorted(manifest["files"].items()):
        if relative.startswith(prefix):
            inside = _inside(relative[len(prefix) :])
            copy_file(folder / relative, root / inside, expected=digest)
            stored += 1
    try:
        with engine.begin() as connection:
            if table_names(connection):
                raise BackupRefused("the database gained tables while restoring.")
            create_schema(connection, db.metadata)
            counts = import_tables(
                connection, db.metadata, folder / DATABASE_FOLDER, manifest["tables"]
            )
            reset_sequences(connection, db.metadata)
    except (BackupRefused, sa.exc.DBAPIError) as error:
        # One transaction: the database is left as empty as it was (the files copied into
        # STORAGE_ROOT stay; a restore that succeeds writes them again).
        reason = getattr(error, "orig", None) or error  # the driver's words, not the rows
        raise BackupRefused(f"nothing was restored into the database: {reason}") from error
    return Summary(folder, len(counts), sum(counts.values()), stored)


def prune_backups(parent: Path, keep: int, dry_run: bool = False) -> tuple[list, list]:
    """Remove all but the ``keep`` newest backups inside ``parent`` (by their manifest's
    instant); folders without a readable manifest are left alone. Returns (kept, removed)."""
    found = []
    for child in sorted(Path(parent).iterdir()):
        if not child.is_dir() or child.is_symlink():
            continue
        try:
            created = dt.datetime.fromisoformat(read_manifest(child)["created_at"])
        except (BackupRefused, ValueError):
            continue
        found.append((created, child.name, child))
    found.sort(reverse=True)
    kept = [child for _, _, child in found[:keep]]
    removed = [child for _, _, child in found[keep:]]
    if not dry_run:
        for child in removed:
            shutil.rmtree(child)
    return kept, removed
