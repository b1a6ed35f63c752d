"""The declarative base and the column types every model shares.

- ``Base``: SQLAlchemy 2 declarative base with a naming convention, so that constraint names are
  the same on SQLite and PostgreSQL and migrations can name what they alter.
- ``UTCDateTime``: the one column type for instants. It refuses naive datetimes on the way in
  and always gives back timezone-aware UTC on the way out, whatever the database.
- ``Translated``: a JSON mapping of language code to text, for every short per-language text.
- ``TimestampMixin``: created_at / updated_at, in UTC.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def only_on(dialect: str, index: sa.Index) -> sa.Index:
    """An index that exists on one database only (a PostgreSQL covering index): created there
    alone, and left out of the comparison of models and migrations elsewhere
    (``include_object``)."""
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def include_object(dialect: str):
    """Alembic's ``include_object`` for a database of ``dialect``: what the models define for
    another database only (``only_on``) is not missing from this one."""

    def include(obj, _name, _type, _reflected, _compare_to) -> bool:
        wanted = getattr(obj, "info", {}).get("only_on")
        return wanted is None or wanted == dialect

    return include


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware, in UTC. The only clock the models use."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC and returned timezone-aware, identically on every database.

    SQLite has no time zone support and hands back naive values; PostgreSQL's timestamptz hands
    back aware ones in the connection's zone. Both come out of this type as aware UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime needs a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UTCDateTime refuses a naive datetime; attach a time zone first")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            # Stored as naive UTC text so that string comparison orders instants correctly.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Translated(TypeDecorator):
    """A mapping of language code ("ar", "en", "fr") to text, stored as JSON."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise TypeError("Translated needs a dict of language code to text")
        return dict(sorted(value.items()))

    def process_result_value(self, value, dialect):
        return dict(value or {})


class Base(DeclarativeBase):
    # Every ``Mapped[datetime]`` column is a UTCDateTime: no naive time can reach the database.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
