"""The main blueprint."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from diplolearn.main import views  # noqa: E402,F401
