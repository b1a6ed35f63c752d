"""Integrations: how a ministry's own systems talk to DiploLearn (issue 17).

- tokens: API tokens (ministry service tokens and instructors' personal tokens): creation,
  revocation, authentication, last use, and the viewer each one acts as in the scoping loaders;
- idempotency: POST and PUT requests carrying an ``Idempotency-Key``;
- problems: RFC 9457 problem documents, in the caller's language;
- staff, records: what the API reads and writes, through the same services and scoping
  loaders as the web pages, as JSON.

The scopes a token may carry, and this domain's errors, are declared here, at its top.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError

READ_SCOPES = (
    "catalogue:read",
    "certificates:read",
    "cohorts:read",
    "nominations:read",
    "progress:read",
    "staff:read",
)
WRITE_SCOPES = ("nominations:write", "staff:write")
ALL_SCOPES = tuple(sorted(READ_SCOPES + WRITE_SCOPES))
# A personal token reads what its instructor sees of the cohorts they teach, nothing more.
PERSONAL_SCOPES = ("catalogue:read", "certificates:read", "cohorts:read", "progress:read")
SCOPE_LABELS = {
    "catalogue:read": _l("Read the course catalogue"),
    "certificates:read": _l("Read certificates"),
    "cohorts:read": _l("Read cohorts and seats"),
    "nominations:read": _l("Read nominations"),
    "nominations:write": _l("Nominate and withdraw staff"),
    "progress:read": _l("Read progress and completion"),
    "staff:read": _l("Read staff"),
    "staff:write": _l("Add, update and remove staff"),
}


class TokenRefused(DomainError):
    message = _l("The token could not be created. Nothing was changed.")


class TokenNameMissing(TokenRefused):
    message = _l("Give the token a name (at most 100 characters), such as the system that uses it.")


class UnknownScope(TokenRefused):
    message = _l("One of the scopes asked for does not exist. Nothing was changed.")


class ScopeNotAllowed(TokenRefused):
    message = _l("A personal token can only read. Nothing was changed.")


class TokenLifetimeInvalid(TokenRefused):
    message = _l("A token lasts between 1 and 730 days.")


class TokenAlreadyRevoked(DomainError):
    message = _l("This token was already revoked. Nothing was changed.")


class ApiInputInvalid(DomainError):
    """A request body the API cannot accept; ``problems`` names each field."""

    message = _l("The request body is not valid. Nothing was changed.")

    def __init__(self, problems: dict[str, str] | None = None, message=None):
        super().__init__(message)
        self.problems = problems or {}


class IdempotencyKeyReused(DomainError):
    message = _l(
        "This Idempotency-Key was already used with a different request. Nothing was changed: "
        "use a new key for a new request."
    )


class IdempotencyKeyInFlight(DomainError):
    message = _l(
        "Another request with this Idempotency-Key was being processed at the same time. "
        "Nothing was changed by this one: send it again to get the first one's answer."
    )
