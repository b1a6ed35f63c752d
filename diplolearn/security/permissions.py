"""Role gates (may this kind of user reach this view at all?) kept apart from object checks
(may this user act on this object?), after Redash's permissions module.

Browsers that are not signed in are sent to the login page; JSON clients get 401. Signed-in
users without the role get 403.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

from diplolearn.models import Role


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def unauthenticated_response():
    if wants_json():
        response = jsonify(error="authentication required")
        response.status_code = 401
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthenticated_response()
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: Role):
    """Allow users holding any grant of one of ``roles`` (in any scope)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return unauthenticated_response()
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


administrator_required = role_required(Role.ADMINISTRATOR)
