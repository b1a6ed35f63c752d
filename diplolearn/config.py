"""Settings, read from the environment once, when the app is created.

Development needs no set-up at all: the database is a SQLite file in the instance folder and the
secret key is generated once into that folder. Production refuses to start without SECRET_KEY.
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not describe a runnable application."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret_key(instance_path: str) -> str:
    """Read the development secret key, creating it on first use.

    Kept in the instance folder so that sessions survive restarts and are shared by several
    workers started from the same checkout. The file is created atomically (O_EXCL) so that two
    workers starting together agree on one key.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the configuration mapping for create_app from the environment and overrides."""
    env = os.environ
    overrides = dict(overrides or {})
    environment = overrides.get("ENV", env.get("DIPLOLEARN_ENV", "development"))
    production = environment == "production"

    database_url = env.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "diplolearn.sqlite3")
    )
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set in production (DIPLOLEARN_ENV=production).")
        secret_key = _instance_secret_key(instance_path)

    redis_url = env.get("REDIS_URL", "")
    config = {
        "ENV": environment,
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Timeouts, in seconds, so that a database that is down or hung gives a 503 within
        # seconds (errors.py), not a request that never ends. The statement limit applies to
        # web requests; commands and jobs (backups, imports, the job worker) have their own,
        # none by default (0). See engine_options and database.configure.
        "DATABASE_CONNECT_TIMEOUT": float(env.get("DATABASE_CONNECT_TIMEOUT", 5)),
        "DATABASE_POOL_TIMEOUT": float(env.get("DATABASE_POOL_TIMEOUT", 10)),
        "DATABASE_STATEMENT_TIMEOUT": float(env.get("DATABASE_STATEMENT_TIMEOUT", 15)),
        "DATABASE_JOB_STATEMENT_TIMEOUT": float(env.get("DATABASE_JOB_STATEMENT_TIMEOUT", 0)),
        # PostgreSQL connections kept open per process, and how many more it may open at a peak.
        "DATABASE_PING_AFTER_IDLE": float(env.get("DATABASE_PING_AFTER_IDLE", 10)),
        "DATABASE_POOL_SIZE": int(env.get("DATABASE_POOL_SIZE", 5)),
        "DATABASE_MAX_OVERFLOW": int(env.get("DATABASE_MAX_OVERFLOW", 5)),
        "STORAGE_ROOT": env.get("STORAGE_ROOT") or str(Path(instance_path) / "storage"),
        # Behind nginx (deploy/nginx/diplolearn.conf), e.g. "/protected/": stored files are sent
        # by nginx through X-Accel-Redirect after the view's permission check (storage.serve_stored).
        "X_ACCEL_REDIRECT_PREFIX": env.get("X_ACCEL_REDIRECT_PREFIX", ""),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or _bool(env.get("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production or _bool(env.get("SESSION_COOKIE_SECURE")),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # Requests larger than this get a 413 page; CSV rosters and course files fit well within.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)),
        # Written assignment uploads (.docx or PDF); kept below MAX_CONTENT_LENGTH so that a
        # file over it gets the assignment page's own message.
        "ASSIGNMENT_MAX_FILE_BYTES": int(env.get("ASSIGNMENT_MAX_FILE_BYTES", 5 * 1024 * 1024)),
        # What a .docx may unpack to (against zip bombs; services/assessment/submission_files.py).
        "ASSIGNMENT_MAX_UNCOMPRESSED": int(
            env.get("ASSIGNMENT_MAX_UNCOMPRESSED", 50 * 1024 * 1024)
        ),
        # Course folders uploaded as zips (services/catalogue/coursefiles.py) and lesson images
        # (services/catalogue/images.py); both below MAX_CONTENT_LENGTH so they get their own message.
        "COURSE_ZIP_MAX_BYTES": int(env.get("COURSE_ZIP_MAX_BYTES", 6 * 1024 * 1024)),
        "COURSE_ZIP_MAX_FILES": int(env.get("COURSE_ZIP_MAX_FILES", 2000)),
        "COURSE_ZIP_MAX_UNCOMPRESSED": int(
            env.get("COURSE_ZIP_MAX_UNCOMPRESSED", 64 * 1024 * 1024)
        ),
        "IMAGE_MAX_BYTES": int(env.get("IMAGE_MAX_BYTES", 5 * 1024 * 1024)),
        "IMAGE_MAX_PIXELS": int(env.get("IMAGE_MAX_PIXELS", 24_000_000)),
        "IMAGE_MAX_SIDE": int(env.get("IMAGE_MAX_SIDE", 8000)),
        # A staff roster CSV (5,000 rows are about 600 KB).
        "ROSTER_MAX_BYTES": int(env.get("ROSTER_MAX_BYTES", 2 * 1024 * 1024)),
        # CSRF on every state-changing request (Flask-WTF's CSRFProtect covers every POST).
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 8,
        # Languages
        "LANGUAGES": ("ar", "en", "fr"),
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LANGUAGE", "en"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "DEFAULT_TIMEZONE": env.get("DEFAULT_TIMEZONE", "UTC"),
        # Rate limits: failed logins (see auth.views) and certificate verification (verify).
        # Redis shares them between workers.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes"),
        "REDIS_URL": redis_url,
        # Certificates: the Ed25519 key that signs Open Badges credentials (PEM or base64;
        # development generates one into the instance folder, production refuses to sign
        # without it) and the public verification page's rate limit per address.
        "CERTIFICATE_SIGNING_KEY": env.get("CERTIFICATE_SIGNING_KEY", ""),
        "CERTIFICATE_ISSUER_NAME": env.get("CERTIFICATE_ISSUER_NAME", "DiploLearn"),
        "VERIFY_LIMIT_PER_ADDRESS": env.get("VERIFY_LIMIT_PER_ADDRESS", "30 per minute"),
        # The REST API (issue 17): requests per token, and the largest request body it reads.
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        "API_MAX_BODY_BYTES": int(env.get("API_MAX_BODY_BYTES", 64 * 1024)),
        # Tokens
        "INVITATION_TTL_HOURS": int(env.get("INVITATION_TTL_HOURS", 24 * 14)),
        "PASSWORD_RESET_TTL_HOURS": int(env.get("PASSWORD_RESET_TTL_HOURS", 2)),
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        "PASSWORD_MIN_LENGTH": 10,
        # Two-step sign-in (issue 21): required of administrators and coordinators when on (the
        # default in production; off in development so the demo accounts sign in with
        # passwords). TOTP secrets are encrypted with a key derived from TWO_FACTOR_KEY, or
        # from SECRET_KEY when it is not set.
        "REQUIRE_TWO_FACTOR": _bool(env.get("REQUIRE_TWO_FACTOR"), production),
        "TWO_FACTOR_KEY": env.get("TWO_FACTOR_KEY", ""),
        "TWO_FACTOR_ISSUER": env.get("TWO_FACTOR_ISSUER", "DiploLearn"),
        # Mail: "console" prints, "folder" writes .eml files, "smtp" sends.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "folder"),
        "MAIL_FOLDER": env.get("MAIL_FOLDER") or str(Path(instance_path) / "outbox"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": env.get(
            "MAIL_DEFAULT_SENDER", "DiploLearn <no-reply@diplolearn.test>"
        ),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", 5)),
        # Observability: JSON log lines in production (text, readable, in development); the
        # bearer token of /metrics (none: the endpoint answers 404). diplolearn/observability.
        "LOG_FORMAT": env.get("LOG_FORMAT", "json" if production else "text"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        # Single sign-on (issue 21, docs/sso.md): the Fernet key that encrypts client secrets
        # stored in the database (empty: one derived from SECRET_KEY), how long to wait for a
        # provider, how long its keys (JWKS) and metadata are cached, and the clock skew
        # allowed on an ID token's times.
        "SSO_SECRET_KEY": env.get("SSO_SECRET_KEY", ""),
        "SSO_HTTP_TIMEOUT": float(env.get("SSO_HTTP_TIMEOUT", 10)),
        "SSO_CACHE_SECONDS": int(env.get("SSO_CACHE_SECONDS", 3600)),
        "SSO_CLOCK_SKEW_SECONDS": int(env.get("SSO_CLOCK_SKEW_SECONDS", 60)),
        # The sign-in page is kept rendered per worker (diplolearn/page_cache.py); a provider
        # enabled or changed shows on it within this many seconds on every worker (at once on
        # the worker that saved it). 0: read on every visit.
        "SIGN_IN_PAGE_FRESH_SECONDS": float(env.get("SIGN_IN_PAGE_FRESH_SECONDS", 10)),
        # A learner's dashboard, outline, lesson and attempt pages are kept rendered per person
        # by each worker while nothing they show has changed (services/page_versions.py), for
        # at most this many seconds (what moves with the clock alone: "due in 2 hours"); 0:
        # never kept. PAGE_CACHE_MAX_CHARS bounds each worker's kept pages (about that many
        # bytes for Latin text, up to twice for Arabic).
        "PAGE_CACHE_SECONDS": float(env.get("PAGE_CACHE_SECONDS", 30)),
        "PAGE_CACHE_MAX_CHARS": int(env.get("PAGE_CACHE_MAX_CHARS", 32_000_000)),
        # Learning records and webhooks (issue 17, services/outbound): the site-wide learning
        # record store that receives every learner's xAPI statements (empty: none; ministries
        # add their own on their integration page), how long to wait for a far end, how many
        # attempts before a delivery is given up, and whether plain http:// is accepted for an
        # endpoint (never in production: credentials and signatures travel with it).
        "LRS_ENDPOINT": env.get("LRS_ENDPOINT", ""),
        "LRS_USERNAME": env.get("LRS_USERNAME", ""),
        "LRS_PASSWORD": env.get("LRS_PASSWORD", ""),
        "LRS_SHARE_EMAIL": _bool(env.get("LRS_SHARE_EMAIL")),
        "OUTBOUND_TIMEOUT": float(env.get("OUTBOUND_TIMEOUT", 10)),
        "OUTBOUND_MAX_ATTEMPTS": int(env.get("OUTBOUND_MAX_ATTEMPTS", 8)),
        "OUTBOUND_ALLOW_HTTP": not production and not _bool(env.get("OUTBOUND_HTTPS_ONLY")),
    }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        config["SQLALCHEMY_DATABASE_URI"] = config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
    return config


def engine_options(config: dict) -> dict:
    """SQLAlchemy's engine options for the configured database: a ping before reusing a pooled
    connection, and bounded waits for a connection (from the server, and from the pool).

    The statement timeout is not set here but per checkout (database.configure), because it
    differs between requests and commands; setting it through psycopg's ``options`` would also
    replace any ``options`` (such as a search_path) given in the URL.
    """
    url = config["SQLALCHEMY_DATABASE_URI"]
    options: dict = {}
    if url.startswith("postgresql"):
        # A server restart leaves pooled connections dead: a connection that sat idle is
        # pinged before reuse (database.configure_postgresql), not every one on every request.
        if "connect_timeout=" not in url:
            # libpq counts whole seconds (psycopg waits at least 2).
            timeout = max(1, math.ceil(config["DATABASE_CONNECT_TIMEOUT"]))
            options["connect_args"] = {"connect_timeout": timeout}
        options["pool_timeout"] = config["DATABASE_POOL_TIMEOUT"]
        # Per process: a gunicorn worker serves at most GUNICORN_THREADS requests at once (4),
        # plus the job worker's own; connections older than half an hour are replaced, so a
        # server-side idle timeout or a failover never hands a request a dead one.
        options["pool_size"] = config["DATABASE_POOL_SIZE"]
        options["max_overflow"] = config["DATABASE_MAX_OVERFLOW"]
        options["pool_recycle"] = 1800
    elif url.startswith("sqlite") and ":memory:" not in url and url.rstrip("/") != "sqlite:":
        # A SQLite file: its busy timeout (database.configure) bounds waiting for a lock; an
        # in-memory database has a single connection and no pool to wait for.
        options["pool_timeout"] = config["DATABASE_POOL_TIMEOUT"]
    return options
