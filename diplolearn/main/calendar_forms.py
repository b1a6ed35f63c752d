"""The calendar feed's buttons on the account page (each a POST form with its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CalendarFeedForm(FlaskForm):
    """Regenerate or revoke the feed: nothing but the CSRF token; the URL says which."""
