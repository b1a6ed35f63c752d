"""Signing in through a ministry's OpenID Connect provider (issue 21, docs/sso.md).

The sign-in form sends an address of an SSO ministry, submitted without a password, to
``begin``: a fresh state, nonce and PKCE verifier go into the signed session, and the browser
to the provider. The provider sends it back to ``sso_callback`` (a GET, as OpenID Connect
has it), which checks the state, exchanges the code, verifies the ID token, finds the person
and hands over to ``finish_sign_in`` (auth/signin.py), which every sign-in route ends in.
Any refusal is a page in the person's language with a 4xx (502 if the provider is
unreachable), and nothing is changed.

Browsers apply the Content-Security-Policy's ``form-action`` to the redirects that follow a
form, so the sign-in page allows the providers' origins there, and so does every page of a
person signed in through a provider (its sign-out form leads to the provider's sign-out).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, render_template, request, session
from flask_login import current_user

from diplolearn.auth import bp
from diplolearn.auth.signin import finish_sign_in
from diplolearn.extensions import limiter
from diplolearn.models import SsoProvider
from diplolearn.security.headers import CONTENT_SECURITY_POLICY
from diplolearn.services.outbox import public_url
from diplolearn.services.sso import ProviderRefused, SsoError, StateInvalid, oidc, people, providers
from diplolearn.unit_of_work import unit_of_work, write_lock

PENDING = "sso_pending"
SIGNED_IN_WITH = "sso_provider"
SIGN_OUT_ORIGIN = "sso_origin"


def _problem(error: SsoError):
    return render_template("auth/sso_problem.html", message=error.message), error.status


def begin(
    provider: SsoProvider, *, login_hint: str = "", next_url: str = "", remember: bool = False
):
    """Send the browser to the provider's sign-in page."""
    try:
        start = oidc.authorisation(provider, public_url("auth.sso_callback"), login_hint)
    except SsoError as error:
        return _problem(error)
    session[PENDING] = {
        "provider": provider.id,
        "state": start.state,
        "nonce": start.nonce,
        "verifier": start.verifier,
        "next": next_url or "",
        "remember": bool(remember),
    }
    return redirect(start.url, code=303)


@bp.get("/sso/callback")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    deduct_when=lambda response: response.status_code >= 400,
    scope="sso-callback",
)
def sso_callback():
    pending = session.pop(PENDING, None)
    state = request.args.get("state", "")
    if (
        not isinstance(pending, dict)
        or not state
        or not hmac.compare_digest(state.encode(), str(pending.get("state", "")).encode())
    ):
        return _problem(StateInvalid())
    code = request.args.get("code", "")
    if request.args.get("error") or not code or len(code) > 4096:
        return _problem(ProviderRefused())
    provider = providers.provider_by_id(pending.get("provider") or 0)
    if provider is None or not provider.is_enabled or not provider.ministry.is_active:
        return _problem(StateInvalid())
    try:
        people.check_code_unused(code)
        tokens = oidc.exchange_code(
            provider, code, public_url("auth.sso_callback"), pending["verifier"]
        )
        claims = oidc.verify_id_token(provider, tokens["id_token"], pending["nonce"])
    except SsoError as error:
        return _problem(error)
    # A GET that writes (the used code, maybe a new account): the reads end here, and the
    # write takes the database's write lock at once, as every POST's does.
    provider_id = provider.id
    sign_out_origin = _origin(oidc.cached_metadata(provider) or {}, "end_session_endpoint")
    people.end_reads()
    with write_lock(), unit_of_work(quiet=True) as work:
        provider = providers.provider_by_id(provider_id)
        people.record_code(provider, code)
        user = people.person_for(provider, claims)
    if work.refused:
        error = work.error
        return _problem(error if isinstance(error, SsoError) else SsoError(error.message))
    session[SIGNED_IN_WITH] = provider_id
    if sign_out_origin:
        session[SIGN_OUT_ORIGIN] = sign_out_origin
    with write_lock():  # whatever finish_sign_in writes, it begins with the write lock
        return finish_sign_in(
            user,
            method="sso",
            second_factor=people.reports_second_factor(claims),
            remember=bool(pending.get("remember")),
            next_url=pending.get("next", ""),
        )


def provider_sign_out_url() -> str | None:
    """The provider's sign-out page for a person signed in through it (None otherwise); the
    session forgets the provider either way. Call before ``logout_user``."""
    provider_id = session.pop(SIGNED_IN_WITH, None)
    session.pop(SIGN_OUT_ORIGIN, None)
    if not provider_id or not current_user.is_authenticated:
        return None
    provider = providers.provider_by_id(provider_id)
    if provider is None:
        return None
    return oidc.end_session_url(provider, public_url("main.home"))


def _origin(meta: dict, key: str) -> str:
    parts = urlsplit(str(meta.get(key) or ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _form_origins() -> list[str]:
    if request.endpoint in ("auth.login", "auth.sign_in"):
        origins = set()
        for provider in providers.enabled_providers_if_reachable():
            origins.add(_origin({"issuer": provider.issuer}, "issuer"))
            origins.add(_origin(oidc.cached_metadata(provider) or {}, "authorization_endpoint"))
        return sorted(o for o in origins if o)
    origin = session.get(SIGN_OUT_ORIGIN)
    return [origin] if isinstance(origin, str) and current_user.is_authenticated else []


@bp.after_app_request
def _allow_provider_forms(response: Response) -> Response:
    """Let the sign-in and sign-out forms lead to the provider (see the module's docstring)."""
    if response.mimetype != "text/html" or response.status_code >= 500:
        return response  # an error page (the database may be down): no form leads anywhere
    current = response.headers.get("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if current != CONTENT_SECURITY_POLICY:
        return response
    origins = _form_origins()
    if origins:
        response.headers["Content-Security-Policy"] = current.replace(
            "form-action 'self'", "form-action 'self' " + " ".join(origins)
        )
    return response


@bp.app_template_global()
def sso_domains() -> str:
    """The email domains of SSO ministries, for the sign-in form's script (static/sso-login.js)."""
    return " ".join(providers.covered_domains())
