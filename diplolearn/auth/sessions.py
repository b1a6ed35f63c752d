"""Who is signed in: Flask-Login's user loader.

The session holds ``<user id>.<session epoch>``; a password change bumps the epoch, ending
every session opened before it, and a deactivated account is signed out on its next request.
"""

from __future__ import annotations

from diplolearn.extensions import db
from diplolearn.models import User


def load_user(session_id: str) -> User | None:
    user_id, _, epoch = session_id.partition(".")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch) or not user.is_active:
        return None
    return user
