"""Form helpers shared by every blueprint."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from babel import support
from flask import Flask, request
from flask_babel import get_locale
from markupsafe import Markup
from wtforms import SelectMultipleField
from wtforms.i18n import messages_path
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths are followed after sign-in or a language change (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    return target


def client_address() -> str:
    return request.remote_addr or "unknown"


def hidden_fields(form) -> Markup:
    """The hidden inputs of a form (its CSRF token among them), like ``form.hidden_tag()`` but
    without ids: no label points at a hidden input, and a page holding several forms would
    otherwise repeat ``id="csrf_token"``."""
    return Markup(
        "\n".join(str(field(id=False)) for field in form if isinstance(field.widget, HiddenInput))
    )


def required_without_placeholder(field) -> bool:
    """A required single select whose first option is a real choice: HTML forbids
    ``required`` there (the first option is always selected, so the constraint means nothing);
    the field macro says "required" with ``aria-required`` instead."""
    if field.type != "SelectField" or not field.flags.required:
        return False
    first = next(iter(field.iter_choices()), None)
    return first is not None and first[0] not in ("", None)


class CheckboxesField(SelectMultipleField):
    """A choice of several, as a list of checkboxes (templates render it in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@cache
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _FormTranslations:
    """WTForms' own messages ("Not a valid choice") in the page's language, from catalogues
    read once per process. Flask-WTF would read the catalogue file again on every request that
    builds a form (a fifth of a sign-in page's time); it takes this object from the request."""

    def ugettext(self, text: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(text)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


FORM_TRANSLATIONS = _FormTranslations()


def register(app: Flask) -> None:
    @app.before_request
    def _form_translations() -> None:
        request.wtforms_translations = FORM_TRANSLATIONS
