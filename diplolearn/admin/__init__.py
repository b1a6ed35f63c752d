"""The admin blueprint."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from diplolearn.admin import views  # noqa: E402,F401
