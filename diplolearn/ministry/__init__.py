"""The training coordinator's area (``/ministry``), as one blueprint:

- ``views``: their ministries, and the way in (``choose_ministry``) when they coordinate several;
  a ministry's staff (list, add, edit, take off the staff) and roster files.
- ``nomination_views``: the ministry's seats in cohorts: nominate current staff, replace a
  nominee before the cohort starts, withdraw one. A coordinator sees only the enrolments their
  ministry sponsors, never who else is in the cohort.
- ``report_views``: the ministry's reports: staff × courses (completion, score, time on task,
  last activity), a cohort's summary, completions over time as a server-drawn SVG chart, and a
  CSV export that streams.
- ``integration_views``: the ministry's API tokens; ``delivery_views``: its learning record
  stores and webhooks, and every delivery made to them.

Every URL names the ministry; every lookup intersects it with the viewer's coordinator grants
(security.scoping), so another ministry's ids answer 404.
"""

from flask import Blueprint

bp = Blueprint("ministry", __name__)

from diplolearn.ministry import (  # noqa: E402,F401
    delivery_views,
    integration_views,
    nomination_views,
    report_views,
    suspension_views,
    views,
)
