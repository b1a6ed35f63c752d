"""Error pages: every 4xx is a clear page in the user's language (or JSON for JSON clients),
and a 500 rolls the transaction back so nothing half-done is saved."""

from __future__ import annotations

from flask import Flask, jsonify, render_template
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
}
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


def register(app: Flask) -> None:
    from diplolearn.extensions import db

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

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _render(500)
