"""An administrator sets up a ministry's own sign-in service (OpenID Connect, issue 21).

The form never shows a stored client secret: an empty secret field keeps it. Every change is
audited (services/sso/providers.py), without the secret. docs/sso.md has worked examples.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from diplolearn.admin import bp
from diplolearn.security.permissions import administrator_required
from diplolearn.security.scoping import ministry_or_404
from diplolearn.services.outbox import public_url
from diplolearn.services.sso import DomainTaken, SecretMissing, providers
from diplolearn.unit_of_work import say_refused, unit_of_work


class SsoProviderForm(FlaskForm):
    issuer = StringField(
        _l("Issuer URL"),
        validators=[DataRequired(), Length(max=500)],
        description=_l(
            "As the provider's discovery document names it, for example "
            "https://sso.mofa.example/realms/staff"
        ),
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    client_id = StringField(
        _l("Client ID"),
        validators=[DataRequired(), Length(max=255)],
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Stored encrypted. Leave empty to keep the secret already stored."),
        render_kw={"autocomplete": "new-password"},
    )
    client_secret_env = StringField(
        _l("Or: environment variable holding the client secret"),
        validators=[Optional(), Length(max=100)],
        description=_l("Its name, for example SSO_SECRET_MOFA. Then no secret is stored here."),
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    email_domains = TextAreaField(
        _l("Email domains it covers"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("One per line, for example mofa.gov.example"),
        render_kw={"dir": "ltr", "spellcheck": "false", "rows": 3},
    )
    staff_id_claim = StringField(
        _l("Claim carrying the staff ID"),
        validators=[Optional(), Length(max=100)],
        description=_l(
            "For example employee_number. Leave empty to recognise people by their verified "
            "email address only."
        ),
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    allow_jit = BooleanField(
        _l("Create an account for a person of this ministry on their first sign-in"),
    )
    mandatory = BooleanField(
        _l("Staff of this ministry must sign in through it (their passwords are refused)"),
    )
    is_enabled = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))

    def validate_issuer(self, field):
        if providers.issuer_problem((field.data or "").strip()):
            raise ValidationError(_l("Give an https address, without a query."))

    def validate_email_domains(self, field):
        domains = providers.parse_domains(field.data)
        if not domains or not all(providers.DOMAIN_RE.match(d) for d in domains):
            raise ValidationError(_l("Give domains such as mofa.gov.example, one per line."))

    def validate_client_secret_env(self, field):
        if field.data and not providers.ENV_NAME_RE.match(field.data.strip()):
            raise ValidationError(_l("Use capital letters, digits and underscores only."))

    def validate_staff_id_claim(self, field):
        if not providers.CLAIM_RE.match((field.data or "").strip()):
            raise ValidationError(_l("Use letters, digits and . _ : / - only."))


def _initial(provider) -> dict | None:
    if provider is None:
        return None
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret_env": provider.client_secret_env,
        "email_domains": "\n".join(provider.email_domains or []),
        "staff_id_claim": provider.staff_id_claim,
        "allow_jit": provider.allow_jit,
        "mandatory": provider.mandatory,
        "is_enabled": provider.is_enabled,
    }


@bp.route("/ministries/<int:ministry_id>/sso", methods=["GET", "POST"])
@administrator_required
def edit_sso(ministry_id: int):
    ministry = ministry_or_404(current_user, ministry_id)
    provider = providers.provider_of_ministry(ministry)
    form = SsoProviderForm(data=_initial(provider) if request.method == "GET" else None)
    if form.validate_on_submit():
        with unit_of_work(quiet=True, status=422) as work:
            providers.save_provider(
                ministry,
                issuer=form.issuer.data,
                client_id=form.client_id.data,
                client_secret=form.client_secret.data or "",
                client_secret_env=form.client_secret_env.data or "",
                email_domains=providers.parse_domains(form.email_domains.data),
                staff_id_claim=form.staff_id_claim.data or "",
                allow_jit=form.allow_jit.data,
                mandatory=form.mandatory.data,
                is_enabled=form.is_enabled.data,
                by=current_user,
            )
        if isinstance(work.error, DomainTaken):
            form.email_domains.errors.append(work.error.message)
        elif isinstance(work.error, SecretMissing):
            form.client_secret.errors.append(work.error.message)
        elif work.refused:
            say_refused(work.error)
        else:
            flash(_("The sign-in settings are saved."), "success")
            return redirect(url_for("admin.edit_sso", ministry_id=ministry.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/sso.html",
        form=form,
        ministry=ministry,
        provider=provider,
        redirect_uri=public_url("auth.sso_callback"),
        signed_out_uri=public_url("main.home"),
    ), status
