"""Certificates: issuing, revoking and verifying (certificates), the PDF
(certificate_pdf), and the Open Badges credential (open_badges).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class NotCompleted(DomainError):
    """A certificate was asked for an enrolment whose course is not completed."""

    message = _l(
        "A certificate is issued only when the course is completed, and this "
        "enrolment is not. Nothing was issued."
    )


class CertificateNotCurrent(DomainError):
    message = _l(
        "This certificate has already been revoked or replaced, so it cannot be "
        "changed. Nothing was changed."
    )


class SigningKeyMissing(DomainError):
    message = _l(
        "Digital credentials cannot be issued at the moment because no signing key "
        "is configured. Please tell the platform's administrators."
    )


class InvalidCredential(DomainError):
    """A credential whose signature, issuer or contents do not check out."""

    message = _l("This credential is not genuine: its signature does not match its contents.")
