"""A ministry's reports, for its training coordinators: staff × courses (completion, score,
time on task, last activity), a cohort's summary, completions over time as a server-drawn
SVG chart, and a CSV export that streams. Everything covers the enrolments the ministry
sponsored and loads through security.scoping: another ministry's id is a 404."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from diplolearn.reports import views  # noqa: E402,F401
