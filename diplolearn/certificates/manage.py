"""Revocation and reissue, for administrators and the lead instructors of a cohort.

Certificates load through ``managed_certificate_or_404``: one outside the viewer's cohorts is a
404, as if it did not exist. Each change needs a reason and lands in the audit log.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.certificates import bp
from diplolearn.certificates.forms import ReissueForm, RevokeForm
from diplolearn.models import Certificate, CertificateStatus, Role
from diplolearn.pagination import paginate
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    managed_certificate_history,
    managed_certificate_or_404,
    managed_certificates_matching,
)
from diplolearn.services.certificates import certificates as service
from diplolearn.unit_of_work import unit_of_work

managers_only = role_required(Role.ADMINISTRATOR, Role.LEAD_INSTRUCTOR)


@bp.get("/manage")
@managers_only
def list_managed():
    search = request.args.get("q", "").strip()[:100]
    query = managed_certificates_matching(current_user, search)
    return render_template("certificates/manage_list.html", page=paginate(query), search=search)


def _page(certificate: Certificate, revoke_form=None, reissue_form=None, status: int = 200):
    history = managed_certificate_history(current_user, certificate)
    holder = certificate.holder
    reissue_form = reissue_form or ReissueForm(
        prefix="reissue", data={"name_latin": holder.name_latin, "name_ar": holder.name_ar}
    )
    return render_template(
        "certificates/manage.html",
        certificate=certificate,
        history=history,
        revoke_form=revoke_form or RevokeForm(prefix="revoke"),
        reissue_form=reissue_form,
        verification_url=service.verification_url(certificate),
        changeable=certificate.status == CertificateStatus.ISSUED,
    ), status


@bp.get("/manage/<int:certificate_id>")
@managers_only
def show_managed(certificate_id: int):
    return _page(managed_certificate_or_404(current_user, certificate_id))


@bp.post("/manage/<int:certificate_id>/revoke")
@managers_only
def revoke_certificate(certificate_id: int):
    certificate = managed_certificate_or_404(current_user, certificate_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _page(certificate, revoke_form=form, status=422)
    with unit_of_work() as work:
        service.revoke(certificate, by=current_user, reason=form.reason.data)
    if work.refused:
        return _page(managed_certificate_or_404(current_user, certificate_id), status=work.status)
    flash(_("The certificate is revoked. Its verification page now says so."), "success")
    return redirect(url_for("certificates.show_managed", certificate_id=certificate.id))


@bp.post("/manage/<int:certificate_id>/reissue")
@managers_only
def reissue_certificate(certificate_id: int):
    certificate = managed_certificate_or_404(current_user, certificate_id)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        return _page(certificate, reissue_form=form, status=422)
    with unit_of_work() as work:
        replacement = service.reissue(
            certificate,
            by=current_user,
            reason=form.reason.data,
            name_latin=form.name_latin.data,
            name_ar=form.name_ar.data or "",
        )
    if work.refused:
        return _page(managed_certificate_or_404(current_user, certificate_id), status=work.status)
    flash(
        _("A new certificate is issued with a new code; the old one is marked as replaced."),
        "success",
    )
    return redirect(url_for("certificates.show_managed", certificate_id=replacement.id))
