"""The auth blueprint."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from diplolearn.auth import device_views, sso_views, two_factor_views, views  # noqa: E402,F401
