"""Backups that restore: ``flask backup create | restore | prune`` (commands.py).

A backup is one folder, written into the DIR given to ``flask backup create`` (created if
missing, refused if it holds anything already):

    DIR/manifest.json            written last: a folder without it is an unfinished backup
    DIR/database/<table>.jsonl   every table of the models, one JSON object per row
    DIR/storage/<path>           every file under STORAGE_ROOT, at its path there

The manifest names the format, the instant of creation, the schema revision (the Alembic head
of the code that wrote it, and the database's ``alembic_version`` when it has one), every
table's row count, and the SHA-256 of every file of the backup.

The database part is one portable export for SQLite and PostgreSQL alike (tables.py): every
table, in foreign-key order, read inside one read-only snapshot transaction (a deferred
transaction in WAL mode on SQLite, REPEATABLE READ on PostgreSQL), so the app keeps running
and the backup is consistent. Values are written with their column's type (instants with
their offset, decimals as text, bytes in base64), so a backup of SQLite restores on
PostgreSQL and the other way round. Files are copied after the snapshot: storage is
content-addressed and written before the transaction that refers to it commits, so every file
the snapshot refers to is in the backup (a few newer ones may be too).

Restore (archive.py) checks everything before it writes anything: the manifest, the schema
revision against the code's head, every checksum, and that the database has no tables. Then it
copies the files into this environment's STORAGE_ROOT and, in one transaction, creates the
schema (``create_all``), inserts the rows, stamps ``alembic_version`` with the head and moves
PostgreSQL's sequences past the restored ids (schema.py).

Prune keeps the N newest backup folders inside a parent folder, by their manifest's instant;
folders without a manifest are never touched.
"""

from __future__ import annotations


class BackupRefused(Exception):
    """A backup that cannot be made or restored, and why (nothing has been written)."""


MANIFEST = "manifest.json"
FORMAT = "diplolearn-backup"
FORMAT_VERSION = 1
DATABASE_FOLDER = "database"
STORAGE_FOLDER = "storage"
