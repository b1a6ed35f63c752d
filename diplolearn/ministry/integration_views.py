"""A ministry's integrations (``/ministry/<id>/integrations``): its API service tokens.

Coordinators of the ministry and administrators list its tokens (scopes, created, expires,
last used), create one (the raw value is shown once, on the answer to the creation, and
never stored) and revoke one. Audited in the service (services.integrations.tokens).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.ministry import bp
from diplolearn.ministry.integration_forms import NewTokenForm, RevokeTokenForm
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import ministry_or_404
from diplolearn.services.integrations import ALL_SCOPES, READ_SCOPES, tokens
from diplolearn.unit_of_work import unit_of_work

coordinators_and_administrators = role_required(Role.COORDINATOR, Role.ADMINISTRATOR)


def _page(ministry, form, raw=None, status=200):
    return render_template(
        "ministry/integrations.html",
        ministry=ministry,
        form=form,
        tokens=tokens.ministry_tokens(ministry.id),
        revoke_form=RevokeTokenForm(),
        raw=raw,
        coordinator=any(  # the coordinator's own menu; an administrator's way back otherwise
            g.role == Role.COORDINATOR and g.ministry_id == ministry.id for g in current_user.grants
        ),
    ), status


@bp.get("/<int:ministry_id>/integrations")
@coordinators_and_administrators
def show_integrations(ministry_id: int):
    ministry = ministry_or_404(current_user, ministry_id)
    return _page(ministry, NewTokenForm().offer(ALL_SCOPES, READ_SCOPES))


@bp.post("/<int:ministry_id>/integrations/tokens")
@coordinators_and_administrators
def create_ministry_token(ministry_id: int):
    ministry = ministry_or_404(current_user, ministry_id)
    form = NewTokenForm().offer(ALL_SCOPES)
    if not form.validate_on_submit():
        return _page(ministry, form, status=422)
    with unit_of_work(status=422) as work:
        _token, raw = tokens.create_token(
            name=form.name.data,
            by=current_user,
            ministry=ministry,
            scopes=form.scopes.data,
            lifetime_days=form.lifetime_days.data,
        )
    if work.refused:
        return _page(ministry, form, status=work.status)
    flash(_("The token is created. Copy it now: it will not be shown again."), "success")
    return _page(ministry, NewTokenForm(formdata=None).offer(ALL_SCOPES, READ_SCOPES), raw=raw)


@bp.post("/<int:ministry_id>/integrations/tokens/<int:token_id>/revoke")
@coordinators_and_administrators
def revoke_ministry_token(ministry_id: int, token_id: int):
    ministry = ministry_or_404(current_user, ministry_id)
    token = tokens.ministry_token(ministry.id, token_id)
    if token is None:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        with unit_of_work() as work:
            tokens.revoke(token, current_user)
        if work.done:
            flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("ministry.show_integrations", ministry_id=ministry.id))
