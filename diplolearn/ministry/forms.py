"""The coordinator's forms: a staff member, a roster upload and its confirmation, the end of a
membership, and a nomination into the ministry's seats."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from diplolearn import i18n
from diplolearn.auth.validators import email_address


class StaffMemberForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), email_address, Length(max=254)])
    name_latin = StringField(
        _l("Name in Latin script"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("As it should appear on certificates."),
    )
    name_ar = StringField(
        _l("Name in Arabic script"),
        validators=[Optional(), Length(max=200)],
        render_kw={"dir": "rtl", "lang": "ar"},
    )
    language = SelectField(
        _l("Preferred language"),
        description=_l("For the invitation, until the person chooses their own."),
    )
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    posting = StringField(
        _l("Posting"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Seen only by the person, your ministry's "
            "coordinators and the platform's administrators."
        ),
    )
    staff_id = StringField(
        _l("Staff ID"),
        validators=[Optional(), Length(max=64)],
        description=_l(
            "Optional. Your ministry's own number for this "
            "person; roster files use it to recognise them even "
            "when their email changes."
        ),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [
            (code, i18n.language_name(code)) for code in i18n.supported_languages()
        ]


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (CSV)"), validators=[FileRequired(_l("Choose a file."))])
    mode = RadioField(
        _l("What to do with people missing from the file"),
        default="add",
        choices=[
            ("add", _l("Nothing: add and update only")),
            (
                "sync",
                _l(
                    "Take them off the staff (sync): the preview lists them before anything is done"
                ),
            ),
        ],
    )
    submit = SubmitField(_l("Upload and preview"))


class ConfirmRosterForm(FlaskForm):
    digest = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Confirm the import"))


class EndMembershipForm(FlaskForm):
    submit = SubmitField(_l("Take off the staff"))


class PersonForm(FlaskForm):
    """A coordinator's choice of one of their current staff."""

    person = SelectField(_l("Staff member"), validate_choice=True)
    submit = SubmitField(_l("Nominate"))


class WithdrawNomineeForm(FlaskForm):
    submit = SubmitField(_l("Withdraw"))
