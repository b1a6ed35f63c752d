"""Forms of the home and account pages: the language switcher, preferences, the download of
one's own data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
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
        # Each language in its own name (and lang, dir): a reader must find the language they
        # read whatever the page is in.
        languages = [
            SelectChoice(
                code,
                i18n.language_endonym(code),
                {"lang": code, "dir": i18n.direction(code)},
            )
            for code in i18n.supported_languages()
        ]
        self.interface_language.choices = languages
        self.reading_language.choices = languages
        current = (
            self.timezone.data
            or kwargs.get("timezone")
            or getattr(kwargs.get("obj"), "timezone", None)
        )
        choices = [
            SelectChoice(zone, label, optgroup=group)
            for group, zones in i18n.timezone_groups(current)
            for zone, label in zones
        ]
        known = {choice.value for choice in choices}
        if current and current not in known and current in i18n.timezone_choices():
            # A legacy alias someone already has ("US/Eastern") stays selectable.
            choices.insert(0, SelectChoice(current, current, optgroup=choices[0].optgroup))
        self.timezone.choices = choices


class DownloadForm(FlaskForm):
    submit = SubmitField(_l("Download my data"))
