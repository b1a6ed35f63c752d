"""Prometheus metrics, and the ``/metrics`` endpoint that serves them to a bearer token.

Abstractions: the metric objects (``REQUEST_LATENCY`` per endpoint, method and status class;
``JOB_DURATION`` and ``JOB_FAILURES`` per job; ``FAILED_SIGN_INS``), ``job_run`` (times one run
of a job under an id of its own, and counts it failed when it fails), ``OutboxCollector`` (the
outbox's depth and the age of its oldest waiting message, read at scrape time with one query
each) and ``scrape_registry``: with several processes (gunicorn workers, the job worker) the
metrics are shared through prometheus-client's multiprocess mode, files under
PROMETHEUS_MULTIPROC_DIR that the scraped worker adds up; without it, this process's own.

The endpoint answers 404 when no METRICS_TOKEN is configured (as if it did not exist), 401
without ``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant time; behind nginx every
request comes from localhost, so the address proves nothing). It writes nothing and runs the
two outbox queries only.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from diplolearn.observability.logs import bind, new_id

# prometheus-client picks its storage when imported: shared files when this is set.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUEST_LATENCY = Histogram(
    "diplolearn_request_duration_seconds",
    "Time to answer a request, by endpoint, method and status class (2xx, 4xx ...).",
    ["endpoint", "method", "status"],
)
JOB_DURATION = Histogram(
    "diplolearn_job_duration_seconds",
    "Time one run of a job took (flask jobs run), by job.",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
JOB_FAILURES = Counter(
    "diplolearn_job_failures", "Runs of a job that failed (and were rolled back), by job.", ["job"]
)
FAILED_SIGN_INS = Counter(
    "diplolearn_failed_sign_ins", "Sign-in forms refused: wrong email or password, or invalid."
)

bp = Blueprint("monitoring", __name__)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def count_failed_sign_in() -> None:
    FAILED_SIGN_INS.inc()


@dataclass
class JobRun:
    """One run of a job: its id (the request id of its log lines) and whether it failed."""

    name: str
    id: str
    failed: bool = False


@contextmanager
def job_run(name: str) -> Iterator[JobRun]:
    """Run a job under an id of its own (its log lines carry it, as does the mail it queues),
    time it, and count it failed when it raises or the caller sets ``failed``."""
    run = JobRun(name, new_id())
    JOB_FAILURES.labels(name)  # shown at 0 from the first run
    started = time.perf_counter()
    with bind(request_id=run.id, job=name, job_run_id=run.id):
        try:
            yield run
        except BaseException:
            run.failed = True
            raise
        finally:
            seconds = time.perf_counter() - started
            JOB_DURATION.labels(name).observe(seconds)
            if run.failed:
                JOB_FAILURES.labels(name).inc()
            # Done: a debug line (the job worker runs every job every few seconds).
            current_app.logger.log(
                logging.WARNING if run.failed else logging.DEBUG,
                "job %s %s",
                name,
                "failed" if run.failed else "done",
                extra={"duration_ms": round(seconds * 1000, 1)},
            )


class OutboxCollector:
    """The mail outbox, read when scraped: messages waiting to be sent (pending, or claimed and
    not yet recorded) and how long the oldest of them has waited."""

    def collect(self):
        from diplolearn.services import outbox

        depth = outbox.waiting_count()
        oldest = outbox.oldest_waiting_since()
        age = 0.0
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=dt.UTC)
            age = max(0.0, (dt.datetime.now(dt.UTC) - oldest).total_seconds())
        yield GaugeMetricFamily(
            "diplolearn_outbox_pending_messages",
            "Mail messages waiting in the outbox (pending, or claimed and not yet sent).",
            value=depth or 0,
        )
        yield GaugeMetricFamily(
            "diplolearn_outbox_oldest_pending_age_seconds",
            "How long the oldest waiting outbox message has waited (0 when none waits).",
            value=age,
        )


class ProcessMetrics:
    """This process's metrics (the default registry), for a scrape without multiprocess mode."""

    def collect(self):
        yield from REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    """What one scrape reads: every process's metrics (multiprocess mode) or this process's,
    and the outbox's."""
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(ProcessMetrics())
    registry.register(OutboxCollector())
    return registry


def token_matches(expected: str) -> bool:
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(supplied.strip().encode(), expected.encode())


@bp.get("/metrics")
def metrics():
    expected = current_app.config.get("METRICS_TOKEN") or ""
    if not expected:
        abort(404)
    if not token_matches(expected):
        return Response(
            "A bearer token is needed.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
            mimetype="text/plain",
        )
    return Response(
        generate_latest(scrape_registry()),
        headers={"Cache-Control": "no-store"},
        content_type=CONTENT_TYPE_LATEST,
    )
