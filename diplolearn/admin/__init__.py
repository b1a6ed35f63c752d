"""The administrator's area (``/admin``): people (invite, roles, ministry, invitations), their
personal data (download for them, erase), ministries, and the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from diplolearn.admin import (  # noqa: E402,F401
    privacy_views,
    sso_views,
    suspension_views,
    views,
)
