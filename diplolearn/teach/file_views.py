"""A course's files in the browser (``/teach/courses/<id>/files``, ``/teach/courses/<id>/images``).

Instructors of the course and administrators download the canonical export as a zip, upload a
folder as a zip (checked like ``flask courses check``, then imported all or nothing on
confirmation), and upload and describe lesson images. The rules are in
services/catalogue/coursefiles.py and services/catalogue/images.py; every lookup goes through
security.scoping. The images' public URLs are served by the main blueprint."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    course_upload_or_404,
    lesson_image_or_404,
    taught_course_or_404,
)
from diplolearn.services.catalogue import coursefiles as service
from diplolearn.services.catalogue import images
from diplolearn.services.errors import DomainError
from diplolearn.teach import bp
from diplolearn.teach.file_forms import (
    AltTextForm,
    ConfirmImportForm,
    ImageForm,
    UploadFolderForm,
)
from diplolearn.unit_of_work import unit_of_work

instructors_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR)


def _files_page(course, form=None, error=None, status=200):
    return render_template(
        "teach/files/files.html",
        course=course,
        form=form or UploadFolderForm(),
        error=error,
        versions=service.downloadable_versions(course),
    ), status


@bp.get("/courses/<int:course_id>/files")
@instructors_only
def show_course_files(course_id: int):
    return _files_page(taught_course_or_404(current_user, course_id))


@bp.get("/courses/<int:course_id>/files/<int:number>.zip")
@instructors_only
def download_course_files(course_id: int, number: int):
    course = taught_course_or_404(current_user, course_id)
    version = service.version_by_number(course, number)
    if version is None:
        abort(404)
    data = service.export_zip(course, version)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{course.key}-v{version.number}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/courses/<int:course_id>/files")
@instructors_only
def upload_course_files(course_id: int):
    course = taught_course_or_404(current_user, course_id)
    form = UploadFolderForm()
    if not form.validate_on_submit():
        return _files_page(course, form, status=422)
    file = form.archive.data
    with unit_of_work(status=422, quiet=True) as work:
        kept = service.save_upload(
            course,
            file.filename or "",
            file.read(service.limit("COURSE_ZIP_MAX_BYTES") + 1),
            current_user,
        )
    if work.refused:
        return _files_page(
            taught_course_or_404(current_user, course_id),
            form,
            error=work.error.message,
            status=work.status,
        )
    return redirect(url_for("teach.show_course_upload", course_id=course_id, upload_id=kept.id))


def _report_page(course, upload, form=None, error=None, status=200):
    try:
        checked = service.check_zip(course, upload.content or b"")
    except DomainError as refused:  # the limits may have changed since it was kept
        checked, error = service.Checked(None, []), refused.message
    conflicts = service.conflicts(course, checked.files) if checked.files else []
    return render_template(
        "teach/files/report.html",
        course=course,
        upload=upload,
        checked=checked,
        conflicts=conflicts,
        error=error,
        form=form or ConfirmImportForm(),
    ), status


@bp.get("/courses/<int:course_id>/files/uploads/<int:upload_id>")
@instructors_only
def show_course_upload(course_id: int, upload_id: int):
    return _report_page(*course_upload_or_404(current_user, course_id, upload_id))


@bp.post("/courses/<int:course_id>/files/uploads/<int:upload_id>")
@instructors_only
def confirm_course_upload(course_id: int, upload_id: int):
    course, kept = course_upload_or_404(current_user, course_id, upload_id)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        return _report_page(course, kept, form, status=422)
    with unit_of_work(status=409, quiet=True) as work:
        result = service.import_upload(
            course, kept, current_user, replace_edits=bool(form.replace_edits.data)
        )
    if work.refused:
        course, kept = course_upload_or_404(current_user, course_id, upload_id)
        return _report_page(course, kept, form, error=work.error.message, status=work.status)
    if result.created:
        flash(
            _(
                "The files are imported: version %(number)s is published.",
                number=result.version.number,
            ),
            "success",
        )
    else:
        flash(_("These files are the latest version already; nothing changed."), "success")
    return redirect(url_for("teach.show_course_files", course_id=course_id))


# --- images ----------------------------------------------------------------------------------


def _images_page(course, form=None, error=None, status=200):
    records = images.course_images(course)
    alt_forms = {
        record.id: AltTextForm(
            prefix=f"image-{record.id}",
            data={f"alt_{lang}": record.alt.get(lang, "") for lang in ("ar", "en", "fr")},
        )
        for record in records
    }
    return render_template(
        "teach/files/images.html",
        course=course,
        images=records,
        alt_forms=alt_forms,
        form=form or ImageForm(),
        error=error,
        snippet=images.snippet,
        image_url=images.url,
    ), status


@bp.get("/courses/<int:course_id>/images")
@instructors_only
def show_course_images(course_id: int):
    return _images_page(taught_course_or_404(current_user, course_id))


@bp.post("/courses/<int:course_id>/images")
@instructors_only
def upload_image(course_id: int):
    course = taught_course_or_404(current_user, course_id)
    form = ImageForm()
    if not form.validate_on_submit():
        return _images_page(course, form, status=422)
    with unit_of_work(status=422, quiet=True) as work:
        record = images.add_image(
            course,
            form.image.data.read(images.limit("IMAGE_MAX_BYTES") + 1),
            form.alt(),
            current_user,
        )
    if work.refused:
        return _images_page(
            taught_course_or_404(current_user, course_id),
            form,
            error=work.error.message,
            status=work.status,
        )
    flash(
        _(
            "The image is saved. Paste %(snippet)s into a lesson to show it.",
            snippet=images.snippet(record),
        ),
        "success",
    )
    return redirect(url_for("teach.show_course_images", course_id=course_id))


@bp.post("/courses/<int:course_id>/images/<int:image_id>")
@instructors_only
def update_image(course_id: int, image_id: int):
    _course, record = lesson_image_or_404(current_user, course_id, image_id)
    form = AltTextForm(prefix=f"image-{record.id}")
    with unit_of_work(status=422, quiet=True) as work:
        if not form.validate_on_submit():
            raise DomainError(_("Please correct the alternative texts."))
        images.update_alt(record, form.alt(), current_user)
    if work.refused:
        return _images_page(
            taught_course_or_404(current_user, course_id),
            error=work.error.message,
            status=work.status,
        )
    flash(_("The alternative texts are saved."), "success")
    return redirect(url_for("teach.show_course_images", course_id=course_id))
