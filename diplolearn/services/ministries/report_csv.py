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


class _Cells:
    """Writes rows as cells, remembering what repeats from row to row (the state labels, the
    course and cohort names in the viewer's language, the erased-person label), so that
    thousands of rows cost no translation lookups: the CSV streams at tens of thousands of
    rows a second (issue 16)."""

    def __init__(self, language: str, zone: ZoneInfo, state_label):
        self.language, self.zone, self.state_label = language, zone, state_label
        self.states: dict[str, str] = {}
        self.names: dict[tuple, tuple[str, str]] = {}
        self.erased: list[str] | None = None

    def __call__(self, row: ReportRow) -> list:
        # The days written inline: for a thousand rows, calls cost more than the writing.
        if row.erased:
            if self.erased is None:
                self.erased = [_("Erased person"), "", "", ""]
            names = self.erased
        else:
            names = [
                safe_cell(row.name_latin),
                safe_cell(row.name_ar),
                safe_cell(row.email),
                safe_cell(row.staff_id),
            ]
        key = (row.cohort_id, row.course_key, row.cohort_key)
        texts = self.names.get(key)
        if texts is None:
            texts = self.names[key] = (
                safe_cell(_text(row.course_title, self.language) or row.course_key),
                safe_cell(_text(row.cohort_name, self.language) or row.cohort_key),
            )
        state = self.states.get(row.state)
        if state is None:
            state = self.states[row.state] = str(self.state_label(row.state))
        zone, enrolled, completed = self.zone, row.enrolled_at, row.completed_at
        score, last = row.score, row.last_activity_at
        if last:
            # The local day and time to the minute, as isoformat(" ", "minutes") writes them
            # once the zone is dropped, in half the time.
            last = last.astimezone(zone)
            last = f"{last.date().isoformat()} {last.hour:02d}:{last.minute:02d}"
        return [
            *names,
            *texts,
            state,
            enrolled.astimezone(zone).date().isoformat() if enrolled else "",
            completed.astimezone(zone).date().isoformat() if completed else "",
            row.percent,
            "" if score is None else str(score),
            row.minutes,
            last or "",
        ]


def csv_cells(row: ReportRow, language: str, zone: ZoneInfo, state_label) -> list:
    """One row's cells (the header's columns, in the viewer's language and time zone)."""
    return _Cells(language, zone, state_label)(row)


def csv_stream(
    rows: Iterable[ReportRow], language: str, zone: ZoneInfo, state_label, flush_at: int = 32_768
) -> Iterator[bytes]:
    """The CSV, UTF-8 with a byte-order mark (so spreadsheets read Arabic right), in pieces of
    about ``flush_at`` bytes as the rows arrive."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(csv_header())
    cells = _Cells(language, zone, state_label)
    writerow, tell = writer.writerow, buffer.tell
    for row in rows:
        writerow(cells(row))
        if tell() >= flush_at:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
