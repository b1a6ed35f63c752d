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
from flask_babel import lazy_gettext as _l
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


# The regions of the IANA names, as the time-zone picker groups them. Legacy aliases
# ("US/Eastern", "Etc/GMT+5", "EST") are left out of the picker unless a person already has one.
TIMEZONE_REGIONS = {
    "Africa": _l("Africa"),
    "America": _l("Americas"),
    "Asia": _l("Asia"),
    "Europe": _l("Europe"),
    "Australia": _l("Australia"),
    "Pacific": _l("Pacific Ocean"),
    "Indian": _l("Indian Ocean"),
    "Atlantic": _l("Atlantic Ocean"),
    "Arctic": _l("Arctic"),
    "Antarctica": _l("Antarctica"),
}


def timezone_label(zone: str, language: str | None = None, when: dt.datetime | None = None) -> str:
    """A zone as people read it: its main city in their language and its offset now,
    "Cairo (GMT+02:00)", "Le Caire (UTC+02:00)", "القاهرة (غرينتش+02:00)"."""
    language = language or current_language()
    return _timezone_labels(language, (when or dt.datetime.now(dt.UTC)).date()).get(
        zone
    ) or _zone_label(zone, language, when or dt.datetime.now(dt.UTC))


def _zone_label(zone: str, language: str, when: dt.datetime) -> str:
    from babel.dates import get_timezone_gmt, get_timezone_location

    tz = ZoneInfo(zone)
    if zone == "UTC":  # "Coordinated Universal Time", "temps universel coordonné"…
        names = Locale.parse(language).time_zones.get("Etc/UTC", {}).get("long", {})
        name = names.get("standard") if names else None
        return (name[:1].upper() + name[1:]) if name else "UTC"
    offset = get_timezone_gmt(when.astimezone(tz), locale=language)
    if "/" not in zone:
        return f"{zone} ({offset})"
    try:
        city = get_timezone_location(zone, locale=language, return_city=True)
    except (LookupError, ValueError):
        city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} ({offset})"


@lru_cache(maxsize=8)
def _timezone_labels(language: str, day: dt.date) -> dict[str, str]:
    """Every picker zone's label in a language, for a day (offsets change with summer time):
    ~600 zones take ~0.15 s to name, so once per language and day in each process."""
    from babel.core import get_global

    # Old names kept as links ("Australia/South", "Asia/Calcutta") would list a city twice.
    aliases = get_global("zone_aliases")
    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return {
        zone: _zone_label(zone, language, when)
        for zone in timezone_choices()
        if zone == "UTC" or (zone.split("/", 1)[0] in TIMEZONE_REGIONS and zone not in aliases)
    }


def likely_timezones(current: str | None = None) -> list[str]:
    """The zones a person most likely wants, most likely first: their current one, the zone of
    the country in their browser's language tags (fr-CH → Europe/Zurich, ar-JO → Asia/Amman), the
    site's default, UTC. The browser's own zone is only known to JavaScript (static/timezone.js)."""
    from babel.core import get_global

    zones: list[str] = []
    if current and current in timezone_choices():
        zones.append(current)
    if has_request_context():
        territory_zones = get_global("territory_zones")
        for tag, _quality in request.accept_languages:
            parts = tag.replace("_", "-").split("-")
            for part in parts[1:]:
                # A country with one zone (JO, EG, FR, CH…); for the US or Russia the browser
                # region does not say which of their zones, so none is guessed.
                candidates = territory_zones.get(part.upper(), ()) if len(part) == 2 else ()
                if len(candidates) == 1:
                    zones.append(candidates[0])
    zones.extend([current_app.config.get("DEFAULT_TIMEZONE") or "UTC", "UTC"])
    seen: list[str] = []
    for zone in zones:
        if zone in timezone_choices() and zone not in seen:
            seen.append(zone)
    return seen


def timezone_groups(current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker's options grouped by region, the likely zones first in a group of their own
    (each zone appears once, so one option is selected), cities sorted for the reader."""
    from diplolearn.names import sort_key

    language = current_language()
    labels = _timezone_labels(language, dt.datetime.now(dt.UTC).date())
    likely = likely_timezones(current)
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        (str(_l("Suggested")), [(zone, timezone_label(zone, language)) for zone in likely])
    ]
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in TIMEZONE_REGIONS}
    for zone, label in labels.items():
        region = zone.split("/", 1)[0]
        if zone not in likely and region in by_region:
            by_region[region].append((zone, label))
    collate = sort_key(language)
    for region, zones in by_region.items():
        if zones:
            zones.sort(key=lambda item: collate(item[1]))
            groups.append((str(TIMEZONE_REGIONS[region]), zones))
    return groups


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


# One date style and one time style per locale (issue 15 item 6): the day, the month's name
# and the year (never "12/7/26", which reads as two different days), hours and minutes on the
# 24-hour clock, never seconds. "short"/"medium" give the abbreviated month, "long" the full
# month, "full" adds the weekday and the zone's name; any other value is a CLDR pattern of its
# own ("d MMM").
DATE_PATTERNS = {
    "short": "d MMM y",
    "medium": "d MMM y",
    "long": "d MMMM y",
    "full": "EEEE d MMMM y",
}
TIME_PATTERN = "HH:mm"
# "full" names the time zone too ("18:00 Japan Standard Time"), for a time people meet at.
TIME_PATTERNS = {"full": "HH:mm zzzz"}


@lru_cache(maxsize=16)
def babel_locale(language: str) -> Locale:
    """Babel's locale, parsed once: a format call given a language code parses it each time
    (about 75 µs, most of a 1,000-learner grid's percentages; issue 16)."""
    return Locale.parse(language)


def _date_pattern(fmt: str) -> str:
    return DATE_PATTERNS.get(fmt, fmt)


@lru_cache(maxsize=32)
def _datetime_pattern(fmt: str, language: str) -> str:
    """The date and the time glued as the locale glues them ("7 Dec 2026, 14:05", Arabic
    "7 ديسمبر 2026، 14:05"), with CLDR's medium glue whatever the style (its long one says
    "at", which reads oddly in tables)."""
    if fmt not in DATE_PATTERNS:
        return fmt
    glue = babel_locale(language).datetime_formats.get("medium") or "{1}, {0}"
    time = TIME_PATTERNS.get(fmt, TIME_PATTERN)
    return str(glue).replace("{1}", _date_pattern(fmt)).replace("{0}", time)


def format_datetime(value: dt.datetime | None, fmt: str = "medium", zone: str | None = None) -> str:
    if value is None:
        return ""
    tz = ZoneInfo(zone) if zone else current_zone()
    language = current_language()
    return _format_datetime(
        value.astimezone(tz),
        _datetime_pattern(fmt, language),
        tzinfo=tz,
        locale=babel_locale(language),
    )


def format_time(value: dt.datetime | None, zone: str | None = None) -> str:
    if value is None:
        return ""
    tz = ZoneInfo(zone) if zone else current_zone()
    return _format_datetime(
        value.astimezone(tz), TIME_PATTERN, tzinfo=tz, locale=babel_locale(current_language())
    )


def format_date(value: dt.datetime | dt.date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(current_zone()).date()
    return _format_date(value, _date_pattern(fmt), locale=babel_locale(current_language()))


def format_number(value, decimals: int | None = None) -> str:
    fmt = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return _format_decimal(
        value,
        format=fmt,
        locale=babel_locale(current_language()),
        numbering_system=NUMBERING_SYSTEM,
    )


def format_percent(value) -> str:
    return _format_percent(
        value, locale=babel_locale(current_language()), numbering_system=NUMBERING_SYSTEM
    )


def language_name(code: str, standalone: bool = False) -> str:
    """A language's name in the interface language ("Arabic", "arabe", "العربية"), as written
    inside a sentence; ``standalone`` capitalises it for a label or a heading ("Arabe")."""
    try:
        language = current_language()
    except RuntimeError:  # outside an app context
        language = "en"
    name = _language_names(language).get(code) or code
    return name[:1].upper() + name[1:] if standalone else name


def language_endonym(code: str) -> str:
    """A language's name in itself ("العربية", "English", "Français"): the language switcher
    and the picker of one's own language, where a reader must find the language they read."""
    return LANGUAGE_NAMES.get(code) or Locale.parse(code).get_display_name(code)


@lru_cache(maxsize=8)
def _language_names(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language).languages)
    except (ValueError, TypeError):
        return {}
