"""The holder's certificates (PDF, Open Badges credential) and a coordinator's staff
certificates (a list, and a zip of their PDFs streamed as it is built)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile

from flask import Response, render_template, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.certificates import bp
from diplolearn.models import Certificate, Role
from diplolearn.pagination import paginate
from diplolearn.security.permissions import login_required, role_required
from diplolearn.security.scoping import (
    coordinated_ministries,
    coordinated_ministry_or_404,
    ministry_staff_certificates,
    own_certificate_or_404,
    own_certificates,
    sponsored_staff_certificates,
)
from diplolearn.services.certificates import SigningKeyMissing, open_badges
from diplolearn.services.certificates.certificate_pdf import render_pdf
from diplolearn.services.certificates.certificates import verification_url
from diplolearn.services.outbox import public_url

PRIVATE = {"Cache-Control": "private, no-store"}


def slug(text: str, default: str = "certificate") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:60] or default


def pdf_name(certificate: Certificate) -> str:
    return (
        f"{slug(certificate.course.key)}-{slug(certificate.holder_name_latin)}-{certificate.id}.pdf"
    )


@bp.get("")
@login_required
def list_mine():
    mine = own_certificates(current_user)
    return render_template(
        "certificates/mine.html",
        certificates=mine,
        verification_url=verification_url,
        keys_url=public_url("verify.list_keys"),
    )


@bp.get("/<int:certificate_id>/certificate.pdf")
@login_required
def download_pdf(certificate_id: int):
    certificate = own_certificate_or_404(current_user, certificate_id)
    return Response(
        render_pdf(certificate),
        mimetype="application/pdf",
        headers={
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="{pdf_name(certificate)}"',
        },
    )


@bp.get("/<int:certificate_id>/credential.jwt")
@login_required
def download_credential(certificate_id: int):
    certificate = own_certificate_or_404(current_user, certificate_id)
    try:
        token = open_badges.sign_credential(certificate)
    except SigningKeyMissing as error:
        return render_template(
            "errors/error.html",
            status=503,
            title=_("Not available at the moment"),
            message=error.message,
        ), 503
    name = pdf_name(certificate).removesuffix(".pdf") + "-open-badge.jwt"
    return Response(
        token,
        mimetype=open_badges.MEDIA_TYPE,
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- a coordinator's staff -----------------------------------------------------------------


@bp.get("/staff")
@role_required(Role.COORDINATOR)
def list_staff():
    query = sponsored_staff_certificates(current_user)
    return render_template(
        "certificates/staff.html",
        page=paginate(query, per_page=50),
        ministries=coordinated_ministries(current_user),
    )


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: keep them text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


class _Chunks:
    """A write-only file for zipfile that hands over what was written so far."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


@bp.get("/staff/<int:ministry_id>/certificates.zip")
@role_required(Role.COORDINATOR)
def download_staff_zip(ministry_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    certificates = ministry_staff_certificates(current_user, ministry.id)
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow(
        ["file", "name_latin", "name_arabic", "course", "completed_on", "verification_url"]
    )
    for c in certificates:
        writer.writerow(
            [
                pdf_name(c),
                *(
                    _safe_cell(v)
                    for v in (
                        c.holder_name_latin,
                        c.holder_name_ar,
                        c.course_title.get("en") or c.course_title.get("ar", ""),
                    )
                ),
                c.completed_on.isoformat(),
                verification_url(c),
            ]
        )

    def generate():
        sink = _Chunks()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("certificates.csv", index.getvalue())
            yield sink.take()
            for certificate in certificates:
                # PDF streams are compressed already.
                archive.writestr(
                    pdf_name(certificate), render_pdf(certificate), compress_type=zipfile.ZIP_STORED
                )
                yield sink.take()
        yield sink.take()

    name = f"certificates-{slug(ministry.code, 'ministry')}.zip"
    return Response(
        stream_with_context(generate()),
        mimetype="application/zip",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )
