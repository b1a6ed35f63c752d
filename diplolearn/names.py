"""One rule for the language of data: the name of a thing, how names sort, how lists read.

- ``name_of(thing)``: the name of a person, ministry, cohort, course, module, lesson or quiz in
  the interface language. Per-language names (``{"ar": …, "en": …}``) fall back by the course's
  order (the interface language, English when the course has it, the course's languages, then
  every supported language); a person is named in Arabic on Arabic pages when they have an
  Arabic name, and by their Latin name everywhere else.
- ``sort_key(language)`` / ``sorted_by_name(items)``: the Unicode Collation Algorithm (pyuca,
  pure Python, so CI needs no system library), with the names of the interface's own script
  first and Arabic letter forms that spelling treats as one (أ إ آ ا) sorted together.
- ``person_order()``: the same rule as ORDER BY terms, for paginated lists SQL must sort.
- ``join_list(items)``: Babel's list formatting ("A, B and C", "A, B et C", "أ، وب، وج").
- ``written_in(text)``: the lang and dir for text a person wrote (a post, a message).

Templates get ``|name``, ``|join_list``, ``|sort_by_name`` and ``name_of``,
``name_and_language``, ``sorted_by_name``, ``written_in``, ``language_endonym`` (``register``).
A name is text from data: the template still isolates it (``|bdi`` or ``dir="auto"`` on the
element that holds it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from operator import attrgetter

from babel.lists import format_list
from markupsafe import Markup, escape

from diplolearn import i18n
from diplolearn.textnorm import fold_arabic

_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Scripts whose names sort first for a language; everything else after them, by the UCA order.
_OWN_SCRIPT = {"ar": _ARABIC_LETTER}


def _language(language: str | None) -> str:
    return (language or i18n.current_language()).split("_")[0]


def _order(language: str, course_languages: Iterable[str] | None) -> list[str]:
    course_languages = list(course_languages or [])
    english = ["en"] if "en" in course_languages else []
    order: list[str] = []
    for code in (language, *english, *course_languages, "en", "ar", "fr"):
        if code and code not in order:
            order.append(code)
    return order


def name_and_language(
    thing, language: str | None = None, course_languages: Iterable[str] | None = None
) -> tuple[str, str | None]:
    """The name shown for ``thing`` and the language it is in (None when unknown, e.g. a Latin
    name, which may be English or French). See the module docstring for the rule."""
    if thing is None:
        return "", None
    language = _language(language)
    if isinstance(thing, str):
        return thing, None
    if isinstance(thing, dict):
        for code in _order(language, course_languages):
            if thing.get(code):
                return thing[code], code
        for code, text in sorted(thing.items()):
            if text:
                return text, code
        return "", None
    if hasattr(thing, "name_latin") and hasattr(thing, "name_ar"):
        if language == "ar" and thing.name_ar:
            return thing.name_ar, "ar"
        if thing.name_latin:
            return thing.name_latin, None
        if thing.name_ar:
            return thing.name_ar, "ar"
        return getattr(thing, "email", "") or "", None
    if course_languages is None:
        course_languages = getattr(thing, "languages", None)
        if not isinstance(course_languages, list | tuple):
            course_languages = None
    for attribute in ("name", "title"):
        value = getattr(thing, attribute, None)
        if isinstance(value, dict):
            text, code = name_and_language(value, language, course_languages)
            if text:
                return text, code
        elif isinstance(value, str) and value:
            return value, None
    # Nothing named in any language: the thing's code is still better than nothing.
    for attribute in ("code", "key"):
        value = getattr(thing, attribute, None)
        if isinstance(value, str) and value:
            return value, None
    return "", None


def name_of(
    thing, language: str | None = None, course_languages: Iterable[str] | None = None
) -> str:
    """The name of a person, ministry, cohort, course, lesson or quiz (or a per-language dict)
    in the interface language; ``language`` overrides it (mail, jobs)."""
    return name_and_language(thing, language, course_languages)[0]


@lru_cache(maxsize=1)
def _collator():
    # Loading the UCA table takes ~80 ms: once per process, when a list is first sorted.
    import pyuca

    return pyuca.Collator()


@lru_cache(maxsize=8192)
def _collation_key(text: str, language: str) -> tuple:
    text = unicodedata.normalize("NFC", text or "").strip()
    own = _OWN_SCRIPT.get(language)
    first_letter = next((ch for ch in text if ch.isalpha()), "")
    other_script = 0 if own is None else (0 if own.match(first_letter) else 1)
    collator = _collator()
    # Folded first (alef forms, teh marbuta, diacritics as spelling treats them), then the
    # exact text to break ties, so the order is total and stable.
    return (other_script, collator.sort_key(fold_arabic(text)), collator.sort_key(text), text)


def sort_key(language: str | None = None) -> Callable[[str], tuple]:
    """A key function for ``sorted`` that orders names as a reader of ``language`` expects:
    é sorts with e, case does not matter, Arabic names in alphabetical order."""
    language = _language(language)
    return lambda text: _collation_key(text or "", language)


def sorted_by_name(
    items: Iterable, key: Callable | str | None = None, language: str | None = None
) -> list:
    """``items`` sorted by the name each shows: ``name_of(item)``; ``key`` a function giving the
    text, or an attribute path whose value is named (``enrolments|sort_by_name("user")``)."""
    language = _language(language)
    collate = sort_key(language)
    if isinstance(key, str):
        get = attrgetter(key)
        name = lambda item: name_of(get(item), language)  # noqa: E731
    else:
        name = key or (lambda item: name_of(item, language))
    return sorted(items, key=lambda item: collate(name(item)))


def person_order(language: str | None = None, model=None) -> tuple:
    """ORDER BY terms for a list of people that SQL must sort (paginated lists), by the name
    shown in ``language``: Arabic pages by the stored ``sort_key`` (Arabic name, folded, else
    Latin); Latin pages by the Latin name, people with none after. Limits: SQL cannot collate as
    the UCA does the same way on SQLite and PostgreSQL, so accented capitals may sort after
    "z" there; bounded lists sort with ``sorted_by_name`` instead, which has no such limit."""
    import sqlalchemy as sa

    if model is None:  # the User model, or an alias of it (``aliased(User)``)
        from diplolearn.models import User

        model = User
    if _language(language) == "ar":
        return (model.sort_key,)
    return (
        sa.case((model.name_latin == "", 1), else_=0),
        sa.func.lower(model.name_latin),
        model.sort_key,
    )


def join_list(items: Iterable, language: str | None = None, bdi: bool = False) -> str:
    """Items joined the way the language writes a list: "A, B and C", "A, B et C",
    "أ، وب، وج". With ``bdi=True`` each item is isolated (names, titles from data); items that
    are Markup stay markup, others are escaped when the result is markup."""
    language = _language(language)
    items = [item for item in items if item not in (None, "")]
    if not items:
        return ""
    markup = bdi or any(isinstance(item, Markup) for item in items)
    if markup:
        items = [Markup("<bdi>%s</bdi>") % item if bdi else escape(item) for item in items]
    # CLDR's standard Arabic list leaves the commas out ("أ وب وج"); its "unit" pattern is the
    # same conjunction with the Arabic comma ("أ، وب، وج"), clearer when names are isolated.
    # (Babel's two-item "unit" pattern repeats the last item, hence standard for two.)
    style = "unit" if language == "ar" and len(items) > 2 else "standard"
    text = format_list([str(item) for item in items], style=style, locale=language)
    return Markup(text) if markup else text


_MARKUP_OR_LINK = re.compile(r"<[^>]*>|https?://\S+|\]\([^)]*\)")


def written_in(text: str | None, declared: str | None = None) -> tuple[str, str]:
    """(lang, dir) for the element holding text a person wrote: the direction of most of its
    letters (an Arabic question starting with "@francediplo" is still right-to-left, where
    ``dir="auto"`` would take the first letter's), and the declared language when it agrees
    with that script, else the script's language (Arabic) or "" (unknown Latin language)."""
    counts = {"rtl": 0, "ltr": 0}
    for ch in _MARKUP_OR_LINK.sub(" ", text or ""):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            counts["rtl"] += 1
        elif kind == "L":
            counts["ltr"] += 1
    declared = (declared or "").split("_")[0]
    if not counts["rtl"] and not counts["ltr"]:
        return declared, i18n.direction(declared) if declared else "auto"
    direction = "rtl" if counts["rtl"] > counts["ltr"] else "ltr"
    if declared and i18n.direction(declared) == direction:
        return declared, direction
    return ("ar" if direction == "rtl" else ""), direction


def register(app) -> None:
    """The template filters and globals of this module (called from templating.register)."""
    app.jinja_env.filters.update(
        name=name_of,
        join_list=join_list,
        sort_by_name=sorted_by_name,
    )
    app.jinja_env.globals.update(
        name_of=name_of,
        name_and_language=name_and_language,
        written_in=written_in,
        sorted_by_name=sorted_by_name,
        language_endonym=i18n.language_endonym,
    )
