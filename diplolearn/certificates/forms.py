from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

REASON_HELP = _l("Kept in the audit trail. It is not shown on the public verification page.")


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is it revoked?"),
        description=REASON_HELP,
        validators=[DataRequired(), Length(max=2000)],
    )
    submit = SubmitField(_l("Revoke the certificate"))


class ReissueForm(FlaskForm):
    name_latin = StringField(
        _l("Name in Latin script"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("As it should appear on the new certificate."),
    )
    name_ar = StringField(
        _l("Name in Arabic script"),
        validators=[Optional(), Length(max=200)],
        render_kw={"dir": "rtl", "lang": "ar"},
    )
    reason = TextAreaField(
        _l("Why is it reissued?"),
        description=REASON_HELP,
        validators=[DataRequired(), Length(max=2000)],
    )
    submit = SubmitField(_l("Reissue the certificate"))
