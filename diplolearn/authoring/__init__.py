"""Authoring for instructors (``/author``): editing courses, modules and lessons on a draft,
publishing versions, moving cohorts between versions, corrections, history and copies.

A course's owners and co-authors (its INSTRUCTOR grant) and administrators edit it; every
other instructor reads and copies it; nobody else reaches these pages (403). Lookups go
through security.scoping (``authored_course_or_404``, ``readable_course_or_404``); the rules
live in services/authoring/authoring.py.
"""

from flask import Blueprint

bp = Blueprint("authoring", __name__)

from diplolearn.authoring import quiz_views, settings_views, views  # noqa: E402,F401
