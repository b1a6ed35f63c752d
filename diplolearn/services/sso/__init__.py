"""Single sign-on through each ministry's OpenID Connect provider (issue 21, docs/sso.md).

- providers: an administrator's configuration of a ministry's provider, and which provider
  covers an email address;
- crypto: client secrets encrypted at rest with a key from the environment;
- oidc: the provider's metadata and keys (cached), the authorisation request (code flow with
  PKCE), the code exchange and the ID token's verification;
- people: who an ID token names (staff id or verified email), accounts created just in time
  where the ministry allows it, and codes that may not sign anyone in twice.

This domain's errors are declared here, at its top. Each carries the HTTP status of the page
that explains it (``status``): the sign-in callback answers with it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class SsoError(DomainError):
    """A sign-in through a ministry's provider that is refused; nothing is changed."""

    status = 400
    message = _l("The sign-in through your ministry could not be completed. Nothing was changed.")


class StateInvalid(SsoError):
    message = _l(
        "This sign-in answer is not the one DiploLearn was waiting for: it may be forged, "
        "or it was already used. Start again from the sign-in page."
    )


class CodeUsed(SsoError):
    message = _l(
        "This sign-in answer has already been used, or it has expired. Start again from "
        "the sign-in page."
    )


class ProviderRefused(SsoError):
    status = 403
    message = _l(
        "Your ministry's sign-in service did not sign you in. Start again from the sign-in "
        "page, or ask your ministry's IT service."
    )


class ProviderUnavailable(SsoError):
    status = 502
    message = _l(
        "Your ministry's sign-in service cannot be reached just now. Try again in a few minutes."
    )


class TokenInvalid(SsoError):
    message = _l(
        "Your ministry's sign-in service sent an answer that does not check out (its "
        "signature or its issuer is wrong). Nothing was changed; start again."
    )


class NonceMismatch(SsoError):
    message = _l(
        "This sign-in answer was made for another sign-in attempt. Start again from the "
        "sign-in page."
    )


class WrongAudience(SsoError):
    message = _l(
        "This sign-in answer was made for another application, not for DiploLearn. "
        "Start again from the sign-in page."
    )


class TokenExpired(SsoError):
    message = _l("This sign-in answer has expired. Start again from the sign-in page.")


class UnknownKey(SsoError):
    message = _l(
        "This sign-in answer is signed with a key your ministry's sign-in service does not "
        "publish. Nothing was changed; start again."
    )


class EmailUnverified(SsoError):
    status = 403
    message = _l(
        "Your ministry's sign-in service has not verified your email address, so DiploLearn "
        "cannot tell which account is yours. Ask your ministry's IT service."
    )


class DomainNotCovered(SsoError):
    status = 403
    message = _l(
        "Your email address is not one of the addresses this ministry's sign-in service "
        "covers. Sign in with your password, or ask your ministry's training coordinator."
    )


class UnknownPerson(SsoError):
    status = 403
    message = _l(
        "No DiploLearn account matches the person your ministry's sign-in service names. "
        "Ask your ministry's training coordinator to invite you."
    )


class SignInThroughMinistry(DomainError):
    """A password refused because the person's ministry makes its own sign-in mandatory."""

    message = _l(
        "Your ministry signs its staff in through its own sign-in service, so DiploLearn "
        "does not accept a password for this account. Leave the password empty and choose "
        '"Sign in": you will go to your ministry\'s sign-in page.'
    )


class ProviderSettingsInvalid(DomainError):
    message = _l("These sign-in settings cannot be saved. Correct the fields shown.")


class DomainTaken(DomainError):
    message = _l(
        "Another ministry's sign-in service already covers one of these email domains. "
        "Nothing was saved."
    )


class SecretMissing(DomainError):
    message = _l("Give the client secret, or the name of the environment variable that holds it.")
