"""Forms of the home and account pages: the language switcher, preferences, the download of
one's own data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.validators import AnyOf, DataRequired

from diplolearn import i18n


class LanguageForm(FlaskForm):
    """The language switcher: one small POST form per language, in the page header."""

    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()

    def validate_lang(self, field):
        AnyOf(i18n.supported_languages())(self, field)


class PreferencesForm(FlaskForm):
    interface_language = SelectField(_l("Language of menus and messages"))
    reading_language = SelectField(
        _l("Language I read courses in"),
        description=_l(
            "When a text is not available in this language, DiploLearn shows it in "
            "your interface language, then in the course's own language."
        ),
    )
    timezone = SelectField(
        _l("My time zone"),
        validators=[DataRequired()],
        description=_l("Dates and deadlines are shown in this time zone."),
    )
    notify_by_mail = BooleanField(
        _l("Also send me announcements by mail"),
        description=_l(
            "Announcements from your instructors and tutors are always on your dashboard."
        ),
    )
    submit = SubmitField(_l("Save preferences"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = [(code, i18n.language_name(code)) for code in i18n.supported_languages()]
        self.interface_language.choices = languages
        self.reading_language.choices = languages
        self.timezone.choices = [(zone, zone.replace("_", " ")) for zone in i18n.timezone_choices()]


class DownloadForm(FlaskForm):
    submit = SubmitField(_l("Download my data"))
