"""A ministry's reports, for its training coordinators (``/ministry/<id>/reports``): staff ×
courses (completion, score, time on task, last activity), a cohort's summary, completions over
time as a server-drawn SVG chart, and a CSV export that streams. Everything covers the
enrolments the ministry sponsored. Views stay thin: the numbers come from
services.ministries.reports, the chart's geometry from services.ministries.report_chart; every
id loads through security.scoping, so another ministry's id is a 404."""

from __future__ import annotations

import re
import unicodedata

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from diplolearn import i18n
from diplolearn.ministry import bp
from diplolearn.ministry.report_forms import ReportFilterForm
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    coordinated_ministry_or_404,
    sponsored_cohort_or_404,
)
from diplolearn.services import audit
from diplolearn.services.ministries import report_csv, report_summary, reports
from diplolearn.services.ministries.report_chart import completion_chart
from diplolearn.templating import ENROLMENT_STATE_LABELS
from diplolearn.unit_of_work import audited_read

coordinators_only = role_required(Role.COORDINATOR)
PRIVATE = {"Cache-Control": "private, no-store"}


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _chart(filters: reports.Filters, ministry_id: int):
    series = report_summary.completions_by_week(
        current_user, ministry_id, i18n.current_zone(), filters
    )
    return completion_chart(series, rtl=i18n.direction() == "rtl")


def _state_label(state: str) -> str:
    return str(ENROLMENT_STATE_LABELS.get(state, state))


@bp.get("/<int:ministry_id>/reports")
@coordinators_only
def show_staff_report(ministry_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    cohorts = reports.sponsored_cohorts(current_user, ministry.id)
    form = ReportFilterForm(request.args, cohorts)
    filters = form.filters()
    page = reports.staff_page(current_user, ministry.id, filters, _page_number())
    filter_args = {
        name: value
        for name, value in (("course", filters.course_id), ("cohort", filters.cohort_id))
        if value
    }
    return render_template(
        "ministry/reports/staff.html",
        ministry=ministry,
        form=form,
        page=page,
        filter_args=filter_args,
        cohorts=cohorts,
        chart=_chart(filters, ministry.id),
    )


@bp.get("/<int:ministry_id>/reports/cohorts/<int:cohort_id>")
@coordinators_only
def show_cohort_report(ministry_id: int, cohort_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    cohort = sponsored_cohort_or_404(current_user, ministry.id, cohort_id)
    summary = report_summary.cohort_summary(current_user, ministry.id, cohort)
    return render_template(
        "ministry/reports/cohort.html",
        ministry=ministry,
        cohort=cohort,
        summary=summary,
        chart=_chart(reports.Filters(cohort_id=cohort.id), ministry.id),
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:40] or "ministry"


@bp.get("/<int:ministry_id>/reports/staff.csv")
@coordinators_only
def export_staff_report(ministry_id: int):
    """The staff table as CSV, streamed row by row; the export (not its contents) is
    recorded in the audit log before the first byte leaves.

    Without a filter in the request, the filters' choices (a count of the ministry's
    enrolments by cohort) are not needed: none is chosen either way. The rows' query, the
    viewer's language and zone and the file's name are settled before the audit's write,
    which ends the read so far (what it loaded would be read again after it); the rows are
    read only as the body streams, after the audit row is committed."""
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    if request.args.get("course") or request.args.get("cohort"):
        form = ReportFilterForm(request.args, reports.sponsored_cohorts(current_user, ministry.id))
        filters = form.filters()
    else:
        filters = reports.NO_FILTERS
    viewer, language, zone = (
        current_user._get_current_object(),
        i18n.current_language(),
        i18n.current_zone(),
    )
    rows = reports.iter_rows(viewer, ministry.id, filters)
    suffix = (
        f"-cohort-{filters.cohort_id}"
        if filters.cohort_id
        else (f"-course-{filters.course_id}" if filters.course_id else "")
    )
    name = f"staff-report-{_slug(ministry.code)}{suffix}.csv"
    with audited_read():
        audit.record(
            current_user,
            "report.export",
            ministry_id=ministry.id,
            target=ministry,
            report="staff_courses",
            format="csv",
            course_id=filters.course_id,
            cohort_id=filters.cohort_id,
        )
    body = report_csv.csv_stream(rows, language, zone, _state_label)
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
