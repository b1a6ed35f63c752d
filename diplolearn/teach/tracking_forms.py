"""The forms of following a cohort: the grid's filters (a GET form), a due-date extension and an
announcement."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from diplolearn.courses.bidi import isolate


class GridFilterForm(FlaskForm):
    """The grid's filters, sent as GET query parameters (nothing changes: no CSRF token)."""

    class Meta:
        csrf = False

    ministry = SelectField(_l("Ministry"), default="")
    group = SelectField(_l("Tutor group"), default="")

    def set_choices(self, ministries, groups, name_of, *, every_group: bool) -> None:
        """The choices; names from data isolated (an <option> holds no markup, so no <bdi>:
        FSI…PDI keeps "مجموعة Genève 1" in its own order on pages of either direction)."""
        self.ministry.choices = [("", _l("All ministries"))] + [
            (str(m.id), isolate(name_of(m.name))) for m in ministries
        ]
        self.group.choices = [("", _l("All groups") if every_group else _l("All my groups"))] + [
            (str(g.id), isolate(g.name)) for g in groups
        ]

    def selected(self, field) -> int | None:
        return int(field.data) if field.data else None


class ExtensionForm(FlaskForm):
    module = SelectField(_l("Module"), validators=[InputRequired()])
    due_at = DateTimeLocalField(
        _l("New due date and time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Kept with the extension and in the audit trail."),
    )
    submit = SubmitField(_l("Grant the extension"))


class AnnouncementForm(FlaskForm):
    audience = SelectField(_l("To"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l(
            "Markdown: *emphasis*, lists, links. Shown on each "
            "recipient's dashboard and sent by mail to those who "
            "receive mail."
        ),
    )
    submit = SubmitField(_l("Post the announcement"))
