"""The training coordinator's area: their ministries' staff (list, add, edit, take off the
staff) and roster files. Every URL names the ministry; every lookup goes through
security.scoping, so another ministry's ids answer 404."""

from flask import Blueprint

bp = Blueprint("ministry", __name__)

from diplolearn.ministry import views  # noqa: E402,F401
