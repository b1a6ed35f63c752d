"""Signing in safely (issue 21): the second factor (two_factor), the signed-in devices
(devices) and suspended accounts (suspension).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class AccountSuspended(DomainError):
    message = _l(
        "This account is suspended, so it cannot sign in. Ask your ministry's training "
        "coordinator or the platform's administrators."
    )


class WrongCode(DomainError):
    message = _l("That code is not right. Check the app and type the six digits shown now.")


class CodeAlreadyUsed(DomainError):
    message = _l("That code has just been used. Wait for the next code in your app.")


class TwoFactorAlreadyOn(DomainError):
    message = _l("Two-step sign-in is already on for your account.")


class TwoFactorNotOn(DomainError):
    message = _l("Two-step sign-in is not on for your account.")


class TwoFactorRequired(DomainError):
    message = _l("Your role requires two-step sign-in, so it cannot be turned off.")


class WrongPasswordOrCode(DomainError):
    message = _l("Neither your password nor a current code was right. Nothing was changed.")


class AlreadySuspended(DomainError):
    message = _l("This account is already suspended. Nothing was changed.")


class NotSuspended(DomainError):
    message = _l("This account is not suspended. Nothing was changed.")


class CannotSuspendSelf(DomainError):
    message = _l("You cannot suspend your own account.")


class SuspensionNotAllowed(DomainError):
    message = _l(
        "This person is a platform administrator, so only another administrator can suspend "
        "or reactivate them."
    )
