"""The one form of the messages pages: a message's text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from diplolearn.learner.discussion_forms import BODY_HELP
from diplolearn.services.messages.posting import MAX_BODY


class MessageForm(FlaskForm):
    # The service says what is wrong with the text (empty, too long, HTML); the field only
    # stops a body far beyond any use before it is parsed.
    body = TextAreaField(
        _l("Your message"), description=BODY_HELP, validators=[Length(max=MAX_BODY * 2)]
    )
    submit = SubmitField(_l("Send"))


class MarkReadForm(FlaskForm):
    submit = SubmitField(_l("Mark as read"))
