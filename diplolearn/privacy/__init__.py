"""Personal data: a person downloads everything DiploLearn holds about them (/account/data);
an administrator downloads a person's data for them, or erases the person, which pseudonymises
them while certificates and the audit trail stay valid. Every download and erasure is in the
audit log."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from diplolearn.privacy import views  # noqa: E402,F401
