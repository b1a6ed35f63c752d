"""Error pages: every 4xx is a clear page in the user's language (or JSON for JSON clients),
and a 500 rolls the transaction back so nothing half-done is saved.

A database that is down, hung or out of connections (``database_unavailable``) gives a 503
"temporarily unavailable" page with Retry-After instead. That page never touches the database:
the request is treated as anonymous from then on (loading who is signed in needs the database),
so the page, the language choice and every after-request hook render without it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, g, jsonify, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from diplolearn.security.permissions import wants_json

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Nothing was changed.")),
    401: (_l("Sign-in needed"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("Your account does not give access to this page.")),
    404: (_l("Page not found"), _l("There is no page at this address, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than DiploLearn accepts. Nothing was changed."),
    ),
    429: (
        _l("Too many attempts"),
        _l("There have been too many failed attempts. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. Nothing was changed; please try again."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "DiploLearn cannot reach its database at the moment. Nothing was changed; "
            "please try again in a few minutes."
        ),
    ),
}
RETRY_AFTER_SECONDS = 30
CSRF_MESSAGE = _l(
    "This form had expired or was sent from elsewhere. Nothing was changed: "
    "go back, reload the page and send it again."
)


def _render(status: int, message=None):
    title, default = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    message = message or default
    if wants_json():
        return jsonify(error=str(title), message=str(message)), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def database_unavailable(error: BaseException) -> bool:
    """Whether an error means the database cannot be used just now (down, hung, a statement
    timed out, no pooled connection free), rather than a fault in what was asked of it."""
    return isinstance(
        error, (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
    ) or (isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated)


def register(app: Flask) -> None:
    from diplolearn.extensions import db, login_manager

    def roll_back() -> None:
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:  # the connection is gone: nothing to undo there
            app.logger.warning("Rollback failed after a database error", exc_info=True)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            db.session.rollback()
        response = _render(error.code)
        if error.code == 405 and error.valid_methods:
            return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(sa.exc.SQLAlchemyError)
    def _database(error: sa.exc.SQLAlchemyError):
        if not database_unavailable(error):
            return _unexpected(error)
        roll_back()
        app.logger.error("Database unavailable: %s", error)
        # Flask-Login keeps the request's user in g._login_user: anonymous from here on, so
        # that nothing (the page's menu, the language choice, logging) loads them again.
        g._login_user = login_manager.anonymous_user()
        body, status = _render(503)
        return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        roll_back()
        app.logger.exception("Unhandled error")
        return _render(500)
