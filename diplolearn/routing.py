"""URL converters: ``DatabaseInteger`` replaces Flask's ``int``, so that a number in a URL
matches only within the range the database can hold.

Every ``<int:...>`` in the application names a row by its id. A number beyond a signed 64-bit
integer (``9223372036854775808``) cannot be any row's id, and handing it to the database fails
(SQLite raises OverflowError): such an address answers 404, like any other with nothing there,
whatever the method. (Werkzeug's own refusal, ``ValidationError``, would let a POST-only rule
answer 405 whenever a GET rule shares its path, so the converter answers 404 itself; no rule
of the application has a string alternative at the place of a number, which a later rule
would have to keep in mind.)
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

DATABASE_INTEGER_MAX = 2**63 - 1


class DatabaseInteger(IntegerConverter):
    """``int`` in URLs, bounded by what the database holds (ids start at 1; 0 still matches,
    and finds nothing)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DATABASE_INTEGER_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def register_url_converters(app: Flask) -> None:
    """Before any blueprint adds its rules: a rule picks its converters when it is added."""
    app.url_map.converters["int"] = DatabaseInteger
