"""Logs: one line per record, JSON in production, each carrying the request id it belongs to.

Abstractions: the *log context* (``bind``: the fields every record made inside it carries, such
as a job run's id), the *request id* (``current_request_id``: taken from a well-formed incoming
X-Request-ID header or made up, kept in ``g`` for the request and returned in its response),
``ContextFilter`` (puts the context, and within a request its method, path and user, on each
record), the two formatters (``JsonFormatter``, ``TextFormatter``) and ``configure_logging``,
which installs one handler on the root logger so every library's records go the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# One line per request answered (method, path, status, duration_ms).
ACCESS_LOGGER = "diplolearn.access"
# What an incoming request id may look like (a proxy's, a client's); anything else is replaced.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

# The fields a record may carry besides time, level, logger and message, in output order.
FIELDS = (
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "job",
    "job_run_id",
    "outbox_message_id",
)

log_context: ContextVar[Mapping[str, object]] = ContextVar(
    "log_context", default=MappingProxyType({})
)


def new_id() -> str:
    """A fresh request (or job run) id."""
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The incoming id when it is well-formed, otherwise a new one."""
    if header and WELL_FORMED_REQUEST_ID.fullmatch(header):
        return header
    return new_id()


@contextmanager
def bind(**fields: object) -> Iterator[None]:
    """Every record made inside carries these fields (a job run's id, the request id of the
    message being sent); nested binds add to the outer ones."""
    token = log_context.set({**log_context.get(), **fields})
    try:
        yield
    finally:
        log_context.reset(token)


def current_request_id() -> str | None:
    """The id of the request being answered, or the one bound by a job; None elsewhere."""
    if has_request_context():
        request_id = g.get("request_id")
        if request_id:
            return request_id
    value = log_context.get().get("request_id")
    return str(value) if value else None


def loaded_user_id() -> int | None:
    """The signed-in user's id if this request has loaded them already (never loads them: a
    log line must not cost a query). Flask-Login keeps the loaded user in ``g._login_user``."""
    user = g.get("_login_user")
    if user is None:
        return None
    # The identity the session loaded it with: reading ``user.id`` could refresh an expired
    # instance, and the server's request line is logged after the session is gone (a streamed
    # download), where that raises. A log line must never fail.
    state = sa.inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


def logged_path() -> str:
    """The request's path, with a secret token in it (invitation and reset links) masked."""
    path = request.path
    token = (request.view_args or {}).get("token")
    if isinstance(token, str) and token:
        path = path.replace(token, "[token]")
    return path


class ContextFilter(logging.Filter):
    """Adds the log context, and within a request its id, method, path and user, to records."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(log_context.get())
        if has_request_context():
            fields.setdefault("request_id", g.get("request_id"))
            fields.setdefault("method", request.method)
            fields.setdefault("path", logged_path())
            fields.setdefault("user_id", loaded_user_id())
        for name in FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, fields.get(name))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request_id, then the
    other fields it has, and the exception's traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in FIELDS[1:]:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The readable form for development: time, level, logger, [request id], message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "werkzeug":  # the development server's lines carry their own time
            return record.getMessage().rstrip()
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


class LogHandler(logging.StreamHandler):
    """Writes to the process's standard error as it is when the record is written (or to the
    stream a test gives it with ``setStream``)."""

    def __init__(self) -> None:
        self.fixed_stream = None
        super().__init__()

    @property
    def stream(self):
        return self.fixed_stream or sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self.fixed_stream = None if value is sys.stderr else value


def log_handler() -> LogHandler | None:
    """The handler ``configure_logging`` installed on the root logger, if any."""
    return next((h for h in logging.getLogger().handlers if isinstance(h, LogHandler)), None)


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, JSON or text (LOG_FORMAT): the app's logger (at
    LOG_LEVEL) and every library's (warnings and errors) propagate to it. Creating another app
    replaces it."""
    handler = LogHandler()
    handler.addFilter(ContextFilter())
    json_format = app.config["LOG_FORMAT"] == "json"
    handler.setFormatter(JsonFormatter() if json_format else TextFormatter())
    root = logging.getLogger()
    previous = log_handler()
    if previous is not None:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: their warnings and errors
    app.logger.setLevel(app.config["LOG_LEVEL"])  # ours ("diplolearn" and below): LOG_LEVEL
    app.logger.removeHandler(default_handler)
    # Access lines: in text mode the development server already prints one per request.
    access = logging.getLogger(ACCESS_LOGGER)
    access.setLevel(logging.NOTSET if json_format else logging.WARNING)
