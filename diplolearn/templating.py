"""What every template can use: the page language and direction, formatting filters, the
language switcher, ``text_of`` (a text in the reader's language) and the labels of roles,
enrolment states and submission states."""

from __future__ import annotations

import datetime as dt

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from diplolearn import i18n, mail, names, static_files
from diplolearn.forms import hidden_fields, required_without_placeholder
from diplolearn.security.sanitize import bidi_text, render_markdown, render_post

ROLE_LABELS = {
    "administrator": _l("Administrator"),
    "coordinator": _l("Training coordinator"),
    "instructor": _l("Instructor"),
    "lead_instructor": _l("Lead instructor"),
    "tutor": _l("Tutor"),
}
ENROLMENT_STATE_LABELS = {
    "invited": _l("Invited"),
    "active": _l("In progress"),
    "completed": _l("Completed"),
    "withdrawn": _l("Withdrawn"),
    "deferred": _l("Deferred"),
    "waitlisted": _l("On the waiting list"),
}
SUBMISSION_STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for grading"),
    "returned": _l("Returned"),
}


def text_of(mapping: dict) -> str:
    """A per-language text in the reader's language, else English, Arabic, French."""
    return i18n.pick_text(mapping or {}, [i18n.current_language(), "en", "ar", "fr"])[0]


def iso_datetime(value: dt.datetime) -> str:
    """A ``<time datetime>`` value: ISO 8601 to the whole second (HTML allows at most three
    digits of fractional seconds)."""
    return value.replace(microsecond=0).isoformat()


def bdi(value) -> Markup:
    """Text from data (a name, a title, a staff id, a post) isolated from the text around it, so
    that "A-2001" in an Arabic sentence or an Arabic name in an English one keeps its order."""
    return Markup("<bdi>%s</bdi>") % ("" if value is None else value)


def register(app: Flask) -> None:
    static_files.init_app(app)  # static_url(): hashed URLs, cached for a year
    names.register(app)  # |name, |join_list, |sort_by_name: diplolearn/names.py
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["hidden_fields"] = hidden_fields
    app.jinja_env.globals["required_without_placeholder"] = required_without_placeholder
    app.jinja_env.filters.update(
        datetime=i18n.format_datetime,
        iso_datetime=iso_datetime,
        date=i18n.format_date,
        number=i18n.format_number,
        percent=i18n.format_percent,
        markdown=render_markdown,
        post=render_post,  # people's text: dir="auto" blocks, runs isolated (sanitize.py)
        bidi_text=bidi_text,  # people's plain text (an excerpt): runs isolated (sanitize.py)
        language_name=i18n.language_name,
        bdi=bdi,
    )
    mail.register(app)  # |isolate: data values in text mails between FSI and PDI

    @app.context_processor
    def _page_context():
        language = i18n.current_language()
        return {
            "page_lang": language,
            "page_dir": i18n.direction(language),
            "languages": i18n.supported_languages(),
            "language_name": i18n.language_name,
            "language_endonym": i18n.language_endonym,
            "direction": i18n.direction,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "viewer": current_user,
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "enrolment_state_label": lambda state: ENROLMENT_STATE_LABELS.get(state, state),
            "submission_state": lambda state: SUBMISSION_STATE_LABELS.get(state, state),
            "text_of": text_of,
        }
