"""The forms of a course's files and images pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length, Optional


class UploadFolderForm(FlaskForm):
    archive = FileField(
        _l("Course folder as a zip"),
        validators=[FileRequired(_l("Choose the zip file of the course folder."))],
        description=_l(
            "Zip the course folder (the folder holding course.yaml). It is checked first; nothing "
            "is imported until you confirm."
        ),
        render_kw={"accept": ".zip,application/zip"},
    )
    submit = SubmitField(_l("Upload and check"))


class ConfirmImportForm(FlaskForm):
    replace_edits = BooleanField(_l("Replace the changes made in the browser with these files"))
    submit = SubmitField(_l("Import these files"))


class AltTextFields:
    alt_ar = StringField(
        _l("Alternative text in Arabic"),
        validators=[Optional(), Length(max=500)],
        render_kw={"dir": "rtl", "lang": "ar"},
    )
    alt_en = StringField(
        _l("Alternative text in English"),
        validators=[Optional(), Length(max=500)],
        render_kw={"dir": "ltr", "lang": "en"},
    )
    alt_fr = StringField(
        _l("Alternative text in French"),
        validators=[Optional(), Length(max=500)],
        render_kw={"dir": "ltr", "lang": "fr"},
    )

    def alt(self) -> dict[str, str]:
        return {
            lang: (getattr(self, f"alt_{lang}").data or "").strip() for lang in ("ar", "en", "fr")
        }


class ImageForm(AltTextFields, FlaskForm):
    image = FileField(
        _l("Image"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l(
            "A PNG, JPEG or WebP image. Its metadata (such as the GPS "
            "position of a photo) is removed."
        ),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    submit = SubmitField(_l("Upload the image"))


class AltTextForm(AltTextFields, FlaskForm):
    submit = SubmitField(_l("Save the alternative texts"))
