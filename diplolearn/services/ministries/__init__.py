"""Ministries as tenants: ministries and their coordinators (ministries), staff
rosters from CSV (rosters, roster_csv, roster_uploads), and reports with their CSV and chart
(reports, report_csv, report_chart).

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
