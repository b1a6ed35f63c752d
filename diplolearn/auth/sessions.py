"""Who is signed in: Flask-Login's user loader.

The session (and the remember cookie) holds ``<user id>.<session epoch>.<device session id>``.
A session ends when the person's epoch moves on (password changed, data erased), when its
device session ends (signed out from another device, second factor changed, suspension), or
when the account stops being active (deactivated, erased, suspended). The loader reads the
device and the person in one query; on a POST it also notes when the device was last seen,
at most every few minutes, for that request's unit of work to commit (a GET writes nothing).
"""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import user_logged_out

from diplolearn.models import User
from diplolearn.services.signin import devices
from diplolearn.unit_of_work import unit_of_work


def load_user(session_id: str) -> User | None:
    parts = (session_id or "").split(".")
    if len(parts) != 3 or not all(part.isdigit() and len(part) < 19 for part in parts):
        return None
    user_id, epoch, device_id = (int(part) for part in parts)
    device = devices.open_device(
        user_id, device_id, for_page=has_request_context() and request.method == "GET"
    )
    if device is None:
        return None
    user = device.user
    if user.session_epoch != epoch or not user.is_active:
        return None
    user.device_session_id = device.id
    if has_request_context() and request.method == "POST":
        devices.touch(device)
    return user


def _end_device_on_sign_out(_app, user, **_extra) -> None:
    """Signing out ends the device session (on POST only: a GET writes nothing)."""
    device_id = getattr(user, "device_session_id", None)
    if not device_id or not has_request_context() or request.method != "POST":
        return
    with unit_of_work():
        device = devices.own_open_device(user, device_id)
        if device is not None:
            devices.end(device, "signed_out")


user_logged_out.connect(_end_device_on_sign_out)
