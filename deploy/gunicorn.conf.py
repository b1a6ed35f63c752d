"""Gunicorn settings for DiploLearn behind nginx (docs/deploy.md; ``make serve`` uses them too).

Every value can be changed from the environment (the systemd units read /etc/diplolearn/env):

- ``GUNICORN_BIND``: where to listen, ``127.0.0.1:8000`` by default; nginx proxies to it.
- ``WEB_CONCURRENCY``: worker processes; by default 2 x cores + 1, capped at
  ``GUNICORN_MAX_WORKERS`` (8), since every worker holds its own database connections.
- ``GUNICORN_THREADS``: threads per worker (gthread workers), 4 by default.
- ``FORWARDED_ALLOW_IPS``: the proxies trusted for X-Forwarded-For and X-Forwarded-Proto
  (nginx on the same machine).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "wsgi:app"
chdir = str(PROJECT)
bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"]

# gthread: a few threads per process serve slow clients and streamed CSV exports without
# tying up a whole process; requests are short and the database does the waiting.
worker_class = "gthread"
threads = max(1, _int("GUNICORN_THREADS", 4))
workers = max(1, _int("WEB_CONCURRENCY", min(2 * _cores() + 1, _int("GUNICORN_MAX_WORKERS", 8))))

# A worker silent this long is killed and replaced; a stop or reload lets requests in flight
# finish for graceful_timeout (the systemd unit waits a little longer).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5

# Each worker imports the application itself: no database connection or Redis client opened
# before the fork is shared between processes, and a HUP reloads new code.
preload_app = False

# Gunicorn 25+ opens a control socket in $HOME by default; the service has no use for it.
control_socket_disable = True

# Workers are replaced after this many requests (with jitter, so not all at once): a slow leak
# never grows for weeks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Logs go to stdout/stderr, where journald (or the terminal of `make serve`) keeps them: the
# client's address (from nginx, see below), %(M)s the time in milliseconds, nginx's request id.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" %({x-request-id}i)s'
)

# nginx on this machine sets X-Forwarded-Proto (gunicorn then reports https) and
# X-Forwarded-For; requests from anywhere else keep their own address and scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def is_trusted(address: str, allowed: str) -> bool:
    """Whether ``address`` is one of ``allowed`` (gunicorn's syntax: addresses, networks, *)."""
    entries = [entry.strip() for entry in allowed.split(",") if entry.strip()]
    if "*" in entries:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # a Unix socket has no address
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in entries)


def from_trusted_proxy(app, allowed: str):
    """Wrap a WSGI app so that a request from a trusted proxy has the client's address (the
    last X-Forwarded-For entry, the one nginx sets) as ``REMOTE_ADDR``. Gunicorn itself only
    takes the scheme from the proxy; rate limits per address and the audit log need the
    client, not nginx."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    fixed = ProxyFix(app, x_for=1, x_proto=0, x_host=0)

    def application(environ, start_response):
        if is_trusted(environ.get("REMOTE_ADDR", ""), allowed):
            return fixed(environ, start_response)
        return app(environ, start_response)

    return application


def post_worker_init(worker):
    worker.wsgi = from_trusted_proxy(worker.wsgi, forwarded_allow_ips)


def child_exit(server, worker):
    """A worker is gone: drop its live gauges from PROMETHEUS_MULTIPROC_DIR, the directory the
    workers and the job worker share for /metrics (README, Monitoring)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    try:
        from prometheus_client import multiprocess
    except ImportError:
        return
    multiprocess.mark_process_dead(worker.pid)
