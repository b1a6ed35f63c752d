"""Ministries as tenants: ministries and their coordinators (ministries); staff rosters from
CSV, read (roster_csv), planned (roster_plan), stored (roster_uploads) and applied (rosters,
the views' entry point); and reports: the staff × courses table (reports), a cohort's summary
and completions over time (report_summary), scores (report_scores), the CSV (report_csv) and
the chart (report_chart).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class MinistryCodeTaken(DomainError):
    message = _l("Another ministry already has this code. Choose another one.")


class RosterInvalid(DomainError):
    message = _l(
        "The file has problems, so nothing was imported. Correct them and upload the file again."
    )


class RosterChanged(DomainError):
    message = _l(
        "Something changed since this preview was made, so nothing was imported. "
        "Check the new preview, then confirm again."
    )


class RosterAlreadyApplied(DomainError):
    message = _l("This file has already been imported. Nothing was changed.")
