"""An instructor's personal API tokens (``/teach/api-tokens``), for their own cohorts.

A personal token reads what its instructor sees of the cohorts they teach (cohorts, progress,
certificates, the catalogue: ``PERSONAL_SCOPES``), never their other roles' powers, and stops
working when the person is no longer active (services.integrations.tokens). Instructors and
lead instructors only; each sees and revokes their own tokens.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.ministry.integration_forms import NewTokenForm, RevokeTokenForm
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.services.integrations import PERSONAL_SCOPES, tokens
from diplolearn.teach import bp
from diplolearn.unit_of_work import unit_of_work

instructors_only = role_required(Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR)


def _page(form, raw=None, status=200):
    return render_template(
        "teach/api_tokens.html",
        form=form,
        tokens=tokens.personal_tokens(current_user),
        revoke_form=RevokeTokenForm(),
        raw=raw,
    ), status


@bp.get("/api-tokens")
@instructors_only
def list_api_tokens():
    return _page(NewTokenForm().offer(PERSONAL_SCOPES, PERSONAL_SCOPES))


@bp.post("/api-tokens")
@instructors_only
def create_api_token():
    form = NewTokenForm().offer(PERSONAL_SCOPES)
    if not form.validate_on_submit():
        return _page(form, status=422)
    with unit_of_work(status=422) as work:
        _token, raw = tokens.create_token(
            name=form.name.data,
            by=current_user,
            user=current_user,
            scopes=form.scopes.data,
            lifetime_days=form.lifetime_days.data,
        )
    if work.refused:
        return _page(form, status=work.status)
    flash(_("The token is created. Copy it now: it will not be shown again."), "success")
    return _page(NewTokenForm(formdata=None).offer(PERSONAL_SCOPES, PERSONAL_SCOPES), raw=raw)


@bp.post("/api-tokens/<int:token_id>/revoke")
@instructors_only
def revoke_api_token(token_id: int):
    token = tokens.personal_token(current_user, token_id)
    if token is None:
        abort(404)
    if RevokeTokenForm().validate_on_submit():
        with unit_of_work() as work:
            tokens.revoke(token, current_user)
        if work.done:
            flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("teach.list_api_tokens"))
