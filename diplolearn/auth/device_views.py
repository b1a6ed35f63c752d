"""Signed-in devices: sign one out, or every one but this.

A device id that is not one of the person's own open devices answers 404 (nothing changes).
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from diplolearn.auth import bp
from diplolearn.auth.signin_forms import SignOutDeviceForm, SignOutOthersForm
from diplolearn.services import audit
from diplolearn.services.signin import devices
from diplolearn.unit_of_work import unit_of_work


@bp.post("/account/devices/<int:device_id>/sign-out")
@login_required
def sign_out_device(device_id: int):
    if not SignOutDeviceForm().validate_on_submit():
        abort(400)
    device = devices.own_open_device(current_user, device_id)
    if device is None:
        abort(404)
    current = current_user.device_session_id
    with unit_of_work():
        devices.sign_out(current_user, device, current=current)
    if device_id == current:
        logout_user()
        flash(_("You have signed out."), "info")
        return redirect(url_for("main.home"))
    flash(_("That device is signed out."), "success")
    return redirect(url_for("main.account", _anchor="devices-heading"))


@bp.post("/account/devices/sign-out-others")
@login_required
def sign_out_other_devices():
    if not SignOutOthersForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        ended = devices.end_others(
            current_user, keep=current_user.device_session_id, reason="signed_out_elsewhere"
        )
        audit.record(current_user, "user.device_sign_out_others", subject=current_user, count=ended)
    flash(_("You have been signed out everywhere else."), "success")
    return redirect(url_for("main.account", _anchor="devices-heading"))
