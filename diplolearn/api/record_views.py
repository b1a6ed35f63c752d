"""Certificates (``/api/v1/certificates``: list, one, its PDF and Open Badges credential),
their verification by code (``/api/v1/verify/<code>``) and the course catalogue
(``/api/v1/courses``).

A ministry token sees the certificates of the enrolments its ministry sponsored (as the
coordinator's certificates page does); a personal token those of the cohorts its instructor
leads. The PDF and the credential are those the holder downloads.
"""

from __future__ import annotations

from flask import Response

from diplolearn.api import bp
from diplolearn.api.gate import as_json, fail, listing, page_arguments, require, viewer
from diplolearn.models import CertificateStatus
from diplolearn.services.certificates import SigningKeyMissing, open_badges
from diplolearn.services.certificates.certificate_pdf import render_pdf
from diplolearn.services.integrations import problems, records


def _certificate(certificate_id: int, *, valid_only: bool = False):
    ministry_id = require("certificates:read")
    certificate = records.certificate_or_none(viewer(), ministry_id, certificate_id)
    if certificate is None or (valid_only and certificate.status != CertificateStatus.ISSUED):
        fail("not-found")
    return certificate


@bp.get("/certificates")
def list_certificates():
    ministry_id = require("certificates:read")
    after, limit = page_arguments()
    rows, more = records.certificate_page(viewer(), ministry_id, after, limit)
    return listing([records.certificate_item(c) for c in rows], rows[-1].id if more else None)


@bp.get("/certificates/<int:certificate_id>")
def show_certificate(certificate_id: int):
    return as_json(records.certificate_item(_certificate(certificate_id)))


@bp.get("/certificates/<int:certificate_id>/certificate.pdf")
def certificate_pdf(certificate_id: int):
    certificate = _certificate(certificate_id, valid_only=True)
    return Response(render_pdf(certificate), mimetype="application/pdf")


@bp.get("/certificates/<int:certificate_id>/credential.jwt")
def certificate_credential(certificate_id: int):
    certificate = _certificate(certificate_id, valid_only=True)
    try:
        signed = open_badges.sign_credential(certificate)
    except SigningKeyMissing as error:
        return problems.response("unavailable", error.message)
    return Response(signed, mimetype=open_badges.MEDIA_TYPE)


@bp.get("/verify/<code>")
def verify_certificate(code: str):
    require("certificates:read")
    answer = records.verification(code)
    if answer is None:
        fail("not-found")
    return as_json(answer)


@bp.get("/courses")
def list_courses():
    require("catalogue:read")
    return listing(records.catalogue())
