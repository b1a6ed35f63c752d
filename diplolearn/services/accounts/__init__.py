"""Accounts: sign-in, invitations and passwords (accounts), the people a viewer may
see and change (people), and a person's own data: export and erasure (personal_data).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class InvalidCredentials(DomainError):
    message = _l("The email or password is not right. Check both and try again.")


class AccountInactive(DomainError):
    message = _l("This account is not active. Ask your ministry's training coordinator.")


class EmailTaken(DomainError):
    message = _l("Someone is already registered with this email address.")


class WeakPassword(DomainError):
    message = _l("Choose a longer password.")


class RegisteredElsewhere(DomainError):
    """Worded so that it never says which ministry the person belongs to."""

    message = _l(
        "This person is already registered on DiploLearn with another organisation, "
        "so they cannot be added here. If they now work for your ministry, ask the "
        "platform's administrators to move them."
    )


class AlreadyStaff(DomainError):
    message = _l("This person is already on your ministry's staff.")


class SameMinistry(DomainError):
    message = _l("This person already works for this ministry. Nothing was changed.")


class StaffIdTaken(DomainError):
    message = _l("Another current member of your ministry's staff has this staff ID.")


class EmailChangeRefused(DomainError):
    message = _l(
        "This person holds a role on DiploLearn (such as coordinator or instructor), "
        "so only the platform's administrators can change their email address."
    )


class AlreadyErased(DomainError):
    message = _l("This person's personal data has already been erased. Nothing was changed.")


class TokenProblem(DomainError):
    """A mailed link that cannot be used (invalid, expired or already used)."""


class TokenInvalid(TokenProblem):
    message = _l("This link is not valid. Check that you opened the whole link from the email.")


class TokenExpired(TokenProblem):
    message = _l("This link has expired. Ask for a new one below.")


class TokenUsed(TokenProblem):
    message = _l("This link has already been used. You can sign in, or ask for a new link.")


class ConfirmationMismatch(DomainError):
    message = _l(
        "The email address typed does not match this person's, so nothing was "
        "erased. Type it exactly as shown."
    )
