"""A cohort's times: dates and module times are entered as wall-clock times in the cohort's
reference time zone and stored in UTC (``to_utc``; a time that does not exist there, skipped by
a daylight-saving change, is refused rather than guessed), and shown back in it
(``to_local``); ``within`` tells whether an instant falls inside a cohort's dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from diplolearn.i18n import valid_timezone
from diplolearn.services.cohorts import CohortRefused


def to_utc(local: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A wall-clock time in ``zone`` as a UTC instant; a time the clocks skip is refused."""
    if local is None:
        return None
    tz = ZoneInfo(valid_timezone(zone))
    naive = local.replace(tzinfo=None)
    instant = naive.replace(tzinfo=tz).astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise CohortRefused(
            _(
                "%(time)s does not exist in the time zone %(zone)s: the clocks "
                "skip it. Choose another time.",
                time=naive.strftime("%Y-%m-%d %H:%M"),
                zone=zone,
            )
        )
    return instant


def to_local(instant: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A UTC instant as a naive wall-clock time in ``zone`` (to fill a form)."""
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(valid_timezone(zone))).replace(tzinfo=None)


def within(instant, starts_at, ends_at) -> bool:
    """Whether ``instant`` (None: no time set) falls inside the dates, open at either end."""
    return instant is None or (
        (starts_at is None or instant >= starts_at) and (ends_at is None or instant <= ends_at)
    )


def iso(value: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 text for the audit log (None stays None)."""
    return value.isoformat() if value else None
