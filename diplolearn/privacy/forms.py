from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class DownloadForm(FlaskForm):
    submit = SubmitField(_l("Download my data"))


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
