"""The portable table export: every table as JSON lines, with values that round-trip.

- ``Codec``: how one column's values become JSON and come back, chosen by the column's type
  (instants and dates in ISO 8601, decimals as text, bytes in base64, enums by name, JSON as
  itself); the same on SQLite and PostgreSQL, so either restores the other's backup.
- ``export_tables``: every table of the models, in foreign-key order and by primary key, into
  ``<table>.jsonl`` files, through one connection whose transaction the caller holds open.
- ``import_tables``: the rows back, in the same order, in batches; SQLite checks foreign keys
  at commit, so no order within a table matters there.
- ``reset_sequences``: PostgreSQL's id sequences moved past the ids the rows brought.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from diplolearn.backup import BackupRefused

BATCH = 500


def _same(value):
    return value


@dataclass(frozen=True)
class Codec:
    encode: Callable = _same
    decode: Callable = _same


def _enum_codec(kind: sa.Enum) -> Codec:
    if kind.enum_class is None:
        return Codec()
    return Codec(lambda value: value.name, lambda name: kind.enum_class[name])


def codec_for(column: sa.Column) -> Codec:
    """The codec of a column, by its type (a TypeDecorator by the type it stores as)."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON | sa.Float):
        return Codec()
    if isinstance(kind, sa.DateTime):
        return Codec(lambda value: value.isoformat(), dt.datetime.fromisoformat)
    if isinstance(kind, sa.Date):
        return Codec(lambda value: value.isoformat(), dt.date.fromisoformat)
    if isinstance(kind, sa.Time):
        return Codec(lambda value: value.isoformat(), dt.time.fromisoformat)
    if isinstance(kind, sa.Interval):
        return Codec(lambda value: value.total_seconds(), lambda s: dt.timedelta(seconds=s))
    if isinstance(kind, sa.Numeric):
        return Codec(str, decimal.Decimal)
    if isinstance(kind, sa.LargeBinary):
        return Codec(lambda value: base64.b64encode(value).decode("ascii"), base64.b64decode)
    if isinstance(kind, sa.Uuid):
        return Codec(str, uuid.UUID if kind.as_uuid else str)
    if isinstance(kind, sa.Enum):
        return _enum_codec(kind)
    return Codec()


def table_file(folder: Path, table: sa.Table) -> Path:
    return folder / f"{table.name}.jsonl"


def _ordered(table: sa.Table) -> sa.Select:
    return sa.select(table).order_by(*table.primary_key.columns)


def export_tables(connection: sa.Connection, metadata: sa.MetaData, folder: Path) -> dict:
    """Write every table into ``folder``; return each table's row count. The caller's
    transaction on ``connection`` is the snapshot: every table is read inside it."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in metadata.sorted_tables:
        codecs = [(column, column.name, codec_for(column).encode) for column in table.columns]
        rows = 0
        with table_file(folder, table).open("w", encoding="utf-8") as out:
            result = connection.execute(_ordered(table).execution_options(yield_per=1000))
            for row in result:
                values = row._mapping
                line = {
                    name: None if values[column] is None else encode(values[column])
                    for column, name, encode in codecs
                }
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                rows += 1
        counts[table.name] = rows
    return counts


def _rows(table: sa.Table, path: Path):
    codecs = [(column.key, column.name, codec_for(column).decode) for column in table.columns]
    names = {name for _, name, _ in codecs}
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            raw = json.loads(text)
            if not isinstance(raw, dict) or set(raw) != names:
                raise BackupRefused(
                    f"{path.name}, line {number}: its columns are not those of table "
                    f"{table.name} in this version of the code."
                )
            yield {
                key: None if raw[name] is None else decode(raw[name])
                for key, name, decode in codecs
            }


def import_tables(
    connection: sa.Connection, metadata: sa.MetaData, folder: Path, expected: dict
) -> dict:
    """Insert every table's rows from ``folder`` (tables already created, and empty); return
    the counts, refusing (so the caller rolls back) when one differs from ``expected``."""
    if connection.dialect.name == "sqlite":
        # Checked at commit instead of row by row: a row may refer to a later one.
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    counts = {}
    for table in metadata.sorted_tables:
        batch, rows = [], 0
        for row in _rows(table, table_file(folder, table)):
            batch.append(row)
            if len(batch) == BATCH:
                connection.execute(table.insert(), batch)
                rows, batch = rows + len(batch), []
        if batch:
            connection.execute(table.insert(), batch)
            rows += len(batch)
        if rows != expected.get(table.name):
            raise BackupRefused(
                f"table {table.name}: {rows} rows in its file, "
                f"{expected.get(table.name)} in the manifest."
            )
        counts[table.name] = rows
    return counts


def reset_sequences(connection: sa.Connection, metadata: sa.MetaData) -> None:
    """On PostgreSQL, set every integer key's sequence to the largest id restored, so the next
    row gets the next id (SQLite needs nothing: it takes the largest id plus one)."""
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        name, column = preparer.format_table(table), preparer.quote(keys[0].name)
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {name}"
            ),
            {"table": name, "column": keys[0].name},
        )
