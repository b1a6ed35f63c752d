"""The rules a course's files, the authoring forms and the authoring services all enforce, each
written once: a bound or a pattern, and a small named check that returns what is wrong as a
translatable message (``None`` when nothing is).

- ids: ``ID_PATTERN`` (at most ``KEY_MAX_LENGTH`` characters) and ``key_problem``;
- the week of the programme a module belongs to: ``WEEKS`` and ``week_problem``;
- a module's or lesson's estimated minutes: ``MINUTES`` (up to ``MAX_MINUTES``) and
  ``minutes_problem``;
- a module's prerequisites: ``prerequisite_problems`` (modules of the course, not the module
  itself, listed before it, which also rules out cycles);
- a quiz's or an assignment's pass mark: ``PERCENT`` and ``pass_mark_problem``;
- texts every language of a course needs: ``missing_languages``.

The course check reports them with file and line (``Checker.rule``, checker.py), the forms
validate with them (``RuleValidator``, authoring/forms.py) and the services call them before
writing anything. Pure: no database, no application state; the messages are lazy, so each
reader sees them in their own language (the course check in the default one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l

KEY_MAX_LENGTH = 63
ID_PATTERN = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{KEY_MAX_LENGTH - 1}}}$")

WEEKS = range(1, 53)
MAX_MINUTES = 10_000
MINUTES = range(1, MAX_MINUTES + 1)
PERCENT = range(0, 101)


def key_problem(key: str):
    """An id is lower-case letters, digits and hyphens, starting with a letter or a digit."""
    if ID_PATTERN.match(key or ""):
        return None
    return _l(
        "The id must be lower-case letters, digits and hyphens (at most %(max)d).",
        max=KEY_MAX_LENGTH,
    )


def week_problem(week: int | None):
    """A module's week, when it has one, is a week of the year's programme."""
    if week is None or week in WEEKS:
        return None
    return _l(
        "The week must be a whole number from %(first)d to %(last)d.",
        first=WEEKS[0],
        last=WEEKS[-1],
    )


def minutes_problem(minutes: int | None):
    """Estimated minutes, when given, are at least one and at most ``MAX_MINUTES``."""
    if minutes is None or minutes in MINUTES:
        return None
    return _l(
        "The estimated minutes must be a whole number from %(first)d to %(last)d.",
        first=MINUTES[0],
        last=MINUTES[-1],
    )


def pass_mark_problem(pass_mark: int | None):
    """A pass mark, when there is one, is a percentage."""
    if pass_mark is None or pass_mark in PERCENT:
        return None
    return _l(
        "pass_mark is a percentage from %(first)d to %(last)d",
        first=PERCENT[0],
        last=PERCENT[-1],
    )


def prerequisite_problems(order: list[str], module_id: str, prerequisites: Iterable[str]) -> list:
    """What is wrong with ``module_id``'s prerequisites, each in turn, given the course's
    modules in ``order``: each is another module of the course, listed before it. Modules
    open in order, so no prerequisite can come after: this also rules out cycles."""
    problems = []
    for key in prerequisites:
        if key == module_id:
            problems.append(_l("The module %(module)s cannot require itself.", module=module_id))
        elif key not in order:
            problems.append(
                _l("The prerequisite '%(key)s' is not a module of this course.", key=key)
            )
        elif order.index(key) > order.index(module_id):
            problems.append(
                _l(
                    "The module %(module)s needs %(key)s first, which comes "
                    "after it: modules open in order, so a prerequisite comes "
                    "before (this also rules out cycles).",
                    module=module_id,
                    key=key,
                )
            )
    return problems


def missing_languages(texts: Mapping[str, str | None], languages: Iterable[str]) -> list[str]:
    """The ``languages`` in which ``texts`` has nothing (or only spaces)."""
    return [language for language in languages if not (texts.get(language) or "").strip()]
