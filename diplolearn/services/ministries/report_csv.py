"""The staff report as CSV: UTF-8 with a byte-order mark (so spreadsheets read Arabic right),
written in pieces as the rows stream in from ``reports.iter_rows``, with every text cell that a
spreadsheet would run as a formula (starting with = + - @, tab or carriage return) kept as
text by a leading apostrophe. Headers and states are in the viewer's language, dates and
times in the viewer's time zone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from diplolearn.services.ministries.reports import ReportRow

BOM = "\ufeff"
# Spreadsheets run a cell starting with one of these as a formula (tab and CR too, since
# some of them strip those first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str | None) -> str:
    """A text cell a spreadsheet shows as text: one starting like a formula gets a quote."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _text(texts: dict, language: str) -> str:
    return (
        texts.get(language) or texts.get("en") or texts.get("ar") or next(iter(texts.values()), "")
    )


def csv_header() -> list[str]:
    return [
        _("Name (Latin script)"),
        _("Name (Arabic script)"),
        _("Email"),
        _("Staff ID"),
        _("Course"),
        _("Cohort"),
        _("State"),
        _("Enrolled on"),
        _("Completed on"),
        _("Completion (%)"),
        _("Score (%)"),
        _("Time on task (minutes)"),
        _("Last activity"),
    ]


def csv_cells(row: ReportRow, language: str, zone: ZoneInfo, state_label) -> list:
    def day(value):
        return value.astimezone(zone).date().isoformat() if value else ""

    def instant(value):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    if row.erased:
        names = [_("Erased person"), "", "", ""]
    else:
        names = [
            safe_cell(row.name_latin),
            safe_cell(row.name_ar),
            safe_cell(row.email),
            safe_cell(row.staff_id),
        ]
    return [
        *names,
        safe_cell(_text(row.course_title, language) or row.course_key),
        safe_cell(_text(row.cohort_name, language) or row.cohort_key),
        str(state_label(row.state)),
        day(row.enrolled_at),
        day(row.completed_at),
        row.percent,
        "" if row.score is None else str(row.score),
        row.minutes,
        instant(row.last_activity_at),
    ]


def csv_stream(
    rows: Iterable[ReportRow], language: str, zone: ZoneInfo, state_label, flush_at: int = 32_768
) -> Iterator[bytes]:
    """The CSV, UTF-8 with a byte-order mark (so spreadsheets read Arabic right), in pieces of
    about ``flush_at`` bytes as the rows arrive."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(csv_header())
    for row in rows:
        writer.writerow(csv_cells(row, language, zone, state_label))
        if buffer.tell() >= flush_at:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
