from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def email_address(form, field) -> None:
    """A syntactically valid address for a new account (no DNS look-up: postings abroad may be
    offline). Outside production the reserved ``.test`` domain of the demo data is accepted."""
    try:
        validate_email(
            field.data or "",
            check_deliverability=False,
            test_environment=not current_app.config["PRODUCTION"],
        )
    except EmailNotValidError as error:
        raise ValidationError(_l("Enter an email address like name@example.org.")) from error
