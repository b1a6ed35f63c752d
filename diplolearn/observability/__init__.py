"""Observability: what the application tells its operators, in logs and in metrics.

``init_app`` sets it up from create_app: the logs (observability.logs: one line per record,
JSON in production, each with its request id), the request's id and its access line, and the
Prometheus metrics with their ``/metrics`` endpoint (observability.metrics). Abstractions here:
``start_request`` and ``finish_request``, the hooks that time each request, name it and log it.

The request id follows the work a request starts: a mail queued in a request records it
(services.outbox.queue_mail), and the job that sends the mail logs with it and puts it in the
mail's X-Request-ID header. A job run has an id of its own (metrics.job_run).
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from diplolearn.observability.logs import (
    ACCESS_LOGGER,
    REQUEST_ID_HEADER,
    bind,
    configure_logging,
    current_request_id,
    log_handler,
    logged_path,
    request_id_from,
)
from diplolearn.observability.metrics import (
    REQUEST_LATENCY,
    count_failed_sign_in,
    job_run,
    status_class,
)

__all__ = [
    "bind",
    "count_failed_sign_in",
    "current_request_id",
    "init_app",
    "job_run",
    "log_handler",
]

access_log = logging.getLogger(ACCESS_LOGGER)


def init_app(app: Flask) -> None:
    """Logs, request ids and access lines, metrics and ``/metrics``. Called first, so that
    its hooks see the whole request: the first ``before_request`` and the last
    ``after_request``."""
    from diplolearn.observability.metrics import bp

    configure_logging(app)
    app.before_request(start_request)
    app.after_request(finish_request)
    app.register_blueprint(bp)


def start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))


def finish_request(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # the request failed before start_request ran
        return response
    seconds = time.perf_counter() - started
    endpoint = request.url_rule.endpoint if request.url_rule else "none"
    REQUEST_LATENCY.labels(endpoint, request.method, status_class(response.status_code)).observe(
        seconds
    )
    response.headers[REQUEST_ID_HEADER] = g.request_id
    access_log.info(
        "%s %s %s",
        request.method,
        logged_path(),
        response.status_code,
        extra={"status": response.status_code, "duration_ms": round(seconds * 1000, 1)},
    )
    return response
