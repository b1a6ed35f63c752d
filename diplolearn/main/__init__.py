"""Public pages and one's own account: the home page (the signed-in dashboard), /healthz, the
language switcher, /account (preferences, password, one's personal data), and lesson images at
their public URLs."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from diplolearn.main import calendar_views, data_views, media_views, notification_views, views  # noqa: E402,F401
