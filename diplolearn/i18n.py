"""Languages, directions, time zones, and how numbers and dates are written.

Two separate choices per person, each with a fallback order:

- the *interface* language (menus, messages, mail): ``?lang=`` on a link (this view only) >
  the signed-in person's saved choice > the anonymous visitor's saved choice (session) > the
  browser's Accept-Language > the site default;
- the *reading* language (course texts): the person's saved reading language > their interface
  language > English when the course has it > the course's languages in the course's order.

Digits: DiploLearn writes Latin digits (0-9) in every language, Arabic included, as the seed
paper and most Arab foreign ministries' correspondence do; Babel is always asked for the
``latn`` numbering system so the policy does not depend on CLDR defaults. Arabic-Indic digits
typed by people are still understood wherever numbers are read (see textnorm).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_decimal as _format_decimal
from babel.numbers import format_percent as _format_percent
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
LANGUAGE_NAMES = {"ar": "العربية", "en": "English", "fr": "Français"}
NUMBERING_SYSTEM = "latn"


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _valid(language: str | None) -> str | None:
    return language if language in supported_languages() else None


def select_interface_language() -> str:
    """Flask-Babel's locale selector: see the module docstring for the order."""
    if has_request_context():
        chosen = _valid(request.args.get("lang"))
        if chosen:
            return chosen
        if current_user and current_user.is_authenticated:
            chosen = _valid(current_user.interface_language)
            if chosen:
                return chosen
        chosen = _valid(session.get("lang"))
        if chosen:
            return chosen
        best = request.accept_languages.best_match(supported_languages())
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return valid_timezone(current_user.timezone)
    return current_app.config["DEFAULT_TIMEZONE"]


def valid_timezone(name: str | None) -> str:
    try:
        ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


@lru_cache(maxsize=1)
def timezone_choices() -> tuple[str, ...]:
    """Every IANA zone name; read from disk once (scanning the database takes ~1 s)."""
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


def interface_language_for(user) -> str:
    """A person's interface language outside a request (mail, jobs)."""
    return (
        _valid(getattr(user, "interface_language", None))
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def reading_order(user, course_languages: list[str] | None = None) -> list[str]:
    """The order in which to look for a course text in a language this person reads."""
    order: list[str] = []
    course_languages = list(course_languages or [])
    # After the reader's own choices, English when the course has it (the diplomatic service's
    # common second language: a French reader falls back to English before Arabic), then the
    # course's languages in the course's order.
    english = ["en"] if "en" in course_languages else []
    for language in (
        getattr(user, "reading_language", None),
        current_language(),
        *english,
        *course_languages,
        *supported_languages(),
    ):
        if language and language not in order:
            order.append(language)
    return order


def pick_text(texts: dict[str, str], order: list[str]) -> tuple[str, str]:
    """The first available text in the reader's order, with the language it is in."""
    for language in order:
        if texts.get(language):
            return texts[language], language
    for language, text in sorted(texts.items()):
        if text:
            return text, language
    return "", order[0] if order else "en"


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def direction(language: str | None = None) -> str:
    language = (language or current_language()).split("_")[0]
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def current_zone() -> ZoneInfo:
    return ZoneInfo(g.get("_tz_override") or select_timezone())


def format_datetime(value: dt.datetime | None, fmt: str = "medium", zone: str | None = None) -> str:
    if value is None:
        return ""
    tz = ZoneInfo(zone) if zone else current_zone()
    return _format_datetime(value.astimezone(tz), fmt, tzinfo=tz, locale=current_language())


def format_date(value: dt.datetime | dt.date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(current_zone()).date()
    return _format_date(value, fmt, locale=current_language())


def format_number(value, decimals: int | None = None) -> str:
    fmt = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return _format_decimal(
        value, format=fmt, locale=current_language(), numbering_system=NUMBERING_SYSTEM
    )


def format_percent(value) -> str:
    return _format_percent(value, locale=current_language(), numbering_system=NUMBERING_SYSTEM)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code) or Locale.parse(code).get_display_name(code)
