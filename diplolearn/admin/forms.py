"""The administrator's forms: inviting a person, their role and ministry, ministries, and the
download and erasure of a person's personal data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from diplolearn import i18n
from diplolearn.auth.validators import email_address

ROLE_CHOICES = [
    ("", _l("No role (learner only)")),
    ("administrator", _l("Administrator")),
    ("coordinator", _l("Coordinator of a ministry")),
    ("instructor", _l("Instructor of a course")),
]


class InvitePersonForm(FlaskForm):
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
    interface_language = SelectField(_l("Language of menus and messages"))
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=True)
    ministry = SelectField(_l("Ministry"), coerce=str, validate_choice=True)
    course = SelectField(_l("Course"), coerce=str, validate_choice=True)
    submit = SubmitField(_l("Create and send invitation"))

    def __init__(self, ministries, courses, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = i18n.current_language()
        self.interface_language.choices = [
            (code, i18n.language_name(code)) for code in i18n.supported_languages()
        ]
        self.ministry.choices = [("", _l("None"))] + [
            (str(m.id), i18n.pick_text(m.name, [language, "en", "ar"])[0]) for m in ministries
        ]
        self.course.choices = [("", _l("None"))] + [
            (str(c.id), i18n.pick_text(c.title, [language, "en", "ar"])[0]) for c in courses
        ]

    def validate_ministry(self, field):
        if self.role.data == "coordinator" and not field.data:
            raise ValidationError(_l("Choose the ministry this person coordinates."))

    def validate_course(self, field):
        if self.role.data == "instructor" and not field.data:
            raise ValidationError(_l("Choose the course this person teaches."))


class MoveToMinistryForm(FlaskForm):
    """Move a person to another ministry (admin/person.html)."""

    ministry = SelectField(
        _l("New ministry"),
        coerce=str,
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose the ministry to move this person to."))],
    )
    staff_id = StringField(
        _l("Staff ID"), validators=[Optional(), Length(max=64)], render_kw={"dir": "ltr"}
    )
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    posting = StringField(_l("Posting"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Move to this ministry"))

    def __init__(self, ministries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = i18n.current_language()
        self.ministry.choices = [("", _l("Choose a ministry"))] + [
            (str(m.id), f"{i18n.pick_text(m.name, [language, 'en', 'ar'])[0]} ({m.code})")
            for m in ministries
        ]


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Send a new invitation"))


class MinistryForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Short and unique, for example MFA-JO."),
        render_kw={"dir": "ltr"},
    )
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_ar = StringField(
        _l("Name in Arabic"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"dir": "rtl", "lang": "ar"},
    )
    name_fr = StringField(_l("Name in French"), validators=[Optional(), Length(max=200)])
    country_code = StringField(
        _l("Country code"),
        validators=[Optional(), Length(min=2, max=2)],
        description=_l("Two letters (ISO 3166), for example JO."),
        render_kw={"dir": "ltr"},
    )
    submit = SubmitField(_l("Save"))

    def validate_country_code(self, field):
        if field.data and not field.data.strip().isalpha():
            raise ValidationError(_l("Two letters, for example JO."))


class NewMinistryForm(MinistryForm):
    coordinator_email = EmailField(
        _l("Coordinator's email"),
        validators=[DataRequired(), email_address, Length(max=254)],
        description=_l(
            "An existing account becomes the coordinator; otherwise a new account "
            "is created and invited."
        ),
    )
    coordinator_name_latin = StringField(
        _l("Coordinator's name in Latin script"),
        validators=[Optional(), Length(max=200)],
        description=_l("Needed for a new account."),
    )
    coordinator_name_ar = StringField(
        _l("Coordinator's name in Arabic script"),
        validators=[Optional(), Length(max=200)],
        render_kw={"dir": "rtl", "lang": "ar"},
    )
    coordinator_language = SelectField(_l("Coordinator's language"))
    submit = SubmitField(_l("Create the ministry"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.coordinator_language.choices = [
            (code, i18n.language_name(code)) for code in i18n.supported_languages()
        ]


class EditMinistryForm(MinistryForm):
    code = None  # a ministry's code never changes
    is_active = BooleanField(
        _l("Active"),
        description=_l(
            "A deactivated ministry keeps its records, but its coordinators can no longer change "
            "its staff."
        ),
    )


class DownloadForPersonForm(FlaskForm):
    submit = SubmitField(_l("Download this person's data"))


class EraseForm(FlaskForm):
    confirm_email = StringField(
        _l("Type the person's email address to confirm"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"},
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Kept in the audit trail."),
    )
    submit = SubmitField(_l("Erase this person's personal data"))
